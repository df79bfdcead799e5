"""Linear algebra: ``tf.linalg`` (matvec, inv, det, slogdet, logdet, cholesky, solves, trace, diagonals, band_part,
eigh, svd, qr, lstsq, pinv, transposes) and ``tf.einsum`` / ``tf.tensordot``. (``tf.linalg.norm`` is
``reductions.norm``.)

Every op works on the last two axes and broadcasts or carries the leading (batch) axes like TensorFlow. Gradient
rules are written once against ``F`` (the raw backend or the differentiable namespace ``DIFF``), use only negative
axes, ``swapaxes(-1, -2)`` and broadcasting ``matmul``, so a cotangent with extra leading batch axes (vectorised
Jacobians) works unchanged, and higher derivatives come from running the same rules on recorded ops.

Conventions (see each function's docstring):

* complex gradients follow TF's ``upstream * conj(f'(z))`` (the adjoint of the real-linear tangent map);
* ``cholesky`` (and everything built on it: ``logdet``, ``lstsq``) returns TF's symmetrised gradient: the
  gradient with respect to a Hermitian perturbation of the input, ``(X + X^H) / 2``;
* ``eigh`` and ``triangular_solve`` read one triangle only and their gradients live on that triangle;
* eigen- and singular vectors are defined up to sign (phase); gradients use the gauge "``V^H dV`` has a zero
  diagonal", so only gauge-invariant functions of them have meaningful gradients (as in TF).
"""

from __future__ import annotations

import functools
import string
from collections import namedtuple
from typing import Any

import numpy as np

from .._dispatch import apply1, apply2, applyn
from .._registry import bilinear_jvp, defop, normal, spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InvalidArgumentError, NotFoundError
from . import arithmetic, core, matmul, reductions, shape_ops, unary_math
from ._common import cj, dtype_of, is_complex, like, pair_check, to_tensor

LogMatrixDeterminant = namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])
Qr = namedtuple("Qr", ["q", "r"])

_LETTERS = string.ascii_letters

# -- shared helpers (usable with the raw backend and with DIFF) --------------------------------------------------


def _mT(F: Any, x: Any) -> Any:
    return F.swapaxes(x, -1, -2)


def _mH(F: Any, x: Any) -> Any:
    """Conjugate transpose of the last two axes (plain transpose for real values)."""
    y = F.swapaxes(x, -1, -2)
    return F.conj(y) if is_complex(x) else y


def _op(F: Any, x: Any, t: bool, adj: bool) -> Any:
    """op(x): x, x^T or x^H."""
    if adj:
        return _mH(F, x)
    return _mT(F, x) if t else x


def _undo(F: Any, g: Any, t: bool, adj: bool) -> Any:
    """Gradient of x from the gradient of op(x)."""
    if adj:
        return _mH(F, g)
    return _mT(F, g) if t else g


def _eye(F: Any, n: int, like_x: Any, m: int | None = None, k: int = 0) -> Any:
    return F.eye(n, m, k, dtype=dtype_of(like_x))


def _offdiag(F: Any, n: int, like_x: Any) -> Any:
    return 1 - _eye(F, n, like_x)


def _half_up(F: Any, x: Any) -> Any:
    """NumPy's LAPACK has no float16: compute such inputs in float32 (raw backend only)."""
    return F.astype(x, F.float32) if x.dtype == np.float16 else x


def _singular(F: Any, fn: Any, shape: Any) -> Any:
    """Run a raw LAPACK call of a gradient rule; a singular matrix raises InvalidArgumentError (as in TF)."""
    errors: tuple[type[BaseException], ...] = tuple(
        e for e in (getattr(F.linalg, "LinAlgError", None),) if isinstance(e, type)
    )
    try:
        return fn()
    except errors as exc:
        raise InvalidArgumentError(
            f"linear algebra gradient: a matrix of shape {tuple(shape)} is singular, so the gradient is undefined "
            "there."
        ) from exc


def _solve(F: Any, a: Any, b: Any) -> Any:
    """a^{-1} b for a matrix b (raw arrays or, under DIFF, recorded tensors)."""
    if getattr(F, "is_diff", False):
        return F.linalg.solve(a, b)
    r = _singular(F, lambda: F.linalg.solve(_half_up(F, a), _half_up(F, b)), a.shape)
    return F.astype(r, b.dtype)


def _inv(F: Any, a: Any) -> Any:
    if getattr(F, "is_diff", False):
        return F.linalg.inv(a)
    return F.astype(_singular(F, lambda: F.linalg.inv(_half_up(F, a)), a.shape), a.dtype)


def _right_solve_h(F: Any, x: Any, r: Any) -> Any:
    """x r^{-H}: solve z r^H = x, i.e. r z^H = x^H."""
    return _mH(F, _solve(F, r, _mH(F, x)))


def _real_part(F: Any, x: Any) -> Any:
    """Re(x) keeping the dtype (complex stays complex with a zero imaginary part)."""
    return (x + F.conj(x)) * 0.5 if is_complex(x) else x


def _imag_i(F: Any, x: Any) -> Any:
    """i Im(x) keeping the dtype (zero for real values)."""
    return (x - F.conj(x)) * 0.5


def _safe_recip_gap(F: Any, d: Any, off: Any) -> Any:
    """off / d elementwise, with zeros on the masked diagonal and a TF-style safe reciprocal for tiny gaps."""
    return off * d / (d * d + 1e-20)


# -- validation ----------------------------------------------------------------------------------------------------

_NAMES = {np.dtype(np.float16): "float16", np.dtype(np.float32): "float32", np.dtype(np.float64): "float64",
          np.dtype(np.complex64): "complex64", np.dtype(np.complex128): "complex128"}


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x._value.shape)


def _float_kind(x: Any, op: str, half: bool = False) -> None:
    """Float/complex inputs only (like TF's linalg kernels); float16 only where TF has a kernel."""
    dt = x._value.dtype
    if dt.kind not in "fcV":
        raise InvalidArgumentError(
            f"{op}: expected a float32, float64, complex64 or complex128 tensor, got {x.dtype.name} with shape "
            f"{_shape(x)}. Cast it first, e.g. tapegrad.cast(x, tapegrad.float64)."
        )
    if dt == np.float16 and not half:
        raise NotFoundError(
            f"{op}: there is no float16 kernel (TensorFlow has none either) for the input of shape {_shape(x)}; "
            "cast it to float32."
        )


def _matrix(x: Any, op: str, square: bool = False) -> None:
    s = _shape(x)
    if len(s) < 2:
        raise InvalidArgumentError(
            f"{op}: expected a matrix or a batch of matrices (rank >= 2), got shape {s}."
        )
    if square and s[-1] != s[-2]:
        raise InvalidArgumentError(f"{op}: input matrices must be square, got shape {s}.")


def _same(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Two operands of one dtype: tensors must agree; other values adopt the tensor's dtype."""
    if isinstance(a, _TensorLike) or not isinstance(b, _TensorLike):
        a = to_tensor(a)
        b = pair_check(b, a, op) if isinstance(b, _TensorLike) else like(b, a, op)
    else:
        b = to_tensor(b)
        a = like(a, b, op)
    return a, b


def _lapack(fn: Any, op: str, shape: tuple[int, ...], what: str) -> Any:
    """Run ``fn`` turning NumPy's LinAlgError into TF's InvalidArgumentError."""
    try:
        with np.errstate(all="ignore"):
            return fn()
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(f"{op}: {what} (input shape {shape}).") from None


# -- matvec --------------------------------------------------------------------------------------------------------


def _matvec_fwd(F: Any, a: Any, b: Any, ta: bool, aa: bool) -> Any:
    return F.matmul(_op(F, a, ta, aa), b[..., None])[..., 0]


def _matvec_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, b = ins
    ga = gb = None
    if needs[0]:
        ga = _undo(F, g[..., :, None] * cj(F, b)[..., None, :], p["ta"], p["aa"])
    if needs[1]:
        opa = _op(F, a, p["ta"], p["aa"])
        if len(F.shape(opa)) == 2 and len(F.shape(g)) >= 2:
            # (A^H g)^T = g^T conj(A): one matrix product for any number of leading (batch) axes on g
            gb = F.matmul(g, cj(F, opa))
        else:
            gb = F.matmul(_mH(F, opa), g[..., None])[..., 0]
    return (ga, gb)


_matvec_jvp = bilinear_jvp(lambda F, a, b, p: _matvec_fwd(F, a, b, p["ta"], p["aa"]))


MATVEC = defop("matvec", _matvec_fwd, _matvec_vjp, _matvec_jvp, bilinear=True, test=[
    spec(lambda tf, a, b: tf.linalg.matvec(a, b), normal((3, 4), (4,)), ref=lambda a, b: a @ b, complex=True),
    spec(lambda tf, a, b: tf.linalg.matvec(a, b), normal((2, 3, 4), (4,)), ref=lambda a, b: a @ b,
         complex=True, name="batched"),
    spec(lambda tf, a, b: tf.linalg.matvec(a, b, adjoint_a=True), normal((3, 4), (2, 3)),
         ref=lambda a, b: b @ a.conj(), complex=True, name="adjoint"),
    spec(lambda tf, a, b: tf.linalg.matvec(a, b, transpose_a=True), normal((3, 4), (3,)),
         ref=lambda a, b: a.T @ b, name="transpose"),
])


def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name: str | None = None) -> Tensor:
    """Matrix-vector product ``op(a) @ b`` over the last axes; leading (batch) axes broadcast.

    >>> import tapegrad as tf
    >>> tf.linalg.matvec(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([1.0, 1.0])).numpy().tolist()
    [3.0, 7.0]
    """
    x, y = _same(a, b, "matvec")
    sa, sb = _shape(x), _shape(y)
    if len(sa) < 2 or len(sb) < 1:
        raise InvalidArgumentError(
            f"matvec: a must have rank >= 2 and b rank >= 1, got shapes {sa} and {sb}."
        )
    if x._value.dtype.kind == "b":
        raise InvalidArgumentError("matvec: bool tensors are not supported; cast to a numeric dtype.")
    t = bool(transpose_a or adjoint_a)
    k = sa[-2] if t else sa[-1]
    if k != sb[-1]:
        raise InvalidArgumentError(
            f"matvec: a{' (transposed)' if t else ''} has shape {sa} and b has shape {sb}: inner dimensions "
            f"{k} != {sb[-1]}."
        )
    try:
        if len(sa) > 2 and len(sb) > 1:  # (a plain matrix and vector need no batch check: it costs µs per call)
            np.broadcast_shapes(sa[:-2], sb[:-1])
    except ValueError:
        raise InvalidArgumentError(f"matvec: batch shapes {sa[:-2]} and {sb[:-1]} do not broadcast.") from None
    aa = bool(adjoint_a and x._value.dtype.kind == "c")
    return apply2(MATVEC, x, y, {"ta": t and not aa, "aa": aa})


