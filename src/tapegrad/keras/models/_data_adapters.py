"""What ``fit``/``evaluate``/``predict`` read batches from, other than arrays: ``tf.data`` datasets, Python generators
and ``keras.utils.PyDataset`` objects, with Keras 3's epoch rules (``EpochIterator``).

An adapter gives ``num_batches`` (``None`` when unknown), ``iterator()`` (one pass of batches, each ``x``, ``(x,)``,
``(x, y)`` or ``(x, y, sample_weight)`` with NumPy leaves) and ``on_epoch_begin``/``on_epoch_end``.
``EpochIterator`` turns an adapter into epochs: with ``steps_per_epoch`` one iterator carries on across epochs and
is restarted only once it runs out; without it each epoch is one pass; an input that runs out warns ("Your input ran
out of data") and from then on its length is known.
"""

from __future__ import annotations

import inspect
import itertools
import random
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ... import _nest
from ..._tensor import _TensorLike

__all__ = ["EpochIterator", "adapter_for", "is_iterable_input", "OUT_OF_DATA"]

OUT_OF_DATA = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator can "
               "generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` function "
               "when building your dataset.")


def _is_dataset(x: Any) -> bool:
    if _is_distributed(x):
        return True
    if not type(x).__module__.startswith("tapegrad.data"):
        return False
    from ...data import Dataset

    return isinstance(x, Dataset)


def _is_distributed(x: Any) -> bool:
    """A ``strategy.experimental_distribute_dataset`` / ``distribute_datasets_from_function`` result."""
    if not type(x).__module__.startswith("tapegrad.distribute"):
        return False
    from ...distribute._input import DistributedDataset

    return isinstance(x, DistributedDataset)


def _is_py_dataset(x: Any) -> bool:
    from .._py_dataset import PyDataset

    return isinstance(x, PyDataset)


def input_kind(x: Any) -> str | None:
    """``"dataset"``, ``"generator"``, ``"PyDataset"``, or ``None`` for arrays/tensors."""
    if _is_dataset(x):
        return "dataset"
    if inspect.isgenerator(x):
        return "generator"
    if _is_py_dataset(x):
        return "PyDataset"
    return None


def is_iterable_input(x: Any) -> bool:
    return input_kind(x) is not None


def _leaf_to_numpy(a: Any) -> Any:
    if a is None:
        return None
    if isinstance(a, _TensorLike):
        return a.numpy()
    return a if isinstance(a, np.ndarray) else np.asarray(a)


def _as_numpy(batch: Any) -> Any:
    return _nest.map_structure(_leaf_to_numpy, batch)


class _DatasetAdapter:
    weighs_classes = False  # fit turns class_weight into sample weights batch by batch

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset
        self.num_batches = dataset._card if dataset._card >= 0 else None

    def iterator(self) -> Iterator[Any]:
        return self.dataset._iter_top()

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


class _LocalSharesAdapter:
    """A distributed dataset made from a function: each step's elements are the local replicas' own batches
    (``LocalShares``), which the strategy's step takes as they are instead of splitting one global batch."""

    weighs_classes = False

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset
        steps = int(dataset._datasets[0].cardinality().numpy())
        self.num_batches = steps if steps >= 0 else None  # TF reports the first pipeline's length, as here

    def iterator(self) -> Iterator[Any]:
        from ...distribute._input import LocalShares
        from ._trainer import _unpack

        for group in self.dataset.local_groups():
            yield LocalShares.of([_unpack(_as_numpy(element)) for element in group])

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


def _dataset_adapter(x: Any, class_weight: Any) -> Any:
    """A ``tf.data`` dataset's adapter; a distributed dataset of global batches is read as its dataset (the
    strategy's step splits each batch among the replicas exactly as the distributed dataset would)."""
    if not _is_distributed(x):
        return _DatasetAdapter(x)
    if hasattr(x, "local_groups"):
        if class_weight is not None:
            raise ValueError("Argument `class_weight` is not supported for a distributed dataset made by "
                             "`distribute_datasets_from_function`; put the weights in the dataset's elements "
                             "(x, y, sample_weight) instead.")
        return _LocalSharesAdapter(x)
    return _DatasetAdapter(x._dataset)


def _spec_shape(batches: list[Any]) -> list[tuple[Any, ...]]:
    """Per leaf, the shape the first batches agree on (``None`` where they differ; the batch axis is ``None``)."""
    shapes = []
    for leaves in zip(*[_nest.flatten(b) for b in batches]):
        dims = [np.shape(a) for a in leaves if a is not None]
        if not dims:
            shapes.append(None)
            continue
        first = dims[0]
        same = all(len(d) == len(first) for d in dims)
        shapes.append(None if not same else tuple(
            None if i == 0 or any(d[i] != first[i] for d in dims) else first[i] for i in range(len(first))))
    return shapes


