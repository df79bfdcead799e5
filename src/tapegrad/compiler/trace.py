"""Tracing: run the Python body once on value-carrying placeholders and record every op into a :class:`Graph`.

The recorder hooks into the dispatcher's recording branch (``_tape.local.tracer``), which only runs while some
recorder is active, so the eager no-tape path pays nothing. Every op that runs through the dispatcher becomes a
node; ``tape.gradient`` inside the body runs its sweep on the differentiable namespace (``_backprop``), so the
gradient's ops are nodes too. Values are identified by their raw arrays: a tensor re-wrapped around a recorded
array (the backward sweep does that) is still the same graph value.

Tensor → Python conversions (``bool``, ``int``, ``float``, ``complex``, ``.numpy()``) of traced values become
guards: the program checks them on every call and raises :class:`GuardMiss` when one does not hold, and the
caller traces again. Variables are read live and their updates written back at the end of each call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dispatch
from .._tape import local
from .._tensor import Variable, _TensorLike, make, user_site
from ..ops.random_ops import RandomKernel
from .graph import ASSIGN_OPS, DYNAMIC_SHAPE_OPS, GUARD, PRINT, READ_VARIABLE, SCATTER, Graph, Node
from .lower import learn
from .shapes import ShapeLog, note_node

__all__ = ["GuardMiss", "TraceError", "trace", "is_tracing"]

_PYSCALARS = (int, float, bool, complex)
_COUNT_LOCK = threading.Lock()


class GuardMiss(Exception):
    """A recorded tensor-to-Python conversion (``bool(t)``, ``int(t)``…) gives another answer for these inputs:
    this program does not apply; trace again with them."""


class TraceError(RuntimeError):
    """The body did something a trace cannot replay faithfully (it would give silently wrong results)."""


def is_tracing() -> bool:
    """True while a trace runs on this thread."""
    return local.tracer is not None


class Tracer:
    """The graph recorder. It sits in ``local.tapes`` (so the dispatcher takes its recording branch) and in
    ``local.tracer``; as a tape it watches nothing, so tapes' bookkeeping ignores it."""

    forward = False
    persistent = False
    watch_accessed = False
    #: set for a ``jit_compile=True`` trace: elementwise gradient rules then stay graph nodes the jit can fuse
    #: (ops/rule_nodes.py)
    jit = False

    def __init__(self) -> None:
        self.known: set[int] = set()
        self.variables: dict[int, Any] = {}
        self.entries: list[Any] = []
        self.graph = Graph()
        self.ids: dict[int, int] = {}  # id(raw value) -> value id
        self.keep: list[Any] = []  # raw values kept alive so that their ids stay unique during the trace
        self.var_vid: dict[int, int] = {}  # id(Variable) -> value id of its current value
        self.var_read: dict[int, int] = {}  # id(Variable) -> value id it had when first touched
        self.var_objs: dict[int, tuple[Any, Any]] = {}  # id(Variable) -> (Variable, value before the trace)
        self.input_vars: dict[int, int] = {}  # id(Variable) -> index of the input it was passed as
        self.counts: dict[str, int] = {}
        self.guarded: set[tuple[int, str]] = set()
        # Values whose shape depends on data (TF's static shape would have None dims): outputs of ops that read a
        # traced value in Python (a guard recorded since the previous op) or have data-dependent output shapes, and
        # everything computed from them. Used by the loop checks (compiler/loops.py), never by the program.
        self.dynamic: set[int] = set()
        self.feeds: list[Any] = []  # dataset iterations the body took elements from (compiler/datasets.py)
        self.dynamic_raw: set[int] = set()  # id(raw) of tensors made (without an op) while a guard was pending
        self.nguards = 0
        self._guards_seen = 0
        self.shapelog: Any = None  # a shapes.ShapeLog while tracing a signature with None dims (replayable trace)
        # TF's names of gradient nodes (printed graph tensors): the forward node (index) whose rule is being
        # recorded, and per value of such a rule (forward node index, op type, number within the scope)
        self.grad_scope: int | None = None
        self.grad_names: dict[int, tuple[int, str, int]] = {}
        self.grad_counts: dict[tuple[int, str], int] = {}
        self.made: list[tuple[Any, int]] = []  # (result tensors, node index): tape ids are given after on_op
        self.node_of_tid: dict[int, int] = {}  # tape id of a result -> index of the node that made it
        self.tensor_vids: dict[int, int] = {}  # id(result Tensor) -> its value id (kept alive in self.keep)

    def _add(self, node: Node, vals: tuple[Any, ...] = (), out: Any = None) -> None:
        self.graph.nodes.append(node)
        if self.shapelog is not None:
            note_node(self, self.shapelog, node, vals, out)

    # -- values --------------------------------------------------------------------------------------------------
    def define(self, raw: Any, kind: str = "node") -> int:
        vid = self.graph.new_value(np.shape(raw), raw.dtype, kind)
        self.ids[id(raw)] = vid
        self.keep.append(raw)
        return vid

    def vid_of(self, obj: Any, raw: Any) -> int:
        """The value id of an op input: a recorded value, a live Variable, or a constant frozen now."""
        t = type(obj)
        if t is Variable:
            return self.var_value(obj)
        if t in _PYSCALARS:
            return self.graph.add_const(obj)
        vid = self.ids.get(id(raw))
        if vid is not None:
            return vid
        if isinstance(obj, Variable):
            return self.var_value(obj)
        return self.capture(raw)

    def capture(self, raw: Any) -> int:
        """A value from outside the trace (a captured tensor, a NumPy array, a constant made in the body):
        frozen now, as TF freezes captured values."""
        if type(raw) in _PYSCALARS:
            return self.graph.add_const(raw)
        base = getattr(raw, "base", None)
        while base is not None:
            b = self.ids.get(id(base))
            if b is not None and self.graph.values[b].kind != "const":
                raise TraceError(
                    "tapegrad.function: an op used a view of a traced tensor that was made without a recorded op "
                    "(it would be frozen to its first-call value). This is a bug in the op that made it; please "
                    "report it, and use tapegrad.config.run_functions_eagerly(True) meanwhile."
                )
            base = getattr(base, "base", None)
        frozen = raw.copy() if hasattr(raw, "copy") else raw
        vid = self.graph.add_const(frozen)
        self.ids[id(raw)] = vid
        self.keep.append(raw)
        if id(raw) in self.dynamic_raw:
            self.dynamic.add(vid)
        return vid

    def var_value(self, var: Any, current: Any = None) -> int:
        """The value id of ``var``'s current value; the first touch records a live read."""
        key = id(var)
        vid = self.var_vid.get(key)
        if vid is None:
            raw = var._value if current is None else current
            self.var_objs.setdefault(key, (var, raw))  # (a re-read after a host update keeps the first value)
            vid = self.graph.new_value(np.shape(raw), raw.dtype, "node")
            self._add(Node(READ_VARIABLE, {"var": var}, (), (vid,), self._name("read_" + _var_name(var)),
                                         user_site(1)))
            self.ids[id(raw)] = vid
            self.keep.append(raw)
            self.var_vid[key] = self.var_read[key] = vid
        return vid

    def written_by_host(self, var: Any) -> None:
        """A host effect just recorded updates ``var`` in place of the program: later uses read it again (a new
        READ_VARIABLE after the effect). Variable stores are deferred to the end of the program, so an assignment
        traced before the effect would reach the variable after it and undo it: refused."""
        key = id(var)
        if key not in self.var_vid or key in self.input_vars:
            return
        if self.var_vid[key] != self.var_read[key]:
            raise TraceError(
                f"tapegrad.function: {_var_name(var)} is assigned and then updated by a host call (e.g. a Keras "
                "optimizer's apply_gradients) in the same compiled step; the assignment would be written after the "
                "update and undo it. Apply the optimizer before assigning the variable, or run this step eagerly "
                "(tapegrad.config.run_functions_eagerly(True)).")
        del self.var_vid[key], self.var_read[key]

    def _name(self, base: str) -> str:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    # -- hooks called by the dispatcher and by Tensor/Variable ---------------------------------------------------
    def on_op(self, op: Any, args: tuple[Any, ...], vals: tuple[Any, ...], res: Any, out: Any,
              p: dict[str, Any]) -> None:
        ins = tuple([self.vid_of(a, v) for a, v in zip(args, vals)])
        for v in p.values():
            if type(v) is np.ndarray and v.size > 1:
                vid = self.ids.get(id(v))
                if vid is not None and self.graph.values[vid].kind != "const":
                    # a traced value handed to an op as a parameter (frozen in the node): guard it
                    self._guard(vid, "numpy", np.array(v, copy=True))
        if op.multi:
            outs = tuple([self.define(o) for o in out])
        else:
            outs = (self.define(out),)
        dynamic = self.dynamic
        if self.nguards != self._guards_seen or op.name in DYNAMIC_SHAPE_OPS or (dynamic and any(
                i in dynamic for i in ins)):
            dynamic.update(outs)
        self._guards_seen = self.nguards
        if any(type(v) is RandomKernel for v in p.values()):  # each program owns its random kernels (a nested
            p = {k: v.fork() if type(v) is RandomKernel else v for k, v in p.items()}  # function's are copied)
        node = Node(op, p, ins, outs, self._name(op.name), user_site(1))
        self._add(node, vals, out)
        self.made.append((res, len(self.graph.nodes) - 1))
        if res is not None:  # the result tensors' value ids (an array alone may be handed on by identity ops)
            rs = res if type(res) in (list, tuple) else (res,)
            self.keep.append(rs)
            tv = self.tensor_vids
            for r, o in zip(rs, outs):
                tv[id(r)] = o
        if self.grad_scope is not None:  # named when printed (names.grad_name): scope, op type, number
            from .names import OP_TYPES

            key = (self.grad_scope, OP_TYPES.get(op.name, op.name))
            n = self.grad_counts.get(key, 0)
            self.grad_counts[key] = n + 1
            for o in outs:
                self.grad_names[o] = (*key, n)
        learn(op, p, vals, out)

    def add_input(self, t: Any, name: str) -> None:
        """Make ``t`` (a tensor the body got while tracing: a dataset element) an extra input of the program; the
        caller passes its value on every call after the regular inputs."""
        raw = t._value = t._value.copy()  # a raw of its own (a pipeline may hand out the same array twice)
        vid = self.define(raw, "input")
        g = self.graph
        g.inputs.append(vid)
        g.input_variables.append(False)
        g.names[vid] = name

    def on_make(self, raw: Any) -> None:
        """A tensor made without a recorded op (a creation op: ``tf.range``, ``tf.zeros``…): when a traced value was
        read in Python since the last op (``tf.range(n)`` reads ``n``), its shape may depend on data."""
        if self.nguards != self._guards_seen:
            self.dynamic_raw.add(id(raw))
            self.keep.append(raw)

    def is_dynamic(self, raw: Any) -> bool:
        """Whether the shape of this traced (or made-while-tracing) value may depend on data (see ``dynamic``)."""
        vid = self.ids.get(id(raw))
        return (vid is not None and vid in self.dynamic) or id(raw) in self.dynamic_raw

    def enter_rule(self, op: Any, oid: Any) -> int | None:
        """The backward sweep runs ``op``'s rule for the entry with output id(s) ``oid``: name its nodes in the
        forward node's gradient scope (``gradient_tape/mul/Mul``). Returns the scope to restore afterwards."""
        from .names import USER_GRADIENTS

        saved = self.grad_scope
        self.grad_scope = None
        if op.name in USER_GRADIENTS:
            return saved
        made, by_id = self.made, self.node_of_tid
        for res, k in made:  # tape ids were given after on_op: index the nodes recorded since the last rule
            for r in res if type(res) in (list, tuple) else (res,):
                tid = getattr(r, "_id", None)  # (host calls record no result tensor)
                if tid is not None:
                    by_id[tid] = k
        made.clear()
        self.grad_scope = by_id.get(oid[0] if type(oid) is tuple else oid)
        return saved

    def on_assign(self, var: Any, mode: str, old: Any, operands: tuple[tuple[Any, Any], ...],
                  extra: dict[str, Any] | None = None) -> None:
        old_vid = self.var_value(var, old)
        ins = (old_vid,) + tuple([self.vid_of(o, r) for o, r in operands])
        k = self.input_vars.get(id(var))
        target = var if k is None else ("input", k)
        if mode.startswith("scatter_"):
            op, params = SCATTER, {"mode": mode[8:], "target": target, **(extra or {})}
        else:
            op, params = ASSIGN_OPS[mode], {"target": target}
        new_vid = self.define(var._value)
        self._add(Node(op, params, ins, (new_vid,), self._name(mode + "_" + _var_name(var)),
                                     user_site(1)))
        self.var_vid[id(var)] = new_vid

    def on_print(self, tensors: list[Any], printer: Any) -> None:
        ins = tuple([self.vid_of(t, t._value) for t in tensors])
        self._add(Node(PRINT, {"fmt": printer}, ins, (), self._name("print"), user_site(1)))

    def on_convert(self, t: Any, kind: str, result: Any) -> None:
        """``t`` was turned into a Python value: a guard, unless ``t`` is a frozen constant."""
        raw = t._value
        if type(t) is Variable or isinstance(t, Variable):
            vid = self.var_value(t)
        else:
            vid = self.ids.get(id(raw))
            if vid is None or self.graph.values[vid].kind == "const":
                return
        self._guard(vid, kind, np.array(raw, copy=True) if kind == "numpy" else result)

    def _guard(self, vid: int, kind: str, expect: Any) -> None:
        self.nguards += 1  # (counted even when deduplicated: the next op's output depends on a value read here)
        if (vid, kind) in self.guarded:
            return
        self.guarded.add((vid, kind))
        self._add(Node(GUARD, {"kind": kind, "expect": expect}, (vid,), (), self._name("guard"),
                                     user_site(1)))

    # -- end of the trace ----------------------------------------------------------------------------------------
    def finish(self, flat_outputs: list[Any]) -> None:
        g = self.graph
        for o in flat_outputs:
            if isinstance(o, _TensorLike):
                g.outputs.append(self.vid_of(o, o._value))
            else:
                g.outputs.append(self.capture(o if type(o) in _PYSCALARS else np.asarray(o)))
        for key, (var, _) in self.var_objs.items():
            vid = self.var_vid.get(key)
            if vid is not None and vid != self.var_read[key]:
                k = self.input_vars.get(key)
                g.stores.append((var if k is None else ("input", k), vid))

    def rollback(self) -> None:
        """Undo the trace's variable updates: tracing has no lasting effect on Variables (the program has)."""
        for var, value in self.var_objs.values():
            var._value = value


