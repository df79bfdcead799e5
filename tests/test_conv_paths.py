"""The NumPy fast paths of the CNN ops against independent direct loops: the input gradients of conv2d by kernel-row
GEMMs and by flat shifts (stride 1) and the per-tap one they replace there, the GEMV mean of a global pooling, and the
row-tiled per-channel arithmetic of batch norm and the fused conv + bias + ReLU."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.ops import convolution as conv
from tapegrad.ops._nn_common import _chan_rows


def _input_grad_ref(g: np.ndarray, f: np.ndarray, in_hw: tuple[int, int], dil: tuple[int, int],
                    pads: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Direct scatter of every output position's upstream through every kernel tap (stride 1)."""
    n, ho, wo, _ = g.shape
    kh, kw, ci, _ = f.shape
    hp, wp = in_hw[0] + sum(pads[0]), in_hw[1] + sum(pads[1])
    acc = np.zeros((n, hp, wp, ci))
    for a in range(kh):
        for b in range(kw):
            acc[:, a * dil[0]: a * dil[0] + ho, b * dil[1]: b * dil[1] + wo] += g @ f[a, b].T.astype(np.float64)
    return acc[:, pads[0][0]: pads[0][0] + in_hw[0], pads[1][0]: pads[1][0] + in_hw[1]]


CASES = [  # (x shape, filter shape, pads, dilation)
    ((2, 7, 6, 3), (3, 3, 3, 4), ((1, 1), (1, 1)), (1, 1)),
    ((1, 9, 7, 2), (3, 2, 2, 5), ((0, 0), (0, 0)), (1, 1)),
    ((2, 9, 8, 3), (3, 3, 3, 2), ((2, 1), (0, 3)), (2, 1)),
    ((3, 5, 5, 1), (2, 2, 1, 3), ((0, 1), (1, 0)), (1, 2)),
    ((2, 6, 6, 8), (5, 5, 8, 2), ((2, 2), (2, 2)), (1, 1)),
    ((1, 4, 4, 2), (1, 1, 2, 3), ((0, 0), (0, 0)), (1, 1)),
    ((2, 7, 5, 9), (3, 2, 9, 4), ((0, 2), (1, 0)), (1, 1)),
    ((3, 6, 7, 16), (3, 3, 16, 8), ((1, 1), (1, 1)), (1, 1)),
]