class _GeneratorAdapter:
    """A Python generator, read once: Keras 3 reads its first two batches to learn their structure and shapes and
    serves them again at the start of every pass (so a second pass over a spent generator is those two batches)."""

    num_batches = None
    weighs_classes = False
    PEEK = 2

    def __init__(self, generator: Any) -> None:
        self.generator = generator
        self.first = list(itertools.islice(generator, self.PEEK))
        if not self.first:
            raise ValueError("When passing a Python generator to a Keras model, the generator must yield at least one "
                             "batch. Received an empty generator.")
        if not isinstance(self.first[0], tuple):
            raise ValueError("When passing a Python generator to a Keras model, the generator must return a tuple, "
                             "either (input,) or (inputs, targets) or (inputs, targets, sample_weights). Received: "
                             f"{str(self.first[0])[:200]}")
        self.first = [_as_numpy(b) for b in self.first]
        self.shapes = _spec_shape(self.first)

    def _checked(self, batch: Any) -> Any:
        batch = _as_numpy(batch)
        for a, want in zip(_nest.flatten(batch), self.shapes):
            if a is None or want is None:
                continue
            got = np.shape(a)
            if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
                raise TypeError(f"Generator yielded an element of shape {got} where an element of shape "
                                f"{tuple(want)} was expected. Your generator provides tensors with variable input "
                                "dimensions other than the batch size. Make sure that the generator's first two "
                                "batches do not have the same dimension value wherever there is a variable input "
                                "dimension.")
        return batch

    def iterator(self) -> Iterator[Any]:
        yield from self.first
        for batch in self.generator:
            yield self._checked(batch)

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


class _PyDatasetAdapter:
    """A ``keras.utils.PyDataset``: ``ds[i]`` batch by batch (shuffled indices with ``shuffle``, drawn from Python's
    ``random`` as Keras does, so ``keras.utils.set_random_seed`` fixes the order), through a thread pool when the
    dataset asks for workers."""

    weighs_classes = True  # class_weight becomes each batch's sample weights here, as Keras's adapter does

    def __init__(self, dataset: Any, shuffle: bool = False, class_weight: Any = None) -> None:
        self.dataset, self.shuffle, self.class_weight = dataset, bool(shuffle), class_weight
        workers, multi = dataset.workers, dataset.use_multiprocessing
        self.workers = int(workers) if workers > 1 or (workers > 0 and multi) else 0
        self.queue_size = int(dataset.max_queue_size)
        self._within_epoch = False
        if self.num_batches == 0:
            raise ValueError("The PyDataset has length 0: its `__len__` (or `num_batches`) must be positive.")

    @property
    def num_batches(self) -> int | None:
        return self.dataset.num_batches

    def _standardize(self, batch: Any) -> Any:
        if isinstance(batch, dict):
            return _as_numpy(batch)
        if isinstance(batch, (np.ndarray, _TensorLike)):
            batch = (batch,)
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
            raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be ordered "
                             "either (input,) or (inputs, targets) or (inputs, targets, sample_weights). Received: "
                             f"{str(batch)[:100]}... of type {type(batch)}")
        batch = _as_numpy(batch)
        if self.class_weight is not None:
            if len(batch) == 3:
                raise ValueError("You cannot specify `class_weight` and `sample_weight` at the same time.")
            if len(batch) == 2:
                from ._trainer import _class_weights

                batch = batch + (_class_weights(batch[1], self.class_weight, None),)
        return batch

    def iterator(self) -> Iterator[Any]:
        n = self.num_batches
        if n is None:
            indices: Any = itertools.count()
        else:
            indices = list(range(n))
            if self.shuffle:
                random.shuffle(indices)
        if self.workers:
            from .._py_dataset import ordered_prefetch

            batches: Iterator[Any] = ordered_prefetch(self.dataset, indices, self.workers, self.queue_size)
        else:
            batches = (self.dataset[i] for i in indices)
        for batch in batches:
            yield self._standardize(batch)

    def on_epoch_begin(self) -> None:
        if self._within_epoch:
            raise ValueError("`on_epoch_begin` was called twice without `on_epoch_end` having been called.")
        self._within_epoch = True
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()
        self._within_epoch = False


