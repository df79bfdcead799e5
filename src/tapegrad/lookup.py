"""``tapegrad.lookup``: the ``tf.lookup`` namespace — hash tables from keys to values (see docs/misc_ops.md).

* :class:`StaticHashTable` (immutable, from an initializer), :class:`StaticVocabularyTable` (out-of-vocabulary keys
  go to hash buckets with TF's Fingerprint64 ids, bit-exact), :class:`KeyValueTensorInitializer`,
  :class:`TextFileInitializer` and :class:`TextFileIndex`;
* ``experimental.MutableHashTable`` and ``experimental.DenseHashTable`` (``insert``, ``remove``, ``export``).

A table holds state: inside a ``tapegrad.function`` its methods are host calls of the program, so every call reads
(or changes) the table's current contents, as TF's table ops do in a graph. ``Dataset.map`` functions call them
directly. ``lookup`` accepts Tensors, SparseTensors (values looked up, same indices) and RaggedTensors.

>>> import tapegrad as tf
>>> init = tf.lookup.KeyValueTensorInitializer(["a", "b", "c"], tf.constant([1, 2, 3], tf.int64))
>>> table = tf.lookup.StaticHashTable(init, default_value=-1)
>>> table.lookup(tf.constant(["a", "d", "c"])).numpy().tolist()
[1, -1, 3]
>>> vocab = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=5)
>>> vocab.lookup(tf.constant(["b", "foo"])).numpy().tolist()
[2, 4]
"""

from __future__ import annotations

import functools
import os
import types as _types
from typing import Any

import numpy as np

from . import _dtypes
from ._tensor import Tensor, _TensorLike, make
from .compiler.host import in_programs
from .errors import FailedPreconditionError, InvalidArgumentError, NotFoundError

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable", "TextFileIndex",
           "TextFileInitializer", "experimental"]

# The (key, value) dtype pairs TF 2.21 has CPU kernels for (others raise NotFoundError, as TF's table creation).
_NUM = ("int32", "float32", "float64")
_STATIC_KINDS = {("int32", v) for v in (*_NUM, "string")} | {("int64", v) for v in (*_NUM, "int64", "string")} | {
    ("string", v) for v in (*_NUM, "int64", "string", "bool")}
_MUTABLE_KINDS = {("int32", v) for v in _NUM} | {("int64", v) for v in (*_NUM, "int64", "string")} | {
    ("string", v) for v in (*_NUM, "int64", "bool")}
_DENSE_KINDS = {("int32", v) for v in _NUM} | {("int64", v) for v in (*_NUM, "int64", "bool")} | {
    ("string", v) for v in (*_NUM, "int64", "bool")}


def _numpy(t: Any) -> np.ndarray:
    return np.asarray(t._value)


def _convert(value: Any, dtype: Any, what: str) -> Tensor:
    """``value`` as a Tensor of ``dtype``: a Tensor must have it already (TypeError, as TF's table ops)."""
    from .ops.core import convert_to_tensor

    if isinstance(value, _TensorLike):
        if value.dtype != dtype:
            raise TypeError(f"{what} must have dtype {dtype.name}, got a {value.dtype.name} tensor; cast it first, "
                            f"e.g. tf.cast(x, tf.{dtype.name}).")
        return value
    return convert_to_tensor(value, dtype=dtype)


def _check_kinds(cls: str, kinds: set[tuple[str, str]], key: Any, value: Any) -> None:
    if (key.name, value.name) not in kinds:
        ok = ", ".join(f"{k}->{v}" for k, v in sorted(kinds))
        raise NotFoundError(f"{cls}: no table from {key.name} keys to {value.name} values (TensorFlow has no kernel "
                            f"for it). Supported key->value dtypes: {ok}.")