@pytest.mark.parametrize("xs, fs, pads, dil", CASES)
def test_conv_input_gradient_paths(xs: tuple, fs: tuple, pads: tuple, dil: tuple) -> None:
    rng = np.random.default_rng(sum(xs) + sum(fs))
    ho = xs[1] + sum(pads[0]) - dil[0] * (fs[0] - 1)
    wo = xs[2] + sum(pads[1]) - dil[1] * (fs[1] - 1)
    g = rng.standard_normal((xs[0], ho, wo, fs[3]))
    f = rng.standard_normal(fs)
    ref = _input_grad_ref(g, f, xs[1:3], dil, pads)
    flat = conv._conv_input_flat(g, f, xs[1:3], dil, pads)
    taps = conv._conv_input_np(g, f, xs[1:3], (1, 1), dil, pads)
    np.testing.assert_allclose(flat, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(taps, ref, rtol=1e-12, atol=1e-12)
    if dil == (1, 1) and max(pads[0]) < fs[0] and max(pads[1]) < fs[1]:  # the kernel-row GEMMs' domain
        np.testing.assert_allclose(conv._conv_input_rows(g, f, xs[1:3], pads), ref, rtol=1e-12, atol=1e-12)
        rows32 = conv._conv_input_rows(g.astype(np.float32), f.astype(np.float32), xs[1:3], pads)
        assert rows32.dtype == np.float32 and rows32.shape == xs[:3] + (fs[2],)
        np.testing.assert_allclose(rows32, ref, rtol=1e-5, atol=1e-5)
    g32, f32 = g.astype(np.float32), f.astype(np.float32)
    out = conv._conv_input_flat(g32, f32, xs[1:3], dil, pads)
    assert out.dtype == np.float32 and out.shape == xs[:3] + (fs[2],)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ci", [3, 8])
def test_conv2d_gradient_few_channels_vs_numerical(ci: int) -> None:
    """conv2d's input gradient (stride 1: the flat path for 3 channels, the kernel-row GEMMs for 8) against
    central differences, float64."""
    rng = np.random.default_rng(3)
    x = tf.constant(rng.standard_normal((2, 5, 4, ci)))
    f = tf.constant(rng.standard_normal((3, 2, ci, 2)))
    w = rng.standard_normal((2, 5, 4, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.nn.conv2d(x, f, 1, "SAME") * w)
    gx = tape.gradient(y, x).numpy()
    xv, eps = x.numpy(), 1e-6
    num = np.zeros_like(xv)
    for i in np.ndindex(xv.shape):
        d = np.zeros_like(xv)
        d[i] = eps
        hi = float(np.sum(tf.nn.conv2d(tf.constant(xv + d), f, 1, "SAME").numpy() * w))
        lo = float(np.sum(tf.nn.conv2d(tf.constant(xv - d), f, 1, "SAME").numpy() * w))
        num[i] = (hi - lo) / (2 * eps)
    np.testing.assert_allclose(gx, num, rtol=1e-6, atol=1e-7)


def test_global_average_mean_gemv() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 13, 11, 16)).astype(np.float32)
    for axis, keepdims in [((1, 2), False), ((1, 2), True), ([2, 1], False), ((1,), True), ((1, 2, 3), False)]:
        got = tf.reduce_mean(x, axis=axis, keepdims=keepdims).numpy()
        want = x.astype(np.float64).mean(axis=tuple(axis), keepdims=keepdims)
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_chan_rows_tiles_vectors() -> None:
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    v = np.arange(5.0)
    rows, same, tiled = _chan_rows(a, a, v)
    assert rows.shape[-1] % 5 == 0 and rows.base is not None and same.shape == rows.shape
    np.testing.assert_array_equal((rows + tiled).reshape(a.shape), a + v)


@pytest.mark.parametrize("shape", [(4, 5, 3, 6), (3, 7, 2), (2, 1, 4, 3)])
def test_batch_norm_gradient_of_spatially_constant_upstream(shape: tuple) -> None:
    """A global pooling's broadcast upstream takes the per-sample path of the fused batch norm's rule: the same
    gradients as the general path (the same upstream, materialised) and as central differences."""
    from tapegrad._backend import NUMPY
    from tapegrad.ops import normalization as nz

    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape) * 2 + 3
    off, scale = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    p = {"has_offset": True, "has_scale": True, "eps": 1e-3}
    out = nz._fbn_fwd(NUMPY, x, off, scale, **p)
    small = rng.standard_normal((shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],))
    gy = np.broadcast_to(small, shape)
    zeros = np.zeros(shape[-1])
    assert nz._spatially_constant(gy) and not nz._spatially_constant(np.ascontiguousarray(gy))
    fast = nz._fbn_vjp(NUMPY, (gy, zeros, zeros), (x, off, scale), out, p, (True, True, True))
    fast = [np.array(r, copy=True) for r in fast]
    slow = nz._fbn_vjp(NUMPY, (np.ascontiguousarray(gy), zeros, zeros), (x, off, scale), out, p,
                       (True, True, True))
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    eps = 1e-6
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        hi = np.sum(nz._fbn_fwd(NUMPY, x + d, off, scale, **p)[0] * gy)
        lo = np.sum(nz._fbn_fwd(NUMPY, x - d, off, scale, **p)[0] * gy)
        num[i] = (hi - lo) / (2 * eps)
    np.testing.assert_allclose(fast[0], num, rtol=1e-5, atol=1e-7)


