"""GradientTape.jacobian / batch_jacobian (reference §2): shapes, dtypes, None/zeros rules, errors, chunking,
persistence, and values against float64 central differences; Hessians of known functions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import gradient_tape as gt


def _jac(fn: Callable[..., Any], *values: Any, **kw: Any) -> Any:
    xs = [tf.constant(v) for v in values]
    with tf.GradientTape() as t:
        for x in xs:
            t.watch(x)
        y = fn(*xs)
    return t.jacobian(y, xs if len(xs) > 1 else xs[0], **kw)


def _numeric_jacobian(fn: Callable[..., Any], values: list[np.ndarray], k: int, eps: float = 1e-6) -> np.ndarray:
    """d fn / d values[k] by central differences, shape out.shape + values[k].shape."""
    base = [np.array(v, dtype=np.float64) for v in values]
    out_shape = np.shape(fn(*[tf.constant(v) for v in base]).numpy())
    cols = []
    for idx in np.ndindex(*base[k].shape):
        plus = [v.copy() for v in base]
        minus = [v.copy() for v in base]
        plus[k][idx] += eps
        minus[k][idx] -= eps
        f_p = fn(*[tf.constant(v) for v in plus]).numpy()
        f_m = fn(*[tf.constant(v) for v in minus]).numpy()
        cols.append((f_p - f_m) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(out_shape + base[k].shape)


# -- shapes, structures, dtypes -----------------------------------------------------------------------------


@pytest.mark.parametrize("tshape,sshape", [((), ()), ((3,), (3,)), ((2,), (2, 2)), ((), (3,)), ((2, 3), (4,)),
                                           ((1, 2, 1), (2, 1))])
def test_jacobian_shape_is_target_plus_source(tshape: tuple[int, ...], sshape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    w = tf.constant(rng.normal(size=tshape + sshape).reshape(int(np.prod(tshape)), int(np.prod(sshape))))
    x = tf.constant(rng.normal(size=sshape))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reshape(tf.linalg.matvec(w, tf.reshape(x, [-1])), tshape)
    j = t.jacobian(y, x)
    assert j.shape == tshape + sshape and j.dtype == tf.float64
    np.testing.assert_allclose(j.numpy(), w.numpy().reshape(tshape + sshape), rtol=1e-12)


def test_sources_structure_is_kept() -> None:
    x, u = tf.constant([1.0, 2.0]), tf.constant([5.0, 6.0, 7.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, u])
        y = x * x
    d = t.jacobian(y, {"x": x, "u": u}, unconnected_gradients="zero")
    assert list(d) == ["x", "u"] and d["u"].shape == (2, 3) and not d["u"].numpy().any()
    tup = t.jacobian(y, (x, [u]))
    assert isinstance(tup, tuple) and isinstance(tup[1], list) and tup[1][0] is None
    assert tup[0].numpy().tolist() == [[2.0, 0.0], [0.0, 4.0]]


def test_dtype_is_source_dtype() -> None:
    x = tf.constant([1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float32) * 2.0
    j = t.jacobian(y, x)
    assert j.dtype == tf.float64 and j.numpy().tolist() == [[2.0, 0.0], [0.0, 2.0]]
    xb = tf.ones([3, 2], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(xb)
        yb = tf.cast(xb, tf.float32) * 2.0
    assert t.batch_jacobian(yb, xb).dtype == tf.float64


def test_unconnected_and_constant_targets() -> None:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = tf.constant([3.0, 4.0, 5.0])
    assert t.jacobian(y, x) is None
    z = t.jacobian(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert z.shape == (3, 2) and z.dtype == tf.float32 and not z.numpy().any()
    with pytest.raises(ValueError, match="unconnected_gradients"):
        t.jacobian(y, x, unconnected_gradients="ZERO")


def test_int_source_gives_none_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tapegrad")
    x = tf.constant([1, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    assert t.jacobian(y, x) is None
    assert any("watched tensor must be floating" in r.getMessage() for r in caplog.records)


def test_batch_jacobian_unconnected_is_zeros_quirk() -> None:
    x, u = tf.ones([3, 2]), tf.ones([3, 2], tf.float64)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, u])
        y = x * 2.0
    for kw in ({}, {"unconnected_gradients": "zero"}):
        z = t.batch_jacobian(y, u, **kw)
        assert z.shape == (3, 2, 2) and z.dtype == tf.float32 and not z.numpy().any()  # target dtype


def test_gather_rows_are_densified() -> None:
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = tf.gather(x, [0, 0, 2])
    j = t.jacobian(y, x)
    assert isinstance(j, tf.Tensor)
    assert j.numpy().tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


# -- errors and persistence ---------------------------------------------------------------------------------


def test_errors() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
    with pytest.raises(AttributeError, match="single tensor"):
        t.jacobian([y, x], x)
    with pytest.raises(ValueError, match="rank at least 2"):
        t.batch_jacobian(y, x)
    xb = tf.ones([3, 2])
    with tf.GradientTape(persistent=True) as t2:
        t2.watch(xb)
        yb = tf.ones([4, 2]) * tf.reduce_sum(xb)
        ok = xb * 2.0
    with pytest.raises(ValueError, match="first dimension"):
        t2.batch_jacobian(yb, xb)
    with pytest.raises(ValueError, match="rank at least 2"):
        t2.batch_jacobian(ok, x)
    with pytest.raises(AttributeError):
        t2.batch_jacobian(ok, [xb])
    with pytest.raises(ValueError, match="parallel_iterations"):
        t.jacobian(y, x, parallel_iterations=1)
    with pytest.raises(ValueError, match="parallel_iterations"):
        t2.batch_jacobian(ok, xb, parallel_iterations=1)
    assert t.jacobian(y, x, experimental_use_pfor=False, parallel_iterations=1).numpy().tolist() == \
        [[2.0, 0.0], [0.0, 4.0]]


def test_no_pfor_needs_persistent_tape() -> None:
    x = tf.ones([3, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    with pytest.raises(RuntimeError, match="persistent=True"):
        t.jacobian(y, x, experimental_use_pfor=False)
    with pytest.raises(RuntimeError, match="persistent=True"):
        t.batch_jacobian(y, x, experimental_use_pfor=False)
    assert t.batch_jacobian(y, x).shape == (3, 2, 2)  # the failed calls did not use the tape up


def test_non_persistent_single_use() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = v * v
        j = t.jacobian(y, v)  # inside the context: allowed; recording stops
        after = v * 3.0
    assert j.numpy().tolist() == [[2.0, 0.0], [0.0, 4.0]]
    with pytest.raises(RuntimeError, match="one set of gradients"):
        t.jacobian(y, v)
    with pytest.raises(RuntimeError, match="one set of gradients"):
        t.gradient(after, v)
    assert t.watched_variables() == (v,)
    with tf.GradientTape() as t2:
        t2.watch(v)
        z = v * v
    t2.gradient(z, v)
    with pytest.raises(RuntimeError):
        t2.batch_jacobian(tf.reshape(z, [1, 2]), tf.reshape(v, [1, 2]))
    never = tf.GradientTape(persistent=True)
    with pytest.raises(RuntimeError):
        never.jacobian(tf.constant([1.0]), tf.constant([1.0]))


def test_persistent_repeated_and_no_pfor_agree() -> None:
    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(4, 3)))
    w = tf.constant(rng.normal(size=(3, 2)))
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.sin(tf.matmul(x, w)) * tf.reduce_sum(x)
    a = t.jacobian(y, x)
    b = t.jacobian(y, x, experimental_use_pfor=False)
    c = t.jacobian(y, x, parallel_iterations=3)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12)
    ba = t.batch_jacobian(y, x)
    bb = t.batch_jacobian(y, x, experimental_use_pfor=False)
    np.testing.assert_allclose(ba.numpy(), bb.numpy(), rtol=1e-12)
    assert t.gradient(y, x).shape == (4, 3)


@pytest.mark.parametrize("chunk", [None, 2, 3, 7, 8, 100])
def test_parallel_iterations_chunks_rows(chunk: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each backward sweep carries at most ``parallel_iterations`` cotangent rows; the result is the same."""
    sizes: list[int] = []
    real = gt.backward

    def spy(entries: Any, consume: bool, seeds: dict[int, Any], *args: Any, **kw: Any) -> Any:
        sizes.extend(np.shape(s)[0] for s in seeds.values())
        return real(entries, consume, seeds, *args, **kw)

    monkeypatch.setattr(gt, "backward", spy)
    xv = np.linspace(-1.0, 2.0, 7)
    x = tf.constant(xv)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.tanh(x * tf.reduce_sum(x * x))
    j = t.jacobian(y, x, parallel_iterations=chunk)
    monkeypatch.undo()
    expected = _numeric_jacobian(lambda a: tf.tanh(a * tf.reduce_sum(a * a)), [xv], 0)
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-6, atol=1e-8)
    step = 7 if chunk is None or chunk >= 7 else chunk
    assert sizes == [min(step, 7 - i) for i in range(0, 7, step)]


