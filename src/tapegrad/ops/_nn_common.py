"""Helpers shared by the ``tf.nn`` op families (private): constants, the :func:`_run` bridge, which evaluates an
op's raw forward on arrays and applies the (recorded) op on Tensors, so the same rule gives first and
higher-order derivatives, dtype checks, and the buffers and row sums used by normalisation, bias_add and
convolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _buffers
from .._dispatch import applyn
from .._registry import OpDef
from .._tensor import static_value
from . import _elementwise, core, special_functions
from ._common import check_kinds, pair, to_tensor

_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2*pi)
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717
_GELU_TANH_C = 0.7978845608028654  # sqrt(2/pi)
_GELU_TANH_A = 0.044715


# -- rule helpers ----------------------------------------------------------------------------------------------


def _run(F: Any, op: OpDef, *args: Any, **p: Any) -> Any:
    """``op`` on raw arrays (its forward) or, under the differentiable namespace, the recorded op on Tensors."""
    if F.is_diff:
        return applyn(op, tuple(to_tensor(a) for a in args), p)
    return op.fwd(F, *args, **p)


def _raw(F: Any, t: Any) -> tuple[Any, Any]:
    """(raw backend, raw array) of a rule argument, for index computations that are not differentiated."""
    if F.is_diff:
        return t._xp, static_value(t)
    return F, t


def _zeros_where(F: Any, cond: Any, g: Any) -> Any:
    """``g`` where ``cond``, else 0 (``g`` may carry leading batch axes)."""
    return F.where(cond, g, F.zeros_like(g))


def _sigmoid(F: Any, z: Any) -> Any:
    return _run(F, _elementwise.OPS_BY_PUBLIC["sigmoid"], z)


def _check_float(x: Any, op: str) -> None:
    if x._value.dtype.kind != "f":
        check_kinds(x, "f", op)


def _value_error_float(x: Any, what: str) -> None:
    if x._value.dtype.kind != "f":
        raise ValueError(f"`{what}.dtype` must be a floating point tensor. Received: {what}.dtype={x.dtype.name}")


def _same_dtype(op: str, first: Any, *others: Any) -> list[Any]:
    """Convert ``others`` to tensors of ``first``'s dtype (tensors must already agree; other values adopt it)."""
    out = []
    for o in others:
        _, t = pair(first, o, op)
        out.append(t)
    return out


def _avoid(x: np.ndarray, points: Sequence[float], margin: float = 0.05) -> np.ndarray:
    """Test inputs moved at least ``margin`` away from the kinks at ``points``."""
    for c in points:
        near = np.abs(x - c) < margin
        x = np.where(near, c + np.where(x >= c, margin, -margin) * 2, x)
    return x


def _ndtr(F: Any, x: Any) -> Any:
    """Φ(x) inside rules (raw or recorded): erfc(-x/√2)/2 through tf.math.erfc's op."""
    return _run(F, special_functions.ERFC, x * -_SQRT1_2) * 0.5


# -- shared by normalisation, bias_add and convolution ---------------------------------------------------------


def _take(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised NumPy array for a large raw result: a view of an engine-owned buffer (``_buffers``)."""
    dtype = np.dtype(dtype)
    n = dtype.itemsize
    for d in shape:
        n *= d
    return _buffers.take(shape, dtype) if n >= _buffers.LARGE else np.empty(shape, dtype)


def _chan_rows(a: np.ndarray, *vecs: Any) -> tuple[np.ndarray, ...]:
    """A C-contiguous channels-last ``a`` ``(..., C)`` as rows of ``k * C`` values (``k`` the product of the axes
    just before the channels, up to ~512 values a row), each C-contiguous array of ``vecs`` shaped like ``a`` as the
    same rows, and each per-channel vector of ``vecs`` tiled ``k`` times:
    a ufunc broadcasting a per-channel vector then runs long inner loops instead of one call per ``C`` values
    (several times faster for a few channels). Same elementwise operations, so the same values."""
    k = 1
    shape = a.shape
    i = a.ndim - 2
    while i >= 0 and k * shape[-1] < 512:
        k *= shape[i]
        i -= 1
    row = k * shape[-1]
    if not row:
        return (a,) + vecs
    return (a.reshape(-1, row),) + tuple(
        v.reshape(-1, row) if getattr(v, "shape", None) == shape else v[None].repeat(k, 0).reshape(-1)
        if getattr(v, "ndim", 0) == 1 else v for v in vecs)  # (np.tile's result, without its Python costs)


def _sum_rows(F: Any, a: Any, like: Any, value: Any = None) -> Any:
    """``a`` summed down to a per-channel vector shaped like ``like`` (``(C,)``, ``a``'s last axis) as a BLAS GEMV
    ``ones @ a``; anything else is returned whole for the broadcasting reduction of the backward pass — also an
    upstream with more axes than ``value`` (the op's input it is shaped like): leading Jacobian batch axes, which
    the engine keeps."""
    if (F.is_diff or a.ndim < 2 or getattr(like, "ndim", 0) != 1 or like.shape[0] != a.shape[-1]
            or not a.flags.c_contiguous or (value is not None and a.ndim != len(value.shape))):
        return a
    rows = a.size // a.shape[-1]
    if a.dtype.itemsize == 2:  # float16/bfloat16: float32 sums rounded once, as TF's BiasAddGrad
        return F.matmul(F.ones((rows,), dtype=np.float32), F.reshape(a, (rows, a.shape[-1])).astype(np.float32)
                        ).astype(a.dtype)
    return F.matmul(F.ones((rows,), dtype=a.dtype), F.reshape(a, (rows, a.shape[-1])))


def _upcast_half(x: Any) -> Any:
    return core.cast(x, "float32") if x._value.dtype == np.float16 else x
