"""The candidate samplers of ``tf.random`` / ``tf.nn`` (sampled softmax, NCE) and ``tf.nn.compute_accidental_hits``.

Each sampler returns ``(sampled_candidates, true_expected_count, sampled_expected_count)`` as TF does. Seeded
(``seed=`` or a global seed) they run TF's kernel on TF's Philox stream for that seed pair (a kernel per op and
attributes, as TF caches kernels; ``tf.random.set_seed`` restarts them): the kernel reserves ``2048 num_sampled``
32-bit words per call and reads them through ``SimplePhilox`` (``Uniform``/``Uniform64`` by rejection,
``RandDouble`` from two words, ``RandFloat`` from one):

* ``uniform``: ``Uniform64(range_max)``; probability ``1 / range_max``;
* ``log_uniform``: ``floor(exp(RandDouble() log(range_max + 1))) - 1``; probability
  ``log((k + 2) / (k + 1)) / log(range_max + 1)``;
* ``learned_unigram``: a weighted pick (``Uniform(total)`` into the running weights, all 1 at first) whose weights
  count the true classes seen by earlier calls of the same kernel;
* ``fixed_unigram``: Walker's alias method over ``unigrams`` (or a vocabulary file's last column) raised to
  ``distortion``, with reserved ids and sharding;
* ``all``: ``0 .. num_sampled - 1``.

With ``unique=True`` samples are redrawn until ``num_sampled`` distinct ones are found, and the expected counts are
``-expm1(tries * log1p(-p))`` (TF's approximation), else ``p * num_sampled``.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import _philox
from .core import convert_to_tensor
from .random_ops import _state, op_generator

CandidateSamples = collections.namedtuple(
    "CandidateSamples", ["sampled_candidates", "true_expected_count", "sampled_expected_count"])
AccidentalHits = collections.namedtuple("AccidentalHits", ["indices", "ids", "weights"])

_INT32_MAX = 2**31 - 1


class _SimplePhilox:
    """TF's ``SimplePhilox`` over a Philox stream read word by word (made in blocks)."""

    def __init__(self, counter: int, key: int) -> None:
        self.counter, self.key = counter, key
        self.words: list[int] = []
        self.pos = 0
        self.calls = 0

    def rand32(self) -> int:
        if self.pos == len(self.words):
            self.words = _philox.words((self.counter + self.calls) & ((1 << 128) - 1), self.key, 64).reshape(
                -1).tolist()
            self.calls += 64
            self.pos = 0
        self.pos += 1
        return self.words[self.pos - 1]

    def rand64(self) -> int:
        lo = self.rand32()
        return lo | (self.rand32() << 32)

    def rand_double(self) -> float:
        x0 = self.rand32()
        x1 = self.rand32()
        return float(_philox._u64_to_double(np.uint32(x0), np.uint32(x1)))

    def rand_float(self) -> np.float32:
        return _philox._u32_to_float(np.array([self.rand32()], np.uint32))[0]

    def _exact(self, n: int, bits: int, draw: Any) -> int:
        if n == 0:
            draw()
            return 0
        if n & (n - 1) == 0:
            return draw() & (n - 1)
        rem = ((1 << bits) - 1) % n + 1
        v = draw()
        while v < rem:
            v = draw()
        return v % n

    def uniform(self, n: int) -> int:
        return self._exact(n, 32, self.rand32)

    def uniform64(self, n: int) -> int:
        return self._exact(n, 64, self.rand64)


class _AliasTable:
    """TF's ``DistributionSampler``: Walker's alias method (probabilities in float32, built in double)."""

    def __init__(self, weights: np.ndarray) -> None:
        n = weights.size
        total = 0.0
        for w in weights.tolist():
            total += w
        pr = [(w * n) / total for w in weights.astype(np.float64).tolist()]
        alt = [-1] * n
        low = [i for i in range(n) if pr[i] < 1.0]
        high = [i for i in range(n) if not pr[i] < 1.0]
        while high and low:
            lo_i, hi_i = low.pop(), high.pop()
            alt[lo_i] = hi_i
            pr[hi_i] = pr[hi_i] - (1.0 - pr[lo_i])
            (low if pr[hi_i] < 1.0 else high).append(hi_i)
        for i in high + low:
            pr[i], alt[i] = 1.0, i
        self.prob = np.array(pr, dtype=np.float32)
        self.alt = alt
        self.n = n

    def sample(self, rnd: _SimplePhilox) -> int:
        r = rnd.rand_float()
        i = rnd.uniform(self.n)
        return i if r < self.prob[i] else self.alt[i]


