"""Self-explaining gradients and NaN hunting (``tapegrad.debugging``, after ``tf.debugging``).

* :func:`explain` says, for every source whose gradient is ``None``, why — and how to fix it.
  ``tape.gradient(..., unconnected_gradients="explain")`` does the same as a warning while returning the gradients.
* :func:`enable_check_numerics` makes the first op that produces NaN or Inf — in the forward *or* the backward
  pass — raise ``InvalidArgumentError`` naming the op, its inputs' shapes and ranges, and your source line.
  It is off by default and costs nothing when off: it installs a recorder (and checking gradient rules) only while
  enabled.
* :func:`check_numerics` checks one tensor (``tf.debugging.check_numerics``).

>>> import tapegrad as tf
>>> x = tf.constant(3.0)
>>> with tf.GradientTape() as tape:
...     y = x * x
>>> report = tf.debugging.explain(tape, y, x)
>>> report[0].cause
'not_watched'
>>> print(report[0].message.splitlines()[-1])  # doctest: +ELLIPSIS
Fix: call tape.watch(x) at the start of the `with` block (before x is used), or make x a tf.Variable (and ...

How explanations are found: from what the tape logged while the ops ran — what it watched and recorded, the
values that left it (``.numpy()``, ``float()``, ``np.asarray`` on a tensor it knows), the ops that stopped the
gradient on a tensor it knows (stop_gradient, integer casts, comparisons, ops without a gradient), where watch()
was called and where its ``with`` block ended, each with file and line. So the cause does not depend on source
files or on the function that calls ``explain`` (a helper, ``python -c``, ``exec``, the interactive prompt); source
lines, when readable, only quote those sites, name things, and separate ``variable_replaced`` from
``not_watched`` and ``watched_after_use`` from ``outside_context``.
"""

from __future__ import annotations

import ast
import linecache
import os
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _nest, _tape
from ._registry import NO_GRADIENT, OPS
from ._settings import (  # noqa: F401  (tf.debugging's switches and dtype checks)
    assert_same_float_dtype,
    disable_traceback_filtering,
    enable_traceback_filtering,
    get_log_device_placement,
    is_numeric_tensor,
    is_traceback_filtering_enabled,
    set_log_device_placement,
)
from ._tensor import _PACKAGE_DIR, ESCAPES, Variable, _TensorLike, ensure_id, user_site
from .errors import InvalidArgumentError
from .ops import assert_ops as _assert_ops
from .ops.assert_ops import (  # noqa: F401  (tf.debugging.assert_*: run-time checks, every call when compiled)
    Assert,
    assert_all_finite,
    assert_equal,
    assert_greater,
    assert_greater_equal,
    assert_integer,
    assert_less,
    assert_less_equal,
    assert_near,
    assert_negative,
    assert_non_negative,
    assert_non_positive,
    assert_none_equal,
    assert_positive,
    assert_proper_iterable,
    assert_rank,
    assert_rank_at_least,
    assert_rank_in,
    assert_scalar,
    assert_shapes,
    assert_type,
)

__all__ = [
    "explain", "Explanation", "Explanations", "UnconnectedGradientWarning", "CAUSES",
    "enable_check_numerics", "disable_check_numerics", "check_numerics", "is_check_numerics_enabled",
    *_assert_ops.__all__[:-2],
    "assert_same_float_dtype", "is_numeric_tensor", "get_log_device_placement", "set_log_device_placement",
    "enable_traceback_filtering", "disable_traceback_filtering", "is_traceback_filtering_enabled",
]

#: The causes :func:`explain` distinguishes (``Explanation.cause``).
CAUSES = (
    "integer_dtype",          # the source (or the target / a value on the path) is integer or bool
    "not_trainable",          # a Variable with trainable=False, never watched explicitly
    "not_watched",            # a Tensor the tape never watched (or watch_accessed_variables=False)
    "variable_replaced",      # `x = x + 1` turned a Variable into a plain Tensor
    "watched_after_use",      # tape.watch(x) came after x was used
    "left_tape",              # .numpy() / float() / a NumPy conversion on the path
    "stop_gradient",          # tf.stop_gradient on the path
    "non_differentiable_op",  # round/floor/argmax/comparisons/... on the path
    "outside_context",        # the target (or a step to it) was computed outside the `with` block
    "not_connected",          # the target does not depend on the source through recorded ops
)


class UnconnectedGradientWarning(UserWarning):
    """Issued by ``tape.gradient(..., unconnected_gradients="explain")`` for sources whose gradient is None."""


class Explanation:
    """Why one source's gradient is None: a ``cause`` (one of :data:`CAUSES`), a ``message`` ending with the fix,
    and, when known, the source ``line`` (``"file:line: code"``) that broke the chain."""

    __slots__ = ("source", "name", "cause", "message", "line")

    def __init__(self, source: Any, name: str, cause: str, message: str, line: str | None = None) -> None:
        self.source = source
        self.name = name
        self.cause = cause
        self.message = message
        self.line = line

    def __repr__(self) -> str:
        return f"Explanation(name={self.name!r}, cause={self.cause!r}, line={self.line!r})"

    def __str__(self) -> str:
        return self.message


class Explanations(list):  # type: ignore[type-arg]
    """The explanations of :func:`explain`, one per source whose gradient is None (empty: all connected)."""

    def __str__(self) -> str:
        if not self:
            return "Every source is connected to the target: no gradient is None."
        return "\n\n".join(f"Gradient of {e.name} is None: {e.message}" for e in self)

    def causes(self) -> list[str]:
        return [e.cause for e in self]


# ----------------------------------------------------------------------------------------------------------------
# explain


