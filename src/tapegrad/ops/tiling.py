"""Repeating, padding and reordering: tile, repeat, pad, reverse, roll."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import apply1, apply2
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike, array_of, make, static_value
from ..errors import InvalidArgumentError
from . import shape_ops
from ._array_common import _first_bad, _int_list, _neg_axis, _range, _raw, _run, _slice
from ._common import dtype_mismatch, to_tensor
from .indexing import GATHER, SCATTER_ADD


def repeat(input: Any, repeats: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Repeat each element (``axis=None``: of the flattened input) or each slice along ``axis``.

    ``repeats`` is one count for all, or one per element along the axis.

    >>> import tapegrad as tf
    >>> tf.repeat(tf.constant([[1, 2], [3, 4]]), [1, 2], axis=0).numpy().tolist()
    [[1, 2], [3, 4], [3, 4]]
    >>> tf.repeat(tf.constant([1, 2]), 2).numpy().tolist()
    [1, 1, 2, 2]
    """
    op = "repeat"
    x = to_tensor(input)
    if axis is None:
        x = shape_ops.reshape(x, [-1])
        ax = -1
    else:
        ax = _neg_axis(axis, x._value.ndim, op)
    reps = np.asarray(_raw(repeats))
    if reps.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: repeats must be integers, got {reps.tolist()!r}.")
    if reps.ndim > 1:
        raise ValueError(f"{op}: repeats must be a scalar or a 1-D list, got shape {reps.shape}.")
    n = x._value.shape[ax]
    if reps.size == 1:
        reps = np.full(n, int(reps.reshape(())), np.int64)
    elif reps.size != n:
        raise ValueError(f"{op}: got {reps.size} repeat counts for an axis of length {n}.")
    pos = _first_bad(reps < 0)
    if pos is not None:
        raise InvalidArgumentError(f"{op}: repeats[{pos[0]}] = {reps[pos]} is negative.")
    idx = np.repeat(np.arange(n, dtype=np.int64), reps)
    return apply2(GATHER, x, make(idx, NUMPY), {"axis": ax, "sparse": False})


# -- tile / pad / reverse / roll / slice -------------------------------------------------------------------------------


def _tile_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    reps = p["multiples"]
    n = len(reps)
    if n == 0:
        return (g,)
    xshape = F.shape(ins[0])
    nb = F.ndim(g) - n
    pairs: tuple[int, ...] = ()
    for m, d in zip(reps, xshape):
        pairs += (m, d)
    g2 = F.reshape(g, F.shape(g)[:nb] + pairs)
    return (F.sum(g2, axis=tuple(_range(-2 * n, 0, 2))),)


TILE = defop(
    "tile", lambda F, x, multiples: F.tile(x, multiples), _tile_vjp,
    lambda F, ts, ins, out, p: _run(F, TILE, (ts[0],), p), linear=True, save_in=False,
    test=spec(lambda tf, x: tf.tile(x, [2, 1, 3]), normal((2, 3, 2)), ref=lambda x: np.tile(x, (2, 1, 3)),
              complex=True),
)


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Repeat the whole tensor ``multiples[i]`` times along each dimension ``i``.

    >>> import tapegrad as tf
    >>> tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy().tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    op = "tile"
    x = to_tensor(input)
    reps = _int_list(multiples, op, "multiples")
    nd = x._value.ndim
    if len(reps) != nd:
        raise InvalidArgumentError(f"{op}: multiples must have one entry per dimension ({nd} for shape "
                                   f"{tuple(x._value.shape)}), got {reps}.")
    for i, m in enumerate(reps):
        if m < 0:
            raise InvalidArgumentError(f"{op}: multiples[{i}] = {m} must be >= 0.")
    return apply1(TILE, x, {"multiples": tuple(reps)})


