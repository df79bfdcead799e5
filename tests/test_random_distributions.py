"""tf.random.gamma / poisson, stateless_gamma / poisson / binomial and Generator.binomial: TensorFlow 2.21's values
(literals recorded from real TF; the exact lane tests/conformance/test_exact_vs_tf.py compares many more), shapes,
dtypes, errors, gradients (vs TF and vs numerical derivatives of the CDF) and seeded statistical sanity checks."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import tapegrad as tf


@pytest.fixture(autouse=True)
def _clear_global_seed() -> Iterator[None]:
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


# -- TensorFlow's values ------------------------------------------------------------------------------------------


def test_stateless_gamma_values_are_tensorflows() -> None:
    got = tf.random.stateless_gamma([2, 3], [1, 2], alpha=[0.3, 1.0, 4.0], dtype=tf.float64)
    assert got.dtype == tf.float64 and got.shape == (2, 3)
    assert got.numpy().tolist() == [[0.005774907744860199, 2.2487352006448047, 4.520266951908729],
                                    [0.31249719092632783, 1.89350913788573, 3.4091505903198263]]
    f32 = tf.random.stateless_gamma([3], [1, 2], alpha=[0.3, 1.0, 4.0])
    assert f32.numpy().tolist() == [0.0057749091647565365, 1.7193093299865723, 5.955268859863281]


def test_seeded_gamma_and_poisson_are_tensorflows() -> None:
    assert tf.random.gamma([2], [0.5, 3.0], seed=1, dtype=tf.float64).numpy().tolist() == [
        [0.38637650447568944, 1.6107947827117743], [0.37036918224548204, 1.965701579955118]]
    p = tf.random.poisson([4], [2.0, 25.0], seed=2, dtype=tf.int64)
    assert p.dtype == tf.int64 and p.numpy().tolist() == [[4, 19], [1, 25], [8, 23], [2, 21]]


def test_stateless_poisson_and_binomial_are_tensorflows() -> None:
    p = tf.random.stateless_poisson([2, 3], [3, 4], lam=[2.0, 10.0, 500.0])  # Knuth, PTRS from 10 on
    assert p.dtype == tf.int32 and p.numpy().tolist() == [[3, 15, 469], [2, 10, 541]]
    b = tf.random.stateless_binomial([2, 3], [5, 6], counts=[10.0, 100.0, 1000.0], probs=[0.5, 0.05, 0.7])
    assert b.dtype == tf.int32 and b.numpy().tolist() == [[3, 2, 695], [8, 5, 711]]


def test_generator_binomial_values_and_state_are_tensorflows() -> None:
    g = tf.random.Generator.from_seed(11)
    assert g.binomial([3], counts=[20.0, 300.0, 5.0], probs=[0.4, 0.3, 0.9]).numpy().tolist() == [8, 86, 5]
    assert g.state.numpy().tolist() == [153611, 0, 0]  # TF reserves 3 * 2 * 100 * (1 + 3) // 4 outputs of 256


def test_stateless_ops_repeat_and_seeded_ops_continue() -> None:
    a = tf.random.stateless_poisson([5], [7, 7], lam=3.0).numpy()
    assert (tf.random.stateless_poisson([5], [7, 7], lam=3.0).numpy() == a).all()
    g1 = tf.random.gamma([6], 2.0, seed=3).numpy()
    g2 = tf.random.gamma([6], 2.0, seed=3).numpy()  # the kernel's stream continues (TF's stateful kernel)
    assert not np.array_equal(g1, g2)
    tf.random.set_seed(None)
    assert np.array_equal(tf.random.gamma([6], 2.0, seed=3).numpy(), g1)  # set_seed restarts the kernels


def test_gamma_gradients_are_tensorflows() -> None:
    a = tf.Variable([0.5, 2.0], dtype=tf.float64)
    b = tf.Variable(1.5, dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.random.stateless_gamma([3, 2], [4, 5], alpha=a, beta=b, dtype=tf.float64) ** 2)
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_allclose(ga.numpy(), [0.8902721646257454, 13.345632619994019], rtol=1e-10)
    np.testing.assert_allclose(gb.numpy(), -25.67785631735636, rtol=1e-12)


# -- gradients vs numerical derivatives -----------------------------------------------------------------------------


def test_gamma_alpha_gradient_is_the_implicit_derivative() -> None:
    """d sample / d alpha at a fixed CDF level: -dP/dalpha / dP/dx, against central differences of scipy's P."""
    special = pytest.importorskip("scipy.special")
    alpha = np.array([0.2, 0.9, 1.0, 3.5, 40.0])
    a = tf.Variable(alpha)
    with tf.GradientTape() as tape:
        x = tf.random.stateless_gamma([4, 5], [8, 9], alpha=a, dtype=tf.float64)
    jac = tape.jacobian(x, a).numpy()  # [4, 5, 5]: only the diagonal in the parameter axes
    xs = x.numpy()
    h = 1e-6 * alpha
    dp_da = (special.gammainc(alpha + h, xs) - special.gammainc(alpha - h, xs)) / (2 * h)
    dp_dx = np.exp(-xs + (alpha - 1) * np.log(xs) - special.gammaln(alpha))
    want = -dp_da / dp_dx
    got = np.einsum("sii->si", jac)
    np.testing.assert_allclose(got, want, rtol=2e-5)
    assert np.count_nonzero(jac) == np.count_nonzero(got)


