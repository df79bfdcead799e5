"""``tf.nn.RNNCellResidualWrapper``, ``tf.nn.RNNCellDeviceWrapper`` and ``tf.nn.RNNCellDropoutWrapper``: Keras RNN
cells wrapped as TF 2.21's legacy wrappers do (the wrapper is itself a cell: ``state_size``/``output_size`` and
weights are the cell's).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ... import nest
from ...ops import arithmetic
from ._base import Layer
from .recurrent import _cell_call, _initial_state


class _CellWrapper(Layer):
    """A cell around a cell: builds it, exposes its sizes and initial state, and calls it in :meth:`call`."""

    def __init__(self, cell: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
            raise TypeError(f"{type(self).__name__}: the wrapped cell needs a `call` method and a `state_size`, got "
                            f"{cell!r}.")
        self.cell = cell

    @property
    def state_size(self) -> Any:
        return self.cell.state_size

    @property
    def output_size(self) -> Any:
        return self.cell.output_size

    def build(self, input_shape: Any) -> None:
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._run_build(input_shape)
        self.built = True

    def get_initial_state(self, batch_size: int | None = None) -> Any:
        return _initial_state(self.cell, batch_size)

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        st = list(states) if isinstance(states, (list, tuple)) else [states]
        return _cell_call(self.cell, inputs, st, training)


class RNNCellResidualWrapper(_CellWrapper):
    """A cell whose output is ``residual_fn(inputs, cell_output)`` (default ``inputs + cell_output``, structures
    and shapes equal); the states are the cell's.

    >>> import tapegrad as tf
    >>> cell = tf.nn.RNNCellResidualWrapper(tf.keras.layers.SimpleRNNCell(3, kernel_initializer="zeros"))
    >>> out, state = cell(tf.ones([2, 3]), [tf.zeros([2, 3])])
    >>> out.numpy().tolist()[0], state[0].numpy().tolist()[0]
    ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    """

    def __init__(self, cell: Any, residual_fn: Any = None, **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        self.residual_fn = residual_fn

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        outputs, new_states = super().call(inputs, states, training)
        if self.residual_fn is not None:
            return self.residual_fn(inputs, outputs), new_states
        nest.assert_same_structure(inputs, outputs)

        def add(i: Any, o: Any) -> Any:
            if tuple(i.shape) != tuple(o.shape):
                raise ValueError(f"RNNCellResidualWrapper: the cell's output shape {list(o.shape)} differs from its "
                                 f"input shape {list(i.shape)}; the residual needs them equal (or a residual_fn).")
            return arithmetic.add(i, o)

        return nest.map_structure(add, inputs, outputs), new_states


class RNNCellDeviceWrapper(_CellWrapper):
    """A cell run "on ``device``": tapegrad runs on the host, so the device string is only recorded (and checked
    to be a string); values are the cell's.

    >>> import tapegrad as tf
    >>> cell = tf.nn.RNNCellDeviceWrapper(tf.keras.layers.GRUCell(2), "/cpu:0")
    >>> cell(tf.ones([1, 4]), [tf.zeros([1, 2])])[0].shape
    TensorShape([1, 2])
    """

    def __init__(self, cell: Any, device: str, **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        if not isinstance(device, str):
            raise TypeError(f"RNNCellDeviceWrapper: device must be a string such as '/cpu:0', got {device!r}.")
        self.device = device


class RNNCellDropoutWrapper(_CellWrapper):
    """Dropout on a cell's inputs, new states and outputs at every call (TF's legacy ``DropoutWrapper``: keep
    probabilities, not rates; applied whether or not training). With ``seed`` each dropout is ``tf.nn.dropout``
    with TF's salted seed (``md5(f"{seed}{input|state|output}_{i}")``), so under ``tf.random.set_seed`` the masks
    are TF's. ``variational_recurrent=True`` draws one noise per input/state/output at construction (``dtype``
    required; ``input_size`` too when inputs are dropped) and uses it at every step.
    ``dropout_state_filter_visitor(state) -> bool`` picks the state parts to drop (default: all).

    >>> import tapegrad as tf
    >>> inner = tf.keras.layers.SimpleRNNCell(3, kernel_initializer="ones", recurrent_initializer="zeros")
    >>> cell = tf.nn.RNNCellDropoutWrapper(inner, output_keep_prob=0.5, seed=1)
    >>> out, _ = cell(tf.ones([2, 2]), [tf.zeros([2, 3])])
    >>> sorted({round(v, 4) for v in out.numpy().ravel().tolist()})  # tanh(2) / 0.5 kept, 0 dropped
    [0.0, 1.9281]
    """

    def __init__(self, cell: Any, input_keep_prob: Any = 1.0, output_keep_prob: Any = 1.0,
                 state_keep_prob: Any = 1.0, variational_recurrent: bool = False, input_size: Any = None,
                 dtype: Any = None, seed: int | None = None, dropout_state_filter_visitor: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(dropout_state_filter_visitor):
            raise TypeError("dropout_state_filter_visitor must be callable")
        self._dropout_state_filter = dropout_state_filter_visitor or (lambda substate: True)
        for prob, attr in ((input_keep_prob, "input_keep_prob"), (state_keep_prob, "state_keep_prob"),
                           (output_keep_prob, "output_keep_prob")):
            value = float(prob.numpy() if hasattr(prob, "numpy") else prob)
            if not 0 <= value <= 1:
                raise ValueError(f"Parameter {attr} must be between 0 and 1: {value:g}")
            setattr(self, f"_{attr}", value)
        self._variational_recurrent, self._input_size, self._seed = variational_recurrent, input_size, seed
        self._noise: dict[str, list[Any]] = {}
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            from ... import random as tg_random

            def noise(sizes: Any, salt: str) -> list[Any]:
                return [tg_random.uniform([1, *([s] if isinstance(s, int) else list(s))], dtype=dtype,
                                          seed=self._gen_seed(salt, i))
                        for i, s in enumerate(nest.flatten(sizes))]

            if self._input_keep_prob < 1.0:
                if input_size is None:
                    raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, "
                                     "input_size must be provided")
                self._noise["input"] = noise(input_size, "input")
            self._noise["state"] = noise(cell.state_size, "state")
            self._noise["output"] = noise(cell.output_size, "output")

    def _gen_seed(self, salt_prefix: str, index: int) -> int | None:
        """TF's per-dropout seed: the first 8 hex digits of ``md5(f"{seed}{salt_prefix}_{index}")``, 31 bits."""
        if self._seed is None:
            return None
        digest = hashlib.md5(f"{self._seed}{salt_prefix}_{index}".encode()).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    @property
    def wrapped_cell(self) -> Any:
        return self.cell

    def _dropout(self, values: Any, salt: str, keep_prob: float, keep: Any = None) -> Any:
        import tapegrad as tg

        leaves = nest.flatten(values)
        chosen = [True] * len(leaves) if keep is None else nest.flatten(keep)
        noise = self._noise.get(salt)
        out = []
        for i, (v, do) in enumerate(zip(leaves, chosen)):
            if not do:
                out.append(v)
            elif noise is not None:  # variational: the same noise at every step
                binary = tg.floor(keep_prob + noise[i])
                out.append(arithmetic.multiply(arithmetic.divide(v, keep_prob), binary))
            else:
                out.append(tg.nn.dropout(v, rate=1.0 - keep_prob, seed=self._gen_seed(salt, i)))
        return nest.pack_sequence_as(values, out)

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        if self._input_keep_prob < 1:
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_states = super().call(inputs, states, training)
        if self._state_keep_prob < 1:
            keep = [bool(self._dropout_state_filter(s)) for s in nest.flatten(new_states)]
            new_states = self._dropout(new_states, "state", self._state_keep_prob, keep)
        if self._output_keep_prob < 1:
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_states