# -- the samplers ---------------------------------------------------------------------------------------------------


class _Uniform:
    def __init__(self, range_max: int) -> None:
        self.range = range_max

    def sample(self, rnd: _SimplePhilox) -> int:
        return rnd.uniform64(self.range)

    def probability(self, v: int) -> np.float32:
        return np.float32(1.0 / self.range)


class _LogUniform:
    def __init__(self, range_max: int) -> None:
        self.range = range_max
        self.log_range = float(np.log1p(np.float64(range_max)))

    def sample(self, rnd: _SimplePhilox) -> int:
        import math

        return (int(math.exp(rnd.rand_double() * self.log_range)) - 1) % self.range

    def probability(self, v: int) -> np.float32:
        import math

        return np.float32(math.log((v + 2.0) / (v + 1.0)) / self.log_range)


class _Unigram:
    """TF's learned unigram sampler: integer weights (1 each at first) counting the true classes seen."""

    def __init__(self, range_max: int) -> None:
        self.range = range_max
        self.weights = np.ones(range_max, dtype=np.int64)
        self.lock = threading.Lock()

    def sample(self, rnd: _SimplePhilox) -> int:
        r = rnd.uniform(int(self._total))
        return int(np.searchsorted(self._cum, r, side="right"))

    def probability(self, v: int) -> np.float32:
        return np.float32(np.float32(self.weights[v]) / np.float32(self._total))

    def prepare(self) -> None:
        self._cum = np.cumsum(self.weights)
        self._total = int(self._cum[-1])

    def update(self, values: list[int]) -> None:
        total = int(self.weights.sum())
        for v in values[:max(0, min(len(values), _INT32_MAX - total))]:
            self.weights[v] += 1


class _FixedUnigram:
    def __init__(self, range_max: int, weights: np.ndarray) -> None:
        self.range = range_max
        self.weights = weights
        total = np.float32(0)
        for w in weights:
            total = np.float32(total + w)
        self.total = total
        self.table = _AliasTable(weights)

    def sample(self, rnd: _SimplePhilox) -> int:
        return self.table.sample(rnd)

    def probability(self, v: int) -> np.float32:
        return np.float32(self.weights[v] / self.total) if 0 <= v < self.weights.size else np.float32(0)


_LIBM_F: dict[str, Any] = {}


