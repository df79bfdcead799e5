"""Control flow, TensorArray, functional ops and Python-function ops (``tf.cond``, ``tf.while_loop``, ...).

In eager mode TensorFlow runs control flow as plain Python: ``cond`` calls one branch, ``while_loop`` loops in
Python, and only the ops that actually run are recorded on the tape. tapegrad does the same, with TF's argument
checks, return structures and exception types (docs/control_flow.md, reference ``tf_control_flow.md``).

Everything here is built from ordinary dispatched ops and tensor -> Python conversions (``bool(pred)``,
``int(index)``): no raw-array shortcut bypasses the dispatcher, so a tracer that records ops and guards the
conversions (the compiled ``function``) sees every computation. Consequences, as in TF eager:

* a Variable used only in the branch not taken (or in the body of a loop that ran 0 times) gets a ``None``
  gradient (``unconnected_gradients="zero"`` gives zeros);
* ``shape_invariants`` is accepted and not needed (shapes may change between iterations); ``back_prop=False``
  is accepted and ignored (the gradient still flows), as in TF eager.

``py_function`` and ``numpy_function`` are single ops whose forward runs your Python function: the tape
differentiates the body of a ``py_function`` (TF semantics), ``numpy_function`` has no gradient.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtypes, _nest, _tensor
from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import OpDef, defop, spec
from .._shape import TensorShape
from .._strings import is_text, to_bytes_array
from .._tape import Tape, local
from .._tensor import Tensor, Variable, _TensorLike, make
from ..compiler.host import prime_slot, run_once, same_values
from ..errors import InvalidArgumentError, OutOfRangeError
from ._common import to_tensor
from .core import convert_to_tensor, identity, zeros
from .joining import concat, split, stack, unstack

# --------------------------------------------------------------------------------------------------------------
# helpers


def _tracing() -> bool:
    """Whether the compiled ``function`` is tracing on this thread (its module is loaded only when used)."""
    mod = sys.modules.get("tapegrad.compiler.trace")
    return mod is not None and bool(mod.is_tracing())


def _read_variables(structure: Any) -> Any:
    """Variables in a nest replaced by (recorded) reads of their value, as TF does with loop vars and elems."""
    if isinstance(structure, Variable):
        return identity(structure)
    if not _nest.is_nested(structure):
        return structure
    flat = _nest.flatten(structure)
    if not any(isinstance(x, Variable) for x in flat):
        return structure
    return _nest.pack_sequence_as(structure, [identity(x) if isinstance(x, Variable) else x for x in flat])


def _kind(x: Any) -> str:
    if isinstance(x, dict):
        return "dict"
    if isinstance(x, (list, tuple)):
        return "sequence"
    return "leaf"


def assert_same_structure(a: Any, b: Any, what: str = "") -> None:
    """TF's ``nest.assert_same_structure(a, b, check_types=True)``: ValueError when the nesting or the number of
    elements differs, TypeError when two sequences at the same place have different types (list vs tuple)."""
    stack_: list[tuple[Any, Any]] = [(a, b)]
    while stack_:
        x, y = stack_.pop()
        kx, ky = _kind(x), _kind(y)
        if kx == "leaf" and ky == "leaf":
            continue
        if kx != ky:
            raise ValueError(
                f"{what}the two structures don't have the same nested structure: {_show(a)} vs {_show(b)} "
                f"({_show(x)} is {'not ' if kx == 'leaf' else ''}a nested structure, {_show(y)} is"
                f"{' not' if ky == 'leaf' else ''})."
            )
        if type(x) is not type(y):
            raise TypeError(
                f"{what}the two structures don't have the same sequence type: {type(x).__name__} {_show(x)} vs "
                f"{type(y).__name__} {_show(y)}. Return the same container type (e.g. a tuple for a tuple)."
            )
        if kx == "dict":
            if set(x) != set(y):
                raise ValueError(f"{what}the two structures don't have the same keys: {sorted(map(str, x))} vs "
                                 f"{sorted(map(str, y))}.")
            stack_.extend((x[k], y[k]) for k in x)
        else:
            if len(x) != len(y):
                raise ValueError(
                    f"{what}the two structures don't have the same nested structure: {_show(x)} has {len(x)} "
                    f"elements, {_show(y)} has {len(y)}."
                )
            stack_.extend(zip(x, y))


def _show(x: Any) -> str:
    if isinstance(x, _TensorLike):
        return f"<{x.dtype.name}{list(x.shape)}>"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in x.items()) + "}"
    if isinstance(x, tuple):
        return "(" + ", ".join(_show(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, list):
        return "[" + ", ".join(_show(v) for v in x) + "]"
    return type(x).__name__ if x is not None else "None"


def _merge_shapes(a: TensorShape, b: TensorShape) -> TensorShape:
    if a.rank is None:
        return b
    if b.rank is None:
        return a
    return TensorShape([x if x is not None else y for x, y in zip(a.as_list(), b.as_list())])


def _as_shape(shape: Any) -> TensorShape:
    if isinstance(shape, TensorShape):
        return shape
    if shape is None:
        return TensorShape(None)
    if isinstance(shape, _TensorLike):
        shape = shape.numpy().tolist()
    if isinstance(shape, int):
        shape = [shape]
    return TensorShape(shape)


def _index(i: Any, what: str) -> int:
    if isinstance(i, _TensorLike):
        if i.dtype.kind not in "iu" or i._value.ndim != 0:
            raise InvalidArgumentError(f"TensorArray.{what}: the index must be an integer scalar, got "
                                       f"{i.dtype.name}{list(i.shape)}.")
        return int(i)
    return int(i)


def _pause() -> tuple[Any, ...]:
    """Run eagerly and unrecorded from here: no tape, no tracer, no tf.data symbolic mode (returns what to give
    back to ``_resume``)."""
    saved = (local.tapes, getattr(local, "tracer", None), getattr(local, "symbolic", False))
    local.tapes = ()
    if saved[1] is not None:
        local.tracer = None
    if saved[2]:
        local.symbolic = False
    return saved


def _resume(saved: tuple[Any, ...]) -> None:
    local.tapes = saved[0]
    if saved[1] is not None:
        local.tracer = saved[1]
    if saved[2]:
        local.symbolic = saved[2]


# --------------------------------------------------------------------------------------------------------------
# graph mode: what TF's tf.function does with the branch that is not taken


class _SandboxAbort(Exception):
    """The code run in the sandbox updated a Variable (undone): it cannot be traced as an untaken branch."""


class _Sandbox:
    """Stands in for the tracer and the tapes while a compiled function's trace runs code that TF would trace but
    not execute (the branch not taken, the body of a loop that runs 0 times): nothing is recorded, the tensors
    and variables it reads are collected, and a Variable update is undone and aborts the run."""

    forward = False
    persistent = False
    watch_accessed = False

    def __init__(self) -> None:
        self.known: set[int] = set()
        self.variables: dict[int, Any] = {}
        self.entries: list[Any] = []
        self.seen: dict[int, Any] = {}

    def on_op(self, op: Any, args: Any, vals: Any, res: Any, out: Any, p: Any) -> None:
        for a in args:
            if isinstance(a, _TensorLike) and a._id is not None:
                self.seen[id(a)] = a

    def on_convert(self, t: Any, kind: str, result: Any) -> None:
        pass

    def on_print(self, tensors: Any, printer: Any) -> None:
        pass

    def on_assign(self, var: Any, mode: str, old: Any, operands: Any) -> None:
        var._value = old
        raise _SandboxAbort


def _untaken(fn: Callable[..., Any], *args: Any) -> tuple[bool, Any, list[Any]]:
    """Run ``fn`` in a sandbox (see :class:`_Sandbox`): (ran, its result, the watched tensors/variables it read)."""
    sandbox = _Sandbox()
    saved = (local.tapes, local.tracer, local.accumulators)
    real = [t for t in saved[0] if type(t) is Tape]
    local.tapes, local.tracer, local.accumulators = (sandbox,), sandbox, ()
    try:
        result = fn(*args)
        ran = True
    except Exception:  # noqa: BLE001 - TF would only trace it; an error here just means no graph-mode extras
        result, ran = None, False
    finally:
        local.tapes, local.tracer, local.accumulators = saved
    captures = []
    for a in sandbox.seen.values():
        if a._value.dtype.kind not in "fcV":
            continue
        if any(a._id in t.known or (type(a) is Variable and a._trainable and t.watch_accessed) for t in real):
            captures.append(a)
    return ran, result, captures


def _zero_link_fwd(F: Any, x: Any, *captures: Any) -> Any:
    return x


def _zero_link_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> tuple[Any, ...]:
    return (g, *[F.zeros_like(c) if n else None for c, n in zip(ins[1:], needs[1:])])


def _zero_link_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0]


ZERO_LINK = defop("zero_gradient_link", _zero_link_fwd, _zero_link_vjp, _zero_link_jvp,
                  test=spec(lambda tf, x, c: _link_zero_gradients(x * 2.0, [c]),
                            lambda rng: (rng.normal(size=(3,)), rng.normal(size=(2,))), ref=lambda x, c: x * 2.0,
                            tf=False))


def _link_zero_gradients(result: Any, captures: list[Any]) -> Any:
    """``result`` with its first floating tensor tied to ``captures`` by an op whose gradient for them is zero:
    what TF's graph-mode control flow gives for inputs of code that did not run (zeros, not None)."""
    if not captures:
        return result
    flat = _nest.flatten(result)
    for k, leaf in enumerate(flat):
        if isinstance(leaf, _TensorLike) and leaf._value.dtype.kind in "fcV":
            flat[k] = applyn(ZERO_LINK, (leaf, *captures))
            return flat[0] if not _nest.is_nested(result) else _nest.pack_sequence_as(result, flat)
    return result


