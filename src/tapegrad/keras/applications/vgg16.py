"""``keras.applications.vgg16``: VGG16 (Simonyan & Zisserman, 2014) with Keras's layer names; inputs are scaled with
``preprocess_input`` (``"caffe"`` mode).

>>> from tapegrad import keras
>>> keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
14714688
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/"


def vgg(convs_per_block: tuple[int, ...], include_top: bool, weights: Any, input_tensor: Any, input_shape: Any,
        pooling: Any, classes: int, classifier_activation: Any, name: str, family: str,
        hashes: tuple[str, str]) -> Any:
    """VGG16/VGG19: five blocks of 3×3 ReLU convolutions (64, 128, 256, 512, 512 filters) each ending in 2×2 max
    pooling, then ``flatten``, ``fc1``, ``fc2`` (4096 ReLU units) and ``predictions``."""
    from .. import layers

    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = iu.image_input(input_shape, input_tensor)
    x = img_input
    for block, (filters, n) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        iu.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = iu.top(x, False, pooling, classes, classifier_activation, weights)
    model = iu.build(img_input, input_tensor, x, name)
    fname = f"{family}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return iu.load_weights(model, weights, fname, f"{ORIGIN}{family}/{fname}", hashes[0 if include_top else 1])


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
          pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
          name: str = "vgg16") -> Any:
    """VGG16: 13 convolutions and 3 dense layers (138,357,544 parameters with the top). ``weights=None`` builds it
    untrained; ``"imagenet"`` loads Keras's file from ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL
    when it is not cached) or a path loads that file. ``pooling`` (``"avg"``/``"max"``) applies without the top."""
    return vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name, "vgg16",
               ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"))


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="caffe")``: BGR, ImageNet means subtracted."""
    return iu.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = iu.decode_predictions
