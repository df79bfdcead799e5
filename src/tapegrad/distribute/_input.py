"""Input for strategies: ``DistributedDataset`` (a dataset of global batches, split per replica),
``DistributedDatasetsFromFunction`` (one dataset per worker, its elements dealt to the local replicas),
``InputContext``, ``InputOptions`` and ``InputReplicationMode``."""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import nest
from ._values import PerReplica, regroup

__all__ = ["InputContext", "InputOptions", "InputReplicationMode", "DistributedDataset", "DistributedIterator",
           "DistributedDatasetsFromFunction"]


class InputReplicationMode(enum.Enum):
    """Whether the input pipeline is made once per worker or once per replica."""

    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """How a strategy distributes input (``tf.distribute.InputOptions``). The device options are accepted and have
    no effect (tapegrad's replicas all read host memory).

    >>> import tapegrad as tf
    >>> tf.distribute.InputOptions().experimental_replication_mode
    <InputReplicationMode.PER_WORKER: 'PER_WORKER'>
    """

    def __init__(self, experimental_fetch_to_device: bool | None = None,
                 experimental_replication_mode: InputReplicationMode = InputReplicationMode.PER_WORKER,
                 experimental_place_dataset_on_device: bool = False,
                 experimental_per_replica_buffer_size: int = 1) -> None:
        self.experimental_fetch_to_device = (True if experimental_fetch_to_device is None
                                             else bool(experimental_fetch_to_device))
        self.experimental_replication_mode = InputReplicationMode(experimental_replication_mode)
        self.experimental_place_dataset_on_device = bool(experimental_place_dataset_on_device)
        self.experimental_per_replica_buffer_size = int(experimental_per_replica_buffer_size)

    def __repr__(self) -> str:
        return (f"InputOptions(experimental_fetch_to_device={self.experimental_fetch_to_device}, "
                f"experimental_replication_mode={self.experimental_replication_mode}, "
                f"experimental_place_dataset_on_device={self.experimental_place_dataset_on_device}, "
                f"experimental_per_replica_buffer_size={self.experimental_per_replica_buffer_size})")


class InputContext:
    """What a ``distribute_datasets_from_function`` dataset function is told (``tf.distribute.InputContext``).

    >>> import tapegrad as tf
    >>> ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1, num_replicas_in_sync=4)
    >>> ctx.get_per_replica_batch_size(8)
    2
    """

    def __init__(self, num_input_pipelines: int = 1, input_pipeline_id: int = 0,
                 num_replicas_in_sync: int = 1) -> None:
        self._num_input_pipelines = int(num_input_pipelines)
        self._input_pipeline_id = int(input_pipeline_id)
        self._num_replicas_in_sync = int(num_replicas_in_sync)

    @property
    def num_replicas_in_sync(self) -> int:
        return self._num_replicas_in_sync

    @property
    def input_pipeline_id(self) -> int:
        return self._input_pipeline_id

    @property
    def num_input_pipelines(self) -> int:
        return self._num_input_pipelines

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        """``global_batch_size // num_replicas_in_sync``; ValueError when it does not divide evenly."""
        if global_batch_size % self._num_replicas_in_sync != 0:
            raise ValueError(f"The `global_batch_size` {global_batch_size} is not divisible by "
                             f"`num_replicas_in_sync` {self._num_replicas_in_sync} ")
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self) -> str:
        return f"tf.distribute.InputContext(input pipeline id {self._input_pipeline_id}, total: " \
               f"{self._num_input_pipelines})"


def split_sizes(rows: int, parts: int) -> list[int]:
    """TF's rebatching rule: ``rows`` split into ``parts`` sub-batches, the first ``rows % parts`` one larger."""
    q, r = divmod(rows, parts)
    return [q + 1 if i < r else q for i in range(parts)]


def _rows(x: Any) -> int:
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    if len(shape) == 0:
        raise ValueError("experimental_distribute_dataset: an element has a scalar component; the dataset must be "
                         "batched (dataset.batch(global_batch_size)) so that each element can be split over the "
                         "replicas.")
    return int(shape[0])


def split_element(element: Any, first: int, count: int, total: int) -> list[Any]:
    """Replicas ``first .. first+count-1`` (of ``total``)'s rows of a global batch ``element`` (a nest)."""
    leaves = nest.flatten(element)
    tensors = [x for x in leaves if x is not None]
    rows = {_rows(x) for x in tensors}
    if len(rows) != 1:
        raise ValueError(f"experimental_distribute_dataset: the components of an element have different batch "
                         f"sizes {sorted(rows)}; they must share the leading (batch) dimension.")
    sizes = split_sizes(rows.pop(), total)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    out = []
    for r in range(first, first + count):
        lo, hi = int(starts[r]), int(starts[r + 1])
        out.append(nest.pack_sequence_as(element, [None if x is None else x[lo:hi] for x in leaves]))
    return out


class DistributedIterator:
    """An iterator over a distributed dataset: each ``next`` gives one step's input, a ``PerReplica`` with several
    local replicas (``tf.distribute.DistributedIterator``)."""

    def __init__(self, strategy: Any, source: Iterator[Any], split: Callable[[Any], list[Any]],
                 element_spec: Any = None) -> None:
        self._strategy = strategy
        self._source = source
        self._split = split
        self._element_spec = element_spec

    def __iter__(self) -> DistributedIterator:
        return self

    def __next__(self) -> Any:
        return regroup(self._split(next(self._source)), PerReplica)

    def get_next(self) -> Any:
        """The next step's input; ``OutOfRangeError`` at the end (as TF's ``get_next``)."""
        try:
            return next(self)
        except StopIteration:
            from ..errors import OutOfRangeError

            raise OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self) -> Any:
        from ..experimental import Optional

        try:
            return Optional.from_value(next(self))
        except StopIteration:
            return Optional.empty(self._element_spec)

    @property
    def element_spec(self) -> Any:
        return self._element_spec


