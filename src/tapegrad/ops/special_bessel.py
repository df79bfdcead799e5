"""Bessel functions of orders 0 and 1: ``tf.math.special.bessel_i0/i0e/i1/i1e/j0/j1/y0/y1/k0/k0e/k1/k1e`` (and
``tf.math.bessel_i0/i0e/i1/i1e``).

NumPy only, float64 inside (the result is cast back); no coefficient tables, only convergent series, a
trapezoidal rule and asymptotic expansions used where they reach double precision:

* ``I0``, ``I1``: the power series (positive terms) for ``|x| <= 30``, the asymptotic series
  ``e^x / sqrt(2 pi x) sum_k (-1)^k a_k / x^k`` beyond (its smallest term is below ``e^-2x``).
* ``K0``, ``K1``: the series with logarithms (A&S 9.6.11/13) for ``x <= 1``; beyond,
  ``K_n(x) e^x = int_0^inf exp(-x (cosh t - 1)) cosh(n t) dt`` by the trapezoidal rule, 40 nodes on
  ``[0, acosh(1 + 50/x)]`` (the integrand is analytic in a strip: the error falls like ``exp(-pi^2 / h)``).
* ``J0``, ``J1``, ``Y0``, ``Y1``: the power series (with logarithms for Y, A&S 9.1.11) for ``|x| <= 4``; Miller's
  backward recurrence normalised by ``J0 + 2 sum J_2k = 1`` and the Neumann series of ``Y0`` (and its
  derivative for ``Y1``) for ``4 < |x| < 25``; Hankel's asymptotic expansions for ``|x| >= 25``.

J and Y keep absolute accuracy near their zeros (relative accuracy there is limited by the conditioning).
Gradients are TF 2.21's formulas (``math_grad.py``), e.g. ``d i1/dx = i0(x) - i1(x)/x`` with 1 at 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._registry import spec, uniform
from .._tensor import Tensor
from ._math_checks import _scipy
from ._special_common import HALF_32_64, declare_unary

_NAN = math.nan
_INF = math.inf
_EULER = 0.5772156649015329
_TWO_OVER_PI = 2.0 / math.pi
_EPS = 1e-17


def _pos_series(z: Any, first: Any, ratio: Any) -> Any:
    """sum_k t_k with t_0 = first, t_k = t_{k-1} * ratio(k) (positive terms), to double precision."""
    term = first.copy()
    s = first.copy()
    for k in range(1, 200):
        term = term * ratio(k)
        s += term
        if not (term > _EPS * s).any():
            break
    return s


# -- modified Bessel functions of the first kind ---------------------------------------------------------------------

def _i_series(x: Any, nu: int) -> Any:
    """I_nu(|x|) for nu in {0, 1} by the power series."""
    z = 0.25 * x * x
    first = np.ones_like(x) if nu == 0 else 0.5 * np.abs(x)
    return _pos_series(z, first, lambda k: z / (k * (k + nu)))


def _i_asym_scaled(x: Any, nu: int) -> Any:
    """I_nu(x) e^-x sqrt(2 pi x) for x >= 30: sum_k (-1)^k a_k(nu) / x^k."""
    mu = 4.0 * nu * nu
    term = np.ones_like(x)
    s = term.copy()
    for k in range(1, 60):
        term = -term * (mu - (2 * k - 1) ** 2) / (8.0 * k * x)
        s += term
        if not (np.abs(term) > _EPS * np.abs(s)).any():
            break
    return s


def _i_kernel(x: Any, nu: int, scaled: bool) -> Any:
    a = np.abs(x)
    out = np.full(x.shape, _NAN)
    small = a <= 30.0
    if small.any():
        v = _i_series(a[small], nu)
        out[small] = v * np.exp(-a[small]) if scaled else v
    big = (a > 30.0) & np.isfinite(a)
    if big.any():
        ab = a[big]
        v = _i_asym_scaled(ab, nu) / np.sqrt(2.0 * math.pi * ab)
        if scaled:
            out[big] = v
        else:  # e^x v, in two halves so that e^x alone may overflow while the product does not
            h = np.exp(0.5 * ab)
            out[big] = (v * h) * h
    inf = np.isinf(a)
    out[inf] = 0.0 if scaled else _NAN  # TF: i0(±inf) and i1(±inf) are nan, i0e/i1e(±inf) are 0
    if nu == 1:
        out = np.where(x < 0, -out, out)
    return out


# -- modified Bessel functions of the second kind --------------------------------------------------------------------

def _k_series(x: Any, nu: int) -> Any:
    """K_nu(x) for 0 < x <= 1 (A&S 9.6.11/13): logarithm times I_nu plus a series in psi."""
    z = 0.25 * x * x
    lg = np.log(0.5 * x)
    i = _i_series(x, nu)
    if nu == 0:
        # K0 = -(log(x/2) + gamma) I0 + sum_k H_k z^k / (k!)^2
        term = np.ones_like(x)
        s = np.zeros_like(x)
        h = 0.0
        for k in range(1, 40):
            term = term * z / (k * k)
            h += 1.0 / k
            s += h * term
        return -(lg + _EULER) * i + s
    # K1 = 1/x + log(x/2) I1 - (x/4) sum_k (psi(k+1) + psi(k+2)) z^k / (k! (k+1)!)
    term = np.ones_like(x)
    hk = 0.0
    s = (2.0 * (-_EULER) + 1.0) * term  # psi(1) + psi(2) = -2 gamma + 1
    for k in range(1, 40):
        term = term * z / (k * (k + 1))
        hk += 1.0 / k
        s += (2.0 * (hk - _EULER) + 1.0 / (k + 1)) * term
    return 1.0 / x + lg * i - 0.25 * x * s


_K_NODES = 24  # (20 already reach 2e-15 against SciPy on x in (1, 1e5])
_CHUNK = 16384  # rows of the (elements x nodes) work arrays at a time


def _k_trapezoid_scaled(x: Any, nu: int) -> Any:
    """K_nu(x) e^x for x > 1 by the trapezoidal rule on int_0^inf exp(-x (cosh t - 1)) cosh(nu t) dt."""
    out = np.empty_like(x)
    nodes = np.arange(_K_NODES + 1, dtype=np.float64)
    for s in range(0, x.size, _CHUNK):
        xs = x[s:s + _CHUNK]
        u = 50.0 / xs
        h = np.log1p(u + np.sqrt(u * (u + 2.0))) / _K_NODES  # acosh(1 + u) / N
        sh = np.sinh((0.5 * h)[:, None] * nodes)
        c1 = 2.0 * sh * sh  # cosh t - 1 = 2 sinh^2(t/2), no cancellation
        f = np.exp(-xs[:, None] * c1)
        if nu == 1:
            f *= c1 + 1.0
        out[s:s + _CHUNK] = h * (f.sum(axis=1) - 0.5 * f[:, 0] - 0.5 * f[:, -1])
    return out


def _k_kernel(x: Any, nu: int, scaled: bool) -> Any:
    out = np.full(x.shape, _NAN)
    out[x <= 0] = _INF  # TF: inf at 0 and for every x < 0
    small = (x > 0) & (x <= 1.0)
    if small.any():
        v = _k_series(x[small], nu)
        out[small] = v * np.exp(x[small]) if scaled else v
    big = (x > 1.0) & np.isfinite(x)
    if big.any():
        xb = x[big]
        v = _k_trapezoid_scaled(xb, nu)
        if scaled:
            out[big] = v
        else:
            h = np.exp(-0.5 * xb)
            out[big] = (v * h) * h
    out[np.isposinf(x)] = 0.0
    return out


# -- Bessel functions of the first and second kind -------------------------------------------------------------------

def _jy_series(x: Any, nu: int) -> tuple[Any, Any]:
    """(J_nu(x), Y_nu(x)) for 0 < x <= 4 (A&S 9.1.10/11)."""
    z = 0.25 * x * x
    lg = np.log(0.5 * x)
    if nu == 0:
        term = np.ones_like(x)
        j = term.copy()
        s = -_EULER * term  # sum_k psi(k+1) (-z)^k / (k!)^2
        h = 0.0
        for k in range(1, 40):
            term = -term * z / (k * k)
            h += 1.0 / k
            j += term
            s += (h - _EULER) * term
        return j, _TWO_OVER_PI * (lg * j - s)
    term = 0.5 * x
    j = term.copy()
    s = (1.0 - 2.0 * _EULER) * term  # sum_k (psi(k+1) + psi(k+2)) (-z)^k (x/2) / (k! (k+1)!)
    hk = 0.0
    for k in range(1, 40):
        term = -term * z / (k * (k + 1))
        hk += 1.0 / k
        j += term
        s += (2.0 * (hk - _EULER) + 1.0 / (k + 1)) * term
    return j, -_TWO_OVER_PI / x + _TWO_OVER_PI * lg * j - s / math.pi


def _jy_miller(x: Any) -> tuple[Any, Any, Any, Any]:
    """(J0, J1, Y0, Y1) for 4 < x < 25: backward recurrence from n = 80 normalised by J0 + 2 sum J_2k = 1, with the
    Neumann series Y0 = 2/pi ((log(x/2) + gamma) J0 - 2 sum_k (-1)^k J_2k / k) and Y1 = -Y0'."""
    top = 80
    jp = np.zeros_like(x)  # J_{n+1}
    jn = np.full_like(x, 1e-30)  # J_n, n = top
    norm = np.zeros_like(x)
    se = np.zeros_like(x)  # sum_k (-1)^k J_2k / k
    so = np.zeros_like(x)  # sum_k (-1)^k (J_{2k-1} - J_{2k+1}) / k, accumulated per odd index
    j1 = np.zeros_like(x)
    for n in range(top, 0, -1):
        if n % 2 == 0:
            k = n // 2
            norm += 2.0 * jn
            se += (-1.0) ** k * jn / k
        else:
            jj = (n - 1) // 2  # n = 2 jj + 1
            c = -1.0 if jj == 0 else (-1.0) ** (jj + 1) * (1.0 / (jj + 1) + 1.0 / jj)
            so += c * jn
            if n == 1:
                j1 = jn.copy()
        jm = (2.0 * n / x) * jn - jp  # J_{n-1}
        jp, jn = jn, jm
        big = np.abs(jn) > 1e250
        if big.any():  # rescale everything accumulated so far
            sc = np.where(big, 1e-250, 1.0)
            jp, jn, norm, se, so, j1 = jp * sc, jn * sc, norm * sc, se * sc, so * sc, j1 * sc
    j0 = jn
    norm += j0
    j0, j1, se, so = j0 / norm, j1 / norm, se / norm, so / norm
    lg = np.log(0.5 * x) + _EULER
    y0 = _TWO_OVER_PI * (lg * j0 - 2.0 * se)
    y1 = _TWO_OVER_PI * (-j0 / x + lg * j1 + so)
    return j0, j1, y0, y1


