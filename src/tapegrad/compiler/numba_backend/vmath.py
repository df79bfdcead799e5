"""Vectorisable elementary functions for Numba kernels (float32 and float64).

Inside a Numba loop ``np.exp``/``np.tanh``/``np.log`` become scalar libm calls, which stops LLVM's loop
vectoriser: a fused 1e6-element step then runs 30-50x slower than NumPy's SIMD ufuncs. The functions here use
only operations LLVM vectorises (multiply-add via ``llvm.fmuladd``, ``floor``, selects, integer shifts and bit
casts), so a loop calling them compiles to AVX/AVX-512 code.

Method (textbook, no tables so that nothing needs a gather):

* ``exp``: ``x = n ln2 + r`` (Cody-Waite split of ln2, ``|r| <= ln2/2``), a polynomial for ``e^r``, and
  ``2^n`` built from exponent bits (float64: in two factors; float32: added to the polynomial's exponent bits,
  with results below ``2^-125`` built ``2^24`` too large and scaled once), so results down to the subnormals
  and up to overflow are exact scalings. ``expm1`` uses the same reduction and ``2^n q + (2^n - 1)`` (no
  cancellation near 0).
* ``log``: ``x = 2^e m`` with ``m`` in ``[sqrt(1/2), sqrt(2))`` from the bits (subnormals rescaled first),
  ``log m = 2 atanh(s)``, ``s = f/(2+f)``, ``f = m - 1``, evaluated as ``f - f^2/2 + s (f^2/2 + R(s^2))``.
  ``log1p(x) = log(u) + (x - (u - 1))/u`` with ``u = 1 + x`` (the rounding of ``u`` is corrected).
* ``tanh``: float64 ``sign(x) q/(q + 2)`` with ``q = expm1(2|x|)``, 1 beyond the point where tanh rounds to 1;
  float32 ``x P(x^2)/Q(x^2)``, a rational minimax approximation on the clamped argument (as TF's Eigen and XLA
  compute float32 tanh; twice as fast as the expm1 form, 5 ulp instead of 2.5).
* ``sigmoid``: tapegrad's own stable formula ``where(x >= 0, 1/(1+e), e/(1+e))``, ``e = exp(-|x|)``.
* ``sin``/``cos``: ``x = n pi/2 + r`` with a three-part pi/2 (exact products while ``|n| < 2^20``), Taylor
  polynomials on ``|r| <= pi/4`` and the quadrant from ``n mod 4``. float32 is computed in float64 and rounded
  once. Beyond ``TRIG_LIMIT`` the reduction is not exact: kernels then fall back to libm (see kernel.py).

Special values follow NumPy: NaN in, NaN out; ``exp(-inf) = 0``, ``exp(inf) = inf``, ``log(0) = -inf``,
``log(x < 0) = nan``, ``tanh(+-inf) = +-1``. Accuracy against a float64/extended-precision reference is measured
in tests/test_jit_vmath.py (the bounds, in ulps, are ``MAX_ULP`` below); NumPy's own float32 ``exp``/``tanh``
are 1-3 ulps off the true values on this kind of machine, so "equal to NumPy" is not the criterion, "within a
few ulps of the truth" is.

Everything here imports Numba: load this module only on the first jit compile.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from .cachedir import install_locator

install_locator()  # this module's compiled functions are cached in the user cache directory

#: Measured worst-case error in ulps (tests assert these over dense and special inputs).
MAX_ULP: dict[str, float] = {
    "exp": 1.0, "expm1": 2.0, "log": 1.0, "log1p": 1.0, "tanh": 2.5, "sigmoid": 3.0, "sin": 2.5, "cos": 2.5,
}
#: The float32 bounds where they differ: tanh is a rational approximation evaluated in float32 (as TF's and XLA's
#: are: TF 2.21's own float32 tanh is up to 6.1 ulp off; see docs/jit.md), measured over every float32 input.
MAX_ULP_FLOAT32: dict[str, float] = {**MAX_ULP, "tanh": 5.0}
#: ``|x|`` above which sin/cos take the libm fallback (the three-part reduction stays exact below it).
TRIG_LIMIT = 1.0e6

# -- LLVM intrinsics ---------------------------------------------------------------------------------------------


@intrinsic
def fmuladd(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """``a*b + c``, fused where the CPU has FMA (``llvm.fmuladd``): deterministic for a given machine."""
    if not (isinstance(a, types.Float) and a == b == c):
        return None
    sig = a(a, a, a)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        t = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fmuladd", [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(fn, args)

    return sig, codegen


def _bitcast(src: types.Type, dst: types.Type, llty: ir.Type):  # type: ignore[no-untyped-def]
    """Reinterpret the bits of a ``src`` value as ``dst`` (an integer argument of another width is truncated or
    sign-extended first: Numba widens int32 arithmetic to int64)."""
    width = src.bitwidth

    @intrinsic
    def cast(typingctx, v):  # type: ignore[no-untyped-def]
        if v != src and not (isinstance(src, types.Integer) and isinstance(v, types.Integer)):
            return None

        def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
            a = args[0]
            if isinstance(a.type, ir.IntType) and a.type.width != width:
                a = builder.trunc(a, ir.IntType(width)) if a.type.width > width else builder.sext(a, ir.IntType(width))
            return builder.bitcast(a, llty)

        return dst(v), codegen

    return cast


f32_bits = _bitcast(types.float32, types.int32, ir.IntType(32))
bits_f32 = _bitcast(types.int32, types.float32, ir.FloatType())
f64_bits = _bitcast(types.float64, types.int64, ir.IntType(64))
bits_f64 = _bitcast(types.int64, types.float64, ir.DoubleType())


@intrinsic
def radd(typingctx, a, b):  # type: ignore[no-untyped-def]
    """``a + b`` that LLVM may reassociate: lets a reduction loop vectorise (fixed order per build, so the
    result is deterministic run to run; it is not NumPy's pairwise order)."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ins = builder.fadd(args[0], args[1])
        ins.flags.extend(["reassoc", "nsz"])
        return ins

    return a(a, b), codegen


@intrinsic
def rmul(typingctx, a, b):  # type: ignore[no-untyped-def]
    """``a * b`` that LLVM may reassociate (product reductions)."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ins = builder.fmul(args[0], args[1])
        ins.flags.extend(["reassoc", "nsz"])
        return ins

    return a(a, b), codegen


# -- coefficients ----------------------------------------------------------------------------------------------

_F32 = np.float32
_F64 = np.float64

_L2E = 1.4426950408889634
# ln2 split so that n*hi is exact: float32 hi has 16 significant bits, float64 hi 32 (fdlibm's split)
_LN2_HI32, _LN2_LO32 = 0.693145751953125, 1.428606765330187e-06
_LN2_HI64, _LN2_LO64 = 6.93147180369123816490e-01, 1.90821492927058770002e-10
# pi/2 in three 33-bit pieces and the remainder's next piece (products with |n| < 2^20 are exact)
_PIO2_1, _PIO2_2, _PIO2_3 = 1.57079632673412561417e00, 6.07710050630396597660e-11, 2.02226624871116645580e-21
_2_OVER_PI = 0.63661977236758134308

# float32 exp: the shifter 1.5 * 2^23 rounds x / ln2 to an integer in its low bits; e^r on |r| <= ln2/2 as
# 1 + r + r^2 (c2 + c3 r + ... + c6 r^4), minimax (relative error 3.1e-9 before float32 rounding)
_SHIFTER = 12582912.0
_EXP32 = (0.4999999403953552, 0.1666652113199234, 0.04166838899254799, 0.008368710055947304, 0.001381461275741458)
_EXP32_MAX = 88.72283172607422  # the largest float32 whose exp is finite
# float32 tanh: x P(z) / Q(z), z = x^2, P of degree 6 and Q of degree 3, minimax relative error 8e-9 on [0, 9.1]
# (P rounded to float32, then Q refitted); float32 evaluation adds the rounding of twelve operations: 4.95 ulp at
# most over every float32 input. tanh rounds to 1 in float32 from 9.0109.
_TANH32_CLAMP = 9.1
_TANH32_P = (0.1308153122663498, 0.003101139096543193, 1.1123462172690779e-05, -2.0091626140583685e-08,
             5.20902522505029e-11, -8.300256098756065e-14)
_TANH32_Q = (0.464148610830307, 0.024484092369675636, 0.00025419623125344515)


# -- exp / expm1 -------------------------------------------------------------------------------------------------


@njit(error_model="numpy")
def _exp_poly32(r):  # type: ignore[no-untyped-def]
    # e^r - 1 - r on |r| <= ln2/2 (Taylor to r^7: truncation < 6e-9 relative)
    p = _F32(1 / 5040)
    p = fmuladd(p, r, _F32(1 / 720))
    p = fmuladd(p, r, _F32(1 / 120))
    p = fmuladd(p, r, _F32(1 / 24))
    p = fmuladd(p, r, _F32(1 / 6))
    p = fmuladd(p, r, _F32(0.5))
    return p * r * r


@njit(error_model="numpy")
def _exp_poly64(r):  # type: ignore[no-untyped-def]
    # e^r - 1 - r on |r| <= ln2/2 (Taylor to r^13: truncation < 5e-18 relative)
    p = 1 / 6227020800
    p = fmuladd(p, r, 1 / 479001600)
    p = fmuladd(p, r, 1 / 39916800)
    p = fmuladd(p, r, 1 / 3628800)
    p = fmuladd(p, r, 1 / 362880)
    p = fmuladd(p, r, 1 / 40320)
    p = fmuladd(p, r, 1 / 5040)
    p = fmuladd(p, r, 1 / 720)
    p = fmuladd(p, r, 1 / 120)
    p = fmuladd(p, r, 1 / 24)
    p = fmuladd(p, r, 1 / 6)
    p = fmuladd(p, r, 0.5)
    return p * r * r


@njit(error_model="numpy", cache=True)
def exp_f32(x):  # type: ignore[no-untyped-def]
    # n = rint(x / ln2) by the 1.5 * 2^23 shifter (t's low bits hold n); a degree-6 minimax polynomial; 2^n added
    # to p's exponent bits. Results below 2^-125 are built 2^24 too large and scaled once (exact subnormals);
    # above ln(FLT_MAX) the last select gives inf, and for NaN x + inf = NaN.
    xc = max(x, _F32(-104.0))  # Numba's max keeps a NaN first argument
    t = fmuladd(xc, _F32(_L2E), _F32(_SHIFTER))
    n = t - _F32(_SHIFTER)
    r = fmuladd(n, _F32(-_LN2_HI32), xc)
    r = fmuladd(n, _F32(-_LN2_LO32), r)
    p = _F32(_EXP32[4])
    p = fmuladd(p, r, _F32(_EXP32[3]))
    p = fmuladd(p, r, _F32(_EXP32[2]))
    p = fmuladd(p, r, _F32(_EXP32[1]))
    p = fmuladd(p, r, _F32(_EXP32[0]))
    p = fmuladd(p, r, _F32(1.0))
    p = fmuladd(p, r, _F32(1.0))
    sub = n < _F32(-125.0)
    e = f32_bits(t) + (np.int32(24) if sub else np.int32(0))  # (bits(t) << 23) == (n << 23) mod 2^32
    res = bits_f32(f32_bits(p) + (e << np.int32(23)))
    res = res * (_F32(2.0 ** -24) if sub else _F32(1.0))
    return res if x <= _F32(_EXP32_MAX) else x + _F32(np.inf)


@njit(error_model="numpy", cache=True)
def exp_neg_f32(x):  # type: ignore[no-untyped-def]
    # exp_f32 for arguments known to be <= 0 (or NaN; exact up to 70): bit for bit exp_f32's result in 13
    # operations instead of 19. The polynomial's coefficients are exp_f32's times 2^-25 (a power of two: every
    # Horner step is the same rounding, scaled), and t carries n + 152 in its low bits, so bits(t) << 23 is
    # 2^(n+25), a normal number for n >= -150: one multiply gives the result, exact for normal results and rounded
    # once for subnormal ones. No overflow test (n <= 102 cannot overflow) and no NaN select: a NaN in x makes p
    # NaN, and NaN times any scale stays NaN.
    xc = max(x, _F32(-104.0))  # Numba's max keeps a NaN first argument
    t = fmuladd(xc, _F32(_L2E), _F32(_SHIFTER + 152.0))
    n = t - _F32(_SHIFTER + 152.0)
    r = fmuladd(n, _F32(-_LN2_HI32), xc)
    r = fmuladd(n, _F32(-_LN2_LO32), r)
    p = _F32(_EXP32[4] * 2.0 ** -25)
    p = fmuladd(p, r, _F32(_EXP32[3] * 2.0 ** -25))
    p = fmuladd(p, r, _F32(_EXP32[2] * 2.0 ** -25))
    p = fmuladd(p, r, _F32(_EXP32[1] * 2.0 ** -25))
    p = fmuladd(p, r, _F32(_EXP32[0] * 2.0 ** -25))
    p = fmuladd(p, r, _F32(2.0 ** -25))
    p = fmuladd(p, r, _F32(2.0 ** -25))
    return p * bits_f32(f32_bits(t) << np.int32(23))


@njit(error_model="numpy", cache=True)
def exp_f64(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, -746.0), 710.0)
    n = np.floor(fmuladd(xc, _L2E, 0.5))
    r = fmuladd(n, -_LN2_HI64, xc)
    r = fmuladd(n, -_LN2_LO64, r)
    p = 1.0 + (r + _exp_poly64(r))
    ni = np.int64(n)
    n1 = ni >> 1
    s1 = bits_f64((n1 + np.int64(1023)) << np.int64(52))
    s2 = bits_f64((ni - n1 + np.int64(1023)) << np.int64(52))
    res = p * s1 * s2
    return res if x == x else x


@njit(error_model="numpy", cache=True)
def expm1_f32(x):  # type: ignore[no-untyped-def]
    # e^x - 1 = 2 (t q + t - 1/2) with t = 2^(n-1), q = e^r - 1 (the factor 2 keeps t finite up to overflow)
    xc = min(max(x, _F32(-80.0)), _F32(89.0))
    n = np.floor(fmuladd(xc, _F32(_L2E), _F32(0.5)))
    r = fmuladd(n, _F32(-_LN2_HI32), xc)
    r = fmuladd(n, _F32(-_LN2_LO32), r)
    q = r + _exp_poly32(r)
    t = bits_f32((np.int32(n) - np.int32(1) + np.int32(127)) << np.int32(23))
    res = _F32(2.0) * fmuladd(t, q, t - _F32(0.5))
    res = q if n == _F32(0.0) else res
    res = x if abs(x) < _F32(1e-30) else res  # keeps -0.0 and tiny x exact
    return res if x == x else x


@njit(error_model="numpy", cache=True)
def expm1_f64(x):  # type: ignore[no-untyped-def]
    xc = min(max(x, -100.0), 710.0)  # below -37.5 the result is -1; keeps 2^(n-1) a normal number
    n = np.floor(fmuladd(xc, _L2E, 0.5))
    r = fmuladd(n, -_LN2_HI64, xc)
    r = fmuladd(n, -_LN2_LO64, r)
    q = r + _exp_poly64(r)
    t = bits_f64((np.int64(n) - np.int64(1) + np.int64(1023)) << np.int64(52))
    res = 2.0 * fmuladd(t, q, t - 0.5)
    res = q if n == 0.0 else res
    res = x if abs(x) < 1e-300 else res
    return res if x == x else x


# -- log / log1p -------------------------------------------------------------------------------------------------


@njit(error_model="numpy")
def _log_r32(z):  # type: ignore[no-untyped-def]
    # R(z) = sum_{k>=1} 2 z^k / (2k+1), z = s^2 <= 0.0295 (to z^5: truncation < 3e-10 relative)
    p = _F32(2 / 11)
    p = fmuladd(p, z, _F32(2 / 9))
    p = fmuladd(p, z, _F32(2 / 7))
    p = fmuladd(p, z, _F32(2 / 5))
    p = fmuladd(p, z, _F32(2 / 3))
    return p * z


@njit(error_model="numpy")
def _log_r64(z):  # type: ignore[no-untyped-def]
    # to z^11: truncation < 1e-18 relative
    p = 2 / 23
    p = fmuladd(p, z, 2 / 21)
    p = fmuladd(p, z, 2 / 19)
    p = fmuladd(p, z, 2 / 17)
    p = fmuladd(p, z, 2 / 15)
    p = fmuladd(p, z, 2 / 13)
    p = fmuladd(p, z, 2 / 11)
    p = fmuladd(p, z, 2 / 9)
    p = fmuladd(p, z, 2 / 7)
    p = fmuladd(p, z, 2 / 5)
    p = fmuladd(p, z, 2 / 3)
    return p * z


@njit(error_model="numpy")
def _log_core32(x, c):  # type: ignore[no-untyped-def]
    # log(x) + c for finite x > 0 (c: a small correction added before the final rounding)
    sub = x < _F32(1.1754944e-38)
    xs = x * _F32(8388608.0) if sub else x  # 2^23: subnormals become normal
    ix = f32_bits(xs) - np.int32(0x3F3504F3)  # bits of sqrt(1/2)
    e = (ix >> np.int32(23)) - (np.int32(23) if sub else np.int32(0))
    m = bits_f32((ix & np.int32(0x007FFFFF)) + np.int32(0x3F3504F3))
    f = m - _F32(1.0)
    s = f / (_F32(2.0) + f)
    hfsq = _F32(0.5) * f * f
    ef = _F32(e)
    lo = fmuladd(s, hfsq + _log_r32(s * s), fmuladd(ef, _F32(_LN2_LO32), c))
    return fmuladd(ef, _F32(_LN2_HI32), f - (hfsq - lo))


@njit(error_model="numpy")
def _log_core64(x, c):  # type: ignore[no-untyped-def]
    sub = x < 2.2250738585072014e-308
    xs = x * 4503599627370496.0 if sub else x  # 2^52
    ix = f64_bits(xs) - np.int64(0x3FE6A09E667F3BCD)
    e = (ix >> np.int64(52)) - (np.int64(52) if sub else np.int64(0))
    m = bits_f64((ix & np.int64(0x000FFFFFFFFFFFFF)) + np.int64(0x3FE6A09E667F3BCD))
    f = m - 1.0
    s = f / (2.0 + f)
    hfsq = 0.5 * f * f
    ef = np.float64(e)
    lo = fmuladd(s, hfsq + _log_r64(s * s), fmuladd(ef, _LN2_LO64, c))
    return fmuladd(ef, _LN2_HI64, f - (hfsq - lo))


@njit(error_model="numpy", cache=True)
def log_f32(x):  # type: ignore[no-untyped-def]
    xp = x if x > _F32(0.0) else _F32(1.0)
    res = _log_core32(xp, _F32(0.0))
    res = x if x == _F32(np.inf) else res
    res = _F32(-np.inf) if x == _F32(0.0) else res
    return res if x >= _F32(0.0) else _F32(np.nan)


@njit(error_model="numpy", cache=True)
def log_f64(x):  # type: ignore[no-untyped-def]
    xp = x if x > 0.0 else 1.0
    res = _log_core64(xp, 0.0)
    res = x if x == np.inf else res
    res = -np.inf if x == 0.0 else res
    return res if x >= 0.0 else np.nan


@njit(error_model="numpy", cache=True)
def log1p_f32(x):  # type: ignore[no-untyped-def]
    u = _F32(1.0) + x
    up = u if (u > _F32(0.0) and u < _F32(np.inf)) else _F32(1.0)
    c = (x - (up - _F32(1.0))) / up
    res = _log_core32(up, c)
    res = x if abs(x) < _F32(1e-30) else res  # keeps -0.0 and tiny x exact
    res = x if x == _F32(np.inf) else res
    res = _F32(-np.inf) if x == _F32(-1.0) else res
    return res if x >= _F32(-1.0) else _F32(np.nan)


@njit(error_model="numpy", cache=True)
def log1p_f64(x):  # type: ignore[no-untyped-def]
    u = 1.0 + x
    up = u if (u > 0.0 and u < np.inf) else 1.0
    c = (x - (up - 1.0)) / up
    res = _log_core64(up, c)
    res = x if abs(x) < 1e-300 else res
    res = x if x == np.inf else res
    res = -np.inf if x == -1.0 else res
    return res if x >= -1.0 else np.nan


# -- tanh / sigmoid ----------------------------------------------------------------------------------------------


@njit(error_model="numpy", cache=True)
def tanh_f32(x):  # type: ignore[no-untyped-def]
    # tanh(x) = x P(x^2) / Q(x^2), a rational minimax approximation on [0, TANH32_CLAMP] (P(0) = Q(0) = 1, so tiny
    # x and -0.0 come back exactly); beyond the clamp it rounds to +-1.
    xc = min(max(x, _F32(-_TANH32_CLAMP)), _F32(_TANH32_CLAMP))  # Numba's max/min keep a NaN first argument
    z = xc * xc
    p = _F32(_TANH32_P[5])
    p = fmuladd(p, z, _F32(_TANH32_P[4]))
    p = fmuladd(p, z, _F32(_TANH32_P[3]))
    p = fmuladd(p, z, _F32(_TANH32_P[2]))
    p = fmuladd(p, z, _F32(_TANH32_P[1]))
    p = fmuladd(p, z, _F32(_TANH32_P[0]))
    p = fmuladd(p, z, _F32(1.0))
    q = _F32(_TANH32_Q[2])
    q = fmuladd(q, z, _F32(_TANH32_Q[1]))
    q = fmuladd(q, z, _F32(_TANH32_Q[0]))
    q = fmuladd(q, z, _F32(1.0))
    return (xc * p) / q


@njit(error_model="numpy", cache=True)
def tanh_f64(x):  # type: ignore[no-untyped-def]
    a = abs(x)
    q = expm1_f64(min(a, 20.0) * 2.0)
    t = q / (q + 2.0)
    t = 1.0 if a > 19.1 else t
    t = -t if x < 0.0 else t
    t = x if a < 1e-300 else t
    return t if x == x else x


@njit(error_model="numpy", cache=True)
def sigmoid_f32(x):  # type: ignore[no-untyped-def]
    e = exp_neg_f32(-abs(x))
    d = _F32(1.0) / (_F32(1.0) + e)
    return d if x >= _F32(0.0) else e * d if x == x else x


@njit(error_model="numpy", cache=True)
def sigmoid_f64(x):  # type: ignore[no-untyped-def]
    e = exp_f64(-abs(x))
    d = 1.0 / (1.0 + e)
    return d if x >= 0.0 else e * d if x == x else x


# -- sin / cos ---------------------------------------------------------------------------------------------------


@njit(error_model="numpy")
def _sincos_reduced(x):  # type: ignore[no-untyped-def]
    """(sin r, cos r, quadrant) for float64 x with |x| <= TRIG_LIMIT."""
    n = np.floor(fmuladd(x, _2_OVER_PI, 0.5))
    r = fmuladd(n, -_PIO2_1, x)
    r = fmuladd(n, -_PIO2_2, r)
    r = fmuladd(n, -_PIO2_3, r)
    z = r * r
    # sin r = r + r z S(z), Taylor to r^19; cos r = 1 - z/2 + z^2 C(z), Taylor to r^20 (|r| <= pi/4)
    s = -1 / 121645100408832000
    s = fmuladd(s, z, 1 / 355687428096000)
    s = fmuladd(s, z, -1 / 1307674368000)
    s = fmuladd(s, z, 1 / 6227020800)
    s = fmuladd(s, z, -1 / 39916800)
    s = fmuladd(s, z, 1 / 362880)
    s = fmuladd(s, z, -1 / 5040)
    s = fmuladd(s, z, 1 / 120)
    s = fmuladd(s, z, -1 / 6)
    sn = fmuladd(r * z, s, r)
    c = 1 / 2432902008176640000
    c = fmuladd(c, z, -1 / 6402373705728000)
    c = fmuladd(c, z, 1 / 20922789888000)
    c = fmuladd(c, z, -1 / 87178291200)
    c = fmuladd(c, z, 1 / 479001600)
    c = fmuladd(c, z, -1 / 3628800)
    c = fmuladd(c, z, 1 / 40320)
    c = fmuladd(c, z, -1 / 720)
    c = fmuladd(c, z, 1 / 24)
    hz = 0.5 * z
    w = 1.0 - hz
    cs = w + (((1.0 - w) - hz) + z * z * c)
    return sn, cs, np.int64(n) & np.int64(3)


@njit(error_model="numpy", cache=True)
def sin_f64(x):  # type: ignore[no-untyped-def]
    xr = x if abs(x) <= TRIG_LIMIT else 0.0
    sn, cs, q = _sincos_reduced(xr)
    v = cs if (q & np.int64(1)) != 0 else sn
    v = -v if (q & np.int64(2)) != 0 else v
    return v if abs(x) <= TRIG_LIMIT else np.nan  # beyond the limit: NaN marks it (the kernel falls back)


@njit(error_model="numpy", cache=True)
def cos_f64(x):  # type: ignore[no-untyped-def]
    xr = x if abs(x) <= TRIG_LIMIT else 0.0
    sn, cs, q = _sincos_reduced(xr)
    v = sn if (q & np.int64(1)) != 0 else cs
    v = -v if ((q + np.int64(1)) & np.int64(2)) != 0 else v
    return v if abs(x) <= TRIG_LIMIT else np.nan


@njit(error_model="numpy", cache=True)
def sin_f32(x):  # type: ignore[no-untyped-def]
    return np.float32(sin_f64(np.float64(x)))


@njit(error_model="numpy", cache=True)
def cos_f32(x):  # type: ignore[no-untyped-def]
    return np.float32(cos_f64(np.float64(x)))


# -- scalar libm functions and NumPy's float floor division / remainder (kernels call these for the primitives
# without a vector version; LLVM inlines them; compiled once per dtype and cached like the functions above)

_C = {"error_model": "numpy", "cache": True}


@njit(**_C)
def libm_tan(x):  # type: ignore[no-untyped-def]
    return math.tan(x)


@njit(**_C)
def libm_arcsin(x):  # type: ignore[no-untyped-def]
    return math.asin(x)


@njit(**_C)
def libm_arccos(x):  # type: ignore[no-untyped-def]
    return math.acos(x)


@njit(**_C)
def libm_arctan(x):  # type: ignore[no-untyped-def]
    return math.atan(x)


@njit(**_C)
def libm_sinh(x):  # type: ignore[no-untyped-def]
    return math.sinh(x)


@njit(**_C)
def libm_cosh(x):  # type: ignore[no-untyped-def]
    return math.cosh(x)


@njit(**_C)
def libm_arcsinh(x):  # type: ignore[no-untyped-def]
    return math.asinh(x)


@njit(**_C)
def libm_arccosh(x):  # type: ignore[no-untyped-def]
    return math.acosh(x)


@njit(**_C)
def libm_arctanh(x):  # type: ignore[no-untyped-def]
    return math.atanh(x)


@njit(**_C)
def libm_erf(x):  # type: ignore[no-untyped-def]
    return math.erf(x)


@njit(**_C)
def libm_erfc(x):  # type: ignore[no-untyped-def]
    return math.erfc(x)


@njit(**_C)
def libm_lgamma(x):  # type: ignore[no-untyped-def]
    return math.lgamma(x)


@njit(**_C)
def libm_arctan2(y, x):  # type: ignore[no-untyped-def]
    return math.atan2(y, x)


@njit(**_C)
def libm_exp2(x):  # type: ignore[no-untyped-def]
    return np.exp2(x)


@njit(**_C)
def libm_log2(x):  # type: ignore[no-untyped-def]
    return np.log2(x)


@njit(**_C)
def libm_log10(x):  # type: ignore[no-untyped-def]
    return np.log10(x)


@njit(**_C)
def libm_cbrt(x):  # type: ignore[no-untyped-def]
    return np.cbrt(x)


@njit(**_C)
def libm_exp(x):  # type: ignore[no-untyped-def]
    return np.exp(x)


@njit(**_C)
def libm_expm1(x):  # type: ignore[no-untyped-def]
    return np.expm1(x)


@njit(**_C)
def libm_log(x):  # type: ignore[no-untyped-def]
    return np.log(x)


@njit(**_C)
def libm_log1p(x):  # type: ignore[no-untyped-def]
    return np.log1p(x)


@njit(**_C)
def libm_tanh(x):  # type: ignore[no-untyped-def]
    return np.tanh(x)


@njit(**_C)
def libm_sin(x):  # type: ignore[no-untyped-def]
    return np.sin(x)


@njit(**_C)
def libm_cos(x):  # type: ignore[no-untyped-def]
    return np.cos(x)


@njit(**_C)
def libm_power(x, y):  # type: ignore[no-untyped-def]
    return x ** y


@njit(**_C)
def floor_divide(x, y):  # type: ignore[no-untyped-def]
    return x // y


@njit(**_C)
def remainder(x, y):  # type: ignore[no-untyped-def]
    return x % y


LIBM = {name[5:]: f for name, f in list(globals().items()) if name.startswith("libm_")}


# -- softmax over the last axis (rows of a 2-D view): max, exp and sum, divide, in one call --------------------


@njit(**_C)
def softmax_rows_f32(x, out):  # type: ignore[no-untyped-def]
    n, m = x.shape
    for i in range(n):
        mx = _F32(-np.inf)
        for j in range(m):
            v = x[i, j]
            mx = v if (v > mx or v != v) else mx  # NaN propagates, as np.max
        s = 0.0  # float64 accumulation, rounded once to float32 (NumPy sums in float32)
        for j in range(m):
            e = exp_neg_f32(x[i, j] - mx)  # <= 0 (or NaN)
            out[i, j] = e
            s += np.float64(e)
        s32 = _F32(s)
        for j in range(m):
            out[i, j] = out[i, j] / s32


@njit(**_C)
def softmax_rows_f64(x, out):  # type: ignore[no-untyped-def]
    n, m = x.shape
    for i in range(n):
        mx = -np.inf
        for j in range(m):
            v = x[i, j]
            mx = v if (v > mx or v != v) else mx
        s = 0.0
        for j in range(m):
            e = exp_f64(x[i, j] - mx)
            out[i, j] = e
            s += e
        for j in range(m):
            out[i, j] = out[i, j] / s

#: name -> (float32 implementation, float64 implementation)
FUNCS = {
    "exp": (exp_f32, exp_f64),
    "expm1": (expm1_f32, expm1_f64),
    "log": (log_f32, log_f64),
    "log1p": (log1p_f32, log1p_f64),
    "tanh": (tanh_f32, tanh_f64),
    "sigmoid": (sigmoid_f32, sigmoid_f64),
    "sin": (sin_f32, sin_f64),
    "cos": (cos_f32, cos_f64),
}

#: functions whose fast path is exact only for |x| <= TRIG_LIMIT (the kernel checks and falls back to libm)
LIMITED = frozenset({"sin", "cos"})

assert math.isclose(_LN2_HI64 + _LN2_LO64, math.log(2.0), rel_tol=1e-16)
