"""``jit_compile=True``: clusters of the optimised graph run as Numba kernels (compiler/fuse.py, numba_backend/).

Driven through ``trace(..., jit_compile=True)`` (what ``tapegrad.function(jit_compile=True)`` calls). Each program
is compared with the same program without jit (the NumPy plan) and with eager. Tolerances: integer, bool and
comparison results exact; arithmetic-only float kernels exact (same IEEE operations in the same order, no
reassociation, no FMA contraction); kernels with exp/log/tanh/sin/cos within 4 ulp-ish relative (rtol 2e-6 in
float32, 1e-14 in float64; the functions' own bounds are tested in test_jit_vmath.py; float32 tanh is a rational
approximation within 5 ulp, as TF's and XLA's are, so ``1 - tanh^2`` near saturation gets an absolute tolerance
from that bound); reductions accumulate in
float64 (float32 inputs) with a vectorised order, so sums match to rtol 1e-5 (float32) / 1e-12 (float64).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.compiler.trace import trace

pytest.importorskip("numba")


def compile_fn(f, *example, jit=True):
    def run(ts):
        out = f(*ts)
        flat = list(out) if isinstance(out, (list, tuple)) else [out]
        return flat, None

    return trace(run, list(example), name=f.__name__, jit_compile=jit)


def vals(outs):
    return [np.asarray(o.numpy()) for o in outs]


def both(f, *example):
    """(jit program, plan program, their outputs on ``example``)."""
    pj, pp = compile_fn(f, *example), compile_fn(f, *example, jit=False)
    return pj, pp, vals(pj(list(example))), vals(pp(list(example)))


def test_big_step_is_one_kernel_and_matches_the_plan():
    x = tf.Variable(np.random.default_rng(0).standard_normal(10_000).astype(np.float32))

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(x) * x + tf.exp(-x * x))
        return loss, tape.gradient(loss, x)

    pj, pp, got, ref = both(step)
    rep = pj.jit_report
    # one kernel holds every node but the variable's read (the forward and the simplified backward)
    assert len(rep.kernels) == 1 and len(rep.kernels[0].nodes) == len(pp.graph.nodes) - 1 >= 13, rep.summary()
    assert rep.compile_seconds > 0 and pj.compile_seconds >= rep.compile_seconds
    assert got[0].dtype == np.float32 and got[1].dtype == np.float32  # float32 stays float32
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    np.testing.assert_allclose(got[1], ref[1], rtol=2e-6, atol=1e-6)
    assert "fused_0_fwd" in pj.code and "tanh" in rep.kernels[0].source  # the listing names the ops
    assert pp.jit_report is None


def test_chain_with_sin_and_its_backward():
    x = tf.Variable(np.random.default_rng(1).uniform(-1, 1, 16).astype(np.float32))

    def step():
        with tf.GradientTape() as tape:
            h = x
            for _ in range(10):
                h = tf.sin(h) * 1.01 + h * 0.5 - 0.1
            loss = tf.reduce_sum(h)
        return tape.gradient(loss, x)

    pj, _, got, ref = both(step)
    assert len(pj.jit_report.kernels) == 1
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)


def test_sin_beyond_the_vector_range_falls_back_to_libm():
    def f(x):
        return tf.sin(x) * 2.0 + tf.cos(x)

    x = tf.constant(np.array([0.5, 3e6, -1e9, 1e30, np.inf, np.nan], np.float64))
    _, _, got, ref = both(f, x)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-14, equal_nan=True)


def test_matmul_stays_blas_between_kernels():
    rng = np.random.default_rng(2)
    X = tf.constant(rng.standard_normal((8, 5)).astype(np.float32))
    Y = tf.constant(np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)])
    W, b = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32)), tf.Variable(np.zeros(3, np.float32))

    def step():
        with tf.GradientTape() as tape:
            logits = tf.nn.relu(tf.matmul(X, W) + b)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=logits))
        return tape.gradient(loss, [W, b])

    pj, _, got, ref = both(step)
    assert pj.jit_report.unfused.get("matmul", 0) >= 2, pj.jit_report.summary()
    assert pj.jit_report.kernels
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_reductions_over_axes(dt):
    rng = np.random.default_rng(3)
    a = tf.constant(rng.standard_normal((6, 7, 5)).astype(dt))

    def f(x):
        y = x * 2.0 + 1.0
        return (tf.reduce_sum(y, axis=0), tf.reduce_sum(y * y, axis=[0, 2]), tf.reduce_mean(y, axis=-1),
                tf.reduce_max(y, axis=1, keepdims=True), tf.reduce_min(y - 3.0), tf.reduce_sum(y))

    _, _, got, ref = both(f, a)
    tol = 1e-5 if dt == np.float32 else 1e-12
    for g, r in zip(got, ref):
        assert g.dtype == r.dtype and g.shape == r.shape
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol)


def test_broadcasting_and_bias_gradient():
    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((4, 3, 5)))
    b = tf.Variable(rng.standard_normal((3, 1)))
    c = tf.Variable(rng.standard_normal((5,)))

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(x * b + c) ** 2)
        return tape.gradient(loss, [b, c])

    _, _, got, ref = both(step)
    for g, r in zip(got, ref):
        assert g.shape == r.shape
        np.testing.assert_allclose(g, r, rtol=1e-12)


def test_integer_bool_and_nan_semantics_are_exact():
    big = np.array([2**31 - 1, -5, 7, 0], np.int32)

    def f(i, x):
        j = i + i * 3  # int32 wraps as in NumPy
        m = tf.logical_and(x > 0.0, tf.logical_not(tf.math.is_nan(x)))
        w = tf.where(m, x, tf.zeros_like(x) - 1.0)
        return j, m, w, tf.cast(x * 10.0, tf.int32), tf.maximum(x, 0.5), tf.reduce_max(x)

    x = tf.constant(np.array([1.5, np.nan, -2.0, np.inf], np.float32))
    _, _, got, ref = both(f, tf.constant(big), x)
    for g, r in zip(got, ref):
        assert g.dtype == r.dtype
        np.testing.assert_array_equal(g, r)


def test_large_libm_only_ops_stay_numpy_ufuncs():
    x = tf.constant(np.linspace(-1, 1, 20_000))

    def f(x):
        return tf.math.atan(x) * 2.0 + 1.0

    pj, _, got, ref = both(f, x)
    assert pj.jit_report.unfused.get("atan") == 1
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-15)


def test_eager_replay_under_a_tape_stays_differentiable():
    x = tf.constant(np.array([0.3, -0.7]))

    def f(x):
        return tf.exp(x) * tf.sin(x)

    pj = compile_fn(f, x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = pj([x])[0]
    g = tape.gradient(y, x).numpy()
    xv = x.numpy()
    np.testing.assert_allclose(g, np.exp(xv) * (np.sin(xv) + np.cos(xv)), rtol=1e-12)


def test_check_numerics_still_names_the_first_bad_op():
    x = tf.constant(np.array([1.0, -1.0], np.float32))

    def f(x):
        return tf.sqrt(tf.math.log(x) + 1.0) * 2.0

    pj = compile_fn(f, x)
    with tf.debugging.enable_check_numerics():
        with pytest.raises(tf.errors.InvalidArgumentError, match="op 'log'"):
            pj([x])


def test_without_numba_warns_once_and_runs_the_plan(monkeypatch):
    from tapegrad.compiler import fuse

    monkeypatch.setattr(fuse, "numba_available", lambda: False)
    monkeypatch.setattr(fuse, "_warned_missing", [False])
    x = tf.constant(np.array([1.0, 2.0]))

    def f(x):
        return tf.exp(x) + 1.0

    with pytest.warns(RuntimeWarning, match=r"tapegrad\[jit\]"):
        p = compile_fn(f, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p2 = compile_fn(f, x)  # once per process
    assert "not installed" in p.jit_report.skipped and "fused" not in p.code
    np.testing.assert_allclose(vals(p2([x]))[0], np.exp([1.0, 2.0]) + 1.0)


def test_import_tapegrad_does_not_import_numba():
    code = "import sys, tapegrad; print('numba' in sys.modules, 'llvmlite' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.split() == ["False", "False"]


def test_a_second_process_loads_kernels_from_the_disk_cache(tmp_path):
    script = textwrap.dedent("""
        import numpy as np, tapegrad as tf
        from tapegrad.compiler.trace import trace
        from tapegrad.compiler.numba_backend import loader
        x = tf.constant(np.linspace(-1, 1, 64).astype(np.float32))
        def run(ts):
            return [tf.reduce_sum(tf.tanh(ts[0]) * 3.0 + 1.0)], None
        p = trace(run, [x], jit_compile=True)
        print(loader.STATS["compiled"], loader.STATS["disk_hits"], float(p([x])[0].numpy()))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "TAPEGRAD_JIT_CACHE": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    c1, d1, v1 = first.stdout.split()
    c2, d2, v2 = second.stdout.split()
    assert (c1, d1) == ("1", "0") and (c2, d2) == ("0", "1") and v1 == v2
    assert list(tmp_path.rglob("*.nbi")), "Numba's index file is in the cache directory"


