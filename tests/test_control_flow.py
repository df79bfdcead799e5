"""Control flow, TensorArray, functional ops, py_function/numpy_function, ensure_shape, identity_n.

TF's own documentation examples for these names run unchanged here; gradients are checked in float64 against
central differences (and second order through nested tapes); graph-mode behaviour (what TF does inside
``tf.function``) is checked with a simulated trace. The TF probes p40-p44 run in tests/conformance.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, OutOfRangeError


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def check_grad(fn: Callable[[object], object], x0: np.ndarray) -> None:
    """The tape's float64 gradient of sum(fn(x)) agrees with central differences."""
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(x))
    g = tape.gradient(y, x)
    num = numeric_grad(lambda a: float(tf.reduce_sum(fn(tf.constant(a)))), x0)
    np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-8)


# ----------------------------------------------------------------------------------------------------------------
# programs from TensorFlow's API documentation, unchanged (but for the import)


def test_tf_docs_while_loop_examples() -> None:
    i = tf.constant(0)
    c = lambda i: tf.less(i, 10)  # noqa: E731
    b = lambda i: (tf.add(i, 1), )  # noqa: E731
    r = tf.while_loop(c, b, [i])
    assert int(r[0]) == 10

    i0 = tf.constant(0)
    m0 = tf.ones([2, 2])
    c = lambda i, m: i < 10  # noqa: E731
    b = lambda i, m: [i + 1, tf.concat([m, m], axis=0)]  # noqa: E731
    _, m = tf.while_loop(c, b, loop_vars=[i0, m0],
                         shape_invariants=[i0.get_shape(), tf.TensorShape([None, 2])])
    assert m.shape == (2 * 2 ** 10, 2)

    n = 10000
    x = tf.constant(list(range(n)))
    c = lambda i, x: i < n  # noqa: E731
    b = lambda i, x: (i + 1, x + 1)  # noqa: E731  (the doc's body without the v1 print)
    i, out = tf.while_loop(c, b, (0, x))
    assert int(i) == n and int(out[0]) == n


def test_tf_docs_tensor_array_examples() -> None:
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, clear_after_read=False)
    ta = ta.write(0, 10)
    ta = ta.write(1, 20)
    ta = ta.write(2, 30)
    assert [float(ta.read(k)) for k in range(3)] == [10.0, 20.0, 30.0]
    assert ta.stack().numpy().tolist() == [10.0, 20.0, 30.0]

    def fibonacci(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, clear_after_read=False)
        ta = ta.unstack([0., 1.])
        for i in range(2, n):
            ta = ta.write(i, ta.read(i - 1) + ta.read(i - 2))
        return ta.stack()

    assert fibonacci(7).numpy().tolist() == [0.0, 1.0, 1.0, 2.0, 3.0, 5.0, 8.0]

    v = tf.Variable(1)
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
    for i in range(5):
        ta = ta.write(i, v)
        v.assign_add(1)  # each write keeps the value read at that moment
    assert ta.stack().numpy().tolist() == [1, 2, 3, 4, 5]


def test_tf_docs_map_fn_scan_fold_examples() -> None:
    assert tf.map_fn(fn=lambda t: tf.range(t, t + 3), elems=tf.constant([3, 5, 2])).numpy().tolist() == \
        [[3, 4, 5], [5, 6, 7], [2, 3, 4]]
    r = tf.map_fn(fn=lambda t: t[0] * t[1], elems=(tf.constant([3, 5, 2]), tf.constant([4, 0, 1])),
                  fn_output_signature=tf.int32)
    assert r.numpy().tolist() == [12, 0, 2]
    r = tf.map_fn(fn=lambda t: (t, -t), elems=tf.constant([3, 5, 2]), fn_output_signature=(tf.int32, tf.int32))
    assert [x.numpy().tolist() for x in r] == [[3, 5, 2], [-3, -5, -2]]

    elems = np.array([1, 2, 3, 4, 5, 6])
    assert tf.scan(lambda a, x: a + x, elems).numpy().tolist() == [1, 3, 6, 10, 15, 21]
    assert tf.scan(lambda a, x: a + x, elems, reverse=True).numpy().tolist() == [21, 20, 18, 15, 11, 6]
    initializer = np.array(0)
    r = tf.scan(lambda a, x: (a[0] + x, a[1] * x), elems, initializer=(initializer, np.array(1)))
    assert r[0].numpy().tolist() == [1, 3, 6, 10, 15, 21] and r[1].numpy().tolist() == [1, 2, 6, 24, 120, 720]
    elems = np.array([1, 0, 0, 0, 0, 0])
    initializer = (np.array(0), np.array(1))
    fibonaccis = tf.scan(lambda a, _: (a[1], a[0] + a[1]), elems, initializer)
    assert fibonaccis[0].numpy().tolist() == [1, 1, 2, 3, 5, 8]

    elems = tf.constant([1, 2, 3, 4, 5, 6])
    assert int(tf.foldl(lambda a, x: a + x, elems)) == 21
    assert int(tf.foldr(lambda a, x: a + x, elems)) == 21
    assert int(tf.foldr(lambda a, x: a - x, elems, initializer=0)) == -21


