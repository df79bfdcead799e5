"""A kernel's loop body as one Numba intrinsic that emits LLVM IR directly.

Numba types and lowers every Python statement separately, at a few milliseconds each: a 600-statement fused
body (the 200-op chain with its gradient) took 4-20 s to compile. Here the whole expression DAG is one call
whose typing is trivial and whose lowering appends one LLVM instruction per primitive (microseconds), so the
compile time is LLVM's own. Semantics are NumPy's (see kernel.py for the dtype rules; operands arrive
converted to each primitive's loop dtype); the vectorised functions of vmath.py and scalar libm functions are
compiled once per process as Numba subroutines and called (LLVM inlines them).

``make_body(desc)`` takes the plain-data description produced by :func:`kernel.body_desc` (so that generated
kernel modules carry it as a literal) and returns the intrinsic ``body(*loaded inputs) -> tuple``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from . import vmath

_NB = {"float32": types.float32, "float64": types.float64, "int8": types.int8, "int16": types.int16,
       "int32": types.int32, "int64": types.int64, "uint8": types.uint8, "uint16": types.uint16,
       "uint32": types.uint32, "uint64": types.uint64, "bool": types.boolean}


def _llty(dt: np.dtype) -> ir.Type:
    if dt.kind == "b":
        return ir.IntType(1)
    if dt.kind == "f":
        return ir.FloatType() if dt.itemsize == 4 else ir.DoubleType()
    return ir.IntType(8 * dt.itemsize)


def _const(v: Any, dt: np.dtype) -> ir.Constant:
    if dt.kind == "b":
        return ir.Constant(ir.IntType(1), int(bool(v)))
    if dt.kind == "f":
        return ir.Constant(_llty(dt), float(v))
    return ir.Constant(_llty(dt), int(v) & ((1 << (8 * dt.itemsize)) - 1))


def _intrinsic_call(builder: ir.IRBuilder, name: str, args: list[Any]) -> Any:
    t = args[0].type
    fn = builder.module.declare_intrinsic(name, [t], ir.FunctionType(t, [t] * len(args)))
    return builder.call(fn, args)


def convert(builder: ir.IRBuilder, v: Any, src: np.dtype, dst: np.dtype) -> Any:
    """NumPy's ``astype`` between real/integer/bool dtypes, in LLVM."""
    if src == dst:
        return v
    if dst.kind == "b":
        if src.kind == "f":
            return builder.fcmp_unordered("!=", v, ir.Constant(v.type, 0.0))  # NaN is truthy, as in NumPy
        return builder.icmp_unsigned("!=", v, ir.Constant(v.type, 0))
    t = _llty(dst)
    if src.kind == "b":
        return builder.uitofp(v, t) if dst.kind == "f" else builder.zext(v, t)
    if src.kind == "f" and dst.kind == "f":
        return builder.fpext(v, t) if dst.itemsize > src.itemsize else builder.fptrunc(v, t)
    if src.kind == "f":
        return builder.fptosi(v, t) if dst.kind == "i" else builder.fptoui(v, t)
    if dst.kind == "f":
        return builder.sitofp(v, t) if src.kind == "i" else builder.uitofp(v, t)
    if dst.itemsize < src.itemsize:
        return builder.trunc(v, t)
    if dst.itemsize > src.itemsize:
        return builder.sext(v, t) if src.kind == "i" else builder.zext(v, t)
    return v  # same width, other signedness: the same bits


def _call(context: Any, builder: ir.IRBuilder, disp: Any, dt: np.dtype, args: list[Any]) -> Any:
    """Call the vmath dispatcher ``disp`` on ``args`` of dtype ``dt``: its compiled overload (from Numba's disk
    cache when there is one) is linked in and LLVM inlines it."""
    nb = _NB[dt.name]
    tctx = context.typing_context
    fnty = tctx.resolve_value_type(disp)
    sig = fnty.get_call_type(tctx, (nb,) * len(args), {})
    return context.get_function(fnty, sig)(builder, args)


