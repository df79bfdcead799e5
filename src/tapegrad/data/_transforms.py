"""More ``tf.data`` transformations and sources: ``scan``, ``take_while``, ``unique``, ``ignore_errors``,
``assert_cardinality``, ``rebatch``, ``sparse_batch``, ``pad_to_cardinality``, ``group_by_reducer``,
``rejection_resample``, ``counter``, ``random``, ``from_list``, ``get_single_element``, ``at`` and ``fingerprint``.

Each streams element by element, as the core transformations of ``dataset.py`` do.
"""

from __future__ import annotations

import hashlib
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import _dtypes, _nest
from ..errors import DataLossError, FailedPreconditionError, InvalidArgumentError, OpError, OutOfRangeError
from ..ops.tensor_spec import TensorSpec
from ._structure import SparseTensorSpec, SparseValue, from_user, relax, spec_of, symbolic, to_internal, to_user
from .dataset import (
    _INF,
    _UNK,
    Dataset,
    _as_predicate,
    _as_traced_errors,
    _call,
    _dummy,
    _FilterDataset,
    _MapDataset,
    _stack,
    _TensorSliceDataset,
    _UnaryDataset,
    check_state,
)

__all__ = ["Reducer", "scan", "take_while", "unique", "ignore_errors", "assert_cardinality", "rebatch",
           "sparse_batch", "pad_to_cardinality", "group_by_reducer", "rejection_resample", "counter",
           "random_dataset", "from_list", "get_single_element", "at", "fingerprint"]


def _call_with_state(fn: Callable[..., Any], state: Any, element: Any) -> Any:
    with symbolic(), _as_traced_errors():
        return fn(to_user(state), to_user(element))


def _split_pair(result: Any, what: str) -> tuple[Any, Any]:
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"Invalid `{what}`. `{what}` must return a `(new_state, output_element)` tuple; got "
                        f"{type(result).__name__}.")
    return from_user(result[0]), from_user(result[1])


# -- scan ----------------------------------------------------------------------------------------------------------

class _ScanDataset(_UnaryDataset):
    _tf_name = "_ScanDataset"

    def __init__(self, input_dataset: Dataset, initial_state: Any, scan_func: Callable[..., Any]) -> None:
        super().__init__(input_dataset)
        self._state0 = to_internal(initial_state)
        self._fn = scan_func

    def _iter(self) -> Iterator[Any]:
        state = self._state0
        for element in self._input._iter():
            new, out = _split_pair(_call_with_state(self._fn, state, element), "scan_func")
            check_state(state, new, "scan_func")
            state = new
            yield out

    def _compute_spec(self) -> Any:
        # TF traces scan_func, relaxes the state's shape to what the new state allows, and traces again until the
        # state spec is stable; the output spec comes from the last trace. Made-up elements (unknown dims 1, then
        # 2) stand in for the trace: dims that differ between the two are unknown.
        state_spec = spec_of(self._state0)
        in_spec = self._input.element_spec
        try:
            for _ in range(8):
                outs, news = [], []
                for fill, none_dim in ((0, 1), (1, 2)):
                    state = _nest.map_structure(lambda s, v=fill, n=none_dim: _dummy(s, v, n), state_spec)
                    element = _nest.map_structure(lambda s, v=fill, n=none_dim: _dummy(s, v, n), in_spec)
                    new, out = _split_pair(_call_with_state(self._fn, state, element), "scan_func")
                    news.append(spec_of(new))
                    outs.append(spec_of(out))
                relaxed = _relaxed(state_spec, _relaxed(*news))
                if relaxed == state_spec:
                    return _relaxed(*outs)
                state_spec = relaxed
        except (TypeError, ValueError, OpError):  # made-up values not accepted: the first real element decides
            pass
        for element in self._input._iter():
            return spec_of(_split_pair(_call_with_state(self._fn, self._state0, element), "scan_func")[1])
        raise ValueError("Cannot determine the element_spec of scan over an empty dataset.")