def explain(tape: Any, target: Any, sources: Any) -> Explanations:
    """Explain, for every source whose gradient ``tape.gradient(target, sources)`` would be ``None``, why.

    Call it before ``tape.gradient`` on a non-persistent tape (``gradient`` releases the recording), or let
    ``tape.gradient(target, sources, unconnected_gradients="explain")`` call it for you.

    >>> import tapegrad as tf
    >>> v = tf.Variable(2.0, trainable=False)
    >>> with tf.GradientTape() as tape:
    ...     y = v * v
    >>> print(tf.debugging.explain(tape, y, v))  # doctest: +ELLIPSIS
    Gradient of v is None: v is a Variable with trainable=False, ...
    Fix: call tape.watch(v) inside the `with` block, or create it with trainable=True.
    """
    frame = _user_frame()
    try:
        snap = _Snapshot.of(tape)
        flat_sources = _nest.flatten(sources)
        connected = snap.connected(_nest.flatten(target), flat_sources) if snap.alive else None
        todo = [s for k, s in enumerate(flat_sources) if connected is None or not connected[k]]
        return _explain(snap, tape, target, todo, frame)
    finally:
        del frame


def _gradient_explained(gtape: Any, target: Any, sources: Any, output_gradients: Any) -> Any:
    """``GradientTape.gradient(..., unconnected_gradients="explain")``: the gradients (None where unconnected),
    plus one :class:`UnconnectedGradientWarning` explaining the None ones."""
    snap = _Snapshot.of(gtape)  # before the sweep: a non-persistent tape releases its recording
    grads = gtape.gradient(target, sources, output_gradients, "none")
    flat_sources = _nest.flatten(sources)
    flat_grads = [grads] if len(flat_sources) == 1 and not _nest.is_nested(sources) else _nest.flatten(grads)
    missing = [s for s, g in zip(flat_sources, flat_grads) if g is None]
    if missing:
        frame = _user_frame()
        try:
            report = _explain(snap, gtape, target, missing, frame)
            filename, lineno = frame.f_code.co_filename, frame.f_lineno
        finally:
            del frame
        warnings.warn_explicit(str(report), UnconnectedGradientWarning, filename, lineno)
    return grads


class _Snapshot:
    """What a tape recorded, copied so it survives the backward sweep."""

    def __init__(self) -> None:
        self.alive = False
        self.entries: list[tuple[Any, ...]] = []
        self.known: set[int] = set()
        self.escapes: list[tuple[int, str, str, int]] = []
        self.breaks: list[tuple[Any, str, str, int]] = []
        self.watches: list[tuple[int, str, int, int]] = []
        self.sites: tuple[str, int] | None = None
        self.watch_accessed = True
        self.recording = False
        self.produced: set[int] = set()

    @classmethod
    def of(cls, gtape: Any) -> _Snapshot:
        snap = cls()
        rec = getattr(gtape, "_tape", None)
        snap.watch_accessed = bool(getattr(gtape, "_watch_accessed_variables", True))
        snap.recording = bool(getattr(gtape, "_recording", False))
        if rec is None:
            return snap
        snap.alive = True
        snap.entries = list(rec.entries)
        snap.known = set(rec.known)
        snap.escapes = list(ESCAPES.get(rec, ()))
        snap.breaks = list(getattr(rec, "breaks", None) or ())
        snap.watches = list(getattr(rec, "watches", None) or ())
        snap.sites = _site_line(getattr(rec, "sites", None))
        for e in snap.entries:
            o = e[2]
            if type(o) is tuple:
                snap.produced.update(o)
            else:
                snap.produced.add(o)
        return snap

    def descendants(self, sid: int | None) -> set[int]:
        if sid is None or sid not in self.known:
            return set()
        reach = {sid}
        for e in self.entries:
            if not reach.isdisjoint(e[1]) and e[0].vjp is not None:
                o = e[2]
                if type(o) is tuple:
                    reach.update(o)
                else:
                    reach.add(o)
        return reach

    def dangling(self, desc: set[Any]) -> bool:
        """Is some value in ``desc`` produced on the tape, but used by no recorded op, logged break or escape?"""
        used: set[Any] = set()
        for e in self.entries:
            used.update(e[1])
        for b in self.breaks:
            used.update(b[0])
        used.update(e[0] for e in self.escapes)
        return any(d in self.produced and d not in used for d in desc)

    def consumers(self, sid: int | None) -> list[tuple[Any, ...]]:
        if sid is None:
            return []
        return [e for e in self.entries if sid in e[1]]

    def connected(self, targets: list[Any], sources: list[Any]) -> list[bool]:
        tids = {t._id for t in targets if isinstance(t, _TensorLike) and t._id is not None
                and t._value.dtype.kind in "fcV"}
        out = []
        for s in sources:
            if not isinstance(s, _TensorLike):
                out.append(True)
                continue
            if any(s is t for t in targets):
                out.append(True)  # d x / d x = 1, watched or not
                continue
            if s._value.dtype.kind not in "fcV":
                out.append(False)
                continue
            out.append(not self.descendants(s._id).isdisjoint(tids))
        return out


def _explain(snap: _Snapshot, gtape: Any, target: Any, sources: list[Any], frame: Any) -> Explanations:
    flat_targets = [t for t in _nest.flatten(target) if isinstance(t, _TensorLike)]
    code = _quoting_code(frame, gtape, flat_targets, sources)
    report = Explanations()
    for s in sources:
        if not isinstance(s, _TensorLike):
            continue
        report.append(_Why(snap, code, flat_targets, s).explain())
    return report


