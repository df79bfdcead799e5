"""Incomplete gamma and beta functions, the Hurwitz zeta function and polygamma: ``tf.math.igamma``,
``igammac``, ``betainc``, ``zeta``, ``polygamma`` (and TF's ``IgammaGradA``, the derivative of ``igamma`` in ``a``).

NumPy only, float64 inside whatever the input precision (the result is cast back):

* ``igamma``/``igammac``: the power series of ``P(a, x)`` for ``x < a + 1`` and the continued fraction of
  ``Q(a, x)`` (modified Lentz) beyond; the other one is ``1 - `` it. For ``a < 1`` and ``x < a + 1``, ``Q`` comes from
  ``1 - x^a / Gamma(1 + a) - ...`` (Gautschi) so that small ``Q`` keep their relative accuracy. The common factor
  ``x^a e^-x / Gamma(a)`` is ``exp(a log1pmx((x - a)/a) + log(a / 2 pi)/2 - stirling(a))`` for ``a >= 10`` (no
  cancellation of large logarithms); Temme's uniform expansion (``erfc`` plus two correction terms) for ``a >= 1e5``
  and ``|x/a - 1| < 0.01``, where the series would need ``~9 sqrt(a)`` terms. ``IgammaGradA`` differentiates the
  series/continued fraction in ``a`` (forward mode, carried alongside).
* ``betainc``: the continued fraction of ``I_x(a, b)`` (modified Lentz), on ``1 - x`` with ``a, b`` swapped
  beyond ``x > (a + 1) / (a + b + 2)``; the factor ``x^a (1 - x)^b / B(a, b)`` in log1pmx form when
  ``a, b >= 10``.
* ``zeta(x, q) = sum_k (q + k)^-x``: direct sum up to ``w = q + N >= max(10, 0.8 x)`` then the Euler–Maclaurin
  tail with 12 Bernoulli terms.
* ``polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x)``; ``digamma`` for ``n = 0``; nan for non-integer ``n``.

Gradients follow TF 2.21 exactly: ``igamma`` in both arguments (``IgammaGradA`` has no gradient itself, so second
derivatives through ``a`` raise LookupError as in TF), ``betainc`` in ``x`` only (None for ``a`` and ``b``),
``zeta`` in ``q`` only (``-x zeta(x + 1, q)``; None for ``x``), ``polygamma`` in ``x`` only (None for ``n``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._dispatch import apply2, applyn
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, Variable
from ..errors import InvalidArgumentError
from ._common import pair, to_tensor
from ._math_checks import _scipy
from ._special_common import F32_64, binary_in, check_dtype, lgamma, lgamma1p, log1pmx, run_kernel, stirling_corr
from .special_functions import _EM, _digamma_kernel, _horner

_NAN = math.nan
_INF = math.inf
_EPS = 1e-16
_TINY = 1e-300
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_MAXIT = 20000  # series / continued-fraction terms: about 9 sqrt(a) are needed when x is near a (a <= 1e6)


# -- incomplete gamma ------------------------------------------------------------------------------------------------

def _log_prefactor(F: Any, a: Any, x: Any) -> Any:
    """``log(x^a e^-x / Gamma(a + 1))`` for a > 0, x > 0."""
    out = a * F.log(x) - x - lgamma1p(F, a)
    big = a >= 10.0
    if big.any():
        ab, xb = a[big], x[big]
        out[big] = (ab * log1pmx(F, (xb - ab) / ab, xb / ab) - 0.5 * F.log(ab) - _HALF_LOG_2PI
                    - stirling_corr(F, ab))
    return out


def _p_series(F: Any, a: Any, x: Any, grad: bool = False) -> Any:
    """sum_{n>=0} x^n / ((a+1) ... (a+n)) and, with ``grad``, its derivative in ``a``."""
    s = np.ones_like(a)
    ds = np.zeros_like(a)
    term = np.ones_like(a)
    dterm = np.zeros_like(a)
    h = np.zeros_like(a)  # sum_{1<=j<=n} 1 / (a + j)
    act = np.arange(a.size)
    ap = a.copy()
    for _ in range(_MAXIT):
        ap += 1.0
        r = x[act] / ap
        term *= r
        s[act] += term
        if grad:
            h = h + 1.0 / ap
            dterm = -term * h
            ds[act] += dterm
        keep = F.abs(term) > _EPS * F.abs(s[act])
        if grad:
            keep |= F.abs(dterm) > _EPS * F.abs(ds[act])
        if not keep.all():
            act, ap, term, dterm, h = act[keep], ap[keep], term[keep], dterm[keep], h[keep]
            if act.size == 0:
                break
    return (s, ds) if grad else s


def _q_cfrac(F: Any, a: Any, x: Any, grad: bool = False) -> Any:
    """The continued fraction 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))) (Lentz) and its derivative in a."""
    n = a.size
    b = x + 1.0 - a
    c = np.full(n, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    # derivatives in a (db/da = -1, d(an)/da = i)
    dc = np.zeros(n)
    dd = d * d  # d(1/b)/da = 1/b^2
    dh = dd.copy()
    act = np.arange(n)
    av, bv = a.copy(), b.copy()
    for i in range(1, _MAXIT):
        an = -i * (i - av)
        bv = bv + 2.0
        dn = an * d + bv
        dn = np.where(np.abs(dn) < _TINY, _TINY, dn)
        cn = bv + an / c
        cn = np.where(np.abs(cn) < _TINY, _TINY, cn)
        if grad:
            # d(dn)/da = i d + an dd - 1; d(cn)/da = -1 + i / c - an dc / c^2
            ddn = i * d + an * dd - 1.0
            dcn = -1.0 + i / c - an * dc / (c * c)
            dd = -ddn / (dn * dn)
            dc = dcn
        d = 1.0 / dn
        c = cn
        delta = c * d
        if grad:
            ddelta = dc * d + c * dd
            dh[act] = dh[act] * delta + h[act] * ddelta
        h[act] *= delta
        keep = np.abs(delta - 1.0) > _EPS
        if grad:
            keep |= np.abs(h[act] * ddelta) > _EPS * np.abs(dh[act])
        if not keep.all():
            act, av, bv, c, d = act[keep], av[keep], bv[keep], c[keep], d[keep]
            if grad:
                dc, dd = dc[keep], dd[keep]
            if act.size == 0:
                break
    return (h, dh) if grad else h


# Temme's uniform expansion for large a and x near a: Q = erfc(eta sqrt(a/2))/2 + exp(-a eta^2/2)/sqrt(2 pi a)
# (C0(eta) + C1(eta)/a), eta = sign(x - a) sqrt(2 (x/a - 1 - log(x/a))); C0, C1 by their Taylor series at 0
# (checked against their closed forms 1/(l-1) - 1/eta and 1/eta^3 - 1/(l-1)^3 - 1/(l-1)^2 - 1/(12(l-1)) with mpmath)
_TEMME_C0 = (-1.0 / 3.0, 1.0 / 12.0, -2.0 / 135.0, 1.0 / 864.0, 1.0 / 2835.0, -139.0 / 777600.0)
_TEMME_C1 = (-1.0 / 540.0, -1.0 / 288.0, 1.0 / 378.0, -7.0 / 10368.0)
_TEMME_A = 1e5  # from here on, and for |x/a - 1| < 0.01, where the series would need ~9 sqrt(a) terms
_TEMME_MU = 0.01


def _temme_q(F: Any, a: Any, x: Any) -> tuple[Any, Any]:
    """(P, Q) by Temme's expansion (a >= 1e5, |x/a - 1| < 0.01: error below 1e-15 relative)."""
    from .special_functions import _erfc_kernel

    mu = (x - a) / a
    eta = np.sign(mu) * np.sqrt(-2.0 * log1pmx(F, mu))
    r = np.exp(-0.5 * a * eta * eta) / np.sqrt(2.0 * math.pi * a) * (
        _horner(eta, _TEMME_C0) + _horner(eta, _TEMME_C1) / a)
    s = eta * np.sqrt(0.5 * a)
    return 0.5 * _erfc_kernel(F, -s) - r, 0.5 * _erfc_kernel(F, s) + r


