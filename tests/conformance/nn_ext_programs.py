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


# -- space_to_depth / depth_to_space --------------------------------------------------------------------------------

def _grads(tf: Any, f: Callable[..., Any], *arrays: np.ndarray) -> Any:
    """f(*arrays) in float64 and its gradients with respect to every input (a fixed cosine weighting)."""
    vs = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for v in vs:
            tape.watch(v)
        y = f(*vs)
        w = tf.constant(np.cos(np.arange(int(np.prod(y.shape.as_list())))).reshape(y.shape.as_list()), y.dtype)
        loss = tf.reduce_sum(y * w)
    return _plain(y), [None if g is None else _plain(g) for g in tape.gradient(loss, vs)]


@case
def space_to_depth_and_back_with_gradients(tf: Any) -> Any:
    x = _normal(2, 4, 6, 3)
    return (_grads(tf, lambda v: tf.nn.space_to_depth(v, 2), x),
            _grads(tf, lambda v: tf.nn.depth_to_space(v, 3), _normal(1, 2, 3, 18)),
            _plain(tf.nn.space_to_depth(tf.reshape(tf.range(36), [1, 6, 6, 1]), 3)))


@case
def space_to_depth_block_one(tf: Any) -> Any:
    return tf.nn.space_to_depth(tf.ones([1, 4, 4, 1]), 1)


@case
def space_to_depth_not_divisible(tf: Any) -> Any:
    return tf.nn.space_to_depth(tf.ones([1, 4, 6, 1]), 4)


@case
def depth_to_space_depth_not_divisible(tf: Any) -> Any:
    return tf.nn.depth_to_space(tf.ones([1, 2, 2, 6]), 2)


@case
def space_to_depth_rank3(tf: Any) -> Any:
    return tf.nn.space_to_depth(tf.ones([4, 4, 3]), 2)


@case
def space_to_depth_nchw_on_cpu(tf: Any) -> Any:
    return tf.nn.space_to_depth(tf.ones([1, 3, 4, 4]), 2, data_format="NCHW")


# -- convolution, conv_transpose, atrous_conv2d_transpose -----------------------------------------------------------

@case
def convolution_1d_2d_3d_with_gradients(tf: Any) -> Any:
    return (_grads(tf, lambda x, w: tf.nn.convolution(x, w, strides=2, padding="SAME"), _normal(2, 9, 3),
                   _normal(3, 3, 4, seed=1)),
            _grads(tf, lambda x, w: tf.nn.convolution(x, w, padding="VALID", dilations=2), _normal(1, 7, 6, 2),
                   _normal(2, 3, 2, 3, seed=1)),
            # (TF's 3-D gradient needs an explicit data_format: None fails in its gradient function)
            _grads(tf, lambda x, w: tf.nn.convolution(x, w, strides=[1, 2, 1], padding="SAME", data_format="NDHWC"),
                   _normal(1, 4, 5, 3, 2), _normal(2, 2, 2, 2, 3, seed=1)),
            _plain(tf.nn.convolution(tf.constant(_normal(1, 4, 5, 3, 2)), tf.constant(_normal(2, 2, 2, 2, 3, seed=1)),
                                     strides=[1, 2, 1], padding="SAME")))


@case
def convolution_extra_batch_dims(tf: Any) -> Any:
    return _grads(tf, lambda x, w: tf.nn.convolution(x, w, padding="SAME"), _normal(2, 3, 5, 5, 2),
                  _normal(3, 3, 2, 2, seed=1))


@case
def conv_transpose_ranks_with_gradients(tf: Any) -> Any:
    return (_grads(tf, lambda x, w: tf.nn.conv_transpose(x, w, [2, 10, 3], strides=2), _normal(2, 5, 4),
                   _normal(3, 3, 4, seed=1)),
            _grads(tf, lambda x, w: tf.nn.conv_transpose(x, w, [1, 7, 7, 2], strides=2, padding="VALID"),
                   _normal(1, 3, 3, 3), _normal(3, 3, 2, 3, seed=1)),
            _grads(tf, lambda x, w: tf.nn.conv_transpose(x, w, (1, 4, 4, 4, 2), strides=[1, 2, 2, 2, 1]),
                   _normal(1, 2, 2, 2, 3), _normal(2, 2, 2, 2, 3, seed=1)))


