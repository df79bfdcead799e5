"""Projective image transforms with TF's ``ImageProjectiveTransformV3`` rules: what Keras's ``affine_transform``
(and so ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``, ``RandomShear``) runs on the TF backend.

Each output pixel ``(x, y)`` reads the input at ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with
``k = c0 x + c1 y + 1`` (float32 arithmetic, as the kernel), the coordinate mapped into the image by ``fill_mode``
(``reflect``, ``wrap``, ``nearest``; ``constant`` reads ``fill_value`` outside), then sampled by ``nearest``
(rounding halves away from zero) or ``bilinear`` interpolation.

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad.ops.image_transform import projective_transform
>>> img = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
>>> shift = tf.constant([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]])  # output x reads input x + 1
>>> projective_transform(img, shift, fill_mode="constant")[0, :, :, 0].numpy().tolist()
[[1.0, 2.0, 0.0], [4.0, 5.0, 0.0], [7.0, 8.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from . import core, shape_ops
from ._common import to_tensor

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _map_coordinate(v: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Bring float32 source coordinates into ``[0, n - 1]`` as the kernel's MapCoordinate does (``constant``:
    unchanged, the reads outside the image give the fill value)."""
    if mode == "constant":
        return v
    f32 = np.float32
    if mode == "nearest" or n <= 1:
        return np.clip(v, f32(0), f32(n - 1)) if mode == "nearest" else np.where((v < 0) | (v > n - 1), f32(0), v)
    if mode == "reflect":  # [abcd] -> [dcba|abcd|dcba]
        sz2 = f32(2 * n)
        neg = sz2 * np.trunc(-v / sz2) + v
        neg = np.where(neg < -n, neg + sz2, -neg - f32(1))
        pos = v - sz2 * np.trunc(v / sz2)
        pos = np.where(pos >= n, sz2 - pos - f32(1), pos)
    else:  # wrap: [abcd] -> [abcd|abcd|abcd]; the kernel divides by n - 1 but shifts by n
        sz = f32(n - 1)
        neg = v + f32(n) * (np.trunc(-v / sz) + f32(1))
        pos = v - f32(n) * np.trunc(v / sz)
    v = np.where(v < 0, neg, np.where(v > n - 1, pos, v)).astype(np.float32)
    return np.clip(v, f32(0), f32(n - 1))


