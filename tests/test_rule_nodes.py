"""Compiled gradients of the fused-rule ops (relu, bias_add, max pool, conv2d, fused batch norm, LSTM sequence,
conv + bias + ReLU): a ``tape.gradient`` inside ``tapegrad.function`` records each such rule as one node running
the op's raw rule (``ops/rule_nodes.py``). Values must equal the eager step's, and second order through the compiled
gradient (the program called under an outer tape) must equal eager nested tapes."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad._dispatch import applyn
from tapegrad._registry import OPS
from tapegrad.ops import rnn_ops
from tapegrad.ops.conv_pool import conv2d_bias_act_maxpool
from tapegrad.ops.convolution import conv2d_bias_act


def _bn(x: tf.Tensor, k: tf.Tensor) -> tf.Tensor:
    op = OPS["fused_batch_norm_train"]  # (the registry: the op's module may move)
    return applyn(op, (x, k[0], k[1]), {"has_offset": True, "has_scale": True, "eps": 1e-3})[0]


CASES = {
    # name: (body(x, k), x shape, k shape, rule node name)
    "relu": (lambda x, k: tf.nn.relu(x) * k, (3, 4, 5, 2), (2,), "relu_grad"),
    "bias_add": (lambda x, k: tf.nn.bias_add(x, k), (3, 4, 5, 2), (2,), "bias_add_grad"),
    "max_pool": (lambda x, k: tf.nn.max_pool2d(x * k, 2, 2, "VALID"), (2, 4, 6, 2), (2,), "max_pool2d_grad"),
    "conv2d": (lambda x, k: tf.nn.conv2d(x, k, 1, "SAME"), (2, 5, 4, 3), (3, 3, 3, 2), "conv2d_grad"),
    "conv2d_c1": (lambda x, k: tf.nn.conv2d(x, k, 1, "VALID"), (2, 5, 6, 1), (3, 2, 1, 4), "conv2d_grad"),
    "conv_bias_relu": (lambda x, k: conv2d_bias_act(x, k[..., :2], k[0, 0, 0, 2:4] * 0.3, 1, "SAME", 1, "relu"),
                       (2, 4, 5, 3), (3, 3, 3, 4), "conv2d_bias_act_grad"),
    "conv_bias_relu_pool": (lambda x, k: conv2d_bias_act_maxpool(x, k[..., :2], k[0, 0, 0, 2:4] * 0.3, 1, "VALID"),
                            (2, 7, 6, 1), (3, 3, 1, 4), "conv2d_bias_act_maxpool_grad"),
    "batch_norm": (_bn, (4, 3, 3, 2), (2, 2), "fused_batch_norm_train_grad"),
    "lstm": (lambda x, k: rnn_ops.lstm_sequence(x, k[0, :3], None, tf.zeros([2, 2], tf.float64),
                                                tf.ones([2, 2], tf.float64), k[1, :2])[0], (2, 4, 3), (2, 3, 8),
             "lstm_sequence_grad"),
}


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    _, xs, ks, _ = CASES[name]
    rng = np.random.default_rng(abs(hash(name)) % 1000)
    x = rng.normal(size=xs)
    k = rng.normal(size=ks) * (0.5 if name == "lstm" else 1.0)
    if name == "batch_norm":
        k[1] += 1.5
    return x, k


def _step(body):  # noqa: ANN001, ANN202
    def step(x, k):  # noqa: ANN001, ANN202
        with tf.GradientTape() as t:
            t.watch([x, k])
            y = body(x, k)
            loss = tf.reduce_sum(y * y * 0.5 + tf.sin(y))
        return t.gradient(loss, [x, k])
    return step


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_gradient_is_one_node_and_equals_eager(name: str) -> None:
    body, _, _, node = CASES[name]
    x, k = (tf.constant(a) for a in _data(name))
    eager = [g.numpy() for g in _step(body)(x, k)]
    fn = tf.function(_step(body))
    got = [g.numpy() for g in fn(x, k)]
    for e, g in zip(eager, got):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    code = fn.get_concrete_function(x, k).pretty_printed_code()
    assert f"{node} = " in code or f"{node}_0" in code or f"{node}," in code, code


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_order_through_compiled_gradient(name: str) -> None:
    body, _, _, _ = CASES[name]
    x, k = (tf.constant(a) for a in _data(name))
    rng = np.random.default_rng(7)
    cx, ck = (tf.constant(rng.normal(size=a.shape)) for a in (x, k))
    step = _step(body)
    fn = tf.function(step)

    def outer(f):  # noqa: ANN001, ANN202
        with tf.GradientTape() as o:
            o.watch([x, k])
            gx, gk = f(x, k)
            s = tf.reduce_sum(gx * cx) + tf.reduce_sum(gk * ck)
        return [g.numpy() for g in o.gradient(s, [x, k])]

    for e, g in zip(outer(step), outer(fn)):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-10)


def test_gradient_watched_inside_the_function_keeps_the_differentiable_rules() -> None:
    """A tape of the traced function that differentiates the gradient (gradient penalty) still gets the
    differentiable rules: second order inside one compiled function equals eager."""
    x0 = tf.constant(_data("relu")[0])
    k = tf.constant([0.5, -2.0], tf.float64)

    def pen(x):  # noqa: ANN001, ANN202
        with tf.GradientTape() as o:
            o.watch(x)
            with tf.GradientTape() as t:
                t.watch(x)
                y = tf.reduce_sum(tf.nn.relu(x) * k * x)
            g = t.gradient(y, x)
            s = tf.reduce_sum(g * g)
        return o.gradient(s, x)

    np.testing.assert_allclose(tf.function(pen)(x0).numpy(), pen(x0).numpy(), rtol=1e-12)


def test_jit_compiled_gradient_equals_eager() -> None:
    pytest.importorskip("numba")
    body = CASES["max_pool"][0]
    x, k = (tf.constant(a) for a in _data("max_pool"))
    eager = [g.numpy() for g in _step(body)(x, k)]
    got = [g.numpy() for g in tf.function(_step(body), jit_compile=True)(x, k)]
    for e, g in zip(eager, got):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
