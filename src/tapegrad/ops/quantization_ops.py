"""``tf.quantization``: fake quantization (with TF's nudged ranges and straight-through gradients),
quantize_and_dequantize(_v2), and quantize / dequantize (MIN_COMBINED, MIN_FIRST, SCALED).

The arithmetic follows TF's CPU kernels step by step in the kernels' precision (float32 for the fake-quant ops and
quantize/dequantize, the input's dtype for quantize_and_dequantize), so results are TF's bit for bit. TF's
``std::round`` (half away from zero) is computed in float64 on the float32 value, which is exact.

tapegrad has no quantized dtypes: ``quantize`` returns the integer tensor of the same width (``quint8`` -> uint8,
``qint8`` -> int8, ``quint16`` -> uint16, ``qint16`` -> int16, ``qint32`` -> int32), and ``dequantize`` takes those.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1, applyn
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError, NotFoundError, UnimplementedError
from . import core
from ._common import to_tensor

_F32 = np.float32


def _round_away(x: np.ndarray) -> np.ndarray:
    """``std::round``: half away from zero (exact for float32 values: computed in float64)."""
    d = np.asarray(x, dtype=np.float64)
    return (np.sign(d) * np.floor(np.abs(d) + 0.5)).astype(np.asarray(x).dtype)


def _nudge(mn: Any, mx: Any, qmin: int, qmax: int) -> tuple[Any, Any, Any, Any]:
    """TF's Nudge (float32): the range moved so that 0.0 is exactly representable; returns nudged min, max,
    scale and the separately computed inverse scale. Works elementwise on arrays of mins and maxes."""
    mn, mx = np.asarray(mn, _F32), np.asarray(mx, _F32)
    qmin_f, qmax_f = _F32(qmin), _F32(qmax)
    with np.errstate(all="ignore"):
        scale = (mx - mn) / (qmax_f - qmin_f)
        inv = (qmax_f - qmin_f) / (mx - mn)
        zp_from_min = qmin_f - mn / scale
    zp = np.where(zp_from_min < qmin_f, qmin_f, np.where(zp_from_min > qmax_f, qmax_f, _round_away(zp_from_min)))
    zp = zp.astype(np.uint16).astype(_F32)  # TF keeps the zero point as uint16
    return ((qmin_f - zp) * scale).astype(_F32), ((qmax_f - zp) * scale).astype(_F32), scale.astype(_F32), \
        inv.astype(_F32)


def _qrange(num_bits: int, narrow_range: bool) -> tuple[int, int]:
    return (1 if narrow_range else 0), (1 << num_bits) - 1


def _fq(x: np.ndarray, mn: Any, mx: Any, num_bits: int, narrow: bool, divide: bool) -> np.ndarray:
    """Fake quantization of float32 ``x`` with (broadcastable) ranges; ``divide``: TF's Vars kernel divides by
    the scale where the Args and PerChannel kernels multiply by the inverse scale."""
    qmin, qmax = _qrange(num_bits, narrow)
    nmin, nmax, scale, inv = _nudge(mn, mx, qmin, qmax)
    with np.errstate(all="ignore"):
        quant_zero = np.floor(-nmin * inv + _F32(0.5)).astype(_F32)
        # in place, in TF's order of float32 operations: ((clamp(x) - nmin) * inv - quant_zero + 0.5).floor() * scale
        out = np.minimum(x, nmax).astype(_F32, copy=False)  # TF's order (max of min): min > max ranges differ
        np.maximum(out, nmin, out=out)
        out -= nmin
        if divide:
            out /= scale
        else:
            out *= inv
        out -= quant_zero
        out += _F32(0.5)
        np.floor(out, out=out)
        out *= scale
    both_zero = (np.asarray(mn) == 0) & (np.asarray(mx) == 0)
    if np.any(both_zero):  # TF: min == max == 0 gives zeros
        out = np.where(both_zero, _F32(0), out).astype(_F32)
    return out


def _fq_masks(x: np.ndarray, mn: Any, mx: Any, num_bits: int, narrow: bool) -> tuple[Any, Any, Any, Any]:
    """NumPy masks (inside / below / above the nudged range, min == max == 0) for the ``*_gradient`` functions."""
    qmin, qmax = _qrange(num_bits, narrow)
    nmin, nmax, _, _ = _nudge(mn, mx, qmin, qmax)
    both_zero = (np.asarray(mn) == 0) & (np.asarray(mx) == 0)  # TF: everything passes through
    inside = ((x >= nmin) & (x <= nmax)) | both_zero
    below = (x < nmin) & ~both_zero
    above = (x > nmax) & ~both_zero
    return inside, below, above, both_zero


def _nudged_range(F: Any, mn: Any, mx: Any, num_bits: int, narrow: bool) -> tuple[Any, Any]:
    """TF's nudged min and max computed with ``F``'s ops (recorded inside traces, so a compiled program recomputes
    them from new ranges): clip-then-round equals Nudge's branches because the bounds are integers."""
    qmin, qmax = _qrange(num_bits, narrow)
    scale = (mx - mn) / float(qmax - qmin)
    zp = F.floor(F.clip(float(qmin) - mn / scale, float(qmin), float(qmax)) + 0.5)
    return (float(qmin) - zp) * scale, (float(qmax) - zp) * scale