def test_tf_docs_cond_case_switch_case_examples() -> None:
    x = tf.constant(2)
    y = tf.constant(5)

    def f1():
        return tf.multiply(x, 17)

    def f2():
        return tf.add(y, 23)

    assert int(tf.cond(tf.less(x, y), f1, f2)) == 34

    x = tf.constant(1)
    y = tf.constant(2)
    r = tf.case([(tf.less(x, y), lambda: tf.constant(17))], default=lambda: tf.constant(23))
    assert int(r) == 17
    z = tf.constant(3)
    r = tf.case([(tf.less(x, y), lambda: tf.constant(17)), (tf.greater(x, z), lambda: tf.constant(23))],
                default=lambda: tf.constant(-1), exclusive=True)
    assert int(r) == 17

    def f1b():
        return tf.constant(17)

    def f2b():
        return tf.constant(31)

    def f3():
        return tf.constant(-1)

    r = tf.switch_case(tf.constant(1), branch_fns={0: f1b, 1: f2b}, default=f3)
    assert int(r) == 31
    assert int(tf.switch_case(tf.constant(5), branch_fns={0: f1b, 1: f2b}, default=f3)) == -1


def test_tf_docs_py_function_and_numpy_function_examples() -> None:
    def log_huber(x, m):
        if tf.abs(x) <= m:
            return x**2
        else:
            return m**2 * (1 - 2 * tf.math.log(m) + tf.math.log(x**2))

    x = tf.constant(1.0)
    m = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, m])
        y = tf.py_function(func=log_huber, inp=[x, m], Tout=tf.float32)
    dy_dx = t.gradient(y, x)
    assert float(y) == 1.0 and float(dy_dx) == 2.0

    def my_numpy_func(x):
        return np.sinh(x)

    inp = tf.constant([1.0, 2.0])
    out = tf.numpy_function(my_numpy_func, [inp], tf.float32)
    np.testing.assert_allclose(out.numpy(), np.sinh([1.0, 2.0]).astype(np.float32))


def test_tf_docs_vectorized_map_and_ensure_shape_examples() -> None:
    def outer_product(a):
        return tf.tensordot(a, a, 0)

    batch_size = 100
    a = tf.ones((batch_size, 32, 32))
    c = tf.vectorized_map(outer_product, a)
    assert c.shape == (batch_size, 32, 32, 32, 32)

    tf.random.set_seed(7)
    layer = lambda x: tf.nn.relu(tf.matmul(x, w))  # noqa: E731
    w = tf.Variable(tf.random.normal([5, 3]))
    inputs = tf.random.normal([4, 5])
    labels = tf.random.normal([4, 3])

    def model_fn(arg):
        with tf.GradientTape() as g:
            inp, label = arg
            inp = tf.expand_dims(inp, 0)
            label = tf.expand_dims(label, 0)
            prediction = layer(inp)
            loss = tf.nn.l2_loss(label - prediction)
        return g.gradient(loss, w)

    per_example = tf.vectorized_map(model_fn, (inputs, labels))
    looped = tf.stack([model_fn((inputs[k], labels[k])) for k in range(4)])
    assert per_example.shape == (4, 5, 3)
    np.testing.assert_allclose(per_example.numpy(), looped.numpy(), rtol=1e-6, atol=1e-7)

    x = tf.ensure_shape(tf.zeros([5, 3]), [None, 3])
    assert x.shape == (5, 3)
    with pytest.raises(InvalidArgumentError):
        tf.ensure_shape(tf.zeros([5, 4]), [None, 3])


# ----------------------------------------------------------------------------------------------------------------
# gradients (float64, numerical) and second order


def test_cond_gradients_follow_the_taken_branch() -> None:
    check_grad(lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: tf.sin(x) * x, lambda: x ** 3), np.array([0.3, 1.2]))
    check_grad(lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: tf.sin(x) * x, lambda: x ** 3), np.array([-0.3, -1.]))
    a, b = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape() as t:
        y = tf.cond(a > 0, lambda: a * a, lambda: b * 3.0)
    assert [None if g is None else float(g) for g in t.gradient(y, [a, b])] == [4.0, None]