def _igamma_pq(F: Any, a: Any, x: Any) -> tuple[Any, Any]:
    """(P, Q) with TF's domain: nan for a <= 0, x < 0 or nan inputs; P(a, 0) = 0; P(a, inf) = 1."""
    n = a.size
    p = np.full(n, _NAN)
    q = np.full(n, _NAN)
    ok = (a > 0) & (x >= 0)
    ainf = ok & np.isinf(a)  # TF: P(inf, x) = 0, Q(inf, x) = 1 except Q(inf, inf) = 0
    p[ainf] = 0.0
    q[ainf] = np.where(np.isinf(x[ainf]), 0.0, 1.0)
    ok &= ~ainf
    p[x == 0] = 0.0  # TF: P(a, 0) = 0 for every a
    q[ok & (x == 0)] = 1.0
    inf = ok & np.isinf(x)
    p[inf], q[inf] = 1.0, 0.0
    ok &= (x > 0) & np.isfinite(x)
    tem = ok & (a >= _TEMME_A) & (np.abs(x - a) < _TEMME_MU * a)
    if tem.any():
        p[tem], q[tem] = _temme_q(F, a[tem], x[tem])
        ok &= ~tem
    ser = ok & (x < a + 1.0)
    if ser.any():
        aa, xx = a[ser], x[ser]
        pv = np.exp(_log_prefactor(F, aa, xx)) * _p_series(F, aa, xx)
        qv = 1.0 - pv
        small = aa < 1.0
        if small.any():  # Gautschi: Q = -expm1(a log x - lgamma(1+a)) - x^a/Gamma(1+a) a sum_{n>=1} (-x)^n/(n!(a+n))
            a1, x1 = aa[small], xx[small]
            e = a1 * np.log(x1) - lgamma1p(F, a1)
            s = np.zeros_like(a1)
            t = np.ones_like(a1)
            for k in range(1, 60):
                t = t * (-x1) / k
                s = s + t / (a1 + k)
            qv[small] = -np.expm1(e) - np.exp(e) * a1 * s
        p[ser], q[ser] = pv, qv
    cf = ok & ~ser
    if cf.any():
        aa, xx = a[cf], x[cf]
        qv = np.exp(_log_prefactor(F, aa, xx) + np.log(aa)) * _q_cfrac(F, aa, xx)
        p[cf], q[cf] = 1.0 - qv, qv
    return p, q


