"""``tf.queue``: thread-safe queues of tensor tuples with TensorFlow's blocking semantics.

``FIFOQueue`` (first in, first out), ``PaddingFIFOQueue`` (``dequeue_many`` pads components with ``None`` dims to
the batch's largest size), ``PriorityQueue`` (the first component is an ``int64`` priority; smallest first, ties in
insertion order) and ``RandomShuffleQueue`` (elements leave in random order, and only while more than
``min_after_dequeue`` remain, until the queue is closed). As in TF:

* an element is a tuple of tensors (``dtypes``, optional ``shapes``, optional ``names``: then elements are dicts);
  a one-component queue takes a tensor and returns a tensor;
* ``enqueue`` blocks while the queue is full (``capacity``; a negative capacity is unbounded), ``dequeue`` while it
  is empty; ``dequeue_many(n)`` waits for ``n`` elements, ``dequeue_up_to(n)`` too but returns fewer once the
  queue is closed;
* after ``close()``, ``enqueue`` raises ``CancelledError``; dequeues drain what is left and then raise
  ``OutOfRangeError`` (waiting ones too); ``close(cancel_pending_enqueues=True)`` also cancels enqueues that are
  blocked (``CancelledError``).

>>> import tapegrad as tf
>>> q = tf.queue.FIFOQueue(3, [tf.int32, tf.float32], shapes=[[], [2]], names=["id", "x"])
>>> q.enqueue_many({"id": [1, 2], "x": [[1.0, 2.0], [3.0, 4.0]]})
>>> int(q.size())
2
>>> batch = q.dequeue_many(2)
>>> batch["id"].numpy().tolist(), batch["x"].shape.as_list()
([1, 2], [2, 2])
>>> q.close()
>>> try:
...     q.dequeue()
... except tf.errors.OutOfRangeError:
...     print("closed and empty")
closed and empty
"""

from __future__ import annotations

import heapq
import itertools
import threading
import weakref
from collections import deque
from typing import Any

import numpy as np

from . import _dtypes
from ._shape import TensorShape
from .errors import CancelledError, InvalidArgumentError, OutOfRangeError

