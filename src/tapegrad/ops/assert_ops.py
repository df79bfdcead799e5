"""``tf.debugging.assert_*`` and ``tf.Assert``: run-time checks, eager and inside compiled functions.

Eagerly a check runs at once and raises (``InvalidArgumentError`` for value checks, ``ValueError`` for static shape
and rank checks, ``TypeError`` for dtype checks, as TF) or returns None. While a ``tapegrad.function`` is traced, a
value check of traced tensors becomes a graph node (:data:`ASSERT`) that the compiled program runs on **every
call**, at its place in the program, so ``assert_positive(x)`` fails on the call whose ``x`` is negative — not only
on the call that traced. Checks of values known at trace time (constants) and static checks (rank, shape, dtype)
run while tracing, as TF runs them at graph-construction time. Under ``jit_compile=True`` the value checks are
dropped, as XLA drops TF's ``Assert`` ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._registry import OpDef
from .._tape import local
from .._tensor import Variable, _TensorLike
from ..errors import InvalidArgumentError
from .core import convert_to_tensor

__all__ = [
    "Assert", "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
    "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative", "assert_non_positive",
    "assert_near", "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_scalar", "assert_shapes",
    "assert_type", "assert_integer", "assert_all_finite", "assert_proper_iterable", "ASSERT", "run_check",
]


def _assert_fwd(F: Any, *xs: Any, check: Callable[..., None]) -> tuple[()]:
    check(*xs)
    return ()


# A check node: stateful (never dropped, merged, folded or moved), no outputs; its forward raises on failure.
ASSERT = OpDef("assert", _assert_fwd, stateful=True, multi=True)


def _failed(message: str) -> InvalidArgumentError:
    """A failed check: InvalidArgumentError, marked as a run-time error (a trace never turns it into a static
    TypeError/ValueError, which it does for other op errors whose message names dtypes or shapes)."""
    exc = InvalidArgumentError(message)
    exc._tapegrad_runtime = True  # type: ignore[attr-defined]
    return exc


def run_check(check: Callable[..., None], tensors: Sequence[Any]) -> None:
    """``check(*raw_values)`` now; while tracing, on every run of the program when a tensor is a traced value."""
    tracer = local.tracer
    raws = tuple(t._value for t in tensors)
    if tracer is None or not hasattr(tracer, "graph") or not any(_traced(tracer, t) for t in tensors):
        check(*raws)
        return
    tracer.on_op(ASSERT, tuple(tensors), raws, None, (), {"check": check})


def _traced(tracer: Any, t: Any) -> bool:
    if isinstance(t, Variable):
        return True
    vid = tracer.ids.get(id(t._value))
    return vid is not None and tracer.graph.values[vid].kind != "const"


# -- formatting -------------------------------------------------------------------------------------------------------
def _values(v: Any, summarize: int | None) -> str:
    flat = np.asarray(v).reshape(-1)
    n = flat.size if summarize is None or summarize < 0 else min(summarize, flat.size)
    shown = " ".join(repr(x.item()) if flat.dtype.kind in "fc" else str(x.item()) for x in flat[:n])
    return f"[{shown}{' ...' if n < flat.size else ''}]"


def _describe(name: str, v: Any, summarize: int | None) -> str:
    return f"{name} (shape={tuple(np.shape(v))} dtype={np.asarray(v).dtype.name}) = {_values(v, summarize)}"


def _prefix(message: Any) -> str:
    return f"{message}\n" if message else ""


def _tensor(x: Any, like: Any = None) -> Any:
    if isinstance(x, _TensorLike):
        return x
    if like is not None and not isinstance(x, np.ndarray):
        return convert_to_tensor(x, dtype=like.dtype)
    return convert_to_tensor(x)


# -- comparisons -------------------------------------------------------------------------------------------------------
_OPS: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "equal": (np.equal, "=="), "none_equal": (np.not_equal, "!="), "less": (np.less, "<"),
    "less_equal": (np.less_equal, "<="), "greater": (np.greater, ">"), "greater_equal": (np.greater_equal, ">="),
}


def _compare(which: str, x: Any, y: Any, message: Any, summarize: int | None, yname: str = "y") -> None:
    x = _tensor(x)
    y = _tensor(y, like=x)
    if x._value.dtype != y._value.dtype:
        raise InvalidArgumentError(
            f"assert_{which}: x and y must have the same dtype, got {x.dtype.name} and {y.dtype.name}; cast one of "
            "them (tf.cast).")
    try:
        np.broadcast_shapes(x._value.shape, y._value.shape)
    except ValueError:
        raise ValueError(f"assert_{which}: x and y have incompatible shapes {tuple(x._value.shape)} and "
                         f"{tuple(y._value.shape)} (they must broadcast together).") from None
    fn, sym = _OPS[which]
    where = "for every single element" if which == "none_equal" else "element-wise"

    def check(xv: Any, yv: Any) -> None:
        ok = fn(xv, yv)
        if not np.all(ok):
            yshown = "" if yname != "y" else "\n" + _describe("y", yv, summarize)
            raise _failed(f"{_prefix(message)}Condition x {sym} {yname} did not hold {where}:\n"
                               f"{_describe('x', xv, summarize)}{yshown}")

    run_check(check, [x, y])


def assert_equal(x: Any, y: Any, message: Any = None, summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``x == y`` element-wise (with broadcasting); ``InvalidArgumentError`` otherwise.

    Inside a ``tapegrad.function`` the check runs on every call.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_equal(tf.constant([1, 2]), [1, 2]) is None
    True
    """
    _compare("equal", x, y, message, summarize)


