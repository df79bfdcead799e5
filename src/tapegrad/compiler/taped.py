"""A program called under an outer GradientTape: one tape op whose gradient is a compiled program.

Without this, a program under a tape replays its nodes through the dispatcher (``replay.py``) so that the tape
records every one of them: correct to any order, but at eager speed. Here the call is instead recorded as ONE op,
:data:`CALL`, and the program's gradient is compiled too:

* Once per program, the gradient graph is traced: the program's (differentiable) graph is replayed under a tape
  watching every float input and captured Variable, and ``tape.gradient(outputs, sources, output_gradients=u)``
  is taken for placeholder upstreams ``u``. The traced graph is split in two (the classic residual split): the
  nodes that do not depend on ``u`` form the **forward program** (the outputs plus the *residuals*: the values the
  rest needs, e.g. ``tanh(x)`` for ``1 - tanh(x)**2``), the others the **backward program** (residuals and
  upstreams in, gradients out), compiled per set of needed gradients.
* Each call runs the forward program (its effects are the program's: variable updates, guards) and records one
  entry on the tape holding the residuals; the tape's sweep calls :func:`_call_vjp`, which runs the backward
  program.
* When the sweep is itself recorded (the gradient is being differentiated: higher order, or a ForwardAccumulator
  over it), or the upstreams carry Jacobian batch axes, or the backward program's guards miss, the rule falls back
  to replaying the program's graph on the call's saved inputs under a nested tape and differentiating that (the
  registry's rules, to any order).

Programs with random draws, host calls, prints or scatter updates keep the replay path (their forward cannot be
re-run for a gradient, or the split would move an effect).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import applyn
from .._registry import OpDef
from .._tape import local
from .._tensor import Tensor, make
from .graph import ASSIGN, ASSIGN_ADD, ASSIGN_SUB, GUARD, PRINT, READ_VARIABLE, Graph, is_stateful
from .replay import replay

_INELIGIBLE = object()


class _Split:
    """The forward program and the backward programs (per needed-gradient mask) of one program."""

    def __init__(self, fwd: Any, bwd_graph: Graph, n_out: int, connected: list[bool], name: str, jit: bool,
                 options: dict[str, Any]) -> None:
        self.fwd = fwd
        self.bwd_graph = bwd_graph
        self.n_out = n_out
        self.connected = connected  # per argument: whether its gradient is a graph output (else None)
        self.reach: list[tuple[bool, ...]] = []  # per output: the arguments its gradient reaches (_reach)
        self.name = name
        self.jit = jit
        self.options = options
        self.bwd: dict[tuple[bool, ...], Any] = {}

    def backward(self, needs: tuple[bool, ...]) -> Any:
        prog = self.bwd.get(needs)
        if prog is None:
            from .program import Program

            g = self.bwd_graph.copy()
            outs = []
            k = 0
            for need, conn in zip(needs, self.connected):
                if conn:
                    if need:
                        outs.append(g.outputs[k])
                    k += 1
            g.outputs = outs
            prog = self.bwd[needs] = Program(g, None, name=f"{self.name}_grad", jit_compile=self.jit,
                                             options=self.options)
        return prog


#: Programs with a value this large keep the replay path: on large arrays the eager engine's first-order rules
#: (in place into spare buffers, fused with their upstream) beat a compiled forward that must hand its residuals
#: over in fresh blocks (measured: ``big`` 1.4x slower, the 784x128 ``mlp`` 1.1x slower); per-op overhead, which
#: the compiled pair removes, dominates only below it (the 250-op ``chain``: 4-7x faster).
MAX_VALUE_BYTES = 256 * 1024


def _eligible(graph: Graph) -> bool:
    for v in graph.values.values():
        if not v.pyscalar and int(np.prod(v.shape, dtype=np.int64)) * np.dtype(v.dtype).itemsize > MAX_VALUE_BYTES:
            return False
    for n in graph.nodes:
        if n.op in (GUARD, READ_VARIABLE, ASSIGN, ASSIGN_ADD, ASSIGN_SUB):
            continue
        if n.op is PRINT or is_stateful(n) or n.op.name == "scatter":
            return False
    return True


def _captured(graph: Graph) -> list[Any]:
    seen: dict[int, Any] = {}
    for n in graph.nodes:
        if n.op is READ_VARIABLE:
            seen.setdefault(id(n.params["var"]), n.params["var"])
    return list(seen.values())


def _build(program: Any, inputs: list[Any]) -> Any:
    """Trace the program's gradient and split it (see the module docstring); ``_INELIGIBLE`` when it cannot."""
    from ..gradient_tape import GradientTape
    from .trace import trace

    graph = program.replay_graph
    if not _eligible(graph):
        return _INELIGIBLE
    variables = _captured(graph)
    n_in = len(inputs)
    n_out = len(graph.outputs)
    out_vals = [graph.values[o] for o in graph.outputs]
    if not all(np.dtype(v.dtype).kind in "fc" for v in out_vals if not v.pyscalar):
        return _INELIGIBLE
    examples = list(inputs) + [make(np.ones(v.shape, v.dtype), graph.backend) for v in out_vals]
    sources_mask: list[bool] = []

    def run(args: list[Any]) -> tuple[list[Any], Any]:
        xs, us = args[:n_in], args[n_in:]
        with GradientTape(persistent=False, watch_accessed_variables=False) as tape:
            sources = list(xs) + variables
            for s in sources:
                if s._value.dtype.kind in "fc":
                    tape.watch(s)
            outs = replay(graph, list(xs))  # (the tracer records variable updates as the program's effects)
        grads = tape.gradient(outs, sources, output_gradients=list(us))
        sources_mask[:] = [g is not None for g in grads]
        return list(outs) + [g for g in grads if g is not None], None

    full = trace(run, examples, name=f"{program.name}_vjp", options={"plan": False})
    g = full.traced_graph
    u_vids = set(g.inputs[n_in:])
    dep = set(u_vids)
    fwd_nodes, bwd_nodes = [], []
    for node in g.nodes:
        if dep.intersection(node.inputs):
            if node.op in (READ_VARIABLE, ASSIGN, ASSIGN_ADD, ASSIGN_SUB, PRINT) or is_stateful(node) and \
                    node.op is not GUARD:
                return _INELIGIBLE
            bwd_nodes.append(node)
            dep.update(node.outputs)
        else:
            fwd_nodes.append(node)
    user_outs, grad_outs = g.outputs[:n_out], g.outputs[n_out:]
    if dep.intersection(user_outs):
        return _INELIGIBLE
    fwd_defined = {o for n in fwd_nodes for o in n.outputs}
    needed = [i for n in bwd_nodes for i in n.inputs] + list(grad_outs)
    residuals = []
    for v in needed:
        if v in fwd_defined and v not in residuals:
            residuals.append(v)
    fg = Graph(nodes=fwd_nodes, inputs=list(g.inputs[:n_in]), input_variables=list(g.input_variables[:n_in]),
               values=dict(g.values), consts=dict(g.consts), outputs=list(user_outs) + residuals,
               stores=list(g.stores), names=dict(g.names), next_vid=g.next_vid, backend=g.backend)
    bvalues = dict(g.values)
    for r in residuals:
        v = bvalues[r]
        bvalues[r] = type(v)(v.shape, v.dtype, "input", v.pyscalar)
    bg = Graph(nodes=bwd_nodes, inputs=list(g.inputs[:n_in]) + residuals + list(g.inputs[n_in:]),
               input_variables=[False] * (n_in + len(residuals) + n_out), values=bvalues, consts=dict(g.consts),
               outputs=list(grad_outs), names=dict(g.names), next_vid=g.next_vid, backend=g.backend)
    from .program import Program

    fwd = Program(fg, None, name=f"{program.name}_fwd", jit_compile=program.jit_compile, options=program.options)
    split = _Split(fwd, bg, n_out, list(sources_mask), program.name, program.jit_compile, program.options)
    split.reach = _reach(graph, inputs, variables)
    return split, variables


