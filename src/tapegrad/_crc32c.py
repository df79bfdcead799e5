"""CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord framing, in NumPy and Python.

Two paths give the same value: short inputs go through a slicing-by-8 table loop in Python; long ones are cut
into equal chunks whose CRCs NumPy computes side by side (one table lookup per byte column, vectorised over the
chunks), then merged pairwise. The merge uses linearity over GF(2): with ``raw`` the CRC register run from 0 with
no final inversion, ``raw(A + B) = shift_|B|(raw(A)) ^ raw(B)``, where ``shift_n`` (feeding ``n`` zero bytes) is a
32x32 bit matrix applied through four 256-entry tables. Leading zero bytes leave ``raw`` at 0, so the input is
left-padded to a power-of-two number of chunks. ``crc32c(data) = ~(shift_n(0xFFFFFFFF) ^ raw(data))``. Many short
inputs (TFRecord records) are checked together the same way: right-aligned rows of one byte matrix.

>>> from tapegrad._crc32c import crc32c, masked_crc32c
>>> hex(crc32c(b"123456789"))
'0xe3069283'
>>> hex(masked_crc32c(b"123456789"))
'0xc78ab0e5'
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["crc32c", "masked_crc32c", "masked_crc32c_many"]

_POLY = 0x82F63B78


def _byte_table() -> list[int]:
    out = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        out.append(c)
    return out


_T0 = _byte_table()
# slicing-by-8: _TS[k][b] is the register after byte b followed by k zero bytes
_TS = [_T0]
for _k in range(1, 8):
    _prev = _TS[-1]
    _TS.append([(_prev[b] >> 8) ^ _T0[_prev[b] & 0xFF] for b in range(256)])
_T1, _T2, _T3, _T4, _T5, _T6, _T7 = _TS[1:]
_NP_T0 = np.array(_T0, dtype=np.uint32)


def _raw_py(data: bytes, crc: int = 0) -> int:
    """The register after ``data`` from ``crc`` (no inversions): 8 bytes per step, then byte by byte."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
    n8 = len(data) - len(data) % 8
    frombytes = int.from_bytes
    for i in range(0, n8, 8):
        x = frombytes(data[i:i + 8], "little") ^ crc
        crc = (t7[x & 0xFF] ^ t6[(x >> 8) & 0xFF] ^ t5[(x >> 16) & 0xFF] ^ t4[(x >> 24) & 0xFF]
               ^ t3[(x >> 32) & 0xFF] ^ t2[(x >> 40) & 0xFF] ^ t1[(x >> 48) & 0xFF] ^ t0[x >> 56])
    for b in data[n8:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


# -- shift operators (feeding zero bytes) as bit matrices -----------------------------------------------------------

def _apply(cols: list[int], v: int) -> int:
    out, i = 0, 0
    while v:
        if v & 1:
            out ^= cols[i]
        v >>= 1
        i += 1
    return out


def _compose(a: list[int], b: list[int]) -> list[int]:
    return [_apply(a, c) for c in b]


_SHIFT_POW2: list[list[int]] = [[_raw_py(b"\0", 1 << i) for i in range(32)]]  # shift by 2**k bytes
_TABLES: dict[int, np.ndarray] = {}
_LOCK = threading.Lock()


def _shift_cols(k: int) -> list[int]:
    if len(_SHIFT_POW2) <= k:
        with _LOCK:  # readers in several threads (parallel map/interleave) grow the list one at a time
            while len(_SHIFT_POW2) <= k:
                m = _SHIFT_POW2[-1]
                _SHIFT_POW2.append(_compose(m, m))
    return _SHIFT_POW2[k]


def _shift_tables(k: int) -> np.ndarray:
    """(4, 256) uint32: the shift by 2**k bytes of each byte value in each of the register's four bytes."""
    t = _TABLES.get(k)
    if t is None:
        cols = np.array(_shift_cols(k), dtype=np.uint32)
        b = np.arange(256)
        t = np.zeros((4, 256), dtype=np.uint32)
        for byte in range(4):
            for bit in range(8):
                t[byte] ^= np.where((b >> bit) & 1, cols[8 * byte + bit], 0).astype(np.uint32)
        _TABLES[k] = t
    return t


def _shift(v: int, n: int) -> int:
    """``v`` after ``n`` zero bytes."""
    k = 0
    while n:
        if n & 1:
            v = _apply(_shift_cols(k), v)
        n >>= 1
        k += 1
    return v


_CHUNK = 256      # bytes per chunk on the NumPy path
_NUMPY_FROM = 4096  # inputs at least this long take the NumPy path
_SLAB = 1 << 20     # ... one MiB at a time


def _raw_np(data: bytes | memoryview) -> int:
    n = len(data)
    chunks = 1 << max(0, (n + _CHUNK - 1) // _CHUNK - 1).bit_length()
    buf = np.zeros(chunks * _CHUNK, dtype=np.uint8)
    buf[buf.size - n:] = np.frombuffer(data, dtype=np.uint8)
    cols = buf.reshape(chunks, _CHUNK).T.astype(np.uint32)  # column j: byte j of every chunk
    reg = np.zeros(chunks, dtype=np.uint32)
    t0 = _NP_T0
    for j in range(_CHUNK):
        reg = t0[(reg ^ cols[j]) & 0xFF] ^ (reg >> 8)
    k = _CHUNK.bit_length() - 1  # shift by the current half length: 2**k bytes
    while reg.size > 1:
        left, right = reg[0::2], reg[1::2]
        t = _shift_tables(k)
        reg = (t[0][left & 0xFF] ^ t[1][(left >> 8) & 0xFF] ^ t[2][(left >> 16) & 0xFF] ^ t[3][left >> 24]) ^ right
        k += 1
    return int(reg[0])


def crc32c(data: bytes | bytearray | memoryview) -> int:
    """The CRC-32C of ``data`` (init 0xFFFFFFFF, final inversion: the iSCSI/TFRecord checksum)."""
    n = len(data)
    if n < _NUMPY_FROM:
        return _raw_py(bytes(data), 0xFFFFFFFF) ^ 0xFFFFFFFF
    mv = memoryview(data).cast("B")
    reg = 0xFFFFFFFF
    for start in range(0, n, _SLAB):  # slabs keep the (chunk, byte) array small
        block = mv[start:start + _SLAB]
        reg = _shift(reg, len(block)) ^ (_raw_np(block) if len(block) >= _NUMPY_FROM else _raw_py(bytes(block)))
    return reg ^ 0xFFFFFFFF


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    """TFRecord's masked CRC: the CRC rotated right by 15 bits plus 0xa282ead8 (mod 2**32)."""
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


_MANY_MAX = 4096  # longer inputs of crc32c_many take the single-input path
_INIT_AFTER: dict[int, int] = {}  # n -> 0xFFFFFFFF after n zero bytes


def _masked(crc: np.ndarray) -> np.ndarray:
    rot = (crc >> np.uint32(15)) | (crc << np.uint32(17))
    return (rot.astype(np.uint64) + 0xA282EAD8).astype(np.uint32)


def _raw_rows(datas: list[bytes], lengths: np.ndarray) -> np.ndarray:
    """The raw registers of inputs of similar length side by side: right-aligned in a (k, width) byte matrix
    (leading zeros leave the register at 0), one table lookup per column."""
    k, width = len(datas), int(lengths.max())
    buf = np.zeros((k, width), np.uint8)
    flat = np.frombuffer(b"".join(datas), np.uint8)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.repeat(np.arange(k), lengths)
    buf[rows, np.arange(flat.size) - starts + np.repeat(width - lengths, lengths)] = flat
    cols = buf.T.astype(np.uint32)
    reg = np.zeros(k, np.uint32)
    t0 = _NP_T0
    for j in range(width):
        reg = t0[(reg ^ cols[j]) & 0xFF] ^ (reg >> 8)
    return reg


def masked_crc32c_many(datas: list[bytes]) -> np.ndarray:
    """``masked_crc32c`` of each input (uint32 array): inputs of similar length are computed together."""
    out = np.empty(len(datas), np.uint32)
    order = sorted(range(len(datas)), key=lambda i: len(datas[i]))
    start = 0
    while start < len(order):
        first = len(datas[order[start]])
        if first > _MANY_MAX:
            for i in order[start:]:
                out[i] = masked_crc32c(datas[i])
            break
        stop = start + 1
        while stop < len(order) and len(datas[order[stop]]) <= min(2 * first + 64, _MANY_MAX):
            stop += 1
        idx = order[start:stop]
        group = [datas[i] for i in idx]
        lengths = np.fromiter((len(d) for d in group), np.int64, len(group))
        raw = _raw_rows(group, lengths) if lengths.max() else np.zeros(len(group), np.uint32)
        init = np.empty(len(group), np.uint32)
        for j, n in enumerate(lengths.tolist()):
            v = _INIT_AFTER.get(n)
            if v is None:
                v = _INIT_AFTER[n] = _shift(0xFFFFFFFF, n)
            init[j] = v
        out[idx] = _masked((init ^ raw) ^ np.uint32(0xFFFFFFFF))
        start = stop
    return out
