"""NumPy protocols on tapegrad tensors: np.* calls are tapegrad ops (recorded), values follow TF's dtype rules."""

from __future__ import annotations

import doctest
import pickle

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import numpy_interop
from tapegrad._tensor import ESCAPES


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(numpy_interop)
    assert result.attempted >= 4 and result.failed == 0


# -- a model written with np.* vs the same model with tapegrad ops -------------------------------------------------


def _model_np(x: np.ndarray, w1: tf.Variable, b1: tf.Variable, w2: tf.Variable) -> tf.Tensor:
    h = np.tanh(np.matmul(x, w1) + b1)
    z = np.dot(h, w2)
    p = 1.0 / (1.0 + np.exp(-z))
    return np.mean(np.square(p - 0.5)) + 0.01 * np.sum(np.abs(w1)) + np.max(np.sqrt(np.maximum(z * z, 1e-3)))


def _model_tf(x: np.ndarray, w1: tf.Variable, b1: tf.Variable, w2: tf.Variable) -> tf.Tensor:
    h = tf.tanh(tf.matmul(tf.constant(x, tf.float64), w1) + b1)
    z = tf.matmul(h, w2)
    p = 1.0 / (1.0 + tf.exp(-z))
    return (tf.reduce_mean(tf.square(p - 0.5)) + 0.01 * tf.reduce_sum(tf.abs(w1))
            + tf.reduce_max(tf.sqrt(tf.maximum(z * z, 1e-3))))


def test_numpy_model_matches_tapegrad_model_values_and_gradients() -> None:
    rng = _rng(1)
    x = rng.normal(size=(8, 3))
    w1 = tf.Variable(rng.normal(size=(3, 4)))
    b1 = tf.Variable(rng.normal(size=(4,)))
    w2 = tf.Variable(rng.normal(size=(4, 1)))
    with tf.GradientTape(persistent=True) as tape:
        a = _model_np(x, w1, b1, w2)
        b = _model_tf(x, w1, b1, w2)
    assert isinstance(a, tf.Tensor) and a.dtype == tf.float64
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    ga = tape.gradient(a, [w1, b1, w2])
    gb = tape.gradient(b, [w1, b1, w2])
    for u, v in zip(ga, gb):
        assert u is not None
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-10, atol=1e-14)


def test_numpy_functions_in_a_tape_are_differentiable() -> None:
    rng = _rng(2)
    x = tf.Variable(rng.uniform(0.5, 1.5, size=(3, 4)))
    with tf.GradientTape() as tape:
        parts = [
            np.sum(np.log(x), axis=0),
            np.concatenate([np.reshape(x, (-1,)), np.ravel(np.transpose(x))]),
            np.reshape(np.stack([np.mean(x, axis=1), np.std(x, axis=1)], axis=1), (-1,)),
            np.ravel(np.where(x > 1.0, x, np.zeros_like(x))),
            np.ravel(np.clip(x, 0.7, 1.2)),
            np.ravel(np.cumsum(x, axis=1)),
            np.einsum("ij,ij->i", x, x),
            np.linalg.norm(x, axis=1),
            np.prod(x, axis=1),
            np.expand_dims(np.trace(np.matmul(x, np.transpose(x))), 0),
        ]
        y = np.sum(np.concatenate(parts))
    g = tape.gradient(y, x)
    # the same expression on float64 NumPy arrays, differentiated by central differences
    def f(a: np.ndarray) -> float:
        p = [np.sum(np.log(a), axis=0), np.concatenate([a.reshape(-1), a.T.ravel()]),
             np.stack([a.mean(1), a.std(1)], 1).reshape(-1), np.where(a > 1.0, a, 0.0).reshape(-1),
             np.clip(a, 0.7, 1.2).reshape(-1), np.cumsum(a, 1).reshape(-1), np.einsum("ij,ij->i", a, a),
             np.linalg.norm(a, axis=1), np.prod(a, 1), [np.trace(a @ a.T)]]
        return float(np.sum(np.concatenate(p)))

    a0 = x.numpy()
    np.testing.assert_allclose(float(y), f(a0), rtol=1e-12)
    num = np.zeros_like(a0)
    eps = 1e-6
    for idx in np.ndindex(a0.shape):
        d = np.zeros_like(a0)
        d[idx] = eps
        num[idx] = (f(a0 + d) - f(a0 - d)) / (2 * eps)
    np.testing.assert_allclose(g.numpy(), num, rtol=1e-5, atol=1e-6)


# -- the ufunc table --------------------------------------------------------------------------------------------

