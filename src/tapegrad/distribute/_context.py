"""Where code runs under a strategy: the cross-replica context (a ``scope()``), a replica context (inside
``Strategy.run``), the default strategy; ``ReduceOp``; and the runner that steps several local replicas.

Local replicas (``MirroredStrategy`` with several devices) run in threads, one at a time in replica order, handing
over at each synchronisation point (``merge_call``, ``all_reduce``, ``all_gather``, and so an optimizer's
``apply_gradients``): replica 0 runs until it reaches one, then replica 1, …; the last to arrive runs the merge
function in cross-replica context and every replica continues with its share of the result. TF runs its replica
threads the same way around merge calls. The threads inherit the caller's thread-local state (name scopes, Keras'
call context, a ``tapegrad.function`` trace in progress), so a traced ``strategy.run`` records every replica's ops
and the merges into one program.
"""

from __future__ import annotations

import enum
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["ReduceOp", "ReplicaContext", "get_strategy", "has_strategy", "in_cross_replica_context",
           "get_replica_context", "get_cross_replica_context"]


class ReduceOp(enum.Enum):
    """How values from the replicas are combined (``tf.distribute.ReduceOp``).

    >>> import tapegrad as tf
    >>> tf.distribute.ReduceOp.SUM, tf.distribute.ReduceOp("MEAN")
    (<ReduceOp.SUM: 'SUM'>, <ReduceOp.MEAN: 'MEAN'>)
    """

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation: Any) -> ReduceOp:
        """The op that matches a ``tf.VariableAggregation`` (SUM or MEAN)."""
        name = getattr(aggregation, "name", str(aggregation)).upper()
        if name not in ("SUM", "MEAN"):
            raise ValueError(f"Could not convert from `tf.VariableAggregation` {aggregation} to `tf.distribute."
                             "ReduceOp` type")
        return ReduceOp(name)


def as_reduce_op(op: Any) -> ReduceOp:
    if isinstance(op, ReduceOp):
        return op
    try:
        return ReduceOp(str(op).upper())
    except ValueError:
        raise ValueError(f"Invalid reduce op {op!r}: use tf.distribute.ReduceOp.SUM or MEAN (or 'SUM'/'MEAN').") \
            from None


class _Local(threading.local):
    def __init__(self) -> None:
        self.scopes: list[Any] = []  # strategies whose scope() is open on this thread (cross-replica context)
        self.replica: ReplicaContext | None = None  # inside Strategy.run: this thread's replica


_local = _Local()


def _default() -> Any:
    from ._strategy import default_strategy

    return default_strategy()


def get_strategy() -> Any:
    """The current strategy: the one whose ``scope()`` or ``run`` we are in, else the default strategy.

    >>> import tapegrad as tf
    >>> type(tf.distribute.get_strategy()).__name__
    '_DefaultDistributionStrategy'
    """
    if _local.replica is not None:
        return _local.replica._strategy
    return _local.scopes[-1] if _local.scopes else _default()


def has_strategy() -> bool:
    """Whether a non-default strategy is current (inside its ``scope()`` or ``run``).

    >>> import tapegrad as tf
    >>> tf.distribute.has_strategy()
    False
    """
    return get_strategy() is not _default()


def in_cross_replica_context() -> bool:
    """True inside a strategy's ``scope()`` (outside ``run``); False in a replica and outside every scope (the default
    strategy's replica context), as in TF.

    >>> import tapegrad as tf
    >>> tf.distribute.in_cross_replica_context()
    False
    """
    return _local.replica is None and bool(_local.scopes)


def get_replica_context() -> ReplicaContext | None:
    """This replica's :class:`ReplicaContext` inside ``Strategy.run``; None in cross-replica context; outside every
    scope, the default strategy's replica context.

    >>> import tapegrad as tf
    >>> ctx = tf.distribute.get_replica_context()
    >>> ctx.num_replicas_in_sync, int(ctx.replica_id_in_sync_group)
    (1, 0)
    """
    if _local.replica is not None:
        return _local.replica
    if _local.scopes:
        return None
    return _default()._default_replica_context


def get_cross_replica_context() -> Any:
    """The current strategy in cross-replica context (or outside every scope: the default strategy); None in a
    replica."""
    return None if _local.replica is not None else get_strategy()


