"""Graph passes: each is a function ``Graph -> Graph`` (on a copy), in its own module, switchable by name.

Order (DESIGN.md): DCE → CSE → folding/simplification → DCE again (what the rewrites left unused) → in-place
variable updates. ``optimize(graph, options)`` runs those whose option is true.
"""

from __future__ import annotations

from typing import Any

from ..graph import Graph
from .cse import cse
from .dce import dce
from .fold import fold
from .inplace import inplace
from .simplify import simplify

__all__ = ["optimize", "dce", "cse", "fold", "simplify", "inplace"]


def optimize(graph: Graph, options: dict[str, Any]) -> Graph:
    """A copy of ``graph`` with the passes named true in ``options`` applied, in the documented order."""
    g = graph.copy()
    if options.get("dce", True):
        g = dce(g)
    if options.get("cse", True):
        g = cse(g)
    for _ in range(3):  # folding exposes simplifications and the reverse; a few rounds reach the fixed point
        n = len(g.nodes)
        if options.get("fold", True):
            g = fold(g)
        if options.get("simplify", True):
            g = simplify(g)
        if options.get("cse", True):
            g = cse(g)
        if len(g.nodes) == n:
            break
    if options.get("dce", True):
        g = dce(g)
    if options.get("inplace", True):
        g = inplace(g)
    return g