def _igamma_kernel(F: Any, a: Any, x: Any) -> Any:
    return _igamma_pq(F, a, x)[0]


def _igammac_kernel(F: Any, a: Any, x: Any) -> Any:
    return _igamma_pq(F, a, x)[1]


def _igamma_grad_a_kernel(F: Any, a: Any, x: Any) -> Any:
    """d/da P(a, x): the series/continued fraction differentiated in a, times the prefactor and its derivative."""
    n = a.size
    out = np.full(n, _NAN)
    ok = (a > 0) & (x >= 0)
    out[(x == 0) | (ok & (np.isinf(x) | np.isinf(a)))] = 0.0
    ok &= np.isfinite(a)
    ok &= (x > 0) & np.isfinite(x)
    tem = ok & (a >= _TEMME_A) & (np.abs(x - a) < _TEMME_MU * a)
    if tem.any():  # central difference of Temme's expansion in a (step 1e-4 sqrt(a): about 1e-8 relative)
        aa, xx = a[tem], x[tem]
        h = 1e-4 * np.sqrt(aa)
        out[tem] = (_temme_q(F, aa + h, xx)[0] - _temme_q(F, aa - h, xx)[0]) / (2.0 * h)
        ok &= ~tem
    ser = ok & (x < a + 1.0)
    if ser.any():
        aa, xx = a[ser], x[ser]
        lp = _log_prefactor(F, aa, xx)
        dl = np.log(xx) - _digamma_kernel(F, aa + 1.0)
        s, ds = _p_series(F, aa, xx, grad=True)
        out[ser] = np.exp(lp) * (s * dl + ds)
    cf = ok & ~ser
    if cf.any():
        aa, xx = a[cf], x[cf]
        lp = _log_prefactor(F, aa, xx) + np.log(aa)
        dl = np.log(xx) - _digamma_kernel(F, aa.copy())
        h, dh = _q_cfrac(F, aa, xx, grad=True)
        out[cf] = -np.exp(lp) * (h * dl + dh)
    return out


