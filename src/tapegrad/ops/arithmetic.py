"""Arithmetic with broadcasting and TF's gradient conventions (reference §6, §7): add, subtract, multiply,
divide/truediv, floordiv, floormod, pow, negative, maximum, minimum, add_n, and the "no nan" forms
divide_no_nan, multiply_no_nan, xlogy, xdivy, squared_difference.

Complex rules follow TF: for w = f(z) the gradient is ``upstream * conj(f'(z))``. ``divide_no_nan``/``xlogy``/
``xdivy`` give zero gradients where their forward is defined to be 0.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .._backend import NUMPY as _NP
from .._dispatch import apply1, apply2, applyn, binary
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from ._common import RaggedInput, cj, dtype_mismatch, dtype_of, pair, to_tensor, tsum
from ._common import tsum as _tsum
from ._elementwise import (
    _CONSUMED,
    _LARGE,
    OPS_BY_PUBLIC,
    _add_fwd,
    _binary,
    _mul_fwd,
    _mul_into,
    _nd,
    _sole,
    _spare,
    _sub_fwd,
    _take,
)
from ._math_checks import _checked_binary, _need
from .core import cast, identity
from .joining import _same_dtype
from .unary_math import _safe_nonzero

# -- arithmetic ---------------------------------------------------------------------------------------------------
# Forwards use Python operators: on NumPy scalars (0-d results) they are an order of magnitude cheaper than
# calling the ufunc, and every array backend implements them.


def _add_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g, g)


def _sub_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    if needs[1]:
        if F is _NP and g.nbytes >= _LARGE:
            return (g, np.negative(g, out=_take(g.shape, g.dtype)))
        return (g, -g)
    return (g, None)


def _mul_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    if F is _NP and g.dtype.kind == "f":  # raw and real (the operands have g's dtype, or are Python numbers)
        if g.nbytes >= _LARGE:
            # Results go into arrays only this rule can reach when there are such (_buffers.spare; holders: g the
            # sweep's local and this parameter; x and y the entry's input tuple and the locals here, the tuple the
            # popped entry, the sweep's local and this parameter), else into new cache buffers. g * x is computed
            # first, so that g can still take g * y.
            gs = _spare(g, 2)
            if x is y:  # x * x: both gradients are g * x; computed once (the engine adds it to x's gradient twice)
                r = _mul_into(g, x, g if gs else None)
                return (r if needs[0] else None, r if needs[1] else None)
            own = id(needs) in _CONSUMED and _sole(ins, 3)
            gx = gy = None
            if needs[1]:
                r = None
                if gs and not needs[0]:
                    r = g
                elif own and type(x) is _nd and x.shape == g.shape and x.dtype == g.dtype and _spare(x, 2):
                    r = x
                gy = _mul_into(g, x, r)
            if needs[0]:
                r = None
                if gs:
                    r = g
                elif own and type(y) is _nd and y.shape == g.shape and y.dtype == g.dtype and _spare(y, 2):
                    r = y
                gx = _mul_into(g, y, r)
            return (gx, gy)
        return (g * y if needs[0] else None, g * x if needs[1] else None)
    return (g * cj(F, y) if needs[0] else None, g * cj(F, x) if needs[1] else None)


def _div_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    return (g / cj(F, y) if needs[0] else None, g * cj(F, -x / y / y) if needs[1] else None)


def _floormod_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    return (g, -g * F.floor(x / y) if needs[1] else None)


def _pow_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, y = ins
    gx = g * cj(F, y * x ** (y - 1)) if needs[0] else None
    gy = None
    if needs[1]:
        # d/dy x**y = x**y log x, with log guarded at x <= 0 (TF gives 0 there for real x, at x == 0 for complex)
        if cj(F, x) is x:
            safe = F.where(x > 0, x, F.ones_like(x))
            gy = g * F.where(x > 0, out * F.log(safe), F.zeros_like(out))
        else:
            nz = x != 0
            safe = F.where(nz, x, F.ones_like(x))
            gy = g * F.conj(F.where(nz, out * F.log(safe), F.zeros_like(out)))
    return (gx, gy)


add = _binary("add", _add_fwd, _add_vjp,
              lambda F, ts, ins, out, p: _tsum(ts), doc="``x + y`` elementwise with broadcasting.", linear=True,
              save_in=False,
              test=spec(lambda tf, x, y: tf.add(x, y), normal((3, 4), (4,)), ref=np.add, complex=True))
subtract = _binary("subtract", _sub_fwd, _sub_vjp,
                   lambda F, ts, ins, out, p: _tsum((ts[0], None if ts[1] is None else -ts[1])),
                   doc="``x - y`` elementwise with broadcasting.", linear=True, save_in=False,
                   test=spec(lambda tf, x, y: x - y, normal((3, 4), (4,)), ref=np.subtract, complex=True))
multiply = _binary("multiply", _mul_fwd, _mul_vjp,
                   lambda F, ts, ins, out, p: _tsum((None if ts[0] is None else ts[0] * ins[1],
                                                     None if ts[1] is None else ins[0] * ts[1])),
                   doc="``x * y`` elementwise with broadcasting.",
                   test=spec(lambda tf, x, y: tf.multiply(x, y), normal((3, 4), (4,)), ref=np.multiply, complex=True))
_realdiv = _binary("divide", lambda F, x, y: x / y, _div_vjp,
                   lambda F, ts, ins, out, p: _tsum((None if ts[0] is None else ts[0] / ins[1],
                                                     None if ts[1] is None else -ts[1] * out / ins[1])),
                   kinds="fcV", doc="``x / y`` elementwise (true division).", save_out=True,
                   test=spec(lambda tf, x, y: x / y, lambda rng: (rng.normal(size=(3, 4)), rng.uniform(1, 2, 4)),
                             ref=np.divide, complex=True))
def _int_div_check(F: Any, out: Any, y: Any, op: str) -> None:
    if out.dtype.kind in "iu" and not F.all(y):
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError(f"{op}: integer division by zero (the divisor has a zero element).")


def _floordiv_fwd(F: Any, x: Any, y: Any) -> Any:
    out = F.floor_divide(x, y)
    _int_div_check(F, out, y, "floordiv")
    return out


def _floormod_fwd(F: Any, x: Any, y: Any) -> Any:
    out = F.mod(x, y)
    _int_div_check(F, out, y, "floormod")
    return out


floordiv = _binary("floordiv", _floordiv_fwd, None, kinds="fiu",
                   doc="``x // y``: floor division; not differentiable (gradient None), as in TF.",
                   test=spec(lambda tf, x, y: x // y, lambda rng: (rng.normal(size=5) * 5, rng.uniform(1, 2, 5)),
                             ref=np.floor_divide))
floormod = _binary("floormod", _floormod_fwd, _floormod_vjp,
                   lambda F, ts, ins, out, p: _tsum((ts[0], None if ts[1] is None
                                                     else -ts[1] * F.floor(ins[0] / ins[1]))),
                   kinds="fiu", doc="``x % y`` with the sign of ``y`` (Python/TF ``floormod``).",
                   test=spec(lambda tf, x, y: tf.math.floormod(x, y),
                             lambda rng: (rng.uniform(2.3, 2.9, 5), rng.uniform(1.0, 1.1, 5)), ref=np.mod))
_pow = _binary("pow", lambda F, x, y: x ** y, _pow_vjp,
               lambda F, ts, ins, out, p: _tsum((
                   None if ts[0] is None else ts[0] * ins[1] * ins[0] ** (ins[1] - 1),
                   None if ts[1] is None else ts[1] * out * F.log(F.where(ins[0] > 0, ins[0], F.ones_like(ins[0]))))),
               save_out=True, doc="``x ** y`` elementwise.",
               test=spec(lambda tf, x, y: tf.pow(x, y),
                         lambda rng: (rng.uniform(0.5, 2, (3, 4)), rng.uniform(-1.5, 1.5, 4)), ref=np.power))




def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``. Integer inputs are converted to floating point first (int32 → float64), as in TF.

    >>> import tapegrad as tf
    >>> tf.divide(tf.constant([1.0, 3.0]), 2.0).numpy().tolist()
    [0.5, 1.5]
    """
    t = x if isinstance(x, _TensorLike) else y
    if isinstance(t, _TensorLike) and t._value.dtype.kind in "fcV":
        return binary(_realdiv_op, x, y)
    a, b = pair(x, y, "divide")
    if a._value.dtype.kind == "O":
        raise TypeError("divide: string tensors cannot be divided (as in TF, which has no string division).")
    if a._value.dtype.kind in "iub":
        target = np.float32 if a._value.dtype.itemsize <= 2 else np.float64
        a, b = cast(a, target), cast(b, target)
    return binary(_realdiv_op, a, b)


