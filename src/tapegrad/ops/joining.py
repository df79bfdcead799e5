"""Joining and splitting tensors: concat, stack, unstack, split."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import applyn
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from ._array_common import _ALL, _as_int, _int_list, _neg_axis, _range, _raw, _run
from ._common import RaggedInput, dtype_mismatch, like, norm_one_axis, to_tensor
from .core import identity

# -- concat / stack / add_n -----------------------------------------------------------------------------------------


def _same_dtype(values: Any, op: str) -> tuple[Any, ...]:
    """Convert a list of values to tensors sharing one dtype (the first tensor's)."""
    values = list(values)
    if not values:
        raise InvalidArgumentError(f"{op}: expected a non-empty list of tensors.")
    first = next((v for v in values if isinstance(v, _TensorLike)), None)
    if first is None:
        first = to_tensor(values[0])
    out = []
    for v in values:
        if isinstance(v, _TensorLike):
            if v._value.dtype != first._value.dtype:
                raise InvalidArgumentError(dtype_mismatch(op, first, v))
            out.append(v)
        else:
            out.append(like(v, first, op))
    return tuple(out)


def _concat_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    axis = p["axis"]
    tail = (slice(None),) * (-1 - axis)
    res = []
    start = 0
    for x, need in zip(ins, needs):
        n = F.shape(x)[axis]
        res.append(g[(Ellipsis, slice(start, start + n)) + tail] if need else None)
        start += n
    return tuple(res)


CONCAT = defop("concat", lambda F, *xs, axis: F.concatenate(xs, axis=axis), _concat_vjp,
               lambda F, ts, ins, out, p: F.concatenate(
                   [F.zeros_like(x) if t is None else t for t, x in zip(ts, ins)], axis=p["axis"]),
               linear=True, test=spec(lambda tf, a, b: tf.concat([a, b], axis=-1), normal((2, 3), (2, 2)),
                                      ref=lambda a, b: np.concatenate([a, b], -1), complex=True), save_in=False)


def concat(values: Any, axis: Any, name: str | None = None) -> Tensor:
    """Join tensors along an existing ``axis``.

    >>> import tapegrad as tf
    >>> tf.concat([tf.zeros([2, 1]), tf.ones([2, 2])], axis=1).shape
    TensorShape([2, 3])
    """
    try:
        xs = _same_dtype(values, "concat")
    except RaggedInput:
        from .ragged_ops import concat as ragged_concat

        return ragged_concat(list(values), int(axis))
    nd = xs[0]._value.ndim
    if nd == 0:
        raise InvalidArgumentError("concat: cannot concatenate scalars; use tapegrad.stack instead.")
    ax = norm_one_axis(axis, nd, "concat")
    for x in xs:
        s0, s = xs[0]._value.shape, x._value.shape
        if len(s) != nd or any(a != b for i, (a, b) in enumerate(zip(s0, s)) if i != nd + ax):
            raise InvalidArgumentError(
                f"concat: all inputs must have the same shape except along axis {ax}; got shapes "
                f"{[tuple(v._value.shape) for v in xs]}."
            )
    if len(xs) == 1:
        return xs[0] if type(xs[0]) is Tensor else identity(xs[0])
    return applyn(CONCAT, xs, {"axis": ax})


def _stack_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    axis = p["axis"]
    tail = (slice(None),) * (-1 - axis)
    return tuple(g[(Ellipsis, i) + tail] if need else None for i, need in enumerate(needs))


STACK = defop("stack", lambda F, *xs, axis: F.stack(xs, axis=axis), _stack_vjp,
              lambda F, ts, ins, out, p: F.stack([F.zeros_like(x) if t is None else t for t, x in zip(ts, ins)],
                                                 axis=p["axis"]), linear=True,
              test=spec(lambda tf, a, b: tf.stack([a, b], axis=1), normal((2, 3), (2, 3)),
                        ref=lambda a, b: np.stack([a, b], 1), complex=True), save_in=False)


def stack(values: Any, axis: int = 0, name: str | None = None) -> Tensor:
    """Stack equally shaped tensors along a new ``axis``.

    >>> import tapegrad as tf
    >>> tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1).numpy().tolist()
    [[1, 3], [2, 4]]
    """
    try:
        xs = _same_dtype(values, "stack")
    except RaggedInput:
        from .ragged_ops import stack as ragged_stack

        return ragged_stack(list(values), int(axis))
    shapes = {tuple(x._value.shape) for x in xs}
    if len(shapes) != 1:
        raise InvalidArgumentError(
            f"stack: all inputs must have the same shape; got shapes {[tuple(x._value.shape) for x in xs]}."
        )
    ax = norm_one_axis(axis, xs[0]._value.ndim + 1, "stack")
    return applyn(STACK, xs, {"axis": ax})


# -- unstack / split (multi-output) ------------------------------------------------------------------------------------


def _same_batch(F: Any, gs: Any, outs: Any) -> list[Any]:
    """Upstreams of a multi-output op with one batch shape: the engine fills unused outputs with zeros of the
    output's own shape, which lack the leading batch axes of a batched cotangent (jacobian)."""
    nbs = [F.ndim(g) - F.ndim(o) for g, o in zip(gs, outs)]
    nb = max(nbs)
    if nb == min(nbs):
        return list(gs)
    batch = F.shape(gs[nbs.index(nb)])[:nb]
    return [g if k == nb else F.broadcast_to(g, batch + F.shape(o)) for g, o, k in zip(gs, outs, nbs)]


def _unstack_fwd(F: Any, x: Any, axis: int, num: int) -> Any:
    tail = (_ALL,) * (-axis - 1)
    return tuple(x[(Ellipsis, i) + tail] for i in _range(num))


def _unstack_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    tail = (_ALL,) * (-p["axis"] - 1)
    return tuple(ts[0][(Ellipsis, i) + tail] for i in _range(p["num"]))


UNSTACK = defop(
    "unstack", _unstack_fwd, lambda F, g, ins, out, p, needs: (F.stack(_same_batch(F, g, out), axis=p["axis"]),),
    _unstack_jvp,
    multi=True, linear=True,
    test=[
        spec(lambda tf, x: tf.unstack(x, axis=1), normal((2, 3, 2)), ref=lambda x: [x[:, i] for i in _range(3)],
             complex=True),
        spec(lambda tf, x: tf.unstack(x, axis=-1)[1] * 2.0, normal((2, 3)), ref=lambda x: x[:, 1] * 2.0,
             name="one_output_used"),
    ],
)


def unstack(value: Any, num: Any = None, axis: int = 0, name: str = "unstack") -> list[Tensor]:
    """Split ``value`` along ``axis`` into a list of tensors with that axis removed.

    >>> import tapegrad as tf
    >>> [t.numpy().tolist() for t in tf.unstack(tf.constant([[1, 2], [3, 4]]), axis=1)]
    [[1, 3], [2, 4]]
    """
    x = to_tensor(value)
    nd = x._value.ndim
    a = _as_int(axis, "unstack", "axis")
    if not -nd <= a < nd:
        raise ValueError(f"unstack: axis {a} is not in range [{-nd}, {nd}) for a tensor of shape "
                         f"{tuple(x._value.shape)}.")
    ax = a - nd if a >= 0 else a
    n = x._value.shape[ax]
    if num is not None and _as_int(num, "unstack", "num") != n:
        raise InvalidArgumentError(f"unstack: num={num} but the tensor of shape {tuple(x._value.shape)} has {n} "
                                   f"entries along axis {a}.")
    if n == 0:
        return []
    if nd == 1 and x._value.dtype.kind == "O":
        from .string_ops import element

        return [element(x, key=(i,)) for i in _range(n)]  # string elements (NumPy gives bare ``bytes``)
    return applyn(UNSTACK, (x,), {"axis": ax, "num": n})


def _split_fwd(F: Any, x: Any, axis: int, sizes: tuple[int, ...]) -> Any:
    bounds = np.cumsum(sizes)[:-1].tolist()
    return tuple(F.split(x, bounds, axis=axis))


def _split_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    if ts[0] is None:
        return None
    return tuple(_run(F, SPLIT, (ts[0],), p))


SPLIT = defop(
    "split", _split_fwd, lambda F, g, ins, out, p, needs: (F.concatenate(_same_batch(F, g, out), axis=p["axis"]),),
    _split_jvp,
    multi=True, linear=True,
    test=[
        spec(lambda tf, x: tf.split(x, [1, -1, 2], axis=1), normal((2, 6)),
             ref=lambda x: [x[:, :1], x[:, 1:4], x[:, 4:]], complex=True),
        spec(lambda tf, x: tf.split(x, 2, axis=0)[1], normal((4, 3)), ref=lambda x: x[2:], name="even_one_used"),
    ],
)


def split(value: Any, num_or_size_splits: Any, axis: Any = 0, num: Any = None, name: str = "split") -> list[Tensor]:
    """Split ``value`` along ``axis`` into ``num_or_size_splits`` equal pieces, or pieces of the given sizes
    (one size may be -1: the remainder).

    >>> import tapegrad as tf
    >>> [t.shape.as_list() for t in tf.split(tf.zeros([2, 6]), [1, -1, 2], axis=1)]
    [[2, 1], [2, 3], [2, 2]]
    """
    op = "split"
    x = to_tensor(value)
    nd = x._value.ndim
    if nd == 0:
        raise InvalidArgumentError(f"{op}: cannot split a scalar.")
    ax = _neg_axis(axis, nd, op)
    dim = x._value.shape[ax]
    spl = _raw(num_or_size_splits)
    if np.ndim(spl) == 0:
        n = _as_int(spl, op, "num_or_size_splits")
        if n < 1:
            raise InvalidArgumentError(f"{op}: the number of pieces must be >= 1, got {n}.")
        if dim % n:
            raise InvalidArgumentError(
                f"{op}: {n} pieces do not evenly divide axis {ax + nd} of size {dim} (shape {tuple(x._value.shape)})."
            )
        sizes = [dim // n] * n
    else:
        sizes = _int_list(spl, op, "size_splits")
        if not sizes:
            raise InvalidArgumentError(f"{op}: size_splits must not be empty.")
        if sizes.count(-1) > 1:
            raise InvalidArgumentError(f"{op}: at most one size may be -1, got {sizes}.")
        if any(s < -1 for s in sizes):
            raise InvalidArgumentError(f"{op}: sizes must be >= 0 (or one -1), got {sizes}.")
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes:
            if known > dim:
                raise InvalidArgumentError(f"{op}: sizes {sizes} exceed axis {ax + nd} of size {dim}.")
            sizes[sizes.index(-1)] = dim - known
        elif known != dim:
            raise InvalidArgumentError(
                f"{op}: sizes {sizes} sum to {known}, but axis {ax + nd} has size {dim} (shape "
                f"{tuple(x._value.shape)})."
            )
        if num is not None and _as_int(num, op, "num") != len(sizes):
            raise ValueError(f"{op}: num={num} does not match the {len(sizes)} sizes {sizes}.")
    return applyn(SPLIT, (x,), {"axis": ax, "sizes": tuple(sizes)})


EXPORTS: dict[str, list[str]] = {
    "": [
        "concat", "stack", "unstack", "split",
    ],
}
