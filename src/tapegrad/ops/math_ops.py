"""Elementwise arithmetic and math with TF's gradient conventions (reference §6, §7).

Complex rules follow TF: for w = f(z) the gradient is ``upstream * conj(f'(z))`` (``cj`` below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _buffers
from .._backend import NUMPY as _NP
from .._dispatch import apply1, binary, make_binary, make_unary
from .._registry import OpDef, defop, normal, small_ints, spec, uniform
from .._tensor import Tensor, _TensorLike
from ._common import check_kinds, cj, dtype_of, is_complex, pair, to_tensor
from ._common import tsum as _tsum
from .core import cast

OPS_BY_PUBLIC: dict[str, OpDef] = {}


# -- declaration helpers -----------------------------------------------------------------------------------------


def _unary(name: str, fwd: Callable[..., Any], deriv: Callable[..., Any] | None, *, kinds: str = "fcV",
           save_out: bool = False, doc: str = "", vjp: Any = None, jvp: Any = None, fused: Any = None,
           **meta: Any) -> Callable[..., Tensor]:
    """Declare an elementwise unary op whose derivative is ``deriv(F, x, y)``; VJP and JVP follow from it.

    An op whose rules are not ``g * conj(f')`` / ``t * f'`` passes ``deriv=None`` and its own ``vjp``/``jvp``
    (neither: not differentiable). A ``doc`` with its own ``>>>`` example is the whole docstring.
    ``fused(g, x, y)`` (optional) computes ``g * f'(x)`` with ``out=`` passes into an engine-owned cache buffer;
    the rule uses it for large real arrays (``_buffers.LARGE``) without batch axes.
    """
    if deriv is None:
        op = defop(name, fwd, vjp, jvp, save_out=save_out, **meta)
    else:
        if vjp is not None or jvp is not None:
            raise TypeError(f"_unary({name!r}): give either deriv or explicit vjp/jvp rules, not both")

        def vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
            if F is _NP and g.dtype.kind == "f":  # raw and real: no conjugation
                if g.nbytes >= _LARGE and fused is not None:
                    x = ins[0]
                    if g.shape == x.shape and g.dtype == x.dtype:
                        return (fused(g, x, out),)
                return (g * deriv(F, ins[0], out),)
            return (g * cj(F, deriv(F, ins[0], out)),)

        def jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
            return ts[0] * deriv(F, ins[0], out)

        op = defop(name, fwd, vjp, jvp, save_out=save_out, **meta)

    fn = make_unary(op, kinds)
    fn.__doc__ = doc if ">>>" in doc else (doc or f"Elementwise ``{name}``.") + (
        f"\n\n>>> import tapegrad as tf\n>>> y = tf.math.{name}(tf.constant([0.5, 1.0]))\n"
    )
    OPS_BY_PUBLIC[name] = op
    return fn


def _binary(name: str, fwd: Callable[..., Any], vjp: Any, jvp: Any = None, *, kinds: str = "fciub",
            save_out: bool = False, doc: str = "", **meta: Any) -> Callable[..., Tensor]:
    """Declare a broadcasting binary op; the engine sums each gradient back to its input's shape."""
    op = defop(name, fwd, vjp, jvp, save_out=save_out, kinds=None if kinds == "fciub" else kinds, **meta)
    fn = op.bin = make_binary(op)
    fn.__doc__ = (doc or f"Elementwise ``{name}`` with broadcasting.") + (
        f"\n\n>>> import tapegrad as tf\n>>> z = tf.math.{name}(tf.constant([1.0, 2.0]), tf.constant(2.0))\n"
    )
    OPS_BY_PUBLIC[name] = op
    return fn


def _shape_error(op: str, a: Any, b: Any, exc: Exception) -> Exception:
    """The InvalidArgumentError for operands whose shapes do not broadcast (or another ValueError from NumPy)."""
    from ..errors import InvalidArgumentError

    sa, sb = tuple(np.shape(getattr(a, "_value", a))), tuple(np.shape(getattr(b, "_value", b)))
    try:
        np.broadcast_shapes(sa, sb)
    except ValueError:
        return InvalidArgumentError(
            f"{op}: incompatible shapes {sa} and {sb}: they do not broadcast (trailing dimensions must be equal "
            "or 1). Reshape or expand_dims one operand."
        )
    return InvalidArgumentError(f"{op}: {exc} (shapes {sa} and {sb})")


def _zeros_of(F: Any, g: Any) -> Any:
    return F.zeros_like(g)


# -- large arrays (issue 12) ---------------------------------------------------------------------------------------
# Forwards of the common elementwise ops write large results (>= _buffers.LARGE bytes) into engine-owned cache
# buffers, and their rules compute ``g * f'(x)`` with ``out=`` passes into one such buffer, so a training step on
# big arrays reuses the same memory every step instead of page-faulting fresh arrays in. Small arrays take the
# plain expressions (one size test is all they pay).

_LARGE = _buffers.LARGE
_take = _buffers.take
_nd = np.ndarray


def _ufunc1(uf: Any) -> Callable[..., Any]:
    """Forward of a one-input ufunc: large floating results go into a cache buffer."""
    name = uf.__name__

    def fwd(F: Any, x: Any) -> Any:
        if F is _NP:
            if x.nbytes >= _LARGE and x.dtype.kind in "fcV":
                return uf(x, out=_take(x.shape, x.dtype))
            return uf(x)
        return getattr(F, name)(x)

    return fwd


def _big2(uf: Any, x: Any, y: Any) -> Any:
    """``uf(x, y)`` into a cache buffer when one operand is a large array and the other an array of the same shape
    and dtype or a Python scalar (the result then has that shape and dtype); None otherwise."""
    tx = type(x)
    ty = type(y)
    if tx is _nd and (ty is float or ty is int or (ty is _nd and y.shape == x.shape and y.dtype == x.dtype)):
        return uf(x, y, out=_take(x.shape, x.dtype))
    if ty is _nd and (tx is float or tx is int):
        return uf(x, y, out=_take(y.shape, y.dtype))
    return None


# Each forward tests size inline and falls back to the Python operator (cheap on NumPy scalars and small arrays).
def _add_fwd(F: Any, x: Any, y: Any) -> Any:
    if (type(x) is _nd and x.nbytes >= _LARGE or type(y) is _nd and y.nbytes >= _LARGE) and F is _NP:
        r = _big2(np.add, x, y)
        if r is not None:
            return r
    return x + y


def _sub_fwd(F: Any, x: Any, y: Any) -> Any:
    if (type(x) is _nd and x.nbytes >= _LARGE or type(y) is _nd and y.nbytes >= _LARGE) and F is _NP:
        r = _big2(np.subtract, x, y)
        if r is not None:
            return r
    return x - y


def _mul_fwd(F: Any, x: Any, y: Any) -> Any:
    if (type(x) is _nd and x.nbytes >= _LARGE or type(y) is _nd and y.nbytes >= _LARGE) and F is _NP:
        r = _big2(np.multiply, x, y)
        if r is not None:
            return r
    return x * y


def _is_one(g: Any) -> bool:
    """``g`` is a broadcast 1 (a sum's or a mean-free loss's upstream): ``g * v`` is ``v`` itself."""
    return not any(g.strides) and g.ndim > 0 and g.item(0) == 1


def _mul_into(g: Any, y: Any) -> Any:
    """``g * y`` into a cache buffer of ``g``'s shape (``y`` broadcasts against ``g``: it has no batch axes); ``y``
    itself when ``g`` is a broadcast 1 and ``y`` already has the result's shape and dtype (tensor values are never
    written into, so the engine may hand the same array on)."""
    if type(y) is _nd and y.shape == g.shape and y.dtype == g.dtype and _is_one(g):
        return y
    return np.multiply(g, y, out=_take(g.shape, g.dtype))


def _tanh_fused(g: Any, x: Any, y: Any) -> Any:
    r = _take(g.shape, g.dtype)
    np.multiply(y, y, out=r)
    np.subtract(1, r, out=r)
    return np.multiply(r, g, out=r)


def _exp_fused(g: Any, x: Any, y: Any) -> Any:
    return _mul_into(g, y)


def _sigmoid_fused(g: Any, x: Any, y: Any) -> Any:
    r = _take(g.shape, g.dtype)
    np.subtract(1, y, out=r)
    np.multiply(r, y, out=r)
    return np.multiply(r, g, out=r)


def _sin_fused(g: Any, x: Any, y: Any) -> Any:
    r = np.cos(x, out=_take(g.shape, g.dtype))
    return np.multiply(r, g, out=r)


def _cos_fused(g: Any, x: Any, y: Any) -> Any:
    r = np.sin(x, out=_take(g.shape, g.dtype))
    np.negative(r, out=r)
    return np.multiply(r, g, out=r)


def _log_fused(g: Any, x: Any, y: Any) -> Any:
    r = np.reciprocal(x, out=_take(g.shape, g.dtype))  # g * (1/x) as the small path computes it: same bits
    return np.multiply(r, g, out=r)


def _square_fused(g: Any, x: Any, y: Any) -> Any:
    r = np.multiply(x, 2, out=_take(g.shape, g.dtype))
    return np.multiply(r, g, out=r)


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
            if x is y:  # x * x: both gradients are g * x; computed once (the engine adds it to x's gradient twice)
                r = _mul_into(g, x)
                return (r if needs[0] else None, r if needs[1] else None)
            return (_mul_into(g, y) if needs[0] else None, _mul_into(g, x) if needs[1] else None)
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
    if F is _NP and g.nbytes >= _LARGE:
        return (np.negative(g, out=_take(g.shape, g.dtype)),)
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
    return apply1(NEGATIVE, to_tensor(x))


OPS_BY_PUBLIC["negative"] = NEGATIVE


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
    x = to_tensor(x)
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
sin = _unary("sin", _ufunc1(np.sin), lambda F, x, y: F.cos(x), fused=_sin_fused, doc="Sine.",
             test=spec(lambda tf, x: tf.sin(x), normal((3, 4)), ref=np.sin, complex=True))
cos = _unary("cos", _ufunc1(np.cos), lambda F, x, y: -F.sin(x), fused=_cos_fused, doc="Cosine.",
             test=spec(lambda tf, x: tf.cos(x), normal((3, 4)), ref=np.cos, complex=True))
tanh = _unary("tanh", _ufunc1(np.tanh), lambda F, x, y: 1 - y * y, save_out=True, save_in=False,
              fused=_tanh_fused,
              doc="Hyperbolic tangent.",
              test=spec(lambda tf, x: tf.tanh(x), normal((3, 4)), ref=np.tanh, complex=True))


def _sigmoid_fwd(F: Any, x: Any) -> Any:
    if x.dtype.kind == "c":
        return 1 / (1 + F.exp(-x))
    # exp of -|x| never overflows; branch on the sign for a stable logistic
    e = F.exp(-F.abs(x))
    return F.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary("sigmoid", _sigmoid_fwd, lambda F, x, y: y * (1 - y), save_out=True, save_in=False,
                 fused=_sigmoid_fused,
                 doc="Logistic function ``1 / (1 + exp(-x))``, computed stably.",
                 test=spec(lambda tf, x: tf.sigmoid(x), lambda rng: (rng.normal(size=(3, 4)) * 3,),
                           ref=lambda x: 1 / (1 + np.exp(-x)), complex=True))


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
    return apply1(ABS, to_tensor(x))


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
    return apply1(SIGN, to_tensor(x))


OPS_BY_PUBLIC["sign"] = SIGN


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

# -- comparisons and logic (not differentiable: bool results) -----------------------------------------------------

equal = _binary("equal", lambda F, x, y: F.equal(x, y), None, doc="``x == y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.equal(x, y), small_ints((6,), (6,)), ref=np.equal))
not_equal = _binary("not_equal", lambda F, x, y: F.not_equal(x, y), None, doc="``x != y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.not_equal(x, y), small_ints((6,), (6,)), ref=np.not_equal))
less = _binary("less", lambda F, x, y: F.less(x, y), None, kinds="fiu", doc="``x < y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.less(x, y), small_ints((6,), (6,)), ref=np.less))
less_equal = _binary("less_equal", lambda F, x, y: F.less_equal(x, y), None, kinds="fiu",
                     doc="``x <= y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.less_equal(x, y), small_ints((6,), (6,)), ref=np.less_equal))
greater = _binary("greater", lambda F, x, y: F.greater(x, y), None, kinds="fiu",
                  doc="``x > y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.greater(x, y), small_ints((6,), (6,)), ref=np.greater))
greater_equal = _binary("greater_equal", lambda F, x, y: F.greater_equal(x, y), None, kinds="fiu",
                        doc="``x >= y`` elementwise (bool).",
    test=spec(lambda tf, x, y: tf.math.greater_equal(x, y), small_ints((6,), (6,)), ref=np.greater_equal))
logical_and = _binary("logical_and", lambda F, x, y: F.logical_and(x, y), None, kinds="b",
                      doc="Elementwise AND of bool tensors.",
    test=spec(lambda tf, x, y: tf.math.logical_and(x, y), small_ints((6,), (6,), kind=bool), ref=np.logical_and))
logical_or = _binary("logical_or", lambda F, x, y: F.logical_or(x, y), None, kinds="b",
                     doc="Elementwise OR of bool tensors.",
    test=spec(lambda tf, x, y: tf.math.logical_or(x, y), small_ints((6,), (6,), kind=bool), ref=np.logical_or))
logical_xor = _binary("logical_xor", lambda F, x, y: F.logical_xor(x, y), None, kinds="b",
                      doc="Elementwise XOR of bool tensors.",
    test=spec(lambda tf, x, y: tf.math.logical_xor(x, y), small_ints((6,), (6,), kind=bool), ref=np.logical_xor))
logical_not = _unary("logical_not", lambda F, x: F.logical_not(x), None, kinds="b",
                     doc="Elementwise NOT of a bool tensor.",
    test=spec(lambda tf, x: tf.math.logical_not(x), small_ints((6,), kind=bool),
              ref=np.logical_not))


EXPORTS: dict[str, list[str]] = {
    "": [
        "abs", "add", "cos", "divide", "truediv", "equal", "exp", "greater", "greater_equal", "less",
        "less_equal", "logical_and", "logical_not", "logical_or", "maximum", "minimum", "multiply",
        "negative", "not_equal", "pow", "sigmoid", "sign", "sin", "sqrt", "square", "subtract", "tanh"
    ],
    "math": [
        "abs", "add", "cos", "divide", "truediv", "equal", "exp", "floordiv", "floormod", "greater",
        "greater_equal", "less", "less_equal", "log", "logical_and", "logical_not", "logical_or", "logical_xor",
        "maximum", "minimum", "multiply", "negative", "not_equal", "pow", "sigmoid", "sign", "sin", "sqrt",
        "square", "subtract", "tanh"
    ],
    "nn": [
        "sigmoid", "tanh"
    ],
}
