"""Edge conventions of the reduction / scan / sort / norm / segment ops (reference §6), beyond the generated suite.

Expected values were measured on TensorFlow 2.21 unless a test says it deliberately differs (documented in the
op's docstring): gradients at zero norms, cumprod at zeros and with complex inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def grad(f: Any, *xs: Any) -> Any:
    ts = [tf.constant(np.asarray(x)) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
    gs = tape.gradient(y, ts)
    return [None if g is None else tf.convert_to_tensor(g).numpy() for g in gs]


def numeric_grad(f: Any, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


# -- reduce_prod ------------------------------------------------------------------------------------------------


def test_reduce_prod_one_zero_gets_product_of_others() -> None:
    (g,) = grad(lambda x: tf.reduce_prod(x), [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(g, [6.0, 0.0, 0.0])


def test_reduce_prod_two_zeros_give_zero_gradient() -> None:
    (g,) = grad(lambda x: tf.reduce_prod(x), [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_reduce_prod_zeros_per_slice_and_multi_axis() -> None:
    x = np.array([[[0.0, 2.0], [3.0, 1.0]], [[5.0, 2.0], [0.0, 0.0]]])
    (g,) = grad(lambda t: tf.reduce_prod(t, axis=[0, 2]) * tf.constant([1.0, 10.0], tf.float64), x)
    # slice 0: {0, 2, 5, 2} one zero -> 20 at the zero; slice 1: {3, 1, 0, 0} two zeros -> 0
    expected = np.zeros_like(x)
    expected[0, 0, 0] = 20.0
    np.testing.assert_array_equal(g, expected)


def test_reduce_prod_no_division_so_no_underflow_loss() -> None:
    # the product underflows to 0 but the product of the others is 1 (a division-based rule would give 0)
    (g,) = grad(lambda x: tf.reduce_prod(x), [1e-200, 1e-200, 1e200])
    assert g[0] == pytest.approx(1e-200 * 1e200) and g[1] == pytest.approx(1.0)


def test_reduce_prod_second_order_with_zeros() -> None:
    x = np.array([[0.0, 1.5, 0.0, 2.0], [2.0, 0.0, 3.0, 0.5]])
    w = np.array([0.3, -1.2])
    v = np.random.default_rng(0).normal(size=x.shape)

    def first(z: np.ndarray) -> np.ndarray:
        return grad(lambda t: tf.reduce_sum(tf.reduce_prod(t, axis=1) * w), z)[0]

    t = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = tf.reduce_sum(tf.reduce_prod(t, axis=1) * w)
        s = tf.reduce_sum(inner.gradient(y, t) * v)
    hv = outer.gradient(s, t).numpy()
    np.testing.assert_allclose(hv, numeric_grad(lambda z: float(np.sum(first(z) * v)), x), atol=1e-7)


def test_reduce_prod_rejects_bool_and_repeated_axes() -> None:
    with pytest.raises(InvalidArgumentError):
        tf.reduce_prod(tf.constant([True, False]))
    with pytest.raises(InvalidArgumentError, match="twice"):
        tf.reduce_prod(tf.ones([2, 3]), axis=[0, -2])


# -- reduce_logsumexp / reduce_all / reduce_any ------------------------------------------------------------------


def test_logsumexp_is_stable_and_its_gradient_is_the_softmax() -> None:
    y = tf.reduce_logsumexp(tf.constant([1000.0, 1000.0], tf.float64))
    assert float(y) == pytest.approx(1000.0 + np.log(2.0))
    (g,) = grad(lambda x: tf.reduce_logsumexp(x), [1.0, 1.0])
    np.testing.assert_allclose(g, [0.5, 0.5])


def test_logsumexp_infinities_follow_tf() -> None:
    (g,) = grad(lambda x: tf.reduce_logsumexp(x), [np.inf, 1.0])
    assert np.isnan(g[0]) and g[1] == 0.0
    assert float(tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf]))) == -np.inf
    assert tf.reduce_logsumexp(tf.zeros([2, 0]), axis=1).numpy().tolist() == [-np.inf, -np.inf]


def test_logical_reductions_need_bool() -> None:
    assert tf.reduce_all(tf.zeros([0], tf.bool)).numpy()
    assert not tf.reduce_any(tf.zeros([0], tf.bool)).numpy()
    with pytest.raises(InvalidArgumentError):
        tf.reduce_all(tf.constant([1.0, 0.0]))


# -- argmax / argmin ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("values,amax,amin", [
    ([1.0, 3.0, 3.0], 1, 0),
    ([np.nan, 1.0, 3.0], 2, 1),
    ([np.nan, np.nan], 0, 0),
    ([np.nan, -np.inf], 0, 1),
    ([-np.inf, np.nan, -3.0], 2, 0),
])
def test_argmax_ties_first_and_nan_ignored(values: list[float], amax: int, amin: int) -> None:
    x = tf.constant(values)
    assert int(tf.argmax(x)) == amax and int(tf.argmin(x)) == amin


def test_argmax_defaults_and_errors() -> None:
    r = tf.argmax(tf.constant([[1, 5], [3, 2]]))  # axis None means 0 in TF
    assert r.dtype == tf.int64 and r.numpy().tolist() == [1, 0]
    assert tf.math.argmin(tf.constant([2.0, 1.0]), output_type=tf.int32).dtype == tf.int32
    with pytest.raises(InvalidArgumentError):
        tf.argmax(tf.zeros([0]))
    with pytest.raises(InvalidArgumentError, match=r"shape \(1,\)"):
        tf.argmax(tf.constant([1.0]), axis=2)
    with pytest.raises(InvalidArgumentError):
        tf.argmax(tf.constant([1, 3]), output_type=tf.float32)


def test_argmax_is_not_differentiable() -> None:
    g = grad(lambda x: tf.cast(tf.argmax(x), tf.float64), [1.0, 2.0])
    assert g == [None]


# -- cumsum / cumprod ---------------------------------------------------------------------------------------------


def test_cumsum_exclusive_reverse_values_and_gradient() -> None:
    x = tf.constant([[1.0, 2.0, 3.0]], tf.float64)
    assert tf.cumsum(x, axis=1, exclusive=True, reverse=True).numpy().tolist() == [[5.0, 3.0, 0.0]]
    (g,) = grad(lambda t: tf.cumsum(t, axis=1, exclusive=True, reverse=True) * np.array([1.0, 2.0, 3.0]),
                [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(g, [[0.0, 1.0, 3.0]])


def test_cumsum_keeps_small_integer_dtypes_and_wraps() -> None:
    r = tf.cumsum(tf.constant([100, 100], tf.int8))
    assert r.dtype == tf.int8 and r.numpy().tolist() == [100, -56]


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_gradient_is_exact_with_zeros(exclusive: bool, reverse: bool) -> None:
    x = np.array([[2.0, 0.0, 3.0, 0.5, -1.5], [0.0, 1.5, 0.0, 2.0, 1.2], [1.1, -0.7, 0.9, 0.0, 1.3]])
    w = np.random.default_rng(1).normal(size=x.shape)

    def L(t: Any) -> Any:
        return tf.reduce_sum(tf.math.cumprod(t, axis=1, exclusive=exclusive, reverse=reverse) * w)

    (g,) = grad(L, x)
    num = numeric_grad(lambda z: float(L(tf.constant(z)).numpy()), x)
    np.testing.assert_allclose(g, num, atol=1e-8)


def test_cumprod_first_zero_gets_the_other_factors_unlike_tf() -> None:
    # TF 2.21 returns [1, 0, 0, 0] (it divides by x and gives 0 at x == 0); d/dx1 is really 2 + 2*3 + 2*3*4 = 32
    (g,) = grad(lambda x: tf.reduce_sum(tf.math.cumprod(x)), [2.0, 0.0, 3.0, 4.0])
    np.testing.assert_array_equal(g, [1.0, 32.0, 0.0, 0.0])


def test_cumprod_second_order_with_two_zeros_in_a_slice() -> None:
    x = np.array([[0.0, 1.5, 0.0, 2.0, 1.2], [2.0, 0.0, 3.0, 0.0, 0.5]])
    w = np.random.default_rng(2).normal(size=x.shape)
    v = np.random.default_rng(3).normal(size=x.shape)

    def first(z: np.ndarray) -> np.ndarray:
        return grad(lambda t: tf.reduce_sum(tf.math.cumprod(t, axis=1) * w), z)[0]

    t = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = tf.reduce_sum(tf.math.cumprod(t, axis=1) * w)
        s = tf.reduce_sum(inner.gradient(y, t) * v)
    hv = outer.gradient(s, t).numpy()
    np.testing.assert_allclose(hv, numeric_grad(lambda z: float(np.sum(first(z) * v)), x, 1e-5), atol=1e-7)


def test_cumprod_complex_gradient_uses_the_conj_convention() -> None:
    z = np.array([2.0 + 1.0j, 1.0j])
    (g,) = grad(lambda t: tf.reduce_sum(tf.math.real(tf.math.cumprod(t))), z)
    # L = Re(z0) + Re(z0 z1): dL/dz = conj(dw/dz) summed: [1 + conj(z1), conj(z0)] (TF omits the conj)
    np.testing.assert_allclose(g, [1.0 - 1.0j, 2.0 - 1.0j])


# -- sort / argsort / top_k ----------------------------------------------------------------------------------------


def test_sort_gradient_follows_the_stable_permutation() -> None:
    w = np.array([1.0, 2.0, 3.0, 4.0])
    (g,) = grad(lambda x: tf.sort(x) * w, [3.0, 1.0, 3.0, 1.0])
    np.testing.assert_array_equal(g, [3.0, 1.0, 4.0, 2.0])
    (g,) = grad(lambda x: tf.sort(x, direction="DESCENDING") * w, [3.0, 1.0, 3.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 3.0, 2.0, 4.0])


def test_sort_integers_without_overflow_and_errors() -> None:
    r = tf.sort(tf.constant([-(2**31), 5, -1], tf.int32), direction="DESCENDING")
    assert r.numpy().tolist() == [5, -1, -(2**31)]
    with pytest.raises(ValueError):
        tf.sort(tf.constant([1.0]), direction="descending")
    with pytest.raises(InvalidArgumentError):
        tf.sort(tf.constant(3.0))
    with pytest.raises(InvalidArgumentError):
        tf.sort(tf.constant([1j]))


def test_argsort_is_stable_int32() -> None:
    r = tf.argsort(tf.constant([3.0, 1.0, 3.0, 1.0]), direction="DESCENDING")
    assert r.dtype == tf.int32 and r.numpy().tolist() == [0, 2, 1, 3]


def test_top_k_namedtuple_ties_to_first() -> None:
    r = tf.math.top_k(tf.constant([1.0, 3.0, 3.0, 2.0]), k=2)
    assert type(r).__name__ == "TopKV2" and r._fields == ("values", "indices")
    assert r.values.numpy().tolist() == [3.0, 3.0] and r.indices.numpy().tolist() == [1, 2]
    assert r.indices.dtype == tf.int32
    assert tf.nn.top_k(tf.constant([1.0, 2.0]), 1, index_type=tf.int64).indices.dtype == tf.int64


def test_top_k_gradient_goes_to_the_first_tie_not_split() -> None:
    (g,) = grad(lambda x: tf.math.top_k(x, k=1).values, [1.0, 3.0, 3.0])
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])
    (g,) = grad(lambda x: tf.reduce_max(x), [1.0, 3.0, 3.0])  # reduce_max splits ties instead
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5])


def test_top_k_indices_output_is_not_differentiated() -> None:
    # a multi-output entry where only the float output is used, and the int output feeds a cast
    x = tf.constant([[1.0, 5.0, 3.0, 4.0]], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        r = tf.math.top_k(x, k=2)
        only_idx = tf.cast(r.indices, tf.float64) * 2.0
        both = r.values * tf.cast(r.indices, tf.float64)
    assert tape.gradient(only_idx, x) is None
    np.testing.assert_array_equal(tape.gradient(both, x).numpy(), [[0.0, 1.0, 0.0, 3.0]])


def test_top_k_partial_selection_matches_full_sort_with_ties() -> None:
    rng = np.random.default_rng(4)
    x = rng.integers(0, 5, size=(7, 200)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    r = tf.math.top_k(tf.constant(x), k=9)
    order = np.argsort(-x, axis=-1, kind="stable")[:, :9]
    np.testing.assert_array_equal(r.indices.numpy(), order)


def test_top_k_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        tf.math.top_k(tf.constant([1.0, 3.0]), k=3)
    with pytest.raises(InvalidArgumentError):
        tf.math.top_k(tf.constant([1.0, 3.0]), k=-1)
    with pytest.raises(InvalidArgumentError):
        tf.math.top_k(tf.constant(1.0))
    assert tf.math.top_k(tf.zeros([2, 0]), k=0).values.shape == (2, 0)


def test_sort_and_top_k_second_order() -> None:
    # piecewise linear: the Hessian is 0, and the backward pass is itself differentiable (gather <-> scatter)
    x = tf.constant([0.3, -1.2, 2.5, 0.7], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            w = tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)
            y = tf.reduce_sum(tf.math.top_k(x * x, k=2).values) + tf.reduce_sum(tf.sort(x * x * x) * w)
        g = inner.gradient(y, x)
    h = outer.gradient(g, x).numpy()
    xs = x.numpy()
    rank = np.argsort(np.argsort(xs**3))
    # d2/dx2: 2 for the two largest squares (indices 2 and 1), 6 x w[rank] for the weighted sorted cubes
    expected = 2.0 * np.isin(np.arange(4), [1, 2]) + 6.0 * xs * (rank + 1.0)
    np.testing.assert_allclose(h, expected)


# -- norms, variance, std ------------------------------------------------------------------------------------------


def test_norm_at_zero_has_zero_gradient_not_nan() -> None:
    for f in (lambda x: tf.norm(x), lambda x: tf.norm(x, ord=3), lambda x: tf.math.reduce_euclidean_norm(x),
              lambda x: tf.norm(x, ord="fro", axis=[0, 1])):
        (g,) = grad(f, np.zeros((2, 2)))
        np.testing.assert_array_equal(g, np.zeros((2, 2)))


def test_std_of_constant_has_zero_gradient() -> None:
    (g,) = grad(lambda x: tf.math.reduce_std(x), [1.0, 1.0])
    np.testing.assert_array_equal(g, [0.0, 0.0])
    (g,) = grad(lambda x: tf.math.reduce_variance(x), [1.0, 2.0, 4.0])
    np.testing.assert_allclose(g, [-8 / 9, -2 / 9, 10 / 9])


def test_norm_orders_and_ties() -> None:
    (g,) = grad(lambda x: tf.norm(x, ord=np.inf), [-3.0, 3.0, 1.0])
    np.testing.assert_array_equal(g, [-0.5, 0.5, 0.0])  # reduce_max's equal split, as in TF
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert float(tf.norm(tf.constant(x), ord=1, axis=[0, 1])) == 6.0
    assert float(tf.norm(tf.constant(x), ord=1, axis=[-1, -2])) == 7.0
    assert float(tf.norm(tf.constant(x), ord=np.inf, axis=[0, 1])) == 7.0
    assert float(tf.norm(tf.constant(x), ord=2, axis=[0, 1])) == pytest.approx(np.linalg.norm(x, 2))
    assert tf.norm(tf.ones([2, 3, 4]), ord=2, axis=[2, 0], keepdims=True).shape == (1, 3, 1)


def test_norm_dtypes_follow_tf() -> None:
    assert tf.norm(tf.constant([1j], tf.complex64)).dtype == tf.complex64
    assert tf.norm(tf.constant([3 + 4j, 1]), ord=np.inf).dtype == tf.float64
    assert tf.norm(tf.constant([[1, -2], [0, 1]]), ord=1).numpy() == 4
    assert tf.math.reduce_euclidean_norm(tf.constant([[1, 1], [2, 2]]), axis=1).numpy().tolist() == [1, 2]


@pytest.mark.parametrize("kwargs,error", [
    ({"ord": 0}, ValueError), ({"ord": "fro"}, ValueError), ({"ord": 3, "axis": [0, 1]}, ValueError),
    ({"axis": [0, 0]}, ValueError), ({"axis": np.int64(1)}, ValueError), ({"axis": 3}, InvalidArgumentError),
])
def test_norm_argument_errors(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        tf.norm(tf.ones([2, 2]), **kwargs)


def test_matrix_two_norm_second_order_is_reported_missing() -> None:
    x = tf.constant([[1.0, -2.0], [3.0, 4.0]], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.norm(x, ord=2, axis=[0, 1])
        g = inner.gradient(y, x)
    with pytest.raises(LookupError):
        outer.gradient(g, x)


# -- clip_by_norm / clip_by_global_norm ---------------------------------------------------------------------------


def test_clip_by_norm_tie_uses_the_clipping_branch() -> None:
    w = np.array([1.0, 2.0, 3.0])
    gx, gc = grad(lambda x, c: tf.clip_by_norm(x, c) * w, [3.0, 4.0, 0.0], 5.0)
    np.testing.assert_allclose(gx, [-0.32, 0.24, 3.0])
    assert float(gc) == pytest.approx(2.2)
    gx, gc = grad(lambda x, c: tf.clip_by_norm(x, c) * w, [0.0, 0.0, 0.0], 5.0)
    np.testing.assert_array_equal(gx, w)
    assert float(gc) == 0.0


def test_clip_by_norm_negative_clip_norm_acts_as_zero() -> None:
    assert tf.clip_by_norm(tf.constant([3.0, 4.0]), -1.0).numpy().tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        tf.clip_by_norm(tf.constant([3.0, 4.0]), tf.constant([[1.0], [2.0]]))


def test_clip_by_global_norm_none_entries_and_zero_gradient() -> None:
    clipped, n = tf.clip_by_global_norm([tf.constant([3.0]), None, tf.constant([4.0])], 1.0)
    assert clipped[1] is None and float(n) == 5.0
    assert clipped[0].numpy().tolist() == pytest.approx([0.6]) and clipped[2].numpy().tolist() == pytest.approx([0.8])
    # all zeros: TF's gradient is NaN; the scale is locally 1, so the gradient is the identity
    ga, gb = grad(lambda a, b: tf.add_n([tf.reduce_sum(c) for c in tf.clip_by_global_norm([a, b], 2.0)[0]]),
                  [0.0, 0.0], [0.0])
    np.testing.assert_array_equal(ga, [1.0, 1.0])
    np.testing.assert_array_equal(gb, [1.0])
    assert tf.clip_by_global_norm([], 1.0)[1].dtype == tf.float32
    with pytest.raises(TypeError):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


def test_clip_by_global_norm_infinite_norm_gives_nan() -> None:
    clipped, n = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isinf(float(n)) and np.all(np.isnan(clipped[0].numpy()))


def test_clip_accepts_indexed_slices() -> None:
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 2, 0]) * 10.0)
    g = tape.gradient(y, v)
    (c,), n = tf.clip_by_global_norm([g], 5.0)
    assert type(c).__name__ == "IndexedSlices" and c.indices.numpy().tolist() == [0, 2, 0]
    np.testing.assert_allclose(float(n), np.sqrt(3 * 2 * 100.0), rtol=1e-6)
    np.testing.assert_allclose(c.values.numpy(), np.full((3, 2), 10.0 * 5.0 / float(n)), rtol=1e-6)
    assert type(tf.clip_by_norm(g, 1.0)).__name__ == "IndexedSlices"


# -- segments --------------------------------------------------------------------------------------------------------


def test_segment_sum_and_mean_gather_the_gradient_back() -> None:
    d = np.arange(6.0).reshape(3, 2)
    w = np.array([[1.0], [2.0], [3.0]])
    (g,) = grad(lambda x: tf.math.segment_sum(x, [0, 0, 2]) * w, d)
    np.testing.assert_array_equal(g, [[1.0, 1.0], [1.0, 1.0], [3.0, 3.0]])
    (g,) = grad(lambda x: tf.math.segment_mean(x, [0, 0, 2]) * w, d)
    np.testing.assert_array_equal(g, [[0.5, 0.5], [0.5, 0.5], [3.0, 3.0]])
    assert tf.math.segment_mean(tf.constant([-1, -2, 4]), [0, 0, 1]).numpy().tolist() == [-1, 4]  # truncation


def test_unsorted_segment_sum_drops_negative_ids() -> None:
    (g,) = grad(lambda x: tf.math.unsorted_segment_sum(x, [2, -1, 0], 3) * np.array([1.0, 2.0, 3.0]), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(g, [3.0, 0.0, 1.0])
    r = tf.math.unsorted_segment_sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [[0, 1], [1, 1]], 2)
    assert r.numpy().tolist() == [1.0, 9.0]


@pytest.mark.parametrize("call", [
    lambda: tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [1, 0, 0]),
    lambda: tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [-1, 0, 0]),
    lambda: tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [0, 0]),
    lambda: tf.math.segment_sum(tf.constant([1.0, 2.0]), tf.constant([0.0, 1.0])),
    lambda: tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0, 3.0]), [2, 5, 0], 3),
    lambda: tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0, 3.0]), [2, 1], 3),
    lambda: tf.math.unsorted_segment_sum(tf.constant([1.0, 2.0, 3.0]), [2, 1, 0], -1),
])
def test_segment_errors(call: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        call()


# -- batch axes (vectorised Jacobians) through the rules -------------------------------------------------------


@pytest.mark.parametrize("f", [
    lambda x: tf.math.cumprod(x, axis=0, exclusive=True),
    lambda x: tf.reduce_prod(x, axis=1),
    lambda x: tf.sort(x, axis=0),
    lambda x: tf.math.top_k(x, k=2).values,
    lambda x: tf.math.segment_mean(x, [0, 0, 2, 2]),
    lambda x: tf.clip_by_norm(x, 1.0, axes=[1]),
    lambda x: tf.norm(x, ord=3, axis=0),
])
def test_vectorised_jacobian_matches_row_by_row(f: Any) -> None:
    x = tf.constant(np.array([[0.0, 1.5, -2.0], [2.0, 0.3, 0.0], [0.7, -1.1, 0.4], [1.2, 0.0, 0.9]]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    a = tape.jacobian(y, x).numpy()
    b = tape.jacobian(y, x, experimental_use_pfor=False).numpy()
    np.testing.assert_allclose(a, b, atol=1e-12)
