"""Array namespaces.

Every Tensor stores the :class:`Backend` of its data (NumPy today, CuPy later). Forward functions and gradient
rules call ``F.<name>`` on it instead of a module-level ``np.``, so the same rule runs on any backend, and on
the differentiable namespace (``ops._diffns.DIFF``) when an outer tape records the backward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Backend:
    """A raw array namespace: NumPy-compatible functions looked up once and cached on the instance."""

    is_diff = False
    device = "/job:localhost/replica:0/task:0/device:CPU:0"  # a tensor's ``.device`` (tapegrad._device)

    def __init__(self, module: Any, name: str) -> None:
        self.xp = module
        self.name = name
        self.ndarray = module.ndarray

    def __getattr__(self, name: str) -> Any:
        # Called only on a miss: cache the module function so later lookups are plain attribute hits.
        value = getattr(self.xp, name)
        setattr(self, name, value)
        return value

    @staticmethod
    def astype(x: Any, dtype: Any) -> Any:
        return x.astype(dtype, copy=False)

    @staticmethod
    def shape(x: Any) -> tuple[int, ...]:
        return x.shape

    def sum_to(self, g: Any, shape: tuple[int, ...], nb: int = 0) -> Any:
        """Sum ``g`` (shape ``batch + broadcast(shape)``) down to ``batch + shape``; ``nb`` = number of batch dims."""
        key = (g.shape, shape, nb)
        axes = _AXES_CACHE.get(key)
        if axes is None:
            axes = _sum_axes(g.shape, shape, nb)
        if type(g) is np.ndarray and g.dtype.kind in "fcV":  # the ufunc's reduce: no np.sum/ndarray.sum wrappers
            if _LEAD_ONLY[key]:  # only leading axes are summed: the sum already has the target shape
                ones = bias_ones(g.shape, axes, g.dtype)
                if ones is not None and g.flags.c_contiguous:
                    return _matmul(ones, g)
                return _add_reduce(g, axes)
            return _add_reduce(g, axes, None, None, True).reshape(g.shape[:nb] + shape)
        return self.reshape(self.sum(g, axis=axes, keepdims=True), g.shape[:nb] + shape)

    def slice_grad(self, g: Any, shape: tuple[int, ...], key: tuple[Any, ...], nb: int) -> Any:
        """Zeros of ``shape`` with ``g`` put at basic index ``key`` after ``nb`` batch axes (transposed slicing)."""
        z = self.zeros(shape, dtype=g.dtype)
        z[(slice(None),) * nb + key] = g  # basic indexing: each element is written at most once
        return z

    def asarray_of(self, value: Any, like: Any) -> Any:
        """``value`` as an array of ``like``'s dtype."""
        return self.xp.asarray(value, dtype=like.dtype)

    def __repr__(self) -> str:
        return f"<tapegrad backend {self.name}>"


_add_reduce = np.add.reduce
_matmul = np.matmul
_ONES: dict[tuple[int, Any], np.ndarray] = {}


def _ones(n: int, dtype: Any) -> np.ndarray:
    """A read-only vector of ``n`` ones of ``dtype``, cached (the left operand of column sums)."""
    key = (n, dtype)
    v = _ONES.get(key)
    if v is None:
        if len(_ONES) > 64:
            _ONES.clear()
        v = _ONES[key] = np.ones(n, dtype)
        v.flags.writeable = False
    return v


def bias_ones(gshape: tuple[int, ...], axes: tuple[int, ...], dtype: Any) -> np.ndarray | None:
    """For a bias gradient (a 2-d float32/float64 ``gshape`` summed over axis 0, at least 16 rows): the ones vector
    whose matrix-vector product gives the column sums, in one BLAS call (half the time of the ufunc reduction at a
    layer's sizes; BLAS order of summation, not pairwise). None where ``sum_to`` reduces with the ufunc."""
    if axes == (0,) and len(gshape) == 2 and gshape[0] >= 16 and dtype.char in "fd":
        return _ones(gshape[0], dtype)
    return None


_AXES_CACHE: dict[tuple[tuple[int, ...], tuple[int, ...], int], tuple[int, ...]] = {}
_LEAD_ONLY: dict[tuple[tuple[int, ...], tuple[int, ...], int], bool] = {}  # the axes are the leading extras only


def _sum_axes(gshape: tuple[int, ...], shape: tuple[int, ...], nb: int) -> tuple[int, ...]:
    """Axes of ``gshape`` to sum (keepdims) so that dropping leading extras gives ``batch + shape``."""
    key = (gshape, shape, nb)
    axes = _AXES_CACHE.get(key)
    if axes is None:
        lead = len(gshape) - nb - len(shape)
        if lead < 0:
            raise ValueError(f"cannot sum a gradient of shape {gshape} to shape {shape}")
        axes = tuple(range(nb, nb + lead)) + tuple(
            nb + lead + i for i, d in enumerate(shape) if d == 1 and gshape[nb + lead + i] != 1
        )
        if len(_AXES_CACHE) > 4096:
            _AXES_CACHE.clear()
            _LEAD_ONLY.clear()
        _AXES_CACHE[key] = axes
        _LEAD_ONLY[key] = len(axes) == lead
    return axes


def sum_axes(gshape: tuple[int, ...], shape: tuple[int, ...], nb: int = 0) -> tuple[int, ...]:
    return _sum_axes(gshape, shape, nb)


def lead_only(gshape: tuple[int, ...], shape: tuple[int, ...], nb: int = 0) -> bool:
    """Whether ``sum_to`` sums only the leading extra axes of ``gshape`` (so the sum has the target shape)."""
    _sum_axes(gshape, shape, nb)
    return _LEAD_ONLY[(gshape, shape, nb)]


NUMPY = Backend(np, "numpy")