def _force_inline(fn: ir.Function) -> None:
    """Mark every call to a Numba-compiled function in ``fn`` alwaysinline: LLVM's inliner gives up on calls in a
    large body (a 200-op chain calls sin/cos 100 times), and a call left in the loop stops the vectoriser."""
    for block in fn.blocks:
        for ins in block.instructions:
            if isinstance(ins, ir.CallInstr) and isinstance(ins.callee, ir.Function) and not (
                    ins.callee.name.startswith("llvm.") or ins.callee.name.startswith("NRT_")):
                ins.attributes.add("alwaysinline")


def emit_prim(context: Any, builder: ir.IRBuilder, name: str, a: list[Any], dts: list[np.dtype], dt: np.dtype,
              fast: bool) -> Any:
    """LLVM for primitive ``name`` on operands ``a`` (of dtypes ``dts``, already converted); result of ``dt``."""
    b = builder
    isf = dt.kind == "f"
    odt = dts[0] if dts else dt
    if name == "add":
        return b.or_(a[0], a[1]) if dt.kind == "b" else (b.fadd if isf else b.add)(a[0], a[1])
    if name == "subtract":
        return (b.fsub if isf else b.sub)(a[0], a[1])
    if name == "multiply":
        return b.and_(a[0], a[1]) if dt.kind == "b" else (b.fmul if isf else b.mul)(a[0], a[1])
    if name == "true_divide":
        return b.fdiv(a[0], a[1])
    if name in ("floor_divide", "remainder"):
        return _call(context, b, vmath.floor_divide if name == "floor_divide" else vmath.remainder, dt, a)
    if name == "power":
        return _intrinsic_call(b, "llvm.pow", a)
    if name in ("maximum", "minimum"):
        big = name == "maximum"
        if isf:  # NaN-propagating, as np.maximum / np.minimum
            keep = b.fcmp_ordered(">=" if big else "<=", a[0], a[1])
            keep = b.or_(keep, b.fcmp_unordered("uno", a[0], a[0]))
        elif dt.kind == "b" or dt.kind == "u":
            keep = b.icmp_unsigned(">=" if big else "<=", a[0], a[1])
        else:
            keep = b.icmp_signed(">=" if big else "<=", a[0], a[1])
        return b.select(keep, a[0], a[1])
    cmp = {"equal": "==", "not_equal": "!=", "less": "<", "less_equal": "<=", "greater": ">",
           "greater_equal": ">="}
    if name in cmp:
        if odt.kind == "f":
            # NaN: every ordered comparison is False, != is True (NumPy)
            return (b.fcmp_unordered if name == "not_equal" else b.fcmp_ordered)(cmp[name], a[0], a[1])
        if odt.kind in "ub":
            return b.icmp_unsigned(cmp[name], a[0], a[1])
        return b.icmp_signed(cmp[name], a[0], a[1])
    if name in ("logical_and", "bitwise_and"):
        return b.and_(a[0], a[1])
    if name in ("logical_or", "bitwise_or"):
        return b.or_(a[0], a[1])
    if name in ("logical_xor", "bitwise_xor"):
        return b.xor(a[0], a[1])
    if name == "logical_not":
        return b.xor(a[0], ir.Constant(ir.IntType(1), 1))
    if name == "negative":
        return b.fneg(a[0]) if isf else b.sub(ir.Constant(a[0].type, 0), a[0])
    if name == "positive":
        return a[0]
    if name == "abs":
        if isf:
            return _intrinsic_call(b, "llvm.fabs", a)
        if dt.kind in "ub":
            return a[0]
        return b.select(b.icmp_signed("<", a[0], ir.Constant(a[0].type, 0)), b.sub(ir.Constant(a[0].type, 0), a[0]),
                        a[0])
    if name == "sign":
        one, m1, zero = _const(1, dt), _const(-1, dt), _const(0, dt)
        if isf:
            pos, neg = b.fcmp_ordered(">", a[0], zero), b.fcmp_ordered("<", a[0], zero)
            return b.select(pos, one, b.select(neg, m1, a[0]))  # NaN and +-0 pass through
        if dt.kind == "u":
            return b.select(b.icmp_unsigned(">", a[0], zero), one, zero)
        pos, neg = b.icmp_signed(">", a[0], zero), b.icmp_signed("<", a[0], zero)
        return b.select(pos, one, b.select(neg, m1, zero))
    if name == "square":
        return (b.fmul if isf else b.mul)(a[0], a[0])
    if name == "reciprocal":
        return b.fdiv(_const(1, dt), a[0]) if isf else b.sdiv(_const(1, dt), a[0])
    if name in ("sqrt", "floor", "ceil", "rint", "trunc"):
        if not isf:
            return a[0]
        return _intrinsic_call(b, f"llvm.{name}", a)
    if name == "isnan":
        return b.fcmp_unordered("uno", a[0], a[0]) if odt.kind == "f" else ir.Constant(ir.IntType(1), 0)
    if name in ("isinf", "isfinite"):
        if odt.kind != "f":
            return ir.Constant(ir.IntType(1), int(name == "isfinite"))
        ab = _intrinsic_call(b, "llvm.fabs", a)
        inf = ir.Constant(a[0].type, math.inf)
        return b.fcmp_ordered("==" if name == "isinf" else "<", ab, inf)
    if name == "where":
        return b.select(a[0], a[1], a[2])
    if name == "cast":
        return a[0]
    if name in vmath.FUNCS and fast and isf:
        return _call(context, b, vmath.FUNCS[name][0 if dt.itemsize == 4 else 1], dt, a)
    if name in vmath.LIBM:
        return _call(context, b, vmath.LIBM[name], dt, a)
    raise KeyError(f"no LLVM code for primitive {name!r}")


