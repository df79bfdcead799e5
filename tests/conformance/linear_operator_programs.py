"""``tf.linalg.LinearOperator*`` programs (FullMatrix, Diag, Identity, ScaledIdentity, LowerTriangular, Zeros,
Adjoint, Inversion, Composition): shapes, hints, dense forms, products, solves, determinants, operator-valued
results' types and float64 gradients through them, run unchanged under TensorFlow and under tapegrad (the harness
of ``strings_ragged_programs.py``: ``python linear_operator_programs.py MODULE OUT``); compared as text (numbers at
rtol 1e-5), exceptions by class.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from linalg_ext_programs import _mat, _plus_zero, _spd, _weights  # noqa: E402
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _hints(op: Any) -> Any:
    return (op.is_non_singular, op.is_self_adjoint, op.is_positive_definite, op.is_square)


def _describe(tf: Any, op: Any, square: bool = True) -> Any:
    """Everything an operator computes, as plain values and tensors."""
    n, m = int(op.domain_dimension), int(op.range_dimension)
    batch = op.batch_shape.as_list()
    x = tf.constant(np.cos(np.arange(int(np.prod(batch + [n, 2])))).reshape(batch + [n, 2]), op.dtype)
    y = tf.constant(np.sin(np.arange(int(np.prod(batch + [m, 2])))).reshape(batch + [m, 2]), op.dtype)
    out = [type(op).__name__, op.shape.as_list(), batch, op.dtype.name, _hints(op), int(op.tensor_rank),
           op.shape_tensor(), op.to_dense(), op.matmul(x), op.matmul(y, adjoint=True),
           op.matmul(tf.linalg.adjoint(x), adjoint_arg=True), op.matvec(x[..., 0]), op.diag_part()]
    if square:
        out += [op.trace(), op.determinant(), op.log_abs_determinant(), op.add_to_tensor(
            tf.ones(batch + [n, n], op.dtype))]
        if op.is_non_singular is not False:
            out += [op.solve(x), op.solve(x, adjoint=True), op.solvevec(x[..., 0])]
    return _plus_zero(tf, out)


def _grad_through(tf: Any, make: Callable[..., Any], *arrays: np.ndarray) -> Any:
    """The gradient of matmul + solve + log|det| of make(*params) with respect to the params."""
    vs = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for v in vs:
            tape.watch(v)
        op = make(*vs)
        n = int(op.domain_dimension)
        x = tf.constant(np.cos(np.arange(int(op.batch_shape.num_elements()) * n * 2)).reshape(
            op.batch_shape.as_list() + [n, 2]), op.dtype)
        y = op.matmul(x)
        loss = tf.reduce_sum(y * _weights(tf, y)) + tf.reduce_sum(op.solve(x) * _weights(tf, x)) + \
            tf.reduce_sum(op.log_abs_determinant())
    return _plus_zero(tf, tape.gradient(loss, vs))


# -- one operator each ----------------------------------------------------------------------------------------------

@case
def full_matrix(tf: Any) -> Any:
    return _describe(tf, tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3, 3, shift=3.0))))


@case
def full_matrix_spd_and_gradient(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorFullMatrix(tf.constant(_spd(3, 3)), is_self_adjoint=True, is_positive_definite=True)
    return (_describe(tf, op), type(op.cholesky()).__name__, op.cholesky().to_dense(), op.eigvals(), op.cond(),
            _grad_through(tf, lambda a: tf.linalg.LinearOperatorFullMatrix(
                a, is_self_adjoint=True, is_positive_definite=True), _spd(3, 3)),
            _grad_through(tf, tf.linalg.LinearOperatorFullMatrix, _mat(2, 3, 3, shift=3.0)))


@case
def full_matrix_rectangular(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3, 4)))
    return _describe(tf, op, square=False)


@case
def full_matrix_rectangular_determinant(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(3, 4))).determinant()


@case
def full_matrix_rectangular_inverse(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(3, 4))).inverse()


@case
def full_matrix_contradictory_hints(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_spd(2, 2)), is_positive_definite=True,
                                              is_non_singular=False)


@case
def full_matrix_wrong_dtype_argument(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 2))).matmul(tf.ones([2, 1], tf.float32))


@case
def full_matrix_wrong_shape_argument(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 2))).matmul(tf.ones([3, 1], tf.float64))


@case
def diag_operator(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorDiag(tf.constant(_mat(2, 3) + 3.0), is_positive_definite=True)
    return (_describe(tf, op), type(op.inverse()).__name__, op.inverse().to_dense(), type(op.adjoint()).__name__,
            op.cholesky().to_dense(), type(op.cholesky()).__name__, op.eigvals(),
            _grad_through(tf, tf.linalg.LinearOperatorDiag, _mat(2, 3) + 3.0))


@case
def diag_complex(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorDiag(tf.constant(_mat(3) + 1j * _mat(3, seed=1)))
    return _describe(tf, op), op.adjoint().diag_part(), _hints(op.adjoint())


@case
def identity_operator(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorIdentity(3, batch_shape=[2], dtype=tf.float64)
    return (_describe(tf, op), op.matmul(tf.ones([3, 1], tf.float64)), type(op.inverse()).__name__,
            tf.linalg.LinearOperatorIdentity(2).dtype.name)


@case
def identity_bad_hint(tf: Any) -> Any:
    return tf.linalg.LinearOperatorIdentity(3, is_self_adjoint=False)


@case
def scaled_identity(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorScaledIdentity(3, tf.constant([2.0, -0.5]), is_non_singular=True)
    return (_describe(tf, op), type(op.inverse()).__name__, op.inverse().to_dense(),
            _grad_through(tf, lambda m: tf.linalg.LinearOperatorScaledIdentity(2, m), np.array([2.0, 3.0])))


@case
def lower_triangular(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorLowerTriangular(tf.constant(_mat(2, 3, 3, shift=3.0)))
    return (_describe(tf, op), _grad_through(tf, tf.linalg.LinearOperatorLowerTriangular, _mat(3, 3, shift=3.0)))


@case
def zeros_operator(tf: Any) -> Any:
    return (_describe(tf, tf.linalg.LinearOperatorZeros(3, dtype=tf.float64)),
            _describe(tf, tf.linalg.LinearOperatorZeros(2, 3, batch_shape=[2], dtype=tf.float64, is_square=False,
                                                        is_self_adjoint=False), square=False))


@case
def zeros_rectangular_needs_is_square_false(tf: Any) -> Any:
    return tf.linalg.LinearOperatorZeros(2, 3)


@case
def adjoint_operator(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3, 3, shift=3.0)))
    op = tf.linalg.LinearOperatorAdjoint(a)
    return (_describe(tf, op), op.name, type(a.adjoint()).__name__, type(op.adjoint()).__name__,
            _grad_through(tf, lambda m: tf.linalg.LinearOperatorAdjoint(tf.linalg.LinearOperatorFullMatrix(m)),
                          _mat(3, 3, shift=3.0)))


@case
def inversion_operator(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3, 3, shift=3.0)), is_non_singular=True)
    op = tf.linalg.LinearOperatorInversion(a)
    return (_describe(tf, op), op.name, type(a.inverse()).__name__, type(op.inverse()).__name__,
            _grad_through(tf, lambda m: tf.linalg.LinearOperatorInversion(tf.linalg.LinearOperatorFullMatrix(m)),
                          _mat(3, 3, shift=3.0)))


@case
def inversion_of_singular_hint(tf: Any) -> Any:
    return tf.linalg.LinearOperatorInversion(tf.linalg.LinearOperatorFullMatrix(tf.ones([2, 2]),
                                                                                 is_non_singular=False))


@case
def composition_operator(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3, 3, shift=3.0)))
    d = tf.linalg.LinearOperatorDiag(tf.constant(_mat(3) + 3.0))
    op = tf.linalg.LinearOperatorComposition([a, d])
    return (_describe(tf, op), op.name, _hints(tf.linalg.LinearOperatorComposition([d, d])),
            _grad_through(tf, lambda m, v: tf.linalg.LinearOperatorComposition(
                [tf.linalg.LinearOperatorFullMatrix(m), tf.linalg.LinearOperatorDiag(v)]),
                _mat(3, 3, shift=3.0), _mat(3) + 3.0))


@case
def composition_rectangular(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3)))
    b = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(3, 4)))
    return _describe(tf, tf.linalg.LinearOperatorComposition([a, b]), square=False)


@case
def composition_incompatible(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3)))
    return tf.linalg.LinearOperatorComposition([a, a])


@case
def operator_products_types(tf: Any) -> Any:
    d = tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0]))
    i = tf.linalg.LinearOperatorIdentity(2)
    s = tf.linalg.LinearOperatorScaledIdentity(2, 3.0)
    f = tf.linalg.LinearOperatorFullMatrix(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    lt = tf.linalg.LinearOperatorLowerTriangular(tf.constant([[1.0, 0.0], [3.0, 4.0]]))
    pairs = [(d, d), (d, i), (i, f), (f, i), (s, s), (d, s), (f, d), (d, lt), (lt, d), (f, f)]
    return [(type(a @ b).__name__, (a @ b).to_dense()) for a, b in pairs]


@case
def solve_with_operator(tf: Any) -> Any:
    d = tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0]))
    f = tf.linalg.LinearOperatorFullMatrix(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    return type(d.solve(f)).__name__, d.solve(f).to_dense(), type(d.solve(d)).__name__


@case
def cholesky_needs_hints(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_spd(2, 2))).cholesky()


@case
def eigvals_needs_self_adjoint(tf: Any) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 2))).eigvals()


@case
def variables_are_tracked(tf: Any) -> Any:
    v = tf.Variable(_mat(3) + 3.0)
    op = tf.linalg.LinearOperatorDiag(v)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(op.matvec(tf.ones([3], tf.float64)) ** 2) + op.log_abs_determinant()
    return len(op.trainable_variables), tape.gradient(loss, v)


# -- structured operators ---------------------------------------------------------------------------------------------

def _full(tf: Any, *shape: int, seed: int = 0) -> Any:
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(*shape, seed=seed, shift=3.0)))


@case
def block_diag(tf: Any) -> Any:
    d = tf.linalg.LinearOperatorDiag(tf.constant(_mat(2, 2) + 3.0))
    op = tf.linalg.LinearOperatorBlockDiag([d, _full(tf, 3, 3)])
    return (_describe(tf, op), op.name, _hints(op), type(op.inverse()).__name__, type(op.adjoint()).__name__,
            op.inverse().to_dense(),
            _grad_through(tf, lambda a, v: tf.linalg.LinearOperatorBlockDiag(
                [tf.linalg.LinearOperatorFullMatrix(a), tf.linalg.LinearOperatorDiag(v)]),
                _mat(3, 3, shift=3.0), _mat(2) + 3.0))


@case
def block_diag_rectangular(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3)))
    b = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(1, 2, seed=1)))
    op = tf.linalg.LinearOperatorBlockDiag([a, b], is_square=False)
    x = tf.constant(_mat(5, 2, seed=2))
    return (op.shape.as_list(), _hints(op), op.to_dense(), op.matmul(x), op.matmul(tf.constant(_mat(3, 2)),
                                                                                   adjoint=True))


@case
def block_diag_rectangular_diag_part(tf: Any) -> Any:
    a = tf.linalg.LinearOperatorFullMatrix(tf.constant(_mat(2, 3)))
    return tf.linalg.LinearOperatorBlockDiag([a, a], is_square=False).diag_part()


@case
def kronecker(tf: Any) -> Any:
    a = _full(tf, 2, 2, 2)
    b = _full(tf, 3, 3, seed=1)
    op = tf.linalg.LinearOperatorKronecker([a, b])
    return (_describe(tf, op), op.name, type(op.inverse()).__name__, type(op.adjoint()).__name__,
            _grad_through(tf, lambda x, y: tf.linalg.LinearOperatorKronecker(
                [tf.linalg.LinearOperatorFullMatrix(x), tf.linalg.LinearOperatorFullMatrix(y)]),
                _mat(2, 2, shift=3.0), _mat(3, 3, seed=2, shift=3.0)))


@case
def kronecker_three_factors(tf: Any) -> Any:
    ops = [tf.linalg.LinearOperatorDiag(tf.constant([1.0, 2.0], tf.float64)), _full(tf, 2, 2, seed=3),
           _full(tf, 3, 3, seed=4)]
    return _describe(tf, tf.linalg.LinearOperatorKronecker(ops))


@case
def block_lower_triangular(tf: Any) -> Any:
    a, b, c = _full(tf, 2, 2), _full(tf, 3, 2, seed=1), _full(tf, 3, 3, seed=2)
    op = tf.linalg.LinearOperatorBlockLowerTriangular([[a], [b, c]])
    return (_describe(tf, op), op.name, _hints(op),
            _grad_through(tf, lambda x, y, z: tf.linalg.LinearOperatorBlockLowerTriangular(
                [[tf.linalg.LinearOperatorFullMatrix(x)],
                 [tf.linalg.LinearOperatorFullMatrix(y), tf.linalg.LinearOperatorFullMatrix(z)]]),
                _mat(2, 2, shift=3.0), _mat(3, 2, seed=1), _mat(3, 3, seed=2, shift=3.0)))


@case
def low_rank_update(tf: Any) -> Any:
    base = tf.linalg.LinearOperatorDiag(tf.constant(_mat(3) + 3.0), is_positive_definite=True)
    u = tf.constant(_mat(3, 2, seed=1))
    op = tf.linalg.LinearOperatorLowRankUpdate(base, u)
    op2 = tf.linalg.LinearOperatorLowRankUpdate(base, u, diag_update=tf.constant([2.0, 0.5], tf.float64),
                                               v=tf.constant(_mat(3, 2, seed=2)))
    return (_describe(tf, op), _hints(op), _describe(tf, op2), _hints(op2), type(op.inverse()).__name__,
            _grad_through(tf, lambda d, uu, dd: tf.linalg.LinearOperatorLowRankUpdate(
                tf.linalg.LinearOperatorDiag(d), uu, diag_update=dd), _mat(3) + 3.0, _mat(3, 2, seed=3),
                np.array([1.5, 0.7])))


@case
def householder(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorHouseholder(tf.constant(_mat(2, 3)))
    return (_describe(tf, op), _hints(op), type(op.inverse()).__name__,
            _grad_through(tf, tf.linalg.LinearOperatorHouseholder, _mat(3, seed=1)))


@case
def householder_positive_definite_hint(tf: Any) -> Any:
    return tf.linalg.LinearOperatorHouseholder(tf.constant([1.0, 2.0]), is_positive_definite=True)


@case
def permutation(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorPermutation(tf.constant([[2, 0, 1, 3], [1, 0, 3, 2]]), dtype=tf.float64)
    return _describe(tf, op), _hints(op), type(op.inverse()).__name__


@case
def toeplitz(tf: Any) -> Any:
    col, row = _mat(4) + np.array([4.0, 0, 0, 0]), _mat(4, seed=1)
    op = tf.linalg.LinearOperatorToeplitz(tf.constant(col), tf.constant(row))
    return (_describe(tf, op), _grad_through(tf, tf.linalg.LinearOperatorToeplitz, col, row))


@case
def tridiag_formats(tf: Any) -> Any:
    d = _mat(3, 4)
    d[1] += 4.0
    op = tf.linalg.LinearOperatorTridiag(tf.constant(d))
    seq = tf.linalg.LinearOperatorTridiag([tf.constant(d[i]) for i in range(3)], diagonals_format="sequence")
    return (_describe(tf, op), seq.to_dense(), op.diagonals_format,
            _grad_through(tf, tf.linalg.LinearOperatorTridiag, d))


@case
def circulant_real_spectrum(tf: Any) -> Any:
    op = tf.linalg.LinearOperatorCirculant(tf.constant([6.0, 1.0, 2.0, 1.0], tf.float64),
                                           input_output_dtype=tf.float64)
    return (_describe(tf, op), _hints(op), type(op.inverse()).__name__, op.eigvals(),
            _grad_through(tf, lambda s: tf.linalg.LinearOperatorCirculant(s, input_output_dtype=tf.float64),
                          np.array([6.0, 1.0, 2.0, 1.0])))


@case
def circulant_complex(tf: Any) -> Any:
    sp = tf.constant(_mat(2, 3) + 3.0 + 1j * _mat(2, 3, seed=1))
    op = tf.linalg.LinearOperatorCirculant(sp, input_output_dtype=tf.complex128)
    return _describe(tf, op), _hints(op), op.dtype.name, tf.linalg.LinearOperatorCirculant(
        tf.constant([1.0 + 0j, 2.0, 3.0], tf.complex64)).dtype.name


@case
def circulant_2d_3d(tf: Any) -> Any:
    sp2 = np.abs(_mat(2, 3)) + 1.0
    sp3 = np.abs(_mat(2, 2, 2)) + 1.0
    op2 = tf.linalg.LinearOperatorCirculant2D(tf.constant(sp2), input_output_dtype=tf.float64)
    op3 = tf.linalg.LinearOperatorCirculant3D(tf.constant(sp3), input_output_dtype=tf.float64)
    return (_describe(tf, op2), op2.block_shape.as_list(), op2.block_depth, _describe(tf, op3),
            op3.block_shape.as_list())



# -- tf.linalg.experimental.conjugate_gradient -------------------------------------------------------------------------

def _spd_op(tf: Any, *batch: int, n: int = 5, seed: int = 0) -> Any:
    a = _spd(*batch, n, n, seed=seed)
    return tf.linalg.LinearOperatorFullMatrix(tf.constant(a), is_self_adjoint=True, is_positive_definite=True)


@case
def conjugate_gradient_converges(tf: Any) -> Any:
    op = _spd_op(tf, 2)
    s = tf.linalg.experimental.conjugate_gradient(op, tf.constant(_mat(2, 5, seed=1)), tol=1e-10, max_iter=50)
    # the residual is at roundoff level once converged: compare its size, not its digits
    return type(s).__name__, s._fields, s.i, s.x, bool(tf.reduce_max(tf.abs(s.r)) < 1e-12), s.gamma.shape.as_list()


@case
def conjugate_gradient_few_iterations_and_guess(tf: Any) -> Any:
    op = _spd_op(tf, n=6, seed=2)
    b = tf.constant(_mat(6, seed=3))
    s = tf.linalg.experimental.conjugate_gradient(op, b, max_iter=3)
    s2 = tf.linalg.experimental.conjugate_gradient(op, b, x=tf.constant(_mat(6, seed=4)), max_iter=2)
    return s.i, s.x, s.p, s.gamma, s2.i, s2.x, s2.r


@case
def conjugate_gradient_preconditioned_broadcast(tf: Any) -> Any:
    op = _spd_op(tf, n=4, seed=5)
    pre = tf.linalg.LinearOperatorDiag(1.0 / tf.linalg.diag_part(op.to_dense()), is_positive_definite=True)
    s = tf.linalg.experimental.conjugate_gradient(op, tf.constant(_mat(3, 4, seed=6)), preconditioner=pre,
                                                  tol=1e-8)
    return s.i, s.x, s.gamma


@case
def conjugate_gradient_gradient(tf: Any) -> Any:
    a = _spd(4, 4, seed=7)
    b = _mat(4, seed=8)
    av, bv = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([av, bv])
        op = tf.linalg.LinearOperatorFullMatrix(av, is_self_adjoint=True, is_positive_definite=True)
        x = tf.linalg.experimental.conjugate_gradient(op, bv, tol=1e-12, max_iter=10).x
        loss = tf.reduce_sum(x * tf.constant([1.0, -2.0, 0.5, 3.0], tf.float64))
    return x, tape.gradient(loss, [av, bv])


@case
def conjugate_gradient_needs_hints(tf: Any) -> Any:
    return tf.linalg.experimental.conjugate_gradient(tf.linalg.LinearOperatorFullMatrix(tf.eye(2)), tf.ones([2]))


if __name__ == "__main__":
    _main(CASES)
