"""Shape ops: reshape, transpose, squeeze, expand_dims, and the queries shape, size, rank."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1
from .._registry import defop, normal, spec
from .._tensor import Tensor, make, static_value
from ..errors import InvalidArgumentError
from ._array_common import _int_list
from ._common import RaggedInput, shape_arg, to_tensor

# -- reshape --------------------------------------------------------------------------------------------------------


def _reshape_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - len(p["shape"])
    return (F.reshape(g, F.shape(g)[:nb] + F.shape(ins[0])),)


def _reshape_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.reshape(ts[0], p["shape"])


RESHAPE = defop("reshape", lambda F, x, shape: F.reshape(x, shape), _reshape_vjp, _reshape_jvp, linear=True,
                save_in=False,
                test=spec(lambda tf, x: tf.reshape(x, [4, -1]), normal((2, 3, 4)), ref=lambda x: x.reshape(4, 6),
                          complex=True))


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """Same elements, new shape; one dimension may be -1 (inferred).

    >>> import tapegrad as tf
    >>> tf.reshape(tf.zeros([6]), [2, -1]).shape
    TensorShape([2, 3])
    """
    x = to_tensor(tensor)
    shp = list(shape_arg(shape))
    size = x._value.size
    if shp.count(-1) > 1:
        raise InvalidArgumentError(f"reshape: only one dimension may be -1, got shape {shp}.")
    if -1 in shp:
        known = int(np.prod([d for d in shp if d != -1]))
        if known == 0 or size % known:
            raise InvalidArgumentError(
                f"reshape: cannot reshape a tensor of shape {tuple(x._value.shape)} ({size} elements) to {shp}: "
                f"{size} is not a multiple of {known}."
            )
        shp[shp.index(-1)] = size // known
    if int(np.prod(shp)) != size:
        raise InvalidArgumentError(
            f"reshape: cannot reshape a tensor of shape {tuple(x._value.shape)} ({size} elements) to shape "
            f"{tuple(shp)} ({int(np.prod(shp))} elements)."
        )
    return apply1(RESHAPE, x, {"shape": tuple(shp)})


# -- transpose ------------------------------------------------------------------------------------------------------


def _transpose_fwd(F: Any, x: Any, perm: tuple[int, ...], conjugate: bool) -> Any:
    y = F.transpose(x, perm)
    return F.conj(y) if conjugate else y


def _batched_perm(nb: int, perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(range(nb)) + tuple(nb + q for q in perm)


def _transpose_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    perm = p["perm"]
    inv = tuple(int(i) for i in np.argsort(perm))
    nb = F.ndim(g) - len(perm)
    r = F.transpose(g, _batched_perm(nb, inv))
    return (F.conj(r) if p["conjugate"] else r,)


def _transpose_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _transpose_fwd(F, ts[0], p["perm"], p["conjugate"])


TRANSPOSE = defop("transpose", _transpose_fwd, _transpose_vjp, _transpose_jvp, linear=True, save_in=False, test=[
    spec(lambda tf, x: tf.transpose(x, [2, 0, 1]), normal((2, 3, 4)), ref=lambda x: x.transpose(2, 0, 1),
         complex=True),
    spec(lambda tf, x: tf.transpose(x, conjugate=True), normal((2, 3)), ref=lambda x: x.T.conj(), complex=True,
         name="conjugate"),
])


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str | None = None) -> Tensor:
    """Permute dimensions (reversed by default); ``conjugate=True`` also conjugates complex values.

    >>> import tapegrad as tf
    >>> tf.transpose(tf.zeros([2, 3])).shape
    TensorShape([3, 2])
    """
    x = to_tensor(a)
    nd = x._value.ndim
    if perm is None:
        p = tuple(range(nd - 1, -1, -1))
    else:
        p = tuple(int(q) for q in shape_arg(perm))
        if sorted(q % nd if nd else q for q in p) != list(range(nd)) or len(p) != nd:
            raise InvalidArgumentError(
                f"transpose: perm {list(p)} is not a permutation of {list(range(nd))} for a tensor of shape "
                f"{tuple(x._value.shape)}."
            )
        p = tuple(q % nd for q in p)
    return apply1(TRANSPOSE, x, {"perm": p, "conjugate": bool(conjugate and x._value.dtype.kind == "c")})


# -- shape queries -----------------------------------------------------------------------------------------------------


def _out_type(out_type: Any, op: str) -> np.dtype:
    dt = np.dtype(np.int32) if out_type is None else _dtypes.as_dtype(out_type)._np
    if dt not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise InvalidArgumentError(f"{op}: out_type must be int32 or int64, got {dt.name}.")
    return dt


SHAPE = defop("shape", lambda F, x, dtype: F.asarray(x.shape, dtype=dtype), None,
              test=spec(lambda tf, x: tf.shape(x), normal((2, 3, 1)), ref=lambda x: np.array([2, 3, 1], np.int32)))
SIZE = defop("size", lambda F, x, dtype: F.asarray(x.size, dtype=dtype), None,
             test=spec(lambda tf, x: tf.size(x, out_type=tf.int64), normal((2, 3)), ref=lambda x: np.int64(6)))
RANK = defop("rank", lambda F, x: F.asarray(x.ndim, dtype=F.int32), None,
             test=spec(lambda tf, x: tf.rank(x), normal((2, 3)), ref=lambda x: np.int32(2)))


def shape(input: Any, out_type: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """The shape of ``input`` as a 1-D int32 (or ``out_type``) tensor.

    >>> import tapegrad as tf
    >>> tf.shape(tf.zeros([2, 3])).numpy().tolist()
    [2, 3]
    """
    special = _composite_shape(input, out_type, "shape")
    if special is not None:
        return special
    return apply1(SHAPE, to_tensor(input), {"dtype": _out_type(out_type, "shape")})


def _composite_shape(x: Any, out_type: Any, what: str) -> Any:
    """tf.shape/size/rank of a SparseTensor (from its dense_shape) or tf.shape of a RaggedTensor (a
    DynamicRaggedShape); None for other inputs."""
    from ._common import RAGGED_TYPE, SPARSE_TYPE

    if type(x) is SPARSE_TYPE[0]:
        dims = static_value(x.dense_shape)
        value = {"shape": dims, "size": np.prod(dims, dtype=np.int64), "rank": np.int64(dims.size)}[what]
        dtype = _out_type(out_type, what) if what != "rank" else np.dtype(np.int32)
        return make(np.asarray(value, dtype), NUMPY)
    if what == "shape" and type(x) is RAGGED_TYPE[0]:
        from .ragged_ops import DynamicRaggedShape

        return DynamicRaggedShape._of(x, _out_type(out_type, "shape"))
    if what == "rank" and type(x) is RAGGED_TYPE[0]:
        return make(np.int32(x.shape.rank), NUMPY)
    return None


def size(input: Any, out_type: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of elements of ``input`` as a scalar int32 (or ``out_type``) tensor.

    >>> import tapegrad as tf
    >>> int(tf.size(tf.zeros([2, 3])))
    6
    """
    special = _composite_shape(input, out_type, "size")
    if special is not None:
        return special
    try:
        t = to_tensor(input)
    except RaggedInput:  # a RaggedTensor: the number of its (flat) values
        return size(input.flat_values, out_type)
    return apply1(SIZE, t, {"dtype": _out_type(out_type, "size")})


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of dimensions of ``input`` as a scalar int32 tensor.

    >>> import tapegrad as tf
    >>> int(tf.rank(tf.zeros([2, 3])))
    2
    """
    special = _composite_shape(input, None, "rank")
    if special is not None:
        return special
    return apply1(RANK, to_tensor(input))


# -- reshape-like: squeeze / expand_dims -------------------------------------------------------------------------------


def _reshaped_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - len(p["shape"])
    return (F.reshape(g, F.shape(g)[:nb] + F.shape(ins[0])),)


def _reshaped_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.reshape(ts[0], p["shape"])


def _reshaped_fwd(F: Any, x: Any, shape: tuple[int, ...]) -> Any:
    return F.reshape(x, shape)


SQUEEZE = defop(
    "squeeze", _reshaped_fwd, _reshaped_vjp, _reshaped_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.squeeze(x), normal((1, 2, 1, 3)), ref=lambda x: x.reshape(2, 3), complex=True),
        spec(lambda tf, x: tf.squeeze(x, [0, -1]), normal((1, 2, 1, 3, 1)), ref=lambda x: x.reshape(2, 1, 3),
             name="axes"),
    ],
)
EXPAND_DIMS = defop(
    "expand_dims", _reshaped_fwd, _reshaped_vjp, _reshaped_jvp, linear=True, save_in=False,
    test=spec(lambda tf, x: tf.expand_dims(x, -2), normal((2, 3)), ref=lambda x: x[:, None, :], complex=True),
)


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Remove size-1 dimensions (all of them, or those listed in ``axis``, which must have size 1).

    >>> import tapegrad as tf
    >>> tf.squeeze(tf.zeros([1, 2, 1, 3])).shape
    TensorShape([2, 3])
    """
    op = "squeeze"
    x = to_tensor(input)
    shp = tuple(x._value.shape)
    nd = len(shp)
    if axis is None:
        drop = {i for i, d in enumerate(shp) if d == 1}
    else:
        drop = set()
        for a in _int_list(axis, op, "axis"):
            if not -nd <= a < nd:
                raise InvalidArgumentError(f"{op}: cannot squeeze dim {a} of a tensor with {nd} dimensions "
                                           f"(shape {shp}).")
            a %= nd
            if shp[a] != 1:
                raise InvalidArgumentError(f"{op}: cannot squeeze dim {a}: expected a dimension of 1, got {shp[a]} "
                                           f"(shape {shp}).")
            drop.add(a)
    return apply1(SQUEEZE, x, {"shape": tuple(d for i, d in enumerate(shp) if i not in drop)})


def expand_dims(input: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Insert a size-1 dimension at ``axis`` (in ``[-rank-1, rank]``).

    >>> import tapegrad as tf
    >>> tf.expand_dims(tf.zeros([2, 3]), -1).shape
    TensorShape([2, 3, 1])
    """
    op = "expand_dims"
    x = to_tensor(input)
    shp = list(x._value.shape)
    nd = len(shp)
    axes = _int_list(axis, op, "axis")
    if len(axes) != 1:
        raise InvalidArgumentError(f"{op}: axis must be a single integer, got {axes}.")
    a = axes[0]
    if not -nd - 1 <= a <= nd:
        raise InvalidArgumentError(f"{op}: cannot insert a dimension at axis {a} of a tensor with {nd} dimensions; "
                                   f"valid axes are [{-nd - 1}, {nd}].")
    shp.insert(a if a >= 0 else a + nd + 1, 1)
    return apply1(EXPAND_DIMS, x, {"shape": tuple(shp)})


EXPORTS: dict[str, list[str]] = {
    "": [
        "reshape", "transpose", "squeeze", "expand_dims", "shape", "size", "rank",
    ],
}
