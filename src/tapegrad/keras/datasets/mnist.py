"""``keras.datasets.mnist``: 60,000 + 10,000 handwritten digits, 28×28 ``uint8``, from Keras's ``mnist.npz``.

>>> from tapegrad import keras
>>> callable(keras.datasets.mnist.load_data)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import ORIGIN, fetch

__all__ = ["load_data"]


def load_data(path: str = "mnist.npz") -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)`` from ``$KERAS_HOME/datasets/<path>`` (Keras's ``mnist.npz``:
    ``x_*`` ``uint8`` ``(n, 28, 28)``, ``y_*`` ``uint8`` ``(n,)``); ``ConnectionError`` naming the URL when the
    file is not cached (tapegrad does not download)."""
    path = fetch(path, origin=f"{ORIGIN}mnist.npz",
                 file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