def _igamma_dx(F: Any, a: Any, x: Any) -> Any:
    """TF's d igamma / dx: ``exp(-x + (a - 1) log x - lgamma(a))`` (nan at x = 0, a = 1, as TF)."""
    if F.is_diff:
        from . import special_functions as sf
        return F.exp(-x + (a - 1.0) * F.log(x) - sf.lgamma(a))
    with np.errstate(all="ignore"):
        return np.exp(-x + (a - 1.0) * np.log(x) - run_kernel(F, lambda F, v: lgamma(F, v), a))


def _igamma_grad_a_of(F: Any, a: Any, x: Any) -> Any:
    if F.is_diff:
        return apply2(IGAMMA_GRAD_A, a, x)
    return run_kernel(F, _igamma_grad_a_kernel, a, x)


def _igamma_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, x = ins
    sign = -1.0 if p.get("complement") else 1.0
    ga = g * (sign * _igamma_grad_a_of(F, a, x)) if needs[0] else None
    gx = g * (sign * _igamma_dx(F, a, x)) if needs[1] else None
    return (ga, gx)


def _igamma_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    a, x = ins
    sign = -1.0 if p.get("complement") else 1.0
    r = F.zeros_like(out)
    if ts[0] is not None:
        r = r + ts[0] * (sign * _igamma_grad_a_of(F, a, x))
    if ts[1] is not None:
        r = r + ts[1] * (sign * _igamma_dx(F, a, x))
    return r


def _igamma_fwd(F: Any, a: Any, x: Any, complement: bool = False) -> Any:
    return run_kernel(F, _igammac_kernel if complement else _igamma_kernel, a, x)


def _ag(lo: float, hi: float, xlo: float, xhi: float, shape_a: tuple[int, ...] = (3, 4),
        shape_x: tuple[int, ...] = (4,)) -> Any:
    return lambda rng: (rng.uniform(lo, hi, shape_a), rng.uniform(xlo, xhi, shape_x))


IGAMMA = defop(
    "igamma", _igamma_fwd, _igamma_vjp, _igamma_jvp, tf_name="Igamma",
    test=[spec(lambda tf, a, x: tf.math.igamma(a, x), _ag(0.5, 6.0, 0.1, 8.0), ref=lambda a, x: _scipy().gammainc(a, x),
               rtol=1e-12, atol=1e-15, order2=False),
          spec(lambda tf, a, x: tf.math.igamma(a, x), _ag(0.5, 6.0, 0.1, 8.0), ref=lambda a, x: _scipy().gammainc(a, x),
               grad=(1,), rtol=1e-12, atol=1e-15, name="x-only")])
IGAMMAC = defop(
    "igammac", _igamma_fwd, _igamma_vjp, _igamma_jvp, tf_name="Igammac",
    test=[spec(lambda tf, a, x: tf.math.igammac(a, x), _ag(0.5, 6.0, 0.1, 8.0),
               ref=lambda a, x: _scipy().gammaincc(a, x), rtol=1e-12, atol=1e-15, order2=False),
          spec(lambda tf, a, x: tf.math.igammac(a, x), _ag(0.5, 6.0, 0.1, 8.0),
               ref=lambda a, x: _scipy().gammaincc(a, x), grad=(1,), rtol=1e-12, atol=1e-15, name="x-only")])
IGAMMA_GRAD_A = defop(
    "igamma_grad_a", lambda F, a, x: run_kernel(F, _igamma_grad_a_kernel, a, x), NO_GRADIENT, tf_name="IgammaGradA",
    test=spec(lambda tf, a, x: tf.raw_ops.IgammaGradA(a=a, x=x), _ag(0.5, 6.0, 0.1, 8.0), grad=(), rtol=1e-10))


def igamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The regularized lower incomplete gamma function ``P(a, x) = gamma(a, x) / Gamma(a)``, broadcasting ``a``
    against ``x`` (float32 or float64).

    nan where ``a <= 0`` or ``x < 0``; ``P(a, 0) = 0``, ``P(a, inf) = 1``. Gradients as TF: ``d/dx =
    exp(-x + (a - 1) log x - lgamma(a))`` and ``d/da`` from ``IgammaGradA`` (which has no gradient: second
    derivatives through ``a`` raise LookupError, as in TF).

    >>> import tapegrad as tf
    >>> tf.math.igamma(tf.constant([1.0, 2.0], tf.float64), tf.constant(1.0, tf.float64)).numpy().round(6).tolist()
    [0.632121, 0.264241]
    """
    ta, tx = binary_in(a, x, "igamma", F32_64)
    return apply2(IGAMMA, ta, tx)


def igammac(a: Any, x: Any, name: str | None = None) -> Tensor:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, accurate where it is small.
    Gradients: minus those of :func:`igamma`.

    >>> import tapegrad as tf
    >>> f"{float(tf.math.igammac(tf.constant(1.0, tf.float64), tf.constant(30.0, tf.float64))):.6e}"
    '9.357623e-14'
    """
    ta, tx = binary_in(a, x, "igammac", F32_64)
    return apply2(IGAMMAC, ta, tx, {"complement": True})


# -- incomplete beta -------------------------------------------------------------------------------------------------

def _log_beta(F: Any, a: Any, b: Any) -> Any:
    """log B(a, b) for a, b > 0, without cancelling large lgamma values."""
    out = lgamma(F, a) + lgamma(F, b) - lgamma(F, a + b)
    hi = np.maximum(a, b)
    lo = np.minimum(a, b)
    both = lo >= 10.0
    if both.any():
        A, B = a[both], b[both]
        C = A + B
        out[both] = ((A - 0.5) * np.log(A / C) + B * np.log(B / C) - 0.5 * np.log(B) + _HALF_LOG_2PI
                     + stirling_corr(F, A) + stirling_corr(F, B) - stirling_corr(F, C))
    one = (hi >= 10.0) & ~both
    if one.any():
        A, B = hi[one], lo[one]
        # lgamma(A) - lgamma(A + B) by Stirling's formula on both
        d = -(A + B - 0.5) * np.log1p(B / A) - B * np.log(A) + B + stirling_corr(F, A) - stirling_corr(F, A + B)
        out[one] = lgamma(F, B) + d
    return out


def _betainc_pref(F: Any, a: Any, b: Any, x: Any) -> Any:
    """log(x^a (1-x)^b / B(a, b)) for 0 < x < 1."""
    out = a * np.log(x) + b * np.log1p(-x) - _log_beta(F, a, b)
    big = (a >= 10.0) & (b >= 10.0)
    if big.any():
        A, B, X = a[big], b[big], x[big]
        C = A + B
        x0 = A / C
        y0 = B / C
        out[big] = (A * log1pmx(F, (X - x0) / x0, X * C / A) + B * log1pmx(F, (x0 - X) / y0, (1.0 - X) * C / B)
                    + 0.5 * np.log(A * B / C) - _HALF_LOG_2PI
                    - stirling_corr(F, A) - stirling_corr(F, B) + stirling_corr(F, C))
    return out


def _betacf(F: Any, a: Any, b: Any, x: Any) -> Any:
    """The continued fraction of I_x(a, b) (x < (a+1)/(a+b+2)), modified Lentz."""
    n = a.size
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones(n)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    h = d.copy()
    act = np.arange(n)
    for m in range(1, _MAXIT):
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        h[act] *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h[act] *= delta
        keep = np.abs(delta - 1.0) > _EPS
        if not keep.all():
            act, a, b, x, c, d = act[keep], a[keep], b[keep], x[keep], c[keep], d[keep]
            qab, qap, qam = qab[keep], qap[keep], qam[keep]
            if act.size == 0:
                break
    return h


