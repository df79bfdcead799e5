"""``keras.ops.image``: ``resize``, ``affine_transform``, ``map_coordinates``, ``pad_images``, ``crop_images``,
``extract_patches``, ``rgb_to_grayscale``, ``rgb_to_hsv``, ``hsv_to_rgb`` (channels-last by default, as Keras's
``image_data_format``).

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> img = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> tuple(ops.image.resize(img, (2, 2)).shape), tuple(ops.image.pad_images(img, 1, 1, 1, 1).shape)
((1, 2, 2, 1), (1, 6, 6, 1))
"""

from __future__ import annotations

import itertools
from typing import Any

import tapegrad as tg

from .. import backend as _state
from ._dtypes import cast, convert
from ._image_extra import extract_patches_3d, scale_and_translate, sobel_edges, ssim  # noqa: F401 - ops.image

__all__ = ["affine_transform", "crop_images", "elastic_transform", "extract_patches", "extract_patches_3d",
           "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images", "perspective_transform", "resize",
           "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate", "sobel_edges", "ssim"]


def _df(data_format: str | None) -> str:
    df = data_format or _state.image_data_format()
    if df not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {df!r}")
    return df


def _nhwc(images: Any, df: str, name: str) -> tuple[Any, bool]:
    x = convert(images)
    if len(x.shape) not in (3, 4):
        raise ValueError(f"{name}: expects a 3-D image or a 4-D batch, got shape {tuple(x.shape)}")
    single = len(x.shape) == 3
    if single:
        x = tg.expand_dims(x, 0)
    if df == "channels_first":
        x = tg.transpose(x, [0, 2, 3, 1])
    return x, single


def _back(x: Any, df: str, single: bool) -> Any:
    if df == "channels_first":
        x = tg.transpose(x, [0, 3, 1, 2])
    return tg.squeeze(x, 0) if single else x


def resize(images: Any, size: Any, interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False, fill_mode: str = "constant",
           fill_value: float = 0.0, data_format: str | None = None) -> Any:
    """Resize to ``size = (height, width)`` with ``tf.image.resize``'s methods."""
    df = _df(data_format)
    if len(size) != 2:
        raise ValueError(f"resize: `size` must be (height, width), got {size}")
    x, single = _nhwc(images, df, "resize")
    h, w = int(size[0]), int(size[1])
    if crop_to_aspect_ratio:
        ih, iw = x.shape[1], x.shape[2]
        ch, cw = min(ih, int(iw * h / w)), min(iw, int(ih * w / h))
        ch, cw = max(ch, 1), max(cw, 1)
        oh, ow = (ih - ch) // 2, (iw - cw) // 2
        x = x[:, oh:oh + ch, ow:ow + cw, :]
    elif pad_to_aspect_ratio:
        ih, iw = x.shape[1], x.shape[2]
        ph, pw = max(ih, int(iw * h / w)), max(iw, int(ih * w / h))
        # the same margin on both sides (Keras's rule: an odd difference loses one row/column)
        top, left = (ph - ih) // 2, (pw - iw) // 2
        x = tg.pad(x, [[0, 0], [top, top], [left, left], [0, 0]], constant_values=tg.cast(fill_value, x.dtype))
    dt = x.dtype.name
    y = tg.image.resize(x, [h, w], method=interpolation, antialias=antialias)
    if y.dtype.name != dt:
        y = cast(tg.round(y) if "int" in dt else y, dt)
    return _back(y, df, single)


def pad_images(images: Any, top_padding: Any = None, left_padding: Any = None, bottom_padding: Any = None,
               right_padding: Any = None, target_height: Any = None, target_width: Any = None,
               data_format: str | None = None) -> Any:
    """Zero-pad images; give two of top/bottom/target height (and of left/right/target width)."""
    df = _df(data_format)
    x, single = _nhwc(images, df, "pad_images")
    h, w = x.shape[1], x.shape[2]

    def resolve(a: Any, b: Any, target: Any, size: int, names: str) -> tuple[int, int]:
        given = [v is not None for v in (a, b, target)]
        if sum(given) != 2:
            raise ValueError(f"pad_images: give exactly two of {names}")
        if target is None:
            return int(a), int(b)
        if a is None:
            return int(target) - size - int(b), int(b)
        return int(a), int(target) - size - int(a)
    top, bottom = resolve(top_padding, bottom_padding, target_height, h,
                          "top_padding, bottom_padding and target_height")
    left, right = resolve(left_padding, right_padding, target_width, w,
                          "left_padding, right_padding and target_width")
    if min(top, bottom, left, right) < 0:
        raise ValueError("pad_images: the padding must be non-negative (the target is smaller than the image)")
    y = tg.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
    return _back(y, df, single)


