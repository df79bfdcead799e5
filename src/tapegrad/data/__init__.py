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
from . import _persist, _transforms
from ._optional import IteratorSpec, Optional
from ._persist import FixedLengthRecordDataset
from ._structure import DatasetSpec
from .csv_readers import CsvDataset, make_csv_dataset
from .dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    DatasetIterator,
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
from .tfrecord import TFRecordDataset, make_batched_features_dataset, parse_example_dataset


class experimental:  # noqa: N801  (a namespace, as tf.data.experimental)
    """``tf.data.experimental``: ``AUTOTUNE``, the cardinality constants, ``cardinality(ds)``, the options classes
    and enums; the ``ds.apply(...)`` forms of the transformations (``scan``, ``take_while``, ``unique``,
    ``ignore_errors``, ``assert_cardinality``, ``group_by_window``, ``group_by_reducer``, ``rejection_resample``,
    ``dense_to_ragged_batch``, ``dense_to_sparse_batch``, ``pad_to_cardinality``, …); sources (``Counter``,
    ``RandomDataset``, ``from_list``, ``CsvDataset``/``make_csv_dataset``, ``SqlDataset``); ``save``/``load``/
    ``snapshot``; ``TFRecordWriter``; ``Optional``/``get_next_as_optional``; lookup tables from datasets.

    ``tf.data.experimental.service`` (a cluster of tf.data workers), ``distributed_save``, ``to_variant``/
    ``from_variant``, ``get_model_proto`` and ``make_saveable_from_iterator`` are TF-runtime internals that this
    NumPy library does not have.
    """

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

    Counter = staticmethod(_transforms.counter)
    RandomDataset = staticmethod(_transforms.random_dataset)
    Reducer = _transforms.Reducer
    Optional = Optional
    SqlDataset = _persist.SqlDataset
    TFRecordWriter = _persist.TFRecordWriter
    DatasetInitializer = _persist.DatasetInitializer
    table_from_dataset = staticmethod(_persist.table_from_dataset)
    index_table_from_dataset = staticmethod(_persist.index_table_from_dataset)
    from_list = staticmethod(_transforms.from_list)
    get_single_element = staticmethod(_transforms.get_single_element)
    at = staticmethod(_transforms.at)
    SHARD_HINT = -1
    parse_example_dataset = staticmethod(parse_example_dataset)
    make_batched_features_dataset = staticmethod(make_batched_features_dataset)

    @staticmethod
    def save(dataset: Dataset, path: str, compression: str | None = None, shard_func: Any = None,
             checkpoint_args: Any = None) -> None:
        """``dataset.save(path, ...)`` as a function."""
        dataset.save(path, compression, shard_func, checkpoint_args)

    load = staticmethod(Dataset.load)

    @staticmethod
    def snapshot(path: str, compression: str | None = "AUTO", reader_func: Any = None,
                 shard_func: Any = None) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.snapshot``."""
        return lambda ds: ds.snapshot(path, compression, reader_func, shard_func)

    @staticmethod
    def scan(initial_state: Any, scan_func: Any) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.scan``."""
        return lambda ds: ds.scan(initial_state, scan_func)

    @staticmethod
    def take_while(predicate: Any) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.take_while``."""
        return lambda ds: ds.take_while(predicate)

    @staticmethod
    def unique() -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.unique``."""
        return lambda ds: ds.unique()

    @staticmethod
    def ignore_errors(log_warning: bool = False) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.ignore_errors``."""
        return lambda ds: ds.ignore_errors(log_warning)

    @staticmethod
    def assert_cardinality(expected_cardinality: Any) -> Callable[[Dataset], Dataset]:
        """The input with a known cardinality: iterating checks it (``FailedPreconditionError`` naming how many
        elements came when there are fewer or more).

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.range(6).filter(lambda x: x < 3)
        >>> int(ds.cardinality()), len(ds.apply(tf.data.experimental.assert_cardinality(3)))
        (-2, 3)
        """
        return lambda ds: _transforms.assert_cardinality(ds, expected_cardinality)

    @staticmethod
    def rejection_resample(class_func: Any, target_dist: Any, initial_dist: Any = None,
                           seed: int | None = None) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.rejection_resample``."""
        return lambda ds: ds.rejection_resample(class_func, target_dist, initial_dist, seed)

    @staticmethod
    def group_by_reducer(key_func: Any, reducer: Any) -> Callable[[Dataset], Dataset]:
        """Group elements by ``key_func`` (an int64 scalar) and fold each group with ``reducer`` (a ``Reducer``);
        one output element per group, in the order the groups were first seen."""
        return lambda ds: _transforms.group_by_reducer(ds, key_func, reducer)

    @staticmethod
    def dense_to_ragged_batch(batch_size: int, drop_remainder: bool = False,
                              row_splits_dtype: Any = "int64") -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.ragged_batch``."""
        return lambda ds: ds.ragged_batch(batch_size, drop_remainder, row_splits_dtype)

    @staticmethod
    def dense_to_sparse_batch(batch_size: int, row_shape: Any) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.sparse_batch``."""
        return lambda ds: ds.sparse_batch(batch_size, row_shape)

    @staticmethod
    def pad_to_cardinality(cardinality: int, mask_key: str = "valid") -> Callable[[Dataset], Dataset]:
        """Pad a dataset of dicts (of known cardinality) with zero elements up to ``cardinality``; a bool
        ``mask_key`` entry says which elements are real.

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.from_tensor_slices({"a": [7]}).apply(tf.data.experimental.pad_to_cardinality(2))
        >>> [(int(e["a"]), bool(e["valid"])) for e in ds]
        [(7, True), (0, False)]
        """
        return lambda ds: _transforms.pad_to_cardinality(ds, cardinality, mask_key)

    @staticmethod
    def enumerate_dataset(start: int = 0) -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.enumerate``."""
        return lambda ds: ds.enumerate(start)

    @staticmethod
    def unbatch() -> Callable[[Dataset], Dataset]:
        """``ds.apply(...)`` form of ``Dataset.unbatch``."""
        return lambda ds: ds.unbatch()

    @staticmethod
    def shuffle_and_repeat(buffer_size: int, count: int | None = None,
                           seed: int | None = None) -> Callable[[Dataset], Dataset]:
        """``ds.shuffle(buffer_size, seed).repeat(count)`` (reshuffled each pass)."""
        return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)

    @staticmethod
    def map_and_batch(map_func: Any, batch_size: int, num_parallel_batches: int | None = None,
                      drop_remainder: bool = False, num_parallel_calls: int | None = None) -> Callable[[Dataset],
                                                                                                      Dataset]:
        """``ds.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)``."""
        return lambda ds: ds.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)

    @staticmethod
    def parallel_interleave(map_func: Any, cycle_length: int, block_length: int = 1, sloppy: bool | None = False,
                            buffer_output_elements: int | None = None,
                            prefetch_input_elements: int | None = None) -> Callable[[Dataset], Dataset]:
        """``ds.interleave(map_func, cycle_length, block_length, num_parallel_calls=cycle_length,
        deterministic=not sloppy)``."""
        return lambda ds: ds.interleave(map_func, cycle_length, block_length, num_parallel_calls=cycle_length,
                                        deterministic=not sloppy)

    @staticmethod
    def copy_to_device(target_device: str, source_device: str = "/cpu:0") -> Callable[[Dataset], Dataset]:
        """The dataset unchanged: tapegrad's arrays live in host memory (CPU is the only device)."""
        return lambda ds: ds

    @staticmethod
    def prefetch_to_device(device: str, buffer_size: int | None = None) -> Callable[[Dataset], Dataset]:
        """``ds.prefetch(buffer_size)`` (host memory is the only device)."""
        return lambda ds: ds.prefetch(AUTOTUNE if buffer_size is None else buffer_size)

    @staticmethod
    def get_structure(dataset_or_iterator: Any) -> Any:
        """The element spec of a dataset or iterator (TypeError for anything else)."""
        if not isinstance(dataset_or_iterator, (Dataset, DatasetIterator)):
            raise TypeError("Invalid `dataset_or_iterator`. `dataset_or_iterator` must be a `tf.data.Dataset` or "
                            f"tf.data.Iterator object, but got {type(dataset_or_iterator)}.")
        return dataset_or_iterator.element_spec

    @staticmethod
    def get_next_as_optional(iterator: Any) -> Any:
        """``iterator.get_next_as_optional()``."""
        return iterator.get_next_as_optional()

    @staticmethod
    def enable_debug_mode() -> None:
        """Accepted for TF programs: tapegrad runs dataset functions eagerly, element by element, already."""
        return None

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
Iterator = DatasetIterator

__all__ = ["Dataset", "DatasetV2", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Iterator",
           "IteratorSpec", "NumpyIterator", "OwnedIterator", "DatasetSpec", "TensorSpec", "experimental", "Options",
           "ThreadingOptions", "TextLineDataset", "TFRecordDataset", "FixedLengthRecordDataset"]