def _libm_f(name: str) -> Any:
    """The C library's single-precision ``name`` (``powf``, ``log1pf``, ``expm1f``: what TF's kernel calls, not
    always correctly rounded), or NumPy's float32 function where ``ctypes`` cannot load it."""
    if name not in _LIBM_F:
        fallback = {"powf": np.power, "log1pf": np.log1p, "expm1f": np.expm1}[name]
        fn: Any = lambda *xs: fallback(*[np.float32(x) for x in xs])  # noqa: E731
        try:
            import ctypes
            import ctypes.util

            f = getattr(ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6"), name)
            f.restype = ctypes.c_float
            f.argtypes = [ctypes.c_float] * (2 if name == "powf" else 1)
            fn = f
        except (OSError, AttributeError, ImportError):
            pass
        _LIBM_F[name] = fn
    return _LIBM_F[name]


def _expected(p: np.float32, batch: int, tries: int) -> np.float32:
    """TF's ``ExpectedCountHelper`` in float32: ``p * batch``, or ``-expm1f(tries * log1pf(-p))`` after rejections."""
    if tries == batch:
        return np.float32(p * np.float32(batch))
    with np.errstate(all="ignore"):
        return np.float32(-_libm_f("expm1f")(np.float32(np.float32(tries) * np.float32(_libm_f("log1pf")(-p)))))


def _sample_batch(sampler: Any, rnd: _SimplePhilox, unique: bool, num_sampled: int,
                  true: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if unique:
        used: set[int] = set()
        batch: list[int] = []
        tries = 0
        while len(batch) < num_sampled:
            tries += 1
            v = sampler.sample(rnd)
            if v not in used:
                used.add(v)
                batch.append(v)
    else:
        batch = [sampler.sample(rnd) for _ in range(num_sampled)]
        tries = num_sampled
    sampled_exp = np.array([_expected(sampler.probability(v), num_sampled, tries) for v in batch], np.float32)
    true_exp = np.array([_expected(sampler.probability(v), num_sampled, tries) for v in true], np.float32)
    return np.array(batch, dtype=np.int64), true_exp, sampled_exp


_LEARNED: dict[Any, tuple[Any, _Unigram]] = {}
_LEARNED_LOCK = threading.Lock()


def _learned_state(gen: Any, key: str, range_max: int) -> _Unigram:
    """The learned weights of one kernel (they live as long as its stream: ``set_seed`` restarts both)."""
    st = _state(gen)
    k = (key, id(st))
    with _LEARNED_LOCK:
        got = _LEARNED.get(k)
        if got is None or got[0] is not st:
            got = _LEARNED[k] = (st, _Unigram(range_max))
        return got[1]


def _candidates_fwd(F: Any, true_classes: Any, *, kind: str, num_sampled: int, unique: bool, range_max: int,
                    gen: Any, key: str, weights: Any = None) -> Any:
    tc = np.asarray(true_classes)
    true = tc.reshape(-1).tolist()
    if kind == "all":
        exp_true = np.ones(tc.shape, np.float32)
        return (F.asarray(np.arange(num_sampled, dtype=np.int64)), F.asarray(exp_true),
                F.asarray(np.ones(num_sampled, np.float32)))
    if kind == "uniform":
        sampler: Any = _Uniform(range_max)
    elif kind == "log_uniform":
        sampler = _LogUniform(range_max)
    elif kind == "fixed_unigram":
        sampler = _FixedUnigram(range_max, weights)
    else:
        sampler = _learned_state(gen, key, range_max)
    st = _state(gen)
    calls = (2048 * num_sampled + 3) // 4  # ReserveSamples32(2048 num_sampled)
    if type(st) is _philox.KernelState:
        rnd = _SimplePhilox(st.reserve(calls), st.key)
    else:
        w = [int(v) for v in st.integers(0, 2**63, size=3)]
        rnd = _SimplePhilox((w[0] << 64) | w[1], w[2])
    if kind == "learned_unigram":
        with sampler.lock:
            sampler.prepare()
            out = _sample_batch(sampler, rnd, unique, num_sampled, true)
            sampler.update(true)
    else:
        out = _sample_batch(sampler, rnd, unique, num_sampled, true)
    return F.asarray(out[0]), F.asarray(out[1].reshape(tc.shape)), F.asarray(out[2])


CANDIDATE_SAMPLER = defop(
    "random_candidate_sampler", _candidates_fwd, None, multi=True,
    test=spec(lambda tf: tf.random.log_uniform_candidate_sampler([[1, 5], [2, 3]], 2, 6, True, 50, seed=3),
              lambda rng: (), grad=(), order2=False, tf=False))


def _true_classes(true_classes: Any, num_true: int, op: str) -> Tensor:
    t = true_classes if isinstance(true_classes, _TensorLike) else convert_to_tensor(true_classes,
                                                                                     dtype=_dtypes.int64)
    if t.dtype.name != "int64":
        raise InvalidArgumentError(f"{op}: true_classes must be an int64 matrix [batch_size, num_true], got "
                                   f"{t.dtype.name}; cast it with tapegrad.cast(true_classes, tapegrad.int64).")
    if t.ndim != 2:
        raise InvalidArgumentError(f"{op}: true_classes must be a matrix [batch_size, num_true], got shape "
                                   f"{list(t.shape)}.")
    if t.shape[1] != num_true:
        raise InvalidArgumentError(f"{op}: true_classes must have num_true columns, expected: {t.shape[1]} was: "
                                   f"{num_true}.")
    return t


def _sample(op: str, kind: str, true_classes: Any, num_true: int, num_sampled: int, unique: bool, range_max: int,
            seed: Any, weights: Any = None, attrs: str = "") -> CandidateSamples:
    t = _true_classes(true_classes, int(num_true), op)
    num_sampled, range_max = int(num_sampled), int(range_max)
    if range_max <= 0:
        raise InvalidArgumentError(f"{op}: range_max must be positive, got {range_max}.")
    if unique and num_sampled > range_max:
        raise InvalidArgumentError(f"{op}: Sampler's range is too small: num_sampled={num_sampled} unique candidates "
                                   f"from range_max={range_max} classes.")
    tv = np.asarray(static_value(t))
    bad = tv[(tv < 0) | (tv >= range_max)]
    if bad.size:
        raise InvalidArgumentError(f"{op}: `true_candidate` out of range [0, {range_max}), received {int(bad[0])}.")
    tf_op = {"uniform": "UniformCandidateSampler", "log_uniform": "LogUniformCandidateSampler",
             "learned_unigram": "LearnedUnigramCandidateSampler", "fixed_unigram": "FixedUnigramCandidateSampler",
             "all": "AllCandidateSampler"}[kind]
    key = f"{tf_op}/{num_true}/{num_sampled}/{unique}/{range_max}{attrs}"  # TF: a kernel per op and attributes
    gen = op_generator(seed, key)
    outs = applyn(CANDIDATE_SAMPLER, (t,), {"kind": kind, "num_sampled": num_sampled, "unique": bool(unique),
                                           "range_max": range_max, "gen": gen, "key": key, "weights": weights})
    return CandidateSamples(*outs)


def uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool, range_max: int,
                              seed: Any = None, name: str | None = None) -> CandidateSamples:
    """Samples ``num_sampled`` classes uniformly from ``[0, range_max)`` (distinct ones if ``unique``), with the
    expected counts of the true and sampled classes: TF's values when seeded.

    >>> import tapegrad as tf
    >>> s = tf.random.uniform_candidate_sampler([[1, 2]], 2, 4, True, 10, seed=1)
    >>> s.sampled_candidates.shape, s.true_expected_count.dtype
    (TensorShape([4]), tapegrad.float32)
    """
    return _sample("uniform_candidate_sampler", "uniform", true_classes, num_true, num_sampled, unique, range_max,
                   seed)


def log_uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool, range_max: int,
                                  seed: Any = None, name: str | None = None) -> CandidateSamples:
    """Samples classes from the log-uniform (Zipfian) distribution ``P(k) = log((k+2)/(k+1)) / log(range_max+1)``
    (for vocabularies sorted by decreasing frequency): TF's values when seeded.

    >>> import tapegrad as tf
    >>> s = tf.random.log_uniform_candidate_sampler([[0], [3]], 1, 5, True, 1000, seed=2)
    >>> bool((s.sampled_candidates.numpy() < 1000).all()), s.true_expected_count.shape
    (True, TensorShape([2, 1]))
    """
    return _sample("log_uniform_candidate_sampler", "log_uniform", true_classes, num_true, num_sampled, unique,
                   range_max, seed)


