"""Parsing serialised ``tf.train.Example``/``SequenceExample`` protos into tensors: ``parse_single_example``,
``parse_example``, ``parse_single_sequence_example``, ``parse_sequence_example`` and the feature specs
(``FixedLenFeature``, ``VarLenFeature``, ``FixedLenSequenceFeature``, ``RaggedFeature``).

The bytes are read directly (no message objects): an Example's ``features`` map is scanned once, keeping each
``Feature``'s bytes, and only the features the spec names are decoded; packed floats go through
``np.frombuffer`` and packed int64s whose bytes are all below 0x80 (every value in 0..127) too. Results follow
TF's key order: the ``VarLenFeature`` keys (sorted), then the dense ones (``FixedLen[Sequence]Feature``, sorted),
then the ``RaggedFeature`` keys (sorted). The functions work eagerly and inside ``Dataset.map``.
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtypes
from .._proto import DecodeError, iter_fields, read_varint
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import string_array

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "RaggedFeature", "SparseFeature",
           "parse_single_example",
           "parse_example", "parse_single_sequence_example", "parse_sequence_example"]

_KINDS = {1: "string", 2: "float32", 3: "int64"}  # Feature field number -> dtype of its list
_NP = {"string": np.dtype(object), "float32": np.dtype(np.float32), "int64": np.dtype(np.int64)}


class FixedLenFeature(namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values, parsed to a dense tensor of ``shape`` (``[]`` for a scalar) and
    ``dtype`` (``int64``, ``float32`` or ``string``). Missing from an example: ``default_value`` (reshaped to
    ``shape``) is used, or, without one, ``InvalidArgumentError``.

    >>> import tapegrad as tf
    >>> tf.io.FixedLenFeature([2], tf.float32, default_value=[0.0, 0.0]).shape
    [2]
    """

    __slots__ = ()

    def __new__(cls, shape: Any, dtype: Any, default_value: Any = None) -> FixedLenFeature:
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values, parsed to a ``SparseTensor`` (``[n]`` per example, ``[batch, max n]``
    batched).

    >>> import tapegrad as tf
    >>> tf.io.VarLenFeature(tf.int64).dtype is tf.int64
    True
    """

    __slots__ = ()


class SparseFeature(namedtuple("SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A ``SparseTensor`` built from two (or more) features of each example: the positions in ``index_key`` (one
    int64 key, or a list of them for several dimensions) and the values in ``value_key``; dense shape
    ``[batch, *size]``. Positions are sorted per example unless ``already_sorted``; index and value lists of
    different lengths raise ValueError, as TF.

    >>> import tapegrad as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "ix": tf.train.Feature(int64_list=tf.train.Int64List(value=[3, 1])),
    ...     "v": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5, 1.5]))}))
    >>> st = tf.io.parse_example([ex.SerializeToString()], {"s": tf.io.SparseFeature("ix", "v", tf.float32, 5)})["s"]
    >>> st.indices.numpy().tolist(), st.values.numpy().tolist(), st.dense_shape.numpy().tolist()
    ([[0, 1], [0, 3]], [1.5, 0.5], [1, 5])
    """

    __slots__ = ()

    def __new__(cls, index_key: Any, value_key: str, dtype: Any, size: Any,
                already_sorted: bool = False) -> SparseFeature:
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


