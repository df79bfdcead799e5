"""``tapegrad.keras.ops`` and ``tapegrad.keras.random`` (plus the docstring examples of ``keras.config``, ``tree``,
``constraints``, ``dtype_policies``, ``mixed_precision``): docstring examples, gradients in float64 against numerical
derivatives, and the places where tapegrad follows NumPy/SciPy instead of a Keras-on-TensorFlow bug (the values
Keras gets right are compared in tests/conformance_keras/programs_ops.py and programs_random.py)."""

from __future__ import annotations

import doctest
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import ops

MODULES = ["tapegrad.keras.ops", *(f"tapegrad.keras.ops.{m}" for m in ("_dtypes", "_array", "numpy", "nn", "core",
                                                                       "einops", "math", "linalg", "image")),
           *(f"tapegrad.keras.{m}" for m in ("random", "config", "tree", "constraints", "dtype_policies",
                                             "mixed_precision"))]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(module, name) if t.examples]
    assert tests, f"{name} has no examples"
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def test_whole_keras_ops_namespace() -> None:
    import keras as real_keras  # the installed Keras 3 lists the names

    names = {n for n in dir(real_keras.ops) if not n.startswith("_")}
    missing = sorted(n for n in names if not hasattr(ops, n))
    assert missing == [], missing


def _numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


RNG = np.random.default_rng(11)
A = RNG.standard_normal((3, 4))
SQ = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
IMG = RNG.random((1, 5, 4, 2))
KER = RNG.standard_normal((2, 2, 2, 3))
W = np.linspace(0.5, 1.5, 12).reshape(3, 4)

