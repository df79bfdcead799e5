"""The strategies: ``MirroredStrategy`` (one replica per local device, in this process), ``OneDeviceStrategy``,
``MultiWorkerMirroredStrategy`` (one replica per MPI process) and the default strategy.

Every strategy has ``W`` workers (MPI processes; 1 except for ``MultiWorkerMirroredStrategy`` under ``mpiexec``)
with ``L`` local replicas each; ``num_replicas_in_sync = W * L`` and worker ``w``'s replica ``i`` has id
``w * L + i``. A cross-replica reduction adds the local replicas' values with ``add_n`` (a recorded op: it is
differentiable and traceable) and then, with several workers, all-reduces that over MPI with
``tapegrad.distributed``'s collectives (the same engine as its Horovod-style API; ``mpi4py`` is imported only when
a multi-worker strategy is made).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _context
from ._context import ReduceOp, ReplicaContext, _local, as_reduce_op
from ._values import (
    DistributedValues,
    Mirrored,
    PerReplica,
    leaves,
    mirrored_info,
    pack,
    record_mirrored,
    regroup,
    select,
)

__all__ = ["Strategy", "StrategyExtended", "MirroredStrategy", "OneDeviceStrategy", "MultiWorkerMirroredStrategy",
           "CommunicationImplementation", "CommunicationOptions", "ValueContext"]


def _canonical(name: str) -> str:
    from .._device import DeviceSpec

    spec = DeviceSpec.from_string(str(name))
    kind = (spec.device_type or "CPU").upper()
    return (f"/job:{spec.job or 'localhost'}/replica:{spec.replica or 0}/task:{spec.task or 0}/device:{kind}:"
            f"{spec.device_index or 0}")


class StrategyExtended:
    """The less common parts of a strategy's API (``strategy.extended``)."""

    def __init__(self, strategy: Strategy, devices: tuple[str, ...]) -> None:
        self._strategy = strategy
        self._devices = devices

    @property
    def worker_devices(self) -> tuple[str, ...]:
        """This worker's replica devices (canonical names)."""
        return self._devices

    @property
    def parameter_devices(self) -> tuple[str, ...]:
        return self._devices

    @property
    def experimental_between_graph(self) -> bool:
        return self._strategy._workers > 1 or isinstance(self._strategy, MultiWorkerMirroredStrategy)

    @property
    def experimental_should_init(self) -> bool:
        return True

    @property
    def should_checkpoint(self) -> bool:
        return self._strategy._rank == 0

    should_save_summary = should_checkpoint

    def reduce_to(self, reduce_op: Any, value: Any, destinations: Any = None, options: Any = None) -> Any:
        """``value`` reduced over all replicas (TF's ``extended.reduce_to``; ``destinations`` are not used: every
        result lives on the host)."""
        return self._reduce(as_reduce_op(reduce_op), value)

    def batch_reduce_to(self, reduce_op: Any, value_destination_pairs: Any, options: Any = None) -> list[Any]:
        op = as_reduce_op(reduce_op)
        return [self._reduce(op, v) for v, _ in value_destination_pairs]

    def update(self, var: Any, fn: Callable[..., Any], args: tuple[Any, ...] = (),
               kwargs: dict[str, Any] | None = None, group: bool = True) -> Any:
        """``fn(var, *args, **kwargs)`` applied to the variable (the local replicas share its storage, so once)."""
        return fn(var, *[select(a, 0) for a in args], **{k: select(v, 0) for k, v in (kwargs or {}).items()})

    def value_container(self, value: Any) -> Any:
        return value

    # -- the reductions ---------------------------------------------------------------------------------------------
    def _local_values(self, value: Any) -> list[Any]:
        from ..ops.core import convert_to_tensor

        if isinstance(value, DistributedValues):
            return [convert_to_tensor(v) for v in value]
        return [convert_to_tensor(value)] * len(self._devices)

    def _reduce(self, op: ReduceOp, value: Any) -> Any:
        """One value reduced over every replica of every worker."""
        from ..ops.arithmetic import add_n

        strategy = self._strategy
        if not isinstance(value, DistributedValues) and strategy._workers == 1 and strategy._num_local > 1:
            # the same value on every local replica (across workers a plain value is that worker's own, as in TF)
            if op is ReduceOp.MEAN:
                return _tensor(value)
            raise ValueError(f"A non-DistributedValues value {value!r} cannot be reduced with the given reduce op "
                             f"{op}: a value that is the same on every replica has no SUM; pass the result of "
                             "strategy.run (a PerReplica), or use MEAN.")
        values = self._local_values(value)
        total = values[0] if len(values) == 1 else add_n(values)
        if strategy._workers > 1:
            from ..distributed import _ops as mpi

            total = mpi.allreduce(total, op=mpi.Sum)
        if op is ReduceOp.MEAN and strategy.num_replicas_in_sync > 1:
            total = _divide(total, strategy.num_replicas_in_sync)
        return total

    def _batch_reduce(self, op: ReduceOp, value: Any) -> Any:
        """A nest of values, each reduced over all replicas (one collective for all of them across workers)."""
        from ..ops.arithmetic import add_n

        strategy = self._strategy
        flat = leaves(value)
        if not flat:
            return value
        locals_ = [self._local_values(v) for v in flat]
        totals = [vs[0] if len(vs) == 1 else add_n(vs) for vs in locals_]
        if strategy._workers > 1:
            from ..distributed import _ops as mpi

            totals = mpi.grouped_allreduce(totals, op=mpi.Sum)
        if op is ReduceOp.MEAN and strategy.num_replicas_in_sync > 1:
            totals = [_divide(t, strategy.num_replicas_in_sync) for t in totals]
        return pack(value, totals)

    def _gather(self, value: Any, axis: int) -> Any:
        from ..ops.joining import concat

        values = self._local_values(value) if isinstance(value, DistributedValues) else [_tensor(value)]
        out = values[0] if len(values) == 1 else concat(values, axis)
        if self._strategy._workers > 1:
            out = _allgather(out, axis)
        return out

    def _batch_gather(self, value: Any, axis: int) -> Any:
        return pack(value, [self._gather(v, axis) for v in leaves(value)])


