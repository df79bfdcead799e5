"""``tf.experimental.Optional`` (a value that may be missing, as ``Iterator.get_next_as_optional`` returns),
``tf.OptionalSpec`` and ``tf.data.IteratorSpec``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._structure import from_user, spec_of

__all__ = ["Optional", "OptionalSpec", "IteratorSpec"]


class OptionalSpec:
    """The type of an :class:`Optional`: the spec of the value it may hold."""

    def __init__(self, element_spec: Any) -> None:
        self._element_spec = element_spec

    element_spec = property(lambda self: self._element_spec, doc="The spec of the value.")
    value_type = property(lambda self: Optional, doc="The Python type of the values (``Optional``).")

    @staticmethod
    def from_value(value: Optional) -> OptionalSpec:
        return OptionalSpec(value.element_spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OptionalSpec) and other._element_spec == self._element_spec

    def __hash__(self) -> int:
        return hash(repr(self._element_spec))

    def __repr__(self) -> str:
        return f"OptionalSpec({self._element_spec!r})"


class Optional:
    """A value, or nothing: ``has_value()`` (a bool tensor) says which, ``get_value()`` gives the value (raising
    ``InvalidArgumentError`` when there is none). Make one with ``Optional.from_value(v)`` or
    ``Optional.empty(element_spec)``; ``iterator.get_next_as_optional()`` returns one instead of raising at the
    end of the data.

    >>> import tapegrad as tf
    >>> it = iter(tf.data.Dataset.range(1))
    >>> first, second = it.get_next_as_optional(), it.get_next_as_optional()
    >>> bool(first.has_value()), int(first.get_value()), bool(second.has_value())
    (True, 0, False)
    """

    def __init__(self, value: Any, element_spec: Any, has_value: bool) -> None:
        self._value, self._spec, self._has = value, element_spec, has_value

    @staticmethod
    def from_value(value: Any) -> Optional:
        """An Optional holding ``value`` (a tensor or a nest of them)."""
        from ._structure import to_user

        internal = from_user(value)
        return Optional(to_user(internal), spec_of(internal), True)

    @staticmethod
    def empty(element_spec: Any) -> Optional:
        """An Optional with no value, of type ``element_spec``."""
        return Optional(None, element_spec, False)

    def has_value(self, name: str | None = None) -> Any:
        """Whether there is a value, as a bool scalar tensor."""
        from ..ops import core as _core

        return _core.constant(np.bool_(self._has))

    def get_value(self, name: str | None = None) -> Any:
        """The value (``InvalidArgumentError`` if there is none: check ``has_value()`` first)."""
        if not self._has:
            raise InvalidArgumentError("The given optional does not have a value: check has_value() before "
                                       "get_value().")
        return self._value

    element_spec = property(lambda self: self._spec, doc="The spec of the value (also when there is none).")

    @property
    def _type_spec(self) -> OptionalSpec:
        return OptionalSpec(self._spec)

    def __repr__(self) -> str:
        return f"<Optional has_value={self._has} element_spec={self._spec!r}>"


class IteratorSpec:
    """The type of a dataset iterator (``tf.data.IteratorSpec``): the spec of its elements."""

    def __init__(self, element_spec: Any) -> None:
        self._element_spec = element_spec

    element_spec = property(lambda self: self._element_spec, doc="The spec of the elements.")

    @property
    def value_type(self) -> type:
        from .dataset import OwnedIterator

        return OwnedIterator

    @staticmethod
    def from_value(value: Any) -> IteratorSpec:
        return IteratorSpec(value.element_spec)

    def is_compatible_with(self, other: Any) -> bool:
        other_spec = other.element_spec if hasattr(other, "element_spec") else other
        return repr(other_spec) == repr(self._element_spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IteratorSpec) and repr(other._element_spec) == repr(self._element_spec)

    def __hash__(self) -> int:
        return hash(repr(self._element_spec))

    def __repr__(self) -> str:
        return f"IteratorSpec({self._element_spec!r},)"
