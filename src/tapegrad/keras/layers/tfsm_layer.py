"""``keras.layers.TFSMLayer``: a SavedModel artifact (``model.export``, ``ExportArchive``, ``tf.saved_model.save``)
used as a Keras layer, for inference or fine-tuning in a process without the model's code.

>>> import os, tempfile
>>> import numpy as np
>>> from tapegrad import keras
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
>>> path = os.path.join(tempfile.mkdtemp(), "artifact")
>>> model.export(path, verbose=False)
>>> layer = keras.layers.TFSMLayer(path, call_endpoint="serve")
>>> x = np.ones((4, 3), "float32")
>>> np.allclose(layer(x).numpy(), model(x).numpy()), len(layer.trainable_weights)
(True, 2)
"""

from __future__ import annotations

import os
from typing import Any

from ._base import Layer

__all__ = ["TFSMLayer"]


class TFSMLayer(Layer):
    """Reload the SavedModel at ``filepath`` and call its endpoint ``call_endpoint`` (an attribute of the artifact
    or a key of its ``signatures``); with ``call_training_endpoint``, ``training=True`` calls that one. The
    artifact's variables become the layer's weights (trainable ones only when ``trainable=True``), so the layer
    fine-tunes with ``fit`` or a ``GradientTape``.
    """

    def __init__(self, filepath: Any, call_endpoint: str = "serve", call_training_endpoint: str | None = None,
                 trainable: bool = True, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        from ... import saved_model
        from ..variables import Variable as KerasVariable

        self.filepath = os.fspath(filepath)
        self.call_endpoint = call_endpoint
        self.call_training_endpoint = call_training_endpoint
        reloaded = saved_model.load(self.filepath)
        self._reloaded_obj = reloaded
        self.call_endpoint_fn = self._endpoint(reloaded, call_endpoint)
        self.call_training_endpoint_fn = (self._endpoint(reloaded, call_training_endpoint)
                                          if call_training_endpoint else None)
        trainable_vars = list(getattr(reloaded, "trainable_variables", None) or [])
        non_trainable = list(getattr(reloaded, "non_trainable_variables", None) or [])
        if not trainable_vars and not non_trainable:
            every = list(getattr(reloaded, "variables", None) or [])
            trainable_vars = [v for v in every if v.trainable]
            non_trainable = [v for v in every if not v.trainable]
        for v in trainable_vars:
            w = KerasVariable._wrap(v, v.name.split(":")[0], f"{self.name}/{v.name.split(':')[0]}")
            (self._trainable_variables if trainable else self._non_trainable_variables).append(w)
        for v in non_trainable:
            self._non_trainable_variables.append(
                KerasVariable._wrap(v, v.name.split(":")[0], f"{self.name}/{v.name.split(':')[0]}"))
        self.built = True

    @staticmethod
    def _endpoint(reloaded: Any, name: str) -> Any:
        fn = reloaded.__dict__.get(name)
        if fn is not None and callable(fn):
            return fn
        signatures = getattr(reloaded, "signatures", {}) or {}
        if name in signatures:
            return signatures[name]
        endpoints = sorted(k for k, v in reloaded.__dict__.items() if callable(v) and not k.startswith("_"))
        raise ValueError(f"The endpoint '{name}' is neither an attribute of the reloaded SavedModel, nor an entry in "
                         f"the `signatures` field of the reloaded SavedModel. Select another endpoint via the "
                         f"`call_endpoint` argument. Available endpoints for this SavedModel: {endpoints}; "
                         f"signatures: {sorted(signatures)}")

    def call(self, inputs: Any, training: bool = False, **kwargs: Any) -> Any:
        fn = self.call_training_endpoint_fn if training and self.call_training_endpoint_fn is not None \
            else self.call_endpoint_fn
        return fn(inputs, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"filepath": self.filepath, "call_endpoint": self.call_endpoint,
                       "call_training_endpoint": self.call_training_endpoint})
        return config