truediv = divide
_realdiv_op = OPS_BY_PUBLIC["divide"]
_pow_op = OPS_BY_PUBLIC["pow"]


pow = _pow  # noqa: A001  (integer ** negative raises InvalidArgumentError through NumPy's ValueError)
pow.__doc__ = """``x ** y`` elementwise. ``d/dy`` is 0 where ``x <= 0`` (log guarded), as in TF.

    >>> import tapegrad as tf
    >>> tf.pow(tf.constant([2.0, 3.0]), 2.0).numpy().tolist()
    [4.0, 9.0]
    """


def _neg_fwd(F: Any, x: Any) -> Any:
    if F is _NP and x.nbytes >= _LARGE and x.dtype.kind in "fcV":
        return np.negative(x, out=_take(x.shape, x.dtype))
    return -x


def _neg_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    if F is _NP and g.nbytes >= _LARGE:  # in place when nothing else holds g (the sweep's local, this parameter)
        return (np.negative(g, out=g if _spare(g, 2) else _take(g.shape, g.dtype)),)
    return (-g,)


NEGATIVE = defop("negative", _neg_fwd, _neg_vjp, lambda F, ts, ins, out, p: -ts[0], linear=True,
                 save_in=False,
                 test=spec(lambda tf, x: -x, normal((3, 4)), ref=np.negative, complex=True))


