"""Small ``tf.io`` functions: ``matching_files``, ``decode_compressed``, and ``SparseTensor`` serialisation
(``serialize_sparse``, ``serialize_many_sparse``, ``deserialize_many_sparse``: each component a ``TensorProto``,
TF's bytes).

>>> import zlib
>>> import tapegrad as tf
>>> tf.io.decode_compressed([zlib.compress(b"hello")], "ZLIB").numpy().tolist()
[b'hello']
"""

from __future__ import annotations

import glob
import gzip
import zlib
from typing import Any

import numpy as np

from .. import _dtypes
from ..compiler.host import in_programs
from ..errors import DataLossError, InvalidArgumentError
from ._common import string_array

__all__ = ["matching_files", "decode_compressed", "serialize_sparse", "serialize_many_sparse",
           "deserialize_many_sparse"]


def _strings(values: list[bytes], shape: tuple[int, ...]) -> Any:
    from ..ops import core

    out = np.empty(len(values), dtype=object)
    out[:] = values
    return core.constant(out.reshape(shape), dtype="string")


@in_programs
def matching_files(pattern: Any, name: str | None = None) -> Any:
    """The files matching a glob ``pattern`` (or each of a vector of patterns), sorted per pattern, as a string
    vector (empty when nothing matches).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> d = tempfile.mkdtemp()
    >>> for n in ("b.txt", "a.txt", "c.csv"):
    ...     _ = open(os.path.join(d, n), "w").write("x")
    >>> [os.path.basename(p) for p in tf.io.matching_files(os.path.join(d, "*.txt")).numpy().tolist()]
    [b'a.txt', b'b.txt']
    """
    patterns = string_array(pattern, "matching_files").reshape(-1)
    found = [p.encode() for pat in patterns for p in sorted(glob.glob(pat.decode()))]
    return _strings(found, (len(found),))


@in_programs
def decode_compressed(bytes: Any, compression_type: str = "", name: str | None = None) -> Any:  # noqa: A002
    """Decompress each string of ``bytes`` (``compression_type`` ``"ZLIB"`` or ``"GZIP"``; ``""`` returns them
    unchanged). Data that does not decompress raises ``DataLossError``."""
    kind = str(compression_type).upper()
    if kind not in ("", "ZLIB", "GZIP"):
        raise InvalidArgumentError(f"decode_compressed: compression_type must be '', 'ZLIB' or 'GZIP'; got "
                                   f"{compression_type!r}.")
    data = string_array(bytes, "decode_compressed")
    out = []
    for i, b in enumerate(data.reshape(-1)):
        try:
            out.append(b if kind == "" else zlib.decompress(b) if kind == "ZLIB" else gzip.decompress(b))
        except (zlib.error, OSError, EOFError) as exc:
            raise DataLossError(f"decode_compressed: element {i} is not valid {kind} data ({exc}).") from None
    return _strings(out, data.shape)


def _sparse_parts(sp_input: Any, op: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from ..ops.sparse_ops import SparseTensor

    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"{op}: expected a SparseTensor; got {type(sp_input).__name__}.")
    return (np.asarray(sp_input.indices._value), np.asarray(sp_input.values._value),
            np.asarray(sp_input.dense_shape._value))


def _check_out_type(out_type: Any, op: str) -> None:
    if _dtypes.as_dtype(out_type) != _dtypes.string:
        raise TypeError(f"{op}: out_type must be tf.string here (a variant holds TF runtime objects); got "
                        f"{_dtypes.as_dtype(out_type).name}.")


def _protos(indices: np.ndarray, values: np.ndarray, shape: np.ndarray, op: str) -> list[bytes]:
    from .tensor_proto import tensor_proto_of

    return [tensor_proto_of(indices.astype(np.int64), op), tensor_proto_of(values, op),
            tensor_proto_of(shape.astype(np.int64), op)]


@in_programs
def serialize_sparse(sp_input: Any, out_type: Any = "string", name: str | None = None) -> Any:
    """A SparseTensor as a string vector of 3 ``TensorProto``s (indices, values, dense shape).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 1]], [5.0], [2, 3])
    >>> back = tf.io.deserialize_many_sparse(tf.io.serialize_many_sparse(st), tf.float32)
    >>> back.indices.numpy().tolist(), back.dense_shape.numpy().tolist()
    ([[0, 1]], [2, 3])
    """
    _check_out_type(out_type, "serialize_sparse")
    return _strings(_protos(*_sparse_parts(sp_input, "serialize_sparse"), "serialize_sparse"), (3,))


@in_programs
def serialize_many_sparse(sp_input: Any, out_type: Any = "string", name: str | None = None) -> Any:
    """A SparseTensor of rank ≥ 2 as ``[N, 3]`` strings: row ``n`` serialises the minibatch entry ``n`` (its
    elements with first index ``n``, that index dropped, dense shape ``dense_shape[1:]``)."""
    op = "serialize_many_sparse"
    _check_out_type(out_type, op)
    indices, values, shape = _sparse_parts(sp_input, op)
    if shape.size < 2:
        raise InvalidArgumentError(f"{op}: SparseTensor must have rank at least 2 (the first dimension is the "
                                   f"minibatch); got rank {shape.size}.")
    rows: list[bytes] = []
    for n in range(int(shape[0])):
        keep = indices[:, 0] == n
        rows += _protos(indices[keep, 1:], values[keep], shape[1:], op)
    return _strings(rows, (int(shape[0]), 3))


@in_programs
def deserialize_many_sparse(serialized_sparse: Any, dtype: Any, rank: int | None = None,
                            name: str | None = None) -> Any:
    """The SparseTensor ``serialize_many_sparse`` (or stacked ``serialize_sparse``) rows describe: row ``n``
    becomes minibatch entry ``n``; the dense shape is ``[N, max of the rows' shapes]``."""
    from ..ops import core
    from ..ops.sparse_ops import SparseTensor
    from .tensor_proto import parse_tensor

    op = "deserialize_many_sparse"
    data = string_array(serialized_sparse, op)
    if data.ndim != 2 or data.shape[1] != 3:
        raise InvalidArgumentError(f"{op}: serialized_sparse must be a matrix [N, 3]; got shape {list(data.shape)}.")
    parts = []
    for n, (i, v, s) in enumerate(data):
        ind = np.asarray(parse_tensor(i, "int64")._value)
        val = np.asarray(parse_tensor(v, dtype)._value)
        shp = np.asarray(parse_tensor(s, "int64")._value)
        if rank is not None and shp.size + 1 != int(rank):
            raise InvalidArgumentError(f"{op}: row {n} has rank {shp.size} but rank={rank} asks for "
                                       f"{int(rank) - 1} per row.")
        parts.append((ind.reshape(-1, shp.size), val, shp))
    if not parts:
        raise InvalidArgumentError(f"{op}: serialized_sparse is empty; there is no rank to build from.")
    ranks = {p[2].size for p in parts}
    if len(ranks) != 1:
        raise InvalidArgumentError(f"{op}: the rows have different ranks {sorted(ranks)}.")
    dense = np.max(np.stack([p[2] for p in parts]), axis=0)
    indices = np.concatenate([np.concatenate([np.full((len(p[0]), 1), n, np.int64), p[0]], 1)
                              for n, p in enumerate(parts)])
    values = np.concatenate([p[1] for p in parts])
    return SparseTensor(core.constant(indices), core.constant(values, dtype=dtype),
                        core.constant(np.concatenate([[len(parts)], dense]).astype(np.int64)))
