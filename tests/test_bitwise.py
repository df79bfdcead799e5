"""tf.bitwise and the integer Tensor operators ``& | ^ ~`` (values vs TF 2.21's recorded kernels; errors)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def test_operators_are_bitwise_on_ints_and_logical_on_bools() -> None:
    a = tf.constant([1, 2, 3])
    assert (a & a).numpy().tolist() == [1, 2, 3]
    assert (a | 2).numpy().tolist() == [3, 2, 3]
    assert (6 ^ a).numpy().tolist() == [7, 4, 5]
    assert (3 & a).numpy().tolist() == [1, 2, 3]
    assert (~a).numpy().tolist() == [-2, -3, -4]
    assert (~tf.constant([0, 255], tf.uint8)).numpy().tolist() == [255, 0]
    b = tf.constant([True, False])
    assert (b & True).numpy().tolist() == [True, False]
    assert (~b).numpy().tolist() == [False, True]
    assert (b ^ b).dtype == tf.bool
    with pytest.raises(TypeError):  # as in TF: no << / >> operators on tensors
        a << 1  # noqa: B018


def test_shift_amounts_are_clamped_like_tf() -> None:
    # TF 2.21: shifts are clamped to [0, bits-1]; left shifts wrap; right shifts of signed values are arithmetic
    x = tf.constant([-8, -1, 5, 100], tf.int32)
    s = tf.constant([-1, 33, 32, -40], tf.int32)
    assert tf.bitwise.left_shift(x, s).numpy().tolist() == [-8, -2147483648, -2147483648, 100]
    assert tf.bitwise.right_shift(x, s).numpy().tolist() == [-8, -1, 0, 100]
    x8 = tf.constant([-8, -1, 5, 100], tf.int8)
    s8 = tf.constant([-1, 9, 8, 7], tf.int8)
    assert tf.bitwise.left_shift(x8, s8).numpy().tolist() == [-8, -128, -128, 0]
    assert tf.bitwise.right_shift(x8, s8).numpy().tolist() == [-8, -1, 0, 0]
    u = tf.constant([1, 5, 100, 127], tf.uint64)
    assert tf.bitwise.left_shift(u, tf.constant([0, 3, 8, 70], tf.uint64)).numpy().tolist() == [
        1, 40, 25600, 9223372036854775808]
    assert tf.bitwise.left_shift(3, 2).numpy() == 12


def test_bitwise_does_not_mutate_inputs() -> None:
    x = np.array([1, 2, 3], np.int16)
    y = np.array([40, 20, 1], np.int16)
    tf.bitwise.left_shift(x, y)
    tf.bitwise.invert(x)
    assert x.tolist() == [1, 2, 3] and y.tolist() == [40, 20, 1]


@pytest.mark.parametrize("call", [
    lambda: tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([1.0])),
    lambda: tf.bitwise.invert(tf.constant([True])),
    lambda: tf.bitwise.bitwise_or(tf.constant([1]), tf.constant([1], tf.int64)),
    lambda: tf.bitwise.bitwise_xor([1, 2], [3, 4, 5]),
])
def test_errors_are_invalid_argument(call: object) -> None:
    with pytest.raises(InvalidArgumentError):
        call()  # type: ignore[operator]


def test_float_error_names_the_integer_cast() -> None:
    with pytest.raises(InvalidArgumentError, match=r"expected an integer tensor.*tapegrad\.int32"):
        tf.bitwise.right_shift(tf.constant([1.0]), tf.constant([1.0]))


def test_bitwise_inside_function() -> None:
    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return (x & 6) | tf.bitwise.left_shift(x, tf.constant(2)) ^ ~x

    x = tf.constant([1, 7, -3])
    v = x.numpy()
    want = ((v & 6) | (v << 2)) ^ ~v
    assert f(x).numpy().tolist() == want.tolist()
    assert f(tf.constant([4, 5, 6])).numpy().tolist() == (((np.array([4, 5, 6]) & 6) | (np.array([4, 5, 6]) << 2))
                                                          ^ ~np.array([4, 5, 6])).tolist()


def test_docstring_examples_run() -> None:
    import doctest

    from tapegrad import bitwise

    assert doctest.testmod(bitwise).failed == 0
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"):
        for test in finder.find(getattr(bitwise, name), name):
            runner.run(test)
    r = runner.summarize(verbose=False)
    assert r.attempted >= 12 and r.failed == 0


def test_raw_ops_names() -> None:
    x, y = tf.constant([12, -8]), tf.constant([10, 40])
    assert tf.raw_ops.BitwiseAnd(x=x, y=y).numpy().tolist() == [8, 40]  # TF 2.21
    assert tf.raw_ops.BitwiseXor(x=x, y=y).numpy().tolist() == [6, -48]
    assert tf.raw_ops.RightShift(x=x, y=y).numpy().tolist() == [0, -1]
    assert tf.raw_ops.Invert(x=x).numpy().tolist() == [-13, 7]
    with pytest.raises(TypeError):
        tf.raw_ops.LeftShift(x, y)
