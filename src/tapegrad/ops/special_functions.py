"""Special functions: erf, erfc, lgamma, digamma and the polygamma functions behind their gradients, and the inverses
erfinv, ndtri, erfcinv (the other special functions: special_gamma.py, special_bessel.py, special_integrals.py).

They are computed with NumPy only, in float64 whatever the input precision (the result is cast back):

* ``erf``/``erfc``: W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), three ranges;
* ``lgamma``: a power series of ``lgamma(2 + t)`` for ``|t| <= 1/2`` (coefficients ``(-1)^k (zeta(k) - 1)/k``),
  downward recurrence below 10, Stirling's series above, reflection for negative arguments;
* ``digamma``: upward recurrence to 10 plus the asymptotic series, a Taylor series around its positive root
  (1.4616…) so that values there keep full relative accuracy, reflection ``psi(1-x) - pi cot(pi x)`` below 0;
* ``polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x)`` for a Python int ``n``: the numerics of ``tf.math.polygamma``
  (special_gamma.py: the Hurwitz zeta function by direct summation and Euler–Maclaurin), as an internal op with its
  own gradient ``polygamma(n+1, x)``, so ``lgamma`` and ``digamma`` are differentiable to any order;
* ``erfinv``/``ndtri``/``erfcinv``: Halley's method on ``erf`` where the argument is central, Newton's method on
  ``log erfc`` in the tails (the tail argument ``1 - |y|``, ``2p``, ``2(1 - p)`` computed exactly).
"""

from __future__ import annotations

import math
from typing import Any

from .._dispatch import apply1
from .._registry import OPS, defop, spec, uniform
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from ._elementwise import _unary
from ._math_checks import _scipy, _unary_in

# -- special-function numerics (raw backend, float64 inside) ----------------------------------------------------------

_PI = math.pi
_LOG_PI = math.log(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_NAN = math.nan
_INF = math.inf

# Bernoulli numbers B_2, B_4, …, B_26 as exact (numerator, denominator) pairs; Python's int / int is correctly
# rounded, so each coefficient below is the float nearest to the exact rational.
_BERNOULLI = [(1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6), (-3617, 510), (43867, 798),
              (-174611, 330), (854513, 138), (-236364091, 2730), (8553103, 6)]
# Stirling: lgamma(x) ~ (x-1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k-1) x^(2k-1))
_STIRLING = [n / (d * (2 * k) * (2 * k - 1)) for k, (n, d) in enumerate(_BERNOULLI[:8], start=1)]
# digamma: psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
_PSI_ASYM = [n / (d * 2 * k) for k, (n, d) in enumerate(_BERNOULLI[:8], start=1)]
# Euler–Maclaurin tail of the Hurwitz zeta function: B_2j / (2j)!
_EM = [n / (d * math.factorial(2 * j)) for j, (n, d) in enumerate(_BERNOULLI[:12], start=1)]

# lgamma(2 + t) = sum_{k>=1} c_k t^k with c_1 = 1 - euler_gamma, c_k = (-1)^k (zeta(k) - 1) / k (|t| <= 1/2).
# Generated with mpmath at 50 digits (tests/test_math_ext.py re-derives them with scipy.special.zeta).
_LG2 = (0.42278433509846713, 0.3224670334241132, -0.0673523010531981, 0.020580808427784546, -0.007385551028673986,
        0.0028905103307415234, -0.001192753911703261, 0.0005096695247430425, -0.00022315475845357939,
        9.945751278180853e-05, -4.492623673813314e-05, 2.050721277567069e-05, -9.439488275268397e-06,
        4.374866789907488e-06, -2.039215753801366e-06, 9.55141213040742e-07, -4.492469198764566e-07,
        2.1207184805554665e-07, -1.0043224823968099e-07, 4.7698101693639804e-08, -2.2711094608943164e-08,
        1.0838659214896955e-08, -5.183475041970047e-09, 2.4836745438024785e-09, -1.1921401405860912e-09,
        5.731367241678862e-10, -2.7595228851242334e-10, 1.330476437424449e-10, -6.4229645638381e-11,
        3.1044247747322276e-11)
# digamma around its positive root: X0 is the double nearest the root, PSI_X0 = psi(X0) (not exactly 0), and
# psi(X0 + t) = PSI_X0 + sum_{k>=1} d_k t^k with d_k = (-1)^(k+1) zeta(k+1, X0) (mpmath, 50 digits).
_X0 = 1.4616321449683622
_PSI_X0 = -9.241265521729427e-17
_PSI_ROOT = (0.9676722454476212, -0.4427631689835922, 0.2584997609556511, -0.16394270544240658, 0.10782405069126241,
             -0.07219956125645474, 0.04880428816414313, -0.033161126474847376, 0.022597648232218118,
             -0.01542476590494897, 0.010538791616612184, -0.007204534386356875, 0.004926781395729858,
             -0.0033698016554393312, 0.00230512632673493, -0.001576936771430199, 0.0010788252019162978,
             -0.000738070938996006, 0.0005049532658346027, -0.0003454680251063082, 0.00023635601564027086,
             -0.00016170622091974827, 0.00011063372768747428, -7.569179582195078e-05, 5.17857579522209e-05,
             -3.543007094765967e-05, 2.4240066118601362e-05, -1.6584242271854165e-05, 1.1346384584663872e-05,
             -7.76281766846211e-06)

# W. J. Cody's coefficients: erf(x) = x A(x^2)/B(x^2) for |x| <= 0.46875; erfc(x) = exp(-x^2) C(x)/D(x) for
# x <= 4; erfc(x) = exp(-x^2)/x (1/sqrt(pi) + P(1/x^2)/(x^2 Q(1/x^2))) beyond.
_CODY_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
           1.85777706184603153e-1)
