"""Shape-generic traces: one run of the Python body serves every size of a signature's ``None`` dimensions.

A trace records concrete shapes: gradient rules, the memory plan and the generated code all bake the sizes they
saw (unbroadcast axes, ``broadcast_to``/``reshape`` targets, element counts of means, buffer sizes). TF's trace of a
``TensorSpec([None])`` is symbolic instead, and runs the body once. tapegrad gets the same from its one trace by
**re-specialising the recorded graph** for each new concrete shape, without running the body again:

* While a trace of a signature with ``None`` dims runs, the tracer keeps a :class:`ShapeLog` next to the graph:
  every use of a ``GradientTape`` (enter, watch, ``gradient``/``jacobian`` calls with their arguments and results,
  exit), which nodes the backward engine made for each gradient call (*derived* nodes), the Python reads of
  traced tensors' static shapes, and the user's specs of ``tf.reshape`` calls.
* For another concrete shape, :func:`respecialize` traces the **graph** instead of the body (``trace`` with a
  replay as the ``run`` function): forward nodes are applied again to the new values, tapes are entered and
  watched again, and each gradient call runs the backward engine again at the new shapes, so every shape-derived
  attribute of a gradient (sum-to axes, broadcast targets, the count a mean divides by, zeros' shapes) is rebuilt
  by the same rules, never patched. Guards are checked on the new values. The memory plan and the generated code
  are then made for the new shape as for any trace (cheap; the Python body does not run).
* Nothing is assumed that is not checked. A forward node whose input shapes changed must be shape-free: one ufunc
  call over its inputs, or an op of :data:`SHAPE_FREE` (attributes such as ``axis`` or ``perm`` that depend on ranks
  only), or a ``tf.reshape`` written by the user (its ``-1`` is solved again). A Python read of a traced tensor's
  static shape (other than a placeholder's, whose ``None`` dims the body sees) must see the same shape again.
  Forward-mode accumulators are not replayed. When a check fails, :class:`NotGeneric` says why and the caller
  runs the body again for that shape (the old behaviour), so a replay is never silently wrong.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .. import _nest
from .._dispatch import _record
from .._tape import local, on_variable_read
from .._tensor import Tensor, Variable, _TensorLike, make, note_break
from .graph import ASSIGN, ASSIGN_ADD, ASSIGN_SUB, GUARD, PRINT, READ_VARIABLE, SCATTER, Graph, guard_holds
from .replay import apply_update

__all__ = ["NotGeneric", "ShapeLog", "respecialize", "SHAPE_FREE"]

_new = object.__new__

# Forward ops whose attributes depend on ranks only (axes, permutations, flags, dtypes): applying them with the
# traced attributes to inputs of other sizes computes what the body would have. Elementwise ufunc nodes need no
# entry (``lower.lowerable_ufunc``).
SHAPE_FREE = frozenset({
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "reduce_variance", "reduce_std", "argmax", "argmin", "matmul", "transpose", "cast",
    "identity", "stop_gradient", "softmax", "log_softmax", "concat", "shape", "size", "where", "select",
    "relu", "relu6", "elu", "selu", "gelu", "leaky_relu", "sigmoid", "softplus", "softsign", "tanh", "sin", "cos",
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "abs", "negative", "sign", "reciprocal", "floor",
    "ceil", "round", "add", "subtract", "multiply", "divide", "truediv", "floordiv", "mod", "pow", "maximum",
    "minimum", "squared_difference", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not", "clip_by_value", "add_n", "ensure_shape", "cumsum", "cumprod",
    "l2_normalize", "real", "imag", "conj", "angle", "is_nan", "is_inf", "is_finite", "erf", "atan2",
    "host_value", "host_values", "host_effect", "fill_like", "bias_add", "gather", "one_hot", "l2_loss", "moments",
    "stack",
    "dropout", "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
    "sparse_to_dense", "sparse_gather", "sparse_dense_matmul", "sparse_reduce_sum", "sparse_softmax",  # (indices
    "sparse_row_sum",  # are inputs)
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
})
# Ops whose attributes depend on the sizes of the non-leading dims only (padding from the spatial size): shape-free
# when only the leading (batch) dim of their inputs changed.
BATCH_FREE = frozenset({"conv2d", "max_pool2d", "avg_pool2d", "max_pool_argmax", "batch_normalization",
                        "fused_batch_norm_train"})
# Ops shape-free only when the user called the API that makes them (other tapegrad code may compute their
# attributes from shapes): op -> the API functions.
USER_CALLED = {"strided_slice": frozenset({"getitem", "__getitem__", "strided_slice"})}


# ops whose gradient runs the user's Python (tf.custom_gradient's grad_fn, recompute_grad's function)
_PYTHON_GRADIENTS = frozenset({"custom_gradient", "recompute_grad", "recompute_grad_n"})


class NotGeneric(Exception):
    """This trace cannot be replayed for these shapes (the message says why); run the body again instead."""


class ShapeLog:
    """What a trace of a signature with ``None`` dims records besides its graph (see the module docs)."""

    __slots__ = ("events", "derived", "depth", "reads", "reason", "tapes", "reshapes", "keep")

    def __init__(self) -> None:
        self.events: list[list[Any]] = []  # [node position, kind, data...] in program order
        self.derived: set[int] = set()  # positions of nodes made by the backward engine (rebuilt on replay)
        self.depth = 0  # > 0 while a recorded gradient/jacobian call runs
        self.reads: list[tuple[int, tuple[int, ...]]] = []  # (value id, shape) whose static shape Python read
        self.reason: str | None = None  # why the trace cannot be replayed (None: it can)
        self.tapes: dict[int, int] = {}  # id(GradientTape) -> its number in this log
        # node position -> the user's tf.reshape spec (-1 kept); () for other nodes the user's own call made
        self.reshapes: dict[int, tuple[int, ...]] = {}
        self.keep: list[Any] = []  # tapes kept alive (their ids stay theirs)

    def refuse(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason


# -- recording (called while the trace runs) -----------------------------------------------------------------------
def _log() -> tuple[Any, ShapeLog | None]:
    tr = local.tracer
    return tr, getattr(tr, "shapelog", None)  # (None for other recorders: control flow's sandbox)


def _ref(tr: Any, x: Any) -> Any:
    """A replayable reference to a tape argument: a Variable itself, a traced value's id, or a plain Python value."""
    if isinstance(x, Variable) or type(getattr(x, "_var", None)) is Variable:
        return ("var", x)
    if isinstance(x, _TensorLike):
        return ("vid", tr.vid_of(x, x._value))
    if type(x).__name__ == "IndexedSlices":
        return ("slices", _ref(tr, x.values), _ref(tr, x.indices), x.dense_shape)
    if isinstance(x, (np.ndarray, np.generic)):
        return ("vid", tr.capture(np.asarray(x)))
    return ("py", x)  # None, a Python number or string, an UnconnectedGradients value


