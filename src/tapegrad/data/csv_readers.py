"""``tf.data.experimental.CsvDataset`` and ``make_csv_dataset``: CSV files as datasets of column tuples, and the
ready-made batched pipeline of feature dicts (column names from the header, column types inferred from the data).
"""

from __future__ import annotations

import collections
import glob
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import _dtypes
from ..errors import InvalidArgumentError
from ..ops.tensor_spec import TensorSpec
from .dataset import AUTOTUNE, Dataset
from .readers import _FileDataset, _open

__all__ = ["CsvDataset", "make_csv_dataset"]


def _records(path: str, compression: str, buffer_size: int, quote: bool) -> Iterator[tuple[int, bytes]]:
    """(line number, record) for each record of a CSV file: a line, or several when a quoted field holds newlines."""
    try:
        with _open(path, compression, buffer_size, "CSV") as f:
            pending, start = b"", 0
            for number, line in enumerate(f, 1):
                pending += line
                if quote and pending.count(b'"') % 2:  # inside a quoted field: the record goes on
                    continue
                record = pending[:-2] if pending.endswith(b"\r\n") else pending[:-1] if pending.endswith(
                    b"\n") else pending
                yield start or number, record
                pending, start = b"", 0
            if pending:
                yield number, pending
    except (OSError, EOFError, zlib.error) as e:
        raise InvalidArgumentError(f"{path}: could not read it as {compression or 'uncompressed'} CSV ({e}).") from e


def _leaf(value: Any, dtype: str) -> np.ndarray:
    if dtype == "string":
        out = np.empty((), dtype=object)
        out[()] = bytes(value)
        return out
    return np.asarray(value, dtype=_dtypes.as_dtype(dtype).as_numpy_dtype)


class CsvDataset(_FileDataset):
    """The records of CSV files as tuples of scalars, one per column, as ``tf.data.experimental.CsvDataset``.

    ``record_defaults``: one entry per (selected) column: a dtype (required column) or ``[value]``/a one-value
    tensor (the default for an empty or ``na_value`` field), dtypes int32, int64, float32, float64 or string.
    ``header=True`` skips each file's first line; ``select_cols`` (strictly increasing) or ``exclude_cols`` pick
    columns; ``field_delim``, ``use_quote_delim`` (quoted fields may hold delimiters, ``""`` and newlines),
    ``compression_type`` and ``buffer_size`` as in ``decode_csv``/``TextLineDataset``. A malformed record raises
    ``InvalidArgumentError`` naming the file and line when the dataset reaches it.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write('x,y,name\\n1,2.5,a\\n3,,"b,c"\\n')
    >>> ds = tf.data.experimental.CsvDataset(path, [tf.int32, [0.0], tf.string], header=True)
    >>> [(int(x), float(y), n.numpy()) for x, y, n in ds]
    [(1, 2.5, b'a'), (3, 0.0, b'b,c')]
    """

    _tf_name = "CsvDatasetV2"

    def __init__(self, filenames: Any, record_defaults: Any, compression_type: str | None = None,
                 buffer_size: int | None = None, header: bool = False, field_delim: str = ",",
                 use_quote_delim: bool = True, na_value: str = "", select_cols: Any = None,
                 exclude_cols: Any = None, name: str | None = None) -> None:
        from ..io_ops.csv_ops import Columns, _text

        super().__init__(filenames, compression_type, buffer_size)
        if select_cols is not None and exclude_cols is not None:
            raise InvalidArgumentError("Either select_cols or exclude_cols should be empty, not both.")
        self._delim = _text(field_delim, "field_delim")
        if len(self._delim) != 1:
            raise InvalidArgumentError(f"field_delim should be only 1 char; got {field_delim!r}.")
        self._na = _text(na_value, "na_value")
        self._quote, self._header = bool(use_quote_delim), bool(header)
        self._exclude = None if exclude_cols is None else sorted(int(c) for c in exclude_cols)
        self._columns = Columns(record_defaults, select_cols, "CsvDataset")
        self._skip_bad = False

    def _read(self, path: str) -> Iterator[Any]:
        from ..io_ops.csv_ops import split_record

        columns = self._columns
        for number, record in _records(path, self._compression, self._buffer, self._quote):
            if self._header and number == 1:
                continue
            where = f"record at line {number} of {path}"
            fields = split_record(record, self._delim, self._quote, where, empty_is_one_field=True)
            if self._exclude is not None:
                drop = set(self._exclude)
                fields = [f for i, f in enumerate(fields) if i not in drop]
            try:
                values = columns.parse(fields, self._na, where)
            except InvalidArgumentError:
                if self._skip_bad:  # make_csv_dataset(ignore_errors=True): drop the record
                    continue
                raise
            yield tuple(_leaf(v, t) for v, t in zip(values, columns.dtypes))

    def _compute_spec(self) -> Any:
        return tuple(TensorSpec((), t) for t in self._columns.dtypes)


# -- make_csv_dataset -------------------------------------------------------------------------------------------------

_INFER_ORDER = ("int32", "int64", "float32", "float64", "string")


def _infer(text: bytes, na: bytes, prev: str) -> str:
    from ..io_ops.csv_ops import _number

    if not text or text == na:
        return prev
    for t in _INFER_ORDER[_INFER_ORDER.index(prev):]:
        if t == "string":
            return t
        v = _number(text, t)
        if v is not None and (t not in ("float32", "float64") or np.isfinite(v) or not np.isfinite(float(text))):
            return t
    return "string"


