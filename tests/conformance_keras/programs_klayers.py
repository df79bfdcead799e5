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


@program
def prog_train_masking_einsum_rmsnorm(tf: Any, keras: Any) -> Any:
    """Masking → LSTM (masked steps skipped), EinsumDense (left ellipsis, heads, bias axes), RMSNormalization,
    Identity, trained in a functional model."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inputs = keras.Input((5, 4))
    h = L.Masking(0.0)(inputs)
    h = L.LSTM(6, return_sequences=True)(h)
    h = L.EinsumDense("...b,bc->...c", output_shape=5, bias_axes="c", activation="tanh")(h)
    h = L.RMSNormalization()(h)
    h = L.EinsumDense("abc,cde->abde", output_shape=(5, 2, 3), bias_axes="e")(h)
    h = L.Identity()(h)
    h = L.EinsumDense("abde,de->ab", output_shape=(5,))(h)
    h = L.RMSNormalization(axis=-1, epsilon=1e-3)(h)
    out = L.Dense(2)(h)
    model = keras.Model(inputs, out)
    _init(model, 21)
    x, y = _data(22, (3, 5, 4), (3, 2))
    x[0, 3:] = 0.0  # masked steps
    x[2, 1] = 0.0
    # (no summary: Keras 3.15 lists the mask's NotEqual/Any ops of a functional Masking model as layers)
    return _train(tf, keras, model, x, y)


@program
def prog_train_spectral_normalization(tf: Any, keras: Any) -> Any:
    """SpectralNormalization around Dense and Conv2D: the kernel written back in training, vector_u updated."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((6, 6, 2)),
        L.SpectralNormalization(L.Conv2D(3, 3, activation="relu")),
        L.Flatten(),
        L.SpectralNormalization(L.Dense(4), power_iterations=2),
        L.Dense(2),
    ])
    _init(model, 23)
    x, y = _data(24, (3, 6, 6, 2), (3, 2))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_core_extra_layers(tf: Any, keras: Any) -> Any:
    """Masking's mask and zeros, ActivityRegularization's losses, AlphaDropout/SpatialDropout3D at inference,
    EinsumDense shapes (right ellipsis) and errors, configs."""
    L = keras.layers
    x = tf.constant([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]], [[0.0, 0.0], [0.5, 0.5], [0.0, 0.0]]])
    masked = L.Masking(0.0)(x)
    masked_2 = L.Masking(3.0)(x)
    reg = L.ActivityRegularization(l1=0.1, l2=0.2)
    reg_out = reg(x)
    e = L.EinsumDense("ab...,bc->ac...", output_shape=(3,), bias_axes="c")
    e_out = e(tf.ones([2, 4, 5]))
    errors = [caught(lambda: L.EinsumDense("ab,bc", 3)(tf.ones([2, 2]))),
              caught(lambda: L.EinsumDense("ab,bc->ad", 3)(tf.ones([2, 2]))),
              caught(lambda: L.EinsumDense("ab,bcd->ac", 3)(tf.ones([2, 2]))),
              caught(lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes="d")(tf.ones([2, 2]))),
              caught(lambda: L.RMSNormalization(axis=3)(tf.ones([2, 2]))),
              caught(lambda: L.SpectralNormalization(L.Flatten())(tf.ones([2, 2]))),
              caught(lambda: L.AlphaDropout(1.5))]
    layers = [L.Masking(0.5), L.Identity(), L.ActivityRegularization(0.1, 0.2), L.AlphaDropout(0.2, seed=1),
              L.SpatialDropout3D(0.3), L.RMSNormalization(axis=[1, 2], epsilon=1e-5), e,
              L.SpectralNormalization(L.Dense(2), power_iterations=3)]
    return (masked, masked._keras_mask, masked_2._keras_mask, reg_out, [float(v) for v in reg.losses],
            L.AlphaDropout(0.5)(x), L.SpatialDropout3D(0.5)(tf.ones([1, 2, 2, 2, 3])), tuple(e_out.shape),
            [tuple(w.shape) for w in e.weights], errors, [_config(layer) for layer in layers[:-1]])