# -- inv -----------------------------------------------------------------------------------------------------------


def _inv_fwd(F: Any, x: Any, adjoint: bool) -> Any:
    return F.astype(F.linalg.inv(_half_up(F, _op(F, x, False, adjoint))), x.dtype)


def _inv_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    yh = _mH(F, out)
    return (_undo(F, -F.matmul(yh, F.matmul(g, yh)), False, p["adjoint"]),)


def _inv_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return -F.matmul(out, F.matmul(_op(F, ts[0], False, p["adjoint"]), out))


def _well_conditioned(*shapes: tuple[int, ...], boost: float = 4.0) -> Any:
    """Random square matrices pushed away from singularity (diagonal boosted)."""
    def make(rng: Any) -> tuple[Any, ...]:
        return tuple(rng.normal(size=s) + boost * np.eye(s[-1]) for s in shapes)
    return make


INV = defop("inv", _inv_fwd, _inv_vjp, _inv_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.linalg.inv(x), _well_conditioned((3, 3)), ref=np.linalg.inv, complex=True),
    spec(lambda tf, x: tf.linalg.inv(x, adjoint=True), _well_conditioned((2, 3, 3)),
         ref=lambda x: np.linalg.inv(np.swapaxes(x, -1, -2).conj()), complex=True, name="batched_adjoint"),
])


def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:  # noqa: A002
    """Inverse of each square matrix (of its adjoint with ``adjoint=True``); singular input raises.

    >>> import tapegrad as tf
    >>> tf.linalg.inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    x = to_tensor(input)
    _matrix(x, "inv", square=True)
    _float_kind(x, "inv", half=True)
    p = {"adjoint": bool(adjoint)}
    return _lapack(lambda: apply1(INV, x, p), "inv", _shape(x), "the input matrix is not invertible (singular)")


# -- det / slogdet / logdet ----------------------------------------------------------------------------------------


def _det_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # d det = det tr(A^{-1} dA): gradient g conj(det) A^{-H} (TF's own rule omits the conj; see det's docstring)
    return ((g * cj(F, out))[..., None, None] * _mH(F, _inv(F, ins[0])),)


def _det_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return out * F.sum(_mT(F, _inv(F, ins[0])) * ts[0], axis=(-2, -1))


DET = defop("det", lambda F, x: F.linalg.det(x), _det_vjp, _det_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.linalg.det(x), _well_conditioned((3, 3), boost=2.0), ref=np.linalg.det, complex=True),
    spec(lambda tf, x: tf.linalg.det(x), _well_conditioned((2, 4, 4), boost=2.0), ref=np.linalg.det,
         complex=True, name="batched"),
])


def det(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Determinant of each square matrix.

    The complex gradient follows TF's convention ``upstream * conj(d det / dA)``. (TensorFlow 2.21's own det
    gradient drops that conjugate for complex inputs; tapegrad gives the gradient consistent with ``inv``,
    ``slogdet`` and central differences.)

    >>> import tapegrad as tf
    >>> float(tf.linalg.det(tf.constant([[2.0, 1.0], [1.0, 3.0]])))
    5.0
    """
    x = to_tensor(input)
    _matrix(x, "det", square=True)
    _float_kind(x, "det")
    return apply1(DET, x)


def _slogdet_fwd(F: Any, x: Any) -> Any:
    sign, logabs = F.linalg.slogdet(x)
    return sign, F.astype(logabs, x.dtype)


def _slogdet_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    g_sign, g_log = g
    coef = _real_part(F, g_log)
    if is_complex(ins[0]):
        # sign = det/|det| moves with the phase: d sign = i sign Im tr(A^{-1} dA)
        coef = coef + _imag_i(F, g_sign * F.conj(out[0]))
    return (coef[..., None, None] * _mH(F, _inv(F, ins[0])),)


def _slogdet_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    tr = F.sum(_mT(F, _inv(F, ins[0])) * ts[0], axis=(-2, -1))
    if is_complex(ins[0]):
        return out[0] * _imag_i(F, tr), _real_part(F, tr)
    return None, tr


SLOGDET = defop("slogdet", _slogdet_fwd, _slogdet_vjp, _slogdet_jvp, multi=True, test=[
    spec(lambda tf, x: tf.linalg.slogdet(x), _well_conditioned((3, 3), boost=1.0),
         ref=lambda x: tuple(np.linalg.slogdet(x)), complex=True),
    spec(lambda tf, x: tf.linalg.slogdet(x), _well_conditioned((2, 3, 3), boost=1.0),
         ref=lambda x: tuple(np.linalg.slogdet(x)), complex=True, name="batched"),
])


def slogdet(input: Any, name: str | None = None) -> LogMatrixDeterminant:  # noqa: A002
    """``(sign, log|det|)`` of each square matrix, stable where ``det`` would over/underflow.

    For complex input ``log_abs_determinant`` is complex-typed (as in TF) and ``sign`` is the phase
    ``det/|det|``; tapegrad also differentiates the phase (TF ignores the gradient of ``sign``).

    >>> import tapegrad as tf
    >>> s, l = tf.linalg.slogdet(tf.constant([[-2.0, 0.0], [0.0, 3.0]]))
    >>> float(s), round(float(l), 6)
    (-1.0, 1.791759)
    """
    x = to_tensor(input)
    _matrix(x, "slogdet", square=True)
    _float_kind(x, "slogdet")
    sign, logabs = applyn(SLOGDET, (x,))
    return LogMatrixDeterminant(sign, logabs)


def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """``log(det(matrix))`` of Hermitian positive-definite matrices, via ``2 sum(log(diag(cholesky)))``.

    The result is real (float) even for complex input; the gradient is the symmetrised ``A^{-1}``.

    >>> import tapegrad as tf
    >>> round(float(tf.linalg.logdet(tf.constant([[2.0, 0.0], [0.0, 3.0]]))), 6)
    1.791759
    """
    x = to_tensor(matrix)
    _matrix(x, "logdet", square=True)
    _float_kind(x, "logdet")
    chol = cholesky(x)
    d = diag_part(chol)
    if is_complex(d):
        d = core.real(d)
    return 2.0 * reductions.reduce_sum(unary_math.log(d), axis=-1)


# -- cholesky and the solves -----------------------------------------------------------------------------------------


def _phi(F: Any, m: Any, n: int) -> Any:
    """Lower triangle with the diagonal halved."""
    return F.tril(m) - 0.5 * m * _eye(F, n, m)


def _cholesky_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    chol = out
    n = F.shape(chol)[-1]
    lh = _mH(F, chol)
    middle = _phi(F, F.matmul(lh, g), n)
    x = _mH(F, _solve(F, lh, _mH(F, _solve(F, lh, middle))))  # L^{-H} Phi(L^H g) L^{-1}
    return ((x + _mH(F, x)) * 0.5,)


def _cholesky_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    chol = out
    n = F.shape(chol)[-1]
    s = (ts[0] + _mH(F, ts[0])) * 0.5  # the symmetric part: the convention of the (symmetrised) VJP
    m = _solve(F, chol, _mH(F, _solve(F, chol, s)))  # L^{-1} S L^{-H}
    return F.matmul(chol, _phi(F, m, n))


def _pd_args(*shapes: tuple[int, ...]) -> Any:
    """A free matrix B (made into B B^H + n I inside the call) and the identity n I."""
    def make(rng: Any) -> tuple[Any, ...]:
        out: list[Any] = []
        for s in shapes:
            out += [rng.normal(size=s), s[-1] * np.eye(s[-1])]
        return tuple(out)
    return make


def _pd(tf: Any, b: Any, e: Any) -> Any:
    return tf.matmul(b, b, adjoint_b=True) + tf.cast(e, b.dtype)


def _np_pd(b: Any, e: Any) -> Any:
    return b @ np.swapaxes(b, -1, -2).conj() + e


def _np_lstsq(a: Any, b: Any, l2: float = 0.0) -> Any:
    ah = np.swapaxes(a, -1, -2).conj()
    m, n = a.shape[-2:]
    if m >= n:
        return np.linalg.solve(ah @ a + l2 * np.eye(n), ah @ b)
    return ah @ np.linalg.solve(a @ ah + l2 * np.eye(m), b)


CHOLESKY = defop("cholesky", lambda F, x: F.linalg.cholesky(x), _cholesky_vjp, _cholesky_jvp, save_out=True, test=[
    spec(lambda tf, b, e: tf.linalg.cholesky(_pd(tf, b, e)), _pd_args((3, 3)),
         ref=lambda b, e: np.linalg.cholesky(_np_pd(b, e)), grad=(0,), complex=True),
    spec(lambda tf, b, e: tf.linalg.cholesky(_pd(tf, b, e)), _pd_args((2, 4, 4)),
         ref=lambda b, e: np.linalg.cholesky(_np_pd(b, e)), grad=(0,), complex=True, name="batched"),
    spec(lambda tf, b, e: tf.linalg.logdet(_pd(tf, b, e)), _pd_args((2, 3, 3)),
         ref=lambda b, e: np.linalg.slogdet(_np_pd(b, e))[1], grad=(0,), complex=True, name="logdet"),
    spec(lambda tf, a, b: tf.linalg.lstsq(a, b), normal((5, 3), (5, 2)), ref=_np_lstsq, name="lstsq_tall"),
    spec(lambda tf, a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.5), normal((2, 3, 4), (2, 3, 2)),
         ref=lambda a, b: _np_lstsq(a, b, 0.5), name="lstsq_wide_l2"),
])


def cholesky(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Lower-triangular ``L`` with ``L L^H = input`` for Hermitian positive-definite matrices (lower triangle read).

    A matrix that is not positive definite raises InvalidArgumentError (TensorFlow 2.21 on CPU returns NaNs
    instead). The gradient is TF's symmetrised one.

    >>> import tapegrad as tf
    >>> tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 2.0]])).numpy().tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    x = to_tensor(input)
    _matrix(x, "cholesky", square=True)
    _float_kind(x, "cholesky")
    return _lapack(lambda: apply1(CHOLESKY, x), "cholesky", _shape(x),
                   "Cholesky decomposition failed: the input is not (numerically) positive definite")


def _solve_fwd(F: Any, a: Any, b: Any, adjoint: bool) -> Any:
    return F.linalg.solve(_op(F, a, False, adjoint), b)


def _solve_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, _ = ins
    adj = p["adjoint"]
    gb = _solve(F, _op(F, a, False, not adj), g)  # op(A)^{-H} g
    ga = None
    if needs[0]:
        ga = _undo(F, -F.matmul(gb, _mH(F, out)), False, adj)
    return (ga, gb if needs[1] else None)


def _solve_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    a, _ = ins
    adj = p["adjoint"]
    rhs = ts[1]
    if ts[0] is not None:
        r = -F.matmul(_op(F, ts[0], False, adj), out)
        rhs = r if rhs is None else rhs + r
    return None if rhs is None else _solve(F, _op(F, a, False, adj), rhs)


