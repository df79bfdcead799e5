"""``tf.data.TFRecordDataset``: the records of TFRecord files as string scalars (checksums verified)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._strings import scalar
from .readers import _FileDataset

__all__ = ["TFRecordDataset"]


class TFRecordDataset(_FileDataset):
    """The records of one or more TFRecord files, as string scalars, as ``tf.data.TFRecordDataset``.

    ``filenames``: a name, a list of names, a string tensor or a dataset of names; ``compression_type``:
    ``None``/``""``, ``"GZIP"`` or ``"ZLIB"``; ``buffer_size``: bytes of read buffer; ``num_parallel_reads``: read
    that many files at once, interleaving their records one by one (TF's order). Records stream from disk. Both
    checksums of every record are verified: a damaged or truncated record raises ``DataLossError`` with the file
    and byte offset when the dataset reaches it (the records before it are produced); a missing file raises
    ``NotFoundError``.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord.gz")
    >>> with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as w:
    ...     for i in range(3):
    ...         w.write(f"record {i}".encode())
    >>> ds = tf.data.TFRecordDataset(path, compression_type="GZIP")
    >>> list(ds.as_numpy_iterator())
    [b'record 0', b'record 1', b'record 2']
    >>> ds.element_spec
    TensorSpec(shape=(), dtype=tapegrad.string, name=None)
    """

    _tf_name = "TFRecordDatasetV2"

    def _read(self, path: str) -> Iterator[Any]:
        from ..io_ops.tfrecord import iter_records

        for record in iter_records(path, self._compression, self._buffer):
            yield scalar(record)
