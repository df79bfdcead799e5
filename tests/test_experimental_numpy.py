"""``tapegrad.experimental.numpy`` (TF-NumPy): gradients against numerical derivatives, the numpy-behaviour switch
(on, off, on again), the ``prefer_float32``/``allow_float64`` switches, NumPy indexing, and inputs left untouched.
Values and dtypes against TensorFlow are in ``tests/conformance/test_tnp_vs_tf.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors

tnp = tf.experimental.numpy


@pytest.fixture(autouse=True)
def _restore_switches() -> Iterator[None]:
    yield
    tnp.experimental_disable_numpy_behavior()
    tnp.set_allow_float64(True)
    tnp.set_prefer_float32(False)


def _numerical(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


CASES: dict[str, Callable[[Any], Any]] = {
    "logaddexp": lambda x: tnp.sum(tnp.logaddexp(x, tnp.flip(x))),
    "logaddexp2": lambda x: tnp.sum(tnp.logaddexp2(x, 0.5)),
    "cbrt": lambda x: tnp.sum(tnp.cbrt(x)),
    "sinc": lambda x: tnp.sum(tnp.sinc(x)),
    "hypot": lambda x: tnp.sum(tnp.hypot(x, 2.0)),
    "var_std": lambda x: tnp.var(x, axis=0)[1] + tnp.std(x),
    "take_along_axis": lambda x: tnp.sum(tnp.take_along_axis(x, np.array([[2, 0], [1, 1]]), axis=1) ** 3),
    "kron": lambda x: tnp.sum(tnp.kron(x, tnp.array([[1.0, -2.0]])) ** 2),
    "cross": lambda x: tnp.sum(tnp.cross(x, tnp.flip(x, 1)) ** 2),
    "polyval": lambda x: tnp.sum(tnp.polyval([1.0, -2.0, 3.0], x)),
    "average": lambda x: tnp.average(x, axis=1, weights=[1.0, 2.0, 3.0])[0],
    "tril_rot90": lambda x: tnp.sum(tnp.tril(tnp.rot90(tnp.reshape(x, [3, 2])), -1) * 3.0),
    "diagonal_trace": lambda x: tnp.trace(tnp.reshape(x, [3, 2]) @ tnp.reshape(x, [2, 3])),
    "nanmean": lambda x: tnp.nanmean(tnp.where(x > 0.5, np.nan, x)),
    "einsum_outer": lambda x: tnp.sum(tnp.einsum("ij,ik->jk", x, x) * tnp.outer([1.0, 2.0, 3.0], [1.0, 0.5, 0.0])),
    "repeat_tile": lambda x: tnp.sum(tnp.repeat(x, [2, 1], axis=0) * tnp.tile([1.0, -1.0, 2.0], 3)[:3]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_numerical(name: str) -> None:
    rng = np.random.default_rng(7)
    x0 = rng.uniform(-1.0, 1.0, (2, 3))
    f = CASES[name]
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
    expected = _numerical(lambda v: float(f(tf.constant(v))), x0)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_gradient_reaches_a_variable_through_asarray() -> None:
    v = tf.Variable([1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        y = tnp.sum(tnp.asarray(v) ** 2) + tnp.sum(tnp.array([v[0], 3.0]))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [3.0, 4.0])


def test_numpy_behavior_switches_on_and_off() -> None:
    x = tf.constant([[1, 2]], tf.int32)
    with pytest.raises(errors.InvalidArgumentError):
        x + tf.constant(1.5)
    assert not hasattr(x, "astype")
    tnp.experimental_enable_numpy_behavior()
    y = x + 1.5
    assert y.dtype == tf.float64
    np.testing.assert_allclose(y.numpy(), [[2.5, 3.5]])
    assert x.T.shape == [2, 1] and x.reshape(2, 1).shape == [2, 1] and x.astype(tf.float32).dtype == tf.float32
    assert (x @ tf.constant([1.0, 2.0])).dtype == tf.float64  # @ is NumPy's matmul, vectors included
    assert (x < 1.5).numpy().tolist() == [[True, False]]  # comparisons promote too
    v = tf.Variable([1, 2])
    assert (v + 0.5).dtype == tf.float64 and not hasattr(v, "astype")  # variables: operators only, as TF
    with pytest.raises(errors.InvalidArgumentError):
        tf.add(x, tf.constant(1.5))  # tf.add keeps TF's strict rule
    tnp.experimental_disable_numpy_behavior()
    assert not hasattr(x, "astype") and not hasattr(x, "T")
    with pytest.raises(errors.InvalidArgumentError):
        x + tf.constant(1.5)
    with pytest.raises(TypeError):
        tf.constant([1.0, 2.0])[[0, 1]]
    assert x.ndim == 2  # the Tensor's own attributes are back
    tnp.experimental_enable_numpy_behavior()
    assert (x * 0.5).dtype == tf.float64  # and on again


def test_numpy_indexing_is_numpys_and_differentiable() -> None:
    tnp.experimental_enable_numpy_behavior()
    a = np.arange(24.0).reshape(2, 3, 4)
    x = tf.constant(a)
    keys = [([1, 0],), (slice(None), [2, 0]), (x > 10,), (0, [1, 2], [3, 0]), (Ellipsis, [True, False, True, False]),
            ([[0], [1]], slice(1, None), 2)]
    for key in keys:
        np_key = tuple(k.numpy() if hasattr(k, "numpy") else k for k in key)
        np.testing.assert_array_equal(x[key if len(key) > 1 else key[0]].numpy(), a[np_key if len(key) > 1
                                                                                       else np_key[0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tnp.sum(x[:, [0, 0, 2]] * 2.0)
    expected = np.zeros_like(a)
    expected[:, 0] = 4.0
    expected[:, 2] = 2.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), expected)


def test_prefer_float32_and_allow_float64() -> None:
    assert tnp.array(1.5).dtype == tf.float64 and tnp.random.randn(2).dtype == tf.float64
    tnp.experimental_enable_numpy_behavior(prefer_float32=True)
    assert tnp.is_prefer_float32()
    assert tnp.array(1.5).dtype == tf.float32 and tnp.arange(2.0).dtype == tf.float32
    assert tnp.zeros(2).dtype == tf.float64  # (dtype=float is NumPy's float64, as in TF)
    tnp.experimental_enable_numpy_behavior(prefer_float32=False)
    tnp.set_allow_float64(False)
    assert tnp.array([1.0, 2.0]).dtype == tf.float32 and tnp.array(1j).dtype == tf.complex64
    assert tnp.mean([1, 2]).dtype == tf.float32 and tnp.result_type(tnp.float64) == tf.float32
    tnp.set_allow_float64(True)
    assert tnp.mean([1, 2]).dtype == tf.float64


def test_inputs_are_not_mutated() -> None:
    a = np.array([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]])
    before = a.copy()
    v = tf.Variable(a)
    for fn in (tnp.sort, tnp.flip, tnp.cumsum, tnp.ravel, lambda z: tnp.clip(z, 0, 1), tnp.asarray,
               lambda z: tnp.pad(z, [[1, 1], [0, 0]], mode="reflect")):
        fn(a)
        fn(v)
    np.testing.assert_array_equal(a, before)
    np.testing.assert_array_equal(v.numpy(), before)


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="order='K'"):
        tnp.full_like([1], 0, order="C")
    with pytest.raises(errors.InvalidArgumentError, match="3 equal sections"):
        tnp.split(tnp.arange(8), 3)
    with pytest.raises(ValueError, match="int32 or int64"):
        tnp.random.randint(0, 5, dtype=tnp.float32)
    with pytest.raises(NotImplementedError, match="WeakTensor"):
        tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")


def test_every_tf_name_is_present() -> None:
    names = """abs absolute add all allclose amax amin angle any append arange arccos arccosh arcsin arcsinh arctan
    arctan2 arctanh argmax argmin argsort around array array_equal asanyarray asarray ascontiguousarray atleast_1d
    atleast_2d atleast_3d average bitwise_and bitwise_not bitwise_or bitwise_xor bool_ broadcast_arrays broadcast_to
    cbrt ceil clip complex128 complex64 complex_ compress concatenate conj conjugate copy cos cosh count_nonzero cross
    cumprod cumsum deg2rad diag diag_indices diagflat diagonal diff divide divmod dot dsplit dstack e einsum empty
    empty_like equal exp exp2 expand_dims experimental_enable_numpy_behavior expm1 eye fabs finfo fix flatten flip
    fliplr flipud float16 float32 float64 float_ float_power floor floor_divide full full_like gcd geomspace greater
    greater_equal heaviside hsplit hstack hypot identity iinfo imag inexact inf inner int16 int32 int64 int8 int_
    isclose iscomplex iscomplexobj isfinite isinf isnan isneginf isposinf isreal isrealobj isscalar issubdtype ix_
    kron lcm less less_equal linspace log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or
    logical_xor logspace matmul max maximum mean meshgrid min minimum mod moveaxis multiply nanmean nanprod nansum
    ndarray ndim negative newaxis nextafter nonzero not_equal object_ ones ones_like outer pad pi polyval positive
    power prod promote_types ptp rad2deg random ravel real reciprocal remainder repeat reshape result_type roll rot90
    round select shape sign signbit sin sinc sinh size sort split sqrt square squeeze stack std string_ subtract sum
    swapaxes take take_along_axis tan tanh tensordot tile trace transpose tri tril triu true_divide uint16 uint32
    uint64 uint8 unicode_ vander var vdot vsplit vstack where zeros zeros_like""".split()
    assert len(names) == 229
    assert [n for n in names if not hasattr(tnp, n)] == []
    assert tnp.ndarray is tf.Tensor
    assert sorted(tnp.random.__all__) == ["poisson", "rand", "randint", "randn", "random", "seed", "standard_normal",
                                          "uniform"]


def test_docstring_examples_run() -> None:
    import doctest
    import importlib

    for name in ("tapegrad.experimental.numpy", "tapegrad.experimental.numpy._dtypes",
                 "tapegrad.experimental.numpy._array_ops", "tapegrad.experimental.numpy._math_ops",
                 "tapegrad.experimental.numpy._behavior", "tapegrad.experimental.numpy.random"):
        r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 1 and r.failed == 0, name
