"""``tf.linalg`` breadth programs (expm, logm, sqrtm, the LU family, eig/eigvals, eigvalsh, eigh_tridiagonal,
matrix_rank, cross, global_norm, l2_normalize, normalize, tensor_diag(_part), tridiagonal_solve/matmul in all
formats, banded_triangular_solve), run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``: ``python linalg_ext_programs.py MODULE OUT``). Values and gradients in float64 are
compared as text (numbers at rtol 1e-5); exceptions by class. Eigenvectors are compared through phase- and
order-free functions of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _mat(*shape: int, seed: int = 0, shift: float = 0.0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=shape)
    return x + shift * np.eye(shape[-1]) if shift else x


def _spd(*shape: int, seed: int = 0) -> np.ndarray:
    x = _mat(*shape, seed=seed)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def _weights(tf: Any, y: Any) -> Any:
    n = int(np.prod(y.shape.as_list()))
    return tf.constant(np.cos(np.arange(n) + 0.5).reshape(y.shape.as_list()))


def _loss(tf: Any, y: Any) -> Any:
    w = _weights(tf, y)
    if y.dtype.is_complex:
        return tf.reduce_sum(tf.math.real(y) * w) + tf.reduce_sum(tf.math.imag(y) * (1.0 - w))
    return tf.reduce_sum(y * tf.cast(w, y.dtype))


def _grad(tf: Any, f: Callable[..., Any], *xs: np.ndarray) -> Any:
    """f(*xs) and the gradients of a fixed projection of it with respect to every input."""
    vs = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for v in vs:
            tape.watch(v)
        y = f(*vs)
        loss = _loss(tf, y)
    return _plus_zero(tf, (y, tape.gradient(loss, vs)))


def _plus_zero(tf: Any, x: Any) -> Any:
    """x with every float tensor plus 0.0, so that -0.0 prints as 0.0 (zeros' signs are not compared)."""
    if isinstance(x, (list, tuple)):
        return type(x)(_plus_zero(tf, v) for v in x)
    dt = getattr(x, "dtype", None)
    return x + tf.zeros([], dt) if dt is not None and hasattr(x, "shape") and (dt.is_floating or dt.is_complex) else x


def _eig_free(tf: Any, e: Any, v: Any) -> Any:
    """Order- and phase-free functions of eigenpairs: sum of e^2, and sum_j Re(e_j) |v_ij|^4."""
    w = tf.math.real(v * tf.math.conj(v))
    s = tf.reduce_sum(e * e, axis=-1)
    return tf.stack([tf.math.real(s), tf.math.imag(s)], -1), tf.reduce_sum(tf.math.real(e)[..., None, :] * w * w, -1)


# -- expm / logm / sqrtm ---------------------------------------------------------------------------------------------

@case
def expm_values_and_gradient(tf: Any) -> Any:
    return _grad(tf, tf.linalg.expm, _mat(2, 3, 3) * 0.7)


@case
def expm_large_norm_and_zero(tf: Any) -> Any:
    return tf.linalg.expm(tf.constant(_mat(4, 4, seed=1) * 6.0)), tf.linalg.expm(tf.zeros([0, 2, 2], tf.float64))


@case
def expm_float32_and_complex(tf: Any) -> Any:
    c = tf.complex(tf.constant(_mat(3, 3)), tf.constant(_mat(3, 3, seed=2)))
    y32 = tf.linalg.expm(tf.constant(_mat(3, 3), tf.float32))
    return y32.dtype, tf.reduce_sum(tf.cast(y32, tf.float64)), tf.linalg.expm(c)


@case
def expm_gradient_complex(tf: Any) -> Any:
    x = _mat(3, 3) * 0.5 + 1j * _mat(3, 3, seed=3) * 0.5
    return _grad(tf, tf.linalg.expm, x)


@case
def expm_not_square(tf: Any) -> Any:
    return tf.linalg.expm(tf.constant(_mat(2, 3)))


@case
def expm_integer(tf: Any) -> Any:
    return tf.linalg.expm(tf.constant([[1, 0], [0, 1]]))


@case
def sqrtm_values_and_gradient(tf: Any) -> Any:
    return _grad(tf, tf.linalg.sqrtm, _spd(2, 3, 3))


@case
def sqrtm_nonsymmetric_and_alias(tf: Any) -> Any:
    x = tf.constant(_mat(4, 4, seed=4, shift=5.0))
    return tf.linalg.sqrtm(x), tf.linalg.matmul(tf.matrix_square_root(x), tf.matrix_square_root(x))


@case
def sqrtm_complex_eigenvalues(tf: Any) -> Any:
    return tf.linalg.sqrtm(tf.constant(np.array([[1.0, 2.0, 0.0], [-2.0, 1.0, 0.5], [0.0, 0.3, 4.0]])))


@case
def sqrtm_complex_input(tf: Any) -> Any:
    return tf.linalg.sqrtm(tf.constant(_spd(3, 3) + 1j * np.diag([1.0, 2.0, 3.0])))


@case
def logm_complex(tf: Any) -> Any:
    x = _spd(3, 3) + 0j
    return tf.linalg.logm(tf.constant(x)), tf.linalg.logm(tf.constant(_mat(2, 3, 3, shift=4.0) + 1j * _mat(3, 3)))


@case
def logm_real_rejected(tf: Any) -> Any:
    return tf.linalg.logm(tf.constant(_spd(3, 3)))


# -- LU family ------------------------------------------------------------------------------------------------------

@case
def lu_values(tf: Any) -> Any:
    lu, p = tf.linalg.lu(tf.constant(_mat(2, 4, 4)))
    return lu, p, tf.linalg.lu(tf.constant(_mat(3, 3), tf.float32), output_idx_type=tf.int64)[1]


@case
def lu_complex(tf: Any) -> Any:
    return tf.linalg.lu(tf.constant(_mat(3, 3) + 1j * _mat(3, 3, seed=1)))


@case
def lu_solve_inverse_reconstruct(tf: Any) -> Any:
    a = tf.constant(_mat(2, 4, 4, seed=5))
    lu, p = tf.linalg.lu(a)
    rhs = tf.constant(_mat(2, 4, 3, seed=6))
    return (tf.linalg.lu_solve(lu, p, rhs), tf.linalg.lu_matrix_inverse(lu, p), tf.linalg.lu_reconstruct(lu, p))


@case
def lu_solve_gradient(tf: Any) -> Any:
    a = _mat(4, 4, seed=7, shift=3.0)
    lu, p = tf.linalg.lu(tf.constant(a))
    return _grad(tf, lambda l_, r: tf.linalg.lu_solve(l_, p, r), lu.numpy(), _mat(4, 2, seed=8))


@case
def lu_reconstruct_gradient(tf: Any) -> Any:
    lu, p = tf.linalg.lu(tf.constant(_mat(3, 3, seed=9)))
    return _grad(tf, lambda l_: tf.linalg.lu_reconstruct(l_, p), lu.numpy())


@case
def lu_matrix_inverse_gradient(tf: Any) -> Any:
    lu, p = tf.linalg.lu(tf.constant(_mat(3, 3, seed=10, shift=3.0)))
    return _grad(tf, lambda l_: tf.linalg.lu_matrix_inverse(l_, p), lu.numpy())


@case
def lu_not_square(tf: Any) -> Any:
    return tf.linalg.lu(tf.constant(_mat(2, 3)))


# -- eig ------------------------------------------------------------------------------------------------------------

@case
def eig_dtypes(tf: Any) -> Any:
    e, v = tf.linalg.eig(tf.constant(_mat(3, 3), tf.float32))
    e2, v2 = tf.eig(tf.constant(_mat(3, 3)))
    return e.dtype, v.dtype, e.shape, v.shape, e2.dtype, v2.dtype, tf.eigvals(tf.constant(_mat(2, 2))).dtype


@case
def eig_invariants_batch(tf: Any) -> Any:
    return _eig_free(tf, *tf.linalg.eig(tf.constant(_mat(2, 4, 4, seed=11))))


@case
def eig_gradient_real(tf: Any) -> Any:
    x = _mat(4, 4, seed=12) + np.diag([0.0, 2.0, 4.0, 6.0])
    return _grad(tf, lambda v: tf.concat([tf.reshape(a, [-1]) for a in _eig_free(tf, *tf.linalg.eig(v))], 0), x)


@case
def eig_gradient_complex(tf: Any) -> Any:
    x = _mat(3, 3, seed=13) + 1j * _mat(3, 3, seed=14) + np.diag([0.0, 3.0, 6.0])
    return _grad(tf, lambda v: tf.concat([tf.reshape(a, [-1]) for a in _eig_free(tf, *tf.linalg.eig(v))], 0), x)


@case
def eigvals_gradient(tf: Any) -> Any:
    x = _mat(3, 3, seed=15) + np.diag([0.0, 3.0, 6.0])
    return _grad(tf, lambda v: tf.reduce_prod(tf.linalg.eigvals(v)) + tf.reduce_sum(tf.linalg.eigvals(v) ** 2), x)


@case
def eigvalsh_values_and_gradient(tf: Any) -> Any:
    return _grad(tf, tf.linalg.eigvalsh, _spd(2, 3, 3))


@case
def eig_not_square(tf: Any) -> Any:
    return tf.linalg.eig(tf.constant(_mat(2, 3)))


# -- eigh_tridiagonal ------------------------------------------------------------------------------------------------

@case
def eigh_tridiagonal_all(tf: Any) -> Any:
    a, b = tf.constant(_mat(6, seed=1)), tf.constant(_mat(5, seed=2))
    return tf.linalg.eigh_tridiagonal(a, b)


@case
def eigh_tridiagonal_select(tf: Any) -> Any:
    a, b = tf.constant(_mat(6, seed=1)), tf.constant(_mat(5, seed=2))
    return (tf.linalg.eigh_tridiagonal(a, b, select="i", select_range=[1, 3]),
            tf.linalg.eigh_tridiagonal(a, b, select="v", select_range=[-1.0, 1.0]))


@case
def eigh_tridiagonal_vectors(tf: Any) -> Any:
    a, b = tf.constant(_mat(5, seed=3)), tf.constant(_mat(4, seed=4))
    e, v = tf.linalg.eigh_tridiagonal(a, b, eigvals_only=False)
    return e, tf.abs(v) ** 2


@case
def eigh_tridiagonal_complex_beta(tf: Any) -> Any:
    a = tf.constant(_mat(4, seed=5) + 0j)
    b = tf.constant(_mat(3, seed=6) + 1j * _mat(3, seed=7))
    return tf.linalg.eigh_tridiagonal(a, b)


# -- small helpers ---------------------------------------------------------------------------------------------------

@case
def matrix_rank_values(tf: Any) -> Any:
    x = np.stack([np.eye(3), np.outer([1.0, 2, 3], [1.0, 0, 1]), np.zeros((3, 3))])
    return (tf.linalg.matrix_rank(tf.constant(x)), tf.linalg.matrix_rank(tf.constant(_mat(3, 5), tf.float32)),
            tf.linalg.matrix_rank(tf.constant(np.diag([1.0, 1e-3, 1e-9])), tol=1e-4))


@case
def cross_values_and_gradient(tf: Any) -> Any:
    return _grad(tf, tf.linalg.cross, _mat(2, 4, 3, seed=1), _mat(2, 4, 3, seed=2))


@case
def cross_broadcast_rejected(tf: Any) -> Any:
    return tf.linalg.cross(tf.constant(_mat(2, 3)), tf.constant(_mat(3)))


@case
def cross_wrong_width(tf: Any) -> Any:
    return tf.linalg.cross(tf.constant(_mat(2, 4)), tf.constant(_mat(2, 4)))


@case
def cross_integer(tf: Any) -> Any:
    return tf.linalg.cross(tf.constant([1, 2, 3]), tf.constant([4, 5, 6]))


@case
def global_norm_values_and_gradient(tf: Any) -> Any:
    return _grad(tf, lambda a, b: tf.linalg.global_norm([a, b, None]), _mat(2, 3), _mat(4))


@case
def global_norm_empty_list(tf: Any) -> Any:
    return tf.linalg.global_norm([])


@case
def l2_normalize_axes(tf: Any) -> Any:
    x = _mat(2, 3)
    return (_grad(tf, lambda v: tf.linalg.l2_normalize(v, axis=1), x),
            tf.linalg.l2_normalize(tf.constant(x), axis=[0, 1]), tf.math.l2_normalize(tf.zeros([2], tf.float64)))


@case
def normalize_orders(tf: Any) -> Any:
    x = tf.constant(_mat(3, 4))
    return (tf.linalg.normalize(x), tf.linalg.normalize(x, ord=1, axis=1), tf.linalg.normalize(x, ord=np.inf, axis=0),
            tf.linalg.normalize(x, ord="fro", axis=[0, 1]), tf.linalg.normalize(x, ord=2, axis=[-2, -1]))


@case
def normalize_gradient(tf: Any) -> Any:
    return _grad(tf, lambda v: tf.linalg.normalize(v, ord=3, axis=-1)[0], _mat(2, 4))


@case
def normalize_bad_ord(tf: Any) -> Any:
    return tf.linalg.normalize(tf.constant(_mat(3)), ord=-1)


@case
def tensor_diag_and_part(tf: Any) -> Any:
    d = _mat(2, 3)
    return (_grad(tf, tf.linalg.tensor_diag, d), tf.linalg.tensor_diag_part(tf.linalg.tensor_diag(tf.constant(d))),
            tf.linalg.tensor_diag(tf.constant([1, 2])))


@case
def tensor_diag_part_gradient(tf: Any) -> Any:
    return _grad(tf, tf.linalg.tensor_diag_part, _mat(2, 3, 2, 3))


@case
def tensor_diag_part_bad_shape(tf: Any) -> Any:
    return tf.linalg.tensor_diag_part(tf.constant(_mat(2, 3)))


# -- tridiagonal -----------------------------------------------------------------------------------------------------

def _tri(batch: tuple[int, ...], m: int, seed: int = 0) -> np.ndarray:
    d = _mat(*batch, 3, m, seed=seed)
    d[..., 1, :] += 4.0
    return d


@case
def tridiagonal_solve_compact_gradient(tf: Any) -> Any:
    return _grad(tf, tf.linalg.tridiagonal_solve, _tri((2,), 5), _mat(2, 5, 3, seed=1))


@case
def tridiagonal_solve_no_pivoting_gradient(tf: Any) -> Any:
    return _grad(tf, lambda d, r: tf.linalg.tridiagonal_solve(d, r, partial_pivoting=False), _tri((), 4, 2),
                 _mat(4, 2, seed=3))


@case
def tridiagonal_solve_pivoting_needed(tf: Any) -> Any:
    d = np.array([[1.0, 2.0, 1.0, 0.0], [0.0, 1.0, 3.0, 1.0], [0.0, 2.0, 1.0, 1.0]])
    return _grad(tf, tf.linalg.tridiagonal_solve, d, _mat(4, 2, seed=4))


@case
def tridiagonal_solve_sequence_and_matrix(tf: Any) -> Any:
    d = _tri((), 5, 5)
    sup, main, sub = (tf.constant(d[i]) for i in range(3))
    dense = tf.linalg.diag(main) + tf.linalg.diag(sup[:-1], k=1) + tf.linalg.diag(sub[1:], k=-1)
    rhs = tf.constant(_mat(5, 2, seed=6))
    return (tf.linalg.tridiagonal_solve((sup, main, sub), rhs, diagonals_format="sequence"),
            tf.linalg.tridiagonal_solve(dense, rhs, diagonals_format="matrix"))


def _shifted_singular(n: int, seed: int) -> np.ndarray:
    """A symmetric tridiagonal matrix minus one of its eigenvalues (numerically singular: inverse iteration)."""
    rng = np.random.default_rng(seed)
    main, off = rng.normal(size=n), rng.normal(size=n - 1)
    lam = np.linalg.eigvalsh(np.diag(main) + np.diag(off, 1) + np.diag(off, -1))[2]
    return np.stack([np.r_[off, 0.0], main - lam, np.r_[0.0, off]])


@case
def tridiagonal_solve_perturb_singular(tf: Any) -> Any:
    d = _shifted_singular(6, 11)
    zero_col = np.array([[1.0, 0, 2, 0], [0, 0, 3, 1], [0, 0, 1, 1]])
    tiny = np.array([[1e-30, 1, 0], [1e-30, 1e-30, 2], [0, 1, 1e-30]])
    return (tf.linalg.tridiagonal_solve(tf.constant(d), tf.ones([6, 1], tf.float64), perturb_singular=True),
            tf.linalg.tridiagonal_solve(tf.constant(d, tf.float32), tf.ones([6, 1]), perturb_singular=True),
            tf.linalg.tridiagonal_solve(tf.constant(zero_col), tf.constant(_mat(4, 2, seed=12)),
                                        perturb_singular=True),
            tf.linalg.tridiagonal_solve(tf.constant(tiny), tf.constant([[1e20], [3.0], [-2.0]], tf.float64),
                                        perturb_singular=True),
            tf.linalg.tridiagonal_solve(tf.zeros([3, 1]), tf.constant([[2.0]]), perturb_singular=True))


@case
def tridiagonal_solve_perturb_singular_gradient_and_batch(tf: Any) -> Any:
    return _grad(tf, lambda d, r: tf.linalg.tridiagonal_solve(d, r, perturb_singular=True), _mat(3, 3, 5, seed=13),
                 _mat(3, 5, 2, seed=14))


@case
def tridiagonal_solve_perturb_needs_pivoting(tf: Any) -> Any:
    return tf.linalg.tridiagonal_solve(tf.constant(_tri((), 4)), tf.ones([4, 1], tf.float64), partial_pivoting=False,
                                       perturb_singular=True)


@case
def tridiagonal_solve_matrix_gradient(tf: Any) -> Any:
    d = _tri((), 4, 7)
    dense = np.diag(d[1]) + np.diag(d[0, :-1], 1) + np.diag(d[2, 1:], -1)
    return _grad(tf, lambda a, r: tf.linalg.tridiagonal_solve(a, r, diagonals_format="matrix"), dense,
                 _mat(4, 2, seed=8))


@case
def tridiagonal_solve_sequence_gradient(tf: Any) -> Any:
    d = _tri((), 4, 9)
    return _grad(tf, lambda a, b, c, r: tf.linalg.tridiagonal_solve((a, b, c), r, diagonals_format="sequence"),
                 d[0], d[1], d[2], _mat(4, 1, seed=10))


@case
def tridiagonal_solve_transpose_rhs_and_conjugate(tf: Any) -> Any:
    d = _tri((2,), 4, 11) + 1j * _mat(2, 3, 4, seed=12)
    rhs = _mat(2, 3, 4, seed=13) + 1j * _mat(2, 3, 4, seed=14)
    return (tf.linalg.tridiagonal_solve(tf.constant(d), tf.constant(rhs), transpose_rhs=True),
            tf.linalg.tridiagonal_solve(tf.constant(d), tf.constant(rhs), transpose_rhs=True, conjugate_rhs=True))


@case
def tridiagonal_solve_vector_rhs(tf: Any) -> Any:
    return tf.linalg.tridiagonal_solve(tf.constant(_tri((), 4, 15)), tf.constant(_mat(4, seed=16)))


@case
def tridiagonal_solve_singular(tf: Any) -> Any:
    d = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    return tf.linalg.tridiagonal_solve(tf.constant(d), tf.constant(np.ones((3, 1))))


@case
def tridiagonal_solve_bad_shape(tf: Any) -> Any:
    return tf.linalg.tridiagonal_solve(tf.constant(_mat(2, 4)), tf.constant(_mat(4, 1)))


@case
def tridiagonal_matmul_formats_and_gradient(tf: Any) -> Any:
    d = _tri((2,), 4, 17)
    rhs = _mat(2, 4, 3, seed=18)
    sup, main, sub = (tf.constant(d[:, i]) for i in range(3))
    return (_grad(tf, tf.linalg.tridiagonal_matmul, d, rhs),
            tf.linalg.tridiagonal_matmul((sup, main, sub), tf.constant(rhs), diagonals_format="sequence"))


@case
def tridiagonal_matmul_rank_mismatch(tf: Any) -> Any:
    return tf.linalg.tridiagonal_matmul(tf.constant(_tri((2,), 4)), tf.constant(_mat(4, 3)))


@case
def tridiagonal_matmul_matrix_format(tf: Any) -> Any:
    d = _tri((), 4, 19)
    dense = np.diag(d[1]) + np.diag(d[0, :-1], 1) + np.diag(d[2, 1:], -1)
    return _grad(tf, lambda a, r: tf.linalg.tridiagonal_matmul(a, r, diagonals_format="matrix"), dense,
                 _mat(4, 2, seed=20))


@case
def banded_triangular_solve_lower_upper(tf: Any) -> Any:
    bands = _mat(3, 5, seed=21)
    bands[-1] += 4.0
    bands_u = _mat(2, 5, seed=22)
    bands_u[0] += 4.0
    rhs = tf.constant(_mat(5, 2, seed=23))
    return (tf.linalg.banded_triangular_solve(tf.constant(bands), rhs),
            tf.linalg.banded_triangular_solve(tf.constant(bands_u), rhs, lower=False),
            tf.linalg.banded_triangular_solve(tf.constant(bands), rhs, adjoint=True),
            tf.linalg.banded_triangular_solve(tf.constant(bands_u), rhs, lower=False, adjoint=True))


@case
def banded_triangular_solve_batch_complex(tf: Any) -> Any:
    bands = _mat(2, 2, 4, seed=24) + 1j * _mat(2, 2, 4, seed=25)
    bands[:, -1] += 4.0
    rhs = _mat(2, 4, 3, seed=26) + 0j
    return tf.linalg.banded_triangular_solve(tf.constant(bands), tf.constant(rhs), adjoint=True)


if __name__ == "__main__":
    _main(CASES)
