"""``keras.applications.mobilenet``: MobileNet (Howard et al., 2017) with Keras's layer names, ``alpha`` (width)
and ``depth_multiplier``; ``preprocess_input`` uses the ``"tf"`` mode.

>>> from tapegrad import keras
>>> model = keras.applications.MobileNet(weights=None, input_shape=(32, 32, 3), alpha=0.25, classes=10)
>>> model.name, model.count_params()
('mobilenet_0.25_32', 221114)
"""

from __future__ import annotations

import warnings
from typing import Any

from . import imagenet_utils as iu

__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
# (pointwise filters, stride) of the 13 depthwise-separable blocks
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
          (512, 1), (1024, 2), (1024, 1))


def _square_size(input_shape: Any, sizes: tuple[int, ...]) -> int:
    """The default size Keras picks: the input's side when it is square and one of ``sizes``, else 224."""
    if input_shape is None:
        return 224
    rows, cols = (input_shape[1], input_shape[2]) if iu.data_format() == "channels_first" else input_shape[:2]
    return rows if rows == cols and rows in sizes else 224


def _depthwise_block(x: Any, filters: int, alpha: float, depth_multiplier: int, stride: int, block_id: int) -> Any:
    from .. import layers

    axis = iu.channel_axis()
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid", depth_multiplier=depth_multiplier,
                               strides=(stride, stride), use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape: Any = None, alpha: float = 1.0, depth_multiplier: int = 1, dropout: float = 1e-3,
              include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, pooling: Any = None,
              classes: int = 1000, classifier_activation: Any = "softmax", name: str | None = None) -> Any:
    """MobileNet: a 3×3/2 convolution and 13 depthwise-separable blocks (ReLU6), widths scaled by ``alpha``; the
    top is global pooling, dropout and a 1×1 convolution (``conv_preds``). The default name is
    ``mobilenet_{alpha:.2f}_{rows}``. ``weights="imagenet"`` loads Keras's file for ``alpha``/``rows`` from
    ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL when it is not cached)."""
    from .. import layers

    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, _square_size(input_shape, (128, 160, 192, 224)), 32,
                                        include_top, weights)
    rows, cols = (input_shape[1], input_shape[2]) if iu.data_format() == "channels_first" else input_shape[:2]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(f"If imagenet weights are being loaded, depth multiplier must be 1.  Received "
                             f"depth_multiplier={depth_multiplier}")
        if alpha not in (0.25, 0.50, 0.75, 1.0):
            raise ValueError(f"If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, `0.75` or "
                             f"`1.0` only.  Received alpha={alpha}")
        if rows != cols or rows not in (128, 160, 192, 224):
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
    img_input = iu.image_input(input_shape, input_tensor)
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2), name="conv1")(img_input)
    x = layers.BatchNormalization(axis=iu.channel_axis(), name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = _depthwise_block(x, filters, alpha, depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        iu.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = iu.top(x, False, pooling, classes, classifier_activation, weights)
    model = iu.build(img_input, input_tensor, x, name or f"mobilenet_{alpha:0.2f}_{rows}")
    if weights != "imagenet":
        return iu.load_weights(model, weights)
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
    fname = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    return iu.load_weights(model, weights, fname, ORIGIN + fname)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="tf")``: scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
