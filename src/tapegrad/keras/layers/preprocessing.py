"""Preprocessing layers: ``Rescaling`` and ``Normalization`` (with ``adapt``).

>>> import numpy as np
>>> from tapegrad import keras
>>> norm = keras.layers.Normalization()
>>> norm.adapt(np.array([[0.0, 10.0], [2.0, 20.0], [4.0, 60.0]], "float32"))
>>> norm.mean.numpy().tolist(), [round(v, 5) for v in norm(np.array([[0.0, 10.0]], "float32")).numpy()[0].tolist()]
([[2.0, 30.0]], [-1.22474, -0.92582])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tapegrad as tg

from .. import backend
from ._base import Layer

__all__ = ["Rescaling", "Normalization"]


class Rescaling(Layer):
    """``inputs * scale + offset`` in the layer's float dtype (integer images become float32)."""

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = tg.cast(inputs, self._dtype)
        scale = tg.cast(self.scale, self._dtype)
        offset = tg.cast(self.offset, self._dtype)
        return x * scale + offset

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per position of ``axis`` (``invert=True`` undoes it).

    The statistics are given (``mean=``, ``variance=``) or learned by :meth:`adapt` from an array, a tensor or an
    iterable of batches (a batched dataset): population variance, stored in the non-trainable weights ``mean``,
    ``variance`` and ``count``. Before ``adapt`` the layer is the identity (mean 0, variance 1).
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if axis is None:
            self.axis: tuple[int, ...] = ()
        elif isinstance(axis, int):
            self.axis = (axis,)
        else:
            self.axis = tuple(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape: tuple[Any, ...] | None = None
        self.mean: Any = None
        self.variance: Any = None
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be set. Received: "
                             f"mean={mean} and variance={variance}")

    def build(self, input_shape: Any) -> None:
        if input_shape is None:
            return
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                             f"ndim={ndim}, while axis={self.axis}")
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        stat_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._stat_shape = stat_shape
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stat_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stat_shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64", initializer="zeros",
                                         trainable=False)
            self.built = True
            self.finalize_state()
        else:
            mean = np.asarray(self.input_mean, dtype=self._dtype)
            variance = np.asarray(self.input_variance, dtype=self._dtype)
            if mean.ndim:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            shape = [1 if d is None else d for d in self._broadcast_shape]
            self.mean = tg.constant(np.broadcast_to(mean, shape).copy())
            self.variance = tg.constant(np.broadcast_to(variance, shape).copy())
            self.built = True

    def finalize_state(self) -> None:
        if self.input_mean is not None or not self.built:
            return
        self.mean = tg.reshape(self.adapt_mean.value, self._broadcast_shape)
        self.variance = tg.reshape(self.adapt_variance.value, self._broadcast_shape)

    def adapt(self, data: Any) -> None:
        """Compute the mean and (population) variance of ``data`` over every axis not in ``axis``.

        ``data``: an array or tensor, or an iterable of batches (e.g. a batched ``tf.data.Dataset``; for
        ``(x, y)`` elements the ``x`` is used). Batches are merged with the exact running update.
        """
        batches: Any
        if isinstance(data, (np.ndarray, tg.Tensor)) or hasattr(data, "__array__") and not hasattr(data,
                                                                                                      "__iter__"):
            arr = np.asarray(data, dtype=self._dtype)
            batches = [arr]
        else:
            batches = (np.asarray(b[0] if isinstance(b, (tuple, list)) else b, dtype=self._dtype) for b in data)
        total_mean = total_var = None
        total_count = 0
        for batch in batches:
            if not self.built:
                self.build(batch.shape)
            for d in self._keep_axis:
                if batch.shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"The layer was built with input_shape={self._build_input_shape}, but adapt() is "
                                     f"being called with data with an incompatible shape, data.shape={batch.shape}")
            b_mean = batch.mean(axis=self._reduce_axis)
            b_var = batch.var(axis=self._reduce_axis)
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            if total_mean is None:
                total_mean, total_var, total_count = b_mean, b_var, count
                continue
            total_count += count
            w = count / total_count
            new_mean = total_mean * (1 - w) + b_mean * w
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - w)
                         + (b_var + (b_mean - new_mean) ** 2) * w)
            total_mean = new_mean
        if total_mean is None:
            raise ValueError("adapt() received no data (an empty iterable).")
        self.adapt_mean.assign(np.asarray(total_mean, dtype=self._dtype).reshape(self._stat_shape))
        self.adapt_variance.assign(np.asarray(total_var, dtype=self._dtype).reshape(self._stat_shape))
        self.finalize_state()

    def call(self, inputs: Any) -> Any:
        x = tg.cast(inputs, self._dtype)
        std = tg.maximum(tg.sqrt(self.variance), backend.epsilon())
        if self.invert:
            return self.mean + x * std
        return (x - self.mean) / std

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": None if self.input_mean is None else np.asarray(self.input_mean).tolist(),
                "variance": None if self.input_variance is None else np.asarray(self.input_variance).tolist()}
