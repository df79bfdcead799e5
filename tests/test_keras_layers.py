"""Keras layers and models without TensorFlow: tracking, building, functional graphs, Sequential, summaries."""

from __future__ import annotations

import doctest
import importlib
import io
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)


def test_dense_math_and_weights():
    layer = keras.layers.Dense(3, activation="relu")
    x = np.arange(8, dtype=np.float64).reshape(2, 4) - 3  # float64 input is cast to the layer's float32
    y = layer(x)
    assert y.dtype == tf.float32 and y.shape == (2, 3)
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), np.maximum(x.astype(np.float32) @ k + b, 0), rtol=1e-6)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert keras.backend.variable_path(layer.kernel) == "dense/kernel"
    limit = np.sqrt(6 / (4 + 3))
    assert np.abs(k).max() <= limit and np.all(b == 0)


def test_dense_gradients_reach_weights():
    layer = keras.layers.Dense(2, use_bias=False, kernel_initializer="ones")
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x) ** 2)
    (g,) = tape.gradient(y, layer.trainable_weights)
    np.testing.assert_allclose(g.numpy(), [[6.0, 6.0], [12.0, 12.0]])


def test_input_spec_errors():
    layer = keras.layers.Dense(2)
    with pytest.raises(ValueError, match="expected min_ndim=2"):
        layer(np.ones(3, np.float32))
    layer(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((1, 4), np.float32))
    with pytest.raises(ValueError, match="positive integer"):
        keras.layers.Dense(0)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        keras.layers.Dense(2, unknown=1)


