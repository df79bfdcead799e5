"""``tf.RaggedTensor`` and ``tf.RaggedTensorSpec``: tensors whose rows have different lengths.

A RaggedTensor is its ``values`` (a Tensor, or another RaggedTensor for several ragged dimensions) and its
``row_splits`` (int64 by default): row ``i`` is ``values[row_splits[i]:row_splits[i + 1]]``. Every computation on
one is a tapegrad op on the flat values, so gradients reach the values (and whatever made them) through the tape:
``to_tensor`` is a segment sum into the padded positions, reductions over the ragged axis go through it, and
elementwise operators run on the flat values. The row partitions are integers (never differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._shape import TensorShape
from .._strings import OBJECT, to_bytes_array
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import _common
from ._common import to_tensor


def _tf() -> Any:
    import tapegrad

    return tapegrad


def _int_tensor(x: Any, dtype: Any, what: str) -> Tensor:
    t = x if isinstance(x, _TensorLike) else make(np.asarray(x), NUMPY)
    t = to_tensor(t)
    if t._value.dtype.kind not in "iu":
        raise TypeError(f"RaggedTensor: {what} must be an integer tensor, got dtype {t.dtype.name}.")
    if dtype is not None and t._value.dtype != dtype:
        t = _tf().cast(t, dtype)
    return t


def _values_tensor(values: Any) -> Any:
    if isinstance(values, RaggedTensor):
        return values
    return to_tensor(values if isinstance(values, _TensorLike) else _tf().constant(values))


def _splits_dtype(row_splits_dtype: Any) -> np.dtype:
    dt = _dtypes.as_dtype(row_splits_dtype)
    if dt.name not in ("int32", "int64"):
        raise ValueError(f"RaggedTensor: row_splits_dtype must be int32 or int64, got {dt.name}.")
    return dt._np


class RaggedTensor:
    """A tensor with one or more ragged (variable-length) dimensions, as ``tf.RaggedTensor``.

    >>> import tapegrad as tf
    >>> rt = tf.ragged.constant([[1, 2], [3]])
    >>> rt
    <tapegrad.RaggedTensor [[1, 2], [3]]>
    >>> rt.shape, rt.row_splits.numpy().tolist(), rt.to_tensor(default_value=-1).numpy().tolist()
    (TensorShape([2, None]), [0, 2, 3], [[1, 2], [3, -1]])
    >>> (rt * 10).to_list(), tf.reduce_sum(rt, axis=1).numpy().tolist()
    ([[10, 20], [30]], [3, 3])
    """

    __slots__ = ("_values", "_row_splits", "__weakref__")
    __array_priority__ = 200  # NumPy defers to RaggedTensor's operators
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("RaggedTensor objects are made by tf.ragged.constant or the RaggedTensor.from_* factory "
                        "methods (from_row_splits, from_row_lengths, from_value_rowids, from_tensor).")

    @classmethod
    def _from_splits(cls, values: Any, row_splits: Any) -> RaggedTensor:
        rt = object.__new__(cls)
        rt._values = values
        rt._row_splits = row_splits
        return rt

    # -- factories ------------------------------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values: Any, row_splits: Any, name: str | None = None,
                        validate: bool = True) -> RaggedTensor:
        """Rows ``values[row_splits[i]:row_splits[i + 1]]``; ``row_splits`` starts at 0, never decreases and ends
        at the number of values (else InvalidArgumentError).

        >>> import tapegrad as tf
        >>> tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [0, 3, 3, 4])
        <tapegrad.RaggedTensor [[1, 2, 3], [], [4]]>
        """
        v = _values_tensor(values)
        s = _int_tensor(row_splits, None, "row_splits")
        if s._value.dtype not in (np.dtype(np.int32), np.dtype(np.int64)):
            s = _tf().cast(s, np.int64)
        if validate:
            raw = static_value(s)
            n = _nvals(v)
            if raw.ndim != 1 or raw.size == 0:
                raise ValueError(f"RaggedTensor.from_row_splits: row_splits must be a non-empty vector, got shape "
                                 f"{list(raw.shape)}.")
            if raw[0] != 0:
                raise InvalidArgumentError(f"RaggedTensor.from_row_splits: row_splits must start with 0, got "
                                           f"{raw[0]}.")
            if np.any(np.diff(raw) < 0):
                raise InvalidArgumentError(f"RaggedTensor.from_row_splits: row_splits must not decrease, got "
                                           f"{raw.tolist()}.")
            if raw[-1] != n:
                raise InvalidArgumentError(f"RaggedTensor.from_row_splits: row_splits ends at {raw[-1]} but there "
                                           f"are {n} values; the last split must equal the number of values.")
        return cls._from_splits(v, s)

    @classmethod
    def from_row_lengths(cls, values: Any, row_lengths: Any, name: str | None = None,
                         validate: bool = True) -> RaggedTensor:
        """Rows of the given lengths (they must add up to the number of values).

        >>> import tapegrad as tf
        >>> tf.RaggedTensor.from_row_lengths([1, 2, 3, 4], [2, 0, 2])
        <tapegrad.RaggedTensor [[1, 2], [], [3, 4]]>
        """
        lengths = _int_tensor(row_lengths, None, "row_lengths")
        raw = static_value(lengths)
        if validate and np.any(raw < 0):
            raise InvalidArgumentError(f"RaggedTensor.from_row_lengths: row_lengths must be >= 0, got "
                                       f"{raw.tolist()}.")
        splits = np.zeros(raw.size + 1, raw.dtype if raw.dtype in (np.int32, np.int64) else np.int64)
        np.cumsum(raw, out=splits[1:])
        v = _values_tensor(values)
        if validate and splits[-1] != _nvals(v):
            raise InvalidArgumentError(f"RaggedTensor.from_row_lengths: the row lengths add up to {splits[-1]} but "
                                       f"there are {_nvals(v)} values.")
        return cls._from_splits(v, make(splits, NUMPY))

    @classmethod
    def from_value_rowids(cls, values: Any, value_rowids: Any, nrows: Any = None, name: str | None = None,
                          validate: bool = True) -> RaggedTensor:
        """Value ``k`` goes to row ``value_rowids[k]`` (ids must not decrease); ``nrows`` adds empty trailing rows.

        >>> import tapegrad as tf
        >>> tf.RaggedTensor.from_value_rowids([1, 2, 3, 4], [0, 0, 2, 2], nrows=4)
        <tapegrad.RaggedTensor [[1, 2], [], [3, 4], []]>
        """
        ids_t = _int_tensor(value_rowids, None, "value_rowids")
        ids = static_value(ids_t).astype(np.int64)
        if validate and (np.any(np.diff(ids) < 0) or (ids.size and ids[0] < 0)):
            raise InvalidArgumentError(f"RaggedTensor.from_value_rowids: value_rowids must be >= 0 and not "
                                       f"decrease, got {ids.tolist()}.")
        n = (int(ids[-1]) + 1 if ids.size else 0) if nrows is None else int(nrows)
        if validate and ids.size and ids[-1] >= n:
            raise InvalidArgumentError(f"RaggedTensor.from_value_rowids: value_rowids has row {ids[-1]} but nrows is "
                                       f"{n}.")
        splits = np.zeros(n + 1, ids_t._value.dtype if ids_t._value.dtype in (np.int32, np.int64) else np.int64)
        np.cumsum(np.bincount(ids, minlength=n)[:n], out=splits[1:])
        v = _values_tensor(values)
        if validate and ids.size != _nvals(v):
            raise InvalidArgumentError(f"RaggedTensor.from_value_rowids: {ids.size} row ids for {_nvals(v)} values.")
        return cls._from_splits(v, make(splits, NUMPY))

    @classmethod
    def from_nested_row_splits(cls, flat_values: Any, nested_row_splits: Any, name: str | None = None,
                               validate: bool = True) -> RaggedTensor:
        """Several ragged dimensions at once: ``nested_row_splits[0]`` partitions the outermost.

        >>> import tapegrad as tf
        >>> tf.RaggedTensor.from_nested_row_splits([1, 2, 3, 4], [[0, 2, 3], [0, 2, 3, 4]])
        <tapegrad.RaggedTensor [[[1, 2], [3]], [[4]]]>
        """
        result: Any = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values: Any, nested_row_lengths: Any, name: str | None = None,
                                validate: bool = True) -> RaggedTensor:
        """Several ragged dimensions from row lengths, outermost first.

        >>> import tapegrad as tf
        >>> tf.RaggedTensor.from_nested_row_lengths([1, 2, 3, 4], [[2, 1], [2, 1, 1]]).to_list()
        [[[1, 2], [3]], [[4]]]
        """
        result: Any = flat_values
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor: Any, lengths: Any = None, padding: Any = None, ragged_rank: int = 1,
                    name: str | None = None, row_splits_dtype: Any = _dtypes.int64) -> RaggedTensor:
        """A RaggedTensor from a dense tensor (rank >= 2): every row whole, or cut to ``lengths``, or with the
        trailing ``padding`` values (or inner vectors equal to ``padding``) removed. Differentiable.

        >>> import tapegrad as tf
        >>> tf.RaggedTensor.from_tensor([[1, 2, 0], [3, 0, 0], [0, 0, 0]], padding=0)
        <tapegrad.RaggedTensor [[1, 2], [3], []]>
        """
        tf = _tf()
        x = to_tensor(tensor if isinstance(tensor, _TensorLike) else tf.constant(tensor))
        sdt = _splits_dtype(row_splits_dtype)
        shape = tuple(x._value.shape)
        if len(shape) < 2:
            raise ValueError(f"RaggedTensor.from_tensor: the tensor must have rank >= 2 (a list of scalars has no "
                             f"ragged dimension), got rank {len(shape)}.")
        if not 1 <= ragged_rank < len(shape):
            raise ValueError(f"RaggedTensor.from_tensor: ragged_rank must be in [1, {len(shape) - 1}] for a rank "
                             f"{len(shape)} tensor, got {ragged_rank}.")
        if lengths is not None and padding is not None:
            raise ValueError("RaggedTensor.from_tensor: give lengths or padding, not both.")
        if ragged_rank > 1:
            if lengths is not None or padding is not None:
                raise ValueError("RaggedTensor.from_tensor: lengths and padding need ragged_rank=1 in tapegrad.")
            inner = cls.from_tensor(tf.reshape(x, (shape[0] * shape[1],) + shape[2:]), ragged_rank=ragged_rank - 1,
                                    row_splits_dtype=row_splits_dtype)
            splits = np.arange(shape[0] + 1, dtype=sdt) * shape[1]
            return cls._from_splits(inner, make(splits, NUMPY))
        n, m = shape[0], shape[1]
        if lengths is not None:
            lens = np.minimum(static_value(_int_tensor(lengths, None, "lengths")).astype(np.int64), m)
        elif padding is not None:
            pad = np.asarray(static_value(to_tensor(padding)) if isinstance(padding, _TensorLike) else padding)
            v = static_value(x)
            same = v == pad
            if same.ndim > 2:
                same = same.reshape(n, m, -1).all(axis=2)
            keep = ~same
            lens = np.where(keep.any(axis=1), m - np.argmax(keep[:, ::-1], axis=1), 0) if m else np.zeros(n, int)
        else:
            lens = np.full(n, m, np.int64)
        lens = lens.astype(np.int64)
        splits = np.zeros(n + 1, sdt)
        np.cumsum(lens, out=splits[1:])
        flat = tf.reshape(x, (n * m,) + shape[2:])
        if lens.sum() == n * m:
            values = flat
        else:
            idx = (np.arange(n, dtype=np.int64)[:, None] * m + np.arange(m, dtype=np.int64)[None, :])
            values = tf.gather(flat, idx[np.arange(m)[None, :] < lens[:, None]])
        return cls._from_splits(values, make(splits, NUMPY))

    # -- structure ------------------------------------------------------------------------------------------------
    @property
    def values(self) -> Any:
        """The concatenated rows (a Tensor, or a RaggedTensor when there are several ragged dimensions)."""
        return self._values

    @property
    def row_splits(self) -> Tensor:
        """Where each row starts in ``values`` (int64 by default), plus the end: ``nrows + 1`` entries."""
        return self._row_splits

    @property
    def flat_values(self) -> Tensor:
        """The innermost values (a Tensor), under every ragged dimension."""
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def nested_row_splits(self) -> tuple[Tensor, ...]:
        """The row splits of each ragged dimension, outermost first."""
        out = [self._row_splits]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v._row_splits)
            v = v._values
        return tuple(out)

    @property
    def ragged_rank(self) -> int:
        """The number of ragged dimensions."""
        return len(self.nested_row_splits)

    @property
    def dtype(self) -> Any:
        """The dtype of the values."""
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self) -> Any:
        """The dtype of the row partition (int64, or int32)."""
        return self._row_splits.dtype

    @property
    def shape(self) -> TensorShape:
        """The static shape: the number of rows, ``None`` for ragged dimensions, then the values' inner dims."""
        inner = tuple(self.flat_values._value.shape[1:])
        return TensorShape((self._nrows(),) + (None,) * self.ragged_rank + inner)

    def get_shape(self) -> TensorShape:
        """The static shape (as ``shape``)."""
        return self.shape

    @property
    def _ndims(self) -> int:
        """The rank (TF's RaggedTensor has no ``ndim``; ``rt.shape.rank`` is public)."""
        return self.ragged_rank + self.flat_values._value.ndim

    @property
    def uniform_row_length(self) -> None:
        """None: tapegrad's RaggedTensors partition rows by splits only."""
        return None

    def _nrows(self) -> int:
        return int(self._row_splits._value.shape[0]) - 1

    def nrows(self, out_type: Any = None, name: str | None = None) -> Tensor:
        """The number of rows (an int64 scalar, or ``out_type``).

        >>> import tapegrad as tf
        >>> int(tf.ragged.constant([[1, 2], [], [3]]).nrows())
        3
        """
        dt = self._row_splits._value.dtype if out_type is None else _dtypes.as_dtype(out_type)._np
        return make(np.asarray(self._nrows(), dtype=dt)[()], NUMPY)

    def row_lengths(self, axis: int = 1, name: str | None = None) -> Any:
        """The length of each row (``axis=1``), or of each row of a deeper ragged dimension.

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[1, 2], [3], []]).row_lengths().numpy().tolist()
        [2, 1, 0]
        """
        if axis == 0:
            return self.nrows()
        if axis == 1:
            s = static_value(self._row_splits)
            return make(np.diff(s), NUMPY)
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.row_lengths(axis - 1))
        raise ValueError(f"RaggedTensor.row_lengths: axis {axis} is not a ragged dimension.")

    def value_rowids(self, name: str | None = None) -> Tensor:
        """The row of each value (int64).

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[1, 2], [], [3]]).value_rowids().numpy().tolist()
        [0, 0, 2]
        """
        s = static_value(self._row_splits)
        return make(np.repeat(np.arange(s.size - 1, dtype=s.dtype), np.diff(s)), NUMPY)

    def row_starts(self, name: str | None = None) -> Tensor:
        """Where each row starts in ``values`` (``row_splits[:-1]``)."""
        return make(np.array(static_value(self._row_splits)[:-1]), NUMPY)

    def row_limits(self, name: str | None = None) -> Tensor:
        """Where each row ends in ``values`` (``row_splits[1:]``)."""
        return make(np.array(static_value(self._row_splits)[1:]), NUMPY)

    def nested_row_lengths(self, name: str | None = None) -> tuple[Tensor, ...]:
        """The row lengths of each ragged dimension, outermost first."""
        return tuple(make(np.diff(static_value(s)), NUMPY) for s in self.nested_row_splits)

    def bounding_shape(self, axis: Any = None, name: str | None = None, out_type: Any = None) -> Tensor:
        """The shape of the smallest dense tensor that holds every row (int64).

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[1, 2], [3]]).bounding_shape().numpy().tolist()
        [2, 2]
        """
        dims = list(_dense_prefix(self)) + list(self.flat_values._value.shape[1:])
        out = np.asarray(dims, dtype=self._row_splits._value.dtype if out_type is None else
                         _dtypes.as_dtype(out_type)._np)
        return make(out if axis is None else out[axis], NUMPY)

    def with_values(self, new_values: Any) -> RaggedTensor:
        """The same row partition over ``new_values`` (one value per value of ``self.values``).

        >>> import tapegrad as tf
        >>> rt = tf.ragged.constant([[1, 2], [3]])
        >>> rt.with_values(rt.values * 10).to_list()
        [[10, 20], [30]]
        """
        v = _values_tensor(new_values)
        if _nvals(v) != _nvals(self._values):
            raise ValueError(f"RaggedTensor.with_values: {_nvals(v)} values for a partition of {_nvals(self._values)}.")
        return RaggedTensor._from_splits(v, self._row_splits)

    def with_flat_values(self, new_values: Any) -> RaggedTensor:
        """The same ragged structure over new innermost values (``map_flat_values`` uses it)."""
        if isinstance(self._values, RaggedTensor):
            return RaggedTensor._from_splits(self._values.with_flat_values(new_values), self._row_splits)
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype: Any) -> RaggedTensor:
        """The same RaggedTensor with int32 or int64 row partitions."""
        dt = _splits_dtype(dtype)
        v = self._values.with_row_splits_dtype(dtype) if isinstance(self._values, RaggedTensor) else self._values
        return RaggedTensor._from_splits(v, make(static_value(self._row_splits).astype(dt), NUMPY))

    def merge_dims(self, outer_axis: int, inner_axis: int) -> Any:
        """Merge the dimensions ``outer_axis..inner_axis`` into one (``merge_dims(0, 1)`` drops the outer rows).

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[[1, 2], [3]], [[4]]]).merge_dims(0, 1).to_list()
        [[1, 2], [3], [4]]
        """
        if (outer_axis, inner_axis) == (0, 1):
            return self._values
        if outer_axis >= 1 and isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.merge_dims(outer_axis - 1, inner_axis - 1))
        if (outer_axis, inner_axis) == (0, -1) or inner_axis == self._ndims - 1 and outer_axis == 0:
            return _tf().reshape(self.flat_values, (-1,))
        raise ValueError(f"RaggedTensor.merge_dims({outer_axis}, {inner_axis}) is not supported by tapegrad; "
                         "merge_dims(0, 1) and merges inside the rows are.")

    # -- conversion -----------------------------------------------------------------------------------------------
    def to_tensor(self, default_value: Any = None, name: str | None = None, shape: Any = None) -> Tensor:
        """A dense tensor: rows padded with ``default_value`` (0, or ``b''`` for strings) to the longest row, or
        padded/cut to ``shape``. Differentiable with respect to the values (and the default value).

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[1, 2], [3]]).to_tensor(default_value=-1).numpy().tolist()
        [[1, 2], [3, -1]]
        """
        return _to_dense(self, default_value, shape)

    def to_list(self) -> list[Any]:
        """Nested Python lists of the values (``bytes`` for strings).

        >>> import tapegrad as tf
        >>> tf.ragged.constant([["a"], ["b", "c"]]).to_list()
        [[b'a'], [b'b', b'c']]
        """
        values = self._values.to_list() if isinstance(self._values, RaggedTensor) else \
            self._values._numpy_value().tolist() if self._values._value.ndim else [self._values._numpy_value()]
        s = static_value(self._row_splits).tolist()
        return [values[a:b] for a, b in zip(s[:-1], s[1:])]

    def numpy(self) -> np.ndarray:
        """The value as NumPy, as TF: rows of equal length stack into one array, otherwise an object array of rows.

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[1, 2], [3]]).numpy()
        array([array([1, 2], dtype=int32), array([3], dtype=int32)], dtype=object)
        """
        values = self._values.numpy() if isinstance(self._values, RaggedTensor) else \
            np.asarray(self._values._numpy_value())
        s = static_value(self._row_splits).tolist()
        rows = [values[a:b] for a, b in zip(s[:-1], s[1:])]
        if not rows:
            return np.zeros((0, 0) + values.shape[1:], dtype=values.dtype)
        if any(len(r) != len(rows[0]) for r in rows):
            out = np.empty(len(rows), dtype=object)
            out[:] = rows
            return out
        return np.array(rows)  # equal lengths: one array (object rows of deeper ragged levels stay objects)

    def to_sparse(self, name: str | None = None) -> Any:
        """The same values as a ``SparseTensor`` (indices of the values in the bounding shape).

        >>> import tapegrad as tf
        >>> tf.ragged.constant([[1, 2], [3]]).to_sparse().indices.numpy().tolist()
        [[0, 0], [0, 1], [1, 0]]
        """
        tf = _tf()
        coords = _coords(self)
        inner = self.flat_values._value.shape[1:]
        if inner:
            raise ValueError("RaggedTensor.to_sparse: tapegrad supports scalar values only.")
        return tf.sparse.SparseTensor(coords, self.flat_values, self.bounding_shape(out_type=_dtypes.int64))

    @classmethod
    def from_sparse(cls, st_input: Any, name: str | None = None, row_splits_dtype: Any = _dtypes.int64) -> Any:
        """Rows from a 2-d ``SparseTensor`` in row-major order (the inverse of ``to_sparse``)."""
        idx = static_value(st_input.indices)
        nrows = int(static_value(st_input.dense_shape)[0])
        return cls.from_value_rowids(st_input.values, make(idx[:, 0].astype(np.int64), NUMPY), nrows=nrows)

    # -- indexing -------------------------------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            if not key:
                return self
            head, rest = key[0], key[1:]
            if head is Ellipsis:
                raise ValueError("RaggedTensor indexing with Ellipsis is not supported by tapegrad.")
            if isinstance(head, slice) and rest and head == slice(None):
                raise ValueError("Cannot index into an inner ragged dimension: rt[:, j] needs every row to have "
                                 "element j; use rt.to_tensor()[:, j] or tf.gather per row.")
            first = self[head]
            return first[rest] if rest else first
        if isinstance(key, _TensorLike):
            key = int(static_value(key))
        if isinstance(key, (int, np.integer)):
            n = self._nrows()
            i = int(key)
            if not -n <= i < n:
                raise IndexError(f"Row key {i} out of bounds for a RaggedTensor with {n} rows.")
            i %= n
            s = static_value(self._row_splits)
            a, b = int(s[i]), int(s[i + 1])
            v = self._values
            return v._rows_slice(a, b) if isinstance(v, RaggedTensor) else v[a:b]
        if isinstance(key, slice):
            n = self._nrows()
            start, stop, step = key.indices(n)
            s = static_value(self._row_splits)
            if step != 1:
                rows = list(range(start, stop, step))
                return _gather_rows(self, rows)
            stop = max(stop, start)
            return self._rows_slice_splits(start, stop, s)
        raise TypeError(f"RaggedTensor indices must be ints or slices, got {type(key).__name__}.")

    def _rows_slice(self, a: int, b: int) -> RaggedTensor:
        """Rows ``a..b`` (the values ``a..b`` of a parent)."""
        return self._rows_slice_splits(a, b, static_value(self._row_splits))

    def _rows_slice_splits(self, start: int, stop: int, s: np.ndarray) -> RaggedTensor:
        a, b = int(s[start]), int(s[stop])
        v = self._values
        values = v._rows_slice(a, b) if isinstance(v, RaggedTensor) else v[a:b]
        return RaggedTensor._from_splits(values, make(s[start:stop + 1] - s[start], NUMPY))

    def __iter__(self) -> Any:
        return (self[i] for i in range(self._nrows()))

    def __len__(self) -> int:
        raise TypeError("object of type 'RaggedTensor' has no len(); use rt.nrows() (as in TF).")

    def __bool__(self) -> bool:
        raise TypeError("RaggedTensor may not be used as a boolean.")

    # -- display --------------------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<tapegrad.RaggedTensor {_text(self.numpy())}>"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.flat_values._numpy_value(),
                          [static_value(s) for s in self.nested_row_splits])

    def _type_spec(self) -> RaggedTensorSpec:
        return RaggedTensorSpec.from_value(self)

    # -- operators ------------------------------------------------------------------------------------------------
    def __neg__(self) -> RaggedTensor:
        return self.with_flat_values(-self.flat_values)

    def __abs__(self) -> RaggedTensor:
        return self.with_flat_values(abs(self.flat_values))

    def __invert__(self) -> RaggedTensor:
        return self.with_flat_values(~self.flat_values)


