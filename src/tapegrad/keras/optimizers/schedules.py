"""``keras.optimizers.schedules``: learning rates as functions of the optimizer step, computed in float32 with
Keras 3's formulas and operation order.

>>> from tapegrad import keras
>>> s = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> [round(float(s(step)), 6) for step in (0, 10, 20)]
[0.1, 0.05, 0.025]
>>> p = keras.optimizers.schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])
>>> [float(p(step)) for step in (5, 6, 11)]
[1.0, 0.5, 0.10000000149011612]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._backend import NUMPY
from ..._tensor import _TensorLike, make

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay", "PolynomialDecay",
           "InverseTimeDecay", "CosineDecayRestarts", "serialize", "deserialize"]

_F32 = np.float32


def _step_value(step: Any) -> Any:
    if isinstance(step, _TensorLike):
        return step.numpy()
    return np.asarray(step)


def _out(value: Any) -> Any:
    return make(np.asarray(value, dtype=np.float32), NUMPY)


class LearningRateSchedule:
    """Base class: ``schedule(step)`` returns the learning rate (a float32 scalar tensor) at ``step``."""

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
                                  "order to be serializable.")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (integer division with ``staircase``)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "ExponentialDecay") -> None:
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step: Any) -> Any:
        p = _F32(_step_value(step)) / _F32(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(_F32(self.initial_learning_rate) * np.power(_F32(self.decay_rate), p))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``,
    ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries: list[Any], values: list[Any], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step: Any) -> Any:
        s = _step_value(step)
        s = np.int64(s) if np.asarray(s).dtype.kind in "iu" else _F32(s)
        # Boundaries take the step's dtype (Python floats are truncated for an integer step, as in Keras).
        b = [np.asarray(np.asarray(x, dtype=np.float32 if isinstance(x, float) else None), dtype=np.asarray(s).dtype)
             for x in self.boundaries]
        vals = [np.asarray(v, dtype=np.float32 if isinstance(v, float) else None) for v in self.values]
        dt = vals[0].dtype
        result = np.asarray(0, dtype=dt)
        result = result + np.asarray(s <= b[0], dtype=dt) * vals[0]
        result = result + np.asarray(s > b[-1], dtype=dt) * vals[-1]
        for low, high, v in zip(b[:-1], b[1:], vals[1:-1]):
            result = result + np.asarray((s > low) & (s <= high), dtype=dt) * v
        return make(np.asarray(result, dtype=dt), NUMPY)

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` (or ``warmup_target`` after a linear warmup of ``warmup_steps``)
    to ``alpha`` times it over ``decay_steps``; constant afterwards."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: float | None = None, warmup_steps: int = 0) -> None:
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}")
        self.initial_learning_rate, self.decay_steps, self.alpha = initial_learning_rate, decay_steps, alpha
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def _decay(self, step: Any, decay_steps: Any, decay_from: Any) -> Any:
        completed = step / decay_steps
        cosine = 0.5 * (1.0 + np.cos(_F32(math.pi) * completed))
        decayed = (1 - self.alpha) * cosine + self.alpha
        return decay_from * decayed

    def __call__(self, step: Any) -> Any:
        initial = _F32(self.initial_learning_rate)
        decay_steps = _F32(self.decay_steps)
        s = _F32(_step_value(step))
        if self.warmup_target is None:
            return _out(self._decay(np.minimum(s, decay_steps), decay_steps, initial))
        target, warmup = _F32(self.warmup_target), _F32(self.warmup_steps)
        s = np.minimum(s, decay_steps + warmup)
        if s < warmup:
            return _out((target - initial) * (s / warmup) + initial)
        return _out(self._decay(s - warmup, decay_steps, target))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end`` (``cycle`` restarts with longer periods)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay") -> None:
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step: Any) -> Any:
        initial, end, power = _F32(self.initial_learning_rate), _F32(self.end_learning_rate), _F32(self.power)
        s, ds = _F32(_step_value(step)), _F32(self.decay_steps)
        if self.cycle:
            mult = _F32(1.0) if s == 0 else np.ceil(s / _F32(self.decay_steps))
            ds = ds * mult
        else:
            s = np.minimum(s, ds)
        p = s / ds
        return _out((initial - end) * np.power(1 - p, power) + end)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (integer division with ``staircase``)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "InverseTimeDecay") -> None:
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step: Any) -> Any:
        p = _F32(_step_value(step)) / _F32(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(_F32(self.initial_learning_rate) / (_F32(1) + _F32(self.decay_rate) * p))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter): the first period lasts ``first_decay_steps``,
    each next one ``t_mul`` times longer and starting ``m_mul`` times lower; the rate decays to ``alpha`` times the
    period's start.

    >>> from tapegrad import keras
    >>> s = keras.optimizers.schedules.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=2.0, m_mul=0.5)
    >>> [round(float(s(step)), 4) for step in (0, 2, 4, 8, 12)]
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0, m_mul: float = 1.0,
                 alpha: float = 0.0, name: str = "SGDRDecay") -> None:
        if first_decay_steps <= 0:
            raise ValueError(f"Argument `first_decay_steps` must be > 0. Received: first_decay_steps="
                             f"{first_decay_steps}")
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step: Any) -> Any:
        one, t_mul, m_mul = _F32(1.0), _F32(self._t_mul), _F32(self._m_mul)
        completed = _F32(_step_value(step)) / _F32(self.first_decay_steps)
        if t_mul == one:
            i_restart = np.floor(completed)
            completed = completed - i_restart
        else:  # periods grow geometrically: which restart, and how far into it
            i_restart = np.floor(np.log(one - completed * (one - t_mul)) / np.log(t_mul))
            sum_r = (one - np.power(t_mul, i_restart)) / (one - t_mul)
            completed = (completed - sum_r) / np.power(t_mul, i_restart)
        cosine = _F32(0.5) * np.power(m_mul, i_restart) * (one + np.cos(_F32(math.pi) * completed))
        alpha = _F32(self.alpha)
        return _out(_F32(self.initial_learning_rate) * ((one - alpha) * cosine + alpha))

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self._t_mul, "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_CLASSES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, CosineDecay, PolynomialDecay,
                                    InverseTimeDecay, CosineDecayRestarts)}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """Inverse of :func:`serialize`."""
    return _CLASSES[config["class_name"]].from_config(config["config"])
