"""TF's AutoGraph loop rules inside tapegrad.function (compiler/loops.py): a tensor that a loop over tensors rebinds
keeps its dtype and shape, and tensors a loop body leaves in Python lists are inaccessible after the loop. Legit
loops (Python ranges, eager loops, loops whose variables keep dtype/shape, shape_invariants) keep working."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InaccessibleTensorError, OperatorNotAllowedInGraphError


def test_dtype_change_in_range_loop_is_a_type_error() -> None:
    @tf.function
    def g(n):
        s = tf.constant(0)
        for _ in tf.range(n):
            s = tf.constant(0.5)
        return s

    with pytest.raises(TypeError, match=r"'s' has dtype int32 before the loop, but dtype float32"):
        g(tf.constant(3))


def test_shape_change_in_range_loop_is_a_value_error_naming_the_fix() -> None:
    @tf.function
    def g(n):
        x = tf.zeros([1])
        for _ in tf.range(n):
            x = tf.concat([x, [1.0]], 0)
        return x

    with pytest.raises(ValueError, match=r"'x' has shape \(1,\) before the loop, but shape \(2,\).*shape_invariants"):
        g(tf.constant(3))


def test_shape_invariants_let_the_shape_change_on_every_call() -> None:
    @tf.function
    def g(n):
        x = tf.zeros([1])
        for _ in tf.range(n):
            tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None]))])
            x = tf.concat([x, [1.0]], 0)
        return x

    assert g(tf.constant(3)).numpy().tolist() == [0.0, 1.0, 1.0, 1.0]
    assert g(tf.constant(1)).numpy().tolist() == [0.0, 1.0]
    assert g(tf.constant(3)).numpy().tolist() == [0.0, 1.0, 1.0, 1.0]


def test_shape_invariant_that_does_not_fit_is_a_value_error() -> None:
    @tf.function
    def g(n):
        x = tf.zeros([1, 2])
        for _ in tf.range(n):
            tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None, 2]))])
            x = tf.concat([x, x], 1)
        return x

    with pytest.raises(ValueError, match="not compatible with its shape invariant"):
        g(tf.constant(2))


def test_while_loop_variable_rules() -> None:
    @tf.function
    def grows(x):
        y = tf.zeros([1])
        while x > 1.0:
            x = x / 2
            y = tf.concat([y, [1.0]], 0)
        return x

    with pytest.raises(ValueError, match=r"'y' has shape \(1,\) before the loop.*`while` loop"):
        grows(tf.constant(10.0))

    @tf.function
    def casts(x):
        s = tf.constant(0)
        while x > 1.0:
            x = x / 2
            s = tf.cast(x, tf.float32)
        return s

    with pytest.raises(TypeError, match="'s' has dtype int32"):
        casts(tf.constant(10.0))


def test_legit_loops_keep_working_and_match_eager() -> None:
    def body(x, n):
        s = tf.constant(0.0)
        for i in tf.range(n):
            s = s + tf.cast(i, tf.float32) * x
        t = tf.constant(0.0)
        while x > 1.0:
            x = x / 2
            t = t + x
        acc = tf.zeros([2])
        for row in tf.reshape(tf.range(6.0), [3, 2]):
            acc = acc + row
        return s, t, acc

    f = tf.function(body)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x, n = float(rng.uniform(2, 50)), int(rng.integers(0, 5))
        got = f(tf.constant(x), tf.constant(n))
        want = body(tf.constant(x), tf.constant(n))
        for a, b in zip(got, want):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_eager_and_python_loops_are_not_checked() -> None:
    s = tf.constant(0)
    for _ in tf.range(2):  # eager: Python semantics
        s = tf.constant(0.5)
    assert s.dtype == tf.float32

    @tf.function
    def g(x):
        out = []
        y = tf.zeros([1])
        for i in range(3):  # a Python range: unrolled, as in TF
            out.append(x * i)
            y = tf.concat([y, [1.0]], 0)
        return tf.stack(out), y

    a, y = g(tf.constant(2.0))
    assert a.numpy().tolist() == [0.0, 2.0, 4.0] and y.shape == (4,)


def test_data_dependent_shapes_are_not_false_positives() -> None:
    @tf.function
    def g(n):
        x = tf.range(n)  # TF: shape (None,) before and after: no error
        for i in tf.range(n):
            x = tf.range(i + 1)
        m = tf.where(tf.constant([True, False, True]))
        for i in tf.range(n):
            m = tf.where(tf.range(i + 2) > 0)
        return x, m

    x, m = g(tf.constant(3))
    assert x.numpy().tolist() == [0, 1, 2] and m.shape == (3, 1)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def h(v):
        for _ in tf.range(2):
            v = v[1:]
        return v

    assert h(tf.constant([1.0, 2.0, 3.0])).numpy().tolist() == [3.0]


def test_list_append_in_tensor_loop_is_inaccessible_after_it() -> None:
    @tf.function
    def returned(n):
        out = []
        for i in tf.range(n):
            out.append(i)
        return out

    with pytest.raises(InaccessibleTensorError, match="TensorArray"):
        returned(tf.constant(3))

    @tf.function
    def used(n):
        out = []
        for i in tf.range(n):
            out.append(i * 2)
        return tf.add_n(out)

    with pytest.raises(InaccessibleTensorError):
        used(tf.constant(3))

    @tf.function
    def after_break(n):
        out = []
        for i in tf.range(n):
            out.append((i, i + 1))
            if i > 0:
                break
        return out

    with pytest.raises(InaccessibleTensorError):
        after_break(tf.constant(3))

    assert issubclass(InaccessibleTensorError, ValueError)


def test_tensors_from_before_the_loop_stay_accessible() -> None:
    @tf.function
    def g(x, n):
        out = [x]
        s = tf.constant(0)
        for i in tf.range(n):
            out.append(x)  # captured from outside the loop: accessible, as in TF
            s += i
        return tf.add_n(out), s

    total, s = g(tf.constant(2.0), tf.constant(3))
    assert total.numpy() == 8.0 and s.numpy() == 3

    @tf.function
    def ta(n):
        arr = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
        for i in tf.range(n):
            arr = arr.write(i, i * i)
        return arr.stack()

    assert ta(tf.constant(4)).numpy().tolist() == [0, 1, 4, 9]


def test_autograph_false_still_refuses_iteration() -> None:
    @tf.function(autograph=False)
    def g(x):
        s = tf.constant(0.0)
        for row in x:
            s += tf.reduce_sum(row)
        return s

    with pytest.raises(OperatorNotAllowedInGraphError):
        g(tf.constant([[1.0, 2.0]]))


def test_temporaries_that_are_not_loop_variables_are_not_checked() -> None:
    @tf.function
    def g(n):
        tmp = tf.constant(0)  # int32; inside the loop written before it is read, unused after: not a loop variable
        s = tf.constant(0.0)
        for i in tf.range(n):
            tmp = tf.cast(i, tf.float32) * 2.0
            s += tmp
        return s

    assert float(g(tf.constant(3))) == 6.0


def test_tuple_loop_variables_keep_structure_dtype_and_shape() -> None:
    @tf.function
    def ok(n):
        state = (tf.constant(0.0), tf.zeros([2]))
        for i in tf.range(n):
            state = (state[0] + 1.0, state[1] + tf.cast(i, tf.float32))
        return state

    a, b = ok(tf.constant(3))
    assert float(a) == 3.0 and b.numpy().tolist() == [3.0, 3.0]

    @tf.function
    def grows(n):
        state = (tf.constant(0.0), tf.zeros([1]))
        for _ in tf.range(n):
            state = (state[0], tf.concat([state[1], [1.0]], 0))
        return state

    with pytest.raises(ValueError, match=r"'state\[1\]' has shape \(1,\) before the loop"):
        grows(tf.constant(2))

    @tf.function
    def relaxed(n):
        state = (tf.constant(0.0), tf.zeros([1]))
        for _ in tf.range(n):
            tf.autograph.experimental.set_loop_options(shape_invariants=[(state[1], tf.TensorShape([None]))])
            state = (state[0], tf.concat([state[1], [1.0]], 0))
        return state

    assert relaxed(tf.constant(2))[1].shape == (3,)

    @tf.function
    def restructured(n):
        state = (tf.constant(0.0), tf.constant(1.0))
        for _ in tf.range(n):
            state = (state[0],)
        return state

    with pytest.raises(ValueError, match="'state' has 2 elements before the loop, but 1"):
        restructured(tf.constant(2))
