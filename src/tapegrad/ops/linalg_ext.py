"""More of ``tf.linalg``: matrix functions (expm, logm, sqrtm), LU (lu, lu_solve, lu_matrix_inverse,
lu_reconstruct), general eigenproblems (eig, eigvals; eigvalsh, eigh_tridiagonal), tridiagonal and banded solves,
and small helpers (matrix_rank, cross, global_norm, normalize, tensor_diag).

Conventions are those of ``linalg_ops``: the last two axes are the matrix, leading axes are a batch, complex
gradients are ``upstream * conj(f'(z))``. Rules are written against ``F`` (raw backend or ``DIFF``); where a rule
needs this module's own op it runs it through ``_run`` so that the backward pass is itself recorded under an outer
tape (higher derivatives).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .._dispatch import applyn
from .._registry import NO_GRADIENT, bilinear_jvp, defop, spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import FailedPreconditionError, InvalidArgumentError
from . import arithmetic, core, indexing, linalg_ops, matmul, reductions, shape_ops, unary_math
from ._common import cj, is_complex, to_tensor
from .linalg_ops import _eye, _float_kind, _lapack, _matrix, _mH, _safe_recip_gap, _shape
from .normalization import l2_normalize  # noqa: F401  (tf.linalg.l2_normalize: the same function)

# -- shared helpers -----------------------------------------------------------------------------------------------


def _run(F: Any, op: Any, args: tuple[Any, ...], p: dict[str, Any] | None = None) -> Any:
    """One of this module's ops from inside a rule: raw forward, or the recorded op under ``DIFF``."""
    p = p or {}
    if getattr(F, "is_diff", False):
        return applyn(op, tuple(to_tensor(a) for a in args), p)
    return op.fwd(F, *args, **p)


def _wide(x: np.ndarray) -> np.ndarray:
    """float64/complex128 working copy (matrix functions are computed in double precision, then cast back)."""
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _eye_like(x: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape)


def _block_upper(F: Any, a: Any, b: Any, c: Any) -> Any:
    """[[a, b], [0, c]] over the last two axes."""
    top = F.concatenate([a, b], axis=-1)
    bottom = F.concatenate([F.zeros_like(c), c], axis=-1)
    return F.concatenate([top, bottom], axis=-2)


def _square_float(x: Any, op: str) -> Any:
    x = to_tensor(x)
    _matrix(x, op, square=True)
    _float_kind(x, op)
    return x


# -- expm ---------------------------------------------------------------------------------------------------------

# Padé(13) coefficients of exp (Higham 2005, "The scaling and squaring method for the matrix exponential revisited").
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm_raw(a: np.ndarray) -> np.ndarray:
    """exp of a batch of matrices: scaling and squaring with one Padé(13) approximant, one scaling for the batch."""
    x = _wide(a)
    if x.size == 0:
        return x.astype(a.dtype)
    norm = float(np.max(np.sum(np.abs(x), axis=-2))) if x.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    x = x / (2.0 ** s)
    b = _PADE13
    ident = _eye_like(x)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * ident)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * ident
    with np.errstate(all="ignore"):
        r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r.astype(a.dtype)


def _expm_fwd(F: Any, x: Any) -> Any:
    return F.asarray(_expm_raw(np.asarray(x)))


def _expm_frechet(F: Any, a: Any, e: Any) -> Any:
    """The Fréchet derivative L(a, e) of exp: the top-right block of exp([[a, e], [0, a]])."""
    n = F.shape(a)[-1]
    big = _run(F, EXPM, (_block_upper(F, a, e, a),))
    return big[..., :n, n:]


def _expm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a = ins[0]
    ah = _mH(F, a)
    if F.ndim(g) > F.ndim(a):  # a vectorised Jacobian's cotangent: give a its batch axes
        ah = F.broadcast_to(ah, F.shape(g))
    return (_expm_frechet(F, ah, g),)


def _expm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _expm_frechet(F, ins[0], ts[0])


def _np_expm(a: np.ndarray) -> np.ndarray:
    """Reference: eigendecomposition (the test matrices are diagonalisable)."""
    w, v = np.linalg.eig(a)
    r = v @ (np.exp(w)[..., None] * np.linalg.inv(v))
    return r.real if a.dtype.kind == "f" else r


EXPM = defop("expm", _expm_fwd, _expm_vjp, _expm_jvp, test=[
    spec(lambda tf, x: tf.linalg.expm(x), lambda rng: (rng.normal(size=(3, 3)),), ref=_np_expm, complex=True),
    spec(lambda tf, x: tf.linalg.expm(x), lambda rng: (3.0 * rng.normal(size=(2, 4, 4)),), ref=_np_expm,
         order2=False, rtol=1e-5, name="scaled_batch"),
])


def expm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Matrix exponential of (batches of) square matrices, by scaling and squaring with a Padé(13) approximant.

    The gradient is the adjoint Fréchet derivative, computed exactly as the top-right block of
    ``expm([[A^H, G], [0, A^H]])``.

    >>> import tapegrad as tf
    >>> tf.linalg.expm(tf.constant([[0.0, 1.0], [0.0, 0.0]])).numpy().tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    x = to_tensor(input)
    if x._value.dtype.kind not in "fcV":
        raise ValueError(f"expm: expected float16/32/64 or complex64/128 matrices, got {x.dtype.name} with shape "
                         f"{_shape(x)}; cast first, e.g. tf.cast(x, tf.float64).")
    x = _square_float(x, "expm")
    return applyn(EXPM, (x,))


# -- sqrtm and logm -----------------------------------------------------------------------------------------------


def _sqrtm_raw(a: np.ndarray) -> np.ndarray:
    """Principal square root by the scaled product form of the Denman-Beavers iteration (quadratic convergence
    for matrices with no eigenvalue on the closed negative real axis; elsewhere the result is NaN-free garbage or
    NaN, as for any principal root)."""
    x = _wide(a)
    if x.size == 0:
        return x.astype(a.dtype)
    n = x.shape[-1]
    ident = _eye_like(x)
    m, y = x.copy(), x.copy()
    with np.errstate(all="ignore"):
        for it in range(100):
            minv = np.linalg.inv(m)
            if it < 20:  # determinant scaling speeds the early iterations up
                mu = np.abs(np.linalg.det(m)) ** (-1.0 / (2 * n))
                mu = np.where(np.isfinite(mu) & (mu > 0), mu, 1.0)[..., None, None]
            else:
                mu = 1.0
            y = mu * y @ (ident + minv / (mu * mu)) / 2
            m = (ident + (mu * mu * m + minv / (mu * mu)) / 2) / 2
            if np.all(np.abs(m - ident) <= 1e-15 * n):
                break
    if a.dtype.kind == "f" and np.iscomplexobj(y):
        y = y.real
    return y.astype(a.dtype)


def _sqrtm_fwd(F: Any, x: Any) -> Any:
    return F.asarray(_sqrtm_raw(np.asarray(x)))


