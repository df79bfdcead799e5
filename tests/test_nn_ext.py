"""tf.nn breadth in ops/nn_ext.py: block rearrangements are inverse adjoint pairs, the rank-generic convolutions
dispatch like TF, the moment helpers agree with tf.nn.moments, and the docstring/doc examples run (TF's values and
gradients are compared in tests/conformance/test_nn_ext_vs_tf.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, NotFoundError


def test_space_depth_round_trip_and_adjoint() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 4, 6, 3)), rng.normal(size=(2, 2, 3, 12))
    s = tf.nn.space_to_depth(tf.constant(x), 2)
    np.testing.assert_array_equal(tf.nn.depth_to_space(s, 2).numpy(), x)
    # <S x, y> == <x, S^T y> with S^T = depth_to_space
    np.testing.assert_allclose(np.sum(s.numpy() * y), np.sum(x * tf.nn.depth_to_space(tf.constant(y), 2).numpy()))
    with pytest.raises(NotFoundError):
        tf.nn.depth_to_space(tf.ones([1, 8, 2, 2]), 2, data_format="NCHW")
    with pytest.raises(InvalidArgumentError, match="divisible"):
        tf.nn.space_to_depth(tf.ones([1, 4, 5, 1]), 2)


def test_convolution_matches_the_ranked_ops() -> None:
    rng = np.random.default_rng(1)
    x, w = tf.constant(rng.normal(size=(2, 7, 6, 3))), tf.constant(rng.normal(size=(3, 2, 3, 4)))
    np.testing.assert_allclose(tf.nn.convolution(x, w, strides=[2, 1], padding="SAME").numpy(),
                               tf.nn.conv2d(x, w, [1, 2, 1, 1], "SAME").numpy())
    y = tf.nn.convolution(tf.reshape(x, [1, 2, 7, 6, 3]), w, dilations=2)
    np.testing.assert_allclose(y.numpy()[0], tf.nn.conv2d(x, w, 1, "VALID", dilations=2).numpy())
    with pytest.raises(ValueError):
        tf.nn.convolution(x, w, strides=[1, 2, 3])


def test_moment_helpers_agree_with_moments() -> None:
    x = tf.constant(np.random.default_rng(2).normal(size=(4, 5)))
    m, v = tf.nn.normalize_moments(*tf.nn.sufficient_statistics(x, [0], shift=tf.constant(0.3, tf.float64)))
    mm, vv = tf.nn.moments(x, [0])
    np.testing.assert_allclose(m.numpy(), mm.numpy())
    np.testing.assert_allclose(v.numpy(), vv.numpy())
    wm, wv = tf.nn.weighted_moments(x, [0], tf.ones([4, 1], tf.float64))
    np.testing.assert_allclose(wm.numpy(), mm.numpy())
    np.testing.assert_allclose(wv.numpy(), vv.numpy())


def test_docstring_examples_run() -> None:
    import doctest

    from tapegrad.ops import nn_ext

    r = doctest.testmod(nn_ext, optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 25 and r.failed == 0


def test_sampled_losses_match_a_direct_computation_and_accept_float64() -> None:
    rng = np.random.default_rng(3)
    w, b, x = rng.normal(size=(8, 3)), rng.normal(size=8), rng.normal(size=(2, 3))
    labels = np.array([[1], [6]])
    sampled = tf.constant(np.array([0, 2, 6], np.int64))
    tc, sc = tf.constant([[0.5], [0.25]], tf.float32), tf.constant([0.1, 0.2, 0.4], tf.float32)
    y = tf.nn.sampled_softmax_loss(tf.constant(w), tf.constant(b), labels, tf.constant(x), 3, 8,
                                   sampled_values=(sampled, tc, sc))
    true_logit = np.sum(x * w[labels[:, 0]], 1) + b[labels[:, 0]] - np.log(tc.numpy()[:, 0])
    samp = x @ w[[0, 2, 6]].T + b[[0, 2, 6]] - np.log(sc.numpy())
    samp[1, 2] += -np.finfo(np.float32).max  # class 6 is row 1's true class: an accidental hit is removed
    logits = np.concatenate([true_logit[:, None], samp], 1)
    ref = -true_logit + np.log(np.sum(np.exp(logits - logits.max(1, keepdims=True)), 1)) + logits.max(1)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-6)
    assert y.dtype == tf.float64


def test_argmax_gather_is_exact_to_second_order() -> None:
    x = tf.constant(np.random.default_rng(4).normal(size=(1, 4, 4, 2)))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            v, arg = tf.nn.max_pool_with_argmax(x, 2, 2, "VALID")
            y = tf.reduce_sum(v * v)
        g = inner.gradient(y, x)
        z = tf.reduce_sum(g * g)
    # g = 2 v at the argmax pixels, else 0: d/dx sum(g^2) = 8 x there
    flat = np.zeros(32)
    flat[arg.numpy().reshape(-1)] = 1.0
    np.testing.assert_allclose(outer.gradient(z, x).numpy().reshape(-1), 8 * x.numpy().reshape(-1) * flat)


def test_data_dependent_positions_are_recomputed_in_compiled_functions() -> None:
    @tf.function
    def f(x: tf.Tensor) -> list[tf.Tensor]:
        v, arg = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
        y, seg = tf.nn.isotonic_regression(tf.reshape(x, [2, -1]))
        d = tf.nn.dilation2d(x, tf.zeros([2, 2, 2], tf.float64), [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1])
        (dec,), _ = tf.nn.ctc_greedy_decoder(tf.reshape(x, [4, 2, 4]), [4, 3])
        return [v, arg, y, seg, d, dec.values]

    rng = np.random.default_rng(5)
    for _ in range(3):
        x = tf.constant(rng.normal(size=(2, 4, 2, 2)))
        for got, want in zip(f(x), f.python_function(x)):
            np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_isotonic_regression_fits_and_keeps_equal_neighbours_apart() -> None:
    y, seg = tf.nn.isotonic_regression(tf.constant([[2.0, 2.0, 1.0, 3.0]]))
    np.testing.assert_allclose(y.numpy(), [[2.0, 2.0, 2.0, 2.0]])
    assert seg.numpy().tolist() == [[0, 1, 2, 2]] and seg.dtype == tf.int32  # equal means are not merged
    y, seg = tf.nn.isotonic_regression(tf.constant([[3.0, 3.0, 1.0]]))
    assert seg.numpy().tolist() == [[0, 1, 2]]
    y, _ = tf.nn.isotonic_regression(tf.constant([[1, 3, 2]], tf.int8), decreasing=False)
    assert y.dtype == tf.float32 and y.numpy().tolist() == [[1.0, 2.5, 2.5]]


def test_fractional_pools_cover_the_input_with_their_regions() -> None:
    x = tf.constant(np.random.default_rng(6).normal(size=(2, 9, 7, 3)))
    mx = tf.nn.fractional_max_pool(x, [1.0, 1.5, 1.4, 1.0], pseudo_random=True, seed=8)
    av = tf.nn.fractional_avg_pool(x, [1.0, 1.5, 1.4, 1.0], pseudo_random=True, seed=8)
    rows, cols = mx.row_pooling_sequence.numpy(), mx.col_pooling_sequence.numpy()
    assert rows.tolist() == av.row_pooling_sequence.numpy().tolist()  # one seed, one stream: the same regions
    assert rows[0] == 0 and rows[-1] == 9 and cols[-1] == 7 and set(np.diff(rows)) <= {1, 2}
    v = x.numpy()
    for i in range(len(rows) - 1):
        for j in range(len(cols) - 1):
            block = v[:, rows[i]:rows[i + 1], cols[j]:cols[j + 1], :]
            np.testing.assert_allclose(mx.output.numpy()[:, i, j], block.max(axis=(1, 2)))
            np.testing.assert_allclose(av.output.numpy()[:, i, j], block.mean(axis=(1, 2)))


def test_rnn_cell_wrappers_run_inside_keras_rnn() -> None:
    import doctest

    from tapegrad.keras.layers import rnn_cell_wrappers

    assert doctest.testmod(rnn_cell_wrappers).failed == 0
    cell = tf.keras.layers.LSTMCell(4)
    rnn = tf.keras.layers.RNN(tf.nn.RNNCellResidualWrapper(cell), return_sequences=True)
    x = tf.constant(np.random.default_rng(7).normal(size=(2, 5, 4)).astype(np.float32))
    plain = tf.keras.layers.RNN(cell, return_sequences=True)(x)
    np.testing.assert_allclose(rnn(x).numpy(), plain.numpy() + x.numpy(), atol=1e-6)
    assert len(rnn.trainable_weights) == 3  # the wrapped cell's
    with pytest.raises(TypeError):
        tf.nn.RNNCellDeviceWrapper(cell, 0)