# -- values against central differences ----------------------------------------------------------------------


_RNG = np.random.default_rng(7)
_W = _RNG.normal(size=(4, 5))
_FUNCS: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "tanh_Wx": (lambda x: tf.tanh(tf.linalg.matvec(tf.constant(_W), x)), [_RNG.normal(size=5)]),
    "softmax": (lambda x: tf.nn.softmax(x), [_RNG.normal(size=(2, 3))]),
    "x_sum_x": (lambda x: x * tf.reduce_sum(x), [_RNG.normal(size=(3, 2))]),
    "two_sources": (lambda a, b: tf.matmul(tf.sin(a), b) / (1.0 + tf.reduce_sum(b * b)),
                    [_RNG.normal(size=(2, 3)), _RNG.normal(size=(3, 2))]),
    "indexing_concat": (lambda x: tf.concat([x[1:] * x[:-1], tf.exp(x[:2])], 0), [_RNG.normal(size=4)]),
}


@pytest.mark.parametrize("name", list(_FUNCS))
def test_jacobian_matches_central_differences(name: str) -> None:
    fn, values = _FUNCS[name]
    js = _jac(fn, *values)
    js = js if isinstance(js, list) else [js]
    for k, j in enumerate(js):
        np.testing.assert_allclose(j.numpy(), _numeric_jacobian(fn, values, k), rtol=1e-6, atol=1e-8,
                                   err_msg=f"{name}: d/d input {k}")


