"""Keras conformance programs for the ``keras.ops.image`` functions of ``keras/ops/_image_extra.py``
(``gaussian_blur``, ``sobel_edges``, ``ssim``, ``extract_patches_3d``, ``perspective_transform``,
``elastic_transform``, ``scale_and_translate``) and ``affine_transform`` on the shared projective sampler: values,
dtypes, shapes and exception types against Keras 3 on TensorFlow. Registered into ``programs.PROGRAMS``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import PROGRAMS, caught
except ImportError:  # run_tf.py run as a script
    from programs import PROGRAMS, caught  # type: ignore[no-redef]

_R = np.random.default_rng(77)
IMG = _R.uniform(size=(2, 9, 11, 3)).astype(np.float32)
IMG2 = np.clip(IMG + _R.normal(0, 0.1, IMG.shape), 0, 1).astype(np.float32)
VOL = _R.uniform(size=(2, 6, 7, 8, 2)).astype(np.float32)
SMALL = _R.uniform(size=(2, 5, 7, 3)).astype(np.float32)
START = np.array([[0, 0], [10, 0], [0, 8], [10, 8]], np.float32)
END = np.array([[1, 0.5], [9, 1], [0.5, 7], [10, 8.2]], np.float32)


def _cases(im: Any, tf: Any) -> list[Any]:
    return [caught(lambda c=c: c()) for c in (
        lambda: im.gaussian_blur(IMG, (3, 5), (1.0, 2.0)),
        lambda: im.gaussian_blur(IMG[0], (5, 5), (0.5, 0.5)),
        lambda: im.gaussian_blur(IMG.transpose(0, 3, 1, 2), (3, 3), (1.0, 1.0), data_format="channels_first"),
        lambda: im.gaussian_blur(IMG.astype(np.float64), (3, 3), (1.5, 1.0)),
        lambda: im.gaussian_blur(IMG[0, 0], (3, 3), (1.0, 1.0)),
        lambda: im.sobel_edges(IMG),
        lambda: im.sobel_edges(IMG.transpose(0, 3, 1, 2), data_format="channels_first"),
        lambda: im.ssim(IMG, IMG2, filter_size=5),
        lambda: im.ssim(IMG[0], IMG2[0], max_val=2.0, filter_size=3, filter_sigma=1.0),
        lambda: im.ssim((IMG * 255).astype(np.uint8), (IMG2 * 255).astype(np.uint8), max_val=255.0, filter_size=5),
        lambda: im.ssim(IMG.transpose(0, 3, 1, 2), IMG2.transpose(0, 3, 1, 2), filter_size=3,
                        data_format="channels_first"),
        lambda: im.extract_patches_3d(VOL, (2, 3, 2)),
        lambda: im.extract_patches_3d(VOL[0], 2, strides=1, padding="same"),
        lambda: im.extract_patches_3d(VOL, (2, 2, 2), strides=1, dilation_rate=2),
        lambda: im.extract_patches_3d(VOL, (2, 3, 2), strides=1, dilation_rate=(1, 2, 3), padding="same"),
        lambda: im.extract_patches_3d(VOL.transpose(0, 4, 1, 2, 3), 3, data_format="channels_first"),
        lambda: im.extract_patches_3d(VOL, (2, 2)),
        lambda: im.perspective_transform(IMG, START, END),
        lambda: im.perspective_transform(IMG[0], START, END, interpolation="nearest", fill_value=0.5),
        lambda: im.perspective_transform(IMG, np.stack([START, START]), np.stack([END, START])),
        lambda: im.perspective_transform(IMG, START, END, interpolation="bicubic"),
        lambda: im.perspective_transform(IMG, START[:3], END[:3]),
        lambda: im.elastic_transform(IMG, alpha=3.0, sigma=1.5, seed=7),
        lambda: im.elastic_transform(IMG[0], alpha=2.0, sigma=1.0, interpolation="nearest", fill_mode="constant",
                                     fill_value=0.3, seed=3),
        lambda: im.elastic_transform(IMG, alpha=1.0, sigma=2.0, fill_mode="wrap", seed=11),
        lambda: im.elastic_transform(IMG, fill_mode="edge", seed=1),
        *[lambda m=m, aa=aa: im.scale_and_translate(SMALL, (2, 9, 4, 3), [1.7, 0.6], [0.5, -0.3], (1, 2), m, aa)
          for m in ("linear", "bicubic", "lanczos3", "lanczos5") for aa in (True, False)],
        lambda: im.scale_and_translate(SMALL[0, :, :, 0], (3, 12), [0.5, 1.8], [0.2, 0.0], (0, 1), "triangle"),
        lambda: im.scale_and_translate((SMALL * 200).astype(np.uint8), (2, 9, 4, 3), [1.7, 0.6], [0.5, -0.3],
                                       (1, 2), "cubic"),
        lambda: im.scale_and_translate(SMALL, (2, 9, 4, 3), [1.7, 0.6], [0.5, -0.3], (1, 2), "box"),
    )]


def prog_ops_image_extra(tf: Any, keras: Any) -> Any:
    """keras.ops.image's blur, Sobel, SSIM, 3-D patches, perspective/elastic warps and scale_and_translate."""
    return _cases(keras.ops.image, tf)


PROGRAMS["ops_image_extra"] = prog_ops_image_extra


def prog_ops_image_extra_gradients(tf: Any, keras: Any) -> Any:
    """Gradients through gaussian_blur, ssim, perspective_transform (TF's inverse-warp rule) and
    scale_and_translate."""
    im = keras.ops.image
    weights = IMG[::-1] * 0.5 + 0.25
    out = []
    for fn in (lambda x: tf.reduce_sum(im.gaussian_blur(x, (3, 5), (1.0, 2.0)) * weights),
               lambda x: tf.reduce_sum(im.ssim(x, IMG2, filter_size=5)),
               lambda x: tf.reduce_sum(im.perspective_transform(x, START, END) * weights),
               # (Keras-on-TF's scale_and_translate reads `.ndim`, which a tf.Variable lacks: a tensor goes in)
               lambda x: tf.reduce_sum(im.scale_and_translate(x * 1.0, (2, 13, 7, 3), [1.4, 0.6], [0.5, -0.3], (1, 2),
                                                              "bicubic") ** 2),
               lambda x: tf.reduce_sum(im.sobel_edges(x)[..., 0] * weights)):
        x = tf.Variable(IMG)
        with tf.GradientTape() as tape:
            y = fn(x)
        g = tape.gradient(y, x)
        out.append((np.array(y), None if g is None else np.array(g)))
    return out


PROGRAMS["ops_image_extra_gradients"] = prog_ops_image_extra_gradients
