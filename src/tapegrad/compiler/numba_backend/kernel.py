"""Elementwise kernel specifications and their Numba source code (no Numba import here).

A :class:`KernelSpec` is a small expression DAG over one *iteration space* (a shape): array inputs that broadcast
against the space, primitives with NumPy's semantics and result dtypes, and outputs, each either the full array
or a reduction (sum, mean, max, min, prod, any, all) over some axes of the space. :func:`generate` turns it into
the source of one ``@njit`` function that loops over the space once: no temporaries, every input read once per
element, reductions accumulated in registers (float32 sums in float64).

Loop structure: axes of size 1 are dropped, then adjacent axes that every input and output treats alike (all
full, or all broadcast / reduced) are merged, so ``x + b`` on ``(64, 128)`` with ``b`` of shape ``(128,)`` is a
two-level loop and a same-shape chain is a single flat loop (what LLVM vectorises best). Inputs are passed flat
(1-D, contiguous); their strides are compile-time constants.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Primitives implemented by the vector math library (vmath.py) for float32/float64.
VECTOR_FUNCS = frozenset({"exp", "expm1", "log", "log1p", "tanh", "sin", "cos"})
#: Scalar functions that run through libm inside a loop (Numba's ``math.*``); the fusion pass leaves them to
#: NumPy's SIMD ufuncs on large arrays (see fuse.LIBM_MAX_SIZE).
LIBM_FUNCS = {
    "tan": "math.tan", "arcsin": "math.asin", "arccos": "math.acos", "arctan": "math.atan", "sinh": "math.sinh",
    "cosh": "math.cosh", "arcsinh": "math.asinh", "arccosh": "math.acosh", "arctanh": "math.atanh",
    "erf": "math.erf", "erfc": "math.erfc", "lgamma": "math.lgamma", "arctan2": "math.atan2",
    "exp2": "np.exp2", "log2": "np.log2", "log10": "np.log10", "cbrt": "np.cbrt",
}
UNARY = {
    "negative", "abs", "sign", "sqrt", "square", "floor", "ceil", "rint", "trunc", "reciprocal", "isnan", "isinf",
    "isfinite", "logical_not", "positive", *VECTOR_FUNCS, *(k for k in LIBM_FUNCS if k != "arctan2"),
}
BINARY = {
    "add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "power", "maximum", "minimum",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_xor", "arctan2", "bitwise_and", "bitwise_or", "bitwise_xor",
}
REDUCTIONS = ("sum", "mean", "max", "min", "prod", "any", "all")


@dataclass(frozen=True)
class Ref:
    """A value in a kernel: ``kind`` is ``"in"`` (input array), ``"v"`` (primitive result) or ``"c"`` (constant)."""

    kind: str
    index: int


@dataclass
class Value:
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass
class Prim:
    name: str
    args: tuple[Ref, ...]
    dtype: np.dtype
    shape: tuple[int, ...]
    params: tuple[Any, ...] = ()


@dataclass
class Output:
    ref: Ref
    reduce: str | None  # None: the full array; else one of REDUCTIONS
    axes: tuple[int, ...]  # reduced axes of the space (non-negative); output shape keeps them as 1
    dtype: np.dtype


@dataclass
class KernelSpec:
    """One fused loop: inputs broadcast to ``shape``; ``prims`` in topological order; ``outputs``."""

    shape: tuple[int, ...]
    inputs: list[Value] = field(default_factory=list)
    consts: list[tuple[Any, np.dtype]] = field(default_factory=list)
    prims: list[Prim] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    # -- building ---------------------------------------------------------------------------------------------

    def add_input(self, shape: tuple[int, ...], dtype: Any) -> Ref:
        self.inputs.append(Value(tuple(shape), np.dtype(dtype)))
        return Ref("in", len(self.inputs) - 1)

    def add_const(self, value: Any, dtype: Any) -> Ref:
        dt = np.dtype(dtype)
        key = (np.asarray(value, dt).tobytes(), dt)
        for i, (v, d) in enumerate(self.consts):
            if d == dt and np.asarray(v, d).tobytes() == key[0]:
                return Ref("c", i)
        self.consts.append((np.asarray(value, dt)[()], dt))
        return Ref("c", len(self.consts) - 1)

    def add_prim(self, name: str, args: tuple[Ref, ...], dtype: Any, shape: tuple[int, ...],
                 params: tuple[Any, ...] = ()) -> Ref:
        self.prims.append(Prim(name, tuple(args), np.dtype(dtype), tuple(shape), tuple(params)))
        return Ref("v", len(self.prims) - 1)

    def add_output(self, ref: Ref, reduce: str | None = None, axes: tuple[int, ...] = (), dtype: Any = None) -> int:
        self.outputs.append(Output(ref, reduce, tuple(sorted(axes)), np.dtype(dtype or self.dtype_of(ref))))
        return len(self.outputs) - 1

    def dtype_of(self, ref: Ref) -> np.dtype:
        if ref.kind == "in":
            return self.inputs[ref.index].dtype
        if ref.kind == "c":
            return self.consts[ref.index][1]
        return self.prims[ref.index].dtype

    def shape_of(self, ref: Ref) -> tuple[int, ...]:
        if ref.kind == "in":
            return self.inputs[ref.index].shape
        if ref.kind == "c":
            return ()
        return self.prims[ref.index].shape

    def output_shape(self, i: int) -> tuple[int, ...]:
        o = self.outputs[i]
        if o.reduce is None:
            return self.shape
        return tuple(1 if d in o.axes else n for d, n in enumerate(self.shape))

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def uses(self, names: frozenset[str] | set[str]) -> bool:
        return any(p.name in names for p in self.prims)


# -- dtype names and literals ------------------------------------------------------------------------------------

_NB_TYPE = {
    "float32": "float32", "float64": "float64", "int8": "int8", "int16": "int16", "int32": "int32",
    "int64": "int64", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "bool": "boolean",
}


def supported_dtype(dt: np.dtype) -> bool:
    return np.dtype(dt).name in _NB_TYPE


def _ctor(dt: np.dtype) -> str:
    return "np.bool_" if dt.kind == "b" else f"np.{dt.name}"


def _literal(value: Any, dt: np.dtype) -> str:
    if dt.kind == "b":
        return "True" if bool(value) else "False"
    if dt.kind == "f":
        v = float(value)
        if math.isnan(v):
            return f"{_ctor(dt)}(np.nan)"
        if math.isinf(v):
            return f"{_ctor(dt)}({'-' if v < 0 else ''}np.inf)"
        return f"{_ctor(dt)}({v!r})"
    return f"{_ctor(dt)}({int(value)})"


def _conv(code: str, src: np.dtype, dst: np.dtype) -> str:
    """``code`` (of dtype ``src``) converted to ``dst`` with NumPy's casting."""
    if src == dst:
        return code
    if dst.kind == "b":
        return f"({code} != 0)"
    return f"{_ctor(dst)}({code})"


