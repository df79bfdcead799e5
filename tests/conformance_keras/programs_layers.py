"""Keras conformance programs for the layer families of issue 15 (convolution, pooling, reshaping, merging,
activation, normalisation, noise, preprocessing layers): small models of each layer type, started from the same
weights in both libraries, trained for a few SGD steps; the losses, the trained weights (names, paths, shapes,
values), output shapes, parameter counts and ``summary()`` text are compared. Registered into ``programs.PROGRAMS``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import arr, caught, program, summary_text
except ImportError:  # run_tf.py run as a script
    from programs import arr, caught, program, summary_text  # type: ignore[no-redef]

STEPS = 4


def _init(model: Any, seed: int, scale: float = 0.3) -> None:
    """Deterministic weights (the same in both libraries): normal * scale, variances positive."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        v = rng.standard_normal(shape) * scale
        if w.name == "variance" or w.name == "moving_variance":
            v = np.abs(v) + 0.5
        values.append(np.asarray(v, dtype=np.dtype(str(w.dtype))))
    model.set_weights(values)


def _train(tf: Any, keras: Any, model: Any, x: Any, y: Any, steps: int = STEPS, lr: float = 0.05) -> dict[str, Any]:
    """``steps`` SGD steps on the mean squared error with a GradientTape; everything the libraries must agree on."""
    opt = keras.optimizers.SGD(lr)
    losses = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return {
        "losses": np.array(losses, np.float32),
        "weights": [(w.name, w.path, tuple(w.shape), w.trainable, arr(w)) for w in model.weights],
        "layers": [(layer.name, layer.count_params(), tuple(layer.output.shape)) for layer in model.layers],
        "params": model.count_params(),
        "prediction": arr(model(x)),
    }


def _data(seed: int, x_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape).astype(np.float32), rng.standard_normal(y_shape).astype(np.float32))


@program
def prog_train_conv2d_family(tf: Any, keras: Any) -> Any:
    """Conv2D (same, groups, strides), DepthwiseConv2D, SeparableConv2D, Conv2DTranspose and 2-D pooling, trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((9, 9, 3)),
        L.Conv2D(4, 3, padding="same", activation="relu"),
        L.Conv2D(6, 3, strides=2, groups=2),
        L.DepthwiseConv2D(2, depth_multiplier=2, padding="same", activation="tanh"),
        L.SeparableConv2D(5, 2, padding="same"),
        L.Conv2DTranspose(3, 3, strides=2, padding="same"),
        L.AveragePooling2D(2),
        L.MaxPooling2D(2, strides=1, padding="same"),
        L.Conv2D(2, 2, dilation_rate=2),
        L.GlobalAveragePooling2D(),
        L.Dense(2),
    ])
    _init(model, 1)
    x, y = _data(2, (4, 9, 9, 3), (4, 2))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_train_conv1d_family(tf: Any, keras: Any) -> Any:
    """Conv1D (causal, dilated), SeparableConv1D, 1-D pooling and global poolings, trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inp = keras.Input((12, 3))
    h = L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu")(inp)
    h = L.SeparableConv1D(4, 3, padding="same", depth_multiplier=2)(h)
    h = L.MaxPooling1D(2)(h)
    h = L.AveragePooling1D(3, strides=1, padding="same")(h)
    h = L.Conv1D(3, 2, strides=2, padding="same")(h)
    out = L.Concatenate()([L.GlobalMaxPooling1D()(h), L.GlobalAveragePooling1D()(h)])
    model = keras.Model(inp, L.Dense(1)(out))
    _init(model, 3)
    x, y = _data(4, (3, 12, 3), (3, 1))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_train_reshaping_and_merging(tf: Any, keras: Any) -> Any:
    """Reshape, Permute, Flatten, RepeatVector and every merge layer (Add … Dot) in one functional model."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inp = keras.Input((4, 6))
    a = L.Dense(5)(L.Flatten()(L.Permute((2, 1))(L.Reshape((6, 4))(inp))))
    b = L.Dense(5, activation="tanh")(L.Flatten()(inp))
    merged = [L.Add()([a, b]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b, a]),
              L.Maximum()([a, b]), L.Minimum()([a, b]), L.Dot(axes=1)([a, b]), L.Dot(axes=1, normalize=True)([a, b])]
    seq = L.RepeatVector(3)(L.Concatenate()(merged))
    pairs = L.Dot(axes=(2, 2))([seq, seq])
    out = L.Dense(2)(L.Flatten()(pairs))
    model = keras.Model(inp, out)
    _init(model, 5, scale=0.1)  # the products of products grow fast: small weights and steps keep the loss finite
    x, y = _data(6, (3, 4, 6), (3, 2))
    return _train(tf, keras, model, x, y, lr=0.002)


@program
def prog_train_normalization_and_activations(tf: Any, keras: Any) -> Any:
    """LayerNormalization (one and two axes), GroupNormalization, UnitNormalization and the activation layers."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((3, 8)),
        L.LayerNormalization(axis=[1, 2]),
        L.Dense(6),
        L.GroupNormalization(groups=3),
        L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.1),
        L.Dense(6),
        L.LayerNormalization(),
        L.LeakyReLU(),
        L.PReLU(),
        L.ELU(alpha=0.5),
        L.Activation("gelu"),
        L.UnitNormalization(),
        L.Dense(4),
        L.Softmax(),
        L.Flatten(),
        L.Dense(2),
    ])
    _init(model, 7)
    x, y = _data(8, (4, 3, 8), (4, 2))
    return _train(tf, keras, model, x, y, lr=0.1)


