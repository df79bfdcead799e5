"""Loops over ``tf.data`` datasets inside a traced body: the dataset's elements are inputs of the program.

TF keys a ``Dataset`` argument of a ``tf.function`` by its element spec (``DatasetSpec``) and AutoGraph turns
``for x in ds`` into a loop that runs over the dataset on every call. tapegrad traces the loop unrolled, but each
element the trace takes from a dataset becomes a **graph input** (never a constant baked into the program): on every
call the program's feed (:meth:`Feeder.inputs`) iterates the call's dataset again and passes its elements in.

* The number of elements the trace took (and whether it saw the end) is the feed's guard: a call whose dataset has
  another number of elements misses it and traces a path of its own (not a new trace for the tracing count, as in
  TF); element shapes are checked like any input's.
* A dataset argument the body uses other than by iterating it (``ds.cardinality()``, ``ds.batch(2)``…: read while
  tracing) is guarded by identity: another dataset of the same spec takes a path of its own instead of the values
  frozen from the first one. (Found by watching attribute reads on the argument while the body runs.)
* Datasets the body captures or makes are iterated again on every call too (a shuffled one reshuffles, as in TF).

All elements of one call are pulled once (:class:`Feeder`) and shared by the retraces and programs of that call.
"""

from __future__ import annotations

import sys
import threading
import weakref
from typing import Any

from .. import _nest
from .._tape import local
from .._tensor import Tensor

__all__ = ["is_dataset", "spec_key", "Feeder", "traced_iter", "watch", "unwatch"]


def is_dataset(x: Any) -> bool:
    """Whether ``x`` is a ``tapegrad.data.Dataset`` (without importing ``tapegrad.data``: none exists before)."""
    mod = sys.modules.get("tapegrad.data.dataset")
    return mod is not None and isinstance(x, mod.Dataset)


def spec_key(spec: Any) -> Any:
    """A hashable key of an element spec (TensorSpecs by shape and dtype, string specs by shape)."""
    if isinstance(spec, dict):
        return (dict, tuple((k, spec_key(spec[k])) for k in sorted(spec, key=repr)))
    if isinstance(spec, (tuple, list)):
        return (type(spec), tuple(spec_key(s) for s in spec))
    inner = getattr(spec, "element_spec", None)
    if inner is not None:
        return ("dataset", spec_key(inner))
    shape = getattr(spec, "shape", None)
    dims = None if shape is None or shape.rank is None else tuple(shape.as_list())
    dtype = getattr(spec, "dtype", None)
    return (type(spec).__name__, dims, getattr(dtype, "name", None))


class _Feed:
    """What a trace took from one iteration of a dataset: the program's guard and recipe for its inputs."""

    __slots__ = ("arg", "obj", "nth", "count", "ended", "others")

    def __init__(self, arg: int | None, obj: Any, nth: int) -> None:
        self.arg = arg  # index among the call's dataset arguments, or None
        self.obj = obj  # the dataset itself when it is not an argument (captured or made in the body)
        self.nth = nth  # which iteration of that dataset in the trace (0: the first `for` over it)
        self.count = 0  # elements taken
        self.ended = False  # whether the trace saw the end of the dataset
        self.others: list[list[Any]] = []  # per element: its non-tensor leaves (strings), compared on every call


class _State(threading.local):
    internal = 0  # > 0 while a Feeder pulls elements (attribute reads of a watched dataset are its own)
    feeder: Any = None  # the Feeder of the call in progress on this thread
    depth = 0  # calls and traces in progress on this thread (the feeder is dropped when the outermost ends)
    datasets: list[Any]  # the dataset arguments of the trace in progress
    watched: dict[int, list[bool]]  # id(dataset argument) -> [read other than by iteration?]

    def __init__(self) -> None:
        self.datasets = []
        self.watched = {}


state = _State()


class Feeder:
    """The elements of the datasets one call iterates, pulled once and shared by its traces and programs."""

    def __init__(self, datasets: list[Any]) -> None:
        self._datasets = datasets  # the call's dataset arguments (datasets_in order)
        self._pulled: dict[tuple[int, int], list[Any]] = {}  # (id(dataset), nth) -> [iterator, elements, ended]
        self._keep: list[Any] = []

    def element(self, ds: Any, nth: int, i: int) -> Any:
        """Element ``i`` (internal form) of the ``nth`` iteration of ``ds``; StopIteration past its end."""
        key = (id(ds), nth)
        st = self._pulled.get(key)
        if st is None:
            st = self._pulled[key] = [None, [], False]
            self._keep.append(ds)
        while len(st[1]) <= i and not st[2]:
            state.internal += 1
            saved = (local.tapes, local.tracer)
            local.tapes, local.tracer = (), None  # the pipeline runs eagerly, unrecorded
            try:
                if st[0] is None:
                    st[0] = ds._iter()
                st[1].append(next(st[0]))
            except StopIteration:
                st[2] = True
            finally:
                local.tapes, local.tracer = saved
                state.internal -= 1
        if i < len(st[1]):
            return st[1][i]
        raise StopIteration

    def inputs(self, program: Any) -> list[Any]:
        """The extra inputs of ``program`` for this call (its datasets' elements); GuardMiss when they do not fit."""
        from ..data._structure import to_user
        from .trace import GuardMiss

        args = self._datasets
        for k, ref in getattr(program, "same_datasets", ()):
            if k >= len(args) or args[k] is not ref():
                raise GuardMiss(f"dataset argument {k} is another dataset than the trace's, which used it other "
                                "than by iterating it")
        out: list[Any] = []
        for f in program.feeds:
            if f.arg is None:
                ds = f.obj
            else:
                ds = args[f.arg] if f.arg < len(args) else None
            if ds is None:
                raise GuardMiss("a dataset argument is missing")
            for i in range(f.count):
                try:
                    element = self.element(ds, f.nth, i)
                except StopIteration:
                    raise GuardMiss(f"the dataset has {i} elements, the trace took {f.count}") from None
                others = []
                for leaf in _nest.flatten(to_user(element)):
                    if type(leaf) is Tensor:
                        out.append(leaf)
                    else:
                        others.append(leaf)
                if others != f.others[i]:
                    raise GuardMiss("a dataset element's string components differ from the trace's")
            if f.ended:
                try:
                    self.element(ds, f.nth, f.count)
                except StopIteration:
                    continue
                raise GuardMiss(f"the dataset has more than the {f.count} elements the trace took")
        return out


