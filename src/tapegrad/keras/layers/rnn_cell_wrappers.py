"""``tf.nn.RNNCellResidualWrapper`` and ``tf.nn.RNNCellDeviceWrapper``: Keras RNN cells wrapped as TF 2.21's
legacy wrappers do (the wrapper is itself a cell: ``state_size``/``output_size`` and weights are the cell's).
``RNNCellDropoutWrapper`` is not provided (its seeded masks follow TF's per-wrapper salted seeds; see docs/nn_ext.md).
"""

from __future__ import annotations

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
