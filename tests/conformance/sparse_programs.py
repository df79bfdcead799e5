"""``tf.sparse``, SparseTensor operators, segment ops, composite specs and ``tf.shape`` of ragged/sparse tensors, run
unchanged under TensorFlow and under tapegrad (the harness of ``strings_ragged_programs.py``: ``python
sparse_programs.py MODULE OUT``). Gradients are shown by kind (``dense``, ``IndexedSlices`` or ``None``) and value,
so a test fails when tapegrad's gradient convention differs from the one TF registers.
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


def _st(tf: Any, values: Any = (1.0, 2.0), dtype: Any = None) -> Any:
    return tf.sparse.SparseTensor([[0, 0], [1, 2]], tf.constant(values, dtype or tf.float32), [3, 4])


def _kind(tf: Any, g: Any) -> Any:
    """A gradient as (kind, values…): dense, IndexedSlices (values, indices) or None."""
    if g is None:
        return None
    if isinstance(g, tf.IndexedSlices):
        return ("IndexedSlices", g.values.numpy().tolist(), g.indices.numpy().tolist())
    return ("dense", g.numpy().tolist())


def _grads(tf: Any, fn: Callable[..., Any], *values: Any) -> Any:
    """The value of ``fn(*xs)`` (a tensor, or a SparseTensor's values) and the gradient kinds wrt each x."""
    xs = [tf.constant(np.asarray(v, np.float64)) for v in values]
    with tf.GradientTape(persistent=True) as t:
        for x in xs:
            t.watch(x)
        y = fn(*xs)
        if isinstance(y, tf.sparse.SparseTensor):
            y = y.values
        w = tf.cast(tf.reshape(tf.range(1, tf.size(y) + 1), tf.shape(y)), y.dtype)
        loss = tf.reduce_sum(y * w)
    return y, [_kind(tf, g) for g in t.gradient(loss, xs)]


def _sp(tf: Any, idx: Any, v: Any, shape: Any) -> Any:
    return tf.sparse.SparseTensor(idx, v, shape)


IDX = [[0, 0], [1, 2]]
IDX3 = [[0, 1], [0, 3], [2, 0], [2, 2]]


# -- SparseTensor: attributes, methods, operators ----------------------------------------------------------------

@case
def st_attributes(tf: Any) -> Any:
    st = _st(tf)
    return st.shape, st.dtype, st.get_shape(), st.consumers(), st.with_values(tf.constant([3, 4])), st == st, bool(st)


@case
def st_from_value(tf: Any) -> Any:
    st = _st(tf)
    return tf.sparse.SparseTensor.from_value(st).values, tf.sparse.SparseTensor.from_value(st) is st


@case
def st_from_value_dense_raises(tf: Any) -> Any:
    return tf.sparse.SparseTensor.from_value(np.ones(2))


@case
def st_set_shape(tf: Any) -> Any:
    st = _st(tf)
    st.set_shape([3, None])
    return st.shape


@case
def st_set_shape_incompatible(tf: Any) -> Any:
    _st(tf).set_shape([3, 5])


@case
def st_spec(tf: Any) -> Any:
    s = tf.SparseTensorSpec([None, 4], tf.float32)
    st = _st(tf)
    return (s, s.shape, s.dtype, s.is_compatible_with(st), tf.SparseTensorSpec([None, 5]).is_compatible_with(st),
            tf.SparseTensorSpec([None, None]).is_compatible_with(tf.SparseTensorSpec([2, 3])),
            tf.SparseTensorSpec([None, None], tf.int32).is_compatible_with(st),
            tf.SparseTensorSpec.from_value(st), s == tf.SparseTensorSpec([None, 4]), st._type_spec,
            s.value_type is tf.sparse.SparseTensor)


@case
def st_shape_size_rank(tf: Any) -> Any:
    st = _st(tf)
    return tf.shape(st), tf.shape(st, out_type=tf.int64), tf.size(st), tf.rank(st), tf.is_tensor(st)


@case
def st_mul_dense(tf: Any) -> Any:
    d = np.arange(12.0).reshape(3, 4)
    return _grads(tf, lambda v, d: _sp(tf, IDX, v, [3, 4]) * d, [1.0, 2.0], d)


@case
def st_mul_broadcast_row(tf: Any) -> Any:
    return _grads(tf, lambda v, d: _sp(tf, IDX, v, [3, 4]) * d, [1.0, 2.0], [1.0, 2.0, 3.0, 4.0])


@case
def st_div_dense(tf: Any) -> Any:
    d = np.arange(1.0, 13.0).reshape(3, 4)
    return _grads(tf, lambda v, d: _sp(tf, IDX, v, [3, 4]) / d, [1.0, 2.0], d)


@case
def st_dense_times_st(tf: Any) -> Any:
    return tf.ones([3, 4]) * _st(tf), _st(tf) * 2.0, _st(tf) / 2.0


@case
def st_mul_incompatible(tf: Any) -> Any:
    return _st(tf) * tf.ones([3, 5])


@case
def st_mul_dense_bigger(tf: Any) -> Any:
    return _st(tf) * tf.ones([2, 3, 4])


@case
def st_plus_raises(tf: Any) -> Any:
    return _st(tf) + _st(tf)


@case
def st_neg_raises(tf: Any) -> Any:
    return -_st(tf)


@case
def st_getitem_raises(tf: Any) -> Any:
    return _st(tf)[0]


@case
def st_convert_raises(tf: Any) -> Any:
    return tf.convert_to_tensor(_st(tf))


@case
def to_dense_validate(tf: Any) -> Any:
    unsorted = _sp(tf, [[1, 0], [0, 1]], [1.0, 2.0], [2, 2])
    return tf.sparse.to_dense(unsorted, validate_indices=False), tf.sparse.to_dense(tf.sparse.reorder(unsorted))


@case
def to_dense_unsorted_raises(tf: Any) -> Any:
    return tf.sparse.to_dense(_sp(tf, [[1, 0], [0, 1]], [1.0, 2.0], [2, 2]))


# -- tf.sparse functions ---------------------------------------------------------------------------------------------

@case
def sparse_add_sparse(tf: Any) -> Any:
    return _grads(tf, lambda a, b: tf.sparse.add(_sp(tf, IDX, a, [3, 4]), _sp(tf, [[0, 0], [2, 1]], b, [3, 4])),
                  [1.0, 2.0], [3.0, 6.0])


@case
def sparse_add_dense(tf: Any) -> Any:
    return _grads(tf, lambda a, d: tf.sparse.add(_sp(tf, IDX, a, [3, 4]), d), [1.0, 2.0], np.ones((3, 4)))


@case
def sparse_add_dense_first(tf: Any) -> Any:
    return _grads(tf, lambda a, d: tf.sparse.add(d, _sp(tf, IDX, a, [3, 4])), [1.0, 2.0], np.ones((3, 4)))


@case
def sparse_add_threshold(tf: Any) -> Any:
    return _grads(tf, lambda a, b: tf.sparse.add(_sp(tf, IDX, a, [3, 4]), _sp(tf, IDX, b, [3, 4]), threshold=2.5),
                  [1.0, 2.0], [1.0, 2.0])


@case
def sparse_add_cancel_keeps_zero(tf: Any) -> Any:
    return tf.sparse.add(_sp(tf, [[0, 1]], [1.0], [2, 2]), _sp(tf, [[0, 1]], [-1.0], [2, 2]))


@case
def sparse_add_unsorted(tf: Any) -> Any:
    return tf.sparse.add(_sp(tf, [[1, 0], [0, 1]], [1.0, 2.0], [2, 2]), _sp(tf, [[1, 1]], [1.0], [2, 2]))


@case
def sparse_add_two_dense_raises(tf: Any) -> Any:
    return tf.sparse.add(tf.ones([2]), tf.ones([2]))


@case
def sparse_add_shape_mismatch(tf: Any) -> Any:
    return tf.sparse.add(_st(tf), _sp(tf, [[0, 0]], [1.0], [3, 5]))


@case
def sparse_add_dtype_mismatch(tf: Any) -> Any:
    return tf.sparse.add(_st(tf), _sp(tf, [[0, 0]], tf.constant([1.0], tf.float64), [3, 4]))


@case
def sparse_add_dense_shape_mismatch(tf: Any) -> Any:
    return tf.sparse.add(_st(tf), tf.ones([3, 5]))


@case
def sparse_reduce_sum(tf: Any) -> Any:
    st = _sp(tf, IDX3, [1.0, 2.0, 3.0, 4.0], [3, 4])
    return (tf.sparse.reduce_sum(st), tf.sparse.reduce_sum(st, 1), tf.sparse.reduce_sum(st, -1, keepdims=True),
            tf.sparse.reduce_sum(st, [0, 1]), tf.sparse.reduce_sum(st, 0, output_is_sparse=True),
            tf.sparse.reduce_sum(st, 1, keepdims=True, output_is_sparse=True))


@case
def sparse_reduce_sum_grad(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.reduce_sum(_sp(tf, IDX3, v, [3, 4]), axis=1), [1.0, 2.0, 3.0, 4.0])


@case
def sparse_reduce_sum_sparse_grad_raises(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.reduce_sum(_sp(tf, IDX3, v, [3, 4]), 1, output_is_sparse=True),
                  [1.0, 2.0, 3.0, 4.0])


@case
def sparse_reduce_max(tf: Any) -> Any:
    st = _sp(tf, IDX3, [1.0, -2.0, -3.0, -4.0], [3, 4])
    return (tf.sparse.reduce_max(st), tf.sparse.reduce_max(st, 1), tf.sparse.reduce_max(st, 0, keepdims=True),
            tf.sparse.reduce_max(st, 1, output_is_sparse=True))


@case
def sparse_reduce_max_grad_raises(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.reduce_max(_sp(tf, IDX3, v, [3, 4]), axis=1), [1.0, 2.0, 3.0, 4.0])


@case
def sparse_reduce_axis_out_of_range(tf: Any) -> Any:
    return tf.sparse.reduce_sum(_st(tf), axis=2)


@case
def sparse_softmax(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.softmax(_sp(tf, [[0, 0], [0, 2], [1, 1]], v, [2, 4])), [1.0, 2.0, 3.0])


@case
def sparse_softmax_3d(tf: Any) -> Any:
    st = _sp(tf, [[0, 0, 0], [0, 0, 3], [1, 1, 1], [1, 1, 2], [1, 2, 0]], [1.0, 2.0, 0.5, -1.0, 3.0], [2, 3, 4])
    out = tf.sparse.softmax(st)  # (values to 6 digits: TF's float32 exp differs from NumPy's by an ulp)
    return out.indices, out.values.numpy().round(6).tolist(), out.dense_shape


@case
def sparse_slice(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.slice(_sp(tf, IDX3, v, [3, 4]), [0, 1], [3, 2]), [1.0, 2.0, 3.0, 4.0])


@case
def sparse_slice_shape(tf: Any) -> Any:
    st = _sp(tf, IDX3, [1.0, 2.0, 3.0, 4.0], [3, 4])
    return tf.sparse.slice(st, [1, 2], [5, 5]), tf.sparse.slice(st, [3, 0], [1, 1])


@case
def sparse_map_values(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.map_values(tf.square, _sp(tf, IDX, v, [3, 4])), [1.0, 2.0])


@case
def sparse_map_values_two(tf: Any) -> Any:
    a, b = _st(tf), _st(tf, (10.0, 20.0))
    return tf.sparse.map_values(tf.add, a, b), tf.sparse.map_values(tf.multiply, a, 3.0)


@case
def sparse_map_values_mismatch(tf: Any) -> Any:
    return tf.sparse.map_values(tf.add, _st(tf), _sp(tf, [[0, 0], [1, 1]], [1.0, 1.0], [3, 4]))


@case
def sparse_reshape(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.reshape(_sp(tf, IDX3, v, [3, 4]), [2, -1]), [1.0, 2.0, 3.0, 4.0])


@case
def sparse_reshape_bad(tf: Any) -> Any:
    return tf.sparse.reshape(_st(tf), [5, -1])


@case
def sparse_transpose(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.transpose(_sp(tf, IDX3, v, [3, 4])), [1.0, 2.0, 3.0, 4.0])


@case
def sparse_transpose_perm(tf: Any) -> Any:
    st = _sp(tf, [[0, 1, 2], [1, 0, 0]], [1.0, 2.0], [2, 3, 4])
    return tf.sparse.transpose(st, [2, 0, 1]), tf.sparse.transpose(st)


@case
def sparse_maximum_minimum(tf: Any) -> Any:
    a = _sp(tf, IDX3, [1.0, -2.0, 3.0, -4.0], [3, 4])
    b = _sp(tf, [[0, 1], [1, 1], [2, 2]], [0.5, 7.0, 5.0], [3, 4])
    return tf.sparse.maximum(a, b), tf.sparse.minimum(a, b)


@case
def sparse_maximum_grad_raises(tf: Any) -> Any:
    return _grads(tf, lambda a, b: tf.sparse.maximum(_sp(tf, IDX, a, [3, 4]), _sp(tf, IDX, b, [3, 4])),
                  [1.0, 2.0], [2.0, 1.0])


@case
def sparse_retain(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.retain(_sp(tf, IDX3, v, [3, 4]), [True, False, True, True]),
                  [1.0, 2.0, 3.0, 4.0])


@case
def sparse_retain_bad_length(tf: Any) -> Any:
    return tf.sparse.retain(_st(tf), [True])


@case
def sparse_concat(tf: Any) -> Any:
    return _grads(tf, lambda a, b: tf.sparse.concat(1, [_sp(tf, IDX, a, [3, 4]), _sp(tf, IDX, b, [3, 4])]),
                  [1.0, 2.0], [3.0, 4.0])


@case
def sparse_concat_axis0_expand(tf: Any) -> Any:
    a, b = _st(tf), _sp(tf, [[0, 5]], [9.0], [1, 6])
    return tf.sparse.concat(0, [a, b], expand_nonconcat_dims=True), tf.sparse.concat(-1, [a, a])


@case
def sparse_concat_mismatch(tf: Any) -> Any:
    return tf.sparse.concat(0, [_st(tf), _sp(tf, [[0, 5]], [9.0], [1, 6])])


@case
def sparse_fill_empty_rows(tf: Any) -> Any:
    x = [tf.constant([1.0, 2.0], tf.float64), tf.constant(7.0, tf.float64)]
    with tf.GradientTape() as t:
        t.watch(x)
        out, empty = tf.sparse.fill_empty_rows(_sp(tf, [[0, 0], [2, 2]], x[0], [4, 4]), x[1])
        loss = tf.reduce_sum(out.values * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64))
    return out, empty, [_kind(tf, g) for g in t.gradient(loss, x)]


