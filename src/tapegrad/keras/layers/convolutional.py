"""Convolution layers: ``Conv1D``, ``Conv2D`` (groups, dilation), ``Conv2DTranspose``, ``DepthwiseConv2D``,
``SeparableConv1D``/``SeparableConv2D``, with Keras 3's arguments, weight layouts and shape rules.

Kernels are ``(*kernel_size, in / groups, filters)`` (``Conv2DTranspose``: ``(*kernel_size, filters, in)``;
depthwise: ``(*kernel_size, in, depth_multiplier)``, output channel ``c * depth_multiplier + m``). Convolution is
cross-correlation (no kernel flip); ``"same"`` puts the odd padding cell after (bottom/right). The arithmetic is
``tapegrad.nn.conv2d`` (one GEMM over a strided im2col view), so every weight has a gradient on the tape.

>>> import numpy as np
>>> from tapegrad import keras
>>> conv = keras.layers.Conv2D(4, 3, padding="same", activation="relu")
>>> y = conv(np.ones((2, 8, 8, 3), "float32"))
>>> tuple(y.shape), [(w.name, tuple(w.shape)) for w in conv.weights], conv.count_params()
((2, 8, 8, 4), [('kernel', (3, 3, 3, 4)), ('bias', (4,))], 112)
"""

from __future__ import annotations

from typing import Any

from ...ops import conv_pool as _conv_pool
from ...ops import convolution as _convolution
from ...ops import matmul as _matmul
from ...ops import pooling as _pooling
from ...ops import shape_ops as _shape_ops
from ...ops import tiling as _tiling
from .. import activations, backend, initializers, regularizers
from ._base import InputSpec, Layer, _folded, _folded_pool

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "conv_output_length", "normalize_tuple", "normalize_padding", "normalize_data_format"]


def serialize_object(obj: Any) -> Any:
    """A regularizer/constraint in a config: None, or ``{"class_name", "config"}`` as Keras writes it."""
    if obj is None:
        return None
    config = obj.get_config() if hasattr(obj, "get_config") else {}
    return {"class_name": type(obj).__name__, "config": config}


def normalize_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """An int or an ``n``-sequence of ints as an ``n``-tuple (Keras's ``standardize_tuple``)."""
    if isinstance(value, int):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}") from None
    if len(out) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}")
    return out


def normalize_padding(value: Any, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {set(allowed)}. "
                         f"Received: {value}")
    return padding


def normalize_data_format(value: Any) -> str:
    data_format = backend.image_data_format() if value is None else str(value).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={value}")
    return data_format


def conv_output_length(n: int | None, k: int, padding: str, stride: int, dilation: int = 1) -> int | None:
    """Spatial output size of a convolution or pooling window (valid ⌊(n−k_eff)/s⌋+1, same ⌈n/s⌉, causal n)."""
    if n is None:
        return None
    eff = dilation * (k - 1) + 1
    if padding == "valid":
        return (n - eff) // stride + 1
    return (n + stride - 1) // stride  # same and causal


def deconv_output_length(n: int | None, k: int, padding: str, output_padding: int | None, stride: int,
                         dilation: int = 1) -> int | None:
    """Output size of a transposed convolution (Keras's rule)."""
    if n is None:
        return None
    eff = dilation * (k - 1) + 1
    if output_padding is None:
        if padding == "valid":
            return n * stride + max(eff - stride, 0)
        return n * stride
    pad = eff // 2 if padding == "same" else 0
    return (n - 1) * stride + eff - 2 * pad + output_padding


def _check_positive_output(layer: Layer, input_shape: Any, out: tuple[Any, ...]) -> None:
    if any(d is not None and d <= 0 for d in out):
        raise ValueError(f"Computed output size would be zero or negative for layer '{layer.name}': input shape "
                         f"{tuple(input_shape)} gives {tuple(out)} with kernel_size/pool_size "
                         f"{getattr(layer, 'kernel_size', getattr(layer, 'pool_size', None))}, strides "
                         f"{layer.strides}, padding '{layer.padding}'. Use a smaller kernel or padding='same'.")


