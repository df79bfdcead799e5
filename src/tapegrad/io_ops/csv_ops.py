"""``tf.io.decode_csv`` and the CSV record parsing ``CsvDataset`` shares (TensorFlow's rules: RFC 4180 quoting
with ``""`` for a quote inside a quoted field, a one-character delimiter, ``na_value`` and empty fields take the
column's default, a column without a default is required, numbers as ``strtol``/``strtod`` read them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import string_array

__all__ = ["decode_csv", "split_record", "Columns"]

_TYPES = ("int32", "int64", "float32", "float64", "string")
_LIMITS = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}


def split_record(record: bytes, delim: bytes, quote: bool, where: str, empty_is_one_field: bool = False
                 ) -> list[bytes]:
    """The fields of one CSV record. Quoted fields may hold the delimiter, newlines and ``""`` (a quote)."""
    if not record:
        return [b""] if empty_is_one_field else []
    if not quote or b'"' not in record:
        fields = record.split(delim)
        if any(b"\n" in f or b"\r" in f for f in fields) and quote:
            raise InvalidArgumentError(f"Unquoted fields cannot have quotes/CRLFs inside ({where}); quote the field.")
        return fields
    out, i, n, d = [], 0, len(record), delim[0]
    while True:
        if i < n and record[i] == 0x22:  # a quoted field
            buf = bytearray()
            i += 1
            while True:
                if i >= n:
                    raise InvalidArgumentError(f"Quoted field has to end with quote followed by delim or end "
                                               f"({where}).")
                c = record[i]
                if c == 0x22:
                    if i + 1 < n and record[i + 1] == 0x22:
                        buf.append(0x22)
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(c)
                i += 1
            if i < n and record[i] != d:
                raise InvalidArgumentError(f"Quote inside a string has to be escaped by another quote ({where}).")
            out.append(bytes(buf))
        else:
            j = record.find(delim, i)
            j = n if j < 0 else j
            field = record[i:j]
            if b'"' in field or b"\n" in field or b"\r" in field:
                raise InvalidArgumentError(f"Unquoted fields cannot have quotes/CRLFs inside ({where}): {field!r}; "
                                           "quote the field and double its quotes.")
            out.append(field)
            i = j
        if i >= n:
            return out
        i += 1  # the delimiter
        if i == n:
            out.append(b"")
            return out


def _number(text: bytes, dtype: str) -> Any:
    """``text`` as ``dtype`` (surrounding spaces allowed, as strtol/strtod), or None if it is not one."""
    if b"_" in text:
        return None
    try:
        if dtype in _LIMITS:
            v = int(text)
            lo, hi = _LIMITS[dtype]
            return v if lo <= v <= hi else None
        v = float(text)
    except ValueError:
        return None
    return np.float32(v) if dtype == "float32" else v


class Columns:
    """Parsed ``record_defaults``: each column's dtype name and default (None: required)."""

    def __init__(self, record_defaults: Any, select_cols: Any, where: str) -> None:
        if record_defaults is None or not len(record_defaults):
            raise ValueError(f"{where}: record_defaults must name at least one column.")
        self.dtypes: list[str] = []
        self.defaults: list[Any] = []
        for k, d in enumerate(record_defaults):
            dtype, default = _column(d, k, where)
            self.dtypes.append(dtype)
            self.defaults.append(default)
        self.select = None
        if select_cols is not None:
            cols = [int(c) for c in select_cols]
            if any(b <= a for a, b in zip(cols, cols[1:])):
                raise ValueError("select_cols is not strictly increasing.")
            if cols and cols[0] < 0:
                raise ValueError("select_cols contains negative values.")
            if len(cols) != len(self.dtypes):
                raise ValueError(f"Length of select_cols ({len(cols)}) and record_defaults ({len(self.dtypes)}) do "
                                 "not match.")
            self.select = cols

    def parse(self, fields: list[bytes], na_value: bytes, where: str) -> list[Any]:
        """The column values of one record's fields."""
        if self.select is None:
            if len(fields) != len(self.dtypes):
                raise InvalidArgumentError(f"Expect {len(self.dtypes)} fields but have {len(fields)} in {where}.")
            chosen = fields
        else:
            if len(fields) <= self.select[-1]:
                raise InvalidArgumentError(f"Expect at least {self.select[-1] + 1} fields (select_cols) but have "
                                           f"{len(fields)} in {where}.")
            chosen = [fields[c] for c in self.select]
        out = []
        for k, (field, dtype, default) in enumerate(zip(chosen, self.dtypes, self.defaults)):
            if not field or field == na_value:
                if default is None:
                    raise InvalidArgumentError(f"Field {k} is required but missing in {where}! Give the column a "
                                               "default in record_defaults to allow empty fields.")
                out.append(default)
                continue
            if dtype == "string":
                out.append(field)
                continue
            v = _number(field, dtype)
            if v is None:
                raise InvalidArgumentError(f"Field {k} in {where} is not a valid {dtype}: "
                                           f"{field.decode('utf-8', 'replace')}")
            out.append(v)
        return out


