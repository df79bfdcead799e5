"""tf.linalg.LinearOperator family (src/tapegrad/linear_operator.py): every operator's structured paths against its
dense matrix, float64 gradients through them against central differences, hint rules and docstring examples (TF's
values are compared in tests/conformance/linear_operator_programs.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tf

from .test_sci_ops import check_grad

LA = tf.linalg


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _spd(n: int, seed: int = 0) -> np.ndarray:
    a = _rng(seed).normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def _operators() -> list[tuple[str, Any]]:
    r = _rng(1)
    full = r.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    return [
        ("full", LA.LinearOperatorFullMatrix(tf.constant(full))),
        ("full_spd", LA.LinearOperatorFullMatrix(tf.constant(_spd(3)), is_self_adjoint=True,
                                                 is_positive_definite=True)),
        ("diag", LA.LinearOperatorDiag(tf.constant(r.normal(size=(2, 3)) + 3.0))),
        ("identity", LA.LinearOperatorIdentity(3, batch_shape=[2], dtype=tf.float64)),
        ("scaled", LA.LinearOperatorScaledIdentity(3, tf.constant([2.0, -0.5], tf.float64))),
        ("tril", LA.LinearOperatorLowerTriangular(tf.constant(full))),
        ("adjoint", LA.LinearOperatorAdjoint(LA.LinearOperatorFullMatrix(tf.constant(full)))),
        ("inversion", LA.LinearOperatorInversion(LA.LinearOperatorFullMatrix(tf.constant(full)))),
        ("composition", LA.LinearOperatorComposition([
            LA.LinearOperatorFullMatrix(tf.constant(full)),
            LA.LinearOperatorDiag(tf.constant([1.0, 2.0, 3.0], tf.float64))])),
        ("block_diag", LA.LinearOperatorBlockDiag([LA.LinearOperatorFullMatrix(tf.constant(full[0, :2, :2])),
                                                   LA.LinearOperatorDiag(tf.constant([2.0], tf.float64))])),
        ("kronecker", LA.LinearOperatorKronecker([LA.LinearOperatorFullMatrix(tf.constant(full)),
                                                  LA.LinearOperatorFullMatrix(tf.constant(full[0, :2, :2]))])),
        ("block_lower", LA.LinearOperatorBlockLowerTriangular([
            [LA.LinearOperatorFullMatrix(tf.constant(full[0, :2, :2]))],
            [LA.LinearOperatorFullMatrix(tf.constant(full[1, :1, :2])),
             LA.LinearOperatorDiag(tf.constant([3.0], tf.float64))]])),
        ("low_rank", LA.LinearOperatorLowRankUpdate(LA.LinearOperatorDiag(tf.constant([3.0, 4.0, 5.0], tf.float64)),
                                                    tf.constant(r.normal(size=(3, 2))),
                                                    diag_update=tf.constant([0.5, 2.0], tf.float64),
                                                    v=tf.constant(r.normal(size=(3, 2))))),
        ("householder", LA.LinearOperatorHouseholder(tf.constant(r.normal(size=(2, 3))))),
        ("permutation", LA.LinearOperatorPermutation(tf.constant([[2, 0, 1], [1, 0, 2]]), dtype=tf.float64)),
        ("toeplitz", LA.LinearOperatorToeplitz(tf.constant(r.normal(size=3) + [4.0, 0, 0]),
                                               tf.constant(r.normal(size=3)))),
        ("tridiag", LA.LinearOperatorTridiag(tf.constant(r.normal(size=(2, 3, 3)) + [[0.0], [4.0], [0.0]]))),
        ("circulant", LA.LinearOperatorCirculant(tf.constant([6.0, 1.0, 2.0, 1.0], tf.float64),
                                                 input_output_dtype=tf.float64)),
        ("circulant2d", LA.LinearOperatorCirculant2D(tf.constant(np.abs(r.normal(size=(2, 3))) + 1.0),
                                                     input_output_dtype=tf.complex128)),
    ]


@pytest.mark.parametrize("name,op", _operators(), ids=[n for n, _ in _operators()])
def test_structured_paths_match_dense(name: str, op: Any) -> None:
    a = op.to_dense().numpy()
    x = _rng(2).normal(size=a.shape[:-2] + (a.shape[-1], 2)).astype(a.dtype)
    np.testing.assert_allclose(op.matmul(tf.constant(x)).numpy(), a @ x, atol=1e-12)
    ah = np.conj(np.swapaxes(a, -1, -2))
    np.testing.assert_allclose(op.matmul(tf.constant(x), adjoint=True).numpy(), ah @ x, atol=1e-12)
    np.testing.assert_allclose(op.solve(tf.constant(x)).numpy(), np.linalg.solve(a, x), atol=1e-10)
    np.testing.assert_allclose(op.solve(tf.constant(x), adjoint=True).numpy(), np.linalg.solve(ah, x), atol=1e-10)
    np.testing.assert_allclose(op.determinant().numpy(), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(op.log_abs_determinant().numpy(), np.linalg.slogdet(a)[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(op.diag_part().numpy(), np.diagonal(a, 0, -2, -1), atol=1e-12)
    np.testing.assert_allclose(op.adjoint().to_dense().numpy(), ah, atol=1e-12)
    np.testing.assert_allclose(op.inverse().to_dense().numpy(), np.linalg.inv(a), atol=1e-10)
    assert op.shape.as_list() == list(a.shape)


MAKERS: list[tuple[str, Callable[..., Any], list[np.ndarray]]] = [
    ("full", lambda t, m: t.linalg.LinearOperatorFullMatrix(m), [_rng(3).normal(size=(3, 3)) + 3 * np.eye(3)]),
    ("diag", lambda t, d: t.linalg.LinearOperatorDiag(d), [_rng(4).normal(size=3) + 3.0]),
    ("scaled", lambda t, m: t.linalg.LinearOperatorScaledIdentity(3, m), [np.array(1.7)]),
    ("tril", lambda t, m: t.linalg.LinearOperatorLowerTriangular(m), [_rng(5).normal(size=(3, 3)) + 3 * np.eye(3)]),
    ("composition", lambda t, m, d: t.linalg.LinearOperatorComposition(
        [t.linalg.LinearOperatorFullMatrix(m), t.linalg.LinearOperatorDiag(d)]),
     [_rng(6).normal(size=(3, 3)) + 3 * np.eye(3), _rng(7).normal(size=3) + 3.0]),
    ("kronecker", lambda t, a, b: t.linalg.LinearOperatorKronecker(
        [t.linalg.LinearOperatorFullMatrix(a), t.linalg.LinearOperatorFullMatrix(b)]),
     [_rng(9).normal(size=(3, 3)) + 3 * np.eye(3), np.array([[2.0]])]),
    ("low_rank", lambda t, d, u, du: t.linalg.LinearOperatorLowRankUpdate(t.linalg.LinearOperatorDiag(d), u,
                                                                          diag_update=du),
     [_rng(10).normal(size=3) + 4.0, _rng(11).normal(size=(3, 2)), np.array([0.5, 1.5])]),
    ("householder", lambda t, v: t.linalg.LinearOperatorHouseholder(v), [_rng(12).normal(size=3)]),
    ("toeplitz", lambda t, c, r: t.linalg.LinearOperatorToeplitz(c, r),
     [_rng(13).normal(size=3) + [4.0, 0, 0], _rng(14).normal(size=3)]),
    ("tridiag", lambda t, d: t.linalg.LinearOperatorTridiag(d), [_rng(15).normal(size=(3, 3)) + [[0.0], [4.0], [0.0]]]),
    ("circulant", lambda t, sp: t.linalg.LinearOperatorCirculant(sp, input_output_dtype=t.float64),
     [np.array([6.0, 1.0, 2.0])]),
]


@pytest.mark.parametrize("name,make,arrays", MAKERS, ids=[m[0] for m in MAKERS])
def test_gradients_through_operators(name: str, make: Callable[..., Any], arrays: list[np.ndarray]) -> None:
    x = _rng(8).normal(size=(3, 2))

    def call(t: Any, *params: Any) -> Any:
        op = make(t, *params)
        return (op.matmul(t.constant(x)), op.solve(t.constant(x)), op.log_abs_determinant(),
                op.adjoint().matvec(t.constant(x[:, 0])))

    check_grad(call, arrays)


def test_hints_and_errors() -> None:
    with pytest.raises(ValueError, match="always non-singular"):
        LA.LinearOperatorFullMatrix(tf.eye(2), is_positive_definite=True, is_non_singular=False)
    with pytest.raises(ValueError, match="self-adjoint"):
        LA.LinearOperatorIdentity(2, is_self_adjoint=False)
    rect = LA.LinearOperatorFullMatrix(tf.ones([2, 3]))
    assert rect.is_square is False
    with pytest.raises(NotImplementedError, match="not be square"):
        rect.determinant()
    with pytest.raises(ValueError, match="non square"):
        rect.inverse()
    with pytest.raises(ValueError, match="Cholesky"):
        LA.LinearOperatorFullMatrix(tf.eye(2)).cholesky()
    with pytest.raises(TypeError, match="float32"):
        LA.LinearOperatorFullMatrix(tf.eye(2, dtype=tf.float64)).matmul(tf.ones([2, 1]))
    with pytest.raises(ValueError, match="incompatible"):
        LA.LinearOperatorComposition([rect, rect])
    with pytest.raises(ValueError, match="is_square=True"):
        LA.LinearOperatorZeros(2, 3)


def test_operator_valued_results_keep_structure() -> None:
    d = LA.LinearOperatorDiag(tf.constant([1.0, 4.0]), is_positive_definite=True)
    i = LA.LinearOperatorIdentity(2)
    assert type(d.inverse()).__name__ == "LinearOperatorDiag"
    assert type(d.cholesky()).__name__ == "LinearOperatorDiag" and d.cholesky().diag.numpy().tolist() == [1.0, 2.0]
    assert (d @ i) is d and (i @ d) is d
    f = LA.LinearOperatorFullMatrix(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    assert type(f @ f).__name__ == "LinearOperatorComposition"
    assert type(f.adjoint()).__name__ == "LinearOperatorAdjoint" and f.adjoint().adjoint() is f
    assert type(f.inverse()).__name__ == "LinearOperatorInversion" and f.inverse().inverse() is f


def test_variables_are_module_variables() -> None:
    v = tf.Variable([1.0, 2.0])
    op = LA.LinearOperatorDiag(v)
    assert op.trainable_variables == (v,) or list(op.trainable_variables) == [v]


def test_docstring_examples_run() -> None:
    import doctest

    import tapegrad.linear_operator as mod

    r = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert r.attempted > 10 and r.failed == 0


def test_conjugate_gradient_solves_and_differentiates() -> None:
    a = _spd(5, seed=20)
    b = _rng(21).normal(size=(2, 5))
    op = LA.LinearOperatorFullMatrix(tf.constant(a), is_self_adjoint=True, is_positive_definite=True)
    s = LA.experimental.conjugate_gradient(op, tf.constant(b), tol=1e-12, max_iter=30)
    np.testing.assert_allclose(s.x.numpy(), np.linalg.solve(a, b.T).T, atol=1e-10)
    assert int(s.i) <= 6
    # a fixed number of steps (3 < n) is a smooth function of A and b: the tape differentiates the iterations
    check_grad(lambda t, m, r: t.linalg.experimental.conjugate_gradient(
        t.linalg.LinearOperatorFullMatrix(m, is_self_adjoint=True, is_positive_definite=True), r,
        tol=1e-14, max_iter=3).x, [a, b[0]])
    solve = tf.function(lambda r: LA.experimental.conjugate_gradient(op, r, tol=1e-12, max_iter=30).x)
    np.testing.assert_allclose(solve(tf.constant(b)).numpy(), s.x.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="positive definite"):
        LA.experimental.conjugate_gradient(LA.LinearOperatorFullMatrix(tf.eye(2)), tf.ones([2]))