@case
def sparse_segments(tf: Any) -> Any:
    d = np.arange(12.0).reshape(3, 4)
    return [_grads(tf, lambda d, f=f: f(d, [0, 2, 2], [0, 1, 1]), d) for f in
            (tf.sparse.segment_sum, tf.sparse.segment_mean, tf.sparse.segment_sqrt_n)]


@case
def sparse_segments_num_segments(tf: Any) -> Any:
    d = tf.constant(np.arange(12.0).reshape(3, 4))
    return (tf.sparse.segment_sum(d, [0, 2], [0, 2], num_segments=4),
            tf.sparse.segment_mean(d, [0, 1], [1, 1], num_segments=3),
            tf.sparse.segment_sqrt_n(d, tf.constant([2, 0], tf.int64), tf.constant([0, 0], tf.int64)))


@case
def sparse_segment_bad_index(tf: Any) -> Any:
    return tf.sparse.segment_sum(tf.ones([3, 2]), [0, 5], [0, 1])


@case
def sparse_segment_unsorted_ids(tf: Any) -> Any:
    return tf.sparse.segment_sum(tf.ones([3, 2]), [0, 1], [1, 0])


@case
def sparse_dense_matmul_grads(tf: Any) -> Any:
    return _grads(tf, lambda v, d: tf.sparse.sparse_dense_matmul(_sp(tf, IDX, v, [3, 4]), d), [1.0, 2.0],
                  np.arange(8.0).reshape(4, 2))


