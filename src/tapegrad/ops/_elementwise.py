"""Declaring elementwise ops (private): ``_unary``/``_binary`` build an op and its public function from a forward
and a derivative, ``OPS_BY_PUBLIC`` maps public names to their OpDefs (the Tensor operators read it), and the
large-array forwards and fused rules write big results into engine-owned buffers (issue 12).

Complex rules follow TF: for w = f(z) the gradient is ``upstream * conj(f'(z))`` (``cj`` below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _buffers
from .._backend import NUMPY as _NP
from .._dispatch import make_binary, make_unary
from .._registry import OpDef, defop
from .._tensor import Tensor
from ._common import cj

OPS_BY_PUBLIC: dict[str, OpDef] = {}


# -- declaration helpers -----------------------------------------------------------------------------------------


def _unary(name: str, fwd: Callable[..., Any], deriv: Callable[..., Any] | None, *, kinds: str = "fcV",
           save_out: bool = False, doc: str = "", vjp: Any = None, jvp: Any = None, fused: Any = None,
           **meta: Any) -> Callable[..., Tensor]:
    """Declare an elementwise unary op whose derivative is ``deriv(F, x, y)``; VJP and JVP follow from it.

    An op whose rules are not ``g * conj(f')`` / ``t * f'`` passes ``deriv=None`` and its own ``vjp``/``jvp``
    (neither: not differentiable). A ``doc`` with its own ``>>>`` example is the whole docstring.
    ``fused(g, x, y, r)`` (optional) computes ``g * f'(x)`` with ``out=`` passes into ``r`` (or, if None, an
    engine-owned cache buffer); the rule uses it for large real arrays (``_buffers.LARGE``) without batch axes.
    ``fused.reuse`` names what may serve as ``r`` once nothing else holds it: ``"g"`` (the upstream), ``"y"``
    (the saved output) or ``"x"`` (the saved input), those the fused passes read only before they write.
    """
    if deriv is None:
        op = defop(name, fwd, vjp, jvp, save_out=save_out, **meta)
    else:
        if vjp is not None or jvp is not None:
            raise TypeError(f"_unary({name!r}): give either deriv or explicit vjp/jvp rules, not both")
        reuse = getattr(fused, "reuse", "")

        def vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
            if F is _NP and g.dtype.kind == "f":  # raw and real: no conjugation
                if g.nbytes >= _LARGE and fused is not None:
                    x = ins[0]
                    if g.shape == x.shape and g.dtype == x.dtype:
                        # the result's buffer: an array only this rule can reach, else a new one. Holders counted:
                        # g: the sweep's local and this parameter; out: the popped entry, the sweep's local, this
                        # parameter; x: the entry's tuple of inputs and the local here (the tuple: the entry, the
                        # sweep's local, this parameter)
                        r = None
                        if "g" in reuse and _spare(g, 2):
                            r = g
                        elif id(needs) in _CONSUMED:
                            if "y" in reuse and out is not None and _spare(out, 3):
                                r = out
                            elif "x" in reuse and type(x) is _nd and _sole(ins, 3) and _spare(x, 2):
                                r = x
                        return (fused(g, x, out, r),)
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
    """Declare a broadcasting binary op; the engine sums each gradient back to its input's shape. A ``doc`` with
    its own ``>>>`` example is the whole docstring."""
    op = defop(name, fwd, vjp, jvp, save_out=save_out, kinds=None if kinds == "fciub" else kinds, **meta)
    fn = op.bin = make_binary(op)
    fn.__doc__ = doc if ">>>" in doc else (doc or f"Elementwise ``{name}`` with broadcasting.") + (
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
_spare = _buffers.spare
_sole = _buffers.sole
_CONSUMED = _buffers.CONSUMED
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


def _mul_into(g: Any, y: Any, r: Any = None) -> Any:
    """``g * y`` into ``r`` or a cache buffer of ``g``'s shape (``y`` broadcasts against ``g``: it has no batch
    axes); ``y`` itself when ``g`` is a broadcast 1 and ``y`` already has the result's shape and dtype (tensor values
    are never written into, so the engine may hand the same array on)."""
    if type(y) is _nd and y.shape == g.shape and y.dtype == g.dtype and _is_one(g):
        return y
    return np.multiply(g, y, out=_take(g.shape, g.dtype) if r is None else r)


# The fused rules of _unary: ``g * f'(x)`` in ``r`` (None: a new cache buffer). ``reuse``: which of g, y, x the
# passes read only before their first write into ``r`` (so ``r`` may be that array).
def _tanh_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    if r is None:
        r = _take(g.shape, g.dtype)
    np.multiply(y, y, out=r)
    np.subtract(1, r, out=r)
    return np.multiply(r, g, out=r)


def _exp_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    return _mul_into(g, y, r)


def _sigmoid_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    if r is None:
        r = _take(g.shape, g.dtype)
    np.subtract(1, y, out=r)
    np.multiply(r, y, out=r)
    return np.multiply(r, g, out=r)


def _sin_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    r = np.cos(x, out=_take(g.shape, g.dtype) if r is None else r)
    return np.multiply(r, g, out=r)


def _cos_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    r = np.sin(x, out=_take(g.shape, g.dtype) if r is None else r)
    np.negative(r, out=r)
    return np.multiply(r, g, out=r)


def _log_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    r = np.reciprocal(x, out=_take(g.shape, g.dtype) if r is None else r)  # g * (1/x) as the small path: same bits
    return np.multiply(r, g, out=r)


def _square_fused(g: Any, x: Any, y: Any, r: Any) -> Any:
    r = np.multiply(x, 2, out=_take(g.shape, g.dtype) if r is None else r)
    return np.multiply(r, g, out=r)


_tanh_fused.reuse = "y"  # type: ignore[attr-defined]
_exp_fused.reuse = "gy"  # type: ignore[attr-defined]
_sigmoid_fused.reuse = ""  # type: ignore[attr-defined]  (reads y twice, g last)
_sin_fused.reuse = _cos_fused.reuse = _log_fused.reuse = _square_fused.reuse = "x"  # type: ignore[attr-defined]
