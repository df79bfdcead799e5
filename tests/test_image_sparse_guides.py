"""Programs from TF's guides using tf.image and tf.sparse run unchanged (issue 14 item 5), plus checks of
image gradients against float64 finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf


def test_autodiff_guide_no_gradient_registered() -> None:
    # TF's "Introduction to gradients and automatic differentiation", "No gradient registered"
    image = tf.Variable([[[0.5, 0.0, 0.0]]])
    delta = tf.Variable(0.1)
    with tf.GradientTape() as tape:
        new_image = tf.image.adjust_contrast(image, delta)
    with pytest.raises(LookupError):
        tape.gradient(new_image, [image, delta])


def test_image_augmentation_pipeline_style() -> None:
    # the data-augmentation tutorial's building blocks on a batch
    rng = np.random.default_rng(0)
    images = tf.constant(rng.integers(0, 256, size=(2, 8, 8, 3)).astype(np.uint8))
    x = tf.image.convert_image_dtype(images, tf.float32)
    x = tf.image.resize(x, [6, 6])
    x = tf.image.flip_left_right(x)
    x = tf.image.rot90(x)
    x = tf.image.central_crop(x, central_fraction=0.5)
    x = tf.image.adjust_brightness(x, 0.4)
    x = tf.image.adjust_saturation(x, 3)
    x = tf.image.rgb_to_grayscale(x)
    assert x.shape == (2, 4, 4, 1) and x.dtype == tf.float32  # TF: border int((6 - 3) / 2) = 1
    assert tf.image.random_flip_left_right(images, seed=1).shape == images.shape


def _numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        p, m = x.copy(), x.copy()
        p[i] += eps
        m[i] -= eps
        g[i] = (f(p) - f(m)) / (2 * eps)
    return g


@pytest.mark.parametrize("fn", [
    lambda tf, x: tf.image.per_image_standardization(x),
    lambda tf, x: tf.image.extract_patches(x[None], [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME")[0],
    lambda tf, x: tf.image.pad_to_bounding_box(tf.image.crop_to_bounding_box(x, 1, 0, 2, 3), 1, 1, 4, 5),
    lambda tf, x: tf.image.rgb_to_grayscale(x),
    lambda tf, x: tf.image.adjust_gamma(x * x + 0.5, 1.5, 2.0),
])
def test_image_gradients_match_finite_differences(fn) -> None:
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=(3, 4, 3))
    w = rng.normal(size=np.shape(fn(tf, tf.constant(x0)).numpy()))
    x = tf.Variable(x0)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(fn(tf, x) * w)
    got = t.gradient(y, x).numpy()
    want = _numeric_grad(lambda a: float(np.sum(fn(tf, tf.constant(a)).numpy() * w)), x0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_sparse_guide_program() -> None:
    # TF's "Working with sparse tensors" guide
    st1 = tf.sparse.SparseTensor(indices=[[0, 3], [2, 4]], values=[10, 20], dense_shape=[3, 10])
    assert tf.sparse.to_dense(st1).numpy()[2, 4] == 20
    st2 = tf.sparse.from_dense(tf.constant([[1, 0, 0, 8], [0, 0, 0, 0], [0, 0, 3, 0]]))
    assert st2.indices.numpy().tolist() == [[0, 0], [0, 3], [2, 2]] and st2.values.numpy().tolist() == [1, 8, 3]
    sparse_pattern_A = tf.sparse.SparseTensor(indices=[[2, 4], [3, 3], [3, 4], [4, 3], [4, 4], [5, 4]],
                                              values=[1.0] * 6, dense_shape=[8, 5])
    b = tf.ones([5, 2])
    out = tf.sparse.sparse_dense_matmul(sparse_pattern_A, b)
    assert out.numpy()[:, 0].tolist() == [0.0, 0.0, 1.0, 2.0, 2.0, 1.0, 0.0, 0.0]
    v = tf.Variable(tf.ones([5, 2]))
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.sparse.sparse_dense_matmul(sparse_pattern_A, v))
    assert t.gradient(y, v).numpy()[:, 0].tolist() == [0.0, 0.0, 0.0, 2.0, 4.0]  # entries per column