@case
def conv_transpose_bad_output_shape(tf: Any) -> Any:
    return tf.nn.conv_transpose(tf.ones([1, 3, 3, 3, 3, 1]), tf.ones([1, 1, 1, 1, 1, 1]), [1, 3, 3, 3, 3, 1], 1)


@case
def atrous_conv2d_transpose_rates_and_paddings(tf: Any) -> Any:
    w = _normal(3, 3, 2, 3, seed=1)
    return (_grads(tf, lambda x, f: tf.nn.atrous_conv2d_transpose(x, f, [2, 9, 9, 2], 2, "VALID"),
                   _normal(2, 5, 5, 3), w),
            _grads(tf, lambda x, f: tf.nn.atrous_conv2d_transpose(x, f, [1, 6, 7, 2], 3, "SAME"), _normal(1, 6, 7, 3),
                   w),
            _grads(tf, lambda x, f: tf.nn.atrous_conv2d_transpose(x, f, [1, 5, 5, 2], 1, "SAME"), _normal(1, 5, 5, 3),
                   w))


@case
def atrous_conv2d_transpose_rate_zero(tf: Any) -> Any:
    return tf.nn.atrous_conv2d_transpose(tf.ones([1, 3, 3, 1]), tf.ones([1, 1, 1, 1]), [1, 3, 3, 1], 0, "SAME")


@case
def atrous_conv2d_transpose_channel_mismatch(tf: Any) -> Any:
    return tf.nn.atrous_conv2d_transpose(tf.ones([1, 3, 3, 2]), tf.ones([1, 1, 1, 1]), [1, 3, 3, 1], 2, "SAME")


# -- small composites -------------------------------------------------------------------------------------------------

@case
def crelu_axes_with_gradients(tf: Any) -> Any:
    return (_grads(tf, lambda v: tf.nn.crelu(v), _normal(2, 3)), _grads(tf, lambda v: tf.nn.crelu(v, axis=0),
                                                                         _normal(2, 3)),
            _plain(tf.nn.crelu(tf.constant([[-1, 2]]))))


@case
def log_poisson_loss_values_and_gradients(tf: Any) -> Any:
    t = np.array([[0.0, 0.5, 1.0, 2.0, 7.0], [3.0, 1.5, 0.0, 10.0, 0.2]])
    return (_grads(tf, lambda v: tf.nn.log_poisson_loss(tf.constant(t), v), _normal(2, 5)),
            _grads(tf, lambda v: tf.nn.log_poisson_loss(tf.constant(t), v, compute_full_loss=True), _normal(2, 5)),
            _grads(tf, lambda tt: tf.nn.log_poisson_loss(tt, tf.constant(_normal(2, 5)), compute_full_loss=True),
                   t + 0.25))


@case
def log_poisson_loss_shape_mismatch(tf: Any) -> Any:
    return tf.nn.log_poisson_loss(tf.ones([2, 3]), tf.ones([3]))


@case
def sufficient_statistics_and_normalize_moments(tf: Any) -> Any:
    x = _normal(3, 4, 2)
    out = []
    for shift in (None, 0.5):
        for keepdims in (False, True):
            c, m, v, s = tf.nn.sufficient_statistics(tf.constant(x), [0, 2], shift=shift, keepdims=keepdims)
            mean, var = tf.nn.normalize_moments(c, m, v, s)
            out.append((_plain(c), _plain(m), _plain(v), None if s is None else _plain(s), _plain(mean),
                        _plain(var)))
    out.append(_grads(tf, lambda v: tf.stack(tf.nn.normalize_moments(*tf.nn.sufficient_statistics(v, [1]))), x))
    return out


@case
def weighted_moments_values_and_gradients(tf: Any) -> Any:
    x = _normal(3, 4)
    w = np.abs(_normal(3, 1, seed=1))
    return (_grads(tf, lambda v, f: tf.stack(tf.nn.weighted_moments(v, [0, 1], f)), x, w),
            _grads(tf, lambda v, f: tf.concat(tf.nn.weighted_moments(v, [1], f, keepdims=True), 1), x, w),
            [_plain(t) for t in tf.nn.weighted_moments(tf.constant(x, tf.float16), [0], tf.constant(w, tf.float16))],
            [_plain(t) for t in tf.nn.weighted_moments(tf.constant(x), [0], tf.zeros([3, 1], tf.float64))])