def _rebuild(flat: Any, splits: list[Any]) -> RaggedTensor:
    return RaggedTensor.from_nested_row_splits(make(np.asarray(flat), NUMPY), [make(s, NUMPY) for s in splits],
                                               validate=False)


def _nvals(v: Any) -> int:
    if isinstance(v, RaggedTensor):
        return v._nrows()
    if v._value.ndim == 0:
        raise ValueError("RaggedTensor: values must have rank >= 1, got a scalar.")
    return int(v._value.shape[0])


def _element_text(x: Any) -> str:
    if isinstance(x, np.ndarray):
        if x.size:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)


def _text(value: np.ndarray) -> str:
    """TF's RaggedTensor text: NumPy's layout with ``, `` between items and each item's ``str``."""
    with np.printoptions(formatter={"all": _element_text}):
        return _element_text(value)


def gather_rows(rt: RaggedTensor, indices: Any, axis: Any, batch_dims: Any, op: str) -> Any:
    """``tf.gather`` on a RaggedTensor: rows (axis 0) at integer ``indices``; a scalar index gives that row."""
    if (axis not in (None, 0)) or batch_dims not in (None, 0):
        raise ValueError(f"tf.{op}: tapegrad gathers the rows of a RaggedTensor (axis=0, batch_dims=0) only.")
    idx = np.asarray(static_value(to_tensor(indices)) if isinstance(indices, _TensorLike) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"tf.{op}: indices must be integers, got dtype {idx.dtype}.")
    n = rt._nrows()
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise InvalidArgumentError(f"tf.{op}: indices {idx.tolist()} out of range for a RaggedTensor with {n} rows.")
    if idx.ndim == 0:
        return rt[int(idx)]
    if idx.ndim > 1:
        raise ValueError(f"tf.{op}: tapegrad gathers RaggedTensor rows with a scalar or a vector of indices.")
    return _gather_rows(rt, idx.tolist())


