"""``tf.keras.preprocessing.sequence``: ``pad_sequences`` (``keras.utils``'s), and the deprecated Keras 1 helpers
``TimeseriesGenerator``, ``make_sampling_table`` and ``skipgrams`` with Keras's numbers (``skipgrams`` draws from
Python's ``random`` exactly as Keras does, so a ``random.seed`` gives Keras's pairs).

>>> import numpy as np
>>> from tapegrad import keras
>>> gen = keras.preprocessing.sequence.TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
>>> len(gen), gen[0][0].tolist(), gen[0][1].tolist()
(4, [[0, 1, 2], [1, 2, 3]], [3, 4])
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np

from .._py_dataset import PyDataset
from .._utils_data import pad_sequences

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]


class TimeseriesGenerator(PyDataset):
    """Batches of ``(windows, targets)`` cut from one series (deprecated in Keras; prefer
    ``keras.utils.timeseries_dataset_from_array``).

    Sample ``k`` ends just before row ``start_index + length + k * stride`` and holds every ``sampling_rate``-th
    row of the ``length`` rows before it; its target is ``targets`` at that row. ``shuffle=True`` draws the rows
    with NumPy's global generator (``np.random.randint``), as Keras does; ``reverse=True`` reverses time.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(20).reshape(10, 2)
    >>> g = keras.preprocessing.sequence.TimeseriesGenerator(x, np.arange(10), length=4, sampling_rate=2,
    ...                                                      stride=3, batch_size=5)
    >>> xb, yb = g[0]
    >>> xb.shape, yb.tolist()
    ((2, 2, 2), [4, 7])
    """

    def __init__(self, data: Any, targets: Any, length: int, sampling_rate: int = 1, stride: int = 1,
                 start_index: int = 0, end_index: int | None = None, shuffle: bool = False, reverse: bool = False,
                 batch_size: int = 128, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: `data` and `targets` must have the same length; got "
                             f"len(data)={len(data)} and len(targets)={len(targets)}.")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length  # the first row that can be a target
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index={self.end_index}` is disallowed: "
                             f"no row would be left to be a target. Use a shorter `length` ({length}) or a later "
                             f"`end_index`.")

    def __len__(self) -> int:
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + index * self.batch_size * self.stride
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        windows = np.array([self.data[r - self.length:r:self.sampling_rate] for r in rows])
        targets = np.array([self.targets[r] for r in rows])
        return (windows[:, ::-1, ...], targets) if self.reverse else (windows, targets)

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, with ``data``/``targets`` as JSON strings (``TypeError`` if they are not
        JSON-serializable)."""
        encoded = {}
        for name in ("data", "targets"):
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                value = value.tolist()
            try:
                encoded[name] = json.dumps(value)
            except TypeError as exc:
                raise TypeError(f"{name.capitalize()} not JSON Serializable: {value}") from exc
        return {**encoded, "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index, "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs: Any) -> str:
        """``{"class_name": "TimeseriesGenerator", "config": get_config()}`` as JSON (``kwargs`` go to
        ``json.dumps``)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """word2vec's keep-probability of the word of each frequency rank, assuming Zipf-distributed frequencies:
    ``min(1, sqrt(f))`` with ``f = sampling_factor * (r (ln r + 0.577) + 1/2 - 1/(12 r))`` (rank 0 treated as 1).

    >>> from tapegrad import keras
    >>> keras.preprocessing.sequence.make_sampling_table(4, sampling_factor=0.1).round(4).tolist()
    [0.3152, 0.3152, 0.5476, 0.7416]
    """
    rank = np.arange(size)
    rank[0] = 1
    approx_inverse_freq = rank * (np.log(rank) + 0.577) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * approx_inverse_freq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence: Any, vocabulary_size: int, window_size: int = 4, negative_samples: float = 1.0,
              shuffle: bool = True, categorical: bool = False, sampling_table: Any = None,
              seed: int | None = None) -> tuple[list[Any], list[Any]]:
    """Skip-gram ``(couples, labels)``: every ``[word, neighbour]`` pair within ``window_size`` (label 1, index 0 is
    a non-word and skipped), then ``negative_samples`` times as many ``[word, random word]`` pairs (label 0).
    Random draws use Python's ``random`` module in Keras's order, so results equal Keras's under the same
    ``random.seed``; ``seed`` seeds the final shuffle. ``categorical=True`` gives ``[0, 1]``/``[1, 0]`` labels.

    >>> from tapegrad import keras
    >>> keras.preprocessing.sequence.skipgrams([1, 2, 3], 4, window_size=1, negative_samples=0, shuffle=False)
    ([[1, 2], [2, 1], [2, 3], [3, 2]], [1, 1, 1, 1])
    """
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    couples: list[Any] = []
    labels: list[Any] = []
    n = len(sequence)
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(n, i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        count = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(count)]
        labels += [negative] * count
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10_000_000)
        # couples and labels are shuffled by the same permutation: the same seed before each shuffle
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