class DistributedDataset:
    """A dataset of global batches seen as per-replica batches (``strategy.experimental_distribute_dataset``).
    Iterate it (a ``for`` loop or ``iter``) to get each step's ``PerReplica`` input.

    >>> import tapegrad as tf
    >>> s = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> [x.numpy().tolist() for x in s.experimental_distribute_dataset(tf.data.Dataset.range(4).batch(2))]
    [[0, 1], [2, 3]]
    """

    def __init__(self, strategy: Any, dataset: Any, options: Any = None) -> None:
        if options is not None and not isinstance(options, InputOptions):
            raise TypeError(f"options must be a tf.distribute.InputOptions, got {type(options).__name__}")
        if options is not None and options.experimental_replication_mode is InputReplicationMode.PER_REPLICA:
            raise NotImplementedError("InputReplicationMode.PER_REPLICA is only supported in "
                                      "`distribute_datasets_from_function` (as in TF).")
        self._strategy = strategy
        self._dataset = dataset
        self._options = options

    def _splitter(self) -> Callable[[Any], list[Any]]:
        s = self._strategy
        n = s._num_local
        first, total = s._rank * n, s.num_replicas_in_sync
        return lambda element: split_element(element, first, n, total)

    def __iter__(self) -> DistributedIterator:
        return DistributedIterator(self._strategy, iter(self._dataset), self._splitter(), self.element_spec)

    @property
    def element_spec(self) -> Any:
        return getattr(self._dataset, "element_spec", None)

    @property
    def cardinality(self) -> np.int64:
        """The steps of one pass (a NumPy int64, as TF's property; -1 infinite, -2 unknown)."""
        return np.int64(self._dataset.cardinality().numpy())

    def reduce(self, initial_state: Any, reduce_fn: Callable[[Any, Any], Any]) -> Any:
        """``reduce_fn(state, element)`` over every step's (distributed) element, from ``initial_state``."""
        state = initial_state
        for element in self:
            state = reduce_fn(state, element)
        return state

    def __deepcopy__(self, memo: Any) -> DistributedDataset:
        return type(self)(self._strategy, copy.deepcopy(self._dataset, memo), self._options)


class DistributedDatasetsFromFunction(DistributedDataset):
    """One dataset per worker made by ``dataset_fn(InputContext)`` (``strategy.distribute_datasets_from_function``):
    its elements are already per-replica batches and go to the local replicas in turn (with
    ``PER_REPLICA`` mode, one dataset per local replica)."""

    def __init__(self, strategy: Any, dataset_fn: Callable[[InputContext], Any], options: Any = None) -> None:
        if options is not None and not isinstance(options, InputOptions):
            raise TypeError(f"options must be a tf.distribute.InputOptions, got {type(options).__name__}")
        self._strategy = strategy
        self._options = options
        self._fn = dataset_fn
        per_replica = options is not None and options.experimental_replication_mode is \
            InputReplicationMode.PER_REPLICA
        n = strategy._num_local
        if per_replica:
            pipes = strategy.num_replicas_in_sync
            self._datasets = [dataset_fn(InputContext(pipes, strategy._rank * n + i, strategy.num_replicas_in_sync))
                              for i in range(n)]
        else:
            self._datasets = [dataset_fn(InputContext(strategy._workers, strategy._rank,
                                                      strategy.num_replicas_in_sync))]
        self._dataset = self._datasets[0]

    def __iter__(self) -> DistributedIterator:
        return DistributedIterator(self._strategy, self.local_groups(), list, self.element_spec)

    def local_groups(self) -> Iterator[list[Any]]:
        """Each step's elements of this worker's replicas, in replica order."""
        n = self._strategy._num_local
        if len(self._datasets) == n:
            return (list(group) for group in zip(*[iter(d) for d in self._datasets]))
        return _chunks(iter(self._datasets[0]), n)

    def __deepcopy__(self, memo: Any) -> DistributedDatasetsFromFunction:
        return type(self)(self._strategy, self._fn, self._options)


class LocalShares(tuple):  # noqa: SLOT001 - one attribute, set once
    """One step of a distributed dataset made from a function, as Keras's ``fit`` reads it: the tuple
    ``(x, y, sample_weight)`` of this worker's replica batches joined (for code that wants one batch) and
    ``shares``, the replicas' own ``(x, y, sample_weight)`` batches, which a strategy's step uses as they are."""

    shares: list[Any]

    @classmethod
    def of(cls, shares: list[Any]) -> LocalShares:
        def join(*xs: Any) -> Any:
            return None if xs[0] is None else np.concatenate([np.asarray(x) for x in xs])

        out = cls(nest.map_structure(join, *shares) if len(shares) > 1 else shares[0])
        out.shares = shares
        return out


def _chunks(it: Iterator[Any], n: int) -> Iterator[list[Any]]:
    """Groups of ``n`` consecutive elements; a short last group is padded with empty batches shaped like its
    first element (TF gives the replicas without data an empty batch)."""
    while True:
        group = []
        for _ in range(n):
            try:
                group.append(next(it))
            except StopIteration:
                break
        if not group:
            return
        while len(group) < n:
            group.append(nest.map_structure(lambda x: None if x is None else x[:0], group[0]))
        yield group