def test_while_loop_gradients_match_numerical_and_second_order() -> None:
    def f(x):
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y) * x), (0, x))
        return y

    check_grad(f, np.array([0.4, -0.7, 1.1]))
    x = tf.Variable(np.float64(0.6))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * y), (0, x))  # x ** 8
        g = inner.gradient(y, x)
    assert abs(float(g) - 8 * 0.6 ** 7) < 1e-12
    assert abs(float(outer.gradient(g, x)) - 56 * 0.6 ** 6) < 1e-12


def test_map_fn_scan_fold_gradients_match_numerical() -> None:
    w = tf.Variable(np.float64(1.3))
    check_grad(lambda x: tf.map_fn(lambda v: w * tf.sin(v) * v, x), np.array([0.1, 0.5, -1.0]))
    check_grad(lambda x: tf.map_fn(lambda r: tf.reduce_sum(r * r * r), x), np.arange(6.0).reshape(3, 2) / 5)
    check_grad(lambda x: tf.scan(lambda a, v: a * v + tf.sin(a), x), np.array([0.4, 1.3, -0.2, 0.9]))
    check_grad(lambda x: tf.scan(lambda a, v: a * v, x, reverse=True, initializer=tf.constant(np.float64(1.5))),
               np.array([0.4, 1.3, -0.2]))
    check_grad(lambda x: tf.foldl(lambda a, v: a * v + 1.0, x), np.array([0.4, 1.3, -0.2]))
    check_grad(lambda x: tf.foldr(lambda a, v: a * tf.cos(v), x, initializer=tf.constant(np.float64(2.0))),
               np.array([0.4, 1.3, -0.2]))
    check_grad(lambda x: tf.vectorized_map(lambda v: tf.exp(v) * v, x), np.array([0.4, 1.3, -0.2]))
    x = tf.Variable(np.array([0.3, 0.8]))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.map_fn(lambda v: v ** 3, x))
        g = inner.gradient(y, x)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), 6 * np.array([0.3, 0.8]), rtol=1e-12)


def test_tensor_array_gradients_match_numerical() -> None:
    def f(x):
        ta = tf.TensorArray(tf.float64, size=3).unstack(x * 2.0)
        a = ta.read(0) * ta.read(2)
        tb = tf.TensorArray(tf.float64, size=0, dynamic_size=True)
        tb = tb.write(0, a).write(1, tf.sin(a)).scatter([2, 3], tf.stack([a, a * a]))
        return tb.gather([3, 1, 1]) + tb.stack()[:3] + tf.TensorArray(tf.float64, size=2).split(x * x, [1, 2]).concat()

    check_grad(f, np.array([0.4, 1.3, -0.2]))


def test_py_function_gradient_is_the_body_gradient() -> None:
    check_grad(lambda x: tf.py_function(lambda a: tf.sin(a) * a, [x], Tout=tf.float64), np.array([0.4, 1.3]))
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.numpy_function(lambda a: a ** 2, [v], Tout=tf.float32))
    assert t.gradient(y, v) is None


def test_py_function_unused_input_gets_tfs_scalar_zero() -> None:
    """TF's EagerPyFunc gradient: a scalar 0.0 for an input the body used only through NumPy (p44), eager and
    compiled; where the same source also has another gradient, the two add (TF fails in AddN there)."""
    v = tf.Variable([1.0, 2.0, 3.0])

    def step():
        with tf.GradientTape() as t:
            y = tf.reduce_sum(tf.py_function(lambda a: a.numpy() ** 2, [v], Tout=tf.float32))
        return t.gradient(y, v)

    for g in (step(), tf.function(step)(), tf.function(step)()):
        assert g.shape == () and float(g) == 0.0
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.py_function(lambda a: a.numpy() ** 2, [v], Tout=tf.float32)) + tf.reduce_sum(v * 2.0)
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [2.0, 2.0, 2.0])


def test_identity_n_unused_output_gets_zeros() -> None:
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as t:
        ra, _ = tf.identity_n([a, b])
        y = ra * 5.0
    assert [float(g) for g in t.gradient(y, [a, b])] == [5.0, 0.0]


# ----------------------------------------------------------------------------------------------------------------
# semantics and errors


def test_while_loop_result_types_and_errors() -> None:
    assert isinstance(tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [tf.constant(0)]), tuple)
    assert isinstance(tf.while_loop(lambda i: i < 3, lambda i: [i + 1], (tf.constant(0),)), list)
    with pytest.raises(TypeError):
        tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [tf.constant(0)], maximum_iterations=3)
    with pytest.raises(ValueError):
        tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, (x, x)), (tf.constant(0), tf.constant(1.0)))
    with pytest.raises(ValueError):
        tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [])
    out = tf.while_loop(lambda i: True, lambda i: (i + 1,), (tf.constant(0),), maximum_iterations=-1)
    assert int(out[0]) == 0