def negative(x: Any, name: str | None = None) -> Tensor:
    """``-x`` elementwise.

    >>> import tapegrad as tf
    >>> tf.negative(tf.constant([1, -2])).numpy().tolist()
    [-1, 2]
    """
    try:
        t = to_tensor(x)
    except RaggedInput:
        return x.with_flat_values(negative(x.flat_values))
    return apply1(NEGATIVE, t)


OPS_BY_PUBLIC["negative"] = NEGATIVE


def _minmax_vjp(first_wins: Callable[..., Any]) -> Callable[..., Any]:
    def vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
        x, y = ins
        m = first_wins(x, y)  # ties go to the first argument (TF)
        z = F.zeros_like(g)
        return (F.where(m, g, z) if needs[0] else None, F.where(m, z, g) if needs[1] else None)

    return vjp


def _minmax_jvp(first_wins: Callable[..., Any]) -> Callable[..., Any]:
    def jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
        x, y = ins
        m = first_wins(x, y)
        tx = F.zeros_like(out) if ts[0] is None else ts[0]
        ty = F.zeros_like(out) if ts[1] is None else ts[1]
        return F.where(m, tx + F.zeros_like(out), ty + F.zeros_like(out))

    return jvp


maximum = _binary("maximum", lambda F, x, y: F.maximum(x, y), _minmax_vjp(lambda x, y: x >= y),
                  _minmax_jvp(lambda x, y: x >= y), kinds="fiu",
                  doc="Elementwise maximum; on ties the gradient goes to ``x`` (TF).",
                  test=spec(lambda tf, x, y: tf.maximum(x, y), normal((3, 4), (4,)), ref=np.maximum))
minimum = _binary("minimum", lambda F, x, y: F.minimum(x, y), _minmax_vjp(lambda x, y: x <= y),
                  _minmax_jvp(lambda x, y: x <= y), kinds="fiu",
                  doc="Elementwise minimum; on ties the gradient goes to ``x`` (TF).",
                  test=spec(lambda tf, x, y: tf.minimum(x, y), normal((3, 4), (4,)), ref=np.minimum))


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
    return _checked_binary(DIVIDE_NO_NAN, a, b, "fcV", "divide_no_nan")


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
    return _checked_binary(MULTIPLY_NO_NAN, x, y, "fcV", "multiply_no_nan")


