"""Keras conformance programs for the layers added beyond the issue-15 families (``keras/layers/
convolutional_nd.py``, ``core_extra.py``, ...): small models of each layer type, started from the same weights
in both libraries, trained for a few SGD steps (losses, trained weights with names/paths/shapes, output shapes,
parameter counts, ``summary()`` text), plus configs and errors. Registered into ``programs.PROGRAMS``.
"""

from __future__ import annotations

from typing import Any

try:
    from .programs import caught, program, summary_text
    from .programs_layers import _data, _init, _plain, _train
except ImportError:  # run_tf.py run as a script
    from programs import caught, program, summary_text  # type: ignore[no-redef]
    from programs_layers import _data, _init, _plain, _train  # type: ignore[no-redef]


_SERIALIZED = ("name", "dtype", "initializer", "regularizer", "constraint", "seed")


def _config(layer: Any) -> Any:
    """A layer's config: every key, and the values of those not serialized objects (initializers, regularizers,
    constraints and dtype policies are written in Keras's richer form; names count differently)."""
    cfg = layer.get_config()
    return (type(layer).__name__, sorted(cfg),
            sorted((k, _plain(v)) for k, v in cfg.items() if not any(k.endswith(s) for s in _SERIALIZED)))


@program
def prog_train_conv3d_family(tf: Any, keras: Any) -> Any:
    """Conv3D (same, strides, groups, dilation), Conv3DTranspose (same/valid, output_padding), trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((5, 6, 6, 2)),
        L.Conv3D(4, 3, padding="same", activation="relu"),
        L.Conv3D(4, (2, 3, 2), strides=(1, 2, 2), groups=2),
        L.Conv3DTranspose(3, 2, strides=2, padding="same", activation="tanh"),
        L.Conv3DTranspose(2, (2, 3, 2), strides=(2, 1, 2), output_padding=(1, 0, 1)),
        L.Conv3D(2, 2, dilation_rate=(2, 1, 2)),
        L.Flatten(),
        L.Dense(2),
    ])
    _init(model, 11)
    x, y = _data(12, (3, 5, 6, 6, 2), (3, 2))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_train_conv1d_transpose_depthwise1d(tf: Any, keras: Any) -> Any:
    """Conv1DTranspose (valid/same, strides, output_padding, dilation) and DepthwiseConv1D, trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((7, 3)),
        L.Conv1DTranspose(4, 3, strides=2, activation="relu"),
        L.DepthwiseConv1D(3, depth_multiplier=2, padding="same"),
        L.Conv1DTranspose(3, 2, strides=3, padding="same", output_padding=1),
        L.DepthwiseConv1D(2, strides=2, activation="tanh"),
        L.Conv1DTranspose(2, 3, dilation_rate=2, use_bias=False),
        L.GlobalAveragePooling1D(),
        L.Dense(2),
    ])
    _init(model, 13)
    x, y = _data(14, (4, 7, 3), (4, 2))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_conv_nd_configs_and_errors(tf: Any, keras: Any) -> Any:
    """get_config of the new convolution layers, channels_first shapes, aliases and argument errors."""
    L = keras.layers
    layers = [L.Conv3D(2, 3, strides=2, groups=1), L.Conv1DTranspose(2, 3, output_padding=None),
              L.Conv3DTranspose(2, (1, 2, 3), data_format="channels_first"), L.DepthwiseConv1D(3, depth_multiplier=2)]
    shapes = [tuple(L.Conv3D(2, 2, data_format="channels_first")(tf.ones([1, 3, 4, 4, 4])).shape),
              tuple(L.Conv3DTranspose(2, 2, strides=2, data_format="channels_first")(tf.ones([1, 3, 2, 2, 2])).shape),
              tuple(L.Conv1DTranspose(2, 2, strides=2, data_format="channels_first")(tf.ones([1, 3, 4])).shape)]
    errors = [caught(lambda: L.Conv3DTranspose(2, 2, strides=2, output_padding=2)),
              caught(lambda: L.Conv3D(2, 4)(tf.ones([1, 3, 3, 3, 1]))),
              caught(lambda: L.DepthwiseConv1D(2, padding="causal"))]
    aliases = [L.Convolution3D is L.Conv3D, L.Convolution1DTranspose is L.Conv1DTranspose,
               L.Convolution3DTranspose is L.Conv3DTranspose, L.SeparableConvolution1D is L.SeparableConv1D,
               L.SeparableConvolution2D is L.SeparableConv2D]
    return [_config(layer) for layer in layers], shapes, errors, aliases
