"""``keras.applications.mobilenet_v2``: MobileNetV2 (Sandler et al., 2018) with Keras's layer names and ``alpha``;
``preprocess_input`` uses the ``"tf"`` mode.

>>> from tapegrad import keras
>>> model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=10)
>>> model.name, model.count_params()
('mobilenetv2_0.35_32', 423018)
"""

from __future__ import annotations

import warnings
from typing import Any

from . import imagenet_utils as iu
from .mobilenet import _square_size

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
# (filters, stride, expansion) of the 17 inverted residual blocks
BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
          (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
          (320, 1, 6))


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """``v`` rounded to a multiple of ``divisor`` (at least ``min_value``), never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn(name: str) -> Any:
    from .. import layers

    return layers.BatchNormalization(axis=iu.channel_axis(), epsilon=1e-3, momentum=0.999, name=name)


def _inverted_block(inputs: Any, expansion: int, stride: int, alpha: float, filters: int, block_id: int) -> Any:
    from .. import layers

    in_channels = inputs.shape[iu.channel_axis()]
    pointwise = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False, activation=None,
                          name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(_bn(f"{prefix}expand_BN")(x))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=iu.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(_bn(f"{prefix}depthwise_BN")(x))
    x = layers.Conv2D(pointwise, kernel_size=1, padding="same", use_bias=False, activation=None,
                      name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == pointwise and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape: Any = None, alpha: float = 1.0, include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str | None = None) -> Any:
    """MobileNetV2: a 3×3/2 convolution, 17 inverted residual blocks (ReLU6, linear bottlenecks) and a 1×1
    convolution to 1280 channels; widths scaled by ``alpha``. The default name is
    ``mobilenetv2_{alpha:.2f}_{rows}``. ``weights="imagenet"`` loads Keras's file for ``alpha``/``rows`` from
    ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL when it is not cached)."""
    from .. import layers

    iu.check_weights(weights, include_top, classes)
    if input_shape is None and input_tensor is not None and tuple(input_tensor.shape)[1:3] != (None, None):
        side = tuple(input_tensor.shape)[2:4] if iu.data_format() == "channels_first" else \
            tuple(input_tensor.shape)[1:3]
        default_size = side[0] if side[0] == side[1] and side[0] in (96, 128, 160, 192, 224) else 224
    else:
        default_size = _square_size(input_shape, (96, 128, 160, 192, 224))
    input_shape = iu.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    rows, cols = (input_shape[1], input_shape[2]) if iu.data_format() == "channels_first" else input_shape[:2]
    if weights == "imagenet":
        if alpha not in (0.35, 0.50, 0.75, 1.0, 1.3, 1.4):
            raise ValueError(f"If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, `0.75`, "
                             f"`1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
        if rows != cols or rows not in (96, 128, 160, 192, 224):
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [96, 128, 160, 192, 224]. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
    img_input = iu.image_input(input_shape, input_tensor)
    x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv1")(img_input)
    x = layers.ReLU(6.0, name="Conv1_relu")(_bn("bn_Conv1")(x))
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion, block_id=block_id)
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_bn("Conv_1_bn")(x))
    x = iu.top(x, include_top, pooling, classes, classifier_activation, weights)
    model = iu.build(img_input, input_tensor, x, name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    if weights != "imagenet":
        return iu.load_weights(model, weights)
    fname = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
             f"{'' if include_top else '_no_top'}.h5")
    return iu.load_weights(model, weights, fname, ORIGIN + fname)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="tf")``: scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
