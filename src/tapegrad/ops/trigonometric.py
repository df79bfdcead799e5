"""Trigonometric and hyperbolic functions: sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, asinh,
acosh, atanh (TF's gradient conventions, reference §6, §7; complex rules return ``upstream * conj(f'(z))``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import OPS, defop, normal, spec, uniform
from .._tensor import Tensor
from ._common import cj
from ._common import tsum as _tsum
from ._elementwise import _cos_fused, _sin_fused, _tanh_fused, _ufunc1, _unary
from ._math_checks import _checked_binary

sin = _unary("sin", _ufunc1(np.sin), lambda F, x, y: F.cos(x), fused=_sin_fused, doc="Sine.",
             test=spec(lambda tf, x: tf.sin(x), normal((3, 4)), ref=np.sin, complex=True))
cos = _unary("cos", _ufunc1(np.cos), lambda F, x, y: -F.sin(x), fused=_cos_fused, doc="Cosine.",
             test=spec(lambda tf, x: tf.cos(x), normal((3, 4)), ref=np.cos, complex=True))
tanh = _unary("tanh", _ufunc1(np.tanh), lambda F, x, y: 1 - y * y, save_out=True, save_in=False,
              fused=_tanh_fused,
              doc="Hyperbolic tangent.",
              test=spec(lambda tf, x: tf.tanh(x), normal((3, 4)), ref=np.tanh, complex=True))


# -- trigonometric and hyperbolic ------------------------------------------------------------------------------------
# Each elementwise unary op is one _elementwise._unary declaration, which also builds its public function on the
# one-frame fast path (_dispatch.make_unary). Rules of the form g * conj(f'(x, y)) and t * f'(x, y) are declared by
# f' alone; the others pass their own vjp/jvp, kept term for term (TF divides where they divide; rsqrt and
# reciprocal guard a zero upstream, acos, log1p and acosh do not).


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
    return _checked_binary(ATAN2, y, x, "f", "atan2")

# The public functions built by _elementwise._unary are closures made in _dispatch: they are named as this
# module's (so that doctest finds their examples here). Their OpDefs keep their names.
_FAST = (tan, acos, asin, atan, sinh, cosh, asinh, acosh, atanh,)
for _fn in _FAST:
    _fn.__module__ = __name__
(TAN, ACOS, ASIN, ATAN, SINH, COSH, ASINH, ACOSH, ATANH) = (OPS[_fn.__name__] for _fn in _FAST)
del _fn


EXPORTS: dict[str, list[str]] = {
    "": [
        "cos", "sin", "tanh", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh", "sinh", "tan",
    ],
    "math": [
        "cos", "sin", "tanh", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh", "sinh", "tan",
    ],
    "nn": [
        "tanh",
    ],
}