@program
def prog_train_padding_cropping_upsampling(tf: Any, keras: Any) -> Any:
    """ZeroPadding2D, Cropping2D, UpSampling2D (nearest and bilinear) and 1-D forms around convolutions."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inp = keras.Input((4, 4, 2))
    h = L.ZeroPadding2D(((1, 2), (0, 1)))(inp)
    h = L.Conv2D(3, 2, activation="relu")(h)
    h = L.Cropping2D(((1, 0), (0, 1)))(h)
    h = L.UpSampling2D(interpolation="bilinear")(h)
    h = L.Conv2D(2, 3, strides=2)(h)
    h = L.UpSampling2D((2, 3))(h)
    h = L.Reshape((-1, 2))(h)
    h = L.ZeroPadding1D((1, 2))(h)
    h = L.Cropping1D((2, 1))(h)
    h = L.UpSampling1D(2)(h)
    out = L.Dense(1)(L.GlobalAveragePooling1D()(h))
    model = keras.Model(inp, out)
    _init(model, 9)
    x, y = _data(10, (2, 4, 4, 2), (2, 1))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_train_preprocessing_and_noise(tf: Any, keras: Any) -> Any:
    """Normalization.adapt, Rescaling, and the noise layers (identity at inference; shapes in training)."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    data = np.random.default_rng(11).standard_normal((20, 4, 4, 3)).astype(np.float32) * 3 + 1
    norm = L.Normalization()
    norm.adapt(data)
    model = keras.Sequential([
        keras.Input((4, 4, 3)), norm, L.Rescaling(0.5, offset=0.1), L.GaussianNoise(0.2), L.SpatialDropout2D(0.3),
        L.Conv2D(2, 3), L.GaussianDropout(0.2), L.Reshape((4, 2)), L.SpatialDropout1D(0.2), L.Flatten(),
        L.Dense(1)])
    _init(model, 12)
    norm.adapt(data)  # _init overwrote the statistics too: learn them again
    x = data[:5]
    y = np.random.default_rng(13).standard_normal((5, 1)).astype(np.float32)
    losses = []
    opt = keras.optimizers.SGD(0.05)
    for _ in range(STEPS):  # training=False: the noise layers are the identity, so both libraries agree exactly
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=False) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    noisy = [tuple(layer(np.ones((2, 4, 4, 3), np.float32), training=True).shape) for layer in model.layers[2:5]]
    return (np.array(losses, np.float32), arr(norm.mean), arr(norm.variance), [arr(w) for w in model.weights],
            noisy, model.count_params(), arr(L.Rescaling(2.0)(np.array([[1, 2]], np.int32))))