class FixedLenSequenceFeature(namedtuple("FixedLenSequenceFeature",
                                         ["shape", "dtype", "allow_missing", "default_value"])):
    """A feature holding a sequence of items of ``shape``: in an Example, its values split into ``[n, *shape]``
    (``allow_missing=True`` required; batches are padded with ``default_value`` or zeros); in a SequenceExample's
    feature lists, one item per step, ``[steps, *shape]`` (a missing list needs ``allow_missing=True``).

    >>> import tapegrad as tf
    >>> tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True).allow_missing
    True
    """

    __slots__ = ()

    def __new__(cls, shape: Any, dtype: Any, allow_missing: bool = False,
                default_value: Any = None) -> FixedLenSequenceFeature:
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class RaggedFeature(namedtuple("RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype",
                                                  "validate"])):
    """A feature parsed to a ``RaggedTensor``: the values of ``value_key`` (default: the dict key), split by
    ``partitions`` (outermost first: ``RaggedFeature.RowSplits(key)``, ``RowLengths``, ``RowStarts``,
    ``RowLimits``, ``ValueRowIds``, ``UniformRowLength(n)``). Without partitions one example gives a 1-D tensor
    and a batch a ``[batch, None]`` RaggedTensor with ``row_splits_dtype`` splits.

    >>> import tapegrad as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "v": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2, 3])),
    ...     "len": tf.train.Feature(int64_list=tf.train.Int64List(value=[2, 1]))}))
    >>> spec = {"v": tf.io.RaggedFeature(tf.int64, partitions=[tf.io.RaggedFeature.RowLengths("len")])}
    >>> tf.io.parse_single_example(ex.SerializeToString(), spec)["v"]
    <tapegrad.RaggedTensor [[1, 2], [3]]>
    """

    __slots__ = ()
    RowSplits = namedtuple("RowSplits", ["key"])
    RowLengths = namedtuple("RowLengths", ["key"])
    RowStarts = namedtuple("RowStarts", ["key"])
    RowLimits = namedtuple("RowLimits", ["key"])
    ValueRowIds = namedtuple("ValueRowIds", ["key"])
    UniformRowLength = namedtuple("UniformRowLength", ["length"])

    def __new__(cls, dtype: Any, value_key: str | None = None, partitions: Any = (), row_splits_dtype: Any = None,
                validate: bool = False) -> RaggedFeature:
        return super().__new__(cls, dtype, value_key, tuple(partitions),
                               _dtypes.int32 if row_splits_dtype is None else _dtypes.as_dtype(row_splits_dtype),
                               validate)


# -- reading the bytes -----------------------------------------------------------------------------------------------

def _features_map(buf: memoryview, into: dict[str, memoryview]) -> None:
    """The entries of a serialised ``Features`` (or ``FeatureLists``) map: key -> value bytes (later wins)."""
    for number, wire, entry, _, _ in iter_fields(buf):
        if number != 1 or wire != 2:
            continue
        key, value = "", memoryview(b"")
        for n2, w2, v2, _, _ in iter_fields(entry):
            if n2 == 1 and w2 == 2:
                key = bytes(v2).decode("utf-8")
            elif n2 == 2 and w2 == 2:
                value = v2
        into[key] = value


def _varints(data: memoryview) -> np.ndarray:
    if not len(data):
        return np.zeros(0, np.int64)
    if max(data) < 0x80:  # every value is one byte
        return np.frombuffer(data, np.uint8).astype(np.int64)
    out, pos, n = [], 0, len(data)
    while pos < n:
        v, pos = read_varint(data, pos)
        out.append(v)
    return np.array(out, dtype=np.uint64).view(np.int64)


def _feature(buf: memoryview) -> tuple[str | None, Any]:
    """A serialised ``Feature`` as (dtype name or None when no list is set, values)."""
    kind: str | None = None
    parts: list[Any] = []
    for number, wire, value, _, _ in iter_fields(buf):
        if wire != 2 or number not in _KINDS:
            continue
        if _KINDS[number] != kind:  # oneof: a different list replaces; the same list merges
            kind, parts = _KINDS[number], []
        for n2, w2, v2, _, _ in iter_fields(value):
            if n2 != 1:
                continue
            if kind == "string":
                if w2 == 2:
                    parts.append([bytes(v2)])
            elif kind == "float32":
                if w2 == 2:
                    if len(v2) % 4:
                        raise DecodeError("packed floats of a length that is not a multiple of 4")
                    parts.append(np.frombuffer(v2, "<f4"))
                elif w2 == 5:
                    parts.append(np.array([v2], np.uint32).view(np.float32))
            elif w2 == 2:
                parts.append(_varints(v2))
            elif w2 == 0:
                parts.append(np.array([v2], np.uint64).view(np.int64))
    if kind is None:
        return None, None
    if kind == "string":
        out = np.empty(sum(len(p) for p in parts), dtype=object)
        out[:] = [b for p in parts for b in p]
        return kind, out
    if not parts:
        return kind, np.zeros(0, _NP[kind])
    return kind, (parts[0] if len(parts) == 1 else np.concatenate(parts)).astype(_NP[kind])


def _example_features(data: bytes) -> dict[str, memoryview]:
    out: dict[str, memoryview] = {}
    for number, wire, value, _, _ in iter_fields(memoryview(data)):
        if number == 1 and wire == 2:
            _features_map(value, out)
    return out


