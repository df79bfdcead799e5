"""``tapegrad.data`` (``tf.data``): streaming input pipelines that ``keras`` ``fit``/``evaluate``/``predict`` accept.

>>> import numpy as np
>>> import tapegrad as tf
>>> x = np.arange(10, dtype="float32")
>>> ds = tf.data.Dataset.from_tensor_slices((x, x * 2)).shuffle(10, seed=1).batch(4).prefetch(tf.data.AUTOTUNE)
>>> [int(b[0].shape[0]) for b in ds], len(ds)
([4, 4, 2], 3)
"""

from collections.abc import Callable
from typing import Any

from ..ops.tensor_spec import TensorSpec
from ._structure import DatasetSpec
from .csv_readers import CsvDataset, make_csv_dataset
from .dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    NumpyIterator,
    OwnedIterator,
    experimental_cardinality,
)
from .options import (
    AutoShardPolicy,
    AutotuneAlgorithm,
    AutotuneOptions,
    DistributeOptions,
    ExternalStatePolicy,
    OptimizationOptions,
    Options,
    ThreadingOptions,
)
from .readers import TextLineDataset
from .tfrecord import TFRecordDataset


class experimental:  # noqa: N801  (a namespace, as tf.data.experimental)
    """``tf.data.experimental``: ``AUTOTUNE``, the cardinality constants, ``cardinality(ds)``, the options classes
    and enums, and the functional forms of ``group_by_window``, ``bucket_by_sequence_length``,
    ``sample_from_datasets`` and ``choose_from_datasets``; the CSV readers ``CsvDataset`` and
    ``make_csv_dataset``."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY
    cardinality = staticmethod(experimental_cardinality)
    AutoShardPolicy = AutoShardPolicy
    AutotuneAlgorithm = AutotuneAlgorithm
    AutotuneOptions = AutotuneOptions
    DistributeOptions = DistributeOptions
    ExternalStatePolicy = ExternalStatePolicy
    OptimizationOptions = OptimizationOptions
    ThreadingOptions = ThreadingOptions
    CsvDataset = CsvDataset
    make_csv_dataset = staticmethod(make_csv_dataset)
    sample_from_datasets = staticmethod(Dataset.sample_from_datasets)
    choose_from_datasets = staticmethod(Dataset.choose_from_datasets)

    @staticmethod
    def group_by_window(key_func: Any, reduce_func: Any, window_size: Any = None,
                        window_size_func: Any = None) -> Callable[[Dataset], Dataset]:
        """``ds.apply(tf.data.experimental.group_by_window(...))``: ``Dataset.group_by_window`` as a function."""
        return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)

    @staticmethod
    def bucket_by_sequence_length(element_length_func: Any, bucket_boundaries: Any, bucket_batch_sizes: Any,
                                  padded_shapes: Any = None, padding_values: Any = None,
                                  pad_to_bucket_boundary: bool = False, no_padding: bool = False,
                                  drop_remainder: bool = False) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.bucket_by_sequence_length``."""
        return lambda ds: ds.bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes,
                                                       padded_shapes, padding_values, pad_to_bucket_boundary,
                                                       no_padding, drop_remainder)


DatasetV2 = Dataset

__all__ = ["Dataset", "DatasetV2", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "NumpyIterator",
           "OwnedIterator", "DatasetSpec", "TensorSpec", "experimental", "Options", "ThreadingOptions",
           "TextLineDataset", "TFRecordDataset"]
