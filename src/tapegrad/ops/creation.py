"""Creating tensors: fill, range, linspace, eye, one_hot, meshgrid (zeros/ones/constant are in :mod:`core`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1, apply2
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike, array_of, constant_value, make
from ..errors import InvalidArgumentError
from . import core, shape_ops
from ._array_common import _ALL, _as_int, _index_tensor, _range, _raw, _slice
from ._common import dtype_mismatch, dtype_of, like, shape_arg, to_tensor

# -- creation: fill, range, linspace, eye, one_hot ---------------------------------------------------------------------


def _fill_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g,)  # the engine sums it down to the scalar


FILL = defop(
    "fill", lambda F, v, shape: F.full(shape, v, dtype=v.dtype), _fill_vjp,
    lambda F, ts, ins, out, p: F.broadcast_to(ts[0], p["shape"]), linear=True, save_in=False,
    test=spec(lambda tf, v: tf.fill([2, 3], v), normal(()), ref=lambda v: np.full((2, 3), v), complex=True),
)


def fill(dims: Any, value: Any, name: str | None = None, layout: Any = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value`` (its dtype is ``value``'s).

    >>> import tapegrad as tf
    >>> tf.fill([2, 3], 9).numpy().tolist()
    [[9, 9, 9], [9, 9, 9]]
    """
    shp = shape_arg(dims)
    bad = [d for d in shp if d < 0]
    if bad:
        raise InvalidArgumentError(f"fill: dimension {bad[0]} in dims {list(shp)} must be >= 0.")
    v = to_tensor(value)
    if v._value.ndim != 0:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {list(v._value.shape)}.")
    return apply1(FILL, v, {"shape": shp})


def _const(op: Any, p: dict[str, Any]) -> Tensor:
    """Run an op without tensor inputs (creation ops)."""
    return make(op.fwd(NUMPY, **p), NUMPY)


def _range_fwd(F: Any, start: Any, limit: Any, delta: Any, dtype: Any) -> Any:
    if dtype.kind in "iu":
        return F.arange(start, limit, delta, dtype=dtype)
    n = int(F.ceil(F.abs((limit - start) / delta)))
    return start + F.arange(n).astype(dtype) * delta  # TF's kernel: start + T(i) * delta, in the output dtype


RANGE = defop(
    "range", _range_fwd, None,
    test=[
        spec(lambda tf: tf.range(1, 10, 3), lambda rng: (), ref=lambda: np.arange(1, 10, 3, dtype=np.int32),
             name="int"),
        spec(lambda tf: tf.range(0.5, 2.0, 0.25), lambda rng: (), ref=lambda: np.arange(0.5, 2.0, 0.25), name="float"),
        spec(lambda tf: tf.range(5, 0, -2, dtype=tf.float64), lambda rng: (), ref=lambda: np.array([5.0, 3.0, 1.0]),
             name="negative_delta"),
    ],
)

_RANGE_ORDER = ("int32", "int64", "float16", "float32", "float64")


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Tensor:  # noqa: A001
    """The sequence ``start, start + delta, …`` up to (excluding) ``limit`` (``range(n)`` counts from 0).

    Integers give int32 (int64 if an argument is int64), floats float32; ``dtype`` overrides. Not differentiable.

    >>> import tapegrad as tf
    >>> tf.range(5).numpy().tolist(), tf.range(1, 2, 0.25).numpy().tolist()
    ([0, 1, 2, 3, 4], [1.0, 1.25, 1.5, 1.75])
    """
    if limit is None:
        start, limit = 0, start
    args = (start, limit, delta)
    if dtype is None:
        arrs = [np.asarray(_raw(a)) if isinstance(a, _TensorLike) else constant_value(a) for a in args]
        names = []
        for a in arrs:
            if a.ndim != 0 or a.dtype.name not in _RANGE_ORDER:
                raise InvalidArgumentError(
                    f"range: start, limit and delta must be int or float scalars, got {a.tolist()!r} "
                    f"(dtype {a.dtype.name})."
                )
            names.append(a.dtype.name)
        dt = np.dtype(max(names, key=_RANGE_ORDER.index))
        vals = [a.astype(dt) for a in arrs]
    else:
        dt = _dtypes.as_dtype(dtype)._np
        vals = []
        for a in args:
            arr = array_of(a, dt, "range")
            if arr.ndim != 0:
                raise InvalidArgumentError(f"range: arguments must be scalars, got {arr.tolist()!r}.")
            vals.append(arr)
    s, lim, d = (v[()] for v in vals)
    if d == 0:
        raise InvalidArgumentError(f"range: delta must not be 0 (start={s}, limit={lim}).")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        raise InvalidArgumentError(
            f"range: start={s} and limit={lim} are incompatible with delta={d}: with delta "
            f"{'> 0 start must be <= limit' if d > 0 else '< 0 start must be >= limit'}."
        )
    return _const(RANGE, {"start": s, "limit": lim, "delta": d, "dtype": dt})


