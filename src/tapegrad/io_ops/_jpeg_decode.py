"""The JPEG decoder behind ``tf.io.decode_jpeg``: libjpeg-turbo's arithmetic, reproduced bit for bit.

Entropy decoding (baseline/extended sequential and progressive Huffman scans, restart intervals) runs in Python
over a list of 32-bit big-endian windows of the unstuffed scan data, with 16-bit look-up tables that resolve a
Huffman code together with its extra bits in one step. Everything after it is vectorised NumPy over all blocks:
dequantisation, libjpeg's integer IDCTs (ISLOW ``jidctint.c``, IFAST ``jidctfst.c`` with its truncating multiplies,
and the reduced-size ``jidctred.c`` ones behind ``ratio`` 2/4/8), its chroma upsamplers (``jdsample.c``: triangle
"fancy" filters for 2h1v, 1h2v and 2h2v, box otherwise) and its colour converters (``jdcolor.c`` fixed-point
tables). Damaged data is treated as libjpeg does: a scan that runs out of data is padded with zero bits for the MCU
in progress, and the rest of its restart interval is left at zero coefficients.
"""

from __future__ import annotations

from array import array
from itertools import cycle
from typing import Any

import numpy as np

# zigzag index -> natural (row-major) index
ZIGZAG = np.array([0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
                   13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52,
                   45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63])

_TABLE_CACHE: dict[tuple[bytes, bytes, bool], tuple[list[int], list[int]]] = {}


class JpegError(Exception):
    """A structural problem in the stream; the public op turns it into InvalidArgumentError naming itself."""


