"""A thin ``tf.distribute``-style facade over :mod:`tapegrad.distributed` (one process = one replica).

``MPIStrategy`` maps ``tf.distribute.MultiWorkerMirroredStrategy``'s everyday names onto the Horovod-style calls:
``scope()`` (variables created inside are broadcast from rank 0 when it exits), ``run`` (a local call: the replica
is this process), ``reduce`` (an allreduce), ``gather`` (an allgather), ``num_replicas_in_sync`` (``size()``) and
``experimental_distribute_dataset`` (each global batch split by rank). Gradients still need a
``DistributedGradientTape`` or a ``DistributedOptimizer``: there is no cross-replica context to hide them in.

>>> import numpy as np
>>> from tapegrad.distributed.strategy import MPIStrategy, ReduceOp
>>> strategy = MPIStrategy()
>>> strategy.num_replicas_in_sync
1
>>> float(strategy.reduce(ReduceOp.MEAN, np.array([1.0, 3.0]), axis=0))
2.0
"""

from __future__ import annotations

import contextlib
import enum
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from .. import _tape
from .._tensor import Variable
from ..ops.core import convert_to_tensor
from . import _core
from ._ops import allgather, allreduce, broadcast_variables
from ._train import shard

__all__ = ["MPIStrategy", "ReduceOp"]


class ReduceOp(enum.Enum):
    """``tf.distribute.ReduceOp``."""

    SUM = "SUM"
    MEAN = "MEAN"


class MPIStrategy:
    """Data parallelism over MPI with ``tf.distribute``'s vocabulary (calls :func:`tapegrad.distributed.init`)."""

    def __init__(self, root_rank: int = 0) -> None:
        _core.init()
        self.root_rank = root_rank

    @property
    def num_replicas_in_sync(self) -> int:
        return _core.state.size

    @contextlib.contextmanager
    def scope(self) -> Iterator[MPIStrategy]:
        """Variables created inside are broadcast from ``root_rank`` on exit (in creation order)."""
        start = _tape.next_id()
        yield self
        created = sorted((o for o in gc.get_objects() if type(o) is Variable and o._id > start), key=lambda v: v._id)
        broadcast_variables(created, root_rank=self.root_rank)

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
            options: Any = None) -> Any:
        """``fn(*args, **kwargs)`` on this replica."""
        return fn(*args, **(kwargs or {}))

    def reduce(self, reduce_op: Any, value: Any, axis: int | None = None) -> Any:
        """SUM or MEAN of ``value`` over replicas (and over ``axis`` of each replica's value when given: MEAN is then
        over all elements of all replicas along that axis)."""
        op = ReduceOp(reduce_op.value if isinstance(reduce_op, ReduceOp) else str(reduce_op).upper())
        t = convert_to_tensor(value)
        if axis is None:
            return allreduce(t, op=_core.ReduceOp.SUM if op is ReduceOp.SUM else _core.ReduceOp.AVERAGE)
        from ..ops.reductions import reduce_sum

        total = allreduce(reduce_sum(t, axis=axis), op=_core.ReduceOp.SUM)
        if op is ReduceOp.SUM:
            return total
        count = allreduce(np.array(t.shape[axis], dtype=np.float64), op=_core.ReduceOp.SUM)
        return total / np.asarray(count.numpy(), dtype=t.dtype.as_numpy_dtype)

    def gather(self, value: Any, axis: int = 0) -> Any:
        """Every replica's ``value`` concatenated along ``axis`` (an allgather)."""
        if axis != 0:
            from ..ops.shape_ops import transpose

            t = convert_to_tensor(value)
            perm = [axis] + [i for i in range(len(t.shape)) if i != axis]
            back = list(np.argsort(perm))
            return transpose(allgather(transpose(t, perm)), back)
        return allgather(value)

    def experimental_local_results(self, value: Any) -> tuple[Any, ...]:
        return (value,)

    def experimental_distribute_dataset(self, dataset: Iterable[Any], options: Any = None) -> Iterator[Any]:
        """Iterate ``dataset`` (batches of the *global* batch size: arrays or nests of arrays) and yield this
        replica's contiguous share of each batch."""
        st = _core.state
        for batch in dataset:
            yield shard(batch, st.rank, st.size)