# -- primitive code ----------------------------------------------------------------------------------------------


def _arith_dtype(p: Prim, dts: list[np.dtype]) -> np.dtype:
    """The dtype the operands are converted to before a primitive computes (NumPy's ufunc loop type)."""
    if p.name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "maximum", "minimum"):
        return np.result_type(*dts)
    if p.name in ("logical_and", "logical_or", "logical_xor", "logical_not"):
        return np.dtype(bool)
    if p.name in ("isnan", "isinf", "isfinite"):
        return dts[0]
    if p.name == "where":
        return p.dtype
    return p.dtype


def _prim_code(p: Prim, a: list[str], dts: list[np.dtype], fast: bool) -> str:
    """Numba expression for primitive ``p`` on operand codes ``a`` (already converted to the loop dtype)."""
    n, dt = p.name, p.dtype
    T = _ctor(dt)
    if n == "add":
        return f"({a[0]} | {a[1]})" if dt.kind == "b" else f"{T}({a[0]} + {a[1]})"
    if n == "subtract":
        return f"{T}({a[0]} - {a[1]})"
    if n == "multiply":
        return f"({a[0]} & {a[1]})" if dt.kind == "b" else f"{T}({a[0]} * {a[1]})"
    if n == "true_divide":
        return f"{T}({a[0]} / {a[1]})"
    if n == "floor_divide":
        return f"{T}({a[0]} // {a[1]})"
    if n == "remainder":
        return f"{T}({a[0]} % {a[1]})"
    if n == "power":
        return f"{T}({a[0]} ** {a[1]})"
    if n == "maximum":
        if dt.kind == "f":  # NaN-propagating, as np.maximum
            return f"({a[0]} if ({a[0]} >= {a[1]} or {a[0]} != {a[0]}) else {a[1]})"
        return f"max({a[0]}, {a[1]})"
    if n == "minimum":
        if dt.kind == "f":
            return f"({a[0]} if ({a[0]} <= {a[1]} or {a[0]} != {a[0]}) else {a[1]})"
        return f"min({a[0]}, {a[1]})"
    ops = {"equal": "==", "not_equal": "!=", "less": "<", "less_equal": "<=", "greater": ">",
           "greater_equal": ">=", "logical_and": "&", "logical_or": "|", "logical_xor": "^",
           "bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^"}
    if n in ops:
        code = f"({a[0]} {ops[n]} {a[1]})"
        return code if dt.kind == "b" or n in ("equal", "not_equal", "less", "less_equal", "greater",
                                               "greater_equal") else f"{T}{code}"
    if n == "logical_not":
        return f"(not {a[0]})"
    if n == "negative":
        return f"{T}(-{a[0]})"
    if n == "positive":
        return a[0]
    if n == "abs":
        return f"{T}(abs({a[0]}))"
    if n == "sign":
        one, m1 = _literal(1, dt), _literal(-1, dt)
        if dt.kind == "f":
            return f"({one} if {a[0]} > 0 else ({m1} if {a[0]} < 0 else {a[0]}))"
        return f"({one} if {a[0]} > 0 else ({m1} if {a[0]} < 0 else {_literal(0, dt)}))"
    if n == "square":
        return f"{T}({a[0]} * {a[0]})"
    if n == "reciprocal":
        return f"{T}({_literal(1, dt)} / {a[0]})"
    if n in ("sqrt", "floor", "ceil", "rint", "trunc"):
        return f"{T}(np.{n}({a[0]}))"
    if n == "isnan":
        return f"({a[0]} != {a[0]})"
    if n == "isinf":
        return f"(abs({a[0]}) == np.inf)"
    if n == "isfinite":
        return f"(abs({a[0]}) < np.inf)"
    if n == "where":
        return f"({a[1]} if {a[0]} else {a[2]})"
    if n == "cast":
        return a[0]  # the operand conversion did the work
    if n in VECTOR_FUNCS:
        if fast:
            return f"{n}_{'f32' if dt == np.float32 else 'f64'}({a[0]})"
        return f"{T}(np.{n}({a[0]}))"
    if n in LIBM_FUNCS:
        return f"{T}({LIBM_FUNCS[n]}({', '.join(a)}))"
    raise KeyError(f"no kernel code for primitive {n!r}")


