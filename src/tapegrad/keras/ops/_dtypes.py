"""Keras 3's dtype promotion for ``keras.ops`` (``keras.backend.result_type``), and the conversions every op shares.

Keras promotes dtypes on a lattice (the one JAX uses), not with TensorFlow's "same dtype or error" rule: an
``int32`` tensor plus a ``float16`` tensor is ``float16``, ``uint8`` with ``int8`` is ``int16``, and a Python
``int``/``float`` is *weak* (``float16 tensor * 2.5`` stays ``float16``). A result that is only weak (Python numbers
alone) takes the precision of ``keras.config.floatx()``; on the TensorFlow backend ``int64``/``float64`` stay 64-bit.

>>> from tapegrad.keras.ops._dtypes import result_type
>>> result_type("int32", "float16"), result_type("uint8", "int8"), result_type("float16", float), result_type(int)
('float16', 'int16', 'float16', 'int32')
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

import tapegrad as tg

from .. import backend as _state

FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
ALLOWED = (*FLOAT_TYPES, *INT_TYPES, "bool", "string", "complex64", "complex128", "float8_e4m3fn", "float8_e5m2")

# Each node's direct successors; "int"/"float"/"complex" are the weak (Python-number) kinds.
_EDGES: dict[str, tuple[str, ...]] = {
    "bool": ("int",),
    "int": ("uint8", "int8", "complex64"),
    "uint8": ("uint16", "int16"), "uint16": ("uint32", "int32"), "uint32": ("uint64", "int64"), "uint64": ("float",),
    "int8": ("int16",), "int16": ("int32",), "int32": ("int64",), "int64": ("float",),
    "float": ("bfloat16", "float16"), "bfloat16": ("float32",), "float16": ("float32",),
    "float32": ("float64", "complex64"), "float64": ("complex128",),
    "complex64": ("complex128",), "complex128": (),
}


def _above(node: str) -> frozenset[str]:
    seen = {node}
    todo = [node]
    while todo:
        for nxt in _EDGES[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


_UPPER = {n: _above(n) for n in _EDGES}


def _join(nodes: frozenset[str]) -> str:
    common = frozenset.intersection(*(_UPPER[n] for n in nodes))
    # the least element of the common upper bounds: the one every other common bound lies above
    least = [c for c in common if common <= _UPPER[c]]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(sorted(nodes))} have no implicit dtype promotion path; cast the "
                         "inputs to the dtype you want first.")
    return least[0]


def standardize_dtype(dtype: Any) -> str:
    """Keras's dtype name for ``dtype`` (a string, NumPy or tapegrad dtype, or a Python type; ``None`` → floatx).

    >>> standardize_dtype(None), standardize_dtype(int), standardize_dtype("float"), standardize_dtype(np.int8)
    ('float32', 'int64', 'float32', 'int8')
    """
    if dtype is None:
        return _state.floatx()
    if dtype is int or (isinstance(dtype, str) and dtype == "int"):
        return "int64"
    if dtype is float or (isinstance(dtype, str) and dtype == "float"):
        return "float32"
    if dtype is bool:
        return "bool"
    if dtype is complex:
        return "complex128"
    if dtype is str:
        return "string"
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and not isinstance(dtype, str):
        out = name
    elif isinstance(dtype, str):
        out = dtype
    else:
        try:
            out = np.dtype(dtype).name
        except TypeError:
            out = str(dtype)
    if out == "double":
        out = "float64"
    elif out == "half":
        out = "float16"
    if out not in ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {ALLOWED}.")
    return out


@functools.lru_cache(maxsize=512)
def _lattice(floatx: str, *items: tuple[str, bool]) -> str:
    names = {d for d, _ in items}
    if len(items) == 1:
        out, weak = items[0]
    elif len(names) == 1 and not all(w for _, w in items):
        out, weak = items[0][0], False
    else:
        def node(d: str, w: bool) -> str:
            if not w or d == "bool":
                return d
            return "float" if "float" in d else d if "complex" in d else "int"
        all_weak = all(w for _, w in items)
        out = _join(frozenset(node(d, w and not all_weak) for d, w in items))
        weak = all_weak or out in ("int", "float")
    if weak and out != "bool":
        bits = floatx[-2:]
        kind = "float" if out.startswith(("f", "b", "c")) else "uint" if out.startswith("u") else "int"
        out = f"{kind}{bits}"
    # the TensorFlow backend's 64-to-32-bit map: only these two narrow (int64/float64 stay)
    return {"uint64": "uint32", "complex128": "complex64"}.get(out, out)


def result_type(*dtypes: Any) -> str:
    """The dtype Keras's promotion rules give ``dtypes`` (Python ``int``/``float`` types are weak).

    >>> result_type("int8", "uint8"), result_type("bool", int), result_type("bfloat16", "float16")
    ('int16', 'int32', 'float32')
    """
    if not dtypes:
        return _state.floatx()
    items = []
    for d in dtypes:
        if d is None:
            d = _state.floatx()
        if isinstance(d, str) and d.startswith("float8"):
            raise ValueError(f"There is no implicit conversion from float8 dtypes to others; cast first. "
                             f"Received: {dtypes}")
        items.append((standardize_dtype(d), d is int or d is float))
    return _lattice(_state.floatx(), *items)


def is_python_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def dtype_of(x: Any) -> Any:
    """The dtype of a tensor/array, or the (weak) Python type of a number."""
    if is_python_number(x):
        return type(x)
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return standardize_dtype(dt)
    return standardize_dtype(convert(x).dtype)


def convert(x: Any, dtype: Any = None) -> Any:
    """``x`` as a tapegrad tensor (``dtype`` casts it); Keras variables give their value."""
    value = getattr(x, "value", None)
    if value is not None and not callable(value) and hasattr(x, "_path"):
        x = value
    if dtype is not None:
        dtype = standardize_dtype(dtype)
        if isinstance(x, tg.Tensor) or isinstance(x, tg.Variable):
            return x if x.dtype.name == dtype else tg.cast(x, dtype)
        if isinstance(x, np.ndarray) and x.dtype.name != dtype:
            return tg.cast(tg.convert_to_tensor(x), dtype)
        try:
            return tg.convert_to_tensor(x, dtype=dtype)
        except (TypeError, ValueError):
            return tg.cast(tg.convert_to_tensor(x), dtype)
    if isinstance(x, tg.Tensor):
        return x
    return tg.convert_to_tensor(x)


def cast(x: Any, dtype: str) -> Any:
    x = convert(x)
    return x if x.dtype.name == dtype else tg.cast(x, dtype)


def promote(*xs: Any, extra: tuple[Any, ...] = (), weak: bool = False) -> tuple[list[Any], str]:
    """Convert ``xs`` to tensors of their Keras result type (with ``extra`` dtypes in the promotion).

    With ``weak``, Python numbers take part as weak types (Keras's ``add``, ``multiply``, ``where``, ...); without,
    they are converted first (``int`` → ``int32``, ``float`` → ``float32``), as most Keras ops do.
    """
    if not extra and type(xs[0]) is tg.Tensor:  # fast path: tensors of one dtype stay as they are
        d0 = xs[0].dtype
        if d0.name not in ("uint64", "complex128") and all(type(x) is tg.Tensor and x.dtype == d0 for x in xs):
            return list(xs), d0.name
    dtype = result_type(*(dtype_of(x) if weak else standardize_dtype(convert(x).dtype) for x in xs), *extra)
    return [convert(x, dtype) for x in xs], dtype


def float_of(x: Any) -> Any:
    """``x`` as a float tensor: integers and booleans go to ``floatx`` (Keras's ``result_type(x.dtype, float)``)."""
    x = convert(x)
    dtype = result_type(x.dtype.name, float)
    return cast(x, dtype)
