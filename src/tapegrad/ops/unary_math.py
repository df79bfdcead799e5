"""Elementwise one-argument math: sqrt, square, exp, log, abs, sign, expm1, log1p, reciprocal, rsqrt,
reciprocal_no_nan, softplus, log_sigmoid, and the non-differentiable round, ceil, floor, is_nan, is_inf, is_finite.

Gradient conventions follow TensorFlow 2.21 (reference §6, §7): complex rules return ``upstream * conj(f'(z))``;
``rsqrt`` and ``reciprocal`` return 0 where the upstream is 0 (TF's fused gradient kernels), ``log1p`` does not;
``round``/``ceil``/``floor``/``is_*`` are not differentiable (gradient ``None``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1
from .._registry import OPS, defop, normal, spec, uniform
from .._tensor import Tensor
from ._common import RaggedInput, check_kinds, cj, dtype_of, is_complex, to_tensor
from ._elementwise import OPS_BY_PUBLIC, _exp_fused, _log_fused, _square_fused, _ufunc1, _unary
from ._math_checks import _unary_in
from .core import identity

# -- unary math -----------------------------------------------------------------------------------------------------


def _sqrt_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # TF's SqrtGrad special-cases a zero upstream: 0, even where sqrt'(x) is infinite (reference §6).
    return (F.where(g == 0, F.zeros_like(g), g * 0.5 / cj(F, out)),)


SQRT = defop("sqrt", lambda F, x: F.sqrt(x), _sqrt_vjp, lambda F, ts, ins, out, p: ts[0] * 0.5 / out,
             save_out=True, save_in=False, test=spec(lambda tf, x: tf.sqrt(x), uniform(0.5, 2, (3, 4)),
                                      ref=np.sqrt, complex=True))


def sqrt(x: Any, name: str | None = None) -> Tensor:
    """Elementwise square root; gradient ``0.5/sqrt(x)`` (inf at 0), and 0 where the upstream is 0.

    >>> import tapegrad as tf
    >>> tf.sqrt(tf.constant([4.0])).numpy().tolist()
    [2.0]
    """
    try:
        x = to_tensor(x)
    except RaggedInput:
        return x.with_flat_values(sqrt(x.flat_values))
    if x._value.dtype.kind not in "fcV":
        check_kinds(x, "fcV", "sqrt")
    return apply1(SQRT, x)


OPS_BY_PUBLIC["sqrt"] = SQRT

square = _unary("square", _ufunc1(np.square), lambda F, x, y: 2 * x, kinds="fciu", fused=_square_fused,
                doc="``x * x`` elementwise.",
                test=spec(lambda tf, x: tf.square(x), normal((3, 4)), ref=np.square, complex=True))
exp = _unary("exp", _ufunc1(np.exp), lambda F, x, y: y, save_out=True, save_in=False, fused=_exp_fused,
             doc="``e ** x`` elementwise.",
             test=spec(lambda tf, x: tf.exp(x), normal((3, 4)), ref=np.exp, complex=True))
log = _unary("log", _ufunc1(np.log), lambda F, x, y: 1 / x, fused=_log_fused, doc="Natural logarithm (``-inf`` at 0).",
             test=spec(lambda tf, x: tf.math.log(x), uniform(0.5, 2, (3, 4)), ref=np.log,
                       complex=True))


def _abs_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    if not is_complex(x):
        return (g * F.sign(x),)  # sign(0) = 0: abs'(0) = 0 as in TF
    # complex: the gradient of |z| is z/|z| (0 at z = 0)
    safe = F.where(out != 0, out, F.ones_like(out))
    return (F.astype(g / safe, dtype_of(x)) * x,)


def _abs_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    if not is_complex(x):
        return ts[0] * F.sign(x)
    return F.real(F.conj(x) * ts[0]) / F.where(out != 0, out, F.ones_like(out))


ABS = defop("abs", lambda F, x: F.abs(x), _abs_vjp, _abs_jvp, save_out=True,
            test=spec(lambda tf, x: tf.abs(x), lambda rng: (rng.uniform(0.5, 2, (3, 4)) * rng.choice([-1, 1], (3, 4)),),
                      ref=np.abs, complex=True))


def abs(x: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """``|x|`` elementwise (modulus for complex, giving a real tensor). Gradient ``sign(x)``, 0 at 0.

    >>> import tapegrad as tf
    >>> tf.abs(tf.constant([-2.0, 0.0])).numpy().tolist()
    [2.0, 0.0]
    """
    try:
        t = to_tensor(x)
    except RaggedInput:
        return x.with_flat_values(abs(x.flat_values))
    return apply1(ABS, t)


OPS_BY_PUBLIC["abs"] = ABS


def _sign_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.zeros_like(g),)  # connected, but zero: a zeros tensor, never None (TF)


SIGN = defop("sign", lambda F, x: F.sign(x), _sign_vjp, lambda F, ts, ins, out, p: None,
             test=spec(lambda tf, x: tf.sign(x), normal((3, 4)), ref=np.sign))


def sign(x: Any, name: str | None = None) -> Tensor:
    """-1, 0 or 1 elementwise. Its gradient is a zeros tensor (not None), as in TF.

    >>> import tapegrad as tf
    >>> tf.sign(tf.constant([-3.0, 0.0, 2.0])).numpy().tolist()
    [-1.0, 0.0, 1.0]
    """
    try:
        t = to_tensor(x)
    except RaggedInput:
        return x.with_flat_values(sign(x.flat_values))
    return apply1(SIGN, t)


OPS_BY_PUBLIC["sign"] = SIGN


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
    try:
        x = _unary_in(x, "fiu", "round")
    except RaggedInput:  # a RaggedTensor: on its flat values
        return x.with_flat_values(round(x.flat_values))
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

# The public functions built by _elementwise._unary are closures made in _dispatch: they are named as this
# module's (so that doctest finds their examples here). Their OpDefs keep their names.
_FAST = (expm1, log1p, reciprocal, rsqrt, reciprocal_no_nan, log_sigmoid, ceil, floor, is_nan, is_inf, is_finite,)
for _fn in _FAST:
    _fn.__module__ = __name__
(EXPM1, LOG1P, RECIPROCAL, RSQRT, RECIPROCAL_NO_NAN, LOG_SIGMOID, CEIL, FLOOR, IS_NAN, IS_INF,
 IS_FINITE) = (OPS[_fn.__name__] for _fn in _FAST)
SOFTPLUS = OPS["softplus"]
del _fn


EXPORTS: dict[str, list[str]] = {
    "": [
        "abs", "exp", "sign", "sqrt", "square", "floor", "round",
    ],
    "math": [
        "abs", "exp", "log", "sign", "sqrt", "square", "ceil", "expm1", "floor", "is_finite", "is_inf", "is_nan",
        "log1p", "log_sigmoid", "reciprocal", "reciprocal_no_nan", "round", "rsqrt", "softplus",
    ],
    "nn": [
        "softplus",
    ],
}