def test_custom_layer_tracking_order_and_freeze():
    class Block(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.first = keras.layers.Dense(2)
            self.pair = [keras.layers.Dense(2), {"n": keras.layers.BatchNormalization()}]
            self.raw = tf.Variable(1.0, name="raw")

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
            self.stat = self.add_weight(shape=(), initializer="zeros", trainable=False, name="stat")

        def call(self, x, training=None):
            return self.pair[1]["n"](self.pair[0](self.first(x)), training=training) * self.scale

    block = Block()
    block(np.ones((3, 2), np.float32), training=True)
    assert [w.name for w in block.weights] == ["scale", "stat", "raw:0", "kernel", "bias", "kernel", "bias",
                                               "gamma", "beta", "moving_mean", "moving_variance"]
    assert len(block.trainable_weights) == 8 and len(block.non_trainable_weights) == 3
    block.first.trainable = False
    assert len(block.trainable_weights) == 6 and block.first.kernel.trainable is False
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 11
    block.trainable = True
    assert len(block.trainable_weights) == 8


def test_training_flag_propagates_through_call_context():
    seen = []

    class Probe(keras.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, x, training=None):
            return self.probe(x)

    outer = Outer()
    outer(np.ones((1, 1), np.float32), training=True)
    outer(np.ones((1, 1), np.float32))
    outer(np.ones((1, 1), np.float32), training=False)
    assert seen == [True, None, False]


def test_dropout_seed_and_rates():
    a, b = keras.layers.Dropout(0.5, seed=7), keras.layers.Dropout(0.5, seed=7)
    x = tf.ones([100])
    m1, m2 = a(x, training=True).numpy(), b(x, training=True).numpy()
    assert np.array_equal(m1, m2) and set(np.unique(m1)) == {0.0, 2.0}
    assert not np.array_equal(a(x, training=True).numpy(), m1)  # the sequence advances
    assert np.array_equal(keras.layers.Dropout(0.0)(x, training=True).numpy(), x.numpy())
    assert np.all(keras.layers.Dropout(1.0)(x, training=True).numpy() == 0)
    with pytest.raises(ValueError, match="rate"):
        keras.layers.Dropout(-0.1)
    shaped = keras.layers.Dropout(0.5, noise_shape=(None, 1), seed=1)(tf.ones([6, 4]), training=True).numpy()
    assert all(len(set(row)) == 1 for row in shaped)  # one decision per row


def test_embedding_lookup_gradient_and_mask():
    emb = keras.layers.Embedding(6, 2, mask_zero=True)
    ids = np.array([[0, 3, 3]], np.int32)
    with tf.GradientTape() as tape:
        y = emb(ids)
        loss = tf.reduce_sum(y)
    g = tape.gradient(loss, emb.embeddings)
    assert isinstance(g, tf.IndexedSlices) and g.indices.numpy().tolist() == [0, 3, 3]
    np.testing.assert_array_equal(y.numpy()[0, 1], emb.embeddings.numpy()[3])
    assert emb.compute_mask(ids).numpy().tolist() == [[False, True, True]]
    assert emb(np.array([1.0, 2.0])).shape == (2, 2)  # float ids are cast to int32
    before = emb.embeddings.numpy()
    keras.optimizers.SGD(1.0).apply_gradients([(g, emb.embeddings)])
    changed = np.any(emb.embeddings.numpy() != before, axis=1)
    assert changed.tolist() == [True, False, False, True, False, False]


def test_flatten_activation_lambda():
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    assert keras.layers.Flatten()(x).shape == (2, 12)
    assert keras.layers.Flatten()(tf.ones([5])).shape == (5, 1)
    assert keras.layers.Activation("softmax")(x).numpy().sum(-1).round(5).tolist() == [[1.0] * 3] * 2
    lam = keras.layers.Lambda(lambda t, training=None: t * (2.0 if training else 1.0))
    assert float(lam(tf.constant(1.0), training=True)) == 2.0
    with pytest.raises(ValueError, match="callable"):
        keras.layers.Lambda(3)


def test_batchnorm_statistics():
    bn = keras.layers.BatchNormalization(momentum=0.5, epsilon=0.0)
    x = np.array([[1.0, 10.0], [3.0, 30.0]], np.float32)
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y, [[-1, -1], [1, 1]], atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [1.0, 10.0])
    np.testing.assert_allclose(bn.moving_variance.numpy(), [1.0, 50.5])
    y_inf = bn(x).numpy()
    np.testing.assert_allclose(y_inf, (x - [1.0, 10.0]) / np.sqrt([1.0, 50.5]), rtol=1e-5)
    with pytest.raises(ValueError, match="out of bounds"):
        keras.layers.BatchNormalization(axis=3)(np.ones((2, 2), np.float32))


