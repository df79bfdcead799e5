"""Issue 15 (part A) layers and Keras 3 variables: forward values against NumPy formulas, float64 gradients of every
weight and of the input against central differences, symbolic (functional) shapes, configs, and the variable
conventions. Keras's own answers are checked by tests/test_keras_probes.py and the Keras conformance lane."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers


def _numeric_grads(f, arrays, eps=1e-6):
    out = []
    for a in arrays:
        g = np.zeros_like(a)
        it = np.nditer(a, flags=["multi_index"])
        for _ in it:
            i = it.multi_index
            old = a[i]
            a[i] = old + eps
            hi = f()
            a[i] = old - eps
            lo = f()
            a[i] = old
            g[i] = (hi - lo) / (2 * eps)
        out.append(g)
    return out


def _check_gradients(layer, x, seed=0):
    """Tape gradients of sum(layer(x) * r) wrt every weight and the input vs central differences (float64)."""
    rng = np.random.default_rng(seed)
    y = layer(x)
    r = rng.standard_normal(tuple(y.shape))
    weights = [w for w in layer.trainable_weights]
    values = [w.numpy().copy() for w in weights]
    xv = np.array(x, dtype=np.float64)

    def loss():
        for w, v in zip(weights, values):
            w.assign(v)
        return float(np.sum(layer(xv).numpy() * r))

    xt = tf.constant(xv)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = tf.reduce_sum(layer(xt) * r)
    grads = tape.gradient(out, weights + [xt])
    expected = _numeric_grads(loss, values + [xv])
    assert len(grads) == len(expected) and all(g is not None for g in grads)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-5, atol=1e-6)


def _conv_ref(x, k, stride=(1, 1), dil=(1, 1), pads=((0, 0), (0, 0)), groups=1):
    """Direct NHWC cross-correlation."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    n, h, w, c = x.shape
    kh, kw, cg, f = k.shape
    eh, ew = dil[0] * (kh - 1) + 1, dil[1] * (kw - 1) + 1
    ho, wo = (h - eh) // stride[0] + 1, (w - ew) // stride[1] + 1
    out = np.zeros((n, ho, wo, f))
    fg = f // groups
    for i in range(ho):
        for j in range(wo):
            win = x[:, i * stride[0]: i * stride[0] + eh: dil[0], j * stride[1]: j * stride[1] + ew: dil[1], :]
            for g in range(groups):
                part = win[..., g * cg:(g + 1) * cg]
                out[:, i, j, g * fg:(g + 1) * fg] = np.einsum("nabc,abcf->nf", part, k[..., g * fg:(g + 1) * fg])
    return out