SOLVE = defop("solve", _solve_fwd, _solve_vjp, _solve_jvp, save_out=True, test=[
    spec(lambda tf, a, b: tf.linalg.solve(a, b), lambda rng: (_well_conditioned((3, 3))(rng)[0],
                                                               rng.normal(size=(3, 2))),
         ref=np.linalg.solve, complex=True),
    spec(lambda tf, a, b: tf.linalg.solve(a, b, adjoint=True), lambda rng: (_well_conditioned((2, 3, 3))(rng)[0],
                                                                            rng.normal(size=(2, 3, 1))),
         ref=lambda a, b: np.linalg.solve(np.swapaxes(a, -1, -2).conj(), b), complex=True, name="batched_adjoint"),
])


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """Solve ``op(matrix) @ x = rhs`` (``op`` = adjoint with ``adjoint=True``) for square matrices.

    Like TF, ``matrix`` ``[..., M, M]`` and ``rhs`` ``[..., M, K]`` need the same batch dimensions.

    >>> import tapegrad as tf
    >>> tf.linalg.solve(tf.constant([[2.0, 0.0], [0.0, 4.0]]), tf.constant([[2.0], [2.0]])).numpy().tolist()
    [[1.0], [0.5]]
    """
    a, b = _same(matrix, rhs, "solve")
    _matrix(a, "solve", square=True)
    _float_kind(a, "solve")
    sa, sb = _shape(a), _shape(b)
    if len(sb) != len(sa):
        raise InvalidArgumentError(
            f"solve: matrix and rhs must have the same rank, got shapes {sa} and {sb} (rhs is [..., M, K]; "
            "reshape a vector right-hand side to a column)."
        )
    if sa[:-2] != sb[:-2]:
        raise InvalidArgumentError(f"solve: matrix {sa} and rhs {sb} must have the same batch dimensions.")
    if sa[-1] != sb[-2]:
        raise InvalidArgumentError(f"solve: matrix {sa} and rhs {sb} are incompatible: {sa[-1]} != {sb[-2]}.")
    p = {"adjoint": bool(adjoint)}
    return _lapack(lambda: apply2(SOLVE, a, b, p), "solve", sa, "the input matrix is not invertible (singular)")


def _tri(F: Any, a: Any, lower: bool) -> Any:
    return F.tril(a) if lower else F.triu(a)


def _trisolve_fwd(F: Any, a: Any, b: Any, lower: bool, adjoint: bool) -> Any:
    return F.linalg.solve(_op(F, _tri(F, a, lower), False, adjoint), b)


def _trisolve_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, _ = ins
    lower, adj = p["lower"], p["adjoint"]
    t = _tri(F, a, lower)
    gb = _solve(F, _op(F, t, False, not adj), g)
    ga = None
    if needs[0]:
        ga = _tri(F, _undo(F, -F.matmul(gb, _mH(F, out)), False, adj), lower)
    return (ga, gb if needs[1] else None)


def _trisolve_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    a, _ = ins
    lower, adj = p["lower"], p["adjoint"]
    rhs = ts[1]
    if ts[0] is not None:
        r = -F.matmul(_op(F, _tri(F, ts[0], lower), False, adj), out)
        rhs = r if rhs is None else rhs + r
    return None if rhs is None else _solve(F, _op(F, _tri(F, a, lower), False, adj), rhs)


def _np_tri(a: Any, b: Any, lower: bool = True, adjoint: bool = False) -> Any:
    t = np.tril(a) if lower else np.triu(a)
    if adjoint:
        t = np.swapaxes(t, -1, -2).conj()
    return np.linalg.solve(t, b)


TRIANGULAR_SOLVE = defop("triangular_solve", _trisolve_fwd, _trisolve_vjp, _trisolve_jvp, save_out=True, test=[
    spec(lambda tf, a, b: tf.linalg.triangular_solve(a, b), lambda rng: (_well_conditioned((3, 3))(rng)[0],
                                                                          rng.normal(size=(3, 2))),
         ref=_np_tri, complex=True),
    spec(lambda tf, a, b: tf.linalg.triangular_solve(a, b, lower=False, adjoint=True),
         lambda rng: (_well_conditioned((2, 3, 3))(rng)[0], rng.normal(size=(3, 2))),
         ref=lambda a, b: _np_tri(a, b, False, True), complex=True, name="upper_adjoint_broadcast"),
    spec(lambda tf, b, e, r: tf.linalg.cholesky_solve(tf.linalg.cholesky(_pd(tf, b, e)), r),
         lambda rng: (rng.normal(size=(2, 3, 3)), 3 * np.eye(3), rng.normal(size=(2, 3, 2))),
         ref=lambda b, e, r: np.linalg.solve(_np_pd(b, e), r), grad=(0, 2), complex=True, name="cholesky_solve"),
])


def triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                     name: str | None = None) -> Tensor:
    """Solve ``op(T) @ x = rhs`` where ``T`` is the lower (``lower=True``) or upper triangle of ``matrix``.

    The other triangle is ignored (its gradient is zero); batch dimensions broadcast. A zero on the diagonal
    raises InvalidArgumentError (TensorFlow returns inf/NaN).

    >>> import tapegrad as tf
    >>> a = tf.constant([[2.0, 0.0], [1.0, 1.0]])
    >>> tf.linalg.triangular_solve(a, tf.constant([[2.0], [2.0]])).numpy().tolist()
    [[1.0], [1.0]]
    """
    a, b = _same(matrix, rhs, "triangular_solve")
    _matrix(a, "triangular_solve", square=True)
    _matrix(b, "triangular_solve")
    _float_kind(a, "triangular_solve")
    sa, sb = _shape(a), _shape(b)
    if sa[-1] != sb[-2]:
        raise InvalidArgumentError(
            f"triangular_solve: matrix {sa} and rhs {sb} are incompatible: {sa[-1]} != {sb[-2]}."
        )
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise InvalidArgumentError(
            f"triangular_solve: batch dimensions of matrix {sa} and rhs {sb} do not broadcast."
        ) from None
    p = {"lower": bool(lower), "adjoint": bool(adjoint)}
    return _lapack(lambda: apply2(TRIANGULAR_SOLVE, a, b, p), "triangular_solve", sa,
                   "the triangular matrix is singular (a zero on its diagonal)")


def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Tensor:
    """Solve ``A x = rhs`` given ``chol = cholesky(A)`` (two triangular solves).

    >>> import tapegrad as tf
    >>> c = tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 2.0]]))
    >>> tf.linalg.cholesky_solve(c, tf.constant([[6.0], [4.0]])).numpy().tolist()
    [[1.0], [1.0]]
    """
    c, b = _same(chol, rhs, "cholesky_solve")
    y = triangular_solve(c, b, lower=True, adjoint=False)
    return triangular_solve(c, y, lower=True, adjoint=True)


# -- trace, diagonals, band_part -------------------------------------------------------------------------------------


def _trace_fwd(F: Any, x: Any) -> Any:
    return F.trace(x, axis1=-2, axis2=-1, dtype=x.dtype)


def _trace_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    m, n = F.shape(ins[0])[-2:]
    return (g[..., None, None] * _eye(F, m, g, n),)


TRACE = defop("trace", _trace_fwd, _trace_vjp, lambda F, ts, ins, out, p: _trace_fwd(F, ts[0]), linear=True,
              save_in=False, test=[
    spec(lambda tf, x: tf.linalg.trace(x), normal((3, 3)), ref=np.trace, complex=True),
    spec(lambda tf, x: tf.linalg.trace(x), normal((2, 3, 4)),
         ref=lambda x: np.trace(x, axis1=-2, axis2=-1), complex=True, name="batched_rectangular"),
])


def trace(x: Any, name: str | None = None) -> Tensor:
    """Sum of the main diagonal of each (possibly rectangular) matrix.

    >>> import tapegrad as tf
    >>> float(tf.linalg.trace(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    5.0
    """
    t = to_tensor(x)
    _matrix(t, "trace")
    if t._value.dtype.kind == "b":
        raise InvalidArgumentError("trace: bool tensors are not supported; cast to a numeric dtype.")
    return apply1(TRACE, t)


def _embed(F: Any, d: Any, rows: int, cols: int, k: int) -> Any:
    """A (rows, cols) matrix with ``d`` on diagonal ``k`` and zeros elsewhere (batch axes kept)."""
    length = F.shape(d)[-1]
    want = rows if k >= 0 else cols
    if length < want:
        pad = F.zeros(tuple(F.shape(d)[:-1]) + (want - length,), dtype=dtype_of(d))
        d = F.concatenate([d, pad], axis=-1)
    mask = _eye(F, rows, d, cols, k)
    return d[..., :, None] * mask if k >= 0 else d[..., None, :] * mask


def _diag_fwd(F: Any, d: Any, rows: int, cols: int, k: int, padding: Any) -> Any:
    out = _embed(F, d, rows, cols, k)
    if padding != 0:
        out = out + padding * (1 - _eye(F, rows, d, cols, k))
    return out


def _diag_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.diagonal(g, p["k"], -2, -1),)


DIAG = defop("diag", _diag_fwd, _diag_vjp,
             lambda F, ts, ins, out, p: _embed(F, ts[0], p["rows"], p["cols"], p["k"]), linear=True, save_in=False,
             test=[
    spec(lambda tf, d: tf.linalg.diag(d), normal((2, 3)),
         ref=lambda d: np.stack([np.diag(r) for r in d]), complex=True),
    spec(lambda tf, d: tf.linalg.diag(d, k=1, padding_value=7.0), normal((2,)),
         ref=lambda d: np.diag(d, 1) + 7.0 * (1 - np.eye(3, k=1)), name="k1_padding"),
    spec(lambda tf, d: tf.linalg.diag(d, k=-1, num_rows=4, num_cols=2), normal((3, 2)),
         ref=lambda d: np.stack([np.eye(4, 2, -1) * r for r in d]), name="rectangular"),
])


def _k_arg(k: Any, op: str) -> tuple[int, int]:
    """``k`` as ``(lo, hi)``: one offset, or a band of diagonals ``(lo, hi)`` with ``lo <= hi``."""
    if isinstance(k, _TensorLike):
        k = static_value(k).tolist()
    if isinstance(k, (list, tuple)):
        if len(k) == 1:
            k = (k[0], k[0])
        elif len(k) != 2:
            raise InvalidArgumentError(f"{op}: k must be an int or a pair (lo, hi), got {list(k)}.")
        lo, hi = int(k[0]), int(k[1])
        if lo > hi:
            raise InvalidArgumentError(f"{op}: lower_diag_index must not be larger than upper_diag_index: "
                                       f"{lo} > {hi}; pass k=({hi}, {lo}).")
        return lo, hi
    return int(k), int(k)


_ALIGNS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


