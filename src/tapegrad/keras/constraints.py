"""``keras.constraints``: projections applied to a weight after each optimizer update (``kernel_constraint=...``).

Keras 3's formulas: ``MaxNorm`` and ``MinMaxNorm`` rescale the slices along ``axis`` whose L2 norm is out of range
(``w * desired / (epsilon + norm)``), ``UnitNorm`` divides by ``epsilon + norm``, ``NonNeg`` is ``max(w, 0)``.
Layers keep the constraint (``add_weight(constraint=...)``) and ``keras.optimizers`` apply it after ``apply``.

>>> import numpy as np
>>> from tapegrad import keras
>>> w = np.array([[3.0, 0.3], [4.0, 0.4]], np.float32)
>>> [[round(float(v), 4) for v in row] for row in keras.constraints.MaxNorm(1.0)(w)]  # column norms 5 and 0.5
[[0.6, 0.3], [0.8, 0.4]]
>>> keras.constraints.get("non_neg")(np.array([-1.0, 2.0])).numpy().tolist()
[0.0, 2.0]
>>> keras.constraints.serialize(keras.constraints.UnitNorm(axis=1))["config"]
{'axis': 1}
"""

from __future__ import annotations

import inspect
from typing import Any

from . import backend as _state
from . import ops

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm", "non_neg",
           "unit_norm", "get", "serialize", "deserialize"]


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight (the identity here)."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)


def _norms(w: Any, axis: Any) -> tuple[Any, Any]:
    w = ops.convert_to_tensor(w)
    norms = ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))
    return ops.cast(w, norms.dtype), norms


class MaxNorm(Constraint):
    """Rescale slices along ``axis`` (the input axis of a ``Dense`` kernel by default) to norm at most ``max_value``."""

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w, norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return w * (desired / (_state.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clip negative weights to zero."""

    def __call__(self, w: Any) -> Any:
        return ops.maximum(ops.convert_to_tensor(w), 0)


class UnitNorm(Constraint):
    """Scale slices along ``axis`` to unit L2 norm."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w, norms = _norms(w, self.axis)
        return w / (_state.epsilon() + norms)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move slice norms into ``[min_value, max_value]`` by the fraction ``rate`` (1: all the way)."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        w, norms = _norms(w, self.axis)
        desired = self.rate * ops.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (_state.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

_BY_NAME: dict[str, type] = {}
for _cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm):
    _BY_NAME[_cls.__name__] = _cls
    _BY_NAME[_state.to_snake_case(_cls.__name__)] = _cls


def serialize(constraint: Any) -> Any:
    """The Keras 3 config of ``constraint`` (``{"module": "keras.constraints", "class_name", "config", ...}``)."""
    from .saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(constraint)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """A constraint from :func:`serialize`'s output (or a Keras 3 config)."""
    from .saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)


def get(identifier: Any) -> Any:
    """A constraint from a name (``"max_norm"``, ``"NonNeg"``), a config dict, a class or a callable; None → None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _BY_NAME.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}; use one of {sorted(_BY_NAME)}, "
                     "a Constraint instance or a callable")
