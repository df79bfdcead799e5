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


def host_effect(fn: Callable[..., None], tensors: Sequence[Any]) -> None:
    """Run ``fn(*raw_values)`` now, or, while tracing, every time the program runs (at this point of it)."""
    tracer = local.tracer
    if tracer is None:
        fn(*[t._value for t in tensors])
        return
    tracer.on_op(HOST_EFFECT, tuple(tensors), tuple(t._value for t in tensors), None, (), {"fn": fn})


def host_value(fn: Callable[..., Any], tensors: Sequence[Any] = ()) -> Tensor:
    """``fn(*raw_values)`` as a tensor: computed now, and while tracing recomputed on every program run."""
    raws = tuple(t._value for t in tensors)
    tracer = local.tracer
    if tracer is None:
        return make(fn(*raws), tensors[0]._xp if tensors else _numpy())
    out = untraced(fn, raws)  # the trace's value (nothing is recorded while fn runs)
    res = make(out, _numpy())
    tracer.on_op(HOST_VALUE, tuple(tensors), raws, res, out, {"fn": fn})
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
    tracer.on_op(HOST_VALUES, tuple(tensors), raws, res, out, {"fn": fn})
    return res


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
    the body is traced, so that the rest of the body sees it, and must therefore be idempotent."""
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
        host_effect(call, tensors)
        return None
    outs = host_values(call, tensors)
    return nest.pack_sequence_as(made[0], outs, expand_composites=True)
