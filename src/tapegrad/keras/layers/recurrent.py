"""Recurrent layers: ``SimpleRNN``, ``LSTM``, ``GRU``, their cells, the generic ``RNN`` wrapper and
``StackedRNNCells``, ``Bidirectional`` and ``TimeDistributed`` (Keras 3's arguments, weights, gate orders).

The weights live on the cell (path ``lstm/lstm_cell/kernel``): ``kernel`` ``(d, k·u)``, ``recurrent_kernel``
``(u, k·u)`` and ``bias``, with k = 1 (SimpleRNN), 4 (LSTM, gates i, f, c, o) or 3 (GRU, gates z, r, h; with
``reset_after=True`` the bias is ``(2, 3u)``: input bias, then recurrent bias).

How a sequence runs: with the default activations, no mask and no recurrent dropout an ``LSTM`` layer is one op
for the whole sequence (:func:`tapegrad.ops.rnn_ops.lstm_sequence`: projection, recurrence and backward pass
through time in one tape entry, one GEMM per step). Otherwise the input projection ``x W + b`` of every timestep is
one GEMM up front and each step is one GEMM ``h U`` plus the elementwise update: an LSTM step is one fused op
(:func:`tapegrad.ops.rnn_ops.lstm_step`, GEMM included) and a GRU step's elementwise part is one
(:func:`tapegrad.ops.rnn_ops.gru_cell`). All are ordinary tapegrad ops, so tapes (and tracing)
see them as usual. Masked steps carry the previous output and states forward, as Keras does.

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad import keras
>>> lstm = keras.layers.LSTM(4, return_sequences=True, return_state=True)
>>> seq, h, c = lstm(np.zeros((2, 5, 3), "float32"))
>>> seq.shape, h.shape, [w.shape for w in lstm.weights]
(TensorShape([2, 5, 4]), TensorShape([2, 4]), [TensorShape([3, 16]), TensorShape([4, 16]), TensorShape([16])])
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from ... import _nest
from ..._backend import NUMPY
from ..._tensor import _TensorLike, make
from ...ops import arithmetic as _arithmetic
from ...ops import comparison as _comparison
from ...ops import core as _core
from ...ops import indexing as _indexing
from ...ops import joining as _joining
from ...ops import matmul as _matmul
from ...ops import rnn_ops as _rnn
from ...ops import shape_ops as _shape_ops
from ...ops import tiling as _tiling
from ...ops._common import dtype_np
from ...ops.random_ops import draw, internal_generator
from .. import activations, backend, initializers
from ._base import InputSpec, Layer

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN", "LSTM", "GRU",
           "Bidirectional", "TimeDistributed"]


def _t(x: Any) -> Any:
    return _core.convert_to_tensor(x)


class _DropoutMasks:
    """The input and recurrent dropout masks of one sequence (the same mask at every step, as Keras)."""

    def __init__(self, cell: Any, batch: int, input_dim: int, training: bool) -> None:
        self.input = self.recurrent = None
        if not training:
            return
        dt = "float32" if cell.dtype != "float64" else "float64"
        # recorded draws from the cell's stream: a compiled step gets new masks on every call
        if 0 < cell.dropout < 1:
            keep = _comparison.greater_equal(draw(cell._rng, "uniform", (batch, input_dim)), cell.dropout)
            self.input = _core.cast(_arithmetic.divide(_core.cast(keep, "float64"), 1 - cell.dropout), dt)
        if 0 < cell.recurrent_dropout < 1:
            keep = _comparison.greater_equal(draw(cell._rng, "uniform", (batch, cell.units)), cell.recurrent_dropout)
            self.recurrent = _core.cast(_arithmetic.divide(_core.cast(keep, "float64"), 1 - cell.recurrent_dropout), dt)


class _Cell(Layer):
    """What the three built-in cells share: arguments, weights, dropout and the one-GEMM input projection."""

    _gates = 1

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, got "
                             f"{units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.recurrent_regularizer = recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        base = int(internal_generator().integers(1, 10**9)) if seed is None else int(seed)
        self._rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, zlib.crc32(b"rnn")])))
        self.state_size: Any = self.units
        self.output_size = self.units

    def _build_weights(self, input_dim: int, bias_shape: tuple[int, ...], bias_init: Any) -> None:
        k = self._gates * self.units
        self.kernel = self.add_weight(shape=(input_dim, k), initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, k), initializer=self.recurrent_initializer,
                                                name="recurrent_kernel", regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=bias_shape, initializer=bias_init, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs to {type(self).__name__} should be defined. "
                             f"Found None. Full input shape received: {tuple(input_shape)}")
        self._build_weights(int(input_dim), (self._gates * self.units,), self.bias_initializer)
        self.built = True

    # -- sequence fast path (used by RNN) ---------------------------------------------------------------------
    def _input_bias(self) -> Any:
        return self.bias

    def _project(self, x: Any, masks: _DropoutMasks) -> Any:
        """``x W + b`` for every timestep of ``x`` ``(B, T, d)`` at once: one GEMM."""
        if masks.input is not None:
            x = _arithmetic.multiply(x, _shape_ops.reshape(masks.input, (int(x.shape[0]), 1, int(x.shape[2]))))
        b, t, d = (int(s) for s in x.shape)
        xp = _matmul.matmul(_shape_ops.reshape(x, (b * t, d)), self.kernel)
        bias = self._input_bias()
        if bias is not None:
            xp = _arithmetic.add(xp, bias)
        return _shape_ops.reshape(xp, (b, t, int(xp.shape[-1])))

    def _prepare(self, batch: int, input_dim: int, training: bool) -> _DropoutMasks:
        return _DropoutMasks(self, batch, input_dim, training)

    # -- single-step API (cell(x_t, states)) -------------------------------------------------------------------
    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        x = _t(inputs)
        bare = not isinstance(states, (list, tuple))
        state_list = [_t(states)] if bare else [_t(s) for s in states]
        masks = self._prepare(int(x.shape[0]), int(x.shape[-1]), bool(training))
        xp = _shape_ops.reshape(self._project(_shape_ops.reshape(x, (int(x.shape[0]), 1, int(x.shape[-1]))), masks),
                         (int(x.shape[0]), -1))
        out, new_states = self._step(xp, state_list, masks)
        if bare and isinstance(self, SimpleRNNCell):
            return out, new_states[0]
        return out, list(new_states)

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [_core.zeros((batch_size, s), dtype=self.dtype) for s in sizes]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias, "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": self.kernel_regularizer, "recurrent_regularizer": self.recurrent_regularizer,
                "bias_regularizer": self.bias_regularizer, "kernel_constraint": self.kernel_constraint,
                "recurrent_constraint": self.recurrent_constraint, "bias_constraint": self.bias_constraint,
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}

    def _recurrent_input(self, h: Any, masks: _DropoutMasks) -> Any:
        return h if masks.recurrent is None else _arithmetic.multiply(h, masks.recurrent)

    def _step(self, xp: Any, states: list[Any], masks: _DropoutMasks) -> tuple[Any, list[Any]]:
        raise NotImplementedError


class SimpleRNNCell(_Cell):
    """The fully-connected RNN cell: ``h' = activation(x W + h U + b)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> cell = keras.layers.SimpleRNNCell(3)
    >>> out, state = cell(np.ones((2, 4), "float32"), np.zeros((2, 3), "float32"))
    >>> out.shape, cell.state_size
    (TensorShape([2, 3]), 3)
    """

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)

    def _step(self, xp: Any, states: list[Any], masks: _DropoutMasks) -> tuple[Any, list[Any]]:
        h = self.activation(_arithmetic.add(
            xp, _matmul.matmul(self._recurrent_input(states[0], masks), self.recurrent_kernel)))
        return h, [h]


def _forget_bias_initializer(base: Any, units: int) -> Any:
    """Keras's ``unit_forget_bias``: the base initializer for the i, c, o blocks and ones for the f block."""
    def init(shape: Any, dtype: Any = None) -> Any:
        parts = [np.asarray(base((units,), dtype=dtype)), np.ones((units,), dtype=dtype or "float32"),
                 np.asarray(base((2 * units,), dtype=dtype))]
        return _core.constant(np.concatenate(parts).astype(dtype or "float32"))

    return init