@case
def batch_norm_with_global_normalization_both_ways(tf: Any) -> Any:
    x, m, v, b, g = _normal(2, 3), _normal(3, seed=1), np.abs(_normal(3, seed=2)), _normal(3, seed=3), \
        _normal(3, seed=4)
    return (_grads(tf, lambda *a: tf.nn.batch_norm_with_global_normalization(*a, 1e-3, True), x, m, v, b, g),
            _grads(tf, lambda *a: tf.nn.batch_norm_with_global_normalization(*a, 1e-3, False), x, m, v, b, g))


@case
def zero_fraction_alias(tf: Any) -> Any:
    return _plain(tf.nn.zero_fraction(tf.constant([[0.0, 1.0], [0.0, 0.0]]))), \
        _plain(tf.nn.zero_fraction(tf.constant([0, 3, 0, 0, 5])))


# -- sampled losses ---------------------------------------------------------------------------------------------------

def _sampled_case(tf: Any, loss_fn: Callable[..., Any], num_true: int, shards: int = 1, **kw: Any) -> Any:
    """A sampled loss, its gradients with respect to the weight shards, biases and inputs (dense). float32: TF's
    sampled losses fail on float64 (they subtract the float32 expected counts without a cast)."""
    w = [tf.constant(_normal(12 // shards, 3, seed=10 + i), tf.float32) for i in range(shards)]
    b, x = tf.constant(_normal(12, seed=20), tf.float32), tf.constant(_normal(4, 3, seed=21), tf.float32)
    labels = np.array([[1, 5], [0, 11], [7, 7], [3, 2]])[:, :num_true]
    with tf.GradientTape() as tape:
        tape.watch(w + [b, x])
        y = loss_fn(w if shards > 1 else w[0], b, labels, x, num_sampled=5, num_classes=12, num_true=num_true, **kw)
        loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0, 4.0]))
    grads = tape.gradient(loss, w + [b, x])
    return _plain(y, 10.0), [_plain(tf.convert_to_tensor(g), 10.0) for g in grads]


@case
def nce_loss_given_samples(tf: Any) -> Any:
    sv = tf.random.log_uniform_candidate_sampler(np.array([[1], [0], [7], [3]]), 1, 5, True, 12, seed=3)
    return [_plain(v) for v in sv], _sampled_case(tf, tf.nn.nce_loss, 1, sampled_values=sv), \
        _sampled_case(tf, tf.nn.nce_loss, 1, sampled_values=sv, remove_accidental_hits=True)


@case
def nce_loss_two_true_sharded(tf: Any) -> Any:
    sv = tf.random.uniform_candidate_sampler(np.array([[1, 5], [0, 11], [7, 7], [3, 2]]), 2, 5, False, 12, seed=4)
    return _sampled_case(tf, tf.nn.nce_loss, 2, shards=3, sampled_values=sv, remove_accidental_hits=True)


@case
def sampled_softmax_loss_seeded_sampler(tf: Any) -> Any:
    return _sampled_case(tf, tf.nn.sampled_softmax_loss, 1, seed=9), \
        _sampled_case(tf, tf.nn.sampled_softmax_loss, 2, seed=9, remove_accidental_hits=False)


@case
def sampled_softmax_loss_bad_labels(tf: Any) -> Any:
    return tf.nn.sampled_softmax_loss(tf.ones([12, 3]), tf.zeros([12]), tf.constant([[1, 2]]), tf.ones([1, 3]), 5, 12,
                                      seed=1)


@case
def sampled_softmax_loss_float64(tf: Any) -> Any:
    return tf.nn.sampled_softmax_loss(tf.ones([12, 3], tf.float64), tf.zeros([12], tf.float64), tf.constant([[1]]),
                                      tf.ones([1, 3], tf.float64), 5, 12, seed=1)


# -- max_pool_with_argmax, dilation2d, erosion2d --------------------------------------------------------------------

@case
def max_pool_with_argmax_paddings_and_gradients(tf: Any) -> Any:
    x = _normal(2, 5, 6, 3)
    out = []
    for ksize, strides, padding in ((2, 2, "VALID"), (3, [2, 1], "SAME"), ([1, 3, 2, 1], [1, 1, 2, 1], "SAME")):
        for batch in (False, True):
            v, a = tf.nn.max_pool_with_argmax(tf.constant(x), ksize, strides, padding, include_batch_in_index=batch)
            out.append((_plain(v), _plain(a)))
        out.append(_grads(tf, lambda t, k=ksize, s=strides, p=padding: tf.nn.max_pool_with_argmax(t, k, s, p)[0], x))
    return out


