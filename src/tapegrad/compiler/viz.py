"""Graphviz DOT text of a compiled program's optimised graph (``tapegrad.viz.program_to_dot``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import GUARD, PRINT, READ_VARIABLE, Graph


def _graph_of(obj: Any) -> Graph:
    if isinstance(obj, Graph):
        return obj
    for attr in ("graph", "program", "_program"):
        inner = getattr(obj, attr, None)
        if isinstance(inner, Graph):
            return inner
        if inner is not None and isinstance(getattr(inner, "graph", None), Graph):
            return inner.graph
    raise TypeError(f"program_to_dot: expected a compiled Program, a concrete function or a Graph, got "
                    f"{type(obj).__name__}.")


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _spec(graph: Graph, vid: int) -> str:
    v = graph.values[vid]
    if v.pyscalar:
        return v.dtype.__name__
    return f"{np.dtype(v.dtype).name}{list(v.shape)}"


def program_to_dot(obj: Any, name: str = "program") -> str:
    """DOT text of the optimised graph of ``obj`` (a Program, a concrete function holding one, or a Graph).

    Boxes are ops (name, output dtype and shape), ellipses the inputs (gold: Variables), grey the constants,
    diamonds the guards, notes the prints; a store edge shows where a Variable's new value is written.
    """
    g = _graph_of(obj)
    lines = [f"digraph {_q(name)} {{", "  rankdir=TB;", '  node [fontname="Helvetica", fontsize=10];']
    src: dict[int, str] = {}
    for k, vid in enumerate(g.inputs):
        var = g.input_variables[k]
        nid = f"in{k}"
        label = f"{g.names.get(vid, f'x{k}')}\\n{_spec(g, vid)}"
        style = ', style=filled, fillcolor="gold"' if var else ""
        lines.append(f'  {nid} [shape=ellipse, label="{label}"{style}];')
        src[vid] = nid
    used = {i for n in g.nodes for i in n.inputs} | set(g.outputs) | {v for _, v in g.stores}
    for vid, c in g.consts.items():
        if vid not in used:
            continue
        nid = f"c{vid}"
        text = repr(c) if np.ndim(c) == 0 else f"const {_spec(g, vid)}"
        lines.append(f"  {nid} [shape=plaintext, fontcolor=grey40, label={_q(text[:30])}];")
        src[vid] = nid
    for k, n in enumerate(g.nodes):
        nid = f"n{k}"
        if n.op is READ_VARIABLE:
            var = n.params["var"]
            lines.append(f'  {nid} [shape=ellipse, style=filled, fillcolor="gold", '
                         f'label={_q(getattr(var, "name", "variable") + " " + _spec(g, n.outputs[0]))}];')
        elif n.op is GUARD:
            text = n.params["kind"] + "() == " + repr(n.params["expect"])[:20]
            lines.append(f"  {nid} [shape=diamond, label={_q(text)}];")
        elif n.op is PRINT:
            lines.append(f"  {nid} [shape=note, label=\"print\"];")
        else:
            extra = " (in place)" if n.params.get("inplace") else ""
            outs = ", ".join(_spec(g, o) for o in n.outputs)
            lines.append(f"  {nid} [shape=box, label={_q(n.name + extra + chr(10) + outs)}];")
        for i in n.inputs:
            if i in src:
                lines.append(f"  {src[i]} -> {nid};")
        for o in n.outputs:
            src[o] = nid
    for k, vid in enumerate(g.outputs):
        lines.append(f'  out{k} [shape=doublecircle, label="out {k}"];')
        if vid in src:
            lines.append(f"  {src[vid]} -> out{k};")
    for k, (target, vid) in enumerate(g.stores):
        tname = f"input {target[1]}" if isinstance(target, tuple) else getattr(target, "name", "variable")
        lines.append(f'  st{k} [shape=house, style=filled, fillcolor="gold", label={_q("store " + tname)}];')
        if vid in src:
            lines.append(f"  {src[vid]} -> st{k} [style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"
