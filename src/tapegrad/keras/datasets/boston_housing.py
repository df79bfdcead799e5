"""``keras.datasets.boston_housing``: 506 Boston suburbs, 13 features each, median home value targets, from
Keras's ``boston_housing.npz``.

>>> from tapegrad import keras
>>> callable(keras.datasets.boston_housing.load_data)
True
"""

from __future__ import annotations

from typing import Any

from ._common import housing

__all__ = ["load_data"]


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2,
              seed: int = 113) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)``: rows shuffled by ``RandomState(seed)``, the first
    ``int(n * (1 - test_split))`` train. Reads ``$KERAS_HOME/datasets/<path>``; ``ConnectionError`` naming the URL
    when it is not cached."""
    return housing(path, "boston_housing.npz", "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
                   test_split, seed)
