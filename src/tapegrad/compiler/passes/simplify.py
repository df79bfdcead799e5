"""Algebraic simplification: rewrites that remove work without changing any value.

* ``x * 1``, ``1 * x``, ``x / 1``, ``x ** 1``, ``x + 0``, ``0 + x``, ``x - 0`` → ``x`` (the constant may be an array of
  ones/zeros, e.g. the broadcast ones that seed ``reduce_sum``'s gradient, once folded);
* ``-(-x)`` → ``x``;
* ``a + (-b)`` → ``a - b``, ``(-a) + b`` → ``b - a``, ``a - (-b)`` → ``a + b`` (IEEE subtraction *is* addition of the
  negation: bit-identical; the negation is then dead unless something else reads it);
* ``-(a * b)`` → ``(-a) * b`` when ``-a`` is already computed (floating point: rounding is sign-symmetric, so both
  are bit-identical); the product then usually repeats an existing node and merges with it here (this is how the
  gradient of ``exp(-x*x)`` loses a pass: its two terms ``e*(-x)`` and ``-(e*x)`` become one value);
* no-op ``cast``, ``reshape``, ``broadcast_to``, ``identity``, ``sum_to`` (same shape and dtype in and out) → ``x``.

A rewrite applies only when the result keeps ``x``'s shape and dtype (no broadcasting, no promotion). ``x + 0``
turns ``-0.0`` into ``+0.0`` in IEEE arithmetic; like TF's grappler, the rewrite keeps ``x`` (equal values).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._registry import OPS
from ..graph import Graph

_SAME_SHAPE_NOOPS = ("cast", "reshape", "broadcast_to", "identity", "sum_to", "expand_dims", "squeeze")


def _all_equal(c: Any, x: float) -> bool:
    try:
        a = np.asarray(c)
        if a.dtype.kind not in "biufc":
            return False
        if a.ndim and a.strides and 0 in a.strides:  # a broadcast view: check the data it repeats
            a = np.lib.stride_tricks.as_strided(a, shape=tuple(1 if s == 0 else d for d, s in zip(a.shape, a.strides)),
                                                strides=a.strides)
        return bool(np.all(a == x))
    except Exception:  # noqa: BLE001
        return False


def _negation_of(producer: dict[int, Any], v: int, neg: Any) -> int | None:
    """``x`` when value ``v`` is ``-x`` (a negative node), else None."""
    p = producer.get(v)
    return p.inputs[0] if p is not None and p.op is neg and len(p.inputs) == 1 and not p.params else None


def simplify(graph: Graph) -> Graph:
    ops = {name: OPS.get(name) for name in ("multiply", "add", "subtract", "divide", "negative", "pow",
                                             *_SAME_SHAPE_NOOPS)}
    mul, add, sub, div, neg, pw = (ops[n] for n in ("multiply", "add", "subtract", "divide", "negative", "pow"))
    noops = {ops[n] for n in _SAME_SHAPE_NOOPS if ops[n] is not None}
    producer: dict[int, Any] = {}
    mapping: dict[int, int] = {}
    keep = []
    vals = graph.values
    consts = graph.consts
    negated: dict[int, int] = {}  # x -> -x, for values whose negation a node computes
    rewritten: list[Any] = []
    made: dict[Any, int] = {}  # (op, inputs) -> output of a pure binary node kept so far (merges what rewrites repeat)

    def res(v: int) -> int:
        while v in mapping:
            v = mapping[v]
        return v

    def same(a: int, out: int) -> bool:
        va, vo = vals[a], vals[out]
        return (not va.pyscalar and va.shape == vo.shape and np.dtype(va.dtype) == np.dtype(vo.dtype))

    def same_kind(a: int, out: int) -> bool:  # same dtype (shapes may broadcast: elementwise either way)
        va = vals[a]
        return not va.pyscalar and np.dtype(va.dtype) == np.dtype(vals[out].dtype)

    def _float(v: int) -> bool:
        return np.dtype(vals[v].dtype).kind in "fc"

    for node in graph.nodes:
        if mapping:
            node.inputs = tuple(res(i) for i in node.inputs)
        op, ins = node.op, node.inputs
        out = node.outputs[0] if len(node.outputs) == 1 else None
        repl = None
        if out is not None and len(ins) == 2 and op in (mul, add, sub, div, pw):
            a, b = ins
            unit = 1.0 if op in (mul, div, pw) else 0.0
            if b in consts and _all_equal(consts[b], unit) and same(a, out):
                repl = a
            elif op in (mul, add) and a in consts and _all_equal(consts[a], unit) and same(b, out):
                repl = b
        elif out is not None and op is neg and len(ins) == 1:
            p = producer.get(ins[0])
            if p is not None and p.op is neg and same(p.inputs[0], out):
                repl = p.inputs[0]
        elif out is not None and op in noops and len(ins) == 1 and same(ins[0], out):
            repl = ins[0]
        if repl is None and out is not None and len(ins) == 2 and op in (add, sub) and not node.params:
            a, b = ins
            if _negation_of(producer, b, neg) is not None and same_kind(b, out):
                node.op, node.inputs = (sub if op is add else add), (a, _negation_of(producer, b, neg))
                rewritten.append(node)
            elif op is add and _negation_of(producer, a, neg) is not None and same_kind(a, out):
                node.op, node.inputs = sub, (b, _negation_of(producer, a, neg))
                rewritten.append(node)
            op, ins = node.op, node.inputs
        elif repl is None and out is not None and op is neg and len(ins) == 1 and _float(out):
            p = producer.get(ins[0])
            if p is not None and p.op is mul and not p.params and all(same_kind(i, out) for i in p.inputs):
                a, b = p.inputs
                if a in negated:
                    node.op, node.inputs = mul, (negated[a], b)
                    rewritten.append(node)
                elif b in negated:
                    node.op, node.inputs = mul, (a, negated[b])
                    rewritten.append(node)
                op, ins = node.op, node.inputs
        if repl is None and out is not None and len(ins) == 2 and op in (mul, add, sub) and not node.params:
            repl = made.get((op, ins))
            if repl is None:
                made[(op, ins)] = out
        if repl is not None:
            mapping[out] = repl
            continue
        for o in node.outputs:
            producer[o] = node
        if op is neg and out is not None and not node.params and same_kind(ins[0], out):
            negated.setdefault(ins[0], out)
        keep.append(node)
    graph.nodes = keep
    graph.substitute(mapping)
    if rewritten:
        from ..lower import _kind_of, learn_rewritten

        for node in rewritten:  # nodes no trace value ran through: learn their direct backend call
            learn_rewritten(node.op, node.params, tuple(_kind_of(graph, i) for i in node.inputs))
    return graph
