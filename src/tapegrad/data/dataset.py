"""``tf.data.Dataset``: a lazy, streaming input pipeline (sources, transformations, iteration).

Every dataset is a recipe: iterating it runs its sources and transformations element by element (Python
generators), so nothing is materialised except what ``batch``, ``shuffle``'s buffer, ``prefetch``'s queue and
``cache`` hold by design. Elements are tensors (or tuples/dicts of them) as in TensorFlow's eager mode.

>>> import numpy as np
>>> import tapegrad as tf
>>> ds = tf.data.Dataset.from_tensor_slices((np.arange(6.0, dtype="float32"), np.arange(6))).map(
...     lambda x, y: (x * 2, y)).batch(4)
>>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]
[([0.0, 2.0, 4.0, 6.0], [0, 1, 2, 3]), ([8.0, 10.0], [4, 5])]
>>> int(ds.cardinality()), ds.element_spec[0]
(2, TensorSpec(shape=(None,), dtype=tapegrad.float32, name=None))
"""

from __future__ import annotations

import os
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import _dtypes, _nest
from .._strings import to_bytes_array
from .._tape import local as _local
from .._tensor import _TensorLike
from ..errors import InvalidArgumentError
from ..ops import core as _core
from ..ops.tensor_spec import TensorSpec
from ._structure import (
    DatasetSpec,
    ExtValue,
    SparseTensorSpec,
    SparseValue,
    batch_ext,
    batch_sparse,
    from_user,
    leaf_dtype,
    relax,
    spec_of,
    symbolic,
    to_array,
    to_internal,
    to_numpy_user,
    to_user,
    with_shape,
)

