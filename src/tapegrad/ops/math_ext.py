"""More elementwise math: trigonometric/hyperbolic inverses, special functions, "no-nan" arithmetic, clipping.

Gradient conventions follow TensorFlow 2.21 (reference §6, §7): complex rules return ``upstream * conj(f'(z))``;
``rsqrt`` and ``reciprocal`` return 0 where the upstream is 0 (TF's fused gradient kernels), ``log1p``/``acos``/…
do not; ``divide_no_nan``/``xlogy``/``xdivy`` give zero gradients where their forward is defined to be 0;
``round``/``ceil``/``floor``/``is_*`` are not differentiable (gradient ``None``).

The special functions (``erf``, ``erfc``, ``lgamma``, ``digamma`` and the polygamma functions behind their
gradients) are computed with NumPy only, in float64 whatever the input precision (the result is cast back):

* ``erf``/``erfc``: W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), three ranges;
* ``lgamma``: a power series of ``lgamma(2 + t)`` for ``|t| <= 1/2`` (coefficients ``(-1)^k (zeta(k) - 1)/k``),
  downward recurrence below 10, Stirling's series above, reflection for negative arguments;
* ``digamma``: upward recurrence to 10 plus the asymptotic series, a Taylor series around its positive root
  (1.4616…) so that values there keep full relative accuracy, reflection ``psi(1-x) - pi cot(pi x)`` below 0;
* ``polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x)`` with the Hurwitz zeta function by Euler–Maclaurin summation,
  and the reflection formula (derivatives of ``pi cot(pi x)``) for negative ``x``. It is an internal op with its
  own gradient ``polygamma(n+1, x)``, so ``lgamma`` and ``digamma`` are differentiable to any order.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from .._dispatch import apply1, apply2, applyn
from .._registry import OPS, defop, normal, spec, uniform
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from ._common import cj, dtype_of, pair, to_tensor
from .core import cast, identity
from .math_ops import _shape_error, _tsum, _unary

# -- helpers ---------------------------------------------------------------------------------------------------------

_KINDS_TEXT = {
    "f": "floating-point (float16, float32 or float64)",
    "fc": "floating-point or complex",
    "fiu": "real (floating-point or integer)",
    "fci": "numeric (floating-point, complex or signed integer)",
    "fciu": "numeric",
    "fcV": "floating-point or complex",
    "fciV": "numeric (floating-point, complex or signed integer)",
    "fciuV": "numeric",
}


def _need(x: Any, kinds: str, op: str) -> None:
    """Raise InvalidArgumentError unless ``x``'s dtype kind is one of ``kinds`` (NumPy kind letters)."""
    kind = x._value.dtype.kind
    if kind not in kinds and not (kind == "V" and "f" in kinds):  # 'V': bfloat16, a float
        raise InvalidArgumentError(
            f"{op}: expected a {_KINDS_TEXT[kinds]} tensor, got dtype {x.dtype.name} (shape "
            f"{tuple(x._value.shape)}). Cast it first, e.g. tapegrad.cast(x, tapegrad.float32)."
        )


def _unary_in(x: Any, kinds: str, op: str) -> Any:
    x = to_tensor(x)
    if x._value.dtype.kind not in kinds:
        _need(x, kinds, op)
    return x


def _binary(opdef: Any, x: Any, y: Any, kinds: str, name: str) -> Tensor:
    """Convert (Python scalars adopt the tensor's dtype; tensors must agree), check the dtype kind, run."""
    a, b = pair(x, y, name)
    if a._value.dtype.kind not in kinds:
        _need(a, kinds, name)
    try:
        return apply2(opdef, a, b)
    except ValueError as exc:
        raise _shape_error(name, a, b, exc) from None


def _scipy() -> Any:
    """scipy.special, for test references only (SciPy is a test dependency, never a runtime one)."""
    import scipy.special

    return scipy.special


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


def _zeta_tail(F: Any, w: Any, s: int) -> Any:
    """Euler–Maclaurin remainder sum_{k>=0} (w + k)^(-s) for w >= 10 + 2(s - 1) (s >= 2 integer)."""
    coeffs = []
    rising = s  # s (s+1) … (s + 2j - 2), an exact Python int
    for j, e in enumerate(_EM, start=1):
        coeffs.append(e * float(rising))
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    iw = 1.0 / w
    return w ** (1 - s) / (s - 1) + w ** (-s) * (0.5 + _horner(iw * iw, coeffs) * iw)


def _polygamma_pos(F: Any, x: Any, n: int) -> Any:
    """polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x) for x > 0, n >= 1 (float64 vector; +inf gives 0)."""
    s = n + 1
    lim = 10.0 + 2 * n
    acc = F.zeros_like(x)
    y = x
    for _ in range(int(lim) + 1):
        m = y < lim
        if not m.any():
            break
        acc = acc + F.where(m, y ** (-s), 0.0)
        y = F.where(m, y + 1.0, y)
    sign = 1.0 if n % 2 else -1.0
    return (sign * math.factorial(n)) * (acc + _zeta_tail(F, y, s))


@cache
def _cot_poly(n: int) -> tuple[int, ...]:
    """Coefficients (by power of c) of P_n with d^n/dx^n [pi cot(pi x)] = pi^(n+1) P_n(cot(pi x))."""
    p = [0, 1]
    for _ in range(n):
        d = [i * p[i] for i in range(1, len(p))]
        q = [0] * (len(d) + 2)
        for i, a in enumerate(d):  # P_{k+1} = -(1 + c^2) P_k'
            q[i] -= a
            q[i + 2] -= a
        p = q
    return tuple(p)