def test_tensor_array_errors_and_clearing() -> None:
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(OutOfRangeError):
        ta.write(2, 1.0)
    with pytest.raises(InvalidArgumentError):
        ta.write(0, tf.constant(1))
    ta = ta.write(0, [1.0, 2.0])
    with pytest.raises(ValueError):
        ta.write(1, [1.0, 2.0, 3.0])
    ta.read(0)
    with pytest.raises(InvalidArgumentError):
        ta.read(0)
    assert ta.stack().numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_vectorized_map_calls_a_batch_polymorphic_fn_once_and_loops_otherwise() -> None:
    calls = []

    def square(v):
        calls.append(v.shape)
        return v * v

    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_allclose(tf.vectorized_map(square, x).numpy(), x.numpy() ** 2)
    assert tf.TensorShape([3, 2]) in calls and calls.count(tf.TensorShape([2])) == 2  # one batch + two checks

    def centred(r):  # mixes rows when given the batch: must not be vectorised
        return r - tf.reduce_mean(r)

    got = tf.vectorized_map(centred, x).numpy()
    np.testing.assert_allclose(got, x.numpy() - x.numpy().mean(axis=1, keepdims=True))

    def python_branch(v):  # bool() of a batch is ambiguous: looped
        return v * 2.0 if float(tf.reduce_sum(v)) > 4 else -v

    np.testing.assert_allclose(tf.vectorized_map(python_branch, x).numpy(), [[-1, -2], [6, 8], [10, 12]])
    assert tf.vectorized_map(lambda v: tf.constant(1.0), x).numpy().tolist() == [1.0, 1.0, 1.0]


def test_py_function_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        tf.py_function(lambda a: 1 / 0, [tf.constant(1.0)], Tout=tf.float32)
    with pytest.raises(ZeroDivisionError):
        tf.numpy_function(lambda a: 1 / 0, [tf.constant(1.0)], Tout=tf.float32)
    with pytest.raises(TypeError):
        tf.py_function(lambda a: a, [tf.constant(1.0)])
    assert tf.numpy_function(lambda a: a * 2, [tf.constant([1.0])], Tout=tf.float32).dtype == tf.float32


def test_py_and_numpy_functions_without_inputs_or_outputs_run_on_every_compiled_call() -> None:
    """Nothing to record an op on: a host call of the program, not a value frozen by the trace (TF runs them on
    every call)."""
    draws = iter(np.arange(1.0, 100.0, dtype=np.float32))
    g = tf.function(lambda: tf.numpy_function(lambda: next(draws), [], tf.float32) + 0.0)
    first, second, third = (float(g()) for _ in range(3))
    assert second == first + 1 and third == second + 1
    h = tf.function(lambda: tf.py_function(lambda: tf.constant(next(draws)), [], tf.float32) * 1.0)
    a, b = float(h()), float(h())
    assert b == a + 1
    seen: list[float] = []

    @tf.function
    def effect(x: object) -> object:
        tf.py_function(lambda v: seen.append(float(v)), [x], [])
        return x * 2.0

    assert [float(effect(tf.constant(v))) for v in (1.0, 5.0, 7.0)] == [2.0, 10.0, 14.0]
    assert seen == [1.0, 5.0, 7.0] and effect.experimental_get_tracing_count() == 1


def test_user_values_are_not_mutated() -> None:
    x = tf.constant([1.0, 2.0])
    tf.numpy_function(lambda a: a.__setitem__(0, 99.0) or a, [x], Tout=tf.float32)
    assert x.numpy().tolist() == [1.0, 2.0]


# ----------------------------------------------------------------------------------------------------------------
# graph mode: what TF does inside tf.function, applied while the compiled function traces


@pytest.fixture
def tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("tapegrad.compiler.trace")
    fake.is_tracing = lambda: True  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tapegrad.compiler.trace", fake)


def test_graph_mode_while_loop_checks_and_packing(tracing: None) -> None:
    out = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [tf.constant(0)])
    assert isinstance(out, list) and int(out[0]) == 10
    with pytest.raises(ValueError):
        tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, tf.concat([x, [1.0]], 0)), (tf.constant(0),
                                                                                         tf.zeros([1])))
    _, x = tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, tf.concat([x, [1.0]], 0)),
                         (tf.constant(0), tf.zeros([1])), shape_invariants=(tf.TensorShape([]),
                                                                            tf.TensorShape([None])))
    assert x.shape == (4,)
    with pytest.raises(TypeError):
        tf.while_loop(lambda i: i < 3, lambda i: (tf.cast(i, tf.float32) + 1.0,), [tf.constant(0)])
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0), (0, v), back_prop=False)
    assert float(y) == 16.0 and t.gradient(y, v) is None


