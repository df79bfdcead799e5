"""``keras.ops.linalg``: decompositions (``cholesky``, ``eig``, ``eigh``, ``lu_factor``, ``qr``, ``svd``), ``det``,
``inv``, ``norm``, ``solve``, ``solve_triangular``, ``lstsq``, ``pinv``, ``slogdet``, ``matrix_rank``, ``jvp``.

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
>>> round(float(ops.det(a)), 6), ops.solve(a, np.array([[2.0], [1.0]])).numpy().ravel().tolist()
(8.0, [0.5, 0.0])
>>> round(float(ops.norm(a)), 4), round(float(ops.norm(a, ord=1)), 4)
(5.7446, 6.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ._dtypes import cast, convert, result_type
from .math import qr

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor", "matrix_rank", "norm",
    "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd",
]


def _square(x: Any, name: str) -> Any:
    x = convert(x)
    if len(x.shape) < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: expects (batches of) square matrices, got shape {tuple(x.shape)}")
    return x


def cholesky(x: Any, upper: bool = False) -> Any:
    """The Cholesky factor (lower, or upper with ``upper=True``)."""
    x = _square(x, "cholesky")
    low = tg.linalg.cholesky(x)
    return tg.linalg.adjoint(low) if upper else low


def cholesky_inverse(x: Any, upper: bool = False) -> Any:
    """The inverse of ``A`` from its Cholesky factor ``x``."""
    x = _square(x, "cholesky_inverse")
    low = tg.linalg.adjoint(x) if upper else x
    eye = tg.eye(x.shape[-1], dtype=x.dtype)
    return tg.linalg.cholesky_solve(low, tg.broadcast_to(eye, tg.shape(x)))


def det(x: Any) -> Any:
    """The determinant."""
    return tg.linalg.det(_square(x, "det"))


def inv(x: Any) -> Any:
    """The matrix inverse."""
    return tg.linalg.inv(_square(x, "inv"))


def slogdet(x: Any) -> tuple[Any, Any]:
    """``(sign, log|det|)``."""
    out = tg.linalg.slogdet(_square(x, "slogdet"))
    return out[0], out[1]


def eigh(x: Any) -> tuple[Any, Any]:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix."""
    return tg.linalg.eigh(_square(x, "eigh"))