def _polygamma_kernel(F: Any, v: Any, n: int) -> Any:
    out = F.full_like(v, _NAN)
    _fill(F, out, v > 0, v, _polygamma_pos, n)
    _fill(F, out, v <= 0, v, _polygamma_neg, n)
    return out


def _polygamma_neg(F: Any, x: Any, n: int) -> Any:
    r = _sinpi_reduced(F, x)
    c = F.cos(_PI * r) / F.sin(_PI * r)
    # reflection, differentiated n times: psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))
    val = (1.0 if n % 2 == 0 else -1.0) * _polygamma_pos(F, 1.0 - x, n) - _PI ** (n + 1) * _horner(
        c, [float(k) for k in _cot_poly(n)])
    return F.where((r == 0) | F.isinf(x), _INF if n % 2 else -_INF, val)  # poles; -inf as TF


def _digamma_of(F: Any, x: Any) -> Any:
    """digamma on the rule's backend: the recorded op under an outer tape, raw numerics otherwise."""
    if F.is_diff:
        return apply1(DIGAMMA, x)
    return _special(F, x, _digamma_kernel)


def _polygamma_of(F: Any, n: int, x: Any) -> Any:
    if F.is_diff:
        return apply1(POLYGAMMA, x, {"n": n})
    return _special(F, x, _polygamma_kernel, n)


# -- trigonometric and hyperbolic ------------------------------------------------------------------------------------
# Each elementwise unary op is one math_ops._unary declaration, which also builds its public function on the one-frame
# fast path (_dispatch.make_unary). Rules of the form g * conj(f'(x, y)) and t * f'(x, y) are declared by f' alone;
# the others pass their own vjp/jvp, kept term for term (TF divides where they divide; rsqrt and reciprocal guard a
# zero upstream, acos, log1p and acosh do not).


def _sec2(F: Any, x: Any) -> Any:
    c = F.cos(x)
    return 1 / (c * c)


def _isqrt1mx2(F: Any, x: Any) -> Any:
    return 1 / F.sqrt(1 - x * x)


tan = _unary(
    "tan", lambda F, x: F.tan(x), lambda F, x, y: _sec2(F, x),
    doc="""Tangent, elementwise (float or complex). Gradient ``1 / cos(x)**2``.

    >>> import tapegrad as tf
    >>> tf.math.tan(tf.constant([0.0, 1.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 1.5574]
    """,
    test=spec(lambda tf, x: tf.math.tan(x), uniform(-1.2, 1.2, (3, 4)), ref=np.tan, complex=True))


def _acos_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (-g * cj(F, _isqrt1mx2(F, ins[0])),)  # no zero-upstream guard: 0 * inf = nan at ±1 (as TF)


def _acos_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return -ts[0] * _isqrt1mx2(F, ins[0])


acos = _unary(
    "acos", lambda F, x: F.arccos(x), None, vjp=_acos_vjp, jvp=_acos_jvp,
    doc="""Inverse cosine, elementwise (nan outside [-1, 1] for real input). Gradient ``-1 / sqrt(1 - x**2)``.

    >>> import tapegrad as tf
    >>> tf.math.acos(tf.constant([1.0, 0.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 1.5708]
    """,
    test=spec(lambda tf, x: tf.math.acos(x), uniform(-0.9, 0.9, (3, 4)), ref=np.arccos, complex=True))

asin = _unary(
    "asin", lambda F, x: F.arcsin(x), lambda F, x, y: _isqrt1mx2(F, x),
    doc="""Inverse sine, elementwise (nan outside [-1, 1] for real input). Gradient ``1 / sqrt(1 - x**2)``.

    >>> import tapegrad as tf
    >>> tf.math.asin(tf.constant([0.0, 1.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 1.5708]
    """,
    test=spec(lambda tf, x: tf.math.asin(x), uniform(-0.9, 0.9, (3, 4)), ref=np.arcsin, complex=True))


def _atan_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    return (g * cj(F, 1 / (1 + x * x)),)


def _atan_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    return ts[0] / (1 + x * x)


atan = _unary(
    "atan", lambda F, x: F.arctan(x), None, vjp=_atan_vjp, jvp=_atan_jvp,
    doc="""Inverse tangent, elementwise. Gradient ``1 / (1 + x**2)``.

    >>> import tapegrad as tf
    >>> tf.math.atan(tf.constant([0.0, 1.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 0.7854]
    """,
    test=spec(lambda tf, x: tf.math.atan(x), normal((3, 4)), ref=np.arctan, complex=True))

sinh = _unary(
    "sinh", lambda F, x: F.sinh(x), lambda F, x, y: F.cosh(x),
    doc="""Hyperbolic sine, elementwise. Gradient ``cosh(x)``.

    >>> import tapegrad as tf
    >>> tf.math.sinh(tf.constant([0.0, 1.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 1.1752]
    """,
    test=spec(lambda tf, x: tf.math.sinh(x), normal((3, 4)), ref=np.sinh, complex=True))

cosh = _unary(
    "cosh", lambda F, x: F.cosh(x), lambda F, x, y: F.sinh(x),
    doc="""Hyperbolic cosine, elementwise. Gradient ``sinh(x)``.

    >>> import tapegrad as tf
    >>> tf.math.cosh(tf.constant([0.0, 1.0], tf.float64)).numpy().round(4).tolist()
    [1.0, 1.5431]
    """,
    test=spec(lambda tf, x: tf.math.cosh(x), normal((3, 4)), ref=np.cosh, complex=True))


def _asinh_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g / cj(F, F.cosh(out)),)  # TF: grad / conj(cosh(y))


def _asinh_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0] / F.cosh(out)


