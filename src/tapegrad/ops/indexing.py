"""Selecting by index or condition: gather (with ``IndexedSlices`` row gradients), gather_nd, boolean_mask,
where, and nn.embedding_lookup.

Index-driven ops share two primitives that are each other's transpose: ``gather`` (``take`` along one axis) and
the internal ``scatter_add`` (rows added into zeros along one axis, duplicates accumulating, like TF's
``unsorted_segment_sum``). Both are linear and differentiable to any order. Everything that selects elements by
index (gather_nd, boolean_mask, repeat, batched gather, scatter_nd, mirror-pad gradients, densifying an
``IndexedSlices``) is expressed with them, after a reshape that turns the indexed dimensions into one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import apply1, apply2, applyn
from .._indexed_slices import IndexedSlices
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import arithmetic, comparison, core, joining, reductions, shape_ops, unary_math
from ._array_common import (
    _ALL,
    _as_int,
    _check_nd_range,
    _check_range,
    _index_tensor,
    _prod,
    _range,
    _ravel,
    _raw,
    _run,
)
from ._common import RaggedInput, like, pair, to_tensor

# -- where ----------------------------------------------------------------------------------------------------------


def _where_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    c = ins[0]
    z = F.zeros_like(g)
    return (None, F.where(c, g, z) if needs[1] else None, F.where(c, z, g) if needs[2] else None)


def _where_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    z = F.zeros_like(out)
    return F.where(ins[0], z if ts[1] is None else ts[1] + z, z if ts[2] is None else ts[2] + z)


WHERE = defop("where", lambda F, c, x, y: F.where(c, x, y), _where_vjp, _where_jvp,
              test=spec(lambda tf, c, x, y: tf.where(c, x, y),
                        lambda rng: (rng.normal(size=(3, 1)) > 0, rng.normal(size=(3, 4)), rng.normal(size=(4,))),
                        ref=np.where, complex=True))
WHERE_INDICES = defop("where_indices", lambda F, c: F.astype(F.argwhere(c), F.int64), None,
                      test=spec(lambda tf, c: tf.where(c), lambda rng: (rng.normal(size=(3, 4)) > 0,), ref=np.argwhere))


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Elementwise ``x if condition else y`` with broadcasting; gradients are routed to the chosen branch.

    With only ``condition``: the int64 coordinates of its true elements.

    >>> import tapegrad as tf
    >>> tf.where(tf.constant([True, False]), 1.0, 0.0).numpy().tolist()
    [1.0, 0.0]
    """
    try:
        c = to_tensor(condition)
    except RaggedInput:  # a ragged condition: elementwise on the flat values (x and y: ragged alike, or scalars)
        from .ragged_ops import ragged_where

        return ragged_where(condition, x, y)
    if x is None and y is None:
        if c._value.dtype.kind == "O":
            raise InvalidArgumentError("where: a string condition has no truth value; compare it first, e.g. "
                                       "tf.where(s != '').")
        return apply1(WHERE_INDICES, c)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    if c._value.dtype.kind != "b":
        raise InvalidArgumentError(f"where: condition must be a bool tensor, got dtype {c.dtype.name}.")
    a, b = pair(x, y, "where")
    try:
        np.broadcast_shapes(c._value.shape, a._value.shape, b._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"where: condition, x and y shapes {tuple(c._value.shape)}, {tuple(a._value.shape)}, "
            f"{tuple(b._value.shape)} do not broadcast together."
        ) from None
    return applyn(WHERE, (c, a, b))


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
    flat = _run(F, shape_ops.RESHAPE, (idx,), {"shape": (n,)}) if F.is_diff else idx.reshape(-1)
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
    v = shape_ops.reshape(v, want) if tuple(v._value.shape) != want else v
    flat = shape_ops.reshape(idx, (n,)) if idx._value.ndim != 1 else idx  # recorded: a compiled program keeps it live
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
        spec(lambda tf, x, u: tf.tensor_scatter_nd_sub(x, [[2], [0], [2]], u), normal((3, 2), (3, 2)),
             ref=lambda x, u: x - np.stack([u[1], np.zeros(2), u[0] + u[2]]), complex=True,
             name="tensor_scatter_nd_sub"),
        spec(lambda tf, w: tf.math.confusion_matrix([1, 2, 2, 0], [2, 2, 2, 1], num_classes=3, weights=w,
                                                    dtype=tf.float64), normal((4,)),
             ref=lambda w: np.array([[0, w[3], 0], [0, 0, w[0]], [0, 0, w[1] + w[2]]]), name="confusion_matrix"),
        spec(lambda tf, v: tf.convert_to_tensor(tf.IndexedSlices(v, [2, 0, 2], [4, 2])), normal((3, 2)),
             ref=lambda v: np.stack([v[1], np.zeros(2), v[0] + v[2], np.zeros(2)]), name="indexed_slices_dense"),
    ],
)


