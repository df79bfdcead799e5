"""Hypothesis property tests: broadcasting gradients, ``sum_to``/``broadcast_to`` and gradient dtypes.

Every test is derandomized (``@settings(derandomize=True)``), so a run is reproducible; array values come from a
NumPy generator seeded with a Hypothesis-drawn integer. Expected values are computed independently with NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tapegrad as tf
from tapegrad._backend import NUMPY
from tapegrad.ops import core

SETTINGS = settings(derandomize=True, deadline=None, max_examples=60, database=None)
SEEDS = st.integers(0, 2**32 - 1)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4)


def naive_sum_to(g: np.ndarray, shape: tuple[int, ...], nb: int = 0) -> np.ndarray:
    """Reference: sum ``g`` (``batch + broadcast(shape)``) down to ``batch + shape``, one axis at a time."""
    g = np.asarray(g)
    while g.ndim > nb + len(shape):
        g = g.sum(axis=nb)
    for i, d in enumerate(shape):
        if d == 1 and g.shape[nb + i] != 1:
            g = g.sum(axis=nb + i, keepdims=True)
    assert g.shape[nb:] == tuple(shape)
    return g


def _tape_grads(fn, a, b, upstream):
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as t:
        t.watch([ta, tb])
        y = fn(ta, tb)
    ga, gb = t.gradient(y, [ta, tb], output_gradients=tf.constant(upstream))
    return y, ga, gb


# Local partial derivatives (broadcast shape) of each op, and the op itself.
BINARY = {
    "add": (tf.add, np.add, lambda a, b: (np.ones_like(a * b), np.ones_like(a * b))),
    "subtract": (tf.subtract, np.subtract, lambda a, b: (np.ones_like(a * b), -np.ones_like(a * b))),
    "multiply": (tf.multiply, np.multiply, lambda a, b: (b + 0 * a, a + 0 * b)),
    "divide": (tf.divide, np.divide, lambda a, b: (1 / b + 0 * a, -a / (b * b))),
    # TF's tie rule: the first argument wins (x >= y for maximum, x <= y for minimum).
    "maximum": (tf.maximum, np.maximum, lambda a, b: ((a >= b) * 1.0, (a < b) * 1.0)),
    "minimum": (tf.minimum, np.minimum, lambda a, b: ((a <= b) * 1.0, (a > b) * 1.0)),
}


def _operands(rng, sa, sb, op):
    if op in ("maximum", "minimum"):
        # Small integers so that ties happen often (and are checked against the tie rule).
        return rng.integers(-2, 3, size=sa).astype(np.float64), rng.integers(-2, 3, size=sb).astype(np.float64)
    a = rng.normal(size=sa)
    b = rng.normal(size=sb)
    if op == "divide":
        b = np.sign(b + 1e-3) * (0.5 + np.abs(b))  # away from zero
    return a, b


@pytest.mark.parametrize("op", list(BINARY))
@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_broadcasting_binary_op_gradients(op, shapes, seed):
    (sa, sb), out_shape = shapes
    rng = np.random.default_rng(seed)
    a, b = _operands(rng, sa, sb, op)
    u = rng.normal(size=out_shape)
    tf_op, np_op, partials = BINARY[op]

    y, ga, gb = _tape_grads(tf_op, a, b, u)

    np.testing.assert_allclose(y.numpy(), np_op(a, b), rtol=1e-12, atol=0)
    assert y.shape == out_shape
    da, db = partials(np.broadcast_to(a, out_shape), np.broadcast_to(b, out_shape))
    for g, x, d in ((ga, a, da), (gb, b, db)):
        assert isinstance(g, tf.Tensor)
        assert g.shape == x.shape, f"gradient shape {g.shape} != input shape {x.shape}"
        assert g.dtype == tf.float64
        np.testing.assert_allclose(g.numpy(), naive_sum_to(u * d, x.shape), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", ["add", "multiply"])
@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_broadcasting_with_default_seed_and_operators(op, shapes, seed):
    """Default upstream (ones) through the Python operators, with one operand a Variable."""
    (sa, sb), out_shape = shapes
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    va = tf.Variable(a)
    tb = tf.constant(b)
    with tf.GradientTape() as t:
        t.watch(tb)
        y = va + tb if op == "add" else va * tb
    ga, gb = t.gradient(y, [va, tb])
    ones = np.ones(out_shape)
    if op == "add":
        da, db = ones, ones
    else:
        da, db = np.broadcast_to(b, out_shape) * ones, np.broadcast_to(a, out_shape) * ones
    assert ga.shape == sa and gb.shape == sb
    np.testing.assert_allclose(ga.numpy(), naive_sum_to(da, sa), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb.numpy(), naive_sum_to(db, sb), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# The backend's raw sum_to


@st.composite
def sum_to_cases(draw):
    (target, other), full = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0,
                                                                 max_side=4))
    batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple))
    return target, batch + full, len(batch)


@SETTINGS
@given(case=sum_to_cases(), seed=SEEDS, dtype=st.sampled_from([np.float16, np.float32, np.float64]))
def test_backend_sum_to_matches_naive_reference(case, seed, dtype):
    shape, gshape, nb = case
    g = np.random.default_rng(seed).normal(size=gshape).astype(dtype)
    g_before = g.copy()
    out = NUMPY.sum_to(g, shape, nb)
    ref = naive_sum_to(g.astype(np.float64), shape, nb)
    assert out.shape == gshape[:nb] + shape
    assert out.dtype == dtype
    tol = {np.float16: 5e-2, np.float32: 1e-5, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(out.astype(np.float64), ref, rtol=tol, atol=tol)
    np.testing.assert_array_equal(g, g_before)  # input untouched


def test_backend_sum_to_identity_and_scalar():
    g = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(NUMPY.sum_to(g, (2, 3)), g)
    assert NUMPY.sum_to(g, ()).shape == ()
    assert NUMPY.sum_to(g, ()) == 15.0
    np.testing.assert_array_equal(NUMPY.sum_to(g, (1, 1)), [[15.0]])
    np.testing.assert_array_equal(NUMPY.sum_to(g, (2, 1)), [[3.0], [12.0]])
    np.testing.assert_array_equal(NUMPY.sum_to(g, (3,)), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(NUMPY.sum_to(g, (), 1), [3.0, 12.0])  # one batch axis kept


# ---------------------------------------------------------------------------------------------------------------
# Differentiable sum_to / broadcast_to (tapegrad.ops.core)


@st.composite
def broadcast_cases(draw):
    """``xs`` and a shape ``S`` it broadcasts to."""
    (xs, other), full = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1,
                                                             max_side=4))
    return xs, full


@SETTINGS
@given(case=broadcast_cases(), seed=SEEDS)
def test_broadcast_to_and_sum_to_round_trip(case, seed):
    xs, full = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=xs)
    u = rng.normal(size=full)
    tx = tf.constant(x)
    b = core.broadcast_to(tx, full)
    np.testing.assert_array_equal(b.numpy(), np.broadcast_to(x, full))
    # sum_to(broadcast_to(x)) = x times the number of copies
    copies = int(np.prod(full)) // int(np.prod(xs))
    back = core.sum_to(b, xs)
    assert back.shape == xs
    np.testing.assert_allclose(back.numpy(), x * copies, rtol=1e-12, atol=1e-12)
    # they are each other's transpose: <broadcast_to(x), u> == <x, sum_to(u)>
    su = core.sum_to(tf.constant(u), xs).numpy()
    np.testing.assert_allclose(np.sum(b.numpy() * u), np.sum(x * su), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(case=broadcast_cases(), seed=SEEDS)
def test_broadcast_to_and_sum_to_gradients(case, seed):
    xs, full = case
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.normal(size=xs))
    z = tf.constant(rng.normal(size=full))
    u_full = rng.normal(size=full)
    u_small = rng.normal(size=xs)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, z])
        b = core.broadcast_to(x, full)
        s = core.sum_to(z, xs)
    gb = t.gradient(b, x, output_gradients=tf.constant(u_full))
    gs = t.gradient(s, z, output_gradients=tf.constant(u_small))
    assert gb.shape == xs and gs.shape == full
    np.testing.assert_allclose(gb.numpy(), naive_sum_to(u_full, xs), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gs.numpy(), np.broadcast_to(u_small, full), rtol=0, atol=0)


@SETTINGS
@given(case=broadcast_cases(), seed=SEEDS)
def test_broadcast_to_and_sum_to_second_order(case, seed):
    """L = sum(0.5 * y**2), y = sum_to(broadcast_to(x) * c): dL/dx = C**2 x, and d<dL/dx, v>/dx = C**2 v."""
    xs, full = case
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.normal(size=xs))
    c = rng.normal(size=full)
    v = rng.normal(size=xs)
    C = naive_sum_to(c, xs)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = core.sum_to(core.broadcast_to(x, full) * tf.constant(c), xs)
            loss = tf.reduce_sum(0.5 * y * y)
        g = inner.gradient(loss, x)
        gv = tf.reduce_sum(g * tf.constant(v))
    h = outer.gradient(gv, x)
    np.testing.assert_allclose(g.numpy(), C * C * x.numpy(), rtol=1e-9, atol=1e-12)
    assert h is not None, "the backward pass of sum_to/broadcast_to was not recorded"
    np.testing.assert_allclose(h.numpy(), C * C * v, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(case=sum_to_cases(), seed=SEEDS)
def test_sum_to_with_batch_axes_gradient(case, seed):
    shape, gshape, nb = case
    rng = np.random.default_rng(seed)
    z = tf.constant(rng.normal(size=gshape))
    u = rng.normal(size=gshape[:nb] + shape)
    with tf.GradientTape() as t:
        t.watch(z)
        s = core.sum_to(z, shape, nb)
    np.testing.assert_allclose(s.numpy(), naive_sum_to(z.numpy(), shape, nb), rtol=1e-10, atol=1e-12)
    gz = t.gradient(s, z, output_gradients=tf.constant(u))
    assert gz.shape == gshape
    expected = np.broadcast_to(u.reshape(gshape[:nb] + (1,) * (len(gshape) - nb - len(shape)) + shape), gshape)
    np.testing.assert_array_equal(gz.numpy(), expected)


# ---------------------------------------------------------------------------------------------------------------
# Gradient dtype == source dtype (float16 too)



UNARY = {
    "square": tf.square, "sqrt": tf.sqrt, "exp": tf.exp, "log": tf.math.log, "sin": tf.sin, "cos": tf.cos,
    "tanh": tf.tanh, "sigmoid": tf.sigmoid, "abs": tf.abs, "negative": tf.negative, "identity": tf.identity,
    "reduce_sum": tf.reduce_sum, "reduce_mean": tf.reduce_mean, "reduce_max": tf.reduce_max,
    "reduce_min": tf.reduce_min, "softmax": lambda x: tf.math.softmax(x)[..., 0], "relu": tf.nn.relu,
    "pow_scalar": lambda x: x**3, "rdiv": lambda x: 1.0 / x, "reshape": lambda x: tf.reshape(x, [-1]) * 2.0,
    "transpose": lambda x: tf.transpose(x) * 2.0, "slice": lambda x: x[..., ::2] * 2.0,
    "cast_f32_roundtrip": lambda x: tf.cast(tf.cast(x, tf.float32) * 2.0, x.dtype),
    "cast_f64": lambda x: tf.cast(x, tf.float64) * 2.0,
    "stop_gradient_mix": lambda x: x * tf.stop_gradient(x),
    "where": lambda x: tf.where(x > 1.0, x * x, -x),
    "reduce_prod": tf.reduce_prod, "reduce_logsumexp": tf.reduce_logsumexp,
    "cumsum": lambda x: tf.math.cumsum(x, axis=-1) * 2.0, "tile": lambda x: tf.tile(x, [2] * len(x.shape)) * 2.0,
    "pad": lambda x: tf.pad(x, [[1, 1]] * len(x.shape)) * 2.0, "expand_dims": lambda x: tf.expand_dims(x, 0) * 2.0,
    "einsum": lambda x: tf.einsum("...i,...i->...", x, x), "softplus": tf.nn.softplus, "elu": tf.nn.elu,
    "leaky_relu": lambda x: tf.nn.leaky_relu(x - 1.0), "log_softmax": lambda x: tf.nn.log_softmax(x)[..., 0],
}

BINARY_D = {
    "add": tf.add, "subtract": tf.subtract, "multiply": tf.multiply, "divide": tf.divide, "maximum": tf.maximum,
    "minimum": tf.minimum, "pow": tf.pow, "matmul": lambda a, b: tf.matmul(a, tf.transpose(b)),
    "concat": lambda a, b: tf.concat([a, b], 0) * 2.0, "stack": lambda a, b: tf.stack([a, b]) * 2.0,
    "add_n": lambda a, b: tf.add_n([a, b, a]),
    "einsum": lambda a, b: tf.einsum("ij,kj->ik", a, b),
}

DTYPES = ["float16", "float32", "float64"]
TOL = {"float16": 2e-2, "float32": 1e-4, "float64": 1e-10}


def _grad_in(dtype, fn, *arrays):
    ts = [tf.constant(a.astype(dtype)) for a in arrays]
    with tf.GradientTape() as t:
        t.watch(ts)
        y = fn(*ts)
    return t.gradient(y, ts)


@pytest.mark.parametrize("name", list(UNARY))
@settings(derandomize=True, deadline=None, max_examples=10, database=None)
@given(shape=st.sampled_from([(2, 3), (3,), (1, 4)]), seed=SEEDS)
def test_unary_gradient_dtype_is_source_dtype(name, shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, size=shape)  # inside every op's domain, values exact-ish in float16
    x = x.astype(np.float16).astype(np.float64)
    ref = _grad_in("float64", UNARY[name], x)[0].numpy()
    for dtype in DTYPES:
        (g,) = _grad_in(dtype, UNARY[name], x)
        assert g is not None, f"{name}/{dtype}: no gradient"
        assert g.dtype == getattr(tf, dtype), f"{name}: gradient dtype {g.dtype!r} for a {dtype} source"
        assert g.numpy().dtype == np.dtype(dtype)
        assert g.shape == shape
        np.testing.assert_allclose(g.numpy().astype(np.float64), ref, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("name", list(BINARY_D))
@settings(derandomize=True, deadline=None, max_examples=10, database=None)
@given(seed=SEEDS)
def test_binary_gradient_dtype_is_source_dtype(name, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, size=(2, 3)).astype(np.float16).astype(np.float64)
    b = rng.uniform(0.5, 2.0, size=(2, 3)).astype(np.float16).astype(np.float64)
    ref = [g.numpy() for g in _grad_in("float64", BINARY_D[name], a, b)]
    for dtype in DTYPES:
        grads = _grad_in(dtype, BINARY_D[name], a, b)
        for g, r in zip(grads, ref):
            assert g is not None
            assert g.dtype == getattr(tf, dtype), f"{name}: gradient dtype {g.dtype!r} for a {dtype} source"
            assert g.shape == (2, 3)
            np.testing.assert_allclose(g.numpy().astype(np.float64), r, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_broadcast_gradient_dtype_is_source_dtype(dtype, shapes, seed):
    (sa, sb), out_shape = shapes
    rng = np.random.default_rng(seed)
    a = tf.Variable(rng.uniform(0.5, 2.0, size=sa).astype(dtype))
    b = tf.constant(rng.uniform(0.5, 2.0, size=sb).astype(dtype))
    with tf.GradientTape() as t:
        t.watch(b)
        y = tf.reduce_sum(a * b + a / b)
    ga, gb = t.gradient(y, [a, b])
    assert ga.dtype == getattr(tf, dtype) and gb.dtype == getattr(tf, dtype)
    assert ga.shape == sa and gb.shape == sb


@pytest.mark.parametrize("src,mid", [(s, m) for s in DTYPES for m in DTYPES if s != m])
def test_gradient_dtype_through_casts(src, mid):
    x = tf.constant(np.array([1.5, 2.0], dtype=src))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, getattr(tf, mid))
        z = y * y
    g = t.gradient(z, x)
    assert g.dtype == getattr(tf, src)
    np.testing.assert_allclose(g.numpy().astype(np.float64), [3.0, 4.0], rtol=TOL["float16"])


@pytest.mark.parametrize("dtype", DTYPES)
def test_second_order_gradient_dtype(dtype):
    x = tf.Variable(np.array(1.5, dtype=dtype))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        g = inner.gradient(y, x)
    h = outer.gradient(g, x)
    assert g.dtype == getattr(tf, dtype) and h.dtype == getattr(tf, dtype)
    np.testing.assert_allclose(float(g), 6.75, rtol=TOL[dtype])
    np.testing.assert_allclose(float(h), 9.0, rtol=TOL[dtype])