def _sequence_example(data: bytes) -> tuple[dict[str, memoryview], dict[str, list[memoryview]]]:
    context: dict[str, memoryview] = {}
    lists: dict[str, memoryview] = {}
    for number, wire, value, _, _ in iter_fields(memoryview(data)):
        if number == 1 and wire == 2:
            _features_map(value, context)
        elif number == 2 and wire == 2:
            _features_map(value, lists)
    steps = {k: [v for n, w, v, _, _ in iter_fields(buf) if n == 1 and w == 2] for k, buf in lists.items()}
    return context, steps


# -- specs -------------------------------------------------------------------------------------------------------------

def _dtype_name(spec: Any, key: str) -> str:
    try:
        name = _dtypes.as_dtype(spec.dtype).name
    except (TypeError, ValueError, KeyError):
        raise ValueError(f"Feature {key!r}: unknown dtype {spec.dtype!r}.") from None
    if name not in _NP:
        raise InvalidArgumentError(f"Feature {key!r}: dtype {name} cannot be parsed from an Example; a feature is "
                                   f"int64, float32 or string (cast after parsing: tf.cast(x, tf.{name})).")
    return name


def _shape(spec: Any, key: str) -> tuple[int, ...]:
    dims = [] if spec.shape is None else list(getattr(spec.shape, "as_list", lambda: spec.shape)())
    if any(d is None for d in dims):
        if isinstance(spec, FixedLenFeature) and dims and dims[0] is None:
            raise ValueError(f"First dimension of shape for feature {key} unknown. Consider using "
                             f"FixedLenSequenceFeature. Received feature={spec}.")
        raise ValueError(f"All dimensions of shape for feature {key} need to be known but received {spec.shape}.")
    return tuple(int(d) for d in dims)


def _default(spec: Any, key: str, dtype: str, shape: tuple[int, ...] | None) -> np.ndarray | None:
    if spec.default_value is None:
        return None
    value = getattr(spec.default_value, "_value", spec.default_value)
    if dtype == "string":
        from .._strings import to_bytes_array

        arr = np.asarray(to_bytes_array(value), dtype=object)
    else:
        arr = np.asarray(value, dtype=_NP[dtype])
    if shape is None:
        return arr
    if arr.size != math.prod(shape):
        raise InvalidArgumentError(f"Feature {key!r}: default_value has {arr.size} values but the shape {list(shape)} "
                                   f"holds {math.prod(shape)}.")
    return arr.reshape(shape)


def _group(features: dict[str, Any], where: str) -> tuple[list[str], list[str], list[str]]:
    if not isinstance(features, dict):
        raise TypeError(f"{where}: features must be a dict of feature specs; got {type(features).__name__}.")
    sparse, dense, ragged = [], [], []
    for key in sorted(features):
        spec = features[key]
        if isinstance(spec, VarLenFeature):
            sparse.append(key)
        elif isinstance(spec, (FixedLenFeature, FixedLenSequenceFeature)):
            dense.append(key)
        elif isinstance(spec, RaggedFeature):
            ragged.append(key)
        elif not isinstance(spec, SparseFeature):
            raise ValueError(f"{where}: feature {key!r} has an unsupported spec {spec!r}; use FixedLenFeature, "
                             "VarLenFeature, FixedLenSequenceFeature, SparseFeature or RaggedFeature.")
    for key in ragged:
        value_key = features[key].value_key or key
        for kind, keys in (("sparse", sparse), ("dense", dense)):
            if value_key in keys:
                raise ValueError(f"{where}: RaggedFeature {key!r} reads the values of {value_key!r}, which is also "
                                 f"a {kind} feature; ragged and {kind} keys must not intersect (parse it once).")
    return sparse, dense, ragged


def _values(key: str, feats: dict[str, memoryview], dtype: str, index: int, what: str = "Key") -> np.ndarray | None:
    buf = feats.get(key)
    if buf is None:
        return None
    kind, vals = _feature(buf)
    if kind is None:
        return None
    if kind != dtype:
        raise InvalidArgumentError(f"Key: {key}, Index: {index}. Data types don't match: the example holds "
                                   f"{ {'string': 'bytes_list', 'float32': 'float_list', 'int64': 'int64_list'}[kind]} "
                                   f"({kind}) but the spec asks for {dtype}.")
    return vals


def _decode(parse: Any, data: Any, index: int) -> Any:
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return parse(bytes(data))
    except (DecodeError, UnicodeDecodeError) as e:
        raise InvalidArgumentError(f"Could not parse example input {index}: it is not a serialized "
                                   f"tf.train.Example ({e}); value: {bytes(data)[:40]!r}") from None


# -- building outputs ------------------------------------------------------------------------------------------------

def _tensor(arr: np.ndarray) -> Any:
    from ..ops import core

    return core.constant(arr)


