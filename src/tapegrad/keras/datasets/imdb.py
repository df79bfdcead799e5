"""``keras.datasets.imdb``: 25,000 + 25,000 movie reviews as word-index lists with binary sentiment labels, from
Keras's ``imdb.npz`` (``get_word_index`` reads ``imdb_word_index.json``).

>>> from tapegrad import keras
>>> callable(keras.datasets.imdb.load_data), callable(keras.datasets.imdb.get_word_index)
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import ORIGIN, clip_vocabulary, fetch, load_npz, object_array, remove_long, shift_indices, word_index

__all__ = ["get_word_index", "load_data"]


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              **kwargs: Any) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)`` as Keras builds them: each split shuffled by one
    ``RandomState(seed)``, indices offset by ``index_from`` behind ``start_char``, reviews of ``maxlen`` words or
    more dropped, indices outside ``[skip_top, num_words)`` replaced by ``oov_char`` (or removed when it is
    ``None``); ``x_*`` are object arrays of lists. Reads ``$KERAS_HOME/datasets/<path>``; ``ConnectionError``
    naming the URL when it is not cached."""
    path = fetch(path, origin=f"{ORIGIN}imdb.npz",
                 file_hash="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    f = load_npz(path)
    rng = np.random.RandomState(seed)
    splits = []
    for x, y in ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])):
        indices = np.arange(len(x))
        rng.shuffle(indices)  # one generator for both splits, train first
        splits.append((shift_indices(x[indices], start_char, index_from), y[indices]))
    (x_train, y_train), (x_test, y_test) = splits
    if maxlen:
        x_train, y_train = remove_long(maxlen, x_train, y_train)
        x_test, y_test = remove_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             f"Increase maxlen.")
    xs = clip_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    n = len(x_train)
    return (object_array(xs[:n]), labels[:n]), (object_array(xs[n:]), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The word → index dictionary of the IMDB reviews (indices before ``index_from``'s offset), from
    ``$KERAS_HOME/datasets/<path>``."""
    return word_index(path, "bfafd718b763782e994055a2d397834f", "imdb_word_index.json")