def assert_none_equal(x: Any, y: Any, message: Any = None, summarize: int | None = None,
                      name: str | None = None) -> None:
    """Check that ``x != y`` for every element; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_none_equal(tf.constant([1, 2]), [3, 4]) is None
    True
    """
    _compare("none_equal", x, y, message, summarize)


def assert_less(x: Any, y: Any, message: Any = None, summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``x < y`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_less(tf.constant([1.0]), 2.0) is None
    True
    """
    _compare("less", x, y, message, summarize)


def assert_less_equal(x: Any, y: Any, message: Any = None, summarize: int | None = None,
                      name: str | None = None) -> None:
    """Check that ``x <= y`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_less_equal(tf.constant([2.0]), 2.0) is None
    True
    """
    _compare("less_equal", x, y, message, summarize)


def assert_greater(x: Any, y: Any, message: Any = None, summarize: int | None = None,
                   name: str | None = None) -> None:
    """Check that ``x > y`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_greater(tf.constant([3.0]), 2.0) is None
    True
    """
    _compare("greater", x, y, message, summarize)


def assert_greater_equal(x: Any, y: Any, message: Any = None, summarize: int | None = None,
                         name: str | None = None) -> None:
    """Check that ``x >= y`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_greater_equal(tf.constant([2.0]), 2.0) is None
    True
    """
    _compare("greater_equal", x, y, message, summarize)


def _sign(which: str, x: Any, message: Any, summarize: int | None) -> None:
    x = _tensor(x)
    zero = np.zeros((), dtype=x._value.dtype)
    _compare(which, x, convert_to_tensor(zero), message, summarize, yname="0")


def assert_positive(x: Any, message: Any = None, summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``x > 0`` element-wise; ``InvalidArgumentError`` otherwise (on every call of a compiled function).

    >>> import tapegrad as tf
    >>> tf.debugging.assert_positive(tf.constant([1.0, 2.0])) is None
    True
    """
    _sign("greater", x, message, summarize)


def assert_negative(x: Any, message: Any = None, summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``x < 0`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_negative(tf.constant([-1.0])) is None
    True
    """
    _sign("less", x, message, summarize)


def assert_non_negative(x: Any, message: Any = None, summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``x >= 0`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_non_negative(tf.constant([0.0, 1.0])) is None
    True
    """
    _sign("greater_equal", x, message, summarize)


def assert_non_positive(x: Any, message: Any = None, summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``x <= 0`` element-wise; ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_non_positive(tf.constant([0.0, -1.0])) is None
    True
    """
    _sign("less_equal", x, message, summarize)


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None, message: Any = None,
                summarize: int | None = None, name: str | None = None) -> None:
    """Check that ``|x - y| <= atol + rtol * |y|`` element-wise (TF's defaults: ``10 * eps`` of the dtype for both);
    ``InvalidArgumentError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_near(tf.constant([1.0]), [1.0 + 1e-7]) is None
    True
    """
    x = _tensor(x)
    y = _tensor(y, like=x)
    if x._value.dtype != y._value.dtype:
        raise InvalidArgumentError(f"assert_near: x and y must have the same dtype, got {x.dtype.name} and "
                                   f"{y.dtype.name}.")
    kind = x._value.dtype.kind
    eps = float(np.finfo(x._value.dtype).eps) if kind in "fc" else 0.0
    rt = 10 * eps if rtol is None else float(rtol)
    at = 10 * eps if atol is None else float(atol)

    def check(xv: Any, yv: Any) -> None:
        if not np.all(np.abs(xv - yv) <= at + rt * np.abs(yv)):
            raise _failed(f"{_prefix(message)}x and y not equal to tolerance rtol = {rt:g}, atol = {at:g}\n"
                               f"{_describe('x', xv, summarize)}\n{_describe('y', yv, summarize)}")

    run_check(check, [x, y])


# -- static checks (shapes, ranks, dtypes: known when the graph is built, as in TF) ------------------------------------
def _name(x: Any) -> str:
    from ..compiler.function import _symbolic_name

    n = _symbolic_name(x) if isinstance(x, _TensorLike) else None
    return n or ""


def _static_shape(x: Any) -> tuple[int | None, ...] | None:
    shape = x.shape
    return None if shape.rank is None else tuple(shape.as_list())


def assert_rank(x: Any, rank: Any, message: Any = None, name: str | None = None) -> None:
    """Check that ``x`` has rank ``rank``; ``ValueError`` otherwise (a static check, eager or traced).

    >>> import tapegrad as tf
    >>> tf.debugging.assert_rank(tf.zeros([2, 3]), 2) is None
    True
    """
    x = _tensor(x)
    r = int(rank)
    if x.shape.rank is not None and x.shape.rank != r:
        raise ValueError(f"{_prefix(message)}Tensor {_name(x)} must have rank {r}.  Received rank {x.shape.rank}, "
                         f"shape {_static_shape(x)}")


def assert_rank_at_least(x: Any, rank: Any, message: Any = None, name: str | None = None) -> None:
    """Check that ``x`` has rank ``rank`` or more; ``ValueError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_rank_at_least(tf.zeros([2, 3]), 1) is None
    True
    """
    x = _tensor(x)
    r = int(rank)
    if x.shape.rank is not None and x.shape.rank < r:
        raise ValueError(f"{_prefix(message)}Tensor {_name(x)} must have rank at least {r}.  Received rank "
                         f"{x.shape.rank}, shape {_static_shape(x)}")


def assert_rank_in(x: Any, ranks: Sequence[Any], message: Any = None, name: str | None = None) -> None:
    """Check that the rank of ``x`` is one of ``ranks``; ``ValueError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_rank_in(tf.zeros([2]), [1, 2]) is None
    True
    """
    x = _tensor(x)
    rs = tuple(int(r) for r in ranks)
    if x.shape.rank is not None and x.shape.rank not in rs:
        raise ValueError(f"{_prefix(message)}Tensor {_name(x)} must have rank in {rs}.  Received rank "
                         f"{x.shape.rank}, shape {_static_shape(x)}")


def assert_scalar(tensor: Any, message: Any = None, name: str | None = None) -> None:
    """Check that ``tensor`` is a scalar (rank 0); ``ValueError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_scalar(tf.constant(1.0)) is None
    True
    """
    x = _tensor(tensor)
    if x.shape.rank is not None and x.shape.rank != 0:
        raise ValueError(f"{_prefix(message)}Expected scalar shape, saw shape: {_static_shape(x)}.")


def assert_type(tensor: Any, tf_type: Any, message: Any = None, name: str | None = None) -> None:
    """Check that ``tensor`` has dtype ``tf_type``; ``TypeError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_type(tf.constant(1.0), tf.float32) is None
    True
    """
    from .. import _dtypes

    x = _tensor(tensor)
    want = _dtypes.as_dtype(tf_type)
    if x.dtype != want:
        raise TypeError(f"{_prefix(message)}{_name(x) or 'tensor'} must be of type tf.{want.name}; got "
                        f"tf.{x.dtype.name}")


def assert_integer(x: Any, message: Any = None, name: str | None = None) -> None:
    """Check that ``x`` has an integer dtype; ``TypeError`` otherwise.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_integer(tf.constant([1, 2])) is None
    True
    """
    x = _tensor(x)
    if x._value.dtype.kind not in "iu":
        raise TypeError(f'{_prefix(message)}Expected "{_name(x) or "x"}" to be integer type.  Found: tensor of dtype '
                        f"{x.dtype.name}")


def assert_proper_iterable(values: Any) -> None:
    """Check that ``values`` is an iterable of values, not a tensor, array or string (``TypeError``).

    >>> import tapegrad as tf
    >>> tf.debugging.assert_proper_iterable([1, 2]) is None
    True
    """
    if isinstance(values, (_TensorLike, np.ndarray, str, bytes)):
        raise TypeError(f"Expected argument 'values' to be a \"proper\" iterable.  Found: {type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f"Expected argument 'values' to be iterable.  Found: {type(values)}")


def assert_all_finite(x: Any, message: Any, name: str | None = None) -> Any:
    """``x`` itself when it has no NaN or Inf (checked on every call of a compiled function); else
    ``InvalidArgumentError`` with ``message``.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_all_finite(tf.constant([1.0]), "ok").numpy().tolist()
    [1.0]
    """
    t = _tensor(x)

    def check(v: Any) -> None:
        if v.dtype.kind in "fcV" and not np.isfinite(v).all():
            raise _failed(f"{message} : Tensor had {'NaN' if np.isnan(v).any() else 'Inf'} values")

    run_check(check, [t])
    return t if not isinstance(t, Variable) else t.value()


def assert_shapes(shapes: Any, data: Any = None, summarize: int | None = None, message: Any = None,
                  name: str | None = None) -> None:
    """Check that tensors' shapes agree with symbolic shapes: ``[(x, ('N', 'D')), (y, ('D',))]``.

    A dimension is an int (that size), a string (the same size wherever the name appears), ``None``/``'.'`` (any
    size); a leading ``'*'`` / ``'...'`` matches any number of leading dims; a scalar spec is ``()``. A mismatch is
    a ``ValueError`` (a static check, as in TF).

    >>> import tapegrad as tf
    >>> tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "D")), (tf.zeros([3]), ("D",))]) is None
    True
    """
    items = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    sizes: dict[str, tuple[int, Any, int]] = {}  # symbol -> (size, the tensor that fixed it, its dim)
    for x, spec in items:
        x = _tensor(x)
        spec = tuple(spec) if not isinstance(spec, str) else tuple(spec.split(",")) if spec else ()
        shape = _static_shape(x)
        if shape is None:
            continue
        head_any = bool(spec) and spec[0] in ("*", "...")
        dims = spec[1:] if head_any else spec
        if (len(shape) < len(dims)) if head_any else (len(shape) != len(dims)):
            raise ValueError(f"{_prefix(message)}Specified by tensor {_show(x)} dimension 0.  Tensor {_show(x)} must "
                             f"have rank {len(dims)}{' or more' if head_any else ''}.  Received rank {len(shape)}, "
                             f"shape {shape}")
        offset = len(shape) - len(dims)
        for k, d in enumerate(dims):
            got = shape[offset + k]
            if d is None or d == "." or got is None:
                continue
            if isinstance(d, str):
                if d not in sizes:
                    sizes[d] = (got, x, offset + k)
                    continue
                want, by, at = sizes[d]
                if got != want:
                    raise ValueError(f"{_prefix(message)}Specified by tensor {_show(by)} dimension {at}.  Tensor "
                                     f"{_show(x)} dimension {offset + k} must have size {want}.  Received size "
                                     f"{got}, shape {shape}")
            elif int(d) != got:
                raise ValueError(f"{_prefix(message)}Tensor {_show(x)} dimension {offset + k} must have size {int(d)}."
                                 f"  Received size {got}, shape {shape}")


def _show(x: Any) -> str:
    n = _name(x)
    return n if n else f"shape={tuple(x.shape.as_list() or ())} dtype={x.dtype.name}"


# -- tf.Assert ---------------------------------------------------------------------------------------------------------
def Assert(condition: Any, data: Sequence[Any], summarize: int | None = None, name: str | None = None) -> None:  # noqa: N802
    """``tf.Assert``: ``InvalidArgumentError`` showing ``data`` when the scalar bool ``condition`` is false
    (checked on every call inside a compiled function).

    >>> import tapegrad as tf
    >>> tf.debugging.Assert(tf.constant(True), [tf.constant(1)]) is None
    True
    """
    c = _tensor(condition)
    if c._value.dtype.kind != "b" or c._value.size != 1:
        raise ValueError(f"Assert: the condition must be a scalar bool tensor, got {c.dtype.name} of shape "
                         f"{tuple(c._value.shape)}.")
    items = [d if isinstance(d, (str, bytes)) else _tensor(d) for d in data]
    tensors = [d for d in items if isinstance(d, _TensorLike)]
    n = 3 if summarize is None else summarize

    def check(cv: Any, *vals: Any) -> None:
        if bool(cv):
            return
        it = iter(vals)
        shown = [d if isinstance(d, str) else d.decode() if isinstance(d, bytes) else _values(next(it), n)
                 for d in items]
        raise _failed("assertion failed: " + " ".join(shown) if shown else "assertion failed")

    run_check(check, [c, *tensors])


EXPORTS = {
    "": ["Assert", "assert_equal", "assert_greater", "assert_less", "assert_rank"],
}
