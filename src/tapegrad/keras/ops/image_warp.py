"""``keras.ops.image.gaussian_blur``, ``perspective_transform`` and ``elastic_transform`` as Keras 3 computes them
on TensorFlow (the augmentation layers ``RandomGaussianBlur``, ``RandomPerspective`` and ``RandomElasticTransform``
are built on them).

Kept from Keras on purpose, because they change values: ``gaussian_blur`` builds its 2-D kernel as the outer product
of the y kernel (``kernel_size[1]``, ``sigma[1]``) with the x kernel (``kernel_size[0]``, ``sigma[0]``);
``elastic_transform`` draws its x and y displacement fields from the same seed (so they are equal), with a
``6 * int(sigma) | 1`` blur kernel.

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> img = np.zeros((1, 3, 3, 1), "float32"); img[0, 1, 1, 0] = 1.0
>>> [round(v, 4) for v in ops.image.gaussian_blur(img, (3, 3), (1.0, 1.0))[0, :, 1, 0].numpy().tolist()]
[0.1238, 0.2042, 0.1238]
>>> square = [[0, 0], [3, 0], [3, 3], [0, 3]]
>>> ops.image.perspective_transform(np.ones((4, 4, 1), "float32"), square, square).shape
TensorShape([4, 4, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ...ops.image_transform import projective_transform
from ._dtypes import convert

__all__ = ["elastic_transform", "gaussian_blur", "perspective_transform"]

_INTERPOLATIONS = ("nearest", "bilinear")
_FILL_MODES = ("constant", "nearest", "wrap", "reflect")


def _df(data_format: str | None) -> str:
    from .image import _df as df

    return df(data_format)


def _check_rank(images: Any) -> None:
    if len(images.shape) not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received "
                         f"input with shape: images.shape={tuple(images.shape)}")


def _static(value: Any) -> np.ndarray | None:
    """A Python/NumPy value of an argument that fixes shapes (kernel sizes), from a number, list or tensor; None
    for a symbolic tensor (inside a ``tf.data`` function)."""
    try:
        return np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    except AttributeError:
        return None


def _np_blur_fields(fields: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``gaussian_blur`` of ``[n, h, w]`` fields with a ``6 * int(sigma) | 1`` square kernel, in NumPy (float32
    kernel as Keras builds it; zero padding): for a sigma only known when the function runs."""
    dt = fields.dtype
    s = dt.type(sigma)
    k = 6 * int(s) | 1
    x = np.arange(k, dtype=dt) - dt.type((k - 1) / 2)
    k1 = np.exp(dt.type(-0.5) * (x / s) ** 2)
    k1 = k1 / k1.sum(dtype=dt)
    kernel = np.outer(k1, k1).astype(dt)
    r = (k - 1) // 2
    padded = np.pad(fields, [(0, 0), (r, r), (r, r)])
    h, w = fields.shape[1:]
    out = np.zeros_like(fields)
    for a in range(k):
        for b in range(k):
            out += kernel[a, b] * padded[:, a:a + h, b:b + w]
    return out


def _kernel1d(size: int, sigma: Any, dtype: Any) -> Any:
    x = tg.range(size, dtype=dtype) - (size - 1) / 2
    k = tg.exp(-0.5 * (x / sigma) ** 2)
    return k / tg.reduce_sum(k)


def gaussian_blur(images: Any, kernel_size: Any = (3, 3), sigma: Any = (1.0, 1.0),
                  data_format: str | None = None) -> Any:
    """Blur with a ``kernel_size`` Gaussian of standard deviations ``sigma`` (depthwise, ``SAME`` padding with
    zeros), as Keras on TF; ``images`` ``[h, w, c]`` or ``[n, h, w, c]`` (``channels_first``: channels first).

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> ops.image.gaussian_blur(np.ones((1, 5, 5, 2), "float32"), (5, 5), (2.0, 2.0)).shape
    TensorShape([1, 5, 5, 2])
    """
    df = _df(data_format)
    x = convert(images)
    _check_rank(x)
    dt = x.dtype
    sizes = _static(kernel_size)
    if sizes is None:
        raise ValueError("gaussian_blur: `kernel_size` must be known when the function is traced (Python ints)")
    k0, k1 = (int(v) for v in sizes.reshape(2))
    sg = tg.cast(convert(sigma), dt)
    single = len(x.shape) == 3
    if single:
        x = tg.expand_dims(x, 0)
    if df == "channels_first":
        x = tg.transpose(x, [0, 2, 3, 1])
    kx = _kernel1d(k0, sg[0], dt)
    ky = _kernel1d(k1, sg[1], dt)
    kernel = tg.reshape(tg.tensordot(ky, kx, axes=0), [k0, k1, 1, 1])
    kernel = tg.tile(kernel, [1, 1, int(x.shape[-1]), 1])
    y = tg.nn.depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME")
    if df == "channels_first":
        y = tg.transpose(y, [0, 3, 1, 2])
    return tg.squeeze(y, 0) if single else y


