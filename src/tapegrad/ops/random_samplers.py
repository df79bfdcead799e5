"""TensorFlow's CPU samplers for gamma, Poisson, binomial and the parameterized truncated normal, bit for bit.

Each function takes a Philox stream (``counter``, ``key``: see :mod:`tapegrad.ops._philox`) and reproduces how TF's
kernel consumes it, so that seeded and stateless calls give TensorFlow's numbers:

* **gamma** (``RandomGamma``, ``StatelessRandomGammaV3``): output ``i`` (parameter-major: ``i = alpha_index *
  samples + sample_index``) starts at counter ``c + 256 i``. Marsaglia-Tsang in double: a normal buffer and a
  uniform buffer (each refilled by one Philox call giving two doubles, handed out last first), ``v = (1 + c x)^3``,
  the squeeze ``u < 1 - 0.0331 x^4`` before the log test, and for ``alpha < 1`` one more uniform ``b`` and the
  factor ``b^(1/alpha)``. ``alpha == 1`` is an exponential from one uniform. The result is rounded to the dtype.
* **Poisson** (``RandomPoissonV2``, ``StatelessRandomPoisson``): in double; rate ``< 10`` multiplies uniforms
  until the product falls to ``exp(-rate)`` (Knuth); from 10 on Hormann's transformed rejection (PTRS), one Philox
  call (two uniforms) per attempt. Output ``i`` starts at ``c + 256 i``.
* **binomial** (``StatelessRandomBinomial``, ``StatefulRandomBinomial``): in double on ``p' = min(p, 1 - p)``;
  ``count p' < 10``: inversion by summing geometric variables (output ``i`` at ``c + 42 i``), else Hormann's BTRS
  (``c + 256 i``); ``p > 1/2`` gives ``count - sample``.
* **parameterized truncated normal** (``StatelessParameterizedTruncatedNormal``): in the parameters' dtype; per
  batch one of three samplers (normal rejection, uniform rejection, exponential rejection), chosen by the bounds;
  one stream runs through each shard of outputs (TF shards by its cost model: :func:`_philox._eigen_blocks`),
  starting ``ceil(2000 start / K)`` calls in (``K`` values per call).

Transcendental steps call the C library's double functions through Python's ``math`` (TF calls the same ones;
NumPy's vectorised ``log`` may differ in the last bit), ``lgamma`` through ``ctypes`` where it loads.
Samples are computed for all outputs at once: the outputs still rejecting go round again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _libm, _philox

_U64 = (1 << 64) - 1
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


# -- streams --------------------------------------------------------------------------------------------------------


def calls_at(counter: int, key: int, offsets: np.ndarray) -> np.ndarray:
    """``[n, 4]`` uint32 Philox outputs at counters ``counter + offsets`` (``offsets``: non-negative ints)."""
    off = np.asarray(offsets).astype(np.uint64)
    with np.errstate(over="ignore"):
        lo = off + np.uint64(counter & _U64)
        hi = np.uint64((counter >> 64) & _U64) + (lo < off).astype(np.uint64)
    ctr = np.empty((off.size, 4), dtype=np.uint32)
    ctr[:, 0], ctr[:, 1] = lo & _M32, lo >> _S32
    ctr[:, 2], ctr[:, 3] = hi & _M32, hi >> _S32
    return _philox.philox(ctr, (key & 0xFFFFFFFF, (key >> 32) & 0xFFFFFFFF))


def uniform_pairs(w: np.ndarray) -> np.ndarray:
    """``[n, 2]`` doubles in ``[0, 1)`` of TF's ``UniformDistribution<double>`` from ``[n, 4]`` words."""
    return np.stack([_philox._u64_to_double(w[:, 0], w[:, 1]), _philox._u64_to_double(w[:, 2], w[:, 3])], axis=1)


def normal_pairs(w: np.ndarray) -> np.ndarray:
    """``[n, 2]`` standard normals of TF's ``NormalDistribution<double>`` (Box-Muller) from ``[n, 4]`` words."""
    s, c = _philox._box_muller(_philox._u64_to_double(w[:, 0], w[:, 1]), _philox._u64_to_double(w[:, 2], w[:, 3]))
    return np.stack([s, c], axis=1)


def _cmap(fn: Any, x: np.ndarray) -> np.ndarray:
    """``fn`` (a C library function through ``math``) on every element of a float64 array."""
    return np.fromiter(map(fn, x.tolist()), np.float64, x.size)