GRAD_CASES: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "hypot": (lambda x: ops.hypot(x, 2.0 * x + 1.0), A),
    "logaddexp2": (lambda x: ops.logaddexp2(x, -x), A),
    "sinc": (lambda x: ops.sinc(x), A),
    "cross": (lambda x: ops.cross(x[:, :3], x[:, 1:]), A),
    "kron": (lambda x: ops.kron(x[:2, :2], x[1:, 2:]), A),
    "trapezoid": (lambda x: ops.trapezoid(x, dx=0.5, axis=0), A),
    "quantile": (lambda x: ops.quantile(x, [0.3, 0.8], axis=1), A),
    "norm_nuc": (lambda x: ops.norm(x, "nuc"), A),
    "norm_3": (lambda x: ops.norm(x, 3, axis=1), A),
    "cdist": (lambda x: ops.cdist(x, x[::-1] * 0.5 + 0.1), A),
    "glu": (lambda x: ops.glu(x), A),
    "squareplus": (lambda x: ops.squareplus(x, 2.0), A),
    "sparse_plus": (lambda x: ops.sparse_plus(x * 2.0), A),
    "celu": (lambda x: ops.celu(x, 0.7), A),
    "rms_normalization": (lambda x: ops.rms_normalization(x, W[0]), A),
    "layer_normalization": (lambda x: ops.layer_normalization(x, W[0], W[1]), A),
    "normalize": (lambda x: ops.normalize(x, axis=0), A),
    "dot_product_attention": (lambda x: ops.dot_product_attention(ops.reshape(x, (1, 3, 1, 4)),
                                                                  ops.reshape(x * 0.5, (1, 3, 1, 4)),
                                                                  ops.reshape(x, (1, 3, 1, 4)), is_causal=True), A),
    "segment_max": (lambda x: ops.segment_max(x, np.array([0, 1, 1]), num_segments=2), A),
    "logdet": (lambda x: ops.logdet(ops.matmul(x, ops.transpose(x)) + ops.eye(3, dtype="float64")), SQ),
    "slogdet": (lambda x: ops.slogdet(x)[1], SQ),
    "solve": (lambda x: ops.solve(x, W[:, :2]), SQ),
    "inv": (lambda x: ops.inv(x), SQ),
    "cholesky": (lambda x: ops.cholesky(ops.matmul(x, ops.transpose(x)) + ops.eye(3, dtype="float64")), SQ),
    "lstsq": (lambda x: ops.lstsq(x, W[:, 0]), SQ),
    "extract_sequences": (lambda x: ops.extract_sequences(ops.reshape(x, (12,)), 4, 3), A),
    "unfold": (lambda x: ops.unfold(ops.reshape(x, (1, 1, 3, 4)), 2), A),
    "fold": (lambda x: ops.fold(ops.reshape(ops.concatenate([x, x * 0.5]), (1, 4, 6)), (3, 4), 2), A),
    "conv_transpose": (lambda x: ops.conv_transpose(x, KER.transpose(0, 1, 3, 2), 2, "same"), IMG),
    "depthwise_conv": (lambda x: ops.depthwise_conv(x, KER[:, :, :, :2], 1, "same"), IMG),
    "separable_conv": (lambda x: ops.separable_conv(x, KER[:, :, :, :1], np.ones((1, 1, 2, 3)) * 0.5), IMG),
    "average_pool": (lambda x: ops.average_pool(x, 2, 1, "same"), IMG),
    "psnr": (lambda x: ops.psnr(x, x * 0.9 + 0.05, 1.0), IMG),
    "corrcoef": (lambda x: ops.corrcoef(x), A),
    "vander": (lambda x: ops.vander(x[0], 3), A),
    "map_coordinates": (lambda x: ops.image.map_coordinates(x[0, :, :, 0], np.array([[0.3, 2.6, 3.9], [1.2, 0.5,
                                                                                                      2.9]]), 1), IMG),
    "rgb_to_hsv": (lambda x: ops.image.rgb_to_hsv(ops.concatenate([x, x[..., :1] * 0.5], -1)), IMG),
    "polar": (lambda x: ops.real(ops.polar(ops.abs(x) + 0.5, x)) + ops.imag(ops.polar(ops.abs(x) + 0.5, x)), A),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradient_matches_numerical_derivative(name: str) -> None:
    fn, x0 = GRAD_CASES[name]
    weights = np.random.default_rng(len(name)).standard_normal(np.shape(fn(x0)))

    def scalar(x: Any) -> Any:
        return ops.sum(ops.multiply(fn(x), weights))

    v = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = scalar(v)
    grad = tape.gradient(y, v)
    assert grad is not None, f"{name}: no gradient"
    expected = _numeric_grad(lambda x: float(scalar(x)), x0)
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-5, atol=1e-6, err_msg=name)


# -- where Keras on TensorFlow is wrong and NumPy/SciPy is followed ------------------------------------------------
def test_pad_broadcasts_pad_width_like_numpy() -> None:
    x = np.arange(12.0).reshape(3, 4)
    for width, mode in ((1, "reflect"), (2, "symmetric"), ((1, 2), "constant"), ((2, 1), "reflect")):
        np.testing.assert_array_equal(ops.pad(x, width, mode).numpy(), np.pad(x, width, mode), err_msg=str(width))


def test_unravel_index_nd_matches_numpy() -> None:
    idx = np.array([[5, 0], [3, 4]])
    for got, want in zip(ops.unravel_index(idx, (3, 2)), np.unravel_index(idx, (3, 2)), strict=True):
        np.testing.assert_array_equal(got.numpy(), want)


def test_eye_offset_and_rot90_half_turn_match_numpy() -> None:
    np.testing.assert_array_equal(ops.eye(3, 4, k=1).numpy(), np.eye(3, 4, k=1, dtype=np.float32))
    np.testing.assert_array_equal(ops.eye(3, k=-2, dtype="int32").numpy(), np.eye(3, k=-2, dtype=np.int32))
    x = np.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(ops.rot90(x, 2).numpy(), np.rot90(x, 2))
    np.testing.assert_array_equal(ops.rot90(x, -3, (1, 2)).numpy(), np.rot90(x, -3, (1, 2)))


