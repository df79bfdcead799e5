"""Array creation, indexing and restructuring ops: fill, range, linspace, eye, one_hot, unstack, split, squeeze,
expand_dims, tile, pad, reverse, roll, gather (with ``IndexedSlices`` row gradients), gather_nd, boolean_mask,
slice, shape/size/rank, meshgrid, scatter_nd, tensor_scatter_nd_update/add, repeat and nn.embedding_lookup.

Index-driven ops share two primitives that are each other's transpose: ``gather`` (``take`` along one axis) and
the internal ``scatter_add`` (rows added into zeros along one axis, duplicates accumulating, like TF's
``unsorted_segment_sum``). Both are linear and differentiable to any order. Everything that selects elements by
index (gather_nd, boolean_mask, repeat, batched gather, scatter_nd, mirror-pad gradients, densifying an
``IndexedSlices``) is expressed with them, after a reshape that turns the indexed dimensions into one.

Rules call other ops of this module through :func:`_run`: on the raw backend it runs the op's forward directly;
with the differentiable namespace (higher-order gradients) it runs the recorded op, so the backward pass is
itself differentiable.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1, apply2, applyn
from .._indexed_slices import IndexedSlices
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike, array_of, constant_value, make, static_value
from ..errors import InvalidArgumentError
from . import array_ops, core, math_ops, reductions
from ._common import dtype_mismatch, dtype_of, like, shape_arg, to_tensor

# ``range`` and ``slice`` are public op names here (tf.range, tf.slice): keep the builtins under other names.
_range = builtins.range
_slice = builtins.slice
_ALL = _slice(None)

# -- helpers ----------------------------------------------------------------------------------------------------


def _run(F: Any, op: Any, args: tuple[Any, ...], p: dict[str, Any]) -> Any:
    """Apply ``op`` inside a rule: raw forward on a raw backend, the recorded (differentiable) op otherwise."""
    if F.is_diff or any(type(a) is Tensor for a in args):
        return applyn(op, tuple(to_tensor(a) for a in args), p)
    return op.fwd(F, *args, **p)


def _raw(x: Any) -> Any:
    return static_value(x) if isinstance(x, _TensorLike) else x


def _as_int(x: Any, op: str, what: str) -> int:
    v = _raw(x)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, np.ndarray)):
        raise TypeError(f"{op}: {what} must be an integer, got {v!r}.")
    arr = np.asarray(v)
    if arr.size != 1 or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: {what} must be a single integer, got {arr.tolist()!r}.")
    return int(arr.reshape(()))


def _int_list(x: Any, op: str, what: str) -> list[int]:
    arr = np.asarray(_raw(x))
    if arr.size and arr.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"{op}: {what} must hold integers, got {arr.tolist()!r} (dtype {arr.dtype.name})."
        )
    return [int(v) for v in arr.reshape(-1)]


def _index_tensor(x: Any, op: str, what: str = "indices") -> Any:
    """Integer indices as a Tensor (an empty Python list counts as int32)."""
    t = to_tensor(x)
    kind = t._value.dtype.kind
    if kind not in "iu":
        if t._value.size == 0 and not isinstance(x, _TensorLike):
            return make(np.zeros(t._value.shape, np.int32), NUMPY)
        raise InvalidArgumentError(
            f"{op}: {what} must be an int32 or int64 tensor, got dtype {t.dtype.name} (shape "
            f"{tuple(t._value.shape)}). Cast them, e.g. tapegrad.cast({what}, tapegrad.int32)."
        )
    return t


def _first_bad(bad: np.ndarray) -> tuple[int, ...] | None:
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _check_range(idx: np.ndarray, n: int, op: str, detail: str) -> None:
    """Every index in [0, n), else an InvalidArgumentError naming the first offender (TF's format)."""
    pos = _first_bad((idx < 0) | (idx >= n))
    if pos is not None:
        where = ",".join(map(str, pos))
        raise InvalidArgumentError(f"{op}: indices[{where}] = {idx[pos]} is not in [0, {n}) ({detail}).")


def _check_nd_range(idx: np.ndarray, dims: tuple[int, ...], op: str, what: str) -> None:
    """Each index vector (last axis of ``idx``) inside ``dims``, else name the first offending vector."""
    if not dims or idx.size == 0:
        return
    bad = ((idx < 0) | (idx >= np.asarray(dims))).any(axis=-1)
    pos = _first_bad(bad)
    if pos is not None:
        where = ",".join(map(str, pos))
        raise InvalidArgumentError(
            f"{op}: indices[{where}] = {idx[pos].tolist()} does not index into {what} {list(dims)}."
        )


def _ravel(idx: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """Row-major linear positions of index vectors (last axis of ``idx``) into ``dims``."""
    lin = np.zeros(idx.shape[:-1], np.int64)
    for k, d in enumerate(dims):
        lin = lin * d + idx[..., k]
    return lin


def _neg_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis in [-ndim, ndim), returned negative (so that rules work under leading batch axes)."""
    a = _as_int(axis, op, "axis")
    if not -ndim <= a < ndim:
        raise InvalidArgumentError(
            f"{op}: axis {a} is out of range for a tensor of rank {ndim}; valid axes are [{-ndim}, {ndim})."
        )
    return a - ndim if a >= 0 else a


def _prod(xs: Any) -> int:
    return math.prod(int(d) for d in xs)


# -- the gather / scatter_add pair ----------------------------------------------------------------------------------


def _gather_fwd(F: Any, params: Any, indices: Any, axis: int, sparse: bool) -> Any:
    return F.take(params, indices, axis=axis)


def _gather_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    params, idx = ins
    axis = p["axis"]
    pshape = F.shape(params)
    ishape = F.shape(idx)
    nb = F.ndim(g) - (len(pshape) - 1 + len(ishape))
    if p["sparse"] and nb == 0:
        return (_row_slices(F, g, idx, pshape), None)
    return (_run(F, SCATTER_ADD, (g, idx), {"t": -axis - 1, "dim": pshape[axis]}), None)


def _row_slices(F: Any, g: Any, idx: Any, pshape: tuple[int, ...]) -> IndexedSlices:
    """The axis-0 gather gradient as IndexedSlices: one row of ``g`` per (flattened) index, duplicates kept."""
    n = int(np.prod(F.shape(idx), dtype=np.int64))
    values = F.reshape(g, (n,) + tuple(pshape[1:]))
    xp = idx._xp if isinstance(idx, _TensorLike) else F
    if type(values) is not Tensor:
        values = make(values, xp)
    # the indices through a recorded reshape when the sweep is recorded (a compiled program keeps them live)
    flat = _run(F, array_ops.RESHAPE, (idx,), {"shape": (n,)}) if F.is_diff else idx.reshape(-1)
    return IndexedSlices(values, flat if type(flat) is Tensor else make(flat, xp), make(np.array(pshape, np.int32),
                                                                                          NUMPY))


def _gather_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    return _run(F, GATHER, (ts[0], ins[1]), {"axis": p["axis"], "sparse": False})


def _scatter_add_fwd(F: Any, values: Any, indices: Any, t: int, dim: int) -> Any:
    vshape = values.shape
    k = indices.ndim
    lead = vshape[: len(vshape) - t - k]
    trail = vshape[len(vshape) - t:] if t else ()
    flat = indices.reshape(-1)
    out = F.zeros(lead + (dim,) + trail, dtype=values.dtype)
    v = values.reshape(lead + (flat.shape[0],) + trail)
    if lead:
        F.add.at(out, (Ellipsis, flat) + (_ALL,) * t, v)
    else:
        F.add.at(out, flat, v)
    return out


def _scatter_add_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, GATHER, (g, ins[1]), {"axis": -p["t"] - 1, "sparse": False}), None)


def _scatter_add_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    return _run(F, SCATTER_ADD, (ts[0], ins[1]), p)


def scatter_rows_raw(xp: Any, values: Any, indices: Any, shape: tuple[int, ...], out: Any = None) -> Any:
    """Raw-array densification of rows: ``values`` added into zeros of ``shape`` (or into ``out``) at ``indices``."""
    flat = indices.reshape(-1)
    if out is None:
        out = xp.zeros(shape, dtype=values.dtype)
    if flat.shape[0]:
        xp.add.at(out, flat, values.reshape((flat.shape[0],) + tuple(shape[1:])))
    return out


def indexed_slices_to_dense(values: Any, indices: Any, shape: tuple[int, ...]) -> Tensor:
    """Dense tensor of ``shape`` with rows of ``values`` added at ``indices``; differentiable in ``values``."""
    v = to_tensor(values)
    idx = _index_tensor(indices, "IndexedSlices", "indices")
    if not shape:
        raise InvalidArgumentError("IndexedSlices: dense_shape must have rank >= 1, got a scalar shape.")
    n = idx._value.size
    want = (n,) + tuple(shape[1:])
    if v._value.size != _prod(want) or (v._value.ndim and v._value.shape[0] != n and n):
        raise InvalidArgumentError(
            f"IndexedSlices: values of shape {tuple(v._value.shape)} do not match {n} indices and dense_shape "
            f"{list(shape)} (expected values of shape {want})."
        )
    _check_range(idx._value.reshape(-1), shape[0], "IndexedSlices", f"dense_shape {list(shape)}")
    v = array_ops.reshape(v, want) if tuple(v._value.shape) != want else v
    flat = array_ops.reshape(idx, (n,)) if idx._value.ndim != 1 else idx  # recorded: a compiled program keeps it live
    return applyn(SCATTER_ADD, (v, flat), {"t": len(shape) - 1, "dim": int(shape[0])})


def _take_ref(p: np.ndarray, idx: Any, axis: int = 0) -> np.ndarray:
    return np.take(p, np.asarray(idx), axis=axis)


GATHER = defop(
    "gather", _gather_fwd, _gather_vjp, _gather_jvp, linear=True,
    test=[
        spec(lambda tf, p: tf.gather(p, [[1, 0], [3, 1]], axis=1), normal((3, 4, 2)),
             ref=lambda p: _take_ref(p, [[1, 0], [3, 1]], 1), complex=True, name="axis1"),
        spec(lambda tf, p: tf.gather(p, [2, 0, 2], axis=-2), normal((4, 3)),
             ref=lambda p: _take_ref(p, [2, 0, 2], 0), complex=True, name="axis_neg"),
        spec(lambda tf, p: tf.gather(p, [[0, 2], [1, 1]], axis=2, batch_dims=1), normal((2, 3, 4)),
             ref=lambda p: np.stack([np.take(p[b], [[0, 2], [1, 1]][b], axis=1) for b in _range(2)]),
             name="batch_dims"),
        spec(lambda tf, p: tf.gather(p, [[0, 2], [1, 1]], batch_dims=1), normal((2, 3, 4)),
             ref=lambda p: np.stack([np.take(p[b], [[0, 2], [1, 1]][b], axis=0) for b in _range(2)]),
             name="batch_dims_axis_default"),
        spec(lambda tf, p: tf.gather_nd(p, [[0, 1], [2, 0], [0, 1]]), normal((3, 2, 2)),
             ref=lambda p: p[[0, 2, 0], [1, 0, 1]], complex=True, name="gather_nd"),
        spec(lambda tf, p: tf.gather_nd(p, [[1], [0]], batch_dims=1), normal((2, 3, 2)),
             ref=lambda p: p[[0, 1], [1, 0]], name="gather_nd_batch_dims"),
        spec(lambda tf, x: tf.boolean_mask(x, [[True, False, True], [False, True, True]]), normal((2, 3, 2)),
             ref=lambda x: x[np.array([[True, False, True], [False, True, True]])], name="boolean_mask"),
        spec(lambda tf, x: tf.boolean_mask(x, [False, True, True], axis=1), normal((2, 3)),
             ref=lambda x: x[:, 1:], name="boolean_mask_axis"),
        spec(lambda tf, x: tf.repeat(x, [2, 0, 1], axis=0), normal((3, 2)),
             ref=lambda x: np.repeat(x, [2, 0, 1], axis=0), complex=True, name="repeat"),
        spec(lambda tf, x: tf.repeat(x, 2), normal((2, 2)), ref=lambda x: np.repeat(x, 2), name="repeat_flat"),
    ],
)

SCATTER_ADD = defop(
    "scatter_add", _scatter_add_fwd, _scatter_add_vjp, _scatter_add_jvp, linear=True, internal=True,
    test=[
        spec(lambda tf, u: tf.scatter_nd([[1], [3], [1]], u, [5, 2]), normal((3, 2)),
             ref=lambda u: np.stack([np.zeros(2), u[0] + u[2], np.zeros(2), u[1], np.zeros(2)]), complex=True,
             name="scatter_nd"),
        spec(lambda tf, x, u: tf.tensor_scatter_nd_add(x, [[0, 1], [0, 1], [1, 0]], u), normal((2, 2), (3,)),
             ref=lambda x, u: x + np.array([[0, u[0] + u[1]], [u[2], 0]]), name="tensor_scatter_nd_add"),
        spec(lambda tf, v: tf.convert_to_tensor(tf.IndexedSlices(v, [2, 0, 2], [4, 2])), normal((3, 2)),
             ref=lambda v: np.stack([v[1], np.zeros(2), v[0] + v[2], np.zeros(2)]), name="indexed_slices_dense"),
    ],
)


def _gather(params: Any, indices: Any, axis: Any, batch_dims: Any, op: str) -> Tensor:
    x = to_tensor(params)
    idx = _index_tensor(indices, op)
    nd, ni = x._value.ndim, idx._value.ndim
    if nd == 0:
        raise InvalidArgumentError(f"{op}: params must be at least 1-dimensional, got a scalar.")
    bd = _as_int(batch_dims, op, "batch_dims")
    if bd < 0:
        bd += ni
    if not 0 <= bd <= ni or bd >= nd:
        raise InvalidArgumentError(
            f"{op}: batch_dims={batch_dims} is out of range for indices of rank {ni} and params of rank {nd}."
        )
    # TF: the default axis is batch_dims as given (so batch_dims=-1 gathers along the last axis)
    ax = _as_int(batch_dims, op, "batch_dims") if axis is None else _as_int(axis, op, "axis")
    literal_zero = ax == 0
    if ax < 0:
        ax += nd
    if not 0 <= ax < nd:
        raise InvalidArgumentError(f"{op}: axis {_as_int(axis, op, 'axis')} is out of range for params of rank {nd}.")
    if ax < bd:
        raise InvalidArgumentError(f"{op}: axis ({ax}) must be >= batch_dims ({bd}).")
    pshape, ishape = tuple(x._value.shape), tuple(idx._value.shape)
    if pshape[:bd] != ishape[:bd]:
        raise InvalidArgumentError(
            f"{op}: with batch_dims={bd}, params.shape[:{bd}] = {list(pshape[:bd])} must equal "
            f"indices.shape[:{bd}] = {list(ishape[:bd])}."
        )
    _check_range(idx._value, pshape[ax], op, f"params shape {pshape}, axis {ax}")
    if bd == 0:
        # TF: only a gather along (literal) axis 0 produces an IndexedSlices gradient.
        return apply2(GATHER, x, idx, {"axis": ax - nd, "sparse": literal_zero and ax == 0})
    return _batched_gather(x, idx, ax, bd)


def _batched_gather(x: Any, idx: Any, ax: int, bd: int) -> Tensor:
    """gather with batch_dims: fold the batch into the gathered axis (offset indices), gather, unfold."""
    pshape, ishape = tuple(x._value.shape), tuple(idx._value.shape)
    batch, mid, dim, rest = pshape[:bd], pshape[bd:ax], pshape[ax], pshape[ax + 1:]
    nbatch, inner = _prod(batch), ishape[bd:]
    y = array_ops.reshape(x, (nbatch,) + mid + (dim,) + rest)
    m = len(mid)
    if m:
        perm = tuple(_range(1, m + 1)) + (0,) + tuple(_range(m + 1, m + 2 + len(rest)))
        y = array_ops.transpose(y, perm)
    y = array_ops.reshape(y, mid + (nbatch * dim,) + rest)
    offs = (np.arange(nbatch, dtype=np.int64) * dim).reshape((nbatch,) + (1,) * len(inner))
    lin = static_value(idx).astype(np.int64).reshape((nbatch,) + inner) + offs
    y = apply2(GATHER, y, make(lin, idx._xp), {"axis": m - y._value.ndim, "sparse": False})
    if m:
        k = len(inner)
        perm = (m,) + tuple(_range(m)) + tuple(_range(m + 1, m + 1 + k + len(rest)))
        y = array_ops.transpose(y, perm)
    return array_ops.reshape(y, batch + mid + inner + rest)


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None, batch_dims: int = 0,
           name: str | None = None) -> Tensor:
    """Slices of ``params`` along ``axis`` (default ``batch_dims``) at integer ``indices``.

    The output shape is ``params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]``. Indices
    must lie in ``[0, params.shape[axis])``. The gradient of an axis-0 gather (``axis`` omitted or 0) with
    respect to ``params`` is an :class:`~tapegrad.IndexedSlices` (one row per index); other axes give dense
    gradients.

    >>> import tapegrad as tf
    >>> p = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> tf.gather(p, [2, 0]).numpy().tolist()
    [[5.0, 6.0], [1.0, 2.0]]
    >>> tf.gather(p, [1, 1], axis=1).numpy().tolist()
    [[2.0, 2.0], [4.0, 4.0], [6.0, 6.0]]
    """
    return _gather(params, indices, axis, batch_dims, "gather")


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None,
              bad_indices_policy: str = "") -> Tensor:
    """Slices of ``params`` addressed by index vectors: the last axis of ``indices`` indexes the leading dims.

    The output shape is ``indices.shape[:-1] + params.shape[batch_dims + indices.shape[-1]:]``.

    >>> import tapegrad as tf
    >>> p = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.gather_nd(p, [[0, 1], [1, 0]]).numpy().tolist()
    [2.0, 3.0]
    >>> tf.gather_nd(p, [[1]]).numpy().tolist()
    [[3.0, 4.0]]
    """
    op = "gather_nd"
    if bad_indices_policy not in ("", "DEFAULT", "ERROR"):
        raise ValueError(f"{op}: bad_indices_policy={bad_indices_policy!r} is not supported; use '' or 'ERROR'.")
    x = to_tensor(params)
    idx = _index_tensor(indices, op)
    raw = static_value(idx)
    if raw.ndim < 1:
        raise InvalidArgumentError(f"{op}: indices must have rank >= 1, got a scalar.")
    bd = _as_int(batch_dims, op, "batch_dims")
    pshape, ishape = tuple(x._value.shape), tuple(raw.shape)
    if not 0 <= bd < raw.ndim or bd > len(pshape):
        raise InvalidArgumentError(f"{op}: batch_dims={bd} is out of range for indices of shape {list(ishape)}.")
    k = ishape[-1]
    if k > len(pshape) - bd:
        raise InvalidArgumentError(
            f"{op}: the index vectors have length {k} but params of shape {list(pshape)} have only "
            f"{len(pshape) - bd} indexable dimensions after batch_dims={bd}."
        )
    if pshape[:bd] != ishape[:bd]:
        raise InvalidArgumentError(
            f"{op}: with batch_dims={bd}, params.shape[:{bd}] = {list(pshape[:bd])} must equal "
            f"indices.shape[:{bd}] = {list(ishape[:bd])}."
        )
    sub = pshape[bd:bd + k]
    _check_nd_range(raw, sub, op, "param shape")
    if bd == 0 and raw.ndim == 2 and k == 1:
        # TF: [n, 1] index vectors address whole rows, and the gradient is an IndexedSlices.
        return apply2(GATHER, x, make(raw[:, 0], idx._xp), {"axis": -len(pshape), "sparse": True})
    lin = _ravel(raw.astype(np.int64), sub)
    if bd:
        nbatch = _prod(pshape[:bd])
        offs = np.arange(nbatch, dtype=np.int64).reshape(pshape[:bd] + (1,) * (raw.ndim - 1 - bd))
        lin = lin + offs * _prod(sub)
    rest = pshape[bd + k:]
    flat = array_ops.reshape(x, (_prod(pshape[:bd + k]),) + rest)
    return apply2(GATHER, flat, make(lin, idx._xp), {"axis": -1 - len(rest), "sparse": False})


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Tensor:
    """The elements (or slices) of ``tensor`` where ``mask`` is true; ``mask`` covers dims ``axis…axis+k``.

    >>> import tapegrad as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> tf.boolean_mask(x, [True, False, True]).numpy().tolist()
    [[1.0, 2.0], [5.0, 6.0]]
    >>> tf.boolean_mask(x, [False, True], axis=1).numpy().tolist()
    [[2.0], [4.0], [6.0]]
    """
    op = "boolean_mask"
    x = to_tensor(tensor)
    m = to_tensor(mask)
    mraw = static_value(m)
    if mraw.ndim == 0:
        raise ValueError(f"{op}: mask cannot be a scalar; give one boolean per element or slice.")
    if mraw.dtype.kind not in "biu":
        raise InvalidArgumentError(f"{op}: mask must be a bool tensor, got dtype {m.dtype.name}.")
    nd, k = x._value.ndim, mraw.ndim
    ax = 0 if axis is None else _as_int(axis, op, "axis")
    if ax < 0:
        ax += nd
    xshape = tuple(x._value.shape)
    if not 0 <= ax <= nd - k or xshape[ax:ax + k] != tuple(mraw.shape):
        raise ValueError(
            f"{op}: mask of shape {tuple(mraw.shape)} does not match the dimensions {ax}..{ax + k - 1} of the tensor "
            f"of shape {xshape}."
        )
    sel = np.flatnonzero(mraw)
    flat = array_ops.reshape(x, xshape[:ax] + (_prod(mraw.shape),) + xshape[ax + k:])
    return apply2(GATHER, flat, make(sel, NUMPY), {"axis": ax - (nd - k + 1), "sparse": False})


def repeat(input: Any, repeats: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Repeat each element (``axis=None``: of the flattened input) or each slice along ``axis``.

    ``repeats`` is one count for all, or one per element along the axis.

    >>> import tapegrad as tf
    >>> tf.repeat(tf.constant([[1, 2], [3, 4]]), [1, 2], axis=0).numpy().tolist()
    [[1, 2], [3, 4], [3, 4]]
    >>> tf.repeat(tf.constant([1, 2]), 2).numpy().tolist()
    [1, 1, 2, 2]
    """
    op = "repeat"
    x = to_tensor(input)
    if axis is None:
        x = array_ops.reshape(x, [-1])
        ax = -1
    else:
        ax = _neg_axis(axis, x._value.ndim, op)
    reps = np.asarray(_raw(repeats))
    if reps.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: repeats must be integers, got {reps.tolist()!r}.")
    if reps.ndim > 1:
        raise ValueError(f"{op}: repeats must be a scalar or a 1-D list, got shape {reps.shape}.")
    n = x._value.shape[ax]
    if reps.size == 1:
        reps = np.full(n, int(reps.reshape(())), np.int64)
    elif reps.size != n:
        raise ValueError(f"{op}: got {reps.size} repeat counts for an axis of length {n}.")
    pos = _first_bad(reps < 0)
    if pos is not None:
        raise InvalidArgumentError(f"{op}: repeats[{pos[0]}] = {reps[pos]} is negative.")
    idx = np.repeat(np.arange(n, dtype=np.int64), reps)
    return apply2(GATHER, x, make(idx, NUMPY), {"axis": ax, "sparse": False})


def _embedding_shards(xs: list[Any], ids: Any) -> Tensor:
    """TF's "div" partitioning: ids are assigned to shards in contiguous blocks (the first shards one larger)."""
    op = "embedding_lookup"
    idt = _index_tensor(ids, op, "ids")
    flat = static_value(idt).reshape(-1).astype(np.int64)
    nshards = len(xs)
    total = sum(int(x._value.shape[0]) for x in xs)
    per, extras = divmod(total, nshards)
    if per == 0:
        raise InvalidArgumentError(f"{op}: {nshards} shards hold only {total} rows; every shard needs a row.")
    _check_range(flat, total, op, f"{total} rows in {nshards} shards")
    assign = np.maximum(flat // (per + 1), (flat - extras) // per)
    local_ids = np.where(assign < extras, flat % (per + 1), (flat - extras) % per)
    pieces, where = [], []
    for s in _range(nshards):
        sel = np.flatnonzero(assign == s)
        if sel.size:
            pieces.append(_gather(xs[s], local_ids[sel].astype(idt._value.dtype), None, 0, op))
            where.append(sel)
    rest = tuple(xs[0]._value.shape[1:])
    if not pieces:
        return core.zeros(tuple(idt._value.shape) + rest, xs[0].dtype)
    stacked = array_ops.concat(pieces, 0) if len(pieces) > 1 else pieces[0]
    order = np.argsort(np.concatenate(where), kind="stable")
    out = apply2(GATHER, stacked, make(order, NUMPY), {"axis": -1 - len(rest), "sparse": False})
    return array_ops.reshape(out, tuple(idt._value.shape) + rest)


def _clip_rows(emb: Any, max_norm: Any, ids_rank: int) -> Tensor:
    """TF's clip_by_norm over the embedding axes: rows with L2 norm above ``max_norm`` are scaled down to it."""
    axes = list(_range(ids_rank, emb._value.ndim))
    sq = emb * emb
    l2sum = reductions.reduce_sum(sq, axis=axes, keepdims=True) if axes else sq
    pred = math_ops.greater(l2sum, 0.0)
    safe = array_ops.where(pred, l2sum, core.ones_like(l2sum))
    l2norm = array_ops.where(pred, math_ops.sqrt(safe), l2sum)
    clip = like(max_norm, emb, "embedding_lookup") if not isinstance(max_norm, _TensorLike) else max_norm
    return core.identity(math_ops.divide(emb * clip, math_ops.maximum(l2norm, clip)))


def embedding_lookup(params: Any, ids: Any, max_norm: Any = None, name: str | None = None) -> Tensor:
    """Rows of an embedding table (``tf.nn.embedding_lookup``): ``gather(params, ids)`` along axis 0.

    ``params`` may be a list of shards (TF's "div" partitioning). The gradient with respect to a table is an
    :class:`~tapegrad.IndexedSlices`. With ``max_norm``, looked-up rows whose L2 norm exceeds it are rescaled.

    >>> import tapegrad as tf
    >>> table = tf.Variable([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> with tf.GradientTape() as tape:
    ...     e = tf.nn.embedding_lookup(table, [2, 0, 2])
    ...     loss = tf.reduce_sum(e)
    >>> g = tape.gradient(loss, table)
    >>> type(g).__name__, g.indices.numpy().tolist()
    ('IndexedSlices', [2, 0, 2])
    """
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: params is an empty list; give a tensor or a list of shards.")
        xs = [to_tensor(p) for p in params]
        out = _gather(xs[0], ids, None, 0, "embedding_lookup") if len(xs) == 1 else _embedding_shards(xs, ids)
    else:
        out = _gather(params, ids, None, 0, "embedding_lookup")
    if max_norm is not None:
        out = _clip_rows(out, max_norm, np.ndim(_raw(to_tensor(ids))))
    return out


# -- scatter_nd / tensor_scatter_nd_* ---------------------------------------------------------------------------------


def _scatter_checks(idx: Any, upd: Any, shape: tuple[int, ...], op: str) -> tuple[np.ndarray, int]:
    raw = static_value(idx)
    if raw.ndim < 1:
        raise InvalidArgumentError(f"{op}: indices must have rank >= 1, got a scalar.")
    k = raw.shape[-1]
    if k > len(shape):
        raise InvalidArgumentError(
            f"{op}: index vectors of length {k} cannot index a tensor of rank {len(shape)} (shape {list(shape)})."
        )
    want = tuple(raw.shape[:-1]) + tuple(shape[k:])
    if tuple(upd._value.shape) != want:
        raise InvalidArgumentError(
            f"{op}: updates must have shape indices.shape[:-1] + shape[{k}:] = {list(want)}, got "
            f"{list(upd._value.shape)} (indices shape {list(raw.shape)}, shape {list(shape)})."
        )
    _check_nd_range(raw, tuple(shape[:k]), op, "shape")
    return _ravel(raw.astype(np.int64), tuple(shape[:k])), k


def scatter_nd(indices: Any, updates: Any, shape: Any, bad_indices_policy: str = "", name: str | None = None) -> Tensor:
    """Zeros of ``shape`` with ``updates`` added at the index vectors (duplicate indices add up).

    >>> import tapegrad as tf
    >>> tf.scatter_nd([[1], [3], [1]], [9.0, 10.0, 11.0], [5]).numpy().tolist()
    [0.0, 20.0, 0.0, 10.0, 0.0]
    """
    op = "scatter_nd"
    idx = _index_tensor(indices, op)
    u = to_tensor(updates)
    shp = shape_arg(shape)
    if any(d < 0 for d in shp):
        raise InvalidArgumentError(f"{op}: shape {list(shp)} has a negative dimension.")
    lin, k = _scatter_checks(idx, u, shp, op)
    rest = shp[k:]
    flat = array_ops.reshape(u, (lin.size,) + rest)
    out = applyn(SCATTER_ADD, (flat, make(lin.reshape(-1), NUMPY)), {"t": len(rest), "dim": _prod(shp[:k])})
    return array_ops.reshape(out, shp)


def _tsu_fwd(F: Any, x: Any, lin: Any, u: Any) -> Any:
    out = x.copy()
    out[lin] = u  # duplicates: the last update wins, as TF's CPU kernel
    return out


def _tsu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, lin, _ = ins
    rank = F.ndim(x)
    gx = gu = None
    if needs[0]:
        raw_lin = _raw(lin)
        keep = np.ones(F.shape(x)[0], dtype=dtype_of(g))
        keep[raw_lin] = 0
        gx = g * keep.reshape((-1,) + (1,) * (rank - 1))
    if needs[2]:
        gu = _run(F, GATHER, (g, lin), {"axis": -rank, "sparse": False})
    return (gx, None, gu)


def _tsu_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    tx, _, tu = ts
    if tx is None and tu is None:
        return None
    x, lin, u = ins
    tx = F.zeros_like(x) if tx is None else tx
    tu = F.zeros_like(u) if tu is None else tu
    return _run(F, TENSOR_SCATTER_UPDATE, (tx, lin, tu), {})


TENSOR_SCATTER_UPDATE = defop(
    "tensor_scatter_update", _tsu_fwd, _tsu_vjp, _tsu_jvp, linear=True,
    test=spec(lambda tf, x, u: tf.tensor_scatter_nd_update(x, [[2], [0]], u), normal((3, 2), (2, 2)),
              ref=lambda x, u: np.stack([u[1], x[1], u[0]]), complex=True),
)


def _tensor_and_updates(tensor: Any, updates: Any, op: str) -> tuple[Any, Any]:
    if isinstance(updates, _TensorLike) and not isinstance(tensor, _TensorLike):
        return like(tensor, updates, op), updates  # a Python/NumPy tensor adopts the updates' dtype
    x = to_tensor(tensor)
    if isinstance(updates, _TensorLike):
        if updates._value.dtype != x._value.dtype:
            raise InvalidArgumentError(dtype_mismatch(op, x, updates))
        return x, updates
    return x, like(updates, x, op)


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
    """A copy of ``tensor`` with the elements/slices at ``indices`` replaced by ``updates``.

    >>> import tapegrad as tf
    >>> tf.tensor_scatter_nd_update([1.0, 2.0, 3.0, 4.0], [[1], [3]], [9.0, 10.0]).numpy().tolist()
    [1.0, 9.0, 3.0, 10.0]
    """
    op = "tensor_scatter_nd_update"
    x, u = _tensor_and_updates(tensor, updates, op)
    idx = _index_tensor(indices, op)
    shp = tuple(x._value.shape)
    lin, k = _scatter_checks(idx, u, shp, op)
    rest = shp[k:]
    xf = array_ops.reshape(x, (_prod(shp[:k]),) + rest)
    uf = array_ops.reshape(u, (lin.size,) + rest)
    out = applyn(TENSOR_SCATTER_UPDATE, (xf, make(lin.reshape(-1), NUMPY), uf))
    return array_ops.reshape(out, shp)


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "",
                          name: str | None = None) -> Tensor:
    """``tensor`` plus ``updates`` added at ``indices`` (duplicates add up).

    >>> import tapegrad as tf
    >>> tf.tensor_scatter_nd_add([1.0, 2.0, 3.0, 4.0], [[1], [1]], [9.0, 10.0]).numpy().tolist()
    [1.0, 21.0, 3.0, 4.0]
    """
    op = "tensor_scatter_nd_add"
    x, u = _tensor_and_updates(tensor, updates, op)
    idx = _index_tensor(indices, op)
    shp = tuple(x._value.shape)
    _scatter_checks(idx, u, shp, op)
    return math_ops.add(x, scatter_nd(idx, u, shp))


# -- creation: fill, range, linspace, eye, one_hot ---------------------------------------------------------------------


def _fill_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g,)  # the engine sums it down to the scalar