def _tensor(value: Any) -> Any:
    from ..ops.core import convert_to_tensor

    return convert_to_tensor(value)


def _divide(total: Any, count: int) -> Any:
    """``total / count`` as TF's MEAN reductions do: floats keep their dtype, integers become float64."""
    from ..math import truediv

    if total.dtype.is_floating or total.dtype.is_complex:
        return total * np.asarray(1.0 / count, dtype=total.dtype.as_numpy_dtype)
    return truediv(total, np.asarray(count, dtype=total.dtype.as_numpy_dtype))


def _allgather(t: Any, axis: int) -> Any:
    from ..distributed import _ops as mpi
    from ..ops.shape_ops import transpose

    if axis == 0:
        return mpi.allgather(t)
    rank = len(t.shape)
    axis = axis % rank
    perm = [axis] + [i for i in range(rank) if i != axis]
    back = [int(i) for i in np.argsort(perm)]
    return transpose(mpi.allgather(transpose(t, perm)), back)


class ValueContext:
    """What ``experimental_distribute_values_from_function``'s ``value_fn`` is told about its replica."""

    def __init__(self, replica_id_in_sync_group: int = 0, num_replicas_in_sync: int = 1) -> None:
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync

    def __repr__(self) -> str:
        return (f"tf.distribute.experimental.ValueContext(replica id {self.replica_id_in_sync_group},  total "
                f"replicas in sync: {self.num_replicas_in_sync})")


