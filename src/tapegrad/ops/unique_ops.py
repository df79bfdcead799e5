"""``tf.unique`` and ``tf.unique_with_counts``: the distinct values of a 1-D tensor, in order of first occurrence.

Their output shapes depend on the values, so inside a compiled function they are ordinary graph ops whose
results get a new size on every call (no guard: the program just runs them); under ``jit_compile=True``
``unique`` runs as a NumPy call between the kernels (TF 2.21's XLA compiles it), while ``unique_with_counts``
is refused, as XLA refuses TF's ``UniqueWithCounts``. Neither has a gradient (TF: ``LookupError``).
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import applyn
from .._registry import NO_GRADIENT, defop, spec
from ..errors import InvalidArgumentError
from .core import convert_to_tensor

__all__ = ["unique", "unique_with_counts", "Unique", "UniqueWithCounts"]

Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _first_occurrence(F: Any, x: Any) -> tuple[Any, Any, Any]:
    """(values in order of first occurrence, index of each element's value among them, counts)."""
    values, first, inverse, counts = np.unique(np.asarray(x), return_index=True, return_inverse=True,
                                               return_counts=True)
    order = np.argsort(first, kind="stable")  # np.unique sorts; TF keeps the order of first occurrence
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return values[order], rank[inverse.reshape(-1)], counts[order]


def _unique_fwd(F: Any, x: Any, *, out_idx: Any) -> tuple[Any, Any]:
    y, idx, _ = _first_occurrence(F, x)
    return F.asarray(y.astype(x.dtype, copy=False)), F.asarray(idx.astype(out_idx))


def _unique_counts_fwd(F: Any, x: Any, *, out_idx: Any) -> tuple[Any, Any, Any]:
    y, idx, counts = _first_occurrence(F, x)
    return (F.asarray(y.astype(x.dtype, copy=False)), F.asarray(idx.astype(out_idx)),
            F.asarray(counts.astype(out_idx)))


def _ref_unique(x: Any) -> tuple[Any, Any]:
    seen: dict[Any, int] = {}
    idx = [seen.setdefault(v, len(seen)) for v in x.tolist()]
    return np.array(list(seen), dtype=x.dtype), np.array(idx, dtype=np.int32)


def _ref_counts(x: Any) -> tuple[Any, Any, Any]:
    y, idx = _ref_unique(x)
    return y, idx, np.bincount(idx, minlength=len(y)).astype(np.int32)


UNIQUE = defop("unique", _unique_fwd, NO_GRADIENT, multi=True,
               test=spec(lambda tf, x: tf.unique(x), lambda rng: (rng.integers(-3, 4, size=(12,)).astype(np.int32),),
                         ref=_ref_unique, grad=()))
UNIQUE_WITH_COUNTS = defop("unique_with_counts", _unique_counts_fwd, NO_GRADIENT, multi=True, xla=False,
                           test=spec(lambda tf, x: tf.unique_with_counts(x),
                                     lambda rng: (rng.normal(size=(9,)).round(0),), ref=_ref_counts, grad=()))


def _prepare(x: Any, out_idx: Any, op: str) -> tuple[Any, Any]:
    t = convert_to_tensor(x)
    if t._value.ndim != 1:
        raise InvalidArgumentError(f"{op}: expects a 1-D tensor, got shape {tuple(t._value.shape)}; flatten it "
                                   "first (tf.reshape(x, [-1])).")
    dt = _dtypes.as_dtype(out_idx)
    if dt.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: out_idx must be tf.int32 or tf.int64, got {dt.name}.")
    return t, dt._np


def unique(x: Any, out_idx: Any = "int32", name: str | None = None) -> Unique:
    """The distinct values of the 1-D tensor ``x`` in order of first occurrence, and for each element of ``x`` the
    index of its value among them: ``Unique(y, idx)`` with ``x == tf.gather(y, idx)``. ``idx`` has dtype
    ``out_idx`` (int32 or int64). No gradient.

    >>> import tapegrad as tf
    >>> y, idx = tf.unique(tf.constant([1, 2, 1, 4]))
    >>> y.numpy().tolist(), idx.numpy().tolist()
    ([1, 2, 4], [0, 1, 0, 2])
    """
    t, dt = _prepare(x, out_idx, "unique")
    y, idx = applyn(UNIQUE, (t,), {"out_idx": dt})
    return Unique(y, idx)


def unique_with_counts(x: Any, out_idx: Any = "int32", name: str | None = None) -> UniqueWithCounts:
    """:func:`unique` plus how many times each distinct value occurs: ``UniqueWithCounts(y, idx, count)``.

    >>> import tapegrad as tf
    >>> r = tf.unique_with_counts(tf.constant([3, 2, 3, 3]))
    >>> r.y.numpy().tolist(), r.idx.numpy().tolist(), r.count.numpy().tolist()
    ([3, 2], [0, 1, 0, 0], [3, 1])
    """
    t, dt = _prepare(x, out_idx, "unique_with_counts")
    y, idx, count = applyn(UNIQUE_WITH_COUNTS, (t,), {"out_idx": dt})
    return UniqueWithCounts(y, idx, count)


EXPORTS = {"": ["unique", "unique_with_counts"]}