def _check_branches(taken: Any, other: Any) -> None:
    """TF graph mode traces both branches and requires the same structure and dtypes."""
    ft, fo = _nest.flatten(taken), _nest.flatten(other)
    if len(ft) != len(fo):
        raise AssertionError(f"cond: the branches return different numbers of values ({len(ft)} and {len(fo)}); "
                             "inside a compiled function both branches must return the same structure.")
    try:
        assert_same_structure(taken, other)
    except (TypeError, ValueError):
        raise TypeError(f"cond: true_fn and false_fn must return the same structure and types inside a compiled "
                        f"function; got {_show(taken)} and {_show(other)}.") from None
    for a, b in zip(ft, fo):
        da = convert_to_tensor(a).dtype if a is not None else None
        db = convert_to_tensor(b).dtype if b is not None else None
        if da != db:
            raise TypeError(f"cond: true_fn and false_fn must return the same dtypes inside a compiled function; "
                            f"got {getattr(da, 'name', da)} and {getattr(db, 'name', db)}.")


def _merge_static_shapes(taken: Any, other: Any) -> None:
    """TF's static shape of a cond's result: the branches' shapes merged (None where they differ)."""
    for a, b in zip(_nest.flatten(taken), _nest.flatten(other)):
        if isinstance(a, _TensorLike) and isinstance(b, _TensorLike) and a._value.shape != b._value.shape:
            sa = _tensor._relaxed_shapes.get(id(a._value)) or TensorShape(a._value.shape)
            sb = TensorShape(b._value.shape)
            _tensor._relaxed_shapes[id(a._value)] = TensorShape(
                None if sa.rank != sb.rank else [x if x == y else None for x, y in zip(sa.as_list(), sb.as_list())])


def _graph_branches(result: Any, others: list[Callable[[], Any]], check: bool) -> Any:
    """While tracing: trace the branches not taken in a sandbox; check them (cond) and tie what they read to the
    result with zero gradients, as TF's tf.function does."""
    captures: dict[int, Any] = {}
    for fn in others:
        ran, other, caps = _untaken(fn)
        if ran and check:
            _check_branches(result, other)
            _merge_static_shapes(result, other)
        for c in caps:
            captures[id(c)] = c
    return _link_zero_gradients(result, list(captures.values()))


# --------------------------------------------------------------------------------------------------------------
# cond / case / switch_case


