"""Host calls: Python code that a compiled program runs at its place in the program, on every call.

Parts of tapegrad that are written in NumPy rather than in recorded ops (Keras optimizers' update rules, metric
states) would otherwise be frozen into a trace, or guarded on every value they read. Inside a trace they record a
host call instead:

* :func:`host_effect` — ``fn(*arrays)`` for its side effects;
* :func:`host_value` — ``fn(*arrays) -> array``, a value the rest of the graph may use;
* :func:`host_values` — ``fn(*arrays) -> tuple of arrays``, several values from one call;
* :func:`in_programs` — a decorator that makes a public op written in Python (io, lookup tables, sets) one of
  these when it is called inside a trace.

Both are stateful nodes: never dropped, merged, folded or moved, so they run in program order. Unlike
``tf.print`` (which the program runs after its last guard), a host effect runs where it was recorded: a guard that
fails after it would run it again on the retrace, so host effects belong after the data-dependent part of a step
(Keras's optimizer update and metric updates are).

Outside a trace both simply call ``fn`` now. A host call must not read Variables that ops of the same program
assign (the program writes those back at its end).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from .._registry import OpDef
from .._tape import local
from .._tensor import Tensor, make


def _host_value_fwd(F: Any, *xs: Any, fn: Callable[..., Any]) -> Any:
    return fn(*xs)


def _host_values_fwd(F: Any, *xs: Any, fn: Callable[..., Any]) -> tuple[Any, ...]:
    return tuple(fn(*xs))


def _host_effect_fwd(F: Any, *xs: Any, fn: Callable[..., Any]) -> None:
    fn(*xs)


# Stateful (graph.is_stateful): never dropped, merged, folded or moved; both run at their place in the program, so
# a host value sees the host effects recorded before it (a Keras metric's result after its update).
HOST_VALUE = OpDef("host_value", _host_value_fwd, stateful=True)
HOST_VALUES = OpDef("host_values", _host_values_fwd, stateful=True, multi=True)
HOST_EFFECT = OpDef("host_effect", _host_effect_fwd, stateful=True, multi=True)


def host_effect(fn: Callable[..., None], tensors: Sequence[Any], ran: bool = False,
                writes: Sequence[Any] = ()) -> None:
    """Run ``fn(*raw_values)`` now, or, while tracing, every time the program runs (at this point of it).
    ``ran``: the caller already ran it on the trace's values (so the program's first run, on the same values,
    skips it). ``writes``: the Variables ``fn`` updates; the program reads them again after it (a Keras optimizer's
    update inside a compiled loop is seen by the next iteration)."""
    tracer = local.tracer
    if tracer is None:
        fn(*[t._value for t in tensors])
        return
    raws = tuple(t._value for t in tensors)
    if ran:
        fn = _Once(fn, raws, None)
    else:
        tracer.unrun_effects = True  # later host values of this trace may see its effect: none is primed
    tracer.on_op(HOST_EFFECT, tuple(tensors), raws, None, (), {"fn": fn})
    for var in writes:
        tracer.written_by_host(var)


def host_value(fn: Callable[..., Any], tensors: Sequence[Any] = ()) -> Tensor:
    """``fn(*raw_values)`` as a tensor: computed now, and while tracing recomputed on every program run."""
    raws = tuple(t._value for t in tensors)
    tracer = local.tracer
    if tracer is None:
        return make(fn(*raws), tensors[0]._xp if tensors else _numpy())
    out = untraced(fn, raws)  # the trace's value (nothing is recorded while fn runs)
    res = make(out, _numpy())
    tracer.on_op(HOST_VALUE, tuple(tensors), raws, res, out, {"fn": _primed(tracer, fn, raws, out)})
    return res


def host_values(fn: Callable[..., Sequence[Any]], tensors: Sequence[Any] = ()) -> list[Tensor]:
    """``fn(*raw_values)`` (a sequence of arrays) as tensors: computed now, and while tracing recomputed on every
    program run (one call of ``fn`` gives all of them)."""
    raws = tuple(t._value for t in tensors)
    tracer = local.tracer
    if tracer is None:
        return [make(o, _numpy()) for o in fn(*raws)]
    out = tuple(untraced(fn, raws))
    res = [make(o, _numpy()) for o in out]
    tracer.on_op(HOST_VALUES, tuple(tensors), raws, res, out, {"fn": _primed(tracer, fn, raws, out)})
    return res


# -- once per call ---------------------------------------------------------------------------------------------------
# A host call that produces values runs once while the body is traced (the rest of the body computes on its result),
# and the program that trace made then runs for that same call. Without care the Python function runs twice on the
# call that traces (a counter, an iterator's next() would advance twice; TF runs it once per call). So the trace
# keeps its result, and the program's FIRST run of the node, if it gets exactly the trace's input values, returns
# that result instead of calling again. Not when a host effect the trace did not run was recorded earlier in the
# trace (a Keras metric's update before its result: the program's value must see the effect).


class _Once:
    """``fn`` whose first program call on the trace's inputs ``raws`` returns the trace's result ``out``."""

    __slots__ = ("fn", "primed")

    def __init__(self, fn: Callable[..., Any], raws: tuple[Any, ...], out: Any) -> None:
        self.fn = fn
        self.primed: tuple[Any, ...] | None = (raws, out)

    def __call__(self, *xs: Any) -> Any:
        primed = self.primed
        if primed is not None:
            self.primed = None  # the first run only: later calls are later calls
            if same_values(primed[0], xs):
                return primed[1]
        return self.fn(*xs)


def _primed(tracer: Any, fn: Callable[..., Any], raws: tuple[Any, ...], out: Any) -> Callable[..., Any]:
    return fn if getattr(tracer, "unrun_effects", False) else _Once(fn, raws, out)


def prime_slot() -> list[Any] | None:
    """For an op whose forward calls user Python (``py_function``, ``numpy_function``): while tracing, a slot (its
    ``prime`` param) for :func:`run_once`; None when not tracing or when the result could depend on an effect the
    trace did not run."""
    tracer = local.tracer
    return None if tracer is None or getattr(tracer, "unrun_effects", False) else []


def run_once(slot: list[Any] | None, vals: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, once per call: at trace time the result is kept in ``slot``; the program's first run returns
    it if its inputs ``vals`` are the trace's and no tape is recording (a tape needs the Python body to run)."""
    if slot is None:
        return compute()
    if slot:
        (raws, out), = slot
        slot.clear()
        if not local.tapes and same_values(raws, vals):
            return out
        return compute()
    out = compute()
    if local.tracer is not None:  # the trace-time run
        slot.append((vals, out))
    return out