#: Primitives whose result is never below 0 (or is NaN).
_NONNEG_RESULT = frozenset({"abs", "square", "sqrt", "exp", "sigmoid"})


def nonpositive_exps(prims: Any, consts: Any) -> set[int]:
    """Indices of the float32 ``exp`` primitives whose argument is known to be <= 0 or NaN, such as ``exp(-x*x)``
    or ``exp(-abs(x))``: they use ``vmath.exp_neg_f32``, exp's result bit for bit in fewer operations.

    A forward sign analysis over the body (``prims`` and ``consts`` as in :func:`make_body`'s ``desc``): a float
    value is known ``<= 0``, ``>= 0`` or neither (NaN never matters: both exp versions return NaN for it).
    ``negative`` swaps the two, ``a * -a`` is ``<= 0`` and ``a * a`` ``>= 0``; products, quotients, sums,
    differences, ``minimum``/``maximum``, ``where``, float casts and ``abs``/``square``/``sqrt``/``exp`` follow
    the rules of signs."""
    le0: set[tuple[str, int]] = set()
    ge0: set[tuple[str, int]] = set()
    for j, (v, d) in enumerate(consts):
        x = float(v) if np.dtype(d).kind in "fiu" else math.nan
        if x <= 0:
            le0.add(("c", j))
        if x >= 0:
            ge0.add(("c", j))
    negated: dict[tuple[str, int], tuple[str, int]] = {}  # v -> a where v = negative(a)
    found: set[int] = set()
    for i, (name, refs, dt, _ods) in enumerate(prims):
        args = [tuple(r) for r in refs]
        if name == "exp" and np.dtype(dt) == np.float32 and args[0] in le0:
            found.add(i)
        if np.dtype(dt).kind != "f":
            continue
        neg = [a in le0 for a in args]
        pos = [a in ge0 for a in args]
        v = ("v", i)
        if name == "negative":
            negated[v] = args[0]
        if name in _NONNEG_RESULT:
            lo, hi = False, True
        elif name == "negative":
            lo, hi = pos[0], neg[0]
        elif name in ("positive", "cast"):
            lo, hi = neg[0], pos[0]
        elif name in ("multiply", "true_divide"):
            mirrored = name == "multiply" and (negated.get(args[0]) == args[1] or negated.get(args[1]) == args[0])
            squared = name == "multiply" and args[0] == args[1]
            lo = mirrored or (neg[0] and pos[1]) or (pos[0] and neg[1])
            hi = squared or (neg[0] and neg[1]) or (pos[0] and pos[1])
        elif name == "add":
            lo, hi = neg[0] and neg[1], pos[0] and pos[1]
        elif name == "subtract":
            lo, hi = neg[0] and pos[1], pos[0] and neg[1]
        elif name == "minimum":
            lo, hi = neg[0] or neg[1], pos[0] and pos[1]
        elif name == "maximum":
            lo, hi = neg[0] and neg[1], pos[0] or pos[1]
        elif name == "where":
            lo, hi = neg[1] and neg[2], pos[1] and pos[2]
        else:
            continue
        if lo:
            le0.add(v)
        if hi:
            ge0.add(v)
    return found


