"""Hand-written checks for the linear-algebra ops (``tapegrad.linalg``, ``einsum``, ``tensordot``).

The registry-generated suite covers every op's spec; these tests add the composites (``adjoint``, ``lstsq``,
``linalg.norm`` from ops/reductions.py...), batched Jacobians, second order, complex conventions, edge cases and
errors.
Everything is seeded and compared with NumPy or float64 central differences.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.ops import linalg_ops

from .opcheck import diff_outputs, direction, inner, numeric_directional, scalar_fn, tape_gradients, weights_for


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _pd(rng: np.random.Generator, *shape: int) -> np.ndarray:
    b = rng.normal(size=shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sym(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(size=(n, n))
    return (x + x.T) / 2 + np.diag(3.0 * np.arange(n))


def _gram(tf: Any, b: Any, boost: float) -> Any:
    """B B^T + boost I: a well-conditioned positive-definite matrix built from a free B."""
    n = b.shape[-1]
    return tf.matmul(b, b, transpose_b=True) + tf.constant(boost * np.eye(n), dtype=b.dtype)


def _eye3() -> Any:
    return tg.constant(np.eye(3))


def check_vjp(call: Callable[..., Any], arrays: list[np.ndarray], seed: int = 0, rtol: float = 1e-5) -> None:
    """Tape gradients of <w, call(x)> against central differences along random directions."""
    rng = _rng(seed)
    outs = diff_outputs(call(tg, *[tg.constant(a) for a in arrays]))
    weights = weights_for(outs, rng)
    idx = [i for i, a in enumerate(arrays) if a.dtype.kind in "fc"]
    grads = tape_gradients(call, arrays, idx, weights)
    L, _ = scalar_fn(call, arrays, weights)
    for i, g in zip(idx, grads):
        assert g is not None, f"input {i}: gradient is None"
        g = tg.convert_to_tensor(g).numpy()
        assert g.shape == arrays[i].shape and g.dtype == arrays[i].dtype
        for _ in range(2):
            u = direction(arrays[i], rng)
            np.testing.assert_allclose(inner(g, u), numeric_directional(L, arrays, i, u), rtol=rtol, atol=1e-6)


# -- forward values -------------------------------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(linalg_ops)
    assert result.attempted > 20 and result.failed == 0


def test_forward_against_numpy() -> None:
    rng = _rng(1)
    a = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    b = rng.normal(size=(2, 3, 2))
    np.testing.assert_allclose(tg.linalg.inv(a).numpy(), np.linalg.inv(a), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.det(a).numpy(), np.linalg.det(a), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.solve(a, b).numpy(), np.linalg.solve(a, b), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.trace(a).numpy(), np.trace(a, axis1=1, axis2=2), rtol=1e-12)
    p = _pd(rng, 2, 4, 4)
    np.testing.assert_allclose(tg.linalg.cholesky(p).numpy(), np.linalg.cholesky(p), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.logdet(p).numpy(), np.linalg.slogdet(p)[1], rtol=1e-12)
    sign, logabs = tg.linalg.slogdet(-a)
    ref = np.linalg.slogdet(-a)
    np.testing.assert_allclose(sign.numpy(), ref[0])
    np.testing.assert_allclose(logabs.numpy(), ref[1], rtol=1e-12)
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(tg.linalg.pinv(x).numpy(), np.linalg.pinv(x), rtol=1e-10, atol=1e-12)
    y = rng.normal(size=(5, 2))
    np.testing.assert_allclose(tg.linalg.lstsq(x, y).numpy(), np.linalg.lstsq(x, y, rcond=None)[0], rtol=1e-10)
    np.testing.assert_allclose(tg.linalg.lstsq(x, y, fast=False).numpy(), np.linalg.lstsq(x, y, rcond=None)[0],
                               rtol=1e-10)
    np.testing.assert_allclose(tg.linalg.matvec(a, b[..., 0]).numpy(), (a @ b[..., :1])[..., 0], rtol=1e-12)


def test_svd_returns_s_u_v_in_tf_order() -> None:
    a = _rng(2).normal(size=(2, 5, 3))
    s, u, v = tg.linalg.svd(a)
    assert s.shape == (2, 3) and u.shape == (2, 5, 3) and v.shape == (2, 3, 3)
    # v is V, not V^H: a = u diag(s) v^H
    np.testing.assert_allclose((u.numpy() * s.numpy()[:, None, :]) @ np.swapaxes(v.numpy(), 1, 2), a, atol=1e-12)
    assert np.all(np.diff(s.numpy(), axis=-1) <= 0)
    np.testing.assert_allclose(tg.linalg.svd(a, compute_uv=False).numpy(), s.numpy())
    s2, u2, v2 = tg.linalg.svd(a, full_matrices=True)
    assert u2.shape == (2, 5, 5) and v2.shape == (2, 3, 3)


def test_qr_and_eigh_reconstruct() -> None:
    rng = _rng(3)
    for shape in [(4, 3), (3, 5), (2, 3, 3)]:
        x = rng.normal(size=shape)
        q, r = tg.linalg.qr(x)
        np.testing.assert_allclose(q.numpy() @ r.numpy(), x, atol=1e-12)
        np.testing.assert_allclose(np.triu(r.numpy()), r.numpy())
    h = _sym(rng, 4)
    lower_only = np.tril(h) + np.triu(rng.normal(size=(4, 4)), 1)  # eigh reads the lower triangle only
    e, v = tg.linalg.eigh(lower_only)
    np.testing.assert_allclose(e.numpy(), np.linalg.eigvalsh(h), rtol=1e-12)
    np.testing.assert_allclose(v.numpy() @ np.diag(e.numpy()) @ v.numpy().T, h, atol=1e-12)


def test_diag_family() -> None:
    d = np.arange(1.0, 4.0)
    np.testing.assert_array_equal(tg.linalg.diag(d).numpy(), np.diag(d))
    np.testing.assert_array_equal(tg.linalg.diag(d, k=1).numpy(), np.diag(d, 1))
    np.testing.assert_array_equal(tg.linalg.diag(d, k=-2, padding_value=9.0).numpy(),
                                  np.diag(d, -2) + 9.0 * (1 - np.eye(5, k=-2)))
    np.testing.assert_array_equal(tg.linalg.diag(d, num_rows=3, num_cols=5).numpy(), np.eye(3, 5) * np.r_[d, 0, 0])
    x = np.arange(12.0).reshape(3, 4)
    for k in (-2, 0, 1, 3):
        np.testing.assert_array_equal(tg.linalg.diag_part(x, k=k).numpy(), np.diagonal(x, k))
    np.testing.assert_array_equal(tg.linalg.band_part(x, 1, 0).numpy(), np.triu(np.tril(x), -1))
    np.testing.assert_array_equal(tg.linalg.band_part(x, -1, -1).numpy(), x)
    assert tg.linalg.trace(tg.constant([[1, 2], [3, 4]])).dtype == tg.int32


# -- gradients of composites and gauge-invariant functions ----------------------------------------------------------

_COMPOSITES: list[tuple[str, Callable[..., Any], Callable[[np.random.Generator], list[np.ndarray]]]] = [
    ("adjoint", lambda tf, x: tf.linalg.adjoint(x), lambda r: [r.normal(size=(2, 3, 4))]),
    ("adjoint_complex", lambda tf, x: tf.linalg.adjoint(x),
     lambda r: [r.normal(size=(3, 4)) + 1j * r.normal(size=(3, 4))]),
    ("matrix_transpose", lambda tf, x: tf.linalg.matrix_transpose(x), lambda r: [r.normal(size=(2, 3, 4))]),
    ("norm_vector", lambda tf, x: tf.linalg.norm(x, axis=-1), lambda r: [r.normal(size=(3, 4))]),
    ("norm_fro", lambda tf, x: tf.linalg.norm(x, ord="fro", axis=[-2, -1]), lambda r: [r.normal(size=(2, 3, 4))]),
    ("norm_matrix_2", lambda tf, x: tf.linalg.norm(x, ord=2, axis=[-2, -1]), lambda r: [r.normal(size=(2, 3, 4))]),
    ("norm_matrix_1", lambda tf, x: tf.linalg.norm(x, ord=1, axis=[0, 1]), lambda r: [r.normal(size=(3, 4))]),
    ("norm_p3", lambda tf, x: tf.linalg.norm(x, ord=3, axis=0), lambda r: [r.normal(size=(3, 4))]),
    ("norm_complex", lambda tf, x: tf.math.real(tf.linalg.norm(x)),
     lambda r: [r.normal(size=(3, 4)) + 1j * r.normal(size=(3, 4))]),
    ("cholesky_solve", lambda tf, a, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(_gram(tf, a, 4.0)), b),
     lambda r: [r.normal(size=(4, 4)), r.normal(size=(2, 4, 3))]),
    ("lstsq_fast_false", lambda tf, a, b: tf.linalg.lstsq(a, b, fast=False),
     lambda r: [r.normal(size=(5, 3)), r.normal(size=(5, 2))]),
    ("lstsq_complex", lambda tf, a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.1),
     lambda r: [r.normal(size=(4, 3)) + 1j * r.normal(size=(4, 3)), r.normal(size=(4, 1)) + 0j]),
    ("logdet", lambda tf, b: tf.linalg.logdet(_gram(tf, b, 3.0)),
     lambda r: [r.normal(size=(2, 3, 3))]),
    ("eigh_projector", lambda tf, x: (lambda e, v: tf.matmul(v[:, :2], v[:, :2], transpose_b=True))(
        *tf.linalg.eigh(x)), lambda r: [_sym(r, 4)]),
    ("svd_u_s_vh", lambda tf, x: (lambda s, u, v: (s, tf.matmul(u * s[..., None, :], v, adjoint_b=True)))(
        *tf.linalg.svd(x)), lambda r: [r.normal(size=(2, 5, 3))]),
    ("svd_wide_projectors", lambda tf, x: (lambda s, u, v: (tf.matmul(u, u, transpose_b=True),
                                                             tf.matmul(v, v, transpose_b=True)))(*tf.linalg.svd(x)),
     lambda r: [r.normal(size=(3, 5))]),
    ("slogdet_complex_phase", lambda tf, x: tf.linalg.slogdet(x),
     lambda r: [r.normal(size=(3, 3)) + 1j * r.normal(size=(3, 3)) + 2 * np.eye(3)]),
    ("det_complex", lambda tf, x: tf.linalg.det(x),
     lambda r: [r.normal(size=(3, 3)) + 1j * r.normal(size=(3, 3)) + 2 * np.eye(3)]),
    ("tensordot_lists", lambda tf, a, b: tf.tensordot(a, b, axes=[[0, 2], [2, 0]]),
     lambda r: [r.normal(size=(2, 3, 4)), r.normal(size=(4, 5, 2))]),
]


@pytest.mark.parametrize("name,call,args", _COMPOSITES, ids=[c[0] for c in _COMPOSITES])
def test_gradient_matches_central_differences(name: str, call: Callable[..., Any],
                                              args: Callable[[np.random.Generator], list[np.ndarray]]) -> None:
    if name.startswith("norm") and not hasattr(tg.linalg, "norm"):
        pytest.skip("tf.linalg.norm is provided by ops/reductions.py")
    check_vjp(call, args(_rng(4)))


def test_pinv_gradient_of_rank_deficient_matrix() -> None:
    """A = B C of rank 2: perturbing B and C keeps the rank, so pinv is smooth along those directions."""
    rng = _rng(5)
    b, c = rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
    a = b @ c
    w = rng.normal(size=(3, 4))
    bt, ct = tg.constant(b), tg.constant(c)
    with tg.GradientTape() as tape:
        tape.watch([bt, ct])
        loss = tg.reduce_sum(tg.constant(w) * tg.linalg.pinv(tg.matmul(bt, ct), rcond=1e-6))
    gb, gc = tape.gradient(loss, [bt, ct])
    assert np.linalg.matrix_rank(a) == 2

    def f(bb: np.ndarray, cc: np.ndarray) -> float:
        return float(np.sum(w * np.linalg.pinv(bb @ cc)))

    for g, which in ((gb, 0), (gc, 1)):
        u = rng.normal(size=(b, c)[which].shape)
        eps = 1e-6
        args_p = [b + eps * u, c] if which == 0 else [b, c + eps * u]
        args_m = [b - eps * u, c] if which == 0 else [b, c - eps * u]
        num = (f(*args_p) - f(*args_m)) / (2 * eps)
        np.testing.assert_allclose(np.sum(g.numpy() * u), num, rtol=1e-5)


_EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,...jk", [(3, 1, 2, 3), (4, 3, 2)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->ji", [(2, 2, 3)]),
    ("ij->", [(2, 3)]), ("i,i->", [(4,), (4,)]), ("i,j->ji", [(2,), (3,)]), ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("a...b,b...->...a", [(2, 3, 4), (4, 3)]), ("iji,jk->k", [(2, 3, 2), (3, 4)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 3), (3, 2)]), ("Ab,bA->", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("eq,shapes", _EINSUMS, ids=[e for e, _ in _EINSUMS])
def test_einsum_forward_and_gradient(eq: str, shapes: list[tuple[int, ...]]) -> None:
    rng = _rng(6)
    arrays = [rng.normal(size=s) for s in shapes]
    np.testing.assert_allclose(tg.einsum(eq, *arrays).numpy(), np.einsum(eq, *arrays), rtol=1e-12, atol=1e-12)
    check_vjp(lambda tf, *xs: tf.einsum(eq, *xs), arrays)
    carrays = [a + 1j * rng.normal(size=a.shape) for a in arrays]
    check_vjp(lambda tf, *xs: tf.einsum(eq, *xs), carrays)


@pytest.mark.skipif(not hasattr(tg.linalg, "norm"), reason="tf.linalg.norm is provided by ops/reductions.py")
def test_norm_gradient_is_zero_at_zero() -> None:
    x = tg.constant(np.zeros((2, 3)))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.linalg.norm(x, axis=-1)) + tg.linalg.norm(x)
    g = tape.gradient(y, x).numpy()
    assert np.all(g == 0), g


# -- batch awareness: Jacobians built from batched cotangents -------------------------------------------------------

_JACOBIANS: list[tuple[str, Callable[..., Any], Callable[[np.random.Generator], list[np.ndarray]]]] = [
    ("inv", lambda tf, a: tf.linalg.inv(a), lambda r: [r.normal(size=(2, 3, 3)) + 3 * np.eye(3)]),
    ("det", lambda tf, a: tf.linalg.det(a), lambda r: [r.normal(size=(2, 3, 3)) + 3 * np.eye(3)]),
    ("solve", lambda tf, a, b: tf.linalg.solve(a, b), lambda r: [r.normal(size=(2, 3, 3)) + 3 * np.eye(3),
                                                                 r.normal(size=(2, 3, 2))]),
    ("triangular_solve", lambda tf, a, b: tf.linalg.triangular_solve(a, b, lower=False),
     lambda r: [r.normal(size=(3, 3)) + 3 * np.eye(3), r.normal(size=(2, 3, 2))]),
    ("cholesky", lambda tf, a: tf.linalg.cholesky(a), lambda r: [_pd(r, 2, 3, 3)]),
    ("eigh", lambda tf, a: tf.linalg.eigh(a)[0], lambda r: [np.stack([_sym(r, 3), _sym(r, 3)])]),
    ("svd", lambda tf, a: tf.linalg.svd(a, compute_uv=False), lambda r: [r.normal(size=(2, 4, 3))]),
    ("qr", lambda tf, a: tf.linalg.qr(a).r, lambda r: [r.normal(size=(2, 3, 4))]),
    ("pinv", lambda tf, a: tf.linalg.pinv(a), lambda r: [r.normal(size=(3, 2))]),
    ("matvec", lambda tf, a, b: tf.linalg.matvec(a, b), lambda r: [r.normal(size=(2, 3, 4)), r.normal(size=(4,))]),
    ("einsum_diag", lambda tf, a: tf.einsum("...ii->...i", a), lambda r: [r.normal(size=(2, 3, 3))]),
    ("einsum_bcast", lambda tf, a, b: tf.einsum("...ij,...jk->...ik", a, b),
     lambda r: [r.normal(size=(1, 2, 3)), r.normal(size=(2, 3, 2))]),
    ("diag_part", lambda tf, a: tf.linalg.diag_part(a, k=1), lambda r: [r.normal(size=(2, 3, 4))]),
]


@pytest.mark.parametrize("name,call,args", _JACOBIANS, ids=[c[0] for c in _JACOBIANS])
def test_jacobian_matches_row_by_row_gradients(name: str, call: Callable[..., Any],
                                               args: Callable[[np.random.Generator], list[np.ndarray]]) -> None:
    arrays = args(_rng(7))
    ts = [tg.constant(a) for a in arrays]
    with tg.GradientTape(persistent=True) as tape:
        for t in ts:
            tape.watch(t)
        y = call(tg, *ts)
    jacs = [tape.jacobian(y, t).numpy() for t in ts]
    yshape = tuple(y.shape)
    for idx in np.ndindex(*yshape):
        seed = np.zeros(yshape)
        seed[idx] = 1.0
        with tg.GradientTape() as t2:
            for t in ts:
                t2.watch(t)
            yy = call(tg, *ts)
        rows = t2.gradient(yy, ts, output_gradients=tg.constant(seed))
        for j, r in zip(jacs, rows):
            np.testing.assert_allclose(j[idx], r.numpy(), rtol=1e-10, atol=1e-12)


# -- second order ---------------------------------------------------------------------------------------------------

_SECOND: list[tuple[str, Callable[..., Any], Callable[[np.random.Generator], np.ndarray]]] = [
    ("inv", lambda tf, a: tf.linalg.inv(a), lambda r: r.normal(size=(3, 3)) + 3 * np.eye(3)),
    ("det", lambda tf, a: tf.linalg.det(a), lambda r: r.normal(size=(2, 3, 3)) + 2 * np.eye(3)),
    ("solve", lambda tf, a: tf.linalg.solve(a, tf.ones((2, 3, 2), dtype=a.dtype)),
     lambda r: r.normal(size=(2, 3, 3)) + 3 * np.eye(3)),
    ("cholesky", lambda tf, b: tf.linalg.cholesky(_gram(tf, b, 3.0)),
     lambda r: r.normal(size=(3, 3))),
    ("eigh", lambda tf, a: (lambda e, v: (e, v * v))(*tf.linalg.eigh(a)), lambda r: _sym(r, 3)),
    ("svd", lambda tf, a: (lambda s, u, v: (s, u * u, v * v))(*tf.linalg.svd(a)), lambda r: r.normal(size=(4, 3))),
    ("qr", lambda tf, a: tf.linalg.qr(a), lambda r: r.normal(size=(3, 4))),
    ("pinv", lambda tf, a: tf.linalg.pinv(a), lambda r: r.normal(size=(4, 3))),
    ("einsum", lambda tf, a: tf.einsum("iij,kj->ik", a, a[0]), lambda r: r.normal(size=(3, 3, 2))),
]


@pytest.mark.parametrize("name,call,arg", _SECOND, ids=[c[0] for c in _SECOND])
def test_second_order_matches_differences_of_gradients(name: str, call: Callable[..., Any],
                                                       arg: Callable[[np.random.Generator], np.ndarray]) -> None:
    rng = _rng(8)
    a = arg(rng)
    outs = diff_outputs(call(tg, tg.constant(a)))
    weights = weights_for(outs, rng)
    v = rng.normal(size=a.shape)

    def grad_dot_v(x: np.ndarray) -> float:
        (g,) = tape_gradients(call, [x], [0], weights)
        return float(np.sum(g.numpy() * v))

    x = tg.constant(a)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner_tape:
            inner_tape.watch(x)
            from .opcheck import loss_of

            loss = loss_of(diff_outputs(call(tg, x)), weights)
        g = inner_tape.gradient(loss, x)
        s = tg.reduce_sum(g * tg.constant(v))
    h = outer.gradient(s, x).numpy()
    for _ in range(2):
        u = rng.normal(size=a.shape)
        num = numeric_directional(lambda xs: grad_dot_v(xs[0]), [a], 0, u, eps=1e-5)
        np.testing.assert_allclose(np.sum(h * u), num, rtol=1e-4, atol=1e-6)


# -- dtypes ---------------------------------------------------------------------------------------------------------


def test_float32_gradients_keep_float32() -> None:
    rng = _rng(9)
    a = tg.constant((rng.normal(size=(3, 3)) + 3 * np.eye(3)).astype(np.float32))
    b = tg.constant(rng.normal(size=(3, 2)).astype(np.float32))
    with tg.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        outs = [tg.linalg.inv(a), tg.linalg.det(a), tg.linalg.solve(a, b), tg.linalg.svd(a)[0],
                tg.linalg.qr(a).r, tg.linalg.pinv(a), tg.einsum("ij,jk->ik", a, b), tg.linalg.lstsq(a, b),
                tg.linalg.eigh(a)[0], tg.linalg.slogdet(a)[1], tg.linalg.trace(a)]
    for o in outs:
        assert o.dtype == tg.float32
        ga, gb = tape.gradient(o, [a, b])
        assert ga.dtype == tg.float32
        assert gb is None or gb.dtype == tg.float32


def test_float16_inv_and_qr_like_tf() -> None:
    a = tg.constant([[2.0, 1.0], [1.0, 3.0]], tg.float16)
    assert tg.linalg.inv(a).dtype == tg.float16
    np.testing.assert_allclose(tg.linalg.inv(a).numpy(), np.linalg.inv([[2.0, 1.0], [1.0, 3.0]]), rtol=1e-3)
    assert tg.linalg.qr(a).q.dtype == tg.float16
    with pytest.raises(tg.errors.NotFoundError):
        tg.linalg.det(a)


def test_complex_output_dtypes_follow_tf() -> None:
    z = tg.constant(np.array([[2.0, 1j], [-1j, 3.0]]))
    e, _ = tg.linalg.eigh(z)
    assert e.dtype == tg.complex128
    assert tg.linalg.svd(z)[0].dtype == tg.float64
    assert tg.linalg.logdet(z).dtype == tg.float64
    assert tg.linalg.slogdet(z).log_abs_determinant.dtype == tg.complex128


# -- errors ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn,exc,text", [
    (lambda: tg.linalg.inv(tg.constant([[1.0, 2.0], [2.0, 4.0]])), tg.errors.InvalidArgumentError, "(2, 2)"),
    (lambda: tg.linalg.inv(tg.ones((2, 3))), tg.errors.InvalidArgumentError, "(2, 3)"),
    (lambda: tg.linalg.inv(tg.constant([[1, 2], [3, 4]])), tg.errors.InvalidArgumentError, "int32"),
    (lambda: tg.linalg.det(tg.ones((3,))), tg.errors.InvalidArgumentError, "(3,)"),
    (lambda: tg.linalg.solve(_eye3(), tg.ones((3,), tg.float64)), tg.errors.InvalidArgumentError, "same rank"),
    (lambda: tg.linalg.solve(_eye3(), tg.ones((2, 1), tg.float64)), tg.errors.InvalidArgumentError, "(2, 1)"),
    (lambda: tg.linalg.solve(tg.zeros((2, 2)), tg.ones((2, 1))), tg.errors.InvalidArgumentError, "singular"),
    (lambda: tg.linalg.cholesky(tg.constant([[1.0, 2.0], [2.0, 1.0]])), tg.errors.InvalidArgumentError,
     "positive definite"),
    (lambda: tg.linalg.triangular_solve(tg.zeros((2, 2)), tg.ones((2, 1))), tg.errors.InvalidArgumentError,
     "singular"),
    (lambda: tg.linalg.matvec(tg.ones((2, 3)), tg.ones((2,))), tg.errors.InvalidArgumentError, "(2, 3)"),
    (lambda: tg.linalg.diag_part(tg.ones((2, 3)), k=3), tg.errors.InvalidArgumentError, "k=3"),
    (lambda: tg.linalg.diag(tg.ones((2,)), k=(0, 1)), tg.errors.InvalidArgumentError, "band"),
    (lambda: tg.linalg.band_part(tg.ones((3, 3)), 5, 0), tg.errors.InvalidArgumentError, "num_lower"),
    (lambda: tg.linalg.matrix_transpose(tg.ones((3,))), ValueError, "rank >= 2"),
    (lambda: tg.linalg.pinv(tg.constant([[1, 2]])), TypeError, "int32"),
    (lambda: tg.einsum("ij,jk->ik", tg.ones((2, 3))), ValueError, "expecting 2"),
    (lambda: tg.einsum("ij,jk->ik", tg.ones((2, 3)), tg.ones((4, 4))), tg.errors.InvalidArgumentError, "'j'"),
    (lambda: tg.einsum("bij,bjk->bik", tg.ones((1, 2, 3)), tg.ones((5, 3, 4))), tg.errors.InvalidArgumentError,
     "'b'"),
    (lambda: tg.einsum("i,i->ii", tg.ones((2,)), tg.ones((2,))), ValueError, "more than once"),
    (lambda: tg.einsum("ij->k", tg.ones((2, 3))), ValueError, "'k'"),
    (lambda: tg.einsum("i1->i", tg.ones((2, 3))), ValueError, "letters"),
    (lambda: tg.einsum("...ii->i", tg.ones((2, 3, 3))), tg.errors.InvalidArgumentError, "'...'"),
    (lambda: tg.einsum("ij->i", tg.ones((2, 3, 4))), tg.errors.InvalidArgumentError, "rank"),
    (lambda: tg.tensordot(tg.ones((2, 3)), tg.ones((3, 4)), axes=3), ValueError, "larger"),
    (lambda: tg.tensordot(tg.ones((2, 3)), tg.ones((4, 4)), axes=[[1], [0]]), tg.errors.InvalidArgumentError,
     "sizes"),
])
def test_bad_input_raises_a_clear_error(fn: Callable[[], Any], exc: type[BaseException], text: str) -> None:
    with pytest.raises(exc) as info:
        fn()
    assert text in str(info.value)


def test_qr_gradient_full_matrices_tall_is_not_implemented_like_tf() -> None:
    x = tg.constant(_rng(10).normal(size=(3, 2)))
    with tg.GradientTape() as tape:
        tape.watch(x)
        q, r = tg.linalg.qr(x, full_matrices=True)
        loss = tg.reduce_sum(r)
    with pytest.raises(NotImplementedError):
        tape.gradient(loss, x)


def test_det_gradient_of_singular_matrix_raises() -> None:
    x = tg.Variable([[1.0, 2.0], [2.0, 4.0]])
    with tg.GradientTape() as tape:
        y = tg.linalg.det(x)
    with pytest.raises(tg.errors.InvalidArgumentError):
        tape.gradient(y, x)


def test_namespaces() -> None:
    for name in ["matvec", "inv", "det", "slogdet", "logdet", "cholesky", "cholesky_solve", "solve",
                 "triangular_solve", "trace", "diag", "diag_part", "band_part", "eigh", "svd", "qr", "lstsq",
                 "pinv", "adjoint", "matrix_transpose", "einsum", "tensordot", "matmul"]:
        assert callable(getattr(tg.linalg, name)), name
    assert tg.einsum is tg.linalg.einsum and tg.tensordot is tg.linalg.tensordot
    assert tg.linalg.slogdet(tg.constant(np.eye(2)))._fields == ("sign", "log_abs_determinant")
    assert tg.linalg.qr(tg.constant(np.eye(2)))._fields == ("q", "r")
