"""``keras.models``: ``Model`` (subclassed or functional), ``Sequential``, and saving/loading/cloning models."""

from ._cloning import clone_model, model_from_json
from .model import Functional, Model
from .sequential import Sequential


def save_model(model, filepath, overwrite=True, zipped=True, **kwargs):  # noqa: ANN001, ANN201
    """``keras.saving.save_model``: write ``model`` as a Keras 3 ``.keras`` file."""
    from ..saving import saving_lib

    return saving_lib.save_model(model, filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: ANN001, ANN201
    """``keras.saving.load_model``: a model from a Keras 3 ``.keras`` file (tapegrad's or Keras's)."""
    from ..saving import saving_lib

    return saving_lib.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Model", "Functional", "Sequential", "save_model", "load_model", "model_from_json", "clone_model"]
