"""``keras.models.clone_model`` and ``model_from_json``.

>>> import numpy as np
>>> from tapegrad import keras
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
>>> twin = keras.models.clone_model(model)
>>> [l.name for l in twin.layers] == [l.name for l in model.layers], twin.count_params()
(True, 8)
>>> bool(np.array_equal(twin.layers[0].kernel.numpy(), model.layers[0].kernel.numpy()))
False
>>> again = keras.models.model_from_json(model.to_json())
>>> type(again).__name__, again.count_params()
('Sequential', 8)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["clone_model", "model_from_json"]


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """A model (new weights) from the JSON of ``model.to_json()`` — tapegrad's or Keras 3's."""
    from ..saving import serialization_lib

    return serialization_lib.deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


def _default_clone(layer: Any) -> Any:
    from ..saving import serialization_lib

    config = serialization_lib.serialize_keras_object(layer)  # the full config (regularizers, constraints)
    config.pop("build_config", None)
    return serialization_lib.deserialize_keras_object(config)


def clone_model(model: Any, input_tensors: Any = None, clone_function: Callable[[Any], Any] | None = None,
                call_function: Any = None, recursive: bool = False, **kwargs: Any) -> Any:
    """A new model with ``model``'s architecture and freshly initialised weights (Keras 3's ``clone_model``).

    Each layer of a Sequential or functional model is remade by ``clone_function(layer)`` (default: the
    layer rebuilt from its serialized config); a subclassed model is remade from its config.
    ``input_tensors`` and ``call_function`` are not supported (``ValueError``).
    """
    from ..layers import InputLayer
    from ..saving import saving_lib, serialization_lib
    from . import Functional, Sequential

    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError("tapegrad's clone_model supports `clone_function` and `recursive` only (`input_tensors`, "
                         "`call_function` and other arguments are not implemented).")
    clone = clone_function or _default_clone

    def remake(layer: Any) -> Any:
        if isinstance(layer, InputLayer):
            return InputLayer.from_config(layer.get_config())
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, recursive=True)
        return clone(layer)

    if isinstance(model, Sequential):
        by_position = list(model._layers)
        position = iter(by_position)
        return saving_lib.sequential_from_config(type(model), model.get_config(),
                                                 make_layer=lambda _config: remake(next(position)))
    if isinstance(model, Functional):
        by_name = {layer.name: layer for layer in model.layers}
        return saving_lib.functional_from_config(type(model), model.get_config(),
                                                 make_layer=lambda config: remake(by_name[config["name"]]))
    config = serialization_lib.serialize_keras_object(model)
    config.pop("compile_config", None)
    return serialization_lib.deserialize_keras_object(config)
