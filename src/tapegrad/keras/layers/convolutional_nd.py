"""Convolution layers beyond 2-D: ``Conv3D``, ``Conv1DTranspose``, ``Conv3DTranspose``, ``DepthwiseConv1D``
(and the ``Convolution*`` / ``SeparableConvolution*`` aliases), with Keras 3's arguments, weight layouts, output
shape rules and configs.

Kernels: ``Conv3D`` ``(kd, kh, kw, in / groups, filters)``; the transposed layers ``(*kernel_size, filters, in)``;
``DepthwiseConv1D`` ``(k, in, depth_multiplier)``. The 3-D and transposed 1-D arithmetic is
``tapegrad.ops.convolution_nd`` (sums of 2-D convolutions over the depth taps), so every weight has a gradient on
the tape.

>>> import numpy as np
>>> from tapegrad import keras
>>> conv = keras.layers.Conv3D(4, 3, padding="same", activation="relu")
>>> y = conv(np.ones((2, 5, 6, 6, 3), "float32"))
>>> tuple(y.shape), [(w.name, tuple(w.shape)) for w in conv.weights]
((2, 5, 6, 6, 4), [('kernel', (3, 3, 3, 3, 4)), ('bias', (4,))])
"""

from __future__ import annotations

from typing import Any

from ...ops import convolution_nd as _convolution_nd
from ._base import InputSpec
from .convolutional import (
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    _Conv,
    deconv_output_length,
    normalize_tuple,
    serialize_object,
)

__all__ = ["Conv3D", "Conv1DTranspose", "Conv3DTranspose", "DepthwiseConv1D", "Convolution3D",
           "Convolution1DTranspose", "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D"]

def _with_activity_regularizer(layer: Any, config: dict[str, Any]) -> dict[str, Any]:
    """Keras's convolution configs carry ``activity_regularizer`` too."""
    return {**config, "activity_regularizer": serialize_object(layer._activity_regularizer)}


class Conv3D(_Conv):
    """3-D convolution over ``(batch, depth, height, width, channels)`` (``channels_first``: channels second), with
    ``strides``, ``dilation_rate`` and ``groups`` as ``Conv2D``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Conv3D(2, (2, 3, 3), strides=(1, 2, 2))
    >>> layer(np.ones((1, 4, 7, 7, 3), "float32")).shape, layer.count_params()
    (TensorShape([1, 3, 3, 3, 2]), 110)
    """

    rank = 3

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = (1, 1, 1), groups: int = 1,
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)

    def get_config(self) -> dict[str, Any]:
        return _with_activity_regularizer(self, super().get_config())

    def _convolve(self, x: Any) -> Any:
        return _convolution_nd.conv3d_general(x, self.kernel.value, self.strides, self.padding.upper(),  # type: ignore[arg-type]
                                              self.dilation_rate)  # type: ignore[arg-type]


class _ConvTransposeND(_Conv):
    """Transposed convolution of any rank: kernel ``(*kernel_size, filters, in)``, Keras's output size rule."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = 1,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        self.output_padding = None if output_padding is None else normalize_tuple(output_padding, self.rank,
                                                                                   "output_padding")
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"Strides must be greater than output padding. Received strides={self.strides}, "
                             f"output_padding={self.output_padding}.")

    def _out_spatial(self, spatial: tuple[Any, ...]) -> tuple[Any, ...]:
        pads = self.output_padding or (None,) * self.rank
        return tuple(deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                     zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate))

    def build(self, input_shape: Any) -> None:
        c = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, c), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): c})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        shape = tuple(int(d) for d in x.shape)
        out = self._out_spatial(shape[1:-1])
        if self.rank == 1:
            return _convolution_nd.conv1d_transpose(x, self.kernel.value, [shape[0], out[0], self.filters],
                                                    self.strides[0], self.padding.upper(),
                                                    dilations=self.dilation_rate[0])
        return _convolution_nd.conv3d_transpose_general(x, self.kernel.value, out, self.strides,  # type: ignore[arg-type]
                                                        self.padding.upper(), self.dilation_rate)  # type: ignore[arg-type]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("groups", None)
        return _with_activity_regularizer(self, {**config, "output_padding": self.output_padding})


class Conv1DTranspose(_ConvTransposeND):
    """Transposed 1-D convolution (the gradient of ``Conv1D`` with respect to its input): each input step adds
    ``x[t] * kernel`` at ``t * stride``. The kernel is ``(k, filters, in)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Conv1DTranspose(4, 3, strides=2)
    >>> layer(np.ones((2, 5, 3), "float32")).shape, tuple(layer.kernel.shape)
    (TensorShape([2, 11, 4]), (3, 4, 3))
    """

    rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv3DTranspose(_ConvTransposeND):
    """Transposed 3-D convolution; the kernel is ``(kd, kh, kw, filters, in)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Conv3DTranspose(2, 3, strides=2, padding="same")
    >>> layer(np.ones((1, 2, 3, 3, 4), "float32")).shape, tuple(layer.kernel.shape)
    (TensorShape([1, 4, 6, 6, 2]), (3, 3, 3, 2, 4))
    """

    rank = 3

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1, 1), padding: str = "valid",
                 data_format: str | None = None, output_padding: Any = None, dilation_rate: Any = (1, 1, 1),
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class DepthwiseConv1D(DepthwiseConv2D):
    """Depthwise 1-D convolution: each input channel ``c`` is convolved with its own ``depth_multiplier``
    filters; output channel ``c * depth_multiplier + m``. The kernel is ``(k, in, depth_multiplier)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.DepthwiseConv1D(3, depth_multiplier=2)
    >>> layer(np.ones((2, 8, 3), "float32")).shape, layer.count_params()
    (TensorShape([2, 6, 6]), 24)
    """

    rank = 1

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate: Any = 1, activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(ndim=3, axes={self._channel_axis(): self._input_channels(input_shape)})

    def get_config(self) -> dict[str, Any]:
        return _with_activity_regularizer(self, {
            **super().get_config(), "depthwise_regularizer": serialize_object(self.kernel_regularizer),
            "depthwise_constraint": serialize_object(self.kernel_constraint)})


# Keras's long names
Convolution3D, Convolution1DTranspose, Convolution3DTranspose = Conv3D, Conv1DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
