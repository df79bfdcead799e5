"""User-defined gradients: ``custom_gradient``, ``recompute_grad`` and ``grad_pass_through`` (reference §4).

Each is an op in the registry whose VJP calls user code. One call records one entry whose inputs are, in order,
the call's tensor arguments, the trainable variables the function read (that are not arguments), and the
function's own results; its outputs are the results again (an identity on the last group). The VJP gives the
user's gradients to the first two groups and nothing to the results; the forward-mode rule does the opposite and
passes the results' tangents through, so forward mode follows the ops that ran inside the function and ignores
the custom gradient, as TensorFlow does. (Because the two rules are deliberately not transposes of each other,
these ops declare ``forward_rule=`` instead of ``jvp=``: the generated JVP/VJP adjointness check does not apply.)

Difference from TensorFlow (its bug #65839): arguments passed **by keyword** are inputs too. TensorFlow silently
drops the custom gradient when every argument is passed by keyword, and raises on a mix. Here every tensor
argument, positional or keyword, is an input, ordered as the function's parameters; ``grad_fn`` returns one
gradient per tensor input (or, as in TensorFlow, one per positional argument, and keyword tensors get none).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _nest, _tape
from ._backprop import backward
from ._dispatch import applyn
from ._registry import defop, spec
from ._tensor import Tensor, _TensorLike, ensure_id, make

__all__ = ["custom_gradient", "recompute_grad", "grad_pass_through"]


class _VariableWatcher:
    """A recorder that only notes the trainable variables read while it is active (records nothing)."""

    forward = True
    watch_accessed = True
    known: frozenset[int] = frozenset()

    def __init__(self) -> None:
        self.variables: dict[int, Any] = {}

    def watch_variable(self, var: Any) -> None:
        self.variables.setdefault(var._id, var)

    def on_op(self, op: Any, in_ids: Any, vals: Any, res: Any, out: Any, p: Any) -> None:
        pass


def _kw_order(fn: Any, kwargs: dict[str, Any]) -> list[str]:
    """Keyword names in the order of ``fn``'s parameters (names caught by ``**kwargs`` last, in call order)."""
    if not kwargs:
        return []
    try:
        import inspect

        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return list(kwargs)
    rank = {n: i for i, n in enumerate(names)}
    return sorted(kwargs, key=lambda k: rank.get(k, len(names)))