def _gather_rows(rt: RaggedTensor, rows: list[int]) -> RaggedTensor:
    s = static_value(rt._row_splits)
    lens = np.diff(s)[rows]
    idx = np.concatenate([np.arange(s[r], s[r + 1]) for r in rows]) if rows else np.zeros(0, np.int64)
    v = rt._values
    values = _gather_rows(v, idx.tolist()) if isinstance(v, RaggedTensor) else _tf().gather(v, idx)
    splits = np.zeros(len(rows) + 1, s.dtype)
    np.cumsum(lens, out=splits[1:])
    return RaggedTensor._from_splits(values, make(splits, NUMPY))


# -- dense positions ---------------------------------------------------------------------------------------------

def _levels(rt: RaggedTensor) -> list[np.ndarray]:
    return [static_value(s).astype(np.int64) for s in rt.nested_row_splits]


def _dense_prefix(rt: RaggedTensor) -> tuple[int, ...]:
    """(nrows, longest row, longest row of the next ragged dimension, ...)."""
    dims = [rt._nrows()]
    for s in _levels(rt):
        d = np.diff(s)
        dims.append(int(d.max()) if d.size else 0)
    return tuple(dims)


def _coords(rt: RaggedTensor) -> np.ndarray:
    """The coordinates (in the ragged dimensions) of each flat value: shape (nvals, ragged_rank + 1), int64."""
    levels = _levels(rt)
    coords = np.arange(levels[0].size - 1, dtype=np.int64)[:, None]
    for s in levels:
        lens = np.diff(s)
        parent = np.repeat(np.arange(lens.size, dtype=np.int64), lens)
        col = np.arange(int(s[-1]), dtype=np.int64) - s[:-1][parent]
        coords = np.concatenate([coords[parent], col[:, None]], axis=1)
    return coords


