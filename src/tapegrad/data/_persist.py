"""Datasets on disk and in databases: ``Dataset.save``/``load``/``snapshot``, ``FixedLengthRecordDataset``,
``tf.data.experimental.TFRecordWriter`` and ``SqlDataset``, and lookup tables built from datasets
(``DatasetInitializer``, ``table_from_dataset``, ``index_table_from_dataset``).

``save`` writes a directory: ``tapegrad_dataset.json`` (the element spec, the shard files, the cardinality, the
compression) and one file per shard, each a sequence of elements whose components are NumPy ``.npy`` records
(strings as lengths plus bytes). Nothing is pickled, so loading a directory runs no code from it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import _dtypes, _nest
from ..errors import InvalidArgumentError, NotFoundError
from ..lookup import KeyValueTensorInitializer
from ..ops.tensor_spec import TensorSpec
from ._structure import DatasetSpec, SparseTensorSpec, SparseValue, from_user
from .dataset import _UNK, Dataset, _call, _UnaryDataset
from .readers import _FileDataset, _open

__all__ = ["save", "load", "SnapshotDataset", "FixedLengthRecordDataset", "TFRecordWriter", "SqlDataset",
           "DatasetInitializer", "table_from_dataset", "index_table_from_dataset"]

_META = "tapegrad_dataset.json"


def _compression(value: Any, allow_auto: bool = False) -> str:
    c = "" if value is None else str(value).upper()
    if allow_auto and c in ("AUTO", "NONE"):
        c = ""
    if c not in ("", "GZIP", "ZLIB"):
        raise InvalidArgumentError(f"Unsupported compression {value!r}: use None, 'GZIP' or 'ZLIB'"
                                   + (" ('AUTO' means none here)." if allow_auto else "."))
    return c


# -- the element spec as JSON --------------------------------------------------------------------------------------

def _spec_to_json(spec: Any) -> Any:
    from ..ops.ragged_ops import RaggedTensorSpec

    if isinstance(spec, dict):
        return {"dict": [[k, _spec_to_json(v)] for k, v in spec.items()]}
    if isinstance(spec, tuple):
        return {"tuple": [_spec_to_json(v) for v in spec]}
    if not hasattr(spec, "shape"):
        raise TypeError(f"Dataset.save cannot write elements with a {type(spec).__name__} component ({spec}); save "
                        "datasets of tensors, SparseTensors and RaggedTensors.")
    shape = None if spec.shape.rank is None else [None if d is None else int(d) for d in spec.shape]
    if isinstance(spec, SparseTensorSpec):
        return {"sparse": [shape, spec.dtype.name]}
    if isinstance(spec, RaggedTensorSpec):
        return {"ragged": [shape, spec.dtype.name, int(spec.ragged_rank), spec.row_splits_dtype.name]}
    if isinstance(spec, TensorSpec):
        return {"tensor": [shape, spec.dtype.name]}
    raise TypeError(f"Dataset.save cannot write elements with a {type(spec).__name__} component ({spec}); save "
                    "datasets of tensors, SparseTensors and RaggedTensors.")


def _spec_from_json(node: Any) -> Any:
    from ..ops.ragged_ops import RaggedTensorSpec

    if "dict" in node:
        return {k: _spec_from_json(v) for k, v in node["dict"]}
    if "tuple" in node:
        return tuple(_spec_from_json(v) for v in node["tuple"])
    if "sparse" in node:
        return SparseTensorSpec(node["sparse"][0], _dtypes.as_dtype(node["sparse"][1]))
    if "ragged" in node:
        shape, dtype, rank, splits = node["ragged"]
        return RaggedTensorSpec(shape, _dtypes.as_dtype(dtype), rank, _dtypes.as_dtype(splits))
    shape, dtype = node["tensor"]
    return TensorSpec(None if shape is None else tuple(shape), _dtypes.as_dtype(dtype))


# -- one component on disk -----------------------------------------------------------------------------------------

def _write_array(f: Any, a: np.ndarray) -> None:
    if a.dtype.kind == "O":  # strings: shape, lengths, then the bytes
        flat = [bytes(b) for b in a.reshape(-1).tolist()]
        np.lib.format.write_array(f, np.array(a.shape, np.int64), allow_pickle=False)
        np.lib.format.write_array(f, np.array([len(b) for b in flat], np.int64), allow_pickle=False)
        f.write(b"".join(flat))
        return
    np.lib.format.write_array(f, a if a.flags.c_contiguous else a.copy(), allow_pickle=False)


def _read_array(f: Any, spec_dtype: Any) -> np.ndarray:
    if spec_dtype == _dtypes.string:
        shape = tuple(_read_npy(f).tolist())
        lengths = _read_npy(f)
        data = f.read(int(lengths.sum()))
        out = np.empty(len(lengths), dtype=object)
        ends = np.cumsum(lengths)
        out[:] = [data[e - n:e] for e, n in zip(ends.tolist(), lengths.tolist())]
        return out.reshape(shape)
    return _read_npy(f)


def _read_npy(f: Any) -> np.ndarray:
    # np.lib.format.read_array would np.fromfile() a BufferedReader, i.e. the compressed bytes under a GZIP/ZLIB
    # stream: read the header and the data through the stream instead.
    version = np.lib.format.read_magic(f)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(f)
    if dtype.hasobject:
        raise InvalidArgumentError("a saved dataset shard holds an object array; it was not written by Dataset.save.")
    count = int(np.prod(shape, dtype=np.int64))
    data = f.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise InvalidArgumentError("a saved dataset shard ends early (truncated or still being written).")
    return np.frombuffer(bytearray(data), dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")


def _write_leaf(f: Any, leaf: Any) -> None:
    from ..ops.ragged_ops import RaggedTensor

    if isinstance(leaf, SparseValue):
        for a in (leaf.indices, leaf.values, leaf.dense_shape):
            _write_array(f, np.asarray(a))
    elif isinstance(leaf, RaggedTensor):
        for s in leaf.nested_row_splits:
            _write_array(f, np.asarray(s._value))
        _write_array(f, np.asarray(leaf.flat_values._value))
    elif isinstance(leaf, np.ndarray):
        _write_array(f, leaf)
    else:
        raise TypeError(f"Dataset.save cannot write a {type(leaf).__name__} component.")


def _read_leaf(f: Any, spec: Any) -> Any:
    from ..ops import core as _core
    from ..ops.ragged_ops import RaggedTensor, RaggedTensorSpec

    if isinstance(spec, SparseTensorSpec):
        return SparseValue(_read_array(f, _dtypes.int64), _read_array(f, spec.dtype), _read_array(f, _dtypes.int64))
    if isinstance(spec, RaggedTensorSpec):
        splits = [_core.constant(_read_array(f, spec.row_splits_dtype)) for _ in range(spec.ragged_rank)]
        values = _core.constant(_read_array(f, spec.dtype))
        return RaggedTensor.from_nested_row_splits(values, splits, validate=False)
    return _read_array(f, spec.dtype)


class _ZlibWriter:
    def __init__(self, raw: Any) -> None:
        self._raw, self._z = raw, zlib.compressobj()

    def write(self, data: bytes) -> int:
        self._raw.write(self._z.compress(data))
        return len(data)

    def close(self) -> None:
        self._raw.write(self._z.flush())
        self._raw.close()


def _open_write(path: str, compression: str) -> Any:
    if compression == "GZIP":
        import gzip

        return gzip.open(path, "wb")
    raw = open(path, "wb")  # noqa: SIM115  (closed by _Shards.close)
    return _ZlibWriter(raw) if compression == "ZLIB" else raw


class _Shards:
    """The shard files of a directory being written: elements go to ``shard_func(element)``'s file."""

    def __init__(self, directory: str, compression: str, shard_func: Callable[..., Any] | None) -> None:
        os.makedirs(directory, exist_ok=True)
        self._dir, self._compression, self._shard_func = directory, compression, shard_func
        self._files: dict[int, Any] = {}
        self.count = 0

    def write(self, element: Any) -> None:
        shard = 0
        if self._shard_func is not None:
            value = from_user(_call(self._shard_func, element))
            if isinstance(value, tuple) or value.ndim != 0 or value.dtype.kind not in "iu":
                raise TypeError(f"shard_func must return an integer scalar (an int64 tensor); got {value!r}.")
            shard = int(value)
        f = self._files.get(shard)
        if f is None:
            f = self._files[shard] = _open_write(os.path.join(self._dir, f"shard_{shard:08d}.tgd"),
                                                 self._compression)
        f.write(b"E")
        for leaf in _nest.flatten(element):
            _write_leaf(f, leaf)
        self.count += 1

    def close(self, spec: Any) -> None:
        for f in self._files.values():
            f.close()
        meta = {"format": "tapegrad-dataset", "version": 1, "element_spec": _spec_to_json(spec),
                "compression": self._compression, "cardinality": self.count,
                "shards": [f"shard_{k:08d}.tgd" for k in sorted(self._files)]}
        with open(os.path.join(self._dir, _META), "w") as f:
            json.dump(meta, f)

    def abort(self) -> None:
        for f in self._files.values():
            f.close()