__all__ = ["Dataset", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "DatasetIterator", "NumpyIterator",
           "OwnedIterator"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_INF, _UNK = INFINITE_CARDINALITY, UNKNOWN_CARDINALITY


def _call(fn: Callable[..., Any], element: Any) -> Any:
    """Call a dataset function on an internal element as TF does: a tuple is unpacked into positional arguments."""
    args = to_user(element)
    with symbolic(), _as_traced_errors():
        return fn(*args) if isinstance(args, tuple) and not hasattr(args, "_fields") else fn(args)


def check_state(old: Any, new: Any, what: str) -> None:
    """A ``reduce``/``scan`` state keeps its structure and dtypes (TypeError naming the change otherwise)."""
    old_leaves, new_leaves = _nest.flatten(old), _nest.flatten(new)
    if len(old_leaves) != len(new_leaves):
        raise TypeError(f"Invalid `{what}`. The element types for the new state must match the initial state: the "
                        f"structure changed from {len(old_leaves)} to {len(new_leaves)} components.")
    for a, b in zip(old_leaves, new_leaves):
        if a.dtype != b.dtype:
            raise TypeError(f"Invalid `{what}`. The element types for the new state must match the initial state. "
                            f"Expected {a.dtype.name}; got {b.dtype.name}. Give the initial state the dtype the "
                            "function returns (e.g. np.int64(0) for Dataset.range).")


class _as_traced_errors:  # noqa: N801  (a context manager)
    """TF builds dataset functions as graphs, where mixing dtypes (int32 + int64) is a TypeError at trace time,
    not the InvalidArgumentError eager ops raise: report it the way TF does."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is InvalidArgumentError and "dtypes implicitly" in str(exc):
            raise TypeError(str(exc)) from exc
        return False


def _dummy(spec: Any, fill: int, none_dim: int) -> Any:
    if isinstance(spec, DatasetSpec):
        raise TypeError("no dummy for a dataset component")
    shape = tuple(none_dim if d is None else int(d) for d in spec.shape)
    if spec.dtype == _dtypes.string:
        return np.full(shape, b"", dtype=object)
    return np.full(shape, fill, dtype=leaf_dtype(spec))


def _stack(items: list[Any], component: int) -> np.ndarray:
    if isinstance(items[0], SparseValue):
        return batch_sparse(items)
    if isinstance(items[0], ExtValue):
        return batch_ext(items)
    first = items[0].shape
    for i, a in enumerate(items):
        if a.shape != first:
            raise InvalidArgumentError(
                f"Cannot batch tensors with different shapes in component {component}. First element had shape "
                f"{list(first)} and element {i} had shape {list(a.shape)}. Use padded_batch to pad them to a common "
                "shape, or make the elements equal-shaped before batching.")
    return np.stack(items)


_context = threading.local()  # .options: the Options of the pipeline an outermost consumer is running


def current_options() -> Any:
    """The ``tf.data.Options`` of the pipeline being iterated in this thread (defaults when none)."""
    options = getattr(_context, "options", None)
    if options is None:
        from .options import Options

        options = Options()
    return options


def _with_options(it: Iterator[Any], options: Any) -> Iterator[Any]:
    """Step ``it`` with ``options`` current in this thread (so transformations read the pipeline's options)."""
    while True:
        previous = getattr(_context, "options", None)
        _context.options = options
        try:
            element = next(it)
        except StopIteration:
            return
        finally:
            _context.options = previous
        yield element


def resolve_deterministic(deterministic: bool | None) -> bool:
    """A transformation's ``deterministic`` argument, else the pipeline's ``Options.deterministic`` (True)."""
    if deterministic is not None:
        return bool(deterministic)
    value = current_options().deterministic
    return True if value is None else bool(value)


def parallelism(num_parallel_calls: int | None) -> int:
    """How many threads ``num_parallel_calls`` asks for (``AUTOTUNE``: the schedulable CPU cores)."""
    if num_parallel_calls is None:
        return 1
    n = int(num_parallel_calls)
    if n == AUTOTUNE:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n <= 0:
        raise ValueError(f"num_parallel_calls must be positive or tf.data.AUTOTUNE; got {n}.")
    return n


class Dataset:
    """A sequence of elements (tensors, or tuples/dicts of tensors) produced lazily by a pipeline.

    Build one with a source (:meth:`from_tensor_slices`, :meth:`from_tensors`, :meth:`range`,
    :meth:`from_generator`, :meth:`zip`) and chain transformations (``map``, ``filter``, ``batch``, ``shuffle``,
    ``repeat``, ``prefetch``, …); each returns a new dataset. Iterate it with ``for`` (tensors) or
    :meth:`as_numpy_iterator` (NumPy values); Keras ``fit``/``evaluate``/``predict`` accept it directly.

    >>> import tapegrad as tf
    >>> list(tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0).as_numpy_iterator())
    [np.int64(0), np.int64(3), np.int64(6), np.int64(9)]
    """

    _tf_name = "DatasetV2"

    def __init__(self, cardinality: int) -> None:
        self._card = int(cardinality)
        self._spec_cache: Any = None

    # -- to implement ---------------------------------------------------------------------------------------------
    def _iter(self) -> Iterator[Any]:
        """Internal elements (nests of NumPy arrays), one pass."""
        raise NotImplementedError

    def _compute_spec(self) -> Any:
        raise NotImplementedError

    # -- inspection -----------------------------------------------------------------------------------------------
    @property
    def element_spec(self) -> Any:
        """The type specification of an element: a nest of ``TensorSpec`` (``None`` for dims that vary)."""
        if self._spec_cache is None:
            self._spec_cache = self._compute_spec()
        return self._spec_cache

    def cardinality(self) -> Any:
        """The number of elements as an int64 scalar tensor; ``INFINITE_CARDINALITY`` (-1) or
        ``UNKNOWN_CARDINALITY`` (-2) when it is infinite or not known without running the pipeline."""
        return _core.constant(np.int64(self._card))

    def __len__(self) -> int:
        if self._card == _INF:
            raise TypeError("The dataset is infinite.")
        if self._card == _UNK:
            raise TypeError("The dataset length is unknown.")
        return self._card

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<{self._tf_name} element_spec={self.element_spec!r}>"

    # -- iteration ------------------------------------------------------------------------------------------------
    def __iter__(self) -> OwnedIterator:
        if _local.tracer is not None:  # in a tapegrad.function body: the elements are inputs of the program
            from ..compiler.datasets import traced_iter

            it = traced_iter(self, sys._getframe(1))
            if it is not None:
                return it
        return OwnedIterator(self)

    def as_numpy_iterator(self) -> NumpyIterator:
        """Iterate with NumPy values (scalars as NumPy scalars, strings as ``bytes``) instead of tensors.

        >>> import tapegrad as tf
        >>> list(tf.data.Dataset.from_tensor_slices([1, 2]).as_numpy_iterator())
        [np.int32(1), np.int32(2)]
        """
        return NumpyIterator(self)

    # -- sources --------------------------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset:
        """One element per slice along the first axis of ``tensors`` (a tensor/array, or a tuple/dict of them,
        all with the same first dimension). A Python list is one tensor (converted as ``tf.constant`` does).

        >>> import tapegrad as tf
        >>> [d["a"].numpy().tolist() for d in tf.data.Dataset.from_tensor_slices({"a": [[1, 2], [3, 4]]})]
        [[1, 2], [3, 4]]
        """
        return _TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset:
        """A dataset of exactly one element, ``tensors``."""
        return _TensorDataset(tensors)

    @staticmethod
    def range(*args: int, output_type: Any = "int64", name: str | None = None) -> Dataset:
        """``range(stop)``, ``range(start, stop[, step])`` like Python's, as int64 scalars by default.

        >>> import tapegrad as tf
        >>> [int(x) for x in tf.data.Dataset.range(2, 10, 3)]
        [2, 5, 8]
        """
        return _RangeDataset(*args, output_type=output_type)

    @staticmethod
    def zip(datasets: Any = None, *args: Any, name: str | None = None) -> Dataset:
        """Combine datasets element-wise into tuples (or dicts): ``zip((a, b))``, ``zip(a, b)``, ``zip({"x": a})``.
        Stops at the shortest input."""
        if args:
            datasets = (datasets, *args)
        if datasets is None:
            raise TypeError("Dataset.zip() missing 1 required positional argument: 'datasets'")
        return _ZipDataset(datasets)

    @staticmethod
    def from_generator(generator: Callable[..., Any], output_types: Any = None, output_shapes: Any = None,
                       args: Any = None, output_signature: Any = None, name: str | None = None) -> Dataset:
        """Elements produced by calling ``generator(*args)`` (a callable, called again for each pass), checked
        against ``output_signature`` (a nest of ``TensorSpec``): a wrong shape or dtype raises
        ``InvalidArgumentError`` when that element is produced.

        >>> import numpy as np
        >>> import tapegrad as tf
        >>> def gen():
        ...     for i in range(3):
        ...         yield np.full((2,), i, "float32"), i
        >>> ds = tf.data.Dataset.from_generator(gen, output_signature=(
        ...     tf.TensorSpec((2,), tf.float32), tf.TensorSpec((), tf.int32)))
        >>> [int(y) for _, y in ds], int(ds.cardinality())
        ([0, 1, 2], -2)
        """
        return _GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    # -- transformations ------------------------------------------------------------------------------------------
    def map(self, map_func: Callable[..., Any], num_parallel_calls: int | None = None, deterministic: Any = None,
            name: str | None = None) -> Dataset:
        """Apply ``map_func`` to each element (a tuple element is unpacked into positional arguments).

        With ``num_parallel_calls`` (e.g. ``AUTOTUNE``) the elements keep their order and are mapped one after
        the other (so stateful random ops draw reproducibly), unless ``deterministic=False`` (or the pipeline's
        ``Options.deterministic`` is False): then a pool of that many threads maps them and each element is
        handed out as soon as it is done. Inside
        ``map_func`` tensors are symbolic as in TF: ``.numpy()`` raises AttributeError (use ``tf.py_function``).
        Unlike TF (which traces ``map_func`` once), tapegrad runs it eagerly for every element, so Python side
        effects happen per element.
        """
        return _MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset:
        """Keep the elements for which ``predicate`` returns a scalar boolean True."""
        return _FilterDataset(self, predicate)

    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls: Any = None,
              deterministic: Any = None, name: str | None = None) -> Dataset:
        """Stack ``batch_size`` consecutive elements (the last batch may be smaller unless ``drop_remainder``).
        Elements of different shapes raise ``InvalidArgumentError`` (use :meth:`padded_batch`)."""
        return _BatchDataset(self, batch_size, drop_remainder)

    def ragged_batch(self, batch_size: int, drop_remainder: bool = False, row_splits_dtype: Any = "int64",
                     name: str | None = None) -> Dataset:
        """Batch elements whose first dimensions differ: each component of rank >= 1 becomes a RaggedTensor (one
        row per element), scalars a vector. The RaggedTensors are for the consumer of the pipeline (iteration,
        ``fit``): no transformation after this one looks inside them.

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.from_tensor_slices(["a b c", "d"]).map(tf.strings.split)
        >>> next(iter(ds.ragged_batch(2)))
        <tapegrad.RaggedTensor [[b'a', b'b', b'c'], [b'd']]>
        """
        return _RaggedBatchDataset(self, batch_size, drop_remainder, row_splits_dtype)

    def unbatch(self, name: str | None = None) -> Dataset:
        """Split each element along its first axis into separate elements (the inverse of ``batch``)."""
        return _UnbatchDataset(self)

    def padded_batch(self, batch_size: int, padded_shapes: Any = None, padding_values: Any = None,
                     drop_remainder: bool = False, name: str | None = None) -> Dataset:
        """Batch elements of varying shapes, padding each component to ``padded_shapes`` (``None`` dims: the
        longest in the batch; the default pads every dim that way) with ``padding_values`` (0 by default).

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x)).padded_batch(2)
        >>> [b.tolist() for b in ds.as_numpy_iterator()]
        [[[1, 0], [2, 2]], [[3, 3, 3]]]
        """
        return _PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def shuffle(self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True,
                name: str | None = None) -> Dataset:
        """Shuffle with a buffer of ``buffer_size`` elements (a full shuffle needs a buffer ≥ the dataset size).

        With ``seed`` the order is reproducible; each pass reshuffles unless ``reshuffle_each_iteration=False``.
        The permutations differ from TensorFlow's (another random stream).
        """
        return _ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count: int | None = None, name: str | None = None) -> Dataset:
        """Repeat the dataset ``count`` times (forever when ``None`` or -1)."""
        return _RepeatDataset(self, count)

    def take(self, count: int, name: str | None = None) -> Dataset:
        """The first ``count`` elements (all when -1)."""
        return _TakeDataset(self, count)

    def skip(self, count: int, name: str | None = None) -> Dataset:
        """All but the first ``count`` elements (none when -1)."""
        return _SkipDataset(self, count)

    def prefetch(self, buffer_size: int, name: str | None = None) -> Dataset:
        """Produce up to ``buffer_size`` elements ahead in a background thread (``AUTOTUNE``: 2), so that the
        pipeline's work overlaps the consumer's (e.g. a training step)."""
        return _PrefetchDataset(self, buffer_size)

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        """Remember the elements of the first complete pass (in memory, or in ``filename``) and serve later
        passes from there, so upstream work runs once."""
        return _CacheDataset(self, filename)

    def enumerate(self, start: int = 0, name: str | None = None) -> Dataset:
        """Pair each element with its int64 index: ``(index, element)``."""
        return _EnumerateDataset(self, start)

    def concatenate(self, dataset: Dataset, name: str | None = None) -> Dataset:
        """This dataset's elements followed by ``dataset``'s (same structure)."""
        return _ConcatenateDataset(self, dataset)

    def window(self, size: int, shift: int | None = None, stride: int = 1, drop_remainder: bool = False,
               name: str | None = None) -> Dataset:
        """Elements that are datasets of ``size`` consecutive elements, each window starting ``shift`` after the
        previous one (``flat_map(lambda w: w.batch(size))`` turns them into tensors)."""
        return _WindowDataset(self, size, shift, stride, drop_remainder)

    def flat_map(self, map_func: Callable[..., Dataset], name: str | None = None) -> Dataset:
        """Map each element to a dataset and chain those datasets."""
        return _FlatMapDataset(self, map_func)

    def shard(self, num_shards: int, index: int, name: str | None = None) -> Dataset:
        """Every ``num_shards``-th element, starting at ``index``."""
        if not 0 <= index < num_shards:
            raise InvalidArgumentError(f"Index must be in [0, num_shards): got index={index}, "
                                       f"num_shards={num_shards}.")
        return self.enumerate().filter(lambda i, e: i % num_shards == index).map(lambda i, e: e)

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        """``transformation_func(self)``: lets a pipeline chain a function of datasets."""
        return transformation_func(self)

    def reduce(self, initial_state: Any, reduce_func: Callable[[Any, Any], Any], name: str | None = None) -> Any:
        """Fold the elements into a state: ``state = reduce_func(state, element)``; returns the final state.

        The state keeps its structure and dtypes (``range`` is int64, so start from ``np.int64(0)``; a dtype
        change raises TypeError).

        >>> import numpy as np
        >>> import tapegrad as tf
        >>> int(tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x))
        10
        """
        state = to_internal(initial_state)
        for element in self._iter_top():
            with symbolic(), _as_traced_errors():
                new = reduce_func(to_user(state), to_user(element))
            new = from_user(new)
            check_state(state, new, "reduce_func")
            state = new
        return to_user(state)

    # -- more transformations and sources (tapegrad.data._transforms, tapegrad.data._persist) ------------------------
    def scan(self, initial_state: Any, scan_func: Callable[[Any, Any], Any], name: str | None = None) -> Dataset:
        """A running fold that emits as it goes: ``new_state, output = scan_func(state, element)`` for each element,
        starting from ``initial_state``; the dataset holds the outputs. The state keeps its structure and dtypes
        (TypeError otherwise); its shape may change (the spec's dims become unknown then, as TF relaxes them).

        >>> import numpy as np
        >>> import tapegrad as tf
        >>> [int(v) for v in tf.data.Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s + x))]
        [0, 1, 3, 6, 10]
        """
        from ._transforms import scan

        return scan(self, initial_state, scan_func)

    def take_while(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset:
        """The elements up to (not including) the first for which ``predicate`` (a scalar bool) is False.

        >>> import tapegrad as tf
        >>> [int(v) for v in tf.data.Dataset.range(10).take_while(lambda x: x < 3)]
        [0, 1, 2]
        """
        from ._transforms import take_while

        return take_while(self, predicate)

    def unique(self, name: str | None = None) -> Dataset:
        """The elements without repeats, in first-seen order. Elements must be one int32, int64 or string tensor
        (TypeError for another dtype, InvalidArgumentError for several components, as TF).

        >>> import tapegrad as tf
        >>> [int(v) for v in tf.data.Dataset.from_tensor_slices([3, 1, 3, 2, 1]).unique()]
        [3, 1, 2]
        """
        from ._transforms import unique

        return unique(self)

    def ignore_errors(self, log_warning: bool = False, name: str | None = None) -> Dataset:
        """Drop the elements whose production raises a runtime error (``tf.errors.OpError``: a failed
        ``check_numerics``, a corrupt image to decode, …) and go on with the next; ``log_warning`` warns for each.
        The ``map``/``filter`` steps just before it are what can fail and resume per element; Python errors
        (TypeError, …: bugs in a function, which TF reports when it traces) still propagate.

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0, 4.0]).map(
        ...     lambda x: tf.debugging.check_numerics(1.0 / x, "inf"))
        >>> [float(v) for v in ds.ignore_errors()]
        [1.0, 0.25]
        """
        from ._transforms import ignore_errors

        return ignore_errors(self, log_warning)

    def rebatch(self, batch_size: Any, drop_remainder: bool = False, name: str | None = None) -> Dataset:
        """Re-slice batched elements into batches of ``batch_size`` (an int, or a list of sizes used in turn),
        as ``unbatch().batch(n)`` would, without splitting into single elements.

        >>> import tapegrad as tf
        >>> [b.tolist() for b in tf.data.Dataset.range(7).batch(4).rebatch(3).as_numpy_iterator()]
        [[0, 1, 2], [3, 4, 5], [6]]
        """
        from ._transforms import rebatch

        return rebatch(self, batch_size, drop_remainder)

    def sparse_batch(self, batch_size: int, row_shape: Any, name: str | None = None) -> Dataset:
        """Batch elements of varying shape into ``SparseTensor``s of dense shape ``[n, *row_shape]`` (every entry
        of an element is a value; a ``-1`` in ``row_shape`` takes the batch's largest size). An element larger than
        ``row_shape`` raises ``DataLossError``.

        >>> import tapegrad as tf
        >>> st = next(iter(tf.data.Dataset.range(1, 3).map(lambda x: tf.fill([x], x)).sparse_batch(2, [3])))
        >>> st.indices.numpy().tolist(), st.values.numpy().tolist(), st.dense_shape.numpy().tolist()
        ([[0, 0], [1, 0], [1, 1]], [1, 2, 2], [2, 3])
        """
        from ._transforms import sparse_batch

        return sparse_batch(self, batch_size, row_shape)

    def rejection_resample(self, class_func: Callable[..., Any], target_dist: Any, initial_dist: Any = None,
                           seed: int | None = None, name: str | None = None) -> Dataset:
        """Resample so the classes (``class_func(element)``, an integer scalar) follow ``target_dist``; elements
        are ``(class, element)``. An element of class ``k`` is kept with probability ``(target_k / initial_k) /
        max_j(target_j / initial_j)``, with ``initial_dist`` given, or else estimated from the classes seen so far.
        The random draws are NumPy's (seeded by ``seed``), not TF's (which also mixes in unfiltered elements), so
        which elements are kept differs from TF's; the class distribution is the target in both.

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.range(1000).rejection_resample(lambda x: tf.cast(x % 2, tf.int32), [0.9, 0.1],
        ...                                                     initial_dist=[0.5, 0.5], seed=1)
        >>> classes = [int(c) for c, _ in ds]
        >>> 0.85 < classes.count(0) / len(classes) < 0.95
        True
        """
        from ._transforms import rejection_resample

        return rejection_resample(self, class_func, target_dist, initial_dist, seed)

    def get_single_element(self, name: str | None = None) -> Any:
        """The one element of a dataset that has exactly one (``InvalidArgumentError`` if it is empty or has more).

        >>> import tapegrad as tf
        >>> int(tf.data.Dataset.range(3).batch(3).map(tf.reduce_sum).get_single_element())
        3
        """
        from ._transforms import get_single_element

        return get_single_element(self)

    def fingerprint(self) -> Any:
        """A uint64 scalar identifying how this dataset is built (its sources' data, transformations, settings
        and functions): two datasets built the same way have the same fingerprint (the values are tapegrad's,
        not TF's graph hashes). ``snapshot`` keys its files by it.

        >>> import tapegrad as tf
        >>> bool(tf.data.Dataset.range(3).fingerprint() == tf.data.Dataset.range(3).fingerprint())
        True
        """
        from ._transforms import fingerprint

        return fingerprint(self)

    @staticmethod
    def counter(start: Any = 0, step: Any = 1, dtype: Any = "int64", name: str | None = None) -> Dataset:
        """``start, start + step, …`` forever (int64 by default).

        >>> import tapegrad as tf
        >>> [int(v) for v in tf.data.Dataset.counter(10, 5).take(3)]
        [10, 15, 20]
        """
        from ._transforms import counter

        return counter(start, step, dtype)

    @staticmethod
    def random(seed: int | None = None, rerandomize_each_iteration: bool | None = None,
               name: str | None = None) -> Dataset:
        """Random int64 scalars in ``[0, 2**32)`` forever: with a ``seed`` (or a global seed) they are TF's values
        (Philox's 32-bit words). Each pass repeats the sequence unless ``rerandomize_each_iteration``.

        >>> import tapegrad as tf
        >>> tf.random.set_seed(None)  # with a global seed set, the stream is another (as in TF)
        >>> [int(v) for v in tf.data.Dataset.random(seed=1).take(2)]
        [2870909127, 3455438759]
        """
        from ._transforms import random_dataset

        return random_dataset(seed, rerandomize_each_iteration)

    def save(self, path: str, compression: str | None = None, shard_func: Callable[..., Any] | None = None,
             checkpoint_args: Any = None) -> None:
        """Write the elements to the directory ``path`` (made if needed); ``Dataset.load(path)`` reads them back.

        ``compression``: ``None``, ``"GZIP"`` or ``"ZLIB"``; ``shard_func(element)`` (an int64 scalar) picks the
        shard file of each element (one file by default). The format is tapegrad's own (NumPy arrays, no pickle),
        not TF's snapshot protos: directories written by TF cannot be loaded here, nor the reverse.
        ``checkpoint_args`` is accepted and ignored (the write is not resumable).

        >>> import os, tempfile
        >>> import tapegrad as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "ds")
        >>> tf.data.Dataset.range(3).map(lambda x: {"x": x * 2}).save(path)
        >>> [int(e["x"]) for e in tf.data.Dataset.load(path)]
        [0, 2, 4]
        """
        from ._persist import save

        save(self, path, compression, shard_func)

    @staticmethod
    def load(path: str, element_spec: Any = None, compression: str | None = None,
             reader_func: Callable[[Dataset], Dataset] | None = None, wait: bool = False) -> Dataset:
        """The dataset ``save`` wrote to ``path`` (``NotFoundError`` if there is none). Shards are read in order,
        or as ``reader_func(datasets)`` combines them (``datasets`` is a dataset of the shard datasets, e.g.
        ``lambda d: d.interleave(lambda x: x, cycle_length=2)``); ``element_spec`` is checked against the saved
        one; ``compression`` is read from the directory (the argument is accepted for TF's signature)."""
        from ._persist import load

        return load(path, element_spec, reader_func)

    def snapshot(self, path: str, compression: str | None = "AUTO", reader_func: Callable[..., Any] | None = None,
                 shard_func: Callable[..., Any] | None = None, name: str | None = None) -> Dataset:
        """Persist the first complete pass under ``path`` and read every later pass (in this or another process)
        from there, keyed by the dataset's ``fingerprint``: a pipeline built the same way reuses the files, a
        changed one writes new ones. An interrupted pass leaves nothing behind. ``compression``: ``"AUTO"``/
        ``None`` (none), ``"GZIP"`` or ``"ZLIB"``.

        >>> import tempfile
        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.range(3).map(lambda x: x * x).snapshot(tempfile.mkdtemp())
        >>> [int(v) for v in ds], [int(v) for v in ds]
        ([0, 1, 4], [0, 1, 4])
        """
        from ._persist import SnapshotDataset

        return SnapshotDataset(self, path, compression, reader_func, shard_func)

    def with_options(self, options: Any, name: str | None = None) -> Dataset:
        """This dataset with ``options`` (a ``tf.data.Options``) set; ``options()`` merges them with the rest of the
        pipeline's (later settings win). ``deterministic=False`` lets parallel ``map``/``interleave`` hand out
        elements in the order they finish; the other options are kept and reported but change nothing here."""
        from .options import Options

        if not isinstance(options, Options):
            raise AttributeError(f"with_options expects a tf.data.Options object; got {type(options).__name__}.")
        return _OptionsDataset(self, options)

    def options(self) -> Any:
        """The ``tf.data.Options`` of the pipeline: every ``with_options`` upstream, merged (later settings win).

        >>> import tapegrad as tf
        >>> o = tf.data.Options()
        >>> o.experimental_optimization.map_parallelization = True
        >>> tf.data.Dataset.range(4).with_options(o).map(lambda x: x + 1).options() == o
        True
        """
        from .options import Options, merge_options

        found = [d.options() for d in self._input_datasets()]
        own = getattr(self, "_own_options", None)
        return merge_options(Options(), *found, *([own] if own is not None else []))

    def _input_datasets(self) -> list[Dataset]:
        """The datasets this one reads (for ``options()``)."""
        out = [d for d in (self.__dict__.get(a) for a in ("_input", "_first", "_second", "_selector"))
               if isinstance(d, Dataset)]
        many = self.__dict__.get("_datasets")
        if many is not None:
            out += [d for d in _nest.flatten(many) if isinstance(d, Dataset)]
        return out

    def _iter_top(self) -> Iterator[Any]:
        """One pass as an outermost consumer runs it: with the pipeline's options current in this thread."""
        return _with_options(self._iter(), self.options())

    # -- issue 15: interleaving, grouping, sampling (tapegrad.data._combinators) ---------------------------------
    def interleave(self, map_func: Callable[..., Dataset], cycle_length: int | None = None,
                   block_length: int | None = None, num_parallel_calls: int | None = None,
                   deterministic: bool | None = None, name: str | None = None) -> Dataset:
        """Map each element to a dataset and interleave them: ``cycle_length`` datasets are open at once, and
        ``block_length`` consecutive elements are taken from each in turn (TF's order: a finished dataset's place
        in the cycle is given to the next input element when the cycle comes back to it).

        ``cycle_length`` defaults to the number of CPU cores, ``block_length`` to 1. With ``num_parallel_calls``
        the order is the same unless ``deterministic=False`` (or the pipeline's ``Options.deterministic`` is
        False): then each open dataset is read ahead in a thread and the cycle skips those with nothing ready.

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.range(1, 6).interleave(
        ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=2, block_length=2)
        >>> [int(v) for v in ds]
        [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5, 5]
        """
        from ._combinators import InterleaveDataset

        return InterleaveDataset(self, map_func, cycle_length, block_length, num_parallel_calls, deterministic)

    def group_by_window(self, key_func: Callable[..., Any], reduce_func: Callable[[Any, Dataset], Dataset],
                        window_size: int | None = None, window_size_func: Callable[[Any], Any] | None = None,
                        name: str | None = None) -> Dataset:
        """Group elements by ``key_func`` (an int64 scalar per element) into windows of ``window_size`` (or
        ``window_size_func(key)``) elements and chain ``reduce_func(key, window_dataset)``; a window is handed
        to ``reduce_func`` as soon as it is full, and the partial windows left at the end in ascending key order.

        >>> import tapegrad as tf
        >>> ds = tf.data.Dataset.range(10).group_by_window(lambda x: x % 3, lambda k, w: w.batch(2), window_size=2)
        >>> [b.tolist() for b in ds.as_numpy_iterator()]
        [[0, 3], [1, 4], [2, 5], [6, 9], [7], [8]]
        """
        from ._combinators import GroupByWindowDataset

        return GroupByWindowDataset(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(self, element_length_func: Callable[..., Any], bucket_boundaries: list[int],
                                  bucket_batch_sizes: list[int], padded_shapes: Any = None,
                                  padding_values: Any = None, pad_to_bucket_boundary: bool = False,
                                  no_padding: bool = False, drop_remainder: bool = False,
                                  name: str | None = None) -> Dataset:
        """Batch elements of similar length together: an element of length ``n`` goes to the bucket ``i`` with
        ``bucket_boundaries[i-1] <= n < bucket_boundaries[i]``, and each bucket is ``padded_batch``-ed by
        ``bucket_batch_sizes[i]`` (``len(bucket_batch_sizes) == len(bucket_boundaries) + 1``).

        >>> import numpy as np
        >>> import tapegrad as tf
        >>> seqs = tf.data.Dataset.from_generator(lambda: (np.ones(n, "int32") for n in [3, 1, 5, 2]),
        ...                                       output_signature=tf.TensorSpec([None], tf.int32))
        >>> ds = seqs.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3], [2, 2])
        >>> [b.shape for b in ds.as_numpy_iterator()]
        [(2, 5), (2, 2)]
        """
        from ._combinators import bucket_by_sequence_length

        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries, bucket_batch_sizes,
                                         padded_shapes, padding_values, pad_to_bucket_boundary, no_padding,
                                         drop_remainder)

    @staticmethod
    def choose_from_datasets(datasets: list[Dataset], choice_dataset: Dataset, stop_on_empty_dataset: bool = True,
                             name: str | None = None) -> Dataset:
        """Element ``i`` comes from ``datasets[choice_i]``, ``choice_dataset`` giving int64 scalars. When the
        chosen dataset is spent the result ends (``stop_on_empty_dataset=True``) or that choice is skipped.

        >>> import numpy as np
        >>> import tapegrad as tf
        >>> D = tf.data.Dataset
        >>> ds = D.choose_from_datasets([D.range(3), D.range(10, 13)], D.from_tensor_slices(np.array([0, 1, 1, 0])))
        >>> [int(x) for x in ds]
        [0, 10, 11, 1]
        """
        from ._combinators import DirectedInterleaveDataset

        return DirectedInterleaveDataset.choose(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(datasets: list[Dataset], weights: Any = None, seed: int | None = None,
                             stop_on_empty_dataset: bool = False, rerandomize_each_iteration: bool | None = None,
                             name: str | None = None) -> Dataset:
        """Each element comes from a dataset drawn at random with probabilities ``weights`` (uniform by default);
        spent datasets are skipped, or end the result with ``stop_on_empty_dataset=True``. ``seed`` makes the
        draws reproducible (tapegrad's own stream, not TF's numbers); ``rerandomize_each_iteration=True`` draws
        anew on every pass.

        >>> import tapegrad as tf
        >>> D = tf.data.Dataset
        >>> sorted(int(x) for x in D.sample_from_datasets([D.range(3), D.range(10, 13)], seed=1))
        [0, 1, 2, 10, 11, 12]
        """
        from ._combinators import DirectedInterleaveDataset

        return DirectedInterleaveDataset.sample(datasets, weights, seed, stop_on_empty_dataset,
                                                rerandomize_each_iteration)

    @staticmethod
    def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None,
                   name: str | None = None) -> Dataset:
        """The file names matching ``file_pattern`` (a glob, or a list of them) as string scalars, sorted, then
        shuffled on every pass unless ``shuffle=False`` (``seed`` makes the orders reproducible; they are
        tapegrad's own, not TF's). No match raises ``InvalidArgumentError``.

        >>> import os, tempfile
        >>> import tapegrad as tf
        >>> d = tempfile.mkdtemp()
        >>> for n in ("b.txt", "a.txt", "c.csv"):
        ...     open(os.path.join(d, n), "w").close()
        >>> [os.path.basename(f) for f in tf.data.Dataset.list_files(d + "/*.txt", shuffle=False).as_numpy_iterator()]
        [b'a.txt', b'b.txt']
        """
        from .readers import list_files

        return list_files(file_pattern, shuffle, seed)


# --------------------------------------------------------------------------------------------------------------
# iterators


class DatasetIterator:
    """What ``iter(dataset)`` returns (``tf.data.Iterator``): ``next(it)``/``get_next()`` give the next element
    (StopIteration / ``OutOfRangeError`` at the end), ``get_next_as_optional()`` an ``Optional`` instead."""

    @property
    def element_spec(self) -> Any:
        raise NotImplementedError

    def get_next(self) -> Any:
        raise NotImplementedError

    def get_next_as_optional(self) -> Any:
        raise NotImplementedError


class OwnedIterator(DatasetIterator):
    """The iterator of a dataset (``iter(ds)``): ``next()`` gives the next element, StopIteration at the end."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._it = dataset._iter_top()

    def __iter__(self) -> OwnedIterator:
        return self

    def __next__(self) -> Any:
        return to_user(next(self._it))

    def get_next(self) -> Any:
        return self.__next__()

    def get_next_as_optional(self) -> Any:
        """The next element as an ``Optional``: empty at the end of the data instead of raising.

        >>> import tapegrad as tf
        >>> it = iter(tf.data.Dataset.range(1))
        >>> [bool(it.get_next_as_optional().has_value()) for _ in range(2)]
        [True, False]
        """
        from ._optional import Optional

        try:
            element = next(self._it)
        except StopIteration:
            return Optional.empty(self.element_spec)
        return Optional(to_user(element), self.element_spec, True)

    @property
    def _type_spec(self) -> Any:
        from ._optional import IteratorSpec

        return IteratorSpec(self.element_spec)

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec


class NumpyIterator:
    """``Dataset.as_numpy_iterator()``: elements as NumPy arrays/scalars (strings as ``bytes``)."""

    def __init__(self, dataset: Dataset) -> None:
        self._it = dataset._iter_top()

    def __iter__(self) -> NumpyIterator:
        return self

    def __next__(self) -> Any:
        return to_numpy_user(next(self._it))

    def next(self) -> Any:
        return self.__next__()


# --------------------------------------------------------------------------------------------------------------
# sources


class _TensorSliceDataset(Dataset):
    _tf_name = "_TensorSliceDataset"

    def __init__(self, tensors: Any) -> None:
        element = to_internal(tensors)
        leaves = _nest.flatten(element)
        if any(a.ndim == 0 for a in leaves):
            raise ValueError("Unbatching a tensor is only supported for rank >= 1: from_tensor_slices slices its "
                             "input along the first axis, so a scalar has nothing to slice (use from_tensors).")
        sizes = sorted({int(a.shape[0]) for a in leaves})
        if len(sizes) > 1:
            raise ValueError(f"Dimensions {sizes[0]} and {sizes[1]} are not compatible: every component given to "
                             "from_tensor_slices must have the same first dimension.")
        super().__init__(sizes[0] if sizes else 0)
        self._element = element

    def _iter(self) -> Iterator[Any]:
        leaves = _nest.flatten(self._element)
        for i in range(self._card):
            yield _nest.pack_sequence_as(self._element, [a[i, ...] for a in leaves])

    def _slices(self, start: int, stop: int) -> Any:
        return _nest.map_structure(lambda a: a[start:stop], self._element)

    def _compute_spec(self) -> Any:
        return spec_of(_nest.map_structure(lambda a: a[0, ...] if a.shape[0] else np.zeros(a.shape[1:], a.dtype),
                                           self._element))


class _TensorDataset(Dataset):
    _tf_name = "_TensorDataset"

    def __init__(self, tensors: Any) -> None:
        super().__init__(1)
        self._element = to_internal(tensors)

    def _iter(self) -> Iterator[Any]:
        yield self._element

    def _compute_spec(self) -> Any:
        return spec_of(self._element)


class _RangeDataset(Dataset):
    _tf_name = "_RangeDataset"

    def __init__(self, *args: int, output_type: Any = "int64") -> None:
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid arguments to Dataset.range: {args}; expected (stop), (start, stop) or "
                             "(start, stop, step).")
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) > 2 else 1)
        if step == 0:
            raise InvalidArgumentError("step must be a non-zero integer.")
        self._r = range(int(start), int(stop), int(step))
        self._dtype = _dtypes.as_dtype(output_type)
        super().__init__(len(self._r))

    def _iter(self) -> Iterator[Any]:
        np_dtype = self._dtype.as_numpy_dtype
        for v in self._r:
            yield np.array(v, dtype=np_dtype)

    def _compute_spec(self) -> Any:
        return TensorSpec((), self._dtype)


class _ZipDataset(Dataset):
    _tf_name = "_ZipDataset"

    def __init__(self, datasets: Any) -> None:
        self._datasets = datasets
        flat = _nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, Dataset):
                raise TypeError(f"Dataset.zip expects datasets (in a tuple or dict); got {type(d).__name__}.")
        cards = [d._card for d in flat]
        if any(c == _UNK for c in cards):
            card = _UNK
        else:
            finite = [c for c in cards if c != _INF]
            card = min(finite) if finite else _INF
        super().__init__(card)

    def _iter(self) -> Iterator[Any]:
        iters = [d._iter() for d in _nest.flatten(self._datasets)]
        while True:
            items = []
            for it in iters:
                try:
                    items.append(next(it))
                except StopIteration:
                    return
            yield _nest.pack_sequence_as(self._datasets, items)

    def _compute_spec(self) -> Any:
        return _nest.map_structure(lambda d: d.element_spec, self._datasets)


def _convert_to_spec(value: Any, spec: Any) -> Any:
    """A generator's output as an internal element matching ``spec`` (InvalidArgumentError when it cannot)."""
    if isinstance(spec, dict):
        return {k: _convert_to_spec(value[k], s) for k, s in spec.items()}
    if isinstance(spec, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise InvalidArgumentError(f"`generator` yielded an element that did not match the expected structure: "
                                       f"expected {len(spec)} components, got {value!r}.")
        return tuple(_convert_to_spec(v, s) for v, s in zip(value, spec))
    dtype = leaf_dtype(spec)
    try:
        if isinstance(value, _TensorLike):
            value = value.numpy()
        arr = np.asarray(value)
        if (arr.dtype.kind in "SUO") != (dtype.kind in "SO"):
            raise ValueError("string/number mismatch")
        arr = to_bytes_array(arr) if dtype.kind == "O" else arr.astype(dtype, copy=False)
    except (ValueError, TypeError) as e:
        raise InvalidArgumentError(f"TypeError: `generator` yielded an element that could not be converted to the "
                                   f"expected type. The expected type was {_dtype_name(spec)}, but the yielded "
                                   f"element was {value!r}.") from e
    want = [None if d is None else int(d) for d in spec.shape] if spec.shape.rank is not None else None
    if want is not None and (len(want) != arr.ndim or any(w is not None and w != g for w, g in zip(want, arr.shape))):
        raise InvalidArgumentError(f"`generator` yielded an element of shape {arr.shape} where an element of shape "
                                   f"{tuple(want)} was expected.")
    return arr


def _dtype_name(spec: Any) -> str:
    return spec.dtype.name


def _spec_from_legacy(types: Any, shapes: Any) -> Any:
    if isinstance(types, dict):
        return {k: _spec_from_legacy(t, None if shapes is None else shapes[k]) for k, t in types.items()}
    if isinstance(types, (tuple, list)):
        return tuple(_spec_from_legacy(t, None if shapes is None else shapes[i]) for i, t in enumerate(types))
    return TensorSpec(shapes, types)


class _GeneratorDataset(Dataset):
    _tf_name = "_FlatMapDataset"

    def __init__(self, generator: Any, output_types: Any, output_shapes: Any, args: Any, signature: Any) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable (a function that returns a generator), not "
                            f"{type(generator).__name__}: pass the function, not the generator it returns.")
        if signature is None:
            if output_types is None:
                raise TypeError("Dataset.from_generator() needs `output_signature` (or the deprecated "
                                "`output_types`).")
            signature = _spec_from_legacy(output_types, output_shapes)
        elif output_types is not None or output_shapes is not None:
            raise TypeError("`output_types` and `output_shapes` cannot be used together with `output_signature`.")
        super().__init__(_UNK)
        self._gen, self._args, self._signature = generator, tuple(args or ()), signature

    def _iter(self) -> Iterator[Any]:
        args = tuple(to_user(to_internal(a)) for a in self._args)
        for value in self._gen(*args):
            yield _convert_to_spec(value, self._signature)

    def _compute_spec(self) -> Any:
        return self._signature


# --------------------------------------------------------------------------------------------------------------
# transformations


class _UnaryDataset(Dataset):
    def __init__(self, input_dataset: Dataset, cardinality: int | None = None) -> None:
        super().__init__(input_dataset._card if cardinality is None else cardinality)
        self._input = input_dataset

    def _compute_spec(self) -> Any:
        return self._input.element_spec


def _trace_spec(fn: Callable[[Any], Any], input_spec: Any, input_dataset: Dataset) -> Any:
    """The spec of ``fn``'s output, found by calling it on two dummy elements (zeros with unknown dims 1, ones
    with unknown dims 2: dims that differ are unknown), else from the first real element."""
    specs = []
    try:
        for fill, none_dim in ((0, 1), (1, 2)):
            dummy = _nest.map_structure(lambda s, v=fill, n=none_dim: _dummy(s, v, n), input_spec)
            specs.append(spec_of(fn(dummy)))
        a, b = _nest.flatten(specs[0]), _nest.flatten(specs[1])
        if len(a) == len(b):
            return _nest.pack_sequence_as(specs[0], [relax(x, y) for x, y in zip(a, b)])
    except Exception:  # noqa: BLE001  (the function may not accept made-up values: fall back to a real element)
        pass
    for element in input_dataset._iter():
        return spec_of(fn(element))
    raise ValueError("Cannot determine the element_spec of an empty dataset's map function.")


class _MapDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, fn: Callable[..., Any], num_parallel_calls: Any,
                 deterministic: bool | None = None) -> None:
        super().__init__(input_dataset)
        self._fn = fn
        self._threads = parallelism(num_parallel_calls)
        self._deterministic = deterministic
        self._tf_name = "_MapDataset" if num_parallel_calls is None else "_ParallelMapDataset"

    def _apply(self, element: Any) -> Any:
        return from_user(_call(self._fn, element))

    def _iter(self) -> Iterator[Any]:
        apply = self._apply
        if self._threads > 1 and not resolve_deterministic(self._deterministic):
            from ._combinators import unordered_map

            yield from unordered_map(apply, self._input._iter(), self._threads)
            return
        for element in self._input._iter():  # in order: one thread gives the same elements, reproducibly
            yield apply(element)

    def _compute_spec(self) -> Any:
        return _trace_spec(self._apply, self._input.element_spec, self._input)