def test_graph_mode_tensor_array_reads_do_not_clear(tracing: None) -> None:
    ta = tf.TensorArray(tf.float32, size=2).write(0, 7.0)
    assert float(ta.read(0) + ta.read(0)) == 14.0


def test_control_flow_traces_into_a_compiled_program() -> None:
    """Under the compiler's trace the ops record as graph nodes and guards: replaying gives eager's values, and a
    different branch or iteration count is a guard miss (the frontend then traces again)."""
    from tapegrad.compiler.trace import GuardMiss, trace

    w = tf.Variable(1.5)

    def body(x):
        y = tf.cond(x > 0, lambda: x * w, lambda: -x)
        _, z = tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, z * 2.0), (0, y))
        ta = tf.TensorArray(tf.float32, size=2).write(0, z).write(1, z * z)
        p = tf.py_function(lambda a: a + 1.0, [z], Tout=tf.float32)
        q = tf.numpy_function(lambda a: a * 3.0, [z], Tout=tf.float32)
        m = tf.map_fn(lambda v: v * z, tf.stack([x, x + 1.0]))
        return [ta.stack(), p, q, m, *tf.identity_n([x, z])]

    prog = trace(lambda xs: (body(xs[0]), None), [tf.constant(2.0)])
    for value in (3.0, 0.5):
        got = prog([tf.constant(value)])
        want = body(tf.constant(value))
        for g, e in zip(got, want):
            np.testing.assert_allclose(np.asarray(g._value if hasattr(g, "_value") else g), e.numpy(), rtol=1e-6)
    with pytest.raises(GuardMiss):
        prog([tf.constant(-3.0)])


def test_compiled_function_gives_tf_graph_semantics_for_code_that_did_not_run() -> None:
    """Inside tf.function TF traces both branches (and a loop body that runs 0 times): what they read gets a zero
    gradient, not None, and the branches must agree in structure and dtype."""
    a, b = tf.Variable(2.0), tf.Variable(5.0)

    @tf.function
    def g(flag):
        with tf.GradientTape() as t:
            y = tf.cond(flag, lambda: a * a, lambda: b * 3.0)
        return y, t.gradient(y, [a, b])

    y, (ga, gb) = g(tf.constant(True))
    assert float(y) == 4.0 and float(ga) == 4.0 and float(gb) == 0.0
    y, (ga, gb) = g(tf.constant(False))  # the other branch: a guard miss, traced again
    assert float(y) == 15.0 and float(ga) == 0.0 and float(gb) == 3.0

    @tf.function
    def s(i):
        with tf.GradientTape() as t:
            y = tf.switch_case(i, [lambda: b * 2.0, lambda: a * a])
        return t.gradient(y, [a, b])

    assert [float(v) for v in s(tf.constant(1))] == [4.0, 0.0]

    @tf.function
    def w():
        with tf.GradientTape() as t:
            _, y = tf.while_loop(lambda i, y: i < 0, lambda i, y: (i + 1, y * b), (tf.constant(0), a))
        return t.gradient(y, [a, b])

    assert [float(v) for v in w()] == [1.0, 0.0]

    with pytest.raises(AssertionError):
        tf.function(lambda x: tf.cond(x > 0, lambda: (x, x), lambda: x))(tf.constant(3.0))
    with pytest.raises(TypeError):
        tf.function(lambda x: tf.cond(x > 0, lambda: x, lambda: tf.constant(1)))(tf.constant(3.0))
    # eager mode is untouched: None for the untaken branch
    with tf.GradientTape() as t:
        y = tf.cond(a > 0, lambda: a * a, lambda: b * 3.0)
    assert t.gradient(y, b) is None


def test_untaken_branch_updates_and_prints_do_not_happen(capsys: pytest.CaptureFixture[str]) -> None:
    counter = tf.Variable(0.0)

    @tf.function
    def step(x):
        return tf.cond(x > 0, lambda: x * 2.0, lambda: (counter.assign_add(1.0), tf.print("untaken"), -x)[2])

    for value in (1.0, 2.0, 3.0):
        assert float(step(tf.constant(value))) == 2 * value
    assert float(counter) == 0.0 and "untaken" not in capsys.readouterr().out
    assert float(step(tf.constant(-1.0))) == 1.0 and float(counter) == 1.0
