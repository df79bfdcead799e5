"""``tapegrad.sets``: the ``tf.sets`` namespace — set operations along the last dimension (see docs/misc_ops.md).

Each input is a dense Tensor or a SparseTensor of rank >= 2 whose last dimension holds a set (for a dense input
every element is a member, 0 included; a SparseTensor's present values are); the leading dimensions are a batch and
must agree between the two inputs. Results are SparseTensors: each batch row's members sorted ascending, at
positions ``[*batch_index, 0..n-1]``, with ``dense_shape = batch_shape + [largest row]``, as TF. Types: int8,
int16, int32, int64, uint8, uint16 and string (others raise TypeError). No gradients (TF has none).

>>> import tapegrad as tf
>>> a = tf.constant([[1, 2, 3], [4, 5, 6]])
>>> b = tf.constant([[3, 1, 0], [5, 6, 0]])
>>> tf.sparse.to_dense(tf.sets.intersection(a, b)).numpy().tolist()
[[1, 3], [5, 6]]
>>> tf.sets.size(tf.sparse.from_dense(a)).numpy().tolist()
[3, 3]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._tensor import Tensor, _TensorLike, make
from .compiler.host import in_programs
from .errors import InvalidArgumentError

__all__ = ["difference", "intersection", "size", "union"]

_TYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "string")


def _sparse_type() -> Any:
    from .ops.sparse_ops import SparseTensor

    return SparseTensor


def _as_input(x: Any, what: str, op: str) -> Any:
    """A dense Tensor or a SparseTensor (other values are converted to a dense Tensor)."""
    if isinstance(x, (_TensorLike, _sparse_type())):
        return x
    from .ops.core import convert_to_tensor

    return convert_to_tensor(x)


def _dtype(x: Any) -> Any:
    return x.dtype if isinstance(x, _TensorLike) else x.values.dtype


def _rows(x: Any, validate: bool, op: str, what: str) -> tuple[tuple[int, ...], list[list[Any]]]:
    """The batch shape and, for each batch index in row-major order, the members (with repeats) of its set."""
    if isinstance(x, _TensorLike):
        v = np.asarray(x._value)
        if v.ndim < 2:
            raise InvalidArgumentError(f"tf.sets.{op}: {what} must have rank >= 2 (a batch of sets along the last "
                                       f"dimension), got shape {list(v.shape)}; use tf.expand_dims(x, 0) for one set.")
        batch = tuple(v.shape[:-1])
        return batch, v.reshape(int(np.prod(batch)), v.shape[-1]).tolist()
    idx = np.asarray(x.indices._value, dtype=np.int64)
    vals = np.asarray(x.values._value).tolist()
    shape = tuple(int(d) for d in np.asarray(x.dense_shape._value))
    if len(shape) < 2:
        raise InvalidArgumentError(f"tf.sets.{op}: {what} must have rank >= 2, got a SparseTensor of dense_shape "
                                   f"{list(shape)}.")
    if validate:
        _validate(idx, shape, op, what)
    batch = shape[:-1]
    rows: list[list[Any]] = [[] for _ in range(int(np.prod(batch)))]
    if len(idx):
        flat = np.ravel_multi_index(tuple(idx[:, :-1].T), batch, mode="wrap") if batch else np.zeros(len(idx), int)
        for r, value in zip(flat.tolist(), vals):
            rows[r].append(value)
    return batch, rows


def _validate(idx: np.ndarray, shape: tuple[int, ...], op: str, what: str) -> None:
    """TF's validate_indices: every index inside dense_shape, in row-major order, none repeated."""
    if len(idx) == 0:
        return
    bad = (idx < 0) | (idx >= np.asarray(shape))
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        raise InvalidArgumentError(f"tf.sets.{op}: {what}.indices[{i}] = {idx[i].tolist()} is outside dense_shape "
                                   f"{list(shape)}.")
    keys = np.ravel_multi_index(tuple(idx.T), shape)
    step = np.diff(keys)
    if (step <= 0).any():
        i = int(np.flatnonzero(step <= 0)[0]) + 1
        how = "repeated" if step[i - 1] == 0 else "out of order"
        raise InvalidArgumentError(f"tf.sets.{op}: {what}.indices[{i}] = {idx[i].tolist()} is {how}; sort the "
                                   "indices with tf.sparse.reorder, or pass validate_indices=False.")