def _is(fn: Any, name: str) -> bool:
    return fn is getattr(activations, name)


class LSTMCell(_Cell):
    """The LSTM cell (gates i, f, c, o): ``c' = σ(f)·c + σ(i)·tanh(g)``, ``h' = σ(o)·tanh(c')``; states
    ``[h, c]``. With ``unit_forget_bias`` the initial bias is 1 in the forget block.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> cell = keras.layers.LSTMCell(2)
    >>> out, (h, c) = cell(np.ones((1, 3), "float32"), [np.zeros((1, 2), "float32")] * 2)
    >>> cell.state_size, cell.bias.numpy().tolist()
    ([2, 2], [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    """

    _gates = 4

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]

    def build(self, input_shape: Any) -> None:
        input_dim = input_shape[-1]
        init = _forget_bias_initializer(self.bias_initializer, self.units) if self.unit_forget_bias \
            else self.bias_initializer
        self._build_weights(int(input_dim), (4 * self.units,), init)
        self.built = True

    def _fused(self) -> bool:
        return _is(self.activation, "tanh") and _is(self.recurrent_activation, "sigmoid")

    def _step(self, xp: Any, states: list[Any], masks: _DropoutMasks) -> tuple[Any, list[Any]]:
        h, c = states
        if self._fused():
            h, c = _rnn.lstm_step(xp, self._recurrent_input(h, masks), c, self.recurrent_kernel)  # one fused op
        else:
            z = _arithmetic.add(xp, _matmul.matmul(self._recurrent_input(h, masks), self.recurrent_kernel))
            u = self.units
            i, f = self.recurrent_activation(z[:, :u]), self.recurrent_activation(z[:, u:2 * u])
            g, o = self.activation(z[:, 2 * u:3 * u]), self.recurrent_activation(z[:, 3 * u:])
            c = _arithmetic.add(_arithmetic.multiply(f, c), _arithmetic.multiply(i, g))
            h = _arithmetic.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """The GRU cell (gates z, r, h): ``h' = z·h + (1 − z)·h̃``. With ``reset_after=True`` (the default)
    ``h̃ = tanh(x W_h + b_h + r·(h U_h + b'_h))`` and the bias is ``(2, 3u)`` (input, recurrent);
    otherwise ``h̃ = tanh(x W_h + (r·h) U_h + b_h)`` with a ``(3u,)`` bias.

    >>> from tapegrad import keras
    >>> cell = keras.layers.GRUCell(2)
    >>> cell.build((None, 3))
    >>> [tuple(w.shape) for w in cell.weights]
    [(3, 6), (2, 6), (2, 6)]
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, reset_after: bool = True,
                 seed: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def build(self, input_shape: Any) -> None:
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_weights(int(input_shape[-1]), shape, self.bias_initializer)
        self.built = True

    def _input_bias(self) -> Any:
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def _step(self, xp: Any, states: list[Any], masks: _DropoutMasks) -> tuple[Any, list[Any]]:
        h = states[0]
        hr = self._recurrent_input(h, masks)
        u = self.units
        fused = _is(self.activation, "tanh") and _is(self.recurrent_activation, "sigmoid")
        if self.reset_after:
            hz = _matmul.matmul(hr, self.recurrent_kernel)
            if self.bias is not None:
                hz = _arithmetic.add(hz, self.bias[1])
            if fused:
                h_new = _rnn.gru_cell(xp, hz, h)
                return h_new, [h_new]
            z = self.recurrent_activation(_arithmetic.add(xp[:, :u], hz[:, :u]))
            r = self.recurrent_activation(_arithmetic.add(xp[:, u:2 * u], hz[:, u:2 * u]))
            hh = self.activation(_arithmetic.add(xp[:, 2 * u:], _arithmetic.multiply(r, hz[:, 2 * u:])))
        else:
            hz = _matmul.matmul(hr, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(_arithmetic.add(xp[:, :u], hz[:, :u]))
            r = self.recurrent_activation(_arithmetic.add(xp[:, u:2 * u], hz[:, u:]))
            hh = self.activation(_arithmetic.add(xp[:, 2 * u:], _matmul.matmul(_arithmetic.multiply(r, hr),
                                                                  self.recurrent_kernel[:, 2 * u:])))
        h_new = _arithmetic.add(_arithmetic.multiply(z, h), _arithmetic.multiply(_arithmetic.subtract(1.0, z), hh))
        return h_new, [h_new]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds the output of cell k to cell k+1; the states are a list with
    each cell's states (``RNN([cell1, cell2])`` builds one).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> rnn = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(2)])
    >>> rnn(np.zeros((2, 3, 5), "float32")).shape, rnn.count_params()
    (TensorShape([2, 2]), 208)
    """

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
                raise ValueError(f"All cells must have a `call` method and a `state_size` attribute. Received cell "
                                 f"without one: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self) -> list[Any]:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        return getattr(last, "output_size", last.state_size if not isinstance(last.state_size, (list, tuple))
                       else last.state_size[0])

    def build(self, input_shape: Any) -> None:
        dim = input_shape[-1]
        for cell in self.cells:
            if not cell.built:
                cell._run_build((input_shape[0], dim))
            dim = getattr(cell, "output_size", None) or cell.units
        self.built = True

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        return [_initial_state(c, batch_size) for c in self.cells]

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        x, new_states = inputs, []
        for cell, st in zip(self.cells, states):
            st_list = list(st) if isinstance(st, (list, tuple)) else [st]
            x, ns = _cell_call(cell, x, st_list, training)
            new_states.append(ns)
        return x, new_states

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cells": [_serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> StackedRNNCells:
        config = dict(config)
        config["cells"] = [_deserialize_layer(c) for c in config["cells"]]
        return cls(**config)