_CODY_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_CODY_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
           8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
           2.15311535474403846e-8)
_CODY_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
           3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_CODY_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
           6.58749161529837803e-4, 1.63153871373020978e-2)
_CODY_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
           2.33520497626869185e-3)
_CODY_THRESH = 0.46875
_INV_SQRT_PI = 0.56418958354775628695
_TWO_OVER_SQRT_PI = 1.1283791670955126
_SQRT2 = math.sqrt(2.0)


def _special(F: Any, x: Any, kernel: Any, *args: Any) -> Any:
    """Run ``kernel(F, v, *args)`` on ``x`` flattened to a float64 vector, then restore shape and dtype."""
    v = F.reshape(F.astype(x, F.float64), (-1,))
    r = kernel(F, v, *args)
    return F.astype(F.reshape(r, F.shape(x)), x.dtype)


# The kernels below only ever see raw float64 vectors (never the differentiable namespace), so they update their
# own temporaries in place: fewer allocations on large inputs.


def _horner(t: Any, coeffs: Any) -> Any:
    """sum_k coeffs[k] t^k (a new array; ``len(coeffs) >= 2``)."""
    acc = t * coeffs[-1]
    for c in coeffs[-2:0:-1]:
        acc += c
        acc *= t
    acc += coeffs[0]
    return acc


def _ratio(t: Any, num_c: Any, lead: float, den_c: Any) -> Any:
    """(lead t^n + num_c[0] t^(n-1) + … + num_c[-1]) / (t^n + den_c[0] t^(n-1) + … + den_c[-1]), n = len(num_c)."""
    num = t * lead
    den = t.copy()
    for a, b in zip(num_c[:-1], den_c[:-1]):
        num += a
        num *= t
        den += b
        den *= t
    num += num_c[-1]
    den += den_c[-1]
    num /= den
    return num


def _fill(F: Any, out: Any, mask: Any, v: Any, fn: Any, *args: Any) -> None:
    """``out[mask] = fn(F, v[mask], *args)``, skipped when ``mask`` selects nothing."""
    if mask.any():
        out[mask] = fn(F, v[mask], *args)


def _erf_small(F: Any, x: Any) -> Any:
    r = _ratio(x * x, _CODY_A[:4], _CODY_A[4], _CODY_B)
    r *= x
    return r


