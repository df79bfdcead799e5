"""Forward-mode automatic differentiation: ``tapegrad.autodiff.ForwardAccumulator`` (reference §3).

An accumulator is a recorder in the thread's recorder stack (``_tape.local.tapes``) with ``forward = True``.
The dispatcher calls its :meth:`ForwardAccumulator.on_op` hook for every differentiable op that runs while it is
active; the hook applies the op's ``jvp`` rule at once, so ``jvp()`` only looks tangents up. Tangents are keyed by
tensor id (a Variable keeps one id across reads, so a Variable primal's tangent reaches every read).

Nesting follows the order in which recorders were entered: while an accumulator computes a tangent, only the
recorders entered *before* it are active. Those outer recorders therefore see the tangent computation (through the
differentiable namespace ``ops._diffns.DIFF``) when they know any tensor involved — forward-over-forward and
reverse-over-forward — while the inner ones never see the outer's work (``inner.jvp(outer.jvp(y))`` is None, as in
TensorFlow). A tape's backward sweep run under an active accumulator is differentiated the same way
(forward-over-reverse: Hessian-vector products).
"""

from __future__ import annotations

from typing import Any

from . import _nest, _tape
from ._logging import warn_limited
from ._registry import NO_GRADIENT, OpDef
from ._tensor import Tensor, Variable, _TensorLike, array_of, ensure_id, make
from .gradient_tape import UnconnectedGradients

__all__ = ["ForwardAccumulator"]


def _same_structure(a: Any, b: Any) -> bool:
    """``tf.nest.assert_same_structure`` for lists, tuples and dicts (leaves may differ in type)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return False
        return all(_same_structure(a[k], b[k]) for k in a)
    a_seq = isinstance(a, (list, tuple))
    b_seq = isinstance(b, (list, tuple))
    if a_seq or b_seq:
        if not (a_seq and b_seq) or len(a) != len(b):
            return False
        return all(_same_structure(x, y) for x, y in zip(a, b))
    return True


def _convert_tangent(tangent: Any, primal: Any) -> Tensor:
    """The tangent as a Tensor of the primal's dtype (TF: ``convert_to_tensor(tangent, dtype=primal.dtype)``)."""
    dt = primal._value.dtype
    if isinstance(tangent, _TensorLike):
        if tangent._value.dtype != dt:
            raise ValueError(
                f"ForwardAccumulator: the tangent has dtype {tangent.dtype.name} but its primal has dtype "
                f"{primal.dtype.name}; tangents must have their primal's dtype. Cast it first, e.g. "
                f"tapegrad.cast(tangent, tapegrad.{primal.dtype.name})."
            )
        return make(tangent._value, tangent._xp) if type(tangent) is Variable else tangent
    return make(array_of(tangent, dt, "ForwardAccumulator(tangents)"), primal._xp)


