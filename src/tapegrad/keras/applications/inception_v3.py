"""``keras.applications.inception_v3``: Inception-v3 (Szegedy et al., 2015) with Keras's layer names (the mixed
blocks ``mixed0``…``mixed10``; the rest automatically named, in Keras's creation order); inputs at least 75×75
(default 299×299); ``preprocess_input`` uses the ``"tf"`` mode.

>>> from tapegrad import keras
>>> keras.applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3)).output_shape
(None, 1, 1, 2048)
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu

__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"


def conv2d_bn(x: Any, filters: int, rows: int, cols: int, padding: str = "same", strides: tuple[int, int] = (1, 1),
              name: str | None = None) -> Any:
    """A bias-free convolution, batch normalization without scale, ReLU."""
    from .. import layers

    x = layers.Conv2D(filters, (rows, cols), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=1 if iu.data_format() == "channels_first" else 3, scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x: Any, specs: tuple[tuple[int, int, int], ...]) -> Any:
    """``conv2d_bn`` applied for each ``(filters, rows, cols)`` in turn."""
    for filters, rows, cols in specs:
        x = conv2d_bn(x, filters, rows, cols)
    return x


def _avg_pool_branch(x: Any, filters: int) -> Any:
    from .. import layers

    return conv2d_bn(layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x), filters, 1, 1)


def InceptionV3(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "inception_v3") -> Any:
    """Inception-v3: a five-convolution stem, three 35×35 blocks (``mixed0``–``mixed2``), a reduction
    (``mixed3``), four 17×17 blocks with factorized 7×7 convolutions (``mixed4``–``mixed7``), a reduction
    (``mixed8``) and two 8×8 blocks (``mixed9``, ``mixed10``). ``weights=None`` builds it untrained;
    ``"imagenet"`` loads Keras's file from ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL when it is
    not cached); a path loads that file."""
    from .. import layers

    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, 299, 75, include_top, weights)
    img_input = iu.image_input(input_shape, input_tensor)
    axis = 1 if iu.data_format() == "channels_first" else 3

    def cat(branches: list[Any], name: str | None) -> Any:
        return layers.concatenate(branches, axis=axis, name=name)

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):  # 35x35
        b1 = conv2d_bn(x, 64, 1, 1)
        b5 = _chain(x, ((48, 1, 1), (64, 5, 5)))
        b3 = _chain(x, ((64, 1, 1), (96, 3, 3), (96, 3, 3)))
        x = cat([b1, b5, b3, _avg_pool_branch(x, pool_filters)], f"mixed{i}")
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")  # 35 -> 17
    b3d = _chain(x, ((64, 1, 1), (96, 3, 3)))
    b3d = conv2d_bn(b3d, 96, 3, 3, strides=(2, 2), padding="valid")
    x = cat([b3, b3d, layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed3")
    for i, width in enumerate((128, 160, 160, 192)):  # 17x17
        b1 = conv2d_bn(x, 192, 1, 1)
        b7 = _chain(x, ((width, 1, 1), (width, 1, 7), (192, 7, 1)))
        b7d = _chain(x, ((width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)))
        x = cat([b1, b7, b7d, _avg_pool_branch(x, 192)], f"mixed{4 + i}")
    b3 = _chain(x, ((192, 1, 1),))  # 17 -> 8
    b3 = conv2d_bn(b3, 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = _chain(x, ((192, 1, 1), (192, 1, 7), (192, 7, 1)))
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    x = cat([b3, b7, layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], "mixed8")
    for i in range(2):  # 8x8
        b1 = conv2d_bn(x, 320, 1, 1)
        b3 = conv2d_bn(x, 384, 1, 1)
        b3 = cat([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)], f"mixed9_{i}")
        b3d = _chain(x, ((448, 1, 1), (384, 3, 3)))
        b3d = cat([conv2d_bn(b3d, 384, 1, 3), conv2d_bn(b3d, 384, 3, 1)], None)
        x = cat([b1, b3, b3d, _avg_pool_branch(x, 192)], f"mixed{9 + i}")
    x = iu.top(x, include_top, pooling, classes, classifier_activation, weights,
               avg_name="avg_pool" if include_top else None)
    model = iu.build(img_input, input_tensor, x, name)
    fname = f"inception_v3_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return iu.load_weights(model, weights, fname, ORIGIN + fname,
                           "9a0d58056eeedaa3f26cb7ebd46da564" if include_top else "bcbd6486424b2319ff4ef7d526e38f63")


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="tf")``: scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
