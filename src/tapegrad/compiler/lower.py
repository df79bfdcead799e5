"""Lowering one node to Python: a direct backend call when the op's forward is one, else the forward itself.

There is no table of ops here. Whether ``op.fwd`` is "just ``F.sin(x)``" or "just ``a * b``" is found by running
the forward once on symbolic stand-ins (:class:`Sym`) and a spying backend: anything else it does (read a shape,
branch on a value, call NumPy on its argument) aborts the analysis and the node calls ``op.fwd(F, ...)``. A
template found this way is checked once on the real values of the trace (same type, dtype, shape and values)
before it is used, and cached per (op, params, input kinds).

Binary ufuncs with a Python-number operand get it as a 0-d array of the other operand's dtype when NumPy's weak
scalar rule gives that dtype anyway: same result, about half the cost per call on small arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from ..ops.random_ops import is_random_state


class _NoLower(Exception):
    pass


class Sym:
    """A symbolic array in a forward's analysis: records the calls made on it; any other use aborts."""

    __slots__ = ("expr",)
    __array_ufunc__ = None  # NumPy functions on a Sym fail instead of making object arrays

    def __init__(self, expr: tuple[Any, ...]) -> None:
        self.expr = expr

    def __getattr__(self, name: str) -> Any:
        raise _NoLower(name)

    def __array__(self, *a: Any, **k: Any) -> Any:
        raise _NoLower("__array__")

    def __array_function__(self, *a: Any, **k: Any) -> Any:
        raise _NoLower("__array_function__")

    def __bool__(self) -> bool:
        raise _NoLower("__bool__")

    def __len__(self) -> int:
        raise _NoLower("__len__")

    def __iter__(self) -> Any:
        raise _NoLower("__iter__")

    def __index__(self) -> int:
        raise _NoLower("__index__")

    __hash__ = None  # type: ignore[assignment]


def _binop(name: str, swap: bool = False) -> Any:
    def f(self: Sym, other: Any) -> Sym:
        return Sym(("call", name, (other, self) if swap else (self, other), {}))

    return f


for _dunder, _ufunc in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
                        ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"),
                        ("matmul", "matmul"), ("and", "bitwise_and"), ("or", "bitwise_or"),
                        ("xor", "bitwise_xor")):
    setattr(Sym, f"__{_dunder}__", _binop(_ufunc))
    setattr(Sym, f"__r{_dunder}__", _binop(_ufunc, swap=True))
for _dunder, _ufunc in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                        ("eq", "equal"), ("ne", "not_equal")):
    setattr(Sym, f"__{_dunder}__", _binop(_ufunc))
Sym.__neg__ = lambda self: Sym(("call", "negative", (self,), {}))  # type: ignore[attr-defined]
Sym.__pos__ = lambda self: self  # type: ignore[attr-defined]
Sym.__abs__ = lambda self: Sym(("call", "absolute", (self,), {}))  # type: ignore[attr-defined]
Sym.__invert__ = lambda self: Sym(("call", "invert", (self,), {}))  # type: ignore[attr-defined]


class _SpyBackend:
    """Stands for the backend ``F``: calls of its functions become expression nodes."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if not callable(value) or isinstance(value, type):
            if isinstance(value, (bool, int, float, str)) or value is None:
                return value
            raise _NoLower(name)

        def call(*args: Any, **kwargs: Any) -> Sym:
            return Sym(("call", name, args, kwargs))

        return call


_SPY = _SpyBackend(NUMPY)

# template cache: key -> None (not lowerable) or the expression tree over ("in", k) leaves
_TEMPLATES: dict[Any, Any] = {}
_MISSING = object()


def _param_key(v: Any) -> Any:
    t = type(v)
    if v is None or t in (bool, int, float, str, complex):
        return (t, v)
    if t is tuple:
        return (tuple, tuple(_param_key(x) for x in v))
    if isinstance(v, np.dtype):
        return ("dtype", v.str)
    raise TypeError("unkeyable")


def _val_kind(v: Any) -> Any:
    t = type(v)
    if t in (bool, int, float, complex):
        return (t,)
    return (v.dtype.str, v.ndim > 0)


def node_key(op: Any, params: dict[str, Any], kinds: tuple[Any, ...]) -> Any:
    try:
        return (op, tuple((k, _param_key(v)) for k, v in params.items()), kinds)
    except TypeError:
        return None


def learn(op: Any, params: dict[str, Any], vals: tuple[Any, ...], out: Any) -> None:
    """Find (once per key) whether ``op.fwd`` with these params and input kinds is a plain backend expression,
    checking the candidate on the trace's real values ``vals`` → ``out``."""
    if op.multi or any(is_random_state(v) for v in params.values()):
        return
    kinds = tuple([_val_kind(v) for v in vals])
    key = node_key(op, params, kinds)
    if key is None or key in _TEMPLATES:
        return
    if len(_TEMPLATES) > 20000:  # many distinct shapes/params over a long session: start over
        _TEMPLATES.clear()
    _TEMPLATES[key] = None
    try:
        expr = op.fwd(_SPY, *[Sym(("in", k)) for k in range(len(vals))], **params)
    except Exception:  # noqa: BLE001  # any failure means: not a plain expression
        return
    if type(expr) is not Sym or expr.expr[0] != "call":
        return
    try:
        got = evaluate(expr.expr, vals)
    except Exception:  # noqa: BLE001
        return
    if type(got) is not type(out) or getattr(got, "dtype", None) != out.dtype or np.shape(got) != np.shape(out):
        return
    if not np.array_equal(got, out, equal_nan=out.dtype.kind in "fcV"):
        return
    _TEMPLATES[key] = expr.expr


