"""First-order gradient rules as single graph nodes in compiled programs (``tapegrad.function``).

When a trace records a backward sweep (``tape.gradient`` inside a ``tapegrad.function``), every rule normally runs
on the differentiable namespace, so its NumPy fast path is replaced by the generic composite it is written in: a
ReLU's gradient becomes ``where(out > 0, g, zeros)``, a bias gradient a full reduction, a 2×2 max pool's gradient
an argmax op and a scatter, a fused batch norm's gradient some twenty elementwise nodes, and an LSTM sequence's
backward pass through time a loop of hundreds of nodes. For the ops listed in :data:`RULE_NODE_OPS`, a sweep that
only the trace records (no tape of the traced function watches the gradient: the usual training step) records the
rule itself as ONE node instead, whose forward is the op's rule on raw arrays: the compiled program runs the same
code, with the same results, as an eager step.

Such a node is still differentiable (a program called under an outer tape re-runs its nodes through the
dispatcher): its gradient runs the rule on the differentiable namespace under a nested tape and differentiates
that, so second order through a compiled gradient is what it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import SavedSpec, applyn
from .._registry import OpDef
from .._tape import local
from .._tensor import Tensor, make, make_with_id

#: Ops whose first-order rule is recorded as one node in a compiled program (their raw rules are the fast ones).
RULE_NODE_OPS = frozenset({
    "relu", "bias_add", "max_pool2d", "fused_batch_norm_train", "lstm_sequence", "conv2d", "conv2d_bias_act",
    "conv2d_bias_act_maxpool",
})

#: Of those, the ones whose rules are elementwise or reductions: under ``jit_compile=True`` they stay composite graph
#: nodes, which the jit fuses into its kernels (the ReLU mask and the bias gradient into the kernels around them).
FUSABLE_RULES = frozenset({"relu", "bias_add"})

_NODE_OPS: dict[str, OpDef] = {}


def _split(vals: tuple[Any, ...], slots: tuple[Any, ...], ng: int, ni: int) -> tuple[Any, Any, Any]:
    """The rule's ``(g, ins, out)`` from the node's array inputs and its static slots (``_IN``: the next input)."""
    it = iter(vals)
    full = [next(it) if s is _IN else s[0] for s in slots]
    return full[:ng], full[ng:ng + ni], full[ng + ni:]


class _In:
    def __repr__(self) -> str:
        return "IN"


_IN: Any = _In()


def _pack(xs: list[Any], multi: bool) -> Any:
    return tuple(xs) if multi else xs[0]


def _node_fwd(F: Any, *vals: Any, rule: Any, p: Any, needs: tuple[bool, ...], slots: tuple[Any, ...], ng: int,
              ni: int, gmulti: bool, omulti: bool, keep: tuple[bool, ...]) -> list[Any]:
    g, ins, out = _split(vals, slots, ng, ni)
    rs = rule.vjp(F, _pack(g, gmulti), tuple(ins), _pack(out, omulti) if out else None, p, needs)
    return [r for r, k in zip(rs, keep) if k]


def _node_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """Differentiate the rule itself: run it on the differentiable namespace under a nested tape."""
    from ..gradient_tape import GradientTape
    from ._diffns import DIFF

    xp = next((v._xp for v in ins if type(v) is Tensor), None) or (NUMPY if F.is_diff else F)
    ts = [v if type(v) is Tensor else make(v, xp) for v in ins]
    with GradientTape(persistent=False, watch_accessed_variables=False) as tape:
        for t, n in zip(ts, needs):
            if n and t._value.dtype.kind in "fc":
                tape.watch(t)
        g, rins, rout = _split(tuple(ts), p["slots"], p["ng"], p["ni"])
        rs = p["rule"].vjp(DIFF, _pack(g, p["gmulti"]), tuple(rins), _pack(rout, p["omulti"]) if rout else None,
                           p["p"], p["needs"])
        rs = [r for r, k in zip(rs, p["keep"]) if k]
    hs = list(h)
    pairs = [(r, u) for r, u in zip(rs, hs) if r is not None and u is not None]
    if not pairs:
        return tuple(None for _ in ins)
    grads = tape.gradient([r for r, _ in pairs], ts, output_gradients=[u for _, u in pairs])
    if F.is_diff:
        return tuple(grads)
    return tuple(None if r is None else r._value for r in grads)


def _node_op(rule: OpDef) -> OpDef:
    op = _NODE_OPS.get(rule.name)
    if op is None:  # not in the registry: an internal op, made on first use per differentiated op
        op = _NODE_OPS[rule.name] = OpDef(f"{rule.name}_grad", _node_fwd, _node_vjp, None, multi=True)
    return op


def _static(v: Any) -> bool:
    """Values the rule reads that are not arrays of the trace (stand-ins keeping a shape, Python scalars)."""
    return v is None or type(v) is SavedSpec or not hasattr(v, "dtype")


def record(op: OpDef, g: Any, ins: tuple[Any, ...], in_ids: Any, out: Any, oid: Any, p: Any,
           needs: tuple[bool, ...], xp: Any) -> Any:
    """``op``'s rule as one recorded node (see the module docstring); returns the rule's results as Tensors, or
    None when the rule's results are not all plain arrays (the caller then runs the rule on the differentiable
    namespace as usual)."""
    if op.name in FUSABLE_RULES and getattr(local.tracer, "jit", False):
        return None
    gmulti = type(g) is tuple
    gs = list(g) if gmulti else [g]
    omulti = type(oid) is tuple
    outs = [] if out is None else (list(out) if omulti else [out])
    oids = list(oid) if omulti else [oid]
    args: list[Any] = []
    slots: list[Any] = []
    raw: list[Any] = []
    tracer = local.tracer
    for k, v in enumerate(gs + list(ins) + outs):
        if k < len(gs) and type(v) is Tensor and tracer.ids.get(id(v._value)) is None and not v._value.any():
            # zeros the sweep made for an unused output of a multi-output op: a constant, passed to the rule as a
            # read-only zero-stride view (the rules test for it with one read instead of a pass over the zeros)
            z = np.broadcast_to(np.zeros((), v._value.dtype), v._value.shape)
            slots.append((z,))
            raw.append(z)
        elif type(v) is Tensor:
            args.append(v)
            slots.append(_IN)
            raw.append(v._value)
        elif _static(v):
            slots.append((v,))
            raw.append(v)
        else:
            ni = len(gs)
            tid = in_ids[k - ni] if ni <= k < ni + len(ins) else (oids[k - ni - len(ins)] if k >= ni + len(ins)
                                                                   else None)
            args.append(make_with_id(v, xp, tid))
            slots.append(_IN)
            raw.append(v)
    if not args:
        return None
    ng, ni = len(gs), len(ins)
    rg, ri, ro = raw[:ng], raw[ng:ng + ni], raw[ng + ni:]
    rs = op.vjp(xp, _pack(rg, gmulti), tuple(ri), _pack(ro, omulti) if ro else None, p, needs)
    if any(r is not None and type(r) is not np.ndarray for r in rs):
        return None
    keep = tuple(r is not None for r in rs)
    if not any(keep):
        return tuple(None for _ in rs)
    params = {"rule": op, "p": p, "needs": tuple(needs), "slots": tuple(slots), "ng": ng, "ni": ni,
              "gmulti": gmulti, "omulti": omulti, "keep": keep}
    res = iter(applyn(_node_op(op), tuple(args), params))
    return tuple(next(res) if k else None for k in keep)