def _log(v: float) -> float:
    return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def _log1p(v: float) -> float:
    return math.log1p(v) if v > -1 else (-math.inf if v == -1 else math.nan)


def _pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):
        return float(np.power(a, b))


def _np_log(x: np.ndarray) -> np.ndarray:
    return np.log(x)


def _c_log(x: np.ndarray) -> np.ndarray:
    return _cmap(_log, np.asarray(x, dtype=np.float64))


def _decide(expr: Any, arrays: tuple[np.ndarray, ...], strict: bool) -> np.ndarray:
    """An accept test ``lhs < rhs`` (``<=`` unless ``strict``) whose logs must round as the C library's do.
    ``expr(log, lgamma, *arrays)`` gives ``(lhs, rhs, scale)``; it runs first with NumPy's vectorised ``log`` (and
    Python's ``lgamma``), then again with the C library's functions only for the elements where the two sides are
    too close for that to decide (within 1e-9 of the magnitudes involved, or not finite)."""
    with np.errstate(all="ignore"):
        lhs, rhs, scale = expr(_np_log, _py_lgamma, *arrays)
        res = lhs < rhs if strict else lhs <= rhs
        close = np.flatnonzero(~(np.abs(lhs - rhs) > 1e-9 * (1.0 + np.abs(lhs) + np.abs(rhs) + scale)))
        if close.size:
            l2, r2, _ = expr(_c_log, _c_lgamma_array, *(a[close] for a in arrays))
            res[close] = l2 < r2 if strict else l2 <= r2
    return res


def _py_lgamma(z: np.ndarray) -> np.ndarray:
    return _cmap(math.lgamma, z)


def _c_lgamma_array(z: np.ndarray) -> np.ndarray:
    f = _c_lgamma()
    return np.array([f(v) for v in z.tolist()], dtype=np.float64)


def _gamma_log_test(log: Any, lgamma: Any, u: Any, x: Any, v: Any, d: Any) -> tuple[Any, Any, Any]:
    """Marsaglia-Tsang's ``log(u) < x^2/2 + d (1 - v + log v)``."""
    lv = log(v)
    half = 0.5 * x * x
    return log(u), half + d * (1 - v + lv), half + np.abs(d * lv)


def _ptrs_test(log: Any, lgamma: Any, arg: Any, k: Any, rate: Any, log_rate: Any) -> tuple[Any, Any, Any]:
    """PTRS's ``log(v inv_alpha / (a / us^2 + b)) <= -rate + k log(rate) - lgamma(k + 1)``."""
    lg = lgamma(k + 1)
    return log(arg), -rate + k * log_rate - lg, rate + np.abs(k * log_rate) + np.abs(lg)


def _btrs_test(log: Any, lgamma: Any, arg: Any, m: Any, n: Any, k: Any, r: Any, s1: Any, s2: Any, s3: Any,
               s4: Any) -> tuple[Any, Any, Any]:
    """BTRS's ``log(v alpha / (a / us^2 + b))`` against its upper bound (TF's order of additions)."""
    t1 = (m + 0.5) * log((m + 1) / (r * (n - m + 1)))
    t2 = (n + 1) * log((n - m + 1) / (n - k + 1))
    t3 = (k + 0.5) * log(r * (n - k + 1) / (k + 1))
    return log(arg), t1 + t2 + t3 + s1 + s2 - s3 - s4, np.abs(t1) + np.abs(t2) + np.abs(t3)


_LGAMMA: list[Any] = []


def _c_lgamma() -> Any:
    """The C library's ``lgamma`` (TF's ``Eigen::numext::lgamma``); Python's own ``math.lgamma`` without ctypes."""
    if not _LGAMMA:
        fn: Any = math.lgamma
        try:
            import ctypes
            import ctypes.util

            lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
            f = lib.lgamma
            f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double]
            if f(4.5) == math.lgamma(4.5) or abs(f(4.5) - math.lgamma(4.5)) < 1e-12:
                fn = f
        except (OSError, AttributeError, ImportError):
            pass
        _LGAMMA.append(fn)
    return _LGAMMA[0]


