"""``tf.Module`` and ``tf.name_scope``: named containers whose variables are found by walking their attributes.

A :class:`Module` finds the variables and submodules reachable from its attributes (through lists, tuples and
dicts, recursively through submodules) in exactly TensorFlow's order: a module's own leaves first, attributes in
sorted name order (dict entries in sorted key order, sequences in order), then each submodule in the order it was
met, depth first; every object is reported once.

>>> import tapegrad as tf
>>> from tapegrad.module import Module
>>> class Dense(Module):
...     def __init__(self, n_in, n_out, name=None):
...         super().__init__(name=name)
...         self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
...         self.b = tf.Variable(tf.zeros([n_out]), name="b")
...     def __call__(self, x):
...         return tf.nn.relu(tf.matmul(x, self.w) + self.b)
>>> class MLP(Module):
...     def __init__(self):
...         super().__init__()
...         self.layers = [Dense(3, 2), Dense(2, 1)]
...     def __call__(self, x):
...         for layer in self.layers:
...             x = layer(x)
...         return x
>>> mlp = MLP()
>>> [v.name for v in mlp.trainable_variables]
['b:0', 'w:0', 'b:0', 'w:0']
>>> mlp.name, mlp.name_scope.name, len(mlp.submodules)
('mlp', 'mlp/', 2)
>>> float(mlp(tf.ones([1, 3]))[0, 0])
6.0
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._tensor import Variable

__all__ = ["Module", "name_scope"]

_CAMEL_TO_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
_VALID_IDENTIFIER = re.compile(r"^[a-zA-Z_]([a-zA-Z0-9_])*$")
_SCOPES = threading.local()


def camel_to_snake(value: str) -> str:
    """``"MyDenseLayer"`` → ``"my_dense_layer"`` (TF's rule for default module names).

    >>> camel_to_snake("MLP"), camel_to_snake("HTTPServer2D"), camel_to_snake("Dense")
    ('mlp', 'http_server2_d', 'dense')
    """
    return _CAMEL_TO_SNAKE.sub(r"_\1", value).lower()


def valid_identifier(name: str) -> bool:
    """True when ``name`` is a valid module name (a Python identifier made of ASCII letters, digits, ``_``)."""
    return bool(_VALID_IDENTIFIER.match(name))


def current_name_scope() -> str:
    """The active name scope (``""`` at top level, else ending in ``"/"``)."""
    stack = getattr(_SCOPES, "stack", None)
    return stack[-1] if stack else ""


class name_scope:  # noqa: N801 - TF's spelling
    """A context manager that opens a name scope (``tf.name_scope``); ``with`` gives the full scope name.

    A name ending in ``"/"`` is absolute; otherwise it is appended to the enclosing scope. As in eager
    TensorFlow, names are not made unique. (tapegrad does not prefix variable names with the scope.)

    >>> import tapegrad as tf
    >>> from tapegrad.module import name_scope
    >>> with name_scope("outer") as outer:
    ...     with name_scope("inner") as inner:
    ...         pass
    >>> outer, inner
    ('outer/', 'outer/inner/')
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise ValueError(f"name_scope: name must be a string, got {name!r} ({type(name).__name__}).")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        stack = getattr(_SCOPES, "stack", None)
        if stack is None:
            stack = _SCOPES.stack = []
        if not self._name:
            scope = ""
        elif self._name.endswith("/"):
            scope = self._name
        else:
            scope = current_name_scope() + self._name + "/"
        stack.append(scope)
        return scope

    def __exit__(self, *exc: Any) -> None:
        _SCOPES.stack.pop()


def _is_variable(obj: Any) -> bool:
    return isinstance(obj, Variable)


def _is_trainable_variable(obj: Any) -> bool:
    return isinstance(obj, Variable) and bool(getattr(obj, "trainable", False))


def _is_non_trainable_variable(obj: Any) -> bool:
    return isinstance(obj, Variable) and not getattr(obj, "trainable", False)


def _is_module(obj: Any) -> bool:
    return isinstance(obj, Module)


def _leaves_with_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """``tf.nest.flatten_with_tuple_paths``: dicts by sorted key, sequences in order, anything else a leaf."""
    if isinstance(value, Mapping):
        try:
            keys = sorted(value)
        except TypeError:
            raise TypeError("nest only supports dicts with sortable keys.") from None
        for k in keys:
            yield from _leaves_with_paths(value[k], path + (k,))
    elif isinstance(value, (list, tuple)) and not isinstance(value, str):
        for i, item in enumerate(value):
            yield from _leaves_with_paths(item, path + (i,))
    else:
        yield path, value


class Module:
    """A named container of variables and other modules (``tf.Module``).

    ``variables``, ``trainable_variables``, ``non_trainable_variables`` and ``submodules`` are found by reflection
    over the instance's attributes (see the module docstring for the order). Variables may be created in
    ``__init__`` or lazily on the first call.

    >>> import tapegrad as tf
    >>> from tapegrad.module import Module
    >>> class Lazy(Module):
    ...     def __call__(self, x):
    ...         if not hasattr(self, "w"):
    ...             self.w = tf.Variable(tf.ones([x.shape[-1], 2]))
    ...         return tf.matmul(x, self.w)
    >>> m = Lazy()
    >>> len(m.variables), m(tf.ones([1, 3])).shape, len(m.variables)
    (0, TensorShape([1, 2]), 1)
    """

    _TF_MODULE_IGNORED_PROPERTIES: frozenset[str] = frozenset(
        ("_self_unconditional_checkpoint_dependencies", "_self_unconditional_dependency_names")
    )

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not valid_identifier(name):
            raise ValueError(
                f"{name!r} is not a valid module name. Module names must be valid Python identifiers (e.g. a valid "
                "class name)."
            )
        self._name = name
        with name_scope(name) as scope:
            self._name_scope = name_scope(scope)

    @property
    def name(self) -> str:
        """The name given to (or derived for) this module; unlike ``name_scope.name`` it has no parent prefix."""
        return self._name

    @property
    def name_scope(self) -> name_scope:
        """The module's name scope (enter it with ``with module.name_scope:``)."""
        return self._name_scope

    @property
    def variables(self) -> tuple[Variable, ...]:
        """Every variable of this module and its submodules (own attributes by sorted name, then submodules)."""
        return tuple(self._flatten(predicate=_is_variable))

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        """The trainable variables, in the order of :attr:`variables`."""
        return tuple(self._flatten(predicate=_is_trainable_variable))

    @property
    def non_trainable_variables(self) -> tuple[Variable, ...]:
        """The non-trainable variables, in the order of :attr:`variables`."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable))

    @property
    def submodules(self) -> tuple[Module, ...]:
        """Every module reachable from this one's attributes (not including itself).

        >>> from tapegrad.module import Module
        >>> a, b, c = Module(), Module(), Module()
        >>> a.b = b; b.c = c
        >>> list(a.submodules) == [b, c], list(b.submodules) == [c], list(c.submodules) == []
        (True, True, True)
        """
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive: bool = True, predicate: Callable[[Any], bool] | None = None,
                 attribute_traversal_key: Callable[[str], Any] | None = None, with_path: bool = False,
                 expand_composites: bool = False) -> Iterator[Any]:
        """Leaves reachable from the attributes (TF's ``Module._flatten``), optionally filtered by ``predicate``.

        With ``with_path=True`` yields ``(path, leaf)`` pairs and does not de-duplicate.
        """
        return _flatten_module(
            self, recursive=recursive, predicate=predicate or (lambda _: True),
            attributes_to_ignore=self._TF_MODULE_IGNORED_PROPERTIES,
            attribute_traversal_key=attribute_traversal_key, with_path=with_path,
        )

    @classmethod
    def with_name_scope(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: run ``method`` inside the module's name scope."""

        @functools.wraps(method)
        def method_with_name_scope(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return method_with_name_scope

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"


def _flatten_module(module: Module, recursive: bool, predicate: Callable[[Any], bool],
                    attributes_to_ignore: frozenset[str], attribute_traversal_key: Any, with_path: bool,
                    module_path: tuple[Any, ...] = (), seen: set[int] | None = None,
                    recursion_stack: list[int] | None = None) -> Iterator[Any]:
    module_id = id(module)
    if seen is None:
        seen = {module_id}
    if recursion_stack is None:
        recursion_stack = []
    if module_id in recursion_stack:  # a cycle: report this module's leaves but do not descend again
        recursive = False
    module_dict = vars(module)
    submodules: list[tuple[tuple[Any, ...], Module]] = []
    for key in sorted(module_dict, key=attribute_traversal_key):
        if key in attributes_to_ignore:
            continue
        prop = module_dict[key]
        try:
            leaves = list(_leaves_with_paths(prop))
        except Exception as cause:  # noqa: BLE001 - reported with the attribute that failed, as TF does
            raise ValueError(f"Error processing property {key!r} of {prop!r}") from cause
        for leaf_path, leaf in leaves:
            leaf_path = (key,) + leaf_path
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            if predicate(leaf):
                yield (module_path + leaf_path, leaf) if with_path else leaf
            if recursive and _is_module(leaf):
                submodules.append((module_path + leaf_path, leaf))
    recursion_stack.append(module_id)
    for sub_path, sub in submodules:
        yield from _flatten_module(
            sub, recursive=recursive, predicate=predicate, attributes_to_ignore=sub._TF_MODULE_IGNORED_PROPERTIES,
            attribute_traversal_key=attribute_traversal_key, with_path=with_path, module_path=sub_path, seen=seen,
            recursion_stack=recursion_stack,
        )
    recursion_stack.pop()