class Strategy:
    """A way to run a computation on several replicas in sync (``tf.distribute.Strategy``).

    >>> import tapegrad as tf
    >>> strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> with strategy.scope():
    ...     v = tf.Variable(1.0)
    >>> float(strategy.reduce("SUM", strategy.run(lambda: v * 2.0), axis=None))
    2.0
    """

    _workers = 1
    _rank = 0

    def __init__(self, devices: tuple[str, ...]) -> None:
        self._extended = StrategyExtended(self, devices)
        self._default_replica_context = ReplicaContext(self, 0)

    # -- properties -----------------------------------------------------------------------------------------------
    @property
    def extended(self) -> StrategyExtended:
        return self._extended

    @property
    def num_replicas_in_sync(self) -> int:
        """Replicas taking part in each step: local replicas times workers."""
        return len(self._extended.worker_devices) * self._workers

    @property
    def _num_local(self) -> int:
        return len(self._extended.worker_devices)

    @property
    def cluster_resolver(self) -> Any:
        return None

    # -- scope ----------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        """Make this the current strategy: Variables created inside are mirrored over the replicas (and, with
        several workers, start from worker 0's initial value). Scopes of different strategies cannot nest."""
        current = _local.scopes[-1] if _local.scopes else None
        if _local.replica is not None and _local.replica._strategy is not self:
            raise RuntimeError("Mixing different tf.distribute.Strategy objects: a scope() of another strategy "
                               "inside this replica's strategy.run.")
        if current is not None and current is not self:
            raise RuntimeError(f"Mixing different tf.distribute.Strategy objects: {type(self).__name__}.scope() "
                               f"inside the scope of a {type(current).__name__}; exit that scope first.")
        _local.scopes.append(self)
        try:
            yield self
        finally:
            _local.scopes.pop()

    def _on_variable_created(self, var: Any) -> None:
        if self._workers > 1:
            from ..distributed import _ops as mpi

            var._value = np.array(mpi.broadcast(var, root_rank=0).numpy(), copy=True).reshape(var._value.shape)
        record_mirrored(var, self, None)

    # -- running replicas -----------------------------------------------------------------------------------------
    def run(self, fn: Callable[..., Any], args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
            options: Any = None) -> Any:
        """``fn(*args, **kwargs)`` on every local replica, in its replica context; arguments that are
        distributed values (``PerReplica`` from a distributed dataset) give each replica its component. Returns
        the results as ``PerReplica`` values (the plain result with one local replica)."""
        kwargs = kwargs or {}
        n = self._num_local
        first = self._rank * n
        if _local.replica is not None:
            raise RuntimeError("strategy.run cannot be called inside a replica function (you are already in a "
                               "replica context); call fn directly.")
        if n == 1:
            return _context.run_single(self, first, fn, select(args, 0), select(kwargs, 0))
        calls = [(select(args, i), select(kwargs, i)) for i in range(n)]
        results = _context._ReplicaGroup(self, n).run(fn, calls, first)
        return regroup(results)

    def reduce(self, reduce_op: Any, value: Any, axis: int | None = None) -> Any:
        """``value`` (from ``run``) combined over replicas: ``SUM`` or ``MEAN``; with ``axis``, each replica's value
        is first reduced along it (MEAN then averages over all elements of all replicas along that axis).

        >>> import tapegrad as tf
        >>> s = tf.distribute.get_strategy()
        >>> float(s.reduce(tf.distribute.ReduceOp.MEAN, tf.constant([1.0, 3.0]), axis=0))
        2.0
        """
        from ..ops.reductions import reduce_sum

        op = as_reduce_op(reduce_op)
        if _local.replica is not None:
            raise RuntimeError("strategy.reduce is called in replica context; use "
                               "tf.distribute.get_replica_context().all_reduce there.")
        if axis is None:
            return self._extended._reduce(op, value)
        total = self._extended._reduce(ReduceOp.SUM, self._per_local(value, lambda v: reduce_sum(v, axis=axis)))
        if op is ReduceOp.SUM:
            return total
        count = self._extended._reduce(ReduceOp.SUM, self._per_local(
            value, lambda v: np.asarray(v.shape[axis], dtype=v.dtype.as_numpy_dtype)))
        from ..math import truediv

        return truediv(total, count)

    def _per_local(self, value: Any, fn: Callable[[Any], Any]) -> Any:
        vals = self._extended._local_values(value)
        out = [fn(v) for v in vals]
        return PerReplica(out) if len(out) > 1 else out[0]

    def gather(self, value: Any, axis: int) -> Any:
        """Every replica's ``value`` concatenated along ``axis`` (shapes may differ along it), in replica order."""
        if _local.replica is not None:
            raise RuntimeError("strategy.gather is called in replica context; use "
                               "tf.distribute.get_replica_context().all_gather there.")
        return self._extended._gather(value, axis)

    def experimental_local_results(self, value: Any) -> tuple[Any, ...]:
        """The local replicas' components of ``value`` as a tuple (a plain value once per replica for a mirrored
        Variable, whose replicas share one storage in this process; ``(value,)`` for a value that is not
        distributed)."""
        if isinstance(value, DistributedValues):
            return tuple(value)
        flat = leaves(value)
        if len(flat) > 1 or flat and flat[0] is not value:
            if any(isinstance(v, DistributedValues) for v in flat):
                return tuple(select(value, i) for i in range(self._num_local))
        if mirrored_info(value) is not None:
            return (value,) * self._num_local
        return (value,)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """Each element of ``dataset`` (a batch of the *global* batch size) split into per-replica batches by TF's
        rebatching rule: ``b`` rows give the first ``b % N`` of the ``N`` replicas ``b // N + 1`` rows and the
        others ``b // N`` (some replicas get empty batches from a small last batch)."""
        from ._input import DistributedDataset

        return DistributedDataset(self, dataset, options)

    def distribute_datasets_from_function(self, dataset_fn: Callable[[Any], Any], options: Any = None) -> Any:
        """``dataset_fn(input_context)`` makes this worker's dataset (of per-replica batches); its elements go to
        the local replicas in turn."""
        from ._input import DistributedDatasetsFromFunction

        return DistributedDatasetsFromFunction(self, dataset_fn, options)

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def experimental_distribute_values_from_function(self, value_fn: Callable[[ValueContext], Any]) -> Any:
        """``PerReplica`` values made by ``value_fn(ValueContext)`` for each local replica."""
        n = self._num_local
        first = self._rank * n
        return regroup([value_fn(ValueContext(first + i, self.num_replicas_in_sync)) for i in range(n)])

    def experimental_run(self, fn: Callable[..., Any], input_iterator: Any = None) -> Any:
        return self.run(fn, args=(next(input_iterator),) if input_iterator is not None else ())

    def __repr__(self) -> str:
        return f"<tapegrad.distribute.{type(self).__name__} replicas={self.num_replicas_in_sync}>"

    def __deepcopy__(self, memo: Any) -> Strategy:
        raise RuntimeError("Must only deepcopy DistributedDatasets (a strategy cannot be copied).")