class _Why:
    """The decision procedure for one source (see :data:`CAUSES`)."""

    def __init__(self, snap: _Snapshot, code: _Code, targets: list[Any], s: Any) -> None:
        self.snap, self.code, self.targets, self.s = snap, code, targets, s
        self.names = code.names_of(s)
        self.name = self.names[0] if self.names else (f"Variable {s.name!r}" if type(s) is Variable else
                                                       f"the {s.dtype.name} tensor of shape {list(s.shape)}")
        self.ref = self.names[0] if self.names else ("v" if type(s) is Variable else "x")

    def result(self, cause: str, text: str, fix: str, line: str | None = None) -> Explanation:
        where = f"\n  at {line}" if line else ""
        released = ("" if self.snap.alive else "\n  (The tape's recording was already released by gradient(): "
                    "call explain() before gradient(), or use unconnected_gradients='explain', for a full "
                    "diagnosis.)")
        return Explanation(self.s, self.name, cause, f"{text}{where}{released}\nFix: {fix}", line)

    def explain(self) -> Explanation:  # noqa: C901 - one decision list
        """The cause, decided from what the tape logged while the ops ran (dtypes, watched ids, recorded ops,
        values that left the tape, ops that stopped the gradient, watch sites); the user's source, when it can be
        read, only names things, quotes lines and tells two causes apart that the logs cannot (``x = x + 1``
        replacing a Variable, a watch() after the first use)."""
        s, snap, code, n = self.s, self.snap, self.code, self.name
        sid = s._id
        is_var = type(s) is Variable
        dt = s.dtype.name
        if s._value.dtype.kind not in "fcV":
            return self.result(
                "integer_dtype",
                f"{n} has dtype {dt}: gradients flow only to floating-point (and complex) tensors, so the tape "
                "returns None for it (TensorFlow does the same).",
                f"create it as a float (e.g. tf.constant(3.0) or tf.Variable(3.0)), or cast it before use: "
                f"{self.ref} = tf.cast({self.ref}, tf.float32).",
                code.binding_line(self.names))
        float_targets = [t for t in self.targets if t._value.dtype.kind in "fcV"]
        if self.targets and not float_targets:
            t = self.targets[0]
            return self.result(
                "integer_dtype",
                f"the target has dtype {t.dtype.name}: integer and bool values carry no gradient.",
                "compute the target in floating point (cast to an integer type only outside the differentiated "
                "computation).", code.target_line(self.targets))
        known = sid is not None and sid in snap.known
        if is_var and not s.trainable and not known:
            return self.result(
                "not_trainable",
                f"{n} is a Variable with trainable=False, so tapes do not watch it automatically.",
                f"call tape.watch({self.ref}) inside the `with` block, or create it with trainable=True.",
                code.binding_line(self.names))
        if not known and snap.alive:
            if not is_var:
                replaced = code.replaced_variable(self.names)
                if replaced is not None:
                    expr = replaced[1]
                    return self.result(
                        "variable_replaced",
                        f"{n} is a plain tapegrad.Tensor, not a Variable: `{expr}` rebound the name to the "
                        "result of an op (a new Tensor), which tapes do not watch automatically.",
                        f"update the Variable in place instead: {_assign_fix(expr, self.ref)}.", replaced[0])
                made = code.binding_line(self.names)
                return self.result(
                    "not_watched",
                    f"{n} ({_describe(s)}" + (", created at the line below" if made else ", created outside any "
                                               "tape") + ") was never watched by this tape: a tape records only "
                    "ops on watched tensors, trainable Variables and results of recorded ops.",
                    f"call tape.watch({self.ref}) at the start of the `with` block (before {self.ref} is used), "
                    f"or make {self.ref} a tf.Variable (and update it with assign/assign_add, not `x = x + 1`).",
                    made)
            if not snap.watch_accessed:
                return self.result(
                    "not_watched",
                    f"{n} was never watched: the tape was created with watch_accessed_variables=False, so reading "
                    "a Variable does not watch it.",
                    f"call tape.watch({self.ref}) inside the `with` block.", code.binding_line(self.names))
        # what the tape logged on the way from the source: values that left it, ops that stopped the gradient
        desc = snap.descendants(sid) | ({sid} if sid is not None else set())
        on_tape = any(t._id is not None and (t._id in snap.known or t._id in snap.produced) for t in self.targets)
        culprit = _culprit(snap, desc)
        # a target the tape did not record, and a value computed from the source on the tape that nothing on it
        # used (nor a logged break/escape): the step from that value to the target most likely ran outside
        if culprit is not None and not (not on_tape and snap.dangling(desc)):
            return self.result(*self._culprit_message(culprit))
        consumers = snap.consumers(sid) if snap.alive else []
        watch = next(((f, ln, before) for i, f, ln, before in snap.watches if i == sid), None)
        if not consumers and snap.alive:
            after = code.watched_after_use(self.names)
            if after is not None:
                watch_line, use_line = after
                return self.result(
                    "watched_after_use",
                    f"{n} was watched at {watch_line}, after it was used at {use_line}: watching is not "
                    "retroactive, so the ops that used it before the watch were not recorded.",
                    f"call tape.watch({self.ref}) before its first use, at the start of the `with` block.",
                    use_line)
        if snap.alive and not on_tape and not any(t is s for t in self.targets):
            end = f" (the tape's `with` block ended at {_fmt_line(*snap.sites)})" if snap.sites else ""
            how = "was used on it" if consumers else ("is watched" if known else "is a trainable Variable")
            watched = f" ({n} was watched at {_fmt_line(watch[0], watch[1])}: if it was used before that line, " \
                "watch it earlier)" if watch and not consumers else ""
            return self.result(
                "outside_context",
                f"the target was not recorded by this tape, although {n} {how}: a step from {n} to the "
                f"target was computed outside the tape's `with` block{end}, or inside tape.stop_recording()"
                f"{watched}.",
                "compute the target inside the `with tf.GradientTape() as tape:` block, from tapegrad ops on "
                f"{self.ref}.", code.target_line(self.targets))
        if not consumers and snap.alive:
            where = f" (watched at {_fmt_line(watch[0], watch[1])})" if watch else ""
            later = " after the tape had recorded other ops" if watch and watch[2] else ""
            return self.result(
                "not_connected",
                f"{n} is watched{where}, but no recorded op used it. Either it was used before tape.watch()"
                f"{later} (watching is not retroactive), the target was computed outside the tape's `with` "
                "block, or the target simply does not use it.",
                f"watch {self.ref} before using it, compute the target inside the `with` block from "
                f"{self.ref}, and keep its path in differentiable tapegrad ops.", code.target_line(self.targets))
        return self.result(
            "not_connected",
            f"the target does not depend on {n} through any recorded op"
            + (f" ({len(consumers)} recorded op{'s use' if len(consumers) > 1 else ' uses'} it, but no result "
               "of them reaches the target)" if consumers else "")
            + ". If that is expected (e.g. an unused layer), None is the correct answer.",
            "use unconnected_gradients='zero' to get zeros instead of None, or check that the target is "
            f"computed from {self.ref} with differentiable ops.", code.target_line(self.targets))

    def _culprit_message(self, culprit: tuple[str, str, str, int]) -> tuple[str, ...]:
        kind, what, fname, lineno = culprit
        n = self.name
        line = _fmt_line(fname, lineno)
        if kind == "escape":
            return ("left_tape",
                    f"the path from {n} to the target leaves the tape: {what} at {line} turned {n} (or a tensor "
                    "computed from it) into a NumPy/Python value, which no tape can follow.",
                    "keep the computation in tapegrad ops (np.* functions on watched tensors are fine: they run as "
                    "tapegrad ops); use .numpy()/float() only for logging or after the gradient.", line)
        if what == "stop_gradient":
            return ("stop_gradient",
                    f"the path from {n} to the target goes through stop_gradient at {line}: stop_gradient blocks "
                    "gradients by design.",
                    "remove the stop_gradient if a gradient should flow (or use tf.grad_pass_through for a "
                    "straight-through estimator).", line)
        if what == "cast":
            return ("integer_dtype",
                    f"the path from {n} to the target goes through a cast to an integer or bool type at {line}: "
                    "integer and bool values carry no gradient, so the chain stops there.",
                    "keep the path in floating point (if you need a gradient through a rounding step, use a "
                    "straight-through estimator with tf.grad_pass_through).", line)
        if what in _COMPARISONS:
            return ("non_differentiable_op",
                    f"the path from {n} to the target goes through the comparison ({what}) at {line}: comparisons "
                    "give bool values, which carry no gradient.",
                    "use a differentiable surrogate such as tf.sigmoid(k * (a - b)), or use the comparison only to "
                    "select values with tf.where.", line)
        return ("non_differentiable_op",
                f"the path from {n} to the target goes through {what} at {line}: {what} has no gradient (its "
                "derivative is zero almost everywhere, or its result is an integer, so it is registered as not "
                "differentiable, as in TensorFlow).",
                "use a differentiable surrogate (e.g. tf.nn.softmax instead of argmax, tf.sigmoid instead of a "
                "comparison) or a straight-through estimator with tf.grad_pass_through.", line)


_COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}


def _culprit(snap: _Snapshot, desc: set[Any]) -> tuple[str, str, str, int] | None:
    """The logged event that most likely broke the chain from a source whose recorded descendants are ``desc``:
    an op that stopped the gradient (stop_gradient, a cast to int, an op without a gradient) before a value that
    left the tape (a logging ``print(t.numpy())`` is also an escape), comparisons last (they often only select)."""
    breaks = [b for b in snap.breaks if any(i in desc for i in b[0] if i is not None)]
    for b in breaks:
        if b[1] not in _COMPARISONS:
            return ("break", b[1], b[2], b[3])
    for e in snap.escapes:
        if e[0] in desc:
            return ("escape", e[1], e[2], e[3])
    for b in breaks:
        return ("break", b[1], b[2], b[3])
    return None


def _describe(s: Any) -> str:
    kind = "Variable" if type(s) is Variable else "tapegrad.Tensor"
    return f"a {kind} {s.dtype.name}{list(s.shape)}"


def _assign_fix(expr: str, name: str) -> str:
    try:
        node = ast.parse(expr.strip()).body[0]
    except SyntaxError:
        return f"{name}.assign(...)"
    if isinstance(node, ast.AugAssign):
        op = {ast.Add: "assign_add", ast.Sub: "assign_sub"}.get(type(node.op))
        rhs = ast.unparse(node.value)
        return f"{name}.{op}({rhs})" if op else f"{name}.assign({ast.unparse(node)})"
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp):
        b = node.value
        if isinstance(b.left, ast.Name) and b.left.id == name:
            op = {ast.Add: "assign_add", ast.Sub: "assign_sub"}.get(type(b.op))
            if op:
                return f"{name}.{op}({ast.unparse(b.right)})"
        return f"{name}.assign({ast.unparse(b)})"
    return f"{name}.assign(...)"


def _site_line(site: Any) -> tuple[str, int] | None:
    """``(file, line)`` of a tape's recorded exit site, kept as ``(code, f_lasti)`` (the line is looked up here, not
    on every ``with`` exit)."""
    if site is None or type(site[0]) is str:
        return site
    code, lasti = site
    line = code.co_firstlineno
    for start, end, ln in code.co_lines():
        if start <= lasti < end and ln is not None:
            line = ln
            break
    return (code.co_filename, line)


def _fmt_line(filename: str, lineno: int) -> str:
    text = linecache.getline(filename, lineno).strip()
    try:
        rel = os.path.relpath(filename)
        shown = rel if not rel.startswith("..") else filename
    except ValueError:
        shown = filename
    return f"{shown}:{lineno}" + (f": {text}" if text else "")


def _quoting_code(frame: Any, gtape: Any, targets: list[Any], sources: list[Any]) -> _Code:
    """The code used to name and quote: the innermost frame (from the explain/gradient caller outwards) whose
    function binds the target or a source by assignment. A helper that only receives them as arguments, a REPL
    or ``exec`` without source give an empty ``_Code``: the diagnosis then rests on the logs alone."""
    objs = [*targets, *[s for s in sources if isinstance(s, _TensorLike)]]
    f, depth = frame, 0
    while f is not None and depth < 8:
        if any(v is o for v in f.f_locals.values() for o in objs):
            code = _Code.of(f, gtape)
            if code.ok and any(code.latest(name, code.lineno + 1) is not None for o in objs
                               for name in code.names_of(o)):
                return code
        f, depth = f.f_back, depth + 1
    code = _Code.of(frame, gtape)
    code.bindings, code.ok = [], False  # names only: nothing in this scope computed them
    return code


def _user_frame() -> Any:
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    return f


# ----------------------------------------------------------------------------------------------------------------
# reading the user's code


class _Binding:
    """One statement that binds names: its line, the names, the bound expression and the names it reads."""

    __slots__ = ("line", "names", "value", "stmt", "loads")

    def __init__(self, line: int, names: set[str], value: ast.AST | None, stmt: ast.AST, loads: set[str]) -> None:
        self.line = line
        self.names = names
        self.value = value
        self.stmt = stmt
        self.loads = loads


