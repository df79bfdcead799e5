"""Shared pieces of the special-function tables (private): dtype checks with TF's exception types, the float64
runner of many-input kernels, the declaration of one-input special functions, and numerical helpers
(``log1pmx``, Stirling's correction, ``lgamma(1 + t)`` for small ``t``).

TF 2.21 declares most of these ops for bfloat16/float16/float32/float64 but registers CPU kernels for fewer
dtypes: a dtype the op declares without a kernel raises ``NotFoundError``, one it does not declare raises
``InvalidArgumentError`` (as TF). Integers are refused with ``InvalidArgumentError`` and a message naming the cast.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._dispatch import apply1
from .._registry import defop
from .._tensor import Tensor
from ..errors import InvalidArgumentError, NotFoundError
from ._common import cj, to_tensor
from .special_functions import _LG2, _STIRLING, _horner, _lgamma_kernel

F32_64 = ("float32", "float64")
HALF_32_64 = ("float16", "float32", "float64")
_DECLARED_ALL = ("bfloat16", "float16", "float32", "float64")


def check_dtype(x: Any, op: str, kernels: tuple[str, ...], declared: tuple[str, ...] = _DECLARED_ALL) -> None:
    """Refuse ``x`` unless its dtype has a kernel: NotFoundError for a declared floating dtype without one (TF),
    InvalidArgumentError otherwise."""
    name = x.dtype.name
    if name in kernels:
        return
    shape = tuple(x._value.shape)
    if name in declared:
        raise NotFoundError(
            f"{op}: there is no {name} kernel (TensorFlow 2.21 has none on CPU either) for the input of shape {shape}; "
            f"cast it to {' or '.join(kernels)}, e.g. tapegrad.cast(x, tapegrad.float32).")
    raise InvalidArgumentError(
        f"{op}: expected a {' or '.join(kernels)} tensor, got {name} (shape {shape}). Special functions take "
        "floating-point inputs: cast it first, e.g. tapegrad.cast(x, tapegrad.float32).")


def run_kernel(F: Any, kernel: Any, *xs: Any) -> Any:
    """``kernel(F, *vectors)`` on the inputs broadcast together as float64 vectors; result in the inputs' shape and
    dtype (all inputs share one dtype)."""
    dt = xs[0].dtype
    arrs = np.broadcast_arrays(*[np.asarray(x, dtype=np.float64) for x in xs])
    shape = arrs[0].shape
    r = kernel(F, *[a.reshape(-1) for a in arrs])
    return np.asarray(r).reshape(shape).astype(dt)


def binary_in(a: Any, b: Any, op: str, kernels: tuple[str, ...], declared: tuple[str, ...] = _DECLARED_ALL,
              names: tuple[str, str] = ("a", "x")) -> tuple[Any, Any]:
    """Convert two operands (a Python number adopts the other's dtype), check the dtype and broadcasting."""
    from ._common import pair

    ta, tb = pair(a, b, op)
    check_dtype(ta, op, kernels, declared)
    sa, sb = tuple(ta._value.shape), tuple(tb._value.shape)
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: incompatible shapes {sa} ({names[0]}) and {sb} ({names[1]}): they do not broadcast (trailing "
            "dimensions must be equal or 1).") from None
    return ta, tb


def declare_unary(name: str, kernel: Any, deriv: Any, *, kernels: tuple[str, ...], save_out: bool = False,
                  tf_name: str = "", test: Any = None, post: Any = None) -> tuple[Any, Any]:
    """An elementwise special function: the op (``kernel(F, v)`` on float64 vectors; VJP ``g * deriv(F, x, y)``,
    JVP ``t * deriv``) and its public function's body ``call(x)`` with the dtype check. ``post(x, out)`` adjusts
    the result by input dtype (TF's kernels differ by dtype at a few points)."""

    def fwd(F: Any, x: Any) -> Any:
        out = run_kernel(F, kernel, x)
        return out if post is None else post(x, out)

    def vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
        return (g * cj(F, deriv(F, ins[0], out)),)

    def jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
        return ts[0] * deriv(F, ins[0], out)

    op = defop(name, fwd, vjp, jvp, save_out=save_out, tf_name=tf_name, test=test)
    label = tf_name or name

    def call(x: Any) -> Tensor:
        t = to_tensor(x)
        check_dtype(t, label, kernels)
        return apply1(op, t)

    return op, call


# -- numerical helpers (raw float64 vectors) ------------------------------------------------------------------------

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# 2 atanh(t) - u = t (-u + 2 t^2 (1/3 + t^2/5 + ...)) with t = u / (2 + u)
_ATANH_ODD = [2.0 / (2 * k + 3) for k in range(18)]


def log1pmx(F: Any, u: Any, r: Any = None) -> Any:
    """``log(1 + u) - u`` without cancellation near 0 (u >= -1). ``r``: ``1 + u`` computed directly as a ratio
    (``x / a``), used away from 0 where ``1 + u`` would lose the relative accuracy of a tiny ratio."""
    out = F.log1p(u) - u if r is None else F.log(r) - u
    m = F.abs(u) < 0.5
    if m.any():
        v = u[m]
        t = v / (2.0 + v)
        t2 = t * t
        out[m] = t * (t2 * _horner(t2, _ATANH_ODD) - v)
    return out


def stirling_corr(F: Any, a: Any) -> Any:
    """``lgamma(a) - ((a - 1/2) log a - a + log(2 pi)/2)`` for a >= 10 (+inf gives 0)."""
    z = 1.0 / (a * a)
    return _horner(z, _STIRLING) / a


def lgamma1p(F: Any, t: Any) -> Any:
    """``lgamma(1 + t)`` accurate for small |t| (t > -1)."""
    out = _lgamma_kernel(F, 1.0 + t)
    m = F.abs(t) <= 0.5
    if m.any():
        v = t[m]
        s = _horner(v, _LG2)
        s *= v
        out[m] = s - F.log1p(v)
    return out


def lgamma(F: Any, x: Any) -> Any:
    return _lgamma_kernel(F, F.asarray(x, dtype=F.float64).copy())
