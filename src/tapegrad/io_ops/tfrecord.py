"""TFRecord files: ``TFRecordWriter``, ``TFRecordOptions`` and the record reader behind ``TFRecordDataset``.

A TFRecord file is a sequence of records, each framed as::

    uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)

optionally inside one GZIP (RFC 1952) or ZLIB (RFC 1950) stream. The writer produces the same bytes as TensorFlow
(zlib's default level and header); the reader checks both checksums and reports a mismatch as ``DataLossError``
naming the file and the byte offset (in the uncompressed stream), as TensorFlow does.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._crc32c import masked_crc32c, masked_crc32c_many
from ..errors import DataLossError, FailedPreconditionError, InvalidArgumentError, NotFoundError
from ._common import value_of

__all__ = ["TFRecordOptions", "TFRecordWriter", "iter_records"]

_COMPRESSIONS = ("", "GZIP", "ZLIB")
_BATCH_RECORDS = 256   # records whose checksums are computed together (NumPy, one column per byte)
_BATCH_BYTES = 1 << 20
_LARGE = 1 << 16       # a record this long is checked as soon as it is read


def _compression(value: Any) -> str:
    text = "" if value is None else str(value).upper()
    if text not in _COMPRESSIONS:
        raise InvalidArgumentError(f"Unsupported compression_type: {value!r}; use None, '', 'GZIP' or 'ZLIB'.")
    return text


class TFRecordOptions:
    """Options of a TFRecord file: ``compression_type`` (``None``/``""``, ``"GZIP"``, ``"ZLIB"``) and the zlib
    settings TensorFlow exposes (``compression_level`` 0–9, default 6; ``window_bits``; ``mem_level``, default 9;
    ``compression_strategy``). The buffer and flush-mode arguments are accepted and have no effect.

    >>> import tapegrad as tf
    >>> tf.io.TFRecordOptions(compression_type="gzip").compression_type
    'GZIP'
    >>> tf.io.TFRecordOptions.get_compression_type_string("ZLIB")
    'ZLIB'
    """

    compression_type_map = {"ZLIB": "ZLIB", "GZIP": "GZIP", "": ""}

    def __init__(self, compression_type: str | None = None, flush_mode: Any = None, input_buffer_size: Any = None,
                 output_buffer_size: Any = None, window_bits: int | None = None,
                 compression_level: int | None = None, compression_method: Any = None,
                 mem_level: int | None = None, compression_strategy: int | None = None) -> None:
        self.compression_type = _compression(compression_type)
        self.flush_mode, self.input_buffer_size, self.output_buffer_size = flush_mode, input_buffer_size, \
            output_buffer_size
        self.window_bits, self.compression_level, self.compression_method = window_bits, compression_level, \
            compression_method
        self.mem_level, self.compression_strategy = mem_level, compression_strategy
        if compression_level is not None and not -1 <= int(compression_level) <= 9:
            raise InvalidArgumentError(f"TFRecordOptions: compression_level must be in [-1, 9]; got "
                                       f"{compression_level}.")

    @classmethod
    def get_compression_type_string(cls, options: Any) -> str:
        """The compression name of ``options`` (a ``TFRecordOptions``, a name or ``None``)."""
        if options is None:
            return ""
        if isinstance(options, TFRecordOptions):
            return options.compression_type
        return _compression(options)

    def __repr__(self) -> str:
        return f"TFRecordOptions(compression_type={self.compression_type!r})"


class TFRecordWriter:
    """Writes records (``bytes``; ``str`` is encoded as UTF-8) to a TFRecord file, as ``tf.io.TFRecordWriter``.

    ``options``: a ``TFRecordOptions`` or a compression name. The file is created (truncated) at once; a missing
    directory raises ``NotFoundError``. Use it as a context manager, or call ``close()``; writing after close
    raises ``FailedPreconditionError``.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "data.tfrecord")
    >>> with tf.io.TFRecordWriter(path) as writer:
    ...     writer.write(b"first")
    ...     writer.write(b"second")
    >>> open(path, "rb").read()[:17].hex()
    '0500000000000000eab2043e6669727374'
    >>> [r.numpy() for r in tf.data.TFRecordDataset(path)]
    [b'first', b'second']
    """

    def __init__(self, path: Any, options: Any = None) -> None:
        if not isinstance(options, TFRecordOptions):
            options = TFRecordOptions(options)
        self._path = os.fspath(path.decode() if isinstance(path, bytes) else path)
        self._options = options
        try:
            self._file: Any = open(self._path, "wb")  # noqa: SIM115  (closed by close())
        except FileNotFoundError:
            raise NotFoundError(f"{self._path}; No such file or directory") from None
        except IsADirectoryError:
            raise FailedPreconditionError(f"{self._path}; Is a directory") from None
        kind = options.compression_type
        self._pending: list[bytes] = []  # records whose checksums are computed together when written out
        self._pending_bytes = 0
        self._z = None
        if kind:
            bits = options.window_bits or zlib.MAX_WBITS
            level = -1 if options.compression_level is None else int(options.compression_level)
            strategy = 0 if options.compression_strategy is None else int(options.compression_strategy)
            mem = 9 if options.mem_level is None else int(options.mem_level)
            self._z = zlib.compressobj(level, zlib.DEFLATED, bits + 16 if kind == "GZIP" else bits, mem, strategy)

    def write(self, record: Any) -> None:
        """Append one record."""
        if self._file is None:
            raise FailedPreconditionError("Writer is closed.")
        value = value_of(record, "TFRecordWriter.write")
        if hasattr(value, "ndim") and value.ndim == 0:
            value = value[()]
        if isinstance(value, str):
            value = value.encode("utf-8")
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"TFRecordWriter.write takes bytes (or str); got {type(record).__name__}. Serialize "
                            "messages first: writer.write(example.SerializeToString()).")
        self._pending.append(bytes(value))
        self._pending_bytes += len(value)
        if len(self._pending) >= _BATCH_RECORDS or self._pending_bytes >= _BATCH_BYTES:
            self._drain()

    def _drain(self) -> None:
        """Frame the records waiting (their checksums computed together) and write them."""
        records, self._pending, self._pending_bytes = self._pending, [], 0
        if not records:
            return
        heads = [struct.pack("<Q", len(r)) for r in records]
        crcs = masked_crc32c_many(heads + records).tolist()
        n = len(records)
        out = b"".join(h + struct.pack("<I", crcs[i]) + r + struct.pack("<I", crcs[n + i])
                       for i, (h, r) in enumerate(zip(heads, records)))
        self._file.write(self._z.compress(out) if self._z is not None else out)

    def flush(self) -> None:
        """Push what was written to the file (a compressed stream is sync-flushed, so readers see whole records)."""
        if self._file is None:
            raise FailedPreconditionError("Writer is closed.")
        self._drain()
        if self._z is not None:
            self._file.write(self._z.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self) -> None:
        """Finish the compressed stream (if any) and close the file; closing twice is allowed."""
        if self._file is None:
            return
        self._drain()
        if self._z is not None:
            self._file.write(self._z.flush())
        self._file.close()
        self._file = None

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass


def _read_exactly(f: Any, n: int) -> bytes:
    out = f.read(n)
    if len(out) == n or not out:
        return out
    parts = [out]
    got = len(out)
    while got < n:
        more = f.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)




def _verified(batch: list[tuple[int, bytes, int]], path: str) -> Iterator[bytes]:
    """The records of ``batch`` ((data offset, data, stored masked CRC)) in order, up to the first whose data
    checksum does not match (then ``DataLossError``)."""
    if not batch:
        return
    got = masked_crc32c_many([data for _, data, _ in batch])
    stored = np.fromiter((crc for _, _, crc in batch), np.uint32, len(batch))
    bad = np.flatnonzero(got != stored)
    stop = int(bad[0]) if bad.size else len(batch)
    for _, data, _ in batch[:stop]:
        yield data
    if bad.size:
        at, data, _ = batch[stop]
        raise DataLossError(f"corrupted record at {at} in {path}: the data checksum of this {len(data)}-byte "
                            "record does not match (the file is damaged).")


def iter_records(path: str, compression: str = "", buffer_size: int = 0) -> Iterator[bytes]:
    """The records of one TFRecord file, checksums verified (``DataLossError`` names the file and offset; the
    records before a damaged one are produced first). Data checksums are checked a batch of records at a time."""
    from ..data.readers import _open

    with _open(path, compression, buffer_size, "TFRecord") as f:
        offset, batch, size = 0, [], 0
        error: DataLossError | None = None
        while True:
            try:
                head = _read_exactly(f, 12)
            except (OSError, EOFError, zlib.error) as e:
                error = DataLossError(f"{path}: the {compression} stream is corrupt near byte {offset} of its "
                                      f"content ({e}).")
                break
            if len(head) < 12:  # TF ends the file quietly when a header is cut short (a writer still writing)
                break
            (length,) = struct.unpack_from("<Q", head)
            if struct.unpack_from("<I", head, 8)[0] != masked_crc32c(head[:8]):
                hint = " (Is this even a TFRecord file?)" if offset == 0 else ""
                error = DataLossError(f"corrupted record at {offset} in {path}: the length field's checksum does "
                                      f"not match{hint}.")
                break
            try:
                body = _read_exactly(f, length + 4)
            except (OSError, EOFError, zlib.error) as e:
                error = DataLossError(f"{path}: the {compression} stream is corrupt near byte {offset} of its "
                                      f"content ({e}).")
                break
            if len(body) < length + 4:
                error = DataLossError(f"truncated record at {offset} in {path}: the record holds {length} bytes "
                                      f"but the file ends {len(body)} bytes after its header. Was the writer "
                                      "closed?")
                break
            batch.append((offset + 12, body[:length], struct.unpack_from("<I", body, length)[0]))
            size += length
            offset += 16 + length
            if len(batch) >= _BATCH_RECORDS or size >= _BATCH_BYTES or length >= _LARGE:
                yield from _verified(batch, path)
                batch, size = [], 0
        yield from _verified(batch, path)
        if error is not None:
            raise error
