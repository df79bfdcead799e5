"""The backward sweep: reverse tape order, no recursion, owns sum-to-shape, dtype casting and accumulation.

Entries were appended in execution order, so every consumer of a tensor comes after its producer: by the time
the reverse sweep reaches a producer, the gradient of its output is complete (TF's usage counts, for free).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _buffers
from ._backend import NUMPY, bias_ones, lead_only, sum_axes
from ._indexed_slices import IndexedSlices
from ._registry import NO_GRADIENT, OPS
from ._tape import local
from ._tensor import Tensor, make, make_with_id
from .ops.rule_nodes import RULE_NODE_OPS as _RULE_NODE_OPS
from .ops.rule_nodes import record as _rule_node


def _dtype_of(x: Any) -> Any:
    return x._value.dtype if type(x) is Tensor else x.dtype


def fit(F: Any, r: Any, val: Any, nb: int) -> Any:
    """Sum a rule's gradient ``r`` down to ``batch + val.shape`` and cast it to ``val``'s dtype."""
    shape = val.shape
    raw = type(r) is _nd
    rshape = r.shape if raw else F.shape(r)
    if rshape[nb:] != shape:
        if len(rshape) - nb == len(shape) or len(rshape) - nb > len(shape):
            r = F.sum_to(r, shape, nb)
        else:
            r = F.broadcast_to(r, rshape[:nb] + shape)
        raw = type(r) is _nd
    dt = val.dtype
    rdt = r.dtype if raw else _dtype_of(r)
    if rdt != dt:
        if rdt.kind == "c" and dt.kind != "c":
            r = F.real(r)  # a real input of a complex computation gets the real part (TF's convention)
        r = F.astype(r, dt)
    return r


def _kept_scalar(op: Any, r: Any) -> bool:
    """Whether rule result ``r`` is a 0-d gradient its op declares final (``defop(..., scalar_grads=True)``): handed
    back as it is instead of fitted to the input's shape. Only reached where a result would be fitted (off the hot
    path). ``py_function`` declares it: TF's EagerPyFunc gradient gives an input the body did not use a scalar 0.0."""
    return len(r.shape) == 0 and op.meta.get("scalar_grads", False)


def accumulate(a: Any, b: Any) -> Any:
    """``a + b`` for two gradients of one tensor (``a`` the one held so far, ``b`` a rule's new result).

    Large arrays are summed in place into ``a`` when it is an engine-owned cache buffer that nothing else refers
    to (checked by reference counts: a gradient passed through by a rule to two inputs, a result, a view, the
    user's output_gradients are never written into), else into a fresh cache buffer. The count of an unshared
    ``a`` depends on how :func:`backward` calls this (``prev = grads.get(i)`` then ``accumulate(prev, r)``);
    :func:`_calibrate` measures it with the same shape of code.
    """
    if a is None:
        return b
    ta = type(a)
    if ta is IndexedSlices:
        return a._sparse_add(b)
    if type(b) is IndexedSlices:
        return b._sparse_add(a)
    if ta is _nd and a.nbytes >= _LARGE and type(b) is _nd and a.shape == b.shape and a.dtype == b.dtype:
        owner = _buffers._local.owner
        base = a.base
        if base is not None and owner.get(id(base)) is base and _rc(base) == _ONE_VIEW and _rc(a) == _REFS:
            return _add(a, b, out=a)
        return _add(a, b, out=_buffers.take(a.shape, a.dtype))
    return a + b  # a fresh value: never accumulate into a buffer the engine does not own


_NEG: list[Any] = [None]


def _neg_op() -> Any:
    _NEG[0] = OPS.get("negative")  # registered when tapegrad.ops loads (after this module)
    return _NEG[0]


def subtract_into(a: Any, b: Any) -> bool:
    """``a -= b`` when ``a`` is a large engine-owned buffer nothing else refers to (same test, same calling shape
    as :func:`accumulate`) and ``b`` a dense array of its shape and dtype; False (nothing done) otherwise."""
    if type(a) is _nd and a.nbytes >= _LARGE and type(b) is _nd and a.shape == b.shape and a.dtype == b.dtype:
        base = a.base
        if (base is not None and _buffers._local.owner.get(id(base)) is base and _rc(base) == _ONE_VIEW
                and _rc(a) == _REFS):
            np.subtract(a, b, out=a)
            return True
    return False