def _relaxed(a: Any, b: Any) -> Any:
    """The most specific spec structure compatible with both ``a`` and ``b`` (same structure)."""
    return _nest.pack_sequence_as(a, [relax(x, y) for x, y in zip(_nest.flatten(a), _nest.flatten(b))])


def scan(dataset: Dataset, initial_state: Any, scan_func: Callable[..., Any]) -> Dataset:
    return _ScanDataset(dataset, initial_state, scan_func)


# -- take_while, unique --------------------------------------------------------------------------------------------

class _TakeWhileDataset(_FilterDataset):
    _tf_name = "_TakeWhileDataset"

    def _iter(self) -> Iterator[Any]:
        for element in self._input._iter():
            if not _as_predicate(_call(self._pred, element)):
                return
            yield element


def take_while(dataset: Dataset, predicate: Callable[..., Any]) -> Dataset:
    return _TakeWhileDataset(dataset, predicate)


class _UniqueDataset(_UnaryDataset):
    _tf_name = "_UniqueDataset"

    def __init__(self, input_dataset: Dataset) -> None:
        super().__init__(input_dataset, _UNK)
        spec = input_dataset.element_spec
        if _nest.is_nested(spec):
            raise InvalidArgumentError("UniqueDataset only supports inputs with a single component: its elements "
                                       f"are {spec}. Map them to one tensor first.")
        if spec.dtype.name not in ("int32", "int64", "string"):
            raise TypeError(f"`tf.data.Dataset.unique` does not support type {spec.dtype.name} -- only `tf.int32`, "
                            "`tf.int64`, and `tf.string` are supported.")

    def _iter(self) -> Iterator[Any]:
        seen: set[Any] = set()
        for element in self._input._iter():
            key = (element.shape, tuple(element.reshape(-1).tolist()) if element.dtype.kind == "O"
                   else element.tobytes())
            if key not in seen:
                seen.add(key)
                yield element


def unique(dataset: Dataset) -> Dataset:
    return _UniqueDataset(dataset)


# -- ignore_errors, assert_cardinality -----------------------------------------------------------------------------

class _IgnoreErrorsDataset(_UnaryDataset):
    _tf_name = "_IgnoreErrorsDataset"

    def __init__(self, input_dataset: Dataset, log_warning: bool) -> None:
        super().__init__(input_dataset, _INF if input_dataset._card == _INF else _UNK)
        self._log = bool(log_warning)

    def _skip(self, exc: Exception) -> None:
        if self._log:
            warnings.warn(f"tf.data: ignore_errors dropped an element: {type(exc).__name__}: {exc}", stacklevel=2)

    def _iter(self) -> Iterator[Any]:
        # The map/filter steps right above are run here, per element, so that an element whose step fails is
        # dropped and the next one still comes (a failed Python generator cannot be resumed).
        steps: list[Dataset] = []
        source = self._input
        while type(source) in (_MapDataset, _FilterDataset):
            steps.append(source)
            source = source._input
        steps.reverse()
        it = source._iter()
        while True:
            try:
                element = next(it)
            except StopIteration:
                return
            except OpError as exc:  # from further up: a source that can go on does, a finished one ends
                self._skip(exc)
                continue
            try:
                for step in steps:
                    if isinstance(step, _MapDataset):
                        element = step._apply(element)
                    elif not _as_predicate(_call(step._pred, element)):
                        break
                else:
                    yield element
            except OpError as exc:
                self._skip(exc)


def ignore_errors(dataset: Dataset, log_warning: bool = False) -> Dataset:
    return _IgnoreErrorsDataset(dataset, log_warning)


class _AssertCardinalityDataset(_UnaryDataset):
    _tf_name = "_AssertCardinalityDataset"

    def __init__(self, input_dataset: Dataset, expected: int) -> None:
        super().__init__(input_dataset, int(expected))

    def _iter(self) -> Iterator[Any]:
        want = "infinite" if self._card == _INF else str(self._card)
        n = 0
        for element in self._input._iter():
            n += 1
            if self._card != _INF and n > self._card:
                raise FailedPreconditionError(f"Input dataset was expected to contain {want} elements but contained "
                                              f"at least {n} elements.")
            yield element
        if n != self._card:
            raise FailedPreconditionError(f"Input dataset was expected to contain {want} elements but contained only "
                                          f"{n} elements.")


