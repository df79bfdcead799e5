"""``tf.io.encode_jpeg`` in NumPy: libjpeg-turbo's compressor, reproduced so that TF's bytes come out exactly.

The pipeline is libjpeg's: fixed-point RGB→YCbCr tables (``jccolor.c``), edge replication and 2x2 box
downsampling with its alternating 1, 2 rounding bias (``jcsample.c``/``jcprepct.c``), the accurate integer forward
DCT (``jfdctint.c``), quantisation by libjpeg-turbo's reciprocal multiply (``jcdctmgr.c``), dummy blocks at the
right and bottom edges of partial MCUs (``jccoefct.c``), quality-scaled Annex K tables and the standard (or, with
``optimize_size``, libjpeg's optimal) Huffman tables; progressive files follow ``jpeg_simple_progression`` and
``jcphuff.c`` (end-of-band runs, buffered correction bits, optimal tables per scan). Huffman coding of a
sequential scan is vectorised: every symbol is built as an array, then the bits are packed at once.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._common import value_of
from ._jpeg_decode import ZIGZAG
from ._jpeg_decode import cdiv as _cdiv

# Annex K quantisation tables (natural order)
_LUMA_Q = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], np.int64)
_CHROMA_Q = np.full(64, 99, np.int64)
_CHROMA_Q[[0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 24, 25]] = [17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 47, 66]

# Annex K Huffman tables: (code-length counts, symbols)
_STD = {
    (0, 0): ("00010501010101010100000000000000", "000102030405060708090a0b"),
    (0, 1): ("00030101010101010101010000000000", "000102030405060708090a0b"),
    (1, 0): ("0002010303020403050504040000017d",
             "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
             "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293"
             "9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6"
             "e7e8e9eaf1f2f3f4f5f6f7f8f9fa"),
    (1, 1): ("00020102040403040705040400010277",
             "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a2627"
             "28292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a8283848586878889"
             "8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4"
             "e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa"),
}
STD_TABLES = {k: (bytes.fromhex(a), bytes.fromhex(b)) for k, (a, b) in _STD.items()}


def quant_table(base: np.ndarray, quality: int) -> np.ndarray:
    """``jpeg_set_quality`` with ``force_baseline``: the scaled table, clamped to [1, 255]."""
    q = min(max(quality, 1), 100)
    scale = 5000 // q if q < 50 else 200 - 2 * q
    return np.clip((base * scale + 50) // 100, 1, 255)


# -- sample preparation -----------------------------------------------------------------------------------------------

def _fix(v: float) -> int:
    return int(v * 65536 + 0.5)


def rgb_to_ycc(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rgb_ycc_convert`` (Cb/Cr rounded with 0.5 - epsilon, as libjpeg)."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    half = 1 << 15
    y = (_fix(0.299) * r + _fix(0.587) * g + _fix(0.114) * b + half) >> 16
    cb = (-_fix(0.16874) * r - _fix(0.33126) * g + _fix(0.5) * b + (128 << 16) + half - 1) >> 16
    cr = (_fix(0.5) * r - _fix(0.41869) * g - _fix(0.08131) * b + (128 << 16) + half - 1) >> 16
    return y, cb, cr


def _edge_pad(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return np.pad(a, ((0, max(rows - a.shape[0], 0)), (0, max(cols - a.shape[1], 0))), mode="edge")[:rows, :cols]


def downsample(plane: np.ndarray, fh: int, fv: int, wib: int, vmax: int, rows_out: int) -> np.ndarray:
    """``jcprepct``+``jcsample``: rows padded to a multiple of ``vmax``, columns to ``wib * 8 * fh`` by edge
    replication; box-averaged by (fv, fh) with libjpeg's rounding; rows padded to ``rows_out``."""
    h = -(-plane.shape[0] // vmax) * vmax
    x = _edge_pad(plane, h, wib * 8 * fh).astype(np.int64)
    if fh == 2 and fv == 2:
        s = x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]
        bias = np.tile([1, 2], s.shape[1] // 2 + 1)[:s.shape[1]]
        out = (s + bias) >> 2
    elif fh == 2 and fv == 1:
        s = x[:, 0::2] + x[:, 1::2]
        bias = np.tile([0, 1], s.shape[1] // 2 + 1)[:s.shape[1]]
        out = (s + bias) >> 1
    elif fh == 1 and fv == 1:
        out = x
    else:  # int_downsample
        n = fh * fv
        s = x[:x.shape[0] // fv * fv].reshape(x.shape[0] // fv, fv, -1, fh).sum(axis=(1, 3))
        out = (s + n // 2) // n
    return _edge_pad(out, rows_out, out.shape[1])


def fdct_islow(x: np.ndarray) -> np.ndarray:
    """``jpeg_fdct_islow`` on (n, 8, 8) level-shifted samples; the result is scaled by 8."""
    def part(d: list[np.ndarray], first: bool) -> list[np.ndarray]:
        tmp0, tmp7 = d[0] + d[7], d[0] - d[7]
        tmp1, tmp6 = d[1] + d[6], d[1] - d[6]
        tmp2, tmp5 = d[2] + d[5], d[2] - d[5]
        tmp3, tmp4 = d[3] + d[4], d[3] - d[4]
        t10, t13, t11, t12 = tmp0 + tmp3, tmp0 - tmp3, tmp1 + tmp2, tmp1 - tmp2
        sh = 11 if first else 15
        rnd = 1 << (sh - 1)
        out: list[Any] = [None] * 8
        if first:
            out[0], out[4] = (t10 + t11) << 2, (t10 - t11) << 2
        else:
            out[0], out[4] = (t10 + t11 + 2) >> 2, (t10 - t11 + 2) >> 2
        z1 = (t12 + t13) * 4433
        out[2] = (z1 + t13 * 6270 + rnd) >> sh
        out[6] = (z1 - t12 * 15137 + rnd) >> sh
        z1, z2, z3, z4 = tmp4 + tmp7, tmp5 + tmp6, tmp4 + tmp6, tmp5 + tmp7
        z5 = (z3 + z4) * 9633
        tmp4, tmp5, tmp6, tmp7 = tmp4 * 2446, tmp5 * 16819, tmp6 * 25172, tmp7 * 12299
        z1, z2 = z1 * -7373, z2 * -20995
        z3, z4 = z3 * -16069 + z5, z4 * -3196 + z5
        out[7] = (tmp4 + z1 + z3 + rnd) >> sh
        out[5] = (tmp5 + z2 + z4 + rnd) >> sh
        out[3] = (tmp6 + z2 + z3 + rnd) >> sh
        out[1] = (tmp7 + z1 + z4 + rnd) >> sh
        return out

    rows = np.stack(part([x[:, :, i] for i in range(8)], True), axis=2)
    return np.stack(part([rows[:, i, :] for i in range(8)], False), axis=1)


def quantize(coef: np.ndarray, q: np.ndarray) -> np.ndarray:
    """libjpeg-turbo's reciprocal quantisation (``compute_reciprocal``/``quantize``) of DCT output scaled by 8."""
    d = q * 8
    b = np.floor(np.log2(d)).astype(np.int64)
    r = 16 + b
    fq = (np.int64(1) << r) // d
    fr = (np.int64(1) << r) % d
    c = d // 2
    pow2 = fr == 0
    fq = np.where(pow2, fq >> 1, np.where(fr > d // 2, fq + 1, fq))
    r = np.where(pow2, r - 1, r)
    c = np.where(~pow2 & (fr <= d // 2), c + 1, c)
    mag = ((np.abs(coef) + c) * fq) >> r
    return np.where(coef < 0, -mag, mag)


# -- Huffman coding ---------------------------------------------------------------------------------------------------

def _codes(counts: bytes, symbols: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(code, length) per symbol 0..255 of a canonical table (length 0: no code)."""
    code_of = np.zeros(256, np.int64)
    len_of = np.zeros(256, np.int64)
    code, i = 0, 0
    for length in range(1, 17):
        for _ in range(counts[length - 1]):
            code_of[symbols[i]], len_of[symbols[i]] = code, length
            code += 1
            i += 1
        code <<= 1
    return code_of, len_of


def optimal_table(freq: np.ndarray) -> tuple[bytes, bytes]:
    """``jpeg_gen_optimal_table``: a length-limited (16-bit) Huffman table for the symbol counts ``freq``."""
    f = np.zeros(257, np.int64)
    f[:256] = freq
    f[256] = 1  # reserve one code point so no code is all ones
    size = np.zeros(257, np.int64)
    others = [-1] * 257
    big = np.int64(1) << 62
    idx = np.arange(257)
    while True:
        live = np.where(f > 0, f, big)
        v1 = live.min()
        c1 = int(idx[live == v1][-1])  # ties: the larger symbol
        live[c1] = big
        v2 = live.min()
        if v2 == big:
            break
        c2 = int(idx[live == v2][-1])
        f[c1] += f[c2]
        f[c2] = 0
        size[c1] += 1
        while others[c1] >= 0:
            c1 = others[c1]
            size[c1] += 1
        others[c1] = c2
        size[c2] += 1
        while others[c2] >= 0:
            c2 = others[c2]
            size[c2] += 1
    bits = np.bincount(size[size > 0], minlength=33)[:33].astype(np.int64)
    for i in range(32, 16, -1):
        while bits[i] > 0:
            j = i - 2
            while bits[j] == 0:
                j -= 1
            bits[i] -= 2
            bits[i - 1] += 1
            bits[j + 1] += 2
            bits[j] -= 1
    i = 16
    while bits[i] == 0:
        i -= 1
    bits[i] -= 1
    order = [j for n in range(1, 33) for j in range(256) if size[j] == n]
    return bytes(bits[1:17].tolist()), bytes(order)


def _category(v: np.ndarray) -> np.ndarray:
    return np.frexp(np.abs(v).astype(np.float64))[1].astype(np.int64)


def symbols(blocks: np.ndarray, comp: np.ndarray, dc: bool, ac: bool) -> tuple[np.ndarray, ...]:
    """Every Huffman symbol of a sequential-style scan over ``blocks`` (zigzag, decode order), in stream order:
    (symbol, is_ac, component, extra-bit value, extra-bit count)."""
    nb = len(blocks)
    parts = []
    if dc:
        d = blocks[:, 0].copy()
        for c in np.unique(comp):
            sel = np.nonzero(comp == c)[0]
            d[sel] = np.diff(blocks[sel, 0], prepend=0)
        s = _category(d)
        parts.append((np.arange(nb) * 2048, s, np.zeros(nb, bool), comp, d, s))
    if ac:
        b, k = np.nonzero(blocks[:, 1:])
        k = k + 1
        v = blocks[b, k]
        prev = np.concatenate([[0], k[:-1]])
        prev[np.concatenate([[True], b[1:] != b[:-1]])] = 0
        run = k - prev - 1
        s = _category(v)
        parts.append((b * 2048 + k * 16 + 8, ((run & 15) << 4) | s, np.ones(len(b), bool), comp[b], v, s))
        nz = run >> 4
        for t in range(3):
            sel = nz > t
            n = int(sel.sum())
            parts.append((b[sel] * 2048 + k[sel] * 16 + t, np.full(n, 0xF0), np.ones(n, bool), comp[b[sel]],
                          np.zeros(n, np.int64), np.zeros(n, np.int64)))
        last = np.zeros(nb, np.int64)
        last[b] = k  # np.nonzero is ordered, so the last write per block is its last non-zero
        eob = np.nonzero(last < 63)[0]
        n = len(eob)
        parts.append((eob * 2048 + 1024, np.zeros(n, np.int64), np.ones(n, bool), comp[eob], np.zeros(n, np.int64),
                      np.zeros(n, np.int64)))
    key, sym, is_ac, cmp, val, nbits = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(key, kind="stable")
    return sym[order], is_ac[order], cmp[order], val[order], nbits[order]


def pack(sym: np.ndarray, table: np.ndarray, val: np.ndarray, nbits: np.ndarray,
         codes: list[tuple[np.ndarray, np.ndarray]]) -> bytes:
    """The entropy-coded bytes: each symbol's code then its extra bits, padded with ones, 0xFF stuffed (a token of
    table -1 is bits alone)."""
    code = np.zeros(len(sym), np.int64)
    clen = np.zeros(len(sym), np.int64)
    for t, (c_of, l_of) in enumerate(codes):
        sel = table == t
        code[sel], clen[sel] = c_of[sym[sel]], l_of[sym[sel]]
    if (clen[table >= 0] == 0).any():
        raise InvalidArgumentError("encode_jpeg: a symbol has no Huffman code (internal table error).")
    extra = np.where(val < 0, val + (np.int64(1) << nbits) - 1, val) & ((np.int64(1) << nbits) - 1)
    word = (code << nbits) | extra
    length = clen + nbits
    total = int(length.sum())
    starts = np.cumsum(length) - length
    tok = np.repeat(np.arange(len(word)), length)
    off = np.arange(total) - starts[tok]
    bits = ((word[tok] >> (length[tok] - 1 - off)) & 1).astype(np.uint8)
    pad = (-total) % 8
    bits = np.concatenate([bits, np.ones(pad, np.uint8)])
    return np.packbits(bits).tobytes().replace(b"\xff", b"\xff\x00")


# -- the encoder ------------------------------------------------------------------------------------------------------

def _marker(code: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, code, len(body) + 2) + body


def _dht(tc: int, th: int, counts: bytes, syms: bytes) -> bytes:
    return _marker(0xC4, bytes([tc << 4 | th]) + counts + syms)


def _blocks(plane: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantised zigzag coefficients of every 8x8 block of ``plane`` (rows of blocks, raster order)."""
    h, w = plane.shape
    x = plane.reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8) - 128
    return quantize(fdct_islow(x).reshape(-1, 64), q)[:, ZIGZAG]


def encode(arr: np.ndarray, quality: int, progressive: bool, optimize: bool, sampling: tuple[int, int],
           density: tuple[int, int, int], xmp: bytes, restart: int = 0) -> bytes:
    """JPEG bytes for a uint8 ``[h, w, 1|3]`` image; ``sampling`` is the luma (h, v) factor (chroma is 1x1)."""
    h, w, nc = arr.shape
    if nc == 3:
        planes = rgb_to_ycc(arr)
        factors = [sampling, (1, 1), (1, 1)]
        qsel = [0, 1, 1]
    else:
        planes = (arr[..., 0].astype(np.int64),)
        factors, qsel = [(1, 1)], [0]
    qts = [quant_table(_LUMA_Q, quality), quant_table(_CHROMA_Q, quality)][:max(qsel) + 1]
    hmax = max(f[0] for f in factors)
    vmax = max(f[1] for f in factors)
    mcux, mcuy = -(-w // (8 * hmax)), -(-h // (8 * vmax))
    comps = []
    for ci, (plane, (hs, vs)) in enumerate(zip(planes, factors)):
        wib = _cdiv(_cdiv(w * hs, hmax), 8)
        hib = _cdiv(_cdiv(h * vs, vmax), 8)
        rows_alloc = mcuy * vs if nc > 1 else hib
        ds = downsample(plane, hmax // hs, vmax // vs, wib, vmax, rows_alloc * 8)
        coefs = _blocks(ds, qts[qsel[ci]]).reshape(rows_alloc, wib, 64)
        comps.append({"coef": coefs, "h": hs, "v": vs, "wib": wib, "hib": hib})
    out = [b"\xff\xd8", _marker(0xE0, b"JFIF\x00\x01\x01" + struct.pack(">BHH", *density) + b"\x00\x00")]
    if xmp:
        out.append(_marker(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp))
    for t, qt in enumerate(qts):
        out.append(_marker(0xDB, bytes([t]) + bytes(qt[ZIGZAG].astype(np.uint8).tolist())))
    sof = struct.pack(">BHHB", 8, h, w, nc) + b"".join(
        bytes([ci + 1, (hs << 4) | vs, qsel[ci]]) for ci, (hs, vs) in enumerate(factors))
    out.append(_marker(0xC2 if progressive else 0xC0, sof))
    if nc > 1:  # interleaved MCU order with libjpeg's dummy edge blocks
        seq = []
        for c in comps:
            full = np.zeros((mcuy * c["v"], mcux * c["h"], 64), np.int64)
            full[:, :c["wib"]] = c["coef"]
            full[:, c["wib"]:, 0] = full[:, c["wib"] - 1:c["wib"], 0]
            for r in range(c["hib"], mcuy * c["v"]):  # dummy block rows copy the DC before them in the MCU
                full[r] = 0
                prev = full[r - 1, c["h"] - 1::c["h"], 0]
                full[r, :, 0] = np.repeat(prev, c["h"])
            g = full.reshape(mcuy, c["v"], mcux, c["h"], 64).transpose(0, 2, 1, 3, 4)
            seq.append(g.reshape(mcuy, mcux, c["v"] * c["h"], 64))
        mcu_blocks = np.concatenate(seq, axis=2).reshape(-1, 64)
        mcu_comp = np.tile(np.concatenate([np.full(c["v"] * c["h"], ci) for ci, c in enumerate(comps)]),
                           mcuy * mcux)
    else:
        mcu_blocks = comps[0]["coef"].reshape(-1, 64)
        mcu_comp = np.zeros(len(mcu_blocks), np.int64)
    tsel = np.array(qsel)
    if not progressive:
        sym, is_ac, cmp, val, nb = symbols(mcu_blocks, mcu_comp, True, True)
        out += _scan(sym, is_ac, cmp, val, nb, tsel, list(range(nc)), optimize, 0, 63)
    else:
        own = [c["coef"][:c["hib"], :c["wib"]].reshape(-1, 64) for c in comps]
        for script in progression(nc):
            out += _progressive_scan(script, mcu_blocks, mcu_comp, own, tsel)
    out.append(b"\xff\xd9")
    return b"".join(out)


def _scan(sym: np.ndarray, is_ac: np.ndarray, cmp: np.ndarray, val: np.ndarray, nb: np.ndarray, tsel: np.ndarray,
          comps: list[int], optimize: bool, ss: int, se: int) -> list[bytes]:
    """DHT markers, SOS and the entropy-coded data of one scan."""
    table = tsel[cmp] * 2 + is_ac  # 0 DC luma, 1 AC luma, 2 DC chroma, 3 AC chroma
    defs: dict[int, tuple[bytes, bytes]] = {}
    out = []
    for ci in comps:  # libjpeg's order: each component's DC then AC table, each once
        for kind in ((0,) if se == 0 else (1,) if ss else (0, 1)):
            t = int(tsel[ci]) * 2 + kind
            if t in defs:
                continue
            if optimize:
                defs[t] = optimal_table(np.bincount(sym[table == t], minlength=256))
            else:
                defs[t] = STD_TABLES[(kind, int(tsel[ci]))]
            out.append(_dht(kind, int(tsel[ci]), *defs[t]))
    codes = [_codes(*defs[t]) if t in defs else (np.zeros(256, np.int64), np.zeros(256, np.int64))
             for t in range(4)]
    sos = bytes([len(comps)]) + b"".join(bytes([ci + 1, (int(tsel[ci]) << 4) | int(tsel[ci])]) for ci in comps)
    out.append(_marker(0xDA, sos + bytes([ss, se, 0])))
    out.append(pack(sym, table, val, nb, codes))
    return out


def encode_jpeg(image: Any, format: str = "", quality: int = 95, progressive: bool = False,
                optimize_size: bool = False, chroma_downsampling: bool = True, density_unit: str = "in",
                x_density: int = 300, y_density: int = 300, xmp_metadata: str = "", name: str | None = None) -> Any:
    """Encode a ``[height, width, channels]`` uint8 image (1 greyscale or 3 RGB channels) as JPEG bytes.

    With the defaults (quality 95, 4:2:0 chroma, standard Huffman tables) the bytes equal TensorFlow's.
    ``optimize_size`` computes libjpeg's optimal Huffman tables; ``chroma_downsampling=False`` keeps full-size
    chroma (4:4:4); ``progressive`` writes libjpeg's progressive script (``jpeg_simple_progression``: spectral
    selection and successive approximation, optimal tables per scan). ``format`` is
    ``''``, ``'grayscale'`` or ``'rgb'``; ``density_unit`` ``'in'`` or ``'cm'``; ``xmp_metadata`` goes in an APP1
    segment.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> jpg = tf.io.encode_jpeg(np.zeros((8, 8, 3), np.uint8), quality=90)
    >>> jpg.numpy()[:4], tf.io.decode_jpeg(jpg).shape
    (b'\\xff\\xd8\\xff\\xe0', TensorShape([8, 8, 3]))
    """
    from .._strings import scalar
    from ..ops import core

    op = "encode_jpeg"
    arr = np.asarray(value_of(image, op))
    if arr.dtype != np.uint8:
        raise InvalidArgumentError(f"{op}: image must be uint8; got {arr.dtype} (convert with "
                                   "tf.image.convert_image_dtype(image, tf.uint8, saturate=True)).")
    if arr.ndim != 3:
        raise InvalidArgumentError(f"{op}: image must be 3-dimensional [height, width, channels]; got shape "
                                   f"{list(arr.shape)}.")
    fmt = format.decode() if isinstance(format, bytes) else str(format)
    channels = arr.shape[2]
    need = {"": channels, "grayscale": 1, "rgb": 3}.get(fmt)
    if need is None:
        raise InvalidArgumentError(f"{op}: format must be '', 'grayscale' or 'rgb'; got {fmt!r}.")
    if channels not in (1, 3) or channels != need:
        raise InvalidArgumentError(f"{op}: image must have {'1 or 3' if not fmt else need} channels for format "
                                   f"{fmt!r}; got {channels}.")
    if arr.shape[0] == 0 or arr.shape[1] == 0 or max(arr.shape[:2]) > 65535:
        raise InvalidArgumentError(f"{op}: image size {arr.shape[1]}x{arr.shape[0]} is outside 1..65535.")
    quality = int(value_of(quality, op))
    if not 0 <= quality <= 100:
        raise InvalidArgumentError(f"{op}: quality must be in [0, 100]; got {quality}.")
    unit = density_unit.decode() if isinstance(density_unit, bytes) else str(density_unit)
    if unit not in ("in", "cm"):
        raise InvalidArgumentError(f"{op}: density_unit must be 'in' or 'cm'; got {unit!r}.")
    xmp = xmp_metadata.encode() if isinstance(xmp_metadata, str) else bytes(xmp_metadata)
    data = encode(np.ascontiguousarray(arr), quality, bool(progressive), bool(optimize_size),
                  (2, 2) if chroma_downsampling else (1, 1),
                  (1 if unit == "in" else 2, int(x_density), int(y_density)), xmp)
    return core.constant(scalar(data))


# -- progressive (jcphuff.c) ------------------------------------------------------------------------------------------

def progression(nc: int) -> list[tuple[tuple[int, ...], int, int, int, int]]:
    """``jpeg_simple_progression``'s scans: (components, Ss, Se, Ah, Al)."""
    every = tuple(range(nc))
    if nc == 3:
        return [(every, 0, 0, 0, 1), ((0,), 1, 5, 0, 2), ((2,), 1, 63, 0, 1), ((1,), 1, 63, 0, 1),
                ((0,), 6, 63, 0, 2), ((0,), 1, 63, 2, 1), (every, 0, 0, 1, 0), ((2,), 1, 63, 1, 0),
                ((1,), 1, 63, 1, 0), ((0,), 1, 63, 1, 0)]
    per = [((c,), ss, se, ah, al) for ss, se, ah, al in ((1, 5, 0, 2), (6, 63, 0, 2), (1, 63, 2, 1)) for c in every]
    return [(every, 0, 0, 0, 1), *per, (every, 0, 0, 1, 0), *[((c,), 1, 63, 1, 0) for c in every]]


class _Tokens:
    """A scan's symbols and bits in stream order: (table or -1, symbol, bit value, bit count)."""

    def __init__(self) -> None:
        self.tab: list[int] = []
        self.sym: list[int] = []
        self.val: list[int] = []
        self.nb: list[int] = []

    def symbol(self, t: int, sym: int, val: int = 0, nb: int = 0) -> None:
        self.tab.append(t)
        self.sym.append(sym)
        self.val.append(val & ((1 << nb) - 1))
        self.nb.append(nb)

    def bits(self, val: int, nb: int) -> None:
        if nb:
            self.symbol(-1, 0, val, nb)


def _eobrun(tok: _Tokens, t: int, run: int, corr: list[int]) -> None:
    """``emit_eobrun``: the run's symbol and bits, then the buffered correction bits."""
    nbits = run.bit_length() - 1
    tok.symbol(t, nbits << 4, run, nbits)
    for b in corr:
        tok.bits(b, 1)


def _progressive_scan(script: tuple[tuple[int, ...], int, int, int, int], mcu_blocks: np.ndarray,
                      mcu_comp: np.ndarray, own: list[np.ndarray], tsel: np.ndarray) -> list[bytes]:
    comps, ss, se, ah, al = script
    tok = _Tokens()
    if ss == 0:  # DC scans are interleaved (MCU order, dummy blocks included) when they hold several components
        dc = mcu_blocks[:, 0] if len(comps) > 1 else own[comps[0]][:, 0]
        cmp = mcu_comp if len(comps) > 1 else np.full(len(dc), comps[0])
        if ah == 0:
            v = dc >> al
            d = v.copy()
            for c in comps:
                sel = np.nonzero(cmp == c)[0]
                d[sel] = np.diff(v[sel], prepend=0)
            for c, dd, n in zip(cmp.tolist(), d.tolist(), _category(d).tolist()):
                tok.symbol(int(tsel[c]) * 2, n, dd if dd >= 0 else dd - 1, n)
        else:
            for b in ((dc >> al) & 1).tolist():
                tok.bits(b, 1)
    else:
        c = comps[0]
        t = int(tsel[c]) * 2 + 1
        band = own[c][:, ss:se + 1]
        mag = np.abs(band) >> al
        (_ac_first if ah == 0 else _ac_refine)(tok, t, band, mag)
    return _emit_scan(tok, comps, tsel, ss, se, ah, al)


def _ac_first(tok: _Tokens, t: int, band: np.ndarray, mag: np.ndarray) -> None:
    """``encode_mcu_AC_first``: run/size symbols of the point-transformed coefficients, end-of-band runs."""
    run = 0
    width = band.shape[1]
    cats = _category(mag)
    for row in range(len(band)):
        nz = np.nonzero(mag[row])[0].tolist()
        if nz:
            if run:
                _eobrun(tok, t, run, [])
                run = 0
            prev = -1
            for k in nz:
                r = k - prev - 1
                while r > 15:
                    tok.symbol(t, 0xF0)
                    r -= 16
                n, m = int(cats[row, k]), int(mag[row, k])
                tok.symbol(t, (r << 4) + n, m if band[row, k] > 0 else ~m, n)
                prev = k
            if prev == width - 1:
                continue
        run += 1
        if run == 0x7FFF:
            _eobrun(tok, t, run, [])
            run = 0
    if run:
        _eobrun(tok, t, run, [])


def _ac_refine(tok: _Tokens, t: int, band: np.ndarray, mag: np.ndarray) -> None:
    """``encode_mcu_AC_refine``: newly non-zero coefficients with their sign, correction bits of the others
    (buffered until the next symbol), end-of-band runs."""
    run = 0
    corr: list[int] = []
    for row in range(len(band)):
        m = mag[row].tolist()
        ones = [k for k, v in enumerate(m) if v == 1]
        eob = ones[-1] if ones else -1
        r = 0
        br: list[int] = []
        for k, v in enumerate(m):
            if v == 0:
                r += 1
                continue
            while r > 15 and k <= eob:
                if run:
                    _eobrun(tok, t, run, corr)
                    run, corr = 0, []
                tok.symbol(t, 0xF0)
                r -= 16
                for b in br:
                    tok.bits(b, 1)
                br = []
            if v > 1:
                br.append(v & 1)
                continue
            if run:
                _eobrun(tok, t, run, corr)
                run, corr = 0, []
            tok.symbol(t, (r << 4) + 1, 0 if band[row, k] < 0 else 1, 1)
            for b in br:
                tok.bits(b, 1)
            br = []
            r = 0
        if r > 0 or br:
            run += 1
            corr += br
            if run == 0x7FFF or len(corr) > 1000 - 64 + 1:
                _eobrun(tok, t, run, corr)
                run, corr = 0, []
    if run:
        _eobrun(tok, t, run, corr)


def _emit_scan(tok: _Tokens, comps: tuple[int, ...], tsel: np.ndarray, ss: int, se: int, ah: int,
               al: int) -> list[bytes]:
    """DHT markers (optimal tables from this scan's counts; a DC refinement needs none), SOS and the data."""
    tab = np.array(tok.tab, np.int64)
    sym = np.array(tok.sym, np.int64)
    out = []
    defs: dict[int, tuple[bytes, bytes]] = {}
    kind = 0 if ss == 0 else 1
    for c in comps if not (ss == 0 and ah) else ():
        t = int(tsel[c]) * 2 + kind
        if t not in defs:
            defs[t] = optimal_table(np.bincount(sym[tab == t], minlength=256))
            out.append(_dht(kind, int(tsel[c]), *defs[t]))
    codes = [_codes(*defs[t]) if t in defs else (np.zeros(256, np.int64), np.zeros(256, np.int64)) for t in range(4)]
    fields = b"".join(bytes([c + 1, ((int(tsel[c]) if ss == 0 and ah == 0 else 0) << 4)
                             | (int(tsel[c]) if ss > 0 else 0)]) for c in comps)
    out.append(_marker(0xDA, bytes([len(comps)]) + fields + bytes([ss, se, (ah << 4) | al])))
    if len(sym):
        out.append(pack(sym, tab, np.array(tok.val, np.int64), np.array(tok.nb, np.int64), codes))
    return out