def _gather(params: Any, indices: Any, axis: Any, batch_dims: Any, op: str) -> Tensor:
    try:
        x = to_tensor(params)
    except RaggedInput:
        from .ragged_ops import gather_rows

        return gather_rows(params, indices, axis, batch_dims, op)
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
    if nd == 1 and ni == 0 and x._value.dtype.kind == "O":
        from .string_ops import element

        return element(x, index=idx)  # one string element (NumPy would hand back a bare ``bytes``)
    if bd == 0:
        # TF: only a gather along (literal) axis 0 produces an IndexedSlices gradient.
        return apply2(GATHER, x, idx, {"axis": ax - nd, "sparse": literal_zero and ax == 0})
    return _batched_gather(x, idx, ax, bd)


def _batched_gather(x: Any, idx: Any, ax: int, bd: int) -> Tensor:
    """gather with batch_dims: fold the batch into the gathered axis (offset indices), gather, unfold."""
    pshape, ishape = tuple(x._value.shape), tuple(idx._value.shape)
    batch, mid, dim, rest = pshape[:bd], pshape[bd:ax], pshape[ax], pshape[ax + 1:]
    nbatch, inner = _prod(batch), ishape[bd:]
    y = shape_ops.reshape(x, (nbatch,) + mid + (dim,) + rest)
    m = len(mid)
    if m:
        perm = tuple(_range(1, m + 1)) + (0,) + tuple(_range(m + 1, m + 2 + len(rest)))
        y = shape_ops.transpose(y, perm)
    y = shape_ops.reshape(y, mid + (nbatch * dim,) + rest)
    offs = (np.arange(nbatch, dtype=np.int64) * dim).reshape((nbatch,) + (1,) * len(inner))
    lin = static_value(idx).astype(np.int64).reshape((nbatch,) + inner) + offs
    y = apply2(GATHER, y, make(lin, idx._xp), {"axis": m - y._value.ndim, "sparse": False})
    if m:
        k = len(inner)
        perm = (m,) + tuple(_range(m)) + tuple(_range(m + 1, m + 1 + k + len(rest)))
        y = shape_ops.transpose(y, perm)
    return shape_ops.reshape(y, batch + mid + inner + rest)


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
    if raw.ndim == 1 and k == len(pshape) and bd == 0 and x._value.dtype.kind == "O":
        from .string_ops import element

        return element(x, index=idx)  # one string element (NumPy would hand back a bare ``bytes``)
    if bd == 0 and raw.ndim == 2 and k == 1:
        # TF: [n, 1] index vectors address whole rows, and the gradient is an IndexedSlices.
        return apply2(GATHER, x, make(raw[:, 0], idx._xp), {"axis": -len(pshape), "sparse": True})
    lin = _ravel(raw.astype(np.int64), sub)
    if bd:
        nbatch = _prod(pshape[:bd])
        offs = np.arange(nbatch, dtype=np.int64).reshape(pshape[:bd] + (1,) * (raw.ndim - 1 - bd))
        lin = lin + offs * _prod(sub)
    rest = pshape[bd + k:]
    flat = shape_ops.reshape(x, (_prod(pshape[:bd + k]),) + rest)
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
    flat = shape_ops.reshape(x, xshape[:ax] + (_prod(mraw.shape),) + xshape[ax + k:])
    return apply2(GATHER, flat, make(sel, NUMPY), {"axis": ax - (nd - k + 1), "sparse": False})


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
    stacked = joining.concat(pieces, 0) if len(pieces) > 1 else pieces[0]
    order = np.argsort(np.concatenate(where), kind="stable")
    out = apply2(GATHER, stacked, make(order, NUMPY), {"axis": -1 - len(rest), "sparse": False})
    return shape_ops.reshape(out, tuple(idt._value.shape) + rest)


