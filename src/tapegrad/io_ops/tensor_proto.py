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

__all__ = ["serialize_tensor", "parse_tensor", "TensorProto", "TensorShapeProto", "tensor_proto_of",
           "make_tensor_proto", "make_ndarray"]

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


_DT_NAMES = {1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16", 6: "DT_INT8",
             7: "DT_STRING", 8: "DT_COMPLEX64", 9: "DT_INT64", 10: "DT_BOOL", 14: "DT_BFLOAT16", 17: "DT_UINT16",
             18: "DT_COMPLEX128", 19: "DT_HALF", 22: "DT_UINT32", 23: "DT_UINT64"}


class _DataTypeField(Field):
    """The ``DataType`` enum field: printed by name in text format (``dtype: DT_FLOAT``), as protobuf does."""

    __slots__ = ()

    def text(self, v: Any) -> str:
        return _DT_NAMES.get(v, str(v))


class TensorProto(Message):
    """``tensorflow.TensorProto`` (the fields tensors of the dtypes above use)."""

    _FULL_NAME = "tensorflow.TensorProto"
    _FIELDS = (_DataTypeField("dtype", 1, "enum"), Field("tensor_shape", 2, "message", message=TensorShapeProto),
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
    return core.constant(_array_of_proto(proto, want, "parse_tensor"))


def _array_of_proto(proto: TensorProto, want: str | None, op: str) -> np.ndarray:
    """The array a TensorProto message holds (``want``: the dtype it must have; None takes the proto's)."""
    got = _NAME.get(proto.dtype)
    if got is None:
        raise InvalidArgumentError(f"{op}: the TensorProto has dtype enum {proto.dtype}, which tapegrad "
                                   "does not read.")
    if want is None:
        want = got
    if got != want:
        raise InvalidArgumentError(f"Type mismatch between parsed tensor ({got}) and dtype ({want}): pass "
                                   f"out_type=tf.{got}.")
    if proto.tensor_shape.unknown_rank:
        raise InvalidArgumentError(f"{op}: the TensorProto has an unknown rank; a tensor needs a shape.")
    shape = tuple(int(d.size) for d in proto.tensor_shape.dim)
    n = int(np.prod(shape))
    if want == "string":
        from .._strings import to_bytes_array

        vals = list(proto.string_val)
        out = np.empty(n, dtype=object)
        out[:] = (vals + [vals[-1]] * (n - len(vals)))[:n] if vals else [b""] * n
        return to_bytes_array(out.reshape(shape)) if n else out.reshape(shape)
    np_dtype = np.dtype(_dtypes.as_dtype(want).as_numpy_dtype)
    if proto.tensor_content:
        data = proto.tensor_content
        if len(data) != n * np_dtype.itemsize:
            raise InvalidArgumentError(f"{op}: tensor_content holds {len(data)} bytes but shape "
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
    return arr.reshape(shape)


_VAL_FIELD = {"float32": "float_val", "float64": "double_val", "int32": "int_val", "int16": "int_val",
              "int8": "int_val", "uint8": "int_val", "uint16": "int_val", "int64": "int64_val", "bool": "bool_val",
              "complex64": "scomplex_val", "complex128": "dcomplex_val", "float16": "half_val", "bfloat16": "half_val",
              "uint32": "uint32_val", "uint64": "uint64_val", "string": "string_val"}
# TF writes these dtypes' values as raw bytes (tensor_content) when the array fills the shape and has 2+ elements
_CONTENT = {"float16", "bfloat16", "float32", "float64", "int32", "uint8", "int16", "int8", "int64", "uint16",
            "uint32", "uint64"}


def make_tensor_proto(values: Any, dtype: Any = None, shape: Any = None, verify_shape: bool = False,
                      allow_broadcast: bool = False) -> TensorProto:
    """``values`` as a ``TensorProto`` message (``tf.make_tensor_proto``), laid out as TF lays it out: raw
    ``tensor_content`` for a numeric array that fills ``shape`` with 2+ elements, else the typed value list (fewer
    values than the shape holds: the last one repeats when read). ``shape`` larger than the values and
    ``verify_shape`` as TF (ValueError for too many values, TypeError for a shape mismatch under
    ``verify_shape``).

    >>> import tapegrad as tf
    >>> proto = tf.make_tensor_proto([1, 2], dtype=tf.float32, shape=[2, 1])
    >>> proto.SerializeToString().hex()
    '08011208120208021202080122080000803f00000040'
    >>> tf.make_ndarray(tf.make_tensor_proto(3.0, shape=[2, 2])).tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    """
    from ..ops import core

    if isinstance(values, TensorProto):
        return values
    arr = np.asarray(core.convert_to_tensor(values, dtype=dtype)._value)
    name = "string" if arr.dtype == object else _dtypes.as_dtype(arr.dtype).name
    if name not in _ENUM:
        raise TypeError(f"make_tensor_proto: dtype {name} has no TensorProto encoding here; supported: "
                        f"{', '.join(sorted(_ENUM))}.")
    dims = tuple(arr.shape) if shape is None else tuple(int(d) for d in np.asarray(
        shape.as_list() if hasattr(shape, "as_list") else shape, dtype=np.int64).reshape(-1))
    size = int(np.prod(dims, dtype=np.int64))
    if verify_shape and tuple(arr.shape) != dims:
        raise TypeError(f"Expected Tensor's shape: {dims}, but got {tuple(arr.shape)}.")
    if arr.size > size:
        raise ValueError(f"Too many elements provided. Takes at most {size:d}, but got {arr.size:d}.")
    proto = TensorProto(dtype=_ENUM[name])
    proto.tensor_shape._modified()  # present even for a scalar (TF always writes the shape)
    for d in dims:
        proto.tensor_shape.dim.add(size=d)
    if arr.size == size and name in _CONTENT and size > 1:
        proto.tensor_content = _little(np.ascontiguousarray(arr)).tobytes()
        return proto
    flat = arr.reshape(-1)
    field = getattr(proto, _VAL_FIELD[name])
    if name in ("float16", "bfloat16"):
        field.extend(int(v) for v in flat.view(np.uint16))
    elif name in ("complex64", "complex128"):
        field.extend(float(x) for z in flat for x in (z.real, z.imag))
    elif name == "string":
        field.extend(bytes(b) for b in flat)
    else:
        field.extend(v.item() for v in flat)
    return proto


def make_ndarray(tensor: Any) -> np.ndarray:
    """The NumPy array of a ``TensorProto`` (``tf.make_ndarray``; strings as an object array of bytes)."""
    if not isinstance(tensor, TensorProto):
        raise TypeError(f"make_ndarray expects a TensorProto (from tf.make_tensor_proto); got "
                        f"{type(tensor).__name__}. A tensor's value is tensor.numpy().")
    return _array_of_proto(tensor, None, "make_ndarray")
