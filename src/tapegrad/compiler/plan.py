"""Static memory plan: liveness analysis gives intermediates buffers, allocated once per program, reused across
values and across calls (NumPy ``out=``), so a steady-state call allocates nothing for elementwise work.

Which values get a buffer: outputs of nodes that lower to one ufunc call (``lower.lowerable_ufunc``), with a
non-scalar shape, that do not *escape*. A value escapes when the user or a Variable can see it: a program output,
a value stored into a variable, or anything a non-ufunc node (which may return a view of its input: reshape,
transpose, identity…) turns into an escaping value. Escaping values are made fresh on every call, so the user never
receives a buffer the next call overwrites.

Liveness: a value is live until its last reader; a non-ufunc node's output may alias its inputs, so its inputs
stay live as long as it does. Buffers are pooled by (shape, dtype): when a value dies its buffer is free for the
next value of the same kind (an input dying at a node can be that node's output buffer: NumPy ufuncs handle exact
overlap).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _buffers
from .._backend import NUMPY
from .._registry import OPS
from .graph import ASSIGN_OPS, GUARD, PRINT, SCATTER, Graph, Node, is_stateful, varying_shapes
from .lower import lowerable_ufunc

# nodes whose outputs never share memory with their inputs (besides ufunc calls)
FRESH_OPS = frozenset({*ASSIGN_OPS.values(), SCATTER, GUARD})
# registry ops whose forwards always return a new array (a GEMM, a ufunc reduction): their inputs may live in
# reused buffers even when the result escapes
FRESH_NAMES = frozenset({"matmul", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "softmax"})


def _fresh(node: Node, ufunc_nodes: set[int]) -> bool:
    op = node.op
    return id(node) in ufunc_nodes or op in FRESH_OPS or (op.name in FRESH_NAMES and OPS.get(op.name) is op)


class MemoryPlan:
    """``buffer_for(node)`` → name of the buffer its output is written into, or None; ``buffers``: name → array."""

    def __init__(self) -> None:
        self.assign: dict[int, str] = {}  # id(node) -> buffer name
        self.buffers: dict[str, Any] = {}
        self.value_buffer: dict[int, str] = {}  # value id -> buffer name
        self.large_fresh: set[int] = set()  # id(node): an escaping one-ufunc value written into an engine block

    def buffer_for(self, node: Node) -> str | None:
        return self.assign.get(id(node))

    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.buffers.values())

    def __repr__(self) -> str:
        return f"<MemoryPlan {len(self.assign)} values in {len(self.buffers)} buffers, {self.nbytes()} bytes>"


def escaping(graph: Graph, ufunc_nodes: set[int]) -> set[int]:
    """Values the user or a Variable can observe after the call, directly or through a view.

    ``ufunc_nodes`` (ids of nodes lowered to one ufunc) and variable updates make fresh arrays; any other node
    may return a view of its inputs."""
    esc = graph.roots()
    for node in reversed(graph.nodes):
        if _fresh(node, ufunc_nodes):
            continue
        if any(o in esc for o in node.outputs):
            esc.update(node.inputs)
    return esc


def make_plan(graph: Graph) -> MemoryPlan:
    plan = MemoryPlan()
    ufunc_nodes = {id(n) for n in graph.nodes if not is_stateful(n) and lowerable_ufunc(n, graph)}
    esc = escaping(graph, ufunc_nodes)
    varying = varying_shapes(graph)  # sizes that change from call to call (tf.where(c), tf.unique): no buffer
    n_nodes = len(graph.nodes)
    last = {}
    for k, node in enumerate(graph.nodes):
        for i in node.inputs:
            last[i] = k
    for node in graph.nodes:
        if node.params.get("inplace") or node.op is PRINT:  # these run after the last node
            for i in node.inputs:
                last[i] = n_nodes
    for k in range(n_nodes - 1, -1, -1):  # views keep what they view alive
        node = graph.nodes[k]
        if _fresh(node, ufunc_nodes):
            continue
        end = max((last.get(o, k) for o in node.outputs), default=k)
        for i in node.inputs:
            if last.get(i, -1) < end:
                last[i] = end
    free: dict[tuple[Any, ...], list[str]] = {}
    for k, node in enumerate(graph.nodes):
        dying = []
        for i in node.inputs:  # values whose last reader is this node: their buffers are free again
            name = plan.value_buffer.get(i)
            if name is not None and last.get(i) == k:
                free.setdefault(_kind(graph, i), []).append(name)
                dying.append(name)
                del plan.value_buffer[i]
        if id(node) not in ufunc_nodes:
            continue
        (o,) = node.outputs
        val = graph.values[o]
        if o in varying:
            continue
        if o in esc or val.shape == () or val.pyscalar:
            if (o in esc and not val.pyscalar and val.shape != () and _buffers.ENABLED and graph.backend is NUMPY
                    and int(np.prod(val.shape)) * np.dtype(val.dtype).itemsize >= _buffers.LARGE):
                plan.large_fresh.add(id(node))
            continue
        kind = _kind(graph, o)
        pool = free.get(kind)
        if pool:
            # a dying input's own buffer first: an in-place ufunc (out= one of its inputs) streams two arrays
            # instead of three (no read-for-ownership of a third destination), ~1/3 faster on large arrays
            name = next((d for d in dying if d in pool), pool[-1])
            pool.remove(name)
        else:
            name = f"buf{len(plan.buffers)}"
            plan.buffers[name] = np.empty(val.shape, dtype=val.dtype)
        plan.assign[id(node)] = name
        plan.value_buffer[o] = name
        if o not in last:  # never read: free at once
            free.setdefault(kind, []).append(name)
            del plan.value_buffer[o]
    return plan


def _kind(graph: Graph, vid: int) -> tuple[Any, ...]:
    v = graph.values[vid]
    return (tuple(v.shape), np.dtype(v.dtype).str)
