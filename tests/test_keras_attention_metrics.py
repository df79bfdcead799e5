"""Attention layers against NumPy formulas (reference §8), thresholded metrics against hand counts, custom Metric
subclasses, and the Nadam/Adamax/Adadelta/Ftrl/Lion rules (their TF trajectories are in the Keras lane)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def test_multi_head_attention_matches_numpy_and_masks():
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(2, 3, 5)), rng.normal(size=(2, 4, 5))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64")
    layer(q, v)
    ws = [rng.normal(size=tuple(w.shape)) for w in layer.weights]
    layer.set_weights(ws)
    qk, qb, kk, kb, vk, vb, ok, ob = ws
    qq = np.einsum("bte,ehk->bthk", q, qk) + qb
    kk_ = np.einsum("bse,ehk->bshk", v, kk) + kb
    vv = np.einsum("bse,ehk->bshk", v, vk) + vb
    a = softmax(np.einsum("bthk,bshk->bhts", qq / np.sqrt(3), kk_))
    ref = np.einsum("bthk,hke->bte", np.einsum("bhts,bshk->bthk", a, vv), ok) + ob
    out, scores = layer(q, v, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(scores.numpy(), a, rtol=1e-10)
    mask = np.array([[[1, 1, 0, 0]] * 3, [[1, 1, 1, 1]] * 3], bool)
    masked = layer(q, v, attention_mask=mask, return_attention_scores=True)[1].numpy()
    assert (masked[0, :, :, 2:] == 0).all() and np.allclose(masked.sum(-1), 1)
    causal = layer(q, q, use_causal_mask=True, return_attention_scores=True)[1].numpy()
    assert (np.triu(np.ones((3, 3)), 1)[None, None] * causal == 0).all()
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(q, v))
    assert all(g is not None for g in tape.gradient(y, layer.trainable_weights))
    with pytest.raises(TypeError):
        L.MultiHeadAttention(num_heads=2)


def test_attention_axes_and_functional_build():
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 6)).astype("float32")
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,))
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 6) and scores.shape == (2, 3, 2, 4, 4)
    inp = keras.Input((5, 4))
    model = keras.Model(inp, L.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp))
    assert model.count_params() == 4 * 6 * 3 + 3 * 6 + 6 * 4 + 4 and model.output_shape == (None, 5, 4)


def test_dot_and_additive_attention():
    q = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")
    v = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], "float32")
    out, sc = L.Attention()([q, v], return_attention_scores=True)
    ref = softmax(q @ v.transpose(0, 2, 1))
    np.testing.assert_allclose(sc.numpy(), ref, rtol=1e-6)
    np.testing.assert_allclose(out.numpy(), ref @ v, rtol=1e-6)
    vmask = np.array([[True, True, False]])
    sc = L.Attention()([q, v], mask=[None, vmask], return_attention_scores=True)[1].numpy()
    assert (sc[..., 2] == 0).all()
    add = L.AdditiveAttention()
    add([q, v])
    add.set_weights([np.array([1.0, -1.0], "float32")])
    scores = np.tanh(q[:, :, None, :] + v[:, None, :, :]) @ np.array([1.0, -1.0])
    np.testing.assert_allclose(add([q, v]).numpy(), softmax(scores) @ v, rtol=1e-5)
    with pytest.raises(ValueError):
        L.Attention()(q)


def test_precision_recall_auc_against_hand_counts():
    y_true = np.array([0, 1, 1, 1, 0, 1], "float32")
    y_pred = np.array([0.9, 0.2, 0.8, 0.6, 0.1, 0.7], "float32")
    p, r = keras.metrics.Precision(), keras.metrics.Recall()
    p.update_state(y_true, y_pred)
    r.update_state(y_true, y_pred)
    assert np.isclose(float(p.result()), 3 / 4) and np.isclose(float(r.result()), 3 / 4)
    p.update_state([1.0], [0.9], sample_weight=[2.0])  # weighted: tp 3 + 2, fp 1
    assert np.isclose(float(p.result()), 5 / 6)
    p.reset_state()
    assert float(p.result()) == 0.0
    multi = keras.metrics.Precision(thresholds=[0.15, 0.65])
    multi.update_state(y_true, y_pred)
    np.testing.assert_allclose(multi.result().numpy(), [4 / 5, 2 / 3], rtol=1e-6)
    # ROC AUC with many thresholds approaches the rank statistic (pairs ranked correctly)
    rng = np.random.default_rng(2)
    t = (rng.random(400) > 0.5).astype("float32")
    s = np.clip(t * 0.3 + rng.random(400) * 0.7, 0, 1).astype("float32")
    auc = keras.metrics.AUC(num_thresholds=2000)
    auc.update_state(t, s)
    pos, neg = s[t == 1], s[t == 0]
    rank = (pos[:, None] > neg[None, :]).mean()
    assert abs(float(auc.result()) - rank) < 2e-3


def test_custom_metric_subclass_streams_and_resets():
    class MeanAbs(keras.metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(tf.reduce_sum(tf.abs(tf.constant(y_true) - tf.constant(y_pred))))
            self.count.assign_add(float(np.size(y_true)))

        def result(self):
            return self.total / self.count

    m = MeanAbs(name="mabs")
    m.update_state([1.0, 2.0], [1.5, 2.0])
    m.update_state([0.0], [3.0])
    assert np.isclose(float(m.result()), 3.5 / 3) and m.name == "mabs" and len(m.variables) == 2
    m.reset_state()
    assert [float(v) for v in m.variables] == [0.0, 0.0]
    with pytest.raises(ValueError):  # Keras 3: the first argument of add_weight is the shape
        m.add_weight("total", initializer="zeros")
    model = keras.Sequential([keras.Input((1,)), L.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=[MeanAbs(name="mabs"), keras.metrics.AUC(name="auc")])
    history = model.fit(np.ones((4, 1), "float32"), np.ones((4, 1), "float32"), epochs=1, verbose=0)
    assert sorted(history.history) == ["auc", "loss", "mabs"]


@pytest.mark.parametrize("name", ["nadam", "adamax", "adadelta", "ftrl", "lion"])
def test_new_optimizers_minimise_a_quadratic(name):
    opt = keras.optimizers.get(name)
    opt.learning_rate = {"adadelta": 20.0, "ftrl": 0.5}.get(name, 0.05)
    w = tf.Variable([2.0, -3.0])
    for _ in range(300):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w - 0.5))
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    assert np.abs(w.numpy() - 0.5).max() < 0.2, w.numpy()


@pytest.mark.parametrize("module", ["tapegrad.keras.layers.attention", "tapegrad.keras.metrics",
                                    "tapegrad.keras.optimizers._rules_extra"])
def test_docstrings_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