def _pass_inside(F: Any, g: Any, x: Any, lo: Any, hi: Any) -> Any:
    """``g`` where ``lo <= x <= hi``, else 0 (with the ops every backend and the differentiable namespace have)."""
    return F.where(F.equal(F.clip(x, lo, hi), x), g, F.zeros_like(g))


# -- fake_quant_with_min_max_args -----------------------------------------------------------------------------------


def _fq_args_fwd(F: Any, x: Any, mn: float, mx: float, num_bits: int, narrow: bool) -> Any:
    return _fq(x, mn, mx, num_bits, narrow, divide=False)


def _fq_args_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    qmin, qmax = _qrange(p["num_bits"], p["narrow"])
    nmin, nmax, _, _ = _nudge(p["mn"], p["mx"], qmin, qmax)  # the range is a fixed parameter of this op
    return (_pass_inside(F, g, ins[0], float(nmin), float(nmax)),)


def _f32(*shapes: tuple[int, ...], lo: float = -1.5, hi: float = 1.5) -> Any:
    return lambda rng: tuple(rng.uniform(lo, hi, size=s).astype(np.float32) for s in shapes)


FAKE_QUANT_ARGS = defop(
    "fake_quant_with_min_max_args", _fq_args_fwd, _fq_args_vjp, save_in=True,
    test=[spec(lambda tf, x: tf.quantization.fake_quant_with_min_max_args(x, -1.0, 1.0), _f32((4, 5)), grad=(),
               order2=False),
          spec(lambda tf, x: tf.quantization.fake_quant_with_min_max_args(x, -0.3, 1.7, num_bits=5,
                                                                           narrow_range=True),
               _f32((20,)), grad=(), order2=False, name="narrow")])


def _check_bits(num_bits: int, op: str) -> int:
    if not 2 <= int(num_bits) <= 16:
        raise InvalidArgumentError(f"{op}: num_bits must be between 2 and 16 inclusive, got {num_bits}.")
    return int(num_bits)


def _float32_input(x: Any, op: str) -> Tensor:
    t = to_tensor(x) if isinstance(x, _TensorLike) else core.convert_to_tensor(x, dtype=_dtypes.float32)
    if t.dtype != _dtypes.float32:
        raise ValueError(f"{op}: inputs must be float32 (TF's kernel is float32 only), got {t.dtype.name}; cast with "
                         "tf.cast(x, tf.float32).")
    return t


def fake_quant_with_min_max_args(inputs: Any, min: float = -6, max: float = 6, num_bits: int = 8,  # noqa: A002
                                 narrow_range: bool = False, name: str | None = None) -> Tensor:
    """Fake-quantizes float32 ``inputs`` to ``num_bits`` levels in the fixed range ``[min, max]`` (nudged so that
    0.0 is a level, as TF). The gradient passes through inside the nudged range and is 0 outside it.

    >>> import tapegrad as tf
    >>> tf.quantization.fake_quant_with_min_max_args([-1.0, 0.3, 2.0], -1.0, 1.0).numpy().tolist()
    [-0.9960784912109375, 0.2980392277240753, 1.003921627998352]
    """
    op = "fake_quant_with_min_max_args"
    x = _float32_input(inputs, op)
    nb = _check_bits(num_bits, op)
    if not float(min) < float(max):
        raise InvalidArgumentError(f"{op}: min must be smaller than max, got min={min} >= max={max}.")
    return apply1(FAKE_QUANT_ARGS, x, {"mn": float(min), "mx": float(max), "num_bits": nb,
                                       "narrow": bool(narrow_range)})


def fake_quant_with_min_max_args_gradient(gradients: Any, inputs: Any, min: float = -6,  # noqa: A002
                                          max: float = 6, num_bits: int = 8,  # noqa: A002
                                          narrow_range: bool = False, name: str | None = None) -> Tensor:
    """The gradient of :func:`fake_quant_with_min_max_args`: ``gradients`` where ``inputs`` is inside the nudged
    range, else 0.

    >>> import tapegrad as tf
    >>> tf.quantization.fake_quant_with_min_max_args_gradient([1.0, 1.0], [0.5, 7.0]).numpy().tolist()
    [1.0, 0.0]
    """
    op = "fake_quant_with_min_max_args_gradient"
    g, x = _float32_input(gradients, op), _float32_input(inputs, op)
    nb = _check_bits(num_bits, op)
    inside, _, _, _ = _fq_masks(x._value, float(min), float(max), nb, bool(narrow_range))
    return core.constant(g._value * inside.astype(_F32))


# -- fake_quant_with_min_max_vars (scalar ranges) and _per_channel (last-axis ranges) ------------------------------


def _fq_vars_fwd(F: Any, x: Any, mn: Any, mx: Any, num_bits: int, narrow: bool) -> Any:
    return _fq(x, mn, mx, num_bits, narrow, divide=True)


def _fq_pc_fwd(F: Any, x: Any, mn: Any, mx: Any, num_bits: int, narrow: bool) -> Any:
    return _fq(x, mn, mx, num_bits, narrow, divide=False)


