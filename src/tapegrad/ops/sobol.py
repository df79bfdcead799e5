"""``tf.math.sobol_sample``: points of the Sobol low-discrepancy sequence, bit-exact with TF 2.21's SobolSample.

Direction numbers: S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections",
SIAM J. Sci. Comput. 30 (2008), the ``new-joe-kuo-6.21201`` set (the one TF uses), first 21200 dimensions, stored as
``_data/sobol_directions.npz`` (``poly``: each primitive polynomial with its leading and trailing coefficients as
bits; ``vinit``: the initial odd integers ``m_1..m_s``). Copyright (c) 2008, Frances Y. Kuo and Stephen Joe; BSD
licence, reproduced in ``_data/SOBOL_DIRECTIONS_LICENSE.txt``.

Point ``n`` (TF starts at ``n = skip + 1``: the all-zero point 0 is never returned) is the XOR of the direction
numbers ``v_k`` over the set bits ``k`` of the Gray code ``n ^ (n >> 1)``, divided by ``2^D``. TF picks ``D`` as the
bit length of ``skip + num_results + 1`` and forms ``1 << D`` in a 32-bit int, so for ``D = 31`` its scale is
``-2^-31`` and its points are negative; tapegrad reproduces that too (so results are equal everywhere).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InvalidArgumentError
from . import core

MAX_DIM = 21200
_BITS = 31  # enough for every n < 2^31 - 1, TF's bound on skip + num_results


@lru_cache(maxsize=1)
def _directions() -> np.ndarray:
    """v[j, k] = m_k << (31 - k - 1) for every dimension j (int64 [MAX_DIM, 31]), by the Bratley-Fox recurrence
    m_k = m_{k-s} ^ (m_{k-s} << s) ^ XOR_{i<s} a_i (m_{k-i} << i) with a_i the polynomial's inner coefficients."""
    data = np.load(Path(__file__).with_name("_data") / "sobol_directions.npz")
    poly = data["poly"].astype(np.int64)
    vinit = data["vinit"].astype(np.int64)
    deg = np.array([int(p).bit_length() - 1 for p in poly])
    m = np.zeros((poly.size, _BITS), np.int64)
    m[:, :vinit.shape[1]] = np.where(np.arange(vinit.shape[1]) < deg[:, None], vinit, 0)
    m[deg == 0] = 1  # the first dimension: van der Corput (every m_k = 1)
    rows = np.arange(poly.size)
    for k in range(_BITS):
        use = (deg > 0) & (deg <= k)
        if not use.any():
            continue
        j, s = rows[use], deg[use]
        prev = m[j, k - s]
        val = prev ^ (prev << s)
        for i in range(1, int(s.max())):
            a = ((poly[j] >> (s - i)) & 1).astype(bool) & (i < s)
            val = np.where(a, val ^ (m[j, k - i] << i), val)
        m[j, k] = val
    return m << (_BITS - 1 - np.arange(_BITS))


def _int32_arg(v: Any, what: str) -> int:
    if isinstance(v, _TensorLike):
        if v.dtype.name != "int32":
            raise InvalidArgumentError(f"sobol_sample: {what} must be an int32 scalar, got a {v.dtype.name} tensor; "
                                       "cast it with tf.cast(x, tf.int32).")
        v = static_value(v)
    a = np.asarray(v)
    if a.dtype.kind not in "iu" or a.shape != ():
        raise TypeError(f"sobol_sample: {what} must be an integer scalar, got {v!r}.")
    return int(a)


def sobol_sample(dim: Any, num_results: Any, skip: Any = 0, dtype: Any = None, name: str | None = None) -> Tensor:
    """``num_results`` points of the ``dim``-dimensional Sobol sequence after skipping ``skip`` (the all-zero first
    point is never returned, as in TF), shape ``[num_results, dim]``, float32 (default) or float64.

    >>> import tapegrad as tf
    >>> tf.math.sobol_sample(2, 3).numpy().tolist()
    [[0.5, 0.5], [0.75, 0.25], [0.25, 0.75]]
    """
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.float32
    if dt.name not in ("float32", "float64"):
        raise InvalidArgumentError(f"sobol_sample: dtype must be float32 or float64, got {dt.name}.")
    d, n, s = _int32_arg(dim, "dim"), _int32_arg(num_results, "num_results"), _int32_arg(skip, "skip")
    if d < 1:
        raise InvalidArgumentError(f"sobol_sample: dim must be at least one, got {d}.")
    if d > MAX_DIM:
        raise InvalidArgumentError(f"sobol_sample: dim must be at most {MAX_DIM} (the Joe-Kuo direction numbers "
                                   f"TF ships), got {d}.")
    if n < 1:
        raise InvalidArgumentError(f"sobol_sample: num_results must be at least one, got {n}.")
    if s < 0:
        raise InvalidArgumentError(f"sobol_sample: skip must be non-negative, got {s}.")
    if n + s >= 2**31 - 1:
        raise InvalidArgumentError(f"sobol_sample: num_results + skip must be less than 2147483647, got {n + s}.")
    v = _directions()[:d]
    # point s from its Gray code directly, then each next point flips one direction number: gray(m) ^ gray(m - 1)
    # is bit ctz(m), so x_n = x_s ^ XOR_{m = s+1..n} v[:, ctz(m)] (one gather and one cumulative XOR)
    gs = s ^ (s >> 1)
    start = np.zeros(d, np.int64)
    for k in range(gs.bit_length()):
        if (gs >> k) & 1:
            start ^= v[:, k]
    m = np.arange(s + 1, s + n + 1, dtype=np.int64)
    ctz = np.log2(m & -m).astype(np.int64)
    x = np.bitwise_xor.accumulate(v[:, ctz].T, axis=0) ^ start
    # TF's 1 << D overflows int32 for D = 31: its scale, and so every point, is negative there
    scale = -(2.0**-_BITS) if (n + s + 1).bit_length() == _BITS else 2.0**-_BITS
    return core.constant((x * scale).astype(dt.as_numpy_dtype))


EXPORTS: dict[str, list[str]] = {"math": ["sobol_sample"]}