def _pad_fwd(F: Any, x: Any, pads: tuple[tuple[int, int], ...], mode: str, cval: Any) -> Any:
    if mode == "constant":
        if x.dtype.kind == "O":  # strings: NumPy's pad would store the pad value as np.bytes_
            out = np.full([lo + d + hi for (lo, hi), d in zip(pads, x.shape)], cval, dtype=object)
            out[tuple(_slice(lo, lo + d) for (lo, _), d in zip(pads, x.shape))] = x
            return out
        return F.pad(x, pads, mode="constant", constant_values=cval)
    return F.pad(x, pads, mode=mode)


def _pad_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    pads, mode = p["pads"], p["mode"]
    xshape = F.shape(ins[0])
    if mode == "constant":
        return (g[(Ellipsis,) + tuple(_slice(lo, lo + d) for (lo, _), d in zip(pads, xshape))],)
    n = len(xshape)
    r = g
    for i, ((lo, hi), d) in enumerate(zip(pads, xshape)):
        if lo or hi:
            src = np.pad(np.arange(d), (lo, hi), mode=mode)  # the input position each output position copies
            r = _run(F, SCATTER_ADD, (r, src), {"t": n - 1 - i, "dim": d})
    return (r,)


def _pad_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _run(F, PAD, (ts[0],), dict(p, cval=0))


PAD = defop(
    "pad", _pad_fwd, _pad_vjp, _pad_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.pad(x, [[1, 0], [2, 1]], constant_values=3.0), normal((2, 3)),
             ref=lambda x: np.pad(x, [[1, 0], [2, 1]], constant_values=3.0), complex=True, name="constant"),
        spec(lambda tf, x: tf.pad(x, [[1, 1], [2, 2]], "REFLECT"), normal((3, 3)),
             ref=lambda x: np.pad(x, [[1, 1], [2, 2]], mode="reflect"), complex=True, name="reflect"),
        spec(lambda tf, x: tf.pad(x, [[2, 0], [1, 3]], "SYMMETRIC"), normal((2, 3)),
             ref=lambda x: np.pad(x, [[2, 0], [1, 3]], mode="symmetric"), name="symmetric"),
    ],
)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None) -> Tensor:
    """Pad each dimension ``i`` with ``paddings[i] = [before, after]`` entries: ``"CONSTANT"``
    (``constant_values``), ``"REFLECT"`` (mirror without the edge) or ``"SYMMETRIC"`` (mirror with the edge).

    >>> import tapegrad as tf
    >>> tf.pad(tf.constant([[1, 2, 3]]), [[0, 0], [2, 1]], "REFLECT").numpy().tolist()
    [[3, 2, 1, 2, 3, 2]]
    """
    op = "pad"
    modes = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}
    key = mode.upper() if isinstance(mode, str) else mode
    if key not in modes:
        raise ValueError(f'{op}: mode must be one of "CONSTANT", "REFLECT" or "SYMMETRIC", got {mode!r}.')
    x = to_tensor(tensor)
    shp = tuple(x._value.shape)
    raw = np.asarray(_raw(paddings))
    if raw.size and raw.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: paddings must be integers, got {raw.tolist()!r}.")
    if raw.shape != (len(shp), 2):
        raise InvalidArgumentError(f"{op}: paddings must have shape [rank, 2] = [{len(shp)}, 2] for a tensor of "
                                   f"shape {shp}, got shape {list(raw.shape)}.")
    pads = tuple((int(lo), int(hi)) for lo, hi in raw.reshape(len(shp), 2))
    for i, ((lo, hi), d) in enumerate(zip(pads, shp)):
        if lo < 0 or hi < 0:
            raise InvalidArgumentError(f"{op}: paddings must be non-negative, got {[lo, hi]} for dimension {i}.")
        if key == "REFLECT" and (lo >= d or hi >= d) and (lo or hi):
            raise InvalidArgumentError(f"{op}: REFLECT paddings must be less than the dimension size: {[lo, hi]} "
                                       f"for dimension {i} of size {d}.")
        if key == "SYMMETRIC" and (lo > d or hi > d):
            raise InvalidArgumentError(f"{op}: SYMMETRIC paddings must be no greater than the dimension size: "
                                       f"{[lo, hi]} for dimension {i} of size {d}.")
    if isinstance(constant_values, _TensorLike):
        if constant_values._value.dtype != x._value.dtype:
            raise InvalidArgumentError(dtype_mismatch(op, x, constant_values))
        cval = np.asarray(static_value(constant_values))
    elif x._value.dtype.kind == "O" and type(constant_values) is int and constant_values == 0:
        cval = np.array(b"", dtype=object)  # the default pad value of a string tensor is b'' (TF)
    else:
        cval = array_of(constant_values, x._value.dtype, op)
    if cval.ndim:
        raise InvalidArgumentError(f"{op}: constant_values must be a scalar, got shape {list(cval.shape)}.")
    return apply1(PAD, x, {"pads": pads, "mode": modes[key], "cval": cval[()]})


