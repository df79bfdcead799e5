"""``tf.linalg.LinearOperator`` and its structured subclasses, differentiable through the tape.

An operator stands for a (batch of) ``[M, N]`` matrices without necessarily storing them: ``matmul``, ``solve``,
``determinant`` and friends use the structure (a diagonal's solve is a division, a Kronecker product's determinant a
product of powers, a circulant's matvec three FFTs), and fall back on the dense matrix (``to_dense``) elsewhere.
Every result is computed with tapegrad ops, so gradients reach the tensors (or Variables) an operator was built
from. The ``is_*`` hints follow TF: contradictory hints raise ValueError, and operations that need a hint
(``inverse``, ``cholesky``) check it. Operator-valued methods return the structured type TF returns (the adjoint,
inverse and Cholesky factor of a diagonal operator are diagonal; an operator times an identity is itself; other
products are a ``LinearOperatorComposition``).

>>> import tapegrad as tf
>>> d = tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0, 4.0], tf.float64))
>>> d.matvec(tf.constant([1.0, 1.0, 1.0], tf.float64)).numpy().tolist()
[1.0, 2.0, 4.0]
>>> float(d.log_abs_determinant()), type(d.inverse()).__name__
(2.0794415416798357, 'LinearOperatorDiag')
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _dtypes
from ._shape import TensorShape
from ._tensor import Tensor, _TensorLike
from .module import Module
from .ops import arithmetic, core, creation, joining, linalg_ops, reductions, shape_ops, unary_math
from .ops import matmul as _mm


def _t(x: Any, dtype: Any = None) -> Tensor:
    return x if isinstance(x, _TensorLike) and dtype is None else core.convert_to_tensor(x, dtype=dtype)


def _shape_of(x: Tensor) -> tuple[int, ...]:
    return tuple(x._value.shape)


def _adj(x: Tensor) -> Tensor:
    return linalg_ops.adjoint(x)


def _bshape(*shapes: Sequence[int]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


def _broadcast_batch(x: Tensor, batch: tuple[int, ...]) -> Tensor:
    xs = _shape_of(x)
    b = _bshape(xs[:-2], batch)
    return x if b == xs[:-2] else core.broadcast_to(x, b + xs[-2:])


def _check_hints(is_non_singular: Any, is_self_adjoint: Any, is_positive_definite: Any, is_square: Any) -> Any:
    if is_positive_definite:
        if is_non_singular is False:
            raise ValueError("A positive definite matrix is always non-singular.")
        is_non_singular = True
    if is_non_singular:
        if is_square is False:
            raise ValueError("A non-singular matrix is always square.")
        is_square = True
    if is_self_adjoint:
        if is_square is False:
            raise ValueError("A self-adjoint matrix is always square.")
        is_square = True
    return is_non_singular, is_self_adjoint, is_positive_definite, is_square


class LinearOperator(Module):
    """Base class: a (batch of) ``[M, N]`` linear operator(s). Subclasses implement ``_shape`` and ``_to_dense``
    (and, where the structure allows, faster ``_matmul``, ``_solve``, ``_determinant``, ``_log_abs_determinant``,
    ``_diag_part``, ``_adjoint``, ``_inverse``, ``_cholesky``, ``_eigvals``).

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorFullMatrix(tf.constant([[2.0, 0.0], [1.0, 3.0]]))
    >>> a.shape.as_list(), a.solvevec(tf.constant([2.0, 4.0])).numpy().tolist()
    ([2, 2], [1.0, 1.0])
    """

    def __init__(self, dtype: Any, graph_parents: Any = None, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str | None = None, parameters: dict[str, Any] | None = None):
        super().__init__(name=name or type(self).__name__)
        (is_non_singular, is_self_adjoint, is_positive_definite, is_square) = _check_hints(
            is_non_singular, is_self_adjoint, is_positive_definite, is_square)
        self._dtype = _dtypes.as_dtype(dtype) if dtype is not None else None
        self._is_non_singular = is_non_singular
        self._is_self_adjoint = is_self_adjoint
        self._is_positive_definite = is_positive_definite
        self._is_square_set = is_square
        self._parameters = dict(parameters or {})
        self._graph_parents = list(graph_parents or [])

    # -- hints and shapes -----------------------------------------------------------------------------------------

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._parameters)

    @property
    def graph_parents(self) -> list[Any]:
        return list(self._graph_parents)

    @property
    def is_non_singular(self) -> bool | None:
        return self._is_non_singular

    @property
    def is_self_adjoint(self) -> bool | None:
        return self._is_self_adjoint

    @property
    def is_positive_definite(self) -> bool | None:
        return self._is_positive_definite

    @property
    def is_square(self) -> bool | None:
        s = self.shape
        if s[-1] is not None and s[-2] is not None:
            auto = s[-1] == s[-2]
            if self._is_square_set is not None and self._is_square_set != auto:
                raise ValueError(f"{self.name}: is_square={self._is_square_set} contradicts the static shape "
                                 f"{s.as_list()}.")
            return auto
        return self._is_square_set

    def _shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def shape(self) -> TensorShape:
        return TensorShape(list(self._shape()))

    @property
    def batch_shape(self) -> TensorShape:
        return TensorShape(list(self._shape()[:-2]))

    @property
    def tensor_rank(self) -> int:
        return len(self._shape())

    @property
    def domain_dimension(self) -> int:
        return self._shape()[-1]

    @property
    def range_dimension(self) -> int:
        return self._shape()[-2]

    def shape_tensor(self, name: str = "shape_tensor") -> Tensor:
        return core.constant(np.array(self._shape(), np.int32))

    def batch_shape_tensor(self, name: str = "batch_shape_tensor") -> Tensor:
        return core.constant(np.array(self._shape()[:-2], np.int32))

    def tensor_rank_tensor(self, name: str = "tensor_rank_tensor") -> Tensor:
        return core.constant(np.int32(self.tensor_rank))

    def domain_dimension_tensor(self, name: str = "domain_dimension_tensor") -> Tensor:
        return core.constant(np.int32(self.domain_dimension))

    def range_dimension_tensor(self, name: str = "range_dimension_tensor") -> Tensor:
        return core.constant(np.int32(self.range_dimension))

    def __repr__(self) -> str:
        return (f"<tapegrad.linalg.{type(self).__name__} '{self.name}' batch_shape={self.batch_shape.as_list()} "
                f"shape={self.shape.as_list()} dtype={self.dtype.name}>")

    # -- checks ----------------------------------------------------------------------------------------------------

    def _check_input_dtype(self, x: Tensor) -> None:
        if x.dtype != self.dtype:
            raise TypeError(f"{self.name}: expected argument to have dtype {self.dtype.name}, found "
                            f"{x.dtype.name} in tensor of shape {list(_shape_of(x))}; cast it first.")

    def _need_square(self, what: str) -> None:
        if self.is_square is False:
            raise NotImplementedError(f"{what} not implemented for an operator that is expected to not be square.")

    # -- operator algebra --------------------------------------------------------------------------------------------

    def to_dense(self, name: str = "to_dense") -> Tensor:
        return self._to_dense()

    def _to_dense(self) -> Tensor:
        n = self.domain_dimension
        eye = core.cast(core.constant(np.eye(n)), self.dtype)
        return self._matmul(core.broadcast_to(eye, self._shape()[:-2] + (n, n)), False, False)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        a = self._to_dense()
        return _mm.matmul(a, x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def matmul(self, x: Any, adjoint: bool = False, adjoint_arg: bool = False, name: str = "matmul") -> Any:
        """``A @ x`` (``A^H`` with ``adjoint``, ``x^H`` with ``adjoint_arg``); an operator ``x`` gives an operator."""
        if isinstance(x, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = x.adjoint() if adjoint_arg else x
            if left.domain_dimension != right.range_dimension:
                raise ValueError(f"Operators are incompatible: {left.name} has domain dimension "
                                 f"{left.domain_dimension} but {right.name} has range dimension "
                                 f"{right.range_dimension}.")
            return _matmul_operators(left, right)
        x = _t(x)
        self._check_input_dtype(x)
        k = _shape_of(x)[-1 if adjoint_arg else -2]
        want = self.range_dimension if adjoint else self.domain_dimension
        if k != want:
            raise ValueError(f"{self.name}.matmul: x has {k} rows (shape {list(_shape_of(x))}, adjoint_arg="
                             f"{adjoint_arg}) but the operator's {'range' if adjoint else 'domain'} dimension is "
                             f"{want}.")
        return self._matmul(x, adjoint, adjoint_arg)

    def __matmul__(self, other: Any) -> Any:
        return self.matmul(other)

    def matvec(self, x: Any, adjoint: bool = False, name: str = "matvec") -> Tensor:
        x = _t(x)
        return self.matmul(x[..., None], adjoint=adjoint)[..., 0]

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        a = self._to_dense()
        rhs = _adj(rhs) if adjoint_arg else rhs
        a = _broadcast_batch(a, _shape_of(rhs)[:-2])
        rhs = _broadcast_batch(rhs, _shape_of(a)[:-2])
        return linalg_ops.solve(a, rhs, adjoint=adjoint)

    def solve(self, rhs: Any, adjoint: bool = False, adjoint_arg: bool = False, name: str = "solve") -> Any:
        """``A^{-1} rhs``; needs a square operator whose ``is_non_singular`` hint is not False."""
        if self.is_non_singular is False:
            raise NotImplementedError("Exact solve not implemented for an operator that is expected to be "
                                      "singular.")
        if self.is_square is False:
            raise NotImplementedError("Exact solve not implemented for an operator that is expected to not be "
                                      "square.")
        if isinstance(rhs, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = rhs.adjoint() if adjoint_arg else rhs
            return _matmul_operators(left.inverse(), right)
        rhs = _t(rhs)
        self._check_input_dtype(rhs)
        return self._solve(rhs, adjoint, adjoint_arg)

    def solvevec(self, rhs: Any, adjoint: bool = False, name: str = "solve") -> Tensor:
        rhs = _t(rhs)
        return self.solve(rhs[..., None], adjoint=adjoint)[..., 0]

    def _determinant(self) -> Tensor:
        return linalg_ops.det(self._to_dense())

    def determinant(self, name: str = "det") -> Tensor:
        self._need_square("Determinant")
        return self._determinant()

    def _log_abs_determinant(self) -> Tensor:
        return linalg_ops.slogdet(self._to_dense())[1]

    def log_abs_determinant(self, name: str = "log_abs_det") -> Tensor:
        self._need_square("Determinant")
        return self._log_abs_determinant()

    def _diag_part(self) -> Tensor:
        return linalg_ops.diag_part(self._to_dense())

    def diag_part(self, name: str = "diag_part") -> Tensor:
        return self._diag_part()

    def trace(self, name: str = "trace") -> Tensor:
        return reductions.reduce_sum(self.diag_part(), axis=-1)

    def add_to_tensor(self, x: Any, name: str = "add_to_tensor") -> Tensor:
        x = _t(x)
        self._check_input_dtype(x)
        return arithmetic.add(self.to_dense(), x)

    def _eigvals(self) -> Tensor:
        if not self.is_self_adjoint:
            raise NotImplementedError("Only self-adjoint matrices are supported.")
        return linalg_ops.eigh(self._to_dense())[0]

    def eigvals(self, name: str = "eigvals") -> Tensor:
        if not self.is_self_adjoint:
            raise NotImplementedError("Only self-adjoint matrices are supported.")
        return self._eigvals()

    def cond(self, name: str = "cond") -> Tensor:
        if self.is_self_adjoint:
            ev = unary_math.abs(self.eigvals())
            return reductions.reduce_max(ev, -1) / reductions.reduce_min(ev, -1)
        s = linalg_ops.svd(self.to_dense(), compute_uv=False)
        return reductions.reduce_max(s, -1) / reductions.reduce_min(s, -1)

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorAdjoint(self)

    def adjoint(self, name: str = "adjoint") -> LinearOperator:
        if self.is_self_adjoint is True:
            return self
        return self._adjoint()

    @property
    def H(self) -> LinearOperator:  # noqa: N802 - TF's spelling
        return self.adjoint()

    def _inverse(self) -> LinearOperator:
        return LinearOperatorInversion(self)

    def inverse(self, name: str = "inverse") -> LinearOperator:
        if self.is_square is False:
            raise ValueError("Cannot take the Inverse: This operator represents a non square matrix.")
        if self.is_non_singular is False:
            raise ValueError("Cannot take the Inverse: This operator represents a singular matrix.")
        return self._inverse()

    def _cholesky(self) -> LinearOperator:
        return LinearOperatorLowerTriangular(linalg_ops.cholesky(self.to_dense()), is_non_singular=True,
                                             is_square=True)

    def cholesky(self, name: str = "cholesky") -> LinearOperator:
        if not (self.is_positive_definite and self.is_self_adjoint):
            raise ValueError("Cannot take the Cholesky decomposition: Not a positive definite self adjoint "
                             "matrix.")
        return self._cholesky()

    # -- assertions --------------------------------------------------------------------------------------------------

    def assert_non_singular(self, name: str = "assert_non_singular") -> None:
        s = np.asarray(linalg_ops.svd(self.to_dense(), compute_uv=False)._value)
        if s.size and np.any(s.min(-1) <= np.finfo(s.dtype).eps * s.max(-1) * max(self._shape()[-2:])):
            from .errors import InvalidArgumentError

            raise InvalidArgumentError(f"{self.name}: singular matrix (smallest singular value {s.min():g}).")

    def assert_positive_definite(self, name: str = "assert_positive_definite") -> None:
        from .errors import InvalidArgumentError

        a = np.asarray(self.to_dense()._value)
        h = (a + np.conj(np.swapaxes(a, -1, -2))) / 2
        if a.size and np.any(np.linalg.eigvalsh(h) <= 0):
            raise InvalidArgumentError(f"{self.name}: not positive definite (its Hermitian part has a non-positive "
                                       "eigenvalue).")

    def assert_self_adjoint(self, name: str = "assert_self_adjoint") -> None:
        from .errors import InvalidArgumentError

        a = np.asarray(self.to_dense()._value)
        if not np.allclose(a, np.conj(np.swapaxes(a, -1, -2))):
            raise InvalidArgumentError(f"{self.name}: the matrix is not equal to its adjoint.")


# -- operator products -------------------------------------------------------------------------------------------


def _matmul_operators(a: LinearOperator, b: LinearOperator) -> LinearOperator:
    """TF's registered products: identities vanish, diagonal-like factors merge; anything else composes."""
    if isinstance(a, LinearOperatorIdentity) and not isinstance(a, LinearOperatorScaledIdentity):
        return b
    if isinstance(b, LinearOperatorIdentity) and not isinstance(b, LinearOperatorScaledIdentity):
        return a
    if isinstance(a, LinearOperatorScaledIdentity) and isinstance(b, LinearOperatorScaledIdentity):
        return LinearOperatorScaledIdentity(a.domain_dimension, a.multiplier * b.multiplier,
                                            is_non_singular=_and(a.is_non_singular, b.is_non_singular),
                                            is_self_adjoint=_and(a.is_self_adjoint, b.is_self_adjoint),
                                            is_positive_definite=_and(a.is_positive_definite,
                                                                      b.is_positive_definite),
                                            is_square=True)
    if isinstance(a, (LinearOperatorDiag, LinearOperatorScaledIdentity)) and \
            isinstance(b, (LinearOperatorDiag, LinearOperatorScaledIdentity)):
        return LinearOperatorDiag(a.diag_part() * b.diag_part(),
                                  is_non_singular=_and(a.is_non_singular, b.is_non_singular),
                                  is_self_adjoint=_and(a.is_self_adjoint, b.is_self_adjoint),
                                  is_positive_definite=_and(a.is_positive_definite, b.is_positive_definite),
                                  is_square=True)
    if isinstance(a, (LinearOperatorDiag, LinearOperatorScaledIdentity)) and isinstance(
            b, LinearOperatorLowerTriangular):
        return LinearOperatorLowerTriangular(a.diag_part()[..., :, None] * b.to_dense(),
                                             is_non_singular=_and(a.is_non_singular, b.is_non_singular),
                                             is_square=True)
    if isinstance(a, LinearOperatorLowerTriangular) and isinstance(
            b, (LinearOperatorDiag, LinearOperatorScaledIdentity)):
        return LinearOperatorLowerTriangular(a.to_dense() * b.diag_part()[..., None, :],
                                             is_non_singular=_and(a.is_non_singular, b.is_non_singular),
                                             is_square=True)
    return LinearOperatorComposition([a, b])


