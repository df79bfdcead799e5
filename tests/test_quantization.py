"""tf.quantization and tf.version (values recorded from TF 2.21; the full comparison, gradients included, runs in
tests/conformance/misc_programs.py)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, NotFoundError, UnimplementedError


def test_docstring_examples_run() -> None:
    from tapegrad import quantization, version
    from tapegrad.ops import quantization_ops

    assert doctest.testmod(quantization).failed == 0
    assert doctest.testmod(version).failed == 0
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for name in quantization_ops.EXPORTS["quantization"]:
        for test in finder.find(getattr(quantization_ops, name), name):
            runner.run(test)
    r = runner.summarize(verbose=False)
    assert r.attempted >= 25 and r.failed == 0


def test_fake_quant_nudging_and_straight_through_gradient() -> None:
    x = tf.constant([-1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0])
    y = tf.quantization.fake_quant_with_min_max_args(x, -1.0, 1.0)
    # TF 2.21: the range [-1, 1] is nudged to [-0.99607843, 1.00392157] so that 0.0 is a level
    np.testing.assert_array_equal(y.numpy(), np.float32([-0.9960785, -0.5019608, 0.0, 0.29803923, 0.5019608,
                                                          1.0039216, 1.0039216]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.quantization.fake_quant_with_min_max_args(x, -1.0, 1.0)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    z = tf.quantization.fake_quant_with_min_max_vars(x, 0.0, 0.0)
    assert z.numpy().tolist() == [0.0] * 7


def test_fake_quant_vars_range_gradients() -> None:
    lo, hi = tf.Variable(-1.0), tf.Variable(1.0)
    x = tf.constant([[-3.0, 0.2], [0.4, 5.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.quantization.fake_quant_with_min_max_vars(x, lo, hi)
        loss = tf.reduce_sum(y * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    gx, glo, ghi = tape.gradient(loss, [x, lo, hi])
    assert gx.numpy().tolist() == [[0.0, 2.0], [3.0, 0.0]]
    assert float(glo) == 1.0 and float(ghi) == 4.0
    lo_c, hi_c = tf.Variable([-1.0, -1.0]), tf.Variable([1.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.quantization.fake_quant_with_min_max_vars_per_channel(x, lo_c, hi_c)
    g_lo, g_hi = tape.gradient(y, [lo_c, hi_c])
    assert g_lo.numpy().tolist() == [1.0, 0.0] and g_hi.numpy().tolist() == [0.0, 1.0]


def test_quantize_dequantize_modes() -> None:
    x = tf.constant([-1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0])
    want = {("uint8", "MIN_COMBINED"): [0, 64, 128, 166, 191, 255, 255],
            ("int8", "MIN_COMBINED"): [-128, -64, -1, 38, 63, 127, 127],
            ("int8", "MIN_FIRST"): [-128, -64, 0, 38, 64, 127, 127],
            ("int8", "SCALED"): [-127, -64, 0, 38, 64, 127, 127]}
    for (dt, mode), values in want.items():
        r = tf.quantization.quantize(x, -1.0, 1.0, tf.as_dtype(dt), mode=mode)
        assert r.output.dtype.name == dt and r.output.numpy().tolist() == values, (dt, mode)
    r = tf.quantization.quantize(x, -1.0, 1.0, "qint8", mode="SCALED")
    assert float(r.output_min) == pytest.approx(-1.0078740119934082)
    d = tf.quantization.dequantize(r.output, r.output_min, r.output_max, mode="SCALED")
    np.testing.assert_allclose(d.numpy(), [-1.0, -0.503937, 0.0, 0.2992126, 0.503937, 1.0, 1.0], rtol=1e-6)
    with pytest.raises(TypeError):
        tf.quantization.quantize(x, -1.0, 1.0, tf.float32)
    with pytest.raises(InvalidArgumentError):
        tf.quantization.quantize(x, -1.0, 1.0, "qint8", round_mode="HALF_TO_EVEN")
    with pytest.raises(NotFoundError):
        tf.quantization.dequantize(tf.constant([5], tf.int32), -1.0, 1.0, mode="SCALED")


def test_quantize_per_axis() -> None:
    x = tf.constant([[-1.0, 0.25], [0.5, 0.75]])
    r = tf.quantization.quantize(x, [-1.0, 0.0], [1.0, 1.0], "quint8", axis=1)
    assert r.output.numpy().tolist() == [[0, 64], [191, 191]]  # TF 2.21
    assert r.output_min.numpy().tolist() == [-1.0, 0.0] and r.output_max.numpy().tolist() == [1.0, 1.0]
    d = tf.quantization.dequantize(r.output, r.output_min, r.output_max, axis=1)
    np.testing.assert_allclose(d.numpy(), [[-1.0, 0.2509804], [0.4980392, 0.7490196]], rtol=1e-6)
    with pytest.raises(UnimplementedError):
        tf.quantization.quantize(x, [-1.0, 0.0], [1.0, 1.0], "quint8", mode="MIN_FIRST", axis=1)


def test_quantize_and_dequantize_v2_and_gradient() -> None:
    x = tf.constant([-1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.0])
    lo, hi = tf.constant(-1.0), tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch([x, lo, hi])
        y = tf.quantization.quantize_and_dequantize_v2(x, lo, hi)
    np.testing.assert_allclose(y.numpy(), [-1.007874, -0.503937, 0.0, 0.2992126, 0.503937, 1.007874, 2.0], rtol=1e-6)
    gx, glo, ghi = tape.gradient(y, [x, lo, hi])
    assert gx.numpy().tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]  # the given range, though it was not used
    assert float(glo) == 0.0 and float(ghi) == 0.0


def test_errors_and_no_mutation() -> None:
    x = np.array([0.25, -3.0], np.float32)
    tf.quantization.fake_quant_with_min_max_args(x)
    assert x.tolist() == [0.25, -3.0]
    with pytest.raises(InvalidArgumentError, match="min must be smaller"):
        tf.quantization.fake_quant_with_min_max_args(x, 1.0, -1.0)
    with pytest.raises(InvalidArgumentError, match="between 2 and 16"):
        tf.quantization.fake_quant_with_min_max_args(x, num_bits=1)
    with pytest.raises(ValueError, match="float32"):
        tf.quantization.fake_quant_with_min_max_args(tf.constant([1.0], tf.float64))
    with pytest.raises(InvalidArgumentError, match="shape \\[2\\]"):
        tf.quantization.fake_quant_with_min_max_vars_per_channel(tf.ones([3, 2]), [0.0] * 3, [1.0] * 3)


def test_version() -> None:
    assert tf.version.VERSION == tf.__tf_version__ == "2.21.0"
    assert tf.version.GIT_VERSION == f"tapegrad-{tf.__version__}"
    assert tf.version.GRAPH_DEF_VERSION == 2474