def _band_positions(rows: int, cols: int, lo: int, hi: int, align: str) -> tuple[Any, Any]:
    """The flat positions (``r * cols + c``, ``-1`` for a padding slot) of TF's packed band layout: one row per
    diagonal from ``hi`` down to ``lo``, each of the longest diagonal's length; ``align`` says whether
    superdiagonals (first word) and subdiagonals (second word) sit left or right in their rows. Also the valid mask."""
    lens = [min(rows + min(0, k), cols - max(0, k)) for k in range(hi, lo - 1, -1)]
    width = max(lens)
    pos = np.full((len(lens), width), -1, dtype=np.int64)
    sup, sub = align.split("_")
    for i, (k, n) in enumerate(zip(range(hi, lo - 1, -1), lens)):
        j = np.arange(n)
        start = width - n if (sup if k >= 0 else sub) == "RIGHT" else 0
        pos[i, start:start + n] = (j + max(0, -k)) * cols + j + max(0, k)
    return pos, pos >= 0


def _band_gather_fwd(F: Any, x: Any, pos: Any, padding: Any) -> Any:
    flat = F.reshape(x, tuple(F.shape(x)[:-2]) + (-1,))
    out = flat[..., np.maximum(pos, 0)]
    return F.where(pos >= 0, out, padding) if (pos < 0).any() else out


def _band_scatter_fwd(F: Any, d: Any, pos: Any, rows: int, cols: int, fill: Any) -> Any:
    batch = tuple(F.shape(d)[:d.ndim - pos.ndim])
    out = F.full(batch + (rows * cols,), fill, dtype=d.dtype)
    valid = pos >= 0
    out[..., pos[valid]] = d[..., valid]
    return F.reshape(out, batch + (rows, cols))


def _band_apply(F: Any, op: Any, x: Any, q: dict[str, Any]) -> Any:
    """``op`` on ``x``: recorded (a Tensor) when ``F`` is the differentiable namespace, else the raw forward."""
    return apply1(op, x, q) if F.is_diff else op.fwd(F, x, **q)


def _band_gather_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    rows, cols = F.shape(ins[0])[-2:]
    return (_band_apply(F, BAND_SCATTER, g, {"pos": p["pos"], "rows": rows, "cols": cols, "fill": 0}),)


def _band_scatter_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_band_apply(F, BAND_GATHER, g, {"pos": p["pos"], "padding": 0}),)


_BAND_TEST_POS = _band_positions(3, 4, -1, 1, "RIGHT_LEFT")[0]
BAND_GATHER = defop(
    "matrix_diag_band_part", _band_gather_fwd, _band_gather_vjp,
    lambda F, ts, ins, out, p: _band_apply(F, BAND_GATHER, ts[0], {"pos": p["pos"], "padding": 0}), linear=True,
    save_in=False, test=[
        spec(lambda tf, x: tf.linalg.diag_part(x, k=(-1, 1), padding_value=9.0), normal((2, 3, 4)),
             ref=lambda x: np.where(_BAND_TEST_POS >= 0, x.reshape(2, 12)[:, np.maximum(_BAND_TEST_POS, 0)], 9.0),
             name="band"),
        spec(lambda tf, x: tf.linalg.diag_part(x, k=(-2, 0), align="LEFT_RIGHT"), normal((4, 3)),
             ref=lambda x: np.array([[x[0, 0], x[1, 1], x[2, 2]], [x[1, 0], x[2, 1], x[3, 2]], [0, x[2, 0], x[3, 1]]]),
             name="band_left_right"),
    ])
BAND_SCATTER = defop(
    "matrix_diag_band", _band_scatter_fwd, _band_scatter_vjp,
    lambda F, ts, ins, out, p: _band_apply(F, BAND_SCATTER, ts[0], {**p, "fill": 0}), linear=True,
    save_in=False, test=[
        spec(lambda tf, d: tf.linalg.diag(d, k=(-1, 1), num_rows=3, num_cols=4, padding_value=5.0),
             normal((2, 3, 3)),
             ref=lambda d: np.stack([_ref_band(r, 3, 4, -1, 1, "RIGHT_LEFT", 5.0) for r in d]), name="band"),
        spec(lambda tf, x, d: tf.linalg.set_diag(x, d, k=(-1, 1), align="LEFT_RIGHT"), normal((3, 3), (3, 3)),
             ref=lambda x, d: np.where(_ref_band(np.ones((3, 3)), 3, 3, -1, 1, "LEFT_RIGHT", 0.0) > 0,
                                       _ref_band(d, 3, 3, -1, 1, "LEFT_RIGHT", 0.0), x), name="set_diag_band"),
    ])


def _ref_band(d: Any, rows: int, cols: int, lo: int, hi: int, align: str, fill: float) -> Any:
    """Test reference: place the packed diagonals element by element (independent of the op's vectorised code)."""
    out = np.full((rows, cols), fill, dtype=float)
    width = d.shape[-1]
    for i, k in enumerate(range(hi, lo - 1, -1)):
        n = min(rows + min(0, k), cols - max(0, k))
        right = align.split("_")[0 if k >= 0 else 1] == "RIGHT"
        for j in range(n):
            out[j + max(0, -k), j + max(0, k)] = d[i, (width - n if right else 0) + j]
    return out


def _check_align(align: str, op: str) -> None:
    if align not in _ALIGNS:
        raise InvalidArgumentError(f"{op}: align={align!r} is not one of {', '.join(_ALIGNS)}.")


