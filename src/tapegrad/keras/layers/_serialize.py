"""``keras.layers.serialize``/``deserialize``: a layer to and from its Keras 3 config (``keras.saving``'s format).

>>> from tapegrad import keras
>>> config = keras.layers.serialize(keras.layers.Dense(3, name="d"))
>>> config["class_name"], type(keras.layers.deserialize(config)).__name__
('Dense', 'Dense')
"""

from __future__ import annotations

from typing import Any

from ..saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from ._base import Layer

__all__ = ["serialize", "deserialize"]


def serialize(layer: Any) -> Any:
    """The config dict Keras 3 writes for ``layer`` (``module``, ``class_name``, ``config``, ``registered_name``)."""
    return serialize_keras_object(layer)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Layer:
    """A new layer from :func:`serialize`'s output; a config of something that is not a layer is a ``ValueError``."""
    obj = deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(f"`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer` (it built a {type(obj).__name__}). Received: {config}")
    return obj
