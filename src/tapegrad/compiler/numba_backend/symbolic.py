"""Kernel code for registered ops without a second table of ops: run the op's own forward symbolically.

Every op's forward is ``fwd(F, *values, **params)`` written against an array namespace ``F``. Here ``F`` is
:data:`SYM` and the values are :class:`Sym` objects: each NumPy function or operator the forward uses appends a
primitive to a :class:`~.kernel.KernelSpec`, with NumPy's result dtype (computed by NumPy itself on 0-d
samples, so promotion rules are exactly NumPy's, Python scalars included). An op whose forward needs anything
else (indexing, a data-dependent Python branch, an unsupported function, complex numbers, a reshape) raises
:class:`Unfusable` and simply stays a NumPy call in the program. So every elementwise op written with ``F``
(``relu``, ``sigmoid``, ``elu``, ``softplus``, ``where``, ``clip_by_value``, casts, comparisons, ...) and
every reduction (``reduce_sum/mean/max/min/prod/any/all``, ``sum_to``) fuses, forward and backward alike.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from .kernel import BINARY, LIBM_FUNCS, UNARY, KernelSpec, Ref, supported_dtype


class Unfusable(Exception):
    """The op cannot be expressed as kernel primitives; it stays a NumPy call."""


_ALIASES = {
    "divide": "true_divide", "mod": "remainder", "absolute": "abs", "round": "rint", "asin": "arcsin",
    "acos": "arccos", "atan": "arctan", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
    "atan2": "arctan2", "pow": "power",
}


@lru_cache(maxsize=4096)
def _result_dtype(name: str, *key: Any) -> np.dtype:
    """NumPy's result dtype of ufunc ``name`` on operands described by ``key`` (dtypes, or Python scalar types
    with a sample value, which NumPy 2 treats as weak)."""
    args = [np.zeros((), k) if isinstance(k, np.dtype) else k[1] for k in key]
    ufunc = getattr(np, name)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return np.dtype(ufunc(*args).dtype)
        except (TypeError, OverflowError, ValueError) as e:
            raise Unfusable(f"{name}: {e}") from None


class Sym:
    """A symbolic array value in a kernel under construction."""

    __array_priority__ = 1000
    __slots__ = ("tr", "ref", "shape", "dtype")

    def __init__(self, tr: SymTracer, ref: Ref, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.tr, self.ref, self.shape, self.dtype = tr, ref, tuple(shape), np.dtype(dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: math.prod(self.shape))

    def astype(self, dtype: Any, copy: bool = True) -> Sym:
        return self.tr.cast(self, dtype)

    def __bool__(self) -> bool:
        raise Unfusable("a Python branch on a tensor value")

    def _red(kind: str) -> Any:  # type: ignore[misc]
        def method(self: Sym, axis: Any = None, dtype: Any = None, keepdims: bool = False, **kw: Any) -> Reduced:
            if kw:
                raise Unfusable(f"{kind} with {sorted(kw)}")
            return self.tr.reduce(kind, self, axis, keepdims, dtype)

        return method

    sum = _red("sum")
    mean = _red("mean")
    max = _red("max")
    min = _red("min")
    prod = _red("prod")
    any = _red("any")
    all = _red("all")

    def __array__(self, *a: Any, **k: Any) -> Any:
        raise Unfusable("conversion to a NumPy array")

    def __getitem__(self, key: Any) -> Any:
        raise Unfusable("indexing")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise Unfusable("in-place assignment")

    def __float__(self) -> float:
        raise Unfusable("conversion to a Python number")

    __int__ = __index__ = __float__  # type: ignore[assignment]

    def __len__(self) -> int:
        raise Unfusable("len() of a tensor value")

    def __iter__(self) -> Any:
        raise Unfusable("iteration over a tensor value")

    def __getattr__(self, name: str) -> Any:
        raise Unfusable(f"attribute {name!r}")


def _binop(name: str, swap: bool = False) -> Any:
    def method(self: Sym, other: Any) -> Sym:
        return self.tr.ufunc(name, other, self) if swap else self.tr.ufunc(name, self, other)

    return method


for _op, _name in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
                   ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"), ("and", "bitwise_and"),
                   ("or", "bitwise_or"), ("xor", "bitwise_xor")]:
    setattr(Sym, f"__{_op}__", _binop(_name))
    setattr(Sym, f"__r{_op}__", _binop(_name, swap=True))
for _op, _name in [("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                   ("ge", "greater_equal")]:
    setattr(Sym, f"__{_op}__", _binop(_name))
Sym.__hash__ = None  # type: ignore[assignment]
Sym.__neg__ = lambda self: self.tr.ufunc("negative", self)  # type: ignore[attr-defined]
Sym.__pos__ = lambda self: self  # type: ignore[attr-defined]
Sym.__abs__ = lambda self: self.tr.ufunc("abs", self)  # type: ignore[attr-defined]
Sym.__invert__ = lambda self: (  # type: ignore[attr-defined]
    self.tr.ufunc("logical_not", self) if self.dtype.kind == "b" else _raise("bitwise invert"))


def _raise(what: str) -> Any:
    raise Unfusable(what)


class Reduced:
    """The result of a reduction: it can only be the op's output (a reduction ends a kernel)."""

    def __init__(self, src: Sym, kind: str, axes: tuple[int, ...], shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.src, self.kind, self.axes, self.shape, self.dtype = src, kind, axes, shape, dtype

    def __getattr__(self, name: str) -> Any:
        raise Unfusable("a reduction's result used inside the same kernel")


class SymTracer:
    """Traces ops into ``spec`` (whose iteration space is ``spec.shape``)."""

    def __init__(self, spec: KernelSpec) -> None:
        self.spec = spec

    def value(self, ref: Ref) -> Sym:
        return Sym(self, ref, self.spec.shape_of(ref), self.spec.dtype_of(ref))

    def _operand(self, x: Any) -> Any:
        """A Sym, or a constant (key for the dtype lookup, Python value, dtype or None for weak scalars)."""
        if isinstance(x, Sym):
            return x
        if isinstance(x, Reduced):
            raise Unfusable("a reduction's result used inside the same kernel")
        if isinstance(x, bool | int | float) and not isinstance(x, np.generic):
            return ("py", x)
        if isinstance(x, np.generic | np.ndarray) and np.ndim(x) == 0:
            return ("np", np.asarray(x)[()])
        raise Unfusable(f"operand of type {type(x).__name__}")

    def ufunc(self, name: str, *xs: Any) -> Sym:
        name = _ALIASES.get(name, name)
        if name not in UNARY and name not in BINARY:
            raise Unfusable(f"no kernel primitive for {name!r}")
        ops = [self._operand(x) for x in xs]
        key = []
        for o in ops:
            if isinstance(o, Sym):
                key.append(o.dtype)
            elif o[0] == "py":
                key.append((type(o[1]).__name__, o[1]))
            else:
                key.append(np.dtype(type(o[1])) if not isinstance(o[1], np.generic) else o[1].dtype)
        np_name = name if name != "abs" else "absolute"
        if name == "lgamma":
            dt = np.result_type(*[k if isinstance(k, np.dtype) else np.float64 for k in key], np.float16)
            if dt.kind not in "f":
                dt = np.dtype(np.float64)
        elif name in ("erf", "erfc"):
            dt = _result_dtype("sin", *key)
        else:
            dt = _result_dtype(np_name, *key)
        for k in key:
            kd = k if isinstance(k, np.dtype) else None
            if kd is not None and (kd.kind == "c" or not supported_dtype(kd)):
                raise Unfusable(f"dtype {kd}")
        if dt.kind == "c" or not supported_dtype(dt):
            raise Unfusable(f"dtype {dt}")
        refs = []
        shapes = []
        for o in ops:
            if isinstance(o, Sym):
                refs.append(o.ref)
                shapes.append(o.shape)
            else:
                v = o[1]
                cdt = self._const_dtype(name, dt, [k for k in key if isinstance(k, np.dtype)], v, o[0] == "py")
                refs.append(self.spec.add_const(v, cdt))
                shapes.append(())
        if name in ("sqrt", "square", "power") and dt.kind in "iu" and name != "square":
            raise Unfusable(f"integer {name}")  # NumPy raises for negative integer powers; keep its behaviour
        if name in ("floor_divide", "remainder") and dt.kind in "iu":
            raise Unfusable(f"integer {name}")  # division by zero is NumPy's business (0 and a warning)
        if name == "power":
            return self._power(refs, shapes, dt)
        if name in LIBM_FUNCS and dt.kind != "f":
            raise Unfusable(f"{name} of {dt}")
        shape = np.broadcast_shapes(*shapes)
        return Sym(self, self.spec.add_prim(name, tuple(refs), dt, shape), shape, dt)

    @staticmethod
    def _const_dtype(name: str, dt: np.dtype, sym_dtypes: list[np.dtype], v: Any, weak: bool) -> np.dtype:
        if not weak:
            return np.dtype(type(v)) if not isinstance(v, np.generic) else v.dtype
        # a weak Python scalar takes the loop's operand dtype (comparisons: the other operand's)
        if sym_dtypes:
            base = np.result_type(*sym_dtypes)
            if name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "maximum",
                        "minimum") or dt.kind == "b":
                return np.result_type(base, v)
            return dt
        return np.result_type(v)

    def _power(self, refs: list[Ref], shapes: list[tuple[int, ...]], dt: np.dtype) -> Sym:
        shape = np.broadcast_shapes(*shapes)
        base, ex = refs
        if ex.kind == "c":
            e = float(self.spec.consts[ex.index][0])
            # NumPy's fast paths for a scalar exponent (array ** 2 is a square, ** 0.5 a sqrt, ...)
            if e == 2.0:
                return Sym(self, self.spec.add_prim("square", (base,), dt, shape), shape, dt)
            if e == 0.5:
                return Sym(self, self.spec.add_prim("sqrt", (base,), dt, shape), shape, dt)
            if e == 1.0:
                return Sym(self, self.spec.add_prim("positive", (base,), dt, shape), shape, dt)
            if e == -1.0:
                return Sym(self, self.spec.add_prim("reciprocal", (base,), dt, shape), shape, dt)
        return Sym(self, self.spec.add_prim("power", (base, ex), dt, shape), shape, dt)

    def cast(self, x: Any, dtype: Any) -> Sym:
        dt = np.dtype(dtype)
        if not isinstance(x, Sym):
            raise Unfusable("cast of a non-tensor")
        if dt == x.dtype:
            return x
        if dt.kind == "c" or not supported_dtype(dt):
            raise Unfusable(f"cast to {dt}")
        return Sym(self, self.spec.add_prim("cast", (x.ref,), dt, x.shape), x.shape, dt)

    def where(self, c: Any, a: Any, b: Any) -> Sym:
        cs = self._as_sym(c)
        if cs.dtype.kind != "b":
            cs = self.ufunc("not_equal", cs, 0)
        ops = [self._operand(a), self._operand(b)]
        key = [o.dtype if isinstance(o, Sym) else ((type(o[1]).__name__, o[1]) if o[0] == "py" else
                                                   np.asarray(o[1]).dtype) for o in ops]
        dt = np.result_type(*[k if isinstance(k, np.dtype) else k[1] for k in key])
        if dt.kind == "c" or not supported_dtype(dt):
            raise Unfusable(f"dtype {dt}")
        refs, shapes = [cs.ref], [cs.shape]
        for o in ops:
            if isinstance(o, Sym):
                refs.append(o.ref)
                shapes.append(o.shape)
            else:
                refs.append(self.spec.add_const(o[1], dt))
                shapes.append(())
        shape = np.broadcast_shapes(*shapes)
        return Sym(self, self.spec.add_prim("where", tuple(refs), dt, shape), shape, dt)

    def _as_sym(self, x: Any) -> Sym:
        if isinstance(x, Sym):
            return x
        raise Unfusable("a constant where a tensor is needed")

    def full_like(self, x: Any, v: Any, dtype: Any = None) -> Sym:
        if not isinstance(x, Sym):
            raise Unfusable("full_like of a non-tensor")
        dt = np.dtype(dtype) if dtype is not None else x.dtype
        if dt.kind == "c" or not supported_dtype(dt):
            raise Unfusable(f"dtype {dt}")
        c = self.spec.add_const(v, dt)
        return Sym(self, self.spec.add_prim("positive", (c,), dt, x.shape), x.shape, dt)

    def broadcast_to(self, x: Any, shape: Any) -> Sym:
        if not isinstance(x, Sym):
            raise Unfusable("broadcast of a non-tensor")
        shape = tuple(int(s) for s in shape)
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise Unfusable("broadcast_to")
        return Sym(self, self.spec.add_prim("positive", (x.ref,), x.dtype, shape), shape, x.dtype)

    def reduce(self, kind: str, x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Reduced:
        if not isinstance(x, Sym):
            raise Unfusable("reduction of a non-tensor")
        if dtype is not None and np.dtype(dtype) != x.dtype:
            raise Unfusable("reduction with an accumulator dtype")
        nd = x.ndim
        if axis is None:
            axes = tuple(range(nd))
        else:
            axes = tuple(sorted({a % nd for a in ((axis,) if isinstance(axis, int) else tuple(axis))}))
        if x.size == 0:
            raise Unfusable("empty reduction")
        np_name = {"sum": "sum", "mean": "mean", "max": "max", "min": "min", "prod": "prod", "any": "any",
                   "all": "all"}[kind]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            dt = np.dtype(getattr(np, np_name)(np.zeros((1,), x.dtype), dtype=dtype).dtype)
        shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape)) if keepdims else tuple(
            n for d, n in enumerate(x.shape) if d not in axes)
        return Reduced(x, kind, axes, shape, dt)

    def sum_to(self, g: Any, shape: Any, nb: int = 0) -> Any:
        from ..._backend import sum_axes

        if not isinstance(g, Sym):
            raise Unfusable("sum_to of a non-tensor")
        shape = tuple(shape)
        axes = sum_axes(g.shape, shape, nb)
        out_shape = g.shape[:nb] + shape
        r = self.reduce("sum", g, axes, keepdims=True)
        r.shape = out_shape  # a keepdims sum followed by a reshape that drops leading axes: same memory order
        return r