def _positions(rt: RaggedTensor, prefix: tuple[int, ...]) -> np.ndarray:
    """The flat position of each flat value in a dense array of leading shape ``prefix`` (-1: cut off)."""
    c = _coords(rt)
    inside = np.all(c < np.asarray(prefix, np.int64), axis=1)
    pos = np.full(c.shape[0], -1, np.int64)
    if c.shape[0]:
        pos[inside] = np.ravel_multi_index(tuple(c[inside].T), prefix)
    return pos


def _to_dense(rt: RaggedTensor, default_value: Any, shape: Any) -> Tensor:
    tf = _tf()
    flat = rt.flat_values
    inner = tuple(flat._value.shape[1:])
    prefix = list(_dense_prefix(rt))
    if shape is not None:
        want = TensorShape(shape).as_list() if not isinstance(shape, _TensorLike) else \
            [int(d) for d in static_value(shape)]
        if len(want) != len(prefix) + len(inner):
            raise ValueError(f"RaggedTensor.to_tensor: shape {want} must have rank {len(prefix) + len(inner)}.")
        for k, d in enumerate(want[: len(prefix)]):
            if d is not None and d >= 0:
                prefix[k] = int(d)
        if any(d is not None and d >= 0 and d != n for d, n in zip(want[len(prefix):], inner)):
            raise ValueError(f"RaggedTensor.to_tensor: shape {want} does not match the values' inner dims {inner}.")
    prefix_t = tuple(prefix)
    size = int(np.prod(prefix_t, dtype=np.int64))
    pos = _positions(rt, prefix_t)
    if flat._value.dtype == OBJECT:
        out = np.empty((size,) + inner, OBJECT)
        out[...] = b"" if default_value is None else static_value(_as_like(default_value, flat))
        ok = pos >= 0
        out[pos[ok]] = static_value(flat)[ok]
        return make(out.reshape(prefix_t + inner), NUMPY)
    dense = tf.math.unsorted_segment_sum(flat, make(pos, NUMPY), size)
    if default_value is not None:
        d = _as_like(default_value, flat)
        if np.any(static_value(d) != 0):
            covered = np.zeros(size, bool)
            covered[pos[pos >= 0]] = True
            pad = make(np.broadcast_to((~covered).reshape((size,) + (1,) * len(inner)),
                                       (size,) + inner).astype(flat._value.dtype), NUMPY)
            dense = dense + pad * d
    return tf.reshape(dense, prefix_t + inner)


def _as_like(value: Any, like: Tensor) -> Tensor:
    if isinstance(value, _TensorLike):
        t = to_tensor(value)
        if t._value.dtype != like._value.dtype:
            raise TypeError(f"RaggedTensor.to_tensor: default_value has dtype {t.dtype.name}, the values "
                            f"{like.dtype.name}.")
        return t
    if like._value.dtype == OBJECT:
        return make(to_bytes_array(value), NUMPY)
    return make(np.asarray(value, like._value.dtype), NUMPY)


# -- RaggedTensorSpec ---------------------------------------------------------------------------------------------

def _row_partition() -> Any:
    from ..experimental import row_partition

    return row_partition