def test_max_pool_gradient_in_batch_chunks_routes_ties_like_tf(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tiled max pool's gradient runs a few images at a time; with chunks of two images (the last one
    shorter) it equals a direct loop that sends each window's upstream to its first maximum (TF's tie rule)."""
    from tapegrad.ops import pooling

    rng = np.random.default_rng(11)
    x = np.maximum(np.round(rng.standard_normal((7, 6, 8, 4)), 1), 0)  # many ties (zeros, repeated values)
    top = x.reshape(7, 3, 2, 4, 2, 4).max(axis=(2, 4))
    g = rng.standard_normal(top.shape)
    want = np.zeros_like(x)
    for n, i, j, c in np.ndindex(top.shape):
        win = x[n, 2 * i: 2 * i + 2, 2 * j: 2 * j + 2, c].reshape(-1)
        k = int(np.argmax(win == top[n, i, j, c]))
        want[n, 2 * i + k // 2, 2 * j + k % 2, c] = g[n, i, j, c]
    monkeypatch.setattr(pooling, "_POOL_CHUNK_BYTES", 2 * x[0].nbytes)
    got = pooling._maxpool_vjp_tiled_np(g, x, top, (2, 2))
    np.testing.assert_array_equal(got, want)
    monkeypatch.setattr(pooling, "_POOL_CHUNK_BYTES", 1 << 30)
    np.testing.assert_array_equal(pooling._maxpool_vjp_tiled_np(g, x, top, (2, 2)), want)


def test_max_pool_gradient_from_forward_flags_routes_ties_like_tf() -> None:
    """Under a tape the tiled max pool's forward keeps each window's first-hit flags and the gradient only routes
    the upstream through them: with ties (zeros after a ReLU, repeated values) and 2×3 windows it equals the
    direct first-maximum loop; the flags are used once (a second gradient of a persistent tape, taking the
    fallback path, gives the same); a non-finite upstream is routed exactly (inf and NaN to the hit, +0 elsewhere:
    the flags select bits, they do not multiply)."""
    from tapegrad.ops import pooling

    rng = np.random.default_rng(12)
    x = np.maximum(np.round(rng.standard_normal((3, 4, 9, 2)), 1), 0).astype(np.float32)
    top = x.reshape(3, 2, 2, 3, 3, 2).max(axis=(2, 4))
    g = rng.standard_normal(top.shape).astype(np.float32)
    first = np.zeros(x.shape, bool)
    for n, i, j, c in np.ndindex(top.shape):
        win = x[n, 2 * i: 2 * i + 2, 3 * j: 3 * j + 3, c].reshape(-1)
        k = int(np.argmax(win == top[n, i, j, c]))
        first[n, 2 * i + k // 3, 3 * j + k % 3, c] = True
    want = np.where(first, np.repeat(np.repeat(g, 2, 1), 3, 2), 0)
    xt = tf.constant(x)
    pooling._SAVED_HITS.clear()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, [2, 3], [2, 3], "VALID")
        loss = tf.reduce_sum(y * tf.constant(g))
    np.testing.assert_array_equal(y.numpy(), top)
    assert len(pooling._SAVED_HITS) == 1
    np.testing.assert_array_equal(tape.gradient(loss, xt).numpy(), want)
    assert not pooling._SAVED_HITS  # taken by the gradient
    np.testing.assert_array_equal(tape.gradient(loss, xt).numpy(), want)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, [2, 3], [2, 3], "VALID")
    gi = np.full(top.shape, np.inf, np.float32)
    gi[0, 0, 0, 0] = np.nan
    gi[0, 0, 1, 0] = -2.5
    got = tape.gradient(y, xt, output_gradients=tf.constant(gi)).numpy()
    want = np.where(first, np.repeat(np.repeat(gi, 2, 1), 3, 2), 0)
    np.testing.assert_array_equal(got, want)
    assert not np.signbit(got[~first]).any()  # +0 where no window routes, as TF's zero-initialised gradient


def _first_max_flags(x: np.ndarray, k: tuple[int, int]) -> np.ndarray:
    """Direct loop: the first maximum (row-major) of each tiled window of an NHWC ``x``."""
    first = np.zeros(x.shape, bool)
    n, h, w, c = x.shape
    for b, i, j, ch in np.ndindex(n, h // k[0], w // k[1], c):
        win = x[b, k[0] * i: k[0] * i + k[0], k[1] * j: k[1] * j + k[1], ch].reshape(-1)
        t = int(np.argmax(win == win.max()))
        first[b, k[0] * i + t // k[1], k[1] * j + t % k[1], ch] = True
    return first


@pytest.mark.parametrize("shape", [(2, 4, 6, 3), (1, 2, 2, 1), (3, 6, 4, 8), (2, 8, 2, 16), (5, 2, 10, 5)])
@pytest.mark.parametrize("kind", ["normal", "relu_ties", "binary"])
def test_max_pool_2x2_flat_flags_match_first_maximum_loop(shape: tuple, kind: str) -> None:
    """The 2×2 max pool's fast path (row maxima, then column maxima and first-hit flags from ufuncs over flattened
    arrays and shifted copies of them) against a direct loop over the windows, with the ties a ReLU makes
    (all-zero windows) and two-valued inputs (every kind of tie between columns and rows), in float32 and
    float64."""
    from tapegrad.ops import pooling

    rng = np.random.default_rng(len(kind) * 100 + sum(shape))
    x = rng.standard_normal(shape)
    if kind == "relu_ties":
        x = np.maximum(np.round(x), 0)
    elif kind == "binary":
        x = rng.integers(0, 2, shape).astype(np.float64)
    for dt in (np.float32, np.float64):
        xd = x.astype(dt)
        out, hits = pooling._tiled_max_flat(xd, (2, 2), flags=True)
        want = xd.reshape(shape[0], shape[1] // 2, 2, shape[2] // 2, 2, shape[3]).max(axis=(2, 4))
        np.testing.assert_array_equal(out, want)
        assert out.dtype == dt and out.flags.c_contiguous
        np.testing.assert_array_equal(hits, _first_max_flags(xd, (2, 2)))


@pytest.mark.parametrize("shape, k", [((2, 6, 6, 3), (3, 3)), ((2, 6, 6, 3), (2, 3)), ((2, 4, 6), (2, 1)),
                                      ((3, 2, 4, 6, 5), (1, 2)), ((2, 4, 4, 1), (4, 4)), ((1, 4, 4, 8), (2, 2))])
def test_max_pool_tiled_flat_maxima_and_gradient(shape: tuple, k: tuple) -> None:
    """Tiled max pooling (any window, any leading axes) by row maxima and shifted flattened column maxima, against
    the window maxima of a direct reshape (NaN propagates), and its gradient under a tape against the first-maximum
    loop."""
    from tapegrad._backend import NUMPY
    from tapegrad.ops import pooling

    rng = np.random.default_rng(sum(shape) + 7 * k[0] + k[1])
    x = np.maximum(np.round(rng.standard_normal(shape), 1), 0)
    x.reshape(-1)[3] = np.nan

    got = pooling._maxpool_fwd(NUMPY, x, k, k, ((0, 0), (0, 0)))  # leading axes: 1-D and N-D pooling use it
    t = x.reshape(shape[:-3] + (shape[-3] // k[0], k[0], shape[-2] // k[1], k[1], shape[-1]))
    np.testing.assert_array_equal(got, t.max(axis=(-4, -2)))
    if len(shape) == 4:
        np.testing.assert_array_equal(tf.nn.max_pool2d(tf.constant(x), list(k), list(k), "VALID").numpy(), got)
        x = np.maximum(np.round(rng.standard_normal(shape), 1), 0)
        xt = tf.constant(x)
        g = rng.standard_normal(t.max(axis=(-4, -2)).shape)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.nn.max_pool2d(xt, list(k), list(k), "VALID")
        gx = tape.gradient(y, xt, output_gradients=tf.constant(g)).numpy()
        want = np.where(_first_max_flags(x, k), np.repeat(np.repeat(g, k[0], 1), k[1], 2), 0)
        np.testing.assert_array_equal(gx, want)


@pytest.mark.parametrize("c", [1, 3, 4, 8])
@pytest.mark.parametrize("s, d", [((1, 1), (1, 1)), ((2, 1), (1, 2)), ((1, 2), (2, 1)), ((2, 3), (1, 1))])
def test_patch_matrix_against_direct_windows(c: int, s: tuple, d: tuple) -> None:
    """im2col (both layouts: runs of kw*C values copied as one element, or per-tap rows of Wo values) against the
    windows read one by one, with and without the bias's column of ones; the conv2d forward against the loop."""
    rng = np.random.default_rng(c + 10 * s[0] + s[1] + 100 * d[0] + d[1])
    x = rng.standard_normal((2, 9, 10, c)).astype(np.float32)
    k, pads = (3, 2), ((1, 2), (0, 1))
    from tapegrad._backend import NUMPY

    ho = (9 + 3 - d[0] * 2 - 1) // s[0] + 1
    wo = (10 + 1 - d[1] - 1) // s[1] + 1
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    want = np.empty((2, ho, wo, k[0], k[1], c), np.float32)
    for i, j, a, b in np.ndindex(ho, wo, k[0], k[1]):
        want[:, i, j, a, b] = xp[:, i * s[0] + a * d[0], j * s[1] + b * d[1]]
    want = want.reshape(2 * ho * wo, -1)
    for ones in (False, True):
        cols, tap_major = conv._patches(NUMPY, x, k, s, d, pads, (ho, wo), ones=ones)
        got = cols.T if tap_major else cols
        np.testing.assert_array_equal(got[:, :want.shape[1]], want)
        if ones:
            np.testing.assert_array_equal(got[:, -1], 1)
    f = rng.standard_normal(k + (c, 2)).astype(np.float32)
    y = tf.nn.conv2d(tf.constant(x), tf.constant(f), list(s), [[0, 0], list(pads[0]), list(pads[1]), [0, 0]],
                     dilations=list(d)).numpy()
    np.testing.assert_allclose(y, conv._conv_ref(x.astype(np.float64), f, s, d, pads), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("data_format", ["NDHWC", "NCDHW"])
def test_conv3d_dilations_against_a_direct_loop(data_format: str) -> None:
    """tf.nn.conv3d with dilations (float32, as TF's CPU kernel) equals a direct loop; float64 refuses them as TF."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 7, 6, 7, 2)).astype(np.float32)
    f = rng.standard_normal((2, 3, 2, 2, 3)).astype(np.float32)
    d = (2, 1, 3)
    od, oh, ow = 7 - d[0] * 1, 6 - d[1] * 2, 7 - d[2] * 1  # VALID: size - dilation * (k - 1)
    ref = np.zeros((2, od, oh, ow, 3))
    for i, j, k in np.ndindex(od, oh, ow):
        win = x[:, i: i + d[0] * 2: d[0], j: j + d[1] * 3: d[1], k: k + d[2] * 2: d[2]]
        ref[:, i, j, k] = np.tensordot(win.astype(np.float64), f, axes=4)
    if data_format == "NDHWC":
        y = tf.nn.conv3d(x, f, [1, 1, 1, 1, 1], "VALID", dilations=[1, *d, 1]).numpy()
    else:
        y = tf.nn.conv3d(x.transpose(0, 4, 1, 2, 3), f, [1, 1, 1, 1, 1], "VALID", data_format="NCDHW",
                         dilations=[1, 1, *d]).numpy().transpose(0, 2, 3, 4, 1)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32"):
        tf.nn.conv3d(x.astype(np.float64), f.astype(np.float64), [1, 1, 1, 1, 1], "VALID", dilations=[1, *d, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch and channel"):
        tf.nn.conv3d(x, f, [1, 1, 1, 1, 1], "VALID", dilations=[2, 1, 1, 1, 1])
