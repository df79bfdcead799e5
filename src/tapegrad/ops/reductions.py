"""Reductions, scans, sorting, norms, clipping and segment sums.

Axes are stored negative, so every rule works under leading batch axes (vectorised Jacobians). Rules that need
one of this module's own ops (a scan, a gather, a scatter) call it through :func:`_run`: the raw forward with a
raw backend, the recorded op under the differentiable namespace, so higher orders come for free.
"""

from __future__ import annotations

import operator
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1, applyn
from .._registry import NO_GRADIENT, defop
from .._registry import normal as _normal
from .._registry import spec as _spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InvalidArgumentError
from . import _half_reduce
from ._common import RaggedInput, check_kinds, cj, dtype_of, intra_op_threads, to_tensor

_nd = np.ndarray  # (module-level names: `np.x` is an unspecialised attribute load in Python 3.11)
_np_generic = np.generic


def unreduce(F: Any, g: Any, xshape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    """Broadcast a reduction's upstream ``g`` back over the reduced (negative) ``axes`` of ``xshape``.

    The result is a read-only broadcast view (no pass over memory): rules consume it like any upstream."""
    if not F.is_diff and not g.shape:  # a raw scalar upstream (a full reduction): a zero-stride view of it
        return scalar_view(g, tuple(xshape))
    if not keepdims and axes:
        g = F.expand_dims(g, axes)
    nb = F.ndim(g) - len(xshape)
    return F.broadcast_to(g, F.shape(g)[:nb] + tuple(xshape))


def scalar_view(g: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only view of the scalar ``g`` with ``shape`` (all strides 0): np.broadcast_to without its Python-level
    argument handling (several µs per call on a loss's upstream)."""
    if isinstance(g, _np_generic):  # a NumPy scalar is a read-only buffer: the view is read-only already
        return _nd(shape, g.dtype, g, 0, (0,) * len(shape))
    a = np.asarray(g)
    v = np.ndarray(shape, a.dtype, a, 0, (0,) * len(shape))
    v.flags.writeable = False
    return v


def _count(xshape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= xshape[a]
    return n


_ALL_AXES = [tuple(range(-n, 0)) for n in range(8)]


def _axes(axis: Any, x: Any, op: str) -> tuple[int, ...]:
    """Reduction axes as a sorted tuple of negative ints; TF's errors for out-of-range and repeated axes."""
    nd = x._value.ndim
    if axis is None:
        return _ALL_AXES[nd] if nd < 8 else tuple(range(-nd, 0))
    if type(axis) is int and -nd <= axis < nd:
        return (axis - nd if axis >= 0 else axis,)
    shape = tuple(x._value.shape)
    if isinstance(axis, _TensorLike):
        axis = axis.numpy().tolist()
    elif isinstance(axis, np.ndarray):
        axis = axis.tolist()
    if not isinstance(axis, (list, tuple)):
        axis = [axis]
    out: list[int] = []
    for a in axis:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"{op}: axis must be an integer or a list of integers, got {a!r}.") from None
        if not -nd <= a < nd:
            raise InvalidArgumentError(
                f"{op}: axis {a} is out of range for a tensor of shape {shape}; valid axes are [{-nd}, {nd})."
            )
        a = a - nd if a >= 0 else a
        if a in out:
            raise InvalidArgumentError(f"{op}: axis {axis} names dimension {a + nd} twice (tensor shape {shape}).")
        out.append(a)
    return tuple(sorted(out))


def _one_axis(axis: Any, x: Any, op: str, err: type[Exception] = InvalidArgumentError) -> int:
    """A single (scalar) axis as a negative int."""
    shape = tuple(x._value.shape)
    nd = len(shape)
    if isinstance(axis, _TensorLike):
        if axis._value.ndim != 0:
            raise err(f"{op}: axis must be a scalar, got a tensor of shape {tuple(axis._value.shape)}.")
        axis = static_value(axis).item()
    try:
        a = operator.index(axis)
    except TypeError:
        raise err(f"{op}: axis must be a scalar integer, got {axis!r}.") from None
    if not -nd <= a < nd:
        raise InvalidArgumentError(
            f"{op}: axis {a} is out of range for a tensor of shape {shape}; valid axes are [{-nd}, {nd})."
        )
    return a - nd if a >= 0 else a


def _keep(F: Any, y: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """A reduction's output with the reduced axes kept (as size 1), so that it broadcasts against the input."""
    return y if keepdims or not axes else F.expand_dims(y, axes)


def _run(F: Any, op: Any, args: tuple[Any, ...], p: dict[str, Any]) -> Any:
    """Run one of this module's single-output ops from inside a rule.

    With a raw backend this is the raw forward; under the differentiable namespace (an outer tape records the
    backward pass) it is the recorded op, so a rule built from these calls is itself differentiable.
    """
    if F.is_diff:
        return applyn(op, tuple([to_tensor(a) for a in args]), p)
    return op.fwd(F, *args, **p)


def _raw(x: Any) -> Any:
    """The raw array behind a rule argument (masks are constants, computed on raw values). Under a compiled
    function's trace the value is guarded (it is frozen into the program). Index arguments handed on to another
    op are passed as they are instead: under the differentiable namespace a recorded tensor, computed by a
    compiled program on every call."""
    return static_value(x) if type(x) is Tensor else x


def _along(axis: int, key: Any) -> tuple[Any, ...]:
    """A basic index applying ``key`` at (negative) ``axis`` and leaving every other axis whole."""
    return (Ellipsis, key) + (slice(None),) * (-axis - 1)


def _flip(x: Any, axis: int) -> Any:
    return x[_along(axis, slice(None, None, -1))]


def _shift(F: Any, x: Any, axis: int, fill: int, forward: bool = True) -> Any:
    """``x`` moved one step along ``axis`` (forward: towards higher indices), the vacated slot set to ``fill``."""
    edge = x[_along(axis, slice(0, 1))]
    edge = F.ones_like(edge) if fill else F.zeros_like(edge)
    if forward:
        return F.concatenate([edge, x[_along(axis, slice(None, -1))]], axis=axis)
    return F.concatenate([x[_along(axis, slice(1, None))], edge], axis=axis)


def _axes_of(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted({a % ndim for a in (axis if isinstance(axis, tuple) else (axis,))}))


def _sum_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    # the ufunc's reduce (what ndarray.sum calls) skips np.sum's Python-level dispatch (a few µs on small tensors);
    # dtype= keeps int32 int32
    if type(x) is np.ndarray:
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":
            if x.dtype.kind == "V":  # bfloat16: accumulate in float32 and round once, as TF's CPU kernel does
                return np.add.reduce(x, axis, np.float32, None, keepdims).astype(x.dtype)
            # float16: added in float16 in the order of TF's (Eigen's) kernel, so the roundings are TF's
            return _half_reduce.reduce_sum(x, _axes_of(axis, x.ndim), keepdims, intra_op_threads())
        return np.add.reduce(x, axis, x.dtype, None, keepdims)
    return x.sum(axis=axis, keepdims=keepdims, dtype=x.dtype)


def _sum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (unreduce(F, g, F.shape(ins[0]), p["axis"], p["keepdims"]),)


def _sum_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.sum(ts[0], axis=p["axis"], keepdims=p["keepdims"])


def _inner_axes_sum(x: np.ndarray, axis: Any, keepdims: bool) -> Any:
    """The sum over a run of middle axes of a C-contiguous float array whose last axes are short (a global pooling's
    ``(N, H, W, C)`` → ``(N, C)``) as one stacked GEMV ``ones @ x.reshape(A, R, B)``: NumPy's reduction over outer
    axes of a short last axis runs many times slower. None where it does not apply."""
    if axis is None or x.dtype.kind != "f" or x.dtype.itemsize < 4 or not x.flags.c_contiguous or x.size < 4096:
        return None
    axes = _axes_of(axis, x.ndim)
    if axes[-1] - axes[0] != len(axes) - 1 or axes[-1] == x.ndim - 1:
        return None
    a = b = r = 1
    for i, d in enumerate(x.shape):
        if i < axes[0]:
            a *= d
        elif i <= axes[-1]:
            r *= d
        else:
            b *= d
    if b > 128 or r < 8:
        return None
    s = np.matmul(np.ones((r,), x.dtype), x.reshape(a, r, b))
    shape = tuple(1 if axes[0] <= i <= axes[-1] else d for i, d in enumerate(x.shape)) if keepdims else \
        tuple(d for i, d in enumerate(x.shape) if not axes[0] <= i <= axes[-1])
    return s.reshape(shape)


def _mean_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if x.dtype.kind in "iub":
        # TF's integer mean: the sum divided with truncation toward zero, in the input's dtype
        n = _count(x.shape, axis)
        s = F.sum(x, axis=axis, keepdims=keepdims, dtype=F.int64)
        return F.astype(F.trunc(s / max(n, 1)), x.dtype)
    if x.size == 0:
        return F.sum(x, axis=axis, keepdims=keepdims) * float("nan")  # the mean of nothing is nan (TF)
    if x.dtype.itemsize > 2 and type(x) is np.ndarray:
        inner = _inner_axes_sum(x, axis, keepdims)
        if inner is not None:
            return inner / _count(x.shape, axis)
        # np.mean's own steps (the same pairwise sum, then a true division) without its Python wrapper;
        # float16 keeps np.mean, which sums in float32
        return np.add.reduce(x, axis, None, None, keepdims) / _count(x.shape, axis)
    if x.dtype.kind == "V":  # bfloat16: in float32, rounded once
        return F.astype(F.mean(F.astype(x, F.float32), axis=axis, keepdims=keepdims), x.dtype)
    if type(x) is np.ndarray and x.dtype == np.float16:  # TF's float16 sum (see _sum_fwd) / float16(count)
        return _half_reduce.reduce_mean(x, _axes_of(axis, x.ndim), keepdims, intra_op_threads())
    return F.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    if not F.is_diff and not g.shape and x.ndim == len(p["axis"]):
        # a loss's mean over everything (raw scalar upstream): the steps below, without their calls
        return (scalar_view(g / x.size, x.shape),)
    xshape = F.shape(x)
    # divide before broadcasting: the same quotients, computed once per upstream element
    return (unreduce(F, g / _count(xshape, p["axis"]), xshape, p["axis"], p["keepdims"]),)


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


REDUCE_SUM = defop("reduce_sum", _sum_fwd, _sum_vjp, _sum_jvp, linear=True, save_in=False, test=[
    _spec(lambda tf, x: tf.reduce_sum(x, axis=1), _normal((3, 4, 2)), ref=lambda x: x.sum(1), complex=True),
    _spec(lambda tf, x: tf.reduce_sum(x, [0, 2], keepdims=True), _normal((3, 4, 2)),
          ref=lambda x: x.sum((0, 2), keepdims=True), name="keepdims"),
    _spec(lambda tf, x: tf.reduce_sum(x), _normal((3, 4)), ref=np.sum, name="all"),
])
REDUCE_MEAN = defop("reduce_mean", _mean_fwd, _mean_vjp, _mean_jvp, linear=True, save_in=False,
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


_add_reduce = np.add.reduce
_FULL_P = [{"axis": a, "keepdims": False} for a in _ALL_AXES]  # shared parameters of full reductions (read-only)


def _reduce(op: Any, input_tensor: Any, axis: Any, keepdims: bool, kinds: str = "fciubV") -> Tensor:
    if axis is None and keepdims is False and type(input_tensor) is Tensor:
        # the usual loss reduction (a tensor, every axis): straight to the op with shared parameters
        v = input_tensor._value
        if v.ndim < 8 and v.dtype.kind in kinds:
            if op is REDUCE_MEAN and type(v) is _nd and v.dtype.kind in "fc" and v.dtype.itemsize > 2 and v.size:
                # _mean_fwd's steps for it, computed here (no keyword unpacking through op.fwd)
                axes = _ALL_AXES[v.ndim]
                return apply1(op, input_tensor, _FULL_P[v.ndim], _add_reduce(v, axes, None, None, False) / v.size)
            return apply1(op, input_tensor, _FULL_P[v.ndim])
    try:
        x = to_tensor(input_tensor)
    except RaggedInput:
        from .ragged_ops import reduce

        return reduce(op.name, input_tensor, axis, keepdims)
    if x._value.dtype.kind not in kinds:
        check_kinds(x, kinds, op.name)
    axes = _axes(axis, x, op.name)
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


# -- products, log-sum-exp, logical reductions ----------------------------------------------------------------------


def _prod_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return F.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _others_prod(F: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """For each element, the product of the other elements of its reduced slice.

    Built from exclusive products from both ends (no division), so it is exact with zeros: one zero gives the
    product of the others at the zero and 0 elsewhere; two zeros give 0 everywhere (reference §6).
    """
    shape = tuple(F.shape(x))
    nd = len(shape)
    red = [a + nd for a in axes]
    kept = [i for i in range(nd) if i not in red]
    perm = kept + red
    moved = perm != list(range(nd))
    xt = F.transpose(x, perm) if moved else x
    kshape = tuple(shape[i] for i in kept)
    rshape = tuple(shape[i] for i in red)
    flat = F.reshape(xt, kshape + (_count(rshape, tuple(range(-len(rshape), 0))),))
    left = _run(F, CUMPROD, (flat,), {"axis": -1, "exclusive": True, "reverse": False})
    right = _run(F, CUMPROD, (flat,), {"axis": -1, "exclusive": True, "reverse": True})
    others = F.reshape(left * right, kshape + rshape)
    if not moved:
        return others
    inverse = [0] * nd
    for i, q in enumerate(perm):
        inverse[q] = i
    return F.transpose(others, inverse)


def _prod_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    return (unreduce(F, g, F.shape(x), p["axis"], p["keepdims"]) * cj(F, _others_prod(F, x, p["axis"])),)


def _prod_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.sum(ts[0] * _others_prod(F, ins[0], p["axis"]), axis=p["axis"], keepdims=p["keepdims"])


def _lse_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if _count(x.shape, axis) == 0:
        return F.log(F.sum(F.exp(x), axis=axis, keepdims=keepdims, dtype=x.dtype))  # -inf, as in TF
    # TF: shift by the (finite) maximum, treated as a constant; an infinite maximum is replaced by 0
    m = F.max(x, axis=axis, keepdims=True)
    m = F.where(F.isfinite(m), m, F.zeros_like(m))
    y = F.log(F.sum(F.exp(x - m), axis=axis, keepdims=True, dtype=x.dtype)) + m
    return y if keepdims else F.reshape(y, tuple(d for i, d in enumerate(x.shape) if i - x.ndim not in axis))


def _softmax_of(F: Any, x: Any, out: Any, p: Any) -> Any:
    return F.exp(x - _keep(F, out, p["axis"], p["keepdims"]))


def _lse_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    return (unreduce(F, g, F.shape(x), p["axis"], p["keepdims"]) * _softmax_of(F, x, out, p),)


def _lse_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.sum(ts[0] * _softmax_of(F, ins[0], out, p), axis=p["axis"], keepdims=p["keepdims"])


def _np_lse(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


REDUCE_PROD = defop("reduce_prod", _prod_fwd, _prod_vjp, _prod_jvp, test=[
    _spec(lambda tf, x: tf.reduce_prod(x, axis=1), _normal((3, 4, 2)), ref=lambda x: x.prod(1), complex=True),
    _spec(lambda tf, x: tf.math.reduce_prod(x, [0, 2], keepdims=True), _normal((3, 2, 2)),
          ref=lambda x: x.prod((0, 2), keepdims=True), complex=True, name="keepdims"),
    _spec(lambda tf, x: tf.reduce_prod(x), _normal((2, 3)), ref=np.prod, name="all"),
])
REDUCE_LOGSUMEXP = defop("reduce_logsumexp", _lse_fwd, _lse_vjp, _lse_jvp, save_out=True, test=[
    _spec(lambda tf, x: tf.reduce_logsumexp(x, axis=1), _normal((3, 4)), ref=lambda x: _np_lse(x, 1)),
    _spec(lambda tf, x: tf.math.reduce_logsumexp(x, [0, 2], keepdims=True), _normal((2, 3, 2)),
          ref=lambda x: _np_lse(x, (0, 2), True), name="keepdims"),
    _spec(lambda tf, x: tf.reduce_logsumexp(x * 300.0), _normal((5,)), ref=lambda x: _np_lse(x * 300.0),
          name="large"),
])
REDUCE_ALL = defop("reduce_all", lambda F, x, axis, keepdims: F.all(x, axis=axis, keepdims=keepdims), None,
                   test=_spec(lambda tf, x: tf.reduce_all(x > 0.0, axis=1), _normal((3, 4)),
                              ref=lambda x: np.all(x > 0, axis=1)))
REDUCE_ANY = defop("reduce_any", lambda F, x, axis, keepdims: F.any(x, axis=axis, keepdims=keepdims), None,
                   test=_spec(lambda tf, x: tf.math.reduce_any(x > 1.0, axis=0, keepdims=True), _normal((3, 4)),
                              ref=lambda x: np.any(x > 1, axis=0, keepdims=True)))


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Product over ``axis`` (all axes by default; 1 for an empty slice).

    The gradient is the product of the other elements, computed without division: exact with zeros (one zero
    in a slice: only the zero gets a gradient; two zeros: all 0), as in TF. Complex inputs are supported.

    >>> import tapegrad as tf
    >>> x = tf.constant([0.0, 2.0, 3.0])
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = tf.reduce_prod(x)
    >>> t.gradient(y, x).numpy().tolist()
    [6.0, 0.0, 0.0]
    """
    return _reduce(REDUCE_PROD, input_tensor, axis, keepdims, "fciuV")


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                     name: str | None = None) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed stably (shifted by the maximum). Gradient: the softmax.

    An empty slice gives ``-inf``; an all ``-inf`` slice gives ``-inf`` and a NaN gradient, as in TF.

    >>> import tapegrad as tf
    >>> round(float(tf.reduce_logsumexp(tf.constant([1000.0, 1000.0]))), 2)
    1000.69
    """
    return _reduce(REDUCE_LOGSUMEXP, input_tensor, axis, keepdims, "f")


def _logical(op: Any, input_tensor: Any, axis: Any, keepdims: bool) -> Tensor:
    x = to_tensor(input_tensor)
    if x._value.dtype.kind != "b":
        raise InvalidArgumentError(
            f"{op.name}: expected a bool tensor, got dtype {x.dtype.name} (shape {tuple(x._value.shape)}). "
            "Compare first (e.g. x > 0) or cast with tapegrad.cast(x, tapegrad.bool)."
        )
    return apply1(op, x, {"axis": _axes(axis, x, op.name), "keepdims": bool(keepdims)})


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Logical AND over ``axis`` of a bool tensor (True for an empty slice). Not differentiable.

    >>> import tapegrad as tf
    >>> tf.reduce_all(tf.constant([[True, False], [True, True]]), axis=1).numpy().tolist()
    [False, True]
    """
    return _logical(REDUCE_ALL, input_tensor, axis, keepdims)


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Logical OR over ``axis`` of a bool tensor (False for an empty slice). Not differentiable.

    >>> import tapegrad as tf
    >>> tf.reduce_any(tf.constant([[True, False], [False, False]]), axis=1).numpy().tolist()
    [True, False]
    """
    return _logical(REDUCE_ANY, input_tensor, axis, keepdims)


# -- argmax / argmin --------------------------------------------------------------------------------------------


def _arg_fwd(F: Any, x: Any, axis: int, output_type: Any, largest: bool) -> Any:
    if x.dtype.kind == "f":
        nan = F.isnan(x)
        if F.any(nan):
            # TF ignores NaN (an all-NaN slice gives index 0): NaN never beats a number
            x = F.where(nan, -float("inf") if largest else float("inf"), x)
    r = F.argmax(x, axis=axis) if largest else F.argmin(x, axis=axis)
    return F.astype(r, output_type)


def _argmax_fwd(F: Any, x: Any, axis: int, output_type: Any) -> Any:
    return _arg_fwd(F, x, axis, output_type, True)


def _argmin_fwd(F: Any, x: Any, axis: int, output_type: Any) -> Any:
    return _arg_fwd(F, x, axis, output_type, False)


ARGMAX = defop("argmax", _argmax_fwd, None,
               test=_spec(lambda tf, x: tf.argmax(x, axis=1), _normal((3, 4)), ref=lambda x: np.argmax(x, 1)))
ARGMIN = defop("argmin", _argmin_fwd, None,
               test=_spec(lambda tf, x: tf.math.argmin(x, axis=-1, output_type=tf.int32), _normal((3, 4)),
                          ref=lambda x: np.argmin(x, -1).astype(np.int32)))

_INDEX_TYPES = ("int16", "uint16", "int32", "int64")


def _arg(op: Any, input: Any, axis: Any, output_type: Any) -> Tensor:  # noqa: A002
    x = to_tensor(input)
    if x._value.dtype.kind not in "fiub":
        check_kinds(x, "fiu", op.name)
    ot = _dtypes.as_dtype(output_type)
    if ot.name not in _INDEX_TYPES:
        raise InvalidArgumentError(f"{op.name}: output_type must be one of {', '.join(_INDEX_TYPES)}, got {ot.name}.")
    a = _one_axis(0 if axis is None else axis, x, op.name, TypeError)
    if x._value.shape[a] == 0:
        raise InvalidArgumentError(
            f"{op.name}: reduction axis {a} is empty in a tensor of shape {tuple(x._value.shape)}."
        )
    return apply1(op, x, {"axis": a, "output_type": ot._np})


def argmax(input: Any, axis: Any = None, output_type: Any = _dtypes.int64, name: str | None = None) -> Tensor:  # noqa: A002
    """Index of the largest value along ``axis`` (default 0, as in TF); ties go to the first. Not differentiable.

    NaNs are ignored (an all-NaN slice gives 0), as in TF.

    >>> import tapegrad as tf
    >>> tf.argmax(tf.constant([[1, 5], [3, 2]])).numpy().tolist()
    [1, 0]
    """
    return _arg(ARGMAX, input, axis, output_type)


def argmin(input: Any, axis: Any = None, output_type: Any = _dtypes.int64, name: str | None = None) -> Tensor:  # noqa: A002
    """Index of the smallest value along ``axis`` (default 0, as in TF); ties go to the first. Not differentiable.

    >>> import tapegrad as tf
    >>> tf.argmin(tf.constant([2.0, -1.0, -1.0])).numpy()
    np.int64(1)
    """
    return _arg(ARGMIN, input, axis, output_type)


# -- cumulative sums and products ---------------------------------------------------------------------------------


def _scan(F: Any, x: Any, axis: int, exclusive: bool, reverse: bool, prod: bool) -> Any:
    if reverse:
        x = _flip(x, axis)
    y = F.cumprod(x, axis=axis, dtype=x.dtype) if prod else F.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        y = _shift(F, y, axis, 1 if prod else 0)
    return _flip(y, axis) if reverse else y


def _cumsum_fwd(F: Any, x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(F, x, axis, exclusive, reverse, False)


def _cumprod_fwd(F: Any, x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(F, x, axis, exclusive, reverse, True)


def _cumsum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # the transpose of a (reversed) cumulative sum is the cumulative sum the other way round
    return (_run(F, CUMSUM, (g,), {"axis": p["axis"], "exclusive": p["exclusive"], "reverse": not p["reverse"]}),)


def _cumsum_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _run(F, CUMSUM, (ts[0],), p)


def _first_zero(x: Any, axis: int) -> Any:
    """Raw bool mask of the first zero along ``axis`` of each slice, or None if ``x`` has no zero."""
    xr = _raw(x)
    z = xr == 0
    if not z.any():
        return None
    return z & (z.cumsum(axis=axis) == 1)


def _cumprod_incl_vjp_scan(F: Any, g: Any, x: Any, axis: int) -> Any:
    # Division-free: grad_k = conj(prod_{j<k} x_j) * S_k with S_k = g_k + conj(x_{k+1}) S_{k+1}. A Python loop
    # over the axis, used only under an outer tape when a slice has two or more zeros: there the fast rule below
    # is right in value but not as a function of x (its derivative would miss the product skipping both zeros).
    n = F.shape(x)[axis]
    if n == 0:
        return g
    before = _run(F, CUMPROD, (x,), {"axis": axis, "exclusive": True, "reverse": False})
    s = g[_along(axis, n - 1)]
    parts = [s]
    for k in range(n - 2, -1, -1):
        s = g[_along(axis, k)] + cj(F, x[_along(axis, k + 1)]) * s
        parts.append(s)
    return cj(F, before) * F.stack(parts[::-1], axis=axis)


def _cumprod_incl_jvp_scan(F: Any, t: Any, x: Any, axis: int) -> Any:
    # product rule, division-free: dy_i = dy_{i-1} x_i + (prod_{j<i} x_j) t_i
    n = F.shape(x)[axis]
    if n == 0:
        return t
    before = _run(F, CUMPROD, (x,), {"axis": axis, "exclusive": True, "reverse": False})
    d = t[_along(axis, 0)]
    parts = [d]
    for i in range(1, n):
        d = d * x[_along(axis, i)] + before[_along(axis, i)] * t[_along(axis, i)]
        parts.append(d)
    return F.stack(parts, axis=axis)


def _many_zeros(F: Any, x: Any, axis: int) -> bool:
    """Under an outer tape, does a slice hold two or more zeros? The fast rules below are exact in value there
    but not as functions of x (their derivatives would miss the products that skip both zeros)."""
    return bool(F.is_diff) and int((_raw(x) == 0).sum(axis=axis).max(initial=0)) >= 2


def _cumprod_incl_vjp(F: Any, g: Any, x: Any, axis: int) -> Any:
    # d y_i / d x_k = prod_{j <= i, j != k} x_j: y_i / x_k where x_k != 0; at the first zero z of a slice, the
    # cumulative product with x_z replaced by 1; at later zeros 0 (the product contains x_z).
    if _many_zeros(F, x, axis):
        return _cumprod_incl_vjp_scan(F, g, x, axis)
    incl = {"axis": axis, "exclusive": False, "reverse": False}
    back = {"axis": axis, "exclusive": False, "reverse": True}
    y = _run(F, CUMPROD, (x,), incl)
    first = _first_zero(x, axis)
    if first is None:
        return _run(F, CUMSUM, (g * cj(F, y),), back) / cj(F, x)
    ones = F.ones_like(x)
    zero = _raw(x) == 0
    a = _run(F, CUMSUM, (g * cj(F, y),), back) / cj(F, F.where(zero, ones, x))
    y1 = _run(F, CUMPROD, (F.where(first, ones, x),), incl)
    b = _run(F, CUMSUM, (g * cj(F, y1),), back)
    return F.where(first, b, F.where(zero, F.zeros_like(a), a))


def _cumprod_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, axis = ins[0], p["axis"]
    if p["reverse"]:
        x, g = _flip(x, axis), _flip(g, axis)
    if p["exclusive"]:
        g = _shift(F, g, axis, 0, forward=False)  # y_excl[i] = y_incl[i - 1]
    gx = _cumprod_incl_vjp(F, g, x, axis)
    return (_flip(gx, axis) if p["reverse"] else gx,)


def _cumprod_incl_jvp(F: Any, t: Any, x: Any, axis: int) -> Any:
    # dy_i = sum_{k <= i} t_k y_i / x_k over the nonzero x_k, plus t_z times the product skipping the first zero z
    if _many_zeros(F, x, axis):
        return _cumprod_incl_jvp_scan(F, t, x, axis)
    incl = {"axis": axis, "exclusive": False, "reverse": False}
    y = _run(F, CUMPROD, (x,), incl)
    first = _first_zero(x, axis)
    if first is None:
        return y * _run(F, CUMSUM, (t / x,), incl)
    ones = F.ones_like(x)
    zero = _raw(x) == 0
    r = t / F.where(zero, ones, x)
    dy = y * _run(F, CUMSUM, (F.where(zero, F.zeros_like(r), r),), incl)
    y1 = _run(F, CUMPROD, (F.where(first, ones, x),), incl)
    return dy + y1 * _run(F, CUMSUM, (F.where(first, t, F.zeros_like(t)),), incl)


def _cumprod_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, t, axis = ins[0], ts[0], p["axis"]
    if p["reverse"]:
        x, t = _flip(x, axis), _flip(t, axis)
    dy = _cumprod_incl_jvp(F, t, x, axis)
    if p["exclusive"]:
        dy = _shift(F, dy, axis, 0)
    return _flip(dy, axis) if p["reverse"] else dy


def _np_scan(x: np.ndarray, axis: int, exclusive: bool, reverse: bool, prod: bool) -> np.ndarray:
    x = np.moveaxis(x, axis, -1)
    if reverse:
        x = x[..., ::-1]
    n = x.shape[-1]
    out = np.empty_like(x)
    for i in range(n):
        part = x[..., : i + (0 if exclusive else 1)]
        out[..., i] = part.prod(-1) if prod else part.sum(-1)
    if reverse:
        out = out[..., ::-1]
    return np.moveaxis(out, -1, axis)


CUMSUM = defop("cumsum", _cumsum_fwd, _cumsum_vjp, _cumsum_jvp, linear=True, test=[
    _spec(lambda tf, x: tf.cumsum(x, axis=1), _normal((3, 4)), ref=lambda x: _np_scan(x, 1, False, False, False),
          complex=True),
    _spec(lambda tf, x: tf.math.cumsum(x, axis=0, exclusive=True, reverse=True), _normal((4, 3)),
          ref=lambda x: _np_scan(x, 0, True, True, False), complex=True, name="exclusive_reverse"),
    _spec(lambda tf, x: tf.cumsum(x, axis=-1, exclusive=True), _normal((2, 5)),
          ref=lambda x: _np_scan(x, -1, True, False, False), name="exclusive"),
])
CUMPROD = defop("cumprod", _cumprod_fwd, _cumprod_vjp, _cumprod_jvp, test=[
    _spec(lambda tf, x: tf.math.cumprod(x, axis=1), _normal((3, 4)), ref=lambda x: _np_scan(x, 1, False, False, True)),
    _spec(lambda tf, x: tf.math.cumprod(x, axis=0, exclusive=True, reverse=True), _normal((4, 3)),
          ref=lambda x: _np_scan(x, 0, True, True, True), name="exclusive_reverse"),
    # TF's cumprod gradient omits the complex conjugate (and is 0 at a slice's first zero): checked here, not vs TF
    _spec(lambda tf, x: tf.math.cumprod(x, axis=1, exclusive=True), _normal((2, 4)),
          ref=lambda x: _np_scan(x, 1, True, False, True), complex=True, tf=False, name="complex"),
    _spec(lambda tf, x: tf.math.cumprod(x, reverse=True), _normal((5,)),
          ref=lambda x: _np_scan(x, 0, False, True, True), name="reverse"),
    _spec(lambda tf, x: tf.math.cumprod(x, exclusive=True), _normal((5, 2)),
          ref=lambda x: _np_scan(x, 0, True, False, True), name="exclusive"),
])


def _cum(op: Any, x: Any, axis: Any, exclusive: bool, reverse: bool) -> Tensor:
    t = to_tensor(x)
    if t._value.dtype.kind not in "fciuV":
        check_kinds(t, "fciuV", op.name)
    a = _one_axis(axis, t, op.name)
    return apply1(op, t, {"axis": a, "exclusive": bool(exclusive), "reverse": bool(reverse)})


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None) -> Tensor:
    """Cumulative sum along ``axis``. ``exclusive`` leaves the current element out (the first output is 0);
    ``reverse`` accumulates from the end. Its gradient is the cumulative sum the other way round.

    >>> import tapegrad as tf
    >>> tf.cumsum(tf.constant([1, 2, 3]), exclusive=True, reverse=True).numpy().tolist()
    [5, 3, 0]
    """
    return _cum(CUMSUM, x, axis, exclusive, reverse)


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
            name: str | None = None) -> Tensor:
    """Cumulative product along ``axis`` (``exclusive``: the first output is 1; ``reverse``: from the end).

    The gradient is exact with zeros (TF's own rule divides by ``x`` and returns 0 at the first zero of a slice,
    where the true derivative is the product of the other factors; complex gradients follow the conj convention,
    which TF's cumprod rule omits).

    >>> import tapegrad as tf
    >>> x = tf.constant([2.0, 0.0, 3.0])
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = tf.reduce_sum(tf.math.cumprod(x))
    >>> t.gradient(y, x).numpy().tolist()
    [1.0, 8.0, 0.0]
    """
    return _cum(CUMPROD, x, axis, exclusive, reverse)


# -- gathers and scatters along an axis (internal; sort and top_k use them, and they transpose each other) --------


def _index_for(idx: Any, ndim: int) -> Any:
    """Raw indices with leading size-1 axes added so they broadcast against an array with batch axes."""
    extra = ndim - idx.ndim
    return idx.reshape((1,) * extra + idx.shape) if extra > 0 else idx


def _take_fwd(F: Any, x: Any, idx: Any, axis: int) -> Any:
    return F.take_along_axis(x, _index_for(idx, x.ndim), axis=axis)


def _scatter_fwd(F: Any, g: Any, idx: Any, axis: int, n: int) -> Any:
    # used with indices that are unique along the axis (a permutation, or top_k's distinct picks)
    shape = list(g.shape)
    shape[axis] = n
    out = F.zeros(tuple(shape), dtype=g.dtype)
    F.put_along_axis(out, _index_for(idx, g.ndim), g, axis=axis)
    return out


def _take_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, SCATTER_ALONG, (g, ins[1]), {"axis": p["axis"], "n": F.shape(ins[0])[p["axis"]]}),
            None)


def _scatter_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, TAKE_ALONG, (g, ins[1]), {"axis": p["axis"]}), None)


def take_along_axis_unique(x: Any, indices: Any, axis: int) -> Tensor:
    """``x`` gathered at ``indices`` (unique along ``axis``) — internal; differentiable in ``x``."""
    x, i = to_tensor(x), to_tensor(indices)
    return applyn(TAKE_ALONG, (x, i), {"axis": _one_axis(axis, x, "take_along_axis")})


def scatter_along_axis_unique(g: Any, indices: Any, axis: int, n: int) -> Tensor:
    """Zeros of length ``n`` along ``axis`` with ``g`` put at ``indices`` (unique) — internal; the transpose of
    :func:`take_along_axis_unique`."""
    g, i = to_tensor(g), to_tensor(indices)
    return applyn(SCATTER_ALONG, (g, i), {"axis": _one_axis(axis, g, "scatter_along_axis"), "n": int(n)})


def _perm_args(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(3, 4)), np.argsort(rng.normal(size=(3, 4)), axis=1)


def _np_scatter(g: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = np.zeros_like(g)
    np.put_along_axis(out, idx, g, axis=1)
    return out


TAKE_ALONG = defop("take_along_axis_unique", _take_fwd, _take_vjp,
                   lambda F, ts, ins, out, p: _run(F, TAKE_ALONG, (ts[0], ins[1]), p), linear=True,
                   internal=True,
                   test=_spec(lambda tf, x, i: tf.ops.reductions.take_along_axis_unique(x, i, 1), _perm_args,
                              ref=lambda x, i: np.take_along_axis(x, i, 1), tf=False, complex=True))
SCATTER_ALONG = defop("scatter_along_axis_unique", _scatter_fwd, _scatter_vjp,
                      lambda F, ts, ins, out, p: _run(F, SCATTER_ALONG, (ts[0], ins[1]), p), linear=True,
                      internal=True,
                      test=_spec(lambda tf, g, i: tf.ops.reductions.scatter_along_axis_unique(g, i, 1, 4), _perm_args,
                                 ref=_np_scatter, tf=False, complex=True))


# -- sort, argsort, top_k -----------------------------------------------------------------------------------------


def _descending_key(F: Any, x: Any) -> Any:
    """A key whose stable ascending order is ``x``'s descending order, ties kept in index order."""
    return -x if x.dtype.kind == "f" else F.invert(x)  # ~x = -x - 1 never overflows (ints and unsigned)


def _order(F: Any, x: Any, axis: int, descending: bool) -> Any:
    return F.argsort(_descending_key(F, x) if descending else x, axis=axis, kind="stable")


def _sort_fwd(F: Any, x: Any, axis: int, descending: bool) -> Any:
    perm = _order(F, x, axis, descending)
    return F.take_along_axis(x, perm, axis=axis), perm


def _sort_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    axis = p["axis"]
    perm = out[1]
    return (_run(F, SCATTER_ALONG, (g[0], perm), {"axis": axis, "n": perm.shape[axis]}),)


def _sort_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return (_run(F, TAKE_ALONG, (ts[0], out[1]), {"axis": p["axis"]}), None)


def _argsort_fwd(F: Any, x: Any, axis: int, descending: bool) -> Any:
    return F.astype(_order(F, x, axis, descending), F.int32)


def _top_indices(F: Any, x: Any, k: int) -> Any:
    """Indices of the ``k`` largest entries along the last axis, descending, ties in index order."""
    n = x.shape[-1]
    if k == 0 or 4 * k >= n or x.size == 0:
        return _order(F, x, -1, True)[..., :k]
    # partial selection (O(n) per row): everything strictly above the k-th largest, then the first of its ties
    key = _descending_key(F, x)
    kth = F.partition(key, k - 1, axis=-1)[..., k - 1 : k]
    below = key < kth
    tied = key == kth
    if key.dtype.kind == "f":
        tied = tied | (F.isnan(key) & F.isnan(kth))
    room = k - F.count_nonzero(below, axis=-1, keepdims=True)
    if F.any(F.count_nonzero(tied, axis=-1, keepdims=True) > room):  # more ties than room: keep the first ones
        tied = tied & (F.cumsum(tied, axis=-1, dtype=F.int32) <= room)
    pick = below | tied
    cols = F.reshape(F.flatnonzero(F.reshape(pick, (-1, n))) % n, x.shape[:-1] + (k,))  # k per row, in index order
    order = F.argsort(F.take_along_axis(key, cols, axis=-1), axis=-1, kind="stable")
    return F.take_along_axis(cols, order, axis=-1)


def _top_k_fwd(F: Any, x: Any, k: int, index_type: Any) -> Any:
    idx = _top_indices(F, x, k)
    return F.take_along_axis(x, idx, axis=-1), F.astype(idx, index_type)


def _top_k_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # each picked position gets its value's upstream; with ties, the first occurrences were picked (TF)
    return (_run(F, SCATTER_ALONG, (g[0], out[1]), {"axis": -1, "n": F.shape(ins[0])[-1]}),)


def _top_k_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return (_run(F, TAKE_ALONG, (ts[0], out[1]), {"axis": -1}), None)


SORT = defop("sort", _sort_fwd, _sort_vjp, _sort_jvp, multi=True, test=[
    _spec(lambda tf, x: tf.sort(x), _normal((3, 5)), ref=lambda x: np.sort(x, -1)),
    _spec(lambda tf, x: tf.sort(x, axis=0, direction="DESCENDING"), _normal((4, 3)),
          ref=lambda x: -np.sort(-x, 0), name="descending"),
])
ARGSORT = defop("argsort", _argsort_fwd, None, test=[
    _spec(lambda tf, x: tf.argsort(x), _normal((3, 5)), ref=lambda x: np.argsort(x, -1).astype(np.int32)),
    _spec(lambda tf, x: tf.argsort(x, axis=0, direction="DESCENDING"), _normal((4, 3)),
          ref=lambda x: np.argsort(-x, 0).astype(np.int32), name="descending"),
])
TOP_K = defop("top_k", _top_k_fwd, _top_k_vjp, _top_k_jvp, multi=True, test=[
    _spec(lambda tf, x: tf.math.top_k(x, k=3), _normal((2, 6)),
          ref=lambda x: (-np.sort(-x, -1)[:, :3], np.argsort(-x, -1)[:, :3].astype(np.int32))),
    _spec(lambda tf, x: tf.nn.top_k(x, 1).values, _normal((5,)), ref=lambda x: np.max(x, keepdims=True),
          name="k1"),
])

TopKV2 = namedtuple("TopKV2", ["values", "indices"])


def _direction(direction: Any) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            f"Argument `direction` should be one of ASCENDING, DESCENDING. Received: direction={direction}"
        )
    return direction == "DESCENDING"


def _sortable(values: Any, axis: Any, op: str) -> tuple[Any, int]:
    x = to_tensor(values)
    if x._value.dtype.kind not in "fiu":
        raise InvalidArgumentError(
            f"{op}: cannot sort a {x.dtype.name} tensor (shape {tuple(x._value.shape)}); real numbers only."
        )
    if axis is None:
        raise ValueError(f"{op}: axis must be an integer, not None (TF sorts along one axis; reshape to 1-D first).")
    if x._value.ndim == 0:
        raise InvalidArgumentError(f"{op}: cannot sort a scalar; the input must have rank >= 1.")
    return x, _one_axis(axis, x, op)


def sort(values: Any, axis: Any = -1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """Sorted along ``axis``. Differentiable: the gradient is routed back through the sorting permutation
    (stable: tied values keep their index order, as in TF). NaNs sort last.

    >>> import tapegrad as tf
    >>> tf.sort(tf.constant([3, 1, 2]), direction="DESCENDING").numpy().tolist()
    [3, 2, 1]
    """
    desc = _direction(direction)
    x, a = _sortable(values, axis, "sort")
    return applyn(SORT, (x,), {"axis": a, "descending": desc})[0]


def argsort(values: Any, axis: Any = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Tensor:
    """int32 indices that sort ``values`` along ``axis``. Always stable (ties in index order, which is what TF
    returns too). Not differentiable.

    >>> import tapegrad as tf
    >>> tf.argsort(tf.constant([3.0, 1.0, 3.0, 1.0])).numpy().tolist()
    [1, 3, 0, 2]
    """
    desc = _direction(direction)
    x, a = _sortable(values, axis, "argsort")
    return apply1(ARGSORT, x, {"axis": a, "descending": desc})


def top_k(input: Any, k: Any = 1, sorted: bool = True, index_type: Any = _dtypes.int32,  # noqa: A002
          name: str | None = None) -> Any:
    """The ``k`` largest entries along the last axis and their indices, as ``TopKV2(values, indices)``.

    Ties go to the first occurrence, and the gradient of ``values`` is scattered back to the picked positions
    only (``[1, 3, 3]`` with ``k=1`` → ``[0, 1, 0]``, as in TF; unlike ``reduce_max``, which splits ties).
    ``sorted=False`` also returns them in descending order (TF leaves that order unspecified).

    >>> import tapegrad as tf
    >>> r = tf.math.top_k(tf.constant([1.0, 3.0, 3.0, 2.0]), k=2)
    >>> r.values.numpy().tolist(), r.indices.numpy().tolist()
    ([3.0, 3.0], [1, 2])
    """
    x = to_tensor(input)
    if x._value.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"top_k: expected a real tensor, got dtype {x.dtype.name}.")
    if x._value.ndim == 0:
        raise InvalidArgumentError("top_k: input must be >= 1-D, got shape [].")
    if isinstance(k, _TensorLike):
        k = static_value(k).item()
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"top_k: k must be an integer, got {k!r}.") from None
    n = x._value.shape[-1]
    if k < 0:
        raise InvalidArgumentError(f"top_k: need k >= 0, got {k}.")
    if k > n:
        raise InvalidArgumentError(
            f"top_k: input must have at least k={k} entries along its last axis; shape {tuple(x._value.shape)}."
        )
    it = _dtypes.as_dtype(index_type)
    if it.name not in ("int16", "int32", "int64"):
        raise InvalidArgumentError(f"top_k: index_type must be int16, int32 or int64, got {it.name}.")
    values, indices = applyn(TOP_K, (x,), {"k": k, "index_type": it._np})
    # The dispatcher gives every output of a recorded multi-output op a tape id, integer ones included, so a
    # float computed from the indices would get a zeros gradient instead of TF's None: keep them a constant.
    indices._id = None
    return TopKV2(values, indices)


# -- Euclidean norm, variance, standard deviation -----------------------------------------------------------------


def _real_dtype(dt: Any) -> Any:
    return np.dtype(np.float32) if dt == np.complex64 else np.dtype(np.float64) if dt.kind == "c" else dt


def _safe(F: Any, y: Any) -> Any:
    """``y`` with zeros replaced by ones (a divisor that never makes inf/NaN; the numerator is 0 there)."""
    return F.where(_raw(y) == 0, F.ones_like(y), y)


def _euclid_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    kind = x.dtype.kind
    if kind == "c":
        s = F.sum(F.real(x * F.conj(x)), axis=axis, keepdims=keepdims)
        return F.astype(F.sqrt(s), x.dtype)  # TF keeps the complex dtype (imaginary part 0)
    s = F.sum(x * x, axis=axis, keepdims=keepdims, dtype=x.dtype)
    if kind in "iu":
        return F.astype(F.sqrt(F.astype(s, F.float64)), x.dtype)  # TF truncates the root for integers
    return F.sqrt(s)


def _euclid_scale(F: Any, g: Any, x: Any, out: Any, p: Any) -> Any:
    """upstream / norm, broadcast over the input (0 where the norm is 0: the sound subgradient)."""
    axes, keepdims = p["axis"], p["keepdims"]
    y = _keep(F, out, axes, keepdims)
    if is_c(x):
        y, g = F.real(y), F.real(g)  # the output's imaginary part is identically 0: its upstream does not count
    return unreduce(F, g, F.shape(x), axes, keepdims) / _safe(F, y)


def is_c(x: Any) -> bool:
    return dtype_of(x).kind == "c"


def _euclid_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    s = _euclid_scale(F, g, x, out, p)
    return ((F.astype(s, dtype_of(x)) if is_c(x) else s) * x,)


def _euclid_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, t = ins[0], ts[0]
    axes, keepdims = p["axis"], p["keepdims"]
    if is_c(x):
        d = F.sum(F.real(F.conj(x) * t), axis=axes, keepdims=keepdims) / _safe(F, F.real(out))
        return F.astype(d, dtype_of(x))
    return F.sum(x * t, axis=axes, keepdims=keepdims) / _safe(F, out)


def _var_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    d = x - F.mean(x, axis=axis, keepdims=True) if x.size else x
    sq = F.real(d * F.conj(d)) if x.dtype.kind == "c" else d * d
    if _count(x.shape, axis) == 0:
        return F.sum(sq, axis=axis, keepdims=keepdims) * float("nan")  # variance of nothing: nan (TF)
    return F.mean(sq, axis=axis, keepdims=keepdims)


def _std_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return F.sqrt(_var_fwd(F, x, axis, keepdims))


def _centered(F: Any, x: Any, axes: tuple[int, ...]) -> Any:
    return x - F.mean(x, axis=axes, keepdims=True)


def _times_dev(F: Any, s: Any, x: Any, d: Any) -> Any:
    return (F.astype(s, dtype_of(x)) if is_c(x) else s) * d


def _var_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # d var / d x_i = 2 (x_i - mean) / N (the mean's own dependence cancels: the deviations sum to 0)
    x, axes = ins[0], p["axis"]
    xshape = F.shape(x)
    s = unreduce(F, g, xshape, axes, p["keepdims"]) * (2.0 / max(_count(xshape, axes), 1))
    return (_times_dev(F, s, x, _centered(F, x, axes)),)


def _dev_dot(F: Any, x: Any, t: Any, p: Any) -> Any:
    """sum(Re(conj(x - mean) * t)) over the reduced axes."""
    d = _centered(F, x, p["axis"])
    prod = F.real(F.conj(d) * t) if is_c(x) else d * t
    return F.sum(prod, axis=p["axis"], keepdims=p["keepdims"])


def _var_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    return _dev_dot(F, x, ts[0], p) * (2.0 / max(_count(F.shape(x), p["axis"]), 1))


def _std_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # (x_i - mean) / (N std), and 0 where std == 0 (TF gives NaN there: sqrt's infinite slope times 0)
    x, axes, keepdims = ins[0], p["axis"], p["keepdims"]
    xshape = F.shape(x)
    n = max(_count(xshape, axes), 1)
    s = unreduce(F, g, xshape, axes, keepdims) / (_safe(F, _keep(F, out, axes, keepdims)) * n)
    return (_times_dev(F, s, x, _centered(F, x, axes)),)


def _std_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    return _dev_dot(F, x, ts[0], p) / (_safe(F, out) * max(_count(F.shape(x), p["axis"]), 1))


REDUCE_EUCLIDEAN_NORM = defop("reduce_euclidean_norm", _euclid_fwd, _euclid_vjp, _euclid_jvp, save_out=True, test=[
    _spec(lambda tf, x: tf.math.reduce_euclidean_norm(x, axis=1), _normal((3, 4)),
          ref=lambda x: np.sqrt((x * x).sum(1))),
    _spec(lambda tf, x: tf.math.reduce_euclidean_norm(x, [0, 2], keepdims=True), _normal((2, 3, 2)),
          ref=lambda x: np.sqrt((x * x).sum((0, 2), keepdims=True)), name="keepdims"),
    # TF's EuclideanNorm gradient also lets the imaginary part of a complex upstream through (x * g / norm), though
    # the output's imaginary part is identically 0; tf.norm (the same op here) gets it right: compared there
    _spec(lambda tf, x: tf.math.reduce_euclidean_norm(x), _normal((4,)), ref=lambda x: np.sqrt((x * x).sum()),
          complex=True, tf=False, name="complex"),
    _spec(lambda tf, x: tf.norm(x, axis=[0, 1]), _normal((3, 2)), ref=lambda x: np.sqrt((x * x).sum()),
          complex=True, name="tf_norm"),
])
REDUCE_VARIANCE = defop("reduce_variance", _var_fwd, _var_vjp, _var_jvp, test=[
    _spec(lambda tf, x: tf.math.reduce_variance(x, axis=1), _normal((3, 4)), ref=lambda x: x.var(1),
          complex=True),
    _spec(lambda tf, x: tf.math.reduce_variance(x, [0, 2], keepdims=True), _normal((2, 3, 2)),
          ref=lambda x: x.var((0, 2), keepdims=True), name="keepdims"),
])
REDUCE_STD = defop("reduce_std", _std_fwd, _std_vjp, _std_jvp, save_out=True, test=[
    _spec(lambda tf, x: tf.math.reduce_std(x, axis=0), _normal((4, 3)), ref=lambda x: x.std(0), complex=True),
    _spec(lambda tf, x: tf.math.reduce_std(x), _normal((2, 3)), ref=np.std, name="all"),
])


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None) -> Tensor:
    """``sqrt(sum(|x|**2))`` over ``axis``. Complex input gives a complex result (imaginary part 0) and integer
    input a truncated integer root, as in TF.

    At an all-zero slice the gradient is 0 (a valid subgradient); TF returns NaN there.

    >>> import tapegrad as tf
    >>> float(tf.math.reduce_euclidean_norm(tf.constant([3.0, 4.0])))
    5.0
    """
    return _reduce(REDUCE_EUCLIDEAN_NORM, input_tensor, axis, keepdims, "fciuV")


def _moment(op: Any, input_tensor: Any, axis: Any, keepdims: bool) -> Tensor:
    x = to_tensor(input_tensor)
    if x._value.dtype.kind in "iu":
        raise TypeError(f"Input must be either real or complex. Received integer type {x.dtype!r}.")
    return _reduce(op, x, axis, keepdims, "fcV")


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Population variance ``mean(|x - mean(x)|**2)`` over ``axis`` (real for complex input; NaN when empty).

    >>> import tapegrad as tf
    >>> float(tf.math.reduce_variance(tf.constant([1.0, 2.0, 3.0, 4.0])))
    1.25
    """
    return _moment(REDUCE_VARIANCE, input_tensor, axis, keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Population standard deviation over ``axis`` (the square root of :func:`reduce_variance`).

    Where the deviation is 0 (a constant slice) the gradient is 0, a valid subgradient; TF returns NaN there.

    >>> import tapegrad as tf
    >>> float(tf.math.reduce_std(tf.constant([1.0, 3.0])))
    1.0
    """
    return _moment(REDUCE_STD, input_tensor, axis, keepdims)


# -- tf.norm --------------------------------------------------------------------------------------------------------


def _pnorm_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool, ord: float) -> Any:  # noqa: A002
    return F.sum(F.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _pnorm_factor(F: Any, x: Any, out: Any, p: Any) -> tuple[Any, Any]:
    """(d norm / d|x| broadcast over x — 0 where x or the norm is 0 —, the direction of x: sign or x/|x|)."""
    a = F.abs(x)
    zero = _raw(a) == 0
    y = _safe(F, _keep(F, out, p["axis"], p["keepdims"]))
    r = F.where(zero, F.zeros_like(a), (a / y) ** (p["ord"] - 1.0))
    unit = F.sign(x) if not is_c(x) else x / F.astype(_safe(F, a), dtype_of(x))
    return r, unit


def _pnorm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    r, unit = _pnorm_factor(F, x, out, p)
    s = unreduce(F, g, F.shape(x), p["axis"], p["keepdims"]) * r
    return (_times_dev(F, s, x, unit),)


def _pnorm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, t = ins[0], ts[0]
    r, unit = _pnorm_factor(F, x, out, p)
    d = F.real(F.conj(unit) * t) if is_c(x) else unit * t
    return F.sum(r * d, axis=p["axis"], keepdims=p["keepdims"])


def _spectral_fwd(F: Any, x: Any) -> Any:
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        return F.full(x.shape[:-2], -float("inf"), dtype=_real_dtype(x.dtype))  # TF: max of no singular values
    return F.linalg.svd(x, compute_uv=False)[..., 0]


def _spectral_direction_fwd(F: Any, x: Any) -> Any:
    u, _, vh = F.linalg.svd(x, full_matrices=False)
    return u[..., :, :1] * vh[..., :1, :]  # u1 v1^H: the gradient of the largest singular value


SPECTRAL_DIRECTION = defop(
    "spectral_norm_direction", _spectral_direction_fwd, NO_GRADIENT, internal=True,
    test=_spec(lambda tf, x: tf.ops.reductions.spectral_norm_direction(x), _normal((3, 2)), tf=False,
               ref=lambda x: np.outer(np.linalg.svd(x)[0][:, 0], np.linalg.svd(x)[2][0])))


def spectral_norm_direction(x: Any) -> Tensor:
    """``u1 v1^H`` of the SVD of the last two axes — internal (the gradient of the spectral norm).

    Its own gradient is not implemented: second derivatives of ``norm(ord=2)`` over a matrix raise LookupError.
    """
    return apply1(SPECTRAL_DIRECTION, to_tensor(x))


def _spectral_dir(F: Any, x: Any) -> Any:
    if F.is_diff:
        return apply1(SPECTRAL_DIRECTION, x)
    return _spectral_direction_fwd(F, x)


def _spectral_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    gg = F.expand_dims(g, (-2, -1))
    if is_c(x):
        gg = F.astype(gg, dtype_of(x))
    return (gg * _spectral_dir(F, x),)


def _spectral_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, t = ins[0], ts[0]
    d = F.conj(_spectral_dir(F, x)) * t
    return F.sum(F.real(d) if is_c(x) else d, axis=(-2, -1))


NORM_P = defop("norm_p", _pnorm_fwd, _pnorm_vjp, _pnorm_jvp, save_out=True, test=[
    _spec(lambda tf, x: tf.norm(x, ord=3, axis=1), _normal((3, 4)),
          ref=lambda x: (np.abs(x) ** 3).sum(1) ** (1 / 3), complex=True),
    _spec(lambda tf, x: tf.norm(x, ord=1.5, keepdims=True), _normal((3, 2)),
          ref=lambda x: np.reshape((np.abs(x) ** 1.5).sum() ** (1 / 1.5), (1, 1)), name="all"),
])
NORM_SPECTRAL = defop("norm_spectral", _spectral_fwd, _spectral_vjp, _spectral_jvp, test=[
    _spec(lambda tf, x: tf.norm(x, ord=2, axis=[0, 1]), _normal((4, 3)), ref=lambda x: np.linalg.norm(x, 2),
          order2=False, complex=True),
    _spec(lambda tf, x: tf.linalg.norm(x, ord=2, axis=[-1, 0], keepdims=True), _normal((3, 2, 4)),
          ref=lambda x: np.linalg.norm(x, 2, axis=(2, 0), keepdims=True), order2=False, name="batch"),
])


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,  # noqa: A002
         name: str | None = None) -> Tensor:
    """Vector or matrix norm (``tf.norm``, also ``tf.linalg.norm``).

    ``ord``: ``'euclidean'`` (default), ``'fro'`` (matrices), ``1``, ``2``, ``np.inf`` or any ``p > 0`` (vectors).
    ``axis``: None (the whole tensor as one vector), an int (vectors), or a pair of ints (matrices: row axis,
    column axis). Matrix ``ord=1`` is the largest column sum of ``|x|``, ``np.inf`` the largest row sum, ``2``
    the largest singular value. Complex input gives a complex result for the Euclidean/Frobenius norm, a real
    one otherwise, as in TF.

    Gradients at a zero vector are 0 (a valid subgradient) instead of TF's NaN (TF issue #12071). Second
    derivatives of the matrix 2-norm are not implemented (LookupError).

    >>> import tapegrad as tf
    >>> x = tf.constant([0.0, 0.0])
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = tf.norm(x)
    >>> float(y), t.gradient(y, x).numpy().tolist()
    (0.0, [0.0, 0.0])
    """
    from .shape_ops import reshape, transpose
    from .unary_math import abs as _abs

    x = to_tensor(tensor)
    keep = bool(keepdims) if keepdims is not None else False
    nd = x._value.ndim
    matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if matrix:
        if not all(isinstance(a, int) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        if isinstance(ord, str) and ord not in ("euclidean", "fro") or \
                not isinstance(ord, str) and ord not in (1, 2, np.inf):
            raise ValueError(
                f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, inf], got {ord}"
            )
        ax = tuple(_one_axis(a, x, "norm") for a in axis)
        if ax[0] == ax[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
    else:
        if axis is not None and not isinstance(axis, int):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        if isinstance(ord, str) and ord != "euclidean" or not isinstance(ord, str) and \
                not (np.isreal(ord) and ord > 0):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        ax = _axes(axis, x, "norm")
    kind = x._value.dtype.kind
    euclid = isinstance(ord, str) or (ord == 2 and not matrix)
    if (euclid or (matrix and ord == 2) or ord not in (1, np.inf)) and kind not in "fcV":
        check_kinds(x, "fcV", "norm")
    axes = tuple(sorted(ax))
    if euclid:
        return apply1(REDUCE_EUCLIDEAN_NORM, x, {"axis": axes, "keepdims": keep})
    if matrix and ord == 2:
        pos = [a + nd for a in ax]
        perm = [i for i in range(nd) if i not in pos] + pos
        xt = transpose(x, perm) if perm != list(range(nd)) else x
        y = apply1(NORM_SPECTRAL, xt)
        if keep:
            y = reshape(y, [1 if i - nd in axes else d for i, d in enumerate(x._value.shape)])
        return y
    if ord == 1 or ord == np.inf:
        a = _abs(x)
        if matrix:
            first, second = (ax[0], ax[1]) if ord == 1 else (ax[1], ax[0])
            a = reduce_sum(a, first, keepdims=True)
            y = reduce_max(a, second, keepdims=True)
        else:
            y = reduce_sum(a, axes, keepdims=True) if ord == 1 else reduce_max(a, axes, keepdims=True)
        if not keep:
            y = reshape(y, [d for i, d in enumerate(x._value.shape) if i - nd not in axes])
        return y
    return apply1(NORM_P, x, {"axis": axes, "keepdims": keep, "ord": float(ord)})


# -- clipping by norm ---------------------------------------------------------------------------------------------


def _l2(F: Any, x: Any, axes: Any) -> Any:
    return F.sqrt(F.sum(x * x, axis=axes, keepdims=True))


def _clip_fwd(F: Any, x: Any, c: Any, axes: Any) -> Any:
    # TF: t * clip_norm / maximum(l2norm, clip_norm), with l2norm = 0 for an all-zero slice
    return x * c / F.maximum(_l2(F, x, axes), c)


def _clip_parts(F: Any, x: Any, c: Any, axes: Any) -> tuple[Any, Any, Any]:
    """(l2 norm, divisor maximum(norm, c), raw mask of the clipped slices: norm >= c; a tie counts as clipped,
    TF's maximum sends the gradient to its first argument)."""
    n = _l2(F, x, axes)
    return n, F.maximum(n, c), _raw(n) >= _raw(c)


def _clip_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, c = ins
    axes = p["axes"]
    n, m, k = _clip_parts(F, x, c, axes)
    gx = gc = None
    if needs[0]:
        # out = x c / m, m = norm where clipped (k): d/dx = c/m - [k] x (x c / m^2) / norm, summed over the slice
        r = g * x * c / (m * m)
        r = F.sum(F.where(k, r, F.zeros_like(r)), axis=axes, keepdims=True)
        gx = g * c / m - x * (r / _safe(F, n))
    if needs[1]:
        q = g * x / m  # d/dc = x/m where clipped; where not (m = c) it is x/c - x c/c^2 = 0
        gc = F.where(k, q, F.zeros_like(q))
    return (gx, gc)


def _clip_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, c = ins
    tx, tc = ts
    axes = p["axes"]
    n, m, k = _clip_parts(F, x, c, axes)
    num = F.zeros_like(x) if tx is None else tx * c
    if tc is not None:
        num = num + x * tc
    dm = F.zeros_like(m) if tx is None else F.sum(x * tx, axis=axes, keepdims=True) / _safe(F, n)
    dm = F.where(k, dm, F.zeros_like(dm) if tc is None else tc + F.zeros_like(dm))
    return num / m - x * c * dm / (m * m)


def _np_clip(x: np.ndarray, c: Any, axes: Any = None) -> np.ndarray:
    n = np.sqrt((x ** 2).sum(axis=axes, keepdims=True))
    return np.where(n > c, x * c / np.where(n > 0, n, 1), x)


CLIP_BY_NORM = defop("clip_by_norm", _clip_fwd, _clip_vjp, _clip_jvp, test=[
    _spec(lambda tf, x, c: tf.clip_by_norm(x, c), lambda rng: (rng.normal(size=(3, 4)), np.array(1.5)),
          ref=_np_clip),
    _spec(lambda tf, x, c: tf.clip_by_norm(x, c, axes=[1]),
          lambda rng: (rng.normal(size=(4, 3)) * np.array([[0.2], [3.0], [0.3], [4.0]]), np.array(1.0)),
          ref=lambda x, c: _np_clip(x, c, 1), name="axes"),
    _spec(lambda tf, x, c: tf.clip_by_norm(x, c), lambda rng: (rng.normal(size=(3, 4)), np.array([1.0, 2.0, 7.0, 9.0])),
          ref=_np_clip, name="per_column_clip_norm"),
])


def _norm_input(t: Any) -> Any:
    return t.values if type(t).__name__ == "IndexedSlices" else t


def _rewrap(t: Any, values: Tensor) -> Any:
    """``values`` in the container type of ``t`` (an IndexedSlices keeps its indices and dense shape)."""
    if type(t).__name__ == "IndexedSlices":
        return type(t)(values, t.indices, t.dense_shape)
    return values


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Any:
    """``t * clip_norm / max(l2norm(t), clip_norm)``: rescale so the L2 norm over ``axes`` is at most
    ``clip_norm`` (a negative ``clip_norm`` acts as 0). An IndexedSlices is clipped by its values.

    >>> import tapegrad as tf
    >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy().tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    from .arithmetic import maximum
    from .core import cast

    x = to_tensor(_norm_input(t))
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(
            f"clip_by_norm: expected a floating tensor, got dtype {x.dtype.name} (shape {tuple(x._value.shape)})."
        )
    if np.isscalar(clip_norm):
        c = to_tensor(np.asarray(max(clip_norm, 0), dtype=x._value.dtype))
    else:
        c = cast(maximum(to_tensor(clip_norm), 0), x.dtype)
    axes_t = _axes(axes, x, "clip_by_norm")
    try:
        fits = np.broadcast_shapes(x._value.shape, c._value.shape) == x._value.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"clip_by_norm: clip_norm of shape {tuple(c._value.shape)} would broadcast the input of shape "
            f"{tuple(x._value.shape)}; give a scalar or a shape that broadcasts to the input's."
        )
    return _rewrap(t, applyn(CLIP_BY_NORM, (x, c), {"axes": axes_t}))


def _global_norm_fwd(F: Any, *xs: Any) -> Any:
    # TF: sqrt(2 * sum(l2_loss(t))), l2_loss(t) = sum(t**2) / 2
    halves = [F.sum(v * v, dtype=v.dtype) / 2 for v in xs]
    return F.sqrt(F.sum(F.stack(halves)) * 2)


def _global_norm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    s = g / _safe(F, out)  # 0 for all-zero inputs (a valid subgradient; TF gives NaN)
    return tuple(unreduce(F, s, F.shape(v), tuple(range(-len(F.shape(v)), 0)), False) * v if need else None
                 for v, need in zip(ins, needs))


def _global_norm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    total = None
    for v, t in zip(ins, ts):
        if t is not None:
            term = F.sum(v * t)
            total = term if total is None else total + term
    return None if total is None else total / _safe(F, out)


def _clip_scale_fwd(F: Any, n: Any, c: Any) -> Any:
    # TF: clip_norm * minimum(1 / use_norm, 1 / clip_norm) + (use_norm - use_norm)  (NaN for an infinite norm)
    return c * F.minimum(1 / n, 1 / c) + (n - n)


def _clip_scale_parts(F: Any, n: Any, c: Any) -> tuple[Any, Any]:
    k = (1 / _raw(n)) <= (1 / _raw(c))  # the norm branch of minimum (a tie goes to it, as in TF)
    return k, F.where(k, n, F.ones_like(n))


def _clip_scale_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    n, c = ins
    k, ns = _clip_scale_parts(F, n, c)
    z = F.zeros_like(g)
    gn = F.where(k, -g * c / (ns * ns), z) if needs[0] else None
    gc = F.where(k, g / ns, z) if needs[1] else None
    return (gn, gc)


def _clip_scale_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    n, c = ins
    tn, tc = ts
    k, ns = _clip_scale_parts(F, n, c)
    d = F.zeros_like(ns)
    if tn is not None:
        d = d - tn * c / (ns * ns)
    if tc is not None:
        d = d + tc / ns
    return F.where(k, d, F.zeros_like(d))


GLOBAL_NORM = defop("global_norm", _global_norm_fwd, _global_norm_vjp, _global_norm_jvp, save_out=True, test=[
    _spec(lambda tf, a, b: tf.clip_by_global_norm([a, None, b], 2.0)[1], _normal((3, 2), (4,)),
          ref=lambda a, b: np.sqrt((a * a).sum() + (b * b).sum())),
    _spec(lambda tf, a, b: tf.clip_by_global_norm([a, b], 2.0)[0], _normal((3, 2), (4,)),
          ref=lambda a, b: [v * 2.0 / np.sqrt((a * a).sum() + (b * b).sum()) for v in (a, b)], name="clipped"),
])
CLIP_SCALE = defop("clip_by_global_norm_scale", _clip_scale_fwd, _clip_scale_vjp, _clip_scale_jvp, test=[
    _spec(lambda tf, a, c: tf.clip_by_global_norm([a], c, use_norm=tf.norm(a))[0],
          lambda rng: (rng.normal(size=(5,)), np.array(0.7)),
          ref=lambda a, c: a * c / np.sqrt((a * a).sum())),
    _spec(lambda tf, a, c: tf.clip_by_global_norm([a], c)[0],
          lambda rng: (rng.normal(size=(5,)) * 0.1, np.array(4.0)), ref=lambda a, c: a, name="unclipped"),
])


def clip_by_global_norm(t_list: Any, clip_norm: Any, use_norm: Any = None, name: str | None = None) -> Any:
    """Scale every tensor of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``.

    Returns ``(list_clipped, global_norm)``. ``None`` entries stay None; IndexedSlices are scaled by their values.
    An infinite or NaN norm makes every output NaN, as in TF. At an all-zero list the gradient is the sound one
    (the identity) where TF gives NaN.

    >>> import tapegrad as tf
    >>> clipped, n = tf.clip_by_global_norm([tf.constant([3.0]), None, tf.constant([4.0])], 1.0)
    >>> float(n), clipped[1], [round(float(c[0]), 3) for c in (clipped[0], clipped[2])]
    (5.0, None, [0.6, 0.8])
    """
    from .arithmetic import multiply
    from .core import cast

    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    t_list = list(t_list)
    values = [None if t is None else to_tensor(_norm_input(t)) for t in t_list]
    present = [v for v in values if v is not None]
    for v in present:
        if v._value.dtype.kind != "f":
            raise InvalidArgumentError(f"clip_by_global_norm: expected floating tensors, got {v.dtype.name}.")
        if v._value.dtype != present[0]._value.dtype:
            raise InvalidArgumentError(
                f"clip_by_global_norm: all tensors must share one dtype, got {present[0].dtype.name} and "
                f"{v.dtype.name}."
            )
    if use_norm is None:
        if present:
            use_norm = applyn(GLOBAL_NORM, tuple(present))
        else:
            use_norm = to_tensor(np.asarray(0.0, dtype=np.float32))
    else:
        use_norm = to_tensor(use_norm)
    if isinstance(clip_norm, _TensorLike):
        c = clip_norm
        if c._value.dtype != use_norm._value.dtype:
            raise TypeError(
                f"clip_by_global_norm: clip_norm is a {c.dtype.name} tensor but the norm is {use_norm.dtype.name}; "
                f"cast it first, e.g. tapegrad.cast(clip_norm, tapegrad.{use_norm.dtype.name})."
            )
    else:
        c = to_tensor(np.asarray(clip_norm, dtype=use_norm._value.dtype))
    scale = applyn(CLIP_SCALE, (use_norm, c))
    out = []
    for t, v in zip(t_list, values):
        if v is None:
            out.append(None)
        else:
            s = scale if scale._value.dtype == v._value.dtype else cast(scale, v.dtype)
            out.append(_rewrap(t, multiply(v, s)))
    return out, use_norm


# -- segment reductions -------------------------------------------------------------------------------------------


def _segment_sum_fwd(F: Any, data: Any, ids: Any, num: int, tail: int) -> Any:
    lead = data.ndim - ids.ndim - tail  # batch axes (under a vectorised Jacobian)
    rest = data.shape[data.ndim - tail:]
    out = F.zeros(data.shape[:lead] + (num,) + rest, dtype=data.dtype)
    if ids.size == 0:
        return out
    pre = (slice(None),) * lead
    valid = ids >= 0
    if not valid.all():  # unsorted_segment_sum drops negative ids (TF)
        ids, data = ids[valid], data[pre + (valid,)]
    F.add.at(out, pre + (ids,), data)
    return out


def _segment_take_fwd(F: Any, x: Any, ids: Any, tail: int) -> Any:
    axis = -(tail + 1)
    valid = ids >= 0
    if valid.all():
        return F.take(x, ids, axis=axis)
    r = F.take(x, F.where(valid, ids, 0), axis=axis)
    return r * F.reshape(valid, valid.shape + (1,) * tail)  # rows of dropped ids get 0


def _segment_sum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, SEGMENT_TAKE, (g, ins[1]), {"tail": p["tail"]}), None)


def _segment_take_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    tail = p["tail"]
    num = F.shape(ins[0])[-(tail + 1)]
    return (_run(F, UNSORTED_SEGMENT_SUM, (g, ins[1]), {"num": num, "tail": tail}), None)


def _segment_mean_fwd(F: Any, data: Any, ids: Any, num: int, tail: int, counts: Any) -> Any:
    s = _segment_sum_fwd(F, data, ids, num, tail)
    if data.dtype.kind in "iu":
        return F.astype(F.trunc(s / counts), data.dtype)  # TF's integer mean truncates toward zero
    return s / counts


def _segment_mean_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, SEGMENT_TAKE, (g / p["counts"], ins[1]), {"tail": p["tail"]}), None)


def _segment_mean_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    sp = {"num": p["num"], "tail": p["tail"]}
    return _run(F, UNSORTED_SEGMENT_SUM, (ts[0], ins[1]), sp) / p["counts"]


def segment_take(x: Any, segment_ids: Any, tail: int) -> Tensor:
    """``x`` gathered along axis ``-(tail + 1)`` at ``segment_ids`` (0 rows for negative ids) — internal; the
    transpose of :func:`unsorted_segment_sum`."""
    return applyn(SEGMENT_TAKE, (to_tensor(x), to_tensor(segment_ids)), {"tail": int(tail)})


def _seg_args(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(6, 2)), np.array([0, 0, 1, 3, 3, 3])


def _np_segment_sum(data: np.ndarray, ids: np.ndarray, num: int | None = None) -> np.ndarray:
    num = int(ids.max()) + 1 if num is None else num
    out = np.zeros((num,) + data.shape[ids.ndim:], dtype=data.dtype)
    for pos in np.ndindex(*ids.shape):
        if ids[pos] >= 0:
            out[ids[pos]] += data[pos]
    return out


def _np_segment_mean(data: np.ndarray, ids: np.ndarray) -> np.ndarray:
    s = _np_segment_sum(data, ids)
    n = np.bincount(ids, minlength=s.shape[0]).reshape((-1,) + (1,) * (data.ndim - 1))
    return s / np.maximum(n, 1)


UNSORTED_SEGMENT_SUM = defop("unsorted_segment_sum", _segment_sum_fwd, _segment_sum_vjp,
                             lambda F, ts, ins, out, p: _run(F, UNSORTED_SEGMENT_SUM, (ts[0], ins[1]), p),
                             linear=True, test=[
    _spec(lambda tf, d, i: tf.math.segment_sum(d, i), _seg_args, ref=_np_segment_sum, complex=True),
    _spec(lambda tf, d, i: tf.math.unsorted_segment_sum(d, i, 5),
          lambda rng: (rng.normal(size=(2, 3, 2)), np.array([[4, -1, 0], [4, 1, 0]])),
          ref=lambda d, i: _np_segment_sum(d, i, 5), complex=True, name="unsorted"),
])
SEGMENT_TAKE = defop("segment_take", _segment_take_fwd, _segment_take_vjp,
                     lambda F, ts, ins, out, p: _run(F, SEGMENT_TAKE, (ts[0], ins[1]), p),
                     linear=True, internal=True,
                     test=_spec(lambda tf, x, i: tf.ops.reductions.segment_take(x, i, 1),
                                lambda rng: (rng.normal(size=(4, 3)), np.array([3, -1, 0, 3, 2])),
                                ref=lambda x, i: np.where((i >= 0)[:, None], x[np.maximum(i, 0)], 0.0),
                                tf=False, complex=True))
SEGMENT_MEAN = defop("segment_mean", _segment_mean_fwd, _segment_mean_vjp, _segment_mean_jvp, linear=True,
                     test=_spec(lambda tf, d, i: tf.math.segment_mean(d, i), _seg_args, ref=_np_segment_mean,
                                complex=True))


def _segment_ids(segment_ids: Any, op: str, kinds: tuple[str, ...]) -> Any:
    ids = to_tensor(segment_ids)
    if ids.dtype.name not in kinds:
        raise InvalidArgumentError(f"{op}: segment_ids must be {' or '.join(kinds)}, got {ids.dtype.name}.")
    return ids


def _segment_data(data: Any, op: str) -> Any:
    x = to_tensor(data)
    if x._value.dtype.kind not in "fciuV":
        check_kinds(x, "fciu", op)
    return x


def _sorted_segments(data: Any, segment_ids: Any, op: str) -> tuple[Any, Any, int]:
    x = _segment_data(data, op)
    ids = _segment_ids(segment_ids, op, ("int32", "int64"))
    v = static_value(ids)
    if x._value.ndim == 0:
        raise InvalidArgumentError(f"{op}: input must be at least rank 1, got a scalar.")
    if v.ndim != 1:
        raise InvalidArgumentError(f"{op}: segment_ids should be a vector, got shape {tuple(v.shape)}.")
    if v.shape[0] != x._value.shape[0]:
        raise InvalidArgumentError(
            f"{op}: segment_ids (length {v.shape[0]}) should be the same size as dimension 0 of the input "
            f"(shape {tuple(x._value.shape)})."
        )
    if v.size and v[0] < 0:
        raise InvalidArgumentError(f"{op}: segment id {int(v[0])} out of range; ids must be >= 0.")
    if v.size > 1 and np.any(v[1:] < v[:-1]):
        raise InvalidArgumentError(f"{op}: segment ids are not increasing: {v.tolist()[:20]}.")
    return x, ids, int(v[-1]) + 1 if v.size else 0


def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Sums of the rows of ``data`` per segment: ``out[s] = sum(data[i] for i with segment_ids[i] == s)``.

    ``segment_ids`` is a sorted (non-decreasing) int vector as long as ``data``'s first axis; missing segments
    give 0. The gradient gathers the upstream back: ``grad[i] = upstream[segment_ids[i]]``.

    >>> import tapegrad as tf
    >>> tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [0, 0, 2]).numpy().tolist()
    [3.0, 0.0, 3.0]
    """
    x, ids, num = _sorted_segments(data, segment_ids, "segment_sum")
    return applyn(UNSORTED_SEGMENT_SUM, (x, ids), {"num": num, "tail": x._value.ndim - 1})


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Sums per segment for ids in any order: ``segment_ids``'s shape is a prefix of ``data``'s, and the result
    has shape ``[num_segments] + data.shape[segment_ids.ndim:]``. Negative ids are dropped (TF).

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0, 3.0]), [2, 0, 2], 3).numpy().tolist()
    [2.0, 0.0, 4.0]
    """
    op = "unsorted_segment_sum"
    x = _segment_data(data, op)
    ids = _segment_ids(segment_ids, op, ("int16", "int32", "int64"))
    if isinstance(num_segments, _TensorLike):
        num_segments = static_value(num_segments).item()
    num = operator.index(num_segments)
    if num < 0:
        raise InvalidArgumentError(f"{op}: num_segments == {num} must not be negative.")
    v = static_value(ids)
    if x._value.shape[: v.ndim] != v.shape:
        raise InvalidArgumentError(
            f"{op}: data.shape = {list(x._value.shape)} does not start with segment_ids.shape = {list(v.shape)}."
        )
    if v.size and v.max() >= num:
        bad = int(v.max())
        raise InvalidArgumentError(f"{op}: segment id {bad} is out of range [0, {num}).")
    return applyn(UNSORTED_SEGMENT_SUM, (x, ids), {"num": num, "tail": x._value.ndim - v.ndim})


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Means of the rows of ``data`` per (sorted) segment; empty segments give 0, integer data a truncated mean.

    >>> import tapegrad as tf
    >>> tf.math.segment_mean(tf.constant([1.0, 2.0, 6.0]), [0, 0, 1]).numpy().tolist()
    [1.5, 6.0]
    """
    x, ids, num = _sorted_segments(data, segment_ids, "segment_mean")
    tail = x._value.ndim - 1
    dt = x._value.dtype
    counts = np.bincount(static_value(ids), minlength=num) if num else np.zeros(0, np.int64)
    counts = np.maximum(counts, 1).astype(np.float64 if dt.kind in "iu" else _real_dtype(dt))
    counts = x._xp.asarray(counts.reshape((num,) + (1,) * tail))
    return applyn(SEGMENT_MEAN, (x, ids), {"num": num, "tail": tail, "counts": counts})


