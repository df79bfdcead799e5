"""Programs whose results must equal TensorFlow's bit for bit (``test_exact_vs_tf.py`` runs them under both).

Each ``PROGRAMS[name](tf)`` returns a dict of NumPy arrays. They cover what tapegrad reproduces exactly rather
than to a tolerance: the seeded stateful random ops (TF's Philox kernels, eager and inside ``tf.function``, with
TF's seed derivation) and float16 reductions (Eigen's summation order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

PROGRAMS: dict[str, Callable[[Any], dict[str, np.ndarray]]] = {}


def program(fn: Callable[[Any], dict[str, np.ndarray]]) -> Callable[[Any], dict[str, np.ndarray]]:
    PROGRAMS[fn.__name__] = fn
    return fn


def _np(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# -- seeded stateful random ops -------------------------------------------------------------------------------------


@program
def random_op_seed_streams(tf: Any) -> dict[str, np.ndarray]:
    """An op seed alone (global seed 87654321): one kernel per op type, dtype and seed; each call continues it."""
    tf.random.set_seed(None)
    out = {}
    for dt in ("float16", "float32", "float64"):
        out[f"normal {dt}"] = _np(tf.random.normal([5], seed=1, dtype=dt))
        out[f"normal again {dt}"] = _np(tf.random.normal([2, 3], seed=1, dtype=dt))
        out[f"uniform {dt}"] = _np(tf.random.uniform([7], seed=2, dtype=dt))
        out[f"uniform bounds {dt}"] = _np(tf.random.uniform([3], minval=-2, maxval=3, seed=2, dtype=dt))
        out[f"truncated {dt}"] = _np(tf.random.truncated_normal([9], seed=3, dtype=dt))
        out[f"truncated scaled {dt}"] = _np(tf.random.truncated_normal([2, 5], mean=1.0, stddev=2.0, seed=3,
                                                                        dtype=dt))
        out[f"normal mean {dt}"] = _np(tf.random.normal([4], mean=2.0, stddev=0.5, seed=4, dtype=dt))
    for dt in ("int32", "int64"):
        out[f"int {dt}"] = _np(tf.random.uniform([6], minval=-5, maxval=10, dtype=dt, seed=2))
        out[f"int wide {dt}"] = _np(tf.random.uniform([5], minval=0, maxval=2**30 + 7, dtype=dt, seed=2))
    out["normal 1001"] = _np(tf.random.normal([1001], seed=11))
    out["truncated 1003"] = _np(tf.random.truncated_normal([1003], seed=11))
    out["normal 2x3x50"] = _np(tf.random.normal([2, 3, 50], seed=12, dtype=tf.float64))
    return out


@program
def random_bfloat16_and_wide_ints(tf: Any) -> dict[str, np.ndarray]:
    """bfloat16 samples (normal from float32 Box-Muller rounded; uniform from 7 mantissa bits) and int64 ranges
    wider than 32 bits (two words per value)."""
    tf.random.set_seed(None)
    return {
        "normal bf16": _np(tf.random.normal([5], seed=1, dtype=tf.bfloat16)),
        "uniform bf16": _np(tf.random.uniform([5], seed=1, dtype=tf.bfloat16)),
        "uniform bf16 bounds": _np(tf.random.uniform([5], minval=2, maxval=4, seed=1, dtype=tf.bfloat16)),
        "truncated bf16": _np(tf.random.truncated_normal([5], seed=1, dtype=tf.bfloat16)),
        "int64 wide": _np(tf.random.uniform([4], minval=-2**40, maxval=2**41, dtype=tf.int64, seed=3)),
        "float16 bounds": _np(tf.random.uniform([3], minval=-3, maxval=5, dtype=tf.float16, seed=1)),
    }


@program
def random_global_seed_sequence(tf: Any) -> dict[str, np.ndarray]:
    """A global seed: op seeds come from TF's per-context counter; set_seed replays the sequence."""
    out = {}
    tf.random.set_seed(1234)
    for i in range(3):
        out[f"normal {i}"] = _np(tf.random.normal([3]))
        out[f"uniform {i}"] = _np(tf.random.uniform([2]))
        out[f"op seed {i}"] = _np(tf.random.normal([3], seed=9))
        out[f"int {i}"] = _np(tf.random.uniform([4], maxval=50, dtype=tf.int64))
    out["dropout seeded"] = _np(tf.nn.dropout(tf.ones([10]), rate=0.5, seed=3))
    out["dropout"] = _np(tf.nn.dropout(tf.ones([10]), rate=0.5))
    tf.random.set_seed(1234)
    out["replay"] = _np(tf.random.normal([3]))
    tf.random.set_seed(0)  # (0, 0) is "no seed" to TF's kernels: it uses (0, 2**31 - 1) instead
    out["seed 0"] = _np(tf.random.uniform([3], seed=0))
    tf.random.set_seed(None)
    return out