class _Store:
    """The table's contents: a dict from each key (bytes or int, or a tuple for DenseHashTable's vector keys) to
    its row in ``rows`` (the values, one row per key ever inserted; a removed key's row is left unused)."""

    def __init__(self, value_np: Any, value_shape: tuple[int, ...]) -> None:
        self.index: dict[Any, int] = {}
        self.rows = np.zeros((8, *value_shape), dtype=value_np)
        if np.dtype(value_np).kind == "O":
            self.rows[...] = b""
        self.used = 0

    def put(self, keys: list[Any], values: np.ndarray, *, static: bool = False, cls: str = "") -> None:
        for k, v in zip(keys, values):
            i = self.index.get(k)
            if i is not None and static:
                if np.array_equal(self.rows[i], v):
                    continue
                raise FailedPreconditionError(
                    f"{cls}: the key {k!r} appears twice with different values ({self.rows[i]!r} and {v!r}); a static "
                    "table's initializer must give each key one value.")
            if i is None:
                if self.used == len(self.rows):
                    grown = np.zeros((2 * len(self.rows), *self.rows.shape[1:]), dtype=self.rows.dtype)
                    if grown.dtype == object:
                        grown[...] = b""
                    grown[: self.used] = self.rows
                    self.rows = grown
                i = self.index[k] = self.used
                self.used += 1
            self.rows[i] = v

    def get(self, keys: list[Any], default: np.ndarray, dynamic: np.ndarray | None = None) -> np.ndarray:
        idx = np.fromiter((self.index.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
        out = self.rows[idx]  # a copy (fancy indexing); missing keys read row -1 and are overwritten below
        miss = idx < 0
        if miss.any():
            out[miss] = default if dynamic is None else dynamic[miss]
        return out

    def remove(self, keys: list[Any]) -> None:
        for k in keys:
            self.index.pop(k, None)

    def export(self) -> tuple[list[Any], np.ndarray]:
        return list(self.index), self.rows[list(self.index.values())]


def _key_list(arr: np.ndarray) -> list[Any]:
    """A flat list of hashable keys: bytes for strings, Python ints/floats for numbers."""
    return arr.reshape(-1).tolist()


def _keys_array(keys: list[Any], dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    if np.dtype(dtype).kind == "O":
        out = np.empty(len(keys), dtype=object)
        out[:] = keys
        return out.reshape(shape)
    return np.asarray(keys, dtype=dtype).reshape(shape)


def _tensor(arr: np.ndarray) -> Tensor:
    from ._backend import NUMPY

    return make(arr if arr.flags.c_contiguous else arr.copy(), NUMPY)


class _Table:
    """What every table shares: dtypes, default value and ``lookup``/``size``/``export`` over a :class:`_Store`."""

    _cls = "table"

    def __init__(self, key_dtype: Any, value_dtype: Any, default_value: Any, name: str | None) -> None:
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)
        self._name = name
        d = _convert(default_value, self._value_dtype, f"{self._cls}: default_value")
        self._default = _numpy(d)
        self._value_shape = tuple(self._default.shape)
        self._store = _Store(self._value_dtype._np, self._value_shape)

    key_dtype = property(lambda self: self._key_dtype, doc="The dtype of the keys.")
    value_dtype = property(lambda self: self._value_dtype, doc="The dtype of the values.")
    name = property(lambda self: self._name, doc="The table's name (None if none was given).")

    @property
    def default_value(self) -> Tensor:
        """The value of a missing key."""
        return _tensor(self._default.copy())

    def _keys(self, keys: Any, what: str = "keys") -> np.ndarray:
        return _numpy(_convert(keys, self._key_dtype, f"{self._cls}.{what}"))

    def _find(self, k: np.ndarray, dynamic: Any = None) -> np.ndarray:
        dyn = None
        if dynamic is not None:
            dyn = _numpy(_convert(dynamic, self._value_dtype, f"{self._cls}.lookup: dynamic_default_values"))
            want = tuple(k.shape) + self._value_shape
            if tuple(dyn.shape) != want:
                raise InvalidArgumentError(f"{self._cls}.lookup: dynamic_default_values must have shape {list(want)} "
                                           f"(the keys' shape then the value shape), got {list(dyn.shape)}.")
            dyn = dyn.reshape((-1, *self._value_shape))
        out = self._store.get(_key_list(k), self._default, dyn)
        return out.reshape(tuple(k.shape) + self._value_shape)

    @in_programs
    def lookup(self, keys: Any, name: str | None = None) -> Any:
        """The value of each key (``default_value`` where a key is missing): a Tensor of the keys' shape (then the
        value shape), of ``value_dtype``. A SparseTensor's values or a RaggedTensor's flat values are looked up.
        Keys must have ``key_dtype`` (TypeError otherwise); Python lists are converted to it."""
        return _map_keys(keys, lambda k: _tensor(self._find(self._keys(k))))

    __getitem__ = lookup

    @in_programs
    def size(self, name: str | None = None) -> Tensor:
        """The number of keys in the table (int64 scalar)."""
        return _tensor(np.array(len(self._store.index), dtype=np.int64))

    @in_programs
    def export(self, name: str | None = None) -> tuple[Tensor, Tensor]:
        """``(keys, values)``: every key and its value. TF lists them in its hash table's internal order;
        tapegrad lists them in insertion order (compare exports as sets)."""
        keys, rows = self._store.export()
        return (_tensor(_keys_array(keys, self._key_dtype._np, (len(keys),))),
                _tensor(rows.reshape((len(keys), *self._value_shape))))


def _map_keys(keys: Any, fn: Any) -> Any:
    """``fn`` on a dense Tensor of keys, or on a SparseTensor's values / a RaggedTensor's flat values."""
    from .ops.ragged_ops import RaggedTensor
    from .ops.sparse_ops import SparseTensor

    if isinstance(keys, SparseTensor):
        return SparseTensor(keys.indices, fn(keys.values), keys.dense_shape)
    if isinstance(keys, RaggedTensor):
        return keys.with_flat_values(fn(keys.flat_values))
    return fn(keys)


# -- initializers -------------------------------------------------------------------------------------------------


class TextFileIndex:
    """Special column indices of :class:`TextFileInitializer`: the whole line, or the line number (from 0)."""

    WHOLE_LINE = -2
    LINE_NUMBER = -1


class KeyValueTensorInitializer:
    """Initializes a static table from a tensor of keys and a tensor of values (of the same length).

    >>> import tapegrad as tf
    >>> init = tf.lookup.KeyValueTensorInitializer([1, 2], [10.0, 20.0])
    >>> (init.key_dtype.name, init.value_dtype.name)
    ('int32', 'float32')
    """

    def __init__(self, keys: Any, values: Any, key_dtype: Any = None, value_dtype: Any = None,
                 name: str | None = None) -> None:
        from .ops.core import convert_to_tensor

        def conv(x: Any, dt: Any, what: str) -> Tensor:
            try:
                return convert_to_tensor(x, dtype=dt)
            except ValueError as exc:  # a tensor of another dtype (TF: ValueError)
                raise ValueError(f"KeyValueTensorInitializer: {what}: {exc}") from None

        self._keys = conv(keys, key_dtype, "keys")
        self._values = conv(values, value_dtype, "values")
        self._name = name

    key_dtype = property(lambda self: self._keys.dtype, doc="The dtype of the keys.")
    value_dtype = property(lambda self: self._values.dtype, doc="The dtype of the values.")

    def _pairs(self, cls: str) -> tuple[np.ndarray, np.ndarray]:
        k, v = _numpy(self._keys), _numpy(self._values)
        if k.shape != v.shape:
            raise InvalidArgumentError(f"{cls}: the initializer has {k.size} keys (shape {list(k.shape)}) but values "
                                       f"of shape {list(v.shape)}; give one value per key.")
        return k.reshape(-1), v.reshape(-1)


class TextFileInitializer:
    """Initializes a static table from a text file: one entry per line, the key and the value taken from the
    columns ``key_index`` and ``value_index`` (split at ``delimiter``), or the whole line
    (``TextFileIndex.WHOLE_LINE``), or the line number (``TextFileIndex.LINE_NUMBER``, plus ``value_index_offset``
    for values). ``vocab_size`` reads only the first lines (the file must have at least that many).

    >>> import os, tempfile, tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("emerson\\nlake\\npalmer\\n")
    >>> init = tf.lookup.TextFileInitializer(path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
    ...                                      tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER)
    >>> tf.lookup.StaticHashTable(init, -1).lookup(tf.constant(["lake", "x"])).numpy().tolist()
    [1, -1]
    """

    def __init__(self, filename: Any, key_dtype: Any, key_index: int, value_dtype: Any, value_index: int,
                 vocab_size: int | None = None, delimiter: str = "\t", name: str | None = None,
                 value_index_offset: int = 0) -> None:
        self._filename = filename
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)
        for what, idx, dt in (("key_index", key_index, self._key_dtype), ("value_index", value_index,
                                                                          self._value_dtype)):
            if idx < TextFileIndex.WHOLE_LINE:
                raise ValueError(f"TextFileInitializer: {what} must be >= -2 (a column, or TextFileIndex.LINE_NUMBER "
                                 f"= -1, or WHOLE_LINE = -2), got {idx}.")
            if idx == TextFileIndex.LINE_NUMBER and dt.name not in ("int32", "int64"):
                raise ValueError(f"TextFileInitializer: {what} is LINE_NUMBER, which needs an integer dtype, got "
                                 f"{dt.name}.")
            if idx == TextFileIndex.WHOLE_LINE and dt.name != "string":
                raise ValueError(f"TextFileInitializer: {what} is WHOLE_LINE, which needs dtype string, got "
                                 f"{dt.name}.")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"TextFileInitializer: vocab_size must be positive, got {vocab_size}.")
        self._key_index, self._value_index = key_index, value_index
        self._vocab_size, self._delimiter, self._offset = vocab_size, delimiter, value_index_offset
        self._name = name

    key_dtype = property(lambda self: self._key_dtype, doc="The dtype of the keys.")
    value_dtype = property(lambda self: self._value_dtype, doc="The dtype of the values.")

    def _path(self) -> str:
        f = self._filename
        if isinstance(f, _TensorLike):
            f = _numpy(f).item()
        return os.fsdecode(f) if isinstance(f, (bytes, os.PathLike)) else str(f)

    def _pairs(self, cls: str) -> tuple[np.ndarray, np.ndarray]:
        path = self._path()
        try:
            with open(path, "rb") as fh:
                lines = fh.read().split(b"\n")
        except FileNotFoundError:
            raise NotFoundError(f"{cls}: TextFileInitializer: {path}: no such file.") from None
        if lines and lines[-1] == b"":
            lines.pop()  # the file's final newline ends the last line
        lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
        if self._vocab_size is not None:
            if len(lines) < self._vocab_size:
                raise InvalidArgumentError(f"{cls}: TextFileInitializer: vocab_size={self._vocab_size} but {path} "
                                           f"has only {len(lines)} lines.")
            lines = lines[: self._vocab_size]
        delim = self._delimiter.encode() if isinstance(self._delimiter, str) else self._delimiter
        keys = [self._field(ln, n, self._key_index, self._key_dtype, 0, delim, path) for n, ln in enumerate(lines)]
        vals = [self._field(ln, n, self._value_index, self._value_dtype, self._offset, delim, path)
                for n, ln in enumerate(lines)]
        return (_keys_array(keys, self._key_dtype._np, (len(keys),)),
                _keys_array(vals, self._value_dtype._np, (len(vals),)))

    @staticmethod
    def _field(line: bytes, n: int, index: int, dt: Any, offset: int, delim: bytes, path: str) -> Any:
        if index == TextFileIndex.LINE_NUMBER:
            return n + offset
        if index == TextFileIndex.WHOLE_LINE:
            return line
        cols = line.split(delim)
        if index >= len(cols):
            raise InvalidArgumentError(f"TextFileInitializer: {path} line {n} ({line!r}) has {len(cols)} columns "
                                       f"split at {delim!r}; column {index} is needed.")
        text = cols[index]
        if dt.name == "string":
            return text
        try:
            return int(text) if dt.name.startswith("int") else float(text)
        except ValueError:
            raise InvalidArgumentError(f"TextFileInitializer: field {text!r} in {path} line {n} is not a valid "
                                       f"{dt.name}.") from None