@program
def prog_fit_small_cnn(tf: Any, keras: Any) -> Any:
    """The small CNN of the reference (Conv2D, MaxPooling2D, BatchNormalization, GlobalAveragePooling2D, Dropout)
    compiled and fitted: history, trained weights and summary. (The convolution before BatchNormalization has no
    bias: its gradient is zero up to rounding, which adaptive optimizers would turn into full-size steps.)"""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    model = keras.Sequential([keras.Input((10, 10, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
                              L.Conv2D(6, 3, padding="same", use_bias=False), L.BatchNormalization(),
                              L.GlobalAveragePooling2D(), L.Dropout(0.0), L.Dense(3, activation="softmax")])
    _init(model, 14)
    rng = np.random.default_rng(15)
    x = rng.standard_normal((12, 10, 10, 1)).astype(np.float32)
    y = rng.integers(0, 3, 12)
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return ({k: np.array(v, np.float32) for k, v in history.history.items()}, [arr(w) for w in model.weights],
            summary_text(model), arr(model.predict(x[:3], verbose=0)))


@program
def prog_layer_errors(tf: Any, keras: Any) -> Any:
    """Construction and call errors of the new layers (exception types)."""
    L = keras.layers
    z4 = np.zeros((1, 3, 3, 2), np.float32)
    return [
        caught(lambda: L.Conv2D(4, 3, padding="full")), caught(lambda: L.Conv2D(3, 3, groups=2)),
        caught(lambda: L.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), np.float32))),
        caught(lambda: L.Conv2D(1, 5)(z4)), caught(lambda: L.Conv2D(1, 2)(np.zeros((3, 3, 2), np.float32))),
        caught(lambda: L.MaxPooling2D()(np.zeros((3, 3, 2), np.float32))), caught(lambda: L.AveragePooling2D()),
        caught(lambda: L.Permute((1, 0))), caught(lambda: L.RepeatVector(2)(z4)),
        caught(lambda: L.Reshape((5,))(np.zeros((2, 12), np.float32))),
        caught(lambda: L.Add()(np.zeros((2, 3), np.float32))),
        caught(lambda: L.Add()([np.zeros((2, 3), np.float32), np.zeros((1, 3), np.float32)])),
        caught(lambda: L.Subtract()([z4, z4, z4])), caught(lambda: L.Dot(axes=1)([z4, z4, z4])),
        caught(lambda: L.Concatenate()([np.zeros((2, 3, 4), np.float32), np.zeros((2, 5, 4), np.float32)])),
        caught(lambda: L.ReLU(max_value=-1.0)), caught(lambda: L.GroupNormalization(groups=3)(z4)),
        caught(lambda: L.SpatialDropout2D(0.5)(np.zeros((2, 3, 3), np.float32), training=True)),
        caught(lambda: L.Activation("nope")),
    ]


