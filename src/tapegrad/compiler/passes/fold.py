"""Constant folding: a node whose inputs are all constants is computed once, at compile time.

Results are frozen (read-only arrays). Effects and random draws are never folded, nor are results larger than
``LIMIT`` bytes unless they are views of a small constant (``broadcast_to`` of a scalar costs no memory).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..._backend import NUMPY
from ..graph import ASSIGN_OPS, READ_VARIABLE, SCATTER, Graph, Value, is_stateful

LIMIT = 1 << 16
_NEVER = frozenset({READ_VARIABLE, SCATTER, *ASSIGN_OPS.values()})


def _small(x: Any) -> bool:
    if not isinstance(x, np.ndarray):
        return True
    base = x
    while base.base is not None and isinstance(base.base, np.ndarray):
        base = base.base
    return x.nbytes <= LIMIT or base.nbytes <= LIMIT


def fold(graph: Graph) -> Graph:
    keep = []
    for node in graph.nodes:
        if (node.op in _NEVER or is_stateful(node) or not node.outputs
                or not all(i in graph.consts for i in node.inputs)):
            keep.append(node)
            continue
        args = [graph.consts[i] for i in node.inputs]
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = node.op.fwd(NUMPY, *args, **{k: v for k, v in node.params.items() if k != "target"})
        except Exception:  # noqa: BLE001  # it raises at run time too: leave it to the program
            keep.append(node)
            continue
        outs = list(res) if node.op.multi else [res]
        if not all(_small(r) for r in outs):
            keep.append(node)
            continue
        for o, r in zip(node.outputs, outs):
            if isinstance(r, np.ndarray):
                r = r.view()
                r.flags.writeable = False
            graph.consts[o] = r
            v = graph.values[o]
            graph.values[o] = Value(v.shape, v.dtype, "const")
    graph.nodes = keep
    return graph
