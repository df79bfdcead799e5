"""The protocol buffer wire format, hand-written (no ``protobuf`` dependency), and a small message base class.

Wire format (https://protobuf.dev/programming-guides/encoding/): a message is a sequence of fields, each a varint
key ``(field_number << 3) | wire_type`` followed by its payload: wire type 0 a varint (negative int64 values are
their two's complement, ten bytes), 1 eight little-endian bytes, 2 a varint length and that many bytes (strings,
bytes, sub-messages, packed repeated scalars), 5 four little-endian bytes. Known fields are written in field-number
order, map entries sorted by key (protobuf's deterministic serialisation), repeated numeric fields packed; on read
both packed and unpacked forms are accepted and unknown fields are kept and written back.

A message class lists its fields in ``_FIELDS`` (:class:`Field`); :class:`Message` gives it protobuf's Python API:
keyword constructor (nested messages as messages or dicts), attribute access that returns a default sub-message
which becomes present when modified, repeated and map containers, ``SerializeToString``/``FromString``/
``ParseFromString``/``MergeFromString``, ``HasField``/``WhichOneof``/``ClearField``/``CopyFrom``/``MergeFrom``,
equality and the text format as ``str``/``repr``.

>>> from tapegrad._proto import encode_varint, read_varint
>>> encode_varint(300).hex(), encode_varint(-1).hex()
('ac02', 'ffffffffffffffffff01')
>>> read_varint(bytes.fromhex("ac02"), 0)
(300, 2)
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

__all__ = ["DecodeError", "Field", "Message", "encode_varint", "read_varint", "iter_fields"]

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_MASK64 = (1 << 64) - 1


class DecodeError(Exception):
    """Bytes that are not a valid serialisation of the message (protobuf's ``message.DecodeError``)."""


# -- wire primitives ---------------------------------------------------------------------------------------------

def encode_varint(value: int) -> bytes:
    """``value`` (negative: its 64-bit two's complement) as a base-128 varint."""
    value &= _MASK64
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(buf: bytes | memoryview, pos: int) -> tuple[int, int]:
    """The unsigned varint at ``buf[pos:]`` and the position after it (DecodeError if truncated or too long)."""
    result = shift = 0
    n = len(buf)
    while True:
        if pos >= n:
            raise DecodeError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint longer than 10 bytes")


def _signed(u: int) -> int:
    return u - (1 << 64) if u > _INT64_MAX else u


def iter_fields(buf: bytes | memoryview) -> Iterator[tuple[int, int, Any, int, int]]:
    """``(field_number, wire_type, payload, start, end)`` for each field of a serialised message: the payload is an
    int for wire types 0, 1 and 5 (raw bits) and a ``memoryview`` for wire type 2; ``buf[start:end]`` is the
    whole field (kept verbatim for unknown fields)."""
    mv = memoryview(buf)
    pos, n = 0, len(mv)
    while pos < n:
        start = pos
        key = mv[pos]  # one-byte keys and lengths (the common case) skip the general varint reader
        if key < 0x80:
            pos += 1
        else:
            key, pos = read_varint(mv, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0")
        if wire == 0:
            value, pos = read_varint(mv, pos)
        elif wire == 2:
            size = mv[pos] if pos < n else 0x80
            if size < 0x80:
                pos += 1
            else:
                size, pos = read_varint(mv, pos)
            if pos + size > n:
                raise DecodeError("length-delimited field runs past the end")
            value, pos = mv[pos:pos + size], pos + size
        elif wire == 5:
            if pos + 4 > n:
                raise DecodeError("truncated fixed32")
            value, pos = int.from_bytes(mv[pos:pos + 4], "little"), pos + 4
        elif wire == 1:
            if pos + 8 > n:
                raise DecodeError("truncated fixed64")
            value, pos = int.from_bytes(mv[pos:pos + 8], "little"), pos + 8
        else:  # groups (3, 4) are not used by any message here
            raise DecodeError(f"unsupported wire type {wire}")
        yield number, wire, value, start, pos


def _unpack_varints(data: memoryview) -> list[int]:
    out, pos, n = [], 0, len(data)
    while pos < n:
        v, pos = read_varint(data, pos)
        out.append(v)
    return out


def _float32(x: float) -> float:
    return float(np.float32(x))


# -- text format -------------------------------------------------------------------------------------------------

def _escape(data: bytes, utf8: bool) -> str:
    """protobuf's text escaping: C escapes for \\n \\r \\t " ' \\\\, octal for other non-printable bytes (and for
    bytes >= 0x80 unless the field is a UTF-8 string)."""
    out = []
    for b in data:
        c = chr(b)
        if c in '\n\r\t"\'\\':
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "'": "\\'", "\\": "\\\\"}[c])
        elif 0x20 <= b < 0x7F or (utf8 and b >= 0x80):
            out.append(c)
        else:
            out.append(f"\\{b:03o}")
    text = "".join(out)
    return text.encode("latin-1").decode("utf-8", "backslashreplace") if utf8 else text


