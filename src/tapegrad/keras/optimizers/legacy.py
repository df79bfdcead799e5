"""``keras.optimizers.legacy``: the Keras 2 optimizer names, which Keras 3 keeps only to explain that they are gone.
Creating one raises ``ImportError`` (as Keras 3 does) saying what to use instead: the ``keras.optimizers`` class
of the same name (the same hyperparameter names).

>>> from tapegrad import keras
>>> try:
...     keras.optimizers.legacy.Adam(learning_rate=0.01)
... except ImportError as exc:
...     print(type(exc).__name__)
ImportError
"""

from __future__ import annotations

from typing import Any

__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]


class LegacyOptimizerWarning:
    """Stands for a Keras 2 optimizer class; constructing it raises ``ImportError``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ImportError("`keras.optimizers.legacy` is not supported in Keras 3 (nor in tapegrad.keras). Use the "
                          "optimizer of the same name in `keras.optimizers` instead (e.g. "
                          "`keras.optimizers.Adam(learning_rate=...)`): same hyperparameters, and state is created "
                          "on the first `apply_gradients`.")


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizerWarning
