"""TF-NumPy array creation, shape manipulation, joining/splitting and indexing, on tapegrad's differentiable ops."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ... import dtypes as _tgd
from ._dtypes import (
    _is_tensor,
    _promote,
    _result_type_unary,
    array,
    asarray,
    default_float_type,
    result_type,
)

newaxis = None


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _static_shape(a: Any) -> list[int]:
    return [int(d) for d in asarray(a).shape]


# -- creation --------------------------------------------------------------------------------------------------------

def _shape_list(shape: Any) -> list[int]:
    if _is_tensor(shape):
        shape = shape.numpy()
    return [int(s) for s in np.atleast_1d(np.asarray(shape))]


def zeros(shape: Any, dtype: Any = float) -> Any:
    """A tensor of zeros; ``dtype`` defaults to float64 (TF-NumPy's ``float``).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.zeros([2]).dtype
    tapegrad.float64
    """
    dt = result_type(dtype) if dtype else _tgd.as_dtype(default_float_type())
    return _tg().zeros(_shape_list(shape), dtype=dt)


def empty(shape: Any, dtype: Any = float) -> Any:
    """Same as :func:`zeros` (tensors are always initialised)."""
    return zeros(shape, dtype)


def ones(shape: Any, dtype: Any = float) -> Any:
    """A tensor of ones (float64 by default).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.ones(2, dtype=bool).numpy()
    array([ True,  True])
    """
    dt = result_type(dtype) if dtype else _tgd.float32
    return _tg().ones(_shape_list(shape), dtype=dt)


def zeros_like(a: Any, dtype: Any = None) -> Any:
    """Zeros with ``a``'s shape and (unless ``dtype``) its dtype.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.zeros_like([1.0, 2.0]).dtype
    tapegrad.float64
    """
    dt = _tgd.as_dtype(_result_type_unary(a, dtype))
    return _tg().zeros(_static_shape(a), dtype=dt)


def empty_like(a: Any, dtype: Any = None) -> Any:
    """Same as :func:`zeros_like`."""
    return zeros_like(a, dtype)


def ones_like(a: Any, dtype: Any = None) -> Any:
    """Ones with ``a``'s shape and (unless ``dtype``) its dtype."""
    dt = _tgd.as_dtype(_result_type_unary(a, dtype))
    return _tg().ones(_static_shape(a), dtype=dt)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``fill_value`` broadcast to ``shape`` (its dtype inferred NumPy-style unless given).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.full([2], 7).numpy()
    array([7, 7])
    """
    return _tg().broadcast_to(asarray(fill_value, dtype=dtype), _shape_list(shape))


def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None) -> Any:
    """``fill_value`` broadcast to ``a``'s shape, with ``a``'s dtype unless ``dtype`` is given.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.full_like([1, 2], 2.5).numpy()
    array([2, 2])
    """
    if order != "K":
        raise ValueError(f"full_like: only order='K' is supported, got order={order!r}.")
    if not subok:
        raise ValueError("full_like: subok=False is not supported (there are no ndarray subclasses).")
    if shape:
        raise ValueError("full_like: overriding the shape is not supported; use full(shape, fill_value).")
    a = asarray(a)
    return _tg().broadcast_to(asarray(fill_value, dtype=dtype or a.dtype), _static_shape(a))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float) -> Any:  # noqa: N803 - NumPy's names
    """An ``N x M`` matrix with ones on diagonal ``k``.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.eye(2, 3, k=1).numpy()
    array([[0., 1., 0.],
           [0., 0., 1.]])
    """
    dt = result_type(dtype) if dtype else _tgd.float32
    n, m = int(N), int(M) if M else int(N)
    return _tg().constant(np.eye(n, m, int(k), dtype=dt.as_numpy_dtype))


def identity(n: int, dtype: Any = float) -> Any:
    """The ``n x n`` identity matrix."""
    return eye(n, n, dtype=dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Any:
    """Evenly spaced values in ``[start, stop)``; the dtype is NumPy's result type of the arguments.

    >>> import tapegrad as tf
    >>> tnp = tf.experimental.numpy
    >>> tnp.arange(3).dtype, tnp.arange(1, 2, 0.5).numpy()
    (tapegrad.int64, array([1. , 1.5]))
    """
    if not step:
        raise ValueError("arange: step must be non-zero.")
    if dtype:
        dt = result_type(dtype)
    else:
        dt = result_type(start, step) if stop is None else result_type(start, step, stop)
    vals = np.arange(start, step=step) if stop is None else np.arange(start, stop, step)
    return _tg().constant(vals.astype(dt.as_numpy_dtype))


def diag(v: Any, k: int = 0) -> Any:
    """The diagonal ``k`` of a matrix, or a square matrix with a vector on diagonal ``k``.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.diag([1, 2]).numpy()
    array([[1, 0],
           [0, 2]])
    """
    v = asarray(v)
    if v.shape.rank not in (1, 2):
        raise ValueError(f"diag: the input must be 1-D or 2-D, got shape {v.shape}.")
    if v.shape.rank == 1:
        if int(v.shape[0]) == 0:
            return _tg().zeros([abs(k), abs(k)], dtype=v.dtype)
        return _tg().linalg.diag(v, k=k)
    n, m = _static_shape(v)
    if (k >= 0 and k >= m) or (k < 0 and -k >= n):
        return _tg().zeros([0], dtype=v.dtype)
    return _tg().linalg.diag_part(v, k=k)


def diagflat(v: Any, k: int = 0) -> Any:
    """:func:`diag` of the flattened input."""
    return diag(ravel(v), k)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal ``offset`` over axes ``axis1``/``axis2``, as the last axis (NumPy's layout)."""
    a = asarray(a)
    nd = a.shape.rank
    axis1, axis2 = axis1 % nd, axis2 % nd
    rest = [i for i in range(nd) if i not in (axis1, axis2)]
    a = _tg().transpose(a, rest + [axis1, axis2])
    n, m = _static_shape(a)[-2:]
    if (offset >= 0 and offset >= m) or (offset < 0 and -offset >= n):
        return _tg().zeros(_static_shape(a)[:-2] + [0], dtype=a.dtype)
    return _tg().linalg.diag_part(a, k=offset)


def diag_indices(n: int, ndim: int = 2) -> tuple[Any, ...]:
    """The indices of the main diagonal of an ``n``-wide, ``ndim``-dimensional array (int32, as TF)."""
    if n < 0:
        raise ValueError(f"diag_indices: n must be non-negative, got {n}.")
    if ndim < 0:
        raise ValueError(f"diag_indices: ndim must be non-negative, got {ndim}.")
    r = _tg().range(n)
    return (r,) * ndim


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:  # noqa: N803
    """Ones at and below diagonal ``k`` (float64 by default)."""
    dt = result_type(dtype) if dtype else _tgd.as_dtype(default_float_type())
    m = N if M is None else M
    return _tg().constant(np.tri(int(N), int(m), int(k), dtype=dt.as_numpy_dtype))


def _band(m: Any, k: int, lower: bool) -> Any:
    m = asarray(m)
    if m.shape.rank < 1:
        raise ValueError("tril/triu: the input must have at least one dimension.")
    if m.shape.rank == 1:
        m = _tg().broadcast_to(m, _static_shape(m) * 2)
    n, cols = _static_shape(m)[-2:]
    mask = np.tri(n, cols, k if lower else k - 1, dtype=bool)
    if not lower:
        mask = ~mask
    return _tg().where(_tg().constant(mask), m, _tg().zeros([], dtype=m.dtype))


def tril(m: Any, k: int = 0) -> Any:
    """``m`` with the elements above diagonal ``k`` zeroed."""
    return _band(m, k, True)


def triu(m: Any, k: int = 0) -> Any:
    """``m`` with the elements below diagonal ``k`` zeroed."""
    return _band(m, k, False)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803
    """The Vandermonde matrix of a vector (powers decreasing unless ``increasing``)."""
    x = asarray(x)
    if x.shape.rank != 1:
        raise ValueError(f"vander: x must be a vector, got shape {x.shape}.")
    n = int(x.shape[0]) if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be non-negative, got {N}.")
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    return _tg().pow(_tg().expand_dims(x, 1), _tg().constant(powers.astype(x.dtype.as_numpy_dtype)))


def copy(a: Any) -> Any:
    """A copy (a new tensor with the same value)."""
    return array(a, copy=True)


# -- shapes ----------------------------------------------------------------------------------------------------------

def shape(a: Any) -> Any:
    """``a``'s shape as a TensorShape."""
    return asarray(a).shape


def ndim(a: Any) -> int:
    """``a``'s number of dimensions."""
    return asarray(a).shape.rank


def size(x: Any, axis: int | None = None) -> Any:
    """The number of elements (along ``axis`` when given)."""
    if axis is not None:
        raise NotImplementedError("size: the axis argument is not supported (TF-NumPy's limitation).")
    s = asarray(x).shape
    return np.int64(int(np.prod([int(d) for d in s])))


def isscalar(num: Any) -> bool:
    """Whether ``num`` has rank 0."""
    return ndim(num) == 0


def reshape(a: Any, newshape: Any, order: str = "C") -> Any:
    """``a`` reshaped, in C (row-major) or Fortran (``order='F'``) element order."""
    if order not in ("C", "F"):
        raise ValueError(f"reshape: order must be 'C' or 'F', got {order!r}.")
    a = asarray(a)
    newshape = [int(s) for s in np.atleast_1d(np.asarray(newshape.numpy() if _is_tensor(newshape) else newshape))]
    if order == "C":
        return _tg().reshape(a, newshape)
    rev = list(range(a.shape.rank))[::-1]
    flat = _tg().reshape(_tg().transpose(a, rev), newshape[::-1])
    return _tg().transpose(flat, list(range(len(newshape)))[::-1])


def _reshape_method(a: Any, *newshape: Any, **kwargs: Any) -> Any:
    order = kwargs.pop("order", "C")
    if kwargs:
        raise ValueError(f"reshape: unsupported arguments {sorted(kwargs)}.")
    if len(newshape) == 1 and not isinstance(newshape[0], int):
        newshape = newshape[0]
    return reshape(a, newshape, order=order)


def ravel(a: Any) -> Any:
    """``a`` flattened to one dimension."""
    return _tg().reshape(asarray(a), [-1])


def flatten(a: Any, order: str = "C") -> Any:
    """``a`` flattened (``order='F'``: column-major)."""
    return reshape(a, [-1], order=order)


def transpose(a: Any, axes: Any = None) -> Any:
    """``a`` with its axes reversed or permuted."""
    a = asarray(a)
    return _tg().transpose(a, list(range(a.shape.rank))[::-1] if axes is None else [int(i) for i in axes])


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """``a`` with two axes exchanged."""
    a = asarray(a)
    perm = list(range(a.shape.rank))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _tg().transpose(a, perm)


def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """``a`` with axes ``source`` moved to ``destination`` (the others keep their order)."""
    a = asarray(a)
    nd = a.shape.rank
    src = [s % nd for s in np.atleast_1d(source)]
    dst = [d % nd for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} have different lengths.")
    perm = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return _tg().transpose(a, perm)


def expand_dims(a: Any, axis: int) -> Any:
    """``a`` with a size-1 axis inserted at ``axis``."""
    return _tg().expand_dims(asarray(a), axis)


def squeeze(a: Any, axis: Any = None) -> Any:
    """``a`` without its size-1 axes (or only those in ``axis``)."""
    return _tg().squeeze(asarray(a), axis)


def _atleast_nd(n: int, where: str, *arys: Any) -> Any:
    out = []
    for x in arys:
        x = asarray(x)
        s = _static_shape(x)
        if len(s) < n:
            if where == "left":
                s = [1] * (n - len(s)) + s
            elif len(s) == 0:
                s = [1, 1, 1]
            elif len(s) == 1:
                s = [1] + s + [1]
            else:
                s = s + [1]
            x = _tg().reshape(x, s)
        out.append(x)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys: Any) -> Any:
    """Each input with at least one dimension (a list when several)."""
    return _atleast_nd(1, "left", *arys)