@program
def prog_layer_configs(tf: Any, keras: Any) -> Any:
    """get_config of the new layers (the keys and values Keras reports, minus names, dtypes and initializers)."""
    L = keras.layers
    skip = {"name", "dtype", "trainable", "kernel_initializer", "bias_initializer", "depthwise_initializer",
            "pointwise_initializer", "beta_initializer", "gamma_initializer", "alpha_initializer",
            "kernel_regularizer", "bias_regularizer", "depthwise_regularizer", "pointwise_regularizer",
            "beta_regularizer", "gamma_regularizer", "alpha_regularizer", "kernel_constraint", "bias_constraint",
            "depthwise_constraint", "pointwise_constraint", "beta_constraint", "gamma_constraint",
            "alpha_constraint", "activity_regularizer", "seed"}
    layers = [L.Conv1D(2, 3, padding="causal"), L.Conv2D(4, (3, 2), strides=2, groups=2, activation="relu"),
              L.Conv2DTranspose(3, 3, strides=2, output_padding=1), L.DepthwiseConv2D(3, depth_multiplier=2),
              L.SeparableConv2D(4, 3), L.MaxPooling2D(), L.AveragePooling1D(3), L.GlobalAveragePooling2D(keepdims=True),
              L.Reshape((3, -1)), L.Permute((2, 1)), L.RepeatVector(3), L.ZeroPadding2D(((1, 2), (3, 4))),
              L.Cropping2D(1), L.UpSampling2D(interpolation="bilinear"), L.Concatenate(axis=1), L.Add(),
              L.Dot(axes=(1, 2), normalize=True), L.ReLU(6.0), L.LeakyReLU(0.1), L.Softmax(axis=1),
              L.LayerNormalization(axis=[1, 2]), L.GroupNormalization(4), L.UnitNormalization(),
              L.GaussianNoise(0.1), L.SpatialDropout1D(0.2), L.Rescaling(0.5, 1.0)]
    out = []
    for layer in layers:
        config = layer.get_config()
        out.append((type(layer).__name__, sorted((k, _plain(v)) for k, v in config.items() if k not in skip)))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    return value


