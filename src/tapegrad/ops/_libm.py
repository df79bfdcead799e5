"""The C library's ``logf`` and ``sincosf``, vectorised in NumPy, so that Box-Muller samples round as TensorFlow's do.

TF's CPU kernels turn Philox words into normal samples with the C library's single-precision ``logf`` and
``sincosf`` (``BoxMullerFloat``). Those are not correctly rounded: on glibc (2.28 and later) about 1% of their
results differ by one ulp from ``float32(log(double(x)))``, so rounding a float64 computation (what NumPy offers)
gives about 1.5% of TF's float32 normals one ulp off. To give TF's numbers exactly, this module evaluates glibc's
own algorithms (table-driven, evaluated in double precision, then rounded to float) over whole arrays:

* ``logf``: ``x = 2^k z`` with ``z`` near 1 split into 16 subintervals; ``log x = k ln2 + log c + p(z/c - 1)``
  with a per-subinterval ``(1/c, log c)`` pair and a cubic ``p``;
* ``sincosf`` for ``|x| < 120`` (all Box-Muller needs: ``0 <= x < 2 pi``): ``x`` is reduced by the nearest multiple
  of ``pi/2`` (a scaled multiply and an integer shift), then even/odd polynomials in double give sin and cos, with
  the quadrant choosing which is which and their signs.

The coefficient tables are not written here: they are read from the process's own ``libm`` (the library TF calls),
located by the layout glibc gives them, and the result is checked against ``libm`` itself (through ``ctypes``) on a
sample of inputs before it is used. Where that is not possible (another C library, another OS, a layout that does
not check out) :func:`available` is False and callers round float64 results instead (TF's values to within one ulp).
"""

from __future__ import annotations

import math
import struct
import threading
from typing import Any

import numpy as np

_LOCK = threading.Lock()
_TABLES: dict[str, Any] = {}


def _libm_path() -> str | None:
    try:
        import ctypes

        ctypes.CDLL("libm.so.6")
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "/libm.so" in path or "/libm-" in path:
                    return path
    except (OSError, ImportError):
        return None
    return None


