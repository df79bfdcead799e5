"""``keras.datasets.reuters``: 11,228 Reuters newswires as word-index lists labelled with 46 topics, from Keras's
``reuters.npz`` (``get_word_index``: ``reuters_word_index.json``; ``get_label_names``: the topic names).

>>> from tapegrad import keras
>>> keras.datasets.reuters.get_label_names()[:3]
('cocoa', 'grain', 'veg-oil')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import ORIGIN, clip_vocabulary, fetch, load_npz, object_array, remove_long, shift_indices, word_index

__all__ = ["get_label_names", "get_word_index", "load_data"]

LABEL_NAMES = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
               "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
               "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
               "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
               "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              test_split: float = 0.2, seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2,
              index_from: int = 3) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)`` as Keras builds them: all newswires shuffled by
    ``RandomState(seed)``, indices offset by ``index_from`` behind ``start_char``, wires of ``maxlen`` words or
    more dropped, out-of-vocabulary indices → ``oov_char``, then the first ``int(n * (1 - test_split))`` train.
    Reads ``$KERAS_HOME/datasets/<path>``; ``ConnectionError`` naming the URL when it is not cached."""
    path = fetch(path, origin=f"{ORIGIN}reuters.npz",
                 file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
    f = load_npz(path)
    indices = np.arange(len(f["x"]))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = shift_indices(f["x"][indices], start_char, index_from), f["y"][indices]
    if maxlen:
        xs, labels = remove_long(maxlen, xs, labels)
    xs = clip_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return (object_array(xs[:n]), np.array(labels[:n])), (object_array(xs[n:]), np.array(labels[n:]))


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word → index dictionary of the Reuters wires, from ``$KERAS_HOME/datasets/<path>``."""
    return word_index(path, "4d44cc38712099c9e383dc6e5f11a921", "reuters_word_index.json")


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, indexed by label."""
    return LABEL_NAMES
