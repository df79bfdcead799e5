"""Common-subexpression elimination: a node that repeats an earlier node (same op, params and inputs) is dropped
and its outputs replaced by the earlier node's; equal small constants are merged first.

Effects, random draws and variable reads/updates are never merged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import ASSIGN_OPS, READ_VARIABLE, SCATTER, Graph, is_stateful

_NEVER = frozenset({READ_VARIABLE, SCATTER, *ASSIGN_OPS.values()})
_SMALL = 64  # constants up to this many elements are compared by value


def _params_key(params: dict[str, Any]) -> Any:
    out = []
    for k, v in params.items():
        try:
            hash(v)
            out.append((k, type(v), v))
        except TypeError:
            out.append((k, "id", id(v)))
    return tuple(out)


def _const_key(v: Any) -> Any:
    if type(v) in (int, float, bool, complex):
        return ("py", type(v), v) if v == v else None
    if getattr(v, "size", _SMALL + 1) > _SMALL:
        return None
    a = np.asarray(v)
    if a.dtype.kind in "fcV" and np.isnan(a).any():
        return ("nan", type(v), a.dtype.str, a.shape, a.tobytes())  # bitwise: NaN payloads stay distinct
    return (type(v), a.dtype.str, a.shape, a.tobytes())


def cse(graph: Graph) -> Graph:
    mapping: dict[int, int] = {}
    seen_const: dict[Any, int] = {}
    for vid, c in list(graph.consts.items()):
        key = _const_key(c)
        if key is None:
            continue
        first = seen_const.setdefault(key, vid)
        if first != vid:
            mapping[vid] = first
            del graph.consts[vid]
    graph.substitute(mapping)
    mapping = {}
    seen: dict[Any, Any] = {}
    keep = []
    for node in graph.nodes:
        if mapping and any(i in mapping for i in node.inputs):
            node.inputs = tuple(mapping.get(i, i) for i in node.inputs)
        if node.op in _NEVER or is_stateful(node):
            keep.append(node)
            continue
        key = (node.op, _params_key(node.params), node.inputs)
        prev = seen.get(key)
        if prev is None:
            seen[key] = node
            keep.append(node)
            continue
        for o, p in zip(node.outputs, prev.outputs):
            mapping[o] = p
    graph.nodes = keep
    graph.substitute(mapping)
    return graph