class ReplicaContext:
    """One replica's view inside ``Strategy.run`` (``tf.distribute.ReplicaContext``).

    >>> import tapegrad as tf
    >>> s = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> float(s.run(lambda: tf.distribute.get_replica_context().all_reduce("SUM", tf.constant(2.0))))
    2.0
    """

    def __init__(self, strategy: Any, replica_id_in_sync_group: int, local_index: int = 0,
                 group: _ReplicaGroup | None = None) -> None:
        self._strategy = strategy
        self._replica_id = int(replica_id_in_sync_group)
        self._local_index = local_index
        self._group = group

    @property
    def strategy(self) -> Any:
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Any:
        """This replica's index among all replicas (an int32 scalar tensor, as in TF)."""
        from ..ops.core import constant

        return constant(self._replica_id, dtype="int32")

    @property
    def devices(self) -> tuple[str, ...]:
        return (self._strategy.extended.worker_devices[self._local_index],)

    def merge_call(self, merge_fn: Callable[..., Any], args: tuple[Any, ...] = (),
                   kwargs: dict[str, Any] | None = None) -> Any:
        """Run ``merge_fn(strategy, *args, **kwargs)`` once, in cross-replica context, with each argument that
        differs between replicas as a ``PerReplica``; every replica gets the result (its own component of a
        ``PerReplica`` result)."""
        kwargs = kwargs or {}
        if self._group is None:
            return _in_cross_replica(self._strategy, lambda: merge_fn(self._strategy, *args, **kwargs))
        return self._group.merge(self._local_index, merge_fn, args, kwargs)

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        """``value`` (a nest of tensors) combined over all replicas with ``reduce_op``; every replica gets it. Its
        gradient is the same reduction of the replicas' upstream gradients (TF's collective gradient)."""
        op = as_reduce_op(reduce_op)

        def reduce(v: Any) -> Any:
            return _own(self.merge_call(lambda strategy, a: strategy.extended._batch_reduce(op, a), args=(v,)))

        if self._group is None:  # one local replica: across workers the MPI collectives carry their gradients
            return reduce(value)
        return _with_gradient(value, reduce, lambda xs, dys: reduce(dys))

    def all_gather(self, value: Any, axis: int, options: Any = None) -> Any:
        """Every replica's ``value`` (a nest of tensors) concatenated along ``axis``, in replica order. Its
        gradient is this replica's slice of the sum of the replicas' upstream gradients."""
        def gather(v: Any) -> Any:
            return _own(self.merge_call(lambda strategy, a: strategy.extended._batch_gather(a, axis), args=(v,)))

        if self._group is None:
            return gather(value)

        def grad(xs: list[Any], dys: list[Any]) -> list[Any]:
            from ..ops.arithmetic import add_n
            from ..ops.joining import split

            def slices(strategy: Any, dy: Any, sizes: Any) -> Any:
                from ._values import PerReplica

                out = []
                for d, n in zip(dy, sizes):  # each output: the replicas' upstreams summed, cut at their sizes
                    parts = split(add_n(list(d.values)) if isinstance(d, PerReplica) else d, list(n), axis=axis)
                    out.append(PerReplica(parts) if len(parts) > 1 else parts[0])
                return out

            sizes = [int(x.shape[axis]) for x in xs]
            return _own(self.merge_call(slices, args=(dys, sizes)))

        return _with_gradient(value, gather, grad)

    def __repr__(self) -> str:
        return (f"<tapegrad.distribute.ReplicaContext replica {self._replica_id} of {self.num_replicas_in_sync} "
                f"({type(self._strategy).__name__})>")


def _with_gradient(value: Any, forward: Callable[[list[Any]], Any], backward: Callable[..., Any]) -> Any:
    """``forward`` of the tensors of ``value`` (a nest) with ``backward(xs, upstreams)`` as their gradient."""
    from ..custom import custom_gradient
    from ..ops.core import convert_to_tensor, zeros_like
    from ._values import leaves, pack

    xs = [convert_to_tensor(v) for v in leaves(value)]

    @custom_gradient
    def collective(*args: Any) -> Any:
        ys = list(forward(list(args)))

        def grad(*dys: Any) -> Any:
            dys = [zeros_like(y) if d is None else convert_to_tensor(d) for d, y in zip(dys, ys)]
            return list(backward(list(args), dys))

        return ys, grad

    return pack(value, list(collective(*xs)))


def _own(value: Any) -> Any:
    """This replica's own copy of a merged value (TF gives each replica a tensor on its device)."""
    from ..ops.core import identity
    from ._values import leaves, pack

    return pack(value, [identity(v) for v in leaves(value)])


def _in_cross_replica(strategy: Any, fn: Callable[[], Any]) -> Any:
    saved = _local.replica
    _local.replica = None
    _local.scopes.append(strategy)
    try:
        return fn()
    finally:
        _local.scopes.pop()
        _local.replica = saved


