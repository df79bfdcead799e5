"""float16 sums in the order TensorFlow's CPU kernels add, so that ``reduce_sum``/``reduce_mean`` round as TF's do.

(bfloat16 needs none of this: TF's CPU kernels accumulate bfloat16 in float32 and round once, checked the same way.)

TF sums float16 in float16: every addition is rounded to half (Eigen evaluates half arithmetic as a float32 operation
rounded back, which NumPy's float16 arithmetic does too). The result therefore depends on the order of additions;
this module reproduces TF 2.21's (Eigen's, AVX build: 8 halves per packet), found by experiment against TF on random
inputs of many sizes, shapes and axes (tests/conformance/test_exact_vs_tf.py keeps checking it):

* TF first simplifies the shape (drops size-1 dimensions, merges neighbours that are both reduced or both kept) and
  reduces the 1-D, 2-D or 3-D view; other layouts are transposed so that the reduced dimensions come last.
* **Contiguous runs** (a full reduction; the last dimension of a 2-D view): Eigen's ``InnerMostDimReducer``. Runs
  longer than 8 x 200 values split in two at a packet boundary (of the absolute input index) and add the halves'
  sums; shorter ones accumulate packets of 8 in four interleaved accumulators (while 32 values remain), combined
  ``((a0 + a1) + a2) + a3``, then single packets, then the leftover values one by one; the result is the leftover sum
  plus the packet's lanes summed in float32 (``(v0 + v4) + (v2 + v6) + ...`` tree) and rounded.
* A **full reduction** big enough for several threads (Eigen's cost model) is cut into ``threads`` equal blocks,
  each reduced as above; the remainder's sum then receives the blocks' sums in order.
* **Kept inner dimension** (the first axis of a 2-D view, the middle of a 3-D view): outputs are evaluated in
  packets of 8 consecutive outputs; a packet inside one row of the kept dimension adds the reduced values with four
  accumulators (rows ``j % 4``, when there are at least 16), combined in order, then the leftover rows; outputs in
  a packet that crosses a row (and the last ``n % 8``) are summed one value at a time.
* Axes 0 and 2 of a 3-D view: one value at a time, over the first axis for each index of the last.

``reduce_mean`` divides that sum by the count converted to float16 (as TF: so a count above 65504 gives 0).
The thread count is TF's intra-op parallelism (the CPUs this process may use unless configured).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

P = 8  # halves per packet (AVX)
LEAF = 200  # Eigen's LeafSize<half>: runs of at most P * LEAF values are reduced without splitting
_F32 = np.float32


_H = np.float16
_HALF_MIN_NORMAL = _F32(2.0**-14)


def _round(v: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest float16 (ties to even), kept as float32. Big arrays use the bits: the
    13 low mantissa bits rounded away (a carry moves into the exponent), the subnormal range on its fixed 2^-24 grid,
    overflow to inf; NumPy's float16 conversion is several times slower."""
    if v.size < 256:
        return v.astype(_H).astype(_F32)
    u = v.view(np.uint32)
    r = (u + (np.uint32(0x0FFF) + ((u >> np.uint32(13)) & np.uint32(1)))) & np.uint32(0xFFFFE000)
    out = r.view(_F32)
    small = np.abs(v) < _HALF_MIN_NORMAL
    if small.any():
        out = np.where(small, np.rint(v * _F32(2.0**24)) * _F32(2.0**-24), out)
    big = np.abs(out) > _F32(65504.0)
    if big.any():
        out = np.where(big & ~np.isnan(out), np.copysign(_F32(np.inf), v), out)
    return out


def _round_bf16(v: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest bfloat16 (ties to even), kept as float32: the 16 low bits rounded away
    (bfloat16 has float32's exponent range, so a carry into the exponent is all that overflow needs)."""
    u = np.ascontiguousarray(v, _F32).view(np.uint32)
    r = (u + (np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1)))) & np.uint32(0xFFFF0000)
    return np.where(np.isnan(v), v, r.view(_F32))