def _to_last(x: Any, rank: int) -> Any:
    return _shape_ops.transpose(x, [0, *range(2, rank + 2), 1])


def _to_first(x: Any, rank: int) -> Any:
    return _shape_ops.transpose(x, [0, rank + 1, *range(1, rank + 1)])


def _conv2d_nhwc(x: Any, kernel: Any, strides: tuple[int, int], padding: str,
                 dilation: tuple[int, int]) -> Any:
    return _convolution.conv2d(x, kernel, list(strides), padding.upper(), dilations=list(dilation))


def _conv1d_nwc(x: Any, kernel: Any, stride: int, padding: str, dilation: int) -> Any:
    """1-D convolution as a 2-D one over a unit height (``kernel`` ``(k, in, out)``); causal pads left."""
    if padding == "causal":
        x = _tiling.pad(x, [[0, 0], [dilation * (int(kernel.shape[0]) - 1), 0], [0, 0]])
        padding = "valid"
    n, w, c = (int(d) for d in x.shape)
    x4 = _shape_ops.reshape(x, (n, 1, w, c))
    k4 = _shape_ops.reshape(kernel, (1,) + tuple(int(d) for d in kernel.shape))
    y = _conv2d_nhwc(x4, k4, (1, stride), padding, (1, dilation))
    ys = tuple(int(d) for d in y.shape)
    return _shape_ops.reshape(y, (ys[0], ys[2], ys[3]))