def assert_cardinality(dataset: Dataset, expected_cardinality: Any) -> Dataset:
    return _AssertCardinalityDataset(dataset, int(np.asarray(getattr(expected_cardinality, "_value",
                                                                     expected_cardinality))))


# -- rebatch, sparse_batch, pad_to_cardinality ---------------------------------------------------------------------

class _RebatchDataset(_UnaryDataset):
    _tf_name = "_RebatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: Any, drop_remainder: bool) -> None:
        sizes = [int(s) for s in np.asarray(getattr(batch_size, "_value", batch_size)).reshape(-1)]
        if not sizes or any(s < 0 for s in sizes) or not any(sizes):
            raise InvalidArgumentError(f"rebatch: batch_size must be a positive int or a list of non-negative ones, "
                                       "not all zero; "
                                       f"got {batch_size!r}.")
        for s in _nest.flatten(input_dataset.element_spec):
            if s.shape.rank == 0:
                raise ValueError("rebatch: every component of the input must be batched (rank >= 1); got "
                                 f"{input_dataset.element_spec}. Batch the dataset first.")
        super().__init__(input_dataset, _UNK if input_dataset._card != _INF else _INF)
        self._sizes, self._drop = sizes, bool(drop_remainder)

    def _iter(self) -> Iterator[Any]:
        pending: list[list[np.ndarray]] = []  # per input batch still in use: its flat components
        structure, have, turn = None, 0, 0
        for element in self._input._iter():
            structure = element
            leaves = _nest.flatten(element)
            if not leaves or int(leaves[0].shape[0]) == 0:
                continue
            pending.append(leaves)
            have += int(leaves[0].shape[0])
            while have >= self._sizes[turn % len(self._sizes)]:
                n = self._sizes[turn % len(self._sizes)]
                turn += 1
                yield _nest.pack_sequence_as(structure, self._take(pending, n, leaves))
                have -= n
        if have and not self._drop:
            assert structure is not None
            yield _nest.pack_sequence_as(structure, self._take(pending, have, pending[0]))

    @staticmethod
    def _take(pending: list[list[np.ndarray]], n: int, template: list[np.ndarray]) -> list[np.ndarray]:
        parts: list[list[np.ndarray]] = []
        while n > 0:
            head = pending[0]
            k = min(n, int(head[0].shape[0]))
            parts.append([a[:k] for a in head])
            if k == int(head[0].shape[0]):
                pending.pop(0)
            else:
                pending[0] = [a[k:] for a in head]
            n -= k
        if not parts:  # a batch of size 0
            return [a[:0] for a in template]
        return [parts[0][i] if len(parts) == 1 else np.concatenate([p[i] for p in parts])
                for i in range(len(parts[0]))]

    def _compute_spec(self) -> Any:
        same = len(set(self._sizes)) == 1
        lead = self._sizes[0] if self._drop and same else None
        return _nest.map_structure(lambda s: TensorSpec((lead, *tuple(s.shape)[1:]), s.dtype),
                                   self._input.element_spec)


def rebatch(dataset: Dataset, batch_size: Any, drop_remainder: bool = False) -> Dataset:
    return _RebatchDataset(dataset, batch_size, drop_remainder)