UNARY = ["negative", "positive", "absolute", "fabs", "sign", "sqrt", "square", "exp", "expm1", "log", "log1p", "sin",
         "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arctanh", "reciprocal",
         "floor", "ceil", "rint", "conjugate"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "mod", "power",
          "maximum", "minimum", "arctan2"]
COMPARE = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ufuncs_run_the_tapegrad_op(name: str) -> None:
    ufunc = getattr(np, name)
    v = _rng(3).uniform(0.1, 0.9, size=(5,)).astype(np.float32)
    x = tf.constant(v)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = ufunc(x)
    assert type(y) is tf.Tensor and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), ufunc(v), rtol=2e-6)
    g = tape.gradient(y, x)
    if name in ("floor", "ceil", "rint"):
        assert g is None  # not differentiable, as the tapegrad ops
    else:
        assert g is not None and g.dtype == tf.float32


@pytest.mark.parametrize("name", BINARY)
def test_binary_ufuncs_run_the_tapegrad_op(name: str) -> None:
    ufunc = getattr(np, name)
    rng = _rng(4)
    a, b = rng.uniform(1.0, 2.0, size=(2, 3)), rng.uniform(0.5, 1.5, size=(3,))
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = ufunc(x, b)  # tensor ⊕ ndarray
        z = ufunc(a, x)  # ndarray ⊕ tensor: still a tensor
        u = ufunc(a, tf.constant(b))  # no watched input: a NumPy result, as in TF
    assert type(y) is tf.Tensor and type(z) is tf.Tensor and type(u) is np.ndarray
    np.testing.assert_allclose(y.numpy(), ufunc(a, b), rtol=1e-12)
    np.testing.assert_allclose(z.numpy(), ufunc(a, a), rtol=1e-12)
    np.testing.assert_allclose(u, ufunc(a, b), rtol=1e-12)
    g = tape.gradient(y, x)
    assert (g is None) == (name == "floor_divide")


