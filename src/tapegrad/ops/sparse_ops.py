"""``tf.sparse``: ``SparseTensor`` (COO: int64 ``indices`` [N, rank], ``values`` [N], int64 ``dense_shape``),
``to_dense``/``from_dense``/``reorder`` and ``sparse_dense_matmul``, differentiable in the values and the dense
operand as in TensorFlow."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1, apply2
from .._registry import defop, spec
from .._shape import TensorShape
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import core, shape_ops


class SparseTensor:
    """A sparse tensor in coordinate form, as ``tf.sparse.SparseTensor``.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    >>> tf.sparse.to_dense(st).numpy().tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        self._indices = _int64(indices, "indices")
        self._values = values if isinstance(values, _TensorLike) else core.convert_to_tensor(values)
        self._dense_shape = _int64(dense_shape, "dense_shape")
        ni, nv, ns = (tuple(t._value.shape) for t in (self._indices, self._values, self._dense_shape))
        if len(ni) != 2:
            raise ValueError(f"SparseTensor: indices must have rank 2 ([N, rank]), got shape {ni}: Shape {ni} must "
                             "have rank 2")
        if len(nv) != 1 or nv[0] != ni[0]:
            raise ValueError(f"SparseTensor: {ni[0]} indices but values of shape {nv}: Dimensions {ni[0]} and "
                             f"{nv[0] if nv else 0} are not compatible")
        if len(ns) != 1 or ns[0] != ni[1]:
            raise ValueError(f"SparseTensor: dense_shape of shape {ns} does not match indices of rank {ni[1]}.")

    indices = property(lambda self: self._indices, doc="int64 Tensor [N, rank]: the positions of the values.")
    values = property(lambda self: self._values, doc="Tensor [N]: the values at ``indices``.")
    dense_shape = property(lambda self: self._dense_shape, doc="int64 Tensor [rank]: the dense shape.")

    @property
    def shape(self) -> TensorShape:
        return TensorShape([int(d) for d in self._dense_shape._value])

    @property
    def dtype(self) -> Any:
        return self._values.dtype

    def get_shape(self) -> TensorShape:
        return self.shape

    def with_values(self, new_values: Any) -> SparseTensor:
        """The same positions with other values."""
        return SparseTensor(self._indices, new_values, self._dense_shape)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
                f"dense_shape={self._dense_shape!s})")


def _int64(x: Any, what: str) -> Tensor:
    try:
        return core.convert_to_tensor(x, dtype=_dtypes.int64)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


# -- to_dense ---------------------------------------------------------------------------------------------------


def _to_dense_fwd(F: Any, values: Any, pos: Any, shape: tuple[int, ...], default: Any) -> Any:
    out = F.full(int(np.prod(shape, dtype=np.int64)), default, dtype=values.dtype)
    out[pos] = values
    return F.reshape(out, shape)


def _to_dense_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - len(p["shape"])
    flat = F.reshape(g, tuple(F.shape(g)[:nb]) + (-1,))
    if F.is_diff:
        from .indexing import gather

        return (gather(flat, p["pos"], axis=nb),)
    return (flat[..., p["pos"]],)


SPARSE_TO_DENSE = defop(
    "sparse_to_dense", _to_dense_fwd, _to_dense_vjp, lambda F, ts, ins, out, p: apply1(
        SPARSE_TO_DENSE, ts[0], {**p, "default": 0}) if F.is_diff else _to_dense_fwd(F, ts[0], p["pos"], p["shape"], 0),
    linear=True, save_in=False,
    test=spec(lambda tf, v: tf.sparse.to_dense(tf.sparse.SparseTensor([[0, 1], [1, 0], [2, 3]], v, [3, 4]),
                                               default_value=0.5), lambda rng: (rng.normal(size=3),),
              ref=lambda v: _ref_dense(v, [(0, 1), (1, 0), (2, 3)], (3, 4), 0.5)))


def _ref_dense(v: Any, idx: list[tuple[int, int]], shape: tuple[int, int], fill: float) -> Any:
    out = np.full(shape, fill)
    for val, (i, j) in zip(v, idx):
        out[i, j] = val
    return out


