"""``tf.TypeSpec`` (the base of every type spec: ``isinstance(spec, tf.TypeSpec)`` holds for tapegrad's
``TensorSpec``, ``RaggedTensorSpec``, ``SparseTensorSpec``, ``DatasetSpec``, ...), and the specs of the remaining
value types: ``tf.TensorArraySpec``, ``tf.IndexedSlicesSpec`` and ``tf.NoneTensorSpec``, with TF's reprs,
equality, compatibility and ``from_value``.

>>> import tapegrad as tf
>>> isinstance(tf.TensorSpec([2]), tf.TypeSpec)
True
>>> tf.TensorArraySpec([2], tf.float32)
TensorArraySpec(TensorShape([2]), tapegrad.float32, False, True)
>>> tf.TensorArraySpec([2]).is_compatible_with(tf.TensorArraySpec([None]))
True
"""

from __future__ import annotations

import abc
from typing import Any

from . import _dtypes
from ._shape import TensorShape

__all__ = ["TypeSpec", "TensorArraySpec", "IndexedSlicesSpec", "NoneTensorSpec"]


class TypeSpec(abc.ABC):  # noqa: B024 - TF's abstract base; concrete specs register or subclass
    """The type of a value tapegrad can pass through functions and datasets (TF's ``tf.TypeSpec``): abstract;
    every concrete spec class of tapegrad is a ``TypeSpec``."""

    @property
    @abc.abstractmethod
    def value_type(self) -> type:
        """The Python type of the values this spec describes."""

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        """Whether a value of ``spec_or_value``'s type could be described by this spec (the same type, with
        compatible components)."""
        from .graph_compat import type_spec_from_value

        other = spec_or_value if isinstance(spec_or_value, TypeSpec) else type_spec_from_value(spec_or_value)
        return type(other) is type(self) and self._compatible(other)

    def _compatible(self, other: Any) -> bool:
        return bool(self == other)

    def most_specific_common_supertype(self, others: Any) -> Any:
        """The most specific spec every one of ``others`` and this one is compatible with (None if there is none)."""
        out = self
        for other in others:
            if type(other) is not type(self):
                return None
            out = out._supertype(other)
            if out is None:
                return None
        return out

    def _supertype(self, other: Any) -> Any:
        return self if self == other else None


def _shape(s: Any) -> TensorShape:
    return s if isinstance(s, TensorShape) else TensorShape(s)