def _jy_asym(x: Any, nu: int) -> tuple[Any, Any]:
    """(J_nu, Y_nu) for x >= 25 by Hankel's expansions P, Q."""
    mu = 4.0 * nu * nu
    term = np.ones_like(x)
    p = term.copy()
    q = np.zeros_like(x)
    for k in range(1, 80):
        term = term * (mu - (2 * k - 1) ** 2) / (8.0 * k * x)
        if k % 4 == 0:
            p += term
        elif k % 4 == 1:
            q += term
        elif k % 4 == 2:
            p -= term
        else:
            q -= term
        if not (np.abs(term) > _EPS * np.abs(p)).any():
            break
    c, s = np.cos(x), np.sin(x)
    r = math.sqrt(0.5)
    if nu == 0:  # chi = x - pi/4
        cc, ss = r * (c + s), r * (s - c)
    else:  # chi = x - 3 pi/4
        cc, ss = r * (s - c), -r * (s + c)
    amp = np.sqrt(_TWO_OVER_PI / x)
    return amp * (p * cc - q * ss), amp * (p * ss + q * cc)


def _jy_kernel(x: Any, nu: int, want_y: bool) -> Any:
    a = np.abs(x)
    out = np.full(x.shape, _NAN)
    s = (a > 0) & (a <= 4.0)
    if s.any():
        j, y = _jy_series(a[s], nu)
        out[s] = y if want_y else j
    m = (a > 4.0) & (a < 25.0)
    if m.any():
        j0, j1, y0, y1 = _jy_miller(a[m])
        out[m] = (y1 if nu else y0) if want_y else (j1 if nu else j0)
    g = (a >= 25.0) & np.isfinite(a)
    if g.any():
        j, y = _jy_asym(a[g], nu)
        out[g] = y if want_y else j
    if want_y:  # TF: -inf at 0 and for every x < 0, nan at inf
        out[x <= 0] = -_INF
        return out
    out[x == 0] = 1.0 if nu == 0 else 0.0  # TF: nan at ±inf
    if nu == 1:
        out = np.where(x < 0, -out, out)
    return out


