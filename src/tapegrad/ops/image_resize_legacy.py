"""TF's resize kernels with TF 1's sampling options (``ResizeBilinear``, ``ResizeNearestNeighbor``, ``ResizeBicubic``,
``ResizeArea``): ``align_corners`` (corner pixels aligned: scale ``(in-1)/(out-1)``) and ``half_pixel_centers`` (TF 2's
sampling); with neither, TF 1's legacy sampling ``in = out·in_size/out_size``. ``tf.compat.v1.image.resize_*`` use
them (TF 2's ``tf.image.resize`` always samples at half-pixel centres).

Each resize is separable: per axis a weight matrix from TF's kernel formulas (bilinear: the two neighbours and the
fraction; bicubic: TF's 1024-entry Keys coefficient table, ``a = -0.75`` legacy or ``-0.5`` with half-pixel centres,
out-of-range taps re-normalised away as TF; area: the covered fraction of each input cell), applied as two matrix
products — so the gradient is the transposed products, as TF's ``Resize*Grad`` kernels compute. Nearest neighbour is
two gathers (the dtype is kept). ``ResizeArea`` has no gradient in TF (LookupError), and none here.

>>> import tapegrad as tf
>>> from tapegrad.ops.image_resize_legacy import resize_bilinear
>>> x = tf.reshape(tf.range(4.0), [1, 2, 2, 1])
>>> resize_bilinear(x, [3, 3], align_corners=True)[0, :, :, 0].numpy().tolist()
[[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["resize_bilinear", "resize_nearest_neighbor", "resize_bicubic", "resize_area"]


def _scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    # TF's CalculateResizeScale (float arithmetic)
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def _sample_points(out_size: int, scale: np.float32, half_pixel: bool) -> np.ndarray:
    o = np.arange(out_size, dtype=np.float32)
    return (o + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel else o * scale


def _bilinear_matrix(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    pts = _sample_points(out_size, _scale(in_size, out_size, align), half)
    floor = np.floor(pts)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(pts), in_size - 1).astype(np.int64)
    frac = (pts - floor).astype(np.float32)
    w = np.zeros((out_size, in_size), np.float32)
    rows = np.arange(out_size)
    np.add.at(w, (rows, lower), np.float32(1) - frac)
    np.add.at(w, (rows, upper), frac)
    return w


@functools.lru_cache(maxsize=2)
def _cubic_table(a: float) -> np.ndarray:
    # TF's coefficient table: entry 2i is the inner weight at distance i/1024, entry 2i+1 the outer weight at 1+i/1024
    n = 1024
    x = np.arange(n + 1, dtype=np.float32) / np.float32(n)
    a32 = np.float32(a)
    table = np.empty(2 * (n + 1), np.float32)
    table[0::2] = ((a32 + 2) * x - (a32 + 3)) * x * x + 1
    x1 = x + 1
    table[1::2] = ((a32 * x1 - 5 * a32) * x1 + 8 * a32) * x1 - 4 * a32
    return table


def _bicubic_matrix(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    pts = _sample_points(out_size, _scale(in_size, out_size, align), half)
    table = _cubic_table(-0.5 if half else -0.75)
    n = 1024
    w = np.zeros((out_size, in_size), np.float32)
    for o, p in enumerate(pts):
        loc = math.floor(float(p))
        offset = int(np.rint(np.float32(p - np.float32(loc)) * np.float32(n)))
        weights = [table[offset * 2 + 1], table[offset * 2], table[(n - offset) * 2], table[(n - offset) * 2 + 1]]
        idx = [min(max(loc + k, 0), in_size - 1) for k in (-1, 0, 1, 2)]
        if half:  # taps outside the image get no weight; the rest are re-normalised (TF's Keys-cubic path)
            weights = [wk if i == loc + k else np.float32(0) for wk, i, k in zip(weights, idx, (-1, 0, 1, 2))]
            total = np.float32(sum(weights, np.float32(0)))
            if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
                weights = [wk * (np.float32(1) / total) for wk in weights]
        for wk, i in zip(weights, idx):
            w[o, i] += wk
    return w


def _area_matrix(in_size: int, out_size: int, align: bool) -> np.ndarray:
    scale = _scale(in_size, out_size, align)
    w = np.zeros((out_size, in_size), np.float32)
    for o in range(out_size):
        lo, hi = np.float32(o) * scale, np.float32(o + 1) * scale
        for i in range(math.floor(float(lo)), math.ceil(float(hi))):
            if i < lo:
                part = scale if i + 1 > hi else np.float32(i + 1) - lo
            else:
                part = hi - np.float32(i) if i + 1 > hi else np.float32(1)
            w[o, min(max(i, 0), in_size - 1)] += part
    return w


def _check(images: Any, size: Any, op: str, align_corners: bool, half_pixel_centers: bool) -> tuple[Any, int, int]:
    from ._common import to_tensor

    x = to_tensor(images)
    if x.shape.rank != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-dimensional [batch, height, width, channels], got shape "
                                   f"{x.shape}.")
    hw = np.asarray(size.numpy() if hasattr(size, "numpy") else size).reshape(-1)
    if hw.shape != (2,):
        raise InvalidArgumentError(f"{op}: shape_t must be 1-dimensional with 2 elements (new height and width), "
                                   f"got {hw.tolist()}.")
    out_h, out_w = int(hw[0]), int(hw[1])
    if out_h <= 0 or out_w <= 0:
        raise InvalidArgumentError(f"{op}: output dimensions must be positive, got {[out_h, out_w]}.")
    if align_corners and half_pixel_centers:
        raise InvalidArgumentError(f"{op}: If half_pixel_centers is True, align_corners must be False.")
    if x.dtype.name in ("bool", "string") or x.dtype.is_complex:
        raise InvalidArgumentError(f"{op}: no kernel for {x.dtype.name} images; cast them to a number type first.")
    return x, out_h, out_w


def _separable(x: Any, wy: np.ndarray, wx: np.ndarray) -> Any:
    from . import core
    from .linalg_ops import einsum

    xf = core.cast(x, "float32")
    return einsum("yi,bijc,xj->byxc", core.constant(wy), xf, core.constant(wx))


def resize_bilinear(images: Any, size: Any, align_corners: bool = False, half_pixel_centers: bool = False,
                    name: str | None = None) -> Any:
    """TF's ``ResizeBilinear``: float32 result; differentiable (TF's ``ResizeBilinearGrad``)."""
    x, oh, ow = _check(images, size, "ResizeBilinear", align_corners, half_pixel_centers)
    ih, iw = int(x.shape[1]), int(x.shape[2])
    return _separable(x, _bilinear_matrix(ih, oh, align_corners, half_pixel_centers),
                      _bilinear_matrix(iw, ow, align_corners, half_pixel_centers))


def resize_bicubic(images: Any, size: Any, align_corners: bool = False, half_pixel_centers: bool = False,
                   name: str | None = None) -> Any:
    """TF's ``ResizeBicubic``: float32 result; differentiable."""
    x, oh, ow = _check(images, size, "ResizeBicubic", align_corners, half_pixel_centers)
    ih, iw = int(x.shape[1]), int(x.shape[2])
    return _separable(x, _bicubic_matrix(ih, oh, align_corners, half_pixel_centers),
                      _bicubic_matrix(iw, ow, align_corners, half_pixel_centers))


