"""Reductions: reduce_sum / mean / max / min. Axes are stored negative, so rules work under batch axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1
from .._registry import defop
from .._registry import normal as _normal
from .._registry import spec as _spec
from .._tensor import Tensor
from ._common import check_kinds, dtype_of, norm_axis, to_tensor


def unreduce(F: Any, g: Any, xshape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast a reduction's upstream ``g`` back over the reduced (negative) ``axes`` of ``xshape``."""
    if not keepdims and axes:
        g = F.expand_dims(g, axes)
    nb = F.ndim(g) - len(xshape)
    return F.broadcast_to(g, F.shape(g)[:nb] + tuple(xshape))


def _count(xshape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= xshape[a]
    return n


def _sum_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return F.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _sum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (unreduce(F, g, F.shape(ins[0]), p["axis"], p["keepdims"]),)


def _sum_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.sum(ts[0], axis=p["axis"], keepdims=p["keepdims"])


def _mean_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if x.dtype.kind in "iub":
        # TF's integer mean: the sum divided with truncation toward zero, in the input's dtype
        n = _count(x.shape, axis)
        s = F.sum(x, axis=axis, keepdims=keepdims, dtype=F.int64)
        return F.astype(F.trunc(s / max(n, 1)), x.dtype)
    if x.size == 0:
        return F.sum(x, axis=axis, keepdims=keepdims) * float("nan")  # the mean of nothing is nan (TF)
    return F.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xshape = F.shape(ins[0])
    return (unreduce(F, g, xshape, p["axis"], p["keepdims"]) / _count(xshape, p["axis"]),)


def _mean_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.mean(ts[0], axis=p["axis"], keepdims=p["keepdims"])


def _extreme_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # Ties share the gradient equally (TF's reduce_max/min convention, reference §6).
    x = ins[0]
    xshape, axes, keepdims = F.shape(x), p["axis"], p["keepdims"]
    y = out if keepdims or not axes else F.expand_dims(out, axes)
    mask = F.astype(F.equal(x, y), dtype_of(x))
    count = F.sum(mask, axis=axes, keepdims=True)
    return (unreduce(F, g, xshape, axes, keepdims) * (mask / count),)


def _extreme_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    axes, keepdims = p["axis"], p["keepdims"]
    y = out if keepdims or not axes else F.expand_dims(out, axes)
    mask = F.astype(F.equal(x, y), dtype_of(x))
    return F.sum(ts[0] * mask, axis=axes, keepdims=keepdims) / F.sum(mask, axis=axes, keepdims=keepdims)


REDUCE_SUM = defop("reduce_sum", _sum_fwd, _sum_vjp, _sum_jvp, linear=True, test=[
    _spec(lambda tf, x: tf.reduce_sum(x, axis=1), _normal((3, 4, 2)), ref=lambda x: x.sum(1), complex=True),
    _spec(lambda tf, x: tf.reduce_sum(x, [0, 2], keepdims=True), _normal((3, 4, 2)),
          ref=lambda x: x.sum((0, 2), keepdims=True), name="keepdims"),
    _spec(lambda tf, x: tf.reduce_sum(x), _normal((3, 4)), ref=np.sum, name="all"),
])
REDUCE_MEAN = defop("reduce_mean", _mean_fwd, _mean_vjp, _mean_jvp, linear=True,
                    test=_spec(lambda tf, x: tf.reduce_mean(x, axis=-1), _normal((3, 4)), ref=lambda x: x.mean(-1),
                               complex=True))
def _empty_initial(x: Any, largest: bool) -> Any:
    # TF reduces an empty slice to the identity of the reduction: -inf / +inf (or the integer limits)
    if x.dtype.kind == "f":
        return -float("inf") if largest else float("inf")
    info = np.iinfo(x.dtype)
    return info.min if largest else info.max


def _max_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if x.size == 0:
        return F.max(x, axis=axis, keepdims=keepdims, initial=_empty_initial(x, True))
    return F.max(x, axis=axis, keepdims=keepdims)


def _min_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if x.size == 0:
        return F.min(x, axis=axis, keepdims=keepdims, initial=_empty_initial(x, False))
    return F.min(x, axis=axis, keepdims=keepdims)


REDUCE_MAX = defop("reduce_max", _max_fwd,
                   _extreme_vjp, _extreme_jvp, save_out=True,
                   test=_spec(lambda tf, x: tf.reduce_max(x, axis=0), _normal((3, 4)), ref=lambda x: x.max(0)))
REDUCE_MIN = defop("reduce_min", _min_fwd,
                   _extreme_vjp, _extreme_jvp, save_out=True,
                   test=_spec(lambda tf, x: tf.reduce_min(x, axis=1, keepdims=True), _normal((3, 4)),
                              ref=lambda x: x.min(1, keepdims=True)))


def _reduce(op: Any, input_tensor: Any, axis: Any, keepdims: bool, kinds: str = "fciub") -> Tensor:
    x = to_tensor(input_tensor)
    if x._value.dtype.kind not in kinds:
        check_kinds(x, kinds, op.name)
    axes = norm_axis(axis, x._value.ndim, op.name)
    return apply1(op, x, {"axis": axes, "keepdims": bool(keepdims)})


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Sum over ``axis`` (all axes by default).

    >>> import tapegrad as tf
    >>> tf.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=0).numpy().tolist()
    [4, 6]
    """
    return _reduce(REDUCE_SUM, input_tensor, axis, keepdims)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Mean over ``axis``; integer tensors give the truncated integer mean, as in TF.

    >>> import tapegrad as tf
    >>> float(tf.reduce_mean(tf.constant([1.0, 2.0])))
    1.5
    """
    return _reduce(REDUCE_MEAN, input_tensor, axis, keepdims)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Maximum over ``axis``. Tied maxima share the gradient equally.

    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 3.0, 3.0])
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = tf.reduce_max(x)
    >>> t.gradient(y, x).numpy().tolist()
    [0.0, 0.5, 0.5]
    """
    return _reduce(REDUCE_MAX, input_tensor, axis, keepdims, "fiu")


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Minimum over ``axis``. Tied minima share the gradient equally.

    >>> import tapegrad as tf
    >>> float(tf.reduce_min(tf.constant([2.0, -1.0])))
    -1.0
    """
    return _reduce(REDUCE_MIN, input_tensor, axis, keepdims, "fiu")


EXPORTS: dict[str, list[str]] = {
    "": [
        "reduce_sum", "reduce_mean", "reduce_max", "reduce_min"
    ],
    "math": [
        "reduce_sum", "reduce_mean", "reduce_max", "reduce_min"
    ],
}
