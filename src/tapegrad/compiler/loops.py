"""TF's loop rules for loops over tensors in a traced body, without converting the source.

AutoGraph turns ``for x in <tensor>``, ``for x in tf.range(n)``, ``for x in <dataset>`` and ``while <tensor>:``
into graph loops whose body is traced once, so TF requires that every tensor the loop rebinds keeps its dtype and
its static shape (unless ``tf.autograph.experimental.set_loop_options(shape_invariants=...)`` relaxes it), and the
tensors the body makes are inaccessible after the loop (a Python ``list.append`` of them raises
``InaccessibleTensorError`` when they are used later). tapegrad runs such loops as Python, unrolled, with guards;
this module checks the same rules while tracing:

* the iterator of a tensor (``Tensor.__iter__``, when the caller's instruction is a ``for`` loop's ``GET_ITER``) or
  of a dataset, and the test of a ``while`` loop (``Tensor.__bool__`` at a loop's conditional jump), look at the
  calling frame's locals at each iteration: a tensor local that existed before the loop and is now a tensor of
  another dtype raises TF's ``TypeError``, of another shape TF's ``ValueError``;
* when the loop ends, tensors made inside it that were appended to (or stored in) a list local are replaced in
  that list by stand-ins whose use raises :class:`~tapegrad.errors.InaccessibleTensorError`.

Only while tracing (never on the eager or compiled call paths). A shape is compared only where TF's static shape
would be known: not in traces with ``None`` dims, and not for values whose shape depends on data (the tracer's
``dynamic`` values: outputs of ops that read a tensor's value in Python, like ``tf.range(n)``, and of ops like
``tf.where(c)``/``tf.unique``, and everything computed from them).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

from .. import _tensor
from .._tape import local
from .._tensor import Tensor

__all__ = ["checked_iter", "while_test", "set_loop_options", "reset", "restore"]

_STORES = frozenset(("STORE_FAST", "STORE_NAME", "STORE_DEREF", "STORE_GLOBAL"))
_UNPACKS = frozenset(("UNPACK_SEQUENCE", "UNPACK_EX"))


class _Loops(threading.local):
    active: list[_Loop]  # loops of the traces running on this thread, innermost last
    whiles: dict[tuple[int, int], _Loop]  # (id(frame), exit offset) -> an open `while` loop

    def __init__(self) -> None:
        self.active = []
        self.whiles = {}


_loops = _Loops()


def reset() -> tuple[list[Any], dict[Any, Any]]:
    """Start a trace with no open loops; returns the previous state (for :func:`restore`)."""
    saved = (_loops.active, _loops.whiles)
    _loops.active, _loops.whiles = [], {}
    return saved


def restore(saved: tuple[list[Any], dict[Any, Any]]) -> None:
    _loops.active, _loops.whiles = saved


class _Loop:
    """One loop being traced: the tensor locals it started with and the lists it may append tensors to."""

    __slots__ = ("frame", "what", "line", "entry", "lists", "invariants", "first_vid", "ended")

    def __init__(self, frame: Any, what: str, targets: frozenset[str], span: tuple[int, int]) -> None:
        self.frame = frame
        self.what = what
        self.line = frame.f_lineno
        self.invariants: dict[str, Any] = {}
        self.ended = False
        scope = frame.f_locals
        carried = _loop_variables(frame.f_code, span)
        self.entry = {k: v for k, v in scope.items() if k in carried and k not in targets and _carried(v)}
        self.lists = {k: (v, list(v)) for k, v in scope.items() if type(v) is list}
        tracer = local.tracer
        self.first_vid = tracer.graph.next_vid if tracer is not None else 0

    def check(self, scope: dict[str, Any]) -> None:
        """TF's loop-variable rules after an iteration (TF checks them after tracing the body once)."""
        for name, before in self.entry.items():
            after = scope.get(name)
            if after is not before:
                self._compare(name, name, before, after)

    def _compare(self, name: str, shown: str, before: Any, after: Any) -> None:
        if type(before) is not Tensor:  # a tuple (or namedtuple) of loop variables: the same structure, each kept
            if type(after) is not type(before) or len(after) != len(before):
                if isinstance(after, tuple):
                    raise ValueError(
                        f"'{shown}' has {len(before)} elements before the loop, but {len(after)} after one iteration "
                        f"of the {self.what} (line {self.line}): a loop variable must keep its structure.")
                return
            for k, (b, a) in enumerate(zip(before, after)):
                if a is not b and (type(b) is Tensor or (type(b) is tuple or hasattr(b, "_fields"))):
                    self._compare(name, f"{shown}[{k}]", b, a)
            return
        if type(after) is not Tensor:
            return
        b, a = before._value, after._value
        if a.dtype != b.dtype:
            raise TypeError(
                f"'{shown}' has dtype {before.dtype.name} before the loop, but dtype {after.dtype.name} after one "
                f"iteration of the {self.what} (line {self.line}): a tensor that a loop over tensors "
                f"rebinds must keep its dtype (TF traces the body once, as a graph loop). Cast it before the "
                f"loop (tf.cast(..., {after.dtype.name})) or inside it, or collect per-iteration values in a "
                "tf.TensorArray.")
        inv = self.invariants.get(shown)
        if inv is not None:
            if not _fits(a.shape, inv):
                raise ValueError(
                    f"'{shown}' has shape {_shape_text(a.shape)} after one iteration of the {self.what} (line "
                    f"{self.line}), which is not compatible with its shape invariant {inv} (set with "
                    "tf.autograph.experimental.set_loop_options); use None for the dimensions that change.")
        elif a.shape != b.shape and _static(before) and _static(after):
            raise ValueError(
                f"'{shown}' has shape {_shape_text(b.shape)} before the loop, but shape {_shape_text(a.shape)} "
                f"after one iteration of the {self.what} (line {self.line}). Use "
                f"tf.autograph.experimental.set_loop_options(shape_invariants=[({shown}, tf.TensorShape(["
                f"{', '.join('None' for _ in a.shape)}]))]) at the top of the loop body to let it change, or collect "
                "per-iteration values in a tf.TensorArray.")

    def end(self) -> None:
        """The loop is over: tensors it made and left in list locals become inaccessible (TF's rule)."""
        if self.ended:
            return
        self.ended = True
        if self in _loops.active:
            _loops.active.remove(self)
        tracer = local.tracer
        if tracer is None:
            return
        for lst, before in self.lists.values():
            for k, item in enumerate(lst):
                if k < len(before) and item is before[k]:
                    continue
                replaced = self._hide(item, tracer)
                if replaced is not item:
                    lst[k] = replaced
        self.frame = None

    def _hide(self, item: Any, tracer: Any) -> Any:
        if type(item) is Tensor:
            vid = tracer.ids.get(id(item._value))
            if vid is not None and vid >= self.first_vid and tracer.graph.values[vid].kind != "const":
                return _inaccessible(item, self.what, self.line)
            return item
        if type(item) is tuple or type(item) is list:
            new = [self._hide(v, tracer) for v in item]
            if any(a is not b for a, b in zip(new, item)):
                return type(item)(new)
        return item