class _SparseBatchDataset(_UnaryDataset):
    _tf_name = "_DenseToSparseBatchDataset"

    def __init__(self, input_dataset: Dataset, batch_size: int, row_shape: Any) -> None:
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise InvalidArgumentError(f"batch_size must be greater than zero; got {batch_size}.")
        spec = input_dataset.element_spec
        if _nest.is_nested(spec):
            raise TypeError(f"sparse_batch expects elements that are one tensor; got {spec}.")
        self._row = [-1 if d is None else int(d) for d in np.asarray(
            getattr(row_shape, "_value", row_shape), dtype=object).reshape(-1).tolist()] \
            if not hasattr(row_shape, "as_list") else [-1 if d is None else int(d) for d in row_shape.as_list()]
        if spec.shape.rank is not None and spec.shape.rank != len(self._row):
            raise InvalidArgumentError(f"sparse_batch: row_shape {self._row} has rank {len(self._row)} but the "
                                       f"elements have rank {spec.shape.rank} ({spec}).")
        super().__init__(input_dataset, -(-input_dataset._card // batch_size) if input_dataset._card >= 0
                         else input_dataset._card)
        self._n = batch_size

    def _iter(self) -> Iterator[Any]:
        buf: list[np.ndarray] = []
        for element in self._input._iter():
            buf.append(element)
            if len(buf) == self._n:
                yield self._sparse(buf)
                buf = []
        if buf:
            yield self._sparse(buf)

    def _sparse(self, buf: list[np.ndarray]) -> SparseValue:
        shape = list(self._row)
        for a in buf:
            if any(r >= 0 and d > r for d, r in zip(a.shape, self._row)):
                raise DataLossError(f"Input element had shape ({list(a.shape)}) that is larger than the row shape "
                                    f"({self._row}).")
        for i, r in enumerate(shape):
            if r < 0:
                shape[i] = max(int(a.shape[i]) for a in buf)
        indices = [np.concatenate([np.full((a.size, 1), b, np.int64),
                                   np.argwhere(np.ones(a.shape, bool)).astype(np.int64)], axis=1)
                   for b, a in enumerate(buf)]
        return SparseValue(np.concatenate(indices).reshape(-1, 1 + len(shape)),
                           np.concatenate([a.reshape(-1) for a in buf]),
                           np.array([len(buf), *shape], np.int64))

    def _compute_spec(self) -> Any:
        spec = self._input.element_spec
        return SparseTensorSpec([None, *[None if r < 0 else r for r in self._row]], spec.dtype)


def sparse_batch(dataset: Dataset, batch_size: int, row_shape: Any) -> Dataset:
    return _SparseBatchDataset(dataset, batch_size, row_shape)


def pad_to_cardinality(dataset: Dataset, cardinality: int, mask_key: str = "valid") -> Dataset:
    card = dataset._card
    if card < 0:
        raise ValueError(f"The dataset passed into `pad_to_cardinality` must have a known cardinalty, but has "
                         f"cardinality {card}")
    if card > cardinality:
        raise ValueError(f"The dataset passed into `pad_to_cardinality` must have a cardinalty less than the target "
                         f"cardinality ({cardinality}), but has cardinality {card}")
    spec = dataset.element_spec
    if not isinstance(spec, dict):
        raise ValueError("`pad_to_cardinality` requires its input dataset to be a dictionary.")
    with_mask = dataset.map(lambda e: {**e, mask_key: True})
    filler = {k: np.zeros([0 if d is None else int(d) for d in s.shape],
                          dtype=object if s.dtype.name == "string" else s.dtype.as_numpy_dtype)
              for k, s in spec.items()}
    for k, s in spec.items():
        if s.dtype.name == "string":
            filler[k][...] = b""
    padding = Dataset.from_tensors({**filler, mask_key: False}).repeat(int(cardinality) - card)
    return with_mask.concatenate(padding)


# -- group_by_reducer ----------------------------------------------------------------------------------------------

class Reducer:
    """How ``tf.data.experimental.group_by_reducer`` folds each group: ``init_func(key)`` gives a group's first
    state, ``reduce_func(state, element)`` the next one, ``finalize_func(state)`` the group's output element.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> r = tf.data.experimental.Reducer(lambda k: np.int64(0), lambda s, x: s + x, lambda s: s)
    >>> ds = tf.data.Dataset.range(6).apply(tf.data.experimental.group_by_reducer(lambda x: x % 2, r))
    >>> sorted(int(v) for v in ds)
    [6, 9]
    """

    def __init__(self, init_func: Callable[..., Any], reduce_func: Callable[..., Any],
                 finalize_func: Callable[..., Any]) -> None:
        self.init_func, self.reduce_func, self.finalize_func = init_func, reduce_func, finalize_func


class _GroupByReducerDataset(_UnaryDataset):
    _tf_name = "_GroupByReducerDataset"

    def __init__(self, input_dataset: Dataset, key_func: Callable[..., Any], reducer: Reducer) -> None:
        super().__init__(input_dataset, _UNK)
        self._key, self._reducer = key_func, reducer

    def _key_of(self, element: Any) -> Any:
        key = from_user(_call(self._key, element))
        if isinstance(key, tuple) or key.dtype != np.int64 or key.ndim != 0:
            raise ValueError("Invalid `key_func`. `key_func` must return a single tf.int64 scalar tensor; got "
                             f"{spec_of(key)}.")
        return key

    def _iter(self) -> Iterator[Any]:
        states: dict[int, Any] = {}  # in the order keys were first seen
        r = self._reducer
        for element in self._input._iter():
            key = self._key_of(element)
            k = int(key)
            if k not in states:
                states[k] = from_user(_call(r.init_func, key))
            new = from_user(_call_with_state(r.reduce_func, states[k], element))
            check_state(states[k], new, "reduce_func")
            states[k] = new
        for state in states.values():
            yield from_user(_call(r.finalize_func, state))

    def _compute_spec(self) -> Any:
        r = self._reducer
        key = np.array(0, np.int64)
        state = from_user(_call(r.init_func, key))
        for element in self._input._iter():
            state = from_user(_call_with_state(r.reduce_func, state, element))
            break
        return spec_of(from_user(_call(r.finalize_func, state)))


def group_by_reducer(dataset: Dataset, key_func: Callable[..., Any], reducer: Reducer) -> Dataset:
    return _GroupByReducerDataset(dataset, key_func, reducer)


# -- rejection_resample --------------------------------------------------------------------------------------------

def _probabilities(value: Any, what: str) -> np.ndarray:
    p = np.asarray(getattr(value, "_value", value), dtype=np.float64).reshape(-1)
    if p.size == 0 or (p < 0).any() or not np.isclose(p.sum(), 1.0, atol=1e-5):
        raise InvalidArgumentError(f"rejection_resample: {what} must be a probability vector (non-negative, "
                                   f"summing to 1); got {p.tolist()}.")
    return p


class _RejectionResampleDataset(_UnaryDataset):
    _tf_name = "_RejectionResampleDataset"

    def __init__(self, input_dataset: Dataset, class_func: Callable[..., Any], target_dist: Any,
                 initial_dist: Any, seed: int | None) -> None:
        super().__init__(input_dataset, _INF if input_dataset._card == _INF else _UNK)
        self._class_func, self._seed = class_func, seed
        self._target = _probabilities(target_dist, "target_dist")
        self._initial = None if initial_dist is None else _probabilities(initial_dist, "initial_dist")
        if self._initial is not None and self._initial.size != self._target.size:
            raise InvalidArgumentError(f"rejection_resample: initial_dist has {self._initial.size} classes and "
                                       f"target_dist {self._target.size}.")
        if seed is None:
            from ..ops.random_ops import internal_generator

            self._seed = int(internal_generator().integers(0, 2**62))
        self._epoch = 0

    def _class(self, element: Any) -> Any:
        c = from_user(_call(self._class_func, element))
        if isinstance(c, tuple) or c.ndim != 0 or c.dtype.kind not in "iu":
            raise ValueError(f"rejection_resample: class_func must return an integer scalar; got {spec_of(c)}.")
        if not 0 <= int(c) < self._target.size:
            raise InvalidArgumentError(f"rejection_resample: class_func returned class {int(c)}, outside "
                                       f"[0, {self._target.size}).")
        return c

    def _iter(self) -> Iterator[Any]:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self._seed, self._epoch])))
        self._epoch += 1
        target, initial = self._target, self._initial
        counts = np.zeros(target.size)
        if initial is not None:  # accept class k with probability (target_k / initial_k) / max_j(...)
            ratio = np.divide(target, initial, out=np.zeros_like(target), where=initial > 0)
            accept = ratio / ratio.max()
        for element in self._input._iter():
            c = self._class(element)
            k = int(c)
            if initial is None:  # estimated from the classes seen so far
                counts[k] += 1
                ratio = target / np.maximum(counts / counts.sum(), 1e-12)
                p = ratio[k] / ratio[counts > 0].max()
            else:
                p = accept[k]
            if rng.random() < p:
                yield (c, element)

    def _compute_spec(self) -> Any:
        for element in self._input._iter():
            c = from_user(_call(self._class_func, element))
            return (TensorSpec((), _dtypes.as_dtype(c.dtype)), self._input.element_spec)
        return (TensorSpec((), "int32"), self._input.element_spec)