def _result(batch: tuple[int, ...], sets: list[list[Any]], dtype: Any) -> Any:
    """A SparseTensor of the sorted sets: indices ``[*batch_index, j]``, dense_shape ``batch + [largest]``."""
    from ._backend import NUMPY

    width = max((len(s) for s in sets), default=0)
    n = sum(len(s) for s in sets)
    indices = np.zeros((n, len(batch) + 1), dtype=np.int64)
    values = np.empty(n, dtype=dtype._np)
    at = 0
    for r, members in enumerate(sets):
        k = len(members)
        if k:
            indices[at: at + k, :-1] = np.unravel_index(r, batch) if batch else ()
            indices[at: at + k, -1] = np.arange(k)
            values[at: at + k] = members
            at += k
    shape = np.asarray((*batch, width), dtype=np.int64)
    return _sparse_type()(make(indices, NUMPY), make(values, NUMPY), make(shape, NUMPY))


def _set_op(a: Any, b: Any, op: str, validate: bool, combine: Any) -> Any:
    a, b = _as_input(a, "a", op), _as_input(b, "b", op)
    da, db = _dtype(a), _dtype(b)
    for what, dt in (("a", da), ("b", db)):
        if dt.name not in _TYPES:
            raise TypeError(f"tf.sets.{op}: {what} has dtype {dt.name}; sets support {', '.join(_TYPES)}.")
    if da != db:
        raise TypeError(f"tf.sets.{op}: a has dtype {da.name} but b has {db.name}; cast one of them.")
    ba, ra = _rows(a, validate, op, "a")
    bb, rb = _rows(b, validate, op, "b")
    if len(ba) != len(bb):
        raise InvalidArgumentError(f"tf.sets.{op}: a and b must have the same rank; got the batch shapes {list(ba)} "
                                   f"and {list(bb)} (shapes minus the last dimension).")
    if ba != bb:
        raise InvalidArgumentError(f"tf.sets.{op}: a and b must have the same batch shape (all dimensions but the "
                                   f"last), got {list(ba)} and {list(bb)}.")
    return _result(ba, [sorted(combine(set(x), set(y))) for x, y in zip(ra, rb)], da)


@in_programs
def size(a: Any, validate_indices: bool = True) -> Tensor:
    """The number of distinct values in each set of the SparseTensor ``a`` (int32, shape ``dense_shape[:-1]``).
    A dense Tensor raises TypeError, as TF (use ``tf.sparse.from_dense``).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0]], [5, 5, 7], [2, 4])
    >>> tf.sets.size(st).numpy().tolist()
    [1, 1]
    """
    from ._backend import NUMPY

    if not isinstance(a, _sparse_type()):
        raise TypeError(f"tf.sets.size: expected a SparseTensor, got {type(a).__name__}; convert a dense tensor with "
                        "tf.sparse.from_dense (every stored value is a member).")
    dt = _dtype(a)
    if dt.name not in _TYPES:
        raise TypeError(f"tf.sets.size: a has dtype {dt.name}; sets support {', '.join(_TYPES)}.")
    batch, rows = _rows(a, validate_indices, "size", "a")
    out = np.array([len(set(r)) for r in rows], dtype=np.int32).reshape(batch)
    return make(out, NUMPY)


@in_programs
def intersection(a: Any, b: Any, validate_indices: bool = True) -> Any:
    """The members common to the sets of ``a`` and ``b`` (SparseTensor, each set sorted ascending).

    >>> import tapegrad as tf
    >>> tf.sparse.to_dense(tf.sets.intersection([[3, 1, 2]], [[2, 3, 3]])).numpy().tolist()
    [[2, 3]]
    """
    return _set_op(a, b, "intersection", validate_indices, set.intersection)


@in_programs
def union(a: Any, b: Any, validate_indices: bool = True) -> Any:
    """The members of the sets of ``a`` or ``b`` (SparseTensor, each set sorted ascending).

    >>> import tapegrad as tf
    >>> tf.sparse.to_dense(tf.sets.union([[3, 1], [4, 4]], [[2, 3], [0, 5]])).numpy().tolist()
    [[1, 2, 3], [0, 4, 5]]
    """
    return _set_op(a, b, "union", validate_indices, set.union)


@in_programs
def difference(a: Any, b: Any, aminusb: bool = True, validate_indices: bool = True) -> Any:
    """The members of ``a``'s sets not in ``b``'s (``aminusb=False``: ``b - a``), as a SparseTensor.

    >>> import tapegrad as tf
    >>> tf.sparse.to_dense(tf.sets.difference([[1, 2, 3]], [[3, 1, 0]])).numpy().tolist()
    [[2]]
    >>> tf.sparse.to_dense(tf.sets.difference([[1, 2, 3]], [[3, 1, 0]], aminusb=False)).numpy().tolist()
    [[0]]
    """
    return _set_op(a, b, "difference", validate_indices,
                   (lambda x, y: x - y) if aminusb else (lambda x, y: y - x))