def _unsorted_parts(data: Any, segment_ids: Any, num_segments: Any, op: str) -> tuple[Tensor, Tensor, int, np.ndarray]:
    x = _segment_data(data, op)
    ids = _segment_ids(segment_ids, op, ("int16", "int32", "int64"))
    if isinstance(num_segments, _TensorLike):
        num_segments = static_value(num_segments).item()
    num = operator.index(num_segments)
    v = static_value(ids)
    if num < 0:
        raise InvalidArgumentError(f"{op}: num_segments == {num} must not be negative.")
    if x._value.shape[: v.ndim] != v.shape:
        raise InvalidArgumentError(
            f"{op}: data.shape = {list(x._value.shape)} does not start with segment_ids.shape = {list(v.shape)}.")
    if v.size and v.max() >= num:
        i = int(np.argmax(v.reshape(-1) >= num))
        raise InvalidArgumentError(f"{op}: segment_ids[{i}] = {int(v.reshape(-1)[i])} is out of range [0, {num}) "
                                   "(num_segments); negative ids are dropped, larger ones are an error.")
    return x, ids, num, v


def _unsorted_scaled(data: Any, segment_ids: Any, num_segments: Any, op: str, sqrt: bool) -> Tensor:
    x, ids, num, v = _unsorted_parts(data, segment_ids, num_segments, op)
    tail = x._value.ndim - v.ndim
    s = applyn(UNSORTED_SEGMENT_SUM, (x, ids), {"num": num, "tail": tail})
    counts = np.bincount(v[v >= 0].reshape(-1).astype(np.int64), minlength=num)[:num] if num else np.zeros(0)
    counts = np.maximum(counts, 1).astype(x._value.dtype if x._value.dtype.kind in "fc" else np.float64)
    counts = (np.sqrt(counts) if sqrt else counts).reshape((num,) + (1,) * tail)
    out = s / x._xp.asarray(counts.astype(x._value.dtype)) if x._value.dtype.kind in "fc" else s // counts.astype(
        x._value.dtype)
    return out


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The mean per segment for ids in any order (negative ids dropped, empty segments 0). Gradient: dense.

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_mean(tf.constant([1.0, 2.0, 6.0]), [1, 0, 1], 3).numpy().tolist()
    [2.0, 3.5, 0.0]
    """
    return _unsorted_scaled(data, segment_ids, num_segments, "unsorted_segment_mean", sqrt=False)


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The sum per segment divided by the square root of its size (ids in any order). Gradient: dense.

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_sqrt_n(tf.constant([3.0, 1.0]), [0, 0], 1).numpy().tolist()
    [2.8284270763397217]
    """
    return _unsorted_scaled(data, segment_ids, num_segments, "unsorted_segment_sqrt_n", sqrt=True)


