"""Dead-code elimination: drop nodes whose outputs nobody needs (gradients nobody returns, unused reads).

Roots are the outputs, the values written into variables and every effect (guards, prints, random draws: a
dropped draw would shift the random stream). One reverse walk, no recursion.
"""

from __future__ import annotations

from ..graph import Graph, is_stateful


def dce(graph: Graph) -> Graph:
    live = graph.roots()
    keep = []
    for node in reversed(graph.nodes):
        if is_stateful(node) or any(o in live for o in node.outputs):
            keep.append(node)
            live.update(node.inputs)
    keep.reverse()
    graph.nodes = keep
    graph.consts = {k: v for k, v in graph.consts.items() if k in live}
    return graph