def test_functional_graph_and_errors():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = keras.layers.Dense(4)(a)
    out = keras.layers.Lambda(lambda t: tf.concat(t, axis=-1))([h, b])
    model = keras.Model([a, b], out * 2.0)
    assert isinstance(model, keras.Model) and type(model).__name__ == "Functional"
    assert model.output_shape == (None, 6) and model.input_shape == [(None, 3), (None, 2)]
    y = model([np.ones((5, 3)), np.ones((5, 2))])
    assert y.shape == (5, 6) and np.allclose(y.numpy()[:, 4:], 2.0)
    with pytest.raises(ValueError, match="expects 2 input"):
        model([np.ones((5, 3))])
    c = keras.Input((3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, keras.layers.Dense(1)(c))
    with pytest.raises(ValueError, match="KerasTensors"):
        keras.Model(a, tf.ones([1]))
    with pytest.raises(ValueError, match="symbolic"):
        np.asarray(a)


def test_nested_models_and_shared_layers():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    inp = keras.Input((3,))
    shared = keras.layers.Dense(3)
    outer = keras.Model(inp, inner(shared(shared(inp))))
    assert outer(np.ones((4, 3))).shape == (4, 2)
    assert len(outer.trainable_weights) == 4
    assert not outer._is_sequential_like()  # a shared layer: Keras prints the "Connected to" column


def test_sequential_add_pop_and_input_shape_kwarg():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dense(1)])
    assert any("input_shape" in str(w.message) for w in caught)
    assert model.built and model.output_shape == (None, 1)
    model.add(keras.layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.units == 2 and model.output_shape == (None, 1)
    with pytest.raises(ValueError, match="unique names"):
        model.add(keras.layers.Dense(1, name=model.layers[0].name))
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        model.add(object())
    deferred = keras.Sequential([keras.layers.Dense(2)])
    assert not deferred.built
    deferred(np.ones((3, 5)))
    assert deferred.built and deferred.count_params() == 12


def test_subclassed_model_weights_and_get_layer():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.blocks = [keras.layers.Dense(3), keras.layers.Dense(1)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    net = Net()
    net(np.ones((2, 4)))
    assert [w.shape for w in net.weights] == [(4, 3), (3,), (3, 1), (1,)]
    assert net.get_layer(index=1) is net.blocks[1]
    assert net.get_layer(net.blocks[0].name) is net.blocks[0]
    with pytest.raises(ValueError, match="No such layer"):
        net.get_layer("missing")
    weights = net.get_weights()
    net.set_weights([w + 1 for w in weights])
    assert np.allclose(net.get_weights()[0], weights[0] + 1)
    with pytest.raises(ValueError, match="expecting 4 weights"):
        net.set_weights(weights[:2])
    with pytest.raises(TypeError, match="subclassed"):
        Net.__init__(net, keras.Input((1,)), None)


def test_summary_layout():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.BatchNormalization()])
    lines = []
    model.summary(line_length=60, print_fn=lines.append)
    text = lines[0]
    assert text.startswith('Model: "sequential"\n┏')
    assert "│ batch_normalization" in text and "(BatchNormalization)" in text
    assert " Total params: 72 (288.00 B)" in text and " Non-trainable params: 16 (64.00 B)" in text
    assert all(len(line) == len(text.splitlines()[1]) for line in text.splitlines()[1:-3])
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary(show_trainable=True)
    assert "Trainable" in buf.getvalue()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 4)), np.ones((4, 8)), verbose=0)
    lines = []
    model.summary(print_fn=lines.append)
    assert " Optimizer params: 114 (460.00 B)" in lines[0]  # iteration, learning rate, 2 Adam slots per weight


def test_initializers_scales_and_registry():
    init = keras.initializers
    assert init.compute_fans((2, 3)) == (2, 3) and init.compute_fans((5,)) == (5, 5)
    assert init.compute_fans(()) == (1, 1) and init.compute_fans((3, 3, 4, 8)) == (36, 72)
    he = init.HeNormal(seed=1)((500, 400)).numpy()
    assert abs(he.std() - np.sqrt(2 / 500)) < 0.002 and np.abs(he).max() <= 2 * np.sqrt(2 / 500) / 0.8796 + 1e-6
    gu = init.GlorotUniform(seed=2)((300, 200)).numpy()
    assert np.abs(gu).max() <= np.sqrt(6 / 500) and abs(gu.std() - np.sqrt(2 / 500)) < 0.002
    assert np.array_equal(init.GlorotUniform(seed=3)((3, 3)).numpy(), init.GlorotUniform(seed=3)((3, 3)).numpy())
    keras.utils.set_random_seed(5)
    first = init.GlorotUniform()((3, 3)).numpy()
    keras.utils.set_random_seed(5)
    assert np.array_equal(first, init.GlorotUniform()((3, 3)).numpy())
    assert isinstance(init.get("he_normal"), init.HeNormal) and isinstance(init.get("uniform"), init.RandomUniform)
    assert init.get(None) is None
    assert init.Constant(2.0)((2,), dtype="float64").dtype == tf.float64
    cfg = init.serialize(init.VarianceScaling(2.0, "fan_out", "uniform", seed=4))
    assert init.deserialize(cfg).get_config() == cfg["config"]
    with pytest.raises(ValueError, match="Could not interpret"):
        init.get("nope")
    with pytest.raises(ValueError, match="mode"):
        init.VarianceScaling(mode="fan_sideways")


