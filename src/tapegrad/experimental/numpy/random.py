"""``tf.experimental.numpy.random``: NumPy-style sampling on tapegrad's random ops (seeded by ``seed``, which sets
the global seed as ``tf.random.set_seed`` does; floats are float64 unless float64 is disallowed)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import dtypes as _tgd
from ._dtypes import asarray, result_type

__all__ = ["poisson", "rand", "randint", "randn", "random", "seed", "standard_normal", "uniform"]


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _size(size: Any) -> Any:
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return size


def seed(s: Any) -> None:
    """Set the global random seed (``tf.random.set_seed``).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.random.seed(1)
    """
    try:
        s = int(s)
    except TypeError:
        raise ValueError(f"seed: the seed must be an integer, got {s!r}.") from None
    _tg().random.set_seed(s)


def standard_normal(size: Any = None) -> Any:
    """Samples from the standard normal distribution (float64 by default).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.random.standard_normal([2, 3]).shape
    TensorShape([2, 3])
    """
    return _tg().random.normal(_size(size), dtype=result_type(float))


def randn(*args: int) -> Any:
    """Standard normal samples of shape ``args``."""
    return standard_normal(size=args)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None) -> Any:
    """Uniform samples in ``[low, high)`` (the broadcast shape of the bounds when ``size`` is None)."""
    dt = result_type(float)
    low_t, high_t = asarray(low, dtype=dt), asarray(high, dtype=dt)
    if size is None:
        size = list(np.broadcast_shapes(tuple(low_t.shape.as_list()), tuple(high_t.shape.as_list())))
    return _tg().random.uniform(_size(size), minval=low_t, maxval=high_t, dtype=dt)


def random(size: Any = None) -> Any:
    """Uniform samples in ``[0, 1)``."""
    return uniform(0.0, 1.0, size)


def rand(*size: int) -> Any:
    """Uniform samples in ``[0, 1)`` of shape ``size``."""
    return uniform(0.0, 1.0, size)


def randint(low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64) -> Any:
    """Integers drawn uniformly from ``[low, high)`` (``[0, low)`` when ``high`` is None); int32 or int64.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.random.randint(3, size=4).dtype
    tapegrad.int64
    """
    low = int(low)
    if high is None:
        low, high = 0, low
    dt = result_type(dtype)
    if dt not in (_tgd.int32, _tgd.int64):
        raise ValueError(f"randint: dtype must be convertible to int32 or int64, got {dtype!r}.")
    return _tg().random.uniform(_size(size), minval=low, maxval=int(high), dtype=dt)


def poisson(lam: Any = 1.0, size: Any = None) -> Any:
    """Poisson samples with rate ``lam`` (int64)."""
    return _tg().random.poisson(_size(size), lam, dtype=_tgd.int64)