def _sparse(indices: list[np.ndarray], values: list[np.ndarray], shape: list[int], dtype: str) -> Any:
    from ..ops.sparse_ops import SparseTensor

    rank = len(shape)
    idx = np.concatenate(indices).astype(np.int64) if indices else np.zeros((0, rank), np.int64)
    vals = np.concatenate(values) if values else np.zeros(0, _NP[dtype])
    return SparseTensor(_tensor(idx.reshape(-1, rank)), _tensor(vals.astype(_NP[dtype])),
                        _tensor(np.array(shape, np.int64)))


def _partition(spec: RaggedFeature, key: str, feats: dict[str, memoryview], index: int,
               ) -> tuple[np.ndarray, list[np.ndarray]]:
    """One example's RaggedFeature: its flat values and the row splits of each partition (outermost first),
    computed innermost first."""
    dtype = _dtype_name(spec, key)
    values = _values(spec.value_key or key, feats, dtype, index)
    flat = np.zeros(0, _NP[dtype]) if values is None else values
    levels: list[np.ndarray] = []
    nvals = len(flat)
    for part in reversed(spec.partitions):
        if isinstance(part, RaggedFeature.UniformRowLength):
            n = int(part.length)
            if n <= 0 or nvals % n:
                raise InvalidArgumentError(f"Feature {key!r}: {nvals} values do not split into rows of "
                                           f"UniformRowLength {n}.")
            splits = np.arange(0, nvals + 1, n)
        else:
            raw = _values(part.key, feats, "int64", index)
            raw = np.zeros(0, np.int64) if raw is None else raw
            if isinstance(part, RaggedFeature.RowSplits):
                splits = raw if raw.size else np.zeros(1, np.int64)
            elif isinstance(part, RaggedFeature.RowLengths):
                splits = np.concatenate([[0], np.cumsum(raw)])
            elif isinstance(part, RaggedFeature.RowStarts):
                splits = np.concatenate([raw, [nvals]])
            elif isinstance(part, RaggedFeature.RowLimits):
                splits = np.concatenate([[0], raw])
            elif isinstance(part, RaggedFeature.ValueRowIds):
                nrows = int(raw.max()) + 1 if raw.size else 0
                splits = np.concatenate([[0], np.cumsum(np.bincount(raw, minlength=nrows))])
            else:
                raise ValueError(f"Feature {key!r}: unsupported partition {part!r}.")
        splits = np.asarray(splits, np.int64)
        if not spec.validate and not levels and splits[0] == 0 and 0 <= splits[-1] < nvals and \
                not np.any(np.diff(splits) < 0):
            flat, nvals = flat[:splits[-1]], int(splits[-1])  # TF keeps the values the splits cover
        if splits[0] != 0 or splits[-1] != nvals or np.any(np.diff(splits) < 0):
            raise InvalidArgumentError(f"Feature {key!r}: partition {part!r} gives row splits {splits.tolist()}, "
                                       f"which do not cover the {nvals} values of the level below.")
        levels.insert(0, splits)
        nvals = len(splits) - 1
    return flat, levels


def _nested(flat: np.ndarray, levels: list[np.ndarray], splits_dtype: Any) -> Any:
    out = _tensor(flat)
    for splits in reversed(levels):
        out = _ragged_of(out, splits, splits_dtype)
    return out


def _ragged_of(values: Any, splits: np.ndarray, splits_dtype: Any) -> Any:
    from ..ops.ragged_ops import RaggedTensor

    return RaggedTensor.from_row_splits(values, _tensor(np.asarray(splits).astype(splits_dtype.as_numpy_dtype)),
                                        validate=False)


def _parse_examples(serialized: np.ndarray, features: dict[str, Any], where: str, single: bool) -> dict[str, Any]:
    _group(features, where)
    if not features:
        raise ValueError(f"{where}: features cannot be empty; give a dict of feature name -> spec.")
    parsed = [_decode(_example_features, s, i) for i, s in enumerate(serialized.reshape(-1))]
    return _assemble(parsed, features, where, single)


