"""float16 reduce_sum / reduce_mean round as TensorFlow 2.21's CPU kernels do (Eigen's summation order in float16,
the mean's count as a float16). Expected bits were recorded from real TF on the same seeded inputs; the exact
conformance lane (tests/conformance/test_exact_vs_tf.py) compares many more shapes with TF directly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.ops import _half_reduce

# (shape, axis) -> (first bits of TF's sum, of TF's mean), for inputs drawn in order from default_rng(7)
TF_BITS: list[tuple[tuple[int, ...], Any, list[int], list[int]]] = [
    ((44,), None, [52274], [46618]),
    ((1601,), None, [54148], [43215]),
    ((5000,), None, [53414], [40862]),
    ((20, 30), 0, [16320, 16858, 49342, 51021, 15324, 17248, 18017, 15128, 15392, 50782, 16011, 49420],
     [11827, 12462, 44950, 46551, 10826, 12774, 13594, 10669, 10906, 46360, 11580, 45066]),
    ((3, 50, 20), 1, [15622, 16061, 50823, 17862, 17356, 16352, 17693, 50808, 49204, 18986, 17422, 46247],
     [9838, 10320, 45101, 12132, 11517, 10506, 11916, 45092, 43361, 13284, 11569, 40436]),
    ((5, 6, 7), (0, 2), [17683, 16092, 18256, 15796, 49087, 51333], [12452, 10821, 12976, 10551, 43797, 46114]),
]


def test_sums_and_means_have_tfs_bits() -> None:
    rng = np.random.default_rng(7)
    for shape, axis, sum_bits, mean_bits in TF_BITS:
        x = tf.constant(rng.standard_normal(shape).astype(np.float16))
        s = tf.reduce_sum(x, axis=axis).numpy()
        m = tf.reduce_mean(x, axis=axis).numpy()
        assert s.dtype == np.float16 and m.dtype == np.float16
        assert s.view(np.uint16).ravel().tolist()[:12] == sum_bits, (shape, axis)
        assert m.view(np.uint16).ravel().tolist()[:12] == mean_bits, (shape, axis)


def test_the_probe_case() -> None:
    x = tf.fill([1000], tf.constant(0.1, tf.float16))
    assert float(tf.reduce_sum(x)) == 99.75  # TF; NumPy's pairwise float16 sum gives 100.0
    assert tf.reduce_mean(x).numpy() == np.float16(0.0997314453125)


def test_mean_divides_by_the_count_as_float16() -> None:
    x = np.full(70000, 1.0, np.float16)  # the count 70000 is inf in float16: TF's mean is 0 (sum is inf: nan)
    with np.errstate(all="ignore"):
        assert _half_reduce.reduce_mean(np.zeros(70000, np.float16), (0,), False, 1) == 0
        assert np.isnan(_half_reduce.reduce_mean(x, (0,), False, 1))


@pytest.mark.parametrize("shape,axes", [((9,), (0,)), ((4, 40), (1,)), ((40, 4), (0,)), ((3, 4, 5), (0, 2)),
                                        ((2, 3, 4, 5), (1, 3)), ((2, 3000), (1,))])
def test_small_integers_sum_exactly_in_any_order(shape: tuple[int, ...], axes: tuple[int, ...]) -> None:
    # integers whose partial sums stay below 2048 are exact in float16 whatever the order: the layout logic
    # (which values go to which output) must agree with NumPy's exact sum
    x = (np.arange(np.prod(shape)) % 3).astype(np.float16).reshape(shape)
    got = _half_reduce.reduce_sum(x, axes, False, 2)
    assert np.array_equal(got, x.astype(np.float64).sum(axis=axes).astype(np.float16))
    keep = _half_reduce.reduce_sum(x, axes, True, 2)
    assert keep.shape == np.sum(x, axis=axes, keepdims=True).shape


def test_float16_softmax_rounds_every_step_as_tf() -> None:
    x = tf.constant([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]], tf.float16)
    sm, lsm = tf.nn.softmax(x).numpy(), tf.nn.log_softmax(x).numpy()
    assert sm.dtype == lsm.dtype == np.float16
    assert sm.view(np.uint16).tolist() == [[11715, 13268, 14674], [10100, 7847, 15287]]  # TF's bits
    assert lsm.view(np.uint16).tolist() == [[49361, 48546, 46727], [49939, 50441, 43178]]
    assert sm[0, 1] == np.float16(0.2446)  # rounding once from float32 would give 0.2448
