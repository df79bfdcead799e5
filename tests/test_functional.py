"""Function transforms in tapegrad.autodiff: grad, value_and_grad, vjp, jvp, hessian, hessian_vector_product."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tf

ad = tf.autodiff


def _f(x: Any) -> float:
    return float(np.asarray(x.numpy() if hasattr(x, "numpy") else x))


def _rosen(x: Any) -> Any:
    return tf.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosen_grad(x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def _rosen_hess(x: np.ndarray) -> np.ndarray:
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] -= 400 * x[i]
        h[i + 1, i] -= 400 * x[i]
    return h


def test_grad_and_value_and_grad() -> None:
    xv = np.array([0.5, -1.2, 1.5, 0.25])
    g = ad.grad(_rosen)(tf.constant(xv))
    assert g.dtype == tf.float64
    np.testing.assert_allclose(g.numpy(), _rosen_grad(xv), rtol=1e-12)
    v, g2 = ad.value_and_grad(_rosen)(tf.constant(xv))
    np.testing.assert_allclose(_f(v), np.sum(100 * (xv[1:] - xv[:-1] ** 2) ** 2 + (1 - xv[:-1]) ** 2))
    np.testing.assert_allclose(g2.numpy(), g.numpy())
    assert ad.grad(_rosen).__name__ == "grad(_rosen)"


def test_argnums_forms_python_numbers_and_kwargs() -> None:
    def f(x: Any, y: Any, scale: float = 1.0) -> Any:
        return x * x * y * scale

    gx = ad.grad(f)(3.0, 2.0)
    assert gx.dtype == tf.float32 and _f(gx) == 12.0
    gy = ad.grad(f, argnums=1)(3.0, 2.0, scale=2.0)
    assert _f(gy) == 18.0
    both = ad.grad(f, argnums=(1, 0))(3.0, 2.0)
    assert isinstance(both, tuple) and [_f(g) for g in both] == [9.0, 12.0]
    assert _f(ad.grad(f, argnums=-1)(3.0, 2.0)) == 9.0
    with pytest.raises(ValueError, match="out of range"):
        ad.grad(f, argnums=2)(3.0, 2.0)


def test_unconnected_arguments_get_zeros_and_variables_work() -> None:
    g = ad.grad(lambda x, y: x * 2.0, argnums=(0, 1))(tf.constant(1.0), tf.constant([1.0, 2.0]))
    assert _f(g[0]) == 2.0 and g[1].numpy().tolist() == [0.0, 0.0]
    v = tf.Variable([1.0, 2.0])
    assert ad.grad(lambda w: tf.reduce_sum(w**2))(v).numpy().tolist() == [2.0, 4.0]


def test_higher_order_by_composition() -> None:
    d1 = ad.grad(lambda x: tf.sin(x) * x)
    d2 = ad.grad(d1)
    d3 = ad.grad(d2)
    x = tf.constant(0.7, tf.float64)
    np.testing.assert_allclose(_f(d1(x)), np.cos(0.7) * 0.7 + np.sin(0.7))
    np.testing.assert_allclose(_f(d2(x)), -np.sin(0.7) * 0.7 + 2 * np.cos(0.7))
    np.testing.assert_allclose(_f(d3(x)), -np.cos(0.7) * 0.7 - 3 * np.sin(0.7))


def test_non_scalar_output_is_summed_like_the_tape() -> None:
    assert ad.grad(lambda x: x * x)(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]


def test_vjp() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    xv = rng.normal(size=4)
    out, vjp_fn = ad.vjp(lambda x: tf.tanh(tf.linalg.matvec(tf.constant(w), x)), tf.constant(xv))
    jac = (1 - np.tanh(w @ xv) ** 2)[:, None] * w
    for _ in range(2):  # vjp_fn may be called more than once
        u = rng.normal(size=3)
        (g,) = vjp_fn(tf.constant(u))
        np.testing.assert_allclose(g.numpy(), u @ jac, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), np.tanh(w @ xv))


def test_vjp_structured_outputs_and_errors() -> None:
    out, vjp_fn = ad.vjp(lambda a, b: {"s": a * b, "d": (a - b, b * 2.0)}, 3.0, 2.0)
    assert _f(out["s"]) == 6.0
    ga, gb = vjp_fn({"s": 1.0, "d": (0.0, 1.0)})
    assert (_f(ga), _f(gb)) == (2.0, 5.0)
    unused, fn2 = ad.vjp(lambda a, b: a * 2.0, 1.0, 5.0)
    assert [_f(g) for g in fn2(1.0)] == [2.0, 0.0]
    with pytest.raises(ValueError, match="cotangent"):
        vjp_fn([1.0])


def test_jvp() -> None:
    out, t = ad.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 10.0))
    assert (_f(out), _f(t)) == (6.0, 23.0)
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 4))
    xv, vv = rng.normal(size=4), rng.normal(size=4)
    out, t = ad.jvp(lambda x: tf.tanh(tf.linalg.matvec(tf.constant(w), x)), [tf.constant(xv)], [tf.constant(vv)])
    np.testing.assert_allclose(t.numpy(), ((1 - np.tanh(w @ xv) ** 2)[:, None] * w) @ vv, rtol=1e-12)
    out, t = ad.jvp(lambda x: (x * 2.0, tf.constant(1.0)), (1.0,), (1.0,))
    assert _f(t[0]) == 2.0 and _f(t[1]) == 0.0  # an output independent of the primals gets zeros
    with pytest.raises(TypeError, match="sequences"):
        ad.jvp(lambda x: x, tf.constant(1.0), tf.constant(1.0))
    with pytest.raises(ValueError, match="tangent"):
        ad.jvp(lambda x: x, (1.0,), (1.0, 2.0))


def test_hessian_and_hvp_agree_with_analytic() -> None:
    xv = np.array([0.5, -1.2, 1.5, 0.25])
    h = ad.hessian(_rosen, tf.constant(xv))
    assert h.shape == (4, 4)
    np.testing.assert_allclose(h.numpy(), _rosen_hess(xv), rtol=1e-10)
    rng = np.random.default_rng(2)
    for _ in range(2):
        v = rng.normal(size=4)
        hv = ad.hessian_vector_product(_rosen, tf.constant(xv), tf.constant(v))
        np.testing.assert_allclose(hv.numpy(), _rosen_hess(xv) @ v, rtol=1e-10)


def test_hessian_of_linear_function_is_zeros() -> None:
    h = ad.hessian(lambda x: tf.reduce_sum(x * 3.0), tf.constant([1.0, 2.0]))
    assert h.shape == (2, 2) and not h.numpy().any()
    hv = ad.hessian_vector_product(lambda x: tf.reduce_sum(x * 3.0), tf.constant([1.0, 2.0]),
                                   tf.constant([1.0, 1.0]))
    assert hv.numpy().tolist() == [0.0, 0.0]


def test_hessian_matrix_argument() -> None:
    m = np.array([[1.0, 2.0], [0.5, -1.0]])
    h = ad.hessian(lambda x: tf.reduce_sum(x**3) + x[0, 0] * x[1, 1], m)
    ref = np.diag(6 * m.ravel())
    ref[0, 3] = ref[3, 0] = 1.0
    assert h.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(h.numpy().reshape(4, 4), ref)


def test_autodiff_namespace_exports() -> None:
    for name in ("GradientTape", "ForwardAccumulator", "grad", "value_and_grad", "vjp", "jvp", "hessian",
                 "hessian_vector_product"):
        assert name in ad.__all__ and callable(getattr(ad, name))
    assert ad.GradientTape is tf.GradientTape
