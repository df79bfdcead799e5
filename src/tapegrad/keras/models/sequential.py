"""``keras.Sequential``: a plain stack of layers, each with one input and one output.

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.backend.clear_session()
>>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
>>> [layer.name for layer in model.layers], model(np.zeros((3, 4))).shape, model.count_params()
(['dense', 'dense_1'], TensorShape([3, 2]), 58)
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..layers._base import InputLayer, KerasTensor, Layer
from .model import Functional, Model

__all__ = ["Sequential"]


class Sequential(Model):
    """Layers applied one after the other.

    Give it a ``keras.Input(shape)`` first (or call it once on data) and it is built as a functional graph: its
    ``summary()`` then shows every output shape. Layers can be added with :meth:`add` and removed with :meth:`pop`.
    """

    def __init__(self, layers: list[Any] | None = None, trainable: bool = True, name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)
        self._functional: Functional | None = None
        self._layers: list[Layer] = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._layers:
            self._maybe_rebuild()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or a ``keras.Input`` tensor as the first entry)."""
        if not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            batch = getattr(layer, "_batch_size_arg", None)
            self.add(InputLayer(shape=layer._input_shape_arg, batch_size=batch), rebuild=False)
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            origin = layer._keras_history[0]
            if isinstance(origin, InputLayer):
                layer = origin
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential model. Received: {layer} "
                             f"(of type {type(layer)})")
        if any(existing.name == layer.name and existing is not layer for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name '{layer.name}' "
                             "is already the name of a layer in this model. Update the `name` argument to pass a "
                             "unique name.")
        if isinstance(layer, InputLayer) and self._layers and isinstance(self._layers[0], InputLayer):
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                             f"{self._layers[0].batch_shape}. You cannot add a different Input layer to it.")
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False
            self._functional = None

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        self.built = False
        self._functional = None
        if isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)

    def build(self, input_shape: Any = None) -> None:
        if input_shape is None or not isinstance(input_shape, tuple):
            return
        if not self._layers:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no layers. Call "
                             "`model.add(layer)`.")
        if isinstance(self._layers[0], InputLayer):
            if tuple(self._layers[0].batch_shape) != tuple(input_shape):
                raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                                 f"{self._layers[0].batch_shape}. You cannot build it with input_shape "
                                 f"{input_shape}")
        else:
            self._layers = [InputLayer(batch_shape=input_shape, dtype=self._layers[0].dtype)] + self._layers
        x = inputs = self._layers[0].output
        with backend.path_scope(self.name):
            for layer in self._layers[1:]:
                x = layer(x)
        self._functional = Functional(inputs=inputs, outputs=x)
        self.built = True
        self._build_shapes_dict = {"input_shape": tuple(input_shape)}

    @property
    def layers(self) -> list[Layer]:
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def _tracked_layers(self) -> list[Layer]:
        out: list[Layer] = []
        for layer in self._layers:  # a layer added twice (shared weights) is tracked once
            if all(layer is not seen for seen in out):
                out.append(layer)
        return out

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if self._functional is not None:
            return self._functional.call(inputs, training=training)
        x = inputs
        for layer in self.layers:
            kwargs = {"training": training} if layer._call_has_training_arg and training is not None else {}
            x = layer(x, **kwargs)
        return x

    @property
    def inputs(self) -> list[KerasTensor]:
        return self._functional.inputs if self._functional is not None else []

    @property
    def outputs(self) -> list[KerasTensor]:
        return self._functional.outputs if self._functional is not None else []

    @property
    def input_shape(self) -> Any:
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")
        return self._functional.input_shape

    @property
    def output_shape(self) -> Any:
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape yet.")
        return self._functional.output_shape

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._functional is not None:
            return self._functional.output_shape
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Keras 3's Sequential config: ``name``, ``trainable``, ``dtype``, every layer (the ``InputLayer``
        included) serialized, and ``build_input_shape``."""
        from ..saving import saving_lib

        return saving_lib.sequential_get_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Sequential:
        """Rebuild a Sequential model from :meth:`get_config`'s output (new weights)."""
        from ..saving import saving_lib

        return saving_lib.sequential_from_config(cls, config, custom_objects=custom_objects)