@program
def prog_shared_layer_in_sequential(tf: Any, keras: Any) -> Any:
    """One Dense instance used twice in a Sequential: layers, weights (shared), summary, and training."""
    keras.backend.clear_session(free_memory=False)
    shared = keras.layers.Dense(3, activation="tanh")
    model = keras.Sequential([keras.Input((3,)), shared, shared, keras.layers.Dense(1)])
    _init(model, 16)
    x, y = _data(17, (4, 3), (4, 1))
    return [layer.name for layer in model.layers], _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_backend_functions(tf: Any, keras: Any) -> Any:
    """tf.keras.backend's tensor functions (K.square, K.sum, K.batch_dot, …) on the same inputs. (Keras 3's own
    ``keras.backend`` has no tensor functions: ``tf.keras.backend`` is TF's legacy-backend namespace.)"""
    K = tf.keras.backend
    rng = np.random.default_rng(18)
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal((2, 3)).astype(np.float32)
    c = rng.standard_normal((2, 3, 4)).astype(np.float32)
    p = np.abs(rng.standard_normal((2, 3))).astype(np.float32)
    p /= p.sum(-1, keepdims=True)
    x4 = rng.standard_normal((1, 5, 5, 2)).astype(np.float32)
    k4 = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    ta, tb, tc, tp, t4 = (K.constant(v) for v in (a, b, c, p, x4))
    onehot = K.constant(np.eye(3, dtype=np.float32)[[0, 2]])
    out = {
        "square_sum": K.sum(K.square(ta), axis=1), "mean_keep": K.mean(ta, axis=0, keepdims=True),
        "mean_bool": K.mean(K.greater(ta, 0.0)), "std": K.std(tc, axis=(1, 2)), "var": K.var(ta),
        "max_min": (K.max(ta), K.min(ta, axis=1)), "prod": K.prod(tp, axis=-1), "sqrt_neg": K.sqrt(ta),
        "transpose": K.transpose(ta), "permute": K.permute_dimensions(tc, (2, 0, 1)), "int_shape": K.int_shape(tc),
        "ndim": K.ndim(tc), "dtype": K.dtype(ta), "count_params": K.count_params(K.variable(c)),
        "batch_dot_2d": K.batch_dot(ta, tb, axes=1), "batch_dot_3d": K.batch_dot(tc, ta, axes=(1, 1)),
        "batch_dot_default": K.batch_dot(tc, K.constant(np.ones((2, 4, 5), np.float32))),
        "dot": K.dot(tc, K.constant(np.ones((4, 2), np.float32))), "batch_flatten": K.batch_flatten(tc),
        "flatten": K.flatten(ta), "concat": K.concatenate([ta, tb], axis=-1), "stack": K.stack([ta, tb], axis=1),
        "repeat": K.repeat(ta, 2), "repeat_elements": K.repeat_elements(ta, 2, axis=1), "tile": K.tile(ta, (2, 1)),
        "reverse": K.reverse(ta, 1), "clip": K.clip(ta, -0.5, 0.5), "clip_swapped": K.clip(ta, 0.5, -0.5),
        "hard_sigmoid": K.hard_sigmoid(ta), "relu": K.relu(ta, alpha=0.1, max_value=0.8, threshold=0.1),
        "elu": K.elu(ta, 0.5), "softmax": K.softmax(ta), "softplus": K.softplus(ta), "l2": K.l2_normalize(ta, 1),
        "bce": K.binary_crossentropy(K.constant(np.float32([[0, 1, 1], [1, 0, 0]])), tp),
        "bce_logits": K.binary_crossentropy(K.constant(np.float32([[0, 1, 1], [1, 0, 0]])), ta, from_logits=True),
        "cce": K.categorical_crossentropy(onehot, tp), "cce_logits": K.categorical_crossentropy(onehot, ta, True),
        "scce": K.sparse_categorical_crossentropy(K.constant(np.float32([0, 2])), tp),
        "focal": K.categorical_focal_crossentropy(onehot, tp),
        "bfocal": K.binary_focal_crossentropy(K.constant(np.float32([[0, 1, 1], [1, 0, 0]])), tp),
        "switch": K.switch(K.greater(ta, 0.0), ta, tb), "one_hot": K.one_hot(K.constant([0, 2], dtype="int32"), 3),
        "in_top_k": K.in_top_k(tp, K.constant([0, 2], dtype="int32"), 2), "argmax": K.argmax(ta),
        "cumsum": K.cumsum(ta, 1), "arange": K.arange(2, 9, 3), "eye": arr(K.eye(3)), "zeros": arr(K.zeros((2, 2))),
        "bias_add": K.bias_add(tc, K.constant(np.arange(4, dtype=np.float32))),
        "bias_add_cf": K.bias_add(tc, K.constant(np.arange(3, dtype=np.float32)), data_format="channels_first"),
        "conv2d": K.conv2d(t4, K.constant(k4), padding="same"),
        "conv2d_strided": K.conv2d(t4, K.constant(k4), strides=(2, 2)),
        "depthwise": K.depthwise_conv2d(t4, K.constant(k4[..., :1])),
        "separable": K.separable_conv2d(t4, K.constant(k4[..., :1]), K.constant(np.ones((1, 1, 2, 2), np.float32))),
        "conv1d_causal": K.conv1d(tc, K.constant(np.ones((2, 4, 2), np.float32)), padding="causal"),
        "pool_max": K.pool2d(t4, (2, 2), (2, 2)), "pool_avg": K.pool2d(t4, (2, 2), (1, 1), "same", pool_mode="avg"),
        "pad2d": K.spatial_2d_padding(t4, ((1, 0), (0, 2))), "temporal_pad": K.temporal_padding(tc, (1, 2)),
        "resize": K.resize_images(t4, 2, 3, "channels_last"), "floatx": K.floatx(), "epsilon": K.epsilon(),
        "standardize": (K.standardize_dtype("int"), K.standardize_dtype("float64")),
        "result_type": K.result_type("int32", "float32"), "is_float": K.is_float_dtype("float16"),
    }
    v = K.variable(a)
    K.set_value(v, b)
    K.update_add(v, K.constant(a))
    K.moving_average_update(v, K.constant(b), 0.9)
    out["variable_updates"] = K.get_value(v)
    out["batch_get"] = K.batch_get_value([ta, tb])
    return out