def cdiv(a: int, b: int) -> int:
    """Integer division rounding up (libjpeg's ``jdiv_round_up``)."""
    return -(-a // b)


# -- Huffman tables ---------------------------------------------------------------------------------------------------

def huffman_tables(counts: bytes, symbols: bytes, is_ac: bool) -> tuple[list[int], list[int]]:
    """``(fast, basic)`` 65536-entry look-up lists indexed by the next 16 bits of the stream.

    ``basic[x] = symbol << 5 | code length`` (0: no code matches). ``fast`` also folds in the extra bits when code
    and extra bits fit in 16: DC ``value << 5 | bits``; AC ``value << 12 | advance << 5 | bits`` where advance is
    run + 1, 16 for ZRL and 64 for end-of-block (any run but 15 with size 0, as libjpeg reads it). An entry of 0
    bits sends the decoder to its slow path (an AC one also jumps 64, so the fast loop ends on it)."""
    key = (counts, symbols, is_ac)
    hit = _TABLE_CACHE.get(key)
    if hit is not None:
        return hit
    lengths = np.repeat(np.arange(1, 17), np.frombuffer(counts, np.uint8)[:16])
    if len(lengths) > len(symbols) or len(lengths) > 256:
        raise JpegError("a Huffman table lists more codes than symbols")
    code, spans = 0, []
    prev = 0
    for length in lengths.tolist():
        code <<= length - prev
        prev = length
        if code >= (1 << length):
            raise JpegError("a Huffman table has more codes of some length than fit (bad DHT)")
        spans.append(1 << (16 - length))
        code += 1
    syms = np.frombuffer(symbols, np.uint8)[:len(lengths)].astype(np.int64)
    basic = np.zeros(65536, np.int64)
    used = int(sum(spans))
    basic[:used] = np.repeat((syms << 5) | lengths, spans)
    x = np.arange(65536, dtype=np.int64)
    ln = basic & 31
    sym = basic >> 5
    size = sym & 15 if is_ac else sym
    total = ln + size
    extra = (x >> np.maximum(16 - total, 0)) & ((1 << size) - 1)
    value = np.where(size == 0, 0, np.where(extra < (1 << np.maximum(size - 1, 0)), extra - (1 << size) + 1, extra))
    ok = (ln > 0) & (total <= 16) & (size <= 15)
    if is_ac:
        run = sym >> 4
        adv = np.where(size > 0, run + 1, np.where(run == 15, 16, 64))
        fast = np.where(ok, (value << 12) | (adv << 5) | total, 64 << 5)
    else:
        fast = np.where(ok, (value << 5) | total, 0)
    out = (fast.tolist(), basic.tolist())
    if len(_TABLE_CACHE) > 64:
        _TABLE_CACHE.clear()
    _TABLE_CACHE[key] = out
    return out


def _slow(P: Any, p: int, basic: list[int], is_ac: bool) -> tuple[int, int]:
    """Decode one symbol the long way (code + extra bits over 16, or a bad code); the result is encoded as the
    fast table's entries, with the position already advanced. A bad code reads as symbol 0 after 17 bits, as
    libjpeg's warning path does (an end-of-block for AC)."""
    b = basic[P[p]]
    if not b:
        return (64 << 5) if is_ac else 0, p + 17
    p += b & 31
    sym = b >> 5
    s = sym & 15 if is_ac else sym
    v = 0
    if s:
        v = P[p] >> (16 - s)
        p += s
        v = v - (1 << s) + 1 if v < (1 << (s - 1)) else v
    if not is_ac:
        return v << 5, p
    r = sym >> 4
    adv = r + 1 if s else (16 if r == 15 else 64)
    return (v << 12) | (adv << 5), p


def peeks(seg: bytes, pad: int) -> Any:
    """The 16 bits starting at every bit of ``seg`` (followed by ``pad`` zero bytes), as an ``array('H')``."""
    a = np.frombuffer(seg + b"\0" * (pad + 4), np.uint8).astype(np.uint32)
    w = (a[:-3] << 24) | (a[1:-2] << 16) | (a[2:-1] << 8) | a[3:]
    return array("H", ((w[:, None] >> (16 - np.arange(8, dtype=np.uint32))) & 0xFFFF).astype(np.uint16).tobytes())


# -- scans ------------------------------------------------------------------------------------------------------------

STRIDE = 128  # coefficient slots per block: 64 + room for the end-of-block jump (see decode_sequential)


def decode_sequential(segments: list[tuple[Any, int]], bases: list[int], slots: list[tuple], nb: int,
                      restart_mcus: int, C: Any, ncs: int, cut: int = -1) -> int:
    """Huffman-decode a sequential scan: every block's coefficients (zigzag order) into ``C`` at ``bases``.

    The AC loop is branch-light: an end-of-block entry advances ``k`` by 64 and writes a zero past the block's 64
    coefficients (each block has ``STRIDE`` slots), so the loop test ends it; a coefficient that lands past index
    63 (corrupt data) is folded onto 63 afterwards, as libjpeg's ``natural_order[64..]`` does.

    ``cut`` (>= 0) stops the last interval at the first MCU that starts past that bit; the block index where
    decoding stopped is returned (``len(bases)`` when it did not)."""
    nblocks = len(bases)
    per = restart_mcus * nb if restart_mcus else nblocks
    for r, start in enumerate(range(0, nblocks, per)):
        if r >= len(segments):
            return start  # no data left: the remaining blocks stay zero
        P, lim = segments[r]
        if cut >= 0 and r == len(segments) - 1:
            lim = min(lim, cut)
        p = 0
        pr = [0] * ncs
        for i, (base, (j, ci, dF, dB, aF, aB)) in enumerate(zip(bases[start:start + per], cycle(slots))):
            if p > lim and j == 0:
                if cut >= 0 and r == len(segments) - 1:
                    return start + i
                break  # libjpeg: out of data; the rest of this interval is left zero
            e = dF[P[p]]
            if e & 31:
                p += e & 31
            else:
                e, p = _slow(P, p, dB, False)
            pr[ci] += e >> 5
            C[base] = pr[ci]
            k = 1
            bk = base - 1
            while True:
                while k < 64:
                    e = aF[P[p]]
                    p += e & 31
                    k += (e >> 5) & 127
                    C[bk + k] = e >> 12
                if e & 31:
                    break
                # a slow entry (consumes 0 bits, jumps 64 like an end-of-block): decode it the long way
                e, p = _slow(P, p, aB, True)
                k += ((e >> 5) & 127) - 64
                C[bk + k] = e >> 12
                if k >= 64:
                    break
    return nblocks


def fold_overflow(coef: np.ndarray) -> np.ndarray:
    """``(n, STRIDE)`` slots to ``(n, 64)`` coefficients: a value written past index 63 lands on 63."""
    out = coef[:, :64].copy()
    tail = coef[:, 64:80]
    hit = tail.any(axis=1)
    if hit.any():
        rows = np.nonzero(hit)[0]
        last = 15 - np.argmax(tail[rows, ::-1] != 0, axis=1)
        out[rows, 63] = tail[rows, last]
    return out


def decode_progressive(segments: list[tuple[Any, int]], bases: list[int], slots: list[tuple], nb: int,
                       restart_mcus: int, C: Any, ncs: int, ss: int, se: int, ah: int, al: int) -> None:
    """One progressive scan (``jdphuff.c``): DC first/refine (interleaved allowed) or AC first/refine (one
    component, with end-of-band runs)."""
    nblocks = len(bases)
    per = restart_mcus * nb if restart_mcus else nblocks
    p1, m1 = 1 << al, -1 << al
    for r, start in enumerate(range(0, nblocks, per)):
        if r >= len(segments):
            return
        P, lim = segments[r]
        p = 0
        pr = [0] * ncs
        eobrun = 0
        for base, (j, ci, dF, dB, _aF, aB) in zip(bases[start:start + per], cycle(slots)):
            if p > lim and j == 0:
                break
            if ss == 0:
                if ah == 0:  # DC first
                    e = dF[P[p]]
                    if e & 31:
                        p += e & 31
                    else:
                        e, p = _slow(P, p, dB, False)
                    pr[ci] += e >> 5
                    C[base] = pr[ci] << al
                else:  # DC refine: one bit
                    if P[p] >> 15:
                        C[base] |= p1
                    p += 1
                continue
            if ah == 0:  # AC first
                if eobrun:
                    eobrun -= 1
                    continue
                k = ss
                while k <= se:
                    b = aB[P[p]]
                    p += (b & 31) if b else 17
                    rr, s = b >> 9, (b >> 5) & 15
                    if s:
                        k += rr
                        v = P[p] >> (16 - s)
                        p += s
                        v = v - (1 << s) + 1 if v < (1 << (s - 1)) else v
                        C[base + min(k, 63)] = v << al
                    elif rr == 15:
                        k += 15
                    else:
                        eobrun = 1 << rr
                        if rr:
                            eobrun += P[p] >> (16 - rr)
                            p += rr
                        eobrun -= 1
                        break
                    k += 1
                continue
            # AC refine
            k = ss
            if not eobrun:
                while k <= se:
                    b = aB[P[p]]
                    p += (b & 31) if b else 17
                    rr, s = b >> 9, (b >> 5) & 15
                    if s:
                        s = p1 if P[p] >> 15 else m1
                        p += 1
                    elif rr != 15:
                        eobrun = 1 << rr
                        if rr:
                            eobrun += P[p] >> (16 - rr)
                            p += rr
                        break
                    while k <= se:
                        c = C[base + k]
                        if c:
                            if P[p] >> 15 and not c & p1:
                                C[base + k] = c + p1 if c >= 0 else c + m1
                            p += 1
                        else:
                            rr -= 1
                            if rr < 0:
                                break
                        k += 1
                    if s:
                        C[base + min(k, 63)] = s
                    k += 1
            if eobrun:
                while k <= se:
                    c = C[base + k]
                    if c:
                        if P[p] >> 15 and not c & p1:
                            C[base + k] = c + p1 if c >= 0 else c + m1
                        p += 1
                    k += 1
                eobrun -= 1


# -- IDCTs (NumPy over all blocks; x is (n, 8, 8) dequantised int64 in natural order) ---------------------------------

_RANGE = np.concatenate([np.arange(128, 256), np.full(384, 255), np.zeros(384), np.arange(0, 128)]).astype(np.uint8)


def _limit(v: np.ndarray) -> np.ndarray:
    """libjpeg's post-IDCT range limit: ``table[(v) & 1023]`` centred on 128 (wraps for wild values, as it does)."""
    return _RANGE[v & 1023]


def idct_islow(x: np.ndarray) -> np.ndarray:
    """``jpeg_idct_islow`` (CONST_BITS 13, PASS1_BITS 2)."""
    def butterfly(r: list[np.ndarray], shift: int, add: int) -> list[np.ndarray]:
        z2, z3 = r[2], r[6]
        z1 = (z2 + z3) * 4433
        tmp2 = z1 + z3 * -15137
        tmp3 = z1 + z2 * 6270
        z2, z3 = r[0], r[4]
        if add:
            z2 = z2 + add
        tmp0 = (z2 + z3) << 13
        tmp1 = (z2 - z3) << 13
        t10, t13, t11, t12 = tmp0 + tmp3, tmp0 - tmp3, tmp1 + tmp2, tmp1 - tmp2
        tmp0, tmp1, tmp2, tmp3 = r[7], r[5], r[3], r[1]
        z1, z2, z3, z4 = tmp0 + tmp3, tmp1 + tmp2, tmp0 + tmp2, tmp1 + tmp3
        z5 = (z3 + z4) * 9633
        tmp0, tmp1, tmp2, tmp3 = tmp0 * 2446, tmp1 * 16819, tmp2 * 25172, tmp3 * 12299
        z1, z2, z3, z4 = z1 * -7373, z2 * -20995, z3 * -16069 + z5, z4 * -3196 + z5
        tmp0 += z1 + z3
        tmp1 += z2 + z4
        tmp2 += z2 + z3
        tmp3 += z1 + z4
        rnd = 1 << (shift - 1) if not add else 0
        return [(a + rnd) >> shift for a in (t10 + tmp3, t11 + tmp2, t12 + tmp1, t13 + tmp0, t13 - tmp0,
                                             t12 - tmp1, t11 - tmp2, t10 - tmp3)]

    cols = butterfly([x[:, i, :] for i in range(8)], 11, 0)         # pass 1: columns -> rows of the workspace
    ws = np.stack(cols, axis=1)
    rows = butterfly([ws[:, :, i] for i in range(8)], 18, 16 << 0)  # pass 2: + 1 << (PASS1_BITS + 2) fudge
    return _limit(np.stack(rows, axis=2))


def idct_ifast(x: np.ndarray) -> np.ndarray:
    """``jpeg_idct_ifast`` (CONST_BITS 8, truncating multiplies and final shift; inputs pre-scaled by the AAN
    factors in the multiplier table)."""
    def butterfly(r: list[np.ndarray]) -> list[np.ndarray]:
        tmp10, tmp11 = r[0] + r[4], r[0] - r[4]
        tmp13 = r[2] + r[6]
        tmp12 = (((r[2] - r[6]) * 362) >> 8) - tmp13
        tmp0, tmp3, tmp1, tmp2 = tmp10 + tmp13, tmp10 - tmp13, tmp11 + tmp12, tmp11 - tmp12
        z13, z10, z11, z12 = r[5] + r[3], r[5] - r[3], r[1] + r[7], r[1] - r[7]
        tmp7 = z11 + z13
        tmp11 = ((z11 - z13) * 362) >> 8
        z5 = ((z10 + z12) * 473) >> 8
        tmp10 = ((z12 * 277) >> 8) - z5
        tmp12 = ((z10 * -669) >> 8) + z5
        tmp6 = tmp12 - tmp7
        tmp5 = tmp11 - tmp6
        tmp4 = tmp10 + tmp5
        return [tmp0 + tmp7, tmp1 + tmp6, tmp2 + tmp5, tmp3 - tmp4, tmp3 + tmp4, tmp2 - tmp5, tmp1 - tmp6,
                tmp0 - tmp7]

    ws = np.stack(butterfly([x[:, i, :] for i in range(8)]), axis=1)
    rows = butterfly([ws[:, :, i] for i in range(8)])
    return _limit(np.stack(rows, axis=2) >> 5)


# AAN scale factors * 2^14 (libjpeg's aanscales), natural order
AANSCALES = np.array([
    16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520, 22725, 31521, 29692, 26722, 22725, 17855, 12299, 6270,
    21407, 29692, 27969, 25172, 21407, 16819, 11585, 5906, 19266, 26722, 25172, 22654, 19266, 15137, 10426, 5315,
    16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520, 12873, 17855, 16819, 15137, 12873, 10114, 6967, 3552,
    8867, 12299, 11585, 10426, 8867, 6967, 4799, 2446, 4520, 6270, 5906, 5315, 4520, 3552, 2446, 1247], np.int64)


def idct_4x4(x: np.ndarray) -> np.ndarray:
    """``jpeg_idct_4x4`` (``jidctred.c``): a 4x4 picture of each 8x8 block."""
    def part(r: list[np.ndarray], shift: int) -> list[np.ndarray]:
        tmp0 = r[0] << 14
        tmp2 = r[2] * 15137 + r[6] * -6270
        t10, t12 = tmp0 + tmp2, tmp0 - tmp2
        z1, z2, z3, z4 = r[7], r[5], r[3], r[1]
        tmp0 = z1 * -1730 + z2 * 11893 + z3 * -17799 + z4 * 8697
        tmp2 = z1 * -4176 + z2 * -4926 + z3 * 7373 + z4 * 20995
        rnd = 1 << (shift - 1)
        return [(a + rnd) >> shift for a in (t10 + tmp2, t12 + tmp0, t12 - tmp0, t10 - tmp2)]

    ws = np.stack(part([x[:, i, :] for i in range(8)], 12), axis=1)       # (n, 4, 8)
    rows = part([ws[:, :, i] if i != 4 else None for i in range(8)], 19)  # type: ignore[list-item]
    return _limit(np.stack(rows, axis=2))


def idct_2x2(x: np.ndarray) -> np.ndarray:
    """``jpeg_idct_2x2`` (``jidctred.c``)."""
    def part(r: list[np.ndarray], shift: int) -> list[np.ndarray]:
        t10 = r[0] << 15
        tmp0 = r[7] * -5906 + r[5] * 6967 + r[3] * -10426 + r[1] * 29692
        rnd = 1 << (shift - 1)
        return [(t10 + tmp0 + rnd) >> shift, (t10 - tmp0 + rnd) >> shift]

    ws = np.stack(part([x[:, i, :] for i in range(8)], 13), axis=1)        # (n, 2, 8)
    rows = part([ws[:, :, i] for i in range(8)], 20)
    return _limit(np.stack(rows, axis=2))


def idct_1x1(x: np.ndarray) -> np.ndarray:
    """``jpeg_idct_1x1``: the DC term alone."""
    return _limit((x[:, :1, :1] + 4) >> 3)


# -- upsampling and colour conversion ---------------------------------------------------------------------------------

def _rep_edge(a: np.ndarray, n: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """The previous and next samples along ``axis`` of the first ``n`` samples, replicating the edges."""
    a = np.take(a, np.arange(n), axis=axis)
    idx = np.arange(n)
    prev = np.take(a, np.maximum(idx - 1, 0), axis=axis)
    nxt = np.take(a, np.minimum(idx + 1, n - 1), axis=axis)
    return prev, nxt


def upsample(plane: np.ndarray, dw: int, dh: int, fh: int, fv: int, fancy: bool) -> np.ndarray:
    """``jdsample.c``: scale a component plane (valid size dh x dw) by (fv, fh). ``fancy`` selects the triangle
    filters (the caller applies libjpeg's "more than 2 samples wide" rule for the 2h cases)."""
    if fh == 1 and fv == 1:
        return plane
    x = plane.astype(np.int32)
    if fancy and fh == 2 and fv == 1:
        x = x[:, :dw]
        left, right = _rep_edge(x, dw, 1)
        out = np.empty((x.shape[0], 2 * dw), np.int32)
        out[:, 0::2] = (3 * x + left + 1) >> 2
        out[:, 1::2] = (3 * x + right + 2) >> 2
        return out.astype(np.uint8)
    if fancy and fh == 1 and fv == 2:
        x = x[:dh]
        up, down = _rep_edge(x, dh, 0)
        out = np.empty((2 * dh, x.shape[1]), np.int32)
        out[0::2] = (3 * x + up + 1) >> 2
        out[1::2] = (3 * x + down + 2) >> 2
        return out.astype(np.uint8)
    if fancy and fh == 2 and fv == 2:
        x = x[:dh, :dw]
        up, down = _rep_edge(x, dh, 0)
        rows = np.empty((2 * dh, dw), np.int32)
        rows[0::2] = 3 * x + up
        rows[1::2] = 3 * x + down
        left, right = _rep_edge(rows, dw, 1)
        out = np.empty((2 * dh, 2 * dw), np.int32)
        out[:, 0::2] = (3 * rows + left + 8) >> 4
        out[:, 1::2] = (3 * rows + right + 7) >> 4
        return out.astype(np.uint8)
    return np.repeat(np.repeat(plane, fv, axis=0), fh, axis=1)


def _fix(v: float) -> int:
    return int(v * 65536 + 0.5)


_X = np.arange(256, dtype=np.int64) - 128
CR_R = (_fix(1.40200) * _X + 32768) >> 16
CB_B = (_fix(1.77200) * _X + 32768) >> 16
CR_G = -_fix(0.71414) * _X
CB_G = -_fix(0.34414) * _X + 32768
_I = np.arange(256, dtype=np.int64)
RGB_Y = (_fix(0.29900) * _I, _fix(0.58700) * _I, _fix(0.11400) * _I + 32768)


def ycc_to_rgb(y: np.ndarray, cb: np.ndarray, cr: np.ndarray) -> np.ndarray:
    """``ycc_rgb_convert``: libjpeg's fixed-point tables, clamped to [0, 255]."""
    yi = y.astype(np.int64)
    r = yi + CR_R[cr]
    g = yi + ((CB_G[cb] + CR_G[cr]) >> 16)
    b = yi + CB_B[cb]
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).astype(np.uint8)


def rgb_to_gray(r: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``rgb_gray_convert``."""
    return ((RGB_Y[0][r] + RGB_Y[1][g] + RGB_Y[2][b]) >> 16).astype(np.uint8)


def ycck_to_cmyk(y: np.ndarray, cb: np.ndarray, cr: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``ycck_cmyk_convert``: inverted YCbCr to CMY, K passed through."""
    rgb = ycc_to_rgb(y, cb, cr).astype(np.int32)
    return np.concatenate([(255 - rgb).astype(np.uint8), k[..., None]], axis=-1)