def _xlog_parts(F: Any, x: Any, y: Any, plus1: bool) -> tuple[Any, Any, Any]:
    """(x == 0, log(y) or log1p(y), y or 1 + y), with y replaced where x == 0 so that nothing there is nan."""
    z = x == 0
    if plus1:
        ys = F.where(z, F.zeros_like(y), y)
        return z, F.log1p(ys), ys + 1.0
    ys = F.where(z, F.ones_like(y), y)
    return z, F.log(ys), ys


def _xlogy_fwd(F: Any, x: Any, y: Any, plus1: bool = False) -> Any:
    z, lg, _ = _xlog_parts(F, x, y, plus1)
    r = x * lg
    return F.where(z, F.zeros_like(r), r)


def _xlogy_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any, plus1: bool = False) -> Any:
    x, y = ins
    z, lg, den = _xlog_parts(F, x, y, plus1)
    zero = F.zeros_like(g)
    # TF: gx = g * xlogy(x != 0, y), gy = g * xdivy(x, y) (xlog1py: log1p(y) and x / (y + 1)): both 0 where x == 0
    gx = g * cj(F, F.where(z, zero, lg)) if needs[0] else None
    gy = g * cj(F, F.where(z, zero, x / den)) if needs[1] else None
    return (gx, gy)


def _xlogy_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any, plus1: bool = False) -> Any:
    x, y = ins
    z, lg, den = _xlog_parts(F, x, y, plus1)
    t = _tsum((None if ts[0] is None else ts[0] * lg, None if ts[1] is None else ts[1] * x / den))
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
    return _checked_binary(XLOGY, x, y, "fcV", "xlogy")


XLOG1PY = defop("xlog1py", partial(_xlogy_fwd, plus1=True), partial(_xlogy_vjp, plus1=True),
                partial(_xlogy_jvp, plus1=True),
                test=spec(lambda tf, x, y: tf.math.xlog1py(x, y),
                          lambda rng: (rng.normal(size=(3, 4)), rng.uniform(-0.5, 2.0, (4,))),
                          ref=lambda x, y: x * np.log1p(y), complex=True))


def xlog1py(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x * log1p(y)``, but 0 where ``x == 0`` (whatever ``y``); both gradients are 0 there too (TF's
    ``d/dx = log1p(y)``, ``d/dy = x / (1 + y)`` elsewhere).

    >>> import tapegrad as tf
    >>> tf.math.xlog1py(tf.constant([0.0, 2.0]), tf.constant([-1.0, 1.0])).numpy().round(6).tolist()
    [0.0, 1.386294]
    """
    return _checked_binary(XLOG1PY, x, y, "fcV", "xlog1py")


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
    return _checked_binary(XDIVY, x, y, "fcV", "xdivy")


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
    return _checked_binary(SQUARED_DIFFERENCE, a, b, "fciV", "squared_difference")


def _add_n_fwd(F: Any, *xs: Any) -> Any:
    total = xs[0] + xs[1]
    for x in xs[2:]:
        total = total + x
    return total


ADD_N = defop("add_n", _add_n_fwd, lambda F, g, ins, out, p, needs: (g,) * len(ins),
              lambda F, ts, ins, out, p: tsum(ts), linear=True,
              test=spec(lambda tf, a, b, c: tf.add_n([a, b, c]), normal((2, 3), (2, 3), (2, 3)),
                        ref=lambda a, b, c: a + b + c, complex=True), save_in=False)




def add_n(inputs: Any, name: str | None = None) -> Tensor:
    """Elementwise sum of a list of tensors of the same shape and dtype.

    >>> import tapegrad as tf
    >>> tf.add_n([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)]).numpy()
    np.float32(6.0)
    """
    xs = _same_dtype(inputs, "add_n")
    if xs[0]._value.dtype.kind == "O":
        raise InvalidArgumentError("add_n: dtype string has no add_n kernel (as in TF); join strings with "
                                   "tf.strings.join or +.")
    shapes = {tuple(x._value.shape) for x in xs}
    if len(shapes) != 1:
        raise InvalidArgumentError(
            f"add_n: all inputs must have the same shape; got {[tuple(x._value.shape) for x in xs]}."
        )
    if len(xs) == 1:
        return xs[0] if type(xs[0]) is Tensor else identity(xs[0])
    return applyn(ADD_N, xs)


# -- polyval -----------------------------------------------------------------------------------------------------------
# Horner's scheme in TF's order (p = c0; p = c + p * x), so float32 values round as TF's. The rules use the powers
# x^(n-1-i) (d/dc_i) and the Horner derivative p'(x) (d/dx), written with Python operators: differentiable again.


def _polyval_fwd(F: Any, x: Any, *cs: Any) -> Any:
    p = cs[0]
    for c in cs[1:]:
        p = c + p * x
    return p


def _polyval_parts(x: Any, cs: Any) -> tuple[list[Any], Any]:
    """The powers x^(n-1-i) for each coefficient (None for the constant term) and p'(x)."""
    n = len(cs)
    pw: list[Any] = [None] * n
    cur = None
    for i in range(n - 2, -1, -1):
        cur = x if cur is None else cur * x
        pw[i] = cur
    p, dp = cs[0], None
    for c in cs[1:]:
        dp = p if dp is None else dp * x + p
        p = c + p * x
    return pw, dp