def save(dataset: Dataset, path: Any, compression: Any = None, shard_func: Callable[..., Any] | None = None) -> None:
    spec = dataset.element_spec
    _spec_to_json(spec)  # refuse what cannot be written before writing anything
    shards = _Shards(os.fspath(path), _compression(compression), shard_func)
    try:
        for element in dataset._iter_top():
            shards.write(element)
    except BaseException:
        shards.abort()
        raise
    shards.close(spec)


class _ShardDataset(Dataset):
    _tf_name = "_ShardDataset"

    def __init__(self, path: str, spec: Any, compression: str) -> None:
        super().__init__(_UNK)
        self._path, self._spec, self._compression = path, spec, compression

    def _iter(self) -> Iterator[Any]:
        leaves = _nest.flatten(self._spec)
        with _open(self._path, self._compression, 0, "dataset shard") as f:
            while f.read(1) == b"E":
                yield _nest.pack_sequence_as(self._spec, [_read_leaf(f, s) for s in leaves])

    def _compute_spec(self) -> Any:
        return self._spec


class _ShardListDataset(Dataset):
    """The shard datasets of a saved directory, as the elements ``reader_func`` combines."""

    _tf_name = "_ShardListDataset"

    def __init__(self, shards: list[Dataset], spec: Any) -> None:
        super().__init__(len(shards))
        self._shards, self._spec = shards, spec

    def _iter(self) -> Iterator[Any]:
        yield from self._shards

    def _compute_spec(self) -> Any:
        return DatasetSpec(self._spec)