# -- the ops ---------------------------------------------------------------------------------------------------------

def _sc() -> Any:
    return _scipy()


def _of(op_call: Any) -> Any:
    return lambda F, x: (op_call(x) if F.is_diff else _RAW[op_call](F, x))


_RAW: dict[Any, Any] = {}


def _decl(name: str, tf_name: str, kernel: Any, deriv: Any, ref: Any, lo: float, hi: float,
          save_out: bool = False, post: Any = None) -> tuple[Any, Any]:
    op, call = declare_unary(
        f"bessel_{name}", kernel, deriv, kernels=HALF_32_64, save_out=save_out, tf_name=tf_name, post=post,
        test=spec(lambda tf, x: getattr(tf.math.special, f"bessel_{name}")(x), uniform(lo, hi, (3, 4)),
                  ref=lambda x: ref()(x), rtol=1e-12, atol=1e-14))

    from ._special_common import run_kernel

    _RAW[call] = lambda F, x: run_kernel(F, kernel, x)
    return op, call


def _y1_at_zero(x: Any, out: Any) -> Any:
    """TF's float32/float16 kernels give nan for y1(0) (float64: -inf)."""
    if x.dtype == np.float64:
        return out
    return np.where(x == 0, np.asarray(_NAN, out.dtype), out)