def _fq_vars_grads(F: Any, g: Any, x: Any, mn: Any, mx: Any, p: Any, keep_last: bool) -> tuple[Any, Any, Any]:
    """TF's FakeQuantWithMinMaxVars(PerChannel)Gradient: ``g`` inside the nudged range to the input, the sums of
    ``g`` below / above it to min / max (per channel: over all but the last axis); min == max == 0 passes ``g``
    through to the input."""
    nmin, nmax = _nudged_range(F, mn, mx, p["num_bits"], p["narrow"])
    zero = F.zeros_like(g)
    both_zero = F.equal(F.abs(mn) + F.abs(mx), 0.0)
    gx = F.where(both_zero, g, _pass_inside(F, g, x, nmin, nmax))
    below = F.where(both_zero, zero, F.where(F.equal(F.maximum(x, nmin), x), zero, g))
    above = F.where(both_zero, zero, F.where(F.equal(F.minimum(x, nmax), x), zero, g))
    axes = tuple(range(-len(F.shape(x)), -1 if keep_last else 0))
    return gx, F.sum(below, axis=axes), F.sum(above, axis=axes)


def _fq_vars_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return _fq_vars_grads(F, g, ins[0], ins[1], ins[2], p, keep_last=False)


def _fq_pc_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return _fq_vars_grads(F, g, ins[0], ins[1], ins[2], p, keep_last=True)


def _vars_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return (rng.uniform(-1.5, 1.5, size=(3, 4)).astype(np.float32), np.float32(-0.7), np.float32(1.1))


def _pc_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return (rng.uniform(-1.5, 1.5, size=(5, 3)).astype(np.float32), np.array([-1.0, 0.0, -0.4], np.float32),
            np.array([1.0, 0.8, 0.3], np.float32))


FAKE_QUANT_VARS = defop(
    "fake_quant_with_min_max_vars", _fq_vars_fwd, _fq_vars_vjp,
    test=spec(lambda tf, x, mn, mx: tf.quantization.fake_quant_with_min_max_vars(x, mn, mx), _vars_args, grad=(),
              order2=False))
FAKE_QUANT_PER_CHANNEL = defop(
    "fake_quant_with_min_max_vars_per_channel", _fq_pc_fwd, _fq_pc_vjp,
    test=spec(lambda tf, x, mn, mx: tf.quantization.fake_quant_with_min_max_vars_per_channel(x, mn, mx, num_bits=4),
              _pc_args, grad=(), order2=False))


def _check_range_shapes(op: str, ranges: Any, d: int | None, how: str) -> None:
    """Each ``(what, tensor)`` of ``ranges`` is a scalar (``d`` None) or has shape ``[d]``: else
    InvalidArgumentError naming the op, the argument and ``how`` the ranges are meant."""
    for what, t in ranges:
        shape = tuple(np.shape(t._value))
        if d is None and shape:
            raise InvalidArgumentError(f"{op}: {what} must be a scalar{how}, got shape {list(shape)}.")
        if d is not None and shape != (d,):
            raise InvalidArgumentError(f"{op}: {what} must have shape [{d}] ({how}), got {list(shape)}.")


def _range_tensors(x: Tensor, mn: Any, mx: Any, op: str, per_channel: bool) -> tuple[Tensor, Tensor]:
    mn_t, mx_t = _float32_input(mn, op), _float32_input(mx, op)
    if per_channel:
        if x._value.ndim < 1:
            raise InvalidArgumentError(f"{op}: inputs must have rank >= 1 (channels on the last axis), got a scalar.")
        _check_range_shapes(op, (("min", mn_t), ("max", mx_t)), x._value.shape[-1], "one per channel of the last "
                            "axis")
    else:
        _check_range_shapes(op, (("min", mn_t), ("max", mx_t)), None,
                            "; use fake_quant_with_min_max_vars_per_channel for per-channel ranges")
    return mn_t, mx_t


def _fq_vars_apply(opdef: Any, inputs: Any, mn: Any, mx: Any, num_bits: int, narrow_range: bool,
                   per_channel: bool) -> Tensor:
    x = _float32_input(inputs, opdef.name)
    mn_t, mx_t = _range_tensors(x, mn, mx, opdef.name, per_channel)
    return applyn(opdef, (x, mn_t, mx_t), {"num_bits": _check_bits(num_bits, opdef.name), "narrow": bool(narrow_range)})


def fake_quant_with_min_max_vars(inputs: Any, min: Any, max: Any, num_bits: int = 8,  # noqa: A002
                                 narrow_range: bool = False, name: str | None = None) -> Tensor:
    """Fake-quantizes float32 ``inputs`` in the range given by the scalar tensors ``min`` and ``max`` (trainable:
    their gradients are the sums of the upstream gradient below / above the nudged range; the input's gradient
    passes through inside it). ``min == max == 0`` gives zeros (and passes every gradient to the input), as TF.

    >>> import tapegrad as tf
    >>> lo, hi = tf.Variable(-1.0), tf.Variable(1.0)
    >>> x = tf.constant([-2.0, 0.3, 0.5, 3.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.quantization.fake_quant_with_min_max_vars(x, lo, hi)
    >>> [g.numpy().tolist() for g in tape.gradient(y, [lo, hi])]
    [1.0, 1.0]
    """
    return _fq_vars_apply(FAKE_QUANT_VARS, inputs, min, max, num_bits, narrow_range, per_channel=False)


