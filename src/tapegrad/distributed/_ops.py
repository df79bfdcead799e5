"""Horovod's collectives on tapegrad tensors (names, arguments and defaults of ``horovod.tensorflow``).

Each collective is differentiable where Horovod's is: under a recording tape the call is one ``custom_gradient``
op whose gradient is itself a collective (allreduce → allreduce with the same op and scale factors; allgather →
sum-allreduce, then this rank's rows; broadcast → sum-allreduce on the root, zeros elsewhere; alltoall → alltoall
back with the received splits; reducescatter → allgather). Gradients are those of the *sum over ranks* of each
rank's objective, which is what data-parallel training differentiates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _tape
from .._backend import NUMPY
from .._indexed_slices import IndexedSlices
from .._tensor import Variable, _TensorLike, constant_value, make
from . import _core
from ._core import Layout, Plan, ReduceOp, Reduction, agree, blocking, require_init

Average, Sum, Adasum, Min, Max, Product = (ReduceOp.AVERAGE, ReduceOp.SUM, ReduceOp.ADASUM, ReduceOp.MIN,
                                          ReduceOp.MAX, ReduceOp.PRODUCT)


class ProcessSet:
    """A set of ranks a collective runs over. tapegrad supports the global set only (``global_process_set``)."""

    def __init__(self, ranks: Sequence[int] | None = None) -> None:
        self.ranks = None if ranks is None else list(ranks)

    def size(self) -> int:
        return require_init().size if self.ranks is None else len(self.ranks)

    def __repr__(self) -> str:
        return "ProcessSet(global)" if self.ranks is None else f"ProcessSet({self.ranks})"


global_process_set = ProcessSet()


def _check_process_set(process_set: Any) -> None:
    if process_set is not global_process_set and not (isinstance(process_set, ProcessSet)
                                                      and process_set.ranks is None):
        raise NotImplementedError("tapegrad.distributed runs collectives over the global process set only; to use a "
                                  "subset of ranks, pass its communicator (or rank list) to hvd.init(comm=...).")


# -- compression ---------------------------------------------------------------------------------------------------


class NoneCompressor:
    """No compression (the default)."""

    @staticmethod
    def compress(tensor: Any) -> tuple[Any, Any]:
        return tensor, None

    @staticmethod
    def decompress(tensor: Any, ctx: Any) -> Any:
        return tensor


class FP16Compressor:
    """Send floating tensors as float16 and cast the result back (halves the bytes; loses precision)."""

    @staticmethod
    def compress(tensor: Any) -> tuple[Any, Any]:
        dt = np.dtype(tensor.dtype.as_numpy_dtype) if isinstance(tensor, _TensorLike) else np.asarray(tensor).dtype
        if dt.kind != "f" or dt == np.float16:
            return tensor, None
        if isinstance(tensor, _TensorLike):
            from ..ops.core import cast

            return cast(tensor, "float16"), dt
        return np.asarray(tensor).astype(np.float16), dt

    @staticmethod
    def decompress(tensor: Any, ctx: Any) -> Any:
        if ctx is None:
            return tensor
        if isinstance(tensor, _TensorLike):
            from ..ops.core import cast

            return cast(tensor, np.dtype(ctx).name)
        return np.asarray(tensor).astype(ctx)


class Compression:
    """Gradient compression algorithms: ``Compression.none`` and ``Compression.fp16``."""

    none = NoneCompressor
    fp16 = FP16Compressor


# -- helpers -------------------------------------------------------------------------------------------------------


def _tensor(x: Any) -> Any:
    if isinstance(x, _TensorLike):
        return x
    if isinstance(x, np.ndarray) and x.dtype.kind in "biufc":
        return make(x, NUMPY)  # no copy: the collectives only read their inputs, and the wrapper does not outlive them
    return make(constant_value(x), NUMPY)


def _value(x: Any) -> np.ndarray:
    if isinstance(x, _TensorLike) and getattr(_tape.local, "tracer", None) is not None:
        from ..compiler.trace import TraceError

        # A collective computes on raw arrays: traced, its result would be frozen into the program.
        raise TraceError("tapegrad.distributed collectives cannot run inside a tapegrad.function trace yet: call "
                         "them outside the function, or run it eagerly (tapegrad.config.run_functions_eagerly(True); "
                         "Keras: compile(run_eagerly=True))")
    return np.asarray(x._value if isinstance(x, _TensorLike) else x)


def _resolve_op(op: Any, average: Any, default: ReduceOp = ReduceOp.AVERAGE) -> ReduceOp:
    if average is not None:
        if op is not None:
            raise ValueError("The op parameter supersedes average. Please provide only one of them.")
        op = ReduceOp.AVERAGE if average else ReduceOp.SUM
    op = default if op is None else ReduceOp(op)
    if op == ReduceOp.ADASUM:
        raise NotImplementedError("Adasum is not implemented in tapegrad.distributed; use op=hvd.Average or hvd.Sum.")
    return op


def _recording(*tensors: Any) -> bool:
    """A gradient tape (not the tracer of ``tapegrad.function``, which sits in the same stack) is recording."""
    tracer = _tape.local.tracer
    return any(t is not tracer for t in _tape.local.tapes) and any(
        isinstance(t, _TensorLike) and t._value.dtype.kind in "fcV" for t in tensors)


def _not_traced(what: str) -> None:
    """Collectives run at trace time would be replayed as constants by ``tapegrad.function``: refuse clearly."""
    if _tape.local.tracer is not None:
        raise NotImplementedError(
            f"hvd.{what} cannot run inside tapegrad.function: a traced program replays what it saw while tracing, "
            "so it would not communicate on later calls. Inside tapegrad.function use DistributedGradientTape, "
            "allreduce, grouped_allreduce or broadcast (they run as numpy_function ops); call the others eagerly.")


def _with_gradient(forward: Any, backward: Any, *tensors: Any, traceable: bool = False) -> Any:
    """``forward(*arrays) -> array(s)``; under a recording tape, a custom-gradient op with ``backward(*dys)``.

    Inside ``tapegrad.function`` a ``traceable`` collective becomes a ``numpy_function`` op (it communicates on every
    call of the program); it is not differentiable there."""
    if _tape.local.tracer is not None:
        name = getattr(forward, "__qualname__", "collective").split(".")[0]
        if not traceable:
            _not_traced(name)
        if _recording(*tensors):
            raise NotImplementedError(f"Differentiating through hvd.{name} inside tapegrad.function is not "
                                      "supported; run that code eagerly.")
        from ..ops.control_flow import numpy_function

        out = numpy_function(lambda *xs: forward(*xs), list(tensors),
                             Tout=[t.dtype for t in tensors] if len(tensors) > 1 else tensors[0].dtype)
        return list(out) if len(tensors) > 1 else out
    if not _recording(*tensors):
        out = forward(*[_value(t) for t in tensors])
        return [make(o, NUMPY) for o in out] if isinstance(out, list) else make(out, NUMPY)
    from ..custom import custom_gradient

    @custom_gradient
    def op(*xs: Any) -> Any:
        out = forward(*[_value(x) for x in xs])
        res = [make(o, NUMPY) for o in out] if isinstance(out, list) else make(out, NUMPY)
        return res, backward

    return op(*tensors)


def _avg_post(op: ReduceOp, post: float, active: int) -> float:
    return post / active if op == ReduceOp.AVERAGE else post


def reduce_arrays(kind: str, arrays: list[np.ndarray], op: ReduceOp, pre: float, post: float, name: Any,
                  fused: bool) -> list[np.ndarray]:
    """Allreduce NumPy arrays through a cached static plan (one bucket per array unless ``fused``)."""
    st = require_init()
    if not st.multi:
        f = _avg_post(op, post, 1) * pre
        return [_core._scale(np.array(a, copy=True), f) if f != 1.0 else np.array(a, copy=True) for a in arrays]
    members = tuple((a.dtype.str, tuple(a.shape)) for a in arrays)
    threshold = st.fusion_threshold if fused else 0
    plan = _core.plan_for((kind, members, op, threshold),
                          lambda: Plan(members, range(len(members)), threshold, op, with_flags=False,
                                       nonblocking=False))
    single = len(arrays) == 1
    layout = Layout(kind, (
        ("tensor name", name),
        ("data types", arrays[0].dtype.str if single else tuple(a.dtype.str for a in arrays)),
        ("tensor shapes", tuple(arrays[0].shape) if single else tuple(tuple(a.shape) for a in arrays)),
        ("reduction op", op.name.capitalize()),
        ("prescale and/or postscale factors", (pre, post)),
    ), plan=plan, what=f"{kind} {name!r}" if name else kind)
    active = agree(layout)
    red = Reduction(plan, pre, _avg_post(op, post, active), layout.what)
    red.put_all(arrays)
    out, _ = red.finish()
    return out


# -- collectives ---------------------------------------------------------------------------------------------------


def allreduce(tensor: Any, average: Any = None, device_dense: str = "", device_sparse: str = "",
              compression: Any = Compression.none, op: Any = None, prescale_factor: float = 1.0,
              postscale_factor: float = 1.0, name: str | None = None, process_set: Any = global_process_set,
              ignore_name_scope: bool = False) -> Any:
    """Reduce ``tensor`` over all ranks (``op``: Average (default), Sum, Min, Max, Product); every rank gets it.

    ``prescale_factor`` multiplies before the reduction and ``postscale_factor`` after it (Average is Sum with
    ``1/size`` folded into the postscale). An ``IndexedSlices`` is allgathered (values and indices), with the values
    divided by ``size`` for Average. Differentiable: the gradient is an allreduce of the upstream gradient.

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.allreduce(tf.constant([1.0, 2.0]), op=hvd.Sum).numpy().tolist()  # size 1: the identity
    [1.0, 2.0]
    """
    _check_process_set(process_set)
    op = _resolve_op(op, average)
    if isinstance(tensor, IndexedSlices):
        if op not in (ReduceOp.AVERAGE, ReduceOp.SUM) or prescale_factor != 1.0 or postscale_factor != 1.0:
            raise NotImplementedError("Allreduce of IndexedSlices supports only op=Average or Sum without pre/"
                                      "postscale factors (it is an allgather of values and indices).")
        values = allgather(tensor.values, name=name)
        indices = allgather(tensor.indices, name=name)
        if op == ReduceOp.AVERAGE:
            values = values / float(require_init().size)
        return IndexedSlices(values, indices, tensor.dense_shape)
    t = _tensor(tensor)
    t, ctx = compression.compress(t)
    pre, post = float(prescale_factor), float(postscale_factor)

    def forward(x: np.ndarray) -> np.ndarray:
        return reduce_arrays("allreduce", [x], op, pre, post, name, fused=False)[0]

    def backward(dy: Any) -> Any:
        if op not in (ReduceOp.AVERAGE, ReduceOp.SUM):
            raise LookupError(f"allreduce with op={op.name.capitalize()} has no gradient (as in Horovod); only "
                              "Average and Sum are differentiable.")
        return allreduce(dy, op=op, prescale_factor=pre, postscale_factor=post)

    return compression.decompress(_with_gradient(forward, backward, t, traceable=True), ctx)


def grouped_allreduce(tensors: Sequence[Any], average: Any = None, device_dense: str = "", device_sparse: str = "",
                      compression: Any = Compression.none, op: Any = None, prescale_factor: float = 1.0,
                      postscale_factor: float = 1.0, process_set: Any = global_process_set,
                      name: str | None = None) -> list[Any]:
    """Allreduce a list of tensors as one request: fused into buckets per dtype (the fusion threshold caps a
    bucket's bytes), one reduction per bucket. Same arguments as :func:`allreduce`; returns a list.

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> [t.numpy().tolist() for t in hvd.grouped_allreduce([tf.constant([1.0]), tf.constant(2.0)])]
    [[1.0], 2.0]
    """
    _check_process_set(process_set)
    op = _resolve_op(op, average)
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        return []
    pairs = [compression.compress(t) for t in tensors]
    pre, post = float(prescale_factor), float(postscale_factor)

    def forward(*xs: np.ndarray) -> list[np.ndarray]:
        return reduce_arrays("grouped_allreduce", list(xs), op, pre, post, name, fused=True)

    def backward(*dys: Any) -> Any:
        if op not in (ReduceOp.AVERAGE, ReduceOp.SUM):
            raise LookupError(f"grouped_allreduce with op={op.name.capitalize()} has no gradient.")
        return grouped_allreduce(list(dys), op=op, prescale_factor=pre, postscale_factor=post)

    out = _with_gradient(forward, backward, *[t for t, _ in pairs], traceable=True)
    out = out if isinstance(out, list) else [out]
    return [compression.decompress(o, ctx) for o, (_, ctx) in zip(out, pairs)]


def allgather(tensor: Any, name: str | None = None, ignore_name_scope: bool = False,
              process_set: Any = global_process_set) -> Any:
    """Concatenate every rank's ``tensor`` along axis 0 (the first dimension may differ between ranks).

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.allgather(tf.constant([[1, 2]])).shape
    TensorShape([1, 2])
    """
    _check_process_set(process_set)
    t = _tensor(tensor)
    if t._value.ndim == 0:
        raise ValueError("allgather needs a tensor with at least one dimension (ranks are concatenated along axis 0); "
                         "reshape a scalar with tf.reshape(x, [1]).")
    rows: list[int] = []

    def forward(x: np.ndarray) -> np.ndarray:
        st = require_init()
        if not st.multi:
            rows[:] = [0, x.shape[0]]
            return np.array(x, copy=True)
        agree(Layout("allgather", (("tensor name", name), ("data types", x.dtype.str), ("tensor ranks", x.ndim),
                                   ("tensor shapes (all but the first dimension)", tuple(x.shape[1:]))),
                     what=f"allgather {name!r}" if name else "allgather"))
        out, counts = _core.gather_rows(np.ascontiguousarray(x), "allgather")
        start = int(counts[:st.rank].sum())
        rows[:] = [start, start + int(counts[st.rank])]
        return out

    def backward(dy: Any) -> Any:
        total = allreduce(dy, op=ReduceOp.SUM)
        return total[rows[0]:rows[1]]

    return _with_gradient(forward, backward, t)


def broadcast(tensor: Any, root_rank: int, name: str | None = None, ignore_name_scope: bool = False,
              process_set: Any = global_process_set) -> Any:
    """``root_rank``'s ``tensor`` on every rank (shapes and dtypes must agree).

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.broadcast(tf.constant(3.0), root_rank=0).numpy()
    np.float32(3.0)
    """
    _check_process_set(process_set)
    t = _tensor(tensor)
    root = _check_root(root_rank)

    def forward(x: np.ndarray) -> np.ndarray:
        st = require_init()
        buf = np.array(x, copy=True, order="C")
        if not st.multi:
            return buf
        agree(Layout("broadcast", (("tensor name", name), ("root rank", root), ("data types", x.dtype.str),
                                   ("tensor shapes", tuple(x.shape))),
                     what=f"broadcast {name!r}" if name else "broadcast"))
        flat = buf.reshape(-1)
        blocking("broadcast", lambda: st.comm.Bcast(flat, root=root))
        return buf

    def backward(dy: Any) -> Any:
        total = allreduce(dy, op=ReduceOp.SUM)
        return total if require_init().rank == root else total * 0

    return _with_gradient(forward, backward, t, traceable=True)


def _check_root(root_rank: Any) -> int:
    st = require_init()
    root = int(root_rank)
    if not 0 <= root < st.size:
        raise ValueError(f"root_rank={root_rank} is out of range: there are {st.size} ranks (0..{st.size - 1}).")
    return root


def alltoall(tensor: Any, splits: Any = None, name: str | None = None, ignore_name_scope: bool = False,
             process_set: Any = global_process_set) -> Any:
    """Send ``splits[i]`` rows (axis 0) of ``tensor`` to rank ``i`` (equal parts if ``splits`` is None) and concatenate
    what arrives. Returns the tensor, or ``(tensor, received_splits)`` when ``splits`` is given.

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> out, received = hvd.alltoall(tf.constant([1.0, 2.0]), splits=[2])
    >>> out.numpy().tolist(), received.numpy().tolist()
    ([1.0, 2.0], [2])
    """
    _check_process_set(process_set)
    st = require_init()
    t = _tensor(tensor)
    x0 = t._value
    if x0.ndim == 0:
        raise ValueError("alltoall needs a tensor with at least one dimension (rows along axis 0 are exchanged).")
    n = x0.shape[0]
    if splits is None:
        if n % st.size:
            raise ValueError(f"alltoall without splits divides axis 0 ({n} rows) into {st.size} equal parts; {n} is "
                             f"not divisible by {st.size}. Pass splits=[rows for rank 0, rank 1, ...].")
        send = np.full(st.size, n // st.size, dtype=np.int64)
    else:
        send = np.asarray(_value(splits), dtype=np.int64).reshape(-1)
        if send.shape[0] != st.size or send.sum() != n or (send < 0).any():
            raise ValueError(f"alltoall: splits {send.tolist()} must have one non-negative entry per rank ({st.size}) "
                             f"summing to the tensor's first dimension ({n}).")
    received = np.empty(st.size, dtype=np.int64)

    def forward(x: np.ndarray) -> np.ndarray:
        if not st.multi:
            received[:] = send
            return np.array(x, copy=True)
        agree(Layout("alltoall", (("tensor name", name), ("data types", x.dtype.str), ("tensor ranks", x.ndim),
                                  ("tensor shapes (all but the first dimension)", tuple(x.shape[1:]))),
                     what=f"alltoall {name!r}" if name else "alltoall"))
        blocking("alltoall (splits)", lambda: st.comm.Alltoall(send, received))
        row = int(np.prod(x.shape[1:], dtype=np.int64))
        out = np.empty((int(received.sum()),) + x.shape[1:], dtype=x.dtype)
        sc, rc = (send * row).tolist(), (received * row).tolist()
        sd = np.concatenate([[0], np.cumsum(sc)[:-1]]).astype(np.int64).tolist()
        rd = np.concatenate([[0], np.cumsum(rc)[:-1]]).astype(np.int64).tolist()
        blocking("alltoall", lambda: st.comm.Alltoallv([np.ascontiguousarray(x), (sc, sd)], [out, (rc, rd)]))
        return out

    def backward(dy: Any) -> Any:
        back, _ = alltoall(dy, splits=received.copy())
        return back

    out = _with_gradient(forward, backward, t)
    if splits is None:
        return out
    return out, make(received.astype(np.int32), NUMPY)


def reducescatter(tensor: Any, device_dense: str = "", compression: Any = Compression.none, op: Any = ReduceOp.AVERAGE,
                  name: str | None = None, process_set: Any = global_process_set, ignore_name_scope: bool = False,
                  prescale_factor: float = 1.0, postscale_factor: float = 1.0) -> Any:
    """Reduce ``tensor`` over ranks (Average or Sum) and give rank ``r`` the ``r``-th part of axis 0 (the first
    ``rows % size`` ranks get one row more).

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.reducescatter(tf.constant([1.0, 2.0]), op=hvd.Sum).numpy().tolist()
    [1.0, 2.0]
    """
    _check_process_set(process_set)
    op = _resolve_op(op, None)
    if op not in (ReduceOp.AVERAGE, ReduceOp.SUM):
        raise NotImplementedError("reducescatter supports op=Average or Sum.")
    st = require_init()
    t, ctx = compression.compress(_tensor(tensor))
    pre, post = float(prescale_factor), float(postscale_factor)
    if t._value.ndim == 0:
        raise ValueError("reducescatter needs a tensor with at least one dimension (axis 0 is scattered).")

    def forward(x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        rows = [n // st.size + (1 if r < n % st.size else 0) for r in range(st.size)]
        if not st.multi:
            return _core._scale(np.array(x, copy=True), pre * post)
        agree(Layout("reducescatter", (("tensor name", name), ("data types", x.dtype.str),
                                       ("tensor shapes", tuple(x.shape)), ("reduction op", op.name.capitalize()),
                                       ("prescale and/or postscale factors", (pre, post))),
                     what=f"reducescatter {name!r}" if name else "reducescatter"))
        row = int(np.prod(x.shape[1:], dtype=np.int64))
        send = _core._scale(np.ascontiguousarray(x), pre)
        out = np.empty((rows[st.rank],) + x.shape[1:], dtype=x.dtype)
        MPI = st.MPI
        blocking("reducescatter", lambda: st.comm.Reduce_scatter(send, out, [r * row for r in rows], op=MPI.SUM))
        return _core._scale(out, _avg_post(op, post, st.size))

    def backward(dy: Any) -> Any:
        g = allgather(dy)
        f = pre * _avg_post(op, post, st.size)
        return g * f if f != 1.0 else g

    return compression.decompress(_with_gradient(forward, backward, t), ctx)


def barrier(process_set: Any = global_process_set) -> None:
    """Block until every rank has called ``barrier``."""
    _check_process_set(process_set)
    _not_traced("barrier")
    st = require_init()
    if st.multi:
        agree(Layout("barrier", ()))
        blocking("barrier", lambda: st.comm.Barrier())


def join() -> int:
    """This rank has no more data: until every rank has joined, serve the others' Sum/Average reductions (gradient
    reductions included) with zeros. Returns the rank that joined last. Average divides by the ranks still active.

    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.join()
    0
    """
    _not_traced("join")
    return _core.join()


def broadcast_variables(variables: Sequence[Any], root_rank: int = 0, process_set: Any = global_process_set,
                        inplace: bool = False) -> None:
    """Assign ``root_rank``'s values to ``variables`` on every rank: one fused broadcast per dtype.

    >>> import tapegrad as tf
    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> v = tf.Variable([1.0, 2.0])
    >>> hvd.broadcast_variables([v], root_rank=0)
    >>> v.numpy().tolist()
    [1.0, 2.0]
    """
    _check_process_set(process_set)
    _not_traced("broadcast_variables")
    st = require_init()
    root = _check_root(root_rank)
    variables = [_plain_variable(v) for v in variables]
    if not st.multi or not variables:
        return
    values = [np.asarray(v._value) for v in variables]
    agree(Layout("broadcast_variables", (("root rank", root),
                                         ("data types", tuple(a.dtype.str for a in values)),
                                         ("tensor shapes", tuple(tuple(a.shape) for a in values))),
                 what=f"broadcast_variables ({len(values)} variables)"))
    by_dtype: dict[Any, list[int]] = {}
    for i, a in enumerate(values):
        by_dtype.setdefault(a.dtype, []).append(i)
    for dt, idx in by_dtype.items():
        buf = np.concatenate([values[i].reshape(-1) for i in idx]) if st.rank == root else np.empty(
            sum(values[i].size for i in idx), dtype=dt)
        blocking(f"broadcast_variables ({dt.name})", lambda b=buf: st.comm.Bcast(b, root=root))
        off = 0
        for i in idx:
            n = values[i].size
            if st.rank != root:
                variables[i].assign(make(buf[off:off + n].reshape(values[i].shape), NUMPY))
            off += n


def _plain_variable(v: Any) -> Variable:
    """The tapegrad ``Variable`` of ``v`` (Keras variables wrap one in ``_var``)."""
    inner = v if isinstance(v, Variable) else getattr(v, "_var", None)
    if not isinstance(inner, Variable):
        raise TypeError(f"broadcast_variables expects tapegrad (or Keras) Variables, got {type(v).__name__}: {v!r}.")
    return inner


def broadcast_(variables: Sequence[Any], root_rank: int, name: str | None = None,
               process_set: Any = global_process_set) -> None:
    """In-place broadcast of variables (Horovod's ``broadcast_``): same as :func:`broadcast_variables`."""
    broadcast_variables(variables, root_rank, process_set)


def broadcast_object(obj: Any, root_rank: int = 0, session: Any = None, name: str | None = None,
                     process_set: Any = global_process_set) -> Any:
    """``root_rank``'s picklable ``obj``, returned on every rank.

    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.broadcast_object({"epoch": 3})
    {'epoch': 3}
    """
    _check_process_set(process_set)
    _not_traced("broadcast_object")
    st = require_init()
    root = _check_root(root_rank)
    if not st.multi:
        return obj
    agree(Layout("broadcast_object", (("root rank", root), ("name", name))))
    return blocking("broadcast_object", lambda: st.comm.bcast(obj if st.rank == root else None, root=root))


def allgather_object(obj: Any, session: Any = None, name: str | None = None,
                     process_set: Any = global_process_set) -> list[Any]:
    """Every rank's picklable ``obj``, as a list indexed by rank.

    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.allgather_object("a")
    ['a']
    """
    _check_process_set(process_set)
    _not_traced("allgather_object")
    st = require_init()
    if not st.multi:
        return [obj]
    agree(Layout("allgather_object", (("name", name),)))
    return blocking("allgather_object", lambda: st.comm.allgather(obj))