class DynamicRaggedShape:
    """The shape of a RaggedTensor, as ``tf.shape(rt)`` returns it (TF's ``DynamicRaggedShape``): the row count, each
    ragged dimension's row lengths and the uniform inner dims. Indexing a uniform dimension gives a scalar;
    a ragged one raises ``ValueError``.

    >>> import tapegrad as tf
    >>> s = tf.shape(tf.ragged.constant([[1, 2], [3], [4, 5, 6]]))
    >>> s
    <DynamicRaggedShape lengths=[3, (2, 1, 3)] num_row_partitions=1>
    >>> int(s[0])
    3
    """

    def __init__(self, lengths: list[Any], inner: tuple[int, ...], dtype: Any) -> None:
        self._lengths = lengths  # int (uniform) or tuple of row lengths (ragged), outermost first
        self._inner = inner  # the flat values' shape
        self._dtype = np.dtype(dtype)

    @classmethod
    def _of(cls, rt: RaggedTensor, dtype: Any) -> DynamicRaggedShape:
        lengths: list[Any] = [rt._nrows()]
        for splits in rt.nested_row_splits:
            lengths.append(tuple(np.diff(static_value(splits)).tolist()))
        flat = tuple(rt.flat_values._value.shape)
        return cls(lengths + list(flat[1:]), flat, dtype)

    # TF's constructors (experimental/row_partition.py)
    from_tensor = staticmethod(lambda t, dtype=None: _row_partition().shape_from_tensor(t, dtype))
    from_lengths = staticmethod(lambda lengths, num_row_partitions=None, dtype=None:
                                _row_partition().shape_from_lengths(lengths, num_row_partitions, dtype))
    from_row_partitions = staticmethod(lambda row_partitions, dtype=None:
                                       _row_partition().shape_from_row_partitions(row_partitions, dtype))

    rank = property(lambda self: len(self._lengths), doc="The number of dimensions.")
    num_row_partitions = property(lambda self: sum(isinstance(v, tuple) for v in self._lengths),
                                  doc="How many ragged dimensions (row partitions) the shape has.")
    dtype = property(lambda self: _dtypes.as_dtype(self._dtype), doc="int32 or int64 (``out_type``).")

    @property
    def inner_shape(self) -> Tensor:
        """The shape of the flat values."""
        return make(np.asarray(self._inner, self._dtype), NUMPY)

    def static_lengths(self, ragged_lengths: bool = True) -> list[Any]:
        """Each dimension's size, or its row lengths (a tuple) for a ragged one (None with ``ragged_lengths=False``)."""
        return [v if not isinstance(v, tuple) or ragged_lengths else None for v in self._lengths]

    def __getitem__(self, index: int) -> Tensor:
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"DynamicRaggedShape: index with an int, got {index!r}.")
        i = int(index) + (self.rank if index < 0 else 0)
        if not 0 <= i < self.rank:
            raise IndexError(f"Index {index} is out of range for a shape of rank {self.rank}.")
        v = self._lengths[i]
        if isinstance(v, tuple):
            raise ValueError(f"Index {index} is not uniform: dimension {i} is ragged (row lengths {list(v)[:10]}); "
                             "use rt.row_lengths() or rt.bounding_shape().")
        return make(np.asarray(v, self._dtype), NUMPY)

    def __len__(self) -> int:
        return self.rank

    def __repr__(self) -> str:
        parts = ", ".join(f"({', '.join(map(str, v))}{',' if len(v) == 1 else ''})" if isinstance(v, tuple) else
                          str(v) for v in self._lengths)
        return f"<DynamicRaggedShape lengths=[{parts}] num_row_partitions={self.num_row_partitions}>"


class RaggedTensorSpec:
    """The type of a RaggedTensor: shape (``None`` for ragged dims), dtype, ragged rank and row-splits dtype, as
    ``tf.RaggedTensorSpec`` (used by ``tf.map_fn(fn_output_signature=...)`` and ``tf.function`` signatures).

    >>> import tapegrad as tf
    >>> tf.RaggedTensorSpec(shape=[2, None], dtype=tf.float32)
    RaggedTensorSpec(TensorShape([2, None]), tapegrad.float32, 1, tapegrad.int64)
    """

    __slots__ = ("_shape", "_dtype", "_ragged_rank", "_row_splits_dtype", "_flat_values_spec")

    def __init__(self, shape: Any = None, dtype: Any = _dtypes.float32, ragged_rank: int | None = None,
                 row_splits_dtype: Any = _dtypes.int64, flat_values_spec: Any = None) -> None:
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._row_splits_dtype = _dtypes.as_dtype(row_splits_dtype)
        self._flat_values_spec = flat_values_spec
        rank = self._shape.rank
        if ragged_rank is None:
            if rank is None:
                raise ValueError("Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = rank - 1
        if rank is not None and not 0 <= ragged_rank < max(rank, 1):
            raise ValueError(f"RaggedTensorSpec: ragged_rank must be in [0, {max(rank - 1, 0)}] for a rank {rank} "
                             f"shape, got {ragged_rank}.")
        self._ragged_rank = int(ragged_rank)

    shape = property(lambda self: self._shape, doc="The static shape (``None`` for ragged and unknown dims).")
    dtype = property(lambda self: self._dtype, doc="The dtype of the values.")
    ragged_rank = property(lambda self: self._ragged_rank, doc="The number of ragged dimensions.")
    row_splits_dtype = property(lambda self: self._row_splits_dtype, doc="int64 or int32.")
    flat_values_spec = property(lambda self: self._flat_values_spec, doc="The spec given for the flat values.")

    @property
    def value_type(self) -> type:
        """RaggedTensor (a Tensor for ragged rank 0)."""
        return RaggedTensor if self._ragged_rank > 0 else Tensor

    @classmethod
    def from_value(cls, value: Any) -> RaggedTensorSpec:
        """The spec of a RaggedTensor (or of a Tensor: ragged rank 0).

        >>> import tapegrad as tf
        >>> tf.RaggedTensorSpec.from_value(tf.ragged.constant([[1, 2], [3]]))
        RaggedTensorSpec(TensorShape([2, None]), tapegrad.int32, 1, tapegrad.int64)
        """
        if isinstance(value, RaggedTensor):
            return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits.dtype)
        t = to_tensor(value)
        return cls(t.shape, t.dtype, 0)

    def is_compatible_with(self, other: Any) -> bool:
        """Same dtype, compatible shape and ragged rank (a spec or a value).

        >>> import tapegrad as tf
        >>> tf.RaggedTensorSpec([None, None], tf.int32).is_compatible_with(tf.ragged.constant([[1, 2], [3]]))
        True
        """
        if not isinstance(other, RaggedTensorSpec):
            if not isinstance(other, (RaggedTensor, _TensorLike)):
                return False
            other = RaggedTensorSpec.from_value(other)
        return (self._dtype == other._dtype and self._shape.is_compatible_with(other._shape) and
                (self._ragged_rank == other._ragged_rank or self._ragged_rank == 0 or other._ragged_rank == 0))

    def _components(self) -> list[Any]:
        """The TensorSpecs of the flat values and of each level's row splits (a tapegrad.function leaf order)."""
        from .tensor_spec import TensorSpec

        dims = self._shape.as_list() if self._shape.rank is not None else None
        inner = None if dims is None else [None, *dims[self._ragged_rank + 1:]]
        return [TensorSpec(inner, self._dtype)] + [TensorSpec([None], self._row_splits_dtype)
                                                   for _ in range(self._ragged_rank)]

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, RaggedTensorSpec) and self._shape == other._shape and self._dtype == other._dtype
                and self._ragged_rank == other._ragged_rank and self._row_splits_dtype == other._row_splits_dtype)

    def __hash__(self) -> int:
        return hash((tuple(self._shape.as_list() or ()) if self._shape.rank is not None else None, self._dtype,
                     self._ragged_rank, self._row_splits_dtype))

    def __repr__(self) -> str:
        return (f"RaggedTensorSpec({self._shape!r}, {self._dtype!r}, {self._ragged_rank}, "
                f"{self._row_splits_dtype!r})")

    def _to_value(self, value: Any, what: str) -> Any:
        """``value`` (a RaggedTensor or a dense tensor) checked against this spec and made ragged as the spec says
        (``map_fn`` stacks rows of this type)."""
        if isinstance(value, RaggedTensor):
            if value.dtype != self._dtype:
                raise ValueError(f"{what}: expected a value of {self!r}, got a RaggedTensor of dtype "
                                 f"{value.dtype.name}.")
            return value
        t = to_tensor(value)
        if t.dtype != self._dtype:
            raise ValueError(f"{what}: expected a value of {self!r}, got TensorSpec(shape={tuple(t._value.shape)}, "
                             f"dtype={t.dtype!r}).")
        return t


