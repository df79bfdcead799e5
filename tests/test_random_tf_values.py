"""Seeded stateful random ops give TensorFlow 2.21's values: literals recorded from real TF (the conformance lane
``tests/conformance/test_exact_vs_tf.py`` checks many more against TF directly), the kernel stream model, and the
C-library rounding that float32 Box-Muller needs (``tapegrad.ops._libm``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.ops import _libm, _philox


@pytest.fixture(autouse=True)
def _clear_global_seed() -> Iterator[None]:
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _f32(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def test_op_seed_values_are_tensorflows() -> None:
    assert np.array_equal(tf.random.normal([5], seed=1).numpy(), _f32(
        [-0.8113182187080383, 1.4845987558364868, 0.06532937288284302, -2.442704200744629, 0.09924840182065964]))
    assert np.array_equal(tf.random.normal([5], seed=1, dtype=tf.float64).numpy(), np.array(
        [0.24282754598505307, -0.35299821810996557, -0.8365077914900015, -0.24356901971324732, 1.9100682898663162]))
    assert np.array_equal(tf.random.uniform([7], seed=2).numpy(), _f32(
        [0.6787465810775757, 0.7141509056091309, 0.4698169231414795, 0.4819697141647339, 0.4783817529678345,
         0.5538953542709351, 0.23514807224273682]))
    assert tf.random.uniform([6], -5, 10, tf.int32, seed=2).numpy().tolist() == [1, 1, 1, -3, 4, 5]
    assert tf.random.uniform([6], -5, 10, tf.int64, seed=2).numpy().tolist() == [7, 3, -1, -1, 5, 7]
    assert np.array_equal(tf.random.truncated_normal([9], seed=3).numpy(), _f32(
        [1.0616620779037476, -0.8785783052444458, 0.11187215894460678, 0.18511717021465302, -0.16233478486537933,
         -0.8913859724998474, -0.8166395425796509, 0.6149268746376038, 0.8271171450614929]))
    assert tf.random.shuffle(tf.range(10), seed=5).numpy().tolist() == [1, 3, 2, 7, 6, 9, 0, 5, 8, 4]
    assert tf.random.categorical(tf.math.log([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]), 6, seed=7).numpy().tolist() == [
        [2, 0, 2, 2, 1, 2], [1, 0, 0, 0, 0, 0]]


def test_global_seed_values_follow_tfs_op_seed_counter() -> None:
    tf.random.set_seed(1234)
    first = tf.random.normal([3]).numpy()
    tf.random.uniform([2])  # consumes the next op seed
    assert np.array_equal(first, _f32([0.8369314074516296, -0.7342977523803711, 1.0402942895889282]))
    assert np.array_equal(tf.random.normal([3], seed=9).numpy(),
                          _f32([-1.397830605506897, -0.16562940180301666, -0.7687699198722839]))
    assert np.array_equal(tf.random.normal([3]).numpy(),
                          _f32([0.9588322639465332, -0.3325802981853485, -0.0636182501912117]))


def test_tf_function_kernels_continue_across_calls() -> None:
    @tf.function
    def k(x: tf.Tensor) -> tf.Tensor:
        return x + tf.random.normal([2], seed=3)

    assert np.array_equal(k(tf.constant(1.0)).numpy(), _f32([2.061662197113037, 0.1214216947555542]))
    assert np.array_equal(k(tf.constant(1.0)).numpy(), _f32([1.8271172046661377, 2.6055216789245605]))


def test_kernel_state_reserves_as_tf() -> None:
    k = _philox.KernelState(5, 7)
    assert (k.key, k.counter) == (5, 7 << 64)
    k.sample("normal", 3, np.float32)
    assert k.counter == (7 << 64) + 256 * 3  # 256 Philox calls reserved per output
    k.permutation(10)
    assert k.counter == (7 << 64) + 256 * 3 + 3  # ReserveSamples32(9): ceil(9 / 4) calls
    k.multinomial(np.zeros((2, 3), np.float32), 5, threads=1)
    assert k.counter == (7 << 64) + 256 * 3 + 3 + 256 * 2 * 16  # 2 rows x 2 words x ceil4(5) samples


def test_eigen_sharding_of_rows() -> None:
    assert _philox._eigen_blocks(2, 1411.0, 2) == [0]  # small work: one block
    starts = _philox._eigen_blocks(300, 11843.0, 2)
    assert starts[0] == 0 and len(starts) > 1 and all(b > a for a, b in zip(starts, starts[1:]))


@pytest.mark.skipif(not _libm.available(), reason="needs glibc's logf/sincosf tables (Linux)")
def test_libm_emulation_equals_the_c_library() -> None:
    import ctypes

    libm = ctypes.CDLL("libm.so.6")
    for name in ("logf", "sinf", "cosf"):
        fn = getattr(libm, name)
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    rng = np.random.default_rng(7)
    u = np.maximum(_philox._u32_to_float(rng.integers(0, 2**32, 4000, dtype=np.uint32)), np.float32(1e-7))
    v = ((2.0 * np.pi) * u.astype(np.float64)).astype(np.float32)
    v = np.concatenate([v, np.float32([0.0, 2.0**-13, 2.0**-12, 0.78539, 0.7854, np.pi, 4.712389, 6.2831])])
    assert np.array_equal(_libm.logf(u), np.array([libm.logf(float(x)) for x in u], np.float32))
    s, c = _libm.sincosf(v)
    assert np.array_equal(s, np.array([libm.sinf(float(x)) for x in v], np.float32))
    assert np.array_equal(c, np.array([libm.cosf(float(x)) for x in v], np.float32))


def test_large_draws_agree_block_by_block() -> None:
    # results do not depend on the block size used to compute them (TF's groups are independent)
    n = 3 * _philox._CHUNK * 4 + 5
    full = _philox.normal(9 << 64, 11, n, np.float32)
    assert np.array_equal(full[:1000], _philox.normal(9 << 64, 11, 1000, np.float32))
    tn = _philox.truncated_normal(9 << 64, 11, n, np.float32)
    assert np.abs(tn).max() < 2.0 and np.array_equal(tn[:999], _philox.truncated_normal(9 << 64, 11, 999, np.float32))
