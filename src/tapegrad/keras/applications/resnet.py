"""``keras.applications.resnet`` (and ``resnet50``): ResNet50/101/152 (He et al., 2015) with Keras's layer names;
``preprocess_input`` uses the ``"caffe"`` mode.

>>> from tapegrad import keras
>>> model = keras.applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=10)
>>> model.count_params(), model.output_shape
(23608202, (None, 10))
"""

from __future__ import annotations

from typing import Any

from . import imagenet_utils as iu

__all__ = ["ResNet50", "ResNet101", "ResNet152", "decode_predictions", "preprocess_input"]

ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
HASHES = {"resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
          "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
          "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
          "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
          "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
          "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33")}
EPS = 1.001e-5


def _bn(name: str) -> Any:
    from .. import layers

    return layers.BatchNormalization(axis=3 if iu.data_format() == "channels_last" else 1, epsilon=EPS, name=name)


def block_v1(x: Any, filters: int, stride: int = 1, conv_shortcut: bool = True, name: str = "") -> Any:
    """A bottleneck block (1×1, 3×3, 1×1 ×4 convolutions, each batch-normalized) added to its shortcut."""
    from .. import layers

    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.Conv2D(filters, 3, padding="SAME", name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = _bn(f"{name}_3_bn")(layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x))
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def block_v2(x: Any, filters: int, stride: int = 1, conv_shortcut: bool = False, name: str = "") -> Any:
    """A pre-activation bottleneck block (ResNetV2): BN-ReLU first, the stride on the 3×3 convolution."""
    from .. import layers

    preact = layers.Activation("relu", name=f"{name}_preact_relu")(_bn(f"{name}_preact_bn")(x))
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_v1(x: Any, filters: int, blocks: int, stride1: int = 2, name: str = "") -> Any:
    x = block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def stack_v2(x: Any, filters: int, blocks: int, stride1: int = 2, name: str = "") -> Any:
    x = block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = block_v2(x, filters, name=f"{name}_block{i}")
    return block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def resnet(blocks: tuple[int, int, int, int], preact: bool, weights_name: str, include_top: bool, weights: Any,
           input_tensor: Any, input_shape: Any, pooling: Any, classes: int, classifier_activation: Any,
           name: str) -> Any:
    """The ResNet trunk (7×7/2 convolution, 3×3/2 max pooling, four stages of bottleneck blocks) and head."""
    from .. import layers

    iu.check_weights(weights, include_top, classes)
    input_shape = iu.obtain_input_shape(input_shape, 224, 32, include_top, weights)
    img_input = iu.image_input(input_shape, input_tensor)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    if not preact:
        x = layers.Activation("relu", name="conv1_relu")(_bn("conv1_bn")(x))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, n) in enumerate(zip((64, 128, 256, 512), blocks), start=2):
        if preact:
            x = stack_v2(x, filters, n, stride1=1 if stage == 5 else 2, name=f"conv{stage}")
        else:
            x = stack_v1(x, filters, n, stride1=1 if stage == 2 else 2, name=f"conv{stage}")
    if preact:
        x = layers.Activation("relu", name="post_relu")(_bn("post_bn")(x))
    x = iu.top(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = iu.build(img_input, input_tensor, x, name)
    fname = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
    return iu.load_weights(model, weights, fname, ORIGIN + fname, HASHES[weights_name][0 if include_top else 1])


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
             pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "resnet50") -> Any:
    """ResNet50 (stages of 3, 4, 6, 3 blocks; 25,636,712 parameters with the top). ``weights=None`` builds it
    untrained; ``"imagenet"`` loads Keras's file from ``$KERAS_HOME/models`` (``ConnectionError`` naming the URL
    when it is not cached); a path loads that file."""
    return resnet((3, 4, 6, 3), False, "resnet50", include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name)


def ResNet101(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
              pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet101") -> Any:
    """ResNet101 (stages of 3, 4, 23, 3 blocks); arguments as ``ResNet50``."""
    return resnet((3, 4, 23, 3), False, "resnet101", include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name)


def ResNet152(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
              pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet152") -> Any:
    """ResNet152 (stages of 3, 8, 36, 3 blocks); arguments as ``ResNet50``."""
    return resnet((3, 8, 36, 3), False, "resnet152", include_top, weights, input_tensor, input_shape, pooling,
                  classes, classifier_activation, name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """``imagenet_utils.preprocess_input(x, data_format, mode="caffe")``."""
    return iu.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = iu.decode_predictions
