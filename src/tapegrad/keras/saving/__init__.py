"""``keras.saving``: Keras 3's model files (``.keras``), weight files (``.weights.h5``) and object serialization.

``save_model``/``load_model`` write and read ``.keras`` archives that Keras 3 reads and writes (config, compile
config, weights and optimizer state); ``register_keras_serializable``, ``custom_objects`` and
``serialize_keras_object``/``deserialize_keras_object`` let custom layers and models take part. The HDF5 weights
need ``h5py`` (``pip install "tapegrad[keras-io]"``); see docs/keras.md, "Saving and loading".

>>> import os, tempfile
>>> import numpy as np
>>> from tapegrad import keras
>>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
>>> model.compile(optimizer="adam", loss="mse")
>>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
>>> keras.saving.save_model(model, path)
>>> restored = keras.saving.load_model(path)
>>> [layer.name for layer in restored.layers], type(restored.optimizer).__name__
(['dense', 'dense_1'], 'Adam')
"""

from .saving_lib import load_model, load_weights, save_model, save_weights
from .serialization_lib import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "register_keras_serializable",
           "get_registered_object", "get_registered_name", "get_custom_objects", "custom_object_scope",
           "CustomObjectScope", "serialize_keras_object", "deserialize_keras_object"]