def _format_float(x: float, double: bool) -> str:
    """upb's round-trip float text: ``%.{6,15}g``, or ``%.{9,17}g`` where the short form does not round-trip."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    short, long_ = (15, 17) if double else (6, 9)
    text = f"{x:.{short}g}"
    back = float(text) if double else _float32(float(text))
    return text if back == x else f"{x:.{long_}g}"


# -- fields --------------------------------------------------------------------------------------------------------

_SCALAR_WIRE = {"int64": 0, "int32": 0, "uint64": 0, "bool": 0, "enum": 0, "float": 5, "double": 1, "bytes": 2,
                "string": 2}


class Field:
    """One field of a message: ``kind`` is a scalar type name, ``"message"`` (``message`` is its class) or
    ``"map"`` (string keys, ``message`` values); ``oneof`` names the group it belongs to."""

    __slots__ = ("name", "number", "kind", "repeated", "message", "oneof", "packed")

    def __init__(self, name: str, number: int, kind: str, repeated: bool = False, message: Any = None,
                 oneof: str | None = None) -> None:
        self.name, self.number, self.kind, self.repeated = name, number, kind, repeated
        self.message, self.oneof = message, oneof
        self.packed = repeated and kind not in ("bytes", "string", "message", "map")

    # conversion of a Python value for this scalar field, with protobuf's type checks
    def check(self, owner: str, v: Any) -> Any:
        kind = self.kind
        if kind in ("int64", "int32", "uint64", "enum"):
            if isinstance(v, (bool, np.bool_)):
                raise TypeError(f"Field {owner}.{self.name}: expected an int, got a boolean ({v!r}).")
            if not isinstance(v, (int, np.integer)):
                raise TypeError(f"Field {owner}.{self.name}: expected an int, got {type(v).__name__} ({v!r}); "
                                "convert it with int() (floats are not truncated silently).")
            v = int(v)
            lo, hi = {"int64": (_INT64_MIN, _INT64_MAX), "int32": (-(1 << 31), (1 << 31) - 1),
                      "uint64": (0, _MASK64), "enum": (-(1 << 31), (1 << 31) - 1)}[kind]
            if not lo <= v <= hi:
                raise ValueError(f"Field {owner}.{self.name}: value out of range for {kind}: {v}.")
            return v
        if kind in ("float", "double"):
            if isinstance(v, (str, bytes)) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"Field {owner}.{self.name}: expected a real number, got {type(v).__name__} "
                                f"({v!r}).")
            return _float32(v) if kind == "float" else float(v)
        if kind == "bool":
            if not isinstance(v, (bool, int, np.bool_, np.integer)):
                raise TypeError(f"Field {owner}.{self.name}: expected a bool, got {type(v).__name__}.")
            return bool(v)
        if kind == "bytes":
            if isinstance(v, (bytes, bytearray, memoryview, np.bytes_)):
                return bytes(v)
            raise TypeError(f"Field {owner}.{self.name}: expected bytes, got {type(v).__name__} ({v!r}); encode "
                            "text first (e.g. 'abc'.encode()).")
        if kind == "string":
            if isinstance(v, (bytes, np.bytes_)):
                try:
                    return bytes(v).decode("utf-8")
                except UnicodeDecodeError:
                    raise ValueError(f"Field {owner}.{self.name}: {v!r} is not valid UTF-8.") from None
            if isinstance(v, str):
                return v
            raise TypeError(f"Field {owner}.{self.name}: expected str, got {type(v).__name__} ({v!r}).")
        raise AssertionError(kind)

    def default(self) -> Any:
        return {"bytes": b"", "string": "", "float": 0.0, "double": 0.0, "bool": False}.get(self.kind, 0)

    # encoding of one scalar value (without key)
    def encode_one(self, v: Any) -> bytes:
        kind = self.kind
        if kind == "float":
            return struct.pack("<f", v)
        if kind == "double":
            return struct.pack("<d", v)
        if kind == "bytes":
            return encode_varint(len(v)) + v
        if kind == "string":
            b = v.encode("utf-8")
            return encode_varint(len(b)) + b
        return encode_varint(int(v))

    def decode_one(self, wire: int, raw: Any) -> Any:
        kind = self.kind
        if kind == "float":
            if wire != 5:
                raise DecodeError(f"field {self.name}: wire type {wire} for a float")
            return struct.unpack("<f", raw.to_bytes(4, "little"))[0]
        if kind == "double":
            if wire != 1:
                raise DecodeError(f"field {self.name}: wire type {wire} for a double")
            return struct.unpack("<d", raw.to_bytes(8, "little"))[0]
        if kind in ("bytes", "string"):
            if wire != 2:
                raise DecodeError(f"field {self.name}: wire type {wire} for {kind}")
            if kind == "bytes":
                return bytes(raw)
            try:
                return bytes(raw).decode("utf-8")
            except UnicodeDecodeError:
                raise DecodeError(f"field {self.name}: string is not valid UTF-8") from None
        if wire != 0:
            raise DecodeError(f"field {self.name}: wire type {wire} for {kind}")
        if kind == "bool":
            return raw != 0
        if kind == "int32" or kind == "enum":
            raw &= 0xFFFFFFFF
            return raw - (1 << 32) if raw >= (1 << 31) else raw
        return raw if kind == "uint64" else _signed(raw)

    def decode_packed(self, data: memoryview) -> list[Any]:
        kind = self.kind
        if kind == "float":
            if len(data) % 4:
                raise DecodeError(f"field {self.name}: packed floats of {len(data)} bytes")
            return np.frombuffer(data, "<f4").tolist()
        if kind == "double":
            if len(data) % 8:
                raise DecodeError(f"field {self.name}: packed doubles of {len(data)} bytes")
            return np.frombuffer(data, "<f8").tolist()
        return [self.decode_one(0, u) for u in _unpack_varints(data)]

    def text(self, v: Any) -> str:
        kind = self.kind
        if kind in ("float", "double"):
            return _format_float(v, kind == "double")
        if kind == "bytes":
            return '"' + _escape(v, False) + '"'
        if kind == "string":
            return '"' + _escape(v.encode("utf-8"), True) + '"'
        if kind == "bool":
            return "true" if v else "false"
        return str(v)


# -- containers ----------------------------------------------------------------------------------------------------

class _Repeated:
    """What both repeated containers share: a list of items owned by a message field."""

    __slots__ = ("_items", "_field", "_owner")

    def __init__(self, owner: Message, field: Field) -> None:
        self._items: list[Any] = []
        self._field, self._owner = field, owner

    def __getitem__(self, i: Any) -> Any:
        return self._items[i]

    def __delitem__(self, i: Any) -> None:
        del self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, type(self)):
            return self._items == other._items
        return isinstance(other, (list, tuple)) and self._items == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._items)


class RepeatedScalar(_Repeated):
    """A repeated scalar field: a list with protobuf's type checks (``append``, ``extend``, indexing, ``len``)."""

    __slots__ = ()

    def _check(self, v: Any) -> Any:
        return self._field.check(type(self._owner)._FULL_NAME, v)

    def append(self, v: Any) -> None:
        self._items.append(self._check(v))
        self._owner._modified()

    def extend(self, values: Iterable[Any]) -> None:
        if isinstance(values, np.ndarray):
            values = values.tolist()
        new = [self._check(v) for v in values]
        self._items.extend(new)
        self._owner._modified()

    def insert(self, i: int, v: Any) -> None:
        self._items.insert(i, self._check(v))
        self._owner._modified()

    def pop(self, i: int = -1) -> Any:
        return self._items.pop(i)

    def remove(self, v: Any) -> None:
        self._items.remove(v)

    def __setitem__(self, i: Any, v: Any) -> None:
        if isinstance(i, slice):
            self._items[i] = [self._check(x) for x in v]
        else:
            self._items[i] = self._check(v)
        self._owner._modified()


