"""File-based ``tf.data`` sources: ``TextLineDataset`` (lines of text files, plain, GZIP or ZLIB) and
``Dataset.list_files`` (file names matching glob patterns).

Files are read lazily, line by line, through a buffered reader: a dataset of a large file holds one buffer, not
the file.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._strings import scalar
from .._tensor import _TensorLike
from ..errors import InvalidArgumentError, NotFoundError
from ..ops.tensor_spec import TensorSpec
from .dataset import _UNK, AUTOTUNE, Dataset, _TensorSliceDataset

__all__ = ["TextLineDataset", "list_files"]

_COMPRESSIONS = ("", "GZIP", "ZLIB")


def _names(value: Any, what: str) -> list[str]:
    """File names or patterns given as a string, bytes, a list of them, or a string tensor/array."""
    if isinstance(value, _TensorLike):
        value = np.asarray(value._value)  # not .numpy(): refused inside dataset functions (interleave)
    if isinstance(value, np.ndarray):
        value = value.reshape(-1).tolist()
    if isinstance(value, (str, bytes, os.PathLike)):
        value = [value]
    out = []
    for v in value:
        v = os.fspath(v) if isinstance(v, os.PathLike) else v
        if isinstance(v, bytes):
            v = v.decode()
        if not isinstance(v, str):
            raise TypeError(f"{what} must be strings (a name, a list of names or a string tensor); got "
                            f"{type(v).__name__}.")
        out.append(v)
    return out


def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None) -> Dataset:
    """``Dataset.list_files``: the sorted names matching the patterns, shuffled each pass unless ``shuffle=False``."""
    patterns = _names(file_pattern, "list_files patterns")
    files = sorted(f for p in patterns for f in glob.glob(p))
    if not files:
        raise InvalidArgumentError("Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
                                   f"b'No files matched pattern: {', '.join(patterns)}'")
    names = np.empty(len(files), dtype=object)
    names[:] = [f.encode() for f in files]
    dataset: Dataset = _TensorSliceDataset(names)
    if shuffle is None or shuffle:
        dataset = dataset.shuffle(max(len(files), 1), seed=seed)
    return dataset


def _open(path: str, compression: str, buffer_size: int, what: str = "text") -> Any:
    try:
        raw = open(path, "rb", buffering=buffer_size if buffer_size > 0 else -1)  # noqa: SIM115 (closed by caller)
    except FileNotFoundError:
        raise NotFoundError(f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise InvalidArgumentError(f"{path}: is a directory, not a {what} file") from None
    if compression == "GZIP":
        return io.BufferedReader(gzip.GzipFile(fileobj=raw, mode="rb"), buffer_size or io.DEFAULT_BUFFER_SIZE)
    if compression == "ZLIB":
        return io.BufferedReader(_ZlibReader(raw), buffer_size or io.DEFAULT_BUFFER_SIZE)
    return raw


class _ZlibReader(io.RawIOBase):
    """A zlib stream (TF's "ZLIB": RFC 1950 framing) read incrementally."""

    def __init__(self, raw: Any) -> None:
        self._raw, self._z, self._pending = raw, zlib.decompressobj(), b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._pending:
            chunk = self._raw.read(65536)
            if not chunk:
                self._pending = self._z.flush()
                break
            self._pending = self._z.decompress(chunk)
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _lines(path: str, compression: str, buffer_size: int) -> Iterator[Any]:
    try:
        f = _open(path, compression, buffer_size)
        with f:
            for line in f:
                if line.endswith(b"\n"):  # TF strips the newline and a carriage return before it
                    line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                yield scalar(line)
    except (OSError, EOFError, zlib.error) as e:
        raise InvalidArgumentError(f"{path}: could not read it as {compression or 'uncompressed'} text ({e}).") \
            from e


class _FileNames:
    """The file names a reader reads: a fixed list, or a dataset of string scalars (read when iterated)."""

    def __init__(self, filenames: Any) -> None:
        self._dataset = filenames if isinstance(filenames, Dataset) else None
        self._names = None if self._dataset is not None else _names(filenames, "filenames")

    def __iter__(self) -> Iterator[str]:
        if self._names is not None:
            yield from self._names
            return
        assert self._dataset is not None
        for element in self._dataset._iter():
            value = element[()] if isinstance(element, np.ndarray) else element
            yield value.decode() if isinstance(value, bytes) else str(value)


class _FileDataset(Dataset):
    """The records of files read one after the other, or ``num_parallel_reads`` at a time, interleaved one record
    each (TF's order); subclasses say how a file is read (``_read``)."""

    def __init__(self, filenames: Any, compression_type: str | None = None, buffer_size: int | None = None,
                 num_parallel_reads: int | None = None, name: str | None = None) -> None:
        super().__init__(_UNK)
        compression = "" if compression_type is None else str(compression_type).upper()
        if compression not in _COMPRESSIONS:
            raise InvalidArgumentError(f"Unsupported compression_type: {compression_type!r}; use None, '', 'GZIP' "
                                       "or 'ZLIB'.")
        size = 0 if buffer_size is None else int(buffer_size)
        if size < 0:
            raise InvalidArgumentError(f"buffer_size must be >= 0 (0 chooses the default); got {size}.")
        self._files = _FileNames(filenames)
        self._compression, self._buffer = compression, size
        self._parallel = None if num_parallel_reads is None else int(num_parallel_reads)

    def _iter(self) -> Iterator[Any]:
        if self._parallel is None or self._parallel == 1:
            for path in self._files:
                yield from self._read(path)
            return
        from ._combinators import InterleaveDataset

        # TF reads num_parallel_reads files at once, interleaving their lines one by one
        paths = list(self._files)
        names = np.empty(len(paths), dtype=object)
        names[:] = [p.encode() for p in paths]
        cycle = None if self._parallel == AUTOTUNE else self._parallel
        files = InterleaveDataset(_TensorSliceDataset(names), lambda p: _OneFile(p, self), cycle, 1, None, None)
        yield from files._iter()

    def _read(self, path: str) -> Iterator[Any]:
        raise NotImplementedError

    def _compute_spec(self) -> Any:
        return TensorSpec((), "string")


class TextLineDataset(_FileDataset):
    """The lines of one or more text files, as string scalars without their line endings (``\\n``, ``\\r\\n``).

    ``filenames``: a name, a list of names, a string tensor or a dataset of names; files are read in order, or
    ``num_parallel_reads`` at a time, interleaved line by line (TF's order). ``compression_type``: ``None``/``""``,
    ``"GZIP"`` or ``"ZLIB"``; ``buffer_size``: bytes of read buffer. A missing file raises ``NotFoundError`` when
    the dataset reaches it. Lines stream from disk; nothing is read until iterated.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("first\\nsecond\\r\\n\\nlast")
    >>> list(tf.data.TextLineDataset(path).as_numpy_iterator())
    [b'first', b'second', b'', b'last']
    >>> tf.data.TextLineDataset(path).element_spec
    TensorSpec(shape=(), dtype=tapegrad.string, name=None)
    """

    _tf_name = "TextLineDatasetV2"

    def _read(self, path: str) -> Iterator[Any]:
        return _lines(path, self._compression, self._buffer)


class _OneFile(Dataset):
    def __init__(self, path: Any, reader: _FileDataset) -> None:
        super().__init__(_UNK)
        self._tf_name = reader._tf_name
        value = getattr(path, "_value", path)  # a string scalar tensor (map functions may not call .numpy())
        value = value[()] if isinstance(value, np.ndarray) else value
        self._path = value.decode() if isinstance(value, bytes) else str(value)
        self._reader = reader

    def _iter(self) -> Iterator[Any]:
        return self._reader._read(self._path)

    def _compute_spec(self) -> Any:
        return TensorSpec((), "string")