@pytest.mark.parametrize("name", COMPARE + ["isnan", "isinf", "isfinite"])
def test_predicate_ufuncs_give_bool_tensors(name: str) -> None:
    ufunc = getattr(np, name)
    v = np.array([1.0, np.nan, np.inf, 2.0])
    x = tf.constant(v)
    args = (x,) if ufunc.nin == 1 else (x, 1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = ufunc(*args)
    assert type(out) is tf.Tensor and out.dtype == tf.bool
    np.testing.assert_array_equal(out.numpy(), ufunc(*((v,) if ufunc.nin == 1 else (v, 1.0))))
    plain = ufunc(*args)  # no tape: NumPy's answer, as in TF
    assert type(plain) is np.ndarray and plain.dtype == np.bool_


def test_logical_ufuncs_on_bool_tensors() -> None:
    a, b = np.array([True, False, True]), np.array([True, True, False])
    ta, tb = tf.constant(a), tf.constant(b)
    for name in ("logical_and", "logical_or", "logical_xor"):  # bool values carry no gradient: NumPy results
        np.testing.assert_array_equal(getattr(np, name)(ta, tb), getattr(np, name)(a, b))
    np.testing.assert_array_equal(np.logical_not(ta), ~a)
    np.testing.assert_array_equal(np.invert(ta), ~a)
    assert type(~ta) is tf.Tensor
    np.testing.assert_array_equal((~ta).numpy(), ~a)


def test_ufunc_methods_reduce_accumulate_outer() -> None:
    v = _rng(5).normal(size=(3, 4))
    x = tf.Variable(v)
    with tf.GradientTape() as tape:
        r = [np.add.reduce(x), np.multiply.reduce(x, axis=1), np.maximum.reduce(x, axis=None),
             np.minimum.reduce(x, axis=0, keepdims=True), np.add.accumulate(x, axis=1), np.multiply.outer(x[0], x[1])]
        total = np.sum(np.concatenate([np.ravel(t) for t in r]))
    refs = [np.add.reduce(v), np.multiply.reduce(v, axis=1), np.maximum.reduce(v, axis=None),
            np.minimum.reduce(v, axis=0, keepdims=True), np.add.accumulate(v, axis=1), np.multiply.outer(v[0], v[1])]
    for t, ref in zip(r, refs):
        assert type(t) is tf.Tensor
        np.testing.assert_allclose(t.numpy(), ref, rtol=1e-12)
    assert tape.gradient(total, x) is not None


def test_matmul_ufunc_follows_numpy_for_vectors() -> None:
    rng = _rng(6)
    m, v = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    tm, tv = tf.constant(m), tf.constant(v)
    with tf.GradientTape() as tape:
        tape.watch([tm, tv])
        np.testing.assert_allclose(np.matmul(tm, tv).numpy(), m @ v, rtol=1e-12)
        np.testing.assert_allclose(np.matmul(tv, tm.numpy().T).numpy(), v @ m.T, rtol=1e-12)
        np.testing.assert_allclose(np.matmul(tv, tv).numpy(), v @ v, rtol=1e-12)
    np.testing.assert_allclose((m.T @ tf.constant(m)).numpy(), m.T @ m, rtol=1e-12)  # an operator: a tensor


# -- dtype rules (TF: NumPy scalars and arrays adopt the tensor's dtype) ------------------------------------------


def test_numpy_scalars_and_arrays_adopt_the_tensor_dtype() -> None:
    t = tf.constant([1.0, 2.0])
    for y in (t * np.float64(2), np.float64(2) * t, np.array([2.0, 2.0]) * t, t * np.array([2.0, 2.0]),
              np.ones(2) + t + np.float64(0.0)):  # operators: tensors, as in TF
        assert type(y) is tf.Tensor and y.dtype == tf.float32
    with tf.GradientTape() as tape:
        tape.watch(t)
        for y in (np.multiply(t, np.float64(2)), np.add(np.ones(2), t)):  # recorded np.* calls
            assert type(y) is tf.Tensor and y.dtype == tf.float32
    v = tf.Variable([1.0, 2.0], dtype=tf.float64)
    assert (np.float32(2) * v).dtype == tf.float64
    assert (np.arange(2) + tf.constant([1, 2])).dtype == tf.int32


def test_mixed_tensor_dtypes_raise_like_tf() -> None:
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(tf.errors.InvalidArgumentError):
            np.add(x, tf.constant(1.0, tf.float64))
    assert np.add(x, tf.constant(1.0, tf.float64)) == 2.0  # no tape: NumPy promotes, as TF's NumPy result


def test_integer_mean_follows_numpy() -> None:
    m = np.mean(tf.constant([1, 2]))
    assert m.dtype == np.float64 and float(m) == 1.5
    assert np.sum(tf.constant([True, True, False])) == 2


# -- functions table vs NumPy ----------------------------------------------------------------------------------

CALLS = [
    ("sum", lambda np_, a: np_.sum(a, axis=(0, 2), keepdims=True)),
    ("mean", lambda np_, a: np_.mean(a, axis=-1)),
    ("var", lambda np_, a: np_.var(a, axis=0, ddof=1)),
    ("std", lambda np_, a: np_.std(a)),
    ("prod", lambda np_, a: np_.prod(a, axis=1)),
    ("max", lambda np_, a: np_.max(a, axis=1)),
    ("amin", lambda np_, a: np_.amin(a)),
    ("argmax", lambda np_, a: np_.argmax(a)),
    ("argmin", lambda np_, a: np_.argmin(a, axis=2)),
    ("cumprod", lambda np_, a: np_.cumprod(a, axis=1)),
    ("average", lambda np_, a: np_.average(a, axis=0, weights=np_.ones_like(a) * 2.0)),
    ("transpose", lambda np_, a: np_.transpose(a, (2, 0, 1))),
    ("swapaxes", lambda np_, a: np_.swapaxes(a, 0, 2)),
    ("moveaxis", lambda np_, a: np_.moveaxis(a, [0, 1], [-1, 0])),
    ("reshape", lambda np_, a: np_.reshape(a, (6, -1))),
    ("squeeze", lambda np_, a: np_.squeeze(np_.expand_dims(a, (0, 2)), axis=0)),
    ("vstack", lambda np_, a: np_.vstack([a[0, 0], a[1, 1]])),
    ("hstack", lambda np_, a: np_.hstack([a[0], a[1]])),
    ("split", lambda np_, a: np_.split(a, [1, 3], axis=2)[1]),
    ("tile", lambda np_, a: np_.tile(a[0, 0], (2, 2))),
    ("repeat", lambda np_, a: np_.repeat(a, 2, axis=1)),
    ("flip", lambda np_, a: np_.flip(a, axis=(0, 2))),
    ("roll", lambda np_, a: np_.roll(a, 2)),
    ("sort", lambda np_, a: np_.sort(a, axis=1)),
    ("argsort", lambda np_, a: np_.argsort(a[0, 0])),
    ("pad", lambda np_, a: np_.pad(a, ((0, 1), (2, 0), (1, 1)), constant_values=0.5)),
    ("take", lambda np_, a: np_.take(a, [3, 0, 5])),
    ("dot", lambda np_, a: np_.dot(a, np_.transpose(a[0]))),
    ("inner", lambda np_, a: np_.inner(a[0], a[1])),
    ("outer", lambda np_, a: np_.outer(a[0, 0], a[1, 1])),
    ("tensordot", lambda np_, a: np_.tensordot(a, a, axes=([1, 2], [1, 2]))),
    ("trace", lambda np_, a: np_.trace(a, axis1=1, axis2=2)),
    ("diag", lambda np_, a: np_.diag(np_.diag(a[0, 0]))),
    ("triu", lambda np_, a: np_.triu(a[0, :, :3])),
    ("broadcast_to", lambda np_, a: np_.broadcast_to(a[0, 0], (3, 4))),
    ("linalg.inv", lambda np_, a: np_.linalg.inv(np_.matmul(a[0, :, :3], np_.transpose(a[0, :, :3])) + np_.eye(3))),
    ("linalg.solve", lambda np_, a: np_.linalg.solve(np_.matmul(a[0, :, :3], np_.transpose(a[0, :, :3]))
                                                       + np_.eye(3), a[1, :, 0])),
    ("linalg.det", lambda np_, a: np_.linalg.det(a[:, :, :3])),
    ("linalg.slogdet", lambda np_, a: np_.linalg.slogdet(a[:, :, :3])[1]),
    ("linalg.eigvalsh", lambda np_, a: np_.linalg.eigvalsh(np_.matmul(a[0], np_.transpose(a[0])))),
    ("linalg.svd", lambda np_, a: np_.linalg.svd(a[0], compute_uv=False)),
    ("linalg.norm", lambda np_, a: np_.linalg.norm(a[0], ord=1, axis=1)),
    ("linalg.cholesky", lambda np_, a: np_.linalg.cholesky(np_.matmul(a[0], np_.transpose(a[0])) + np_.eye(3))),
    ("copy", lambda np_, a: np_.copy(a)),
    ("real", lambda np_, a: np_.real(a)),
]


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_numpy_function_matches_numpy(name: str, call: object) -> None:
    a = _rng(7).normal(size=(2, 3, 4))
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = call(np, x)  # type: ignore[operator]
    assert type(out) is tf.Tensor, f"np.{name} returned {type(out).__name__}"
    np.testing.assert_allclose(out.numpy(), call(np, a), rtol=1e-10, atol=1e-12)  # type: ignore[operator]
    assert name in numpy_interop.supported_functions()
    if out.dtype.is_floating:
        assert tape.gradient(out, x) is not None


def test_svd_qr_eigh_return_numpy_order() -> None:
    a = _rng(8).normal(size=(4, 3))
    x, y = tf.constant(a), tf.constant(a.T @ a)
    with tf.GradientTape() as tape:
        tape.watch([x, y])  # watched: the tapegrad ops run (and return NumPy's order of results)
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        q, r = np.linalg.qr(x)
        w, v = np.linalg.eigh(y)
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ vh.numpy(), a, atol=1e-12)
    np.testing.assert_allclose(q.numpy() @ r.numpy(), a, atol=1e-12)
    np.testing.assert_allclose(v.numpy() @ np.diag(w.numpy()) @ v.numpy().T, a.T @ a, atol=1e-10)


