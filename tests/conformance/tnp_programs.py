"""``tf.experimental.numpy`` programs, run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``: ``python tnp_programs.py MODULE OUT``). Each case returns tensors (compared by repr:
dtype, shape and values at rtol 1e-5) or Python values; exceptions by class. The cases that switch on
``experimental_enable_numpy_behavior`` come last: in TensorFlow the switch cannot be undone within a process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from image_programs import _error_classes as _errs  # noqa: E402 - the image lane's helper
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _np(tf: Any) -> Any:
    return tf.experimental.numpy


A = np.arange(12, dtype=np.float32).reshape(3, 4) / 4.0 - 1.0
I32 = np.array([[3, -1, 4], [1, -5, 9]], np.int32)



# -- creation and dtype inference ----------------------------------------------------------------------------------

@case
def array_python_scalars(tf: Any) -> Any:
    t = _np(tf)
    return t.array(1), t.array(1.5), t.array(True), t.array([1, 2.0]), t.array(1 + 2j), t.array([[1, 2]], ndmin=3)


@case
def array_dtype_arg(tf: Any) -> Any:
    t = _np(tf)
    return (t.array([1.7, -2.2], dtype=t.int32), t.array([1, 0], dtype=bool), t.array(I32, dtype="float32"),
            t.asarray(A).dtype, t.asarray(tf.constant([1.0])), t.asarray([1, 2], dtype=tf.float16))


@case
def array_of_tensor_keeps_dtype(tf: Any) -> Any:
    t = _np(tf)
    x = tf.constant([1, 2], tf.int32)
    return t.array(x), t.asarray(x) is x, t.asanyarray(x), t.ascontiguousarray(3.0), t.array(np.float32(2.5))


@case
def zeros_ones_full(tf: Any) -> Any:
    t = _np(tf)
    return (t.zeros([2, 1]), t.zeros(3, dtype=t.int32), t.ones((2,)), t.ones(2, dtype=bool), t.empty([1, 2]),
            t.full([2, 2], 7), t.full(3, 1.5, dtype=t.float32), t.full_like(I32, 2.5), t.zeros_like([1.0, 2.0]),
            t.ones_like(I32), t.empty_like(A, dtype=t.int64), t.full([2], [1, 2]))


@case
def eye_identity_tri(tf: Any) -> Any:
    t = _np(tf)
    return (t.eye(3), t.eye(2, 3, k=1), t.eye(3, k=-1, dtype=t.int32), t.eye(2, 4, k=5), t.identity(2),
            t.tri(3), t.tri(2, 3, k=1, dtype=t.int32), t.tril(A), t.triu(A, k=1), t.tril(A, -1))


@case
def arange_linspace(tf: Any) -> Any:
    t = _np(tf)
    return (t.arange(4), t.arange(1, 3.5), t.arange(5, 0, -2), t.arange(0, 1, 0.25, dtype=t.float32),
            t.arange(3.0), t.linspace(0, 1, 5), t.linspace(0, 1, 4, endpoint=False), t.linspace(2, 3, 3, dtype=int),
            t.logspace(0, 2, 3), t.geomspace(1, 1000, 4), t.linspace(0, 1, 3, retstep=True))


@case
def diag_family(tf: Any) -> Any:
    t = _np(tf)
    return (t.diag([1, 2]), t.diag(A), t.diag(A, k=1), t.diagflat([[1, 2], [3, 4]]), t.diagonal(A),
            t.diagonal(A, offset=-1), t.trace(A), t.trace(I32), t.vander([1, 2, 3]), t.vander([1.0, 2.0], N=3))


@case
def dtype_utilities(tf: Any) -> Any:
    t = _np(tf)
    return (t.result_type(t.int32, 1.0), t.result_type(t.float32, 1.0), t.result_type(1, 2.0),
            t.result_type(tf.constant(1, tf.int8), tf.constant(1, tf.int16)), t.promote_types(t.int32, t.float32),
            t.result_type(t.bool_, 1), t.issubdtype(t.float32, t.inexact), t.finfo(t.float32).eps,
            t.iinfo(t.int8).max, t.result_type(), t.result_type(np.array([1.0], np.float16), 1))


@case
def dtype_constants(tf: Any) -> Any:
    t = _np(tf)
    names = ["bool_", "complex128", "complex64", "complex_", "float16", "float32", "float64", "float_", "int_",
             "int16", "int32", "int64", "int8", "object_", "string_", "uint16", "uint32", "uint64", "uint8",
             "unicode_", "inexact"]
    return [repr(getattr(t, n)) for n in names] + [t.e, t.pi, t.inf, t.newaxis]


@case
def ndarray_is_tensor(tf: Any) -> Any:
    t = _np(tf)
    return t.ndarray is tf.Tensor, isinstance(t.ones(2), t.ndarray)


# -- shapes and reshaping ------------------------------------------------------------------------------------------

@case
def shape_queries(tf: Any) -> Any:
    t = _np(tf)
    return (t.shape(A), t.ndim(A), t.size(A), t.shape(3.0), t.ndim([[1]]), t.size([1, 2, 3]), t.isscalar(3.0),
            t.isscalar(tf.constant(2.0)), t.isscalar([1]))


@case
def reshape_ravel_transpose(tf: Any) -> Any:
    t = _np(tf)
    return (t.reshape(A, [2, -1]), t.reshape(A, (4, 3), order="F"), t.ravel(A), t.transpose(A), t.flatten(A),
            t.transpose(np.ones([2, 3, 4]), [2, 0, 1]).shape, t.swapaxes(A, 0, 1),
            t.moveaxis(np.zeros([2, 3, 4]), 0, -1).shape, t.moveaxis(np.zeros([2, 3, 4]), [0, 1], [2, 0]).shape)


@case
def expand_squeeze_atleast(tf: Any) -> Any:
    t = _np(tf)
    return (t.expand_dims(A, 1).shape, t.squeeze(np.zeros([1, 3, 1])).shape, t.squeeze(np.zeros([1, 3, 1]), 0).shape,
            t.atleast_1d(1.0), t.atleast_2d([1, 2]), t.atleast_3d(np.ones([2, 3])).shape,
            [x.shape for x in t.atleast_1d(1, [2, 3])])


@case
def broadcasting(tf: Any) -> Any:
    t = _np(tf)
    return t.broadcast_to([1, 2], [3, 2]), t.broadcast_arrays([[1], [2]], [3, 4, 5]), t.broadcast_to(2.0, [2])


@case
def joining(tf: Any) -> Any:
    t = _np(tf)
    return (t.concatenate([A, A], 0).shape, t.concatenate([[1, 2], [3.5]]), t.stack([[1, 2], [3, 4]], axis=1),
            t.hstack([[1, 2], [3]]), t.vstack([[1, 2], [3, 4]]), t.dstack([[1, 2], [3, 4]]).shape,
            t.append([1, 2], [[3, 4]]), t.append(A, A, axis=0).shape,
            t.concatenate([I32, np.ones([2, 1], np.float32)], axis=1).dtype)


@case
def splitting(tf: Any) -> Any:
    t = _np(tf)
    x = t.arange(8)
    return (t.split(x, 2), t.split(x, [3, 5]), t.hsplit(np.ones([2, 4]), 2)[0].shape,
            t.vsplit(np.ones([4, 2]), [1])[1].shape, t.dsplit(np.ones([1, 2, 4]), 2)[0].shape,
            _errs(lambda: t.split(x, 3)))


@case
def flips_rolls_tiles(tf: Any) -> Any:
    t = _np(tf)
    return (t.flip(A), t.flip(A, 1), t.fliplr(A), t.flipud(A), t.roll(t.arange(5), 2), t.roll(A, -1, axis=1),
            t.rot90(A), t.rot90(A, 2), t.rot90(A, -1), t.tile([1, 2], 2), t.tile(A, (2, 1)).shape,
            t.repeat([1, 2], 2), t.repeat(A, [1, 2, 0], axis=0), t.repeat([[1, 2], [3, 4]], 2))


@case
def padding(tf: Any) -> Any:
    t = _np(tf)
    return (t.pad([1, 2], [[1, 1]], mode="constant"), t.pad(A, [[1, 0], [0, 2]], mode="constant", constant_values=9),
            t.pad([1, 2, 3], [[2, 2]], mode="reflect"), t.pad([1, 2, 3], [[1, 2]], mode="symmetric"),
            _errs(lambda: t.pad([1, 2], 1), lambda: t.pad([1, 2, 3], 2, mode="reflect"),
                  lambda: t.pad(A, 1, mode="constant")))


# -- indexing ------------------------------------------------------------------------------------------------------

@case
def take_and_friends(tf: Any) -> Any:
    t = _np(tf)
    idx = np.array([[0, 2], [1, 0], [2, 1]])
    return (t.take(A, [0, 5, 11]), t.take(A, [2, 0], axis=1), t.take_along_axis(A[:, :3], idx, axis=1),
            t.take([1, 2, 3], 7, mode="clip"), t.compress([True, False, True], A, axis=0),
            t.compress([0, 1], [5, 6, 7]))


@case
def where_select_nonzero(tf: Any) -> Any:
    t = _np(tf)
    c = A > 0
    return (t.where(c, A, 0), t.where(c, 1, 2.5), t.where([0, 3, 0, 5]), t.nonzero(I32 > 0),
            t.select([A < 0, A > 1], [A, -A], default=7.0), t.count_nonzero(I32), t.count_nonzero(I32 > 2, axis=0))


@case
def ix_and_diag_indices(tf: Any) -> Any:
    t = _np(tf)
    return t.ix_([0, 1], [2, 3, 4]), t.diag_indices(3), t.diag_indices(2, ndim=3), t.meshgrid([1, 2], [3, 4, 5])


# -- math ----------------------------------------------------------------------------------------------------------

@case
def binary_promotion(tf: Any) -> Any:
    t = _np(tf)
    i32 = tf.constant([1, 2], tf.int32)
    f32 = tf.constant([1.5, 2.5], tf.float32)
    return (t.add(i32, f32), t.add(i32, 1.5), t.add(f32, 1), t.multiply(i32, 2), t.add(i32, True),
            t.subtract([1, 2], [0.5, 1]), t.add(tf.constant([1], tf.int64), i32), t.add([True], [False]),
            t.multiply(tf.constant([1], tf.uint8), tf.constant([1], tf.int8)))


@case
def division_family(tf: Any) -> Any:
    t = _np(tf)
    a, b = np.array([7, -7, 5], np.int32), np.array([2, 2, -3], np.int32)
    return (t.divide(a, b), t.true_divide(a, 2), t.floor_divide(a, b), t.mod(a, b), t.remainder(-7.5, 2),
            t.divmod(a, b), t.floor_divide([7.5, -7.5], 2), t.fix([-1.5, 2.7]), t.divide(1, 0.0))


@case
def powers_and_logs(tf: Any) -> Any:
    t = _np(tf)
    x = np.array([0.5, 1.0, 4.0])  # (float64: TF's float32 exp/expm1/log1p differ from NumPy's in the last bit)
    return (t.power(x, 2), t.power([2, 3], 2), t.float_power([2, 3], 2), t.sqrt(x), t.cbrt([-8.0, 27.0]),
            t.square(I32), t.exp(x), t.exp2(x), t.expm1(x), t.log(x), t.log2(x), t.log10(x), t.log1p(x),
            t.logaddexp(x, x), t.logaddexp2(x, 1.0), t.reciprocal(x), t.exp([1.0, 2.0]))


@case
def trig_family(tf: Any) -> Any:
    t = _np(tf)
    x = np.array([-0.5, 0.0, 0.7])
    return (t.sin(x), t.cos(x), t.tan(x), t.arcsin(x), t.arccos(x), t.arctan(x), t.sinh(x), t.cosh(x), t.tanh(x),
            t.arcsinh(x), t.arccosh([1.0, 2.0]), t.arctanh(x), t.arctan2(x, 2.0), t.hypot(3.0, 4.0),
            t.deg2rad(180.0), t.rad2deg(np.pi), t.rad2deg(tf.constant(1.0)), t.sinc(x), t.sin(1.0))


@case
def rounding_sign(tf: Any) -> Any:
    t = _np(tf)
    x = np.array([-2.5, -1.5, -0.4, 0.5, 1.5, 2.51])
    return (t.ceil(x), t.floor(x), t.sign(x), t.sign(I32), t.signbit(x), t.abs(I32), t.absolute(x), t.fabs(I32),
            t.negative(I32), t.positive(x), t.heaviside(x, 0.5), t.nextafter(np.float32(1), np.float32(2)),
            t.clip(x, -1, 1), t.clip(I32, 0, 5), t.clip(x, None, 0), t.maximum(I32, 0), t.minimum([True], [False]))


@case
def comparisons_logic(tf: Any) -> Any:
    t = _np(tf)
    return (t.equal(I32, 3), t.not_equal([1, 2], [1.0, 3.0]), t.less(I32, 1), t.less_equal(1, 1.0),
            t.greater(A, 0), t.greater_equal(I32, I32), t.logical_and([1, 0], [1, 1]), t.logical_or(0, [0, 2.0]),
            t.logical_xor([True, False], True), t.logical_not([0, 3]), t.isclose([1.0, 1.1], 1.0),
            t.allclose([1.0, 1.0 + 1e-9], 1.0), t.array_equal([1, 2], [1, 2]), t.array_equal([1, 2], [1, 2, 3]))


@case
def float_classes(tf: Any) -> Any:
    t = _np(tf)
    x = np.array([1.0, np.inf, -np.inf, np.nan])
    xt = tf.constant(x)
    return (t.isfinite(xt), t.isinf(xt), t.isnan(xt), t.isposinf(xt), t.isneginf(xt), t.isreal([1, 2j]),
            t.iscomplex([1, 2j]), t.isrealobj(1.0), t.iscomplexobj(np.array([1j])), t.real([1 + 2j]), t.imag(3.0),
            t.conj([1 + 2j]), t.conjugate(2.0), t.angle([1j, -1.0]), t.angle(1j, deg=True))


@case
def integer_math(tf: Any) -> Any:
    t = _np(tf)
    a, b = np.array([12, 18, -8], np.int32), np.array([8, 12, 6], np.int32)
    return (t.gcd(a, b), t.lcm(a, b), t.bitwise_and(a, b), t.bitwise_or(a, 1), t.bitwise_xor(a, b),
            t.bitwise_not(a), t.bitwise_and([True, False], True), t.gcd(0, 0))


@case
def reductions_basic(tf: Any) -> Any:
    t = _np(tf)
    return (t.sum(A), t.sum(I32), t.sum(I32, axis=0), t.sum(A, axis=1, keepdims=True), t.sum([True, True]),
            t.prod(I32, axis=1), t.mean(I32), t.mean(A, axis=0), t.amax(A), t.max(I32, axis=1), t.amin(A, 0),
            t.min([3, 1]), t.ptp(I32), t.ptp(A, axis=1), t.sum(A, dtype=t.float64), t.sum(np.int8([100, 100])))


@case
def reductions_stats(tf: Any) -> Any:
    t = _np(tf)
    return (t.var(A), t.std(A, axis=0), t.var(I32), t.average(A),
            t.average(A, axis=1, weights=[1, 2, 3, 4]), t.std(I32), t.mean([1, 2], dtype=t.float32))


@case
def reductions_nan_any_all(tf: Any) -> Any:
    t = _np(tf)
    x = np.array([[1.0, np.nan], [3.0, 4.0]])
    return (t.nansum(x), t.nanmean(x, axis=0), t.nanprod(x), t.all(I32), t.any(I32 > 8, axis=1), t.all([]),
            t.any(A, keepdims=True))


@case
def arg_and_sort(tf: Any) -> Any:
    t = _np(tf)
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, -1.0]])
    return (t.argmax(x), t.argmax(x, axis=1), t.argmin(x, 0), t.argsort(x), t.argsort(x, axis=0), t.sort(x),
            t.sort(x, axis=None), t.sort(I32, axis=0), t.argsort([3, 1, 2], kind="stable"))


@case
def scans_diffs(tf: Any) -> Any:
    t = _np(tf)
    return (t.cumsum(I32), t.cumsum(A, axis=0), t.cumprod([1, 2, 3]), t.cumprod(A, axis=1, dtype=t.float64),
            t.diff([1, 4, 9, 16]), t.diff(A, n=2, axis=1), t.diff(I32, axis=0), _errs(lambda: t.cumsum([True, True])))


@case
def products(tf: Any) -> Any:
    t = _np(tf)
    v = np.array([1.0, 2.0, 3.0])
    return (t.dot(v, v), t.dot(A.T, A), t.dot(2, A).shape, t.matmul(A, A.T), t.matmul(I32, [1, 1, 1]), t.inner(v, v),
            t.inner(A, A), t.outer([1, 2], [3, 4, 5]), t.vdot([1 + 1j, 2], [1, 1j]), t.cross([1, 0, 0], [0, 1, 0]),
            t.cross([1.0, 2.0], [3.0, 4.0]), t.kron([1, 2], [[1, 1]]), t.tensordot(A, A, axes=[[0], [0]]).shape,
            t.tensordot(v, v, 1), t.einsum("ij,kj->ik", A, A), t.einsum("ii", np.eye(2)), t.dot(I32, A[:3]))


@case
def polynomial(tf: Any) -> Any:
    t = _np(tf)
    return t.polyval([1, 2, 3], 2), t.polyval([1.0, 0.0], [1, 2])


@case
def misc_copy_size(tf: Any) -> Any:
    t = _np(tf)
    return t.copy(A).shape, t.copy([1, 2]), t.array_equal(t.copy(I32), I32)


# -- errors --------------------------------------------------------------------------------------------------------

@case
def error_classes(tf: Any) -> Any:
    t = _np(tf)
    return _errs(lambda: t.reshape(A, [5, 5]), lambda: t.add([1, 2], [1, 2, 3]), lambda: t.full_like(A, 1, order="C"),
                 lambda: t.array([1], ndmin=40), lambda: t.random.randint(0, 5, dtype=t.float32),
                 lambda: t.matmul([1.0], [[1.0], [2.0]]), lambda: t.take([1, 2], 5, mode="bad"))


# -- gradients -----------------------------------------------------------------------------------------------------

@case
def gradients_through_tnp(tf: Any) -> Any:
    t = _np(tf)
    x = tf.constant(np.array([[0.5, -1.0], [2.0, 3.0]]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y1 = t.sum(t.sin(x) * t.exp(x))
        y2 = t.mean(t.power(x, 3))
        y3 = t.prod(t.abs(x))
        y4 = t.sum(t.take_along_axis(x, np.array([[1], [0]]), axis=1) ** 2)
        y5 = t.sum(t.where(x > 0, t.sqrt(t.abs(x)), t.square(x)))
        y6 = t.std(x)
        y7 = t.sum(t.einsum("ij,jk->ik", x, x))
        y8 = t.sum(t.diff(t.cumsum(x, axis=1), axis=0))
    return [tape.gradient(y, x) for y in (y1, y2, y3, y4, y5, y6, y7, y8)]


@case
def gradients_of_int_path_is_none(tf: Any) -> Any:
    t = _np(tf)
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(t.sum(t.argmax(x)), tf.float32) + t.sum(t.floor(x))
    return tape.gradient(y, x)


# -- random --------------------------------------------------------------------------------------------------------

@case
def random_shapes_dtypes(tf: Any) -> Any:
    r = _np(tf).random
    r.seed(7)
    return [(x.shape, x.dtype.name) for x in (r.randn(2, 3), r.rand(4), r.random([2]), r.uniform(1.0, 2.0, [3]),
                                              r.standard_normal(2), r.randint(0, 10, 5), r.randint(3, size=(2,),
                                              dtype=np.int32), r.poisson(2.0, 3))]


@case
def random_values_seeded(tf: Any) -> Any:
    r = _np(tf).random
    r.seed(11)
    return r.randn(3), r.uniform(0.0, 1.0, [2]), r.randint(0, 100, 4), r.rand(2)


@case
def random_in_range(tf: Any) -> Any:
    r = _np(tf).random
    r.seed(3)
    u = r.uniform(-2.0, -1.0, [100])
    k = r.randint(5, 8, 200)
    return bool(np.all(u.numpy() >= -2) and np.all(u.numpy() < -1)), sorted(set(k.numpy().tolist()))


# -- prefer_float32 / numpy behaviour (last: TF cannot switch them off within a process) --------------------------

@case
def zz_numpy_behavior_methods(tf: Any) -> Any:
    t = _np(tf)
    t.experimental_enable_numpy_behavior()
    x = tf.constant(A)
    return (x.T, x.reshape(2, 6), x.reshape([-1]), x.ravel(), x.astype(tf.int32), x.ndim, x.size, x.clip(0, 1),
            x.transpose(), x.flatten(), x.max(), x.mean(axis=0), x.min(1), x.tolist(), round(tf.constant(1.6)),
            x.data.shape)


@case
def zz_integer_inputs_to_float_functions(tf: Any) -> Any:
    """(Without numpy behaviour TF-NumPy's float functions fail on integers: they call ``Tensor.astype``.)"""
    t = _np(tf)
    x = np.array([-2.5, -1.5, -0.4, 0.5, 1.5, 2.51])
    return (t.sqrt(4), t.exp([1, 2]), t.hypot(3, 4), t.deg2rad(180), t.sin(1), t.around(x), t.round(x, 1),
            t.ceil(I32), t.isfinite(I32), t.average(I32, axis=0, returned=True), t.log(I32), t.around([1.25, 2.5]))


@case
def zz_numpy_behavior_promotion(tf: Any) -> Any:
    i32 = tf.constant([1, 2], tf.int32)
    f32 = tf.constant([1.5, 2.5], tf.float32)
    return (i32 + f32, i32 + 1.5, f32 + 1, i32 * 2, i32 + tf.constant([1], tf.int64), f32 * 2.0, i32 / 2,
            tf.constant([True]) + tf.constant([1]), i32 - tf.constant([0.5], tf.float64), 2 ** i32, f32 > 1,
            i32 // tf.constant([2], tf.int64), i32 @ tf.constant([1.0, 2.0]), f32 == i32, i32 % 1.5, -i32,
            _errs(lambda: tf.add(i32, f32)), tf.constant(1.0) + tf.Variable(2, dtype=tf.int32),
            tf.Variable(2, dtype=tf.int32) + 1.5)


@case
def zz_numpy_behavior_comparisons_and_variables(tf: Any) -> Any:
    i32 = tf.constant([1, 2], tf.int32)
    f32 = tf.constant([1.5, 2.5], tf.float32)
    v = tf.Variable([1, 2], dtype=tf.int32)
    return (f32 > i32, i32 < 1.5, i32 >= tf.constant([1], tf.int64), f32 <= 2, v + 1.5, v * f32,
            _errs(lambda: v.T, lambda: v.reshape(2, 1), lambda: v.astype(tf.float32)), i32 & tf.constant([3], tf.int64),
            tf.constant([True, False]) | tf.constant([1, 0]), i32 ** 0.5, i32 == 1.0, i32 != None,  # noqa: E711
            f32[tf.constant([0, 1])], f32[np.array([1, 0])])


@case
def zz_numpy_behavior_indexing(tf: Any) -> Any:
    x = tf.constant(A)
    return x[[0, 2]], x[:, [1, 3]], x[x > 1], x[np.array([True, False, True])], x[[0, 1], [1, 2]]


@case
def zz_prefer_float32(tf: Any) -> Any:
    t = _np(tf)
    t.experimental_enable_numpy_behavior(prefer_float32=True)
    out = (t.array(1.5), t.array([1, 2.5]), t.zeros(2), t.arange(2.0), t.add(tf.constant([1], tf.int32), 1.5),
           tf.constant([1], tf.int32) + 0.5, t.linspace(0, 1, 2), t.random.randn(1).dtype, t.result_type(1.0),
           t.mean([1, 2]), t.array(1 + 1j))
    t.experimental_enable_numpy_behavior(prefer_float32=False)
    return out


if __name__ == "__main__":
    _main(CASES)