def diag(diagonal: Any, name: str = "diag", k: Any = 0, num_rows: Any = -1, num_cols: Any = -1,
         padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """Matrices with ``diagonal`` (last axis) on diagonal ``k``, ``padding_value`` elsewhere.

    ``num_rows``/``num_cols`` default to the smallest square that fits. A band of diagonals (``k`` as a pair)
    is not supported.

    >>> import tapegrad as tf
    >>> tf.linalg.diag(tf.constant([1.0, 2.0])).numpy().tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    d = to_tensor(diagonal)
    s = _shape(d)
    if len(s) < 1:
        raise InvalidArgumentError(f"diag: diagonal must have rank >= 1, got shape {s}.")
    _check_align(align, "diag")
    lo, kk = _k_arg(k, "diag")
    if lo != kk:
        return _diag_band(d, lo, kk, int(num_rows), int(num_cols), padding_value, align)
    length = s[-1]
    rows, cols = int(num_rows), int(num_cols)
    min_rows, min_cols = length + max(-kk, 0), length + max(kk, 0)
    if rows < 0 and cols < 0:
        rows, cols = min_rows, min_cols
        rows = cols = max(rows, cols)
    elif rows < 0:
        rows = min_rows
    elif cols < 0:
        cols = min_cols
    if rows < min_rows or cols < min_cols or length != min(rows - max(-kk, 0), cols - max(kk, 0)):
        raise InvalidArgumentError(
            f"diag: a diagonal of length {length} (shape {s}) does not fit diagonal k={kk} of a "
            f"{rows}x{cols} matrix (num_rows={num_rows}, num_cols={num_cols})."
        )
    pad = padding_value.numpy() if isinstance(padding_value, _TensorLike) else padding_value
    pad = d._value.dtype.type(pad).item() if d._value.dtype.kind != "b" else bool(pad)
    return apply1(DIAG, d, {"rows": rows, "cols": cols, "k": kk, "padding": pad})


def _diag_part_fwd(F: Any, x: Any, k: int) -> Any:
    return F.diagonal(x, k, -2, -1).copy()


def _diag_part_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    rows, cols = F.shape(ins[0])[-2:]
    return (_embed(F, g, rows, cols, p["k"]),)


DIAG_PART = defop("diag_part", _diag_part_fwd, _diag_part_vjp,
                  lambda F, ts, ins, out, p: F.diagonal(ts[0], p["k"], -2, -1), linear=True, save_in=False, test=[
    spec(lambda tf, x: tf.linalg.diag_part(x), normal((2, 3, 3)),
         ref=lambda x: np.diagonal(x, axis1=-2, axis2=-1), complex=True),
    spec(lambda tf, x: tf.linalg.diag_part(x, k=-1), normal((3, 4)), ref=lambda x: np.diagonal(x, -1),
         name="k_minus1"),
    spec(lambda tf, x: tf.linalg.diag_part(x, k=2), normal((2, 3, 4)),
         ref=lambda x: np.diagonal(x, 2, -2, -1), name="k2"),
])


def diag_part(input: Any, name: str = "diag_part", k: Any = 0, padding_value: Any = 0,  # noqa: A002
              align: str = "RIGHT_LEFT") -> Tensor:
    """Diagonal ``k`` of each matrix (last two axes).

    >>> import tapegrad as tf
    >>> tf.linalg.diag_part(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().tolist()
    [1.0, 4.0]
    """
    x = to_tensor(input)
    s = _shape(x)
    if len(s) < 2:
        raise InvalidArgumentError(f"diag_part: input must have rank >= 2, got shape {s}.")
    _check_align(align, "diag_part")
    lo, kk = _k_arg(k, "diag_part")
    rows, cols = s[-2:]
    for q in (lo, kk):
        if not -rows < q < cols and not (rows == 0 or cols == 0):
            raise InvalidArgumentError(
                f"diag_part: diagonal k={q} is out of range for matrices of shape {s}; it must satisfy "
                f"{-rows} < k < {cols}."
            )
    if lo != kk:
        pos = _band_positions(rows, cols, lo, kk, align)[0]
        return apply1(BAND_GATHER, x, {"pos": pos, "padding": _pad_value(padding_value, x)})
    return apply1(DIAG_PART, x, {"k": kk})


def _pad_value(padding_value: Any, x: Any) -> Any:
    pad = padding_value.numpy() if isinstance(padding_value, _TensorLike) else padding_value
    return x._value.dtype.type(pad).item() if x._value.dtype.kind != "b" else bool(pad)


def _diag_band(d: Any, lo: int, hi: int, num_rows: int, num_cols: int, padding_value: Any, align: str) -> Tensor:
    """``tf.linalg.diag`` with ``k=(lo, hi)``: ``d`` holds the packed diagonals (``[..., hi - lo + 1, width]``)."""
    s = _shape(d)
    if len(s) < 2 or s[-2] != hi - lo + 1:
        raise InvalidArgumentError(f"diag: the band k=({lo}, {hi}) needs diagonals of shape [..., {hi - lo + 1}, "
                                   f"width], got shape {s}.")
    width = s[-1]
    min_rows, min_cols = width - min(hi, 0), width + max(lo, 0)  # TF's rule for a band
    rows = num_rows if num_rows >= 0 else (min_rows if num_cols >= 0 else max(min_rows, min_cols))
    cols = num_cols if num_cols >= 0 else (min_cols if num_rows >= 0 else max(min_rows, min_cols))
    if rows < max(-lo, 0) + 1 or cols < max(hi, 0) + 1:
        raise InvalidArgumentError(f"diag: a {rows}x{cols} matrix has no diagonals {lo}..{hi}.")
    pos = _band_positions(rows, cols, lo, hi, align)[0]
    if pos.shape[1] != width:
        raise InvalidArgumentError(f"diag: diagonals of width {width} do not fit k=({lo}, {hi}) of a {rows}x{cols} "
                                   f"matrix (its longest diagonal has {pos.shape[1]} elements).")
    return apply1(BAND_SCATTER, d, {"pos": pos, "rows": rows, "cols": cols, "fill": _pad_value(padding_value, d)})


def set_diag(input: Any, diagonal: Any, name: str = "set_diag", k: Any = 0,  # noqa: A002
             align: str = "RIGHT_LEFT") -> Tensor:
    """``input`` with diagonal ``k`` (or the band ``k=(lo, hi)``, packed as ``diag_part`` returns it) replaced by
    ``diagonal``. Gradients: to ``input`` outside the band, to ``diagonal`` from its slots (padding slots get 0).

    >>> import tapegrad as tf
    >>> tf.linalg.set_diag(tf.zeros([2, 2]), [1.0, 2.0]).numpy().tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    x = to_tensor(input)
    d = to_tensor(diagonal)
    if d._value.dtype != x._value.dtype:
        d = core.cast(d, x.dtype) if not isinstance(diagonal, _TensorLike) else d
        if d._value.dtype != x._value.dtype:
            raise InvalidArgumentError(f"set_diag: diagonal has dtype {d.dtype.name}, input {x.dtype.name}.")
    s = _shape(x)
    if len(s) < 2:
        raise InvalidArgumentError(f"set_diag: input must have rank >= 2, got shape {s}.")
    _check_align(align, "set_diag")
    lo, hi = _k_arg(k, "set_diag")
    rows, cols = s[-2:]
    pos, valid = _band_positions(rows, cols, lo, hi, align)
    want = s[:-2] + (pos.shape if lo != hi else pos.shape[1:])
    if _shape(d) != want:
        raise InvalidArgumentError(f"set_diag: diagonal has shape {list(_shape(d))}, expected {list(want)} for input "
                                   f"shape {list(s)} and k=({lo}, {hi}) (the longest diagonal of the band has "
                                   f"{pos.shape[1]} elements).")
    mask = np.ones(rows * cols, dtype=x._value.dtype)
    mask[pos[valid]] = 0
    keep = arithmetic.multiply(x, core.constant(mask.reshape(rows, cols)))
    if lo == hi:
        pos = pos[0]
    placed = apply1(BAND_SCATTER, d, {"pos": pos, "rows": rows, "cols": cols, "fill": 0})
    return arithmetic.add(keep, placed)


def tensor_diag_part(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The diagonal of a tensor of shape ``[D1, ..., Dk, D1, ..., Dk]`` (shape ``[D1, ..., Dk]``).

    >>> import tapegrad as tf
    >>> tf.linalg.tensor_diag_part(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy().tolist()
    [1.0, 4.0]
    """
    x = to_tensor(input)
    s = _shape(x)
    h = len(s) // 2
    if len(s) % 2 or s[:h] != s[h:]:
        raise InvalidArgumentError(f"tensor_diag_part: input shape {list(s)} is not [D1..Dk, D1..Dk].")
    n = int(np.prod(s[:h], dtype=np.int64))
    return shape_ops.reshape(diag_part(shape_ops.reshape(x, [n, n])), list(s[:h]))


def _band_fwd(F: Any, x: Any, lo: int | None, hi: int | None) -> Any:
    if hi is not None:
        x = F.tril(x, hi)
    if lo is not None:
        x = F.triu(x, lo)
    return x


def _band_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_band_fwd(F, g, p["lo"], p["hi"]),)


BAND_PART = defop("band_part", _band_fwd, _band_vjp, lambda F, ts, ins, out, p: _band_fwd(F, ts[0], p["lo"], p["hi"]),
                  linear=True, save_in=False, test=[
    spec(lambda tf, x: tf.linalg.band_part(x, 1, 0), normal((3, 4)),
         ref=lambda x: np.triu(np.tril(x), -1), complex=True),
    spec(lambda tf, x: tf.linalg.band_part(x, -1, 1), normal((2, 4, 3)),
         ref=lambda x: np.tril(x, 1), complex=True, name="batched"),
    spec(lambda tf, x: tf.linalg.band_part(x, 0, -1), normal((3, 3)), ref=np.triu, name="upper"),
])


def band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Keep ``num_lower`` sub- and ``num_upper`` superdiagonals (negative = all), zero the rest.

    >>> import tapegrad as tf
    >>> tf.linalg.band_part(tf.ones([3, 3]), 0, -1).numpy().tolist()
    [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """
    x = to_tensor(input)
    s = _shape(x)
    if len(s) < 2:
        raise InvalidArgumentError(f"band_part: input must have rank >= 2, got shape {s}.")
    lo, hi = int(num_lower), int(num_upper)
    if lo > s[-2]:
        raise InvalidArgumentError(
            f"band_part: num_lower must be negative or at most the number of rows ({s[-2]}), got {lo} "
            f"(shape {s})."
        )
    if hi > s[-1]:
        raise InvalidArgumentError(
            f"band_part: num_upper must be negative or at most the number of columns ({s[-1]}), got {hi} "
            f"(shape {s})."
        )
    return apply1(BAND_PART, x, {"lo": -lo if lo >= 0 else None, "hi": hi if hi >= 0 else None})


def _tril(x: Any, k: int = 0) -> Tensor:
    """NumPy ``tril`` for DIFF (keeps j - i <= k)."""
    return apply1(BAND_PART, to_tensor(x), {"lo": None, "hi": int(k)})


def _triu(x: Any, k: int = 0) -> Tensor:
    return apply1(BAND_PART, to_tensor(x), {"lo": int(k), "hi": None})


# -- eigh -----------------------------------------------------------------------------------------------------------


def _eigh_fwd(F: Any, x: Any) -> Any:
    e, v = F.linalg.eigh(x)
    return F.astype(e, x.dtype), v


def _hermitian_part(F: Any, t: Any, n: int) -> Any:
    """The Hermitian matrix eigh actually sees: lower triangle mirrored, real diagonal."""
    low = F.tril(t)
    s = low + _mH(F, low)
    return s - 0.5 * s * _eye(F, n, t)


def _eigh_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    ge, gv = g
    e, v = out
    n = F.shape(v)[-1]
    gap = _safe_recip_gap(F, e[..., None, :] - e[..., :, None], _offdiag(F, n, v))  # 1/(e_j - e_i)
    inner = ge[..., None] * _eye(F, n, v) + gap * F.matmul(_mH(F, v), gv)
    h = F.matmul(v, F.matmul(inner, _mH(F, v)))
    s = h + _mH(F, h)
    return (F.tril(s) - 0.5 * s * _eye(F, n, s),)


def _eigh_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    e, v = out
    n = F.shape(v)[-1]
    dq = F.matmul(_mH(F, v), F.matmul(_hermitian_part(F, ts[0], n), v))
    gap = _safe_recip_gap(F, e[..., None, :] - e[..., :, None], _offdiag(F, n, v))
    return F.diagonal(dq, 0, -2, -1), F.matmul(v, gap * dq)


def _sym_spread(*shapes: tuple[int, ...]) -> Any:
    """Random matrices whose lower triangle defines a Hermitian matrix with well-separated eigenvalues."""
    def make(rng: Any) -> tuple[Any, ...]:
        return tuple(rng.normal(size=s) + np.diag(3.0 * np.arange(s[-1])) for s in shapes)
    return make


def _eigh_gauge_free(tf: Any, x: Any) -> Any:
    e, v = tf.linalg.eigh(x)
    return e, tf.math.real(v * tf.math.conj(v))


EIGH = defop("eigh", _eigh_fwd, _eigh_vjp, _eigh_jvp, multi=True, test=[
    spec(lambda tf, x: tf.linalg.eigh(x), _sym_spread((4, 4)), ref=lambda x: tuple(np.linalg.eigh(x)), tf=False),
    spec(_eigh_gauge_free, _sym_spread((2, 3, 3)),
         ref=lambda x: (np.linalg.eigh(x)[0], np.abs(np.linalg.eigh(x)[1]) ** 2), complex=True,
         name="gauge_free"),
])


def eigh(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and eigenvectors (columns) of Hermitian matrices; reads the lower triangle.

    Eigenvectors are unique up to sign (phase), so differentiate only sign-invariant functions of them; the
    gradient is the standard ``V (diag(ē) + F ∘ V^H V̄) V^H`` folded onto the lower triangle, and needs distinct
    eigenvalues.

    >>> import tapegrad as tf
    >>> e, v = tf.linalg.eigh(tf.constant([[2.0, 1.0], [1.0, 2.0]]))
    >>> e.numpy().round(6).tolist()
    [1.0, 3.0]
    """
    x = to_tensor(tensor)
    _matrix(x, "eigh", square=True)
    _float_kind(x, "eigh")
    e, v = _lapack(lambda: applyn(EIGH, (x,)), "eigh", _shape(x), "the eigenvalue iteration did not converge")
    return e, v


# -- svd ------------------------------------------------------------------------------------------------------------


def _svd_fwd(F: Any, x: Any, full: bool) -> Any:
    u, s, vh = F.linalg.svd(x, full_matrices=full)
    return s, u, _mH(F, vh)


def _svd_parts(F: Any, out: Any) -> Any:
    """s (cast to the vectors' dtype, so complex rules never mix dtypes), k, and the thin factors U1, V1."""
    s, u, v = out
    k = F.shape(s)[-1]
    if is_complex(u):
        s = F.astype(s, dtype_of(u))
    return s, k, u[..., :, :k], v[..., :, :k]


def _svd_gap(F: Any, s: Any, k: int) -> Any:
    ss = s * s
    return _safe_recip_gap(F, ss[..., None, :] - ss[..., :, None], _offdiag(F, k, s))  # 1/(s_j^2 - s_i^2)


def _svd_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    gs, gu, gv = g
    s, k, u1, v1 = _svd_parts(F, out)
    u, v = out[1], out[2]
    m, n = F.shape(u)[-2], F.shape(v)[-2]
    gu1, gv1 = gu[..., :, :k], gv[..., :, :k]
    s_row = s[..., None, :]  # divides / multiplies columns by s_j
    s_col = s[..., :, None]
    gap = _svd_gap(F, s, k)
    ju = F.matmul(_mH(F, u1), gu1)
    jv = F.matmul(_mH(F, v1), gv1)
    ku, kv = gap * ju, gap * jv
    inner = F.astype(gs[..., None] * _eye(F, k, gs), dtype_of(u)) + (ku + _mH(F, ku)) * s_row + \
        s_col * (kv + _mH(F, kv))
    if is_complex(u):
        inner = inner + _imag_i(F, ju) * _eye(F, k, u) / s_row
    ga = F.matmul(u1, F.matmul(inner, _mH(F, v1)))
    ga = ga + F.matmul((gu1 - F.matmul(u1, ju)) / s_row, _mH(F, v1))  # (I - U U^H) Ū S^{-1} V^H
    ga = ga + F.matmul(u1 / s_row, _mH(F, gv1) - F.matmul(_mH(F, jv), _mH(F, v1)))  # U S^{-1} V̄^H (I - V V^H)
    if p["full"] and m > k:
        u2, gu2 = u[..., :, k:], gu[..., :, k:]
        ga = ga - F.matmul(F.matmul(u2, F.matmul(_mH(F, gu2), u1)) / s_row, _mH(F, v1))
    if p["full"] and n > k:
        v2, gv2 = v[..., :, k:], gv[..., :, k:]
        ga = ga - F.matmul(u1 / s_row, F.matmul(F.matmul(_mH(F, v1), gv2), _mH(F, v2)))
    return (ga,)


def _svd_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    da = ts[0]
    s, k, u1, v1 = _svd_parts(F, out)
    u, v = out[1], out[2]
    m, n = F.shape(u)[-2], F.shape(v)[-2]
    s_row, s_col = s[..., None, :], s[..., :, None]
    gap = _svd_gap(F, s, k)
    dav = F.matmul(da, v1)
    dahu = F.matmul(_mH(F, da), u1)
    dp = F.matmul(_mH(F, u1), dav)
    ds = F.real(F.diagonal(dp, 0, -2, -1)) if is_complex(dp) else F.diagonal(dp, 0, -2, -1)
    om_u = gap * (dp * s_row + s_col * _mH(F, dp))
    if is_complex(dp):
        om_u = om_u + _imag_i(F, dp) * _eye(F, k, dp) / s_row
    om_v = gap * (s_col * dp + _mH(F, dp) * s_row)
    du = F.matmul(u1, om_u) + (dav - F.matmul(u1, dp)) / s_row
    dv = F.matmul(v1, om_v) + (dahu - F.matmul(v1, _mH(F, dp))) / s_row
    if p["full"] and m > k:
        u2 = u[..., :, k:]
        du = F.concatenate([du, -F.matmul(u1, F.matmul(_mH(F, dav), u2) / s_col)], axis=-1)
    if p["full"] and n > k:
        v2 = v[..., :, k:]
        dv = F.concatenate([dv, -F.matmul(v1, F.matmul(_mH(F, dahu), v2) / s_col)], axis=-1)
    return ds, du, dv


def _svd_spread(*shapes: tuple[int, ...]) -> Any:
    """Random matrices with well-separated singular values (1, 2.5, 4, ...)."""
    def make(rng: Any) -> tuple[Any, ...]:
        out = []
        for s in shapes:
            u, _, vh = np.linalg.svd(rng.normal(size=s), full_matrices=False)
            k = min(s[-2:])
            out.append((u * (1.0 + 1.5 * np.arange(k)[::-1])) @ vh)
        return tuple(out)
    return make


def _svd_gauge_free(tf: Any, x: Any) -> Any:
    s, u, v = tf.linalg.svd(x)
    return s, tf.math.real(u * tf.math.conj(u)), tf.math.real(v * tf.math.conj(v))


def _np_svd(x: Any, full: bool = False) -> Any:
    u, s, vh = np.linalg.svd(x, full_matrices=full)
    return s, u, np.swapaxes(vh, -1, -2).conj()


def _np_svd_gauge_free(x: Any) -> Any:
    s, u, v = _np_svd(x)
    return s, np.abs(u) ** 2, np.abs(v) ** 2


def _svd_full_call(tf: Any, x: Any) -> Any:
    s, u, v = tf.linalg.svd(x, full_matrices=True)
    k = 3
    return s, u[..., :, :k], v, tf.matmul(u[..., :, k:], u[..., :, k:], adjoint_b=True)


def _np_svd_full(x: Any) -> Any:
    s, u, v = _np_svd(x, True)
    return s, u[..., :, :3], v, u[..., :, 3:] @ np.swapaxes(u[..., :, 3:], -1, -2)


SVD = defop("svd", _svd_fwd, _svd_vjp, _svd_jvp, multi=True, test=[
    spec(lambda tf, x: tf.linalg.svd(x), _svd_spread((4, 3)), ref=_np_svd, tf=False),
    spec(lambda tf, x: tf.linalg.svd(x), _svd_spread((2, 3, 5)), ref=_np_svd, tf=False, name="batched_wide"),
    spec(_svd_gauge_free, _svd_spread((4, 3)), ref=_np_svd_gauge_free, complex=True, name="gauge_free"),
    spec(lambda tf, x: tf.linalg.svd(x, compute_uv=False), _svd_spread((3, 4)),
         ref=lambda x: np.linalg.svd(x, compute_uv=False), complex=True, name="values_only"),
    spec(_svd_full_call, _svd_spread((5, 3)), ref=_np_svd_full, tf=False, name="full_matrices"),
])


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None) -> Any:
    """Singular value decomposition ``tensor = u diag(s) v^H``, returned in TF's order ``(s, u, v)``.

    ``v`` is V, not V^H. With ``compute_uv=False`` only ``s`` (descending) is returned. Singular vectors are
    unique up to sign (phase): differentiate gauge-invariant functions of them; gradients need distinct nonzero
    singular values.

    >>> import tapegrad as tf
    >>> s, u, v = tf.linalg.svd(tf.constant([[3.0, 0.0], [0.0, -2.0]]))
    >>> s.numpy().tolist()
    [3.0, 2.0]
    """
    x = to_tensor(tensor)
    _matrix(x, "svd")
    _float_kind(x, "svd")
    p = {"full": bool(full_matrices and compute_uv)}
    s, u, v = _lapack(lambda: applyn(SVD, (x,), p), "svd", _shape(x), "the SVD iteration did not converge")
    if not compute_uv:
        return s
    return s, u, v


# -- qr -------------------------------------------------------------------------------------------------------------


def _qr_fwd(F: Any, x: Any, full: bool) -> Any:
    q, r = F.linalg.qr(_half_up(F, x), mode="complete" if full else "reduced")
    return F.astype(q, x.dtype), F.astype(r, x.dtype)


def _copy_upper(F: Any, w: Any, n: int) -> Any:
    """Upper triangle of ``w`` mirrored (Hermitian) below, with the real part on the diagonal."""
    up = F.triu(w, 1)
    return up + _mH(F, up) + 0.5 * (w + _mH(F, w)) * _eye(F, n, w)


def _qr_square_vjp(F: Any, q: Any, r: Any, gq: Any, gr: Any) -> Any:
    n = F.shape(r)[-1]
    w = F.matmul(gr, _mH(F, r)) - F.matmul(_mH(F, q), gq)
    return _right_solve_h(F, gq + F.matmul(q, _copy_upper(F, w, n)), r)


def _qr_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    gq, gr = g
    q, r = out
    m, n = F.shape(ins[0])[-2:]
    if m >= n:
        if p["full"] and m > n:
            raise NotImplementedError(
                f"qr: the gradient is not implemented for full_matrices=True with more rows than columns (input "
                f"shape {tuple(F.shape(ins[0]))}), as in TensorFlow; use full_matrices=False."
            )
        return (_qr_square_vjp(F, q, r, gq, gr),)
    y = ins[0][..., :, m:]
    gr1, gr2 = gr[..., :, :m], gr[..., :, m:]
    gx = _qr_square_vjp(F, q, r[..., :, :m], gq + F.matmul(y, _mH(F, gr2)), gr1)
    return (F.concatenate([gx, F.matmul(q, gr2)], axis=-1),)


def _qr_square_jvp(F: Any, q: Any, r: Any, da: Any) -> Any:
    n = F.shape(r)[-1]
    y = _mH(F, _solve(F, _mH(F, r), _mH(F, da)))  # dA R^{-1}
    c = F.matmul(_mH(F, q), y)
    low = F.tril(c, -1)
    omega = low - _mH(F, low)
    if is_complex(c):
        omega = omega + _imag_i(F, c) * _eye(F, n, c)
    c_minus = c - omega
    return y - F.matmul(q, c_minus), F.matmul(c_minus, r)


def _qr_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    q, r = out
    da = ts[0]
    m, n = F.shape(ins[0])[-2:]
    if m >= n:
        if p["full"] and m > n:
            raise NotImplementedError("qr: forward-mode derivative not implemented for full_matrices=True, m > n.")
        return _qr_square_jvp(F, q, r, da)
    dq, dr1 = _qr_square_jvp(F, q, r[..., :, :m], da[..., :, :m])
    y = ins[0][..., :, m:]
    dr2 = F.matmul(_mH(F, dq), y) + F.matmul(_mH(F, q), da[..., :, m:])
    return dq, F.concatenate([dr1, dr2], axis=-1)


def _np_qr(x: Any, full: bool = False) -> Any:
    return tuple(np.linalg.qr(x, mode="complete" if full else "reduced"))


QR = defop("qr", _qr_fwd, _qr_vjp, _qr_jvp, multi=True, test=[
    spec(lambda tf, x: tf.linalg.qr(x), normal((4, 3)), ref=_np_qr, complex=True),
    spec(lambda tf, x: tf.linalg.qr(x), normal((2, 3, 5)), ref=_np_qr, complex=True, name="batched_wide"),
    spec(lambda tf, x: tf.linalg.qr(x, full_matrices=True), normal((3, 3)),
         ref=lambda x: _np_qr(x, True), complex=True, name="square_full"),
])


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> Qr:  # noqa: A002
    """QR decomposition ``input = q @ r`` (``q`` with orthonormal columns, ``r`` upper triangular).

    Returns the namedtuple ``Qr(q, r)``. Gradients exist for any shape with ``full_matrices=False`` and for
    ``full_matrices=True`` when rows <= columns (as in TF).

    >>> import tapegrad as tf
    >>> q, r = tf.linalg.qr(tf.constant([[3.0, 1.0], [4.0, 2.0]], tf.float64))
    >>> abs(r.numpy()).round(6).tolist()
    [[5.0, 2.2], [0.0, 0.4]]
    """
    x = to_tensor(input)
    _matrix(x, "qr")
    _float_kind(x, "qr", half=True)
    q, r = applyn(QR, (x,), {"full": bool(full_matrices)})
    return Qr(q, r)


# -- pinv / lstsq ---------------------------------------------------------------------------------------------------


def _pinv_fwd(F: Any, x: Any, rcond: float) -> Any:
    u, s, vh = F.linalg.svd(x, full_matrices=False)
    keep = s > rcond * F.max(s, axis=-1, keepdims=True, initial=0)
    s_inv = F.where(keep, 1 / F.where(keep, s, 1), 0)
    return F.astype(F.matmul(_mH(F, vh) * s_inv[..., None, :], _mH(F, u)), x.dtype)


def _pinv_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, pa = ins[0], out
    ph, gh = _mH(F, pa), _mH(F, g)
    t1 = -F.matmul(ph, F.matmul(g, ph))
    w = F.matmul(gh, F.matmul(pa, ph))
    t2 = w - F.matmul(a, F.matmul(pa, w))  # (I - A P) G^H P P^H
    z = F.matmul(F.matmul(ph, pa), gh)
    t3 = z - F.matmul(F.matmul(z, pa), a)  # P^H P G^H (I - P A)
    return (t1 + t2 + t3,)


def _pinv_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    a, pa, da = ins[0], out, ts[0]
    ph, dah = _mH(F, pa), _mH(F, ts[0])
    t1 = -F.matmul(pa, F.matmul(da, pa))
    t2 = F.matmul(F.matmul(pa, ph), dah - F.matmul(F.matmul(dah, a), pa))
    x = F.matmul(dah, F.matmul(ph, pa))
    t3 = x - F.matmul(pa, F.matmul(a, x))
    return t1 + t2 + t3


def _np_pinv(x: Any) -> Any:
    return np.linalg.pinv(x)


PINV = defop("pinv", _pinv_fwd, _pinv_vjp, _pinv_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.linalg.pinv(x), normal((4, 3)), ref=_np_pinv, complex=False),
    spec(lambda tf, x: tf.linalg.pinv(x), normal((2, 3, 5)), ref=_np_pinv, name="batched_wide"),
    spec(lambda tf, x: tf.math.real(tf.linalg.pinv(x)), normal((3, 4)),
         ref=lambda x: np.linalg.pinv(x).real, complex=True, tf=False, name="complex"),
])


def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: str | None = None) -> Tensor:
    """Moore-Penrose pseudo-inverse via the SVD; singular values ``<= rcond * max(s)`` are treated as zero.

    ``rcond`` defaults to ``10 * max(rows, cols) * eps`` (TF's default). The gradient is the closed form for
    constant rank (Golub & Pereyra). Complex input is accepted (TF raises TypeError).

    >>> import tapegrad as tf
    >>> tf.linalg.pinv(tf.constant([[2.0, 0.0], [0.0, 0.0]])).numpy().tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    x = to_tensor(a)
    if x._value.dtype.kind not in "fcV":
        raise TypeError(f"pinv: input must have a float-like dtype, got {x.dtype.name} (shape {_shape(x)}).")
    if x._value.ndim < 2:
        raise ValueError(f"pinv: input must have at least 2 dimensions, got shape {_shape(x)}.")
    _float_kind(x, "pinv")
    m, n = _shape(x)[-2:]
    if rcond is None:
        rc = 10.0 * max(m, n) * float(np.finfo(x._value.dtype).eps)
    else:
        rc = float(rcond.numpy() if isinstance(rcond, _TensorLike) else rcond)
    return _lapack(lambda: apply1(PINV, x, {"rcond": rc}), "pinv", _shape(x), "the SVD did not converge")


def _eye_like(n: int, x: Any) -> Tensor:
    return core.constant(np.eye(n, dtype=x._value.dtype))


def lstsq(matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True, name: str | None = None) -> Tensor:
    """Least-squares solution of ``matrix @ x = rhs`` (``[..., M, N]``, ``[..., M, K]``), Tikhonov-regularised.

    ``fast=True`` (TF's default) solves the regularised normal equations with a Cholesky factorisation, exactly
    like TF (M >= N: ``(A^H A + l2 I) x = A^H b``; M < N: ``x = A^H (A A^H + l2 I)^{-1} b``), so it needs full
    rank or ``l2_regularizer > 0``. ``fast=False`` returns the minimum-norm solution ``pinv(A) @ b`` (TF ignores
    ``l2_regularizer`` there too); unlike TF, it is differentiable.

    >>> import tapegrad as tf
    >>> a = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> tf.linalg.lstsq(a, tf.constant([[1.0], [2.0], [3.0]])).numpy().round(6).tolist()
    [[1.0], [2.0]]
    """
    a, b = _same(matrix, rhs, "lstsq")
    _matrix(a, "lstsq")
    _matrix(b, "lstsq")
    _float_kind(a, "lstsq")
    sa, sb = _shape(a), _shape(b)
    if sa[-2] != sb[-2]:
        raise InvalidArgumentError(f"lstsq: matrix {sa} and rhs {sb} must have the same number of rows.")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise InvalidArgumentError(f"lstsq: batch dimensions of matrix {sa} and rhs {sb} do not broadcast.") from None
    if not fast:
        return matmul.matmul(pinv(a), b)
    m, n = sa[-2:]
    l2 = l2_regularizer
    if isinstance(l2, _TensorLike):
        l2 = l2.numpy()
    l2 = float(np.real(l2))
    if m >= n:
        gram = matmul.matmul(a, a, adjoint_a=True)
        if l2:
            gram = gram + l2 * _eye_like(n, a)
        return cholesky_solve(cholesky(gram), matmul.matmul(a, b, adjoint_a=True))
    gram = matmul.matmul(a, a, adjoint_b=True)
    if l2:
        gram = gram + l2 * _eye_like(m, a)
    return matmul.matmul(a, cholesky_solve(cholesky(gram), b), adjoint_a=True)


# -- transposes -----------------------------------------------------------------------------------------------------


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """Swap the last two axes (and conjugate complex values with ``conjugate=True``).

    >>> import tapegrad as tf
    >>> tf.linalg.matrix_transpose(tf.zeros([2, 3, 4])).shape
    TensorShape([2, 4, 3])
    """
    x = to_tensor(a)
    nd = x._value.ndim
    if nd < 2:
        raise ValueError(f"matrix_transpose: the input must be a (batch) matrix with rank >= 2, got shape {_shape(x)}.")
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    return shape_ops.transpose(x, perm, conjugate=conjugate)


def adjoint(matrix: Any, name: str | None = None) -> Tensor:
    """Conjugate transpose of the last two axes.

    >>> import tapegrad as tf
    >>> tf.linalg.adjoint(tf.constant([[1 + 2j, 3j]])).numpy().tolist()
    [[(1-2j)], [-3j]]
    """
    return matrix_transpose(matrix, conjugate=True)


# -- einsum / tensordot ---------------------------------------------------------------------------------------------


def _einsum_call(F: Any, eq: str, *xs: Any) -> Any:
    """``F.einsum``; NumPy's contraction-path optimiser (BLAS) only where it pays off: its per-call overhead
    (tens of microseconds) dominates for small operands."""
    if getattr(F, "is_diff", False):
        return F.einsum(eq, *xs)
    big = len(xs) > 2 or (len(xs) == 2 and sum(x.size for x in xs) > 4096)
    return F.einsum(eq, *xs, optimize=big)


def _einsum_fwd(F: Any, *xs: Any, eq: str, subs: tuple[str, ...], out: str, free: str) -> Any:
    return _einsum_call(F, eq, *xs)


def _einsum_expand(F: Any, r: Any, sk: str, kept: str, shape: tuple[int, ...], x: Any) -> Any:
    """Turn a gradient over the ``kept`` labels into one over the operand's axes ``sk`` (repeats: diagonals)."""
    d = len(sk)
    first: dict[str, int] = {}
    removed = []
    for pos, lab in enumerate(sk):
        if lab in kept and lab not in first:
            first[lab] = pos
        else:
            removed.append(pos)
    r = F.expand_dims(r, tuple(pos - d for pos in removed))
    rs = tuple(F.shape(r))
    nb = len(rs) - d
    target = rs[:nb] + tuple(shape[pos] if pos in removed else rs[nb + pos] for pos in range(d))
    r = F.broadcast_to(r, target)
    seen: dict[str, int] = {}
    for pos, lab in enumerate(sk):
        if lab in seen:
            n = shape[pos]
            mshape = [1] * d
            mshape[seen[lab]] = n
            mshape[pos] = n
            r = r * F.reshape(_eye(F, n, x), tuple(mshape))
        else:
            seen[lab] = pos
    return r


def _einsum_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    subs, outs, free = p["subs"], p["out"], p["free"]
    nb = F.ndim(g) - len(outs)
    if nb > len(free):
        raise ValueError(f"einsum: too many batch axes ({nb}) for the remaining subscript letters.")
    bl = free[:nb]
    res = []
    for k, need in enumerate(needs):
        if not need:
            res.append(None)
            continue
        others = [j for j in range(len(ins)) if j != k]
        avail = set(outs).union(*(subs[j] for j in others))
        kept = "".join(dict.fromkeys(lab for lab in subs[k] if lab in avail))
        eq = ",".join([bl + outs] + [subs[j] for j in others]) + "->" + bl + kept
        r = _einsum_call(F, eq, g, *[cj(F, ins[j]) for j in others])
        if kept != subs[k]:
            r = _einsum_expand(F, r, subs[k], kept, tuple(F.shape(ins[k])), ins[k])
        res.append(r)
    return tuple(res)


def _einsum_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    res = None
    for k, t in enumerate(ts):
        if t is None:
            continue
        args = list(ins)
        args[k] = t
        r = _einsum_call(F, p["eq"], *args)
        res = r if res is None else res + r
    return res


def _einsum_spec(eq: str, *shapes: tuple[int, ...], name: str = "", complex: bool = True) -> dict[str, Any]:
    return spec(lambda tf, *xs: tf.einsum(eq, *xs), normal(*shapes),
                ref=lambda *xs: np.einsum(eq, *xs), complex=complex, name=name or eq)


EINSUM = defop("einsum", _einsum_fwd, _einsum_vjp, _einsum_jvp, test=[
    _einsum_spec("ij,jk->ik", (2, 3), (3, 4), name="matmul"),
    _einsum_spec("...ij,...jk->...ik", (1, 2, 3), (5, 3, 4), name="ellipsis_broadcast"),
    _einsum_spec("bij,bkj->bik", (2, 3, 4), (2, 5, 4), name="batch_transposed"),
    _einsum_spec("ii->i", (3, 3), name="diagonal"),
    _einsum_spec("ii", (4, 4), name="trace_implicit"),
    _einsum_spec("iji->j", (3, 2, 3), name="repeated_summed"),
    _einsum_spec("ij->i", (3, 4), name="row_sum"),
    _einsum_spec("ij,jk", (2, 3), (3, 4), name="implicit"),
    _einsum_spec("i,j->ij", (3,), (4,), name="outer"),
    _einsum_spec("ij,jk,kl->il", (2, 3), (3, 4), (4, 2), name="chain3"),
    _einsum_spec("ijk,ik->", (2, 3, 4), (2, 4), name="full_contraction"),
    _einsum_spec("ij,ij,ij->ij", (2, 3), (2, 3), (2, 3), name="hadamard3"),
    _einsum_spec("i...j->j...i", (2, 3, 4, 5), name="ellipsis_transpose"),
    spec(lambda tf, a, b: tf.tensordot(a, b, axes=1), normal((2, 3), (3, 4)),
         ref=lambda a, b: np.tensordot(a, b, axes=1), complex=True, name="tensordot_int"),
    spec(lambda tf, a, b: tf.tensordot(a, b, axes=[[0, 2], [2, 0]]), normal((2, 3, 4), (4, 5, 2)),
         ref=lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 0])), complex=True, name="tensordot_lists"),
    spec(lambda tf, a, b: tf.tensordot(a, b, axes=0), normal((2, 3), (4,)),
         ref=lambda a, b: np.tensordot(a, b, axes=0), name="tensordot_outer"),
])