def stack_rows(rows: list[Any], spec_: RaggedTensorSpec) -> RaggedTensor:
    """``rows`` (Tensors or RaggedTensors of one type) as the rows of a new RaggedTensor (``map_fn``'s stack)."""
    tf = _tf()
    lengths = []
    for r in rows:
        if not isinstance(r, RaggedTensor) and r._value.ndim == 0:
            raise ValueError(f"map_fn: fn returned a scalar, which cannot be a row of {spec_!r}.")
        lengths.append(r._nrows() if isinstance(r, RaggedTensor) else int(r._value.shape[0]))
    splits = np.zeros(len(rows) + 1, spec_._row_splits_dtype._np)
    np.cumsum(lengths, out=splits[1:])
    if rows and isinstance(rows[0], RaggedTensor):
        values: Any = _concat_ragged(rows)
    elif rows:
        values = tf.concat(rows, axis=0)
    else:
        values = make(np.zeros((0,), spec_._dtype._np), NUMPY)
    return RaggedTensor._from_splits(values, make(splits, NUMPY))


def _concat_ragged(rows: list[RaggedTensor]) -> RaggedTensor:
    tf = _tf()
    if any(r.ragged_rank != rows[0].ragged_rank for r in rows):
        raise ValueError("RaggedTensor concat: every part must have the same ragged rank.")
    inner = _concat_ragged([r._values for r in rows]) if isinstance(rows[0]._values, RaggedTensor) else \
        tf.concat([r._values for r in rows], axis=0)
    parts, offset = [np.zeros(1, rows[0]._row_splits._value.dtype)], 0
    for r in rows:
        s = static_value(r._row_splits)
        parts.append(s[1:] + offset)
        offset += int(s[-1])
    return RaggedTensor._from_splits(inner, make(np.concatenate(parts), NUMPY))


# -- elementwise operators (on the flat values) -------------------------------------------------------------------

def _same_partition(a: RaggedTensor, b: RaggedTensor, op: str) -> None:
    sa, sb = a.nested_row_splits, b.nested_row_splits
    if len(sa) != len(sb) or any(x._value.shape != y._value.shape or np.any(static_value(x) != static_value(y))
                                 for x, y in zip(sa, sb)):
        raise InvalidArgumentError(f"{op}: the two RaggedTensors have different row partitions "
                                   f"({[static_value(s).tolist() for s in sa]} vs "
                                   f"{[static_value(s).tolist() for s in sb]}); elementwise ops need the same rows.")


def elementwise(fn: Any, a: Any, b: Any, op: str) -> RaggedTensor:
    """``fn`` on the flat values of ``a`` and ``b`` (RaggedTensors with one partition, or a RaggedTensor and a
    scalar / a value broadcast against the flat values)."""
    ra, rb = isinstance(a, RaggedTensor), isinstance(b, RaggedTensor)
    if ra and rb:
        _same_partition(a, b, op)
        return a.with_flat_values(fn(a.flat_values, b.flat_values))
    if ra:
        return a.with_flat_values(fn(a.flat_values, _dense_operand(b, a, op)))
    return b.with_flat_values(fn(_dense_operand(a, b, op), b.flat_values))


def _dense_operand(x: Any, rt: RaggedTensor, op: str) -> Any:
    if isinstance(x, _TensorLike) and x._value.ndim > 0 and x._value.ndim > rt.flat_values._value.ndim - 1:
        raise ValueError(f"{op}: a dense operand of shape {tuple(x._value.shape)} cannot broadcast against the "
                         f"RaggedTensor's ragged dimensions; use a scalar, or rt.to_tensor().")
    return x


def _attach_operators() -> None:
    import operator

    pairs = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
             "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "and": operator.and_,
             "or": operator.or_, "xor": operator.xor, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
             "ge": operator.ge}
    for name, fn in pairs.items():
        def fwd(self: Any, other: Any, fn: Any = fn, name: str = name) -> Any:
            return elementwise(fn, self, other, f"RaggedTensor.__{name}__")

        def rev(self: Any, other: Any, fn: Any = fn, name: str = name) -> Any:
            return elementwise(fn, other, self, f"RaggedTensor.__r{name}__")

        setattr(RaggedTensor, f"__{name}__", fwd)
        if name not in ("lt", "le", "gt", "ge"):
            setattr(RaggedTensor, f"__r{name}__", rev)

    def eq(self: Any, other: Any) -> Any:
        return elementwise(lambda x, y: _tf().equal(x, y), self, other, "RaggedTensor.__eq__")

    def ne(self: Any, other: Any) -> Any:
        return elementwise(lambda x, y: _tf().not_equal(x, y), self, other, "RaggedTensor.__ne__")

    RaggedTensor.__eq__ = eq  # type: ignore[method-assign,assignment]
    RaggedTensor.__ne__ = ne  # type: ignore[method-assign,assignment]


_attach_operators()
_common.RAGGED_TYPE[0] = RaggedTensor


def map_flat_values(op: Any, *args: Any, **kwargs: Any) -> Any:
    """``op`` applied to the flat values of the RaggedTensors among ``args``/``kwargs`` (all with one row
    partition); the result keeps that partition. Differentiable through ``op``.

    >>> import tapegrad as tf
    >>> tf.ragged.map_flat_values(tf.math.square, tf.ragged.constant([[1, 2], [3]]))
    <tapegrad.RaggedTensor [[1, 4], [9]]>
    """
    found: list[RaggedTensor] = []

    def sub(x: Any) -> Any:
        if isinstance(x, RaggedTensor):
            if found:
                _same_partition(found[0], x, "tf.ragged.map_flat_values")
            found.append(x)
            return x.flat_values
        if isinstance(x, (list, tuple)):
            return type(x)(sub(v) for v in x)
        if isinstance(x, dict):
            return {k: sub(v) for k, v in x.items()}
        return x

    new_args = [sub(a) for a in args]
    new_kwargs = {k: sub(v) for k, v in kwargs.items()}
    result = op(*new_args, **new_kwargs)
    if not found:
        return result
    nvals = _nvals(found[0].flat_values)
    if not isinstance(result, _TensorLike) or result._value.ndim == 0 or int(result._value.shape[0]) != nvals:
        raise ValueError(f"tf.ragged.map_flat_values: op must return a tensor with {nvals} rows (one per flat "
                         f"value), got {getattr(result, 'shape', result)}.")
    return found[0].with_flat_values(result)


def ragged_where(condition: RaggedTensor, x: Any, y: Any) -> Any:
    """``tf.where`` with a ragged condition: ``x``/``y`` are RaggedTensors of the same partition or scalars
    (elementwise on the flat values); without ``x`` and ``y``, the coordinates of the true values (int64)."""
    tf = _tf()
    if x is None and y is None:
        keep = static_value(condition.flat_values).astype(bool)
        return make(_coords(condition)[keep], NUMPY)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    for v in (x, y):
        if isinstance(v, RaggedTensor):
            _same_partition(condition, v, "tf.where")
        elif isinstance(v, _TensorLike) and v._value.ndim:
            raise ValueError("tf.where: with a ragged condition, x and y must be RaggedTensors of the same rows "
                             "or scalars.")
    fx = x.flat_values if isinstance(x, RaggedTensor) else x
    fy = y.flat_values if isinstance(y, RaggedTensor) else y
    return condition.with_flat_values(tf.where(condition.flat_values, fx, fy))