def fake_quant_with_min_max_vars_per_channel(inputs: Any, min: Any, max: Any, num_bits: int = 8,  # noqa: A002
                                             narrow_range: bool = False, name: str | None = None) -> Tensor:
    """:func:`fake_quant_with_min_max_vars` with one range per channel: ``min`` and ``max`` have shape ``[d]``,
    ``inputs`` has ``d`` channels on its last axis.

    >>> import tapegrad as tf
    >>> x = tf.constant([[0.0, -0.5], [0.3, 0.3], [0.5, 0.5]])
    >>> tf.quantization.fake_quant_with_min_max_vars_per_channel(x, [0.0, -1.0], [1.0, 0.5]).numpy()[1].tolist()
    [0.3019607961177826, 0.30000001192092896]
    """
    return _fq_vars_apply(FAKE_QUANT_PER_CHANNEL, inputs, min, max, num_bits, narrow_range, per_channel=True)


_VarsGrad = namedtuple("_VarsGrad", ["backprops_wrt_input", "backprop_wrt_min", "backprop_wrt_max"])


def _vars_gradient(gradients: Any, inputs: Any, min: Any, max: Any, num_bits: int, narrow_range: bool,  # noqa: A002
                   op: str, per_channel: bool) -> Any:
    g, x = _float32_input(gradients, op), _float32_input(inputs, op)
    mn_t, mx_t = _range_tensors(x, min, max, op, per_channel)
    p = {"num_bits": _check_bits(num_bits, op), "narrow": bool(narrow_range)}
    inside, below, above, _ = _fq_masks(x._value, mn_t._value, mx_t._value, p["num_bits"], p["narrow"])
    axes = tuple(range(x._value.ndim - 1 if per_channel else x._value.ndim))
    gv = g._value
    dx, dmin, dmax = gv * inside, (gv * below).sum(axis=axes), (gv * above).sum(axis=axes)
    return _VarsGrad(*(core.constant(np.asarray(a, _F32)) for a in (dx, dmin, dmax)))


def fake_quant_with_min_max_vars_gradient(gradients: Any, inputs: Any, min: Any, max: Any,  # noqa: A002
                                          num_bits: int = 8, narrow_range: bool = False,
                                          name: str | None = None) -> Any:
    """The gradients of :func:`fake_quant_with_min_max_vars`: ``(backprops_wrt_input, backprop_wrt_min,
    backprop_wrt_max)``.

    >>> import tapegrad as tf
    >>> r = tf.quantization.fake_quant_with_min_max_vars_gradient([1.0, 2.0, 4.0], [-3.0, 0.0, 3.0], -1.0, 1.0)
    >>> r.backprops_wrt_input.numpy().tolist(), float(r.backprop_wrt_min), float(r.backprop_wrt_max)
    ([0.0, 2.0, 0.0], 1.0, 4.0)
    """
    return _vars_gradient(gradients, inputs, min, max, num_bits, narrow_range,
                          "fake_quant_with_min_max_vars_gradient", per_channel=False)


def fake_quant_with_min_max_vars_per_channel_gradient(gradients: Any, inputs: Any, min: Any, max: Any,  # noqa: A002
                                                      num_bits: int = 8, narrow_range: bool = False,
                                                      name: str | None = None) -> Any:
    """The gradients of :func:`fake_quant_with_min_max_vars_per_channel` (per-channel sums for min and max).

    >>> import tapegrad as tf
    >>> r = tf.quantization.fake_quant_with_min_max_vars_per_channel_gradient(
    ...     [[1.0, 1.0]], [[-3.0, 3.0]], [-1.0, -1.0], [1.0, 1.0])
    >>> r.backprop_wrt_min.numpy().tolist(), r.backprop_wrt_max.numpy().tolist()
    ([1.0, 0.0], [0.0, 1.0])
    """
    return _vars_gradient(gradients, inputs, min, max, num_bits, narrow_range,
                          "fake_quant_with_min_max_vars_per_channel_gradient", per_channel=True)


# -- quantize_and_dequantize ------------------------------------------------------------------------------------------


def _qdq_fwd(F: Any, x: Any, mn: Any, mx: Any, signed: bool, num_bits: int, range_given: bool, half_up: bool,
             narrow: bool, axis: int | None) -> Any:
    dt = x.dtype.type
    if axis is None:
        xs = x.reshape(-1, 1)
    else:
        xs = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    if range_given:
        lo, hi = np.asarray(mn, dt).reshape(-1), np.asarray(mx, dt).reshape(-1)
    elif xs.size:
        lo, hi = xs.min(axis=0) if axis is not None else xs.min(keepdims=True).reshape(1), \
            xs.max(axis=0) if axis is not None else xs.max(keepdims=True).reshape(1)
    else:
        return x.copy()
    qmin = (-(1 << (num_bits - 1)) + (1 if narrow else 0)) if signed else 0
    qmax = ((1 << (num_bits - 1)) - 1) if signed else (1 << num_bits) - 1
    qmin_t, qmax_t, big = dt(qmin), dt(qmax), np.finfo(dt).max
    lo, hi = lo.astype(dt), hi.astype(dt)
    with np.errstate(all="ignore"):
        from_min = np.where(qmin_t * lo > 0, qmin_t / lo, big).astype(dt)
        from_max = np.where(qmax_t * hi > 0, qmax_t / hi, big).astype(dt)
        use_min = from_min < from_max  # TF keeps the side of the range that sets the scale
        scale = np.where(use_min, from_min, from_max).astype(dt)
        inv = np.where(use_min, lo / qmin_t, hi / qmax_t).astype(dt)
        hi = np.where(use_min, qmax_t * inv, hi).astype(dt)
        lo = np.where(use_min, lo, qmin_t * inv).astype(dt)
        v = np.maximum(np.minimum(xs, hi), lo) if range_given else xs
        s = (v * scale).astype(dt)
        r = np.floor(s + dt(0.5)) if half_up else np.rint(s)
        out = (r * inv).astype(dt)
    if axis is None:
        return out.reshape(x.shape)
    moved = np.moveaxis(x, axis, -1).shape
    return np.moveaxis(out.reshape(moved), -1, axis)