def _polyval_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, cs = ins[0], ins[1:]
    pw, dp = _polyval_parts(x, cs)
    gx = g * cj(F, dp) if needs[0] else None
    gcs = [None if not needs[i + 1] else (g if w is None else g * cj(F, w)) for i, w in enumerate(pw)]
    return (gx, *gcs)


def _polyval_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, cs = ins[0], ins[1:]
    pw, dp = _polyval_parts(x, cs)
    terms = [None if ts[0] is None else ts[0] * dp]
    terms += [None if t is None else (t if w is None else t * w) for t, w in zip(ts[1:], pw)]
    return tsum(terms)


POLYVAL = defop(
    "polyval", _polyval_fwd, _polyval_vjp, _polyval_jvp,
    test=[
        spec(lambda tf, x, a, b, c: tf.math.polyval([a, b, c], x), normal((4,), (), (4,), ()),
             ref=lambda x, a, b, c: a * x * x + b * x + c, complex=True),
        spec(lambda tf, x, a, b: tf.math.polyval([a, b], x), normal((2, 3), (3,), (2, 1)),
             ref=lambda x, a, b: a * x + b, name="linear"),
    ],
)


def polyval(coeffs: Any, x: Any, name: str | None = None) -> Tensor:
    """The polynomial ``coeffs[0] * x**(n-1) + … + coeffs[n-1]`` evaluated by Horner's scheme (broadcasting).

    ``coeffs`` must be a list; each coefficient is converted on its own (Python floats become float32, as in TF),
    and all must share ``x``'s dtype. An empty list gives zeros like ``x``.

    >>> import tapegrad as tf
    >>> tf.math.polyval([2.0, 0.0, 1.0], tf.constant([1.0, 3.0])).numpy().tolist()
    [3.0, 19.0]
    """
    op = "polyval"
    if not isinstance(coeffs, list):
        raise ValueError(f"{op}: coeffs must be a list, got {type(coeffs).__name__}.")
    xt = to_tensor(x)
    if not coeffs:
        from .core import zeros_like

        return zeros_like(xt)
    cs = [to_tensor(c) for c in coeffs]
    if len(cs) == 1:
        return cs[0]  # TF returns coeffs[0] itself: x is not used (its gradient is None)
    for c in cs:
        if c._value.dtype != xt._value.dtype:
            raise InvalidArgumentError(dtype_mismatch(op, xt, c))
    if xt._value.dtype.kind not in "fciu":
        raise InvalidArgumentError(f"{op}: x must be numeric, got dtype {xt.dtype.name}.")
    return applyn(POLYVAL, (xt, *cs))


EXPORTS: dict[str, list[str]] = {
    "": [
        "add", "divide", "truediv", "maximum", "minimum", "multiply", "negative", "pow", "subtract", "add_n",
    ],
    "math": [
        "add", "divide", "truediv", "floordiv", "floormod", "maximum", "minimum", "multiply", "negative", "pow",
        "subtract", "divide_no_nan", "multiply_no_nan", "squared_difference", "xdivy", "xlog1py", "xlogy", "add_n",
        "polyval",
    ],
}