def _betainc_kernel(F: Any, a: Any, b: Any, x: Any) -> Any:
    n = a.size
    out = np.full(n, _NAN)
    pos = ~((a <= 0) | (b <= 0))  # TF: nan for a <= 0 or b <= 0; then I_0 = 0 and I_1 = 1 even for nan/inf a, b
    out[pos & (x == 0)] = 0.0
    out[pos & (x == 1)] = 1.0
    ok = (a > 0) & (b > 0) & (x >= 0) & (x <= 1) & np.isfinite(a) & np.isfinite(b)
    ok &= (x > 0) & (x < 1)
    if not ok.any():
        return out
    A, B, X = a[ok], b[ok], x[ok]
    pref = np.exp(_betainc_pref(F, A, B, X))
    res = np.empty(A.size)
    lo = X < (A + 1.0) / (A + B + 2.0)
    if lo.any():
        res[lo] = pref[lo] * _betacf(F, A[lo], B[lo], X[lo]) / A[lo]
    hi = ~lo
    if hi.any():
        res[hi] = 1.0 - pref[hi] * _betacf(F, B[hi], A[hi], 1.0 - X[hi]) / B[hi]
    out[ok] = res
    return out


def _betainc_dx(F: Any, a: Any, b: Any, x: Any) -> Any:
    """TF's d betainc / dx: ``exp(xlog1py(b - 1, -x) + xlogy(a - 1, x) - lbeta(a, b))``."""
    if F.is_diff:
        from . import arithmetic
        from . import special_functions as sf
        log_beta = sf.lgamma(a) + sf.lgamma(b) - sf.lgamma(a + b)
        return F.exp(arithmetic.xlogy(b - 1.0, 1.0 - x) + arithmetic.xlogy(a - 1.0, x) - log_beta)
    with np.errstate(all="ignore"):
        def k(F: Any, a: Any, b: Any, x: Any) -> Any:
            lb = lgamma(F, a) + lgamma(F, b) - lgamma(F, a + b)
            t1 = np.where(b == 1.0, 0.0, (b - 1.0) * np.log1p(-x))
            t2 = np.where(a == 1.0, 0.0, (a - 1.0) * np.log(x))
            return np.exp(t1 + t2 - lb)
        return run_kernel(F, k, a, b, x)


def _betainc_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, b, x = ins
    return (None, None, g * _betainc_dx(F, a, b, x) if needs[2] else None)


def _betainc_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    a, b, x = ins
    if ts[2] is None:
        return F.zeros_like(out)
    return ts[2] * _betainc_dx(F, a, b, x)


def _abx(rng: Any) -> tuple[Any, ...]:
    return rng.uniform(0.5, 5.0, (3, 4)), rng.uniform(0.5, 5.0, (3, 4)), rng.uniform(0.05, 0.95, (3, 4))


BETAINC = defop(
    "betainc", lambda F, a, b, x: run_kernel(F, _betainc_kernel, a, b, x), _betainc_vjp, _betainc_jvp,
    tf_name="Betainc",
    test=spec(lambda tf, a, b, x: tf.math.betainc(a, b, x), _abx, ref=lambda a, b, x: _scipy().betainc(a, b, x),
              grad=(2,), rtol=1e-12, atol=1e-15))


def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Tensor:
    """The regularized incomplete beta function ``I_x(a, b)`` (float32 or float64). As TF, ``a``, ``b`` and ``x``
    must have one shape, except that any of them may be a scalar.

    nan where ``a <= 0``, ``b <= 0`` or ``x`` is outside ``[0, 1]``. The gradient is TF's: ``d/dx = x^(a-1)
    (1-x)^(b-1) / B(a, b)``, and None for ``a`` and ``b`` (TF defines none).

    >>> import tapegrad as tf
    >>> tf.math.betainc(2.0, 3.0, tf.constant([0.25, 0.5], tf.float64)).numpy().round(6).tolist()
    [0.261719, 0.6875]
    """
    ts = _three(a, b, x)
    for t in ts:
        check_dtype(t, "betainc", F32_64, F32_64)
    shapes = [tuple(t._value.shape) for t in ts]
    full = [s for s in shapes if s != ()]
    for s in shapes:
        if s != () and s != full[0]:
            raise InvalidArgumentError(
                f"betainc: a, b and x must have the same shape or be scalars (TF does not broadcast them), got "
                f"shapes {shapes[0]}, {shapes[1]} and {shapes[2]}; broadcast them first with tf.broadcast_to.")
    return applyn(BETAINC, ts)


