"""keras.utils helpers, the transposed/dilated 3-D and 1-D convolutions of ``ops/convolution_nd.py`` and the
docstring examples of those modules (Keras-lane comparisons live in tests/conformance_keras/programs_kutil.py)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.ops import convolution_nd

DOCTEST_MODULES = ["tapegrad.keras.utils", "tapegrad.keras._utils_data", "tapegrad.keras._utils_image",
                   "tapegrad.keras._utils_misc", "tapegrad.keras.layers._serialize", "tapegrad.ops.convolution_nd",
                   "tapegrad.keras.layers.convolutional_nd", "tapegrad.keras.layers.core_extra",
                   "tapegrad.keras.layers.normalization_extra", "tapegrad.keras.layers.spatial_3d",
                   "tapegrad.keras.layers.convolutional_recurrent", "tapegrad.keras._activations_extra",
                   "tapegrad.keras._initializers_extra", "tapegrad.keras.layers.attention_gqa"]


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstrings_run(module: str) -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(importlib.import_module(module), optionflags=flags)
    assert result.failed == 0 and result.attempted > 0


def _conv3d_ref(x: np.ndarray, f: np.ndarray, s: tuple[int, int, int], d: tuple[int, int, int]) -> np.ndarray:
    """VALID NDHWC 3-D convolution by loops over the output (independent of the implementation)."""
    n, D, H, W, _ = x.shape
    kd, kh, kw, _, co = f.shape
    od = (D - d[0] * (kd - 1) - 1) // s[0] + 1
    oh = (H - d[1] * (kh - 1) - 1) // s[1] + 1
    ow = (W - d[2] * (kw - 1) - 1) // s[2] + 1
    out = np.zeros((n, od, oh, ow, co))
    for i in range(od):
        for j in range(oh):
            for k in range(ow):
                patch = x[:, i * s[0]: i * s[0] + d[0] * (kd - 1) + 1: d[0],
                          j * s[1]: j * s[1] + d[1] * (kh - 1) + 1: d[1],
                          k * s[2]: k * s[2] + d[2] * (kw - 1) + 1: d[2]]
                out[:, i, j, k] = np.einsum("nabcx,abcxy->ny", patch, f)
    return out


def test_conv3d_general_dilated_matches_loops_and_gradients() -> None:
    rng = np.random.default_rng(0)
    x, f = rng.normal(size=(2, 7, 6, 7, 2)), rng.normal(size=(2, 2, 3, 2, 3))
    y = convolution_nd.conv3d_general(tf.constant(x), tf.constant(f), (2, 1, 1), "VALID", (2, 2, 1))
    np.testing.assert_allclose(y.numpy(), _conv3d_ref(x, f, (2, 1, 1), (2, 2, 1)), rtol=1e-10)
    # gradients against central differences of a projection
    w = rng.normal(size=tuple(y.shape))
    xv, fv = tf.constant(x), tf.constant(f)
    with tf.GradientTape() as tape:
        tape.watch([xv, fv])
        loss = tf.reduce_sum(convolution_nd.conv3d_general(xv, fv, (1, 2, 1), "SAME", (2, 1, 2)) * 1.0)
    gx, gf = tape.gradient(loss, [xv, fv])

    def val(xa: np.ndarray, fa: np.ndarray) -> float:
        out = convolution_nd.conv3d_general(tf.constant(xa), tf.constant(fa), (1, 2, 1), "SAME", (2, 1, 2))
        return float(np.sum(out.numpy()))

    for arr, g, idx in ((x, gx, (1, 3, 2, 4, 1)), (f, gf, (1, 0, 2, 1, 2))):
        e = np.zeros_like(arr)
        e[idx] = 1e-6
        num = ((val(x + e, f) - val(x - e, f)) if arr is x else (val(x, f + e) - val(x, f - e))) / 2e-6
        assert abs(num - g.numpy()[idx]) < 1e-6 * max(1.0, abs(num))
    assert w.shape == tuple(y.shape)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv3d_transpose_dilated_is_the_adjoint_of_the_dilated_conv(padding: str) -> None:
    # <conv(x), g> == <x, conv_transpose(g)>: TF's CPU kernel refuses dilations, so the adjoint identity checks them
    rng = np.random.default_rng(1)
    x, f = rng.normal(size=(1, 7, 6, 5, 2)), rng.normal(size=(2, 3, 2, 2, 3))
    s, d = (2, 1, 2), (2, 2, 1)
    y = convolution_nd.conv3d_general(tf.constant(x), tf.constant(f), s, padding, d)
    g = rng.normal(size=tuple(y.shape))
    # conv3d filters are (kd, kh, kw, in, out); the transpose takes (kd, kh, kw, out=in of x, in=out of y)
    xt = convolution_nd.conv3d_transpose_general(tf.constant(g), tf.constant(f), (7, 6, 5), s, padding, d)
    assert xt.shape == x.shape
    np.testing.assert_allclose(np.sum(y.numpy() * g), np.sum(x * xt.numpy()), rtol=1e-10)


def test_conv1d_transpose_dilated_is_the_adjoint_of_conv1d() -> None:
    rng = np.random.default_rng(2)
    x, f = rng.normal(size=(2, 11, 3)), rng.normal(size=(3, 3, 4))
    y = tf.nn.conv1d(tf.constant(x), tf.constant(f), 2, "SAME", dilations=2)
    g = rng.normal(size=tuple(y.shape))
    xt = tf.nn.conv1d_transpose(tf.constant(g), tf.constant(f), [2, 11, 3], 2, "SAME", dilations=2)
    np.testing.assert_allclose(np.sum(y.numpy() * g), np.sum(x * xt.numpy()), rtol=1e-10)


def test_conv_transpose_errors_name_the_shapes() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"output_shape depth 2 .* filters' output depth 1"):
        tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 1, 1]), [1, 3, 3, 3, 2], 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="5-dimensional"):
        tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 1]), tf.ones([2, 2, 1, 1]), [1, 3, 3, 1], 1, "VALID")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 1, 1]), [1, 3, 3, 3, 1], 1, "FULL")


def test_sparsemax_projects_onto_the_simplex() -> None:
    # Keras 3.15 gives [0, 0, 0] for the first row (it sums the cumulative sums over the support)
    from tapegrad import keras

    x = tf.constant([[1.0, 1.5, 2.0], [0.1, 0.2, 0.3], [5.0, 0.0, -1.0]], tf.float64)
    y = keras.activations.sparsemax(x).numpy()
    np.testing.assert_allclose(y, [[0.0, 0.25, 0.75], [0.2333333333333333, 0.3333333333333333, 0.4333333333333333],
                                   [1.0, 0.0, 0.0]], rtol=1e-12)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
