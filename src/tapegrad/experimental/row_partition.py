"""``tf.experimental.RowPartition`` (how a ragged dimension splits a flat list of values into rows) and
``tf.experimental.DynamicRaggedShape`` (the shape ``tf.shape`` gives a RaggedTensor, with TF's constructors
``from_tensor``, ``from_lengths``, ``from_row_partitions``).

A RowPartition holds its row splits (int64 unless built from int32 tensors) and, for a uniform partition, the row
length; every other encoding (lengths, value row ids, starts, limits, offsets in rows) is derived from the splits.
Building one checks TF's conditions (``InvalidArgumentError``: splits start at 0 and do not decrease, lengths and
row ids are non-negative and sorted; ``ValueError``: ranks and uniform lengths).

>>> import tapegrad as tf
>>> p = tf.experimental.RowPartition.from_row_lengths([2, 0, 3])
>>> p
tf.RowPartition(row_splits=[0 2 2 5])
>>> p.value_rowids().numpy().tolist(), int(p.nvals())
([0, 0, 2, 2, 2], 5)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DynamicRaggedShape", "RowPartition"]


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _invalid(msg: str) -> Exception:
    from ..errors import InvalidArgumentError

    return InvalidArgumentError(None, None, msg)


def _vector(x: Any, what: str) -> tuple[np.ndarray, Any]:
    """``x`` as a 1-D integer array and its dtype (int64 for Python values, the tensor's for int32/int64 tensors)."""
    tf = _tg()
    if tf.is_tensor(x):
        arr = np.asarray(x.numpy())
        dtype = x.dtype if x.dtype in (tf.int32, tf.int64) else tf.int64
    else:
        arr = np.asarray(x)
        dtype = tf.int64
    if arr.ndim != 1:
        raise ValueError(f"Shape {arr.shape} must have rank 1 ({what} of a RowPartition is a vector).")
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"{what} must be integers, got {arr.dtype}.")
    return arr.astype(np.int64), dtype


def _scalar(x: Any) -> int:
    return int(x.numpy()) if _tg().is_tensor(x) else int(x)