def _erfc_tail(F: Any, y: Any) -> Any:
    """erfc(y) for y > 0.46875 (float64 vector); nan stays nan, +inf gives 0."""
    y = F.minimum(y, 30.0)  # erfc(27) already underflows; keeps exp(-s*s)*exp(-(y-s)(y+s)) free of inf - inf
    r = F.empty_like(y)
    mid = y <= 4.0
    r[mid] = _ratio(y[mid], _CODY_C[:8], _CODY_C[8], _CODY_D)
    far = ~mid
    b = y[far]
    z = b * b
    F.reciprocal(z, out=z)
    q = _ratio(z, _CODY_P[:5], _CODY_P[5], _CODY_Q)
    q *= z
    F.subtract(_INV_SQRT_PI, q, out=q)
    q /= b
    r[far] = q
    # exp(-y^2) as exp(-s^2) exp(-(y-s)(y+s)) with s = y rounded down to 1/16: no cancellation in y^2
    s = y * 16.0
    F.trunc(s, out=s)
    s *= 0.0625
    d = y - s
    y += s
    d *= y
    F.negative(d, out=d)
    F.exp(d, out=d)
    s *= s
    F.negative(s, out=s)
    F.exp(s, out=s)
    d *= s  # exp(-s^2) exp(-(y-s)(y+s)) first: one rounding where the result is subnormal
    r *= d
    return r


def _erf_big(F: Any, t: Any) -> Any:
    return F.sign(t) * (1.0 - _erfc_tail(F, F.abs(t)))  # nan stays nan


def _erf_kernel(F: Any, v: Any) -> Any:
    out = F.empty_like(v)
    small = F.abs(v) <= _CODY_THRESH
    _fill(F, out, small, v, _erf_small)
    _fill(F, out, ~small, v, _erf_big)
    return out


def _erfc_small(F: Any, x: Any) -> Any:
    return 1.0 - _erf_small(F, x)


def _erfc_big(F: Any, t: Any) -> Any:
    e = _erfc_tail(F, F.abs(t))
    return F.where(t < 0, 2.0 - e, e)


def _erfc_kernel(F: Any, v: Any) -> Any:
    out = F.empty_like(v)
    small = F.abs(v) <= _CODY_THRESH
    _fill(F, out, small, v, _erfc_small)
    _fill(F, out, ~small, v, _erfc_big)
    return out


def _lgamma_stirling(F: Any, x: Any) -> Any:
    """lgamma(x) for x >= 10 (+inf allowed)."""
    z = 1.0 / (x * x)
    val = (x - 0.5) * F.log(x) - x + _HALF_LOG_2PI + _horner(z, _STIRLING) / x
    return F.where(F.isinf(x), _INF, val)


def _lgamma_small(F: Any, y: Any) -> Any:
    """lgamma(y) for 0 < y < 10: recurrence down to [1.5, 2.5), then the series of lgamma(2 + t)."""
    prod = F.ones_like(y)
    for _ in range(8):  # lgamma(y) = lgamma(y - 1) + log(y - 1)
        m = y >= 2.5
        if not m.any():
            break
        y = F.where(m, y - 1.0, y)
        prod = F.where(m, prod * y, prod)
    hi = y >= 1.5
    tiny = y < 0.5
    t = F.where(hi, y - 2.0, F.where(tiny, y, y - 1.0))
    s = _horner(t, _LG2)
    s *= t
    # y in [0.5, 1.5): lgamma(1 + t) = lgamma(2 + t) - log1p(t); y < 0.5: lgamma(y) = lgamma(1 + y) - log(y)
    low = s - F.log1p(t) - F.where(tiny, F.log(F.where(tiny, y, 1.0)), 0.0)
    return F.where(hi, s + F.log(prod), low)


def _lgamma_pos(F: Any, x: Any) -> Any:
    """lgamma(x) for x > 0 (float64 vector; +inf allowed)."""
    out = F.empty_like(x)
    big = x >= 10.0
    _fill(F, out, big, x, _lgamma_stirling)
    _fill(F, out, ~big, x, _lgamma_small)
    return out


def _sinpi_reduced(F: Any, x: Any) -> Any:
    """r = x - round(x) in [-1/2, 1/2]: sin(pi x) = ±sin(pi r) and cot(pi x) = cot(pi r), without cancellation."""
    return x - F.round(x)