def _hint_params(is_non_singular: Any, is_self_adjoint: Any, is_positive_definite: Any, is_square: Any,
                 name: Any, **args: Any) -> dict[str, Any]:
    """An operator's ``parameters``: its constructor arguments (as given, not as inferred)."""
    return {**args, "is_non_singular": is_non_singular, "is_self_adjoint": is_self_adjoint,
            "is_positive_definite": is_positive_definite, "is_square": is_square, "name": name}


def _and(*flags: bool | None) -> bool | None:
    return True if all(f is True for f in flags) else None


# -- dense and diagonal-like operators ---------------------------------------------------------------------------


def _float_tensor(x: Any, what: str, allow_int: bool = False) -> Tensor:
    t = _t(x)
    if not allow_int and t._value.dtype.kind not in "fcV":
        raise TypeError(f"{what}: expected a floating-point or complex tensor, got {t.dtype.name}.")
    return t


class LinearOperatorFullMatrix(LinearOperator):
    """An operator backed by a dense ``[..., M, N]`` matrix.

    >>> import tapegrad as tf
    >>> tf.linalg.LinearOperatorFullMatrix(tf.eye(2) * 3.0).determinant().numpy().item()
    9.0
    """

    def __init__(self, matrix: Any, is_non_singular: bool | None = None, is_self_adjoint: bool | None = None,
                 is_positive_definite: bool | None = None, is_square: bool | None = None,
                 name: str = "LinearOperatorFullMatrix"):
        m = _float_tensor(matrix, "LinearOperatorFullMatrix")
        if len(_shape_of(m)) < 2:
            raise ValueError(f"LinearOperatorFullMatrix: matrix must have rank >= 2, got shape {list(_shape_of(m))}.")
        self._matrix = m
        super().__init__(m.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, matrix=matrix))

    def _shape(self) -> tuple[int, ...]:
        return _shape_of(self._matrix)

    def _to_dense(self) -> Tensor:
        return self._matrix

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        if self.is_positive_definite and self.is_self_adjoint:
            rhs = _adj(rhs) if adjoint_arg else rhs
            chol = linalg_ops.cholesky(_broadcast_batch(self._matrix, _shape_of(rhs)[:-2]))
            return linalg_ops.cholesky_solve(chol, _broadcast_batch(rhs, _shape_of(chol)[:-2]))
        return super()._solve(rhs, adjoint, adjoint_arg)


class LinearOperatorDiag(LinearOperator):
    """A (batch of) diagonal operator(s) ``diag(d)``; real diagonals are self-adjoint.

    >>> import tapegrad as tf
    >>> tf.linalg.LinearOperatorDiag(tf.constant([2.0, 4.0])).solvevec(tf.constant([2.0, 2.0])).numpy().tolist()
    [1.0, 0.5]
    """

    def __init__(self, diag: Any, is_non_singular: bool | None = None, is_self_adjoint: bool | None = None,
                 is_positive_definite: bool | None = None, is_square: bool | None = None,
                 name: str = "LinearOperatorDiag"):
        d = _float_tensor(diag, "LinearOperatorDiag")
        if len(_shape_of(d)) < 1:
            raise ValueError("LinearOperatorDiag: diag must have rank >= 1, got a scalar.")
        if is_square is False:
            raise ValueError("Only square diagonal operators currently supported.")
        params = _hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square, name, diag=diag)
        if d._value.dtype.kind != "c":
            if is_self_adjoint is False:
                raise ValueError("A real diagonal operator is always self adjoint.")
            is_self_adjoint = True
        self._diag = d
        super().__init__(d.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name, parameters=params)

    @property
    def diag(self) -> Tensor:
        return self._diag

    def _shape(self) -> tuple[int, ...]:
        s = _shape_of(self._diag)
        return s + (s[-1],)

    def _to_dense(self) -> Tensor:
        return linalg_ops.diag(self._diag)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        d = core.conj(self._diag) if adjoint else self._diag
        x = _adj(x) if adjoint_arg else x
        return d[..., :, None] * x

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        d = core.conj(self._diag) if adjoint else self._diag
        rhs = _adj(rhs) if adjoint_arg else rhs
        return rhs / d[..., :, None]

    def _determinant(self) -> Tensor:
        return reductions.reduce_prod(self._diag, axis=-1)

    def _log_abs_determinant(self) -> Tensor:
        out = reductions.reduce_sum(unary_math.log(unary_math.abs(self._diag)), axis=-1)
        return core.cast(out, self.dtype) if self.dtype.is_complex else out

    def _diag_part(self) -> Tensor:
        return self._diag

    def _eigvals(self) -> Tensor:
        return self._diag

    def add_to_tensor(self, x: Any, name: str = "add_to_tensor") -> Tensor:
        x = _t(x)
        self._check_input_dtype(x)
        return linalg_ops.set_diag(x, linalg_ops.diag_part(x) + self._diag)

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorDiag(core.conj(self._diag), is_non_singular=self.is_non_singular,
                                  is_self_adjoint=self.is_self_adjoint,
                                  is_positive_definite=self.is_positive_definite, is_square=True)

    def _inverse(self) -> LinearOperator:
        return LinearOperatorDiag(1.0 / self._diag, is_non_singular=self.is_non_singular,
                                  is_self_adjoint=self.is_self_adjoint,
                                  is_positive_definite=self.is_positive_definite, is_square=True)

    def _cholesky(self) -> LinearOperator:
        return LinearOperatorDiag(unary_math.sqrt(self._diag), is_non_singular=True, is_self_adjoint=True,
                                  is_positive_definite=True, is_square=True)