def _reach(graph: Graph, inputs: list[Any], variables: list[Any]) -> list[tuple[bool, ...]]:
    """Per output, which arguments (inputs, then captured Variables) its gradient reaches, as the eager engine
    decides it (None for the others): one eager replay under a persistent tape, outside any outer recorder."""
    from ..gradient_tape import GradientTape

    saved = (local.tapes, local.accumulators)
    local.tapes, local.accumulators = (), ()
    try:
        with GradientTape(persistent=True, watch_accessed_variables=False) as tape:
            sources = list(inputs) + variables
            for s in sources:
                if s._value.dtype.kind in "fc":
                    tape.watch(s)
            outs = replay(graph, list(inputs), {})
        return [tuple(g is not None for g in tape.gradient(o, sources)) for o in outs]
    finally:
        local.tapes, local.accumulators = saved


def _call_fwd(F: Any, *vals: Any, split: Any, inputs: list[Any], n_out: int, res: list[Any], **_: Any) -> Any:
    outs = split.fwd.fn(inputs)
    res[:] = [o._value for o in outs[n_out:]]
    return tuple(o._value for o in outs[:n_out])


def _call_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    split = p["split"]
    gs = list(g) if type(g) in (tuple, list) else [g]
    outs = list(out) if type(out) in (tuple, list) else [out]
    # an argument gets a gradient (not None) only through outputs that have an upstream, as in eager
    live = [any(split.reach[k][j] for k, u in enumerate(gs) if u is not None) for j in range(len(ins))]
    needs = tuple(bool(n) and c for n, c in zip(needs, live))
    if not any(needs):
        return tuple(None for _ in ins)
    present = [k for k, u in enumerate(gs) if u is not None]
    batched = any(np.shape(_raw(gs[k])) != np.shape(outs[k]) for k in present)
    if not F.is_diff and not batched:
        prog = split.backward(needs)
        xp = split.fwd.graph.backend
        args = [make(v if hasattr(v, "dtype") else np.asarray(v), xp) for v in ins[:len(p["inputs"])]]
        args += [make(r, xp) for r in p["res"]]
        args += [make(np.zeros_like(o) if u is None else u if hasattr(u, "dtype") else np.asarray(u), xp)
                 for u, o in zip(gs, outs)]
        from .trace import GuardMiss

        try:
            got = prog.fn(args)
        except GuardMiss:
            got = None
        if got is not None:
            it = iter(got)
            return tuple(next(it)._value if n and c else None for n, c in zip(needs, split.connected))
    return _replay_vjp(F, gs, ins, outs, p, needs, batched)


