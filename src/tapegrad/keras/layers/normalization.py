"""``BatchNormalization``: normalize with batch statistics in training, moving statistics at inference."""

from __future__ import annotations

from typing import Any

from ...ops import array_ops as _ao
from ...ops import core as _core
from ...ops import nn_ext as _nn
from .. import initializers
from ._base import InputSpec, Layer

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """``gamma * (x - mean) / sqrt(var + epsilon) + beta`` over every axis but ``axis``.

    With ``training=True`` (as in ``fit``) the batch's mean and variance are used and the non-trainable
    ``moving_mean``/``moving_variance`` are updated as ``moving * momentum + batch * (1 - momentum)``; otherwise the
    moving statistics are used. ``layer.trainable = False`` makes it use the moving statistics even in training,
    as Keras 3 does.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> bn = keras.layers.BatchNormalization(momentum=0.5)
    >>> y = bn(tf.constant([[1.0], [3.0]]), training=True)
    >>> [round(v, 3) for v in y.numpy()[:, 0].tolist()], bn.moving_mean.numpy().tolist()
    ([-1.0, 1.0], [1.0])
    >>> [v.name for v in bn.non_trainable_weights]
    ['moving_mean:0', 'moving_variance:0']
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.synchronized = synchronized
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}. "
                             f"Received: axis={self.axis}")
        dim = input_shape[self.axis]
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: dim})
        axis = self.axis % rank
        self._reduction_axes = [i for i in range(rank) if i != axis]
        self._channel_axis = axis
        self.built = True

    def call(self, inputs: Any, training: Any = None) -> Any:
        x = _core.convert_to_tensor(inputs)
        rank = x.ndim
        if training and self.trainable:
            mean, variance = _nn.moments(x, axes=self._reduction_axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + variance * (1.0 - m))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        gamma, beta = self.gamma, self.beta
        if self._channel_axis != rank - 1:
            shape = [1] * rank
            shape[self._channel_axis] = -1
            mean, variance = _ao.reshape(mean, shape), _ao.reshape(variance, shape)
            gamma = None if gamma is None else _ao.reshape(gamma, shape)
            beta = None if beta is None else _ao.reshape(beta, shape)
        return _nn.batch_normalization(x, mean, variance, beta, gamma, self.epsilon)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}