@case
def max_pool_with_argmax_ties_int32_index(tf: Any) -> Any:
    x = np.round(_normal(1, 4, 4, 2, seed=3))  # many ties: the first maximum wins
    v, a = tf.nn.max_pool_with_argmax(tf.constant(x, tf.float32), 2, 1, "VALID", output_dtype=tf.int32)
    return _plain(v), _plain(a), _grads(tf, lambda t: tf.nn.max_pool_with_argmax(t, 2, 1, "VALID")[0], x)


@case
def max_pool_with_argmax_nchw(tf: Any) -> Any:
    return tf.nn.max_pool_with_argmax(tf.ones([1, 2, 4, 4]), 2, 2, "VALID", data_format="NCHW")


@case
def dilation2d_and_erosion2d_with_gradients(tf: Any) -> Any:
    x, w = _normal(2, 6, 5, 2), 0.5 * _normal(3, 2, 2, seed=1)
    out = []
    for strides, rates, padding in (([1, 1, 1, 1], [1, 1, 1, 1], "VALID"), ([1, 2, 1, 1], [1, 1, 2, 1], "SAME"),
                                    ([1, 1, 2, 1], [1, 2, 1, 1], "VALID")):
        out.append(_grads(tf, lambda a, b, s=strides, r=rates, p=padding: tf.nn.dilation2d(a, b, s, p, "NHWC", r), x,
                          w))
        out.append(_grads(tf, lambda a, b, s=strides, r=rates, p=padding: tf.nn.erosion2d(a, b, s, p, "NHWC", r), x,
                          w))
    return out


@case
def dilation2d_depth_mismatch(tf: Any) -> Any:
    return tf.nn.dilation2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 3]), [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1])


# -- isotonic_regression ----------------------------------------------------------------------------------------------

@case
def isotonic_regression_values_segments_gradients(tf: Any) -> Any:
    x = _normal(3, 7)
    y, seg = tf.nn.isotonic_regression(tf.constant(x))
    y2, seg2 = tf.nn.isotonic_regression(tf.constant(x), decreasing=False, axis=0)
    return (_plain(y), _plain(seg), _plain(y2), _plain(seg2),
            _grads(tf, lambda v: tf.nn.isotonic_regression(v)[0], x),
            _grads(tf, lambda v: tf.nn.isotonic_regression(v, decreasing=False, axis=0)[0], x))


@case
def isotonic_regression_ties_and_dtypes(tf: Any) -> Any:
    out = []
    for row in ([2.0, 2.0, 1.0, 3.0], [3.0, 3.0, 1.0], [1.0, 1.0, 1.0, 3.0, 2.0, 2.0], [0.0, 1.0, 0.0, 1.0]):
        y, seg = tf.nn.isotonic_regression(tf.constant([row]))
        out.append((_plain(y), _plain(seg)))
    for dt in (tf.float32, tf.float16, tf.int8, tf.int32, tf.int64):
        y, seg = tf.nn.isotonic_regression(tf.constant([[1, 3, 2, 5]], dt), decreasing=False)
        out.append((_plain(y), _plain(seg)))
    return out


# -- with_space_to_batch, pool, depthwise convolution backprops -----------------------------------------------------

@case
def with_space_to_batch_conv_and_pool(tf: Any) -> Any:
    w = _normal(3, 3, 2, 2, seed=1)

    def conv(x: Any) -> Any:
        return tf.nn.with_space_to_batch(x, [2, 3], "SAME", lambda t, n, p: tf.nn.conv2d(t, tf.constant(w), 1, p),
                                         filter_shape=[3, 3])

    return (_grads(tf, conv, _normal(2, 7, 8, 2)),
            _plain(tf.nn.with_space_to_batch(tf.constant(_normal(1, 9, 2)), [3], "VALID",
                                             lambda t, n, p: tf.nn.max_pool1d(t, 2, 1, p))),
            _plain(tf.nn.with_space_to_batch(tf.constant(_normal(1, 5, 5, 1)), [1, 1], "SAME",
                                             lambda t, n, p: tf.nn.avg_pool2d(t, 3, 1, p))))


@case
def with_space_to_batch_same_without_filter_shape(tf: Any) -> Any:
    return tf.nn.with_space_to_batch(tf.ones([1, 4, 4, 1]), [2, 2], "SAME", lambda t, n, p: t)


