"""Scattering: scatter_nd, tensor_scatter_nd_update, tensor_scatter_nd_add/sub/max/min (built on
:mod:`indexing`'s ``scatter_add``/``gather`` pair).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import arithmetic, shape_ops
from ._array_common import _check_nd_range, _index_tensor, _prod, _ravel, _raw, _run
from ._common import check_kinds, dtype_mismatch, dtype_of, like, shape_arg, to_tensor
from .indexing import GATHER, SCATTER_ADD

_np_max, _np_min = np.maximum, np.minimum

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
    flat = shape_ops.reshape(u, (lin.size,) + rest)
    out = applyn(SCATTER_ADD, (flat, make(lin.reshape(-1), NUMPY)), {"t": len(rest), "dim": _prod(shp[:k])})
    return shape_ops.reshape(out, shp)


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
    xf = shape_ops.reshape(x, (_prod(shp[:k]),) + rest)
    uf = shape_ops.reshape(u, (lin.size,) + rest)
    out = applyn(TENSOR_SCATTER_UPDATE, (xf, make(lin.reshape(-1), NUMPY), uf))
    return shape_ops.reshape(out, shp)


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
    return arithmetic.add(x, scatter_nd(idx, u, shp))


def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "",
                          name: str | None = None) -> Tensor:
    """``tensor`` minus ``updates`` subtracted at ``indices`` (duplicates add up).

    >>> import tapegrad as tf
    >>> tf.tensor_scatter_nd_sub([1.0, 2.0, 3.0, 4.0], [[1], [1]], [9.0, 10.0]).numpy().tolist()
    [1.0, -17.0, 3.0, 4.0]
    """
    op = "tensor_scatter_nd_sub"
    x, u = _tensor_and_updates(tensor, updates, op)
    idx = _index_tensor(indices, op)
    shp = tuple(x._value.shape)
    _scatter_checks(idx, u, shp, op)
    return arithmetic.subtract(x, scatter_nd(idx, u, shp))


# tensor_scatter_nd_max/min: out = x with each indexed slice replaced by the max (min) of itself and its updates.
# TF's gradient splits the upstream gradient evenly between x and the updates equal to the result (ties share it):
# gx = g * [x == out] / n, gu = gather(g / n) * [u == out[idx]], n = the number of tied contributors. The tie
# indicators are constants (piecewise-constant selection), so the rules are linear in g: second order is zero.


def _tsm_fwd(F: Any, x: Any, lin: Any, u: Any, mode: str) -> Any:
    out = x.copy()
    (_np_max if mode == "max" else _np_min).at(out, lin, u)
    return out


def _tsm_weights(x: Any, lin: Any, u: Any, out: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tie indicators of x and of the updates, and the number of contributors per element of out."""
    xv, lv, uv, ov = (np.asarray(_raw(v)) for v in (x, lin, u, out))
    xi = (xv == ov).astype(xv.dtype)
    ui = (uv == ov[lv]).astype(xv.dtype)
    n = xi.copy()
    np.add.at(n, lv, ui)
    return xi, ui, n


def _tsm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, lin, u = ins
    xi, ui, n = _tsm_weights(x, lin, u, out)
    gx = gu = None
    if needs[0]:
        gx = g * (xi / n)
    if needs[2]:
        gu = _run(F, GATHER, (g * (1 / n), lin), {"axis": -F.ndim(x), "sparse": False}) * ui
    return (gx, None, gu)


def _tsm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    tx, _, tu = ts
    if tx is None and tu is None:
        return None
    x, lin, u = ins
    xi, ui, n = _tsm_weights(x, lin, u, out)
    res = None if tx is None else tx * xi
    if tu is not None:
        rest = len(np.shape(_raw(u))) - 1
        s = _run(F, SCATTER_ADD, (tu * ui, lin), {"t": rest, "dim": np.shape(_raw(x))[0]})
        res = s if res is None else res + s
    return res * (1 / n)


TENSOR_SCATTER_MAX_MIN = defop(
    "tensor_scatter_max_min", _tsm_fwd, _tsm_vjp, _tsm_jvp, save_out=True,
    test=[
        spec(lambda tf, x, u: tf.tensor_scatter_nd_max(x, [[2], [0], [2]], u), normal((3, 2), (3, 2)),
             ref=lambda x, u: np.stack([np.maximum(x[0], u[1]), x[1], np.maximum(x[2], np.maximum(u[0], u[2]))]),
             name="max"),
        spec(lambda tf, x, u: tf.tensor_scatter_nd_min(x, [[0, 1], [1, 0]], u), normal((2, 2, 3), (2, 3)),
             ref=lambda x, u: np.stack([np.stack([x[0, 0], np.minimum(x[0, 1], u[0])]),
                                        np.stack([np.minimum(x[1, 0], u[1]), x[1, 1]])]), name="min"),
    ],
)


def _scatter_extreme(tensor: Any, indices: Any, updates: Any, mode: str) -> Tensor:
    op = f"tensor_scatter_nd_{mode}"
    x, u = _tensor_and_updates(tensor, updates, op)
    if x._value.dtype.kind not in "fiu":
        check_kinds(x, "fiu", op)
    idx = _index_tensor(indices, op)
    shp = tuple(x._value.shape)
    lin, k = _scatter_checks(idx, u, shp, op)
    rest = shp[k:]
    xf = shape_ops.reshape(x, (_prod(shp[:k]),) + rest)
    uf = shape_ops.reshape(u, (lin.size,) + rest)
    out = applyn(TENSOR_SCATTER_MAX_MIN, (xf, make(lin.reshape(-1), NUMPY), uf), {"mode": mode})
    return shape_ops.reshape(out, shp)


def tensor_scatter_nd_max(tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "",
                          name: str | None = None) -> Tensor:
    """A copy of ``tensor`` where each element/slice at ``indices`` is the maximum of itself and its updates.

    Gradients as TF: split evenly among ``tensor`` and the updates that equal the result.

    >>> import tapegrad as tf
    >>> tf.tensor_scatter_nd_max([1.0, 2.0, 3.0, 4.0], [[1], [3], [1]], [5.0, 0.0, 7.0]).numpy().tolist()
    [1.0, 7.0, 3.0, 4.0]
    """
    return _scatter_extreme(tensor, indices, updates, "max")


def tensor_scatter_nd_min(tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "",
                          name: str | None = None) -> Tensor:
    """A copy of ``tensor`` where each element/slice at ``indices`` is the minimum of itself and its updates.

    Gradients as TF: split evenly among ``tensor`` and the updates that equal the result.

    >>> import tapegrad as tf
    >>> tf.tensor_scatter_nd_min([1.0, 2.0, 3.0, 4.0], [[1], [3], [1]], [5.0, 0.0, 7.0]).numpy().tolist()
    [1.0, 2.0, 3.0, 0.0]
    """
    return _scatter_extreme(tensor, indices, updates, "min")


EXPORTS: dict[str, list[str]] = {
    "": [
        "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add", "tensor_scatter_nd_sub",
        "tensor_scatter_nd_max", "tensor_scatter_nd_min",
    ],
}