def _lgamma_neg(F: Any, x: Any) -> Any:
    r = _sinpi_reduced(F, x)
    # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x); poles (non-positive integers) and -inf give +inf
    val = _LOG_PI - F.log(F.abs(F.sin(_PI * r))) - _lgamma_pos(F, 1.0 - x)
    return F.where((r == 0) | F.isinf(x), _INF, val)


def _lgamma_kernel(F: Any, v: Any) -> Any:
    out = F.full_like(v, _NAN)  # nan stays nan
    _fill(F, out, v > 0, v, _lgamma_pos)
    _fill(F, out, v <= 0, v, _lgamma_neg)
    return out


def _digamma_root(F: Any, x: Any) -> Any:
    t = x - _X0
    r = _horner(t, _PSI_ROOT)
    r *= t
    r += _PSI_X0
    return r


def _digamma_asym(F: Any, y: Any) -> Any:
    acc = F.zeros_like(y)
    for _ in range(10):  # psi(y) = psi(y + 1) - 1/y up to y >= 10
        m = y < 10.0
        if not m.any():
            break
        acc = F.where(m, acc + 1.0 / y, acc)
        y = F.where(m, y + 1.0, y)
    z = 1.0 / (y * y)
    return F.log(y) - 0.5 / y - _horner(z, _PSI_ASYM) * z - acc


def _digamma_pos(F: Any, x: Any) -> Any:
    """digamma(x) for x > 0 (float64 vector; +inf allowed)."""
    out = F.empty_like(x)
    near = F.abs(x - _X0) <= 0.35
    _fill(F, out, near, x, _digamma_root)
    _fill(F, out, ~near, x, _digamma_asym)
    return out


def _digamma_neg(F: Any, x: Any) -> Any:
    r = _sinpi_reduced(F, x)
    # reflection: psi(1 - x) - psi(x) = pi cot(pi x); poles give nan (as TF), and so does -inf
    val = _digamma_pos(F, 1.0 - x) - _PI * F.cos(_PI * r) / F.sin(_PI * r)
    return F.where(r == 0, _NAN, val)


def _digamma_kernel(F: Any, v: Any) -> Any:
    out = F.full_like(v, _NAN)
    _fill(F, out, v > 0, v, _digamma_pos)
    _fill(F, out, v <= 0, v, _digamma_neg)
    return out


def _polygamma_kernel(F: Any, v: Any, n: int) -> Any:
    """polygamma(n, v) for a Python int order: the vectorised kernel of ``tf.math.polygamma`` with ``n`` broadcast
    (one implementation of the Hurwitz-zeta numerics; imported here lazily, that module imports this one)."""
    from .special_gamma import _polygamma_kernel as by_order

    return by_order(F, F.full_like(v, float(n)), v)


def _erfc_log_solve(F: Any, t: Any) -> Any:
    """x > 0 with erfc(x) = t for 0 < t <= 1/2: Newton on log erfc (nearly quadratic in x) from the asymptotic
    guess x^2 = w - log(sqrt(pi) x), w = -log t."""
    w = -F.log(t)
    x = F.sqrt(w)
    for _ in range(2):
        x = F.sqrt(F.maximum(w - F.log(1.7724538509055159 * F.maximum(x, 0.5)), 0.05))
    lt = F.log(t)
    for _ in range(6):
        e = _erfc_kernel(F, x)
        # d/dx log erfc(x) = -2/sqrt(pi) exp(-x^2) / erfc(x)
        dl = -_TWO_OVER_SQRT_PI * F.exp(-(x * x)) / e
        x = x - (F.log(e) - lt) / dl
    return x


def _erf_solve(F: Any, y: Any) -> Any:
    """x with erf(x) = y for |y| <= 1/2: Halley's method from the Taylor guess."""
    y2 = y * y
    x = y * 0.886226925452758 * (1.0 + y2 * (0.2617993877991494 + y2 * 0.14393173084921979))
    for _ in range(3):
        f = _erf_kernel(F, x) - y
        u = f / (_TWO_OVER_SQRT_PI * F.exp(-(x * x)))
        x = x - u / (1.0 + x * u)
    return x