@case
def pool_types_ranks_dilations(tf: Any) -> Any:
    out = []
    for kind in ("MAX", "AVG"):
        out.append(_grads(tf, lambda v, k=kind: tf.nn.pool(v, [3], k, dilations=[2]), _normal(2, 9, 3)))
        out.append(_grads(tf, lambda v, k=kind: tf.nn.pool(v, [2, 2], k, strides=[2, 1], padding="SAME"),
                          _normal(1, 5, 6, 2)))
        out.append(_grads(tf, lambda v, k=kind: tf.nn.pool(v, [2, 2], k, dilations=[2, 3]), _normal(1, 7, 8, 2)))
        # (TF's 3-D pooling kernels take no float64)
        out.append(_loss_grad(tf, lambda v, k=kind: tf.nn.pool(v, [2, 2, 2], k, strides=[2, 2, 2]),
                              _normal(1, 4, 4, 4, 1), tf.float32))
    return out


@case
def pool_int_strides(tf: Any) -> Any:
    return tf.nn.pool(tf.ones([1, 6, 6, 1]), [2, 2], "MAX", strides=2)


@case
def pool_same_with_dilation(tf: Any) -> Any:
    return tf.nn.pool(tf.ones([1, 6, 1]), [2], "MAX", padding="SAME", dilations=[2])


@case
def pool_strides_larger_than_window(tf: Any) -> Any:
    return tf.nn.pool(tf.ones([1, 6, 1]), [2], "AVG", strides=[3])


@case
def depthwise_conv2d_backprops_with_gradients(tf: Any) -> Any:
    x, f, g = _normal(2, 6, 5, 3), _normal(3, 2, 3, 2, seed=1), _normal(2, 3, 5, 6, seed=2)
    return (_grads(tf, lambda ff, gg: tf.nn.depthwise_conv2d_backprop_input([2, 6, 5, 3], ff, gg, [1, 2, 1, 1],
                                                                            "SAME"), f, g),
            _grads(tf, lambda xx, gg: tf.nn.depthwise_conv2d_backprop_filter(xx, [3, 2, 3, 2], gg, [1, 2, 1, 1],
                                                                             "SAME"), x, g),
            _grads(tf, lambda ff, gg: tf.nn.depthwise_conv2d_backprop_input([1, 7, 7, 3], ff, gg, [1, 1, 1, 1],
                                                                            "VALID", dilations=[1, 2, 2, 1]),
                   f, _normal(1, 3, 5, 6, seed=3)))


# -- fractional pooling (TF's Philox pooling sequences for a seed) ---------------------------------------------------

def _fractional(tf: Any, fn: Callable[..., Any], x: np.ndarray, **kw: Any) -> Any:
    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        out = fn(v, **kw)
        w = tf.constant(np.cos(np.arange(int(np.prod(out[0].shape.as_list())))).reshape(out[0].shape.as_list()))
        loss = tf.reduce_sum(out[0] * w)
    return _plain(out[0]), _plain(out[1]), _plain(out[2]), _plain(tape.gradient(loss, v))


@case
def fractional_max_pool_sequences_and_gradients(tf: Any) -> Any:
    x = _normal(2, 9, 11, 2)
    out = []
    for pseudo in (False, True):
        for overlap in (False, True):
            for seed in (3, 17):
                out.append(_fractional(tf, tf.nn.fractional_max_pool, x, pooling_ratio=[1.0, 1.44, 1.73, 1.0],
                                       pseudo_random=pseudo, overlapping=overlap, seed=seed))
    return out


@case
def fractional_pool_stream_continues_and_divisible_dims(tf: Any) -> Any:
    x = _normal(1, 8, 10, 1)
    # every call starts again from the seed's stream (the kernel re-seeds); a divisible dimension draws nothing
    return [_fractional(tf, tf.nn.fractional_max_pool, x, pooling_ratio=[1.0, 2.0, 1.5, 1.0], seed=5)
            for _ in range(3)]


@case
def fractional_avg_pool_sequences_and_gradients(tf: Any) -> Any:
    x = _normal(2, 10, 7, 3)
    return [_fractional(tf, tf.nn.fractional_avg_pool, x, pooling_ratio=r, pseudo_random=p, overlapping=o, seed=s)
            for r, p, o, s in (([1.0, 1.5, 1.3, 1.0], False, False, 4), ([1.0, 1.5, 1.3, 1.0], True, True, 4),
                               ([1.0, 1.7, 1.7, 1.0], True, False, 9), ([1.0, 2.5, 1.0, 1.0], False, True, 2))]