class _Buffers:
    """Per-output sample buffers of TF's kernels: one Philox call fills a buffer with two doubles that are handed
    out last first (``SampleBuffer`` / the ``UNIFORM`` macro); ``calls`` counts the calls each output has made."""

    def __init__(self, counter: int, key: int, starts: np.ndarray, kinds: tuple[str, ...]) -> None:
        self.counter, self.key, self.starts = counter, key, starts
        n = starts.size
        self.calls = np.zeros(n, dtype=np.int64)
        self.buf = {k: np.zeros((n, 2)) for k in kinds}
        self.left = {k: np.zeros(n, dtype=np.int64) for k in kinds}

    def take(self, kind: str, rows: np.ndarray) -> np.ndarray:
        """The next value of buffer ``kind`` for the outputs ``rows`` (refilling empty buffers first)."""
        left = self.left[kind]
        empty = rows[left[rows] == 0]
        if empty.size:
            w = calls_at(self.counter, self.key, self.starts[empty] + self.calls[empty])
            self.buf[kind][empty] = normal_pairs(w) if kind == "normal" else uniform_pairs(w)
            left[empty] = 2
            self.calls[empty] += 1
        left[rows] -= 1
        return self.buf[kind][rows, left[rows]]


# -- gamma ----------------------------------------------------------------------------------------------------------


def gamma(counter: int, key: int, alpha: np.ndarray, samples: int, dtype: Any, log1p_exp: bool = True) -> np.ndarray:
    """TF's gamma samples: ``[samples, alpha.size]`` in ``dtype`` for the flat parameters ``alpha``.

    ``log1p_exp``: the ``alpha == 1`` exponential as ``-log1p(-u)`` (the stateless kernel) or ``-log(1 - u)``
    (the stateful one)."""
    a_all = np.repeat(alpha.astype(np.float64), samples)  # output i = alpha_index * samples + sample_index
    n = a_all.size
    res = np.full(n, np.nan)
    starts = np.arange(n, dtype=np.int64) * _philox.SKIP_PER_OUTPUT
    one = a_all == 1.0
    if one.any():
        u = uniform_pairs(calls_at(counter, key, starts[one]))[:, 1]
        res[one] = -_cmap(_log1p, -u) if log1p_exp else -_cmap(_log, 1.0 - u)
    # d < 0 (alpha < -2/3) or a NaN alpha never accepts in TF's loop; such outputs are NaN here
    todo = np.flatnonzero(~one & (a_all > -2.0 / 3) & ~np.isnan(a_all))
    if todo.size:
        a = a_all[todo]
        small = a < 1
        d = a + np.where(small, 2.0 / 3, -1.0 / 3)
        c = (1.0 / 3) / np.sqrt(d)
        bufs = _Buffers(counter, key, starts[todo], ("normal", "uniform"))
        act = np.arange(todo.size)
        while act.size:
            x = bufs.take("normal", act)
            v = 1 + c[act] * x
            pos = v > 0
            retry = act[~pos]  # v <= 0: the next normal, without drawing a uniform
            act, x, v = act[pos], x[pos], v[pos]
            v = v * v * v
            u = bufs.take("uniform", act)
            xx = x * x
            ok = u < 1 - 0.0331 * xx * xx
            slow = np.flatnonzero(~ok)
            if slow.size:
                ok[slow] = _decide(_gamma_log_test, (u[slow], x[slow], v[slow], d[act[slow]]), strict=True)
            acc = act[ok]
            out = d[acc] * v[ok]
            sm = small[acc]
            if sm.any():
                rows = acc[sm]
                b = bufs.take("uniform", rows)
                with np.errstate(divide="ignore"):
                    inv = (1.0 / a[rows]).tolist()  # alpha = 0: b ** inf = 0
                out[sm] *= np.array([_pow(bb, e) for bb, e in zip(b.tolist(), inv)])
            res[todo[acc]] = out
            act = np.sort(np.concatenate([retry, act[~ok]]))
    out = res.reshape(alpha.size, samples).T
    if np.dtype(dtype).itemsize < 4:  # Eigen's half(double) rounds through float: double rounding, as TF
        out = out.astype(np.float32)
    return out.astype(dtype)


# -- Poisson --------------------------------------------------------------------------------------------------------


def _highest(dtype: np.dtype) -> float:
    dt = np.dtype(dtype)
    return float(np.finfo(dt).max) if dt.kind == "f" else float(np.iinfo(dt).max)


