"""Array creation/indexing/restructuring ops (ops/creation.py, indexing.py, scatter.py, slicing.py, joining.py,
shape_ops.py, tiling.py), beyond the registry-generated checks.

Expected values, dtypes and exception types were measured on real TensorFlow 2.21 with the same programs (float32
sequences such as ``tf.range(0., 1., 0.1)`` included bit for bit). Gradients are also checked against float64
central differences, second derivatives against differences of first derivatives. No TensorFlow is needed.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors

from .opcheck import direction, inner, numeric_directional

X24 = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)


def _eq(t, expected, dtype):
    assert isinstance(t, tf.Tensor), type(t)
    assert t.dtype == getattr(tf, dtype), f"dtype {t.dtype.name}, expected {dtype}"
    np.testing.assert_array_equal(t.numpy(), np.asarray(expected, dtype=t.dtype.as_numpy_dtype))
    assert t.shape == np.shape(expected)


# -- creation ---------------------------------------------------------------------------------------------------------


def test_range_dtypes_and_values():
    _eq(tf.range(5), [0, 1, 2, 3, 4], "int32")
    _eq(tf.range(0.5, 3), [0.5, 1.5, 2.5], "float32")
    _eq(tf.range(5, dtype=tf.float64), [0, 1, 2, 3, 4], "float64")
    _eq(tf.range(5, 0, -2), [5, 3, 1], "int32")
    _eq(tf.range(tf.constant(5, tf.int64)), [0, 1, 2, 3, 4], "int64")
    _eq(tf.range(1, 5.5, 2), [1, 3, 5], "float32")
    _eq(tf.range(np.float64(1.5)), [0, 1], "float64")
    _eq(tf.range(tf.constant(0), tf.constant(3, tf.int64)), [0, 1, 2], "int64")
    _eq(tf.range(0, 10, 3), [0, 3, 6, 9], "int32")


def test_range_float32_values_match_tf_bit_for_bit():
    # TF's kernel computes start + T(i) * delta in float32 (not an accumulated sum, not float64)
    assert tf.range(0.0, 1.0, 0.1).numpy().tolist() == [
        0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645, 0.5,
        0.6000000238418579, 0.699999988079071, 0.800000011920929, 0.9000000357627869]
    assert tf.range(-3.3, 2.1, 0.7).numpy().tolist() == [
        -3.299999952316284, -2.5999999046325684, -1.899999976158142, -1.2000000476837158, -0.5,
        0.20000004768371582, 0.8999998569488525, 1.6000001430511475]


@pytest.mark.parametrize("args,kwargs,exc", [
    ((1, 5, 0), {}, errors.InvalidArgumentError),
    ((5, 1, 1), {}, errors.InvalidArgumentError),
    ((3.0,), {"dtype": tf.int64}, TypeError),
])
def test_range_errors(args, kwargs, exc):
    with pytest.raises(exc, match="range"):
        tf.range(*args, **kwargs)


def test_range_is_not_differentiable():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        r = tf.range(x, 5.0, 1.0)
    assert tape.gradient(r, x) is None


def test_linspace_values_and_dtypes():
    _eq(tf.linspace(1, 5, 3), [1, 3, 5], "float64")
    _eq(tf.linspace(1.0, 5.0, 1), [1], "float32")
    _eq(tf.linspace(1.0, 5.0, 0), np.zeros(0), "float32")
    _eq(tf.linspace([0.0, 1.0], [4.0, 5.0], 3, axis=1), [[0, 2, 4], [1, 3, 5]], "float32")
    _eq(tf.linspace(0.0, [4.0, 5.0], 3), [[0, 0], [2, 2.5], [4, 5]], "float32")
    assert tf.linspace([[0.0, 1.0]], [[4.0, 5.0]], 3, axis=-1).shape == (1, 2, 3)
    assert tf.linspace(0.1, 1.7, 7).numpy().tolist() == [
        0.10000000149011612, 0.36666667461395264, 0.6333333849906921, 0.9000000953674316, 1.1666667461395264,
        1.433333396911621, 1.7000000476837158]
    with pytest.raises(errors.InvalidArgumentError, match="linspace"):
        tf.linspace(0.0, 1.0, -1)
    with pytest.raises(ValueError):
        tf.linspace(tf.constant(0.0, tf.float64), tf.constant(1.0), 3)


def test_linspace_gradient():
    a, b = tf.Variable([1.0, 2.0]), tf.Variable(5.0)
    with tf.GradientTape() as tape:
        y = tf.linspace(a, b, 4, axis=-1) ** 2
    ga, gb = tape.gradient(y, [a, b])
    # d/da sum_k ((1-w_k) a + w_k b)^2 with w = [0, 1/3, 2/3, 1]; TF 2.21 gives exactly these float32 values
    assert ga.numpy().tolist() == [7.55555534362793, 10.666666030883789]
    np.testing.assert_allclose(gb.numpy(), 33.77777862548828, rtol=1e-7)
    x, y = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape() as tape:
        z = tf.linspace(x, y, 4)
    assert [float(g) for g in tape.gradient(z, [x, y])] == [2.0, 2.0]


def test_fill_eye_one_hot():
    _eq(tf.fill([2, 2], 3), [[3, 3], [3, 3]], "int32")
    _eq(tf.fill([2], np.float64(3.0)), [3, 3], "float64")
    _eq(tf.fill([], 1.0), 1.0, "float32")
    _eq(tf.eye(2, 3), [[1, 0, 0], [0, 1, 0]], "float32")
    _eq(tf.eye(2, batch_shape=[2], dtype=tf.int32), [np.eye(2)] * 2, "int32")
    _eq(tf.linalg.eye(2, dtype=tf.bool), np.eye(2, dtype=bool), "bool")
    _eq(tf.one_hot([0, 2, -1, 5], 3), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]], "float32")
    _eq(tf.one_hot([[0, 2], [1, 1]], 3, axis=0), np.moveaxis(np.eye(3)[[[0, 2], [1, 1]]], -1, 0), "float32")
    _eq(tf.one_hot([0, 2], 3, on_value=5, off_value=-1), [[5, -1, -1], [-1, -1, 5]], "int32")
    _eq(tf.one_hot([1], 3, on_value=np.int64(2)), [[0, 2, 0]], "int64")
    _eq(tf.one_hot([1], 3, on_value=True, off_value=False), [[False, True, False]], "bool")
    _eq(tf.one_hot(np.array([0, 2], np.uint8), 3, dtype=tf.int64), [[1, 0, 0], [0, 0, 1]], "int64")


def test_fill_gradient_sums_and_one_hot_has_none():
    x, y = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(persistent=True) as tape:
        a = tf.fill([2, 3], x) * tf.constant([[1.0, 2.0, 3.0]])
        b = tf.one_hot([0, 1], 3, on_value=x, off_value=y)
        c = tf.pad(tf.ones([2]) * x, [[1, 1]], constant_values=y)
    assert float(tape.gradient(a, x)) == 12.0
    assert tape.gradient(b, [x, y]) == [None, None]
    gx, gy = tape.gradient(c, [x, y])
    assert float(gx) == 2.0 and gy is None


@pytest.mark.parametrize("call,exc", [
    (lambda: tf.fill([2, -2], 3.0), errors.InvalidArgumentError),
    (lambda: tf.fill([2, 2], [3.0, 4.0]), errors.InvalidArgumentError),
    (lambda: tf.eye(-1), errors.InvalidArgumentError),
    (lambda: tf.one_hot([0, 2], 3, on_value=5, off_value=-1.0), TypeError),
    (lambda: tf.one_hot([0.0, 2.0], 3), errors.InvalidArgumentError),
    (lambda: tf.one_hot([0, 2], 3, on_value=5.0, dtype=tf.int32), TypeError),
    (lambda: tf.one_hot([0], -1), errors.InvalidArgumentError),
])
def test_creation_errors(call, exc):
    with pytest.raises(exc):
        call()


def test_shape_size_rank():
    x = tf.zeros([2, 3])
    _eq(tf.shape(x), [2, 3], "int32")
    _eq(tf.shape(x, out_type=tf.int64), [2, 3], "int64")
    _eq(tf.size(x), 6, "int32")
    _eq(tf.rank(x), 2, "int32")
    _eq(tf.shape([[1, 2]]), [1, 2], "int32")
    _eq(tf.shape(tf.constant(1.0)), np.zeros(0), "int32")
    with pytest.raises(errors.InvalidArgumentError):
        tf.shape(x, out_type=tf.float32)
    v = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tf.shape(v)
    assert len(tape.watched_variables()) == 1  # TF: reading a variable's shape is a watched read


# -- indexing -------------------------------------------------------------------------------------------------------


def test_gather_forward():
    p = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = tf.constant(X24)
    _eq(tf.gather(p, 1), [3, 4], "float32")
    _eq(tf.gather(p, [1, 0], axis=-1), [[2, 1], [4, 3], [6, 5]], "float32")
    want = [[[0, 2], [4, 6], [8, 10]], [[13, 13], [17, 17], [21, 21]]]
    _eq(tf.gather(x, [[0, 2], [1, 1]], axis=2, batch_dims=1), want, "float32")
    _eq(tf.gather(x, [[0, 2], [1, 1]], batch_dims=-1), want, "float32")  # TF: default axis = batch_dims as given
    _eq(tf.gather(x, [[0, 2], [1, 1]], batch_dims=1), [X24[0, [0, 2]], X24[1, [1, 1]]], "float32")
    _eq(tf.gather(x, [[[0], [1], [2]], [[2], [2], [1]]], axis=2, batch_dims=2),
        [[[0], [5], [10]], [[14], [18], [21]]], "float32")
    x4 = np.arange(48.0, dtype=np.float32).reshape(2, 2, 3, 4)
    _eq(tf.gather(tf.constant(x4), [[1, 0], [2, 2]], axis=2, batch_dims=1),
        np.stack([x4[0][:, [1, 0]], x4[1][:, [2, 2]]]), "float32")
    _eq(tf.gather([1, 2, 3], [2, 0]), [3, 1], "int32")
    _eq(tf.gather(p, tf.zeros([0], tf.int32)), np.zeros((0, 2)), "float32")


@pytest.mark.parametrize("call,pattern", [
    (lambda p: tf.gather(p, [0, 5]), r"gather: indices\[1\] = 5 is not in \[0, 3\)"),
    (lambda p: tf.gather(p, [-1]), r"gather: indices\[0\] = -1 is not in \[0, 3\)"),
    (lambda p: tf.gather(p, [[0, 2]], axis=1), r"gather: indices\[0,1\] = 2 is not in \[0, 2\)"),
    (lambda p: tf.gather(p, [0.0]), r"gather: indices must be an int32 or int64 tensor, got dtype float32"),
    (lambda p: tf.gather(p, [0], axis=2), r"gather: axis 2 is out of range"),
    (lambda p: tf.gather(tf.constant(1.0), [0]), r"gather: params must be at least 1-dimensional"),
    (lambda p: tf.gather(tf.zeros([2, 3, 4]), [[0], [1], [0]], batch_dims=1), r"batch_dims=1"),
    (lambda p: tf.nn.embedding_lookup(p, [5]), r"embedding_lookup: indices\[0\] = 5 is not in \[0, 3\)"),
    (lambda p: tf.gather_nd(p, [[0, 2]]), r"gather_nd: indices\[0\] = \[0, 2\] does not index into param shape"),
    (lambda p: tf.gather_nd(p, [[0, 1, 1]]), r"gather_nd: the index vectors have length 3"),
    (lambda p: tf.scatter_nd([[1], [5]], [9.0, 10.0], [5]), r"scatter_nd: indices\[1\] = \[5\] does not index"),
    (lambda p: tf.scatter_nd([[1], [2]], [9.0, 10.0, 1.0], [5]), r"scatter_nd: updates must have shape"),
    (lambda p: tf.tensor_scatter_nd_update([1.0, 2.0], [[1], [2]], [9.0, 10.0]),
     r"tensor_scatter_nd_update: indices\[1\] = \[2\]"),
    (lambda p: tf.tensor_scatter_nd_add([1.0, 2.0], [[-1]], [9.0]), r"tensor_scatter_nd_add: indices\[0\] = \[-1\]"),
    (lambda p: tf.repeat([1.0, 2.0], [1, -1]), r"repeat: repeats\[1\] = -1 is negative"),
])
def test_index_errors_name_op_and_offender(call, pattern):
    with pytest.raises(errors.InvalidArgumentError, match=pattern):
        call(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))


def test_gather_nd_boolean_mask_repeat_forward():
    x = tf.constant(X24)
    p2 = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    _eq(tf.gather_nd(x, [[1], [2]], batch_dims=1), [X24[0, 1], X24[1, 2]], "float32")
    _eq(tf.gather_nd(p2, tf.zeros([2, 0], tf.int32)), [[[1, 2], [3, 4]]] * 2, "float32")
    _eq(tf.gather_nd(x, [[[0, 1]], [[1, 2]]]), [[X24[0, 1]], [X24[1, 2]]], "float32")
    _eq(tf.gather_nd(x, [[[1, 2]], [[0, 0]]], batch_dims=1), [[X24[0, 1, 2]], [X24[1, 0, 0]]], "float32")
    _eq(tf.boolean_mask(x, [[True, False, True], [False, False, True]]), X24[[0, 0, 1], [0, 2, 2]], "float32")
    _eq(tf.boolean_mask(x, [True, False, True, True], axis=2), X24[:, :, [0, 2, 3]], "float32")
    _eq(tf.boolean_mask(x, [1, 0]), X24[:1], "float32")
    _eq(tf.boolean_mask(p2, [False, False]), np.zeros((0, 2)), "float32")
    _eq(tf.repeat([[1, 2], [3, 4]], 2), [1, 1, 2, 2, 3, 3, 4, 4], "int32")
    _eq(tf.repeat([[1, 2], [3, 4]], [1, 3], axis=1), [[1, 2, 2, 2], [3, 4, 4, 4]], "int32")
    _eq(tf.repeat(3, 2), [3, 3], "int32")
    _eq(tf.repeat([1.0, 2.0], tf.constant([1, 2])), [1, 2, 2], "float32")
    with pytest.raises(ValueError):
        tf.boolean_mask(x, True)
    with pytest.raises(ValueError):
        tf.boolean_mask(p2, [[True, False, True]])
    with pytest.raises(ValueError):
        tf.repeat([[1, 2], [3, 4]], [1, 3, 1], axis=1)


def test_scatter_family_forward_and_gradients():
    _eq(tf.scatter_nd([[1], [3], [1]], [9.0, 10, 11], [5]), [0, 20, 0, 10, 0], "float32")
    _eq(tf.scatter_nd([[1]], [[9.0, 10]], [3, 2]), [[0, 0], [9, 10], [0, 0]], "float32")
    _eq(tf.scatter_nd([[0]], [1], [2]), [1, 0], "int32")
    _eq(tf.tensor_scatter_nd_update([1.0, 2, 3, 4], [[1], [1]], [9.0, 10]), [1, 10, 3, 4], "float32")  # last wins
    _eq(tf.tensor_scatter_nd_add([1.0, 2, 3, 4], [[1], [1]], [9.0, 10]), [1, 21, 3, 4], "float32")
    _eq(tf.tensor_scatter_nd_add([1.0, 2, 3, 4], [[1]], tf.constant([9.0], tf.float64)), [1, 11, 3, 4], "float64")
    x, u = tf.Variable([1.0, 2.0, 3.0, 4.0]), tf.Variable([9.0, 10.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.tensor_scatter_nd_update(x, [[1], [1]], u) * tf.constant([1.0, 2.0, 3.0, 4.0]))
    gx, gu = tape.gradient(y, [x, u])
    _eq(gx, [1, 0, 3, 4], "float32")
    _eq(gu, [2, 2], "float32")  # TF: every duplicate update gets the upstream


def test_embedding_lookup_forward():
    e = tf.constant([[3.0, 4.0], [0.3, 0.4], [1.0, 1.0]])
    np.testing.assert_allclose(tf.nn.embedding_lookup(e, [0, 1, 2], max_norm=1.0).numpy(),
                               [[0.6, 0.8], [0.3, 0.4], [0.70710677, 0.70710677]], rtol=1e-6)
    _eq(tf.nn.embedding_lookup([e, e[:2]], [0, 1, 2, 3, 4]), [[3, 4], [0.3, 0.4], [1, 1], [3, 4], [0.3, 0.4]],
        "float32")
    _eq(tf.nn.embedding_lookup(tf.constant([1.0, 2.0]), [[1, 0]]), [[2, 1]], "float32")
    shards = [tf.constant([[0.0], [1.0]]), tf.constant([[2.0], [3.0]]), tf.constant([[4.0]])]
    _eq(tf.nn.embedding_lookup(shards, [0, 1, 2, 3, 4]), [[0], [1], [2], [3], [4]], "float32")
    with pytest.raises(errors.InvalidArgumentError):  # "div" puts 2 rows in the second shard, which has 1
        tf.nn.embedding_lookup([tf.constant([[0.0], [1.0]]), tf.constant([[2.0]]), tf.constant([[3.0], [4.0]])],
                               [0, 1, 2, 3, 4])


# -- restructuring ----------------------------------------------------------------------------------------------------


def test_split_unstack():
    x = tf.constant(X24)
    assert [t.shape.as_list() for t in tf.split(x, [1, -1, 1], axis=2)] == [[2, 3, 1], [2, 3, 2], [2, 3, 1]]
    assert [t.shape.as_list() for t in tf.split(x, tf.constant([1, 3]), axis=2)] == [[2, 3, 1], [2, 3, 3]]
    assert [t.shape.as_list() for t in tf.split(x, 2, axis=tf.constant(0))] == [[1, 3, 4], [1, 3, 4]]
    assert [t.shape.as_list() for t in tf.split(x, [0, 4], axis=-1)] == [[2, 3, 0], [2, 3, 4]]
    _eq(tf.split(x, 2, axis=2)[1], X24[:, :, 2:], "float32")
    parts = tf.unstack(x, axis=-1)
    assert len(parts) == 4
    _eq(parts[3], X24[:, :, 3], "float32")
    assert len(tf.unstack(x, num=2)) == 2
    for call, exc in [(lambda: tf.split(x, 3, axis=2), errors.InvalidArgumentError),
                      (lambda: tf.split(x, [1, 2], axis=2), errors.InvalidArgumentError),
                      (lambda: tf.split(x, [-1, -1, 2], axis=2), errors.InvalidArgumentError),
                      (lambda: tf.split(x, 0, axis=2), errors.InvalidArgumentError),
                      (lambda: tf.split(x, [2.0, 2.0], axis=2), errors.InvalidArgumentError),
                      (lambda: tf.unstack(x, num=2, axis=1), errors.InvalidArgumentError),
                      (lambda: tf.unstack(tf.constant(1.0)), ValueError),
                      (lambda: tf.unstack(x, axis=3), ValueError)]:
        with pytest.raises(exc):
            call()


def test_squeeze_expand_dims_slice():
    z = tf.zeros([1, 2, 1, 3, 1])
    assert tf.squeeze(z).shape == (2, 3)
    assert tf.squeeze(z, [0, -1]).shape == (2, 1, 3)
    assert tf.squeeze(z, 2).shape == (1, 2, 3, 1)
    assert tf.expand_dims(tf.zeros([2, 3]), -3).shape == (1, 2, 3)
    assert tf.expand_dims(tf.zeros([2, 3]), [1]).shape == (2, 1, 3)
    _eq(tf.slice(tf.constant(X24), [0, 1, 1], [-1, 2, -1]), X24[:, 1:3, 1:], "float32")
    assert tf.slice(tf.constant(X24), [1, 3, 4], [1, 0, 0]).shape == (1, 0, 0)
    with pytest.raises(errors.InvalidArgumentError, match="squeeze: cannot squeeze dim 1: expected a dimension of 1"):
        tf.squeeze(z, [1])
    with pytest.raises(errors.InvalidArgumentError, match="expand_dims"):
        tf.expand_dims(tf.zeros([2, 3]), 3)
    with pytest.raises(errors.InvalidArgumentError, match=r"slice: size\[1\] = 2 is not in \[0, 1\]"):
        tf.slice(tf.constant(X24), [0, 2, 1], [-1, 2, -1])
    with pytest.raises(errors.InvalidArgumentError, match=r"slice: begin\[0\] = -1"):
        tf.slice(tf.constant(X24), [-1, 1, 1], [-1, 2, -1])


def test_tile_pad_reverse_roll():
    m = tf.constant([[1, 2, 3], [4, 5, 6]])
    _eq(tf.tile(tf.constant([[1, 2]]), [2, 3]), [[1, 2, 1, 2, 1, 2]] * 2, "int32")
    _eq(tf.tile(tf.constant(1.0), []), 1.0, "float32")
    _eq(tf.pad(tf.constant([[1, 2], [3, 4]]), [[1, 0], [0, 2]], constant_values=7),
        [[7, 7, 7, 7], [1, 2, 7, 7], [3, 4, 7, 7]], "int32")
    _eq(tf.pad(m, [[1, 1], [2, 2]], "REFLECT"),
        [[6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]], "int32")
    _eq(tf.pad(m, [[1, 1], [2, 2]], "symmetric"),
        [[2, 1, 1, 2, 3, 3, 2], [2, 1, 1, 2, 3, 3, 2], [5, 4, 4, 5, 6, 6, 5], [5, 4, 4, 5, 6, 6, 5]], "int32")
    _eq(tf.pad(tf.constant([[1.0, 2, 3]]), [[1, 0], [0, 0]], constant_values=tf.constant(2.0)),
        [[2, 2, 2], [1, 2, 3]], "float32")
    _eq(tf.reverse(tf.constant([[1, 2], [3, 4]]), [0, -1]), [[4, 3], [2, 1]], "int32")
    _eq(tf.roll([[1, 2, 3], [4, 5, 6]], [1, -1], [0, 1]), [[5, 6, 4], [2, 3, 1]], "int32")
    _eq(tf.roll([[1, 2, 3], [4, 5, 6]], [1, 1], [1, 1]), [[2, 3, 1], [5, 6, 4]], "int32")
    _eq(tf.roll([1, 2, 3], -7, 0), [2, 3, 1], "int32")
    for call, exc in [(lambda: tf.tile(m, [2]), errors.InvalidArgumentError),
                      (lambda: tf.tile(m, [2, -1]), errors.InvalidArgumentError),
                      (lambda: tf.pad(m, [[2, 0], [0, 0]], "REFLECT"), errors.InvalidArgumentError),
                      (lambda: tf.pad(m, [[3, 0], [0, 0]], "SYMMETRIC"), errors.InvalidArgumentError),
                      (lambda: tf.pad(m, [[-1, 0], [0, 0]]), errors.InvalidArgumentError),
                      (lambda: tf.pad(m, [[1, 0]]), errors.InvalidArgumentError),
                      (lambda: tf.pad(m, [[1, 0], [0, 0]], "WRAP"), ValueError),
                      (lambda: tf.pad(m, [[1, 0], [0, 0]], constant_values=1.5), TypeError),
                      (lambda: tf.reverse(m, [0, -2]), errors.InvalidArgumentError),
                      (lambda: tf.reverse(m, 1), errors.InvalidArgumentError),
                      (lambda: tf.roll([1, 2, 3], [1, 2], 0), errors.InvalidArgumentError),
                      (lambda: tf.roll([1, 2, 3], 1, 1), errors.InvalidArgumentError)]:
        with pytest.raises(exc):
            call()


def test_meshgrid():
    a, b = tf.meshgrid([1, 2, 3], [4, 5])
    _eq(a, [[1, 2, 3], [1, 2, 3]], "int32")
    _eq(b, [[4, 4, 4], [5, 5, 5]], "int32")
    assert [t.shape.as_list() for t in tf.meshgrid([1, 2, 3], [4, 5], [6, 7, 8, 9])] == [[2, 3, 4]] * 3
    assert [t.shape.as_list() for t in tf.meshgrid([1, 2, 3], [4, 5], indexing="ij")] == [[3, 2]] * 2
    assert [t.shape.as_list() for t in tf.meshgrid([[1, 2, 3]], [4, 5])] == [[2, 3]] * 2
    assert tf.meshgrid() == []
    x, y = tf.Variable([1.0, 2.0, 3.0]), tf.Variable([4.0, 5.0])
    with tf.GradientTape() as tape:
        gx, _ = tf.meshgrid(x, y)
    assert tape.gradient(gx, y) is None  # TF: a grid depends on its own vector only
    for call, exc in [(lambda: tf.meshgrid([1], indexing="foo"), ValueError),
                      (lambda: tf.meshgrid([1], foo=1), TypeError),
                      (lambda: tf.meshgrid([1, 2, 3], [1.0]), errors.InvalidArgumentError)]:
        with pytest.raises(exc):
            call()


# -- gradients: numerical, second order, dtype, batched cotangents, large saved inputs ---------------------------------

NONLINEAR = {
    "gather0": (lambda x: tf.gather(x, [0, 2, 0]) ** 3, (3, 2)),
    "gather_axis1_bd": (lambda x: tf.sin(tf.gather(x, [[0, 2], [1, 1]], axis=2, batch_dims=1)), (2, 3, 4)),
    "gather_nd_rows": (lambda x: tf.gather_nd(x * x, [[1], [1]]), (3, 2)),
    "embedding_max_norm": (lambda x: tf.nn.embedding_lookup(x, [0, 1, 0], max_norm=0.7) ** 2, (3, 2)),
    "boolean_mask": (lambda x: tf.exp(tf.boolean_mask(x, [True, False, True])), (3, 2)),
    "repeat": (lambda x: tf.repeat(x, [2, 0, 1], axis=0) ** 3, (3, 2)),
    "scatter_nd": (lambda x: tf.scatter_nd([[1], [1], [0]], x * x, [3, 2]), (3, 2)),
    "tensor_scatter_update": (lambda x: tf.tensor_scatter_nd_update(x, [[1]], x[:1] * x[2:]) ** 2, (3, 2)),
    "pad_reflect": (lambda x: tf.pad(x, [[1, 1], [1, 0]], "REFLECT") ** 3, (3, 2)),
    "pad_symmetric": (lambda x: tf.pad(x * x, [[2, 1], [1, 2]], "SYMMETRIC"), (3, 2)),
    "tile_roll_reverse": (lambda x: tf.roll(tf.reverse(tf.tile(x, [2, 1]), [0]), [1], [1]) ** 3, (3, 2)),
    "split_unstack": (lambda x: tf.split(x, [1, 2], axis=0)[1] ** 3 + tf.unstack(x, axis=0)[1] ** 2, (3, 2)),
    "linspace_fill": (lambda x: tf.linspace(x[0, 0], x[1, 1], 5) ** 3 + tf.fill([5], x[2, 1] ** 2), (3, 2)),
    "meshgrid": (lambda x: tf.meshgrid(x[:, 0], x[:, 1])[0] ** 2 * tf.meshgrid(x[:, 0], x[:, 1])[1], (3, 2)),
    "slice_squeeze_expand": (lambda x: tf.expand_dims(tf.squeeze(tf.slice(x, [1, 0], [1, -1])), 0) ** 3, (3, 2)),
}


def _loss(f, x, w):
    return tf.reduce_sum(tf.constant(w) * f(x))


@pytest.mark.parametrize("name", sorted(NONLINEAR))
def test_gradient_and_second_order_vs_central_differences(name):
    f, shape = NONLINEAR[name]
    rng = np.random.default_rng(7)
    x0 = rng.uniform(0.5, 1.5, size=shape)
    w = rng.normal(size=f(tf.constant(x0)).shape.as_list())
    v = direction(x0, rng)

    def L(xs):
        return float(_loss(f, tf.constant(xs[0]), w))

    def first(xs):
        x = tf.constant(xs[0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = _loss(f, x, w)
        return inner(tf.convert_to_tensor(tape.gradient(y, x)).numpy(), v)

    x = tf.Variable(x0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as tape:
            y = _loss(f, x, w)
        g = tf.convert_to_tensor(tape.gradient(y, x))
        s = tf.reduce_sum(g * tf.constant(v))
    h = tf.convert_to_tensor(outer.gradient(s, x))
    u = direction(x0, rng)
    np.testing.assert_allclose(inner(g.numpy(), u), numeric_directional(L, [x0], 0, u), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(inner(h.numpy(), u), numeric_directional(first, [x0], 0, u, eps=1e-5), rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("name", sorted(NONLINEAR))
def test_float32_gradients_keep_dtype(name):
    f, shape = NONLINEAR[name]
    x = tf.Variable(np.random.default_rng(0).uniform(0.5, 1.5, size=shape).astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(f(x))
    g = tape.gradient(y, x)
    assert g.dtype == tf.float32 and tf.convert_to_tensor(g).dtype == tf.float32


@pytest.mark.parametrize("name", sorted(NONLINEAR))
def test_jacobian_matches_row_gradients(name):
    """Batched cotangents (leading batch axes) through every rule, vs one gradient per output element."""
    f, shape = NONLINEAR[name]
    x = tf.Variable(np.random.default_rng(1).uniform(0.5, 1.5, size=shape))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reshape(f(x), [-1])
        rows = [y[i] for i in range(y.shape[0])]
    jac = tape.jacobian(y, x)
    assert type(jac) is tf.Tensor and jac.shape == y.shape.as_list() + list(shape)
    for i, r in enumerate(rows):
        g = tape.gradient(r, x)
        want = np.zeros(shape) if g is None else tf.convert_to_tensor(g).numpy()
        np.testing.assert_allclose(jac.numpy()[i], want, rtol=1e-12, atol=1e-12)


def test_multi_output_jacobian_with_unused_outputs():
    x = tf.Variable(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape(persistent=True) as tape:
        a = tf.unstack(x, axis=1)[2]
        b = tf.split(x, [1, 2], axis=1)[0]
    np.testing.assert_array_equal(tape.jacobian(a, x).numpy(), [[[0, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 0, 1]]])
    np.testing.assert_array_equal(tape.jacobian(b, x).numpy()[:, 0], [[[1, 0, 0], [0, 0, 0]], [[0, 0, 0], [1, 0, 0]]])


@pytest.mark.parametrize("call", [
    lambda x: tf.tile(x, [1, 2]) ** 2,
    lambda x: tf.pad(x, [[1, 1], [2, 0]], "REFLECT") ** 2,
    lambda x: tf.reverse(tf.roll(x, [3], [1]), [0]) ** 2,
    lambda x: tf.expand_dims(tf.squeeze(tf.slice(tf.expand_dims(x, 0), [0, 1, 2], [-1, 10, 15])), 1) ** 2,
    lambda x: tf.split(x, 4, axis=1)[1] ** 2 + tf.unstack(x, axis=1)[0][:, None] ** 2,
    lambda x: tf.gather(x, [3, 3, 0]) ** 2,
], ids=["tile", "pad", "reverse_roll", "slice_squeeze_expand", "split_unstack", "gather"])
def test_large_inputs_first_and_second_order(call):
    """Inputs over 256 elements: ops that save only input shapes (save_in=False) still differentiate exactly."""
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=(20, 32))
    x = tf.Variable(x0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(call(x))
        g = tf.convert_to_tensor(tape.gradient(y, x))
        s = tf.reduce_sum(g)
    h = tf.convert_to_tensor(outer.gradient(s, x)).numpy()
    # y is a sum of squares of entries that are copies of x entries: dy/dx = 2 * count * x, d(sum g)/dx = 2 * count
    counts = h / 2.0
    np.testing.assert_allclose(g.numpy(), 2.0 * counts * x0, rtol=1e-12, atol=1e-12)
    assert np.all(counts == np.round(counts)) and counts.min() >= 0 and counts.sum() > 0


def test_indexing_with_a_boolean_tensor_is_boolean_mask() -> None:
    """TF: ``x[mask]`` with one bool tensor is ``boolean_mask``; the gradient scatters back (zeros elsewhere)."""
    x = tf.Variable([[1.0, -1.0], [2.0, 3.0]], dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = x[x > 0]
        loss = tf.reduce_sum(y * y)
    np.testing.assert_array_equal(y.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [[2.0, 0.0], [4.0, 6.0]])
    np.testing.assert_array_equal(x[tf.constant([True, False])].numpy(), [[1.0, -1.0]])

    @tf.function
    def positive(v):
        return v[v > 0]

    np.testing.assert_array_equal(positive(tf.constant([1.0, -1.0, 2.0])).numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(positive(tf.constant([3.0, -1.0, -2.0])).numpy(), [3.0])
