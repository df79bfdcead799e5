"""``tf.image``: resizing (with TF's sampling rules and gradients), flips and rotations, crops and pads,
standardisation and colour adjustments, dtype conversion and patch extraction.

Images are ``[height, width, channels]`` or ``[batch, height, width, channels]``. Resizing is a separable linear
map for the bilinear/bicubic/antialiased methods (op ``resize_linear``: its gradient is the transposed map),
a gather for nearest neighbour, and op ``resize_area`` (no gradient, as in TF); most of the rest is composed from
differentiable ops, so gradients (and higher orders) come from theirs. ``adjust_contrast``, ``adjust_saturation``
and ``adjust_hue`` have no gradient in TF and raise LookupError when differentiated, as TF does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1, apply2
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import arithmetic, core, joining, reductions, shape_ops, slicing
from ._common import to_tensor


class ResizeMethod:
    """The names ``tf.image.resize`` accepts for ``method``."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


# -- sampling weights (NumPy; float32 arithmetic as TF's kernels) -------------------------------------------------


def _keys_cubic(x: Any) -> Any:
    """Keys' cubic convolution kernel with a = -0.5 (TF's half-pixel bicubic and antialiased bicubic)."""
    x = np.abs(x)
    return np.where(x <= 1, (1.5 * x - 2.5) * x * x + 1, np.where(x < 2, ((-0.5 * x + 2.5) * x - 4) * x + 2, 0.0))


def _linear_weights(n_in: int, n_out: int, method: str) -> Any:
    """TF's resize_bilinear / resize_bicubic with half-pixel centers: a [n_out, n_in] matrix."""
    scale = np.float32(n_in / n_out)
    w = np.zeros((n_out, n_in), dtype=np.float64)
    for o in range(n_out):
        src = (np.float32(o) + np.float32(0.5)) * scale - np.float32(0.5)
        if method == "bilinear":
            f = math.floor(src)
            lo, hi = max(f, 0), min(math.ceil(src), n_in - 1)
            lerp = float(np.float32(src - f))
            w[o, lo] += 1 - lerp
            w[o, hi] += lerp
        else:  # bicubic: taps outside the image get weight 0, the rest renormalised (TF's Keys cubic)
            f = math.floor(src)
            t = float(np.rint(np.float32(src - f) * 1024)) / 1024  # TF reads the weights from a 1024-step table
            taps = np.arange(f - 1, f + 3)
            ws = _keys_cubic(taps - f - t)
            ok = (taps >= 0) & (taps < n_in)
            ws = np.where(ok, ws, 0.0)
            ws = ws / ws.sum()
            for i, wi in zip(taps[ok], ws[ok]):
                w[o, i] += wi
    return w


def _nearest_weights(n_in: int, n_out: int) -> Any:
    """TF's half-pixel nearest neighbour: source ``min(floor((o + 0.5) * n_in / n_out), n_in - 1)``."""
    scale = np.float32(n_in / n_out)
    src = np.minimum(np.floor((np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale), n_in - 1)
    w = np.zeros((n_out, n_in), dtype=np.float64)
    w[np.arange(n_out), src.astype(np.int64)] = 1.0
    return w


def _triangle(x: Any) -> Any:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _lanczos(radius: float) -> Any:
    """TF's Lanczos kernel of the given radius (1 near 0, where sin(x)/x has its limit)."""

    def kernel(x: Any) -> Any:
        x = np.abs(x)
        pi = 3.14159265359  # TF's constant
        safe = np.where(x <= 1e-3, 1.0, x)
        value = radius * np.sin(pi * safe) * np.sin(pi * safe / radius) / (pi * pi * safe * safe)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, value))

    return kernel


def _gaussian(x: Any) -> Any:
    """TF's Gaussian kernel: radius 1.5, sigma 0.5."""
    x = np.abs(x)
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2.0 * 0.5 * 0.5)))