def _sylvester_sym(F: Any, x: Any, c: Any) -> Any:
    """Z with ``x Z + Z x = c`` (x square; batch axes broadcast)."""
    if getattr(F, "is_diff", False):
        # Recorded path (higher derivatives): the Kronecker form (I ⊗ x + x^T ⊗ I) vec(Z) = vec(c), row-major.
        n = F.shape(x)[-1]
        shape = F.shape(c)
        eye = _eye(F, n, x)
        k = F.einsum("...ij,kl->...ikjl", x, eye) + F.einsum("ij,...kl->...iljk", eye, x)
        k = F.reshape(k, tuple(F.shape(k)[:-4]) + (n * n, n * n))
        k = F.broadcast_to(k, tuple(shape[:-2]) + (n * n, n * n))
        z = F.linalg.solve(k, F.reshape(c, tuple(shape[:-2]) + (n * n, 1)))
        return F.reshape(z, shape)
    # Eigenbasis: x = V D V^-1, then (d_i + d_j) (V^-1 Z V)_ij = (V^-1 c V)_ij.
    w, v = np.linalg.eig(x)
    vi = np.linalg.inv(v)
    ct = vi @ c @ v
    z = v @ (ct / (w[..., :, None] + w[..., None, :])) @ vi
    return z.real if not (np.iscomplexobj(x) or np.iscomplexobj(c)) else z


def _sqrtm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # X² = A  ⇒  X dX + dX X = dA, so the cotangent solves X^H Ḡ + Ḡ X^H = G.
    z = _sylvester_sym(F, _mH(F, out), g)
    return (F.astype(z, out.dtype) if not getattr(F, "is_diff", False) else z,)


def _sqrtm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    z = _sylvester_sym(F, out, ts[0])
    return F.astype(z, out.dtype) if not getattr(F, "is_diff", False) else z


def _spd_ish(*shapes: tuple[int, ...]) -> Any:
    """Matrices near a positive multiple of the identity (eigenvalues in the right half plane)."""
    return lambda rng: tuple(rng.normal(size=s) * 0.3 + 2.0 * np.eye(s[-1]) for s in shapes)


def _np_sqrtm(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eig(a)
    r = v @ (np.sqrt(w.astype(complex))[..., None] * np.linalg.inv(v))
    return r.real if a.dtype.kind == "f" else r


SQRTM = defop("sqrtm", _sqrtm_fwd, _sqrtm_vjp, _sqrtm_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.linalg.sqrtm(x), _spd_ish((3, 3)), ref=_np_sqrtm, complex=True),
    spec(lambda tf, x: tf.linalg.sqrtm(x), _spd_ish((2, 4, 4)), ref=_np_sqrtm, name="batch"),
])


def sqrtm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Principal matrix square root ``X`` with ``X @ X == input`` (also ``tf.linalg.matrix_square_root``).

    Needs matrices without eigenvalues on the closed negative real axis. The gradient solves the Sylvester
    equation ``X^H Ḡ + Ḡ X^H = G``.

    >>> import tapegrad as tf
    >>> tf.linalg.sqrtm(tf.constant([[4.0, 0.0], [0.0, 9.0]])).numpy().tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    x = _square_float(input, "sqrtm")
    return applyn(SQRTM, (x,))


matrix_square_root = sqrtm

# Gauss-Legendre nodes/weights on [0, 1] for log(I + X) = ∫₀¹ X (I + tX)⁻¹ dt (10 nodes: exact to rounding for
# ||X|| <= 0.25).
_GL_T, _GL_W = np.polynomial.legendre.leggauss(10)
_GL_T, _GL_W = (_GL_T + 1) / 2, _GL_W / 2


def _logm_raw(a: np.ndarray) -> np.ndarray:
    """Principal logarithm by inverse scaling and squaring: square roots until ``||A - I||₁ <= 0.25``, then the
    Gauss-Legendre quadrature of the integral form, times ``2^k``."""
    x = _wide(a).astype(np.complex128)
    if x.size == 0:
        return x.astype(a.dtype)
    ident = _eye_like(x)
    k = 0
    while k < 60 and float(np.max(np.sum(np.abs(x - ident), axis=-2))) > 0.25:
        x = _sqrtm_raw(x)
        k += 1
    d = x - ident
    r = np.zeros_like(d)
    with np.errstate(all="ignore"):
        for t, w in zip(_GL_T, _GL_W):
            r = r + w * np.linalg.solve(ident + t * d, d)
    return (r * (2.0 ** k)).astype(a.dtype)