_nd = np.ndarray
_add = np.add
_rc = _buffers._rc
_LARGE = _buffers.LARGE
_ONE_VIEW = _buffers._FREE_ONE_VIEW
_REFS = -1  # calibrated below: the reference count of an unshared held gradient, seen from accumulate


def _accumulate_refs(a: Any, b: Any) -> int:
    # mirrors accumulate's frame: the held gradient as a parameter, counted by getrefcount
    return _rc(a)


def _calibrate() -> int:
    """The count of an unshared held gradient (in ``grads`` and the sweep's ``prev``), as backward calls
    accumulate."""
    grads = {1: _buffers.take((_LARGE // 8,), np.dtype(np.float64))}
    r = None
    prev = grads.get(1)
    return _accumulate_refs(prev, r)


_REFS = _calibrate() if _buffers.ENABLED else -1
_buffers.clear()


_NEED1 = (True,)
_NEED2 = ((None, (False, True)), ((True, False), (True, True)))  # [needs first][needs second]
# the same for an entry the sweep has popped: equal tuples, other objects (see _buffers.CONSUMED)
_NEED1C = tuple([True])
_NEED2C = ((None, tuple([False, True])), (tuple([True, False]), tuple([True, True])))
_buffers.CONSUMED.update(map(id, (_NEED1C, _NEED2C[0][1], _NEED2C[1][0], _NEED2C[1][1])))


def backward(entries: list[tuple[Any, ...]], consume: bool, seeds: dict[int, Any], source_ids: set[int],
             xp: Any, nb: int = 0, float_sources: set[int] | None = None) -> tuple[dict[int, Any], bool]:
    """Propagate ``seeds`` (id → raw array or Tensor) back through ``entries``.

    Returns the gradients of ``source_ids`` (absent = unconnected) and whether they are Tensors recorded on an
    outer tape (``diff`` mode) rather than raw arrays. ``consume`` pops the entries as the sweep passes them,
    freeing each entry's saved arrays at once (non-persistent tapes); the rules are then told so (``needs`` is
    one of the ``_buffers.CONSUMED`` tuples) and may reuse a large saved array that nothing else holds as their
    output buffer (``_buffers.spare``). ``float_sources`` (default: all sources) are the sources a gradient may
    flow into; integer sources only ever get their own seed.
    """
    tracer = local.tracer
    if tracer is not None:
        log = getattr(tracer, "shapelog", None)
        if log is not None and not log.depth:
            # a sweep a generic trace cannot rebuild for other shapes (not run by GradientTape.gradient/jacobian)
            log.refuse("gradients computed outside GradientTape.gradient/jacobian")
    # Which ids depend on a differentiable source: gradients into other ids are never computed. Integer and bool
    # tensors never become outputs of recorded ops, so starting from the float sources keeps them out entirely.
    reach = set(source_ids if float_sources is None else float_sources)
    add = reach.add
    disjoint = reach.isdisjoint
    for e in entries:
        if not disjoint(e[1]):
            o = e[2]
            if type(o) is tuple:
                reach.update([i for i in o if i is not None])
            else:
                add(o)
    if not nb and local.grad_listener is None and (
            not local.tapes or (tracer is None and not _recording_wants(reach, seeds))):
        # the everyday sweep: raw arrays, no batch axes, nothing recording or listening
        return _sweep_raw(entries, consume, _raw_grads(seeds), source_ids, reach, xp), False
    # a trace (tapegrad.compiler) records the sweep as graph nodes: rules run on the differentiable namespace
    diff = (local.tracer is not None or _recording_wants(reach, seeds)) if local.tapes else False
    # only a trace records this sweep (no tape differentiates the gradient): fast rules become one node each
    rule_nodes = diff and local.tracer is not None and not _recording_wants(reach, seeds)
    if diff:
        from .ops._diffns import DIFF

        F: Any = DIFF
        grads = {k: (v if type(v) is Tensor else make(v, xp)) for k, v in seeds.items()}
    else:
        F = xp
        grads = _raw_grads(seeds)
    results: dict[int, Any] = {}
    # ``local.grad_listener(entries, source_ids, grads, results, diff)`` (set by tapegrad.distributed, consumed here)
    # may return ``watch(k)``, called before entry ``k`` is processed: every entry after ``k`` is then done, which
    # lets it act on sources whose gradients are final (e.g. start their reduction) while the sweep goes on.
    watch = None
    if local.grad_listener is not None:
        listener, local.grad_listener = local.grad_listener, None
        watch = listener(entries, source_ids, grads, results, diff)
    general = diff or nb  # rule results go through fit() (batch axes, Tensors); else only when shapes differ
    neg = _NEG[0] or _neg_op()
    pop = entries.pop
    need1 = _NEED1C if consume else _NEED1
    need2 = _NEED2C if consume else _NEED2
    for k in range(len(entries) - 1, -1, -1):
        if watch is not None:
            watch(k)
        e = pop() if consume else entries[k]
        oid = e[2]
        if type(oid) is tuple:
            g = _multi_upstream(F, grads, oid, e[4], source_ids, results, xp, diff, e[0].meta.get("none_upstreams"))
            if g is None:
                continue
        else:
            g = grads.pop(oid, None)
            if g is None:
                continue
            if oid in source_ids:
                results[oid] = g
        op, in_ids, _, ins, out, p = e
        n = len(in_ids)
        if n == 1:
            if in_ids[0] not in reach:
                continue
            needs: tuple[bool, ...] = need1
        elif n == 2:
            n0 = in_ids[0] in reach
            n1 = in_ids[1] in reach
            if not (n0 or n1):
                continue
            needs = need2[n0][n1]
        else:
            needs = tuple([i in reach for i in in_ids])
            if True not in needs:
                continue
        if type(g) is IndexedSlices:
            g = g._densify(diff)  # a gathered intermediate (not a source): rules take dense upstreams
        if op is neg and not general:
            # -g added to a gradient already held: subtract g from it instead (one pass, not a negation and an
            # addition; a + (-b) is a - b exactly)
            prev = grads.get(in_ids[0])  # (the in-place test counts these references: see _calibrate)
            if prev is not None and subtract_into(prev, g):
                continue
        vjp = op.vjp
        if vjp is NO_GRADIENT:
            raise LookupError(
                f"gradient registry has no entry for: {op.name} — tapegrad cannot differentiate '{op.name}'. "
                "Wrap it in tapegrad.stop_gradient(...) if no gradient should flow through it."
            )
        if diff:
            rs = None
            tr = local.tracer
            scope = tr.enter_rule(op, oid) if tr is not None else None  # (TF's names of the gradient's nodes)
            if rule_nodes and op.name in _RULE_NODE_OPS:
                rs = _rule_node(op, g, ins, in_ids, out, oid, p, needs, xp)
            if rs is None:
                rs = vjp(F, g, _wrap_ins(ins, getattr(in_ids, "real", in_ids), xp), _wrap_out(out, oid, xp), p,
                         needs)
            if tr is not None:
                tr.grad_scope = scope
        else:
            rs = vjp(F, g, ins, out, p, needs)
        if n == 1:  # the common one-input case without the zip (hot for long chains of small ops)
            r = rs[0]
            if r is None:
                continue
            v = ins[0]
            if general:
                if type(r) is not IndexedSlices and not _kept_scalar(op, r):
                    r = fit(F, r, v, nb)
            elif (r.shape != v.shape or r.dtype != v.dtype) and type(r) is not IndexedSlices \
                    and not _kept_scalar(op, r):
                r = fit(F, r, v, 0)
            i = in_ids[0]
            prev = grads.get(i)  # (accumulate's in-place test counts these references: see _calibrate)
            grads[i] = r if prev is None else accumulate(prev, r)
            r = rs = prev = None  # (no stale references: the next entry may accumulate into r in place)
            continue
        if n == 2 and not general:  # the two-input case unrolled (binary ops, matmul, losses), as above
            r = rs[0]
            if r is not None and needs[0]:
                v = ins[0]
                if (r.shape != v.shape or r.dtype != v.dtype) and type(r) is not IndexedSlices \
                        and not _kept_scalar(op, r):
                    r = fit(F, r, v, 0)
                i = in_ids[0]
                prev = grads.get(i)  # (accumulate's in-place test counts these references: see _calibrate)
                grads[i] = r if prev is None else accumulate(prev, r)
            r = rs[1]
            if r is not None and needs[1]:
                v = ins[1]
                if (r.shape != v.shape or r.dtype != v.dtype) and type(r) is not IndexedSlices \
                        and not _kept_scalar(op, r):
                    r = fit(F, r, v, 0)
                i = in_ids[1]
                prev = grads.get(i)
                grads[i] = r if prev is None else accumulate(prev, r)
            r = rs = prev = None
            continue
        for i, r, need, v in zip(in_ids, rs, needs, ins):
            if not need or r is None:
                continue
            if general:
                if type(r) is not IndexedSlices and not _kept_scalar(op, r):
                    r = fit(F, r, v, nb)
            elif (r.shape != v.shape or r.dtype != v.dtype) and type(r) is not IndexedSlices \
                    and not _kept_scalar(op, r):
                r = fit(F, r, v, 0)
            prev = grads.get(i)  # (accumulate's in-place test counts these references: see _calibrate)
            grads[i] = r if prev is None else accumulate(prev, r)
        r = rs = prev = None  # (no stale references: the next entry may accumulate into r in place)
    if watch is not None:
        watch(-1)
    for sid in source_ids:
        if sid not in results and sid in grads:
            results[sid] = grads[sid]
    return results, diff


def _raw_grads(seeds: dict[int, Any]) -> dict[int, Any]:
    """The seeds as raw arrays, keyed by target id: the gradient dict a raw-array sweep starts from."""
    if len(seeds) == 1:  # one target (the usual loss): no comprehension frame
        ((k, v),) = seeds.items()
        return {k: v._value if type(v) is Tensor else v}
    return {k: (v._value if type(v) is Tensor else v) for k, v in seeds.items()}


def sweep_tape(tape: Any, tid: int, seed: Any, source_ids: set[int], float_ids: set[int], xp: Any) -> Any:
    """The gradients of one raw ``seed`` (for target ``tid``) through ``tape``, when :func:`backward`'s reachability
    pass can be skipped: no watch() call and every variable the tape watches is a float source (a training step's
    ``gradient(loss, model.trainable_variables)``). The tape's ``known`` set is then exactly the set of ids that
    depend on a source (it holds the watched roots and the outputs of every entry with a known input), i.e. the
    ``reach`` that pass would compute. Only outside any recording (no tape, trace or listener: a raw sweep).
    Returns the results dict, or None where this does not apply (the caller then runs :func:`backward`)."""
    if local.tapes or local.grad_listener is not None or tape.watches is not None \
            or not tape.variables.keys() <= float_ids:
        return None
    return _sweep_raw(tape.entries, not tape.persistent, {tid: seed}, source_ids, tape.known, xp)


def _sweep_raw(entries: list[tuple[Any, ...]], consume: bool, grads: dict[int, Any], source_ids: set[int],
               reach: Any, xp: Any) -> dict[int, Any]:
    """:func:`backward`'s loop for the everyday case: rules on raw arrays (no tape records the sweep), no batch
    axes, no listener. The same steps as the general loop, written for the fewest Python operations per entry:
    every tape entry of a training step passes here (~1 µs of bookkeeping each), so each lookup counts.

    The references it holds (``e``, ``ins``, ``g``, ``prev``) are the ones the in-place tests of
    :func:`accumulate` and of the rules (``_buffers.spare``/``sole``) count on: keep them as they are.

    ``grads`` (id → raw array: the seeds; the sweep's working table) and ``reach`` (the ids a gradient may flow
    into) are the caller's; see :func:`sweep_tape` for the case where ``reach`` is the tape's ``known`` set.
    """
    results: dict[int, Any] = {}
    gpop = grads.pop
    gget = grads.get
    neg = _NEG[0] or _neg_op()
    pop = entries.pop
    need1 = _NEED1C if consume else _NEED1
    need2 = _NEED2C if consume else _NEED2
    need_x, need_y = need2[1], need2[0][1]  # [needs y] with x needed; y only
    for k in range(len(entries) - 1, -1, -1):
        e = pop() if consume else entries[k]
        op, in_ids, oid, ins, out, p = e
        if type(oid) is tuple:
            g = _multi_upstream(xp, grads, oid, out, source_ids, results, xp, False, op.meta.get("none_upstreams"))
            if g is None:
                continue
        else:
            g = gpop(oid, None)
            if type(g) is not _nd:  # (one test for the usual case, an array)
                if g is None:
                    continue
                if oid in source_ids:
                    results[oid] = g
                if type(g) is IndexedSlices:
                    g = g._densify(False)  # a gathered intermediate (not a source): rules take dense upstreams
            elif oid in source_ids:
                results[oid] = g
        n = len(in_ids)
        if n == 2:
            i0, i1 = in_ids
            n0 = i0 in reach
            n1 = i1 in reach
            if n0:
                needs: tuple[bool, ...] = need_x[n1]
            elif n1:
                needs = need_y
            else:
                continue
            vjp = op.vjp
            if vjp is NO_GRADIENT:
                _no_gradient(op)
            rs = vjp(xp, g, ins, out, p, needs)
            r = rs[0]
            if r is not None and n0:
                v = ins[0]
                if r.shape != v.shape or r.dtype is not v.dtype:
                    r = _fit_raw(op, r, v, xp)
                prev = gget(i0)  # (accumulate's in-place test counts these references: see _calibrate)
                grads[i0] = r if prev is None else accumulate(prev, r)
            r = rs[1]
            if r is not None and n1:
                v = ins[1]
                if r.shape != v.shape or r.dtype is not v.dtype:
                    r = _fit_raw(op, r, v, xp)
                prev = gget(i1)
                grads[i1] = r if prev is None else accumulate(prev, r)
            r = rs = prev = None  # (no stale references: the next entry may accumulate into r in place)
            continue
        if n == 1:
            i0 = in_ids[0]
            if i0 not in reach:
                continue
            if op is neg:
                # -g added to a gradient already held: subtract g from it instead (one pass, not a negation and
                # an addition; a + (-b) is a - b exactly)
                prev = gget(i0)  # (the in-place test counts these references: see _calibrate)
                if prev is not None and subtract_into(prev, g):
                    continue
            vjp = op.vjp
            if vjp is NO_GRADIENT:
                _no_gradient(op)
            r = vjp(xp, g, ins, out, p, need1)[0]
            if r is None:
                continue
            v = ins[0]
            if r.shape != v.shape or r.dtype is not v.dtype:
                r = _fit_raw(op, r, v, xp)
            prev = gget(i0)  # (accumulate's in-place test counts these references: see _calibrate)
            grads[i0] = r if prev is None else accumulate(prev, r)
            r = prev = None
            continue
        needs = tuple([i in reach for i in in_ids])
        if True not in needs:
            continue
        vjp = op.vjp
        if vjp is NO_GRADIENT:
            _no_gradient(op)
        rs = vjp(xp, g, ins, out, p, needs)
        for i, r, need, v in zip(in_ids, rs, needs, ins):
            if not need or r is None:
                continue
            if r.shape != v.shape or r.dtype is not v.dtype:
                r = _fit_raw(op, r, v, xp)
            prev = gget(i)  # (accumulate's in-place test counts these references: see _calibrate)
            grads[i] = r if prev is None else accumulate(prev, r)
        r = rs = prev = None  # (no stale references: the next entry may accumulate into r in place)
    for sid in source_ids:
        if sid not in results and sid in grads:
            results[sid] = grads[sid]
    return results


def _fit_raw(op: Any, r: Any, v: Any, xp: Any) -> Any:
    """A raw rule result ``r`` whose shape or dtype object differs from input ``v``'s, fitted to it (sum to shape,
    cast); IndexedSlices and the 0-d gradients an op declares final are kept as they are."""
    if type(r) is _nd:
        dt = r.dtype
        vdt = v.dtype
        if dt is vdt or dt == vdt:
            rs = r.shape
            vs = v.shape
            if rs == vs:  # an equal dtype that is another object
                return r
            if len(rs) > len(vs):  # a broadcast input (a bias): fit()'s sum, without its other cases
                if xp is NUMPY:
                    plan = _LEAD_SUMS.get((rs, vs, dt))
                    if plan is None:
                        plan = _lead_sum_plan(rs, vs, dt)
                    if plan is not False:  # what sum_to computes for it, without its per-call checks
                        if plan[1] is not None and r.flags.c_contiguous:
                            return _matmul(plan[1], r)
                        return _add_reduce(r, plan[0])
                return xp.sum_to(r, vs, 0)
    if type(r) is IndexedSlices or _kept_scalar(op, r):
        return r
    return fit(xp, r, v, 0)


# (result shape, input shape, dtype) -> how _backend.sum_to sums a result broadcast over leading axes only (a bias's
# gradient): (axes, ones) with ``ones`` the vector of its BLAS column sums where sum_to uses them (else None); False
# where sum_to does more (inner broadcast axes). Bounded like sum_to's own caches.
_LEAD_SUMS: dict[tuple[Any, ...], Any] = {}
_matmul = np.matmul
_add_reduce = np.add.reduce


def _lead_sum_plan(rs: tuple[int, ...], vs: tuple[int, ...], dt: Any) -> Any:
    if len(_LEAD_SUMS) > 256:
        _LEAD_SUMS.clear()
    axes = sum_axes(rs, vs, 0)
    # sum_to's own decisions, made once per shape (its contiguity test stays per call)
    plan = (axes, bias_ones(rs, axes, dt)) if dt.kind in "fcV" and lead_only(rs, vs, 0) else False
    _LEAD_SUMS[(rs, vs, dt)] = plan
    return plan


def _no_gradient(op: Any) -> None:
    raise LookupError(
        f"gradient registry has no entry for: {op.name} — tapegrad cannot differentiate '{op.name}'. "
        "Wrap it in tapegrad.stop_gradient(...) if no gradient should flow through it."
    )


def _wrap_ins(ins: tuple[Any, ...], in_ids: tuple[Any, ...], xp: Any) -> tuple[Any, ...]:
    """Saved inputs as Tensors carrying their tape ids (so an outer tape connects them); Python scalars
    (kept raw by the binary fast path) become constants of their partner's dtype."""
    like = next((v for v in ins if hasattr(v, "dtype")), None)
    return tuple([make_with_id(v if hasattr(v, "dtype") else xp.asarray(v, dtype=like.dtype), xp, i)
                  for v, i in zip(ins, in_ids)])


def _wrap_out(out: Any, oid: Any, xp: Any) -> Any:
    if out is None:
        return None
    if type(oid) is tuple:
        return [make_with_id(v, xp, i) for v, i in zip(out, oid)]
    return make_with_id(out, xp, oid)


def _multi_upstream(F: Any, grads: dict[int, Any], oid: tuple[int, ...], out: Any, source_ids: set[int],
                    results: dict[int, Any], xp: Any, diff: bool, keep_none: bool = False) -> Any:
    """The tuple of upstreams of a multi-output entry (zeros for unused outputs, None with ``keep_none``: a rule
    that tells connected from unconnected sources by them), or None if none has one."""
    gs = [grads.pop(o, None) for o in oid]
    if all(g is None for g in gs):
        return None
    for o, g in zip(oid, gs):
        if o in source_ids and g is not None:
            results[o] = g
    gs = [g._densify(diff) if type(g) is IndexedSlices else g for g in gs]
    if keep_none:
        return tuple(gs)
    # unused outputs get zeros, with the leading (Jacobian) batch axes of the upstreams that are present
    k = next(i for i, g in enumerate(gs) if g is not None)
    nb = len(F.shape(gs[k])) - len(out[k].shape)
    batch = tuple(F.shape(gs[k])[:nb])
    return tuple(g if g is not None else _zeros(F, batch + tuple(v.shape), v.dtype, xp, diff)
                 for g, v in zip(gs, out))


def _zeros(F: Any, shape: tuple[int, ...], dtype: Any, xp: Any, diff: bool) -> Any:
    z = xp.zeros(shape, dtype=dtype)
    return make(z, xp) if diff else z


def _recording_wants(reach: set[int], seeds: dict[int, Any]) -> bool:
    """Record the backward pass only if an active tape watches something it touches (higher-order use)."""
    tapes = local.tapes
    if not tapes:
        return False
    seed_ids = {v._id for v in seeds.values() if type(v) is Tensor and v._id is not None}
    for t in tapes:
        if not t.known.isdisjoint(reach) or not t.known.isdisjoint(seed_ids):
            return True
    return False