class _Conv(Layer):
    """The shared part of the convolution layers: arguments, weights, output shapes, config."""

    rank = 2
    _paddings: tuple[str, ...] = ("valid", "same")

    def __init__(self, filters: int | None, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        r = self.rank
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. Received "
                             f"filters={filters}.")
        self.filters = filters
        self.groups = int(groups or 1)
        if filters is not None and filters % self.groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number of groups. Received: "
                             f"groups={groups}, filters={filters}.")
        self.kernel_size = normalize_tuple(kernel_size, r, "kernel_size")
        self.strides = normalize_tuple(strides, r, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, r, "dilation_rate")
        self.padding = normalize_padding(padding, self._paddings)
        self.data_format = normalize_data_format(data_format)
        if any(v <= 0 for v in self.kernel_size + self.strides + self.dilation_rate):
            raise ValueError(f"`kernel_size`, `strides` and `dilation_rate` must be positive. Received "
                             f"kernel_size={kernel_size}, strides={strides}, dilation_rate={dilation_rate}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=r + 2)

    # -- shapes -------------------------------------------------------------------------------------------------
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def _spatial(self, input_shape: Any) -> tuple[Any, ...]:
        s = tuple(input_shape)
        return s[1:-1] if self.data_format == "channels_last" else s[2:]

    def _out_spatial(self, spatial: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _out_channels(self, in_channels: Any) -> Any:
        return self.filters

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        s = tuple(input_shape)
        out = self._out_spatial(self._spatial(s))
        _check_positive_output(self, s, out)
        c = self._out_channels(s[self._channel_axis()])
        return (s[0], *out, c) if self.data_format == "channels_last" else (s[0], c, *out)

    # -- weights ------------------------------------------------------------------------------------------------
    def _input_channels(self, input_shape: Any) -> int:
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")
        c = input_shape[self._channel_axis()]
        if c is None:
            raise ValueError(f"The channel dimension of the inputs to {type(self).__name__} should be defined. "
                             f"Found None. Full input shape received: {tuple(input_shape)}")
        return int(c)

    def _add_bias(self, size: int) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(size,), initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def build(self, input_shape: Any) -> None:
        c = self._input_channels(input_shape)
        if c % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {c} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (c // self.groups, self.filters), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis(): c})
        self.built = True

    # -- call ---------------------------------------------------------------------------------------------------
    def _convolve(self, x: Any) -> Any:
        """The convolution of a channels-last input (without bias or activation)."""
        kernel = self.kernel.value
        if self.rank == 1:
            return _conv1d_nwc(x, kernel, self.strides[0], self.padding, self.dilation_rate[0])
        return _conv2d_nhwc(x, kernel, self.strides, self.padding, self.dilation_rate)

    def call(self, inputs: Any) -> Any:
        x = inputs
        first = self.data_format == "channels_first"
        act = "relu" if self.activation is activations.relu else "linear" if self.activation is activations.linear \
            else None
        deferred = act == "relu" and _folded(self)  # its model runs ReLU after the max pooling that follows
        if deferred:
            act = "linear"
            pool = _folded_pool(self)
            if pool is not None:  # its model folds the 2×2 max pooling that follows in: one op
                return self._conv_relu_pool(x, pool)
        if (act is not None and self.rank == 2 and not first and type(self)._convolve is _Conv._convolve
                and len(x.shape) == 4):
            # convolution, bias and ReLU as one op (the same values; less memory traffic)
            return _convolution.conv2d_bias_act(x, self.kernel.value, self.bias.value if self.use_bias else None,
                                                list(self.strides), self.padding.upper(), list(self.dilation_rate),
                                                act)
        if first:
            x = _to_last(x, self.rank)
        y = self._convolve(x)
        if self.use_bias:
            y = _convolution.bias_add(y, self.bias.value)
        if first:
            y = _to_first(y, self.rank)
        return y if deferred else self.activation(y)

    def _conv_relu_pool(self, x: Any, pool: Layer) -> Any:
        """``pool(self(x))`` for a 2×2 ``MaxPooling2D`` (valid padding) after this stride-1 convolution with ReLU
        (channels last): one op, :func:`ops.conv_pool.conv2d_bias_act_maxpool`."""
        bias = self.bias.value if self.use_bias else None
        kernel = self.kernel.value
        padding = self.padding.upper()
        conv_hw = [conv_output_length(n, k, self.padding, 1) for n, k in zip(x.shape[1:3], self.kernel_size)]
        if None in conv_hw or min(conv_hw) >= 2:
            return _conv_pool.conv2d_bias_act_maxpool(x, kernel, bias, 1, padding, 1, "relu")
        y = _convolution.conv2d_bias_act(x, kernel, bias, 1, padding, 1, "linear")
        pool.compute_output_shape(tuple(y.shape))  # the pooling layer's own error for a too small input
        return _pooling.max_pool2d_relu(y, 2, 2, "VALID")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer),
                "bias_regularizer": serialize_object(self.bias_regularizer),
                "kernel_constraint": serialize_object(self.kernel_constraint),
                "bias_constraint": serialize_object(self.bias_constraint)}


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)``; ``padding`` may also be ``"causal"`` (left padding, so
    output ``t`` sees inputs ``<= t``).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3), "float32")).shape
    TensorShape([2, 10, 4])
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over ``(batch, height, width, channels)`` (``data_format="channels_first"``: channels
    second). ``groups`` splits the channels into independent convolutions.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> conv = keras.layers.Conv2D(4, 3, groups=2)
    >>> conv(np.ones((2, 8, 8, 6), "float32")).shape, tuple(conv.kernel.shape)
    (TensorShape([2, 6, 6, 4]), (3, 3, 3, 4))
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = (1, 1), groups: int = 1,
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


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (the gradient of ``Conv2D`` with respect to its input): each input pixel adds
    ``x[i, j] * kernel`` at ``(i * stride, j * stride)``. The kernel is ``(kh, kw, filters, in)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")
    >>> layer(np.ones((2, 5, 5, 3), "float32")).shape, tuple(layer.kernel.shape)
    (TensorShape([2, 10, 10, 4]), (3, 3, 4, 3))
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = (1, 1),
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.output_padding = None if output_padding is None else normalize_tuple(output_padding, 2,
                                                                                   "output_padding")
        if self.output_padding is not None:
            for p, s in zip(self.output_padding, self.strides):
                if p >= s:
                    raise ValueError(f"Strides must be greater than output padding. Received strides={self.strides}"
                                     f", output_padding={self.output_padding}.")

    def _out_spatial(self, spatial: tuple[Any, ...]) -> tuple[Any, ...]:
        pads = self.output_padding or (None, None)
        return tuple(deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                     zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate))

    def build(self, input_shape: Any) -> None:
        c = self._input_channels(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, c), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis(): c})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        n, h, w, _ = (int(d) for d in x.shape)
        oh, ow = self._out_spatial((h, w))
        return _convolution.conv2d_transpose(x, self.kernel.value, [n, oh, ow, self.filters], list(self.strides),
                                    self.padding.upper(), dilations=list(self.dilation_rate))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("groups", None)
        return {**config, "output_padding": self.output_padding}


