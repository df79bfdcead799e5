"""``keras.utils.PyDataset`` (alias ``Sequence``): a dataset of batches written in Python, indexed by batch number.

``fit``/``evaluate``/``predict`` read ``ds[i]`` for ``i`` in ``range(len(ds))`` (in a shuffled order when ``fit``'s
``shuffle=True``, as Keras 3 does), call ``on_epoch_begin``/``on_epoch_end`` around every pass, and with
``workers > 1`` load the batches ahead of the training step in a pool of threads (at most ``max_queue_size``
batches waiting), keeping their order.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class for a dataset of batches computed in Python (``keras.utils.PyDataset``).

    Subclasses implement ``__getitem__(index)`` (one whole batch: ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``) and ``__len__`` (the number of batches), or a ``num_batches`` property that returns
    ``None`` for an infinite dataset. ``on_epoch_begin``/``on_epoch_end`` run around every pass ``fit`` makes.
    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` (given to ``super().__init__``, not to ``fit``) say
    how ``fit`` loads batches: with ``workers > 1`` a pool of that many threads reads up to ``max_queue_size``
    batches ahead, in order (``use_multiprocessing=True`` is accepted and uses threads too).

    >>> import math
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> class Squares(keras.utils.PyDataset):
    ...     def __init__(self, n, batch_size, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.x = np.arange(n, dtype="float32")[:, None]
    ...         self.batch_size = batch_size
    ...     def __len__(self):
    ...         return math.ceil(len(self.x) / self.batch_size)
    ...     def __getitem__(self, i):
    ...         xb = self.x[i * self.batch_size:(i + 1) * self.batch_size]
    ...         return xb, xb ** 2
    >>> ds = Squares(10, 4, workers=2)
    >>> len(ds), ds[2][1].ravel().tolist()
    (3, [64.0, 81.0])
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model.fit(ds, epochs=2, shuffle=False, verbose=0).params["steps"]
    3
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _settings_checked(self) -> None:
        missing = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False), ("_max_queue_size", 10)):
            if not hasattr(self, attr):  # the subclass did not call super().__init__()
                setattr(self, attr, default)
                missing = True
        if missing:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor. "
                          "`**kwargs` can include `workers`, `use_multiprocessing`, `max_queue_size`. Do not pass "
                          "these arguments to `fit()`, as they will be ignored.", UserWarning, stacklevel=3)

    @property
    def workers(self) -> int:
        """How many threads load batches ahead during ``fit`` (1: the training loop loads them itself)."""
        self._settings_checked()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """Accepted for Keras compatibility; tapegrad loads batches in threads either way."""
        self._settings_checked()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """How many loaded batches may wait for the training loop."""
        self._settings_checked()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """The batch at position ``index``."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__getitem__(index)` returning a batch.")

    def __iter__(self) -> Iterator[Any]:
        try:
            n = self.num_batches
        except NotImplementedError:
            n = None
        for index in (itertools.count() if n is None else range(n)):
            yield self[index]

    @property
    def num_batches(self) -> int | None:
        """The number of batches (``len(self)``), or ``None`` for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)  # type: ignore[arg-type]
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self) -> None:
        """Called at the start of every pass ``fit``/``evaluate``/``predict`` make."""

    def on_epoch_end(self) -> None:
        """Called at the end of every pass (e.g. to reshuffle the samples)."""


Sequence = PyDataset


def ordered_prefetch(dataset: PyDataset, indices: Any, workers: int, queue_size: int) -> Iterator[Any]:
    """``dataset[i]`` for ``i`` in ``indices``, loaded by ``workers`` threads at most ``queue_size`` ahead of the
    consumer, in order. An error in a worker is raised to the consumer at that batch; closing the iterator cancels
    the batches not started."""
    pending: list[Future[Any]] = []
    it = iter(indices)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tapegrad-pydataset") as pool:
        try:
            for index in itertools.islice(it, max(queue_size, 1)):
                pending.append(pool.submit(dataset.__getitem__, index))
            while pending:
                batch = pending.pop(0).result()
                for index in itertools.islice(it, 1):
                    pending.append(pool.submit(dataset.__getitem__, index))
                yield batch
        finally:
            for f in pending:
                f.cancel()