def make_body(desc: tuple[Any, ...]) -> Any:
    """The intrinsic computing a kernel body: ``body(*inputs) -> results`` (a scalar, or a tuple).

    ``desc = (input dtypes, consts [(value, dtype)], prims [(name, args, dtype, operand dtypes)], results
    [(ref, dtype)], check, fast)``; refs are ``("in", j)``, ``("c", j)`` or ``("v", j)``; ``check`` adds a
    last boolean result: some sin/cos argument was beyond ``vmath.TRIG_LIMIT``."""
    in_dts_s, consts, prims, results, check, fast = desc
    in_dts = [np.dtype(d) for d in in_dts_s]
    res_dts = [np.dtype(d) for _, d in results] + ([np.dtype(bool)] if check else [])
    ret = _NB[res_dts[0].name] if len(res_dts) == 1 else types.Tuple([_NB[d.name] for d in res_dts])
    cdts = [(_parse(v, np.dtype(d)), np.dtype(d)) for v, d in consts]
    pdts = [(n, tuple(tuple(r) for r in args), np.dtype(d), [np.dtype(x) for x in ods]) for n, args, d, ods in prims]
    exp_neg = nonpositive_exps(prims, consts)

    def typer(typingctx, *args):  # type: ignore[no-untyped-def]
        sig = ret(*args)

        def codegen(context, builder, signature, llargs):  # type: ignore[no-untyped-def]
            vals: dict[tuple[str, int], tuple[Any, np.dtype]] = {}
            for j, dt in enumerate(in_dts):
                v = llargs[j]
                if dt.kind == "b" and v.type != ir.IntType(1):
                    v = builder.trunc(v, ir.IntType(1))
                vals[("in", j)] = (v, dt)
            for j, (v, dt) in enumerate(cdts):
                vals[("c", j)] = (_const(v, dt), dt)
            bad = ir.Constant(ir.IntType(1), 0)
            for i, (name, refs, dt, odts) in enumerate(pdts):
                ops = [convert(builder, *vals[r], od) for r, od in zip(refs, odts)]
                if check and name in ("sin", "cos"):
                    ab = _intrinsic_call(builder, "llvm.fabs", [ops[0]])
                    bad = builder.or_(bad, builder.fcmp_ordered(">", ab, ir.Constant(ab.type, vmath.TRIG_LIMIT)))
                if i in exp_neg and fast:
                    vals[("v", i)] = (_call(context, builder, vmath.exp_neg_f32, dt, ops), dt)
                    continue
                vals[("v", i)] = (emit_prim(context, builder, name, ops, odts, dt, fast), dt)
            outs = [convert(builder, *vals[tuple(r)], np.dtype(d)) for r, d in results]
            if check:
                outs.append(bad)
            _force_inline(builder.function)
            if len(outs) == 1:
                return outs[0]
            return context.make_tuple(builder, signature.return_type, outs)

        return sig, codegen

    # an intrinsic needs named parameters: one per input
    names = ", ".join(f"a{j}" for j in range(len(in_dts)))
    ns: dict[str, Any] = {"typer": typer}
    exec(f"def body(typingctx, {names}):\n    return typer(typingctx, {names})\n", ns)  # noqa: S102
    return intrinsic(ns["body"])


def _parse(s: str, dt: np.dtype) -> Any:
    if dt.kind == "b":
        return s == "True"
    if dt.kind == "f":
        return float(s)
    return int(s)
