"""Generate ``docs/ops.md``: the supported-op table, straight from the registry (``python -m tapegrad ops-doc``)."""

from __future__ import annotations

from typing import Any

from ._registry import NO_GRADIENT, OPS


def _specs(op: Any) -> list[dict[str, Any]]:
    t = op.meta.get("test")
    return [] if t is None else (list(t) if isinstance(t, (list, tuple)) else [t])


def render() -> str:
    yes, no = "yes", "—"
    rows = []
    for op in sorted(OPS.values(), key=lambda o: o.name):
        specs = _specs(op)
        if op.vjp is None:
            diff = "no (gradient None)"
        elif op.vjp is NO_GRADIENT:
            diff = "no (LookupError)"
        else:
            diff = yes
        rows.append(
            f"| `{op.name}` | {diff} | {yes if op.jvp or op.meta.get('forward_rule') else no} | "
            f"{yes if op.differentiable and any(s['order2'] for s in specs) else no} | "
            f"{yes if any(s['complex'] for s in specs) else no} | "
            f"{yes if any(s['tf'] for s in specs) else no} | {len(specs)} |"
        )
    from .ops import _MODULES

    names = sorted({f"tf.{ns + '.' if ns else ''}{n}" for mod in _MODULES
                    for ns, ns_names in getattr(mod, "EXPORTS", {}).items() for n in ns_names})
    return "\n".join([
        "# Supported ops",
        "",
        "Generated from the op registry by `python -m tapegrad ops-doc` (a test fails when this file is stale).",
        "",
        "Columns: *differentiable* — has a reverse-mode rule (integer/bool outputs never carry gradients);",
        "*JVP* — forward-mode rule; *2nd order* — second derivatives are tested through nested tapes;",
        "*complex* — complex inputs are tested with TF's conjugate convention; *vs TF* — forward values and",
        "gradients are compared with TensorFlow 2.21 in the conformance lane; *specs* — test cases in the registry.",
        "Each op is tested against a NumPy/SciPy reference and float64 central differences.",
        "",
        f"{len(OPS)} registered ops (primitives; composite public functions such as `tf.nn.l2_loss` or",
        "`tf.linalg.logdet` are built from them).",
        "",
        "| op | differentiable | JVP | 2nd order | complex | vs TF | specs |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"## Public names ({len(names)})",
        "",
        ", ".join(f"`{n}`" for n in names),
        "",
    ])