class RepeatedMessage(_Repeated):
    """A repeated message field: ``add(**fields)``, ``append(msg)`` (a copy), ``extend``, indexing, ``len``."""

    __slots__ = ()

    def _coerce(self, v: Any) -> Message:
        cls = self._field.message
        if isinstance(v, dict):
            return cls(**v)
        if not isinstance(v, cls):
            raise TypeError(f"{type(self._owner)._FULL_NAME}.{self._field.name} holds {cls._FULL_NAME} messages; "
                            f"got {type(v).__name__}.")
        m = cls()
        m.CopyFrom(v)
        return m

    def add(self, **kwargs: Any) -> Message:
        m = self._field.message(**kwargs)
        self._items.append(m)
        m._parent = self._owner
        self._owner._modified()
        return m

    def append(self, v: Any) -> None:
        m = self._coerce(v)
        m._parent = self._owner
        self._items.append(m)
        self._owner._modified()

    def extend(self, values: Iterable[Any]) -> None:
        for v in values:
            self.append(v)


class MessageMap:
    """A ``map<string, Message>`` field: a dict whose ``m[key]`` creates an empty entry when the key is new (as
    protobuf's message maps); ``get`` does not."""

    __slots__ = ("_items", "_field", "_owner")

    def __init__(self, owner: Message, field: Field) -> None:
        self._items: dict[str, Message] = {}
        self._field, self._owner = field, owner

    def _key(self, key: Any) -> str:
        if isinstance(key, bytes):
            key = key.decode("utf-8")
        if not isinstance(key, str):
            raise TypeError(f"{type(self._owner)._FULL_NAME}.{self._field.name}: map keys are strings; got "
                            f"{type(key).__name__} ({key!r}).")
        return key

    def __getitem__(self, key: Any) -> Message:
        key = self._key(key)
        m = self._items.get(key)
        if m is None:
            m = self._items[key] = self._field.message()
            m._parent = self._owner
            self._owner._modified()
        return m

    def __setitem__(self, key: Any, value: Any) -> None:
        raise ValueError(f"{type(self._owner)._FULL_NAME}.{self._field.name}: assigning to a message map entry is "
                         "not allowed (as protobuf); use m[key].CopyFrom(value) or construct with a dict.")

    def _put(self, key: Any, value: Any) -> None:
        cls = self._field.message
        if isinstance(value, dict):
            value = cls(**value)
        if not isinstance(value, cls):
            raise TypeError(f"{type(self._owner)._FULL_NAME}.{self._field.name}: map values are {cls._FULL_NAME} "
                            f"messages; got {type(value).__name__}.")
        self[key].CopyFrom(value)

    def get(self, key: Any, default: Any = None) -> Any:
        return self._items.get(self._key(key), default)

    def __contains__(self, key: Any) -> bool:
        return self._key(key) in self._items

    def __delitem__(self, key: Any) -> None:
        del self._items[self._key(key)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def keys(self) -> Any:
        return self._items.keys()

    def values(self) -> Any:
        return self._items.values()

    def items(self) -> Any:
        return self._items.items()

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, MessageMap):
            return self._items == other._items
        return isinstance(other, dict) and self._items == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._items)


