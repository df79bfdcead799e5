"""``keras.applications.xception``: Xception (Chollet, 2016) with Keras's layer names; inputs at least 71×71
(default 299×299); ``preprocess_input`` uses the ``"tf"`` mode.

>>> from tapegrad import keras
>>> keras.applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3)).output_shape
(None, 3, 3, 2048)
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu

__all__ = ["Xception", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"


def _sep(x: Any, filters: int, name: str, act_first: str | None = None) -> Any:
    """(ReLU named ``act_first``,) a 3×3 separable convolution and its batch normalization."""
    from .. import layers

    if act_first:
        x = layers.Activation("relu", name=act_first)(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=iu.channel_axis(), name=f"{name}_bn")(x)


def _residual(x: Any, filters: int) -> Any:
    from .. import layers

    r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=iu.channel_axis())(r)


def Xception(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
             pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "xception") -> Any:
    """Xception: entry flow (two convolutions, three downsampling separable blocks with 1×1 residuals), eight
    middle blocks of three 728-filter separable convolutions, exit flow to 2048 channels. ``weights=None`` builds
    it untrained; ``"imagenet"`` loads Keras's file from ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL
    when it is not cached); a path loads that file."""
    from .. import layers

    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, 299, 71, include_top, weights)
    img_input = iu.image_input(input_shape, input_tensor)
    axis = iu.channel_axis()
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.Activation("relu", name="block1_conv1_act")(layers.BatchNormalization(axis=axis,
                                                                                     name="block1_conv1_bn")(x))
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(layers.BatchNormalization(axis=axis,
                                                                                     name="block1_conv2_bn")(x))
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        residual = _residual(x, filters)
        # block 2 starts from the stem's activation; its first ReLU is named after the second convolution
        x = _sep(x, filters, f"block{block}_sepconv1", None if block == 2 else f"block{block}_sepconv1_act")
        x = _sep(x, filters, f"block{block}_sepconv2", f"block{block}_sepconv2_act")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
        x = layers.add([x, residual])
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = _sep(x, 728, f"block{block}_sepconv{i}", f"block{block}_sepconv{i}_act")
        x = layers.add([x, residual])
    residual = _residual(x, 1024)
    x = _sep(x, 728, "block13_sepconv1", "block13_sepconv1_act")
    x = _sep(x, 1024, "block13_sepconv2", "block13_sepconv2_act")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])
    x = layers.Activation("relu", name="block14_sepconv1_act")(_sep(x, 1536, "block14_sepconv1"))
    x = layers.Activation("relu", name="block14_sepconv2_act")(_sep(x, 2048, "block14_sepconv2"))
    x = iu.top(x, include_top, pooling, classes, classifier_activation, weights, avg_name="avg_pool"
               if include_top else None)
    model = iu.build(img_input, input_tensor, x, name)
    fname = f"xception_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return iu.load_weights(model, weights, fname, ORIGIN + fname,
                           "0a58e3b7378bc2990ea3b43d5981f1f6" if include_top else "b0042744bf5b25fce3cb969f33bebb97")


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="tf")``: scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