def _parse_term(term: str, equation: str) -> tuple[str, bool]:
    ell = "..." in term
    letters = term.replace("...", "", 1) if ell else term
    if not all(c in _LETTERS for c in letters) or "." in letters:
        raise ValueError(
            f"einsum: subscripts must be letters with at most one '...' per term; got {term!r} in {equation!r}."
        )
    return letters, ell


@functools.lru_cache(maxsize=1024)
def _einsum_plan(equation: str, shapes: tuple[tuple[int, ...], ...], strict: bool = True) -> tuple[
        tuple[str, ...], str, str]:
    """Explicit per-operand labels (ellipses expanded, right-aligned), the output labels and unused letters.

    ``strict``: named labels must have equal sizes (TF); otherwise size-1 axes broadcast (NumPy; gradient rules).
    """
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: got {len(shapes)} inputs for equation {equation!r}, expecting {len(terms)}.")
    parsed = [_parse_term(t, equation) for t in terms]
    used = set("".join(p[0] for p in parsed))
    spare = [c for c in _LETTERS if c not in used]
    ell_rank = 0
    for (letters, ell), s in zip(parsed, shapes):
        extra = len(s) - len(letters)
        if (not ell and extra != 0) or extra < 0:
            raise InvalidArgumentError(
                f"einsum: operand with subscripts {letters if not ell else '...' + letters!r} has shape {s}: "
                f"expected rank {len(letters)}{' or more' if ell else ''}, got {len(s)} (equation {equation!r})."
            )
        ell_rank = max(ell_rank, extra if ell else 0)
    if ell_rank > len(spare):
        raise ValueError(f"einsum: too many axes for the available subscript letters in {equation!r}.")
    ell_labels = "".join(spare[:ell_rank])
    spare = spare[ell_rank:]
    subs = []
    for (letters, ell), term, s in zip(parsed, terms, shapes):
        if ell:
            e = len(s) - len(letters)
            head, _, tail = term.partition("...")
            subs.append(head + ell_labels[ell_rank - e:] + tail)
        else:
            subs.append(letters)
    if arrow:
        out_letters, out_ell = _parse_term(rhs, equation)
        if len(set(out_letters)) != len(out_letters):
            raise ValueError(f"einsum: output subscripts contain a label more than once: {equation!r}.")
        for c in out_letters:
            if c not in used:
                raise ValueError(f"einsum: output label {c!r} does not appear in the inputs of {equation!r}.")
        if out_ell:
            head, _, tail = rhs.partition("...")
            out = head + ell_labels + tail
        else:
            if ell_rank:
                raise InvalidArgumentError(
                    f"einsum: the inputs have {ell_rank} broadcast ('...') dimension(s) but the output subscripts "
                    f"of {equation!r} have no '...'."
                )
            out = out_letters
    else:
        counts: dict[str, int] = {}
        for letters, _ in parsed:
            for c in letters:
                counts[c] = counts.get(c, 0) + 1
        out = ell_labels + "".join(sorted(c for c, n in counts.items() if n == 1))
    # sizes: named labels must agree exactly (as in TF); '...' dimensions broadcast
    sizes: dict[str, int] = {}
    for sub, s in zip(subs, shapes):
        for c, n in zip(sub, s):
            if c in ell_labels or not strict:
                if sizes.get(c, 1) == 1:
                    sizes[c] = n
                elif n not in (1, sizes[c]):
                    raise InvalidArgumentError(
                        f"einsum: '...' dimensions of shapes {shapes} do not broadcast (equation {equation!r})."
                    )
            elif sizes.setdefault(c, n) != n:
                raise InvalidArgumentError(
                    f"einsum: label {c!r} has size {sizes[c]} in one operand and {n} in another (shapes {shapes}, "
                    f"equation {equation!r})."
                )
    return tuple(subs), out, "".join(spare)


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation (NumPy's subscript language: letters, ``...``, repeated labels, implicit output).

    Named labels must have equal sizes across operands; ``...`` dimensions broadcast. The gradient of each
    operand is another einsum (repeated labels become diagonals, summed-out labels are broadcast back).

    >>> import tapegrad as tf
    >>> tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"einsum: invalid keyword arguments {sorted(kwargs)}.")
    return _einsum(equation, inputs, strict=True)