def resize_area(images: Any, size: Any, align_corners: bool = False, name: str | None = None) -> Any:
    """TF's ``ResizeArea``: the average over the input area each output pixel covers; float32; no gradient (as TF)."""
    from . import core

    x, oh, ow = _check(images, size, "ResizeArea", align_corners, False)
    ih, iw = int(x.shape[1]), int(x.shape[2])
    wy, wx = _area_matrix(ih, oh, align_corners), _area_matrix(iw, ow, align_corners)
    norm = np.float32(1) / (_scale(ih, oh, align_corners) * _scale(iw, ow, align_corners))
    out = np.einsum("yi,bijc,xj->byxc", wy, np.asarray(x.numpy(), np.float32), wx).astype(np.float32) * norm
    return core.constant(out.astype(np.float32))


def _nearest_index(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    scale = _scale(in_size, out_size, align)
    o = np.arange(out_size, dtype=np.float32)
    pts = (o + np.float32(0.5)) * scale if half else o * scale
    # TF: round half away from zero with align_corners, else floor
    idx = np.floor(pts) if not align else np.sign(pts) * np.floor(np.abs(pts) + np.float32(0.5))
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    return np.maximum(idx, 0) if half else idx


def resize_nearest_neighbor(images: Any, size: Any, align_corners: bool = False, half_pixel_centers: bool = False,
                            name: str | None = None) -> Any:
    """TF's ``ResizeNearestNeighbor``: keeps the dtype; differentiable (gathers)."""
    from .indexing import gather

    x, oh, ow = _check(images, size, "ResizeNearestNeighbor", align_corners, half_pixel_centers)
    ih, iw = int(x.shape[1]), int(x.shape[2])
    rows = _nearest_index(ih, oh, align_corners, half_pixel_centers)
    cols = _nearest_index(iw, ow, align_corners, half_pixel_centers)
    return gather(gather(x, rows, axis=1), cols, axis=2)