# -- static tables ------------------------------------------------------------------------------------------------


class StaticHashTable(_Table):
    """An immutable table filled by ``initializer`` (:class:`KeyValueTensorInitializer` or
    :class:`TextFileInitializer`); missing keys map to the scalar ``default_value``.

    >>> import tapegrad as tf
    >>> init = tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2])
    >>> table = tf.lookup.StaticHashTable(init, default_value=-1)
    >>> table.lookup(tf.constant([["a", "x"], ["b", "a"]])).numpy().tolist()
    [[1, -1], [2, 1]]
    >>> int(table.size())
    2
    """

    _cls = "StaticHashTable"

    def __init__(self, initializer: Any, default_value: Any, name: str | None = None,
                 experimental_is_anonymous: bool = False) -> None:
        super().__init__(initializer.key_dtype, initializer.value_dtype, default_value, name)
        if self._value_shape:
            raise ValueError(f"StaticHashTable: default_value must be a scalar, got shape {list(self._value_shape)}.")
        _check_kinds(self._cls, _STATIC_KINDS, self._key_dtype, self._value_dtype)
        self._initializer = initializer
        k, v = initializer._pairs(self._cls)
        self._store.put(_key_list(k), v, static=True, cls=self._cls)

    initializer = property(lambda self: self._initializer, doc="The initializer the table was filled from.")


