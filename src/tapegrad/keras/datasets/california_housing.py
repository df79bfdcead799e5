"""``keras.datasets.california_housing``: 20,640 California census blocks (8 features, median house value), from
Keras's ``california_housing.npz``; ``version="small"`` keeps the first 600.

>>> from tapegrad import keras
>>> callable(keras.datasets.california_housing.load_data)
True
"""

from __future__ import annotations

from typing import Any

from ._common import housing

__all__ = ["load_data"]


def load_data(version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2,
              seed: int = 113) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)``: the rows (the first 600 for ``version="small"``) shuffled by
    ``RandomState(seed)``, the first ``int(n * (1 - test_split))`` train. Reads ``$KERAS_HOME/datasets/<path>``;
    ``ConnectionError`` naming the URL when it is not cached."""
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    return housing(path, "california_housing.npz",
                   "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f", test_split, seed,
                   limit=600 if version == "small" else None)
