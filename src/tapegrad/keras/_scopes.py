"""Keras 3's top-level scopes and helpers: ``keras.name_scope``, ``keras.device``, ``keras.version``,
``keras.StatelessScope``, ``keras.SymbolicScope``, ``keras.RematScope`` and ``keras.remat``.

* ``name_scope(name)`` prefixes the paths of the Keras variables and layer weights created inside
  (``"outer/dense/kernel"``) and the op names (``tapegrad.name_scope``), as Keras's TensorFlow backend;
  ``override_parent`` replaces the enclosing path.
* ``device(name)`` is ``tapegrad.device`` (``"cpu:0"``, ``"gpu:1"``, ...; this CPU library places on a CPU).
* ``StatelessScope(state_mapping=None)``: inside, a Keras variable in ``state_mapping`` (pairs of variable and value)
  reads as its mapped value, and ``assign``/``assign_add``/``assign_sub`` record the new value in the scope
  (``scope.get_current_value(v)``) instead of changing the variable; ``add_loss`` inside collects losses when
  ``collect_losses=True``.
* ``SymbolicScope()`` marks symbolic execution (``in_symbolic_scope()``); tapegrad's functional models already
  trace with ``KerasTensor`` objects, so nothing else changes.
* ``RematScope(mode)`` and ``remat(f)``: rematerialization (gradient checkpointing). ``remat`` is
  ``tapegrad.recompute_grad``. A layer *created* inside a ``RematScope`` (Keras 3 reads the mode at construction)
  runs its ``call`` rematerialized: ``"full"`` every layer, ``"list_of_layers"`` those named in ``layer_names``,
  ``"larger_than"`` those whose output (from ``compute_output_shape``) has more than ``output_size_threshold``
  elements, ``"activations"`` only the ``activation`` of layers that have one. Values and gradients are unchanged;
  the backward pass runs the call again instead of keeping its intermediates.

>>> import numpy as np
>>> from tapegrad import keras
>>> with keras.name_scope("encoder"):
...     layer = keras.layers.Dense(2, name="proj")
...     layer.build((None, 3))
>>> layer.kernel.path
'encoder/proj/kernel'
>>> v = keras.Variable(np.ones(2, "float32"))
>>> with keras.StatelessScope(state_mapping=[(v, np.zeros(2, "float32"))]) as scope:
...     _ = v.assign_add(np.full(2, 3.0, "float32"))
...     inside = (v + 1).numpy().tolist()
>>> inside, scope.get_current_value(v).numpy().tolist(), v.numpy().tolist()
([4.0, 4.0], [3.0, 3.0], [1.0, 1.0])
"""

from __future__ import annotations

import functools
import math
import threading
import types
from typing import Any

__all__ = ["RematScope", "StatelessScope", "SymbolicScope", "device", "in_stateless_scope", "in_symbolic_scope",
           "name_scope", "remat", "version"]

_LOCAL = threading.local()
class _Stateless(threading.local):
    scope: Any = None  # the innermost StatelessScope of this thread (every Keras variable read checks it)


STATELESS = _Stateless()


def version() -> str:
    """The Keras version tapegrad.keras follows (``keras.__version__``)."""
    from . import __version__

    return __version__


def device(device_name: Any) -> Any:
    """``with keras.device("cpu:0"): ...`` — tensors created inside are placed there (``tapegrad.device``)."""
    from .. import _device

    return _device.device(device_name.lower() if isinstance(device_name, str) else device_name)


class name_scope:  # noqa: N801 - Keras's name
    """Prefix the paths of variables created inside with ``name`` (and the names of ops, as TF's backend)."""

    def __init__(self, name: str, caller: Any = None, deduplicate: bool = True, override_parent: str | None = None,
                 **kwargs: Any) -> None:
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. Received: "
                             f"name={name}")
        self.name, self.caller, self.deduplicate, self.override_parent = name, caller, deduplicate, override_parent
        self._saved: list[str] | None = None

    def __enter__(self) -> name_scope:
        from .. import name_scope as op_scope
        from . import backend

        stack = backend._scope_stack()
        self._saved = list(stack)
        if self.override_parent is not None:
            stack[:] = [p for p in self.override_parent.split("/") if p]
        if not (self.deduplicate and stack and stack[-1] == self.name):
            stack.append(self.name)
        self._op_scope = op_scope(self.name)
        self._op_scope.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        from . import backend

        self._op_scope.__exit__(*exc)
        backend._scope_stack()[:] = self._saved or []


