"""The compiler core end to end: trace() → Program, replayed by generated code (driven here without the front-end)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.compiler.trace import GuardMiss, TraceError, is_tracing, trace


def compile_fn(f, *example, options=None):
    """trace ``f`` on ``example`` (flat tensors) the way the front-end does; returns the Program."""

    def run(ts):
        out = f(*ts)
        flat = list(out) if isinstance(out, (list, tuple)) else [out]
        return flat, None

    return trace(run, list(example), name=f.__name__, options=options)


def vals(outs):
    return [np.asarray(o.numpy()) for o in outs]


def test_forward_matches_eager_on_new_inputs():
    def f(x, y):
        return tf.sin(x) * y + tf.reduce_sum(x * x)

    rng = np.random.default_rng(0)
    a, b = (tf.constant(rng.normal(size=4)) for _ in range(2))
    p = compile_fn(f, a, b)
    for _ in range(3):
        a, b = (tf.constant(rng.normal(size=4)) for _ in range(2))
        np.testing.assert_allclose(vals(p([a, b]))[0], f(a, b).numpy(), rtol=1e-12)


def test_same_tensor_twice_is_two_inputs():
    def f(x, y):
        return x - y

    a = tf.constant([1.0, 2.0])
    p = compile_fn(f, a, a)
    assert vals(p([a, tf.constant([0.5, 0.5])]))[0].tolist() == [0.5, 1.5]


def test_train_step_with_gradient_and_assign_matches_eager_loop():
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=(3, 2))
    xs = [tf.constant(rng.normal(size=(5, 3))) for _ in range(4)]

    def make():
        w = tf.Variable(w0)

        def step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.tanh(tf.matmul(x, w)) ** 2)
            g = tape.gradient(loss, w)
            w.assign_sub(0.5 * g)
            return loss

        return w, step

    w_e, step_e = make()
    eager = [float(step_e(x)) for x in xs]
    w_c, step_c = make()
    p = compile_fn(step_c, xs[0])
    np.testing.assert_array_equal(w_c.numpy(), w0)  # tracing leaves variables as it found them
    compiled = [float(p([x])[0]) for x in xs]
    np.testing.assert_allclose(compiled, eager, rtol=1e-12)
    np.testing.assert_allclose(w_c.numpy(), w_e.numpy(), rtol=1e-12)


def test_captured_variable_is_read_live():
    v = tf.Variable(2.0)

    def f(x):
        return x * v

    p = compile_fn(f, tf.constant(3.0))
    assert float(p([tf.constant(3.0)])[0]) == 6.0
    v.assign(5.0)
    assert float(p([tf.constant(3.0)])[0]) == 15.0


def test_variable_effects_in_program_order():
    v = tf.Variable([1.0, 2.0])

    def f():
        a = v * 1.0
        v.assign([10.0, 20.0])
        b = v * 1.0
        v.assign_add([1.0, 1.0])
        return a, b, tf.identity(v)

    p = compile_fn(f)
    a, b, c = vals(p([]))
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [10.0, 20.0] and c.tolist() == [11.0, 21.0]
    assert v.numpy().tolist() == [11.0, 21.0]
    a, b, c = vals(p([]))
    assert a.tolist() == [11.0, 21.0] and c.tolist() == [11.0, 21.0]


def test_variable_argument_updates_the_callers_variable():
    def f(v, d):
        v.assign_add(d)
        return v * 2.0

    v1, v2 = tf.Variable([1.0]), tf.Variable([5.0])
    p = compile_fn(f, v1, tf.constant([1.0]))
    assert v1.numpy().tolist() == [1.0]
    assert vals(p([v2, tf.constant([2.0])]))[0].tolist() == [14.0]
    assert v2.numpy().tolist() == [7.0] and v1.numpy().tolist() == [1.0]


def test_scatter_update_is_recorded():
    v = tf.Variable([1.0, 2.0, 3.0])

    def f(x):
        v.scatter_add(tf.IndexedSlices(x, tf.constant([0, 2])))
        return tf.identity(v)

    p = compile_fn(f, tf.constant([1.0, 1.0]))
    assert vals(p([tf.constant([10.0, 20.0])]))[0].tolist() == [11.0, 2.0, 23.0]


def test_guard_on_bool_raises_guardmiss_and_leaves_no_effect():
    v = tf.Variable(0.0)

    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2.0
        else:
            y = -x
        v.assign_add(1.0)
        return y

    p = compile_fn(f, tf.constant([1.0, 2.0]))
    assert vals(p([tf.constant([3.0, 1.0])]))[0].tolist() == [6.0, 2.0]
    assert float(v.numpy()) == 1.0
    with pytest.raises(GuardMiss):
        p([tf.constant([-3.0, 1.0])])
    assert float(v.numpy()) == 1.0  # the update was not applied


def test_guard_on_int_and_float_conversions():
    def f(x, n):
        out = x
        for _ in range(int(n)):
            out = out * 2.0
        return out + float(tf.reduce_max(x))

    p = compile_fn(f, tf.constant([1.0, 3.0]), tf.constant(2))
    assert vals(p([tf.constant([1.0, 3.0]), tf.constant(2)]))[0].tolist() == [7.0, 15.0]
    with pytest.raises(GuardMiss):
        p([tf.constant([1.0, 3.0]), tf.constant(3)])
    with pytest.raises(GuardMiss):
        p([tf.constant([1.0, 4.0]), tf.constant(2)])


def test_python_side_effects_only_at_trace_time():
    log = []

    def f(x):
        log.append("traced")
        assert is_tracing()
        return x + 1.0

    p = compile_fn(f, tf.constant(1.0))
    p([tf.constant(2.0)])
    p([tf.constant(3.0)])
    assert log == ["traced"] and not is_tracing()


def test_stateful_random_draws_fresh_numbers_every_call():
    def f(x):
        return x + tf.random.normal([3], seed=7)

    p = compile_fn(f, tf.zeros([3]))
    a, b = vals(p([tf.zeros([3])]))[0], vals(p([tf.zeros([3])]))[0]
    assert not np.array_equal(a, b)


def test_captured_constants_and_arrays_are_frozen():
    arr = np.array([1.0, 2.0])
    c = tf.constant([10.0, 20.0])

    def f(x):
        return x + arr + c

    p = compile_fn(f, tf.constant([0.0, 0.0]))
    arr[:] = 100.0
    assert vals(p([tf.constant([0.0, 0.0])]))[0].tolist() == [11.0, 22.0]


def test_outputs_are_fresh_across_calls():
    v = tf.Variable([1.0, 2.0])

    def f(x):
        v.assign_add(x)
        return x * 2.0, tf.identity(v), v.value()

    p = compile_fn(f, tf.constant([1.0, 1.0]))
    first = p([tf.constant([1.0, 1.0])])
    snap = [o.numpy().copy() for o in first]
    p([tf.constant([5.0, 5.0])])
    for o, s in zip(first, snap):
        np.testing.assert_array_equal(o.numpy(), s)


def test_differentiable_under_an_outer_tape_to_second_order():
    def f(x):
        return x * x * x

    p = compile_fn(f, tf.constant(2.0))
    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            (y,) = p([x])
        g = t1.gradient(y, x)
    assert float(g) == 12.0 and float(t2.gradient(g, x)) == 12.0


def test_captured_variable_watched_through_program_under_tape():
    v = tf.Variable(3.0)

    def f(x):
        return x * v

    p = compile_fn(f, tf.constant(2.0))
    with tf.GradientTape() as tape:
        (y,) = p([tf.constant(2.0)])
    assert float(tape.gradient(y, v)) == 2.0


def test_gradient_inside_traced_body_of_nested_tapes():
    def f(x):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x)
            g = t1.gradient(y, x)
        return y, g, t2.gradient(g, x)

    p = compile_fn(f, tf.constant(0.3))
    x = 1.1
    y, g, h = vals(p([tf.constant(x)]))
    np.testing.assert_allclose([y, g, h], [np.sin(x), np.cos(x), -np.sin(x)], rtol=1e-6)


def test_replay_inside_another_trace_inlines():
    def inner(x):
        return x * 3.0

    pi = compile_fn(inner, tf.constant(1.0))

    def outer(x):
        return pi([x])[0] + 1.0

    po = compile_fn(outer, tf.constant(1.0))
    assert float(po([tf.constant(2.0)])[0]) == 7.0
    assert any(n.op.name == "multiply" for n in po.graph.nodes)


def test_generated_code_is_readable_and_in_linecache():
    import linecache

    def f(x):
        return tf.sin(x) * 2.0  # the source line

    p = compile_fn(f, tf.constant([1.0]))
    assert "the source line" in p.code and "sin" in p.code
    assert linecache.getline(p.filename, 1).startswith("def build(")
    assert p.pretty_printed_code().startswith("# tapegrad.function")


def test_view_of_traced_value_made_without_an_op_fails_loudly():
    from tapegrad._tensor import make

    def f(x):
        sneaky = make(x._value[:1], x._xp)  # bypasses the dispatcher
        return x + tf.reduce_sum(sneaky)

    with pytest.raises(TraceError):
        compile_fn(f, tf.constant([1.0, 2.0]))


def test_data_read_by_an_op_implementation_is_guarded():
    # tf.one_hot depth / tf.range limit / boolean_mask read tensor values in Python: the trace guards them
    def f(x, m, n):
        return tf.reduce_sum(tf.boolean_mask(x, m)) + tf.cast(tf.reduce_sum(tf.range(n)), tf.float32)

    x = tf.constant([1.0, 2.0, 3.0])
    p = compile_fn(f, x, tf.constant([True, False, True]), tf.constant(3))
    assert float(p([x, tf.constant([True, False, True]), tf.constant(3)])[0]) == 7.0
    with pytest.raises(GuardMiss):
        p([x, tf.constant([False, True, True]), tf.constant(3)])
    with pytest.raises(GuardMiss):
        p([x, tf.constant([True, False, True]), tf.constant(4)])


def test_gather_indices_flow_as_inputs_without_guards():
    def f(x, i):
        return tf.gather(x, i) * 2.0

    x = tf.constant([1.0, 2.0, 3.0])
    p = compile_fn(f, x, tf.constant([0, 2]))
    assert vals(p([x, tf.constant([1, 1])]))[0].tolist() == [4.0, 4.0]


def test_sparse_labels_flow_as_an_input():
    def f(logits, labels):
        return tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    lg = tf.constant([[1.0, 2.0], [0.5, 0.1]])
    p = compile_fn(f, lg, tf.constant([0, 1]))
    assert not any(n.op.name == "guard" for n in p.graph.nodes)
    for labels in ([0, 1], [1, 1], [1, 0]):
        lab = tf.constant(labels)
        np.testing.assert_allclose(float(p([lg, lab])[0]), float(f(lg, lab)), rtol=1e-6)


def test_tf_print_prints_every_call_and_not_while_tracing(capsys):
    import sys

    def f(x):
        tf.print("x =", x, output_stream=sys.stdout)
        return x + 1.0

    p = compile_fn(f, tf.constant(1.0))
    assert capsys.readouterr().out == ""
    p([tf.constant(2.0)])
    p([tf.constant(3.5)])
    assert capsys.readouterr().out == "x = 2\nx = 3.5\n"


def test_tf_print_after_a_missed_guard_prints_nothing(capsys):
    import sys

    def f(x):
        tf.print("value", x, output_stream=sys.stdout)
        return x * 2.0 if x > 0 else -x

    p = compile_fn(f, tf.constant(1.0))
    with pytest.raises(GuardMiss):
        p([tf.constant(-1.0)])
    assert capsys.readouterr().out == ""


def test_generated_code_does_not_warn_on_inf_and_nan():
    import warnings

    def f(x):
        return tf.exp(x) * 0.0 + x / 0.0

    p = compile_fn(f, tf.constant([1000.0, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tapegrad(\.|$)")
        out = p([tf.constant([1000.0, 0.0])])[0].numpy()
    assert np.isnan(out[0]) and np.isnan(out[1])


def test_sparse_gradient_and_scatter_update_stay_live():
    E = tf.Variable(np.arange(12.0).reshape(4, 3))
    E2 = tf.Variable(np.arange(12.0).reshape(4, 3))

    def make(var):
        def body(ids):
            with tf.GradientTape() as t:
                loss = tf.reduce_sum(tf.gather(var, ids) ** 2)
            g = t.gradient(loss, var)
            var.scatter_sub(tf.IndexedSlices(g.values * 0.1, g.indices, g.dense_shape))
            return loss, tf.convert_to_tensor(g)

        return body

    p = compile_fn(make(E), tf.constant([0, 2, 2]))
    eager = make(E2)
    for ids in ([0, 2, 2], [1, 3, 1], [3, 3, 3]):
        got, want = p([tf.constant(ids)]), eager(tf.constant(ids))
        for a, b in zip(got, want):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
        np.testing.assert_allclose(E.numpy(), E2.numpy(), rtol=1e-12)
    assert not any(n.op.name == "guard" for n in p.graph.nodes)


def test_max_pool_gradient_routing_is_computed_every_call():
    rng = np.random.default_rng(3)

    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID") ** 2)
        return t.gradient(y, x)

    p = compile_fn(f, tf.constant(rng.normal(size=(1, 4, 4, 2))))
    assert not any(n.op.name == "guard" for n in p.graph.nodes)
    for _ in range(3):
        x = tf.constant(rng.normal(size=(1, 4, 4, 2)))
        np.testing.assert_allclose(p([x])[0].numpy(), f(x).numpy(), rtol=1e-12)


def test_inputs_of_another_shape_or_dtype_miss():
    def f(x):
        return tf.sin(x) * 2.0

    p = compile_fn(f, tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(GuardMiss):
        p([tf.constant([1.0])])  # would broadcast into the planned buffers
    with pytest.raises(GuardMiss):
        p([tf.constant([1.0, 2.0, 3.0], dtype=tf.float64)])


def test_outer_tape_differentiates_a_gradient_computed_inside():
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x * x
        return t.gradient(y, x)  # 3 x^2

    p = compile_fn(f, tf.constant(1.0))
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        (g,) = p([x])
    assert float(g) == 12.0 and float(outer.gradient(g, x)) == 12.0  # d(3x^2)/dx = 6x


def test_forward_accumulator_inside_a_trace_stays_live():
    def f(x, t):
        with tf.autodiff.ForwardAccumulator(x, t) as acc:
            y = tf.sin(x) * x
        return y, acc.jvp(y)

    p = compile_fn(f, tf.constant([0.5, 1.0]), tf.constant([1.0, 0.0]))
    for xs, ts in (([0.3, 2.0], [1.0, 1.0]), ([1.5, -1.0], [0.0, 2.0])):
        x, t = tf.constant(xs), tf.constant(ts)
        got, want = p([x, t]), f(x, t)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_custom_gradient_recompute_grad_and_jacobian_inside():
    @tf.custom_gradient
    def clip_grad(x):
        def grad(g):
            return tf.clip_by_value(g, -0.5, 0.5)

        return x * 1.0, grad

    layer = tf.recompute_grad(lambda z: tf.tanh(z) * z)

    def f(x):
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = clip_grad(x * 3.0)
            z = layer(x)
        return t.gradient(y, x), t.gradient(z, x), t.jacobian(z, x)

    p = compile_fn(f, tf.constant([0.1, 0.2]))
    for xs in ([0.3, -2.0], [1.0, 0.5]):
        x = tf.constant(xs)
        for a, b in zip(p([x]), f(x)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_nested_function_keeps_its_guards_when_inlined():
    @tf.function
    def inner(x):
        return x * 2.0 if x > 0 else x * 3.0  # a guard on bool(x > 0)

    @tf.function
    def outer(x):
        return inner(x) + 1.0

    assert [float(outer(tf.constant(v))) for v in (1.0, -1.0, 2.0, -2.0)] == [3.0, -2.0, 5.0, -5.0]
