"""Keras layers that draw random masks or noise (Dropout, GaussianNoise, GaussianDropout, SpatialDropout, RNN and
attention dropout) draw them through recorded random ops: under ``tapegrad.function`` (and so in compiled ``fit``)
every call gets a new draw, as in Keras; a raw NumPy draw would be frozen into the program."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers

CASES = {
    "Dropout": (lambda: L.Dropout(0.5, seed=1), (8, 16)),
    "GaussianNoise": (lambda: L.GaussianNoise(0.5, seed=1), (8, 16)),
    "GaussianDropout": (lambda: L.GaussianDropout(0.4, seed=1), (8, 16)),
    "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.5, seed=1), (4, 5, 16)),
    "LSTM dropout": (lambda: L.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1), (4, 3, 6)),
    "MultiHeadAttention dropout": (lambda: _MHA(), (2, 3, 4)),
}


class _MHA(keras.layers.Layer):
    def __init__(self) -> None:
        super().__init__()
        self.mha = L.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.5, seed=1)

    def call(self, x, training=False):
        return self.mha(x, x, training=training)


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_training_calls_draw_new_randomness(name: str) -> None:
    make, shape = CASES[name]
    layer = make()
    x = tf.constant(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
    layer(x, training=True)  # build eagerly

    @tf.function
    def step(x):
        return layer(x, training=True)

    a, b = step(x).numpy(), step(x).numpy()
    assert step.experimental_get_tracing_count() == 1
    assert not np.array_equal(a, b), f"{name}: two compiled calls gave the same random draw (frozen in the trace)"
    np.testing.assert_array_equal(step(x).numpy().shape, np.asarray(layer(x, training=True)).shape)


def test_eager_dropout_values_are_the_layers_stream() -> None:
    """The recorded draw gives exactly the layer generator's numbers (eager values unchanged by recording)."""
    layer = L.Dropout(0.5, seed=3)
    x = tf.ones((4, 5))
    got = layer(x, training=True).numpy()
    ref_rng = L.Dropout(0.5, seed=3)._rng
    keep = ref_rng.random((4, 5), dtype=np.float32) >= 0.5
    np.testing.assert_array_equal(got, np.where(keep, 2.0, 0.0).astype(np.float32))