class _LoadDataset(Dataset):
    _tf_name = "_LoadDataset"

    def __init__(self, path: str, reader_func: Callable[[Dataset], Dataset] | None) -> None:
        meta_path = os.path.join(path, _META)
        if not os.path.exists(meta_path):
            raise NotFoundError(f"tf.data snapshot element_spec file not found: {meta_path}. Is {path!r} a directory "
                                "written by tapegrad's Dataset.save?")
        with open(meta_path) as f:
            meta = json.load(f)
        super().__init__(int(meta["cardinality"]) if reader_func is None else _UNK)
        self._spec = _spec_from_json(meta["element_spec"])
        self._shards: list[Dataset] = [_ShardDataset(os.path.join(path, name), self._spec, meta["compression"])
                                       for name in meta["shards"]]
        self._reader = reader_func

    def _iter(self) -> Iterator[Any]:
        if self._reader is None:
            for shard in self._shards:
                yield from shard._iter()
            return
        combined = self._reader(_ShardListDataset(self._shards, self._spec))
        if not isinstance(combined, Dataset):
            raise TypeError(f"reader_func must return a Dataset; got {type(combined).__name__}.")
        yield from combined._iter()

    def _compute_spec(self) -> Any:
        return self._spec


def load(path: Any, element_spec: Any = None, reader_func: Callable[[Dataset], Dataset] | None = None) -> Dataset:
    ds = _LoadDataset(os.fspath(path), reader_func)
    if element_spec is not None and _spec_to_json(element_spec) != _spec_to_json(ds.element_spec):
        raise ValueError(f"Dataset.load: the element_spec given ({element_spec}) differs from the saved one "
                         f"({ds.element_spec}).")
    return ds


