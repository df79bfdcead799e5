"""``keras.name_scope``/``device``/``version``/``StatelessScope``/``SymbolicScope``/``RematScope``/``remat``
(``keras._scopes``); values against Keras 3 in tests/conformance_keras/programs_kmix.py (``keras_scopes``)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import _scopes


def test_docstring_examples() -> None:
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(_scopes, _scopes.__name__) if t.examples]
    assert tests
    for t in tests:
        runner.run(t)
    assert runner.failures == 0


def test_version_device_and_name_scope() -> None:
    assert keras.version() == keras.__version__
    with keras.device("gpu:0"):
        assert "CPU:0" in tf.constant(1.0).device
    with keras.name_scope("a"):
        with keras.name_scope("b", override_parent="x/y"):
            v = keras.Variable(np.ones(1, np.float32), name="v")
        w = keras.Variable(np.ones(1, np.float32), name="w")
    assert (v.path, w.path) == ("x/y/b/v", "a/w")
    with pytest.raises(ValueError, match="cannot contain"):
        keras.name_scope("a/b")


def test_stateless_scope_never_mutates_and_collects_updates() -> None:
    layer = keras.layers.BatchNormalization()
    layer.build((None, 2))
    mean = layer.moving_mean
    mapping = [(mean, np.full(2, 5.0, np.float32))]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        assert mean.numpy().tolist() == [5.0, 5.0] and keras.ops.convert_to_tensor(mean.value).numpy()[0] == 5.0
        mean.assign_sub(np.ones(2, np.float32))
        assert _scopes.in_stateless_scope()
    assert scope.get_current_value(mean).numpy().tolist() == [4.0, 4.0]
    assert mean.numpy().tolist() == [0.0, 0.0] and not _scopes.in_stateless_scope()
    with pytest.raises(ValueError, match="shape that matches"):
        keras.StatelessScope(state_mapping=[(mean, np.ones(3, np.float32))])


def test_symbolic_scope_flag() -> None:
    assert not _scopes.in_symbolic_scope()
    with keras.SymbolicScope():
        assert _scopes.in_symbolic_scope()
    assert not _scopes.in_symbolic_scope()


class _Counting(keras.layers.Layer):
    calls = 0

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 3), initializer="ones", name="w")

    def call(self, x):
        type(self).calls += 1
        return tf.tanh(tf.matmul(x, self.w))


@pytest.mark.parametrize("mode,kwargs,recomputed", [("full", {}, True), (None, {}, False),
                                                    ("list_of_layers", {"layer_names": ["counted"]}, True),
                                                    ("list_of_layers", {"layer_names": ["other"]}, False)])
def test_remat_scope_recomputes_in_the_backward_pass(mode, kwargs, recomputed) -> None:
    with keras.RematScope(mode=mode, **kwargs):
        layer = _Counting(name="counted")
    plain = _Counting(name="plain")
    x = tf.constant(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32))
    grads = []
    for lyr in (layer, plain):
        _Counting.calls = 0
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(lyr(x) ** 2)
        grads.append(tape.gradient(y, lyr.trainable_weights)[0].numpy())
        if lyr is layer:
            assert _Counting.calls == (2 if recomputed else 1)  # the backward pass ran call again
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    with keras.RematScope(mode="full"):
        inner = _Counting()
    assert inner._call_has_training_arg is False and inner(np.ones((1, 2), np.float32)).shape == (1, 3)


def test_conv_lstm_dropout_masks() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5, 2)).astype(np.float32)
    layer = keras.layers.ConvLSTM2D(4, 3, padding="same", dropout=0.4, recurrent_dropout=0.3, seed=1)
    plain = layer(x)
    np.testing.assert_array_equal(layer(x).numpy(), plain.numpy())  # inference: no dropout
    with tf.GradientTape() as tape:
        y = layer(x, training=True)
        loss = tf.reduce_sum(y)
    assert not np.allclose(y.numpy(), plain.numpy())
    assert all(g is not None for g in tape.gradient(loss, layer.trainable_weights))
    masks = layer.cell._mask(tf.ones([64, 5, 5, 8]), 0.4)
    assert len(masks) == 4 and abs(float(np.mean([m.numpy() > 0 for m in masks])) - 0.6) < 0.02
    np.testing.assert_allclose(sorted(set(np.concatenate([m.numpy().ravel() for m in masks]).tolist())),
                               [0.0, 1 / 0.6], rtol=1e-6)
    # all-ones masks: the per-gate path computes what the fused one does
    layer.cell._mask = lambda like, rate: [tf.ones_like(like)] * 4
    np.testing.assert_allclose(layer(x, training=True).numpy(), plain.numpy(), rtol=1e-5, atol=1e-6)
    assert layer.get_config()["dropout"] == 0.4 and layer.recurrent_dropout == 0.3


# tf.nn.RNNCellDropoutWrapper(SimpleRNNCell(3, ones, ones), input 0.5, output 0.7, state 0.6, seed=1) under
# tf.random.set_seed(1), two steps on arange(8)/8: outputs and states recorded from TensorFlow 2.21
_TF_DROPOUT_WRAPPER = [[[1.08799, 1.08799, 1.08799], [1.41694, 1.41694, 1.41694]],
                       [[0.0, 1.26932, 0.0], [0.0, 0.0, 0.0]],
                       [[1.21945, 1.21945, 1.21945], [1.42699, 1.42699, 0.0]],
                       [[1.42269, 1.42269, 0.0], [0.0, 0.0, 1.66482]]]


def test_rnn_cell_dropout_wrapper_masks_are_tfs() -> None:
    tf.random.set_seed(1)
    inner = keras.layers.SimpleRNNCell(3, kernel_initializer="ones", recurrent_initializer="ones")
    cell = tf.nn.RNNCellDropoutWrapper(inner, input_keep_prob=0.5, output_keep_prob=0.7, state_keep_prob=0.6, seed=1)
    state = [tf.zeros([2, 3])]
    x = tf.constant(np.arange(8, dtype=np.float32).reshape(2, 4) / 8)
    got = []
    for _ in range(2):
        out, state = cell(x, state)
        got += [out.numpy(), state[0].numpy()]
    np.testing.assert_allclose(np.stack(got), np.array(_TF_DROPOUT_WRAPPER), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        tf.nn.RNNCellDropoutWrapper(inner, input_keep_prob=1.5)
    with pytest.raises(ValueError, match="dtype must be provided"):
        tf.nn.RNNCellDropoutWrapper(inner, variational_recurrent=True)
    varia = tf.nn.RNNCellDropoutWrapper(inner, output_keep_prob=0.5, variational_recurrent=True, dtype=tf.float32,
                                        seed=2)
    first = varia(x, [tf.zeros([2, 3])])[0].numpy() == 0
    assert first.any() and (varia(x, [tf.zeros([2, 3])])[0].numpy() == 0).tolist() == first.tolist()  # same mask