def poisson(counter: int, key: int, rate: np.ndarray, samples: int, dtype: Any) -> np.ndarray:
    """TF's Poisson samples: ``[samples, rate.size]`` in ``dtype`` (floats or int32/int64)."""
    dt = np.dtype(dtype)
    top = _highest(dt)
    r_all = np.repeat(rate.astype(np.float64), samples)
    n = r_all.size
    res = np.zeros(n)
    starts = np.arange(n, dtype=np.int64) * _philox.SKIP_PER_OUTPUT
    knuth = np.flatnonzero(r_all < 10)
    if knuth.size:
        _poisson_knuth(counter, key, r_all[knuth], starts[knuth], top, res, knuth)
    nan = np.isnan(r_all)  # TF's rejection loop never accepts a NaN rate; NaN (0 for integers) here
    # TF's rejection loop never ends when the samples do not fit the dtype (float16 and a rate near 65504 or more,
    # an infinite rate gives inf); such outputs are NaN (0 for integers) here
    hopeless = ~(r_all < 10) & (r_all - 40 * np.sqrt(r_all) > top)
    hor = np.flatnonzero(~(r_all < 10) & ~nan & ~hopeless & (r_all != np.inf))
    if hor.size:
        _poisson_ptrs(counter, key, r_all[hor], starts[hor], top, res, hor)
    res[nan | hopeless] = np.nan
    res[r_all == np.inf] = np.inf
    if dt.kind != "f":
        res[nan | hopeless] = 0
    return res.reshape(rate.size, samples).T.astype(dt)


def _poisson_knuth(counter: int, key: int, rate: np.ndarray, starts: np.ndarray, top: float, res: np.ndarray,
                   where: np.ndarray) -> None:
    limit = _cmap(math.exp, -rate)
    prod = np.ones(rate.size)
    count = np.zeros(rate.size)  # uniforms used so far
    act = np.arange(rate.size)
    calls = 0
    while act.size:
        k = 4  # Philox calls per round: 8 uniforms, enough for most rates below 10
        w = np.stack([uniform_pairs(calls_at(counter, key, starts[act] + calls + j))[:, ::-1] for j in range(k)],
                     axis=1).reshape(act.size, 2 * k)  # in the order the kernel uses them
        p = np.cumprod(np.concatenate([prod[act, None], w], axis=1), axis=1)[:, 1:]  # prod = prod * u, in order
        x = count[act, None] + np.arange(2 * k)  # the value of x when each uniform is used
        hit = (p <= limit[act, None]) & (x <= top)
        done = hit.any(axis=1)
        first = np.argmax(hit, axis=1)
        res[where[act[done]]] = x[done, first[done]]
        prod[act] = p[:, -1]
        count[act] += 2 * k
        act = act[~done]
        calls += k


def _poisson_ptrs(counter: int, key: int, rate: np.ndarray, starts: np.ndarray, top: float, res: np.ndarray,
                  where: np.ndarray) -> None:
    log_rate = _cmap(math.log, rate)
    b = 0.931 + 2.53 * np.sqrt(rate)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    act = np.arange(rate.size)
    calls = 0
    while act.size:  # one Philox call per attempt: u = second double - 0.5, v = first double
        uv = uniform_pairs(calls_at(counter, key, starts[act] + calls))
        u, v = uv[:, 1] - 0.5, uv[:, 0]
        us = 0.5 - np.abs(u)
        aa, bb = a[act], b[act]
        k = np.floor((2 * aa / us + bb) * u + rate[act] + 0.43)
        fits = ~(k > top)
        acc = fits & (us >= 0.07) & (v <= vr[act])
        test = np.flatnonzero(fits & ~acc & ~((k < 0) | ((us < 0.013) & (v > us))))
        if test.size:
            i = act[test]
            arg = v[test] * inv_alpha[i] / (a[i] / (us[test] * us[test]) + b[i])
            acc[test] = _decide(_ptrs_test, (arg, k[test], rate[i], log_rate[i]), strict=False)
        res[where[act[acc]]] = k[acc]
        act = act[~acc]
        calls += 1


# -- binomial -------------------------------------------------------------------------------------------------------

_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                  0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                  0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k: np.ndarray) -> np.ndarray:
    kp1sq = (k + 1) * (k + 1)
    far = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    near = np.array(_STIRLING_TAIL)[np.clip(k, 0, 9).astype(np.int64)]
    return np.where(k <= 9, near, far)