def _state_sizes(cell: Any) -> list[int]:
    s = cell.state_size
    return list(s) if isinstance(s, (list, tuple)) else [s]


def _initial_state(cell: Any, batch: int | None) -> Any:
    if isinstance(cell, StackedRNNCells):
        return cell.get_initial_state(batch)
    if hasattr(cell, "get_initial_state"):
        return cell.get_initial_state(batch)
    return [_core.zeros((batch, s)) for s in _state_sizes(cell)]


_ZERO_STATES: dict[tuple[int, int, Any], np.ndarray] = {}


def _zero_states(cell: Any, batch: int) -> list[Any]:
    """The fused LSTM's zero initial ``h`` and ``c``: tensors over one cached read-only ``(batch, units)`` array
    per shape and dtype (the op only reads them; they are never returned), or the cell's own when it defines
    ``get_initial_state`` itself."""
    if type(cell).get_initial_state is not LSTMCell.get_initial_state:
        return list(_initial_state(cell, batch))
    key = (batch, cell.units, cell.dtype)
    z = _ZERO_STATES.get(key)
    if z is None:
        if len(_ZERO_STATES) > 64:
            _ZERO_STATES.clear()
        z = _ZERO_STATES[key] = np.zeros((batch, cell.units), dtype_np(cell.dtype))
        z.flags.writeable = False
    return [make(z, NUMPY), make(z, NUMPY)]


