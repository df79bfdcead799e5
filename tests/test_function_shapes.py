"""Shape-generic traces (compiler/shapes.py): a signature with None dims runs its Python body once, and every other
concrete shape replays the traced graph. Each case compares the compiled function with the eager body (values and
gradients) over many shapes, and counts body runs; the shapes are chosen to hit the traps of baked attributes
(size-1 dims that broadcast later, means' element counts, reshape(-1), matmul batches)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _run(body, specs, shape_lists, *, seed=0, jit_compile=None, make=None, **kw):
    """Call ``tf.function(body)`` and the eager body on the same random inputs for each shape list; return the
    function and how many times its body ran."""
    rng = np.random.default_rng(seed)
    runs = [0]

    def counted(*args):
        runs[0] += 1
        return body(*args)

    f = tf.function(counted, input_signature=specs, jit_compile=jit_compile, **kw)
    for shapes in shape_lists:
        arrays = [(make or rng.standard_normal)(s).astype(np.float32) for s in shapes]
        got = f(*[tf.constant(a) for a in arrays])
        want = body(*[tf.constant(a) for a in arrays])
        got_flat, want_flat = _flat(got), _flat(want)
        assert len(got_flat) == len(want_flat)
        for g, w in zip(got_flat, want_flat):
            if w is None:
                assert g is None
                continue
            g, w = np.asarray(g), np.asarray(w)
            assert g.shape == w.shape, (shapes, g.shape, w.shape)
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-5, err_msg=str(shapes))
    return f, runs[0]


def _reasons(f):
    return f.get_concrete_function().not_generic_reasons


V = tf.TensorSpec([None])
M3 = tf.TensorSpec([None, 3])


def test_broadcast_against_size_one_that_grows_later():
    # the classic trap: unbroadcast axes decided at trace time (x has size 1 there, then 3)
    def body(x, y):
        with tf.GradientTape() as t:
            t.watch([x, y])
            z = tf.reduce_sum((x * y + x) ** 2)
        return (z, *t.gradient(z, [x, y]))

    f, runs = _run(body, [V, V], [[(1,), (3,)], [(3,), (3,)], [(3,), (1,)], [(1,), (1,)], [(5,), (1,)], [(4,), (4,)]])
    assert runs == 1 and f.experimental_get_tracing_count() == 1, _reasons(f)


def test_mean_and_reshape_minus_one():
    c = tf.constant(np.arange(1.0, 4.0, dtype=np.float32)[None, :])

    def body(x):
        with tf.GradientTape() as t:
            t.watch(x)
            flat = tf.reshape(x * c, [-1])
            y = tf.reduce_mean(flat ** 2) + tf.reduce_sum(tf.reshape(x, [-1, 1]) * 0.5)
            y = y + tf.reduce_sum(tf.ones_like(x)) + tf.reduce_mean(x, axis=0)[1]
        return y, t.gradient(y, x), tf.shape(x)

    f, runs = _run(body, [M3], [[(2, 3)], [(5, 3)], [(1, 3)], [(8, 3)], [(2, 3)]])
    assert runs == 1, _reasons(f)


def test_matmul_with_a_none_batch_and_variable_updates():
    w = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
    b = tf.Variable(np.zeros(2, np.float32))
    w_eager = tf.Variable(w.numpy())
    b_eager = tf.Variable(b.numpy())

    def step(weights, bias):
        def body(x):
            with tf.GradientTape() as t:
                h = tf.nn.relu(tf.matmul(x, weights) + bias)
                loss = tf.reduce_mean(tf.reduce_sum(h ** 2, axis=1))
            gw, gb = t.gradient(loss, [weights, bias])
            weights.assign_sub(0.1 * gw)
            bias.assign_sub(0.1 * gb)
            return loss
        return body

    rng = np.random.default_rng(3)
    runs = [0]
    compiled_body = step(w, b)

    def counted(x):
        runs[0] += 1
        return compiled_body(x)

    f = tf.function(counted, input_signature=[M3])
    eager = step(w_eager, b_eager)
    for n in (4, 1, 7, 2, 4, 9):
        x = rng.standard_normal((n, 3)).astype(np.float32)
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), eager(tf.constant(x)).numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(w.numpy(), w_eager.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b.numpy(), b_eager.numpy(), rtol=1e-5, atol=1e-6)
    assert runs[0] == 1, f.get_concrete_function().not_generic_reasons


def test_reductions_softmax_and_second_order():
    def body(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.nn.softmax(x, axis=-1) * tf.exp(x * 0.1)) + tf.reduce_max(x)
            g = inner.gradient(y, x)
            gg = tf.reduce_sum(g * g)
        return y, g, outer.gradient(gg, x), tf.reduce_min(x, axis=1), tf.math.reduce_std(x)

    f, runs = _run(body, [M3], [[(2, 3)], [(1, 3)], [(6, 3)], [(3, 3)]])
    assert runs == 1, _reasons(f)


def test_jacobian_and_persistent_tape():
    def body(x):
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = tf.sin(x) * tf.reduce_sum(x)
        return t.jacobian(y, x), t.gradient(y, x)

    f, runs = _run(body, [V], [[(2,)], [(1,)], [(4,)], [(3,)]])
    assert runs == 1, _reasons(f)


@pytest.mark.parametrize("jit", [False, True])
def test_jit_compile_programs_are_made_per_shape(jit):
    pytest.importorskip("numba") if jit else None

    def body(x, y):
        with tf.GradientTape() as t:
            t.watch(x)
            z = tf.reduce_sum(tf.tanh(x * 2.0 + y) ** 2 - x)
        return z, t.gradient(z, x)

    f, runs = _run(body, [M3, tf.TensorSpec([None, 1])], [[(2, 3), (2, 1)], [(5, 3), (1, 1)], [(1, 3), (1, 1)],
                                                           [(4, 3), (4, 1)]], jit_compile=jit)
    assert runs == 1, _reasons(f)


def test_reduce_retracing_relaxed_trace_serves_every_later_size():
    def body(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_mean(x * x)
        return y, t.gradient(y, x)

    f, runs = _run(body, None, [[(2,)], [(3,)], [(5,)], [(1,)], [(9,)]], reduce_retracing=True)
    assert runs == 2 and f.experimental_get_tracing_count() == 2, _reasons(f)  # (2,) then one relaxed trace


def test_get_concrete_function_traces_once_and_serves_other_sizes():
    runs = [0]

    @tf.function
    def g(x):
        runs[0] += 1
        return x * 2.0, tf.reduce_sum(x)

    cf = g.get_concrete_function(tf.TensorSpec([None], tf.float32))
    assert runs[0] == 1
    for n in (2, 5, 1):
        a, s = cf(tf.constant(np.arange(n, dtype=np.float32)))
        assert a.numpy().tolist() == [2.0 * i for i in range(n)] and float(s) == sum(range(n))
    assert g(tf.constant([5.0, 6.0, 7.0]))[0].numpy().tolist() == [10.0, 12.0, 14.0]
    assert runs[0] == 1 and g.experimental_get_tracing_count() == 1
    assert cf.structured_outputs[0].shape.as_list() == [None]
    assert cf.structured_outputs[1].shape.as_list() == []


def test_data_dependent_branch_with_none_dims():
    def body(x):
        if tf.reduce_sum(x) > 0:
            return x * 2.0
        return -x

    rng = np.random.default_rng(5)
    f = tf.function(body, input_signature=[V])
    for n in (3, 4, 1, 3, 6, 2):
        x = tf.constant(rng.standard_normal(n).astype(np.float32))
        np.testing.assert_allclose(f(x).numpy(), body(x).numpy())


def test_a_shape_read_by_the_body_is_checked_not_trusted():
    # tf.gather's output shape is not inferred (the body sees its traced size (2, 2)): another size must not reuse a
    # trace that baked it
    runs = [0]

    @tf.function(input_signature=[M3])
    def f(x):
        runs[0] += 1
        y = tf.gather(x, [0, 1], axis=1)
        return tf.reshape(y, [y.shape[0] * 2])

    assert f(tf.ones([2, 3])).shape == (4,)
    assert f(tf.ones([4, 3])).shape == (8,)
    assert runs[0] == 2  # the body ran again for the new size: the replay was refused, not silently wrong
    assert any("static shape (2, 2)" in r for r in f.get_concrete_function().not_generic_reasons)


def test_static_shapes_inside_the_body_are_tfs():
    seen = []

    @tf.function(input_signature=[M3])
    def f(x):
        y = x * 2.0
        seen.append([t.shape.as_list() for t in (x, y, tf.reduce_sum(y, axis=1), tf.matmul(x, tf.ones([3, 4])),
                                                 tf.reshape(x, [-1]), tf.expand_dims(x, 1), tf.transpose(x))])
        with pytest.raises(TypeError):
            y.shape[0] * 3  # None, as in TF: use tf.shape(y)[0]
        return y, tf.reduce_sum(y, axis=0)

    f(tf.ones([2, 3]))
    f(tf.ones([5, 3]))
    assert seen == [[[None, 3], [None, 3], [None], [None, 4], [None], [None, 1, 3], [3, None]]]
    outs = f.get_concrete_function().structured_outputs
    assert outs[0].shape.as_list() == [None, 3] and outs[1].shape.as_list() == [3]


def test_custom_gradient_falls_back_to_running_the_body_and_print_runs_every_call(capsys):
    @tf.custom_gradient
    def clip_grad(x):
        def grad(dy):
            return tf.clip_by_value(dy, -0.5, 0.5) * 3.0
        return tf.identity(x), grad

    def body(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(clip_grad(x) * x)
        tf.print("n", tf.shape(x)[0])
        return y, t.gradient(y, x)

    f, runs = _run(body, [V], [[(2,)], [(5,)], [(1,)]])
    # the grad_fn is Python of the trace (closures over traced tensors): each new shape runs the body again
    assert runs == 3 and any("custom_gradient" in r for r in _reasons(f))
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "n 2" in out and "n 5" in out and "n 1" in out


def test_slicing_gather_one_hot_bias_add_and_conv_with_a_none_batch():
    k = tf.constant(np.linspace(-1, 1, 3 * 3 * 2 * 4, dtype=np.float32).reshape(3, 3, 2, 4))
    bias = tf.constant(np.arange(4, dtype=np.float32))

    def body(x):
        with tf.GradientTape() as t:
            t.watch(x)
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, strides=2, padding="SAME"), bias))
            p = tf.nn.max_pool2d(h, 2, 1, "VALID")
            rows = tf.reshape(p, [-1, 4])
            picked = tf.gather(rows, [0, 2], axis=1) * tf.one_hot(tf.cast(rows[:, 0] > 0, tf.int32), 2)
            y = tf.reduce_sum(picked[1:]) + tf.reduce_mean(rows[..., -1]) + tf.reduce_sum(x[:, ::2, 0])
        return y, t.gradient(y, x)

    f, runs = _run(body, [tf.TensorSpec([None, 6, 6, 2])], [[(2, 6, 6, 2)], [(3, 6, 6, 2)], [(1, 6, 6, 2)],
                                                              [(5, 6, 6, 2)]])
    assert runs == 1, _reasons(f)


def test_keras_style_step_with_a_partial_last_batch():
    w = tf.Variable(np.full((4, 1), 0.1, np.float32))

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as t:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        w.assign_sub(0.05 * t.gradient(loss, w))
        return loss

    rng = np.random.default_rng(11)
    x = rng.standard_normal((23, 4)).astype(np.float32)
    y = (x @ np.arange(4, dtype=np.float32)[:, None]).astype(np.float32)
    w_ref = np.full((4, 1), 0.1, np.float32)
    for _ in range(2):
        for i in range(0, 23, 8):  # batches of 8, 8, 7
            xb, yb = x[i:i + 8], y[i:i + 8]
            loss = step(tf.constant(xb), tf.constant(yb))
            err = xb @ w_ref - yb
            np.testing.assert_allclose(float(loss), float(np.mean(err ** 2)), rtol=1e-5)
            w_ref = w_ref - 0.05 * (2 * xb.T @ err / err.size)
            np.testing.assert_allclose(w.numpy(), w_ref, rtol=1e-5, atol=1e-6)
    assert step.experimental_get_tracing_count() == 2  # (8, 4), then one relaxed trace serving 7 and 8


_UNARY = [tf.sin, tf.tanh, tf.nn.relu, lambda a: a * a, lambda a: tf.exp(a * 0.3), tf.nn.sigmoid]
_BINARY = [tf.add, tf.multiply, tf.subtract, lambda a, b: tf.maximum(a, b) * 0.5]
_REDUCE = [lambda a: tf.reduce_sum(a), lambda a: tf.reduce_mean(a), lambda a: tf.reduce_max(a, axis=0),
           lambda a: tf.reduce_mean(a, axis=1, keepdims=True), lambda a: tf.reduce_sum(tf.reshape(a, [-1]) ** 2)]


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_compiled_equal_eager_over_many_shapes(seed):
    # random programs of broadcasting elementwise ops, reductions and their gradients; x: [None, 3], y: [None, 1]
    # or [1, 3]-like shapes whose size-1 dims grow later; every result and gradient must equal eager's
    rng = np.random.default_rng(100 + seed)
    steps = [(rng.integers(len(_UNARY)), rng.integers(len(_BINARY))) for _ in range(3)]
    red = int(rng.integers(len(_REDUCE)))

    def body(x, y):
        with tf.GradientTape() as t:
            t.watch([x, y])
            h = x
            for u, b in steps:
                h = _BINARY[b](_UNARY[u](h), y)
            out = _REDUCE[red](h)
            loss = tf.reduce_sum(out)
        gx, gy = t.gradient(loss, [x, y])
        return out, gx, gy

    rows = [int(n) for n in rng.integers(1, 6, size=5)]
    y_shapes = [(1, 1), (1, 3), (rows[0], 1), (rows[0], 3)]
    shape_lists = [[(n, 3), y_shapes[int(rng.integers(len(y_shapes)))]] for n in rows]
    shape_lists = [[xs, (xs[0] if ys[0] != 1 else 1, ys[1])] for xs, ys in shape_lists]
    f, runs = _run(body, [tf.TensorSpec([None, 3]), tf.TensorSpec([None, None])], shape_lists, seed=seed)
    assert runs == 1, _reasons(f)  # one trace served every shape


def test_expand_dims_and_squeeze_with_a_none_batch():
    def body(x):
        with tf.GradientTape() as t:
            t.watch(x)
            e = tf.expand_dims(x, 1) * tf.constant([[[1.0], [2.0]]])  # (n, 2, 3) after broadcasting
            s = tf.squeeze(tf.expand_dims(x, -1), axis=-1) + tf.squeeze(tf.reduce_sum(e, axis=1, keepdims=True), [1])
            y = tf.reduce_sum(s ** 2)
        return y, t.gradient(y, x), tf.squeeze(x[:, :1])

    f, runs = _run(body, [M3], [[(2, 3)], [(4, 3)], [(3, 3)], [(7, 3)]])
    assert runs == 1, _reasons(f)
    # tf.squeeze(x[:, :1]) of a (1, 1)-shaped slice drops both dims when n == 1: not the traced decision
    f2, runs2 = _run(lambda x: tf.squeeze(x[:, :1]), [M3], [[(2, 3)], [(1, 3)], [(2, 3)]])
    assert runs2 == 2