def _clip_rows(emb: Any, max_norm: Any, ids_rank: int) -> Tensor:
    """TF's clip_by_norm over the embedding axes: rows with L2 norm above ``max_norm`` are scaled down to it."""
    axes = list(_range(ids_rank, emb._value.ndim))
    sq = emb * emb
    l2sum = reductions.reduce_sum(sq, axis=axes, keepdims=True) if axes else sq
    pred = comparison.greater(l2sum, 0.0)
    safe = where(pred, l2sum, core.ones_like(l2sum))
    l2norm = where(pred, unary_math.sqrt(safe), l2sum)
    clip = like(max_norm, emb, "embedding_lookup") if not isinstance(max_norm, _TensorLike) else max_norm
    return core.identity(arithmetic.divide(emb * clip, arithmetic.maximum(l2norm, clip)))


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


# -- unravel_index ----------------------------------------------------------------------------------------------------


def _unravel_fwd(F: Any, idx: Any, dims: Any) -> Any:
    return F.stack(F.unravel_index(idx, tuple(int(d) for d in dims))).astype(idx.dtype)


UNRAVEL_INDEX = defop(
    "unravel_index", _unravel_fwd, None,
    test=[
        spec(lambda tf, i: tf.unravel_index(i, [3, 4, 2]), lambda rng: (rng.integers(0, 24, size=(5,)),),
             ref=lambda i: np.stack(np.unravel_index(i, (3, 4, 2)))),
        spec(lambda tf, i: tf.unravel_index(i, [3, 4]), lambda rng: (np.array(7, np.int32),),
             ref=lambda i: np.array([1, 3], np.int32), name="scalar"),
    ],
)


def unravel_index(indices: Any, dims: Any, name: str | None = None) -> Tensor:
    """The coordinates in an array of shape ``dims`` of each flat (row-major) index: shape ``[len(dims)]`` for a
    scalar index, ``[len(dims), N]`` for a vector of N, in the indices' dtype. Not differentiable.

    >>> import tapegrad as tf
    >>> tf.unravel_index([1, 5, 11], [3, 4]).numpy().tolist()
    [[0, 1, 2], [1, 1, 3]]
    """
    op = "unravel_index"
    if isinstance(dims, _TensorLike) and not isinstance(indices, _TensorLike):
        d = _index_tensor(dims, op, "dims")
        idx = _index_tensor(core.constant(np.asarray(indices, d._value.dtype)), op)  # adopts dims' dtype, as TF
    else:
        idx = _index_tensor(indices, op)
        d = dims if isinstance(dims, _TensorLike) else core.constant(np.asarray(dims, idx._value.dtype))
    if d.dtype != idx.dtype:
        raise InvalidArgumentError(f"{op}: dims ({d.dtype.name}) must have the indices' dtype {idx.dtype.name}.")
    if idx._value.ndim > 1 or d._value.ndim != 1:
        raise InvalidArgumentError(f"{op}: indices must be a scalar or a vector and dims a vector, got shapes "
                                   f"{list(idx._value.shape)} and {list(d._value.shape)}.")
    dv = d._value
    if (dv <= 0).any():
        raise InvalidArgumentError(f"{op}: dims must be positive, got {dv.tolist()}.")
    total = int(np.prod(dv, dtype=np.int64))
    bad = (idx._value < 0) | (idx._value >= total)
    if bad.any():
        raise InvalidArgumentError(f"{op}: index {int(idx._value[bad].reshape(-1)[0])} is out of bounds for dims "
                                   f"{dv.tolist()} (valid flat indices are [0, {total})).")
    return applyn(UNRAVEL_INDEX, (idx, d))


EXPORTS: dict[str, list[str]] = {
    "": [
        "where", "IndexedSlices", "gather", "gather_nd", "boolean_mask", "unravel_index",
    ],
    "nn": [
        "embedding_lookup",
    ],
}