def _cell_call(cell: Any, x: Any, states: list[Any], training: bool) -> tuple[Any, list[Any]]:
    """One step of any cell (a Layer or a custom object with ``call(inputs, states)``)."""
    kwargs = {"training": training} if isinstance(cell, Layer) and cell._call_has_training_arg else {}
    out, new = cell(x, states, **kwargs) if isinstance(cell, Layer) else cell.call(x, states)
    new = list(new) if isinstance(new, (list, tuple)) else [new]
    return out, new


def _serialize_layer(layer: Layer) -> dict[str, Any]:
    from ..saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(layer)


def _deserialize_layer(config: Any) -> Layer:
    if isinstance(config, Layer):
        return config
    from ..saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config)


def _where(mask_t: Any, new: Any, old: Any) -> Any:
    return _indexing.where(mask_t, new, old)


class RNN(Layer):
    """Run a cell over the time axis of ``(batch, time, features)`` inputs (a list of cells is stacked).

    ``call(sequences, initial_state=None, mask=None, training=False)``. The output is the last step's output
    ``(batch, units)`` or, with ``return_sequences``, every step's ``(batch, time, units)``; ``return_state``
    returns a tuple ``(output, *states)``. ``go_backwards`` processes the sequence in reverse and returns the
    outputs in processing order. A mask (``(batch, time)`` booleans, or the one ``Embedding(mask_zero=True)``
    attaches) makes masked steps keep the previous output and states.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> rnn = keras.layers.RNN(keras.layers.SimpleRNNCell(3), return_sequences=True)
    >>> rnn(np.ones((2, 4, 5), "float32")).shape
    TensorShape([2, 4, 3])
    """

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any) -> None:
        kwargs.pop("time_major", None)
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if not hasattr(cell, "state_size"):
            raise ValueError(f"The RNN cell should have a `state_size` attribute. Received: cell={cell}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._states: list[Any] | None = None

    @property
    def states(self) -> Any:
        return self._states

    def reset_states(self) -> None:
        """Zero the carried states of a ``stateful`` layer."""
        self._states = None

    reset_state = reset_states

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        shape = tuple(sequences_shape)
        if len(shape) != 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, "
                             f"found ndim={len(shape)}. Full shape received: {shape}")
        if isinstance(self.cell, Layer) and not self.cell.built:
            with backend.path_scope(self.name):  # also when build() is called directly
                self.cell._run_build((shape[0], shape[-1]))
        self.built = True

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        mask = previous_mask[0] if isinstance(previous_mask, list) else previous_mask
        out = mask if self.return_sequences else None
        if self.return_state:
            n = len(_nest.flatten(_initial_state_sizes(self.cell)))
            return [out] + [None] * n
        return out

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        shape = tuple(sequences_shape)
        units = self._output_units()
        out = (shape[0], shape[1], units) if self.return_sequences else (shape[0], units)
        if not self.return_state:
            return out
        return [out] + [(shape[0], s) for s in _nest.flatten(_initial_state_sizes(self.cell))]

    def _output_units(self) -> int:
        cell = self.cell
        size = getattr(cell, "output_size", None)
        if size is None:
            size = _state_sizes(cell)[0]
        return int(size)

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: bool = False) -> Any:
        x = _t(sequences)
        if x.ndim != 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, "
                             f"found ndim={x.ndim}. Full shape received: {tuple(x.shape)}")
        batch, steps = int(x.shape[0]), int(x.shape[1])
        cell = self.cell
        stacked = isinstance(cell, StackedRNNCells)
        if initial_state is None and self.stateful and self._states is not None:
            initial_state = self._states
        # None: the cell's zero states, made where they are needed (the fused sequence op reads cached zeros)
        states = None if initial_state is None else self._structure_states(initial_state)
        mask_np = None
        if mask is not None:
            m = mask.numpy() if isinstance(mask, _TensorLike) else np.asarray(mask)
            mask_np = m.astype(bool).reshape(batch, steps)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        fast = isinstance(cell, _Cell)
        if fast:
            masks = cell._prepare(batch, int(x.shape[-1]), bool(training))
            if (mask_np is None and masks.recurrent is None and steps and isinstance(cell, LSTMCell)
                    and cell._fused()):
                # the whole sequence as one op (one tape entry, backward through time inside it), time-major
                xs_in = _tiling.reverse(x, [1]) if self.go_backwards else x  # outputs in processing order, as Keras
                if masks.input is not None:
                    xs_in = _arithmetic.multiply(xs_in, _shape_ops.reshape(masks.input, (batch, 1, int(x.shape[2]))))
                h0, c0 = _zero_states(cell, batch) if states is None else states
                hs, cs, last = _rnn.lstm_sequence(xs_in, cell.kernel, cell._input_bias(), h0, c0,
                                                  cell.recurrent_kernel, return_last=True)
                out = _shape_ops.transpose(hs, (1, 0, 2)) if self.return_sequences else last
                keep = self.return_state or self.stateful
                return self._finish(out, [last, cs[-1]] if keep else [], stacked)
            xs = _joining.unstack(cell._project(x, masks), axis=1)
        else:
            xs = _joining.unstack(x, axis=1)
        if states is None:
            states = _initial_state(cell, batch)
        outputs: list[Any] = []
        prev_out = None
        for t in order:
            if fast:
                out, new_states = cell._step(xs[t], states, masks)
            else:
                out, new_states = _cell_call(cell, xs[t], states, bool(training))
            if mask_np is not None:
                mt = _core.constant(mask_np[:, t:t + 1])
                if prev_out is None:
                    prev_out = _core.zeros_like(out)
                out = _where(mt, out, _core.zeros_like(out) if self.zero_output_for_mask else prev_out)
                new_states = _nest.pack_sequence_as(new_states, [
                    _where(mt, n, o) for n, o in zip(_nest.flatten(new_states), _nest.flatten(states))])
                prev_out = out if not self.zero_output_for_mask else _where(mt, out, prev_out)
            outputs.append(out)
            states = new_states
        return self._finish(_joining.stack(outputs, axis=1) if self.return_sequences else outputs[-1], states, stacked)

    def _finish(self, output: Any, states: Any, stacked: bool) -> Any:
        """``output`` (every step's, ``(batch, time, units)``, with ``return_sequences``; else the last step's), the
        final states carried for ``stateful`` and returned with ``return_state``."""
        if self.stateful:
            self._states = _nest.map_structure(lambda s: _core.constant(s.numpy()), states)
        if not self.return_state:
            return output
        if stacked:
            return (output, *states)
        return (output, *_nest.flatten(states))

    def _structure_states(self, initial_state: Any) -> Any:
        flat = [_t(s) for s in _nest.flatten(initial_state)]
        if isinstance(self.cell, StackedRNNCells):
            out, i = [], 0
            for c in self.cell.cells:
                n = len(_state_sizes(c))
                out.append(flat[i:i + n])
                i += n
            return out
        return flat

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cell": _serialize_layer(self.cell),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RNN:
        config = dict(config)
        cell = config.pop("cell")
        return cls(_deserialize_layer(cell), **config)