@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_matches_scipy_outside_the_image(mode: str, order: int) -> None:
    ndimage = pytest.importorskip("scipy.ndimage")
    img = np.random.default_rng(3).random((5, 6))
    coords = np.array([[-2.3, 0.2, 4.6, 6.7, 11.2], [1.3, -0.6, 5.8, 8.1, -7.4]])
    scipy_mode = {"constant": "grid-constant", "wrap": "grid-wrap"}.get(mode, mode)
    # Keras on TF reflects |index|: its "reflect" at c is scipy's at |c| (recorded in programs_augment.py)
    want = ndimage.map_coordinates(img, np.abs(coords) if mode == "reflect" else coords, order=order,
                                   mode=scipy_mode, cval=0.25)
    got = ops.image.map_coordinates(img, coords, order, mode, fill_value=0.25).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_rearrange_errors_and_gradient() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(ValueError, match="without the sizes"):
        ops.rearrange(x, "(a b) c d -> a b c d")
    with pytest.raises(ValueError, match="same axes once each"):
        ops.rearrange(x, "a b c -> a b")
    with pytest.raises(ValueError, match="has 2 axes"):
        ops.rearrange(x, "a b -> b a")
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = ops.sum(ops.rearrange(v, "a b (c d) -> (d a) c b", d=2) * np.arange(24.0).reshape(4, 2, 3))
    want = np.arange(24.0).reshape(2, 2, 2, 3).transpose(1, 3, 2, 0).reshape(2, 3, 4)  # (d a) c b -> a b (c d)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), want)


def test_i0_of_uint8_stays_finite() -> None:
    assert np.isfinite(ops.i0(np.array([90], np.uint8)).numpy()).all()


def test_keras_errors_are_clear() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not divide into 2 equal sections"):
        ops.split(np.zeros(3), 2)
    with pytest.raises(ValueError, match="more than the rank"):
        ops.tensordot(np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match="boolean inputs"):
        ops.heaviside(np.array([True]), np.array([False]))
    with pytest.raises(ValueError, match="fill_mode 'mirror'"):
        ops.image.affine_transform(np.zeros((2, 2, 1)), np.eye(3).ravel()[:8], fill_mode="mirror")


# -- keras.random --------------------------------------------------------------------------------------------------
def test_int_seed_is_stateless_and_seed_generator_advances() -> None:
    a = keras.random.normal((4,), seed=5).numpy()
    np.testing.assert_array_equal(a, keras.random.normal((4,), seed=5).numpy())
    gen = keras.random.SeedGenerator(5)
    first = keras.random.normal((4,), seed=gen).numpy()
    second = keras.random.normal((4,), seed=gen).numpy()
    np.testing.assert_array_equal(first, a)  # [5, 0] is the int seed's pair
    assert not np.array_equal(first, second)
    assert gen.state.numpy().tolist() == [5, 2]


def test_unseeded_draws_follow_set_random_seed_and_clear_session() -> None:
    keras.utils.set_random_seed(123)
    first = [keras.random.uniform((3,)).numpy() for _ in range(2)]
    assert not np.array_equal(*first)
    keras.utils.set_random_seed(123)
    np.testing.assert_array_equal(keras.random.uniform((3,)).numpy(), first[0])
    keras.utils.set_random_seed(123)
    keras.backend.clear_session()  # a fresh global generator, seeded from Python's random state
    import random

    random.seed(123)
    np.testing.assert_array_equal(keras.random.uniform((3,)).numpy(), first[0])


def test_dropout_statistics_and_gradient() -> None:
    x = tf.Variable(np.ones((200, 50), np.float32))
    with tf.GradientTape() as tape:
        y = keras.random.dropout(x, 0.3, seed=9)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), kept / 0.7, rtol=1e-6)