@functools.lru_cache(maxsize=1 << 16)
def _oov_hash(key: Any) -> int:
    """TF's Fingerprint64 of an out-of-vocabulary key (an integer key as its decimal text); cached, since token
    streams repeat their unknown words and the hash runs in Python."""
    from .ops.string_ops import fingerprint64

    return fingerprint64(key if isinstance(key, bytes) else str(key).encode())


class StaticVocabularyTable:
    """A string (or int64) vocabulary to int64 ids: keys in the vocabulary map to their values (``initializer``'s
    ids), other keys to ``vocab_size + Fingerprint64(key) % num_oov_buckets`` (integer keys hashed as their decimal
    text), TF's bucket ids exactly. ``size()`` is the vocabulary size plus ``num_oov_buckets``.
    ``initializer=None``: every key goes to a bucket. ``lookup_key_dtype=tf.int32`` looks up int32 keys in an int64
    vocabulary.

    >>> import tapegrad as tf
    >>> init = tf.lookup.KeyValueTensorInitializer(["emerson", "lake", "palmer"], tf.range(3, dtype=tf.int64))
    >>> table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=5)
    >>> table.lookup(tf.constant(["emerson", "lake", "foo", "bar"])).numpy().tolist()
    [0, 1, 4, 7]
    """

    def __init__(self, initializer: Any, num_oov_buckets: int, lookup_key_dtype: Any = None, name: str | None = None,
                 experimental_is_anonymous: bool = False) -> None:
        if num_oov_buckets <= 0:
            raise ValueError(f"StaticVocabularyTable: num_oov_buckets must be > 0, got {num_oov_buckets}; use "
                             "StaticHashTable for a table without out-of-vocabulary buckets.")
        self._n = int(num_oov_buckets)
        self._name = name
        self._initializer = initializer
        table_key = _dtypes.string
        if initializer is not None:
            if initializer.value_dtype != _dtypes.int64:
                raise TypeError(f"StaticVocabularyTable: the initializer's values must be int64 ids, got "
                                f"{initializer.value_dtype.name}.")
            table_key = initializer.key_dtype
        if table_key.name not in ("int64", "string"):
            raise TypeError(f"StaticVocabularyTable: keys must be int64 or string, got {table_key.name}.")
        lk = table_key if lookup_key_dtype is None else _dtypes.as_dtype(lookup_key_dtype)
        if lk != table_key and not (lk.name == "int32" and table_key.name == "int64"):
            raise TypeError(f"StaticVocabularyTable: lookup_key_dtype {lk.name} does not fit keys of {table_key.name} "
                            "(only int32 lookups into an int64 vocabulary are converted).")
        self._table_key, self._key_dtype = table_key, lk
        self._table = None if initializer is None else StaticHashTable(initializer, -1)

    key_dtype = property(lambda self: self._key_dtype, doc="The dtype of the keys ``lookup`` takes.")
    value_dtype = property(lambda self: _dtypes.int64, doc="int64: the ids.")
    name = property(lambda self: self._name, doc="The table's name (None if none was given).")
    initializer = property(lambda self: self._initializer, doc="The initializer (None: only buckets).")

    def _vocab_size(self) -> int:
        return 0 if self._table is None else len(self._table._store.index)

    def _ids(self, keys: Any) -> Tensor:
        k = _numpy(_convert(keys, self._key_dtype, "StaticVocabularyTable.lookup: keys"))
        if self._key_dtype != self._table_key:
            k = k.astype(np.int64)
        flat = _key_list(k)
        if self._table is None:
            ids = np.full(len(flat), -1, dtype=np.int64)
        else:
            ids = self._table._store.get(flat, np.int64(-1)).astype(np.int64)
        vocab, n = self._vocab_size(), self._n
        for i in np.flatnonzero(ids < 0).tolist():
            ids[i] = vocab + _oov_hash(flat[i]) % n
        return _tensor(ids.reshape(k.shape))

    @in_programs
    def lookup(self, keys: Any, name: str | None = None) -> Any:
        """The id of each key: its vocabulary id, or its out-of-vocabulary bucket (int64, the keys' shape; a
        SparseTensor's or RaggedTensor's values are looked up)."""
        return _map_keys(keys, self._ids)

    __getitem__ = lookup

    @in_programs
    def size(self, name: str | None = None) -> Tensor:
        """The vocabulary size plus ``num_oov_buckets`` (int64 scalar)."""
        return _tensor(np.array(self._vocab_size() + self._n, dtype=np.int64))


