"""``tf.image`` colour spaces and random colour/crop ops: ``rgb_to_hsv`` / ``hsv_to_rgb`` (TF's kernel arithmetic),
``rgb_to_yiq`` / ``yiq_to_rgb`` / ``rgb_to_yuv`` / ``yuv_to_rgb`` (a 3x3 ``tensordot`` with TF's matrices), and
``random_brightness`` / ``random_contrast`` / ``random_hue`` / ``random_saturation`` / ``random_crop`` with their
``stateless_random_*`` twins (the stateless ones draw TF's Philox values, so they match TF bit for bit).

``rgb_to_hsv`` is differentiable (composed from ops; TF registers a gradient for it too), ``hsv_to_rgb`` is not (TF:
the gradient is None). The random ops draw one scalar (one offset vector for crops) per call, as TF.

>>> import tapegrad as tf
>>> tf.image.rgb_to_hsv(tf.constant([[[0.0, 0.0, 1.0]]]))[0, 0].numpy().tolist()
[0.6666666865348816, 1.0, 1.0]
>>> tf.image.stateless_random_crop(tf.reshape(tf.range(12), [3, 4]), size=[2, 2], seed=[1, 2]).numpy().tolist()
[[2, 3], [6, 7]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import FailedPreconditionError, InvalidArgumentError
from . import arithmetic, comparison, core, indexing, slicing
from ._common import to_tensor
from .image_ops import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _rgb_image(images: Any, op: str) -> Tensor:
    # the kernel's type attribute defaults to float32: arrays and lists that are not tensors convert to float32
    t = to_tensor(images) if isinstance(images, _TensorLike) else core.constant(images, dtype=_dtypes.float32)
    if t.dtype.name not in _FLOATS:
        raise InvalidArgumentError(f"{op}: images must be float16, bfloat16, float32 or float64 (values in [0, 1]), "
                                   f"got {t.dtype.name}; convert with tf.image.convert_image_dtype first.")
    if not t.shape.rank or t._value.shape[-1] != 3:  # TF's kernel reports this one as FailedPrecondition
        raise FailedPreconditionError(f"{op}: the last axis must hold 3 channels, got shape "
                                      f"{tuple(t._value.shape)}.")
    return t


def rgb_to_hsv(images: Any, name: str | None = None) -> Tensor:
    """RGB (``[..., 3]``, floats in [0, 1]) to HSV in [0, 1]; hue 0 is red, 1/3 green, 2/3 blue.

    The values follow TF's kernel step by step (``norm = (1 / range) * (1 / 6)``; red wins ties, then green), so
    float32 results are TF's bits. Differentiable (the derivative of that piecewise formula; at ties between
    channels the split can differ from TF's hand-written rule).

    >>> import tapegrad as tf
    >>> tf.image.rgb_to_hsv(tf.constant([1.0, 0.5, 0.0])).numpy().tolist()
    [0.0833333358168602, 1.0, 1.0]
    """
    t = _rgb_image(images, "rgb_to_hsv")
    dt = t.dtype
    r, g, b = t[..., 0], t[..., 1], t[..., 2]
    zero, one = core.zeros_like(r), core.ones_like(r)
    v = arithmetic.maximum(arithmetic.maximum(r, g), b)
    rng = arithmetic.subtract(v, arithmetic.minimum(arithmetic.minimum(r, g), b))
    pos_v = comparison.greater(v, zero)
    s = indexing.where(pos_v, arithmetic.divide(rng, indexing.where(pos_v, v, one)), zero)
    pos_r = comparison.greater(rng, zero)
    norm = arithmetic.multiply(arithmetic.divide(one, indexing.where(pos_r, rng, one)), core.constant(1 / 6, dtype=dt))
    h_r = arithmetic.multiply(norm, arithmetic.subtract(g, b))
    h_g = arithmetic.add(arithmetic.multiply(norm, arithmetic.subtract(b, r)), core.constant(2 / 6, dtype=dt))
    h_b = arithmetic.add(arithmetic.multiply(norm, arithmetic.subtract(r, g)), core.constant(4 / 6, dtype=dt))
    h = indexing.where(comparison.equal(r, v), h_r, indexing.where(comparison.equal(g, v), h_g, h_b))
    h = indexing.where(pos_r, h, zero)
    h = indexing.where(comparison.less(h, zero), arithmetic.add(h, one), h)
    from .joining import stack

    return stack([h, s, v], -1)


def _hsv_to_rgb_fwd(F: Any, x: Any) -> Any:
    # TF's kernel (colorspace_op.h), every step in the image dtype
    dt = x.dtype.type
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    dh = h * dt(6)
    one, two, zero = dt(1), dt(2), dt(0)
    dr = np.minimum(np.maximum(np.abs(dh - dt(3)) - one, zero), one)
    dg = np.minimum(np.maximum(-np.abs(dh - two) + two, zero), one)
    db = np.minimum(np.maximum(-np.abs(dh - dt(4)) + two, zero), one)
    one_s = -s + one
    return np.stack([(one_s + s * dr) * v, (one_s + s * dg) * v, (one_s + s * db) * v], -1).astype(x.dtype, copy=False)


def _hsv_ref(x: Any) -> Any:
    import colorsys

    out = np.empty_like(x)
    for idx in np.ndindex(x.shape[:-1]):
        out[idx] = colorsys.hsv_to_rgb(*x[idx])
    return out


HSV_TO_RGB = defop("hsv_to_rgb", _hsv_to_rgb_fwd, None, test=spec(
    lambda tf, x: tf.image.hsv_to_rgb(x), lambda rng: (rng.uniform(0.0, 0.999, size=(2, 3, 3)),),
    ref=_hsv_ref, grad=(), rtol=1e-9, atol=1e-12))


def hsv_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """HSV (``[..., 3]`` in [0, 1]) back to RGB, with TF's kernel arithmetic; not differentiable (TF: None).

    >>> import tapegrad as tf
    >>> tf.image.hsv_to_rgb(tf.constant([2 / 3, 1.0, 1.0])).numpy().tolist()
    [0.0, 0.0, 1.0]
    """
    return apply1(HSV_TO_RGB, _rgb_image(images, "hsv_to_rgb"))


# TF's matrices (image_ops_impl.py): rows are input channels, columns output channels
_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617], [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021], [0.6208248, -0.64720424, 1.70423049]]
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512], [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _colour_matrix(images: Any, kernel: list[list[float]], op: str) -> Tensor:
    t = to_tensor(images)
    if t.dtype.name not in _FLOATS:  # TF fails converting its float matrix to an integer image's dtype
        raise TypeError(f"{op}: images must be a float tensor (values in [0, 1]), got {t.dtype.name}; convert "
                        "with tf.image.convert_image_dtype first.")
    if not t.shape.rank or t._value.shape[-1] != 3:
        raise ValueError(f"{op}: the last axis must hold 3 channels, got shape {tuple(t._value.shape)}.")
    from .linalg_ops import tensordot

    return tensordot(t, core.constant(np.asarray(kernel), dtype=t.dtype), [[t.shape.rank - 1], [0]])


def rgb_to_yiq(images: Any) -> Tensor:
    """RGB to YIQ (Y in [0, 1], I in [-0.5957, 0.5957], Q in [-0.5226, 0.5226]); differentiable.

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.image.rgb_to_yiq(tf.constant([1.0, 0.0, 0.0])).numpy().tolist()]
    [0.299, 0.5959, 0.2115]
    """
    return _colour_matrix(images, _RGB_TO_YIQ, "rgb_to_yiq")


def yiq_to_rgb(images: Any) -> Tensor:
    """YIQ back to RGB; differentiable."""
    return _colour_matrix(images, _YIQ_TO_RGB, "yiq_to_rgb")


def rgb_to_yuv(images: Any) -> Tensor:
    """RGB to YUV (Y in [0, 1], U and V in [-0.5, 0.5]); differentiable.

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.image.rgb_to_yuv(tf.constant([0.0, 0.0, 1.0])).numpy().tolist()]
    [0.114, 0.436, -0.1]
    """
    return _colour_matrix(images, _RGB_TO_YUV, "rgb_to_yuv")


def yuv_to_rgb(images: Any) -> Tensor:
    """YUV back to RGB; differentiable."""
    return _colour_matrix(images, _YUV_TO_RGB, "yuv_to_rgb")


# -- random colour adjustments and crops --------------------------------------------------------------------------


def _scalar(x: Any, what: str, op: str) -> float:
    v = static_value(x) if isinstance(x, _TensorLike) else x
    try:
        return float(np.asarray(v).reshape(()))
    except (TypeError, ValueError):
        raise ValueError(f"{op}: {what} must be a number, got {x!r}.") from None


def _draw(lo: float, hi: float, seed: Any, stateless: bool) -> Tensor:
    """One float32 scalar in [lo, hi): TF's stateless Philox draw, or tapegrad's stateful stream."""
    if stateless:
        from .random_generator import stateless_uniform

        return stateless_uniform([], seed=seed, minval=lo, maxval=hi)
    from .random_ops import uniform

    return uniform([], minval=lo, maxval=hi, seed=seed)


def _delta_range(max_delta: Any, op: str, upper: float | None = None) -> float:
    d = _scalar(max_delta, "max_delta", op)
    if upper is not None and d > upper:
        raise ValueError(f"{op}: max_delta must be <= {upper}, got {d}.")
    if d < 0:
        raise ValueError(f"{op}: max_delta must be non-negative, got {d}.")
    return d


def _factor_range(lower: Any, upper: Any, op: str) -> tuple[float, float]:
    lo, hi = _scalar(lower, "lower", op), _scalar(upper, "upper", op)
    if hi <= lo:
        raise ValueError(f"{op}: upper must be > lower, got lower={lo}, upper={hi}.")
    if lo < 0:
        raise ValueError(f"{op}: lower must be non-negative, got {lo}.")
    return lo, hi


def random_brightness(image: Any, max_delta: float, seed: Any = None) -> Tensor:
    """``adjust_brightness`` by one delta drawn uniformly from ``[-max_delta, max_delta)`` (tapegrad's stream).

    >>> import tapegrad as tf
    >>> y = tf.image.random_brightness(tf.zeros([2, 2, 3]), 0.2, seed=1)
    >>> bool(abs(float(y[0, 0, 0])) <= 0.2 and float(tf.reduce_max(y) - tf.reduce_min(y)) == 0.0)
    True
    """
    d = _delta_range(max_delta, "random_brightness")
    return adjust_brightness(image, _draw(-d, d, seed, False))


def stateless_random_brightness(image: Any, max_delta: float, seed: Any) -> Tensor:
    """``adjust_brightness`` by ``stateless_uniform([], seed, -max_delta, max_delta)``: TF's values.

    >>> import tapegrad as tf
    >>> round(float(tf.image.stateless_random_brightness(tf.zeros([1, 1, 1]), 0.2, seed=[1, 2])[0, 0, 0]), 6)
    0.137624
    """
    d = _delta_range(max_delta, "stateless_random_brightness")
    return adjust_brightness(image, _draw(-d, d, seed, True))


def random_contrast(image: Any, lower: float, upper: float, seed: Any = None) -> Tensor:
    """``adjust_contrast`` by one factor drawn uniformly from ``[lower, upper)`` (tapegrad's stream)."""
    lo, hi = _factor_range(lower, upper, "random_contrast")
    return adjust_contrast(image, _draw(lo, hi, seed, False))


def stateless_random_contrast(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """``adjust_contrast`` by ``stateless_uniform([], seed, lower, upper)``: TF's values."""
    lo, hi = _factor_range(lower, upper, "stateless_random_contrast")
    return adjust_contrast(image, _draw(lo, hi, seed, True))


def random_hue(image: Any, max_delta: float, seed: Any = None) -> Tensor:
    """``adjust_hue`` by one delta drawn uniformly from ``[-max_delta, max_delta)``, ``max_delta <= 0.5``."""
    d = _delta_range(max_delta, "random_hue", 0.5)
    return adjust_hue(image, _draw(-d, d, seed, False))


def stateless_random_hue(image: Any, max_delta: float, seed: Any) -> Tensor:
    """``adjust_hue`` by ``stateless_uniform([], seed, -max_delta, max_delta)``: TF's draw."""
    d = _delta_range(max_delta, "stateless_random_hue", 0.5)
    return adjust_hue(image, _draw(-d, d, seed, True))


def random_saturation(image: Any, lower: float, upper: float, seed: Any = None) -> Tensor:
    """``adjust_saturation`` by one factor drawn uniformly from ``[lower, upper)``."""
    lo, hi = _factor_range(lower, upper, "random_saturation")
    return adjust_saturation(image, _draw(lo, hi, seed, False))


def stateless_random_saturation(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """``adjust_saturation`` by ``stateless_uniform([], seed, lower, upper)``: TF's draw."""
    lo, hi = _factor_range(lower, upper, "stateless_random_saturation")
    return adjust_saturation(image, _draw(lo, hi, seed, True))


def _random_crop(value: Any, size: Any, seed: Any, stateless: bool, op: str) -> Tensor:
    t = to_tensor(value)
    sz = to_tensor(size)
    if sz.dtype.name != "int32":  # TF compares size with the int32 shape of value
        raise ValueError(f"{op}: size must be int32 (it is compared with the int32 shape of value), got "
                         f"{sz.dtype.name}; pass a list of ints or cast it.")
    want = np.asarray(static_value(sz)).reshape(-1)
    shape = np.asarray(t._value.shape, dtype=np.int64)
    if want.size != shape.size:
        raise InvalidArgumentError(f"{op}: size {want.tolist()} must have one entry per axis of value (shape "
                                   f"{shape.tolist()}).")
    if (shape < want).any():
        raise InvalidArgumentError(f"{op}: need value.shape >= size on every axis, got value.shape "
                                   f"{shape.tolist()} and size {want.tolist()}.")
    top = int(np.iinfo(sz.dtype.as_numpy_dtype).max)
    if stateless:  # TF: stateless_uniform(shape(shape), maxval=dtype.max) % (shape - size + 1)
        from .random_generator import stateless_uniform

        raw = stateless_uniform([shape.size], seed=seed, minval=0, maxval=top, dtype=sz.dtype)
    else:
        from .random_ops import uniform

        raw = uniform([shape.size], minval=0, maxval=top, dtype=sz.dtype, seed=seed)
    offset = np.asarray(raw._value) % (shape - want + 1)
    return slicing.slice(t, offset.astype(np.int64).tolist(), want.astype(np.int64).tolist())


def random_crop(value: Any, size: Any, seed: Any = None, name: str | None = None) -> Tensor:
    """A ``size`` window of ``value`` at a uniformly random offset (tapegrad's stream); differentiable in ``value``.

    >>> import tapegrad as tf
    >>> tf.image.random_crop(tf.zeros([5, 5, 3]), [2, 3, 3], seed=1).shape
    TensorShape([2, 3, 3])
    """
    return _random_crop(value, size, seed, False, "random_crop")


def stateless_random_crop(value: Any, size: Any, seed: Any, name: str | None = None) -> Tensor:
    """A ``size`` window of ``value`` at an offset drawn from ``seed``: TF's offsets (Philox), differentiable."""
    return _random_crop(value, size, seed, True, "stateless_random_crop")


EXPORTS: dict[str, list[str]] = {
    "image": ["rgb_to_hsv", "hsv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb",
              "random_brightness", "stateless_random_brightness", "random_contrast", "stateless_random_contrast",
              "random_hue", "stateless_random_hue", "random_saturation", "stateless_random_saturation",
              "random_crop", "stateless_random_crop"],
}
