"""TensorFlow's counter-based Philox4x32-10 generator and its sample transforms, in NumPy, bit for bit.

``tf.random.Generator``, the ``tf.random.stateless_*`` ops and TF's stateful random kernels (``tf.random.normal``
and friends, :class:`KernelState`) draw from Philox: a pure function of a 128-bit
counter and a 64-bit key giving four 32-bit words per counter value. Their outputs are therefore reproducible
exactly; this module does so, vectorised over output groups (TF fills its output in groups, one Philox call per
group, group ``g`` using counter ``c + g``, so the result does not depend on how TF shards the work):

* ``normal``: Box-Muller on pairs of words (float32: 4 values per call; float64: 2, from 64-bit uniforms);
* ``uniform``: the mantissa bits of one word (float32) or two words (float64) in ``[1, 2)`` minus 1;
* integer ``uniform``: ``minval + word % (maxval - minval)`` (int64 from two words);
* ``truncated_normal``: group ``g`` starts at counter ``c + 256 g`` and draws Box-Muller pairs word by word,
  keeping the values with ``|x| < 2`` until it has four (TF's ``TruncatedNormalDistribution``).

A Generator's state (Philox) is ``[counter_lo, counter_hi, key]`` as int64 words; a call producing ``n`` values
advances the counter by ``256 n`` (TF's conservative reservation), whatever the distribution. A stateful kernel
with seeds ``(seed, seed2)`` starts at key ``seed``, counter ``seed2 << 64`` and advances the same way.

Box-Muller needs the C library's ``logf``/``sincosf`` rounding to give TF's float32 values exactly: see
:mod:`tapegrad.ops._libm`. Work is done in blocks of ``_CHUNK`` groups so that temporaries stay small.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np

from . import _libm

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MASK32 = np.uint64(0xFFFFFFFF)
_U64 = (1 << 64) - 1
_U128 = (1 << 128) - 1
_BIG_ENDIAN = sys.byteorder == "big"
SKIP_PER_OUTPUT = 256  # TF reserves 256 counter values per output element


_CHUNK = 1 << 14  # groups per Box-Muller block: temporaries stay small (fresh large arrays cost page faults)
_PHILOX_CHUNK = 1 << 16  # groups per Philox block


def philox(counter: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """Philox4x32-10 on ``counter`` (``[n, 4]`` uint32 words, low word first) with ``key`` (two uint32 words):
    ``[n, 4]`` uint32 outputs."""
    n = counter.shape[0]
    out = np.empty((n, 4), dtype=np.uint32)
    if n <= 2048:  # few groups: fewer NumPy calls of one dtype beat the mixed-width variant's casts
        _philox_small(counter, key, out)
        return out
    for a in range(0, n, _PHILOX_CHUNK):
        _philox_block(counter[a:a + _PHILOX_CHUNK], key, out[a:a + _PHILOX_CHUNK])
    return out


def _philox_small(counter: np.ndarray, key: tuple[int, int], out: np.ndarray) -> None:
    # uint64 lanes hold the 32-bit words; A = (c0, c2) and B = (c1, c3) as [2, n] rows, so a round is five NumPy
    # calls: A' = hi(M * A) swapped ^ B ^ (k0, k1), B' = lo(M * A) swapped
    a = np.stack([counter[:, 0], counter[:, 2]]).astype(np.uint64)
    b = np.stack([counter[:, 1], counter[:, 3]]).astype(np.uint64)
    mult = np.array([[_M0], [_M1]], dtype=np.uint64)
    k0, k1 = key
    sh = np.uint64(32)
    for r in range(10):
        if r:
            k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
        p = a * mult
        a = (p >> sh)[::-1] ^ b  # a fresh contiguous array: in-place ops on the reversed view are slower
        a ^= np.array([[k0], [k1]], dtype=np.uint64)
        b = (p & _MASK32)[::-1]
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = a[0], b[0], a[1], b[1]


def _philox_block(counter: np.ndarray, key: tuple[int, int], out: np.ndarray) -> None:
    # A round: (c0, c1, c2, c3) -> (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)). The 64-bit
    # products go into uint64 buffers whose 32-bit halves are read through views (no shifts or masks); the two
    # buffer pairs alternate so that the low halves kept as c1, c3 survive the next round's products.
    n = counter.shape[0]
    c0, c2 = counter[:, 0].copy(), counter[:, 2].copy()
    c1, c3 = counter[:, 1], counter[:, 3]
    bufs = [(np.empty(n, np.uint64), np.empty(n, np.uint64)) for _ in range(2)]
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
        p0, p1 = bufs[r & 1]
        np.multiply(c0, _M0, out=p0, dtype=np.uint64)
        np.multiply(c2, _M1, out=p1, dtype=np.uint64)
        h0, h1 = p0.view(np.uint32).reshape(n, 2), p1.view(np.uint32).reshape(n, 2)  # little-endian: [lo, hi]
        np.bitwise_xor(h1[:, 1], c1, out=c0)
        c0 ^= np.uint32(k0)
        np.bitwise_xor(h0[:, 1], c3, out=c2)
        c2 ^= np.uint32(k1)
        c1, c3 = h1[:, 0], h0[:, 0]
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = c0, c1, c2, c3


def _counters(counter: int, n: int, stride: int = 1) -> np.ndarray:
    """``[n, 4]`` uint32 words of the 128-bit counters ``counter + stride * g`` for ``g < n``."""
    lo0, hi0 = counter & _U64, (counter >> 64) & _U64
    out = np.empty((n, 2), dtype=np.uint64)  # [low 64 bits, high 64 bits] per counter
    lo, hi = out[:, 0], out[:, 1]
    np.multiply(np.arange(n, dtype=np.uint64), np.uint64(stride), out=lo)
    if lo0 + (n - 1) * stride <= _U64:  # no carry into the high word (always, unless the counter is near 2^64)
        lo += np.uint64(lo0)
        hi[...] = np.uint64(hi0)
    else:
        with np.errstate(over="ignore"):
            lo += np.uint64(lo0)
            hi[...] = np.uint64(hi0) + (lo < np.uint64(lo0)).astype(np.uint64)
    if _BIG_ENDIAN:
        return np.stack([lo & _MASK32, lo >> np.uint64(32), hi & _MASK32, hi >> np.uint64(32)], axis=1).astype(
            np.uint32)
    return out.view(np.uint32)  # little-endian: [lo_lo, lo_hi, hi_lo, hi_hi]


def words(counter: int, key: int, groups: int, stride: int = 1) -> np.ndarray:
    """``[groups, 4]`` uint32 Philox outputs for counters ``counter + stride * g`` under the 64-bit ``key``."""
    return philox(_counters(counter, groups, stride), (key & 0xFFFFFFFF, (key >> 32) & 0xFFFFFFFF))


def _u32_to_float(x: np.ndarray) -> np.ndarray:
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)


def _u64_to_double(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    man = ((hi.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32)) | lo.astype(np.uint64)
    return (man | np.uint64(1023 << 52)).view(np.float64) - 1.0


def _box_muller(u1: np.ndarray, u2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TF's ``BoxMullerFloat`` / ``BoxMullerDouble`` on uniforms in ``[0, 1)``: ``sqrt(-2 log max(u1, 1e-7))``
    times ``sin`` / ``cos`` of ``2 pi u2`` (``2 pi`` in double, the product rounded to the sample's type).

    TF calls the C library (``logf``, ``sincosf``; ``log``, ``sincos`` for float64), whose results are not always
    correctly rounded; the same values come from :mod:`tapegrad.ops._libm` (float32) and from Python's ``math``
    module, which calls the C library's double functions (float64; NumPy's SIMD ``log`` differs in ~0.4% of
    cases). Without ``_libm`` (not glibc), float32 steps are rounded from float64 (TF's values within one ulp)."""
    dt = u1.dtype.type
    u1 = np.maximum(u1, dt(1.0e-7))
    if dt is np.float64:
        v = (2.0 * np.pi) * u2
        r = np.sqrt(-2.0 * np.fromiter(map(math.log, u1.tolist()), np.float64, len(u1)))
        sin = np.fromiter(map(math.sin, v.tolist()), np.float64, len(v))
        cos = np.fromiter(map(math.cos, v.tolist()), np.float64, len(v))
        return sin * r, cos * r
    v = ((2.0 * np.pi) * u2.astype(np.float64)).astype(np.float32)
    if _libm.available():
        r = np.sqrt(np.float32(-2.0) * _libm.logf(u1))  # IEEE sqrt is correctly rounded in float32 too
        sin, cos = _libm.sincosf(v)
        return sin * r, cos * r
    wide = np.float64
    r = np.sqrt((np.float32(-2.0) * np.log(u1.astype(wide)).astype(dt)).astype(wide)).astype(dt)
    vw = v.astype(wide)
    return np.sin(vw).astype(dt) * r, np.cos(vw).astype(dt) * r


