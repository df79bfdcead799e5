"""``tf.extract_volume_patches``: the 3-D analogue of ``tf.image.extract_patches`` (no dilation, as TF's op):
patches ``[batch, out_planes, out_rows, out_cols, kd * kh * kw * channels]`` of a ``[batch, planes, rows, cols,
channels]`` volume, as one gather over the flattened volume (a zero appended for taps outside it), so the gradient
sums overlapping patches, as TF's.

>>> import tapegrad as tf
>>> x = tf.reshape(tf.range(2.0 * 3 * 4), [1, 2, 3, 4, 1])
>>> tf.extract_volume_patches(x, [1, 2, 2, 2, 1], [1, 1, 1, 2, 1], "VALID").shape
TensorShape([1, 1, 2, 2, 8])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._tensor import Tensor, make
from ..errors import InvalidArgumentError, UnimplementedError
from . import core, joining, shape_ops
from ._common import to_tensor
from .indexing import gather


def _taps(size: int, k: int, s: int, padding: str) -> tuple[np.ndarray, int]:
    """Per output position, the input index of each of the ``k`` taps along one axis (out of range: -1 or size)."""
    if padding == "VALID":
        out, before = (size - k) // s + 1, 0
    else:
        out = -(-size // s)
        before = max((out - 1) * s + k - size, 0) // 2
    if out <= 0:
        raise InvalidArgumentError(f"extract_volume_patches: a window of {k} does not fit in {size} with VALID "
                                   f"padding.")
    return (np.arange(out) * s - before)[:, None] + np.arange(k)[None, :], out


def extract_volume_patches(input: Any, ksizes: Any, strides: Any, padding: str,  # noqa: A002
                           name: str | None = None) -> Tensor:
    """Patches of a 5-D volume (TF's ``ExtractVolumePatches``): ``ksizes`` and ``strides`` are ``[1, d, h, w, 1]``,
    ``padding`` ``"VALID"`` or ``"SAME"``; differentiable."""
    t = to_tensor(input)
    if t._value.ndim != 5:
        raise InvalidArgumentError(f"extract_volume_patches: input must be 5-dimensional [batch, planes, rows, cols, "
                                   f"channels], got shape {list(t._value.shape)}.")
    ks, ss = [int(v) for v in ksizes], [int(v) for v in strides]
    if len(ks) != 5 or len(ss) != 5:
        raise InvalidArgumentError(f"extract_volume_patches: ksizes and strides need 5 entries, got {ks} and {ss}.")
    if ks[0] != 1 or ks[4] != 1:
        raise UnimplementedError(None, None, f"Only support ksizes across space (ksizes[0] = ksizes[4] = 1), got "
                                             f"{ks}.")
    if ss[0] != 1 or ss[4] != 1:
        raise UnimplementedError(None, None, f"Only support strides across space (strides[0] = strides[4] = 1), got "
                                             f"{ss}.")
    padding = str(padding).upper()
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"extract_volume_patches: padding must be 'VALID' or 'SAME', got {padding!r}.")
    b, d, h, w, c = t._value.shape
    pd, od = _taps(d, ks[1], ss[1], padding)
    ph, oh = _taps(h, ks[2], ss[2], padding)
    pw, ow = _taps(w, ks[3], ss[3], padding)
    P = pd[:, None, None, :, None, None]
    R = ph[None, :, None, None, :, None]
    C = pw[None, None, :, None, None, :]
    inside = (P >= 0) & (P < d) & (R >= 0) & (R < h) & (C >= 0) & (C < w)
    flat = np.where(inside, (P * h + R) * w + C, d * h * w)  # [od, oh, ow, kd, kh, kw]
    x = shape_ops.reshape(t, [b, d * h * w, c])
    x = joining.concat([x, core.zeros([b, 1, c], dtype=t.dtype)], 1)
    patches = gather(x, make(flat.astype(np.int64), NUMPY), axis=1)  # [b, od, oh, ow, kd, kh, kw, c]
    return shape_ops.reshape(patches, [b, od, oh, ow, ks[1] * ks[2] * ks[3] * c])


EXPORTS = {"": ["extract_volume_patches"]}