def _add(a: Any, b: Any, rnd: Any = _round) -> Any:
    """Half addition as Eigen does it: in float32, rounded to half (values are float16 numbers held in float32).
    Rounding the float32 sum is rounding the exact sum: two halves add exactly in float32 unless one is so much
    smaller that both roundings give the larger."""
    return rnd(np.add(a, b, dtype=_F32))


def _predux(p: np.ndarray, rnd: Any = _round) -> np.ndarray:
    """Sum of the 8 lanes of each packet ``p[..., 8]``: in float32 (AVX's tree), rounded once."""
    v = p[..., :4] + p[..., 4:]
    return rnd((v[..., 0] + v[..., 2]) + (v[..., 1] + v[..., 3]))


def _leaf(x: np.ndarray, rnd: Any = _round) -> np.ndarray:
    """``InnerMostDimReducer`` on each row of ``x`` (``[rows, n]``, ``n <= P * LEAF``): ``[rows]``."""
    dt = _F32
    rows, n = x.shape
    start = 0
    p0 = np.zeros((rows, P), dt)
    if n >= 4 * P:
        n4 = n // (4 * P) * (4 * P)
        blocks = x[:, :n4].reshape(rows, n4 // (4 * P), 4, P)
        acc = np.zeros((rows, 4, P), dt)
        for j in range(blocks.shape[1]):
            acc = _add(acc, blocks[:, j], rnd)
        p0 = _add(_add(_add(acc[:, 0], acc[:, 1], rnd), acc[:, 2], rnd), acc[:, 3], rnd)
        start = n4
    if start <= n - P:
        vec = n // P * P
        for j in range(start, vec, P):
            p0 = _add(p0, x[:, j:j + P], rnd)
        start = vec
    acc_s = np.zeros(rows, dt)
    for j in range(start, n):
        acc_s = _add(acc_s, x[:, j], rnd)
    return _add(acc_s, _predux(p0, rnd), rnd)


def _leaves(first: int, num: int, out: list[tuple[int, int]]) -> Any:
    """The tree of ``InnerMostDimReducer(first, num)``: a leaf ``(first, num)`` (its index in ``out``) or a pair of
    subtrees. ``first`` is the absolute input index: the split is aligned on it."""
    if num > P * LEAF:
        split = P * -(-(first + -(-num // 2)) // P)
        left = min(split - first, num)
        lt = _leaves(first, left, out)
        return (lt, _leaves(split, num - left, out)) if left < num else (lt,)
    out.append((first, num))
    return len(out) - 1


def _fold(tree: Any, values: list[Any], rnd: Any = _round) -> Any:
    if isinstance(tree, int):
        return values[tree]
    acc = _add(_F32(0), _fold(tree[0], values, rnd), rnd)  # accum = init + left
    if len(tree) == 2:
        acc = _add(acc, _fold(tree[1], values, rnd), rnd)
    return acc


def _runs(x2: np.ndarray, firsts: np.ndarray, rnd: Any = _round) -> np.ndarray:
    """``InnerMostDimReducer`` over each row of ``x2`` (``[rows, n]``), row ``r`` starting at absolute input index
    ``firsts[r]``: ``[rows]``. Rows are batched by the shape of their split tree (which depends on ``first % P``)."""
    rows, n = x2.shape
    dt = _F32
    out = np.empty(rows, dt)
    if n <= P * LEAF:
        return _leaf(x2, rnd) if rows else out
    residues = firsts % P
    for res in np.unique(residues):
        sel = np.nonzero(residues == res)[0]
        spans: list[tuple[int, int]] = []
        tree = _leaves(int(res), n, spans)
        by_len: dict[int, list[int]] = {}
        for k, (_, num) in enumerate(spans):
            by_len.setdefault(num, []).append(k)
        leaf_vals: list[Any] = [None] * len(spans)
        xs = x2 if sel.size == rows else x2[sel]
        for num, ks in by_len.items():  # every leaf of this length, for every selected row, in one batch
            starts = [spans[k][0] - int(res) for k in ks]
            block = np.stack([xs[:, s:s + num] for s in starts], axis=1).reshape(-1, num)
            vals = _leaf(block, rnd).reshape(len(sel), len(ks))
            for i, k in enumerate(ks):
                leaf_vals[k] = vals[:, i]
        out[sel] = _fold(tree, leaf_vals, rnd)
    return out


def _full(x: np.ndarray, threads: int) -> Any:
    """A full reduction of the 1-D ``x`` (Eigen's ``FullReducer`` on TF's thread pool)."""
    n = x.size
    dt = _F32
    if n == 0:
        return np.zeros((), _F32)
    cost = 2 * 11 / 64 + 1 / P  # bytes loaded x L2 cycles per byte + one vectorised add, per value
    want = (n * cost - 100000.0) / 100000.0 + 0.9
    nt = min(threads, max(1, int(min(want, 2**31 - 1))))
    if nt == 1:
        return _runs(x[None, :], np.zeros(1, np.int64))[0]
    bs = n // nt
    nb = n // bs if bs > 0 else 0
    shards = _runs(x[:nb * bs].reshape(nb, bs), np.arange(nb, dtype=np.int64) * bs)
    acc = _runs(x[None, nb * bs:], np.array([nb * bs]))[0] if nb * bs < n else np.zeros((), dt)
    for s in shards:
        acc = _add(acc, s)
    return acc


def _keep_inner(x3: np.ndarray) -> np.ndarray:
    """Reduce the middle axis of ``x3`` (``[A, B, C]``) to ``[A, C]``: Eigen's inner-dimension-preserving packets."""
    a_, b_, c_ = x3.shape
    dt = _F32
    total = a_ * c_
    cols = x3.transpose(1, 0, 2).reshape(b_, total)  # column i = output i (flat), rows = the reduced axis
    out = np.zeros(total, dt)
    i = np.arange(total)
    start = i // P * P
    packet = (start + P <= total // P * P) & ((start % c_) + P - 1 < c_)
    if b_ >= 16 and packet.any():
        pc = cols[:, packet]
        n4 = b_ // 4 * 4
        acc = np.zeros((4, pc.shape[1]), dt)
        for j in range(0, n4, 4):
            acc = _add(acc, pc[j:j + 4])
        s = _add(_add(_add(acc[0], acc[1]), acc[2]), acc[3])
        for j in range(n4, b_):
            s = _add(s, pc[j])
        out[packet] = s
        rest = ~packet
    else:
        rest = np.ones(total, bool)
    if rest.any():
        rc = cols[:, rest]
        s = np.zeros(rc.shape[1], dt)
        for j in range(b_):
            s = _add(s, rc[j])
        out[rest] = s
    return out.reshape(a_, c_)


def _outer_and_inner(x3: np.ndarray) -> np.ndarray:
    """Reduce axes 0 and 2 of ``x3`` (``[A, B, C]``) to ``[B]``: one value at a time, ``c`` outer, ``a`` inner."""
    a_, b_, c_ = x3.shape
    dt = _F32
    acc = np.zeros(b_, dt)
    for c in range(c_):
        for a in range(a_):
            acc = _add(acc, x3[a, :, c])
    return acc


def reduce_sum(x: np.ndarray, axes: tuple[int, ...], keepdims: bool, threads: int) -> np.ndarray:
    """TF's float16 ``reduce_sum`` of ``x`` over ``axes`` (normalised, non-negative)."""
    dt = x.dtype
    x = x.astype(_F32)  # float16 values, exactly; every sum below is rounded back to float16 precision
    out_shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape)) if keepdims else tuple(
        d for i, d in enumerate(x.shape) if i not in axes)
    if x.size == 0 or not axes:
        return np.add.reduce(x.astype(_F32), axes, keepdims=keepdims).astype(dt).reshape(out_shape)
    dims: list[list[Any]] = []  # TF's ReductionHelper: size-1 dimensions dropped, same-kind neighbours merged
    for i, d in enumerate(x.shape):
        if d == 1:
            continue
        r = i in axes
        if dims and dims[-1][1] == r:
            dims[-1][0] *= d
        else:
            dims.append([d, r])
    kinds = [r for _, r in dims]
    sizes = [d for d, _ in dims]
    if not any(kinds):
        return x.reshape(out_shape).astype(dt)
    if kinds == [True]:
        res = _full(x.reshape(-1), threads)
    elif kinds == [False, True]:
        res = _runs(x.reshape(sizes), np.arange(sizes[0], dtype=np.int64) * sizes[1])
    elif kinds == [True, False]:
        res = _keep_inner(x.reshape([1] + sizes))
    elif kinds == [False, True, False]:
        res = _keep_inner(x.reshape(sizes))
    elif kinds == [True, False, True]:
        res = _outer_and_inner(x.reshape(sizes))
    else:  # TF transposes: kept dimensions first, reduced ones last, then reduces the rows
        keep = [i for i in range(x.ndim) if i not in axes]
        xt = np.ascontiguousarray(x.transpose(keep + sorted(axes)))
        kept = math.prod(x.shape[i] for i in keep)
        res = _runs(xt.reshape(kept, -1), np.arange(kept, dtype=np.int64) * (x.size // max(kept, 1)))
    return np.asarray(res, dt).reshape(out_shape)


def reduce_mean(x: np.ndarray, axes: tuple[int, ...], keepdims: bool, threads: int) -> np.ndarray:
    """TF's float16 ``reduce_mean``: :func:`reduce_sum` divided by the count converted to float16."""
    dt = x.dtype
    s = reduce_sum(x, axes, keepdims, threads)
    count = x.size // max(s.size, 1) if x.size else math.prod(x.shape[i] for i in axes)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return (s.astype(_F32) / _F32(np.asarray(count, _F32).astype(dt))).astype(dt)


def row_sums(x2: np.ndarray) -> np.ndarray:
    """TF's sums of the rows of the 2-D float16 or bfloat16 ``x2`` inside its softmax kernels (Eigen's
    inner-dimension reduction in the input's precision, one row per output): ``[rows]`` of ``x2``'s dtype."""
    rows, n = x2.shape
    if n == 0:
        return np.zeros(rows, x2.dtype)
    rnd = _round if x2.dtype == np.float16 else _round_bf16
    return _runs(x2.astype(_F32), np.arange(rows, dtype=np.int64) * n, rnd).astype(x2.dtype)


def softmax(x: np.ndarray, axis: int, log: bool) -> np.ndarray:
    """TF's float16 ``softmax`` / ``log_softmax`` and bfloat16 ``log_softmax`` along ``axis``: every step rounded
    to the input's precision as TF's Eigen kernel does (on the classes moved last and the rest flattened):
    ``s = x - max``, ``e = exp(s)``, the row sums ``S`` (:func:`row_sums`), then ``e * (1 / S)`` or ``s - log(S)``.
    (TF's bfloat16 ``softmax`` is computed in float32 and rounded once; the caller does that.)"""
    dt = x.dtype
    moved = np.moveaxis(x, axis, -1)
    shape = moved.shape
    x2 = np.ascontiguousarray(moved).reshape(-1, shape[-1]) if shape[-1] else moved.reshape(-1, 0)
    s = (x2.astype(_F32) - x2.max(axis=1, keepdims=True).astype(_F32)).astype(dt)
    e = np.exp(s.astype(_F32)).astype(dt)
    total = row_sums(e)[:, None].astype(_F32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log:
            out = (s.astype(_F32) - np.log(total).astype(dt).astype(_F32)).astype(dt)
        else:
            out = (e.astype(_F32) * (_F32(1.0) / total).astype(dt).astype(_F32)).astype(dt)
    return np.moveaxis(out.reshape(shape), -1, axis)