def rejection_resample(dataset: Dataset, class_func: Callable[..., Any], target_dist: Any, initial_dist: Any = None,
                       seed: int | None = None) -> Dataset:
    return _RejectionResampleDataset(dataset, class_func, target_dist, initial_dist, seed)


# -- sources: counter, random, from_list ---------------------------------------------------------------------------

class _CounterDataset(Dataset):
    _tf_name = "_CounterDataset"

    def __init__(self, start: Any, step: Any, dtype: Any) -> None:
        super().__init__(_INF)
        self._dtype = _dtypes.as_dtype(dtype)
        self._start, self._step = int(start), int(step)

    def _iter(self) -> Iterator[Any]:
        np_dtype, v = self._dtype.as_numpy_dtype, self._start
        while True:
            yield np.array(v, dtype=np_dtype)
            v += self._step

    def _compute_spec(self) -> Any:
        return TensorSpec((), self._dtype)


def counter(start: Any = 0, step: Any = 1, dtype: Any = "int64") -> Dataset:
    return _CounterDataset(start, step, dtype)


class _RandomDataset(Dataset):
    _tf_name = "_RandomDataset"
    _BLOCK = 1024  # Philox calls per refill (4 words each)

    def __init__(self, seed: int | None, rerandomize_each_iteration: bool | None) -> None:
        from ..ops.random_ops import get_seed, internal_generator

        super().__init__(_INF)
        g, s = get_seed(seed)
        if g is None:
            g, s = (int(v) for v in internal_generator().integers(0, 2**31 - 1, size=2))
        self._key, self._seed2 = int(g), int(s)
        self._rerandomize, self._epoch = bool(rerandomize_each_iteration), 0

    def _iter(self) -> Iterator[Any]:
        from ..ops._philox import word_stream

        # TF's RandomDataset: the uint32 words of Philox (key = seed, counter = seed2 << 64) as int64 scalars
        counter = self._seed2 << 64
        if self._rerandomize:
            counter += self._epoch << 48
            self._epoch += 1
        while True:
            for w in word_stream(counter, self._key, 4 * self._BLOCK).astype(np.int64):
                yield np.array(w)
            counter += self._BLOCK

    def _compute_spec(self) -> Any:
        return TensorSpec((), "int64")