@case
def sparse_sampled_addmm(tf: Any) -> Any:
    x = [tf.constant(v, tf.float32) for v in ([1.0, 2.0], np.arange(6.0).reshape(2, 3), np.ones((3, 2)))]
    with tf.GradientTape() as t:
        t.watch(x)
        out = tf.sparse.sampled_addmm(tf.constant([[0, 0], [1, 1]], tf.int64), x[0], [2, 2], x[1], x[2], beta=0.5,
                                      alpha=2.0)
        loss = tf.reduce_sum(out[1] * tf.constant([1.0, 3.0]))
    return out, [_kind(tf, g) for g in t.gradient(loss, x)]


@case
def sparse_sampled_addmm_batched(tf: Any) -> Any:
    indices = tf.constant([0, 1, 1, 0, 0, 0, 1, 0], shape=[2, 2, 2])
    x = [tf.constant([[3.0, 5.0], [2.0, 7.0]]), tf.constant(np.arange(1.0, 13.0).reshape(2, 2, 3), tf.float32),
         tf.constant(np.arange(13.0, 25.0).reshape(2, 3, 2), tf.float32)]
    with tf.GradientTape() as t:
        t.watch(x)
        out = tf.sparse.sampled_addmm(indices, x[0], tf.constant([2, 2]), x[1], x[2], alpha=0.75, beta=0.25)
        loss = tf.reduce_sum(out[1] * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    return out, [_kind(tf, g) for g in t.gradient(loss, x)]


@case
def sparse_sampled_addmm_bad_shape(tf: Any) -> Any:
    return tf.sparse.sampled_addmm([[0, 0]], [1.0], [3, 2], tf.ones([2, 3]), tf.ones([3, 2]))


@case
def sparse_expand_dims(tf: Any) -> Any:
    return (_grads(tf, lambda v: tf.sparse.expand_dims(_sp(tf, IDX, v, [3, 4]), 0), [1.0, 2.0]),
            tf.sparse.expand_dims(_st(tf), -1), tf.sparse.expand_dims(_st(tf), 1))


@case
def sparse_eye(tf: Any) -> Any:
    return tf.sparse.eye(3), tf.sparse.eye(2, 4, dtype=tf.int32)


@case
def sparse_reset_shape(tf: Any) -> Any:
    st = _st(tf)
    return tf.sparse.reset_shape(st), tf.sparse.reset_shape(st, [4, 5])


@case
def sparse_reset_shape_too_small(tf: Any) -> Any:
    return tf.sparse.reset_shape(_st(tf), [1, 5])


@case
def sparse_split(tf: Any) -> Any:
    st = _sp(tf, IDX3, [1.0, 2.0, 3.0, 4.0], [3, 4])
    return tf.sparse.split(sp_input=st, num_split=2, axis=1), tf.sparse.split(sp_input=st, num_split=2, axis=0)


@case
def sparse_split_grad_raises(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.split(sp_input=_sp(tf, IDX3, v, [3, 4]), num_split=2, axis=1)[1],
                  [1.0, 2.0, 3.0, 4.0])


@case
def sparse_to_indicator(tf: Any) -> Any:
    st = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([3, 1, 4], tf.int64), [3, 2])
    return tf.sparse.to_indicator(st, 5)


