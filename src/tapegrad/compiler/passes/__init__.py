"""Graph passes: each is a function ``Graph -> Graph`` (on a copy), in its own module, switchable by name.

Order (DESIGN.md): DCE → CSE → folding/simplification → DCE again (what the rewrites left unused) → in-place
variable updates. ``optimize(graph, options)`` runs those whose option is true.
"""

from __future__ import annotations

from typing import Any

from ..graph import Graph
from .dce import dce

__all__ = ["optimize", "dce"]


def optimize(graph: Graph, options: dict[str, Any]) -> Graph:
    g = graph.copy()
    if options.get("dce", True):
        g = dce(g)
    return g
