"""Edge conventions and numerics of the elementwise math ops (ops/arithmetic.py, unary_math.py, trigonometric.py,
special_functions.py, complex_ops.py, clip_ops.py; no TensorFlow needed).

Expected values at edge points were measured on TensorFlow 2.21 (float64, upstream 1 unless stated); the special
functions are checked against ``scipy.special`` (a test dependency only — tapegrad itself uses NumPy alone).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors
from tapegrad.ops import special_functions as sf

sp = pytest.importorskip("scipy.special")

inf, nan = np.inf, np.nan


def grad1(fn, x, up=None, dtype=tf.float64):
    x = tf.constant(x, dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    g = tape.gradient(y, x, output_gradients=None if up is None else tf.constant(up, y.dtype))
    return y.numpy(), None if g is None else g.numpy()


def grad2(fn, a, b, up=None, dtype=tf.float64):
    a, b = tf.constant(a, dtype), tf.constant(b, dtype)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = fn(a, b)
    ga, gb = tape.gradient(y, [a, b], output_gradients=None if up is None else tf.constant(up, y.dtype))
    return y.numpy(), (None if ga is None else ga.numpy()), (None if gb is None else gb.numpy())


def assert_same(actual, expected):
    """Equal values, with nan where nan and infinities with the right sign (-0.0 == 0.0)."""
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(np.asarray(expected, dtype=float)))
    np.testing.assert_allclose(actual, expected, rtol=1e-14, atol=0, equal_nan=True)


# ---------------------------------------------------------------------------------------------------------------
# special functions against scipy


RNG = np.random.default_rng(20240605)
POS = np.concatenate([RNG.uniform(1e-3, 30, 3000), 10.0 ** RNG.uniform(-300, 300, 300), RNG.uniform(0.5, 2.5, 500)])
NEG = -RNG.uniform(1e-3, 8, 2000)
NEG = NEG[np.abs(NEG - np.round(NEG)) > 1e-3]


def rel_err(a, b):
    return np.abs(a - b) / np.maximum(np.abs(b), 1e-300)


def test_erf_and_erfc_match_scipy():
    x = np.concatenate([RNG.normal(size=3000) * 3, RNG.uniform(-27, 27, 1000), [0.0, 0.46875, -0.46875, 4.0, -4.0]])
    assert rel_err(tf.math.erf(x).numpy(), sp.erf(x)).max() < 1e-15
    ref = sp.erfc(x)
    ok = ref > 1e-300
    assert rel_err(tf.math.erfc(x).numpy()[ok], ref[ok]).max() < 1e-13  # scipy itself is ~6e-14 off in the tail


def test_erfc_keeps_relative_accuracy_in_the_far_tail():
    # erfc(10) = 2.0884875837625447570e-45 and erfc(25) = 8.3001216716806457e-274 (high-precision values)
    np.testing.assert_allclose(tf.math.erfc(np.array([10.0, 25.0])).numpy(),
                               [2.0884875837625447570e-45, 8.3001725711965228e-274], rtol=1e-15)
    # float32: the nearest subnormal (TF 2.21 flushes it to 0)
    assert tf.math.erfc(tf.constant([10.0])).numpy()[0] == np.float32(2.0884875837625447570e-45)


def test_lgamma_matches_scipy():
    np.testing.assert_allclose(tf.math.lgamma(POS).numpy(), sp.gammaln(POS), rtol=2e-15, atol=1e-15)
    # negative arguments: reflection; absolute accuracy near the (negative) roots of lgamma
    np.testing.assert_allclose(tf.math.lgamma(NEG).numpy(), sp.gammaln(NEG), rtol=1e-13, atol=4e-15)


def test_lgamma_relative_accuracy_near_its_roots_1_and_2():
    mp = pytest.importorskip("mpmath")  # scipy's gammaln loses relative accuracy here
    mp.mp.dps = 40
    t = np.array([1e-12, -1e-12, 1e-6, -1e-6, 1e-3, -1e-3, 0.3, -0.3])
    for base in (1.0, 2.0):
        x = base + t
        ref = [float(mp.log(mp.gamma(mp.mpf(float(v))))) for v in x]
        np.testing.assert_allclose(tf.math.lgamma(x).numpy(), ref, rtol=4e-16)


def test_digamma_matches_scipy():
    np.testing.assert_allclose(tf.math.digamma(POS).numpy(), sp.digamma(POS), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tf.math.digamma(NEG).numpy(), sp.digamma(NEG), rtol=1e-12, atol=1e-13)


def test_digamma_relative_accuracy_near_its_positive_root():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    x = sf._X0 + np.array([1e-10, -1e-10, 1e-4, -1e-4, 0.1, -0.1, 0.3, -0.3, 0.36, -0.36])
    ref = [float(mp.digamma(mp.mpf(float(v)))) for v in x]
    np.testing.assert_allclose(tf.math.digamma(x).numpy(), ref, rtol=2e-15)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_matches_scipy(n):
    x = np.concatenate([RNG.uniform(1e-2, 40, 500), [1e-3, 0.5, 1.0, 1e5]])
    np.testing.assert_allclose(sf.polygamma_int(n, tf.constant(x)).numpy(), sp.polygamma(n, x), rtol=1e-13)
    xn = -RNG.uniform(0.05, 6, 300)
    xn = xn[np.abs(xn - np.round(xn)) > 0.05]
    np.testing.assert_allclose(sf.polygamma_int(n, tf.constant(xn)).numpy(), sp.polygamma(n, xn), rtol=1e-11)


def test_series_coefficients_rederived_from_zeta():
    k = np.arange(2, len(sf._LG2) + 1)
    np.testing.assert_allclose(sf._LG2[1:], (-1.0) ** k * sp.zeta(k, 2.0) / k, rtol=1e-14)
    assert abs(sf._LG2[0] - (1 - np.euler_gamma)) < 1e-16
    k = np.arange(1, len(sf._PSI_ROOT) + 1)
    np.testing.assert_allclose(sf._PSI_ROOT, (-1.0) ** (k + 1) * sp.zeta(k + 1, sf._X0), rtol=1e-13)
    assert abs(sp.digamma(sf._X0)) < 1e-15


def test_special_values():
    f64 = np.array  # float64 inputs (a Python list would become float32)
    assert_same(tf.math.erf(f64([0.0, inf, -inf, nan])).numpy(), [0.0, 1.0, -1.0, nan])  # TF 2.21 float64: nan at ±inf
    assert_same(tf.math.erfc(f64([inf, -inf, nan, 0.0])).numpy(), [0.0, 2.0, nan, 1.0])
    assert_same(tf.math.lgamma(f64([0.0, -0.0, -1.0, -7.0, inf, -inf, nan, 1.0, 2.0, 0.5])).numpy(),
                [inf, inf, inf, inf, inf, inf, nan, 0.0, 0.0, math.log(math.sqrt(math.pi))])
    assert_same(tf.math.lgamma(f64([1e-300, -1e-300])).numpy(), [690.7755278982137, 690.7755278982137])
    assert_same(tf.math.digamma(f64([0.0, -0.0, -2.0, inf, -inf, nan])).numpy(), [nan, nan, nan, inf, nan, nan])
    np.testing.assert_allclose(tf.math.digamma(f64([1.0, 1e-300, -1e-300])).numpy(), [-np.euler_gamma, -1e300, 1e300],
                               rtol=1e-15)


def test_special_functions_keep_float32_and_float16():
    for fn in (tf.math.erf, tf.math.erfc, tf.math.lgamma, tf.math.digamma):
        for dt in (tf.float32, tf.float16):
            x = tf.constant([0.3, 1.7, 4.0], dt)
            y = fn(x)
            assert y.dtype == dt
            ref = fn(tf.cast(x, tf.float64)).numpy().astype(y.numpy().dtype)  # rounded once to the target type
            np.testing.assert_array_equal(y.numpy(), ref)


# ---------------------------------------------------------------------------------------------------------------
# gradients of the special functions (including higher orders, through the internal polygamma op)


def test_special_function_gradients():
    x = np.array([0.3, 1.0, 2.5, 7.0, -1.5, -2.7])
    _, g = grad1(tf.math.lgamma, x)
    np.testing.assert_allclose(g, sp.digamma(x), rtol=1e-13)
    _, g = grad1(tf.math.digamma, x)
    np.testing.assert_allclose(g, sp.polygamma(1, x), rtol=1e-12)
    _, g = grad1(tf.math.erf, x)
    np.testing.assert_allclose(g, 2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-15)
    _, g = grad1(tf.math.erfc, x)
    np.testing.assert_allclose(g, -2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-15)


def test_lgamma_third_derivative_and_digamma_second_derivative():
    x0 = np.array([0.7, 3.2, -2.4])
    x = tf.constant(x0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.math.lgamma(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    np.testing.assert_allclose(d1.numpy(), sp.digamma(x0), rtol=1e-12)
    np.testing.assert_allclose(d2.numpy(), sp.polygamma(1, x0), rtol=1e-12)
    np.testing.assert_allclose(d3.numpy(), sp.polygamma(2, x0), rtol=1e-11)


def test_digamma_gradient_at_poles_and_infinities():
    _, g = grad1(tf.math.digamma, [0.0, -1.0, inf, -inf])
    assert_same(g, [inf, inf, 0.0, inf])  # TF 2.21 (polygamma(1, x))


# ---------------------------------------------------------------------------------------------------------------
# zero-upstream guards and singular points (reference §6)


def test_rsqrt_and_reciprocal_zero_upstream_guard():
    y, g = grad1(tf.math.rsqrt, [0.0, -1.0, 0.0, 4.0], up=[0.0, 0.0, 1.0, 1.0])
    assert_same(y, [inf, nan, inf, 0.5])
    assert_same(g, [0.0, 0.0, -inf, -0.0625])
    y, g = grad1(tf.math.reciprocal, [0.0, 0.0, 2.0], up=[0.0, 1.0, 1.0])
    assert_same(y, [inf, inf, 0.5])
    assert_same(g, [0.0, -inf, -0.25])


def test_reciprocal_no_nan():
    y, g = grad1(tf.math.reciprocal_no_nan, [0.0, 0.0, 2.0], up=[0.0, 1.0, 1.0])
    assert_same(y, [0.0, 0.0, 0.5])
    assert_same(g, [0.0, 0.0, -0.25])
    _, g = grad1(tf.math.reciprocal_no_nan, [0.0], up=[inf])
    assert_same(g, [nan])  # TF: upstream * div_no_nan(...) = inf * 0


@pytest.mark.parametrize("fn,x,up,expected", [
    (tf.math.log1p, [-1.0, -1.0], [0.0, 1.0], [nan, inf]),
    (tf.math.acos, [1.0, 1.0, 2.0], [0.0, 1.0, 1.0], [nan, -inf, nan]),
    (tf.math.asin, [1.0, 1.0, 2.0], [0.0, 1.0, 1.0], [nan, inf, nan]),
    (tf.math.acosh, [1.0, 1.0, 0.5], [0.0, 1.0, 1.0], [nan, inf, nan]),
    (tf.math.atanh, [1.0, 1.0, 2.0], [0.0, 1.0, 1.0], [nan, inf, -1 / 3]),
])
def test_no_zero_upstream_guard_elsewhere(fn, x, up, expected):
    _, g = grad1(fn, x, up=up)
    assert_same(g, expected)


def test_atan2_gradients_and_origin():
    y, gy, gx = grad2(tf.math.atan2, [0.0, 1.0, 0.0], [0.0, 0.0, -1.0])
    assert_same(y, [0.0, math.pi / 2, math.pi])
    assert_same(gy, [nan, 0.0, -1.0])
    assert_same(gx, [nan, -1.0, 0.0])


# ---------------------------------------------------------------------------------------------------------------
# "no nan" arithmetic


def test_divide_no_nan():
    y, gx, gy = grad2(tf.math.divide_no_nan, [1.0, 0.0, 3.0, nan, inf], [0.0, 0.0, 2.0, 0.0, 0.0])
    assert_same(y, [0.0, 0.0, 1.5, 0.0, 0.0])
    assert_same(gx, [0.0, 0.0, 0.5, 0.0, 0.0])
    assert_same(gy, [0.0, 0.0, -0.75, 0.0, 0.0])
    _, gx, _ = grad2(tf.math.divide_no_nan, [1.0], [0.0], up=[inf])
    assert_same(gx, [0.0])  # div_no_nan(upstream, y): 0 even for an infinite upstream


def test_divide_no_nan_converts_integers_like_divide():
    assert tf.math.divide_no_nan(tf.constant([3, 1]), tf.constant([2, 0])).dtype == tf.float64
    r = tf.math.divide_no_nan(tf.constant([3], tf.uint8), tf.constant([0], tf.uint8))
    assert r.dtype == tf.float32 and r.numpy().tolist() == [0.0]
    assert tf.math.divide_no_nan(tf.constant([3.0]), 2.0).dtype == tf.float32


def test_multiply_no_nan():
    y, gx, gy = grad2(tf.math.multiply_no_nan, [inf, nan, 3.0, 2.0], [0.0, 0.0, 2.0, 5.0], up=[1.0, 1.0, 1.0, 0.0])
    assert_same(y, [0.0, 0.0, 6.0, 10.0])
    assert_same(gx, [0.0, 0.0, 2.0, 0.0])
    assert_same(gy, [inf, nan, 3.0, 0.0])


def test_multiply_no_nan_second_order_at_zero_y_matches_tf():
    # d/dy <d/dx, v> at y == 0 is upstream * v (TF differentiates mul_no_nan(g, y) in its second argument)
    x, y = tf.constant([2.0, 3.0], tf.float64), tf.constant([0.0, 4.0], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch([x, y])
        with tf.GradientTape() as inner:
            inner.watch([x, y])
            z = tf.math.multiply_no_nan(x, y)
        gx = inner.gradient(z, x)
        s = tf.reduce_sum(gx * tf.constant([5.0, 7.0], tf.float64))
    assert_same(outer.gradient(s, y).numpy(), [5.0, 7.0])


def test_xlogy():
    y, gx, gy = grad2(tf.math.xlogy, [0.0, 0.0, 0.0, 2.0, 2.0, nan, 0.0], [0.0, 2.0, nan, 0.0, 3.0, 1.0, -1.0])
    assert_same(y, [0.0, 0.0, 0.0, -inf, 2 * math.log(3.0), nan, 0.0])
    assert_same(gx, [0.0, 0.0, 0.0, -inf, math.log(3.0), 0.0, 0.0])
    assert_same(gy, [0.0, 0.0, 0.0, inf, 2 / 3, nan, 0.0])


def test_xdivy():
    y, gx, gy = grad2(tf.math.xdivy, [0.0, 0.0, 2.0, 2.0, 0.0], [0.0, 2.0, 0.0, 3.0, nan])
    assert_same(y, [0.0, 0.0, inf, 2 / 3, 0.0])
    assert_same(gx, [0.0, 0.0, inf, 1 / 3, 0.0])
    assert_same(gy, [0.0, 0.0, -inf, -2 / 9, 0.0])


def test_squared_difference():
    y, gx, gy = grad2(tf.math.squared_difference, [[1.0, 3.0]], [2.0, 1.0])
    assert_same(y, [[1.0, 4.0]])
    assert_same(gx, [[-2.0, 4.0]])
    assert_same(gy, [2.0, -4.0])
    r = tf.math.squared_difference(tf.constant([3, -1]), tf.constant(5))
    assert r.dtype == tf.int32 and r.numpy().tolist() == [4, 36]


def test_squared_difference_complex_is_modulus_squared():
    a, b = tf.constant([1 + 2j]), tf.constant([0.5 - 1j])
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = tf.math.squared_difference(a, b)
    assert y.dtype == tf.complex128
    np.testing.assert_allclose(y.numpy(), [abs(0.5 + 3j) ** 2 + 0j], rtol=1e-15)
    # only Re(upstream) reaches a real-valued output (TF 2.21 would use the whole upstream)
    ga, gb = tape.gradient(y, [a, b], output_gradients=tf.constant([2.0 + 5.0j]))
    np.testing.assert_allclose(ga.numpy(), [2 * 2.0 * (0.5 + 3j)])
    np.testing.assert_allclose(gb.numpy(), [-2 * 2.0 * (0.5 + 3j)])


# ---------------------------------------------------------------------------------------------------------------
# softplus / log_sigmoid stability


def test_softplus_and_log_sigmoid_are_stable():
    x = [-800.0, -30.0, 0.0, 30.0, 800.0, inf, -inf]
    xa = np.array(x)
    with np.errstate(over="ignore"):
        sig = 1 / (1 + np.exp(-xa))  # sigmoid(x)
    y, g = grad1(tf.math.softplus, x)
    np.testing.assert_allclose(y, np.logaddexp(0.0, xa), rtol=1e-15)
    np.testing.assert_allclose(g, sig, rtol=1e-15)
    y, g = grad1(tf.math.log_sigmoid, x)
    np.testing.assert_allclose(y, -np.logaddexp(0.0, -xa), rtol=1e-15)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(g, 1 / (1 + np.exp(xa)), rtol=1e-15)  # sigmoid(-x)
    assert tf.nn.softplus is tf.math.softplus


def test_softplus_second_derivative_at_zero():
    x = tf.constant(0.0, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.math.softplus(x)
        g = inner.gradient(y, x)
    assert float(outer.gradient(g, x)) == 0.25


# ---------------------------------------------------------------------------------------------------------------
# not differentiable


@pytest.mark.parametrize("fn", [tf.round, tf.math.ceil, tf.floor, tf.math.angle])
def test_rounding_and_real_angle_have_no_gradient(fn):
    _, g = grad1(fn, [0.3, -1.7])
    assert g is None


def test_round_is_half_to_even_and_keeps_integers():
    assert_same(tf.round([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994]).numpy(), [0.0, 2.0, 2.0, -0.0, -2.0, 0.0])
    x = tf.constant([1, -2])
    assert tf.round(x) is x


def test_classification():
    x = tf.constant([0.0, nan, inf, -inf, 1.0])
    assert tf.math.is_nan(x).numpy().tolist() == [False, True, False, False, False]
    assert tf.math.is_inf(x).numpy().tolist() == [False, False, True, True, False]
    assert tf.math.is_finite(x).numpy().tolist() == [True, False, False, False, True]
    with pytest.raises(errors.InvalidArgumentError, match="is_nan"):
        tf.math.is_nan(tf.constant([1, 2]))


def test_real_angle_values():
    assert_same(tf.math.angle(tf.constant([-1.0, 0.0, 2.0, -0.0, nan], tf.float64)).numpy(), [math.pi, 0, 0, 0, 0])
    assert tf.math.angle(tf.constant([-1.0], tf.float32)).dtype == tf.float32


# ---------------------------------------------------------------------------------------------------------------
# complex numbers


def test_complex_gradient_is_real_and_imaginary_parts():
    a, b = tf.constant([1.0, 2.0], tf.float64), tf.constant(3.0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        z = tf.complex(a, b)
    ga, gb = tape.gradient(z, [a, b], output_gradients=tf.constant([1.0 + 0.5j, -0.3 + 1.0j]))
    assert z.dtype == tf.complex128 and z.numpy().tolist() == [1 + 3j, 2 + 3j]
    assert_same(ga.numpy(), [1.0, -0.3])
    assert ga.dtype == tf.float64 and gb.dtype == tf.float64
    assert_same(gb.numpy(), 1.5)


def test_complex_then_abs_gives_real_gradients():
    a, b = tf.Variable(3.0), tf.Variable(4.0)
    with tf.GradientTape() as tape:
        y = tf.abs(tf.complex(a, b))
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose([float(ga), float(gb)], [0.6, 0.8], rtol=1e-6)


def test_complex_keeps_infinite_parts_apart():
    assert tf.complex(tf.constant([0.0, inf]), tf.constant([inf, 0.0])).numpy().tolist() == [complex(0, inf),
                                                                                               complex(inf, 0)]


def test_complex_dtypes():
    assert tf.complex(1.0, 2.0).dtype == tf.complex64
    with pytest.raises(TypeError, match="float32.*float64"):
        tf.complex(tf.constant(1.0), tf.constant(1.0, tf.float64))
    with pytest.raises(TypeError, match="int32"):
        tf.complex(tf.constant(1), tf.constant(2))
    with pytest.raises(errors.InvalidArgumentError, match=r"\(2,\).*\(3,\)"):
        tf.complex(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))


def test_angle_gradient_first_and_second_order():
    rng = np.random.default_rng(7)
    z0 = rng.normal(size=5) + 1j * rng.normal(size=5)
    w, v = rng.normal(size=5), rng.normal(size=5) + 1j * rng.normal(size=5)

    def grad(z):
        t = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(tf.constant(w) * tf.math.angle(t))
        return tape.gradient(loss, t)

    np.testing.assert_allclose(grad(z0).numpy(), w * 1j / np.conj(z0), rtol=1e-14)
    t = tf.constant(z0)
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            loss = tf.reduce_sum(tf.constant(w) * tf.math.angle(t))
        s = tf.reduce_sum(tf.math.real(tf.math.conj(inner.gradient(loss, t)) * tf.constant(v)))
    h = outer.gradient(s, t).numpy()
    u = rng.normal(size=5) + 1j * rng.normal(size=5)
    first = lambda z: np.real(np.vdot(grad(z).numpy(), v))  # noqa: E731
    num = (first(z0 + 1e-6 * u) - first(z0 - 1e-6 * u)) / 2e-6
    np.testing.assert_allclose(np.real(np.vdot(h, u)), num, rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# clip_by_value


def test_clip_by_value_inclusive_bounds_and_tensor_bound_counts():
    x, lo, hi = (tf.constant(v, tf.float64) for v in ([0.0, 1.0, 1.5, 2.0, 3.0], 1.0, 2.0))
    with tf.GradientTape() as tape:
        tape.watch([x, lo, hi])
        y = tf.clip_by_value(x, lo, hi)
    gx, glo, ghi = tape.gradient(y, [x, lo, hi])
    assert_same(y.numpy(), [1.0, 1.0, 1.5, 2.0, 2.0])
    assert_same(gx.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])
    assert float(glo) == 1.0 and float(ghi) == 1.0


def test_clip_by_value_nan_and_crossed_bounds():
    _, gx, glo = grad2(lambda x, lo: tf.clip_by_value(x, lo, 2.0), [0.0, 1.5, 3.0, nan], [1.0, 1.0, 1.0, 1.0])
    assert_same(gx, [0.0, 1.0, 0.0, 0.0])
    assert_same(glo, [1.0, 0.0, 0.0, 1.0])  # nan fails both comparisons: the lower bound takes it, as in TF
    x, lo, hi = (tf.constant(v, tf.float64) for v in ([0.0, 1.0, 3.0], 2.5, 2.0))
    with tf.GradientTape() as tape:
        tape.watch([x, lo, hi])
        y = tf.clip_by_value(x, lo, hi)
    assert_same(y.numpy(), [2.5, 2.5, 2.5])
    assert [float(tf.reduce_sum(g)) for g in tape.gradient(y, [x, lo, hi])] == [0.0, 3.0, 0.0]


def test_clip_by_value_errors_and_dtypes():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        tf.clip_by_value(tf.constant([1.0, 2.0]), tf.constant([[0.0], [1.0]]), 5.0)
    with pytest.raises(TypeError):
        tf.clip_by_value(tf.constant([1, 2]), 0.5, 1.5)
    with pytest.raises(errors.InvalidArgumentError):
        tf.clip_by_value(tf.constant([1.0, 2.0]), tf.constant(0.0, tf.float64), 1.0)
    with pytest.raises(errors.InvalidArgumentError, match="clip_by_value"):
        tf.clip_by_value(tf.constant([1 + 1j]), 0.0, 1.0)
    assert tf.clip_by_value(tf.constant([1, 5]), 2, 4).numpy().tolist() == [2, 4]
    r = tf.clip_by_value(tf.constant([[-3.0, 3.0]]), [-1.0, 0.0], 2.0)
    assert r.dtype == tf.float32 and r.numpy().tolist() == [[-1.0, 2.0]]


# ---------------------------------------------------------------------------------------------------------------
# dtypes, errors and where the names live


@pytest.mark.parametrize("name", ["tan", "acos", "asinh", "expm1", "log1p", "rsqrt", "reciprocal", "softplus",
                                  "log_sigmoid", "erf", "lgamma", "digamma", "reciprocal_no_nan"])
def test_float32_stays_float32(name):
    fn = getattr(tf.math, name)
    y, g = grad1(fn, [0.5, 0.75], dtype=tf.float32)
    assert y.dtype == np.float32 and g.dtype == np.float32


@pytest.mark.parametrize("name", ["xlogy", "xdivy", "divide_no_nan", "multiply_no_nan", "atan2",
                                  "squared_difference"])
def test_binary_float32_with_python_scalar_stays_float32(name):
    x = tf.constant([0.5, 2.0])
    assert getattr(tf.math, name)(x, 0.75).dtype == tf.float32
    assert getattr(tf.math, name)(0.75, x).dtype == tf.float32


@pytest.mark.parametrize("name,arg", [("tan", tf.constant([1])), ("erf", tf.constant([1 + 1j])),
                                      ("lgamma", tf.constant([True])), ("ceil", tf.constant([1 + 0j]))])
def test_unsupported_dtype_is_invalid_argument_naming_op_and_dtype(name, arg):
    with pytest.raises(errors.InvalidArgumentError, match=rf"{name}.*{arg.dtype.name}"):
        getattr(tf.math, name)(arg)


def test_binary_dtype_and_shape_errors():
    with pytest.raises(errors.InvalidArgumentError, match="float32.*float64"):
        tf.math.xlogy(tf.constant([1.0]), tf.constant([1.0], tf.float64))
    with pytest.raises(errors.InvalidArgumentError, match=r"\(2,\).*\(3,\)"):
        tf.math.xdivy(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(errors.InvalidArgumentError, match="atan2"):
        tf.math.atan2(tf.constant([1 + 0j]), tf.constant([1 + 0j]))


# Where TensorFlow 2.21 exports each name (hasattr(tf, n), hasattr(tf.math, n), hasattr(tf.nn, n)).
PLACES = {
    "tan": "tm", "round": "tm", "acos": "tm", "acosh": "tm", "asin": "tm", "asinh": "tm", "atan": "tm",
    "atan2": "tm", "atanh": "tm", "ceil": "m", "cosh": "tm", "sinh": "tm", "divide_no_nan": "m", "erf": "m",
    "erfc": "m", "expm1": "m", "floor": "tm", "lgamma": "m", "digamma": "m", "log1p": "m", "log_sigmoid": "m",
    "multiply_no_nan": "m", "reciprocal": "m", "reciprocal_no_nan": "m", "rsqrt": "m", "softplus": "mn",
    "squared_difference": "m", "xlogy": "m", "xdivy": "m", "angle": "m", "is_nan": "m", "is_finite": "m",
    "is_inf": "m", "complex": "t", "clip_by_value": "t",
}


@pytest.mark.parametrize("name,places", sorted(PLACES.items()))
def test_exported_where_tensorflow_exports_it(name, places):
    for flag, ns in (("t", tf), ("m", tf.math), ("n", tf.nn)):
        assert hasattr(ns, name) == (flag in places), (name, ns.__name__)


def test_type_errors_where_tensorflow_raises_type_error():
    with pytest.raises(TypeError, match="angle.*int32"):
        tf.math.angle(tf.constant([1]))
    with pytest.raises(TypeError, match="divide_no_nan.*bool"):
        tf.math.divide_no_nan(tf.constant([True]), tf.constant([False]))
    with pytest.raises(errors.InvalidArgumentError, match="squared_difference.*int8"):
        tf.math.squared_difference(tf.constant([1], tf.int8), tf.constant([2], tf.int8))


@pytest.mark.parametrize("name,x0,d2", [
    ("sinh", 0.7, math.sinh(0.7)), ("cosh", 0.7, math.cosh(0.7)), ("tan", 0.7, 2 * math.tan(0.7) / math.cos(0.7) ** 2),
    ("asinh", 0.7, -0.7 / (1 + 0.49) ** 1.5), ("acosh", 1.7, -1.7 / (1.7 ** 2 - 1) ** 1.5),
    ("expm1", 0.7, math.exp(0.7)), ("log1p", 0.7, -1 / 1.7 ** 2), ("rsqrt", 0.7, 0.75 * 0.7 ** -2.5),
    ("reciprocal", 0.7, 2 / 0.7 ** 3), ("erf", 0.7, -4 * 0.7 / math.sqrt(math.pi) * math.exp(-0.49)),
])
def test_second_derivatives_through_the_differentiable_namespace(name, x0, d2):
    x = tf.constant(x0, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = getattr(tf.math, name)(x)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(float(outer.gradient(g, x)), d2, rtol=1e-13)
