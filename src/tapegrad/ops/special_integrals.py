"""Special integrals: ``tf.math.special.dawsn``, ``expint``, ``fresnel_cos``, ``fresnel_sin``, ``spence``.

NumPy only, float64 inside (the result is cast back):

* ``dawsn``: the odd power series for ``|x| < 1/2``, Rybicki's exponentially convergent sum
  ``(1/sqrt(pi)) sum_{n odd} exp(-(x - n h)^2) / n`` (h = 0.2, error about ``exp(-(pi / 2h)^2)``) up to 7, and the
  asymptotic series ``sum_k (2k-1)!! / (2^(k+1) x^(2k+1))`` beyond;
* ``expint`` (``Ei``): the series ``gamma + log x + sum x^k / (k k!)`` for ``0 < x < 40`` (a Taylor series around
  its root 0.3725… there, coefficients generated with mpmath), the asymptotic series beyond; nan for ``x < 0``
  (TF 2.21's kernel defines it on ``x >= 0`` only);
* ``fresnel_cos``/``fresnel_sin``: the power series for ``|x| < 1.5``; beyond, ``C + iS = (1 + i)/2 erf(z)`` with
  ``z = sqrt(pi)/2 (1 - i) x`` and ``erfc(z)`` from Laplace's continued fraction in complex arithmetic; the phase
  ``pi x^2 / 2`` is reduced exactly (``x^2 mod 4`` by an error-free square), so large ``x`` keep full accuracy;
* ``spence(x) = Li2(1 - x)``: the Bernoulli series ``Li2(y) = sum B_n u^(n+1) / (n+1)!``, ``u = -log(1 - y)``, on
  ``y`` in ``[-1, 1/2]``, with the reflection and inversion formulas elsewhere.

Gradients are TF 2.21's: ``dawsn``: ``1 - 2 x dawsn(x)``; ``expint``: ``exp(x) / x``; ``fresnel_cos``:
``cos(pi x^2 / 2)``; ``fresnel_sin``: ``sin(pi x^2 / 2)``; ``spence``: ``log(x) / (1 - x)`` (-1 at 1).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from .._registry import spec, uniform
from .._tensor import Tensor
from ._math_checks import _scipy
from ._special_common import F32_64, declare_unary
from .special_functions import _BERNOULLI, _horner

_NAN = math.nan
_INF = math.inf
_EULER = 0.5772156649015329
_EPS = 1e-17
_INV_SQRT_PI = 0.5641895835477563
_PI2_6 = math.pi ** 2 / 6.0

# -- Dawson's integral -----------------------------------------------------------------------------------------------

_RYB_H = 0.2
_RYB_M = np.arange(-31, 32, 2, dtype=np.float64)  # odd offsets: |x' - m h| reaches 6.2 (exp(-38))


def _dawsn_pos(x: Any) -> Any:
    out = np.empty_like(x)
    s = x < 0.5
    if s.any():  # sum_k (-2 x^2)^k x / (2k+1)!!
        v = x[s]
        t = v.copy()
        acc = v.copy()
        v2 = 2.0 * v * v
        for k in range(1, 40):
            t = -t * v2 / (2 * k + 1)
            acc += t
        out[s] = acc
    m = (x >= 0.5) & (x < 7.0)
    if m.any():
        v = x[m]
        res = np.empty_like(v)
        for s0 in range(0, v.size, 16384):  # (elements x 32) work arrays, a chunk at a time
            vs = v[s0:s0 + 16384]
            n0 = 2.0 * np.round(vs / (2.0 * _RYB_H))
            d = (vs - n0 * _RYB_H)[:, None] - _RYB_M[None, :] * _RYB_H
            res[s0:s0 + 16384] = _INV_SQRT_PI * (np.exp(-d * d) / (n0[:, None] + _RYB_M[None, :])).sum(axis=1)
        out[m] = res
    b = x >= 7.0
    if b.any():
        v = x[b]
        iv2 = 0.5 / (v * v)
        t = 0.5 / v
        acc = t.copy()
        for k in range(1, 60):
            t = t * (2 * k - 1) * iv2
            acc += t
            if not (t > _EPS * acc).any():
                break
        out[b] = acc
    return out


def _dawsn_kernel(F: Any, x: Any) -> Any:
    a = np.abs(x)
    out = np.full(x.shape, _NAN)
    fin = np.isfinite(a)
    out[fin] = _dawsn_pos(a[fin])
    out[np.isinf(a)] = 0.0
    return np.where(x < 0, -out, out)


# -- the exponential integral Ei -------------------------------------------------------------------------------------

_EI_X0 = 0.3725074107813666
# Ei(X0 + t) = sum_k c_k t^k (mpmath, 50 digits); c_0 = Ei(X0) of the double X0 (not exactly 0)
_EI_ROOT = (-5.1196989365556847e-17, 3.8962157339071672, -3.281607866398562, 6.522376145438926, -12.969697383536518,
            27.886297962942056, -62.37880152891543, 143.53494880967514, -337.15582717874696, 804.5318399821385,
            -1943.7966457234995, 4743.765650402433, -11673.46399116717, 28926.955305435466, -72107.94586837162,
            180669.55858939205, -454696.2188544668, 1148834.546817745, -2912721.6638508392, 7407692.958000593,
            -18891727.000381544, 48300034.93086028, -123768219.0024918, 317811105.66636246, -817618569.3184935,
            2107109291.8643656)


def _ei_series(x: Any) -> Any:
    t = np.ones_like(x)
    s = np.zeros_like(x)
    for k in range(1, 200):
        t = t * x / k
        s += t / k
        if not (t > _EPS * k * s).any():
            break
    return _EULER + np.log(x) + s


def _ei_asym(x: Any) -> Any:
    t = np.ones_like(x)
    s = t.copy()
    for k in range(1, 60):
        t = t * k / x
        s += t
        if not (t > _EPS * s).any():
            break
    h = np.exp(0.5 * x)
    return h * (h / x * s)


def _expint_kernel(F: Any, x: Any) -> Any:
    out = np.full(x.shape, _NAN)  # TF: nan for x < 0 and at inf
    out[x == 0] = -_INF
    near = np.abs(x - _EI_X0) < 0.07
    if near.any():
        out[near] = _horner(x[near] - _EI_X0, _EI_ROOT)
    ser = (x > 0) & (x < 40.0) & ~near
    if ser.any():
        out[ser] = _ei_series(x[ser])
    big = (x >= 40.0) & np.isfinite(x)
    if big.any():
        out[big] = _ei_asym(x[big])
    return out


# -- Fresnel integrals -----------------------------------------------------------------------------------------------

def _half_pi_sq_phase(x: Any) -> tuple[Any, Any]:
    """(cos(pi x^2 / 2), sin(pi x^2 / 2)) with x^2 reduced modulo 4 exactly (Dekker's error-free square)."""
    c = 134217729.0 * x  # 2^27 + 1
    hi = c - (c - x)
    lo = x - hi
    p = x * x
    e = ((hi * hi - p) + 2.0 * hi * lo) + lo * lo
    r = np.fmod(p, 4.0) + e
    ang = (0.5 * math.pi) * r
    return np.cos(ang), np.sin(ang)


def _fresnel_pos(x: Any) -> tuple[Any, Any]:
    cs = np.empty_like(x)
    sn = np.empty_like(x)
    s = x < 1.5
    if s.any():  # sum_j (i pi/2)^j x^(2j+1) / ((2j+1) j!)
        v = x[s]
        w = 0.5 * math.pi * v * v
        p = v.copy()
        c_acc = v.copy()
        s_acc = np.zeros_like(v)
        for j in range(1, 40):
            p = p * w / j
            term = p / (2 * j + 1)
            if j % 4 == 0:
                c_acc += term
            elif j % 4 == 1:
                s_acc += term
            elif j % 4 == 2:
                c_acc -= term
            else:
                s_acc -= term
        cs[s], sn[s] = c_acc, s_acc
    b = ~s
    if b.any():
        v = x[b]
        z = (0.5 * math.sqrt(math.pi)) * (1.0 - 1.0j) * v
        # Laplace: erfc(z) = exp(-z^2) / sqrt(pi) / (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...)))) (Lentz)
        f = z.copy()
        cc = z.copy()
        d = np.zeros_like(z)
        act = np.arange(z.size)
        zz = z
        for n in range(1, 2000):
            a = 0.5 * n
            d = zz + a * d
            d = 1.0 / d
            cc = zz + a / cc
            delta = cc * d
            f[act] *= delta
            keep = np.abs(delta - 1.0) > 1e-16
            if not keep.all():
                act, zz, cc, d = act[keep], zz[keep], cc[keep], d[keep]
                if act.size == 0:
                    break
        co, si = _half_pi_sq_phase(v)
        erfc = (co + 1j * si) * _INV_SQRT_PI / f  # exp(-z^2) = exp(i pi x^2 / 2)
        res = (0.5 + 0.5j) * (1.0 - erfc)
        cs[b], sn[b] = res.real, res.imag
    return cs, sn


_FRESNEL_FLAT = 36974.0


def _fresnel_kernel(x: Any, which: int) -> Any:
    a = np.abs(x)
    out = np.full(x.shape, _NAN)
    fin = a <= _FRESNEL_FLAT
    if fin.any():
        out[fin] = _fresnel_pos(a[fin])[which]
    out[a > _FRESNEL_FLAT] = 0.5  # TF's kernel returns 1/2 beyond (the oscillation is below 1e-5 there)
    return np.where(x < 0, -out, out)


# -- Spence's function -----------------------------------------------------------------------------------------------

@cache
def _li2_coeffs() -> tuple[float, ...]:
    """Li2(y) = u (1 - u/4 + sum_k B_2k u^2k / (2k+1)!), u = -log(1 - y): the polynomial in u, by power."""
    c: list[float] = [1.0, -0.25]
    for k, (num, den) in enumerate(_BERNOULLI, start=1):
        if k > 1:
            c.append(0.0)  # odd powers of u vanish beyond u^2
        c.append(num / (den * math.factorial(2 * k + 1)))  # int / int: correctly rounded
    return tuple(c)


def _li2_u(u: Any) -> Any:
    return u * _horner(u, _li2_coeffs())


def _spence_kernel(F: Any, x: Any) -> Any:
    out = np.full(x.shape, _NAN)  # TF: nan for x < 0 and at inf
    out[x == 0] = _PI2_6
    mid = (x >= 0.5) & (x <= 2.0)
    if mid.any():
        out[mid] = _li2_u(-np.log(x[mid])) + 0.0  # (+0.0 at x = 1)
    lo = (x > 0) & (x < 0.5)
    if lo.any():
        v = x[lo]
        out[lo] = _PI2_6 - np.log(v) * np.log1p(-v) - _li2_u(-np.log1p(-v))
    hi = (x > 2.0) & np.isfinite(x)
    if hi.any():
        v = x[hi]
        lv = np.log(v - 1.0)
        out[hi] = -_PI2_6 - 0.5 * lv * lv - _li2_u(-np.log1p(1.0 / (v - 1.0)))
    return out


# -- the ops ---------------------------------------------------------------------------------------------------------

DAWSN, _dawsn = declare_unary(
    "dawsn", _dawsn_kernel, lambda F, x, y: 1.0 - 2.0 * x * y, kernels=F32_64, save_out=True, tf_name="Dawsn",
    test=spec(lambda tf, x: tf.math.special.dawsn(x), uniform(-9.0, 9.0, (3, 4)), ref=lambda x: _scipy().dawsn(x),
              rtol=1e-12, atol=1e-15))
EXPINT, _expint = declare_unary(
    "expint", _expint_kernel, lambda F, x, y: F.exp(x) / x, kernels=F32_64, tf_name="Expint",
    test=spec(lambda tf, x: tf.math.special.expint(x), uniform(0.1, 50.0, (3, 4)), ref=lambda x: _scipy().expi(x),
              rtol=1e-12, atol=1e-15))
FRESNEL_COS, _fresnel_cos = declare_unary(
    "fresnel_cos", lambda F, x: _fresnel_kernel(x, 0), lambda F, x, y: F.cos((0.5 * math.pi) * (x * x)),
    kernels=F32_64, tf_name="FresnelCos",
    test=spec(lambda tf, x: tf.math.special.fresnel_cos(x), uniform(-4.0, 4.0, (3, 4)),
              ref=lambda x: _scipy().fresnel(x)[1], rtol=1e-12, atol=1e-15))
FRESNEL_SIN, _fresnel_sin = declare_unary(
    "fresnel_sin", lambda F, x: _fresnel_kernel(x, 1), lambda F, x, y: F.sin((0.5 * math.pi) * (x * x)),
    kernels=F32_64, tf_name="FresnelSin",
    test=spec(lambda tf, x: tf.math.special.fresnel_sin(x), uniform(-4.0, 4.0, (3, 4)),
              ref=lambda x: _scipy().fresnel(x)[0], rtol=1e-12, atol=1e-15))


def _spence_deriv(F: Any, x: Any, y: Any) -> Any:
    one = x == 1.0
    return F.where(one, -1.0, F.log(x) / (1.0 - x))


SPENCE, _spence = declare_unary(
    "spence", _spence_kernel, _spence_deriv, kernels=F32_64, tf_name="Spence",
    test=spec(lambda tf, x: tf.math.special.spence(x), uniform(0.05, 6.0, (3, 4)), ref=lambda x: _scipy().spence(x),
              rtol=1e-12, atol=1e-15))


def dawsn(x: Any, name: str | None = None) -> Tensor:
    """Dawson's integral ``exp(-x**2) * integral_0^x exp(t**2) dt`` (float32 or float64). Gradient as TF:
    ``1 - 2 x dawsn(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.dawsn(tf.constant([0.5, 1.0, -10.0], tf.float64)).numpy().round(6).tolist()
    [0.424436, 0.53808, -0.050254]
    """
    return _dawsn(x)


def expint(x: Any, name: str | None = None) -> Tensor:
    """The exponential integral ``Ei(x)`` for ``x >= 0`` (``-inf`` at 0; nan for ``x < 0`` and at inf, as TF's
    kernel). Gradient as TF: ``exp(x) / x``.

    >>> import tapegrad as tf
    >>> tf.math.special.expint(tf.constant([1.0, 0.5, 50.0], tf.float64)).numpy().round(6).tolist()
    [1.895118, 0.45422, 1.0585636897131689e+20]
    """
    return _expint(x)


def fresnel_cos(x: Any, name: str | None = None) -> Tensor:
    """The Fresnel cosine integral ``integral_0^x cos(pi t**2 / 2) dt`` (odd; ``±1/2`` at ``±inf``). Gradient as
    TF: ``cos(pi x**2 / 2)``.

    >>> import tapegrad as tf
    >>> tf.math.special.fresnel_cos(tf.constant([0.5, 2.0, -100.5], tf.float64)).numpy().round(6).tolist()
    [0.492344, 0.488253, -0.501212]
    """
    return _fresnel_cos(x)


def fresnel_sin(x: Any, name: str | None = None) -> Tensor:
    """The Fresnel sine integral ``integral_0^x sin(pi t**2 / 2) dt`` (odd). Gradient as TF: ``sin(pi x**2 / 2)``.

    >>> import tapegrad as tf
    >>> tf.math.special.fresnel_sin(tf.constant([0.5, 2.0, -100.5], tf.float64)).numpy().round(6).tolist()
    [0.064732, 0.343416, -0.497074]
    """
    return _fresnel_sin(x)


def spence(x: Any, name: str | None = None) -> Tensor:
    """Spence's function ``integral_1^x log(t) / (1 - t) dt = Li2(1 - x)`` (nan for x < 0). Gradient as TF:
    ``log(x) / (1 - x)``, -1 at 1.

    >>> import tapegrad as tf
    >>> tf.math.special.spence(tf.constant([0.0, 1.0, 2.0], tf.float64)).numpy().round(6).tolist()
    [1.644934, 0.0, -0.822467]
    """
    return _spence(x)


EXPORTS: dict[str, list[str]] = {
    "math.special": ["dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence"],
}