def _inverse_erf(F: Any, mid: Any, tail: Any, sign: Any) -> Any:
    """The solution x of erf(x) = mid where ``mid`` is finite (|mid| <= 1/2), else sign * (x with erfc(x) = tail)
    (0 < tail <= 1/2); tail == 0 gives sign * inf."""
    out = F.full_like(tail, _NAN)
    m = ~F.isnan(mid)
    _fill(F, out, m, mid, _erf_solve)
    t = ~m & (tail > 0) & (tail <= 0.5)
    if t.any():
        out[t] = sign[t] * _erfc_log_solve(F, tail[t])
    z = ~m & (tail == 0)
    out[z] = sign[z] * _INF
    return out


def _erfinv_kernel(F: Any, y: Any) -> Any:
    a = F.abs(y)
    mid = F.where(a <= 0.5, y, _NAN)
    tail = F.where((a > 0.5) & (a <= 1.0), 1.0 - a, _NAN)  # exact (Sterbenz)
    return _inverse_erf(F, mid, tail, F.sign(y))


def _ndtri_kernel(F: Any, p: Any) -> Any:
    # ndtri(p) = sqrt(2) erfinv(2p - 1): 2p - 1 exact on [1/4, 3/4]; tails via erfc(x) = 2p or 2(1 - p) (exact)
    mid = F.where((p >= 0.25) & (p <= 0.75), 2.0 * p - 1.0, _NAN)
    lo = p < 0.25
    tail = F.where(lo & (p >= 0), 2.0 * p, F.where((p > 0.75) & (p <= 1.0), 2.0 * (1.0 - p), _NAN))
    return _SQRT2 * _inverse_erf(F, mid, tail, F.where(lo, -1.0, 1.0))


def _erfcinv_kernel(F: Any, z: Any) -> Any:
    # erfcinv(z) = erfinv(1 - z): 1 - z exact on [1/2, 3/2]; tails solve erfc(x) = z or erfc(x) = 2 - z (exact)
    mid = F.where((z >= 0.5) & (z <= 1.5), 1.0 - z, _NAN)
    lo = z < 0.5
    tail = F.where(lo & (z >= 0), z, F.where((z > 1.5) & (z <= 2.0), 2.0 - z, _NAN))
    return _inverse_erf(F, mid, tail, F.where(lo, 1.0, -1.0))


def _digamma_of(F: Any, x: Any) -> Any:
    """digamma on the rule's backend: the recorded op under an outer tape, raw numerics otherwise."""
    if F.is_diff:
        return apply1(DIGAMMA, x)
    return _special(F, x, _digamma_kernel)


def _polygamma_of(F: Any, n: int, x: Any) -> Any:
    if F.is_diff:
        return apply1(POLYGAMMA, x, {"n": n})
    return _special(F, x, _polygamma_kernel, n)


# -- special functions -----------------------------------------------------------------------------------------------

erf = _unary(
    "erf", lambda F, x: _special(F, x, _erf_kernel), lambda F, x, y: _TWO_OVER_SQRT_PI * F.exp(-(x * x)), kinds="f",
    doc="""The error function ``2/sqrt(pi) * integral_0^x exp(-t**2) dt``. Gradient ``2/sqrt(pi) * exp(-x**2)``.

    Accurate to about 1e-16 (relative) in float64. ``erf(±inf) = ±1`` (TF 2.21 returns nan there).

    >>> import tapegrad as tf
    >>> tf.math.erf(tf.constant([0.0, 1.0, -2.0], tf.float64)).numpy().round(6).tolist()
    [0.0, 0.842701, -0.995322]
    """,
    test=spec(lambda tf, x: tf.math.erf(x), lambda rng: (rng.normal(size=(3, 4)) * 1.5,),
              ref=lambda x: _scipy().erf(x), rtol=1e-13, atol=1e-15))

erfc = _unary(
    "erfc", lambda F, x: _special(F, x, _erfc_kernel), lambda F, x, y: -_TWO_OVER_SQRT_PI * F.exp(-(x * x)),
    kinds="f",
    doc="""The complementary error function ``1 - erf(x)``, accurate (relative) in the far tail too.

    >>> import tapegrad as tf
    >>> print(f"{float(tf.math.erfc(tf.constant(10.0, tf.float64))):.10e}")
    2.0884875838e-45
    """,
    test=spec(lambda tf, x: tf.math.erfc(x), lambda rng: (rng.normal(size=(3, 4)) * 2,),
              ref=lambda x: _scipy().erfc(x), rtol=1e-13, atol=1e-15))

lgamma = _unary(
    "lgamma", lambda F, x: _special(F, x, _lgamma_kernel), lambda F, x, y: _digamma_of(F, x), kinds="f",
    doc="""``log|Gamma(x)|`` (inf at 0 and the negative integers). Gradient ``digamma(x)``.

    >>> import tapegrad as tf
    >>> tf.math.lgamma(tf.constant([0.5, 1.0, 5.0, -0.5], tf.float64)).numpy().round(6).tolist()
    [0.572365, 0.0, 3.178054, 1.265512]
    """,
    test=[spec(lambda tf, x: tf.math.lgamma(x), uniform(0.2, 12.0, (3, 4)), ref=lambda x: _scipy().gammaln(x),
               rtol=1e-13, atol=1e-15, name="positive"),
          spec(lambda tf, x: tf.math.lgamma(x), uniform(-2.9, -2.1, (5,)), ref=lambda x: _scipy().gammaln(x),
               rtol=1e-12, atol=1e-14, name="negative")])

digamma = _unary(
    "digamma", lambda F, x: _special(F, x, _digamma_kernel), lambda F, x, y: _polygamma_of(F, 1, x), kinds="f",
    doc="""``psi(x) = d/dx lgamma(x)`` (nan at 0 and the negative integers, as TF). Gradient ``polygamma(1, x)``.

    >>> import tapegrad as tf
    >>> tf.math.digamma(tf.constant([1.0, 2.0, -0.5], tf.float64)).numpy().round(6).tolist()
    [-0.577216, 0.422784, 0.03649]
    """,
    test=[spec(lambda tf, x: tf.math.digamma(x), uniform(0.2, 12.0, (3, 4)), ref=lambda x: _scipy().digamma(x),
               rtol=1e-13, atol=1e-15, name="positive"),
          spec(lambda tf, x: tf.math.digamma(x), uniform(-2.9, -2.1, (5,)), ref=lambda x: _scipy().digamma(x),
               rtol=1e-12, atol=1e-14, name="negative")])


def _polygamma_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g * _polygamma_of(F, p["n"] + 1, ins[0]),)


def _polygamma_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0] * _polygamma_of(F, p["n"] + 1, ins[0])


def _polygamma_ref(n: int) -> Any:
    return lambda x: _scipy().polygamma(n, x)


POLYGAMMA = defop(
    "polygamma_int", lambda F, x, n: _special(F, x, _polygamma_kernel, n), _polygamma_vjp, _polygamma_jvp,
    internal=True, test=[
        spec(lambda tf, x: polygamma_int(1, x), uniform(0.2, 12.0, (3, 4)), ref=_polygamma_ref(1), tf=False,
             rtol=1e-12, atol=1e-14, name="trigamma"),
        spec(lambda tf, x: polygamma_int(2, x), uniform(-2.9, -2.1, (5,)), ref=_polygamma_ref(2), tf=False,
             rtol=1e-11, atol=1e-13, name="n2-negative"),
    ])


def polygamma_int(n: int, x: Any) -> Tensor:
    """``polygamma(n, x)``, the n-th derivative of digamma, for a Python int ``n >= 1`` (internal op: the
    gradient of ``digamma``; differentiable in ``x`` to any order).

    >>> from tapegrad.ops.special_functions import polygamma_int
    >>> import tapegrad as tf
    >>> f"{float(polygamma_int(1, tf.constant(1.0, tf.float64))):.6f}"  # pi**2 / 6
    '1.644934'
    """
    if int(n) != n or n < 1:
        raise InvalidArgumentError(f"polygamma: the order n must be an integer >= 1, got {n!r}.")
    return apply1(POLYGAMMA, _unary_in(x, "f", "polygamma"), {"n": int(n)})

# -- inverses of the error function (declared with the shared special-function helpers) -----------------------------

from ._special_common import F32_64, declare_unary  # noqa: E402  (it imports the kernels above)

