"""Running an op: unwrap inputs, compute, wrap, record on the tapes that watch an input.

The no-tape path is a few attribute reads and one allocation; recording happens only when a tape is active.
"""

from __future__ import annotations

from typing import Any

from ._registry import OpDef
from ._tape import local, next_id, on_variable_read
from ._tensor import Tensor, Variable

_new = object.__new__
_EMPTY: dict[str, Any] = {}


def apply1(op: OpDef, x: Any, p: dict[str, Any] = _EMPTY) -> Tensor:
    """Run a one-input op on a Tensor or Variable."""
    v = x._value
    xp = x._xp
    out = op.fwd(xp, v, **p)
    res = _new(Tensor)
    res._value = out
    res._xp = xp
    res._id = None
    tapes = local.tapes
    if tapes:
        _record(op, (x,), (v,), res, out, p, tapes)
    return res


def apply2(op: OpDef, a: Any, b: Any, p: dict[str, Any] = _EMPTY) -> Tensor:
    """Run a two-input op on Tensors/Variables (dtypes already checked by the caller)."""
    va = a._value
    vb = b._value
    xp = a._xp
    out = op.fwd(xp, va, vb, **p)
    res = _new(Tensor)
    res._value = out
    res._xp = xp
    res._id = None
    tapes = local.tapes
    if tapes:
        _record(op, (a, b), (va, vb), res, out, p, tapes)
    return res


def applyn(op: OpDef, args: tuple[Any, ...], p: dict[str, Any] = _EMPTY) -> Any:
    """Run an op with any number of Tensor/Variable inputs; multi-output ops return a list of Tensors."""
    vals = tuple(a._value for a in args)
    xp = args[0]._xp
    out = op.fwd(xp, *vals, **p)
    if op.multi:
        res: Any = []
        for o in out:
            t = _new(Tensor)
            t._value = o
            t._xp = xp
            t._id = None
            res.append(t)
    else:
        res = _new(Tensor)
        res._value = out
        res._xp = xp
        res._id = None
    tapes = local.tapes
    if tapes:
        _record(op, args, vals, res, out, p, tapes)
    return res


def _record(op: OpDef, args: tuple[Any, ...], vals: tuple[Any, ...], res: Any, out: Any,
            p: dict[str, Any], tapes: tuple[Any, ...]) -> None:
    for a in args:
        if type(a) is Variable:
            on_variable_read(a, tapes)
    if op.vjp is None:
        return
    if op.multi:
        if not any(o.dtype.kind in "fc" for o in out):
            return
    elif out.dtype.kind not in "fc":
        return  # integer/bool outputs are not differentiable: the chain stops here (TF semantics)
    in_ids = tuple(a._id for a in args)
    entry = None
    for tape in tapes:
        known = tape.known
        hit = False
        every = True
        for i in in_ids:
            if i in known:
                hit = True
            else:
                every = False
        if not hit:
            continue
        if entry is None:
            if op.multi:
                oid: Any = tuple(next_id() for _ in res)
                for t, i in zip(res, oid):
                    t._id = i
            else:
                oid = res._id = next_id()
            entry = (op, in_ids, oid, vals, out if op.save_out else None, p)
        if every:
            tape.entries.append(entry)
        else:
            # Inputs this tape does not watch are constants to it (watching later is not retroactive).
            ids = tuple(i if i in known else None for i in in_ids)
            tape.entries.append((op, ids, *entry[2:]))
        if op.multi:
            known.update(oid)
        else:
            known.add(oid)
