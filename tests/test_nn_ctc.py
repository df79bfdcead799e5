"""tf.nn CTC: ctc_loss (dense and sparse labels) against a brute-force alignment sum, gradients vs central
differences, TF's argument errors and edge values, the decoders and label helpers (TF's values are checked in
tests/conformance/test_nn_ext_vs_tf.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import FailedPreconditionError, InvalidArgumentError
from tapegrad.ops.ctc import _ref_ctc

LABELS = np.array([[1, 2, 2], [3, 1, 0]])
LL, GL = np.array([3, 2]), np.array([6, 4], np.int32)


def _logits(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(6, 2, 4))


def _sparse(labels: np.ndarray = LABELS, lengths: np.ndarray = LL) -> tf.SparseTensor:
    idx = [[b, j] for b in range(len(labels)) for j in range(lengths[b])]
    return tf.SparseTensor(np.array(idx, np.int64), np.array([labels[b, j] for b, j in idx], np.int32), [2, 3])


@pytest.mark.parametrize("sparse", [False, True])
def test_loss_is_the_alignment_sum_and_gradient_matches_differences(sparse: bool) -> None:
    x0 = _logits()

    def loss(v: tf.Tensor) -> tf.Tensor:
        if sparse:
            return tf.nn.ctc_loss(_sparse(), v, None, GL, blank_index=0)
        return tf.nn.ctc_loss(LABELS, v, LL, GL)

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = loss(x)
        total = tf.reduce_sum(y * tf.constant([1.0, 2.0], tf.float64))
    np.testing.assert_allclose(y.numpy(), _ref_ctc(x0, LABELS, LL, GL, 0), rtol=1e-10)
    g = tape.gradient(total, x).numpy()
    num = np.zeros_like(x0)
    eps = 1e-6
    for i in np.ndindex(*x0.shape):
        d = np.zeros_like(x0)
        d[i] = eps
        num[i] = (np.dot(loss(tf.constant(x0 + d)).numpy(), [1, 2]) - np.dot(loss(tf.constant(x0 - d)).numpy(),
                                                                              [1, 2])) / (2 * eps)
    np.testing.assert_allclose(g, num, atol=1e-6)
    assert np.all(g[4:, 1] == 0.0)  # frames past logit_length get no gradient


def test_second_derivative_raises_lookup_error_as_tf() -> None:
    x = tf.constant(_logits())
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.ctc_loss(LABELS, x, LL, GL))
        g = inner.gradient(y, x)
    with pytest.raises(LookupError):
        outer.gradient(g, x)


def test_dense_infeasible_is_finite_and_float16_keeps_dtype() -> None:
    y = tf.nn.ctc_loss(np.array([[1, 1, 1]]), tf.constant(_logits()[:, :1], tf.float32), [3], [3])
    assert 700 < float(y[0]) < 720  # TF's log(0) stand-in, not inf
    h = tf.nn.ctc_loss(LABELS, tf.constant(_logits(), tf.float16), LL, GL)
    assert h.dtype == tf.float16 and h.shape == (2,)


def test_sparse_kernel_errors_and_no_path() -> None:
    x = tf.constant(_logits())
    with pytest.raises(ValueError, match="blank_index"):
        tf.nn.ctc_loss(_sparse(), x, None, GL)
    with pytest.raises(InvalidArgumentError, match="empty"):
        tf.nn.ctc_loss(_sparse(lengths=np.array([3, 0])), x, None, GL, blank_index=0)
    with pytest.raises(InvalidArgumentError, match="not enough frames"):
        tf.nn.ctc_loss(_sparse(), x, None, [6, 1], blank_index=0)
    y = tf.nn.ctc_loss(_sparse(np.array([[2, 2, 2], [3, 1, 0]])), x, None, [4, 4], blank_index=0)
    assert np.isinf(y.numpy()[0]) and np.isfinite(y.numpy()[1])


def test_greedy_decoder_merges_and_drops_blanks() -> None:
    x = np.full((5, 1, 3), -5.0)
    for t, c in enumerate([0, 0, 2, 0, 1]):
        x[t, 0, c] = 1.0
    (d,), score = tf.nn.ctc_greedy_decoder(tf.constant(x), [5])
    assert d.values.numpy().tolist() == [0, 0, 1] and d.dense_shape.numpy().tolist() == [1, 3]
    assert float(score[0, 0]) == -5.0
    (d,), _ = tf.nn.ctc_greedy_decoder(tf.constant(x), [5], merge_repeated=False, blank_index=0)
    assert d.values.numpy().tolist() == [2, 1]
    with pytest.raises(FailedPreconditionError):
        tf.nn.ctc_greedy_decoder(tf.constant(x), [6])


def test_beam_search_finds_the_most_probable_labelling() -> None:
    # per-frame probabilities where the best path ("-" "-") is not the best labelling (collapsed "0")
    p = np.array([[[0.4, 0.0, 0.6]], [[0.4, 0.0, 0.6]]]) + 1e-12
    decoded, logp = tf.nn.ctc_beam_search_decoder(tf.constant(np.log(p)), [2], beam_width=3, top_paths=2)
    assert [d.values.numpy().tolist() for d in decoded] == [[0], []]
    np.testing.assert_allclose(np.exp(logp.numpy()), [[0.64, 0.36]], rtol=1e-6)
    with pytest.raises(InvalidArgumentError):
        tf.nn.ctc_beam_search_decoder(tf.constant(np.log(p)), [2], beam_width=1, top_paths=2)


def test_unique_labels_and_collapse_repeated() -> None:
    y, idx = tf.nn.ctc_unique_labels(tf.constant([[2, 2, 5, 2]]))
    assert y.numpy().tolist() == [[2, 5, 0, 0]] and idx.numpy().tolist() == [[0, 0, 1, 0]]
    assert y.dtype == tf.int64 and idx.dtype == tf.int32
    c, n = tf.nn.collapse_repeated(tf.constant([[7, 7, 8], [1, 2, 2]]), tf.constant([3, 1], tf.int64))
    assert c.numpy().tolist() == [[7, 8], [1, 0]] and n.numpy().tolist() == [2, 1] and n.dtype == tf.int64


def test_docstring_and_docs_examples_run() -> None:
    import doctest
    from pathlib import Path

    from tapegrad.ops import ctc

    r = doctest.testmod(ctc, optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 10 and r.failed == 0
    page = Path(__file__).resolve().parents[1] / "docs" / "nn_ext.md"
    r = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 5 and r.failed == 0