def _as_predicate(value: Any) -> bool:
    arr = to_array(value)
    if arr.dtype != np.bool_ or arr.ndim != 0:
        raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but its return "
                         f"type was {arr.dtype.name} with shape {arr.shape}.")
    return bool(arr)


class _FilterDataset(_UnaryDataset):
    _tf_name = "_FilterDataset"

    def __init__(self, input_dataset: Dataset, predicate: Callable[..., Any]) -> None:
        super().__init__(input_dataset, _UNK)
        self._pred = predicate
        # TF checks the predicate's return type when it traces it; check it on a dummy element likewise.
        try:
            dummy = _nest.map_structure(lambda s: _dummy(s, 0, 1), input_dataset.element_spec)
            result = _call(predicate, dummy)
        except Exception:  # noqa: BLE001  (not callable on made-up values: checked on real elements instead)
            return
        _as_predicate(result)

    def _iter(self) -> Iterator[Any]:
        for element in self._input._iter():
            if _as_predicate(_call(self._pred, element)):
                yield element


def _batched_card(card: int, n: int, drop: bool) -> int:
    if card < 0:
        return card
    return card // n if drop else -(-card // n)


class _BatchDataset(_UnaryDataset):
    _tf_name = "_BatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: int, drop_remainder: bool) -> None:
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise InvalidArgumentError(f"batch_size must be greater than zero; got {batch_size}.")
        super().__init__(input_dataset, _batched_card(input_dataset._card, batch_size, drop_remainder))
        self._n, self._drop = batch_size, bool(drop_remainder)

    def _iter(self) -> Iterator[Any]:
        n, src = self._n, self._input
        if isinstance(src, _TensorSliceDataset):  # contiguous slices: no per-element work
            total = src._card
            stop_at = total - total % n if self._drop else total
            for start in range(0, stop_at, n):
                yield src._slices(start, min(start + n, total))
            return
        buf: list[Any] = []
        for element in src._iter():
            buf.append(element)
            if len(buf) == n:
                yield self._stack(buf)
                buf = []
        if buf and not self._drop:
            yield self._stack(buf)

    @staticmethod
    def _stack(buf: list[Any]) -> Any:
        columns = [_nest.flatten(e) for e in buf]
        return _nest.pack_sequence_as(buf[0], [_stack([c[i] for c in columns], i) for i in range(len(columns[0]))])

    def _compute_spec(self) -> Any:
        lead = self._n if self._drop else None
        return _nest.map_structure(lambda s: _batch_spec(s, lead), self._input.element_spec)