class _DefaultDistributionStrategy(Strategy):
    """The strategy in effect outside every ``scope()``: one replica, this process, no distribution."""

    def __init__(self) -> None:
        super().__init__((_canonical("/cpu:0"),))

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        yield self

    def _on_variable_created(self, var: Any) -> None:
        pass


_DEFAULT: list[Strategy] = []


def default_strategy() -> Strategy:
    if not _DEFAULT:
        _DEFAULT.append(_DefaultDistributionStrategy())
    return _DEFAULT[0]


def _local_cpus() -> list[str]:
    from .._device import list_logical_devices

    return [d.name for d in list_logical_devices("CPU")]


class MirroredStrategy(Strategy):
    """Synchronous training on the devices of this process, one replica per device (``tf.distribute.Mirrored
    Strategy``). tapegrad computes on the CPU: split it into logical CPUs with
    ``tf.config.set_logical_device_configuration`` to get several replicas, as on TF's CPU; the default is every
    logical CPU. Other device names (``"/gpu:0"``) are replicas computing on the CPU, as TF's soft placement runs
    them on a machine without them.

    >>> import tapegrad as tf
    >>> strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    >>> strategy.num_replicas_in_sync, strategy.extended.worker_devices
    (1, ('/job:localhost/replica:0/task:0/device:CPU:0',))
    """

    def __init__(self, devices: Any = None, cross_device_ops: Any = None) -> None:
        names = _local_cpus() if devices is None else ([devices] if isinstance(devices, str) else list(devices))
        if not names:
            raise ValueError("MirroredStrategy: `devices` is empty; pass device names such as ['/cpu:0', '/cpu:1'].")
        canon = tuple(_canonical(d) for d in names)
        if len(set(canon)) != len(canon):
            raise AssertionError(f"No duplicates allowed in `devices` argument: {names} name the same device "
                                 "twice.")  # (TF's exception type)
        self._cross_device_ops = cross_device_ops
        super().__init__(canon)


class OneDeviceStrategy(Strategy):
    """Everything on one device, one replica (``tf.distribute.OneDeviceStrategy``).

    >>> import tapegrad as tf
    >>> s = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> int(s.run(lambda x: x + 1, args=(tf.constant(1),)))
    2
    """

    def __init__(self, device: str) -> None:
        super().__init__((_canonical(device),))


