"""``tf.image.ssim_multiscale``: MS-SSIM (Wang, Simoncelli and Bovik) as TF computes it: SSIM's contrast-structure
term at each of ``len(power_factors)`` scales (2x2 average pooling between scales, a symmetric pad first when a
side is odd) and the full SSIM at the last, each through a ReLU, combined as ``prod(value ** power_factor)``
and averaged over the channels. Differentiable (composed of differentiable ops).

>>> import numpy as np
>>> import tapegrad as tf
>>> x = tf.constant(np.random.default_rng(0).uniform(size=(176, 176, 1)), tf.float32)
>>> float(tf.image.ssim_multiscale(x, x, max_val=1.0))
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from . import activations, arithmetic, core, joining, reductions, shape_ops
from ._common import to_tensor
from .image_ops import convert_image_dtype, ssim_per_channel

MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _halve(x: Tensor) -> Tensor:
    """One scale down: flatten the batch axes, pad odd sides symmetrically at the end, 2x2 average pool."""
    from .pooling import avg_pool2d
    from .tiling import pad

    shape = tuple(x._value.shape)
    flat = shape_ops.reshape(x, (-1,) + shape[-3:])
    rem = (shape[-3] % 2, shape[-2] % 2)
    if any(rem):
        flat = pad(flat, [[0, 0], [0, rem[0]], [0, rem[1]], [0, 0]], mode="SYMMETRIC")
    down = avg_pool2d(flat, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    return shape_ops.reshape(down, shape[:-3] + tuple(down._value.shape[1:]))


def ssim_multiscale(img1: Any, img2: Any, max_val: Any, power_factors: Any = MSSSIM_WEIGHTS, filter_size: int = 11,
                    filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> Tensor:
    """Multi-scale SSIM of two images ``[..., h, w, c]`` (float32 after ``convert_image_dtype``, as TF), one value
    per image. ``power_factors`` weigh the scales (TF's defaults: the five of the MS-SSIM paper); every scale must
    still be at least ``filter_size`` high and wide (``InvalidArgumentError`` otherwise: with the defaults, images
    of at least 161 x 161).
    """
    a, b = to_tensor(img1), to_tensor(img2)
    sa, sb = tuple(a._value.shape), tuple(b._value.shape)
    if len(sa) < 3 or len(sb) < 3 or sa[-3:] != sb[-3:]:
        raise ValueError(f"ssim_multiscale: images must have the same [height, width, channels] (rank >= 3), got "
                         f"shapes {list(sa)} and {list(sb)}.")
    mv = convert_image_dtype(core.cast(max_val, a.dtype), _dtypes.float32)
    imgs = [convert_image_dtype(a, _dtypes.float32), convert_image_dtype(b, _dtypes.float32)]
    factors = [float(f) for f in np.asarray(power_factors, dtype=np.float64).reshape(-1)]
    mcs = []
    ssim_val = None
    for k in range(len(factors)):
        if k > 0:
            imgs = [_halve(x) for x in imgs]
        ssim_val, cs = ssim_per_channel(imgs[0], imgs[1], mv, filter_size, filter_sigma, k1, k2)
        mcs.append(activations.relu(cs))
    mcs.pop()
    stacked = joining.stack(mcs + [activations.relu(ssim_val)], axis=-1)
    ms = reductions.reduce_prod(arithmetic.pow(stacked, core.constant(np.asarray(factors, np.float32))), [-1])
    return reductions.reduce_mean(ms, [-1])


EXPORTS: dict[str, list[str]] = {"image": ["ssim_multiscale"]}