def make_csv_dataset(file_pattern: Any, batch_size: int, column_names: Any = None, column_defaults: Any = None,
                     label_name: str | None = None, select_columns: Any = None, field_delim: str = ",",
                     use_quote_delim: bool = True, na_value: str = "", header: bool = True,
                     num_epochs: int | None = None, shuffle: bool = True, shuffle_buffer_size: int = 10000,
                     shuffle_seed: int | None = None, prefetch_buffer_size: int | None = None,
                     num_parallel_reads: int | None = None, sloppy: bool = False,
                     num_rows_for_inference: int = 100, compression_type: str | None = None,
                     ignore_errors: bool = False, encoding: str = "utf-8") -> Dataset:
    """Batches of ``(features, label)`` (or ``features``) read from CSV files, as
    ``tf.data.experimental.make_csv_dataset``: ``features`` is an ordered dict column name → ``[batch]`` tensor.

    Column names come from ``column_names`` or the first file's header; column types from ``column_defaults`` or,
    without them, from the first ``num_rows_for_inference`` rows (int32, then int64, float32, float64, string:
    the first that holds every value; empty fields become 0/``b""``). ``select_columns`` (names or indices) keeps
    some columns; ``label_name`` pops one as the label. The files are read ``num_parallel_reads`` at a time,
    ``shuffle``d (``shuffle_buffer_size``, ``shuffle_seed``), repeated ``num_epochs`` times (``None``: forever,
    whole batches only), batched and prefetched.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("size,price,kind\\n1,2.5,a\\n3,4.0,b\\n5,6.5,a\\n")
    >>> ds = tf.data.experimental.make_csv_dataset(path, batch_size=2, label_name="price", num_epochs=1,
    ...                                            shuffle=False)
    >>> [({k: v.numpy().tolist() for k, v in x.items()}, y.numpy().tolist()) for x, y in ds]
    [({'size': [1, 3], 'kind': [b'a', b'b']}, [2.5, 4.0]), ({'size': [5], 'kind': [b'a']}, [6.5])]
    """
    from ..io_ops.csv_ops import _text, split_record

    patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(file_pattern)
    files = []
    for p in patterns:
        p = p.decode() if isinstance(p, bytes) else str(p)
        matched = sorted(glob.glob(p))
        if not matched:
            raise ValueError(f"No files match {p!r}.")
        files.extend(matched)
    delim, na = _text(field_delim, "field_delim"), _text(na_value, "na_value")
    compression = "" if compression_type is None else str(compression_type).upper()
    rows: list[list[bytes]] = []
    first = None
    for path in files:
        for number, record in _records(path, compression, 0, use_quote_delim):
            fields = split_record(record, delim, use_quote_delim, f"line {number} of {path}")
            if number == 1 and header:
                first = first if first is not None else fields
                continue
            if len(rows) < num_rows_for_inference:
                rows.append(fields)
            else:
                break
        if len(rows) >= num_rows_for_inference:
            break
    if column_names is None:
        if not header or first is None:
            raise ValueError("Cannot infer column names without a header line; pass column_names.")
        names = [f.decode(encoding) for f in first]
    else:
        names = list(column_names)
    if len(set(names)) != len(names):
        raise ValueError(f"Cannot have duplicate column names: {names}.")
    if select_columns is not None:
        if all(isinstance(c, int) for c in select_columns):
            cols = sorted(select_columns)
        else:
            unknown = [c for c in select_columns if c not in names]
            if unknown:
                raise ValueError(f"select_columns {unknown} are not column names {names}.")
            cols = sorted(names.index(c) for c in select_columns)
    else:
        cols = list(range(len(names)))
    picked = [names[c] for c in cols]
    if label_name is not None and label_name not in picked:
        raise ValueError(f"`label_name` provided must be one of the columns: {picked}. Received: {label_name}.")
    if column_defaults is not None:
        if len(column_defaults) != len(cols):
            raise ValueError(f"The number of column_defaults ({len(column_defaults)}) does not match the number of "
                             f"columns ({len(cols)}).")
        defaults = [d if isinstance(d, _dtypes.DType) else [d] if not isinstance(d, (list, tuple)) else d
                    for d in column_defaults]
    else:
        kinds = ["int32"] * len(cols)
        for r in rows:
            for j, c in enumerate(cols):
                if c < len(r):
                    kinds[j] = _infer(r[c], na, kinds[j])
        defaults = [[b"" if k == "string" else np.zeros((), _dtypes.as_dtype(k).as_numpy_dtype)] for k in kinds]

    def read(names_ds: Any) -> Dataset:
        ds = CsvDataset(names_ds, defaults, compression_type=compression_type, header=header,
                        field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                        select_cols=cols if cols != list(range(len(names))) else None)
        ds._skip_bad = bool(ignore_errors)
        return ds

    names_ds = Dataset.from_tensor_slices(files)
    if shuffle:
        names_ds = names_ds.shuffle(len(files), seed=shuffle_seed)
    if num_parallel_reads in (None, 1):
        dataset = read(names_ds)
    else:
        cycle = None if num_parallel_reads == AUTOTUNE else int(num_parallel_reads)
        dataset = names_ds.interleave(read, cycle_length=cycle, num_parallel_calls=None)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size, drop_remainder=num_epochs is None)

    def to_dict(*columns: Any) -> Any:
        features = collections.OrderedDict(zip(picked, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    dataset = dataset.map(to_dict)
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)