def _reverse_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, REVERSE, (g,), p),)


REVERSE = defop(
    "reverse", lambda F, x, axes: F.flip(x, axis=axes), _reverse_vjp,
    lambda F, ts, ins, out, p: _run(F, REVERSE, (ts[0],), p), linear=True, save_in=False,
    test=spec(lambda tf, x: tf.reverse(x, [0, -1]), normal((2, 3, 4)), ref=lambda x: x[::-1, :, ::-1], complex=True),
)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """Reverse the order of elements along each dimension in the 1-D list ``axis``.

    >>> import tapegrad as tf
    >>> tf.reverse(tf.constant([[1, 2], [3, 4]]), [1]).numpy().tolist()
    [[2, 1], [4, 3]]
    """
    op = "reverse"
    x = to_tensor(tensor)
    nd = x._value.ndim
    if np.ndim(_raw(axis)) != 1:
        raise InvalidArgumentError(f"{op}: axis must be a 1-D list of dimensions, got {axis!r}; e.g. [0].")
    axes = []
    for a in _int_list(axis, op, "axis"):
        if not -nd <= a < nd:
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank {nd}.")
        a = a - nd if a >= 0 else a
        if a in axes:
            raise InvalidArgumentError(f"{op}: axis {a + nd} is listed more than once.")
        axes.append(a)
    return apply1(REVERSE, x, {"axes": tuple(axes)})


def _roll_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, ROLL, (g,), {"shift": tuple(-s for s in p["shift"]), "axes": p["axes"]}),)


ROLL = defop(
    "roll", lambda F, x, shift, axes: F.roll(x, shift, axis=axes), _roll_vjp,
    lambda F, ts, ins, out, p: _run(F, ROLL, (ts[0],), p), linear=True, save_in=False,
    test=spec(lambda tf, x: tf.roll(x, [1, -2, 1], [0, 1, 0]), normal((3, 4)),
              ref=lambda x: np.roll(x, (2, -2), axis=(0, 1)), complex=True),
)


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Shift elements circularly by ``shift`` along ``axis`` (lists pair up; repeated axes add up).

    >>> import tapegrad as tf
    >>> tf.roll(tf.constant([1, 2, 3, 4]), 1, 0).numpy().tolist()
    [4, 1, 2, 3]
    """
    op = "roll"
    x = to_tensor(input)
    nd = x._value.ndim
    shifts = _int_list(shift, op, "shift")
    axes = _int_list(axis, op, "axis")
    if len(shifts) != len(axes):
        raise InvalidArgumentError(f"{op}: shift {shifts} and axis {axes} must have the same length.")
    out_axes = []
    for a in axes:
        if not -nd <= a < nd:
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank {nd}.")
        out_axes.append(a - nd if a >= 0 else a)
    return apply1(ROLL, x, {"shift": tuple(shifts), "axes": tuple(out_axes)})


EXPORTS: dict[str, list[str]] = {
    "": [
        "tile", "pad", "reverse", "repeat", "roll",
    ],
}
