"""Conversion of Python/NumPy text to tapegrad's ``string`` values: NumPy object arrays of ``bytes`` (TF's storage:
``str`` is encoded as UTF-8, ``bytes`` kept as is)."""

from __future__ import annotations

from typing import Any

import numpy as np

OBJECT = np.dtype(object)


class StringScalar(np.ndarray):
    """The value of a scalar string tensor: a 0-d object array that stays a 0-d array through NumPy ufuncs
    (``a + b`` on plain 0-d object arrays returns a bare ``bytes``, which is not a tensor value)."""

    def __array_wrap__(self, arr: Any, context: Any = None, return_scalar: bool = False) -> Any:
        if arr.ndim == 0 and arr.dtype == OBJECT:
            return arr.view(StringScalar)
        arr = arr.view(np.ndarray)
        return arr[()] if return_scalar else arr


def scalar(value: Any) -> np.ndarray:
    """A 0-d string value holding ``value`` (``bytes``; ``str`` is encoded as UTF-8)."""
    out = np.empty((), dtype=OBJECT).view(StringScalar)
    out[()] = _encode(value)
    return out


def as_value(v: Any) -> Any:
    """A raw result that may be a bare ``bytes`` (an element NumPy took out of an object array) as a tensor value."""
    if isinstance(v, (bytes, str)):
        return scalar(v)
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype == OBJECT and type(v) is not StringScalar:
        return v.view(StringScalar)
    return v


def is_text(value: Any) -> bool:
    """True for a ``str``/``bytes`` value, a NumPy str/bytes array or scalar, or a (nested) list whose first leaf
    is text: the values ``tf.constant`` turns into a string tensor."""
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "SU" or (value.dtype.kind == "O" and value.size > 0 and
                                            isinstance(value.flat[0], (str, bytes)))
    return False


def _encode(x: Any) -> bytes:
    if isinstance(x, bytes):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    raise TypeError(x)


def to_bytes_array(value: Any, op: str = "constant") -> np.ndarray:
    """``value`` (text, NumPy text arrays, nested lists of text) as a new object array of ``bytes``.

    Raises TypeError for non-text leaves (TF: "Cannot convert 1 to EagerTensor of dtype string") and ValueError
    for ragged nesting or a mix of text and numbers (TF: "Can't convert Python sequence with mixed types")."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "SU":
        flat = [_encode(x) for x in value.reshape(-1).tolist()]
        out = np.empty(len(flat), dtype=OBJECT)
        out[:] = flat
        return as_value(out.reshape(value.shape))
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return scalar(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        raise TypeError(f"{op}: cannot convert a NumPy array of dtype {value.dtype} to a tensor of dtype string; "
                        "format numbers with tapegrad.strings.as_string.")
    shape, leaves = _shape_and_leaves(value, op)
    out = np.empty(len(leaves), dtype=OBJECT)
    try:
        out[:] = [_encode(x) for x in leaves]
    except TypeError as exc:
        bad = exc.args[0] if exc.args else None
        if any(isinstance(x, (str, bytes)) for x in leaves) and value is not bad:
            raise ValueError(f"{op}: cannot convert a Python sequence that mixes text with {type(bad).__name__} "
                             f"values ({bad!r}) to a tensor.") from None
        raise TypeError(f"{op}: cannot convert {bad!r} to a tensor of dtype string; format numbers with "
                        "tapegrad.strings.as_string.") from None
    return as_value(out.reshape(shape))


def _shape_and_leaves(value: Any, op: str) -> tuple[tuple[int, ...], list[Any]]:
    if isinstance(value, np.ndarray):
        return value.shape, [x.item() if isinstance(x, np.generic) else x for x in value.reshape(-1).tolist()]
    if not isinstance(value, (list, tuple)):
        return (), [value.item() if isinstance(value, np.generic) else value]
    if not value:
        return (0,), []
    parts = [_shape_and_leaves(v, op) for v in value]
    first = parts[0][0]
    if any(p[0] != first for p in parts):
        raise ValueError(f"{op}: cannot convert a nested list whose rows have different lengths to a tensor "
                         f"(shapes {[list(p[0]) for p in parts[:4]]}); use tapegrad.ragged.constant for ragged "
                         "data.")
    return (len(value), *first), [x for p in parts for x in p[1]]
