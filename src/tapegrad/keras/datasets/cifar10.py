"""``keras.datasets.cifar10``: 50,000 + 10,000 32×32 colour images in 10 classes, from the extracted
``cifar-10-python.tar.gz`` in Keras's cache.

>>> from tapegrad import keras
>>> callable(keras.datasets.cifar10.load_data)
True
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import data_format, fetch, load_pickled_batch

__all__ = ["load_data"]


def load_data() -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)``: ``uint8`` images ``(n, 32, 32, 3)`` (``(n, 3, 32, 32)`` under
    ``channels_first``) and ``uint8`` labels ``(n, 1)``, from the five ``data_batch_*`` files and ``test_batch`` of
    ``$KERAS_HOME/datasets/cifar-10-batches-py-target/cifar-10-batches-py/`` (the archive is extracted there from
    ``cifar-10-batches-py-target_archive`` when present); ``ConnectionError`` naming the URL otherwise."""
    path = fetch("cifar-10-batches-py-target", origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                 extract=True, file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce")
    path = os.path.join(path, "cifar-10-batches-py")
    parts = [load_pickled_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8").reshape(-1, 1)
    x_test, y_test = load_pickled_batch(os.path.join(path, "test_batch"))
    x_test = x_test.astype("uint8")
    y_test = np.asarray(y_test).astype("uint8").reshape(-1, 1)
    if data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