# -- reductions over RaggedTensors --------------------------------------------------------------------------------

_REDUCE_DEFAULTS = {"reduce_sum": 0, "reduce_prod": 1, "reduce_any": False, "reduce_all": True}


def reduce(name: str, rt: RaggedTensor, axis: Any, keepdims: bool) -> Any:
    """``tf.<name>(rt, axis)`` for a RaggedTensor (sum, mean, max, min, prod, any, all): over the ragged rows
    (``axis=1``), over rows (``axis=0``), over everything (``None``), or inside the rows (``axis >= 2``)."""
    tf = _tf()
    fn = getattr(tf, name)
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise ValueError(f"tf.{name}: tapegrad reduces a RaggedTensor over one axis at a time, got {axis}.")
        axis = axis[0]
    if axis is None:
        return fn(rt.flat_values, keepdims=keepdims) if not keepdims else \
            tf.reshape(fn(rt.flat_values), (1,) * rt._ndims)
    if isinstance(axis, _TensorLike):
        axis = int(static_value(axis))
    nd = rt._ndims
    a = int(axis) + nd if axis < 0 else int(axis)
    if not 0 <= a < nd:
        raise InvalidArgumentError(f"tf.{name}: axis {axis} is out of range for a RaggedTensor of rank {nd}.")
    if a >= 2:
        inner = rt._values
        sub = reduce(name, inner, a - 1, keepdims) if isinstance(inner, RaggedTensor) else \
            fn(inner, axis=a - 1, keepdims=keepdims)
        return RaggedTensor._from_splits(sub, rt._row_splits)
    if rt.ragged_rank > 1:
        if a == 1 and not keepdims:
            return _reduce_middle(name, rt)
        raise ValueError(f"tf.{name}: tapegrad reduces a RaggedTensor with several ragged dimensions over axis >= 1 "
                         f"only (got axis {axis}, keepdims={keepdims}).")
    return _reduce_dense(name, rt, a, keepdims)


def _reduce_dense(name: str, rt: RaggedTensor, a: int, keepdims: bool) -> Tensor:
    """Reduce a ragged-rank-1 RaggedTensor over axis 0 or 1 through its padded dense form."""
    tf = _tf()
    flat = rt.flat_values
    dt = flat._value.dtype
    if name in ("reduce_max", "reduce_min"):
        fill = _extreme(dt, name == "reduce_max")
    elif name == "reduce_mean":
        fill = 0
    elif name in _REDUCE_DEFAULTS:
        fill = _REDUCE_DEFAULTS[name]
    else:
        raise ValueError(f"tf.{name}: tapegrad reduces RaggedTensors with reduce_sum, reduce_mean, reduce_max, "
                         "reduce_min and reduce_prod; for others use rt.to_tensor() or map_flat_values.")
    dense = rt.to_tensor(default_value=fill)
    lens = np.diff(static_value(rt._row_splits))
    width = int(dense._value.shape[1])
    if name == "reduce_mean":
        total = tf.reduce_sum(dense, axis=a, keepdims=keepdims)
        if a == 1:
            counts = lens
        else:
            counts = (np.arange(width)[None, :] < lens[:, None]).sum(axis=0)
        inner = (1,) * (flat._value.ndim - 1)
        shape = ((1,) if keepdims and a == 0 else ()) + (counts.size,) + ((1,) if keepdims and a == 1 else ()) + inner
        if dt.kind in "iu":
            return tf.cast(tf.math.truediv(total, make(counts.astype(dt).reshape(shape), NUMPY)), dt)
        return total / make(counts.astype(dt).reshape(shape), NUMPY)
    if width == 0 or dense._value.shape[0] == 0 and a == 0:
        out_shape = list(dense._value.shape)
        out_shape[a] = 1
        if not keepdims:
            del out_shape[a]
        return make(np.full(out_shape, fill, dt), NUMPY)
    return getattr(tf, name)(dense, axis=a, keepdims=keepdims)


def _reduce_middle(name: str, rt: RaggedTensor) -> RaggedTensor:
    """Axis 1 of a RaggedTensor with two or more ragged dimensions: within each outer row, the inner rows reduced
    elementwise (padded), as TF: ``[[[1, 2], [3]], [[4]]]`` sums to ``[[4, 2], [4]]``."""
    rows = [reduce(name, part, 0, False) if part._nrows() else part.flat_values[:0] for part in rt]
    return stack_rows(rows, RaggedTensorSpec([None, None], rt.dtype, 1, rt._row_splits.dtype))


def _extreme(dt: np.dtype, lowest: bool) -> Any:
    if dt.kind == "f":
        info = np.finfo(dt)
        return info.min if lowest else info.max
    if dt.kind in "iu":
        info2 = np.iinfo(dt)
        return info2.min if lowest else info2.max
    return not lowest


# -- constructors of the tf.ragged namespace ---------------------------------------------------------------------

def _depth(x: Any) -> int:
    """The nesting depth of a (ragged) nested list: every scalar must sit at the same depth; empty lists fit any."""
    leaf_depths: set[int] = set()
    deepest = 0
    stack = [(x, 0)]
    while stack:
        v, level = stack.pop()
        if isinstance(v, (list, tuple)):
            deepest = max(deepest, level + 1)
            stack.extend((c, level + 1) for c in v)
        else:
            leaf_depths.add(level + (v.ndim if isinstance(v, np.ndarray) else 0))
    if len(leaf_depths) > 1:
        raise ValueError("tf.ragged.constant: all scalar values must have the same nesting depth.")
    return leaf_depths.pop() if leaf_depths else deepest


def constant(pylist: Any, dtype: Any = None, ragged_rank: int | None = None, inner_shape: Any = None,
             name: str | None = None, row_splits_dtype: Any = _dtypes.int64) -> Any:
    """A RaggedTensor from nested Python lists whose rows may differ in length (``ragged_rank`` ragged
    dimensions; by default every dimension but the innermost uniform ones).

    >>> import tapegrad as tf
    >>> tf.ragged.constant([[1.5, 2.0], [], [3.0]])
    <tapegrad.RaggedTensor [[1.5, 2.0], [], [3.0]]>
    >>> tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1).shape
    TensorShape([2, None, 2])
    """
    if isinstance(pylist, RaggedTensor):
        return pylist
    sdt = _splits_dtype(row_splits_dtype)
    depth = _depth(pylist)
    inner_rank = 0 if inner_shape is None else len(TensorShape(inner_shape))
    if ragged_rank is None:
        ragged_rank = max(depth - 1 - inner_rank, 0)
    if depth == 0 or ragged_rank == 0:
        return _tf().constant(pylist, dtype=dtype)
    if ragged_rank >= depth and depth:
        raise ValueError(f"tf.ragged.constant: ragged_rank={ragged_rank} needs nesting deeper than {depth}.")
    levels: list[list[int]] = []
    rows: list[Any] = list(pylist)
    for _ in range(ragged_rank):
        splits = [0]
        nxt: list[Any] = []
        for r in rows:
            items = list(r)
            nxt.extend(items)
            splits.append(splits[-1] + len(items))
        levels.append(splits)
        rows = nxt
    flat = _flat_values(rows, dtype, depth - ragged_rank - 1, inner_shape)
    result: Any = flat
    for splits in reversed(levels):
        result = RaggedTensor._from_splits(result, make(np.asarray(splits, sdt), NUMPY))
    return result


def _flat_values(rows: list[Any], dtype: Any, inner_rank: int, inner_shape: Any) -> Tensor:
    tf = _tf()
    if rows:
        return tf.constant(rows, dtype=dtype)
    shape = (0,) + (tuple(TensorShape(inner_shape).as_list()) if inner_shape is not None else (0,) * inner_rank)
    return make(np.zeros(shape, _dtypes.as_dtype(dtype or _dtypes.float32)._np), NUMPY)