def binomial(counter: int, key: int, counts: np.ndarray, probs: np.ndarray, samples: int, dtype: Any) -> np.ndarray:
    """TF's binomial samples: ``[samples, counts.size]`` in ``dtype``; ``counts`` and ``probs`` are the flat,
    already broadcast parameters in their own dtype (TF's threshold tests run in that dtype)."""
    t = counts.dtype.type
    cnt = np.repeat(counts, samples)
    p = np.repeat(probs, samples)
    n = cnt.size
    dcount = cnt.astype(np.float64)
    res = np.full(n, np.nan)
    idx = np.arange(n, dtype=np.int64)
    zero = (dcount <= 0.0) | (p <= t(0.0))
    res[zero] = 0.0
    full = ~zero & (p >= t(1.0))
    res[full] = dcount[full]
    with np.errstate(all="ignore"):
        low = ~zero & ~full & (p <= t(0.5))
        high = ~zero & ~full & (p > t(0.5))
        q = np.where(high, t(1) - p, p)  # in the parameters' dtype, as TF
        big = (cnt * q) >= t(10)
    dq = q.astype(np.float64)
    for sel, flip in ((low, False), (high, True)):
        for method in ("btrs", "inversion"):
            rows = np.flatnonzero(sel & (big if method == "btrs" else ~big))
            if not rows.size:
                continue
            if method == "btrs":
                k = _btrs(counter, key, dcount[rows], dq[rows], idx[rows] * 256)
            else:
                k = _inversion(counter, key, dcount[rows], dq[rows], idx[rows] * 42)
            res[rows] = dcount[rows] - k if flip else k
    out = res.reshape(counts.size, samples).T
    dt = np.dtype(dtype)
    if dt.kind != "f":
        with np.errstate(invalid="ignore"):
            return np.where(np.isnan(out), 0, out).astype(dt)
    return out.astype(dt)


def _inversion(counter: int, key: int, count: np.ndarray, prob: np.ndarray, starts: np.ndarray) -> np.ndarray:
    denom = _cmap(_log1p, -prob)
    total = np.zeros(count.size)
    num = np.zeros(count.size)
    out = np.zeros(count.size)
    act = np.arange(count.size)
    calls = 0
    while act.size:
        k = 2
        u = np.stack([uniform_pairs(calls_at(counter, key, starts[act] + calls + j))[:, ::-1] for j in range(k)],
                     axis=1).reshape(act.size, 2 * k)
        with np.errstate(all="ignore"):
            q = np.log(u) / denom[act, None]
            near = np.flatnonzero(~(np.abs(q - np.rint(q)) > 1e-9 * (1.0 + np.abs(q))))  # ceil needs the C log
            if near.size:
                r, c = np.divmod(near, q.shape[1])
                q[r, c] = _c_log(u[r, c]) / denom[act[r]]
            geom = np.ceil(q)
        sums = np.cumsum(np.concatenate([total[act, None], geom], axis=1), axis=1)[:, 1:]  # sequential adds
        over = sums > count[act, None]
        done = over.any(axis=1)
        first = np.argmax(over, axis=1)
        out[act[done]] = num[act[done]] + first[done]
        total[act] = sums[:, -1]
        num[act] += 2 * k
        act = act[~done]
        calls += k
    return out


def _btrs(counter: int, key: int, count: np.ndarray, prob: np.ndarray, starts: np.ndarray) -> np.ndarray:
    stddev = np.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = np.floor((count + 1) * prob)
    out = np.zeros(count.size)
    act = np.arange(count.size)
    calls = 0
    while act.size:  # one Philox call per attempt: u = second double, v = first double
        uv = uniform_pairs(calls_at(counter, key, starts[act] + calls))
        u, v = uv[:, 1] - 0.5, uv[:, 0]
        us = 0.5 - np.abs(u)
        k = np.floor((2 * a[act] / us + b[act]) * u + c[act])
        acc = (us >= 0.07) & (v <= v_r[act])
        n_ = count[act]
        test = np.flatnonzero(~acc & ~((k < 0) | (k > n_)))
        if test.size:
            i = act[test]
            kt, nt, mt, rt = k[test], count[i], m[i], r[i]
            arg = v[test] * alpha[i] / (a[i] / (us[test] * us[test]) + b[i])
            with np.errstate(all="ignore"):
                tails = (_stirling_tail(mt), _stirling_tail(nt - mt), _stirling_tail(kt), _stirling_tail(nt - kt))
            acc[test] = _decide(_btrs_test, (arg, mt, nt, kt, rt) + tails, strict=False)
        out[act[acc]] = k[acc]
        act = act[~acc]
        calls += 1
    return out