def _operand_dtypes(p: Prim, dts: list[np.dtype]) -> list[np.dtype]:
    """Dtype each operand is converted to before the primitive runs."""
    if p.name == "where":
        return [np.dtype(bool), p.dtype, p.dtype]
    if p.name == "cast":
        return [p.dtype]
    return [_arith_dtype(p, dts)] * len(dts)


# -- loop structure ----------------------------------------------------------------------------------------------


def _collapse(spec: KernelSpec) -> tuple[list[int], list[list[bool]], list[list[bool]], list[list[int]]]:
    """Merge axes. Returns (sizes, input_full[j][d], output_reduced[r][d], groups[d] = original axes)."""
    nd = len(spec.shape)

    def pattern(d: int) -> tuple[bool, ...]:
        pat = []
        for v in spec.inputs:
            k = d - (nd - len(v.shape))
            pat.append(k >= 0 and v.shape[k] != 1)
        for o in spec.outputs:
            pat.append(o.reduce is not None and d in o.axes)
        return tuple(pat)

    dims = [d for d in range(nd) if spec.shape[d] != 1]
    groups: list[list[int]] = []
    pats: list[tuple[bool, ...]] = []
    for d in dims:
        pt = pattern(d)
        if groups and pats[-1] == pt:
            groups[-1].append(d)
        else:
            groups.append([d])
            pats.append(pt)
    sizes = [math.prod(spec.shape[d] for d in g) for g in groups]
    nin = len(spec.inputs)
    full = [[pats[g][j] for g in range(len(groups))] for j in range(nin)]
    red = [[pats[g][nin + r] for g in range(len(groups))] for r in range(len(spec.outputs))]
    return sizes, full, red, groups


def _index(sizes: list[int], use: list[bool], ivars: list[str]) -> str:
    """Flat index into an array whose collapsed shape has sizes[d] where use[d], else 1."""
    terms = []
    stride = 1
    for d in range(len(sizes) - 1, -1, -1):
        if use[d]:
            terms.append(ivars[d] if stride == 1 else f"{ivars[d]} * {stride}")
            stride *= sizes[d]
    return " + ".join(reversed(terms)) if terms else "0"