def _lin_weights(num: int, dtype: Any, axis: int) -> Any:
    """Weight of ``stop`` in each of the ``num`` points, shaped to broadcast along (negative) ``axis``."""
    w = np.arange(num, dtype=np.float64) / max(num - 1, 1)
    return w.astype(dtype).reshape((num,) + (1,) * (-axis - 1))


def _linspace_fwd(F: Any, start: Any, stop: Any, num: int, axis: int) -> Any:
    steps = max(num - 1, 1)
    delta = (stop - start) / steps
    a = F.expand_dims(start, axis)
    b = F.expand_dims(stop, axis)
    k = F.arange(1, steps, dtype=start.dtype).reshape((max(num - 2, 0),) + (1,) * (-axis - 1))
    mid = a + F.expand_dims(delta, axis) * k
    res = F.concatenate([a, mid, b], axis=axis)
    return res[(Ellipsis, _slice(0, num)) + (_ALL,) * (-axis - 1)]


def _linspace_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    num, axis = p["num"], p["axis"]
    w = _lin_weights(num, dtype_of(g), axis)
    gs = F.sum(g * (1 - w), axis=axis) if needs[0] else None
    ge = F.sum(g * w, axis=axis) if needs[1] else None
    return (gs, ge)


def _linspace_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    num, axis = p["num"], p["axis"]
    res = None
    for t, first in ((ts[0], True), (ts[1], False)):
        if t is not None:
            w = _lin_weights(num, dtype_of(t), axis)
            r = F.expand_dims(t, axis) * ((1 - w) if first else w)
            res = r if res is None else res + r
    return res


LINSPACE = defop(
    "linspace", _linspace_fwd, _linspace_vjp, _linspace_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, a, b: tf.linspace(a, b, 5), normal((), ()), ref=lambda a, b: np.linspace(a, b, 5)),
        spec(lambda tf, a, b: tf.linspace(a, b, 4, axis=-1), normal((2,), (3, 1)),
             ref=lambda a, b: np.linspace(a, b, 4, axis=-1), name="broadcast_axis"),
    ],
)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included), inserted at ``axis``.

    ``start`` and ``stop`` broadcast together; integer inputs give float64. Differentiable in both ends.

    >>> import tapegrad as tf
    >>> tf.linspace(0.0, 1.0, 5).numpy().tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    op = "linspace"
    a = to_tensor(start)
    if isinstance(stop, _TensorLike):
        if stop._value.dtype != a._value.dtype:
            raise ValueError(dtype_mismatch(op, a, stop))
        b = stop
    else:
        b = like(stop, a, op)
    n = _as_int(num, op, "num")
    if n < 0:
        raise InvalidArgumentError(f"{op}: num must be >= 0, got {n}.")
    kind = a._value.dtype.kind
    if kind in "iu":
        a, b = core.cast(a, "float64"), core.cast(b, "float64")
    elif kind != "f":
        raise InvalidArgumentError(f"{op}: start and stop must be float or int, got dtype {a.dtype.name}.")
    try:
        shp = np.broadcast_shapes(a._value.shape, b._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: start shape {tuple(a._value.shape)} and stop shape {tuple(b._value.shape)} do not broadcast."
        ) from None
    a, b = core.broadcast_to(a, shp), core.broadcast_to(b, shp)
    r = len(shp)
    ax = _as_int(axis, op, "axis")
    if not -r - 1 <= ax <= r:
        raise InvalidArgumentError(f"{op}: axis {ax} is out of range for an output of rank {r + 1}.")
    return apply2(LINSPACE, a, b, {"num": n, "axis": ax - r - 1 if ax >= 0 else ax})


def _eye_fwd(F: Any, rows: int, cols: int, batch: tuple[int, ...], dtype: Any) -> Any:
    e = F.eye(rows, cols, dtype=dtype)
    return F.broadcast_to(e, batch + (rows, cols)).copy() if batch else e


EYE = defop(
    "eye", _eye_fwd, None,
    test=spec(lambda tf: tf.eye(2, 3, batch_shape=[2]), lambda rng: (),
              ref=lambda: np.broadcast_to(np.eye(2, 3, dtype=np.float32), (2, 2, 3))),
)


