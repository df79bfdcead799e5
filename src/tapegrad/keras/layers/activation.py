"""Activation layers: ``ReLU``, ``LeakyReLU``, ``Softmax`` (with a mask), ``ELU``, ``PReLU`` (``Activation`` lives
in ``core``), with Keras 3's defaults (``LeakyReLU``'s slope is 0.3).

>>> import numpy as np
>>> from tapegrad import keras
>>> x = np.array([[-2.0, -0.5, 0.0, 2.0]], "float32")
>>> [round(v, 3) for v in keras.layers.LeakyReLU()(x).numpy()[0].tolist()]
[-0.6, -0.15, 0.0, 2.0]
>>> keras.layers.ReLU(max_value=1.0)(x).numpy().tolist()
[[0.0, 0.0, 0.0, 1.0]]
"""

from __future__ import annotations

import warnings
from typing import Any

import tapegrad as tg

from .. import activations, initializers, regularizers
from ._base import Layer
from .convolutional import serialize_object

__all__ = ["ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU"]


class ReLU(Layer):
    """``max(x, 0)`` with Keras's options: below ``threshold`` the output is ``negative_slope * (x - threshold)``;
    ``max_value`` caps it."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. Received: "
                             f"negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: threshold={threshold}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, else ``negative_slope * x`` (default 0.3; the deprecated ``alpha=`` still works)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"The negative_slope value of a Leaky ReLU layer cannot be None or negative. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return tg.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    """Softmax over ``axis``; masked positions (``mask`` False) get probability 0.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.Softmax()(np.array([[1.0, 2.0, 3.0]], "float32"), mask=np.array([[True, True, False]]))
    >>> [round(v, 5) for v in y.numpy()[0].tolist()]
    [0.26894, 0.73106, 0.0]
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        x = inputs
        m = None
        if mask is not None:
            m = tg.cast(mask, x.dtype)
            x = x + (1.0 - m) * -1e9  # Keras's large negative number for float32
        if isinstance(self.axis, (list, tuple)):
            if len(self.axis) > 1:
                y = tg.exp(x - tg.reduce_logsumexp(x, axis=list(self.axis), keepdims=True))
            else:
                y = activations.softmax(x, axis=self.axis[0])
        else:
            y = activations.softmax(x, axis=self.axis)
        return y if m is None else y * m

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class ELU(Layer):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Leaky ReLU with a learned slope ``alpha`` per input position (shaped like the input without the batch axis;
    ``shared_axes`` share it along axes, 1-based)."""

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None, alpha_constraint: Any = None,
                 shared_axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = alpha_constraint
        if shared_axes is None or isinstance(shared_axes, (list, tuple)):
            self.shared_axes = None if shared_axes is None else list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU needs every non-batch axis known (or shared): input shape {tuple(input_shape)}")
        self.alpha = self.add_weight(shape=tuple(shape), name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs: Any) -> Any:
        pos = tg.nn.relu(inputs)
        neg = -self.alpha.value * tg.nn.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": serialize_object(self.alpha_regularizer),
                "alpha_constraint": serialize_object(self.alpha_constraint), "shared_axes": self.shared_axes}