_IDENT = {"sum": 0, "mean": 0, "prod": 1, "any": False, "all": True}


def _acc_dtype(o: Output, src: np.dtype) -> np.dtype:
    if o.reduce in ("any", "all"):
        return np.dtype(bool)
    if o.reduce in ("sum", "mean", "prod") and src.kind == "f":
        return np.dtype(np.float64)  # float32 sums accumulate in float64 (more accurate than NumPy's pairwise)
    if o.reduce in ("sum", "mean", "prod") and src.kind == "b":
        return np.dtype(np.int64)
    return src


def _ident(o: Output, adt: np.dtype) -> str:
    if o.reduce in ("max", "min"):
        if adt.kind == "f":
            return _literal(-math.inf if o.reduce == "max" else math.inf, adt)
        if adt.kind == "b":
            return "False" if o.reduce == "max" else "True"
        info = np.iinfo(adt)
        return _literal(info.min if o.reduce == "max" else info.max, adt)
    return _literal(_IDENT[o.reduce], adt)


def _combine(o: Output, acc: str, v: str, adt: np.dtype) -> str:
    r = o.reduce
    if r in ("sum", "mean"):
        return f"radd({acc}, {v})" if adt.kind == "f" else f"{_ctor(adt)}({acc} + {v})"
    if r == "prod":
        return f"rmul({acc}, {v})" if adt.kind == "f" else f"{_ctor(adt)}({acc} * {v})"
    if r == "any":
        return f"({acc} | {v})"
    if r == "all":
        return f"({acc} & {v})"
    cmp = ">" if r == "max" else "<"
    if adt.kind == "f":  # NaN sticks: once acc is NaN, neither branch replaces it
        return f"({v} if ({v} {cmp} {acc} or {v} != {v}) else {acc})"
    return f"({v} if {v} {cmp} {acc} else {acc})"


# -- source generation -------------------------------------------------------------------------------------------


def signature(spec: KernelSpec) -> str:
    args = [f"{_NB_TYPE[v.dtype.name]}[::1]" for v in spec.inputs]
    args += [f"{_NB_TYPE[o.dtype.name]}[::1]" for o in spec.outputs]
    return f"void({', '.join(args)})"