def crop_images(images: Any, top_cropping: Any = None, left_cropping: Any = None, bottom_cropping: Any = None,
                right_cropping: Any = None, target_height: Any = None, target_width: Any = None,
                data_format: str | None = None) -> Any:
    """Crop images; give two of top/bottom/target height (and of left/right/target width)."""
    df = _df(data_format)
    x, single = _nhwc(images, df, "crop_images")
    h, w = x.shape[1], x.shape[2]

    def resolve(a: Any, b: Any, target: Any, size: int, names: str) -> tuple[int, int]:
        given = [v is not None for v in (a, b, target)]
        if sum(given) != 2:
            raise ValueError(f"crop_images: give exactly two of {names}")
        if target is None:
            return int(a), size - int(b)
        if a is None:
            return size - int(b) - int(target), size - int(b)
        return int(a), int(a) + int(target)
    top, bottom = resolve(top_cropping, bottom_cropping, target_height, h,
                          "top_cropping, bottom_cropping and target_height")
    left, right = resolve(left_cropping, right_cropping, target_width, w,
                          "left_cropping, right_cropping and target_width")
    if top < 0 or left < 0 or bottom > h or right > w or bottom <= top or right <= left:
        raise ValueError(f"crop_images: the crop [{top}:{bottom}, {left}:{right}] does not fit an image of "
                         f"{h}x{w}")
    return _back(x[:, top:bottom, left:right, :], df, single)


def rgb_to_grayscale(images: Any, data_format: str | None = None) -> Any:
    """Luma ``0.2989 R + 0.5870 G + 0.1140 B`` as one channel."""
    df = _df(data_format)
    x, single = _nhwc(images, df, "rgb_to_grayscale")
    if x.shape[-1] != 3:
        raise ValueError(f"rgb_to_grayscale: images need 3 channels, got {x.shape[-1]}")
    dt = x.dtype.name
    xf = cast(x, "float32") if not dt.startswith("float") else x
    wts = tg.constant([0.2989, 0.5870, 0.1140], xf.dtype)
    y = tg.reduce_sum(xf * wts, -1, keepdims=True)
    y = cast(y, dt) if not dt.startswith("float") else y
    return _back(y, df, single)


