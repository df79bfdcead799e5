"""Elementwise kernel specifications and their Numba source code (no Numba import here).

A :class:`KernelSpec` is a small expression DAG over one *iteration space* (a shape): array inputs that broadcast
against the space, primitives with NumPy's semantics and result dtypes, and outputs, each either the full array
or a reduction (sum, mean, max, min, prod, any, all) over some axes of the space. :func:`generate` turns it into
the source of one ``@njit`` function that loops over the space once: no temporaries, every input read once per
element, reductions accumulated in registers (float32 sums in float64; over long flat loops per block of
``SUM_BLOCK`` in float32 vector lanes, the blocks in float64: see ``blocked_sums``).

Loop structure: axes of size 1 are dropped, then adjacent axes that every input and output treats alike (all
full, or all broadcast / reduced) are merged, so ``x + b`` on ``(64, 128)`` with ``b`` of shape ``(128,)`` is a
two-level loop and a same-shape chain is a single flat loop (what LLVM vectorises best). Inputs are passed flat
(1-D, contiguous); their strides are compile-time constants.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Primitives implemented by the vector math library (vmath.py) for float32/float64.
VECTOR_FUNCS = frozenset({"exp", "expm1", "log", "log1p", "tanh", "sin", "cos"})
#: Scalar functions that run through libm inside a loop (vmath.LIBM: Numba's ``math.*``); the fusion pass leaves
#: them to NumPy's SIMD ufuncs on large arrays (see fuse.LIBM_MAX_SIZE).
LIBM_FUNCS = frozenset({
    "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "erf", "erfc", "lgamma",
    "arctan2", "exp2", "log2", "log10", "cbrt",
})
UNARY = {
    "negative", "abs", "sign", "sqrt", "square", "floor", "ceil", "rint", "trunc", "reciprocal", "isnan", "isinf",
    "isfinite", "logical_not", "positive", *VECTOR_FUNCS, *(k for k in LIBM_FUNCS if k != "arctan2"),
}
BINARY = {
    "add", "subtract", "multiply", "true_divide", "floor_divide", "remainder", "power", "maximum", "minimum",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_xor", "arctan2", "bitwise_and", "bitwise_or", "bitwise_xor",
}
#: Reductions an output can be (``Output.reduce``).
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
    shape: tuple[int, ...] | None = None  # the array's shape (same memory order; default: keepdims)


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

    def add_output(self, ref: Ref, reduce: str | None = None, axes: tuple[int, ...] = (), dtype: Any = None,
                   shape: tuple[int, ...] | None = None) -> int:
        """An output: the full array, or a reduction over ``axes``; ``shape``: the output array's own shape, if
        it drops reduced axes (same element order)."""
        if reduce is not None and reduce not in REDUCTIONS:
            raise ValueError(f"unknown reduction {reduce!r}; one of {REDUCTIONS}")
        o = Output(ref, reduce, tuple(sorted(axes)), np.dtype(dtype or self.dtype_of(ref)))
        self.outputs.append(o)
        keep = self.output_shape(len(self.outputs) - 1)
        if shape is not None and math.prod(shape) != math.prod(keep):
            raise ValueError(f"output shape {shape} does not hold the result's {keep}")
        o.shape = tuple(shape) if shape is not None else keep
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
        """The keepdims shape of output ``i`` (see ``Output.shape`` for the array's own)."""
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
    """``code`` (of dtype ``src``) converted to ``dst`` with NumPy's casting (outside the body intrinsic)."""
    if src == dst:
        return code
    if dst.kind == "b":
        return f"({code} != 0)"
    return f"{_ctor(dst)}({code})"


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


_CMP = frozenset({"equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
                  "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "where", "cast"})


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
        return np.dtype(np.float64)  # float32 sums accumulate in float64 (whole, or per block: blocked_sums)
    if o.reduce in ("sum", "mean", "prod") and src.kind == "b":
        return np.dtype(np.int64)
    return src


#: Block length of float32 sums over a flat loop (see ``blocked_sums``).
SUM_BLOCK = 4096


def blocked_sums(spec: KernelSpec) -> set[int]:
    """Outputs that are float32 ``sum``/``mean`` over the whole of a flat loop of at least two blocks: they add
    each block of ``SUM_BLOCK`` elements in float32 (in the vector loop's lanes, reassociated) and the block sums
    in float64. Accumulating every element in float64 instead halves the loop's vector width (a float64 lane per
    float32 lane) and costs the 1e6-element ``big`` step with its loss ~45% more time; per block the error stays
    within a few ulps of the block's magnitude, as NumPy's pairwise float32 sums."""
    sizes, _, red, _ = _collapse(spec)
    if len(sizes) != 1 or sizes[0] < 2 * SUM_BLOCK:
        return set()
    return {r for r, o in enumerate(spec.outputs)
            if o.reduce in ("sum", "mean") and red[r][0] and spec.dtype_of(o.ref) == np.dtype(np.float32)}


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
    """The kernel's Numba signature, as Python source. Arrays keep their own shapes (C-contiguous; inputs
    read-only: they may be frozen constants, and mutable arrays convert); 0-d inputs are scalars. The kernel
    returns the sin/cos range flag when it checks one."""
    def arr(dt: np.dtype, nd: int, ro: bool) -> str:
        return f"types.Array(types.{_NB_TYPE[dt.name]}, {nd}, 'C'{', readonly=True' if ro else ''})"

    args = [f"types.{_NB_TYPE[v.dtype.name]}" if v.shape == () else arr(v.dtype, len(v.shape), True)
            for v in spec.inputs]
    args += [arr(o.dtype, len(o.shape or ()), False) for o in spec.outputs]
    ret = "types.boolean" if limited(spec) else "types.void"
    return f"{ret}({', '.join(args)})"


def limited(spec: KernelSpec) -> bool:
    """Whether the kernel uses sin/cos, whose vector versions are exact only up to ``TRIG_LIMIT``: then it
    returns a flag and, when set, the caller reruns the libm version (``<name>_libm``)."""
    return spec.uses({"sin", "cos"})


def _ref(r: Ref) -> tuple[str, int]:
    return (r.kind, r.index)


def body_desc(spec: KernelSpec, fast: bool = True) -> tuple[Any, ...]:
    """Plain data for ``irgen.make_body``: the loop body as one intrinsic. Its results: one per output (the
    output's dtype, or the accumulator's for a reduction), then the sin/cos range flag when checked."""
    check = fast and limited(spec)
    prims = []
    for p in spec.prims:
        dts = [spec.dtype_of(r) for r in p.args]
        prims.append((p.name, tuple(_ref(r) for r in p.args), p.dtype.name,
                      tuple(d.name for d in _operand_dtypes(p, dts))))
    results = []
    blocked = blocked_sums(spec)
    for r, o in enumerate(spec.outputs):
        src = spec.dtype_of(o.ref)
        dt = o.dtype if o.reduce is None else src if r in blocked else _acc_dtype(o, src)  # blocked: float32
        results.append((_ref(o.ref), dt.name))
    consts = tuple((repr(v.item() if hasattr(v, "item") else v), dt.name) for v, dt in spec.consts)
    return (tuple(v.dtype.name for v in spec.inputs), consts, tuple(prims), tuple(results), check, fast)


def listing(spec: KernelSpec) -> list[str]:
    """The body as readable lines (``v3 = exp(v2)  # float32``), for the kernel module's comments."""
    def nm(r: Ref) -> str:
        return {"in": f"a{r.index}", "c": f"K{r.index}", "v": f"v{r.index}"}[r.kind]

    out = [f"K{c} = {_literal(v, dt)}" for c, (v, dt) in enumerate(spec.consts)]
    for i, p in enumerate(spec.prims):
        out.append(f"v{i} = {p.name}({', '.join(nm(r) for r in p.args)})  # {p.dtype.name}{list(p.shape)}")
    for r, o in enumerate(spec.outputs):
        red = f"{o.reduce} over axes {list(o.axes)} of " if o.reduce else ""
        out.append(f"out{r} = {red}{nm(o.ref)}  # {o.dtype.name}")
    return out


def generate(spec: KernelSpec, name: str, body: str = "BODY") -> str:
    """Source of ``def name(in0, ..., out0, ...)``: the loop nest around ``r = body(a0, a1, ...)``."""
    sizes, full, red, _ = _collapse(spec)
    k = len(sizes)
    ivars = [f"i{d}" for d in range(k)]
    check = body == "BODY" and limited(spec)
    params = [f"in{j}" for j in range(len(spec.inputs))] + [f"out{r}" for r in range(len(spec.outputs))]
    lines = [f"def {name}({', '.join(params)}):"]
    hoisted = {j for j in range(len(spec.inputs)) if not any(full[j])}  # constant over the space: load once
    for j, v in enumerate(spec.inputs):
        if v.shape == ():
            lines.append(f"    a{j} = in{j}")
        elif j in hoisted:
            lines.append(f"    a{j} = in{j}.ravel()[0]")
        else:
            lines.append(f"    f{j} = in{j}.ravel()")
    for r in range(len(spec.outputs)):
        lines.append(f"    o{r} = out{r}.ravel()")
    reduced = [r for r, o in enumerate(spec.outputs) if o.reduce is not None]
    adts = {r: _acc_dtype(spec.outputs[r], spec.dtype_of(spec.outputs[r].ref)) for r in reduced}
    scalar_acc = {r for r in reduced if k == 0 or all(red[r])}
    inner_reg = {r for r in reduced if k > 0 and red[r][k - 1]} - scalar_acc  # register acc per inner loop
    for r in reduced:
        ident = _ident(spec.outputs[r], adts[r])
        if r in scalar_acc:
            lines.append(f"    acc{r} = {ident}")
        else:
            n_out = math.prod(s for s, rr in zip(sizes, red[r]) if not rr)
            lines.append(f"    accv{r} = np.full({n_out}, {ident}, dtype={_ctor(adts[r])})")
    if check:
        lines.append("    bad = False")
    blocked = blocked_sums(spec)
    nres = len(spec.outputs) + int(check)
    res = ["r"] if nres == 1 else [f"r[{i}]" for i in range(nres)]

    def loop_body(indent: str, block_acc: str | None) -> None:
        """Loads, the body call, stores and accumulations at ``indent``; blocked sums go to ``block_acc`` (a
        float32 accumulator per block: ``"accb"``) or, with None, straight to their float64 accumulator."""
        for j in range(len(spec.inputs)):
            if j not in hoisted:
                lines.append(f"{indent}a{j} = f{j}[{_index(sizes, full[j], ivars)}]")
        lines.append(f"{indent}r = {body}({', '.join(f'a{j}' for j in range(len(spec.inputs)))})")
        for r, o in enumerate(spec.outputs):
            v = res[r]
            if o.reduce is None:
                lines.append(f"{indent}o{r}[{_index(sizes, [True] * k, ivars)}] = {v}")
            elif r in blocked:
                acc = f"{block_acc}{r}" if block_acc else f"acc{r}"
                lines.append(f"{indent}{acc} = radd({acc}, {v if block_acc else f'np.float64({v})'})")
            elif r in scalar_acc or r in inner_reg:
                lines.append(f"{indent}acc{r} = {_combine(o, f'acc{r}', v, adts[r])}")
            else:
                idx = _index(sizes, [not x for x in red[r]], ivars)
                lines.append(f"{indent}accv{r}[{idx}] = {_combine(o, f'accv{r}[{idx}]', v, adts[r])}")
        if check:
            lines.append(f"{indent}bad = bad | {res[-1]}")

    if blocked:  # a flat loop: blocks of SUM_BLOCK (float32 sums), then the remainder
        nblk, rem = divmod(sizes[0], SUM_BLOCK)
        lines.append(f"    for blk in range({nblk}):")
        lines.extend(f"        accb{r} = np.float32(0.0)" for r in sorted(blocked))
        lines.append(f"        for jb in range({SUM_BLOCK}):")
        lines.append(f"            i0 = blk * {SUM_BLOCK} + jb")
        loop_body("            ", "accb")
        lines.extend(f"        acc{r} = acc{r} + np.float64(accb{r})" for r in sorted(blocked))
        if rem:
            lines.append(f"    for i0 in range({nblk * SUM_BLOCK}, {sizes[0]}):")
            loop_body("        ", None)
    else:
        indent = "    "
        for d in range(k):
            if d == k - 1:
                for r in sorted(inner_reg):
                    lines.append(f"{indent}acc{r} = {_ident(spec.outputs[r], adts[r])}")
            lines.append(f"{indent}for {ivars[d]} in range({sizes[d]}):")
            indent += "    "
        loop_body(indent, None)
    if k:
        outer = "    " * k  # the innermost loop statement's own indentation
        for r in sorted(inner_reg):
            idx = _index(sizes, [not x for x in red[r]], ivars)
            lines.append(f"{outer}accv{r}[{idx}] = {_combine(spec.outputs[r], f'accv{r}[{idx}]', f'acc{r}', adts[r])}")
    for r in reduced:  # finalise: mean divides by the count; cast to the output dtype
        o = spec.outputs[r]
        count = math.prod(s for s, rr in zip(sizes, red[r]) if rr)
        val = f"acc{r}" if r in scalar_acc else f"accv{r}[q]"
        if o.reduce == "mean":
            val = f"({val} / {count})"
        if r in scalar_acc:
            lines.append(f"    o{r}[0] = {_conv(val, adts[r], o.dtype)}")
        else:
            lines.append(f"    for q in range(accv{r}.shape[0]):")
            lines.append(f"        o{r}[q] = {_conv(val, adts[r], o.dtype)}")
    if check:
        lines.append("    return bad")
    return "\n".join(lines) + "\n"


TRIG_LIMIT = 1.0e6  # = vmath.TRIG_LIMIT (kept here so that generating code does not import Numba)

HEADER = (
    "import numpy as np\n"
    "from numba import njit, types\n"
    "from tapegrad.compiler.numba_backend.irgen import make_body\n"
    "from tapegrad.compiler.numba_backend.vmath import radd, rmul\n"
)


def module_source(spec: KernelSpec, name: str) -> str:
    """A module defining kernel ``name`` (compiled eagerly for its signature, cached on disk) and, for kernels
    with sin/cos, ``name_libm`` (compiled only if some call needs it). The body is listed in comments."""
    doc = "".join(f"#   {ln}\n" for ln in listing(spec))
    deco = f'@njit({signature(spec)}, cache=True, error_model="numpy", nogil=True)'
    src = (HEADER + f"# kernel over shape {list(spec.shape)}:\n" + doc
           + f"BODY = make_body({body_desc(spec)!r})\n")
    if limited(spec):
        src += f"BODY_LIBM = make_body({body_desc(spec, fast=False)!r})\n"
    src += "\n\n" + deco + "\n" + generate(spec, name)
    if limited(spec):
        src += '\n\n@njit(cache=True, error_model="numpy", nogil=True)\n' + generate(spec, name + "_libm", "BODY_LIBM")
    return src


def spec_key(source: str, salt: str) -> str:
    return hashlib.sha256((salt + "\0" + source).encode()).hexdigest()[:24]