def _assemble(parsed: list[dict[str, memoryview]], features: dict[str, Any], where: str,
              single: bool) -> dict[str, Any]:
    """The output tensors for feature maps already read (Examples, or SequenceExample contexts)."""
    sparse, dense, ragged = _group(features, where)
    batch = len(parsed)
    out: dict[str, Any] = {}
    for key in sparse:
        dtype = _dtype_name(features[key], key)
        idx, vals, width = [], [], 0
        for i, feats in enumerate(parsed):
            v = _values(key, feats, dtype, i)
            if v is None or not len(v):
                continue
            width = max(width, len(v))
            pos = np.arange(len(v))
            idx.append(pos[:, None] if single else np.stack([np.full(len(v), i), pos], 1))
            vals.append(v)
        out[key] = _sparse(idx, vals, [width] if single else [batch, width], dtype)
    for key in dense:
        spec = features[key]
        dtype = _dtype_name(spec, key)
        shape = _shape(spec, key)
        per = math.prod(shape)
        if isinstance(spec, FixedLenFeature):
            default = _default(spec, key, dtype, shape)
            rows = []
            for i, feats in enumerate(parsed):
                v = _values(key, feats, dtype, i)
                if v is None:
                    if default is None:
                        raise InvalidArgumentError(f"Feature: {key} (data type: {dtype}) is required but could not "
                                                   f"be found in example {i}. Give the FixedLenFeature a "
                                                   "default_value to make it optional.")
                    rows.append(default)
                    continue
                if v.size != per:
                    raise InvalidArgumentError(f"Key: {key}, Index: {i}. Number of {dtype} values != expected: the "
                                               f"example holds {v.size} values but the shape {list(shape)} needs "
                                               f"{per}.")
                rows.append(v.reshape(shape))
            arr = rows[0][None] if single else np.stack(rows) if rows else np.zeros((0, *shape), _NP[dtype])
        else:
            if not spec.allow_missing:
                raise ValueError(f"Unsupported: FixedLenSequenceFeature requires allow_missing to be True (feature "
                                 f"{key!r}) when parsing Examples.")
            pad = _default(spec, key, dtype, None)
            items = []
            for i, feats in enumerate(parsed):
                v = _values(key, feats, dtype, i)
                v = np.zeros(0, _NP[dtype]) if v is None else v
                if (v.size % per if per else v.size):
                    raise InvalidArgumentError(f"Key: {key}, Index: {i}. Number of values is not a multiple of "
                                               f"the item size: {v.size} values for items of shape {list(shape)}.")
                items.append(v.reshape((-1, *shape)) if per else np.zeros((0, *shape), _NP[dtype]))
            longest = max((len(x) for x in items), default=0)
            fill = (b"" if dtype == "string" else 0) if pad is None else pad.reshape(-1)[0]
            arr = np.full((batch, longest, *shape), fill, dtype=_NP[dtype])
            for i, x in enumerate(items):
                arr[i, :len(x)] = x
        out[key] = _tensor(arr[0] if single else arr)
    for key in ragged:
        out[features[key].value_key or key] = None  # TF's order: a ragged key stands where its value key is
    for key in ragged:
        spec = features[key]
        rows = [_partition(spec, key, feats, i) for i, feats in enumerate(parsed)]
        if single:
            flat, levels = rows[0]
            out[key] = _nested(flat, levels, spec.row_splits_dtype)
            continue
        # the batch: one more (outermost) level; each level's splits are offset by the rows before
        flat = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, _NP[_dtype_name(spec, key)])
        depth = len(spec.partitions)
        outer = np.concatenate([[0], np.cumsum([len(r[1][0]) - 1 if depth else len(r[0]) for r in rows])])
        levels = [outer.astype(np.int64)]
        for d in range(depth):
            parts, offset = [np.zeros(1, np.int64)], 0
            for r in rows:
                parts.append(r[1][d][1:] + offset)
                offset += int(r[1][d][-1])
            levels.append(np.concatenate(parts))
        out[key] = _nested(flat.astype(_NP[_dtype_name(spec, key)]), levels, spec.row_splits_dtype)
    out = _ragged_order(out, features, ragged)
    for key in sorted(k for k, spec in features.items() if isinstance(spec, SparseFeature)):  # TF puts them last
        out[key] = _sparse_feature(features[key], key, parsed, single)
    return out