def eye(num_rows: Any, num_columns: Any = None, batch_shape: Any = None, dtype: Any = _dtypes.float32,
        name: str | None = None) -> Tensor:
    """An identity matrix (``num_rows × num_columns``), optionally repeated over ``batch_shape``.

    >>> import tapegrad as tf
    >>> tf.eye(2, 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    rows = _as_int(num_rows, "eye", "num_rows")
    cols = rows if num_columns is None else _as_int(num_columns, "eye", "num_columns")
    batch = () if batch_shape is None else shape_arg(batch_shape)
    for d in (rows, cols, *batch):
        if d < 0:
            raise InvalidArgumentError(f"eye: dimensions must be >= 0, got {d} (rows {rows}, columns {cols}, "
                                       f"batch_shape {list(batch)}).")
    return _const(EYE, {"rows": rows, "cols": cols, "batch": batch, "dtype": _dtypes.as_dtype(dtype)._np})


def _one_hot_fwd(F: Any, idx: Any, depth: int, on: Any, off: Any, axis: int) -> Any:
    hit = F.expand_dims(idx, -1) == F.arange(depth)
    res = F.where(hit, on, off).astype(on.dtype, copy=False)
    return res if axis == -1 else F.moveaxis(res, -1, axis)


ONE_HOT = defop(
    "one_hot", _one_hot_fwd, None,
    test=spec(lambda tf: tf.one_hot([[0, 2], [-1, 5]], 3, on_value=2.0, off_value=-1.0, axis=0), lambda rng: (),
              ref=lambda: np.moveaxis(np.where(np.array([[0, 2], [-1, 5]])[..., None] == np.arange(3), 2.0, -1.0)
                                      .astype(np.float32), -1, 0)),
)


def _one_hot_value(v: Any, dtype: Any) -> Any:
    if isinstance(v, _TensorLike):
        return v
    return core.convert_to_tensor(v, dtype_hint=dtype)


def one_hot(indices: Any, depth: Any, on_value: Any = None, off_value: Any = None, axis: Any = None,
            dtype: Any = None, name: str | None = None) -> Tensor:
    """One-hot vectors of length ``depth`` along a new ``axis`` (default last); out-of-range indices give
    all-``off_value`` vectors. The dtype is ``dtype``, else that of ``on_value``/``off_value``, else float32.

    >>> import tapegrad as tf
    >>> tf.one_hot([0, 2, -1], 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    op = "one_hot"
    idx = _index_tensor(indices, op)
    d = _as_int(depth, op, "depth")
    if d < 0:
        raise InvalidArgumentError(f"{op}: depth must be >= 0, got {d}.")
    want = None if dtype is None else _dtypes.as_dtype(dtype)
    on = None if on_value is None else _one_hot_value(on_value, want)
    off = None if off_value is None else _one_hot_value(off_value, want)
    for v, what in ((on, "on_value"), (off, "off_value")):
        if v is not None and want is not None and v.dtype != want:
            raise TypeError(f"{op}: dtype {v.dtype.name} of {what} does not match the dtype parameter {want.name}.")
    if on is not None and off is not None and on.dtype != off.dtype:
        raise TypeError(f"{op}: dtype {on.dtype.name} of on_value does not match dtype {off.dtype.name} of off_value.")
    dt = want or (on.dtype if on is not None else off.dtype if off is not None else _dtypes.float32)
    onv = np.asarray(_raw(on)) if on is not None else np.ones((), dt._np)
    offv = np.asarray(_raw(off)) if off is not None else np.zeros((), dt._np)
    if onv.ndim or offv.ndim:
        raise InvalidArgumentError(f"{op}: on_value and off_value must be scalars.")
    nd = idx._value.ndim + 1
    ax = -1 if axis is None else _as_int(axis, op, "axis")
    if ax != -1 and not 0 <= ax < nd:
        raise InvalidArgumentError(f"{op}: axis must be -1 or in [0, {nd}), got {ax}.")
    return apply1(ONE_HOT, idx, {"depth": d, "on": onv, "off": offv, "axis": ax})


# -- meshgrid ----------------------------------------------------------------------------------------------------------
# One op per output grid: each grid depends on its own coordinate vector only (gradients of a grid with respect to
# the other vectors are None, as in TF, not zeros).


def _grid_fwd(F: Any, x: Any, pos: int, shape: tuple[int, ...]) -> Any:
    col = [1] * len(shape)
    col[pos] = shape[pos]
    return F.broadcast_to(F.reshape(x, tuple(col)), shape).copy()


def _grid_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    n, pos = len(p["shape"]), p["pos"]
    axes = tuple(a - n for a in _range(n) if a != pos)
    return (F.sum(g, axis=axes) if axes else g,)


def _grid_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    shape, pos = p["shape"], p["pos"]
    col = [1] * len(shape)
    col[pos] = shape[pos]
    return F.broadcast_to(F.reshape(ts[0], tuple(col)), shape)


MESHGRID = defop(
    "meshgrid", _grid_fwd, _grid_vjp, _grid_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, a, b, c: tf.meshgrid(a, b, c), normal((3,), (2,), (4,)),
             ref=lambda a, b, c: np.meshgrid(a, b, c), complex=True),
        spec(lambda tf, a, b: tf.meshgrid(a, b, indexing="ij"), normal((3,), (2,)),
             ref=lambda a, b: np.meshgrid(a, b, indexing="ij"), name="ij"),
    ],
)