# -- unsupported NumPy calls --------------------------------------------------------------------------------------


def test_unsupported_function_on_watched_tensor_raises_with_alternative() -> None:
    x = tf.constant([1.0, 2.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match=r"np\.median.*tf\.sort"):
            np.median(x)
        with pytest.raises(TypeError, match=r"np\.log2.*tf\.math\.log\(x\) / math\.log\(2\.0\)"):
            np.log2(x)
        with pytest.raises(TypeError, match=r"np\.sum with out="):
            np.sum(x, out=np.zeros(()))
        y = x * 2.0
        with pytest.raises(TypeError, match=r"np\.percentile"):
            np.percentile(y, 50)  # a recorded result is watched too
        # integer / bool results carry no gradient: returned as NumPy values
        assert np.shape(y) == (3,) and np.ndim(x) == 1 and np.size(x) == 3
        assert np.allclose(x, [1.0, 2.0, 4.0]) is True
        assert np.count_nonzero(x) == 3


def test_unsupported_function_on_watched_variable_raises() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape():
        with pytest.raises(TypeError, match=r"np\.cbrt"):
            np.cbrt(v)
    with tf.GradientTape(watch_accessed_variables=False):
        assert isinstance(np.cbrt(v), np.ndarray)  # not watched by this tape
    frozen = tf.Variable([1.0, 2.0], trainable=False)
    with tf.GradientTape():
        assert isinstance(np.cbrt(frozen), np.ndarray)


def test_unsupported_function_on_unwatched_tensor_gives_numpy_result() -> None:
    x = tf.constant([1.0, 2.0, 4.0])
    med = np.median(x)
    assert type(med) is np.float32 and med == 2.0
    np.testing.assert_allclose(np.log2(x), [0.0, 1.0, 2.0])
    assert isinstance(np.log2(x), np.ndarray)
    with tf.GradientTape() as tape:
        tape.watch(tf.constant(0.0))  # a tape is active, but it does not watch x
        assert isinstance(np.log2(x), np.ndarray)
    np.testing.assert_allclose(np.interp(1.5, [1.0, 2.0], x[:2]), 1.5)


def test_out_arguments() -> None:
    x = tf.constant([1.0, 2.0])
    acc = np.zeros(2)
    acc += x  # in-place on an ndarray: NumPy result for an unwatched tensor
    np.testing.assert_allclose(acc, [1.0, 2.0])
    with pytest.raises(TypeError, match="immutable"):
        np.add(x, 1.0, out=(x,))
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(TypeError, match=r"np\.add with out="):
            np.add(x, 1.0, out=acc)


def test_other_array_types_are_left_to_themselves() -> None:
    class Other:
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):  # noqa: ANN001, ANN002, ANN003
            return "other"

    assert np.add(tf.constant(1.0), Other()) == "other"