@case
def fractional_avg_pool_scalar_ratio(tf: Any) -> Any:
    return tf.nn.fractional_avg_pool(tf.ones([1, 5, 5, 1]), 1.7, seed=1)


@case
def fractional_max_pool_global_seed(tf: Any) -> Any:
    tf.random.set_seed(11)
    a = _fractional(tf, tf.nn.fractional_max_pool, _normal(1, 7, 7, 1), pooling_ratio=[1.0, 1.4, 1.4, 1.0], seed=2)
    tf.random.set_seed(11)
    b = _fractional(tf, tf.nn.fractional_max_pool, _normal(1, 7, 7, 1), pooling_ratio=[1.0, 1.4, 1.4, 1.0], seed=2)
    return a, b


@case
def fractional_pool_ratio_forms(tf: Any) -> Any:
    out = []
    for fn in (tf.nn.fractional_max_pool, tf.nn.fractional_avg_pool):
        for r in ([1.5, 1.5], 1.5):
            try:
                out.append(_plain(fn(tf.ones([1, 5, 5, 1]), r, seed=1)[0]))
            except Exception as e:  # noqa: BLE001
                out.append(type(e).__name__)
    return out


@case
def fractional_max_pool_batch_ratio(tf: Any) -> Any:
    return tf.nn.fractional_max_pool(tf.ones([2, 4, 4, 1]), [2.0, 1.5, 1.5, 1.0], seed=1)


@case
def fractional_max_pool_ratio_below_one(tf: Any) -> Any:
    return tf.nn.fractional_max_pool(tf.ones([1, 4, 4, 1]), [1.0, 0.5, 1.5, 1.0], seed=1)


@case
def general_dropout_with_a_generator(tf: Any) -> Any:
    g = tf.random.Generator.from_seed(7)
    out = [_plain(tf.nn.experimental.general_dropout(tf.constant(_normal(3, 4)), 0.4, g.uniform)),
           _plain(tf.nn.experimental.general_dropout(tf.constant(_normal(3, 4)), 0.3, g.uniform, noise_shape=[3, 1]))]
    out.append(_grads(tf, lambda v: tf.nn.experimental.general_dropout(
        v, 0.5, lambda shape, dtype: tf.random.stateless_uniform(shape, [1, 2], dtype=dtype)), _normal(2, 5)))
    return out


@case
def general_dropout_rate_one(tf: Any) -> Any:
    return tf.nn.experimental.general_dropout(tf.ones([2]), 1.0, tf.random.uniform)


# -- RNN cell wrappers -------------------------------------------------------------------------------------------------

def _cell(tf: Any, kind: str, units: int) -> Any:
    init = {"kernel_initializer": tf.keras.initializers.Constant(0.1),
            "recurrent_initializer": tf.keras.initializers.Constant(-0.2), "bias_initializer": "zeros"}
    return getattr(tf.keras.layers, kind)(units, **init)


@case
def rnn_cell_residual_and_device_wrappers(tf: Any) -> Any:
    x = tf.constant(_normal(2, 3), tf.float32)
    res = tf.nn.RNNCellResidualWrapper(_cell(tf, "SimpleRNNCell", 3))
    out, st = res(x, [tf.constant(_normal(2, 3, seed=1), tf.float32)])
    custom = tf.nn.RNNCellResidualWrapper(_cell(tf, "SimpleRNNCell", 3), residual_fn=lambda i, o: i * o)
    out2, _ = custom(x, [tf.zeros([2, 3])])
    dev = tf.nn.RNNCellDeviceWrapper(_cell(tf, "GRUCell", 2), "/cpu:0")
    out3, st3 = dev(x, [tf.constant(_normal(2, 2, seed=2), tf.float32)])
    return (_plain(out, 10.0), [_plain(s, 10.0) for s in st], _plain(out2, 10.0), _plain(out3, 10.0),
            [_plain(s, 10.0) for s in st3], res.state_size, dev.output_size)


@case
def rnn_cell_residual_wrapper_shape_mismatch(tf: Any) -> Any:
    return tf.nn.RNNCellResidualWrapper(_cell(tf, "SimpleRNNCell", 2))(tf.ones([1, 3]), [tf.zeros([1, 2])])


if __name__ == "__main__":
    _main(CASES)