def _refs(tr: Any, x: Any) -> Any:
    if x is None or isinstance(x, _TensorLike) or not _nest.is_nested(x):
        return ("leaf", _ref(tr, x))
    return ("nest", x, [_ref(tr, v) for v in _nest.flatten(x)])


def _on_tape(kind: str, tape: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``gradient_tape._trace_hook``: record a tape use of a generic trace (or pass for other traces)."""
    from ..gradient_tape import _PASS, GradientTape

    tr, log = _log()
    if log is None or log.depth:
        return _PASS
    key = log.tapes.get(id(tape))
    if key is None:
        key = log.tapes[id(tape)] = len(log.tapes)
        log.keep.append(tape)
    pos = len(tr.graph.nodes)
    try:
        if kind == "enter":
            log.events.append([pos, "enter", key, tape._persistent, tape._watch_accessed_variables])
        elif kind in ("exit", "stop", "resume", "reset"):
            log.events.append([pos, kind, key])
        elif kind == "watch":
            log.events.append([pos, "watch", key, _refs(tr, args[0])])
        else:  # gradient / jacobian / batch_jacobian: replayed as a call, its engine nodes rebuilt
            event = [pos, "call", key, kind, [_refs(tr, a) for a in args],
                     {k: _refs(tr, v) for k, v in kwargs.items()}, None]
            log.events.append(event)
    except NotGeneric as exc:
        log.refuse(str(exc))
        return _PASS
    if kind not in ("gradient", "jacobian", "batch_jacobian"):
        return _PASS
    log.depth += 1
    try:
        result = getattr(GradientTape, kind)(tape, *args, **kwargs)
    finally:
        log.depth -= 1
    try:
        event[6] = _refs(tr, result)
    except NotGeneric as exc:
        log.refuse(str(exc))
    return result


def on_shape_read(t: Any) -> None:
    """``Tensor.shape`` was read while a generic trace runs: the value it saw must stay the same on a replay."""
    tr, log = _log()
    if log is None or log.depth:
        return
    raw = t._value
    vid = tr.ids.get(id(raw))
    if vid is None or tr.graph.values[vid].kind == "const":
        return
    log.reads.append((vid, tuple(raw.shape)))


def note_node(tr: Any, log: ShapeLog, node: Any, vals: tuple[Any, ...] = (), out: Any = None) -> None:
    """Called by the tracer for each node it appends while a generic trace runs."""
    pos = len(tr.graph.nodes) - 1
    if log.depth and node.op is not READ_VARIABLE:
        log.derived.add(pos)
        return
    if local.accumulators:
        log.refuse("a forward-mode accumulator (tf.autodiff.ForwardAccumulator) is active in the body")
    if node.op.name in _PYTHON_GRADIENTS:
        log.refuse(f"a {node.op.name} function: its gradient is Python code of the trace (closures over traced "
                   "tensors) that a replay cannot run again for other shapes")
    if node.op.name == "reshape":
        spec = _reshape_spec()
        if spec is not None:
            log.reshapes[pos] = spec
    elif node.op.name in USER_CALLED and _api_called() in USER_CALLED[node.op.name]:
        log.reshapes[pos] = ()  # made by the user's own call: its attributes are the user's
    if vals and out is not None:
        _infer_static(tr, log, node, pos, vals, out)


# -- static shapes with None dims for tensors computed in the body (TF's shape inference, for common ops) ------------
_ELEMENTWISE = SHAPE_FREE - {
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "reduce_variance", "reduce_std", "argmax", "argmin", "matmul", "transpose", "concat", "shape",
    "size", "host_value", "host_values", "host_effect", "gather", "one_hot", "l2_loss", "moments", "stack", "cumsum",
    "cumprod",
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits", "fill_like", "ensure_shape",
    "add_n"}
_REDUCTIONS = frozenset({"reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
                         "reduce_all", "reduce_logsumexp", "reduce_variance", "reduce_std"})


def _static_of(raw: Any) -> Any:
    from .._shape import TensorShape
    from .._tensor import _relaxed_shapes

    return _relaxed_shapes.get(id(raw)) or TensorShape(np.shape(raw))


def _broadcast(shapes: list[Any]) -> Any:
    from .._shape import TensorShape

    if any(s.rank is None for s in shapes):
        return TensorShape(None)
    n = max(s.rank for s in shapes)
    out: list[int | None] = []
    for k in range(n):
        dims = [s.as_list()[k - n + s.rank] for s in shapes if k - n + s.rank >= 0]
        known = [d for d in dims if d is not None and d != 1]
        if known:
            out.append(known[0])
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return TensorShape(out)


def _infer_static(tr: Any, log: ShapeLog, node: Any, pos: int, vals: tuple[Any, ...], out: Any) -> None:
    """The static shape (None where a size follows a None dim) of a node's output, for the common ops: what the body
    sees through ``Tensor.shape``, as in TF. Other ops' outputs show their traced sizes (a read of them is checked)."""
    from .._shape import TensorShape
    from .._tensor import _relaxed_shapes

    if node.op.multi or len(node.outputs) != 1 or not node.inputs:
        return
    ins = [_static_of(v) for v in vals]
    if all(s.is_fully_defined() for s in ins):
        return
    name, p = node.op.name, node.params
    out_shape = tr.graph.values[node.outputs[0]].shape
    shape = None
    if name in _ELEMENTWISE or name in ("cast", "identity", "stop_gradient", "softmax", "log_softmax", "cumsum",
                                        "cumprod", "ensure_shape", "fill_like"):
        shape = _broadcast([s for s, v in zip(ins, node.inputs) if tr.graph.values[v].kind != "const"] or ins)
        if name == "ensure_shape":
            return  # refined by the op itself
    elif name in _REDUCTIONS and ins[0].rank is not None:
        axes = {a % ins[0].rank for a in (p.get("axis") or range(ins[0].rank))}
        dims = ins[0].as_list()
        shape = TensorShape([1 if k in axes else d for k, d in enumerate(dims)] if p.get("keepdims")
                            else [d for k, d in enumerate(dims) if k not in axes])
    elif name == "matmul" and len(ins) == 2 and ins[0].rank and ins[1].rank and ins[0].rank >= 2 and \
            ins[1].rank >= 2:
        a, b = ins[0].as_list(), ins[1].as_list()
        m = a[-1] if p.get("ta") or p.get("aa") else a[-2]
        n = b[-2] if p.get("tb") or p.get("ab") else b[-1]
        batch = _broadcast([TensorShape(a[:-2]), TensorShape(b[:-2])]).as_list()
        shape = TensorShape([*batch, m, n])
    elif name == "transpose" and ins[0].rank is not None:
        dims = ins[0].as_list()
        shape = TensorShape([dims[k] for k in p["perm"]])
    elif name == "reshape" and pos in log.reshapes and ins[0].rank is not None:
        spec = log.reshapes[pos]
        shape = TensorShape([None if d == -1 else d for d in spec])
    elif name in ("expand_dims", "squeeze", "bias_add", "dropout") and ins[0].rank is not None:
        if name in ("bias_add", "dropout"):
            shape = ins[0]
        else:
            a, t = tr.graph.values[node.inputs[0]].shape, p["shape"]
            dims = ins[0].as_list()
            if name == "expand_dims":
                k = next((k for k in range(len(a) + 1) if a[:k] + (1,) + a[k:] == tuple(t)), None)
                shape = None if k is None else TensorShape(dims[:k] + [1] + dims[k:])
            else:
                dropped = _dropped(a, tuple(t))
                shape = None if dropped is None else TensorShape([d for k, d in enumerate(dims) if k not in dropped])
    if shape is None or shape.rank != len(out_shape) or shape.is_fully_defined():
        return
    if any(d is not None and d != o for d, o in zip(shape.as_list(), out_shape)):
        return  # (inference and the traced sizes disagree: keep the traced sizes)
    if tr.ids.get(id(out)) == node.outputs[0]:
        _relaxed_shapes[id(out)] = shape


def _api_called() -> str | None:
    """The name of the tapegrad function the user's code called (the outermost tapegrad frame)."""
    from .._tensor import _PACKAGE_DIR

    f = sys._getframe(2)
    name = None
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        name = f.f_code.co_name
        f = f.f_back
    return name


def _reshape_spec() -> tuple[int, ...] | None:
    """The ``shape`` argument of a ``tf.reshape`` called from user code (not from tapegrad's own code)."""
    from .._tensor import _PACKAGE_DIR

    f = sys._getframe(2)
    for _ in range(6):  # up to the op's wrapper (note_node <- Tracer <- dispatcher <- tf.reshape)
        if f is None or (f.f_code.co_name == "reshape" and f.f_code.co_filename.startswith(_PACKAGE_DIR)):
            break
        f = f.f_back
    if f is None or f.f_code.co_name != "reshape" or f.f_back is None:
        return None
    if f.f_back.f_code.co_filename.startswith(_PACKAGE_DIR):
        return None
    spec = f.f_locals.get("shape")
    if isinstance(spec, _TensorLike) or hasattr(spec, "as_list"):
        return None
    try:
        dims = (spec,) if isinstance(spec, (int, np.integer)) else tuple(spec)
        if any(isinstance(d, _TensorLike) for d in dims):
            return None
        return tuple(int(d) for d in dims)
    except (TypeError, ValueError):
        return None


def install() -> None:
    from .. import _tensor, gradient_tape

    gradient_tape._trace_hook = _on_tape
    _tensor._shape_read = on_shape_read


# -- replay ----------------------------------------------------------------------------------------------------
class Template:
    """A generic trace kept for replays: its traced graph, log, output structure and specs."""

    __slots__ = ("graph", "log", "structure", "specs")

    def __init__(self, graph: Graph, log: ShapeLog, structure: Any, specs: Any) -> None:
        self.graph, self.log, self.structure, self.specs = graph, log, structure, specs


def _shape_of(x: Any) -> tuple[int, ...]:
    if isinstance(x, _TensorLike):
        return tuple(x._value.shape)
    return tuple(np.shape(x))


def _apply(op: Any, args: list[Any], p: dict[str, Any], backend: Any) -> Any:
    """The dispatcher's recording branch for one replayed node (inputs may be constants or Python numbers)."""
    vals = tuple([a._value if isinstance(a, _TensorLike) else a for a in args])
    xp = next((a._xp for a in args if isinstance(a, _TensorLike)), backend)
    if any(type(v).__name__ == "RandomKernel" for v in p.values()):  # draw from a copy, never the trace's kernels
        p = {k: v.fork() if type(v).__name__ == "RandomKernel" else v for k, v in p.items()}
    out = op.fwd(xp, *vals, **p)
    if op.multi:
        res: Any = []
        for o in out:
            t = _new(Tensor)
            t._value, t._xp, t._id = o, xp, None
            res.append(t)
    else:
        res = _new(Tensor)
        res._value, res._xp, res._id = out, xp, None
    tapes = local.tapes
    if tapes:
        tr = local.tracer
        if tr is not None:
            tr.on_op(op, tuple(args), vals, res, out, p)
        for a in args:
            if isinstance(a, Variable):
                on_variable_read(a, tapes)
        ids = tuple([a._id if isinstance(a, _TensorLike) else None for a in args])
        floats = any(o.dtype.kind in "fcV" for o in out) if op.multi else getattr(out, "dtype", None) is not None \
            and out.dtype.kind in "fcV"
        if op.vjp is None or not floats:
            note_break(op, ids, tapes)
        else:
            _record(op, ids, vals, res, out, p, tapes)
    return res


def _tensor(x: Any, like: Any = None) -> Any:
    if isinstance(x, _TensorLike):
        return x
    from .._backend import NUMPY

    if type(x) in (int, float, bool, complex):
        dt = getattr(getattr(like, "dtype", None), "_np", None)
        return make(np.asarray(x, dtype=dt), NUMPY)
    return make(np.asarray(x), NUMPY)


def respecialize(template: Template, inputs: list[Any], *, name: str, jit_compile: bool = False,
                 names: list[str] | None = None) -> Any:
    """A :class:`~tapegrad.compiler.program.Program` for ``inputs``' shapes made from ``template``'s graph (the body
    does not run); raises :class:`NotGeneric` (or the replay's own error) when that cannot be done soundly."""
    from .trace import GuardMiss, trace

    g1, log = template.graph, template.log
    if log.reason is not None:
        raise NotGeneric(log.reason)

    def run(placeholders: list[Any]) -> tuple[list[Any], Any]:
        env: dict[int, Any] = dict(g1.consts)
        for vid, x in zip(g1.inputs, placeholders):
            env[vid] = x
        tapes: dict[int, Any] = {}
        stops: dict[int, Any] = {}
        events = log.events
        k = 0

        def resolve(ref: Any) -> Any:
            kind = ref[0]
            if kind == "var":
                return ref[1]
            if kind == "py":
                return ref[1]
            if kind == "slices":
                from .._indexed_slices import IndexedSlices

                return IndexedSlices(resolve(ref[1]), resolve(ref[2]), ref[3])
            return _tensor(env[ref[1]])

        def resolve_all(r: Any) -> Any:
            if r[0] == "leaf":
                return resolve(r[1])
            return _nest.pack_sequence_as(r[1], [resolve(v) for v in r[2]])

        def bind(r: Any, value: Any) -> None:
            leaves = [(r[1], value)] if r[0] == "leaf" else list(zip(r[2], _nest.flatten(value)))
            for ref, v in leaves:
                if ref[0] == "vid":
                    env[ref[1]] = v
                elif ref[0] == "slices":
                    env[ref[1][1]] = v.values
                    env[ref[2][1]] = v.indices

        def event(ev: Any) -> None:
            from ..gradient_tape import GradientTape

            kind, key = ev[1], ev[2]
            if kind == "enter":
                t = tapes.get(key)
                if t is None:
                    t = tapes[key] = GradientTape(persistent=ev[3], watch_accessed_variables=ev[4])
                t.__enter__()
            elif kind == "exit":
                tapes[key].__exit__(None, None, None)
            elif kind == "watch":
                tapes[key].watch(resolve_all(ev[3]))
            elif kind == "stop":
                cm = stops[key] = tapes[key].stop_recording()
                cm.__enter__()
            elif kind == "resume":
                stops.pop(key).__exit__(None, None, None)
            elif kind == "reset":
                tapes[key].reset()
            else:  # a gradient/jacobian call: the engine runs again at these shapes
                args = [resolve_all(a) for a in ev[4]]
                kwargs = {n: resolve_all(v) for n, v in ev[5].items()}
                result = getattr(tapes[key], ev[3])(*args, **kwargs)
                if ev[6] is not None:
                    bind(ev[6], result)

        reads: dict[int, tuple[int, ...]] = dict(log.reads)

        def check_reads(vids: Any) -> None:
            for vid in vids:
                shape = reads.get(vid)
                if shape is not None and vid in env and _shape_of(env[vid]) != shape:
                    raise NotGeneric(f"the body read the static shape {shape} of a tensor whose shape depends on a "
                                     f"None dimension (it is {_shape_of(env[vid])} now)")

        check_reads(g1.inputs)
        for pos, node in enumerate(g1.nodes):
            while k < len(events) and events[k][0] <= pos:
                event(events[k])
                k += 1
            if pos in log.derived:
                continue
            _replay_node(node, pos, env, g1, log, placeholders, GuardMiss)
            check_reads(node.outputs)
        while k < len(events):
            event(events[k])
            k += 1
        check_reads(list(reads))
        outs = [env[v] for v in g1.outputs]
        return outs, template.structure

    return trace(run, inputs, name=name, jit_compile=jit_compile, names=names)


def _replay_node(node: Any, pos: int, env: dict[int, Any], g1: Graph, log: ShapeLog, inputs: list[Any],
                 guard_miss: Any) -> None:
    op = node.op
    if op is READ_VARIABLE:
        env[node.outputs[0]] = node.params["var"]
        return
    tr = local.tracer
    if op is GUARD:
        x = env[node.inputs[0]]
        raw = x._value if isinstance(x, _TensorLike) else x
        kind, expect = node.params["kind"], node.params["expect"]
        if not guard_holds(raw, kind, expect):
            raise guard_miss(f"guard {kind}() == {expect!r} does not hold for these shapes")
        if isinstance(x, Variable):
            tr.on_convert(x, kind, expect)
        else:
            tr._guard(tr.vid_of(x, raw), kind, np.array(raw, copy=True) if kind == "numpy" else expect)
        return
    if op is PRINT:
        tr.on_print([_tensor(env[i]) for i in node.inputs], node.params["fmt"])
        return
    if op in (ASSIGN, ASSIGN_ADD, ASSIGN_SUB, SCATTER):
        target = node.params["target"]
        var = inputs[target[1]] if isinstance(target, tuple) else target
        operands = [_tensor(env[i], var) for i in node.inputs[1:]]
        apply_update(op, var, operands, node.params.get("mode"))
        env[node.outputs[0]] = var
        return
    args = [env[i] for i in node.inputs]
    params = node.params
    changed = any(_shape_of(a) != g1.values[i].shape for a, i in zip(args, node.inputs))
    if changed:
        params = _shape_free_params(node, pos, args, g1, log)
    if op.name == "host_effect":
        raws = tuple(a._value if isinstance(a, _TensorLike) else a for a in args)
        tr.on_op(op, tuple(_tensor(a) for a in args), raws, None, (), params)
        return
    if op.name == "host_value":
        from .host import host_value

        res = host_value(params["fn"], [_tensor(a) for a in args])
        env[node.outputs[0]] = res
        return
    if op.name == "host_values":
        from .host import host_values

        for o, r in zip(node.outputs, host_values(params["fn"], [_tensor(a) for a in args])):
            env[o] = r
        return
    res = _apply(op, args, params, g1.backend)
    if op.multi:
        for o, r in zip(node.outputs, res):
            env[o] = r
    else:
        env[node.outputs[0]] = res


def _dropped(a: tuple[int, ...], t: tuple[int, ...]) -> set[int] | None:
    """The positions of size-1 dims of ``a`` that a squeeze to ``t`` dropped, when they are unambiguous."""
    dropped = {k for k, d in enumerate(a) if d == 1}
    kept = [d for d in a if d != 1]
    if [d for d in t if d != 1] != kept:
        return None
    if any(d == 1 for d in t):  # some size-1 dims were kept: which ones is ambiguous unless none were dropped
        return None if len(t) != len(a) else set()
    return dropped


def _shape_free_params(node: Any, pos: int, args: list[Any], g1: Graph, log: ShapeLog) -> dict[str, Any]:
    """The node's attributes for inputs of new shapes, or NotGeneric when they may depend on the traced shapes."""
    op = node.op
    if op.name == "reshape":
        spec = log.reshapes.get(pos)
        if spec is not None:
            size = int(np.prod(_shape_of(args[0])))
            shape = list(spec)
            if -1 in shape:
                known = int(np.prod([d for d in shape if d != -1]))
                if known == 0 or size % known:
                    raise NotGeneric(f"tf.reshape to {spec} does not fit {size} elements")
                shape[shape.index(-1)] = size // known
            return {**node.params, "shape": tuple(shape)}
    elif op.name == "expand_dims":  # a 1 inserted (the only maker is tf.expand_dims): inserted again
        a1, t, a2 = g1.values[node.inputs[0]].shape, node.params["shape"], _shape_of(args[0])
        found = {a2[:k] + (1,) + a2[k:] for k in range(len(a1) + 1) if a1[:k] + (1,) + a1[k:] == t}
        if len(found) == 1 and len(a2) == len(a1):
            return {**node.params, "shape": found.pop()}
    elif op.name == "squeeze":  # size-1 dims dropped: the same positions, when the decision cannot differ
        a1, a2 = g1.values[node.inputs[0]].shape, _shape_of(args[0])
        dropped = _dropped(a1, node.params["shape"])
        if dropped is not None and len(a2) == len(a1) and all(a2[k] == 1 for k in dropped) and all(
                a1[k] == 1 for k in range(len(a2)) if a2[k] == 1):
            return {**node.params, "shape": tuple(d for k, d in enumerate(a2) if k not in dropped)}
    elif op.name in SHAPE_FREE:
        return node.params
    elif op.name in USER_CALLED:
        if pos in log.reshapes:
            return node.params
    elif op.name in BATCH_FREE:
        if all(len(_shape_of(a)) == len(g1.values[i].shape) and _shape_of(a)[1:] == g1.values[i].shape[1:]
               for a, i in zip(args, node.inputs)):
            return node.params
    else:
        from .lower import lowerable_ufunc

        try:
            if lowerable_ufunc(node, g1):
                return node.params
        except Exception:  # noqa: BLE001  (no template: not provably shape-free)
            pass
    where = "" if node.source is None else f" ({node.source[0].rsplit('/', 1)[-1]}:{node.source[1]})"
    raise NotGeneric(f"op {op.name!r}{where} has attributes computed for the traced shapes "
                     f"({', '.join(str(g1.values[i].shape) for i in node.inputs)}), and its inputs now have shapes "
                     f"{', '.join(str(_shape_of(a)) for a in args)}")