def _mitchell_cubic(x: Any) -> Any:
    """Mitchell-Netravali's cubic (B = C = 1/3), as TF's MitchellCubicKernelFunc."""
    x = np.abs(x)
    near = ((7.0 / 6.0) * x - 2.0) * x * x + 8.0 / 9.0
    far = (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


# method -> (kernel, radius) of TF's scale_and_translate (bilinear: "triangle", bicubic: "keyscubic")
_SCALE_TRANSLATE_KERNELS: dict[str, tuple[Any, float]] = {
    "bilinear": (_triangle, 1.0), "bicubic": (_keys_cubic, 2.0), "lanczos3": (_lanczos(3.0), 3.0),
    "lanczos5": (_lanczos(5.0), 5.0), "gaussian": (_gaussian, 1.5), "mitchellcubic": (_mitchell_cubic, 2.0)}


def _scale_translate_weights(n_in: int, n_out: int, method: str, antialias: bool = True) -> Any:
    """TF's scale_and_translate (the lanczos/gaussian/mitchellcubic resizes, and bilinear/bicubic with
    ``antialias``): each output samples the kernel around its centre; with ``antialias`` a downscale widens the
    kernel by the scale factor. The weights of each output are normalised to sum to 1."""
    # TF: scale = float32(n_out) / float32(n_in), inverted in float32
    inv = float(np.float32(1.0) / (np.float32(n_out) / np.float32(n_in)))
    ks = max(inv, 1.0) if antialias else 1.0
    kernel, radius = _SCALE_TRANSLATE_KERNELS[method]
    w = np.zeros((n_out, n_in), dtype=np.float64)
    for o in range(n_out):
        c = (o + 0.5) * inv
        start = min(max(int(math.ceil(c - radius * ks - 0.5)), 0), n_in - 1)
        end = min(max(int(math.floor(c + radius * ks - 0.5)), 0), n_in - 1)
        idx = np.arange(start, end + 1)
        ws = kernel((idx + 0.5 - c) / ks)
        total = ws.sum()
        if abs(total) >= 1e3 * np.finfo(np.float32).tiny:
            w[o, idx] = ws / total
    return w


def _area_weights(n_in: int, n_out: int) -> Any:
    """TF's resize_area: each output averages the input span it covers (fractional coverage at the ends)."""
    scale = n_in / n_out
    w = np.zeros((n_out, n_in), dtype=np.float64)
    for o in range(n_out):
        a, b = o * scale, (o + 1) * scale
        for i in range(int(math.floor(a)), min(int(math.ceil(b)), n_in)):
            w[o, i] = (min(b, i + 1) - max(a, i)) / scale
    return w


# -- ops -----------------------------------------------------------------------------------------------------------


def _resize_linear_fwd(F: Any, x: Any, wh: Any, ww: Any) -> Any:
    """``wh @ x @ ww^T`` over the height and width axes (-3, -2) of ``[..., H, W, C]``."""
    y = F.einsum("oh,...hwc->...owc", wh.astype(x.dtype, copy=False), x)
    return F.einsum("pw,...owc->...opc", ww.astype(x.dtype, copy=False), y)


def _resize_linear_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    q = {"wh": p["wh"].T, "ww": p["ww"].T}
    return (apply1(RESIZE_LINEAR, g, q) if F.is_diff else _resize_linear_fwd(F, g, **q),)


def _resize_linear_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return apply1(RESIZE_LINEAR, ts[0], p) if F.is_diff else _resize_linear_fwd(F, ts[0], p["wh"], p["ww"])


def resize_weights(n_in: int, n_out: int, method: str, antialias: bool = False) -> Any:
    """The ``[n_out, n_in]`` sampling matrix of ``tf.image.resize``'s ``method`` along one axis (float64)."""
    if method == "nearest":
        return _nearest_weights(n_in, n_out)
    if method == "area":
        return _area_weights(n_in, n_out)
    if method in ("bilinear", "bicubic") and not antialias:
        return _linear_weights(n_in, n_out, method)
    return _scale_translate_weights(n_in, n_out, method, antialias)


def _resize_raw(x: Any, size: tuple[int, int], method: str, antialias: bool) -> Tensor:
    """The linear resize op without ``tf.image.resize``'s float32 cast (test specs check it in float64)."""
    h, w = x._value.shape[-3:-1]
    return apply1(RESIZE_LINEAR, x, {"wh": resize_weights(h, size[0], method, antialias),
                                     "ww": resize_weights(w, size[1], method, antialias)})


def _resize_ref(x: Any, size: tuple[int, int], method: str, antialias: bool) -> Any:
    """Test reference: the separable map written as two tensordots (independent of the op's einsum path)."""
    y = np.tensordot(resize_weights(x.shape[-3], size[0], method, antialias), x, axes=([1], [x.ndim - 3]))
    y = np.moveaxis(y, 0, x.ndim - 3)  # [..., O, W, C]
    y = np.tensordot(resize_weights(x.shape[-2], size[1], method, antialias), y, axes=([1], [x.ndim - 2]))
    return np.moveaxis(y, 0, x.ndim - 2)


def _resize_spec(size: tuple[int, int], method: str, antialias: bool, shape: tuple[int, ...], name: str) -> Any:
    """A test spec of the linear resize op in float64 against the two-tensordot reference."""
    return spec(lambda tf, x: _resize_raw(x, size, method, antialias), lambda rng: (rng.normal(size=shape),),
                ref=lambda x: _resize_ref(x, size, method, antialias), tf=False, name=name)


RESIZE_LINEAR = defop(
    "resize_linear", _resize_linear_fwd, _resize_linear_vjp, _resize_linear_jvp, linear=True, save_in=False,
    test=[
        _resize_spec((5, 3), "bilinear", False, (2, 3, 4, 2), "bilinear"),
        _resize_spec((3, 4), "bicubic", False, (4, 2, 1), "bicubic"),
        _resize_spec((2, 3), "bilinear", True, (5, 7, 1), "antialias"),
        spec(lambda tf, x: tf.image.resize(x, [5, 3], method="nearest"), lambda rng: (rng.normal(size=(1, 3, 4, 2)),),
             ref=lambda x: x[:, [0, 0, 1, 2, 2]][:, :, [0, 2, 3]], name="nearest"),
        _resize_spec((7, 5), "lanczos3", False, (2, 3, 4, 1), "lanczos3"),
        _resize_spec((8, 3), "lanczos5", True, (4, 6, 2), "lanczos5_antialias"),
        _resize_spec((5, 2), "gaussian", False, (3, 4, 1), "gaussian"),
        _resize_spec((2, 6), "mitchellcubic", True, (5, 3, 1), "mitchellcubic"),
    ])


def _resize_area_fwd(F: Any, x: Any, wh: Any, ww: Any) -> Any:
    return _resize_linear_fwd(F, x, wh, ww)


RESIZE_AREA = defop("resize_area", _resize_area_fwd, NO_GRADIENT,
                    test=spec(lambda tf, x: tf.image.resize(x, [2, 2], method="area"),
                              lambda rng: (rng.normal(size=(4, 4, 1)).astype(np.float32),),
                              ref=lambda x: x.reshape(2, 2, 2, 2, 1).mean((1, 3)), grad=(), rtol=1e-5))


def _adjust_contrast_fwd(F: Any, x: Any, factor: Any) -> Any:
    mean = F.mean(x, axis=(-3, -2), keepdims=True, dtype=x.dtype)
    return ((x - mean) * factor + mean).astype(x.dtype, copy=False)


ADJUST_CONTRAST = defop("adjust_contrast", _adjust_contrast_fwd, NO_GRADIENT, test=spec(
    # TF's kernel takes float16/float32 images only; small integers keep every float32 step exact (no rounding
    # order to disagree on)
    lambda tf, x: tf.image.adjust_contrast(x, 1.5),
    lambda rng: (rng.integers(-8, 8, size=(2, 2, 3)).astype(np.float32),),
    ref=lambda x: (x - x.mean((0, 1))) * 1.5 + x.mean((0, 1)), grad=()))


def _rgb_to_hsv(x: Any) -> Any:
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = x.max(-1)
    mn = x.min(-1)
    d = v - mn
    s = np.where(v > 0, d / np.where(v > 0, v, 1), 0)
    dd = np.where(d > 0, d, 1)
    h = np.where(v == r, (g - b) / dd, np.where(v == g, 2 + (b - r) / dd, 4 + (r - g) / dd))
    h = np.where(d > 0, (h / 6) % 1.0, 0)
    return np.stack([h, s, v], -1)


def _hsv_to_rgb(x: Any) -> Any:
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    h6 = (h % 1.0) * 6
    i = np.floor(h6).astype(int) % 6
    f = h6 - np.floor(h6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.choose(i, [c[k] for c in choices]) for k in range(3)]
    return np.stack(out, -1)


def _adjust_hsv_fwd(F: Any, x: Any, hue: float, sat: float) -> Any:
    hsv = _rgb_to_hsv(x.astype(np.float64))
    hsv[..., 0] = (hsv[..., 0] + hue) % 1.0
    hsv[..., 1] = np.clip(hsv[..., 1] * sat, 0.0, 1.0)
    return _hsv_to_rgb(hsv).astype(x.dtype)


ADJUST_HSV = defop("adjust_hsv", _adjust_hsv_fwd, NO_GRADIENT, test=spec(
    lambda tf, x: tf.image.adjust_saturation(tf.image.adjust_hue(x, 0.2), 0.5),
    lambda rng: (rng.uniform(0.05, 0.95, size=(2, 3, 3)),),
    ref=lambda x: _hsv_ref(x, 0.2, 0.5), grad=(), rtol=1e-5, atol=1e-6))


def _hsv_ref(x: Any, hue: float, sat: float) -> Any:
    import colorsys

    out = np.empty_like(x)
    for idx in np.ndindex(x.shape[:-1]):
        h, s, v = colorsys.rgb_to_hsv(*x[idx])
        r, g, b = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        out[idx] = colorsys.hsv_to_rgb(h, min(max(s * sat, 0.0), 1.0), v)
    return out


# -- helpers -------------------------------------------------------------------------------------------------------


def _image(x: Any, op: str, min_rank: int = 3) -> Tensor:
    t = to_tensor(x)
    r = t._value.ndim
    if r not in (3, 4) and not (min_rank == 3 and r > 4):
        raise ValueError(f"{op}: 'image' (shape {tuple(t._value.shape)}) must be at least three-dimensional "
                         "([height, width, channels] or [batch, height, width, channels]).")
    return t


def _hw(t: Any) -> tuple[int, int]:
    return int(t._value.shape[-3]), int(t._value.shape[-2])


def _float_image(t: Tensor) -> Tensor:
    return t if t._value.dtype.kind in "fV" else core.cast(t, _dtypes.float32)


def _int_value(x: Any) -> int:
    return int(static_value(x)) if isinstance(x, _TensorLike) else int(x)


# -- resize --------------------------------------------------------------------------------------------------------

_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def resize(images: Any, size: Any, method: str = ResizeMethod.BILINEAR, preserve_aspect_ratio: bool = False,
           antialias: bool = False, name: str | None = None) -> Tensor:
    """Resize images to ``size = [new_height, new_width]`` with TF 2's sampling (half-pixel centers).

    Every method but ``nearest`` returns float32 (``nearest`` keeps the dtype). ``bilinear`` and ``bicubic`` are
    TF's half-pixel interpolations, or with ``antialias=True`` TF's scale-and-translate kernels (a downscale widens
    the kernel, so every input pixel contributes); ``lanczos3``, ``lanczos5``, ``gaussian`` (radius 1.5, sigma 0.5)
    and ``mitchellcubic`` always resample by scale-and-translate, ``antialias`` widening them when downscaling;
    ``area`` averages the covered input span. Gradients flow for every method but ``area`` (LookupError, as TF).

    >>> import tapegrad as tf
    >>> img = tf.constant([[[0.0], [1.0]], [[2.0], [3.0]]])
    >>> tf.image.resize(img, [3, 3])[..., 0].numpy().tolist()
    [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
    >>> [round(v, 4) for v in tf.image.resize(img, [1, 4], method="lanczos3")[0, :, 0].numpy().tolist()]
    [0.8245, 1.2329, 1.7671, 2.1755]
    """
    t = to_tensor(images)
    if t._value.ndim not in (3, 4):
        raise ValueError(f"resize: 'images' must have either 3 or 4 dimensions, got shape {tuple(t._value.shape)}.")
    method = str(method).lower()
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: {method} (choose one of {', '.join(_METHODS)}).")
    sz = static_value(size).tolist() if isinstance(size, _TensorLike) else list(size)
    nh, nw = int(sz[0]), int(sz[1])
    h, w = _hw(t)
    if preserve_aspect_ratio:
        f = min(nh / h, nw / w)
        nh, nw = int(round(f * h)), int(round(f * w))
    if method == "nearest":  # one-hot rows: exact in every dtype, and a dense gradient (the transposed map)
        return apply1(RESIZE_LINEAR, t, {"wh": _nearest_weights(h, nh), "ww": _nearest_weights(w, nw)})
    x = core.cast(t, _dtypes.float32) if t._value.dtype != np.float32 else t
    return resample(x, (nh, nw), method, antialias)


def resample(x: Tensor, size: tuple[int, int], method: str, antialias: bool = False) -> Tensor:
    """``x`` (``[..., H, W, C]``, a float tensor) resized to ``size`` with ``method``'s weights, in ``x``'s dtype
    (``tf.image.resize`` casts to float32 first; Keras's ``UpSampling2D`` keeps float64)."""
    h, w = _hw(x)
    params = {"wh": resize_weights(h, size[0], method, antialias), "ww": resize_weights(w, size[1], method, antialias)}
    return apply1(RESIZE_AREA if method == "area" else RESIZE_LINEAR, x, params)


def resize_with_pad(image: Any, target_height: int, target_width: int, method: str = ResizeMethod.BILINEAR,
                    antialias: bool = False) -> Tensor:
    """Resize keeping the aspect ratio, then pad with zeros (centred) to the target size."""
    t = _image(image, "resize_with_pad")
    h, w = _hw(t)
    th, tw = _int_value(target_height), _int_value(target_width)
    ratio = max(w / tw, h / th)
    rh, rw = int(math.floor(h / ratio)), int(math.floor(w / ratio))
    resized = resize(t, [rh, rw], method=method, antialias=antialias)
    # TF centres with the unrounded resized size: floor((target - size / ratio) / 2)
    top, left = math.floor((th - h / ratio) / 2), math.floor((tw - w / ratio) / 2)
    return pad_to_bounding_box(resized, max(0, top), max(0, left), th, tw)


# -- geometry ------------------------------------------------------------------------------------------------------


def flip_left_right(image: Any) -> Tensor:
    """Mirror the width axis.

    >>> import tapegrad as tf
    >>> tf.image.flip_left_right(tf.constant([[[1.0], [2.0]]]))[..., 0].numpy().tolist()
    [[2.0, 1.0]]
    """
    t = _image(image, "flip_left_right")
    from .tiling import reverse

    return reverse(t, [t._value.ndim - 2])


def flip_up_down(image: Any) -> Tensor:
    """Mirror the height axis."""
    t = _image(image, "flip_up_down")
    from .tiling import reverse

    return reverse(t, [t._value.ndim - 3])


def transpose(image: Any, name: str | None = None) -> Tensor:
    """Swap height and width."""
    t = _image(image, "transpose")
    perm = list(range(t._value.ndim))
    perm[-3], perm[-2] = perm[-2], perm[-3]
    return shape_ops.transpose(t, perm)


def rot90(image: Any, k: int = 1, name: str | None = None) -> Tensor:
    """Rotate by ``k`` quarter turns counter-clockwise."""
    t = _image(image, "rot90")
    k = _int_value(k) % 4
    if k == 1:
        return flip_up_down(transpose(t))
    if k == 2:
        return flip_up_down(flip_left_right(t))
    if k == 3:
        return transpose(flip_up_down(t))
    return t


def _random_flip(image: Any, seed: Any, axis_fn: Any, op: str, stateless: bool = False) -> Tensor:
    t = _image(image, op)
    from . import random_ops

    n = int(t._value.shape[0]) if t._value.ndim == 4 else 1
    if stateless:  # TF: flip where round(stateless_uniform([batch], seed)) == 1 (the same Philox values)
        from .random_generator import stateless_uniform

        keep = stateless_uniform([n], seed=seed, minval=0, maxval=1.0)._value < 0.5
    else:
        keep = random_ops.uniform([n], seed=seed)._value < 0.5
    flipped = axis_fn(t)
    mask = keep.reshape((n,) + (1,) * 3) if t._value.ndim == 4 else keep.reshape((1, 1, 1))
    return _select(mask, t, flipped)


def _select(mask: Any, a: Tensor, b: Tensor) -> Tensor:
    """``where(mask, a, b)`` with the mask a constant: differentiable in both images (float), a plain select else."""
    m = np.broadcast_to(mask, a._value.shape)
    if a._value.dtype.kind not in "fcV":
        return make(np.where(m, a._value, b._value), NUMPY)
    keep = core.constant(m.astype(a._value.dtype))
    return arithmetic.add(arithmetic.multiply(a, keep), arithmetic.multiply(b, arithmetic.subtract(1.0, keep)))


def random_flip_left_right(image: Any, seed: Any = None) -> Tensor:
    """Mirror each image horizontally with probability 1/2 (tapegrad's random stream, TF's seeding model)."""
    return _random_flip(image, seed, flip_left_right, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: Any = None) -> Tensor:
    """Mirror each image vertically with probability 1/2."""
    return _random_flip(image, seed, flip_up_down, "random_flip_up_down")


def stateless_random_flip_left_right(image: Any, seed: Any) -> Tensor:
    """Mirror each image horizontally with probability 1/2, deterministic in ``seed`` (TF's values)."""
    return _random_flip(image, seed, flip_left_right, "stateless_random_flip_left_right", True)


def stateless_random_flip_up_down(image: Any, seed: Any) -> Tensor:
    """Mirror each image vertically with probability 1/2, deterministic in ``seed``."""
    return _random_flip(image, seed, flip_up_down, "stateless_random_flip_up_down", True)


# -- crops and pads ------------------------------------------------------------------------------------------------


def crop_to_bounding_box(image: Any, offset_height: int, offset_width: int, target_height: int,
                         target_width: int) -> Tensor:
    """The ``target_height x target_width`` window at ``(offset_height, offset_width)``; differentiable."""
    t = _image(image, "crop_to_bounding_box")
    oh, ow, th, tw = (_int_value(v) for v in (offset_height, offset_width, target_height, target_width))
    h, w = _hw(t)
    for v, n in ((oh, "offset_height"), (ow, "offset_width")):
        if v < 0:
            raise ValueError(f"{n} must be >= 0.")
    for v, n in ((th, "target_height"), (tw, "target_width")):
        if v <= 0:
            raise ValueError(f"{n} must be > 0.")
    if w < tw + ow:
        raise ValueError(f"width must be >= target + offset. (width {w}, target {tw}, offset {ow})")
    if h < th + oh:
        raise ValueError(f"height must be >= target + offset. (height {h}, target {th}, offset {oh})")
    key = (Ellipsis, slice(oh, oh + th), slice(ow, ow + tw), slice(None))
    return slicing.getitem(t, key)


def pad_to_bounding_box(image: Any, offset_height: int, offset_width: int, target_height: int,
                        target_width: int) -> Tensor:
    """Zero-pad to ``target_height x target_width`` with the image at ``(offset_height, offset_width)``."""
    t = _image(image, "pad_to_bounding_box")
    oh, ow, th, tw = (_int_value(v) for v in (offset_height, offset_width, target_height, target_width))
    h, w = _hw(t)
    if oh < 0 or ow < 0:
        raise ValueError("offset_height and offset_width must be >= 0.")
    if th - oh < h:
        raise ValueError(f"height must be <= target - offset (height {h}, target {th}, offset {oh}).")
    if tw - ow < w:
        raise ValueError(f"width must be <= target - offset (width {w}, target {tw}, offset {ow}).")
    from .tiling import pad

    pads = [[0, 0]] * (t._value.ndim - 3) + [[oh, th - oh - h], [ow, tw - ow - w], [0, 0]]
    return pad(t, pads)


def central_crop(image: Any, central_fraction: float) -> Tensor:
    """The central ``central_fraction`` of each side (TF's rounding: the border is ``int((n - n * f) / 2)``)."""
    t = _image(image, "central_crop")
    f = float(central_fraction)
    if f <= 0.0 or f > 1.0:
        raise ValueError(f"central_fraction must be within (0, 1] (got {f}).")
    if f == 1.0:
        return t
    h, w = _hw(t)
    sh, sw = int((h - h * f) / 2), int((w - w * f) / 2)
    return crop_to_bounding_box(t, sh, sw, h - 2 * sh, w - 2 * sw)


def resize_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> Tensor:
    """Centre-crop or zero-pad each side to the target size."""
    t = _image(image, "resize_with_crop_or_pad")
    th, tw = _int_value(target_height), _int_value(target_width)
    h, w = _hw(t)
    ch, cw = min(h, th), min(w, tw)
    cropped = crop_to_bounding_box(t, max((h - th) // 2, 0), max((w - tw) // 2, 0), ch, cw)
    return pad_to_bounding_box(cropped, max((th - h) // 2, 0), max((tw - w) // 2, 0), th, tw)


# -- values --------------------------------------------------------------------------------------------------------


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: str | None = None) -> Tensor:
    """Convert between image dtypes with TF's scaling: integers span ``[0, MAX]``, floats ``[0, 1)``; float to
    float is a plain cast (differentiable), anything to integer has no gradient.

    >>> import tapegrad as tf
    >>> tf.image.convert_image_dtype(tf.constant([0, 255], tf.uint8), tf.float32).numpy().tolist()
    [0.0, 1.0]
    """
    t = to_tensor(image)
    src, dst = t.dtype, _dtypes.as_dtype(dtype)
    if not (dst.is_floating or dst.is_integer) or not (src.is_floating or src.is_integer):
        raise AttributeError(f"convert_image_dtype: unsupported dtypes {src.name} -> {dst.name}.")
    if src == dst:
        return t
    v = t._value
    if src.is_integer and dst.is_integer:
        smax, dmax = int(np.iinfo(v.dtype).max), int(np.iinfo(dst._np).max)
        if smax > dmax:
            out = v // ((smax + 1) // (dmax + 1))
        else:
            out = v.astype(np.int64) * ((dmax + 1) // (smax + 1))
        return make(out.astype(dst._np), NUMPY)
    if src.is_integer:  # to float: x / MAX, computed in the target type
        return arithmetic.multiply(core.cast(t, dst), 1.0 / float(np.iinfo(v.dtype).max))
    if dst.is_floating:
        return core.cast(t, dst)
    scaled = v.astype(np.float64) * (float(np.iinfo(dst._np).max) + 0.5)
    info = np.iinfo(dst._np)
    if saturate:
        scaled = np.clip(scaled, info.min, info.max)
    return make(np.trunc(scaled).astype(np.int64).astype(dst._np), NUMPY)  # C cast: truncate, wrap


def _through_float(t: Tensor, fn: Any) -> Tensor:
    """``fn`` on the image as float32 in [0, 1] (integer images), converted back with saturation (TF's rule)."""
    if t._value.dtype.kind in "fV":
        return fn(t)
    return convert_image_dtype(fn(convert_image_dtype(t, _dtypes.float32)), t.dtype, saturate=True)


def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """``image + delta`` (integer images: in [0, 1] floats, converted back with saturation); differentiable."""
    t = to_tensor(image)
    return _through_float(t, lambda x: arithmetic.add(x, core.cast(delta, x.dtype)))


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """``(x - mean) * contrast_factor + mean`` per image and channel. TF registers no gradient for it: the tape
    raises LookupError when differentiating through it, as in TF."""
    t = to_tensor(images)

    def f(x: Tensor) -> Tensor:
        return apply2(ADJUST_CONTRAST, x, core.cast(contrast_factor, x.dtype))

    return _through_float(t, f)


def adjust_gamma(image: Any, gamma: float = 1, gain: float = 1) -> Tensor:
    """``gain * image ** gamma`` (integer images via [0, 1] floats); differentiable."""
    t = to_tensor(image)
    return _through_float(t, lambda x: arithmetic.multiply(core.cast(gain, x.dtype), arithmetic.pow(
        x, core.cast(gamma, x.dtype))))


def _hsv_adjust(image: Any, hue: float, sat: float, op: str) -> Tensor:
    t = to_tensor(image)
    if t._value.shape[-1] != 3:
        raise InvalidArgumentError(f"{op}: images must have 3 channels (RGB), got shape {tuple(t._value.shape)}.")
    return _through_float(t, lambda x: apply1(ADJUST_HSV, x, {"hue": hue, "sat": sat}))


def adjust_saturation(image: Any, saturation_factor: float, name: str | None = None) -> Tensor:
    """Scale the HSV saturation of RGB images (clipped to [0, 1]); no gradient (as TF)."""
    return _hsv_adjust(image, 0.0, float(_num(saturation_factor)), "adjust_saturation")


def adjust_hue(image: Any, delta: float, name: str | None = None) -> Tensor:
    """Rotate the HSV hue of RGB images by ``delta`` (a fraction of a turn, in [-1, 1]); no gradient (as TF)."""
    d = float(_num(delta))
    if not -1 <= d <= 1:
        raise InvalidArgumentError(f"adjust_hue: delta must be in [-1, 1], got {d}.")
    return _hsv_adjust(image, d, 1.0, "adjust_hue")


def _num(x: Any) -> Any:
    return static_value(x) if isinstance(x, _TensorLike) else x


def per_image_standardization(image: Any) -> Tensor:
    """``(x - mean) / max(stddev, 1/sqrt(num_pixels))`` per image (float32 for integer images); differentiable."""
    t = _image(image, "per_image_standardization")
    x = _float_image(t)
    n = int(np.prod(x._value.shape[-3:]))
    axes = [-1, -2, -3]
    mean = reductions.reduce_mean(x, axis=axes, keepdims=True)
    std = reductions.reduce_std(x, axis=axes, keepdims=True)
    adj = arithmetic.maximum(std, core.cast(1.0 / math.sqrt(n), x.dtype))
    return arithmetic.divide(arithmetic.subtract(x, mean), adj)


_GRAY = (0.2989, 0.5870, 0.1140)


def rgb_to_grayscale(images: Any, name: str | None = None) -> Tensor:
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B`` with a trailing channel axis of 1; differentiable."""
    t = to_tensor(images)
    if t._value.shape[-1] != 3:
        raise InvalidArgumentError(f"rgb_to_grayscale: the last axis must hold 3 channels (RGB), got shape "
                                   f"{tuple(t._value.shape)}.")

    def f(x: Tensor) -> Tensor:
        from .linalg_ops import tensordot
        from .shape_ops import expand_dims

        w = core.constant(np.asarray(_GRAY, dtype=x._value.dtype))
        return expand_dims(tensordot(x, w, [[-1], [-1]]), -1)

    if t._value.dtype.kind in "fV":
        return f(t)
    return convert_image_dtype(f(convert_image_dtype(t, _dtypes.float32)), t.dtype)


def grayscale_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """Repeat the single channel three times."""
    t = to_tensor(images)
    if t._value.shape[-1] != 1:
        raise InvalidArgumentError(f"grayscale_to_rgb: the last axis must be 1, got shape {tuple(t._value.shape)}.")
    return joining.concat([t, t, t], -1)


def extract_patches(images: Any, sizes: Any, strides: Any, rates: Any, padding: str, name: str | None = None
                    ) -> Tensor:
    """Patches ``[batch, out_rows, out_cols, size_rows * size_cols * channels]`` (TF's ``extract_patches``);
    differentiable (overlapping patches sum their gradients).

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> tf.image.extract_patches(x, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID").shape
    TensorShape([1, 2, 2, 4])
    """
    t = to_tensor(images)
    if t._value.ndim != 4:
        raise InvalidArgumentError(f"extract_patches: input must be 4-dimensional [batch, rows, cols, channels], "
                                   f"got shape {list(t._value.shape)}.")
    b, h, w, c = t._value.shape
    kh, kw = int(sizes[1]), int(sizes[2])
    sh, sw = int(strides[1]), int(strides[2])
    rh, rw = int(rates[1]), int(rates[2])
    eh, ew = (kh - 1) * rh + 1, (kw - 1) * rw + 1
    padding = str(padding).upper()
    if padding == "VALID":
        oh, ow = (h - eh) // sh + 1, (w - ew) // sw + 1
        ph = pw = 0
    elif padding == "SAME":
        oh, ow = -(-h // sh), -(-w // sw)
        ph = max((oh - 1) * sh + eh - h, 0) // 2
        pw = max((ow - 1) * sw + ew - w, 0) // 2
    else:
        raise ValueError(f"extract_patches: padding must be 'VALID' or 'SAME', got {padding!r}.")
    # rows/cols of every tap; out-of-image taps read a zero appended after the flattened image
    rows = (np.arange(oh) * sh - ph)[:, None, None, None] + (np.arange(kh) * rh)[None, None, :, None]
    cols = (np.arange(ow) * sw - pw)[None, :, None, None] + (np.arange(kw) * rw)[None, None, None, :]
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    flat = np.where(inside, rows * w + cols, h * w)  # [oh, ow, kh, kw]
    from .indexing import gather

    x = shape_ops.reshape(t, [b, h * w, c])
    x = joining.concat([x, core.zeros([b, 1, c], dtype=t.dtype)], 1)
    patches = gather(x, make(flat.astype(np.int64), NUMPY), axis=1)  # [b, oh, ow, kh, kw, c]
    return shape_ops.reshape(patches, [b, oh, ow, kh * kw * c])


# -- image quality and gradients: image_gradients, total_variation, sobel_edges, psnr ------------------------------
# Compositions of differentiable ops in TF's order of operations (so float32 values round as TF's).


def image_gradients(image: Any) -> tuple[Tensor, Tensor]:
    """Forward differences ``(dy, dx)`` of a ``[batch, h, w, d]`` image, zero in the last row / column.

    >>> import tapegrad as tf
    >>> dy, dx = tf.image.image_gradients(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))
    >>> dy[0, :, :, 0].numpy().tolist(), dx[0, :, :, 0].numpy().tolist()
    ([[3.0, 3.0, 3.0], [3.0, 3.0, 3.0], [0.0, 0.0, 0.0]], [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    """
    x = to_tensor(image)
    if x._value.ndim != 4:
        raise ValueError(f"image_gradients expects a 4-D tensor [batch_size, h, w, d], got shape "
                         f"{list(x._value.shape)}.")
    b, h, w, d = x._value.shape
    dy = x[:, 1:, :, :] - x[:, :-1, :, :]
    dx = x[:, :, 1:, :] - x[:, :, :-1, :]
    dy = joining.concat([dy, core.zeros([b, 1, w, d], x.dtype)], 1)
    dx = joining.concat([dx, core.zeros([b, h, 1, d], x.dtype)], 2)
    return dy, dx


def total_variation(images: Any, name: str | None = None) -> Tensor:
    """Sum of absolute differences between neighbouring pixels: a scalar for one ``[h, w, c]`` image, one value
    per image for ``[batch, h, w, c]``.

    >>> import tapegrad as tf
    >>> float(tf.image.total_variation(tf.constant([[[0.0], [1.0]], [[3.0], [1.0]]])))
    6.0
    """
    x = to_tensor(images)
    nd = x._value.ndim
    if nd == 3:
        d1 = x[1:, :, :] - x[:-1, :, :]
        d2 = x[:, 1:, :] - x[:, :-1, :]
        axes = None
    elif nd == 4:
        d1 = x[:, 1:, :, :] - x[:, :-1, :, :]
        d2 = x[:, :, 1:, :] - x[:, :, :-1, :]
        axes = [1, 2, 3]
    else:
        raise ValueError(f"total_variation: 'images' must be either 3 or 4-dimensional, got shape "
                         f"{list(x._value.shape)}.")
    from . import unary_math

    return reductions.reduce_sum(unary_math.abs(d1), axes) + reductions.reduce_sum(unary_math.abs(d2), axes)


_SOBEL = np.asarray([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]])


def sobel_edges(image: Any) -> Tensor:
    """Sobel edge maps of a ``[batch, h, w, d]`` image: ``[batch, h, w, d, 2]`` holding the vertical (dy) and
    horizontal (dx) responses of each channel, with reflected borders (as TF). Differentiable.

    >>> import tapegrad as tf
    >>> e = tf.image.sobel_edges(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))
    >>> e.shape, e[0, 1, 1, 0].numpy().tolist()
    (TensorShape([1, 3, 3, 1, 2]), [24.0, 8.0])
    """
    from .convolution import depthwise_conv2d
    from .tiling import pad

    x = to_tensor(image)
    if x._value.ndim != 4:
        raise ValueError(f"sobel_edges: image must be 4-D [batch, h, w, d], got shape {list(x._value.shape)}.")
    d = x._value.shape[-1]
    k = np.tile(np.expand_dims(np.transpose(_SOBEL, (1, 2, 0)), -2), (1, 1, d, 1)).astype(x._value.dtype)
    padded = pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    out = depthwise_conv2d(padded, core.constant(k), [1, 1, 1, 1], "VALID")
    return shape_ops.reshape(out, list(x._value.shape) + [2])


def psnr(a: Any, b: Any, max_val: Any, name: str | None = None) -> Tensor:
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)`` per image (over the last three axes),
    computed in float32 after ``convert_image_dtype`` as TF does (so the result is float32).

    >>> import tapegrad as tf
    >>> round(float(tf.image.psnr(tf.zeros([4, 4, 1]), tf.fill([4, 4, 1], 0.1), max_val=1.0)), 4)
    20.0
    """
    from . import unary_math

    x, y = to_tensor(a), to_tensor(b)
    if tuple(x._value.shape[-3:]) != tuple(y._value.shape[-3:]) or x._value.ndim < 3:
        raise ValueError(f"psnr: images must have the same [height, width, channels] (rank >= 3), got shapes "
                         f"{list(x._value.shape)} and {list(y._value.shape)}.")
    mv = core.cast(max_val, x.dtype)
    mv = convert_image_dtype(mv, _dtypes.float32)
    x = convert_image_dtype(x, _dtypes.float32)
    y = convert_image_dtype(y, _dtypes.float32)
    mse = reductions.reduce_mean(arithmetic.squared_difference(x, y), [-3, -2, -1])
    return arithmetic.subtract(20 * unary_math.log(mv) / unary_math.log(core.constant(10.0)),
                               np.float32(10 / np.log(10)) * unary_math.log(mse))


def _gauss_kernel(size: int, sigma: float) -> Tensor:
    """TF's ``_fspecial_gauss`` in float32: a softmax of -(i^2 + j^2) / (2 sigma^2) over the centred grid."""
    from .activations import softmax

    coords = np.arange(size, dtype=np.float32) - np.float32(size - 1) / np.float32(2.0)
    g = np.square(coords) * (np.float32(-0.5) / np.square(np.float32(sigma)))
    g = (g.reshape(1, -1) + g.reshape(-1, 1)).reshape(1, -1)
    return shape_ops.reshape(softmax(core.constant(g)), [size, size, 1, 1])


def ssim(img1: Any, img2: Any, max_val: Any, filter_size: int = 11, filter_sigma: float = 1.5, k1: float = 0.01,
         k2: float = 0.03, return_index_map: bool = False) -> Tensor:
    """Structural similarity of two images ``[..., h, w, c]`` (float32 after ``convert_image_dtype``, as TF):
    luminance x contrast-structure terms from a ``filter_size`` Gaussian window (VALID), averaged over the image and
    the channels (``return_index_map=True``: the per-position map, averaged over channels). Differentiable.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(256.0) / 255.0, [16, 16, 1])
    >>> float(tf.image.ssim(x, x, max_val=1.0))
    1.0
    """
    a, b = to_tensor(img1), to_tensor(img2)
    sa, sb = tuple(a._value.shape), tuple(b._value.shape)
    if len(sa) < 3 or len(sb) < 3 or sa[-3:] != sb[-3:]:
        raise ValueError(f"ssim: images must have the same [height, width, channels] (rank >= 3), got shapes "
                         f"{list(sa)} and {list(sb)}.")
    mv = convert_image_dtype(core.cast(max_val, a.dtype), _dtypes.float32)
    x = convert_image_dtype(a, _dtypes.float32)
    y = convert_image_dtype(b, _dtypes.float32)
    val, _ = ssim_per_channel(x, y, mv, filter_size, filter_sigma, k1, k2, return_index_map)
    return reductions.reduce_mean(val, [-1])


def ssim_per_channel(x: Tensor, y: Tensor, mv: Tensor, filter_size: int, filter_sigma: float, k1: float, k2: float,
                     index_map: bool = False) -> tuple[Tensor, Tensor]:
    """TF's ``_ssim_per_channel`` of float32 images ``[..., h, w, c]``: ``(ssim, cs)`` averaged over height and
    width (with ``index_map`` the per-position ``ssim`` map and the unaveraged ``cs``)."""
    from .convolution import depthwise_conv2d
    from .tiling import tile

    shape = tuple(x._value.shape)
    fs = int(filter_size)
    if min(shape[-3:-1]) < fs:
        raise InvalidArgumentError(f"ssim: the images ({list(shape[-3:-1])}) must be at least filter_size={fs} in "
                                   "height and width; pass a smaller filter_size.")
    kernel = tile(_gauss_kernel(fs, float(filter_sigma)), [1, 1, shape[-1], 1])

    def reducer(t: Any) -> Tensor:
        shp = tuple(t._value.shape)
        r = depthwise_conv2d(shape_ops.reshape(t, (-1,) + shp[-3:]), kernel, [1, 1, 1, 1], "VALID")
        return shape_ops.reshape(r, shp[:-3] + tuple(r._value.shape[1:]))

    c1 = (k1 * mv) ** 2
    c2 = (k2 * mv) ** 2
    mean0, mean1 = reducer(x), reducer(y)
    num0 = mean0 * mean1 * 2.0
    den0 = mean0 * mean0 + mean1 * mean1
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(x * y) * 2.0
    den1 = reducer(x * x + y * y)
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    if index_map:
        return luminance * cs, cs
    return reductions.reduce_mean(luminance * cs, [-3, -2]), reductions.reduce_mean(cs, [-3, -2])


EXPORTS: dict[str, list[str]] = {
    "image": [
        "ResizeMethod", "resize", "resize_with_pad", "flip_left_right", "flip_up_down", "transpose", "rot90",
        "random_flip_left_right", "random_flip_up_down", "stateless_random_flip_left_right",
        "stateless_random_flip_up_down", "crop_to_bounding_box", "pad_to_bounding_box", "central_crop",
        "resize_with_crop_or_pad", "convert_image_dtype", "adjust_brightness", "adjust_contrast", "adjust_gamma",
        "adjust_saturation", "adjust_hue", "per_image_standardization", "rgb_to_grayscale", "grayscale_to_rgb",
        "extract_patches", "image_gradients", "total_variation", "sobel_edges", "psnr", "ssim",
    ],
}