class DepthwiseConv2D(_Conv):
    """Depthwise 2-D convolution: each input channel ``c`` is convolved with its own ``depth_multiplier`` filters;
    output channel ``c * depth_multiplier + m``. The kernel is ``(kh, kw, in, depth_multiplier)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    >>> layer(np.ones((2, 8, 8, 3), "float32")).shape, layer.count_params()
    (TensorShape([2, 8, 8, 6]), 60)
    """

    rank = 2

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate: Any = (1, 1), activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(None, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = self.kernel_initializer

    def _out_channels(self, in_channels: Any) -> Any:
        return None if in_channels is None else in_channels * self.depth_multiplier

    def build(self, input_shape: Any) -> None:
        c = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(shape=self.kernel_size + (c, self.depth_multiplier), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(c * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis(): c})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        return _depthwise(x, self.kernel.value, self.strides, self.padding, self.dilation_rate)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("filters", "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)
        return {**config, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.kernel_initializer)}


def _depthwise(x: Any, kernel: Any, strides: tuple[int, ...], padding: str, dilation: tuple[int, ...]) -> Any:
    """Depthwise convolution as a grouped one: ``(kh, kw, C, M)`` → ``(kh, kw, 1, C * M)`` with C groups."""
    ks = tuple(int(d) for d in kernel.shape)
    if len(ks) == 3:  # 1-D: (k, C, M)
        return _conv1d_nwc(x, _shape_ops.reshape(kernel, (ks[0], 1, ks[1] * ks[2])), strides[0], padding, dilation[0])
    return _conv2d_nhwc(x, _shape_ops.reshape(kernel, (ks[0], ks[1], 1, ks[2] * ks[3])), strides, padding, dilation)


class _SeparableConv(_Conv):
    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint, self.pointwise_constraint = depthwise_constraint, pointwise_constraint

    def build(self, input_shape: Any) -> None:
        c = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (c, m), name="depthwise_kernel", initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (c * m, self.filters), name="pointwise_kernel",
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): c})
        self.built = True

    def _convolve(self, x: Any) -> Any:
        y = _depthwise(x, self.depthwise_kernel.value, self.strides, self.padding, self.dilation_rate)
        pw = self.pointwise_kernel.value
        # the pointwise step is a matrix product over the channel axis
        return _matmul.matmul(y, _shape_ops.reshape(pw, tuple(int(d) for d in pw.shape)[-2:]))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key, None)
        return {**config, "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer)}


class SeparableConv1D(_SeparableConv):
    """Depthwise 1-D convolution followed by a pointwise (1×1) one: ``depthwise_kernel`` ``(k, in, mult)``,
    ``pointwise_kernel`` ``(1, in * mult, filters)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.SeparableConv1D(4, 3)
    >>> layer(np.ones((2, 10, 3), "float32")).shape, layer.count_params()
    (TensorShape([2, 8, 4]), 25)
    """

    rank = 1
    _paddings = ("valid", "same", "causal")


class SeparableConv2D(_SeparableConv):
    """Depthwise 2-D convolution followed by a pointwise (1×1) one: ``depthwise_kernel`` ``(kh, kw, in, mult)``,
    ``pointwise_kernel`` ``(1, 1, in * mult, filters)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.SeparableConv2D(4, 3)
    >>> layer(np.ones((2, 8, 8, 3), "float32")).shape, layer.count_params()
    (TensorShape([2, 6, 6, 4]), 43)
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None, pointwise_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)