def learn_rewritten(op: Any, params: dict[str, Any], kinds: tuple[Any, ...]) -> None:
    """Learn the direct form of a node a pass made (no trace value ran through it) from small sample values of
    the same input kinds: same dtypes, 0-d or not, Python numbers as such."""
    if node_key(op, params, kinds) in _TEMPLATES:
        return
    vals = []
    for k in kinds:
        if len(k) == 1:
            vals.append(k[0](1))
            continue
        dt = np.dtype(k[0])
        a = (np.arange(1, 4) % 3 + 1).astype(dt) if k[1] else np.ones((), dt)
        vals.append(a if k[1] else a[()])
    try:
        import warnings

        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = op.fwd(NUMPY, *vals, **params)
    except Exception:  # noqa: BLE001  # not computable on samples: the node calls its forward
        return
    learn(op, params, tuple(vals), out)


def template_for(op: Any, params: dict[str, Any], kinds: tuple[Any, ...]) -> Any:
    key = node_key(op, params, kinds)
    return None if key is None else _TEMPLATES.get(key)


def evaluate(expr: Any, vals: tuple[Any, ...]) -> Any:
    if type(expr) is Sym:
        expr = expr.expr
    if type(expr) is tuple and expr and expr[0] == "in":
        return vals[expr[1]]
    if type(expr) is tuple and expr and expr[0] == "call":
        _, name, args, kwargs = expr
        fn = getattr(NUMPY, name)
        return fn(*[evaluate(a, vals) for a in args], **{k: evaluate(v, vals) for k, v in kwargs.items()})
    if type(expr) is Sym:
        return evaluate(expr.expr, vals)
    return expr


def _is_leaf_in(a: Any) -> bool:
    return type(a) is Sym and a.expr[0] == "in"


# -- emission --------------------------------------------------------------------------------------------------------


def node_template(node: Any, graph: Any) -> Any:
    """The direct-call template of ``node`` (None: call its forward), memoised per node object in
    ``graph.lowered`` (passes make new node objects, so a rewritten node is looked up afresh)."""
    cache = graph.lowered
    key = id(node)
    hit = cache.get(key, _MISSING)
    if hit is not _MISSING and hit[0] is node:
        return hit[1]
    expr = None
    if len(node.outputs) == 1:
        kinds = tuple([_kind_of(graph, i) for i in node.inputs])
        params = {k: v for k, v in node.params.items() if k != "target"}
        expr = template_for(node.op, params, kinds)
    cache[key] = (node, expr)
    return expr


def lower_node(em: Any, node: Any, ins: list[str], outs: list[str], buf: str | None, graph: Any) -> list[str]:
    """Source lines computing ``node``; ``buf`` names a planned output buffer (used when the node is one ufunc)."""
    params = {k: v for k, v in node.params.items() if k != "target"}
    expr = node_template(node, graph) if len(outs) == 1 else None
    if expr is not None:
        if isinstance(getattr(graph.backend, expr[1], None), np.ufunc):
            ins = [_typed_scalar(em, graph, node, k) if graph.values[i].pyscalar and i in graph.consts else ins[k]
                   for k, i in enumerate(node.inputs)]
        sym = _OPERATORS.get(expr[1])
        if (sym is not None and not expr[3] and graph.values[node.outputs[0]].shape == ()
                and all(type(a) is Sym and a.expr[0] == "in" for a in expr[2])):
            # 0-d values are NumPy scalars: Python's operators on them skip the ufunc call's overhead
            ins = [_typed_scalar(em, graph, node, k) if graph.values[i].pyscalar and i in graph.consts else ins[k]
                   for k, i in enumerate(node.inputs)]
            args = [ins[a.expr[1]] for a in expr[2]]
            text = f"{sym}{args[0]}" if len(args) == 1 else f" {sym} ".join(args)
            return [f"{outs[0]} = {text}"]
        ctx = _Ctx(expr, outs[0])
        text = _expr_source(em, expr, ins, node, graph, top=True, buf=buf, ctx=ctx)
        return ctx.lines + [f"{outs[0]} = {text}"]
    fwd = em.bind(node.op.fwd, f"{node.op.name}_fwd")
    args = ["F", *ins]
    for k, v in params.items():
        args.append(f"{k}={em.value(v, f'{node.name}_{k}')}")
    # a multi-output op returns a tuple even when it has one output: unpack it
    lhs = (", ".join(outs) + ("," if len(outs) == 1 and node.op.multi else "")) if outs else "_"
    return [f"{lhs} = {fwd}({', '.join(args)})"]