def normal(counter: int, key: int, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` standard normal values (float16/bfloat16 are computed in float32 and rounded, as TF does)."""
    dt = np.dtype(dtype)
    groups = -(-n // (2 if dt == np.float64 else 4))
    out = np.empty((groups, 2 if dt == np.float64 else 4), dtype=np.float64 if dt == np.float64 else np.float32)
    for a in range(0, groups, _CHUNK):  # block by block: the Box-Muller temporaries stay small
        w = words((counter + a) & _U128, key, min(_CHUNK, groups - a))
        if dt == np.float64:
            out[a:a + _CHUNK, 0], out[a:a + _CHUNK, 1] = _box_muller(_u64_to_double(w[:, 0], w[:, 1]),
                                                                     _u64_to_double(w[:, 2], w[:, 3]))
        else:
            u = _u32_to_float(w)
            out[a:a + _CHUNK, 0::2], out[a:a + _CHUNK, 1::2] = _box_muller(u[:, 0::2], u[:, 1::2])
    res = out.reshape(-1)[:n]
    return res if res.dtype == dt else res.astype(dt)


def uniform(counter: int, key: int, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` uniform values in ``[0, 1)``."""
    dt = np.dtype(dtype)
    if dt == np.float64:
        w = words(counter, key, -(-n // 2))
        return _u64_to_double(w[:, 0::2].reshape(-1), w[:, 1::2].reshape(-1))[:n]
    if dt.itemsize < 4:  # TF: the 10 (float16) mantissa bits of one word
        w = words(counter, key, -(-n // 4)).reshape(-1)[:n]
        mant = np.finfo(dt).nmant
        return (w & np.uint32((1 << mant) - 1)).astype(np.float32).astype(dt) * dt.type(2.0 ** -mant)
    return _u32_to_float(words(counter, key, -(-n // 4)).reshape(-1)[:n])


def uniform_int(counter: int, key: int, n: int, lo: int, hi: int, dtype: np.dtype) -> np.ndarray:
    """``n`` integers in ``[lo, hi)``: ``lo + bits % (hi - lo)`` on 32-bit (int32) or 64-bit (int64) words."""
    dt = np.dtype(dtype)
    span = hi - lo
    if dt.itemsize == 8:
        w = words(counter, key, -(-n // 2)).astype(np.uint64)
        bits = (w[:, 0::2] | (w[:, 1::2] << np.uint64(32))).reshape(-1)[:n]
        return (np.uint64(lo & _U64) + bits % np.uint64(span)).view(np.int64).astype(dt)
    bits = words(counter, key, -(-n // 4)).reshape(-1)[:n]
    return (np.uint32(lo & 0xFFFFFFFF) + bits % np.uint32(span)).view(np.int32).astype(dt)


def full_int(counter: int, key: int, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` integers over the whole range of ``dtype``: the raw words (32-bit) or word pairs (64-bit)."""
    dt = np.dtype(dtype)
    if dt.itemsize == 8:
        w = words(counter, key, -(-n // 2)).astype(np.uint64)
        return (w[:, 0::2] | (w[:, 1::2] << np.uint64(32))).reshape(-1)[:n].view(dt)
    return words(counter, key, -(-n // 4)).reshape(-1)[:n].view(dt)


def truncated_normal(counter: int, key: int, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` standard normal values with ``|x| < 2`` (TF's per-group rejection; see the module docstring).

    Vectorised over groups: every group still short of values draws its next Philox calls at once (one or two, see
    ``_TRUNC_CALLS``); the accepted values are placed in order (a running count per group), and only the groups
    still short go round again."""
    dt = np.dtype(dtype)
    wide = dt == np.float64
    per = 2 if wide else 4
    groups = -(-n // per)
    out = np.empty((groups, per), dtype=np.float64 if wide else np.float32)
    stride = SKIP_PER_OUTPUT * per // 4
    for a in range(0, groups, _CHUNK):
        m = min(_CHUNK, groups - a)
        _truncated_block((counter + a * stride) & _U128, key, stride, out[a:a + m], wide)
    res = out.reshape(-1)[:n]
    return res if res.dtype == dt else res.astype(dt)


# Philox calls per group in a pass: one completes 83% of float32 groups (91% of float64 ones), two 99%; small draws
# take two (fewer passes: NumPy's per-call overhead dominates), big ones one (less wasted work)
_TRUNC_CALLS_SMALL, _TRUNC_CALLS = 2, 1


def _truncated_block(counter: int, key: int, stride: int, out: np.ndarray, wide: bool) -> None:
    groups, per = out.shape
    base = _counters(counter, groups, stride)
    filled = np.zeros(groups, dtype=np.int64)
    todo = np.arange(groups)
    block = 0  # Philox calls consumed per group so far
    kw = _key_words(key)
    while todo.size:
        k = _TRUNC_CALLS_SMALL if todo.size < 4096 else _TRUNC_CALLS
        w = np.stack([philox(_add(base[todo], block + j), kw) for j in range(k)], axis=1)  # [m, K, 4]
        if wide:  # one Box-Muller pair per call: (sin, cos)
            s, c = _box_muller(_u64_to_double(w[..., 0], w[..., 1]).ravel(), _u64_to_double(w[..., 2],
                                                                                           w[..., 3]).ravel())
            vals = np.stack([s, c], axis=1).reshape(todo.size, -1)
        else:  # two pairs per call: (sin0, cos0, sin1, cos1)
            u = _u32_to_float(w)
            s, c = _box_muller(u[..., 0::2].ravel(), u[..., 1::2].ravel())
            vals = np.stack([s, c], axis=1).reshape(todo.size, -1)
        ok = np.abs(vals) < 2.0
        slot = filled[todo, None] + np.cumsum(ok, axis=1) - 1  # where each accepted value goes in its group
        take = ok & (slot < per)
        out[np.repeat(todo, take.sum(axis=1)), slot[take]] = vals[take]
        filled[todo] = np.minimum(per, filled[todo] + ok.sum(axis=1))
        todo = todo[filled[todo] < per]
        block += k


def _key_words(key: int) -> tuple[int, int]:
    return key & 0xFFFFFFFF, (key >> 32) & 0xFFFFFFFF


def _add(counters: np.ndarray, k: int) -> np.ndarray:
    """``counters`` (``[n, 4]`` uint32 words) plus a small ``k`` with carry."""
    if k == 0:
        return counters
    c = counters.astype(np.uint64)
    lo = c[:, 0] | (c[:, 1] << np.uint64(32))
    hi = c[:, 2] | (c[:, 3] << np.uint64(32))
    with np.errstate(over="ignore"):
        nlo = lo + np.uint64(k)
        hi = hi + (nlo < lo).astype(np.uint64)
    return np.stack([nlo & _MASK32, nlo >> np.uint64(32), hi & _MASK32, hi >> np.uint64(32)], axis=1).astype(np.uint32)


def stateless_key_counter(seed0: int, seed1: int) -> tuple[int, int]:
    """TF's key and counter for a stateless op's ``seed=[seed0, seed1]`` (the seed pair is scrambled by one Philox
    call so that neither half needs to be strong)."""
    s0, s1 = seed0 & _U64, seed1 & _U64
    ctr = np.array([[s0 & 0xFFFFFFFF, s0 >> 32, s1 & 0xFFFFFFFF, s1 >> 32]], dtype=np.uint32)
    mix = philox(ctr, (0x3EC8F720, 0x02461E29))[0].astype(np.uint64)
    key = int(mix[0]) | (int(mix[1]) << 32)
    counter = (int(mix[2]) | (int(mix[3]) << 32)) << 64
    return counter, key


# -- stateful kernels: TF's GuardedPhiloxRandom ---------------------------------------------------------------------


def word_stream(counter: int, key: int, n: int) -> np.ndarray:
    """The first ``n`` 32-bit words a ``SingleSampleAdapter`` hands out from ``counter`` (four per Philox call)."""
    return words(counter, key, -(-n // 4)).reshape(-1)[:n]


def shuffle_permutation(counter: int, key: int, size: int) -> np.ndarray:
    """TF's ``RandomShuffle`` order for ``size`` rows: Fisher-Yates where step ``i`` swaps ``i`` with
    ``i + word_i % (size - i)`` (the permutation that the kernel applies to the rows, as int64 indices)."""
    perm = list(range(size))
    if size > 1:
        # step i draws one word, reduced modulo the size of the unshuffled tail (32-bit arithmetic, as TF's uint32)
        picks = (word_stream(counter, key, size - 1) % np.arange(size, 1, -1, dtype=np.uint32)).tolist()
        for i, j in enumerate(picks):
            j += i
            perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


def _eigen_blocks(n: int, cost_per_unit: float, threads: int) -> list[int]:
    """Where Eigen's ``ThreadPoolDevice::parallelFor`` starts its blocks for ``n`` units of ``cost_per_unit``
    cycles on ``threads`` threads (TF's ``Shard`` for kernels that shard by rows): one block unless the work is
    worth more threads by Eigen's cost model; then its block size search, which keeps parallel efficiency."""
    startup = per_thread = 100000.0
    want = (n * cost_per_unit - startup) / per_thread + 0.9
    if n <= 1 or threads <= 1 or min(threads, max(1, int(min(want, 2**31 - 1)))) == 1:
        return [0]
    block = min(n, max(-(-n // (4 * threads)), int(40000.0 / cost_per_unit)))  # Eigen: 1 / taskSize(1, cost)
    max_block = min(n, 2 * block)
    count = -(-n // block)
    best = count / (-(-count // threads) * threads)
    prev = count
    while best < 1.0 and prev > 1:
        coarser = -(-n // (prev - 1))
        if coarser > max_block:
            break
        ccount = -(-n // coarser)
        prev = ccount
        eff = ccount / (-(-ccount // threads) * threads)
        if eff + 0.01 >= best:
            block, count = coarser, ccount
            best = max(best, eff)
    return list(range(0, n, block))


def multinomial(counter: int, key: int, logits: np.ndarray, num_samples: int, threads: int) -> np.ndarray:
    """TF's CPU ``Multinomial``: per row, the unnormalised CDF of ``exp(logit - max)`` over the finite logits (in
    double), and each sample the first class whose CDF exceeds ``RandDouble() * total``. Rows are sharded as TF
    shards them (see :func:`_eigen_blocks`); a block starting at row ``s`` skips ``s (num_samples + 3) // 4``
    Philox calls and then draws two words per sample, row after row."""
    batch, classes = logits.shape
    lg = logits.astype(np.float64)
    finite = np.isfinite(lg)
    top = np.max(np.where(finite, lg, -np.inf), axis=1, keepdims=True) if classes else np.zeros((batch, 1))
    top = np.where(np.isfinite(top), top, np.finfo(logits.dtype).min if logits.dtype.kind == "f" else 0.0)
    cdf = np.cumsum(np.where(finite, np.exp(lg - top), 0.0), axis=1)
    cost = 50.0 * (num_samples * math.log(classes) / math.log(2) + classes)
    starts = _eigen_blocks(batch, cost, threads) + [batch]
    u = np.empty((batch, num_samples), dtype=np.float64)
    for s, e in zip(starts[:-1], starts[1:]):
        w = word_stream(counter + s * (num_samples + 3) // 4, key, 2 * num_samples * (e - s)).reshape(-1, 2)
        u[s:e] = _u64_to_double(w[:, 0], w[:, 1]).reshape(e - s, num_samples)
    out = np.empty((batch, num_samples), dtype=np.int64)
    for b in range(batch):  # std::upper_bound on the running totals
        out[b] = np.searchsorted(cdf[b], u[b] * cdf[b, -1], side="right")
    return out


class KernelState:
    """The Philox state of one stateful random kernel (TF's ``GuardedPhiloxRandom``): key ``seed``, counter
    ``seed2 << 64``; every call reserves its counter range (``256`` per output for the sampling ops) and the next
    call continues after it."""

    __slots__ = ("key", "counter", "_lock")

    def __init__(self, seed: int, seed2: int) -> None:
        self.key = seed & _U64
        self.counter = (seed2 & _U64) << 64
        self._lock = threading.Lock()

    def reserve(self, calls: int) -> int:
        """The counter to start from; advances the state by ``calls`` Philox calls (``ReserveSamples128``)."""
        with self._lock:
            start = self.counter
            self.counter = (start + calls) & _U128
        return start

    def sample(self, dist: str, n: int, dtype: np.dtype, lo: int = 0, hi: int = 0) -> np.ndarray:
        """``n`` values of ``dist`` (``normal``, ``uniform``, ``truncated_normal``, ``uniform_int``)."""
        start = self.reserve(SKIP_PER_OUTPUT * n)
        if dist == "normal":
            return normal(start, self.key, n, dtype)
        if dist == "uniform":
            return uniform(start, self.key, n, dtype)
        if dist == "truncated_normal":
            return truncated_normal(start, self.key, n, dtype)
        return uniform_int(start, self.key, n, lo, hi, dtype)

    def permutation(self, size: int) -> np.ndarray:
        """``RandomShuffle``'s row order (reserves ``ceil((size - 1) / 4)`` calls)."""
        if size <= 1:
            return np.arange(size, dtype=np.int64)
        return shuffle_permutation(self.reserve(-(-(size - 1) // 4)), self.key, size)

    def multinomial(self, logits: np.ndarray, num_samples: int, threads: int) -> np.ndarray:
        """``Multinomial``'s samples (reserves ``256 * batch * 2 * ceil4(num_samples)`` calls, as TF's CPU op)."""
        per_row = 2 * (-(-num_samples // 4) * 4)
        start = self.reserve(SKIP_PER_OUTPUT * logits.shape[0] * per_row)
        return multinomial(start, self.key, logits, num_samples, threads)
