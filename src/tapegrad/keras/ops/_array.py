"""The array half of ``keras.ops.numpy``: creation, shape manipulation, joining/splitting, indexing, sorting and
products (``matmul``, ``einsum``, ``tensordot``, ...). Re-exported by :mod:`tapegrad.keras.ops.numpy`.

>>> from tapegrad.keras import ops
>>> ops.arange(3).dtype.name, ops.linspace(0, 1, 3).numpy().tolist(), ops.tri(2, dtype="int32").numpy().tolist()
('int32', [0.0, 0.5, 1.0], [[1, 0], [1, 1]])
>>> ops.take_along_axis(ops.array([[3, 1, 2]]), ops.argsort(ops.array([[3, 1, 2]])), axis=1).numpy().tolist()
[[1, 2, 3]]
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

import tapegrad as tg

from .. import backend as _state
from ._dtypes import cast, convert, dtype_of, promote, result_type, standardize_dtype

__all__ = [
    "append", "arange", "argpartition", "argsort", "array", "array_split", "bartlett", "bincount", "blackman",
    "broadcast_to", "concatenate", "copy", "corrcoef", "correlate", "cross", "diag", "diagflat", "diagonal", "diff",
    "digitize", "dot", "dsplit", "dstack", "einsum", "empty", "empty_like", "expand_dims", "eye", "flip", "fliplr",
    "flipud", "full", "full_like", "geomspace", "get_item", "hamming", "hanning", "histogram", "hsplit", "hstack",
    "identity", "inner", "isin", "kaiser", "kron", "linspace", "logspace", "matmul", "meshgrid", "moveaxis", "ndim",
    "nonzero", "ones", "ones_like", "outer", "pad", "ravel", "repeat", "reshape", "roll", "rot90", "searchsorted",
    "select", "size", "sort", "split", "squeeze", "stack", "swapaxes", "take", "take_along_axis", "tensordot", "tile",
    "trace", "transpose", "trapezoid", "tri", "tril", "triu", "unique", "unravel_index", "vander", "vdot",
    "vectorize", "view", "vsplit", "vstack", "where", "zeros", "zeros_like",
]


def _dt(dtype: Any, default: str | None = None) -> str:
    return standardize_dtype(dtype) if dtype is not None else (default or _state.floatx())


def _shape_list(shape: Any) -> list[int]:
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return [int(s) for s in (shape.numpy().tolist() if hasattr(shape, "numpy") else shape)]


# -- creation -------------------------------------------------------------------------------------------------------
def array(x: Any, dtype: Any = None) -> Any:
    """A tensor from ``x`` (cast to ``dtype`` when given)."""
    return convert(x, dtype)


def zeros(shape: Any, dtype: Any = None) -> Any:
    """A tensor of zeros (``floatx`` by default)."""
    return tg.zeros(_shape_list(shape), _dt(dtype))


def ones(shape: Any, dtype: Any = None) -> Any:
    """A tensor of ones (``floatx`` by default)."""
    return tg.ones(_shape_list(shape), _dt(dtype))


def empty(shape: Any, dtype: Any = None) -> Any:
    """An uninitialized tensor: zeros here (as Keras on TensorFlow)."""
    return zeros(shape, dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """A tensor of ``fill_value`` (``floatx`` unless ``dtype`` is given)."""
    dt = _dt(dtype)
    return tg.broadcast_to(convert(fill_value, dt), _shape_list(shape))


def zeros_like(x: Any, dtype: Any = None) -> Any:
    """Zeros with ``x``'s shape (and dtype unless ``dtype`` is given)."""
    x = convert(x)
    return tg.zeros(x.shape, _dt(dtype, x.dtype.name))


def ones_like(x: Any, dtype: Any = None) -> Any:
    """Ones with ``x``'s shape."""
    x = convert(x)
    return tg.ones(x.shape, _dt(dtype, x.dtype.name))


empty_like = zeros_like


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``fill_value`` with ``x``'s shape and dtype."""
    x = convert(x)
    dt = _dt(dtype, x.dtype.name)
    return tg.broadcast_to(convert(fill_value, dt), x.shape)


def identity(n: int, dtype: Any = None) -> Any:
    """The ``n x n`` identity matrix."""
    return eye(n, dtype=dtype)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:  # noqa: N803
    """Ones on the ``k``-th diagonal of an ``N x M`` matrix."""
    M = N if M is None else M  # noqa: N806
    return tg.constant(np.eye(int(N), int(M), int(k)), _dt(dtype))


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:  # noqa: N803
    """Ones at and below the ``k``-th diagonal."""
    M = N if M is None else M  # noqa: N806
    return tg.constant(np.tri(int(N), int(M), int(k)), _dt(dtype))


def _band_mask(x: Any, k: int, lower: bool) -> Any:
    n, m = x.shape[-2], x.shape[-1]
    mask = np.tri(n, m, k, dtype=bool)
    if not lower:
        mask = ~np.tri(n, m, k - 1, dtype=bool)
    return tg.constant(mask)


def tril(x: Any, k: int = 0) -> Any:
    """Zero out the elements above the ``k``-th diagonal."""
    x = convert(x)
    return tg.where(_band_mask(x, int(k), True), x, tg.zeros_like(x))


