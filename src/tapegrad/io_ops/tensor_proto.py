"""``tf.io.serialize_tensor`` / ``parse_tensor``: tensors as ``TensorProto`` bytes (``tensor.proto``), the same
bytes as TensorFlow: numeric tensors store their little-endian buffer in ``tensor_content``, string tensors one
``string_val`` per element. Reading also accepts the typed value fields (``float_val``, ``int_val``, …) with
protobuf's fill rule (fewer values than elements: the last one repeats).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .. import _dtypes
from .._proto import DecodeError, Field, Message, encode_varint
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import scalar_bytes, value_of

__all__ = ["serialize_tensor", "parse_tensor", "TensorProto", "TensorShapeProto", "tensor_proto_of"]

# TensorFlow's DataType enum (types.proto)
_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7, "complex64": 8,
         "int64": 9, "bool": 10, "bfloat16": 14, "uint16": 17, "complex128": 18, "float16": 19, "uint32": 22,
         "uint64": 23}
_NAME = {v: k for k, v in _ENUM.items()}


class _Dim(Message):
    _FULL_NAME = "tensorflow.TensorShapeProto.Dim"
    _FIELDS = (Field("size", 1, "int64"), Field("name", 2, "string"))


class TensorShapeProto(Message):
    """``tensorflow.TensorShapeProto``: ``repeated Dim dim = 2``, ``bool unknown_rank = 3``."""

    _FULL_NAME = "tensorflow.TensorShapeProto"
    _FIELDS = (Field("dim", 2, "message", repeated=True, message=_Dim), Field("unknown_rank", 3, "bool"))
    Dim = _Dim


class TensorProto(Message):
    """``tensorflow.TensorProto`` (the fields tensors of the dtypes above use)."""

    _FULL_NAME = "tensorflow.TensorProto"
    _FIELDS = (Field("dtype", 1, "enum"), Field("tensor_shape", 2, "message", message=TensorShapeProto),
               Field("version_number", 3, "int32"), Field("tensor_content", 4, "bytes"),
               Field("float_val", 5, "float", repeated=True), Field("double_val", 6, "double", repeated=True),
               Field("int_val", 7, "int32", repeated=True), Field("string_val", 8, "bytes", repeated=True),
               Field("scomplex_val", 9, "float", repeated=True), Field("int64_val", 10, "int64", repeated=True),
               Field("bool_val", 11, "bool", repeated=True), Field("dcomplex_val", 12, "double", repeated=True),
               Field("half_val", 13, "int32", repeated=True), Field("uint32_val", 16, "uint64", repeated=True),
               Field("uint64_val", 17, "uint64", repeated=True))


def _array(tensor: Any) -> np.ndarray:
    if hasattr(tensor, "_value"):
        return np.asarray(value_of(tensor, "serialize_tensor"))
    from ..ops import core

    return np.asarray(core.convert_to_tensor(tensor)._value)


@in_programs
def serialize_tensor(tensor: Any, name: str | None = None) -> Any:
    """The ``TensorProto`` bytes of ``tensor`` as a string scalar (TensorFlow's bytes).

    >>> import tapegrad as tf
    >>> tf.io.serialize_tensor(tf.constant([1.0, 2.0])).numpy().hex()
    '080112041202080222080000803f00000040'
    >>> tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([[1, 2]])), tf.int32).numpy().tolist()
    [[1, 2]]
    """
    from .._strings import scalar
    from ..ops import core

    return core.constant(scalar(tensor_proto_of(_array(tensor), "serialize_tensor")))


def tensor_proto_of(arr: np.ndarray, op: str) -> bytes:
    """The serialised ``TensorProto`` TensorFlow writes for ``arr`` (an object array holds ``bytes``: a string
    tensor): dtype, shape, then numeric buffers in ``tensor_content`` or strings one ``string_val`` per element.
    Encoded directly (field-number order, as protobuf's serialiser), without building a message."""
    dtype = "string" if arr.dtype == object else _dtypes.as_dtype(arr.dtype).name
    if dtype not in _ENUM:
        raise InvalidArgumentError(f"{op}: dtype {dtype} has no TensorProto encoding here; supported: "
                                   f"{', '.join(sorted(_ENUM))}.")
    shape = b"".join(_field(2, b"\x08" + encode_varint(int(d)) if d else b"") for d in arr.shape)
    out = [b"\x08", encode_varint(_ENUM[dtype]), _field(2, shape)]
    if dtype == "string":
        out += [_field(8, bytes(b)) for b in arr.reshape(-1)]
    elif arr.size:
        out.append(_field(4, _little(np.ascontiguousarray(arr)).tobytes()))
    return b"".join(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (``number`` < 16: a one-byte key)."""
    return bytes(((number << 3) | 2,)) + encode_varint(len(payload)) + payload


def _little(arr: np.ndarray) -> np.ndarray:
    """``arr`` with its bytes in little-endian order (TensorFlow's tensor_content); a no-op on little-endian hosts."""
    return arr.byteswap() if sys.byteorder == "big" and arr.dtype.itemsize > 1 else arr


def _fill(values: list[Any], n: int, dtype: np.dtype) -> np.ndarray:
    if not values:
        return np.zeros(n, dtype)
    arr = np.asarray(values)
    if len(arr) >= n:
        return arr[:n].astype(dtype)
    return np.concatenate([arr, np.repeat(arr[-1:], n - len(arr))]).astype(dtype)


@in_programs
def parse_tensor(serialized: Any, out_type: Any, name: str | None = None) -> Any:
    """The tensor a ``TensorProto`` (bytes or a string scalar) holds; ``out_type`` must be its dtype
    (``InvalidArgumentError`` otherwise, or when the bytes are not a TensorProto).

    >>> import tapegrad as tf
    >>> data = tf.io.serialize_tensor(tf.constant(["a", "bc"]))
    >>> tf.io.parse_tensor(data, tf.string).numpy().tolist()
    [b'a', b'bc']
    """
    from ..ops import core

    raw = scalar_bytes(serialized, "parse_tensor", "serialized")
    want = _dtypes.as_dtype(out_type).name
    try:
        proto = TensorProto.FromString(bytes(raw))
    except DecodeError:
        raise InvalidArgumentError(f"Could not parse `serialized` as TensorProto ({len(raw)} bytes starting "
                                   f"{bytes(raw)[:16]!r}).") from None
    got = _NAME.get(proto.dtype)
    if got is None:
        raise InvalidArgumentError(f"parse_tensor: the TensorProto has dtype enum {proto.dtype}, which tapegrad "
                                   "does not read.")
    if got != want:
        raise InvalidArgumentError(f"Type mismatch between parsed tensor ({got}) and dtype ({want}): pass "
                                   f"out_type=tf.{got}.")
    if proto.tensor_shape.unknown_rank:
        raise InvalidArgumentError("parse_tensor: the TensorProto has an unknown rank; a tensor needs a shape.")
    shape = tuple(int(d.size) for d in proto.tensor_shape.dim)
    n = int(np.prod(shape))
    if want == "string":
        from .._strings import to_bytes_array

        vals = list(proto.string_val)
        out = np.empty(n, dtype=object)
        out[:] = (vals + [vals[-1]] * (n - len(vals)))[:n] if vals else [b""] * n
        return core.constant(to_bytes_array(out.reshape(shape)) if n else out.reshape(shape), dtype="string")
    np_dtype = np.dtype(_dtypes.as_dtype(want).as_numpy_dtype)
    if proto.tensor_content:
        data = proto.tensor_content
        if len(data) != n * np_dtype.itemsize:
            raise InvalidArgumentError(f"parse_tensor: tensor_content holds {len(data)} bytes but shape "
                                       f"{list(shape)} of {want} needs {n * np_dtype.itemsize}.")
        arr = _little(np.frombuffer(data, np_dtype).copy())
    elif want in ("float16", "bfloat16"):
        arr = _fill(list(proto.half_val), n, np.uint16).view(np_dtype)
    elif want in ("complex64", "complex128"):
        pairs = list(proto.scomplex_val if want == "complex64" else proto.dcomplex_val)
        z = [complex(pairs[i], pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)]
        arr = _fill(z, n, np_dtype)
    else:
        field = {"float32": "float_val", "float64": "double_val", "int64": "int64_val", "bool": "bool_val",
                 "uint32": "uint32_val", "uint64": "uint64_val"}.get(want, "int_val")
        arr = _fill(list(getattr(proto, field)), n, np_dtype)
    return core.constant(arr.reshape(shape))
