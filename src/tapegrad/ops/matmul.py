"""Matrix multiplication: ``matmul`` (``tf.linalg.matmul``) with transpose/adjoint flags and batch broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply2
from .._registry import bilinear_jvp, defop, normal, spec
from .._tensor import Tensor, Variable
from ..errors import InvalidArgumentError
from ._common import pair

# -- matmul ---------------------------------------------------------------------------------------------------------


def _mT(F: Any, x: Any) -> Any:
    if type(x) is np.ndarray:
        return x.swapaxes(-1, -2)  # the method: no np.swapaxes wrapper
    return F.swapaxes(x, -1, -2)


def _op_t(F: Any, x: Any, t: bool, adj: bool) -> Any:
    if adj:
        return F.conj(_mT(F, x))
    return _mT(F, x) if t else x


def _matmul_fwd(F: Any, a: Any, b: Any, ta: bool, tb: bool, aa: bool, ab: bool) -> Any:
    if not (ta or tb or aa or ab) and a.dtype.kind != "V" and a.dtype is not _F16:  # the plain product
        return F.matmul(a, b)
    if a.dtype.kind == "V" or a.dtype is _F16:
        # float16/bfloat16 (NumPy has no BLAS loop for them, and none at all for bfloat16): float32 products,
        # rounded once — BLAS speed (float16's loop is ~50x slower than the float32 GEMM)
        return _matmul_fwd(F, a.astype(np.float32), b.astype(np.float32), ta, tb, aa, ab).astype(a.dtype)
    return F.matmul(_op_t(F, a, ta, aa), _op_t(F, b, tb, ab))


def _mm(F: Any, a: Any, b: Any) -> Any:
    """``a @ b`` where one side is a plain matrix and the other carries batch axes (e.g. Jacobian cotangents):
    folded into a single GEMM instead of one small product per batch element."""
    if not F.is_diff:
        if b.ndim == 2 and a.ndim > 2:
            return F.reshape(F.reshape(a, (-1, a.shape[-1])) @ b, a.shape[:-1] + (b.shape[-1],))
        if a.ndim == 2 and b.ndim > 2:
            if b.shape[-1] == 1:  # columns (e.g. Jacobian rows for a column source): one GEMM, no copy
                r = F.reshape(b, (-1, b.shape[-2])) @ F.swapaxes(a, -1, -2)
                return F.reshape(r, b.shape[:-2] + (a.shape[0], 1))
            bt = F.swapaxes(b, -1, -2)
            r = F.reshape(bt, (-1, bt.shape[-1])) @ F.swapaxes(a, -1, -2)
            return F.swapaxes(F.reshape(r, bt.shape[:-1] + (a.shape[0],)), -1, -2)
    return F.matmul(a, b)


def _matmul_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    a, b = ins
    if type(g) is np.ndarray and (g.dtype is _F16 or g.dtype.kind == "V"):  # half: float32 GEMMs, rounded once
        f32 = np.float32
        ga, gb = _matmul_vjp(F, g.astype(f32), (a.astype(f32), b.astype(f32)), out, p, needs)
        return (None if ga is None else ga.astype(g.dtype), None if gb is None else gb.astype(g.dtype))
    if p is _MATMUL_PLAIN and not F.is_diff and g.ndim == 2 and a.ndim == 2 and b.ndim == 2 \
            and g.dtype.kind == "f":
        # the everyday case (real matrices, no transposes, no batch axes): the two GEMMs without the helpers
        return (_np_matmul(g, b.T) if needs[0] else None, _np_matmul(a.T, g) if needs[1] else None)
    ta, tb, aa, ab = p["ta"], p["tb"], p["aa"], p["ab"]
    ga = gb = None
    if needs[0]:
        # grad of op(a) is g @ op(b)^H; undo op on a
        gop = _mm(F, g, _adj(F, _op_t(F, b, tb, ab)))
        ga = _undo(F, gop, ta, aa)
    if needs[1]:
        gop = _mm(F, _adj(F, _op_t(F, a, ta, aa)), g)
        gb = _undo(F, gop, tb, ab)
    return (ga, gb)


def _adj(F: Any, x: Any) -> Any:
    y = _mT(F, x)
    return F.conj(y) if (x._value if type(x) is Tensor else x).dtype.kind == "c" else y


def _undo(F: Any, gop: Any, t: bool, adj: bool) -> Any:
    if adj:
        return F.conj(_mT(F, gop))
    return _mT(F, gop) if t else gop


_matmul_jvp = bilinear_jvp(lambda F, a, b, p: _matmul_fwd(F, a, b, p["ta"], p["tb"], p["aa"], p["ab"]))


MATMUL = defop("matmul", _matmul_fwd, _matmul_vjp, _matmul_jvp, bilinear=True, test=[
    spec(lambda tf, a, b: tf.matmul(a, b), normal((3, 4), (4, 2)), ref=np.matmul, complex=True),
    spec(lambda tf, a, b: tf.matmul(a, b), normal((2, 3, 4), (4, 2)), ref=np.matmul, complex=True, name="batched"),
    spec(lambda tf, a, b: tf.matmul(a, b, transpose_a=True, adjoint_b=True), normal((4, 3), (2, 4)),
         ref=lambda a, b: a.T @ b.conj().T, complex=True, name="transposed"),
])
_MATMUL_PLAIN = {"ta": False, "tb": False, "aa": False, "ab": False}
_F16 = np.dtype(np.float16)  # NumPy's built-in dtypes are singletons (a traced value's DType is never this)
_nd = np.ndarray
_np_matmul = np.matmul


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type: Any = None, grad_a: bool = False, grad_b: bool = False, name: str | None = None) -> Tensor:
    """Matrix product of the last two axes (rank ≥ 2), broadcasting leading (batch) axes.

    >>> import tapegrad as tf
    >>> tf.matmul(tf.ones([2, 3]), tf.ones([3, 4])).shape
    TensorShape([2, 4])
    """
    ta_, tb_ = type(a), type(b)
    if (ta_ is Tensor or ta_ is Variable) and (tb_ is Tensor or tb_ is Variable) and not (
            transpose_a or transpose_b or adjoint_a or adjoint_b):
        # the usual call (two float matrices, no flags): the checks below in their cheapest form
        va, vb = a._value, b._value
        dt = va.dtype
        dtb = vb.dtype
        if va.ndim == 2 and vb.ndim == 2 and (dt is dtb or dt == dtb) and dt.kind in "fcV":
            if type(va) is _nd and type(vb) is _nd and dt.kind != "V":
                # the forward computed here (what _matmul_fwd computes for it): no keyword unpacking of the flags;
                # inner dimensions that differ fall through to the checks below, which raise TF's error
                try:
                    out = _np_matmul(va, vb)
                except ValueError:
                    out = None
                if out is not None:
                    return apply2(MATMUL, a, b, _MATMUL_PLAIN, out)
            elif va.shape[1] == vb.shape[0]:
                return apply2(MATMUL, a, b, _MATMUL_PLAIN)
    x, y = pair(a, b, "matmul")
    sa, sb = x._value.shape, y._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            f"matmul: both inputs need rank >= 2, got shapes {tuple(sa)} and {tuple(sb)}. For a matrix-vector "
            "product use tapegrad.linalg.matvec, or reshape the vector to a column."
        )
    if x._value.dtype.kind == "b":
        raise InvalidArgumentError("matmul: bool tensors are not supported; cast to a numeric dtype.")
    ka = sa[-2] if (transpose_a or adjoint_a) else sa[-1]
    kb = sb[-1] if (transpose_b or adjoint_b) else sb[-2]
    if ka != kb:
        raise InvalidArgumentError(
            f"matmul: inner dimensions do not match: a has shape {tuple(sa)}"
            f"{' (transposed)' if transpose_a or adjoint_a else ''} and b has shape {tuple(sb)}"
            f"{' (transposed)' if transpose_b or adjoint_b else ''}: {ka} != {kb}."
        )
    try:
        if len(sa) > 2 and len(sb) > 2:  # (plain matrices need no batch check: it costs µs per call)
            np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise InvalidArgumentError(
            f"matmul: the batch dimensions of a {tuple(sa)} and b {tuple(sb)} ({tuple(sa[:-2])} and "
            f"{tuple(sb[:-2])}) do not broadcast."
        ) from None
    if not (transpose_a or transpose_b or adjoint_a or adjoint_b):
        return apply2(MATMUL, x, y, _MATMUL_PLAIN)
    return apply2(MATMUL, x, y, {"ta": bool(transpose_a), "tb": bool(transpose_b), "aa": bool(adjoint_a),
                                 "ab": bool(adjoint_b)})


EXPORTS: dict[str, list[str]] = {
    "": [
        "matmul",
    ],
    "linalg": [
        "matmul",
    ],
}