asinh = _unary(
    "asinh", lambda F, x: F.arcsinh(x), None, vjp=_asinh_vjp, jvp=_asinh_jvp, save_out=True, save_in=False,
    doc="""Inverse hyperbolic sine, elementwise. Gradient ``1 / cosh(asinh(x)) = 1 / sqrt(1 + x**2)``.

    >>> import tapegrad as tf
    >>> tf.math.asinh(tf.constant([0.0, 1.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 0.8814]
    """,
    test=spec(lambda tf, x: tf.math.asinh(x), normal((3, 4)), ref=np.arcsinh, complex=True))


def _acosh_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g / cj(F, F.sinh(out)),)  # TF: grad / conj(sinh(y)); inf at 1, nan there for a zero upstream


def _acosh_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0] / F.sinh(out)


acosh = _unary(
    "acosh", lambda F, x: F.arccosh(x), None, vjp=_acosh_vjp, jvp=_acosh_jvp, save_out=True, save_in=False,
    doc="""Inverse hyperbolic cosine, elementwise (nan below 1 for real input). Gradient ``1 / sinh(acosh(x))``.

    >>> import tapegrad as tf
    >>> tf.math.acosh(tf.constant([1.0, 2.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 1.317]
    """,
    test=spec(lambda tf, x: tf.math.acosh(x), uniform(1.2, 3.0, (3, 4)), ref=np.arccosh, complex=True))


def _atanh_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    return (g * cj(F, 1 / (1 - x * x)),)


def _atanh_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    return ts[0] / (1 - x * x)


atanh = _unary(
    "atanh", lambda F, x: F.arctanh(x), None, vjp=_atanh_vjp, jvp=_atanh_jvp,
    doc="""Inverse hyperbolic tangent, elementwise (±inf at ±1, nan beyond). Gradient ``1 / (1 - x**2)``.

    >>> import tapegrad as tf
    >>> tf.math.atanh(tf.constant([0.0, 0.5], tf.float64)).numpy().round(4).tolist()
    [0.0, 0.5493]
    """,
    test=spec(lambda tf, x: tf.math.atanh(x), uniform(-0.8, 0.8, (3, 4)), ref=np.arctanh, complex=True))


def _atan2_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    y, x = ins
    gi = g / (x * x + y * y)  # (0, 0) gives nan, nan (as TF)
    return (gi * x if needs[0] else None, -gi * y if needs[1] else None)


def _atan2_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    y, x = ins
    num = _tsum((None if ts[0] is None else ts[0] * x, None if ts[1] is None else -ts[1] * y))
    return None if num is None else num / (x * x + y * y)


ATAN2 = defop("atan2", lambda F, y, x: F.arctan2(y, x), _atan2_vjp, _atan2_jvp,
              test=spec(lambda tf, y, x: tf.math.atan2(y, x), normal((3, 4), (4,)), ref=np.arctan2))


def atan2(y: Any, x: Any, name: str | None = None) -> Tensor:
    """The angle of the point ``(x, y)``: ``atan(y / x)`` with the quadrant from the signs, in ``[-pi, pi]``.

    Note the argument order ``(y, x)``, as in TF and NumPy. The gradient at ``(0, 0)`` is nan.

    >>> import tapegrad as tf
    >>> y, x = tf.constant([1.0, 0.0], tf.float64), tf.constant([0.0, -1.0], tf.float64)
    >>> tf.math.atan2(y, x).numpy().round(4).tolist()
    [1.5708, 3.1416]
    """
    return _binary(ATAN2, y, x, "f", "atan2")


# -- exponentials, logarithms and reciprocals ------------------------------------------------------------------------

expm1 = _unary(
    "expm1", lambda F, x: F.expm1(x), lambda F, x, y: F.exp(x),
    doc="""``exp(x) - 1``, accurate for small ``x``. Gradient ``exp(x)``.

    >>> import tapegrad as tf
    >>> print(f"{float(tf.math.expm1(tf.constant(1e-10, tf.float64))):.11e}")
    1.00000000005e-10
    """,
    test=spec(lambda tf, x: tf.math.expm1(x), normal((3, 4)), ref=np.expm1, complex=True))


def _log1p_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g / cj(F, 1 + ins[0]),)  # no zero-upstream guard: nan at -1 for a zero upstream (as TF)


def _log1p_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0] / (1 + ins[0])


log1p = _unary(
    "log1p", lambda F, x: F.log1p(x), None, vjp=_log1p_vjp, jvp=_log1p_jvp,
    doc="""``log(1 + x)``, accurate for small ``x`` (``-inf`` at -1). Gradient ``1 / (1 + x)``.

    >>> import tapegrad as tf
    >>> print(f"{float(tf.math.log1p(tf.constant(1e-10, tf.float64))):.10e}")
    9.9999999995e-11
    """,
    test=spec(lambda tf, x: tf.math.log1p(x), uniform(-0.5, 2.0, (3, 4)), ref=np.log1p, complex=True))


def _reciprocal_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # TF's ReciprocalGrad special-cases a zero upstream: 0 even where the derivative is infinite (reference §6)
    return (F.where(g == 0, F.zeros_like(g), -g * cj(F, out * out)),)


def _reciprocal_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return -ts[0] * (out * out)


reciprocal = _unary(
    "reciprocal", lambda F, x: F.reciprocal(x), None, vjp=_reciprocal_vjp, jvp=_reciprocal_jvp, save_out=True,
    save_in=False,
    doc="""``1 / x`` elementwise (inf at 0). Gradient ``-1 / x**2``; 0 wherever the upstream gradient is 0 (TF).

    >>> import tapegrad as tf
    >>> tf.math.reciprocal(tf.constant([2.0, 0.0])).numpy().tolist()
    [0.5, inf]
    """,
    test=spec(lambda tf, x: tf.math.reciprocal(x),
              lambda rng: (rng.uniform(0.5, 2, (3, 4)) * rng.choice([-1, 1], (3, 4)),),
              ref=lambda x: 1 / x, complex=True))


