"""``keras.backend``: float type and fuzz factor, session state (automatic names), the variable path registry.

Keras gives every unnamed object a per-prefix unique name (``dense``, ``dense_1``, …) from a process-wide counter
that :func:`clear_session` resets; tapegrad keeps the same counter so layer and model names match Keras's.

>>> from tapegrad import keras
>>> keras.backend.clear_session()
>>> keras.layers.Dense(2).name, keras.layers.Dense(2).name, keras.layers.Dense(2, name="head").name
('dense', 'dense_1', 'head')
>>> keras.backend.floatx(), keras.backend.epsilon()
('float32', 1e-07)
"""

from __future__ import annotations

import collections
import re
import threading
import weakref
from typing import Any

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "clear_session", "get_uid", "image_data_format",
           "set_image_data_format", "backend"]

_STATE: dict[str, Any] = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_UIDS: collections.defaultdict[str, int] = collections.defaultdict(int)
_LOCAL = threading.local()
# id(variable) -> (weak reference, path): Keras 3 variables carry a ``path`` ("sequential/dense/kernel");
# tapegrad's Variable is slotted, so the path lives here (dropped when the variable is garbage-collected).
_PATHS: dict[int, tuple[weakref.ref, str]] = {}


def backend() -> str:
    """The backend name (always ``"tapegrad"``)."""
    return "tapegrad"


def floatx() -> str:
    """The default float type, ``"float32"``."""
    return _STATE["floatx"]


def set_floatx(value: str) -> None:
    """Set the default float type (``"float16"``, ``"float32"`` or ``"float64"``)."""
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {{'float16', 'float32', 'float64'}}")
    _STATE["floatx"] = str(value)


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (Keras's default ``1e-7``)."""
    return _STATE["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor."""
    _STATE["epsilon"] = float(value)


def image_data_format() -> str:
    """The default ``data_format`` of image layers: ``"channels_last"`` unless set otherwise."""
    return _STATE["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Set the default ``data_format`` (``"channels_last"`` or ``"channels_first"``)."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    _STATE["image_data_format"] = str(data_format)


def clear_session(free_memory: bool = True) -> None:
    """Reset Keras's global state: the automatic-name counters (the next ``Dense`` is ``dense`` again).

    ``free_memory`` is accepted for Keras compatibility (tapegrad holds no backend caches to free).
    """
    _UIDS.clear()
    _STATE.pop("global_seed_generator", None)  # keras.random's, recreated on the next unseeded draw


def to_snake_case(name: str) -> str:
    """Keras's class-name → object-name rule: ``"BatchNormalization"`` → ``"batch_normalization"``.

    >>> to_snake_case("BatchNormalization"), to_snake_case("SGD"), to_snake_case("MyModel")
    ('batch_normalization', 'sgd', 'my_model')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name: str) -> str:
    """``name`` the first time, then ``name_1``, ``name_2``, … (per session)."""
    count = _UIDS[name]
    _UIDS[name] = count + 1
    return name if count == 0 else f"{name}_{count}"


def auto_name(prefix: str) -> str:
    """A unique snake-case name for an object of class ``prefix``."""
    return uniquify(to_snake_case(prefix))


def get_uid(prefix: str = "") -> int:
    """Increment and return the counter of ``prefix`` (``keras.backend.get_uid``)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


# -- name scopes for variable paths --------------------------------------------------------------------------------


def _scope_stack() -> list[str]:
    stack = getattr(_LOCAL, "scopes", None)
    if stack is None:
        stack = _LOCAL.scopes = []
    return stack


class path_scope:  # noqa: N801 - used like a function
    """Context manager: objects created inside get paths prefixed with ``name`` (a layer's build/call)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        stack = _scope_stack()
        # A layer building inside its own scope (build called from __call__) does not repeat its name.
        self._pushed = not (stack and stack[-1] == self.name)
        if self._pushed:
            stack.append(self.name)

    def __exit__(self, *exc: Any) -> None:
        if self._pushed:
            _scope_stack().pop()


def current_path(name: str) -> str:
    """``"outer/inner/name"`` for an object named ``name`` created in the current scopes."""
    return "/".join([*_scope_stack(), name])


def set_variable_path(variable: Any, path: str) -> None:
    key = id(variable)
    _PATHS[key] = (weakref.ref(variable, lambda _r, k=key: _PATHS.pop(k, None)), path)


def variable_path(variable: Any) -> str:
    """The Keras path of a layer/optimizer variable (``"dense/kernel"``), else the variable's ``name``."""
    path = getattr(variable, "_path", None)  # a Keras variable carries its own
    if isinstance(path, str):
        return path
    entry = _PATHS.get(id(variable))
    if entry is not None and entry[0]() is variable:
        return entry[1]
    return str(getattr(variable, "name", "Variable"))


# The tensor functions of tf.keras.backend (K.square, K.sum, K.batch_dot, ...), after the state above that they use.
from ._backend_ops import *  # noqa: E402,F403
from ._backend_ops import __all__ as _ops_all  # noqa: E402

__all__ += _ops_all
from ._backend_legacy import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse, gradients, rnn  # noqa: E402

__all__ += ["ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "gradients", "rnn"]