def atleast_2d(*arys: Any) -> Any:
    """Each input with at least two dimensions (leading size-1 axes)."""
    return _atleast_nd(2, "left", *arys)


def atleast_3d(*arys: Any) -> Any:
    """Each input with at least three dimensions (NumPy's placement: ``(N,)`` becomes ``(1, N, 1)``)."""
    return _atleast_nd(3, "3d", *arys)


def broadcast_to(array: Any, shape: Any) -> Any:  # noqa: A002 - NumPy's name
    """``array`` broadcast to ``shape``."""
    return full(shape, array)


def broadcast_arrays(*args: Any, **kwargs: Any) -> list[Any]:
    """The inputs broadcast against each other."""
    if kwargs.pop("subok", False):
        raise ValueError("broadcast_arrays: subok=True is not supported.")
    if kwargs:
        raise ValueError(f"broadcast_arrays: unsupported arguments {sorted(kwargs)}.")
    ts = [asarray(a) for a in args]
    shp = np.broadcast_shapes(*[tuple(_static_shape(t)) for t in ts]) if ts else ()
    return [_tg().broadcast_to(t, list(shp)) for t in ts]


# -- joining and splitting -------------------------------------------------------------------------------------------

def concatenate(arys: Any, axis: int | None = 0) -> Any:
    """The inputs joined along an existing axis (promoted to their common dtype; ``axis=None`` flattens).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.concatenate([[1, 2], [3.5]]).numpy()
    array([1. , 2. , 3.5])
    """
    if not isinstance(arys, (list, tuple)) or len(arys) < 1:
        raise ValueError(f"concatenate: expected a non-empty list or tuple of arrays, got {arys!r}.")
    ts = _promote(*arys)
    if axis is None:
        ts, axis = [ravel(t) for t in ts], 0
    return _tg().concat(ts, axis)


