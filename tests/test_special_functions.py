"""tf.math special functions (igamma, igammac, betainc, zeta, polygamma, erfinv, ndtri, erfcinv, tf.math.special.*)
and raw_ops.Bucketize: accuracy vs SciPy on wide float64 grids, TF 2.21's domain and gradient conventions, dtype
errors, forward mode, tapegrad.function. (Forward values and gradients on random inputs vs TF run in the op lane of
tests/conformance; edge values and None-gradients vs TF in tests/conformance/programs.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, NotFoundError

sc = pytest.importorskip("scipy.special")
sp = tf.math.special

POS = np.concatenate([np.logspace(-300, -1, 60), np.linspace(0.1, 30, 600), np.logspace(1.48, 5, 80)])
SYM = np.concatenate([-POS[::-1], POS])


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    m = np.isfinite(b) & (np.abs(b) > 1e-290)
    assert (np.isnan(a) == np.isnan(b)).all(), "nan where SciPy has none (or the reverse)"
    return float(np.max(np.abs(a[m] - b[m]) / np.abs(b[m])))


def _f64(fn: Any, *xs: np.ndarray) -> np.ndarray:
    return fn(*[tf.constant(x) for x in xs]).numpy()


@pytest.mark.parametrize("name,ref,grid,tol", [
    ("bessel_i0", sc.i0, SYM, 1e-14), ("bessel_i0e", sc.i0e, SYM, 1e-14), ("bessel_i1", sc.i1, SYM, 1e-14),
    ("bessel_i1e", sc.i1e, SYM, 1e-14), ("bessel_k0", sc.k0, POS, 1e-14), ("bessel_k0e", sc.k0e, POS, 1e-14),
    ("bessel_k1", sc.k1, POS, 1e-14), ("bessel_k1e", sc.k1e, POS, 1e-14), ("dawsn", sc.dawsn, SYM, 1e-14),
    ("spence", sc.spence, POS, 1e-14), ("expint", sc.expi, POS[POS < 700], 1e-12),
    ("fresnel_cos", lambda v: sc.fresnel(v)[1], SYM[np.abs(SYM) < 1e4], 1e-12),
    ("fresnel_sin", lambda v: sc.fresnel(v)[0], SYM[np.abs(SYM) < 1e4], 1e-12),
])
def test_unary_accuracy_float64(name: str, ref: Any, grid: np.ndarray, tol: float) -> None:
    assert _rel(_f64(getattr(sp, name), grid), ref(grid)) < tol


@pytest.mark.parametrize("name,ref", [("bessel_j0", sc.j0), ("bessel_j1", sc.j1), ("bessel_y0", sc.y0),
                                      ("bessel_y1", sc.y1)])
def test_bessel_jy_absolute_accuracy(name: str, ref: Any) -> None:
    """J and Y oscillate: absolute accuracy everywhere, relative away from their zeros."""
    grid = SYM if name[-2] == "j" else POS
    v, r = _f64(getattr(sp, name), grid), ref(grid)
    fin = np.isfinite(r)
    assert np.max(np.abs(v[fin] - r[fin]) / np.maximum(1.0, np.abs(r[fin]))) < 5e-14
    away = fin & (np.abs(r) > 1e-3) & (np.abs(grid) < 1e3)
    assert np.max(np.abs(v[away] - r[away]) / np.abs(r[away])) < 1e-11


def test_inverse_error_functions_accuracy() -> None:
    y = np.concatenate([np.linspace(-1, 1, 2001), 1 - np.logspace(-16, -1, 100), -np.logspace(-300, -1, 50)])
    assert _rel(_f64(tf.math.erfinv, y), sc.erfinv(y)) < 2e-15
    p = np.concatenate([np.logspace(-300, -1, 200), np.linspace(0, 1, 1001), 1 - np.logspace(-16, -1, 100)])
    assert _rel(_f64(tf.math.ndtri, p), sc.ndtri(p)) < 2e-15
    assert _rel(_f64(tf.math.erfcinv, 2 * p), sc.erfcinv(2 * p)) < 2e-15


def test_incomplete_gamma_beta_zeta_polygamma_accuracy() -> None:
    g = np.concatenate([np.logspace(-10, -1, 10), np.linspace(0.1, 20, 30), np.logspace(1.3, 3.5, 10)])
    a, x = (v.ravel() for v in np.meshgrid(g, g))
    assert _rel(_f64(tf.math.igamma, a, x), sc.gammainc(a, x)) < 1e-11
    assert _rel(_f64(tf.math.igammac, a, x), sc.gammaincc(a, x)) < 1e-11
    g2 = np.concatenate([np.logspace(-3, -1, 3), np.linspace(0.2, 20, 12), [40.0, 300.0, 3000.0]])
    xg = np.concatenate([np.logspace(-8, -1, 4), np.linspace(0.05, 0.95, 9), 1 - np.logspace(-8, -1, 4)])
    A, B, X = (v.ravel() for v in np.meshgrid(g2, g2, xg))
    assert _rel(_f64(tf.math.betainc, A, B, X), sc.betainc(A, B, X)) < 1e-11
    s, q = (v.ravel() for v in np.meshgrid(np.concatenate([1 + np.logspace(-8, -1, 4), np.linspace(1.2, 30, 15)]),
                                           np.concatenate([np.logspace(-6, -1, 4), np.linspace(0.1, 20, 15)])))
    assert _rel(_f64(tf.math.zeta, s, q), sc.zeta(s, q)) < 1e-12
    n, xx = (v.ravel() for v in np.meshgrid(np.arange(0, 6.0), np.linspace(-5.3, 30, 60)))
    assert _rel(_f64(tf.math.polygamma, n, xx), sc.polygamma(n.astype(int), xx)) < 1e-12


def test_igamma_large_a_near_x() -> None:
    """Temme's uniform expansion where the series would need ~9 sqrt(a) terms (a >= 1e5, |x/a - 1| < 0.01): against
    the series/continued fraction (a <= 1e6: SciPy errs by 4e-6 at a = 1e6, x = 0.995e6) and SciPy near the centre."""
    from tapegrad.ops import special_gamma as sg

    for a in (1e5, 1e6):
        x = a + np.sqrt(a) * np.array([-5.0, -1.0, 0.0, 0.5, 3.0])
        aa = np.full(x.shape, a)
        ser = x < a + 1
        p_series = np.exp(sg._log_prefactor(np, aa[ser], x[ser])) * sg._p_series(np, aa[ser], x[ser])
        q_cfrac = np.exp(sg._log_prefactor(np, aa[~ser], x[~ser]) + np.log(a)) * sg._q_cfrac(np, aa[~ser], x[~ser])
        assert _rel(_f64(tf.math.igamma, aa[ser], x[ser]), p_series) < 1e-12
        assert _rel(_f64(tf.math.igammac, aa[~ser], x[~ser]), q_cfrac) < 1e-12
    for a in (1e8, 1e12):
        x = a + np.sqrt(a) * np.array([-1.0, 0.0, 0.5, 1.0])
        aa = np.full(x.shape, a)
        assert _rel(_f64(tf.math.igamma, aa, x), sc.gammainc(aa, x)) < 1e-12
        assert _rel(_f64(tf.math.igammac, aa, x), sc.gammaincc(aa, x)) < 1e-12
    at, xt = tf.constant([1e8, 1e8], tf.float64), tf.constant([1e8, 1e8 + 1e4], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(at)
        y = tf.math.igamma(at, xt)
    h = 1e-3 * 1e4
    num = (sc.gammainc(1e8 + h, [1e8, 1e8 + 1e4]) - sc.gammainc(1e8 - h, [1e8, 1e8 + 1e4])) / (2 * h)
    np.testing.assert_allclose(tape.gradient(y, at).numpy(), num, rtol=1e-6)


def test_igamma_grad_a_matches_numerical_derivative() -> None:
    rng = np.random.default_rng(0)
    a = np.exp(rng.uniform(np.log(0.05), np.log(200.0), 200))
    x = a * np.exp(rng.uniform(-1.5, 1.5, 200))
    at, xt = tf.constant(a), tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(at)
        y = tf.math.igamma(at, xt)
    g = tape.gradient(y, at).numpy()
    h = 1e-6 * a
    num = (sc.gammainc(a + h, x) - sc.gammainc(a - h, x)) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-10)  # (the differences of P near 1 lose digits)


def test_tf_domain_conventions() -> None:
    inf, nan = np.inf, np.nan
    v = tf.constant([-1.0, 0.0, inf, nan], tf.float64)
    np.testing.assert_array_equal(sp.bessel_k0(v).numpy(), [inf, inf, 0.0, nan])
    np.testing.assert_array_equal(sp.bessel_y1(v).numpy(), [-inf, -inf, nan, nan])
    np.testing.assert_array_equal(sp.bessel_i0(v).numpy(), [sc.i0(-1.0), 1.0, nan, nan])
    np.testing.assert_array_equal(sp.expint(v).numpy(), [nan, -inf, nan, nan])
    np.testing.assert_array_equal(sp.spence(v).numpy()[[0, 2, 3]], [nan, nan, nan])
    assert np.isnan(sp.bessel_y1(tf.constant([0.0], tf.float32)).numpy()[0])  # TF's float32 kernel: nan at 0
    # igamma(a, 0) = 0 for every a; I_0 = 0 and I_1 = 1 for nan a; zeta at q = -3: inf for even x, nan otherwise
    assert tf.math.igamma(tf.constant([-1.0, nan], tf.float64), 0.0).numpy().tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(tf.math.betainc(tf.constant([nan, -1.0], tf.float64), 2.0, 1.0).numpy(), [1.0, nan])
    np.testing.assert_array_equal(tf.math.zeta(tf.constant([2.0, 3.0, 2.5], tf.float64), -3.0).numpy(), [inf, nan, nan])
    np.testing.assert_array_equal(tf.math.polygamma(tf.constant([0.5, -1.0], tf.float64), 2.0).numpy(), [nan, nan])
    np.testing.assert_array_equal(tf.math.ndtri(tf.constant([0.0, 1.0, 1.5], tf.float64)).numpy(), [-inf, inf, nan])
    np.testing.assert_array_equal(sp.fresnel_sin(tf.constant([-1e5, 4e4], tf.float64)).numpy(), [-0.5, 0.5])


def _grads(fn: Any, *vals: Any) -> list[Any]:
    ts = [tf.constant(v, tf.float64) for v in vals]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(ts)
        y = fn(*ts)
    return [tape.gradient(y, t) for t in ts]


def test_gradient_conventions_none_and_lookup_error() -> None:
    ga, gb, gx = _grads(tf.math.betainc, [1.0, 2.0], [2.0, 0.5], [0.2, 0.5])
    assert ga is None and gb is None
    np.testing.assert_allclose(gx.numpy(), [1.6, 0.5303300858899106])
    gs, gq = _grads(tf.math.zeta, [2.0, 3.0], [0.5, 1.5])
    assert gs is None
    np.testing.assert_allclose(gq.numpy(), -np.array([2.0, 3.0]) * sc.zeta([3.0, 4.0], [0.5, 1.5]), rtol=1e-13)
    gn, gx = _grads(tf.math.polygamma, [1.0, 2.0], [0.5, 1.5])
    assert gn is None
    np.testing.assert_allclose(gx.numpy(), sc.polygamma([2, 3], [0.5, 1.5]), rtol=1e-13)
    # igamma: both; d/dx is TF's exp(-x + (a-1) log x - lgamma(a)); second order through a: LookupError as TF
    a, x = tf.constant([1.0, 2.0], tf.float64), tf.constant([0.5, 1.5], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch([a, x])
        with tf.GradientTape() as inner:
            inner.watch([a, x])
            y = tf.math.igammac(a, x)
        ga, gx = inner.gradient(y, [a, x])
    np.testing.assert_allclose(gx.numpy(), -np.exp(-np.array([0.5, 1.5])) * np.array([1.0, 1.5]), rtol=1e-14)
    with pytest.raises(LookupError):
        outer.gradient(ga, a)


def test_second_order_by_composition() -> None:
    """The gradients are compositions of differentiable ops (as TF's): d2/dx2 of igamma, d2/dq2 of zeta."""
    def hess(fn: Any, i: int, *vals: Any) -> np.ndarray:
        ts = [tf.constant(v, tf.float64) for v in vals]
        with tf.GradientTape() as outer:
            outer.watch(ts[i])
            with tf.GradientTape() as inner:
                inner.watch(ts[i])
                y = fn(*ts)
            g = inner.gradient(y, ts[i])
        return outer.gradient(g, ts[i]).numpy()

    a, x = np.array([1.0, 2.0, 0.5]), np.array([0.5, 1.5, 3.0])
    np.testing.assert_allclose(hess(tf.math.igamma, 1, a, x), np.exp(-x) * x ** (a - 2) * (a - 1 - x) / sc.gamma(a),
                               rtol=1e-12)
    np.testing.assert_allclose(hess(tf.math.zeta, 1, a + 1, x), (a + 1) * (a + 2) * sc.zeta(a + 3, x), rtol=1e-12)
    np.testing.assert_allclose(hess(sp.bessel_k0, 0, x), sc.kvp(0, x, 2), rtol=1e-12)


def test_forward_mode_and_function() -> None:
    a, x = tf.constant([1.0, 2.0], tf.float64), tf.constant([0.5, 1.5], tf.float64)
    with tf.autodiff.ForwardAccumulator(a, tf.ones_like(a)) as acc:
        y = tf.math.igamma(a, x)
    h = 1e-7
    num = (sc.gammainc([1 + h, 2 + h], [0.5, 1.5]) - sc.gammainc([1 - h, 2 - h], [0.5, 1.5])) / (2 * h)
    np.testing.assert_allclose(acc.jvp(y).numpy(), num, rtol=1e-6)
    with tf.autodiff.ForwardAccumulator(a, tf.ones_like(a)) as acc:
        y = tf.math.betainc(a, a, x / 2.0)
    assert acc.jvp(y).numpy().tolist() == [0.0, 0.0]  # TF: zeros (no gradient for a)

    @tf.function
    def f(x: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(sp.bessel_j1(x) + sp.spence(x) + tf.math.ndtri(x / 4.0))
        return y, tape.gradient(y, x)

    xs = tf.constant([0.5, 1.0, 2.0], tf.float64)
    y1, g1 = f(xs)
    y2, g2 = f(xs)
    np.testing.assert_allclose(g2.numpy(), g1.numpy())
    v = np.array([0.5, 1.0, 2.0])
    with np.errstate(invalid="ignore"):
        dspence = np.where(v == 1, -1.0, np.log(v) / (1 - v))
    dndtri = np.sqrt(2 * np.pi) * np.exp(sc.ndtri(v / 4) ** 2 / 2) / 4
    np.testing.assert_allclose(g1.numpy(), sc.jvp(1, v) + dspence + dndtri, rtol=1e-12)


def test_dtypes_and_errors() -> None:
    h = tf.constant([0.5, 2.0], tf.float16)
    assert sp.bessel_i1e(h).dtype == tf.float16
    assert sp.bessel_y0(tf.constant([1.0], tf.float32)).dtype == tf.float32
    with pytest.raises(NotFoundError, match="float16"):
        tf.math.erfinv(h)
    with pytest.raises(NotFoundError):
        sp.bessel_j0(tf.constant([1.0], tf.bfloat16))
    with pytest.raises(InvalidArgumentError, match="float32 or float64"):
        tf.math.zeta(h, h)  # not declared for float16 in TF: InvalidArgumentError
    with pytest.raises(InvalidArgumentError, match="cast"):
        sp.dawsn(tf.constant([1, 2]))
    with pytest.raises(InvalidArgumentError):
        tf.math.igamma(1, 2)
    with pytest.raises(InvalidArgumentError, match="cannot combine"):
        tf.math.igamma(tf.constant(1.0), tf.constant(1.0, tf.float64))
    with pytest.raises(InvalidArgumentError, match="same shape or be scalars"):
        tf.math.betainc(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]), 0.5)
    with pytest.raises(InvalidArgumentError, match="broadcast"):
        tf.math.igamma(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    assert tf.math.igamma(tf.constant([[1.0, 2.0]]), [[1.0], [3.0]]).shape == (2, 2)
    assert tf.math.betainc(2.0, 3.0, tf.constant([0.5], tf.float64)).dtype == tf.float64


def test_lbeta_and_xlog1py() -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]])
    np.testing.assert_allclose(_f64(tf.math.lbeta, x), sc.gammaln(x).sum(-1) - sc.gammaln(x.sum(-1)), rtol=1e-14)
    assert tf.math.lbeta(tf.zeros([2, 0])).numpy().tolist() == [-np.inf, -np.inf]
    gu, gv = _grads(tf.math.xlog1py, [0.0, 2.0], [-1.0, 1.0])
    assert gu.numpy().tolist() == [0.0, np.log(2.0)] and gv.numpy().tolist() == [0.0, 1.0]
    assert _f64(tf.math.xlog1py, np.array([0.0, 2.0]), np.array([-1.0, 1e-20])).tolist() == [0.0, 2e-20]


