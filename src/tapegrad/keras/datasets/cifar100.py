"""``keras.datasets.cifar100``: 50,000 + 10,000 32×32 colour images with 100 fine or 20 coarse labels, from the
extracted ``cifar-100-python.tar.gz`` in Keras's cache.

>>> from tapegrad import keras
>>> callable(keras.datasets.cifar100.load_data)
True
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import data_format, fetch, load_pickled_batch

__all__ = ["load_data"]


def load_data(label_mode: str = "fine") -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)``: images ``(n, 32, 32, 3)`` (``channels_last``) as stored
    (``uint8``) and labels ``(n, 1)`` (``label_mode="fine"`` or ``"coarse"``), from ``train`` and ``test`` in
    ``$KERAS_HOME/datasets/cifar-100-python-target/cifar-100-python/``; ``ConnectionError`` naming the URL when
    not cached."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    path = fetch("cifar-100-python-target", origin="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                 extract=True, file_hash="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7")
    path = os.path.join(path, "cifar-100-python")
    out = []
    for part in ("train", "test"):
        x, y = load_pickled_batch(os.path.join(path, part), label_key=f"{label_mode}_labels")
        y = np.reshape(y, (len(y), 1))
        out.append((x.transpose(0, 2, 3, 1) if data_format() == "channels_last" else x, y))
    return out[0], out[1]