def lowerable_ufunc(node: Any, graph: Any) -> bool:
    """Whether the node lowers to one ufunc call over its inputs (so it can write into a planned buffer)."""
    expr = node_template(node, graph)
    if expr is None:
        return False
    _, name, args, kwargs = expr
    fn = getattr(graph.backend, name, None)
    return isinstance(fn, np.ufunc) and not kwargs and all(not isinstance(a, Sym) or _is_leaf_in(a) for a in args)


def _kind_of(graph: Any, vid: int) -> Any:
    v = graph.values[vid]
    if v.pyscalar:
        return (v.dtype,)
    return (np.dtype(v.dtype).str, len(v.shape) > 0)


_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "floor_divide": "//",
              "remainder": "%", "negative": "-"}


class _Ctx:
    """Sub-expressions a forward uses more than once (``e = exp(x); e / sum(e)``) are computed once, into
    temporaries named after the node's output."""

    def __init__(self, expr: Any, base: str) -> None:
        self.counts: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.lines: list[str] = []
        self.base = base
        self._count(expr)

    def _count(self, e: Any) -> None:
        if type(e) is Sym:
            n = self.counts.get(id(e), 0)
            self.counts[id(e)] = n + 1
            if n:
                return
            e = e.expr
        if type(e) is tuple and e and e[0] == "call":
            for a in e[2]:
                self._count(a)
            for v in e[3].values():
                self._count(v)

    def shared(self, sym: Any) -> bool:
        return self.counts.get(id(sym), 0) > 1 and sym.expr[0] == "call"


def _expr_source(em: Any, expr: Any, ins: list[str], node: Any, graph: Any, top: bool = False,
                 buf: str | None = None, ctx: _Ctx | None = None) -> str:
    if type(expr) is Sym:
        if ctx is not None and ctx.shared(expr):
            name = ctx.names.get(id(expr))
            if name is None:
                text = _expr_source(em, expr.expr, ins, node, graph, ctx=ctx)
                name = ctx.names[id(expr)] = f"{ctx.base}_t{len(ctx.names)}"
                ctx.lines.append(f"{name} = {text}")
            return name
        expr = expr.expr
    if type(expr) is tuple and expr and expr[0] == "in":
        return ins[expr[1]]
    if not (type(expr) is tuple and expr and expr[0] == "call"):
        return em.value(expr, f"{node.name}_c")
    _, name, args, kwargs = expr
    fn = getattr(graph.backend, name)
    fname = em.bind(fn, f"np_{name}" if isinstance(fn, np.ufunc) else f"F_{name}")
    ufunc = isinstance(fn, np.ufunc)
    parts = []
    for a in args:
        if type(a) is tuple and a and a[0] == "call" or type(a) is Sym:
            parts.append(_expr_source(em, a, ins, node, graph, ctx=ctx))
        else:
            parts.append(em.value(a, f"{node.name}_c"))
    for k, v in kwargs.items():
        parts.append(f"{k}={_expr_source(em, v, ins, node, graph, ctx=ctx)}")
    if buf is not None and top and ufunc:
        parts.append(f"out={buf}")
    return f"{fname}({', '.join(parts)})"


_WEAK_OK = {int: "iufc", float: "fcV", complex: "c"}


def _typed_scalar(em: Any, graph: Any, node: Any, k: int) -> str:
    """Constant Python-number input ``k`` of a ufunc node as a 0-d array of its partner's dtype (NumPy's weak
    scalar rule gives that dtype anyway), bound once per program: about half the cost of a Python float."""
    a = graph.consts[node.inputs[k]]
    lit = em.value(a, f"{node.name}_c")
    partner = next((graph.values[i] for i in node.inputs if not graph.values[i].pyscalar), None)
    if partner is None or type(a) not in _WEAK_OK:
        return lit
    dt = np.dtype(partner.dtype)
    if dt.kind not in _WEAK_OK[type(a)]:
        return lit
    with np.errstate(all="ignore"):
        arr = np.asarray(a, dtype=dt)
    if type(a) is int and arr.item() != a:
        return lit  # out of the dtype's range: leave it to NumPy (it raises, as eager does)
    scalar = partner.shape == () and graph.values[node.outputs[0]].shape == ()
    key = (dt.str, type(a), a, scalar)
    name = em.typed.get(key)
    if name is None:
        if scalar:
            value: Any = arr[()]  # a NumPy scalar: cheapest partner of NumPy scalars
        else:
            arr.flags.writeable = False
            value = arr
        name = em.typed[key] = em.bind(value, f"k_{_short_num(a)}")
    return name


def _short_num(a: Any) -> str:
    s = repr(a).replace("-", "m").replace(".", "_").replace("+", "p").replace("(", "").replace(")", "")
    return s[:12]


__all__ = ["Sym", "learn", "lower_node", "lowerable_ufunc", "template_for", "evaluate"]
