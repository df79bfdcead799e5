"""``tf.data.TFRecordDataset`` (the records of TFRecord files as string scalars, checksums verified) and the
Example pipelines on it: ``tf.data.experimental.parse_example_dataset`` and ``make_batched_features_dataset``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._strings import scalar
from ._structure import to_array, to_user
from .dataset import _UnaryDataset
from .readers import _FileDataset

__all__ = ["TFRecordDataset", "parse_example_dataset", "make_batched_features_dataset"]


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


def _feature_spec(spec: Any, key: str, lead: Any) -> Any:
    """The spec ``tf.io.parse_example`` gives feature ``key`` for a batch of ``lead`` examples (TF's shapes)."""
    from .. import _dtypes
    from ..io_ops.parsing import (
        FixedLenFeature,
        FixedLenSequenceFeature,
        RaggedFeature,
        SparseFeature,
        VarLenFeature,
    )
    from ..ops.ragged_ops import RaggedTensorSpec
    from ..ops.tensor_spec import TensorSpec
    from ._structure import SparseTensorSpec

    dtype = _dtypes.as_dtype(spec.dtype)
    if isinstance(spec, VarLenFeature):
        return SparseTensorSpec([lead, None], dtype)
    if isinstance(spec, SparseFeature):
        sizes = [spec.size] if np.ndim(spec.size) == 0 else list(spec.size)
        return SparseTensorSpec([lead, *[int(d) for d in sizes]], dtype)
    if isinstance(spec, RaggedFeature):
        rank = 1 + len(spec.partitions)
        return RaggedTensorSpec([lead, *[None] * rank], dtype, rank, _dtypes.as_dtype(spec.row_splits_dtype))
    dims = [] if spec.shape is None else [int(d) for d in getattr(spec.shape, "as_list", lambda: spec.shape)()]
    if isinstance(spec, FixedLenFeature):
        return TensorSpec((lead, *dims), dtype)
    if isinstance(spec, FixedLenSequenceFeature):
        return TensorSpec((lead, None, *dims), dtype)
    raise ValueError(f"parse_example_dataset: feature {key!r} has an unsupported spec {spec!r}.")


class _ParsedExamplesDataset(_UnaryDataset):
    """Each element (a vector of serialised Examples) parsed with ``features``; with ``label_key``, split into
    ``(features, label)``. Its spec comes from the feature specs, as TF's parse op gives it."""

    _tf_name = "_ParseExampleDataset"

    def __init__(self, input_dataset: Any, features: dict[str, Any], label_key: str | None = None) -> None:
        super().__init__(input_dataset)
        if not isinstance(features, dict) or not features:
            raise ValueError("parse_example_dataset: features must be a non-empty dict of feature specs.")
        if label_key is not None and label_key not in features:
            raise ValueError(f"The `label_key` provided ({label_key}) must be one of the `features` keys.")
        self._features, self._label = features, label_key

    def _iter(self) -> Any:
        from ..io_ops.parsing import parse_example
        from ..ops.ragged_ops import RaggedTensor

        for element in self._input._iter():
            parsed = {k: v if isinstance(v, RaggedTensor) else to_array(v)  # ragged components stay RaggedTensors
                      for k, v in parse_example(to_user(element), self._features).items()}
            yield parsed if self._label is None else (parsed, parsed.pop(self._label))

    def _compute_spec(self) -> Any:
        from ..io_ops.parsing import parse_example

        in_spec = self._input.element_spec
        lead = in_spec.shape[0] if in_spec.shape.rank else None
        lead = None if lead is None else int(lead)
        # the key order is parse_example's: parse one empty batch for it
        order = list(parse_example(np.zeros(0, dtype=object), self._features))
        spec = {k: _feature_spec(self._features[k], k, lead) for k in order}
        return spec if self._label is None else (spec, spec.pop(self._label))


def parse_example_dataset(features: dict[str, Any], num_parallel_calls: int = 1,
                          deterministic: bool | None = None) -> Any:
    """``ds.apply(...)``: each element (a vector of serialised ``tf.train.Example``s, e.g. a batch of
    ``TFRecordDataset`` records) parsed with ``tf.io.parse_example(element, features)`` into a dict of tensors;
    the element spec follows from ``features`` (TF's shapes). Parsing runs in order on one thread."""
    return lambda ds: _ParsedExamplesDataset(ds, features)
def make_batched_features_dataset(file_pattern: Any, batch_size: int, features: dict[str, Any],
                                  reader: Any = None, label_key: str | None = None, reader_args: Any = None,
                                  num_epochs: int | None = None, shuffle: bool = True,
                                  shuffle_buffer_size: int = 10000, shuffle_seed: int | None = None,
                                  prefetch_buffer_size: int | None = None, reader_num_threads: int | None = None,
                                  parser_num_threads: int | None = None, sloppy_ordering: bool = False,
                                  drop_final_batch: bool = False) -> Any:
    """Batches of parsed ``tf.train.Example`` features read from files, as
    ``tf.data.experimental.make_batched_features_dataset``: the files matching ``file_pattern`` (shuffled unless
    ``shuffle=False``) are read with ``reader`` (``TFRecordDataset`` by default; ``reader_num_threads`` at a time),
    the records shuffled and repeated ``num_epochs`` times (``None``: forever, whole batches only), batched, parsed
    with ``features`` and, with ``label_key``, split into ``(features, label)``.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "d.tfrecord")
    >>> with tf.io.TFRecordWriter(path) as w:
    ...     for i in range(3):
    ...         w.write(tf.train.Example(features=tf.train.Features(feature={
    ...             "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 1.5])),
    ...             "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))})).SerializeToString())
    >>> ds = tf.data.experimental.make_batched_features_dataset(
    ...     path, 2, {"x": tf.io.FixedLenFeature([], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64)},
    ...     label_key="y", num_epochs=1, shuffle=False)
    >>> [(f["x"].numpy().tolist(), y.numpy().tolist()) for f, y in ds]
    [([0.0, 1.5], [0, 1]), ([3.0], [2])]
    """
    from .dataset import AUTOTUNE, Dataset

    read = TFRecordDataset if reader is None else reader
    args = list(reader_args or [])
    threads = 1 if reader_num_threads is None else int(reader_num_threads)
    dataset = Dataset.list_files(file_pattern, shuffle=shuffle, seed=shuffle_seed)
    if threads == 1:
        dataset = dataset.flat_map(lambda filename: read(filename, *args))
    else:
        dataset = dataset.interleave(lambda filename: read(filename, *args), cycle_length=threads,
                                     num_parallel_calls=threads, deterministic=not sloppy_ordering)
    spec = dataset.element_spec
    if isinstance(spec, tuple) and len(spec) == 2:  # a reader of (key, value) records: the values
        dataset = dataset.map(lambda _key, value: value)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size, drop_remainder=drop_final_batch or num_epochs is None)
    dataset = _ParsedExamplesDataset(dataset, features, label_key or None)
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)
