"""``conv2d_bias_act_maxpool`` (ops/conv_pool.py): conv + bias + activation + 2×2 max pooling as one op by phases,
against the unfused ops, direct loops, float64 numerical derivatives and TF's first-maximum routing; and the
Keras fold that runs ``Conv2D(relu) → MaxPooling2D()`` with it."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.ops import conv_pool
from tapegrad.ops.conv_pool import conv2d_bias_act_maxpool
from tapegrad.ops.convolution import conv2d_bias_act
from tapegrad.ops.pooling import max_pool2d_relu


def _loop_ref(x: np.ndarray, f: np.ndarray, b: np.ndarray | None, pads: tuple, act: str) -> np.ndarray:
    """conv (direct loops over the padded input) + bias + activation, then 2×2/2 max pooling (direct loops)."""
    (pt, pb), (pl, pr) = pads
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    n, hp, wp, _ = xp.shape
    kh, kw, _, co = f.shape
    ho, wo = hp - kh + 1, wp - kw + 1
    y = np.zeros((n, ho, wo, co))
    for i in range(ho):
        for j in range(wo):
            y[:, i, j] = np.tensordot(xp[:, i:i + kh, j:j + kw], f, axes=3)
    if b is not None:
        y += b
    if act == "relu":
        y = np.maximum(y, 0)
    out = np.empty((n, ho // 2, wo // 2, co))
    for i in range(ho // 2):
        for j in range(wo // 2):
            out[:, i, j] = y[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(1, 2))
    return out


def _unfused(x, f, b, padding, act):  # noqa: ANN001, ANN202
    y = conv2d_bias_act(x, f, b, 1, padding, 1, "linear")
    return max_pool2d_relu(y, 2, 2, "VALID") if act == "relu" else tf.nn.max_pool2d(y, 2, 2, "VALID")


CASES = [  # x shape, filter shape, padding, act, bias
    ((5, 28, 28, 1), (3, 3, 1, 8), "VALID", "relu", True),
    ((3, 9, 7, 2), (2, 3, 2, 4), "SAME", "relu", True),  # odd sizes: the last row/column is not pooled
    ((2, 8, 10, 3), (3, 3, 3, 5), "SAME", "linear", False),
    ((2, 6, 5, 1), (1, 1, 1, 3), "VALID", "relu", True),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_equal_the_unfused_ops_and_take_the_phase_path(case, dtype):
    xs, fs, padding, act, with_bias = CASES[case]
    rng = np.random.default_rng(case)
    x = tf.constant(rng.standard_normal(xs).astype(dtype))
    f = tf.Variable(rng.standard_normal(fs).astype(dtype))
    b = tf.Variable(rng.standard_normal(fs[-1]).astype(dtype)) if with_bias else None
    pads = ((0, 0), (0, 0)) if padding == "VALID" else (((fs[0] - 1) // 2, fs[0] // 2), ((fs[1] - 1) // 2, fs[1] // 2))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        fused = conv2d_bias_act_maxpool(x, f, b, 1, padding, activation=act)
        assert id(fused._value) in conv_pool._SAVED  # the phase path ran and kept its patches and flags
        plain = _unfused(x, f, b, padding, act)
    ref = _loop_ref(x.numpy().astype(np.float64), f.numpy().astype(np.float64),
                    None if b is None else b.numpy().astype(np.float64), pads, act)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fused.numpy(), ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(fused.numpy(), plain.numpy(), rtol=tol, atol=tol)
    up = tf.constant(rng.standard_normal(fused.shape).astype(dtype))
    targets = [x, f] + ([b] if b is not None else [])
    got = tape.gradient(fused, targets, output_gradients=up)
    want = tape.gradient(plain, targets, output_gradients=up)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=20 * tol, atol=20 * tol)


def test_float64_gradients_match_numerical_derivatives():
    rng = np.random.default_rng(3)
    x0, f0, b0 = rng.standard_normal((2, 6, 5, 2)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)

    def loss(x, f, b):  # noqa: ANN001, ANN202
        y = conv2d_bias_act_maxpool(x, f, b, 1, "SAME")
        return tf.reduce_sum(y * y + tf.sin(y))

    vals = [tf.constant(a) for a in (x0, f0, b0)]
    with tf.GradientTape() as tape:
        tape.watch(vals)
        s = loss(*vals)
    grads = [g.numpy() for g in tape.gradient(s, vals)]
    eps = 1e-6
    for i, a in enumerate((x0, f0, b0)):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            hi, lo = [v.numpy().copy() for v in vals], [v.numpy().copy() for v in vals]
            hi[i][idx] += eps
            lo[i][idx] -= eps
            num[idx] = (loss(*hi).numpy() - loss(*lo).numpy()) / (2 * eps)
        np.testing.assert_allclose(grads[i], num, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["zero_kernel_ties", "all_negative", "plateaus"])
def test_ties_route_to_the_first_maximum_as_tf(kind):
    # TF's MaxPoolGrad: each window's gradient to its first maximum in row-major order; ReLU's gradient at 0 is 0
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 8, 8, 1)).astype(np.float32)
    f = rng.standard_normal((3, 3, 1, 4)).astype(np.float32)
    b = np.array([0.5, -0.5, 0.0, 2.0], np.float32)
    if kind == "zero_kernel_ties":
        f[:] = 0
    elif kind == "all_negative":
        f[:] = 0
        b[:] = -1
    else:  # ties between some positions of a window only
        x = np.round(x).clip(-1, 1)
        f = np.round(f).clip(0, 1)
    xt, ft, bt = tf.constant(x), tf.Variable(f), tf.Variable(b)
    up = tf.constant(rng.standard_normal((3, 3, 3, 4)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        fused = conv2d_bias_act_maxpool(xt, ft, bt, 1, "VALID")
        plain = _unfused(xt, ft, bt, "VALID", "relu")
    np.testing.assert_array_equal(fused.numpy(), plain.numpy())
    for t in (xt, ft, bt):
        np.testing.assert_allclose(tape.gradient(fused, t, output_gradients=up).numpy(),
                                   tape.gradient(plain, t, output_gradients=up).numpy(), rtol=1e-5, atol=1e-5)
    if kind == "all_negative":
        assert not tape.gradient(fused, ft, output_gradients=up).numpy().any()


@pytest.mark.parametrize("fused", [True, False])
def test_relu_gradient_is_plus_zero_for_any_upstream_where_the_maximum_is_not_positive(fused):
    # TF's ReluGrad then MaxPoolGrad: +0 (not -0, not inf * 0 = NaN) wherever a window's maximum is <= 0
    rng = np.random.default_rng(10)
    x = tf.constant(rng.standard_normal((2, 6, 6, 1)).astype(np.float32))
    f = tf.Variable(rng.standard_normal((3, 3, 1, 3)).astype(np.float32))
    b = tf.Variable(np.array([-50.0, 50.0, 0.0], np.float32))  # channel 0: no positive window; channel 1: all
    up = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    up[..., 0] = [[-np.inf, np.inf], [-1.0, -2.0]]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = conv2d_bias_act_maxpool(x, f, b, 1, "VALID") if fused else _unfused(x, f, b, "VALID", "relu")
    gx, gf, gb = tape.gradient(y, [x, f, b], output_gradients=tf.constant(up))
    assert np.isfinite(gx.numpy()).all() and not np.signbit(gf.numpy()[..., 0]).any()
    assert gf.numpy()[..., 0].tolist() == np.zeros((3, 3, 1)).tolist() and gb.numpy()[0] == 0
    assert not np.signbit(gb.numpy()[0])


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_inputs_give_the_unfused_values_and_gradients(bad):
    # the zero-padded phase kernels would turn inf * 0 into NaN: the op then runs the unfused ops
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 8, 8, 1)).astype(np.float32)
    x[0, 0, 0, 0] = bad
    x[1, 5, 4, 0] = bad
    xt, ft, bt = tf.constant(x), tf.Variable(rng.standard_normal((3, 3, 1, 2)).astype(np.float32)), \
        tf.Variable(np.zeros(2, np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        fused = conv2d_bias_act_maxpool(xt, ft, bt, 1, "VALID")
        plain = _unfused(xt, ft, bt, "VALID", "relu")
    np.testing.assert_array_equal(fused.numpy(), plain.numpy())
    for t in (xt, ft, bt):
        np.testing.assert_array_equal(tape.gradient(fused, t).numpy(), tape.gradient(plain, t).numpy())


def test_other_geometries_and_no_tape_run_the_unfused_ops():
    rng = np.random.default_rng(5)
    x = tf.constant(rng.standard_normal((2, 7, 7, 8)).astype(np.float32))  # 4*4*8 patch values > MAX_PATCH
    f = tf.constant(rng.standard_normal((3, 3, 8, 3)).astype(np.float32))
    b = tf.constant(rng.standard_normal(3).astype(np.float32))
    np.testing.assert_array_equal(conv2d_bias_act_maxpool(x, f, b, 1, "SAME").numpy(),
                                  _unfused(x, f, b, "SAME", "relu").numpy())
    y = conv2d_bias_act_maxpool(x, f, b, 2, "VALID")  # strided convolution
    np.testing.assert_allclose(y.numpy(), tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, f, 2, "VALID") + b), 2, 2,
                                                           "VALID").numpy(), rtol=1e-6, atol=1e-6)
    x1 = tf.constant(rng.standard_normal((2, 6, 6, 1)).astype(np.float32))
    out = conv2d_bias_act_maxpool(x1, f[:, :, :1], b, 1, "VALID")  # no tape: nothing kept
    assert id(out._value) not in conv_pool._SAVED
    with pytest.raises(ValueError, match="activation"):
        conv2d_bias_act_maxpool(x1, f[:, :, :1], b, 1, "VALID", activation="tanh")


def test_compiled_step_equals_eager():
    rng = np.random.default_rng(6)
    x = tf.constant(rng.standard_normal((4, 10, 10, 1)).astype(np.float32))
    f = tf.Variable(rng.standard_normal((3, 3, 1, 4)).astype(np.float32))
    b = tf.Variable(rng.standard_normal(4).astype(np.float32))

    def step(x):  # noqa: ANN001, ANN202
        with tf.GradientTape() as tape:
            y = conv2d_bias_act_maxpool(x, f, b, 1, "VALID")
            loss = tf.reduce_sum(y * y)
        return [loss, *tape.gradient(loss, [f, b])]

    for e, c in zip(step(x), tf.function(step)(x)):
        np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-6)


def _cnn(pool_kw: dict | None = None) -> tuple:
    inp = keras.Input((12, 12, 1))
    conv = keras.layers.Conv2D(4, 3, activation="relu")
    pool = keras.layers.MaxPooling2D(**(pool_kw or {}))
    dense = keras.layers.Dense(3)
    model = keras.Model(inp, dense(keras.layers.Flatten()(pool(conv(inp)))))
    return model, conv, pool, dense


@pytest.mark.parametrize("compiled", [False, True])
def test_keras_conv_relu_then_2x2_pooling_runs_as_one_op_with_the_layers_values(compiled):
    model, conv, pool, dense = _cnn()
    folded, skipped, pooled = model._fold_plan()
    assert len(folded) == len(skipped) == len(pooled) == 1 and next(iter(pooled.values())) is pool
    rng = np.random.default_rng(9)
    x = tf.constant(rng.standard_normal((3, 12, 12, 1)).astype(np.float32))
    flat = model.layers[-2]
    targets = [conv.kernel, conv.bias, dense.kernel]

    def step(run):  # noqa: ANN001, ANN202
        with tf.GradientTape() as tape:
            y = run(x)
            loss = tf.reduce_sum(y * y)
        return [y, *tape.gradient(loss, targets)]

    fused = (tf.function(lambda: step(model)) if compiled else lambda: step(model))()
    direct = step(lambda t: dense(flat(pool(conv(t)))))
    for a, b in zip(fused, direct):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)


def test_keras_other_poolings_keep_the_two_op_fold_and_small_inputs_raise_as_the_pooling():
    model, _, _, _ = _cnn({"pool_size": 3, "strides": 2})
    folded, skipped, pooled = model._fold_plan()
    assert len(folded) == 2 and not skipped and not pooled
    inp = keras.Input((None, None, 1))
    model = keras.Model(inp, keras.layers.MaxPooling2D()(keras.layers.Conv2D(2, 3, activation="relu")(inp)))
    assert len(model._fold_plan()[2]) == 1
    assert model(np.ones((1, 7, 8, 1), np.float32)).shape == (1, 2, 3, 2)
    with pytest.raises(ValueError):
        model(np.ones((1, 3, 3, 1), np.float32))  # a 1×1 convolution output: no whole pooling window
