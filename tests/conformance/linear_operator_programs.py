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


if __name__ == "__main__":
    _main(CASES)