FILL = defop(
    "fill", lambda F, v, shape: F.full(shape, v, dtype=v.dtype), _fill_vjp,
    lambda F, ts, ins, out, p: F.broadcast_to(ts[0], p["shape"]), linear=True, save_in=False,
    test=spec(lambda tf, v: tf.fill([2, 3], v), normal(()), ref=lambda v: np.full((2, 3), v), complex=True),
)


def fill(dims: Any, value: Any, name: str | None = None, layout: Any = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value`` (its dtype is ``value``'s).

    >>> import tapegrad as tf
    >>> tf.fill([2, 3], 9).numpy().tolist()
    [[9, 9, 9], [9, 9, 9]]
    """
    shp = shape_arg(dims)
    bad = [d for d in shp if d < 0]
    if bad:
        raise InvalidArgumentError(f"fill: dimension {bad[0]} in dims {list(shp)} must be >= 0.")
    v = to_tensor(value)
    if v._value.ndim != 0:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {list(v._value.shape)}.")
    return apply1(FILL, v, {"shape": shp})


def _const(op: Any, p: dict[str, Any]) -> Tensor:
    """Run an op without tensor inputs (creation ops)."""
    return make(op.fwd(NUMPY, **p), NUMPY)


def _range_fwd(F: Any, start: Any, limit: Any, delta: Any, dtype: Any) -> Any:
    if dtype.kind in "iu":
        return F.arange(start, limit, delta, dtype=dtype)
    n = int(F.ceil(F.abs((limit - start) / delta)))
    return start + F.arange(n).astype(dtype) * delta  # TF's kernel: start + T(i) * delta, in the output dtype


RANGE = defop(
    "range", _range_fwd, None,
    test=[
        spec(lambda tf: tf.range(1, 10, 3), lambda rng: (), ref=lambda: np.arange(1, 10, 3, dtype=np.int32),
             name="int"),
        spec(lambda tf: tf.range(0.5, 2.0, 0.25), lambda rng: (), ref=lambda: np.arange(0.5, 2.0, 0.25), name="float"),
        spec(lambda tf: tf.range(5, 0, -2, dtype=tf.float64), lambda rng: (), ref=lambda: np.array([5.0, 3.0, 1.0]),
             name="negative_delta"),
    ],
)

_RANGE_ORDER = ("int32", "int64", "float16", "float32", "float64")


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Tensor:  # noqa: A001
    """The sequence ``start, start + delta, …`` up to (excluding) ``limit`` (``range(n)`` counts from 0).

    Integers give int32 (int64 if an argument is int64), floats float32; ``dtype`` overrides. Not differentiable.

    >>> import tapegrad as tf
    >>> tf.range(5).numpy().tolist(), tf.range(1, 2, 0.25).numpy().tolist()
    ([0, 1, 2, 3, 4], [1.0, 1.25, 1.5, 1.75])
    """
    if limit is None:
        start, limit = 0, start
    args = (start, limit, delta)
    if dtype is None:
        arrs = [np.asarray(_raw(a)) if isinstance(a, _TensorLike) else constant_value(a) for a in args]
        names = []
        for a in arrs:
            if a.ndim != 0 or a.dtype.name not in _RANGE_ORDER:
                raise InvalidArgumentError(
                    f"range: start, limit and delta must be int or float scalars, got {a.tolist()!r} "
                    f"(dtype {a.dtype.name})."
                )
            names.append(a.dtype.name)
        dt = np.dtype(max(names, key=_RANGE_ORDER.index))
        vals = [a.astype(dt) for a in arrs]
    else:
        dt = _dtypes.as_dtype(dtype)._np
        vals = []
        for a in args:
            arr = array_of(a, dt, "range")
            if arr.ndim != 0:
                raise InvalidArgumentError(f"range: arguments must be scalars, got {arr.tolist()!r}.")
            vals.append(arr)
    s, lim, d = (v[()] for v in vals)
    if d == 0:
        raise InvalidArgumentError(f"range: delta must not be 0 (start={s}, limit={lim}).")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        raise InvalidArgumentError(
            f"range: start={s} and limit={lim} are incompatible with delta={d}: with delta "
            f"{'> 0 start must be <= limit' if d > 0 else '< 0 start must be >= limit'}."
        )
    return _const(RANGE, {"start": s, "limit": lim, "delta": d, "dtype": dt})


def _lin_weights(num: int, dtype: Any, axis: int) -> Any:
    """Weight of ``stop`` in each of the ``num`` points, shaped to broadcast along (negative) ``axis``."""
    w = np.arange(num, dtype=np.float64) / max(num - 1, 1)
    return w.astype(dtype).reshape((num,) + (1,) * (-axis - 1))


def _linspace_fwd(F: Any, start: Any, stop: Any, num: int, axis: int) -> Any:
    steps = max(num - 1, 1)
    delta = (stop - start) / steps
    a = F.expand_dims(start, axis)
    b = F.expand_dims(stop, axis)
    k = F.arange(1, steps, dtype=start.dtype).reshape((max(num - 2, 0),) + (1,) * (-axis - 1))
    mid = a + F.expand_dims(delta, axis) * k
    res = F.concatenate([a, mid, b], axis=axis)
    return res[(Ellipsis, _slice(0, num)) + (_ALL,) * (-axis - 1)]


def _linspace_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    num, axis = p["num"], p["axis"]
    w = _lin_weights(num, dtype_of(g), axis)
    gs = F.sum(g * (1 - w), axis=axis) if needs[0] else None
    ge = F.sum(g * w, axis=axis) if needs[1] else None
    return (gs, ge)


def _linspace_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    num, axis = p["num"], p["axis"]
    res = None
    for t, first in ((ts[0], True), (ts[1], False)):
        if t is not None:
            w = _lin_weights(num, dtype_of(t), axis)
            r = F.expand_dims(t, axis) * ((1 - w) if first else w)
            res = r if res is None else res + r
    return res


LINSPACE = defop(
    "linspace", _linspace_fwd, _linspace_vjp, _linspace_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, a, b: tf.linspace(a, b, 5), normal((), ()), ref=lambda a, b: np.linspace(a, b, 5)),
        spec(lambda tf, a, b: tf.linspace(a, b, 4, axis=-1), normal((2,), (3, 1)),
             ref=lambda a, b: np.linspace(a, b, 4, axis=-1), name="broadcast_axis"),
    ],
)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included), inserted at ``axis``.

    ``start`` and ``stop`` broadcast together; integer inputs give float64. Differentiable in both ends.

    >>> import tapegrad as tf
    >>> tf.linspace(0.0, 1.0, 5).numpy().tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    op = "linspace"
    a = to_tensor(start)
    if isinstance(stop, _TensorLike):
        if stop._value.dtype != a._value.dtype:
            raise ValueError(dtype_mismatch(op, a, stop))
        b = stop
    else:
        b = like(stop, a, op)
    n = _as_int(num, op, "num")
    if n < 0:
        raise InvalidArgumentError(f"{op}: num must be >= 0, got {n}.")
    kind = a._value.dtype.kind
    if kind in "iu":
        a, b = core.cast(a, "float64"), core.cast(b, "float64")
    elif kind != "f":
        raise InvalidArgumentError(f"{op}: start and stop must be float or int, got dtype {a.dtype.name}.")
    try:
        shp = np.broadcast_shapes(a._value.shape, b._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: start shape {tuple(a._value.shape)} and stop shape {tuple(b._value.shape)} do not broadcast."
        ) from None
    a, b = core.broadcast_to(a, shp), core.broadcast_to(b, shp)
    r = len(shp)
    ax = _as_int(axis, op, "axis")
    if not -r - 1 <= ax <= r:
        raise InvalidArgumentError(f"{op}: axis {ax} is out of range for an output of rank {r + 1}.")
    return apply2(LINSPACE, a, b, {"num": n, "axis": ax - r - 1 if ax >= 0 else ax})


def _eye_fwd(F: Any, rows: int, cols: int, batch: tuple[int, ...], dtype: Any) -> Any:
    e = F.eye(rows, cols, dtype=dtype)
    return F.broadcast_to(e, batch + (rows, cols)).copy() if batch else e


EYE = defop(
    "eye", _eye_fwd, None,
    test=spec(lambda tf: tf.eye(2, 3, batch_shape=[2]), lambda rng: (),
              ref=lambda: np.broadcast_to(np.eye(2, 3, dtype=np.float32), (2, 2, 3))),
)


def eye(num_rows: Any, num_columns: Any = None, batch_shape: Any = None, dtype: Any = _dtypes.float32,
        name: str | None = None) -> Tensor:
    """An identity matrix (``num_rows × num_columns``), optionally repeated over ``batch_shape``.

    >>> import tapegrad as tf
    >>> tf.eye(2, 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    rows = _as_int(num_rows, "eye", "num_rows")
    cols = rows if num_columns is None else _as_int(num_columns, "eye", "num_columns")
    batch = () if batch_shape is None else shape_arg(batch_shape)
    for d in (rows, cols, *batch):
        if d < 0:
            raise InvalidArgumentError(f"eye: dimensions must be >= 0, got {d} (rows {rows}, columns {cols}, "
                                       f"batch_shape {list(batch)}).")
    return _const(EYE, {"rows": rows, "cols": cols, "batch": batch, "dtype": _dtypes.as_dtype(dtype)._np})


def _one_hot_fwd(F: Any, idx: Any, depth: int, on: Any, off: Any, axis: int) -> Any:
    hit = F.expand_dims(idx, -1) == F.arange(depth)
    res = F.where(hit, on, off).astype(on.dtype, copy=False)
    return res if axis == -1 else F.moveaxis(res, -1, axis)


ONE_HOT = defop(
    "one_hot", _one_hot_fwd, None,
    test=spec(lambda tf: tf.one_hot([[0, 2], [-1, 5]], 3, on_value=2.0, off_value=-1.0, axis=0), lambda rng: (),
              ref=lambda: np.moveaxis(np.where(np.array([[0, 2], [-1, 5]])[..., None] == np.arange(3), 2.0, -1.0)
                                      .astype(np.float32), -1, 0)),
)


def _one_hot_value(v: Any, dtype: Any) -> Any:
    if isinstance(v, _TensorLike):
        return v
    return core.convert_to_tensor(v, dtype_hint=dtype)


def one_hot(indices: Any, depth: Any, on_value: Any = None, off_value: Any = None, axis: Any = None,
            dtype: Any = None, name: str | None = None) -> Tensor:
    """One-hot vectors of length ``depth`` along a new ``axis`` (default last); out-of-range indices give
    all-``off_value`` vectors. The dtype is ``dtype``, else that of ``on_value``/``off_value``, else float32.

    >>> import tapegrad as tf
    >>> tf.one_hot([0, 2, -1], 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    op = "one_hot"
    idx = _index_tensor(indices, op)
    d = _as_int(depth, op, "depth")
    if d < 0:
        raise InvalidArgumentError(f"{op}: depth must be >= 0, got {d}.")
    want = None if dtype is None else _dtypes.as_dtype(dtype)
    on = None if on_value is None else _one_hot_value(on_value, want)
    off = None if off_value is None else _one_hot_value(off_value, want)
    for v, what in ((on, "on_value"), (off, "off_value")):
        if v is not None and want is not None and v.dtype != want:
            raise TypeError(f"{op}: dtype {v.dtype.name} of {what} does not match the dtype parameter {want.name}.")
    if on is not None and off is not None and on.dtype != off.dtype:
        raise TypeError(f"{op}: dtype {on.dtype.name} of on_value does not match dtype {off.dtype.name} of off_value.")
    dt = want or (on.dtype if on is not None else off.dtype if off is not None else _dtypes.float32)
    onv = np.asarray(_raw(on)) if on is not None else np.ones((), dt._np)
    offv = np.asarray(_raw(off)) if off is not None else np.zeros((), dt._np)
    if onv.ndim or offv.ndim:
        raise InvalidArgumentError(f"{op}: on_value and off_value must be scalars.")
    nd = idx._value.ndim + 1
    ax = -1 if axis is None else _as_int(axis, op, "axis")
    if ax != -1 and not 0 <= ax < nd:
        raise InvalidArgumentError(f"{op}: axis must be -1 or in [0, {nd}), got {ax}.")
    return apply1(ONE_HOT, idx, {"depth": d, "on": onv, "off": offv, "axis": ax})


# -- shape queries -----------------------------------------------------------------------------------------------------


def _out_type(out_type: Any, op: str) -> np.dtype:
    dt = np.dtype(np.int32) if out_type is None else _dtypes.as_dtype(out_type)._np
    if dt not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise InvalidArgumentError(f"{op}: out_type must be int32 or int64, got {dt.name}.")
    return dt


SHAPE = defop("shape", lambda F, x, dtype: F.asarray(x.shape, dtype=dtype), None,
              test=spec(lambda tf, x: tf.shape(x), normal((2, 3, 1)), ref=lambda x: np.array([2, 3, 1], np.int32)))
SIZE = defop("size", lambda F, x, dtype: F.asarray(x.size, dtype=dtype), None,
             test=spec(lambda tf, x: tf.size(x, out_type=tf.int64), normal((2, 3)), ref=lambda x: np.int64(6)))
RANK = defop("rank", lambda F, x: F.asarray(x.ndim, dtype=F.int32), None,
             test=spec(lambda tf, x: tf.rank(x), normal((2, 3)), ref=lambda x: np.int32(2)))


def shape(input: Any, out_type: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """The shape of ``input`` as a 1-D int32 (or ``out_type``) tensor.

    >>> import tapegrad as tf
    >>> tf.shape(tf.zeros([2, 3])).numpy().tolist()
    [2, 3]
    """
    return apply1(SHAPE, to_tensor(input), {"dtype": _out_type(out_type, "shape")})


def size(input: Any, out_type: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of elements of ``input`` as a scalar int32 (or ``out_type``) tensor.

    >>> import tapegrad as tf
    >>> int(tf.size(tf.zeros([2, 3])))
    6
    """
    return apply1(SIZE, to_tensor(input), {"dtype": _out_type(out_type, "size")})


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of dimensions of ``input`` as a scalar int32 tensor.

    >>> import tapegrad as tf
    >>> int(tf.rank(tf.zeros([2, 3])))
    2
    """
    return apply1(RANK, to_tensor(input))


# -- unstack / split (multi-output) ------------------------------------------------------------------------------------


def _same_batch(F: Any, gs: Any, outs: Any) -> list[Any]:
    """Upstreams of a multi-output op with one batch shape: the engine fills unused outputs with zeros of the
    output's own shape, which lack the leading batch axes of a batched cotangent (jacobian)."""
    nbs = [F.ndim(g) - F.ndim(o) for g, o in zip(gs, outs)]
    nb = max(nbs)
    if nb == min(nbs):
        return list(gs)
    batch = F.shape(gs[nbs.index(nb)])[:nb]
    return [g if k == nb else F.broadcast_to(g, batch + F.shape(o)) for g, o, k in zip(gs, outs, nbs)]


def _unstack_fwd(F: Any, x: Any, axis: int, num: int) -> Any:
    tail = (_ALL,) * (-axis - 1)
    return tuple(x[(Ellipsis, i) + tail] for i in _range(num))


def _unstack_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    tail = (_ALL,) * (-p["axis"] - 1)
    return tuple(ts[0][(Ellipsis, i) + tail] for i in _range(p["num"]))


UNSTACK = defop(
    "unstack", _unstack_fwd, lambda F, g, ins, out, p, needs: (F.stack(_same_batch(F, g, out), axis=p["axis"]),),
    _unstack_jvp,
    multi=True, linear=True,
    test=[
        spec(lambda tf, x: tf.unstack(x, axis=1), normal((2, 3, 2)), ref=lambda x: [x[:, i] for i in _range(3)],
             complex=True),
        spec(lambda tf, x: tf.unstack(x, axis=-1)[1] * 2.0, normal((2, 3)), ref=lambda x: x[:, 1] * 2.0,
             name="one_output_used"),
    ],
)


def unstack(value: Any, num: Any = None, axis: int = 0, name: str = "unstack") -> list[Tensor]:
    """Split ``value`` along ``axis`` into a list of tensors with that axis removed.

    >>> import tapegrad as tf
    >>> [t.numpy().tolist() for t in tf.unstack(tf.constant([[1, 2], [3, 4]]), axis=1)]
    [[1, 3], [2, 4]]
    """
    x = to_tensor(value)
    nd = x._value.ndim
    a = _as_int(axis, "unstack", "axis")
    if not -nd <= a < nd:
        raise ValueError(f"unstack: axis {a} is not in range [{-nd}, {nd}) for a tensor of shape "
                         f"{tuple(x._value.shape)}.")
    ax = a - nd if a >= 0 else a
    n = x._value.shape[ax]
    if num is not None and _as_int(num, "unstack", "num") != n:
        raise InvalidArgumentError(f"unstack: num={num} but the tensor of shape {tuple(x._value.shape)} has {n} "
                                   f"entries along axis {a}.")
    if n == 0:
        return []
    return applyn(UNSTACK, (x,), {"axis": ax, "num": n})


def _split_fwd(F: Any, x: Any, axis: int, sizes: tuple[int, ...]) -> Any:
    bounds = np.cumsum(sizes)[:-1].tolist()
    return tuple(F.split(x, bounds, axis=axis))


def _split_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    return tuple(_run(F, SPLIT, (ts[0],), p))


SPLIT = defop(
    "split", _split_fwd, lambda F, g, ins, out, p, needs: (F.concatenate(_same_batch(F, g, out), axis=p["axis"]),),
    _split_jvp,
    multi=True, linear=True,
    test=[
        spec(lambda tf, x: tf.split(x, [1, -1, 2], axis=1), normal((2, 6)),
             ref=lambda x: [x[:, :1], x[:, 1:4], x[:, 4:]], complex=True),
        spec(lambda tf, x: tf.split(x, 2, axis=0)[1], normal((4, 3)), ref=lambda x: x[2:], name="even_one_used"),
    ],
)


def split(value: Any, num_or_size_splits: Any, axis: Any = 0, num: Any = None, name: str = "split") -> list[Tensor]:
    """Split ``value`` along ``axis`` into ``num_or_size_splits`` equal pieces, or pieces of the given sizes
    (one size may be -1: the remainder).

    >>> import tapegrad as tf
    >>> [t.shape.as_list() for t in tf.split(tf.zeros([2, 6]), [1, -1, 2], axis=1)]
    [[2, 1], [2, 3], [2, 2]]
    """
    op = "split"
    x = to_tensor(value)
    nd = x._value.ndim
    if nd == 0:
        raise InvalidArgumentError(f"{op}: cannot split a scalar.")
    ax = _neg_axis(axis, nd, op)
    dim = x._value.shape[ax]
    spl = _raw(num_or_size_splits)
    if np.ndim(spl) == 0:
        n = _as_int(spl, op, "num_or_size_splits")
        if n < 1:
            raise InvalidArgumentError(f"{op}: the number of pieces must be >= 1, got {n}.")
        if dim % n:
            raise InvalidArgumentError(
                f"{op}: {n} pieces do not evenly divide axis {ax + nd} of size {dim} (shape {tuple(x._value.shape)})."
            )
        sizes = [dim // n] * n
    else:
        sizes = _int_list(spl, op, "size_splits")
        if not sizes:
            raise InvalidArgumentError(f"{op}: size_splits must not be empty.")
        if sizes.count(-1) > 1:
            raise InvalidArgumentError(f"{op}: at most one size may be -1, got {sizes}.")
        if any(s < -1 for s in sizes):
            raise InvalidArgumentError(f"{op}: sizes must be >= 0 (or one -1), got {sizes}.")
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes:
            if known > dim:
                raise InvalidArgumentError(f"{op}: sizes {sizes} exceed axis {ax + nd} of size {dim}.")
            sizes[sizes.index(-1)] = dim - known
        elif known != dim:
            raise InvalidArgumentError(
                f"{op}: sizes {sizes} sum to {known}, but axis {ax + nd} has size {dim} (shape "
                f"{tuple(x._value.shape)})."
            )
        if num is not None and _as_int(num, op, "num") != len(sizes):
            raise ValueError(f"{op}: num={num} does not match the {len(sizes)} sizes {sizes}.")
    return applyn(SPLIT, (x,), {"axis": ax, "sizes": tuple(sizes)})


# -- reshape-like: squeeze / expand_dims -------------------------------------------------------------------------------


def _reshaped_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - len(p["shape"])
    return (F.reshape(g, F.shape(g)[:nb] + F.shape(ins[0])),)


def _reshaped_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.reshape(ts[0], p["shape"])


def _reshaped_fwd(F: Any, x: Any, shape: tuple[int, ...]) -> Any:
    return F.reshape(x, shape)


SQUEEZE = defop(
    "squeeze", _reshaped_fwd, _reshaped_vjp, _reshaped_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.squeeze(x), normal((1, 2, 1, 3)), ref=lambda x: x.reshape(2, 3), complex=True),
        spec(lambda tf, x: tf.squeeze(x, [0, -1]), normal((1, 2, 1, 3, 1)), ref=lambda x: x.reshape(2, 1, 3),
             name="axes"),
    ],
)
EXPAND_DIMS = defop(
    "expand_dims", _reshaped_fwd, _reshaped_vjp, _reshaped_jvp, linear=True, save_in=False,
    test=spec(lambda tf, x: tf.expand_dims(x, -2), normal((2, 3)), ref=lambda x: x[:, None, :], complex=True),
)


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Remove size-1 dimensions (all of them, or those listed in ``axis``, which must have size 1).

    >>> import tapegrad as tf
    >>> tf.squeeze(tf.zeros([1, 2, 1, 3])).shape
    TensorShape([2, 3])
    """
    op = "squeeze"
    x = to_tensor(input)
    shp = tuple(x._value.shape)
    nd = len(shp)
    if axis is None:
        drop = {i for i, d in enumerate(shp) if d == 1}
    else:
        drop = set()
        for a in _int_list(axis, op, "axis"):
            if not -nd <= a < nd:
                raise InvalidArgumentError(f"{op}: cannot squeeze dim {a} of a tensor with {nd} dimensions "
                                           f"(shape {shp}).")
            a %= nd
            if shp[a] != 1:
                raise InvalidArgumentError(f"{op}: cannot squeeze dim {a}: expected a dimension of 1, got {shp[a]} "
                                           f"(shape {shp}).")
            drop.add(a)
    return apply1(SQUEEZE, x, {"shape": tuple(d for i, d in enumerate(shp) if i not in drop)})


def expand_dims(input: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Insert a size-1 dimension at ``axis`` (in ``[-rank-1, rank]``).

    >>> import tapegrad as tf
    >>> tf.expand_dims(tf.zeros([2, 3]), -1).shape
    TensorShape([2, 3, 1])
    """
    op = "expand_dims"
    x = to_tensor(input)
    shp = list(x._value.shape)
    nd = len(shp)
    axes = _int_list(axis, op, "axis")
    if len(axes) != 1:
        raise InvalidArgumentError(f"{op}: axis must be a single integer, got {axes}.")
    a = axes[0]
    if not -nd - 1 <= a <= nd:
        raise InvalidArgumentError(f"{op}: cannot insert a dimension at axis {a} of a tensor with {nd} dimensions; "
                                   f"valid axes are [{-nd - 1}, {nd}].")
    shp.insert(a if a >= 0 else a + nd + 1, 1)
    return apply1(EXPAND_DIMS, x, {"shape": tuple(shp)})


# -- tile / pad / reverse / roll / slice -------------------------------------------------------------------------------


def _tile_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    reps = p["multiples"]
    n = len(reps)
    if n == 0:
        return (g,)
    xshape = F.shape(ins[0])
    nb = F.ndim(g) - n
    pairs: tuple[int, ...] = ()
    for m, d in zip(reps, xshape):
        pairs += (m, d)
    g2 = F.reshape(g, F.shape(g)[:nb] + pairs)
    return (F.sum(g2, axis=tuple(_range(-2 * n, 0, 2))),)


TILE = defop(
    "tile", lambda F, x, multiples: F.tile(x, multiples), _tile_vjp,
    lambda F, ts, ins, out, p: _run(F, TILE, (ts[0],), p), linear=True, save_in=False,
    test=spec(lambda tf, x: tf.tile(x, [2, 1, 3]), normal((2, 3, 2)), ref=lambda x: np.tile(x, (2, 1, 3)),
              complex=True),
)


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Repeat the whole tensor ``multiples[i]`` times along each dimension ``i``.

    >>> import tapegrad as tf
    >>> tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy().tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    op = "tile"
    x = to_tensor(input)
    reps = _int_list(multiples, op, "multiples")
    nd = x._value.ndim
    if len(reps) != nd:
        raise InvalidArgumentError(f"{op}: multiples must have one entry per dimension ({nd} for shape "
                                   f"{tuple(x._value.shape)}), got {reps}.")
    for i, m in enumerate(reps):
        if m < 0:
            raise InvalidArgumentError(f"{op}: multiples[{i}] = {m} must be >= 0.")
    return apply1(TILE, x, {"multiples": tuple(reps)})


def _pad_fwd(F: Any, x: Any, pads: tuple[tuple[int, int], ...], mode: str, cval: Any) -> Any:
    if mode == "constant":
        return F.pad(x, pads, mode="constant", constant_values=cval)
    return F.pad(x, pads, mode=mode)


def _pad_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    pads, mode = p["pads"], p["mode"]
    xshape = F.shape(ins[0])
    if mode == "constant":
        return (g[(Ellipsis,) + tuple(_slice(lo, lo + d) for (lo, _), d in zip(pads, xshape))],)
    n = len(xshape)
    r = g
    for i, ((lo, hi), d) in enumerate(zip(pads, xshape)):
        if lo or hi:
            src = np.pad(np.arange(d), (lo, hi), mode=mode)  # the input position each output position copies
            r = _run(F, SCATTER_ADD, (r, src), {"t": n - 1 - i, "dim": d})
    return (r,)


def _pad_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _run(F, PAD, (ts[0],), dict(p, cval=0))


PAD = defop(
    "pad", _pad_fwd, _pad_vjp, _pad_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.pad(x, [[1, 0], [2, 1]], constant_values=3.0), normal((2, 3)),
             ref=lambda x: np.pad(x, [[1, 0], [2, 1]], constant_values=3.0), complex=True, name="constant"),
        spec(lambda tf, x: tf.pad(x, [[1, 1], [2, 2]], "REFLECT"), normal((3, 3)),
             ref=lambda x: np.pad(x, [[1, 1], [2, 2]], mode="reflect"), complex=True, name="reflect"),
        spec(lambda tf, x: tf.pad(x, [[2, 0], [1, 3]], "SYMMETRIC"), normal((2, 3)),
             ref=lambda x: np.pad(x, [[2, 0], [1, 3]], mode="symmetric"), name="symmetric"),
    ],
)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None) -> Tensor:
    """Pad each dimension ``i`` with ``paddings[i] = [before, after]`` entries: ``"CONSTANT"``
    (``constant_values``), ``"REFLECT"`` (mirror without the edge) or ``"SYMMETRIC"`` (mirror with the edge).

    >>> import tapegrad as tf
    >>> tf.pad(tf.constant([[1, 2, 3]]), [[0, 0], [2, 1]], "REFLECT").numpy().tolist()
    [[3, 2, 1, 2, 3, 2]]
    """
    op = "pad"
    modes = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}
    key = mode.upper() if isinstance(mode, str) else mode
    if key not in modes:
        raise ValueError(f'{op}: mode must be one of "CONSTANT", "REFLECT" or "SYMMETRIC", got {mode!r}.')
    x = to_tensor(tensor)
    shp = tuple(x._value.shape)
    raw = np.asarray(_raw(paddings))
    if raw.size and raw.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: paddings must be integers, got {raw.tolist()!r}.")
    if raw.shape != (len(shp), 2):
        raise InvalidArgumentError(f"{op}: paddings must have shape [rank, 2] = [{len(shp)}, 2] for a tensor of "
                                   f"shape {shp}, got shape {list(raw.shape)}.")
    pads = tuple((int(lo), int(hi)) for lo, hi in raw.reshape(len(shp), 2))
    for i, ((lo, hi), d) in enumerate(zip(pads, shp)):
        if lo < 0 or hi < 0:
            raise InvalidArgumentError(f"{op}: paddings must be non-negative, got {[lo, hi]} for dimension {i}.")
        if key == "REFLECT" and (lo >= d or hi >= d) and (lo or hi):
            raise InvalidArgumentError(f"{op}: REFLECT paddings must be less than the dimension size: {[lo, hi]} "
                                       f"for dimension {i} of size {d}.")
        if key == "SYMMETRIC" and (lo > d or hi > d):
            raise InvalidArgumentError(f"{op}: SYMMETRIC paddings must be no greater than the dimension size: "
                                       f"{[lo, hi]} for dimension {i} of size {d}.")
    if isinstance(constant_values, _TensorLike):
        if constant_values._value.dtype != x._value.dtype:
            raise InvalidArgumentError(dtype_mismatch(op, x, constant_values))
        cval = np.asarray(static_value(constant_values))
    else:
        cval = array_of(constant_values, x._value.dtype, op)
    if cval.ndim:
        raise InvalidArgumentError(f"{op}: constant_values must be a scalar, got shape {list(cval.shape)}.")
    return apply1(PAD, x, {"pads": pads, "mode": modes[key], "cval": cval[()]})