# -- dtype policies, config -----------------------------------------------------------------------------------------
def test_layers_take_mixed_policies() -> None:
    assert keras.layers.Dense(2, dtype="mixed_float16").compute_dtype == "float16"
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        layer = keras.layers.Dense(2)
        assert (layer.dtype, layer.compute_dtype) == ("float32", "bfloat16")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.layers.Dense(2, dtype=keras.dtype_policies.DTypePolicy("float16")).dtype == "float16"


def test_constraint_names_resolve_in_add_weight() -> None:
    layer = keras.layers.Dense(2, kernel_constraint="unit_norm")
    layer.build((None, 3))
    assert isinstance(layer.kernel.constraint, keras.constraints.UnitNorm)


def test_set_backend_and_unsafe_deserialization() -> None:
    assert keras.config.backend() == keras.backend.backend() == "tapegrad"
    with pytest.raises(ValueError, match="runs on tapegrad only"):
        keras.config.set_backend("jax")
    from tapegrad.keras.saving import serialization_lib

    fn = serialization_lib.deserialize_keras_object
    with pytest.warns(UserWarning, match="lambda"):
        cfg = serialization_lib.serialize_keras_object(lambda x: x + 1)
    with pytest.raises(ValueError, match="lambda"):
        fn(cfg)
    keras.config.enable_unsafe_deserialization()
    try:
        assert fn(cfg)(1) == 2
    finally:
        serialization_lib._SCOPE.safe_mode = True


def test_import_tapegrad_keras_leaves_keras_ops_unloaded() -> None:
    import subprocess
    import sys

    code = ("import sys, tapegrad.keras; "
            "print(sorted(m for m in sys.modules if m.startswith('tapegrad.keras.ops')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_constraint_of_a_collected_variable_does_not_pass_to_a_new_one() -> None:
    import gc

    from tapegrad.keras.layers._base import variable_constraint

    layer = keras.layers.Dense(2, kernel_constraint="non_neg")
    layer.build((None, 3))
    assert isinstance(variable_constraint(layer.kernel), keras.constraints.NonNeg)
    del layer
    gc.collect()
    fresh = [keras.layers.Dense(2) for _ in range(50)]
    for layer in fresh:
        layer.build((None, 3))
    assert all(variable_constraint(layer.kernel) is None for layer in fresh)


def test_ctc_decode_matches_keras_on_tf():
    """Keras 3.15 on TF 2.21 decodes these scores to these paths and scores (recorded from it): greedy through
    tf.nn.ctc_greedy_decoder (negated sums of the best raw logits), beam search with the blank moved last."""
    ops = tf.keras.ops
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    lens = np.array([5, 3], "int32")
    cases = [
        ({}, [[[2, 3, 1, 3, -1], [1, 1, -1, -1, -1]]], [[-2.8095], [-2.4901]]),
        ({"merge_repeated": False}, [[[2, 2, 3, 1, 3], [1, 1, -1, -1, -1]]], [[-2.8095], [-2.4901]]),
        ({"mask_index": 2}, [[[3, 1, 3, -1, -1], [1, 0, 1, -1, -1]]], [[-2.8095], [-2.4901]]),
        ({"strategy": "beam_search", "beam_width": 4, "top_paths": 2},
         [[[2, 3, -1, -1, -1], [1, -1, -1, -1, -1]], [[2, 3, 1, 3, -1], [1, 3, -1, -1, -1]]],
         [[-2.9098, -2.9941], [-1.5842, -2.0191]]),
        ({"strategy": "beam_search", "mask_index": 1, "beam_width": 3}, [[[2, 3, -1, -1, -1], [0, -1, -1, -1, -1]]],
         [[-2.6581], [-1.2493]]),
    ]
    for kwargs, paths, scores in cases:
        decoded, got = ops.ctc_decode(x, lens, **kwargs)
        assert decoded.dtype == tf.int32 and np.asarray(decoded).tolist() == paths, kwargs
        np.testing.assert_allclose(np.asarray(got), scores, atol=1e-4, err_msg=str(kwargs))
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(x, lens, strategy="viterbi")