def test_gamma_beta_gradient_and_none_for_the_other_samplers() -> None:
    beta = tf.Variable([2.0, 4.0], dtype=tf.float64)
    lam = tf.Variable([3.0, 30.0])
    probs = tf.Variable([0.3, 0.6])
    with tf.GradientTape(persistent=True) as tape:
        x = tf.random.gamma([3], 2.0, beta=beta, seed=1, dtype=tf.float64)
        sp = tf.random.stateless_poisson([2], [1, 2], lam=lam, dtype=tf.float32)
        sb = tf.random.stateless_binomial([2], [1, 2], counts=[5.0, 9.0], probs=probs, output_dtype=tf.float32)
        p = tf.random.poisson([2], lam, seed=1)
        gb = tf.random.Generator.from_seed(1).binomial([2], counts=[5.0, 9.0], probs=probs, dtype=tf.float32)
    np.testing.assert_allclose(tape.gradient(x, beta).numpy(), -np.sum(x.numpy(), axis=0) / beta.numpy())
    assert tape.gradient(sp, lam) is None and tape.gradient(sb, probs) is None
    for target, source in ((p, lam), (gb, probs)):
        with pytest.raises(LookupError):
            tape.gradient(target, source)


def test_second_derivative_in_alpha_is_unregistered_as_in_tf() -> None:
    a = tf.Variable([0.5, 2.0], dtype=tf.float64)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.random.stateless_gamma([3, 2], [4, 5], alpha=a, dtype=tf.float64))
        g = inner.gradient(y, a)
    with pytest.raises(LookupError):
        outer.gradient(g, a)


# -- shapes, dtypes, errors -----------------------------------------------------------------------------------------


