"""Python called from a compiled function (py_function, numpy_function, io ops) runs once per call, as in TF.

The counts and values below are TF 2.21's (measured with the same programs under tf.function).
"""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf


def test_py_function_with_inputs_runs_once_per_call() -> None:
    calls: list[int] = []

    def double(x: tf.Tensor) -> tf.Tensor:
        calls.append(1)
        return x * 2

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.py_function(double, [x], tf.float32) + 1

    assert [float(f(tf.constant(float(i)))) for i in range(3)] == [1.0, 3.0, 5.0]
    assert len(calls) == 3  # the call that traced runs it once, not once in the trace and again in the program


def test_differentiated_py_function_runs_its_body_once_per_call() -> None:
    calls: list[int] = []

    def cube(x: tf.Tensor) -> tf.Tensor:
        calls.append(1)
        return x * x * x

    @tf.function
    def f(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.py_function(cube, [x], tf.float32)
        return y, tape.gradient(y, x)

    got = [tuple(float(v) for v in f(tf.constant(float(i)))) for i in range(4)]
    assert got == [(0.0, 0.0), (1.0, 3.0), (8.0, 12.0), (27.0, 27.0)]
    # TF's count: its gradient reuses the tape the forward recorded (it was 1 + 2 per call before: 9 here)
    assert len(calls) == 4


def test_py_function_whose_result_is_unused_still_runs_every_call() -> None:
    calls: list[float] = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        tf.py_function(lambda a: (calls.append(float(a)), a)[1], [x], tf.float32)  # a stateful op: kept
        return x + 1

    for i in range(3):
        f(tf.constant(float(i)))
    assert calls == [0.0, 1.0, 2.0]


def test_numpy_function_runs_once_per_call() -> None:
    calls: list[int] = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.numpy_function(lambda a: (calls.append(1), a * 2)[1], [x], tf.float32)

    assert [float(f(tf.constant(float(i)))) for i in range(3)] == [0.0, 2.0, 4.0]
    assert len(calls) == 3


def test_inputless_py_functions_advance_state_once_each() -> None:
    state = [0]

    def bump() -> float:
        state[0] += 1
        return float(state[0])

    @tf.function
    def f(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return tf.py_function(bump, [], tf.float32), tf.py_function(bump, [], tf.float32)

    assert [[float(t) for t in f(tf.constant(1.0))] for _ in range(2)] == [[1.0, 2.0], [3.0, 4.0]]


def test_value_after_an_effect_sees_the_effect_on_the_traced_call() -> None:
    log: list[float] = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        tf.py_function(lambda a: log.append(float(a)), [x], [])  # an effect the trace does not run
        return tf.py_function(lambda: len(log), [], tf.int32)  # so this value is not taken from the trace

    assert [int(f(tf.constant(float(i)))) for i in range(3)] == [1, 2, 3]
    assert log == [0.0, 1.0, 2.0]


def test_trace_result_is_reused_only_for_equal_inputs_nan_included() -> None:
    calls: list[int] = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.numpy_function(lambda a: (calls.append(1), a)[1], [x], tf.float32)

    x = tf.constant([np.nan, 1.0])
    np.testing.assert_array_equal(f(x).numpy(), [np.nan, 1.0])
    f(x)
    assert len(calls) == 2


def test_differentiated_py_function_in_a_function_gives_tf_gradients() -> None:
    v = tf.Variable(1.0)

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.py_function(lambda a: a * a * v, [x], tf.float32)
        return tape.gradient(y, x)

    assert [float(f(tf.constant(float(i)))) for i in range(3)] == [0.0, 2.0, 4.0]


def test_iterator_in_py_function_yields_consecutive_elements() -> None:
    it = iter(range(100))

    @tf.function
    def f() -> tf.Tensor:
        return tf.py_function(lambda: next(it), [], tf.int64)

    assert [int(f()) for _ in range(3)] == [0, 1, 2]


def test_keras_optimizer_update_is_seen_by_later_reads_in_the_program():
    """A Keras optimizer's update is a host call of the compiled program; reads after it (the next iteration of a
    loop over a dataset, or later in the step) see the updated variable, as eagerly."""
    def run(compiled):
        w = tf.Variable([[1.0], [1.0]])
        opt = tf.keras.optimizers.SGD(0.01)
        ds = tf.data.Dataset.from_tensor_slices(np.arange(16, dtype=np.float32).reshape(8, 2)).batch(4)

        def epoch(d):
            s = 0.0
            for b in d:
                with tf.GradientTape() as t:
                    loss = tf.reduce_sum(tf.matmul(b, w)) / 8.0
                opt.apply_gradients([(t.gradient(loss, w), w)])
                s += loss
            return s, tf.reduce_sum(w), opt.iterations + 0

        f = tf.function(epoch) if compiled else epoch
        return [[float(v) for v in f(ds)] for _ in range(2)], w.numpy().tolist()

    assert run(True) == run(False)
    assert run(True)[0][0][0] == pytest.approx(14.7975, rel=1e-6)


def test_assign_then_keras_optimizer_in_one_step_is_refused():
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def step():
        w.assign(w * 0.5)
        with tf.GradientTape() as t:
            loss = tf.reduce_sum(w * w)
        opt.apply_gradients([(t.gradient(loss, w), w)])
        return loss

    with pytest.raises(Exception, match="assigned and then updated by a host call"):
        step()
