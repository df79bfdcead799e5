"""Datasets built from other datasets: ``interleave``, ``group_by_window`` (and ``bucket_by_sequence_length`` on
it), ``choose_from_datasets``/``sample_from_datasets``, and the unordered parallel ``map``.

Each streams: ``interleave`` holds one iterator per open cycle slot, ``group_by_window`` the partial windows,
``sample_from_datasets`` one iterator per input.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from .. import _nest
from ..errors import InvalidArgumentError
from ..ops.tensor_spec import TensorSpec
from ._structure import leaf_dtype, relax, to_array, to_user
from .dataset import (
    _INF,
    _UNK,
    AUTOTUNE,
    Dataset,
    _call,
    _flat_shapes,
    _UnaryDataset,
    parallelism,
    resolve_deterministic,
)

__all__ = ["InterleaveDataset", "GroupByWindowDataset", "DirectedInterleaveDataset", "bucket_by_sequence_length",
           "unordered_map"]


def unordered_map(apply: Callable[[Any], Any], source: Iterator[Any], threads: int) -> Iterator[Any]:
    """``apply`` over ``source`` in a pool of ``threads``, each result handed out as soon as it is done (at most
    ``threads`` elements in flight; among finished ones, the earliest taken first)."""
    pending: collections.deque[Future[Any]] = collections.deque()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tapegrad-data-map") as pool:
        try:
            exhausted = False
            while True:
                while not exhausted and len(pending) < threads:
                    try:
                        element = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    pending.append(pool.submit(apply, element))
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                future = next(f for f in pending if f in done)
                pending.remove(future)
                yield future.result()
        finally:
            for f in pending:
                f.cancel()


def _spec_of_datasets(datasets: Iterator[Dataset], what: str) -> Any:
    for ds in datasets:
        return ds.element_spec
    raise ValueError(f"Cannot determine the element_spec of {what} over an empty dataset.")


def _positive(value: Any, name: str) -> int:
    value = int(value)
    if value <= 0:
        raise InvalidArgumentError(f"{name} must be greater than zero; got {value}.")
    return value


class InterleaveDataset(_UnaryDataset):
    _tf_name = "_InterleaveDataset"

    def __init__(self, input_dataset: Dataset, fn: Callable[..., Dataset], cycle_length: int | None,
                 block_length: int | None, num_parallel_calls: int | None, deterministic: bool | None) -> None:
        super().__init__(input_dataset, _UNK)
        self._fn = fn
        cycle = AUTOTUNE if cycle_length is None else int(cycle_length)
        self._cycle = parallelism(AUTOTUNE) if cycle == AUTOTUNE else _positive(cycle, "cycle_length")
        self._block = 1 if block_length is None else _positive(block_length, "block_length")
        self._parallel = num_parallel_calls is not None
        self._deterministic = deterministic
        if self._parallel:
            self._tf_name = "_ParallelInterleaveDataset"

    def _dataset(self, element: Any) -> Dataset:
        ds = _call(self._fn, element)
        if not isinstance(ds, Dataset):
            raise TypeError(f"The function passed to interleave must return a Dataset; got {type(ds).__name__}. "
                            "Wrap tensors with tf.data.Dataset.from_tensors or from_tensor_slices.")
        return ds

    def _compute_spec(self) -> Any:
        return _spec_of_datasets((self._dataset(e) for e in self._input._iter()), "interleave")

    def _iter(self) -> Iterator[Any]:
        if self._parallel and not resolve_deterministic(self._deterministic):
            yield from self._iter_unordered()
            return
        # TF's InterleaveDataset: visit the cycle's slots in turn, taking up to block_length elements from each;
        # an empty slot is filled with the next input element when visited; a spent one is emptied.
        n, block = self._cycle, self._block
        source = self._input._iter()
        slots: list[Iterator[Any] | None] = [None] * n
        index = taken = open_count = 0
        end_of_input = False
        while not end_of_input or open_count:
            current = slots[index]
            if current is not None:
                try:
                    element = next(current)
                except StopIteration:
                    slots[index] = None
                    open_count -= 1
                    index, taken = (index + 1) % n, 0
                    continue
                taken += 1
                if taken == block:
                    index, taken = (index + 1) % n, 0
                yield element
            elif not end_of_input:
                try:
                    slots[index] = self._dataset(next(source))._iter()
                    open_count += 1
                except StopIteration:
                    end_of_input = True
            else:
                index, taken = (index + 1) % n, 0

    def _iter_unordered(self) -> Iterator[Any]:
        """``deterministic=False``: each open slot's dataset is read ahead by a thread; the cycle takes from the
        slots in turn but passes over those with nothing ready (waiting only when no slot has anything)."""
        n, block = self._cycle, self._block
        ready = threading.Condition()
        stop = threading.Event()
        end = object()

        class Slot:
            def __init__(self, iterator: Iterator[Any]) -> None:
                self.items: collections.deque[Any] = collections.deque()
                self.thread = threading.Thread(target=self.fill, args=(iterator,), daemon=True,
                                               name="tapegrad-data-interleave")
                self.thread.start()

            def fill(self, iterator: Iterator[Any]) -> None:
                try:
                    for element in iterator:
                        with ready:
                            while len(self.items) >= 2 * block and not stop.is_set():
                                ready.wait(0.05)
                            if stop.is_set():
                                return
                            self.items.append((element, None))
                            ready.notify_all()
                    item: Any = (end, None)
                except BaseException as e:  # noqa: BLE001  (re-raised in the consumer's thread)
                    item = (end, e)
                with ready:
                    self.items.append(item)
                    ready.notify_all()

        source = self._input._iter()
        slots: list[Slot | None] = [None] * n
        index = taken = 0
        end_of_input = False
        try:
            while True:
                with ready:
                    # from the current slot, the first with something ready (or an empty slot to fill)
                    found = None
                    for step in range(n):
                        j = (index + step) % n
                        slot = slots[j]
                        if (slot is None and not end_of_input) or (slot is not None and slot.items):
                            found = j
                            break
                    if found is None:
                        if end_of_input and all(s is None for s in slots):
                            return
                        ready.wait(0.05)
                        continue
                    if found != index:
                        index, taken = found, 0
                    slot = slots[index]
                    item = slot.items.popleft() if slot is not None else None
                    if item is not None:
                        ready.notify_all()
                if slot is None:
                    try:
                        slots[index] = Slot(self._dataset(next(source))._iter())
                    except StopIteration:
                        end_of_input = True
                    continue
                element, error = item
                if element is end:
                    if error is not None:
                        raise error
                    slots[index] = None
                    index, taken = (index + 1) % n, 0
                    continue
                taken += 1
                if taken == block:
                    index, taken = (index + 1) % n, 0
                yield element
        finally:
            stop.set()
            with ready:
                ready.notify_all()


class _ElementsDataset(Dataset):
    """A finite dataset of given internal elements (a ``group_by_window`` window)."""

    _tf_name = "_TensorSliceDataset"

    def __init__(self, elements: list[Any], spec: Any) -> None:
        super().__init__(len(elements))
        self._elements, self._spec = elements, spec

    def _iter(self) -> Iterator[Any]:
        yield from self._elements

    def _compute_spec(self) -> Any:
        return self._spec


def _int64_scalar(value: Any, what: str) -> int:
    arr = to_array(value)
    if arr.dtype != np.int64 or arr.ndim != 0:
        raise ValueError(f"`{what}` must return a scalar tf.int64 tensor; got dtype {arr.dtype.name}, shape "
                         f"{arr.shape}. Cast it with tf.cast(..., tf.int64).")
    return int(arr)


class GroupByWindowDataset(_UnaryDataset):
    _tf_name = "_GroupByWindowDataset"

    def __init__(self, input_dataset: Dataset, key_func: Callable[..., Any],
                 reduce_func: Callable[[Any, Dataset], Dataset], window_size: int | None,
                 window_size_func: Callable[[Any], Any] | None) -> None:
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` argument must be "
                             "specified.")
        super().__init__(input_dataset, _UNK)
        self._key_func, self._reduce_func = key_func, reduce_func
        if window_size is not None:
            size = int(window_size)
            self._window_size: Callable[[int], int] = lambda key: size
        else:
            self._window_size = lambda key: _int64_scalar(
                window_size_func(to_user(np.int64(key))), "window_size_func")  # type: ignore[misc]

    def _key(self, element: Any) -> int:
        return _int64_scalar(_call(self._key_func, element), "key_func")

    def _reduce(self, key: int, elements: list[Any]) -> Dataset:
        window = _ElementsDataset(elements, self._input.element_spec)
        out = self._reduce_func(to_user(np.array(key, np.int64)), window)
        if not isinstance(out, Dataset):
            raise TypeError(f"`reduce_func` must return a Dataset; got {type(out).__name__}.")
        return out

    def _iter(self) -> Iterator[Any]:
        groups: dict[int, list[Any]] = {}
        sizes: dict[int, int] = {}
        for element in self._input._iter():
            key = self._key(element)
            if key not in sizes:
                sizes[key] = self._window_size(key)
                if sizes[key] <= 0:
                    raise InvalidArgumentError(f"Window size must be greater than zero, but got {sizes[key]}.")
            window = groups.setdefault(key, [])
            window.append(element)
            if len(window) == sizes[key]:
                del groups[key]
                yield from self._reduce(key, window)._iter()
        for key in sorted(groups):  # what is left, in ascending key order (TF keeps the groups in an ordered map)
            yield from self._reduce(key, groups[key])._iter()

    def _compute_spec(self) -> Any:
        return self._reduce(0, []).element_spec


def bucket_by_sequence_length(dataset: Dataset, element_length_func: Callable[..., Any], bucket_boundaries: Any,
                              bucket_batch_sizes: Any, padded_shapes: Any, padding_values: Any,
                              pad_to_bucket_boundary: bool, no_padding: bool, drop_remainder: bool) -> Dataset:
    """TF's ``bucket_by_sequence_length``: ``group_by_window`` keyed by the bucket, windows as big as the bucket's
    batch size, each window ``padded_batch``-ed (or ``batch``-ed with ``no_padding``)."""
    boundaries = [int(b) for b in bucket_boundaries]
    sizes = [int(b) for b in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise ValueError(f"`len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1` but "
                         f"`len(bucket_batch_sizes)={len(sizes)}` and `len(bucket_boundaries)={len(boundaries)}`.")
    lows = [np.iinfo(np.int32).min, *boundaries]
    highs = [*boundaries, np.iinfo(np.int32).max]

    def bucket_id(*args: Any) -> Any:
        length = to_array(element_length_func(*args))
        if length.dtype != np.int32 or length.ndim != 0:  # TF compares it with int32 boundaries
            raise TypeError(f"`element_length_func` must return a scalar tf.int32 (e.g. tf.shape(x)[0]); got dtype "
                            f"{length.dtype.name}, shape {length.shape}. Cast it with tf.cast(..., tf.int32).")
        length = int(length)
        for i, (lo, hi) in enumerate(zip(lows, highs)):
            if lo <= length < hi:
                return np.int64(i)
        raise InvalidArgumentError(f"bucket_by_sequence_length: length {length} fits no bucket.")

    def batching(bucket: Any, window: Dataset) -> Dataset:
        i = int(to_array(bucket))
        if no_padding:
            return window.batch(sizes[i], drop_remainder=drop_remainder)
        filler = None
        if pad_to_bucket_boundary:
            if i >= len(sizes) - 1:
                raise InvalidArgumentError("When pad_to_bucket_boundary=True, elements must have length < "
                                           f"max(bucket_boundaries) = {max(boundaries)}.")
            filler = boundaries[i] - 1
        spec = window.element_spec
        flat = _flat_shapes(padded_shapes) if padded_shapes is not None else [s.shape for s in _nest.flatten(spec)]
        flat = [[filler if d is None else int(d) for d in _dims(shape)] for shape in flat]
        return window.padded_batch(sizes[i], _nest.pack_sequence_as(spec, flat), padding_values,
                                   drop_remainder=drop_remainder)

    return GroupByWindowDataset(dataset, bucket_id, batching, None, lambda key: np.int64(sizes[int(to_array(key))]))


def _dims(shape: Any) -> list[Any]:
    shape = getattr(shape, "shape", shape)  # a TensorSpec, a TensorShape or a list of dims
    return [None if d is None or int(d) < 0 else int(d) for d in (list(shape) if shape is not None else [])]


class DirectedInterleaveDataset(Dataset):
    """``choose_from_datasets`` / ``sample_from_datasets``: each element from the input a selector names."""

    _tf_name = "_DirectedInterleaveDataset"

    def __init__(self, datasets: list[Dataset], selector: Callable[[int], Iterator[int]], card: int,
                 stop_on_empty: bool, spec: Any, choice: Dataset | None = None) -> None:
        super().__init__(card)
        self._datasets, self._next_choices, self._stop = list(datasets), selector, bool(stop_on_empty)
        self._selector, self._spec, self._epoch = choice, spec, 0

    @staticmethod
    def _check(datasets: Any) -> tuple[list[Dataset], Any]:
        datasets = list(datasets)
        if not datasets:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        for d in datasets:
            if not isinstance(d, Dataset):
                raise TypeError(f"Invalid `datasets`: expected tf.data.Dataset objects, got {type(d).__name__}.")
        specs = [d.element_spec for d in datasets]
        first = specs[0]
        for i, s in enumerate(specs[1:], 1):
            a, b = _nest.flatten(first), _nest.flatten(s)
            mismatch = _shape_of_nest(first) != _shape_of_nest(s) or len(a) != len(b) or any(
                type(x) is not type(y) or leaf_dtype(x) != leaf_dtype(y) for x, y in zip(a, b))
            if mismatch:
                raise TypeError("Invalid `datasets`. `datasets` must have compatible element specs.\n Dataset 0 "
                                f"element_spec={first}.\nDataset {i} element_spec={s}.")
            first = _nest.pack_sequence_as(first, [relax(x, y) for x, y in zip(_nest.flatten(first), b)])
        return datasets, first

    @classmethod
    def choose(cls, datasets: Any, choice_dataset: Dataset, stop_on_empty: bool) -> DirectedInterleaveDataset:
        datasets, spec = cls._check(datasets)
        cspec = choice_dataset.element_spec if isinstance(choice_dataset, Dataset) else None
        if not isinstance(cspec, TensorSpec) or cspec.dtype.name != "int64" or cspec.shape.rank != 0:
            raise TypeError("Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar `tf.int64` "
                            f"tensors but are {cspec}.")

        def choices(epoch: int) -> Iterator[int]:
            for c in choice_dataset._iter():
                yield int(c)

        card = _INF if choice_dataset._card == _INF and all(d._card == _INF for d in datasets) else _UNK
        return cls(datasets, choices, card, stop_on_empty, spec, choice=choice_dataset)

    @classmethod
    def sample(cls, datasets: Any, weights: Any, seed: int | None, stop_on_empty: bool,
               rerandomize: bool | None) -> DirectedInterleaveDataset:
        datasets, spec = cls._check(datasets)
        n = len(datasets)
        weight_ds = weights if isinstance(weights, Dataset) else None
        if weight_ds is None:
            w = np.full(n, 1.0 / n) if weights is None else np.asarray(to_array(weights), np.float64).reshape(-1)
            if w.shape[0] != n:
                raise ValueError(f"Invalid `weights`. `weights` should have the same length as `datasets` but got "
                                 f"`len(weights)={w.shape[0]}` vs. `len(datasets)={n}`.")
            if (w < 0).any():
                raise InvalidArgumentError(f"sample_from_datasets: weights must be non-negative; got {w.tolist()}.")
        if seed is None:
            from ..ops.random_ops import internal_generator

            seed = int(internal_generator().integers(0, 2**62))
        base = int(seed)

        def choices(epoch: int) -> Iterator[int]:
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, epoch if rerandomize else 0])))
            weight_iter = weight_ds._iter() if weight_ds is not None else None
            while True:
                if weight_iter is not None:
                    try:
                        current = np.asarray(next(weight_iter), np.float64).reshape(-1)
                    except StopIteration:
                        return
                else:
                    current = w
                yield _Draw(rng, current)  # type: ignore[misc]

        card = _INF if all(d._card == _INF for d in datasets) else _UNK
        return cls(datasets, choices, card, stop_on_empty, spec)

    def _iter(self) -> Iterator[Any]:
        epoch = self._epoch
        self._epoch += 1
        iters: list[Iterator[Any] | None] = [d._iter() for d in self._datasets]
        n = len(iters)
        for choice in self._next_choices(epoch):
            if isinstance(choice, _Draw):  # sampling: draw among the inputs not yet spent
                choice = choice.pick([it is not None for it in iters])
                if choice is None:
                    return
            elif not 0 <= choice < n:
                raise InvalidArgumentError(f"Selector index out of range: {choice} >= {n}")
            it = iters[choice]
            if it is None:
                continue
            try:
                element = next(it)
            except StopIteration:
                if self._stop:
                    return
                iters[choice] = None
                if all(i is None for i in iters):
                    return
                continue
            yield element

    def _compute_spec(self) -> Any:
        return self._spec


def _shape_of_nest(x: Any) -> Any:
    """The nesting of ``x`` (tuples, dicts and their keys) with the leaves dropped."""
    if isinstance(x, dict):
        return {k: _shape_of_nest(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(_shape_of_nest(v) for v in x)
    return None


class _Draw:
    """One weighted draw among the live inputs (the weights of spent inputs are dropped and the rest renormalised;
    none left with weight → the sampling ends)."""

    def __init__(self, rng: np.random.Generator, weights: np.ndarray) -> None:
        self.rng, self.weights = rng, weights

    def pick(self, live: list[bool]) -> int | None:
        w = np.where(live, self.weights, 0.0)
        total = w.sum()
        if total <= 0:
            return None
        return int(self.rng.choice(len(w), p=w / total))