def _refuse(x: Any, kind: str, y: Any, sample_weight: Any, validation_split: float = 0.0,
            class_weight: Any = None) -> None:
    """The arguments Keras 3 refuses next to a dataset, generator or PyDataset ``x`` (ValueError)."""
    name = {"dataset": "a tf.data.Dataset", "generator": "a generator", "PyDataset": "a PyDataset"}[kind]
    the = {"dataset": "the dataset `x` (elements `(x, y)`)", "generator": "the generator", "PyDataset": "the PyDataset"}
    if y is not None:
        where = the[kind]
        raise ValueError(f"When providing `x` as {name}, `y` should not be passed. Instead, the targets should be "
                         f"included as part of {where}.")
    if sample_weight is not None:
        raise ValueError(f"When providing `x` as {name}, `sample_weights` should not be passed. Instead, the sample "
                         f"weights should be included as part of {the[kind]}.")
    if validation_split:
        raise ValueError(f"Argument `validation_split` is only supported for tensors or NumPy arrays. Found "
                         f"incompatible type in the input: [{type(x)}]. Split the data yourself and pass "
                         "`validation_data`.")
    if class_weight is not None and kind == "generator":
        raise ValueError(f"Argument `class_weight` is not supported for Python generator inputs. Received: "
                         f"class_weight={class_weight}")


def adapter_for(x: Any, *, y: Any = None, sample_weight: Any = None, validation_split: float = 0.0,
                class_weight: Any = None, shuffle: bool = False, warn_shuffle: bool = False) -> Any:
    """The adapter of a dataset, generator or PyDataset ``x`` (``None`` for arrays), after Keras's argument checks."""
    kind = input_kind(x)
    if kind is None:
        return None
    _refuse(x, kind, y, sample_weight, validation_split, class_weight)
    if kind == "PyDataset":
        if shuffle and warn_shuffle and getattr(x, "num_batches", None) is None:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as an "
                          "infinite PyDataset. The PyDataset is expected to already be shuffled.", UserWarning,
                          stacklevel=3)
        return _PyDatasetAdapter(x, shuffle=shuffle, class_weight=class_weight)
    if shuffle and warn_shuffle:
        what = ("a tf.data.Dataset. The Dataset is expected to already be shuffled (via `.shuffle(buffer_size)`)."
                if kind == "dataset" else "a generator. The generator is expected to yield already-shuffled data.")
        warnings.warn(f"`shuffle=True` was passed, but will be ignored since the data `x` was provided as {what}",
                      UserWarning, stacklevel=3)
    if kind == "dataset":
        return _dataset_adapter(x, class_weight)
    return _GeneratorAdapter(x)


class EpochIterator:
    """Batches of an adapter epoch by epoch, with Keras 3's rules (its ``EpochIterator``)."""

    def __init__(self, adapter: Any, steps_per_epoch: int | None = None,
                 on_exhausted: Callable[[], None] | None = None) -> None:
        self.adapter, self.steps_per_epoch, self.on_exhausted = adapter, steps_per_epoch, on_exhausted
        self._num_batches = adapter.num_batches
        self._it: Iterator[Any] | None = None
        self._seen = 0

    @property
    def num_batches(self) -> int | None:
        """``steps_per_epoch``, else the input's length (known once a pass has run out)."""
        return self.steps_per_epoch or self._num_batches

    def reset(self) -> None:
        """Forget the current pass (``fit`` and ``evaluate`` start with this; it ends the adapter's epoch)."""
        self._it, self._seen = None, 0
        self._num_batches = self.adapter.num_batches
        self.adapter.on_epoch_end()

    def epoch(self) -> Iterator[Any]:
        """The batches of one epoch."""
        self.adapter.on_epoch_begin()
        steps = self.steps_per_epoch or self._num_batches or -1
        if steps > 0:
            if self._it is None or self.steps_per_epoch is None:
                self._it, self._seen = self.adapter.iterator(), 0
            for _ in range(steps):
                if self._num_batches and self._seen >= self._num_batches:
                    if self.steps_per_epoch:
                        warnings.warn(OUT_OF_DATA, UserWarning, stacklevel=4)
                    break
                self._seen += 1
                try:
                    batch = next(self._it)
                except StopIteration:
                    self._ran_out()
                    return
                yield batch
            if self._num_batches and self._seen >= self._num_batches:
                self._it, self._seen = None, 0  # the next epoch starts a new pass
        else:  # length unknown and no steps_per_epoch: one pass, however long
            it = self.adapter.iterator()
            self._seen = 0
            while True:
                self._seen += 1
                try:
                    batch = next(it)
                except StopIteration:
                    self._ran_out()
                    return
                yield batch
        self.adapter.on_epoch_end()

    def _ran_out(self) -> None:
        # Keras counts the step that found no data (its counter moved before the fetch); on the TF backend that
        # step still advances optimizer.iterations (learning-rate schedules, Adam's bias correction): both kept.
        if self._num_batches is None:
            self._num_batches = self._seen
        warnings.warn(OUT_OF_DATA, UserWarning, stacklevel=5)
        self._it = None
        self.adapter.on_epoch_end()
        if self.on_exhausted is not None:
            self.on_exhausted()