def test_jacobian_seed_matmul_becomes_elementwise():
    rng = np.random.default_rng(5)
    W = tf.constant(rng.standard_normal((7, 5)).astype(np.float32))
    x = tf.Variable(rng.standard_normal((5, 1)).astype(np.float32))

    def jac():
        with tf.GradientTape() as tape:
            y = tf.tanh(tf.matmul(W, x))
        return tape.jacobian(y, x)

    pj, pp, got, ref = both(jac)
    assert pj.jit_report.unfused.get("matmul") == 1, pj.jit_report.summary()  # the seed GEMM is gone
    assert sum(n.op.name == 'matmul' for n in pp.graph.nodes) == 2  # the plan's graph is its own
    assert got[0].shape == (7, 1, 5, 1)
    # d tanh(Wx)/dx = (1 - t^2) W: the absolute error of 1 - t^2 is up to 2 |t| times tanh's (5 ulp of t < 1)
    from tapegrad.compiler.numba_backend.vmath import MAX_ULP_FLOAT32

    atol = 2 * MAX_ULP_FLOAT32["tanh"] * 2.0**-24 * float(np.abs(W.numpy()).max())
    np.testing.assert_allclose(got[0], ref[0], rtol=2e-6, atol=atol)


def test_random_programs_under_jit_match_eager():
    """The compiler's Hypothesis differential test (random ops, variable updates, tape gradients, data-dependent
    branches; several calls with guard misses) with ``jit_compile=True``."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tapegrad.compiler.trace import GuardMiss

    from .test_compiler_differential import OPS, make_body

    @settings(max_examples=15, deadline=None, derandomize=True)
    @given(codes=st.lists(st.sampled_from(OPS), min_size=2, max_size=8), seed=st.integers(0, 2**16))
    def check(codes, seed):
        rng = np.random.default_rng(seed)
        v0, w0 = rng.normal(size=4), rng.normal(size=(4, 4)) / 2
        ve, we, vc, wc = tf.Variable(v0), tf.Variable(w0), tf.Variable(v0), tf.Variable(w0)
        eager, body = make_body(codes, ve, we), make_body(codes, vc, wc)

        def run(ts):
            return list(body(*ts)), None

        programs = []
        for _ in range(3):
            x, y = tf.constant(rng.normal(size=4)), tf.constant(rng.normal(size=4))
            want = eager(x, y)
            got = None
            for p in programs:
                try:
                    got = p([x, y])
                    break
                except GuardMiss:
                    continue
            if got is None:
                programs.append(trace(run, [x, y], name="body", jit_compile=True))
                got = programs[-1]([x, y])
            for a, b in zip(got, want):
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-11, atol=1e-13)
            np.testing.assert_allclose(vc.numpy(), ve.numpy(), rtol=1e-11, atol=1e-13)
            np.testing.assert_allclose(wc.numpy(), we.numpy(), rtol=1e-11, atol=1e-13)

    check()


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_softmax_rows_kernel(dt):
    x = np.random.default_rng(6).standard_normal((5, 3, 7)).astype(dt) * 4
    x[1, 2, 3] = np.nan
    x[2, 0, :] = -np.inf  # a row of -inf: NaN, as NumPy gives

    def f(t):
        return tf.nn.softmax(t) * 1.0

    pj, _, got, ref = both(f, tf.constant(x))
    assert any(k.name.startswith("softmax") for k in pj.jit_report.kernels), pj.jit_report.summary()
    np.testing.assert_allclose(got[0], ref[0], rtol=4 * np.finfo(dt).eps, atol=np.finfo(dt).tiny, equal_nan=True)


def test_function_reports_jit_compile_time_in_its_code():
    x = tf.Variable(np.linspace(-1, 1, 4096).astype(np.float32))

    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.exp(x) * x + 1.0)
        return tape.gradient(loss, x)

    step()
    code = step.experimental_get_compiler_ir()(stage="code")
    assert "# jit: 1 kernels fusing" in code and "compiled in" in code


def test_float32_sums_over_long_flat_loops_add_blocks_in_float64():
    # a flat float32 sum over >= 2 blocks adds each block of SUM_BLOCK elements in float32 vector lanes and the
    # block sums in float64 (the remainder goes straight to float64): within a few ulps of the magnitude, as
    # NumPy's pairwise sums; NaN and inf still propagate; max and elementwise outputs are unaffected
    from tapegrad.compiler.numba_backend.kernel import SUM_BLOCK

    rng = np.random.default_rng(12)
    n = 5 * SUM_BLOCK + 123
    x = (rng.standard_normal(n) * 100 + 3).astype(np.float32)

    def f(t):
        return tf.reduce_sum(t * t), tf.reduce_mean(t), tf.reduce_max(t), t * 2.0

    pj, _, got, ref = both(f, tf.constant(x))
    [kern] = pj.jit_report.kernels
    assert "accb" in kern.source and f"range({5 * SUM_BLOCK}, {n})" in kern.source, kern.source
    x64 = x.astype(np.float64)
    eps = float(np.finfo(np.float32).eps)
    assert abs(float(got[0]) - np.sum(x64 * x64)) <= 4 * eps * np.sum(x64 * x64)
    assert abs(float(got[1]) - np.mean(x64)) <= 4 * eps * np.mean(np.abs(x64))
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-5, atol=1e-5 * float(np.abs(x).mean()))
    assert got[2] == ref[2] and np.array_equal(got[3], ref[3])
    for bad, want in ((np.nan, np.nan), (np.inf, np.inf)):
        y = x.copy()
        y[3 * SUM_BLOCK + 7] = bad
        out = vals(pj([tf.constant(y)]))
        assert np.array_equal(out[0], np.float32(want), equal_nan=True), out[0]
    small = compile_fn(f, tf.constant(x[: 2 * SUM_BLOCK - 1]))
    assert "accb" not in small.jit_report.kernels[0].source  # under two blocks: float64 throughout


def _exp_arg_signs(build):
    """nonpositive_exps on a one-input float32 kernel built by ``build(spec, x) -> ref``, wrapped in exp."""
    from tapegrad.compiler.numba_backend.irgen import nonpositive_exps
    from tapegrad.compiler.numba_backend.kernel import KernelSpec, body_desc

    spec = KernelSpec((8,))
    x = spec.add_input((8,), np.float32)
    arg = build(spec, x)
    e = spec.add_prim("exp", (arg,), spec.dtype_of(arg), (8,))
    spec.add_output(e)
    _, consts, prims, _, _, _ = body_desc(spec)
    return e.index in nonpositive_exps(prims, consts)


def test_sign_analysis_finds_exps_of_nonpositive_arguments():
    f32, shape = np.float32, (8,)

    def p(spec, name, *args, dt=f32):
        return spec.add_prim(name, args, dt, shape)

    def neg_sq(s, x):  # -x * x, as the big step's forward writes it
        return p(s, "multiply", p(s, "negative", x), x)

    proven = [
        neg_sq,
        lambda s, x: p(s, "negative", p(s, "abs", x)),
        lambda s, x: p(s, "negative", p(s, "multiply", x, x)),
        lambda s, x: p(s, "minimum", x, s.add_const(0.0, f32)),
        lambda s, x: p(s, "subtract", p(s, "negative", p(s, "square", x)), s.add_const(2.0, f32)),
        lambda s, x: p(s, "true_divide", neg_sq(s, x), p(s, "exp", x)),
        lambda s, x: p(s, "where", p(s, "less", x, s.add_const(0.0, f32), dt=np.bool_), neg_sq(s, x),
                       s.add_const(-1.0, f32)),
    ]
    unknown = [
        lambda s, x: x,
        lambda s, x: p(s, "multiply", x, x),
        lambda s, x: p(s, "multiply", p(s, "negative", x), p(s, "abs", x)),
        lambda s, x: p(s, "subtract", s.add_const(0.0, f32), x),
        lambda s, x: p(s, "add", neg_sq(s, x), s.add_const(1e-3, f32)),
        lambda s, x: p(s, "maximum", neg_sq(s, x), x),
        lambda s, x: p(s, "cast", neg_sq(s, x), dt=np.float64),  # float64 exp keeps its own version
    ]
    assert [_exp_arg_signs(b) for b in proven] == [True] * len(proven)
    assert [_exp_arg_signs(b) for b in unknown] == [False] * len(unknown)


def test_exp_of_minus_x_squared_in_a_kernel_is_exp_bit_for_bit():
    # the kernel computes exp(-x*x) with the short version of exp: the same bits as the general one, subnormal
    # results, underflow to 0, inf and NaN included
    from tapegrad.compiler.numba_backend import vmath

    x = np.concatenate([np.linspace(-11, 11, 20_001), [np.inf, -np.inf, np.nan, 0.0, -0.0]]).astype(np.float32)
    got = vals(compile_fn(lambda t: tf.exp(-t * t), tf.constant(x))([tf.constant(x)]))[0]
    arg = -x * x

    from numba import njit

    @njit(error_model="numpy")
    def general(a, out):
        for i in range(a.shape[0]):
            out[i] = vmath.exp_f32(a[i])

    ref = np.empty_like(arg)
    general(arg, ref)
    assert np.array_equal(got.view(np.uint32)[:-3], ref.view(np.uint32)[:-3]) and np.isnan(got[-3])
    assert got[-2] == 1.0 == got[-1] and (got == 0).sum() > 1000 and ((got > 0) & (got < 1e-38)).sum() > 100


def test_relu_and_bias_gradients_fuse_under_jit():
    # without jit, a compiled training step records the ReLU and bias_add gradient rules as one node each (their
    # raw NumPy paths, ops/rule_nodes.py); under jit they stay composite nodes and join the kernels
    rng = np.random.default_rng(3)
    X = tf.constant(rng.standard_normal((32, 20)).astype(np.float32))
    W = tf.Variable(rng.standard_normal((20, 64)).astype(np.float32))
    b = tf.Variable(rng.standard_normal(64).astype(np.float32))

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.nn.relu(tf.nn.bias_add(tf.matmul(X, W), b)) ** 2)
        return tape.gradient(loss, [W, b])

    pj, pp, got, ref = both(step)
    assert "relu_grad" in pp.code and "bias_add_grad" in pp.code  # the plan keeps the rule nodes
    assert "relu_grad" not in pj.code and "bias_add_grad" not in pj.code, pj.code
    assert set(pj.jit_report.unfused) <= {"matmul", "transpose"}, pj.jit_report.summary()
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-5, atol=1e-5)