def _carried(v: Any) -> bool:
    """A value whose loop-variable rules are checked: a tensor, or a tuple/namedtuple of such (nested)."""
    if type(v) is Tensor:
        return True
    return isinstance(v, tuple) and (type(v) is tuple or hasattr(v, "_fields")) and any(_carried(x) for x in v)


def _static(t: Tensor) -> bool:
    """Whether TF would know ``t``'s shape statically (see the module docs)."""
    if _tensor._relaxed_shapes:
        return False  # a trace with None dims: tapegrad's values have concrete shapes where TF's have None
    tracer = local.tracer
    if tracer is None:
        return False
    return not tracer.is_dynamic(t._value)


def _fits(shape: tuple[int, ...], inv: Any) -> bool:
    dims = getattr(inv, "_dims", None)
    if dims is None:
        return True
    return len(dims) == len(shape) and all(d is None or d == s for d, s in zip(dims, shape))


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# -- the stand-in for a tensor that a loop body made -----------------------------------------------------------------
class _Inaccessible:
    """The value of a tensor made inside a loop over tensors and kept in a Python list: any use raises TF's
    InaccessibleTensorError (its shape and dtype stay readable, for display)."""

    __slots__ = ("shape", "dtype", "ndim", "size", "text", "what", "line")

    def __init__(self, raw: Any, text: str, what: str, line: int) -> None:
        self.shape, self.dtype, self.ndim, self.size = raw.shape, raw.dtype, raw.ndim, raw.size
        self.text, self.what, self.line = text, what, line

    def _error(self, *args: Any, **kwargs: Any) -> Any:
        from ..errors import InaccessibleTensorError

        raise InaccessibleTensorError(
            f"{self.text} is out of scope and cannot be used here: it was made inside the {self.what} at line "
            f"{self.line} and kept in a Python list (list.append inside a loop over tensors). A loop over tensors "
            "runs as a graph loop, whose per-iteration tensors are not accessible after it. Collect them in a "
            "tf.TensorArray instead (ta = tf.TensorArray(dtype, size=0, dynamic_size=True); ta = ta.write(i, t) in "
            "the loop; ta.stack() after it), or carry them as loop variables.")

    __array__ = __array_ufunc__ = __array_function__ = item = __float__ = __int__ = __bool__ = __index__ = _error
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _error
    __getitem__ = __len__ = __iter__ = astype = copy = reshape = _error