# -- parameterized truncated normal ---------------------------------------------------------------------------------

_PTN_MAX_ITERATIONS = 1000
# TF's per-output cost for sharding this kernel (batchInitCost + 2 uniform rejection rounds in Eigen's op costs),
# as TF 2.21's shard boundaries show it: 187 for float32, 258 for float64 (float16 not checked; float32's assumed)
_PTN_COST = {4: 187.0, 8: 258.0, 2: 187.0}


class _CallStream:
    """One Philox stream read call after call (a shard's ``gen_copy``), made in blocks."""

    def __init__(self, counter: int, key: int) -> None:
        self.counter, self.key, self.pos = counter, key, 0
        self.block = np.empty((0, 4), np.uint32)
        self.start = 0

    def calls(self, k: int) -> np.ndarray:
        """The next ``k`` calls' ``[k, 4]`` words."""
        end = self.pos + k
        if end > self.start + len(self.block):
            first = self.pos
            self.block = _philox.words((self.counter + first) & ((1 << 128) - 1), self.key, max(k, 256))
            self.start = first
        out = self.block[self.pos - self.start:end - self.start]
        self.pos = end
        return out


def _uniforms(w: np.ndarray, dt: np.dtype) -> np.ndarray:
    """``[k, K]`` TF ``UniformDistribution<T>`` groups from ``[k, 4]`` words."""
    if dt == np.float64:
        return uniform_pairs(w)
    if dt.itemsize < 4:
        return ((w & np.uint32(0x3FF)).astype(np.float32) * np.float32(2.0 ** -10)).astype(dt)
    return _philox._u32_to_float(w)


def _normals(w: np.ndarray, dt: np.dtype) -> np.ndarray:
    """``[k, K]`` TF ``NormalDistribution<T>`` groups (Box-Muller) from ``[k, 4]`` words."""
    if dt == np.float64:
        return normal_pairs(w)
    u = _philox._u32_to_float(w)
    s, c = _philox._box_muller(u[:, 0::2].ravel(), u[:, 1::2].ravel())
    return np.stack([s, c], axis=1).reshape(-1, 4).astype(dt)


_EXPF: list[Any] = []


def _c_expf() -> Any:
    """The C library's ``expf`` (TF's float32 ``exp``), or None where ``ctypes`` cannot load it."""
    if not _EXPF:
        fn = None
        try:
            import ctypes
            import ctypes.util

            fn = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6").expf
            fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        except (OSError, AttributeError, ImportError):
            fn = None
        _EXPF.append(fn)
    return _EXPF[0]