# -- pickling ------------------------------------------------------------------------------------------------------


def test_pickle_tensor_and_variable_keep_value_only() -> None:
    t = tf.constant([[1.5, 2.0]], tf.float64)
    v = tf.Variable([1.0, 2.0], name="w", trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = t * 2.0
        blob = pickle.dumps((t, y, v))
    t2, y2, v2 = pickle.loads(blob)
    assert type(t2) is tf.Tensor and t2.dtype == tf.float64 and t2.numpy().tolist() == [[1.5, 2.0]]
    assert y2.numpy().tolist() == [[3.0, 4.0]] and y2._id is None  # no tape identity travels
    assert type(v2) is tf.Variable and v2.name == "w:0" and v2.trainable is False and v2._id != v._id
    assert ESCAPES.get(tape._tape) is None  # pickling is not "leaving the tape"
    assert tape.gradient(y, t) is not None
    with tf.GradientTape() as tape2:
        z = y2 * 2.0
    assert tape2.gradient(z, y2) is None  # the copy is a fresh, unwatched tensor


def test_numpy_escapes_are_logged_while_a_tape_watches() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2.0
        _ = y.numpy()
        _ = float(y[0])
        _ = np.asarray(x)
        _ = tf.constant(3.0).numpy()  # not known to the tape: not logged
    log = ESCAPES[tape._tape]
    assert [how for _, how, _, _ in log] == [".numpy()", "float()", "np.asarray()"]
    assert all(path == __file__ for _, _, path, _ in log)


def test_tf_basics_tutorial_numpy_compatibility() -> None:
    """TF's "Customization basics: tensors and operations" tutorial: NumPy operations on tensors give ndarrays."""
    ndarray = np.ones([3, 3])
    tensor = tf.math.multiply(ndarray, 42)
    assert type(tensor) is tf.Tensor and tensor.dtype == tf.float64
    r = np.add(tensor, 1)
    assert type(r) is np.ndarray and r.tolist() == [[43.0] * 3] * 3
    assert type(tensor.numpy()) is np.ndarray
    assert type(np.sin(tf.constant([0.0]))) is np.ndarray and type(np.sum(tf.constant([1.0]))) is np.float32
    assert type(np.concatenate([tf.constant([1.0]), tf.constant([2.0])])) is np.ndarray
    # the result is a fresh array: writing into it never changes the tensor
    t = tf.constant([1.0, 2.0])
    view = np.reshape(t, (2, 1))
    view[0, 0] = 99.0
    assert t.numpy().tolist() == [1.0, 2.0]


def test_numpy_calls_stay_on_the_tape_only_for_watched_inputs() -> None:
    x = tf.Variable([0.5, 1.0])
    c = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = np.sum(np.sin(x) * c)  # x is watched: tapegrad ops, recorded
        z = np.sin(c)  # nothing watched: NumPy, as in TF
    assert type(y) is tf.Tensor and type(z) is np.ndarray
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.cos([0.5, 1.0]) * [1.0, 2.0], rtol=1e-6)
    assert type(np.sin(x)) is np.ndarray  # no tape records