def _ratio_or(F: Any, x: Any, y: Any, at_zero: float) -> Any:
    """``y / x`` with ``at_zero`` where x == 0 (TF's where(x == 0, c, ... - y / x) in the gradients)."""
    z = x == 0
    return F.where(z, at_zero, y / F.where(z, F.ones_like(x), x))


BESSEL_I0, _i0 = _decl("i0", "BesselI0", lambda F, v: _i_kernel(v, 0, False), lambda F, x, y: _i1_of(F, x),
                       lambda: _sc().i0, -40.0, 40.0)
BESSEL_I0E, _i0e = _decl("i0e", "BesselI0e", lambda F, v: _i_kernel(v, 0, True),
                         lambda F, x, y: _i1e_of(F, x) - F.sign(x) * y, lambda: _sc().i0e, -40.0, 40.0, True)
BESSEL_I1, _i1 = _decl("i1", "BesselI1", lambda F, v: _i_kernel(v, 1, False),
                       lambda F, x, y: F.where(x == 0, 1.0, _i0_of(F, x) - _ratio_or(F, x, y, 0.0)),
                       lambda: _sc().i1, -40.0, 40.0, True)
BESSEL_I1E, _i1e = _decl("i1e", "BesselI1e", lambda F, v: _i_kernel(v, 1, True),
                         lambda F, x, y: F.where(x == 0, 0.5, _i0e_of(F, x) - y * F.sign(x) - _ratio_or(F, x, y, 0.0)),
                         lambda: _sc().i1e, -40.0, 40.0, True)
BESSEL_K0, _k0 = _decl("k0", "BesselK0", lambda F, v: _k_kernel(v, 0, False), lambda F, x, y: -_k1_of(F, x),
                       lambda: _sc().k0, 0.1, 40.0)
BESSEL_K0E, _k0e = _decl("k0e", "BesselK0e", lambda F, v: _k_kernel(v, 0, True),
                         lambda F, x, y: y - _k1e_of(F, x), lambda: _sc().k0e, 0.1, 40.0, True)
BESSEL_K1, _k1 = _decl("k1", "BesselK1", lambda F, v: _k_kernel(v, 1, False),
                       lambda F, x, y: -_k0_of(F, x) - y / x, lambda: _sc().k1, 0.1, 40.0, True)
BESSEL_K1E, _k1e = _decl("k1e", "BesselK1e", lambda F, v: _k_kernel(v, 1, True),
                         lambda F, x, y: y * (1.0 - 1.0 / x) - _k0e_of(F, x), lambda: _sc().k1e, 0.1, 40.0, True)
BESSEL_J0, _j0 = _decl("j0", "BesselJ0", lambda F, v: _jy_kernel(v, 0, False), lambda F, x, y: -_j1_of(F, x),
                       lambda: _sc().j0, -40.0, 40.0)
BESSEL_J1, _j1 = _decl("j1", "BesselJ1", lambda F, v: _jy_kernel(v, 1, False),
                       lambda F, x, y: F.where(x == 0, 0.5, _j0_of(F, x) - _ratio_or(F, x, y, 0.0)),
                       lambda: _sc().j1, -40.0, 40.0, True)
BESSEL_Y0, _y0 = _decl("y0", "BesselY0", lambda F, v: _jy_kernel(v, 0, True), lambda F, x, y: -_y1_of(F, x),
                       lambda: _sc().y0, 0.1, 40.0)
BESSEL_Y1, _y1 = _decl("y1", "BesselY1", lambda F, v: _jy_kernel(v, 1, True),
                       lambda F, x, y: _y0_of(F, x) - y / x, lambda: _sc().y1, 0.1, 40.0, True, _y1_at_zero)

_i0_of, _i1_of, _i0e_of, _i1e_of = _of(_i0), _of(_i1), _of(_i0e), _of(_i1e)
_k0_of, _k1_of, _k0e_of, _k1e_of = _of(_k0), _of(_k1), _of(_k0e), _of(_k1e)
_j0_of, _j1_of, _y0_of, _y1_of = _of(_j0), _of(_j1), _of(_y0), _of(_y1)