def _rsqrt_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # TF's RsqrtGrad: -0.5 * upstream * conj(y)**3, and 0 where the upstream is 0 (reference §6)
    y = cj(F, out)
    return (F.where(g == 0, F.zeros_like(g), (-0.5 * g) * (y * y * y)),)


def _rsqrt_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return (-0.5 * ts[0]) * (out * out * out)


rsqrt = _unary(
    "rsqrt", lambda F, x: 1 / F.sqrt(x), None, vjp=_rsqrt_vjp, jvp=_rsqrt_jvp, save_out=True, save_in=False,
    doc="""``1 / sqrt(x)`` elementwise. Gradient ``-0.5 * x**-1.5``; 0 wherever the upstream gradient is 0 (TF).

    >>> import tapegrad as tf
    >>> tf.math.rsqrt(tf.constant([4.0, 0.25])).numpy().tolist()
    [0.5, 2.0]
    """,
    test=spec(lambda tf, x: tf.math.rsqrt(x), uniform(0.5, 2.0, (3, 4)), ref=lambda x: 1 / np.sqrt(x),
              complex=True))


def _safe_nonzero(F: Any, x: Any) -> tuple[Any, Any]:
    """(x == 0, x with its zeros replaced by 1): the "double where" that keeps inf/nan out of both branches."""
    z = x == 0
    return z, F.where(z, F.ones_like(x), x)


def _recip_no_nan_fwd(F: Any, x: Any) -> Any:
    z, xs = _safe_nonzero(F, x)
    return F.where(z, F.zeros_like(x), 1 / xs)


def _recip_no_nan_d(F: Any, x: Any, y: Any) -> Any:
    # TF: grad * div_no_nan(div_no_nan(-1, y), y): 0 where x == 0
    z, xs = _safe_nonzero(F, x)
    return F.where(z, F.zeros_like(x), -1 / (xs * xs))


reciprocal_no_nan = _unary(
    "reciprocal_no_nan", _recip_no_nan_fwd, _recip_no_nan_d,
    doc="""``1 / x``, but 0 where ``x == 0``; the gradient is 0 there too.

    >>> import tapegrad as tf
    >>> tf.math.reciprocal_no_nan(tf.constant([2.0, 0.0])).numpy().tolist()
    [0.5, 0.0]
    """,
    test=spec(lambda tf, x: tf.math.reciprocal_no_nan(x),
              lambda rng: (rng.uniform(0.5, 2, (3, 4)) * rng.choice([-1, 1], (3, 4)),),
              ref=lambda x: 1 / x, complex=True))


# -- softplus / log_sigmoid --------------------------------------------------------------------------------------------


def _sigmoid(F: Any, x: Any) -> Any:
    """Logistic function without overflow (both branches of the where are finite; smooth under an outer tape)."""
    pos = x >= 0
    e = F.exp(F.where(pos, -x, x))  # exp(-|x|)
    return F.where(pos, 1 / (1 + e), e / (1 + e))


def _softplus_fwd(F: Any, x: Any) -> Any:
    return F.maximum(x, 0) + F.log1p(F.exp(-F.abs(x)))


_softplus = _unary(
    "softplus", _softplus_fwd, lambda F, x, y: _sigmoid(F, x), kinds="f",
    doc="``log(1 + exp(x))``, computed without overflow.",
    test=spec(lambda tf, x: tf.math.softplus(x), lambda rng: (rng.normal(size=(3, 4)) * 3,),
              ref=lambda x: np.logaddexp(0, x)))


def softplus(features: Any, name: str | None = None) -> Tensor:
    """``log(1 + exp(x))``, computed without overflow. Gradient ``sigmoid(x)``.

    >>> import tapegrad as tf
    >>> tf.math.softplus(tf.constant([-1000.0, 0.0, 1000.0], tf.float64)).numpy().round(4).tolist()
    [0.0, 0.6931, 1000.0]
    """
    return _softplus(features)  # TF names the argument ``features``: not the fast path's ``x``


def _log_sigmoid_fwd(F: Any, x: Any) -> Any:
    return F.minimum(x, 0) - F.log1p(F.exp(-F.abs(x)))  # -softplus(-x)


