"""``IndexedSlices``: the sparse row gradient that ``gather``/``nn.embedding_lookup`` produce (reference §5).

An ``IndexedSlices`` stands for a dense tensor of shape ``dense_shape`` that is zero except for the rows named by
``indices`` (duplicates allowed: they add up). It is not a Tensor: arithmetic operators are not defined
(``g * 2.0`` raises TypeError, as in TF), but every tapegrad op accepts it and densifies it first (summing
duplicate rows), and ``Variable.scatter_sub``/``assign_sub`` apply it.

The backward engine aggregates these objects through :meth:`IndexedSlices._sparse_add` (sparse + sparse stays
sparse, anything + dense is dense) and densifies one through :meth:`IndexedSlices._densify` before handing it to
another op's gradient rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import NUMPY
from ._dtypes import DType
from ._shape import TensorShape
from ._tensor import Tensor, _TensorLike, constant_value, make

__all__ = ["IndexedSlices"]


def _as_tensor(x: Any) -> Any:
    if isinstance(x, _TensorLike):
        return x
    return make(constant_value(x), NUMPY)


class IndexedSlices:
    """A sparse representation of a set of tensor slices at given indices (``tf.IndexedSlices``).

    ``values[i]`` is the slice of the dense tensor at row ``indices[i]``; the dense tensor has shape
    ``dense_shape`` and is zero elsewhere. Repeated indices add up when the object is densified.

    >>> import tapegrad as tf
    >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.reduce_sum(tf.gather(v, [0, 2, 0]))
    >>> g = tape.gradient(y, v)
    >>> isinstance(g, tf.IndexedSlices), isinstance(g, tf.Tensor)
    (True, False)
    >>> g.indices.numpy().tolist(), g.dense_shape.numpy().tolist()
    ([0, 2, 0], [3, 2])
    >>> tf.convert_to_tensor(g).numpy().tolist()
    [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    """

    __slots__ = ("_values", "_indices", "_dense_shape", "__weakref__")

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None) -> None:
        self._values = _as_tensor(values)
        self._indices = _as_tensor(indices)
        self._dense_shape = None if dense_shape is None else _as_tensor(dense_shape)

    @property
    def values(self) -> Any:
        """The slices: a tensor of shape ``[len(indices)] + dense_shape[1:]``."""
        return self._values

    @property
    def indices(self) -> Any:
        """The row of the dense tensor each slice belongs to (int32 or int64, duplicates kept)."""
        return self._indices

    @property
    def dense_shape(self) -> Any:
        """The shape of the dense tensor this object stands for (an int tensor), or None if unknown."""
        return self._dense_shape

    @property
    def shape(self) -> TensorShape:
        """The dense shape as a ``TensorShape`` (unknown when ``dense_shape`` is None)."""
        if self._dense_shape is None:
            return TensorShape(None)
        return TensorShape(np.asarray(self._dense_shape._value).tolist())

    @property
    def dtype(self) -> DType:
        return self._values.dtype

    @property
    def device(self) -> str:
        return self._values.device

    def __neg__(self) -> IndexedSlices:
        from .ops.arithmetic import negative

        return IndexedSlices(negative(self._values), self._indices, self._dense_shape)

    def __str__(self) -> str:
        tail = "" if self._dense_shape is None else f", dense_shape={self._dense_shape!s}"
        return f"IndexedSlices(indices={self._indices!s}, values={self._values!s}{tail})"

    # -- densification --------------------------------------------------------------------------------------------
    def _dense_shape_tuple(self) -> tuple[int, ...]:
        if self._dense_shape is None:
            raise ValueError(
                f"Cannot convert an IndexedSlices without dense_shape to a dense tensor: {self}. Pass dense_shape "
                "when constructing it, e.g. tapegrad.IndexedSlices(values, indices, dense_shape=[rows, cols])."
            )
        return tuple(int(d) for d in np.asarray(self._dense_shape._value).reshape(-1))

    def _dense(self) -> Tensor:
        """The dense tensor (duplicate rows summed); differentiable with respect to ``values``."""
        from .ops.indexing import indexed_slices_to_dense

        return indexed_slices_to_dense(self._values, self._indices, self._dense_shape_tuple())

    def _densify(self, diff: bool) -> Any:
        """Dense form for the backward engine: a recorded Tensor in ``diff`` mode, else a raw array."""
        if diff:
            return self._dense()
        from .ops.indexing import scatter_rows_raw

        v = self._values
        return scatter_rows_raw(v._xp, v._value, self._indices._value, self._dense_shape_tuple())

    def _sparse_add(self, other: Any) -> Any:
        """``self + other`` for gradient aggregation: stays sparse only if ``other`` is sparse too."""
        from .ops.indexing import scatter_rows_raw

        if type(other) is IndexedSlices:
            from .ops.core import cast
            from .ops.joining import concat

            ia, ib = self._indices, other._indices
            if ia._value.dtype != ib._value.dtype:
                ia, ib = cast(ia, "int64"), cast(ib, "int64")
            # The engine passes the running total as ``self`` and the new contribution (from an op recorded
            # earlier, as the sweep runs backwards) as ``other``: put it first, so rows follow recording order.
            return IndexedSlices(concat([other._values, self._values], 0), concat([ib, ia], 0), self._dense_shape)
        if isinstance(other, _TensorLike):  # recorded (higher-order) backward pass: stay differentiable
            from .ops.arithmetic import add

            return add(other, self._dense())
        # raw backward pass: ``other`` is a dense array with the dense shape
        v = self._values
        out = v._xp.array(other, copy=True)
        return scatter_rows_raw(v._xp, v._value, self._indices._value, tuple(out.shape), out=out)
