"""Variables as TF users update them (issue 14 item 6): sliced assignment, scatter_nd_*, scatter_*, eager and under
the compiled ``tapegrad.function``; the expected values and return types are TensorFlow 2.21's."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf


def _unread(r: object) -> bool:
    return "UnreadVariable" in repr(r)


def test_sliced_assign_as_tf() -> None:
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    r = v[0, 1].assign(42.0)
    assert _unread(r) and r.numpy().tolist() == [[1.0, 42.0, 3.0], [4.0, 5.0, 6.0]]
    v[:, 2].assign([0.0, 1.0])
    assert v.numpy().tolist() == [[1.0, 42.0, 0.0], [4.0, 5.0, 1.0]]
    w = tf.Variable([1.0, 2.0, 3.0])
    assert w[::2].assign([7.0, 8.0]).numpy().tolist() == [7.0, 2.0, 8.0]
    assert w[tf.newaxis, 1:].assign([[1.0, 1.0]]).numpy().tolist() == [7.0, 1.0, 1.0]
    assert w[1].assign(3).numpy().tolist() == [7.0, 3.0, 1.0]  # a Python int into a float variable
    with pytest.raises(tf.errors.InvalidArgumentError):
        v[0, 1].assign([1.0, 2.0])  # TF: cannot broadcast [2] into []
    with pytest.raises(AttributeError):
        tf.constant([1.0]).assign([2.0])
    assert not hasattr(tf.constant(1.0), "assign")


def test_slice_assign_add_sub_extension() -> None:
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    v[0].assign_add([1.0, 1.0])
    v[:, 1].assign_sub(0.5)
    assert v.numpy().tolist() == [[2.0, 2.5], [3.0, 3.5]]


def test_tape_sees_the_value_before_the_assignment() -> None:
    w = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(w * w)
        w[0].assign(5.0)
    assert t.gradient(y, w).numpy().tolist() == [2.0, 4.0, 6.0]  # TF's answer


def test_scatter_nd_family() -> None:
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    r = v.scatter_nd_update([[0, 0], [1, 1]], [7.0, 8.0])
    assert _unread(r) and v.numpy().tolist() == [[7.0, 2.0, 3.0], [4.0, 8.0, 6.0]]
    v.scatter_nd_add([[0, 0], [0, 0]], [1.0, 1.0])  # duplicates accumulate
    v.scatter_nd_sub([[0, 0]], [1.0])
    v.scatter_nd_max([[0, 1]], [100.0])
    v.scatter_nd_min([[1, 2]], [-1.0])
    assert v.numpy().tolist() == [[8.0, 100.0, 3.0], [4.0, 8.0, -1.0]]
    v.scatter_nd_update([[1]], [[0.0, 0.0, 0.0]])  # a whole row
    assert v.numpy().tolist() == [[8.0, 100.0, 3.0], [0.0, 0.0, 0.0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index"):
        v.scatter_nd_update([[5, 0]], [1.0])
    r = v.scatter_max(tf.IndexedSlices(tf.constant([[9.0, 9.0, 9.0]]), tf.constant([1])))
    assert _unread(r) and v.numpy()[1].tolist() == [9.0, 9.0, 9.0]
    v.scatter_mul(tf.IndexedSlices(tf.constant([[2.0, 2.0, 2.0]]), tf.constant([0])))
    v.scatter_div(tf.IndexedSlices(tf.constant([[3.0, 3.0, 3.0]]), tf.constant([1])))
    assert v.numpy().tolist() == [[16.0, 200.0, 6.0], [3.0, 3.0, 3.0]]


@pytest.mark.parametrize("jit", [False, True])
def test_updates_are_ordered_effects_in_a_compiled_function(jit: bool) -> None:
    if jit:
        pytest.importorskip("numba")
    w = tf.Variable([7.0, 3.0, 1.0])

    @tf.function(jit_compile=jit)
    def step(x: tf.Tensor) -> tf.Tensor:
        w[0].assign(x)
        w.scatter_nd_add([[2]], [x])
        w[1:].assign_add(tf.ones([2]))
        return w * 1.0

    assert step(tf.constant(2.0)).numpy().tolist() == [2.0, 4.0, 4.0]
    assert step(tf.constant(10.0)).numpy().tolist() == [10.0, 5.0, 15.0]  # replayed, not retraced values
    np.testing.assert_array_equal(w.numpy(), [10.0, 5.0, 15.0])


def test_version_attributes() -> None:
    assert tf.__version__ == "0.1.0" and tf.__tf_version__ == "2.21.0"
