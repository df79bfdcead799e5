"""``keras.applications.efficientnet``: EfficientNetB0–B7 (Tan & Le, 2019) with Keras's layer names, built-in
input scaling (``Rescaling`` and ``Normalization`` layers: the models take 0–255 images, so ``preprocess_input``
returns its input unchanged).

>>> from tapegrad import keras
>>> keras.applications.EfficientNetB0(weights=None, input_shape=(32, 32, 3), classes=10).count_params()
4062381
"""

from __future__ import annotations

import math
from typing import Any

from . import imagenet_utils as iu

__all__ = [f"EfficientNetB{i}" for i in range(8)] + ["decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/keras-applications/"
HASHES = {"b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
          "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
          "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
          "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
          "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
          "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
          "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
          "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a")}
# (kernel, repeats, filters in, filters out, expansion, stride) of the seven stages; squeeze-excite ratio 0.25
STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
          (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))
CONV_INIT = {"class_name": "VarianceScaling",
             "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_INIT = {"class_name": "VarianceScaling",
              "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)
# (width, depth, default size, dropout) of B0..B7
SCALING = {0: (1.0, 1.0, 224, 0.2), 1: (1.0, 1.1, 240, 0.2), 2: (1.1, 1.2, 260, 0.3), 3: (1.2, 1.4, 300, 0.3),
           4: (1.4, 1.8, 380, 0.4), 5: (1.6, 2.2, 456, 0.4), 6: (1.8, 2.6, 528, 0.5), 7: (2.0, 3.1, 600, 0.5)}


def block(inputs: Any, activation: str, drop_rate: float, name: str, filters_in: int, filters_out: int,
          kernel_size: int, strides: int, expand_ratio: int, se_ratio: float = 0.25) -> Any:
    """An MBConv block: 1×1 expansion, depthwise convolution, squeeze-and-excitation, 1×1 projection, and (same
    shape) a residual with stochastic depth (``Dropout`` over whole samples)."""
    from .. import layers

    axis = 3 if iu.data_format() == "channels_last" else 1
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=CONV_INIT,
                          name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=iu.correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="valid" if strides == 2 else "same",
                               use_bias=False, depthwise_initializer=CONV_INIT, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se = layers.Reshape((filters, 1, 1) if axis == 1 else (1, 1, filters), name=f"{name}se_reshape")(se)
        se = layers.Conv2D(max(1, int(filters_in * se_ratio)), 1, padding="same", activation=activation,
                           kernel_initializer=CONV_INIT, name=f"{name}se_reduce")(se)
        se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=CONV_INIT,
                           name=f"{name}se_expand")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, kernel_initializer=CONV_INIT,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=axis, name=f"{name}project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def efficientnet(variant: int, include_top: bool, weights: Any, input_tensor: Any, input_shape: Any, pooling: Any,
                 classes: int, classifier_activation: Any, name: str, drop_connect_rate: float = 0.2,
                 depth_divisor: int = 8, activation: str = "swish") -> Any:
    """EfficientNet-B``variant``: the B0 stages with filters scaled by the width coefficient and repeats by the
    depth coefficient."""
    from .. import layers

    width, depth, default_size, dropout_rate = SCALING[variant]
    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, default_size, 32, include_top, weights)
    img_input = iu.image_input(input_shape, input_tensor)
    axis = 3 if iu.data_format() == "channels_last" else 1

    def round_filters(filters: int) -> int:
        scaled = filters * width
        new = max(depth_divisor, int(scaled + depth_divisor / 2) // depth_divisor * depth_divisor)
        return int(new + depth_divisor if new < 0.9 * scaled else new)

    def round_repeats(repeats: int) -> int:
        return int(math.ceil(depth * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=axis)(x)
    if weights == "imagenet":
        # Keras's published weights expect this extra scaling (the Normalization variance stands in for the std)
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=iu.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False, kernel_initializer=CONV_INIT,
                      name="stem_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    total = float(sum(round_repeats(stage[1]) for stage in STAGES))
    b = 0
    for i, (kernel, repeats, f_in, f_out, expand, stride) in enumerate(STAGES):
        f_in, f_out = round_filters(f_in), round_filters(f_out)
        for j in range(round_repeats(repeats)):
            x = block(x, activation, drop_connect_rate * b / total, f"block{i + 1}{chr(j + 97)}_",
                      f_in if j == 0 else f_out, f_out, kernel, stride if j == 0 else 1, expand)
            b += 1
    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False, kernel_initializer=CONV_INIT,
                      name="top_conv")(x)
    x = layers.BatchNormalization(axis=axis, name="top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        iu.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_INIT,
                         name="predictions")(x)
    else:
        x = iu.top(x, False, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = iu.build(img_input, input_tensor, x, name)
    fname = name + (".h5" if include_top else "_notop.h5")
    return iu.load_weights(model, weights, fname, ORIGIN + fname, HASHES[f"b{variant}"][0 if include_top else 1])


def _variant(i: int) -> Any:
    def build(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
              pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = f"efficientnetb{i}") -> Any:
        return efficientnet(i, include_top, weights, input_tensor, input_shape, pooling, classes,
                            classifier_activation, name)

    width, depth, size, dropout = SCALING[i]
    build.__name__ = build.__qualname__ = f"EfficientNetB{i}"
    build.__doc__ = (f"EfficientNetB{i}: width ×{width}, depth ×{depth}, default input {size}×{size}, top dropout "
                     f"{dropout}. Takes 0–255 images. ``weights=None`` builds it untrained; ``\"imagenet\"`` loads "
                     f"Keras's file from ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL when it is not "
                     f"cached); a path loads that file.")
    return build


EfficientNetB0 = _variant(0)
EfficientNetB1 = _variant(1)
EfficientNetB2 = _variant(2)
EfficientNetB3 = _variant(3)
EfficientNetB4 = _variant(4)
EfficientNetB5 = _variant(5)
EfficientNetB6 = _variant(6)
EfficientNetB7 = _variant(7)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """The identity, as in Keras: EfficientNet models scale their 0–255 input themselves.

    >>> from tapegrad import keras
    >>> keras.applications.efficientnet.preprocess_input([1, 2])
    [1, 2]
    """
    return x


decode_predictions = iu.decode_predictions