# Public tapegrad functions whose op is recorded without a gradient (None): derived from the registry.
_NONDIFF_EXTRA = {"argmax", "argmin", "argsort", "round", "floor", "ceil", "floordiv", "one_hot", "equal",
                  "not_equal", "less", "less_equal", "greater", "greater_equal", "is_nan", "is_inf", "is_finite",
                  "logical_and", "logical_or", "logical_not", "logical_xor", "top_k_indices", "size", "shape",
                  "rank", "where_indices", "unique", "bucketize", "histogram_fixed_width"}
_ESCAPE_FUNCS = {"float", "int", "complex", "bool"}
_ESCAPE_METHODS = {"numpy", "item", "tolist"}
_NUMPY_MODULES = {"np", "numpy", "onp"}
_INT_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "bool_"}


def _nondiff_names() -> set[str]:
    names = set(_NONDIFF_EXTRA)
    for name, op in OPS.items():
        if op.vjp is None and name != "stop_gradient":
            names.add(name)
    return names


def _call_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _loads(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _target_names(t: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}


class _Code:
    """The user's function around the explain/gradient call: bindings, tape `with` blocks, watch calls."""

    def __init__(self) -> None:
        self.ok = False
        self.filename = ""
        self.lineno = 0
        self.locals: dict[str, Any] = {}
        self.bindings: list[_Binding] = []
        self.withs: list[tuple[int, int]] = []
        self.paused: list[tuple[int, int]] = []
        self.watches: list[tuple[int, set[str]]] = []
        self.calls_here: list[ast.Call] = []

    @classmethod
    def of(cls, frame: Any, gtape: Any) -> _Code:
        code = cls()
        if frame is None:
            return code
        code.filename = frame.f_code.co_filename
        code.lineno = frame.f_lineno
        code.locals = dict(frame.f_locals)
        if frame.f_code.co_name == "<module>":
            code.locals = {**frame.f_globals, **code.locals}
        try:
            code._read(frame, gtape)
        except (SyntaxError, ValueError, TypeError, RecursionError):
            code.ok = False
        return code

    def _read(self, frame: Any, gtape: Any) -> None:
        lines = linecache.getlines(self.filename, frame.f_globals)
        if not lines:
            return
        tree = ast.parse("".join(lines))
        scope: ast.AST = tree
        name = frame.f_code.co_name
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name and \
                    node.lineno <= self.lineno <= (node.end_lineno or node.lineno):
                if scope is tree or node.lineno > getattr(scope, "lineno", 0):
                    scope = node
        tape_names = {k for k, v in self.locals.items() if v is gtape} if gtape is not None else set()
        for node in _scope_nodes(scope):
            self._visit(node, tape_names)
        if not self.withs:  # the tape object has no name here: any GradientTape block counts
            for node in _scope_nodes(scope):
                if isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if isinstance(item.context_expr, ast.Call) and \
                                _call_name(item.context_expr).endswith("GradientTape"):
                            self.withs.append((node.lineno, node.end_lineno or node.lineno))
        self.bindings.sort(key=lambda b: b.line)
        self.ok = True

    def _visit(self, node: ast.AST, tape_names: set[str]) -> None:
        if isinstance(node, ast.Assign):
            names: set[str] = set()
            for t in node.targets:
                names |= _target_names(t)
            self.bindings.append(_Binding(node.lineno, names, node.value, node, _loads(node.value)))
        elif isinstance(node, ast.AugAssign):
            names = _target_names(node.target)
            self.bindings.append(_Binding(node.lineno, names, node.value, node, _loads(node.value) | names))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bindings.append(_Binding(node.lineno, _target_names(node.target), node.value, node,
                                          _loads(node.value)))
        elif isinstance(node, ast.NamedExpr):
            self.bindings.append(_Binding(node.lineno, _target_names(node.target), node.value, node,
                                          _loads(node.value)))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.bindings.append(_Binding(node.lineno, _target_names(node.target), node.iter, node,
                                          _loads(node.iter)))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                ce = item.context_expr
                span = (node.lineno, node.end_lineno or node.lineno)
                if isinstance(ce, ast.Call) and _call_name(ce) == "stop_recording":
                    self.paused.append(span)
                elif isinstance(ce, ast.Call) and _call_name(ce).endswith("GradientTape"):
                    if item.optional_vars is not None and _target_names(item.optional_vars) & tape_names:
                        self.withs.append(span)
                elif isinstance(ce, ast.Name) and ce.id in tape_names:
                    self.withs.append(span)
                if item.optional_vars is not None:
                    self.bindings.append(_Binding(node.lineno, _target_names(item.optional_vars), ce, node,
                                                  _loads(ce)))
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "watch" and isinstance(f.value, ast.Name) and \
                    (not tape_names or f.value.id in tape_names):
                self.watches.append((node.lineno, set().union(*[_loads(a) for a in node.args]) if node.args
                                     else set()))
            if node.lineno <= self.lineno <= (node.end_lineno or node.lineno) and \
                    _call_name(node) in ("gradient", "explain", "jacobian", "batch_jacobian"):
                self.calls_here.append(node)

    # -- names and bindings
    def names_of(self, obj: Any) -> list[str]:
        names = [k for k, v in self.locals.items() if v is obj and not k.startswith("_")]
        return sorted(names, key=lambda k: (len(k), k))

    def latest(self, name: str, before: int) -> _Binding | None:
        best = None
        for b in self.bindings:
            if b.line >= before:
                break
            if name in b.names:
                best = b
        return best

    def binding_line(self, names: list[str]) -> str | None:
        for name in names:
            b = self.latest(name, self.lineno)
            if b is not None:
                return _fmt_line(self.filename, b.line)
        return None

    def replaced_variable(self, names: list[str]) -> tuple[str, str] | None:
        """(line, code) of `x = x + 1` / `x += 1` that rebound a name which earlier held a Variable."""
        for name in names:
            b = self.latest(name, self.lineno)
            if b is None or name not in b.loads:
                continue
            first = next((c for c in self.bindings if name in c.names), None)
            was_var = first is not None and isinstance(first.value, ast.Call) and \
                _call_name(first.value) == "Variable"
            if was_var or isinstance(b.stmt, ast.AugAssign):
                return _fmt_line(self.filename, b.line), ast.unparse(b.stmt)
        return None

    # -- the def-use path from the source to the target
    def _target_starts(self, targets: list[Any]) -> list[_Binding]:
        starts = []
        for t in targets:
            for name in self.names_of(t):
                b = self.latest(name, self.lineno)
                if b is not None:
                    starts.append(b)
        if not starts:
            for call in self.calls_here:  # an inline target: tape.gradient(<expr>, x)
                idx = 1 if _call_name(call) == "explain" else 0
                expr = call.args[idx] if len(call.args) > idx else next(
                    (k.value for k in call.keywords if k.arg == "target"), None)
                if expr is not None:
                    starts.append(_Binding(call.lineno, set(), expr, call, _loads(expr)))
        return starts

    def path(self, src_names: list[str], targets: list[Any]) -> list[tuple[_Binding, set[str]]]:
        """Bindings from the target back to the source: [(binding, names it reads that lead to the source)]."""
        if not self.ok or not src_names:
            return []
        src = set(src_names)
        current = {n: self.latest(n, self.lineno) for n in src}
        seen: set[int] = set()

        def walk(b: _Binding, depth: int) -> list[tuple[_Binding, set[str]]] | None:
            if depth > 200 or id(b) in seen:
                return None
            seen.add(id(b))
            hits = {n for n in b.loads & src if self.latest(n, b.line + (0 if b.names & {n} else 1))
                    is current[n]}
            if hits:
                return [(b, hits)]
            for name in sorted(b.loads):
                prev = self.latest(name, b.line if name in b.names else b.line + 1)
                if prev is None or prev is b:
                    prev = self.latest(name, b.line)
                if prev is None or prev is b:
                    continue
                sub = walk(prev, depth + 1)
                if sub is not None:
                    return [(b, {name})] + sub
            return None

        for start in self._target_starts(targets):
            found = walk(start, 0)
            if found:
                return found
        return []

    def break_point(self, path: list[tuple[_Binding, set[str]]], src_names: list[str]) -> tuple[str, ...] | None:
        """Where the path from the source to the target breaks, scanning from the source towards the target: a
        step computed outside the tape's `with` block, or a step whose every use of the source's value goes
        through a chain-breaking call (stop_gradient, .numpy(), float(), an integer cast, an op without a
        gradient, a comparison, ``//``)."""
        if not path:
            return None
        name = src_names[0]
        for b, via in reversed(path):
            line = _fmt_line(self.filename, b.line)
            if self.withs and not (any(a <= b.line <= z for a, z in self.withs)
                                   and not any(a <= b.line <= z for a, z in self.paused)):
                return ("outside_context",
                        f"a step from {name} to the target was computed outside the tape's `with` block (or "
                        "inside tape.stop_recording()), so the tape did not record it.",
                        "move that computation into the `with tf.GradientTape() as tape:` block.", line)
            if b.value is None:
                continue
            found = _breaking_node(b.value, via)
            if found is not None:
                return _culprit_message(found, name, line)
        return None

    def watched_after_use(self, names: list[str]) -> tuple[str, str] | None:
        if not self.ok:
            return None
        src = set(names)
        for wline, args in self.watches:
            if not args & src:
                continue
            block = next(((a, z) for a, z in self.withs if a <= wline <= z), None)
            start = block[0] if block else 0
            for b in self.bindings:
                if start < b.line < wline and b.loads & src:
                    return _fmt_line(self.filename, wline), _fmt_line(self.filename, b.line)
        return None

    def target_line(self, targets: list[Any] | None = None) -> str | None:
        """Where the target was computed: its binding line here, else the gradient/explain call when that call
        computes the target inline (``explain(tape, x * x, x)``)."""
        for t in targets or ():
            line = self.binding_line(self.names_of(t))
            if line is not None:
                return line
        for call in self.calls_here:
            idx = 1 if _call_name(call) == "explain" else 0
            expr = call.args[idx] if len(call.args) > idx else None
            if expr is not None and not isinstance(expr, ast.Name):
                return _fmt_line(self.filename, call.lineno)
        return None


def _int_dtype_arg(call: ast.Call) -> bool:
    args = list(call.args[1:2]) + [k.value for k in call.keywords if k.arg == "dtype"]
    for a in args:
        text = ast.unparse(a).rsplit(".", 1)[-1].strip("'\"")
        if text in _INT_DTYPES:
            return True
    return False


def _classify(node: ast.AST, nondiff: set[str]) -> str | None:
    """The kind of chain break ``node`` is (None: it passes gradients)."""
    if isinstance(node, ast.Call):
        cname = _call_name(node)
        f = node.func
        if cname == "stop_gradient":
            return "stop_gradient"
        if cname in _ESCAPE_METHODS and isinstance(f, ast.Attribute) and not node.args:
            return "method_escape"
        if isinstance(f, ast.Name) and cname in _ESCAPE_FUNCS:
            return "python_escape"
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in _NUMPY_MODULES and \
                cname in ("asarray", "array", "asanyarray"):
            return "numpy_escape"
        if cname == "cast" and _int_dtype_arg(node):
            return "int_cast"
        if cname in nondiff:
            return "nondiff"
    elif isinstance(node, ast.Compare):
        return "compare"
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
        return "floordiv"
    return None


def _breaking_node(value: ast.AST, via: set[str]) -> tuple[str, ast.AST] | None:
    """The chain-breaking node that every use of ``via`` in ``value`` passes through (None: some use passes
    gradients, so this statement does not break the chain)."""
    nondiff = _nondiff_names()
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(value):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    uses = [n for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in via]
    first: tuple[str, ast.AST] | None = None
    for use in uses:
        hit = None
        node: ast.AST | None = use
        while node is not None:
            kind = _classify(node, nondiff) if node is not use else None
            if kind is not None:
                hit = (kind, node)  # the innermost break: where the chain stops
                break
            node = parents.get(id(node))
        if hit is None:
            return None
        first = first or hit
    return first


def _culprit_message(found: tuple[str, ast.AST], name: str, line: str) -> tuple[str, ...]:
    kind, node = found
    shown = ast.unparse(node)
    cname = _call_name(node) if isinstance(node, ast.Call) else ""
    if kind == "stop_gradient":
        return ("stop_gradient",
                f"the path from {name} to the target goes through `{shown}`: stop_gradient blocks gradients by "
                "design.",
                "remove the stop_gradient if a gradient should flow (or use tf.grad_pass_through for a "
                "straight-through estimator).", line)
    if kind in ("method_escape", "python_escape", "numpy_escape"):
        what = {"method_escape": "a NumPy/Python value", "python_escape": "a Python number",
                "numpy_escape": "a NumPy array"}[kind]
        return ("left_tape",
                f"the path from {name} to the target leaves the tape at `{shown}`: it turns the tensor into "
                f"{what}, which no tape can follow.",
                "keep the computation in tapegrad ops (np.* functions on tensors run as tapegrad ops); use "
                ".numpy()/float() only for logging or after the gradient.", line)
    if kind == "int_cast":
        return ("integer_dtype",
                f"the path from {name} to the target goes through `{shown}`: integer and bool values carry no "
                "gradient, so the chain stops there.",
                "keep the path in floating point (if you need a gradient through a rounding step, use a "
                "straight-through estimator with tf.grad_pass_through).", line)
    if kind == "compare":
        return ("non_differentiable_op",
                f"the path from {name} to the target goes through the comparison `{shown}`: comparisons give "
                "bool values, which carry no gradient.",
                "use a differentiable surrogate such as tf.sigmoid(k * (a - b)), or use the comparison only to "
                "select values with tf.where.", line)
    if kind == "floordiv":
        return ("non_differentiable_op",
                f"the path from {name} to the target goes through `{shown}`: floor division has no gradient.",
                "use true division `/` on the differentiated path.", line)
    return ("non_differentiable_op",
            f"the path from {name} to the target goes through `{shown}`: {cname} has no gradient (its derivative "
            "is zero almost everywhere, so it is registered as not differentiable, as in TensorFlow).",
            "use a differentiable surrogate (e.g. tf.nn.softmax instead of argmax, tf.sigmoid instead of a "
            "comparison) or a straight-through estimator with tf.grad_pass_through.", line)


def _scope_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``scope``'s own body (not of nested functions or classes)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


# ----------------------------------------------------------------------------------------------------------------
# check_numerics


class _NumericsRecorder:
    """A recorder (forward-style hook in the thread's recorder stack) that checks every op's output."""

    forward = True
    watch_accessed = False
    known: frozenset[int] = frozenset()
    persistent = False

    def __init__(self) -> None:
        self.variables: dict[int, Any] = {}
        self.sites: dict[Any, tuple[str, int]] = {}

    def watch_variable(self, var: Any) -> None:
        pass

    def on_op(self, op: Any, in_ids: Any, vals: Any, res: Any, out: Any, p: Any) -> None:
        site = None
        outs = out if op.multi else (out,)
        for k, o in enumerate(outs):
            if not _all_finite(o):
                site = user_site(2)
                raise InvalidArgumentError(_forward_message(op, vals, o, k if op.multi else None, site))
        # remember where each output was made, for backward-pass messages
        if len(self.sites) > 200_000:
            for key in list(self.sites)[:100_000]:
                del self.sites[key]
        site = user_site(2)
        if op.multi:
            for t in res:
                self.sites[ensure_id(t)] = site
        else:
            self.sites[ensure_id(res)] = site


class _NumericsState(threading.local):
    recorder: _NumericsRecorder | None = None
    depth = 0


_state = _NumericsState()
_WRAPPED: dict[str, Any] = {}  # op name -> original vjp (while any thread has check_numerics on)
_ENABLED_THREADS = 0
_LOCK = threading.Lock()


def _all_finite(v: Any) -> bool:
    if v is None:
        return True
    v = getattr(v, "_value", v)
    if type(v).__name__ == "IndexedSlices":
        v = v.values._value
    if not isinstance(v, (np.ndarray, np.generic)):
        return not isinstance(v, (float, complex)) or bool(np.isfinite(v))  # SavedSpec: values not kept
    return v.dtype.kind not in "fcV" or bool(np.isfinite(v).all())


def _summary(v: Any) -> str:
    v = getattr(v, "_value", v)
    if type(v).__name__ == "IndexedSlices":
        v = v.values._value
    if not hasattr(v, "dtype"):
        if isinstance(v, (int, float, complex)):
            return f"Python scalar {v!r}"
        return type(v).__name__
    shape = list(getattr(v, "shape", ()))
    if type(v).__name__ == "SavedSpec" or not isinstance(v, (np.ndarray, np.generic)):
        return f"{v.dtype}{shape}"
    a = np.asarray(v)
    if a.size == 0:
        return f"{a.dtype}{shape} (empty)"
    bad = []
    n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    if n_nan:
        bad.append(f"{n_nan} NaN")
    if n_inf:
        bad.append(f"{n_inf} Inf")
    fin = a[np.isfinite(a)]
    rng = "no finite values" if fin.size == 0 else (
        f"range [{_num(fin.real.min())}, {_num(fin.real.max())}]" if a.dtype.kind == "f" else
        f"|.| range [{_num(np.abs(fin).min())}, {_num(np.abs(fin).max())}]")
    return f"{a.dtype}{shape} {rng}" + (f" ({', '.join(bad)})" if bad else "")


def _num(x: Any) -> str:
    return f"{float(x):.6g}"


def _bad_kind(v: Any) -> str:
    v = getattr(v, "_value", v)
    if type(v).__name__ == "IndexedSlices":
        v = v.values._value
    a = np.asarray(v)
    if np.isnan(a).any():
        return "NaN"
    if a.dtype.kind == "f" and not np.isposinf(a).any():
        return "-Inf"
    return "Inf"


def _forward_message(op: Any, vals: Any, out: Any, k: int | None, site: tuple[str, int]) -> str:
    which = "" if k is None else f" (output {k})"
    ins = "; ".join(f"input {i}: {_summary(v)}" for i, v in enumerate(vals))
    pre = any(not _all_finite(v) for v in vals if hasattr(v, "dtype"))
    cause = (" Its inputs already contained NaN/Inf: they came from outside any op (constants or data)."
             if pre else "")
    return (
        f"check_numerics: op '{op.name}'{which} produced {_bad_kind(out)} in the forward pass.{cause}\n"
        f"  at {_fmt_line(*site)}\n  {ins}\n  output: {_summary(out)}\n"
        "Fix: keep the op's inputs inside its domain (e.g. tf.math.log(tf.maximum(x, eps)), tf.sqrt(x + eps)); "
        "with tf.where, make the unselected branch safe too (tf.where on the input, not only on the output)."
    )


def _checked_vjp(op: Any, vjp: Any) -> Any:
    def checked(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
        rs = vjp(F, g, ins, out, p, needs)
        if _ENABLED_THREADS and rs is not None:
            for i, r in enumerate(rs):
                if r is not None and not _all_finite(r):
                    raise InvalidArgumentError(_backward_message(op, g, ins, r, i, sys._getframe(1)))
        return rs

    checked.__wrapped__ = vjp  # type: ignore[attr-defined]
    return checked


def _backward_message(op: Any, g: Any, ins: Any, r: Any, i: int, caller: Any) -> str:
    gs = g if isinstance(g, tuple) else (g,)
    upstream_ok = all(_all_finite(x) for x in gs)
    made = None
    rec = _state.recorder
    entry = caller.f_locals.get("e") if caller is not None else None  # the sweep's current tape entry
    if rec is not None and isinstance(entry, tuple) and len(entry) == 6 and entry[0] is op:
        oid = entry[2]
        made = rec.sites.get(oid if type(oid) is not tuple else oid[0])
    where = f"\n  op created at {_fmt_line(*made)}" if made else ""
    ins_text = "; ".join(f"input {k}: {_summary(v)}" for k, v in enumerate(ins))
    up = "; ".join(_summary(x) for x in gs)
    reason = ("the upstream gradient was finite, so this op's derivative is infinite or undefined at these inputs"
              if upstream_ok else "the upstream gradient already contained NaN/Inf (output_gradients)")
    return (
        f"check_numerics: the gradient of op '{op.name}' with respect to input {i} is {_bad_kind(r)} "
        f"(backward pass): {reason}.{where}\n  gradient computed at {_fmt_line(*user_site(2))}\n"
        f"  {ins_text}\n  upstream gradient: {up}\n  gradient: {_summary(r)}\n"
        "Fix: move the inputs away from the singular point (e.g. tf.sqrt(x + eps), tf.norm of x + eps), or guard "
        "the input with tf.where so that the unselected branch never sees it (gradients of tf.where multiply "
        "0 by the other branch's inf, which gives NaN)."
    )


def _wrap_all() -> None:
    for name, op in list(OPS.items()):
        vjp = op.vjp
        if vjp is None or vjp is NO_GRADIENT or name in _WRAPPED:
            continue
        _WRAPPED[name] = vjp
        op.vjp = _checked_vjp(op, vjp)


def _unwrap_all() -> None:
    for name, vjp in _WRAPPED.items():
        op = OPS.get(name)
        if op is not None and getattr(op.vjp, "__wrapped__", None) is vjp:
            op.vjp = vjp
    _WRAPPED.clear()


class _CheckNumericsContext:
    """Returned by :func:`enable_check_numerics`; leaving a ``with`` block turns checking off again."""

    def __enter__(self) -> _CheckNumericsContext:
        return self

    def __exit__(self, *exc: Any) -> None:
        disable_check_numerics()


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> _CheckNumericsContext:
    """Raise ``InvalidArgumentError`` at the first op whose output (forward) or gradient (backward) has NaN/Inf.

    The error names the op, its inputs' shapes and ranges, and your source line. Checking applies to the calling
    thread (each thread has its own recorder stack); off by default, and free when off. The arguments exist for
    TensorFlow compatibility and are ignored. Usable as a context manager:

    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 0.0])
    >>> with tf.debugging.enable_check_numerics():
    ...     try:
    ...         y = tf.math.log(x)
    ...     except tf.errors.InvalidArgumentError as e:
    ...         print(str(e).splitlines()[0])
    check_numerics: op 'log' produced -Inf in the forward pass.
    >>> tf.debugging.is_check_numerics_enabled()
    False
    """
    global _ENABLED_THREADS
    st = _state
    st.depth += 1
    if st.recorder is None:
        st.recorder = _NumericsRecorder()
        _tape.local.tapes = (st.recorder,) + _tape.local.tapes  # outermost: sees every op, records nothing
        with _LOCK:
            _ENABLED_THREADS += 1
            _wrap_all()
    return _CheckNumericsContext()


def disable_check_numerics() -> None:
    """Turn :func:`enable_check_numerics` off (for the calling thread; a no-op when it is off)."""
    global _ENABLED_THREADS
    st = _state
    if st.recorder is None:
        return
    st.depth -= 1
    if st.depth > 0:
        return
    rec = st.recorder
    st.recorder = None
    st.depth = 0
    _tape.local.tapes = tuple(t for t in _tape.local.tapes if t is not rec)
    with _LOCK:
        _ENABLED_THREADS -= 1
        if _ENABLED_THREADS == 0:
            _unwrap_all()


def is_check_numerics_enabled() -> bool:
    """Whether :func:`enable_check_numerics` is on in this thread."""
    return _state.recorder is not None


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Any:
    """``tensor`` itself if it has no NaN/Inf; otherwise ``InvalidArgumentError`` with ``message``.

    >>> import tapegrad as tf
    >>> tf.debugging.check_numerics(tf.constant([1.0]), "ok").numpy().tolist()
    [1.0]
    >>> tf.debugging.check_numerics(tf.constant([float("nan")]), "bad batch")
    Traceback (most recent call last):
    ...
    tapegrad.errors.InvalidArgumentError: bad batch : Tensor had NaN values
    """
    if not isinstance(tensor, _TensorLike):
        from .ops.core import convert_to_tensor

        tensor = convert_to_tensor(tensor)
    if tensor._value.dtype.kind == "O":
        raise InvalidArgumentError("check_numerics: dtype string has no check_numerics kernel (as in TF); it checks "
                                   "floating tensors.")
    return assert_all_finite(tensor, message)  # inside a compiled function: checked on every call