class LinearOperatorLowerTriangular(LinearOperator):
    """A lower-triangular operator: only the lower triangle of ``tril`` is read.

    >>> import tapegrad as tf
    >>> l = tf.linalg.LinearOperatorLowerTriangular(tf.constant([[2.0, 9.0], [1.0, 4.0]]))
    >>> l.to_dense().numpy().tolist(), float(l.determinant())
    ([[2.0, 0.0], [1.0, 4.0]], 8.0)
    """

    def __init__(self, tril: Any, is_non_singular: bool | None = None, is_self_adjoint: bool | None = None,
                 is_positive_definite: bool | None = None, is_square: bool | None = None,
                 name: str = "LinearOperatorLowerTriangular"):
        t = _float_tensor(tril, "LinearOperatorLowerTriangular")
        if is_square is False:
            raise ValueError("Only square lower triangular operators supported at this time.")
        s = _shape_of(t)
        if len(s) < 2 or s[-1] != s[-2]:
            raise ValueError(f"LinearOperatorLowerTriangular: tril must be square, got shape {list(s)}.")
        self._tril = linalg_ops.band_part(t, -1, 0)
        super().__init__(t.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, tril=tril))

    def _shape(self) -> tuple[int, ...]:
        return _shape_of(self._tril)

    def _to_dense(self) -> Tensor:
        return self._tril

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        rhs = _adj(rhs) if adjoint_arg else rhs
        a = _broadcast_batch(self._tril, _shape_of(rhs)[:-2])
        return linalg_ops.triangular_solve(a, _broadcast_batch(rhs, _shape_of(a)[:-2]), lower=True, adjoint=adjoint)

    def _diag_part(self) -> Tensor:
        return linalg_ops.diag_part(self._tril)

    def _determinant(self) -> Tensor:
        return reductions.reduce_prod(self._diag_part(), axis=-1)

    def _log_abs_determinant(self) -> Tensor:
        out = reductions.reduce_sum(unary_math.log(unary_math.abs(self._diag_part())), axis=-1)
        return core.cast(out, self.dtype) if self.dtype.is_complex else out


class LinearOperatorIdentity(LinearOperator):
    """The identity ``I`` of ``num_rows`` rows (with an optional ``batch_shape``), float32 unless ``dtype``.

    >>> import tapegrad as tf
    >>> tf.linalg.LinearOperatorIdentity(2, dtype=tf.float64).matvec(tf.constant([3.0, 4.0], tf.float64)).numpy()
    array([3., 4.])
    """

    def __init__(self, num_rows: Any, batch_shape: Any = None, dtype: Any = None, is_non_singular: bool = True,
                 is_self_adjoint: bool = True, is_positive_definite: bool = True, is_square: bool = True,
                 assert_proper_shapes: bool = False, name: str = "LinearOperatorIdentity"):
        for flag, what in ((is_non_singular, "non-singular"), (is_self_adjoint, "self-adjoint"),
                           (is_positive_definite, "positive definite"), (is_square, "square")):
            if not flag:
                raise ValueError(f"An identity operator is always {what}.")
        self._num_rows = _static_int(num_rows, "num_rows")
        self._batch = () if batch_shape is None else tuple(_static_int(b, "batch_shape") for b in (
            np.asarray(batch_shape._value if isinstance(batch_shape, _TensorLike) else batch_shape).reshape(-1)))
        super().__init__(dtype or _dtypes.float32, is_non_singular=True, is_self_adjoint=True,
                         is_positive_definite=True, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, num_rows=num_rows, batch_shape=batch_shape, dtype=dtype,
                                                 assert_proper_shapes=assert_proper_shapes))

    def _shape(self) -> tuple[int, ...]:
        return self._batch + (self._num_rows, self._num_rows)

    def _ones_diag(self) -> Tensor:
        return core.cast(core.ones(self._batch + (self._num_rows,)), self.dtype)

    def _to_dense(self) -> Tensor:
        return linalg_ops.diag(self._ones_diag())

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        x = _adj(x) if adjoint_arg else x
        return _broadcast_batch(x, self._batch)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._matmul(rhs, adjoint, adjoint_arg)

    def _determinant(self) -> Tensor:
        return core.cast(core.ones(self._batch), self.dtype)

    def _log_abs_determinant(self) -> Tensor:
        return core.cast(core.zeros(self._batch), self.dtype)

    def _diag_part(self) -> Tensor:
        return self._ones_diag()

    def _eigvals(self) -> Tensor:
        return self._ones_diag()

    def add_to_tensor(self, x: Any, name: str = "add_to_tensor") -> Tensor:
        x = _t(x)
        self._check_input_dtype(x)
        return linalg_ops.set_diag(x, linalg_ops.diag_part(x) + self._ones_diag())

    def _adjoint(self) -> LinearOperator:
        return self

    def _inverse(self) -> LinearOperator:
        return self

    def _cholesky(self) -> LinearOperator:
        return self


class LinearOperatorScaledIdentity(LinearOperatorIdentity):
    """``multiplier * I`` (``multiplier`` may carry a batch shape).

    >>> import tapegrad as tf
    >>> op = tf.linalg.LinearOperatorScaledIdentity(3, tf.constant(2.0))
    >>> float(op.determinant()), op.inverse().multiplier.numpy().item()
    (8.0, 0.5)
    """

    def __init__(self, num_rows: Any, multiplier: Any, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool = True, assert_proper_shapes: bool = False,
                 name: str = "LinearOperatorScaledIdentity"):
        if not is_square:
            raise ValueError("A ScaledIdentity operator is always square.")
        m = _float_tensor(multiplier, "LinearOperatorScaledIdentity")
        self._multiplier = m
        if m._value.dtype.kind != "c":
            if is_self_adjoint is False:
                raise ValueError("A real scaled identity operator is always self adjoint.")
            is_self_adjoint = True
        self._num_rows = _static_int(num_rows, "num_rows")
        self._batch = _shape_of(m)
        LinearOperator.__init__(self, m.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                                is_positive_definite=is_positive_definite, is_square=True, name=name,
                                parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite,
                                                        is_square, name, num_rows=num_rows, multiplier=multiplier,
                                                        assert_proper_shapes=assert_proper_shapes))

    @property
    def multiplier(self) -> Tensor:
        return self._multiplier

    def _ones_diag(self) -> Tensor:
        return self._multiplier[..., None] * core.cast(core.ones((self._num_rows,)), self.dtype)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        m = core.conj(self._multiplier) if adjoint else self._multiplier
        x = _adj(x) if adjoint_arg else x
        return m[..., None, None] * x

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        m = core.conj(self._multiplier) if adjoint else self._multiplier
        rhs = _adj(rhs) if adjoint_arg else rhs
        return rhs / m[..., None, None]

    def _determinant(self) -> Tensor:
        return self._multiplier ** core.cast(core.constant(self._num_rows), self.dtype)

    def _log_abs_determinant(self) -> Tensor:
        out = self._num_rows * unary_math.log(unary_math.abs(self._multiplier))
        return core.cast(out, self.dtype) if self.dtype.is_complex else out

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorScaledIdentity(self._num_rows, core.conj(self._multiplier),
                                            is_non_singular=self.is_non_singular,
                                            is_self_adjoint=self.is_self_adjoint,
                                            is_positive_definite=self.is_positive_definite)

    def _inverse(self) -> LinearOperator:
        return LinearOperatorScaledIdentity(self._num_rows, 1.0 / self._multiplier,
                                            is_non_singular=self.is_non_singular,
                                            is_self_adjoint=self.is_self_adjoint,
                                            is_positive_definite=self.is_positive_definite)

    def _cholesky(self) -> LinearOperator:
        return LinearOperatorScaledIdentity(self._num_rows, unary_math.sqrt(self._multiplier),
                                            is_non_singular=True, is_self_adjoint=True, is_positive_definite=True)


def _static_int(v: Any, what: str) -> int:
    a = np.asarray(v._value if isinstance(v, _TensorLike) else v)
    if a.dtype.kind not in "iu" or a.ndim != 0:
        raise TypeError(f"LinearOperator: {what} must be a non-negative integer scalar, got {v!r}.")
    if int(a) < 0:
        raise ValueError(f"LinearOperator: {what} must be non-negative, got {int(a)}.")
    return int(a)