def generate(spec: KernelSpec, name: str) -> str:
    """Source of ``def name(in0, ..., out0, ...)`` (the ``@njit`` decorator is added by the loader)."""
    sizes, full, red, _ = _collapse(spec)
    k = len(sizes)
    ivars = [f"i{d}" for d in range(k)]
    limited = spec.uses({"sin", "cos"}) and any(p.name in ("sin", "cos") for p in spec.prims)
    params = [f"in{j}" for j in range(len(spec.inputs))] + [f"out{r}" for r in range(len(spec.outputs))]
    lines = [f"def {name}({', '.join(params)}):"]

    # inputs that are constant over the whole space are loaded once, before the loops
    hoisted = {j for j in range(len(spec.inputs)) if not any(full[j])}
    for j in sorted(hoisted):
        lines.append(f"    a{j} = in{j}[0]")

    def body(fast: bool, indent: str) -> list[str]:
        out: list[str] = []
        reg: dict[Ref, str] = {}
        for j in range(len(spec.inputs)):
            if j not in hoisted:
                out.append(f"{indent}a{j} = in{j}[{_index(sizes, full[j], ivars)}]")
            reg[Ref("in", j)] = f"a{j}"
        for c, (val, dt) in enumerate(spec.consts):
            reg[Ref("c", c)] = _literal(val, dt)
        for i, p in enumerate(spec.prims):
            dts = [spec.dtype_of(r) for r in p.args]
            odt = _operand_dtypes(p, dts)
            args = [_conv(reg[r], s, t) for r, s, t in zip(p.args, dts, odt)]
            if fast and p.name in ("sin", "cos"):
                out.append(f"{indent}bad |= np.uint8(abs({args[0]}) > {_TRIG_LIMIT!r})")
            out.append(f"{indent}v{i} = {_prim_code(p, args, dts, fast)}")
            reg[Ref("v", i)] = f"v{i}"
        return out, reg  # type: ignore[return-value]

    def nest(fast: bool) -> list[str]:
        out: list[str] = []
        reduced = [r for r, o in enumerate(spec.outputs) if o.reduce is not None]
        adts = {r: _acc_dtype(spec.outputs[r], spec.dtype_of(spec.outputs[r].ref)) for r in reduced}
        # reductions whose innermost axis is reduced keep a register accumulator over the innermost loop
        inner_reg = {r for r in reduced if k > 0 and red[r][k - 1]}
        for r in reduced:
            n_out = math.prod(s for s, rr in zip(sizes, red[r]) if not rr)
            if n_out == 1 and (k == 0 or all(red[r])):
                out.append(f"    acc{r} = {_ident(spec.outputs[r], adts[r])}")
            else:
                out.append(f"    accv{r} = np.full({n_out}, {_ident(spec.outputs[r], adts[r])}, "
                           f"dtype={_ctor(adts[r])})")
        if limited and fast:
            out.append("    bad = np.uint8(0)")
        scalar_acc = {r for r in reduced if k == 0 or all(red[r])}
        indent = "    "
        for d in range(k):
            if d == k - 1:
                for r in inner_reg - scalar_acc:
                    out.append(f"{indent}acc{r} = {_ident(spec.outputs[r], adts[r])}")
            out.append(f"{indent}for {ivars[d]} in range({sizes[d]}):")
            indent += "    "
        code, reg = body(fast, indent)
        out += code
        for r, o in enumerate(spec.outputs):
            src = reg[o.ref]
            sdt = spec.dtype_of(o.ref)
            if o.reduce is None:
                out.append(f"{indent}out{r}[{_index(sizes, [True] * k, ivars)}] = {_conv(src, sdt, o.dtype)}")
                continue
            v = _conv(src, sdt, adts[r])
            if r in scalar_acc or r in inner_reg:
                out.append(f"{indent}acc{r} = {_combine(o, f'acc{r}', v, adts[r])}")
            else:
                idx = _index(sizes, [not x for x in red[r]], ivars)
                out.append(f"{indent}accv{r}[{idx}] = {_combine(o, f'accv{r}[{idx}]', v, adts[r])}")
        if k:
            outer = "    " * k  # the innermost loop's own indentation
            for r in sorted(inner_reg - scalar_acc):
                idx = _index(sizes, [not x for x in red[r]], ivars)
                out.append(f"{outer}accv{r}[{idx}] = {_combine(spec.outputs[r], f'accv{r}[{idx}]', f'acc{r}', adts[r])}")
        # finalise reductions: mean divides by the count; cast to the output dtype
        for r in reduced:
            o = spec.outputs[r]
            count = math.prod(s for s, rr in zip(sizes, red[r]) if rr)
            if r in scalar_acc:
                val = f"acc{r}"
                if o.reduce == "mean":
                    val = f"({val} / {count})"
                out.append(f"    out{r}[0] = {_conv(val, adts[r], o.dtype)}")
            else:
                val = f"accv{r}[q]"
                if o.reduce == "mean":
                    val = f"({val} / {count})"
                out.append(f"    for q in range(accv{r}.shape[0]):")
                out.append(f"        out{r}[q] = {_conv(val, adts[r], o.dtype)}")
        return out

    lines += nest(True)
    if limited:
        # the vector sin/cos are exact only for |x| <= TRIG_LIMIT: recompute everything with libm if needed
        lines.append("    if bad:")
        lines += ["    " + ln for ln in nest(False)]
    return "\n".join(lines) + "\n"


_TRIG_LIMIT = 1.0e6  # = vmath.TRIG_LIMIT (kept here so that generating code does not import Numba)

HEADER = (
    "import math\n"
    "import numpy as np\n"
    "from numba import njit\n"
    "from tapegrad.compiler.numba_backend.vmath import (\n"
    "    cos_f32, cos_f64, exp_f32, exp_f64, expm1_f32, expm1_f64, log1p_f32, log1p_f64, log_f32, log_f64,\n"
    "    radd, rmul, sin_f32, sin_f64, tanh_f32, tanh_f64,\n"
    ")\n"
)


def module_source(spec: KernelSpec, name: str, *, parallel: bool = False) -> str:
    """A complete module defining the kernel ``name`` (eagerly compiled for its signature, cached on disk)."""
    deco = f'@njit("{signature(spec)}", cache=True, error_model="numpy", nogil=True)'
    return HEADER + "\n\n" + deco + "\n" + generate(spec, name)


def spec_key(source: str, salt: str) -> str:
    return hashlib.sha256((salt + "\0" + source).encode()).hexdigest()[:24]


Launcher = Callable[..., list[np.ndarray]]
