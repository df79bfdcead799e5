"""``tf.math`` and top-level breadth programs (sorted segment max/min/prod, cumulative_logsumexp, rint, mod,
nextafter, zero_fraction, accumulate_n, invert_permutation, approx_max_k/min_k/top_k, scalar_mul, realdiv,
truncatediv/truncatemod, saturate_cast, tf.dtypes.cast/complex, strided_slice, space_to_batch(_nd)/batch_to_space,
required_space_to_batch_paddings, reverse_sequence, edit_distance, fingerprint, broadcast_static/dynamic_shape,
shape_n, parallel_stack, sobol_sample), run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``: ``python math_ext_programs.py MODULE OUT``). Values and float64 gradients are
compared as text (numbers at rtol 1e-5); exceptions by class.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from linalg_ext_programs import _grad, _mat  # noqa: E402
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


# -- sorted segments -------------------------------------------------------------------------------------------------

@case
def segment_max_min_prod_values(tf: Any) -> Any:
    x = tf.constant(_mat(6, 2))
    ids = tf.constant([0, 0, 1, 3, 3, 3])
    return tf.math.segment_max(x, ids), tf.math.segment_min(x, ids), tf.math.segment_prod(x, ids)


@case
def segment_ops_integer_and_empty_segments(tf: Any) -> Any:
    x = tf.constant([5, -2, 7, 1])
    ids = tf.constant([1, 1, 4, 4])
    return tf.math.segment_max(x, ids), tf.math.segment_min(x, ids), tf.math.segment_prod(x, ids)


@case
def segment_ops_gradients(tf: Any) -> Any:
    x = np.array([[1.0, 2.0], [3.0, 2.0], [3.0, -1.0], [0.5, 4.0], [-2.0, 0.0]])
    ids = tf.constant([0, 0, 0, 2, 2])
    return [_grad(tf, lambda v, f=f: f(v, ids), x) for f in (tf.math.segment_max, tf.math.segment_min,
                                                          tf.math.segment_prod)]


@case
def segment_prod_gradient_with_zero(tf: Any) -> Any:
    return _grad(tf, lambda v: tf.math.segment_prod(v, tf.constant([0, 0, 0, 1])), np.array([2.0, 0.0, 3.0, 4.0]))


@case
def segment_ids_unsorted(tf: Any) -> Any:
    return tf.math.segment_max(tf.constant([1.0, 2.0, 3.0]), tf.constant([1, 0, 1]))


@case
def segment_ids_wrong_length(tf: Any) -> Any:
    return tf.math.segment_min(tf.constant([1.0, 2.0, 3.0]), tf.constant([0, 0]))


# -- cumulative_logsumexp ----------------------------------------------------------------------------------------------

@case
def cumulative_logsumexp_modes_and_gradients(tf: Any) -> Any:
    x = _mat(3, 4) * 3
    return [_grad(tf, lambda v, e=e, r=r: tf.math.cumulative_logsumexp(v, axis=1, exclusive=e, reverse=r), x)
            for e in (False, True) for r in (False, True)]


@case
def cumulative_logsumexp_float32_axis0_large(tf: Any) -> Any:
    return tf.math.cumulative_logsumexp(tf.constant([[1000.0, -1000.0], [1000.0, 5.0]], tf.float32))


@case
def cumulative_logsumexp_integer(tf: Any) -> Any:
    return tf.math.cumulative_logsumexp(tf.constant([1, 2]))


# -- elementwise -----------------------------------------------------------------------------------------------------

@case
def rint_half_to_even(tf: Any) -> Any:
    return (tf.math.rint(tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.7])),
            tf.math.rint(tf.constant([0.5], tf.float32)))


@case
def rint_gradient_none(tf: Any) -> Any:
    return _grad(tf, lambda v: tf.math.rint(v) + v, np.array([0.3, 1.7]))


@case
def mod_signs_and_gradient(tf: Any) -> Any:
    return (tf.math.mod(tf.constant([7, -7, 7, -7]), tf.constant([3, 3, -3, -3])),
            _grad(tf, tf.math.mod, np.array([7.5, -7.5, 2.0]), np.array([2.0, 2.0, -3.0])))


@case
def nextafter_values_and_gradient(tf: Any) -> Any:
    a = tf.math.nextafter(tf.constant([1.0, 0.0, -1.0], tf.float32), tf.constant([2.0, -1.0, -2.0], tf.float32))
    return a, _grad(tf, tf.math.nextafter, np.array([1.0, 2.0]), np.array([0.0, 3.0]))


@case
def nextafter_integer(tf: Any) -> Any:
    return tf.math.nextafter(tf.constant([1]), tf.constant([2]))


@case
def truncatediv_truncatemod(tf: Any) -> Any:
    a, b = tf.constant([-7, 7, -7, 7]), tf.constant([2, 2, -2, -2])
    fa, fb = tf.constant([-7.5, 7.5]), tf.constant([2.0, -2.0])
    return (tf.truncatediv(a, b), tf.truncatemod(a, b), tf.truncatediv(fa, fb), tf.truncatemod(fa, fb))


@case
def truncatediv_by_zero(tf: Any) -> Any:
    return tf.truncatediv(tf.constant([1]), tf.constant([0]))


@case
def truncatediv_gradient_none(tf: Any) -> Any:
    return _grad(tf, lambda x, y: tf.truncatediv(x, y) + x * y, np.array([3.5]), np.array([2.0]))


@case
def realdiv_values_and_gradient(tf: Any) -> Any:
    return _grad(tf, tf.realdiv, np.array([7.0, -1.0]), np.array([2.0, 4.0]))


@case
def realdiv_integers(tf: Any) -> Any:
    return tf.realdiv(tf.constant([7]), tf.constant([2]))


@case
def scalar_mul_tensor_and_python(tf: Any) -> Any:
    return (tf.math.scalar_mul(2.0, tf.constant([1.0, 2.0])), tf.scalar_mul(tf.constant(3), tf.constant([1, 2])),
            _grad(tf, lambda s, x: tf.scalar_mul(s, x), np.array(2.0), np.array([1.0, 3.0])))


@case
def scalar_mul_not_scalar(tf: Any) -> Any:
    return tf.math.scalar_mul(tf.constant([2.0, 3.0]), tf.constant([1.0, 2.0]))


@case
def zero_fraction_values(tf: Any) -> Any:
    return (tf.math.zero_fraction(tf.constant([[0.0, 1.0], [0.0, 0.0]])), tf.math.zero_fraction(tf.constant([1, 0])),
            tf.math.zero_fraction(tf.zeros([0])))


@case
def accumulate_n_values_and_gradient(tf: Any) -> Any:
    return (tf.math.accumulate_n([tf.constant([1, 2]), tf.constant([3, 4])]),
            _grad(tf, lambda a, b: tf.math.accumulate_n([a, b, a]), _mat(2, 2), _mat(2, 2, seed=1)))


@case
def accumulate_n_shape_mismatch(tf: Any) -> Any:
    return tf.math.accumulate_n([tf.ones([2]), tf.ones([3])])


@case
def invert_permutation_values(tf: Any) -> Any:
    return tf.math.invert_permutation(tf.constant([3, 4, 0, 2, 1])), tf.math.invert_permutation(
        tf.constant([1, 0], tf.int64))


@case
def invert_permutation_not_permutation(tf: Any) -> Any:
    return tf.math.invert_permutation(tf.constant([0, 0, 1]))


# -- approximate top-k (exact on CPU) ----------------------------------------------------------------------------------

@case
def approx_max_k_values(tf: Any) -> Any:
    x = tf.constant(_mat(3, 8), tf.float32)
    return (tf.math.approx_max_k(x, 3), tf.nn.approx_max_k(x, 2), tf.approx_top_k(x, 1),
            tf.math.approx_max_k(tf.cast(x, tf.float16), 2))


@case
def approx_max_k_gradient(tf: Any) -> Any:
    x = tf.constant(_mat(2, 6), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.approx_max_k(x, 3)[0] * tf.constant([1.0, -2.0, 3.0])
    return tape.gradient(y, x)


@case
def approx_max_k_float64(tf: Any) -> Any:
    return tf.math.approx_max_k(tf.constant(_mat(2, 6)), 2)


@case
def approx_max_k_too_large(tf: Any) -> Any:
    return tf.math.approx_max_k(tf.ones([2, 3]), 4)


@case
def approx_min_k_cpu(tf: Any) -> Any:
    x = tf.constant(_mat(3, 8), tf.float32)
    return tf.math.approx_min_k(x, 2, reduction_dimension=0), tf.nn.approx_min_k(x, 1)


# -- casts -----------------------------------------------------------------------------------------------------------

@case
def saturate_cast_values(tf: Any) -> Any:
    x = tf.constant([-300.0, -1.5, 0.5, 200.7, 1e10, np.inf, -np.inf])
    return (tf.saturate_cast(x, tf.uint8), tf.saturate_cast(x, tf.int8), tf.dtypes.saturate_cast(x, tf.int32),
            tf.saturate_cast(tf.constant([70000, -70000]), tf.int16),
            tf.saturate_cast(tf.constant([1e300, -1e300], tf.float64), tf.float32),
            tf.saturate_cast(tf.constant([3.0 + 4j]), tf.float32), tf.saturate_cast(tf.constant([-5]), tf.uint32))


@case
def saturate_cast_gradient(tf: Any) -> Any:
    return _grad(tf, lambda v: tf.cast(tf.saturate_cast(v, tf.float32), tf.float64), np.array([1.0, 2.0]))


@case
def dtypes_cast_and_complex(tf: Any) -> Any:
    return (tf.dtypes.cast(tf.constant([1.7, -1.7]), tf.int32),
            tf.dtypes.complex(tf.constant([1.0]), tf.constant([2.0])))


# -- strided_slice ---------------------------------------------------------------------------------------------------

@case
def strided_slice_masks(tf: Any) -> Any:
    x = tf.reshape(tf.range(60), [3, 4, 5])
    return (tf.strided_slice(x, [1, 0, 0], [2, 4, 5], [1, 2, 2]),
            tf.strided_slice(x, [0, 1], [0, 3], begin_mask=1, end_mask=1),
            tf.strided_slice(x, [1], [2], shrink_axis_mask=1),
            tf.strided_slice(x, [0, 0, 2], [0, 0, 3], ellipsis_mask=1, shrink_axis_mask=4),
            tf.strided_slice(x, [0, 1], [0, 2], new_axis_mask=1),
            tf.strided_slice(x, [-1, 3], [-4, 0], [-1, -2]),
            tf.strided_slice(x, [0, 0, 0], [1, 1, 1], [1, 1, 1], ellipsis_mask=2, new_axis_mask=4))


@case
def strided_slice_gradient(tf: Any) -> Any:
    x = _mat(3, 4, 2)
    return (_grad(tf, lambda v: tf.strided_slice(v, [2, 0], [0, 4], [-1, 2]), x),
            _grad(tf, lambda v: tf.strided_slice(v, [0, 1, 1], [3, 0, 0], begin_mask=1, end_mask=1,
                                                 shrink_axis_mask=6), x),
            _grad(tf, lambda v: tf.strided_slice(v, [0, 1], [1, 3], new_axis_mask=1, ellipsis_mask=0), x))


@case
def strided_slice_zero_stride(tf: Any) -> Any:
    return tf.strided_slice(tf.ones([3]), [0], [2], [0])


@case
def strided_slice_shrink_out_of_range(tf: Any) -> Any:
    return tf.strided_slice(tf.ones([3]), [5], [6], shrink_axis_mask=1)


# -- space_to_batch family ---------------------------------------------------------------------------------------------

@case
def space_to_batch_nd_and_back(tf: Any) -> Any:
    x = tf.reshape(tf.range(2 * 4 * 6 * 1, dtype=tf.float64), [2, 4, 6, 1])
    y = tf.space_to_batch_nd(x, [2, 3], [[0, 0], [1, 2]])
    return y, tf.batch_to_space(y, [2, 3], [[0, 0], [1, 2]])


@case
def space_to_batch_variants(tf: Any) -> Any:
    x = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
    return (tf.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]), tf.nn.space_to_batch(x, [2, 2], [[1, 1], [0, 2]]),
            tf.compat.v1.space_to_batch(x, [[0, 0], [0, 0]], 2) if hasattr(tf, "compat") and hasattr(
                tf.compat, "v1") else tf.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]))


@case
def space_to_batch_gradient(tf: Any) -> Any:
    x = _mat(2, 3, 4, 2)
    return (_grad(tf, lambda v: tf.space_to_batch_nd(v, [1, 2], [[1, 0], [0, 2]]), x),
            _grad(tf, lambda v: tf.batch_to_space(v, [2], [[1, 1]]), _mat(4, 3, 2)))


@case
def space_to_batch_not_divisible(tf: Any) -> Any:
    return tf.space_to_batch_nd(tf.ones([1, 5, 1]), [2], [[0, 0]])


@case
def required_space_to_batch_paddings_values(tf: Any) -> Any:
    return (tf.required_space_to_batch_paddings([5, 7], [2, 3]),
            tf.required_space_to_batch_paddings([5, 7], [2, 3], base_paddings=[[1, 0], [0, 2]]))


# -- reverse_sequence / edit_distance ---------------------------------------------------------------------------------

@case
def reverse_sequence_values_and_gradient(tf: Any) -> Any:
    x = _mat(3, 5, 2)
    return (_grad(tf, lambda v: tf.reverse_sequence(v, [2, 5, 0], seq_axis=1, batch_axis=0), x),
            tf.reverse_sequence(tf.reshape(tf.range(12), [4, 3]), tf.constant([1, 3, 2], tf.int64), seq_axis=0,
                                batch_axis=1))


@case
def reverse_sequence_too_long(tf: Any) -> Any:
    return tf.reverse_sequence(tf.ones([2, 3]), [4, 1], seq_axis=1, batch_axis=0)


@case
def edit_distance_values(tf: Any) -> Any:
    hyp = tf.sparse.SparseTensor([[0, 0, 0], [1, 0, 0], [1, 0, 1]], [b"a", b"b", b"c"], [2, 1, 2])
    truth = tf.sparse.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 0, 2]], [b"a", b"b", b"x", b"c"],
                                   [2, 2, 3])
    return tf.edit_distance(hyp, truth), tf.edit_distance(hyp, truth, normalize=False)


@case
def edit_distance_integers_empty_truth(tf: Any) -> Any:
    hyp = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([1, 2, 3], tf.int64), [2, 2])
    truth = tf.sparse.SparseTensor([[0, 0]], tf.constant([1], tf.int64), [2, 1])
    return tf.edit_distance(hyp, truth), tf.edit_distance(hyp, truth, normalize=False)


@case
def edit_distance_dtype_mismatch(tf: Any) -> Any:
    hyp = tf.sparse.SparseTensor([[0, 0]], tf.constant([1], tf.int64), [1, 1])
    truth = tf.sparse.SparseTensor([[0, 0]], tf.constant([1], tf.int32), [1, 1])
    return tf.edit_distance(hyp, truth)


# -- fingerprint, shapes, stacking -------------------------------------------------------------------------------------

@case
def fingerprint_values(tf: Any) -> Any:
    return (tf.fingerprint(tf.constant([b"hello", b"", b"a longer string with more than 64 bytes ....... " * 3])),
            tf.fingerprint(tf.constant([[1, 2], [3, 4]], tf.int32)),
            tf.fingerprint(tf.constant([[1.5, 2.0, -3.0]], tf.float64)), tf.fingerprint(tf.constant([7], tf.uint8)))


@case
def fingerprint_bad_method(tf: Any) -> Any:
    return tf.fingerprint(tf.constant([b"a"]), method="md5")


@case
def broadcast_shapes(tf: Any) -> Any:
    return (tf.broadcast_static_shape(tf.TensorShape([2, 1, 3]), tf.TensorShape([4, 1])),
            tf.broadcast_static_shape(tf.TensorShape([None, 3]), tf.TensorShape([5, 1])),
            tf.broadcast_dynamic_shape(tf.constant([2, 1, 3]), tf.constant([4, 1])),
            tf.broadcast_dynamic_shape([3], tf.constant([2, 1], tf.int64)))


@case
def broadcast_static_shape_incompatible(tf: Any) -> Any:
    return tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))


@case
def broadcast_dynamic_shape_incompatible(tf: Any) -> Any:
    return tf.broadcast_dynamic_shape(tf.constant([2]), tf.constant([3]))


@case
def shape_n_values(tf: Any) -> Any:
    return tf.shape_n([tf.ones([2, 3]), tf.ones([4]), tf.constant(1.0)]), tf.shape_n([tf.ones([2])], out_type=tf.int64)


@case
def parallel_stack_eager(tf: Any) -> Any:
    return tf.parallel_stack([tf.constant([1, 2]), tf.constant([3, 4])])


@case
def parallel_stack_in_function_with_gradient(tf: Any) -> Any:
    stack = tf.function(lambda a, b: tf.parallel_stack([a, b]))
    return stack(tf.constant([1, 2]), tf.constant([3, 4])), _grad(tf, stack, _mat(2, 3), _mat(2, 3, seed=1))


@case
def parallel_stack_shape_mismatch(tf: Any) -> Any:
    return tf.function(lambda: tf.parallel_stack([tf.ones([2]), tf.ones([3])]))()


# -- Sobol ----------------------------------------------------------------------------------------------------------

@case
def sobol_sample_values(tf: Any) -> Any:
    return (tf.math.sobol_sample(3, 6), tf.math.sobol_sample(2, 4, skip=7, dtype=tf.float64),
            tf.math.sobol_sample(40, 3, skip=1000)[:, 30:])


@case
def sobol_sample_bad_dim(tf: Any) -> Any:
    return tf.math.sobol_sample(0, 4)


@case
def sobol_sample_all_dimensions_exact(tf: Any) -> Any:
    x = tf.math.sobol_sample(21200, 5, skip=12345, dtype=tf.float64)
    ints = tf.cast(x * 2.0**30, tf.int64)
    w = tf.constant(np.arange(21200) % 997 + 1, tf.int64)
    return tf.reduce_sum(ints * w, axis=1), x[:, 21190:]


@case
def sobol_sample_large_skips(tf: Any) -> Any:
    return (tf.math.sobol_sample(3, 2, skip=2**30 - 3, dtype=tf.float64),
            tf.math.sobol_sample(3, 3, skip=2**30 - 2, dtype=tf.float64),
            tf.math.sobol_sample(2, 2, skip=2**31 - 5, dtype=tf.float64),
            tf.math.sobol_sample(4, 2, skip=2**20 + 7))


@case
def sobol_sample_errors(tf: Any) -> Any:
    out = []
    for args, kw in [((21201, 1), {}), ((2, 0), {}), ((2, 1), {"skip": -1}), ((2, 1), {"dtype": tf.float16}),
                     ((2, 1), {"skip": tf.constant(1, tf.int64)}), ((2, 2), {"skip": 2**31 - 3})]:
        try:
            tf.math.sobol_sample(*args, **kw)
            out.append("ok")
        except Exception as exc:  # noqa: BLE001 - compared by class
            out.append(type(exc).__name__)
    return out


@case
def sobol_sample_float_dim(tf: Any) -> Any:
    return tf.math.sobol_sample(2.0, 3)


@case
def sobol_sample_tensor_args(tf: Any) -> Any:
    return tf.math.sobol_sample(tf.constant(3), tf.constant(2), skip=tf.constant(5))


if __name__ == "__main__":
    _main(CASES)