def meshgrid(*args: Any, **kwargs: Any) -> list[Tensor]:
    """Coordinate grids from 1-D coordinate vectors; ``indexing="xy"`` (default, Cartesian) or ``"ij"``.

    >>> import tapegrad as tf
    >>> X, Y = tf.meshgrid([1, 2, 3], [4, 5])
    >>> X.numpy().tolist(), Y.numpy().tolist()
    ([[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]])
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: {next(iter(kwargs))!r} is an invalid keyword argument (use indexing=).")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    if not args:
        return []
    xs = [to_tensor(a) for a in args]
    for x in xs[1:]:
        if x._value.dtype != xs[0]._value.dtype:
            raise InvalidArgumentError(dtype_mismatch("meshgrid", xs[0], x))
    xs = [x if x._value.ndim == 1 else shape_ops.reshape(x, [-1]) for x in xs]
    n = len(xs)
    pos = list(_range(n))
    if indexing == "xy" and n >= 2:
        pos[0], pos[1] = 1, 0  # Cartesian: the first vector runs along columns
    shp = [0] * n
    for x, q in zip(xs, pos):
        shp[q] = x._value.shape[0]
    return [apply1(MESHGRID, x, {"pos": q, "shape": tuple(shp)}) for x, q in zip(xs, pos)]


# -- sequence_mask -----------------------------------------------------------------------------------------------------


def _sequence_mask_fwd(F: Any, lengths: Any, maxlen: Any, dtype: Any) -> Any:
    # TF: range(0, maxlen) < cast(lengths[..., None], maxlen.dtype), then cast to dtype
    row = F.arange(0, maxlen, 1, dtype=maxlen.dtype)
    mask = row < lengths.astype(maxlen.dtype)[..., None]
    return mask if dtype == np.bool_ else mask.astype(dtype)


SEQUENCE_MASK = defop(
    "sequence_mask", _sequence_mask_fwd, None,
    test=[
        spec(lambda tf, n: tf.sequence_mask(n), lambda rng: (np.array([1, 3, 0, 2], np.int32),),
             ref=lambda n: np.arange(3) < n[:, None]),
        spec(lambda tf, n: tf.sequence_mask(n, 4, dtype=tf.float32), lambda rng: (np.array([[1, -1], [5, 2]]),),
             ref=lambda n: (np.arange(4) < n[..., None]).astype(np.float32), name="maxlen_dtype"),
    ],
)


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = _dtypes.bool_, name: str | None = None) -> Tensor:
    """A mask of shape ``lengths.shape + [maxlen]``: ``mask[..., j] = j < lengths[...]``. ``maxlen`` defaults to
    ``max(lengths)``; the result is ``dtype`` (bool by default). Not differentiable.

    >>> import tapegrad as tf
    >>> tf.sequence_mask([1, 3, 2], 5).numpy().astype(int).tolist()
    [[1, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]]
    """
    op = "sequence_mask"
    n = to_tensor(lengths)
    if n._value.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"{op}: lengths must be numeric, got dtype {n.dtype.name}.")
    if maxlen is None:
        if n._value.size == 0:
            raise InvalidArgumentError(f"{op}: lengths is empty, so maxlen cannot default to its maximum; pass maxlen.")
        m = n._value.max()
    else:
        mt = to_tensor(maxlen)
        if mt._value.ndim != 0:
            raise ValueError(f"{op}: maxlen must be a scalar, got shape {list(mt._value.shape)}.")
        m = mt._value
    m = np.asarray(m)
    return apply1(SEQUENCE_MASK, n, {"maxlen": m[()], "dtype": _dtypes.as_dtype(dtype)._np})


EXPORTS: dict[str, list[str]] = {
    "": [
        "fill", "range", "linspace", "eye", "one_hot", "meshgrid", "sequence_mask",
    ],
    "linalg": [
        "eye",
    ],
}