def test_batch_jacobian_matches_per_example_jacobians() -> None:
    rng = np.random.default_rng(11)
    w1, w2 = tf.constant(rng.normal(size=(6, 5))), tf.constant(rng.normal(size=(5, 3)))
    x = tf.constant(rng.normal(size=(4, 6)))
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.tanh(tf.matmul(tf.tanh(tf.matmul(x, w1)), w2))
    bj = t.batch_jacobian(y, x)
    full = t.jacobian(y, x)  # (4, 3, 4, 6)
    assert bj.shape == (4, 3, 6)
    for i in range(4):
        np.testing.assert_allclose(bj.numpy()[i], full.numpy()[i, :, i, :], rtol=1e-12)
    np.testing.assert_allclose(bj.numpy(), t.batch_jacobian(y, x, parallel_iterations=2).numpy(), rtol=1e-12)


def test_batch_jacobian_rank3_and_cross_batch_sum() -> None:
    x = tf.constant(np.arange(24, dtype=np.float32).reshape(4, 3, 2))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reshape(x, [4, 6])[:, :5]
    j = t.batch_jacobian(y, x)
    assert j.shape == (4, 5, 3, 2)
    np.testing.assert_array_equal(j.numpy()[2].reshape(5, 6), np.eye(5, 6))
    xc = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as t:
        t.watch(xc)
        yc = xc * tf.reduce_sum(xc)
    assert t.batch_jacobian(yc, xc).numpy().tolist() == [[[6.0]], [[6.0]]]  # TF: summed, not the true [4, 5]


# -- Hessians of known functions ------------------------------------------------------------------------------


def _hessian_nested(fn: Callable[[Any], Any], xv: np.ndarray) -> np.ndarray:
    x = tf.constant(xv)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = fn(x)
        g = inner.gradient(y, x)
    return outer.jacobian(g, x).numpy()


def test_hessian_quadratic_form() -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 4))
    xv = rng.normal(size=4)
    h = _hessian_nested(lambda x: tf.reduce_sum(x * tf.linalg.matvec(tf.constant(a), x)), xv)
    np.testing.assert_allclose(h, a + a.T, rtol=1e-12)
    np.testing.assert_allclose(tf.autodiff.hessian(lambda x: tf.reduce_sum(x * tf.linalg.matvec(tf.constant(a), x)),
                                                   tf.constant(xv)).numpy(), a + a.T, rtol=1e-12)


def test_hessian_rosenbrock() -> None:
    def rosen(x: Any) -> Any:
        return tf.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    xv = np.array([0.5, -1.2, 1.5])
    h = _hessian_nested(rosen, xv)
    ref = np.zeros((3, 3))
    for i in range(2):
        ref[i, i] += 1200 * xv[i] ** 2 - 400 * xv[i + 1] + 2
        ref[i + 1, i + 1] += 200
        ref[i, i + 1] += -400 * xv[i]
        ref[i + 1, i] += -400 * xv[i]
    np.testing.assert_allclose(h, ref, rtol=1e-10)


def test_hessian_logsumexp_and_matrix_source() -> None:
    xv = np.array([0.3, -1.0, 2.0, 0.5])
    h = _hessian_nested(lambda x: tf.math.log(tf.reduce_sum(tf.exp(x))), xv)
    p = np.exp(xv) / np.exp(xv).sum()
    np.testing.assert_allclose(h, np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-14)
    m = np.array([[1.0, 2.0], [0.5, -1.0]])
    hm = _hessian_nested(lambda x: tf.reduce_sum(x**3), m)
    assert hm.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(hm.reshape(4, 4), np.diag(6 * m.ravel()), rtol=1e-12)