def _transform_fwd(F: Any, images: Any, transforms: Any, fill: Any, interpolation: str, fill_mode: str,
                   out_h: int, out_w: int) -> Any:
    b, h, w, c = images.shape
    tr = np.asarray(transforms, dtype=np.float32)
    fill_value = np.float32(fill).astype(images.dtype)  # the kernel's T(fill_value)
    yy, xx = np.meshgrid(np.arange(out_h, dtype=np.float32), np.arange(out_w, dtype=np.float32), indexing="ij")
    out = np.empty((b, out_h, out_w, c), dtype=images.dtype)
    flat = images.reshape(b, h * w, c)
    for i in range(b):
        a0, a1, a2, b0, b1, b2, c0, c1 = tr[i if tr.shape[0] > 1 else 0]
        k = c0 * xx + c1 * yy + np.float32(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            src_x = _map_coordinate((a0 * xx + a1 * yy + a2) / k, w, fill_mode)
            src_y = _map_coordinate((b0 * xx + b1 * yy + b2) / k, h, fill_mode)

        def read(ry: np.ndarray, rx: np.ndarray, img: np.ndarray = flat[i], dt: Any = np.float32) -> np.ndarray:
            ok = (ry >= 0) & (ry < h) & (rx >= 0) & (rx < w)
            idx = np.where(ok, np.clip(ry, 0, h - 1) * w + np.clip(rx, 0, w - 1), 0)
            return np.where(ok[..., None], img[idx].astype(dt), fill_value.astype(dt))

        if interpolation == "nearest":  # std::round: halves away from zero; the pixel is read in its own type
            ry = np.trunc(src_y + np.copysign(np.float32(0.5), src_y))
            rx = np.trunc(src_x + np.copysign(np.float32(0.5), src_x))
            val = read(np.nan_to_num(ry, nan=-1).astype(np.int64), np.nan_to_num(rx, nan=-1).astype(np.int64),
                       dt=images.dtype)
        else:
            yf, xf = np.floor(src_y), np.floor(src_x)
            yc, xc = yf + np.float32(1), xf + np.float32(1)
            iyf, ixf = np.nan_to_num(yf, nan=-1).astype(np.int64), np.nan_to_num(xf, nan=-1).astype(np.int64)
            wx0, wx1 = (xc - src_x)[..., None], (src_x - xf)[..., None]
            top = wx0 * read(iyf, ixf) + wx1 * read(iyf, ixf + 1)
            bottom = wx0 * read(iyf + 1, ixf) + wx1 * read(iyf + 1, ixf + 1)
            val = (yc - src_y)[..., None] * top + (src_y - yf)[..., None] * bottom
        val = np.where((k == 0)[..., None], fill_value.astype(val.dtype), val)  # a zero projection: the fill
        if images.dtype.kind in "iub":
            val = np.trunc(val)
        out[i] = val.astype(images.dtype)
    return out


def _shift_ref(x: Any, t: Any, fill: Any) -> Any:
    # a whole-pixel translation (a2 = 1, b2 = -1): output (y, x) reads input (y - 1, x + 1), fill elsewhere
    out = np.full_like(x, fill)
    out[:, 1:, :-1, :] = x[:, :-1, 1:, :]
    return out


def _inverse_np(tr: np.ndarray) -> np.ndarray:
    m = np.concatenate([tr.astype(np.float32), np.ones((tr.shape[0], 1), np.float32)], 1).reshape(-1, 3, 3)
    inv = np.linalg.inv(m).reshape(-1, 9)
    return (inv[:, :8] / inv[:, 8:9]).astype(np.float32)


def inverse_transforms(tr: Any) -> Any:
    """TF's gradient's inverse of ``[n, 8]`` float32 transforms: the 3x3 matrices inverted in float32 and scaled to a
    last entry of 1 (ops on a Tensor, so that a compiled program inverts each call's transforms)."""
    from . import joining, linalg_ops

    m = shape_ops.reshape(joining.concat([tr, core.ones_like(tr[:, :1])], 1), [-1, 3, 3])
    inv = shape_ops.reshape(linalg_ops.inv(m), [-1, 9])
    return inv[:, :8] / inv[:, 8:9]


def _transform_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """TF's registered gradient of ImageProjectiveTransformV3: the upstream warped by the inverse transforms with
    the same interpolation and fill mode and fill 0 (not the exact adjoint of the sampling)."""
    images, tr, _ = ins
    q = dict(p, out_h=int(images.shape[1]), out_w=int(images.shape[2]))
    if F.is_diff:
        zero = core.constant(np.float32(0))
        return applyn(PROJECTIVE_TRANSFORM, (g, inverse_transforms(tr), zero), q), None, None
    return _transform_fwd(F, g, _inverse_np(tr), np.float32(0), **q), None, None


def _transform_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:  # the sampling is linear in the image; transforms and fill get no derivative, as in TF
        return None
    if F.is_diff:
        return applyn(PROJECTIVE_TRANSFORM, (ts[0], ins[1], core.constant(np.float32(0))), p)
    return _transform_fwd(F, ts[0], ins[1], np.float32(0), **p)


PROJECTIVE_TRANSFORM = defop("image_projective_transform", _transform_fwd, _transform_vjp, _transform_jvp, test=spec(
    lambda tf, x, t, f: projective_transform(x, t, fill_value=f),
    lambda rng: (rng.normal(size=(2, 4, 5, 3)).astype(np.float32),
                 np.array([[1, 0, 1, 0, 1, -1, 0, 0]], np.float32), np.float32(0.5)),
    ref=_shift_ref, grad=(), order2=False, tf=False))


def projective_transform(images: Any, transforms: Any, output_shape: Any = None, fill_value: Any = 0.0,
                         interpolation: str = "bilinear", fill_mode: str = "constant") -> Tensor:
    """Apply one projective transform per image (``transforms``: ``[8]``, ``[1, 8]`` or ``[batch, 8]``, mapping
    output to input points) to NHWC ``images``, as ``tf.raw_ops.ImageProjectiveTransformV3``. The image gradient
    is TF's registered one (the upstream warped back by the inverse transforms, fill 0)."""
    t = to_tensor(images)
    if t.shape.rank != 4:
        raise InvalidArgumentError(f"projective_transform: images must be [batch, height, width, channels], got "
                                   f"shape {tuple(t._value.shape)}.")
    interpolation, fill_mode = interpolation.lower(), fill_mode.lower()
    if interpolation not in INTERPOLATIONS:
        raise InvalidArgumentError(f"projective_transform: interpolation must be one of {INTERPOLATIONS}, got "
                                   f"{interpolation!r}.")
    if fill_mode not in FILL_MODES:
        raise InvalidArgumentError(f"projective_transform: fill_mode must be one of {FILL_MODES}, got "
                                   f"{fill_mode!r}.")
    tr = core.cast(to_tensor(transforms), _dtypes.float32)
    if tr.shape.rank == 1:
        tr = shape_ops.expand_dims(tr, 0)
    n = int(t._value.shape[0])
    if tr.shape.rank != 2 or int(tr._value.shape[1]) != 8 or int(tr._value.shape[0]) not in (1, n):
        raise InvalidArgumentError(f"projective_transform: transforms must be [1, 8] or [batch={n}, 8], got shape "
                                   f"{tuple(tr._value.shape)}.")
    out_h, out_w = (int(t._value.shape[1]), int(t._value.shape[2])) if output_shape is None else (
        int(v) for v in np.asarray(output_shape).reshape(2))
    fill = core.cast(to_tensor(fill_value), _dtypes.float32)
    return applyn(PROJECTIVE_TRANSFORM, (t, tr, fill), {"interpolation": interpolation, "fill_mode": fill_mode,
                                                        "out_h": out_h, "out_w": out_w})