def _qdq_v4_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """TF's QuantizeAndDequantizeV4Grad: the input's gradient passes where ``input_min <= x <= input_max`` (the
    given range, also when it was not used); min and max get zero gradients."""
    x, mn, mx = ins
    if p["axis"] is not None:
        shape = [1] * len(F.shape(x))
        shape[p["axis"]] = -1
        mn, mx = F.reshape(mn, shape), F.reshape(mx, shape)
    gx = _pass_inside(F, g, x, mn, mx)
    return gx, F.zeros_like(ins[1]) if needs[1] else None, F.zeros_like(ins[2]) if needs[2] else None


def _qdq_v2_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """TF's gradient of QuantizeAndDequantizeV2 (``tf.quantization.quantize_and_dequantize``): straight through."""
    return g, None, None


def _qdq_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return rng.uniform(-1.5, 2.0, size=(4, 3)), np.float64(-1.0), np.float64(1.0)


QDQ_V4 = defop(
    "quantize_and_dequantize_v2", _qdq_fwd, _qdq_v4_vjp,
    test=[spec(lambda tf, x, mn, mx: tf.quantization.quantize_and_dequantize_v2(x, mn, mx), _qdq_args, grad=(),
               order2=False),
          spec(lambda tf, x, mn, mx: tf.quantization.quantize_and_dequantize_v2(
              x, mn, mx, range_given=True, num_bits=4, narrow_range=True, round_mode="HALF_UP"), _qdq_args, grad=(),
              order2=False, name="range_given")])
QDQ_V2 = defop(
    "quantize_and_dequantize", _qdq_fwd, _qdq_v2_vjp,
    test=spec(lambda tf, x, mn, mx: tf.quantization.quantize_and_dequantize(x, mn, mx, signed_input=False),
              _qdq_args, grad=(), order2=False))


def _qdq(op: Any, input: Any, input_min: Any, input_max: Any, signed_input: bool, num_bits: int,  # noqa: A002
         range_given: bool, round_mode: str, narrow_range: bool, axis: int | None, name: str) -> Tensor:
    x = to_tensor(input) if isinstance(input, _TensorLike) else core.convert_to_tensor(input)
    if x.dtype.name not in ("float16", "bfloat16", "float32", "float64"):
        raise InvalidArgumentError(f"{name}: input must be floating (float16, bfloat16, float32, float64), got "
                                   f"{x.dtype.name}.")
    mn = core.convert_to_tensor(input_min, dtype=x.dtype)
    mx = core.convert_to_tensor(input_max, dtype=x.dtype)
    if round_mode not in ("HALF_TO_EVEN", "HALF_UP"):
        raise InvalidArgumentError(f"{name}: round_mode must be 'HALF_TO_EVEN' or 'HALF_UP', got {round_mode!r}.")
    if not 1 <= int(num_bits) <= (63 if signed_input else 62):
        raise InvalidArgumentError(f"{name}: num_bits is out of range: {num_bits} with signed_input={signed_input}.")
    ax = None
    if axis is not None:
        if range_given:  # TF 2.21's kernel checks for scalar ranges before it reads axis
            raise InvalidArgumentError(f"{name}: with range_given=True, input_min and input_max must be scalars "
                                       f"(TF 2.21 rejects per-axis given ranges); got axis={axis}.")
        ax = int(axis) + x._value.ndim if int(axis) < 0 else int(axis)
        if not 0 <= ax < x._value.ndim:
            raise InvalidArgumentError(f"{name}: axis {axis} is out of range for an input of rank {x._value.ndim}.")
        _check_range_shapes(name, (("input_min", mn), ("input_max", mx)), x._value.shape[ax],
                            f"one per slice along axis {axis}")
    else:
        _check_range_shapes(name, (("input_min", mn), ("input_max", mx)), None, " without axis")
    if range_given:
        lo, hi = np.asarray(mn._value), np.asarray(mx._value)
        if np.any(lo > hi):
            raise InvalidArgumentError(f"{name}: input_min must be <= input_max when range_given, got {lo.tolist()} "
                                       f"and {hi.tolist()}.")
    p = {"signed": bool(signed_input), "num_bits": int(num_bits), "range_given": bool(range_given),
         "half_up": round_mode == "HALF_UP", "narrow": bool(narrow_range), "axis": ax}
    return applyn(op, (x, mn, mx), p)


