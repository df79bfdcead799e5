"""Edge conventions of the tf.nn op family (ops/activations.py, losses.py, normalization.py, dropout.py,
convolution.py, pooling.py), pinned to numbers TensorFlow 2.21 prints.

The expected values below were produced by real TF 2.21 on CPU (float64 unless noted); the generated suite
(test_ops_generated.py) covers the generic forward/VJP/JVP/second-order checks from each op's ``spec``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def grads(f: Any, *xs: Any) -> list[np.ndarray]:
    ts = [tf.constant(np.asarray(x)) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
    return [g.numpy() for g in tape.gradient(y, ts)]


# -- activations at their kinks (reference §6) --------------------------------------------------------------------

KINKS = np.array([-1.0, 0.0, 3.0, 6.0, 7.0])


def test_relu6_gradient_is_zero_at_both_kinks() -> None:
    np.testing.assert_array_equal(grads(tf.nn.relu6, KINKS)[0], [0, 0, 1, 0, 0])


def test_elu_selu_leaky_relu_gradients_at_zero() -> None:
    np.testing.assert_allclose(grads(tf.nn.elu, KINKS)[0], [0.36787944117144233, 1, 1, 1, 1], rtol=1e-15)
    np.testing.assert_allclose(grads(tf.nn.selu, KINKS)[0], [0.6467686, *[1.0507009873554805] * 4], rtol=1e-7)
    np.testing.assert_allclose(grads(tf.nn.leaky_relu, KINKS)[0], [0.2, 0.2, 1, 1, 1], rtol=1e-7)


def test_leaky_relu_alpha_is_a_float32_attribute_like_tf() -> None:
    assert tf.nn.leaky_relu(tf.constant([-1.0], tf.float64)).numpy()[0] == -0.20000000298023224
    assert tf.nn.leaky_relu(tf.constant([-1.0], tf.float64), alpha=0.1).numpy()[0] == -0.10000000149011612
    assert tf.nn.leaky_relu(tf.constant([1, -2])).dtype == tf.float32  # integers are converted


def test_relu6_keeps_integer_dtype() -> None:
    y = tf.nn.relu6(tf.constant([1, -2, 7], tf.int64))
    assert y.dtype == tf.int64 and y.numpy().tolist() == [1, 0, 6]


def test_gelu_lower_tail_is_accurate() -> None:
    x = tf.constant([-10.0, -3.0, 0.5], tf.float64)
    np.testing.assert_allclose(tf.nn.gelu(x).numpy(), [-7.61985302416e-23, -4.04969478e-03, 3.45731229e-01],
                               rtol=1e-6)
    (g,) = grads(lambda t: tf.nn.gelu(t), np.array([0.0, 1.0]))
    np.testing.assert_allclose(g, [0.5, 0.8413447460685429 + 0.24197072451914337], rtol=1e-14)
    assert tf.nn.gelu(tf.constant([1.0])).dtype == tf.float32
    with pytest.raises(ValueError):
        tf.nn.gelu(tf.constant([1, 2]))


def test_softplus_and_log_softmax_are_stable() -> None:
    y = tf.nn.softplus(tf.constant([-800.0, -40.0, 0.0, 40.0, 800.0], tf.float64)).numpy()
    np.testing.assert_allclose(y, [0.0, 4.248354255291589e-18, 0.6931471805599453, 40.0, 800.0], rtol=1e-15)
    assert tf.nn.log_softmax(tf.constant([1000.0, 0.0], tf.float64)).numpy().tolist() == [0.0, -1000.0]
    with pytest.raises(InvalidArgumentError):
        tf.nn.log_softmax(tf.constant(1.0))


def test_silu_beta_gets_a_gradient() -> None:
    x, b = np.array([0.5, -1.5, 2.0]), np.array(1.3)
    gx, gb = grads(lambda t, s: tf.reduce_sum(tf.nn.silu(t, s)), x, b)
    s = 1 / (1 + np.exp(-b * x))
    np.testing.assert_allclose(gx, s * (1 + b * x * (1 - s)), rtol=1e-14)
    np.testing.assert_allclose(gb, np.sum(x * x * s * (1 - s)), rtol=1e-14)


def test_softsign_has_a_second_derivative() -> None:  # TF raises LookupError (no gradient for SoftsignGrad)
    x = tf.constant([0.5, -2.0], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.softsign(x))
        g = inner.gradient(y, x)
    h = outer.gradient(g, x).numpy()
    np.testing.assert_allclose(h, -2 * np.sign([0.5, -2.0]) / (1 + np.abs([0.5, -2.0])) ** 3, rtol=1e-14)


# -- cross entropies ---------------------------------------------------------------------------------------------


def test_softmax_xent_gradients_match_tf_for_unnormalised_labels() -> None:
    labels, logits = np.array([[0.5, 1.0, 0.2]]), np.array([[1.0, 2.0, 3.0]])
    g_lab, g_log = grads(lambda a, b: tf.nn.softmax_cross_entropy_with_logits(a, b), labels, logits)
    np.testing.assert_allclose(g_lab, [[2.40760596, 1.40760596, 0.40760596]], rtol=1e-7)
    np.testing.assert_allclose(g_log, [[-0.40996943, -0.75527153, 0.46524096]], rtol=1e-7)  # softmax - labels


def test_softmax_xent_rule_reuses_the_forward_softmax_exactly_and_keeps_nothing_after() -> None:
    # the recording forward keeps exp(shifted logits) for the rule; a persistent tape's second gradient recomputes
    # it: both must give the same bits, and nothing may stay kept once the loss tensors are gone
    from tapegrad.ops import losses

    rng = np.random.default_rng(12)
    labels = tf.constant(np.eye(5, dtype=np.float32)[rng.integers(0, 5, 8)])
    x = tf.Variable(rng.standard_normal((8, 5)).astype(np.float32) * 4)
    with tf.GradientTape(persistent=True) as tape:
        xe = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x)
        loss = tf.reduce_mean(xe)
    assert len(losses._XENT_KEPT) == 1
    first = tape.gradient(loss, x).numpy()
    assert not losses._XENT_KEPT  # taken over by the rule
    second = tape.gradient(loss, x).numpy()  # recomputed from the saved logits
    np.testing.assert_array_equal(first, second)
    sm = np.exp(x.numpy() - x.numpy().max(-1, keepdims=True))
    np.testing.assert_allclose(first, (sm / sm.sum(-1, keepdims=True) - labels.numpy()) / 8, rtol=1e-6, atol=1e-7)
    with tf.GradientTape() as tape2:
        xe = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x)
    assert len(losses._XENT_KEPT) == 1
    del tape, tape2, xe, loss
    assert not losses._XENT_KEPT  # no gradient asked for: dropped with the loss array
    tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x)  # no tape: nothing kept
    assert not losses._XENT_KEPT


def test_softmax_xent_broadcasts_labels_and_casts_their_dtype() -> None:
    y = tf.nn.softmax_cross_entropy_with_logits(np.ones((1, 3), np.float32), tf.constant(np.ones((2, 3))))
    assert y.dtype == tf.float64
    np.testing.assert_allclose(y.numpy(), [3.29583687, 3.29583687], rtol=1e-8)
    with pytest.raises(InvalidArgumentError):
        tf.nn.softmax_cross_entropy_with_logits(np.ones((2, 3)), np.ones((2, 4)))


@pytest.mark.parametrize("label", [3, -1])
def test_sparse_xent_rejects_out_of_range_labels(label: int) -> None:
    with pytest.raises(InvalidArgumentError, match=f"label value of {label}"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([label]), np.ones((1, 3)))


def test_sparse_xent_shapes_dtypes_and_gradient() -> None:
    with pytest.raises(ValueError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([[1]]), np.ones((1, 3)))
    with pytest.raises(ValueError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([1, 2]), np.ones((1, 3)))
    with pytest.raises(InvalidArgumentError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([1.0]), np.ones((1, 3)))
    half = tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([1]), np.ones((1, 3), np.float16))
    assert half.dtype == tf.float16
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(4, 5)), np.array([0, 4, 2, 2])
    (g,) = grads(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x), logits)
    sm = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(g, sm - np.eye(5)[labels], rtol=1e-13)


def test_sigmoid_and_weighted_xent() -> None:
    with pytest.raises(ValueError):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=np.ones(2), logits=np.ones(3))
    with pytest.raises(ValueError):
        tf.nn.sigmoid_cross_entropy_with_logits(logits=np.ones(3))
    z, x = np.array([0.3, 0.3]), np.array([0.0, 1.0])
    gz, gx = grads(lambda a, b: tf.nn.sigmoid_cross_entropy_with_logits(labels=a, logits=b), z, x)
    np.testing.assert_allclose(gx, [0.2, 0.43105858], rtol=1e-7)
    np.testing.assert_allclose(gz, [0.0, -1.0])
    # TF: labels [0.69314718, -0.68673831], pos_weight 0.30192266; logits at x=1: 0.35037615
    gz, gx, gq = grads(lambda a, b, c: tf.nn.weighted_cross_entropy_with_logits(a, b, c), z, x, np.array(2.0))
    np.testing.assert_allclose(gz, [0.69314718, -0.68673831], rtol=1e-7)
    np.testing.assert_allclose(gq, 0.30192266042345045, rtol=1e-12)
    np.testing.assert_allclose(gx[1], 0.35037615, rtol=1e-7)
    # at exactly x = 0 the smooth derivative (1 - z) - (1 + (q - 1) z) / 2 (TF's composite gives 1 - z there)
    np.testing.assert_allclose(gx[0], 0.7 - 1.3 * 0.5, rtol=1e-14)


# -- normalisation ---------------------------------------------------------------------------------------------


def test_l2_normalize_at_zero_like_tf() -> None:
    (g,) = grads(lambda x: tf.math.l2_normalize(x), np.zeros(2))
    np.testing.assert_allclose(g, [1e6, 1e6], rtol=1e-12)
    assert tf.nn.l2_normalize(tf.zeros([2])).numpy().tolist() == [0.0, 0.0]
    with pytest.raises(InvalidArgumentError):
        tf.nn.l2_normalize(np.ones((2, 3)), axis=2)


def test_l2_loss_and_moments() -> None:
    loss = tf.nn.l2_loss(tf.constant([1.0, -2.0, 7.0]))
    assert loss.dtype == tf.float32 and float(loss) == 27.0
    x = np.array([[1.0, 2.0, 6.0], [0.0, 4.0, 4.0]])
    mean, var = tf.nn.moments(tf.constant(x), axes=[1])
    np.testing.assert_allclose(mean.numpy(), x.mean(1))
    np.testing.assert_allclose(var.numpy(), x.var(1))
    (g,) = grads(lambda t: tf.reduce_sum(tf.nn.moments(t, axes=[1])[1]), x)
    np.testing.assert_allclose(g, 2 * (x - x.mean(1, keepdims=True)) / 3, rtol=1e-14)
    m, v = tf.nn.moments(tf.constant(np.ones((2, 3), np.int32)), [0])
    assert m.dtype == tf.int32 and v.numpy().tolist() == [0, 0, 0]


def test_moments_hessian_is_exact() -> None:
    x = tf.constant([1.0, 2.0, 4.0], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            _, var = tf.nn.moments(x, axes=[0])
        g = inner.gradient(var, x)
    h = outer.jacobian(g, x).numpy()
    np.testing.assert_allclose(h, 2 / 3 * (np.eye(3) - 1 / 3), atol=1e-15)  # TF's stop_gradient gives 2/3 * I


def test_batch_normalization_gradients() -> None:
    rng = np.random.default_rng(1)
    x, m, v, o, s = rng.normal(size=(4, 3)), rng.normal(size=3), rng.uniform(0.5, 2, 3), rng.normal(size=3), \
        rng.normal(size=3)
    gs = grads(lambda *a: tf.reduce_sum(tf.nn.batch_normalization(*a, 1e-3)), x, m, v, o, s)
    r = 1 / np.sqrt(v + 1e-3)
    np.testing.assert_allclose(gs[0], np.broadcast_to(r * s, (4, 3)), rtol=1e-14)
    np.testing.assert_allclose(gs[1], -4 * r * s, rtol=1e-14)
    np.testing.assert_allclose(gs[2], np.sum(x - m, 0) * s * -0.5 * r**3, rtol=1e-12)
    np.testing.assert_allclose(gs[3], [4, 4, 4])
    np.testing.assert_allclose(gs[4], np.sum(x - m, 0) * r, rtol=1e-12)
    y = tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0)
    assert y.numpy().tolist() == [-1.0, 1.0]


# -- dropout -----------------------------------------------------------------------------------------------------


def test_dropout_scaling_mask_gradient_and_seed() -> None:
    x = tf.constant(np.arange(1.0, 201.0))
    tf.random.set_seed(5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.25, seed=3)
    g = tape.gradient(y, x).numpy()
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.75, rtol=1e-15)
    np.testing.assert_allclose(g, np.where(kept, 1 / 0.75, 0.0))
    assert 100 < kept.sum() < 200
    tf.random.set_seed(5)
    again = tf.nn.dropout(x, rate=0.25, seed=3).numpy()
    np.testing.assert_array_equal(again, y.numpy())  # set_seed replays the sequence


def test_dropout_noise_shape_and_argument_errors() -> None:
    y = tf.nn.dropout(tf.ones([6, 4]), 0.5, noise_shape=[None, 1], seed=1).numpy()
    assert all(len(set(row.tolist())) == 1 for row in y)  # one decision per row
    assert set(np.unique(y).tolist()) <= {0.0, 2.0}
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, 0.0) is x
    for bad in (1.0, -0.1):
        with pytest.raises(ValueError):
            tf.nn.dropout(x, bad)
    with pytest.raises(ValueError):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)
    with pytest.raises(InvalidArgumentError):
        tf.nn.dropout(tf.ones([2, 3]), 0.5, noise_shape=[3, 1])


# -- bias_add, convolution -----------------------------------------------------------------------------------------


def test_bias_add_formats_and_errors() -> None:
    v, b = np.arange(24.0).reshape(2, 3, 4), np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tf.nn.bias_add(v, b, data_format="NCW").numpy(), v + b[:, None])
    _, gb = grads(lambda a, c: tf.nn.bias_add(a, c, data_format="NCHW"), v[..., None], b)
    np.testing.assert_array_equal(gb, [8.0, 8.0, 8.0])
    with pytest.raises(InvalidArgumentError, match=r"\[3\] vs. \[2, 4\]"):
        tf.nn.bias_add(np.ones((2, 4)), np.ones(3))
    with pytest.raises(InvalidArgumentError):
        tf.nn.bias_add(np.ones(4), np.ones(4))
    with pytest.raises(InvalidArgumentError):
        tf.nn.bias_add(np.ones((1, 2)), np.ones((2, 1)))
    with pytest.raises(ValueError):
        tf.nn.bias_add(np.ones((1, 2)), np.ones(2), data_format="HWC")


def test_conv2d_argument_errors() -> None:
    x = np.ones((1, 4, 4, 2))
    with pytest.raises(InvalidArgumentError, match="evenly divisible by filter depth: 2 vs 3"):
        tf.nn.conv2d(x, np.ones((2, 2, 3, 1)), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="negative"):
        tf.nn.conv2d(np.ones((1, 2, 2, 2)), np.ones((3, 3, 2, 1)), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="SAME"):
        tf.nn.conv2d(x, np.ones((2, 2, 2, 1)), 1, "same")
    with pytest.raises(InvalidArgumentError, match="4-dimensional"):
        tf.nn.conv2d(np.ones((4, 4, 2)), np.ones((2, 2, 2, 1)), 1, "VALID")
    with pytest.raises(InvalidArgumentError):
        tf.nn.conv2d(x, np.ones((2, 2, 2, 1)), [1, 2, 2, 2], "SAME")
    with pytest.raises(ValueError):
        tf.nn.conv2d(x, np.ones((2, 2, 2, 1)), [2, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError):
        tf.nn.conv2d(x, np.ones((2, 2, 2, 1)), 1, [[1, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(TypeError):
        tf.nn.conv1d(np.ones((1, 5, 2)), np.ones((2, 2, 1)), 2, [[0, 0], [1, 1], [0, 0]])


def test_conv2d_shapes_formats_and_batch_dims() -> None:
    rng = np.random.default_rng(2)
    x, f = rng.normal(size=(2, 5, 6, 4)), rng.normal(size=(3, 2, 2, 6))  # groups = 2
    y = tf.nn.conv2d(x, f, [2, 1], "SAME", dilations=[1, 2])
    assert y.shape == [2, 3, 6, 6]
    nchw = tf.nn.conv2d(np.transpose(x, (0, 3, 1, 2)), f, [1, 1, 2, 1], "SAME", data_format="NCHW",
                        dilations=[1, 1, 1, 2]).numpy()
    np.testing.assert_allclose(np.transpose(nchw, (0, 2, 3, 1)), y.numpy(), rtol=1e-13)
    batched = tf.nn.conv2d(x[None], f, [2, 1], "SAME", dilations=[1, 2])  # extra leading batch dimension
    np.testing.assert_allclose(batched.numpy()[0], y.numpy(), rtol=1e-13)
    assert tf.nn.conv2d(np.ones((1, 5, 5, 2)), np.ones((2, 2, 2, 1)), 1, [[0, 0], [1, 2], [0, 1], [0, 0]]).shape \
        == [1, 7, 5, 1]
    assert tf.nn.conv1d(np.ones((2, 1, 5, 2)), np.ones((2, 2, 1)), 1, "SAME").shape == [2, 1, 5, 1]


def test_conv2d_float32_gradients_and_filter_hessian() -> None:
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(1, 4, 4, 2)).astype(np.float32))
    f = tf.constant(rng.normal(size=(2, 2, 2, 3)).astype(np.float32))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(f)
        with tf.GradientTape() as inner:
            inner.watch([x, f])
            loss = tf.reduce_sum(tf.square(tf.nn.conv2d(x, f, 1, "VALID")))
        gx, gf = inner.gradient(loss, [x, f])
    assert gx.dtype == tf.float32 and gf.dtype == tf.float32
    h = outer.jacobian(gf, f).numpy().reshape(24, 24)
    # loss is quadratic in f: its Hessian is 2 * P^T P with P the im2col matrix of x
    xv = x.numpy()[0]
    cols = np.stack([xv[i:i + 2, j:j + 2].reshape(-1) for i in range(3) for j in range(3)])
    expect = np.kron(2 * cols.T @ cols, np.eye(3))
    np.testing.assert_allclose(h, expect, rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_checks_output_shape() -> None:
    g, f = np.ones((1, 4, 4, 3)), np.ones((2, 2, 2, 3))
    assert tf.nn.conv2d_transpose(g, f, [1, 8, 8, 2], 2, "SAME").shape == [1, 8, 8, 2]
    assert tf.nn.conv2d_transpose(g, f, [1, 7, 7, 2], 2, "SAME").shape == [1, 7, 7, 2]
    with pytest.raises(InvalidArgumentError):
        tf.nn.conv2d_transpose(g, f, [1, 9, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError):
        tf.nn.conv2d_transpose(g, np.ones((2, 2, 2, 4)), [1, 8, 8, 2], 2, "SAME")


# -- pooling ------------------------------------------------------------------------------------------------------

TIES = np.array([[1.0, 3.0, 3.0, 2.0], [3.0, 0.0, 1.0, 3.0], [0, 0, 0, 0], [0, 0, 0, 0]]).reshape(1, 4, 4, 1)


def test_max_pool_gradient_goes_to_the_first_max() -> None:
    (g,) = grads(lambda a: tf.nn.max_pool2d(a, 2, 2, "VALID"), TIES)
    np.testing.assert_array_equal(g.reshape(4, 4), [[0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    (g,) = grads(lambda a: tf.nn.max_pool2d(a, 2, 1, "VALID"), TIES)  # overlapping windows accumulate
    np.testing.assert_array_equal(g.reshape(4, 4), [[0, 2, 1, 0], [1, 0, 1, 1], [1, 1, 1, 0], [0, 0, 0, 0]])


def test_avg_pool_same_averages_valid_elements_only() -> None:
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    assert tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy().reshape(-1).tolist() == [2.0, 3.5, 6.5, 8.0]
    (g,) = grads(lambda a: tf.nn.avg_pool2d(a, 2, 2, "SAME"), x)
    np.testing.assert_allclose(g.reshape(-1), [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1.0])


def test_pooling_argument_errors_and_dtypes() -> None:
    with pytest.raises(TypeError):
        tf.nn.max_pool2d(np.ones((1, 5, 5, 2)), 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(InvalidArgumentError):
        tf.nn.max_pool2d(np.ones((5, 5, 2)), 2, 2, "VALID")
    with pytest.raises(InvalidArgumentError):
        tf.nn.max_pool2d(np.ones((1, 5, 5, 4)), 6, 2, "VALID")
    with pytest.raises(ValueError):
        tf.nn.max_pool2d(np.ones((1, 5, 5, 2)), [2, 2, 2], 2, "VALID")
    with pytest.raises(InvalidArgumentError):
        tf.nn.avg_pool2d(tf.ones([1, 4, 4, 1], tf.int32), 2, 2, "VALID")
    y = tf.nn.max_pool2d(tf.constant(np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)), 2, 2, "VALID")
    assert y.dtype == tf.int32 and y.numpy().reshape(-1).tolist() == [5, 7, 13, 15]
    nchw = tf.nn.max_pool2d(np.transpose(TIES, (0, 3, 1, 2)), 2, 2, "VALID", data_format="NCHW").numpy()
    np.testing.assert_array_equal(nchw.reshape(-1), [3.0, 3.0, 0.0, 0.0])


def test_max_pool_second_order_is_zero_and_jacobian_is_selection() -> None:
    x = tf.constant(np.random.default_rng(4).normal(size=(1, 4, 4, 1)))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.nn.max_pool2d(x, 2, 2, "VALID")
            loss = tf.reduce_sum(y * y)
        g = inner.gradient(loss, x)
    j = outer.jacobian(y, x).numpy().reshape(4, 16)
    assert np.all(j.sum(axis=1) == 1) and set(np.unique(j).tolist()) == {0.0, 1.0}
    h = outer.jacobian(g, x).numpy().reshape(16, 16)  # d/dx of 2 * scatter(y): 2 * J^T J
    np.testing.assert_allclose(h, 2 * j.T @ j)


def test_fused_batch_norm_gradient_same_for_broadcast_and_contiguous_upstream() -> None:
    """A global pooling hands the batch norm a zero-stride broadcast upstream; the rule then works from per-sample
    sums (fewer passes). The gradients must be those of the same upstream given contiguous, to float32 rounding
    (the sums are taken in another order)."""
    from tapegrad._dispatch import applyn
    from tapegrad._registry import OPS

    rng = np.random.default_rng(3)
    x = tf.constant(rng.standard_normal((4, 3, 5, 6)).astype(np.float32))
    beta, gamma = (tf.constant(rng.standard_normal(6).astype(np.float32)) for _ in range(2))
    w = tf.constant(rng.standard_normal((4, 6)).astype(np.float32))
    params = {"has_offset": True, "has_scale": True, "eps": 1e-3}
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, beta, gamma])
        y = applyn(OPS["fused_batch_norm_train"], (x, beta, gamma), params)[0]
        loss = tf.reduce_sum(tf.reduce_mean(y, axis=[1, 2]) * w)
    broadcast = tape.gradient(loss, [x, beta, gamma])
    up = np.ascontiguousarray(np.broadcast_to((w.numpy() / 15)[:, None, None, :], (4, 3, 5, 6)))
    contiguous = tape.gradient(y, [x, beta, gamma], output_gradients=tf.constant(up))
    for a, b in zip(broadcast, contiguous):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("compiled", [False, True])
def test_jacobian_through_channel_sum_rules_keeps_the_batch_axes(compiled: bool) -> None:
    """bias_add's, the fused conv's and batch_normalization's bias/scale gradients sum channels with a GEMV; with a
    Jacobian's batched upstream they must leave its leading axes alone (they summed them too)."""
    from tapegrad.ops.convolution import conv2d_bias_act

    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((3, 4)))
    b = tf.constant(rng.standard_normal(4))

    def bias_jac(x, b):  # noqa: ANN001, ANN202
        with tf.GradientTape() as t:
            t.watch(b)
            y = tf.nn.relu(tf.nn.bias_add(x, b))
        return t.jacobian(y, b)

    fn = tf.function(bias_jac) if compiled else bias_jac
    mask = (x.numpy() + b.numpy() > 0).astype(float)
    ref = np.einsum("ij,jk->ijk", mask, np.eye(4))
    np.testing.assert_array_equal(fn(x, b).numpy(), ref)

    xi = tf.constant(rng.standard_normal((2, 4, 4, 2)))
    k, bb = tf.constant(rng.standard_normal((3, 3, 2, 3))), tf.constant(rng.standard_normal(3))
    off, sc = tf.constant(rng.standard_normal(2)), tf.constant(rng.standard_normal(2))

    def jacs(fused):  # noqa: ANN001, ANN202
        with tf.GradientTape(persistent=True) as t:
            t.watch([k, bb, off, sc])
            y = (conv2d_bias_act(xi, k, bb, 1, "SAME", 1, "relu") if fused
                 else tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(xi, k, 1, "SAME"), bb)))
            z = tf.nn.batch_normalization(xi, tf.constant([0.1, -0.2], tf.float64), tf.constant([1.5, 0.5], tf.float64),
                                          off, sc, 1e-3)
        return [t.jacobian(y, k), t.jacobian(y, bb), t.jacobian(z, off), t.jacobian(z, sc)]

    got = (tf.function(lambda: jacs(True)) if compiled else lambda: jacs(True))()
    want = jacs(False)
    for a, w in zip(got[:2], want[:2]):
        np.testing.assert_allclose(a.numpy(), w.numpy(), rtol=1e-12, atol=1e-12)
    eye = np.eye(2)
    np.testing.assert_allclose(got[2].numpy(), np.broadcast_to(eye, (2, 4, 4, 2, 2)), rtol=1e-12)
    xn = (xi.numpy() - [0.1, -0.2]) / np.sqrt(np.array([1.5, 0.5]) + 1e-3)
    np.testing.assert_allclose(got[3].numpy(), xn[..., None] * eye, rtol=1e-12, atol=1e-12)