# -- mutable tables -----------------------------------------------------------------------------------------------


class _MutableTable(_Table):
    def _insert_pairs(self, keys: Any, values: Any, key_shape: tuple[int, ...] = ()) -> None:
        k = self._keys(keys, "insert: keys")
        v = _numpy(_convert(values, self._value_dtype, f"{self._cls}.insert: values"))
        batch = tuple(k.shape[: k.ndim - len(key_shape)])
        want = batch + self._value_shape
        if tuple(v.shape) != want:
            raise InvalidArgumentError(f"{self._cls}.insert: values must have shape {list(want)} (the keys' shape "
                                       f"{list(batch)} then the value shape {list(self._value_shape)}), got "
                                       f"{list(v.shape)}.")
        self._check_reserved(k)
        self._store.put(self._flat_keys(k), v.reshape((-1, *self._value_shape)))

    def _flat_keys(self, k: np.ndarray) -> list[Any]:
        return _key_list(k)

    def _check_reserved(self, k: np.ndarray) -> None:
        pass

    @in_programs(effect=True)
    def insert(self, keys: Any, values: Any, name: str | None = None) -> None:
        """Adds each key with its value (replacing the value of a key already present). ``values`` has the keys'
        shape then the value shape."""
        self._insert_pairs(keys, values)

    @in_programs(effect=True)
    def remove(self, keys: Any, name: str | None = None) -> None:
        """Removes the keys (keys not in the table are ignored)."""
        k = self._keys(keys, "remove: keys")
        self._check_reserved(k)
        self._store.remove(self._flat_keys(k))

    @in_programs
    def lookup(self, keys: Any, dynamic_default_values: Any = None, name: str | None = None) -> Tensor:
        """The value of each key (``default_value``, or the matching element of ``dynamic_default_values``,
        where a key is missing); shape: the keys' shape then the value shape."""
        return _tensor(self._find(self._keys(keys), dynamic_default_values))

    __getitem__ = lookup