def _np_logm(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eig(a)
    return v @ (np.log(w)[..., None] * np.linalg.inv(v))


LOGM = defop("logm", lambda F, x: F.asarray(_logm_raw(np.asarray(x))), NO_GRADIENT, test=spec(
    lambda tf, x: tf.linalg.logm(x), lambda rng: (_spd_ish((2, 3, 3))(rng)[0] + 0.4j * rng.normal(size=(2, 3, 3)),),
    ref=_np_logm, grad=()))


def logm(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Principal matrix logarithm of complex square matrices (TensorFlow has no real kernel and no gradient;
    cast real input with ``tf.cast(x, tf.complex128)``).

    >>> import tapegrad as tf
    >>> x = tf.cast(tf.linalg.expm(tf.constant([[0.5, 0.2], [0.0, 0.1]])), tf.complex128)
    >>> tf.math.real(tf.linalg.logm(x)).numpy().round(6).tolist()
    [[0.5, 0.2], [0.0, 0.1]]
    """
    x = to_tensor(input)
    _matrix(x, "logm", square=True)
    if x._value.dtype.kind != "c":
        raise InvalidArgumentError(
            f"logm: TensorFlow's MatrixLogarithm takes complex64 or complex128 only, got {x.dtype.name} with shape "
            f"{_shape(x)}. Cast first: tf.linalg.logm(tf.cast(x, tf.complex128)).")
    return applyn(LOGM, (x,))


# -- LU -----------------------------------------------------------------------------------------------------------


def _lu_fwd(F: Any, a: Any, idx: Any) -> Any:
    """Partial-pivoting LU (LAPACK getrf order: the first largest pivot in a column wins), batched."""
    lu = np.array(a, copy=True)
    n = lu.shape[-1]
    batch = lu.shape[:-2]
    lu = lu.reshape((-1, n, n))
    perm = np.broadcast_to(np.arange(n), (lu.shape[0], n)).copy()
    rows = np.arange(lu.shape[0])
    with np.errstate(all="ignore"):
        for k in range(n - 1):
            piv = k + np.argmax(np.abs(lu[:, k:, k]), axis=1)
            row = lu[rows, k, :].copy()
            lu[rows, k, :] = lu[rows, piv, :]
            lu[rows, piv, :] = row
            top = perm[rows, k].copy()
            perm[rows, k] = perm[rows, piv]
            perm[rows, piv] = top
            pivot = lu[:, k, k][:, None]
            lu[:, k + 1:, k] = np.where(pivot != 0, lu[:, k + 1:, k] / np.where(pivot != 0, pivot, 1), 0)
            lu[:, k + 1:, k + 1:] -= lu[:, k + 1:, k, None] * lu[:, k, None, k + 1:]
    return F.asarray(lu.reshape(batch + (n, n))), F.asarray(perm.reshape(batch + (n,)).astype(idx))


LU = defop("lu", _lu_fwd, NO_GRADIENT, multi=True, test=spec(
    lambda tf, x: tf.linalg.lu(x), lambda rng: (rng.normal(size=(2, 4, 4)),),
    ref=lambda x: _np_lu(x), grad=()))


def _np_lu(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference LU, one matrix at a time with explicit row swaps."""
    outs, perms = [], []
    for m in x.reshape((-1,) + x.shape[-2:]):
        m = m.copy()
        n = m.shape[0]
        p = list(range(n))
        for k in range(n):
            j = k + int(np.argmax(np.abs(m[k:, k])))
            m[[k, j]] = m[[j, k]]
            p[k], p[j] = p[j], p[k]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
                m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
        outs.append(m)
        perms.append(p)
    return np.array(outs).reshape(x.shape), np.array(perms, np.int32).reshape(x.shape[:-1])


# TF returns its generated op's namedtuple: ``Lu(lu=..., p=...)``
Lu = namedtuple("Lu", ["lu", "p"])


def lu(input: Any, output_idx_type: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """LU decomposition with partial pivoting: ``(lu, p)`` with ``L`` (unit lower, strictly below the diagonal of
    ``lu``) and ``U`` (upper triangle) such that ``L @ U == input[..., p, :]``. No gradient (as TF).

    >>> import tapegrad as tf
    >>> lu, p = tf.linalg.lu(tf.constant([[1.0, 2.0], [4.0, 4.0]]))
    >>> lu.numpy().tolist(), p.numpy().tolist()
    ([[4.0, 4.0], [0.25, 1.0]], [1, 0])
    """
    from .. import dtypes as _dtypes

    x = _square_float(input, "lu")
    idx = np.dtype(_dtypes.as_dtype(output_idx_type or "int32").as_numpy_dtype)
    if idx not in (np.int32, np.int64):
        raise TypeError(f"lu: output_idx_type must be int32 or int64, got {idx}.")
    lu_, p = applyn(LU, (x,), {"idx": idx})
    if np.any(np.diagonal(static_value(lu_), 0, -2, -1) == 0):
        raise InvalidArgumentError(f"lu: the input (shape {_shape(x)}) is not invertible: U has a zero on its "
                                   "diagonal (TF's Lu kernel rejects singular matrices).")
    return Lu(lu_, p)


def _unit_lower(lu_: Tensor) -> Tensor:
    n = _shape(lu_)[-1]
    eye = core.cast(core.constant(np.eye(n)), lu_.dtype)
    return linalg_ops.band_part(lu_, -1, 0) - linalg_ops.band_part(lu_, 0, 0) + eye


def _permute_rows(x: Tensor, perm: Tensor) -> Tensor:
    """x[..., perm[...], :] with perm's batch axes matching x's (batch_dims gather)."""
    nb = len(_shape(perm)) - 1
    # a negative axis, as TF's lu_solve: the gradient is dense, not IndexedSlices (TF's rule for axis != 0)
    return indexing.gather(x, perm, axis=nb - len(_shape(x)), batch_dims=nb)


def _lu_parts(lower_upper: Any, perm: Any, op: str) -> tuple[Tensor, Tensor]:
    lu_ = _square_float(lower_upper, op)
    p = to_tensor(perm)
    if p.dtype.name not in ("int32", "int64"):
        raise TypeError(f"{op}: perm must be int32 or int64, got {p.dtype.name}.")
    if _shape(p) != _shape(lu_)[:-1]:
        raise InvalidArgumentError(f"{op}: perm of shape {_shape(p)} does not match lower_upper of shape "
                                   f"{_shape(lu_)} (expected {_shape(lu_)[:-1]}).")
    return lu_, p


def lu_solve(lower_upper: Any, perm: Any, rhs: Any, validate_args: bool = False, name: str | None = None) -> Tensor:
    """Solve ``A X = rhs`` from ``tf.linalg.lu(A)``'s factors (batch axes broadcast). Differentiable in
    ``lower_upper`` and ``rhs`` (a composition of triangular solves, as in TF).

    >>> import tapegrad as tf
    >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.linalg.lu_solve(*tf.linalg.lu(a), tf.constant([[5.0], [11.0]])).numpy().round(6).tolist()
    [[1.0], [2.0]]
    """
    lu_, p = _lu_parts(lower_upper, perm, "lu_solve")
    b = to_tensor(rhs)
    if b.dtype != lu_.dtype:
        raise InvalidArgumentError(f"lu_solve: rhs has dtype {b.dtype.name} but lower_upper has {lu_.dtype.name}.")
    _matrix(b, "lu_solve")
    batch = np.broadcast_shapes(_shape(lu_)[:-2], _shape(b)[:-2])
    n = _shape(lu_)[-1]
    lu_b = core.broadcast_to(lu_, batch + (n, n))
    p_b = core.broadcast_to(p, batch + (n,))
    b = core.broadcast_to(b, batch + _shape(b)[-2:])
    pb = _permute_rows(b, p_b)
    y = linalg_ops.triangular_solve(_unit_lower(lu_b), pb, lower=True)
    return linalg_ops.triangular_solve(lu_b, y, lower=False)


def lu_matrix_inverse(lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None) -> Tensor:
    """The inverse of ``A`` from ``tf.linalg.lu(A)``'s factors.

    >>> import tapegrad as tf
    >>> a = tf.constant([[2.0, 0.0], [0.0, 4.0]])
    >>> tf.linalg.lu_matrix_inverse(*tf.linalg.lu(a)).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    lu_, p = _lu_parts(lower_upper, perm, "lu_matrix_inverse")
    n = _shape(lu_)[-1]
    eye = core.broadcast_to(core.cast(core.constant(np.eye(n)), lu_.dtype), _shape(lu_))
    return lu_solve(lu_, p, eye)


def lu_reconstruct(lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None) -> Tensor:
    """``A`` back from ``tf.linalg.lu(A)``'s factors: ``P^T L U``.

    >>> import tapegrad as tf
    >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.linalg.lu_reconstruct(*tf.linalg.lu(a)).numpy().round(6).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    lu_, p = _lu_parts(lower_upper, perm, "lu_reconstruct")
    x = matmul.matmul(_unit_lower(lu_), linalg_ops.band_part(lu_, 0, -1))
    inv = np.argsort(static_value(p), axis=-1).astype(p.dtype.as_numpy_dtype)
    return _permute_rows(x, core.constant(inv))


# -- eig / eigvals ------------------------------------------------------------------------------------------------


def _eig_fwd(F: Any, x: Any) -> Any:
    ctype = np.complex64 if x.dtype in (np.float32, np.complex64) else np.complex128
    w, v = np.linalg.eig(np.asarray(x))
    return F.asarray(w.astype(ctype)), F.asarray(v.astype(ctype))


def _eig_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # A = V E V⁻¹ with unit-norm columns: Ā = V^-H (diag(ē) + conj(F) ∘ (V^H V̄ - V^H V diag(Re diag(V^H V̄)))) V^H,
    # F_ij = 1 / (e_j - e_i) off the diagonal (TF's formula, which accounts for the normalisation of V).
    ge, gv = g
    e, v = out
    n = F.shape(v)[-1]
    eye = _eye(F, n, v)
    vh = _mH(F, v)
    f = F.conj(_safe_recip_gap(F, e[..., None, :] - e[..., :, None], 1 - eye))
    vgv = F.matmul(vh, gv)
    re_diag = F.astype(F.real(F.diagonal(vgv, 0, -2, -1)), v.dtype)
    mid = ge[..., None] * eye + f * (vgv - F.matmul(F.matmul(vh, v), re_diag[..., None] * eye))
    ga = F.linalg.solve(F.broadcast_to(vh, F.shape(mid)), F.matmul(mid, vh))
    if not is_complex(ins[0]):
        ga = F.real(ga)
    return (ga,)


def _eig_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    # A = V E V⁻¹: with M = V⁻¹ Ȧ V, Ė = diag(M) and V̇ = V (F ∘ M), F_ij = 1 / (e_j - e_i) off the diagonal; then
    # the unit-norm columns remove their own component: V̇ -= V Re(diag(V^H V̇)).
    e, v = out
    da = ts[0]
    if da is None:
        return None, None
    da = F.astype(da, v.dtype)
    n = F.shape(v)[-1]
    eye = _eye(F, n, v)
    m = F.linalg.solve(v, F.matmul(da, v))
    de = F.diagonal(m, 0, -2, -1)
    f = _safe_recip_gap(F, e[..., None, :] - e[..., :, None], 1 - eye)
    dv = F.matmul(v, f * m)
    dv = dv - v * F.astype(F.real(F.sum(F.conj(v) * dv, axis=-2)), v.dtype)[..., None, :]
    return de, dv


def _eig_args(*shapes: tuple[int, ...]) -> Any:
    """Matrices with well-separated (complex-pair) eigenvalues."""
    return lambda rng: tuple(rng.normal(size=s) + np.diag(2.0 * np.arange(s[-1])) for s in shapes)


def _eig_invariants(tf: Any, x: Any) -> Any:
    """Functions of the eigenpairs independent of their order and of the eigenvectors' phases."""
    e, v = tf.linalg.eig(x)
    w = tf.math.real(v * tf.math.conj(v))
    ew = tf.reduce_sum(tf.math.real(e)[..., None, :] * w * w, axis=-1)
    s = tf.reduce_sum(e * e, axis=-1)
    return tf.math.real(s), tf.math.imag(s), ew


def _np_eig_invariants(x: np.ndarray) -> Any:
    e, v = np.linalg.eig(x)
    w = np.abs(v) ** 2
    s = np.sum(e * e, axis=-1)
    return s.real, s.imag, np.sum(e.real[..., None, :] * w * w, axis=-1)


EIG = defop("eig", _eig_fwd, _eig_vjp, _eig_jvp, multi=True, test=[
    spec(_eig_invariants, _eig_args((3, 3)), ref=_np_eig_invariants, complex=True),
    spec(_eig_invariants, _eig_args((2, 4, 4)), ref=_np_eig_invariants, order2=False, name="batch"),
    spec(lambda tf, x: tf.math.real(tf.reduce_prod(tf.linalg.eigvals(x), axis=-1)), _eig_args((2, 3, 3)),
         ref=lambda x: np.prod(np.linalg.eigvals(x), axis=-1).real, complex=True, name="eigvals"),
])


def eig(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Eigenvalues and unit-norm eigenvectors (columns) of general square matrices; both complex (complex64 for
    float32/complex64 input, complex128 otherwise). Eigenvectors are unique up to a phase, so differentiate
    phase-invariant functions of them; the gradient (TF's) needs distinct eigenvalues and a diagonalisable input.

    >>> import tapegrad as tf
    >>> e, v = tf.linalg.eig(tf.constant([[0.0, 1.0], [-1.0, 0.0]]))
    >>> sorted(e.numpy().imag.round(6).tolist())
    [-1.0, 1.0]
    """
    x = _square_float(tensor, "eig")
    e, v = _lapack(lambda: applyn(EIG, (x,)), "eig", _shape(x), "the eigenvalue iteration did not converge")
    return e, v


def eigvals(tensor: Any, name: str | None = None) -> Tensor:
    """Eigenvalues (complex) of general square matrices; the gradient is ``V^-H diag(ē) V^H``.

    >>> import tapegrad as tf
    >>> tf.linalg.eigvals(tf.constant([[2.0, 0.0], [0.0, 3.0]])).numpy().tolist()
    [(2+0j), (3+0j)]
    """
    return eig(tensor)[0]


def eigvalsh(tensor: Any, name: str | None = None) -> Tensor:
    """Eigenvalues (ascending, real) of Hermitian matrices (reads the lower triangle, as ``eigh``).

    >>> import tapegrad as tf
    >>> tf.linalg.eigvalsh(tf.constant([[2.0, 1.0], [1.0, 2.0]])).numpy().round(6).tolist()
    [1.0, 3.0]
    """
    return linalg_ops.eigh(tensor)[0]


def eigh_tridiagonal(alpha: Any, beta: Any, eigvals_only: bool = True, select: str = "a", select_range: Any = None,
                     tol: Any = None, name: str | None = None) -> Any:
    """Eigenvalues (and, with ``eigvals_only=False``, eigenvectors) of the Hermitian tridiagonal matrix with
    diagonal ``alpha`` (real, length n) and sub-diagonal ``beta`` (length n - 1; the super-diagonal is its
    conjugate). ``select``: ``'a'`` all, ``'v'`` eigenvalues in ``(lo, hi]``, ``'i'`` indices ``lo..hi``.

    Values match TF's bisection to its tolerance; the gradient is the exact eigenvalue derivative (TF's own comes
    from differentiating its bisection loop and is not the derivative).

    >>> import tapegrad as tf
    >>> tf.linalg.eigh_tridiagonal(tf.constant([2.0, 2.0]), tf.constant([1.0])).numpy().round(6).tolist()
    [1.0, 3.0]
    """
    a = to_tensor(alpha)
    b = to_tensor(beta)
    if a._value.ndim != 1 or b._value.ndim != 1:
        raise ValueError(f"eigh_tridiagonal: alpha and beta must be vectors, got shapes {_shape(a)} and {_shape(b)}.")
    n = _shape(a)[0]
    if _shape(b)[0] != n - 1 and n > 0:
        raise ValueError(f"eigh_tridiagonal: beta must have length len(alpha) - 1 = {n - 1}, got {_shape(b)[0]}.")
    if a.dtype != b.dtype:
        raise ValueError(f"eigh_tridiagonal: alpha ({a.dtype.name}) and beta ({b.dtype.name}) must have one dtype "
                         "(for a complex beta pass a complex alpha; its imaginary part is ignored).")
    if a._value.dtype.kind == "c":
        # the diagonal of a Hermitian matrix is real: TF reads only alpha's real part
        a = core.cast(core.real(a), a.dtype)
    if select not in ("a", "v", "i"):
        raise ValueError(f"eigh_tridiagonal: select must be 'a', 'v' or 'i', got {select!r}.")
    dense = linalg_ops.diag(a)
    if n > 1:
        dense = dense + linalg_ops.diag(b, k=-1) + linalg_ops.diag(core.conj(b), k=1)
    e, v = linalg_ops.eigh(dense)
    if is_complex(e):
        e = core.real(e)  # eigenvalues of a Hermitian matrix: real dtype, as TF
    if select == "i":
        lo, hi = (int(s) for s in select_range)
        e, v = e[lo:hi + 1], v[:, lo:hi + 1]
    elif select == "v":
        lo, hi = (float(static_value(to_tensor(s))) for s in select_range)
        ev = static_value(e)
        keep = np.nonzero((ev > lo) & (ev <= hi))[0]
        e = indexing.gather(e, keep)
        v = indexing.gather(v, keep, axis=1)
    return e if eigvals_only else (e, v)


# -- small helpers --------------------------------------------------------------------------------------------------


def matrix_rank(a: Any, tol: Any = None, validate_args: bool = False, name: str | None = None) -> Tensor:
    """The number of singular values above ``tol`` (default ``eps * max(rows, cols) * largest singular value``),
    per matrix, as int32.

    >>> import tapegrad as tf
    >>> tf.linalg.matrix_rank(tf.constant([[1.0, 2.0], [2.0, 4.0]])).numpy().item()
    1
    """
    x = to_tensor(a)
    if x._value.dtype.kind not in "fcV":
        raise TypeError(f"matrix_rank: expected a floating-point or complex tensor, got {x.dtype.name}; cast first.")
    _matrix(x, "matrix_rank")
    _float_kind(x, "matrix_rank")
    s = static_value(linalg_ops.svd(x, compute_uv=False))
    if tol is None:
        eps = np.finfo(x._value.dtype).eps
        cut = eps * max(_shape(x)[-2:]) * (np.max(s, axis=-1, keepdims=True) if s.shape[-1] else 0.0)
    else:
        cut = np.asarray(static_value(to_tensor(tol)))[..., None]
    return core.constant(np.sum(s > cut, axis=-1).astype(np.int32))


def _cross_fwd(F: Any, a: Any, b: Any) -> Any:
    return F.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1], a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                    a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)


def _cross_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, b = ins
    return (_cross_fwd(F, b, g) if needs[0] else None, _cross_fwd(F, g, a) if needs[1] else None)


CROSS = defop("cross", _cross_fwd, _cross_vjp,
              lambda F, ts, ins, out, p: _cross_sum(F, ts, ins), bilinear=True,
              test=spec(lambda tf, a, b: tf.linalg.cross(a, b), lambda rng: tuple(rng.normal(size=(2, 4, 3))),
                        ref=lambda a, b: np.cross(a, b)))


def _cross_sum(F: Any, ts: Any, ins: Any) -> Any:
    res = None if ts[0] is None else _cross_fwd(F, ts[0], ins[1])
    if ts[1] is not None:
        r = _cross_fwd(F, ins[0], ts[1])
        res = r if res is None else res + r
    return res


def cross(a: Any, b: Any, name: str | None = None) -> Tensor:
    """Cross product of 3-vectors along the last axis (``a`` and ``b`` of one shape, as TF's Cross op).

    >>> import tapegrad as tf
    >>> tf.linalg.cross(tf.constant([1.0, 0.0, 0.0]), tf.constant([0.0, 1.0, 0.0])).numpy().tolist()
    [0.0, 0.0, 1.0]
    """
    x, y = linalg_ops._same(a, b, "cross")
    if _shape(x) != _shape(y):
        raise InvalidArgumentError(f"cross: both arguments must have the same shape, got {_shape(x)} and "
                                   f"{_shape(y)} (cross does not broadcast).")
    if not _shape(x) or _shape(x)[-1] != 3:
        raise FailedPreconditionError(f"cross: cross products are defined for 3-element vectors only; the last "
                                      f"dimension must be 3, got shape {_shape(x)}.")
    if x._value.dtype.kind not in "iuf":
        raise InvalidArgumentError(f"cross: expected a real (integer or float) dtype, got {x.dtype.name}.")
    return applyn(CROSS, (x, y))


def global_norm(t_list: Any, name: str | None = None) -> Tensor:
    """``sqrt(sum(l2norm(t)**2 for t in t_list))``; ``None`` entries are ignored (IndexedSlices count their values).

    >>> import tapegrad as tf
    >>> tf.linalg.global_norm([tf.constant([3.0]), None, tf.constant([[4.0]])]).numpy().item()
    5.0
    """
    from .._indexed_slices import IndexedSlices

    if isinstance(t_list, (str, bytes)) or not hasattr(t_list, "__iter__") or isinstance(t_list, _TensorLike):
        raise TypeError(f"global_norm: t_list must be a sequence of tensors, got {type(t_list).__name__}.")
    parts = []
    for t in t_list:
        if t is None:
            continue
        t = t.values if isinstance(t, IndexedSlices) else to_tensor(t)
        parts.append(reductions.reduce_sum(unary_math.square(t)))
    if not parts:
        return core.constant(0.0)
    dts = {p.dtype for p in parts}
    if len(dts) > 1:
        raise TypeError(f"global_norm: all tensors must have one dtype, got {sorted(d.name for d in dts)}.")
    return unary_math.sqrt(arithmetic.add_n(parts) if len(parts) > 1 else parts[0])


def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None, name: str | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``(tensor / norm, norm)`` with ``norm = tf.norm(tensor, ord, axis, keepdims=True)``.

    >>> import tapegrad as tf
    >>> t, n = tf.linalg.normalize(tf.constant([3.0, 4.0]))
    >>> t.numpy().tolist(), n.numpy().tolist()
    ([0.6000000238418579, 0.800000011920929], [5.0])
    """
    x = to_tensor(tensor)
    n = reductions.norm(x, ord=ord, axis=axis, keepdims=True)
    return arithmetic.divide(x, n), n


def tensor_diag(diagonal: Any, name: str | None = None) -> Tensor:
    """The tensor with ``diagonal`` on its diagonal: shape ``diagonal.shape + diagonal.shape``.

    >>> import tapegrad as tf
    >>> tf.linalg.tensor_diag(tf.constant([1, 2])).numpy().tolist()
    [[1, 0], [0, 2]]
    """
    d = to_tensor(diagonal)
    shape = _shape(d)
    if not shape:
        return d
    flat = shape_ops.reshape(d, [-1])
    return shape_ops.reshape(linalg_ops.diag(flat), list(shape) + list(shape))


# -- tridiagonal and banded solves --------------------------------------------------------------------------------


def _gtsv(diags: np.ndarray, b: np.ndarray, pivot: bool) -> np.ndarray:
    """Solve tridiagonal systems ``[..., 3, M]`` (super, main, sub; compact layout) with right-hand sides
    ``[..., M, K]``, vectorised over the batch: LAPACK gtsv's elimination (row interchange when the sub-diagonal
    entry is larger, fill-in on the second super-diagonal), or plain Thomas elimination without pivoting (NaN on
    a zero pivot, as TF)."""
    batch = np.broadcast_shapes(diags.shape[:-2], b.shape[:-2])
    m = diags.shape[-1]
    ct = np.result_type(diags, b)
    du = np.array(np.broadcast_to(diags[..., 0, :], batch + (m,)), dtype=ct)
    d = np.array(np.broadcast_to(diags[..., 1, :], batch + (m,)), dtype=ct)
    dl = np.array(np.broadcast_to(diags[..., 2, :], batch + (m,)), dtype=ct)
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=ct)
    if m == 0:
        return x
    du[..., -1] = 0
    du2 = np.zeros_like(d)
    with np.errstate(all="ignore"):
        for i in range(m - 1):
            low = dl[..., i + 1]  # A[i+1, i]
            swap = (np.abs(d[..., i]) < np.abs(low)) if pivot else np.zeros(batch, bool)
            if pivot and np.any((d[..., i] == 0) & (low == 0)):
                raise InvalidArgumentError("tridiagonal_solve: the matrix is not invertible (a zero column in the "
                                           "elimination); check the diagonals.")
            if not swap.any():  # no interchange anywhere in the batch: the same arithmetic in a few ops
                fn = low / d[..., i]
                d[..., i + 1] -= fn * du[..., i]
                x[..., i + 1, :] -= fn[..., None] * x[..., i, :]
                continue
            fn = low / np.where(swap, 1, d[..., i])
            fs = d[..., i] / np.where(swap, low, 1)
            di1, dui, dui1 = d[..., i + 1].copy(), du[..., i].copy(), du[..., i + 1].copy()
            bi, bi1 = x[..., i, :].copy(), x[..., i + 1, :].copy()
            d[..., i] = np.where(swap, low, d[..., i])
            d[..., i + 1] = np.where(swap, dui - fs * di1, di1 - fn * dui)
            du2[..., i] = np.where(swap, dui1, 0)
            du[..., i + 1] = np.where(swap, -fs * dui1, dui1)
            du[..., i] = np.where(swap, di1, dui)
            sw = swap[..., None]
            x[..., i, :] = np.where(sw, bi1, bi)
            x[..., i + 1, :] = np.where(sw, bi - fs[..., None] * bi1, bi1 - fn[..., None] * bi)
        if pivot and np.any(d[..., m - 1] == 0):
            raise InvalidArgumentError("tridiagonal_solve: the matrix is not invertible (a zero pivot in the last "
                                       "row).")
        x[..., m - 1, :] /= d[..., m - 1, None]
        for i in range(m - 2, -1, -1):
            r = x[..., i, :] - du[..., i, None] * x[..., i + 1, :]
            if i + 2 < m:
                r = r - du2[..., i, None] * x[..., i + 2, :]
            x[..., i, :] = r / d[..., i, None]
    return x


def _perturbed(tol: Any, pivot: Any, row: np.ndarray, safemin: Any, bignum: Any) -> tuple[Any, np.ndarray]:
    """LAPACK xLAGTS's guard for a back-substitution pivot below one: push it away from zero by ``tol``, ``2 tol``,
    ``4 tol``, ... (keeping its sign) until neither ``1/pivot`` nor ``row/pivot`` can overflow, or, for a pivot
    below the underflow threshold with a small enough row, rescale both by ``bignum`` instead."""
    size = abs(pivot)
    if size >= 1:
        return pivot, row
    step = np.copysign(max(abs(tol), safemin), np.real(pivot)).astype(type(safemin))
    biggest = np.abs(row).max(initial=0)
    while size < 1:
        if size < safemin and size != 0 and biggest * safemin <= size:
            return pivot * bignum, row * bignum
        if size >= safemin and biggest <= size * bignum:
            break
        pivot, step = pivot + step, step * 2
        size = abs(pivot)
    return pivot, row


def _gtsv_perturbed(sup: np.ndarray, main: np.ndarray, sub: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One system ``A x = b`` (``b``: ``[M, K]``) by row-pivoted LU (LAPACK xLAGTF's scaled pivot choice) with the
    forward solve fused in, then back substitution that perturbs tiny pivots of U by multiples of
    ``eps * max|U|`` (TF's ``perturb_singular``: a finite answer for a numerically singular matrix, as inverse
    iteration needs)."""
    m = main.shape[0]
    rt = np.finfo(main.dtype).dtype.type
    eps, safemin = rt(np.finfo(rt).eps), rt(np.finfo(rt).tiny)
    bignum = rt(1) / safemin
    x = b.copy()
    if m == 0:
        return x
    u = np.zeros((m, 3), main.dtype)  # U's diagonal, super-diagonal and (after interchanges) second super-diagonal
    u[0, 0], u[0, 1] = main[0], sup[0] if m > 1 else 0
    max_u = max(abs(u[0, 0]), abs(u[0, 1]))
    scale1 = abs(u[0, 0]) + abs(u[0, 1])
    for k in range(m - 1):
        u[k + 1, 0] = main[k + 1]
        scale2 = abs(sub[k + 1]) + abs(main[k + 1]) + (abs(sup[k + 1]) if k < m - 2 else 0)
        next_sup = sup[k + 1] if k < m - 2 else 0
        if sub[k + 1] == 0:
            scale1 = scale2
            u[k + 1, 1] = next_sup
        else:
            piv1 = 0 if u[k, 0] == 0 else abs(u[k, 0]) / scale1
            if abs(sub[k + 1]) / scale2 <= piv1:  # keep the row order
                scale1 = scale2
                f = sub[k + 1] / u[k, 0]
                u[k + 1, 0] = main[k + 1] - f * u[k, 1]
                u[k + 1, 1] = next_sup
                x[k + 1] = x[k + 1] - f * x[k]
            else:  # interchange rows k and k+1
                f = u[k, 0] / sub[k + 1]
                u[k, 0], u[k + 1, 0] = sub[k + 1], u[k, 1] - f * main[k + 1]
                u[k, 1], u[k, 2], u[k + 1, 1] = main[k + 1], next_sup, -f * next_sup
                x[k], x[k + 1] = x[k + 1].copy(), x[k] - f * x[k + 1]
        if k < m - 2:
            max_u = max(max_u, np.abs(u[k]).max())
    max_u = max(max_u, abs(u[m - 1, 0]))
    tol = eps * max_u
    for k in range(m - 1, -1, -1):
        row = x[k].copy()
        if k + 1 < m:
            row -= u[k, 1] * x[k + 1]
        if k + 2 < m:
            row -= u[k, 2] * x[k + 2]
        pivot, row = _perturbed(tol, u[k, 0], row, safemin, bignum)
        x[k] = row * (1 / pivot)
    return x


def _trisolve_fwd(F: Any, diags: Any, b: Any, pivot: bool, perturb: bool = False) -> Any:
    if not perturb:
        return F.asarray(_gtsv(np.asarray(diags), np.asarray(b), pivot))
    diags, b = np.asarray(diags), np.asarray(b)
    batch = np.broadcast_shapes(diags.shape[:-2], b.shape[:-2])
    diags = np.broadcast_to(diags, batch + diags.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=np.result_type(diags, b))
    with np.errstate(all="ignore"):
        for i in np.ndindex(batch):
            x[i] = _gtsv_perturbed(diags[i][0], diags[i][1], diags[i][2], x[i])
    return F.asarray(x)


def _adjoint_diags(F: Any, diags: Any) -> Any:
    """Compact diagonals of A^H: super' = conj(sub shifted left), sub' = conj(super shifted right)."""
    sup, main, sub = diags[..., 0, :], diags[..., 1, :], diags[..., 2, :]
    z = F.zeros_like(main[..., :1])
    new_sup = F.concatenate([sub[..., 1:], z], axis=-1)
    new_sub = F.concatenate([z, sup[..., :-1]], axis=-1)
    return cj(F, F.stack([new_sup, main, new_sub], axis=-2))


def _trisolve_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    diags = ins[0]
    gb = _run(F, TRIDIAG_SOLVE, (_adjoint_diags(F, diags), g), p)
    gd = None
    if needs[0]:
        xc = cj(F, out)
        z = F.zeros_like(F.sum(gb[..., :1, :], axis=-1))
        g_sup = F.concatenate([-F.sum(gb[..., :-1, :] * xc[..., 1:, :], axis=-1), z], axis=-1)
        g_main = -F.sum(gb * xc, axis=-1)
        g_sub = F.concatenate([z, -F.sum(gb[..., 1:, :] * xc[..., :-1, :], axis=-1)], axis=-1)
        gd = F.stack([g_sup, g_main, g_sub], axis=-2)
    return (gd, gb if needs[1] else None)


def _trisolve_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    # A x = b  ⇒  A dx = db - dA x
    rhs = None if ts[1] is None else ts[1]
    if ts[0] is not None:
        dax = _run(F, TRIDIAG_MATMUL, (ts[0], out))
        rhs = -dax if rhs is None else rhs - dax
    return _run(F, TRIDIAG_SOLVE, (ins[0], rhs), p)


def _tri_args(batch: tuple[int, ...], m: int, k: int) -> Any:
    def make(rng: Any) -> tuple[Any, ...]:
        diags = rng.normal(size=batch + (3, m))
        diags[..., 1, :] += 4.0 * np.sign(diags[..., 1, :])  # diagonally dominant: well conditioned
        return diags, rng.normal(size=batch + (m, k))
    return make


def _tri_args_pivoting(rng: Any) -> tuple[Any, ...]:
    """Small main diagonal: the pivoting path swaps rows."""
    diags = np.stack([rng.uniform(1, 2, 5), 0.1 * rng.normal(size=5), rng.uniform(1, 2, 5)])
    return diags, rng.normal(size=(5, 2))


def _np_tri_dense(diags: np.ndarray) -> np.ndarray:
    m = diags.shape[-1]
    out = np.zeros(diags.shape[:-2] + (m, m), diags.dtype)
    idx = np.arange(m)
    out[..., idx, idx] = diags[..., 1, :]
    out[..., idx[:-1], idx[1:]] = diags[..., 0, :-1]
    out[..., idx[1:], idx[:-1]] = diags[..., 2, 1:]
    return out


def _tridiag_matmul_fwd(F: Any, diags: Any, x: Any) -> Any:
    sup, main, sub = diags[..., 0, :, None], diags[..., 1, :, None], diags[..., 2, :, None]
    z = F.zeros_like(x[..., :1, :])
    up = F.concatenate([sup[..., :-1, :] * x[..., 1:, :], z], axis=-2)
    down = F.concatenate([z, sub[..., 1:, :] * x[..., :-1, :]], axis=-2)
    return up + main * x + down


def _tridiag_matmul_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    diags, x = ins
    gx = _run(F, TRIDIAG_MATMUL, (_adjoint_diags(F, diags), g)) if needs[1] else None
    gd = None
    if needs[0]:
        xc = cj(F, x)
        z = F.zeros_like(F.sum(g[..., :1, :], axis=-1))
        g_sup = F.concatenate([F.sum(g[..., :-1, :] * xc[..., 1:, :], axis=-1), z], axis=-1)
        g_sub = F.concatenate([z, F.sum(g[..., 1:, :] * xc[..., :-1, :], axis=-1)], axis=-1)
        gd = F.stack([g_sup, F.sum(g * xc, axis=-1), g_sub], axis=-2)
    return (gd, gx)


TRIDIAG_SOLVE = defop("tridiagonal_solve", _trisolve_fwd, _trisolve_vjp, _trisolve_jvp, save_out=True, test=[
    spec(lambda tf, d, b: tf.linalg.tridiagonal_solve(d, b), _tri_args((), 5, 2),
         ref=lambda d, b: np.linalg.solve(_np_tri_dense(d), b), complex=True),
    spec(lambda tf, d, b: tf.linalg.tridiagonal_solve(d, b, partial_pivoting=False), _tri_args((2,), 4, 3),
         ref=lambda d, b: np.linalg.solve(_np_tri_dense(d), b), name="thomas"),
    spec(lambda tf, d, b: tf.linalg.tridiagonal_solve(d, b), _tri_args_pivoting,
         ref=lambda d, b: np.linalg.solve(_np_tri_dense(d), b), name="pivoting"),
])
TRIDIAG_MATMUL = defop("tridiagonal_matmul", _tridiag_matmul_fwd, _tridiag_matmul_vjp,
                       bilinear_jvp(lambda F, a, b, p: _run(F, TRIDIAG_MATMUL, (a, b))), bilinear=True,
                       test=spec(lambda tf, d, x: tf.linalg.tridiagonal_matmul(d, x),
                                 lambda rng: (rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 3))),
                                 ref=lambda d, x: _np_tri_dense(d) @ x, complex=True))


def _tri_kind(d: Tensor, op: str) -> None:
    # TF's tridiagonal kernels are registered for float32/64 and complex64/128 only (float16: InvalidArgumentError)
    if d._value.dtype == np.float16:
        raise InvalidArgumentError(f"{op}: there is no float16 kernel (float32, float64, complex64, complex128 "
                                   f"only) for the diagonals of shape {_shape(d)}; cast them first.")
    _float_kind(d, op)


def _compact(diagonals: Any, fmt: str, op: str) -> Tensor:
    """Diagonals in any of TF's formats as one compact ``[..., 3, M]`` tensor (differentiably)."""
    from . import joining

    if fmt == "compact":
        d = to_tensor(diagonals)
        if len(_shape(d)) < 2 or _shape(d)[-2] != 3:
            raise ValueError(f"{op}: compact diagonals must have shape [..., 3, M], got {_shape(d)}.")
        return d
    if fmt == "sequence":
        if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
            raise ValueError(f"{op}: diagonals_format='sequence' expects a tuple (superdiag, maindiag, subdiag).")
        parts = [to_tensor(t) for t in diagonals]
        if len({_shape(t) for t in parts}) != 1:
            raise ValueError(f"{op}: the three diagonals must have one shape, got {[_shape(t) for t in parts]}.")
        return joining.stack(parts, axis=-2)
    if fmt == "matrix":
        a = to_tensor(diagonals)
        _matrix(a, op, square=True)
        z = core.zeros_like(a[..., :1, 0])
        sup = joining.concat([linalg_ops.diag_part(a, k=1), z], axis=-1)
        sub = joining.concat([z, linalg_ops.diag_part(a, k=-1)], axis=-1)
        return joining.stack([sup, linalg_ops.diag_part(a), sub], axis=-2)
    raise ValueError(f"{op}: unrecognized diagonals_format {fmt!r}; use 'compact', 'sequence' or 'matrix'.")


def tridiagonal_solve(diagonals: Any, rhs: Any, diagonals_format: str = "compact", transpose_rhs: bool = False,
                      conjugate_rhs: bool = False, name: str | None = None, partial_pivoting: bool = True,
                      perturb_singular: bool = False) -> Tensor:
    """Solve tridiagonal systems ``A X = rhs``.

    ``diagonals``: ``'compact'`` ``[..., 3, M]`` (super-diagonal with its last entry ignored, main diagonal,
    sub-diagonal with its first entry ignored), ``'sequence'`` (a tuple of three ``[..., M]`` tensors) or
    ``'matrix'`` ``[..., M, M]`` (only its tridiagonal part is read). ``rhs``: ``[..., M]`` or ``[..., M, K]``
    (``[..., K, M]`` with ``transpose_rhs``). ``partial_pivoting`` swaps rows like LAPACK's gtsv; without it a
    zero pivot gives NaN. ``perturb_singular`` (with pivoting) perturbs tiny pivots of the LU by multiples
    of ``eps * max|U|`` so that a (numerically) singular system still gets a finite solution, as inverse iteration
    for eigenvectors needs; it runs one matrix at a time. Differentiable in both inputs (the gradient of the
    diagonals is zero at the ignored entries, as TF).

    >>> import tapegrad as tf
    >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
    >>> tf.linalg.tridiagonal_solve(d, tf.constant([3.0, 4.0, 3.0])).numpy().round(6).tolist()
    [1.0, 1.0, 1.0]
    """
    from .. import math as _math
    from . import shape_ops as _so

    op = "tridiagonal_solve"
    if perturb_singular and not partial_pivoting:
        raise ValueError(f"{op}: perturb_singular=True needs partial_pivoting=True (the perturbation acts on the "
                         f"pivots of the row-pivoted LU).")
    d = _compact(diagonals, diagonals_format, op)
    _tri_kind(d, op)
    b = to_tensor(rhs)
    if b.dtype != d.dtype:
        raise InvalidArgumentError(f"{op}: rhs ({b.dtype.name}) and diagonals ({d.dtype.name}) need one dtype.")
    m = _shape(d)[-1]
    vector = len(_shape(b)) == len(_shape(d)) - 1
    if vector:
        b = b[..., None]
    elif transpose_rhs:
        b = _so.transpose(b, list(range(len(_shape(b)) - 2)) + [len(_shape(b)) - 1, len(_shape(b)) - 2])
    if conjugate_rhs:
        b = _math.conj(b)
    if _shape(b)[-2] != m:
        raise InvalidArgumentError(f"{op}: rhs has {_shape(b)[-2]} rows (shape {_shape(to_tensor(rhs))}) but the "
                                   f"system has M = {m}.")
    x = applyn(TRIDIAG_SOLVE, (d, b), {"pivot": bool(partial_pivoting), "perturb": bool(perturb_singular)})
    return x[..., 0] if vector else x


def tridiagonal_matmul(diagonals: Any, rhs: Any, diagonals_format: str = "compact", name: str | None = None
                       ) -> Tensor:
    """``A @ rhs`` for tridiagonal ``A`` given by its diagonals (formats as in ``tridiagonal_solve``);
    ``rhs`` is ``[..., M, N]``.

    >>> import tapegrad as tf
    >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
    >>> tf.linalg.tridiagonal_matmul(d, tf.ones([3, 1])).numpy().tolist()
    [[3.0], [4.0], [3.0]]
    """
    op = "tridiagonal_matmul"
    d = _compact(diagonals, diagonals_format, op)
    _tri_kind(d, op)
    x = to_tensor(rhs)
    if x.dtype != d.dtype:
        raise InvalidArgumentError(f"{op}: rhs ({x.dtype.name}) and diagonals ({d.dtype.name}) need one dtype.")
    if len(_shape(x)) != len(_shape(d)) or _shape(x)[:-2] != _shape(d)[:-2] or _shape(x)[-2] != _shape(d)[-1]:
        raise InvalidArgumentError(f"{op}: rhs must have shape [..., M, N] = {list(_shape(d)[:-2])} + [{_shape(d)[-1]}"
                                   f", N] to match the diagonals {_shape(d)}, got {_shape(x)} (no broadcasting).")
    return applyn(TRIDIAG_MATMUL, (d, x))


def banded_triangular_solve(bands: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                            name: str | None = None) -> Tensor:
    """Solve triangular systems given by their bands ``[..., K, M]``: with ``lower``, ``bands[..., 0, :]`` is the
    main diagonal and ``bands[..., k, j] = A[j, j - k]`` (the first k entries of row k are ignored); otherwise
    ``bands[..., K-1, :]`` is the main diagonal and ``bands[..., K-1-k, j] = A[j, j + k]`` (the last k ignored).
    Differentiable in both inputs (a composition of a band scatter and ``triangular_solve``).

    >>> import tapegrad as tf
    >>> bands = tf.constant([[2.0, 2.0], [0.0, 1.0]])
    >>> tf.linalg.banded_triangular_solve(bands, tf.constant([[2.0], [3.0]])).numpy().tolist()
    [[1.0], [1.0]]
    """
    op = "banded_triangular_solve"
    bd = to_tensor(bands)
    _float_kind(bd, op)
    b = to_tensor(rhs)
    if b.dtype != bd.dtype:
        raise InvalidArgumentError(f"{op}: rhs ({b.dtype.name}) and bands ({bd.dtype.name}) need one dtype.")
    if len(_shape(bd)) < 2 or len(_shape(b)) < 2:
        raise ValueError(f"{op}: bands must be [..., K, M] and rhs [..., M, N], got {_shape(bd)} and {_shape(b)}.")
    k, m = _shape(bd)[-2:]
    if _shape(b)[-2] != m:
        raise InvalidArgumentError(f"{op}: rhs has {_shape(b)[-2]} rows but the bands describe M = {m}.")
    main = bd[..., 0, :] if lower else bd[..., k - 1, :]
    if np.any(static_value(main) == 0):
        raise InvalidArgumentError(f"{op}: the matrix is not invertible (a zero on the main diagonal).")
    dense = linalg_ops.diag(main)
    for i in range(1, min(k, m)):
        if lower:
            dense = dense + linalg_ops.diag(bd[..., i, i:], k=-i)
        else:
            dense = dense + linalg_ops.diag(bd[..., k - 1 - i, : m - i], k=i)
    return linalg_ops.triangular_solve(dense, b, lower=lower, adjoint=adjoint)


EXPORTS: dict[str, list[str]] = {
    "": ["eig", "eigvals", "matrix_square_root"],
    "linalg": ["expm", "sqrtm", "logm", "lu", "lu_solve", "lu_matrix_inverse", "lu_reconstruct",
               "eig", "eigvals", "eigvalsh", "eigh_tridiagonal", "matrix_rank", "cross", "global_norm", "normalize",
               "tensor_diag", "l2_normalize", "tridiagonal_solve", "tridiagonal_matmul", "banded_triangular_solve"],
}