@program
def prog_train_spatial_3d(tf: Any, keras: Any) -> Any:
    """3-D pooling (max/avg, same/valid, strides), ZeroPadding3D, Cropping3D, UpSampling3D, global 3-D pooling,
    SpatialDropout3D, trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    inputs = keras.Input((6, 5, 6, 2))
    h = L.Conv3D(3, 2, padding="same", activation="relu")(inputs)
    h = L.MaxPooling3D(2, strides=(1, 2, 2), padding="same")(h)
    h = L.ZeroPadding3D(((1, 0), 1, (0, 2)))(h)
    h = L.AveragePooling3D((2, 3, 2), padding="valid")(h)
    h = L.UpSampling3D((2, 1, 2))(h)
    h = L.Cropping3D(((1, 0), (0, 0), 1))(h)
    h = L.SpatialDropout3D(0.0)(h)
    a = L.GlobalAveragePooling3D()(h)
    b = L.GlobalMaxPooling3D()(h)
    out = L.Dense(2)(L.Concatenate()([a, b]))
    model = keras.Model(inputs, out)
    _init(model, 31)
    x, y = _data(32, (2, 6, 5, 6, 2), (2, 2))
    return _train(tf, keras, model, x, y), summary_text(model)


@program
def prog_train_adaptive_pooling(tf: Any, keras: Any) -> Any:
    """Adaptive average/max pooling 1-D/2-D/3-D (dividing and overlapping windows, upsampling sizes), trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    i1, i2, i3 = keras.Input((7, 3)), keras.Input((7, 5, 2)), keras.Input((5, 4, 6, 2))
    a = L.Flatten()(L.AdaptiveAveragePooling1D(3)(L.Conv1D(3, 2, padding="same")(i1)))
    b = L.Flatten()(L.AdaptiveMaxPooling1D(4)(i1))
    c = L.Flatten()(L.AdaptiveAveragePooling2D((3, 7))(L.Conv2D(2, 2, padding="same")(i2)))
    d = L.Flatten()(L.AdaptiveMaxPooling2D(2)(L.Conv2D(2, 2, activation="tanh")(i2)))
    e = L.Flatten()(L.AdaptiveAveragePooling3D((2, 3, 4))(i3))
    f = L.Flatten()(L.AdaptiveMaxPooling3D(2)(L.Conv3D(2, 1)(i3)))
    out = L.Dense(2)(L.Concatenate()([a, b, c, d, e, f]))
    model = keras.Model([i1, i2, i3], out)
    _init(model, 33)
    rng_x = [_data(34 + k, shape, (2, 2))[0] for k, shape in enumerate([(2, 7, 3), (2, 7, 5, 2), (2, 5, 4, 6, 2)])]
    y = _data(40, (2, 2), (2, 2))[1]
    return _train(tf, keras, model, rng_x, y)


@program
def prog_spatial_3d_configs_and_values(tf: Any, keras: Any) -> Any:
    """channels_first 3-D layers and adaptive pooling values, configs, aliases, errors."""
    L = keras.layers
    x = tf.reshape(tf.range(2 * 3 * 4 * 5 * 2, dtype="float32"), [2, 3, 4, 5, 2])
    first = [L.MaxPooling3D(2, data_format="channels_first")(tf.transpose(x, [0, 4, 1, 2, 3])),
             L.AveragePooling3D((1, 2, 2), data_format="channels_first")(tf.transpose(x, [0, 4, 1, 2, 3])),
             L.UpSampling3D(2, data_format="channels_first")(tf.ones([1, 2, 1, 1, 2])).shape,
             L.AdaptiveAveragePooling2D((2, 3), data_format="channels_first")(x[:, 0]),
             L.AdaptiveMaxPooling3D((2, 3, 4))(x),
             L.GlobalAveragePooling3D(keepdims=True)(x)]
    layers = [L.MaxPooling3D(), L.AveragePooling3D(3, strides=2, padding="same"), L.GlobalMaxPooling3D(),
              L.GlobalAveragePooling3D(keepdims=True), L.ZeroPadding3D(2), L.Cropping3D(((1, 2), 0, 1)),
              L.UpSampling3D((1, 2, 3)), L.AdaptiveAveragePooling1D(4), L.AdaptiveMaxPooling2D((2, 3)),
              L.AdaptiveAveragePooling3D(2, data_format="channels_first")]
    errors = [caught(lambda: L.Cropping3D(2)(tf.ones([1, 3, 4, 4, 1]))),
              caught(lambda: L.AdaptiveMaxPooling2D((1, 2, 3))),
              caught(lambda: L.MaxPooling3D(2)(tf.ones([1, 4, 4, 1])))]
    aliases = [L.MaxPool3D is L.MaxPooling3D, L.AvgPool3D is L.AveragePooling3D,
               L.GlobalMaxPool3D is L.GlobalMaxPooling3D, L.GlobalAvgPool3D is L.GlobalAveragePooling3D]
    return first, [_config(layer) for layer in layers], errors, aliases


