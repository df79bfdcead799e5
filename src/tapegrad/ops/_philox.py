"""TensorFlow's counter-based Philox4x32-10 generator and its sample transforms, in NumPy, bit for bit.

``tf.random.Generator`` and the ``tf.random.stateless_*`` ops draw from Philox: a pure function of a 128-bit
counter and a 64-bit key giving four 32-bit words per counter value. Their outputs are therefore reproducible
exactly; this module does so, vectorised over output groups (TF fills its output in groups, one Philox call per
group, group ``g`` using counter ``c + g``, so the result does not depend on how TF shards the work):

* ``normal``: Box-Muller on pairs of words (float32: 4 values per call; float64: 2, from 64-bit uniforms);
* ``uniform``: the mantissa bits of one word (float32) or two words (float64) in ``[1, 2)`` minus 1;
* integer ``uniform``: ``minval + word % (maxval - minval)`` (int64 from two words);
* ``truncated_normal``: group ``g`` starts at counter ``c + 256 g`` and draws Box-Muller pairs word by word,
  keeping the values with ``|x| < 2`` until it has four (TF's ``TruncatedNormalDistribution``).

A Generator's state (Philox) is ``[counter_lo, counter_hi, key]`` as int64 words; a call producing ``n`` values
advances the counter by ``256 n`` (TF's conservative reservation), whatever the distribution.
"""

from __future__ import annotations

import numpy as np

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MASK32 = np.uint64(0xFFFFFFFF)
_U64 = (1 << 64) - 1
SKIP_PER_OUTPUT = 256  # TF reserves 256 counter values per output element


def philox(counter: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """Philox4x32-10 on ``counter`` (``[n, 4]`` uint32 words, low word first) with ``key`` (two uint32 words):
    ``[n, 4]`` uint32 outputs."""
    c = [counter[:, i].astype(np.uint64) for i in range(4)]
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
        p0 = _M0 * c[0]
        p1 = _M1 * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ np.uint64(k0), p1 & _MASK32,
             (p0 >> np.uint64(32)) ^ c[3] ^ np.uint64(k1), p0 & _MASK32]
    return np.stack(c, axis=1).astype(np.uint32)


def _counters(counter: int, n: int, stride: int = 1) -> np.ndarray:
    """``[n, 4]`` uint32 words of the 128-bit counters ``counter + stride * g`` for ``g < n``."""
    lo0, hi0 = np.uint64(counter & _U64), np.uint64((counter >> 64) & _U64)
    steps = np.arange(n, dtype=np.uint64) * np.uint64(stride)
    with np.errstate(over="ignore"):
        lo = lo0 + steps
        hi = hi0 + (lo < lo0).astype(np.uint64)
    return np.stack([lo & _MASK32, lo >> np.uint64(32), hi & _MASK32, hi >> np.uint64(32)], axis=1).astype(np.uint32)


def words(counter: int, key: int, groups: int, stride: int = 1) -> np.ndarray:
    """``[groups, 4]`` uint32 Philox outputs for counters ``counter + stride * g`` under the 64-bit ``key``."""
    return philox(_counters(counter, groups, stride), (key & 0xFFFFFFFF, (key >> 32) & 0xFFFFFFFF))


def _u32_to_float(x: np.ndarray) -> np.ndarray:
    return ((x & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1.0)


def _u64_to_double(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    man = ((hi.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32)) | lo.astype(np.uint64)
    return (man | np.uint64(1023 << 52)).view(np.float64) - 1.0


def _box_muller(u1: np.ndarray, u2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # TF: float32 math with libm's correctly rounded logf/sqrtf/sincosf, and 2*M_PI*u2 formed in double; NumPy's
    # float32 SIMD sin/log can be an ulp off, so each step is done in float64 and rounded back (same results).
    dt = u1.dtype.type
    wide = np.float64
    u1 = np.maximum(u1, dt(1.0e-7))
    v = (2.0 * np.pi * u2.astype(wide)).astype(dt).astype(wide)
    r = np.sqrt((dt(-2.0) * np.log(u1.astype(wide)).astype(dt)).astype(wide)).astype(dt)
    return np.sin(v).astype(dt) * r, np.cos(v).astype(dt) * r


def normal(counter: int, key: int, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` standard normal values (float16/bfloat16 are computed in float32 and rounded, as TF does)."""
    dt = np.dtype(dtype)
    if dt == np.float64:
        w = words(counter, key, -(-n // 2))
        a, b = _box_muller(_u64_to_double(w[:, 0], w[:, 1]), _u64_to_double(w[:, 2], w[:, 3]))
        return np.stack([a, b], axis=1).reshape(-1)[:n]
    w = words(counter, key, -(-n // 4))
    a0, b0 = _box_muller(_u32_to_float(w[:, 0]), _u32_to_float(w[:, 1]))
    a1, b1 = _box_muller(_u32_to_float(w[:, 2]), _u32_to_float(w[:, 3]))
    return np.stack([a0, b0, a1, b1], axis=1).reshape(-1)[:n].astype(dt)


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
    """``n`` standard normal values with ``|x| < 2`` (TF's per-group rejection; see the module docstring)."""
    dt = np.dtype(dtype)
    per = 2 if dt == np.float64 else 4
    groups = -(-n // per)
    out = np.empty((groups, per), dtype=np.float64 if dt == np.float64 else np.float32)
    filled = np.zeros(groups, dtype=np.int64)
    block = 0  # Philox calls consumed per group so far (each gives 4 words: 2 Box-Muller pairs, 1 for float64)
    while (filled < per).any():
        todo = np.nonzero(filled < per)[0]
        base = _counters(counter, groups, SKIP_PER_OUTPUT * per // 4)[todo]
        w = philox(_add(base, block), _key_words(key))
        if dt == np.float64:
            pairs = [_box_muller(_u64_to_double(w[:, 0], w[:, 1]), _u64_to_double(w[:, 2], w[:, 3]))]
        else:
            pairs = [_box_muller(_u32_to_float(w[:, 0]), _u32_to_float(w[:, 1])),
                     _box_muller(_u32_to_float(w[:, 2]), _u32_to_float(w[:, 3]))]
        for a, b in pairs:
            for v in (a, b):
                ok = (np.abs(v) < 2.0) & (filled[todo] < per)
                rows = todo[ok]
                out[rows, filled[rows]] = v[ok]
                filled[rows] += 1
        block += 1
    return out.reshape(-1)[:n].astype(dt)


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