class MutableHashTable(_MutableTable):
    """A table that ``insert``, ``remove`` and ``lookup`` change and read; values may be vectors (the shape of
    ``default_value``).

    >>> import tapegrad as tf
    >>> table = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
    >>> table.insert(tf.constant(["x", "y"]), tf.constant([5, 6], tf.int64))
    >>> table.remove(tf.constant(["x"]))
    >>> table.lookup(tf.constant(["x", "y"])).numpy().tolist()
    [-1, 6]
    """

    _cls = "MutableHashTable"

    def __init__(self, key_dtype: Any, value_dtype: Any, default_value: Any, name: str = "MutableHashTable",
                 checkpoint: bool = True, experimental_is_anonymous: bool = False) -> None:
        super().__init__(key_dtype, value_dtype, default_value, name)
        _check_kinds(self._cls, _MUTABLE_KINDS, self._key_dtype, self._value_dtype)


class DenseHashTable(_MutableTable):
    """A mutable table stored as open-addressed bucket arrays (TF's ``MutableDenseHashTable``): keys may be
    vectors (the shape of ``empty_key``); ``empty_key`` and ``deleted_key`` mark free slots and may not be
    inserted or looked up (InvalidArgumentError). The bucket count starts at ``initial_num_buckets`` (a power of
    2, at least 4; default 131072) and doubles when the table would be more than 80% full. ``export()`` gives the
    bucket arrays (``[num_buckets, key_size]`` keys, ``empty_key`` in free slots, and
    ``[num_buckets, value_size]`` values, 0 in free slots; a removed key's slot shows ``deleted_key`` and its old value
    until the buckets regrow); which slot holds which key differs from TF's (its hash).

    >>> import tapegrad as tf
    >>> table = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, default_value=-1, empty_key=0,
    ...                                               deleted_key=-1, initial_num_buckets=8)
    >>> table.insert(tf.constant([5, 7], tf.int64), tf.constant([50, 70], tf.int64))
    >>> table.lookup(tf.constant([5, 6, 7], tf.int64)).numpy().tolist()
    [50, -1, 70]
    >>> [t.shape.as_list() for t in table.export()]
    [[8, 1], [8, 1]]
    """

    _cls = "DenseHashTable"

    def __init__(self, key_dtype: Any, value_dtype: Any, default_value: Any, empty_key: Any, deleted_key: Any,
                 initial_num_buckets: int | None = None, name: str = "MutableDenseHashTable", checkpoint: bool = True,
                 experimental_is_anonymous: bool = False) -> None:
        super().__init__(key_dtype, value_dtype, default_value, name)
        _check_kinds(self._cls, _DENSE_KINDS, self._key_dtype, self._value_dtype)
        self._empty = _numpy(_convert(empty_key, self._key_dtype, "DenseHashTable: empty_key"))
        self._deleted = _numpy(_convert(deleted_key, self._key_dtype, "DenseHashTable: deleted_key"))
        if self._empty.shape != self._deleted.shape:
            raise InvalidArgumentError(f"DenseHashTable: empty_key (shape {list(self._empty.shape)}) and deleted_key "
                                       f"(shape {list(self._deleted.shape)}) must have one shape.")
        if np.array_equal(self._empty, self._deleted):
            raise InvalidArgumentError("DenseHashTable: empty_key and deleted_key must differ (both are "
                                       f"{self._empty.tolist()!r}).")
        self._key_shape = tuple(self._empty.shape)
        n = 131072 if initial_num_buckets is None else int(initial_num_buckets)
        if n < 4 or n & (n - 1):
            raise InvalidArgumentError(f"DenseHashTable: initial_num_buckets must be a power of 2 and at least 4, "
                                       f"got {n}.")
        self._buckets = n
        self._tombstones: list[Any] = []  # values of removed keys: export shows them under deleted_key, as TF
        self._reserved = {self._flat_keys(a)[0] for a in (self._empty, self._deleted)}

    def _flat_keys(self, k: np.ndarray) -> list[Any]:
        if not self._key_shape:
            return _key_list(k)
        rows = k.reshape((-1, int(np.prod(self._key_shape))))
        return [tuple(r) for r in rows.tolist()]

    def _keys(self, keys: Any, what: str = "keys") -> np.ndarray:
        k = super()._keys(keys, what)
        ks = self._key_shape
        if ks and tuple(k.shape[k.ndim - len(ks):]) != ks:
            raise InvalidArgumentError(f"DenseHashTable.{what}: keys must end in the key shape {list(ks)}, got shape "
                                       f"{list(k.shape)}.")
        return k

    def _check_reserved(self, k: np.ndarray) -> None:
        bad = self._reserved.intersection(self._flat_keys(k))
        if bad:
            raise InvalidArgumentError(f"DenseHashTable: the key {next(iter(bad))!r} is the table's empty_key or "
                                       "deleted_key, which mark free slots and cannot be used as keys.")

    def _find(self, k: np.ndarray, dynamic: Any = None) -> np.ndarray:
        self._check_reserved(k)
        batch = tuple(k.shape[: k.ndim - len(self._key_shape)])
        flat = self._flat_keys(k)
        dyn = None
        if dynamic is not None:
            dyn = _numpy(_convert(dynamic, self._value_dtype, "DenseHashTable.lookup: dynamic_default_values"))
            dyn = dyn.reshape((-1, *self._value_shape))
        return self._store.get(flat, self._default, dyn).reshape(batch + self._value_shape)

    @in_programs(effect=True)
    def insert(self, keys: Any, values: Any, name: str | None = None) -> None:
        """Adds each key (of the key shape) with its value, replacing present ones; grows the buckets (doubling)
        while the table would be more than 80% full."""
        k = self._keys(keys, "insert: keys")
        new = len(set(self._flat_keys(k)) - set(self._store.index))
        while len(self._store.index) + new > 0.8 * self._buckets:
            self._buckets *= 2
            self._tombstones.clear()  # TF's rehash into the new buckets drops the deleted slots
        self._insert_pairs(keys, values, self._key_shape)

    insert_or_assign = insert

    @in_programs(effect=True)
    def remove(self, keys: Any, name: str | None = None) -> None:
        """Removes the keys (keys not in the table are ignored); their slots hold ``deleted_key`` until the
        buckets regrow."""
        k = self._keys(keys, "remove: keys")
        self._check_reserved(k)
        for key in self._flat_keys(k):
            i = self._store.index.get(key)
            if i is not None:
                self._tombstones.append(self._store.rows[i].copy())
        self._store.remove(self._flat_keys(k))

    erase = remove

    @in_programs
    def export(self, name: str | None = None) -> tuple[Tensor, Tensor]:
        """The bucket arrays: keys ``[num_buckets, key_size]`` (``empty_key`` in free slots) and values
        ``[num_buckets, value_size]`` (0 in free slots)."""
        n, mask = self._buckets, self._buckets - 1
        ksize = max(1, int(np.prod(self._key_shape)))
        vsize = max(1, int(np.prod(self._value_shape)))
        keys = np.empty((n, ksize), dtype=self._empty.dtype)
        keys[...] = self._empty.reshape(-1)
        vals = np.zeros((n, vsize), dtype=self._value_dtype._np)
        if vals.dtype == object:
            vals[...] = b""
        from .ops.string_ops import fingerprint64

        taken = np.zeros(n, dtype=bool)
        stored, rows = self._store.export()
        dead = self._tombstones[-(n - len(stored)):] if len(stored) < n else []
        deleted = self._flat_keys(self._deleted)[0]
        for key, row in [*zip(stored, rows), *((deleted, r) for r in dead)]:
            text = key if isinstance(key, bytes) else repr(key).encode()
            slot, step = fingerprint64(text) & mask, 0
            while taken[slot]:  # triangular probing visits every slot of a power-of-2 table
                step += 1
                slot = (slot + step) & mask
            taken[slot] = True
            keys[slot] = np.asarray(key, dtype=keys.dtype).reshape(-1) if keys.dtype != object else key
            vals[slot] = np.asarray(row).reshape(-1)
        return _tensor(keys), _tensor(vals)


experimental = _types.ModuleType("tapegrad.lookup.experimental",
                                 "``tf.lookup.experimental``: MutableHashTable, DenseHashTable and DatasetInitializer.")
experimental.MutableHashTable = MutableHashTable  # type: ignore[attr-defined]
experimental.DenseHashTable = DenseHashTable  # type: ignore[attr-defined]


def _experimental_getattr(name: str) -> Any:
    if name == "DatasetInitializer":  # defined with tapegrad.data, which loads on first use
        from .data._persist import DatasetInitializer

        return DatasetInitializer
    raise AttributeError(f"module 'tapegrad.lookup.experimental' has no attribute {name!r}")


experimental.__getattr__ = _experimental_getattr  # type: ignore[attr-defined]
