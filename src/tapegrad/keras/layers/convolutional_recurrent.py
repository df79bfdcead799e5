"""Convolutional LSTMs: ``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D`` (Keras 3's ``ConvLSTM`` over a
``ConvLSTMCell``), for inputs ``(batch, time, *spatial, channels)`` (``channels_first``: ``(batch, time,
channels, *spatial)``).

Each step: ``z = conv(x_t, kernel) + bias + conv_same(h, recurrent_kernel)`` split into the gates i, f, c, o
(``filters`` channels each); ``c' = σ(f)·c + σ(i)·tanh(c̃)``, ``h' = σ(o)·tanh(c')``. The input convolution uses
the layer's ``strides``/``padding``/``dilation_rate``; the recurrent one stride 1 and ``"same"`` padding, so the
state has the input convolution's output size. Weights (``conv_lstm2d/conv_lstm_cell/...``): ``kernel``
``(*kernel_size, in, 4·filters)``, ``recurrent_kernel`` ``(*kernel_size, filters, 4·filters)``, ``bias``
``(4·filters,)`` (ones in the forget block with ``unit_forget_bias``). Every step is differentiable ops, so the
weights' gradients are backpropagation through time on the tape.

>>> import numpy as np
>>> from tapegrad import keras
>>> layer = keras.layers.ConvLSTM2D(3, 2, padding="same", return_sequences=True)
>>> layer(np.ones((2, 4, 5, 5, 2), "float32")).shape, [tuple(w.shape) for w in layer.weights]
(TensorShape([2, 4, 5, 5, 3]), [(2, 2, 2, 12), (2, 2, 3, 12), (12,)])
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

import tapegrad as tg

from ...ops import comparison as _comparison
from ...ops import convolution as _convolution
from ...ops import convolution_nd as _convolution_nd
from ...ops.random_ops import draw, internal_generator
from .. import activations, backend, initializers, regularizers
from ._base import InputSpec, Layer
from .convolutional import (
    _conv1d_nwc,
    _to_first,
    _to_last,
    conv_output_length,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    serialize_object,
)
from .recurrent import _forget_bias_initializer

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _conv(x: Any, kernel: Any, strides: tuple[int, ...], padding: str, dilation: tuple[int, ...]) -> Any:
    """Channels-last convolution of rank ``len(strides)``."""
    rank = len(strides)
    if rank == 1:
        return _conv1d_nwc(x, kernel, strides[0], padding, dilation[0])
    if rank == 2:
        return _convolution.conv2d(x, kernel, list(strides), padding.upper(), dilations=list(dilation))
    return _convolution_nd.conv3d_general(x, kernel, strides, padding.upper(), dilation)  # type: ignore[arg-type]


class ConvLSTMCell(Layer):
    """One step of a convolutional LSTM (the cell of ``ConvLSTM1D/2D/3D``), channels last."""

    def __init__(self, rank: int, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        base = int(internal_generator().integers(1, 10**9)) if seed is None else int(seed)
        self._rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, zlib.crc32(b"rnn")])))
        self._masks: Any = None  # one sequence's dropout masks (set by the layer for a training call)
        self.state_size = -1  # spatial states: made by the layer from the input convolution's output size

    def build(self, input_shape: Any) -> None:
        in_dim = int(input_shape[-1])
        f4 = 4 * self.filters
        self.kernel = self.add_weight(shape=self.kernel_size + (in_dim, f4), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=self.kernel_size + (self.filters, f4), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = (_forget_bias_initializer(self.bias_initializer, self.filters) if self.unit_forget_bias
                    else self.bias_initializer)
            self.bias = self.add_weight(shape=(f4,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def input_conv(self, x: Any) -> Any:
        """The input's contribution to the four gates (channels last, ``4·filters`` channels)."""
        z = _conv(x, self.kernel.value, self.strides, self.padding, self.dilation_rate)
        return z + self.bias.value if self.bias is not None else z

    def _mask(self, like: Any, rate: float) -> list[Any]:
        """Four dropout masks shaped like ``like`` (one per gate; kept values scaled by ``1 / (1 - rate)``)."""
        dt = like.dtype.name
        out = []
        for _ in range(4):
            keep = _comparison.greater_equal(draw(self._rng, "uniform", tuple(like.shape)), rate)
            out.append(tg.cast(tg.cast(keep, "float64") / (1 - rate), dt))
        return out

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        h, c = states
        masks = self._masks if training else None
        if masks is not None and (masks[0] is not None or masks[1] is not None):
            # Keras's dropout: each gate convolves its own masked copy of the input (and of the state)
            xs = [inputs * m for m in masks[0]] if masks[0] is not None else [inputs] * 4
            hs = [h * m for m in masks[1]] if masks[1] is not None else [h] * 4
            f = self.filters
            parts = []
            for g in range(4):
                zg = _conv(xs[g], self.kernel.value[..., g * f:(g + 1) * f], self.strides, self.padding,
                           self.dilation_rate)
                if self.bias is not None:
                    zg = zg + self.bias.value[g * f:(g + 1) * f]
                parts.append(zg + _conv(hs[g], self.recurrent_kernel.value[..., g * f:(g + 1) * f],
                                        (1,) * self.rank, "same", (1,) * self.rank))
            zi, zf, zc, zo = parts
        else:
            z = self.input_conv(inputs) + _conv(h, self.recurrent_kernel.value, (1,) * self.rank, "same",
                                                (1,) * self.rank)
            zi, zf, zc, zo = tg.split(z, 4, axis=-1)
        i, f, o = self.recurrent_activation(zi), self.recurrent_activation(zf), self.recurrent_activation(zo)
        c = f * c + i * self.activation(zc)
        h = o * self.activation(c)
        return h, [h, c]


