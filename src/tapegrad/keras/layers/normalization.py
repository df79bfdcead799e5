"""Normalisation layers: ``BatchNormalization`` (batch statistics in training, moving statistics at inference),
``LayerNormalization``, ``GroupNormalization`` and ``UnitNormalization``."""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ...ops import core as _core
from ...ops import normalization as _normalization
from ...ops import shape_ops as _shape_ops
from .. import initializers
from ..optimizers._base import _tracing
from ..variables import unwrap
from ._base import InputSpec, Layer, _folded

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"]


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
    ['moving_mean', 'moving_variance']
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
        if _folded(self):  # its model folds the GlobalAveragePooling2D that follows into this layer
            if training and self.trainable and self._channel_axis == x.ndim - 1 and x.dtype in (tg.float32,
                                                                                                tg.float64):
                return self._train_step(x, pooled=True)
            return tg.reduce_mean(self._normalize(x, training), axis=list(range(1, x.ndim - 1)))
        return self._normalize(x, training)

    def _normalize(self, x: Any, training: Any) -> Any:
        rank = x.ndim
        if (training and self.trainable and self._channel_axis == rank - 1 and rank > 1
                and x.dtype in (tg.float32, tg.float64)):
            return self._train_step(x)
        if training and self.trainable:
            mean, variance = _normalization.moments(x, axes=self._reduction_axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + variance * (1.0 - m))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        gamma, beta = self.gamma, self.beta
        if self._channel_axis != rank - 1:
            shape = [1] * rank
            shape[self._channel_axis] = -1
            mean, variance = _shape_ops.reshape(mean, shape), _shape_ops.reshape(variance, shape)
            gamma = None if gamma is None else _shape_ops.reshape(gamma, shape)
            beta = None if beta is None else _shape_ops.reshape(beta, shape)
        return _normalization.batch_normalization(x, mean, variance, beta, gamma, self.epsilon)

    def _train_step(self, x: Any, pooled: bool = False) -> Any:
        """Training with the batch's statistics, channels last, as one op with a fused gradient (the values of
        ``moments`` and ``batch_normalization``); ``pooled``: the output's mean over the spatial axes."""
        y, mean, variance = _normalization.fused_batch_norm_train(x, self.beta, self.gamma, self.epsilon,
                                                                  pooled=pooled)
        m = self.momentum
        if type(mean._value) is np.ndarray and not _tracing():
            # eager: the moving statistics are never differentiated, so the same arithmetic on the arrays
            # (the values of the ops below, without recording four ops per statistic on a tape)
            for var, stat in ((self.moving_mean, mean), (self.moving_variance, variance)):
                # on the wrapped variable: a Keras variable's assign returns its new value as a (recorded) op
                unwrap(var).assign(var._value * m + stat._value * (1.0 - m))
            return y
        self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
        self.moving_variance.assign(self.moving_variance * m + variance * (1.0 - m))
        return y

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}


def _axes_tuple(axis: Any) -> tuple[int, ...]:
    return (int(axis),) if isinstance(axis, int) else tuple(int(a) for a in axis)


class LayerNormalization(Layer):
    """Normalise each example over ``axis``: ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` (biased
    variance, ``epsilon=1e-3``); ``gamma``/``beta`` have the shape of the normalised axes.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> ln = keras.layers.LayerNormalization()
    >>> y = ln(np.array([[1.0, 2.0, 3.0, 4.0]], "float32"))
    >>> [round(v, 4) for v in y.numpy()[0].tolist()], [w.name for w in ln.weights]
    ([-1.3411, -0.447, 0.447, 1.3411], ['gamma', 'beta'])
    """

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None, gamma_constraint: Any = None,
                 **kwargs: Any) -> None:
        rms_scaling = bool(kwargs.pop("rms_scaling", False))  # a keyword of Keras 3's, not in its signature
        super().__init__(**kwargs)
        if not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis}")
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center, self.scale, self.rms_scaling = center, scale, rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        axes = _axes_tuple(self.axis)
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. "
                                 f"Received: axis={self.axis}")
        self._axes = sorted(a % rank for a in axes)
        shape = tuple(input_shape[a] for a in self._axes)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self._param_shape = [input_shape[d] if d in self._axes else 1 for d in range(rank)]
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = _core.convert_to_tensor(inputs)
        rank = x.ndim
        last_only = self._axes == [rank - 1]

        def param(v: Any) -> Any:
            if v is None:
                return None
            return v.value if last_only else _shape_ops.reshape(v.value, self._param_shape)

        gamma, beta = param(self.gamma), param(self.beta)
        if self.rms_scaling:
            _, variance = _normalization.moments(x, axes=self._axes, keepdims=True)
            out = x * tg.math.rsqrt(variance + self.epsilon)
            return out if gamma is None else out * gamma
        # Keras 3's arrangement (same rounding): inv = rsqrt(var + eps) * gamma; x * inv + (beta - mean * inv)
        mean, variance = _normalization.moments(x, axes=self._axes, keepdims=True)
        inv = tg.math.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        res = -mean * inv
        if beta is not None:
            res = res + beta
        return x * inv + res

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer)}


class GroupNormalization(Layer):
    """Split the channels (``axis``) into ``groups`` contiguous blocks and normalise each block of each example over
    all its non-batch positions; then ``* gamma + beta`` per channel. ``groups=1`` is layer normalisation over
    everything, ``groups=channels`` instance normalisation.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> gn = keras.layers.GroupNormalization(groups=2, epsilon=0.0)
    >>> gn(np.array([[[1.0, 3.0, 10.0, 30.0]]], "float32")).numpy().round(4).tolist()
    [[[-1.0, 1.0, -1.0, 1.0]]]
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups, self.axis, self.epsilon = int(groups), int(axis), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels "
                             f"({dim}).")
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = _core.convert_to_tensor(inputs)
        shape = [int(d) for d in x.shape]
        rank = len(shape)
        axis = self.axis % rank
        dim = shape[axis]
        grouped = shape[:axis] + [self.groups, dim // self.groups] + shape[axis + 1:]
        xg = _shape_ops.reshape(x, grouped)
        axes = [d for d in range(1, rank + 1) if d != axis]  # all but batch and the group axis
        mean, variance = _normalization.moments(xg, axes=axes, keepdims=True)
        inv = tg.math.rsqrt(variance + self.epsilon)
        pshape = [1] * (rank + 1)
        pshape[axis], pshape[axis + 1] = self.groups, dim // self.groups
        if self.gamma is not None:
            inv = inv * _shape_ops.reshape(self.gamma.value, pshape)
        res = -mean * inv
        if self.beta is not None:
            res = res + _shape_ops.reshape(self.beta.value, pshape)
        return _shape_ops.reshape(xg * inv + res, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer)}


class UnitNormalization(Layer):
    """Scale each example to unit L2 norm over ``axis``: ``x * min(1/‖x‖, 1e12)`` (a zero row stays zero).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]], "float32")).numpy().tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = _core.convert_to_tensor(inputs)
        square_sum = tg.reduce_sum(tg.square(x), axis=self.axis, keepdims=True)
        inv_norm = tg.minimum(tg.math.rsqrt(square_sum), 1e12)  # Keras: min(rsqrt(sum x²), 1 / 1e-12)
        return x * inv_norm

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
