"""Code generation: a Graph becomes one straight-line Python function, readable and registered with linecache.

The generated module defines ``build(...)``, whose parameters are everything the code calls or reads (backend
functions, op forwards, constants, Variables, planned buffers); ``build`` returns the program function, so all of
these are closure cells of it (fast to load, no per-call dict). Each value is named after the op that made it
(``sin_3``), and each node carries a comment with the user's source line.
"""

from __future__ import annotations

import keyword
import linecache
import math
import sys
from typing import Any

import numpy as np

from .._tensor import Tensor
from .graph import ASSIGN_ADD, GUARD, PRINT, READ_VARIABLE, Graph, Node, guard_holds
from .lower import lower_node

_counter = [0]


def _ident(name: str) -> str:
    s = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not s or s[0].isdigit():
        s = "v_" + s
    if keyword.iskeyword(s) or s in _RESERVED:
        s += "_"
    return s


_RESERVED = {"F", "inputs", "Tensor", "_new", "GuardMiss", "guard_holds", "build", "np", "_acquire", "_release",
             "_contended", "_refcount"}


def literal(v: Any) -> str | None:
    """Python source for ``v`` when it is a plain literal (round-trips exactly), else None."""
    t = type(v)
    if v is None or t is bool or t is int or t is str:
        return repr(v)
    if t is float:
        return repr(v) if math.isfinite(v) else None
    if t is tuple and all(literal(x) is not None for x in v):
        return "(" + "".join(literal(x) + ", " for x in v) + ")" if v else "()"
    return None


class _Namer:
    def __init__(self) -> None:
        self.used: set[str] = set(_RESERVED)

    def __call__(self, base: str) -> str:
        base = _ident(base)
        name, k = base, 1
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name


class Emitter:
    """Collects lines and closure bindings while a graph is turned into source."""

    def __init__(self) -> None:
        self.namer = _Namer()
        self.bindings: dict[str, Any] = {}
        self._by_id: dict[int, str] = {}
        self.typed: dict[Any, str] = {}  # (dtype, type, number) -> bound 0-d array
        self.lines: list[str] = []

    def bind(self, obj: Any, hint: str) -> str:
        """A closure name for ``obj`` (the same object gets the same name)."""
        key = id(obj)
        name = self._by_id.get(key)
        if name is None:
            name = self.namer(hint)
            self._by_id[key] = name
            self.bindings[name] = obj
        return name

    def value(self, obj: Any, hint: str) -> str:
        """Source text for a constant: a literal, or a bound name."""
        lit = literal(obj)
        return lit if lit is not None else self.bind(obj, hint)


def generate(graph: Graph, name: str = "fn", plan: Any = None) -> tuple[str, dict[str, Any], str]:
    """(source, bindings, filename) of the program for ``graph``; ``plan`` (a ``plan.MemoryPlan``) adds buffers."""
    em = Emitter()
    em.bindings.update({"F": graph.backend, "Tensor": Tensor, "_new": object.__new__})
    from .trace import GuardMiss

    em.bindings["GuardMiss"] = GuardMiss
    em.bindings["guard_holds"] = guard_holds
    names: dict[int, str] = {}
    for vid, c in graph.consts.items():
        v = graph.values[vid]
        lit = literal(c) if v.pyscalar else None
        names[vid] = lit if lit is not None else em.bind(c, f"c{vid}")
    body: list[str] = []
    for k, vid in enumerate(graph.inputs):
        nm = names[vid] = em.namer(graph.names.get(vid, f"x{k}"))
        body.append(f"{nm} = inputs[{k}]._value")
        # the program (its constants, folds and buffers) holds for the traced shape and dtype only
        v = graph.values[vid]
        dt = em.bind(np.dtype(v.dtype), f"dtype_{np.dtype(v.dtype).name}")
        body += [f"if {nm}.shape != {literal(tuple(v.shape))} or {nm}.dtype != {dt}:",
                 f"    raise GuardMiss(f'input {k} has shape {{{nm}.shape}} and dtype {{{nm}.dtype}}; this program "
                 f"was traced for {tuple(v.shape)} {np.dtype(v.dtype).name}')"]
    last_src = None
    for idx, node in enumerate(graph.nodes):
        if node.params.get("inplace") or node.op is PRINT:
            continue  # emitted at the end, after every guard passed (prints first, then variable stores)
        for o_k, o in enumerate(node.outputs):
            names[o] = em.namer(node.name if len(node.outputs) == 1 else f"{node.name}_{o_k}")
        if node.source is not None and node.source != last_src:
            body.append(f"# {_source_comment(node.source)}")
            last_src = node.source
        body.extend(_emit_node(em, graph, node, names, idx, plan))
    for idx, node in enumerate(graph.nodes):
        if node.op is PRINT:
            body.extend(_emit_node(em, graph, node, names, idx, plan))
    inplace = {n.outputs[0]: n for n in graph.nodes if n.params.get("inplace")}
    for target, vid in graph.stores:
        dest = (f"inputs[{target[1]}]" if isinstance(target, tuple)
                else em.bind(target, "var_" + _ident(target._name.split(":")[0])))
        node = inplace.get(vid)
        if node is None:
            body.append(f"{dest}._value = {names[vid]}")
            continue
        old, delta = (names[i] for i in node.inputs)
        fn = em.bind(np.add if node.op is ASSIGN_ADD else np.subtract,
                     "np_add" if node.op is ASSIGN_ADD else "np_subtract")
        em.bindings.setdefault("_refcount", sys.getrefcount)
        body += [f"# {node.name}: in place unless someone else holds the variable's array",
                 f"if _refcount({old}) == 3:",
                 f"    {fn}({old}, {delta}, out={old})",
                 "else:",
                 f"    {dest}._value = {fn}({old}, {delta})"]
    outs = []
    fresh = _fresh_outputs(graph)
    for k, vid in enumerate(graph.outputs):
        src = names[vid]
        if vid not in fresh:
            src = f"F.array({src}, copy=True)"
        r = f"r{k}"
        body.append(f"{r} = _new(Tensor); {r}._value = {src}; {r}._xp = F; {r}._id = None")
        outs.append(r)
    body.append(f"return [{', '.join(outs)}]")
    fname = _ident(name)
    if plan is not None and plan.buffers:
        # buffers are shared by all calls: a second, concurrent call (another thread, or re-entry) must not use
        # them, so it runs the graph through the dispatcher instead
        import threading

        from .replay import replay

        lock = threading.Lock()
        em.bindings["_acquire"], em.bindings["_release"] = lock.acquire, lock.release
        em.bindings["_contended"] = lambda inputs: replay(graph, inputs)
        body = (["if not _acquire(False):", "    return _contended(inputs)", "try:"]
                + ["    " + ln for ln in body] + ["finally:", "    _release()"])
    params = ", ".join(em.bindings)
    lines = [f"def build({params}):", f"    def {fname}(inputs):"]
    lines += ["        " + ln for ln in body]
    lines.append(f"    return {fname}")
    source = "\n".join(lines) + "\n"
    _counter[0] += 1
    filename = f"<tapegrad.function {fname} #{_counter[0]}>"
    return source, em.bindings, filename


