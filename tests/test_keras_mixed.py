"""Keras 3 mixed precision (``keras._autocast``, ``dtype_policies``), ``DTypePolicyMap`` and optimizers'
``gradient_accumulation_steps``: behaviour checks that need no TensorFlow (values against Keras 3 are compared in
tests/conformance_keras/programs_kmix.py)."""

from __future__ import annotations

import doctest
import importlib
from collections.abc import Iterator

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


@pytest.fixture(autouse=True)
def _float32_policy() -> Iterator[None]:
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("name", ["tapegrad.keras._autocast", "tapegrad.keras.dtype_policies",
                                  "tapegrad.keras.mixed_precision"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(module, name) if t.examples]
    assert tests
    for t in tests:
        runner.run(t)
    assert runner.failures == 0


@pytest.mark.parametrize("policy,half", [("mixed_float16", "float16"), ("mixed_bfloat16", "bfloat16")])
def test_dense_autocasts_and_gradients_are_float32(policy: str, half: str) -> None:
    layer = keras.layers.Dense(3, dtype=policy)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    before = x.copy()
    with tf.GradientTape() as tape:
        y = layer(x)
        loss = tf.reduce_sum(tf.cast(y, "float32") ** 2)
    assert y.dtype.name == half and layer.kernel.dtype == "float32" and layer.kernel.value.dtype.name == "float32"
    grads = tape.gradient(loss, layer.trainable_weights)
    assert [g.dtype.name for g in grads] == ["float32", "float32"]
    # the half-precision forward: x and the kernel rounded to the compute dtype, one rounding of the product
    k = layer.kernel.numpy().astype(half)
    expected = (x.astype(half).astype(np.float32) @ k.astype(np.float32)).astype(half)
    np.testing.assert_array_equal(np.asarray(y.numpy()), expected)
    np.testing.assert_array_equal(x, before)  # the caller's array is not touched


def test_variable_reads_inside_call_and_autocast_false() -> None:
    seen = []

    class Probe(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
            self.n = self.add_weight(shape=(), initializer="ones", name="n", autocast=False)

        def call(self, x):
            seen.append((self.w.dtype, self.w.value.dtype.name, self.n.dtype, x.dtype.name))
            return x * self.w

    probe = Probe(dtype="mixed_float16")
    probe(np.ones((1, 2), np.float32))
    assert seen == [("float16", "float16", "float32", "float16")]
    assert probe.w.dtype == "float32" and probe.w.value.dtype.name == "float32"  # outside call: the variable
    assert keras.Variable(np.ones(2, np.float32), autocast=False).autocast is False


def test_float32_layer_inside_a_mixed_one_reads_float32() -> None:
    inner = keras.layers.Dense(2, dtype="float32")
    outer = keras.Sequential([keras.layers.Dense(2, dtype="mixed_float16"), inner])
    assert outer(np.ones((1, 2), np.float32)).dtype.name == "float32"


def test_normalization_layers_compute_in_float32() -> None:
    x = (np.random.default_rng(1).standard_normal((8, 6)) * 300).astype(np.float32)
    for cls, rounded in ((keras.layers.BatchNormalization, True), (keras.layers.LayerNormalization, False)):
        mixed, plain = cls(dtype="mixed_float16"), cls()
        y = mixed(x, training=True)
        assert y.dtype.name == "float16" and mixed.compute_dtype == "float16"
        # computed in float32 (from the float16-rounded input: BatchNormalization autocasts, LayerNormalization
        # does not, as in Keras 3), then rounded once
        ref = plain(x.astype(np.float16).astype(np.float32) if rounded else x, training=True).numpy()
        np.testing.assert_array_equal(np.asarray(y.numpy()), ref.astype(np.float16))
    bn = keras.layers.BatchNormalization(dtype="mixed_float16")
    bn(x, training=True)
    assert bn.moving_mean.dtype == "float32"


def test_symbolic_outputs_and_fit_under_global_policy() -> None:
    keras.mixed_precision.set_global_policy("mixed_float16")
    inp = keras.Input((4,))
    h = keras.layers.Dense(3)(inp)
    out = keras.layers.LayerNormalization()(h)
    assert (h.dtype, out.dtype) == ("float16", "float16")
    model = keras.Model(inp, keras.layers.Dense(1, dtype="float32")(out))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((16, 4)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    before = [w.numpy().copy() for w in model.weights]
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert all(np.isfinite(hist.history["loss"]))
    assert all(w.dtype == "float32" for w in model.weights)
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, model.weights))
    assert model.predict(x, verbose=0).dtype == np.float32


def test_compile_keeps_an_explicit_optimizer_choice() -> None:
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", auto_scale_loss=False)
    assert type(model.optimizer).__name__ == "Adam"
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    assert type(model.optimizer).__name__ == "Adam"  # bfloat16 has float32's range: no loss scaling


def test_mixed_config_roundtrip_and_policy_setter() -> None:
    layer = keras.layers.Dense(2, dtype="mixed_bfloat16")
    config = layer.get_config()
    assert config["dtype"]["config"] == {"name": "mixed_bfloat16"}
    clone = keras.layers.Dense.from_config(config)
    assert (clone.compute_dtype, clone.variable_dtype) == ("bfloat16", "float32")
    assert keras.layers.Dense(2).get_config()["dtype"] == "float32"
    layer = keras.layers.Dense(2)
    layer.dtype_policy = "mixed_float16"
    assert layer.compute_dtype == "float16" and layer(np.ones((1, 3), np.float32)).dtype.name == "float16"


def test_conv_and_pooling_in_bfloat16() -> None:
    x = np.random.default_rng(3).standard_normal((2, 6, 6, 2)).astype(np.float32)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    conv = keras.layers.Conv2D(3, 3, padding="same", activation="relu")
    with tf.GradientTape() as tape:
        y = keras.layers.AveragePooling2D(2)(keras.layers.MaxPooling2D()(conv(x)))
        loss = tf.reduce_sum(tf.cast(y, "float32"))
    assert y.dtype.name == "bfloat16"
    assert [g.dtype.name for g in tape.gradient(loss, conv.trainable_weights)] == ["float32", "float32"]


def test_dtype_policy_map_lookups_and_errors() -> None:
    dp = keras.dtype_policies
    pm = dp.DTypePolicyMap("float32", {"blk/.*": dp.DTypePolicy("mixed_float16")})
    assert pm["blk/a"].name == "mixed_float16" and pm["blk"].name == "float32" and pm.name == "map_float32"
    pm["blk/a"] = "bfloat16"  # an exact key wins over a pattern
    assert pm["blk/a"].name == "bfloat16"
    with pytest.raises(ValueError, match="already in the DTypePolicyMap"):
        pm["blk/a"] = "float16"
    pm["b.*"] = "float16"
    with pytest.raises(ValueError, match="matches several keys"):
        pm["blk/z"]
    with pytest.raises(TypeError, match="policy_map"):
        dp.DTypePolicyMap(policy_map=[("a", "float16")])
    back = dp.deserialize(dp.serialize(pm))
    assert isinstance(back, dp.DTypePolicyMap) and back["blk/a"].name == "bfloat16" and len(back) == 3
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    assert dp.DTypePolicyMap().default_policy.name == "mixed_bfloat16"  # no default: the global policy


def _run(opt: keras.optimizers.Optimizer, grads: np.ndarray) -> list[np.ndarray]:
    v = tf.Variable(np.zeros(3, np.float32))
    out = []
    for g in grads:
        opt.apply_gradients([(tf.constant(g), v)])
        out.append(v.numpy().copy())
    return out


def test_gradient_accumulation_applies_the_mean_every_n_calls() -> None:
    g = np.random.default_rng(4).standard_normal((6, 3)).astype(np.float32)
    acc = _run(keras.optimizers.SGD(0.1, gradient_accumulation_steps=3), g)
    plain = _run(keras.optimizers.SGD(0.1), [g[:3].sum(0) / np.float32(3), g[3:].sum(0) / np.float32(3)])
    np.testing.assert_array_equal(acc[0], 0)
    np.testing.assert_array_equal(acc[1], 0)
    np.testing.assert_allclose(acc[2], plain[0], rtol=1e-6)
    np.testing.assert_allclose(acc[5], plain[1], rtol=1e-6)
    opt = keras.optimizers.Adam(gradient_accumulation_steps=2)
    _run(opt, g[:5])
    assert int(opt.iterations) == 2 and int(opt._iterations.numpy()) == 5
    assert sum("gradient_accumulator" in v.name for v in opt.variables) == 1
    with pytest.raises(ValueError, match=">= 2"):
        keras.optimizers.SGD(gradient_accumulation_steps=1)


def test_autocast_and_stateless_scopes_are_per_thread() -> None:
    import threading

    from tapegrad.keras._autocast import SCOPE, AutocastScope
    from tapegrad.keras._scopes import in_stateless_scope

    seen = []
    with AutocastScope("float16"), keras.StatelessScope():
        worker = threading.Thread(target=lambda: seen.append((SCOPE.dtype, in_stateless_scope())))
        worker.start()
        worker.join()
        assert SCOPE.dtype == "float16" and in_stateless_scope()
    assert seen == [(None, False)] and SCOPE.dtype is None


def test_an_empty_policy_map_is_kept() -> None:
    pm = keras.dtype_policies.DTypePolicyMap("mixed_float16")
    layer = keras.layers.Dense(2, dtype=pm)
    assert layer.dtype_policy is pm and layer.compute_dtype == "float16" and len(pm) == 0