def stack(arrays: Any, axis: int = 0) -> Any:
    """The inputs (same shape) joined along a new axis."""
    ts = _promote(*arrays)
    shapes = {tuple(_static_shape(t)) for t in ts}
    if len(shapes) > 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {sorted(shapes)}.")
    return _tg().stack(ts, axis=axis)


def hstack(tup: Any) -> Any:
    """Join along axis 1 (axis 0 for 1-D inputs)."""
    ts = _promote(*tup)
    ts = atleast_1d(*ts) if len(ts) > 1 else [atleast_1d(*ts)]
    return _tg().concat(ts, 0 if ts[0].shape.rank == 1 else 1)


def vstack(tup: Any) -> Any:
    """Join along axis 0 after :func:`atleast_2d`."""
    ts = _promote(*tup)
    ts = atleast_2d(*ts) if len(ts) > 1 else [atleast_2d(*ts)]
    return _tg().concat(ts, 0)


def dstack(tup: Any) -> Any:
    """Join along axis 2 after :func:`atleast_3d`."""
    ts = _promote(*tup)
    ts = atleast_3d(*ts) if len(ts) > 1 else [atleast_3d(*ts)]
    return _tg().concat(ts, 2)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def _split_sizes(n: int, spec: Any, name: str) -> list[int]:
    if isinstance(spec, (int, np.integer)):
        if spec <= 0 or n % spec:
            from ...errors import InvalidArgumentError

            raise InvalidArgumentError(None, None, f"{name}: an axis of size {n} cannot be split into {spec} equal "
                                                   "sections; pass split points (a list) for unequal parts.")
        return [n // spec] * int(spec)
    bounds = [builtins.min(builtins.max(int(b), 0), n) for b in spec]
    edges = [0, *bounds, n]
    return [builtins.max(edges[i + 1] - edges[i], 0) for i in range(len(edges) - 1)]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``ary`` split into equal sections or at the given indices along ``axis``.

    >>> import tapegrad as tf
    >>> [p.numpy().tolist() for p in tf.experimental.numpy.split([0, 1, 2, 3, 4], [2, 3])]
    [[0, 1], [2], [3, 4]]
    """
    a = asarray(ary)
    n = _static_shape(a)[axis]
    return _tg().split(a, _split_sizes(n, indices_or_sections, "split"), axis=axis)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 1 (axis 0 for vectors)."""
    a = asarray(ary)
    return split(a, indices_or_sections, 0 if a.shape.rank == 1 else 1)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 0."""
    return split(ary, indices_or_sections, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 2."""
    return split(ary, indices_or_sections, 2)


# -- reordering ------------------------------------------------------------------------------------------------------

def flip(m: Any, axis: Any = None) -> Any:
    """``m`` reversed along ``axis`` (all axes when None)."""
    m = asarray(m)
    axes = list(range(m.shape.rank)) if axis is None else [int(a) % m.shape.rank for a in np.atleast_1d(axis)]
    return _tg().reverse(m, axes)


def flipud(m: Any) -> Any:
    """``m`` reversed along axis 0."""
    return flip(m, 0)


def fliplr(m: Any) -> Any:
    """``m`` reversed along axis 1."""
    return flip(m, 1)


def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """``a`` rolled by ``shift`` along ``axis`` (flattened when None)."""
    a = asarray(a)
    if axis is None:
        return _tg().reshape(_tg().roll(ravel(a), shift, 0), _static_shape(a))
    return _tg().roll(a, shift, axis)


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    m = asarray(m)
    ax1, ax2 = (a % m.shape.rank for a in axes)
    if ax1 == ax2:
        raise ValueError(f"rot90: the two axes must differ, got {axes}.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, ax1), ax2)
    perm = list(range(m.shape.rank))
    perm[ax1], perm[ax2] = perm[ax2], perm[ax1]
    if k == 1:
        return _tg().transpose(flip(m, ax2), perm)
    return flip(_tg().transpose(m, perm), ax2)


def tile(a: Any, reps: Any) -> Any:
    """``a`` repeated ``reps`` times along each axis (NumPy's rank alignment)."""
    a = asarray(a)
    reps = [int(r) for r in np.atleast_1d(reps)]
    nd = builtins.max(a.shape.rank, len(reps))
    a = _tg().reshape(a, [1] * (nd - a.shape.rank) + _static_shape(a))
    return _tg().tile(a, [1] * (nd - len(reps)) + reps)


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Each element repeated ``repeats`` times (``a`` flattened when ``axis`` is None)."""
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    r = np.asarray(repeats.numpy() if _is_tensor(repeats) else repeats)
    return _tg().repeat(a, _tg().constant(r.astype(np.int64)), axis=axis)


def pad(array: Any, pad_width: Any, mode: str, **kwargs: Any) -> Any:  # noqa: A002
    """``array`` padded (``mode``: 'constant' with ``constant_values``, 'reflect' or 'symmetric')."""
    a = asarray(array)
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric', got {mode.lower()!r}.")
    widths = np.asarray(pad_width.numpy() if _is_tensor(pad_width) else pad_width, dtype=np.int64)
    if widths.ndim != 2 or widths.shape[1] != 2:
        from ...errors import InvalidArgumentError

        raise InvalidArgumentError(None, None, f"pad: pad_width must be a matrix with 2 columns (one "
                                               f"[before, after] row per axis), got shape {list(widths.shape)}.")
    cv = kwargs.pop("constant_values", 0)
    if kwargs:
        raise ValueError(f"pad: unsupported arguments {sorted(kwargs)}.")
    return _tg().pad(a, _tg().constant(widths), mode=mode, constant_values=cv)


# -- indexing --------------------------------------------------------------------------------------------------------

def take(a: Any, indices: Any, axis: int | None = None, out: Any = None, mode: str = "clip") -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (flattened when None); out-of-range indices clip or wrap.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.take([1, 2, 3], [0, 7]).numpy()
    array([1, 3])
    """
    if out is not None:
        raise ValueError("take: the out argument is not supported (tensors are immutable).")
    if mode not in ("raise", "clip", "wrap"):
        raise ValueError(f"take: mode must be 'raise', 'clip' or 'wrap', got {mode!r}.")
    a = asarray(a)
    idx = asarray(indices)
    if axis is None:
        a, axis = ravel(a), 0
    n = _static_shape(a)[axis]
    if mode == "clip":
        idx = _tg().clip_by_value(idx, 0, n - 1)
    elif mode == "wrap":
        idx = _tg().math.floormod(idx, n)
    return _tg().gather(a, idx, axis=axis)


def take_along_axis(arr: Any, indices: Any, axis: int | None) -> Any:
    """Values of ``arr`` picked by ``indices`` along ``axis`` (NumPy's ``take_along_axis``; differentiable)."""
    arr = asarray(arr)
    idx = asarray(indices)
    if axis is None:
        arr, axis = ravel(arr), 0
        idx = ravel(idx)
    nd = arr.shape.rank
    if idx.shape.rank != nd:
        raise ValueError(f"take_along_axis: indices must have the array's rank {nd}, got rank {idx.shape.rank}.")
    axis %= nd
    idx = _tg().cast(idx, _tgd.int64)
    idx = _tg().where(idx < 0, idx + _static_shape(arr)[axis], idx)
    shp = list(np.broadcast_shapes(tuple(d for i, d in enumerate(_static_shape(arr)) if i != axis),
                                   tuple(d for i, d in enumerate(_static_shape(idx)) if i != axis)))
    full_shape = shp[:axis] + [_static_shape(idx)[axis]] + shp[axis:]
    idx = _tg().broadcast_to(idx, full_shape)
    arr = _tg().broadcast_to(arr, shp[:axis] + [_static_shape(arr)[axis]] + shp[axis:])
    grids = np.meshgrid(*[np.arange(d) for d in full_shape], indexing="ij")
    parts = [_tg().constant(g.astype(np.int64)) for g in grids]
    parts[axis] = idx
    return _tg().gather_nd(arr, _tg().stack(parts, axis=-1))


def compress(condition: Any, a: Any, axis: int | None = None) -> Any:
    """The slices of ``a`` along ``axis`` where ``condition`` is true."""
    cond = asarray(condition, dtype=bool)
    a = asarray(a)
    if cond.shape.rank != 1:
        raise ValueError(f"compress: condition must be a vector, got shape {cond.shape}.")
    if axis is None:
        a, axis = ravel(a), 0
    n = _static_shape(a)[axis]
    c = np.asarray(cond.numpy())
    c = np.concatenate([c[:n], np.zeros(builtins.max(n - c.size, 0), bool)])
    return _tg().gather(a, _tg().constant(np.nonzero(c)[0].astype(np.int64)), axis=axis)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elements of ``x`` where ``condition`` else of ``y`` (promoted); with one argument, :func:`nonzero`."""
    condition = asarray(condition, dtype=np.bool_)
    if x is None and y is None:
        return nonzero(condition)
    if x is not None and y is not None:
        x, y = _promote(x, y)
        return _tg().where(condition, x, y)
    raise ValueError("where: pass both x and y, or neither.")


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """The first choice whose condition holds, element by element, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist has {len(condlist)} entries but choicelist has {len(choicelist)}.")
    if not condlist:
        raise ValueError("select: condlist must not be empty.")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = where(cond, choice, out)
    return out


def nonzero(a: Any) -> Any:
    """The indices of the nonzero elements, one int64 vector per axis (a list, as TF-NumPy)."""
    a = asarray(a)
    if a.shape.rank == 0:
        raise ValueError("nonzero: the input must have at least one dimension.")
    idx = _tg().where(_tg().cast(a, _tgd.bool))
    return _tg().unstack(idx, num=a.shape.rank, axis=1)


def ix_(*args: Any) -> list[Any]:
    """An open mesh from 1-D sequences (boolean masks become their nonzero indices)."""
    out = []
    n = len(args)
    for i, a in enumerate(args):
        a = asarray(a)
        if a.shape.rank != 1:
            raise ValueError(f"ix_: argument {i} must be 1-D, got shape {a.shape}.")
        if a.dtype == _tgd.bool:
            a = nonzero(a)[0]
        elif not (a.dtype.is_integer or int(a.shape[0]) == 0):
            raise TypeError(f"ix_: arguments must be integer or boolean, argument {i} is {a.dtype.name}.")
        out.append(_tg().reshape(a, [1] * i + [-1] + [1] * (n - i - 1)))
    return out


def meshgrid(*xi: Any, **kwargs: Any) -> list[Any]:
    """Coordinate matrices from coordinate vectors (``indexing='xy'`` or ``'ij'``)."""
    sparse = kwargs.get("sparse", False)
    if sparse:
        raise ValueError("meshgrid: sparse=True is not supported.")
    if not kwargs.get("copy", True):
        raise ValueError("meshgrid: copy=False is not supported.")
    return _tg().meshgrid(*[asarray(x) for x in xi], indexing=kwargs.get("indexing", "xy"))