class StatelessScope:
    """Read Keras variables from ``state_mapping`` and record assignments instead of making them."""

    def __init__(self, state_mapping: Any = None, collect_losses: bool = False,
                 initialize_variables: bool = True) -> None:
        from .variables import Variable

        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses: list[Any] = []
        self.state_mapping: dict[int, tuple[Any, Any]] = {}
        for k, v in state_mapping or []:
            if not isinstance(k, Variable):
                raise ValueError(f"Invalid reference variable in StatelessScope: all keys in argument "
                                 f"`mapping` must be Keras variables. Received instead: {k}")
            self.state_mapping[id(k)] = (k, self._as_value(k, v))

    @staticmethod
    def _as_value(var: Any, value: Any) -> Any:
        from ..ops import core

        t = core.convert_to_tensor(value)
        if tuple(t.shape) != tuple(var.shape):
            raise ValueError(f"Invalid variable value in StatelessScope: all values in argument `mapping` must be "
                             f"tensors with a shape that matches the corresponding variable shape. For variable "
                             f"{var.path}, received invalid value {value} with shape {tuple(t.shape)}.")
        if t.dtype.name != var.dtype:
            t = core.cast(t, var.dtype)
        return t

    def get_current_value(self, variable: Any) -> Any:
        """The value ``variable`` has in this scope (mapped or assigned here), or None."""
        entry = self.state_mapping.get(id(variable))
        return None if entry is None else entry[1]

    def add_update(self, update: tuple[Any, Any]) -> None:
        variable, value = update
        self.state_mapping[id(variable)] = (variable, self._as_value(variable, value))

    def add_loss(self, loss: Any) -> None:
        self.losses.append(loss)

    def __enter__(self) -> StatelessScope:
        from ._autocast import count_scope

        self._previous = STATELESS.scope
        STATELESS.scope = self
        count_scope(1)
        return self

    def __exit__(self, *exc: Any) -> None:
        from ._autocast import count_scope

        STATELESS.scope = self._previous
        count_scope(-1)


def in_stateless_scope() -> bool:
    return STATELESS.scope is not None


def get_stateless_scope() -> StatelessScope | None:
    return STATELESS.scope


class SymbolicScope:
    """Mark the code inside as symbolic execution (``in_symbolic_scope()``)."""

    def __enter__(self) -> SymbolicScope:
        _LOCAL.symbolic = getattr(_LOCAL, "symbolic", 0) + 1
        return self

    def __exit__(self, *exc: Any) -> None:
        _LOCAL.symbolic -= 1


def in_symbolic_scope() -> bool:
    return getattr(_LOCAL, "symbolic", 0) > 0


def remat(f: Any) -> Any:
    """``f`` rematerialized: its intermediates are recomputed in the backward pass (``tapegrad.recompute_grad``).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> x = tf.constant([0.5, 1.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.reduce_sum(keras.remat(lambda t: tf.sin(t) * t)(x))
    >>> np.allclose(tape.gradient(y, x).numpy(), np.cos([0.5, 1.0]) * [0.5, 1.0] + np.sin([0.5, 1.0]))
    True
    """
    from ..custom import recompute_grad

    return recompute_grad(f)


_MODES = ("full", "activations", "larger_than", "list_of_layers", None)


class RematScope:
    """Rematerialize the layers created inside (see the module docstring for the modes)."""

    def __init__(self, mode: str | None = "full", output_size_threshold: int = 1024,
                 layer_names: list[str] | None = None) -> None:
        if mode not in _MODES:
            raise ValueError(f"Invalid mode '{mode}'. Supported modes are: {list(_MODES)}")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self) -> RematScope:
        stack = getattr(_LOCAL, "remat", None)
        if stack is None:
            stack = _LOCAL.remat = []
        stack.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _LOCAL.remat.pop()

    def __repr__(self) -> str:
        return (f"RematMode(mode={self.mode!r}, output_size_threshold={self.output_size_threshold}, "
                f"layer_names={self.layer_names})")


def current_remat_mode() -> RematScope | None:
    stack = getattr(_LOCAL, "remat", None)
    return stack[-1] if stack and stack[-1].mode is not None else None


def capture_remat(layer: Any) -> None:
    """Called as a layer is constructed: inside a RematScope, its ``call`` is wrapped per the scope's mode."""
    if "_remat_mode" in layer.__dict__:  # set at construction only (a later dtype_policy change keeps it)
        return
    mode = current_remat_mode()
    layer.__dict__["_remat_mode"] = mode
    if mode is None:
        return
    bound = types.MethodType(type(layer).call, layer)

    @functools.wraps(bound)
    def call(*args: Any, **kwargs: Any) -> Any:
        return _rematerialized(layer, mode, bound, args, kwargs)

    layer.__dict__["call"] = call


def _rematerialized(layer: Any, mode: RematScope, bound: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    from .._tensor import _TensorLike

    if mode.mode == "full" or (mode.mode == "list_of_layers" and layer.name in mode.layer_names):
        return remat(bound)(*args, **kwargs)
    if mode.mode == "larger_than" and args and isinstance(args[0], _TensorLike):
        try:
            shape = layer.compute_output_shape(tuple(args[0].shape))
        except NotImplementedError:
            shape = None
        if shape is not None:
            shapes = shape if isinstance(shape, list) else [shape]
            size = sum(math.prod(d or 1 for d in s) for s in shapes)
            if size > mode.output_size_threshold:
                return remat(bound)(*args, **kwargs)
    if mode.mode == "activations" and getattr(layer, "activation", None) is not None:
        original = layer.activation
        layer.__dict__["activation"] = remat(original)
        try:
            return bound(*args, **kwargs)
        finally:
            layer.__dict__["activation"] = original
    return bound(*args, **kwargs)