class _RaggedBatchDataset(_BatchDataset):
    _tf_name = "_RaggedBatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: int, drop_remainder: bool, row_splits_dtype: Any) -> None:
        super().__init__(input_dataset, batch_size, drop_remainder)
        self._splits_dtype = _dtypes.as_dtype(row_splits_dtype)

    def _iter(self) -> Iterator[Any]:
        buf: list[Any] = []
        for element in self._input._iter():
            buf.append(element)
            if len(buf) == self._n:
                yield self._ragged(buf)
                buf = []
        if buf and not self._drop:
            yield self._ragged(buf)

    def _ragged(self, buf: list[Any]) -> Any:
        from ..ops.ragged_ops import RaggedTensor

        columns = [_nest.flatten(e) for e in buf]
        out = []
        for i in range(len(columns[0])):
            items = [c[i] for c in columns]
            if items[0].ndim == 0:
                out.append(_stack(items, i))
                continue
            if any(a.shape[1:] != items[0].shape[1:] for a in items):
                raise InvalidArgumentError(f"ragged_batch: component {i} has elements whose inner dimensions differ "
                                           f"({[list(a.shape) for a in items[:4]]}); only the first may vary.")
            splits = np.zeros(len(items) + 1, self._splits_dtype._np)
            np.cumsum([a.shape[0] for a in items], out=splits[1:])
            out.append(RaggedTensor.from_row_splits(_core.constant(np.concatenate(items)), _core.constant(splits),
                                                    validate=False))
        return _nest.pack_sequence_as(buf[0], out)

    def _compute_spec(self) -> Any:
        from ..ops.ragged_ops import RaggedTensorSpec

        lead = self._n if self._drop else None

        def one(s: Any) -> Any:
            if s.shape.rank == 0:
                return _batch_spec(s, lead)
            dims = [None if d is None else int(d) for d in s.shape]
            return RaggedTensorSpec([lead, None, *dims[1:]], s.dtype, 1, self._splits_dtype)

        return _nest.map_structure(one, self._input.element_spec)