@program
def prog_train_conv_lstm(tf: Any, keras: Any) -> Any:
    """ConvLSTM2D (same padding, sequences; valid, strides, go_backwards), ConvLSTM1D and ConvLSTM3D, trained."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    i2, i1, i3 = keras.Input((3, 6, 6, 2)), keras.Input((4, 7, 2)), keras.Input((2, 3, 4, 3, 1))
    a = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(i2)
    a = L.ConvLSTM2D(2, 2, strides=2, go_backwards=True, recurrent_activation="hard_sigmoid")(a)
    b = L.ConvLSTM1D(2, 3, dilation_rate=2, return_sequences=True, activation="relu")(i1)
    b = L.ConvLSTM1D(2, 2, padding="same", unit_forget_bias=False)(b)
    c = L.ConvLSTM3D(2, 2, padding="same")(i3)
    out = L.Dense(2)(L.Concatenate()([L.Flatten()(a), L.Flatten()(b), L.Flatten()(c)]))
    model = keras.Model([i2, i1, i3], out)
    _init(model, 41)
    xs = [_data(42 + k, shape, (2, 2))[0] for k, shape in enumerate([(2, 3, 6, 6, 2), (2, 4, 7, 2),
                                                                     (2, 2, 3, 4, 3, 1)])]
    y = _data(46, (2, 2), (2, 2))[1]
    return _train(tf, keras, model, xs, y), summary_text(model)


@program
def prog_conv_lstm_states_and_configs(tf: Any, keras: Any) -> Any:
    """ConvLSTM2D return_state, initial_state, channels_first, bias initial values, configs, errors."""
    L = keras.layers
    keras.utils.set_random_seed(0)
    layer = L.ConvLSTM2D(2, 2, return_state=True, kernel_initializer="ones", recurrent_initializer="ones",
                         bias_initializer="zeros")
    x = tf.reshape(tf.range(2 * 3 * 4 * 4 * 1, dtype="float32") / 50.0, [2, 3, 4, 4, 1])
    out, h, c = layer(x)
    s0 = [tf.ones([2, 3, 3, 2]) * 0.1, tf.ones([2, 3, 3, 2]) * 0.2]
    with_state = layer(x, initial_state=s0)[0]
    first = L.ConvLSTM2D(2, 2, data_format="channels_first", kernel_initializer="ones",
                         recurrent_initializer="ones")(tf.transpose(x, [0, 1, 4, 2, 3]))
    cfg = [_config(L.ConvLSTM2D(2, 3, strides=2, return_sequences=True)), _config(L.ConvLSTM1D(4, 2)),
           _config(L.ConvLSTM3D(1, (1, 2, 3), padding="same"))]
    shapes = [L.ConvLSTM3D(2, 2, return_sequences=True, return_state=True).compute_output_shape((None, 3, 4, 5, 6,
                                                                                                1))]
    errors = [caught(lambda: L.ConvLSTM2D(2, 2)(tf.ones([1, 3, 4, 4]))),
              caught(lambda: L.ConvLSTM2D(2, 2, padding="causal"))]
    return (out, h, c, with_state, first, layer.weights[2].numpy(), cfg, shapes, errors)


_EXTRA_ACTIVATIONS = ("celu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "soft_shrink",
                      "sparse_plus", "sparse_sigmoid", "squareplus", "tanh_shrink")


@program
def prog_activations_extra(tf: Any, keras: Any) -> Any:
    """Keras 3.15's further activations: values and gradients (float32 and float64), arguments, lookup by name,
    serialization; glu's odd-axis error; sparsemax."""
    A = keras.activations
    xs = [-3.0, -1.0, -0.7, -0.5, -0.2, 0.0, 0.3, 0.5, 0.9, 1.0, 2.5]
    out = []
    for dtype in ("float32", "float64"):
        x = tf.constant(xs, dtype)
        for name in _EXTRA_ACTIVATIONS:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = A.get(name)(x)
            out.append((name, y, tape.gradient(y, x), A.serialize(A.get(name))))
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            ys = [A.celu(x, alpha=0.5), A.hard_shrink(x, threshold=0.8), A.soft_shrink(x, threshold=0.25),
                  A.squareplus(x, b=1.0), A.threshold(x, 0.4, -2.0)]
        out.append([(y, tape.gradient(y, x)) for y in ys])
        g = tf.reshape(tf.constant(xs[:8], dtype), [2, 4])
        with tf.GradientTape() as tape:
            tape.watch(g)
            y = A.glu(g) * tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype)
        out.append((A.glu(g), A.glu(g, axis=0), tape.gradient(y, g)))
        # one entry in the support per slice: Keras 3.15's sparsemax formula is only right there (see
        # keras/_activations_extra.py; tests/test_keras_kutil.py checks the other cases)
        s = tf.constant([[3.0, 1.0, 0.5, -1.0], [0.2, 1.4, 0.0, 0.15], [-1.0, 0.0, 2.0, 0.5]], dtype)
        out.append(A.sparsemax(s))
    errors = [caught(lambda: A.glu(tf.ones([2, 3]))), caught(lambda: A.get("no_such_activation"))]
    return out, errors


