"""``keras.applications.densenet``: DenseNet121/169/201 (Huang et al., 2016) with Keras's layer names;
``preprocess_input`` uses the ``"torch"`` mode.

>>> from tapegrad import keras
>>> keras.applications.DenseNet121(weights=None, input_shape=(32, 32, 3), classes=10).count_params()
7047754
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
HASHES = {(6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
          (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
          (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1")}
EPS = 1.001e-5


def _bn_relu(x: Any, name: str, bn: str = "bn", relu: str = "relu") -> Any:
    from .. import layers

    x = layers.BatchNormalization(axis=3, epsilon=EPS, name=f"{name}{bn}")(x)
    return layers.Activation("relu", name=f"{name}{relu}")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    """BN-ReLU-1×1 (4 × growth) then BN-ReLU-3×3 (growth), concatenated to the block's input."""
    from .. import layers

    y = _bn_relu(x, name, "_0_bn", "_0_relu")
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _bn_relu(y, name, "_1_bn", "_1_relu")
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, y])


def transition_block(x: Any, reduction: float, name: str) -> Any:
    """BN-ReLU, a 1×1 convolution to ``reduction`` times the channels, 2×2 average pooling."""
    from .. import layers

    x = _bn_relu(x, name, "_bn", "_relu")
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def densenet(blocks: tuple[int, int, int, int], include_top: bool, weights: Any, input_tensor: Any,
             input_shape: Any, pooling: Any, classes: int, classifier_activation: Any, name: str) -> Any:
    """The DenseNet trunk: a 7×7/2 convolution, 3×3/2 max pooling and four dense blocks (growth rate 32) joined
    by transition blocks. ``channels_last`` only, as in Keras."""
    from .. import layers

    if iu.data_format() == "channels_first":
        raise ValueError("DenseNet does not support the `channels_first` image data format: call "
                         "keras.config.set_image_data_format('channels_last') first.")
    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = iu.image_input(input_shape, input_tensor)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1", "_bn", "_relu")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, n in enumerate(blocks, start=2):
        for i in range(1, n + 1):
            x = conv_block(x, 32, name=f"conv{stage}_block{i}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = _bn_relu(x, "")
    x = iu.top(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = iu.build(img_input, input_tensor, x, name)
    if weights != "imagenet":
        return iu.load_weights(model, weights)
    family, top_hash, notop_hash = HASHES[blocks]
    fname = f"{family}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return iu.load_weights(model, weights, fname, ORIGIN + fname, top_hash if include_top else notop_hash)


def DenseNet121(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "densenet121") -> Any:
    """DenseNet121 (dense blocks of 6, 12, 24, 16 layers; 8,062,504 parameters with the top). ``weights=None``
    builds it untrained; ``"imagenet"`` loads Keras's file from ``$KERAS_HOME/models`` (``ConnectionError`` naming
    the URL when it is not cached); a path loads that file."""
    return densenet((6, 12, 24, 16), include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def DenseNet169(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "densenet169") -> Any:
    """DenseNet169 (dense blocks of 6, 12, 32, 32 layers); arguments as ``DenseNet121``."""
    return densenet((6, 12, 32, 32), include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def DenseNet201(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str = "densenet201") -> Any:
    """DenseNet201 (dense blocks of 6, 12, 48, 32 layers); arguments as ``DenseNet121``."""
    return densenet((6, 12, 48, 32), include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="torch")``: [0, 1], then per-channel standardized."""
    return iu.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = iu.decode_predictions