def _exp_t(x: np.ndarray, dt: np.dtype) -> np.ndarray:
    """``exp`` as TF's kernel computes it in ``dt``: the C library's ``exp`` (float64) or ``expf`` (float32).
    glibc's ``expf`` is within 0.502 ulp, so it can differ from the correctly rounded value only next to a rounding
    midpoint: those elements (double ``exp`` within 1/64 ulp of a midpoint) are recomputed with ``expf`` itself."""
    if dt == np.float64:
        return _cmap(math.exp, x.astype(np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        wide = np.exp(x.astype(np.float64))
        out = wide.astype(dt)
        if dt == np.float32 and _c_expf() is not None:
            lo = np.nextafter(out, np.float32(-np.inf)).astype(np.float64)
            hi = np.nextafter(out, np.float32(np.inf)).astype(np.float64)
            o64 = out.astype(np.float64)
            near = np.minimum(np.abs(wide - (o64 + lo) / 2), np.abs(wide - (o64 + hi) / 2)) < (hi - lo) / 128
            rows = np.flatnonzero(near & np.isfinite(wide))
            if rows.size:
                f = _c_expf()
                out[rows] = np.array([f(v) for v in x.astype(np.float32)[rows].tolist()], dtype=np.float32)
    return out


def _log_t(x: np.ndarray, dt: np.dtype) -> np.ndarray:
    if dt == np.float64:
        return _cmap(_log, x)
    if dt == np.float32 and _libm.available():
        with np.errstate(divide="ignore"):
            return _libm.logf(x)
    with np.errstate(divide="ignore"):
        return np.log(x.astype(np.float64)).astype(dt)


def parameterized_truncated_normal(counter: int, key: int, means: np.ndarray, stddevs: np.ndarray,
                                   minvals: np.ndarray, maxvals: np.ndarray, samples: int, threads: int) -> np.ndarray:
    """TF's ``StatelessParameterizedTruncatedNormal`` samples: ``[samples, batches]`` for the flat, broadcast
    parameters (one dtype). Raises ``ValueError`` for invalid parameters (the kernel's ``Invalid parameters``)."""
    dt = means.dtype
    t = dt.type
    batches = means.size
    n = batches * samples
    out = np.empty(n, dtype=dt)  # out[sample * batches + batch]
    group = 2 if dt == np.float64 else 4
    starts = _philox._eigen_blocks(n, _PTN_COST[dt.itemsize], threads) + [n]
    for s, e in zip(starts[:-1], starts[1:]):
        stream = _CallStream(counter, key)
        stream.pos = stream.start = (s * 2 * _PTN_MAX_ITERATIONS + group - 1) // group
        idx = s
        while idx < e:
            b = idx // samples
            first = idx % samples
            take = min(samples - first, e - idx)
            vals = _ptn_batch(stream, t(means[b]), t(stddevs[b]), t(minvals[b]), t(maxvals[b]), take, dt)
            out[(np.arange(first, first + take) * batches) + b] = vals
            idx += take
    return out.reshape(samples, batches)


def _ptn_batch(stream: _CallStream, mean: Any, stddev: Any, minval: Any, maxval: Any, need: int,
               dt: np.dtype) -> np.ndarray:
    """``need`` samples of one batch, continuing ``stream`` (the kernel's three samplers, in ``dt`` arithmetic)."""
    t = dt.type
    with np.errstate(all="ignore"):
        if not (stddev > 0 and minval < maxval and (np.isfinite(minval) or np.isfinite(maxval))):
            raise ValueError("Invalid parameters")
        if (np.isinf(minval) and minval < 0) or maxval < mean:
            minval, maxval, stddev = maxval, minval, -stddev
        norm_min = (minval - mean) / stddev
        norm_max = (maxval - mean) / stddev
        sqrt_factor = np.sqrt(norm_min * norm_min + t(4))
        cutoff = t(2) * _exp_t(np.array([t(0.5) + (norm_min * (norm_min - sqrt_factor)) / t(4)]), dt)[0] / (
            norm_min + sqrt_factor)
        diff = norm_max - norm_min
        k = t(1.3)
        got: list[np.ndarray] = []
        have = 0
        while have < need:
            m = 2 * (need - have) + 2  # groups this round (each gives >= 1 candidate, about half accepted or more)
            if (norm_min < -k and norm_max >= 0) or (norm_max > k and norm_min <= 0):
                z = _normals(stream.calls(m), dt)  # normal rejection: one call per group
                ok = (z >= norm_min) & (z <= norm_max)
                per_group = 1
            elif diff < cutoff:
                w = stream.calls(2 * m).reshape(m, 2, 4)  # uniform rejection: a call of proposals, a call of tests
                z = _uniforms(w[:, 0], dt) * diff + norm_min
                g = ((t(0) if norm_min < 0 else norm_min * norm_min) - z * z) / t(2.0)
                ok = _uniforms(w[:, 1], dt) <= _exp_t(g.ravel(), dt).reshape(g.shape)
                per_group = 2
            else:  # exponential rejection: (proposal, test) pairs within one call
                alpha = (norm_min + np.sqrt(norm_min * norm_min + t(4))) / t(2)
                r = _uniforms(stream.calls(m), dt)
                z = -_log_t(r[:, 0::2].ravel(), dt).reshape(m, -1) / alpha + norm_min
                x = (alpha - z) if norm_min < alpha else np.full_like(z, norm_min - alpha)
                g = _exp_t((-x * x / t(2.0)).ravel(), dt).reshape(z.shape)
                ok = (r[:, 1::2] <= g) & (z < norm_max)
                per_group = 1
            hits = np.flatnonzero(ok.ravel())
            if have + hits.size < need:
                got.append(z.ravel()[hits])
                have += hits.size
                continue
            hits = hits[:need - have]
            got.append(z.ravel()[hits])
            used = int(hits[-1]) // z.shape[1] + 1  # the rest of the last group is dropped, as TF does
            stream.pos -= (m - used) * per_group
            have = need
        return np.concatenate(got)[:need] * stddev + mean