@program
def random_shuffle_and_categorical(tf: Any) -> dict[str, np.ndarray]:
    """RandomShuffle (Fisher-Yates on Philox words) and Multinomial (CDF search; rows sharded as TF shards them)."""
    tf.random.set_seed(None)
    out = {
        "shuffle 10": _np(tf.random.shuffle(tf.range(10), seed=5)),
        "shuffle rows": _np(tf.random.shuffle(tf.reshape(tf.range(12), [6, 2]), seed=5)),
        "shuffle 100": _np(tf.random.shuffle(tf.range(100), seed=6)),
        "categorical": _np(tf.random.categorical(tf.math.log([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]), 6, seed=7)),
        "categorical inf": _np(tf.random.categorical([[0.0, 1.0, -float("inf"), 2.0]], 9, seed=7)),
        "categorical 64x10": _np(tf.random.categorical(tf.random.stateless_normal([64, 10], [1, 2]), 50, seed=8,
                                                       dtype=tf.int32)),
        "categorical 300x40": _np(tf.random.categorical(tf.random.stateless_normal([300, 40], [3, 4]), 37, seed=8)),
    }
    return out


@program
def random_in_tf_function(tf: Any) -> dict[str, np.ndarray]:
    """Inside tf.function: graph seeds (per-graph counter), a kernel per op that continues across calls, two
    functions with the same body alike, set_seed restarting the kernels."""
    out = {}

    def body() -> Any:
        return (tf.random.normal([3]), tf.random.uniform([2], seed=5),
                tf.random.uniform([2], maxval=100, dtype=tf.int32), tf.random.truncated_normal([4], seed=1))

    f, h = tf.function(body), tf.function(body)
    tf.random.set_seed(42)
    for i in range(2):
        for j, v in enumerate(f()):
            out[f"f call {i} out {j}"] = _np(v)
    for j, v in enumerate(h()):
        out[f"h out {j}"] = _np(v)
    tf.random.set_seed(42)
    for j, v in enumerate(f()):
        out[f"f after set_seed out {j}"] = _np(v)
    tf.random.set_seed(None)

    @tf.function
    def k(x: Any) -> Any:
        return x + tf.random.normal([2], seed=3), tf.random.shuffle(tf.range(5), seed=2)

    for i in range(2):
        for j, v in enumerate(k(tf.constant(1.0))):
            out[f"k call {i} out {j}"] = _np(v)
    return out


@program
def random_kernel_keys(tf: Any) -> dict[str, np.ndarray]:
    """TF keys its eager kernels by op, dtypes (values, output, shape tensor) and seeds: which calls share a stream."""
    tf.random.set_seed(None)
    lg = [[0.0, 1.0, 2.0]]
    return {
        "cat int32": _np(tf.random.categorical(lg, 5, seed=3, dtype=tf.int32)),
        "cat int64": _np(tf.random.categorical(lg, 5, seed=3)),
        "cat int32 again": _np(tf.random.categorical(lg, 5, seed=3, dtype=tf.int32)),
        "shuffle int32": _np(tf.random.shuffle(tf.range(6), seed=3)),
        "shuffle float32": _np(tf.random.shuffle(tf.range(6.0), seed=3)),
        "normal int32 shape": _np(tf.random.normal(tf.constant([3], tf.int32), seed=3)),
        "normal int64 shape": _np(tf.random.normal(tf.constant([3], tf.int64), seed=3)),
        "normal list shape": _np(tf.random.normal([3], seed=3)),
    }


@program
def random_gamma_poisson_binomial(tf: Any) -> dict[str, np.ndarray]:
    """gamma / poisson (seeded, stateful), their stateless versions, stateless_binomial and Generator.binomial: TF's
    kernels' samplers on TF's Philox streams (Marsaglia-Tsang, Knuth / PTRS at rate 10, inversion / BTRS)."""
    tf.random.set_seed(None)
    out = {}
    alphas = [0.05, 0.3, 1.0, 2.5, 11.0, 300.0]
    for dt in (tf.float16, tf.float32, tf.float64):
        out[f"stateless_gamma {dt.name}"] = _np(tf.random.stateless_gamma([40, 6], [1, 2], alpha=alphas, dtype=dt))
        out[f"gamma {dt.name}"] = _np(tf.random.gamma([30], alphas, seed=3, dtype=dt))
        out[f"gamma again {dt.name}"] = _np(tf.random.gamma([30], alphas, seed=3, dtype=dt))
    out["stateless_gamma beta"] = _np(tf.random.stateless_gamma([20, 2, 3], [3, 4], alpha=[[0.5], [4.0]],
                                                                beta=[1.0, 2.0, 3.0]))
    out["stateless_gamma 3000"] = _np(tf.random.stateless_gamma([3000], [5, 6], alpha=0.7, dtype=tf.float64))
    out["gamma beta"] = _np(tf.random.gamma([7, 2], [[0.4, 1.0, 3.0]], beta=[[1.0], [2.0]], seed=4,
                                            dtype=tf.float64))
    rates = [0.0, 0.5, 3.0, 9.9, 10.0, 150.0, 1e4]  # (a rate far above float16's range makes TF's kernel loop)
    for dt in ("float16", "float32", "float64", "int32", "int64"):
        out[f"stateless_poisson {dt}"] = _np(tf.random.stateless_poisson([40, 7], [7, 8], lam=rates, dtype=dt))
        out[f"poisson {dt}"] = _np(tf.random.poisson([20], rates, seed=4, dtype=dt))
    out["poisson float64 rate"] = _np(tf.random.poisson([9], tf.constant([2.0, 40.0], tf.float64), seed=5))
    counts, probs = [0.0, 5.0, 40.0, 100.0, 1000.0, 70.0], [0.3, 0.1, 0.5, 0.95, 0.999, 1.0]
    for dt in ("float32", "float64", "int32", "int64"):
        out[f"stateless_binomial {dt}"] = _np(tf.random.stateless_binomial([50, 6], [1, 2], counts=counts,
                                                                           probs=probs, output_dtype=dt))
    out["stateless_binomial float64 params"] = _np(tf.random.stateless_binomial(
        [30, 2, 3], [9, 9], counts=tf.constant([[20.0], [400.0]], tf.float64),
        probs=tf.constant([0.2, 0.5, 0.7], tf.float64)))
    g = tf.random.Generator.from_seed(5)
    out["Generator.binomial"] = _np(g.binomial([10, 3], counts=[10.0, 50.0, 200.0], probs=[0.2, 0.6, 0.99]))
    out["Generator.binomial 2"] = _np(g.binomial([4], counts=30.0, probs=0.5, dtype=tf.float32))
    out["Generator state"] = _np(g.state)
    return out