def _batch_spec(spec: Any, lead: int | None) -> Any:
    if isinstance(spec, SparseTensorSpec):
        return SparseTensorSpec([lead, *spec.shape], spec.dtype)
    if hasattr(spec, "_tg_value_cls"):  # an ExtensionType's spec: TF's default batch encoder
        from ..experimental.extension_type import ExtensionTypeBatchEncoder

        return ExtensionTypeBatchEncoder().batch(spec, lead)
    if spec.shape.rank is None:
        return with_shape(spec, None)
    return with_shape(spec, (lead, *[None if d is None else int(d) for d in spec.shape]))


class _UnbatchDataset(_UnaryDataset):
    _tf_name = "_UnbatchDataset"

    def __init__(self, input_dataset: Dataset) -> None:
        super().__init__(input_dataset, _INF if input_dataset._card == _INF else _UNK)

    def _iter(self) -> Iterator[Any]:
        for element in self._input._iter():
            leaves = _nest.flatten(element)
            if any(a.ndim == 0 for a in leaves):
                raise InvalidArgumentError("Input element must have a non-scalar value in each component to unbatch.")
            n = int(leaves[0].shape[0])
            for i in range(n):
                yield _nest.pack_sequence_as(element, [a[i, ...] for a in leaves])

    def _compute_spec(self) -> Any:
        return _nest.map_structure(_unbatch_spec, self._input.element_spec)