def _initial_state_sizes(cell: Any) -> Any:
    if isinstance(cell, StackedRNNCells):
        return [_state_sizes(c) for c in cell.cells]
    return _state_sizes(cell)


class _CellLayer(RNN):
    """SimpleRNN/LSTM/GRU: an RNN whose cell is built from the layer's own arguments (cell named like Keras's)."""

    _cell_class: Any = None
    _cell_args: tuple[str, ...] = ()

    def __init__(self, cell_kwargs: dict[str, Any], rnn_kwargs: dict[str, Any], layer_kwargs: dict[str, Any]) -> None:
        cell_name = backend.to_snake_case(self._cell_class.__name__)
        cell = self._cell_class(name=cell_name, dtype=layer_kwargs.get("dtype"),
                                trainable=layer_kwargs.get("trainable", True), **cell_kwargs)
        super().__init__(cell, **rnn_kwargs, **layer_kwargs)
        self.input_spec = InputSpec(ndim=3)

    def __getattr__(self, name: str) -> Any:
        # units, activation, kernel_initializer, …: the cell's (as Keras's properties)
        if name in type(self)._cell_args:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self) -> dict[str, Any]:
        cell_cfg = self.cell.get_config()
        base = {k: v for k, v in RNN.get_config(self).items() if k != "cell"}
        return {**base, **{k: cell_cfg[k] for k in self._cell_args if k in cell_cfg}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


_COMMON = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
           "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
           "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed")


