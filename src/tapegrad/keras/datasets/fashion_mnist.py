"""``keras.datasets.fashion_mnist``: 60,000 + 10,000 28×28 ``uint8`` clothing images in 10 classes, from the four
gzipped IDX files Keras caches under ``datasets/fashion-mnist``.

>>> from tapegrad import keras
>>> callable(keras.datasets.fashion_mnist.load_data)
True
"""

from __future__ import annotations

import gzip
import os
from typing import Any

import numpy as np

from ._common import ORIGIN, fetch

__all__ = ["load_data"]

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")


def load_data() -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)``: ``uint8`` images ``(n, 28, 28)`` and labels ``(n,)`` read from
    ``$KERAS_HOME/datasets/fashion-mnist/*-idx*-ubyte.gz`` (no hash check, as in Keras); ``ConnectionError``
    naming the URL of a missing file."""
    paths = [fetch(f, origin=ORIGIN + f, cache_subdir=os.path.join("datasets", "fashion-mnist")) for f in FILES]

    def read(path: str, offset: int) -> np.ndarray:
        with gzip.open(path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)

    y_train, y_test = read(paths[0], 8), read(paths[2], 8)
    x_train = read(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
