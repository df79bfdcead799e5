"""Core Keras layers: ``Dense``, ``Dropout``, ``Lambda``, ``Embedding``, ``Flatten``, ``Activation``."""

from __future__ import annotations

import inspect
import math
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ...ops import arithmetic as _arithmetic
from ...ops import comparison as _comparison
from ...ops import core as _core
from ...ops import indexing as _indexing
from ...ops import matmul as _matmul
from ...ops import shape_ops as _shape_ops
from ...ops.random_ops import draw, internal_generator
from .. import activations, initializers
from . import lora as _lora
from ._base import InputSpec, Layer

__all__ = ["Dense", "Dropout", "Lambda", "Embedding", "Flatten", "Activation"]


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``: the densely connected layer.

    The kernel has shape ``(input_dim, units)`` (``"glorot_uniform"`` by default), the bias ``(units,)`` (zeros).
    Inputs of rank above 2 are multiplied along their last axis.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> layer = keras.layers.Dense(2, activation="relu", kernel_initializer="ones")
    >>> layer(tf.constant([[1.0, -2.0, 4.0]])).numpy().tolist(), layer.kernel.shape, layer.bias.shape
    ([[3.0, 3.0]], TensorShape([3, 2]), TensorShape([2]))
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.lora_rank, self.lora_enabled = lora_rank, False
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: "
                             f"units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs to a Dense layer should be defined. Found None. "
                             f"Full input shape received: {tuple(input_shape)}")
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank)

    enable_lora = _lora.enable_lora

    def call(self, inputs: Any) -> Any:
        x = _core.convert_to_tensor(inputs)
        y = _matmul.matmul(x, self.kernel)  # batch axes broadcast, as tf.matmul
        if self.bias is not None:
            y = _arithmetic.add(y, self.bias)
        return self.activation(y)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                  "use_bias": self.use_bias, "kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer)}
        return _lora_config(self, config)


class Dropout(Layer):
    """During training, zero each input element with probability ``rate`` and scale the rest by
    ``1 / (1 - rate)``; at inference, the identity.

    ``seed`` makes the sequence of masks reproducible (each call draws a new mask, as Keras's seed generator);
    without it the masks follow ``tapegrad.random``'s global seed. The masks differ from Keras's (different
    random streams).

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> layer = keras.layers.Dropout(0.5, seed=0)
    >>> x = tf.ones([1000])
    >>> bool((layer(x).numpy() == 1).all()), sorted(set(layer(x, training=True).numpy().tolist()))
    (True, [0.0, 2.0])
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not (isinstance(rate, (int, float, np.floating)) and 0 <= rate <= 1):
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        base = int(internal_generator().integers(1, 10**9)) if seed is None else int(seed)
        self._rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, zlib.crc32(b"dropout")])))
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not (training and self.rate > 0):
            return inputs
        x = _core.convert_to_tensor(inputs)
        shape = tuple(int(d) for d in x.shape)
        if self.noise_shape is not None:
            shape = tuple(shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        dt = x.dtype.as_numpy_dtype
        if self.rate >= 1:
            return _arithmetic.multiply(x, _core.zeros(shape, dtype=x.dtype))
        # drawn through a recorded op: a compiled step draws a new mask on every call
        u = draw(self._rng, "uniform", shape, np.float32 if dt != np.float64 else np.float64)
        keep = _core.cast(_comparison.greater_equal(u, self.rate), x.dtype)
        scale = float(dt(1.0 / (1.0 - self.rate)))
        return _arithmetic.multiply(_arithmetic.multiply(x, scale), keep)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class Lambda(Layer):
    """Wrap a function of tensors as a layer: ``Lambda(lambda x: x ** 2)``.

    ``arguments`` are passed as keyword arguments; ``mask`` and ``training`` are passed when the function
    accepts them. ``output_shape`` (a shape without the batch axis, or a function of the input shape) is used for
    symbolic inputs; without it the function is run on zeros to find the shape.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> keras.layers.Lambda(lambda x, k: x * k, arguments={"k": 3.0})(tf.constant([1.0, 2.0])).numpy().tolist()
    [3.0, 6.0]
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, mask: Any = None,
                 arguments: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"`function` must be callable. Received: {function}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params
        self.built = True

    def call(self, inputs: Any, mask: Any = None, training: Any = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            raise NotImplementedError
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        shape = tuple(self._output_shape)
        batch = input_shape[0] if isinstance(input_shape, tuple) and input_shape else None
        return (batch,) + shape

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self) -> dict[str, Any]:
        """Keras 3's Lambda config: the function (a Python lambda as its bytecode, ``__lambda__``; a named function
        by name), ``arguments`` and, when given, ``output_shape`` and ``mask``."""
        from ..saving import serialization_lib as ser

        config = {**super().get_config(), "function": ser.serialize_function_for_lambda(self.function),
                  "arguments": self.arguments}
        if self._output_shape is not None:
            config["output_shape"] = ser.serialize_function_for_lambda(self._output_shape) \
                if callable(self._output_shape) else list(self._output_shape)
        if self.mask is not None:
            config["mask"] = ser.serialize_function_for_lambda(self.mask) if callable(self.mask) else self.mask
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None, safe_mode: Any = None) -> Lambda:
        """Rebuild from :meth:`get_config`; a Python lambda in the config needs ``safe_mode=False`` (given to
        ``load_model``), as in Keras 3."""
        from ..saving import serialization_lib as ser

        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            if isinstance(config.get(key), dict):
                config[key] = ser.deserialize_function_for_lambda(config[key], custom_objects, safe_mode)
        return cls(**config)