def test_bucketize_and_raw_ops() -> None:
    x = tf.constant([[-1.0, 1.5, 3.0], [2.0, 7.0, np.nan]])
    y = tf.raw_ops.Bucketize(input=x, boundaries=[1.0, 2.0, 5.0])
    assert y.dtype == tf.int32 and y.numpy().tolist() == [[0, 1, 2], [2, 3, 3]]
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.raw_ops.Bucketize(input=x, boundaries=[1.5])
    with pytest.raises(LookupError, match="bucketize"):
        tape.gradient(y, x)
    with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as acc:  # no tangent, no error (as TF)
        y = tf.raw_ops.Bucketize(input=x, boundaries=[1.5])
    assert acc.jvp(y) is None
    with pytest.raises(TypeError, match="keyword"):
        tf.raw_ops.Bucketize(x, [1.0])
    with pytest.raises(InvalidArgumentError, match="sorted"):
        tf.raw_ops.Bucketize(input=x, boundaries=[2.0, 1.0])
    with pytest.raises(TypeError, match="list"):
        tf.raw_ops.Bucketize(input=x, boundaries=tf.constant([1.0]))
    assert float(tf.raw_ops.Zeta(x=tf.constant(2.0, tf.float64), q=tf.constant(1.0, tf.float64))) == pytest.approx(
        np.pi ** 2 / 6, rel=1e-15)
    assert tf.raw_ops.BesselK1e(x=tf.constant([1.0])).shape == (1,)
    # an integer result of any other op still has no gradient (None), as before
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = tf.cast(x, tf.int32)
    assert tape.gradient(z, x) is None