class ForwardAccumulator:
    """Computes Jacobian-vector products (forward mode) for the ops run while it is active.

    ``primals`` (a tensor, Variable or nest of them) are given ``tangents`` (same structure; each converted to its
    primal's dtype). Inside ``with acc:``, every op depending on a primal gets its tangent computed eagerly;
    ``acc.jvp(t)`` returns ``J·v`` for any tensor ``t`` computed there, or None when ``t`` does not depend on the
    primals (zeros with ``unconnected_gradients='zero'``). None also means a statically zero tangent (e.g. after
    ``sign`` or ``stop_gradient``), as in TensorFlow.

    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy().tolist()
    [2.0, 0.0]

    Nested accumulators and tapes compose: an accumulator around a tape gives Hessian-vector products.

    >>> v = tf.constant(1.0)
    >>> x = tf.constant(2.0)
    >>> with tf.autodiff.ForwardAccumulator(x, v) as acc:
    ...     with tf.GradientTape() as tape:
    ...         tape.watch(x)
    ...         y = x ** 3
    ...     g = tape.gradient(y, x)
    >>> float(g), float(acc.jvp(g))
    (12.0, 12.0)

    Unlike reverse mode, ``tapegrad.custom_gradient`` is ignored: the tangent follows the ops that ran inside the
    custom function (as in TensorFlow). ``tapegrad.recompute_grad`` functions raise NotImplementedError when
    called on inputs that carry a tangent.
    """

    # recorder protocol (see _tape.Tape): forward recorders get on_op calls; `known` = ids that carry tangents
    forward = True
    watch_accessed = False

    def __init__(self, primals: Any, tangents: Any) -> None:
        self._tangents: dict[int, Tensor] = {}
        self.known = self._tangents.keys()  # live view: read by _backprop._recording_wants and outer accumulators
        self.variables: dict[int, Any] = {}
        self._recording = False
        self._watch(primals, tangents)

    def _watch(self, primals: Any, tangents: Any) -> None:
        if not _same_structure(primals, tangents):
            raise ValueError(
                "ForwardAccumulator: primals and tangents must have the same nested structure (one tangent per "
                f"primal), got primals={primals!r} and tangents={tangents!r}."
            )
        flat_p = _nest.flatten(primals)
        flat_t = _nest.flatten(tangents)
        seen: set[int] = set()
        for p, t in zip(flat_p, flat_t):
            if not isinstance(p, _TensorLike):
                raise AttributeError(
                    f"ForwardAccumulator: primal {p!r} of type {type(p).__name__!r} is not a tapegrad tensor or "
                    "Variable (it has no 'dtype'). Convert it first, e.g. x = tapegrad.constant(x), and use x."
                )
            kind = p._value.dtype.kind
            if kind != "f":
                warn_limited(
                    "watch_primal", 5,
                    f"The dtype of the watched primal must be floating (e.g. tapegrad.float32), got "
                    f"tapegrad.{p.dtype.name}"
                    + (": its tangent is propagated holomorphically (no conjugation)." if kind == "c" else
                       ": forward-mode results for it will be None. Cast it first, e.g. "
                       "x = tapegrad.cast(x, tapegrad.float32)."),
                )
            tangent = _convert_tangent(t, p)
            pid = ensure_id(p)
            if pid in seen:
                raise ValueError(
                    f"Tensor {p!r} was specified as a primal multiple times. This may indicate an error. If it was "
                    "intended, please sum the corresponding tangents and pass the primal once."
                )
            seen.add(pid)
            if kind in "fcV":
                self._tangents[pid] = tangent

    # -- state machine -----------------------------------------------------------------------------------------
    def __enter__(self) -> ForwardAccumulator:
        if self._recording:
            raise ValueError(
                "Accumulator is already recording: this ForwardAccumulator is already active and cannot be entered "
                "twice at once. Use a second ForwardAccumulator for nested forward mode."
            )
        _tape.push(self)  # type: ignore[arg-type]
        self._recording = True
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._recording:
            _tape.remove(self)  # type: ignore[arg-type]
            self._recording = False

    def watch_variable(self, var: Any) -> None:  # recorder protocol; accumulators never auto-watch variables
        pass

    # -- results -----------------------------------------------------------------------------------------------
    def jvp(self, primals: Any, unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """The tangent (Jacobian-vector product) of each tensor in ``primals`` (a tensor or nest), same structure.

        None for tensors not computed from the primals while the accumulator was active, or zeros of their shape
        and dtype with ``unconnected_gradients='zero'``.

        >>> import tapegrad as tf
        >>> x = tf.constant(3.0)
        >>> with tf.autodiff.ForwardAccumulator(x, 1.0) as acc:
        ...     y = x * x
        ...     u = tf.constant(1.0) * 2.0
        >>> float(acc.jvp(y)), acc.jvp(u), float(acc.jvp(u, unconnected_gradients="zero"))
        (6.0, None, 0.0)
        """
        unconnected = UnconnectedGradients(unconnected_gradients)
        tangents = self._tangents

        def fetch(t: Any) -> Any:
            tid = t._id  # AttributeError for None and non-tensors, as TF
            tan = tangents.get(tid) if tid is not None else None
            if tan is None and unconnected is UnconnectedGradients.ZERO:
                from .ops.core import zeros_like

                return zeros_like(t)
            return tan

        return _nest.map_structure(fetch, primals)

    def __repr__(self) -> str:
        state = "recording" if self._recording else "not recording"
        return f"<tapegrad.autodiff.ForwardAccumulator ({state}, {len(self._tangents)} tangents)>"

    # -- the dispatch hook -------------------------------------------------------------------------------------
    def on_op(self, op: OpDef, in_ids: tuple[Any, ...], vals: tuple[Any, ...], res: Any, out: Any,
              p: dict[str, Any]) -> None:
        """Compute the output tangent(s) of an op that just ran (called by the dispatcher)."""
        tangents = self._tangents
        if tangents.keys().isdisjoint(in_ids):
            return
        ts = tuple([tangents.get(i) if i is not None else None for i in in_ids])
        rule = op.jvp
        if rule is None and not op.multi and out.dtype.kind not in "fcV":
            return  # an integer result of an op without a gradient (Bucketize): no tangent; TF raises nothing
        if rule is None:
            rule = op.meta.get("forward_rule")
            if rule is None:
                if op.vjp is NO_GRADIENT:
                    raise LookupError(
                        f"forward-mode rule missing for: {op.name} — tapegrad cannot differentiate '{op.name}'. "
                        "Wrap it in tapegrad.stop_gradient(...) if no derivative should flow through it."
                    )
                raise NotImplementedError(f"op '{op.name}' has no forward-mode (JVP) rule.")
        multi = op.multi
        first = res[0] if multi else res
        xp = first._xp
        outer = self._outer_recorders()
        # a trace (tapegrad.compiler) must see the tangent's ops: they run recorded, like an outer tape's
        if outer and (_tape.local.tracer is not None or self._outer_wants(outer, in_ids, ts)):
            self._on_op_diff(rule, ts, in_ids, vals, res, p, xp, outer)
            return
        r = rule(xp, tuple([t._value if t is not None else None for t in ts]), vals, out, p)
        if r is None:
            return
        if multi:
            for t_out, o, tan in zip(res, out, r):
                if tan is not None and o.dtype.kind in "fcV":
                    tangents[ensure_id(t_out)] = make(_fit_raw(xp, tan, o), xp)
        else:
            tangents[ensure_id(res)] = make(_fit_raw(xp, r, out), xp)

    def _outer_recorders(self) -> tuple[Any, ...]:
        tapes = _tape.local.tapes
        for k, t in enumerate(tapes):
            if t is self:
                return tapes[:k]
        return ()

    @staticmethod
    def _outer_wants(outer: tuple[Any, ...], in_ids: tuple[Any, ...], ts: tuple[Any, ...]) -> bool:
        """Does a recorder entered before this accumulator know an input or an input tangent?"""
        tids = [t._id for t in ts if t is not None and t._id is not None]
        for r in outer:
            known = r.known
            if not known.isdisjoint(in_ids) or not known.isdisjoint(tids):
                return True
        return False

    def _on_op_diff(self, rule: Any, ts: tuple[Any, ...], in_ids: tuple[Any, ...], vals: tuple[Any, ...], res: Any,
                    p: dict[str, Any], xp: Any, outer: tuple[Any, ...]) -> None:
        """The tangent computed with differentiable ops, visible to the outer recorders only."""
        from ._backprop import _wrap_ins
        from .ops._diffns import DIFF

        saved = _tape.local.tapes
        _tape.local.tapes = outer
        try:
            ins = _wrap_ins(vals, in_ids, xp)
            r = rule(DIFF, ts, ins, res, p)
            if r is None:
                return
            if isinstance(res, list):
                fitted = [(o, _fit_diff(tan, o)) for o, tan in zip(res, r)
                          if tan is not None and o._value.dtype.kind in "fcV"]
            else:
                fitted = [(res, _fit_diff(r, res))]
        finally:
            _tape.local.tapes = saved
        for o, tan in fitted:
            self._tangents[ensure_id(o)] = tan


def _fit_raw(xp: Any, t: Any, o: Any) -> Any:
    """A rule's raw tangent with the output's shape and dtype (rules may return broadcastable tangents)."""
    if not hasattr(t, "dtype"):
        t = xp.asarray(t, dtype=o.dtype)
    if t.shape != o.shape:
        t = xp.broadcast_to(t, o.shape)
    if t.dtype != o.dtype:
        if t.dtype.kind == "c" and o.dtype.kind != "c":
            t = xp.real(t)
        t = t.astype(o.dtype)
    return t


def _fit_diff(t: Any, o: Any) -> Tensor:
    """:func:`_fit_raw` with differentiable ops (the tangent computation is being recorded)."""
    from .ops._common import to_tensor
    from .ops.core import broadcast_to, cast, real

    ov = o._value
    if not isinstance(t, _TensorLike):
        t = make(array_of(t, ov.dtype), o._xp)
    t = to_tensor(t)
    tv = t._value
    if tv.shape != ov.shape:
        t = broadcast_to(t, ov.shape)
    if tv.dtype != ov.dtype:
        if tv.dtype.kind == "c" and ov.dtype.kind != "c":
            t = real(t)
        t = cast(t, ov.dtype.name)
    return t if type(t) is Tensor else make(t._value, t._xp)