def _doubles(blob: bytes, at: int, n: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f8", count=n, offset=at)


def _logf_candidates(blob: bytes) -> list[tuple[np.ndarray, np.ndarray, float, np.ndarray]]:
    """``(invc, logc, ln2, poly)`` tables that have the layout of glibc's ``__logf_data``: 16 ``(1/c, log c)``
    pairs (``c`` near the centres of ``[0x1.66p-1, 0x1.66p0)``'s subintervals, so ``log c ~ -log(1/c)``), then
    ``ln 2`` and three polynomial coefficients."""
    out = []
    key = struct.pack("<d", math.log(2.0))
    at = blob.find(key)
    while at >= 0:
        if at >= 256 and at + 32 <= len(blob) and (at - 256) % 8 == 0:
            tab = _doubles(blob, at - 256, 32).reshape(16, 2)
            poly = _doubles(blob, at + 8, 3)
            invc, logc = tab[:, 0].copy(), tab[:, 1].copy()
            if (np.all(np.isfinite(tab)) and np.all((invc > 0.6) & (invc < 1.6))
                    and np.allclose(logc, -np.log(invc), atol=1e-6) and np.all(np.isfinite(poly))
                    and np.all(np.abs(poly) < 1.0)):
                out.append((invc, logc, math.log(2.0), poly.copy()))
        at = blob.find(key, at + 1)
    return out


def _sincosf_candidates(blob: bytes) -> list[np.ndarray]:
    """Tables with the layout of glibc's ``__sincosf_table``: two entries of ``sign[4] = (1, -1, -1, 1)``,
    ``2/pi`` scaled by ``2^24``, ``pi/2`` and eight polynomial coefficients (14 doubles each; the second entry
    negates the cosine polynomial). The coefficients are stored either as ``c0..c4, s1..s3`` (generic) or as
    ``c0, c1, (s1, c2), (s2, c3), (s3, c4)`` (x86-64, paired for SSE2); returned as ``[2, 14]`` rows of
    ``sign[4], 2^24 * 2/pi, pi/2, c0..c4, s1..s3``."""
    out = []
    key = struct.pack("<4d", 1.0, -1.0, -1.0, 1.0)
    at = blob.find(key)
    while at >= 0:
        if at + 28 * 8 <= len(blob) and at % 8 == 0:
            t = _doubles(blob, at, 28).reshape(2, 14).copy()
            if abs(t[0, 8] + 1 / 6) < 1e-3:  # x86-64: c0, c1, s1, c2, s2, c3, s3, c4
                t = t[:, [0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 8, 10, 12]]
            taylor = np.array([1.0, -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 6, 1 / 120, -1 / 5040])
            if (np.array_equal(t[1, :4], t[0, :4]) and t[0, 4] == t[1, 4] and abs(t[0, 4] - 2 ** 24 * 2 / math.pi) < 1
                    and t[0, 5] == math.pi / 2 and t[1, 5] == t[0, 5]
                    and np.allclose(t[0, 6:], taylor, rtol=5e-2) and np.array_equal(t[1, 6:11], -t[0, 6:11])
                    and np.array_equal(t[1, 11:], t[0, 11:])):
                out.append(t)
        at = blob.find(key, at + 1)
    return out


def _logf(x: np.ndarray, tab: tuple[np.ndarray, np.ndarray, float, np.ndarray]) -> np.ndarray:
    """glibc's ``logf`` for normal positive float32 ``x``: the main path of its algorithm, in its order of
    operations (each step rounds to double as the C code does)."""
    invc_t, logc_t, ln2, poly = tab
    ix = x.view(np.uint32)
    tmp = ix - np.uint32(0x3F330000)  # x = 2^k z with z in [0x3f330000, 2 * 0x3f330000) as a float
    i = ((tmp >> np.uint32(19)) & np.uint32(15)).astype(np.intp)  # subinterval of z (intp: fast take)
    k = tmp.view(np.int32) >> np.int32(23)
    z = (ix - (tmp & np.uint32(0x1FF << 23))).view(np.float32).astype(np.float64)
    r = z * invc_t.take(i, mode="clip")
    r -= 1.0
    y0 = k.astype(np.float64)
    y0 *= ln2
    y0 += logc_t.take(i, mode="clip")
    r2 = r * r
    y = poly[1] * r
    y += poly[2]
    y += poly[0] * r2
    y *= r2
    y0 += r
    y += y0
    out = y.astype(np.float32)
    one = ix == np.uint32(0x3F800000)  # log(1) = +0 exactly
    if one.any():
        out[one] = 0.0
    return out


_SIN_SIGN = np.array([1.0, 1.0, -1.0, -1.0], np.float32)
_COS_SIGN = np.array([1.0, -1.0, -1.0, 1.0], np.float32)


def _sincosf(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """glibc's ``sincosf`` for float32 ``0 <= x < 120``: (sin x, cos x) as float32.

    ``x`` is reduced to ``r = x - n pi/2`` (for ``x < pi/4``, ``n = 0`` and ``r = x`` exactly, as in glibc's
    unreduced branch); quadrant ``n`` swaps the polynomials and sets signs. glibc negates through its tables (the
    sign of ``r`` and a negated cosine polynomial), which is exact, so the signs are applied to the results here."""
    xd = x.astype(np.float64)
    n = ((xd * t[0, 4]).astype(np.int32) + np.int32(0x800000)) >> np.int32(24)  # nearest quadrant, glibc's way
    r = xd - n * t[0, 5]
    c0, c1, c2, c3, c4, s1, s2, s3 = t[0, 6:]
    x2 = r * r
    x3 = x2 * r
    x4 = x2 * x2
    sin_p = x3 * s1
    sin_p += r
    sin_p += (x3 * x2) * (s2 + x2 * s3)
    cos_p = x2 * c1
    cos_p += c0
    cos_p += x4 * c2
    cos_p += (x4 * x2) * (c3 + x2 * c4)
    sp, cp = sin_p.astype(np.float32), cos_p.astype(np.float32)
    q = (n & 3).astype(np.intp)
    odd = (q & 1).astype(bool)
    s = np.where(odd, cp, sp)
    s *= _SIN_SIGN.take(q, mode="clip")
    c = np.where(odd, sp, cp)
    c *= _COS_SIGN.take(q, mode="clip")
    tiny = x < np.float32(2.0 ** -12)  # glibc: sin x = x, cos x = 1
    if tiny.any():
        s[tiny] = x[tiny]
        c[tiny] = 1.0
    return s, c


def _check(tables: dict[str, Any]) -> bool:
    """Compare with the C library itself on a sample covering both functions' branches."""
    import ctypes

    libm = ctypes.CDLL("libm.so.6")
    for name in ("logf", "sinf", "cosf"):
        fn = getattr(libm, name)
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    rng = np.random.default_rng(12345)
    u = (((rng.integers(0, 2 ** 23, 600).astype(np.uint32)) | np.uint32(0x3F800000)).view(np.float32)
         - np.float32(1.0))
    u = np.concatenate([u, np.float32([1e-7, 2.0 ** -23, 0.5, 0.75, 0.999])])
    u = np.maximum(u, np.float32(1e-7))
    v = (2.0 * np.pi * u.astype(np.float64)).astype(np.float32)
    v = np.concatenate([v, np.float32([0.0, 1e-5, 0.7853, 0.7854, 3.14159, 4.7, 6.28])])
    want_log = np.array([libm.logf(float(a)) for a in u], np.float32)
    want_sin = np.array([libm.sinf(float(a)) for a in v], np.float32)
    want_cos = np.array([libm.cosf(float(a)) for a in v], np.float32)
    s, c = _sincosf(v, tables["sincosf"])
    return (np.array_equal(_logf(u, tables["logf"]), want_log) and np.array_equal(s, want_sin)
            and np.array_equal(c, want_cos))


def _load() -> dict[str, Any]:
    with _LOCK:
        if _TABLES:
            return _TABLES
        _TABLES["ok"] = False
        path = _libm_path()
        if path is None:
            return _TABLES
        try:
            with open(path, "rb") as f:
                blob = f.read()
        except OSError:
            return _TABLES
        for lt in _logf_candidates(blob):
            for st in _sincosf_candidates(blob):
                trial = {"logf": lt, "sincosf": st}
                try:
                    ok = _check(trial)
                except (OSError, AttributeError, ValueError):
                    ok = False
                if ok:
                    _TABLES.update(trial, ok=True)
                    return _TABLES
        return _TABLES


def available() -> bool:
    """Whether ``logf``/``sincosf`` reproduce this process's C library (glibc's algorithms, checked on a sample)."""
    return bool(_load()["ok"])


def logf(x: np.ndarray) -> np.ndarray:
    """The C library's ``logf`` of positive normal float32 values (requires :func:`available`)."""
    return _logf(np.ascontiguousarray(x, dtype=np.float32), _load()["logf"])


def sincosf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The C library's ``sincosf`` of float32 values in ``[0, 120)`` (requires :func:`available`)."""
    return _sincosf(np.ascontiguousarray(x, dtype=np.float32), _load()["sincosf"])
