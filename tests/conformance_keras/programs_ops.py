"""Keras conformance programs for ``keras.ops``: every op on a few inputs and dtypes (values, shapes, dtypes and
exception types), gradients of the differentiable ones, and ``keras.random`` draws.

One program per op, ``ops_<name>``; each returns a list of results (a caught exception is a result). Registered
into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from .programs import PROGRAMS, caught
except ImportError:  # run_tf.py run as a script
    from programs import PROGRAMS, caught  # type: ignore[no-redef]

_R = np.random.default_rng(2026)
F = _R.standard_normal((3, 4)).astype(np.float32)          # float32 matrix
G = _R.standard_normal((3, 4)).astype(np.float32)
P = (_R.random((3, 4)) * 0.8 + 0.1).astype(np.float32)     # in (0.1, 0.9)
I = _R.integers(-5, 6, (3, 4)).astype(np.int32)             # noqa: E741
J = _R.integers(1, 6, (3, 4)).astype(np.int32)
U8 = _R.integers(0, 200, (3, 4)).astype(np.uint8)
I8 = _R.integers(-100, 100, (3, 4)).astype(np.int8)
H = F.astype(np.float16)
D = F.astype(np.float64)
B = F > 0
V = _R.standard_normal(5).astype(np.float32)
SQ = (_R.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
SPD = (SQ @ SQ.T + np.eye(3)).astype(np.float32)
IMG = _R.random((2, 6, 5, 3)).astype(np.float32)
NAN = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [-np.inf, 2.0, np.inf]], np.float32)
NAN2 = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [-4.0, 2.0, 0.5]], np.float32)  # no infinities

DTYPE_INPUTS = (F, I, U8, I8, H, D, B)
FLOAT_INPUTS = (F, H, D)

# name -> list of calls taking ``ops``
CASES: dict[str, list[Callable[[Any], Any]]] = {}


def cases(name: str, *calls: Callable[[Any], Any]) -> None:
    CASES.setdefault(name, []).extend(calls)


def _unary_all(name: str, *inputs: Any) -> None:
    cases(name, *[(lambda o, x=x: getattr(o, name)(x)) for x in (inputs or DTYPE_INPUTS)])


for _n in ("abs", "absolute", "arccos", "arcsin", "arctan", "arcsinh", "arctanh", "cbrt", "ceil", "conj",
           "conjugate", "cos", "cosh", "deg2rad", "exp", "exp2", "expm1", "fabs", "floor", "isfinite", "isinf",
           "isnan", "isneginf", "isposinf", "isreal", "log", "log10", "log1p", "log2", "logical_not", "negative",
           "rad2deg", "real", "imag", "reciprocal", "round", "sign", "signbit", "sin", "sinc", "sinh", "sqrt",
           "square", "tan", "tanh", "trunc", "angle", "copy", "ravel", "size", "ndim", "count_nonzero", "sort",
           "argsort", "flip", "transpose", "nan_to_num", "cumsum", "cumprod", "all", "any", "sum", "prod", "mean",
           "var", "std", "max", "min", "amax", "amin", "ptp", "argmax", "argmin", "median", "bitwise_invert",
           "bitwise_not", "zeros_like", "ones_like", "empty_like", "squeeze", "tril", "triu", "diagonal", "trace",
           "diag", "fliplr", "flipud", "rot90", "average", "nansum", "nanmean", "nanmax", "nanmin", "nanprod",
           "nanvar", "nanstd", "nancumsum", "nancumprod", "nanargmax", "nanargmin", "nanmedian", "corrcoef",
           "diff", "trapezoid", "dtype", "convert_to_tensor", "stop_gradient", "shape", "unstack", "nonzero"):
    _unary_all(_n)
# i0 of uint8 values near 90 overflows to inf in Keras-on-TF's float32 series; tapegrad's stays finite (5e37)
_unary_all("i0", F, I, I8, H, D, B)
for _n in ("arccosh",):
    _unary_all(_n, F + 2, I + 6, D + 2)
for _n in ("sum", "prod", "mean", "var", "std", "max", "min", "argmax", "argmin", "all", "any", "median",
           "cumsum", "cumprod", "sort", "argsort", "nansum", "nanmean", "count_nonzero", "ptp", "average",
           "nanmax", "nanmin", "nanvar", "logsumexp", "flip"):
    cases(_n, lambda o, n=_n: getattr(o, n)(F, axis=1), lambda o, n=_n: getattr(o, n)(I, axis=0),
          lambda o, n=_n: getattr(o, n)(F, axis=-1))
for _n in ("sum", "prod", "mean", "var", "std", "max", "min", "all", "any", "median", "argmax", "argmin", "ptp",
           "nansum", "nanmean", "logsumexp", "nanmax", "nanmin", "nanvar", "nanstd", "nanmedian", "nanargmax"):
    cases(_n, lambda o, n=_n: getattr(o, n)(F, axis=0, keepdims=True),
          lambda o, n=_n: getattr(o, n)(F, keepdims=True))
for _n in ("nanmax", "nanmin", "nanargmax", "nanargmin", "nan_to_num", "isnan", "isinf", "isfinite", "isposinf",
           "isneginf"):
    cases(_n, lambda o, n=_n: getattr(o, n)(NAN), lambda o, n=_n: getattr(o, n)(NAN[0]))
# Keras's nan* sums and statistics map +-inf to +-max (nan_to_num); tapegrad keeps infinities (NumPy): no infs here
for _n in ("nansum", "nanmean", "nanprod", "nanvar", "nanstd", "nancumsum", "nancumprod", "nanmedian"):
    cases(_n, lambda o, n=_n: getattr(o, n)(NAN2), lambda o, n=_n: getattr(o, n)(NAN2[0]))
for _n in ("max", "min"):
    cases(_n, lambda o, n=_n: getattr(o, n)(F, initial=0.5), lambda o, n=_n: getattr(o, n)(np.zeros((0, 2))))

BIN_PAIRS = ((F, G), (F, I), (I, J), (I8, U8), (H, F), (H, I), (F, 2), (I, 2.5), (H, 2.0), (U8, 3), (B, B),
             (D, F), (F, V[:4]), (I8, I8))
for _n in ("add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod",
           "fmod", "power", "maximum", "minimum", "fmax", "fmin", "arctan2", "hypot", "logaddexp", "logaddexp2",
           "heaviside", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
           "logical_or", "logical_xor", "isclose", "allclose", "nextafter", "copysign"):
    cases(_n, *[(lambda o, a=a, b=b, n=_n: getattr(o, n)(a, b)) for a, b in BIN_PAIRS])
for _n in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "left_shift",
           "right_shift", "gcd", "lcm"):
    cases(_n, *[(lambda o, a=a, b=b, n=_n: getattr(o, n)(a, b)) for a, b in
                ((I, J), (I8, U8), (U8, 2), (I, F), (B, B))])
cases("ldexp", lambda o: o.ldexp(F, I), lambda o: o.ldexp(I, J), lambda o: o.ldexp(F, F))
for _n in ("matmul", "dot", "inner", "outer", "vdot", "kron", "tensordot"):
    cases(_n, lambda o, n=_n: getattr(o, n)(F, G.T), lambda o, n=_n: getattr(o, n)(I, J.T),
          lambda o, n=_n: getattr(o, n)(I8, I8.T), lambda o, n=_n: getattr(o, n)(V, V),
          lambda o, n=_n: getattr(o, n)(H, F.T))
    if _n != "tensordot":  # Keras-on-TF's tensordot with a scalar fails inside TF with an IndexError
        cases(_n, lambda o, n=_n: getattr(o, n)(F, 2.0))
cases("matmul", lambda o: o.matmul(np.ones((2, 3, 4), np.float32), F.T), lambda o: o.matmul(V[:4], F.T),
      lambda o: o.matmul(F, V[:4]), lambda o: o.matmul(B, B.T), lambda o: o.matmul(F, F))
cases("tensordot", lambda o: o.tensordot(F, G, axes=[[0, 1], [0, 1]]), lambda o: o.tensordot(F, G.T, axes=1))
cases("einsum", lambda o: o.einsum("ij,jk->ik", F, G.T), lambda o: o.einsum("ij->j", I),
      lambda o: o.einsum("ij,ij->i", I8, I8), lambda o: o.einsum("i,j->ij", V, V), lambda o: o.einsum("ii", SQ),
      lambda o: o.einsum("ij,jk", H, F.T))
cases("cross", lambda o: o.cross(F[:, :3], G[:, :3]), lambda o: o.cross(F[:, :2], G[:, :3]),
      lambda o: o.cross(F[:, :2], G[:, :2]), lambda o: o.cross(I[:, :3], J[:, :3]), lambda o: o.cross(F, G))
cases("clip", lambda o: o.clip(F, -0.5, 0.5), lambda o: o.clip(I, -2, 2), lambda o: o.clip(B, 0, 1),
      lambda o: o.clip(U8, 10, 100), lambda o: o.clip(I, -2.5, 2.5), lambda o: o.clip(H, -1, 1))
cases("where", lambda o: o.where(B, F, G), lambda o: o.where(B, I, F), lambda o: o.where(B, 1, 0),
      lambda o: o.where(B, F, 0.0), lambda o: o.where(B), lambda o: o.where(B, I8, U8), lambda o: o.where(B, F))
cases("round", lambda o: o.round(F, 2), lambda o: o.round(I * 17, -1), lambda o: o.round(np.array([0.5, 1.5, 2.5])))

# creation
cases("arange", lambda o: o.arange(5), lambda o: o.arange(1, 7, 2), lambda o: o.arange(0.0, 1.0, 0.25),
      lambda o: o.arange(5, dtype="float16"), lambda o: o.arange(2, 10, 3, dtype="int64"),
      lambda o: o.arange(0, 5, 0.5), lambda o: o.arange(10, 0, -3))
cases("linspace", lambda o: o.linspace(0, 1, 5), lambda o: o.linspace(0, 10, 4, endpoint=False),
      lambda o: o.linspace(2.0, 3.0, 5, dtype="float64"), lambda o: o.linspace(0, 10, 5, dtype="int32"),
      lambda o: o.linspace(0, 1, 5, retstep=True), lambda o: o.linspace(np.zeros(2), np.ones(2), 3),
      lambda o: o.linspace(np.zeros(2), np.ones(2), 3, axis=1), lambda o: o.linspace(0, 1, 1))
cases("logspace", lambda o: o.logspace(0, 2, 3), lambda o: o.logspace(0, 3, 4, base=2),
      lambda o: o.logspace(0, 1, 4, endpoint=False))
cases("geomspace", lambda o: o.geomspace(1, 1000, 4), lambda o: o.geomspace(1, 16, 4, endpoint=False),
      lambda o: o.geomspace(-1, -100, 3))
for _n in ("zeros", "ones", "empty"):
    cases(_n, lambda o, n=_n: getattr(o, n)((2, 3)), lambda o, n=_n: getattr(o, n)(3, dtype="int32"),
          lambda o, n=_n: getattr(o, n)([2, 2], dtype="bool"))
cases("full", lambda o: o.full((2, 2), 3), lambda o: o.full((2,), 1.5), lambda o: o.full((2, 2), 7, "float16"),
      lambda o: o.full((2, 2), np.array([1, 2])))
cases("full_like", lambda o: o.full_like(F, 2), lambda o: o.full_like(I, 2.7), lambda o: o.full_like(F, 1, "int8"))
cases("zeros_like", lambda o: o.zeros_like(F, dtype="int32"))
cases("ones_like", lambda o: o.ones_like(I, dtype="float16"))
# Keras-on-TF adds k to the shape for k != 0 (a bug): only k = 0 is compared; tests/test_keras_ops.py checks k
cases("eye", lambda o: o.eye(3), lambda o: o.eye(2, 4), lambda o: o.eye(3, dtype="int32"))
cases("identity", lambda o: o.identity(3), lambda o: o.identity(2, dtype="int64"))
cases("tri", lambda o: o.tri(3), lambda o: o.tri(3, 4, 1), lambda o: o.tri(3, k=-1, dtype="int32"))
cases("tril", lambda o: o.tril(F, 1), lambda o: o.tril(F, -1))
cases("triu", lambda o: o.triu(F, 1), lambda o: o.triu(np.ones((2, 3, 3)), -1))
cases("array", lambda o: o.array([1, 2]), lambda o: o.array([1.0, 2]), lambda o: o.array(F, dtype="float16"),
      lambda o: o.array(I, "float32"))
cases("convert_to_tensor", lambda o: o.convert_to_tensor(3), lambda o: o.convert_to_tensor(2.5),
      lambda o: o.convert_to_tensor([1, 2]), lambda o: o.convert_to_tensor(True), lambda o: o.convert_to_tensor(
          [1, 2], dtype="float16"), lambda o: o.convert_to_tensor(np.float64(1.5)))
cases("convert_to_numpy", lambda o: o.convert_to_numpy(F), lambda o: o.convert_to_numpy([1, 2]))
for _n in ("bartlett", "blackman", "hamming", "hanning"):
    cases(_n, lambda o, n=_n: getattr(o, n)(5), lambda o, n=_n: getattr(o, n)(1), lambda o, n=_n: getattr(o, n)(8))
cases("kaiser", lambda o: o.kaiser(5, 2.0), lambda o: o.kaiser(8, 14.0))
cases("meshgrid", lambda o: o.meshgrid(V[:2], V[:3]), lambda o: o.meshgrid(V[:2], V[:3], indexing="ij"),
      lambda o: o.meshgrid(I[0], V))
cases("vander", lambda o: o.vander(V[:3]), lambda o: o.vander(I[0], 3, increasing=True))

# shape and joining
cases("reshape", lambda o: o.reshape(F, (4, 3)), lambda o: o.reshape(F, (-1,)), lambda o: o.reshape(I, [2, -1]),
      lambda o: o.reshape(F, (5, 5)))
cases("expand_dims", lambda o: o.expand_dims(F, 0), lambda o: o.expand_dims(F, -1), lambda o: o.expand_dims(F,
                                                                                                       (0, 2)))
cases("squeeze", lambda o: o.squeeze(np.ones((1, 3, 1))), lambda o: o.squeeze(np.ones((1, 3, 1)), 0),
      lambda o: o.squeeze(np.ones((1, 3, 1)), (0, -1)), lambda o: o.squeeze(F, 0))
cases("transpose", lambda o: o.transpose(np.ones((2, 3, 4)), (1, 0, 2)), lambda o: o.transpose(F, (0,)))
cases("swapaxes", lambda o: o.swapaxes(np.ones((2, 3, 4)), 0, 2), lambda o: o.swapaxes(F, 0, 1))
cases("moveaxis", lambda o: o.moveaxis(np.zeros((2, 3, 4)), 0, -1), lambda o: o.moveaxis(np.zeros((2, 3, 4)),
                                                                                         [0, 1], [-1, -2]))
cases("broadcast_to", lambda o: o.broadcast_to(V, (2, 5)), lambda o: o.broadcast_to(3, (2,)))
cases("flip", lambda o: o.flip(F, (0, 1)))
# Keras-on-TF gets k=2 wrong (not a 180-degree turn); NumPy is followed and unit-tested
cases("rot90", lambda o: o.rot90(F, 3), lambda o: o.rot90(F, -1),
      lambda o: o.rot90(np.arange(24).reshape(2, 3, 4), 1, (1, 2)))
cases("roll", lambda o: o.roll(F, 2), lambda o: o.roll(F, 1, 0), lambda o: o.roll(F, -1, 1))
cases("tile", lambda o: o.tile(V[:2], 3), lambda o: o.tile(F, (2, 1)), lambda o: o.tile(V[:2], (2, 2)))
cases("repeat", lambda o: o.repeat(F, 2), lambda o: o.repeat(F, 2, axis=0), lambda o: o.repeat(F, [1, 2, 0],
                                                                                               axis=0))
cases("concatenate", lambda o: o.concatenate([F, G]), lambda o: o.concatenate([F, I], 1),
      lambda o: o.concatenate([I8, U8]))
cases("append", lambda o: o.append(F, G), lambda o: o.append(F, G, axis=0), lambda o: o.append(I, F, axis=1))
cases("stack", lambda o: o.stack([F, G]), lambda o: o.stack([F, I], 1), lambda o: o.stack([I8, U8], -1))
for _n in ("hstack", "vstack", "dstack"):
    cases(_n, lambda o, n=_n: getattr(o, n)([F, G]), lambda o, n=_n: getattr(o, n)([V, V]),
          lambda o, n=_n: getattr(o, n)([F, I]))
cases("split", lambda o: o.split(F, 3), lambda o: o.split(F, [1, 3], axis=1), lambda o: o.split(F, 2, axis=1),
      lambda o: o.split(F, 2))
cases("array_split", lambda o: o.array_split(F, 2), lambda o: o.array_split(V, 3))
cases("hsplit", lambda o: o.hsplit(F, 2), lambda o: o.hsplit(V[:4], 2))
cases("vsplit", lambda o: o.vsplit(F, 3), lambda o: o.vsplit(F, [2]))
cases("dsplit", lambda o: o.dsplit(np.ones((2, 2, 4)), 2))
# Keras-on-TF does not broadcast a scalar or (before, after) pad_width (TF raises); tapegrad follows NumPy, so those
# are unit-tested against NumPy instead (tests/test_keras_ops.py)
cases("pad", lambda o: o.pad(F, ((1, 0), (0, 2))), lambda o: o.pad(F, ((1, 1), (1, 1)), "reflect"),
      lambda o: o.pad(F, ((2, 2), (2, 2)), "symmetric"), lambda o: o.pad(I, ((1, 1), (1, 1)), constant_values=7),
      lambda o: o.pad(F, 1, "wrap"))
cases("diagonal", lambda o: o.diagonal(F, 1), lambda o: o.diagonal(F, -1), lambda o: o.diagonal(np.ones((2, 3, 3)),
                                                                                              0, 1, 2))
cases("trace", lambda o: o.trace(F, 1), lambda o: o.trace(np.ones((2, 3, 3)), 0, 1, 2))
cases("diag", lambda o: o.diag(V[:3]), lambda o: o.diag(V[:3], 1), lambda o: o.diag(V[:3], -2),
      lambda o: o.diag(F, 1), lambda o: o.diag(np.ones((2, 2, 2))))
cases("diagflat", lambda o: o.diagflat(F[:2, :2]), lambda o: o.diagflat(V[:2], 1))
cases("diff", lambda o: o.diff(F, 2), lambda o: o.diff(F, axis=0), lambda o: o.diff(B))

# indexing and sorting
IDX = np.array([[0, 2], [1, -1]], np.int32)
cases("take", lambda o: o.take(F, IDX), lambda o: o.take(F, IDX, axis=1), lambda o: o.take(F, [0, 2], axis=0),
      lambda o: o.take(V, 2), lambda o: o.take(F, np.array([1, 0], np.int64), axis=-1))
cases("take_along_axis", lambda o: o.take_along_axis(F, np.argsort(F, 1), 1),
      lambda o: o.take_along_axis(F, np.argsort(F, 0), 0), lambda o: o.take_along_axis(F, np.array([[0], [1], [2]]),
                                                                                        1),
      lambda o: o.take_along_axis(V, np.array([4, 0]), None))
cases("get_item", lambda o: o.get_item(o.convert_to_tensor(F), 1),
      lambda o: o.get_item(o.convert_to_tensor(F), (slice(0, 2), 1)))
cases("searchsorted", lambda o: o.searchsorted(np.sort(V), V), lambda o: o.searchsorted(np.sort(V), V, "right"),
      lambda o: o.searchsorted(np.array([1, 3, 5]), np.array([[0, 3], [6, 4]])))
cases("digitize", lambda o: o.digitize(V, np.array([-1.0, 0.0, 1.0])), lambda o: o.digitize(I, np.array([0, 2])))
cases("isin", lambda o: o.isin(I, np.array([1, 2, 3])), lambda o: o.isin(I, [0], invert=True))
# Keras-on-TF swaps the coordinate arrays of N-D indices (NumPy is followed; unit-tested)
cases("unravel_index", lambda o: o.unravel_index(np.array([1, 5, 7]), (2, 4)),
      lambda o: o.unravel_index(np.array([5, 0]), (3, 2)))
cases("unique", lambda o: o.unique(I), lambda o: o.unique(I, return_counts=True),
      lambda o: o.unique(I, return_index=True, return_inverse=True), lambda o: o.unique(np.array([3, 1, 1]), size=4))
cases("select", lambda o: o.select([F > 0.5, F < -0.5], [F, -F]), lambda o: o.select([B], [I], 9))
cases("nonzero", lambda o: o.nonzero(I))
cases("bincount", lambda o: o.bincount(np.array([0, 1, 1, 3])), lambda o: o.bincount(np.array([0, 1, 1]),
                                                                                      minlength=5),
      lambda o: o.bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0])),
      lambda o: o.bincount(np.array([[0, 1], [1, 1]])))
cases("histogram", lambda o: o.histogram(V, 3), lambda o: o.histogram(V, 4, (-1, 1)))
cases("quantile", lambda o: o.quantile(F, 0.3), lambda o: o.quantile(F, [0.25, 0.75], axis=1),
      lambda o: o.quantile(I, 0.5, axis=0, keepdims=True), lambda o: o.quantile(F, 0.4, method="lower"),
      lambda o: o.quantile(F, 0.4, method="higher"), lambda o: o.quantile(F, 0.4, method="nearest"),
      lambda o: o.quantile(F, 0.4, method="midpoint"))
cases("percentile", lambda o: o.percentile(F, 30), lambda o: o.percentile(F, [10, 90], axis=0))
cases("nanquantile", lambda o: o.nanquantile(NAN2, 0.5), lambda o: o.nanquantile(NAN2, 0.5, axis=1))
cases("nanpercentile", lambda o: o.nanpercentile(NAN2, 50, axis=0))
cases("median", lambda o: o.median(np.array([[1.0, np.nan]])))
cases("correlate", lambda o: o.correlate(V, V[:3]), lambda o: o.correlate(V, V[:3], "same"),
      lambda o: o.correlate(V, V[:3], "full"), lambda o: o.correlate(I[0], J[0], "full"))
cases("trapezoid", lambda o: o.trapezoid(F, dx=0.5), lambda o: o.trapezoid(V, np.arange(5.0) ** 2),
      lambda o: o.trapezoid(F, axis=0))
cases("average", lambda o: o.average(F, 1, np.array([1.0, 2.0, 3.0, 4.0])), lambda o: o.average(I, 0, [1, 2, 3]))
cases("view", lambda o: o.view(F, "int32"), lambda o: o.view(I, "float32"))
cases("cumsum", lambda o: o.cumsum(I, dtype="float32"), lambda o: o.cumsum(B))

# core
cases("cast", lambda o: o.cast(F, "int32"), lambda o: o.cast(I, "float16"), lambda o: o.cast(F, "bool"),
      lambda o: o.cast(3, "float32"))
cases("saturate_cast", lambda o: o.saturate_cast(F * 300, "uint8"), lambda o: o.saturate_cast(I * 100, "int8"),
      lambda o: o.saturate_cast(np.array([-1.0, 1e10]), "int32"))
cases("is_tensor", lambda o: o.is_tensor(F), lambda o: o.is_tensor(o.convert_to_tensor(F)))
cases("slice", lambda o: o.slice(F, (1, 1), (2, 2)), lambda o: o.slice(I, [0, 2], [3, 2]))
cases("slice_update", lambda o: o.slice_update(F, (1, 1), np.ones((2, 2), np.float32)),
      lambda o: o.slice_update(I, [0, 0], np.zeros((1, 4), np.int32)))
cases("scatter", lambda o: o.scatter(np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0]), (3, 4)),
      lambda o: o.scatter(np.array([[1], [0]]), np.ones((2, 3)), (2, 3)))
cases("scatter_update", lambda o: o.scatter_update(F, np.array([[0, 1], [2, 3]]), np.array([9.0, 8.0])),
      lambda o: o.scatter_update(I, np.array([[1]]), np.zeros((1, 4), np.int32)))
cases("unstack", lambda o: o.unstack(F, axis=1), lambda o: o.unstack(F, 3))
cases("cond", lambda o: o.cond(True, lambda: F, lambda: G), lambda o: o.cond(o.less(1, 0), lambda: 1.0,
                                                                              lambda: 2.0))
cases("switch", lambda o: o.switch(1, [lambda x: x + 1, lambda x: x * 2], F),
      lambda o: o.switch(5, [lambda x: x + 1, lambda x: x * 2], F))
cases("while_loop", lambda o: o.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s * 2), (0, 1.0)),
      lambda o: o.while_loop(lambda x: o.sum(x) < 100, lambda x: x * 2, F * 0 + 1),
      lambda o: o.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7))
cases("fori_loop", lambda o: o.fori_loop(0, 4, lambda i, x: x + i, 0), lambda o: o.fori_loop(1, 3, lambda i, x: x *
                                                                                              2.0, F))
cases("scan", lambda o: o.scan(lambda c, x: (c + x, c * x), 0.0, V),
      lambda o: o.scan(lambda c, x: (c + x, None), F[0], F),
      lambda o: o.scan(lambda c, x: (c * 2, c), 1.0, length=3),
      lambda o: o.scan(lambda c, x: (c + x, c), 0.0, V, reverse=True))
cases("associative_scan", lambda o: o.associative_scan(lambda a, b: a + b, V),
      lambda o: o.associative_scan(lambda a, b: a * b, F, axis=1),
      lambda o: o.associative_scan(lambda a, b: a + b, V, reverse=True))
cases("map", lambda o: o.map(lambda x: x * 2, F), lambda o: o.map(lambda x: o.sum(x), I))
cases("vectorized_map", lambda o: o.vectorized_map(lambda x: x * 2, F))

# nn
for _n in ("relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid", "leaky_relu",
           "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu", "gelu", "celu", "glu", "hard_tanh",
           "hard_shrink", "tanh_shrink", "squareplus", "sparse_plus", "sparse_sigmoid", "softmax", "log_softmax",
           "normalize"):
    cases(_n, *[(lambda o, x=x, n=_n: getattr(o, n)(x * 3)) for x in (F, H, D)],
          lambda o, n=_n: getattr(o, n)(I))
# Keras returns integers unchanged-in-dtype for these (computing in int); tapegrad refuses integer input
for _n in ("soft_shrink", "rms_normalization", "layer_normalization"):
    cases(_n, *[(lambda o, x=x, n=_n: getattr(o, n)(x * 3)) for x in (F, H, D)])
cases("gelu", lambda o: o.gelu(F, approximate=False))
cases("elu", lambda o: o.elu(F, alpha=0.5))
cases("celu", lambda o: o.celu(F, alpha=2.0))
cases("leaky_relu", lambda o: o.leaky_relu(F, 0.1))
cases("threshold", lambda o: o.threshold(F, 0.2, -1.0), lambda o: o.threshold(I, 1, 0))
cases("hard_shrink", lambda o: o.hard_shrink(F, 1.0))
cases("softmax", lambda o: o.softmax(F, axis=0), lambda o: o.softmax(F, axis=None),
      lambda o: o.softmax(np.ones((2, 3, 4), np.float32) * F[0], axis=(1, 2)))
cases("log_softmax", lambda o: o.log_softmax(F, axis=0))
cases("glu", lambda o: o.glu(F, axis=0))
cases("normalize", lambda o: o.normalize(F, axis=0), lambda o: o.normalize(F, order=1),
      lambda o: o.normalize(np.zeros((2, 2), np.float32)))
cases("one_hot", lambda o: o.one_hot(np.array([0, 2, 5]), 4), lambda o: o.one_hot(np.array([[1], [0]]), 3, axis=0),
      lambda o: o.one_hot(np.array([1, 2]), 3, dtype="int32"), lambda o: o.one_hot(np.array([1.0, 2.0]), 3))
cases("multi_hot", lambda o: o.multi_hot(np.array([[0, 2], [1, 1]]), 4),
      lambda o: o.multi_hot(np.array([0, 2]), 3), lambda o: o.multi_hot(np.array([[0, 2]]), 3, dtype="int32"))
T = _R.random((3, 4)).astype(np.float32)
T = T / T.sum(-1, keepdims=True)
cases("binary_crossentropy", lambda o: o.binary_crossentropy(B.astype(np.float32), P),
      lambda o: o.binary_crossentropy(B.astype(np.float32), F, from_logits=True),
      lambda o: o.binary_crossentropy(B[0], P))
cases("categorical_crossentropy", lambda o: o.categorical_crossentropy(T, P),
      lambda o: o.categorical_crossentropy(T, F, from_logits=True),
      lambda o: o.categorical_crossentropy(T.T, F.T, from_logits=True, axis=0),
      lambda o: o.categorical_crossentropy(T, P[:, :2]))
cases("sparse_categorical_crossentropy", lambda o: o.sparse_categorical_crossentropy(np.array([0, 3, 1]), P),
      lambda o: o.sparse_categorical_crossentropy(np.array([0, 3, 1]), F, from_logits=True),
      lambda o: o.sparse_categorical_crossentropy(np.array([[0], [3], [1]]), F, from_logits=True))
cases("moments", lambda o: o.moments(F, [0]), lambda o: o.moments(F, [0, 1], keepdims=True),
      lambda o: o.moments(H * 100, [1]))
cases("batch_normalization", lambda o: o.batch_normalization(F, V[:4], np.abs(V[1:5]), -1),
      lambda o: o.batch_normalization(F, V[:3], np.abs(V[:3]), 0, offset=V[:3], scale=V[1:4], epsilon=0.1))
cases("rms_normalization", lambda o: o.rms_normalization(F, V[:4]), lambda o: o.rms_normalization(F, axis=0))
cases("layer_normalization", lambda o: o.layer_normalization(F, V[:4], V[1:5]),
      lambda o: o.layer_normalization(F, axis=0, epsilon=0.1),
      )
cases("psnr", lambda o: o.psnr(P, T, 1.0), lambda o: o.psnr(P, T[:2], 1.0))
cases("polar", lambda o: o.polar(np.abs(V), V), lambda o: o.polar(np.array([1.0, 2.0]), np.array([0.0, 1.5])))
X1 = _R.standard_normal((2, 7, 3)).astype(np.float32)
X2 = _R.standard_normal((2, 6, 5, 3)).astype(np.float32)
X3 = _R.standard_normal((1, 4, 4, 4, 2)).astype(np.float32)
K1 = _R.standard_normal((3, 3, 4)).astype(np.float32)
K2 = _R.standard_normal((3, 2, 3, 4)).astype(np.float32)
K3 = _R.standard_normal((2, 2, 2, 2, 3)).astype(np.float32)
# grouped convolutions (fewer kernel input channels) are refused by TensorFlow on CPU; tapegrad computes them
cases("conv", lambda o: o.conv(X1, K1), lambda o: o.conv(X1, K1, 2, "same"), lambda o: o.conv(X1, K1,
                                                                                              dilation_rate=2),
      lambda o: o.conv(X2, K2), lambda o: o.conv(X2, K2, (2, 1), "same"), lambda o: o.conv(X2, K2,
                                                                                           dilation_rate=(1, 2)),
      lambda o: o.conv(np.moveaxis(X2, -1, 1), K2, data_format="channels_first"), lambda o: o.conv(X3, K3),
      lambda o: o.conv(X3, K3, 2, "same"))
cases("depthwise_conv", lambda o: o.depthwise_conv(X2, K2[:, :, :, :2]),
      lambda o: o.depthwise_conv(X2, K2[:, :, :, :2], 2, "same"), lambda o: o.depthwise_conv(X1, K1[:, :, :2]),
      lambda o: o.depthwise_conv(X1, K1[:, :, :1], 1, "same", dilation_rate=2))
cases("separable_conv", lambda o: o.separable_conv(X2, K2[:, :, :, :2], np.ones((1, 1, 6, 4), np.float32)),
      lambda o: o.separable_conv(X1, K1[:, :, :1], np.ones((1, 3, 5), np.float32), 2, "same"))
cases("conv_transpose", lambda o: o.conv_transpose(X2, K2.transpose(0, 1, 3, 2)),
      lambda o: o.conv_transpose(X2, K2.transpose(0, 1, 3, 2), 2, "same"),
      lambda o: o.conv_transpose(X2, K2.transpose(0, 1, 3, 2), 2, "valid", output_padding=1),
      lambda o: o.conv_transpose(X1, K1.transpose(0, 2, 1), 2),
      lambda o: o.conv_transpose(X1, K1.transpose(0, 2, 1), 3, "same"))
for _n in ("max_pool", "average_pool"):
    cases(_n, lambda o, n=_n: getattr(o, n)(X2, 2), lambda o, n=_n: getattr(o, n)(X2, (3, 2), 1, "same"),
          lambda o, n=_n: getattr(o, n)(X1, 2, 1), lambda o, n=_n: getattr(o, n)(X3, 2),
          lambda o, n=_n: getattr(o, n)(np.moveaxis(X2, -1, 1), 2, data_format="channels_first"))
cases("space_to_depth", lambda o: o.space_to_depth(np.arange(32.0).reshape(1, 4, 4, 2), 2))
cases("depth_to_space", lambda o: o.depth_to_space(np.arange(32.0).reshape(1, 2, 2, 8), 2))
Q = _R.standard_normal((2, 5, 4, 3)).astype(np.float32)
KK = _R.standard_normal((2, 6, 2, 3)).astype(np.float32)
VV = _R.standard_normal((2, 6, 2, 3)).astype(np.float32)
cases("dot_product_attention", lambda o: o.dot_product_attention(Q, KK[:, :, :1].repeat(4, 2), VV[:, :, :1].repeat(
    4, 2)), lambda o: o.dot_product_attention(Q, KK, VV), lambda o: o.dot_product_attention(Q, KK, VV, scale=0.5),
      lambda o: o.dot_product_attention(Q, KK[:, :5], VV[:, :5], is_causal=True),
      lambda o: o.dot_product_attention(Q, KK, VV, mask=np.tri(5, 6, dtype=bool)),
      lambda o: o.dot_product_attention(Q, KK, VV, bias=np.ones((1, 4, 5, 6), np.float32)))
cases("unfold", lambda o: o.unfold(np.moveaxis(X2, -1, 1), 2), lambda o: o.unfold(np.moveaxis(X2, -1, 1), 3, 1, 1,
                                                                                  2))
cases("fold", lambda o: o.fold(np.ones((1, 8, 12), np.float32), (4, 5), 2),
      lambda o: o.fold(np.ones((1, 4, 6), np.float32), (3, 4), 2, 1, 0, 1))

# math / linalg / fft
cases("segment_sum", lambda o: o.segment_sum(F, np.array([0, 0, 1])), lambda o: o.segment_sum(V, np.array(
    [0, 2, 2, 1, 0]), num_segments=4), lambda o: o.segment_sum(I, np.array([1, 1, 0]), sorted=True))
for _n in ("segment_max", "segment_min", "segment_prod"):
    cases(_n, lambda o, n=_n: getattr(o, n)(F, np.array([0, 0, 1])),
          lambda o, n=_n: getattr(o, n)(V, np.array([0, 2, 2, 1, 0]), num_segments=4))
cases("top_k", lambda o: o.top_k(F, 2), lambda o: o.top_k(I, 3), lambda o: o.top_k(V, 5, sorted=True))
cases("in_top_k", lambda o: o.in_top_k(np.array([0, 3, 1]), F, 2))
cases("logsumexp", lambda o: o.logsumexp(F), lambda o: o.logsumexp(I))
for _n in ("erf", "erfc", "erfinv", "rsqrt"):
    cases(_n, lambda o, n=_n: getattr(o, n)(P), lambda o, n=_n: getattr(o, n)(D * 0.1),
          lambda o, n=_n: getattr(o, n)(I))
cases("qr", lambda o: o.qr(F.T), lambda o: o.qr(F.T, "complete"), lambda o: o.qr(F, "bad"))
cases("cdist", lambda o: o.cdist(F, G), lambda o: o.cdist(F[None], G[None]))
cases("logdet", lambda o: o.logdet(SPD))
cases("view_as_real", lambda o: o.view_as_real(o.view_as_complex(F[:, :2])))
cases("view_as_complex", lambda o: o.view_as_complex(F[:, :2]), lambda o: o.view_as_complex(D[:, :2]))
cases("fft", lambda o: o.fft((F, G)), lambda o: o.fft((D, D)))
cases("fft2", lambda o: o.fft2((F, G)))
cases("ifft2", lambda o: o.ifft2((F, G)))
cases("rfft", lambda o: o.rfft(F), lambda o: o.rfft(F, 6), lambda o: o.rfft(D))
cases("irfft", lambda o: o.irfft((F, G)), lambda o: o.irfft((F, G), 5))
SIG = _R.standard_normal((2, 40)).astype(np.float32)
cases("extract_sequences", lambda o: o.extract_sequences(SIG, 8, 4))
cases("stft", lambda o: o.stft(SIG, 8, 4, 8), lambda o: o.stft(SIG, 6, 3, 8, window="hamming", center=False),
      lambda o: o.stft(SIG, 8, 4, 16, window=None))
cases("istft", lambda o: o.istft(o.stft(SIG, 8, 4, 8), 8, 4, 8),
      lambda o: o.istft(o.stft(SIG, 8, 2, 8, center=False), 8, 2, 8, center=False, length=30))
cases("cholesky", lambda o: o.cholesky(SPD), lambda o: o.cholesky(SPD, upper=True))
cases("cholesky_inverse", lambda o: o.cholesky_inverse(np.linalg.cholesky(SPD)))
cases("det", lambda o: o.det(SQ), lambda o: o.det(np.stack([SQ, SPD])), lambda o: o.det(F))
cases("inv", lambda o: o.inv(SQ), lambda o: o.inv(SPD.astype(np.float64)))
cases("slogdet", lambda o: o.slogdet(SQ), lambda o: o.slogdet(-SQ))
cases("eigh", lambda o: o.eigh(SPD)[0])
cases("eig", lambda o: o.abs(o.eig(SPD.astype(np.float64))[0]))
cases("lu_factor", lambda o: o.lu_factor(SQ))
cases("norm", lambda o: o.norm(F), lambda o: o.norm(F, axis=1), lambda o: o.norm(F, 1, axis=0),
      lambda o: o.norm(F, "fro"), lambda o: o.norm(F, 1), lambda o: o.norm(F, np.inf), lambda o: o.norm(F, 2),
      lambda o: o.norm(F, "nuc"), lambda o: o.norm(F, 3, axis=1), lambda o: o.norm(F, 0, axis=1),
      lambda o: o.norm(I), lambda o: o.norm(F, axis=(0, 1), keepdims=True), lambda o: o.norm(V, -np.inf))
cases("solve", lambda o: o.solve(SQ, F[:, :3]), lambda o: o.solve(SQ, V[:3]))
cases("solve_triangular", lambda o: o.solve_triangular(np.triu(SQ), F[:, :3]),
      lambda o: o.solve_triangular(np.tril(SQ), V[:3], lower=True))
cases("lstsq", lambda o: o.lstsq(F.T, V[:4]), lambda o: o.lstsq(SQ, F[:, :3]))
cases("pinv", lambda o: o.pinv(F))
cases("svd", lambda o: o.svd(F, compute_uv=False), lambda o: o.abs(o.svd(SQ)[0]))
cases("matrix_rank", lambda o: o.matrix_rank(F), lambda o: o.matrix_rank(np.ones((3, 3), np.float32)))


R4 = np.arange(2 * 6 * 4 * 3, dtype=np.float32).reshape(2, 6, 4, 3)
cases("rearrange", lambda o: o.rearrange(R4, "b h w c -> b c h w"), lambda o: o.rearrange(R4, "b h w c -> (b h) w c"),
      lambda o: o.rearrange(R4, "b h w c -> h (b w) c"), lambda o: o.rearrange(R4, "b h w c -> b (c h w)"),
      lambda o: o.rearrange(R4, "b (h p) (w q) c -> (b p q) h w c", p=2, q=2),
      lambda o: o.rearrange(R4, "b (h p) w c -> b h w (p c)", h=3), lambda o: o.rearrange(I, "a b -> b a"),
      lambda o: o.rearrange(R4, "b h w c -> b h w c"), lambda o: o.rearrange(F, "(a b) c -> a b c", a=1))


def _image_cases(o: Any) -> list[Any]:
    im = o.image
    return [caught(lambda c=c: c()) for c in (
        lambda: im.resize(IMG, (3, 4)), lambda: im.resize(IMG, (8, 7), "nearest"),
        lambda: im.resize(IMG, (4, 4), crop_to_aspect_ratio=True), lambda: im.resize(IMG, (4, 4),
                                                                                     pad_to_aspect_ratio=True),
        lambda: im.resize(IMG[0], (3, 3), "bicubic"), lambda: im.resize(IMG, (3, 4), antialias=True),
        lambda: im.pad_images(IMG, 1, 2, 0, 1), lambda: im.pad_images(IMG, 1, 2, target_height=9, target_width=8),
        lambda: im.crop_images(IMG, 1, 1, 1, 1), lambda: im.crop_images(IMG, 1, 0, target_height=3, target_width=4),
        lambda: im.rgb_to_grayscale(IMG), lambda: im.rgb_to_hsv(IMG), lambda: im.hsv_to_rgb(IMG),
        lambda: im.extract_patches(IMG, 2), lambda: im.extract_patches(IMG, (2, 3), (1, 2), padding="same"),
        lambda: im.affine_transform(IMG, np.array([1, 0, 0.5, 0, 1, -1, 0, 0], np.float32)),
        lambda: im.affine_transform(IMG, np.array([[0.9, 0.1, 0, -0.1, 1.1, 0, 0, 0]] * 2, np.float32),
                                    "nearest", "nearest"),
        lambda: im.affine_transform(IMG, np.array([1, 0.2, 0, 0, 1, 0, 0.01, 0], np.float32), fill_mode="wrap"),
        lambda: im.affine_transform(IMG, np.array([1, 0, 2, 0, 1, 1, 0, 0], np.float32), fill_mode="reflect"),
        lambda: im.map_coordinates(IMG[0, :, :, 0], np.array([[0.5, 2.2, 5.9], [1.0, 3.5, -0.5]]), 1),
        # order 0 out of range: Keras-on-TF's gather fails (InvalidArgumentError); unit-tested against SciPy instead
        lambda: im.map_coordinates(IMG[0, :, :, 0], np.array([[0.5, 2.2, 5.9], [1.0, 3.5, -0.5]]), 0, "nearest"),
        # beyond the edge, Keras-on-TF's "mirror" gathers out of range (InvalidArgumentError): inside only
        lambda: im.map_coordinates(IMG[0, :, :, 0], np.array([[0.5, 4.7], [1.0, 3.5]]), 1, "mirror"),
    )]


def _make(name: str, calls: list[Callable[[Any], Any]]) -> Callable[..., Any]:
    def prog(tf: Any, keras: Any) -> Any:
        return [caught(lambda c=c: c(keras.ops)) for c in calls]
    prog.__name__ = f"prog_ops_{name}"
    prog.__doc__ = f"keras.ops.{name} on several inputs and dtypes (values, dtypes, shapes, exception types)."
    return prog


for _name, _calls in CASES.items():
    PROGRAMS[f"ops_{_name}"] = _make(_name, _calls)


def prog_ops_image(tf: Any, keras: Any) -> Any:
    """keras.ops.image: resize, pad/crop, colour conversions, patches, affine_transform, map_coordinates."""
    return _image_cases(keras.ops)


PROGRAMS["ops_image"] = prog_ops_image


def prog_ops_gradients(tf: Any, keras: Any) -> Any:
    """Gradients through a chain of keras.ops (numpy-style, nn, linalg) on float64 inputs."""
    o = keras.ops
    x = tf.Variable(F.astype(np.float64))
    w = tf.Variable(G.T.astype(np.float64))
    out = []
    for fn in (lambda: o.sum(o.softmax(o.matmul(x, w)) * o.tanh(o.matmul(x, w))),
               lambda: o.mean(o.logsumexp(o.einsum("ij,jk->ik", x, w), axis=1)),
               lambda: o.sum(o.take_along_axis(o.multiply(x, 1.0), np.argsort(F, 1), 1)
                             * o.arange(4.0, dtype="float64")),
               lambda: o.sum(o.norm(x, axis=1)) + o.mean(o.var(x, axis=0)),
               lambda: o.sum(o.where(x > 0, o.sqrt(o.abs(x)), o.square(x))),
               lambda: o.sum(o.cumsum(x, axis=1) * o.cumprod(w[:2], axis=0)[0, 0]),
               lambda: o.sum(o.gelu(x) + o.silu(x) + o.elu(x) + o.hard_sigmoid(x) + o.log_sigmoid(x)),
               lambda: o.det(o.matmul(x[:, :3], o.transpose(x[:, :3])) + o.eye(3, dtype="float64")),
               lambda: o.sum(o.layer_normalization(x) * np.arange(12.0).reshape(3, 4)),
               lambda: o.sum(o.conv(o.reshape(x, (1, 3, 4, 1)), o.reshape(w[:2, :2], (2, 2, 1, 1)))),
               lambda: o.sum(o.max_pool(o.reshape(x, (1, 3, 4, 1)), 2, 1) * 3.0),
               lambda: o.sum(o.quantile(x, 0.3, axis=1)),
               lambda: o.sum(o.binary_crossentropy(o.sigmoid(x[0]), o.sigmoid(w[0, :1] * x[1]))),
               lambda: o.sum(o.dot_product_attention(o.reshape(x, (1, 3, 1, 4)), o.reshape(x, (1, 3, 1, 4)),
                                                     o.reshape(x * 2, (1, 3, 1, 4))))):
        with tf.GradientTape() as tape:
            y = fn()
        out.append((np.array(y), [np.array(g) if g is not None else None for g in tape.gradient(y, [x, w])]))
    return out


PROGRAMS["ops_gradients"] = prog_ops_gradients


def prog_ops_affine_transform_gradient(tf: Any, keras: Any) -> Any:
    """affine_transform's image gradient (TensorFlow's: the upstream warped back by the inverse transform) for
    every fill mode and interpolation, with a projective transform per image."""
    trs = np.array([[1.1, 0.2, -0.4, -0.1, 0.9, 0.7, 0.01, -0.02], [0.8, -0.3, 1.5, 0.2, 1.2, -0.6, 0, 0]], np.float32)
    weights = IMG[::-1, ::-1] * 0.5 + 0.25
    out = []
    for mode in ("constant", "nearest", "wrap", "reflect"):
        for interp in ("nearest", "bilinear"):
            x = tf.Variable(IMG)
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(keras.ops.image.affine_transform(x, trs, interp, mode, 0.3) * weights)
            out.append((np.array(y), np.array(tape.gradient(y, x))))
    return out


PROGRAMS["ops_affine_transform_gradient"] = prog_ops_affine_transform_gradient
