"""Losses and metrics against NumPy references (the Keras lane compares them with Keras 3 itself)."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

EPS = 1e-7
RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4)).astype(np.float32)
PROBS = (np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)).astype(np.float32)
LABELS = RNG.integers(0, 4, 6)
ONEHOT = np.eye(4, dtype=np.float32)[LABELS]
Y, P = RNG.standard_normal((6, 3)).astype(np.float32), RNG.standard_normal((6, 3)).astype(np.float32)


def test_regression_losses():
    np.testing.assert_allclose(float(keras.losses.MeanSquaredError()(Y, P)), np.mean((Y - P) ** 2), rtol=1e-6)
    np.testing.assert_allclose(keras.losses.MSE(Y, P).numpy(), np.mean((Y - P) ** 2, -1), rtol=1e-6)
    np.testing.assert_allclose(float(keras.losses.MeanAbsoluteError(reduction="sum")(Y, P)),
                               np.sum(np.mean(np.abs(Y - P), -1)), rtol=1e-6)
    e = np.abs(P - Y)
    huber = np.where(e <= 0.5, 0.5 * e**2, 0.5 * e - 0.5 * 0.25).mean(-1)
    np.testing.assert_allclose(keras.losses.Huber(0.5, reduction=None)(Y, P).numpy(), huber, rtol=1e-5)
    assert keras.losses.mse is keras.losses.MSE is keras.losses.mean_squared_error


def test_reductions_and_sample_weight():
    w = np.linspace(0.5, 1.5, 6).astype(np.float32)
    per = np.mean((Y - P) ** 2, -1)
    mse = keras.losses.MeanSquaredError
    np.testing.assert_allclose(float(mse()(Y, P, sample_weight=w)), np.sum(per * w) / 6, rtol=1e-6)
    np.testing.assert_allclose(float(mse(reduction="mean_with_sample_weight")(Y, P, sample_weight=w)),
                               np.sum(per * w) / np.sum(w), rtol=1e-6)
    np.testing.assert_allclose(float(mse(reduction="sum")(Y, P, sample_weight=w)), np.sum(per * w), rtol=1e-6)
    assert mse(reduction="none")(Y, P).shape == (6,)
    with pytest.raises(ValueError, match="reduction"):
        mse(reduction="avg")


def test_crossentropies_with_clipping_and_logits():
    cce = -np.sum(ONEHOT * np.log(np.clip(PROBS, EPS, 1 - EPS)), -1).mean()
    np.testing.assert_allclose(float(keras.losses.CategoricalCrossentropy()(ONEHOT, PROBS)), cce, rtol=1e-5)
    log_softmax = LOGITS - np.log(np.exp(LOGITS).sum(-1, keepdims=True))
    np.testing.assert_allclose(float(keras.losses.CategoricalCrossentropy(from_logits=True)(ONEHOT, LOGITS)),
                               -np.sum(ONEHOT * log_softmax, -1).mean(), rtol=1e-5)
    np.testing.assert_allclose(float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, LOGITS)),
                               -np.sum(ONEHOT * log_softmax, -1).mean(), rtol=1e-5)
    smooth = ONEHOT * 0.8 + 0.2 / 4
    np.testing.assert_allclose(
        float(keras.losses.CategoricalCrossentropy(label_smoothing=0.2)(ONEHOT, PROBS)),
        -np.sum(smooth * np.log(np.clip(PROBS, EPS, 1 - EPS)), -1).mean(), rtol=1e-5)
    t = np.array([[1.0, 0.0, 1.0]], np.float32)
    p = np.array([[1.0, 0.0, 0.3]], np.float32)
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc)).mean()
    np.testing.assert_allclose(float(keras.losses.BinaryCrossentropy()(t, p)), bce, rtol=1e-4)
    assert np.isfinite(float(keras.losses.BinaryCrossentropy()([[1.0]], [[0.0]])))
    z = np.array([[2.0, -1.0, 0.5]], np.float32)
    ts = t * 0.9 + 0.05
    ref = np.mean(np.maximum(z, 0) - z * ts + np.log1p(np.exp(-np.abs(z))))
    np.testing.assert_allclose(float(keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)(t, z)),
                               ref, rtol=1e-5)


def test_softmax_output_uses_its_logits():
    logits = np.array([[40.0, 0.0, -40.0]], np.float32)
    probs = keras.activations.softmax(tf.constant(logits))
    target = np.array([[0.0, 0.0, 1.0]], np.float32)
    exact = float(keras.losses.CategoricalCrossentropy(from_logits=True)(target, logits))
    assert exact == pytest.approx(80.0, rel=1e-5)  # clipping would give -log(1e-7) = 16.1
    assert float(keras.losses.CategoricalCrossentropy()(target, probs)) == pytest.approx(exact, rel=1e-6)
    with pytest.warns(UserWarning, match="from_logits=True"):
        keras.losses.CategoricalCrossentropy(from_logits=True)(target, probs)
    plain = tf.constant(probs.numpy())  # a copy has no logits attached: probabilities are clipped
    assert float(keras.losses.CategoricalCrossentropy()(target, plain)) == pytest.approx(-np.log(EPS), rel=1e-4)


def test_loss_gradients_flow_and_shapes_checked():
    p = tf.constant(PROBS)
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = keras.losses.SparseCategoricalCrossentropy()(LABELS, p)
    g = tape.gradient(loss, p).numpy()
    assert g.shape == (6, 4) and np.isfinite(g).all()
    with pytest.raises(ValueError, match="same shape"):
        keras.losses.binary_crossentropy(np.ones((2, 3)), np.ones((2, 4)) * 0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))
    assert caught and caught[0].category is SyntaxWarning


def test_regularizers():
    w = tf.constant([1.0, -2.0])
    r = keras.regularizers
    assert float(r.L1(0.5)(w)) == 1.5 and float(r.L2()(w)) == pytest.approx(0.05)
    assert float(r.l1_l2()(w)) == pytest.approx(0.08) and float(r.L1L2()(w)) == 0.0
    assert isinstance(r.get("l1"), r.L1) and r.get(None) is None
    with pytest.raises(ValueError, match="regularizer identifier"):
        r.get("l3")


def test_ignore_class_and_registry():
    labels = np.array([0, 1, 2], np.int32)
    logits = np.zeros((3, 3), np.float32)
    per = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1, reduction=None)(labels, logits)
    np.testing.assert_allclose(per.numpy(), [np.log(3), 0.0, np.log(3)], rtol=1e-6)
    assert keras.losses.get("mae") is keras.losses.mean_absolute_error
    assert isinstance(keras.losses.get("Huber"), keras.losses.Huber)
    cfg = keras.losses.serialize(keras.losses.Huber(delta=2.0))
    assert keras.losses.deserialize(cfg).get_config()["delta"] == 2.0
    with pytest.raises(ValueError, match="loss identifier"):
        keras.losses.get("nope")


def test_accuracy_metrics():
    m = keras.metrics
    assert m.sparse_categorical_accuracy([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]]).numpy().tolist() == [1.0, 0.0]
    assert m.categorical_accuracy([[0, 1], [1, 0]], [[0.3, 0.7], [0.2, 0.8]]).numpy().tolist() == [1.0, 0.0]
    assert m.binary_accuracy([[1], [0]], [[0.6], [0.6]], threshold=0.5).numpy().tolist() == [[1.0], [0.0]]
    assert m.top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=2).numpy().tolist() == [0.0]
    assert m.sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.3]], k=2).numpy().tolist() == [1.0]  # tie is in
    acc = m.SparseCategoricalAccuracy()
    acc.update_state([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])
    acc.update_state([0], [[0.9, 0.0, 0.1]], sample_weight=[2.0])
    assert float(acc.result()) == pytest.approx(3 / 4)
    acc.reset_state()
    assert float(acc.result()) == 0.0
    assert [v.name for v in acc.variables] == ["total:0", "count:0"]
    mean = m.Mean()
    assert float(mean([1.0, 2.0, 6.0])) == 3.0
    assert float(m.Sum()([1.0, 2.0])) == 3.0
    wrapped = m.MeanMetricWrapper(lambda t, p: tf.abs(tf.constant(t) - tf.constant(p)), name="abs")
    wrapped.update_state([1.0, 2.0], [2.0, 2.0])
    assert float(wrapped.result()) == 0.5 and wrapped.name == "abs"
    assert isinstance(m.get("Accuracy"), m.Accuracy)
    with pytest.raises(ValueError, match="metric identifier"):
        m.get("nope")


@pytest.mark.parametrize("module", ["tapegrad.keras.losses", "tapegrad.keras.metrics", "tapegrad.keras.utils",
                                    "tapegrad.keras.regularizers"])
def test_docstrings_run(module):
    assert doctest.testmod(importlib.import_module(module)).failed == 0