def _unsorted_extreme(data: Any, segment_ids: Any, num_segments: Any, kind: str) -> Tensor:
    """max/min/prod per segment. The value is a NumPy reduction (an op TF-registers no gradient for, used under
    stop_gradient); the gradient is a composition whose value is zero: TF's rules (ties share a max's gradient
    equally; a product's gradient is the product of the other entries)."""
    op = f"unsorted_segment_{kind}"
    x, ids, num, v = _unsorted_parts(data, segment_ids, num_segments, op)
    return _segment_extreme(x, ids, num, x._value.ndim - v.ndim, kind, None)


def _segment_extreme(x: Tensor, ids: Tensor, num: int, tail: int, kind: str, empty: Any) -> Tensor:
    """The body of the max/min/prod segment reductions (``empty``: the value of empty segments; None: the
    reduction's identity, as the unsorted ops)."""
    from . import comparison, core, indexing
    from .sparse_ops import SEGMENT_REDUCE_RAW

    p = {"num": num, "kind": kind, "empty": empty}
    raw = applyn(SEGMENT_REDUCE_RAW, (x, ids), p)
    if x._value.dtype.kind not in "fc":
        return raw
    value = core.stop_gradient(raw)
    delta = x - core.stop_gradient(x)  # zero, with x's gradient
    if kind == "prod":
        others = core.stop_gradient(applyn(SEGMENT_REDUCE_RAW, (x, ids), {**p, "kind": "prod_others"}))
        return value + applyn(UNSORTED_SEGMENT_SUM, (delta * others, ids), {"num": num, "tail": tail})
    picked = comparison.equal(x, segment_take(value, ids, tail))
    share = core.cast(picked, x.dtype)
    n = applyn(UNSORTED_SEGMENT_SUM, (share, ids), {"num": num, "tail": tail})
    n = indexing.where(comparison.greater(n, 0), n, core.ones_like(n))
    return value + applyn(UNSORTED_SEGMENT_SUM, (delta * share, ids), {"num": num, "tail": tail}) / n


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The maximum per segment (ids in any order, negative ids dropped); an empty segment holds the dtype's
    lowest value, as TF. Gradient: dense, shared equally among tied maxima.

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_max(tf.constant([1.0, 5.0, 2.0]), [0, 0, 1], 2).numpy().tolist()
    [5.0, 2.0]
    """
    return _unsorted_extreme(data, segment_ids, num_segments, "max")


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The minimum per segment (empty segments: the dtype's largest value). Gradient: dense, shared among ties.

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_min(tf.constant([1.0, 5.0, 2.0]), [0, 0, 1], 2).numpy().tolist()
    [1.0, 2.0]
    """
    return _unsorted_extreme(data, segment_ids, num_segments, "min")


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """The product per segment (empty segments 1). Gradient: dense, the product of the segment's other entries.

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_prod(tf.constant([2.0, 5.0, 3.0]), [0, 0, 1], 2).numpy().tolist()
    [10.0, 3.0]
    """
    return _unsorted_extreme(data, segment_ids, num_segments, "prod")


EXPORTS: dict[str, list[str]] = {
    "": [
        "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp", "reduce_all",
        "reduce_any", "argmax", "argmin", "cumsum", "sort", "argsort", "clip_by_norm", "clip_by_global_norm", "norm"
    ],
    "math": [
        "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp", "reduce_all",
        "reduce_any", "argmax", "argmin", "cumsum", "cumprod", "top_k", "reduce_euclidean_norm", "reduce_std",
        "reduce_variance", "segment_sum", "unsorted_segment_sum", "segment_mean", "unsorted_segment_mean",
        "unsorted_segment_sqrt_n", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod"
    ],
    "nn": [
        "top_k"
    ],
    "linalg": [
        "norm"
    ],
}
