"""``tf.nn`` breadth programs (CTC loss and decoders, ...), run unchanged under TensorFlow and under tapegrad (the
harness of ``strings_ragged_programs.py``: ``python nn_ext_programs.py MODULE OUT``). Results are compared as text
(library prefix neutral, numbers at rtol 1e-5), exceptions by class. float32 gradients are compared shifted by 10
(about 1e-4 absolute: float32 roundings differ near zero; the float64 sparse-label cases check the values tightly).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def _plain(t: Any, shift: float = 0.0) -> Any:
    """A tensor as (dtype name, shape, nested list): list reprs have no column padding, so numbers compare alone."""
    a = np.asarray(t.numpy())
    return t.dtype.name, list(a.shape), (a.astype(np.float64) + shift if shift else a).tolist()


def _loss_grad(tf: Any, f: Callable[[Any], Any], x: np.ndarray, dtype: Any) -> Any:
    """f(x) and the gradient of a fixed weighting of it; float32 gradients are shifted by 10."""
    v = tf.constant(x, dtype)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = f(v)
        loss = tf.reduce_sum(y * tf.cast(tf.range(1, y.shape[0] + 1), y.dtype))
    g = tape.gradient(loss, v)
    return _plain(y), _plain(g, 10.0 if dtype == tf.float32 else 0.0)


def _sparse(st: Any) -> Any:
    return _plain(st.indices), _plain(st.values), _plain(st.dense_shape)


_LABELS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1], [2, 0, 0, 0]])
_LABEL_LEN = np.array([3, 2, 4, 1])
_LOGIT_LEN = np.array([7, 5, 7, 3], np.int32)


# -- ctc_loss, dense labels ----------------------------------------------------------------------------------------

@case
def ctc_dense_float32_time_major(tf: Any) -> Any:
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_LABELS, v, _LABEL_LEN, _LOGIT_LEN), _normal(7, 4, 5), tf.float32)


@case
def ctc_dense_float32_batch_major_blank_last(tf: Any) -> Any:
    lab = np.where(_LABELS == 4, 3, _LABELS)
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(lab, v, _LABEL_LEN, _LOGIT_LEN, logits_time_major=False,
                                                   blank_index=-1), _normal(4, 7, 5), tf.float32)


@case
def ctc_dense_float32_blank_in_the_middle(tf: Any) -> Any:
    lab = np.where(_LABELS == 2, 0, _LABELS)
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(lab, v, _LABEL_LEN, _LOGIT_LEN, blank_index=2),
                      _normal(7, 4, 5), tf.float32)


@case
def ctc_dense_with_unique(tf: Any) -> Any:
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_LABELS, v, _LABEL_LEN, _LOGIT_LEN,
                                                   unique=tf.nn.ctc_unique_labels(_LABELS)),
                      _normal(7, 4, 5), tf.float32)


@case
def ctc_dense_infeasible_and_empty(tf: Any) -> Any:
    # too few frames for the labels (TF's finite log(0) stand-in), an empty label sequence, zero frames
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_LABELS, v, [3, 0, 4, 1], [7, 5, 3, 0]), _normal(7, 4, 5),
                      tf.float32)


@case
def ctc_dense_int32_labels_float16(tf: Any) -> Any:
    y = tf.nn.ctc_loss(tf.constant(_LABELS, tf.int32), tf.constant(_normal(7, 4, 5), tf.float16),
                       tf.constant(_LABEL_LEN, tf.int32), _LOGIT_LEN)
    return y.dtype.name, list(y.shape)


# -- ctc_loss, sparse labels (the CTCLoss kernel; float64) -----------------------------------------------------------

def _sparse_labels(tf: Any, lab: np.ndarray = _LABELS, lengths: np.ndarray = _LABEL_LEN) -> Any:
    idx = [[b, j] for b in range(lab.shape[0]) for j in range(lengths[b])]
    vals = [lab[b, j] for b, j in idx]
    return tf.SparseTensor(np.array(idx, np.int64), np.array(vals, np.int32), [lab.shape[0], lab.shape[1]])


@case
def ctc_sparse_float64_blank_first(tf: Any) -> Any:
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_sparse_labels(tf), v, None, _LOGIT_LEN, blank_index=0),
                      _normal(7, 4, 5), tf.float64)


@case
def ctc_sparse_float64_blank_last_batch_major(tf: Any) -> Any:
    lab = np.where(_LABELS == 4, 0, _LABELS)
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_sparse_labels(tf, lab), v, None, _LOGIT_LEN,
                                                   logits_time_major=False, blank_index=-1),
                      _normal(4, 7, 5), tf.float64)


@case
def ctc_sparse_float32(tf: Any) -> Any:
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_sparse_labels(tf), v, None, _LOGIT_LEN, blank_index=2),
                      _normal(7, 4, 5), tf.float32)


@case
def ctc_sparse_no_valid_path(tf: Any) -> Any:
    # [4, 4, 4, 1] needs 7 frames (blanks between the repeats): 5 frames give inf and the softmax as gradient
    return _loss_grad(tf, lambda v: tf.nn.ctc_loss(_sparse_labels(tf), v, None, [7, 5, 5, 3], blank_index=0),
                      _normal(7, 4, 5), tf.float64)


@case
def ctc_sparse_fewer_frames_than_labels(tf: Any) -> Any:
    return tf.nn.ctc_loss(_sparse_labels(tf), tf.constant(_normal(7, 4, 5)), None, [7, 1, 7, 3], blank_index=0)


@case
def ctc_sparse_empty_row(tf: Any) -> Any:
    return tf.nn.ctc_loss(_sparse_labels(tf, lengths=np.array([3, 0, 4, 1])), tf.constant(_normal(7, 4, 5)), None,
                          _LOGIT_LEN, blank_index=0)


@case
def ctc_sparse_without_blank_index(tf: Any) -> Any:
    return tf.nn.ctc_loss(_sparse_labels(tf), tf.constant(_normal(7, 4, 5)), None, _LOGIT_LEN)


@case
def ctc_sparse_int64_values(tf: Any) -> Any:
    st = tf.sparse.from_dense(tf.constant(_LABELS[:, :3], tf.int64))
    return tf.nn.ctc_loss(st, tf.constant(_normal(7, 4, 5)), None, _LOGIT_LEN, blank_index=0)


@case
def ctc_sparse_logit_length_too_long(tf: Any) -> Any:
    return tf.nn.ctc_loss(_sparse_labels(tf), tf.constant(_normal(7, 4, 5)), None, [8, 5, 7, 3], blank_index=0)


# -- decoders, unique labels, collapse_repeated -------------------------------------------------------------------

@case
def ctc_greedy_decoder_defaults(tf: Any) -> Any:
    (d,), score = tf.nn.ctc_greedy_decoder(tf.constant(_normal(8, 3, 4, seed=1)), [8, 5, 0])
    return _sparse(d), _plain(score)


@case
def ctc_greedy_decoder_no_merge_blank_first(tf: Any) -> Any:
    x = tf.constant(np.round(_normal(8, 3, 4, seed=2)), tf.float32)  # ties: the first largest class wins
    (d,), score = tf.nn.ctc_greedy_decoder(x, [8, 6, 7], merge_repeated=False, blank_index=0)
    (d2,), score2 = tf.nn.ctc_greedy_decoder(x, [8, 6, 7], blank_index=-2)
    return _sparse(d), _plain(score), _sparse(d2), _plain(score2)


@case
def ctc_greedy_decoder_bad_length(tf: Any) -> Any:
    return tf.nn.ctc_greedy_decoder(tf.constant(_normal(3, 2, 4)), [3, 4])


@case
def ctc_beam_search_float32(tf: Any) -> Any:
    decoded, logp = tf.nn.ctc_beam_search_decoder(tf.constant(_normal(9, 3, 5, seed=3), tf.float32), [9, 6, 2],
                                                  beam_width=4, top_paths=3)
    return [_sparse(d) for d in decoded], _plain(logp)


@case
def ctc_beam_search_float64_wide(tf: Any) -> Any:
    decoded, logp = tf.nn.ctc_beam_search_decoder(tf.constant(2.0 * _normal(12, 2, 4, seed=4)), [12, 9],
                                                  beam_width=10, top_paths=5)
    return [_sparse(d) for d in decoded], _plain(logp)


@case
def ctc_beam_search_narrow_beam(tf: Any) -> Any:
    decoded, logp = tf.nn.ctc_beam_search_decoder(tf.constant(_normal(10, 2, 6, seed=5)), [10, 10], beam_width=1)
    return [_sparse(d) for d in decoded], _plain(logp)


@case
def ctc_beam_search_too_many_paths(tf: Any) -> Any:
    return tf.nn.ctc_beam_search_decoder(tf.constant(_normal(3, 1, 3)), [3], beam_width=2, top_paths=3)


@case
def ctc_unique_labels_values(tf: Any) -> Any:
    y, idx = tf.nn.ctc_unique_labels(tf.constant([[3, 4, 4, 3, 0], [0, 0, 1, 2, 2]], tf.int32))
    return _plain(y), _plain(idx)


@case
def collapse_repeated_values(tf: Any) -> Any:
    y, n = tf.nn.collapse_repeated(tf.constant([[1, 1, 2, 2, 2], [3, 3, 3, 1, 1], [5, 5, 0, 0, 5]]),
                                   tf.constant([5, 3, 5], tf.int64))
    return _plain(y), _plain(n)


if __name__ == "__main__":
    _main(CASES)