__all__ = ["QueueBase", "FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "RandomShuffleQueue"]

_UNBOUNDED = 2**31 - 1
_shared: weakref.WeakValueDictionary[tuple[str, str], _State] = weakref.WeakValueDictionary()
_numbers = itertools.count()


class _State:
    """The elements and the locking of one queue (shared by queues made with the same ``shared_name``)."""

    def __init__(self, kind: str, capacity: int, min_after_dequeue: int, seed: Any) -> None:
        self.kind = kind
        self.capacity = _UNBOUNDED if capacity < 0 else capacity
        self.min_after_dequeue = min_after_dequeue
        self.cond = threading.Condition()
        self.items: Any = [] if kind in ("priority", "random") else deque()
        self.closed = False
        self.cancelled = False
        self.waiting = 0  # threads blocked in enqueue or dequeue (for tests and diagnostics)
        self.rng = np.random.default_rng(seed)
        self.seq = itertools.count()  # insertion order (priority ties)
        self.number = next(_numbers)

    def __len__(self) -> int:
        return len(self.items)

    def push(self, element: tuple[np.ndarray, ...]) -> None:
        if self.kind == "priority":
            heapq.heappush(self.items, (int(element[0]), next(self.seq), element))
        else:
            self.items.append(element)

    def pop(self) -> tuple[np.ndarray, ...]:
        if self.kind == "priority":
            return heapq.heappop(self.items)[2]
        if self.kind == "random":
            k = int(self.rng.integers(len(self.items)))
            self.items[k], self.items[-1] = self.items[-1], self.items[k]
            return self.items.pop()
        return self.items.popleft()

    def wait(self, ready: Any) -> None:
        """Wait on the condition (held) until ``ready()``; counts the waiter while it waits."""
        if ready():
            return
        self.waiting += 1
        self.cond.notify_all()  # (wakes wait_for_waiters)
        try:
            self.cond.wait_for(ready)
        finally:
            self.waiting -= 1


class QueueBase:
    """The base class of tapegrad's queues (``tf.queue.QueueBase``): validation of elements against ``dtypes``,
    ``shapes`` and ``names``, and the enqueue/dequeue operations. Use one of the subclasses."""

    _kind = "fifo"
    _shapes_required = False  # (TF checks a PaddingFIFOQueue's shapes in Python: ValueError; others in the op)

    def __init__(self, dtypes: Any, shapes: Any, names: Any, queue_ref: Any = None, *, capacity: int = -1,
                 min_after_dequeue: int = 0, seed: Any = None, shared_name: str | None = None,
                 name: str = "queue") -> None:
        dtypes = list(dtypes) if isinstance(dtypes, (list, tuple)) else [dtypes]
        self._dtypes = [_dtypes.as_dtype(d) for d in dtypes]
        if shapes is None:
            self._shapes = [TensorShape(None) for _ in self._dtypes]
        else:
            shapes = _as_shape_list(shapes, len(self._dtypes))
            if len(shapes) != len(self._dtypes):
                raise (ValueError if self._shapes_required else InvalidArgumentError)(
                    f"Shapes must be provided for all components, but received {len(self._dtypes)} dtypes and "
                    f"{len(shapes)} shapes.")
            self._shapes = shapes
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if len(names) != len(self._dtypes):
                raise ValueError(f"List of names must have the same length as the list of dtypes, received "
                                 f"len(names)={len(names)},len(dtypes)={len(self._dtypes)}")
        self._names = names
        self._name = name
        if queue_ref is not None:
            self._state = queue_ref
        else:
            state = _shared.get((type(self).__name__, shared_name)) if shared_name else None
            if state is None:
                state = _State(self._kind, int(capacity), int(min_after_dequeue), seed)
                if shared_name:
                    _shared[(type(self).__name__, shared_name)] = state
            self._state = state

    # -- attributes ----------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtypes(self) -> list[Any]:
        return list(self._dtypes)

    @property
    def shapes(self) -> list[TensorShape]:
        return list(self._shapes)

    @property
    def names(self) -> list[str] | None:
        return None if self._names is None else list(self._names)

    @property
    def queue_ref(self) -> Any:
        """The queue's shared state (TF: a resource handle); queues holding the same one are the same queue."""
        return self._state

    @staticmethod
    def from_list(index: Any, queues: list[QueueBase]) -> QueueBase:
        """The queue ``queues[index]`` seen as a ``QueueBase`` (TF's ``from_list``); every queue must have the
        first one's dtypes (``TypeError``), shapes and names are the first one's."""
        if not queues or not all(isinstance(q, QueueBase) for q in queues):
            raise TypeError("A list of queues expected")
        first = queues[0]
        for q in queues[1:]:
            if q._dtypes != first._dtypes:
                raise TypeError(f"Queues do not have matching component dtypes: {first._dtypes} and {q._dtypes}.")
        k = int(index.numpy()) if hasattr(index, "numpy") else int(index)
        if not 0 <= k < len(queues):
            raise InvalidArgumentError(f"QueueBase.from_list: index {k} out of range for {len(queues)} queues")
        chosen = queues[k]
        view = QueueBase.__new__(type(chosen))
        view.__dict__.update(chosen.__dict__)
        view._shapes = list(first._shapes)
        view._names = first._names
        return view

    # -- element conversion ------------------------------------------------------------------------------------------
    def _components(self, vals: Any, many: bool) -> list[np.ndarray]:
        from .ops.core import convert_to_tensor

        if self._names is not None:
            if not isinstance(vals, dict):
                raise ValueError(f"You must enqueue a dictionary in a Queue with names (the names are "
                                 f"{self._names}); got a {type(vals).__name__}.")
            if sorted(vals) != sorted(self._names):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of Queue.  Dictionary: "
                                 f"{sorted(vals)},Queue: {sorted(self._names)}")
            vals = [vals[n] for n in self._names]
        elif isinstance(vals, dict):
            raise ValueError("This queue has no names: enqueue a tuple or list of components, not a dictionary.")
        elif not isinstance(vals, (list, tuple)) or len(self._dtypes) == 1 and not _is_component_list(vals):
            vals = [vals]
        vals = list(vals)
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} components for this queue ({self._describe()}), "
                             f"got {len(vals)}.")
        out = []
        for k, (v, dt, shape) in enumerate(zip(vals, self._dtypes, self._shapes)):
            try:
                t = convert_to_tensor(v, dtype=dt)
            except ValueError as exc:
                raise ValueError(f"component_{k}: {exc}") from None
            arr = np.asarray(t._value)  # (strings stay object arrays of bytes)
            got = TensorShape(arr.shape[1:] if many else arr.shape)
            if many and arr.ndim == 0:
                raise ValueError(f"component_{k}: enqueue_many needs a batch dimension, got a scalar.")
            if not shape.is_compatible_with(got):
                raise ValueError(f"Shapes {got} and {shape} are incompatible (component_{k} of the element"
                                 f"{' batch' if many else ''}: the queue's shape for it is {shape}).")
            out.append(arr)
        if many:
            sizes = {a.shape[0] for a in out}
            if len(sizes) > 1:
                raise ValueError(f"Dimensions {' and '.join(str(s) for s in sorted(sizes))} are not compatible: "
                                 "enqueue_many needs the same batch size in every component.")
        return out

    def _describe(self) -> str:
        return ", ".join(f"{d.name}{list(s) if s.rank is not None else ''}" for d, s in zip(self._dtypes,
                                                                                             self._shapes))

    def _pack(self, comps: list[Any]) -> Any:
        from ._backend import NUMPY
        from ._tensor import make

        ts = [make(np.asarray(c), NUMPY) for c in comps]
        if self._names is not None:
            return dict(zip(self._names, ts))
        return ts[0] if len(ts) == 1 else ts

    # -- operations ----------------------------------------------------------------------------------------------
    def enqueue(self, vals: Any, name: str | None = None) -> None:
        """Add one element, blocking while the queue is full; ``CancelledError`` once it is closed."""
        element = tuple(np.array(c, dtype=c.dtype, copy=True) for c in self._components(vals, many=False))
        self._put([element])

    def enqueue_many(self, vals: Any, name: str | None = None) -> None:
        """Add the elements sliced along each component's first dimension (one at a time, blocking while full)."""
        comps = self._components(vals, many=True)
        n = comps[0].shape[0] if comps else 0
        self._put([tuple(np.array(c[i], dtype=c.dtype, copy=True) for c in comps) for i in range(n)])

    def _put(self, elements: list[tuple[np.ndarray, ...]]) -> None:
        s = self._state
        with s.cond:
            if s.closed:
                raise CancelledError(f"{type(self).__name__} '{self._name}' is closed: enqueue is not allowed after "
                                     "close().")
            for element in elements:
                # TF: an enqueue already waiting when the queue closes still completes when room appears, unless
                # close(cancel_pending_enqueues=True) cancels it
                s.wait(lambda: s.cancelled or len(s) < s.capacity)
                if s.cancelled:
                    raise CancelledError(f"{type(self).__name__} '{self._name}' was closed with "
                                         "cancel_pending_enqueues=True while this enqueue waited for room.")
                s.push(element)
                s.cond.notify_all()

    def _take(self, n: int, up_to: bool, op: str) -> list[tuple[np.ndarray, ...]]:
        s = self._state
        with s.cond:
            def ready() -> bool:
                return s.closed or len(s) - n >= (s.min_after_dequeue if s.kind == "random" else 0)

            s.wait(ready)
            if len(s) < n or (n == 0 and s.closed and up_to):
                if not s.closed:  # (unreachable: ready() waited)
                    raise AssertionError("queue woke without elements")
                if not (up_to and len(s) > 0):
                    raise OutOfRangeError(f"{type(self).__name__} '{self._name}' is closed and has insufficient "
                                          f"elements (requested {n}, current size {len(s)}) [{op}]")
                n = len(s)
            out = [s.pop() for _ in range(n)]
            s.cond.notify_all()
            return out

    def dequeue(self, name: str | None = None) -> Any:
        """Remove and return one element (a tensor, a list of tensors, or a dict with ``names``); blocks while empty;
        ``OutOfRangeError`` once the queue is closed and empty."""
        (element,) = self._take(1, False, "dequeue")
        return self._pack(list(element))

    def dequeue_many(self, n: Any, name: str | None = None) -> Any:
        """Remove ``n`` elements and return them stacked along a new first dimension (every component needs a
        fully defined shape; ``PaddingFIFOQueue`` pads instead)."""
        return self._batch(n, False, "dequeue_many")

    def dequeue_up_to(self, n: Any, name: str | None = None) -> Any:
        """As :meth:`dequeue_many`, but once the queue is closed return what is left when fewer than ``n``
        remain (``OutOfRangeError`` when none do)."""
        return self._batch(n, True, "dequeue_up_to")

    def _batch(self, n: Any, up_to: bool, op: str) -> Any:
        n = int(n.numpy()) if hasattr(n, "numpy") else int(n)
        if n < 0:
            raise InvalidArgumentError(f"{op} requested {n} < 0 elements")
        self._check_batchable(op)
        elements = self._take(n, up_to, op)
        comps = []
        for k, (dt, shape) in enumerate(zip(self._dtypes, self._shapes)):
            parts = [e[k] for e in elements]
            comps.append(self._stack(parts, dt, shape))
        return self._pack(comps)

    def _check_batchable(self, op: str) -> None:
        bad = [k for k, s in enumerate(self._shapes) if not s.is_fully_defined()]
        if bad:
            raise InvalidArgumentError(
                f"{type(self).__name__}'s DequeueMany and DequeueUpTo require the components to have specified "
                f"shapes; components {bad} have shapes {[str(self._shapes[k]) for k in bad]}. Give the queue "
                "`shapes=`, or use a PaddingFIFOQueue for components of varying size.")

    def _stack(self, parts: list[np.ndarray], dt: Any, shape: TensorShape) -> np.ndarray:
        if not parts:
            return np.zeros((0, *shape.as_list()), dtype=dt._np)
        return np.stack(parts)

    def close(self, cancel_pending_enqueues: bool = False, name: str | None = None) -> None:
        """Close the queue: later enqueues raise ``CancelledError``; dequeues drain it, then raise
        ``OutOfRangeError``. ``cancel_pending_enqueues=True`` also cancels enqueues that are waiting."""
        s = self._state
        with s.cond:
            s.closed = True
            s.cancelled = s.cancelled or bool(cancel_pending_enqueues)
            s.cond.notify_all()

    def is_closed(self, name: str | None = None) -> Any:
        """A bool scalar tensor: whether :meth:`close` was called."""
        from .ops.core import constant

        return constant(self._state.closed)

    def size(self, name: str | None = None) -> Any:
        """An int32 scalar tensor: the number of elements in the queue."""
        from .ops.core import constant

        with self._state.cond:
            return constant(np.int32(len(self._state)))

    def _wait_for_waiters(self, n: int, timeout: float | None = 30.0) -> bool:
        """Block until ``n`` threads wait in this queue (for deterministic tests of blocking behaviour)."""
        s = self._state
        with s.cond:
            return s.cond.wait_for(lambda: s.waiting >= n, timeout)