def test_shapes_and_dtypes() -> None:
    assert tf.random.gamma([7, 2], [[1.0], [2.0]], beta=[1.0, 2.0, 3.0], seed=1).shape == (7, 2, 2, 3)
    assert tf.random.gamma([0], [1.0, 2.0], seed=1).shape == (0, 2)
    assert tf.random.gamma([2], tf.zeros([0]), seed=1).shape == (2, 0)
    assert tf.random.gamma([3], 0.0, seed=1).numpy().tolist() == [np.finfo(np.float32).tiny] * 3  # floored at tiny
    assert tf.random.gamma([2], 1.5, dtype=tf.float16, seed=1).dtype == tf.float16
    assert tf.random.poisson([2], [3, 20], seed=1).dtype == tf.float32  # int rates, float32 samples
    assert tf.random.poisson([3], [-1.0, 0.0], seed=1).numpy().tolist() == [[0.0, 0.0]] * 3
    assert tf.random.poisson([2], [np.inf], seed=1).numpy().tolist() == [[np.inf]] * 2
    assert tf.random.stateless_poisson([2], [1, 2], lam=tf.constant([1, 2], tf.float16)).dtype == tf.int32
    nan = tf.random.stateless_binomial([2], [1, 2], counts=[10.0, 20.0], probs=[np.nan, -1.0], output_dtype=tf.float32)
    assert np.isnan(nan.numpy()[0]) and nan.numpy()[1] == 0.0
    assert tf.random.stateless_binomial([2], [1, 2], counts=[3.0, 4.0], probs=[1.0, 2.0]).numpy().tolist() == [3, 4]


@pytest.mark.parametrize(("call", "error"), [
    (lambda: tf.random.gamma([2], 1, dtype=tf.int32, seed=1), ValueError),
    (lambda: tf.random.gamma([2], 1.5, dtype=tf.bfloat16, seed=1), tf.errors.InvalidArgumentError),
    (lambda: tf.random.gamma([2], [1.0, 2.0], beta=[1.0, 2.0, 3.0]), tf.errors.InvalidArgumentError),
    (lambda: tf.random.gamma([[2]], 1.0), tf.errors.InvalidArgumentError),
    (lambda: tf.random.gamma([-1], 1.0), tf.errors.InvalidArgumentError),
    (lambda: tf.random.poisson([2], 1.0, dtype=tf.bool), tf.errors.InvalidArgumentError),
    (lambda: tf.random.stateless_gamma([2], [1, 2], alpha=[1.0, 2.0, 3.0]), tf.errors.InvalidArgumentError),
    (lambda: tf.random.stateless_gamma([3], [1, 2, 3], alpha=[1.0, 2.0, 3.0]), tf.errors.InvalidArgumentError),
    (lambda: tf.random.stateless_gamma([3], [1.0, 2.0], alpha=1.0), tf.errors.InvalidArgumentError),
    (lambda: tf.random.stateless_poisson([2], [1, 2], lam=[1.0, 2.0, 3.0]), tf.errors.InvalidArgumentError),
    (lambda: tf.random.stateless_binomial([2, 3], [1, 2], counts=[1.0, 2.0], probs=[0.1, 0.2, 0.3]),
     tf.errors.InvalidArgumentError),
    (lambda: tf.random.stateless_binomial([2], [1, 2], counts=tf.constant([1, 2]), probs=[0.5, 0.5]),
     tf.errors.NotFoundError),
    (lambda: tf.random.stateless_binomial([2], [1, 2], counts=[1.0, 2.0], probs=0.5, output_dtype=tf.bool),
     tf.errors.InvalidArgumentError),
    (lambda: tf.random.Generator.from_seed(1).binomial([2], counts=tf.constant([1, 2]), probs=[0.5, 0.5]),
     tf.errors.InvalidArgumentError),
])
def test_bad_arguments_raise_tfs_exception_types(call: object, error: type) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


def test_float16_gamma_has_no_gradient_as_in_tf() -> None:
    a = tf.Variable([0.5, 2.0], dtype=tf.float16)
    with tf.GradientTape() as tape:
        y = tf.random.stateless_gamma([4, 2], [4, 5], alpha=a, dtype=tf.float16)
    with pytest.raises(tf.errors.InvalidArgumentError, match="float16"):
        tape.gradient(y, a)


# -- statistics (seeded, deterministic) -----------------------------------------------------------------------------