log_sigmoid = _unary(
    "log_sigmoid", _log_sigmoid_fwd, lambda F, x, y: _sigmoid(F, -x), kinds="f",
    doc="""``log(sigmoid(x)) = -softplus(-x)``, computed without overflow. Gradient ``sigmoid(-x)``.

    >>> import tapegrad as tf
    >>> tf.math.log_sigmoid(tf.constant([-1000.0, 0.0, 1000.0], tf.float64)).numpy().round(4).tolist()
    [-1000.0, -0.6931, 0.0]
    """,
    test=spec(lambda tf, x: tf.math.log_sigmoid(x), lambda rng: (rng.normal(size=(3, 4)) * 3,),
              ref=lambda x: -np.logaddexp(0, -x)))


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

    >>> from tapegrad.ops.math_ext import polygamma_int
    >>> import tapegrad as tf
    >>> f"{float(polygamma_int(1, tf.constant(1.0, tf.float64))):.6f}"  # pi**2 / 6
    '1.644934'
    """
    if int(n) != n or n < 1:
        raise InvalidArgumentError(f"polygamma: the order n must be an integer >= 1, got {n!r}.")
    return apply1(POLYGAMMA, _unary_in(x, "f", "polygamma"), {"n": int(n)})



# -- rounding and classification (not differentiable) ---------------------------------------------------------------

ROUND = defop("round", lambda F, x: F.round(x), None,
              test=spec(lambda tf, x: tf.round(x), lambda rng: (np.round(rng.normal(size=(8,)) * 4) / 2,),
                        ref=np.round))


def round(x: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """Round half to even, elementwise (``0.5 -> 0``, ``1.5 -> 2``); integers pass through. Gradient ``None``.

    >>> import tapegrad as tf
    >>> tf.round(tf.constant([0.5, 1.5, 2.5, -0.7])).numpy().tolist()
    [0.0, 2.0, 2.0, -1.0]
    """
    x = _unary_in(x, "fiu", "round")
    if x._value.dtype.kind in "iu":
        return x if type(x) is Tensor else identity(x)
    return apply1(ROUND, x)


ceil = _unary(
    "ceil", lambda F, x: F.ceil(x), None, kinds="f",
    doc="""Smallest integer not less than ``x``, elementwise (float dtypes). Gradient ``None``.

    >>> import tapegrad as tf
    >>> tf.math.ceil(tf.constant([-1.5, 0.2])).numpy().tolist()
    [-1.0, 1.0]
    """,
    test=spec(lambda tf, x: tf.math.ceil(x), normal((3, 4)), ref=np.ceil))

# Registered here first (ops/_diffns.py, imported lazily, reuses this "floor" for floormod's rule).
floor = _unary(
    "floor", lambda F, x: F.floor(x), None, kinds="f",
    doc="""Largest integer not greater than ``x``, elementwise (float dtypes). Gradient ``None``.

    >>> import tapegrad as tf
    >>> tf.floor(tf.constant([-1.5, 0.2])).numpy().tolist()
    [-2.0, 0.0]
    """,
    test=spec(lambda tf, x: tf.math.floor(x), normal((3, 4)), ref=np.floor))

is_nan = _unary(
    "is_nan", lambda F, x: F.isnan(x), None, kinds="f",
    doc="""Elementwise ``x != x`` (bool), for float tensors.

    >>> import tapegrad as tf
    >>> tf.math.is_nan(tf.constant([1.0, float("nan")])).numpy().tolist()
    [False, True]
    """,
    test=spec(lambda tf, x: tf.math.is_nan(x), lambda rng: (np.array([0.0, np.nan, np.inf, -1.0]),), ref=np.isnan))

is_inf = _unary(
    "is_inf", lambda F, x: F.isinf(x), None, kinds="f",
    doc="""Elementwise ``x == ±inf`` (bool), for float tensors.

    >>> import tapegrad as tf
    >>> tf.math.is_inf(tf.constant([1.0, float("-inf")])).numpy().tolist()
    [False, True]
    """,
    test=spec(lambda tf, x: tf.math.is_inf(x), lambda rng: (np.array([0.0, np.nan, np.inf, -np.inf]),),
              ref=np.isinf))

is_finite = _unary(
    "is_finite", lambda F, x: F.isfinite(x), None, kinds="f",
    doc="""Elementwise "neither inf nor nan" (bool), for float tensors.

    >>> import tapegrad as tf
    >>> tf.math.is_finite(tf.constant([1.0, float("inf"), float("nan")])).numpy().tolist()
    [True, False, False]
    """,
    test=spec(lambda tf, x: tf.math.is_finite(x), lambda rng: (np.array([0.0, np.nan, np.inf, -np.inf]),),
              ref=np.isfinite))

# The public functions built by math_ops._unary are closures made in _dispatch: they are named as this module's
# (as before, and so that doctest finds their examples here). Their OpDefs keep their names (nn_ext reads ERFC).
_FAST = (tan, acos, asin, atan, sinh, cosh, asinh, acosh, atanh, expm1, log1p, reciprocal, rsqrt, reciprocal_no_nan,
         log_sigmoid, erf, erfc, lgamma, digamma, ceil, floor, is_nan, is_inf, is_finite)
for _fn in _FAST:
    _fn.__module__ = __name__
(TAN, ACOS, ASIN, ATAN, SINH, COSH, ASINH, ACOSH, ATANH, EXPM1, LOG1P, RECIPROCAL, RSQRT, RECIPROCAL_NO_NAN,
 LOG_SIGMOID, ERF, ERFC, LGAMMA, DIGAMMA, CEIL, FLOOR, IS_NAN, IS_INF, IS_FINITE) = (OPS[_fn.__name__] for _fn in _FAST)
SOFTPLUS = OPS["softplus"]
del _fn


# -- binary "no nan" arithmetic ----------------------------------------------------------------------------------


def _div_no_nan_fwd(F: Any, x: Any, y: Any) -> Any:
    z, ys = _safe_nonzero(F, y)
    return F.where(z, F.zeros_like(x / ys), x / ys)


def _div_no_nan_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    z, ys = _safe_nonzero(F, y)
    zero = F.zeros_like(g)
    ycj = cj(F, ys)
    # TF: gx = div_no_nan(g, conj(y)), gy = g * div_no_nan(div_no_nan(-conj(x), conj(y)), conj(y))
    gx = F.where(z, zero, g / ycj) if needs[0] else None
    gy = g * F.where(z, zero, -cj(F, x) / (ycj * ycj)) if needs[1] else None
    return (gx, gy)


def _div_no_nan_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, y = ins
    z, ys = _safe_nonzero(F, y)
    t = _tsum((None if ts[0] is None else ts[0] / ys, None if ts[1] is None else -ts[1] * x / (ys * ys)))
    return None if t is None else F.where(z, F.zeros_like(t), t)


DIVIDE_NO_NAN = defop(
    "divide_no_nan", _div_no_nan_fwd, _div_no_nan_vjp, _div_no_nan_jvp,
    test=spec(lambda tf, x, y: tf.math.divide_no_nan(x, y),
              lambda rng: (rng.normal(size=(3, 4)), rng.uniform(0.5, 2, (4,)) * rng.choice([-1, 1], (4,))),
              ref=np.divide, complex=True))


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``, but 0 where ``y == 0`` (even for ``x`` inf or nan); both gradients are 0 there too.

    Integer inputs are converted to floating point first (int8/int16/uint8/uint16 → float32, wider → float64), as TF.

    >>> import tapegrad as tf
    >>> tf.math.divide_no_nan(tf.constant([3.0, 1.0]), tf.constant([2.0, 0.0])).numpy().tolist()
    [1.5, 0.0]
    """
    a, b = pair(x, y, "divide_no_nan")
    kind = a._value.dtype.kind
    if kind not in "fciuV":  # TF: TypeError for bool
        raise TypeError(
            f"divide_no_nan: expected a floating-point, complex or integer tensor, got dtype {a.dtype.name}."
        )
    if kind in "iu":
        target = np.float32 if a._value.dtype.itemsize <= 2 else np.float64
        a, b = cast(a, target), cast(b, target)
    return _binary(DIVIDE_NO_NAN, a, b, "fcV", "divide_no_nan")