# -- messages ------------------------------------------------------------------------------------------------------

class Message:
    """Base of the hand-written protobuf messages (see the module docstring for the API)."""

    _FIELDS: tuple[Field, ...] = ()
    _FULL_NAME = ""
    _BY_NAME: dict[str, Field]
    _BY_NUMBER: dict[int, Field]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._BY_NAME = {f.name: f for f in cls._FIELDS}
        cls._BY_NUMBER = {f.number: f for f in cls._FIELDS}

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_present", set())
        object.__setattr__(self, "_parent", None)
        object.__setattr__(self, "_unknown", b"")
        for name, value in kwargs.items():
            f = self._BY_NAME.get(name)
            if f is None:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')
            if value is None:
                continue
            if f.kind == "map":
                if not isinstance(value, dict):
                    raise TypeError(f"{self._FULL_NAME}.{name} is a map: give a dict; got {type(value).__name__}.")
                m = getattr(self, name)
                for k, v in value.items():
                    m._put(k, v)
            elif f.repeated:
                if isinstance(value, (str, bytes)):
                    raise TypeError(f"{self._FULL_NAME}.{name} is a repeated field: give a list, not a single "
                                    f"{type(value).__name__} ({value!r}).")
                getattr(self, name).extend(value)
            elif f.kind == "message":
                if isinstance(value, dict):
                    value = f.message(**value)
                if not isinstance(value, f.message):
                    raise TypeError(f"{self._FULL_NAME}.{name} is a {f.message._FULL_NAME} message; got "
                                    f"{type(value).__name__}.")
                getattr(self, name).CopyFrom(value)
                self._set_present(f)
            else:
                setattr(self, name, value)

    # presence and oneofs ----------------------------------------------------------------------------------------
    def _set_present(self, f: Field) -> None:
        if f.oneof is not None:
            for other in self._FIELDS:
                if other.oneof == f.oneof and other is not f:
                    self._present.discard(other.name)
                    self._values.pop(other.name, None)
        self._present.add(f.name)

    def _modified(self) -> None:
        """A field of this message changed: make it present in its parent (and so on up)."""
        parent = self._parent
        if parent is None:
            return
        for f in parent._FIELDS:
            if f.kind == "message" and not f.repeated and parent._values.get(f.name) is self:
                if f.name not in parent._present:
                    parent._set_present(f)
                break
        parent._modified()

    def __getattr__(self, name: str) -> Any:
        f = type(self)._BY_NAME.get(name)
        if f is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}; its fields: "
                                 f"{', '.join(type(self)._BY_NAME)}.")
        values = self._values
        if name in values:
            return values[name]
        if f.kind == "map":
            v: Any = MessageMap(self, f)
        elif f.repeated:
            v = RepeatedMessage(self, f) if f.kind == "message" else RepeatedScalar(self, f)
        elif f.kind == "message":
            v = f.message()
            v._parent = self
        else:
            return f.default()
        values[name] = v
        return v

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        f = type(self)._BY_NAME.get(name)
        if f is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}.")
        if f.repeated or f.kind == "map":
            raise AttributeError(f'Assignment not allowed to map, or repeated field "{name}" in protocol message '
                                 "object; use .append/.extend (or m[key] for a map).")
        if f.kind == "message":
            raise AttributeError(f'Assignment not allowed to message field "{name}" in protocol message object; '
                                 f"use .{name}.CopyFrom(value).")
        self._values[name] = f.check(self._FULL_NAME, value)
        self._set_present(f)
        self._modified()

    def HasField(self, name: str) -> bool:  # noqa: N802  (protobuf's name)
        f = self._BY_NAME.get(name)
        if f is None:
            oneofs = {g.oneof for g in self._FIELDS if g.oneof}
            if name in oneofs:
                return self.WhichOneof(name) is not None
            raise ValueError(f'Protocol message {type(self).__name__} has no field "{name}".')
        if f.repeated or f.kind == "map":
            raise ValueError(f'Protocol message has no singular "{name}" field (repeated fields have no presence).')
        return name in self._present

    def WhichOneof(self, group: str) -> str | None:  # noqa: N802
        members = [f for f in self._FIELDS if f.oneof == group]
        if not members:
            raise ValueError(f'Protocol message has no oneof "{group}" field.')
        for f in members:
            if f.name in self._present:
                return f.name
        return None

    def ClearField(self, name: str) -> None:  # noqa: N802
        if name not in self._BY_NAME:
            raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" field.')
        self._values.pop(name, None)
        self._present.discard(name)

    def Clear(self) -> None:  # noqa: N802
        self._values.clear()
        self._present.clear()
        self._unknown = b""

    def CopyFrom(self, other: Message) -> None:  # noqa: N802
        if type(other) is not type(self):
            raise TypeError(f"CopyFrom: expected a {type(self).__name__}, got {type(other).__name__}.")
        if other is self:
            return
        self.Clear()
        self.MergeFrom(other)

    def MergeFrom(self, other: Message) -> None:  # noqa: N802
        if type(other) is not type(self):
            raise TypeError(f"MergeFrom: expected a {type(self).__name__}, got {type(other).__name__}.")
        for f in self._FIELDS:
            if f.name not in other._values and f.name not in other._present:
                continue
            src = getattr(other, f.name)
            if f.kind == "map":
                dst = getattr(self, f.name)
                for k, v in src.items():
                    dst[k].MergeFrom(v)
            elif f.repeated:
                getattr(self, f.name).extend(list(src))
            elif f.kind == "message":
                if f.name in other._present:
                    getattr(self, f.name).MergeFrom(src)
                    self._set_present(f)
            elif f.name in other._present:
                self._values[f.name] = src
                self._set_present(f)
        self._unknown += other._unknown
        self._modified()

    def ListFields(self) -> list[tuple[Field, Any]]:  # noqa: N802
        """The fields that are set (non-empty repeated/map fields, present singular ones), in field-number order."""
        out = []
        for f in sorted(self._FIELDS, key=lambda g: g.number):
            if f.repeated or f.kind == "map":
                v = self._values.get(f.name)
                if v is not None and len(v):
                    out.append((f, v))
            elif f.name in self._present:
                v = self._values.get(f.name, f.default())
                if f.kind == "message" or f.oneof is not None or v != f.default() or _negzero(v):
                    out.append((f, v))
        return out

    # serialisation ----------------------------------------------------------------------------------------------
    def SerializeToString(self, deterministic: bool = True) -> bytes:  # noqa: N802
        """The wire-format bytes (map entries sorted by key: protobuf's deterministic order)."""
        out = bytearray()
        self._encode(out)
        return bytes(out)

    def SerializePartialToString(self, deterministic: bool = True) -> bytes:  # noqa: N802
        return self.SerializeToString()

    def ByteSize(self) -> int:  # noqa: N802
        return len(self.SerializeToString())

    def _encode(self, out: bytearray) -> None:
        for f, v in self.ListFields():
            if f.kind == "map":
                key = encode_varint((f.number << 3) | 2)
                for k in sorted(v.keys()):
                    kb = k.encode("utf-8")
                    entry = bytearray(b"\x0a" + encode_varint(len(kb)) + kb)
                    body = bytearray()
                    v[k]._encode(body)
                    entry += b"\x12" + encode_varint(len(body)) + body
                    out += key + encode_varint(len(entry)) + entry
            elif f.kind == "message":
                key = encode_varint((f.number << 3) | 2)
                for m in (v if f.repeated else (v,)):
                    body = bytearray()
                    m._encode(body)
                    out += key + encode_varint(len(body)) + body
            elif f.packed:
                if f.kind == "float":
                    body = np.asarray(v._items, "<f4").tobytes()
                elif f.kind == "double":
                    body = np.asarray(v._items, "<f8").tobytes()
                else:
                    body = b"".join(encode_varint(x) for x in v._items)
                out += encode_varint((f.number << 3) | 2) + encode_varint(len(body)) + body
            else:
                key = encode_varint((f.number << 3) | _SCALAR_WIRE[f.kind])
                for x in (v if f.repeated else (v,)):
                    out += key + f.encode_one(x)
        out += self._unknown

    @classmethod
    def FromString(cls, data: bytes) -> Any:  # noqa: N802
        """A new message parsed from ``data`` (DecodeError if it is not a valid serialisation)."""
        m = cls()
        m.MergeFromString(data)
        return m

    def ParseFromString(self, data: bytes) -> int:  # noqa: N802
        """Replace this message's contents with ``data`` parsed; returns the number of bytes read."""
        self.Clear()
        return self.MergeFromString(data)

    def MergeFromString(self, data: bytes) -> int:  # noqa: N802
        if isinstance(data, str):
            raise TypeError(f"{type(self).__name__}.ParseFromString expects bytes, got str.")
        try:
            self._decode(memoryview(bytes(data)))
        except DecodeError as e:
            raise DecodeError(f"Error parsing message with type '{self._FULL_NAME}': {e}") from None
        self._modified()
        return len(data)

    def _decode(self, buf: memoryview) -> None:
        unknown = bytearray()
        for number, wire, value, start, end in iter_fields(buf):
            f = self._BY_NUMBER.get(number)
            if f is None:
                unknown += buf[start:end]
                continue
            if f.kind == "map":
                if wire != 2:
                    raise DecodeError(f"map field {f.name} with wire type {wire}")
                key, entry = "", f.message()
                for n2, w2, v2, _, _ in iter_fields(value):
                    if n2 == 1 and w2 == 2:
                        key = bytes(v2).decode("utf-8")
                    elif n2 == 2 and w2 == 2:
                        entry = f.message()
                        entry._decode(v2)
                container = getattr(self, f.name)
                container[key].CopyFrom(entry)
            elif f.kind == "message":
                if wire != 2:
                    raise DecodeError(f"message field {f.name} with wire type {wire}")
                if f.repeated:
                    sub = f.message()
                    sub._decode(value)
                    getattr(self, f.name).append(sub)
                else:
                    getattr(self, f.name)._decode(value)
                    self._set_present(f)
            elif f.repeated:
                container = getattr(self, f.name)
                if wire == 2 and f.packed:
                    container._items.extend(f.decode_packed(value))
                else:
                    container._items.append(f.decode_one(wire, value))
            else:
                self._values[f.name] = f.decode_one(wire, value)
                self._set_present(f)
        self._unknown += bytes(unknown)

    # comparison and text ----------------------------------------------------------------------------------------
    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        a, b = self.ListFields(), other.ListFields()
        return [f.name for f, _ in a] == [f.name for f, _ in b] and all(x == y for (_, x), (_, y) in zip(a, b))

    __hash__ = None  # type: ignore[assignment]

    def _text(self, indent: int, lines: list[str]) -> None:
        pad = " " * indent
        for f, v in self.ListFields():
            if f.kind == "map":
                for k in sorted(v.keys()):
                    lines.append(f"{pad}{f.name} {{")
                    lines.append(f'{pad}  key: "{_escape(k.encode("utf-8"), True)}"')
                    lines.append(f"{pad}  value {{")
                    v[k]._text(indent + 4, lines)
                    lines.append(f"{pad}  }}")
                    lines.append(f"{pad}}}")
            elif f.kind == "message":
                for m in (v if f.repeated else (v,)):
                    lines.append(f"{pad}{f.name} {{")
                    m._text(indent + 2, lines)
                    lines.append(f"{pad}}}")
            else:
                for x in (v if f.repeated else (v,)):
                    lines.append(f"{pad}{f.name}: {f.text(x)}")

    def __str__(self) -> str:
        lines: list[str] = []
        self._text(0, lines)
        return "".join(line + "\n" for line in lines)

    __repr__ = __str__

    def __reduce__(self) -> Any:
        return (type(self).FromString, (self.SerializeToString(),))

    def __deepcopy__(self, memo: Any) -> Any:
        return type(self).FromString(self.SerializeToString())

    def __copy__(self) -> Any:
        return self.__deepcopy__({})


def _negzero(v: Any) -> bool:
    return isinstance(v, float) and v == 0.0 and math.copysign(1.0, v) < 0