def random_dataset(seed: int | None = None, rerandomize_each_iteration: bool | None = None) -> Dataset:
    return _RandomDataset(seed, rerandomize_each_iteration)


def from_list(elements: list[Any]) -> Dataset:
    if not elements:
        raise ValueError("Invalid `elements`. `elements` should not be empty. If you want an empty dataset, use "
                         "`tf.data.Dataset.range(0)`.")
    items = [to_internal(e) for e in elements]
    first = items[0]
    shape_of = _nest.map_structure(lambda _: 0, first)
    for i, item in enumerate(items[1:], 1):
        if _nest.map_structure(lambda _: 0, item) != shape_of:
            raise ValueError(f"from_list: element {i} has another structure than element 0; every element must "
                             "have the same tuple/dict structure.")
    columns = [_nest.flatten(item) for item in items]
    stacked = [_stack([c[j] for c in columns], j) for j in range(len(columns[0]))]
    return _TensorSliceDataset(_nest.pack_sequence_as(first, stacked))


# -- consuming: get_single_element, at, fingerprint ----------------------------------------------------------------

def get_single_element(dataset: Dataset) -> Any:
    if not isinstance(dataset, Dataset):
        raise TypeError(f"Invalid `dataset`. Expected a `tf.data.Dataset` object but got {type(dataset).__name__}.")
    it = dataset._iter_top()
    try:
        element = next(it)
    except StopIteration:
        raise InvalidArgumentError("Dataset was empty.") from None
    try:
        next(it)
    except StopIteration:
        return to_user(element)
    raise InvalidArgumentError("Dataset had more than one element.")


