"""tf.debugging.assert_* and tf.Assert: the same behaviour eager and inside tapegrad.function, where value checks
run on every call (not only when tracing); static checks (rank, shape, dtype) raise while tracing, as in TF."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

D = tf.debugging

# (name, check(x) -> None, a passing x, a failing x of the same shape and dtype)
VALUE_CHECKS = [
    ("assert_equal", lambda x: D.assert_equal(x, tf.constant([1.0, 2.0])), [1.0, 2.0], [1.0, 3.0]),
    ("assert_none_equal", lambda x: D.assert_none_equal(x, [5.0, 5.0]), [1.0, 2.0], [5.0, 2.0]),
    ("assert_less", lambda x: D.assert_less(x, 3.0), [1.0, 2.0], [1.0, 3.0]),
    ("assert_less_equal", lambda x: D.assert_less_equal(x, 3.0), [3.0, 2.0], [4.0, 2.0]),
    ("assert_greater", lambda x: D.assert_greater(x, 0.0), [1.0, 2.0], [0.0, 2.0]),
    ("assert_greater_equal", lambda x: D.assert_greater_equal(x, 0.0), [0.0, 2.0], [-1.0, 2.0]),
    ("assert_positive", lambda x: D.assert_positive(x, message="x must be positive"), [1.0, 2.0], [1.0, -2.0]),
    ("assert_negative", lambda x: D.assert_negative(x), [-1.0, -2.0], [-1.0, 0.0]),
    ("assert_non_negative", lambda x: D.assert_non_negative(x), [0.0, 2.0], [-0.5, 2.0]),
    ("assert_non_positive", lambda x: D.assert_non_positive(x), [0.0, -2.0], [0.5, -2.0]),
    ("assert_near", lambda x: D.assert_near(x, [1.0, 2.0]), [1.0, 2.0 + 1e-7], [1.0, 2.1]),
    ("assert_all_finite", lambda x: D.assert_all_finite(x, "bad values"), [1.0, 2.0], [1.0, np.nan]),
    ("check_numerics", lambda x: D.check_numerics(x, "bad values"), [1.0, 2.0], [np.inf, 2.0]),
    ("Assert", lambda x: D.Assert(tf.reduce_all(x > 0), ["x:", x]), [1.0, 2.0], [1.0, -2.0]),
    ("tf.assert_less", lambda x: tf.assert_less(x, 3.0), [1.0, 2.0], [3.0, 2.0]),
]


@pytest.mark.parametrize("name,check,good,bad", VALUE_CHECKS, ids=[c[0] for c in VALUE_CHECKS])
def test_value_checks_run_on_every_compiled_call(name, check, good, bad) -> None:
    check(tf.constant(good))  # eager: passes
    with pytest.raises(InvalidArgumentError):
        check(tf.constant(bad))

    @tf.function
    def f(x):
        check(x)
        return x * 2.0

    want = (np.float32(good) * 2).tolist()
    assert f(tf.constant(good)).numpy().tolist() == want
    with pytest.raises(InvalidArgumentError):  # the same trace: the check is a node of the program
        f(tf.constant(bad))
    assert f(tf.constant(good)).numpy().tolist() == want
    assert f.experimental_get_tracing_count() == 1

    @tf.function
    def first_call_bad(x):
        check(x)
        return x

    with pytest.raises(InvalidArgumentError):  # a failing first call: the check fails when the program runs
        first_call_bad(tf.constant(bad))


def test_assert_message_names_condition_and_values() -> None:
    @tf.function
    def g(x):
        tf.debugging.assert_positive(x, message="x must be positive")
        return x

    with pytest.raises(InvalidArgumentError, match=r"x must be positive\nCondition x > 0 did not hold(.|\n)*\[-1.0\]"):
        g(tf.constant(-1.0))


def test_checks_of_constants_fail_at_trace_time_in_user_code() -> None:
    @tf.function
    def g(x):
        tf.debugging.assert_equal(tf.constant(1), tf.constant(2))
        return x

    with pytest.raises(InvalidArgumentError, match="in user code"):
        g(tf.constant(1.0))


STATIC_CHECKS = [
    ("assert_rank", lambda x: D.assert_rank(x, 2), ValueError),
    ("tf.assert_rank", lambda x: tf.assert_rank(x, 2), ValueError),
    ("assert_rank_at_least", lambda x: D.assert_rank_at_least(x, 2), ValueError),
    ("assert_rank_in", lambda x: D.assert_rank_in(x, [0, 2]), ValueError),
    ("assert_scalar", lambda x: D.assert_scalar(x), ValueError),
    ("assert_type", lambda x: D.assert_type(x, tf.int32), TypeError),
    ("assert_integer", lambda x: D.assert_integer(x), TypeError),
    ("assert_shapes", lambda x: D.assert_shapes([(x, ("N",)), (tf.zeros([2, 4]), ("N", "D"))]), ValueError),
    ("assert_equal shapes", lambda x: D.assert_equal(x, tf.zeros([4])), ValueError),
]


@pytest.mark.parametrize("name,check,exc", STATIC_CHECKS, ids=[c[0] for c in STATIC_CHECKS])
def test_static_checks_raise_the_same_eager_and_compiled(name, check, exc) -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(exc):
        check(x)
    with pytest.raises(exc):
        tf.function(lambda t: (check(t), t)[1])(x)


def test_static_checks_that_hold() -> None:
    x = tf.zeros([2, 3])
    for check in (lambda t: D.assert_rank(t, 2), lambda t: D.assert_rank_at_least(t, 1),
                  lambda t: D.assert_rank_in(t, [1, 2]), lambda t: D.assert_type(t, tf.float32),
                  lambda t: D.assert_shapes([(t, ("N", "D")), (tf.zeros([3]), ("D",)), (t, ("*", 3))])):
        assert check(x) is None
        assert tf.function(lambda t, c=check: (c(t), t)[1])(x).shape == (2, 3)
    D.assert_proper_iterable([1, 2])
    with pytest.raises(TypeError):
        D.assert_proper_iterable(tf.constant([1, 2]))


def test_jit_compile_drops_value_checks_as_xla() -> None:
    @tf.function(jit_compile=True)
    def g(x):
        tf.debugging.assert_positive(x)
        return x

    assert float(g(tf.constant(-1.0))) == -1.0  # TF 2.21: XLA compiles Assert to nothing


def test_checks_hold_under_an_outer_tape_and_in_guard_paths() -> None:
    @tf.function
    def g(x):
        if tf.reduce_sum(x) > 0:
            tf.debugging.assert_less(x, 10.0)
            return x * x
        tf.debugging.assert_greater(x, -10.0)
        return -x

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(g(x))
    assert t.gradient(y, x).numpy().tolist() == [2.0, 4.0]
    with pytest.raises(InvalidArgumentError):
        g(tf.constant([1.0, 20.0]))
    with pytest.raises(InvalidArgumentError):
        g(tf.constant([-1.0, -20.0]))
    assert g(tf.constant([-1.0, -2.0])).numpy().tolist() == [1.0, 2.0]