def _var_name(var: Any) -> str:
    name = getattr(var, "_name", "v").rsplit(":", 1)[0].rsplit("/", 1)[-1]
    return "".join(c if c.isalnum() else "_" for c in name) or "v"


def _placeholder(x: Any) -> Any:
    """A fresh tensor carrying a copy of ``x``'s value: a new raw object, so each input is its own graph value,
    and one that owns its data, so a view made of it without a recorded op is recognised (``Tracer.capture``)."""
    if isinstance(x, _TensorLike):
        raw, xp = x._value, x._xp
    else:
        from .._backend import NUMPY

        raw, xp = np.asarray(x), NUMPY
    raw = raw.copy()
    return make(raw, xp)


def _refuse_strings(g: Any, name: str) -> None:
    """XLA has no string type: a jit-compiled program that takes, makes or returns a string tensor is refused
    with InvalidArgumentError, as TF refuses it (``_Arg``/``AsString``/``_Retval`` have no XLA kernel)."""
    from ..errors import InvalidArgumentError

    def is_string(vid: int) -> bool:
        v = g.values.get(vid)
        return v is not None and getattr(v.dtype, "kind", None) == "O"

    where = [f"input {g.names.get(v, v)}" for v in g.inputs if is_string(v)]
    where += [f"op {n.op.name}" for n in g.nodes if any(is_string(v) for v in (*n.inputs, *n.outputs))]
    where += ["a returned value" for v in g.outputs if is_string(v)] if not where else []
    if where:
        raise InvalidArgumentError(
            f"tapegrad.function({name}, jit_compile=True): XLA cannot compile string tensors (detected at "
            f"{', '.join(dict.fromkeys(where))}); run the string ops outside the jit-compiled function or use "
            "jit_compile=False.")