def learned_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                                      range_max: int, seed: Any = None, name: str | None = None) -> CandidateSamples:
    """Samples classes in proportion to how often each appeared among the true classes of earlier calls (of the
    same kernel: same arguments and seeds), every class starting at count 1: TF's values when seeded.

    >>> import tapegrad as tf
    >>> s = tf.random.learned_unigram_candidate_sampler([[1]], 1, 3, False, 5, seed=4)
    >>> s.sampled_candidates.dtype
    tapegrad.int64
    """
    if int(range_max) > _INT32_MAX:
        raise ValueError(f"Value of range_max:{range_max} is too large to handle")
    return _sample("learned_unigram_candidate_sampler", "learned_unigram", true_classes, num_true, num_sampled,
                   unique, range_max, seed)


def _unigram_weights(range_max: int, vocab_file: str, distortion: float, num_reserved_ids: int, num_shards: int,
                     shard: int, unigrams: Any) -> np.ndarray:
    op = "fixed_unigram_candidate_sampler"
    if not vocab_file and not len(unigrams):
        raise InvalidArgumentError(f"{op}: Must provide either vocab_file or unigrams.")
    if vocab_file and len(unigrams):
        raise InvalidArgumentError(f"{op}: Must only provide one of vocab_file and unigrams.")
    d = np.float32(distortion)
    weights = [np.float32(0.0) for i in range(num_reserved_ids) if i % num_shards == shard]
    if vocab_file:
        with open(vocab_file, encoding="utf-8") as f:
            values = []
            for line in f.read().splitlines():
                cols = line.split(",")
                try:
                    values.append(np.float32(float(cols[-1])))
                except ValueError:
                    raise InvalidArgumentError(f"{op}: Wrong vocabulary format at line: {line}") from None
    else:
        values = [np.float32(v) for v in unigrams]
    word = len(weights)
    for w in values:
        if word % num_shards == shard:
            weights.append(np.float32(_libm_f("powf")(w, d)))
        word += 1
    if len(weights) != range_max:
        raise InvalidArgumentError(f"{op}: range is {range_max} must be equal to weights size {len(weights)}.")
    return np.array(weights, dtype=np.float32)