class SnapshotDataset(_UnaryDataset):
    """``Dataset.snapshot``: the first complete pass written under ``path/<fingerprint>``, later passes read."""

    _tf_name = "_SnapshotDataset"

    def __init__(self, input_dataset: Dataset, path: Any, compression: Any, reader_func: Any, shard_func: Any) -> None:
        super().__init__(input_dataset)
        self._path = os.fspath(path)
        self._compression = _compression(compression, allow_auto=True)
        self._reader, self._shard_func = reader_func, shard_func

    def _iter(self) -> Iterator[Any]:
        fp = int(self._input.fingerprint().numpy())
        final = os.path.join(self._path, f"{fp:016x}")
        if os.path.exists(os.path.join(final, _META)):
            yield from _LoadDataset(final, self._reader)._iter()
            return
        tmp = f"{final}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        shards = _Shards(tmp, self._compression, self._shard_func)
        done = False
        try:
            for element in self._input._iter():
                shards.write(element)
                yield element
            shards.close(self._input.element_spec)
            done = True
            try:
                os.replace(tmp, final)
            except OSError:  # another pass finished first: its files are the same
                pass
        finally:
            if not done:
                shards.abort()
            shutil.rmtree(tmp, ignore_errors=True)


# -- FixedLengthRecordDataset --------------------------------------------------------------------------------------

