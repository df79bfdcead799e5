"""Keras 3 core layers beyond ``core.py``: ``Masking``, ``Identity``, ``EinsumDense``, ``ActivityRegularization``,
``AlphaDropout``, ``SpatialDropout3D`` and the ``Wrapper`` base class.

``EinsumDense`` derives its kernel and bias shapes from the einsum equation as Keras does (``"ab,bc->ac"``, a
left ``"...b,bc->...c"`` or right ``"ab...,bc->ac..."`` ellipsis); ``output_shape`` excludes the batch axis and any
axes the ellipsis stands for, and ``None`` entries are taken from the input.

>>> import numpy as np
>>> from tapegrad import keras
>>> layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
>>> layer(np.ones((3, 5, 6), "float32")).shape, [tuple(w.shape) for w in layer.weights]
(TensorShape([3, 5, 2, 4]), [(6, 2, 4), (2, 4)])
"""

from __future__ import annotations

import re
from typing import Any

import tapegrad as tg

from ...ops.random_ops import draw
from .. import activations, initializers, regularizers
from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from . import lora as _lora
from ._base import InputSpec, Layer
from .convolutional import serialize_object
from .regularization import SpatialDropout2D, _rng

__all__ = ["Masking", "Identity", "EinsumDense", "ActivityRegularization", "AlphaDropout", "SpatialDropout3D",
           "Wrapper", "ThresholdedReLU"]


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value``: those steps become zeros and the layer attaches
    a ``(batch, steps)`` boolean mask that downstream layers (``LSTM``, ``GRU``, pooling, losses) read.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
    >>> y = keras.layers.Masking(0.0)(x)
    >>> y._keras_mask.numpy().tolist()
    [[True, False, True]]
    """

    def __init__(self, mask_value: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        return tg.reduce_any(tg.not_equal(inputs, tg.cast(self.mask_value, inputs.dtype)), axis=-1)

    def call(self, inputs: Any) -> Any:
        keep = tg.reduce_any(tg.not_equal(inputs, tg.cast(self.mask_value, inputs.dtype)), axis=-1, keepdims=True)
        return tg.where(keep, inputs, tg.zeros_like(inputs))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}


class Identity(Layer):
    """Return the input unchanged (a placeholder in a model; masks pass through).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Identity()(np.array([1.0, 2.0], "float32")).numpy().tolist()
    [1.0, 2.0]
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


_EINSUM_FORMS = ((re.compile(r"^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), False),
                 (re.compile(r"^\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$"), True),
                 (re.compile(r"^([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]{2,})\.\.\.$"), False))


def einsum_shapes(equation: str, bias_axes: str | None, input_shape: tuple[Any, ...],
                  partial_output: tuple[Any, ...]) -> tuple[list[Any], list[int] | None, list[Any]]:
    """(kernel shape, bias shape or None, full output shape) of ``EinsumDense`` for ``input_shape``."""
    eq = equation.replace(" ", "")
    for pattern, left in _EINSUM_FORMS:  # noqa: B007 - the matching form's flag is used below
        match = pattern.match(eq)
        if match:
            break
    else:
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                         f"...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    ins, wts, outs = match.groups()
    elided = len(input_shape) - len(ins)
    output = [input_shape[0], *partial_output]
    if elided > 0 and left:
        output[1:1] = list(input_shape[1:elided])
    elif elided > 0:
        output += list(input_shape[len(input_shape) - elided:])
    if left:  # positions counted from the right
        in_pos = {d: i - len(ins) for i, d in enumerate(ins)}
        out_pos = {d: i - len(outs) for i, d in enumerate(outs)}
    else:
        in_pos = {d: i for i, d in enumerate(ins)}
        out_pos = {d: i for i, d in enumerate(outs)}
    for d in ins:  # a None in output_shape stays None (Keras does not take it from the input)
        if d in out_pos:
            o, n = output[out_pos[d]], input_shape[in_pos[d]]
            if o is not None and o != n:
                raise ValueError(f"Input shape and output shape do not match at shared dimension '{d}' of the "
                                 f"equation '{equation}': the input has size {n}, output_shape asks for {o} "
                                 f"(input shape {tuple(input_shape)}, output shape {tuple(output)}).")
    for d in outs:
        if d not in ins and d not in wts:
            raise ValueError(f"Dimension '{d}' was specified in the output '{outs}' but has no corresponding dim "
                             f"in the input spec '{ins}' or weight spec '{wts}' of the equation '{equation}'.")
    kernel: list[Any] = []
    for d in wts:
        if d in in_pos:
            kernel.append(input_shape[in_pos[d]])
        elif d in out_pos:
            kernel.append(output[out_pos[d]])
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input spec '{ins}' or the "
                             f"output spec '{outs}' of the equation '{equation}'. For this layer, the weight must "
                             f"be fully specified.")
    bias = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in outs:
                raise ValueError(f"Bias dimension '{d}' was requested, but is not part of the output spec "
                                 f"'{outs}' of the equation '{equation}'.")
        first = min(outs.find(d) for d in bias_axes)
        bias = [output[out_pos[d]] if d in bias_axes else 1 for d in outs[first:]]
        if not left:
            bias += [1] * max(elided, 0)
    return kernel, bias, output


class EinsumDense(Layer):
    """A dense layer given by an einsum ``equation`` between the input and a kernel (e.g. ``"abc,cd->abd"``
    projects the last axis; ``"abc,cde->abde"`` splits it into heads), with an optional bias over ``bias_axes``
    of the output.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.EinsumDense("...b,bc->...c", output_shape=4, bias_axes="c")
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    TensorShape([2, 3, 4])
    """

    def __init__(self, equation: str, output_shape: Any, activation: Any = None, bias_axes: str | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None, lora_alpha: float | None = None,
                 **kwargs: Any) -> None:
        kwargs.pop("quantization_config", None)
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.lora_rank, self.lora_enabled = lora_rank, False
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank

    def build(self, input_shape: Any) -> None:
        kernel, bias, output = einsum_shapes(self.equation, self.bias_axes, tuple(input_shape),
                                             self.partial_output_shape)
        self.full_output_shape = tuple(output)
        self.kernel = self.add_weight(shape=tuple(kernel), name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias is not None:
            self.bias = self.add_weight(shape=tuple(bias), name="bias", initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    enable_lora = _lora.enable_lora

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(einsum_shapes(self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)[2])

    def call(self, inputs: Any) -> Any:
        y = tg.einsum(self.equation, inputs, self.kernel)  # a tensor once LoRA is enabled (keras.layers.lora)
        if self.bias is not None:
            y = y + self.bias.value
        return self.activation(y)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_shape": self.partial_output_shape, "equation": self.equation,
                "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "activity_regularizer": serialize_object(self._activity_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint),
                "bias_constraint": serialize_object(self.bias_constraint), "quantization_config": None,
                **({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha} if self.lora_rank else {})}


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x²)`` (divided by the batch size, as Keras) to the
    layer's ``losses``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.ActivityRegularization(l1=0.5)
    >>> _ = layer(np.array([[1.0, -2.0], [3.0, 0.0]], "float32"))
    >>> [float(v) for v in layer.losses]
    [1.5]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}