@case
def sparse_mask(tf: Any) -> Any:
    a = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), tf.constant([0, 3, 5]),
                         tf.constant([6, 2]))
    m = tf.sparse.mask(a, [3])
    return m.values, m.indices, m.dense_shape


@case
def sparse_bincount(tf: Any) -> Any:
    v = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 3]], tf.constant([1, 3, 1, 1]), [2, 4])
    w = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 3]], tf.constant([0.5, 1.0, 2.0, 3.0]), [2, 4])
    return (tf.sparse.bincount(v), tf.sparse.bincount(v, weights=w, axis=-1),
            tf.sparse.bincount(tf.constant([[1, 2], [2, 2]]), axis=-1, binary_output=True),
            tf.sparse.bincount(v, minlength=6))


@case
def sparse_bincount_ragged_and_limits(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 1, 4], [], [2]])
    v = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 3]], tf.constant([1, 3, 1, 1], tf.int64), [2, 4])
    return (tf.sparse.bincount(rt), tf.sparse.bincount(rt, axis=-1), tf.sparse.bincount(v, axis=-1, maxlength=2),
            tf.sparse.bincount(v, binary_output=True, axis=-1))


@case
def sparse_reshape_unsorted_and_3d(tf: Any) -> Any:
    st = _sp(tf, [[2, 3], [0, 1], [1, 0]], [1.0, 2.0, 3.0], [3, 4])
    return tf.sparse.reshape(st, [-1]), tf.sparse.reshape(st, [2, 3, 2])