def cond(pred: Any, true_fn: Callable[[], Any] | None = None, false_fn: Callable[[], Any] | None = None,
         name: str | None = None) -> Any:
    """``tf.cond``: call ``true_fn()`` if ``pred`` is true, else ``false_fn()``, and return its result as is.

    Eager semantics (TF's): only the branch taken runs and is recorded, so a variable used only in the other
    branch gets a ``None`` gradient; the branches need not agree in structure or dtype. ``pred`` may be a
    scalar tensor or a Python value (by truthiness); a tensor with more than one element raises ValueError.

    >>> import tapegrad as tf
    >>> a = tf.Variable(2.0)
    >>> with tf.GradientTape() as tape:
    ...     y = tf.cond(a > 0, lambda: a * a, lambda: -a)
    >>> float(y), float(tape.gradient(y, a))
    (4.0, 4.0)
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required (a callable returning the value when pred is true).")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required (a callable returning the value when pred is "
                        "false).")
    if not callable(true_fn):
        raise TypeError(f"cond(): 'true_fn' must be callable (a function of no arguments), got {true_fn!r}; "
                        "wrap a value as `lambda: value`.")
    if not callable(false_fn):
        raise TypeError(f"cond(): 'false_fn' must be callable (a function of no arguments), got {false_fn!r}; "
                        "wrap a value as `lambda: value`.")
    if _truth(pred, "cond"):
        taken, other = true_fn, false_fn
    else:
        taken, other = false_fn, true_fn
    result = taken()
    if _tracing():
        result = _graph_branches(result, [other], check=True)
    return result


def _truth(pred: Any, op: str) -> bool:
    if isinstance(pred, _TensorLike) and pred._value.size != 1:
        raise ValueError(f"{op}(): the predicate must be a scalar, got a tensor of shape {list(pred.shape)} (its "
                         "truth value is ambiguous); reduce it with tf.reduce_all or tf.reduce_any.")
    return bool(pred)


def case(pred_fn_pairs: Any, default: Callable[[], Any] | None = None, exclusive: bool = False,
         strict: bool = False, name: str = "case") -> Any:
    """``tf.case``: the result of the callable paired with the first true predicate, else of ``default``.

    Predicates must be boolean tensors. With no true predicate and no ``default`` it raises
    InvalidArgumentError; ``exclusive=True`` raises InvalidArgumentError when more than one is true.

    >>> import tapegrad as tf
    >>> x = tf.constant(5.0)
    >>> float(tf.case([(x < 0, lambda: -x), (x > 3, lambda: x * 2)], default=lambda: x))
    10.0
    """
    if not isinstance(pred_fn_pairs, (list, tuple, dict)):
        raise TypeError(f"case(): 'pred_fn_pairs' must be a list, tuple or dict of (predicate, callable) pairs, "
                        f"got {type(pred_fn_pairs).__name__}.")
    if isinstance(pred_fn_pairs, dict):
        if not exclusive:
            raise ValueError("case(): a dict of predicate/callable pairs is unordered; pass a list of pairs, or "
                             "exclusive=True.")
        pairs = list(pred_fn_pairs.items())
    else:
        pairs = list(pred_fn_pairs)
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"case(): each entry of 'pred_fn_pairs' must be a (predicate, callable) 2-tuple, got "
                            f"{pair!r}.")
        pred, fn = pair
        if isinstance(pred, _TensorLike):
            if pred.dtype.kind != "b":
                raise TypeError(f"case(): each predicate must be a bool tensor, got dtype {pred.dtype.name}.")
        else:
            raise TypeError(f"case(): pred must be a Tensor, got: {pred!r}; use tf.constant({pred!r}).")
        if not callable(fn):
            # TF raises AttributeError here (it formats the message with the eager tensor's undefined .name)
            raise AttributeError(f"case(): the value paired with a predicate must be callable, got {fn!r}; wrap it "
                                 "as `lambda: value`.")
    if default is not None and not callable(default):
        raise TypeError(f"case(): 'default' must be callable, got {default!r}.")
    truths = None
    if exclusive:
        truths = [_truth(p, "case") for p, _ in pairs]
        if sum(truths) > 1:
            raise InvalidArgumentError(f"case(exclusive=True): {sum(truths)} predicates evaluated as True "
                                       f"({truths}); at most one may be.")
    chosen = None
    for k, (pred, _) in enumerate(pairs):
        if truths[k] if truths is not None else _truth(pred, "case"):
            chosen = k
            break
    if chosen is None and default is None:
        raise InvalidArgumentError(
            f"case(): none of the {len(pairs)} predicates evaluated as True and no default was given; pass "
            "default=<callable>."
        )
    fns = [fn for _, fn in pairs] + ([default] if default is not None else [])
    k = chosen if chosen is not None else len(fns) - 1
    result = fns[k]()
    if _tracing():
        result = _graph_branches(result, fns[:k] + fns[k + 1:], check=False)
    return result


def switch_case(branch_index: Any, branch_fns: Any, default: Callable[[], Any] | None = None,
                name: str = "switch_case") -> Any:
    """``tf.switch_case``: call ``branch_fns[branch_index]()``. An index out of range calls ``default`` (or,
    without one, the last branch), as TF does.

    ``branch_index`` must be an integer scalar tensor; ``branch_fns`` a list of callables, a list of
    ``(int, callable)`` pairs or a dict whose keys are ``0..n-1``.

    >>> import tapegrad as tf
    >>> float(tf.switch_case(tf.constant(1), [lambda: tf.constant(10.0), lambda: tf.constant(11.0)]))
    11.0
    """
    if not isinstance(branch_index, _TensorLike):
        raise TypeError(f"switch_case(): 'branch_index' must be a Tensor, got {type(branch_index)}; use "
                        f"tf.constant({branch_index!r}).")
    if branch_index.dtype.kind not in "iu":
        raise TypeError(f"switch_case(): 'branch_index' must be an integer Tensor, got {branch_index.dtype.name}.")
    if not branch_fns:
        raise ValueError("switch_case(): must provide at least one item in 'branch_fns'.")
    if not isinstance(branch_fns, (list, tuple, dict)):
        raise TypeError("switch_case(): 'branch_fns' must be a list, tuple or dict.")
    items = list(branch_fns.items()) if isinstance(branch_fns, dict) else list(branch_fns)
    if all(callable(fn) for fn in items):
        items = list(enumerate(items))
    for pair in items:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"switch_case(): each entry of 'branch_fns' must be a callable or an (int, callable) "
                            f"pair, got {pair!r}.")
        key, fn = pair
        if not isinstance(key, int):
            raise TypeError(f"switch_case(): branch keys must be Python ints, got {type(key)}.")
        if not callable(fn):
            raise TypeError(f"switch_case(): the branch for key {key} must be callable.")
    keys = [k for k, _ in items]
    if min(keys) < 0 or max(keys) >= len(keys) or len(set(keys)) != len(keys):
        raise ValueError(f"switch_case(): branch indices (keys) must form the contiguous range [0 to {len(keys)}) "
                         f"but found {{{','.join(map(str, sorted(keys)))}}}.")
    actions = [fn for _, fn in sorted(items, key=lambda kv: kv[0])]
    if default is not None:
        actions.append(default)
    if branch_index._value.ndim != 0:
        raise InvalidArgumentError(f"switch_case(): 'branch_index' must be a scalar, got shape "
                                   f"{list(branch_index.shape)}.")
    i = int(branch_index)
    if i < 0 or i >= len(actions):
        i = len(actions) - 1
    result = actions[i]()
    if _tracing():
        result = _graph_branches(result, actions[:i] + actions[i + 1:], check=False)
    return result


# --------------------------------------------------------------------------------------------------------------
# while_loop


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               maximum_iterations: Any = None, name: str | None = None) -> Any:
    """``tf.while_loop``: ``while cond(*loop_vars): loop_vars = body(*loop_vars)``, recorded op by op.

    As in TF eager: ``loop_vars`` is a list or tuple (possibly nested); a single variable needs a 1-tuple or
    1-list body result; the result is the last body result with every leaf converted to a tensor (its sequence
    type is the body's), or ``loop_vars`` when the loop ran 0 times. ``maximum_iterations`` bounds the count
    (a negative bound means 0 iterations); ``shape_invariants`` is not needed (shapes may change) and
    ``back_prop=False`` does not stop the gradient in eager mode. Gradients flow to the initial values and to
    captured variables through every iteration that ran.

    >>> import tapegrad as tf
    >>> x = tf.Variable(1.5)
    >>> with tf.GradientTape() as tape:
    ...     i, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * y), (0, x))
    >>> int(i), float(y), float(tape.gradient(y, x))
    (3, 25.62890625, 136.6875)
    """
    if not callable(cond):
        raise TypeError(f"while_loop(): 'cond' must be callable, got {cond!r}.")
    if not callable(body):
        raise TypeError(f"while_loop(): 'body' must be callable, got {body!r}.")
    if parallel_iterations < 1:
        raise TypeError(f"while_loop(): 'parallel_iterations' must be a positive integer, got "
                        f"{parallel_iterations!r}.")
    if back_prop is False:
        from .._logging import deprecated

        deprecated("while_loop.back_prop", "while_loop(back_prop=False) is deprecated and has no effect in eager "
                   "mode (the gradient still flows); use tf.stop_gradient on the results instead.")
    loop_vars = _read_variables(loop_vars)
    if not loop_vars:
        raise ValueError("while_loop(): 'loop_vars' must be provided (a non-empty list or tuple of loop "
                         "variables).")
    if isinstance(loop_vars, _TensorLike):
        raise TypeError("while_loop(): 'loop_vars' must be a list or tuple (e.g. [x]), not a single tensor; the "
                        "body then returns a 1-tuple (x + 1,).")
    len(loop_vars)
    if maximum_iterations is not None:
        bound_t = convert_to_tensor(maximum_iterations)
        if bound_t._value.ndim != 0:
            raise ValueError(f"while_loop(): 'maximum_iterations' must be a scalar, got shape "
                             f"{list(bound_t.shape)}.")
        bound = int(bound_t)
        user_cond, user_body = cond, body

        def cond(i: int, lv: Any) -> Any:
            return i < bound and user_cond(*lv)

        def body(i: int, lv: Any) -> Any:
            return i + 1, user_body(*lv)

        loop_vars = (0, loop_vars)
    graph = _tracing()
    initial = loop_vars
    if graph:
        invariants = _invariants(loop_vars, shape_invariants, maximum_iterations is not None)
    structure = list(loop_vars)
    iterations = 0
    while cond(*loop_vars):
        iterations += 1
        loop_vars = body(*loop_vars)
        if graph and len(structure) == 1 and not isinstance(loop_vars, (list, tuple)):
            loop_vars = [loop_vars]  # TF graph mode packs a single body result
        assert_same_structure(structure, list(loop_vars), "while_loop(): the body's result does not match "
                              "loop_vars: ")
        if graph:
            _check_invariants(invariants, loop_vars)
    loop_vars = _nest.map_structure(_loop_result, loop_vars)
    if graph:
        # TF graph mode: the result has the structure of loop_vars; back_prop=False stops the gradient
        loop_vars = _nest.pack_sequence_as(initial, _nest.flatten(loop_vars))
        if back_prop is False:
            loop_vars = _nest.map_structure(_stop_float, loop_vars)
        elif iterations == 0:
            # TF traces the body even when it runs 0 times: what it reads gets zero gradients, not None
            _, _, caps = _untaken(body, *initial)
            loop_vars = _link_zero_gradients(loop_vars, caps)
    return loop_vars[1] if maximum_iterations is not None else loop_vars


def _invariants(loop_vars: Any, shape_invariants: Any, counted: bool) -> list[Any]:
    """(dtype, shape) each loop variable must keep in graph mode (TF's while_v2 checks)."""
    flat = _nest.flatten(loop_vars)
    if shape_invariants is not None:
        given = _nest.flatten(shape_invariants if not counted else (None, shape_invariants))
        shapes = [_as_shape(s) if s is not None else None for s in given]
    else:
        shapes = [None] * len(flat)
    out = []
    for x, s in zip(flat, shapes):
        if isinstance(x, _TensorLike):
            out.append((x.dtype, s if s is not None else TensorShape(x._value.shape)))
        else:
            out.append(None)
    return out


def _check_invariants(invariants: list[Any], loop_vars: Any) -> None:
    for inv, x in zip(invariants, _nest.flatten(loop_vars)):
        if inv is None or not isinstance(x, _TensorLike):
            continue
        dtype, shape = inv
        if x.dtype != dtype:
            raise TypeError(f"while_loop(): a loop variable enters the loop with dtype {dtype.name} but has dtype "
                            f"{x.dtype.name} after one iteration; keep its dtype (cast in the body).")
        if not shape.is_compatible_with(x._value.shape):
            raise ValueError(f"while_loop(): a loop variable enters the loop with shape {shape}, but has shape "
                             f"{tuple(x._value.shape)} after one iteration. Give shape_invariants (e.g. "
                             "tf.TensorShape([None]) for a growing vector).")


def _loop_result(x: Any) -> Any:
    if isinstance(x, TensorArray):
        return x
    return convert_to_tensor(x)


def _stop_float(x: Any) -> Any:
    from .core import stop_gradient

    return stop_gradient(x) if isinstance(x, Tensor) and x.dtype.kind in "fcV" else x


# --------------------------------------------------------------------------------------------------------------
# TensorArray


class _Storage:
    """The elements of a TensorArray; ``write`` returns a new TensorArray object sharing it (TF eager)."""

    __slots__ = ("items", "element_shape", "read_once")

    def __init__(self, size: int, element_shape: TensorShape) -> None:
        self.items: list[Any] = [None] * size
        self.element_shape = element_shape
        self.read_once: set[int] = set()


class TensorArray:
    """``tf.TensorArray``: a list of same-dtype tensors written and read by index, differentiable through the tape.

    Eager semantics, as in TF: ``write``/``unstack``/``scatter``/``split`` return a new TensorArray object that
    shares the storage; the element shape is inferred from the first write (``infer_shape=True``) and later writes
    must match it (ValueError); out-of-range indices raise ``OutOfRangeError``; writing twice to an index keeps the
    last value; with ``clear_after_read=True`` (the default) reading an index twice raises InvalidArgumentError and
    the slot reads as zeros in a later ``stack``. Unwritten slots read as zeros when the element shape is known.

    >>> import tapegrad as tf
    >>> x = tf.Variable(2.0)
    >>> with tf.GradientTape() as tape:
    ...     ta = tf.TensorArray(tf.float32, size=2)
    ...     ta = ta.write(0, x * 2.0).write(1, x * x)
    ...     y = tf.reduce_sum(ta.stack())
    >>> float(y), float(tape.gradient(y, x))
    (8.0, 6.0)
    """

    def __init__(self, dtype: Any, size: Any = None, dynamic_size: bool | None = None,
                 clear_after_read: bool | None = None, tensor_array_name: str | None = None, handle: Any = None,
                 flow: Any = None, infer_shape: bool = True, element_shape: Any = None,
                 colocate_with_first_write_call: bool = True, name: str | None = None) -> None:
        if handle is not None:
            raise ValueError("TensorArray: handles are not supported in eager mode.")
        if size is None:
            raise ValueError("TensorArray: 'size' must be given (use size=0, dynamic_size=True for a growing array).")
        self._dtype = _dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        n = int(size)
        if n < 0:
            raise ValueError(f"TensorArray: size must be >= 0, got {n}.")
        self._s = _Storage(n, _as_shape(element_shape))

    def _child(self) -> TensorArray:
        ta = object.__new__(TensorArray)
        ta._dtype = self._dtype
        ta._dynamic_size = self._dynamic_size
        ta._clear_after_read = self._clear_after_read
        ta._infer_shape = self._infer_shape
        ta._s = self._s
        return ta

    # -- properties
    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._s.element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def flow(self) -> Tensor:
        """For compatibility: flows carry no meaning in eager mode (a 0 int32 scalar)."""
        return make(np.array(0, dtype=np.int32), NUMPY)

    @property
    def handle(self) -> None:
        return None

    def __repr__(self) -> str:
        return (f"<tapegrad.TensorArray dtype={self._dtype.name} size={len(self._s.items)} "
                f"element_shape={self._s.element_shape}>")

    # -- elements
    def _zeros(self, what: str) -> Tensor:
        shape = self._s.element_shape
        if not shape.is_fully_defined():
            raise ValueError(f"TensorArray.{what}: an element was never written (or was cleared by a read) and the "
                             f"element shape is unknown ({shape}), so it cannot be filled with zeros. Give "
                             "element_shape= when creating the TensorArray, or write every index.")
        return zeros(shape.as_list(), self._dtype)

    def _filled(self, i: int, what: str) -> Tensor:
        t = self._s.items[i]
        if t is None:
            t = self._s.items[i] = self._zeros(what)
        return t

    def read(self, index: Any, name: str | None = None) -> Tensor:
        """The element at ``index`` (zeros if never written and the element shape is known)."""
        i = _index(index, "read")
        items = self._s.items
        if i < 0:
            raise OutOfRangeError(f"TensorArray.read: negative index {i} is not allowed.")
        if i >= len(items):
            raise OutOfRangeError(f"TensorArray.read: tried to read from index {i} but the array size is "
                                  f"{len(items)}.")
        t = items[i]
        if t is None:
            if i in self._s.read_once:
                raise InvalidArgumentError(
                    f"TensorArray.read: could not read index {i} twice because it was cleared after a previous "
                    "read; create the TensorArray with clear_after_read=False to read an element several times."
                )
            t = self._filled(i, "read")
        if self._clear_after_read and not _tracing():
            items[i] = None
            self._s.read_once.add(i)
        return t

    def _write(self, i: int, value: Any) -> None:
        items = self._s.items
        if i < 0:
            raise OutOfRangeError(f"TensorArray.write: writing to negative indices (index {i}) is not allowed.")
        if i >= len(items):
            if not self._dynamic_size:
                raise OutOfRangeError(f"TensorArray.write: tried to write to index {i} but the array is not "
                                      f"resizeable and its size is {len(items)} (use dynamic_size=True).")
            items.extend([None] * (i - len(items) + 1))
        if isinstance(value, Variable):
            value = identity(value)
        elif not isinstance(value, _TensorLike):
            value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value._value.dtype != self._dtype._np:
            raise InvalidArgumentError(f"TensorArray.write: the TensorArray's dtype is {self._dtype.name} but the "
                                       f"value has dtype {value.dtype.name}; cast it with tf.cast(value, "
                                       f"tf.{self._dtype.name}).")
        shape = self._s.element_shape
        if not shape.is_compatible_with(value._value.shape):
            raise ValueError(f"TensorArray.write: incompatible shape for value ({tuple(value._value.shape)}), "
                             f"expected ({shape}) (infer_shape=False allows elements of different shapes).")
        if self._infer_shape:
            self._s.element_shape = _merge_shapes(shape, TensorShape(value._value.shape))
        items[i] = value

    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """Write ``value`` at ``index``; returns the TensorArray to use from now on (same storage)."""
        self._write(_index(index, "write"), value)
        return self._child()

    def stack(self, name: str | None = None) -> Tensor:
        """All elements stacked along a new first axis (unwritten slots are zeros)."""
        items = self._s.items
        for i in range(len(items)):
            self._filled(i, "stack")
        if not items:
            shape = self._s.element_shape
            dims = shape.as_list() if shape.is_fully_defined() else []
            return zeros([0] + dims, self._dtype)
        return stack(list(items))

    def gather(self, indices: Any, name: str | None = None) -> Tensor:
        """The elements at ``indices``, stacked."""
        idx = indices.numpy().tolist() if isinstance(indices, _TensorLike) else list(indices)
        n = len(self._s.items)
        picked = []
        for i in idx:
            i = int(i)
            if not 0 <= i < n:
                raise OutOfRangeError(f"TensorArray.gather: index {i} is out of range for size {n}.")
            picked.append(self._filled(i, "gather"))
        if not picked:
            return self._zeros("gather")[None][:0]
        return stack(picked)

    def concat(self, name: str | None = None) -> Tensor:
        """All elements concatenated along their first axis (elements may differ in that dimension)."""
        items = [self._filled(i, "concat") for i in range(len(self._s.items))]
        for k, t in enumerate(items):
            if t._value.ndim == 0:
                raise InvalidArgumentError(f"TensorArray.concat: element {k} is a scalar; concat needs at least "
                                           "vectors (use stack for scalars).")
        if not items:
            shape = self._s.element_shape
            dims = shape.as_list()[1:] if shape.is_fully_defined() and shape.rank else []
            return zeros([0] + dims, self._dtype)
        return concat(items, 0)

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """Fill the array with the slices of ``value`` along its first axis."""
        value = value if isinstance(value, _TensorLike) else convert_to_tensor(value, dtype_hint=self._dtype)
        parts = unstack(value)
        if len(parts) > len(self._s.items) and not self._dynamic_size:
            raise ValueError(f"TensorArray.unstack: cannot unstack {len(parts)} tensors into a TensorArray of static "
                             f"size {len(self._s.items)} (use dynamic_size=True).")
        self._s.items = list(parts)
        self._s.read_once = set()
        return self._child()

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> TensorArray:
        """Write the slices of ``value`` along its first axis at ``indices``."""
        idx = indices.numpy().tolist() if isinstance(indices, _TensorLike) else list(indices)
        value = value if isinstance(value, _TensorLike) else convert_to_tensor(value, dtype_hint=self._dtype)
        for i, v in zip(idx, unstack(value)):
            self._write(int(i), v)
        return self._child()

    def split(self, value: Any, lengths: Any, name: str | None = None) -> TensorArray:
        """Fill the array with consecutive pieces of ``value`` of the given ``lengths`` along its first axis."""
        value = value if isinstance(value, _TensorLike) else convert_to_tensor(value, dtype_hint=self._dtype)
        if value._value.dtype != self._dtype._np:
            raise InvalidArgumentError(f"TensorArray.split: the TensorArray's dtype is {self._dtype.name} but the "
                                       f"value has dtype {value.dtype.name}.")
        lens = np.asarray(lengths.numpy() if isinstance(lengths, _TensorLike) else lengths)
        if lens.ndim != 1:
            raise InvalidArgumentError(f"TensorArray.split: lengths must be a vector, got shape {list(lens.shape)}.")
        if value._value.ndim == 0:
            raise InvalidArgumentError("TensorArray.split: the value must be at least a vector, got a scalar.")
        if int(lens.sum()) != value._value.shape[0]:
            raise InvalidArgumentError(f"TensorArray.split: the lengths sum to {int(lens.sum())} but the value's "
                                       f"first dimension is {value._value.shape[0]}.")
        if not self._dynamic_size and lens.shape[0] != len(self._s.items):
            raise InvalidArgumentError(f"TensorArray.split: the TensorArray's size ({len(self._s.items)}) differs "
                                       f"from the number of lengths ({lens.shape[0]}) and dynamic_size is False.")
        self._s.items = list(split(value, [int(k) for k in lens]))
        self._s.read_once = set()
        return self._child()

    def size(self, name: str | None = None) -> Tensor:
        """The number of elements, an int32 scalar tensor."""
        return make(np.array(len(self._s.items), dtype=np.int32), NUMPY)

    def close(self, name: str | None = None) -> None:
        """Release the elements."""
        del self._s.items[:]

    def identity(self) -> TensorArray:
        """A TensorArray object sharing this one's storage."""
        return self._child()

    def mark_used(self) -> None:
        """For compatibility (TF graph mode warns about unused TensorArrays)."""

    def grad(self, source: Any, flow: Any = None, name: str | None = None) -> Any:
        raise NotImplementedError("TensorArray.grad is not needed in tapegrad: the tape differentiates reads, "
                                  "writes, stack and the other methods directly.")


# --------------------------------------------------------------------------------------------------------------
# map_fn, scan, foldl, foldr, vectorized_map


def _spec_of(sig: Any) -> tuple[Any, TensorShape]:
    """(dtype, element shape) of one ``fn_output_signature`` leaf: a DType, a TensorSpec, or a dtype name."""
    shape = getattr(sig, "shape", None)
    dtype = getattr(sig, "dtype", None)
    if shape is not None and dtype is not None and not isinstance(sig, _dtypes.DType):
        return _dtypes.as_dtype(dtype), _as_shape(shape)
    return _dtypes.as_dtype(sig), TensorShape(None)


def _elems_tensors(elems: Any, op: str) -> tuple[list[Any], int]:
    flat = _nest.flatten(elems)
    if not flat:
        raise ValueError(f"{op}(): elems must be a tensor or a (possibly nested) sequence of tensors, got {elems!r}, "
                         "which contains none.")
    flat = [identity(e) if isinstance(e, Variable) else (e if isinstance(e, _TensorLike) else convert_to_tensor(e))
            for e in flat]
    if flat[0]._value.ndim < 1:
        raise ValueError(f"{op}(): elements in elems must be 1+ dimensional tensors (sliced along their first "
                         "axis), not scalars. A Python list of numbers is a structure of scalars: convert it with "
                         "tf.constant([...]) first.")
    n = flat[0]._value.shape[0]
    for t in flat[1:]:
        if t._value.ndim < 1:
            raise ValueError(f"{op}(): elements in elems must be 1+ dimensional tensors, not scalars.")
        if t._value.shape[0] != n:
            raise ValueError(f"{op}(): dimensions {n} and {t._value.shape[0]} are not compatible: every tensor in "
                             "elems must have the same first dimension.")
    return flat, n


def map_fn(fn: Callable[[Any], Any], elems: Any, dtype: Any = None, parallel_iterations: int | None = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, name: str | None = None,
           fn_output_signature: Any = None) -> Any:
    """``tf.map_fn``: apply ``fn`` to each slice of ``elems`` along axis 0 and stack the results.

    As in TF, the output signature defaults to the structure and dtypes of ``elems``: a ``fn`` that changes the
    dtype or the structure needs ``fn_output_signature`` (a dtype, a ``TensorSpec``, or a nest of them).
    Results must have one shape (``infer_shape=True``). Each call is recorded, so gradients flow to ``elems``
    and to variables ``fn`` uses.

    >>> import tapegrad as tf
    >>> tf.map_fn(lambda v: v * v, tf.constant([1.0, 2.0, 3.0])).numpy().tolist()
    [1.0, 4.0, 9.0]
    """
    if fn_output_signature is None:
        fn_output_signature = dtype
    if not callable(fn):
        raise TypeError(f"map_fn(): fn must be callable, got {fn!r}.")
    elems = _read_variables(elems)
    from .ragged_ops import RaggedTensor, RaggedTensorSpec

    if any(isinstance(x, (RaggedTensor, RaggedTensorSpec)) for x in
           _nest.flatten(elems) + _nest.flatten(fn_output_signature)):
        return _map_fn_ragged(fn, elems, fn_output_signature, infer_shape)
    flat, n = _elems_tensors(elems, "map_fn")
    if fn_output_signature is None:
        specs = [(t.dtype, TensorShape(None)) for t in flat]
        out_structure = elems
    else:
        specs = [_spec_of(s) for s in _nest.flatten(fn_output_signature)]
        out_structure = fn_output_signature
    slices = [unstack(t) for t in flat]
    tas = [TensorArray(d, size=n, infer_shape=infer_shape, element_shape=s) for d, s in specs]
    for i in range(n):
        value = _nest.pack_sequence_as(elems, [s[i] for s in slices])
        result = fn(value)
        assert_same_structure(out_structure, result, "map_fn(): fn's result does not match the output signature "
                              "(by default the structure of elems; pass fn_output_signature=...): ")
        for ta, v in zip(tas, _nest.flatten(result)):
            ta._write(i, v)
    return _nest.pack_sequence_as(out_structure, [ta.stack() for ta in tas])


def _map_fn_ragged(fn: Callable[[Any], Any], elems: Any, signature: Any, infer_shape: bool) -> Any:
    """``map_fn`` where elems or results are ragged: a RaggedTensor elem gives its rows, and a ``RaggedTensorSpec``
    in the signature stacks the results as the rows of a RaggedTensor (results may differ in length)."""
    from .ragged_ops import RaggedTensor, RaggedTensorSpec, stack_rows

    flat = [x if isinstance(x, RaggedTensor) else identity(x) if isinstance(x, Variable) else
            x if isinstance(x, _TensorLike) else convert_to_tensor(x) for x in _nest.flatten(elems)]
    sizes = {x._nrows() if isinstance(x, RaggedTensor) else (x._value.shape[0] if x._value.ndim else
                                                                 _no_rank(x, "map_fn")) for x in flat}
    if len(sizes) != 1:
        raise ValueError(f"map_fn(): every tensor in elems must have the same number of rows, got {sorted(sizes)}.")
    n = sizes.pop()
    rows = [list(x) if isinstance(x, RaggedTensor) else unstack(x) for x in flat]
    if signature is None:  # the structure of elems: a ragged elem gives ragged results
        signature = _nest.pack_sequence_as(elems, [RaggedTensorSpec(None, x.dtype, x.ragged_rank, x.row_splits.dtype)
                                                   if isinstance(x, RaggedTensor) else x.dtype for x in flat])
    leaves = _nest.flatten(signature)
    results: list[list[Any]] = [[] for _ in leaves]
    for i in range(n):
        out = fn(_nest.pack_sequence_as(elems, [r[i] for r in rows]))
        assert_same_structure(signature, out, "map_fn(): fn's result does not match the output signature "
                              "(by default the structure of elems; pass fn_output_signature=...): ")
        for k, (sig, v) in enumerate(zip(leaves, _nest.flatten(out))):
            results[k].append(sig._to_value(v, "map_fn()") if isinstance(sig, RaggedTensorSpec) else v)
    stacked = []
    for sig, vals in zip(leaves, results):
        if isinstance(sig, RaggedTensorSpec):
            stacked.append(stack_rows(vals, sig))
            continue
        d, shape = _spec_of(sig)
        ta = TensorArray(d, size=n, infer_shape=infer_shape, element_shape=shape)
        for i, v in enumerate(vals):
            ta._write(i, v)
        stacked.append(ta.stack())
    return _nest.pack_sequence_as(signature, stacked)


def scan(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name: str | None = None) -> Any:
    """``tf.scan``: the stacked accumulators of ``a = fn(a, x)`` over the slices of ``elems`` (axis 0).

    Without ``initializer`` the first (last, with ``reverse=True``) element starts the accumulation and is the
    first output; with one, the initializer is not part of the output. No dtype promotion: an int initializer
    with float elems fails in ``fn``, as in TF.

    >>> import tapegrad as tf
    >>> tf.scan(lambda a, x: a + x, tf.constant([1.0, 2.0, 3.0, 4.0])).numpy().tolist()
    [1.0, 3.0, 6.0, 10.0]
    """
    if not callable(fn):
        raise TypeError(f"scan(): fn must be callable, got {fn!r}.")
    elems = _read_variables(elems)
    flat = [e if isinstance(e, _TensorLike) else convert_to_tensor(e) for e in _nest.flatten(elems)]
    n = flat[0]._value.shape[0] if flat[0]._value.ndim else _no_rank(flat[0], "scan")
    elem_tas = [TensorArray(t.dtype, size=n, element_shape=TensorShape(t._value.shape[1:])).unstack(t) for t in flat]
    out_structure = elems if initializer is None else initializer
    if initializer is None:
        first = n - 1 if reverse else 0
        acc = [ta.read(first) for ta in elem_tas]
        start = 1
    else:
        acc = [convert_to_tensor(a) for a in _nest.flatten(initializer)]
        start = 0
    acc_tas = [TensorArray(a.dtype, size=n, element_shape=TensorShape(a._value.shape) if infer_shape else None,
                           infer_shape=infer_shape) for a in acc]
    if initializer is None:
        for ta, a in zip(acc_tas, acc):
            ta._write(n - 1 if reverse else 0, a)
    for k in range(start, n):
        i = n - 1 - k if reverse else k
        x = _nest.pack_sequence_as(elems, [ta.read(i) for ta in elem_tas])
        out = fn(_nest.pack_sequence_as(out_structure, acc), x)
        assert_same_structure(out_structure, out, "scan(): fn's result does not match the accumulator: ")
        acc = _nest.flatten(out)
        for ta, a in zip(acc_tas, acc):
            ta._write(i, a)
    return _nest.pack_sequence_as(out_structure, [ta.stack() for ta in acc_tas])


def _no_rank(t: Any, op: str) -> int:
    raise ValueError(f"{op}(): elems must be at least 1-dimensional (sliced along axis 0), got a scalar.")


def _fold(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any, reverse: bool, op: str) -> Any:
    if not callable(fn):
        raise TypeError(f"{op}(): fn must be callable, got {fn!r}.")
    elems = _read_variables(elems)
    flat = [e if isinstance(e, _TensorLike) else convert_to_tensor(e) for e in _nest.flatten(elems)]
    n = flat[0]._value.shape[0] if flat[0]._value.ndim else _no_rank(flat[0], op)
    tas = [TensorArray(t.dtype, size=n, element_shape=TensorShape(t._value.shape[1:])).unstack(t) for t in flat]
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    if initializer is None:
        first = n - 1 if reverse else 0
        acc = _nest.pack_sequence_as(elems, [ta.read(first) for ta in tas])
        order = order[1:]
    else:
        acc = initializer
    for i in order:
        acc = fn(acc, _nest.pack_sequence_as(elems, [ta.read(i) for ta in tas]))
    return _nest.map_structure(_loop_result, acc)


def foldl(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """``tf.foldl``: ``a = fn(a, x)`` over the slices of ``elems`` from first to last; returns the final ``a``.

    Without ``initializer`` the first element starts the accumulation (empty elems then raise
    OutOfRangeError).

    >>> import tapegrad as tf
    >>> int(tf.foldl(lambda a, x: a * 10 + x, tf.constant([1, 2, 3])))
    123
    """
    return _fold(fn, elems, initializer, False, "foldl")


def foldr(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """``tf.foldr``: ``a = fn(a, x)`` over the slices of ``elems`` from last to first; returns the final ``a``.

    >>> import tapegrad as tf
    >>> int(tf.foldr(lambda a, x: a * 10 + x, tf.constant([1, 2, 3])))
    321
    """
    return _fold(fn, elems, initializer, True, "foldr")


def vectorized_map(fn: Callable[[Any], Any], elems: Any, fallback_to_while_loop: bool = True,
                   warn: bool = True) -> Any:
    """``tf.vectorized_map``: ``map_fn`` computed in one call of ``fn`` on the whole batch where possible.

    tapegrad calls ``fn`` once on the whole batch and uses that result when ``fn`` is batch-polymorphic: every
    output has the batch as its first axis and agrees with ``fn`` applied to the first and the last element on
    their own (checked without recording). Otherwise (``fn`` mixes elements, uses Python control flow on values,
    or fails on a batch) it loops like ``map_fn``. Outputs that do not depend on the element are broadcast to
    the batch, as in TF.

    >>> import tapegrad as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.vectorized_map(lambda r: tf.reduce_sum(r * r), x).numpy().tolist()
    [5.0, 25.0]
    """
    if not callable(fn):
        raise TypeError(f"vectorized_map(): fn must be callable, got {fn!r}.")
    elems = _read_variables(elems)
    flat = [e if isinstance(e, _TensorLike) else convert_to_tensor(e) for e in _nest.flatten(elems)]
    for t in flat:
        if t._value.ndim == 0:
            raise IndexError("vectorized_map(): elems must be at least 1-dimensional (sliced along axis 0), got a "
                             "scalar.")
    n = flat[0]._value.shape[0]
    for t in flat[1:]:
        if t._value.shape[0] != n:
            raise InvalidArgumentError(f"vectorized_map(): every tensor in elems must have the same first dimension, "
                                       f"got {n} and {t._value.shape[0]}.")
    batch = _nest.pack_sequence_as(elems, flat)
    checks = _per_element(fn, elems, flat, [0, n - 1] if n > 1 else [0]) if n > 0 else None
    if checks is not None:
        tapes = [t for t in local.tapes if type(t) is Tape]  # plain tapes only (a tracer's graph keeps its nodes)
        mark = [len(t.entries) for t in tapes]
        try:
            result = fn(batch)
        except Exception:  # noqa: BLE001 - fn is not batch-polymorphic: loop instead
            result = None
        out = _vectorized_result(result, checks, n) if result is not None else None
        if out is not None:
            return out
        for t, m in zip(tapes, mark):  # forget what the failed batched attempt recorded
            del t.entries[m:]
    # the looped path's output signature: the result's own structure and dtypes (vectorized_map infers it)
    sig = None if checks is None else _nest.map_structure(lambda r: convert_to_tensor(r).dtype, checks[0])
    return map_fn(fn, elems, fn_output_signature=sig)


def _per_element(fn: Callable[[Any], Any], elems: Any, flat: list[Any], idx: list[int]) -> list[Any] | None:
    """``fn`` on single elements, unrecorded (None when it fails: the loop then reports the error)."""
    saved = _pause()
    try:
        return [fn(_nest.pack_sequence_as(elems, [t[i] for t in flat])) for i in idx]
    except Exception:  # noqa: BLE001 - the looped path re-runs fn and raises the error where it belongs
        return None
    finally:
        _resume(saved)


def _vectorized_result(result: Any, checks: list[Any], n: int) -> Any:
    from .core import broadcast_to

    try:
        for c in checks:
            assert_same_structure(c, result)
    except (TypeError, ValueError):
        return None
    flat_r = _nest.flatten(result)
    flat_c = [_nest.flatten(c) for c in checks]
    out = []
    for k, r in enumerate(flat_r):
        singles = [convert_to_tensor(c[k]) for c in flat_c]
        r = convert_to_tensor(r)
        s0 = singles[0]
        if any(s._value.dtype != r._value.dtype or s._value.shape != s0._value.shape for s in singles):
            return None
        rv = r._value
        if rv.shape == (n,) + s0._value.shape:
            rows = [rv[0], rv[n - 1]][: len(singles)]
        elif rv.shape == s0._value.shape and all(np.array_equal(s._value, rv, equal_nan=True) for s in singles):
            out.append(broadcast_to(r, (n,) + rv.shape))  # an output that does not depend on the element
            continue
        else:
            return None
        for row, s in zip(rows, singles):
            if not _close(row, s._value):
                return None
        out.append(r)
    return _nest.pack_sequence_as(result, out)


def _close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fcV":
        tol = 1e-5 if a.dtype.itemsize <= 8 and a.dtype != np.float64 else 1e-12
        return bool(np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True))
    return bool(np.array_equal(a, b))


# --------------------------------------------------------------------------------------------------------------
# ensure_shape, identity_n


_ENSURE_DEFERRED = [0]  # > 0 while a trace records the check (its example sizes are not checked)


def _ensure_shape_fwd(F: Any, x: Any, shape: tuple[Any, ...] | None) -> Any:
    if shape is not None and not _ENSURE_DEFERRED[0] and (
            len(shape) != x.ndim or any(w is not None and w != d for w, d in zip(shape, x.shape))):
        got = ",".join(map(str, x.shape))
        exp = ",".join("?" if d is None else str(d) for d in shape)
        raise InvalidArgumentError(f"ensure_shape: shape of tensor input [{got}] is not compatible with expected "
                                   f"shape [{exp}].")
    return x[...]  # a view: a value of its own in the graph (its static shape is the refined one)


# the run-time check of tf.ensure_shape in a trace with None dims (the gradient passes through)
_ENSURE_SHAPE = OpDef("ensure_shape", _ensure_shape_fwd, lambda F, g, ins, out, p, needs: (g,),
                      lambda F, ts, ins, out, p: ts[0])


def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Tensor:
    """``tf.ensure_shape``: ``x`` unchanged (gradient passes through) if its shape is compatible with ``shape``
    (``None`` entries match anything); InvalidArgumentError otherwise.

    >>> import tapegrad as tf
    >>> tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape
    TensorShape([2, 3])
    """
    t = to_tensor(x)
    want = _as_shape(shape)
    if getattr(local.tracer, "shapelog", None) is not None:
        # a trace with None dims: the sizes seen are examples, so the check is a node of the program (run on every
        # call) and the result's static shape is refined by ``shape``, as TF's graph does
        static = _tensor._relaxed_shapes.get(id(t._value)) or TensorShape(t._value.shape)
        if static.rank is not None and want.rank is not None and static.rank != want.rank:
            raise ValueError(f"ensure_shape: shape {static} of the tensor is not compatible with {want}.")
        _ENSURE_DEFERRED[0] += 1
        try:
            out = applyn(_ENSURE_SHAPE, (t,), {"shape": tuple(want.as_list()) if want.rank is not None else None})
        finally:
            _ENSURE_DEFERRED[0] -= 1
        refined = want if static.rank is None else TensorShape(
            [w if w is not None else d for w, d in zip(want.as_list(), static.as_list())]) if want.rank is not None \
            else static
        _tensor._relaxed_shapes[id(out._value)] = refined
        return out
    if not want.is_compatible_with(t._value.shape):
        got = ",".join(map(str, t._value.shape))
        exp = ",".join("?" if d is None else str(d) for d in want.as_list()) if want.rank is not None else "?"
        raise InvalidArgumentError(f"ensure_shape: shape of tensor input [{got}] is not compatible with expected "
                                   f"shape [{exp}].")
    return identity(t)


def _identity_n_fwd(F: Any, *xs: Any) -> tuple[Any, ...]:
    return xs


def _identity_n_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> tuple[Any, ...]:
    return tuple(g)


def _identity_n_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return tuple(ts)


IDENTITY_N = defop("identity_n", _identity_n_fwd, _identity_n_vjp, _identity_n_jvp, multi=True,
                   test=spec(lambda tf, a, b: tf.identity_n([a * 2.0, b])[0] * tf.identity_n([a, b])[1],
                             lambda rng: (rng.normal(size=(3,)), rng.normal(size=(3,))),
                             ref=lambda a, b: a * 2.0 * b))


def identity_n(input: Any, name: str | None = None) -> list[Tensor]:  # noqa: A002
    """``tf.identity_n``: a list with each input unchanged. One op with several outputs, so the gradient of an
    output you do not use is zeros (not None), as in TF.

    >>> import tapegrad as tf
    >>> [float(t) for t in tf.identity_n([tf.constant(1.0), 2.0])]
    [1.0, 2.0]
    """
    items = list(input) if isinstance(input, (_TensorLike, list, tuple)) else [input]
    if not items:
        raise InvalidArgumentError("identity_n: needs at least one input, got an empty list.")
    return applyn(IDENTITY_N, tuple(to_tensor(x) for x in items))


# --------------------------------------------------------------------------------------------------------------
# py_function, numpy_function


def _touts(Tout: Any, op: str) -> tuple[list[Any], bool]:
    if Tout is None:
        raise TypeError(f"{op}(): missing required argument 'Tout' (the output dtype, or a list of dtypes). Used as "
                        f"a decorator, pass it by name: @tf.{op}(Tout=tf.float32).")
    if isinstance(Tout, (list, tuple)):
        return [_dtypes.as_dtype(t) for t in Tout], True
    return [_dtypes.as_dtype(Tout)], False


def _pyfunc_fwd(F: Any, *vals: Any, func: Any, touts: Any, box: Any, prime: Any = None,
                record: Any = (False,)) -> tuple[Any, ...]:
    # prime: inside a compiled function, the body runs once per call (compiler/host.py run_once)
    # record[0]: a compiled program also differentiates this op, so the body runs under its own tape here and the
    # gradient op reuses that tape (the body runs once per call, as TF's EagerPyFunc with its tape cache)
    return run_once(prime, vals, lambda: _pyfunc_call(vals, func, touts, box, record[0]))


def _pyfunc_call(vals: Any, func: Any, touts: Any, box: Any, record: bool = False) -> tuple[Any, ...]:
    xp = NUMPY
    inputs = [make(v, xp) for v in vals]
    saved = _pause()
    tape = None
    try:
        if saved[0] or record:
            from ..gradient_tape import GradientTape

            # the body's own tape: the op's gradient is the gradient of the body (TF's EagerPyFunc)
            tape = GradientTape(persistent=True, watch_accessed_variables=False)
            with tape:
                tape.watch([t for t in inputs if t._value.dtype.kind in "fcV"])
                result = func(*inputs)
        else:
            result = func(*inputs)
    except Exception as exc:  # noqa: BLE001 - TF wraps any error of the body
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        raise InvalidArgumentError(f"py_function: the Python function raised {text}") from exc
    finally:
        _resume(saved)
    outs = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(outs) < len(touts):
        raise InvalidArgumentError(f"py_function: the function returned {len(outs)} values but Tout lists "
                                   f"{len(touts)}.")
    outs = outs[: len(touts)]
    arrays = []
    for k, (o, dt) in enumerate(zip(outs, touts)):
        if isinstance(o, _TensorLike):
            if o._value.dtype != dt._np:
                raise InvalidArgumentError(f"py_function: output {k} has dtype {o.dtype.name} but Tout says "
                                           f"{dt.name}; cast it in the function or change Tout.")
            arrays.append(o._value)
        elif dt._np.kind == "O":
            arrays.append(to_bytes_array(o, "py_function"))
        else:
            arrays.append(np.asarray(o).astype(dt._np))
    box[:] = [(tape, inputs, outs)]  # the latest call (a compiled program reuses the params)
    return tuple(arrays)


def _body_gradients(tape: Any, inputs: list[Any], outs: list[Any], g: Any) -> list[Any]:
    """The gradient of the body's outputs ``outs`` (recorded by ``tape``) w.r.t. its ``inputs`` for upstream ``g``
    (raw arrays): arrays, a scalar zero for an input the body did not differentiably use (TF's EagerPyFunc)."""
    targets, seeds = [], []
    for o, gk in zip(outs, g):
        if isinstance(o, _TensorLike) and o._value.dtype.kind in "fcV":
            targets.append(o)
            seeds.append(make(np.asarray(gk, o._value.dtype), NUMPY))
    grads = tape.gradient(targets, inputs, output_gradients=seeds) if tape is not None and targets \
        else [None] * len(inputs)
    return [None if x._value.dtype.kind not in "fcV" else
            np.zeros((), x._value.dtype) if gr is None else gr._value for x, gr in zip(inputs, grads)]


def _pyfunc_grad_fwd(F: Any, *vals: Any, func: Any, touts: Any, n_in: int, box: Any = ()) -> tuple[Any, ...]:
    """The gradient as its own op (a compiled program replays it): the gradient of the body's tape for the upstream
    values ``vals[n_in:]``. The tape is the forward's (``box``, filled by the forward op of the same call) when it
    recorded one on these inputs; otherwise the body runs again under a tape."""
    if box and box[-1][0] is not None and same_values(tuple(t._value for t in box[-1][1]), vals[:n_in]):
        tape, inputs, outs = box[-1]
    else:
        fresh: list[Any] = []
        saved = _pause()
        local.tapes = (Tape(False, False),)  # so that _pyfunc_call records the body on its own tape
        try:
            _pyfunc_call(vals[:n_in], func, touts, fresh)
        finally:
            _resume(saved)
        tape, inputs, outs = fresh[-1]
    return tuple(np.zeros((), v.dtype) if r is None else r
                 for v, r in zip(vals[:n_in], _body_gradients(tape, inputs, outs, vals[n_in:])))


PY_FUNCTION_GRAD = defop("py_function_grad", _pyfunc_grad_fwd, None, multi=True,
                         test=spec(lambda tf, x: tf.py_function(lambda a: a * a, [x], Tout=x.dtype), lambda rng:
                                   (rng.normal(size=(3,)),), ref=lambda x: x * x, tf=False, order2=False,
                                   name="via py_function"))


def _pyfunc_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> tuple[Any, ...]:
    if local.tracer is not None:
        # inside a compiled function's trace: the gradient is an op of its own, so that the program re-runs the
        # body on each call's values (the forward's body tape holds the trace-time values)
        p["record"][0] = True  # the program's forward records the body's tape for this gradient op
        res = applyn(PY_FUNCTION_GRAD, (*ins, *g), {"func": p["func"], "touts": p["touts"], "n_in": len(ins),
                                                    "box": p["box"]})
        return tuple(r if need and x._value.dtype.kind in "fcV" else None for r, x, need in zip(res, ins, needs))
    tape, inputs, outs = p["box"][-1]
    raw = not F.is_diff
    grads = _body_gradients(tape, inputs, outs, [gk._value if isinstance(gk, _TensorLike) else gk for gk in g])
    return tuple(None if not need or gr is None else gr if raw else make(gr, NUMPY)
                 for gr, need in zip(grads, needs))


def _pyfunc_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> tuple[Any, ...]:
    """Forward mode: the body again, under a forward accumulator carrying the input tangents."""
    from ..forward import ForwardAccumulator

    xp = NUMPY
    inputs = [make(getattr(v, "_value", v), xp) for v in ins]
    primals = [x for x, t in zip(inputs, ts) if t is not None and x._value.dtype.kind in "fcV"]
    tangents = [make(np.asarray(getattr(t, "_value", t), x._value.dtype), xp)
                for x, t in zip(inputs, ts) if t is not None and x._value.dtype.kind in "fcV"]
    saved = _pause()
    try:
        with ForwardAccumulator(primals, tangents) as acc:
            result = p["func"](*inputs)
    finally:
        _resume(saved)
    outs = (list(result) if isinstance(result, (list, tuple)) else [result])[: len(p["touts"])]
    res: list[Any] = []
    for o in outs:
        j = acc.jvp(o) if isinstance(o, _TensorLike) and o._value.dtype.kind in "fcV" else None
        res.append(None if j is None else j._value)
    return tuple(res)


# scalar_grads: the scalar 0.0 a body-unused input gets (TF's EagerPyFunc) is its gradient, not to be broadcast
# stateful: a compiled program runs it on every call even when nothing uses its results (TF's stateful op)
PY_FUNCTION = defop("py_function", _pyfunc_fwd, _pyfunc_vjp, _pyfunc_jvp, multi=True, scalar_grads=True, stateful=True,
                    test=spec(lambda tf, x: tf.py_function(lambda a: tf.sin(a) * a, [x], Tout=x.dtype),
                              lambda rng: (rng.normal(size=(3,)),), ref=lambda x: np.sin(x) * x, order2=False))


def py_function(func: Callable[..., Any] | None = None, inp: Any = None, Tout: Any = None,
                name: str | None = None) -> Any:
    """``tf.py_function``: run ``func`` (a Python function of tensors) as one op; the tape differentiates its body.

    ``func`` receives tensors (Python values in ``inp`` are converted); its results are converted to the dtypes
    ``Tout`` (a dtype: one tensor; a list: a list). An exception in ``func`` or a tensor of another dtype raises
    InvalidArgumentError. The gradient of an input the body used only through NumPy or integer casts is zero
    (not None), and variables the body captures (not passed in ``inp``) get None, as in TF.

    >>> import tapegrad as tf
    >>> v = tf.Variable([1.0, 2.0, 3.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.reduce_sum(tf.py_function(lambda a: a ** 2, [v], Tout=tf.float32))
    >>> tape.gradient(y, v).numpy().tolist()
    [2.0, 4.0, 6.0]
    """
    if func is None:
        return lambda f: py_function(f, inp, Tout, name)
    touts, as_list = _touts(Tout, "py_function")
    args = [to_tensor(x) for x in (inp if isinstance(inp, (list, tuple)) else
                                   (list(inp) if isinstance(inp, _TensorLike) else [] if inp is None else [inp]))]
    if not touts:
        _in_program(lambda *raws: _call_pyfunc_no_outputs(func, [make(r, NUMPY) for r in raws]), args, effect=True)
        return []
    if not args:  # nothing to record an op on: in a trace, a host call the program makes on every call (as TF)
        outs = _in_program(lambda: _pyfunc_call((), func, touts, []), ())
    else:
        outs = applyn(PY_FUNCTION, tuple(args), {"func": func, "touts": touts, "box": [], "prime": prime_slot(),
                                                  "record": [False]})
    if _tensor._tracing is not None and _tensor._tracing():
        for o in outs:  # in a traced function the results' static shape is unknown, as TF's
            _tensor._relaxed_shapes[id(o._value)] = TensorShape(None)
    return list(outs) if as_list else outs[0]


def _in_program(fn: Callable[..., Any], args: Any, effect: bool = False) -> Any:
    """``fn(*raw args)`` now (its results as tensors), and while a function is traced also on every program call:
    a host call (compiler/host.py), so a body without inputs or outputs is not frozen into the trace."""
    from ..compiler.host import host_effect, host_values

    if effect:
        host_effect(fn, args)
        return None
    return host_values(fn, args)


def _call_pyfunc_no_outputs(func: Callable[..., Any], args: list[Any]) -> None:
    saved = _pause()
    try:
        func(*[make(a._value, a._xp) for a in args])
    except Exception as exc:  # noqa: BLE001
        raise InvalidArgumentError(f"py_function: the Python function raised {type(exc).__name__}: {exc}") from exc
    finally:
        _resume(saved)


def _npfunc_fwd(F: Any, *vals: Any, func: Any, touts: Any, prime: Any = None) -> tuple[Any, ...]:
    return run_once(prime, vals, lambda: _npfunc_call(vals, func, touts))


def _npfunc_call(vals: Any, func: Any, touts: Any) -> tuple[Any, ...]:
    saved = _pause()
    try:
        result = func(*[np.array(v, copy=True) for v in vals])  # copies: the function may write into its arguments
    finally:
        _resume(saved)
    outs = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(outs) < len(touts):
        raise InvalidArgumentError(f"numpy_function: the function returned {len(outs)} values but Tout lists "
                                   f"{len(touts)}.")
    arrays = []
    for o, dt in zip(outs, touts):
        if isinstance(o, _TensorLike):
            o = o._numpy_value()
        # TF eager keeps a NumPy array's own dtype (a float64 result for Tout=float32 stays float64); Python
        # values are converted to Tout
        if is_text(o) or dt._np.kind == "O" and not isinstance(o, (np.ndarray, np.generic)):
            arrays.append(to_bytes_array(o, "numpy_function"))  # text: a string tensor (TF converts str arrays)
            continue
        arrays.append(np.array(o, copy=True) if isinstance(o, (np.ndarray, np.generic)) else np.asarray(o, dt._np))
    return tuple(arrays)


NUMPY_FUNCTION = defop("numpy_function", _npfunc_fwd, None, multi=True, stateful=True,
                       test=spec(lambda tf, x: tf.numpy_function(lambda a: np.sort(a), [x], Tout=x.dtype),
                                 lambda rng: (rng.normal(size=(5,)),), ref=np.sort))


def numpy_function(func: Callable[..., Any] | None = None, inp: Any = None, Tout: Any = None, stateful: bool = True,
                   name: str | None = None) -> Any:
    """``tf.numpy_function``: run ``func`` on NumPy arrays as one op, without a gradient (None, as in TF).

    ``func`` receives ndarrays (copies), exceptions keep their own type, and results become tensors (a NumPy
    result keeps its dtype, Python values take ``Tout``'s).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tf.numpy_function(lambda a: np.sort(a), [tf.constant([3.0, 1.0, 2.0])], Tout=tf.float32).numpy().tolist()
    [1.0, 2.0, 3.0]
    """
    if func is None:
        return lambda f: numpy_function(f, inp, Tout, stateful, name)
    touts, as_list = _touts(Tout, "numpy_function")
    items = inp if isinstance(inp, (list, tuple)) else ([] if inp is None else [inp])
    args = tuple(to_tensor(x) for x in items)
    if not args:
        outs: Any = _in_program(lambda: _npfunc_call((), func, touts), ())
    else:
        outs = applyn(NUMPY_FUNCTION, args, {"func": func, "touts": touts, "prime": prime_slot()})
    if not touts:
        return []
    if _tensor._tracing is not None and _tensor._tracing():
        for o in outs:  # in a traced function the results' static shape is unknown, as TF's
            _tensor._relaxed_shapes[id(o._value)] = TensorShape(None)
    return list(outs[: len(touts)]) if as_list else outs[0]


EXPORTS = {
    "": ["cond", "case", "switch_case", "while_loop", "TensorArray", "map_fn", "scan", "foldl", "foldr",
         "vectorized_map", "ensure_shape", "identity_n", "py_function", "numpy_function"],
}