class FixedLengthRecordDataset(_FileDataset):
    """The fixed-size records of binary files, as string scalars, as ``tf.data.FixedLengthRecordDataset``:
    ``header_bytes`` are skipped at the start of each file and ``footer_bytes`` at its end, and the body is cut into
    records of ``record_bytes`` (a body that is not a whole number of records raises ``InvalidArgumentError``).
    ``compression_type``: ``None``/``""``, ``"GZIP"`` or ``"ZLIB"``; ``num_parallel_reads`` interleaves files.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "r.bin")
    >>> _ = open(path, "wb").write(b"HDaabbcc")
    >>> list(tf.data.FixedLengthRecordDataset(path, 2, header_bytes=2).as_numpy_iterator())
    [b'aa', b'bb', b'cc']
    """

    _tf_name = "FixedLengthRecordDatasetV2"

    def __init__(self, filenames: Any, record_bytes: int, header_bytes: int | None = None,
                 footer_bytes: int | None = None, buffer_size: int | None = None, compression_type: str | None = None,
                 num_parallel_reads: int | None = None, name: str | None = None) -> None:
        super().__init__(filenames, compression_type, buffer_size, num_parallel_reads)
        self._record, self._header, self._footer = int(record_bytes), int(header_bytes or 0), int(footer_bytes or 0)
        if self._record <= 0 or self._header < 0 or self._footer < 0:
            raise InvalidArgumentError(f"FixedLengthRecordDataset: record_bytes must be > 0 and header/footer bytes "
                                       f">= 0; got {self._record}, {self._header}, {self._footer}.")

    def _read(self, path: str) -> Iterator[Any]:
        from .._strings import scalar

        r, h, t = self._record, self._header, self._footer
        with _open(path, self._compression, self._buffer, "record") as f:
            if self._compression == "":
                body = os.path.getsize(path) - h - t
                if body < 0 or body % r:
                    raise InvalidArgumentError(
                        f"Excluding the header ({h} bytes) and footer ({t} bytes), input file \"{path}\" has body "
                        f"length {max(body, 0)} bytes, which is not an exact multiple of the record length ({r} "
                        "bytes).")
                f.read(h)
                for _ in range(body // r):
                    yield scalar(f.read(r))
                return
            f.read(h)
            pending = b""
            while True:
                chunk = f.read(max(65536, r))
                if not chunk:
                    break
                pending += chunk
                n = max(0, (len(pending) - t) // r)
                for i in range(n):
                    yield scalar(pending[i * r:(i + 1) * r])
                pending = pending[n * r:]
            if len(pending) != t:
                raise InvalidArgumentError(f"Excluding the header ({h} bytes) and footer ({t} bytes), the "
                                           f"decompressed file \"{path}\" ends with {len(pending) - t} bytes that are "
                                           f"not a whole record of {r} bytes.")


# -- TFRecordWriter, SqlDataset ------------------------------------------------------------------------------------

class TFRecordWriter:
    """Writes a dataset of string scalars to a TFRecord file (``tf.data.experimental.TFRecordWriter``).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "out.tfrecord")
    >>> tf.data.experimental.TFRecordWriter(path).write(tf.data.Dataset.from_tensor_slices([b"a", b"b"]))
    >>> list(tf.data.TFRecordDataset(path).as_numpy_iterator())
    [b'a', b'b']
    """

    def __init__(self, filename: Any, compression_type: str | None = None, name: str | None = None) -> None:
        self._filename, self._compression = filename, _compression(compression_type)

    def write(self, dataset: Dataset, name: str | None = None) -> None:
        """Write every element of ``dataset`` (scalar strings, else TypeError) as one record."""
        from ..io_ops.tfrecord import TFRecordOptions
        from ..io_ops.tfrecord import TFRecordWriter as _Writer

        if not isinstance(dataset, Dataset):
            raise TypeError(f"Invalid `dataset`. Expected a `tf.data.Dataset` object but got {type(dataset).__name__}.")
        spec = dataset.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype != _dtypes.string or spec.shape.rank != 0:
            raise TypeError("Invalid `dataset`. Expected a`dataset` that produces scalar `tf.string` elements, but "
                            f"got a dataset which produces elements {spec}.")
        with _Writer(self._filename, TFRecordOptions(self._compression)) as writer:
            for element in dataset._iter_top():
                writer.write(bytes(element[()]))


def _sql_value(value: Any, dtype: Any, column: int) -> np.ndarray:
    if dtype == _dtypes.string:
        out = np.empty((), dtype=object)
        out[()] = value if isinstance(value, bytes) else str(value).encode()
        return out
    if value is None:
        raise InvalidArgumentError(f"SqlDataset: column {column} is NULL; it cannot be a {dtype.name} (select a "
                                   "default with COALESCE).")
    return np.array(value, dtype=dtype.as_numpy_dtype)


class SqlDataset(Dataset):
    """The rows of a SQLite query, as ``tf.data.experimental.SqlDataset``: ``driver_name`` must be ``"sqlite"``,
    ``data_source_name`` is the database file, and each row becomes a tuple of scalars of ``output_types`` (one
    dtype per selected column). The query runs when the dataset is iterated, once per pass.

    >>> import os, sqlite3, tempfile
    >>> import tapegrad as tf
    >>> db = os.path.join(tempfile.mkdtemp(), "d.sqlite")
    >>> con = sqlite3.connect(db); _ = con.execute("CREATE TABLE t (a TEXT, b INTEGER)")
    >>> _ = con.execute("INSERT INTO t VALUES ('x', 1)"); con.commit(); con.close()
    >>> list(tf.data.experimental.SqlDataset("sqlite", db, "SELECT a, b FROM t", (tf.string, tf.int32))
    ...      .as_numpy_iterator())
    [(b'x', np.int32(1))]
    """

    _tf_name = "SqlDatasetV2"

    def __init__(self, driver_name: str, data_source_name: str, query: str, output_types: Any) -> None:
        super().__init__(_UNK)
        if str(driver_name) != "sqlite":
            raise InvalidArgumentError(f"The database type, {driver_name}, is not supported by SqlDataset. The set of "
                                       "supported databases is: {'sqlite'}.")
        self._source, self._query = os.fspath(data_source_name), str(query)
        self._types = _nest.map_structure(_dtypes.as_dtype, output_types)

    def _iter(self) -> Iterator[Any]:
        flat = _nest.flatten(self._types)
        con = sqlite3.connect(self._source)
        try:
            for row in con.execute(self._query):
                if len(row) != len(flat):
                    raise InvalidArgumentError(f"SqlDataset: the query returns {len(row)} columns but output_types "
                                               f"has {len(flat)}.")
                yield _nest.pack_sequence_as(self._types, [_sql_value(v, t, i) for i, (v, t) in
                                                           enumerate(zip(row, flat))])
        except sqlite3.Error as exc:
            raise InvalidArgumentError(f"SqlDataset: SQLite failed on {self._query!r}: {exc}") from exc
        finally:
            con.close()

    def _compute_spec(self) -> Any:
        return _nest.map_structure(lambda t: TensorSpec((), t), self._types)


# -- lookup tables from datasets -----------------------------------------------------------------------------------

def _column(items: list[np.ndarray], dtype: Any) -> np.ndarray:
    if dtype == _dtypes.string:
        out = np.empty(len(items), dtype=object)
        out[:] = [a[()] for a in items]
        return out
    return np.array(items, dtype=dtype.as_numpy_dtype).reshape(len(items))


class DatasetInitializer(KeyValueTensorInitializer):
    """A table initializer from a dataset of ``(key, value)`` scalar pairs (``tf.lookup.experimental``/
    ``tf.data.experimental.DatasetInitializer``); the dataset is read when the initializer is made.

    >>> import tapegrad as tf
    >>> pairs = tf.data.Dataset.zip((tf.data.Dataset.from_tensor_slices(["a", "b"]), tf.data.Dataset.range(2)))
    >>> table = tf.lookup.StaticHashTable(tf.data.experimental.DatasetInitializer(pairs), -1)
    >>> table.lookup(tf.constant(["b", "z"])).numpy().tolist()
    [1, -1]
    """

    def __init__(self, dataset: Dataset) -> None:
        spec = dataset.element_spec
        if not (isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(s, TensorSpec) for s in spec)):
            raise ValueError(f"The dataset given to DatasetInitializer must have elements of two tensors (key, "
                             f"value); got {spec}.")
        keys, values = [], []
        for k, v in dataset._iter_top():
            keys.append(k)
            values.append(v)
        super().__init__(_column(keys, spec[0].dtype), _column(values, spec[1].dtype), key_dtype=spec[0].dtype,
                         value_dtype=spec[1].dtype)
        self.dataset = dataset


def table_from_dataset(dataset: Dataset | None = None, num_oov_buckets: int = 0, vocab_size: int | None = None,
                       default_value: Any = None, hasher_spec: Any = None, key_dtype: Any = "string",
                       name: str | None = None) -> Any:
    """A lookup table from a dataset of ``(key, value)`` pairs; unknown keys give ``default_value``, or with
    ``num_oov_buckets`` an id ``size + Fingerprint64(key) % num_oov_buckets`` (values must be int64 then).
    ``vocab_size`` reads only that many pairs.

    >>> import tapegrad as tf
    >>> keys = tf.data.Dataset.from_tensor_slices(["x", "y"])
    >>> t = tf.data.experimental.table_from_dataset(tf.data.Dataset.zip((keys, tf.data.Dataset.range(5, 7))),
    ...                                           default_value=-1)
    >>> t.lookup(tf.constant(["y", "q"])).numpy().tolist()
    [6, -1]
    """
    from ..lookup import StaticHashTable, StaticVocabularyTable

    if dataset is None:
        raise ValueError("table_from_dataset needs a dataset of (key, value) pairs.")
    if num_oov_buckets < 0:
        raise ValueError(f"num_oov_buckets must be greater or equal than 0, got {num_oov_buckets}.")
    if vocab_size is not None and vocab_size < 1:
        raise ValueError(f"vocab_size must be greater than 0, got {vocab_size}.")
    kd = _dtypes.as_dtype(key_dtype)
    if not (kd.is_integer or kd == _dtypes.string):
        raise TypeError(f"Only integer and string keys are supported; got key_dtype {kd.name}.")
    if vocab_size is not None:
        dataset = dataset.take(vocab_size)
    init = DatasetInitializer(dataset)
    if num_oov_buckets:
        return StaticVocabularyTable(init, num_oov_buckets, name=name)
    return StaticHashTable(init, -1 if default_value is None else default_value, name=name)


def index_table_from_dataset(dataset: Dataset | None = None, num_oov_buckets: int = 0, vocab_size: int | None = None,
                             default_value: Any = -1, hasher_spec: Any = None, key_dtype: Any = "string",
                             name: str | None = None) -> Any:
    """A table from each key of ``dataset`` (scalars) to its position (int64); other keys give ``default_value``,
    or with ``num_oov_buckets`` a hash bucket id after the vocabulary.

    >>> import tapegrad as tf
    >>> t = tf.data.experimental.index_table_from_dataset(tf.data.Dataset.from_tensor_slices(["a", "b"]))
    >>> t.lookup(tf.constant(["b", "a", "c"])).numpy().tolist()
    [1, 0, -1]
    """
    if dataset is None:
        raise ValueError("index_table_from_dataset needs a dataset of keys.")
    pairs = dataset.enumerate().map(lambda i, k: (k, i))
    return table_from_dataset(pairs, num_oov_buckets, vocab_size, default_value, hasher_spec, key_dtype, name)

