"""``keras.applications.resnet_v2``: ResNet50V2/101V2/152V2 (pre-activation ResNets, He et al., 2016) with Keras's
layer names; ``preprocess_input`` uses the ``"tf"`` mode.

>>> from tapegrad import keras
>>> keras.applications.ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
(None, 1, 1, 2048)
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu
from .resnet import resnet

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "decode_predictions", "preprocess_input"]


def ResNet50V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
               input_shape: Any = None, pooling: Any = None, classes: int = 1000,
               classifier_activation: Any = "softmax", name: str = "resnet50v2") -> Any:
    """ResNet50V2 (stages of 3, 4, 6, 3 pre-activation blocks); arguments as ``ResNet50``."""
    return resnet((3, 4, 6, 3), True, "resnet50v2", include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name)


def ResNet101V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "resnet101v2") -> Any:
    """ResNet101V2 (stages of 3, 4, 23, 3 pre-activation blocks); arguments as ``ResNet50``."""
    return resnet((3, 4, 23, 3), True, "resnet101v2", include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name)


def ResNet152V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "resnet152v2") -> Any:
    """ResNet152V2 (stages of 3, 8, 36, 3 pre-activation blocks); arguments as ``ResNet50``."""
    return resnet((3, 8, 36, 3), True, "resnet152v2", include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="tf")``: scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