def _split(args: dict[str, Any], cell_names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any],
                                                                        dict[str, Any]]:
    rnn_names = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
    cell = {k: args[k] for k in cell_names if k in args}
    rnn = {k: args[k] for k in rnn_names if k in args}
    layer = dict(args.get("kwargs", {}), activity_regularizer=args.get("activity_regularizer"))
    return cell, rnn, layer


class SimpleRNN(_CellLayer):
    """A fully-connected RNN: ``h_t = tanh(x_t W + h_{t-1} U + b)`` over the time axis.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.SimpleRNN(3)
    >>> layer(np.ones((2, 4, 2), "float32")).shape, layer.count_params()
    (TensorShape([2, 3]), 18)
    """

    _cell_class = SimpleRNNCell
    _cell_args = _COMMON

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*_split(dict(locals()), self._cell_args))


class LSTM(_CellLayer):
    """Long short-term memory over the time axis (gates i, f, c, o; exact sigmoid; forget bias 1).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.LSTM(3)
    >>> layer(np.ones((2, 4, 2), "float32")).shape, layer.count_params()
    (TensorShape([2, 3]), 72)
    """

    _cell_class = LSTMCell
    _cell_args = _COMMON + ("recurrent_activation", "unit_forget_bias")

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, use_cudnn: Any = "auto", **kwargs: Any) -> None:
        super().__init__(*_split(dict(locals()), self._cell_args))
        self.use_cudnn = use_cudnn

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_cudnn": self.use_cudnn}


