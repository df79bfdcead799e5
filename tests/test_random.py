"""tapegrad.random: TF's seeding model, distributions, shapes/dtypes, errors and gradients.

TensorFlow 2.21 behaviour these tests encode was checked against real TF (seeding rules from the
``tf.random.set_seed`` docstring and probes: an op seed alone uses global seed 87654321, ``set_seed`` resets
op-seeded sequences, op kinds keep separate sequences; gradients of ``normal``/``uniform``/``truncated_normal``
reach mean/stddev/minval/maxval; ``shuffle`` has no gradient; ``categorical`` gives non-finite logits zero
probability and a row without finite logits yields ``num_classes``). Seeded values are TF's own (Philox kernels):
the conformance lane (tests/conformance/test_random_values.py) compares them with TensorFlow directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.ops.random_ops import DEFAULT_GLOBAL_SEED, get_seed, op_generator


@pytest.fixture(autouse=True)
def _clear_global_seed() -> Iterator[None]:
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _draws() -> list[np.ndarray]:
    """One call of every random op (no op seeds): the 'program' whose sequence set_seed makes reproducible."""
    return [
        tf.random.normal([3]).numpy(),
        tf.random.uniform([3]).numpy(),
        tf.random.uniform([3], maxval=100, dtype=tf.int32).numpy(),
        tf.random.truncated_normal([3]).numpy(),
        tf.random.shuffle(tf.constant(list(range(10)))).numpy(),
        tf.random.categorical([[0.0, 0.0, 0.0]], 8).numpy(),
    ]


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# -- the seeding model ---------------------------------------------------------------------------------------------


def test_global_seed_makes_the_sequence_reproducible() -> None:
    tf.random.set_seed(1234)
    first = _draws() + _draws()
    tf.random.set_seed(1234)
    again = _draws() + _draws()
    assert _same(first, again)
    assert not np.array_equal(first[0], first[6])  # successive calls of one op differ within the sequence


def test_different_global_seeds_give_different_sequences() -> None:
    tf.random.set_seed(1)
    a = tf.random.normal([8]).numpy()
    tf.random.set_seed(2)
    b = tf.random.normal([8]).numpy()
    assert not np.array_equal(a, b)


def test_no_seed_at_all_is_nondeterministic() -> None:
    a = tf.random.uniform([64]).numpy()
    b = tf.random.uniform([64]).numpy()
    assert not np.array_equal(a, b)


def test_op_seed_repeats_form_a_sequence_reset_by_set_seed() -> None:
    tf.random.set_seed(1234)
    a1 = tf.random.uniform([4], seed=1).numpy()
    a2 = tf.random.uniform([4], seed=1).numpy()
    assert not np.array_equal(a1, a2)  # TF: same kernel, internal counter advances
    tf.random.set_seed(1234)
    assert np.array_equal(tf.random.uniform([4], seed=1).numpy(), a1)
    assert np.array_equal(tf.random.uniform([4], seed=1).numpy(), a2)


def test_op_seed_without_global_seed_uses_the_default_global_seed() -> None:
    a = tf.random.normal([4], seed=7).numpy()
    tf.random.set_seed(None)  # resets the op-seeded sequence too
    assert np.array_equal(tf.random.normal([4], seed=7).numpy(), a)
    tf.random.set_seed(DEFAULT_GLOBAL_SEED)  # explicitly the default: the same stream (as in TF)
    assert np.array_equal(tf.random.normal([4], seed=7).numpy(), a)
    tf.random.set_seed(5)
    assert not np.array_equal(tf.random.normal([4], seed=7).numpy(), a)


def test_op_seed_values_do_not_depend_on_unseeded_calls_in_between() -> None:
    tf.random.set_seed(3)
    a = tf.random.uniform([4], seed=9).numpy()
    tf.random.set_seed(3)
    tf.random.uniform([4])  # a derived-seed call advances the counter, not the (3, 9) stream
    tf.random.normal([4], seed=9)  # another op kind keeps its own stream (TF: another kernel)
    assert np.array_equal(tf.random.uniform([4], seed=9).numpy(), a)


def test_different_op_seeds_and_dtypes_are_different_streams() -> None:
    tf.random.set_seed(3)
    a = tf.random.uniform([6], seed=1).numpy()
    tf.random.set_seed(3)
    b = tf.random.uniform([6], seed=2).numpy()
    assert not np.array_equal(a, b)


def test_get_seed_follows_tf_rules() -> None:
    assert get_seed(None) == (None, None)
    assert get_seed(5) == (DEFAULT_GLOBAL_SEED, 5)
    assert get_seed(-3) == (DEFAULT_GLOBAL_SEED, 2**31 - 1 - 3)  # TF truncates seeds modulo 2**31 - 1
    tf.random.set_seed(0)
    assert get_seed(0) == (0, 2**31 - 1)  # TF avoids the (0, 0) pair
    tf.random.set_seed(11)
    derived = [get_seed(None)[1] for _ in range(3)]
    tf.random.set_seed(11)
    assert [get_seed(None)[1] for _ in range(3)] == derived
    assert len(set(derived)) == 3


def test_set_seed_accepts_numpy_integers_and_rejects_strings() -> None:
    tf.random.set_seed(np.int64(4))
    a = tf.random.normal([3]).numpy()
    tf.random.set_seed(4)
    assert np.array_equal(tf.random.normal([3]).numpy(), a)
    with pytest.raises(TypeError):
        tf.random.set_seed("a")


def test_op_generator_helper_follows_the_model() -> None:
    tf.random.set_seed(8)
    a = op_generator(3, "Custom").sample("uniform", 5, np.float32)
    b = op_generator(3, "Custom").sample("uniform", 5, np.float32)
    assert not np.array_equal(a, b)
    tf.random.set_seed(8)
    k = op_generator(3, "Custom")
    assert (k.key, k.counter) == (8, 3 << 64)  # TF: key = global seed, counter = op seed << 64
    assert np.array_equal(k.sample("uniform", 5, np.float32), a)
    assert k.counter == (3 << 64) + 256 * 5  # TF reserves 256 Philox calls per output
    tf.random.set_seed(None)
    assert isinstance(op_generator(None, "Custom"), np.random.Generator)  # unseeded: NumPy's fast stream


def test_op_generator_shares_the_uniform_stream_for_the_same_key() -> None:
    tf.random.set_seed(8)
    tf.random.uniform([5], seed=3)
    second = tf.random.uniform([5], seed=3).numpy()
    tf.random.set_seed(8)
    op_generator(3, "RandomUniform/float32").sample("uniform", 5, np.float32)  # e.g. nn.dropout drawing first
    assert np.array_equal(tf.random.uniform([5], seed=3).numpy(), second)


# -- distributions (large seeded samples; tolerances are several standard errors) ----------------------------------


def test_normal_moments_and_dtype() -> None:
    x = tf.random.normal([200_000], mean=2.0, stddev=3.0, seed=1)
    assert x.dtype == tf.float32 and x.shape == (200_000,)
    v = x.numpy().astype(np.float64)
    assert abs(v.mean() - 2.0) < 5 * 3.0 / math.sqrt(v.size)
    assert abs(v.std() - 3.0) < 0.03
    assert abs(((v - 2.0) / 3.0) ** 3).mean() > 1.5  # E|z|^3 = 1.596: not uniform-like
    assert tf.random.normal([4], dtype=tf.float64, seed=1).dtype == tf.float64
    assert tf.random.normal([4], dtype=tf.float16, seed=1).dtype == tf.float16


def test_uniform_float_moments_and_bounds() -> None:
    x = tf.random.uniform([200_000], minval=-1.0, maxval=3.0, seed=2).numpy().astype(np.float64)
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 5 * 4 / math.sqrt(12 * x.size)
    assert abs(x.var() - 16 / 12) < 0.02
    unit = tf.random.uniform([100_000], seed=2)
    assert unit.dtype == tf.float32 and 0.0 <= float(tf.reduce_min(unit)) and float(tf.reduce_max(unit)) < 1.0
    half = tf.random.uniform([100_000], dtype=tf.float16, seed=2).numpy()
    assert half.dtype == np.float16 and half.max() < 1.0 and half.min() >= 0.0


def test_uniform_int_range_and_frequencies() -> None:
    x = tf.random.uniform([60_000], minval=-2, maxval=4, dtype=tf.int64, seed=3)
    assert x.dtype == tf.int64
    counts = np.bincount(x.numpy() + 2, minlength=6)
    assert counts.size == 6 and counts.min() > 0
    expected = x.shape[0] / 6
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 30  # 5 degrees of freedom: p ≈ 1e-5
    assert tf.random.uniform([3], maxval=5, dtype=tf.int32, seed=3).dtype == tf.int32


def test_truncated_normal_bounds_and_variance() -> None:
    x = tf.random.truncated_normal([200_000], mean=1.0, stddev=2.0, seed=4).numpy().astype(np.float64)
    assert np.abs(x - 1.0).max() <= 4.0 + 1e-6
    z = (x - 1.0) / 2.0
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    var = 1 - 4 * phi2 / mass  # variance of N(0, 1) truncated to [-2, 2]: 0.774
    assert abs(z.mean()) < 0.01
    assert abs(z.var() - var) < 0.01
    assert (np.abs(z) > 1.9).any()  # the tails up to the bound are sampled, not clipped away


def test_shuffle_is_a_row_permutation_and_reaches_every_order() -> None:
    x = tf.constant([[1, 10], [2, 20], [3, 30], [4, 40]])
    s = tf.random.shuffle(x, seed=5)
    assert s.dtype == tf.int32 and s.shape == (4, 2)
    assert sorted(map(tuple, s.numpy().tolist())) == sorted(map(tuple, x.numpy().tolist()))
    seen = {tuple(tf.random.shuffle(tf.constant([0, 1, 2]), seed=6).numpy().tolist()) for _ in range(300)}
    assert len(seen) == 6
    assert float(tf.random.shuffle(tf.constant(5.0))) == 5.0  # scalars pass through (as TF)


def test_categorical_frequencies_follow_softmax() -> None:
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    s = tf.random.categorical(tf.constant(logits, tf.float32), 30_000, seed=7)
    assert s.dtype == tf.int64 and s.shape == (2, 30_000)
    for row, p in zip(s.numpy(), np.exp(logits)):
        freq = np.bincount(row, minlength=3) / row.size
        assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / row.size))


def test_categorical_non_finite_logits() -> None:
    rows = [[-np.inf, 0.0, np.nan, 0.0], [np.inf, 0.0, 0.0, 0.0], [-np.inf] * 4]
    s = tf.random.categorical(rows, 2000, dtype=tf.int32, seed=8).numpy()
    assert s.dtype == np.int32
    assert set(s[0]) == {1, 3}
    assert set(s[1]) == {1, 2, 3}  # TF: +inf is not finite, so it gets probability 0 too
    assert set(s[2]) == {4}  # no finite logit: num_classes (TF's kernel does the same)
    assert tf.random.categorical([[0.0, 1.0]], 0).shape == (1, 0)
    assert tf.random.categorical([[0.0, 1.0]], tf.constant(3)).shape == (1, 3)


# -- shapes, dtypes and errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [[2, 3], (2, 3), tf.TensorShape([2, 3]), np.array([2, 3]), "tensor"])
def test_shape_forms(shape: object) -> None:
    if isinstance(shape, str):
        shape = tf.constant([2, 3], tf.int64)
    for fn in (tf.random.normal, tf.random.uniform, tf.random.truncated_normal):
        assert fn(shape, seed=1).shape == (2, 3)


def test_scalar_and_empty_shapes() -> None:
    assert tf.random.normal([], seed=1).shape == ()
    assert tf.random.uniform([0, 3], seed=1).shape == (0, 3)


def test_mean_and_stddev_broadcast_with_the_sample() -> None:
    y = tf.random.normal([2, 3], mean=tf.constant([0.0, 100.0, 200.0]), stddev=0.001, seed=1).numpy()
    assert y.shape == (2, 3) and np.allclose(y, [[0, 100, 200]] * 2, atol=0.01)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.normal([2, 3], mean=tf.constant([1.0, 2.0]))


@pytest.mark.parametrize("call,exc", [
    (lambda: tf.random.normal(3), tf.errors.InvalidArgumentError),  # TF: "shape must be a vector"
    (lambda: tf.random.normal([-1, 2]), tf.errors.InvalidArgumentError),  # "Dimension -1 must be >= 0"
    (lambda: tf.random.normal([2.0]), tf.errors.InvalidArgumentError),  # float shape
    (lambda: tf.random.normal(tf.TensorShape([None, 2])), ValueError),  # partially known shape
    (lambda: tf.random.normal([2], dtype=tf.int32), TypeError),  # "Cannot convert 0.0 to ... int32"
    (lambda: tf.random.normal([2], dtype=tf.complex64), tf.errors.InvalidArgumentError),
    (lambda: tf.random.normal([2], mean=tf.constant(1.0, tf.float64)), ValueError),  # dtype conversion
    (lambda: tf.random.truncated_normal([2], dtype=tf.int32), TypeError),
    (lambda: tf.random.uniform([2], dtype=tf.int32), ValueError),  # "Must specify maxval"
    (lambda: tf.random.uniform([2], maxval=3, dtype=tf.int8), ValueError),  # dtype not accepted
    (lambda: tf.random.uniform([2], dtype=tf.complex64), ValueError),
    (lambda: tf.random.uniform([2], minval=3, maxval=1, dtype=tf.int32), tf.errors.InvalidArgumentError),
    (lambda: tf.random.uniform([2], minval=[0, 1], maxval=5, dtype=tf.int32), tf.errors.InvalidArgumentError),
    (lambda: tf.random.uniform([2], maxval=5.5, dtype=tf.int32), TypeError),
    (lambda: tf.random.categorical([0.0, 1.0], 3), tf.errors.InvalidArgumentError),  # logits must be a matrix
    (lambda: tf.random.categorical(tf.zeros([1, 1, 2]), 3), tf.errors.InvalidArgumentError),
    (lambda: tf.random.categorical(tf.zeros([1, 0]), 3), tf.errors.InvalidArgumentError),  # no classes
    (lambda: tf.random.categorical([[0.0, 1.0]], -1), tf.errors.InvalidArgumentError),
    (lambda: tf.random.categorical([[0.0, 1.0]], 3, dtype=tf.float32), ValueError),
], ids=lambda v: "" if callable(v) else v.__name__)
def test_errors_match_tf_types(call: object, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        call()  # type: ignore[operator]


def test_float_uniform_with_inverted_bounds_is_allowed_as_in_tf() -> None:
    x = tf.random.uniform([100], minval=3.0, maxval=1.0, seed=1).numpy()
    assert x.min() > 1.0 and x.max() <= 3.0


# -- gradients (TF: through the arithmetic on mean/stddev/minval/maxval; none through the samples) ----------------


def test_normal_gradients_reach_mean_and_stddev() -> None:
    m, s = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.random.normal([5], mean=m, stddev=s, seed=1)
    gm, gs = tape.gradient(y, [m, s])
    z = (y.numpy() - 1.0) / 2.0
    assert float(gm) == 5.0
    np.testing.assert_allclose(float(gs), z.sum(), rtol=1e-5)


def test_truncated_normal_gradients_reach_mean_and_stddev() -> None:
    m, s = tf.Variable(0.5), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.random.truncated_normal([4, 2], mean=m, stddev=s, seed=2)
    gm, gs = tape.gradient(y, [m, s])
    assert float(gm) == 8.0
    np.testing.assert_allclose(float(gs), ((y.numpy() - 0.5) / 3.0).sum(), rtol=1e-5)


def test_uniform_gradients_reach_the_bounds() -> None:
    lo, hi = tf.Variable(1.0), tf.Variable(4.0)
    with tf.GradientTape() as tape:
        y = tf.random.uniform([6], minval=lo, maxval=hi, seed=3)
    glo, ghi = tape.gradient(y, [lo, hi])
    u = (y.numpy() - 1.0) / 3.0
    np.testing.assert_allclose([float(glo), float(ghi)], [(1 - u).sum(), u.sum()], rtol=1e-5)


def test_samples_shuffle_and_categorical_have_no_gradient() -> None:
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        shuffled = tf.random.shuffle(x * 2.0, seed=1)
        drawn = tf.random.categorical(x, 3, seed=1)
        plain = tf.random.normal([2], seed=1) * 1.0
    assert tape.gradient(shuffled, x) is None  # TF: RandomShuffle is not differentiable
    assert tape.gradient(drawn, x) is None
    assert tape.gradient(plain, x) is None
