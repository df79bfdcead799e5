"""``keras.regularizers``: weight penalties added to the training loss (``kernel_regularizer=...``).

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> float(keras.regularizers.L2(0.1)(tf.constant([1.0, 2.0])))
0.5
>>> layer = keras.layers.Dense(2, kernel_initializer="ones", kernel_regularizer="l2")
>>> _ = layer(tf.ones([1, 3]))
>>> [round(float(v), 4) for v in layer.losses]
[0.06]
"""

from __future__ import annotations

from typing import Any

from ..ops import reductions as _r
from ..ops import unary_math as _unary_math

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar penalty."""

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)


class L1(Regularizer):
    """``l1 * sum(abs(x))`` (Keras's default ``l1=0.01``)."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = float(l1)

    def __call__(self, x: Any) -> Any:
        return self.l1 * _r.reduce_sum(_unary_math.abs(x))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(square(x))`` (Keras's default ``l2=0.01``)."""

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = float(l2)

    def __call__(self, x: Any) -> Any:
        return self.l2 * _r.reduce_sum(_unary_math.square(x))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))`` (both default to 0)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x: Any) -> Any:
        total: Any = 0.0
        if self.l1:
            total = total + self.l1 * _r.reduce_sum(_unary_math.abs(x))
        if self.l2:
            total = total + self.l2 * _r.reduce_sum(_unary_math.square(x))
        return total

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


l1, l2 = L1, L2


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An :class:`L1L2` with both factors 0.01 by default."""
    return L1L2(l1=l1, l2=l2)


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any) -> Any:
    """A regularizer from a name (``"l2"``), an instance or a callable; None gives None."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]](**identifier.get("config", {}))
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