_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _exp_sq(F: Any, y: Any, scale: float, half: bool) -> Any:
    """``scale * exp(y**2)`` (``exp(y**2 / 2)`` with ``half``): the derivative of an inverse from its output."""
    sq = y * y
    return scale * F.exp(sq * 0.5 if half else sq)


ERFINV, _erfinv = declare_unary(
    "erfinv", _erfinv_kernel, lambda F, x, y: _exp_sq(F, y, _HALF_SQRT_PI, False), kernels=F32_64, save_out=True,
    tf_name="Erfinv", test=spec(lambda tf, x: tf.math.erfinv(x), uniform(-0.99, 0.99, (3, 4)),
                                ref=lambda x: _scipy().erfinv(x), rtol=1e-13, atol=1e-15))
NDTRI, _ndtri = declare_unary(
    "ndtri", _ndtri_kernel, lambda F, x, y: _exp_sq(F, y, _SQRT_2PI, True), kernels=F32_64, save_out=True,
    tf_name="Ndtri", test=spec(lambda tf, x: tf.math.ndtri(x), uniform(0.01, 0.99, (3, 4)),
                               ref=lambda x: _scipy().ndtri(x), rtol=1e-13, atol=1e-15))
ERFCINV, _erfcinv = declare_unary(
    "erfcinv", _erfcinv_kernel, lambda F, x, y: _exp_sq(F, y, -_HALF_SQRT_PI, False), kernels=F32_64,
    save_out=True, test=spec(lambda tf, x: tf.math.erfcinv(x), uniform(0.02, 1.98, (3, 4)),
                             ref=lambda x: _scipy().erfcinv(x), rtol=1e-13, atol=1e-15))


def erfinv(x: Any, name: str | None = None) -> Tensor:
    """The inverse error function: ``erf(erfinv(y)) = y`` on ``[-1, 1]`` (``±inf`` at ``±1``, nan outside), float32 or
    float64. Gradient as TF: ``sqrt(pi)/2 * exp(erfinv(y)**2)``.

    >>> import tapegrad as tf
    >>> tf.math.erfinv(tf.constant([0.0, 0.5, -0.9], tf.float64)).numpy().round(6).tolist()
    [0.0, 0.476936, -1.163087]
    """
    return _erfinv(x)


def ndtri(x: Any, name: str | None = None) -> Tensor:
    """The inverse of the standard normal CDF (the probit function): ``sqrt(2) * erfinv(2p - 1)``, accurate in both
    tails (``-inf`` at 0, ``inf`` at 1, nan outside ``[0, 1]``). Gradient as TF: ``sqrt(2 pi) exp(ndtri(p)**2 / 2)``.

    >>> import tapegrad as tf
    >>> tf.math.ndtri(tf.constant([0.5, 0.975, 1e-10], tf.float64)).numpy().round(6).tolist()
    [0.0, 1.959964, -6.361341]
    """
    return _ndtri(x)


def erfcinv(x: Any, name: str | None = None) -> Tensor:
    """The inverse complementary error function: ``erfc(erfcinv(z)) = z`` on ``[0, 2]`` (``inf`` at 0, ``-inf`` at 2,
    nan outside), accurate for tiny ``z``. Gradient ``-sqrt(pi)/2 * exp(erfcinv(z)**2)`` (TF's composition through
    ``ndtri`` has the same value).

    >>> import tapegrad as tf
    >>> tf.math.erfcinv(tf.constant([1.0, 1e-20], tf.float64)).numpy().round(6).tolist()
    [0.0, 6.601581]
    """
    return _erfcinv(x)


# The public functions built by _elementwise._unary are closures made in _dispatch: they are named as this
# module's (so that doctest finds their examples here). Their OpDefs keep their names.
_FAST = (erf, erfc, lgamma, digamma,)
for _fn in _FAST:
    _fn.__module__ = __name__
(ERF, ERFC, LGAMMA, DIGAMMA) = (OPS[_fn.__name__] for _fn in _FAST)
del _fn


EXPORTS: dict[str, list[str]] = {
    "math": [
        "digamma", "erf", "erfc", "erfcinv", "erfinv", "lgamma", "ndtri",
    ],
}