class _Bound:
    """A call's arguments: the leaves of the positional arguments (each one input, as TF's ``nest.flatten``) and
    the tensor leaves of the keyword arguments; ``rebuild`` makes the call again with other tensors."""

    def __init__(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        from .ops._common import to_tensor

        self.args = args
        self.kwargs = kwargs
        self.pos_leaves = _nest.flatten(list(args)) if args else []
        self.kw_slices: list[tuple[str, int, int]] = []
        self.kw_leaves: list[Any] = []
        for k in _kw_order(fn, kwargs):
            leaves = _nest.flatten(kwargs[k])
            self.kw_slices.append((k, len(self.kw_leaves), len(self.kw_leaves) + len(leaves)))
            self.kw_leaves.extend(leaves)
        inputs: list[Any] = []
        self.pos_slot: list[int | None] = []  # positional leaf -> index in inputs (None: not a tensor value)
        for leaf in self.pos_leaves:
            if not isinstance(leaf, _TensorLike):
                try:
                    leaf = to_tensor(leaf)  # TF converts positional arguments (Python numbers, lists) to tensors
                except (TypeError, ValueError):
                    self.pos_slot.append(None)
                    continue
            self.pos_slot.append(len(inputs))
            inputs.append(leaf)
        self.kw_slot: list[tuple[int, int]] = []  # (kw leaf index, index in inputs) for keyword tensors
        for j, leaf in enumerate(self.kw_leaves):
            if isinstance(leaf, _TensorLike):
                self.kw_slot.append((j, len(inputs)))
                inputs.append(leaf)
        self.inputs = inputs
        self.n_pos = len(self.pos_leaves)
        self.n_full = self.n_pos + len(self.kw_slot)

    def is_input(self, obj: Any) -> bool:
        return any(obj is leaf for leaf in self.pos_leaves) or any(obj is leaf for leaf in self.kw_leaves)

    def rebuild(self, tensors: list[Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The call's ``(args, kwargs)`` with ``tensors`` (one per input) in place of the inputs."""
        pos = [leaf if s is None else tensors[s] for leaf, s in zip(self.pos_leaves, self.pos_slot)]
        args = tuple(_nest.pack_sequence_as(list(self.args), pos)) if self.args else ()
        kw = list(self.kw_leaves)
        for j, s in self.kw_slot:
            kw[j] = tensors[s]
        kwargs = {k: _nest.pack_sequence_as(self.kwargs[k], kw[a:b]) for k, a, b in self.kw_slices}
        return args, kwargs


def _accepts_variables(fn: Any) -> bool:
    try:
        import inspect

        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    for prm in params:
        if prm.kind is inspect.Parameter.VAR_KEYWORD:
            return True
        if prm.name == "variables" and prm.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                     inspect.Parameter.KEYWORD_ONLY):
            return True
    return False


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _record(op: Any, call: Any, bound: _Bound, variables: list[Any], result: Any) -> Any:
    """Record ``op`` for one call and return the result structure rebuilt from the op's outputs."""
    from .ops._common import to_tensor

    flat = [to_tensor(r) for r in _nest.flatten(result)]
    ins = tuple(bound.inputs + variables + flat)
    if not flat:
        return result
    outs = applyn(op, ins, {"n_in": len(bound.inputs) + len(variables), "call": call})
    return _nest.pack_sequence_as(result, outs)


def _batch_shape(F: Any, g: tuple[Any, ...], out: Any) -> tuple[int, ...]:
    """The leading batch axes of the upstreams (vectorised Jacobians), () for a plain gradient."""
    nb = F.ndim(g[0]) - len(F.shape(out[0]))
    return tuple(F.shape(g[0])[:nb])


def _conform(F: Any, r: Any, like: Any, batch: tuple[int, ...], diff: bool, xp: Any, who: str) -> Any:
    """A user-returned gradient as an array (or Tensor, ``diff``) of exactly ``batch + like.shape`` and
    ``like``'s dtype. Python numbers and arrays are accepted; a shape that does not broadcast is an error."""
    from .ops._common import to_tensor
    from .ops.core import broadcast_to, cast, real

    if r is None:
        return None
    if type(r).__name__ == "IndexedSlices":
        if not batch:
            return r
        r = r._dense()
    shape = batch + tuple(like.shape)
    dt = like.dtype
    if diff:
        t = to_tensor(r) if isinstance(r, _TensorLike) else make(xp.asarray(r), xp)
        rshape = tuple(t._value.shape)
    else:
        t = r._value if isinstance(r, _TensorLike) else xp.asarray(r)
        rshape = tuple(t.shape)
    if rshape != shape:
        try:
            ok = np.broadcast_shapes(rshape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(
                f"{who} returned a gradient of shape {rshape} for an input of shape {tuple(like.shape)}"
                + (f" (with batch axes {batch})" if batch else "")
                + ": a gradient must have its input's shape (or broadcast to it)."
            )
        t = broadcast_to(t, shape) if diff else xp.broadcast_to(t, shape)
    tdt = t._value.dtype if diff else t.dtype
    if tdt != dt:
        if diff:
            if tdt.kind == "c" and dt.kind != "c":
                t = real(t)
            t = cast(t, dt.name)
        else:
            if tdt.kind == "c" and dt.kind != "c":
                t = xp.real(t)
            t = t.astype(dt)
    return t


def _results_forward(F: Any, ts: Any, ins: Any, out: Any, p: dict[str, Any]) -> Any:
    """Forward mode ignores the custom gradient: the outputs carry the tangents of the function's results."""
    rest = tuple(ts[p["n_in"]:])
    return None if all(t is None for t in rest) else rest


def _identity_fwd(F: Any, *vals: Any, n_in: int, call: Any) -> tuple[Any, ...]:
    return tuple(vals[n_in:])


def _user_vjp(F: Any, g: Any, ins: Any, out: Any, p: dict[str, Any], needs: Any) -> Any:
    return p["call"].vjp(F, g, ins, out, needs)


# ------------------------------------------------------------------------------------------------------------
# custom_gradient


class _CustomCall:
    """What one call of a ``custom_gradient`` function leaves for its backward pass."""

    __slots__ = ("name", "grad_fn", "bound", "variables", "xp")

    def __init__(self, name: str, grad_fn: Any, bound: _Bound, variables: list[Any], xp: Any) -> None:
        self.name = name
        self.grad_fn = grad_fn
        self.bound = bound
        self.variables = variables
        self.xp = xp

    def vjp(self, F: Any, g: Any, ins: Any, out: Any, needs: Any) -> tuple[Any, ...]:
        diff = bool(getattr(F, "is_diff", False))
        n_in = len(self.bound.inputs)
        n_var = len(self.variables)
        batch = _batch_shape(F, g, out)
        if not batch:
            grads = self._grads(F, g, ins, diff, ())
        else:
            # The user's grad_fn need not understand batch axes: call it once per cotangent and stack.
            rows = [self._grads(F, tuple([gk[idx] for gk in g]), ins, diff, ()) for idx in np.ndindex(*batch)]
            grads = []
            for j in range(n_in + n_var):
                col = [row[j] for row in rows]
                if all(c is None for c in col):
                    grads.append(None)
                    continue
                like = ins[j]
                shape = tuple(like.shape) if not diff else tuple(like._value.shape)
                dt = like.dtype if not diff else like._value.dtype
                col = [c if c is not None else (F.zeros(shape, dt) if diff else self.xp.zeros(shape, dt))
                       for c in col]
                grads.append(F.reshape(F.stack(col, axis=0), batch + shape))
        return tuple(grads) + (None,) * (len(ins) - n_in - n_var)

    def _grads(self, F: Any, g: tuple[Any, ...], ins: Any, diff: bool, batch: tuple[int, ...]) -> list[Any]:
        xp = self.xp
        ups = [gk if diff else make(gk, xp) for gk in g]
        who = f"custom_gradient function {self.name!r}"
        if self.variables:
            ret = self.grad_fn(*ups, variables=list(self.variables))
            if not (isinstance(ret, (tuple, list)) and len(ret) == 2):
                raise ValueError(
                    f"{who}: grad_fn was called with variables=... (the function reads {len(self.variables)} "
                    "variable(s)), so it must return a pair (input_gradients, variable_gradients)."
                )
            input_grads, var_grads = ret
            var_grads = list(_nest.flatten(var_grads)) if var_grads is not None else []
            if len(var_grads) != len(self.variables):
                raise ValueError(
                    f"Must return gradient for each variable from @custom_gradient grad_fn: {who} read "
                    f"{len(self.variables)} variable(s) but grad_fn returned {len(var_grads)} variable gradient(s)."
                )
        else:
            input_grads = self.grad_fn(*ups)
            var_grads = []
        flat = _nest.flatten(input_grads)
        bound = self.bound
        if len(flat) == bound.n_full:
            with_kw = True
        elif len(flat) == bound.n_pos:
            with_kw = False  # TensorFlow's convention: positional arguments only; keyword tensors get no gradient
        else:
            extra = (f" ({bound.n_pos} positional + {bound.n_full - bound.n_pos} keyword tensor argument(s); "
                     f"{bound.n_pos} is also accepted)" if bound.n_full != bound.n_pos else "")
            raise ValueError(
                f"custom_gradient function expected to return {bound.n_full} gradients, but returned {len(flat)} "
                f"instead: grad_fn of {self.name!r} must return one gradient (or None) per input{extra}."
            )
        n_in = len(bound.inputs)
        out: list[Any] = [None] * (n_in + len(self.variables))
        for i, s in enumerate(bound.pos_slot):
            if s is not None:
                out[s] = _conform(F, flat[i], ins[s] if not diff else ins[s]._value, batch, diff, xp,
                                  f"{who} (gradient {i})")
        if with_kw:
            for k, (_, s) in enumerate(bound.kw_slot):
                out[s] = _conform(F, flat[bound.n_pos + k], ins[s] if not diff else ins[s]._value, batch, diff, xp,
                                  f"{who} (keyword gradient {k})")
        for k, v in enumerate(var_grads):
            out[n_in + k] = _conform(F, v, self.variables[k]._value, batch, diff, xp,
                                     f"{who} (variable gradient {k})")
        return out


CUSTOM_GRADIENT = defop(
    "custom_gradient", _identity_fwd, _user_vjp, None, forward_rule=_results_forward, multi=True,
    test=spec(lambda tf, x, y: _spec_custom(x, y), lambda rng: (rng.normal(size=(3,)), rng.normal(size=(3,))),
              ref=lambda x, y: np.sin(x) * y, tf=False),
)


class _CustomGradientFunction:
    """The callable returned by :func:`custom_gradient` (binds like a function when used as a method)."""

    def __init__(self, f: Callable[..., Any]) -> None:
        self._f = f
        functools.update_wrapper(self, f)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return _CustomGradientFunction(self._f.__get__(instance, owner))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        f = self._f
        watcher = _VariableWatcher()
        _tape.push(watcher)  # type: ignore[arg-type]
        try:
            ret = f(*args, **kwargs)
        finally:
            _tape.remove(watcher)  # type: ignore[arg-type]
        if isinstance(ret, _TensorLike) or not isinstance(ret, (tuple, list)) or len(ret) != 2 \
                or not callable(ret[1]):
            if isinstance(ret, _TensorLike) and ret._value.ndim == 0:
                raise TypeError(
                    f"Cannot iterate over a scalar tensor: the @custom_gradient function {_name(f)!r} returned a "
                    "single tensor; it must return a pair (outputs, grad_fn)."
                )
            raise TypeError(
                f"The @custom_gradient function {_name(f)!r} must return a pair (outputs, grad_fn) with a callable "
                f"grad_fn; it returned {type(ret).__name__}."
            )
        result, grad_fn = ret
        bound = _Bound(f, args, kwargs)
        variables = [v for v in watcher.variables.values() if not bound.is_input(v)]
        if variables and not _accepts_variables(grad_fn):
            raise TypeError(
                f"@tapegrad.custom_gradient grad_fn must accept keyword argument 'variables', since function "
                f"{_name(f)!r} uses variables: {variables}. Declare it as `def grad(*upstream, variables=None)` and "
                "return (input_gradients, [one gradient per variable])."
            )
        xp = bound.inputs[0]._xp if bound.inputs else (variables[0]._xp if variables else None)
        call = _CustomCall(_name(f), grad_fn, bound, variables, xp)
        out = _record(CUSTOM_GRADIENT, call, bound, variables, result)
        if call.xp is None:
            call.xp = _nest.flatten(out)[0]._xp if _nest.flatten(out) else None
        return out


def custom_gradient(f: Callable[..., Any] | None = None) -> Any:
    """Decorator: define the gradient of a function yourself (``tf.custom_gradient``).

    ``f(*args, **kwargs)`` returns ``(outputs, grad_fn)``. ``grad_fn(*upstreams)`` receives one upstream gradient
    per flattened output (zeros for outputs that did not reach the target) and returns one gradient (or None) per
    tensor input. If ``f`` reads trainable variables that are not among its arguments, ``grad_fn`` must accept a
    ``variables`` keyword and return ``(input_gradients, variable_gradients)``. ``grad_fn`` runs like any other
    code, so it is differentiable itself (second order). Forward mode ignores the custom gradient.

    >>> import tapegrad as tf
    >>> @tf.custom_gradient
    ... def log1pexp(x):
    ...     e = tf.exp(x)
    ...     def grad(upstream):
    ...         return upstream * (1 - 1 / (1 + e))
    ...     return tf.math.log(1 + e), grad
    >>> x = tf.constant(100.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = log1pexp(x)
    >>> float(y), float(tape.gradient(y, x))
    (inf, 1.0)

    Unlike TensorFlow (bug #65839), calling with keyword arguments still uses the custom gradient: tensor
    arguments passed by keyword are inputs too, in the order of ``f``'s parameters.

    >>> @tf.custom_gradient
    ... def scaled(x, y):
    ...     def grad(dz):
    ...         return dz * 1000.0, dz * 2000.0
    ...     return x * y, grad
    >>> a, b = tf.constant(1.0), tf.constant(2.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch([a, b])
    ...     z = scaled(y=b, x=a)
    >>> [float(g) for g in tape.gradient(z, [a, b])]
    [1000.0, 2000.0]
    """
    if f is None:
        return lambda fn: custom_gradient(fn)
    return _CustomGradientFunction(f)


# ------------------------------------------------------------------------------------------------------------
# recompute_grad


class _RecomputeCall:
    """What one call of a ``recompute_grad`` function keeps: the function, how to call it again, and the shapes
    of its results (the results themselves are not kept: the backward pass recomputes them)."""

    __slots__ = ("f", "bound", "variables", "xp", "pending", "out_shapes")

    def __init__(self, f: Any, bound: _Bound, variables: list[Any], xp: Any, results: list[Any]) -> None:
        self.f = f
        self.bound = bound
        self.variables = variables
        self.xp = xp
        self.pending: tuple[Any, ...] | None = tuple([r._value for r in results])  # handed to the op, then dropped
        self.out_shapes = [tuple(r._value.shape) for r in results]

    def take(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        vals, self.pending = self.pending, None
        if vals is None:  # the op runs again (a compiled tapegrad.function replays it): compute the function anew
            vals = self.recompute(inputs)
        return vals

    def recompute(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """The function's results for the op's raw ``inputs`` (the call's tensors, then its variables' values),
        computed with no tape or trace recording."""
        args = [make(v, self.xp) for v in inputs[:len(self.bound.inputs)]]
        call_args, call_kwargs = self.bound.rebuild(args)
        saved = (_tape.local.tapes, _tape.local.accumulators, getattr(_tape.local, "tracer", None))
        _tape.local.tapes, _tape.local.accumulators = (), ()
        if hasattr(_tape.local, "tracer"):
            _tape.local.tracer = None
        try:
            result = self.f(*call_args, **call_kwargs)
        finally:
            _tape.local.tapes, _tape.local.accumulators = saved[0], saved[1]
            if hasattr(_tape.local, "tracer"):
                _tape.local.tracer = saved[2]
        return tuple([r._value for r in _nest.flatten(result) if isinstance(r, _TensorLike)])

    def vjp(self, F: Any, g: Any, ins: Any, out: Any, needs: Any) -> tuple[Any, ...]:
        from .ops.core import identity

        diff = bool(getattr(F, "is_diff", False))
        xp = self.xp
        gs = g if isinstance(g, tuple) else (g,)
        nb = F.ndim(gs[0]) - len(self.out_shapes[0])
        batch = tuple(F.shape(gs[0])[:nb])
        n_in = len(self.bound.inputs)
        # Fresh tensors for the inputs (distinct ids even if one tensor was passed twice); when the backward pass
        # is itself recorded, the identity connects them to the outer tapes, so the recomputation is differentiable.
        args = [identity(ins[k]) if diff else make(ins[k], xp) for k in range(n_in)]
        inner = _tape.Tape(False, False)
        for a, need in zip(args, needs):
            if need and a._value.dtype.kind in "fcV":
                inner.known.add(ensure_id(a))
        for v, need in zip(self.variables, needs[n_in:]):
            if need:
                inner.watch_variable(v)
        call_args, call_kwargs = self.bound.rebuild(args)
        _tape.push(inner)
        try:
            result = self.f(*call_args, **call_kwargs)
        finally:
            _tape.remove(inner)
        seeds: dict[int, Any] = {}
        for r, gk in zip(_nest.flatten(result), gs):
            if isinstance(r, _TensorLike) and r._id is not None and r._id in inner.known:
                prev = seeds.get(r._id)
                seeds[r._id] = gk if prev is None else prev + gk
        del result, gs, g
        sources = [a for a in args] + list(self.variables)
        source_ids = {s._id for s in sources if s._id is not None}
        float_ids = {s._id for s in sources if s._id is not None and s._value.dtype.kind in "fcV"}
        results: dict[int, Any] = {}
        if seeds:
            results, _ = backward(inner.entries, True, seeds, source_ids, xp, len(batch), float_ids)
        grads: list[Any] = []
        for src, need in zip(sources, needs):
            v = src._value
            r = results.get(src._id) if src._id is not None else None
            if r is None:
                if not need or v.dtype.kind not in "fcV":
                    grads.append(None)
                    continue
                r = xp.zeros(batch + tuple(v.shape), dtype=v.dtype)  # TF: unconnected inputs get zeros
            if type(r).__name__ == "IndexedSlices":
                r = r._dense()
            if diff:
                grads.append(r if type(r) is Tensor else make(r._value if isinstance(r, _TensorLike) else r, xp))
            else:
                grads.append(r._value if isinstance(r, _TensorLike) else r)
        return tuple(grads)


def _recompute_fwd(F: Any, *vals: Any, call: _RecomputeCall) -> Any:
    res = call.take(vals)
    return res if len(res) > 1 else res[0]


def _recompute_forward(F: Any, ts: Any, ins: Any, out: Any, p: dict[str, Any]) -> Any:
    raise NotImplementedError(
        f"recompute_grad tried to transpose grad of {_name(p['call'].f)}. Consider not using recompute_grad in "
        "forward mode autodiff: the recomputed function keeps no intermediates for a forward-mode pass. Call the "
        "function itself (without recompute_grad) inside the ForwardAccumulator."
    )


# The op's inputs are the call's tensor arguments and the variables it read; its output is the function's result
# (computed before the op runs and handed over once). The tape keeps the inputs only: neither the intermediates
# nor the result. Functions with several results use the multi-output variant (which keeps its outputs).
RECOMPUTE_GRAD = defop(
    "recompute_grad", _recompute_fwd, _user_vjp, None, forward_rule=_recompute_forward,
    test=spec(lambda tf, x, w: recompute_grad(lambda a, b: tf.tanh(tf.matmul(a, b)))(x, w),
              lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=(3, 4)) * 0.5),
              ref=lambda x, w: np.tanh(x @ w), tf=False),
)
RECOMPUTE_GRAD_N = defop(
    "recompute_grad_n", _recompute_fwd, _user_vjp, None, forward_rule=_recompute_forward, multi=True,
    test=spec(lambda tf, x, w: recompute_grad(lambda a, b: (tf.sin(a) * b, a * a))(x, w),
              lambda rng: (rng.normal(size=(3,)), rng.normal(size=(3,))),
              ref=lambda x, w: (np.sin(x) * w, x * x), tf=False),
)


def recompute_grad(f: Callable[..., Any]) -> Callable[..., Any]:
    """Trade compute for memory (``tf.recompute_grad``): ``f``'s intermediates are not kept for the backward pass.

    The wrapped function runs ``f`` once without recording. A gradient through it runs ``f`` again under a local
    tape and differentiates that run, so a tape holds only each call's inputs and outputs. Gradients (also for
    variables ``f`` reads, and of higher order) are those of ``f`` itself. Forward mode is not supported: calling
    it on inputs that carry a ``ForwardAccumulator`` tangent raises NotImplementedError (as TensorFlow).

    >>> import tapegrad as tf
    >>> w = tf.Variable(3.0)
    >>> layer = tf.recompute_grad(lambda x: tf.tanh(w * x))
    >>> x = tf.constant(0.5)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = layer(layer(x))
    >>> gx, gw = tape.gradient(y, [x, w])
    >>> round(float(gx), 6), round(float(gw), 6)   # the same as without recompute_grad
    (0.028241, 0.020424)
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        saved = _tape.local.tapes
        if not saved:
            return f(*args, **kwargs)
        watcher = _VariableWatcher()
        _tape.local.tapes = (watcher,)  # type: ignore[assignment]  # nothing records: no intermediates are kept
        try:
            result = f(*args, **kwargs)
        finally:
            _tape.local.tapes = saved
        bound = _Bound(f, args, kwargs)
        variables = [v for v in watcher.variables.values() if not bound.is_input(v)]
        leaves = bound.inputs + variables
        if not leaves:
            return result  # nothing to differentiate with respect to
        from .ops._common import to_tensor

        flat = [to_tensor(r) for r in _nest.flatten(result)]
        if not flat:
            return result
        call = _RecomputeCall(f, bound, variables, leaves[0]._xp, flat)
        out = applyn(RECOMPUTE_GRAD_N if len(flat) > 1 else RECOMPUTE_GRAD, tuple(leaves), {"call": call})
        return _nest.pack_sequence_as(result, out if len(flat) > 1 else [out])

    return wrapper


# ------------------------------------------------------------------------------------------------------------
# grad_pass_through


class _PassThroughCall:
    __slots__ = ("name", "bound", "n_var")

    def __init__(self, name: str, bound: _Bound, n_var: int) -> None:
        self.name = name
        self.bound = bound
        self.n_var = n_var

    def vjp(self, F: Any, g: Any, ins: Any, out: Any, needs: Any) -> tuple[Any, ...]:
        bound = self.bound
        n_out = len(g)
        if n_out == bound.n_full:
            with_kw = True
        elif n_out == bound.n_pos:
            with_kw = False
        else:
            raise ValueError(
                f"custom_gradient function expected to return {bound.n_full} gradients, but returned {n_out} "
                f"instead: grad_pass_through({self.name}) passes output i's gradient to input i, so the function "
                f"needs as many outputs as tensor inputs ({bound.n_full})."
            )
        grads: list[Any] = [None] * len(ins)
        pairs = [(i, s) for i, s in enumerate(bound.pos_slot)]
        if with_kw:
            pairs += [(bound.n_pos + k, s) for k, (_, s) in enumerate(bound.kw_slot)]
        for i, s in pairs:
            if s is None:
                continue
            oshape, ishape = tuple(F.shape(out[i])), tuple(F.shape(ins[s]))
            try:
                ok = np.broadcast_shapes(oshape, ishape) in (oshape, ishape)
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(
                    f"grad_pass_through({self.name}): output {i} has shape {oshape} but input {i} has shape "
                    f"{ishape}; the identity gradient needs shapes that match (or broadcast)."
                )
            grads[s] = g[i]
        return tuple(grads)


GRAD_PASS_THROUGH = defop(
    "grad_pass_through", _identity_fwd, _user_vjp, None, forward_rule=_results_forward, multi=True,
    test=spec(lambda tf, x: grad_pass_through(lambda a: tf.identity(a))(x), lambda rng: (rng.normal(size=(4,)),),
              ref=lambda x: x, tf=False),
)


def grad_pass_through(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` in the forward pass, the identity in the backward pass (``tf.grad_pass_through``).

    Output ``i`` passes its gradient unchanged to input ``i`` (straight-through estimators, gradients through
    assignments). Variables read inside ``f`` get no gradient. Forward mode follows ``f``'s own ops.

    >>> import tapegrad as tf
    >>> x = tf.Variable(1.0)
    >>> z = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = tf.grad_pass_through(x.assign)(z ** 2)
    >>> float(y), float(tape.gradient(y, z))
    (9.0, 6.0)
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        saved = _tape.local.tapes
        watcher = _VariableWatcher()
        # Reverse tapes need nothing from inside f (its gradient is the identity); accumulators follow f's ops.
        _tape.local.tapes = tuple(r for r in saved if r.forward) + (watcher,)  # type: ignore[assignment]
        try:
            result = f(*args, **kwargs)
        finally:
            _tape.local.tapes = saved
        bound = _Bound(f, args, kwargs)
        variables = [v for v in watcher.variables.values() if not bound.is_input(v)]
        return _record(GRAD_PASS_THROUGH, _PassThroughCall(_name(f), bound, len(variables)), bound, variables,
                       result)

    return wrapper


def _spec_custom(x: Any, y: Any) -> Any:
    """The registry test of ``custom_gradient``: sin(x) * y with its (correct) hand-written gradient."""
    from .ops.trigonometric import cos, sin

    @custom_gradient
    def f(a: Any, b: Any) -> Any:
        s = sin(a)

        def grad(dz: Any) -> Any:
            return dz * cos(a) * b, dz * s

        return s * b, grad

    return f(x, y)