class GRU(_CellLayer):
    """Gated recurrent unit over the time axis (gates z, r, h; ``reset_after=True`` by default, with a
    ``(2, 3u)`` bias).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.GRU(3)
    >>> layer(np.ones((2, 4, 2), "float32")).shape, layer.count_params()
    (TensorShape([2, 3]), 63)
    """

    _cell_class = GRUCell
    _cell_args = _COMMON + ("recurrent_activation", "reset_after")

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, reset_after: bool = True,
                 use_cudnn: Any = "auto", **kwargs: Any) -> None:
        super().__init__(*_split(dict(locals()), self._cell_args))
        self.use_cudnn = use_cudnn

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_cudnn": self.use_cudnn}


# --------------------------------------------------------------------------------------------------------------
# wrappers


def _clone(layer: Layer, name: str, **overrides: Any) -> Layer:
    """A fresh, unbuilt copy of ``layer`` (same configuration, own weights) named ``name``."""
    config = layer.get_config()
    config.update(overrides, name=name)
    return type(layer).from_config(config)


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy backwards, and merge the outputs (``merge_mode`` ``"concat"``,
    ``"sum"``, ``"mul"``, ``"ave"``, or ``None`` for a list ``[forward, backward]``). The backward outputs
    are re-reversed to line up with the input's time steps. Weights: the forward layer's, then the backward's.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.Bidirectional(keras.layers.LSTM(3))
    >>> layer(np.ones((2, 4, 2), "float32")).shape, layer.count_params()
    (TensorShape([2, 6]), 144)
    """

    def __init__(self, layer: Any, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Any = None, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             "{'sum', 'mul', 'ave', 'concat', None}")
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, "forward_" + layer.name)
        if backward_layer is None:
            self.backward_layer = _clone(layer, "backward_" + layer.name,
                                         go_backwards=not getattr(layer, "go_backwards", False))
        else:
            if not isinstance(backward_layer, Layer):
                raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: "
                                 f"{backward_layer}")
            self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = getattr(layer, "return_sequences", False)
        self.return_state = getattr(layer, "return_state", False)
        self.stateful = getattr(layer, "stateful", False)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._initial_weights = weights

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        shape = tuple(sequences_shape)
        with backend.path_scope(self.name):
            for sub in (self.forward_layer, self.backward_layer):
                if not sub.built:
                    sub._run_build(shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None, training: Any = None) -> Any:
        fw_kwargs: dict[str, Any] = {"training": training}
        bw_kwargs: dict[str, Any] = {"training": training}
        if mask is not None:
            fw_kwargs["mask"] = bw_kwargs["mask"] = mask
        if initial_state is not None:
            flat = list(_nest.flatten(initial_state))
            half = len(flat) // 2
            fw_kwargs["initial_state"], bw_kwargs["initial_state"] = flat[:half], flat[half:]
        fw = self.forward_layer(sequences, **fw_kwargs)
        bw = self.backward_layer(sequences, **bw_kwargs)
        if self.return_state:
            fw, fw_states = fw[0], list(fw[1:])
            bw, bw_states = bw[0], list(bw[1:])
        if self.return_sequences:
            bw = _tiling.reverse(bw, [1])
        if self.merge_mode == "concat":
            out: Any = _joining.concat([fw, bw], axis=-1)
        elif self.merge_mode == "sum":
            out = _arithmetic.add(fw, bw)
        elif self.merge_mode == "ave":
            out = _arithmetic.multiply(_arithmetic.add(fw, bw), 0.5)
        elif self.merge_mode == "mul":
            out = _arithmetic.multiply(fw, bw)
        else:
            out = [fw, bw]
        if self.return_state:
            if self.merge_mode is None:
                return (*out, *fw_states, *bw_states)
            return (out, *fw_states, *bw_states)
        return out

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        mask = previous_mask[0] if isinstance(previous_mask, list) else previous_mask
        out = mask if self.return_sequences else None
        if self.return_state:
            return None
        return [out, out] if self.merge_mode is None else out

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": _serialize_layer(self.forward_layer),
                "backward_layer": _serialize_layer(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Bidirectional:
        config = dict(config)
        layer = _deserialize_layer(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        inner = layer.name.removeprefix("forward_")
        layer.name = inner
        return cls(layer, backward_layer=_deserialize_layer(backward) if backward is not None else None, **config)


class TimeDistributed(Layer):
    """Apply ``layer`` to every time slice of ``(batch, time, ...)`` inputs (one call on ``batch·time`` rows).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.TimeDistributed(keras.layers.Dense(4))
    >>> layer(np.ones((2, 3, 2), "float32")).shape, layer.count_params()
    (TensorShape([2, 3, 4]), 12)
    """

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if len(shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f"dimensions, received: {shape}")
        if not self.layer.built:
            with backend.path_scope(self.name):
                self.layer._run_build((None if shape[0] is None or shape[1] is None else shape[0] * shape[1],
                                       *shape[2:]))
        self.built = True

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        x = _t(inputs)
        if x.ndim < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an input with at least 3 dimensions, "
                             f"received: {tuple(x.shape)}")
        b, t = int(x.shape[0]), int(x.shape[1])
        flat = _shape_ops.reshape(x, (b * t, *[int(d) for d in x.shape[2:]]))
        kwargs = {"training": training} if self.layer._call_has_training_arg else {}
        y = self.layer(flat, **kwargs)
        return _nest.map_structure(lambda o: _shape_ops.reshape(o, (b, t, *[int(d) for d in o.shape[1:]])), y)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        inner = self.layer.compute_output_shape((None, *shape[2:]))
        return (shape[0], shape[1], *tuple(inner)[1:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": _serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TimeDistributed:
        config = dict(config)
        return cls(_deserialize_layer(config.pop("layer")), **config)