@program
def prog_initializers_extra(tf: Any, keras: Any) -> Any:
    """The function-style initializer names (the classes), IdentityInitializer, STFT values and configs, get()."""
    I = keras.initializers
    names = ["constant", "zeros", "ones", "identity", "orthogonal", "random_normal", "random_uniform",
             "truncated_normal", "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
             "lecun_normal", "lecun_uniform", "stft"]
    same = [(n, getattr(I, n).__name__) for n in names]
    values = [I.constant(2.5)((2, 2)), I.identity(gain=3.0)((2, 3)), I.IdentityInitializer()((3, 3)),
              I.ones()((2,), "float64")]
    stft = []
    for kwargs in ({}, {"side": "imag"}, {"window": "hamming", "periodic": True}, {"window": None},
                   {"window": "hann", "scaling": "spectrum"}, {"window": "boxcar", "scaling": None},
                   {"window": "blackman", "periodic": True, "side": "imag"}, {"window": "bartlett"}):
        init = I.STFT(**kwargs)
        stft.append((init.get_config(), init((8, 1, 5)), init((5, 1, 3), "float64")))
    errors = [caught(lambda: I.STFT(side="both")), caught(lambda: I.STFT(scaling="power")),
              caught(lambda: I.identity()((2, 2, 2)))]
    got = [type(I.get(n)).__name__ for n in ("stft", "STFTInitializer", "IdentityInitializer", "identity")]
    return same, values, stft, errors, got, I.STFTInitializer is I.STFT, I.IdentityInitializer is I.Identity


@program
def prog_train_group_query_attention(tf: Any, keras: Any) -> Any:
    """GroupQueryAttention: causal self-attention, gated cross-attention with a key, sliding window, no bias,
    trained; attention scores with masks."""
    keras.backend.clear_session(free_memory=False)
    L = keras.layers
    q_in, kv_in = keras.Input((5, 6)), keras.Input((4, 6))
    a = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)(q_in, q_in,
                                                                                   use_causal_mask=True)
    b = L.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1, use_gate=True)(a, kv_in)
    c = L.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=3, use_bias=False,
                              sliding_window=2)(b, b)
    out = L.Dense(2)(L.Flatten()(c))
    model = keras.Model([q_in, kv_in], out)
    _init(model, 51)
    (xq, y), xkv = _data(52, (2, 5, 6), (2, 2)), _data(53, (2, 4, 6), (2, 2))[0]
    result = _train(tf, keras, model, [xq, xkv], y)
    layer = L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    o, scores = layer(tf.constant(xq), tf.constant(xkv), return_attention_scores=True,
                      attention_mask=tf.constant([[[True, True, False, True]] * 5] * 2))
    _init(layer, 54)
    o, scores = layer(tf.constant(xq), tf.constant(xkv), return_attention_scores=True,
                      value_mask=tf.constant([[True, True, False, True], [True, False, True, True]]))
    return result, summary_text(model), o, scores, [(w.path, tuple(w.shape)) for w in layer.weights]


