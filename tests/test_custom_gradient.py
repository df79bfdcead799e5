"""custom_gradient, recompute_grad, grad_pass_through and stop_gradient (reference §4), including where tapegrad
deliberately differs from TensorFlow (keyword arguments, validated gradient shapes)."""

from __future__ import annotations

import doctest
import gc
import tracemalloc
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import custom, forward, functional
from tapegrad.custom import custom_gradient, grad_pass_through, recompute_grad


def _f(x: Any) -> float:
    return float(np.asarray(x.numpy() if hasattr(x, "numpy") else x))


# -- custom_gradient: TensorFlow's contract --------------------------------------------------------------------


def _log1pexp(seen: list[Any] | None = None) -> Any:
    @custom_gradient
    def log1pexp(x: Any) -> Any:
        e = tf.exp(x)

        def grad(upstream: Any) -> Any:
            if seen is not None:
                seen.append(upstream)
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    return log1pexp


def test_log1pexp_stable_gradient_and_upstreams() -> None:
    seen: list[Any] = []
    x = tf.constant(100.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = _log1pexp(seen)(x)
    assert _f(y) == np.inf and _f(t.gradient(y, x)) == 1.0
    assert len(seen) == 1 and _f(seen[0]) == 1.0
    seen.clear()
    xs = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(xs)
        y = _log1pexp(seen)(xs) * 3.0
    g = t.gradient(y, xs)
    np.testing.assert_allclose(g.numpy(), 3.0 / (1 + np.exp(-np.array([1.0, 2.0]))), rtol=1e-6)
    assert seen[0].numpy().tolist() == [3.0, 3.0]
    seen.clear()
    with tf.GradientTape() as t:
        t.watch(xs)
        y = _log1pexp(seen)(xs)
    t.gradient(y, xs, output_gradients=tf.constant([5.0, 7.0]))
    assert seen[0].numpy().tolist() == [5.0, 7.0]


def test_gradient_count_and_forms() -> None:
    def make(ret: Any) -> Any:
        @custom_gradient
        def f(x: Any, y: Any) -> Any:
            return x * y, lambda dz: ret(dz)

        return f

    x, y = tf.constant(1.0), tf.constant(2.0)
    for ret in (lambda dz: (dz * 10.0, dz * 20.0), lambda dz: [dz * 10.0, dz * 20.0]):
        with tf.GradientTape() as t:
            t.watch([x, y])
            z = make(ret)(x, y)
        assert [_f(g) for g in t.gradient(z, [x, y])] == [10.0, 20.0]
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = make(lambda dz: dz * 10.0)(x, y)
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        t.gradient(z, [x, y])
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = make(lambda dz: (None, dz))(x, y)
    gx, gy = t.gradient(z, [x, y])
    assert gx is None and _f(gy) == 1.0


def test_unused_output_gets_zero_upstream() -> None:
    seen: list[Any] = []

    @custom_gradient
    def two_out(x: Any) -> Any:
        def grad(d1: Any, d2: Any) -> Any:
            seen.append((_f(d1), _f(d2)))
            return d1 + 100.0 * d2

        return (x * 2.0, x * 3.0), grad

    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a, b = two_out(x)
    assert _f(t.gradient(a, x)) == 1.0 and _f(t.gradient(b, x)) == 100.0
    assert seen == [(1.0, 0.0), (0.0, 1.0)]


def test_nested_structures_of_inputs_and_outputs() -> None:
    @custom_gradient
    def f(pair: Any, scale: Any) -> Any:
        a, b = pair

        def grad(d_sum: Any, d_parts: Any) -> Any:
            return (d_sum * 2.0, d_sum * 3.0), d_parts * 4.0

        return (a + b, {"parts": scale * 1.0}), grad

    a, b, s = tf.constant(1.0), tf.constant(2.0), tf.constant(5.0)
    with tf.GradientTape() as t:
        t.watch([a, b, s])
        total, d = f((a, b), s)
        y = total + d["parts"]
    assert [_f(g) for g in t.gradient(y, [a, b, s])] == [2.0, 3.0, 4.0]


def test_variables_contract() -> None:
    v = tf.Variable(3.0, name="v")
    w = tf.Variable(2.0, name="w")
    seen: list[Any] = []

    @custom_gradient
    def with_vars(x: Any) -> Any:
        y = x * v * w

        def grad(dy: Any, variables: Any = None) -> Any:
            seen.append([var.name for var in variables])
            return dy * 1000.0, [dy * 7.0, None]

        return y, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = with_vars(x)
    gx, gv, gw = t.gradient(y, [x, v, w])
    assert _f(gx) == 1000.0 and _f(gv) == 7.0 and gw is None
    assert seen == [["v:0", "w:0"]]  # in the order the function read them


def test_variables_contract_errors() -> None:
    v = tf.Variable(3.0, name="v")

    @custom_gradient
    def no_kw(x: Any) -> Any:
        return x * v, lambda dy: dy

    x = tf.constant(2.0)
    with pytest.raises(TypeError, match="must accept keyword argument 'variables'.*v:0"), tf.GradientTape() as t:
        t.watch(x)
        no_kw(x)

    @custom_gradient
    def wrong_count(x: Any) -> Any:
        return x * v, lambda dy, variables=None: (dy, [])

    with tf.GradientTape() as t:
        t.watch(x)
        y = wrong_count(x)
    with pytest.raises(ValueError, match="Must return gradient for each variable"):
        t.gradient(y, [x, v])

    @custom_gradient
    def not_a_pair(x: Any) -> Any:
        return x * v, lambda dy, variables=None: dy

    with tf.GradientTape() as t:
        t.watch(x)
        y = not_a_pair(x)
    with pytest.raises(ValueError, match="input_gradients, variable_gradients"):
        t.gradient(y, [x, v])


def test_variables_keyword_declared_but_unused_and_kwargs_grad_fn() -> None:
    @custom_gradient
    def f(x: Any) -> Any:
        return x * 2.0, lambda dy, variables=None: dy * 1000.0

    v = tf.Variable(3.0)

    @custom_gradient
    def g(x: Any) -> Any:
        def grad(dy: Any, **kw: Any) -> Any:
            return dy * 5.0, [dy * kw["variables"][0]]

        return x * v, grad

    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = f(x)
        z = g(x)
    assert _f(t.gradient(y, x)) == 1000.0
    assert [_f(r) for r in t.gradient(z, [x, v])] == [5.0, 3.0]


def test_variable_passed_as_argument_is_an_input() -> None:
    v = tf.Variable(3.0)

    @custom_gradient
    def f(a: Any) -> Any:
        return a * a, lambda dy: dy * 5.0  # no `variables`: v is an argument, not a captured variable

    with tf.GradientTape() as t:
        y = f(v)
    assert _f(t.gradient(y, v)) == 5.0


def test_unwatched_inputs_never_call_grad_fn() -> None:
    calls: list[int] = []

    @custom_gradient
    def f(x: Any, y: Any) -> Any:
        def grad(dz: Any) -> Any:
            calls.append(1)
            return dz, dz

        return x * y, grad

    x, u, w = tf.constant(1.0), tf.constant(2.0), tf.constant(4.0)
    with tf.GradientTape() as t:
        t.watch(w)
        z = f(x, u) * w
    assert t.gradient(z, [x, u]) == [None, None] and calls == []


def test_bad_return_values() -> None:
    @custom_gradient
    def scalar(x: Any) -> Any:
        return x * 2.0

    with pytest.raises(TypeError, match="scalar tensor"):
        scalar(tf.constant(1.0))

    @custom_gradient
    def not_callable(x: Any) -> Any:
        return x * 2.0, 3.0

    with pytest.raises(TypeError, match="grad_fn"):
        not_callable(tf.constant(1.0))


def test_python_number_arguments_and_results() -> None:
    @custom_gradient
    def f(x: Any) -> Any:
        return x * 2.0, lambda dy: dy * 3.0

    y = f(2.0)
    assert isinstance(y, tf.Tensor) and _f(y) == 4.0 and y.dtype == tf.float32

    @custom_gradient
    def const(x: Any) -> Any:
        return 7.0, lambda dy: dy

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        c = const(x)
    assert isinstance(c, tf.Tensor) and _f(c) == 7.0
    assert _f(t.gradient(c, x)) == 1.0


def test_second_order_through_grad_fn() -> None:
    @custom_gradient
    def cube(x: Any) -> Any:
        return x**3, lambda dy: dy * 3.0 * x * x

    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = cube(x)
        g = t1.gradient(y, x)
    assert _f(g) == 12.0 and _f(t2.gradient(g, x)) == 12.0


def test_second_order_uses_tensors_captured_in_the_forward() -> None:
    """grad_fn may use intermediates of the forward pass (here exp(x)): they stay connected for second order."""
    x = tf.constant(0.3, tf.float64)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = _log1pexp()(x)
        g = t1.gradient(y, x)
    s = 1 / (1 + np.exp(-0.3))
    np.testing.assert_allclose(_f(g), s)
    np.testing.assert_allclose(_f(t2.gradient(g, x)), s * (1 - s))


def test_jacobians_call_grad_fn_once_per_row() -> None:
    shapes: list[tuple[int, ...]] = []

    @custom_gradient
    def f(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            shapes.append(tuple(dy.shape))
            return tf.reduce_sum(dy) * tf.ones_like(x) * 10.0  # not batch-polymorphic on purpose

        return x * x, grad

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    j = t.jacobian(y, x)
    assert j.shape == (3, 3) and np.all(j.numpy() == 10.0)
    assert shapes == [(3,)] * 3
    xb = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        t.watch(xb)
        y = f(xb)
    assert t.batch_jacobian(y, xb).shape == (2, 2, 2)


def test_method_decorator_binds_self() -> None:
    class Scale:
        def __init__(self, k: float) -> None:
            self.k = k

        @custom_gradient
        def __call__(self, x: Any) -> Any:
            return x * self.k, lambda dy: dy * 100.0

    x = tf.constant(2.0)
    m = Scale(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = m(x)
    assert _f(y) == 6.0 and _f(t.gradient(y, x)) == 100.0


def test_decorator_forms_and_metadata() -> None:
    def f(x: Any) -> Any:
        """Doc of f."""
        return x * 2.0, lambda dy: dy * 3.0

    g = custom_gradient(f)
    h = custom_gradient()(f)
    assert g.__name__ == "f" and g.__doc__ == "Doc of f." and g.__wrapped__ is f
    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a, b = g(x), h(x)
    assert _f(t.gradient(a, x)) == 3.0 and _f(t.gradient(b, x)) == 3.0


# -- custom_gradient: where tapegrad differs from TensorFlow -----------------------------------------------------


@custom_gradient
def _bar(x: Any, y: Any) -> Any:
    def grad(dz: Any) -> Any:
        return dz * 1000.0, dz * 2000.0

    return x * y, grad


@pytest.mark.parametrize("call", [
    lambda x, y: _bar(x=x, y=y),  # TF #65839: silently differentiates x*y instead ([2, 1])
    lambda x, y: _bar(y=y, x=x),
    lambda x, y: _bar(x, y=y),  # TF: ValueError (expected 1 gradient, got 2)
    lambda x, y: _bar(x, y),
])
def test_keyword_arguments_still_use_the_custom_gradient(call: Any) -> None:
    x, y = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = call(x, y)
    assert [_f(g) for g in t.gradient(z, [x, y])] == [1000.0, 2000.0]


def test_keyword_tensors_may_get_no_gradient_tf_style() -> None:
    """A grad_fn written for TF's convention (positional inputs only) still works: keyword tensors get None."""

    @custom_gradient
    def f(x: Any, scale: Any = None) -> Any:
        return x * scale, lambda dy: dy * 7.0

    x, s = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch([x, s])
        y = f(x, scale=s)
    gx, gs = t.gradient(y, [x, s])
    assert _f(gx) == 7.0 and gs is None


def test_non_tensor_keyword_arguments_are_not_inputs() -> None:
    @custom_gradient
    def kwarg_fn(x: Any, scale: float = 2.0) -> Any:
        return x * scale, lambda dy: dy * scale

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = kwarg_fn(x, scale=3.0)
    assert _f(y) == 6.0 and _f(t.gradient(y, x)) == 3.0


def test_wrong_count_message_names_both_conventions() -> None:
    x, y = tf.constant(1.0), tf.constant(2.0)

    @custom_gradient
    def f(a: Any, b: Any = None) -> Any:
        return a * b, lambda dz: (dz, dz, dz)

    with tf.GradientTape() as t:
        t.watch([x, y])
        z = f(x, b=y)
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 3.*1 is also accepted"):
        t.gradient(z, [x, y])


def test_returned_gradients_are_validated_and_cast() -> None:
    """TF returns a wrong-shaped or wrong-dtype gradient as is; tapegrad raises for a shape that does not fit and
    casts to the input's dtype (Python numbers become tensors)."""
    x = tf.constant([1.0, 2.0])

    def run(ret: Any) -> Any:
        @custom_gradient
        def f(a: Any) -> Any:
            return a * 1.0, lambda dy: ret

        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        return t.gradient(y, x)

    with pytest.raises(ValueError, match=r"shape \(5,\) for an input of shape \(2,\)"):
        run(tf.ones([5]))
    g = run(tf.constant([1.0, 2.0], tf.float64))
    assert g.dtype == tf.float32 and g.numpy().tolist() == [1.0, 2.0]
    g = run(5.0)
    assert isinstance(g, tf.Tensor) and g.numpy().tolist() == [5.0, 5.0]


def test_closure_captured_tensors_get_no_gradient() -> None:
    """Only arguments and captured *variables* are inputs: a captured watched constant gets None (documented)."""
    c = tf.constant(3.0)

    @custom_gradient
    def f(x: Any) -> Any:
        return x * c, lambda dy: dy * c

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, c])
        y = f(x)
    gx, gc_ = t.gradient(y, [x, c])
    assert _f(gx) == 3.0 and gc_ is None


# -- recompute_grad -------------------------------------------------------------------------------------------


def test_recompute_grad_runs_f_twice_and_matches_plain() -> None:
    calls: list[int] = []

    def g(x: Any) -> Any:
        calls.append(1)
        return tf.sin(x) * x

    rg = recompute_grad(g)
    assert rg.__wrapped__ is g and rg.__name__ == "g"
    x = tf.constant(2.0, tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = rg(x)
    assert len(calls) == 1
    grad = t.gradient(y, x)
    assert len(calls) == 2
    np.testing.assert_allclose(_f(y), np.sin(2.0) * 2.0)
    np.testing.assert_allclose(_f(grad), np.cos(2.0) * 2.0 + np.sin(2.0))


def test_recompute_grad_without_tape_is_plain_call() -> None:
    calls: list[int] = []
    rg = recompute_grad(lambda x: calls.append(1) or x * 2.0)
    assert _f(rg(tf.constant(3.0))) == 6.0 and calls == [1]


def test_recompute_grad_variables_and_unconnected_zeros() -> None:
    w = tf.Variable(3.0)
    rg = recompute_grad(lambda x, u: w * x * x)
    x, u = tf.constant(2.0), tf.constant(5.0)
    with tf.GradientTape() as t:
        t.watch([x, u])
        y = rg(x, u)
    gx, gu, gw = t.gradient(y, [x, u, w])
    assert _f(y) == 12.0 and _f(gx) == 12.0 and _f(gw) == 4.0
    assert gu is not None and _f(gu) == 0.0  # TF: the recomputation asks for zeros


def test_recompute_grad_second_order_and_structures() -> None:
    rg = recompute_grad(lambda a, pair, scale=None: (tf.sin(a) * pair[0] * scale, a * pair[1]))
    a, p0, p1, s = (tf.constant(v, tf.float64) for v in (0.5, 2.0, 3.0, 1.5))
    with tf.GradientTape() as t2:
        t2.watch([a, p0])
        with tf.GradientTape() as t1:
            t1.watch([a, p0, p1, s])
            y1, y2 = rg(a, (p0, p1), scale=s)
            y = y1 + y2
        ga, gp0, gp1, gs = t1.gradient(y, [a, p0, p1, s])
    np.testing.assert_allclose([_f(ga), _f(gp0), _f(gp1), _f(gs)],
                               [np.cos(0.5) * 3.0 + 3.0, np.sin(0.5) * 1.5, 0.5, np.sin(0.5) * 2.0])
    np.testing.assert_allclose([_f(g) for g in t2.gradient(ga, [a, p0])], [-np.sin(0.5) * 3.0, np.cos(0.5) * 1.5])


def test_recompute_grad_same_tensor_twice() -> None:
    rg = recompute_grad(lambda a, b: a * b * b)
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = rg(x, x)
    assert _f(t.gradient(y, x)) == 12.0  # d(x^3)/dx, each argument position counted once


def test_recompute_grad_jacobians() -> None:
    rng = np.random.default_rng(0)
    w = tf.constant(rng.normal(size=(3, 4)))
    rg = recompute_grad(lambda h: tf.tanh(tf.matmul(h, w)))
    x = tf.constant(rng.normal(size=(2, 3)))
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = rg(x)
        y_plain = tf.tanh(tf.matmul(x, w))
    np.testing.assert_allclose(t.jacobian(y, x).numpy(), t.jacobian(y_plain, x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.batch_jacobian(y, x).numpy(), t.batch_jacobian(y_plain, x).numpy(), rtol=1e-12)


def test_recompute_grad_nested_checkpoints_match_plain() -> None:
    rng = np.random.default_rng(1)
    ws = [tf.Variable(rng.normal(size=(4, 4)) / 2) for _ in range(6)]

    def block(lo: int, hi: int) -> Any:
        def run(h: Any) -> Any:
            for i in range(lo, hi):
                h = tf.tanh(tf.matmul(h, ws[i]))
            return h

        return run

    inner = [recompute_grad(block(0, 2)), recompute_grad(block(2, 3))]
    outer = recompute_grad(lambda h: inner[1](inner[0](h)))
    rest = recompute_grad(block(3, 6))
    x = tf.constant(rng.normal(size=(5, 4)))
    with tf.GradientTape(persistent=True) as t:
        a = tf.reduce_sum(rest(outer(x)))
        b = tf.reduce_sum(block(0, 6)(x))
    for ga, gb in zip(t.gradient(a, ws), t.gradient(b, ws)):
        np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-12)


def _mlp_peak(plan: int, layers: int = 32, batch: int = 512, width: int = 32) -> tuple[int, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(batch, width)).astype(np.float32))
    ws = [tf.Variable((rng.normal(size=(width, width)) / np.sqrt(width)).astype(np.float32)) for _ in range(layers)]

    def block(lo: int, hi: int) -> Any:
        def run(h: Any) -> Any:
            for i in range(lo, hi):
                h = tf.tanh(tf.matmul(h, ws[i]))
            return h

        return run

    fns = [block(lo, min(lo + (plan or layers), layers)) for lo in range(0, layers, plan or layers)]
    if plan:
        fns = [recompute_grad(f) for f in fns]
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with tf.GradientTape() as t:
            h = x
            for f in fns:
                h = f(h)
            loss = tf.reduce_sum(h)
        grads = t.gradient(loss, ws)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, [g.numpy() for g in grads]


def test_recompute_grad_lowers_peak_memory() -> None:
    """A memory-ratio check with a generous bound (benchmarks/recompute_memory.py has the 50-layer numbers)."""
    plain, g0 = _mlp_peak(0)
    ckpt, g1 = _mlp_peak(6)
    for a, b in zip(g0, g1):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert plain / ckpt > 1.5, (plain, ckpt)


# -- grad_pass_through ----------------------------------------------------------------------------------------


def test_grad_pass_through_assign_and_round() -> None:
    x = tf.Variable(1.0, name="x")
    z = tf.Variable(3.0, name="z")
    with tf.GradientTape() as tape:
        y = grad_pass_through(x.assign)(z**2)
    gz, gx = tape.gradient(y, [z, x])
    assert _f(y) == 9.0 and _f(x) == 9.0 and _f(gz) == 6.0 and gx is None
    v = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(v)
        r = grad_pass_through(lambda a: tf.round(a * 3.0))(v)
    assert r.numpy().tolist() == [3.0, 6.0] and tape.gradient(r, v).numpy().tolist() == [1.0, 1.0]


def test_grad_pass_through_variables_get_none_and_count_errors() -> None:
    w = tf.Variable(2.0)
    v = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = grad_pass_through(lambda a: a * w)(v)
    gv, gw = tape.gradient(y, [v, w])
    assert _f(gv) == 1.0 and gw is None
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = grad_pass_through(lambda a, b: a * b)(v, v)
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        tape.gradient(y, v)
    with tf.GradientTape() as tape:
        tape.watch(v)
        u = tf.ones([2]) * v
        y = grad_pass_through(lambda a: tf.ones([3]) * tf.reduce_sum(a))(u)
    with pytest.raises(ValueError, match="identity gradient"):
        tape.gradient(y, v)


def test_grad_pass_through_jacobian() -> None:
    v = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = grad_pass_through(lambda a: tf.round(a * a))(v)
    np.testing.assert_array_equal(tape.jacobian(y, v).numpy(), np.eye(3))


# -- stop_gradient --------------------------------------------------------------------------------------------


def test_stop_gradient_both_modes() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * tf.stop_gradient(x * x)
        blocked = tf.stop_gradient(x)
    assert _f(t.gradient(y, x)) == 4.0 and _f(y) == 8.0
    assert t.gradient(blocked, x) is None and _f(t.gradient(blocked, x, unconnected_gradients="zero")) == 0.0
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        p = tf.stop_gradient(x) * x
        q = tf.stop_gradient(x)
    assert _f(acc.jvp(p)) == 2.0 and acc.jvp(q) is None


# -- docstring examples -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [forward, functional, custom], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: Any) -> None:
    if module is custom and not hasattr(tf, "custom_gradient"):
        pytest.skip("tapegrad.custom_gradient is not exported at top level yet (tapegrad/__init__.py import)")
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