def same_values(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """The same arrays (shape, dtype and every element; NaNs equal to NaNs)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is y:
            continue
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
            return False
    return True


def untraced(fn: Callable[..., Any], raws: tuple[Any, ...]) -> Any:
    """``fn(*raws)`` with no tape, accumulator or tracer active."""
    saved = (local.tapes, local.accumulators, local.tracer)
    local.tapes, local.accumulators, local.tracer = (), (), None
    try:
        return fn(*raws)
    finally:
        local.tapes, local.accumulators, local.tracer = saved


def _numpy() -> Any:
    from .._backend import NUMPY

    return NUMPY


_F = TypeVar("_F", bound=Callable[..., Any])


def in_programs(fn: _F | None = None, *, effect: bool = False) -> Any:
    """Decorator of an op computed in Python rather than in recorded ops (io on bytes and files, lookup tables,
    sets). Called eagerly, the op runs. Called while a ``tapegrad.function`` is traced, the call becomes a host call
    of the program: the program runs the op on every call, on that call's values (a file is read again, each call's
    bytes are decoded), as TF's kernels run in its graph; results have dynamic shapes. ``effect=True``: an op run
    for its side effect only (``write_file``, a table insert), at its place in the program; it also runs once while
    the body is traced, so that the rest of the body sees it (the program's first run then skips it if its values
    are the trace's), and must therefore be idempotent."""
    if fn is None:
        return functools.partial(in_programs, effect=effect)

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        if local.tracer is None:
            return fn(*args, **kwargs)
        return _host_call(fn, args, kwargs, effect)

    return op


def _host_call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], effect: bool) -> Any:
    """``fn(*args, **kwargs)`` recorded as a host call: its tensor arguments (composites expanded) are the call's
    inputs; its results (any nest of tensors and composites) come back as the host call's outputs."""
    from .. import nest
    from .._tensor import _TensorLike

    structure = (args, kwargs)
    flat = nest.flatten(structure, expand_composites=True)
    where = [i for i, x in enumerate(flat) if isinstance(x, _TensorLike)]
    made: list[Any] = []

    def call(*raws: Any) -> Any:
        leaves = list(flat)
        for i, raw in zip(where, raws):
            leaves[i] = make(raw, _numpy())  # an eager tensor of this call's value
        a, k = nest.pack_sequence_as(structure, leaves, expand_composites=True)
        result = fn(*a, **k)
        if effect:
            return None
        made[:] = [result]
        return tuple(o._value if isinstance(o, _TensorLike) else np.asarray(o)
                     for o in nest.flatten(result, expand_composites=True))

    tensors = [flat[i] for i in where]
    if effect:
        # now as well: the trace runs the rest of the body on values (a later read_file of the written file), and
        # the program then runs the effect at its place on every call (effects are idempotent: see in_programs)
        untraced(call, tuple(t._value for t in tensors))
        host_effect(call, tensors, ran=True)
        return None
    outs = host_values(call, tensors)
    return nest.pack_sequence_as(made[0], outs, expand_composites=True)