def ragged_range(starts: Any, limits: Any = None, deltas: Any = 1, dtype: Any = None, name: str | None = None,
                 row_splits_dtype: Any = _dtypes.int64) -> RaggedTensor:
    """Row ``i`` is ``range(starts[i], limits[i], deltas[i])`` (``limits`` alone: ranges from 0).

    >>> import tapegrad as tf
    >>> tf.ragged.range([1, 3])
    <tapegrad.RaggedTensor [[0], [0, 1, 2]]>
    """
    if limits is None:
        starts, limits = 0, starts
    st, li, de = (np.asarray(static_value(to_tensor(v)) if isinstance(v, _TensorLike) else v)
                  for v in (starts, limits, deltas))
    st, li, de = np.broadcast_arrays(st, li, de)
    out_dt = _dtypes.as_dtype(dtype)._np if dtype is not None else np.result_type(st, li, de)
    if out_dt.kind == "i" and out_dt.itemsize < 4 or out_dt == np.int64 and not isinstance(limits, _TensorLike):
        out_dt = np.dtype(np.int32) if all(np.asarray(v).dtype.kind == "i" and
                                           np.asarray(v).dtype.itemsize <= 8 for v in (st, li, de)) else out_dt
    if np.any(de == 0):
        raise InvalidArgumentError("tf.ragged.range: deltas must not be 0.")
    rows = [np.arange(a, b, d, dtype=out_dt) for a, b, d in zip(st.reshape(-1), li.reshape(-1), de.reshape(-1))]
    splits = np.zeros(len(rows) + 1, _splits_dtype(row_splits_dtype))
    np.cumsum([r.size for r in rows], out=splits[1:])
    values = np.concatenate(rows) if rows else np.zeros(0, out_dt)
    return RaggedTensor._from_splits(make(values.astype(out_dt), NUMPY), make(splits, NUMPY))


def row_splits_to_segment_ids(splits: Any, name: str | None = None, out_type: Any = None) -> Tensor:
    """The row id of each value, from row splits.

    >>> import tapegrad as tf
    >>> tf.ragged.row_splits_to_segment_ids([0, 2, 3]).numpy().tolist()
    [0, 0, 1]
    """
    s = np.asarray(static_value(to_tensor(splits)) if isinstance(splits, _TensorLike) else splits, np.int64)
    dt = _dtypes.as_dtype(out_type)._np if out_type is not None else np.dtype(np.int64)
    return make(np.repeat(np.arange(s.size - 1), np.diff(s)).astype(dt), NUMPY)


def segment_ids_to_row_splits(segment_ids: Any, num_segments: Any = None, out_type: Any = None,
                              name: str | None = None) -> Tensor:
    """Row splits from the (sorted) row id of each value.

    >>> import tapegrad as tf
    >>> tf.ragged.segment_ids_to_row_splits([0, 0, 2]).numpy().tolist()
    [0, 2, 2, 3]
    """
    ids = np.asarray(static_value(to_tensor(segment_ids)) if isinstance(segment_ids, _TensorLike) else segment_ids,
                     np.int64)
    n = (int(ids.max()) + 1 if ids.size else 0) if num_segments is None else int(num_segments)
    splits = np.zeros(n + 1, _dtypes.as_dtype(out_type)._np if out_type is not None else np.int64)
    np.cumsum(np.bincount(ids, minlength=n)[:n], out=splits[1:])
    return make(splits, NUMPY)


def stack(values: list[Any], axis: int = 0, name: str | None = None) -> RaggedTensor:
    """RaggedTensors (or tensors) stacked along a new outer axis (``axis=0`` only in tapegrad).

    >>> import tapegrad as tf
    >>> rt = tf.ragged.constant([[1, 2], [3]])
    >>> tf.ragged.stack([rt, rt]).to_list()
    [[[1, 2], [3]], [[1, 2], [3]]]
    """
    if axis != 0:
        raise ValueError(f"tf.ragged.stack: tapegrad stacks along axis 0 only, got axis={axis}.")
    items = [v if isinstance(v, RaggedTensor) else RaggedTensor.from_tensor(v) if _rank(v) >= 2 else to_tensor(v)
             for v in values]
    rr = max((v.ragged_rank for v in items if isinstance(v, RaggedTensor)), default=0)
    dt = items[0].dtype
    return stack_rows(items, RaggedTensorSpec(None, dt, max(rr, 0) + 1) if rr else
                      RaggedTensorSpec([None, None], dt, 1))


def _rank(v: Any) -> int:
    return to_tensor(v if isinstance(v, _TensorLike) else _tf().constant(v))._value.ndim


def concat(values: list[Any], axis: int) -> RaggedTensor:
    """RaggedTensors concatenated along ``axis`` 0 (more rows) or 1 (longer rows, same number of rows)."""
    items = [v if isinstance(v, RaggedTensor) else RaggedTensor.from_tensor(v) for v in values]
    if axis == 0:
        return _concat_ragged(items)
    if axis in (1, -1) and all(v.ragged_rank == 1 for v in items):
        n = items[0]._nrows()
        if any(v._nrows() != n for v in items):
            raise InvalidArgumentError("tf.concat: RaggedTensors joined along axis 1 need the same number of rows.")
        tf = _tf()
        splits_list = [static_value(v._row_splits).astype(np.int64) for v in items]
        lens = np.sum([np.diff(s) for s in splits_list], axis=0)
        offsets = np.cumsum([0] + [int(s[-1]) for s in splits_list])
        # the new row i is row i of each part in turn: the positions of those values in the parts' concatenation
        idx_parts = [np.arange(s[i], s[i + 1]) + offsets[k] for i in range(n) for k, s in enumerate(splits_list)]
        parts = [v._values for v in items]
        idx = np.concatenate(idx_parts) if idx_parts else np.zeros(0, np.int64)
        values = tf.gather(tf.concat(parts, axis=0), idx)
        splits = np.zeros(n + 1, items[0]._row_splits._value.dtype)
        np.cumsum(lens, out=splits[1:])
        return RaggedTensor._from_splits(values, make(splits, NUMPY))
    raise ValueError(f"tf.concat: tapegrad concatenates RaggedTensors along axis 0 or 1, got axis={axis}.")


def boolean_mask(data: Any, mask: Any, name: str | None = None) -> Any:
    """The values of ``data`` where ``mask`` (same ragged shape, bool) is true; rows keep their partition.

    >>> import tapegrad as tf
    >>> rt = tf.ragged.constant([[1, 2], [3]])
    >>> tf.ragged.boolean_mask(rt, rt > 1).to_list()
    [[2], [3]]
    """
    if isinstance(data, RaggedTensor) and isinstance(mask, RaggedTensor):
        _same_partition(data, mask, "tf.ragged.boolean_mask")
        m = static_value(mask.flat_values).astype(bool)
        kept = _tf().boolean_mask(data.flat_values, mask.flat_values)
        return _repartition(data, m, kept)
    return _tf().boolean_mask(data, mask)


def _repartition(rt: RaggedTensor, keep: np.ndarray, kept: Any) -> RaggedTensor:
    """``rt``'s structure with only the flat values where ``keep`` is true (now ``kept``)."""
    levels = _levels(rt)
    counts = keep.astype(np.int64)
    new_levels = []
    for s in reversed(levels):
        c = np.add.reduceat(counts, s[:-1]) if counts.size else np.zeros(s.size - 1, np.int64)
        c = np.where(np.diff(s) == 0, 0, c)
        splits = np.zeros(s.size, s.dtype)
        np.cumsum(c, out=splits[1:])
        new_levels.append(splits)
        counts = np.ones(s.size - 1, np.int64)  # outer levels keep every row
    result: Any = kept
    for splits in new_levels:
        result = RaggedTensor._from_splits(result, make(splits, NUMPY))
    return result


EXPORTS = {
    "": ["RaggedTensor", "RaggedTensorSpec"],
    "ragged": ["constant", "map_flat_values", "row_splits_to_segment_ids", "segment_ids_to_row_splits", "stack",
               "boolean_mask", "RaggedTensorSpec"],
}