def _mul_no_nan_fwd(F: Any, x: Any, y: Any) -> Any:
    p = x * y
    return F.where(y == 0, F.zeros_like(p), p)


def _mul_no_nan_of(F: Any, a: Any, b: Any) -> Any:
    """multiply_no_nan on the rule's backend (recorded under an outer tape, so second order matches TF's)."""
    if F.is_diff:
        return apply2(MULTIPLY_NO_NAN, a, b)
    return _mul_no_nan_fwd(F, a, b)


def _mul_no_nan_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    # TF: gx = mul_no_nan(g, y) (0 where y == 0), gy = mul_no_nan(x, g) (0 where g == 0); conj as for multiply
    gx = _mul_no_nan_of(F, g, cj(F, y)) if needs[0] else None
    gy = _mul_no_nan_of(F, cj(F, x), g) if needs[1] else None
    return (gx, gy)


def _mul_no_nan_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, y = ins
    tx = None
    if ts[0] is not None:
        t = ts[0] * y
        tx = F.where(y == 0, F.zeros_like(t), t)
    return _tsum((tx, None if ts[1] is None else ts[1] * x))


MULTIPLY_NO_NAN = defop(
    "multiply_no_nan", _mul_no_nan_fwd, _mul_no_nan_vjp, _mul_no_nan_jvp,
    test=spec(lambda tf, x, y: tf.math.multiply_no_nan(x, y), normal((3, 4), (4,)), ref=np.multiply, complex=True))


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * y``, but 0 where ``y == 0`` even if ``x`` is inf or nan (float or complex).

    Gradients as TF: ``d/dx`` is 0 where ``y == 0``; ``d/dy = upstream * x`` (0 where the upstream is 0). For complex
    inputs the gradients are conjugated like ``multiply``'s (TF 2.21 omits the conjugation for this op).

    >>> import tapegrad as tf
    >>> tf.math.multiply_no_nan(tf.constant([float("inf"), 2.0]), tf.constant([0.0, 3.0])).numpy().tolist()
    [0.0, 6.0]
    """
    return _binary(MULTIPLY_NO_NAN, x, y, "fcV", "multiply_no_nan")


def _xlogy_fwd(F: Any, x: Any, y: Any) -> Any:
    z = x == 0
    r = x * F.log(F.where(z, F.ones_like(y), y))
    return F.where(z, F.zeros_like(r), r)


def _xlogy_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    z = x == 0
    ys = F.where(z, F.ones_like(y), y)
    zero = F.zeros_like(g)
    # TF: gx = g * xlogy(x != 0, y), gy = g * xdivy(x, y): both 0 where x == 0
    gx = g * cj(F, F.where(z, zero, F.log(ys))) if needs[0] else None
    gy = g * cj(F, F.where(z, zero, x / ys)) if needs[1] else None
    return (gx, gy)


def _xlogy_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, y = ins
    z = x == 0
    ys = F.where(z, F.ones_like(y), y)
    t = _tsum((None if ts[0] is None else ts[0] * F.log(ys), None if ts[1] is None else ts[1] * x / ys))
    return None if t is None else F.where(z, F.zeros_like(t), t)


XLOGY = defop("xlogy", _xlogy_fwd, _xlogy_vjp, _xlogy_jvp,
              test=spec(lambda tf, x, y: tf.math.xlogy(x, y),
                        lambda rng: (rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, (4,))),
                        ref=lambda x, y: x * np.log(y), complex=True))


def xlogy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * log(y)``, but 0 where ``x == 0`` (whatever ``y``); both gradients are 0 there too.

    For complex inputs the gradients follow TF's ``upstream * conj(f')`` convention (TF 2.21 omits the
    conjugation for this op).

    >>> import tapegrad as tf
    >>> tf.math.xlogy(tf.constant([0.0, 2.0]), tf.constant([0.0, 1.0])).numpy().tolist()
    [0.0, 0.0]
    """
    return _binary(XLOGY, x, y, "fcV", "xlogy")


def _xdivy_fwd(F: Any, x: Any, y: Any) -> Any:
    z = x == 0
    r = x / F.where(z, F.ones_like(y), y)
    return F.where(z, F.zeros_like(r), r)


def _xdivy_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    z = x == 0
    ys = F.where(z, F.ones_like(y), y)
    zero = F.zeros_like(g)
    # TF: gx = g * xdivy(x != 0, y), gy = g * xdivy(-x, y**2): both 0 where x == 0
    gx = g * cj(F, F.where(z, zero, 1 / ys)) if needs[0] else None
    gy = g * cj(F, F.where(z, zero, -x / (ys * ys))) if needs[1] else None
    return (gx, gy)