def _three(a: Any, b: Any, x: Any) -> tuple[Any, Any, Any]:
    """Convert three operands to one dtype (Python numbers adopt the first tensor's dtype)."""
    vals = (a, b, x)
    ref = next((v for v in vals if isinstance(v, (Tensor, Variable))), None)
    ref = to_tensor(a) if ref is None else ref
    return tuple(pair(v, ref, "betainc")[0] for v in vals)  # type: ignore[return-value]


def lbeta(x: Any, name: str | None = None) -> Tensor:
    """``log|Beta(x)|`` along the last axis: ``sum(lgamma(x), -1) - lgamma(sum(x, -1))`` (TF's composition, so its
    gradient is ``digamma(x) - digamma(sum(x))``); an empty last axis gives ``-inf``.

    >>> import tapegrad as tf
    >>> tf.math.lbeta(tf.constant([[1.0, 2.0], [0.5, 0.5]], tf.float64)).numpy().round(6).tolist()
    [-0.693147, 1.14473]
    """
    from . import reductions
    from . import special_functions as sf

    t = to_tensor(x)
    return reductions.reduce_sum(sf.lgamma(t), axis=[-1]) - sf.lgamma(reductions.reduce_sum(t, axis=[-1]))


# -- Hurwitz zeta and polygamma --------------------------------------------------------------------------------------

def _zeta_pos(F: Any, s: Any, q: Any) -> Any:
    """sum_{k>=0} (q + k)^-s for s > 1 (q not a non-positive integer; q < 0 only with integer s)."""
    lim = np.maximum(10.0, 0.8 * s)
    nterms = np.clip(np.ceil(lim - q), 0, 400).astype(np.int64)
    acc = np.zeros_like(s)
    w = q.copy()
    for k in range(int(nterms.max()) if nterms.size else 0):
        m = k < nterms
        acc[m] += w[m] ** (-s[m])
        w[m] += 1.0
    # Euler–Maclaurin tail at w: w^(1-s)/(s-1) + w^-s/2 + sum_j B_2j/(2j)! s(s+1)...(s+2j-2) w^(-s-2j+1)
    iw = 1.0 / w
    iw2 = iw * iw
    ws = w ** (-s)
    tail = w * ws / (s - 1.0) + 0.5 * ws
    fac = s * ws * iw  # s w^(-s-1)
    for j, e in enumerate(_EM, start=1):
        tail += e * fac
        fac = fac * (s + 2 * j - 1) * (s + 2 * j) * iw2
    return acc + tail


def _zeta_kernel(F: Any, s: Any, q: Any) -> Any:
    out = np.full(s.size, _NAN)
    out[s == 1.0] = _INF
    ok = (s > 1.0) & ~np.isnan(q)
    qint = ok & (q <= 0) & (q == np.floor(q))
    out[qint & ((np.fmod(s, 2.0) == 0) | np.isinf(s))] = _INF  # poles (TF: nan unless x is even)
    ok &= ~qint & ((q > 0) | (s == np.floor(s)))  # q < 0 needs an integer s (q^-s is real)
    inf = ok & np.isinf(s)
    out[inf & (q > 1)] = 0.0
    out[inf & (q == 1)] = 1.0
    out[inf & (q < 1)] = _INF
    ok &= ~inf
    qinf = ok & np.isinf(q)
    out[qinf] = 0.0
    ok &= ~qinf
    if ok.any():
        out[ok] = _zeta_pos(F, s[ok], q[ok])
    return out


def _zeta_of(F: Any, x: Any, q: Any) -> Any:
    if F.is_diff:
        return apply2(ZETA, x, q)
    return run_kernel(F, _zeta_kernel, x, q)


def _zeta_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, q = ins
    return (None, g * (-x * _zeta_of(F, x + 1.0, q)) if needs[1] else None)


def _zeta_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, q = ins
    tq = F.zeros_like(out) if ts[1] is None else ts[1]
    return tq * (-x * _zeta_of(F, x + 1.0, q))


