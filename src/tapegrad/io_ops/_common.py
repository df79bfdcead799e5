"""Argument conversions the io ops share: string inputs (bytes, str, lists, NumPy arrays, string tensors, symbolic
tensors inside ``Dataset.map``) as object arrays of ``bytes``, one encoded blob, a file path."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["string_array", "scalar_bytes", "path_of"]


def string_array(value: Any, op: str) -> np.ndarray:
    """``value`` as an object array of ``bytes`` of its shape (``str`` is encoded as UTF-8)."""
    v = getattr(value, "_value", value)  # a tensor's value (``.numpy()`` is refused inside dataset functions)
    if isinstance(v, (bytes, str)):
        out = np.empty((), dtype=object)
        out[()] = v.encode("utf-8") if isinstance(v, str) else v
        return out
    if isinstance(v, np.ndarray) and v.dtype == object:
        return v
    from .._strings import to_bytes_array

    try:
        return np.asarray(to_bytes_array(v, op), dtype=object)
    except TypeError:
        raise TypeError(f"{op}: expected a string tensor (bytes); got {type(value).__name__}.") from None


def scalar_bytes(value: Any, op: str, what: str = "contents") -> bytes:
    """One string (a scalar) as ``bytes``; a tensor of another shape is ``InvalidArgumentError``."""
    arr = string_array(value, op)
    if arr.ndim != 0:
        raise InvalidArgumentError(f"{op}: {what} must be a scalar string; got shape {list(arr.shape)}.")
    return bytes(arr[()])


def path_of(value: Any) -> str:
    """A file name given as str, bytes, ``os.PathLike`` or a string scalar tensor."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return scalar_bytes(value, "file name", "the file name").decode("utf-8")
