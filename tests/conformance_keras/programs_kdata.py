"""Keras conformance programs for the input surface of issue 15's extras: ``fit``/``evaluate``/``predict`` on
Python generators and ``keras.utils.PyDataset``, ``UpSampling2D``'s interpolations (and ``tf.image.resize``'s
methods behind them), and the ``tf.data`` transformations ``interleave``, ``list_files``, ``group_by_window``,
``bucket_by_sequence_length``, ``sample_from_datasets``/``choose_from_datasets`` and ``Options``.

Registered into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import arr, caught, program
    from .programs_layers import _data, _init, _train
except ImportError:  # run_tf.py run as a script
    from programs import arr, caught, program  # type: ignore[no-redef]
    from programs_layers import _data, _init, _train  # type: ignore[no-redef]

# ----------------------------------------------------------------------------------------------------------------
# UpSampling2D interpolations and tf.image.resize


@program
def prog_resize_methods(tf: Any, keras: Any) -> Any:
    """tf.image.resize with every method, with and without antialias, up and down (float32 values and dtypes)."""
    x = np.random.default_rng(60).standard_normal((2, 5, 7, 3)).astype(np.float32)
    out = []
    for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
        for antialias in (False, True):
            for size in ((11, 4), (3, 17), (10, 14), (2, 2)):
                y = tf.image.resize(x, size, method=method, antialias=antialias)
                out.append((method, antialias, size, arr(y), str(y.dtype)))
    out.append(caught(lambda: tf.image.resize(x, (3, 3), method="cubic")))
    return out


@program
def prog_upsampling2d_interpolations(tf: Any, keras: Any) -> Any:
    """UpSampling2D with each Keras 3 interpolation: values (channels_last/first, float64), configs, errors."""
    L = keras.layers
    rng = np.random.default_rng(61)
    x = rng.standard_normal((2, 3, 4, 2)).astype(np.float32)
    out = []
    for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", "BiCubic"):
        layer = L.UpSampling2D((2, 3), interpolation=interpolation)
        y = layer(x)
        first = L.UpSampling2D((3, 2), data_format="channels_first", interpolation=interpolation)(x)
        config = layer.get_config()
        out.append((interpolation, arr(y), str(y.dtype), arr(first), config["interpolation"], config["size"]))
    y64 = L.UpSampling2D(interpolation="lanczos5", dtype="float64")(x.astype(np.float64))
    out.append((str(y64.dtype), np.array(y64, np.float32)))
    ints = L.UpSampling2D(interpolation="bilinear")(np.arange(8, dtype=np.int32).reshape(1, 2, 2, 2))
    out.append((str(ints.dtype), arr(ints)))
    out.append(caught(lambda: L.UpSampling2D(interpolation="gaussian")(x)))
    out.append(L.UpSampling2D(interpolation="gaussian").get_config()["interpolation"])
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = L.UpSampling2D(interpolation="area")(xt)
    out.append(caught(lambda: tape.gradient(y, xt)))
    return out


@program
def prog_train_upsampling2d_interpolations(tf: Any, keras: Any) -> Any:
    """Conv2D → UpSampling2D(bicubic / lanczos3 / lanczos5 / bilinear) → Conv2D trained from the same weights."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inp = keras.Input((4, 5, 2))
    h = L.Conv2D(3, 2, activation="tanh")(inp)
    h = L.UpSampling2D(interpolation="bicubic")(h)
    h = L.Conv2D(2, 3, strides=2)(h)
    h = L.UpSampling2D((3, 2), interpolation="lanczos3")(h)
    h = L.UpSampling2D((1, 2), interpolation="lanczos5", data_format="channels_first")(h)
    h = L.UpSampling2D((2, 1), interpolation="bilinear")(h)
    out = L.Dense(1)(L.GlobalAveragePooling2D()(h))
    model = keras.Model(inp, out)
    _init(model, 62)
    x, y = _data(63, (2, 4, 5, 2), (2, 1))
    return _train(tf, keras, model, x, y)