class CommunicationImplementation(enum.Enum):
    """Which collective implementation to use (tapegrad uses MPI whatever is asked)."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


class CommunicationOptions:
    """Options for cross-worker collectives (``tf.distribute.experimental.CommunicationOptions``):
    ``bytes_per_pack`` splits gradient all-reduces into packs (it sets the MPI fusion bucket size);
    ``timeout_seconds`` sets the collective watchdog (a collective waiting longer aborts the job)."""

    def __init__(self, bytes_per_pack: int = 0, timeout_seconds: float | None = None,
                 implementation: Any = CommunicationImplementation.AUTO) -> None:
        if bytes_per_pack < 0:
            raise ValueError("bytes_per_pack must be non-negative")
        self.bytes_per_pack = int(bytes_per_pack)
        self.timeout_seconds = timeout_seconds
        self.implementation = CommunicationImplementation(getattr(implementation, "value", implementation))

    def __repr__(self) -> str:
        return (f"Options(bytes_per_pack={self.bytes_per_pack},timeout_seconds={self.timeout_seconds}, "
                f"implementation={self.implementation})")


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous training across processes, one replica per process, on MPI
    (``tf.distribute.MultiWorkerMirroredStrategy``): launch with ``mpiexec -n N python train.py``; run plainly, it
    is one replica. The cluster is MPI's (``cluster_resolver`` is accepted and must agree on the worker count when
    it describes one); ``communication_options`` sets the fusion pack size and the collective timeout.

    >>> import tapegrad as tf
    >>> strategy = tf.distribute.MultiWorkerMirroredStrategy()
    >>> strategy.num_replicas_in_sync
    1
    """

    def __init__(self, cluster_resolver: Any = None, communication_options: Any = None) -> None:
        from ..distributed import _core
        from ._cluster import TFConfigClusterResolver, worker_count

        options = communication_options or CommunicationOptions()
        if not isinstance(options, CommunicationOptions):
            raise ValueError(f"communication_options must be a tf.distribute.experimental.CommunicationOptions, got "
                             f"{options!r}")
        _core.init(timeout=options.timeout_seconds,
                   fusion_threshold=options.bytes_per_pack if options.bytes_per_pack > 0 else None)
        st = _core.state
        self._workers, self._rank = st.size, st.rank
        self._communication_options = options

        resolver = cluster_resolver if cluster_resolver is not None else TFConfigClusterResolver()
        self._cluster_resolver = resolver
        count = worker_count(resolver)  # (TF_CONFIG's cluster, when a TF script sets it)
        if count and count != self._workers:
            source = "TF_CONFIG" if cluster_resolver is None else "cluster_resolver"
            raise ValueError(f"MultiWorkerMirroredStrategy: the cluster ({source}) describes {count} workers but "
                             f"MPI started {self._workers} processes: launch with mpiexec -n {count} (tapegrad's "
                             "workers are MPI processes; the addresses are not used).")
        super().__init__((_canonical(f"/job:worker/replica:0/task:{self._rank}/device:CPU:0")
                          if self._workers > 1 else _canonical("/cpu:0"),))

    @property
    def cluster_resolver(self) -> Any:
        """The resolver given (TF's default: one that reads ``TF_CONFIG``)."""
        return self._cluster_resolver


def _on_variable(var: Any) -> None:
    """Called for every new Variable (chained after the compiler's hook): record it as mirrored when a
    strategy's scope or replica is current."""
    strategy = _local.replica._strategy if _local.replica is not None else (_local.scopes[-1] if _local.scopes
                                                                             else None)
    if strategy is not None:
        strategy._on_variable_created(var)


def _install_variable_hook() -> None:
    from .. import _tensor

    previous = _tensor._variable_hook
    if getattr(previous, "_distribute", False):
        return

    def hook(var: Any) -> None:
        if previous is not None:
            previous(var)
        if _local.scopes or _local.replica is not None:
            _on_variable(var)

    hook._distribute = True  # type: ignore[attr-defined]
    _tensor._variable_hook = hook


_install_variable_hook()

__all__ += ["Mirrored", "PerReplica"]
