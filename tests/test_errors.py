"""Bad input gives clear, typed errors (no TensorFlow needed).

Exception types are TensorFlow 2.21's (checked by running each case under real TF; reference §1, §8). Messages are
tapegrad's own, so the tests check that they name what matters: the op, both shapes or dtypes, the offending type,
and the fix where the reference asks for one.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors


def _shape_re(shape):
    """A regex for ``shape`` written as a tuple ``(2, 3)`` / ``(3,)`` or a list ``[2, 3]`` / ``[2,3]``."""
    inner = r",\s*".join(str(d) for d in shape)
    if len(shape) == 1:
        return rf"(\({inner},\)|\[{inner}\])"
    return rf"(\({inner}\)|\[{inner}\])"


def _assert_mentions_shapes(msg, *shapes):
    for s in shapes:
        assert re.search(_shape_re(s), msg), f"message does not mention shape {s}: {msg!r}"


# ---------------------------------------------------------------------------------------------------------------
# watch() of a non-tensor


@pytest.mark.parametrize("obj,type_name", [
    (3.0, "float"), (np.array([1.0]), "ndarray"), (None, "NoneType"), ("abc", "str"), ([1.0], "float"),
    ({"a": 2}, "int"),
])
def test_watch_non_tensor_is_value_error_naming_the_type(obj, type_name):
    with tf.GradientTape() as t:
        with pytest.raises(ValueError) as ei:
            t.watch(obj)
    msg = str(ei.value)
    assert f"'{type_name}'" in msg
    assert "Tensor" in msg  # says what was expected


# ---------------------------------------------------------------------------------------------------------------
# Shape mismatches


BINARY = {
    "add": tf.add, "subtract": tf.subtract, "multiply": tf.multiply, "divide": tf.divide,
    "maximum": tf.maximum, "minimum": tf.minimum, "pow": tf.pow,
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("sa,sb", [((2,), (3,)), ((2, 3), (4, 3)), ((2, 3, 1), (2, 4))])
def test_binary_op_shape_mismatch(name, sa, sb):
    a = tf.ones(list(sa))
    b = tf.ones(list(sb))
    with pytest.raises(errors.InvalidArgumentError) as ei:
        BINARY[name](a, b)
    _assert_mentions_shapes(str(ei.value), sa, sb)


def test_binary_op_shape_mismatch_with_variable_and_inside_tape():
    v = tf.Variable(np.ones((2, 3), np.float32))
    with tf.GradientTape():
        with pytest.raises(errors.InvalidArgumentError) as ei:
            _ = v * tf.ones([4, 3])
    _assert_mentions_shapes(str(ei.value), (2, 3), (4, 3))


def test_invalid_argument_error_is_an_op_error():
    assert issubclass(errors.InvalidArgumentError, errors.OpError)
    with pytest.raises(errors.OpError):
        tf.ones([2]) + tf.ones([3])


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3, 2), (3, 2)), ((1, 4), (5, 1))])
def test_matmul_inner_dimension_mismatch(sa, sb):
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.matmul(tf.ones(list(sa)), tf.ones(list(sb)))
    _assert_mentions_shapes(str(ei.value), sa, sb)
    with pytest.raises(errors.InvalidArgumentError):
        tf.ones(list(sa)) @ tf.ones(list(sb))


def test_matmul_rank_one_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.matmul(tf.ones([3]), tf.ones([3, 2]))
    _assert_mentions_shapes(str(ei.value), (3,), (3, 2))


def test_matmul_batch_mismatch_message_names_both_shapes():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 2]))
    _assert_mentions_shapes(str(ei.value), (2, 2, 3), (3, 3, 2))


def test_matmul_batch_mismatch_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError):
        tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 2]))


@pytest.mark.parametrize("shapes,axis", [([(2, 3), (2, 4)], 0), ([(2, 3), (3, 4)], 1), ([(2,), (2, 1)], 0)])
def test_concat_shape_mismatch(shapes, axis):
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.concat([tf.ones(list(s)) for s in shapes], axis=axis)
    _assert_mentions_shapes(str(ei.value), *shapes)


def test_stack_shape_mismatch():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.stack([tf.ones([2]), tf.ones([3])])
    _assert_mentions_shapes(str(ei.value), (2,), (3,))


@pytest.mark.parametrize("src,dst", [((2, 3), (4, 2)), ((6,), (4,)), ((2, 3), (7,))])
def test_reshape_element_count_mismatch(src, dst):
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.reshape(tf.ones(list(src)), list(dst))
    _assert_mentions_shapes(str(ei.value), src, dst)


def test_reshape_inferred_dimension_mismatch():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.reshape(tf.ones([2, 3]), [4, -1])
    _assert_mentions_shapes(str(ei.value), (2, 3))


def test_broadcast_to_mismatch():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.broadcast_to(tf.ones([2]), [3])
    _assert_mentions_shapes(str(ei.value), (2,), (3,))


def test_where_shape_mismatch():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.where(tf.constant([True, False]), tf.ones([2]), tf.ones([3]))
    _assert_mentions_shapes(str(ei.value), (2,), (3,))


# ---------------------------------------------------------------------------------------------------------------
# Mixed float32 / float64


MIXED = {
    "add": lambda a, b: tf.add(a, b), "subtract": lambda a, b: tf.subtract(a, b),
    "multiply": lambda a, b: tf.multiply(a, b), "divide": lambda a, b: tf.divide(a, b),
    "maximum": lambda a, b: tf.maximum(a, b), "matmul": lambda a, b: tf.matmul(a, b),
    "concat": lambda a, b: tf.concat([a, b], 0),
}


@pytest.mark.parametrize("op", list(MIXED))
@pytest.mark.parametrize("order", ["f32-f64", "f64-f32"])
def test_mixed_float32_float64_names_op_and_both_dtypes(op, order):
    a = tf.ones([2, 2])
    b = tf.ones([2, 2], tf.float64)
    if order == "f64-f32":
        a, b = b, a
    with pytest.raises(errors.InvalidArgumentError) as ei:
        MIXED[op](a, b)
    msg = str(ei.value)
    assert op in msg, msg
    assert "float32" in msg and "float64" in msg, msg


@pytest.mark.parametrize("expr,op", [
    (lambda v: v * tf.constant(2.0, tf.float64), "multiply"),
    (lambda v: v + tf.constant(2.0, tf.float64), "add"),
    (lambda v: tf.constant(2.0, tf.float64) - v, "subtract"),
])
def test_mixed_dtypes_through_operators(expr, op):
    v = tf.Variable(3.0)
    with pytest.raises(errors.InvalidArgumentError) as ei:
        expr(v)
    msg = str(ei.value)
    assert op in msg and "float32" in msg and "float64" in msg, msg


def test_int_tensor_plus_float_tensor_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.constant([1, 2]) + tf.constant([1.5, 2.0])
    msg = str(ei.value)
    assert "int32" in msg and "float32" in msg


# ---------------------------------------------------------------------------------------------------------------
# A Python float into an int tensor


@pytest.mark.parametrize("make", [
    lambda: tf.constant(1.5, tf.int32),
    lambda: tf.constant([1.0, 1.5], tf.int32),
    lambda: tf.Variable(1.5, dtype=tf.int32),
    lambda: tf.Variable(1).assign(1.5),
    lambda: tf.Variable(1).assign_add(1.5),
    lambda: tf.Variable(1).assign_sub(1.5),
    lambda: tf.constant([1, 2]) * 1.5,
    lambda: 1.5 * tf.constant([1, 2]),
    lambda: 1.5 + tf.constant([1, 2]),
    lambda: tf.multiply(tf.constant([1, 2]), 1.5),
    lambda: tf.Variable(2) * 1.5,
])
def test_python_float_into_int_tensor_is_type_error(make):
    with pytest.raises(TypeError) as ei:
        make()
    msg = str(ei.value)
    assert "1.5" in msg and "int32" in msg, msg


def test_int_variable_value_unchanged_after_rejected_float_assign():
    v = tf.Variable(1)
    with pytest.raises(TypeError):
        v.assign(1.5)
    assert v.numpy() == 1 and v.dtype == tf.int32


# ---------------------------------------------------------------------------------------------------------------
# Misuse of the tape state machine


def test_reenter_active_tape_is_value_error():
    t = tf.GradientTape()
    with t:
        with pytest.raises(ValueError, match="recording"):
            t.__enter__()


def test_gradient_on_never_entered_tape_is_runtime_error():
    x = tf.constant(1.0)
    with pytest.raises(RuntimeError, match="never entered|no recording"):
        tf.GradientTape(persistent=True).gradient(x, x)


def test_watch_on_never_entered_tape_is_attribute_error_with_fix():
    with pytest.raises(AttributeError) as ei:
        tf.GradientTape().watch(tf.constant(1.0))
    assert "with" in str(ei.value)


def test_stop_recording_misuse():
    with pytest.raises(RuntimeError):
        with tf.GradientTape().stop_recording():
            pass
    with tf.GradientTape() as t:
        pass
    with pytest.raises(ValueError):
        with t.stop_recording():
            pass


def test_reset_misuse():
    with pytest.raises(ValueError):
        tf.GradientTape().reset()
    with tf.GradientTape() as t:
        pass
    with pytest.raises(ValueError):
        t.reset()


def test_second_gradient_on_non_persistent_tape_names_both_fixes():
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = x * y**2
    tape.gradient(z, x)
    with pytest.raises(RuntimeError) as ei:
        tape.gradient(z, y)
    msg = str(ei.value)
    assert "non-persistent GradientTape can only be used to compute one set of gradients" in msg
    assert "persistent=True" in msg
    assert "tape.gradient(z, [x, y])" in msg


def test_gradient_argument_errors_are_typed_and_name_the_problem():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
    with pytest.raises(TypeError, match="target"):
        t.gradient(None, x)
    with pytest.raises(AttributeError, match="float"):
        t.gradient(2.0, x)
    with pytest.raises(AttributeError, match="float"):
        t.gradient(y, 3.0)
    with pytest.raises(TypeError, match="None"):
        t.gradient(y, [x, None])
    with pytest.raises(ValueError, match="'ZERO'"):
        t.gradient(y, x, unconnected_gradients="ZERO")


# ---------------------------------------------------------------------------------------------------------------
# Variable.assign mismatches


@pytest.mark.parametrize("init,value", [([1.0, 2.0], [1.0, 2.0, 3.0]), ([[1.0, 2.0]], [1.0, 2.0]),
                                        (1.0, [1.0, 2.0])])
def test_assign_shape_mismatch_is_value_error_naming_both_shapes(init, value):
    v = tf.Variable(init)
    before = v.numpy().copy()
    with pytest.raises(ValueError) as ei:
        v.assign(value)
    _assert_mentions_shapes(str(ei.value), np.shape(init), np.shape(value))
    np.testing.assert_array_equal(v.numpy(), before)


@pytest.mark.parametrize("value", [tf.constant([1.0, 2.0], tf.float64), tf.constant([1, 2])])
@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_assign_dtype_mismatch_is_value_error_naming_both_dtypes(value, method):
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError) as ei:
        getattr(v, method)(value)
    msg = str(ei.value)
    assert "float32" in msg and value.dtype.name in msg, msg
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


@pytest.mark.parametrize("method", ["assign_add", "assign_sub"])
def test_assign_add_sub_shape_mismatch_is_invalid_argument(method):
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(errors.InvalidArgumentError):
        getattr(v, method)([1.0, 2.0, 3.0])


@pytest.mark.parametrize("method", ["assign_add", "assign_sub"])
def test_assign_add_sub_shape_mismatch_names_both_shapes(method):
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(Exception) as ei:
        getattr(v, method)([1.0, 2.0, 3.0])
    _assert_mentions_shapes(str(ei.value), (2,), (3,))
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


# ---------------------------------------------------------------------------------------------------------------
# Indexing out of range


@pytest.mark.parametrize("shape,key", [((3,), 5), ((3,), -4), ((3,), 3), ((2, 3), (1, 3)), ((2, 3), (2, 0)),
                                       ((2,), (0, 0))])
def test_index_out_of_range_is_invalid_argument(shape, key):
    x = tf.ones(list(shape))
    with pytest.raises(errors.InvalidArgumentError) as ei:
        x[key]
    msg = str(ei.value)
    assert re.search(r"out of (range|bounds)", msg), msg


def test_variable_index_out_of_range_inside_tape():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        with pytest.raises(errors.InvalidArgumentError) as ei:
            v[3]
        y = v[2] * 2.0
    assert "3" in str(ei.value)
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [0.0, 0.0, 2.0])


def test_out_of_range_slices_are_clamped_not_errors():
    np.testing.assert_array_equal(tf.ones([3])[1:10].numpy(), [1.0, 1.0])


def test_reduction_axis_out_of_range_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError):
        tf.reduce_sum(tf.ones([2, 3]), axis=2)


# ---------------------------------------------------------------------------------------------------------------
# Float-only ops on integers


@pytest.mark.parametrize("make", [lambda: tf.constant(4), lambda: tf.constant([4, 9]),
                                  lambda: tf.constant(4, tf.int64), lambda: tf.Variable(4)])
def test_sqrt_of_int_is_invalid_argument(make):
    x = make()
    with pytest.raises(errors.InvalidArgumentError) as ei:
        tf.sqrt(x)
    msg = str(ei.value)
    assert "sqrt" in msg and x.dtype.name in msg, msg


def test_exp_of_int_is_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError):
        tf.exp(tf.constant(1))
