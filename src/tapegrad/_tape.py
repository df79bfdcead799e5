"""The tape: a list of entries addressed by integer tensor ids, and the thread-local stack of recording tapes.

An entry is a plain tuple ``(op, in_ids, out_id, in_values, out_value, params)``. ``in_values`` are the raw
arrays the op consumed (a Variable contributes its value at read time, under the Variable's own id), so later
assignments never change what the backward pass sees. ``out_value`` is kept only when the op's rule needs it.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

next_id = itertools.count(1).__next__


class _Local(threading.local):
    # Recording tapes of this thread, innermost last. A tuple: cheap to test and safe to iterate while recording.
    tapes: tuple[Tape, ...] = ()
    # Active forward accumulators (forward mode), innermost last.
    accumulators: tuple[Any, ...] = ()
    # The graph recorder of a running trace (tapegrad.compiler.trace), or None. While it is set, ``tapes`` holds it
    # too, so the dispatcher's no-tape fast path is untouched and only the recording branch looks here.
    tracer: Any = None
    # True while a tf.data function (map, filter, reduce) runs: Tensor.numpy() is refused there, as TF refuses it
    # on the symbolic tensors those functions see (``tapegrad.data``; ``py_function`` lifts it).
    symbolic: bool = False
    # One-shot hook for the next backward sweep (see ``_backprop.backward``); None almost always.
    grad_listener: Any = None


local = _Local()


class Tape:
    """One recording: what is watched (``known``), what was recorded (``entries``), which variables were read."""

    __slots__ = ("known", "entries", "persistent", "watch_accessed", "variables", "breaks", "watches", "sites",
                 "__weakref__")

    # Recorders in ``local.tapes`` are tapes (reverse mode) or forward accumulators (``forward = True``, with an
    # ``on_op(op, in_ids, values, result, out, params)`` hook and a ``known`` set of ids that carry tangents).
    forward = False

    def __init__(self, persistent: bool, watch_accessed: bool) -> None:
        self.known: set[int] = set()
        self.entries: list[tuple[Any, ...]] = []
        self.persistent = persistent
        self.watch_accessed = watch_accessed
        self.variables: dict[int, Any] = {}
        # facts for debugging.explain, logged as things happen (None until the first one)
        self.breaks: list[tuple[Any, ...]] | None = None  # ops that stopped the gradient: (in ids, op, file, line)
        self.watches: list[tuple[Any, ...]] | None = None  # watch() calls: (id, file, line, entries before)
        self.sites: tuple[Any, int] | None = None  # (code, f_lasti) where the `with` block ended

    def watch_variable(self, var: Any) -> None:
        vid = var._id
        self.known.add(vid)
        if vid not in self.variables:
            self.variables[vid] = var


def push(tape: Tape) -> None:
    local.tapes = local.tapes + (tape,)


def remove(tape: Tape) -> None:
    tapes = local.tapes
    if tapes and tapes[-1] is tape:  # the usual case: leaving the innermost tape
        local.tapes = tapes[:-1]
    else:
        local.tapes = tuple([t for t in tapes if t is not tape])


def replace(old: Tape, new: Tape) -> None:
    local.tapes = tuple(new if t is old else t for t in local.tapes)


def on_variable_read(var: Any, tapes: tuple[Tape, ...]) -> None:
    """A Variable was read while tapes record: trainable variables are auto-watched (reference §1.2)."""
    if var._trainable:
        vid = var._id
        for tape in tapes:
            if tape.watch_accessed:
                variables = tape.variables
                if vid not in variables:
                    if type(tape) is Tape:  # (watch_variable inlined: every step's first read of each variable)
                        tape.known.add(vid)
                        variables[vid] = var
                    else:
                        tape.watch_variable(var)
