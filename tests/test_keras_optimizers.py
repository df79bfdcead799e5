"""Optimizers and schedules against hand-computed float32 references (the Keras lane checks them against Keras)."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

F32 = np.float32


def run(opt, grads, init):
    v = tf.Variable(np.asarray(init, F32))
    for g in grads:
        opt.apply_gradients([(tf.constant(np.asarray(g, F32)), v)])
    return v.numpy()


def test_sgd_plain_momentum_nesterov():
    g = [[1.0, -2.0], [0.5, 0.5], [-1.0, 0.0]]
    np.testing.assert_allclose(run(keras.optimizers.SGD(0.1), g, [0, 0]), -0.1 * np.sum(g, axis=0), rtol=1e-6)
    v, m = np.zeros(2, F32), np.zeros(2, F32)
    vn, mn = np.zeros(2, F32), np.zeros(2, F32)
    for gi in np.asarray(g, F32):
        m = m * F32(0.9) - gi * F32(0.1)
        v = v + m
        mn = mn * F32(0.9) - gi * F32(0.1)
        vn = vn + (mn * F32(0.9) - gi * F32(0.1))
    np.testing.assert_allclose(run(keras.optimizers.SGD(0.1, momentum=0.9), g, [0, 0]), v, rtol=1e-6)
    np.testing.assert_allclose(run(keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), g, [0, 0]), vn,
                               rtol=1e-6)
    with pytest.raises(ValueError, match="momentum"):
        keras.optimizers.SGD(0.1, momentum=1.5)


def adam_reference(grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, init=0.0, wd=None):
    v = np.full(np.shape(grads[0]), init, F32)
    m = np.zeros_like(v)
    s = np.zeros_like(v)
    s_hat = np.zeros_like(v)
    for t, g in enumerate(np.asarray(grads, F32), start=1):
        if wd is not None:
            v = v - v * F32(wd) * F32(lr)
        alpha = F32(lr) * np.sqrt(1 - F32(b2) ** F32(t)) / (1 - F32(b1) ** F32(t))
        m = m + (g - m) * F32(1 - b1)
        s = s + (g * g - s) * F32(1 - b2)
        denom = s
        if amsgrad:
            s_hat = np.maximum(s_hat, s)
            denom = s_hat
        v = v - (m * alpha) / (np.sqrt(denom) + F32(eps))
    return v


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_reference_epsilon_outside_sqrt(amsgrad):
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((30, 3)).astype(F32) * np.array([1e-3, 1.0, 100.0], F32)
    got = run(keras.optimizers.Adam(0.01, amsgrad=amsgrad), grads, np.ones(3))
    np.testing.assert_allclose(got, adam_reference(grads, lr=0.01, amsgrad=amsgrad, init=1.0), rtol=1e-6)


def test_adamw_decays_before_the_step():
    grads = np.zeros((5, 2), F32)
    got = run(keras.optimizers.AdamW(0.1, weight_decay=0.5), grads, [2.0, -4.0])
    np.testing.assert_allclose(got, np.array([2.0, -4.0]) * 0.95 ** 5, rtol=1e-5)
    with pytest.raises(ValueError, match="weight_decay"):
        keras.optimizers.AdamW(0.1, weight_decay=None)


def test_rmsprop_and_adagrad_references():
    g = np.array([[1.0, 2.0], [3.0, -1.0]], F32)
    vel = np.zeros(2, F32)
    v = np.zeros(2, F32)
    for gi in g:
        vel = F32(0.9) * vel + F32(0.1) * gi * gi
        v = v - F32(0.01) * gi / np.sqrt(vel + F32(1e-7))
    np.testing.assert_allclose(run(keras.optimizers.RMSprop(0.01), g, [0, 0]), v, rtol=1e-6)
    acc = np.full(2, 0.1, F32)
    v = np.zeros(2, F32)
    for gi in g:
        acc = acc + gi * gi
        v = v - F32(0.5) * gi / np.sqrt(acc + F32(1e-7))
    np.testing.assert_allclose(run(keras.optimizers.Adagrad(0.5), g, [0, 0]), v, rtol=1e-6)


def test_clipping():
    g = [[3.0, 4.0]]
    np.testing.assert_allclose(run(keras.optimizers.SGD(1.0, clipnorm=1.0), g, [0, 0]), [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(run(keras.optimizers.SGD(1.0, clipvalue=3.5), g, [0, 0]), [-3.0, -3.5])
    a, b = tf.Variable([0.0, 0.0]), tf.Variable([0.0])
    keras.optimizers.SGD(1.0, global_clipnorm=6.5).apply_gradients([(tf.constant([3.0, 4.0]), a),
                                                                    (tf.constant([12.0]), b)])
    np.testing.assert_allclose(np.concatenate([a.numpy(), b.numpy()]), [-1.5, -2.0, -6.0], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        keras.optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)


def test_none_gradients_warning_and_all_none_error():
    a, b = tf.Variable([1.0], name="first"), tf.Variable([2.0])
    opt = keras.optimizers.SGD(0.5)
    with pytest.warns(UserWarning) as record:
        opt.apply_gradients([(None, a), (tf.constant([1.0]), b)])
    assert str(record[0].message) == (
        "Gradients do not exist for variables ['first:0'] when minimizing the loss. If using `model.compile()`, did "
        "you forget to provide a `loss` argument?")
    assert a.numpy().tolist() == [1.0] and b.numpy().tolist() == [1.5]
    assert int(opt.iterations.numpy()) == 1
    with pytest.raises(ValueError, match="No gradients provided for any variable."):
        keras.optimizers.SGD(0.5).apply_gradients([(None, a)])
    with pytest.raises(TypeError, match="trainable_variables"):
        keras.optimizers.SGD(0.5).apply_gradients([(tf.constant([1.0]), tf.constant([1.0]))])


def test_sparse_updates_touch_only_gathered_rows_and_sum_duplicates():
    v = tf.Variable(np.ones((4, 2), F32))
    g = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([0, 2, 0]),
                         tf.constant([4, 2]))
    keras.optimizers.SGD(0.1).apply_gradients([(g, v)])
    np.testing.assert_allclose(v.numpy(), [[0.4, 0.2], [1, 1], [0.7, 0.6], [1, 1]], rtol=1e-6)
    acc_opt = keras.optimizers.Adagrad(0.1)
    w = tf.Variable(np.ones((4, 2), F32))
    acc_opt.apply_gradients([(g, w)])
    acc = acc_opt.variables[2].numpy()
    np.testing.assert_allclose(acc[0], [0.1 + 1 + 25, 0.1 + 4 + 36], rtol=1e-6)  # squares added per slice
    assert np.all(w.numpy()[[1, 3]] == 1.0)


def test_minimize_and_unknown_variable():
    x = tf.Variable(5.0)
    opt = keras.optimizers.SGD(0.25)
    for _ in range(20):
        opt.minimize(lambda: (x - 2.0) ** 2, [x])
    assert abs(float(x) - 2.0) < 1e-4
    y = tf.Variable(0.0)
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(tf.constant(1.0), y)])
    with tf.GradientTape() as tape:
        loss = x * x
    keras.optimizers.SGD(0.1).minimize(loss, [x], tape=tape)
    with pytest.raises(ValueError, match="tape"):
        keras.optimizers.SGD(0.1).minimize(tf.constant(1.0), [x])


def test_learning_rate_variable_and_schedule():
    opt = keras.optimizers.Adam(0.5)
    assert isinstance(opt.learning_rate, tf.Variable) and float(opt.learning_rate) == 0.5
    opt.learning_rate = 0.25
    assert float(opt.learning_rate) == 0.25
    with pytest.raises(ValueError, match="learning_rate"):
        keras.optimizers.SGD(1)
    sched = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(1.0, 1, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        sched.learning_rate = 0.1
    v = tf.Variable(0.0)
    for _ in range(3):
        sched.apply_gradients([(tf.constant(1.0), v)])
    assert float(v) == pytest.approx(-(1 + 0.5 + 0.25))  # lr is read at the step before it is taken
    assert float(sched.learning_rate) == pytest.approx(0.125)
    with pytest.warns(UserWarning, match="decay"):
        keras.optimizers.SGD(0.1, decay=0.1)
    with pytest.raises(ValueError, match="not recognized"):
        keras.optimizers.SGD(0.1, foo=1)


def test_schedule_formulas():
    s = keras.optimizers.schedules
    steps = np.arange(0, 40)
    exp = [float(s.ExponentialDecay(0.1, 10, 0.5, staircase=True)(i)) for i in steps]
    np.testing.assert_allclose(exp, 0.1 * 0.5 ** (steps // 10), rtol=1e-6)
    pw = [float(s.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])(i)) for i in steps]
    np.testing.assert_allclose(pw, np.where(steps <= 5, 1.0, np.where(steps <= 10, 0.5, 0.1)), rtol=1e-6)
    cos = [float(s.CosineDecay(1.0, 20, alpha=0.1)(i)) for i in steps]
    expected = 0.9 * 0.5 * (1 + np.cos(np.pi * np.minimum(steps, 20) / 20)) + 0.1
    np.testing.assert_allclose(cos, expected, rtol=1e-5)
    warm = [float(s.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=5)(i)) for i in range(6)]
    np.testing.assert_allclose(warm, [0, 0.2, 0.4, 0.6, 0.8, 1.0], rtol=1e-6)
    with pytest.raises(ValueError, match="decay_steps"):
        s.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="length of boundaries"):
        s.PiecewiseConstantDecay([1, 2], [1.0])
    cfg = s.serialize(s.CosineDecay(0.1, 5))
    assert s.deserialize(cfg).get_config() == cfg["config"]


def test_optimizer_registry_and_config():
    assert isinstance(keras.optimizers.get("Adam"), keras.optimizers.Adam)
    opt = keras.optimizers.RMSprop(0.01, rho=0.8, momentum=0.1, centered=True)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert again.get_config()["rho"] == 0.8 and again.centered
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        keras.optimizers.get("nope")
    assert keras.optimizers.Adam(gradient_accumulation_steps=2).get_config()["gradient_accumulation_steps"] == 2


def test_exclude_from_weight_decay():
    a, b = tf.Variable([1.0], name="bias"), tf.Variable([1.0], name="kernel")
    opt = keras.optimizers.AdamW(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply_gradients([(tf.constant([0.0]), a), (tf.constant([0.0]), b)])
    assert float(a[0]) == 1.0 and float(b[0]) == pytest.approx(0.95)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])


@pytest.mark.parametrize("module", ["tapegrad.keras.optimizers", "tapegrad.keras.optimizers._base",
                                    "tapegrad.keras.optimizers._rules", "tapegrad.keras.optimizers.schedules"])
def test_docstrings_run(module):
    assert doctest.testmod(importlib.import_module(module)).failed == 0


@pytest.mark.parametrize("make", [lambda: keras.optimizers.SGD(0.1), lambda: keras.optimizers.SGD(0.1, momentum=0.9),
                                  lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                                  lambda: keras.optimizers.Adam(0.01),
                                  lambda: keras.optimizers.Adam(0.01, amsgrad=True)],
                         ids=["sgd", "momentum", "nesterov", "adam", "amsgrad"])
def test_all_variables_step_equals_per_variable_updates(make, monkeypatch):
    # SGD and Adam update every variable in one call when only the rule applies (dense float32 gradients, no
    # clipping, decay or constraint, no tape): eagerly and in a compiled step's host update. Under a tape each
    # variable takes update_step. Bitwise the same.
    rng = np.random.default_rng(3)
    shapes = ((3, 2), (2,), (4, 1))
    grads = [[rng.standard_normal(s).astype(F32) for s in shapes] for _ in range(4)]
    cls = type(make())
    calls = []
    dense_step = cls._dense_step
    monkeypatch.setattr(cls, "_dense_step", lambda self, *a: calls.append(1) or dense_step(self, *a))
    results = []
    for mode in ("plain", "compiled", "tape"):
        opt = make()
        vs = [tf.Variable(np.full(s, 0.5, F32)) for s in shapes]
        before = [v.numpy() for v in vs]
        apply = tf.function(lambda *g, opt=opt, vs=vs: opt.apply_gradients(zip(g, vs)))
        del calls[:]
        for step in grads:
            if mode == "tape":
                with tf.GradientTape():
                    opt.apply_gradients(zip([tf.constant(g) for g in step], vs))
            elif mode == "compiled":
                apply(*[tf.constant(g) for g in step])
            else:
                opt.apply_gradients(zip([tf.constant(g) for g in step], vs))
        assert len(calls) == (0 if mode == "tape" else 4)
        assert int(opt.iterations) == 4
        results.append([v.numpy() for v in vs] + [s.numpy() for s in opt.variables])
        np.testing.assert_array_equal(before[0], np.full((3, 2), 0.5, F32))  # arrays read earlier are not changed
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(results[0][0], np.full((3, 2), 0.5, F32))


def test_all_variables_step_leaves_constraints_and_clipping_to_the_per_variable_path():
    v = tf.Variable(np.full((2,), 0.5, F32), constraint=lambda x: tf.clip_by_value(x, 0.0, 0.45))
    keras.optimizers.SGD(0.1).apply_gradients([(tf.constant([1.0, -1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.4, 0.45])
    w = tf.Variable(np.zeros((2,), F32))
    keras.optimizers.SGD(1.0, clipvalue=0.5).apply_gradients([(tf.constant([2.0, -0.25]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5, 0.25])