def _unbatch_spec(spec: Any) -> Any:
    if hasattr(spec, "_tg_value_cls"):  # an ExtensionType's spec
        from ..experimental.extension_type import ExtensionTypeBatchEncoder

        return ExtensionTypeBatchEncoder().unbatch(spec)
    return with_shape(spec, tuple(spec.shape)[1:])


def _broadcast_structure(value: Any, structure: Any) -> list[Any]:
    """``value`` flattened to match ``structure``'s leaves (a single value applies to every leaf)."""
    n = len(_nest.flatten(structure))
    if value is None:
        return [None] * n
    if _nest.is_nested(value) and not isinstance(value, list):
        return _nest.flatten(value)
    if isinstance(value, list) and _nest.is_nested(structure):
        return list(value)
    return [value] * n


def _flat_shapes(ps: Any) -> list[Any]:
    """The shapes in a ``padded_shapes`` nest: a list/tuple of dims (or a TensorShape) is one shape."""
    if isinstance(ps, dict):
        return [x for k in sorted(ps) for x in _flat_shapes(ps[k])]
    if isinstance(ps, tuple) and not all(d is None or isinstance(d, (int, np.integer)) for d in ps):
        return [x for p in ps for x in _flat_shapes(p)]
    return [ps]


class _PaddedBatchDataset(_UnaryDataset):
    _tf_name = "_PaddedBatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: int, padded_shapes: Any, padding_values: Any,
                 drop_remainder: bool) -> None:
        super().__init__(input_dataset, _batched_card(input_dataset._card, int(batch_size), drop_remainder))
        self._n, self._drop = int(batch_size), bool(drop_remainder)
        self._padded_shapes = padded_shapes
        self._padding_values = padding_values

    def _shapes(self, n_leaves: int) -> list[Any]:
        if self._padded_shapes is None:
            return [None] * n_leaves
        return _flat_shapes(self._padded_shapes)

    def _iter(self) -> Iterator[Any]:
        buf: list[Any] = []
        for element in self._input._iter():
            buf.append(element)
            if len(buf) == self._n:
                yield self._pad(buf)
                buf = []
        if buf and not self._drop:
            yield self._pad(buf)

    def _pad(self, buf: list[Any]) -> Any:
        columns = [_nest.flatten(e) for e in buf]
        n_leaves = len(columns[0])
        shapes = self._shapes(n_leaves)
        values = _broadcast_structure(self._padding_values, buf[0])
        out = []
        for i in range(n_leaves):
            items = [c[i] for c in columns]
            rank = items[0].ndim
            if any(a.ndim != rank for a in items):
                raise InvalidArgumentError(f"padded_batch: component {i} has elements of different ranks.")
            longest = [max(a.shape[d] for a in items) for d in range(rank)]
            target = shapes[i]
            if target is not None:
                target = [None if d is None or int(d) < 0 else int(d) for d in list(getattr(target, "shape", target))]
                if len(target) != rank:
                    raise ValueError(f"The padded shape {target} is not compatible with the rank {rank} of "
                                     f"component {i}.")
                for t, m in zip(target, longest):
                    if t is not None and m > t:
                        raise InvalidArgumentError(f"Attempted to pad to a smaller size than the input element: "
                                                   f"padded shape {target}, element dims {longest}.")
                longest = [m if t is None else t for t, m in zip(target, longest)]
            fill = values[i]
            fill = (b"" if items[0].dtype.kind in "SO" else 0) if fill is None else to_array(fill)
            if isinstance(fill, np.ndarray) and fill.dtype.kind not in "SO" and items[0].dtype.kind not in "SO" \
                    and fill.dtype != items[0].dtype and not isinstance(values[i], (int, float)):
                raise TypeError(f"padding_values dtype {fill.dtype.name} does not match the component dtype "
                                f"{items[0].dtype.name}.")
            batch = np.full((len(items), *longest), fill, dtype=items[0].dtype)
            for j, a in enumerate(items):
                batch[(j, *[slice(0, d) for d in a.shape])] = a
            out.append(batch)
        return _nest.pack_sequence_as(buf[0], out)

    def _compute_spec(self) -> Any:
        lead = self._n if self._drop else None
        specs = _nest.flatten(self._input.element_spec)
        shapes = self._shapes(len(specs))
        out = []
        for s, target in zip(specs, shapes):
            if target is None:
                dims = [None] * (s.shape.rank or 0)
            else:
                dims = [None if d is None or int(d) < 0 else int(d) for d in list(getattr(target, "shape", target))]
            out.append(with_shape(s, (lead, *dims)))
        return _nest.pack_sequence_as(self._input.element_spec, out)