def _sparse_feature(spec: SparseFeature, key: str, parsed: list[dict[str, memoryview]], single: bool) -> Any:
    """A SparseFeature: per example, the index lists (one per dimension) and the value list, sorted by position."""
    index_keys = [spec.index_key] if isinstance(spec.index_key, str) else list(spec.index_key)
    sizes = [spec.size] if np.ndim(spec.size) == 0 else list(spec.size)
    if len(sizes) != len(index_keys):
        raise ValueError(f"SparseFeature {key!r}: {len(index_keys)} index keys but size has {len(sizes)} entries; "
                         "give one size per index key.")
    dtype = _dtype_name(spec, key)
    indices, values = [], []
    for i, feats in enumerate(parsed):
        vals = _values(spec.value_key, feats, dtype, i)
        vals = np.zeros(0, _NP[dtype]) if vals is None else vals
        cols = []
        for ik in index_keys:
            v = _values(ik, feats, "int64", i)
            v = np.zeros(0, np.int64) if v is None else v
            if len(v) != len(vals):
                raise ValueError(f"Dimensions {len(v)} and {len(vals)} are not compatible: SparseFeature {key!r}, "
                                 f"example {i}: index key {ik!r} has {len(v)} positions and value key "
                                 f"{spec.value_key!r} {len(vals)} values.")
            cols.append(v.astype(np.int64))
        pos = np.stack(cols, 1) if cols and len(vals) else np.zeros((len(vals), len(index_keys)), np.int64)
        if not spec.already_sorted and len(vals) > 1:
            order = np.lexsort(pos.T[::-1])
            pos, vals = pos[order], vals[order]
        indices.append(pos if single else np.concatenate([np.full((len(vals), 1), i, np.int64), pos], 1))
        values.append(vals)
    shape = [int(d) for d in sizes] if single else [len(parsed), *[int(d) for d in sizes]]
    return _sparse(indices, values, shape, dtype)


def _ragged_order(out: dict[str, Any], features: dict[str, Any], ragged: list[str]) -> dict[str, Any]:
    """TF's key order for ragged results: each value key's slot (sorted by feature key), a feature whose value key
    differs from its name moved after them; slots of value keys that are not features dropped."""
    for key in ragged:
        if (features[key].value_key or key) != key:
            out[key] = out.pop(key)
    return {k: v for k, v in out.items() if k in features}


@in_programs
def parse_single_example(serialized: Any, features: dict[str, Any], example_names: Any = None,
                         name: str | None = None) -> dict[str, Any]:
    """Parse one serialised ``tf.train.Example`` (a string scalar) into a dict of tensors, one per key of
    ``features``: ``FixedLenFeature`` → dense tensor of its shape, ``VarLenFeature`` → ``SparseTensor``,
    ``FixedLenSequenceFeature(allow_missing=True)`` → ``[n, *shape]``, ``RaggedFeature`` → tensor (with
    partitions: ``RaggedTensor``). Raises ``InvalidArgumentError`` for a missing required feature, a list of the
    wrong type or the wrong number of values; works inside ``Dataset.map``.

    >>> import tapegrad as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[1])),
    ...     "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"a", b"b"]))}))
    >>> out = tf.io.parse_single_example(ex.SerializeToString(), {
    ...     "label": tf.io.FixedLenFeature([], tf.int64),
    ...     "tags": tf.io.VarLenFeature(tf.string),
    ...     "weight": tf.io.FixedLenFeature([], tf.float32, default_value=1.0)})
    >>> list(out), int(out["label"]), out["tags"].values.numpy().tolist(), float(out["weight"])
    (['tags', 'label', 'weight'], 1, [b'a', b'b'], 1.0)
    """
    data = string_array(serialized, "parse_single_example")
    if data.ndim != 0:
        raise ValueError(f"parse_single_example: serialized must be a scalar (one Example); got shape "
                         f"{list(data.shape)}. Use tf.io.parse_example for a batch.")
    return _parse_examples(data, features, "parse_single_example", single=True)


@in_programs
def parse_example(serialized: Any, features: dict[str, Any], example_names: Any = None,
                  name: str | None = None) -> dict[str, Any]:
    """Parse a vector of serialised ``tf.train.Example`` protos into batched tensors: ``FixedLenFeature`` →
    ``[batch, *shape]``, ``VarLenFeature`` → ``SparseTensor`` of dense shape ``[batch, max n]``,
    ``FixedLenSequenceFeature(allow_missing=True)`` → ``[batch, max n, *shape]`` padded with its
    ``default_value`` (or 0/``b""``), ``RaggedFeature`` → ``RaggedTensor`` ``[batch, None]``.

    >>> import tapegrad as tf
    >>> def ex(*v):
    ...     return tf.train.Example(features=tf.train.Features(feature={
    ...         "v": tf.train.Feature(int64_list=tf.train.Int64List(value=v))})).SerializeToString()
    >>> out = tf.io.parse_example([ex(1, 2), ex(3)], {"v": tf.io.VarLenFeature(tf.int64)})
    >>> tf.sparse.to_dense(out["v"]).numpy().tolist()
    [[1, 2], [3, 0]]
    >>> tf.io.parse_example([ex(1, 2), ex(3)], {"v": tf.io.RaggedFeature(tf.int64)})["v"]
    <tapegrad.RaggedTensor [[1, 2], [3]]>
    """
    data = string_array(serialized, "parse_example")
    if data.ndim > 1:
        raise InvalidArgumentError(f"parse_example: expected serialized to be a scalar or vector, got shape "
                                   f"{list(data.shape)}.")
    return _parse_examples(data, features, "parse_example", single=data.ndim == 0)


