"""LoRA on Dense/EinsumDense/Embedding (``keras.layers.lora``): merged kernels, frozen weights, saving and
configs; values against Keras 3 are compared in tests/conformance_keras/programs_kmix.py (``lora_layers``)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras.layers import lora


def test_docstring_examples() -> None:
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(lora, lora.__name__) if t.examples]
    assert tests
    for t in tests:
        runner.run(t)
    assert runner.failures == 0


def _set(layer: keras.layers.Layer, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign((rng.standard_normal(tuple(w.shape)) * 0.5).astype(np.float32))


@pytest.mark.parametrize("kind", ["dense", "einsum", "embedding"])
def test_merged_weight_and_gradients(kind: str) -> None:
    if kind == "dense":
        layer, x = keras.layers.Dense(3), np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
        layer.build((None, 4))
    elif kind == "einsum":
        layer = keras.layers.EinsumDense("ab,bcd->acd", output_shape=(2, 3), bias_axes="d")
        x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
        layer.build((None, 4))
    else:
        layer, x = keras.layers.Embedding(6, 3), np.array([[0, 5, 2], [1, 1, 4]], np.int32)
        layer.build()
    frozen = layer.weights[0]
    layer.enable_lora(2, lora_alpha=4.0)
    _set(layer, 1)
    raw = frozen.numpy()
    a, b = (w.numpy() for w in layer.weights[-2:])
    merged = raw + 2.0 * (a @ b)
    attr = "embeddings" if kind == "embedding" else "kernel"
    np.testing.assert_allclose(getattr(layer, attr).numpy(), merged, rtol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    assert all(w is not frozen for w in layer.trainable_weights) and frozen.trainable is False
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None for g in grads)
    # the update to a: d loss / d merged, times alpha/rank, times b^T
    with tf.GradientTape() as tape:
        m = tf.constant(merged)
        tape.watch(m)
        y = tf.gather(m, x) if kind == "embedding" else (tf.einsum("ab,bcd->acd", x, m) if kind == "einsum"
                                                         else tf.matmul(x, m))
        loss = tf.reduce_sum((y + (0 if kind == "embedding" else layer.bias.numpy())) ** 2)
    dm = tf.convert_to_tensor(tape.gradient(loss, m)).numpy()
    np.testing.assert_allclose(grads[-2].numpy(), 2.0 * dm @ np.swapaxes(b, -1, -2), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(frozen.numpy(), raw)  # nothing trains the frozen weight


def test_errors_and_config() -> None:
    with pytest.raises(ValueError, match="isn't yet built"):
        keras.layers.Dense(2).enable_lora(2)
    layer = keras.layers.Dense(2, kernel_constraint="non_neg")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="kernel constraints"):
        layer.enable_lora(2)
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    config = layer.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (2, 2) and type(layer).__name__ == "Dense"
    clone = keras.layers.Dense.from_config(config)
    clone.build((None, 3))
    assert clone.lora_enabled and [w.name for w in clone.trainable_weights] == ["bias", "lora_kernel_a",
                                                                                 "lora_kernel_b"]
    assert "lora_rank" not in keras.layers.Dense(2).get_config()


def test_saving_merges_and_loading_zeroes(tmp_path) -> None:
    pytest.importorskip("h5py")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.layers[0].enable_lora(2)
    _set(model.layers[0], 2)
    expected = model.layers[0].kernel.numpy()
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    other.layers[0].enable_lora(2)
    _set(other.layers[0], 3)
    other.load_weights(path)
    np.testing.assert_allclose(other.layers[0].weights[0].numpy(), expected, rtol=1e-6)
    assert not other.layers[0].lora_kernel_a.numpy().any() and not other.layers[0].lora_kernel_b.numpy().any()
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    plain.load_weights(path)  # the file has Keras's plain layout: kernel and bias
    np.testing.assert_allclose(plain.layers[0].kernel.numpy(), expected, rtol=1e-6)


def test_lora_under_mixed_precision() -> None:
    layer = keras.layers.Dense(3, dtype="mixed_float16")
    layer.build((None, 4))
    layer.enable_lora(2)
    assert layer.lora_kernel_a.dtype == "float32"
    with tf.GradientTape() as tape:
        y = layer(np.ones((2, 4), np.float32))
        loss = tf.reduce_sum(tf.cast(y, "float32"))
    assert y.dtype.name == "float16" and layer.kernel.dtype.name == "float16"
    assert [g.dtype.name for g in tape.gradient(loss, layer.trainable_weights)] == ["float32"] * 3