def test_sample_moments_match_the_distributions() -> None:
    n = 20000
    alpha = np.array([0.3, 1.0, 2.5, 30.0])
    x = tf.random.stateless_gamma([n, 4], [1, 1], alpha=alpha, beta=2.0, dtype=tf.float64).numpy()
    np.testing.assert_allclose(x.mean(axis=0), alpha / 2, rtol=0.04)
    np.testing.assert_allclose(x.var(axis=0), alpha / 4, rtol=0.08)
    lam = np.array([0.5, 4.0, 10.0, 250.0])
    p = tf.random.stateless_poisson([n, 4], [2, 2], lam=lam, dtype=tf.float64).numpy()
    np.testing.assert_allclose(p.mean(axis=0), lam, rtol=0.03)
    np.testing.assert_allclose(p.var(axis=0), lam, rtol=0.06)
    counts, probs = np.array([8.0, 60.0, 500.0, 40.0]), np.array([0.3, 0.4, 0.02, 0.9])
    b = tf.random.stateless_binomial([n, 4], [3, 3], counts=counts, probs=probs, output_dtype=tf.float64).numpy()
    np.testing.assert_allclose(b.mean(axis=0), counts * probs, rtol=0.02)
    np.testing.assert_allclose(b.var(axis=0), counts * probs * (1 - probs), rtol=0.06)
    assert (b >= 0).all() and (b <= counts).all()


def test_unseeded_draws_differ_and_follow_the_distribution() -> None:
    a = tf.random.gamma([5000], 3.0).numpy()
    b = tf.random.gamma([5000], 3.0).numpy()
    assert not np.array_equal(a, b)
    assert abs(a.mean() - 3.0) < 0.15 and abs(tf.random.poisson([5000], 7.0).numpy().mean() - 7.0) < 0.3


def test_compiled_function_draws_anew_each_call() -> None:
    @tf.function
    def f(alpha: tf.Tensor) -> tf.Tensor:
        return tf.random.gamma([3], alpha, seed=4), tf.random.stateless_poisson([3], [1, 2], lam=alpha)

    a1, p1 = f(tf.constant(2.0))
    a2, p2 = f(tf.constant(2.0))
    assert not np.array_equal(a1.numpy(), a2.numpy())
    assert np.array_equal(p1.numpy(), p2.numpy())


# -- stateless_parameterized_truncated_normal -----------------------------------------------------------------------