# -- SequenceExample -------------------------------------------------------------------------------------------------

def _parse_sequences(data: np.ndarray, context_features: Any, sequence_features: Any,
                     single: bool, where: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    if not context_features and not sequence_features:
        raise ValueError(f"{where}: both context_features and sequence_features are empty; give at least one.")
    flat = data.reshape(-1)
    parsed = [_decode(_sequence_example, s, i) for i, s in enumerate(flat)]
    context: dict[str, Any] = {}
    if context_features:
        context = _assemble([ctx for ctx, _ in parsed], dict(context_features), where, single)
    seq: dict[str, Any] = {}
    lengths: dict[str, Any] = {}
    sparse, dense, ragged = _group(dict(sequence_features or {}), where)
    sequence_features = dict(sequence_features or {})
    batch = len(parsed)
    for key in sparse:
        dtype = _dtype_name(sequence_features[key], key)
        idx, vals, steps_max, width = [], [], 0, 0
        for i, (_, lists) in enumerate(parsed):
            steps = lists.get(key, [])
            steps_max = max(steps_max, len(steps))
            for t, buf in enumerate(steps):
                v = _step_values(key, buf, dtype, i, t)
                if not len(v):
                    continue
                width = max(width, len(v))
                pos = np.arange(len(v))
                cols = [np.full(len(v), t), pos] if single else [np.full(len(v), i), np.full(len(v), t), pos]
                idx.append(np.stack(cols, 1))
                vals.append(v)
        shape = [steps_max, width] if single else [batch, steps_max, width]
        seq[key] = _sparse(idx, vals, shape, dtype)
    for key in dense:
        spec = sequence_features[key]
        if not isinstance(spec, FixedLenSequenceFeature):
            raise ValueError(f"Unsupported FixedLenFeature {spec} for key {key!r}: sequence features are "
                             "FixedLenSequenceFeature, VarLenFeature or RaggedFeature.")
        dtype = _dtype_name(spec, key)
        shape = _shape(spec, key)
        per = math.prod(shape)
        items = []
        for i, (_, lists) in enumerate(parsed):
            steps = lists.get(key)
            if steps is None:
                if not spec.allow_missing:
                    raise InvalidArgumentError(f"Name: <unknown>, Feature list '{key}' is required but could not be "
                                               "found in sequence example {i}. Use FixedLenSequenceFeature(..., "
                                               "allow_missing=True) to accept an empty list.")
                steps = []
            rows = []
            for t, buf in enumerate(steps):
                v = _step_values(key, buf, dtype, i, t)
                if v.size != per:
                    raise InvalidArgumentError(f"Name: <unknown>, Key: {key}, Index: {t}. Number of values != "
                                               f"expected: step {t} holds {v.size} values but the item shape "
                                               f"{list(shape)} needs {per}.")
                rows.append(v.reshape(shape))
            items.append(np.stack(rows) if rows else np.zeros((0, *shape), _NP[dtype]))
        pad = _default(spec, key, dtype, None)
        fill = (b"" if dtype == "string" else 0) if pad is None else pad.reshape(-1)[0]
        longest = max((len(x) for x in items), default=0)
        arr = np.full((batch, longest, *shape), fill, dtype=_NP[dtype])
        for i, x in enumerate(items):
            arr[i, :len(x)] = x
        seq[key] = _tensor(arr[0] if single else arr)
        lengths[key] = _tensor(np.array([len(x) for x in items], np.int64))
    for key in ragged:
        seq[sequence_features[key].value_key or key] = None
    for key in ragged:
        spec = sequence_features[key]
        if spec.partitions:
            raise ValueError(f"RaggedFeature {key!r}: partitions are supported for Example features, not for "
                             "SequenceExample feature lists.")
        dtype = _dtype_name(spec, key)
        per_example = []
        for i, (_, lists) in enumerate(parsed):
            steps = lists.get(spec.value_key or key, [])
            per_example.append([_step_values(key, buf, dtype, i, t) for t, buf in enumerate(steps)])
        step_vals = [v for ex in per_example for v in ex]
        inner = np.concatenate([[0], np.cumsum([len(v) for v in step_vals])]).astype(np.int64)
        values = np.concatenate(step_vals).astype(_NP[dtype]) if step_vals else np.zeros(0, _NP[dtype])
        levels = [inner]
        if not single:
            levels.insert(0, np.concatenate([[0], np.cumsum([len(ex) for ex in per_example])]).astype(np.int64))
        seq[key] = _nested(values, levels, spec.row_splits_dtype)
    return context, _ragged_order(seq, sequence_features, ragged), lengths


def _step_values(key: str, buf: memoryview, dtype: str, index: int, step: int) -> np.ndarray:
    kind, vals = _feature(buf)
    if kind is None:
        return np.zeros(0, _NP[dtype])
    if kind != dtype:
        raise InvalidArgumentError(f"Key: {key}, Index: {index}, step {step}. Data types don't match: the feature "
                                   f"list holds {kind} but the spec asks for {dtype}.")
    return vals


@in_programs
def parse_single_sequence_example(serialized: Any, context_features: dict[str, Any] | None = None,
                                  sequence_features: dict[str, Any] | None = None, example_name: Any = None,
                                  name: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse one serialised ``tf.train.SequenceExample`` into ``(context, sequences)`` dicts: context features as
    in :func:`parse_single_example`; sequence features from the feature lists: ``FixedLenSequenceFeature`` →
    ``[steps, *shape]`` (every step must hold exactly one item; a missing list needs ``allow_missing=True``),
    ``VarLenFeature`` → ``SparseTensor`` ``[steps, max n]``, ``RaggedFeature`` → ``RaggedTensor``
    ``[steps, None]``.

    >>> import tapegrad as tf
    >>> se = tf.train.SequenceExample()
    >>> se.context.feature["id"].int64_list.value.append(7)
    >>> for tok in ([1, 2], [3, 4], [5, 6]):
    ...     _ = se.feature_lists.feature_list["tok"].feature.add(int64_list=tf.train.Int64List(value=tok))
    >>> ctx, seq = tf.io.parse_single_sequence_example(
    ...     se.SerializeToString(), context_features={"id": tf.io.FixedLenFeature([], tf.int64)},
    ...     sequence_features={"tok": tf.io.FixedLenSequenceFeature([2], tf.int64)})
    >>> int(ctx["id"]), seq["tok"].numpy().tolist()
    (7, [[1, 2], [3, 4], [5, 6]])
    """
    data = string_array(serialized, "parse_single_sequence_example")
    if data.ndim != 0:
        raise ValueError(f"parse_single_sequence_example: serialized must be a scalar; got shape "
                         f"{list(data.shape)}. Use tf.io.parse_sequence_example for a batch.")
    context, seq, _ = _parse_sequences(data, context_features, sequence_features, True,
                                       "parse_single_sequence_example")
    return context, seq


@in_programs
def parse_sequence_example(serialized: Any, context_features: dict[str, Any] | None = None,
                           sequence_features: dict[str, Any] | None = None, example_names: Any = None,
                           name: str | None = None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Batched :func:`parse_single_sequence_example`: ``(context, sequences, lengths)``, each sequence padded to
    the longest in the batch, ``lengths`` the number of steps of each ``FixedLenSequenceFeature`` per example.

    >>> import tapegrad as tf
    >>> def se(*steps):
    ...     s = tf.train.SequenceExample()
    ...     for v in steps:
    ...         _ = s.feature_lists.feature_list["x"].feature.add(float_list=tf.train.FloatList(value=[v]))
    ...     return s.SerializeToString()
    >>> _, seq, lengths = tf.io.parse_sequence_example(
    ...     [se(1.0, 2.0), se(3.0)], sequence_features={"x": tf.io.FixedLenSequenceFeature([], tf.float32)})
    >>> seq["x"].numpy().tolist(), lengths["x"].numpy().tolist()
    ([[1.0, 2.0], [3.0, 0.0]], [2, 1])
    """
    data = string_array(serialized, "parse_sequence_example")
    if data.ndim != 1:
        raise InvalidArgumentError(f"parse_sequence_example: serialized must be a vector; got shape "
                                   f"{list(data.shape)}.")
    return _parse_sequences(data, context_features, sequence_features, False, "parse_sequence_example")

