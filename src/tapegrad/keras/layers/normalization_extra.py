"""Keras 3 normalization layers beyond ``normalization.py``: ``RMSNormalization`` and ``SpectralNormalization``.

>>> import numpy as np
>>> from tapegrad import keras
>>> y = keras.layers.RMSNormalization()(np.array([[3.0, 4.0]], "float32"))
>>> [round(v, 4) for v in y.numpy()[0].tolist()]
[0.8485, 1.1314]
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from .. import initializers
from ._base import InputSpec, Layer
from .core_extra import Wrapper

__all__ = ["RMSNormalization", "SpectralNormalization"]


class RMSNormalization(Layer):
    """Scale ``x`` by the reciprocal root mean square over ``axis``: ``x * rsqrt(mean(x², axis) + epsilon) *
    scale``, with a trainable ``scale`` (ones) over the normalized axes.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.RMSNormalization(axis=-1)
    >>> layer(np.ones((2, 3), "float32")).shape, [(w.name, tuple(w.shape)) for w in layer.weights]
    (TensorShape([2, 3]), [('scale', (3,))])
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape: Any) -> None:
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[a] for a in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight(shape=shape, name="scale", initializer="ones")
        self.built = True

    def call(self, x: Any) -> Any:
        x32 = x if x.dtype.is_floating and x.dtype.size >= 4 else tg.cast(x, "float32")
        rrms = tg.math.rsqrt(tg.reduce_mean(tg.square(x32), axis=list(self.axis), keepdims=True) + self.epsilon)
        return x32 * rrms * tg.cast(self.scale.value, x32.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        rank = len(input_shape)
        for a in ([self.axis] if isinstance(self.axis, int) else self.axis):
            if a >= rank or a < -rank:
                raise ValueError(f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. Received: "
                                 f"axis={self.axis}")
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


def _unit(x: Any, epsilon: float = 1e-7) -> Any:
    """``x / ||x||`` over all entries, the norm floored at ``epsilon`` (Keras's L2 ``normalize``)."""
    return x * tg.minimum(tg.math.rsqrt(tg.reduce_sum(tg.square(x))), 1.0 / epsilon)


class SpectralNormalization(Wrapper):
    """Divide the wrapped layer's ``kernel`` (or ``embeddings``) by its largest singular value, estimated by
    ``power_iterations`` steps of power iteration from a persistent non-trainable ``vector_u``. In training the
    normalized kernel is written back into the layer's variable (as Keras does), then the layer runs.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.SpectralNormalization(keras.layers.Dense(3, name="d"), name="sn")
    >>> _ = layer(np.ones((2, 4), "float32"))
    >>> [(w.path, w.trainable) for w in layer.weights]  # doctest: +NORMALIZE_WHITESPACE
    [('sn/d/kernel', True), ('sn/vector_u', False), ('sn/d/bias', True)]
    """

    def __init__(self, layer: Any, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(f"`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        # Keras tracks the wrapped kernel as this layer's own first weight, before vector_u
        if self.kernel.trainable:
            self._trainable_variables.append(self.kernel)
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]), name="vector_u", trainable=False,
                                        initializer=initializers.TruncatedNormal(stddev=0.02),
                                        dtype=self.kernel.dtype)
        self.built = True

    def normalized_weights(self) -> tuple[Any, Any]:
        """(the new ``vector_u``, the spectrally normalized kernel)."""
        weights = tg.reshape(self.kernel.value, [-1, self.kernel_shape[-1]])
        u = self.vector_u.value
        v = None
        for _ in range(self.power_iterations):
            v = _unit(tg.matmul(u, tg.transpose(weights)))
            u = _unit(tg.matmul(v, weights))
        u, v = tg.stop_gradient(u), tg.stop_gradient(v)
        sigma = tg.matmul(tg.matmul(v, weights), tg.transpose(u))
        return u, tg.reshape(self.kernel.value / sigma, self.kernel_shape)

    def call(self, inputs: Any, training: bool = False) -> Any:
        if training:  # an all-zero kernel is left as it is (no division by a zero sigma)
            u, kernel = tg.cond(tg.reduce_all(tg.equal(self.kernel.value, 0)),
                                lambda: (self.vector_u.value, self.kernel.value), self.normalized_weights)
            self.vector_u.assign(u)
            self.kernel.assign(kernel)
        return tg.cast(self.layer(inputs), inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power_iterations": self.power_iterations}