def quantize_and_dequantize_v2(input: Any, input_min: Any, input_max: Any, signed_input: bool = True,  # noqa: A002
                               num_bits: int = 8, range_given: bool = False, round_mode: str = "HALF_TO_EVEN",
                               name: str | None = None, narrow_range: bool = False, axis: int | None = None) -> Tensor:
    """Quantizes ``input`` to ``num_bits`` levels and back (TF's QuantizeAndDequantizeV4): the scale keeps 0.0
    exact and fits ``[input_min, input_max]`` when ``range_given`` (values are clamped), else the input's own
    min/max. ``axis``: per-slice ranges along that axis. The gradient passes through where
    ``input_min <= input <= input_max`` (the given range); ``input_min``/``input_max`` get zero gradients.

    >>> import tapegrad as tf
    >>> x = tf.constant([-1.0, -0.5, 0.3, 2.0])
    >>> tf.quantization.quantize_and_dequantize_v2(x, -1.0, 1.0, range_given=True).numpy().tolist()
    [-1.0, -0.5039370059967041, 0.29921260476112366, 1.0]
    """
    return _qdq(QDQ_V4, input, input_min, input_max, signed_input, num_bits, range_given, round_mode, narrow_range,
                axis, "quantize_and_dequantize_v2")


def quantize_and_dequantize(input: Any, input_min: Any, input_max: Any, signed_input: bool = True,  # noqa: A002
                            num_bits: int = 8, range_given: bool = False, round_mode: str = "HALF_TO_EVEN",
                            name: str | None = None, narrow_range: bool = False, axis: int | None = None) -> Tensor:
    """:func:`quantize_and_dequantize_v2`'s forward with TF's older gradient (QuantizeAndDequantizeV2): the
    upstream gradient passes through unchanged everywhere.

    >>> import tapegrad as tf
    >>> tf.quantization.quantize_and_dequantize([0.3, 1.0], 0.0, 1.0, signed_input=False).numpy().tolist()
    [0.2980392277240753, 1.0]
    """
    return _qdq(QDQ_V2, input, input_min, input_max, signed_input, num_bits, range_given, round_mode, narrow_range,
                axis, "quantize_and_dequantize")


# -- quantize / dequantize --------------------------------------------------------------------------------------------

# TF's quantized dtypes, by name, and the integer dtype that holds them in tapegrad
_QTYPES = {"qint8": "int8", "quint8": "uint8", "qint16": "int16", "quint16": "uint16", "qint32": "int32"}
_MODES = ("MIN_COMBINED", "MIN_FIRST", "SCALED")
QuantizeV2 = namedtuple("QuantizeV2", ["output", "output_min", "output_max"])


def _qtype(T: Any, op: str) -> np.dtype:
    name = T if isinstance(T, str) else _dtypes.as_dtype(T).name
    name = _QTYPES.get(name, name)
    if name not in _QTYPES.values():
        raise TypeError(f"{op}: T must be one of qint8, quint8, qint16, quint16, qint32 (or the integer dtype that "
                        f"holds it in tapegrad: int8, uint8, int16, uint16, int32), got {name}.")
    return np.dtype(name)


def _quantize_slice(v: np.ndarray, in_min: float, in_max: float, qt: np.dtype, mode: str, round_mode: str,
                    narrow_range: bool, ensure_minimum_range: float) -> tuple[np.ndarray, Any, Any]:
    """TF's QuantizeV2 on one slice with one range: the integer values and the output range."""
    info = np.iinfo(qt)
    lo_q = _F32(info.min)
    mn = _F32(min(0.0, in_min))
    eps = _F32(max(1.0, abs(in_min), abs(in_max))) * _F32(ensure_minimum_range)
    mx = _F32(max(0.0, in_max, float(mn + eps)))
    with np.errstate(all="ignore"):
        if mode == "MIN_COMBINED":
            scale = _F32((float(info.max) - float(info.min)) / (float(mx) - float(mn)))
            half = _F32((float(info.max) - float(info.min) + 1) / 2.0) if info.min < 0 else _F32(0)
            q = _round_away((np.maximum(np.minimum(v, mx), mn) - mn) * scale - half)
        elif mode == "MIN_FIRST":
            steps = float(1 << (8 * qt.itemsize))
            scale = _F32(0.0 if mx == mn else (steps - 1.0) / float(_F32(mx - mn)))  # a float32 difference
            if qt == np.uint8:  # TF's quint8 kernel measures from the range's min and rounds half to even
                q = np.rint(((np.maximum(np.minimum(v, mx), mn) - mn) * scale).astype(_F32))
            else:
                q = _round_away(v * scale) + (lo_q - _round_away(mn * scale))  # TF's order of float32 operations
        elif round_mode == "HALF_TO_EVEN" and qt == np.int8:
            # TF 2.21 runs this case on its oneDNN kernel: a symmetric range [-max|r|, max|r|] onto 255 steps
            mx = _F32(max(abs(float(mn)), abs(float(mx))))
            mn = -mx
            scale = _F32(_F32(127.5) / mx)
            q = np.rint((v * scale).astype(_F32))
            q = np.clip(q, -127 if narrow_range else -128, 127)
        else:
            out_lo = info.min + (1 if narrow_range else 0)
            f_min = _F32(out_lo / float(mn)) if out_lo * float(mn) > 0 else np.finfo(_F32).max
            f_max = _F32(info.max / float(mx)) if info.max * float(mx) > 0 else np.finfo(_F32).max
            scale = _F32(min(f_min, f_max))
            mn, mx = _F32(out_lo / scale), _F32(info.max / scale)
            s = (np.maximum(np.minimum(v, mx), mn) * scale).astype(_F32)
            q = np.rint(s) if round_mode == "HALF_TO_EVEN" else _round_away(s)
        q = np.asarray(q, np.float64)
        if qt == np.int32 and mode == "MIN_COMBINED":  # TF casts to int32 unclamped: x86 gives INT_MIN out of range
            q = np.where((q >= 2.0**31) | (q < -(2.0**31)) | np.isnan(q), -(2.0**31), q)
        elif qt == np.int32:  # TF's MIN_FIRST bounds: the int32 range as floats that convert back
            q = np.clip(q, -2.147483648e09, float(_F32(2.147483520e09)))
        return np.clip(q, info.min, info.max).astype(qt), mn, mx


