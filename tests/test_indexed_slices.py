"""IndexedSlices: the sparse gradient of axis-0 gathers (reference ``tf_behaviour.md`` §5).

Every expected value, dtype, index order and printed string below was measured on real TensorFlow 2.21 (the
reference's probes p9_slices/p9b plus our own runs of the same programs); tapegrad prints ``tapegrad.`` where
TensorFlow prints ``tf.``. No TensorFlow is needed to run these tests.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors

P = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def _grad(f, src=None):
    v = tf.Variable(P) if src is None else src
    with tf.GradientTape() as tape:
        if not isinstance(v, tf.Variable):
            tape.watch(v)
        y = f(v)
    return tape.gradient(y, v)


def _slices(g, indices, values, dense_shape=(3, 2), index_dtype="int32"):
    assert isinstance(g, tf.IndexedSlices), f"expected IndexedSlices, got {type(g).__name__}"
    assert not isinstance(g, tf.Tensor)
    assert g.indices.dtype == getattr(tf, index_dtype)
    assert g.dense_shape.dtype == tf.int32
    assert g.indices.numpy().tolist() == indices
    np.testing.assert_array_equal(g.values.numpy(), np.asarray(values, g.values.numpy().dtype))
    assert g.dense_shape.numpy().tolist() == list(dense_shape)
    assert g.shape == dense_shape and g.dtype == g.values.dtype


# -- which gathers give IndexedSlices -------------------------------------------------------------------------------


def test_gather_on_variable_keeps_order_and_duplicates():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0, 2, 0])))
    _slices(g, [0, 2, 0], [[1, 1]] * 3)
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy(), [[2, 2], [0, 0], [1, 1]])


def test_gather_on_watched_tensor_scales_rows_by_upstream():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0, 2, 0]) * tf.constant([[1.0], [2.0], [3.0]])), tf.constant(P))
    _slices(g, [0, 2, 0], [[1, 1], [2, 2], [3, 3]])


def test_multidimensional_and_scalar_indices_are_flattened():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [[0, 2], [1, 0]]) * tf.constant([[1.0, 2.0]])))
    _slices(g, [0, 2, 1, 0], [[1, 2]] * 4)
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, 1)))
    _slices(g, [1], [[1, 1]])


def test_int64_ids_give_int64_indices():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, tf.constant([0, 1], tf.int64))))
    _slices(g, [0, 1], [[1, 1]] * 2, index_dtype="int64")


def test_float64_variable():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [2]) ** 2), tf.Variable(np.array(P)))
    assert g.values.dtype == tf.float64
    _slices(g, [2], [[10, 12]])


@pytest.mark.parametrize("call", [
    lambda v: tf.gather(v, [0, 1], axis=0),
    lambda v: tf.gather(v, [0, 1], axis=tf.constant(0, tf.int64)),
    lambda v: tf.nn.embedding_lookup(v, [0, 1]),
    lambda v: tf.gather_nd(v, [[0], [1]]),
], ids=["axis0", "axis0_tensor", "embedding_lookup", "gather_nd_rows"])
def test_sparse_gathers(call):
    _slices(_grad(lambda v: tf.reduce_sum(call(v))), [0, 1], [[1, 1]] * 2)


@pytest.mark.parametrize("call", [
    lambda v: tf.gather(v, [0, 1], axis=1),
    lambda v: tf.gather(v, [0, 1], axis=-2),  # TF: only a literal axis 0 is sparse
    lambda v: tf.gather_nd(v, [[0, 1], [2, 0]]),
    lambda v: tf.boolean_mask(v, [True, False, True]),
    lambda v: tf.repeat(v, [1, 2, 0], axis=0),
    lambda v: v[1],
], ids=["axis1", "axis_minus2", "gather_nd_elements", "boolean_mask", "repeat", "strided_slice"])
def test_dense_gathers(call):
    g = _grad(lambda v: tf.reduce_sum(call(v)))
    assert type(g) is tf.Tensor


def test_embedding_lookup_sharded_div_strategy():
    v1, v2 = tf.Variable([[0.0], [1.0], [5.0]]), tf.Variable([[2.0], [3.0]])
    with tf.GradientTape() as tape:
        e = tf.nn.embedding_lookup([v1, v2], [[4, 0], [1, 4]])
        y = tf.reduce_sum(e * tf.constant([[[1.0], [2.0]], [[3.0], [4.0]]]))
    np.testing.assert_array_equal(e.numpy(), [[[3.0], [0.0]], [[1.0], [3.0]]])
    g1, g2 = tape.gradient(y, [v1, v2])
    _slices(g1, [0, 1], [[2.0], [3.0]], (3, 1))
    _slices(g2, [1, 1], [[1.0], [4.0]], (2, 1))


def test_embedding_lookup_max_norm_gradient():
    v = tf.Variable([[3.0, 4.0], [0.3, 0.4], [1.0, 1.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.embedding_lookup(v, [0, 1, 0], max_norm=1.0) * tf.constant([[1.0, 2.0]]))
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), [[-0.128, 0.096], [1.0, 2.0], [0.0, 0.0]],
                               rtol=1e-5, atol=1e-6)


# -- aggregation in the engine ----------------------------------------------------------------------------------------


def test_two_gathers_concatenate_in_recording_order():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0])) + tf.reduce_sum(tf.gather(v, [1, 1])))
    _slices(g, [0, 1, 1], [[1, 1]] * 3)


def test_mixed_index_dtypes_aggregate_as_int64():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0])) + tf.reduce_sum(tf.gather(v, tf.constant([1, 1], tf.int64))))
    _slices(g, [0, 1, 1], [[1, 1]] * 3, index_dtype="int64")


def test_dense_plus_sparse_is_dense_with_duplicates_summed():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0, 0])) + tf.reduce_sum(v * 2.0))
    assert type(g) is tf.Tensor
    np.testing.assert_array_equal(g.numpy(), [[4, 4], [2, 2], [2, 2]])
    g = _grad(lambda v: tf.reduce_sum(v * 2.0) + tf.reduce_sum(tf.gather(v, [0, 0])))
    np.testing.assert_array_equal(g.numpy(), [[4, 4], [2, 2], [2, 2]])


def test_zero_option_keeps_connected_indexed_slices():
    v, u = tf.Variable(P), tf.Variable(P)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0]))
    gv, gu = tape.gradient(y, [v, u], unconnected_gradients="zero")
    assert isinstance(gv, tf.IndexedSlices) and type(gu) is tf.Tensor
    np.testing.assert_array_equal(gu.numpy(), np.zeros((3, 2)))


def test_gradient_through_a_gathered_intermediate_is_densified():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v * 2.0, [0, 0]) ** 2))
    assert type(g) is tf.Tensor
    np.testing.assert_array_equal(g.numpy(), [[16, 32], [0, 0], [0, 0]])


def test_multi_output_op_upstream_is_densified():
    v = tf.Variable([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    with tf.GradientTape() as tape:
        a, _ = tf.unstack(tf.reshape(v, [2, 3]))
        y = tf.reduce_sum(tf.gather(a, [0, 0]) * tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [3, 0, 0, 0, 0, 0])


def test_jacobian_is_dense():
    v = tf.Variable(P)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.gather(v, [0, 2, 0])
        s = tf.reduce_sum(y * y)
    j = tape.jacobian(y, v)
    assert type(j) is tf.Tensor and j.shape == (3, 2, 3, 2)
    np.testing.assert_array_equal(tf.reduce_sum(j, axis=[0, 1]).numpy(), [[2, 2], [0, 0], [1, 1]])
    np.testing.assert_array_equal(tape.jacobian(s, v).numpy(), [[4, 8], [0, 0], [10, 12]])


# -- higher order ---------------------------------------------------------------------------------------------------


def test_second_order_through_densified_slices_stays_sparse():
    x = tf.Variable(P)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(x, [0, 0, 2]) ** 3)
        g = inner.gradient(y, x)
        assert isinstance(g, tf.IndexedSlices)
        s = tf.reduce_sum(tf.convert_to_tensor(g) ** 2)
    h = outer.gradient(s, x)
    _slices(h, [0, 0, 2], [[72, 576], [72, 576], [4500, 7776]])


def test_second_order_through_values():
    x = tf.Variable(P)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(x, [0, 0, 2]) ** 3)
        s = tf.reduce_sum(inner.gradient(y, x).values ** 2)
    _slices(outer.gradient(s, x), [0, 0, 2], [[36, 288], [36, 288], [4500, 7776]])


def test_second_order_dense_plus_sparse_in_recorded_backward():
    x = tf.Variable([1.0, 2.0, 3.0], dtype=tf.float64)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(x, [2, 2]) ** 3) + tf.reduce_sum(x ** 2)
        g = inner.gradient(y, x)  # dense: 2x + 6 x_2^2 e_2
        assert type(g) is tf.Tensor
        s = tf.reduce_sum(g * tf.constant([1.0, 1.0, 1.0], tf.float64))
    np.testing.assert_allclose(outer.gradient(s, x).numpy(), [2.0, 2.0, 2.0 + 12.0 * 3.0])


def test_third_order():
    x = tf.Variable([0.5, 1.5], dtype=tf.float64)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = tf.reduce_sum(tf.gather(x, [1, 0, 1]) ** 4)
            s1 = tf.reduce_sum(tf.convert_to_tensor(t1.gradient(y, x)))
        s2 = tf.reduce_sum(tf.convert_to_tensor(t2.gradient(s1, x)))
    g3 = tf.convert_to_tensor(t3.gradient(s2, x))
    counts = np.array([1.0, 2.0])
    np.testing.assert_allclose(g3.numpy(), 24 * counts * x.numpy())


# -- the object itself ----------------------------------------------------------------------------------------------


def test_str_and_repr():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0]) * tf.constant([[1.0, 2.0]])))
    assert str(g) == (
        "IndexedSlices(indices=tapegrad.Tensor([0], shape=(1,), dtype=int32), values=tapegrad.Tensor([[1. 2.]], "
        "shape=(1, 2), dtype=float32), dense_shape=tapegrad.Tensor([3 2], shape=(2,), dtype=int32))"
    )
    assert repr(g).startswith("<tapegrad._indexed_slices.IndexedSlices object at 0x")
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([0]))
    assert str(s) == ("IndexedSlices(indices=tapegrad.Tensor([0], shape=(1,), dtype=int32), "
                      "values=tapegrad.Tensor([[1. 2.]], shape=(1, 2), dtype=float32))")
    assert s.dense_shape is None and s.shape.rank is None


def test_operators_raise_type_error_like_tf():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0])))
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \*: 'IndexedSlices' and 'float'"):
        g * 2.0
    with pytest.raises(TypeError):
        2.0 * g
    with pytest.raises(TypeError):
        g + g
    with pytest.raises(TypeError):
        len(g)


def test_negation_stays_sparse():
    g = -_grad(lambda v: tf.reduce_sum(tf.gather(v, [0, 2])))
    _slices(g, [0, 2], [[-1, -1]] * 2)


def test_ops_densify_summing_duplicates():
    g = _grad(lambda v: tf.reduce_sum(tf.gather(v, [0, 0])))
    want = [[4.0, 4.0], [0.0, 0.0], [0.0, 0.0]]
    for out in (tf.multiply(g, 2.0), g * tf.constant(2.0), tf.constant(2.0) * g, tf.multiply(2.0, g)):
        assert type(out) is tf.Tensor
        np.testing.assert_array_equal(out.numpy(), want)
    np.testing.assert_array_equal(tf.add_n([g, tf.ones([3, 2])]).numpy(), [[3, 3], [1, 1], [1, 1]])
    assert float(tf.reduce_sum(g)) == 4.0
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy(), [[2, 2], [0, 0], [0, 0]])
    with pytest.raises(errors.InvalidArgumentError):
        tf.multiply(g, tf.constant(2.0, tf.float64))


def test_constructor_and_densify_errors():
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([0, 0]), tf.constant([3, 2]))
    np.testing.assert_array_equal(tf.convert_to_tensor(s).numpy(), [[4, 6], [0, 0], [0, 0]])
    s = tf.IndexedSlices([[1.0, 2.0]], [0], [3, 2])  # Python values are converted
    assert s.values.dtype == tf.float32 and s.shape == (3, 2)
    bad = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([0, 5]), tf.constant([3, 2]))
    with pytest.raises(errors.InvalidArgumentError, match=r"indices\[1\] = 5 is not in \[0, 3\)"):
        tf.convert_to_tensor(bad)
    with pytest.raises(ValueError, match="without dense_shape"):
        tf.convert_to_tensor(tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([0])))


# -- variables consume IndexedSlices ----------------------------------------------------------------------------------


def _var_and_grad():
    v = tf.Variable(P)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]))
    return v, tape.gradient(y, v)


def test_scatter_sub_applies_rows_with_duplicates():
    v, g = _var_and_grad()
    v.scatter_sub(tf.IndexedSlices(g.values * 0.1, g.indices, g.dense_shape))
    np.testing.assert_allclose(v.numpy(), [[0.8, 1.8], [3.0, 4.0], [4.9, 5.9]], rtol=1e-6)


def test_assign_sub_and_assign_add_match_densified_update():
    v, g = _var_and_grad()
    v.assign_sub(g)
    np.testing.assert_array_equal(v.numpy(), [[-1, 0], [3, 4], [4, 5]])
    v, g = _var_and_grad()
    v.assign_add(g)
    np.testing.assert_array_equal(v.numpy(), [[3, 4], [3, 4], [6, 7]])


def test_assign_densifies_like_tf():
    v = tf.Variable(P)
    v.assign(tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([0]), tf.constant([3, 2])))
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [0, 0], [0, 0]])


def test_scatter_out_of_range_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError):
        tf.Variable(P).scatter_sub(tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([5]), tf.constant([3, 2])))


def test_scatter_dtype_mismatch_raises():
    with pytest.raises(ValueError):
        tf.Variable(P).scatter_sub(tf.IndexedSlices(tf.constant([[1.0, 2.0]], tf.float64), tf.constant([1]),
                                                    tf.constant([3, 2])))