def _einsum(equation: str, inputs: Any, strict: bool) -> Tensor:
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}.")
    if not inputs:
        raise ValueError("einsum: expected at least one input tensor.")
    xs = [to_tensor(v) if isinstance(v, _TensorLike) else v for v in inputs]
    first = next((v for v in xs if isinstance(v, _TensorLike)), None)
    first = to_tensor(xs[0]) if first is None else first
    ts = tuple(pair_check(v, first, "einsum") if isinstance(v, _TensorLike) else like(v, first, "einsum")
               for v in xs)
    if first._value.dtype.kind == "b":
        raise InvalidArgumentError("einsum: bool tensors are not supported; cast to a numeric dtype.")
    subs, out, free = _einsum_plan(equation, tuple(_shape(t) for t in ts), strict)
    eq = ",".join(subs) + "->" + out
    return applyn(EINSUM, ts, {"eq": eq, "subs": subs, "out": out, "free": free})


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Contract ``a``'s axes ``axes[0]`` with ``b``'s ``axes[1]`` (an int N means a's last N with b's first N).

    >>> import tapegrad as tf
    >>> tf.tensordot(tf.ones([2, 3]), tf.ones([3, 4]), axes=1).numpy().tolist()
    [[3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]
    """
    x, y = _same(a, b, "tensordot")
    na, nb = x._value.ndim, y._value.ndim
    if isinstance(axes, _TensorLike):
        axes = axes.numpy().tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"tensordot: 'axes' must be at least 0, got {n}.")
        if n > na or n > nb:
            raise ValueError(
                f"tensordot: 'axes'={n} is larger than the rank of a tensor (shapes {_shape(x)} and {_shape(y)})."
            )
        ax_a, ax_b = list(range(na - n, na)), list(range(n))
    else:
        if len(axes) != 2:
            raise ValueError(f"tensordot: 'axes' must be an int or a pair of axis lists, got {axes!r}.")
        ax_a = [int(axes[0])] if isinstance(axes[0], (int, np.integer)) else [int(v) for v in axes[0]]
        ax_b = [int(axes[1])] if isinstance(axes[1], (int, np.integer)) else [int(v) for v in axes[1]]
        if len(ax_a) != len(ax_b):
            raise ValueError(f"tensordot: different number of contraction axes for a and b: {len(ax_a)} != "
                             f"{len(ax_b)}.")
        for lst, nd, nm in ((ax_a, na, "a"), (ax_b, nb, "b")):
            for i, v in enumerate(lst):
                if not -nd <= v < nd:
                    raise InvalidArgumentError(
                        f"tensordot: axis {v} is out of range for {nm} of rank {nd}."
                    )
                lst[i] = v % nd
    if na + nb - len(ax_a) > len(_LETTERS) or na > len(_LETTERS):
        raise ValueError("tensordot: too many axes.")
    sa, sb = _shape(x), _shape(y)
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise InvalidArgumentError(
                f"tensordot: contracted axes have different sizes: a{sa} axis {i} has {sa[i]}, b{sb} axis {j} has "
                f"{sb[j]}."
            )
    la = _LETTERS[:na]
    nxt = iter(_LETTERS[na:])
    lb = [la[ax_a[ax_b.index(j)]] if j in ax_b else next(nxt) for j in range(nb)]
    out = "".join(c for i, c in enumerate(la) if i not in ax_a) + "".join(
        c for j, c in enumerate(lb) if j not in ax_b)
    return einsum(f"{la},{''.join(lb)}->{out}", x, y)


# -- the differentiable namespace entries (ops/_diffns.DIFF) ---------------------------------------------------------


def _diff_inv(a: Any) -> Tensor:
    x = to_tensor(a)
    return _lapack(lambda: apply1(INV, x, {"adjoint": False}), "inv", _shape(x), "the matrix is singular")


def _diff_solve(a: Any, b: Any) -> Tensor:
    x, y = to_tensor(a), to_tensor(b)
    return _lapack(lambda: apply2(SOLVE, x, y, {"adjoint": False}), "solve", _shape(x), "the matrix is singular")


def _diff_eye(n: int, m: int | None = None, k: int = 0, dtype: Any = float) -> Tensor:
    return core.constant(np.eye(n, m, k, dtype=dtype))


def _diff_diagonal(x: Any, offset: int = 0, axis1: int = -2, axis2: int = -1) -> Tensor:
    t = to_tensor(x)
    nd = t._value.ndim
    if (axis1 % nd, axis2 % nd) != (nd - 2, nd - 1):
        raise ValueError("diagonal: only the last two axes are supported in gradient rules.")
    return apply1(DIAG_PART, t, {"k": int(offset)})


def _diff_einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Tensor:
    return _einsum(subscripts, operands, strict=False)


class _DiffLinalg:
    """``F.linalg`` under DIFF: NumPy's ``linalg`` names backed by differentiable tapegrad ops."""

    inv = staticmethod(_diff_inv)
    solve = staticmethod(_diff_solve)


def _diff_trace(x: Any, axis1: int = -2, axis2: int = -1, dtype: Any = None) -> Tensor:
    """NumPy's ``trace`` signature over the last two axes (the only form the rules use)."""
    if (axis1 % max(x.ndim, 1), axis2 % max(x.ndim, 1)) != (x.ndim - 2, x.ndim - 1):
        raise ValueError("DIFF.trace supports the last two axes only")
    return trace(x)


DIFF_ENTRIES: dict[str, Any] = {
    "linalg": _DiffLinalg(), "einsum": _diff_einsum, "eye": _diff_eye, "tril": _tril, "triu": _triu,
    "diagonal": _diff_diagonal, "trace": _diff_trace,
}


EXPORTS: dict[str, list[str]] = {
    "": ["einsum", "tensordot"],
    "linalg": [
        "matvec", "inv", "det", "slogdet", "logdet", "cholesky", "cholesky_solve", "solve", "triangular_solve",
        "trace", "diag", "diag_part", "set_diag", "tensor_diag_part", "band_part", "eigh", "svd", "qr", "lstsq", "pinv",
        "adjoint",
        "matrix_transpose", "einsum", "tensordot",
    ],
}
