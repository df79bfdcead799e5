"""``keras.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad, Nadam, Adamax, Adadelta, Ftrl, Lion, Adafactor, Lamb,
Muon and ScheduleFreeAdamW with Keras 3's update rules, ``LossScaleOptimizer``, ``MultiOptimizer``/``OptimizerMap``,
and ``schedules``.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> w = tf.Variable([1.0, -1.0])
>>> opt = keras.optimizers.get("adam")
>>> for _ in range(3):
...     with tf.GradientTape() as tape:
...         loss = tf.reduce_sum(w ** 2)
...     _ = opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
>>> [round(x, 4) for x in w.numpy().tolist()], int(opt.iterations)
([0.997, -0.997], 3)
"""

from __future__ import annotations

from typing import Any

from . import legacy, schedules  # noqa: F401  (keras.optimizers.legacy)
from ._base import Optimizer
from ._loss_scale import LossScaleOptimizer
from ._multi import MultiOptimizer, OptimizerMap
from ._rules import SGD, Adagrad, Adam, AdamW, RMSprop
from ._rules_extra import Adadelta, Adamax, Ftrl, Lion, Nadam
from ._rules_more import Adafactor, Lamb, Muon, ScheduleFreeAdamW

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax", "Adadelta", "Ftrl", "Lion",
           "Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW", "LossScaleOptimizer", "MultiOptimizer",
           "OptimizerMap", "schedules", "get", "serialize",
           "deserialize"]

_CLASSES: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop,
                                        "adagrad": Adagrad, "nadam": Nadam, "adamax": Adamax, "adadelta": Adadelta,
                                        "ftrl": Ftrl, "lion": Lion, "adafactor": Adafactor, "lamb": Lamb,
                                        "muon": Muon, "schedulefreeadamw": ScheduleFreeAdamW,
                                        "lossscaleoptimizer": LossScaleOptimizer}


def get(identifier: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``, ``"SGD"``; default settings) or the instance itself."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any]) -> Optimizer:
    """Inverse of :func:`serialize`."""
    cls = _CLASSES[config["class_name"].lower()]
    return cls.from_config(config.get("config", {}))