def fixed_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                                    range_max: int, vocab_file: str = "", distortion: float = 1.0,
                                    num_reserved_ids: int = 0, num_shards: int = 1, shard: int = 0,
                                    unigrams: Any = (), seed: Any = None, name: str | None = None) -> CandidateSamples:
    """Samples classes in proportion to given counts (``unigrams``, or the last comma-separated column of each line
    of ``vocab_file``) raised to ``distortion``: TF's values when seeded.

    >>> import tapegrad as tf
    >>> s = tf.random.fixed_unigram_candidate_sampler([[0]], 1, 4, False, 3, unigrams=[1.0, 0.0, 3.0], seed=5)
    >>> sorted(set(s.sampled_candidates.numpy().tolist()) - {0, 2})
    []
    """
    weights = _unigram_weights(int(range_max), vocab_file, distortion, int(num_reserved_ids), int(num_shards),
                               int(shard), unigrams)
    attrs = f"/{vocab_file}/{distortion}/{num_reserved_ids}/{num_shards}/{shard}/{list(unigrams)}"
    return _sample("fixed_unigram_candidate_sampler", "fixed_unigram", true_classes, num_true, num_sampled, unique,
                   range_max, seed, weights, attrs)


def all_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool, seed: Any = None,
                          name: str | None = None) -> CandidateSamples:
    """All classes ``0 .. num_sampled - 1`` as the candidates, every expected count 1 (for testing).

    >>> import tapegrad as tf
    >>> tf.random.all_candidate_sampler([[1]], 1, 3, True).sampled_candidates.numpy()
    array([0, 1, 2])
    """
    return _sample("all_candidate_sampler", "all", true_classes, num_true, num_sampled, unique, num_sampled, seed)


def compute_accidental_hits(true_classes: Any, sampled_candidates: Any, num_true: int, seed: Any = None,
                            name: str | None = None) -> AccidentalHits:
    """Where sampled candidates equal true classes: ``(indices, ids, weights)`` with the row index (int32), the
    position in ``sampled_candidates`` (int64) and a weight of ``-FLT_MAX`` (float32) per hit, as TF's kernel.

    >>> import tapegrad as tf
    >>> h = tf.nn.compute_accidental_hits([[1, 2], [3, 4]], [4, 1, 7], 2)
    >>> h.indices.numpy(), h.ids.numpy()
    (array([0, 1], dtype=int32), array([1, 0]))
    """
    op = "compute_accidental_hits"
    t = _true_classes(true_classes, int(num_true), op)
    s = sampled_candidates if isinstance(sampled_candidates, _TensorLike) else convert_to_tensor(
        sampled_candidates, dtype=_dtypes.int64)
    if s.ndim != 1:
        raise InvalidArgumentError(f"{op}: sampled_candidates must be a vector, which is typically an output from "
                                   f"CandidateSampler; got shape {list(s.shape)}.")
    pos = {int(v): i for i, v in enumerate(np.asarray(static_value(s)).tolist())}
    idx, ids = [], []
    for i, row in enumerate(np.asarray(static_value(t)).tolist()):
        for v in row:
            if v in pos:
                idx.append(i)
                ids.append(pos[v])
    weights = np.full(len(idx), -np.finfo(np.float32).max, dtype=np.float32)
    return AccidentalHits(make(np.array(idx, dtype=np.int32), NUMPY), make(np.array(ids, dtype=np.int64), NUMPY),
                          make(weights, NUMPY))


_SAMPLERS = ["uniform_candidate_sampler", "log_uniform_candidate_sampler", "learned_unigram_candidate_sampler",
             "fixed_unigram_candidate_sampler", "all_candidate_sampler"]
EXPORTS: dict[str, list[str]] = {  # TF 2.21's tf.nn keeps three of them
    "random": _SAMPLERS,
    "nn": ["all_candidate_sampler", "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
           "compute_accidental_hits"],
}