class _ShuffleDataset(_UnaryDataset):
    _tf_name = "_ShuffleDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: int, seed: int | None, reshuffle: bool) -> None:
        super().__init__(input_dataset)
        buffer_size = int(buffer_size)
        if buffer_size == 0 or buffer_size < -1:
            raise InvalidArgumentError(f"buffer_size must be greater than zero (or AUTOTUNE); got {buffer_size}.")
        self._buffer = buffer_size if buffer_size > 0 else 1024
        if seed is None:
            from ..ops.random_ops import internal_generator

            seed = int(internal_generator().integers(0, 2**62))
        self._seed, self._reshuffle, self._epoch = int(seed), bool(reshuffle), 0

    def _iter(self) -> Iterator[Any]:
        epoch = self._epoch if self._reshuffle else 0
        self._epoch += 1
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self._seed, epoch])))
        buf: list[Any] = []
        it = self._input._iter()
        for element in it:  # fill the buffer
            buf.append(element)
            if len(buf) >= self._buffer:
                break
        for element in it:  # steady state: emit a random buffered element, put the new one in its place
            j = int(rng.integers(len(buf)))
            yield buf[j]
            buf[j] = element
        while buf:
            j = int(rng.integers(len(buf)))
            buf[j], buf[-1] = buf[-1], buf[j]
            yield buf.pop()


