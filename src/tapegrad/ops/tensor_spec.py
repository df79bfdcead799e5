"""Describing tensors: ``tf.TensorSpec`` (input signatures), ``is_tensor`` and ``get_static_value``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._shape import TensorShape
from .._tensor import Tensor, _TensorLike
from .core import convert_to_tensor


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tapegrad tensor type (``Tensor``, ``Variable``, ``IndexedSlices``), not a NumPy array.

    >>> import tapegrad as tf, numpy as np
    >>> tf.is_tensor(tf.constant(1.0)), tf.is_tensor(tf.Variable(1.0)), tf.is_tensor(np.ones(2)), tf.is_tensor(3)
    (True, True, False, False)
    """
    return isinstance(x, _TensorLike) or type(x).__name__ in ("IndexedSlices", "RaggedTensor", "SparseTensor")


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """The constant value of ``tensor`` as NumPy, if known: a Tensor's value, ``None`` for a Variable (its value
    can change), and any non-tensor value unchanged — as ``tf.get_static_value`` in eager mode.

    >>> import tapegrad as tf
    >>> tf.get_static_value(tf.constant([1, 2])).tolist(), tf.get_static_value(tf.Variable(1.0)), tf.get_static_value(3)
    ([1, 2], None, 3)
    """
    if type(tensor) is Tensor:
        return tensor.numpy()
    if is_tensor(tensor):
        return None
    return tensor


# -- TensorSpec ------------------------------------------------------------------------------------------------------


def _as_shape(shape: Any) -> TensorShape:
    if isinstance(shape, TensorShape):
        return shape
    if shape is None:
        return TensorShape(None)
    if isinstance(shape, (int, np.integer)):
        return TensorShape([int(shape)])
    if isinstance(shape, _TensorLike):
        shape = shape.numpy().tolist()
    return TensorShape([None if d is None or (isinstance(d, (int, np.integer)) and d < 0) else d for d in shape])


class TensorSpec:
    """Describes a tensor: a (possibly partial) shape, a dtype and an optional name.

    Used as ``input_signature`` entries of :func:`function`; ``None`` dimensions match any size.

    >>> import tapegrad as tf
    >>> spec = tf.TensorSpec(shape=(None, 3), dtype=tf.float32)
    >>> spec
    TensorSpec(shape=(None, 3), dtype=tapegrad.float32, name=None)
    >>> spec.is_compatible_with(tf.zeros([5, 3])), spec.is_compatible_with(tf.zeros([5, 4]))
    (True, False)
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> None:
        self._shape = _as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def value_type(self) -> type:
        return Tensor

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        """The spec of an existing tensor (its full shape and dtype).

        >>> import tapegrad as tf
        >>> tf.TensorSpec.from_tensor(tf.zeros([2], tf.int32))
        TensorSpec(shape=(2,), dtype=tapegrad.int32, name=None)
        """
        t = tensor if isinstance(tensor, _TensorLike) else convert_to_tensor(tensor)
        return cls(t.shape, t.dtype, name if name is not None else None)

    @classmethod
    def from_spec(cls, spec: TensorSpec, name: str | None = None) -> TensorSpec:
        """A copy of ``spec`` (optionally renamed)."""
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    def is_compatible_with(self, spec_or_tensor: Any) -> bool:
        """True for a TensorSpec or Tensor with the same dtype and a compatible shape (names are ignored).

        As in TF, Variables, NumPy arrays and Python values are not compatible (they are other types).
        """
        other = spec_or_tensor
        if isinstance(other, TensorSpec):
            return other._dtype == self._dtype and self._shape.is_compatible_with(other._shape)
        if type(other) is Tensor:
            return other.dtype == self._dtype and self._shape.is_compatible_with(other.shape)
        return False

    def most_specific_common_supertype(self, others: Any) -> TensorSpec | None:
        """The narrowest spec that all of ``self`` and ``others`` satisfy (``None`` if dtypes differ).

        >>> import tapegrad as tf
        >>> tf.TensorSpec([2, 3]).most_specific_common_supertype([tf.TensorSpec([4, 3])])
        TensorSpec(shape=(None, 3), dtype=tapegrad.float32, name=None)
        """
        dims = self._shape.dims
        for o in others:
            if not isinstance(o, TensorSpec) or o._dtype != self._dtype:
                return None
            od = o._shape.dims
            if dims is None or od is None or len(dims) != len(od):
                dims = None
            else:
                dims = [a if a == b else None for a, b in zip(dims, od)]
        names = {self._name, *(o._name for o in others)}
        return TensorSpec(TensorShape(dims), self._dtype, self._name if len(names) == 1 else None)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self._shape == other._shape  # type: ignore[attr-defined]
                and self._dtype == other._dtype and self._name == other._name)  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return TensorSpec, (self._shape, self._dtype, self._name)


EXPORTS: dict[str, list[str]] = {
    "": [
        "TensorSpec", "is_tensor", "get_static_value",
    ],
}