def triu(x: Any, k: int = 0) -> Any:
    """Zero out the elements below the ``k``-th diagonal."""
    x = convert(x)
    return tg.where(_band_mask(x, int(k), False), x, tg.zeros_like(x))


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Any:
    """Evenly spaced values in ``[start, stop)``; Python ints give ``int32``, floats ``floatx``."""
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        dtype = result_type(*(dtype_of(v) for v in (start, stop, step)))
    dt = standardize_dtype(dtype)
    if step == 0:
        raise ValueError("arange: step must not be 0")
    vals = np.arange(np.asarray(convert(start).numpy(), np.float64), np.asarray(convert(stop).numpy(), np.float64),
                     np.asarray(convert(step).numpy(), np.float64))
    return tg.constant(vals.astype(np.dtype(dt) if dt != "bfloat16" else np.float32), dt)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype: Any = None,
             axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (``float32`` unless inputs/``dtype`` say otherwise)."""
    if num < 0:
        raise ValueError(f"linspace: `num` must be non-negative, got {num}")
    dt = _dt(dtype) if dtype is not None else result_type(dtype_of(start), dtype_of(stop), float)
    calc = "float64" if dt in ("float64", "int64") else "float32"
    a, b = convert(start, calc), convert(stop, calc)
    div = (num - 1) if endpoint else num
    step = (b - a) / builtins.max(div, 1)
    idx = tg.cast(tg.range(num), calc)
    shape_extra = len(a.shape)
    idx = tg.reshape(idx, [num] + [1] * shape_extra)
    out = a + idx * step
    if endpoint and num > 1:
        out = tg.concat([out[:-1], tg.expand_dims(b + tg.zeros_like(a), 0)], 0)
    if axis != 0 and shape_extra:
        out = moveaxis(out, 0, axis)
    out = cast(out, dt) if "int" not in dt else cast(tg.floor(out), dt)
    if retstep:
        return out, cast(step, dt) if div else cast(tg.constant(np.nan), dt)
    return out


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10, dtype: Any = None,
             axis: int = 0) -> Any:
    """``base ** linspace(start, stop, num)``."""
    dt = _dt(dtype) if dtype is not None else result_type(dtype_of(start), dtype_of(stop), float)
    calc = "float64" if dt == "float64" else "float32"
    lin = linspace(start, stop, num, endpoint, dtype=calc, axis=axis)
    return cast(tg.pow(tg.constant(float(base), calc), lin), dt)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Any:
    """Numbers spaced evenly on a log scale from ``start`` to ``stop`` (``float32`` by default)."""
    dt = _dt(dtype) if dtype is not None else "float32"
    calc = "float64" if dt == "float64" else "float32"
    a, b = convert(start, calc), convert(stop, calc)
    sign = tg.sign(a)
    lin = linspace(tg.math.log(tg.abs(a)), tg.math.log(tg.abs(b)), num, endpoint, dtype=calc, axis=axis)
    out = sign * tg.exp(lin)
    if num > 0:
        out = tg.concat([tg.expand_dims(a, 0), out[1:]], 0) if axis == 0 else out
        if endpoint and num > 1 and axis == 0:
            out = tg.concat([out[:-1], tg.expand_dims(b, 0)], 0)
    return cast(out, dt)


def _window(name: str, n: Any, fn: Any) -> Any:
    n = int(convert(n).numpy())
    return tg.constant(fn(n), _state.floatx())


def bartlett(x: Any) -> Any:
    """The Bartlett (triangular) window of length ``x``."""
    return _window("bartlett", x, np.bartlett)


def blackman(x: Any) -> Any:
    """The Blackman window of length ``x``."""
    return _window("blackman", x, np.blackman)


def hamming(x: Any) -> Any:
    """The Hamming window of length ``x``."""
    return _window("hamming", x, np.hamming)


def hanning(x: Any) -> Any:
    """The Hann window of length ``x``."""
    return _window("hanning", x, np.hanning)


def kaiser(x: Any, beta: float) -> Any:
    """The Kaiser window of length ``x`` and shape ``beta``."""
    return _window("kaiser", x, lambda n: np.kaiser(n, float(beta)))


def meshgrid(*x: Any, indexing: str = "xy") -> list[Any]:
    """Coordinate matrices from coordinate vectors (``"xy"`` or ``"ij"`` indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: `indexing` must be 'xy' or 'ij', got {indexing!r}")
    return tg.meshgrid(*[convert(v) for v in x], indexing=indexing)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803
    """The Vandermonde matrix of the 1-D ``x``."""
    x = convert(x)
    if len(x.shape) != 1:
        raise ValueError(f"vander: `x` must be 1-D, got shape {tuple(x.shape)}")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError("vander: `N` must be non-negative")
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    dt = x.dtype.name if x.dtype.name != "bool" else "int32"
    return tg.pow(tg.expand_dims(cast(x, dt), 1), tg.constant(powers, dt))


# -- shape ----------------------------------------------------------------------------------------------------------
def reshape(x: Any, newshape: Any) -> Any:
    """``x`` with shape ``newshape`` (one entry may be -1)."""
    return tg.reshape(convert(x), _shape_list(newshape) if not isinstance(newshape, tg.Tensor) else newshape)


def ravel(x: Any) -> Any:
    """``x`` flattened to 1-D."""
    return tg.reshape(convert(x), [-1])


def expand_dims(x: Any, axis: Any) -> Any:
    """Insert length-1 axes at ``axis`` (an int or a tuple)."""
    x = convert(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    nd = len(x.shape) + len(axes)
    for a in sorted(a % nd for a in axes):
        x = tg.expand_dims(x, a)
    return x


def squeeze(x: Any, axis: Any = None) -> Any:
    """Remove length-1 axes (all, or those in ``axis``; a non-1 axis is a ``ValueError``)."""
    x = convert(x)
    if axis is None:
        return tg.squeeze(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    nd = len(x.shape)
    for a in axes:
        if x.shape[a % nd] != 1:
            raise ValueError(f"squeeze: cannot squeeze axis {a} of shape {tuple(x.shape)}: its length is not 1")
    return tg.squeeze(x, [a % nd for a in axes])


def transpose(x: Any, axes: Any = None) -> Any:
    """Permute the axes (reverse them by default)."""
    x = convert(x)
    if axes is not None and len(axes) != len(x.shape):
        raise tg.errors.InvalidArgumentError(None, None, f"transpose: `axes` {tuple(axes)} does not match the rank "
                                             f"{len(x.shape)} of `x`")
    return tg.transpose(x, None if axes is None else [int(a) for a in axes])


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Exchange two axes."""
    x = convert(x)
    perm = list(range(len(x.shape)))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return tg.transpose(x, perm)


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """Move axes ``source`` to positions ``destination``."""
    x = convert(x)
    nd = len(x.shape)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src, dst = [s % nd for s in src], [d % nd for d in dst]
    order = [a for a in range(nd) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tg.transpose(x, order)


def broadcast_to(x: Any, shape: Any) -> Any:
    """``x`` broadcast to ``shape``."""
    return tg.broadcast_to(convert(x), _shape_list(shape))


def ndim(x: Any) -> int:
    """The number of axes."""
    return len(convert(x).shape)


def size(x: Any) -> Any:
    """The number of elements (an ``int32`` scalar tensor)."""
    return tg.size(convert(x))


def flip(x: Any, axis: Any = None) -> Any:
    """Reverse the order along ``axis`` (all axes when None)."""
    x = convert(x)
    axes = list(range(len(x.shape))) if axis is None else ([axis] if isinstance(axis, int) else list(axis))
    return tg.reverse(x, axes) if axes else x


def fliplr(x: Any) -> Any:
    """Reverse along axis 1."""
    return flip(x, 1)


def flipud(x: Any) -> Any:
    """Reverse along axis 0."""
    return flip(x, 0)


def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Any:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``."""
    x = convert(array)
    if len(x.shape) < 2:
        raise ValueError(f"rot90: the array must have at least 2 dimensions, got shape {tuple(x.shape)}")
    a0, a1 = axes[0] % len(x.shape), axes[1] % len(x.shape)
    if a0 == a1:
        raise ValueError(f"rot90: `axes` must name two different axes, got {axes}")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return tg.reverse(x, [a0, a1])
    if k == 1:
        return swapaxes(tg.reverse(x, [a1]), a0, a1)
    return tg.reverse(swapaxes(x, a0, a1), [a1])


def roll(x: Any, shift: Any, axis: Any = None) -> Any:
    """Roll elements along ``axis`` (of the flattened array when None)."""
    x = convert(x)
    if axis is None:
        return tg.reshape(tg.roll(tg.reshape(x, [-1]), shift, 0), x.shape)
    return tg.roll(x, shift, axis)


def tile(x: Any, repeats: Any) -> Any:
    """Repeat the whole array ``repeats`` times along each axis."""
    x = convert(x)
    reps = [int(repeats)] if isinstance(repeats, int) else [int(r) for r in repeats]
    nd = builtins.max(len(reps), len(x.shape))
    x = tg.reshape(x, [1] * (nd - len(x.shape)) + list(x.shape))
    return tg.tile(x, [1] * (nd - len(reps)) + reps)


def repeat(x: Any, repeats: Any, axis: Any = None) -> Any:
    """Repeat each element ``repeats`` times (flattened when ``axis`` is None)."""
    x = convert(x)
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    return tg.repeat(x, repeats, axis=int(axis))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The ``offset`` diagonal of the ``(axis1, axis2)`` planes, as a last axis."""
    x = convert(x)
    nd = len(x.shape)
    a1, a2 = axis1 % nd, axis2 % nd
    rest = [a for a in range(nd) if a not in (a1, a2)]
    x = tg.transpose(x, [*rest, a1, a2])
    n, m = x.shape[-2], x.shape[-1]
    if offset >= 0:
        length = builtins.max(0, builtins.min(n, m - offset))
        rows, cols = np.arange(length), np.arange(length) + offset
    else:
        length = builtins.max(0, builtins.min(n + offset, m))
        rows, cols = np.arange(length) - offset, np.arange(length)
    flat_idx = tg.constant((rows * m + cols).astype(np.int32))
    flat = tg.reshape(x, [*x.shape[:-2], n * m])
    return tg.gather(flat, flat_idx, axis=len(rest))


def diag(x: Any, k: int = 0) -> Any:
    """The ``k``-th diagonal of a matrix, or a matrix with the 1-D ``x`` on its ``k``-th diagonal."""
    x = convert(x)
    if len(x.shape) == 1:
        n = x.shape[0] + builtins.abs(k)
        idx = np.arange(x.shape[0])
        rows, cols = (idx, idx + k) if k >= 0 else (idx - k, idx)
        return tg.scatter_nd(tg.constant(np.stack([rows, cols], 1).astype(np.int32)), x, [n, n])
    if len(x.shape) == 2:
        return diagonal(x, k)
    raise ValueError(f"diag: `x` must be 1-D or 2-D, got shape {tuple(x.shape)}")


def diagflat(x: Any, k: int = 0) -> Any:
    """``diag`` of the flattened ``x``."""
    return diag(ravel(x), k)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along the ``offset`` diagonal; small integer types accumulate in (u)int32."""
    from .numpy import sum as _sum

    return _sum(diagonal(x, offset, axis1, axis2), axis=-1)


# -- joining and splitting ------------------------------------------------------------------------------------------
def concatenate(xs: Any, axis: Any = 0) -> Any:
    """Join tensors along ``axis`` (None flattens them first), promoting dtypes."""
    xs, _ = promote(*xs)
    if axis is None:
        return tg.concat([tg.reshape(x, [-1]) for x in xs], 0)
    return tg.concat(xs, int(axis))


def append(x1: Any, x2: Any, axis: Any = None) -> Any:
    """``concatenate([x1, x2], axis)`` (flattened when ``axis`` is None)."""
    return concatenate([x1, x2], axis)


def stack(x: Any, axis: int = 0) -> Any:
    """Join tensors along a new axis."""
    xs, _ = promote(*x)
    return tg.stack(xs, axis)


def hstack(xs: Any) -> Any:
    """Join along axis 1 (axis 0 for 1-D tensors)."""
    xs, _ = promote(*xs, weak=True)
    return tg.concat(xs, 0 if len(xs[0].shape) == 1 else 1)


def vstack(xs: Any) -> Any:
    """Join along axis 0 (Keras on TensorFlow concatenates 1-D tensors end to end)."""
    xs, _ = promote(*xs, weak=True)
    return tg.concat(xs, 0)


def dstack(xs: Any) -> Any:
    """Join along axis 2 (lower-rank tensors gain axes first)."""
    xs, _ = promote(*xs)
    out = []
    for x in xs:
        if len(x.shape) == 0:
            x = tg.reshape(x, [1, 1, 1])
        elif len(x.shape) == 1:
            x = tg.reshape(x, [1, -1, 1])
        elif len(x.shape) == 2:
            x = tg.expand_dims(x, 2)
        out.append(x)
    return tg.concat(out, 2)


def _split_points(n: int, spec: Any, even: bool, name: str) -> list[int]:
    if isinstance(spec, (int, np.integer)):
        k = int(spec)
        if even and n % k:
            raise tg.errors.InvalidArgumentError(None, None, f"{name}: an axis of length {n} does not divide into {k} "
                                                 "equal sections; use array_split or give the split indices")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        return list(np.cumsum(sizes)[:-1])
    return [int(i) for i in spec]


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Split into equal sections or at the given indices along ``axis``."""
    x = convert(x)
    n = x.shape[axis]
    points = _split_points(n, indices_or_sections, True, "split")
    bounds = [0, *[builtins.min(builtins.max(p, 0), n) for p in points], n]
    idx = [slice(None)] * len(x.shape)
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        idx[axis] = slice(lo, builtins.max(lo, hi))
        out.append(x[tuple(idx)])
    return out


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Like :func:`split`, but sections may be unequal (the first ones one longer)."""
    x = convert(x)
    n = x.shape[axis]
    points = _split_points(n, indices_or_sections, False, "array_split")
    return split(x, points, axis)


def hsplit(x: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 1 (axis 0 for 1-D)."""
    x = convert(x)
    return split(x, indices_or_sections, 0 if len(x.shape) == 1 else 1)


def vsplit(x: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 0."""
    return split(x, indices_or_sections, 0)


def dsplit(x: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 2."""
    return split(x, indices_or_sections, 2)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Any:
    """Pad ``x``; ``mode`` is ``"constant"``, ``"reflect"`` or ``"symmetric"``."""
    x = convert(x)
    pw = np.asarray(pad_width, dtype=np.int64)
    if pw.ndim == 0:
        pw = np.full((len(x.shape), 2), int(pw))
    elif pw.ndim == 1:
        pw = np.tile(pw.reshape(1, -1) if pw.size == 2 else pw.reshape(-1, 1), (len(x.shape), 1))[:, :2]
        if pw.shape[1] == 1:
            pw = np.concatenate([pw, pw], 1)
    elif pw.shape[0] == 1 and len(x.shape) > 1:
        pw = np.tile(pw, (len(x.shape), 1))
    modes = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}
    if mode not in modes:
        raise ValueError(f"pad: `mode` must be one of {tuple(modes)}, got {mode!r}")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: `constant_values` only applies with mode='constant', got mode={mode!r}")
    value = 0 if constant_values is None else constant_values
    return tg.pad(x, pw.tolist(), mode=modes[mode], constant_values=tg.cast(value, x.dtype))


# -- indexing -------------------------------------------------------------------------------------------------------
def get_item(x: Any, key: Any) -> Any:
    """``x[key]``."""
    return convert(x)[key]


def take(x: Any, indices: Any, axis: Any = None) -> Any:
    """Elements at ``indices`` along ``axis`` (of the flattened ``x`` when None); negative indices wrap."""
    x = convert(x)
    idx = convert(indices)
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    axis = int(axis) % builtins.max(len(x.shape), 1)
    if idx.dtype.name not in ("int32", "int64"):
        idx = cast(idx, "int32")
    n = x.shape[axis]
    idx = tg.where(tg.less(idx, 0), idx + tg.cast(n, idx.dtype), idx)
    return tg.gather(x, idx, axis=axis)


def take_along_axis(x: Any, indices: Any, axis: Any = None) -> Any:
    """Pick values along ``axis`` with an index array of matching rank (broadcast in the other axes)."""
    x = convert(x)
    idx = cast(convert(indices), "int32")
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
        idx = tg.reshape(idx, [-1])
    nd = len(x.shape)
    axis = int(axis) % nd
    if len(idx.shape) != nd:
        raise ValueError(f"take_along_axis: `indices` must have the same rank as `x` ({nd}), got shape "
                         f"{tuple(idx.shape)}")
    xs, ishape = list(x.shape), list(idx.shape)
    bshape = [builtins.max(a, b) for a, b in zip(xs, ishape)]
    x_b = tg.broadcast_to(x, [bshape[d] if d != axis else xs[d] for d in range(nd)])
    idx_b = tg.broadcast_to(idx, [bshape[d] if d != axis else ishape[d] for d in range(nd)])
    n = xs[axis]
    idx_b = tg.where(tg.less(idx_b, 0), idx_b + n, idx_b)
    perm = [d for d in range(nd) if d != axis] + [axis]
    inv = list(np.argsort(perm))
    out = tg.gather(tg.transpose(x_b, perm), tg.transpose(idx_b, perm), axis=nd - 1, batch_dims=nd - 1)
    return tg.transpose(out, inv)


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """Elements of ``x1`` where ``condition`` else ``x2``; with only ``condition``, the indices of true elements."""
    cond = cast(condition, "bool")
    if x1 is None and x2 is None:
        return nonzero(cond)
    if (x1 is None) != (x2 is None):
        raise ValueError("where: give both `x1` and `x2`, or neither")
    (a, b), _ = promote(x1, x2, weak=True)
    return tg.where(cond, a, b)  # broadcasts the three (gradients summed back to each shape)


def nonzero(x: Any) -> list[Any]:
    """A list of ``int32`` index arrays, one per axis, of the nonzero elements."""
    x = convert(x)
    idx = tg.where(tg.not_equal(x, tg.zeros_like(x)))
    return [cast(idx[:, d], "int32") for d in range(len(x.shape))]


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """The first choice whose condition holds, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, got {len(condlist)} and "
                         f"{len(choicelist)}")
    if not condlist:
        raise ValueError("select: condlist must not be empty")
    choices, dt = promote(*choicelist)
    out = convert(default, dt)
    for c, v in reversed(list(zip(condlist, choices))):
        out = where(c, v, out)
    return out


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> Any:
    """Insertion indices of ``values`` into the 1-D ``sorted_sequence`` (``int32``)."""
    seq = convert(sorted_sequence)
    if len(seq.shape) != 1:
        raise ValueError(f"searchsorted: `sorted_sequence` must be 1-D, got shape {tuple(seq.shape)}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right', got {side!r}")
    (seq, vals), _ = promote(seq, values)
    if len(vals.shape) > 1:
        raise tg.errors.InvalidArgumentError(None, None, f"searchsorted: `values` must be 0-D or 1-D for a 1-D "
                                             f"sorted_sequence (as Keras on TensorFlow), got shape {tuple(vals.shape)}")
    flat = tg.reshape(vals, [1, -1])
    out = tg.searchsorted(tg.reshape(seq, [1, -1]), flat, side=side)
    return tg.reshape(out, tg.shape(vals))


def digitize(x: Any, bins: Any) -> Any:
    """Bin index of each value (``int32``; bins increasing; as Keras, ``x`` and ``bins`` compare as floats)."""
    x = convert(x)
    calc = "float64" if x.dtype.name in ("int64", "uint32", "float64") else "float32"
    flat = tg.reshape(tg.cast(x, calc), [1, -1])
    edges = tg.reshape(convert(bins, calc), [1, -1])
    return tg.cast(tg.reshape(tg.searchsorted(edges, flat, side="right"), tg.shape(x)), "int32")


def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> Any:
    """True where an element of ``x1`` occurs in ``x2``."""
    (a, b), _ = promote(x1, x2)
    flat_b = tg.reshape(b, [-1])
    hit = tg.reduce_any(tg.equal(tg.expand_dims(a, -1), flat_b), -1)
    return tg.logical_not(hit) if invert else hit


def unravel_index(indices: Any, shape: Any) -> tuple[Any, ...]:
    """Flat indices to a tuple of coordinate arrays for ``shape``."""
    idx = convert(indices)
    dims = _shape_list(shape)
    out = []
    rest = idx
    for d in reversed(dims):
        out.append(tg.math.floormod(rest, tg.cast(d, idx.dtype)))
        rest = tg.math.floordiv(rest, tg.cast(d, idx.dtype))
    return tuple(reversed(out))


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Any:
    """Counts of each non-negative integer (weighted sums with ``weights``), along the last axis for 2-D."""
    if sparse:
        raise ValueError("bincount: sparse=True is not supported by tapegrad; use a dense result")
    x = convert(x)
    if weights is None:
        dt = "int32"
    else:
        w = convert(weights)
        dt = result_type(w.dtype.name)
        if dt in ("int8", "int16", "uint8", "uint16", "bool"):
            dt = "int32"
    axis = -1 if len(x.shape) == 2 else None
    out = tg.math.bincount(cast(x, "int32"), weights=None if weights is None else cast(weights, dt if dt != "bool"
                                                                                        else "int32"),
                           minlength=minlength, dtype=dt, axis=axis)
    return out


def histogram(x: Any, bins: int = 10, range: Any = None) -> tuple[Any, Any]:  # noqa: A002
    """``(counts, edges)`` of the 1-D ``x`` in ``bins`` equal bins over ``range`` (min/max by default)."""
    x = convert(x)
    if len(x.shape) != 1:
        raise ValueError(f"histogram: `x` must be 1-D, got shape {tuple(x.shape)}")
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"histogram: `bins` must be a positive integer, got {bins!r}")
    if range is None:
        lo, hi = tg.reduce_min(x), tg.reduce_max(x)
    else:
        lo, hi = tg.cast(range[0], x.dtype), tg.cast(range[1], x.dtype)
    edges = linspace(lo, hi, bins + 1, dtype=x.dtype.name)
    inside = tg.logical_and(tg.greater_equal(x, lo), tg.less_equal(x, hi))
    pos = tg.searchsorted(edges, x, side="right") - 1
    pos = tg.minimum(pos, bins - 1)
    counts = tg.math.bincount(tg.boolean_mask(pos, inside), minlength=bins, maxlength=bins, dtype=x.dtype)
    return counts, edges


# -- sorting --------------------------------------------------------------------------------------------------------
def sort(x: Any, axis: int = -1) -> Any:
    """Sorted along ``axis`` (ascending)."""
    x = convert(x)
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    if x.dtype.name == "bool":
        return cast(tg.sort(cast(x, "int32"), axis=axis), "bool")
    return tg.sort(x, axis=axis)


def argsort(x: Any, axis: int = -1) -> Any:
    """Indices that sort ``x`` along ``axis`` (stable, ``int32``)."""
    x = convert(x)
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    if x.dtype.name == "bool":
        x = cast(x, "int32")
    if len(x.shape) == 0:
        return tg.constant(0, "int32")
    return tg.argsort(x, axis=axis, stable=True)


def argpartition(x: Any, kth: int, axis: int = -1) -> Any:
    """Indices partitioning ``x`` around its ``kth`` element (here: a full stable sort, which is one)."""
    x = convert(x)
    n = x.shape[axis]
    if not -n <= int(kth) < n:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of length {n}")
    return argsort(x, axis)


def unique(x: Any, sorted: bool = True, return_index: bool = False, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, axis: Any = None, size: Any = None, fill_value: Any = None) -> Any:
    """The sorted unique values of the flattened ``x`` (with first indices, inverse and counts on request)."""
    if axis is not None:
        raise ValueError("unique: only axis=None is supported (the flattened array)")
    x = convert(x)
    if x.dtype.name == "bool":
        raise tg.errors.InvalidArgumentError(None, None, "unique: bool tensors are not supported; cast to int first")
    vals = x.numpy().reshape(-1)
    u, first, inv, counts = np.unique(vals, return_index=True, return_inverse=True, return_counts=True)
    if size is not None:
        pad = int(size) - len(u)
        fill = 0 if fill_value is None else fill_value
        if pad > 0:
            u = np.concatenate([u, np.full(pad, fill, u.dtype)])
            first = np.concatenate([first, np.zeros(pad, first.dtype)])
            counts = np.concatenate([counts, np.zeros(pad, counts.dtype)])
        else:
            u, first, counts = u[:size], first[:size], counts[:size]
    outs = [tg.constant(u, x.dtype)]
    if return_index:
        outs.append(tg.constant(first.astype(np.int32)))
    if return_inverse:
        outs.append(tg.constant(inv.reshape(x.shape).astype(np.int32)))
    if return_counts:
        outs.append(tg.constant(counts.astype(np.int32)))
    return outs[0] if len(outs) == 1 else tuple(outs)


# -- products -------------------------------------------------------------------------------------------------------
def _matmul_dtype(dt_a: str, dt_b: str) -> tuple[str, str]:
    dt = result_type(dt_a, dt_b)
    if dt in ("int8", "uint8", "int16", "uint16") and dt_a == dt_b == "int8":
        return "int32", "int32"
    if dt == "bool":
        return "int32", "bool"
    return dt, dt


def matmul(x1: Any, x2: Any) -> Any:
    """Matrix product with NumPy's broadcasting (1-D operands are vectors); ``int8 @ int8`` gives ``int32``."""
    if (type(x1) is tg.Tensor and type(x2) is tg.Tensor and x1.dtype == x2.dtype and x1.dtype.is_floating
            and len(x1.shape) == 2 and len(x2.shape) == 2):  # fast path: two float matrices of one dtype
        return tg.matmul(x1, x2)
    a, b = convert(x1), convert(x2)
    calc, out = _matmul_dtype(a.dtype.name, b.dtype.name)
    a, b = cast(a, calc), cast(b, calc)
    if calc.startswith(("int", "uint")) and calc not in ("int32", "int64"):
        a, b = cast(a, "int32"), cast(b, "int32")
    va, vb = len(a.shape) == 1, len(b.shape) == 1
    if va:
        a = tg.expand_dims(a, 0)
    if vb:
        b = tg.expand_dims(b, 1)
    if len(a.shape) > 2 or len(b.shape) > 2:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
        a = tg.broadcast_to(a, [*batch, *a.shape[-2:]])
        b = tg.broadcast_to(b, [*batch, *b.shape[-2:]])
    y = tg.matmul(a, b)
    if va:
        y = tg.squeeze(y, -2)
    if vb:
        y = tg.squeeze(y, -1)
    return cast(y, out if out != "bool" else "bool") if out != calc or y.dtype.name != out else y


def dot(x1: Any, x2: Any) -> Any:
    """NumPy's ``dot``: scalars multiply, 1-D·1-D is the inner product, N-D contracts x1's last with x2's
    second-to-last axis."""
    a, b = convert(x1), convert(x2)
    dt = result_type(a.dtype.name, b.dtype.name)
    a, b = cast(a, dt), cast(b, dt)
    if len(a.shape) == 0 or len(b.shape) == 0:
        return a * b
    if len(b.shape) == 1:
        return tg.tensordot(a, b, [[len(a.shape) - 1], [0]])
    return tg.tensordot(a, b, [[len(a.shape) - 1], [len(b.shape) - 2]])


def vdot(x1: Any, x2: Any) -> Any:
    """The dot product of the flattened arrays (the first conjugated)."""
    from .numpy import conjugate

    return dot(ravel(conjugate(x1)), ravel(x2))


def inner(x1: Any, x2: Any) -> Any:
    """Contract the last axes of ``x1`` and ``x2``."""
    a, b = convert(x1), convert(x2)
    dt = result_type(a.dtype.name, b.dtype.name)
    a, b = cast(a, dt), cast(b, dt)
    if len(a.shape) == 0 or len(b.shape) == 0:
        return a * b
    return tg.tensordot(a, b, [[len(a.shape) - 1], [len(b.shape) - 1]])


def outer(x1: Any, x2: Any) -> Any:
    """The outer product of the flattened arrays."""
    (a, b), _ = promote(x1, x2)
    return tg.reshape(a, [-1, 1]) * tg.reshape(b, [1, -1])


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Any:
    """Sum products over ``axes`` (an int: the last/first ``axes`` axes, or two lists); with an int, the
    contracted blocks only need the same number of elements (TensorFlow's reshape-and-matmul)."""
    (a, b), dt = promote(x1, x2)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n > builtins.min(len(a.shape), len(b.shape)):
            raise ValueError(f"tensordot: axes={n} is more than the rank of x1 {tuple(a.shape)} or x2 "
                             f"{tuple(b.shape)}; give a smaller `axes` or the axis lists")
        ka = int(np.prod(a.shape[len(a.shape) - n:])) if n else 1
        kb = int(np.prod(b.shape[:n])) if n else 1
        if ka != kb:
            raise tg.errors.InvalidArgumentError(None, None, f"tensordot: the last {n} axes of x1 {tuple(a.shape)} "
                                                 f"and the first {n} of x2 {tuple(b.shape)} differ in size")
        out_shape = [*a.shape[:len(a.shape) - n], *b.shape[n:]]
        calc = "int32" if dt in ("bool", "int8", "uint8", "int16", "uint16") else dt
        y = tg.matmul(cast(tg.reshape(a, [-1, ka]), calc), cast(tg.reshape(b, [kb, -1]), calc))
        return cast(tg.reshape(y, out_shape), dt)
    return tg.tensordot(a, b, axes)


def kron(x1: Any, x2: Any) -> Any:
    """The Kronecker product."""
    (a, b), _ = promote(x1, x2)
    nd = builtins.max(len(a.shape), len(b.shape))
    a = tg.reshape(a, [1] * (nd - len(a.shape)) + list(a.shape))
    b = tg.reshape(b, [1] * (nd - len(b.shape)) + list(b.shape))
    ea = tg.reshape(a, [d for s in a.shape for d in (s, 1)])
    eb = tg.reshape(b, [d for s in b.shape for d in (1, s)])
    return tg.reshape(ea * eb, [sa * sb for sa, sb in zip(a.shape, b.shape)])


def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None) -> Any:
    """The cross product of 3-vectors (2-vectors get a zero z) along the given axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    (a, b), _ = promote(x1, x2)
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise tg.errors.FailedPreconditionError(None, None, f"cross: the vector axes must have length 2 or 3, got "
                                                f"{na} and {nb}")
    if na == 2 and nb == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    z = tg.zeros_like(a[..., :1])
    if na == 2:
        a = tg.concat([a, z], -1)
    if nb == 2:
        b = tg.concat([b, tg.zeros_like(b[..., :1])], -1)
    c = tg.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1], a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                  a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1)
    return moveaxis(c, -1, axisc)


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Any:
    """Einstein summation over ``operands`` (dtypes promoted; ``int8`` operands give ``int32``)."""
    xs, dt = promote(*operands)
    if dt in ("int8", "uint8", "int16", "uint16", "bool"):
        out_dt = "int32" if dt != "bool" else "int32"
        xs = [cast(x, "int32") for x in xs]
        return cast(tg.einsum(subscripts, *xs), out_dt)
    return tg.einsum(subscripts, *xs)


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Any:
    """Cross-correlation of two 1-D sequences (``mode`` ``"valid"``, ``"same"`` or ``"full"``)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: `mode` must be 'valid', 'same' or 'full', got {mode!r}")
    (a, v), dt = promote(x1, x2)
    if "int" in dt or dt == "bool":
        dt = "float32" if dt != "int64" else "float64"
        a, v = cast(a, dt), cast(v, dt)
    n, m = a.shape[0], v.shape[0]
    if mode == "valid":
        lo, hi = 0, 0
    elif mode == "full":
        lo = hi = m - 1
    else:
        lo, hi = (m - 1) // 2, m - 1 - (m - 1) // 2
    if n < m:
        a, v = v, a
        n, m = m, n
    ap = tg.pad(a, [[lo, hi]])
    length = ap.shape[0] - m + 1
    idx = np.arange(length)[:, None] + np.arange(m)[None, :]
    windows = tg.gather(ap, tg.constant(idx.astype(np.int32)))
    return tg.reduce_sum(windows * v, -1)


def diff(a: Any, n: int = 1, axis: int = -1) -> Any:
    """The ``n``-th discrete difference along ``axis`` (booleans: ``!=``)."""
    x = convert(a)
    for _ in range(int(n)):
        hi = [slice(None)] * len(x.shape)
        lo = [slice(None)] * len(x.shape)
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        x = tg.not_equal(x[tuple(hi)], x[tuple(lo)]) if x.dtype.name == "bool" else x[tuple(hi)] - x[tuple(lo)]
    return x


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Any:
    """Integral of ``y`` by the trapezoidal rule (sample points ``x`` or spacing ``dx``)."""
    y = convert(y)
    dt = result_type(y.dtype.name, float)
    y = cast(y, dt)
    nd = len(y.shape)
    hi = [slice(None)] * nd
    lo = [slice(None)] * nd
    hi[axis], lo[axis] = slice(1, None), slice(None, -1)
    avg = (y[tuple(hi)] + y[tuple(lo)]) * 0.5
    if x is None:
        return tg.reduce_sum(avg, axis) * tg.cast(dx, dt)
    d = diff(cast(x, dt), axis=axis if len(convert(x).shape) > 1 else -1)
    if len(d.shape) == 1 and nd > 1:
        shape = [1] * nd
        shape[axis] = -1
        d = tg.reshape(d, shape)
    return tg.reduce_sum(avg * d, axis)


def corrcoef(x: Any) -> Any:
    """Pearson correlation coefficients of the rows of ``x``."""
    x = convert(x)
    dt = x.dtype.name
    dt = "float64" if dt == "int64" else result_type(dt, float)
    x = cast(x, dt)
    if len(x.shape) == 1:
        x = tg.reshape(x, [1, -1])
    xc = x - tg.reduce_mean(x, 1, keepdims=True)
    cov = tg.matmul(xc, tg.transpose(xc)) / tg.cast(x.shape[1] - 1, dt)
    d = tg.sqrt(tg.linalg.diag_part(cov))
    out = cov / tg.reshape(d, [-1, 1]) / tg.reshape(d, [1, -1])
    return tg.clip_by_value(out, tg.cast(-1, dt), tg.cast(1, dt))


def copy(x: Any) -> Any:
    """A copy of ``x``."""
    return tg.identity(convert(x))


def view(x: Any, dtype: Any = None) -> Any:
    """The same bytes reinterpreted as ``dtype`` (the last axis rescales when the item sizes differ)."""
    x = convert(x)
    if dtype is None:
        return x
    dt = standardize_dtype(dtype)
    if x.dtype.name == "bool":
        raise tg.errors.InvalidArgumentError(None, None, "view: bool tensors cannot be reinterpreted; cast first")
    return tg.bitcast(x, dt) if np.dtype(dt).itemsize == np.dtype(x.dtype.name).itemsize else tg.constant(
        x.numpy().view(np.dtype(dt)), dt)


def vectorize(pyfunc: Any, *, excluded: Any = None, signature: str | None = None) -> Any:
    """A function applying ``pyfunc`` to each element (or each core block of ``signature``) by mapping."""
    if excluded:
        raise ValueError("vectorize: `excluded` is not supported")

    def mapped(*args: Any) -> Any:
        xs = [convert(a) for a in args]
        if signature is None:
            shape = np.broadcast_shapes(*(tuple(x.shape) for x in xs))
            flat = [tg.reshape(tg.broadcast_to(x, shape), [-1]) for x in xs]
            out = tg.map_fn(lambda e: pyfunc(*e), tuple(flat), fn_output_signature=None)
            return tg.reshape(out, shape)
        return tg.vectorized_map(lambda e: pyfunc(*e), tuple(xs))
    return mapped
