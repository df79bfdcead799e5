"""``keras.applications``: Keras's ImageNet architectures with Keras's layer names, parameter counts and shapes,
and each family's ``preprocess_input``/``decode_predictions``.

``weights=None`` builds an untrained model. ``weights="imagenet"`` reads Keras's published weights file from
``$KERAS_HOME/models`` (default ``~/.keras/models``) — tapegrad never downloads, so a file that is not cached
raises ``ConnectionError`` naming its URL and the path to put it at; a path loads that file (Keras 2 ``.h5``
weight files are read by layer order, as Keras does). Families: VGG16/19, ResNet50/101/152 and their V2s,
MobileNet, MobileNetV2, DenseNet121/169/201, EfficientNetB0–B7, Xception, InceptionV3.

>>> from tapegrad import keras
>>> model = keras.applications.MobileNetV2(weights=None, input_shape=(64, 64, 3), include_top=False, pooling="avg")
>>> model.output_shape, len(model.layers)
((None, 1280), 155)
"""

from __future__ import annotations

import importlib
from typing import Any

_MODELS = {"VGG16": "vgg16", "VGG19": "vgg19", "ResNet50": "resnet", "ResNet101": "resnet", "ResNet152": "resnet",
           "ResNet50V2": "resnet_v2", "ResNet101V2": "resnet_v2", "ResNet152V2": "resnet_v2",
           "MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2", "DenseNet121": "densenet",
           "DenseNet169": "densenet", "DenseNet201": "densenet", "Xception": "xception", "InceptionV3": "inception_v3",
           **{f"EfficientNetB{i}": "efficientnet" for i in range(8)}}
_MODULES = ("densenet", "efficientnet", "imagenet_utils", "inception_v3", "mobilenet", "mobilenet_v2", "resnet",
            "resnet50", "resnet_v2", "vgg16", "vgg19", "xception")

__all__ = sorted(_MODELS) + list(_MODULES)


def __getattr__(name: str) -> Any:
    # each family module is imported on first use
    if name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
    elif name in _MODELS:
        module = getattr(importlib.import_module(f"{__name__}.{_MODELS[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = module
    return module
