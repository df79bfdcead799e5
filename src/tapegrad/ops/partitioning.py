"""Partitioning and stitching: dynamic_partition (rows of data split by a partition id) and dynamic_stitch (rows
of several tensors interleaved by index). Both are linear; their gradients are TF's: the partition's gradient
scatters each output's gradient back to its rows, the stitch's gathers the output gradient at each input's indices
(also for indices a later input overwrote, as TF does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike, make
from ..errors import InvalidArgumentError
from . import shape_ops
from ._array_common import _as_int, _index_tensor, _prod, _run
from ._common import dtype_mismatch, like, to_tensor
from .indexing import GATHER, SCATTER_ADD

# -- dynamic_partition --------------------------------------------------------------------------------------------
# Inputs: data reshaped to [rows, *rest] and one int64 position vector per partition (the rows it takes, in order).


def _partition_fwd(F: Any, data: Any, *pos: Any) -> Any:
    return tuple(F.take(data, q, axis=0) for q in pos)


def _partition_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    data, pos = ins[0], ins[1:]
    if not needs[0]:
        return (None,) * len(ins)
    rest = F.ndim(data) - 1
    total = None
    for gi, q in zip(g, pos):
        s = _run(F, SCATTER_ADD, (gi, q), {"t": rest, "dim": F.shape(data)[0]})
        total = s if total is None else total + s
    return (total,) + (None,) * len(pos)


def _partition_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    ax = -F.ndim(ins[0])
    return tuple(_run(F, GATHER, (ts[0], q), {"axis": ax, "sparse": False}) for q in ins[1:])


DYNAMIC_PARTITION = defop(
    "dynamic_partition", _partition_fwd, _partition_vjp, _partition_jvp, multi=True, linear=True,
    test=[
        spec(lambda tf, x: tf.dynamic_partition(x, [1, 0, 2, 1, 0], 3), normal((5,)),
             ref=lambda x: [x[[1, 4]], x[[0, 3]], x[[2]]], complex=True),
        spec(lambda tf, x: tf.dynamic_partition(x, [[0, 1], [1, 1]], 3), normal((2, 2, 3)),
             ref=lambda x: [x[0, :1].reshape(1, 3), x.reshape(4, 3)[1:], np.zeros((0, 3))], name="rows"),
    ],
)


def dynamic_partition(data: Any, partitions: Any, num_partitions: int, name: str | None = None) -> list[Tensor]:
    """Split ``data`` into ``num_partitions`` tensors: output ``i`` holds, in order, the slices ``data[j…]`` whose
    ``partitions[j…] == i``. ``partitions`` (int32) has a prefix of ``data``'s shape. Differentiable in ``data``.

    >>> import tapegrad as tf
    >>> parts = tf.dynamic_partition([10.0, 20.0, 30.0, 40.0], [1, 0, 1, 1], 2)
    >>> [p.numpy().tolist() for p in parts]
    [[20.0], [10.0, 30.0, 40.0]]
    """
    op = "dynamic_partition"
    x = to_tensor(data)
    part = _index_tensor(partitions, op, "partitions")
    n = _as_int(num_partitions, op, "num_partitions")
    if n < 1:
        raise InvalidArgumentError(f"{op}: num_partitions must be at least 1, got {n}.")
    pv = part._value
    xs = tuple(x._value.shape)
    if xs[: pv.ndim] != tuple(pv.shape):
        raise InvalidArgumentError(f"{op}: the shape of partitions {list(pv.shape)} must be a prefix of data's shape "
                                   f"{list(xs)}.")
    flat = pv.reshape(-1)
    bad = np.nonzero((flat < 0) | (flat >= n))[0]
    if bad.size:
        where = ",".join(str(int(i)) for i in np.unravel_index(bad[0], pv.shape)) if pv.ndim else ""
        raise InvalidArgumentError(f"{op}: partitions[{where}] = {int(flat[bad[0]])} is not in [0, {n}).")
    rest = xs[pv.ndim:]
    rows = shape_ops.reshape(x, (_prod(pv.shape),) + rest)
    pos = [make(np.nonzero(flat == i)[0].astype(np.int64), NUMPY) for i in range(n)]
    return list(applyn(DYNAMIC_PARTITION, (rows, *pos)))


# -- dynamic_stitch -----------------------------------------------------------------------------------------------
# Inputs: each data[m] reshaped to [n_m, *rest], then each indices[m] flattened (int64); params: count, size.


def _stitch_fwd(F: Any, *args: Any, n: int, size: int) -> Any:
    datas, idxs = args[:n], args[n:]
    out = F.zeros((size,) + tuple(datas[0].shape[1:]), dtype=datas[0].dtype)
    for d, i in zip(datas, idxs):
        out[i] = d  # later inputs (and later rows) overwrite earlier ones, as TF's kernel
    return out


def _stitch_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    n = p["n"]
    ax = -F.ndim(ins[0])
    grads = [_run(F, GATHER, (g, i), {"axis": ax, "sparse": False}) if needs[m] else None
             for m, i in enumerate(ins[n:])]
    return tuple(grads) + (None,) * n


def _stitch_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    n = p["n"]
    if all(t is None for t in ts[:n]):
        return None
    tans = tuple(F.zeros_like(d) if t is None else t for t, d in zip(ts[:n], ins[:n]))
    return _run(F, DYNAMIC_STITCH, tans + tuple(ins[n:]), p)


DYNAMIC_STITCH = defop(
    "dynamic_stitch", _stitch_fwd, _stitch_vjp, _stitch_jvp, linear=True,
    test=[
        spec(lambda tf, a, b: tf.dynamic_stitch([[0, 3], [[5], [2]]], [a, b]), normal((2, 2), (2, 1, 2)),
             ref=lambda a, b: np.stack([a[0], np.zeros(2), b[1, 0], a[1], np.zeros(2), b[0, 0]]), complex=True),
        spec(lambda tf, a, b: tf.dynamic_stitch([[2, 0], [1]], [a, b]), normal((2,), (1,)),
             ref=lambda a, b: np.array([a[1], b[0], a[0]]), name="vector"),
    ],
)


def dynamic_stitch(indices: Any, data: Any, name: str | None = None) -> Tensor:
    """Interleave ``data`` by ``indices``: ``merged[indices[m][i…]] = data[m][i…]`` (later entries win where
    indices repeat; positions no index names are zeros). ``indices[m]`` are int32 and each ``data[m]`` has shape
    ``indices[m].shape + rest``. Differentiable in ``data`` (TF's rule: gather the gradient at each input's indices).

    >>> import tapegrad as tf
    >>> tf.dynamic_stitch([[0, 2], [1]], [[1.0, 3.0], [2.0]]).numpy().tolist()
    [1.0, 2.0, 3.0]
    """
    op = "dynamic_stitch"
    if not isinstance(indices, (list, tuple)) or not isinstance(data, (list, tuple)):
        raise ValueError(f"{op}: indices and data must be lists of tensors.")
    if len(indices) != len(data):
        raise ValueError(f"{op}: indices and data must be lists of the same length, got {len(indices)} and "
                         f"{len(data)} entries.")
    if not indices:
        raise ValueError(f"{op}: needs at least one (indices, data) pair.")
    idx = [_index_tensor(i, op) for i in indices]
    for i in idx:
        if i.dtype.name != "int32":
            raise InvalidArgumentError(f"{op}: indices must be int32 tensors (as in TF), got {i.dtype.name}.")
    first = next((d for d in data if isinstance(d, _TensorLike)), None)
    ds = [to_tensor(d) for d in data] if first is None else \
        [d if isinstance(d, _TensorLike) else like(d, first, op) for d in data]
    for d in ds[1:]:
        if d.dtype != ds[0].dtype:
            raise InvalidArgumentError(dtype_mismatch(op, ds[0], d))
    rest = tuple(ds[0]._value.shape[idx[0]._value.ndim:])
    flats, rows = [], []
    for m, (i, d) in enumerate(zip(idx, ds)):
        want = tuple(i._value.shape) + rest
        if tuple(d._value.shape) != want:
            raise InvalidArgumentError(f"{op}: data[{m}] must have shape indices[{m}].shape + {list(rest)} = "
                                       f"{list(want)}, got {list(d._value.shape)}.")
        flats.append(make(i._value.reshape(-1).astype(np.int64), NUMPY))
        rows.append(shape_ops.reshape(d, (i._value.size,) + rest))
    for m, f in enumerate(flats):
        if (f._value < 0).any():
            raise InvalidArgumentError(f"{op}: indices[{m}] has a negative index {int(f._value.min())}.")
    size = max((int(f._value.max()) + 1 for f in flats if f._value.size), default=0)
    return applyn(DYNAMIC_STITCH, (*rows, *flats), {"n": len(ds), "size": size})


EXPORTS: dict[str, list[str]] = {
    "": ["dynamic_partition", "dynamic_stitch"],
}