def _ranges(mn: Any, mx: Any, x: Tensor, axis: int | None, op: str) -> tuple[np.ndarray, np.ndarray, int | None]:
    """The float32 range arrays (scalars, or one per slice along ``axis``) and the normalized axis."""
    lo = np.asarray(_float32_input(mn, op)._value, _F32)
    hi = np.asarray(_float32_input(mx, op)._value, _F32)
    if axis is None or (int(axis) == -1 and lo.ndim == 0):
        if lo.ndim or hi.ndim:
            raise InvalidArgumentError(f"{op}: min_range and max_range must be scalars without axis, got shapes "
                                       f"{list(lo.shape)} and {list(hi.shape)}.")
        return lo.reshape(1), hi.reshape(1), None
    nd = x._value.ndim
    ax = int(axis) + nd if int(axis) < 0 else int(axis)
    if not 0 <= ax < nd:
        raise InvalidArgumentError(f"{op}: axis {axis} is out of range for an input of rank {nd}.")
    d = x._value.shape[ax]
    if lo.shape != (d,) or hi.shape != (d,):
        raise InvalidArgumentError(f"{op}: with axis={axis}, min_range and max_range must have shape [{d}] (one "
                                   f"range per slice), got {list(lo.shape)} and {list(hi.shape)}.")
    return lo, hi, ax


def _per_slice(v: np.ndarray, ax: int | None, count: int, fn: Any) -> list[Any]:
    """``fn(k, slice)`` for each slice along ``ax`` (the whole array when ``ax`` is None)."""
    if ax is None:
        return [fn(0, v)]
    return [fn(k, np.take(v, k, axis=ax)) for k in range(count)]


def quantize(input: Any, min_range: Any, max_range: Any, T: Any, mode: str = "MIN_COMBINED",  # noqa: A002, N803
             round_mode: str = "HALF_AWAY_FROM_ZERO", name: str | None = None, narrow_range: bool = False,
             axis: int | None = None, ensure_minimum_range: float = 0.01) -> Any:
    """Quantizes float32 ``input`` into the integer type ``T`` (TF's QuantizeV2): returns
    ``(output, output_min, output_max)``. ``mode``: ``MIN_COMBINED`` (affine over ``[min, max]``), ``MIN_FIRST``
    (``min`` rounded onto the grid first) or ``SCALED`` (symmetric, 0 maps to 0). The range is widened to include
    0 and to be at least ``ensure_minimum_range`` wide, as TF. ``axis``: one range per slice along that axis
    (MIN_COMBINED and SCALED; TF has no per-axis MIN_FIRST: UnimplementedError). ``T`` names a quantized dtype
    (``"quint8"``…) or the integer dtype tapegrad stores it in (``tf.uint8``…): tapegrad has no quantized dtypes,
    so ``output`` has the plain integer dtype. Not differentiable (as TF).

    >>> import tapegrad as tf
    >>> r = tf.quantization.quantize([-1.0, 0.0, 0.3, 1.0], -1.0, 1.0, tf.uint8)
    >>> r.output.numpy().tolist(), float(r.output_min), float(r.output_max)
    ([0, 128, 166, 255], -1.0, 1.0)
    """
    op = "quantize"
    x = _float32_input(input, op)
    qt = _qtype(T, op)
    if mode not in _MODES:
        raise InvalidArgumentError(f"{op}: mode must be one of {', '.join(_MODES)}, got {mode!r}.")
    if round_mode not in ("HALF_AWAY_FROM_ZERO", "HALF_TO_EVEN"):
        raise InvalidArgumentError(f"{op}: round_mode must be 'HALF_AWAY_FROM_ZERO' or 'HALF_TO_EVEN', got "
                                   f"{round_mode!r}.")
    if round_mode == "HALF_TO_EVEN" and mode != "SCALED":
        raise InvalidArgumentError(f"{op}: round_mode HALF_TO_EVEN is only supported in SCALED mode.")
    lo, hi, ax = _ranges(min_range, max_range, x, axis, op)
    if ax is not None and mode == "MIN_FIRST":
        raise UnimplementedError(f"{op}: MIN_FIRST mode has no per-axis form (as in TF); use MIN_COMBINED or "
                                 "SCALED with axis, or quantize each slice.")
    if np.any(lo > hi):
        raise InvalidArgumentError(f"{op}: min_range must be <= max_range, got {lo.tolist()} and {hi.tolist()}.")
    parts = _per_slice(x._value, ax, len(lo), lambda k, v: _quantize_slice(
        v, float(lo[k]), float(hi[k]), qt, mode, round_mode, narrow_range, ensure_minimum_range))
    if ax is None:
        q, mn, mx = parts[0]
        return QuantizeV2(core.constant(q), core.constant(np.asarray(mn, _F32)),
                          core.constant(np.asarray(mx, _F32)))
    return QuantizeV2(core.constant(np.stack([p[0] for p in parts], axis=ax)),
                      core.constant(np.asarray([p[1] for p in parts], _F32)),
                      core.constant(np.asarray([p[2] for p in parts], _F32)))


