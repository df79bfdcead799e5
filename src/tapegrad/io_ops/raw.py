"""``tf.io.decode_raw`` (bytes as numbers), ``read_file`` and ``write_file`` (whole files as string scalars)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import _dtypes
from ..compiler.host import in_programs
from ..errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from ._common import path_of, scalar_bytes, string_array

__all__ = ["decode_raw", "read_file", "write_file"]

_RAW_TYPES = ("float16", "float32", "float64", "int32", "uint16", "uint8", "int16", "int8", "int64", "complex64",
              "complex128", "bool", "bfloat16")


@in_programs
def decode_raw(input_bytes: Any, out_type: Any, little_endian: bool = True, fixed_length: int | None = None,
               name: str | None = None) -> Any:
    """Reinterpret each string of ``input_bytes`` as a vector of ``out_type`` numbers: the result has shape
    ``input.shape + [n]``. All strings must have the same length (a multiple of the item size), unless
    ``fixed_length`` is given: then each is cut or zero-padded to that many bytes. ``little_endian=False`` reads
    big-endian numbers; a ``bool`` is any non-zero byte.

    >>> import tapegrad as tf
    >>> tf.io.decode_raw(tf.constant([b"\\x01\\x00\\x02\\x00", b"\\x03\\x00\\x04\\x00"]), tf.int16).numpy().tolist()
    [[1, 2], [3, 4]]
    >>> tf.io.decode_raw(tf.constant([b"\\x01\\x02\\x03", b"\\x04"]), tf.uint8, fixed_length=2).numpy().tolist()
    [[1, 2], [4, 0]]
    """
    from ..ops import core

    want = _dtypes.as_dtype(out_type).name
    if want not in _RAW_TYPES:
        raise InvalidArgumentError(f"decode_raw: out_type {want} is not a fixed-size number type; use one of "
                                   f"{', '.join(_RAW_TYPES)}.")
    strings = string_array(input_bytes, "decode_raw")
    np_dtype = np.dtype(_dtypes.as_dtype(want).as_numpy_dtype)
    size = np_dtype.itemsize
    flat = [bytes(b) for b in strings.reshape(-1)]
    if fixed_length is not None:
        length = int(fixed_length)
        if length % size:
            raise InvalidArgumentError(f"decode_raw: fixed_length={length} is not a multiple of {size}, the size of "
                                       f"{want}.")
        flat = [b[:length].ljust(length, b"\0") for b in flat]
    else:
        length = len(flat[0]) if flat else 0
        for i, b in enumerate(flat):
            if len(b) % size:
                raise InvalidArgumentError(f"Input to DecodeRaw has length {len(b)} that is not a multiple of {size}, "
                                           f"the size of {want} (element {i}); pass fixed_length to cut or pad.")
            if len(b) != length:
                raise InvalidArgumentError(f"DecodeRaw requires input strings to all be the same size, but element "
                                           f"{i} has size {len(b)} != {length}; pass fixed_length to cut or pad.")
    n = length // size
    joined = b"".join(flat)
    if want == "bool":
        arr = np.frombuffer(joined, np.uint8) != 0
    else:
        arr = np.frombuffer(joined, np_dtype).copy()
        if (little_endian != (np.little_endian)) and size > 1:
            if want.startswith("complex"):  # each half swapped separately
                part = np.dtype(np.float32 if want == "complex64" else np.float64)
                arr = arr.view(part).byteswap().view(np_dtype)
            else:
                arr = arr.byteswap()
    return core.constant(arr.reshape((*strings.shape, n)))


@in_programs
def read_file(filename: Any, name: str | None = None) -> Any:
    """The bytes of a file as a string scalar (``NotFoundError`` if missing, ``FailedPreconditionError`` for a
    directory).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "sub", "f.bin")
    >>> tf.io.write_file(path, b"\\x00abc")
    >>> tf.io.read_file(path).numpy()
    b'\\x00abc'
    """
    from .._strings import scalar
    from ..ops import core

    path = path_of(filename, "read_file")
    try:
        with open(path, "rb") as f:
            return core.constant(scalar(f.read()))
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise FailedPreconditionError(f"{path}; Is a directory (read_file reads files)") from None


@in_programs(effect=True)
def write_file(filename: Any, contents: Any, name: str | None = None) -> None:
    """Write the string scalar ``contents`` to ``filename`` (replacing it), creating missing parent directories
    as TensorFlow does."""
    path = path_of(filename, "write_file")
    data = scalar_bytes(contents, "write_file")
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    try:
        with open(path, "wb") as f:
            f.write(data)
    except IsADirectoryError:
        raise FailedPreconditionError(f"{path}; Is a directory") from None
