"""``keras.applications.vgg19``: VGG19 with Keras's layer names; inputs are scaled with ``preprocess_input``
(``"caffe"`` mode).

>>> from tapegrad import keras
>>> keras.applications.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
20024384
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu
from .vgg16 import preprocess_input, vgg

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
          pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
          name: str = "vgg19") -> Any:
    """VGG19: 16 convolutions and 3 dense layers (143,667,240 parameters with the top); arguments as ``VGG16``."""
    return vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name, "vgg19",
               ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"))


decode_predictions = iu.decode_predictions