def _is_component_list(vals: Any) -> bool:
    """For a one-component queue: whether ``vals`` is ``[component]`` (TF accepts both ``x`` and ``[x]``)."""
    return isinstance(vals, (list, tuple)) and len(vals) == 1 and not np.isscalar(vals)


def _as_shape_list(shapes: Any, n: int) -> list[TensorShape]:
    if isinstance(shapes, TensorShape):
        return [shapes]
    shapes = list(shapes)
    if n == 1 and (not shapes or all(d is None or isinstance(d, (int, np.integer)) for d in shapes)):
        return [TensorShape(shapes)]
    return [s if isinstance(s, TensorShape) else TensorShape(s) for s in shapes]


class FIFOQueue(QueueBase):
    """A first-in first-out queue (``tf.queue.FIFOQueue``); see the module docstring."""

    _kind = "fifo"

    def __init__(self, capacity: int, dtypes: Any, shapes: Any = None, names: Any = None,
                 shared_name: str | None = None, name: str = "fifo_queue") -> None:
        super().__init__(dtypes, shapes, names, capacity=capacity, shared_name=shared_name, name=name)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose ``dequeue_many``/``dequeue_up_to`` pad each component's ``None`` dims to the batch's
    largest size, with zeros (empty strings for strings) (``tf.queue.PaddingFIFOQueue``).

    >>> import tapegrad as tf
    >>> q = tf.queue.PaddingFIFOQueue(4, [tf.int32], shapes=[[None]])
    >>> q.enqueue([[1, 2, 3]]); q.enqueue([[4]])
    >>> q.dequeue_many(2).numpy().tolist()
    [[1, 2, 3], [4, 0, 0]]
    """

    _kind = "fifo"
    _shapes_required = True

    def __init__(self, capacity: int, dtypes: Any, shapes: Any, names: Any = None,
                 shared_name: str | None = None, name: str = "padding_fifo_queue") -> None:
        super().__init__(dtypes, shapes, names, capacity=capacity, shared_name=shared_name, name=name)
        bad = [k for k, s in enumerate(self._shapes) if s.rank is None]
        if bad:
            raise ValueError(f"PaddingFIFOQueue needs a known rank for every component: components {bad} have "
                             "unknown shapes (give each one a shape, with None for the dims that vary).")

    def _check_batchable(self, op: str) -> None:
        return

    def _stack(self, parts: list[np.ndarray], dt: Any, shape: TensorShape) -> np.ndarray:
        dims = shape.as_list()
        if not parts:
            return np.zeros((0, *[0 if d is None else d for d in dims]), dtype=dt._np)
        target = [max(p.shape[k] for p in parts) for k in range(len(dims))]
        fill = b"" if dt._np.kind == "O" else 0
        out = np.full((len(parts), *target), fill, dtype=dt._np)
        for i, p in enumerate(parts):
            out[(i, *[slice(0, s) for s in p.shape])] = p
        return out


class PriorityQueue(QueueBase):
    """A queue that hands out the element with the smallest ``int64`` priority first (``tf.queue.PriorityQueue``):
    elements are ``(priority, *components)`` with ``dtypes = [int64] + types``; equal priorities leave in insertion
    order.

    >>> import tapegrad as tf
    >>> q = tf.queue.PriorityQueue(5, [tf.string], shapes=[[]])
    >>> q.enqueue_many(([3, 1, 2], ["c", "a", "b"]))
    >>> [p.numpy().tolist() for p in q.dequeue_many(3)]
    [[1, 2, 3], [b'a', b'b', b'c']]
    """

    _kind = "priority"

    def __init__(self, capacity: int, types: Any, shapes: Any = None, names: Any = None,
                 shared_name: str | None = None, name: str = "priority_queue") -> None:
        types = list(types) if isinstance(types, (list, tuple)) else [types]
        if shapes is not None:
            shapes = [[]] + _as_shape_list(shapes, len(types))
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
        super().__init__([_dtypes.int64] + types, shapes, names, capacity=capacity, shared_name=shared_name,
                         name=name)


class RandomShuffleQueue(QueueBase):
    """A queue that hands out its elements in random order, and only while more than ``min_after_dequeue`` remain
    (until it is closed) (``tf.queue.RandomShuffleQueue``). ``seed`` makes the order reproducible (tapegrad's
    order, not TF's: TF's random stream is not reproduced).

    >>> import tapegrad as tf
    >>> q = tf.queue.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]], seed=0)
    >>> q.enqueue_many([[1, 2, 3, 4]])
    >>> int(q.size()), len(q.dequeue_many(2).numpy())
    (4, 2)
    """

    _kind = "random"

    def __init__(self, capacity: int, min_after_dequeue: int, dtypes: Any, shapes: Any = None, names: Any = None,
                 seed: Any = None, shared_name: str | None = None, name: str = "random_shuffle_queue") -> None:
        if capacity >= 0 and min_after_dequeue >= capacity:
            raise InvalidArgumentError(f"min_after_dequeue {min_after_dequeue} must be < capacity {capacity}")
        from .ops.random_ops import get_seed

        g, op = get_seed(seed)  # TF's rule: the global seed and the op seed (None for both: not reproducible)
        super().__init__(dtypes, shapes, names, capacity=capacity, min_after_dequeue=min_after_dequeue,
                         seed=None if g is None and op is None else [g or 0, op or 0],
                         shared_name=shared_name, name=name)
