"""UpSampling2D's interpolations and the tf.image.resize methods behind them (lanczos3/5, gaussian, mitchellcubic
next to bilinear/bicubic/area): sampling weights against textbook formulas, float64 gradients of the layer against
central differences, dtypes and errors. TF's values are checked by the Keras lane (programs_kdata.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.ops import image_ops

L = keras.layers


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        hi = f()
        x[i] = old - eps
        lo = f()
        x[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return g


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_float64_gradient(interpolation, data_format):
    layer = L.UpSampling2D((2, 3), data_format=data_format, interpolation=interpolation, dtype="float64")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 2))
    y = layer(x)
    assert y.dtype == tf.float64
    r = rng.standard_normal(tuple(y.shape))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * r)
    g = tape.gradient(loss, xt)
    expected = _numeric_grad(lambda: float(np.sum(layer(x).numpy() * r)), x)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-7, atol=1e-9)


def test_upsampling2d_area_is_nearest_without_gradient():
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 2)).astype(np.float32)
    area = L.UpSampling2D((2, 2), interpolation="area")(x)
    np.testing.assert_allclose(area.numpy(), L.UpSampling2D((2, 2))(x).numpy(), rtol=1e-6)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = L.UpSampling2D(interpolation="area")(xt)
    with pytest.raises(LookupError):
        tape.gradient(y, xt)


def test_upsampling2d_values_are_tf_image_resize():
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 2)).astype(np.float32)
    for method in ("bilinear", "bicubic", "lanczos3", "lanczos5", "area"):
        y = L.UpSampling2D((3, 2), interpolation=method)(x)
        np.testing.assert_allclose(y.numpy(), tf.image.resize(x, (9, 10), method=method).numpy(), rtol=1e-6)
        first = L.UpSampling2D((3, 2), interpolation=method, data_format="channels_first")(x.transpose(0, 3, 1, 2))
        np.testing.assert_allclose(first.numpy().transpose(0, 2, 3, 1), y.numpy(), rtol=1e-6, atol=1e-7)


def test_upsampling2d_integer_input_rounds_back():
    x = np.array([[0, 3], [5, 10]], np.int32).reshape(1, 2, 2, 1)
    y = L.UpSampling2D(interpolation="bilinear")(x)
    assert y.dtype == tf.int32
    # Keras: resample in float32, round half to even, cast back
    assert y.numpy()[0, :, :, 0].tolist() == [[0, 1, 2, 3], [1, 2, 4, 5], [4, 5, 7, 8], [5, 6, 9, 10]]


def test_upsampling2d_config_and_errors():
    layer = L.UpSampling2D(3, interpolation="LANCZOS3")
    assert layer.get_config()["interpolation"] == "lanczos3" and layer.get_config()["size"] == (3, 3)
    clone = L.UpSampling2D.from_config(layer.get_config())
    assert clone.interpolation == "lanczos3"
    bad = L.UpSampling2D(interpolation="gaussian")  # Keras accepts it when made and refuses it when called
    with pytest.raises(ValueError, match="interpolation"):
        bad(np.zeros((1, 2, 2, 1), np.float32))
    out = keras.Sequential([keras.Input((4, 4, 1)), L.UpSampling2D((2, 1), interpolation="bicubic")])
    assert tuple(out.output_shape) == (None, 8, 4, 1)


def test_lanczos_weights_match_the_formula():
    for n_in, n_out, a in ((3, 7, 3), (4, 8, 5), (5, 15, 3)):  # TF rounds the scale to float32, pi to 12 digits
        c = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        d = np.arange(n_in)[None, :] - c[:, None]
        ref = np.where(np.abs(d) < a, np.sinc(d) * np.sinc(d / a), 0.0)
        ref /= ref.sum(1, keepdims=True)
        np.testing.assert_allclose(image_ops.resize_weights(n_in, n_out, f"lanczos{a}"), ref, atol=5e-7)


def test_antialias_widens_the_kernel_when_downscaling():
    narrow = image_ops.resize_weights(12, 3, "lanczos3", antialias=False)
    wide = image_ops.resize_weights(12, 3, "lanczos3", antialias=True)
    assert (np.count_nonzero(wide, axis=1) > np.count_nonzero(narrow, axis=1)).all()
    np.testing.assert_allclose(wide.sum(1), 1.0)
    # upscaling: antialias changes nothing
    np.testing.assert_allclose(image_ops.resize_weights(3, 12, "gaussian", True),
                               image_ops.resize_weights(3, 12, "gaussian", False))


def test_resize_new_methods_dtypes_and_gradient():
    x = tf.constant(np.random.default_rng(4).standard_normal((5, 4, 1)))  # float64 in, float32 out (as TF)
    for method in ("lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.image.resize(x, (3, 7), method=method, antialias=True)
        assert y.dtype == tf.float32 and tuple(y.shape) == (3, 7, 1)
        g = tape.gradient(y, x)
        assert g.dtype == tf.float64 and np.isfinite(g.numpy()).all() and np.abs(g.numpy()).sum() > 0


def test_backend_resize_images_takes_every_method():
    K = keras.backend
    x = np.random.default_rng(5).standard_normal((1, 2, 3, 1))
    y = K.resize_images(x, 2, 2, "channels_last", interpolation="mitchellcubic")
    assert y.dtype == tf.float32 and tuple(y.shape) == (1, 4, 6, 1)
    with pytest.raises(ValueError, match="mitchellcubic"):
        K.resize_images(x, 2, 2, "channels_last", interpolation="cubic")
