"""``tf.sparse``: ``SparseTensor`` (COO: int64 ``indices`` [N, rank], ``values`` [N], int64 ``dense_shape``),
``SparseTensorSpec`` and the ``tf.sparse`` functions, differentiable in the values (and dense operands) exactly where
TensorFlow registers a gradient.

The indices and shapes are integers read in NumPy (``static_value``: a guard inside ``tapegrad.function``); the values
flow through tapegrad ops, so the tape sees them. Three kinds of value maps give TF's gradient kinds: ``_take``
(a gather whose gradient is a dense tensor, TF's for reorder/slice/transpose/softmax …), ``indexing.gather``
(``IndexedSlices``, TF's for ``retain``) and ``_segsum`` (a segment sum, dense). Where TF registers no gradient
(``reduce_max``, ``split``, sparse-output reductions) the values go through a ``NO_GRADIENT`` op (LookupError), and
where TF's op is not differentiable (``concat``) the result is cut from the tape (None).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import NO_GRADIENT, defop, spec
from .._shape import TensorShape
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import _common, core, shape_ops


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
        return TensorShape([int(d) for d in static_value(self._dense_shape)])

    @property
    def dtype(self) -> Any:
        return self._values.dtype

    def get_shape(self) -> TensorShape:
        return self.shape

    def with_values(self, new_values: Any) -> SparseTensor:
        """The same positions with other values."""
        return SparseTensor(self._indices, new_values, self._dense_shape)

    @classmethod
    def from_value(cls, sparse_tensor_value: Any) -> SparseTensor:
        """A new SparseTensor from a SparseTensor or a ``SparseTensorValue``-like (``indices``, ``values``,
        ``dense_shape``) object.

        >>> import tapegrad as tf
        >>> st = tf.sparse.SparseTensor([[1]], [5.0], [3])
        >>> tf.sparse.SparseTensor.from_value(st).values.numpy().tolist()
        [5.0]
        """
        v = sparse_tensor_value
        if isinstance(v, SparseTensor) or all(hasattr(v, a) for a in ("indices", "values", "dense_shape")):
            return cls(v.indices, v.values, v.dense_shape)
        raise TypeError(f"Argument sparse_tensor_value={v!r} is neither a SparseTensor nor SparseTensorValue; "
                        "use tf.sparse.from_dense for a dense value.")

    def set_shape(self, shape: Any) -> None:
        """Check that ``shape`` is compatible with the (known) dense shape; ``ValueError`` otherwise."""
        if not self.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Shapes {self.shape} and {TensorShape(shape)} are not compatible: SparseTensor."
                             "set_shape cannot change the dense shape (use tf.sparse.reset_shape).")

    def consumers(self) -> list[Any]:
        """The ops that read this tensor: none when executing eagerly."""
        return []

    @property
    def op(self) -> Any:
        raise AttributeError("Tensor.op is undefined when eager execution is enabled.")

    @property
    def graph(self) -> Any:
        raise AttributeError("Tensor.graph is undefined when eager execution is enabled.")

    def eval(self, feed_dict: Any = None, session: Any = None) -> Any:
        raise AttributeError("Tensor.graph is undefined when eager execution is enabled (SparseTensor.eval needs a "
                             "TF1 session); read st.values / tf.sparse.to_dense(st) instead.")

    @property
    def _type_spec(self) -> SparseTensorSpec:
        return SparseTensorSpec.from_value(self)

    #: binary ops this type computes as the right operand (``dense * st``): the engine's slow binary path hands them
    #: here (see ``_dispatch._slow_binary``), the way TF's ``Tensor.__mul__`` defers to ``SparseTensor.__rmul__``
    _right_operand_ops = {"multiply": "__rmul__"}

    def __mul__(self, other: Any) -> SparseTensor:
        return _sparse_dense_cwise(self, other, "mul")

    def __rmul__(self, other: Any) -> SparseTensor:  # dense * sparse (TF's Tensor.__mul__ dispatches here too)
        return _sparse_dense_cwise(self, other, "mul")

    def __truediv__(self, other: Any) -> SparseTensor:
        return _sparse_dense_cwise(self, other, "div")

    __div__ = __truediv__

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
                f"dense_shape={self._dense_shape!s})")


_common.SPARSE_TYPE[0] = SparseTensor


class SparseTensorSpec:
    """The type of a SparseTensor (its dense shape, ``None`` dims allowed, and dtype), as ``tf.SparseTensorSpec``; an
    ``input_signature`` of ``tapegrad.function`` may hold one.

    >>> import tapegrad as tf
    >>> spec = tf.SparseTensorSpec([None, 4], tf.float32)
    >>> spec.is_compatible_with(tf.sparse.SparseTensor([[0, 1]], [1.0], [3, 4]))
    True
    """

    __slots__ = ("_shape", "_dtype")

    def __init__(self, shape: Any = None, dtype: Any = _dtypes.float32) -> None:
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)

    shape = property(lambda self: self._shape, doc="The dense shape (``None`` for an unknown size).")
    dtype = property(lambda self: self._dtype, doc="The values' dtype.")
    value_type = property(lambda self: SparseTensor, doc="SparseTensor.")

    @classmethod
    def from_value(cls, value: SparseTensor) -> SparseTensorSpec:
        return cls(value.shape, value.dtype)

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        """Whether ``spec_or_value`` (a SparseTensor or SparseTensorSpec) has this dtype and a compatible shape."""
        other = spec_or_value
        if isinstance(other, SparseTensor):
            other = SparseTensorSpec.from_value(other)
        if not isinstance(other, SparseTensorSpec):
            return False
        return other._dtype == self._dtype and self._shape.is_compatible_with(other._shape)

    def _components(self) -> list[Any]:
        """The TensorSpecs of (indices, values, dense_shape)."""
        from .tensor_spec import TensorSpec

        rank = self._shape.rank
        return [TensorSpec([None, rank], _dtypes.int64), TensorSpec([None], self._dtype),
                TensorSpec([rank], _dtypes.int64)]

    def _key(self) -> tuple[Any, ...]:
        return self._dtype, None if self._shape.rank is None else tuple(self._shape.as_list())

    def __eq__(self, other: object) -> bool:
        return type(other) is SparseTensorSpec and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SparseTensorSpec({self._shape!r}, {self._dtype!r})"


def _int64(x: Any, what: str) -> Tensor:
    try:
        return core.convert_to_tensor(x, dtype=_dtypes.int64)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


# -- to_dense ---------------------------------------------------------------------------------------------------


# -- ops that take the indices and dense shape as inputs ---------------------------------------------------------
# The integer structure is read inside the forward (at run time), so inside tapegrad.function a SparseTensor of
# another size or sparsity pattern replays the traced graph (their attributes depend on ranks only:
# compiler/shapes.py SHAPE_FREE) instead of running the body again. Errors in the indices are raised at run time too.


def _checked_positions(F: Any, indices: Any, dims: Any, op: str, validate: bool = False) -> Any:
    """Row-major flat positions of ``indices`` [N, rank] in a tensor of shape ``dims`` (bounds checked; with
    ``validate``, TF's sorted-and-unique check)."""
    idx = np.asarray(indices, np.int64)
    shape = tuple(int(d) for d in np.asarray(dims).reshape(-1))
    if idx.ndim != 2 or idx.shape[1] != len(shape):
        raise InvalidArgumentError(f"{op}: indices of shape {list(idx.shape)} do not fit a dense shape of rank "
                                   f"{len(shape)} ({list(shape)}).")
    _check_bounds(idx, shape, op)
    pos = _flat_pos(idx, shape)
    if validate and pos.size > 1:
        step = np.diff(pos)
        if (step <= 0).any():
            i = int(np.argmax(step <= 0)) + 1
            what = "is repeated" if step[i - 1] == 0 else "is out of order"
            raise InvalidArgumentError(f"{op}: indices[{i}] = {idx[i].tolist()} {what}. Many sparse ops need sorted, "
                                       "unique indices: use tf.sparse.reorder (or validate_indices=False).")
    return pos, shape


def _to_dense_fwd(F: Any, indices: Any, values: Any, dims: Any, default: Any, validate: bool,
                  accumulate: bool = False) -> Any:
    pos, shape = _checked_positions(F, indices, dims, "sparse.to_dense", validate)
    nb = values.ndim - 1  # (leading batch axes under a vectorised Jacobian)
    out = F.full(values.shape[:nb] + (int(np.prod(shape, dtype=np.int64)),), default, dtype=values.dtype)
    if accumulate:  # repeated indices add up (sparse + dense)
        np.add.at(out, (Ellipsis, pos), values)
    else:  # repeated indices: the last one wins (to_dense with validate_indices=False)
        out[..., pos] = values
    return F.reshape(out, values.shape[:nb] + shape)


def _to_dense_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return None, _run_op(F, SPARSE_GATHER, (ins[0], ins[2], g), {"xrank": F.shape(ins[0])[1]}), None


def _to_dense_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _run_op(F, SPARSE_TO_DENSE, (ins[0], ts[1], ins[2]), {**p, "default": 0})


def _run_op(F: Any, op: Any, args: tuple[Any, ...], p: dict[str, Any]) -> Any:
    """Apply ``op`` inside a rule: the raw forward on raw arrays, the recorded op when differentiating again."""
    if F.is_diff or any(isinstance(a, _TensorLike) for a in args):
        return applyn(op, tuple(a if isinstance(a, _TensorLike) else make(a, NUMPY) for a in args), p)
    return op.fwd(F, *args, **p)


def _gather_coords(indices: Any, xshape: tuple[int, ...], xrank: int) -> tuple[Any, ...]:
    """Per entry, its coordinates in an operand of trailing shape ``xshape`` broadcast to the sparse shape (the
    operand's axes align with the last ``xrank`` sparse axes; a size-1 axis is read at 0)."""
    idx = np.asarray(indices, np.int64)
    rank = idx.shape[1]
    return tuple(np.zeros(idx.shape[0], np.int64) if xshape[k] == 1 else idx[:, rank - xrank + k]
                 for k in range(xrank))


def _gather_fwd(F: Any, indices: Any, dims: Any, x: Any, xrank: int) -> Any:
    shape = tuple(int(d) for d in np.asarray(dims).reshape(-1))
    xs = x.shape[x.ndim - xrank:]
    if xrank > len(shape) or any(a not in (1, b) for a, b in zip(xs[::-1], shape[::-1])):
        raise InvalidArgumentError(f"SparseTensor op: the dense operand of shape {list(xs)} must broadcast to the "
                                   f"sparse shape {list(shape)} (dense is broadcast to sparse only); got incompatible "
                                   f"shapes {list(shape)} vs. {list(xs)}.")
    _check_bounds(np.asarray(indices, np.int64), shape, "SparseTensor op")
    return x[(Ellipsis,) + _gather_coords(indices, xs, xrank)]


def _gather_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xs = tuple(F.shape(ins[2])[F.ndim(ins[2]) - p["xrank"]:])
    return None, None, _run_op(F, SPARSE_SCATTER_ADD, (ins[0], ins[1], g), {"xshape": xs})


def _scatter_add_fwd(F: Any, indices: Any, dims: Any, g: Any, xshape: tuple[int, ...]) -> Any:
    nb = g.ndim - 1
    out = F.zeros(g.shape[:nb] + tuple(xshape), dtype=g.dtype)
    coords = _gather_coords(indices, tuple(xshape), len(xshape))
    np.add.at(out, (Ellipsis,) + coords, g)
    return out


def _scatter_add_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return None, None, _run_op(F, SPARSE_GATHER, (ins[0], ins[1], g), {"xrank": len(p["xshape"])})


def _spmm_fwd(F: Any, indices: Any, values: Any, dims: Any, b: Any, adjoint: bool) -> Any:
    """``op(A) @ b`` for A = (indices, values, dims); ``adjoint`` transposes A (its values conjugated by the
    caller)."""
    pos, shape = _checked_positions(F, indices, dims, "sparse_dense_matmul")
    idx = np.asarray(indices, np.int64)
    rows, cols = (idx[:, 1], idx[:, 0]) if adjoint else (idx[:, 0], idx[:, 1])
    m, k = (shape[1], shape[0]) if adjoint else shape
    if b.shape[-2] != k:
        raise InvalidArgumentError(f"sparse_dense_matmul: Cannot multiply A and B because inner dimension does not "
                                   f"match: {k} vs. {b.shape[-2]} (A is {m}x{k}, B is {list(b.shape)}); did you forget "
                                   "adjoint_a/adjoint_b?")
    bt = F.moveaxis(b, -2, 0)  # [k, batch..., n]
    out = F.zeros((m,) + bt.shape[1:], dtype=b.dtype)
    F.add.at(out, rows, values.reshape((-1,) + (1,) * (bt.ndim - 1)) * bt[cols])
    return F.moveaxis(out, 0, -2)


def _spmm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    indices, values, dims, b = ins
    dv = db = None
    if needs[1]:
        r, c = (1, 0) if p["adjoint"] else (0, 1)
        if F.is_diff:  # (index tensors sliced by ops: nothing read in Python, so a compiled replay stays generic)
            from .indexing import gather
            from .reductions import reduce_sum as dense_sum

            ix = indices if isinstance(indices, _TensorLike) else make(indices, NUMPY)
            dv = dense_sum(gather(g, ix[:, r], axis=F.ndim(g) - 2) * gather(b, ix[:, c], axis=F.ndim(b) - 2),
                           axis=-1)
        else:
            dv = (g[..., indices[:, r], :] * b[..., indices[:, c], :]).sum(-1)
    if needs[3]:
        db = _run_op(F, SPARSE_DENSE_MATMUL, (indices, values, dims, g), {"adjoint": not p["adjoint"]})
    return None, dv, None, db


def _spmm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    """Bilinear in (values, dense): tangent ``A(tv) @ b + A(v) @ tb``."""
    parts = [_run_op(F, SPARSE_DENSE_MATMUL, (ins[0], ts[1], ins[2], ins[3]), p)] if ts[1] is not None else []
    if ts[3] is not None:
        parts.append(_run_op(F, SPARSE_DENSE_MATMUL, (ins[0], ins[1], ins[2], ts[3]), p))
    return None if not parts else parts[0] if len(parts) == 1 else parts[0] + parts[1]


def _reduce_sum_fwd(F: Any, indices: Any, values: Any, dims: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    pos, shape = _checked_positions(F, indices, dims, "sparse.reduce_sum")
    idx = np.asarray(indices, np.int64)
    keep = [a for a in range(len(shape)) if a not in axes]
    out_shape = tuple(1 if a in axes else d for a, d in enumerate(shape)) if keepdims else tuple(shape[a]
                                                                                                 for a in keep)
    cell = _flat_pos(idx[:, keep], tuple(shape[a] for a in keep))
    nb = values.ndim - 1
    out = F.zeros(values.shape[:nb] + (int(np.prod(out_shape, dtype=np.int64)),), dtype=values.dtype)
    np.add.at(out, (Ellipsis, cell), values)
    return F.reshape(out, values.shape[:nb] + out_shape)


def _reduce_sum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    rank = F.shape(ins[0])[1]
    if not p["keepdims"]:  # the reduced axes back as size-1 axes: the gather broadcasts over them
        nb = F.ndim(g) - (rank - len(p["axes"]))
        lead = tuple(F.shape(g)[:nb])
        rest = list(F.shape(g)[nb:])
        for a in sorted(p["axes"]):
            rest.insert(a, 1)
        g = F.reshape(g, lead + tuple(rest))
    return None, _run_op(F, SPARSE_GATHER, (ins[0], ins[2], g), {"xrank": rank}), None


def _sp_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return (rng.normal(size=4),)


_SP_IDX = [[0, 0], [1, 2], [2, 1], [2, 3]]

SPARSE_TO_DENSE = defop(
    "sparse_to_dense", _to_dense_fwd, _to_dense_vjp, _to_dense_jvp, linear=True,
    test=spec(lambda tf, v: tf.sparse.to_dense(tf.sparse.SparseTensor([[0, 1], [1, 0], [2, 3]], v, [3, 4]),
                                               default_value=0.5), lambda rng: (rng.normal(size=3),),
              ref=lambda v: _ref_dense(v, [(0, 1), (1, 0), (2, 3)], (3, 4), 0.5)))
SPARSE_GATHER = defop(
    "sparse_gather", _gather_fwd, _gather_vjp, lambda F, ts, ins, out, p: _run_op(
        F, SPARSE_GATHER, (ins[0], ins[1], ts[2]), p), linear=True, internal=True,
    test=spec(lambda tf, v, d: (tf.sparse.SparseTensor(_SP_IDX, v, [3, 4]) * d).values, lambda rng: (
        rng.normal(size=4), rng.normal(size=(1, 4))), ref=lambda v, d: v * d[0, [0, 2, 1, 3]]))
SPARSE_SCATTER_ADD = defop(
    "sparse_scatter_add", _scatter_add_fwd, _scatter_add_vjp, lambda F, ts, ins, out, p: _run_op(
        F, SPARSE_SCATTER_ADD, (ins[0], ins[1], ts[2]), p), linear=True, internal=True,
    test=spec(lambda tf, g: tf.ops.sparse_ops._run_op(
        tf.ops.sparse_ops.NUMPY, tf.ops.sparse_ops.SPARSE_SCATTER_ADD, (np.array(_SP_IDX), np.array([3, 4]), g),
        {"xshape": (3, 1)}), lambda rng: (rng.normal(size=4),),
        ref=lambda g: np.array([[g[0]], [g[1]], [g[2] + g[3]]]), tf=False))
SPARSE_DENSE_MATMUL = defop(
    "sparse_dense_matmul", _spmm_fwd, _spmm_vjp, _spmm_jvp, test=spec(
        lambda tf, v, b: tf.sparse.sparse_dense_matmul(tf.sparse.SparseTensor(_SP_IDX, v, [3, 4]), b),
        lambda rng: (rng.normal(size=4), rng.normal(size=(4, 2))),
        ref=lambda v, b: _ref_dense(v, [(0, 0), (1, 2), (2, 1), (2, 3)], (3, 4), 0.0) @ b))
SPARSE_REDUCE_SUM = defop(
    "sparse_reduce_sum", _reduce_sum_fwd, _reduce_sum_vjp, lambda F, ts, ins, out, p: _run_op(
        F, SPARSE_REDUCE_SUM, (ins[0], ts[1], ins[2]), p), linear=True, test=spec(
        lambda tf, v: tf.sparse.reduce_sum(tf.sparse.SparseTensor(_SP_IDX, v, [3, 4]), axis=1),
        _sp_args, ref=lambda v: np.array([v[0], v[1], v[2] + v[3]])))


def _ref_dense(v: Any, idx: list[tuple[int, int]], shape: tuple[int, int], fill: float) -> Any:
    out = np.full(shape, fill)
    for val, (i, j) in zip(v, idx):
        out[i, j] = val
    return out


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
    vals = sp_input.values
    default = 0 if default_value is None else (
        static_value(default_value) if isinstance(default_value, _TensorLike) else default_value)
    default = vals._value.dtype.type(default).item() if vals._value.dtype.kind != "b" else bool(default)
    return applyn(SPARSE_TO_DENSE, (sp_input.indices, vals, sp_input.dense_shape),
                  {"default": default, "validate": bool(validate_indices)})


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """The non-zero entries of ``tensor`` as a SparseTensor (indices in row-major order; the values' gradient is
    dense, of ``tensor``'s shape).

    >>> import tapegrad as tf
    >>> tf.sparse.from_dense(tf.constant([[0.0, 3.0], [4.0, 0.0]])).indices.numpy().tolist()
    [[0, 1], [1, 0]]
    """
    from .comparison import not_equal
    from .indexing import gather_nd, where

    t = core.convert_to_tensor(tensor)
    # TF's composition: recorded ops, so a compiled function computes the indices of each call's values (a NumPy
    # argwhere here froze the first trace's indices into the program)
    idx = where(not_equal(t, core.zeros_like(t)))
    return SparseTensor(idx, gather_nd(t, idx), shape_ops.shape(t, out_type=_dtypes.int64))


def reorder(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """The same SparseTensor with its indices in row-major order (values permuted alike; their gradient is dense).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[1, 0], [0, 1]], [1.0, 2.0], [2, 2])
    >>> tf.sparse.reorder(st).values.numpy().tolist()
    [2.0, 1.0]
    """
    idx = static_value(_sparse_arg(sp_input, "sparse.reorder").indices)
    order = _row_major(idx)
    return SparseTensor(make(idx[order], NUMPY), _take(sp_input.values, order), sp_input.dense_shape)


# -- sparse_dense_matmul ----------------------------------------------------------------------------------------


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
    rank = sp_a.indices._value.shape[1]
    if rank != 2 or dense._value.ndim != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: needs a rank-2 SparseTensor and a matrix, got a rank-{rank} "
                                   f"SparseTensor and a dense operand of shape {list(dense._value.shape)}.")
    if adjoint_a and vals.dtype.is_complex:
        vals = core.conj(vals)
    if adjoint_b:
        dense = core.conj(shape_ops.transpose(dense)) if dense.dtype.is_complex else shape_ops.transpose(dense)
    return applyn(SPARSE_DENSE_MATMUL, (sp_a.indices, vals, sp_a.dense_shape, dense), {"adjoint": bool(adjoint_a)})


# -- shared helpers: the integer side in NumPy, the values through ops ------------------------------------------


def _sparse_arg(x: Any, op: str, what: str = "sp_input", exc: type = TypeError) -> SparseTensor:
    """``x`` if it is a SparseTensor; else TF's error for that function (TypeError, or AttributeError where TF's
    function reads ``.indices`` first), saying how to make one."""
    if not isinstance(x, SparseTensor):
        raise exc(f"{op}: {what} must be a SparseTensor, got {type(x).__name__} (which has no attribute 'indices'); "
                  "make one with tf.sparse.from_dense(x) or tf.sparse.SparseTensor(indices, values, dense_shape).")
    return x


def _idx(sp: SparseTensor) -> np.ndarray:
    return np.asarray(static_value(sp.indices), np.int64)


def _dims(sp: SparseTensor) -> tuple[int, ...]:
    return tuple(int(d) for d in static_value(sp.dense_shape))


def _new(idx: Any, values: Any, shape: Any) -> SparseTensor:
    shape = np.asarray(shape, np.int64).reshape(-1)
    idx = np.asarray(idx, np.int64).reshape(-1, shape.size)
    return SparseTensor(make(idx, NUMPY), values, make(shape, NUMPY))


def _take(values: Any, pos: Any) -> Tensor:
    """``values[pos]`` along axis 0 with a dense gradient (TF's gradient kind for reorder, slice, transpose …)."""
    from .reductions import SEGMENT_TAKE

    v = _common.to_tensor(values)
    return applyn(SEGMENT_TAKE, (v, make(np.asarray(pos, np.int64), NUMPY)), {"tail": v._value.ndim - 1})


def _segsum(values: Any, ids: Any, num: int) -> Tensor:
    """``out[k] = sum(values[i] for ids[i] == k)`` (negative ids dropped), dense gradient."""
    from .reductions import UNSORTED_SEGMENT_SUM

    v = _common.to_tensor(values)
    return applyn(UNSORTED_SEGMENT_SUM, (v, make(np.asarray(ids, np.int64), NUMPY)),
                  {"num": int(num), "tail": v._value.ndim - 1})


def _segment_reduce_fwd(F: Any, data: Any, ids: Any, num: int, kind: str, empty: Any) -> Any:
    """Per-segment max/min/prod of ``data`` rows (negative ids dropped); ``empty`` fills segments with no rows.
    ``prod_others``: per row, the product of the *other* rows of its segment (the product rule's factor)."""
    ok = ids >= 0
    tail = data.shape[ids.ndim:]
    if kind == "prod_others":
        zero = data == 0
        nz = np.ones((num,) + tail, data.dtype)
        np.multiply.at(nz, ids[ok], np.where(zero, 1, data)[ok])
        zeros = np.zeros((num,) + tail, np.int64)
        np.add.at(zeros, ids[ok], zero[ok].astype(np.int64))
        safe = np.where(ok, ids, 0)
        p, z = nz[safe], zeros[safe]
        out = np.where(zero, np.where(z == 1, p, 0), np.where(z == 0, p / np.where(zero, 1, data), 0))
        return np.where(ok.reshape(ok.shape + (1,) * len(tail)), out, 0).astype(data.dtype)
    ufunc = {"max": np.maximum, "min": np.minimum, "prod": np.multiply, "sum": np.add}[kind]
    if kind in ("max", "min"):
        info = np.finfo(data.dtype) if data.dtype.kind in "fc" else np.iinfo(data.dtype)
        init = info.min if kind == "max" else info.max
    else:
        init = 1 if kind == "prod" else 0
    out = np.full((num,) + tail, init, data.dtype)
    ufunc.at(out, ids[ok], data[ok])
    if empty is not None:
        seen = np.zeros(num, bool)
        seen[ids[ok]] = True
        out[~seen] = empty
    return out


# The same NumPy reduction twice: TF registers no gradient for its sparse reductions (LookupError), and the
# dense unsorted_segment_max/min/prod use it only under stop_gradient (their gradients are compositions below).
_IDX3 = [[0, 1], [0, 3], [2, 0]]
SPARSE_REDUCE = defop("sparse_reduce", _segment_reduce_fwd, NO_GRADIENT, internal=True, test=spec(
    lambda tf, v: tf.sparse.reduce_max(tf.sparse.SparseTensor(_IDX3, v, [3, 4]), axis=1),
    lambda rng: (rng.normal(size=3),), ref=lambda v: np.array([max(v[0], v[1]), 0.0, v[2]]), grad=()))
SEGMENT_REDUCE_RAW = defop("segment_reduce_raw", _segment_reduce_fwd, NO_GRADIENT, internal=True, test=spec(
    lambda tf, d: tf.math.unsorted_segment_min(d, [0, 2, 0], 4), lambda rng: (rng.normal(size=(3, 2)),),
    ref=lambda d: np.stack([np.minimum(d[0], d[2]), np.full(2, np.finfo(d.dtype).max), d[1],
                            np.full(2, np.finfo(d.dtype).max)])))


def _split_fwd(F: Any, values: Any, pos: Any) -> Any:
    return values[pos]


SPARSE_SPLIT = defop("sparse_split", _split_fwd, NO_GRADIENT, internal=True, test=spec(  # TF: no gradient either
    lambda tf, v: tf.sparse.split(sp_input=tf.sparse.SparseTensor(_IDX3, v, [3, 4]), num_split=2, axis=1)[1].values,
    lambda rng: (rng.normal(size=3),), ref=lambda v: v[1:2], grad=()))


def _no_minmax_grad(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    raise TypeError(f"sparse.{p['kind']}imum has no usable gradient in TensorFlow 2.21 (its registered gradient "
                    "raises TypeError); compute it densely (tf.maximum on tf.sparse.to_dense) to differentiate.")


def _sparse_minmax_fwd(F: Any, a: Any, b: Any, ia: Any, ib: Any, n: int, kind: str) -> Any:
    x = np.zeros(n, a.dtype)
    y = np.zeros(n, b.dtype)
    x[ia] = a
    y[ib] = b
    return np.maximum(x, y) if kind == "max" else np.minimum(x, y)


SPARSE_MINMAX = defop("sparse_sparse_minmax", _sparse_minmax_fwd, _no_minmax_grad, internal=True, test=spec(
    lambda tf, a, b: tf.sparse.maximum(tf.sparse.SparseTensor(_IDX3, a, [3, 4]),
                                       tf.sparse.SparseTensor([[0, 3], [1, 1]], b, [3, 4])).values,
    lambda rng: (rng.normal(size=3), rng.normal(size=2)), grad=(), order2=False,
    ref=lambda a, b: np.array([max(a[0], 0.0), max(a[1], b[0]), max(0.0, b[1]), max(a[2], 0.0)])))


def _row_major(idx: np.ndarray) -> np.ndarray:
    """The permutation that sorts ``idx`` rows lexicographically (stable)."""
    if idx.shape[0] == 0:
        return np.zeros(0, np.int64)
    return np.lexsort(idx.T[::-1]).astype(np.int64)


def _check_bounds(idx: np.ndarray, shape: tuple[int, ...], op: str) -> None:
    bad = ((idx < 0) | (idx >= np.asarray(shape, np.int64))).any(axis=1) if idx.size else np.zeros(0, bool)
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidArgumentError(f"{op}: indices[{i}] = {idx[i].tolist()} is out of bounds for the dense shape "
                                   f"{list(shape)}.")


def _flat_pos(idx: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if idx.shape[0] == 0 or idx.shape[1] == 0:
        return np.zeros(idx.shape[0], np.int64)
    return np.ravel_multi_index(tuple(idx.T), shape).astype(np.int64)


def _values_like(x: Any, values: Tensor, op: str) -> Tensor:
    t = x if isinstance(x, _TensorLike) else _common.like(x, values, op)
    if t.dtype != values.dtype:
        raise ValueError(f"{op}: Tensor conversion requested dtype {values.dtype.name} (the sparse values') for a "
                         f"tensor with dtype {t.dtype.name}; cast one of them (tf.cast).")
    return t


# -- SparseTensor * dense, SparseTensor / dense ----------------------------------------------------------------


def _sparse_dense_cwise(sp: SparseTensor, other: Any, kind: str) -> SparseTensor:
    """TF's SparseDenseCwiseMul/Div: ``other`` is broadcast to the sparse shape (never the other way) and read at the
    sparse positions; the gradient reaches the values and ``other`` (dense, ``other``'s shape)."""
    if isinstance(other, SparseTensor):
        return NotImplemented
    op = f"SparseTensor.__{kind}__"
    vals = sp.values
    d = _values_like(other, vals, op)
    at = applyn(SPARSE_GATHER, (sp.indices, sp.dense_shape, d), {"xrank": d._value.ndim})
    from . import arithmetic

    out = vals * at if kind == "mul" else arithmetic.divide(vals, at)
    return SparseTensor(sp.indices, out, sp.dense_shape)


# -- add --------------------------------------------------------------------------------------------------------


def _merge_slots(ia: np.ndarray, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF's SparseAdd merge of two index lists (each walked in its order; equal keys meet): the output indices and
    each input entry's output slot."""
    key_a = [tuple(r) for r in ia.tolist()]
    key_b = [tuple(r) for r in ib.tolist()]
    out: list[tuple[int, ...]] = []
    sa = np.zeros(len(key_a), np.int64)
    sb = np.zeros(len(key_b), np.int64)
    i = j = 0
    while i < len(key_a) and j < len(key_b):
        if key_a[i] < key_b[j]:
            sa[i] = len(out)
            out.append(key_a[i])
            i += 1
        elif key_a[i] > key_b[j]:
            sb[j] = len(out)
            out.append(key_b[j])
            j += 1
        else:
            sa[i] = sb[j] = len(out)
            out.append(key_a[i])
            i += 1
            j += 1
    for k in range(i, len(key_a)):
        sa[k] = len(out)
        out.append(key_a[k])
    for k in range(j, len(key_b)):
        sb[k] = len(out)
        out.append(key_b[k])
    rank = ia.shape[1] if ia.ndim == 2 else ib.shape[1]
    return np.asarray(out, np.int64).reshape(-1, rank), sa, sb


def _sparse_pair(a: SparseTensor, b: SparseTensor, op: str) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    sa, sb = _dims(a), _dims(b)
    if len(sa) != len(sb):
        raise InvalidArgumentError(f"{op}: the operands have ranks {len(sa)} and {len(sb)} (dense shapes {list(sa)} "
                                   f"and {list(sb)}); they must have the same dense shape.")
    for k, (x, y) in enumerate(zip(sa, sb)):
        if x != y:
            raise InvalidArgumentError(f"{op}: Operands' shapes do not match: got {x} and {y} for dimension {k} "
                                       f"(dense shapes {list(sa)} and {list(sb)}).")
    if a.dtype != b.dtype:
        raise InvalidArgumentError(f"{op}: the operands' values are {a.dtype.name} and {b.dtype.name}; cast one "
                                   "(a.with_values(tf.cast(a.values, ...))).")
    return sa, _idx(a), _idx(b)


def add(a: Any, b: Any, threshold: Any = None, name: str | None = None) -> Any:
    """``a + b`` where at least one operand is a SparseTensor. Sparse + sparse is a SparseTensor (equal indices
    summed; a sum whose magnitude is below ``threshold`` is dropped); sparse + dense is a dense Tensor. Gradients:
    dense, to the values of each sparse operand and to the dense operand (TF's SparseAddGrad /
    SparseTensorDenseAdd).

    >>> import tapegrad as tf
    >>> a = tf.sparse.SparseTensor([[0, 0], [1, 1]], [1.0, 2.0], [2, 2])
    >>> b = tf.sparse.SparseTensor([[0, 0]], [5.0], [2, 2])
    >>> tf.sparse.to_dense(tf.sparse.add(a, b)).numpy().tolist()
    [[6.0, 0.0], [0.0, 2.0]]
    >>> tf.sparse.add(a, tf.ones([2, 2])).numpy().tolist()
    [[2.0, 1.0], [1.0, 3.0]]
    """
    op = "sparse.add"
    sa, sb = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not sa and not sb:
        raise TypeError("sparse.add: at least one input should be a SparseTensor; do you mean to use tf.add()?")
    if sa and sb:
        shape, ia, ib = _sparse_pair(a, b, op)
        out_idx, slot_a, slot_b = _merge_slots(ia, ib)
        from .joining import concat

        summed = _segsum(concat([a.values, b.values], 0), np.concatenate([slot_a, slot_b]), out_idx.shape[0])
        thresh = 0 if threshold is None else (static_value(threshold) if isinstance(threshold, _TensorLike)
                                              else threshold)
        both = np.zeros(out_idx.shape[0], bool)
        both[np.intersect1d(slot_a, slot_b)] = True
        if thresh and both.any():
            mag = np.abs(static_value(summed))
            keep = np.nonzero(~both | (mag >= thresh))[0]
            if keep.size != out_idx.shape[0]:
                return _new(out_idx[keep], _take(summed, keep), shape)
        return _new(out_idx, summed, shape)
    sp, dense = (a, b) if sa else (b, a)
    d = core.convert_to_tensor(dense)
    if d.dtype != sp.dtype:
        raise InvalidArgumentError(f"{op}: the sparse values are {sp.dtype.name} but the dense operand is "
                                   f"{d.dtype.name}; cast one of them.")
    dense_sp = applyn(SPARSE_TO_DENSE, (sp.indices, sp.values, sp.dense_shape),
                      {"default": 0, "validate": False, "accumulate": True})
    shape, dshape = tuple(dense_sp._value.shape), tuple(d._value.shape)
    if dshape != shape:
        k = next((i for i, (x, y) in enumerate(zip(shape, dshape)) if x != y), min(len(shape), len(dshape)))
        raise InvalidArgumentError(f"{op}: the dense operand's shape {list(dshape)} must equal the sparse shape "
                                   f"{list(shape)} (no broadcasting is supported): dimension {k} differs.")
    return d + dense_sp


# -- reductions -------------------------------------------------------------------------------------------------


def _axes(axis: Any, rank: int, op: str) -> tuple[int, ...]:
    """The reduced axes, normalised and sorted (all of them for None)."""
    if axis is None:
        return tuple(range(rank))
    raw = static_value(axis) if isinstance(axis, _TensorLike) else axis
    out = set()
    for a in (int(a) for a in np.asarray(raw).reshape(-1)):
        if not -rank <= a < rank:
            raise InvalidArgumentError(f"{op}: Invalid reduction dimension {a}, for input with {rank} dimensions; "
                                       f"axes must lie in [-{rank}, {rank}).")
        out.add(a % rank)
    return tuple(sorted(out))


def _reduce_plan(sp: SparseTensor, axis: Any, keepdims: Any, op: str) -> tuple[np.ndarray, list[int], np.ndarray]:
    """(each entry's output coordinates, the output shape, the reduced axes mask)."""
    shape = _dims(sp)
    rank = len(shape)
    mask = np.zeros(rank, bool)
    mask[list(_axes(axis, rank, op))] = True
    idx = _idx(sp)
    _check_bounds(idx, shape, op)
    coords = np.where(mask, 0, idx) if keepdims else idx[:, ~mask]
    out_shape = [1 if m else d for d, m in zip(shape, mask)] if keepdims else [d for d, m in zip(shape, mask)
                                                                                  if not m]
    return coords.reshape(idx.shape[0], -1), out_shape, mask


def _sparse_output(sp: SparseTensor, coords: np.ndarray, out_shape: list[int], kind: str) -> SparseTensor:
    """A reduction's non-empty output cells as a SparseTensor, in row-major order (no gradient: TF's *Sparse ops)."""
    pos = _flat_pos(coords, tuple(out_shape))
    cells, ids = np.unique(pos, return_inverse=True)
    vals = applyn(SPARSE_REDUCE, (sp.values, make(ids.reshape(-1).astype(np.int64), NUMPY)),
                  {"num": int(cells.size), "kind": kind, "empty": None})
    out_idx = np.stack(np.unravel_index(cells, out_shape), axis=1) if out_shape else np.zeros((cells.size, 0))
    return _new(out_idx, vals, out_shape)


def reduce_sum(sp_input: Any, axis: Any = None, keepdims: Any = None, output_is_sparse: bool = False,
               name: str | None = None) -> Any:
    """The sum of a SparseTensor's values over ``axis`` (all axes by default); implicit zeros add nothing. A dense
    Tensor, or with ``output_is_sparse=True`` a SparseTensor of the non-empty cells. Gradient (dense output): dense,
    the upstream read back at each entry; a sparse output has no gradient (LookupError, as TF).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 1], [0, 3], [2, 0]], [1.0, 2.0, 3.0], [3, 4])
    >>> tf.sparse.reduce_sum(st, axis=1).numpy().tolist()
    [3.0, 0.0, 3.0]
    """
    sp = _sparse_arg(sp_input, "sparse.reduce_sum", exc=AttributeError)
    if output_is_sparse:
        coords, out_shape, _ = _reduce_plan(sp, axis, keepdims, "sparse.reduce_sum")
        return _sparse_output(sp, coords, out_shape, "sum")
    rank = sp.indices._value.shape[1]
    return applyn(SPARSE_REDUCE_SUM, (sp.indices, sp.values, sp.dense_shape),
                  {"axes": _axes(axis, rank, "sparse.reduce_sum"), "keepdims": bool(keepdims)})


def reduce_max(sp_input: Any, axis: Any = None, keepdims: Any = None, output_is_sparse: bool = False,
               name: str | None = None) -> Any:
    """The maximum of a SparseTensor's *stored* values over ``axis`` (implicit zeros are not candidates; a cell
    with no entries is 0). Dense, or a SparseTensor with ``output_is_sparse=True``. No gradient (LookupError, as
    TF registers none).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 1], [0, 3], [2, 0]], [-1.0, -2.0, 3.0], [3, 4])
    >>> tf.sparse.reduce_max(st, axis=1).numpy().tolist()
    [-1.0, 0.0, 3.0]
    """
    sp = _sparse_arg(sp_input, "sparse.reduce_max", exc=AttributeError)
    coords, out_shape, _ = _reduce_plan(sp, axis, keepdims, "sparse.reduce_max")
    if output_is_sparse:
        return _sparse_output(sp, coords, out_shape, "max")
    n = int(np.prod(out_shape, dtype=np.int64))
    ids = make(_flat_pos(coords, tuple(out_shape)).astype(np.int64), NUMPY)
    out = applyn(SPARSE_REDUCE, (sp.values, ids), {"num": n, "kind": "max", "empty": 0})
    return shape_ops.reshape(out, out_shape)


# -- reorganising the entries -------------------------------------------------------------------------------------


def softmax(sp_input: Any, name: str | None = None) -> SparseTensor:
    """Softmax over the last axis, among the stored entries of each row (implicit zeros take no part). Gradient:
    dense, to the values.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [0, 2], [1, 1]], [1.0, 1.0, 5.0], [2, 3])
    >>> tf.sparse.softmax(st).values.numpy().tolist()
    [0.5, 0.5, 1.0]
    """
    sp = _sparse_arg(sp_input, "sparse.softmax", exc=AttributeError)
    if sp.indices._value.shape[1] < 2:
        raise InvalidArgumentError(f"sparse.softmax: the input must have rank >= 2 (rows to normalise), got rank "
                                   f"{sp.indices._value.shape[1]}.")
    return SparseTensor(sp.indices, applyn(SPARSE_SOFTMAX, (sp.indices, sp.values, sp.dense_shape), {}),
                        sp.dense_shape)


def _row_groups(indices: Any) -> tuple[np.ndarray, int]:
    """Each entry's row (all but the last index) as a group id, and the number of rows with entries."""
    idx = np.asarray(indices, np.int64)
    if idx.shape[0] == 0:
        return np.zeros(0, np.int64), 0
    _, gid = np.unique(idx[:, :-1], axis=0, return_inverse=True)
    gid = gid.reshape(-1)
    return gid, int(gid.max()) + 1


def _row_sum_fwd(F: Any, indices: Any, x: Any) -> Any:
    """Per entry, the sum of ``x`` over the entries of its row (linear and self-adjoint)."""
    gid, n = _row_groups(indices)
    nb = x.ndim - 1
    s = np.zeros(x.shape[:nb] + (n,), x.dtype)
    np.add.at(s, (Ellipsis, gid), x)
    return s[..., gid]


def _softmax_fwd(F: Any, indices: Any, values: Any, dims: Any) -> Any:
    _checked_positions(F, indices, dims, "sparse.softmax")
    gid, n = _row_groups(indices)
    peak = np.full(n, -np.inf, values.dtype)
    np.maximum.at(peak, gid, values)
    e = np.exp(values - peak[gid])
    s = np.zeros(n, values.dtype)
    np.add.at(s, gid, e)
    return e * (1 / s)[gid]  # (TF scales by the reciprocal: its float32 roundings)


def _softmax_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    gy = g * out
    return None, gy - out * _run_op(F, SPARSE_ROW_SUM, (ins[0], gy), {}), None


SPARSE_ROW_SUM = defop(
    "sparse_row_sum", _row_sum_fwd, lambda F, g, ins, out, p, needs: (None, _run_op(F, SPARSE_ROW_SUM, (ins[0], g),
                                                                                    {})),
    lambda F, ts, ins, out, p: _run_op(F, SPARSE_ROW_SUM, (ins[0], ts[1]), {}), linear=True, internal=True,
    test=spec(lambda tf, x: tf.ops.sparse_ops._run_op(tf.ops.sparse_ops.NUMPY, tf.ops.sparse_ops.SPARSE_ROW_SUM,
                                                      (np.array([[0, 1], [1, 0], [0, 3]]), x), {}),
              lambda rng: (rng.normal(size=3),), ref=lambda x: np.array([x[0] + x[2], x[1], x[0] + x[2]]),
              tf=False))
SPARSE_SOFTMAX = defop(
    "sparse_softmax", _softmax_fwd, _softmax_vjp, lambda F, ts, ins, out, p: out * (
        ts[1] - _run_op(F, SPARSE_ROW_SUM, (ins[0], out * ts[1]), {})), save_out=True,
    test=spec(lambda tf, v: tf.sparse.softmax(tf.sparse.SparseTensor([[0, 0], [0, 2], [1, 1], [1, 3]], v,
                                                                      [2, 4])).values,
              lambda rng: (rng.normal(size=4),), ref=lambda v: np.concatenate([np.exp(v[:2]) / np.exp(v[:2]).sum(),
                                                                                np.exp(v[2:]) / np.exp(v[2:]).sum()])))


def _bounded(x: Any, rank: int, what: str, op: str) -> np.ndarray:
    v = np.asarray(static_value(x) if isinstance(x, _TensorLike) else x, np.int64).reshape(-1)
    if v.size != rank:
        raise InvalidArgumentError(f"{op}: {what} has {v.size} entries but the SparseTensor has rank {rank}.")
    return v


def slice(sp_input: Any, start: Any, size: Any, name: str | None = None) -> SparseTensor:  # noqa: A001
    """The entries inside the box ``[start, start + size)`` (clipped to the dense shape), re-based at ``start``.
    Gradient: dense, to the values (zero for entries outside).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 1], [2, 3]], [1.0, 2.0], [3, 4])
    >>> s = tf.sparse.slice(st, [1, 2], [2, 2])
    >>> s.indices.numpy().tolist(), s.dense_shape.numpy().tolist()
    ([[1, 1]], [2, 2])
    """
    sp = _sparse_arg(sp_input, "sparse.slice")
    shape = np.asarray(_dims(sp), np.int64)
    lo = _bounded(start, shape.size, "start", "sparse.slice")
    sz = _bounded(size, shape.size, "size", "sparse.slice")
    if (lo < 0).any() or (sz < 0).any():
        raise InvalidArgumentError(f"sparse.slice: start {lo.tolist()} and size {sz.tolist()} must be non-negative.")
    hi = np.minimum(lo + sz, shape)
    new_shape = np.maximum(hi - np.minimum(lo, shape), 0)
    idx = _idx(sp)
    keep = np.nonzero(((idx >= lo) & (idx < hi)).all(axis=1))[0] if idx.size else np.zeros(0, np.int64)
    return _new(idx[keep] - lo, _take(sp.values, keep), new_shape)


def map_values(op: Any, *args: Any, **kwargs: Any) -> SparseTensor:
    """``op`` applied to the values of the SparseTensor arguments (which must share their indices and shape);
    other arguments pass unchanged. Gradients are ``op``'s.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
    >>> tf.sparse.map_values(tf.square, st).values.numpy().tolist()
    [1.0, 4.0]
    """
    found: list[SparseTensor] = []

    def sub(x: Any) -> Any:
        if isinstance(x, SparseTensor):
            found.append(x)
            return x.values
        return x

    a2 = [sub(a) for a in args]
    k2 = {k: sub(v) for k, v in kwargs.items()}
    if not found:
        raise ValueError("sparse.map_values: no SparseTensor among the arguments; call the op directly.")
    first = found[0]
    i0, s0 = (_idx(first), _dims(first)) if len(found) > 1 else (None, None)  # (one: nothing read, replayable)
    for other in found[1:]:
        io = _idx(other)
        if _dims(other) != s0:
            raise InvalidArgumentError(f"sparse.map_values: dense shapes differ ({list(s0)} vs {list(_dims(other))}); "
                                       "the SparseTensors must share indices and shape.")
        if io.shape != i0.shape or not np.array_equal(io, i0):
            raise InvalidArgumentError("sparse.map_values: Mismatched indices: the SparseTensors must have identical "
                                       f"indices (got {i0.tolist()} and {io.tolist()}).")
    return SparseTensor(first.indices, op(*a2, **k2), first.dense_shape)


def reshape(sp_input: Any, shape: Any, name: str | None = None) -> SparseTensor:
    """The same entries under a new dense shape (row-major order kept; one ``-1`` is inferred). The values pass
    through unchanged (their gradient is the upstream's).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 3], [2, 1]], [1.0, 2.0], [3, 4])
    >>> tf.sparse.reshape(st, [2, -1]).indices.numpy().tolist()
    [[0, 3], [1, 3]]
    """
    sp = _sparse_arg(sp_input, "sparse.reshape")
    old = _dims(sp)
    new = [int(d) for d in np.asarray(static_value(shape) if isinstance(shape, _TensorLike) else shape).reshape(-1)]
    total = int(np.prod(old, dtype=np.int64))
    if new.count(-1) > 1:
        raise InvalidArgumentError(f"sparse.reshape: at most one -1 in the new shape, got {new}.")
    known = int(np.prod([d for d in new if d != -1], dtype=np.int64))
    if -1 in new:
        if known == 0 or total % known:
            raise InvalidArgumentError(f"sparse.reshape: a SparseTensor with {total} dense values cannot take the "
                                       f"shape {new}: the size must be a multiple of {known} (input shape "
                                       f"{list(old)}).")
        new[new.index(-1)] = total // known
    elif known != total:
        raise InvalidArgumentError(f"sparse.reshape: a SparseTensor with {total} dense values cannot take the shape "
                                   f"{new} ({known} values); input shape {list(old)}.")
    idx = _idx(sp)
    _check_bounds(idx, old, "sparse.reshape")
    pos = _flat_pos(idx, old)
    out = np.stack(np.unravel_index(pos, new), axis=1) if idx.shape[0] else np.zeros((0, len(new)), np.int64)
    return _new(out, sp.values, new)


def transpose(sp_input: Any, perm: Any = None, name: str | None = None) -> SparseTensor:
    """The SparseTensor with its axes permuted (reversed by default), entries re-sorted in row-major order.
    Gradient: dense, to the values.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 2], [1, 0]], [1.0, 2.0], [2, 3])
    >>> t = tf.sparse.transpose(st)
    >>> t.indices.numpy().tolist(), t.values.numpy().tolist()
    ([[0, 1], [2, 0]], [2.0, 1.0])
    """
    sp = _sparse_arg(sp_input, "sparse.transpose", exc=AttributeError)
    shape = _dims(sp)
    rank = len(shape)
    p = list(range(rank))[::-1] if perm is None else [int(a) % max(rank, 1) for a in np.asarray(
        static_value(perm) if isinstance(perm, _TensorLike) else perm).reshape(-1)]
    if sorted(p) != list(range(rank)):
        raise InvalidArgumentError(f"sparse.transpose: perm {p} is not a permutation of the {rank} axes.")
    idx = _idx(sp)[:, p]
    order = _row_major(idx)
    return _new(idx[order], _take(sp.values, order), [shape[a] for a in p])


def _minmax(sp_a: Any, sp_b: Any, kind: str) -> SparseTensor:
    op = f"sparse.{kind}imum"
    a, b = _sparse_arg(sp_a, op, "sp_a", AttributeError), _sparse_arg(sp_b, op, "sp_b", AttributeError)
    shape, ia, ib = _sparse_pair(a, b, op)
    out_idx, slot_a, slot_b = _merge_slots(ia, ib)
    vals = applyn(SPARSE_MINMAX, (a.values, b.values), {"ia": slot_a, "ib": slot_b, "n": out_idx.shape[0],
                                                       "kind": kind})
    return _new(out_idx, vals, shape)


def maximum(sp_a: Any, sp_b: Any, name: str | None = None) -> SparseTensor:
    """The elementwise maximum of two SparseTensors of one shape (a missing entry counts as 0), on the union of
    their indices. Not differentiable (TF 2.21's registered gradient raises TypeError; so does tapegrad's).

    >>> import tapegrad as tf
    >>> a = tf.sparse.SparseTensor([[0], [1]], [-1.0, 2.0], [3])
    >>> b = tf.sparse.SparseTensor([[1], [2]], [3.0, -4.0], [3])
    >>> tf.sparse.maximum(a, b).values.numpy().tolist()
    [0.0, 3.0, 0.0]
    """
    return _minmax(sp_a, sp_b, "max")


def minimum(sp_a: Any, sp_b: Any, name: str | None = None) -> SparseTensor:
    """The elementwise minimum of two SparseTensors (see :func:`maximum`).

    >>> import tapegrad as tf
    >>> a = tf.sparse.SparseTensor([[0], [1]], [-1.0, 2.0], [3])
    >>> b = tf.sparse.SparseTensor([[1], [2]], [3.0, -4.0], [3])
    >>> tf.sparse.minimum(a, b).values.numpy().tolist()
    [-1.0, 2.0, -4.0]
    """
    return _minmax(sp_a, sp_b, "min")


def retain(sp_input: Any, to_retain: Any) -> SparseTensor:
    """The entries where the boolean vector ``to_retain`` is True. Gradient: ``IndexedSlices`` (TF gathers the
    values).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
    >>> tf.sparse.retain(st, [False, True]).values.numpy().tolist()
    [2.0]
    """
    sp = _sparse_arg(sp_input, "sparse.retain")
    keep = np.asarray(static_value(to_retain) if isinstance(to_retain, _TensorLike) else to_retain)
    n = _idx(sp).shape[0]
    if keep.ndim != 1 or keep.shape[0] != n:
        raise ValueError(f"sparse.retain: to_retain has shape {list(keep.shape)} but the SparseTensor has {n} "
                         f"entries: Dimensions {n} and {keep.shape[0] if keep.ndim else 0} are not compatible.")
    where = np.nonzero(keep.astype(bool))[0].astype(np.int64)
    from .indexing import gather

    return _new(_idx(sp)[where], gather(sp.values, make(where, NUMPY)), _dims(sp))


def concat(axis: Any, sp_inputs: Any, expand_nonconcat_dims: bool = False, name: str | None = None,
           expand_nonconcat_dim: Any = None, concat_dim: Any = None) -> SparseTensor:
    """SparseTensors joined along ``axis`` (entries in row-major order). The other dims must match unless
    ``expand_nonconcat_dims`` (then the largest is used). Not differentiable in TF (SparseConcat): the result's
    values are cut from the tape, so gradients through it are None.

    >>> import tapegrad as tf
    >>> a = tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 2])
    >>> b = tf.sparse.SparseTensor([[1, 1]], [2.0], [2, 3])
    >>> c = tf.sparse.concat(1, [a, b])
    >>> c.indices.numpy().tolist(), c.dense_shape.numpy().tolist()
    ([[0, 0], [1, 3]], [2, 5])
    """
    if expand_nonconcat_dim is not None:
        expand_nonconcat_dims = expand_nonconcat_dim
    if concat_dim is not None:
        axis = concat_dim
    sps = [_sparse_arg(s, "sparse.concat", "sp_inputs[i]") for s in sp_inputs]
    if not sps:
        raise ValueError("sparse.concat: sp_inputs is empty.")
    shapes = [_dims(s) for s in sps]
    rank = len(shapes[0])
    ax = int(static_value(axis) if isinstance(axis, _TensorLike) else axis)
    if not -rank <= ax < rank or any(len(s) != rank for s in shapes):
        raise InvalidArgumentError(f"sparse.concat: axis {ax} must lie in [-{rank}, {rank}) and every input must have "
                                   f"rank {rank} (dense shapes {[list(s) for s in shapes]}).")
    ax %= rank
    out_shape = list(shapes[0])
    for i, s in enumerate(shapes[1:], 1):
        for d in range(rank):
            if d != ax and s[d] != out_shape[d] and not expand_nonconcat_dims:
                raise InvalidArgumentError(f"sparse.concat: Input shapes must match: expected {out_shape[d]} for "
                                           f"dimension {d} but got {s[d]} at position {i} (pass "
                                           "expand_nonconcat_dims=True to pad to the largest).")
            if d != ax:
                out_shape[d] = max(out_shape[d], s[d])
    out_shape[ax] = sum(s[ax] for s in shapes)
    parts, offset = [], 0
    for s, shp in zip(sps, shapes):
        i = _idx(s).copy()
        i[:, ax] += offset
        offset += shp[ax]
        parts.append(i)
    idx = np.concatenate(parts) if parts else np.zeros((0, rank), np.int64)
    from .joining import concat as dense_concat

    values = core.stop_gradient(dense_concat([s.values for s in sps], 0))
    order = _row_major(idx)
    return _new(idx[order], _take(values, order), out_shape)


def fill_empty_rows(sp_input: Any, default_value: Any, name: str | None = None) -> tuple[SparseTensor, Tensor]:
    """Every row (first index) with no entry gets one at column 0 holding ``default_value``; returns the filled
    SparseTensor (rows in order) and the bool vector of rows that were empty. Gradients: dense, to the values and to
    ``default_value`` (the sum of the upstream at the filled entries).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [2, 1]], [1.0, 2.0], [3, 2])
    >>> out, empty = tf.sparse.fill_empty_rows(st, -1.0)
    >>> out.values.numpy().tolist(), empty.numpy().tolist()
    ([1.0, -1.0, 2.0], [False, True, False])
    """
    sp = _sparse_arg(sp_input, "sparse.fill_empty_rows")
    shape = _dims(sp)
    idx = _idx(sp)
    _check_bounds(idx, shape, "sparse.fill_empty_rows")
    nrows = shape[0] if shape else 0
    has = np.zeros(nrows, bool)
    has[idx[:, 0]] = True
    empty_rows = np.nonzero(~has)[0]
    fill = np.zeros((empty_rows.size, len(shape)), np.int64)
    fill[:, 0] = empty_rows
    all_idx = np.concatenate([idx, fill])
    src = np.concatenate([np.arange(idx.shape[0]), np.full(empty_rows.size, idx.shape[0])]).astype(np.int64)
    order = np.argsort(all_idx[:, 0], kind="stable")
    vals = sp.values
    default = _values_like(default_value, vals, "sparse.fill_empty_rows")
    from .joining import concat as dense_concat

    pool = dense_concat([vals, shape_ops.reshape(default, [1])], 0)
    out = _new(all_idx[order], _take(pool, src[order]), shape)
    return out, make(~has, NUMPY)


def _segments(data: Any, indices: Any, segment_ids: Any, num_segments: Any, op: str, scale: str) -> Tensor:
    x = core.convert_to_tensor(data)
    ix = np.asarray(static_value(indices) if isinstance(indices, _TensorLike) else indices).reshape(-1)
    ids = np.asarray(static_value(segment_ids) if isinstance(segment_ids, _TensorLike) else segment_ids).reshape(-1)
    if ix.dtype.kind not in "iu" or ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices and segment_ids must be integer tensors, got {ix.dtype} and {ids.dtype}.")
    n = x._value.shape[0] if x._value.ndim else 0
    if ix.shape != ids.shape:
        raise InvalidArgumentError(f"{op}: indices ({ix.size}) and segment_ids ({ids.size}) must have the same "
                                   "length.")
    bad = np.nonzero((ix < 0) | (ix >= n))[0]
    if bad.size:
        raise InvalidArgumentError(f"{op}: indices[{bad[0]}] == {ix[bad[0]]} out of range [0, {n}) (data has {n} "
                                   "rows).")
    if ids.size and ((np.diff(ids) < 0).any() or ids[0] < 0):
        raise InvalidArgumentError(f"{op}: segment ids are not increasing: {ids.tolist()[:20]}; sort them (or use "
                                   "tf.math.unsorted_segment_sum).")
    num = (int(ids[-1]) + 1 if ids.size else 0) if num_segments is None else int(
        static_value(num_segments) if isinstance(num_segments, _TensorLike) else num_segments)
    if ids.size and ids[-1] >= num:
        raise InvalidArgumentError(f"{op}: segment id {int(ids[-1])} is out of range [0, {num}) (num_segments).")
    s = _segsum(_take(x, ix), ids, num)
    if scale == "sum":
        return s
    counts = np.maximum(np.bincount(ids.astype(np.int64), minlength=num), 1).astype(x._value.dtype)
    counts = counts.reshape((num,) + (1,) * (x._value.ndim - 1))
    return s / make(counts if scale == "mean" else np.sqrt(counts), NUMPY)


def segment_sum(data: Any, indices: Any, segment_ids: Any, num_segments: Any = None, name: str | None = None
                ) -> Tensor:
    """``out[s] = sum(data[indices[i]] for segment_ids[i] == s)`` (sorted ``segment_ids``; missing segments 0).
    Gradient: dense, to ``data``.

    >>> import tapegrad as tf
    >>> tf.sparse.segment_sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [0, 1, 1], [0, 0, 1]).numpy().tolist()
    [[4.0, 6.0], [3.0, 4.0]]
    """
    return _segments(data, indices, segment_ids, num_segments, "sparse.segment_sum", "sum")


def segment_mean(data: Any, indices: Any, segment_ids: Any, num_segments: Any = None, name: str | None = None
                 ) -> Tensor:
    """The mean of ``data[indices[i]]`` per (sorted) segment; empty segments give 0. Gradient: dense.

    >>> import tapegrad as tf
    >>> tf.sparse.segment_mean(tf.constant([[1.0], [3.0]]), [0, 1], [0, 0]).numpy().tolist()
    [[2.0]]
    """
    return _segments(data, indices, segment_ids, num_segments, "sparse.segment_mean", "mean")


def segment_sqrt_n(data: Any, indices: Any, segment_ids: Any, num_segments: Any = None, name: str | None = None
                   ) -> Tensor:
    """The sum of ``data[indices[i]]`` per (sorted) segment divided by the square root of its size. Gradient:
    dense.

    >>> import tapegrad as tf
    >>> round(float(tf.sparse.segment_sqrt_n(tf.constant([[3.0], [1.0]]), [0, 0], [0, 0])[0, 0]), 4)
    4.2426
    """
    return _segments(data, indices, segment_ids, num_segments, "sparse.segment_sqrt_n", "sqrt_n")


def sampled_addmm(indices: Any, values: Any, dense_shape: Any, mat1: Any, mat2: Any, beta: Any = 1.0,
                  alpha: Any = 1.0, output_type: Any = _dtypes.float32) -> tuple[Tensor, Tensor, Tensor]:
    """``alpha * (mat1 @ mat2)`` read at ``indices`` (``[..., N, 2]``; leading axes are batch axes of ``mat1`` and
    ``mat2``), plus ``beta * values``: returns ``(indices, values, dense_shape)`` (``dense_shape`` must be
    ``[mat1 rows, mat2 columns]``: ``ValueError`` otherwise). Gradients as TF's (the same gathers): dense to
    ``values`` and ``mat2``, ``IndexedSlices`` to an unbatched ``mat1``.

    >>> import tapegrad as tf
    >>> out = tf.sparse.sampled_addmm([[0, 1]], [1.0], [2, 2], tf.ones([2, 3]), tf.ones([3, 2]))
    >>> out[1].numpy().tolist()
    [4.0]
    """
    from .indexing import gather_nd
    from .reductions import reduce_sum as dense_sum

    ix = core.convert_to_tensor(indices)
    vals = core.convert_to_tensor(values, dtype=output_type)
    shape = core.convert_to_tensor(dense_shape, dtype=_dtypes.int32)
    a = core.convert_to_tensor(mat1, dtype=output_type)
    b = core.convert_to_tensor(mat2, dtype=output_type)
    ra, rb = a._value.ndim, b._value.ndim
    if ra < 2 or rb < 2 or ix._value.ndim < 2 or ix._value.shape[-1] != 2:
        raise InvalidArgumentError(f"sparse.sampled_addmm: needs indices [..., N, 2] and matrices of rank >= 2, got "
                                   f"indices {list(ix._value.shape)}, mat1 {list(a._value.shape)}, mat2 "
                                   f"{list(b._value.shape)}.")
    want = [a._value.shape[-2], b._value.shape[-1]]
    if np.asarray(static_value(shape)).tolist() != want:
        raise ValueError(f"sparse.sampled_addmm: Dense shape: {np.asarray(static_value(shape)).tolist()} does not "
                         f"match output shape: {want} (mat1's rows by mat2's columns).")
    perm = list(range(rb - 2)) + [rb - 1, rb - 2]
    rows = gather_nd(a, ix[..., :-1], batch_dims=ra - 2)
    cols = gather_nd(shape_ops.transpose(b, perm), ix[..., -1:], batch_dims=ra - 2)
    dot = dense_sum(rows * cols, axis=-1)
    return ix, dot * _values_like(alpha, vals, "sampled_addmm") + vals * _values_like(beta, vals, "sampled_addmm"), \
        shape


def expand_dims(sp_input: Any, axis: Any = None, name: str | None = None) -> SparseTensor:
    """A size-1 axis inserted at ``axis`` (default: last). The values pass through unchanged.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[1]], [5.0], [3])
    >>> tf.sparse.expand_dims(st, 0).dense_shape.numpy().tolist()
    [1, 3]
    """
    sp = _sparse_arg(sp_input, "sparse.expand_dims", exc=AttributeError)
    shape = list(_dims(sp))
    rank = len(shape)
    a = -1 if axis is None else int(static_value(axis) if isinstance(axis, _TensorLike) else axis)
    if not -rank - 1 <= a <= rank:
        raise InvalidArgumentError(f"sparse.expand_dims: axis {a} must lie in [{-rank - 1}, {rank}].")
    a = a % (rank + 1)
    idx = np.insert(_idx(sp), a, 0, axis=1)
    shape.insert(a, 1)
    return _new(idx, sp.values, shape)


def eye(num_rows: Any, num_columns: Any = None, dtype: Any = _dtypes.float32, name: str | None = None
        ) -> SparseTensor:
    """The identity matrix as a SparseTensor (``num_rows`` x ``num_columns``).

    >>> import tapegrad as tf
    >>> tf.sparse.eye(2, 3).indices.numpy().tolist()
    [[0, 0], [1, 1]]
    """
    r = int(static_value(num_rows) if isinstance(num_rows, _TensorLike) else num_rows)
    c = r if num_columns is None else int(static_value(num_columns) if isinstance(num_columns, _TensorLike)
                                          else num_columns)
    n = min(r, c)
    diag = np.arange(n, dtype=np.int64)
    return _new(np.stack([diag, diag], axis=1), make(np.ones(n, _dtypes.as_dtype(dtype)._np), NUMPY), [r, c])


def reset_shape(sp_input: Any, new_shape: Any = None) -> SparseTensor:
    """The same entries with a new dense shape: ``new_shape`` (no smaller than the current one, same rank), or the
    tightest shape that holds the indices. The values pass through unchanged.

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 1]], [5.0], [3, 4])
    >>> tf.sparse.reset_shape(st).dense_shape.numpy().tolist()
    [1, 2]
    """
    sp = _sparse_arg(sp_input, "sparse.reset_shape")
    idx = _idx(sp)
    old = np.asarray(_dims(sp), np.int64)
    if new_shape is None:
        shape = idx.max(axis=0) + 1 if idx.shape[0] else np.zeros(old.size, np.int64)
    else:
        shape = np.asarray(static_value(new_shape) if isinstance(new_shape, _TensorLike) else new_shape,
                           np.int64).reshape(-1)
        if shape.size != old.size:
            raise ValueError(f"sparse.reset_shape: new_shape {shape.tolist()} has rank {shape.size} but the "
                             f"SparseTensor has rank {old.size}.")
        if (shape < old).any():
            raise ValueError(f"sparse.reset_shape: Requested new_shape should have dimension sizes >= sp_input.shape."
                             f" Found new_shape {shape.tolist()}, sp_input.shape {old.tolist()}.")
    return SparseTensor(sp.indices, sp.values, make(shape, NUMPY))


def split(sp_input: Any = None, num_split: Any = None, axis: Any = None, name: str | None = None,
          keepdims: Any = None) -> list[SparseTensor]:
    """``num_split`` SparseTensors cut along ``axis`` (the first ``size % num_split`` pieces one longer). Not
    differentiable (TF registers no gradient for SparseSplit: LookupError).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 1], [0, 3]], [1.0, 2.0], [1, 4])
    >>> [s.values.numpy().tolist() for s in tf.sparse.split(sp_input=st, num_split=2, axis=1)]
    [[1.0], [2.0]]
    """
    sp = _sparse_arg(sp_input, "sparse.split")
    shape = list(_dims(sp))
    rank = len(shape)
    k = int(num_split)
    a = int(static_value(axis) if isinstance(axis, _TensorLike) else axis)
    if not -rank <= a < rank or k < 1:
        raise InvalidArgumentError(f"sparse.split: axis {a} must lie in [-{rank}, {rank}) and num_split ({k}) be >= 1.")
    a %= rank
    size = shape[a]
    sizes = [size // k + (1 if i < size % k else 0) for i in range(k)]
    starts = np.cumsum([0] + sizes)
    idx = _idx(sp)
    out = []
    for i in range(k):
        keep = np.nonzero((idx[:, a] >= starts[i]) & (idx[:, a] < starts[i + 1]))[0].astype(np.int64)
        sub = idx[keep].copy()
        sub[:, a] -= starts[i]
        piece = list(shape)
        piece[a] = sizes[i]
        out.append(_new(sub, applyn(SPARSE_SPLIT, (sp.values,), {"pos": keep}), piece))
    return out


def to_indicator(sp_input: Any, vocab_size: Any, name: str | None = None) -> Tensor:
    """A dense bool tensor ``[..., vocab_size]``: True at ``[*index[:-1], value]`` for each entry (integer values).

    >>> import tapegrad as tf
    >>> st = tf.sparse.SparseTensor([[0, 0], [0, 1]], tf.constant([2, 0], tf.int64), [1, 2])
    >>> tf.sparse.to_indicator(st, 3).numpy().tolist()
    [[True, False, True]]
    """
    sp = _sparse_arg(sp_input, "sparse.to_indicator")
    v = np.asarray(static_value(sp.values))
    if v.dtype.kind not in "iub":  # (TF casts other values to int64 ids)
        v = v.astype(np.int64)
    n = int(static_value(vocab_size) if isinstance(vocab_size, _TensorLike) else vocab_size)
    shape = _dims(sp)
    idx = _idx(sp)
    bad = np.nonzero((v < 0) | (v >= n))[0]
    if bad.size:
        raise InvalidArgumentError(f"sparse.to_indicator: value {int(v[bad[0]])} at indices[{bad[0]}] is out of "
                                   f"range [0, {n}) (vocab_size).")
    out = np.zeros(shape[:-1] + (n,), bool)
    out[tuple(idx[:, :-1].T) + (v,)] = True
    return make(out, NUMPY)


def mask(a: Any, mask_indices: Any, name: str | None = None) -> Any:
    """The ``IndexedSlices`` ``a`` without the slices whose index is in ``mask_indices``. Gradient: to ``a.values``
    through a gather.

    >>> import tapegrad as tf
    >>> a = tf.IndexedSlices(tf.constant([[1.0], [2.0], [3.0]]), tf.constant([0, 3, 5]), tf.constant([6, 1]))
    >>> tf.sparse.mask(a, [3]).indices.numpy().tolist()
    [0, 5]
    """
    from .._indexed_slices import IndexedSlices
    from .indexing import gather

    ind = static_value(a.indices)
    drop = np.asarray(static_value(mask_indices) if isinstance(mask_indices, _TensorLike) else mask_indices)
    keep = np.nonzero(~np.isin(ind, drop))[0].astype(np.int64)
    k = make(keep, NUMPY)
    return IndexedSlices(gather(a.values, k), gather(a.indices, k), a.dense_shape)


def bincount(values: Any, weights: Any = None, axis: Any = 0, minlength: Any = None, maxlength: Any = None,
             binary_output: bool = False, name: str | None = None) -> SparseTensor:
    """Counts of each integer value as a SparseTensor of the non-empty bins: over everything (``axis=0``) or per
    row of a rank-2 input (``axis=-1``); ``weights`` (same layout) are summed instead of ones; ``binary_output``
    marks presence. ``values`` may be dense, a SparseTensor or a RaggedTensor.

    >>> import tapegrad as tf
    >>> out = tf.sparse.bincount(tf.constant([1, 3, 3]))
    >>> out.indices.numpy().tolist(), out.values.numpy().tolist()
    ([[1], [3]], [1, 2])
    """
    def parts(x: Any) -> tuple[np.ndarray, np.ndarray]:
        """(the values, their row) as NumPy."""
        if isinstance(x, SparseTensor):
            return np.asarray(static_value(x.values)), _idx(x)[:, 0] if _idx(x).shape[1] > 1 else np.zeros(
                _idx(x).shape[0], np.int64)
        if type(x) is _common.RAGGED_TYPE[0]:
            return np.asarray(static_value(x.flat_values)), np.asarray(static_value(x.value_rowids()))
        arr = np.asarray(static_value(core.convert_to_tensor(x)))
        rows = np.repeat(np.arange(arr.shape[0]), int(np.prod(arr.shape[1:]))) if arr.ndim > 1 else np.zeros(
            arr.size, np.int64)
        return arr.reshape(-1), rows

    v, rows = parts(values)
    if v.dtype.kind not in "iu":
        raise TypeError(f"sparse.bincount: values must be integers, got {v.dtype}.")
    if v.size and v.min() < 0:
        raise InvalidArgumentError(f"sparse.bincount: values must be non-negative, got {int(v.min())}.")
    w = None if weights is None else parts(weights)[0]
    out_dtype = v.dtype if w is None else w.dtype
    size = int(v.max()) + 1 if v.size else 0
    if minlength is not None:
        size = max(size, int(minlength))
    if maxlength is not None:
        size = min(size, int(maxlength))
    inside = v < size
    per_row = axis is not None and int(axis) in (-1, 1)
    if per_row:
        batch = _dims(values)[0] if isinstance(values, SparseTensor) else (
            values.nrows() if type(values) is _common.RAGGED_TYPE[0] else np.asarray(
                static_value(core.convert_to_tensor(values))).shape[0])
        key = rows[inside].astype(np.int64) * max(size, 1) + v[inside]
        out_shape = [int(batch), size]
    else:
        key = v[inside].astype(np.int64)
        out_shape = [size]
    cells, inv = np.unique(key, return_inverse=True)
    if binary_output:
        counts = np.ones(cells.size, out_dtype)
    else:
        counts = np.zeros(cells.size, out_dtype)
        np.add.at(counts, inv.reshape(-1), 1 if w is None else w[inside])
    idx = np.stack([cells // max(size, 1), cells % max(size, 1)], axis=1) if per_row else cells.reshape(-1, 1)
    return _new(idx, make(counts, NUMPY), out_shape)


# -- crosses ----------------------------------------------------------------------------------------------------

_DEFAULT_HASH_KEY = 0xDECAFCAFFE
_MASK64 = (1 << 64) - 1


def _fingerprint_cat64(fp1: int, fp2: int) -> int:
    """TF's ``FingerprintCat64`` (two 64-bit fingerprints combined with MurmurHash's mixing multiply)."""
    mul = 0xC6A4A7935BD1E995

    def shift_mix(v: int) -> int:
        return v ^ (v >> 47)

    r = fp1 ^ mul
    r ^= (shift_mix((fp2 * mul) & _MASK64) * mul) & _MASK64
    r = (r * mul) & _MASK64
    r = (shift_mix(r) * mul) & _MASK64
    return shift_mix(r)


def _cross_features(inputs: Any, op: str) -> tuple[int, list[list[list[Any]]]]:
    """Per input, per batch row, its features in order (SparseTensor rows or a dense matrix's rows)."""
    feats: list[list[list[Any]]] = []
    batch = None
    for x in inputs:
        if isinstance(x, SparseTensor):
            n = _dims(x)[0]
            rows: list[list[Any]] = [[] for _ in range(n)]
            for r, val in zip(_idx(x)[:, 0].tolist(), np.asarray(static_value(x.values)).tolist()):
                rows[r].append(val)
        else:
            arr = np.asarray(static_value(core.convert_to_tensor(x)))
            if arr.ndim != 2:
                raise InvalidArgumentError(f"{op}: dense inputs must be rank-2 [batch, features], got shape "
                                           f"{list(arr.shape)}.")
            n = arr.shape[0]
            rows = [list(r) for r in arr.tolist()]
        if batch is not None and n != batch:
            raise InvalidArgumentError(f"{op}: the inputs' batch sizes differ ({batch} vs {n}).")
        batch = n
        feats.append(rows)
    if batch is None:
        raise ValueError(f"{op}: inputs is empty.")
    return batch, feats


def _crosses(feats: list[list[list[Any]]], batch: int, combine: Any) -> SparseTensor:
    import itertools

    idx, vals = [], []
    width = 0
    for r in range(batch):
        combos = list(itertools.product(*[f[r] for f in feats]))
        width = max(width, len(combos))
        for k, combo in enumerate(combos):
            idx.append((r, k))
            vals.append(combine(combo))
    return idx, vals, [batch, width]


def _text(v: Any) -> bytes:
    return v if isinstance(v, bytes) else str(v).encode()


def cross(inputs: Any, name: str | None = None, separator: str | None = None) -> SparseTensor:
    """The feature crosses of SparseTensor/dense string or integer inputs, per batch row: every combination of one
    feature from each input, joined with ``separator`` (``"_X_"``).

    >>> import tapegrad as tf
    >>> a = tf.sparse.SparseTensor([[0, 0], [0, 1]], tf.constant(["a", "b"]), [1, 2])
    >>> tf.sparse.cross([a, tf.constant([["c"]])]).values.numpy().tolist()
    [b'a_X_c', b'b_X_c']
    """
    sep = _text("_X_" if separator is None else separator)
    batch, feats = _cross_features(inputs, "sparse.cross")
    idx, vals, shape = _crosses(feats, batch, lambda c: sep.join(_text(v) for v in c))
    return _new(idx, make(np.asarray(vals, dtype=object).reshape(-1), NUMPY), shape)


def cross_hashed(inputs: Any, num_buckets: int = 0, hash_key: Any = None, name: str | None = None) -> SparseTensor:
    """:func:`cross`, each cross hashed to int64 as TF does (``FingerprintCat64`` over the features'
    ``Fingerprint64``, seeded with ``hash_key``), modulo ``num_buckets`` when it is positive.

    >>> import tapegrad as tf
    >>> a = tf.sparse.SparseTensor([[0, 0]], tf.constant(["a"]), [1, 1])
    >>> int(tf.sparse.cross_hashed([a, tf.constant([["d"]])], num_buckets=100).values[0]) < 100
    True
    """
    from .string_ops import fingerprint64

    key = _DEFAULT_HASH_KEY if hash_key is None else int(hash_key)
    buckets = int(num_buckets)

    def combine(c: tuple[Any, ...]) -> int:
        h = key
        for v in c:  # an integer feature is its own 64-bit hash; text is fingerprinted
            h = _fingerprint_cat64(h, v & _MASK64 if isinstance(v, int) else fingerprint64(_text(v)))
        return h % buckets if buckets > 0 else h % ((1 << 63) - 1)

    batch, feats = _cross_features(inputs, "sparse.cross_hashed")
    idx, vals, shape = _crosses(feats, batch, combine)
    return _new(idx, make(np.asarray(vals, np.int64).reshape(-1), NUMPY), shape)


# -- embedding lookups of sparse ids ------------------------------------------------------------------------------


def embedding_lookup_sparse(params: Any, sp_ids: Any, sp_weights: Any, combiner: str | None = None,
                            max_norm: Any = None, name: str | None = None, allow_fast_lookup: bool = False) -> Tensor:
    """Per row of the rank-2 SparseTensor ``sp_ids``, the rows of ``params`` at its ids combined (``"sum"``,
    ``"mean"`` (default) or ``"sqrtn"``), weighted by ``sp_weights``' values when given. The gradient to ``params``
    is ``IndexedSlices`` as TF's: one slice per distinct id (sorted ids without weights, first-seen order with
    weights).

    >>> import tapegrad as tf
    >>> params = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> ids = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([0, 2, 1], tf.int64), [2, 2])
    >>> tf.nn.embedding_lookup_sparse(params, ids, None, combiner="sum").numpy().tolist()
    [[6.0, 8.0], [3.0, 4.0]]
    """
    from . import arithmetic, unary_math
    from .indexing import _clip_rows, gather

    combiner = "mean" if combiner is None else combiner
    if combiner not in ("sum", "mean", "sqrtn"):
        raise ValueError(f"embedding_lookup_sparse: combiner must be one of 'mean', 'sqrtn' or 'sum', got "
                         f"{combiner!r}.")
    op = "embedding_lookup_sparse"
    ids_st = _sparse_arg(sp_ids, op, "sp_ids")
    table = params[0] if isinstance(params, (list, tuple)) and len(params) == 1 else params
    if isinstance(table, (list, tuple)):
        raise NotImplementedError(f"{op}: sharded params (a list of {len(table)} tables) are not supported; concat "
                                  "them into one table.")
    table = _common.to_tensor(table)
    ids = np.asarray(static_value(ids_st.values)).reshape(-1)
    seg = _idx(ids_st)[:, 0]
    num = int(seg.max()) + 1 if seg.size else 0
    if sp_weights is None:
        uniq, inv = np.unique(ids, return_inverse=True)  # TF's sparse segment gradient: sorted distinct ids
        rows = gather(table, make(uniq.astype(np.int64), NUMPY))
        if max_norm is not None:
            rows = _clip_rows(rows, max_norm, 1)
        emb = _take(rows, inv.reshape(-1))
        scale = {"sum": "sum", "mean": "mean", "sqrtn": "sqrt_n"}[combiner]
        s = _segsum(emb, seg, num)
        if scale == "sum":
            return s
        counts = np.maximum(np.bincount(seg, minlength=num), 1).astype(table._value.dtype)
        counts = counts.reshape((num,) + (1,) * (table._value.ndim - 1))
        return s / make(counts if scale == "mean" else np.sqrt(counts), NUMPY)
    w_st = _sparse_arg(sp_weights, op, "sp_weights")
    _, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct ids in first-seen order (TF's unique)
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(order.size)
    rows = gather(table, make(ids[np.sort(first)].astype(np.int64), NUMPY))
    if max_norm is not None:
        rows = _clip_rows(rows, max_norm, 1)
    emb = _take(rows, rank_of[inv.reshape(-1)])
    w = w_st.values
    if w.dtype != emb.dtype:
        w = core.cast(w, emb.dtype)
    w = shape_ops.reshape(w, [-1] + [1] * (emb._value.ndim - 1))
    s = _segsum(emb * w, seg, num)
    if combiner == "sum":
        return s
    if combiner == "mean":
        return arithmetic.divide_no_nan(s, _segsum(w, seg, num))
    return arithmetic.divide_no_nan(s, unary_math.sqrt(_segsum(w * w, seg, num)))


def safe_embedding_lookup_sparse(embedding_weights: Any, sparse_ids: Any, sparse_weights: Any = None,
                                 combiner: str = "mean", default_id: Any = None, max_norm: Any = None,
                                 name: str | None = None, allow_fast_lookup: bool = False) -> Tensor:
    """:func:`embedding_lookup_sparse` that tolerates invalid ids (negative: dropped; with ``combiner`` other than
    ``"sum"``, non-positive weights dropped too) and empty rows (``default_id``'s row, or zeros), for ids of any rank
    ``[d0, …, dn]`` (the result is ``[d0, …, dn-1, dim]``).

    >>> import tapegrad as tf
    >>> params = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> ids = tf.sparse.SparseTensor([[0, 0], [2, 0]], tf.constant([1, -1], tf.int64), [3, 1])
    >>> tf.nn.safe_embedding_lookup_sparse(params, ids).numpy().tolist()
    [[3.0, 4.0], [0.0, 0.0], [0.0, 0.0]]
    """
    from . import indexing

    if embedding_weights is None or (isinstance(embedding_weights, (list, tuple)) and not embedding_weights):
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    ids_st = _sparse_arg(sparse_ids, "safe_embedding_lookup_sparse", "sparse_ids")
    shape = _dims(ids_st)
    flat_rows = int(np.prod(shape[:-1], dtype=np.int64))
    ids2 = reshape(ids_st, [flat_rows, shape[-1]])
    w2 = None if sparse_weights is None else SparseTensor(ids2.indices, sparse_weights.values, ids2.dense_shape)
    valid = np.asarray(static_value(ids2.values)) >= 0
    if w2 is not None and combiner != "sum":
        valid &= np.asarray(static_value(w2.values)) > 0
    if not valid.all():
        ids2 = retain(ids2, valid)
        w2 = None if w2 is None else retain(w2, valid)
    ids2, empty = fill_empty_rows(ids2, 0 if default_id is None else default_id)
    if w2 is not None:
        w2, _ = fill_empty_rows(w2, 1.0)
    out = embedding_lookup_sparse(embedding_weights, ids2, w2, combiner=combiner, max_norm=max_norm)
    if default_id is None:
        mask_ = shape_ops.reshape(empty, [-1] + [1] * (out._value.ndim - 1))
        out = indexing.where(core.broadcast_to(mask_, list(out._value.shape)), core.zeros_like(out), out)
    return shape_ops.reshape(out, list(shape[:-1]) + list(out._value.shape[1:]))


EXPORTS: dict[str, list[str]] = {
    "": ["SparseTensor", "SparseTensorSpec"],
    "sparse": ["SparseTensor", "SparseTensorSpec", "to_dense", "from_dense", "reorder", "sparse_dense_matmul", "add",
               "reduce_sum", "reduce_max", "softmax", "slice", "map_values", "reshape", "transpose", "maximum",
               "minimum", "retain", "concat", "fill_empty_rows", "segment_sum", "segment_mean", "segment_sqrt_n",
               "sampled_addmm", "expand_dims", "eye", "reset_shape", "split", "to_indicator", "mask", "bincount",
               "cross", "cross_hashed"],
    "nn": ["embedding_lookup_sparse", "safe_embedding_lookup_sparse"],
}
