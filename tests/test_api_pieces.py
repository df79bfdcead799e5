"""The API pieces of issue 14's list (counting, ordering, partitioning, scatter max/min/sub, bitcast, polyval, …):
behaviour the generated op suite does not reach — TF's values at ties and edges (recorded from TF 2.21), the
None-vs-LookupError gradient cases, and exception types."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def test_export_locations_match_tf() -> None:
    for name in ("count_nonzero", "bincount", "confusion_matrix", "in_top_k", "is_non_decreasing",
                 "is_strictly_increasing", "polyval"):
        assert hasattr(tf.math, name) and not hasattr(tf, name), name
    for name in ("sequence_mask", "searchsorted", "unravel_index", "tensor_scatter_nd_max", "tensor_scatter_nd_min",
                 "tensor_scatter_nd_sub", "histogram_fixed_width", "histogram_fixed_width_bins", "bitcast",
                 "dynamic_partition", "dynamic_stitch", "guarantee_const"):
        assert hasattr(tf, name), name
    assert tf.nn.in_top_k is tf.math.in_top_k


def test_count_nonzero() -> None:
    x = tf.constant([[0.0, 1.0], [2.0, 3.0]])
    r = tf.math.count_nonzero(x, axis=1, keepdims=True, dtype=tf.int32)
    assert r.dtype == tf.int32 and r.numpy().tolist() == [[1], [2]]
    assert tf.math.count_nonzero([np.nan, 0.0, -0.0]).numpy() == 1  # NaN is non-zero, -0.0 is zero (TF)
    assert tf.math.count_nonzero(tf.constant(["a", ""])).numpy() == 1
    assert tf.math.count_nonzero([1.0, 0.0], dtype=tf.float32).dtype == tf.float32
    assert tf.math.count_nonzero([[1, 0]], axis=tf.constant(1)).numpy().tolist() == [1]
    w = tf.Variable([1.0, 0.0])
    with tf.GradientTape() as t:
        y = tf.math.count_nonzero(w, dtype=tf.float32)
    assert t.gradient(y, w) is None


def test_sequence_mask() -> None:
    m = tf.sequence_mask([1, 3, 0])
    assert m.dtype == tf.bool and m.numpy().tolist() == [[True, False, False], [True, True, True],
                                                         [False, False, False]]
    assert tf.sequence_mask([-1, 2], 4).numpy().tolist() == [[False] * 4, [True, True, False, False]]
    assert tf.sequence_mask([1.5, 2.0]).numpy().tolist() == [[True, True], [True, True]]  # TF: float maxlen
    assert tf.sequence_mask([1.5, 2.0], 4).numpy().tolist() == [[True, False, False, False],
                                                                [True, True, False, False]]
    assert tf.sequence_mask([[1, 3]], 4, dtype=tf.float32).shape == (1, 2, 4)
    with pytest.raises(ValueError):
        tf.sequence_mask([1, 2], [3, 4])


def test_searchsorted() -> None:
    r = tf.searchsorted([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], [[2.0, 0.0], [1.0, 5.0]], side="right",
                        out_type=tf.int64)
    assert r.dtype == tf.int64 and r.numpy().tolist() == [[2, 0], [3, 3]]
    with pytest.raises(InvalidArgumentError):
        tf.searchsorted([1.0, 2.0, 3.0], [[2.0, 0.0], [1.0, 5.0]])  # 1 row vs 2 rows
    with pytest.raises(InvalidArgumentError):
        tf.searchsorted([1.0, 2.0, 3.0], 2.0)  # scalar values
    with pytest.raises(ValueError):
        tf.searchsorted([1.0, 2.0], [1.0], side="middle")
    with pytest.raises(InvalidArgumentError):
        tf.searchsorted(tf.constant([1.0, 2.0], tf.float64), tf.constant([1.0]))
    with pytest.raises(InvalidArgumentError):
        tf.searchsorted([1.0, 2.0], [1.0], out_type=tf.float32)


def test_bincount() -> None:
    assert tf.math.bincount([1, 1, 2, 3, 2, 4, 4, 5], weights=[1, 5, 0, 1, 0, 5, 4, 5]).numpy().tolist() == \
        [0, 6, 0, 1, 9, 5]
    r = tf.math.bincount(tf.constant([1.7, 2.2]), dtype=tf.float32)  # float arr is cast to int32 (TF)
    assert r.dtype == tf.float32 and r.numpy().tolist() == [0.0, 1.0, 1.0]
    assert tf.math.bincount([[1, 2], [0, 0]], axis=-1, maxlength=0).shape == (2, 0)
    assert tf.math.bincount(tf.zeros([0], tf.int32)).shape == (0,)
    with pytest.raises(InvalidArgumentError):
        tf.math.bincount([1, -1])
    with pytest.raises(InvalidArgumentError):
        tf.math.bincount([[1, 2]], weights=[[1.0, 2.0, 3.0]], axis=-1)
    with pytest.raises(ValueError):
        tf.math.bincount([1], weights=[1.0], binary_output=True)
    with pytest.raises(ValueError):
        tf.math.bincount([[1]], axis=1)
    w = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = tf.math.bincount([1, 1, 3], weights=w)
    with pytest.raises(LookupError):  # TF registers no gradient for DenseBincount
        t.gradient(y, w)


def test_histograms() -> None:
    v = [-1.0, 0.0, 1.5, 2.0, 5.0, 15.0]
    assert tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5).numpy().tolist() == [2, 1, 1, 0, 2]
    assert tf.histogram_fixed_width([-1, 0, 1, 2, 5, 15, 3], [0, 5], nbins=5).numpy().tolist() == [2, 1, 1, 1, 2]
    assert tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5, dtype=tf.int64).dtype == tf.int64
    b = tf.histogram_fixed_width_bins(v, [0.0, 5.0], nbins=5)
    assert b.dtype == tf.int32 and b.numpy().tolist() == [0, 0, 1, 2, 4, 4]
    with pytest.raises(InvalidArgumentError):
        tf.histogram_fixed_width([-1.0], [1.0, 0.0], nbins=5)
    with pytest.raises(InvalidArgumentError):
        tf.histogram_fixed_width([np.nan], [0.0, 1.0], nbins=5)
    with pytest.raises(InvalidArgumentError):  # TF: a float list value_range is float32, values float64
        tf.histogram_fixed_width_bins(tf.constant([0.5], tf.float64), [0.0, 1.0])


def test_in_top_k() -> None:
    p = tf.constant([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [np.nan, 0, 0], [1, 2, 3]])
    assert tf.math.in_top_k([2, 0, 1, 5], p, 2).numpy().tolist() == [True, True, False, False]
    with pytest.raises(InvalidArgumentError):
        tf.math.in_top_k([0], tf.constant([[1.0, 2.0]], tf.float64), 1)


def test_confusion_matrix() -> None:
    cm = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    assert cm.dtype == tf.int32 and cm.shape == (5, 5) and cm.numpy()[1, 2] == 1 and cm.numpy().sum() == 3
    w = tf.constant([1.0, 2.0, 3.0], tf.float64)
    with tf.GradientTape(persistent=True) as t:
        t.watch(w)
        ci = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], num_classes=5, weights=w)
        cf = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4], num_classes=5, weights=w, dtype=tf.float64)
    assert ci.dtype == tf.int32 and ci.numpy()[2, 2] == 2
    assert t.gradient(ci, w) is None
    assert t.gradient(cf, w).numpy().tolist() == [1.0, 1.0, 1.0]
    assert tf.math.confusion_matrix([[1], [0]], [1, 1]).numpy().tolist() == [[0, 1], [0, 1]]  # squeezable dim
    with pytest.raises(InvalidArgumentError):
        tf.math.confusion_matrix([-1, 2], [2, 2])
    with pytest.raises(InvalidArgumentError):
        tf.math.confusion_matrix([1, 2, 4], [2, 2, 1], num_classes=3)


def test_monotonic() -> None:
    assert tf.math.is_non_decreasing([[1.0, 2.0], [2.0, 3.0]]).numpy()
    assert not tf.math.is_strictly_increasing([1, 1, 2]).numpy()
    assert tf.math.is_strictly_increasing(tf.constant([], tf.float32)).numpy()
    assert not tf.math.is_non_decreasing(tf.constant([2, 1], tf.uint8)).numpy()
    with pytest.raises(TypeError):
        tf.math.is_non_decreasing([True, False])


def test_unravel_index() -> None:
    r = tf.unravel_index([1, 5, 11], [3, 4])
    assert r.dtype == tf.int32 and r.numpy().tolist() == [[0, 1, 2], [1, 1, 3]]
    assert tf.unravel_index(7, [3, 4]).numpy().tolist() == [1, 3]
    r = tf.unravel_index([5], tf.constant([3, 4], tf.int64))  # a list adopts dims' dtype (TF)
    assert r.dtype == tf.int64 and r.numpy().tolist() == [[1], [1]]
    with pytest.raises(InvalidArgumentError):
        tf.unravel_index([12], [3, 4])


def test_tensor_scatter_max_min_ties_split_like_tf() -> None:
    # recorded from TF 2.21: ties share the gradient evenly between the tensor and the equal updates
    x = tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)
    u = tf.constant([2.0, 2.0, 5.0, 4.0], tf.float64)
    want = {
        "max": ([1.0, 2.0, 5.0, 4.0], [1.0, 2 / 3, 0.0, 2.0], [2 / 3, 2 / 3, 3.0, 2.0]),
        "min": ([1.0, 2.0, 3.0, 4.0], [1.0, 2 / 3, 3.0, 2.0], [2 / 3, 2 / 3, 0.0, 2.0]),
    }
    for mode, (val, gx, gu) in want.items():
        f = getattr(tf, f"tensor_scatter_nd_{mode}")
        with tf.GradientTape() as t:
            t.watch([x, u])
            y = f(x, [[1], [1], [2], [3]], u)
            loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64))
        gs = t.gradient(loss, [x, u])
        np.testing.assert_allclose(y.numpy(), val)
        np.testing.assert_allclose(gs[0].numpy(), gx)
        np.testing.assert_allclose(gs[1].numpy(), gu)
    with pytest.raises(InvalidArgumentError):
        tf.tensor_scatter_nd_max([1.0, 2.0], [[2]], [1.0])


def test_tensor_scatter_nd_sub() -> None:
    assert tf.tensor_scatter_nd_sub([1, 2, 3, 4], [[1], [1]], [9, 10]).numpy().tolist() == [1, -17, 3, 4]


def test_polyval() -> None:
    assert tf.math.polyval([], tf.constant([0.5, 1.5])).numpy().tolist() == [0.0, 0.0]
    x = tf.constant([1.0, 2.0])
    c = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch([x, c])
        y = tf.math.polyval([c], x)  # TF returns coeffs[0]: x is not used
    assert t.gradient(y, [x, c])[0] is None
    with pytest.raises(InvalidArgumentError):  # TF: the float32 coefficient cannot meet a float64 x
        tf.math.polyval([1.0, 2.0], tf.constant([1.0], tf.float64))
    with pytest.raises(ValueError):
        tf.math.polyval((1.0, 2.0), x)


def test_bitcast_and_guarantee_const() -> None:
    assert tf.bitcast(tf.constant([1, 2], tf.uint8), tf.uint16).numpy() == 513
    assert tf.bitcast(tf.constant([1.0, 2.0], tf.float64), tf.float32).shape == (2, 2)
    with pytest.raises(InvalidArgumentError):
        tf.bitcast(tf.constant([1, 2, 3], tf.uint8), tf.uint16)
    with pytest.raises(InvalidArgumentError):
        tf.bitcast(tf.constant([True]), tf.uint8)
    x = tf.Variable([1.0, 2.0])
    for f in (lambda v: tf.bitcast(v, tf.float32), tf.guarantee_const):
        with tf.GradientTape() as t:
            y = f(x)
        with pytest.raises(LookupError):  # TF registers no gradient for Bitcast / GuaranteeConst
            t.gradient(y, x)


def test_dynamic_partition_and_stitch() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        ps = tf.dynamic_partition(x, [1, 0, 1], 3)
    assert [p.numpy().tolist() for p in ps] == [[2.0], [1.0, 3.0], []]
    assert t.gradient(ps[1], x).numpy().tolist() == [1.0, 0.0, 1.0]
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.dynamic_stitch([[0, 1], [1, 2]], [x[:2], x[1:] * 10])
    assert y.numpy().tolist() == [1.0, 20.0, 30.0]
    assert t.gradient(y, x).numpy().tolist() == [1.0, 11.0, 10.0]  # TF: overwritten rows still get gradients
    r = tf.dynamic_stitch([tf.constant([0, 3]), tf.constant([[5], [3]])],
                          [tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([[[5.0, 6.0]], [[7.0, 8.0]]])])
    assert r.numpy().tolist() == [[1, 2], [0, 0], [0, 0], [7, 8], [0, 0], [5, 6]]
    with pytest.raises(InvalidArgumentError):
        tf.dynamic_partition(x, [1, 0, 3], 3)
    with pytest.raises(InvalidArgumentError):
        tf.dynamic_stitch([tf.constant([0, 1], tf.int64)], [x[:2]])


def test_docstring_examples_run() -> None:
    import doctest
    import importlib

    from tapegrad.ops import (
        arithmetic,
        convolution,
        core,
        creation,
        image_ops,
        indexing,
        normalization,
        pooling,
        scatter,
    )

    for name in ("tapegrad.ops.counting", "tapegrad.ops.ordering", "tapegrad.ops.partitioning", "tapegrad.nest",
                 "tapegrad.ops.spectral"):
        r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert r.attempted > 3 and r.failed == 0, name
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    fns = [arithmetic.polyval, core.bitcast, core.guarantee_const, creation.sequence_mask, indexing.unravel_index,
           scatter.tensor_scatter_nd_sub, scatter.tensor_scatter_nd_max, scatter.tensor_scatter_nd_min,
           convolution.depthwise_conv2d, convolution.separable_conv2d, convolution.atrous_conv2d, convolution.conv3d,
           pooling.max_pool3d, pooling.avg_pool3d, normalization.local_response_normalization,
           image_ops.image_gradients, image_ops.total_variation, image_ops.sobel_edges, image_ops.psnr, image_ops.ssim]
    for fn in fns:
        for test in finder.find(fn):
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_nn_convolution_and_pooling_arguments() -> None:
    x = tf.ones([1, 4, 4, 2])
    with pytest.raises(InvalidArgumentError):  # depthwise strides are [1, sh, sw, 1]
        tf.nn.depthwise_conv2d(x, tf.ones([2, 2, 2, 3]), [2, 2], "SAME")
    with pytest.raises(InvalidArgumentError):
        tf.nn.depthwise_conv2d(x, tf.ones([2, 2, 3, 3]), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError):
        tf.nn.depthwise_conv2d(x, tf.ones([2, 2, 2, 3]), [1, 2, 2, 1], "SAME", dilations=[2, 2])
    assert tf.nn.depthwise_conv2d(x, tf.ones([2, 2, 2, 3]), [1, 1, 1, 1], "SAME", dilations=[2, 2]).shape == \
        (1, 4, 4, 6)
    with pytest.raises(ValueError):
        tf.nn.separable_conv2d(x, tf.ones([2, 2, 2, 3]), tf.ones([1, 1, 5, 4]), [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError):
        tf.nn.atrous_conv2d(x, tf.ones([2, 2, 2, 3]), 0, "SAME")
    v = tf.ones([1, 5, 5, 5, 2], tf.float64)
    with pytest.raises(InvalidArgumentError):  # TF's CPU Conv3D: dilations of 1 only
        tf.nn.conv3d(v, tf.ones([2, 2, 2, 2, 3], tf.float64), [1, 1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 2, 1])
    assert tf.nn.conv3d(v, tf.ones([2, 2, 2, 2, 3], tf.float64), [1, 2, 1, 2, 1], "SAME").shape == (1, 3, 5, 3, 3)
    assert tf.nn.max_pool3d(v, 2, 2, "SAME").shape == (1, 3, 3, 3, 2)
    with pytest.raises(InvalidArgumentError):
        tf.nn.local_response_normalization(tf.ones([2, 3]))
    assert tf.nn.lrn is tf.nn.local_response_normalization


def test_signal_errors_and_gradients() -> None:
    with pytest.raises(InvalidArgumentError):  # TF (eager): the FFT kernels take complex inputs only
        tf.signal.fft(tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError):
        tf.signal.rfft(tf.constant([1, 2]))
    x = tf.constant([1.0, 2.0, 0.5, -1.0], tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.signal.irfft(tf.signal.rfft(x))  # the identity: its gradient is ones
        loss = tf.reduce_sum(y)
    np.testing.assert_allclose(t.gradient(loss, x).numpy(), np.ones(4))
    assert tf.signal.rfft(tf.constant([1.0], tf.float32)).dtype == tf.complex64


def test_image_gradients_and_total_variation_numerical_gradients() -> None:
    from .opcheck import direction, inner, numeric_directional, tape_gradients

    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 4, 3, 2))
    calls = [lambda t, v: t.image.image_gradients(v), lambda t, v: t.image.total_variation(v),
             lambda t, v: t.image.total_variation(v[0]), lambda t, v: t.image.sobel_edges(v)]
    for call in calls:
        outs = call(tf, tf.constant(x))
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        weights = [rng.normal(size=o.shape.as_list()) for o in outs]

        def loss(xs: list[np.ndarray], call: object = call, weights: list[np.ndarray] = weights) -> float:
            res = call(tf, tf.constant(xs[0]))  # type: ignore[operator]
            res = list(res) if isinstance(res, tuple) else [res]
            return float(sum(np.sum(w * r.numpy()) for w, r in zip(weights, res)))

        (g,) = tape_gradients(call, [x], [0], weights)
        u = direction(x, rng)
        np.testing.assert_allclose(inner(tf.convert_to_tensor(g).numpy(), u), numeric_directional(loss, [x], 0, u),
                                   rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError):
        tf.image.total_variation(tf.ones([2, 2]))
    with pytest.raises(ValueError):
        tf.image.image_gradients(tf.ones([2, 2, 2]))
    assert tf.image.psnr(tf.ones([2, 2, 1], tf.float64), tf.zeros([2, 2, 1], tf.float64), 1.0).dtype == tf.float32


def test_ssim_checks_and_gradient() -> None:
    rng = np.random.default_rng(8)
    x = tf.constant(rng.uniform(size=(12, 12, 1)).astype(np.float32))
    with pytest.raises(InvalidArgumentError):  # smaller than the 11x11 window (TF's Assert)
        tf.image.ssim(x[:5], x[:5], 1.0)
    y = x * 0.5
    with tf.GradientTape() as t:
        t.watch(y)
        s = tf.image.ssim(x, y, 1.0)
    g = t.gradient(s, y)
    assert g.shape == y.shape and float(tf.reduce_sum(tf.abs(g))) > 0
    assert abs(float(tf.image.ssim(x, x, 1.0)) - 1.0) < 1e-6