def bessel_i0(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 0 (float16, float32 or float64). Gradient
    ``bessel_i1(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_i0(tf.constant([0.0, 1.0, -2.0], tf.float64)).numpy().round(6).tolist()
    [1.0, 1.266066, 2.279585]
    """
    return _i0(x)


def bessel_i0e(x: Any, name: str | None = None) -> Tensor:
    """``exp(-|x|) * bessel_i0(x)``, without overflow for large ``|x|``. Gradient ``i1e(x) - sign(x) i0e(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_i0e(tf.constant([0.0, 1000.0], tf.float64)).numpy().round(6).tolist()
    [1.0, 0.012617]
    """
    return _i0e(x)


def bessel_i1(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (odd). Gradient as TF: ``i0(x) - i1(x)/x``, 1 at 0.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_i1(tf.constant([0.0, 1.0, -2.0], tf.float64)).numpy().round(6).tolist()
    [0.0, 0.565159, -1.590637]
    """
    return _i1(x)


def bessel_i1e(x: Any, name: str | None = None) -> Tensor:
    """``exp(-|x|) * bessel_i1(x)``. Gradient as TF: ``i0e(x) - i1e(x) (sign(x) + 1/x)``, 1/2 at 0.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_i1e(tf.constant([1.0, -1000.0], tf.float64)).numpy().round(6).tolist()
    [0.20791, -0.012611]
    """
    return _i1e(x)


def bessel_k0(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of the second kind of order 0 (inf at 0, nan for x < 0). Gradient ``-k1(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_k0(tf.constant([0.5, 2.0], tf.float64)).numpy().round(6).tolist()
    [0.924419, 0.113894]
    """
    return _k0(x)


def bessel_k0e(x: Any, name: str | None = None) -> Tensor:
    """``exp(x) * bessel_k0(x)``, without underflow for large ``x``. Gradient ``k0e(x) - k1e(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_k0e(tf.constant([0.5, 1000.0], tf.float64)).numpy().round(6).tolist()
    [1.524109, 0.039628]
    """
    return _k0e(x)


def bessel_k1(x: Any, name: str | None = None) -> Tensor:
    """The modified Bessel function of the second kind of order 1. Gradient as TF: ``-k0(x) - k1(x)/x``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_k1(tf.constant([0.5, 2.0], tf.float64)).numpy().round(6).tolist()
    [1.656441, 0.139866]
    """
    return _k1(x)


def bessel_k1e(x: Any, name: str | None = None) -> Tensor:
    """``exp(x) * bessel_k1(x)``. Gradient as TF: ``k1e(x) (1 - 1/x) - k0e(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_k1e(tf.constant([0.5, 1000.0], tf.float64)).numpy().round(6).tolist()
    [2.73101, 0.039648]
    """
    return _k1e(x)


def bessel_j0(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the first kind of order 0 (even). Gradient ``-j1(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_j0(tf.constant([0.0, 1.0, -10.0], tf.float64)).numpy().round(6).tolist()
    [1.0, 0.765198, -0.245936]
    """
    return _j0(x)


def bessel_j1(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the first kind of order 1 (odd). Gradient as TF: ``j0(x) - j1(x)/x``, 1/2 at 0.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_j1(tf.constant([0.0, 1.0, -10.0], tf.float64)).numpy().round(6).tolist()
    [0.0, 0.440051, -0.043473]
    """
    return _j1(x)


def bessel_y0(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the second kind of order 0 (``-inf`` at 0, nan for x < 0). Gradient ``-y1(x)``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_y0(tf.constant([1.0, 10.0], tf.float64)).numpy().round(6).tolist()
    [0.088257, 0.055671]
    """
    return _y0(x)


def bessel_y1(x: Any, name: str | None = None) -> Tensor:
    """The Bessel function of the second kind of order 1. Gradient as TF: ``y0(x) - y1(x)/x``.

    >>> import tapegrad as tf
    >>> tf.math.special.bessel_y1(tf.constant([1.0, 10.0], tf.float64)).numpy().round(6).tolist()
    [-0.781213, 0.249015]
    """
    return _y1(x)


EXPORTS: dict[str, list[str]] = {
    "math": ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"],
    "math.special": ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "bessel_j0", "bessel_j1", "bessel_k0",
                     "bessel_k0e", "bessel_k1", "bessel_k1e", "bessel_y0", "bessel_y1"],
}