@case
def unsorted_segments_2d_ids(tf: Any) -> Any:
    d = tf.constant(np.arange(12.0).reshape(2, 3, 2))
    ids = tf.constant([[0, 2, 0], [1, 2, -1]])
    return (tf.math.unsorted_segment_max(d, ids, 3), tf.math.unsorted_segment_prod(d, ids, 3),
            tf.math.unsorted_segment_mean(d, ids, 4))


@case
def sparse_cross(tf: Any) -> Any:
    a = tf.sparse.SparseTensor([[0, 0], [1, 0], [1, 1]], tf.constant(["a", "b", "c"]), [2, 2])
    b = tf.constant([["d"], ["e"]])
    return tf.sparse.cross([a, b]), tf.sparse.cross([a, b], separator="+")


@case
def sparse_cross_hashed(tf: Any) -> Any:
    a = tf.sparse.SparseTensor([[0, 0], [1, 0], [1, 1]], tf.constant(["a", "b", "c"]), [2, 2])
    b = tf.constant([["d"], ["e"]])
    c = tf.constant([[3], [4]], tf.int64)
    return (tf.sparse.cross_hashed([a, b]), tf.sparse.cross_hashed([a, b, c], num_buckets=100),
            tf.sparse.cross_hashed([a, b], num_buckets=10, hash_key=7))


