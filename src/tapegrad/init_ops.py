"""TF 2's own initializers (``tf.zeros_initializer``, ``tf.ones_initializer``, ``tf.constant_initializer``,
``tf.random_normal_initializer``, ``tf.random_uniform_initializer``): ``init(shape, dtype)`` returns a tensor.

They are not Keras's initializers (``tf.keras.initializers``, ``tf.initializers``): a seeded TF initializer draws
with the stateless ops and seed ``[seed, 0]``, so ``tf.random_normal_initializer(seed=3)([3])`` gives TF's numbers;
an unseeded one uses the stateful ops and follows ``tf.random.set_seed``.

>>> import tapegrad as tf
>>> tf.constant_initializer(2.0)([2]).numpy().tolist(), tf.zeros_initializer()([2], tf.int32).numpy().tolist()
([2.0, 2.0], [0, 0])
>>> [round(v, 4) for v in tf.random_normal_initializer(0.0, 1.0, seed=3)([3]).numpy().tolist()]
[-0.6716, 1.6761, -0.9442]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes

__all__ = ["Initializer", "zeros_initializer", "ones_initializer", "constant_initializer",
           "random_normal_initializer", "random_uniform_initializer"]


def _shape(shape: Any) -> list[int]:
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return [int(d) for d in np.asarray(getattr(shape, "_value", shape), dtype=np.int64).reshape(-1)]


def _dtype(dtype: Any, default: str = "float32") -> Any:
    return _dtypes.as_dtype(default if dtype is None else dtype)


class Initializer:
    """Base of TF 2's initializers: ``__call__(shape, dtype=None, **kwargs)``, ``get_config``, ``from_config``."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


class zeros_initializer(Initializer):  # noqa: N801  (TF's name)
    """Zeros of any dtype (float32 by default)."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        from .ops import core as _core

        return _core.zeros(_shape(shape), dtype=_dtype(dtype))


class ones_initializer(Initializer):  # noqa: N801
    """Ones of any dtype (float32 by default)."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        from .ops import core as _core

        return _core.ones(_shape(shape), dtype=_dtype(dtype))


class constant_initializer(Initializer):  # noqa: N801
    """``value`` (a scalar, filled in; or as many values as the shape has elements, reshaped to it)."""

    def __init__(self, value: Any = 0) -> None:
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "_value")):
            raise TypeError(f"Invalid type for initial value: {type(value).__name__} (expected Python scalar, list or "
                            "tuple of values, or numpy.ndarray).")
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        from .ops import core as _core

        dims = _shape(shape)
        dt = None if dtype is None else _dtypes.as_dtype(dtype)
        t = _core.constant(self.value, dtype=dt)  # Python numbers convert as tf.constant converts them
        value = np.asarray(t._value)
        if value.size == 1:
            return _core.constant(np.broadcast_to(value.reshape(()), dims).copy(), dtype=t.dtype)
        if value.size != int(np.prod(dims)):
            raise TypeError(f"constant_initializer: {value.size} values cannot fill shape {dims} "
                            f"({int(np.prod(dims))} elements); give a scalar or exactly that many values.")
        return _core.constant(value.reshape(dims), dtype=t.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


def _floating(dtype: Any, what: str) -> Any:
    dt = _dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"Expected floating point type, got {dt.name} ({what} draws real numbers).")
    return dt


class random_normal_initializer(Initializer):  # noqa: N801
    """Normal values (``mean``, ``stddev``); with ``seed``, TF's stateless values for seed ``[seed, 0]``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        from . import random as _random

        dt = _floating(dtype, "random_normal_initializer")
        if self.seed is not None:
            return _random.stateless_normal(_shape(shape), seed=[self.seed, 0], mean=self.mean, stddev=self.stddev,
                                            dtype=dt)
        return _random.normal(_shape(shape), mean=self.mean, stddev=self.stddev, dtype=dt)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class random_uniform_initializer(Initializer):  # noqa: N801
    """Uniform values in ``[minval, maxval)`` (floats or ints); with ``seed``, TF's stateless values."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        from . import random as _random

        dt = _dtype(dtype)
        if not (dt.is_floating or dt.is_integer):
            raise ValueError(f"Expected float or integer dtype, got {dt.name}.")
        if self.seed is not None:
            return _random.stateless_uniform(_shape(shape), seed=[self.seed, 0], minval=self.minval,
                                             maxval=self.maxval, dtype=dt)
        return _random.uniform(_shape(shape), minval=self.minval, maxval=self.maxval, dtype=dt)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}