# SELU's constants: dropped units are set to SELU's negative saturation value -scale * alpha
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout that keeps SELU's self-normalising mean and variance: dropped units are set to ``-scale * alpha``
    and the result is mapped by ``a * x + b`` (identity at inference). The random draws differ from Keras's.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.AlphaDropout(0.5, seed=1)(np.zeros((2, 1000), "float32"), training=True).numpy()
    >>> len(set(y.ravel().round(5).tolist()))
    2
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self._rng = _rng(seed, b"alpha_dropout")
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate <= 0:
            return inputs
        shape = tuple(int(d) for d in inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else int(n) for s, n in zip(shape, self.noise_shape))
        keep = tg.cast(tg.cast(draw(self._rng, "uniform", shape), inputs.dtype) >= self.rate, inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * keep + (1 - keep) * alpha_p) + b

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class SpatialDropout3D(SpatialDropout2D):
    """Dropout of whole feature volumes of ``(batch, d, h, w, channels)`` (``data_format`` as for ``Conv3D``).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.SpatialDropout3D(0.5, seed=2)(np.ones((2, 2, 2, 2, 8), "float32"), training=True).numpy()
    >>> bool((y.min(axis=(1, 2, 3)) == y.max(axis=(1, 2, 3))).all())
    True
    """

    _rank = 3

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(rate, data_format=data_format, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=5)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("trainable", None)  # (Keras's spatial dropouts write no `trainable`)
        return {**config, "data_format": self.data_format}


class Wrapper(Layer):
    """The base class of layers that wrap another layer (``layer``); it builds the wrapped layer with its own
    input shape and serializes it in the config.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> class Twice(keras.layers.Wrapper):
    ...     def call(self, x):
    ...         return 2 * self.layer(x)
    >>> w = Twice(keras.layers.Dense(1, kernel_initializer="ones"))
    >>> w(np.array([[1.0, 2.0]], "float32")).numpy().tolist(), len(w.weights)
    ([[6.0]], 2)
    """

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please ensure "
                             f"wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Any:
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class ThresholdedReLU(Layer):
    """``x`` where ``x > theta``, else 0 (TF 2.21's ``tf.keras.layers.ThresholdedReLU``, a legacy layer that
    Keras 3's own namespace no longer has).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.ThresholdedReLU(theta=1.0)(np.array([0.5, 1.0, 2.0], "float32")).numpy().tolist()
    [0.0, 0.0, 2.0]
    """

    def __init__(self, theta: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None, expecting a float. Received: {theta}")
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}")
        self.theta = float(theta)
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any) -> Any:
        return inputs * tg.cast(tg.greater(inputs, tg.cast(self.theta, inputs.dtype)), inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "theta": self.theta}