def _positions(sp: SparseTensor, op: str, validate: bool) -> tuple[Any, tuple[int, ...]]:
    idx = static_value(sp.indices)
    shape = tuple(int(d) for d in static_value(sp.dense_shape))
    bad = ((idx < 0) | (idx >= np.asarray(shape, dtype=np.int64))).any(axis=1) if idx.size else np.zeros(0, bool)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidArgumentError(f"{op}: indices[{i}] = {idx[i].tolist()} is out of bounds: need 0 <= index < "
                                   f"{list(shape)}.")
    pos = np.ravel_multi_index(tuple(idx.T), shape) if idx.size else np.zeros(0, np.int64)
    if validate and pos.size > 1:
        step = np.diff(pos)
        if (step <= 0).any():
            i = int(np.argmax(step <= 0)) + 1
            what = "is repeated" if step[i - 1] == 0 else "is out of order"
            raise InvalidArgumentError(f"{op}: indices[{i}] = {idx[i].tolist()} {what}. Many sparse ops need sorted, "
                                       "unique indices: use tf.sparse.reorder (or validate_indices=False).")
    return pos, shape


def to_dense(sp_input: Any, default_value: Any = None, validate_indices: bool = True, name: str | None = None
             ) -> Tensor:
    """The dense tensor of ``sp_input`` (``default_value``, else 0, where no value is given); differentiable in the
    values. Indices must be sorted and unique unless ``validate_indices=False`` (then a repeated index keeps the
    last value).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[1]], [5.0], [3])
    >>> tf.sparse.to_dense(st, default_value=-1.0).numpy().tolist()
    [-1.0, 5.0, -1.0]
    """
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor (got {type(sp_input).__name__}); a dense tensor needs no "
                        "to_dense.")
    pos, shape = _positions(sp_input, "sparse.to_dense", validate_indices)
    vals = sp_input.values
    default = 0 if default_value is None else (
        static_value(default_value) if isinstance(default_value, _TensorLike) else default_value)
    default = vals._value.dtype.type(default).item() if vals._value.dtype.kind != "b" else bool(default)
    return apply1(SPARSE_TO_DENSE, vals, {"pos": pos, "shape": shape, "default": default})


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """The non-zero entries of ``tensor`` as a SparseTensor (indices in row-major order)."""
    t = core.convert_to_tensor(tensor)
    idx = np.argwhere(t._value != 0).astype(np.int64)
    vals = shape_ops.reshape(t, [-1])
    flat = np.ravel_multi_index(tuple(idx.T), t._value.shape) if idx.size else np.zeros(0, np.int64)
    from .indexing import gather

    return SparseTensor(make(idx, NUMPY), gather(vals, make(flat, NUMPY)),
                        make(np.asarray(t._value.shape, np.int64), NUMPY))


def reorder(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """The same SparseTensor with its indices in row-major order (values permuted alike)."""
    idx = static_value(sp_input.indices)
    order = np.lexsort(idx.T[::-1]) if idx.size else np.zeros(0, np.int64)
    from .indexing import gather

    return SparseTensor(make(idx[order], NUMPY), gather(sp_input.values, make(order, NUMPY)), sp_input.dense_shape)


# -- sparse_dense_matmul ----------------------------------------------------------------------------------------


def _spmm_fwd(F: Any, values: Any, b: Any, rows: Any, cols: Any, nrows: int) -> Any:
    """``A @ b`` for A given by (rows, cols, values) with ``nrows`` rows: out[r] += v * b[c]."""
    bt = F.moveaxis(b, -2, 0)  # [k, batch..., n]
    out = F.zeros((nrows,) + bt.shape[1:], dtype=b.dtype)
    F.add.at(out, rows, values.reshape((-1,) + (1,) * (bt.ndim - 1)) * bt[cols])
    return F.moveaxis(out, 0, -2)


def _spmm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    values, b = ins
    rows, cols = p["rows"], p["cols"]
    dv = db = None
    if F.is_diff:
        from .indexing import gather
        from .reductions import reduce_sum

        nd = F.ndim(g)
        if needs[0]:
            dv = reduce_sum(gather(g, rows, axis=nd - 2) * gather(b, cols, axis=F.ndim(b) - 2), axis=-1)
        if needs[1]:
            db = apply2(SPARSE_DENSE_MATMUL, values, g, {"rows": cols, "cols": rows, "nrows": F.shape(b)[-2]})
        return dv, db
    if needs[0]:
        dv = (g[..., rows, :] * b[..., cols, :]).sum(-1)
    if needs[1]:
        nb = g.ndim - 2
        db = np.zeros(g.shape[:nb] + b.shape[-2:], dtype=g.dtype)
        gt = np.moveaxis(g, -2, 0)[rows]  # [N, batch..., n]
        upd = values.reshape((-1,) + (1,) * (gt.ndim - 1)) * gt
        np.add.at(np.moveaxis(db, -2, 0), cols, upd)
    return dv, db


def _spmm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    """Bilinear in (values, dense): tangent ``A(tv) @ b + A(v) @ tb``."""
    parts = []
    for i, t in enumerate(ts):
        if t is not None:
            a = (t, ins[1]) if i == 0 else (ins[0], t)
            parts.append(apply2(SPARSE_DENSE_MATMUL, a[0], a[1], p) if F.is_diff else _spmm_fwd(F, *a, **p))
    return None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]