@program
def random_stateless_rest(tf: Any) -> dict[str, np.ndarray]:
    """stateless_parameterized_truncated_normal (its three samplers; sharded streams), stateless_categorical,
    stateless_shuffle, index_shuffle (Simon cipher, cycle walking), create_rng_state, fold_in, split."""
    out = {}
    ptn = tf.random.stateless_parameterized_truncated_normal
    for dt in (tf.float32, tf.float64):
        def c(v: Any, dt: Any = dt) -> Any:
            return tf.constant(v, dt)
        out[f"ptn normal rejection {dt.name}"] = _np(ptn([50, 3], [1, 2], c([0.0, 1.0, -1.0]), c([1.0, 2.0, 0.5]),
                                                         c([-2.0, -5.0, -3.0]), c([2.0, 5.0, 0.0])))
        out[f"ptn uniform rejection {dt.name}"] = _np(ptn([50, 2], [3, 4], c(0.0), c(1.0), c([0.1, -0.2]),
                                                          c([0.5, 0.3])))
        out[f"ptn exponential {dt.name}"] = _np(ptn([50, 2], [5, 6], c(0.0), c(1.0), c([2.0, 3.0]),
                                                    c([np.inf, 3.5])))
        out[f"ptn flipped {dt.name}"] = _np(ptn([40, 2], [5, 6], c(0.0), c(1.0), c([-np.inf, -4.0]),
                                                c([-2.5, -3.0])))
        out[f"ptn sharded {dt.name}"] = _np(ptn([700, 5], [7, 8], c(0.5), c(2.0), c([1.0, -1.0, 3.0, 0.0, 4.0]),
                                                c(9.0)))
        out[f"ptn sharded mixed batches {dt.name}"] = _np(ptn(  # shard boundaries inside batches of mixed samplers
            [300, 4], [0, 10], c([-0.665, 0.352, 0.903, 0.094]), c([1.996, 1.971, 1.528, 1.476]),
            c([0.648, -2.122, 1.316, -0.293]), c([1.882, -0.402, 1.478, 0.248])))
    out["ptn defaults"] = _np(ptn([4], [1, 2]))
    lg = tf.math.log([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    out["stateless_categorical"] = _np(tf.random.stateless_categorical(lg, 6, seed=[1, 2]))
    out["stateless_categorical int32"] = _np(tf.random.stateless_categorical(lg, 9, seed=[3, 4], dtype=tf.int32))
    out["stateless_categorical 300x40"] = _np(tf.random.stateless_categorical(
        tf.random.stateless_normal([300, 40], [3, 4]), 37, seed=[5, 6]))
    out["stateless_shuffle"] = _np(tf.random.experimental.stateless_shuffle(tf.range(10), seed=[1, 2]))
    out["stateless_shuffle rows"] = _np(tf.random.experimental.stateless_shuffle(tf.reshape(tf.range(12), [6, 2]),
                                                                                 seed=[3, 4]))
    out["stateless_shuffle 1000"] = _np(tf.random.experimental.stateless_shuffle(tf.range(1000), seed=[5, 6]))
    ish = tf.random.experimental.index_shuffle
    out["index_shuffle"] = _np(ish(tf.range(10), seed=[1, 2], max_index=9))
    out["index_shuffle int64"] = _np(ish(tf.range(1000, dtype=tf.int64), seed=tf.constant([7, 8], tf.int64),
                                         max_index=999))
    out["index_shuffle scalar"] = _np(ish(5, seed=[1, 2], max_index=100))
    out["index_shuffle uint32"] = _np(ish(tf.constant([0, 1, 2, 3], tf.uint32), seed=tf.constant([1, 2], tf.uint32),
                                          max_index=2**31))
    out["index_shuffle max_index vector"] = _np(ish([0, 1], seed=[1, 2], max_index=[5, 9]))
    out["create_rng_state"] = _np(tf.random.create_rng_state(2**70 + 3, "philox"))
    out["create_rng_state list"] = _np(tf.random.create_rng_state([5, 6], 1))
    out["fold_in"] = _np(tf.random.fold_in([1, 2], 7))
    out["split"] = _np(tf.random.split([1, 2], 3))
    return out


@program
def random_candidate_samplers(tf: Any) -> dict[str, np.ndarray]:
    """The candidate samplers (uniform, log-uniform, learned unigram across calls, fixed unigram with distortion,
    reserved ids and shards, all) with and without unique, and compute_accidental_hits: TF's kernels' values."""
    tf.random.set_seed(None)
    out = {}
    tc = [[1, 5], [2, 3], [0, 9]]
    samplers = (("uniform", tf.random.uniform_candidate_sampler),
                ("log_uniform", tf.random.log_uniform_candidate_sampler),
                ("learned", tf.random.learned_unigram_candidate_sampler))
    for unique in (True, False):
        for label, fn in samplers:
            for call in range(2):
                for j, v in enumerate(fn(tc, 2, 8, unique, 50, seed=3)):
                    out[f"{label} {unique} call {call} out {j}"] = _np(v)
        fixed = tf.random.fixed_unigram_candidate_sampler(
            tc, 2, 8, unique, 12, unigrams=[5.0, 1.0, 0.0, 2.0, 7.5, 1.0, 1.0, 3.0, 0.5, 2.0], num_reserved_ids=2,
            distortion=0.75, seed=4)
        for j, v in enumerate(fixed):
            out[f"fixed_unigram {unique} out {j}"] = _np(v)
    shard = tf.random.fixed_unigram_candidate_sampler([[1, 0], [2, 3], [0, 4]], 2, 4, True, 5,
                                                      unigrams=[5.0, 1.0, 0.0, 2.0, 7.5, 1.0, 1.0, 3.0, 0.5, 2.0],
                                                      num_shards=2, shard=1, seed=4)
    for j, v in enumerate(shard):
        out[f"fixed_unigram shard out {j}"] = _np(v)
    for j, v in enumerate(tf.random.all_candidate_sampler(tc, 2, 10, True)):
        out[f"all out {j}"] = _np(v)
    for j, v in enumerate(tf.random.log_uniform_candidate_sampler([[7]], 1, 40, True, 100000, seed=9)):
        out[f"log_uniform 1e5 out {j}"] = _np(v)
    for j, v in enumerate(tf.nn.compute_accidental_hits([[1, 2], [3, 4]], [4, 1, 7, 2], 2)):
        out[f"accidental hits out {j}"] = _np(v)
    return out


@program
def random_distributions_in_tf_function(tf: Any) -> dict[str, np.ndarray]:
    """gamma / poisson / a candidate sampler inside tf.function: graph seeds (per-graph counter), kernels that
    continue across calls; the eager sequence after set_seed."""
    out = {}
    tf.random.set_seed(7)

    @tf.function
    def f(a: Any) -> Any:
        return (tf.random.gamma([3], a), tf.random.poisson([2], [3.0, 30.0]), tf.random.gamma([2], a, seed=4),
                tf.random.stateless_gamma([2], [1, 2], alpha=a),
                tf.random.log_uniform_candidate_sampler([[1]], 1, 3, True, 20, seed=2)[0])

    for i in range(2):
        for j, v in enumerate(f(tf.constant(1.5))):
            out[f"call {i} out {j}"] = _np(v)
    tf.random.set_seed(7)
    out["eager gamma"] = _np(tf.random.gamma([3], 1.5))
    out["eager poisson"] = _np(tf.random.poisson([2], [3.0, 30.0]))
    tf.random.set_seed(None)
    return out


@program
def random_samplers_many_parameters(tf: Any) -> dict[str, np.ndarray]:
    """The stateless samplers over random parameters, shapes and dtypes (shard boundaries, float16 rounding, the
    samplers' switches): TF's values."""
    rng = np.random.default_rng(5)
    out = {}
    for s in range(6):
        n, b = int(rng.integers(50, 600)), int(rng.integers(1, 6))
        lo = rng.uniform(-3, 2, size=b)
        hi = lo + rng.uniform(0.05, 5, size=b)
        hi[rng.uniform(size=b) < 0.2] = np.inf
        ptn = tf.random.stateless_parameterized_truncated_normal
        out[f"ptn float64 {s}"] = _np(ptn([n, b], [s, 11], rng.normal(size=b), rng.uniform(0.5, 2, size=b), lo, hi))
        out[f"ptn float32 {s}"] = _np(ptn([n, b], [s, 12], rng.normal(size=b).astype(np.float32),
                                          rng.uniform(0.5, 2, size=b).astype(np.float32), lo.astype(np.float32),
                                          hi.astype(np.float32)))
        out[f"gamma float16 {s}"] = _np(tf.random.stateless_gamma(
            [n, b], [s, 13], alpha=rng.uniform(0.01, 5, size=b).astype(np.float16), dtype=tf.float16))
        out[f"poisson float64 {s}"] = _np(tf.random.stateless_poisson([n, b], [s, 14], lam=rng.uniform(0, 60, size=b),
                                                                      dtype=tf.float64))
        out[f"binomial int64 {s}"] = _np(tf.random.stateless_binomial(
            [n, b], [s, 15], counts=rng.integers(0, 300, size=b).astype(np.float64), probs=rng.uniform(0, 1, size=b),
            output_dtype=tf.int64))
    return out


# -- float16 reductions (TF adds in float16, in Eigen's order) ------------------------------------------------------

_F16_CASES = [((1000,), None), ((37,), 0), ((1601,), 0), ((5000,), None), ((33333,), 0), ((500001,), 0),
              ((7, 9), 0), ((40, 300), 0), ((40, 300), 1), ((300, 41), 0), ((3, 50, 20), 1), ((2, 17, 9), 1),
              ((5, 6, 7), (0, 2)), ((5, 6, 7), (1, 2)), ((5, 6, 7), (0, 1)), ((4, 5, 6, 7), (1, 3)),
              ((2, 1, 3000), -1), ((64, 2000), 1), ((1, 1), None)]


@program
def float16_reduce_sum_and_mean(tf: Any) -> dict[str, np.ndarray]:
    """float16 reduce_sum / reduce_mean of random inputs: TF's roundings (its summation order, its float16 count)."""
    rng = np.random.default_rng(16)
    out = {}
    for shape, axis in _F16_CASES:
        x = tf.constant(rng.standard_normal(shape).astype(np.float16))
        out[f"sum {shape} {axis}"] = _np(tf.reduce_sum(x, axis=axis))
        out[f"mean {shape} {axis}"] = _np(tf.reduce_mean(x, axis=axis))
    u = tf.constant(rng.random((300, 40)).astype(np.float16))
    out["sum keepdims"] = _np(tf.reduce_sum(u, axis=0, keepdims=True))
    out["mean 0.1 x 1000"] = _np(tf.reduce_mean(tf.fill([1000], tf.constant(0.1, tf.float16))))
    out["sum 0.1 x 1000"] = _np(tf.reduce_sum(tf.fill([1000], tf.constant(0.1, tf.float16))))
    return out


@program
def float16_softmax_and_log_softmax(tf: Any) -> dict[str, np.ndarray]:
    """float16 softmax / log_softmax: TF rounds each step (shift, exp, the row sums, 1/sum or log) to float16."""
    rng = np.random.default_rng(17)
    out = {"probe": _np(tf.nn.softmax(tf.constant([1.0, 2.0, 3.0], tf.float16)))}
    for shape in [(3,), (4, 7), (5, 40), (2, 300), (3, 2000), (2, 3, 33)]:
        x = tf.constant((rng.standard_normal(shape) * 3).astype(np.float16))
        out[f"softmax {shape}"] = _np(tf.nn.softmax(x))
        out[f"log_softmax {shape}"] = _np(tf.nn.log_softmax(x))
        if len(shape) > 1:
            out[f"softmax axis 0 {shape}"] = _np(tf.nn.softmax(x, axis=0))
            out[f"log_softmax axis 0 {shape}"] = _np(tf.nn.log_softmax(x, axis=0))
    return out


@program
def keras_initializers_with_a_seed(tf: Any) -> dict[str, np.ndarray]:
    """Keras 3 initializers given an integer seed draw TF's stateless ops with seed [seed, 0] (Orthogonal is left
    out: its QR is NumPy's, equal to rounding)."""
    ki = tf.keras.initializers
    inits = {"RandomNormal": ki.RandomNormal(mean=0.5, stddev=2.0, seed=1), "RandomUniform": ki.RandomUniform(
        -1.0, 3.0, seed=2), "TruncatedNormal": ki.TruncatedNormal(stddev=0.5, seed=3), "GlorotUniform":
        ki.GlorotUniform(seed=4), "GlorotNormal": ki.GlorotNormal(seed=5), "HeNormal": ki.HeNormal(seed=6),
        "HeUniform": ki.HeUniform(seed=7), "LecunNormal": ki.LecunNormal(seed=8), "LecunUniform": ki.LecunUniform(
            seed=9), "VarianceScaling": ki.VarianceScaling(2.0, "fan_avg", "untruncated_normal", seed=10)}
    out = {}
    for name, init in inits.items():
        out[name] = _np(init((4, 6)))
        out[f"{name} float64 conv"] = _np(init((3, 3, 2, 5), dtype="float64"))
    return out


@program
def bfloat16_softmax_and_log_softmax(tf: Any) -> dict[str, np.ndarray]:
    """bfloat16: TF's softmax is computed in float32 and rounded once; its log_softmax rounds each step to bfloat16
    (row sums in Eigen's order), like float16's."""
    rng = np.random.default_rng(18)
    out = {}
    for shape in [(3,), (4, 7), (5, 40), (2, 300), (6, 33)]:
        x = tf.cast(tf.constant((rng.standard_normal(shape) * 3).astype(np.float32)), tf.bfloat16)
        out[f"softmax {shape}"] = _np(tf.nn.softmax(x))
        out[f"log_softmax {shape}"] = _np(tf.nn.log_softmax(x))
    return out