class LinearOperatorZeros(LinearOperator):
    """The all-zero ``[num_rows, num_columns]`` operator (a rectangular one needs ``is_square=False`` and
    ``is_self_adjoint=False``, as TF).

    >>> import tapegrad as tf
    >>> z = tf.linalg.LinearOperatorZeros(2, 3, is_square=False, is_self_adjoint=False)
    >>> z.matmul(tf.ones([3, 1])).numpy().tolist()
    [[0.0], [0.0]]
    """

    def __init__(self, num_rows: Any, num_columns: Any = None, batch_shape: Any = None, dtype: Any = None,
                 is_non_singular: bool = False, is_self_adjoint: bool = True, is_positive_definite: bool = False,
                 is_square: bool = True, assert_proper_shapes: bool = False, name: str = "LinearOperatorZeros"):
        if is_non_singular:
            raise ValueError("A Zeros operator is always singular.")
        if is_positive_definite:
            raise ValueError("A Zeros operator is never positive definite.")
        self._rows = _static_int(num_rows, "num_rows")
        self._cols = self._rows if num_columns is None else _static_int(num_columns, "num_columns")
        self._batch = () if batch_shape is None else tuple(int(b) for b in np.asarray(
            batch_shape._value if isinstance(batch_shape, _TensorLike) else batch_shape).reshape(-1))
        square = self._rows == self._cols
        if is_square and not square:
            raise ValueError(f"LinearOperatorZeros initialized as is_square=True, but got num_rows({self._rows}) != "
                             f"num_columns({self._cols}); pass is_square=False for a rectangular operator.")
        if is_self_adjoint and not square:
            raise ValueError("A rectangular Zeros operator cannot be self adjoint; pass is_self_adjoint=False.")
        super().__init__(dtype or _dtypes.float32, is_non_singular=False,
                         is_self_adjoint=bool(is_self_adjoint) and square, is_positive_definite=False,
                         is_square=square, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, num_rows=num_rows, num_columns=num_columns,
                                                 batch_shape=batch_shape, dtype=dtype,
                                                 assert_proper_shapes=assert_proper_shapes))

    def _shape(self) -> tuple[int, ...]:
        return self._batch + (self._rows, self._cols)

    def _to_dense(self) -> Tensor:
        return core.cast(core.zeros(self._shape()), self.dtype)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        x = _adj(x) if adjoint_arg else x
        rows = self._cols if adjoint else self._rows
        batch = _bshape(_shape_of(x)[:-2], self._batch)
        return core.zeros_like(x[..., :1, :]) * 0 + core.cast(core.zeros(batch + (rows, _shape_of(x)[-1])),
                                                               self.dtype)

    def _determinant(self) -> Tensor:
        return core.cast(core.zeros(self._batch), self.dtype)

    def _log_abs_determinant(self) -> Tensor:
        return core.cast(creation.fill(list(self._batch), -np.inf), self.dtype)

    def _diag_part(self) -> Tensor:
        return core.cast(core.zeros(self._batch + (min(self._rows, self._cols),)), self.dtype)

    def add_to_tensor(self, x: Any, name: str = "add_to_tensor") -> Tensor:
        return _t(x)

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorZeros(self._cols, self._rows, batch_shape=self._batch or None, dtype=self.dtype)


# -- wrappers: adjoint, inversion, composition ---------------------------------------------------------------------


class _Wrapper(LinearOperator):
    """An operator defined by one other (its adjoint or inverse): hints are the wrapped operator's, and may only
    be restated, not contradicted."""

    _suffix = ""

    def __init__(self, operator: LinearOperator, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str | None = None):
        self._operator = operator
        name = name or f"{operator.name}{self._suffix}"
        super().__init__(operator.dtype,
                         is_non_singular=_inherit(operator.is_non_singular, is_non_singular, "non-singular"),
                         is_self_adjoint=_inherit(operator.is_self_adjoint, is_self_adjoint, "self-adjoint"),
                         is_positive_definite=_inherit(operator.is_positive_definite, is_positive_definite,
                                                       "positive-definite"),
                         is_square=_inherit(operator.is_square, is_square, "square"), name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, operator=operator))

    @property
    def operator(self) -> LinearOperator:
        return self._operator


def _inherit(op_hint: bool | None, hint: bool | None, what: str) -> bool | None:
    if op_hint is not None and hint is not None and op_hint != hint:
        raise ValueError(f"An operator is {what} if and only if its wrapped operator is; got {hint} and the "
                         f"operator's hint {op_hint}.")
    return op_hint if hint is None else hint


class LinearOperatorAdjoint(_Wrapper):
    """The adjoint ``A^H`` of an operator (lazy: products use ``A``'s own ``adjoint=True`` paths).

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorFullMatrix(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    >>> tf.linalg.LinearOperatorAdjoint(a).to_dense().numpy().tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """

    _suffix = "_adjoint"

    def _shape(self) -> tuple[int, ...]:
        s = self._operator._shape()
        return s[:-2] + (s[-1], s[-2])

    def _to_dense(self) -> Tensor:
        return _adj(self._operator.to_dense())

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._operator._matmul(x, not adjoint, adjoint_arg)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._operator._solve(rhs, not adjoint, adjoint_arg)

    def _determinant(self) -> Tensor:
        return core.conj(self._operator.determinant())

    def _log_abs_determinant(self) -> Tensor:
        return self._operator.log_abs_determinant()

    def _diag_part(self) -> Tensor:
        return core.conj(self._operator.diag_part())

    def _adjoint(self) -> LinearOperator:
        return self._operator

    def _inverse(self) -> LinearOperator:
        return LinearOperatorAdjoint(self._operator.inverse())


class LinearOperatorInversion(_Wrapper):
    """The inverse ``A^{-1}`` of a square, non-singular operator (products are ``A``'s solves).

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorFullMatrix(tf.constant([[2.0, 0.0], [0.0, 4.0]]), is_non_singular=True)
    >>> tf.linalg.LinearOperatorInversion(a).to_dense().numpy().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """

    _suffix = "_inv"

    def __init__(self, operator: LinearOperator, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str | None = None):
        if operator.is_square is False:
            raise ValueError("Cannot take the Inverse: This operator represents a non square matrix.")
        if operator.is_non_singular is False:
            raise ValueError("Cannot take the Inverse: This operator represents a singular matrix.")
        super().__init__(operator, is_non_singular, is_self_adjoint, is_positive_definite, is_square, name)

    def _shape(self) -> tuple[int, ...]:
        return self._operator._shape()

    def _to_dense(self) -> Tensor:
        return linalg_ops.inv(self._operator.to_dense())

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._operator._solve(x, adjoint, adjoint_arg)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._operator._matmul(rhs, adjoint, adjoint_arg)

    def _determinant(self) -> Tensor:
        return 1.0 / self._operator.determinant()

    def _log_abs_determinant(self) -> Tensor:
        return -self._operator.log_abs_determinant()

    def _inverse(self) -> LinearOperator:
        return self._operator

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorInversion(self._operator.adjoint())


class LinearOperatorComposition(LinearOperator):
    """The product ``A_1 A_2 ... A_k`` of operators (applied right to left), never formed densely for products.

    >>> import tapegrad as tf
    >>> d = tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0]))
    >>> c = tf.linalg.LinearOperatorComposition([d, d])
    >>> c.name, c.matvec(tf.constant([1.0, 1.0])).numpy().tolist()
    ('LinearOperatorDiag_o_LinearOperatorDiag', [1.0, 4.0])
    """

    def __init__(self, operators: Sequence[LinearOperator], is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str | None = None):
        ops = list(operators)
        if not ops:
            raise ValueError(f"Expected a non-empty list of operators. Found: {ops}")
        if len({o.dtype for o in ops}) > 1:
            raise TypeError(f"Expected all operators to have the same dtype. Found {[o.dtype.name for o in ops]}.")
        for a, b in zip(ops[:-1], ops[1:]):
            if a.domain_dimension != b.range_dimension:
                raise ValueError(f"Operators are incompatible: {a.name} has domain dimension {a.domain_dimension} "
                                 f"but {b.name} has range dimension {b.range_dimension}.")
        if all(o.is_non_singular for o in ops):
            if is_non_singular is False:
                raise ValueError("The composition of non-singular operators is always non-singular.")
            is_non_singular = True
        if is_self_adjoint is None and _composition_self_adjoint(ops):
            is_self_adjoint = True
        if is_positive_definite is None and is_self_adjoint and all(o.is_positive_definite for o in ops) and \
                all(isinstance(o, (LinearOperatorDiag, LinearOperatorIdentity)) for o in ops):
            is_positive_definite = True
        self._operators = ops
        name = name or "_o_".join(o.name for o in ops)
        super().__init__(ops[0].dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, operators=operators))

    @property
    def operators(self) -> list[LinearOperator]:
        return list(self._operators)

    def _shape(self) -> tuple[int, ...]:
        batch = _bshape(*[o._shape()[:-2] for o in self._operators])
        return batch + (self._operators[0].range_dimension, self._operators[-1].domain_dimension)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        ops = self._operators if adjoint else self._operators[::-1]
        out = ops[0]._matmul(x, adjoint, adjoint_arg)
        for o in ops[1:]:
            out = o._matmul(out, adjoint, False)
        return out

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        ops = self._operators[::-1] if adjoint else self._operators
        out = ops[0]._solve(rhs, adjoint, adjoint_arg)
        for o in ops[1:]:
            out = o._solve(out, adjoint, False)
        return out

    def _to_dense(self) -> Tensor:
        out = self._operators[-1].to_dense()
        for o in self._operators[-2::-1]:
            out = o._matmul(_broadcast_batch(out, o._shape()[:-2]), False, False)
        return out

    def _determinant(self) -> Tensor:
        if all(o.is_square for o in self._operators):
            out = self._operators[0].determinant()
            for o in self._operators[1:]:
                out = out * o.determinant()
            return out
        return super()._determinant()

    def _log_abs_determinant(self) -> Tensor:
        if all(o.is_square for o in self._operators):
            out = self._operators[0].log_abs_determinant()
            for o in self._operators[1:]:
                out = out + o.log_abs_determinant()
            return out
        return super()._log_abs_determinant()

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorComposition([o.adjoint() for o in self._operators[::-1]],
                                         is_non_singular=self.is_non_singular, is_square=self._is_square_set)


def _composition_self_adjoint(ops: list[LinearOperator]) -> bool:
    """TF's rule: one self-adjoint operator, self-adjoint diagonal-like factors (they commute), or a palindrome
    ``A B A^H`` of self-adjoint middles."""
    if len(ops) == 1:
        return bool(ops[0].is_self_adjoint)
    if all(isinstance(o, (LinearOperatorDiag, LinearOperatorIdentity)) and o.is_self_adjoint for o in ops):
        return True
    return False


# -- block and Kronecker structure ----------------------------------------------------------------------------------