def eig(x: Any) -> tuple[Any, Any]:
    """Eigenvalues and right eigenvectors of a general matrix (complex; no gradient)."""
    x = _square(x, "eig")
    cdt = "complex128" if x.dtype.name == "float64" else "complex64"

    def f(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w, v = np.linalg.eig(a)
        return w.astype(cdt), v.astype(cdt)
    w, v = tg.numpy_function(f, [x], Tout=[cdt, cdt], stateful=False)
    return w, v


def lu_factor(x: Any) -> tuple[Any, Any]:
    """LU decomposition with partial pivoting: ``(lu, pivots)`` as SciPy's ``lu_factor`` (pivots ``int32``)."""
    x = _square(x, "lu_factor")

    def f(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = np.array(a, copy=True)
        n = a.shape[-1]
        batch = a.reshape(-1, n, n)
        piv = np.zeros((batch.shape[0], n), np.int32)
        for b in range(batch.shape[0]):
            m = batch[b]
            for k in range(n):
                p = k + int(np.argmax(np.abs(m[k:, k])))
                piv[b, k] = p
                if p != k:
                    m[[k, p]] = m[[p, k]]
                if m[k, k] != 0:
                    m[k + 1:, k] /= m[k, k]
                    m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
        return batch.reshape(a.shape), piv.reshape(a.shape[:-1])
    lu, piv = tg.numpy_function(f, [x], Tout=[x.dtype.name, "int32"], stateful=False)
    return lu, piv


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """Vector or matrix norm, with NumPy's ``ord`` meanings (``"fro"``, ``"nuc"``, ints, +-inf)."""
    x = convert(x)
    dt = result_type(x.dtype.name, float)
    x = cast(x, dt)
    nd = len(x.shape)
    if axis is None:
        axes = tuple(range(nd))
    elif isinstance(axis, int):
        axes = (axis % nd,)
    else:
        axes = tuple(a % nd for a in axis)
    if len(axes) == 1:
        a = axes[0]
        ax = tg.abs(x)
        if ord is None or ord == 2:
            out = tg.sqrt(tg.reduce_sum(tg.square(ax), a, keepdims))
        elif ord == np.inf:
            out = tg.reduce_max(ax, a, keepdims)
        elif ord == -np.inf:
            out = tg.reduce_min(ax, a, keepdims)
        elif ord == 0:
            out = tg.reduce_sum(cast(tg.not_equal(x, 0), dt), a, keepdims)
        elif isinstance(ord, str):
            raise ValueError(f"norm: invalid `ord` {ord!r} for a vector norm")
        else:
            o = tg.cast(float(ord), dt)
            out = tg.pow(tg.reduce_sum(tg.pow(ax, o), a, keepdims), 1 / o)
        return out
    if len(axes) == 2 and (ord is not None or axis is not None):
        r, c = axes
        if ord in (None, "fro"):
            return tg.sqrt(tg.reduce_sum(tg.square(x), list(axes), keepdims))
        ax = tg.abs(x)
        if ord == 1:
            out = tg.reduce_max(tg.reduce_sum(ax, r, True), c, True)
        elif ord == -1:
            out = tg.reduce_min(tg.reduce_sum(ax, r, True), c, True)
        elif ord == np.inf:
            out = tg.reduce_max(tg.reduce_sum(ax, c, True), r, True)
        elif ord == -np.inf:
            out = tg.reduce_min(tg.reduce_sum(ax, c, True), r, True)
        elif ord in (2, -2, "nuc"):
            rest = [d for d in range(nd) if d not in axes]
            moved = tg.transpose(x, [*rest, r, c])
            s = tg.linalg.svd(moved, compute_uv=False)
            red = {2: tg.reduce_max, -2: tg.reduce_min, "nuc": tg.reduce_sum}[ord](s, -1)
            out = red
            if keepdims:
                for a in sorted(axes):
                    out = tg.expand_dims(out, a)
            return out
        else:
            raise ValueError(f"norm: invalid `ord` {ord!r} for a matrix norm")
        return out if keepdims else tg.squeeze(out, list(axes))
    if len(axes) > 2 and ord is not None:
        raise ValueError(f"norm: `ord` needs 1 or 2 axes, got axis={axis}")
    return tg.sqrt(tg.reduce_sum(tg.square(x), list(axes), keepdims))


def _solve_with(solver: Any, a: Any, b: Any) -> Any:
    a, b = convert(a), convert(b)
    dt = result_type(a.dtype.name, b.dtype.name)
    a, b = cast(a, dt), cast(b, dt)
    vec = len(b.shape) == len(a.shape) - 1  # a vector right-hand side
    x = solver(a, tg.expand_dims(b, -1) if vec else b)
    return tg.squeeze(x, -1) if vec else x


def solve(a: Any, b: Any) -> Any:
    """``x`` with ``a @ x = b`` (a 1-D ``b`` is a vector)."""
    return _solve_with(tg.linalg.solve, a, b)


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Any:
    """``x`` with ``a @ x = b`` for a triangular ``a``."""
    return _solve_with(lambda m, r: tg.linalg.triangular_solve(m, r, lower=lower), a, b)


def lstsq(a: Any, b: Any, rcond: Any = None) -> Any:
    """The least-squares solution of ``a @ x = b`` (via the pseudo-inverse)."""
    a, b = convert(a), convert(b)
    vec = len(b.shape) == 1
    if vec:
        b = tg.expand_dims(b, -1)
    x = tg.matmul(pinv(a, rcond), b)
    return tg.squeeze(x, -1) if vec else x


def pinv(x: Any, rcond: Any = None) -> Any:
    """The Moore-Penrose pseudo-inverse."""
    return tg.linalg.pinv(convert(x), rcond=rcond)


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """``(u, s, vh)`` with ``x = u @ diag(s) @ vh`` (only ``s`` when ``compute_uv=False``)."""
    x = convert(x)
    if not compute_uv:
        return tg.linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = tg.linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, tg.linalg.adjoint(v)


def matrix_rank(x: Any, tol: Any = None) -> Any:
    """The number of singular values above ``tol`` (NumPy's default tolerance)."""
    x = convert(x)
    s = tg.linalg.svd(x, compute_uv=False)
    if tol is None:
        eps = np.finfo(x.dtype.name if x.dtype.name != "bfloat16" else "float32").eps
        tol = tg.reduce_max(s, -1, keepdims=True) * float(max(x.shape[-2:])) * float(eps)
    return tg.reduce_sum(cast(tg.greater(s, tol), "int32"), -1)


def jvp(fun: Any, primals: Any, tangents: Any, has_aux: bool = False) -> Any:
    """Forward-mode product: ``(fun(*primals), J @ tangents)`` (plus ``aux`` with ``has_aux``)."""
    primals = [convert(p) for p in primals]
    tangents = [convert(t) for t in tangents]
    with tg.autodiff.ForwardAccumulator(primals, tangents) as acc:
        out = fun(*primals)
        aux = None
        if has_aux:
            out, aux = out
    tangent_out = tg.nest.map_structure(lambda o: acc.jvp(o, unconnected_gradients="zero"), out)
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)
