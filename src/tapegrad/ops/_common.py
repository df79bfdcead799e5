"""Helpers shared by the op tables: argument conversion, dtype/shape checks, complex conjugation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._tensor import Tensor, Variable, _TensorLike, array_of, constant_value, make
from ..errors import InvalidArgumentError


class RaggedInput(ValueError):
    """A RaggedTensor given to an op that needs a dense tensor (``to_tensor`` raises it; ops with a ragged
    meaning catch it: elementwise math, cast, reductions, ...)."""


RAGGED_TYPE: list[Any] = [None]  # tapegrad.ops.ragged_ops.RaggedTensor, set when that module loads
SPARSE_TYPE: list[Any] = [None]  # tapegrad.ops.sparse_ops.SparseTensor, likewise


def ragged_input(x: Any) -> RaggedInput:
    return RaggedInput(f"this op needs a dense tensor and got {x!r}; use rt.to_tensor(), or apply the op to the "
                       "values with tf.ragged.map_flat_values(op, rt).")


def to_tensor(x: Any) -> Any:
    """A Tensor or Variable as is (a Variable stays a Variable, so that its read is recorded); else a constant.
    A RaggedTensor raises :class:`RaggedInput`."""
    if type(x) is Tensor or type(x) is Variable:
        return x
    dense = getattr(x, "_dense", None)  # IndexedSlices; a Keras variable gives the Variable it wraps
    if dense is not None:
        return dense()
    if isinstance(x, _TensorLike):
        return x
    if type(x) is RAGGED_TYPE[0]:
        raise ragged_input(x)
    if type(x) is SPARSE_TYPE[0]:
        raise ValueError(f"Attempt to convert a value ({x!r}) with an unsupported type ({type(x)}) to a Tensor: this "
                         "op needs a dense tensor; use tf.sparse.to_dense(st), or the tf.sparse function for it.")
    return make(constant_value(x), NUMPY)


def like(value: Any, other: Any, op: str) -> Tensor:
    """A Python/NumPy value converted to ``other``'s dtype (TF: scalars and arrays adopt the tensor's dtype)."""
    if (type(value) is float or type(value) is int) and other._value.dtype.kind != "O":
        dt = other._value.dtype
        if dt.kind in "fcV" or type(value) is int:
            if dt.kind in "iu" and type(value) is int:
                info = np.iinfo(dt)
                if not info.min <= value <= info.max:
                    raise InvalidArgumentError(f"{op}: {value} does not fit in {dt.name}.")
            if dt.kind == "b":
                return make(array_of(value, dt, op), other._xp)
            return make(dt.type(value), other._xp)
    dense = getattr(value, "_dense", None)
    if dense is not None:
        return pair_check(dense(), other, op)
    if type(value) is RAGGED_TYPE[0]:
        raise ragged_input(value)
    return make(array_of(value, other._value.dtype, op), other._xp)


def pair_check(t: Any, other: Any, op: str) -> Any:
    if t._value.dtype != other._value.dtype:
        raise InvalidArgumentError(dtype_mismatch(op, t, other))
    return t


def dtype_mismatch(op: str, a: Any, b: Any) -> str:
    return (
        f"{op}: cannot combine a {a.dtype.name} tensor (shape {tuple(a._value.shape)}) with a {b.dtype.name} tensor "
        f"(shape {tuple(b._value.shape)}); tapegrad never converts between tensor dtypes implicitly. Cast one "
        f"explicitly, e.g. tapegrad.cast(y, tapegrad.{a.dtype.name})."
    )


def pair(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Convert two operands of a binary op: tensors must agree in dtype; other values adopt the tensor's dtype."""
    ta = type(a)
    tb = type(b)
    if ta is Tensor or ta is Variable:
        if tb is Tensor or tb is Variable:
            if a._value.dtype != b._value.dtype:
                raise InvalidArgumentError(dtype_mismatch(op, a, b))
            return a, b
        if isinstance(b, _TensorLike):
            return a, pair_check(to_tensor(b), a, op)
        return a, like(b, a, op)
    if tb is Tensor or tb is Variable or isinstance(b, _TensorLike):
        b = to_tensor(b)
        if isinstance(a, _TensorLike):
            return pair_check(to_tensor(a), b, op), b
        return like(a, b, op), b
    if isinstance(a, _TensorLike):
        return pair(to_tensor(a), b, op)
    a = to_tensor(a)
    return a, like(b, a, op)