class TensorArraySpec(TypeSpec):
    """The type of a ``tf.TensorArray``: its element shape and dtype, ``dynamic_size`` and ``infer_shape``."""

    __slots__ = ("_element_shape", "_dtype", "_dynamic_size", "_infer_shape")

    def __init__(self, element_shape: Any = None, dtype: Any = _dtypes.float32, dynamic_size: bool = False,
                 infer_shape: bool = True) -> None:
        self._element_shape = _shape(element_shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = bool(infer_shape)

    @property
    def value_type(self) -> type:
        from .ops.control_flow import TensorArray

        return TensorArray

    def _key(self) -> tuple[Any, ...]:
        dims = None if self._element_shape.rank is None else tuple(self._element_shape.as_list())
        return dims, self._dtype, self._dynamic_size, self._infer_shape

    def __eq__(self, other: Any) -> bool:
        return type(other) is TensorArraySpec and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _compatible(self, other: Any) -> bool:
        return (self._dtype == other._dtype and self._dynamic_size == other._dynamic_size
                and self._infer_shape == other._infer_shape
                and self._element_shape.is_compatible_with(other._element_shape))

    def _supertype(self, other: Any) -> Any:
        if (self._dtype, self._dynamic_size, self._infer_shape) != (other._dtype, other._dynamic_size,
                                                                    other._infer_shape):
            return None
        return TensorArraySpec(self._element_shape.most_specific_compatible_shape(other._element_shape), self._dtype,
                               self._dynamic_size, self._infer_shape)

    @staticmethod
    def from_value(value: Any) -> TensorArraySpec:
        """The spec of a ``TensorArray``."""
        from .ops.control_flow import TensorArray

        if not isinstance(value, TensorArray):
            raise ValueError(f"Expected value to be a TensorArray, but saw: {type(value)}")
        return TensorArraySpec(value.element_shape, value.dtype, value.dynamic_size, value._infer_shape)

    def __repr__(self) -> str:
        return f"TensorArraySpec({self._element_shape!r}, {self._dtype!r}, {self._dynamic_size}, {self._infer_shape})"


class IndexedSlicesSpec(TypeSpec):
    """The type of a ``tf.IndexedSlices``: the dense shape, the values' dtype, the indices' dtype, the dense shape's
    dtype (None: no dense shape) and the indices' shape."""

    __slots__ = ("_shape", "_values_dtype", "_indices_dtype", "_dense_shape_dtype", "_indices_shape")

    def __init__(self, shape: Any = None, dtype: Any = _dtypes.float32, indices_dtype: Any = _dtypes.int64,
                 dense_shape_dtype: Any = None, indices_shape: Any = None) -> None:
        self._shape = _shape(shape)
        self._values_dtype = _dtypes.as_dtype(dtype)
        self._indices_dtype = _dtypes.as_dtype(indices_dtype)
        self._dense_shape_dtype = None if dense_shape_dtype is None else _dtypes.as_dtype(dense_shape_dtype)
        indices_shape = _shape([None] if indices_shape is None else indices_shape)
        if indices_shape.rank not in (None, 1):
            raise ValueError(f"Shape {indices_shape} must have rank 1")
        self._indices_shape = indices_shape

    @property
    def value_type(self) -> type:
        from ._indexed_slices import IndexedSlices

        return IndexedSlices

    def _key(self) -> tuple[Any, ...]:
        def dims(s: TensorShape) -> Any:
            return None if s.rank is None else tuple(s.as_list())
        return (dims(self._shape), self._values_dtype, self._indices_dtype, self._dense_shape_dtype,
                dims(self._indices_shape))

    def __eq__(self, other: Any) -> bool:
        return type(other) is IndexedSlicesSpec and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _compatible(self, other: Any) -> bool:
        return (self._key()[1:4] == other._key()[1:4] and self._shape.is_compatible_with(other._shape)
                and self._indices_shape.is_compatible_with(other._indices_shape))

    def _supertype(self, other: Any) -> Any:
        if self._key()[1:4] != other._key()[1:4]:
            return None
        return IndexedSlicesSpec(self._shape.most_specific_compatible_shape(other._shape), self._values_dtype,
                                 self._indices_dtype, self._dense_shape_dtype,
                                 self._indices_shape.most_specific_compatible_shape(other._indices_shape))

    def __repr__(self) -> str:
        ds = None if self._dense_shape_dtype is None else self._dense_shape_dtype
        return (f"IndexedSlicesSpec({self._shape!r}, {self._values_dtype!r}, {self._indices_dtype!r}, {ds!r}, "
                f"{self._indices_shape!r})")


class NoneTensor:
    """The value a ``NoneTensorSpec`` describes: a placeholder for ``None`` in a nest of values."""


class NoneTensorSpec(TypeSpec):
    """The type of ``None`` where a composite's component may be absent."""

    @property
    def value_type(self) -> type:
        return NoneTensor

    def __eq__(self, other: Any) -> bool:
        return type(other) is NoneTensorSpec

    def __hash__(self) -> int:
        return hash(NoneTensorSpec)

    def __repr__(self) -> str:
        return "NoneTensorSpec()"


def _register() -> None:
    """Make tapegrad's other spec classes TypeSpecs (virtual subclasses: ``isinstance`` and ``issubclass`` hold)."""
    from .data._optional import IteratorSpec, OptionalSpec
    from .data._structure import DatasetSpec
    from .ops.ragged_ops import RaggedTensorSpec
    from .ops.sparse_ops import SparseTensorSpec
    from .ops.tensor_spec import TensorSpec

    for cls in (TensorSpec, RaggedTensorSpec, SparseTensorSpec, DatasetSpec, OptionalSpec, IteratorSpec):
        TypeSpec.register(cls)
    try:
        from .experimental.extension_type import ExtensionTypeSpec
    except ImportError:  # pragma: no cover - the module is part of the package
        return
    TypeSpec.register(ExtensionTypeSpec)


_register()