def _same_dtype(ops: list[LinearOperator]) -> None:
    if not ops:
        raise ValueError(f"Expected a non-empty list of operators. Found: {ops}")
    if len({o.dtype for o in ops}) > 1:
        raise TypeError(f"Expected all operators to have the same dtype. Found {[o.dtype.name for o in ops]}.")


def _dense_batch(op: LinearOperator, batch: tuple[int, ...]) -> Tensor:
    return _broadcast_batch(op.to_dense(), batch)


class LinearOperatorBlockDiag(LinearOperator):
    """The block-diagonal operator ``diag(A_1, ..., A_k)`` (blocks may be rectangular).

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorDiag(tf.constant([2.0]))
    >>> b = tf.linalg.LinearOperatorFullMatrix(tf.constant([[1.0, 1.0], [0.0, 1.0]]))
    >>> tf.linalg.LinearOperatorBlockDiag([a, b]).to_dense().numpy().tolist()
    [[2.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """

    def __init__(self, operators: Sequence[LinearOperator], is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = True, name: str | None = None):
        ops = list(operators)
        _same_dtype(ops)
        for attr, val, what in (("is_non_singular", is_non_singular, "non-singular"),
                                ("is_self_adjoint", is_self_adjoint, "self-adjoint"),
                                ("is_positive_definite", is_positive_definite, "positive definite")):
            if all(getattr(o, attr) for o in ops):
                if val is False:
                    raise ValueError(f"The direct sum of {what} operators is always {what}.")
        if all(o.is_non_singular for o in ops):
            is_non_singular = True
        if all(o.is_self_adjoint for o in ops):
            is_self_adjoint = True
        if all(o.is_positive_definite for o in ops):
            is_positive_definite = True
        self._operators = ops
        name = name or "_ds_".join(o.name for o in ops)
        square = all(o.is_square for o in ops)
        super().__init__(ops[0].dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True if square else is_square,
                         name=name, parameters=_hint_params(is_non_singular, is_self_adjoint,
                                                            is_positive_definite, is_square, name,
                                                            operators=operators))

    @property
    def operators(self) -> list[LinearOperator]:
        return list(self._operators)

    def _shape(self) -> tuple[int, ...]:
        batch = _bshape(*[o._shape()[:-2] for o in self._operators])
        return batch + (sum(o.range_dimension for o in self._operators),
                        sum(o.domain_dimension for o in self._operators))

    def _to_dense(self) -> Tensor:
        batch = self._shape()[:-2]
        n = self.domain_dimension
        rows, left = [], 0
        for o in self._operators:
            d = _dense_batch(o, batch)
            m, k = o.range_dimension, o.domain_dimension
            parts = [d]
            if left:
                parts.insert(0, core.cast(core.zeros(batch + (m, left)), self.dtype))
            if n - left - k:
                parts.append(core.cast(core.zeros(batch + (m, n - left - k)), self.dtype))
            rows.append(joining.concat(parts, axis=-1) if len(parts) > 1 else d)
            left += k
        return joining.concat(rows, axis=-2)

    def _split_apply(self, x: Tensor, adjoint: bool, adjoint_arg: bool, solve: bool) -> Tensor:
        x = _adj(x) if adjoint_arg else x
        outs, start = [], 0
        for o in self._operators:
            k = o.range_dimension if adjoint else o.domain_dimension
            xi = x[..., start:start + k, :]
            outs.append(o._solve(xi, adjoint, False) if solve else o._matmul(xi, adjoint, False))
            start += k
        batch = _bshape(*[_shape_of(t)[:-2] for t in outs])
        return joining.concat([_broadcast_batch(t, batch) for t in outs], axis=-2)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._split_apply(x, adjoint, adjoint_arg, solve=False)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._split_apply(rhs, adjoint, adjoint_arg, solve=True)

    def _determinant(self) -> Tensor:
        out = self._operators[0].determinant()
        for o in self._operators[1:]:
            out = out * o.determinant()
        return out

    def _log_abs_determinant(self) -> Tensor:
        out = self._operators[0].log_abs_determinant()
        for o in self._operators[1:]:
            out = out + o.log_abs_determinant()
        return out

    def _diag_part(self) -> Tensor:
        if not all(o.is_square for o in self._operators):
            raise NotImplementedError("`diag_part` not implemented for an operator whose blocks are not square.")
        parts = [o.diag_part() for o in self._operators]
        batch = _bshape(*[_shape_of(t)[:-1] for t in parts])
        return joining.concat([core.broadcast_to(t, batch + _shape_of(t)[-1:]) for t in parts], axis=-1)

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorBlockDiag([o.adjoint() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=True)

    def _inverse(self) -> LinearOperator:
        return LinearOperatorBlockDiag([o.inverse() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=True)

    def _cholesky(self) -> LinearOperator:
        return LinearOperatorBlockDiag([o.cholesky() for o in self._operators], is_non_singular=True,
                                       is_square=True)


def _kron_dense(a: Tensor, b: Tensor) -> Tensor:
    sa, sb = _shape_of(a), _shape_of(b)
    batch = _bshape(sa[:-2], sb[:-2])
    prod = a[..., :, None, :, None] * b[..., None, :, None, :]
    return shape_ops.reshape(prod, batch + (sa[-2] * sb[-2], sa[-1] * sb[-1]))


class LinearOperatorKronecker(LinearOperator):
    """The Kronecker product ``A_1 ⊗ A_2 ⊗ ... ⊗ A_k``; ``matmul`` never forms it (one factor per axis).

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0]))
    >>> b = tf.linalg.LinearOperatorFullMatrix(tf.constant([[0.0, 1.0], [1.0, 0.0]]))
    >>> k = tf.linalg.LinearOperatorKronecker([a, b])
    >>> k.shape.as_list(), float(k.determinant())
    ([4, 4], 4.0)
    """

    def __init__(self, operators: Sequence[LinearOperator], is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str | None = None):
        ops = list(operators)
        _same_dtype(ops)
        if all(o.is_non_singular for o in ops):
            if is_non_singular is False:
                raise ValueError("The Kronecker product of non-singular operators is always non-singular.")
            is_non_singular = True
        if all(o.is_self_adjoint for o in ops):
            if is_self_adjoint is False:
                raise ValueError("The Kronecker product of self-adjoint operators is always self-adjoint.")
            is_self_adjoint = True
        self._operators = ops
        name = name or "_x_".join(o.name for o in ops)
        super().__init__(ops[0].dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite,
                                                 is_square, name, operators=operators))

    @property
    def operators(self) -> list[LinearOperator]:
        return list(self._operators)

    def _shape(self) -> tuple[int, ...]:
        batch = _bshape(*[o._shape()[:-2] for o in self._operators])
        return batch + (int(np.prod([o.range_dimension for o in self._operators])),
                        int(np.prod([o.domain_dimension for o in self._operators])))

    def _to_dense(self) -> Tensor:
        out = self._operators[0].to_dense()
        for o in self._operators[1:]:
            out = _kron_dense(out, o.to_dense())
        return out

    def _apply(self, x: Tensor, adjoint: bool, adjoint_arg: bool, solve: bool) -> Tensor:
        # (A_1 ⊗ ... ⊗ A_k) vec: view each column as a k-way array and apply A_i along axis i
        x = _adj(x) if adjoint_arg else x
        dims_in = [o.range_dimension if adjoint else o.domain_dimension for o in self._operators]
        batch, cols = _shape_of(x)[:-2], _shape_of(x)[-1]
        y = shape_ops.reshape(x, batch + tuple(dims_in) + (cols,))
        nb, k = len(batch), len(dims_in)
        for i, o in enumerate(self._operators):
            # move axis i to the front of the trailing block: [..., d_i, rest]
            cur = _shape_of(y)
            b = cur[:-(k + 1)]
            nbi = len(b)
            perm = list(range(nbi)) + [nbi + i] + [nbi + j for j in range(k + 1) if j != i]
            yt = shape_ops.transpose(y, perm)
            moved = _shape_of(yt)
            flat = shape_ops.reshape(yt, moved[:nbi + 1] + (-1,))
            r = o._solve(flat, adjoint, False) if solve else o._matmul(flat, adjoint, False)
            rb = _shape_of(r)[:-2]
            r = shape_ops.reshape(r, rb + (_shape_of(r)[-2],) + moved[nbi + 1:])
            inv = list(range(len(rb))) + [len(rb) + 1 + j if j < i else (len(rb) if j == i else len(rb) + j)
                                           for j in range(k)] + [len(rb) + k]
            y = shape_ops.transpose(r, inv)
        out_batch = _shape_of(y)[:-(k + 1)]
        del nb
        return shape_ops.reshape(y, out_batch + (int(np.prod(_shape_of(y)[-(k + 1):-1])), cols))

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._apply(x, adjoint, adjoint_arg, solve=False)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._apply(rhs, adjoint, adjoint_arg, solve=True)

    def _determinant(self) -> Tensor:
        n = self.domain_dimension
        out = None
        for o in self._operators:
            term = o.determinant() ** core.cast(core.constant(n // o.domain_dimension), self.dtype)
            out = term if out is None else out * term
        return out

    def _log_abs_determinant(self) -> Tensor:
        n = self.domain_dimension
        out = None
        for o in self._operators:
            term = o.log_abs_determinant() * (n // o.domain_dimension)
            out = term if out is None else out + term
        return out

    def _diag_part(self) -> Tensor:
        if not all(o.is_square for o in self._operators):
            return super()._diag_part()
        out = self._operators[0].diag_part()
        for o in self._operators[1:]:
            d = o.diag_part()
            prod = out[..., :, None] * d[..., None, :]
            out = shape_ops.reshape(prod, _shape_of(prod)[:-2] + (-1,))
        return out

    def _adjoint(self) -> LinearOperator:
        return LinearOperatorKronecker([o.adjoint() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=True)

    def _inverse(self) -> LinearOperator:
        return LinearOperatorKronecker([o.inverse() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=True)


class LinearOperatorBlockLowerTriangular(LinearOperator):
    """A square block lower-triangular operator; ``operators[i]`` is row ``i``'s ``i + 1`` blocks (the last one
    on the diagonal, square). Solves are block forward substitutions.

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorDiag(tf.constant([2.0]))
    >>> b = tf.linalg.LinearOperatorFullMatrix(tf.constant([[1.0]]))
    >>> tf.linalg.LinearOperatorBlockLowerTriangular([[a], [b, a]]).to_dense().numpy().tolist()
    [[2.0, 0.0], [1.0, 2.0]]
    """

    def __init__(self, operators: Sequence[Sequence[LinearOperator]], is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str = "LinearOperatorBlockLowerTriangular"):
        rows = [list(r) for r in operators]
        if not rows:
            raise ValueError(f"Expected a non-empty list of operators. Found: {rows}")
        for i, r in enumerate(rows):
            if len(r) != i + 1:
                raise ValueError(f"Argument `operators[{i}]` must contain `{i + 1}` blocks, got {len(r)}.")
        flat = [o for r in rows for o in r]
        _same_dtype(flat)
        diag = [r[-1] for r in rows]
        for i, r in enumerate(rows):
            for j, o in enumerate(r):
                if o.range_dimension != diag[i].range_dimension or o.domain_dimension != diag[j].domain_dimension:
                    raise ValueError(f"Block [{i}][{j}] ({o.name}, shape {o.shape.as_list()}) does not match the "
                                     f"diagonal blocks' dimensions ({diag[i].range_dimension} rows, "
                                     f"{diag[j].domain_dimension} columns).")
        if is_square is False:
            raise ValueError("A block lower triangular operator is always square.")
        if all(o.is_non_singular for o in diag):
            if is_non_singular is False:
                raise ValueError("A block lower triangular operator with non-singular diagonal blocks is always "
                                 "non-singular.")
            is_non_singular = True
        self._rows = rows
        super().__init__(flat[0].dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite,
                                                 is_square, name, operators=operators))

    @property
    def operators(self) -> list[list[LinearOperator]]:
        return [list(r) for r in self._rows]

    def _shape(self) -> tuple[int, ...]:
        batch = _bshape(*[o._shape()[:-2] for r in self._rows for o in r])
        n = sum(r[-1].domain_dimension for r in self._rows)
        return batch + (n, n)

    def _to_dense(self) -> Tensor:
        batch = self._shape()[:-2]
        n = self.domain_dimension
        out_rows = []
        for r in self._rows:
            m = r[-1].range_dimension
            parts = [_dense_batch(o, batch) for o in r]
            used = sum(o.domain_dimension for o in r)
            if n - used:
                parts.append(core.cast(core.zeros(batch + (m, n - used)), self.dtype))
            out_rows.append(joining.concat(parts, axis=-1) if len(parts) > 1 else parts[0])
        return joining.concat(out_rows, axis=-2)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        if adjoint:
            return super()._solve(rhs, adjoint, adjoint_arg)
        rhs = _adj(rhs) if adjoint_arg else rhs
        xs: list[Tensor] = []
        start = 0
        for r in self._rows:
            m = r[-1].range_dimension
            b = rhs[..., start:start + m, :]
            for o, xj in zip(r[:-1], xs):
                b = b - o._matmul(xj, False, False)
            xs.append(r[-1]._solve(b, False, False))
            start += m
        batch = _bshape(*[_shape_of(t)[:-2] for t in xs])
        return joining.concat([_broadcast_batch(t, batch) for t in xs], axis=-2)

    def _determinant(self) -> Tensor:
        out = self._rows[0][-1].determinant()
        for r in self._rows[1:]:
            out = out * r[-1].determinant()
        return out

    def _log_abs_determinant(self) -> Tensor:
        out = self._rows[0][-1].log_abs_determinant()
        for r in self._rows[1:]:
            out = out + r[-1].log_abs_determinant()
        return out


# -- low-rank updates, Householder reflections, permutations --------------------------------------------------------


class LinearOperatorLowRankUpdate(LinearOperator):
    """``A + U D V^H`` for a base operator ``A``, ``U`` ``[..., M, K]``, optional diagonal ``D`` (``diag_update``,
    default ones) and ``V`` (default ``U``: a symmetric update).

    >>> import tapegrad as tf
    >>> base = tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0]))
    >>> tf.linalg.LinearOperatorLowRankUpdate(base, tf.constant([[1.0], [2.0]])).to_dense().numpy().tolist()
    [[2.0, 2.0], [2.0, 6.0]]
    """

    def __init__(self, base_operator: LinearOperator, u: Any, diag_update: Any = None, v: Any = None,
                 is_diag_update_positive: bool | None = None, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str = "LinearOperatorLowRankUpdate"):
        dtype = base_operator.dtype
        self._u = _t(u)
        self._v = self._u if v is None else _t(v)
        self._diag_update = None if diag_update is None else _t(diag_update)
        for t, what in ((self._u, "u"), (self._v, "v"), (self._diag_update, "diag_update")):
            if t is not None and t.dtype != dtype:
                raise TypeError(f"LinearOperatorLowRankUpdate: {what} has dtype {t.dtype.name} but the base "
                                f"operator has {dtype.name}.")
        if is_diag_update_positive and self._diag_update is None:
            raise ValueError("is_diag_update_positive=True needs a diag_update.")
        if self._diag_update is None:
            is_diag_update_positive = True
        symmetric = v is None and (self._diag_update is None or not dtype.is_complex)
        if base_operator.is_self_adjoint and symmetric:
            if is_self_adjoint is False:
                raise ValueError("A = L + UDU^H, with L self-adjoint and D real diagonal, is self-adjoint.")
            is_self_adjoint = True
        if base_operator.is_positive_definite and symmetric and is_diag_update_positive:
            if is_positive_definite is False:
                raise ValueError("A = L + UDU^H, with L positive definite and D positive, is positive definite.")
            is_positive_definite = True
        self._base = base_operator
        self._is_diag_update_positive = is_diag_update_positive
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, base_operator=base_operator, u=u, diag_update=diag_update, v=v,
                                                 is_diag_update_positive=is_diag_update_positive))

    @property
    def base_operator(self) -> LinearOperator:
        return self._base

    @property
    def u(self) -> Tensor:
        return self._u

    @property
    def v(self) -> Tensor:
        return self._v

    @property
    def diag_update(self) -> Tensor | None:
        return self._diag_update

    @property
    def is_diag_update_positive(self) -> bool | None:
        return self._is_diag_update_positive

    def _shape(self) -> tuple[int, ...]:
        s = self._base._shape()
        batch = _bshape(s[:-2], _shape_of(self._u)[:-2], _shape_of(self._v)[:-2])
        return batch + s[-2:]

    def _ud(self) -> Tensor:
        return self._u if self._diag_update is None else self._u * self._diag_update[..., None, :]

    def _to_dense(self) -> Tensor:
        upd = _mm.matmul(self._ud(), self._v, adjoint_b=True)
        return arithmetic.add(self._base.to_dense(), upd)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        base = self._base._matmul(x, adjoint, adjoint_arg)
        x = _adj(x) if adjoint_arg else x
        if adjoint:  # (U D V^H)^H x = V conj(D) U^H x
            d = None if self._diag_update is None else core.conj(self._diag_update)
            w = _mm.matmul(self._u, x, adjoint_a=True)
            w = w if d is None else d[..., :, None] * w
            return base + _mm.matmul(self._v, w)
        w = _mm.matmul(self._v, x, adjoint_a=True)
        w = w if self._diag_update is None else self._diag_update[..., :, None] * w
        return base + _mm.matmul(self._u, w)


class LinearOperatorHouseholder(LinearOperator):
    """The reflection ``I - 2 v v^H / (v^H v)`` about the hyperplane orthogonal to ``reflection_axis``
    (self-adjoint, its own inverse, determinant -1).

    >>> import tapegrad as tf
    >>> h = tf.linalg.LinearOperatorHouseholder(tf.constant([1.0, 0.0]))
    >>> h.matvec(tf.constant([3.0, 4.0])).numpy().tolist(), float(h.determinant())
    ([-3.0, 4.0], -1.0)
    """

    def __init__(self, reflection_axis: Any, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str = "LinearOperatorHouseholder"):
        if is_self_adjoint is False:
            raise ValueError("A Householder operator is always self adjoint.")
        if is_non_singular is False:
            raise ValueError("A Householder operator is always non-singular.")
        if is_positive_definite is True:
            raise ValueError("A Householder operator is always non-positive definite.")
        if is_square is False:
            raise ValueError("A Householder operator is always square.")
        self._axis = _float_tensor(reflection_axis, "LinearOperatorHouseholder")
        super().__init__(self._axis.dtype, is_non_singular=is_non_singular, is_self_adjoint=True,
                         is_positive_definite=False, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, reflection_axis=reflection_axis))

    @property
    def reflection_axis(self) -> Tensor:
        return self._axis

    def _shape(self) -> tuple[int, ...]:
        s = _shape_of(self._axis)
        return s + (s[-1],)

    def _unit(self) -> Tensor:
        v = self._axis
        norm2 = reductions.reduce_sum(core.real(v * core.conj(v)) if self.dtype.is_complex else v * v, axis=-1,
                                      keepdims=True)
        return v / core.cast(unary_math.sqrt(norm2), self.dtype)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        x = _adj(x) if adjoint_arg else x
        u = self._unit()[..., :, None]
        return x - 2 * u * _mm.matmul(u, x, adjoint_a=True)

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._matmul(rhs, adjoint, adjoint_arg)

    def _to_dense(self) -> Tensor:
        u = self._unit()
        n = _shape_of(u)[-1]
        eye = core.cast(core.constant(np.eye(n)), self.dtype)
        return eye - 2 * u[..., :, None] * core.conj(u[..., None, :])

    def _determinant(self) -> Tensor:
        return core.cast(-core.ones(_shape_of(self._axis)[:-1]), self.dtype)

    def _log_abs_determinant(self) -> Tensor:
        return core.cast(core.zeros(_shape_of(self._axis)[:-1]), self.dtype)

    def _inverse(self) -> LinearOperator:
        return self

    def _adjoint(self) -> LinearOperator:
        return self


class LinearOperatorPermutation(LinearOperator):
    """The permutation matrix ``P`` with ``P[i, perm[i]] = 1`` (so ``P x = x[perm]``), float32 unless ``dtype``.

    >>> import tapegrad as tf
    >>> p = tf.linalg.LinearOperatorPermutation(tf.constant([2, 0, 1]))
    >>> p.matvec(tf.constant([10.0, 20.0, 30.0])).numpy().tolist(), float(p.determinant())
    ([30.0, 10.0, 20.0], 1.0)
    """

    def __init__(self, perm: Any, dtype: Any = None, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str = "LinearOperatorPermutation"):
        if is_non_singular is False:
            raise ValueError("A Permutation operator is always non-singular.")
        if is_square is False:
            raise ValueError("A Permutation operator is always square.")
        p = _t(perm)
        if p._value.dtype.kind not in "iu":
            raise TypeError(f"LinearOperatorPermutation: perm must be an integer tensor, got {p.dtype.name}.")
        self._perm = p
        super().__init__(dtype or _dtypes.float32, is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                         is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, perm=perm, dtype=dtype))

    @property
    def perm(self) -> Tensor:
        return self._perm

    def _shape(self) -> tuple[int, ...]:
        s = _shape_of(self._perm)
        return s + (s[-1],)

    def _to_dense(self) -> Tensor:
        p = np.asarray(self._perm._value)
        n = p.shape[-1]
        return core.cast(core.constant((p[..., :, None] == np.arange(n)).astype(np.float64)), self.dtype)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        from .ops import indexing

        x = _adj(x) if adjoint_arg else x
        p = np.asarray(self._perm._value)
        idx = np.argsort(p, axis=-1) if adjoint else p
        batch = _bshape(p.shape[:-1], _shape_of(x)[:-2])
        x = _broadcast_batch(x, batch)
        idx = np.broadcast_to(idx, batch + idx.shape[-1:])
        return indexing.gather(x, core.constant(idx.astype(np.int64)), axis=len(batch), batch_dims=len(batch))

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        return self._matmul(rhs, not adjoint, adjoint_arg)

    def _determinant(self) -> Tensor:
        p = np.asarray(self._perm._value).reshape(-1, self._perm._value.shape[-1])
        signs = [np.linalg.det(np.eye(p.shape[-1])[row]) for row in p]
        return core.cast(core.constant(np.round(np.array(signs)).reshape(self._perm._value.shape[:-1])), self.dtype)

    def _log_abs_determinant(self) -> Tensor:
        return core.cast(core.zeros(_shape_of(self._perm)[:-1]), self.dtype)


# -- Toeplitz, tridiagonal, circulant -------------------------------------------------------------------------------


class LinearOperatorToeplitz(LinearOperator):
    """The Toeplitz matrix with first column ``col`` and first row ``row`` (``row[0]`` is ignored: ``col[0]`` is
    the diagonal).

    >>> import tapegrad as tf
    >>> t = tf.linalg.LinearOperatorToeplitz(tf.constant([1.0, 2.0]), tf.constant([9.0, 5.0]))
    >>> t.to_dense().numpy().tolist()
    [[1.0, 5.0], [2.0, 1.0]]
    """

    def __init__(self, col: Any, row: Any, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str = "LinearOperatorToeplitz"):
        self._col = _float_tensor(col, "LinearOperatorToeplitz")
        self._row = _t(row)
        if self._row.dtype != self._col.dtype:
            raise TypeError(f"LinearOperatorToeplitz: col ({self._col.dtype.name}) and row ({self._row.dtype.name}) "
                            "need one dtype.")
        if _shape_of(self._col)[-1] != _shape_of(self._row)[-1]:
            raise ValueError(f"LinearOperatorToeplitz: col and row need one length, got {_shape_of(self._col)} and "
                             f"{_shape_of(self._row)}.")
        if is_square is False:
            raise ValueError("Only square Toeplitz operators currently supported.")
        super().__init__(self._col.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, col=col, row=row))

    @property
    def col(self) -> Tensor:
        return self._col

    @property
    def row(self) -> Tensor:
        return self._row

    def _shape(self) -> tuple[int, ...]:
        b = _bshape(_shape_of(self._col)[:-1], _shape_of(self._row)[:-1])
        n = _shape_of(self._col)[-1]
        return b + (n, n)

    def _to_dense(self) -> Tensor:
        from .ops import indexing

        n = _shape_of(self._col)[-1]
        b = self._shape()[:-2]
        # values [row[n-1], ..., row[1], col[0], ..., col[n-1]]; A[i, j] = values[n - 1 + i - j]
        vals = joining.concat([core.broadcast_to(self._row[..., :0:-1], b + (n - 1,)),
                               core.broadcast_to(self._col, b + (n,))], axis=-1)
        idx = (n - 1) + np.arange(n)[:, None] - np.arange(n)[None, :]
        return indexing.gather(vals, core.constant(idx.astype(np.int64)), axis=-1)