def _reverse_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, REVERSE, (g,), p),)


REVERSE = defop(
    "reverse", lambda F, x, axes: F.flip(x, axis=axes), _reverse_vjp,
    lambda F, ts, ins, out, p: _run(F, REVERSE, (ts[0],), p), linear=True, save_in=False,
    test=spec(lambda tf, x: tf.reverse(x, [0, -1]), normal((2, 3, 4)), ref=lambda x: x[::-1, :, ::-1], complex=True),
)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """Reverse the order of elements along each dimension in the 1-D list ``axis``.

    >>> import tapegrad as tf
    >>> tf.reverse(tf.constant([[1, 2], [3, 4]]), [1]).numpy().tolist()
    [[2, 1], [4, 3]]
    """
    op = "reverse"
    x = to_tensor(tensor)
    nd = x._value.ndim
    if np.ndim(_raw(axis)) != 1:
        raise InvalidArgumentError(f"{op}: axis must be a 1-D list of dimensions, got {axis!r}; e.g. [0].")
    axes = []
    for a in _int_list(axis, op, "axis"):
        if not -nd <= a < nd:
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank {nd}.")
        a = a - nd if a >= 0 else a
        if a in axes:
            raise InvalidArgumentError(f"{op}: axis {a + nd} is listed more than once.")
        axes.append(a)
    return apply1(REVERSE, x, {"axes": tuple(axes)})


