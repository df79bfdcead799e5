"""Slicing: Python indexing of tensors (``x[key]``, the ``strided_slice`` op, its transpose ``slice_grad``,
``newaxis``) and ``tf.slice``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1
from .._registry import defop, normal, spec
from .._tensor import Tensor, Variable, _TensorLike, static_value
from ..errors import InvalidArgumentError
from ._array_common import _int_list, _slice
from ._common import to_tensor

# -- slicing --------------------------------------------------------------------------------------------------------


def _strided_slice_fwd(F: Any, x: Any, key: Any, out_ndim: int) -> Any:
    return x[key]


def _strided_slice_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - p["out_ndim"]
    return (F.slice_grad(g, F.shape(g)[:nb] + F.shape(ins[0]), p["key"], nb),)


STRIDED_SLICE = defop("strided_slice", _strided_slice_fwd, _strided_slice_vjp,
                      lambda F, ts, ins, out, p: ts[0][p["key"]], linear=True, save_in=False, test=[
    spec(lambda tf, x: x[1:, ::-2], normal((4, 5)), ref=lambda x: x[1:, ::-2], complex=True),
    spec(lambda tf, x: x[..., 1, tf.newaxis], normal((2, 3, 4)), ref=lambda x: x[..., 1, None], name="ellipsis"),
    spec(lambda tf, x: x[-1], normal((3, 2)), ref=lambda x: x[-1], name="negative"),
])


def _slice_grad_fwd(F: Any, g: Any, shape: tuple[int, ...], key: Any, nb: int) -> Any:
    return F.slice_grad(g, shape, key, nb)


def _slice_grad_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g[(_slice(None),) * (F.ndim(g) - len(p["shape"]) + p["nb"]) + p["key"]],)


SLICE_GRAD = defop("strided_slice_grad", _slice_grad_fwd, _slice_grad_vjp,
                   lambda F, ts, ins, out, p: F.slice_grad(ts[0], p["shape"], p["key"], p["nb"]), linear=True,
                   internal=True,
                   test=spec(lambda tf, g: tf.ops.slicing.slice_grad(g, (4, 3), (_slice(1, 3),), 0), normal((2, 3)),
                             ref=lambda g: np.concatenate([np.zeros((1, 3)), g, np.zeros((1, 3))]), tf=False))


def slice_grad(g: Any, shape: tuple[int, ...], key: Any, nb: int) -> Tensor:
    """Scatter ``g`` into zeros of ``shape`` at basic-index ``key`` (the transpose of slicing)."""
    return apply1(SLICE_GRAD, to_tensor(g), {"shape": tuple(shape), "key": key, "nb": nb})


def _norm_key(key: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    if not isinstance(key, tuple):
        key = (key,)
    out: list[Any] = []
    dim = 0
    n_real = sum(1 for k in key if k is not None and k is not Ellipsis)
    for k in key:
        if k is Ellipsis:
            out.append(k)
            dim = len(shape) - (n_real - sum(1 for q in out if q is not None and q is not Ellipsis))
            continue
        if k is None:
            out.append(None)
            continue
        if isinstance(k, _TensorLike):
            if k._value.ndim != 0 or k._value.dtype.kind not in "iu":
                raise TypeError(
                    "Only integers, slices (`:`), ellipsis (`...`), tapegrad.newaxis (`None`) and scalar int32/int64 "
                    f"tensors are valid indices, got a tensor of shape {tuple(k._value.shape)} and dtype "
                    f"{k.dtype.name}. Use tapegrad.gather or tapegrad.boolean_mask for array indexing."
                )
            k = int(static_value(k))
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer, _slice)):
            raise TypeError(
                "Only integers, slices (`:`), ellipsis (`...`), tapegrad.newaxis (`None`) and scalar int32/int64 "
                f"tensors are valid indices, got {k!r}. Use tapegrad.gather or tapegrad.boolean_mask for array "
                "indexing."
            )
        if isinstance(k, _slice):
            parts = [k.start, k.stop, k.step]
            for j, v in enumerate(parts):
                if isinstance(v, _TensorLike):
                    parts[j] = int(static_value(v))
            if parts[2] == 0:
                raise InvalidArgumentError("slice step cannot be zero.")
            out.append(_slice(*parts))
        else:
            k = int(k)
            if dim >= len(shape):
                raise InvalidArgumentError(
                    f"Index out of range: too many indices for a tensor of shape {tuple(shape)}."
                )
            n = shape[dim]
            if not -n <= k < n:
                raise InvalidArgumentError(
                    f"slice index {k} of dimension {dim} out of bounds: the dimension has size {n} (shape "
                    f"{tuple(shape)})."
                )
            out.append(k)
        dim += 1
    if dim > len(shape) and Ellipsis not in out:
        raise InvalidArgumentError(f"Index out of range: too many indices for a tensor of shape {tuple(shape)}.")
    return tuple(out)


def getitem(x: Any, key: Any) -> Tensor:
    """``x[key]`` with ints, slices (with steps), Ellipsis, newaxis and negative indices, or one boolean tensor
    (``x[x > 0]``: :func:`boolean_mask`, as TF); differentiable."""
    if type(x) is not Tensor and type(x) is not Variable:
        x = to_tensor(x)
    if isinstance(key, _TensorLike) and key.dtype.is_bool:  # TF: ``x[mask]`` is ``boolean_mask(x, mask)``
        from .indexing import boolean_mask

        return boolean_mask(x, key)
    k = _norm_key(key, x._value.shape)
    out_ndim = x._value.ndim + sum(1 for q in k if q is None) - sum(1 for q in k if type(q) is int)
    if not out_ndim and x._value.dtype.kind == "O":
        from .string_ops import element

        return element(x, key=k)  # one string element (NumPy would hand back a bare ``bytes``)
    return apply1(STRIDED_SLICE, x, {"key": k, "out_ndim": out_ndim})


newaxis = None


def _slice_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    key = p["key"]
    nb = F.ndim(g) - len(key)
    return (F.slice_grad(g, F.shape(g)[:nb] + F.shape(ins[0]), key, nb),)


SLICE = defop(
    "slice", lambda F, x, key: x[key], _slice_vjp, lambda F, ts, ins, out, p: ts[0][p["key"]], linear=True,
    save_in=False,
    test=spec(lambda tf, x: tf.slice(x, [0, 1, 1], [-1, 2, -1]), normal((2, 3, 4)), ref=lambda x: x[:, 1:3, 1:],
              complex=True),
)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """The block of ``input_`` starting at ``begin`` with extent ``size`` (-1: to the end of that dimension).

    >>> import tapegrad as tf
    >>> tf.slice(tf.constant([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]).numpy().tolist()
    [[2, 3], [5, 6]]
    """
    op = "slice"
    x = to_tensor(input_)
    shp = tuple(x._value.shape)
    b = _int_list(begin, op, "begin")
    s = _int_list(size, op, "size")
    if len(b) != len(shp) or len(s) != len(shp):
        raise InvalidArgumentError(f"{op}: begin and size need {len(shp)} entries (one per dimension of shape "
                                   f"{shp}), got begin {b} and size {s}.")
    key = []
    for i, (bi, si, d) in enumerate(zip(b, s, shp)):
        if not 0 <= bi <= d:
            raise InvalidArgumentError(f"{op}: begin[{i}] = {bi} is not in [0, {d}] (shape {shp}).")
        if si == -1:
            si = d - bi
        if not 0 <= si <= d - bi:
            raise InvalidArgumentError(f"{op}: size[{i}] = {si} is not in [0, {d - bi}] for begin[{i}] = {bi} "
                                       f"(shape {shp}).")
        key.append(_slice(bi, bi + si))
    return apply1(SLICE, x, {"key": tuple(key)})


EXPORTS: dict[str, list[str]] = {
    "": [
        "slice",
    ],
}