class Embedding(Layer):
    """Map integer ids to dense vectors: row ``i`` of the ``(input_dim, output_dim)`` ``embeddings`` matrix.

    The lookup is a ``gather``, so the gradient of ``embeddings`` is an ``IndexedSlices`` (only the looked-up rows)
    and optimizers apply it as a row-sparse update. ``mask_zero=True`` makes :meth:`compute_mask` report id 0 as
    padding; the output carries that mask (``_keras_mask``) and recurrent layers called on it skip those steps.
    Float ids are truncated to integers; an id outside ``[0, input_dim)`` raises ``InvalidArgumentError``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> emb = keras.layers.Embedding(10, 3)
    >>> with tf.GradientTape() as tape:
    ...     y = tf.reduce_sum(emb(tf.constant([[1, 4, 1]])))
    >>> g = tape.gradient(y, emb.embeddings)
    >>> type(g).__name__, g.indices.numpy().tolist(), emb(tf.constant([[1, 4, 1]])).shape
    ('IndexedSlices', [1, 4, 1], TensorShape([1, 3, 3]))
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None, mask_zero: bool = False,
                 weights: Any = None, lora_rank: int | None = None, lora_alpha: float | None = None,
                 **kwargs: Any) -> None:
        if "input_length" in kwargs:
            kwargs.pop("input_length")
            import warnings

            warnings.warn("Argument `input_length` is deprecated. Just remove it.", UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.lora_rank, self.lora_enabled = lora_rank, False
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        if weights is not None:
            self.build()
            w = weights[0] if isinstance(weights, (list, tuple)) else weights
            self.embeddings.assign(np.asarray(w, dtype=self.embeddings.dtype))

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank)

    enable_lora = _lora.enable_lora

    def call(self, inputs: Any) -> Any:
        ids = _core.convert_to_tensor(inputs)
        if ids.dtype.name not in ("int32", "int64"):
            ids = _core.cast(ids, "int32")
        return _indexing.gather(self.embeddings, ids)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        return _comparison.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                  "mask_zero": self.mask_zero}
        return _lora_config(self, config)


class Flatten(Layer):
    """Flatten every axis but the batch axis: ``(batch, d1, d2, ...)`` → ``(batch, d1 * d2 * ...)``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> keras.layers.Flatten()(tf.zeros([2, 3, 4])).shape
    TensorShape([2, 12])
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = _core.convert_to_tensor(inputs)
        if self.data_format == "channels_first" and x.ndim > 2:
            x = _shape_ops.transpose(x, [0, *range(2, x.ndim), 1])
        if x.ndim == 1:
            return _shape_ops.expand_dims(x, 1)
        return _shape_ops.reshape(x, (int(x.shape[0]), -1))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Activation(Layer):
    """Apply an activation function (by name or callable) to the input.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> keras.layers.Activation("relu")(tf.constant([-1.0, 1.0])).numpy().tolist()
    [0.0, 1.0]
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


def _lora_config(layer: Layer, config: dict[str, Any]) -> dict[str, Any]:
    """Keras 3 adds ``lora_rank``/``lora_alpha`` to a layer's config once LoRA is set."""
    if layer.lora_rank:
        config.update(lora_rank=layer.lora_rank, lora_alpha=layer.lora_alpha)
    return config