def _raw(x: Any) -> Any:
    return getattr(x, "_value", x)


def _replay_vjp(F: Any, gs: list[Any], ins: Any, outs: list[Any], p: Any, needs: Any, batched: bool) -> Any:
    """Differentiate the program's graph replayed on the saved inputs under a nested tape (any order)."""
    from .._backend import NUMPY
    from ..gradient_tape import GradientTape

    program, variables = p["program"], p["variables"]
    n_in = len(p["inputs"])
    xs = [v if type(v) is Tensor else make(v, NUMPY) for v in ins]
    if batched:
        k0 = next(k for k, u in enumerate(gs) if u is not None)
        nb = np.ndim(_raw(gs[k0])) - np.ndim(outs[k0])
        lead = np.shape(_raw(gs[k0]))[:nb]
        rows = []
        for idx in np.ndindex(*lead):
            rows.append(_replay_vjp(F, [None if u is None else u[idx] for u in gs], ins, outs, p, needs, False))
        res = []
        for k in range(len(ins)):
            col = [r[k] for r in rows]
            if col[0] is None:
                res.append(None)
                continue
            stacked = F.stack(col) if F.is_diff else np.stack(col)
            res.append(F.reshape(stacked, lead + tuple(F.shape(col[0]))) if F.is_diff
                       else stacked.reshape(lead + col[0].shape))
        return tuple(res)
    with GradientTape(persistent=False, watch_accessed_variables=False) as tape:
        for x, n in zip(xs, needs):
            if n and x._value.dtype.kind in "fc":
                tape.watch(x)
        res = replay(program.replay_graph, xs[:n_in], {id(v): x for v, x in zip(variables, xs[n_in:])})
    targets = [r for r, u in zip(res, gs) if u is not None]
    ups = [u if type(u) is Tensor else make(u, NUMPY) for u in gs if u is not None]
    grads = tape.gradient(targets, xs, output_gradients=ups)
    if F.is_diff:
        return tuple(grads)
    return tuple(None if r is None else r._value for r in grads)


#: One call of a compiled program, as recorded by an outer tape (multi-output: the program's flat outputs).
CALL = OpDef("function_call", _call_fwd, _call_vjp, None, multi=True, none_upstreams=True)


def call_recorded(program: Any, inputs: list[Any]) -> list[Any] | None:
    """Run ``program`` on ``inputs`` as one recorded op (see the module docstring); None when this program keeps
    the replay path."""
    state = program.__dict__.get("_taped")
    if state is None:
        state = program._taped = _build(program, inputs)
    if state is _INELIGIBLE:
        return None
    split, variables = state
    args = tuple(inputs) + tuple(variables)
    if split.n_out == 0 or not args:  # nothing a tape could differentiate
        return program.fn(inputs)
    p = {"split": split, "program": program, "variables": variables, "inputs": inputs, "n_out": split.n_out,
         "res": []}
    outs = applyn(CALL, args, p)
    return list(outs)
