"""Normalisation (``tf.nn``): l2_normalize, moments, batch_normalization, local_response_normalization, and batch
normalisation in training as one op (statistics and normalisation fused). TF convention kept: ``l2_normalize`` at 0
has gradient ``1/sqrt(epsilon)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1, applyn
from .._registry import defop, normal, spec
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from . import core
from ._common import check_kinds, norm_axis, to_tensor
from ._nn_common import _chan_rows, _check_float, _run, _same_dtype, _sum_rows, _take, _upcast_half
from .reductions import unreduce


def _l2n_fwd(F: Any, x: Any, axis: tuple[int, ...], eps: float) -> Any:
    ss = F.sum(x * x, axis=axis, keepdims=True, dtype=x.dtype)
    return x * (1 / F.sqrt(F.maximum(ss, eps)))


def _l2n_parts(F: Any, x: Any, t: Any, p: Any) -> tuple[Any, Any]:
    ax, eps = p["axis"], p["eps"]
    ss = F.sum(x * x, axis=ax, keepdims=True)
    inv = 1 / F.sqrt(F.maximum(ss, eps))
    # maximum(ss, eps) passes its gradient to ss where ss >= eps (TF: ties go to the first argument)
    dot = F.where(ss >= eps, F.sum(t * x, axis=ax, keepdims=True), F.zeros_like(ss))
    return inv, dot


def _l2n_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    inv, dot = _l2n_parts(F, x, g, p)
    return (g * inv - x * (inv * inv * inv) * dot,)


def _l2n_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    inv, dot = _l2n_parts(F, x, ts[0], p)
    return ts[0] * inv - x * (inv * inv * inv) * dot


L2_NORMALIZE = defop("l2_normalize", _l2n_fwd, _l2n_vjp, _l2n_jvp, test=[
    spec(lambda tf, x: tf.math.l2_normalize(x, axis=1), lambda rng: (rng.normal(size=(3, 4)),),
         ref=lambda x: x / np.sqrt(np.sum(x * x, axis=1, keepdims=True))),
    spec(lambda tf, x: tf.nn.l2_normalize(x), lambda rng: (rng.normal(size=(2, 3)),),
         ref=lambda x: x / np.sqrt(np.sum(x * x)), name="all"),
])


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None) -> Tensor:
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))`` (all axes by default).

    At ``x = 0`` the output is 0 and the gradient ``1/sqrt(epsilon)`` (1e6) per element, as in TF.

    >>> import tapegrad as tf
    >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy().tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    t = to_tensor(x)
    if t._value.dtype.kind != "f":
        raise TypeError(f"l2_normalize: expected a floating point tensor, got {t.dtype.name} (shape "
                        f"{tuple(t._value.shape)}); complex and integer inputs are not supported.")
    axes = norm_axis(axis, t._value.ndim, "l2_normalize")
    return apply1(L2_NORMALIZE, t, {"axis": axes, "eps": float(epsilon)})


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _moments_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if x.dtype.kind in "iu":
        # TF: integer means (truncated), as reduce_mean of the input and of the squared differences
        n = max(_count(x.shape, axis), 1)
        mean = F.astype(F.trunc(F.sum(x, axis=axis, keepdims=True, dtype=F.int64) / n), x.dtype)
        d = x - mean
        var = F.astype(F.trunc(F.sum(d * d, axis=axis, keepdims=True, dtype=F.int64) / n), x.dtype)
    elif (not F.is_diff and x.ndim > 1 and sorted(a % x.ndim for a in axis) == list(range(x.ndim - 1))
          and x.flags.c_contiguous):
        # statistics per channel over every leading axis (batch normalisation, channels last): GEMVs with a ones
        # vector instead of NumPy's much slower reduction over the outer axes of a short last axis
        c = x.shape[-1]
        rows = x.size // c
        ones = F.ones((rows,), dtype=x.dtype)
        kept = (1,) * (x.ndim - 1) + (c,)
        mean = F.reshape(F.matmul(ones, F.reshape(x, (rows, c))) / rows, kept)
        d = x - mean
        var = F.reshape(F.matmul(ones, F.reshape(d * d, (rows, c))) / rows, kept)
    else:
        mean = F.mean(x, axis=axis, keepdims=True)
        d = x - mean
        var = F.mean(d * d, axis=axis, keepdims=True)
    if not keepdims:
        mean = F.squeeze(mean, axis=axis)
        var = F.squeeze(var, axis=axis)
    return mean, var


def _moments_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    gm, gv = g
    ax, keep = p["axis"], p["keepdims"]
    xshape = F.shape(x)
    n = _count(xshape, ax)
    mean = out[0] if keep else F.expand_dims(out[0], ax)
    gx = unreduce(F, gm, xshape, ax, keep) * (1.0 / n) + unreduce(F, gv, xshape, ax, keep) * ((x - mean) * (2.0 / n))
    return (gx,)


def _moments_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, t = ins[0], ts[0]
    ax, keep = p["axis"], p["keepdims"]
    mean = out[0] if keep else F.expand_dims(out[0], ax)
    return (F.mean(t, axis=ax, keepdims=keep), F.mean((x - mean) * t, axis=ax, keepdims=keep) * 2.0)


MOMENTS = defop("moments", _moments_fwd, _moments_vjp, _moments_jvp, multi=True, test=[
    spec(lambda tf, x: tf.nn.moments(x, axes=[0]), lambda rng: (rng.normal(size=(4, 3)),),
         ref=lambda x: (x.mean(0), x.var(0))),
    spec(lambda tf, x: tf.nn.moments(x, axes=[0, 2], keepdims=True), lambda rng: (rng.normal(size=(3, 2, 4)),),
         ref=lambda x: (x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)), name="keepdims"),
])


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple[Tensor, Tensor]:
    """Mean and variance of ``x`` over ``axes`` (``shift`` is unused, as in TF 2).

    Both outputs are differentiable; second derivatives are exact (TF stops the gradient through the mean inside
    the variance, which does not change first derivatives but does change its Hessian).

    >>> import tapegrad as tf
    >>> mean, var = tf.nn.moments(tf.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> float(mean), float(var)
    (2.5, 1.25)
    """
    t = to_tensor(x)
    if t._value.dtype.kind not in "fiu":
        check_kinds(t, "fiu", "moments")
    ax = norm_axis(axes, t._value.ndim, "moments")
    half = t._value.dtype == np.float16
    mean, var = applyn(MOMENTS, (_upcast_half(t),), {"axis": ax, "keepdims": bool(keepdims)})
    if half:
        return core.cast(mean, "float16"), core.cast(var, "float16")
    return mean, var  # a tuple, as TF


def _bn_unpack(ins: Any, p: Any) -> tuple[Any, Any, Any, Any, Any]:
    x, mean, var = ins[0], ins[1], ins[2]
    k = 3
    offset = scale = None
    if p["has_offset"]:
        offset = ins[k]
        k += 1
    if p["has_scale"]:
        scale = ins[k]
    return x, mean, var, offset, scale


def _bn_fwd(F: Any, *ins: Any, has_offset: bool, has_scale: bool, eps: float) -> Any:
    x, mean, var, offset, scale = _bn_unpack(ins, {"has_offset": has_offset, "has_scale": has_scale})
    inv = 1 / F.sqrt(var + eps)  # TF's composite: x * inv + (offset - mean * inv)
    if scale is not None:
        inv = inv * scale
    return x * inv + (offset - mean * inv if offset is not None else -mean * inv)


def _bn_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, mean, var, offset, scale = _bn_unpack(ins, p)
    r = 1 / F.sqrt(var + p["eps"])
    inv = r if scale is None else r * scale
    res: list[Any] = [None] * len(ins)
    gx = g * inv
    res[0] = gx if needs[0] else None
    res[1] = -_sum_rows(F, gx, mean, x) if needs[1] else None
    centered = x - mean if needs[2] or scale is not None else None
    if needs[2]:
        res[2] = _sum_rows(F, g * (centered * (inv * r * r * -0.5)), var, x)
    k = 3
    if offset is not None:
        res[k] = _sum_rows(F, g, offset, x) if needs[k] else None
        k += 1
    if scale is not None and needs[k]:
        res[k] = _sum_rows(F, g * (centered * r), scale, x)
    return tuple(res)


def _bn_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, mean, var, offset, scale = _bn_unpack(ins, p)
    r = 1 / F.sqrt(var + p["eps"])
    inv = r if scale is None else r * scale
    terms = []
    if ts[0] is not None:
        terms.append(ts[0] * inv)
    if ts[1] is not None:
        terms.append(-ts[1] * inv)
    if ts[2] is not None:
        terms.append(ts[2] * ((x - mean) * (inv * r * r * -0.5)))
    k = 3
    if offset is not None:
        if ts[k] is not None:
            terms.append(ts[k])
        k += 1
    if scale is not None and ts[k] is not None:
        terms.append(ts[k] * ((x - mean) * r))
    if not terms:
        return None
    res = terms[0]
    for t in terms[1:]:
        res = res + t
    return F.broadcast_to(res, np.broadcast_shapes(*(F.shape(i) for i in ins)))


def _bn_ref(x: np.ndarray, m: np.ndarray, v: np.ndarray, o: np.ndarray, s: np.ndarray) -> np.ndarray:
    return (x - m) / np.sqrt(v + 1e-3) * s + o


BATCH_NORM = defop("batch_normalization", _bn_fwd, _bn_vjp, _bn_jvp, test=[
    spec(lambda tf, x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
         lambda rng: (rng.normal(size=(4, 3)), rng.normal(size=(3,)), rng.uniform(0.5, 2, size=(3,)),
                      rng.normal(size=(3,)), rng.normal(size=(3,))), ref=_bn_ref),
    spec(lambda tf, x, m, v: tf.nn.batch_normalization(x, m, v, None, None, 1e-3),
         lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=(2, 1)), rng.uniform(0.5, 2, size=(2, 1))),
         ref=lambda x, m, v: (x - m) / np.sqrt(v + 1e-3), name="no_offset_scale"),
])


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any, variance_epsilon: float,
                        name: str | None = None) -> Tensor:
    """``(x - mean) / sqrt(variance + variance_epsilon) * scale + offset`` with broadcasting; ``offset`` and
    ``scale`` may be None. Every tensor input gets a gradient.

    >>> import tapegrad as tf
    >>> tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0).numpy().tolist()
    [-1.0, 1.0]
    """
    t = to_tensor(x)
    op = "batch_normalization"
    _check_float(t, op)
    others = [mean, variance] + [v for v in (offset, scale) if v is not None]
    conv = _same_dtype(op, t, *others)
    ins = (t, *conv)
    try:
        np.broadcast_shapes(*(i._value.shape for i in ins))
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: shapes {[tuple(i._value.shape) for i in ins]} (x, mean, variance[, offset][, scale]) do not "
            "broadcast together.") from None
    return applyn(BATCH_NORM, ins, {"has_offset": offset is not None, "has_scale": scale is not None,
                                    "eps": float(variance_epsilon)})


# -- batch normalisation in training: statistics and normalisation as one op -----------------------------------
# The Keras layer's training step is moments (mean, variance per channel) then batch_normalization; as separate
# ops their backward passes cost about a dozen passes over the activations plus the sum of two input gradients.
# The fused rule is the textbook one: with x̂ = (x − μ)·r, r = (σ² + ε)^-½, dx = γr·(g − mean(g) − x̂·mean(g·x̂)),
# six passes (two GEMV reductions included). Channels last; values are bit-identical to the two ops.


def _fbn_unpack(ins: Any, has_offset: bool, has_scale: bool) -> tuple[Any, Any, Any]:
    offset = ins[1] if has_offset else None
    scale = ins[1 + has_offset] if has_scale else None
    return ins[0], offset, scale


def _channel_sum(F: Any, a: Any) -> Any:
    """``a`` summed over every axis but the last: a GEMV with a ones vector in NumPy (an array that is not
    contiguous, e.g. the broadcast upstream of a global pooling, is copied first: still far faster than NumPy's
    reduction over the outer axes of a short last axis)."""
    if not F.is_diff and type(a) is np.ndarray:
        rows = a.size // a.shape[-1]
        return np.matmul(np.ones((rows,), dtype=a.dtype), a.reshape(rows, a.shape[-1]))
    return F.sum(a, axis=tuple(range(a.ndim - 1)))


def _fbn_fwd(F: Any, *ins: Any, has_offset: bool, has_scale: bool, eps: float, pooled: bool = False) -> Any:
    x, offset, scale = _fbn_unpack(ins, has_offset, has_scale)
    n = x.size // x.shape[-1]
    mean = _channel_sum(F, x) / n
    raw = not F.is_diff and type(x) is np.ndarray and x.flags.c_contiguous
    if raw:
        d = _take(x.shape, np.result_type(x, mean))
        xr, dr, mr = _chan_rows(x, d, mean)
        np.subtract(xr, mr, out=dr)
        np.multiply(d, d, out=d)  # d is ours: its square in place
        var = _channel_sum(F, d) / n
        del d
    else:
        d = x - mean
        var = _channel_sum(F, d * d) / n
    inv = 1 / F.sqrt(var + eps)  # batch_normalization's composite: x * inv + (offset - mean * inv)
    if scale is not None:
        inv = inv * scale
    shift = offset - mean * inv if offset is not None else -mean * inv
    if pooled:  # y's mean over the axes between batch and channels, from x's (y itself is never made)
        if raw:
            hw = n // max(x.shape[0], 1)
            xm = np.matmul(np.ones((hw,), x.dtype), x.reshape(x.shape[0], hw, x.shape[-1])) / x.dtype.type(hw)
        else:
            xm = F.mean(x, axis=tuple(range(1, len(F.shape(x)) - 1)))
        return xm * inv + shift, mean, var
    if raw:
        y = _take(x.shape, np.result_type(x, inv))
        xr, yr, ir, sr = _chan_rows(x, y, inv, shift)
        np.multiply(xr, ir, out=yr)
        yr += sr
    else:
        y = x * inv + shift
    return y, mean, var


def _spatially_constant(gy: np.ndarray) -> bool:
    """An upstream ``(N, ..., C)`` that is one value per sample and channel broadcast over the axes between."""
    return gy.ndim >= 3 and gy.shape[0] > 0 and gy.shape[-2] > 0 and all(
        st == 0 or d == 1 for st, d in zip(gy.strides[1:-1], gy.shape[1:-1]))


def _fbn_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, offset, scale = _fbn_unpack(ins, p["has_offset"], p["has_scale"])
    gy, gm, gv = g
    mean, var = out[1], out[2]
    if p.get("pooled"):  # the pooled output's upstream spread over the pooled axes, as reduce_mean's rule does
        xs = F.shape(x)
        hw = 1
        for d in xs[1:-1]:
            hw *= d
        lead = F.shape(gy)[:-2]  # Jacobian batch axes, if any
        gy = F.broadcast_to(F.reshape(gy / hw, lead + (xs[0],) + (1,) * (len(xs) - 2) + (xs[-1],)), lead + xs)
    raw = (not F.is_diff and type(x) is np.ndarray and type(gy) is np.ndarray and gy.shape == x.shape
           and x.flags.c_contiguous)
    n = 1
    for s in F.shape(x)[:-1]:
        n *= s
    nb = len(F.shape(gy)) - len(F.shape(x))  # leading Jacobian batch axes of the upstream, kept by the sums

    def csum(a: Any) -> Any:
        return _channel_sum(F, a) if nb == 0 else F.sum(a, axis=tuple(range(nb, len(F.shape(a)) - 1)))
    r = 1 / F.sqrt(var + p["eps"])
    gr = r if scale is None else r * scale
    per_sample = raw and _spatially_constant(gy)
    if per_sample:
        # the upstream of a global average pooling: one value per sample and channel, broadcast over the spatial
        # axes. Its sums come from the per-sample spatial sums of xc (one stacked GEMV), and dx is xc·B plus a
        # per-sample shift: three passes over the activations instead of nine
        gs = gy[(slice(None),) + (0,) * (gy.ndim - 2)]  # (N, C)
        hw = n // max(x.shape[0], 1)
        xc = _take(x.shape, np.result_type(x, gy))
        xr, xcr, mr = _chan_rows(x, xc, mean)
        np.subtract(xr, mr, out=xcr)
        sxc = np.matmul(np.ones((hw,), xc.dtype), xc.reshape(x.shape[0], hw, x.shape[-1]))
        sg, sgx = np.sum(gs, axis=0) * hw, np.sum(gs * sxc, axis=0)
    elif raw:
        if not gy.flags.c_contiguous:  # e.g. a global pooling's broadcast upstream: one copy makes the three
            gyc = _take(gy.shape, gy.dtype)  # passes over it below contiguous (the same values)
            np.copyto(gyc, gy)
            gy = gyc
        xc = _take(x.shape, x.dtype)
        xr, xcr, mr = _chan_rows(x, xc, mean)
        np.subtract(xr, mr, out=xcr)
        prod = _take(x.shape, np.result_type(x, gy))
        np.multiply(gy, xc, out=prod)
        sg, sgx = _channel_sum(F, gy), _channel_sum(F, prod)
    else:
        xc = x - mean
        sg, sgx = csum(gy), csum(gy * xc)
    res: list[Any] = [None] * len(ins)
    k = 1
    if p["has_offset"]:
        res[k] = sg if needs[k] else None
        k += 1
    if p["has_scale"] and needs[k]:
        res[k] = sgx * r
    if needs[0]:
        # dx = gy·A + xc·B + C per channel; the upstreams of the statistics (nonzero only when the caller
        # differentiates them) add mean's 1/n and variance's 2·xc/n
        a = gr
        b = -gr * r * r * sgx / n + gv * (2.0 / n)
        c = -gr * sg / n + gm / n
        if nb:  # per-channel factors (J..., C) broadcast against the upstream (J..., N, ..., C)
            lead = F.shape(gy)[:nb] + (1,) * (len(F.shape(x)) - 1) + (F.shape(x)[-1],)
            b, c = F.reshape(b, lead), F.reshape(c, lead)
        if per_sample:
            dx = xc
            xcr *= _chan_rows(xc, b)[1]
            shift = gs * a + c  # (N, C): rows of the last spatial axis times C, broadcast over the others
            w = x.shape[-2]
            dx.reshape(x.shape[0], hw // w, w * x.shape[-1])[...] += shift[:, None, :].repeat(w, 1).reshape(
                x.shape[0], 1, w * x.shape[-1])
        elif raw:
            dx = prod  # gy·xc is summed already: its buffer takes the result
            gyr, dxr, ar, br, cr = _chan_rows(gy, dx, a, b, c)
            np.multiply(gyr, ar, out=dxr)
            xcr *= br
            dxr += xcr
            dxr += cr
        else:
            dx = gy * a + xc * b + c
        res[0] = dx
    return tuple(res)


def _fbn_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, offset, scale = _fbn_unpack(ins, p["has_offset"], p["has_scale"])
    tx, t_off, t_scale = _fbn_unpack(ts, p["has_offset"], p["has_scale"])
    mean, var = out[1], out[2]
    r = 1 / F.sqrt(var + p["eps"])
    xc = x - mean
    n = 1
    for s in F.shape(x)[:-1]:
        n *= s
    axes = tuple(range(len(F.shape(x)) - 1))
    if tx is None:
        t_mean = t_var = None
        ty = None
    else:
        t_mean = F.sum(tx, axis=axes) / n
        t_var = F.sum(xc * tx, axis=axes) * (2.0 / n)
        t_xhat = (tx - t_mean) * r - xc * (r * r * r * 0.5 * t_var)
        ty = t_xhat if scale is None else t_xhat * scale
    if t_scale is not None:
        part = xc * r * t_scale
        ty = part if ty is None else ty + part
    if t_off is not None:
        ty = t_off + F.zeros_like(x) if ty is None else ty + t_off
    if p.get("pooled") and ty is not None:
        ty = F.mean(ty, axis=tuple(range(1, len(F.shape(x)) - 1)))
    return ty, t_mean, t_var


def _fbn_ref(x: np.ndarray, offset: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, ...]:
    ax = tuple(range(x.ndim - 1))
    m, v = x.mean(ax), x.var(ax)
    return (x - m) / np.sqrt(v + 1e-3) * scale + offset, m, v


FUSED_BATCH_NORM = defop("fused_batch_norm_train", _fbn_fwd, _fbn_vjp, _fbn_jvp, multi=True, internal=True, test=[
    spec(lambda tf, x, o, s: fused_batch_norm_train(x, o, s, 1e-3),
         lambda rng: (rng.normal(size=(2, 3, 2, 3)), rng.normal(size=(3,)), rng.normal(size=(3,))), ref=_fbn_ref,
         tf=False),
    spec(lambda tf, x: fused_batch_norm_train(x, None, None, 1e-3)[0], lambda rng: (rng.normal(size=(5, 4)),),
         ref=lambda x: (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), tf=False, name="no_offset_scale"),
    spec(lambda tf, x, o, s: fused_batch_norm_train(x, o, s, 1e-3, pooled=True),
         lambda rng: (rng.normal(size=(3, 2, 4, 3)), rng.normal(size=(3,)), rng.normal(size=(3,))),
         ref=lambda x, o, s: (lambda y, m, v: (y.mean((1, 2)), m, v))(*_fbn_ref(x, o, s)), tf=False, name="pooled"),
])


def fused_batch_norm_train(x: Any, offset: Any, scale: Any, epsilon: float, pooled: bool = False) -> list[Tensor]:
    """Batch normalisation with the batch's own statistics, channels last: ``[y, mean, variance]`` where mean and
    (biased) variance are over every axis but the last and ``y = (x - mean) / sqrt(variance + epsilon) * scale +
    offset`` (``offset``/``scale`` may be None). The same values as ``tf.nn.moments`` followed by
    ``tf.nn.batch_normalization``, as one op with a fused gradient (what Keras's ``BatchNormalization`` runs in
    training). ``pooled=True`` returns ``y``'s mean over the axes between batch and channels instead of ``y``
    (``[N, C]``; a batch norm followed by a global average pooling, without the normalised activations).

    >>> import tapegrad as tf
    >>> from tapegrad.ops.normalization import fused_batch_norm_train
    >>> y, mean, var = fused_batch_norm_train(tf.constant([[1.0], [3.0]]), None, None, 0.0)
    >>> y.numpy().ravel().tolist(), float(mean[0]), float(var[0])
    ([-1.0, 1.0], 2.0, 1.0)
    """
    t = to_tensor(x)
    op = "fused_batch_norm_train"
    _check_float(t, op)
    others = [v for v in (offset, scale) if v is not None]
    ins = (t, *_same_dtype(op, t, *others)) if others else (t,)
    p = {"has_offset": offset is not None, "has_scale": scale is not None, "eps": float(epsilon)}
    if pooled:
        if t.ndim < 3:
            raise ValueError(f"{op}: pooled=True needs an input with axes between batch and channels, got shape "
                             f"{tuple(t.shape)}.")
        p["pooled"] = True
    return applyn(FUSED_BATCH_NORM, ins, p)


# -- local_response_normalization ----------------------------------------------------------------------------------
# out = x * (bias + alpha * S)^-beta, S the sum of x^2 over a window of 2r+1 channels. The window sum is a linear,
# self-adjoint op (its VJP and JVP are itself), so the composite is differentiable to any order.


def _window_sum_fwd(F: Any, x: Any, r: int) -> Any:
    c = x.shape[-1]
    padded = F.pad(x, [(0, 0)] * (x.ndim - 1) + [(r, r)])
    out = padded[..., 0:c].copy()
    for j in range(1, 2 * r + 1):
        out += padded[..., j: j + c]
    return out


def _window_sum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, CHANNEL_WINDOW_SUM, g, **p),)


def _window_sum_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return None if ts[0] is None else _run(F, CHANNEL_WINDOW_SUM, ts[0], **p)


def _lrn_ref(x: np.ndarray, r: int, bias: float, alpha: float, beta: float) -> np.ndarray:
    c = x.shape[-1]
    sq = np.stack([(x[..., max(i - r, 0): i + r + 1] ** 2).sum(-1) for i in range(c)], -1)
    return x / (bias + alpha * sq) ** beta


CHANNEL_WINDOW_SUM = defop(
    "channel_window_sum", _window_sum_fwd, _window_sum_vjp, _window_sum_jvp, linear=True, save_in=False,
    test=[
        # TF's LRN kernel has no float64: compared with TF in float32 by the conformance program
        spec(lambda tf, x: tf.nn.local_response_normalization(x, 2, 1.5, 0.3, 0.75), normal((2, 3, 2, 6)),
             ref=lambda x: _lrn_ref(x, 2, 1.5, 0.3, 0.75), tf=False, name="local_response_normalization"),
        spec(lambda tf, x: tf.nn.lrn(x), normal((1, 2, 2, 4)), ref=lambda x: _lrn_ref(x, 5, 1.0, 1.0, 0.5), tf=False,
             name="lrn_defaults"),
    ],
)


def local_response_normalization(input: Any, depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0,  # noqa: A002
                                 beta: float = 0.5, name: str | None = None) -> Tensor:
    """Local response normalisation over the last (channel) axis of a 4-D tensor:
    ``x / (bias + alpha * sum(x[..., d - r: d + r + 1] ** 2)) ** beta`` with ``r = depth_radius``.

    Differentiable to any order. Float64 is accepted too (TF's kernel takes float16/bfloat16/float32 only).

    >>> import tapegrad as tf
    >>> [round(float(v), 4) for v in tf.nn.local_response_normalization(tf.ones([1, 1, 1, 3]), depth_radius=1)[0, 0, 0]]
    [0.5774, 0.5, 0.5774]
    """
    op = "local_response_normalization"
    x = to_tensor(input)
    check_kinds(x, "f", op)
    if x._value.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-dimensional [batch, height, width, channels], got shape "
                                   f"{list(x._value.shape)}.")
    r = int(depth_radius)
    if r < 0:
        raise InvalidArgumentError(f"{op}: depth_radius must be >= 0, got {r}.")
    sq = apply1(CHANNEL_WINDOW_SUM, x * x, {"r": r})
    return x * (float(bias) + float(alpha) * sq) ** (-float(beta))


lrn = local_response_normalization


EXPORTS: dict[str, list[str]] = {
    "nn": [
        "l2_normalize", "moments", "batch_normalization", "local_response_normalization", "lrn",
    ],
    "math": [
        "l2_normalize",
    ],
}
