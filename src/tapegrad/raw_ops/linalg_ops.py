"""Raw ops of the linear-algebra, cast and FFT family: ``Cast``, ``MatMul``/``BatchMatMul*``, decompositions,
solves, matrix functions and the ``FFT``/``RFFT``/``IRFFT`` kernels, on tapegrad's differentiable public ops."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._table import Impl, args, kwargs, public

P = public


def _cast(x: Any, DstT: Any, Truncate: bool) -> Any:  # noqa: N803 - TF's names
    """``Cast``; ``Truncate=True`` rounds a float narrowing toward zero instead of to nearest."""
    import tapegrad as tg

    y = tg.cast(x, DstT)
    if not (Truncate and x.dtype.is_floating and DstT.is_floating and DstT.size < x.dtype.size):
        return y
    src, out = np.asarray(x.numpy()), np.asarray(y.numpy())
    wide = out.astype(src.dtype)
    away = np.isfinite(out) & (np.abs(wide) > np.abs(src))
    step = np.where(away, np.nextafter(out, np.zeros_like(out)) - out, 0).astype(out.dtype)
    return y + tg.stop_gradient(tg.constant(step, DstT))  # (gradient as Cast's)


def _matmul(a: Any, b: Any, transpose_a: bool, transpose_b: bool, grad_a: bool, grad_b: bool) -> Any:
    import tapegrad as tg

    if len(a.shape) != 2 or len(b.shape) != 2:
        raise InvalidArgumentError(None, None, f"raw_ops.MatMul: a and b must be matrices, got shapes "
                                   f"{list(a.shape)} and {list(b.shape)} (BatchMatMulV2 takes batches).")
    return tg.linalg.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def _batch_matmul(version: int) -> Impl:
    def impl(x: Any, y: Any, adj_x: bool, adj_y: bool, grad_x: bool, grad_y: bool, Tout: Any = None) -> Any:  # noqa: N803
        import tapegrad as tg

        if len(x.shape) < 2 or len(y.shape) < 2:
            raise InvalidArgumentError(None, None, f"raw_ops.BatchMatMul: x and y need rank >= 2, got shapes "
                                       f"{list(x.shape)} and {list(y.shape)}.")
        if version == 1 and list(x.shape[:-2]) != list(y.shape[:-2]):
            raise InvalidArgumentError(None, None, f"raw_ops.BatchMatMul: x and y must have the same batch shape "
                                       f"(BatchMatMulV2 broadcasts), got {list(x.shape[:-2])} and "
                                       f"{list(y.shape[:-2])}.")
        if Tout is not None and (x.dtype != y.dtype or x.dtype != Tout):
            x, y = tg.cast(x, Tout), tg.cast(y, Tout)  # V3: mixed input dtypes, product in Tout
        return tg.linalg.matmul(x, y, adjoint_a=adj_x, adjoint_b=adj_y)

    return impl


def _cholesky_grad(l: Any, grad: Any) -> Any:  # noqa: E741 - TF's name
    """The gradient of ``Cholesky`` from its output ``l`` (TF's symmetric-input convention)."""
    import tapegrad as tg

    a = tg.linalg.matmul(l, l, adjoint_b=True)
    with tg.GradientTape() as tape:
        tape.watch(a)
        out = tg.linalg.cholesky(a)
    g = tape.gradient(out, a, output_gradients=grad)
    return 0.5 * (g + tg.linalg.matrix_transpose(g))


def _svd(input: Any, compute_uv: bool, full_matrices: bool) -> Any:  # noqa: A002
    import tapegrad as tg

    if compute_uv:
        s, u, v = tg.linalg.svd(input, full_matrices=full_matrices, compute_uv=True)
        return s, u, v
    s = tg.linalg.svd(input, full_matrices=full_matrices, compute_uv=False)
    unset = tg.zeros([], input.dtype)  # TF: an uninitialized scalar when u, v are not computed
    return s, unset, unset


def _eigh(input: Any, compute_v: bool) -> Any:  # noqa: A002
    import tapegrad as tg

    if compute_v:
        return tuple(tg.linalg.eigh(input))
    return tg.linalg.eigvalsh(input), tg.zeros([], input.dtype)  # TF: an uninitialized scalar


def _eig(input: Any, Tout: Any, compute_v: bool) -> Any:  # noqa: A002, N803
    import tapegrad as tg

    e, v = tg.linalg.eig(input)
    if e.dtype != Tout:
        raise InvalidArgumentError(None, None, f"raw_ops.Eig: Tout={Tout.name} does not match the eigenvalues' "
                                   f"dtype {e.dtype.name} for a {input.dtype.name} input.")
    return (e, v) if compute_v else (e, tg.zeros([], Tout))


def _lu(input: Any, output_idx_type: Any) -> Any:  # noqa: A002
    import tapegrad as tg

    return tuple(tg.linalg.lu(input, output_idx_type=output_idx_type))


def _fft(fn: str) -> Impl:
    return args(P(f"signal.{fn}"), "input")


def _rfft(fn: str, rank: int, inverse: bool) -> Impl:
    f = P(f"signal.{fn}")
    attr = "Treal" if inverse else "Tcomplex"

    def impl(input: Any, fft_length: Any, **kw: Any) -> Any:  # noqa: A002
        want = kw[attr]
        n = [int(v) for v in np.asarray(fft_length.numpy()).reshape(-1)]
        have = list(input.shape[len(input.shape) - rank:])
        need = n[:-1] + [n[-1] // 2 + 1] if inverse else n
        if len(n) != rank or len(have) != rank or any(h < w for h, w in zip(have, need, strict=True)):
            raise InvalidArgumentError(None, None, f"raw_ops.{fn.upper()}: the input's inner dimensions {have} must be "
                                       f"at least {need} for fft_length={n} (TF does not zero-pad here).")
        out = f(input, fft_length)
        if out.dtype != want:
            raise InvalidArgumentError(None, None, f"raw_ops.{fn.upper()}: {attr}={want.name} does not match the "
                                       f"{input.dtype.name} input (the result is {out.dtype.name}).")
        return out

    impl.__name__ = fn
    return impl


OPS: dict[str, Impl] = {
    "Cast": _cast,
    "MatMul": _matmul,
    "BatchMatMul": _batch_matmul(1),
    "BatchMatMulV2": _batch_matmul(2),
    "BatchMatMulV3": _batch_matmul(3),
    "Cholesky": args(P("linalg.cholesky"), "input"),
    "CholeskyGrad": _cholesky_grad,
    "MatrixDeterminant": args(P("linalg.det"), "input"),
    "LogMatrixDeterminant": lambda input: tuple(P("linalg.slogdet")(input)),  # noqa: A006
    "MatrixInverse": args(P("linalg.inv"), "input", "adjoint"),
    "MatrixSolve": args(P("linalg.solve"), "matrix", "rhs", "adjoint"),
    "MatrixTriangularSolve": args(P("linalg.triangular_solve"), "matrix", "rhs", "lower", "adjoint"),
    "BandedTriangularSolve": args(P("linalg.banded_triangular_solve"), "matrix", "rhs", "lower", "adjoint"),
    "MatrixSolveLs": args(P("linalg.lstsq"), "matrix", "rhs", "l2_regularizer", "fast"),
    "Qr": lambda input, full_matrices: tuple(P("linalg.qr")(input, full_matrices=full_matrices)),  # noqa: A006
    "Svd": _svd,
    "SelfAdjointEigV2": _eigh,
    "Eig": _eig,
    "MatrixLogarithm": args(P("linalg.logm"), "input"),
    "MatrixSquareRoot": args(P("linalg.sqrtm"), "input"),
    "Lu": _lu,
    "TridiagonalSolve": kwargs(P("linalg.tridiagonal_solve"), {"diagonals": "diagonals", "rhs": "rhs",
                                                               "partial_pivoting": "partial_pivoting",
                                                               "perturb_singular": "perturb_singular"}),
    "TridiagonalMatMul": lambda superdiag, maindiag, subdiag, rhs: P("linalg.tridiagonal_matmul")(
        P("concat")([superdiag, maindiag, subdiag], axis=-2), rhs, diagonals_format="compact"),
}
# Absent: FFTND/IFFTND/RFFTND/IRFFTND (TF 2.21 registers no CPU kernel: NotFoundError) and MatrixExponential (its
# kernel raises UnimplementedError: tf.linalg.expm is a composite).
for _rank, _suffix in ((1, ""), (2, "2d"), (3, "3d")):
    _op = _suffix.upper()
    OPS[f"FFT{_op}"] = _fft(f"fft{_suffix}")
    OPS[f"IFFT{_op}"] = _fft(f"ifft{_suffix}")
    OPS[f"RFFT{_op}"] = _rfft(f"rfft{_suffix}", _rank, inverse=False)
    OPS[f"IRFFT{_op}"] = _rfft(f"irfft{_suffix}", _rank, inverse=True)