def datasets_in(call: Any) -> list[Any]:
    """The datasets among a call's arguments (``(args, kwargs)``), in the order the cache key visits them."""
    out: list[Any] = []

    def visit(x: Any) -> None:
        if is_dataset(x):
            out.append(x)
        elif isinstance(x, dict):
            for k in sorted(x, key=repr):
                visit(x[k])
        elif isinstance(x, (list, tuple)):
            for v in x:
                visit(v)

    args, kwargs = call
    for a in args:
        visit(a)
    for k in sorted(kwargs):
        visit(kwargs[k])
    return out


def enter() -> None:
    """A call or a trace starts (the frontend pairs it with :func:`leave` in a ``finally``)."""
    state.depth += 1


def leave() -> None:
    state.depth -= 1
    if not state.depth:
        state.feeder = None  # the next call pulls its own elements


def feeder(call: Any) -> Feeder:
    """The current call's Feeder (made on first use, from the call's ``(args, kwargs)``; dropped when the outermost
    call or trace ends)."""
    f = state.feeder
    if f is None:
        f = state.feeder = Feeder(datasets_in(call))
    return f


# -- while tracing ---------------------------------------------------------------------------------------------------
class _TracedIterator:
    """``iter(ds)`` while a body is traced: elements come from the call's Feeder and become program inputs."""

    __slots__ = ("_ds", "_feed", "_tracer", "_feeder")

    def __init__(self, ds: Any, feed: _Feed, tracer: Any, feeder_: Feeder) -> None:
        self._ds, self._feed, self._tracer, self._feeder = ds, feed, tracer, feeder_

    def __iter__(self) -> _TracedIterator:
        return self

    def __next__(self) -> Any:
        from ..data._structure import to_user

        f = self._feed
        try:
            element = self._feeder.element(self._ds, f.nth, f.count)
        except StopIteration:
            f.ended = True
            raise
        user = to_user(element)
        others = []
        for j, leaf in enumerate(_nest.flatten(user)):
            if type(leaf) is Tensor:
                self._tracer.add_input(leaf, f"element_{f.nth}_{f.count}_{j}" if j else f"element_{f.nth}_{f.count}")
            else:
                others.append(leaf)
        f.others.append(others)
        f.count += 1
        return user

    def get_next(self) -> Any:
        return self.__next__()

    @property
    def element_spec(self) -> Any:
        return self._ds.element_spec


def traced_iter(ds: Any, frame: Any) -> Any:
    """The iterator of ``ds`` while a ``tapegrad.function`` body is traced on this thread, or None (eager)."""
    from . import function

    tracer = local.tracer
    if not function._state.depth or tracer is None or not hasattr(tracer, "feeds"):
        return None
    arg = next((k for k, d in enumerate(state.datasets) if d is ds), None)
    nth = sum(1 for f in tracer.feeds if f.obj is ds or (arg is not None and f.arg == arg))
    feed = _Feed(arg, None if arg is not None else ds, nth)
    tracer.feeds.append(feed)
    if state.feeder is None:
        state.feeder = Feeder(list(state.datasets))
    it: Any = _TracedIterator(ds, feed, tracer, state.feeder)
    if function._state.autograph and function._state.autograph[-1] and not function._state.no_autograph:
        from . import loops

        it = loops.checked_iter(it, "`for` loop over a dataset", frame)
    return it


# -- watching dataset arguments while the body runs -----------------------------------------------------------------
_recording_classes: dict[type, type] = {}


def _recording_class(cls: type) -> type:
    sub = _recording_classes.get(cls)
    if sub is None:
        def __getattribute__(self: Any, name: str) -> Any:  # noqa: N807
            if not state.internal and not name.startswith("__"):
                seen = state.watched.get(id(self))
                if seen is not None:
                    seen[0] = True
            return cls.__getattribute__(self, name)

        sub = type(cls.__name__, (cls,), {"__getattribute__": __getattribute__, "__module__": cls.__module__,
                                          "_tapegrad_watched_base": cls})
        _recording_classes[cls] = sub
    return sub


def watch(datasets: list[Any]) -> list[tuple[Any, type, list[bool]]]:
    """Start recording reads of the dataset arguments' attributes (anything but iterating them)."""
    out = []
    for ds in datasets:
        cls = type(ds)
        seen = [False]
        try:
            ds.__class__ = _recording_class(cls)
        except TypeError:
            seen[0] = True  # cannot watch it: guard it by identity
        state.watched[id(ds)] = seen
        out.append((ds, cls, seen))
    return out


def unwatch(watched: list[tuple[Any, type, list[bool]]]) -> list[tuple[int, Any]]:
    """Stop recording; the ``(index, weakref)`` of the arguments that were read (guarded by identity)."""
    same = []
    for k, (ds, cls, seen) in enumerate(watched):
        if type(ds) is not cls:
            ds.__class__ = cls
        state.watched.pop(id(ds), None)
        if seen[0]:
            try:
                same.append((k, weakref.ref(ds)))
            except TypeError:
                same.append((k, lambda ds=ds: ds))
    return same