@pytest.mark.parametrize("kwargs,shape", [
    ({"filters": 4, "kernel_size": 3}, (2, 7, 6, 3)),
    ({"filters": 4, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same"}, (2, 7, 6, 3)),
    ({"filters": 4, "kernel_size": 3, "dilation_rate": 2}, (1, 8, 7, 2)),
    ({"filters": 6, "kernel_size": 2, "groups": 3}, (2, 5, 5, 6)),
])
def test_conv2d_forward_matches_direct_loop(kwargs, shape):
    rng = np.random.default_rng(1)
    layer = L.Conv2D(**kwargs, dtype="float64")
    x = rng.standard_normal(shape)
    y = layer(x).numpy()
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    stride = layer.strides
    pads = ((0, 0), (0, 0))
    if layer.padding == "same":
        pads = tuple(((max((-(-n // s) - 1) * s + kk - n, 0)) // 2,
                      max((-(-n // s) - 1) * s + kk - n, 0) - max((-(-n // s) - 1) * s + kk - n, 0) // 2)
                     for n, kk, s in zip(shape[1:3], layer.kernel_size, stride))
    ref = _conv_ref(x, k, stride, layer.dilation_rate, pads, layer.groups) + b
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make,shape", [
    (lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2, dtype="float64"), (2, 7, 2)),
    (lambda: L.Conv1D(4, 2, strides=2, groups=2, padding="same", dtype="float64"), (2, 5, 4)),
    (lambda: L.Conv2D(4, 3, strides=2, padding="same", groups=2, dtype="float64"), (2, 5, 5, 4)),
    (lambda: L.Conv2D(2, 2, dilation_rate=2, data_format="channels_first", dtype="float64"), (1, 2, 5, 5)),
    (lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same", dtype="float64"), (2, 3, 3, 2)),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=1, dtype="float64"), (1, 3, 3, 2)),
    (lambda: L.DepthwiseConv2D(2, depth_multiplier=2, dtype="float64"), (2, 4, 4, 3)),
    (lambda: L.SeparableConv2D(3, 2, depth_multiplier=2, padding="same", dtype="float64"), (1, 4, 4, 2)),
    (lambda: L.SeparableConv1D(3, 2, dtype="float64"), (2, 5, 2)),
    (lambda: L.LayerNormalization(axis=[1, 2], dtype="float64"), (2, 3, 4)),
    (lambda: L.GroupNormalization(2, dtype="float64"), (2, 3, 4)),
    (lambda: L.PReLU(dtype="float64"), (2, 5)),
    (lambda: L.UnitNormalization(dtype="float64"), (3, 4)),
    (lambda: L.UpSampling2D((2, 3), interpolation="bilinear", dtype="float64"), (1, 2, 3, 2)),
    (lambda: L.MaxPooling2D(2, strides=1, padding="same", dtype="float64"), (1, 3, 3, 2)),
    (lambda: L.AveragePooling1D(3, strides=2, padding="same", dtype="float64"), (2, 5, 2)),
    (lambda: L.GlobalMaxPooling2D(dtype="float64"), (2, 3, 3, 2)),
    (lambda: L.Softmax(axis=1, dtype="float64"), (2, 4)),
])
def test_gradients_of_weights_and_input(make, shape):
    layer = make()
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    layer(x)
    if isinstance(layer, L.PReLU):  # move the slopes off zero so both branches are exercised
        layer.alpha.assign(rng.uniform(0.1, 0.5, tuple(layer.alpha.shape)))
    if isinstance(layer, (L.LayerNormalization, L.GroupNormalization)):
        layer.set_weights([rng.standard_normal(tuple(w.shape)) for w in layer.weights])
    _check_gradients(layer, x)


def test_merge_layers_gradients():
    rng = np.random.default_rng(3)
    a, b = tf.constant(rng.standard_normal((2, 3))), tf.constant(rng.standard_normal((2, 3)))
    f64 = {"dtype": "float64"}
    for layer in (L.Add(**f64), L.Subtract(**f64), L.Multiply(**f64), L.Average(**f64), L.Maximum(**f64),
                  L.Minimum(**f64), L.Concatenate(**f64), L.Dot(axes=1, **f64), L.Dot(axes=1, normalize=True, **f64)):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.reduce_sum(tf.sin(layer([a, b])))
        ga, gb = tape.gradient(y, [a, b])

        def f(ax, bx, layer=layer):
            return float(np.sum(np.sin(layer([tf.constant(ax), tf.constant(bx)]).numpy())))

        na, nb = _numeric_grads(lambda: f(av, bv), [av := a.numpy().copy(), bv := b.numpy().copy()])
        np.testing.assert_allclose(ga.numpy(), na, rtol=1e-5, atol=1e-7, err_msg=type(layer).__name__)
        np.testing.assert_allclose(gb.numpy(), nb, rtol=1e-5, atol=1e-7, err_msg=type(layer).__name__)


def test_conv_transpose_and_depthwise_forward():
    t = L.Conv2DTranspose(1, 2, strides=2, use_bias=False)
    t.build((None, 2, 2, 1))
    t.set_weights([np.array([1.0, 2.0, 3.0, 4.0], "float32").reshape(2, 2, 1, 1)])
    y = t(np.array([1.0, 10.0, 100.0, 1000.0], "float32").reshape(1, 2, 2, 1))[0, :, :, 0].numpy()
    # each input pixel adds x[i, j] * kernel at (2i, 2j): no overlap with stride 2
    np.testing.assert_array_equal(y, np.kron(np.array([[1, 10], [100, 1000]]), np.array([[1, 2], [3, 4]])))
    d = L.DepthwiseConv2D(1, depth_multiplier=3, use_bias=False)
    d.build((None, 1, 1, 2))
    k = np.arange(6, dtype="float32").reshape(1, 1, 2, 3)
    d.set_weights([k])
    y = d(np.array([2.0, 5.0], "float32").reshape(1, 1, 1, 2))[0, 0, 0].numpy()
    np.testing.assert_array_equal(y, (np.array([2.0, 5.0])[:, None] * k[0, 0]).reshape(-1))  # channel c * 3 + m


def test_functional_model_of_every_family_symbolic_shapes_and_summary():
    keras.backend.clear_session()
    seen = []

    class Probe(L.Layer):  # records the shape its call sees while the model is built
        def call(self, x):
            seen.append(tuple(x.shape))
            return x

    inp = keras.Input((8, 8, 3))
    h = L.Conv2D(4, 3, padding="same")(inp)
    h = Probe()(h)
    h = L.SeparableConv2D(4, 3)(L.ZeroPadding2D(1)(h))
    h = L.Cropping2D(1)(L.UpSampling2D()(L.MaxPooling2D()(h)))
    a = L.GlobalAveragePooling2D()(h)
    b = L.Flatten()(L.Conv2DTranspose(2, 2, strides=2)(L.DepthwiseConv2D(2)(h)))
    c = L.Dense(4)(b)
    m = L.Concatenate()([L.Add()([a, c]), L.Multiply()([a, c]), L.Dot(axes=1)([a, c])])
    out = L.Dense(2)(L.LayerNormalization()(L.Reshape((3, 3))(m)))
    model = keras.Model(inp, out)
    assert seen == [(None, 8, 8, 4)]
    assert tuple(model.output.shape) == (None, 3, 2)
    assert model(np.zeros((5, 8, 8, 3), "float32")).shape == (5, 3, 2)
    lines = []
    model.summary(print_fn=lambda s, **_: lines.append(s))
    text = "\n".join(lines)
    assert f"Total params: {model.count_params():,}" in text and "(None, 6, 6, 4)" in text


def test_shared_layer_in_sequential():
    keras.backend.clear_session()
    shared = L.Dense(3, activation="tanh")
    model = keras.Sequential([keras.Input((3,)), shared, shared, L.Dense(1)])
    assert [w.path for w in model.weights] == ["sequential/dense/kernel", "sequential/dense/bias",
                                               "sequential/dense_1/kernel", "sequential/dense_1/bias"]
    x = np.random.default_rng(4).standard_normal((4, 3)).astype("float32")
    k, b = shared.kernel.numpy(), shared.bias.numpy()
    ref = np.tanh(np.tanh(x @ k + b) @ k + b) @ model.layers[-1].kernel.numpy() + model.layers[-1].bias.numpy()
    np.testing.assert_allclose(model(x).numpy(), ref, rtol=1e-5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(grads) == 4 and all(g is not None for g in grads)
    assert model.count_params() == 16


def test_keras_variable_conventions():
    layer = L.Dense(2, name="d")
    layer.build((None, 3))
    k = layer.kernel
    assert (k.name, k.path, k.dtype) == ("kernel", "d/kernel", "float32") and not isinstance(k, tf.Variable)
    assert isinstance(k, keras.Variable) and isinstance(k.value, tf.Variable)
    layer.bias.assign([0.5, -0.5])
    assert repr(layer.bias) == "<Variable path=d/bias, shape=(2,), dtype=float32, value=[ 0.5 -0.5]>"
    r = layer.bias.assign_add([1.0, 1.0])
    assert type(r) is tf.Tensor and r.numpy().tolist() == [1.5, 0.5]
    with pytest.raises(ValueError):
        layer.bias.assign([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(tf.ones((1, 3))) * 2.0)
    watched = tape.watched_variables()
    assert len(watched) == 2 and watched[0] is layer.kernel.value and watched[1] is layer.bias.value
    g = tape.gradient(y, layer.trainable_weights)
    assert [type(t) for t in g] == [tf.Tensor, tf.Tensor] and g[1].numpy().tolist() == [2.0, 2.0]
    with tf.GradientTape() as tape:  # NumPy functions on a Keras variable are recorded like on its Variable
        y = np.sum(np.exp(layer.kernel))
    np.testing.assert_allclose(tape.gradient(y, layer.kernel).numpy(), np.exp(layer.kernel.numpy()), rtol=1e-6)
    # a plain tapegrad Variable keeps TF's conventions
    v = tf.Variable(1.0)
    assert v.name == "Variable:0" and repr(v.assign(2.0)).startswith("<tapegrad.Variable 'UnreadVariable'")
    assert float(v.assign_add(1.0).assign_add(1.0)) == 4.0 and float(v) == 4.0
    with pytest.raises(TypeError):
        L.Layer().add_weight("kernel", shape=(2,))


def test_keras_variables_train_with_optimizers_and_checkpoints(tmp_path):
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), L.Conv1D(2, 1) if False else L.Dense(2), L.Dense(1)])
    x = np.ones((4, 3), "float32")
    model.compile(optimizer="adam", loss="mse")
    before = [w.numpy() for w in model.weights]
    model.fit(x, np.zeros((4, 1), "float32"), epochs=2, verbose=0)
    assert any(not np.array_equal(a, w.numpy()) for a, w in zip(before, model.weights))
    path = tmp_path / "w.weights.npz"
    model.save_weights(path)
    saved = [w.numpy() for w in model.weights]
    for w in model.weights:
        w.assign(np.zeros(tuple(w.shape), "float32"))
    model.load_weights(path)
    for a, w in zip(saved, model.weights):
        np.testing.assert_array_equal(a, w.numpy())


def test_normalization_adapt_batches_equals_whole():
    rng = np.random.default_rng(5)
    data = rng.standard_normal((37, 3)).astype("float32") * 4 + 2
    whole, batched = L.Normalization(), L.Normalization()
    whole.adapt(data)
    batched.adapt([data[i:i + 8] for i in range(0, 37, 8)])
    np.testing.assert_allclose(batched.mean.numpy(), whole.mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(batched.variance.numpy(), whole.variance.numpy(), rtol=1e-5)
    np.testing.assert_allclose(whole(data).numpy(), (data - data.mean(0)) / data.std(0), rtol=1e-4, atol=1e-5)
    inv = L.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(inv(np.array([[-1.0, 0.5]], "float32")).numpy(), [[0.0, 3.0]])


def test_config_round_trip():
    for layer in (L.Conv2D(4, (3, 2), strides=2, padding="same", groups=2, activation="relu"),
                  L.Conv2DTranspose(3, 3, strides=2, output_padding=1), L.MaxPooling1D(3, padding="same"),
                  L.Permute((2, 1)), L.ZeroPadding2D(((1, 2), (3, 4))), L.UpSampling2D(interpolation="bilinear"),
                  L.Dot(axes=(1, 2), normalize=True), L.LeakyReLU(0.1), L.GroupNormalization(4),
                  L.Rescaling(0.5, 1.0)):
        config = layer.get_config()
        clone = type(layer).from_config({k: v for k, v in config.items() if k != "name"})
        again = clone.get_config()
        assert {k: v for k, v in again.items() if k != "name"} == {k: v for k, v in config.items() if k != "name"}


@pytest.mark.parametrize("module", ["convolutional", "pooling", "reshaping", "merging", "activation",
                                    "normalization", "regularization", "preprocessing"])
def test_docstrings_run(module):
    mod = importlib.import_module(f"tapegrad.keras.layers.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_keras_variable_docstring():
    import tapegrad.keras.variables as mod

    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0


def test_backend_functions_docstring_and_gradients():
    import tapegrad.keras._backend_ops as mod

    assert doctest.testmod(mod).failed == 0
    K = keras.backend
    x = tf.constant([[1.0, -2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = K.sum(K.square(K.relu(x, alpha=0.5)))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[2.0, -1.0, 6.0]])  # 2 * relu * slope
    assert K.int_shape(K.batch_dot(tf.ones((2, 3, 4)), tf.ones((2, 4)), axes=(2, 1))) == (2, 3)
    assert K.result_type("int32", "float32") == "float32" and K.result_type("int8", "uint8") == "int16"


@pytest.mark.parametrize("shape", [(2, 6, 7, 3), (1, 4, 4, 1)])
def test_tiled_max_pool_routes_to_first_maximum(shape):
    """2x2/2 pooling (the reshaped fast path): ties (zeros after ReLU) and NaN windows route like TF's kernel, to the
    first maximum in row-major window order (for NaN: the first NaN), as the general strided-window path does."""
    rng = np.random.default_rng(6)
    x = np.maximum(np.round(rng.standard_normal(shape)), 0).astype("float32")
    if shape[-1] == 1:
        x[0, 1, 0, 0] = np.nan
    ho, wo = shape[1] // 2, shape[2] // 2
    win = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(1, 2))[:, ::2, ::2][:, :ho, :wo]
    first = win.reshape(win.shape[:-2] + (4,)).argmax(-1)
    g = rng.standard_normal((shape[0], ho, wo, shape[3])).astype("float32")
    g[0, 0, 0, 0] = np.inf  # a non-finite gradient reaches only its window's maximum (others stay exactly 0)
    expected = np.zeros_like(x)
    for idx in np.ndindex(first.shape):
        n, i, j, c = idx
        a, b = divmod(int(first[idx]), 2)
        expected[n, 2 * i + a, 2 * j + b, c] += g[idx]
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, 2, 2, "VALID")
    np.testing.assert_array_equal(tape.gradient(y, xt, output_gradients=tf.constant(g)).numpy(), expected)
    np.testing.assert_array_equal(np.isnan(y.numpy()), np.isnan(win.max(axis=(-2, -1))))


def test_module_holding_a_layer_checkpoints_its_keras_weights(tmp_path):
    """tf.Module.variables skips a held layer's Keras variables (as TF does), but a Checkpoint saves them."""
    class Holder(tf.Module):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)
            self.scale = tf.Variable(1.0)

    m = Holder()
    m.dense(tf.ones((1, 3)))
    assert [v.name for v in m.variables] == ["Variable:0"]
    ckpt = tf.train.Checkpoint(m=m)
    path = ckpt.save(str(tmp_path / "ckpt"))
    kernel = m.dense.kernel.numpy()
    m.dense.kernel.assign(np.zeros((3, 2), "float32"))
    ckpt.restore(path)
    np.testing.assert_array_equal(m.dense.kernel.numpy(), kernel)