def _inaccessible(t: Tensor, what: str, line: int) -> Tensor:
    from .._tensor import make
    from .function import _symbolic_name

    raw = t._value
    shape = _shape_text(raw.shape)
    name = _symbolic_name(t) or "Placeholder:0"
    text = f"<tf.Tensor 'while/{name}' shape={shape} dtype={_tensor._dtypes._BY_NP[raw.dtype].name}>"
    return make(_Inaccessible(raw, text, what, line), t._xp)


# -- for loops ------------------------------------------------------------------------------------------------------
def _targets(frame: Any) -> tuple[frozenset[str], tuple[int, int]] | None:
    """The names a ``for`` statement binds and its body's span, when ``frame`` is executing its ``FOR_ITER``."""
    from .function import _instructions

    ops = _instructions(frame.f_code)
    op = ops.get(frame.f_lasti)
    if op is None or op[0] != "FOR_ITER":
        return None
    names = set()
    for off in sorted(o for o in ops if o > frame.f_lasti):
        name, arg = ops[off]
        if name in _STORES:
            names.add(arg)
        elif name not in _UNPACKS and name != "CACHE":
            break
    end = op[1] if isinstance(op[1], int) else max(ops) + 2
    return frozenset(names), (frame.f_lasti, end)


_LOADS = frozenset(("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_NAME", "LOAD_FAST_CHECK",
                    "LOAD_FAST_AND_CLEAR", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF"))
_WRITES = _STORES | {"DELETE_FAST", "DELETE_DEREF", "DELETE_NAME"}
_carried_cache: dict[tuple[Any, int, int], frozenset[str]] = {}


def _loop_variables(code: Any, span: tuple[int, int]) -> frozenset[str]:
    """The names that are certainly AutoGraph loop variables of the loop whose body spans ``span`` in ``code``: read
    in the body before any write there, or read after the loop before any write there (in bytecode order — a
    name whose first access in either region is a write is left out, so a temporary is never checked)."""
    key = (code, span[0], span[1])
    found = _carried_cache.get(key)
    if found is not None:
        return found
    from .function import _instructions

    ops = _instructions(code)
    first_in: dict[str, bool] = {}  # name -> is its first access in the body a read?
    first_after: dict[str, bool] = {}
    for off in sorted(ops):
        name, arg = ops[off]
        if not isinstance(arg, str) or (name not in _LOADS and name not in _WRITES):
            continue
        region = first_in if span[0] <= off < span[1] else first_after if off >= span[1] else None
        if region is not None and arg not in region:
            region[arg] = name in _LOADS
    found = frozenset(n for n, read in (*first_in.items(), *first_after.items()) if read)
    if len(_carried_cache) > 4096:
        _carried_cache.clear()
    _carried_cache[key] = found
    return found


class _CheckedIterator:
    """The iterator of a loop over a tensor or a dataset in a traced body: checks TF's rules at each step."""

    __slots__ = ("_it", "_what", "_loop", "__weakref__")

    def __init__(self, it: Iterator[Any], what: str) -> None:
        self._it = it
        self._what = what
        self._loop: _Loop | None = None

    def __iter__(self) -> _CheckedIterator:
        return self

    def __next__(self) -> Any:
        loop = self._loop
        if loop is None:
            frame = sys._getframe(1)
            found = _targets(frame)
            if found is None:  # not a `for` statement (list(t), unpacking): nothing to check
                self._loop = _NOT_A_LOOP
            else:
                loop = self._loop = _Loop(frame, self._what, *found)
                _loops.active.append(loop)
        elif loop is not _NOT_A_LOOP and not loop.ended:
            loop.check(loop.frame.f_locals)
        try:
            return next(self._it)
        except StopIteration:
            if loop is not None and loop is not _NOT_A_LOOP:
                loop.end()
            raise

    def __del__(self) -> None:  # a `break` (or an exception) left the loop
        loop = self._loop
        if loop is not None and loop is not _NOT_A_LOOP and not loop.ended:
            try:
                loop.end()
            except Exception:  # noqa: BLE001, S110  (nothing may escape a finaliser)
                pass


_NOT_A_LOOP: Any = object()


def checked_iter(it: Iterator[Any], what: str, frame: Any) -> Iterator[Any]:
    """``it`` wrapped for TF's loop rules when ``frame`` (the caller of ``iter()``) is at a ``for`` loop's
    ``GET_ITER``; else ``it`` itself."""
    from .function import _instructions

    op = _instructions(frame.f_code).get(frame.f_lasti)
    if op is None or op[0] != "GET_ITER":
        return it
    return _CheckedIterator(it, what)


# -- while loops ----------------------------------------------------------------------------------------------------
def while_test(frame: Any, value: bool) -> None:
    """``bool(t)`` in ``frame``: when the instruction is a ``while`` loop's test, check TF's loop rules.

    CPython 3.11+ compiles ``while c: body`` as an entry test (a forward jump to the loop's exit when ``c`` fails,
    placed before the body) and a test at the bottom (a backward jump to the body); the exit is the instruction
    after the bottom test, which identifies the loop.
    """
    from .function import _instructions

    ops = _instructions(frame.f_code)
    here = frame.f_lasti
    op = ops.get(here)
    if op is None or not op[0].startswith("POP_JUMP") or not isinstance(op[1], int):
        return
    if op[1] < here:  # the bottom test: jumps back to the body while the loop goes on
        exit_offset = min((o for o in ops if o > here), default=here + 2)
        _while_step(frame, (op[1], exit_offset), False, op[0].endswith("IF_TRUE") == value)
        return
    back = ops.get(op[1] - 2)
    if back is None or "BACKWARD" not in back[0] or not isinstance(back[1], int) or here > back[1]:
        return  # an `if` (or a test inside a loop's body)
    # the entry test: jumps forward to the exit when the loop does not start
    _while_step(frame, (back[1], op[1]), True, op[0].endswith("IF_FALSE") == value)


def _while_step(frame: Any, span: tuple[int, int], entering: bool, cont: bool) -> None:
    key = (id(frame), span[1])
    loop = _loops.whiles.get(key)
    if loop is not None and loop.frame is not frame:
        loop = None
    if entering or loop is None:
        if loop is not None:
            loop.end()
            del _loops.whiles[key]
        if cont and entering:
            loop = _Loop(frame, "`while` loop", frozenset(), span)
            _loops.whiles[key] = loop
            _loops.active.append(loop)
        return
    loop.check(frame.f_locals)
    if not cont:
        del _loops.whiles[key]
        loop.end()


# -- set_loop_options -----------------------------------------------------------------------------------------------
def set_loop_options(frame: Any, shape_invariants: Any) -> None:
    """Record ``shape_invariants`` ([(tensor, TensorShape), ...]) for the innermost loop running in ``frame``."""
    loop = next((lp for lp in reversed(_loops.active) if lp.frame is frame), None)
    if loop is None or not shape_invariants:
        return
    from .._shape import TensorShape

    for t, shape in shape_invariants:
        inv = shape if isinstance(shape, TensorShape) else TensorShape(shape)
        for name, v in frame.f_locals.items():
            for shown in _paths_to(t, v, name):
                loop.invariants[shown] = inv


def _paths_to(t: Any, v: Any, shown: str) -> list[str]:
    """How ``t`` is reached from the local ``v`` (``x``, ``state[1]``…), as the loop checks name it."""
    if v is t:
        return [shown]
    if _carried(v) and type(v) is not Tensor:
        return [p for k, x in enumerate(v) for p in _paths_to(t, x, f"{shown}[{k}]")]
    return []