def _xdivy_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, y = ins
    z = x == 0
    ys = F.where(z, F.ones_like(y), y)
    t = _tsum((None if ts[0] is None else ts[0] / ys, None if ts[1] is None else -ts[1] * x / (ys * ys)))
    return None if t is None else F.where(z, F.zeros_like(t), t)


XDIVY = defop("xdivy", _xdivy_fwd, _xdivy_vjp, _xdivy_jvp,
              test=spec(lambda tf, x, y: tf.math.xdivy(x, y),
                        lambda rng: (rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, (4,)) * rng.choice([-1, 1], (4,))),
                        ref=np.divide, complex=True))


def xdivy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``, but 0 where ``x == 0`` (whatever ``y``); both gradients are 0 there too.

    For complex inputs the gradients follow TF's ``upstream * conj(f')`` convention (TF 2.21 omits the
    conjugation for this op).

    >>> import tapegrad as tf
    >>> tf.math.xdivy(tf.constant([0.0, 3.0]), tf.constant([0.0, 2.0])).numpy().tolist()
    [0.0, 1.5]
    """
    return _binary(XDIVY, x, y, "fcV", "xdivy")


def _sqdiff_fwd(F: Any, x: Any, y: Any) -> Any:
    d = x - y
    return d * F.conj(d) if d.dtype.kind == "c" else d * d


def _sqdiff_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    d = x - y
    if dtype_of(d).kind == "c":
        # |d|^2 is real-valued (stored as complex): only Re(upstream) reaches it; TF uses the whole upstream
        g = F.astype(F.real(g), dtype_of(d))
    gx = (2 * g) * d
    return (gx if needs[0] else None, -gx if needs[1] else None)


def _sqdiff_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, y = ins
    t = _tsum((ts[0], None if ts[1] is None else -ts[1]))
    if t is None:
        return None
    d = x - y
    if dtype_of(d).kind == "c":
        return F.astype(2 * F.real(F.conj(d) * t), dtype_of(d))
    return 2 * d * t


SQUARED_DIFFERENCE = defop(
    "squared_difference", _sqdiff_fwd, _sqdiff_vjp, _sqdiff_jvp,
    test=spec(lambda tf, x, y: tf.math.squared_difference(x, y), normal((3, 4), (4,)),
              ref=lambda x, y: np.abs(x - y) ** 2, complex=True))


def squared_difference(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``(x - y)**2`` elementwise with broadcasting (``|x - y|**2`` for complex, as a complex tensor).

    >>> import tapegrad as tf
    >>> tf.math.squared_difference(tf.constant([1.0, 5.0]), tf.constant(2.0)).numpy().tolist()
    [1.0, 9.0]
    """
    a, b = pair(x, y, "squared_difference")
    if a._value.dtype.kind == "i" and a._value.dtype.itemsize < 4:  # TF: int32/int64 only among the integers
        _need(a, "fcV", "squared_difference (integers: int32 or int64 only)")
    return _binary(SQUARED_DIFFERENCE, a, b, "fciV", "squared_difference")


# -- complex numbers -------------------------------------------------------------------------------------------------


def _angle_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    z = ins[0]
    # d angle = Im(dz / z): the gradient of a real loss is upstream * i / conj(z) (TF: -g / (Im z + i Re z))
    return (F.astype(g, dtype_of(z)) * 1j / F.conj(z),)


def _angle_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.imag(ts[0] / ins[0])


ANGLE = defop("angle", lambda F, z: F.angle(z), _angle_vjp, _angle_jvp,
              test=spec(lambda tf, z: tf.math.angle(z),
                        lambda rng: (rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4)),), ref=np.angle,
                        order2=False))  # second order checked in tests/test_math_ext.py (the generic check
# pairs complex gradients with sum(g * v) rather than Re(sum(conj(g) * v)))


def _angle_real_fwd(F: Any, x: Any) -> Any:
    return F.where(x < 0, F.full_like(x, _PI), F.zeros_like(x))


ANGLE_REAL = defop("angle_real", _angle_real_fwd, None,
                   test=spec(lambda tf, x: tf.math.angle(x), normal((3, 4)),
                             ref=lambda x: np.where(x < 0, np.pi, 0.0)))