class LinearOperatorTridiag(LinearOperator):
    """A square tridiagonal operator from its diagonals in TF's ``compact`` ``[..., 3, N]``, ``sequence`` (a
    tuple of three ``[..., N]``) or ``matrix`` formats; solves use ``tf.linalg.tridiagonal_solve``.

    >>> import tapegrad as tf
    >>> d = tf.constant([[1.0, 2.0, 0.0], [4.0, 5.0, 6.0], [0.0, 7.0, 8.0]])
    >>> tf.linalg.LinearOperatorTridiag(d).to_dense().numpy().tolist()
    [[4.0, 1.0, 0.0], [7.0, 5.0, 2.0], [0.0, 8.0, 6.0]]
    """

    def __init__(self, diagonals: Any, diagonals_format: str = "compact", is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool | None = None, name: str = "LinearOperatorTridiag"):
        from .ops import linalg_ext

        if diagonals_format not in ("compact", "sequence", "matrix"):
            raise ValueError(f"Diagonals Format must be one of compact, sequence, matrix, got {diagonals_format}.")
        if is_square is False:
            raise ValueError("Only square tridiagonal operators currently supported.")
        self._diagonals = diagonals
        self._format = diagonals_format
        self._compact = linalg_ext._compact(diagonals, diagonals_format, "LinearOperatorTridiag")
        super().__init__(self._compact.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, diagonals=diagonals, diagonals_format=diagonals_format))

    @property
    def diagonals(self) -> Any:
        return self._diagonals

    @property
    def diagonals_format(self) -> str:
        return self._format

    def _shape(self) -> tuple[int, ...]:
        s = _shape_of(self._compact)
        return s[:-2] + (s[-1], s[-1])

    def _to_dense(self) -> Tensor:
        c = self._compact
        return (linalg_ops.diag(c[..., 1, :]) + linalg_ops.diag(c[..., 0, :-1], k=1)
                + linalg_ops.diag(c[..., 2, 1:], k=-1))

    def _adjoint_compact(self) -> Tensor:
        c = core.conj(self._compact)
        z = core.zeros_like(c[..., 0, :1])
        sup = joining.concat([c[..., 2, 1:], z], axis=-1)
        sub = joining.concat([z, c[..., 0, :-1]], axis=-1)
        return joining.stack([sup, c[..., 1, :], sub], axis=-2)

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        from .ops import linalg_ext

        x = _adj(x) if adjoint_arg else x
        c = self._adjoint_compact() if adjoint else self._compact
        batch = _bshape(_shape_of(c)[:-2], _shape_of(x)[:-2])
        return linalg_ext.tridiagonal_matmul(_broadcast_batch(c, batch), _broadcast_batch(x, batch))

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        from .ops import linalg_ext

        rhs = _adj(rhs) if adjoint_arg else rhs
        c = self._adjoint_compact() if adjoint else self._compact
        batch = _bshape(_shape_of(c)[:-2], _shape_of(rhs)[:-2])
        return linalg_ext.tridiagonal_solve(_broadcast_batch(c, batch), _broadcast_batch(rhs, batch))

    def _diag_part(self) -> Tensor:
        return self._compact[..., 1, :]


