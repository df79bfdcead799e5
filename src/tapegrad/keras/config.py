"""``keras.config``: global settings (float type, fuzz factor, image layout, dtype policy, unsafe deserialization,
training caps, logging and traceback switches).

``backend()`` is ``"tapegrad"``, as ``keras.backend.backend()``: code that branches on ``"tensorflow"`` would hand
tapegrad tensors to TensorFlow, so tapegrad does not pretend. ``set_backend`` accepts only ``"tapegrad"``.
``max_epochs``/``max_steps_per_epoch`` cap ``fit``'s epochs and steps; flash attention and traceback filtering are
switches without an effect on tapegrad's computations.

>>> from tapegrad import keras
>>> keras.config.backend(), keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format()
('tapegrad', 'float32', 1e-07, 'channels_last')
>>> keras.config.dtype_policy()
<DTypePolicy "float32">
"""

from __future__ import annotations

from typing import Any

from . import backend as _state
from ._utils_misc import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled
from .backend import epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format
from .dtype_policies import dtype_policy, set_dtype_policy

__all__ = ["backend", "disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
           "dtype_policy", "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
           "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format", "is_flash_attention_enabled",
           "is_interactive_logging_enabled", "is_nnx_enabled", "is_traceback_filtering_enabled", "max_epochs",
           "max_steps_per_epoch", "set_backend", "set_dtype_policy", "set_epsilon", "set_floatx",
           "set_image_data_format", "set_max_epochs", "set_max_steps_per_epoch"]


def backend() -> str:
    """The backend name: ``"tapegrad"``."""
    return _state.backend()


def set_backend(backend: str) -> None:
    """Only ``"tapegrad"`` is available (Keras would reload itself on another framework)."""
    if backend != "tapegrad":
        raise ValueError(f"tapegrad.keras runs on tapegrad only; got backend={backend!r}. Use the real `keras` "
                         "package for other backends.")


def enable_unsafe_deserialization() -> None:
    """Allow loading Python lambdas from saved configs in this thread (``safe_mode=False`` by default)."""
    from .saving import serialization_lib

    serialization_lib._SCOPE.safe_mode = False


def _flag(name: str, default: Any) -> Any:
    return _state._STATE.get(name, default)


def enable_flash_attention() -> None:
    """Record that flash attention is wanted (tapegrad's attention has no flash kernel; values are the same)."""
    _state._STATE["flash_attention"] = True


def disable_flash_attention() -> None:
    """Record that flash attention is not wanted."""
    _state._STATE["flash_attention"] = False


def is_flash_attention_enabled() -> bool | None:
    """``None`` until enabled or disabled (Keras's default: decide automatically)."""
    return _flag("flash_attention", None)


def enable_traceback_filtering() -> None:
    """Keras's switch for shortening tracebacks (tapegrad never filters them)."""
    _state._STATE["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    _state._STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _flag("traceback_filtering", True)


def is_nnx_enabled() -> bool:
    """Flax NNX integration is a JAX-backend feature: always ``False``."""
    return False


def max_epochs() -> int | None:
    """The cap on ``fit``'s epochs (``None``: no cap)."""
    return _flag("max_epochs", None)


def set_max_epochs(max_epochs: int | None) -> None:
    _state._STATE["max_epochs"] = max_epochs


def max_steps_per_epoch() -> int | None:
    """The cap on ``fit``'s steps per epoch (``None``: no cap)."""
    return _flag("max_steps_per_epoch", None)


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    _state._STATE["max_steps_per_epoch"] = max_steps_per_epoch


def training_caps(epochs: int, steps_per_epoch: int | None) -> tuple[int, int | None]:
    """``fit``'s ``epochs`` and ``steps_per_epoch`` after the caps (as Keras 3's trainer applies them)."""
    cap_epochs, cap_steps = max_epochs(), max_steps_per_epoch()
    if cap_epochs:
        epochs = min(epochs, cap_epochs)
    if cap_steps:
        steps_per_epoch = cap_steps if steps_per_epoch is None else min(steps_per_epoch, cap_steps)
    return epochs, steps_per_epoch