def trace(run: Callable[[list[Any]], tuple[list[Any], Any]], example_inputs: list[Any], *, name: str = "fn",
          jit_compile: bool = False, options: dict[str, Any] | None = None,
          names: list[str] | None = None, generic: bool = False) -> Any:
    """Trace ``run`` on placeholders carrying ``example_inputs``' values and compile it into a :class:`Program`.

    ``run(placeholders) -> (flat_outputs, structure)``. Variables in ``example_inputs`` are passed through as
    themselves (read live; updates go to the caller's variable). Tracing leaves Variables as it found them: call
    the returned program to get the first call's results and effects. ``options`` switches passes off
    (``{"cse": False}``; see :data:`tapegrad.compiler.program.DEFAULT_OPTIONS`). ``generic=True`` (a signature with
    None dims) keeps a :class:`~tapegrad.compiler.shapes.ShapeLog` as ``program.shapelog``, so that the graph can be
    replayed for other shapes (:func:`tapegrad.compiler.shapes.respecialize`).
    """
    from .program import Program

    t0 = time.perf_counter()
    tr = Tracer()
    tr.jit = jit_compile
    if generic:
        tr.shapelog = ShapeLog()
    g = tr.graph
    args: list[Any] = []
    for k, x in enumerate(example_inputs):
        if isinstance(x, Variable):
            raw = x._value
            vid = g.new_value(np.shape(raw), raw.dtype, "input")
            tr.ids[id(raw)] = vid
            tr.keep.append(raw)
            tr.var_vid[id(x)] = tr.var_read[id(x)] = vid
            tr.var_objs[id(x)] = (x, raw)
            tr.input_vars[id(x)] = k
            g.input_variables.append(True)
            args.append(x)
        else:
            p = _placeholder(x)
            vid = tr.define(p._value, "input")
            g.input_variables.append(False)
            args.append(p)
        g.inputs.append(vid)
        g.names[vid] = names[k] if names is not None and k < len(names) else f"x{k}"
    backends = {x._xp for x in args if isinstance(x, _TensorLike)}
    if len(backends) > 1:
        raise TraceError(f"tapegrad.function: inputs live on different array backends {sorted(map(str, backends))}.")
    if backends:
        g.backend = backends.pop()
    saved = (local.tapes, local.accumulators, local.tracer)
    with _COUNT_LOCK:
        _dispatch._TRACES += 1
    local.tapes, local.accumulators, local.tracer = (tr,), (), tr
    try:
        flat_outputs, structure = run(args)
        tr.finish(list(flat_outputs))
    finally:
        local.tapes, local.accumulators, local.tracer = saved
        with _COUNT_LOCK:
            _dispatch._TRACES -= 1
        tr.rollback()
    trace_seconds = time.perf_counter() - t0
    if jit_compile:
        _refuse_strings(g, name)
    program = Program(g, structure, name=name, trace_seconds=trace_seconds, jit_compile=jit_compile,
                      options=options)
    program.feeds = tr.feeds
    program.shapelog = tr.shapelog
    return program