def _dequantize_slice(v: np.ndarray, mn: Any, mx: Any, qt: np.dtype, mode: str, narrow_range: bool) -> np.ndarray:
    info = np.iinfo(qt)
    mn, mx = _F32(mn), _F32(mx)
    with np.errstate(all="ignore"):
        if mode == "MIN_COMBINED":
            scale = _F32((mx - mn) / (_F32(info.max) - _F32(info.min)))
            half = _F32((float(info.max) - float(info.min) + 1) / 2.0) if info.min < 0 else _F32(0)
            return ((v.astype(_F32) + half) * scale + mn).astype(_F32)
        if mode == "MIN_FIRST":
            steps = float(1 << (8 * qt.itemsize))
            rs = _F32(float(_F32(mx - mn)) / (steps - 1.0))  # TF: a float32 difference over a double
            mn_r = mn if mx == mn else _F32(_round_away(np.asarray(mn / rs)) * rs)
            # TF's kernel folds the lowest level into the offset: q * scale + (min_rounded - lowest * scale)
            return ((v.astype(_F32) * rs).astype(_F32) + _F32(mn_r - _F32(_F32(info.min) * rs))).astype(_F32)
        out_lo = info.min + (1 if narrow_range else 0)
        scale = _F32(mx / _F32(info.max)) if info.min == 0 else _F32(max(mn / _F32(out_lo), mx / _F32(info.max)))
        return (v.astype(_F32) * scale).astype(_F32)


def dequantize(input: Any, min_range: Any, max_range: Any, mode: str = "MIN_COMBINED",  # noqa: A002
               name: str | None = None, axis: int | None = None, narrow_range: bool = False,
               dtype: Any = _dtypes.float32) -> Tensor:
    """The float values of quantized ``input`` (an int8/uint8/int16/uint16/int32 tensor holding qint8/quint8/…)
    in the range ``[min_range, max_range]`` (one per slice along ``axis`` if given), for the ``mode`` it was
    quantized with (TF's Dequantize).

    >>> import tapegrad as tf
    >>> q = tf.constant([0, 128, 255], tf.uint8)
    >>> tf.quantization.dequantize(q, -1.0, 1.0).numpy().tolist()
    [-1.0, 0.003921627998352051, 1.0]
    """
    op = "dequantize"
    q = to_tensor(input) if isinstance(input, _TensorLike) else core.convert_to_tensor(input)
    qt = np.dtype(q.dtype._np) if q.dtype.name in _QTYPES.values() else None
    if qt is None:
        raise InvalidArgumentError(f"{op}: input must hold a quantized type (int8, uint8, int16, uint16 or int32 in "
                                   f"tapegrad), got {q.dtype.name}.")
    if mode not in _MODES:
        raise InvalidArgumentError(f"{op}: mode must be one of {', '.join(_MODES)}, got {mode!r}.")
    out_dt = _dtypes.as_dtype(dtype)
    if out_dt.name not in ("float32", "bfloat16"):
        raise InvalidArgumentError(f"{op}: dtype must be float32 or bfloat16, got {out_dt.name}.")
    if mode == "SCALED" and qt == np.int32:
        raise NotFoundError(f"{op}: TF 2.21 has no CPU kernel to dequantize qint32 in SCALED mode; use MIN_COMBINED "
                            "or MIN_FIRST.")
    lo, hi, ax = _ranges(min_range, max_range, q, axis, op)
    parts = _per_slice(q._value, ax, len(lo), lambda k, v: _dequantize_slice(
        v, lo[k], hi[k], qt, mode, narrow_range))
    res = core.constant(parts[0] if ax is None else np.stack(parts, axis=ax))
    return res if out_dt.name == "float32" else core.cast(res, out_dt)


EXPORTS: dict[str, list[str]] = {
    "quantization": ["fake_quant_with_min_max_args", "fake_quant_with_min_max_args_gradient",
                     "fake_quant_with_min_max_vars", "fake_quant_with_min_max_vars_gradient",
                     "fake_quant_with_min_max_vars_per_channel", "fake_quant_with_min_max_vars_per_channel_gradient",
                     "quantize", "dequantize", "quantize_and_dequantize", "quantize_and_dequantize_v2"],
}