def compile_source(source: str, bindings: dict[str, Any], filename: str) -> Any:
    """Compile generated source, register it with linecache (tracebacks show it) and build the function."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    # a tapegrad module name: NumPy's floating-point RuntimeWarnings are filtered for it, as for the eager ops
    ns: dict[str, Any] = {"__name__": "tapegrad.compiler.generated"}
    exec(compile(source, filename, "exec"), ns)  # noqa: S102  # our own generated code
    return ns["build"](**bindings)


def _source_comment(src: tuple[str, int]) -> str:
    fname, line = src
    text = linecache.getline(fname, line).strip()
    short = fname.rsplit("/", 1)[-1]
    return f"{short}:{line}  {text}" if text else f"{short}:{line}"


def _fresh_outputs(graph: Graph) -> set[int]:
    """Outputs whose arrays the program makes anew on every call (no copy needed before handing them out).

    Inputs are the caller's (immutable) tensors and count as fresh; constants, variable reads and values written
    into variables are shared with something else and get copied.
    """
    stored = {v for _, v in graph.stores}
    reads = {n.outputs[0] for n in graph.nodes if n.op is READ_VARIABLE}
    fresh = set()
    for vid in graph.outputs:
        val = graph.values[vid]
        if val.kind == "const" or vid in stored or vid in reads:
            continue
        if val.kind == "input":
            if graph.input_variables[graph.inputs.index(vid)]:
                continue
        fresh.add(vid)
    return fresh


def _emit_node(em: Emitter, graph: Graph, node: Node, names: dict[int, str], idx: int, plan: Any) -> list[str]:
    ins = [names[i] for i in node.inputs]
    if node.op is READ_VARIABLE:
        var = node.params["var"]
        return [f"{names[node.outputs[0]]} = {em.bind(var, 'var_' + _ident(var._name.split(':')[0]))}._value"]
    if node.op is GUARD:
        kind, expect = node.params["kind"], node.params["expect"]
        x = ins[0]
        # repr() of the whole message: a traced array's repr spans lines and may hold quotes
        shown = " ".join(repr(expect).split())
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        msg = f"raise GuardMiss({f'{kind}() of {x} differs from the traced {shown}'!r})"
        if kind == "bool":
            return [f"if bool({x}) is not {expect!r}:", f"    {msg}"]
        if kind in ("int", "float") and literal(expect) is not None:
            return [f"if {kind}({x}) != {expect!r}:", f"    {msg}"]
        e = em.bind(expect, f"expect{idx}")
        return [f"if not guard_holds({x}, {kind!r}, {e}):", f"    {msg}"]
    if node.op is PRINT:
        fmt = em.bind(node.params["fmt"], f"print{idx}")
        return [f"{fmt}(({''.join(a + ', ' for a in ins)}))"]
    outs = [names[o] for o in node.outputs]
    buf = plan.buffer_for(node) if plan is not None else None
    if buf is not None:
        buf = em.bind(plan.buffers[buf], buf)
    elif plan is not None and id(node) in plan.large_fresh:
        # a large value the caller or a tape may keep: a free block of the engine's buffer cache (no page faults
        # on a fresh allocation; the block is reused only once nothing refers to it, see _buffers.py)
        from .. import _buffers

        val = graph.values[node.outputs[0]]
        buf = (f"{em.bind(_buffers.take, '_take')}({em.value(tuple(val.shape), 'shape')}, "
               f"{em.bind(np.dtype(val.dtype), 'dtype_' + np.dtype(val.dtype).name)})")
    return lower_node(em, node, ins, outs, buf, graph)