def run_single(strategy: Any, replica_id: int, fn: Callable[..., Any], args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Any:
    """``fn(*args, **kwargs)`` as the only local replica (in this thread)."""
    saved = _local.replica
    _local.replica = ReplicaContext(strategy, replica_id, 0, None)
    try:
        return fn(*args, **kwargs)
    finally:
        _local.replica = saved


# -- several local replicas: threads that take turns ----------------------------------------------------------

def _thread_locals() -> list[Any]:
    """The thread-local state objects a replica thread inherits (only those of modules already loaded)."""
    found = [_local]
    for mod, attr in (("tapegrad._tape", "local"), ("tapegrad._device", "_local"),
                      ("tapegrad.compiler.function", "_state"), ("tapegrad.compiler.loops", "_loops"),
                      ("tapegrad.compiler.datasets", "state"), ("tapegrad.module", "_SCOPES"),
                      ("tapegrad.keras.backend", "_LOCAL"), ("tapegrad.keras.layers._base", "_CONTEXT"),
                      ("tapegrad.data.dataset", "_context"), ("tapegrad.summary", "_state"),
                      ("tapegrad.debugging", "_state")):
        m = sys.modules.get(mod)
        obj = getattr(m, attr, None) if m is not None else None
        if isinstance(obj, threading.local):
            found.append(obj)
    return found


def _snapshot() -> list[tuple[Any, dict[str, Any]]]:
    return [(obj, dict(obj.__dict__)) for obj in _thread_locals()]


def _restore(snapshot: list[tuple[Any, dict[str, Any]]]) -> None:
    # lists are copied (a replica's scopes push and pop on its own stack); everything else is shared, which is safe
    # because replica threads never run at the same time
    for obj, state in snapshot:
        for k, v in state.items():
            setattr(obj, k, list(v) if type(v) is list else v)


class _Abort(Exception):
    """Raised in replicas waiting at a merge when another replica failed."""


class _ReplicaGroup:
    """``n`` local replicas stepping through one ``Strategy.run`` call in turns."""

    def __init__(self, strategy: Any, n: int) -> None:
        self.strategy = strategy
        self.n = n
        self.cond = threading.Condition()
        self.turn = 0
        self.arrived: list[Any] = [None] * n  # per replica: ("merge", fn, args, kwargs) or ("done",)
        self.results: list[Any] = [None] * n
        self.merged: list[Any] = [None] * n
        self.error: BaseException | None = None
        self.finished = 0

    def run(self, fn: Callable[..., Any], per_replica_args: list[tuple[tuple[Any, ...], dict[str, Any]]],
            first_id: int) -> list[Any]:
        snapshot = _snapshot()
        devices = self.strategy.extended.worker_devices
        threads = [threading.Thread(target=self._replica, name=f"replica-{i}", daemon=True,
                                    args=(i, first_id + i, devices[i], fn, per_replica_args[i], snapshot))
                   for i in range(self.n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.error is not None:
            raise self.error
        return self.results

    def _wait_turn(self, i: int) -> None:
        with self.cond:
            while self.turn != i and self.error is None:
                self.cond.wait()
            if self.error is not None and self.turn != i:
                raise _Abort()

    def _replica(self, i: int, replica_id: int, device_name: str, fn: Callable[..., Any],
                 call: tuple[tuple[Any, ...], dict[str, Any]], snapshot: Any) -> None:
        from .._device import device

        _restore(snapshot)
        _local.replica = ReplicaContext(self.strategy, replica_id, i, self)
        try:
            self._wait_turn(i)
            with device(device_name):
                self.results[i] = fn(*call[0], **call[1])
            self._arrive(i, ("done",))
        except _Abort:
            pass
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            with self.cond:
                if self.error is None:
                    self.error = exc
                self.cond.notify_all()

    def merge(self, i: int, merge_fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        self._arrive(i, ("merge", merge_fn, args, kwargs))
        self._wait_turn(i)
        return self.merged[i]

    def _arrive(self, i: int, what: tuple[Any, ...]) -> None:
        """Replica ``i`` reached a merge point or its end: pass the turn on; the last replica resolves the round."""
        self.arrived[i] = what
        if i < self.n - 1:
            with self.cond:
                self.turn = i + 1
                self.cond.notify_all()
            return
        kinds = {a[0] for a in self.arrived}
        if kinds == {"done"}:
            return
        if kinds != {"merge"}:
            at = [k for k, a in enumerate(self.arrived) if a[0] == "merge"]
            raise RuntimeError(f"Replicas {at} of {type(self.strategy).__name__}.run reached a merge_call (an "
                               "all_reduce, all_gather or optimizer.apply_gradients) that the other replicas did "
                               "not: every replica must make the same synchronising calls in the same order.")
        from ._values import PerReplica, regroup

        merge_fn = self.arrived[0][1]
        args = regroup([a[2] for a in self.arrived])
        kwargs = regroup([a[3] for a in self.arrived])
        out = _in_cross_replica(self.strategy, lambda: merge_fn(self.strategy, *args, **kwargs))
        from ._values import select

        self.merged = [select(out, k) for k in range(self.n)] if _contains(out, PerReplica) else [out] * self.n
        with self.cond:
            self.turn = 0
            self.cond.notify_all()


def _contains(value: Any, cls: type) -> bool:
    from ._values import leaves

    return any(isinstance(v, cls) for v in leaves(value))