class RowPartition:
    """The row partitioning of one ragged dimension (``tf.experimental.RowPartition``); build one with the
    ``from_*`` class methods."""

    def __init__(self, row_splits: np.ndarray, dtype: Any, uniform_row_length: int | None = None,
                 nrows: int | None = None, _internal: bool = False) -> None:
        if not _internal:
            raise ValueError("RowPartition: build one with a from_* class method (from_row_splits, from_row_lengths, "
                             "from_value_rowids, from_row_starts, from_row_limits, from_uniform_row_length).")
        self._splits = row_splits
        self._dtype = dtype
        self._uniform = uniform_row_length
        self._static_nrows = nrows

    # -- constructors ----------------------------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, row_splits: Any, validate: bool = True, dtype: Any = None,
                        dtype_hint: Any = None) -> RowPartition:
        """Rows ``row_splits[i]:row_splits[i+1]`` of the values."""
        splits, dt = _vector(row_splits, "row_splits")
        if validate:
            if splits.size == 0 or splits[0] != 0:
                raise _invalid("Arguments to from_row_splits do not form a valid RaggedTensor: the row splits must "
                               f"start with 0, got {splits.tolist()[:10]}.")
            if np.any(np.diff(splits) < 0):
                raise _invalid("Arguments to from_row_splits do not form a valid RaggedTensor: the row splits must "
                               f"not decrease, got {splits.tolist()[:10]}.")
        return cls(splits, _tg().as_dtype(dtype) if dtype is not None else dt, _internal=True)

    @classmethod
    def from_row_lengths(cls, row_lengths: Any, validate: bool = True, dtype: Any = None,
                         dtype_hint: Any = None) -> RowPartition:
        """Consecutive rows of the given lengths."""
        lengths, dt = _vector(row_lengths, "row_lengths")
        if validate and np.any(lengths < 0):
            raise _invalid("Arguments to from_row_lengths do not form a valid RowPartition: row lengths must be "
                           f"non-negative, got {lengths.tolist()[:10]}.")
        return cls(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                   _tg().as_dtype(dtype) if dtype is not None else dt, _internal=True)

    @classmethod
    def from_value_rowids(cls, value_rowids: Any, nrows: Any = None, validate: bool = True, dtype: Any = None,
                          dtype_hint: Any = None) -> RowPartition:
        """Value ``i`` goes to row ``value_rowids[i]`` (sorted); ``nrows`` defaults to the last id + 1."""
        ids, dt = _vector(value_rowids, "value_rowids")
        n = (int(ids[-1]) + 1 if ids.size else 0) if nrows is None else _scalar(nrows)
        if validate:
            if np.any(ids < 0) or np.any(np.diff(ids) < 0):
                raise _invalid("Arguments to from_value_rowids do not form a valid RowPartition: value_rowids must "
                               f"be non-negative and sorted, got {ids.tolist()[:10]}.")
            if ids.size and n <= ids[-1]:
                raise _invalid(f"Arguments to from_value_rowids do not form a valid RowPartition: nrows={n} must be "
                               f"greater than the largest row id {int(ids[-1])}.")
        counts = np.bincount(ids, minlength=n)[:n] if n else np.zeros(0, np.int64)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                   _tg().as_dtype(dtype) if dtype is not None else dt, _internal=True)

    @classmethod
    def from_row_starts(cls, row_starts: Any, nvals: Any, validate: bool = True, dtype: Any = None,
                        dtype_hint: Any = None) -> RowPartition:
        """Rows starting at ``row_starts`` (the first 0), the last ending at ``nvals``."""
        starts, dt = _vector(row_starts, "row_starts")
        return cls.from_row_splits(np.concatenate([starts, [_scalar(nvals)]]).astype(np.int64), validate,
                                   dtype if dtype is not None else dt)

    @classmethod
    def from_row_limits(cls, row_limits: Any, validate: bool = True, dtype: Any = None,
                        dtype_hint: Any = None) -> RowPartition:
        """Rows ending at ``row_limits`` (the first starting at 0)."""
        limits, dt = _vector(row_limits, "row_limits")
        return cls.from_row_splits(np.concatenate([[0], limits]).astype(np.int64), validate,
                                   dtype if dtype is not None else dt)

    @classmethod
    def from_uniform_row_length(cls, uniform_row_length: Any, nvals: Any = None, nrows: Any = None,
                                validate: bool = True, dtype: Any = None, dtype_hint: Any = None) -> RowPartition:
        """``nrows`` rows of ``uniform_row_length`` values each (``nrows`` from ``nvals`` when not given)."""
        tf = _tg()
        length = _scalar(uniform_row_length)
        dt = uniform_row_length.dtype if tf.is_tensor(uniform_row_length) else tf.int64
        if length < 0:
            raise _invalid(f"from_uniform_row_length: uniform_row_length must be non-negative, got {length}.")
        if nrows is None:
            if nvals is None:
                raise ValueError("from_uniform_row_length: give nvals or nrows.")
            n = _scalar(nvals) // length if length else 0
        else:
            n = _scalar(nrows)
        if nvals is not None and length * n != _scalar(nvals):
            raise ValueError(f"uniform_row_length={length} times nrows={n} must equal nvals={_scalar(nvals)}")
        splits = np.arange(n + 1, dtype=np.int64) * length
        return cls(splits, tf.as_dtype(dtype) if dtype is not None else dt, uniform_row_length=length, nrows=n,
                   _internal=True)

    # -- encodings ---------------------------------------------------------------------------------------------------
    def _t(self, arr: Any) -> Any:
        return _tg().constant(np.asarray(arr, self._dtype.as_numpy_dtype))

    def row_splits(self) -> Any:
        """The row splits: row ``i`` is ``values[splits[i]:splits[i+1]]``."""
        return self._t(self._splits)

    def row_lengths(self) -> Any:
        """Each row's length."""
        return self._t(np.diff(self._splits))

    def value_rowids(self) -> Any:
        """Each value's row index."""
        return self._t(np.repeat(np.arange(len(self._splits) - 1), np.diff(self._splits)))

    def row_starts(self) -> Any:
        """Where each row starts."""
        return self._t(self._splits[:-1])

    def row_limits(self) -> Any:
        """Where each row ends."""
        return self._t(self._splits[1:])

    def nrows(self) -> Any:
        """The number of rows (a scalar tensor)."""
        return self._t(len(self._splits) - 1)

    def nvals(self) -> Any:
        """The number of values partitioned (a scalar tensor)."""
        return self._t(self._splits[-1])

    def offsets_in_rows(self) -> Any:
        """Each value's position within its row."""
        lengths = np.diff(self._splits)
        return self._t(np.arange(int(self._splits[-1])) - np.repeat(self._splits[:-1], lengths))

    def uniform_row_length(self) -> Any:
        """The common row length of a uniform partition (None otherwise)."""
        return None if self._uniform is None else self._t(self._uniform)

    def is_uniform(self) -> bool:
        """Whether the partition was built with a uniform row length."""
        return self._uniform is not None

    @property
    def dtype(self) -> Any:
        """int64 or int32: the dtype of the encodings."""
        return self._dtype

    @property
    def static_nrows(self) -> int | None:
        """The row count when known without running ops (splits given as a fixed-size vector, or uniform)."""
        return len(self._splits) - 1

    @property
    def static_nvals(self) -> int | None:
        """The value count when static (TF knows it only for uniform partitions built with ``nvals``)."""
        return None if self._uniform is None else int(self._splits[-1])

    @property
    def static_uniform_row_length(self) -> int | None:
        """The uniform row length when static."""
        return self._uniform

    def with_dtype(self, dtype: Any) -> RowPartition:
        """The same partition with int32 or int64 encodings."""
        tf = _tg()
        dtype = tf.as_dtype(dtype)
        if dtype not in (tf.int32, tf.int64):
            raise ValueError(f"RowPartition.with_dtype: dtype must be int32 or int64, got {dtype.name}.")
        return RowPartition(self._splits, dtype, self._uniform, self._static_nrows, _internal=True)

    def is_compatible_with(self, other: RowPartition) -> bool:
        """Whether both partitions have the same row count, value count and uniform row length."""
        return (len(self._splits) == len(other._splits) and self._splits[-1] == other._splits[-1]
                and (self._uniform is None or other._uniform is None or self._uniform == other._uniform))

    def __repr__(self) -> str:
        if self._uniform is not None:
            return f"tf.RowPartition(nrows={len(self._splits) - 1}, uniform_row_length={self._uniform})"
        return f"tf.RowPartition(row_splits={np.array2string(self._splits, separator=' ')})"


