"""Helpers shared by the array op families (private): :func:`_run` (an op's raw forward on the NumPy backend,
the recorded op with the differentiable namespace, so backward passes are differentiable again), integer and
index-argument conversion, range checks and raveling of index vectors.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import applyn
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from ._common import to_tensor

# ``range`` and ``slice`` are public op names here (tf.range, tf.slice): keep the builtins under other names.
_range = builtins.range
_slice = builtins.slice
_ALL = _slice(None)

# -- helpers ----------------------------------------------------------------------------------------------------


def _run(F: Any, op: Any, args: tuple[Any, ...], p: dict[str, Any]) -> Any:
    """Apply ``op`` inside a rule: raw forward on a raw backend, the recorded (differentiable) op otherwise."""
    if F.is_diff or any(type(a) is Tensor for a in args):
        return applyn(op, tuple(to_tensor(a) for a in args), p)
    return op.fwd(F, *args, **p)


def _raw(x: Any) -> Any:
    return static_value(x) if isinstance(x, _TensorLike) else x


def _as_int(x: Any, op: str, what: str) -> int:
    v = _raw(x)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer, np.ndarray)):
        raise TypeError(f"{op}: {what} must be an integer, got {v!r}.")
    arr = np.asarray(v)
    if arr.size != 1 or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: {what} must be a single integer, got {arr.tolist()!r}.")
    return int(arr.reshape(()))


def _int_list(x: Any, op: str, what: str) -> list[int]:
    arr = np.asarray(_raw(x))
    if arr.size and arr.dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"{op}: {what} must hold integers, got {arr.tolist()!r} (dtype {arr.dtype.name})."
        )
    return [int(v) for v in arr.reshape(-1)]


def _index_tensor(x: Any, op: str, what: str = "indices") -> Any:
    """Integer indices as a Tensor (an empty Python list counts as int32)."""
    t = to_tensor(x)
    kind = t._value.dtype.kind
    if kind not in "iu":
        if t._value.size == 0 and not isinstance(x, _TensorLike):
            return make(np.zeros(t._value.shape, np.int32), NUMPY)
        raise InvalidArgumentError(
            f"{op}: {what} must be an int32 or int64 tensor, got dtype {t.dtype.name} (shape "
            f"{tuple(t._value.shape)}). Cast them, e.g. tapegrad.cast({what}, tapegrad.int32)."
        )
    return t


def _first_bad(bad: np.ndarray) -> tuple[int, ...] | None:
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _check_range(idx: np.ndarray, n: int, op: str, detail: str) -> None:
    """Every index in [0, n), else an InvalidArgumentError naming the first offender (TF's format)."""
    pos = _first_bad((idx < 0) | (idx >= n))
    if pos is not None:
        where = ",".join(map(str, pos))
        raise InvalidArgumentError(f"{op}: indices[{where}] = {idx[pos]} is not in [0, {n}) ({detail}).")


def _check_nd_range(idx: np.ndarray, dims: tuple[int, ...], op: str, what: str) -> None:
    """Each index vector (last axis of ``idx``) inside ``dims``, else name the first offending vector."""
    if not dims or idx.size == 0:
        return
    bad = ((idx < 0) | (idx >= np.asarray(dims))).any(axis=-1)
    pos = _first_bad(bad)
    if pos is not None:
        where = ",".join(map(str, pos))
        raise InvalidArgumentError(
            f"{op}: indices[{where}] = {idx[pos].tolist()} does not index into {what} {list(dims)}."
        )


def _ravel(idx: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """Row-major linear positions of index vectors (last axis of ``idx``) into ``dims``."""
    lin = np.zeros(idx.shape[:-1], np.int64)
    for k, d in enumerate(dims):
        lin = lin * d + idx[..., k]
    return lin


def _neg_axis(axis: Any, ndim: int, op: str) -> int:
    """One axis in [-ndim, ndim), returned negative (so that rules work under leading batch axes)."""
    a = _as_int(axis, op, "axis")
    if not -ndim <= a < ndim:
        raise InvalidArgumentError(
            f"{op}: axis {a} is out of range for a tensor of rank {ndim}; valid axes are [{-ndim}, {ndim})."
        )
    return a - ndim if a >= 0 else a


def _prod(xs: Any) -> int:
    return math.prod(int(d) for d in xs)