@case
def sparse_from_dense_grad(tf: Any) -> Any:
    return _grads(tf, lambda d: tf.sparse.from_dense(d), [[0.0, 1.0], [2.0, 0.0]])


@case
def sparse_reorder_grad(tf: Any) -> Any:
    return _grads(tf, lambda v: tf.sparse.reorder(_sp(tf, [[1, 2], [0, 0]], v, [3, 4])), [1.0, 2.0])


# -- bad input: TF's exception types -------------------------------------------------------------------------------

def _rank3(tf: Any) -> Any:
    return _sp(tf, [[0, 0, 0]], [1.0], [2, 2, 2])


@case
def err_matmul_rank3(tf: Any) -> Any:
    return tf.sparse.sparse_dense_matmul(_rank3(tf), tf.ones([2, 2]))


@case
def err_matmul_dense_rank3(tf: Any) -> Any:
    return tf.sparse.sparse_dense_matmul(_st(tf), tf.ones([2, 4, 2]))


@case
def err_matmul_out_of_bounds(tf: Any) -> Any:
    return tf.sparse.sparse_dense_matmul(_sp(tf, [[0, 0], [5, 1]], [1.0, 2.0], [3, 4]), tf.ones([4, 2]))


@case
def err_reduce_sum_dense_input(tf: Any) -> Any:
    return tf.sparse.reduce_sum(tf.ones([2, 2]))


@case
def err_softmax_rank1(tf: Any) -> Any:
    return tf.sparse.softmax(_sp(tf, [[0], [2]], [1.0, 2.0], [3]))


@case
def err_add_rank_mismatch(tf: Any) -> Any:
    return tf.sparse.add(_st(tf), _rank3(tf))


@case
def err_expand_dims_axis(tf: Any) -> Any:
    return tf.sparse.expand_dims(_st(tf), 5)


@case
def err_to_dense_out_of_bounds(tf: Any) -> Any:
    return tf.sparse.to_dense(_sp(tf, [[0, 0], [3, 0]], [1.0, 2.0], [3, 4]))


@case
def err_to_dense_repeated(tf: Any) -> Any:
    return tf.sparse.to_dense(_sp(tf, [[0, 1], [0, 1]], [1.0, 2.0], [3, 4]))


@case
def err_slice_wrong_rank(tf: Any) -> Any:
    return tf.sparse.slice(_st(tf), [0], [1])


@case
def err_mul_dtype(tf: Any) -> Any:
    return _st(tf) * tf.ones([3, 4], tf.float64)


@case
def err_fill_empty_rows_dtype(tf: Any) -> Any:
    return tf.sparse.fill_empty_rows(_st(tf), tf.constant(1, tf.int32))


@case
def err_segment_sum_length(tf: Any) -> Any:
    return tf.sparse.segment_sum(tf.ones([3, 2]), [0, 1, 2], [0, 1])


@case
def to_indicator_float_ids(tf: Any) -> Any:
    return tf.sparse.to_indicator(_st(tf), 3)


@case
def err_map_values_none(tf: Any) -> Any:
    return tf.sparse.map_values(tf.square, tf.ones([2]))