class _BaseCirculant(LinearOperator):
    """Block-circulant operators of ``block_depth`` levels, given by their spectrum (the DFT of the generating
    kernel): ``A = F^H diag(spectrum) F`` with ``F`` the ``block_depth``-dimensional DFT."""

    _depth = 1

    def __init__(self, spectrum: Any, input_output_dtype: Any, is_non_singular: bool | None,
                 is_self_adjoint: bool | None, is_positive_definite: bool | None, is_square: bool | None,
                 name: str):
        if is_square is False:
            raise ValueError("A circulant operator is always square.")
        sp = _t(spectrum)
        if sp._value.dtype.kind not in "fc":
            raise TypeError(f"{name}: spectrum must be floating-point or complex, got {sp.dtype.name}.")
        if sp._value.dtype.kind == "f":
            if is_self_adjoint is False:
                raise ValueError("A real spectrum always corresponds to a self-adjoint operator.")
            is_self_adjoint = True
        self._spectrum = sp
        dt = _dtypes.as_dtype(input_output_dtype) if input_output_dtype is not None else _dtypes.complex64
        super().__init__(dt, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=_hint_params(is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                                                 name, spectrum=spectrum, input_output_dtype=input_output_dtype))

    @property
    def spectrum(self) -> Tensor:
        return self._spectrum

    @property
    def block_depth(self) -> int:
        return self._depth

    @property
    def block_shape(self) -> TensorShape:
        return TensorShape(list(_shape_of(self._spectrum)[-self._depth:]))

    def block_shape_tensor(self) -> Tensor:
        return core.constant(np.array(_shape_of(self._spectrum)[-self._depth:], np.int32))

    def _complex_spectrum(self) -> Tensor:
        sp = self._spectrum
        ct = _dtypes.complex128 if sp.dtype.name in ("float64", "complex128") or self.dtype.name in (
            "float64", "complex128") else _dtypes.complex64
        return core.cast(sp, ct)

    def _shape(self) -> tuple[int, ...]:
        s = _shape_of(self._spectrum)
        n = int(np.prod(s[-self._depth:]))
        return s[:-self._depth] + (n, n)

    def _fft(self, x: Tensor, inverse: bool) -> Tensor:
        from .ops import spectral

        f = {1: (spectral.fft, spectral.ifft), 2: (spectral.fft2d, spectral.ifft2d)}
        if self._depth in f:
            return f[self._depth][1 if inverse else 0](x)
        from .ops import signal_ext

        return signal_ext.ifft3d(x) if inverse else signal_ext.fft3d(x)

    def _out(self, y: Tensor) -> Tensor:
        return core.cast(core.real(y), self.dtype) if not self.dtype.is_complex else core.cast(y, self.dtype)

    def _kernel(self) -> Tensor:
        return self._fft(self._complex_spectrum(), inverse=True)

    def _to_dense(self) -> Tensor:
        from .ops import indexing

        h = self._kernel()
        dims = _shape_of(self._spectrum)[-self._depth:]
        n = int(np.prod(dims))
        # A[i, j] = h[(i - j) mod dims] in every level (i, j as multi-indices in C order)
        mi = np.array(np.unravel_index(np.arange(n), dims))
        diff = (mi[:, :, None] - mi[:, None, :]) % np.array(dims)[:, None, None]
        flat = np.ravel_multi_index(tuple(diff), dims)
        hb = shape_ops.reshape(h, _shape_of(h)[:-self._depth] + (n,))
        return self._out(indexing.gather(hb, core.constant(flat.astype(np.int64)), axis=-1))

    def _matmul(self, x: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        x = _adj(x) if adjoint_arg else x
        sp = self._complex_spectrum()
        sp = core.conj(sp) if adjoint else sp
        return self._apply_spectrum(x, sp)

    def _apply_spectrum(self, x: Tensor, sp: Tensor) -> Tensor:
        dims = _shape_of(self._spectrum)[-self._depth:]
        xs = _shape_of(x)
        cols = xs[-1]
        # columns become the leading axis of a [..., cols, *dims] array, transformed over the last depth axes
        xt = shape_ops.transpose(core.cast(x, sp.dtype), list(range(len(xs) - 2)) + [len(xs) - 1, len(xs) - 2])
        xt = shape_ops.reshape(xt, xs[:-2] + (cols,) + tuple(dims))
        sb = _shape_of(sp)[:-self._depth]
        spx = shape_ops.reshape(sp, sb + (1,) + tuple(dims))
        y = self._fft(spx * self._fft(xt, inverse=False), inverse=True)
        yb = _shape_of(y)
        y = shape_ops.reshape(y, yb[:-(self._depth + 1)] + (cols, int(np.prod(dims))))
        nd = len(_shape_of(y))
        return self._out(shape_ops.transpose(y, list(range(nd - 2)) + [nd - 1, nd - 2]))

    def _solve(self, rhs: Tensor, adjoint: bool, adjoint_arg: bool) -> Tensor:
        rhs = _adj(rhs) if adjoint_arg else rhs
        sp = self._complex_spectrum()
        sp = core.conj(sp) if adjoint else sp
        return self._apply_spectrum(rhs, 1.0 / sp)

    def _flat_spectrum(self) -> Tensor:
        sp = self._complex_spectrum()
        return shape_ops.reshape(sp, _shape_of(sp)[:-self._depth] + (-1,))

    def _determinant(self) -> Tensor:
        return self._out(reductions.reduce_prod(self._flat_spectrum(), axis=-1))

    def _log_abs_determinant(self) -> Tensor:
        out = reductions.reduce_sum(unary_math.log(unary_math.abs(self._flat_spectrum())), axis=-1)
        return core.cast(out, self.dtype)

    def _diag_part(self) -> Tensor:
        h = self._kernel()
        n = self.domain_dimension
        h0 = shape_ops.reshape(h, _shape_of(h)[:-self._depth] + (n,))[..., :1]
        return self._out(core.broadcast_to(h0, _shape_of(h0)[:-1] + (n,)))

    def _eigvals(self) -> Tensor:
        return core.cast(self._flat_spectrum(), self.dtype) if self.dtype.is_complex else self._out(
            self._flat_spectrum())

    def _circulant_like(self, spectrum: Tensor, **hints: Any) -> LinearOperator:
        cls = type(self)
        return cls(spectrum, input_output_dtype=self.dtype, **hints)

    def _adjoint(self) -> LinearOperator:
        return self._circulant_like(core.conj(self._spectrum) if self._spectrum.dtype.is_complex else self._spectrum,
                                    is_non_singular=self.is_non_singular,
                                    is_self_adjoint=self.is_self_adjoint,
                                    is_positive_definite=self.is_positive_definite)

    def _inverse(self) -> LinearOperator:
        return self._circulant_like(1.0 / self._spectrum, is_non_singular=self.is_non_singular,
                                    is_self_adjoint=self.is_self_adjoint,
                                    is_positive_definite=self.is_positive_definite)


class LinearOperatorCirculant(_BaseCirculant):
    """A circulant operator ``F^H diag(spectrum) F``: ``A[i, j] = h[(i - j) mod n]`` with ``h = ifft(spectrum)``.
    Products and solves are three FFTs; ``input_output_dtype`` defaults to complex64 (a real dtype keeps the real
    part, exact when the spectrum is Hermitian).

    >>> import tapegrad as tf
    >>> c = tf.linalg.LinearOperatorCirculant(tf.constant([4.0, 1.0, 1.0]), input_output_dtype=tf.float32)
    >>> c.to_dense().numpy().round(6).tolist()
    [[2.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 1.0, 2.0]]
    """

    _depth = 1

    def __init__(self, spectrum: Any, input_output_dtype: Any = None, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool = True, name: str = "LinearOperatorCirculant"):
        super().__init__(spectrum, input_output_dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name)


class LinearOperatorCirculant2D(_BaseCirculant):
    """A block-circulant operator with circulant blocks, from a ``[..., N0, N1]`` spectrum (2-D FFTs).

    >>> import tapegrad as tf
    >>> tf.linalg.LinearOperatorCirculant2D(tf.ones([2, 2])).shape.as_list()
    [4, 4]
    """

    _depth = 2

    def __init__(self, spectrum: Any, input_output_dtype: Any = None, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool = True, name: str = "LinearOperatorCirculant2D"):
        super().__init__(spectrum, input_output_dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name)


class LinearOperatorCirculant3D(_BaseCirculant):
    """Three levels of block-circulant structure, from a ``[..., N0, N1, N2]`` spectrum (3-D FFTs).

    >>> import tapegrad as tf
    >>> tf.linalg.LinearOperatorCirculant3D(tf.ones([2, 1, 2])).shape.as_list()
    [4, 4]
    """

    _depth = 3

    def __init__(self, spectrum: Any, input_output_dtype: Any = None, is_non_singular: bool | None = None,
                 is_self_adjoint: bool | None = None, is_positive_definite: bool | None = None,
                 is_square: bool = True, name: str = "LinearOperatorCirculant3D"):
        super().__init__(spectrum, input_output_dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name)




EXPORTS_LINALG = ["LinearOperator", "LinearOperatorFullMatrix", "LinearOperatorDiag", "LinearOperatorIdentity",
                  "LinearOperatorScaledIdentity", "LinearOperatorLowerTriangular", "LinearOperatorZeros",
                  "LinearOperatorAdjoint", "LinearOperatorInversion", "LinearOperatorComposition",
                  "LinearOperatorBlockDiag", "LinearOperatorKronecker", "LinearOperatorBlockLowerTriangular",
                  "LinearOperatorLowRankUpdate", "LinearOperatorHouseholder", "LinearOperatorPermutation",
                  "LinearOperatorToeplitz", "LinearOperatorTridiag", "LinearOperatorCirculant",
                  "LinearOperatorCirculant2D", "LinearOperatorCirculant3D"]


# -- tf.linalg.experimental ---------------------------------------------------------------------------------------

CGState = namedtuple("CGState", ["i", "x", "r", "p", "gamma"])


def conjugate_gradient(operator: LinearOperator, rhs: Any, preconditioner: LinearOperator | None = None,
                       x: Any = None, tol: float = 1e-5, max_iter: int = 20,
                       name: str = "conjugate_gradient") -> CGState:
    """Solve ``A x = rhs`` for a self-adjoint positive-definite ``operator`` by (preconditioned) conjugate
    gradients, matrix-free (only ``operator.matvec`` is used). Iterates until ``max_iter`` steps or until every
    batch member's residual satisfies ``||r|| <= tol * ||rhs||``; returns TF's ``CGState(i, x, r, p, gamma)``
    (``gamma = r^H M r``). ``preconditioner`` approximates ``A^{-1}``; ``x`` is the initial guess (zeros by
    default). Differentiable: the iterations run under the tape.

    >>> import tapegrad as tf
    >>> a = tf.linalg.LinearOperatorFullMatrix(tf.constant([[4.0, 1.0], [1.0, 3.0]], tf.float64),
    ...                                        is_self_adjoint=True, is_positive_definite=True)
    >>> s = tf.linalg.experimental.conjugate_gradient(a, tf.constant([1.0, 2.0], tf.float64))
    >>> int(s.i), s.x.numpy().round(6).tolist()
    (2, [0.090909, 0.636364])
    """
    from .ops import comparison, control_flow
    from .ops import reductions as _red

    if not (operator.is_self_adjoint and operator.is_positive_definite):
        raise ValueError("Expected a self-adjoint, positive definite operator.")
    b = _t(rhs)
    batch = _bshape(_shape_of(b)[:-1], operator._shape()[:-2],
                    () if preconditioner is None else preconditioner._shape()[:-2])
    r0 = core.broadcast_to(b, batch + _shape_of(b)[-1:])
    # the tolerance is relative to the right-hand side's norm (whatever the initial guess)
    bound = tol * _red.norm(r0, axis=-1)

    def inner(u: Tensor, v: Tensor) -> Tensor:
        return reductions.reduce_sum(core.conj(u) * v, axis=-1)

    def precondition(res: Tensor) -> Tensor:
        return res if preconditioner is None else preconditioner.matvec(res)

    if x is None:
        x0 = core.zeros_like(r0)
    else:
        x0 = _t(x)
        r0 = b - operator.matvec(x0)
    p0 = precondition(r0)
    state0 = CGState(core.constant(np.int32(0)), x0, r0, p0, inner(r0, p0))

    def keep_going(s: CGState) -> Tensor:
        return comparison.logical_and(s.i < max_iter, reductions.reduce_any(_red.norm(s.r, axis=-1) > bound))

    def step(s: CGState) -> tuple[CGState]:
        z = operator.matvec(s.p)
        alpha = (s.gamma / inner(s.p, z))[..., None]
        x_new = s.x + alpha * s.p
        r_new = s.r - alpha * z
        q = precondition(r_new)
        gamma = inner(r_new, q)
        p_new = q + (gamma / s.gamma)[..., None] * s.p
        return (CGState(s.i + 1, x_new, r_new, p_new, gamma),)

    (out,) = control_flow.while_loop(lambda s: keep_going(s), step, (state0,))
    return CGState(*out)
