"""``DIFF``: a NumPy-shaped namespace over differentiable tapegrad ops.

When an outer tape records a backward pass, the engine hands gradient rules this namespace instead of the raw
backend, so the very same rule code builds a recorded (differentiable) computation: higher-order derivatives
need no second set of rules. Only the functions rules use are here, with NumPy's signatures.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._dispatch import apply1
from .._registry import OPS, defop, normal, spec
from .._tensor import Tensor
from . import (
    activations,
    arithmetic,
    comparison,
    core,
    indexing,
    joining,
    linalg_ops,
    matmul,
    reductions,
    shape_ops,
    slicing,
    trigonometric,
    unary_math,
)
from ._common import to_tensor

# The op library may define "floor" (tf.math.floor); reuse it rather than registering a second one.
FLOOR = OPS.get("floor") or defop("floor", lambda F, x: F.floor(x), None,
                                  test=spec(lambda tf, x: tf.math.floor(x), normal((5,)), ref=np.floor))


def _floor(x: Any) -> Tensor:
    return apply1(FLOOR, to_tensor(x))


def _axes_tuple(axis: Any) -> Any:
    return axis


def _sum(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    return reductions.reduce_sum(x, axis=axis, keepdims=keepdims)


def _mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return reductions.reduce_mean(x, axis=axis, keepdims=keepdims)


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return reductions.reduce_max(x, axis=axis, keepdims=keepdims)


def _min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return reductions.reduce_min(x, axis=axis, keepdims=keepdims)


def _expand_dims(x: Any, axes: Any) -> Tensor:
    x = to_tensor(x)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    nd = x._value.ndim + len(axes)
    pos = sorted(a % nd for a in axes)
    shape = list(x._value.shape)
    for a in pos:
        shape.insert(a, 1)
    return shape_ops.reshape(x, shape)


def _swapaxes(x: Any, a: int, b: int) -> Tensor:
    x = to_tensor(x)
    nd = x._value.ndim
    perm = list(range(nd))
    perm[a % nd], perm[b % nd] = perm[b % nd], perm[a % nd]
    return shape_ops.transpose(x, perm)


def _transpose(x: Any, axes: Any = None) -> Tensor:
    return shape_ops.transpose(x, axes)


def _zeros(shape: Any, dtype: Any = np.float32) -> Tensor:
    return core.zeros(shape, dtype=np.dtype(dtype).name)


def _astype(x: Any, dtype: Any) -> Tensor:
    return core.cast(x, np.dtype(dtype).name if not hasattr(dtype, "name") or isinstance(dtype, np.dtype)
                     else dtype)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(to_tensor(x)._value.shape)


def _ndim(x: Any) -> int:
    return to_tensor(x)._value.ndim


def _where(c: Any, x: Any, y: Any) -> Tensor:
    return indexing.where(c, x, y)


DIFF: Any = SimpleNamespace(
    is_diff=True,
    add=arithmetic.add, subtract=arithmetic.subtract, multiply=arithmetic.multiply, divide=arithmetic.divide,
    negative=arithmetic.negative, power=arithmetic.pow, square=unary_math.square, sqrt=unary_math.sqrt,
    exp=unary_math.exp, log=unary_math.log, sin=trigonometric.sin, cos=trigonometric.cos, tanh=trigonometric.tanh,
    abs=unary_math.abs, sign=unary_math.sign, maximum=arithmetic.maximum, minimum=arithmetic.minimum,
    equal=comparison.equal, floor=_floor,
    sum=_sum, mean=_mean, max=_max, min=_min,
    broadcast_to=core.broadcast_to, sum_to=core.sum_to, reshape=shape_ops.reshape, expand_dims=_expand_dims,
    transpose=_transpose, swapaxes=_swapaxes, matmul=matmul.matmul, where=_where,
    concatenate=lambda xs, axis=0: joining.concat(list(xs), axis), stack=lambda xs, axis=0: joining.stack(
        list(xs), axis),
    zeros_like=core.zeros_like, ones_like=core.ones_like, zeros=_zeros,
    conj=core.conj, real=core.real, imag=core.imag, astype=_astype, shape=_shape, ndim=_ndim,
    slice_grad=slicing.slice_grad, relu=activations.relu,
    **linalg_ops.DIFF_ENTRIES,  # linalg, einsum, eye, tril, triu, diagonal
)


def _elementwise_op(name: str) -> Any:
    """A DIFF entry for an elementwise op of trigonometric, unary_math or clip_ops, imported on first call (those
    modules may be imported after this one)."""
    module = "clip_ops" if name == "clip_by_value" else "unary_math" if name in _UNARY_MATH else "trigonometric"

    def fn(*args: Any) -> Tensor:
        return getattr(import_module(f".{module}", __package__), name)(*args)

    fn.__name__ = fn.__qualname__ = name
    return fn


_UNARY_MATH = {"expm1", "log1p", "reciprocal", "is_nan", "is_inf", "is_finite", "ceil"}

# NumPy name → elementwise op (NumPy signatures: positional array arguments only).
for _np_name, _tg_name in (("sinh", "sinh"), ("cosh", "cosh"), ("tan", "tan"), ("arcsin", "asin"),
                           ("arccos", "acos"), ("arctan", "atan"), ("arcsinh", "asinh"), ("arccosh", "acosh"),
                           ("arctanh", "atanh"), ("arctan2", "atan2"), ("expm1", "expm1"), ("log1p", "log1p"),
                           ("reciprocal", "reciprocal"), ("isnan", "is_nan"), ("isinf", "is_inf"),
                           ("isfinite", "is_finite"), ("ceil", "ceil"), ("clip", "clip_by_value")):
    setattr(DIFF, _np_name, _elementwise_op(_tg_name))