def _dynamic_ragged_shape() -> Any:
    from ..ops.ragged_ops import DynamicRaggedShape as Base

    return Base


def shape_from_tensor(t: Any, dtype: Any = None) -> Any:
    """``DynamicRaggedShape.from_tensor``: the shape of a tensor or RaggedTensor.

    >>> import tapegrad as tf
    >>> tf.experimental.DynamicRaggedShape.from_tensor(tf.ragged.constant([[1], [2, 3]]))
    <DynamicRaggedShape lengths=[2, (1, 2)] num_row_partitions=1>
    """
    tf = _tg()
    dt = tf.as_dtype(dtype or tf.int64)
    if isinstance(t, tf.RaggedTensor):
        return tf.shape(t, out_type=dt)
    t = tf.convert_to_tensor(t)
    dims = tuple(t.shape.as_list())
    return _dynamic_ragged_shape()(list(dims), dims, dt.as_numpy_dtype)


def shape_from_lengths(lengths: list[Any], num_row_partitions: int | None = None, dtype: Any = None) -> Any:
    """``DynamicRaggedShape.from_lengths``: each dimension's size, or its row lengths (a tuple or list) for a
    ragged dimension.

    >>> import tapegrad as tf
    >>> tf.experimental.DynamicRaggedShape.from_lengths([2, (1, 2), 4])
    <DynamicRaggedShape lengths=[2, (1, 2), 4] num_row_partitions=1>
    """
    tf = _tg()
    dt = tf.as_dtype(dtype or tf.int64)
    out: list[Any] = []
    rows = None
    for i, v in enumerate(lengths):
        if isinstance(v, (tuple, list)) or (tf.is_tensor(v) and v.shape.rank == 1):
            row_lengths = tuple(int(x) for x in (v.numpy() if tf.is_tensor(v) else v))
            if i == 0 or rows != len(row_lengths):
                raise ValueError(f"from_lengths: ragged dimension {i} has {len(row_lengths)} row lengths, but the "
                                 f"dimensions before it have {rows} rows.")
            out.append(row_lengths)
            rows = sum(row_lengths)
        else:
            out.append(_scalar(v))
            rows = out[-1] if rows is None else rows * out[-1]
    n_ragged = sum(isinstance(v, tuple) for v in out)
    if num_row_partitions is not None and num_row_partitions != n_ragged:
        raise ValueError(f"from_lengths: num_row_partitions={num_row_partitions} does not match the {n_ragged} "
                         "ragged dimensions given.")
    last = max((i for i, v in enumerate(out) if isinstance(v, tuple)), default=-1)
    inner = (sum(out[last]), *out[last + 1:]) if last >= 0 else tuple(out)
    return _dynamic_ragged_shape()(out, tuple(inner), dt.as_numpy_dtype)


def shape_from_row_partitions(row_partitions: list[RowPartition], dtype: Any = None) -> Any:
    """``DynamicRaggedShape.from_row_partitions``: rows nested by ``row_partitions`` (outermost first) over a
    vector of values."""
    if not row_partitions:
        raise ValueError("from_row_partitions: give at least one RowPartition.")
    lengths: list[Any] = [len(row_partitions[0]._splits) - 1]
    for p in row_partitions:
        lengths.append(p._uniform if p.is_uniform() else tuple(np.diff(p._splits).tolist()))
    return shape_from_lengths(lengths, dtype=dtype or row_partitions[0].dtype)


DynamicRaggedShape = _dynamic_ragged_shape()