def rgb_to_hsv(images: Any, data_format: str | None = None) -> Any:
    """RGB in [0, 1] to HSV in [0, 1] (float images)."""
    df = _df(data_format)
    x, single = _nhwc(images, df, "rgb_to_hsv")
    if not x.dtype.name.startswith(("float", "bfloat")):
        raise ValueError(f"rgb_to_hsv: expects a float image, got {x.dtype.name}")
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = tg.reduce_max(x, -1)
    mn = tg.reduce_min(x, -1)
    rng = v - mn
    safe_v = tg.where(tg.greater(v, 0), v, tg.ones_like(v))
    s = tg.where(tg.greater(v, 0), rng / safe_v, tg.zeros_like(v))
    safe = tg.where(tg.greater(rng, 0), rng, tg.ones_like(rng))
    h = tg.where(tg.equal(v, r), (g - b) / safe, tg.where(tg.equal(v, g), 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    h = tg.where(tg.greater(rng, 0), h / 6.0, tg.zeros_like(h))
    h = tg.math.floormod(h, tg.ones_like(h))
    return _back(tg.stack([h, s, v], -1), df, single)


def hsv_to_rgb(images: Any, data_format: str | None = None) -> Any:
    """HSV in [0, 1] back to RGB."""
    df = _df(data_format)
    x, single = _nhwc(images, df, "hsv_to_rgb")
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    h6 = tg.math.floormod(h, tg.ones_like(h)) * 6.0

    def chan(n: float) -> Any:
        k = tg.math.floormod(n + h6, 6.0 * tg.ones_like(h6))
        return v - v * s * tg.maximum(tg.zeros_like(k), tg.minimum(tg.minimum(k, 4.0 - k), tg.ones_like(k)))
    return _back(tg.stack([chan(5.0), chan(3.0), chan(1.0)], -1), df, single)


def extract_patches(images: Any, size: Any, strides: Any = None, dilation_rate: int = 1, padding: str = "valid",
                    data_format: str | None = None) -> Any:
    """Patches of ``size`` as the channel axis (``(batch, rows, cols, size_h * size_w * channels)``)."""
    df = _df(data_format)
    x, single = _nhwc(images, df, "extract_patches")
    sz = [int(size)] * 2 if isinstance(size, int) else [int(v) for v in size]
    st = sz if strides is None else ([int(strides)] * 2 if isinstance(strides, int) else [int(v) for v in strides])
    rate = [int(dilation_rate)] * 2 if isinstance(dilation_rate, int) else [int(v) for v in dilation_rate]
    y = tg.image.extract_patches(x, [1, *sz, 1], [1, *st, 1], [1, *rate, 1], padding.upper())
    return _back(y, df, single)


_FILL = {"constant": "constant", "nearest": "nearest", "wrap": "wrap", "mirror": "mirror", "reflect": "reflect"}


def affine_transform(images: Any, transform: Any, interpolation: str = "bilinear", fill_mode: str = "constant",
                     fill_value: float = 0, data_format: str | None = None) -> Any:
    """Apply projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]`` mapping output to input points, by the
    ``ImageProjectiveTransformV3`` sampler (``ops/image_transform.projective_transform``, TF's values bit for
    bit, one implementation with ``tf.raw_ops.ImageProjectiveTransformV3``); the gradient is TensorFlow's
    registered one (the upstream warped back by the inverse transforms, same interpolation and fill mode, fill 0),
    not the exact adjoint of the interpolation."""
    from ...ops.image_transform import projective_transform

    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"affine_transform: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    if fill_mode not in _FILL or fill_mode == "mirror":  # TensorFlow's kernel has no "mirror"
        raise ValueError(f"affine_transform: unknown fill_mode {fill_mode!r}; use one of "
                         f"{tuple(m for m in _FILL if m != 'mirror')}")
    df = _df(data_format)
    x, single = _nhwc(images, df, "affine_transform")
    t = convert(transform)
    if len(t.shape) == 1:
        t = tg.expand_dims(t, 0)
    if t.shape[-1] != 8:
        raise ValueError(f"affine_transform: transform must have 8 values per image, got shape {tuple(t.shape)}")
    y = projective_transform(x, cast(t, "float32"), fill_value=fill_value, interpolation=interpolation,
                             fill_mode=fill_mode)
    return _back(y, df, single)


def map_coordinates(inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant",
                    fill_value: float = 0) -> Any:
    """Sample ``inputs`` at ``coordinates`` (one array per input axis) with order 0 or 1 interpolation (as
    ``scipy.ndimage.map_coordinates``; order 0 rounds halves to even, as Keras on TensorFlow). Differentiable in
    ``inputs`` and, for order 1, in ``coordinates``."""
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: order must be 0 or 1, got {order}")
    if fill_mode not in _FILL:
        raise ValueError(f"map_coordinates: unknown fill_mode {fill_mode!r}; use one of {tuple(_FILL)}")
    x = convert(inputs)
    coords = convert(coordinates)
    nd = len(x.shape)
    if coords.shape[0] != nd:
        raise ValueError(f"map_coordinates: need {nd} coordinate arrays, got {coords.shape[0]}")
    calc = x.dtype.name if x.dtype.is_floating else "float32"
    c = cast(coords, calc)
    xf = cast(x, calc)
    base = [tg.floor(c[d]) if order == 1 else tg.round(c[d]) for d in range(nd)]
    out = None
    for offs in itertools.product(*([(0, 1)] if order == 1 else [(0,)]) * nd):
        weight, ok, idx = None, None, []
        for d, off in enumerate(offs):
            n = x.shape[d]
            i = tg.cast(base[d], "int64") + off
            if order == 1:
                frac = c[d] - base[d]
                w = frac if off else 1 - frac
                weight = w if weight is None else weight * w
            if fill_mode == "nearest":
                i = tg.clip_by_value(i, 0, n - 1)
            elif fill_mode == "wrap":
                i = tg.math.floormod(i, n)
            elif fill_mode in ("mirror", "reflect"):
                period = max(2 * n - 2, 1) if fill_mode == "mirror" else 2 * n
                j = tg.math.floormod(tg.abs(i) if fill_mode == "reflect" else i, period)  # Keras-on-TF: |i| first
                i = tg.where(j >= n, (period - j) if fill_mode == "mirror" else (period - 1 - j), j)
            else:
                inside = tg.logical_and(i >= 0, i < n)
                ok = inside if ok is None else tg.logical_and(ok, inside)
                i = tg.clip_by_value(i, 0, n - 1)
            idx.append(i)
        vals = tg.gather_nd(xf, tg.stack(idx, -1))
        if ok is not None:
            vals = tg.where(ok, vals, tg.cast(fill_value, calc))
        term = vals if weight is None else vals * weight
        out = term if out is None else out + term
    return out if calc == x.dtype.name else cast(tg.round(out), x.dtype.name)
from .image_warp import elastic_transform, gaussian_blur, perspective_transform  # noqa: E402,F401