class _ConvLSTM(Layer):
    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, **kwargs: Any) -> None:
        kwargs.pop("zero_output_for_mask", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.cell = ConvLSTMCell(
            self.rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self.input_spec = InputSpec(ndim=self.rank + 3)
        self._states: Any = None
        self.supports_masking = True

    def __getattr__(self, name: str) -> Any:
        # the cell's hyperparameters read as the layer's (filters, kernel_size, ...), as Keras's properties
        cell = self.__dict__.get("cell")
        if cell is not None and name in ("filters", "kernel_size", "strides", "padding", "data_format",
                                         "dilation_rate", "activation", "recurrent_activation", "use_bias",
                                         "kernel_initializer", "recurrent_initializer", "bias_initializer",
                                         "unit_forget_bias", "dropout", "recurrent_dropout", "seed"):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _step_shape(self, input_shape: Any) -> tuple[Any, ...]:
        """One step's channels-last shape ``(batch, *spatial, channels)``."""
        s = tuple(input_shape)
        return (s[0], *s[2:]) if self.cell.data_format == "channels_last" else (s[0], *s[3:], s[2])

    def build(self, input_shape: Any) -> None:
        with backend.path_scope(self.name):
            self.cell._run_build(self._step_shape(input_shape))
        self.built = True

    def _out_spatial(self, spatial: tuple[Any, ...]) -> tuple[Any, ...]:
        c = self.cell
        return tuple(conv_output_length(n, k, c.padding, s, d) for n, k, s, d in
                     zip(spatial, c.kernel_size, c.strides, c.dilation_rate))

    def compute_output_shape(self, input_shape: Any) -> Any:
        s = tuple(input_shape)
        last = self.cell.data_format == "channels_last"
        spatial = self._out_spatial(s[2:-1] if last else s[3:])
        f = self.cell.filters
        step = (s[0], *spatial, f) if last else (s[0], f, *spatial)
        out = (step[0], s[1], *step[1:]) if self.return_sequences else step
        return (out, step, step) if self.return_state else out

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        out = previous_mask if self.return_sequences else None
        return [out, None, None] if self.return_state else out

    def reset_states(self) -> None:
        self._states = None

    reset_state = reset_states

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None, training: bool = False) -> Any:
        cell, r = self.cell, self.rank
        x = inputs
        first = cell.data_format == "channels_first"
        steps = int(x.shape[1])
        frames = [x[:, t] for t in range(steps)]
        if first:
            frames = [_to_last(f, r) for f in frames]
        if initial_state is None and self.stateful and self._states is not None:
            initial_state = self._states
        if initial_state is None:
            zeros = tg.zeros_like(cell.input_conv(frames[0])[..., : cell.filters])
            states = [zeros, zeros]
        else:
            states = [_to_last(s, r) if first else s for s in initial_state]
        keep = None if mask is None else tg.cast(mask, "bool")
        cell._masks = None
        if training and (0 < cell.dropout < 1 or 0 < cell.recurrent_dropout < 1):  # one set for the sequence
            cell._masks = (cell._mask(frames[0], cell.dropout) if 0 < cell.dropout < 1 else None,
                           cell._mask(states[0], cell.recurrent_dropout) if 0 < cell.recurrent_dropout < 1
                           else None)
        outputs = []
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            h, new = cell(frames[t], states, training=training)
            if keep is not None:  # a masked step keeps the previous states (and output)
                m = tg.reshape(keep[:, t], [-1] + [1] * (r + 1))
                new = [tg.where(m, n, o) for n, o in zip(new, states)]
                h = new[0]
            states = new
            outputs.append(h)
        cell._masks = None
        out = tg.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if first:
            out = tg.stack([_to_first(o, r) for o in tg.unstack(out, axis=1)], axis=1) if self.return_sequences \
                else _to_first(out, r)
        if self.stateful:
            self._states = [tg.constant(s.numpy()) for s in states]
        if not self.return_state:
            return out
        final = [_to_first(s, r) if first else s for s in states]
        return [out, *final]

    def get_config(self) -> dict[str, Any]:
        c = self.cell
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": False, "filters": c.filters,
                "kernel_size": c.kernel_size, "strides": c.strides, "padding": c.padding,
                "data_format": c.data_format, "dilation_rate": c.dilation_rate,
                "activation": activations.serialize(c.activation),
                "recurrent_activation": activations.serialize(c.recurrent_activation), "use_bias": c.use_bias,
                "kernel_initializer": initializers.serialize(c.kernel_initializer),
                "recurrent_initializer": initializers.serialize(c.recurrent_initializer),
                "bias_initializer": initializers.serialize(c.bias_initializer),
                "unit_forget_bias": c.unit_forget_bias,
                "kernel_regularizer": serialize_object(c.kernel_regularizer),
                "recurrent_regularizer": serialize_object(c.recurrent_regularizer),
                "bias_regularizer": serialize_object(c.bias_regularizer),
                "activity_regularizer": serialize_object(self._activity_regularizer),
                "kernel_constraint": serialize_object(c.kernel_constraint),
                "recurrent_constraint": serialize_object(c.recurrent_constraint),
                "bias_constraint": serialize_object(c.bias_constraint), "dropout": c.dropout,
                "recurrent_dropout": c.recurrent_dropout, "seed": c.seed}


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over ``(batch, time, steps, channels)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.ConvLSTM1D(3, 2, strides=2)(np.ones((2, 4, 7, 2), "float32")).shape
    TensorShape([2, 3, 3])
    """

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over ``(batch, time, height, width, channels)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.ConvLSTM2D(2, 3)(np.ones((1, 3, 5, 5, 1), "float32")).shape
    TensorShape([1, 3, 3, 2])
    """

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over ``(batch, time, depth, height, width, channels)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.ConvLSTM3D(2, 2, padding="same")(np.ones((1, 2, 3, 3, 3, 1), "float32")).shape
    TensorShape([1, 3, 3, 3, 2])
    """

    rank = 3