SPARSE_DENSE_MATMUL = defop(
    "sparse_dense_matmul", _spmm_fwd, _spmm_vjp, _spmm_jvp, test=spec(
        lambda tf, v, b: tf.sparse.sparse_dense_matmul(tf.sparse.SparseTensor([[0, 0], [1, 2], [2, 1], [2, 3]], v,
                                                                              [3, 4]), b),
        lambda rng: (rng.normal(size=4), rng.normal(size=(4, 2))),
        ref=lambda v, b: _ref_dense(v, [(0, 0), (1, 2), (2, 1), (2, 3)], (3, 4), 0.0) @ b))


def sparse_dense_matmul(sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False,
                        name: str | None = None) -> Tensor:
    """``op(sp_a) @ op(b)`` where one operand is a SparseTensor (rank 2) and the other dense; ``adjoint_*``
    transpose (and conjugate) that operand first. Gradients flow to the dense operand and to the sparse values.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [2, 3])
    >>> tf.sparse.sparse_dense_matmul(st, tf.ones([3, 2])).numpy().tolist()
    [[1.0, 1.0], [2.0, 2.0]]
    """
    if not isinstance(sp_a, SparseTensor):
        if not isinstance(b, SparseTensor):
            raise TypeError("sparse_dense_matmul: one operand must be a SparseTensor.")
        # a @ B = (B^T a^T)^T, with the adjoints carried over
        a_t = core.convert_to_tensor(sp_a)
        out = sparse_dense_matmul(b, a_t, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a)
        out = shape_ops.transpose(out)
        return core.conj(out) if (adjoint_a or adjoint_b) and out.dtype.is_complex else out
    dense = core.convert_to_tensor(b)
    vals = sp_a.values
    if dense._value.dtype != vals._value.dtype:
        raise InvalidArgumentError(f"sparse_dense_matmul: the sparse values are {vals.dtype.name} but the dense "
                                   f"operand is {dense.dtype.name}; cast one of them.")
    shape = tuple(int(d) for d in static_value(sp_a.dense_shape))
    if len(shape) != 2 or dense._value.ndim != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: needs a rank-2 SparseTensor and a matrix, got dense shape "
                                   f"{list(shape)} and {list(dense._value.shape)}.")
    idx = static_value(sp_a.indices)
    rows, cols = (idx[:, 1], idx[:, 0]) if adjoint_a else (idx[:, 0], idx[:, 1])
    m, k = (shape[1], shape[0]) if adjoint_a else shape
    if adjoint_a and vals.dtype.is_complex:
        vals = core.conj(vals)
    if adjoint_b:
        dense = core.conj(shape_ops.transpose(dense)) if dense.dtype.is_complex else shape_ops.transpose(dense)
    if dense._value.shape[0] != k:
        raise InvalidArgumentError(f"sparse_dense_matmul: cannot multiply A and B: inner dimensions {k} vs. "
                                   f"{dense._value.shape[0]} (A is {m}x{k}, B is {list(dense._value.shape)}); did you "
                                   "forget adjoint_a/adjoint_b?")
    bad = ((rows < 0) | (rows >= m) | (cols < 0) | (cols >= k))
    if bad.any():
        raise InvalidArgumentError(f"sparse_dense_matmul: index {idx[int(np.argmax(bad))].tolist()} is out of bounds "
                                   f"for dense shape {list(shape)}.")
    return apply2(SPARSE_DENSE_MATMUL, vals, dense, {"rows": rows, "cols": cols, "nrows": m})


EXPORTS: dict[str, list[str]] = {
    "": ["SparseTensor"],
    "sparse": ["SparseTensor", "to_dense", "from_dense", "reorder", "sparse_dense_matmul"],
}
