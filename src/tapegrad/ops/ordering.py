"""Order queries (integer or bool results, no gradients): searchsorted, in_top_k, is_non_decreasing,
is_strictly_increasing. Sorting itself (sort, argsort, top_k) is in :mod:`reductions`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1, applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from ._array_common import _as_int, _index_tensor
from ._common import check_kinds, pair, to_tensor

# -- searchsorted -----------------------------------------------------------------------------------------------------


def _searchsorted_fwd(F: Any, seq: Any, vals: Any, side: str, out_type: Any) -> Any:
    s2 = seq.reshape(-1, seq.shape[-1])
    v2 = vals.reshape(-1, vals.shape[-1])
    out = F.empty(v2.shape, dtype=out_type)
    for r in range(s2.shape[0]):
        out[r] = F.searchsorted(s2[r], v2[r], side=side)
    return out.reshape(vals.shape)


SEARCHSORTED = defop(
    "searchsorted", _searchsorted_fwd, None,
    test=[
        spec(lambda tf, s, v: tf.searchsorted(s, v), lambda rng: (
            np.sort(rng.integers(0, 6, size=(2, 3, 5)), axis=-1).astype(np.float64),
            rng.integers(-1, 7, size=(2, 3, 4)).astype(np.float64)),
            ref=lambda s, v: np.stack([np.searchsorted(a, b) for a, b in zip(s.reshape(6, 5), v.reshape(6, 4))])
            .reshape(2, 3, 4).astype(np.int32)),
        spec(lambda tf, s, v: tf.searchsorted(s, v, side="right", out_type=tf.int64), lambda rng: (
            np.array([1, 2, 2, 2, 5], np.int32), rng.integers(0, 7, size=(8,)).astype(np.int32)),
            ref=lambda s, v: np.searchsorted(s, v, side="right"), name="right"),
    ],
)


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = _dtypes.int32,
                 name: str | None = None) -> Tensor:
    """Where each of ``values`` would go in ``sorted_sequence`` (sorted along its last axis) to keep it sorted.

    Leading axes are batch axes: ``sorted_sequence`` is ``[..., N]`` and ``values`` ``[..., M]`` with as many rows
    (``prod(shape[:-1])``) each. ``side="left"`` gives the first such position, ``"right"`` the last.

    >>> import tapegrad as tf
    >>> tf.searchsorted([0.0, 3.0, 9.0, 10.0], [2.0, 3.0, 11.0]).numpy().tolist()
    [1, 1, 4]
    >>> tf.searchsorted([0.0, 3.0, 9.0, 10.0], [2.0, 3.0, 11.0], side="right").numpy().tolist()
    [1, 2, 4]
    """
    op = "searchsorted"
    if side not in ("left", "right"):
        raise ValueError(f"{op}: side must be either 'right' or 'left', got {side!r}.")
    s, v = pair(sorted_sequence, values, op)
    ot = _dtypes.as_dtype(out_type)
    if ot.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: out_type must be int32 or int64, got {ot.name}.")
    ss, vs = s._value.shape, v._value.shape
    if not ss or not vs:
        raise InvalidArgumentError(f"{op}: sorted_sequence and values must have rank >= 1, got shapes {list(ss)} "
                                   f"and {list(vs)}.")
    rows_s = int(np.prod(ss[:-1], dtype=np.int64))
    rows_v = int(np.prod(vs[:-1], dtype=np.int64))
    if rows_s != rows_v:
        raise InvalidArgumentError(
            f"{op}: sorted_sequence {list(ss)} and values {list(vs)} must have the same number of rows (product of "
            f"all axes but the last): {rows_s} vs {rows_v}. Broadcast them explicitly, e.g. with tf.broadcast_to."
        )
    if v._value.dtype.kind not in "fiu":
        check_kinds(v, "fiu", op)
    return applyn(SEARCHSORTED, (s, v), {"side": side, "out_type": ot._np})


# -- in_top_k ---------------------------------------------------------------------------------------------------------


def _in_top_k_fwd(F: Any, pred: Any, targets: Any, k: int) -> Any:
    n, c = pred.shape
    valid = (targets >= 0) & (targets < c)
    t = F.where(valid, targets, 0)
    tp = pred[F.arange(n), t]
    finite = F.isfinite(pred).all(axis=1)  # TF: any non-finite prediction in the row makes the answer False
    more = (pred > tp[:, None]).sum(axis=1)  # ties with the target count as inside the top k
    return valid & finite & (more < k)


IN_TOP_K = defop(
    "in_top_k", _in_top_k_fwd, None,
    test=spec(lambda tf, p, t: tf.math.in_top_k(t, p, 2), lambda rng: (
        np.round(rng.normal(size=(6, 4)), 0).astype(np.float32), rng.integers(0, 4, size=(6,)).astype(np.int32)),
        ref=lambda p, t: np.array([(p[i] > p[i, t[i]]).sum() < 2 for i in range(6)])),
)


def in_top_k(targets: Any, predictions: Any, k: Any, name: str | None = None) -> Tensor:
    """Whether each target class is among the ``k`` largest ``predictions`` of its row (ties with the target count
    as inside; a row with a non-finite prediction or an out-of-range target gives False). ``predictions`` is a
    float32 ``[batch, classes]`` matrix, ``targets`` an int32/int64 vector. Not differentiable.

    >>> import tapegrad as tf
    >>> p = tf.constant([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
    >>> tf.math.in_top_k([2, 0], p, 1).numpy().tolist()
    [False, False]
    >>> tf.math.in_top_k([2, 0], p, 2).numpy().tolist()
    [True, True]
    """
    op = "in_top_k"
    p = to_tensor(predictions)
    t = _index_tensor(targets, op, "targets")
    if p.dtype.name != "float32":
        raise InvalidArgumentError(f"{op}: predictions must be float32 (as in TF), got {p.dtype.name}; cast them, "
                                   "e.g. tf.cast(predictions, tf.float32).")
    if p._value.ndim != 2:
        raise InvalidArgumentError(f"{op}: predictions must be a [batch, classes] matrix, got shape "
                                   f"{list(p._value.shape)}.")
    if t._value.ndim != 1 or t._value.shape[0] != p._value.shape[0]:
        raise InvalidArgumentError(f"{op}: targets must be a vector with one entry per row of predictions "
                                   f"{list(p._value.shape)}, got shape {list(t._value.shape)}.")
    kk = _as_int(k, op, "k")
    return applyn(IN_TOP_K, (p, t), {"k": kk})


# -- monotonicity checks ----------------------------------------------------------------------------------------------


def _monotonic_fwd(F: Any, x: Any, strict: bool) -> Any:
    flat = x.reshape(-1)
    a, b = flat[1:], flat[:-1]
    if flat.dtype.kind == "f":
        d = a - b  # TF compares the differences with 0 (inf - inf is NaN: not increasing)
        return F.asarray(F.all(d > 0) if strict else F.all(d >= 0))
    return F.asarray(F.all(a > b) if strict else F.all(a >= b))


MONOTONIC = defop(
    "is_monotonic", _monotonic_fwd, None,
    test=[
        spec(lambda tf, x: tf.math.is_non_decreasing(x), lambda rng: (np.sort(rng.integers(0, 3, size=(7,))),),
             ref=lambda x: np.array(True)),
        spec(lambda tf, x: tf.math.is_strictly_increasing(x), lambda rng: (np.array([[1.0, 2.0], [2.0, 5.0]]),),
             ref=lambda x: np.array(False), name="strict"),
        spec(lambda tf, x: tf.math.is_strictly_increasing(x), lambda rng: (np.cumsum(rng.uniform(0.1, 1, 6)),),
             ref=lambda x: np.array(True), name="strict_true"),
    ],
)


def _monotonic(x: Any, strict: bool, op: str) -> Tensor:
    t = to_tensor(x)
    kind = t._value.dtype.kind
    if kind in "bOSU":
        raise TypeError(f"{op}: expected a numeric tensor, got dtype {t.dtype.name}.")
    if kind not in "fiu":
        check_kinds(t, "fiu", op)
    return apply1(MONOTONIC, t, {"strict": strict})


def is_non_decreasing(x: Any, name: str | None = None) -> Tensor:
    """True if ``x`` (flattened in row-major order) never decreases; True for fewer than two elements.

    >>> import tapegrad as tf
    >>> tf.math.is_non_decreasing([1, 1, 2]).numpy()
    np.True_
    """
    return _monotonic(x, False, "is_non_decreasing")


def is_strictly_increasing(x: Any, name: str | None = None) -> Tensor:
    """True if ``x`` (flattened in row-major order) strictly increases; True for fewer than two elements.

    >>> import tapegrad as tf
    >>> tf.math.is_strictly_increasing([1, 1, 2]).numpy()
    np.False_
    """
    return _monotonic(x, True, "is_strictly_increasing")


EXPORTS: dict[str, list[str]] = {
    "": ["searchsorted"],
    "math": ["in_top_k", "is_non_decreasing", "is_strictly_increasing"],
    "nn": ["in_top_k"],
}