class _SymNamespace:
    """The ``F`` the forwards see while being traced."""

    is_diff = False
    inf = math.inf
    nan = math.nan

    def __init__(self) -> None:
        for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
                     "uint32", "uint64", "bool_", "iinfo", "finfo", "result_type", "broadcast_shapes"):
            setattr(self, name, getattr(np, name))

    @staticmethod
    def _tr(*xs: Any) -> SymTracer:
        for x in xs:
            if isinstance(x, Sym):
                return x.tr
        raise Unfusable("no tensor operand")

    def __getattr__(self, name: str) -> Any:
        prim = _ALIASES.get(name, name)
        if prim in UNARY or prim in BINARY:
            def call(*xs: Any, **kw: Any) -> Sym:
                if kw:
                    raise Unfusable(f"{name} with keyword arguments")
                return self._tr(*xs).ufunc(prim, *xs)

            return call
        raise Unfusable(f"F.{name} has no kernel primitive")

    def where(self, c: Any, a: Any = None, b: Any = None) -> Sym:
        if a is None or b is None:
            raise Unfusable("one-argument where")
        return self._tr(c, a, b).where(c, a, b)

    def astype(self, x: Any, dtype: Any) -> Sym:
        return self._tr(x).cast(x, dtype)

    def shape(self, x: Any) -> tuple[int, ...]:
        return tuple(x.shape) if isinstance(x, Sym) else np.shape(x)

    def ndim(self, x: Any) -> int:
        return len(self.shape(x))

    def zeros_like(self, x: Any, dtype: Any = None) -> Sym:
        return self._tr(x).full_like(x, 0, dtype)

    def ones_like(self, x: Any, dtype: Any = None) -> Sym:
        return self._tr(x).full_like(x, 1, dtype)

    def full_like(self, x: Any, v: Any, dtype: Any = None) -> Sym:
        return self._tr(x).full_like(x, v, dtype)

    def asarray_of(self, value: Any, like: Any) -> Any:
        if isinstance(value, Sym):
            return self._tr(value).cast(value, like.dtype)
        return np.asarray(value, dtype=like.dtype)[()]

    def broadcast_to(self, x: Any, shape: Any) -> Sym:
        return self._tr(x).broadcast_to(x, shape)

    def clip(self, x: Any, lo: Any, hi: Any) -> Sym:
        tr = self._tr(x)
        return tr.ufunc("minimum", tr.ufunc("maximum", x, lo), hi)

    def sum_to(self, g: Any, shape: Any, nb: int = 0) -> Any:
        return self._tr(g).sum_to(g, shape, nb)

    def _reduction(kind: str) -> Any:  # type: ignore[misc]
        def red(self: Any, x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None, **kw: Any) -> Any:
            if kw:
                raise Unfusable(f"{kind} with {sorted(kw)}")
            return self._tr(x).reduce(kind, x, axis, keepdims, dtype)

        return red

    sum = _reduction("sum")
    mean = _reduction("mean")
    max = _reduction("max")
    min = _reduction("min")
    prod = _reduction("prod")
    any = _reduction("any")
    all = _reduction("all")
    amax, amin = max, min


SYM = _SymNamespace()


def trace_into(tracer: SymTracer, fwd: Any, inputs: list[Sym], params: dict[str, Any]) -> list[Sym | Reduced]:
    """Run ``fwd(SYM, *inputs, **params)``; returns its outputs (a tuple for multi-output ops)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fwd(SYM, *inputs, **params)
    except Unfusable:
        raise
    except (TypeError, AttributeError, ValueError, KeyError, IndexError, NotImplementedError) as e:
        raise Unfusable(f"{type(e).__name__}: {e}") from None
    outs = list(out) if isinstance(out, tuple) else [out]
    for o in outs:
        if not isinstance(o, Sym | Reduced):
            raise Unfusable("the forward returned a non-tensor")
    return outs