ZETA = defop(
    "zeta", lambda F, x, q: run_kernel(F, _zeta_kernel, x, q), _zeta_vjp, _zeta_jvp, tf_name="Zeta",
    test=spec(lambda tf, x, q: tf.math.zeta(x, q), _ag(1.2, 8.0, 0.2, 6.0), ref=lambda x, q: _scipy().zeta(x, q),
              grad=(1,), rtol=1e-12, atol=1e-15))


def zeta(x: Any, q: Any, name: str | None = None) -> Tensor:
    """The Hurwitz zeta function ``sum_{k>=0} (q + k)^-x``, broadcasting (float32 or float64).

    ``inf`` at ``x = 1`` and at the poles ``q = 0, -1, -2, ...``; nan for ``x < 1``, and for ``q < 0`` with a
    non-integer ``x``. Gradient as TF: ``d/dq = -x zeta(x + 1, q)``; None for ``x`` (TF defines none).

    >>> import tapegrad as tf
    >>> f"{float(tf.math.zeta(tf.constant(2.0, tf.float64), 1.0)):.10f}"  # pi**2 / 6
    '1.6449340668'
    """
    tx, tq = binary_in(x, q, "zeta", F32_64, F32_64, names=("x", "q"))
    return apply2(ZETA, tx, tq)


def _polygamma_kernel(F: Any, n: Any, x: Any) -> Any:
    out = np.full(n.size, _NAN)
    integer = (n == np.floor(n)) & (n >= 0)  # (nan and inf fail the test)
    zero = integer & (n == 0)
    if zero.any():
        out[zero] = _digamma_kernel(F, x[zero].copy())
    pos = integer & (n > 0)
    if pos.any():
        nn = n[pos]
        z = _zeta_kernel(F, nn + 1.0, x[pos])
        sign = np.where((np.fmod(nn, 2.0) == 1.0) | np.isinf(nn), 1.0, -1.0)
        with np.errstate(over="ignore"):
            fact = np.exp(lgamma(F, nn + 1.0))
            fact = np.where(nn <= 170, np.round(fact), fact)
        out[pos] = sign * fact * z
    return out


def _polygamma_of(F: Any, n: Any, x: Any) -> Any:
    if F.is_diff:
        return apply2(POLYGAMMA, n, x)
    return run_kernel(F, _polygamma_kernel, n, x)


def _polygamma_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    n, x = ins
    return (None, g * _polygamma_of(F, n + 1.0, x) if needs[1] else None)


def _polygamma_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    n, x = ins
    tx = F.zeros_like(out) if ts[1] is None else ts[1]
    return tx * _polygamma_of(F, n + 1.0, x)


def _nx(rng: Any) -> tuple[Any, Any]:
    return rng.integers(0, 4, (3, 4)).astype(np.float64), rng.uniform(0.3, 6.0, (4,))


POLYGAMMA = defop(
    "polygamma", lambda F, n, x: run_kernel(F, _polygamma_kernel, n, x), _polygamma_vjp, _polygamma_jvp,
    tf_name="Polygamma",
    test=spec(lambda tf, n, x: tf.math.polygamma(n, x), _nx, ref=lambda n, x: _scipy().polygamma(n.astype(int), x),
              grad=(1,), rtol=1e-12, atol=1e-14))


def polygamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """``polygamma(a, x)``, the ``a``-th derivative of digamma, broadcasting; ``a`` is a float tensor holding
    non-negative integers (float32 or float64, like ``x``); nan for a non-integer ``a``.

    Gradient as TF: ``d/dx = polygamma(a + 1, x)``; None for ``a``.

    >>> import tapegrad as tf
    >>> tf.math.polygamma(tf.constant([0.0, 1.0], tf.float64), 1.0).numpy().round(6).tolist()
    [-0.577216, 1.644934]
    """
    ta, tx = binary_in(a, x, "polygamma", F32_64, F32_64)
    return apply2(POLYGAMMA, ta, tx)


EXPORTS: dict[str, list[str]] = {
    "math": ["betainc", "igamma", "igammac", "lbeta", "polygamma", "zeta"],
}
