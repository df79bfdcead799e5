"""TF's graph-building vocabulary, with the meaning TF 2 gives it: ``tf.group``, ``tf.no_op``, ``tf.tuple``,
``tf.control_dependencies``, ``tf.init_scope``, ``tf.inside_function``, ``tf.timestamp``, ``tf.gradients`` and
``tf.hessians``.

Eagerly, ``group``/``no_op`` return None and ``control_dependencies`` is an empty context, as in TF. Inside a
``tapegrad.function`` body they return an :class:`Operation` (which, as in TF, a function may not return), and
the compiled program keeps TF's ordering without them: effects (variable updates, prints, host calls) run in program
order and every read sees the updates recorded before it. ``tf.gradients``/``tf.hessians`` work inside a
``tapegrad.function`` only (eagerly TF raises ``RuntimeError``; use ``GradientTape``).

>>> import tapegrad as tf
>>> @tf.function
... def f(x):
...     y = x ** 3
...     return tf.gradients(y, x)[0], tf.hessians(y, x)[0]
>>> [float(t) for t in f(tf.constant(2.0))]
[12.0, 12.0]
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ._tape import local
from ._tensor import Tensor, Variable, _TensorLike

__all__ = ["AggregationMethod", "CriticalSection", "get_current_name_scope", "is_symbolic_tensor",
           "type_spec_from_value", "Operation", "control_dependencies", "gradients", "group", "hessians",
           "init_scope", "inside_function", "no_op", "timestamp", "tuple"]

_builtin_tuple = tuple


class Operation:
    """What ``tf.group`` / ``tf.no_op`` return inside a ``tapegrad.function`` body: an operation with no outputs
    (TF's ``NoOp``). It can be passed to ``tf.control_dependencies``; returning it from the function is a
    ``TypeError``, as in TF."""

    __slots__ = ("name", "type")

    def __init__(self, name: str, type: str = "NoOp") -> None:  # noqa: A002 - TF's attribute name
        self.name = name
        self.type = type

    @property
    def outputs(self) -> list[Any]:
        return []

    def __repr__(self) -> str:
        return f"<tapegrad.Operation '{self.name}' type={self.type}>"


def inside_function() -> bool:
    """True while a ``tapegrad.function`` body is being traced (also inside its ``init_scope``), as TF's
    ``tf.inside_function``.

    >>> import tapegrad as tf
    >>> tf.inside_function()
    False
    """
    return local.tracer is not None or bool(_lifted)


def _op_name(name: str | None, default: str) -> str:
    tracer = local.tracer
    base = name or default
    if tracer is None:
        return base
    counts = tracer.counts
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def group(*inputs: Any, name: str | None = None) -> Operation | None:
    """``tf.group``: an operation that runs after ``inputs``. Eagerly they have already run: returns None (TF).
    In a compiled function, returns an :class:`Operation`; the program already runs every effect in order.

    >>> import tapegrad as tf
    >>> v = tf.Variable(1.0)
    >>> tf.group(v.assign_add(1.0), v.assign_add(2.0)) is None, float(v)
    (True, 4.0)
    """
    if local.tracer is None:
        return None
    _check_control_inputs(inputs, "group")
    return Operation(_op_name(name, "group_deps"))


def no_op(name: str | None = None) -> Operation | None:
    """``tf.no_op``: does nothing. Eagerly returns None; in a compiled function an :class:`Operation`.

    >>> import tapegrad as tf
    >>> tf.no_op() is None
    True
    """
    if local.tracer is None:
        return None
    return Operation(_op_name(name, "NoOp"))


def tuple(tensors: Sequence[Any], control_inputs: Sequence[Any] | None = None,  # noqa: A001 - TF's name
          name: str | None = None) -> list[Any]:
    """``tf.tuple``: the same tensors, as a list, available once all of them (and ``control_inputs``) are computed —
    which, eagerly and in tapegrad's programs, they already are.

    >>> import tapegrad as tf
    >>> [float(t) for t in tf.tuple([tf.constant(1.0), tf.constant(2.0)])]
    [1.0, 2.0]
    """
    if isinstance(tensors, (_TensorLike, str, bytes)) or not hasattr(tensors, "__iter__"):
        raise TypeError(f"tf.tuple: `tensors` must be a list of tensors, got {type(tensors).__name__}; wrap a "
                        "single tensor in a list.")
    if control_inputs is not None and local.tracer is not None:
        _check_control_inputs(control_inputs, "tuple")
    return list(tensors)


def _check_control_inputs(inputs: Any, where: str) -> None:
    """Inside a trace, TF requires tensors or operations (eagerly it accepts anything and ignores it)."""
    for c in _flat(inputs):
        if c is None or isinstance(c, (_TensorLike, Operation)) or callable(c) or _is_composite(c):
            continue
        raise TypeError(f"tf.{where}: a control input must be a Tensor, a Variable or an Operation, got "
                        f"{type(c).__name__} ({c!r}). Pass the tensor or op the following code must wait for.")


def _flat(xs: Any) -> Iterator[Any]:
    if isinstance(xs, (list, _builtin_tuple)):
        for x in xs:
            yield from _flat(x)
    else:
        yield xs


def _is_composite(x: Any) -> bool:
    return type(x).__name__ in ("IndexedSlices", "SparseTensor", "RaggedTensor")


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """``tf.control_dependencies``: code in the block runs after ``control_inputs``. Eagerly (and in a compiled
    function, whose program keeps effects and reads in their recorded order) there is nothing to wait for, so the
    block simply runs; inside a trace the inputs are checked as TF checks them.

    >>> import tapegrad as tf
    >>> v = tf.Variable(1.0)
    >>> @tf.function
    ... def f(x):
    ...     a = v.assign_add(1.0)
    ...     with tf.control_dependencies([a]):
    ...         return tf.identity(x) + v
    >>> float(f(tf.constant(3.0))), float(v)
    (5.0, 2.0)
    """
    if control_inputs is not None and local.tracer is not None:
        if callable(control_inputs) and not isinstance(control_inputs, _TensorLike):
            control_inputs = control_inputs()
        _check_control_inputs(control_inputs, "control_dependencies")
    yield None


_lifted: list[Any] = []  # traces paused by init_scope (inside_function stays True)


@contextlib.contextmanager
def init_scope() -> Iterator[None]:
    """``tf.init_scope``: run the block eagerly, outside the function being traced and outside every gradient
    tape (TF lifts it into the eager context): ops in it are not recorded, their results are constants of the
    program, and ``tf.executing_eagerly()`` is True in it. The usual use is creating state once.

    >>> import tapegrad as tf
    >>> @tf.function
    ... def f(x):
    ...     with tf.init_scope():
    ...         eager = tf.executing_eagerly()
    ...     return x + 1.0, eager
    >>> bool(f(tf.constant(1.0))[1])
    True
    """
    saved = (local.tapes, local.accumulators, local.tracer)
    if saved[2] is not None:
        _lifted.append(saved[2])
    local.tapes, local.accumulators, local.tracer = (), (), None
    try:
        yield None
    finally:
        local.tapes, local.accumulators, local.tracer = saved
        if saved[2] is not None:
            _lifted.pop()


def timestamp(name: str | None = None) -> Tensor:
    """``tf.timestamp``: seconds since the epoch, a float64 scalar; in a compiled function, read on every call.

    >>> import tapegrad as tf
    >>> tf.timestamp().dtype
    tapegrad.float64
    """
    from ._backend import NUMPY
    from ._tensor import make

    if local.tracer is None:
        return make(np.float64(time.time()), NUMPY)
    from .compiler.host import host_value

    return host_value(lambda: np.float64(time.time()))


# -- tf.gradients / tf.hessians --------------------------------------------------------------------------------------

_PASS_ON = frozenset({"identity", "stop_gradient"})  # ops whose output is their input's array
_EAGER = ("tf.{0} is not supported when eager execution is enabled (as in TF). Use tf.GradientTape instead, or "
          "call tf.{0} inside a tapegrad.function.")


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients", gate_gradients: bool = False,
              aggregation_method: Any = None, stop_gradients: Any = None,
              unconnected_gradients: Any = "none") -> list[Any]:
    """``tf.gradients`` inside a ``tapegrad.function``: the symbolic partial derivatives of ``sum(ys)`` with respect
    to each of ``xs`` (tensors of the function, or Variables it reads), weighted by ``grad_ys``; ``stop_gradients``
    are held constant. Returns a list with one entry per ``x`` (None where ``x`` does not reach ``ys``, unless
    ``unconnected_gradients="zero"``).

    The part of the traced computation between ``xs`` and ``ys`` is recorded again under a tape (the program's
    common-subexpression pass merges the copy with the original), so the gradients are the registry's rules, as
    ``GradientTape`` computes them. A random op or host call on that path cannot be replayed with the same
    values: such a gradient raises ``NotImplementedError`` (use ``GradientTape`` there).

    >>> import tapegrad as tf
    >>> @tf.function
    ... def f(x, z):
    ...     y = x * x + tf.reduce_sum(z)
    ...     return tf.gradients([y, 2 * y], [x, z], grad_ys=[tf.constant(1.0), tf.constant(3.0)])
    >>> [t.numpy().tolist() for t in f(tf.constant(2.0), tf.constant([1.0, 2.0]))]
    [28.0, [7.0, 7.0]]
    """
    from .gradient_tape import GradientTape

    ys_l, xs_l, replayed, sources = _replay_setup("gradients", ys, xs, stop_gradients)
    with GradientTape() as tape:
        tape.watch(sources)
        targets = replayed(sources)
    weights = None
    if grad_ys is not None:
        weights = list(grad_ys) if isinstance(grad_ys, (list, _builtin_tuple)) else [grad_ys]
        if len(weights) != len(ys_l):
            raise ValueError(f"tf.gradients: {len(ys_l)} ys but {len(weights)} grad_ys; pass one weight per y "
                             "(or None for ones).")
        weights = [None if w is None else w for w in weights]
        if any(w is None for w in weights):
            from .ops.creation import ones_like

            weights = [ones_like(t) if w is None else w for t, w in zip(targets, weights)]
    return tape.gradient(targets, sources, output_gradients=weights, unconnected_gradients=unconnected_gradients)


def hessians(ys: Any, xs: Any, name: str = "hessians", colocate_gradients_with_ops: bool = False,
             gate_gradients: bool = False, aggregation_method: Any = None) -> list[Any]:
    """``tf.hessians`` inside a ``tapegrad.function``: for each ``x``, the second derivatives of ``sum(ys)``, of
    shape ``x.shape + x.shape``.

    >>> import tapegrad as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.hessians(tf.reduce_sum(x ** 3), x)[0]
    >>> f(tf.constant([1.0, 2.0])).numpy().tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    from .gradient_tape import GradientTape

    ys_l, xs_l, replayed, sources = _replay_setup("hessians", ys, xs, None)
    with GradientTape(persistent=True) as outer:
        outer.watch(sources)
        with GradientTape() as inner:
            inner.watch(sources)
            targets = replayed(sources)
        grads = inner.gradient(targets, sources)
    out = []
    for g, x in zip(grads, sources):
        out.append(None if g is None else outer.jacobian(g, x))
    return out


def _replay_setup(what: str, ys: Any, xs: Any, stop: Any) -> Any:
    """The values of ``ys``/``xs`` in the running trace and a function that records the traced nodes between them
    again, from new source tensors (see :func:`gradients`)."""
    tracer = local.tracer
    if tracer is None:
        raise RuntimeError(_EAGER.format(what))
    from .compiler.graph import READ_VARIABLE, is_stateful
    from .compiler.replay import _tensor as as_input
    from .ops.core import identity

    ys_l = list(ys) if isinstance(ys, (list, _builtin_tuple)) else [ys]
    xs_l = list(xs) if isinstance(xs, (list, _builtin_tuple)) else [xs]
    graph = tracer.graph

    producer = {o: n for n in graph.nodes for o in n.outputs}

    def vid(t: Any, role: str) -> int | None:
        if isinstance(t, Variable):
            return tracer.var_read.get(id(t._dense() if hasattr(t, "_dense") else t))
        if not isinstance(t, _TensorLike):
            raise TypeError(f"tf.{what}: {role} must be tensors, got {type(t).__name__}.")
        v = tracer.tensor_vids.get(id(t))
        if v is not None:
            return v
        # an input or a captured constant: its array's id may have been taken over by an op that hands its input
        # on unchanged (identity, stop_gradient); the value itself is where that chain starts
        v = tracer.ids.get(id(t._value))
        while v in producer and producer[v].op.name in _PASS_ON and producer[v].inputs:
            v = producer[v].inputs[0]
        return v

    y_vids = [vid(y, "ys") for y in ys_l]
    x_vids = [vid(x, "xs") for x in xs_l]
    stop_vids = {vid(s, "stop_gradients") for s in (stop if isinstance(stop, (list, _builtin_tuple)) else
                                                     [] if stop is None else [stop])}
    nodes = graph.nodes
    # nodes downstream of xs (not through stop_gradients) and upstream of ys
    down = {v for v in x_vids if v is not None}
    reach: list[Any] = []
    for node in nodes:
        if node.op is READ_VARIABLE:
            continue
        if any(i in down for i in node.inputs):
            reach.append(node)
            down.update(o for o in node.outputs if o not in stop_vids)
    up = {v for v in y_vids if v is not None}
    keep = []
    for node in reversed(reach):
        if any(o in up for o in node.outputs):
            keep.append(node)
            up.update(node.inputs)
    keep.reverse()
    for node in keep:
        if is_stateful(node) and node.op.vjp is not None:
            raise NotImplementedError(
                f"tf.{what}: the path from xs to ys goes through {node.op.name!r}, a random op or host call whose "
                "values cannot be recomputed; differentiate it with a tf.GradientTape opened before it instead.")
    # the traced array of each value id (ids maps an array to its latest id: an identity's output, or a variable
    # read, shares its input's array)
    raws = {tracer.ids[id(r)]: r for r in tracer.keep if id(r) in tracer.ids}
    for node in nodes:
        if node.op is READ_VARIABLE:
            raws.setdefault(node.outputs[0], tracer.var_objs[id(node.params["var"])][1])
    for node in nodes:
        if node.op.name == "identity" and node.inputs:
            a, b = node.inputs[0], node.outputs[0]
            if a in raws and b not in raws:
                raws[b] = raws[a]
    for node in reversed(nodes):
        if node.op.name == "identity" and node.inputs:
            a, b = node.inputs[0], node.outputs[0]
            if b in raws and a not in raws:
                raws[a] = raws[b]
    consts = graph.consts

    def value(env: dict[int, Any], v: int) -> Any:
        if v in env:
            return env[v]
        if v in consts:
            return consts[v]
        return raws[v]

    def replayed(sources: list[Any]) -> list[Any]:
        from ._dispatch import applyn

        env: dict[int, Any] = {}
        for v, s in zip(x_vids, sources):
            if v is not None:
                env[v] = s
        for node in keep:
            if is_stateful(node):  # a random op or host call without a gradient: its traced values
                continue
            args = [value(env, i) for i in node.inputs]
            like = next((a for a in args if hasattr(a, "dtype")), None)
            res = applyn(node.op, _builtin_tuple(as_input(a, like) for a in args), node.params)
            for o, r in zip(node.outputs, res if node.op.multi else (res,)):
                if o not in stop_vids:
                    env[o] = r
        out = []
        for y, v in zip(ys_l, y_vids):
            out.append(env[v] if v in env else identity(y))
        return out

    sources = [identity(x) for x in xs_l]
    return ys_l, xs_l, replayed, sources


class AggregationMethod:
    """How ``tf.gradients`` sums the gradients reaching a tensor along several paths (``tf.AggregationMethod``):
    the constants are accepted; tapegrad always adds them pairwise as they arrive (TF's ``ADD_N`` result)."""

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


def get_current_name_scope() -> str:
    """The innermost ``tf.name_scope`` (``"outer/inner"``; ``""`` outside any).

    >>> import tapegrad as tf
    >>> with tf.name_scope("outer"):
    ...     with tf.name_scope("inner"):
    ...         tf.get_current_name_scope()
    'outer/inner'
    """
    from .module import current_name_scope

    return current_name_scope().rstrip("/")


def is_symbolic_tensor(tensor: Any) -> bool:
    """Whether ``tensor`` is a graph tensor (TF: inside a ``tf.function`` trace): here, a tensor made while a
    ``tapegrad.function`` is being traced. Eager tensors and variables are not.

    >>> import tapegrad as tf
    >>> tf.is_symbolic_tensor(tf.constant(1.0))
    False
    """
    return local.tracer is not None and type(tensor) is Tensor


def type_spec_from_value(value: Any) -> Any:
    """The type spec of ``value``: ``TensorSpec`` for a tensor or anything convertible to one, a composite's own
    spec (``RaggedTensorSpec``, ``SparseTensorSpec``, ``DatasetSpec``…); TypeError otherwise.

    >>> import tapegrad as tf
    >>> tf.type_spec_from_value(tf.constant([1, 2]))
    TensorSpec(shape=(2,), dtype=tapegrad.int32, name=None)
    """
    from .ops.core import convert_to_tensor
    from .ops.tensor_spec import TensorSpec

    spec = getattr(value, "_type_spec", None)
    if spec is not None:
        return spec() if callable(spec) else spec
    from ._indexed_slices import IndexedSlices
    from .ops.control_flow import TensorArray

    if isinstance(value, TensorArray):
        from .type_specs import TensorArraySpec

        return TensorArraySpec.from_value(value)
    if isinstance(value, IndexedSlices):
        from .type_specs import IndexedSlicesSpec

        dense = value.dense_shape
        shape = [None, *value.values.shape.as_list()[1:]] if dense is None else [int(d) for d in dense.numpy()]
        return IndexedSlicesSpec(shape, value.dtype, value.indices.dtype, None if dense is None else dense.dtype,
                                 [value.indices.shape[0]])
    element_spec = getattr(value, "element_spec", None)
    if element_spec is not None and hasattr(value, "_iter"):
        from .data import DatasetSpec

        return DatasetSpec(element_spec)
    try:
        t = convert_to_tensor(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Could not build a TypeSpec for {value!r} of unsupported type {type(value).__name__} "
                        f"({exc}).") from None
    return TensorSpec(tuple(t.shape), t.dtype)


class CriticalSection:
    """Run functions one at a time (``tf.CriticalSection``): ``execute(fn)`` calls ``fn()`` holding this section's
    lock, so concurrent callers (threads, parallel ``tf.data`` functions) never interleave inside it. Calling
    ``execute`` of a section from inside that section's own ``fn`` raises ValueError, as TF (it would deadlock).

    >>> import tapegrad as tf
    >>> cs = tf.CriticalSection()
    >>> v = tf.Variable(0)
    >>> int(cs.execute(lambda: v.assign_add(1)))
    1
    """

    _count = 0

    def __init__(self, name: str | None = None, shared_name: str | None = None,
                 critical_section_def: Any = None, import_scope: str | None = None) -> None:
        import threading

        CriticalSection._count += 1
        self._name = name or shared_name or ("CriticalSection" if CriticalSection._count == 1
                                             else f"CriticalSection_{CriticalSection._count - 1}")
        self._lock = threading.Lock()
        self._owner: int | None = None

    @property
    def name(self) -> str:
        return self._name

    def execute(self, fn: Any, exclusive_resource_access: bool = True, name: str | None = None) -> Any:
        """``fn()`` under the lock; its result is returned."""
        import threading

        me = threading.get_ident()
        if self._owner == me:
            raise ValueError(f"Attempting to lock a CriticalSection ({self._name}) in which we are already running. "
                             "This is illegal and may cause deadlocks: call fn's body directly instead of "
                             "nesting execute().")
        with self._lock:
            self._owner = me
            try:
                return fn()
            finally:
                self._owner = None