def _roll_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, ROLL, (g,), {"shift": tuple(-s for s in p["shift"]), "axes": p["axes"]}),)


ROLL = defop(
    "roll", lambda F, x, shift, axes: F.roll(x, shift, axis=axes), _roll_vjp,
    lambda F, ts, ins, out, p: _run(F, ROLL, (ts[0],), p), linear=True, save_in=False,
    test=spec(lambda tf, x: tf.roll(x, [1, -2, 1], [0, 1, 0]), normal((3, 4)),
              ref=lambda x: np.roll(x, (2, -2), axis=(0, 1)), complex=True),
)


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Shift elements circularly by ``shift`` along ``axis`` (lists pair up; repeated axes add up).

    >>> import tapegrad as tf
    >>> tf.roll(tf.constant([1, 2, 3, 4]), 1, 0).numpy().tolist()
    [4, 1, 2, 3]
    """
    op = "roll"
    x = to_tensor(input)
    nd = x._value.ndim
    shifts = _int_list(shift, op, "shift")
    axes = _int_list(axis, op, "axis")
    if len(shifts) != len(axes):
        raise InvalidArgumentError(f"{op}: shift {shifts} and axis {axes} must have the same length.")
    out_axes = []
    for a in axes:
        if not -nd <= a < nd:
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank {nd}.")
        out_axes.append(a - nd if a >= 0 else a)
    return apply1(ROLL, x, {"shift": tuple(shifts), "axes": tuple(out_axes)})


def _slice_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    key = p["key"]
    nb = F.ndim(g) - len(key)
    return (F.slice_grad(g, F.shape(g)[:nb] + F.shape(ins[0]), key, nb),)


SLICE = defop(
    "slice", lambda F, x, key: x[key], _slice_vjp, lambda F, ts, ins, out, p: ts[0][p["key"]], linear=True,
    save_in=False,
    test=spec(lambda tf, x: tf.slice(x, [0, 1, 1], [-1, 2, -1]), normal((2, 3, 4)), ref=lambda x: x[:, 1:3, 1:],
              complex=True),
)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """The block of ``input_`` starting at ``begin`` with extent ``size`` (-1: to the end of that dimension).

    >>> import tapegrad as tf
    >>> tf.slice(tf.constant([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]).numpy().tolist()
    [[2, 3], [5, 6]]
    """
    op = "slice"
    x = to_tensor(input_)
    shp = tuple(x._value.shape)
    b = _int_list(begin, op, "begin")
    s = _int_list(size, op, "size")
    if len(b) != len(shp) or len(s) != len(shp):
        raise InvalidArgumentError(f"{op}: begin and size need {len(shp)} entries (one per dimension of shape "
                                   f"{shp}), got begin {b} and size {s}.")
    key = []
    for i, (bi, si, d) in enumerate(zip(b, s, shp)):
        if not 0 <= bi <= d:
            raise InvalidArgumentError(f"{op}: begin[{i}] = {bi} is not in [0, {d}] (shape {shp}).")
        if si == -1:
            si = d - bi
        if not 0 <= si <= d - bi:
            raise InvalidArgumentError(f"{op}: size[{i}] = {si} is not in [0, {d - bi}] for begin[{i}] = {bi} "
                                       f"(shape {shp}).")
        key.append(_slice(bi, bi + si))
    return apply1(SLICE, x, {"key": tuple(key)})


# -- meshgrid ----------------------------------------------------------------------------------------------------------
# One op per output grid: each grid depends on its own coordinate vector only (gradients of a grid with respect to
# the other vectors are None, as in TF, not zeros).


def _grid_fwd(F: Any, x: Any, pos: int, shape: tuple[int, ...]) -> Any:
    col = [1] * len(shape)
    col[pos] = shape[pos]
    return F.broadcast_to(F.reshape(x, tuple(col)), shape).copy()


def _grid_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    n, pos = len(p["shape"]), p["pos"]
    axes = tuple(a - n for a in _range(n) if a != pos)
    return (F.sum(g, axis=axes) if axes else g,)


def _grid_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    shape, pos = p["shape"], p["pos"]
    col = [1] * len(shape)
    col[pos] = shape[pos]
    return F.broadcast_to(F.reshape(ts[0], tuple(col)), shape)


MESHGRID = defop(
    "meshgrid", _grid_fwd, _grid_vjp, _grid_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, a, b, c: tf.meshgrid(a, b, c), normal((3,), (2,), (4,)),
             ref=lambda a, b, c: np.meshgrid(a, b, c), complex=True),
        spec(lambda tf, a, b: tf.meshgrid(a, b, indexing="ij"), normal((3,), (2,)),
             ref=lambda a, b: np.meshgrid(a, b, indexing="ij"), name="ij"),
    ],
)


def meshgrid(*args: Any, **kwargs: Any) -> list[Tensor]:
    """Coordinate grids from 1-D coordinate vectors; ``indexing="xy"`` (default, Cartesian) or ``"ij"``.

    >>> import tapegrad as tf
    >>> X, Y = tf.meshgrid([1, 2, 3], [4, 5])
    >>> X.numpy().tolist(), Y.numpy().tolist()
    ([[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]])
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: {next(iter(kwargs))!r} is an invalid keyword argument (use indexing=).")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    if not args:
        return []
    xs = [to_tensor(a) for a in args]
    for x in xs[1:]:
        if x._value.dtype != xs[0]._value.dtype:
            raise InvalidArgumentError(dtype_mismatch("meshgrid", xs[0], x))
    xs = [x if x._value.ndim == 1 else array_ops.reshape(x, [-1]) for x in xs]
    n = len(xs)
    pos = list(_range(n))
    if indexing == "xy" and n >= 2:
        pos[0], pos[1] = 1, 0  # Cartesian: the first vector runs along columns
    shp = [0] * n
    for x, q in zip(xs, pos):
        shp[q] = x._value.shape[0]
    return [apply1(MESHGRID, x, {"pos": q, "shape": tuple(shp)}) for x, q in zip(xs, pos)]


EXPORTS: dict[str, list[str]] = {
    "": [
        "IndexedSlices", "fill", "range", "linspace", "eye", "one_hot", "unstack", "split", "squeeze", "expand_dims",
        "tile", "pad", "reverse", "gather", "gather_nd", "boolean_mask", "slice", "shape", "size", "rank",
        "meshgrid", "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add", "repeat", "roll",
    ],
    "nn": ["embedding_lookup"],
    "linalg": ["eye"],
}
