"""``keras.models``: ``Model`` (subclassed or functional), ``Sequential``, and saving/loading/cloning models."""

from typing import Any

from ._cloning import clone_model, model_from_json
from .model import Functional, Model
from .sequential import Sequential


def save_model(model: Any, filepath: Any, overwrite: bool = True, zipped: bool = True, **kwargs: Any) -> None:
    """``keras.saving.save_model``: write ``model`` as a Keras 3 ``.keras`` file."""
    from ..saving import saving_lib

    return saving_lib.save_model(model, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def load_model(filepath: Any, custom_objects: dict[str, Any] | None = None, compile: bool = True,
               safe_mode: bool = True) -> Any:
    """``keras.saving.load_model``: a model from a Keras 3 ``.keras`` file (tapegrad's or Keras's)."""
    from ..saving import saving_lib

    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Model", "Functional", "Sequential", "save_model", "load_model", "model_from_json", "clone_model"]