@case
def err_dense_inputs(tf: Any) -> Any:
    d = tf.ones([3, 4])
    calls = {"to_dense": lambda: tf.sparse.to_dense(d), "reduce_sum": lambda: tf.sparse.reduce_sum(d),
             "reduce_max": lambda: tf.sparse.reduce_max(d), "softmax": lambda: tf.sparse.softmax(d),
             "transpose": lambda: tf.sparse.transpose(d), "expand_dims": lambda: tf.sparse.expand_dims(d, 0),
             "maximum": lambda: tf.sparse.maximum(d, _st(tf)), "reshape": lambda: tf.sparse.reshape(d, [12]),
             "slice": lambda: tf.sparse.slice(d, [0, 0], [1, 1]), "retain": lambda: tf.sparse.retain(d, [True]),
             "fill_empty_rows": lambda: tf.sparse.fill_empty_rows(d, 0.0), "reorder": lambda: tf.sparse.reorder(d),
             "concat": lambda: tf.sparse.concat(0, [d, _st(tf)]), "to_indicator": lambda: tf.sparse.to_indicator(d, 3),
             "split": lambda: tf.sparse.split(sp_input=d, num_split=2, axis=0),
             "reset_shape": lambda: tf.sparse.reset_shape(d)}
    out = {}
    for name, call in calls.items():
        try:
            call()
            out[name] = "no error"
        except Exception as exc:  # noqa: BLE001 - compared by class
            out[name] = type(exc).__name__
    return out


@case
def err_cross_batch_mismatch(tf: Any) -> Any:
    return tf.sparse.cross([tf.constant([["a"], ["b"]]), tf.constant([["c"]])])


@case
def sparse_add_int_threshold(tf: Any) -> Any:
    a = tf.sparse.SparseTensor([[0], [1]], tf.constant([1, 5]), [3])
    b = tf.sparse.SparseTensor([[0], [2]], tf.constant([1, 2]), [3])
    return tf.sparse.add(a, b, threshold=3)


@case
def sparse_reduce_sum_int_and_negative_axis(tf: Any) -> Any:
    st = tf.sparse.SparseTensor([[0, 0, 1], [1, 1, 0], [1, 1, 1]], tf.constant([1, 2, 3]), [2, 2, 2])
    return tf.sparse.reduce_sum(st, axis=[-1, 0]), tf.sparse.reduce_max(st, axis=-1, keepdims=True)


# -- segment ops and embedding lookups -----------------------------------------------------------------------------

@case
def unsorted_segments(tf: Any) -> Any:
    d = np.array([[1.0, -2.0], [3.0, 4.0], [-5.0, 6.0], [7.0, 0.5]])
    ids = [2, 0, 2, -1]
    return [_grads(tf, lambda d, f=f: f(d, ids, 4), d) for f in
            (tf.math.unsorted_segment_sum, tf.math.unsorted_segment_mean, tf.math.unsorted_segment_sqrt_n,
             tf.math.unsorted_segment_max, tf.math.unsorted_segment_min, tf.math.unsorted_segment_prod)]


@case
def unsorted_segment_ints(tf: Any) -> Any:
    d = tf.constant([[1, 5], [3, 4], [-5, 6]])
    return (tf.math.unsorted_segment_max(d, [1, 1, 0], 3), tf.math.unsorted_segment_min(d, [1, 1, 0], 3),
            tf.math.unsorted_segment_prod(d, [1, 1, 0], 3), tf.math.unsorted_segment_mean(tf.cast(d, tf.float32),
                                                                                          [1, 1, 0], 3))


@case
def unsorted_segment_max_ties(tf: Any) -> Any:
    return _grads(tf, lambda d: tf.math.unsorted_segment_max(d, [0, 0, 1], 2), [2.0, 2.0, 1.0])


@case
def unsorted_segment_out_of_range(tf: Any) -> Any:
    return tf.math.unsorted_segment_max(tf.ones([3]), [0, 3, 1], 3)


@case
def embedding_lookup_sparse(tf: Any) -> Any:
    params = np.arange(12.0).reshape(4, 3)
    ids = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1, 3, 0], tf.int64), [3, 2])
    wts = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([2.0, 0.5, 1.0], tf.float64), [3, 2])
    return [_grads(tf, lambda p, w=w, c=c: tf.nn.embedding_lookup_sparse(p, ids, w, combiner=c), params)
            for c in ("sum", "mean", "sqrtn") for w in (None, wts)]


@case
def safe_embedding_lookup_sparse(tf: Any) -> Any:
    params = np.arange(12.0).reshape(4, 3)
    ids = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], tf.constant([1, -1, 0], tf.int64), [3, 2])
    return (_grads(tf, lambda p: tf.nn.safe_embedding_lookup_sparse(p, ids), params),
            _grads(tf, lambda p: tf.nn.safe_embedding_lookup_sparse(p, ids, combiner="sum", default_id=2), params))


# -- composite tensors in tf.function signatures -----------------------------------------------------------------