def angle(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The argument of a complex number, ``atan2(imag, real)``, as a real tensor. For real input: ``pi`` where
    negative, else 0 (not differentiable, as TF). Complex gradient: ``upstream * 1j / conj(z)``.

    >>> import tapegrad as tf
    >>> tf.math.angle(tf.constant([1j, -1 + 0j])).numpy().round(4).tolist()
    [1.5708, 3.1416]
    """
    x = to_tensor(input)
    kind = x._value.dtype.kind
    if kind not in "fcV":  # TF: TypeError (pi does not convert to an integer tensor)
        raise TypeError(f"angle: expected a floating-point or complex tensor, got dtype {x.dtype.name}. Cast it first, "
                        "e.g. tapegrad.cast(x, tapegrad.float32).")
    return apply1(ANGLE if kind == "c" else ANGLE_REAL, x)


def _complex_fwd(F: Any, re: Any, im: Any) -> Any:
    out = F.empty(F.broadcast_shapes(F.shape(re), F.shape(im)), dtype=F.result_type(re.dtype, F.complex64))
    out.real = re  # not re + 1j * im: 1j * inf would put a nan in the real part
    out.imag = im
    return out


def _complex_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.real(g) if needs[0] else None, F.imag(g) if needs[1] else None)


def _complex_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    tr, ti = ts
    if tr is None and ti is None:
        return None
    tr = F.zeros_like(ins[0]) if tr is None else tr
    ti = F.zeros_like(ins[1]) if ti is None else ti
    if F.is_diff:
        return complex(tr, ti)
    return _complex_fwd(F, tr, ti)


COMPLEX = defop("complex", _complex_fwd, _complex_vjp, _complex_jvp,
                test=spec(lambda tf, a, b: tf.complex(a, b), normal((3, 4), (4,)), ref=lambda a, b: a + 1j * b))


def complex(real: Any, imag: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """``real + 1j * imag`` with broadcasting: float32 parts give complex64, float64 parts complex128.

    Both parts must have the same dtype (TypeError otherwise, as TF). The gradients are the real and imaginary
    parts of the upstream gradient.

    >>> import tapegrad as tf
    >>> tf.complex(tf.constant([1.0, 2.0]), tf.constant(3.0)).numpy().tolist()
    [(1+3j), (2+3j)]
    """
    re, im = to_tensor(real), to_tensor(imag)
    dre, dim = re._value.dtype, im._value.dtype
    if dre != dim or dre not in (np.float32, np.float64):
        raise TypeError(
            f"complex: the real and imag parts must both be float32 (giving complex64) or both float64 (giving "
            f"complex128); got {re.dtype.name} and {im.dtype.name}. Cast them, e.g. tapegrad.cast(x, tapegrad.float32)."
        )
    try:
        return apply2(COMPLEX, re, im)
    except ValueError as exc:
        raise _shape_error("complex", re, im, exc) from None


# -- clip_by_value ---------------------------------------------------------------------------------------------------


def _clip_fwd(F: Any, x: Any, lo: Any, hi: Any) -> Any:
    return F.maximum(F.minimum(x, hi), lo)


def _clip_masks(F: Any, x: Any, lo: Any, hi: Any) -> tuple[Any, Any]:
    # TF computes maximum(minimum(x, hi), lo); both pass ties to their first argument (reference §6)
    below_hi = x <= hi
    above_lo = F.minimum(x, hi) >= lo
    return below_hi, above_lo


def _clip_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, lo, hi = ins
    below_hi, above_lo = _clip_masks(F, x, lo, hi)
    zero = F.zeros_like(g)
    through_min = F.where(above_lo, g, zero)  # the gradient reaching minimum(x, hi)
    gx = F.where(below_hi, through_min, zero) if needs[0] else None
    glo = F.where(above_lo, zero, g) if needs[1] else None
    ghi = F.where(below_hi, zero, through_min) if needs[2] else None
    return (gx, glo, ghi)


def _clip_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, lo, hi = ins
    if ts[0] is None and ts[1] is None and ts[2] is None:
        return None
    below_hi, above_lo = _clip_masks(F, x, lo, hi)
    zero = F.zeros_like(out)
    tx = zero if ts[0] is None else ts[0] + zero
    tlo = zero if ts[1] is None else ts[1] + zero
    thi = zero if ts[2] is None else ts[2] + zero
    return F.where(above_lo, F.where(below_hi, tx, thi), tlo)


CLIP_BY_VALUE = defop(
    "clip_by_value", _clip_fwd, _clip_vjp, _clip_jvp,
    test=spec(lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
              lambda rng: (rng.normal(size=(3, 4)), rng.uniform(-1.0, -0.2, (4,)), rng.uniform(0.2, 1.0, (4,))),
              ref=lambda x, lo, hi: np.clip(x, lo, hi)))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """Clip ``t`` to ``[clip_value_min, clip_value_max]`` (bounds broadcast against ``t``; the result has ``t``'s
    shape). Gradient 1 where ``min <= t <= max`` (inclusive at both bounds), else 0; tensor bounds receive the
    upstream of the elements clipped to them (e.g. a scalar ``min`` gets the count of ``t < min``).

    >>> import tapegrad as tf
    >>> x = tf.Variable([-2.0, 0.5, 1.0, 3.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.clip_by_value(x, -1.0, 1.0)
    >>> y.numpy().tolist(), tape.gradient(y, x).numpy().tolist()
    ([-1.0, 0.5, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0])
    """
    x = to_tensor(t)
    _need(x, "fiu", "clip_by_value")
    _, lo = pair(x, clip_value_min, "clip_by_value")
    _, hi = pair(x, clip_value_max, "clip_by_value")
    shp = tuple(x._value.shape)
    try:
        out_shape = np.broadcast_shapes(shp, lo._value.shape, hi._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"clip_by_value: the bounds' shapes {tuple(lo._value.shape)} and {tuple(hi._value.shape)} do not "
            f"broadcast against t's shape {shp}."
        ) from None
    if out_shape != shp:
        raise ValueError(
            f"clip_by_value: the bounds (shapes {tuple(lo._value.shape)}, {tuple(hi._value.shape)}) would broadcast "
            f"t of shape {shp} to {out_shape}; the result must keep t's shape. Broadcast t first."
        )
    return applyn(CLIP_BY_VALUE, (x, lo, hi))


EXPORTS: dict[str, list[str]] = {
    "": [
        "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "clip_by_value", "complex", "cosh", "floor",
        "round", "sinh", "tan",
    ],
    "math": [
        "acos", "acosh", "angle", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "cosh", "digamma",
        "divide_no_nan", "erf", "erfc", "expm1", "floor", "is_finite", "is_inf", "is_nan", "lgamma", "log1p",
        "log_sigmoid", "multiply_no_nan", "reciprocal", "reciprocal_no_nan", "round", "rsqrt", "sinh", "softplus",
        "squared_difference", "tan", "xdivy", "xlogy",
    ],
    "nn": [
        "softplus",
    ],
}