@program
def prog_group_query_attention_configs(tf: Any, keras: Any) -> Any:
    """GroupQueryAttention configs, output shapes and argument errors."""
    L = keras.layers
    layers = [L.GroupQueryAttention(4, 4, 2), L.GroupQueryAttention(2, 6, 3, dropout=0.1, use_bias=False,
                                                                   use_gate=True, sliding_window=3, seed=2)]
    errors = [caught(lambda: L.GroupQueryAttention(4, 5, 2)),
              caught(lambda: L.GroupQueryAttention(4, 4, 2, sliding_window=0)),
              caught(lambda: L.GroupQueryAttention(2, 2, 1)(keras.Input((3, 4)), keras.Input((3, 5))))]
    shapes = [L.GroupQueryAttention(2, 2, 1).compute_output_shape((None, 3, 4), (None, 7, 4))]
    return [_config(layer) for layer in layers], errors, shapes, L.GroupQueryAttention.__name__


@program
def prog_backend_3d_functions(tf: Any, keras: Any) -> Any:
    """tf.keras.backend's conv3d (strides, same, dilation, channels_first), pool3d, resize_volumes,
    spatial_3d_padding, with the conv3d gradient."""
    import numpy as np

    K = tf.keras.backend
    rng = np.random.default_rng(61)
    x = K.constant(rng.standard_normal((2, 5, 4, 6, 2)).astype(np.float32))
    k = K.constant(rng.standard_normal((2, 3, 2, 2, 3)).astype(np.float32))
    x64, k64 = K.constant(np.array(x), dtype="float64"), K.constant(np.array(k), dtype="float64")
    with tf.GradientTape() as tape:  # float64: float32 sums in another order differ beyond rtol where they cancel
        tape.watch([x64, k64])
        y = K.conv3d(x64, k64, strides=(2, 1, 2), padding="same")
        loss = K.sum(K.square(y))
    grads = tape.gradient(loss, [x64, k64])
    x_first = K.permute_dimensions(x, (0, 4, 1, 2, 3))
    return (y, grads, K.conv3d(x, k, padding="valid", dilation_rate=(2, 1, 2)),
            K.conv3d(x_first, k, data_format="channels_first"),
            K.pool3d(x, (2, 2, 3), strides=(2, 2, 3)), K.pool3d(x, (2, 3, 2), padding="same", pool_mode="avg"),
            K.pool3d(x_first, (2, 2, 2), data_format="channels_first"),
            K.resize_volumes(x, 2, 1, 3, "channels_last"), K.resize_volumes(x_first, 1, 2, 1, "channels_first"),
            K.spatial_3d_padding(x, ((1, 0), (0, 2), (1, 1))),
            K.spatial_3d_padding(x_first, ((0, 1), (1, 0), (0, 0)), data_format="channels_first"),
            caught(lambda: K.spatial_3d_padding(x, ((1, 1), (1, 1)))), caught(lambda: K.pool3d(x, (2, 2, 2),
                                                                                                 pool_mode="sum")),
            caught(lambda: K.resize_volumes(x, 1, 1, 1, "nchw")))


@program
def prog_thresholded_relu(tf: Any, keras: Any) -> Any:
    """tf.keras.layers.ThresholdedReLU (TF 2.21's legacy layer): values, gradient, config, errors."""
    L = tf.keras.layers
    x = tf.constant([-1.0, 0.0, 0.5, 1.0, 1.5, 3.0])
    layer = L.ThresholdedReLU(theta=1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
    return (y, tape.gradient(y, x), L.ThresholdedReLU(0.0)(x), _config(layer),
            caught(lambda: L.ThresholdedReLU(-1.0)), caught(lambda: L.ThresholdedReLU(None)))