class _RepeatDataset(_UnaryDataset):
    _tf_name = "_RepeatDataset"

    def __init__(self, input_dataset: Dataset, count: int | None) -> None:
        count = -1 if count is None else int(count)
        c = input_dataset._card
        if count < 0:
            card = 0 if c == 0 else (_UNK if c == _UNK else _INF)
        else:
            card = c if c < 0 and count > 0 else (0 if count == 0 else c * count)
        super().__init__(input_dataset, card)
        self._count = count

    def _iter(self) -> Iterator[Any]:
        done = 0
        while self._count < 0 or done < self._count:
            produced = False
            for element in self._input._iter():
                produced = True
                yield element
            if not produced:
                return
            done += 1


class _TakeDataset(_UnaryDataset):
    _tf_name = "_TakeDataset"

    def __init__(self, input_dataset: Dataset, count: int) -> None:
        count = int(count)
        c = input_dataset._card
        if count < 0:
            card = c
        elif c == _INF:
            card = count
        elif c == _UNK:
            card = _UNK
        else:
            card = min(c, count)
        super().__init__(input_dataset, card)
        self._count = count

    def _iter(self) -> Iterator[Any]:
        if self._count < 0:
            yield from self._input._iter()
            return
        if self._count == 0:
            return
        for i, element in enumerate(self._input._iter()):
            yield element
            if i + 1 >= self._count:
                return


class _SkipDataset(_UnaryDataset):
    _tf_name = "_SkipDataset"

    def __init__(self, input_dataset: Dataset, count: int) -> None:
        count = int(count)
        c = input_dataset._card
        if c < 0:
            card = c
        else:
            card = 0 if count < 0 else max(c - count, 0)
        super().__init__(input_dataset, card)
        self._count = count

    def _iter(self) -> Iterator[Any]:
        for i, element in enumerate(self._input._iter()):
            if self._count < 0 or i < self._count:
                continue
            yield element


_END, _ERROR = object(), object()


class _PrefetchDataset(_UnaryDataset):
    _tf_name = "_PrefetchDataset"

    def __init__(self, input_dataset: Dataset, buffer_size: int) -> None:
        super().__init__(input_dataset)
        buffer_size = int(buffer_size)
        self._buffer = 2 if buffer_size < 0 else buffer_size

    def _iter(self) -> Iterator[Any]:
        if self._buffer == 0:
            yield from self._input._iter()
            return
        q: queue.Queue[Any] = queue.Queue(maxsize=self._buffer)
        stop = threading.Event()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        options = getattr(_context, "options", None)

        def produce() -> None:
            _context.options = options  # the consumer's pipeline options, in this thread too
            try:
                for element in self._input._iter():
                    if not put(element):
                        return
                put(_END)
            except BaseException as e:  # noqa: BLE001  (re-raised in the consumer's thread)
                put((_ERROR, e))

        worker = threading.Thread(target=produce, name="tapegrad-data-prefetch", daemon=True)
        worker.start()
        try:
            while True:
                item = q.get()
                if item is _END:
                    return
                if isinstance(item, tuple) and len(item) == 2 and item[0] is _ERROR:
                    raise item[1]
                yield item
        finally:
            stop.set()


class _CacheDataset(_UnaryDataset):
    _tf_name = "_CacheDataset"

    def __init__(self, input_dataset: Dataset, filename: str) -> None:
        super().__init__(input_dataset)
        self._filename = os.fspath(filename)
        self._memory: list[Any] | None = None

    def _iter(self) -> Iterator[Any]:
        if self._memory is not None:
            yield from self._memory
            return
        path = self._filename + ".tapegrad-cache" if self._filename else ""
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                self._memory = pickle.load(f)
            yield from self._memory
            return
        buf = []
        for element in self._input._iter():
            buf.append(element)
            yield element
        self._memory = buf  # only a complete pass is kept (an interrupted one is discarded, as TF does)
        if path:
            with open(path, "wb") as f:
                pickle.dump(buf, f)


class _OptionsDataset(_UnaryDataset):
    """``with_options``: the same elements, with options that ``options()`` merges into the pipeline's."""

    _tf_name = "_OptionsDataset"

    def __init__(self, input_dataset: Dataset, options: Any) -> None:
        super().__init__(input_dataset)
        self._own_options = options

    def _iter(self) -> Iterator[Any]:
        return self._input._iter()


class _EnumerateDataset(_UnaryDataset):
    _tf_name = "_EnumerateDataset"

    def __init__(self, input_dataset: Dataset, start: int) -> None:
        super().__init__(input_dataset)
        self._start = int(start)

    def _iter(self) -> Iterator[Any]:
        for i, element in enumerate(self._input._iter(), self._start):
            yield (np.array(i, dtype=np.int64), element)

    def _compute_spec(self) -> Any:
        return (TensorSpec((), "int64"), self._input.element_spec)


class _ConcatenateDataset(Dataset):
    _tf_name = "_ConcatenateDataset"

    def __init__(self, first: Dataset, second: Dataset) -> None:
        a, b = first._card, second._card
        card = _UNK if _UNK in (a, b) else (_INF if _INF in (a, b) else a + b)
        super().__init__(card)
        self._first, self._second = first, second

    def _iter(self) -> Iterator[Any]:
        yield from self._first._iter()
        yield from self._second._iter()

    def _compute_spec(self) -> Any:
        a, b = _nest.flatten(self._first.element_spec), _nest.flatten(self._second.element_spec)
        return _nest.pack_sequence_as(self._first.element_spec, [relax(x, y) for x, y in zip(a, b)])


class _WindowDataset(_UnaryDataset):
    _tf_name = "_WindowDataset"

    def __init__(self, input_dataset: Dataset, size: int, shift: int | None, stride: int, drop: bool) -> None:
        size, shift, stride = int(size), int(size if shift is None else shift), int(stride)
        if size <= 0 or shift <= 0 or stride <= 0:
            raise InvalidArgumentError("window: size, shift and stride must be positive.")
        c = input_dataset._card
        if c < 0:
            card = c
        elif drop:
            span = (size - 1) * stride + 1
            card = 0 if c < span else (c - span) // shift + 1
        else:
            card = -(-c // shift)
        super().__init__(input_dataset, card)
        self._size, self._shift, self._stride, self._drop = size, shift, stride, bool(drop)

    def _iter(self) -> Iterator[Any]:
        span = (self._size - 1) * self._stride + 1
        buf: list[Any] = []
        start = 0  # index of buf[0] in the input
        pending_end = False
        it = self._input._iter()
        next_start = 0
        while True:
            while len(buf) < (next_start - start) + span and not pending_end:
                try:
                    buf.append(next(it))
                except StopIteration:
                    pending_end = True
            offset = next_start - start
            window = buf[offset:offset + span:self._stride]
            if not window or (self._drop and len(window) < self._size):
                return
            yield self._as_datasets(window)
            next_start += self._shift
            drop_n = min(next_start - start, len(buf))
            del buf[:drop_n]
            start += drop_n

    @staticmethod
    def _as_datasets(window: list[Any]) -> Any:
        columns = [_nest.flatten(e) for e in window]
        datasets = [_TensorSliceDataset(np.stack([c[i] for c in columns])) for i in range(len(columns[0]))]
        return _nest.pack_sequence_as(window[0], datasets)

    def _compute_spec(self) -> Any:
        return _nest.map_structure(DatasetSpec, self._input.element_spec)


class _FlatMapDataset(_UnaryDataset):
    _tf_name = "_FlatMapDataset"

    def __init__(self, input_dataset: Dataset, fn: Callable[..., Dataset]) -> None:
        super().__init__(input_dataset, _UNK)
        self._fn = fn

    def _datasets(self) -> Iterator[Dataset]:
        for element in self._input._iter():
            ds = _call(self._fn, element)
            if not isinstance(ds, Dataset):
                raise TypeError(f"The function passed to flat_map must return a Dataset; got {type(ds).__name__}.")
            yield ds

    def _iter(self) -> Iterator[Any]:
        for ds in self._datasets():
            yield from ds._iter()

    def _compute_spec(self) -> Any:
        for ds in self._datasets():
            return ds.element_spec
        raise ValueError("Cannot determine the element_spec of flat_map over an empty dataset.")


def experimental_cardinality(dataset: Dataset) -> Any:
    """``tf.data.experimental.cardinality(ds)``: the same as ``ds.cardinality()``."""
    return dataset.cardinality()