def test_activation_lookup():
    assert keras.activations.get("relu") is keras.activations.relu
    assert keras.activations.get(None) is keras.activations.linear
    f = lambda t: t  # noqa: E731
    assert keras.activations.get(f) is f
    with pytest.raises(ValueError, match="activation function identifier"):
        keras.activations.get("nope")
    x = tf.constant([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(keras.activations.hard_sigmoid(x).numpy(), [[1 / 3, 0.5, 5 / 6]], rtol=1e-6)
    assert keras.activations.leaky_relu(x).numpy().tolist()[0][0] == pytest.approx(-0.2)


def test_keras_tensor_arithmetic_builds_nodes():
    inp = keras.Input((2,))
    out = -(inp * 3.0 + 1.0) / 2.0
    model = keras.Model(inp, out[:, 0])
    assert model.output_shape == (None,)
    assert model(np.array([[1.0, 5.0]])).numpy().tolist() == [-2.0]


@pytest.mark.parametrize("module", ["tapegrad.keras", "tapegrad.keras.layers._base", "tapegrad.keras.layers.core",
                                    "tapegrad.keras.layers.normalization", "tapegrad.keras.models.model",
                                    "tapegrad.keras.models.sequential", "tapegrad.keras.activations",
                                    "tapegrad.keras.initializers", "tapegrad.keras.backend",
                                    "tapegrad.keras.layers"])
def test_docstrings_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0


@pytest.mark.parametrize("case", ["random", "all_negative", "positive_ties", "strided_same"])
def test_conv_relu_before_max_pool_runs_pooled_then_relu_with_tf_values_and_gradients(case):
    # A functional model runs Conv2D(relu) -> MaxPooling2D as conv, pool, relu (max and ReLU commute); the same
    # layers called one by one (conv with its ReLU, then the pooling) give the same values and gradients, ties and
    # windows without a positive value included.
    rng = np.random.default_rng(11)
    pool_kw = {"pool_size": 3, "strides": 2, "padding": "same"} if case == "strided_same" else {}
    inp = keras.Input((7, 7, 2))
    conv = keras.layers.Conv2D(3, 2, activation="relu")
    pool = keras.layers.MaxPooling2D(**pool_kw)
    model = keras.Model(inp, keras.layers.Dense(2)(pool(conv(inp))))
    folded, skipped, pooled = model._fold_plan()
    if case == "strided_same":
        assert len(folded) == 2 and not skipped and not pooled
    else:  # a 2×2 pooling: conv, ReLU and pooling as one op (ops/conv_pool.py; its own tests: test_conv_pool.py)
        assert len(folded) == len(skipped) == len(pooled) == 1
    if case == "all_negative":
        conv.bias.assign(np.full(3, -1.0, np.float32))
        conv.kernel.assign(np.zeros((2, 2, 2, 3), np.float32))
    elif case == "positive_ties":
        conv.bias.assign(np.array([1.0, 0.0, 2.0], np.float32))
        conv.kernel.assign(np.zeros((2, 2, 2, 3), np.float32))
    x = tf.constant(rng.standard_normal((2, 7, 7, 2)).astype(np.float32))
    dense = model.layers[-1]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        fused = model(x)
        direct = dense(pool(conv(x)))
    np.testing.assert_array_equal(fused.numpy(), direct.numpy())
    for target in [x, conv.kernel, conv.bias, dense.kernel]:
        # the one op's filter and bias gradients add the same terms in another order: equal to float32 rounding
        np.testing.assert_allclose(tape.gradient(fused, target).numpy(), tape.gradient(direct, target).numpy(),
                                   rtol=0 if case == "strided_same" else 1e-5, atol=0 if case == "strided_same"
                                   else 1e-6)
    if case == "all_negative":
        assert not tape.gradient(fused, conv.kernel).numpy().any()


def test_conv_relu_keeps_its_order_when_its_output_is_used_elsewhere():
    inp = keras.Input((6, 6, 1))
    h = keras.layers.Conv2D(2, 3, activation="relu")(inp)
    model = keras.Model(inp, [keras.layers.MaxPooling2D()(h), h])
    assert model._fold_plan() == (frozenset(), frozenset(), {})
    x = np.random.default_rng(1).standard_normal((1, 6, 6, 1)).astype(np.float32)
    pooled, h_val = model(x)
    assert h_val.numpy().min() >= 0
    np.testing.assert_array_equal(pooled.numpy(), keras.layers.MaxPooling2D()(h_val).numpy())


@pytest.mark.parametrize("compiled", [False, True])
def test_batch_norm_before_global_average_pooling_runs_as_one_pooled_op(compiled):
    # A functional model runs BatchNormalization -> GlobalAveragePooling2D as one op that returns the pooled values
    # (the normalised activations are never made); the same layers called one by one give the same values,
    # gradients and moving statistics (to float32 rounding), in training and in inference, eager and compiled.
    rng = np.random.default_rng(5)
    inp = keras.Input((5, 6, 4))
    bn, gap, dense = keras.layers.BatchNormalization(momentum=0.5), keras.layers.GlobalAveragePooling2D(), \
        keras.layers.Dense(3)
    model = keras.Model(inp, dense(gap(bn(inp))))
    folded, skipped, _ = model._fold_plan()
    assert len(folded) == len(skipped) == 1
    bn.gamma.assign(rng.uniform(0.5, 2.0, 4).astype(np.float32))
    bn.beta.assign(rng.standard_normal(4).astype(np.float32))
    x = tf.constant((rng.standard_normal((3, 5, 6, 4)) * 3 + 1).astype(np.float32))
    targets = [bn.gamma, bn.beta, dense.kernel]

    def step(run):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = run(x)
            loss = tf.reduce_sum(y * y)
        return [y, *tape.gradient(loss, [x, *targets])]

    fused_step = tf.function(lambda v: step(lambda t: model(t, training=True))) if compiled else \
        (lambda v: step(lambda t: model(t, training=True)))
    stats = []
    results = []
    for run in (fused_step, lambda v: step(lambda t: dense(gap(bn(t, training=True))))):
        bn.moving_mean.assign(np.zeros(4, np.float32))
        bn.moving_variance.assign(np.ones(4, np.float32))
        results.append([r.numpy() for r in run(x)])
        stats.append((bn.moving_mean.numpy(), bn.moving_variance.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    for a, b in zip(*stats):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert np.abs(stats[0][0]).max() > 0.1  # the moving mean moved
    np.testing.assert_allclose(model(x, training=False).numpy(), dense(gap(bn(x, training=False))).numpy(),
                               rtol=2e-5, atol=2e-6)


def test_folded_batch_norm_pooling_output_carries_no_mask():
    # GlobalAveragePooling2D's output has no Keras mask; the folded pair's output neither (the batch norm, which
    # supports masking, would pass an incoming one on)
    class Masking(keras.layers.Layer):
        def call(self, x):
            return x

        def compute_mask(self, inputs, previous_mask=None):
            return tf.reduce_any(tf.not_equal(inputs, 0.0), axis=-1)

    inp = keras.Input((3, 3, 2))
    masking = Masking()
    masking.supports_masking = True
    masked = masking(inp)
    model = keras.Model(inp, keras.layers.GlobalAveragePooling2D()(keras.layers.BatchNormalization()(masked)))
    assert len(model._fold_plan()[1]) == 1
    x = np.random.default_rng(2).standard_normal((2, 3, 3, 2)).astype(np.float32)
    x[0, 0, 0] = 0.0
    out = model(x, training=True)
    assert getattr(out, "_keras_mask", None) is None
    assert out.shape == (2, 2)
