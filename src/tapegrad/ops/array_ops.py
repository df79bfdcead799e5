"""Shape and structure ops: reshape, transpose, concat, stack, add_n, where, matmul, and slicing."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1, apply2, applyn
from .._registry import bilinear_jvp, defop, normal, spec
from .._tensor import Tensor, Variable, _TensorLike, static_value
from ..errors import InvalidArgumentError
from ._common import dtype_mismatch, like, norm_one_axis, pair, shape_arg, to_tensor, tsum
from .core import identity

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


# -- concat / stack / add_n -----------------------------------------------------------------------------------------


def _same_dtype(values: Any, op: str) -> tuple[Any, ...]:
    """Convert a list of values to tensors sharing one dtype (the first tensor's)."""
    values = list(values)
    if not values:
        raise InvalidArgumentError(f"{op}: expected a non-empty list of tensors.")
    first = next((v for v in values if isinstance(v, _TensorLike)), None)
    if first is None:
        first = to_tensor(values[0])
    out = []
    for v in values:
        if isinstance(v, _TensorLike):
            if v._value.dtype != first._value.dtype:
                raise InvalidArgumentError(dtype_mismatch(op, first, v))
            out.append(v)
        else:
            out.append(like(v, first, op))
    return tuple(out)


def _concat_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    axis = p["axis"]
    tail = (slice(None),) * (-1 - axis)
    res = []
    start = 0
    for x, need in zip(ins, needs):
        n = F.shape(x)[axis]
        res.append(g[(Ellipsis, slice(start, start + n)) + tail] if need else None)
        start += n
    return tuple(res)


CONCAT = defop("concat", lambda F, *xs, axis: F.concatenate(xs, axis=axis), _concat_vjp,
               lambda F, ts, ins, out, p: F.concatenate(
                   [F.zeros_like(x) if t is None else t for t, x in zip(ts, ins)], axis=p["axis"]),
               linear=True, test=spec(lambda tf, a, b: tf.concat([a, b], axis=-1), normal((2, 3), (2, 2)),
                                      ref=lambda a, b: np.concatenate([a, b], -1), complex=True), save_in=False)


def concat(values: Any, axis: Any, name: str | None = None) -> Tensor:
    """Join tensors along an existing ``axis``.

    >>> import tapegrad as tf
    >>> tf.concat([tf.zeros([2, 1]), tf.ones([2, 2])], axis=1).shape
    TensorShape([2, 3])
    """
    xs = _same_dtype(values, "concat")
    nd = xs[0]._value.ndim
    if nd == 0:
        raise InvalidArgumentError("concat: cannot concatenate scalars; use tapegrad.stack instead.")
    ax = norm_one_axis(axis, nd, "concat")
    for x in xs:
        s0, s = xs[0]._value.shape, x._value.shape
        if len(s) != nd or any(a != b for i, (a, b) in enumerate(zip(s0, s)) if i != nd + ax):
            raise InvalidArgumentError(
                f"concat: all inputs must have the same shape except along axis {ax}; got shapes "
                f"{[tuple(v._value.shape) for v in xs]}."
            )
    if len(xs) == 1:
        return xs[0] if type(xs[0]) is Tensor else identity(xs[0])
    return applyn(CONCAT, xs, {"axis": ax})


def _stack_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    axis = p["axis"]
    tail = (slice(None),) * (-1 - axis)
    return tuple(g[(Ellipsis, i) + tail] if need else None for i, need in enumerate(needs))


STACK = defop("stack", lambda F, *xs, axis: F.stack(xs, axis=axis), _stack_vjp,
              lambda F, ts, ins, out, p: F.stack([F.zeros_like(x) if t is None else t for t, x in zip(ts, ins)],
                                                 axis=p["axis"]), linear=True,
              test=spec(lambda tf, a, b: tf.stack([a, b], axis=1), normal((2, 3), (2, 3)),
                        ref=lambda a, b: np.stack([a, b], 1), complex=True), save_in=False)


def stack(values: Any, axis: int = 0, name: str | None = None) -> Tensor:
    """Stack equally shaped tensors along a new ``axis``.

    >>> import tapegrad as tf
    >>> tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1).numpy().tolist()
    [[1, 3], [2, 4]]
    """
    xs = _same_dtype(values, "stack")
    shapes = {tuple(x._value.shape) for x in xs}
    if len(shapes) != 1:
        raise InvalidArgumentError(
            f"stack: all inputs must have the same shape; got shapes {[tuple(x._value.shape) for x in xs]}."
        )
    ax = norm_one_axis(axis, xs[0]._value.ndim + 1, "stack")
    return applyn(STACK, xs, {"axis": ax})


def _add_n_fwd(F: Any, *xs: Any) -> Any:
    total = xs[0] + xs[1]
    for x in xs[2:]:
        total = total + x
    return total


ADD_N = defop("add_n", _add_n_fwd, lambda F, g, ins, out, p, needs: (g,) * len(ins),
              lambda F, ts, ins, out, p: tsum(ts), linear=True,
              test=spec(lambda tf, a, b, c: tf.add_n([a, b, c]), normal((2, 3), (2, 3), (2, 3)),
                        ref=lambda a, b, c: a + b + c, complex=True), save_in=False)




def add_n(inputs: Any, name: str | None = None) -> Tensor:
    """Elementwise sum of a list of tensors of the same shape and dtype.

    >>> import tapegrad as tf
    >>> tf.add_n([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)]).numpy()
    np.float32(6.0)
    """
    xs = _same_dtype(inputs, "add_n")
    shapes = {tuple(x._value.shape) for x in xs}
    if len(shapes) != 1:
        raise InvalidArgumentError(
            f"add_n: all inputs must have the same shape; got {[tuple(x._value.shape) for x in xs]}."
        )
    if len(xs) == 1:
        return xs[0] if type(xs[0]) is Tensor else identity(xs[0])
    return applyn(ADD_N, xs)


# -- where ----------------------------------------------------------------------------------------------------------


def _where_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    c = ins[0]
    z = F.zeros_like(g)
    return (None, F.where(c, g, z) if needs[1] else None, F.where(c, z, g) if needs[2] else None)


def _where_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    z = F.zeros_like(out)
    return F.where(ins[0], z if ts[1] is None else ts[1] + z, z if ts[2] is None else ts[2] + z)


WHERE = defop("where", lambda F, c, x, y: F.where(c, x, y), _where_vjp, _where_jvp,
              test=spec(lambda tf, c, x, y: tf.where(c, x, y),
                        lambda rng: (rng.normal(size=(3, 1)) > 0, rng.normal(size=(3, 4)), rng.normal(size=(4,))),
                        ref=np.where, complex=True))
WHERE_INDICES = defop("where_indices", lambda F, c: F.astype(F.argwhere(c), F.int64), None,
                      test=spec(lambda tf, c: tf.where(c), lambda rng: (rng.normal(size=(3, 4)) > 0,), ref=np.argwhere))


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """Elementwise ``x if condition else y`` with broadcasting; gradients are routed to the chosen branch.

    With only ``condition``: the int64 coordinates of its true elements.

    >>> import tapegrad as tf
    >>> tf.where(tf.constant([True, False]), 1.0, 0.0).numpy().tolist()
    [1.0, 0.0]
    """
    c = to_tensor(condition)
    if x is None and y is None:
        return apply1(WHERE_INDICES, c)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither.")
    if c._value.dtype.kind != "b":
        raise InvalidArgumentError(f"where: condition must be a bool tensor, got dtype {c.dtype.name}.")
    a, b = pair(x, y, "where")
    try:
        np.broadcast_shapes(c._value.shape, a._value.shape, b._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"where: condition, x and y shapes {tuple(c._value.shape)}, {tuple(a._value.shape)}, "
            f"{tuple(b._value.shape)} do not broadcast together."
        ) from None
    return applyn(WHERE, (c, a, b))


# -- matmul ---------------------------------------------------------------------------------------------------------


def _mT(F: Any, x: Any) -> Any:
    if type(x) is np.ndarray:
        return x.swapaxes(-1, -2)  # the method: no np.swapaxes wrapper
    return F.swapaxes(x, -1, -2)


def _op_t(F: Any, x: Any, t: bool, adj: bool) -> Any:
    if adj:
        return F.conj(_mT(F, x))
    return _mT(F, x) if t else x


def _matmul_fwd(F: Any, a: Any, b: Any, ta: bool, tb: bool, aa: bool, ab: bool) -> Any:
    if not (ta or tb or aa or ab) and a.dtype.kind != "V":  # the plain product: no transposition helpers
        return F.matmul(a, b)
    if a.dtype.kind == "V":  # bfloat16 (NumPy's matmul has no loop for it): float32 products, rounded once
        return _matmul_fwd(F, a.astype(np.float32), b.astype(np.float32), ta, tb, aa, ab).astype(a.dtype)
    return F.matmul(_op_t(F, a, ta, aa), _op_t(F, b, tb, ab))


def _mm(F: Any, a: Any, b: Any) -> Any:
    """``a @ b`` where one side is a plain matrix and the other carries batch axes (e.g. Jacobian cotangents):
    folded into a single GEMM instead of one small product per batch element."""
    if not F.is_diff:
        if b.ndim == 2 and a.ndim > 2:
            return F.reshape(F.reshape(a, (-1, a.shape[-1])) @ b, a.shape[:-1] + (b.shape[-1],))
        if a.ndim == 2 and b.ndim > 2:
            if b.shape[-1] == 1:  # columns (e.g. Jacobian rows for a column source): one GEMM, no copy
                r = F.reshape(b, (-1, b.shape[-2])) @ F.swapaxes(a, -1, -2)
                return F.reshape(r, b.shape[:-2] + (a.shape[0], 1))
            bt = F.swapaxes(b, -1, -2)
            r = F.reshape(bt, (-1, bt.shape[-1])) @ F.swapaxes(a, -1, -2)
            return F.swapaxes(F.reshape(r, bt.shape[:-1] + (a.shape[0],)), -1, -2)
    return F.matmul(a, b)


def _matmul_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, b = ins
    if p is _MATMUL_PLAIN and not F.is_diff and g.ndim == 2 and a.ndim == 2 and b.ndim == 2 \
            and g.dtype.kind == "f":
        # the everyday case (real matrices, no transposes, no batch axes): the two GEMMs without the helpers
        return (np.matmul(g, b.swapaxes(-1, -2)) if needs[0] else None,
                np.matmul(a.swapaxes(-1, -2), g) if needs[1] else None)
    ta, tb, aa, ab = p["ta"], p["tb"], p["aa"], p["ab"]
    ga = gb = None
    if needs[0]:
        # grad of op(a) is g @ op(b)^H; undo op on a
        gop = _mm(F, g, _adj(F, _op_t(F, b, tb, ab)))
        ga = _undo(F, gop, ta, aa)
    if needs[1]:
        gop = _mm(F, _adj(F, _op_t(F, a, ta, aa)), g)
        gb = _undo(F, gop, tb, ab)
    return (ga, gb)


def _adj(F: Any, x: Any) -> Any:
    y = _mT(F, x)
    return F.conj(y) if (x._value if type(x) is Tensor else x).dtype.kind == "c" else y


def _undo(F: Any, gop: Any, t: bool, adj: bool) -> Any:
    if adj:
        return F.conj(_mT(F, gop))
    return _mT(F, gop) if t else gop


_matmul_jvp = bilinear_jvp(lambda F, a, b, p: _matmul_fwd(F, a, b, p["ta"], p["tb"], p["aa"], p["ab"]))


MATMUL = defop("matmul", _matmul_fwd, _matmul_vjp, _matmul_jvp, bilinear=True, test=[
    spec(lambda tf, a, b: tf.matmul(a, b), normal((3, 4), (4, 2)), ref=np.matmul, complex=True),
    spec(lambda tf, a, b: tf.matmul(a, b), normal((2, 3, 4), (4, 2)), ref=np.matmul, complex=True, name="batched"),
    spec(lambda tf, a, b: tf.matmul(a, b, transpose_a=True, adjoint_b=True), normal((4, 3), (2, 4)),
         ref=lambda a, b: a.T @ b.conj().T, complex=True, name="transposed"),
])
_MATMUL_PLAIN = {"ta": False, "tb": False, "aa": False, "ab": False}


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type: Any = None, grad_a: bool = False, grad_b: bool = False, name: str | None = None) -> Tensor:
    """Matrix product of the last two axes (rank ≥ 2), broadcasting leading (batch) axes.

    >>> import tapegrad as tf
    >>> tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    ta_, tb_ = type(a), type(b)
    if (ta_ is Tensor or ta_ is Variable) and (tb_ is Tensor or tb_ is Variable) and not (
            transpose_a or transpose_b or adjoint_a or adjoint_b):
        # the usual call (two float matrices, no flags): the checks below in their cheapest form
        va, vb = a._value, b._value
        if (va.ndim == 2 and vb.ndim == 2 and va.dtype == vb.dtype and va.dtype.kind in "fcV"
                and va.shape[1] == vb.shape[0]):
            return apply2(MATMUL, a, b, _MATMUL_PLAIN)
    x, y = pair(a, b, "matmul")
    sa, sb = x._value.shape, y._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            f"matmul: both inputs need rank >= 2, got shapes {tuple(sa)} and {tuple(sb)}. For a matrix-vector "
            "product use tapegrad.linalg.matvec, or reshape the vector to a column."
        )
    if x._value.dtype.kind == "b":
        raise InvalidArgumentError("matmul: bool tensors are not supported; cast to a numeric dtype.")
    ka = sa[-2] if (transpose_a or adjoint_a) else sa[-1]
    kb = sb[-1] if (transpose_b or adjoint_b) else sb[-2]
    if ka != kb:
        raise InvalidArgumentError(
            f"matmul: inner dimensions do not match: a has shape {tuple(sa)}"
            f"{' (transposed)' if transpose_a or adjoint_a else ''} and b has shape {tuple(sb)}"
            f"{' (transposed)' if transpose_b or adjoint_b else ''}: {ka} != {kb}."
        )
    try:
        if len(sa) > 2 and len(sb) > 2:  # (plain matrices need no batch check: it costs µs per call)
            np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise InvalidArgumentError(
            f"matmul: the batch dimensions of a {tuple(sa)} and b {tuple(sb)} ({tuple(sa[:-2])} and "
            f"{tuple(sb[:-2])}) do not broadcast."
        ) from None
    if not (transpose_a or transpose_b or adjoint_a or adjoint_b):
        return apply2(MATMUL, x, y, _MATMUL_PLAIN)
    return apply2(MATMUL, x, y, {"ta": bool(transpose_a), "tb": bool(transpose_b), "aa": bool(adjoint_a),
                                 "ab": bool(adjoint_b)})


# -- slicing --------------------------------------------------------------------------------------------------------


def _slice_fwd(F: Any, x: Any, key: Any, out_ndim: int) -> Any:
    return x[key]


def _slice_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - p["out_ndim"]
    return (F.slice_grad(g, F.shape(g)[:nb] + F.shape(ins[0]), p["key"], nb),)


SLICE = defop("strided_slice", _slice_fwd, _slice_vjp, lambda F, ts, ins, out, p: ts[0][p["key"]], linear=True,
              save_in=False, test=[
    spec(lambda tf, x: x[1:, ::-2], normal((4, 5)), ref=lambda x: x[1:, ::-2], complex=True),
    spec(lambda tf, x: x[..., 1, tf.newaxis], normal((2, 3, 4)), ref=lambda x: x[..., 1, None], name="ellipsis"),
    spec(lambda tf, x: x[-1], normal((3, 2)), ref=lambda x: x[-1], name="negative"),
])


def _slice_grad_fwd(F: Any, g: Any, shape: tuple[int, ...], key: Any, nb: int) -> Any:
    return F.slice_grad(g, shape, key, nb)


def _slice_grad_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g[(slice(None),) * (F.ndim(g) - len(p["shape"]) + p["nb"]) + p["key"]],)


SLICE_GRAD = defop("strided_slice_grad", _slice_grad_fwd, _slice_grad_vjp,
                   lambda F, ts, ins, out, p: F.slice_grad(ts[0], p["shape"], p["key"], p["nb"]), linear=True,
                   internal=True,
                   test=spec(lambda tf, g: tf.ops.array_ops.slice_grad(g, (4, 3), (slice(1, 3),), 0), normal((2, 3)),
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
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer, slice)):
            raise TypeError(
                "Only integers, slices (`:`), ellipsis (`...`), tapegrad.newaxis (`None`) and scalar int32/int64 "
                f"tensors are valid indices, got {k!r}. Use tapegrad.gather or tapegrad.boolean_mask for array "
                "indexing."
            )
        if isinstance(k, slice):
            parts = [k.start, k.stop, k.step]
            for j, v in enumerate(parts):
                if isinstance(v, _TensorLike):
                    parts[j] = int(static_value(v))
            if parts[2] == 0:
                raise InvalidArgumentError("slice step cannot be zero.")
            out.append(slice(*parts))
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
        from .array_ext import boolean_mask

        return boolean_mask(x, key)
    k = _norm_key(key, x._value.shape)
    out_ndim = x._value.ndim + sum(1 for q in k if q is None) - sum(1 for q in k if type(q) is int)
    return apply1(SLICE, x, {"key": k, "out_ndim": out_ndim})


newaxis = None


EXPORTS: dict[str, list[str]] = {
    "": [
        "reshape", "transpose", "concat", "stack", "add_n", "where", "matmul"
    ],
    "math": [
        "add_n"
    ],
    "linalg": [
        "matmul"
    ],
}