@case
def function_sparse_signature(tf: Any) -> Any:
    @tf.function(input_signature=[tf.SparseTensorSpec([None, None], tf.float32)])
    def f(st: Any) -> Any:
        return tf.sparse.reduce_sum(st, axis=1) * 2.0

    a = f(_st(tf))
    b = f(_sp(tf, [[0, 1], [1, 0], [1, 4], [4, 2]], tf.constant([1.0, 2.0, 3.0, 4.0]), [5, 6]))
    return a, b, f.experimental_get_tracing_count()


@case
def function_sparse_signature_mismatch(tf: Any) -> Any:
    f = tf.function(lambda st: st.values, input_signature=[tf.SparseTensorSpec([None, None], tf.int32)])
    return f(_st(tf))


@case
def function_sparse_returns(tf: Any) -> Any:
    @tf.function(input_signature=[tf.SparseTensorSpec([None, 4], tf.float32)])
    def f(st: Any) -> Any:
        return tf.sparse.map_values(tf.square, st)

    return f(_st(tf)), f(_sp(tf, [[0, 3]], tf.constant([3.0]), [1, 4])), f.experimental_get_tracing_count()


@case
def function_sparse_no_signature_reuse(tf: Any) -> Any:
    f = tf.function(lambda st: tf.sparse.reduce_sum(st, 1))
    out = [f(_sp(tf, [[0, 0]], [1.0], [3, 4])), f(_sp(tf, [[0, 0], [1, 1]], [1.0, 2.0], [3, 4])),
           f(_sp(tf, [[0, 0]], [1.0], [3, 5])), f(_sp(tf, [[2, 3], [2, 4]], [1.0, 2.0], [3, 5]))]
    return out, f.experimental_get_tracing_count(), f.get_concrete_function(_st(tf)).structured_input_signature


@case
def function_ragged_signature(tf: Any) -> Any:
    @tf.function(input_signature=[tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)])
    def f(rt: Any) -> Any:
        return tf.reduce_sum(rt, axis=1), rt * 2

    a = f(tf.ragged.constant([[1, 2], [3]]))
    b = f(tf.ragged.constant([[1], [], [4, 5, 6], [7]]))
    return a, b, f.experimental_get_tracing_count()


@case
def function_ragged_signature_mismatch(tf: Any) -> Any:
    f = tf.function(lambda rt: rt, input_signature=[tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)])
    return f(tf.ragged.constant([[1.0], [2.0]]))


@case
def function_ragged_no_signature_reuse(tf: Any) -> Any:
    f = tf.function(lambda rt: tf.reduce_sum(rt, axis=1))
    a = f(tf.ragged.constant([[1, 2], [3]]))
    b = f(tf.ragged.constant([[1, 2], [3, 4]]))
    return a, b, f.experimental_get_tracing_count()


@case
def function_composite_signature_text(tf: Any) -> Any:
    g = tf.function(lambda rt, st: (rt, tf.sparse.map_values(tf.square, st), rt.flat_values),
                    input_signature=[tf.RaggedTensorSpec([None, None], tf.int32), tf.SparseTensorSpec([None, 3])])
    cf = g.get_concrete_function()
    return cf.structured_input_signature, cf.pretty_printed_signature()


@case
def ragged_spec_compatible(tf: Any) -> Any:
    s = tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)
    return (s.is_compatible_with(tf.ragged.constant([[1, 2], [3]])),
            s.is_compatible_with(tf.ragged.constant([[1.0]])),
            s.is_compatible_with(tf.RaggedTensorSpec([2, None], tf.int32)),
            s.is_compatible_with(tf.ragged.constant([[[1]]])))


# -- tf.shape of a RaggedTensor -----------------------------------------------------------------------------------

@case
def ragged_shape(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    s = tf.shape(rt)
    return s, s[0], s.rank, s.num_row_partitions, s.dtype, tf.shape(rt, out_type=tf.int32)


@case
def ragged_shape_inner_dims(tf: Any) -> Any:
    rt = tf.RaggedTensor.from_row_splits(tf.ones([5, 2]), [0, 3, 5])
    s = tf.shape(rt)
    return s, s[2], s[-1], s.inner_shape, s.static_lengths()


@case
def ragged_shape_index_ragged(tf: Any) -> Any:
    return tf.shape(tf.ragged.constant([[1, 2], [3]]))[1]


@case
def ragged_size_rank(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    return tf.size(rt), tf.rank(rt)


if __name__ == "__main__":
    _main(CASES)