def _column(default: Any, k: int, where: str) -> tuple[str, Any]:
    """A record default: a dtype (required column), a list ``[value]``/``[]`` or a tensor of at most one value."""
    from ..ops import core

    if isinstance(default, _dtypes.DType) or (isinstance(default, type) and issubclass(default, np.generic)):
        name = _dtypes.as_dtype(default).name
        if name not in _TYPES:
            raise InvalidArgumentError(f"{where}: column {k} has dtype {name}; CSV columns are int32, int64, "
                                       "float32, float64 or string.")
        return name, None
    if isinstance(default, (list, tuple)) and len(default) == 1 and not isinstance(default[0], (list, tuple)):
        default = default[0]  # [value]: the value's own dtype (a tensor's or NumPy value's is kept)
    t = default if hasattr(default, "_value") else core.convert_to_tensor(default)
    name = t.dtype.name
    arr = np.asarray(t._value)
    if name not in _TYPES:
        raise InvalidArgumentError(f"{where}: record default {k} has dtype {name}; CSV columns are int32, int64, "
                                   "float32, float64 or string.")
    if arr.ndim > 1:
        raise InvalidArgumentError(f"Each record default should be at most rank 1 (default {k} has shape "
                                   f"{list(arr.shape)}).")
    if arr.size > 1:
        raise InvalidArgumentError(f"Record default {k} has {arr.size} values; give one value or none (required).")
    if arr.size == 0:
        return name, None
    value = arr.reshape(-1)[0]
    return name, (bytes(value) if name == "string" else value)


def _text(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError(f"{what} must be a string; got {type(value).__name__}.")


@in_programs
def decode_csv(records: Any, record_defaults: Any, field_delim: str = ",", use_quote_delim: bool = True,
               name: str | None = None, na_value: str = "", select_cols: Any = None) -> list[Any]:
    """Parse CSV records (a string tensor of any shape) into one tensor per column, each of the records' shape.

    ``record_defaults``: one entry per column: ``[value]`` (its dtype is the column's: int32, int64, float32,
    float64 or string; empty fields and ``na_value`` take the value) or ``[]``/an empty tensor (required).
    ``field_delim``: one character; ``use_quote_delim``: ``"..."`` fields may hold the delimiter and ``""``;
    ``select_cols``: strictly increasing indices of the columns to keep (one default each). Bad fields raise
    ``InvalidArgumentError`` naming the field and record.

    >>> import tapegrad as tf
    >>> a, b, c = tf.io.decode_csv(["1,2.5,x", '3,,"y,z"'], [[0], [0.0], ["?"]])
    >>> a.numpy().tolist(), b.numpy().tolist(), c.numpy().tolist()
    ([1, 3], [2.5, 0.0], [b'x', b'y,z'])
    >>> [t.numpy().tolist() for t in tf.io.decode_csv(["1;2;3"], [[0], [0]], field_delim=";", select_cols=[0, 2])]
    [[1], [3]]
    """
    from ..ops import core

    delim = _text(field_delim, "field_delim")
    if len(delim) != 1:
        raise InvalidArgumentError(f"field_delim should be only 1 char; got {field_delim!r}.")
    na = _text(na_value, "na_value")
    columns = Columns(record_defaults, select_cols, "decode_csv")
    arr = string_array(records, "decode_csv")
    rows = []
    for i, rec in enumerate(arr.reshape(-1)):
        where = f"record {i}"
        rows.append(columns.parse(split_record(bytes(rec), delim, use_quote_delim, where), na, where))
    out = []
    for k, dtype in enumerate(columns.dtypes):
        np_dtype = object if dtype == "string" else np.dtype(_dtypes.as_dtype(dtype).as_numpy_dtype)
        col = np.empty(len(rows), dtype=np_dtype)
        col[:] = [r[k] for r in rows]
        out.append(core.constant(col.reshape(arr.shape), dtype=dtype))
    return out