def at(dataset: Dataset, index: Any) -> Any:
    i = int(np.asarray(getattr(index, "_value", index)))
    card = dataset._card
    if i < 0 or (card >= 0 and i >= card):
        raise OutOfRangeError(f"Index out of range [0, {card if card >= 0 else '?'}):{i}")
    for j, element in enumerate(dataset._iter_top()):
        if j == i:
            return to_user(element)
    raise OutOfRangeError(f"Index out of range [0, {j + 1 if card < 0 else card}):{i}")


def _describe(value: Any, seen: set[int]) -> Any:
    """A stable description of a dataset's settings, for its fingerprint."""
    if isinstance(value, Dataset):
        if id(value) in seen:
            return "cycle"
        seen.add(id(value))
        parts = [type(value).__name__]
        if type(value).__name__ == "_GeneratorDataset":  # as TF: each from_generator dataset is its own source
            parts.append(value.__dict__.setdefault("_fingerprint_token", uuid.uuid4().hex))
        for name, v in sorted(vars(value).items()):
            if name in ("_spec_cache", "_epoch", "_memory", "_fingerprint_token"):
                continue
            parts.append((name, _describe(v, seen)))
        return parts
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, hashlib.blake2b(value.tobytes() if value.dtype.kind != "O" else
                                                              repr(value.tolist()).encode()).hexdigest())
    if isinstance(value, (list, tuple)):
        return [_describe(v, seen) for v in value]
    if isinstance(value, dict):
        return [(str(k), _describe(v, seen)) for k, v in value.items()]
    if callable(value):  # a function: its code and the values it closed over
        code = getattr(value, "__code__", None)
        cells = [_frozen(c.cell_contents) for c in (getattr(value, "__closure__", None) or ()) if _has_contents(c)]
        return (getattr(value, "__qualname__", type(value).__name__),
                hashlib.blake2b(code.co_code + repr((code.co_consts, code.co_names)).encode()).hexdigest()
                if code is not None else id(value),
                _describe(cells, seen))
    if isinstance(value, (int, float, str, bytes, bool, type(None), np.generic)):
        return repr(value)
    return f"{type(value).__name__}@{id(value)}"


def _frozen(value: Any) -> Any:
    """A closed-over value as configuration: numbers, strings, arrays, tensors, datasets and functions count;
    mutable Python state (lists, dicts, objects a function updates) only by its type."""
    if callable(value) or isinstance(value, (int, float, str, bytes, bool, type(None), np.generic, np.ndarray,
                                             Dataset)):
        return value
    if isinstance(value, tuple):
        return tuple(_frozen(v) for v in value)
    if hasattr(value, "_value") and isinstance(getattr(value, "_value", None), np.ndarray):
        return value._value
    return f"<{type(value).__name__}>"


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018  (an empty cell raises)
    except ValueError:
        return False
    return True


def fingerprint(dataset: Dataset) -> Any:
    from ..ops import core as _core

    digest = hashlib.blake2b(repr(_describe(dataset, set())).encode(), digest_size=8).digest()
    return _core.constant(np.frombuffer(digest, dtype="<u8")[0])
