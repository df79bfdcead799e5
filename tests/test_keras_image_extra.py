"""keras.ops.image extras (gaussian_blur, sobel_edges, ssim, extract_patches_3d, perspective_transform,
elastic_transform, scale_and_translate) and the projective sampler shared by affine_transform and
tf.raw_ops.ImageProjectiveTransformV3: behaviour checks without TensorFlow (Keras-on-TF values are checked by
tests/conformance_keras/programs_image_ops.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.keras import ops
from tapegrad.ops.image_transform import projective_transform


def test_gaussian_blur_preserves_constant_interior_and_mass() -> None:
    img = np.ones((1, 9, 9, 2), np.float32)
    out = ops.image.gaussian_blur(img, (3, 3), (1.0, 1.0)).numpy()
    np.testing.assert_allclose(out[0, 1:-1, 1:-1], 1.0, rtol=1e-6)
    assert out[0, 0, 0, 0] < 1.0  # SAME padding reads zeros outside


def test_gaussian_blur_non_square_kernel_is_reshaped_as_keras() -> None:
    img = np.zeros((7, 7, 1), np.float32)
    img[3, 3] = 1.0
    out = ops.image.gaussian_blur(img, (3, 5), (1.0, 2.0)).numpy()[..., 0]
    k_y = np.exp(-0.5 * (np.arange(5) - 2.0) ** 2 / 4.0)
    k_x = np.exp(-0.5 * (np.arange(3) - 1.0) ** 2)
    kernel = np.outer(k_y / k_y.sum(), k_x / k_x.sum()).reshape(3, 5)  # Keras reshapes (5, 3) to (3, 5)
    np.testing.assert_allclose(out[2:5, 1:6], kernel[::-1, ::-1], rtol=1e-5)


def test_ssim_is_one_for_identical_images_and_keeps_the_dtype() -> None:
    x = np.random.default_rng(0).random((2, 12, 12, 3)).astype("float32")
    np.testing.assert_allclose(ops.image.ssim(x, x, filter_size=5).numpy(), [1.0, 1.0], rtol=1e-5)
    assert ops.image.ssim(x[0], x[0] * 0.5, filter_size=5).shape == []


def test_extract_patches_3d_matches_a_slice() -> None:
    vol = np.random.default_rng(1).random((1, 6, 6, 6, 2)).astype("float32")
    p = ops.image.extract_patches_3d(vol, (2, 3, 2)).numpy()
    assert p.shape == (1, 3, 2, 3, 24)
    np.testing.assert_array_equal(p[0, 1, 1, 2], vol[0, 2:4, 3:6, 4:6].reshape(-1))
    d = ops.image.extract_patches_3d(vol, 2, strides=1, dilation_rate=2).numpy()
    np.testing.assert_array_equal(d[0, 0, 1, 0], vol[0, 0:3:2, 1:4:2, 0:3:2].reshape(-1))


def test_perspective_transform_identity_and_gradient_exists() -> None:
    img = tf.constant(np.random.default_rng(2).random((1, 6, 7, 1)).astype("float32"))
    pts = [[0, 0], [6, 0], [0, 5], [6, 5]]
    np.testing.assert_allclose(ops.image.perspective_transform(img, pts, pts).numpy(), img.numpy(), atol=1e-5)
    with tf.GradientTape() as tape:
        tape.watch(img)
        y = tf.reduce_sum(ops.image.perspective_transform(img, pts, [[1, 0], [6, 1], [0, 5], [5, 5]]))
    assert tape.gradient(y, img) is not None


def test_elastic_transform_is_repeatable_for_a_seed_and_zero_alpha_is_identity() -> None:
    img = np.random.default_rng(3).random((8, 9, 2)).astype("float32")
    a = ops.image.elastic_transform(img, alpha=3.0, sigma=1.0, seed=5).numpy()
    np.testing.assert_array_equal(a, ops.image.elastic_transform(img, alpha=3.0, sigma=1.0, seed=5).numpy())
    np.testing.assert_allclose(ops.image.elastic_transform(img, alpha=0.0, seed=1).numpy(), img, rtol=1e-6)


def test_scale_and_translate_identity_and_integer_error() -> None:
    x = np.random.default_rng(4).random((5, 6)).astype("float32")
    out = ops.image.scale_and_translate(x, (5, 6), [1.0, 1.0], [0.0, 0.0], (0, 1), "linear")
    np.testing.assert_allclose(out.numpy(), x, rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError):
        ops.image.scale_and_translate(x.astype("uint8"), (5, 6), [1.0, 1.0], [0.0, 0.0], (0, 1), "linear")
    with pytest.raises(ValueError):
        ops.image.scale_and_translate(x, (5, 6), [1.0, 1.0], [0.0, 0.0], (0, 1), "triangle")


def test_affine_transform_is_the_projective_sampler() -> None:
    rng = np.random.default_rng(5)
    img = rng.random((2, 5, 6, 3)).astype("float64")
    tr = np.array([[1.1, 0.1, 0.4, -0.1, 0.9, -0.6, 0.01, 0.0]] * 2, np.float32)
    for interp in ("nearest", "bilinear"):
        for mode in ("constant", "nearest", "wrap", "reflect"):
            a = ops.image.affine_transform(img, tr, interp, mode, 0.5).numpy()
            b = projective_transform(img, tr, fill_value=0.5, interpolation=interp, fill_mode=mode).numpy()
            np.testing.assert_array_equal(a, b)
    # nearest reads the pixels in their own dtype (float64 stays exact), as TF's kernel
    shift = np.array([1, 0, 1, 0, 1, 0, 0, 0], np.float32)
    out = ops.image.affine_transform(img, shift, "nearest").numpy()
    np.testing.assert_array_equal(out[:, :, :-1], img[:, :, 1:])


def test_projective_transform_gradient_is_tfs_inverse_warp() -> None:
    img = tf.constant(np.random.default_rng(6).random((1, 5, 5, 1)))
    shift = tf.constant([[1.0, 0, 1.0, 0, 1.0, 0, 0, 0]])
    with tf.GradientTape() as tape:
        tape.watch(img)
        y = projective_transform(img, shift)
    g = tape.gradient(y, img).numpy()[0, :, :, 0]
    # the upstream (all ones) warped by the inverse shift: column 0 reads outside (0), the rest 1
    np.testing.assert_array_equal(g[:, 0], 0.0)
    np.testing.assert_array_equal(g[:, 1:], 1.0)


@pytest.mark.parametrize("module", ["tapegrad.keras.ops._image_extra", "tapegrad.ops.image_transform"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