def test_parameterized_truncated_normal_values_and_gradients_are_tensorflows() -> None:
    m = tf.Variable([0.0, 1.0], dtype=tf.float64)
    sd = tf.Variable([1.0, 2.0], dtype=tf.float64)
    lo = tf.Variable([-1.0, 0.5], dtype=tf.float64)
    hi = tf.Variable([1.5, 3.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tf.random.stateless_parameterized_truncated_normal([3, 2], [1, 2], m, sd, lo, hi)
        loss = tf.reduce_sum(y**2)
    assert y.numpy().tolist() == [[-0.1423118100189212, 1.7870296793280551], [0.7406072461585091, 2.019362624451557],
                                  [1.147747453689489, 2.599370138378058]]
    want = [[3.4920857796581535, 12.81152488431534], [3.7721519235681154, 7.622263157965104],
            [0.34191312604213464, 3.925643973812444], [1.7962142746981926, 7.016316180051582]]
    for g, w in zip(tape.gradient(loss, [m, sd, lo, hi]), want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12)
    one_sided = tf.random.stateless_parameterized_truncated_normal([3], [1, 2], 0.0, 1.0, 3.0, np.inf)
    assert one_sided.numpy().tolist() == [3.0513298511505127, 3.001145601272583, 3.3942105770111084]


def test_parameterized_truncated_normal_bound_gradients_match_the_cdf() -> None:
    """d sample / d maxval at a fixed CDF level, against central differences of the truncated-normal quantile."""
    special = pytest.importorskip("scipy.special")
    hi = tf.Variable(1.2, dtype=tf.float64)
    with tf.GradientTape() as tape:
        f64 = [tf.constant(v, tf.float64) for v in (0.0, 1.0, -0.5)]  # TF: one dtype for all four parameters
        y = tf.random.stateless_parameterized_truncated_normal([6], [3, 3], *f64, hi)
    g = tape.jacobian(y, hi).numpy()
    x = y.numpy()
    lo_c, hi_c = special.ndtr(-0.5), special.ndtr(1.2)
    q = (special.ndtr(x) - lo_c) / (hi_c - lo_c)  # each sample's CDF level

    def quantile(h: float) -> np.ndarray:
        return special.ndtri(special.ndtr(-0.5) + q * (special.ndtr(h) - special.ndtr(-0.5)))

    np.testing.assert_allclose(g, (quantile(1.2 + 1e-6) - quantile(1.2 - 1e-6)) / 2e-6, rtol=1e-5)
    assert ((x >= -0.5) & (x <= 1.2)).all()


def test_parameterized_truncated_normal_errors_and_statistics() -> None:
    ptn = tf.random.stateless_parameterized_truncated_normal
    for args in ((0.0, -1.0), (0.0, 1.0, 2.0, 1.0), (0.0, 1.0, -np.inf, np.inf)):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid parameters"):
            ptn([4], [1, 2], *args)
    with pytest.raises(tf.errors.InvalidArgumentError):
        ptn([4], [1, 2], [0.0, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError):
        ptn([2], [1, 2], tf.constant(0.0, tf.float64), 1.0)
    assert ptn([0, 2], [1, 2], [0.0, 1.0]).shape == (0, 2)
    x = ptn([20000, 3], [4, 4], 0.0, 1.0, [-1.0, 0.5, 2.5], [1.0, 0.7, np.inf]).numpy()  # all three samplers
    assert (x[:, 0] >= -1).all() and (x[:, 0] <= 1).all() and (x[:, 1] >= 0.5).all() and (x[:, 2] >= 2.5).all()
    special = pytest.importorskip("scipy.stats")
    for j, (a, b) in enumerate(((-1.0, 1.0), (0.5, 0.7), (2.5, np.inf))):
        mean, var = special.truncnorm.stats(a, b, moments="mv")
        assert abs(x[:, j].mean() - mean) < 4 * np.sqrt(var / 20000)


# -- stateless_categorical, stateless_shuffle, index_shuffle, create_rng_state, fold_in, split ----------------------


def test_stateless_categorical_shuffle_and_index_shuffle_are_tensorflows() -> None:
    lg = tf.math.log([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    assert tf.random.stateless_categorical(lg, 6, seed=[1, 2]).numpy().tolist() == [[2, 2, 1, 2, 2, 2],
                                                                                    [2, 0, 2, 2, 1, 0]]
    assert tf.random.stateless_categorical(tf.math.log([[0.1, 0.2, 0.7]]), 9, seed=[3, 4],
                                           dtype=tf.int32).numpy().tolist() == [[2, 2, 1, 2, 2, 2, 1, 0, 2]]
    shuffle = tf.random.experimental.stateless_shuffle
    assert shuffle(tf.range(10), seed=[1, 2]).numpy().tolist() == [0, 3, 8, 1, 5, 4, 9, 7, 6, 2]
    assert shuffle(tf.reshape(tf.range(12), [6, 2]), seed=[3, 4]).numpy().tolist() == [
        [2, 3], [6, 7], [8, 9], [0, 1], [10, 11], [4, 5]]
    ish = tf.random.experimental.index_shuffle
    assert ish(tf.range(10), seed=[1, 2], max_index=9).numpy().tolist() == [5, 0, 1, 4, 3, 6, 9, 8, 7, 2]
    assert int(ish(5, seed=[1, 2], max_index=100)) == 48
    u = ish(tf.constant([0, 1, 2, 3], tf.uint32), seed=tf.constant([1, 2], tf.uint32), max_index=2**31)
    assert u.dtype == tf.uint32 and u.numpy().tolist() == [683701450, 679491027, 675313384, 671102961]
    assert ish([0, 1], seed=[1, 2], max_index=[5, 9]).numpy().tolist() == [5, 0]
    perm = ish(tf.range(1000, dtype=tf.int64), seed=tf.constant([7, 8], tf.int64), max_index=999).numpy()
    assert perm.dtype == np.int64 and sorted(perm.tolist()) == list(range(1000))  # a bijection


def test_seed_helpers_are_tensorflows() -> None:
    assert tf.random.create_rng_state(1, "philox").numpy().tolist() == [1, 0, 0]
    assert tf.random.create_rng_state([5, 6], 1).numpy().tolist() == [0, 5, 6]
    assert tf.random.create_rng_state(2**70 + 3, "philox").numpy().tolist() == [3, 64, 0]
    assert tf.random.create_rng_state(-1, "philox").numpy().tolist() == [-1, -1, -1]
    assert tf.random.create_rng_state(1, "threefry").numpy().tolist() == [1, 0]
    assert tf.random.fold_in([1, 2], 7).numpy().tolist() == [1105988140, 7]
    assert tf.random.fold_in(tf.constant([1, 2], tf.int64), 7).dtype == tf.int32  # data's dtype, as TF
    assert tf.random.split([1, 2], 3).numpy().tolist() == [[1105988140, 1738052849], [-335576002, 370444179],
                                                           [10670227, -246211131]]
    with pytest.raises(ValueError):
        tf.random.create_rng_state(1, "foo")
    with pytest.raises(ValueError):
        tf.random.split([1.0, 2.0])


def test_shuffle_and_categorical_gradients_and_errors_as_tf() -> None:
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        s = tf.random.experimental.stateless_shuffle(x, seed=[1, 2])
    with pytest.raises(LookupError):
        tape.gradient(s, x)
    assert float(tf.random.experimental.stateless_shuffle(3.0, seed=[1, 2])) == 3.0
    cat = tf.random.stateless_categorical
    assert cat([[0.0, 1.0]], 0, seed=[1, 2]).shape == (1, 0)
    for call, error in ((lambda: cat([0.0, 1.0], 3, seed=[1, 2]), tf.errors.InvalidArgumentError),
                        (lambda: cat(tf.zeros([2, 0]), 3, seed=[1, 2]), tf.errors.InvalidArgumentError),
                        (lambda: cat([[0.0, 1.0]], -1, seed=[1, 2]), tf.errors.InvalidArgumentError),
                        (lambda: cat([[0.0, 1.0]], 4, seed=[1, 2], dtype=tf.float32), ValueError),
                        (lambda: cat([[0, 1]], 4, seed=[1, 2]), tf.errors.NotFoundError),
                        (lambda: tf.random.experimental.index_shuffle(12, seed=[1, 2], max_index=9),
                         tf.errors.InvalidArgumentError),
                        (lambda: tf.random.experimental.index_shuffle(-1, seed=[1, 2], max_index=9),
                         tf.errors.InvalidArgumentError),
                        (lambda: tf.random.experimental.index_shuffle(1.0, seed=[1, 2], max_index=9),
                         tf.errors.InvalidArgumentError),
                        (lambda: tf.random.experimental.index_shuffle(3, seed=[1, 2, 3], max_index=9),
                         tf.errors.InvalidArgumentError)):
        with pytest.raises(error):
            call()


# -- candidate samplers ---------------------------------------------------------------------------------------------


def test_candidate_samplers_are_tensorflows() -> None:
    tc = [[1, 5], [2, 3], [0, 9]]
    s = tf.random.log_uniform_candidate_sampler(tc, 2, 8, True, 50, seed=3)
    assert s.sampled_candidates.numpy().tolist() == [0, 23, 13, 3, 18, 24, 1, 4]  # TF 2.21
    assert s.true_expected_count.shape == (3, 2) and s.sampled_expected_count.dtype == tf.float32
    u = tf.random.uniform_candidate_sampler(tc, 2, 8, False, 50, seed=3)
    assert u.sampled_candidates.numpy().tolist() == [35, 0, 3, 48, 37, 14, 8, 13]
    np.testing.assert_array_equal(u.true_expected_count.numpy(), np.full((3, 2), np.float32(1 / 50) * 8))
    a = tf.random.all_candidate_sampler(tc, 2, 10, True)
    assert a.sampled_candidates.numpy().tolist() == list(range(10)) and (a.true_expected_count.numpy() == 1).all()


def test_learned_unigram_counts_earlier_true_classes() -> None:
    first = tf.random.learned_unigram_candidate_sampler([[3]], 1, 4, False, 5, seed=7)
    p0 = first.true_expected_count.numpy()[0, 0]
    np.testing.assert_allclose(p0, 4 / 5)  # every weight 1
    second = tf.random.learned_unigram_candidate_sampler([[3]], 1, 4, False, 5, seed=7)
    np.testing.assert_allclose(second.true_expected_count.numpy()[0, 0], 4 * 2 / 6)  # class 3 seen once
    tf.random.set_seed(None)  # restarts the kernel: weights and stream
    again = tf.random.learned_unigram_candidate_sampler([[3]], 1, 4, False, 5, seed=7)
    assert np.array_equal(again.sampled_candidates.numpy(), first.sampled_candidates.numpy())


def test_fixed_unigram_sampler_weights_and_vocab_file(tmp_path: object) -> None:
    unigrams = [5.0, 1.0, 0.0, 2.0]
    s = tf.random.fixed_unigram_candidate_sampler([[0]], 1, 200, False, 4, unigrams=unigrams, seed=1)
    counts = np.bincount(s.sampled_candidates.numpy(), minlength=4)
    assert counts[2] == 0 and counts[0] > counts[3] > counts[1]
    np.testing.assert_allclose(s.true_expected_count.numpy(), [[200 * 5 / 8]], rtol=1e-6)
    path = f"{tmp_path}/vocab.csv"
    with open(path, "w") as f:
        f.write("a,5\nb,1\nc,0\nd,2\n")
    v = tf.random.fixed_unigram_candidate_sampler([[0]], 1, 200, False, 4, vocab_file=path, seed=1)
    assert np.array_equal(v.sampled_candidates.numpy(), s.sampled_candidates.numpy())
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.fixed_unigram_candidate_sampler([[0]], 1, 2, False, 3, unigrams=[1.0, 2.0])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.fixed_unigram_candidate_sampler([[0]], 1, 2, False, 3)


@pytest.mark.parametrize("call", [
    lambda: tf.random.uniform_candidate_sampler([[1, 2]], 3, 4, True, 10, seed=1),
    lambda: tf.random.uniform_candidate_sampler([1, 2], 2, 4, True, 10, seed=1),
    lambda: tf.random.uniform_candidate_sampler(tf.constant([[1, 2]]), 2, 4, True, 10, seed=1),
    lambda: tf.random.uniform_candidate_sampler([[1, 2]], 2, 11, True, 10, seed=1),
    lambda: tf.random.uniform_candidate_sampler([[1, 12]], 2, 4, True, 10, seed=1),
    lambda: tf.random.uniform_candidate_sampler([[0, 0]], 2, 4, False, 0, seed=1),
    lambda: tf.nn.compute_accidental_hits([[1, 2]], [[1]], 2),
])
def test_candidate_sampler_errors_are_invalid_argument(call: object) -> None:
    with pytest.raises(tf.errors.InvalidArgumentError):
        call()  # type: ignore[operator]


def test_compute_accidental_hits() -> None:
    h = tf.nn.compute_accidental_hits([[1, 2], [3, 4]], [4, 1, 7, 2], 2)
    assert h.indices.numpy().tolist() == [0, 0, 1] and h.ids.numpy().tolist() == [1, 3, 0]
    assert h.indices.dtype == tf.int32 and (h.weights.numpy() == -np.finfo(np.float32).max).all()
    with pytest.raises(ValueError):
        tf.random.learned_unigram_candidate_sampler([[1]], 1, 2, False, 2**31, seed=1)