def compute_homography_matrix(start_points: Any, end_points: Any) -> Any:
    """The ``[n, 8]`` projective transforms mapping each quadrilateral ``end_points`` onto ``start_points``
    (``[n, 4, 2]`` corner ``(x, y)``s): the 8x8 linear system of the four correspondences, solved in float32."""
    s, e = start_points, end_points
    zero = tg.zeros_like(e[:, 0, 0])
    one = tg.ones_like(zero)
    rows = []
    for i in range(4):
        ex, ey, sx, sy = e[:, i, 0], e[:, i, 1], s[:, i, 0], s[:, i, 1]
        rows.append(tg.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1))
        rows.append(tg.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1))
    coefficients = tg.stack(rows, axis=1)
    target = tg.stack([s[:, i // 2, i % 2] for i in range(8)], axis=-1)[..., None]
    return tg.reshape(tg.linalg.solve(coefficients, target), [-1, 8])


def perspective_transform(images: Any, start_points: Any, end_points: Any, interpolation: str = "bilinear",
                          fill_value: float = 0, data_format: str | None = None) -> Any:
    """Warp so that the quadrilateral ``start_points`` (``[4, 2]`` or ``[n, 4, 2]`` corner ``(x, y)``s) lands on
    ``end_points``; outside points take ``fill_value`` (``ImageProjectiveTransformV3``, constant fill).

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> img = np.arange(9, dtype="float32").reshape(3, 3, 1)
    >>> start = [[1, 0], [2, 0], [2, 2], [1, 2]]; end = [[0, 0], [1, 0], [1, 2], [0, 2]]
    >>> ops.image.perspective_transform(img, start, end, interpolation="nearest")[..., 0].numpy().tolist()
    [[1.0, 2.0, 0.0], [4.0, 5.0, 0.0], [7.0, 8.0, 0.0]]
    """
    df = _df(data_format)
    sp = tg.cast(convert(start_points), tg.float32)
    ep = tg.cast(convert(end_points), tg.float32)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation}")
    x = convert(images)
    _check_rank(x)
    for name, pts in (("start_points", sp), ("end_points", ep)):
        if len(pts.shape) not in (2, 3) or tuple(pts.shape[-2:]) != (4, 2):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or (N,4,2) for a batch. "
                             f"Received shape: {tuple(pts.shape)}")
    if tuple(sp.shape) != tuple(ep.shape):
        raise ValueError(f"start_points and end_points must have the same shape. Received start_points.shape="
                         f"{tuple(sp.shape)}, end_points.shape={tuple(ep.shape)}")
    single = len(x.shape) == 3
    if single:
        x = tg.expand_dims(x, 0)
    if len(sp.shape) == 2:
        sp, ep = tg.expand_dims(sp, 0), tg.expand_dims(ep, 0)
    if df == "channels_first":
        x = tg.transpose(x, [0, 2, 3, 1])
    transform = compute_homography_matrix(sp, ep)
    y = projective_transform(x, transform, fill_value=fill_value, interpolation=interpolation, fill_mode="constant")
    if df == "channels_first":
        y = tg.transpose(y, [0, 3, 1, 2])
    return tg.squeeze(y, 0) if single else y


def elastic_transform(images: Any, alpha: float = 20.0, sigma: float = 5.0, interpolation: str = "bilinear",
                      fill_mode: str = "reflect", fill_value: float = 0.0, seed: Any = None,
                      data_format: str | None = None) -> Any:
    """Displace every pixel by ``alpha`` times a Gaussian-smoothed (``sigma``) normal field and resample
    (``map_coordinates``, order 0 or 1, ``fill_mode``), as Keras on TF; ``seed`` as ``keras.random``.

    >>> import numpy as np
    >>> from tapegrad.keras import ops
    >>> ops.image.elastic_transform(np.ones((2, 6, 6, 1), "float32"), seed=1).shape
    TensorShape([2, 6, 6, 1])
    """
    from ..random import draw_seed
    from .image import map_coordinates

    df = _df(data_format)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one {_FILL_MODES}. Received: "
                         f"fill_mode={fill_mode}")
    x = convert(images)
    _check_rank(x)
    dt = x.dtype
    alpha_t = tg.cast(convert(alpha), dt)
    sigma_t = tg.cast(convert(sigma), dt)
    static_sigma = _static(sigma)
    single = len(x.shape) == 3
    if single:
        x = tg.expand_dims(x, 0)
    c_axis = -1 if df == "channels_last" else 1
    if df == "channels_last":
        n, h, w, c = (int(v) for v in x.shape)
    else:
        n, c, h, w = (int(v) for v in x.shape)
    pair = draw_seed(seed)
    # Keras draws both fields from the same seed: dx and dy are the same field
    dx = tg.random.stateless_normal((n, h, w), seed=pair, dtype=dt) * sigma_t
    dy = tg.random.stateless_normal((n, h, w), seed=pair, dtype=dt) * sigma_t
    if static_sigma is not None:
        k = 6 * int(static_sigma) | 1
        dx = tg.squeeze(gaussian_blur(tg.expand_dims(dx, c_axis), (k, k), tg.stack([sigma_t, sigma_t]), df), c_axis)
        dy = tg.squeeze(gaussian_blur(tg.expand_dims(dy, c_axis), (k, k), tg.stack([sigma_t, sigma_t]), df), c_axis)
    else:  # a drawn sigma inside tf.data: the kernel size is only known at run time
        dx = tg.ensure_shape(tg.numpy_function(_np_blur_fields, [dx, sigma_t], Tout=dt, stateful=False), (n, h, w))
        dy = tg.ensure_shape(tg.numpy_function(_np_blur_fields, [dy, sigma_t], Tout=dt, stateful=False), (n, h, w))
    gx, gy = tg.meshgrid(tg.range(w, dtype=dt), tg.range(h, dtype=dt), indexing="xy")
    sx = gx[None] + alpha_t * dx
    sy = gy[None] + alpha_t * dy
    order = _INTERPOLATIONS.index(interpolation)
    chans = []
    for i in range(c):
        per = [map_coordinates(x[b, ..., i] if df == "channels_last" else x[b, i], tg.stack([sy[b], sx[b]]), order,
                               fill_mode=fill_mode, fill_value=fill_value) for b in range(n)]
        chans.append(tg.stack(per, axis=0))
    out = tg.stack(chans, axis=-1 if df == "channels_last" else 1)
    if single:
        out = tg.squeeze(out, 0)
    return tg.cast(out, dt)
