"""Lowering one node to a line of Python: the op's registry forward, called with the backend namespace."""

from __future__ import annotations

from typing import Any


def lower_node(em: Any, node: Any, ins: list[str], outs: list[str], buf: Any, graph: Any) -> list[str]:
    """Source lines computing ``node``: ``outs = <op>_fwd(F, *ins, **params)``."""
    fwd = em.bind(node.op.fwd, f"{node.op.name}_fwd")
    args = ["F", *ins]
    for k, v in node.params.items():
        if k == "target":
            continue
        args.append(f"{k}={em.value(v, f'{node.name}_{k}')}")
    lhs = outs[0] if len(outs) == 1 else ", ".join(outs)
    if not outs:
        lhs = "_"
    return [f"{lhs} = {fwd}({', '.join(args)})"]
