"""``keras.ops.image``'s ``sobel_edges``, ``ssim``, ``extract_patches_3d`` and ``scale_and_translate``, each as
Keras 3 computes it on the TensorFlow backend (same kernels, rounding and quirks), from differentiable tapegrad ops
(``gaussian_blur``, ``perspective_transform`` and ``elastic_transform`` are in ``image_warp.py``).

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> ops.image.sobel_edges(np.zeros((1, 4, 4, 1), "float32")).shape
TensorShape([1, 4, 4, 1, 2])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from .. import backend as _state
from ._dtypes import cast, convert, result_type, standardize_dtype

_SCALE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3", "lanczos5")


def _rank_check(x: Any, ranks: tuple[int, ...], what: str = "images") -> None:
    if len(x.shape) not in ranks:
        raise ValueError(f"Invalid {what} rank: expected rank {' or '.join(map(str, ranks))}, received input with "
                         f"shape {what}.shape={tuple(x.shape)}")


def sobel_edges(images: Any, data_format: str | None = None) -> Any:
    """``tf.image.sobel_edges`` (``[..., 2]`` = ``[dy, dx]``, reflected borders) in either data format.

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> ops.image.sobel_edges(np.zeros((1, 8, 8, 1), "float32")).shape
    TensorShape([1, 8, 8, 1, 2])
    """
    x = convert(images)
    df = data_format or _state.image_data_format()
    if df == "channels_first":
        x = tg.transpose(x, (0, 2, 3, 1))
    e = tg.image.sobel_edges(x)
    return tg.transpose(e, (0, 3, 1, 2, 4)) if df == "channels_first" else e


def ssim(image1: Any, image2: Any, max_val: float = 1.0, filter_size: int = 11, filter_sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03, data_format: str | None = None) -> Any:
    """Keras's SSIM (not ``tf.image.ssim``'s): each channel with a ``filter_size`` Gaussian window (VALID),
    ``((2 mu1 mu2 + c1)(2 sigma12 + c2)) / ((mu1^2 + mu2^2 + c1)(sigma1^2 + sigma2^2 + c2))`` averaged over the
    positions and channels; one value per image (a scalar for one image), in the images' dtype.

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> x = np.random.default_rng(0).random((16, 16, 3)).astype("float32")
    >>> round(float(ops.image.ssim(x, x)), 5)
    1.0
    """
    df = data_format or _state.image_data_format()
    a, b = convert(image1), convert(image2)
    original = standardize_dtype(a.dtype)
    compute = result_type(a.dtype, float)
    a, b = cast(a, compute), cast(b, compute)
    _rank_check(a, (3, 4), "image1")
    _rank_check(b, (3, 4), "image2")
    single = len(a.shape) == 3
    if single:
        a, b = tg.expand_dims(a, 0), tg.expand_dims(b, 0)
    if df == "channels_first":
        a, b = tg.transpose(a, (0, 2, 3, 1)), tg.transpose(b, (0, 2, 3, 1))
    n, h, w, c = (int(v) for v in a.shape)
    g = tg.range(filter_size, dtype=compute) - (filter_size - 1) / 2.0
    g = tg.exp(-(g ** 2) / (2.0 * filter_sigma ** 2))
    g = g / tg.reduce_sum(g)
    kernel = tg.reshape(tg.tensordot(g, g, axes=0), (filter_size, filter_size, 1, 1))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2

    def chans(t: Any) -> Any:
        return tg.reshape(tg.transpose(t, (0, 3, 1, 2)), [-1, h, w, 1])

    def blur(t: Any) -> Any:
        return tg.nn.conv2d(t, kernel, 1, "VALID")

    x, y = chans(a), chans(b)
    mu1, mu2 = blur(x), blur(y)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    s1, s2, s12 = blur(x * x) - mu1_sq, blur(y * y) - mu2_sq, blur(x * y) - mu12
    value = ((2.0 * mu12 + c1) * (2.0 * s12 + c2)) / ((mu1_sq + mu2_sq + c1) * (s1 + s2 + c2))
    per_image = tg.reduce_mean(tg.reshape(tg.reduce_mean(value, [1, 2, 3]), [n, c]), -1)
    return cast(tg.squeeze(per_image, 0) if single else per_image, original)


def extract_patches_3d(volumes: Any, size: Any, strides: Any = None, dilation_rate: Any = 1,
                       padding: str = "valid", data_format: str | None = None) -> Any:
    """3-D patches as the channel axis: ``(batch, d', h', w', pd * ph * pw * channels)``, a convolution with an
    identity kernel as Keras does (``strides`` default to ``size``).

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> ops.image.extract_patches_3d(np.ones((10, 10, 10, 3), "float32"), (3, 3, 3)).shape
    TensorShape([3, 3, 3, 81])
    """
    from .nn import conv

    size = (size,) * 3 if isinstance(size, int) else tuple(size)
    if len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. Received: size={size}")
    strides = size if strides is None else strides
    strides = (strides,) * 3 if isinstance(strides, int) else tuple(strides)
    if len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    x = convert(volumes)
    df = data_format or _state.image_data_format()
    cin = int(x.shape[-1] if df == "channels_last" else x.shape[-4])
    out_dim = size[0] * size[1] * size[2] * cin
    dt = standardize_dtype(x.dtype)
    rate = (dilation_rate,) * 3 if isinstance(dilation_rate, int) else tuple(dilation_rate)
    if any(r > 1 for r in rate) and any(st > 1 for st in strides):
        raise ValueError("extract_patches_3d: strides > 1 together with dilation_rate > 1 is not supported (as "
                         "TensorFlow)")
    # the identity kernel with the dilation's zero taps written out (TF dilates a 3-D convolution the same way)
    eye = np.eye(out_dim).reshape(*size, cin, out_dim)
    full = np.zeros(tuple((k - 1) * r + 1 for k, r in zip(size, rate)) + (cin, out_dim))
    full[::rate[0], ::rate[1], ::rate[2]] = eye
    kernel = tg.constant(full, dtype=dt)
    single = len(x.shape) == 4
    if single:
        x = tg.expand_dims(x, 0)
    y = conv(x, kernel, strides=strides, padding=padding, data_format=df)
    return tg.squeeze(y, 0) if single else y


def _kernel(method: str) -> Any:
    if method == "linear":
        return lambda x: tg.maximum(tg.zeros_like(x), 1 - tg.abs(x))
    if method == "cubic":
        def cubic(x: Any) -> Any:
            out = ((1.5 * x - 2.5) * x) * x + 1.0
            out = tg.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
            return tg.where(x >= 2.0, tg.zeros_like(x), out)
        return cubic
    radius = 3.0 if method == "lanczos3" else 5.0

    def lanczos(x: Any) -> Any:
        y = radius * tg.sin(np.pi * x) * tg.sin(np.pi * x / radius)
        safe = tg.where(tg.not_equal(x, 0), np.pi ** 2 * x ** 2, tg.ones_like(x))
        out = tg.where(x > 1e-3, y / safe, tg.ones_like(x))
        return tg.where(x > radius, tg.zeros_like(x), out)
    return lanczos


def _weights(n_in: int, n_out: int, scale: Any, shift: Any, kernel: Any, antialias: bool, dt: str) -> Any:
    inv = 1.0 / scale
    kscale = tg.maximum(inv, tg.ones_like(inv)) if antialias else 1.0
    sample = (tg.range(n_out, dtype=dt) + 0.5) * inv - shift * inv - 0.5
    w = kernel(tg.abs(sample[None, :] - tg.range(n_in, dtype=dt)[:, None]) / kscale)
    total = tg.reduce_sum(w, 0, keepdims=True)
    w = tg.where(tg.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
                 w / tg.where(tg.not_equal(total, 0), total, tg.ones_like(total)), tg.zeros_like(w))
    inside = tg.logical_and(sample >= -0.5, sample <= tg.cast(n_in, dt) - 0.5)[None, :]
    return tg.where(inside, w, tg.zeros_like(w))


def scale_and_translate(images: Any, output_shape: Any, scale: Any, translation: Any, spatial_dims: Any,
                        method: str, antialias: bool = True) -> Any:
    """``jax.image.scale_and_translate`` as Keras's TF backend computes it: per spatial axis a
    ``[in, out]`` weight matrix of ``method``'s kernel (widened by ``1 / scale`` when ``antialias`` and
    downscaling), contracted with ``tensordot``. Integer images raise InvalidArgumentError, as on Keras's TF
    backend.

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> x = np.arange(9, dtype="float32").reshape(3, 3)
    >>> ops.image.scale_and_translate(x, (5, 5), [5 / 3, 5 / 3], [0.0, 0.0], (0, 1), "linear")[0].numpy().round(4)
    array([0. , 0.4, 1. , 1.6, 2. ], dtype=float32)
    """
    if method not in _SCALE_METHODS:
        raise ValueError(f"Invalid value for argument `method`. Expected of one {_SCALE_METHODS}. Received: "
                         f"method={method}")
    method = ("linear" if method in ("linear", "bilinear", "trilinear")
              else "cubic" if method in ("cubic", "bicubic", "tricubic") else method)
    x, s, t = convert(images), convert(scale), convert(translation)
    dt = result_type(s.dtype, t.dtype)
    s, t = cast(s, dt), cast(t, dt)
    dims = list(spatial_dims)
    if not dims:
        return x
    if not x.dtype.is_floating:
        # Keras's TF backend clips the float32 result by the integer image's own min/max, a dtype mismatch that
        # TF refuses
        raise tg.errors.InvalidArgumentError(
            f"scale_and_translate: integer images ({x.dtype.name}) fail on Keras's TensorFlow backend (it clips a "
            "float32 result by integer bounds); cast the images to a float dtype first.")
    out = tg.identity(x)
    kernel = _kernel(method)
    rank = len(x.shape)
    for i, d in enumerate(dims):
        d = d % rank
        w = tg.cast(_weights(int(x.shape[d]), int(output_shape[d]), s[i], t[i], kernel, antialias, dt), out.dtype)
        out = _moveaxis(tg.tensordot(out, w, axes=(d, 0)), d)
    return out


def _moveaxis(x: Any, d: int) -> Any:
    perm = list(range(len(x.shape) - 1))
    perm.insert(d, len(x.shape) - 1)
    return tg.transpose(x, perm)
