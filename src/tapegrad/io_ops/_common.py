"""Argument conversions the io ops share: string inputs (bytes, str, lists, NumPy arrays, string tensors, symbolic
tensors inside ``Dataset.map``) as object arrays of ``bytes``, one encoded blob, a file path."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["string_array", "scalar_bytes", "path_of", "value_of"]


def value_of(value: Any, op: str) -> Any:
    """A tensor's NumPy value (``.numpy()`` is refused inside dataset functions), other values as they are. Inside
    a ``tapegrad.function`` trace the io ops would compute on the traced call's values and freeze the result into
    the program: refused with ``TraceError`` instead."""
    from .._tape import local
    from .._tensor import _TensorLike

    if not isinstance(value, _TensorLike):
        return value
    if getattr(local, "tracer", None) is not None:
        from ..compiler.trace import TraceError

        raise TraceError(f"tf.io.{op} runs in Python on the bytes and cannot be traced into a tapegrad.function "
                         "(the traced result would be frozen into the program): call it eagerly or in "
                         "Dataset.map (tapegrad runs map functions eagerly), or wrap it in tf.py_function.")
    return value._value


def string_array(value: Any, op: str) -> np.ndarray:
    """``value`` as an object array of ``bytes`` of its shape (``str`` is encoded as UTF-8)."""
    v = value_of(value, op)
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


def path_of(value: Any, op: str = "gfile") -> str:
    """A file name given as str, bytes, ``os.PathLike`` or a string scalar tensor."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return scalar_bytes(value, op, "the file name").decode("utf-8")
