"""``GradientTape`` with TensorFlow 2's semantics (reference §1) and ``UnconnectedGradients``."""

from __future__ import annotations

import contextlib
import enum
import math
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _nest, _tape
from ._backend import NUMPY
from ._backprop import backward, sweep_tape
from ._dispatch import apply1
from ._logging import warn_limited
from ._tape import local
from ._tensor import Tensor, Variable, _TensorLike, array_of, constant_value, ensure_id, make
from .ops.joining import concat, stack
from .ops.shape_ops import RESHAPE, TRANSPOSE

__all__ = ["GradientTape", "UnconnectedGradients"]

_nd = np.ndarray
_new = object.__new__
_ONES: dict[Any, Any] = {}  # dtype -> NumPy scalar 1 (immutable: one per dtype serves every scalar target's seed)


def _one(dtype: Any) -> Any:
    one = _ONES.get(dtype)
    if one is None:
        one = _ONES[dtype] = dtype.type(1)
    return one


# Set by tapegrad.compiler.shapes: while a trace of a signature with None dims runs, tape use is recorded so that the
# trace can be replayed for other shapes (gradients rebuilt by the engine at each shape). None otherwise.
_trace_hook: Any = None
_PASS = object()


def _traced(kind: str, tape: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> Any:
    return _trace_hook(kind, tape, args, kwargs or {})


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on: ``None`` or zeros.

    >>> import tapegrad as tf
    >>> tf.UnconnectedGradients("zero")
    <UnconnectedGradients.ZERO: 'zero'>
    """

    NONE = "none"
    ZERO = "zero"


def _parse_unconnected(value: Any) -> UnconnectedGradients:
    if isinstance(value, UnconnectedGradients):
        return value
    if value == "none":
        return UnconnectedGradients.NONE
    if value == "zero":
        return UnconnectedGradients.ZERO
    raise ValueError(
        f"Unknown value for unconnected_gradients: {value!r}. Use tapegrad.UnconnectedGradients.NONE / .ZERO "
        "or the strings 'none' / 'zero'."
    )


_REUSE_MSG = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians){detail}. "
    "Either create the tape with "
    "tapegrad.GradientTape(persistent=True) (and `del tape` when done), or ask for all gradients in one call, "
    "e.g. tape.gradient(z, [x, y])."
)

_PERSISTENT_INSIDE_MSG = (
    "Calling GradientTape.gradient on a persistent tape inside its context is significantly less efficient than "
    "calling it outside the context: the gradient ops are recorded on the tape, using more CPU and memory. Call "
    "it inside the context only to compute higher-order derivatives."
)


def _check_watchable(x: Any) -> None:
    if not isinstance(x, _TensorLike):
        raise ValueError(
            f"GradientTape.watch: passed in object {x!r} of type {type(x).__name__!r}, not a tapegrad.Tensor or "
            "tapegrad.Variable. Convert it first, e.g. x = tapegrad.constant(x), then watch x and use x in the "
            "computation."
        )


class GradientTape:
    """Record operations for automatic differentiation (``tf.GradientTape``).

    Operations run inside ``with GradientTape() as tape:`` are recorded if they touch a watched tensor: a tensor
    passed to :meth:`watch`, a trainable Variable read inside the block, or the output of a recorded op.

    >>> import tapegrad as tf
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as g:
    ...     g.watch(x)
    ...     y = x * x
    >>> print(g.gradient(y, x))
    tapegrad.Tensor(6.0, shape=(), dtype=float32)

    A non-persistent tape (the default) releases its recording after one ``gradient``/``jacobian`` call; use
    ``persistent=True`` for several calls. Nested tapes give higher derivatives.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._tape: _tape.Tape | None = None
        self._recording = False
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._watched_variables: dict[int, Variable] = {}  # snapshot kept after a non-persistent gradient()
        self._used = False  # a non-persistent gradient/jacobian call released the recording

    # -- state machine (reference §1.1) ------------------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        if self._recording:
            raise ValueError(
                "Tape is still recording: this GradientTape is already active, and a tape cannot be entered twice "
                "at once. Use a second GradientTape for nested recording."
            )
        tape = self._tape
        if tape is None:
            tape = self._tape = _tape.Tape(self._persistent, self._watch_accessed_variables)
            self._used = False
        local.tapes += (tape,)  # (_tape.push inlined: a training step enters one tape per step)
        self._recording = True
        if _trace_hook is not None and local.tracer is not None:
            _traced("enter", self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._recording:
            if _trace_hook is not None and local.tracer is not None:
                _traced("exit", self)
            tape = self._tape
            tapes = local.tapes
            if tapes and tapes[-1] is tape:  # leaving the innermost tape: _stop's steps inlined
                local.tapes = tapes[:-1]
                self._recording = False
            else:
                self._stop()
            f = sys._getframe(1)  # where the `with` block ended (quoted by debugging.explain, which finds the line:
            tape.sites = (f.f_code, f.f_lasti)  # f_lineno costs a search of the line table on every step)

    def _stop(self) -> None:
        if self._tape is not None:
            _tape.remove(self._tape)
        self._recording = False

    # -- watching ---------------------------------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Watch a Tensor, a Variable, or any nest of them, so that ops on them are recorded."""
        if self._tape is None:
            raise AttributeError(
                "GradientTape.watch() called on a tape that is not active: enter it first "
                "(`with tapegrad.GradientTape() as tape: tape.watch(x)`), or after a non-persistent gradient() "
                "call, use a new tape."
            )
        if _trace_hook is not None and local.tracer is not None:
            _traced("watch", self, (tensor,))
        for t in _nest.flatten(tensor):
            t = getattr(t, "flat_values", t)  # a RaggedTensor: its flat values
            _check_watchable(t)
            dt = t._value.dtype
            if dt.kind not in "fcV":
                warn_limited(
                    "watch", 5,
                    f"The dtype of the watched tensor must be floating (e.g. tapegrad.float32), got "
                    f"tapegrad.{t.dtype.name}: gradients with respect to it will be None. Cast it first, e.g. "
                    f"x = tapegrad.cast(x, tapegrad.float32).",
                )
            if type(t) is Variable:
                self._tape.watch_variable(t)
            elif type(getattr(t, "_var", None)) is Variable:  # a Keras variable: watch the Variable it wraps
                self._tape.watch_variable(t._var)
            else:
                self._tape.known.add(ensure_id(t))
            log = self._tape.watches  # where watch() was called, after how many recorded ops (debugging.explain)
            if log is None:
                log = self._tape.watches = []
            if len(log) < 64:
                f = sys._getframe(1)
                log.append((t._id, f.f_code.co_filename, f.f_lineno, len(self._tape.entries)))

    def watched_variables(self) -> tuple[Variable, ...]:
        """The variables this tape watched, in creation order."""
        variables = self._watched_variables if self._tape is None else self._tape.variables
        return tuple(sorted(variables.values(), key=lambda v: v._id))

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Temporarily stop recording: ops inside ``with tape.stop_recording():`` are invisible to this tape."""
        if self._tape is None:
            raise RuntimeError("Trying to stop recording a tape which is not recording: enter the tape first.")
        if not self._recording:
            raise ValueError("Tape is not recording: stop_recording() works only inside the tape's `with` block.")
        if _trace_hook is not None and local.tracer is not None:
            _traced("stop", self)
        self._stop()
        try:
            yield
        finally:
            _tape.push(self._tape)
            self._recording = True
            if _trace_hook is not None and local.tracer is not None:
                _traced("resume", self)

    def reset(self) -> None:
        """Discard everything recorded and watched so far and start a fresh recording (inside the context)."""
        if not self._recording or self._tape is None:
            raise ValueError("Tape is not recording: reset() works only inside the tape's `with` block.")
        new = _tape.Tape(self._persistent, self._watch_accessed_variables)
        _tape.replace(self._tape, new)
        self._tape = new
        if _trace_hook is not None and local.tracer is not None:
            _traced("reset", self)

    # -- gradients --------------------------------------------------------------------------------------------
    def _begin_use(self) -> _tape.Tape:
        if self._tape is None:
            detail = (": its recording was released by the first call" if self._used
                      else ": this tape has no recording (it was never entered with `with`)")
            raise RuntimeError(_REUSE_MSG.format(detail=detail))
        tape = self._tape
        if self._recording:
            if not self._persistent:
                self._stop()  # TF: recording stops silently; later ops in the block are not recorded
            else:
                warn_limited("persistent_inside", 1, _PERSISTENT_INSIDE_MSG)
        return tape

    def _end_use(self) -> None:
        if not self._persistent:
            self._watched_variables = self._tape.variables if self._tape is not None else {}
            self._tape = None
            self._used = True

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """Gradient of the sum of ``target`` (a tensor or nest) with respect to ``sources`` (a tensor or nest).

        The result has the structure of ``sources`` and each gradient the source's dtype and shape; unconnected
        sources give ``None`` (or zeros with ``unconnected_gradients='zero'``). ``output_gradients`` seeds the
        targets positionally (default: ones).

        >>> import tapegrad as tf
        >>> x, y = tf.Variable(2.0), tf.Variable(3.0)
        >>> with tf.GradientTape() as tape:
        ...     z = x * y ** 2
        >>> [float(g) for g in tape.gradient(z, [x, y])]
        [9.0, 12.0]

        ``unconnected_gradients="explain"`` (a tapegrad extension) returns what ``"none"`` returns and warns
        (``tapegrad.debugging.UnconnectedGradientWarning``) with the reason and the fix for every None gradient.
        """
        if _trace_hook is not None and local.tracer is not None:
            r = _traced("gradient", self, (target, sources),
                        {"output_gradients": output_gradients, "unconnected_gradients": unconnected_gradients})
            if r is not _PASS:
                return r
        if unconnected_gradients is not UnconnectedGradients.NONE and unconnected_gradients == "explain":
            from .debugging import _gradient_explained

            return _gradient_explained(self, target, sources, output_gradients)
        tape = self._begin_use()
        try:
            if (output_gradients is None and unconnected_gradients is UnconnectedGradients.NONE
                    and type(target) is Tensor and (type(sources) is Variable or type(sources) is Tensor)):
                return self._gradient_one(tape, target, sources)
            if (output_gradients is None and unconnected_gradients is UnconnectedGradients.NONE
                    and type(target) is Tensor and (type(sources) is list or type(sources) is tuple)):
                out = self._gradient_list(tape, target, sources)
                if out is not None:
                    return out
            return self._gradient(tape, target, sources, output_gradients, unconnected_gradients)
        finally:
            self._end_use()

    def _gradient_one(self, tape: _tape.Tape, target: Tensor, source: Any) -> Any:
        """The common case, one tensor target and one source, without the nest and seed machinery."""
        v = target._value
        if v.dtype.kind not in "fcV":
            return self._gradient(tape, target, source, None, UnconnectedGradients.NONE)
        xp = target._xp
        tid = target._id
        if tid is None:
            tid = ensure_id(target)
        sid = source._id
        if sid is None:
            sid = ensure_id(source)
        seed = _one(v.dtype) if v.ndim == 0 and xp is NUMPY else xp.ones(v.shape, dtype=v.dtype)
        src = {sid}
        fsrc = src if source._value.dtype.kind in "fcV" else set()
        results = sweep_tape(tape, tid, seed, src, fsrc, xp)
        diff = False
        if results is None:
            results, diff = backward(tape.entries, not tape.persistent, {tid: seed}, src, xp, 0, fsrc)
        g = results.get(sid)
        if g is None or diff or type(g) is Tensor or type(g).__name__ == "IndexedSlices":
            return g
        return make(g, source._xp)

    def _gradient_list(self, tape: _tape.Tape, target: Tensor, sources: list[Any] | tuple[Any, ...]) -> Any:
        """One float tensor target and a flat list (or tuple) of tensors (a model's variables): what
        :meth:`_gradient` does for them, without its generality. None (nothing done) for anything else."""
        v = target._value
        if v.dtype.kind not in "fcV":
            return None
        # one pass over the sources for both id sets (a training step's fixed cost: no comprehension frames; plain
        # loops measured cheaper here than map/attrgetter pipelines over a model's few variables)
        source_ids = set()
        float_ids = set()
        for s in sources:
            ts = type(s)
            if ts is not Variable and ts is not Tensor:
                return None
            sid = s._id
            if sid is None:
                sid = ensure_id(s)
            source_ids.add(sid)
            if s._value.dtype.kind in "fcV":
                float_ids.add(sid)
        xp = target._xp
        tid = target._id
        if tid is None:
            tid = ensure_id(target)
        seed = _one(v.dtype) if v.ndim == 0 and xp is NUMPY else xp.ones(v.shape, dtype=v.dtype)
        results = sweep_tape(tape, tid, seed, source_ids, float_ids, xp)
        traced = diff = False  # (sweep_tape runs only outside any recorder, a trace's included)
        if results is None:
            results, diff = backward(tape.entries, not tape.persistent, {tid: seed}, source_ids, xp, 0, float_ids)
            traced = local.tracer is not None
        get = results.get
        out = []
        if diff or traced:
            for s in sources:
                g = get(s._id)
                if g is not None and not diff and type(g) is not Tensor and type(g).__name__ != "IndexedSlices":
                    g = make(g, s._xp)
                out.append(g)
        else:  # raw arrays (or IndexedSlices) to wrap: make()'s steps without its tracer test
            for s in sources:
                g = get(s._id)
                if type(g) is _nd:
                    t = _new(Tensor)
                    t._value = g
                    t._xp = s._xp
                    t._id = None
                    g = t
                elif g is not None and type(g) is not Tensor and type(g).__name__ != "IndexedSlices":
                    g = make(g, s._xp)
                out.append(g)
        return out if type(sources) is list else tuple(out)

    def _gradient(self, tape: _tape.Tape, target: Any, sources: Any, output_gradients: Any,
                  unconnected_gradients: Any) -> Any:
        unconnected = (unconnected_gradients if unconnected_gradients is UnconnectedGradients.NONE
                       else _parse_unconnected(unconnected_gradients))
        tt, st = type(target), type(sources)
        single = (tt is Tensor or tt is Variable) and (st is Tensor or st is Variable)
        flat = False
        if (st is list or st is tuple) and (tt is Tensor or tt is Variable):
            flat = True  # a plain list or tuple of tensors (model variables): no nest machinery either
            for s in sources:
                ts = type(s)
                if ts is not Tensor and ts is not Variable:
                    flat = False
                    break
        if single:  # the common case: no nests to flatten or rebuild
            flat_targets, flat_sources = [target], [sources]
        elif flat:
            flat_targets, flat_sources = [target], sources
        else:
            if target is None:
                raise TypeError(
                    "GradientTape.gradient: argument `target` should be a tensor or a nest of tensors to "
                    "differentiate, but received None."
                )
            # a RaggedTensor target is the sum of its flat values (as in TF)
            flat_targets = [getattr(t, "flat_values", t) for t in _nest.flatten(target)]
            ragged_sources = _nest.flatten(sources)
            flat_sources = [getattr(s, "flat_values", s) for s in ragged_sources]  # ragged: by its flat values
            for s in flat_sources:
                if s is None:
                    raise TypeError("GradientTape.gradient: a source is None; sources must be tensors or variables.")
                if not isinstance(s, _TensorLike):
                    raise AttributeError(
                        f"GradientTape.gradient: source {s!r} of type {type(s).__name__!r} is not a tapegrad.Tensor "
                        "or Variable (it has no 'dtype'). Pass the variables themselves, e.g. "
                        "model.trainable_variables."
                    )
        flat_grads = [] if output_gradients is None else [getattr(g, "flat_values", g)
                                                          for g in _nest.flatten(output_gradients)]
        source_ids = {ensure_id(s) for s in flat_sources}
        seeds = _seeds(flat_targets, flat_grads, source_ids)
        results: dict[int, Any] = {}
        diff = False
        if seeds:
            float_ids = {s._id for s in flat_sources if s._value.dtype.kind in "fcV"}
            xp = next(iter(seeds.values()))._xp
            results, diff = backward(tape.entries, not tape.persistent, seeds, source_ids, xp, 0, float_ids)
        out = []
        for s in flat_sources:
            g = results.get(s._id)
            if g is None:
                if unconnected is UnconnectedGradients.ZERO:
                    g = make(s._xp.zeros(s._value.shape, dtype=s._value.dtype), s._xp)
            elif not diff and type(g) is not Tensor and type(g).__name__ != "IndexedSlices":
                g = make(g, s._xp)
            out.append(g)
        if flat:
            return out if st is list else tuple(out)
        if single:
            return out[0]
        out = [r.with_flat_values(g) if g is not None and r is not s else g  # a ragged source: a ragged gradient
               for r, s, g in zip(ragged_sources, flat_sources, out)]
        return _nest.pack_sequence_as(sources, out)


    # -- Jacobians (reference §2): one backward sweep carrying a batch of cotangents ---------------------------
    def jacobian(self, target: Any, sources: Any, unconnected_gradients: Any = UnconnectedGradients.NONE,
                 parallel_iterations: int | None = None, experimental_use_pfor: bool = True) -> Any:
        """Jacobian of ``target`` with respect to each of ``sources``: shape ``target.shape + source.shape``.

        Vectorised: the backward pass runs once with the identity basis of the target as a batch of cotangents
        (in chunks of ``parallel_iterations`` rows to bound memory), not once per target element.
        ``experimental_use_pfor=False`` computes row by row with ``gradient`` (needs a persistent tape, as TF).

        >>> import tapegrad as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> with tf.GradientTape() as g:
        ...     g.watch(x)
        ...     y = x * x
        >>> g.jacobian(y, x).numpy().tolist()
        [[2.0, 0.0], [0.0, 4.0]]
        """
        if _trace_hook is not None and local.tracer is not None:
            r = _traced("jacobian", self, (target, sources),
                        {"unconnected_gradients": unconnected_gradients, "parallel_iterations": parallel_iterations,
                         "experimental_use_pfor": experimental_use_pfor})
            if r is not _PASS:
                return r
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError(
                "GradientTape must be created with persistent=True to compute the jacobian with "
                "experimental_use_pfor=False (it calls gradient() once per target element)."
            )
        if not isinstance(target, _TensorLike):
            raise AttributeError(
                f"GradientTape.jacobian: target must be a single tensor, got {type(target).__name__!r} "
                "(it has no 'shape'). Stack several targets with tapegrad.stack, or call jacobian once per target."
            )
        _check_parallel_iterations("jacobian", parallel_iterations, experimental_use_pfor, self._tape)
        tape = self._begin_use()
        try:
            unconnected = _parse_unconnected(unconnected_gradients)
            st = type(sources)
            if experimental_use_pfor and parallel_iterations is None and (st is Tensor or st is Variable):
                return self._jacobian_one(tape, target, sources, unconnected)
            flat_sources = _nest.flatten(sources)
            for s in flat_sources:
                if not isinstance(s, _TensorLike):
                    raise AttributeError(f"GradientTape.jacobian: source {s!r} is not a tapegrad tensor or Variable.")
            tshape = tuple(target._value.shape)
            n = math.prod(tshape)
            rows = self._batched_sweeps(tape, target, flat_sources, n, (n,) + tshape, parallel_iterations,
                                        vectorized=experimental_use_pfor)
            out = []
            for s, r in zip(flat_sources, rows):
                shape = tshape + tuple(s._value.shape)
                if r is None:
                    if unconnected is UnconnectedGradients.ZERO:
                        r = make(s._xp.zeros(shape, dtype=s._value.dtype), s._xp)
                else:
                    r = apply1(RESHAPE, r, {"shape": shape})
                out.append(r)
            return _nest.pack_sequence_as(sources, out)
        finally:
            self._end_use()

    def _jacobian_one(self, tape: _tape.Tape, target: Any, source: Any, unconnected: UnconnectedGradients) -> Any:
        """The common case (one source, all rows in one sweep) without the nest and chunking machinery."""
        v = target._value
        xp = target._xp
        tshape = v.shape
        shape = tuple(tshape) + tuple(source._value.shape)
        tid = ensure_id(target)
        sid = ensure_id(source)
        g = None
        if v.dtype.kind in "fcV" or tid == sid:
            n = math.prod(tshape)
            basis = xp.reshape(_identity(xp, n, v.dtype), (n,) + tuple(tshape))
            src = {sid}
            results, diff = backward(tape.entries, not tape.persistent, {tid: basis}, src, xp, 1,
                                     src if source._value.dtype.kind in "fcV" else set())
            g = results.get(sid)
            if g is not None:
                if type(g).__name__ == "IndexedSlices":
                    g = g._dense()
                elif not diff and type(g) is not Tensor:
                    g = make(g, source._xp)
        if g is None:
            if unconnected is UnconnectedGradients.ZERO:
                return make(source._xp.zeros(shape, dtype=source._value.dtype), source._xp)
            return None
        return apply1(RESHAPE, g, {"shape": shape})

    def batch_jacobian(self, target: Any, source: Any, unconnected_gradients: Any = UnconnectedGradients.NONE,
                       parallel_iterations: int | None = None, experimental_use_pfor: bool = True) -> Any:
        """Per-example Jacobians: ``result[i] = d target[i] / d source[i]``, shape ``[b] + target.shape[1:] +
        source.shape[1:]``.

        Costs one sweep with ``prod(target.shape[1:])`` cotangents, whatever the batch size. Like TF it assumes
        ``target[i]`` depends only on ``source[i]`` (cross-example terms are summed, not reported) and returns zeros,
        not None, when target and source are unconnected.

        >>> import tapegrad as tf
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.GradientTape() as g:
        ...     g.watch(x)
        ...     y = x * x
        >>> g.batch_jacobian(y, x).shape
        TensorShape([2, 2, 2])
        """
        if _trace_hook is not None and local.tracer is not None:
            r = _traced("batch_jacobian", self, (target, source),
                        {"unconnected_gradients": unconnected_gradients, "parallel_iterations": parallel_iterations,
                         "experimental_use_pfor": experimental_use_pfor})
            if r is not _PASS:
                return r
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError(
                "GradientTape must be created with persistent=True to compute the batch_jacobian with "
                "experimental_use_pfor=False."
            )
        for what, t in (("target", target), ("source", source)):
            if not isinstance(t, _TensorLike):
                raise AttributeError(
                    f"GradientTape.batch_jacobian: {what} must be a single tensor, got {type(t).__name__!r} "
                    "(it has no 'shape')."
                )
            if t._value.ndim < 2:
                raise ValueError(
                    f"Shape {tuple(t._value.shape)} must have rank at least 2: batch_jacobian needs a batch "
                    f"dimension and at least one more on the {what}."
                )
        tshape, sshape = tuple(target._value.shape), tuple(source._value.shape)
        if tshape[0] != sshape[0]:
            raise ValueError(
                f"Need first dimension of target shape ({tshape}) and source shape ({sshape}) to match: "
                "batch_jacobian pairs target[i] with source[i]."
            )
        _check_parallel_iterations("batch_jacobian", parallel_iterations, experimental_use_pfor, self._tape)
        tape = self._begin_use()
        try:
            _parse_unconnected(unconnected_gradients)
            b = tshape[0]
            m = math.prod(tshape[1:])
            # cotangent k is e_k in every example: shape (m, b, *target.shape[1:])
            basis = np.broadcast_to(np.eye(m, dtype=target._value.dtype).reshape((m, 1) + tshape[1:]),
                                    (m,) + tshape)
            (r,) = self._batched_sweeps(tape, target, [source], m, (m,) + tshape, parallel_iterations,
                                        basis=basis, vectorized=experimental_use_pfor)
            out_shape = (b,) + tshape[1:] + sshape[1:]
            if r is None:
                return make(source._xp.zeros(out_shape, dtype=target._value.dtype), source._xp)
            nd = r._value.ndim  # (m, b, *s_rest) -> (b, m, *s_rest)
            r = apply1(TRANSPOSE, r, {"perm": (1, 0, *range(2, nd)), "conjugate": False})
            return apply1(RESHAPE, r, {"shape": out_shape})
        finally:
            self._end_use()

    def _batched_sweeps(self, tape: _tape.Tape, target: Any, flat_sources: list[Any], n: int,
                        seed_shape: tuple[int, ...], chunk: int | None, basis: Any = None,
                        vectorized: bool = True) -> list[Any]:
        """Backward sweeps with a leading batch of cotangents (rows of the identity), chunked to bound memory.

        ``vectorized=False`` runs one plain sweep per row instead (TF's ``experimental_use_pfor=False``).
        """

        v = target._value
        xp = target._xp
        tid = ensure_id(target)
        source_ids = {ensure_id(s) for s in flat_sources}
        float_ids = {s._id for s in flat_sources if s._value.dtype.kind in "fcV"}
        if v.dtype.kind not in "fcV" and tid not in source_ids:
            return [None] * len(flat_sources)
        if basis is None:
            basis = xp.reshape(_identity(xp, n, v.dtype), seed_shape)
        step = 1 if not vectorized else (n if not chunk or chunk >= n else int(chunk))
        parts: list[list[Any]] = [[] for _ in flat_sources]
        for start in range(0, max(n, 1), step):
            last = start + step >= n
            seed = basis[start:start + step] if vectorized else basis[start]
            results, diff = backward(tape.entries, last and not tape.persistent, {tid: seed}, source_ids, xp,
                                     1 if vectorized else 0, float_ids)
            for k, s in enumerate(flat_sources):
                g = results.get(s._id)
                if g is not None:
                    if type(g).__name__ == "IndexedSlices":
                        g = g._dense()
                    parts[k].append(g if diff or type(g) is Tensor else make(g, s._xp))
                else:
                    parts[k].append(None)
        out: list[Any] = []
        for k, s in enumerate(flat_sources):
            ps = parts[k]
            if all(p is None for p in ps):
                out.append(None)
                continue
            if not vectorized:
                out.append(stack([p if p is not None else make(s._xp.zeros(s._value.shape, dtype=s._value.dtype),
                                                               s._xp) for p in ps], 0))
                continue
            full = [p if p is not None else make(s._xp.zeros((min(step, n - i * step),) + tuple(
                s._value.shape), dtype=s._value.dtype), s._xp) for i, p in enumerate(ps)]
            out.append(full[0] if len(full) == 1 else concat(full, 0))
        return out

def _check_parallel_iterations(what: str, parallel_iterations: Any, use_pfor: bool, tape: Any) -> None:
    """TF (reference §2): the vectorised path rejects ``parallel_iterations=1`` with a ValueError."""
    if use_pfor and parallel_iterations == 1 and tape is not None:
        raise ValueError(
            f"Encountered an exception while vectorizing the {what} computation: parallel_iterations=1 means one "
            "row at a time, which the vectorised path does not do. Use parallel_iterations >= 2 (or None: all rows "
            "at once), or experimental_use_pfor=False for a row-by-row loop (persistent tape)."
        )


_IDENTITY_CACHE: dict[tuple[Any, int, Any], Any] = {}


def _identity(xp: Any, n: int, dtype: Any) -> Any:
    """The n×n identity (the Jacobian's cotangent basis), cached read-only for small n: it is never written."""
    if n * n * dtype.itemsize > 1 << 22:
        return xp.eye(n, dtype=dtype)
    key = (xp, n, dtype)
    eye = _IDENTITY_CACHE.get(key)
    if eye is None:
        if len(_IDENTITY_CACHE) >= 16:
            _IDENTITY_CACHE.clear()
        eye = _IDENTITY_CACHE[key] = xp.eye(n, dtype=dtype)
        eye.flags.writeable = False
    return eye


def _no_gradient_output(t: Any) -> bool:
    """An integer result recorded by an op without a gradient (Bucketize): TF walks the tape from it and raises
    LookupError, so it is seeded too (other integer results are never recorded and carry no id)."""
    return t._id is not None and type(t) is Tensor


def _seeds(flat_targets: list[Any], flat_grads: list[Any], source_ids: set[int]) -> dict[int, Any]:
    """Seed each differentiable target with ones (or its output gradient); repeated targets add up."""
    seeds: dict[int, Any] = {}
    for k, t in enumerate(flat_targets):
        if t is None:
            raise TypeError("GradientTape.gradient: a target is None; targets must be tensors or variables.")
        if not isinstance(t, _TensorLike):
            raise AttributeError(
                f"GradientTape.gradient: target {t!r} of type {type(t).__name__!r} is not a tapegrad tensor, so "
                "the tape knows nothing about it. It was probably computed outside tapegrad (e.g. with NumPy or "
                "via .numpy()); compute it with tapegrad ops inside the tape."
            )
        v = t._value
        if v.dtype.kind not in "fcV" and t._id not in source_ids and not _no_gradient_output(t):
            continue  # integer/bool targets carry no gradient (except to themselves: d x / d x = 1)
        xp = t._xp
        if k < len(flat_grads):
            og = flat_grads[k]
            if og is None:
                raise ValueError("GradientTape.gradient: output_gradients contains None; give a tensor per target.")
            seed = _output_gradient(og, t)
        else:
            # a 0-d target (the usual loss) gets a NumPy scalar: far cheaper than building a 0-d array
            seed = make(v.dtype.type(1) if v.ndim == 0 and xp is NUMPY else xp.ones(v.shape, dtype=v.dtype), xp)
        tid = ensure_id(t)
        prev = seeds.get(tid)
        seeds[tid] = seed if prev is None else seed + prev
    return seeds


def _output_gradient(og: Any, t: Any) -> Tensor:
    from .ops.core import broadcast_to

    v = t._value
    if isinstance(og, _TensorLike):
        seed = og if type(og) is Tensor else make(og._value, og._xp)
    elif type(og) is float and v.dtype.kind in "fcV":
        seed = make(array_of(og, v.dtype, "GradientTape.gradient(output_gradients)"), t._xp)  # weak scalar
    else:
        seed = make(constant_value(og), t._xp)  # converted with its own dtype, as TF's convert_to_tensor
    if seed._value.dtype != v.dtype:
        from .errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"GradientTape.gradient: an output_gradients entry has dtype {seed.dtype.name} but its target has dtype "
            f"{t.dtype.name}; cast it with tapegrad.cast(g, tapegrad.{t.dtype.name})."
        )
    if seed._value.shape != v.shape:
        try:
            import numpy as np

            np.broadcast_shapes(seed._value.shape, v.shape)
            ok = np.broadcast_shapes(seed._value.shape, v.shape) == v.shape
        except ValueError:
            ok = False
        if not ok:
            from .errors import InvalidArgumentError

            raise InvalidArgumentError(
                f"GradientTape.gradient: output_gradients entry has shape {tuple(seed._value.shape)}, which does "
                f"not broadcast to its target's shape {tuple(v.shape)}."
            )
        seed = broadcast_to(seed, v.shape)
    return seed