def check_kinds(x: Any, kinds: str, op: str) -> None:
    kind = x._value.dtype.kind
    if kind not in kinds and not (kind == "V" and "f" in kinds):  # 'V': bfloat16 (tapegrad._dtypes), a float
        want = {"fcV": "floating or complex", "f": "floating", "fciV": "numeric", "fciuV": "numeric", "fci": "numeric",
                "fciu": "numeric", "iu": "integer", "b": "bool"}.get(kinds, kinds)
        to = {"iu": "int32", "b": "bool"}.get(kinds, "float32")
        raise InvalidArgumentError(
            f"{op}: expected a{'n' if want[0] in 'aeiou' else ''} {want} tensor, got dtype {x.dtype.name} (shape "
            f"{tuple(x._value.shape)}). Cast it first, e.g. tapegrad.cast(x, tapegrad.{to})."
        )


def dtype_of(x: Any) -> np.dtype:
    """NumPy dtype of a raw array or a Tensor (rules see either)."""
    return (x._value if type(x) is Tensor else x).dtype


def is_complex(x: Any) -> bool:
    t = type(x)
    if t is Tensor:
        return x._value.dtype.kind == "c"
    if t is float or t is int:
        return False  # Python scalars stay raw (weak) on the binary fast path
    if t is complex:
        return True
    return x.dtype.kind == "c"


def cj(F: Any, x: Any) -> Any:
    """conj(x) for complex values, x itself otherwise (TF's gradient convention: upstream * conj(f'(z)))."""
    t = type(x)
    if t is float or t is int:
        return x  # Python scalars stay raw (weak) on the binary fast path
    if t is complex:
        return x.conjugate()
    return F.conj(x) if x.dtype.kind == "c" else x  # arrays, NumPy scalars and Tensors (DType.kind)


def norm_axis(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Axes as a sorted tuple of negative ints (negative axes stay valid under leading batch dims)."""
    if axis is None:
        return tuple(range(-ndim, 0))
    if isinstance(axis, _TensorLike):
        axis = axis.numpy().tolist()
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = set()
    for a in axis:
        a = int(a)
        if not -ndim <= a < ndim:
            raise InvalidArgumentError(
                f"{op}: axis {a} is out of range for a tensor of rank {ndim}; valid axes are [{-ndim}, {ndim})."
            )
        out.add(a - ndim if a >= 0 else a)
    return tuple(sorted(out))


def norm_one_axis(axis: Any, ndim: int, op: str) -> int:
    if isinstance(axis, _TensorLike):
        axis = int(axis)
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(
            f"{op}: axis {axis} is out of range for a tensor of rank {ndim}; valid axes are [{-ndim}, {ndim})."
        )
    return axis - ndim if axis >= 0 else axis


def shape_arg(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, _TensorLike):
        shape = shape.numpy().tolist()
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def dtype_np(dtype: Any, default: Any = np.float32) -> np.dtype:
    return np.dtype(default) if dtype is None else _dtypes.as_dtype(dtype)._np


def tsum(ts: Any) -> Any:
    """Sum of the non-None tangents (None if all are None: a statically zero tangent)."""
    total = None
    for t in ts:
        if t is not None:
            total = t if total is None else total + t
    return total


def intra_op_threads() -> int:
    """TF's intra-op thread count, which its CPU kernels shard over (and some results depend on): the configured
    ``tf.config.threading`` value, else the CPUs this process may run on."""
    from .execution import get_intra_op_parallelism_threads

    n = get_intra_op_parallelism_threads()
    if n:
        return int(n)
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
