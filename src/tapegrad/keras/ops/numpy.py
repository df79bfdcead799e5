"""``keras.ops.numpy``: NumPy-style elementwise math, comparisons and reductions (Keras 3 on the TensorFlow backend).

Every function takes tensors, arrays, Python numbers or nested lists, promotes dtypes with Keras's rules
(:func:`tapegrad.keras.ops._dtypes.result_type`: ``int8 + uint8 → int16``, Python numbers are weak, integer inputs to
``sqrt``/``exp``/``sin``/... become ``floatx``) and returns a ``tapegrad.Tensor``; the float results are
differentiable through ``tapegrad.GradientTape``.

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> x = ops.convert_to_tensor(np.array([[1, 2], [3, 4]], np.int8))
>>> y = ops.add(x, np.array([1, 1], np.uint8))
>>> y.dtype.name, ops.sqrt(x).dtype.name, ops.mean(x).numpy().item(), ops.sum(ops.greater(x, 2)).numpy().item()
('int16', 'float32', 2.5, 2)
"""

from __future__ import annotations

import math as _pymath
from typing import Any

import numpy as np

import tapegrad as tg

from ._dtypes import cast, convert, dtype_of, float_of, promote, result_type, standardize_dtype

__all__ = [
    "abs", "absolute", "add", "all", "allclose", "amax", "amin", "angle", "any", "arccos", "arccosh", "arcsin",
    "arcsinh", "arctan", "arctan2", "arctanh", "average", "bitwise_and", "bitwise_invert", "bitwise_left_shift",
    "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "cbrt", "ceil", "clip", "conj", "conjugate",
    "cos", "cosh", "count_nonzero", "cumprod", "cumsum", "deg2rad", "divide", "divide_no_nan", "equal",
    "exp", "exp2", "expm1", "fabs", "floor", "floor_divide", "fmax", "fmin", "fmod", "gcd", "greater",
    "greater_equal", "heaviside", "hypot", "i0", "imag", "isclose", "isfinite", "isinf", "isnan", "isneginf",
    "isposinf", "isreal", "lcm", "ldexp", "left_shift", "less", "less_equal", "log", "log10", "log1p", "log2",
    "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor", "max", "maximum", "mean",
    "median", "min", "minimum", "mod", "multiply", "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum",
    "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum",
    "nanvar", "negative", "nextafter", "not_equal", "percentile", "power", "prod", "ptp", "quantile", "rad2deg",
    "real", "reciprocal", "right_shift", "round", "sign", "signbit", "sin", "sinc", "sinh", "sqrt", "square", "std",
    "subtract", "sum", "tan", "tanh", "true_divide", "trunc", "var", "argmax", "argmin",
]

_SMALL_INTS = ("int8", "int16", "uint8", "uint16", "bool")


def _axes(axis: Any) -> Any:
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return int(axis)


def _is_float(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat"))


def _is_int(dtype: str) -> bool:
    return "int" in dtype


# -- elementwise: float-valued unary functions -------------------------------------------------------------------
def _float_unary(fn: Any, name: str, doc: str) -> Any:
    def op(x: Any) -> Any:
        return fn(float_of(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


sin = _float_unary(tg.sin, "sin", "Sine, elementwise (integers become ``floatx``).")
cos = _float_unary(tg.cos, "cos", "Cosine, elementwise.")
tan = _float_unary(tg.tan, "tan", "Tangent, elementwise.")
arcsin = _float_unary(tg.asin, "arcsin", "Inverse sine, elementwise.")
arccos = _float_unary(tg.acos, "arccos", "Inverse cosine, elementwise.")
arctan = _float_unary(tg.atan, "arctan", "Inverse tangent, elementwise.")
sinh = _float_unary(tg.sinh, "sinh", "Hyperbolic sine, elementwise.")
cosh = _float_unary(tg.cosh, "cosh", "Hyperbolic cosine, elementwise.")
tanh = _float_unary(tg.tanh, "tanh", "Hyperbolic tangent, elementwise.")
arcsinh = _float_unary(tg.asinh, "arcsinh", "Inverse hyperbolic sine, elementwise.")
arccosh = _float_unary(tg.acosh, "arccosh", "Inverse hyperbolic cosine, elementwise.")
arctanh = _float_unary(tg.atanh, "arctanh", "Inverse hyperbolic tangent, elementwise.")
exp = _float_unary(tg.exp, "exp", "``e ** x``, elementwise.")
expm1 = _float_unary(tg.math.expm1, "expm1", "``exp(x) - 1``, accurate near 0.")
log = _float_unary(tg.math.log, "log", "Natural logarithm, elementwise.")
log1p = _float_unary(tg.math.log1p, "log1p", "``log(1 + x)``, accurate near 0.")
sqrt = _float_unary(tg.sqrt, "sqrt", "Square root, elementwise.")


def exp2(x: Any) -> Any:
    """``2 ** x``, elementwise."""
    x = float_of(x)
    return tg.exp(x * tg.constant(_pymath.log(2.0), x.dtype))


def log2(x: Any) -> Any:
    """Base-2 logarithm, elementwise."""
    x = float_of(x)
    return tg.math.log(x) / tg.constant(_pymath.log(2.0), x.dtype)


def log10(x: Any) -> Any:
    """Base-10 logarithm, elementwise."""
    x = float_of(x)
    return tg.math.log(x) / tg.constant(_pymath.log(10.0), x.dtype)


def _float_keep64(x: Any) -> Any:
    # cbrt/deg2rad/rad2deg/hypot: Keras promotes int64 to float64 here (result_type(dtype, float64) rule)
    x = convert(x)
    dt = x.dtype.name
    if dt == "int64":
        return cast(x, "float64")
    return cast(x, result_type(dt, float))


def cbrt(x: Any) -> Any:
    """Cube root (real, negative for negative ``x``)."""
    x = _float_keep64(x)
    return tg.sign(x) * tg.pow(tg.abs(x), tg.constant(1.0 / 3.0, x.dtype))


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    x = _float_keep64(x)
    return x * tg.constant(np.pi / 180.0, x.dtype)


def rad2deg(x: Any) -> Any:
    """Radians to degrees."""
    x = _float_keep64(x)
    return x * tg.constant(180.0 / np.pi, x.dtype)


def sinc(x: Any) -> Any:
    """Normalized sinc ``sin(pi x) / (pi x)`` (1 at 0)."""
    x = float_of(x)
    pix = x * tg.constant(np.pi, x.dtype)
    safe = tg.where(tg.equal(x, 0), tg.ones_like(pix), pix)
    return tg.where(tg.equal(x, 0), tg.ones_like(x), tg.sin(safe) / safe)


def i0(x: Any) -> Any:
    """Modified Bessel function of the first kind, order 0."""
    x = _float_keep64(x)
    return tg.math.bessel_i0(x)


def ceil(x: Any) -> Any:
    """Ceiling (integers become ``floatx``)."""
    return tg.math.ceil(float_of(x))


def floor(x: Any) -> Any:
    """Floor (integers become ``floatx``)."""
    return tg.floor(float_of(x))


def trunc(x: Any) -> Any:
    """Round toward zero (integers and booleans are returned unchanged)."""
    x = convert(x)
    if not _is_float(x.dtype.name):
        return x
    return tg.sign(x) * tg.floor(tg.abs(x))


def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001
    """Round half to even, to ``decimals`` places (integers with ``decimals < 0`` round to tens, hundreds, ...)."""
    x = convert(x)
    if x.dtype.name == "bool":
        raise tg.errors.InvalidArgumentError(None, None, "round: a bool tensor has nothing to round; cast it first")
    if decimals == 0:
        return x if _is_int(x.dtype.name) else tg.round(x)
    factor = 10.0 ** decimals
    if _is_int(x.dtype.name):
        if decimals > 0:
            return x
        y = tg.round(tg.cast(x, "float32") * factor) / factor
        return tg.cast(y, x.dtype)
    f = tg.constant(factor, x.dtype)
    return tg.round(x * f) / f


def abs(x: Any) -> Any:  # noqa: A001
    """Absolute value (booleans stay boolean)."""
    x = convert(x)
    if x.dtype.name == "bool" or x.dtype.name.startswith("uint"):
        return x
    return tg.abs(x)


absolute = abs


def fabs(x: Any) -> Any:
    """Absolute value as a float (integers become ``floatx``)."""
    return tg.abs(float_of(x))


def negative(x: Any) -> Any:
    """``-x`` (not defined for unsigned integers and booleans, as TensorFlow)."""
    x = convert(x)
    if x.dtype.name == "bool" or x.dtype.name.startswith("uint"):
        raise tg.errors.InvalidArgumentError(None, None, f"negative: not defined for {x.dtype.name} tensors; cast to a "
                                             "signed dtype first")
    return tg.negative(x)


def square(x: Any) -> Any:
    """``x * x`` (booleans become ``int32``)."""
    x = convert(x)
    if x.dtype.name == "bool":
        x = cast(x, "int32")
    return tg.square(x)


def reciprocal(x: Any) -> Any:
    """``1 / x`` of a float tensor (integer tensors are refused, as TensorFlow's ``Reciprocal``)."""
    x = convert(x)
    dt = x.dtype.name
    if dt in ("bool", "uint8", "uint16", "uint32", "uint64"):
        raise tg.errors.InvalidArgumentError(None, None, f"reciprocal: not defined for {dt}; cast to a float first")
    if _is_int(dt):
        raise tg.errors.NotFoundError(None, None, f"reciprocal: no {dt} kernel (TensorFlow has none); cast to a float "
                                      "first")
    return tg.ones_like(x) / x


def sign(x: Any) -> Any:
    """-1, 0 or 1 by sign; same dtype."""
    x = convert(x)
    if x.dtype.name == "bool":
        raise tg.errors.InvalidArgumentError(None, None, "sign: bool tensors have no sign; cast to a number first")
    if x.dtype.name.startswith("uint"):
        return cast(tg.not_equal(x, 0), x.dtype.name)
    return tg.sign(x)


def signbit(x: Any) -> Any:
    """True where the sign bit is set (``-0.0`` included)."""
    x = convert(x)
    dt = x.dtype.name
    if dt == "bool" or dt.startswith("uint"):
        return tg.zeros_like(x, dtype="bool")
    if _is_int(dt):
        return tg.less(x, 0)
    return tg.numpy_function(lambda a: np.signbit(a), [x], Tout="bool", stateful=False)


def _not_bool_type(x: Any, name: str) -> Any:
    x = convert(x)
    if x.dtype.name == "bool":
        raise TypeError(f"{name}: not defined for bool tensors; cast to a number first")
    return x


def real(x: Any) -> Any:
    """Real part (a real tensor is returned unchanged)."""
    x = _not_bool_type(x, "real")
    return tg.math.real(x) if "complex" in x.dtype.name else x


def imag(x: Any) -> Any:
    """Imaginary part (zeros for a real tensor)."""
    x = convert(x)
    return tg.math.imag(x) if "complex" in x.dtype.name else tg.zeros_like(x)


def conjugate(x: Any) -> Any:
    """Complex conjugate (a real tensor is returned unchanged)."""
    x = _not_bool_type(x, "conjugate")
    return tg.math.conj(x) if "complex" in x.dtype.name else x


conj = conjugate


def angle(x: Any) -> Any:
    """The complex argument (``atan2(imag, real)``; 0 or pi for reals)."""
    x = convert(x)
    if "complex" in x.dtype.name:
        return tg.math.angle(x)
    x = float_of(x)
    return tg.atan2(tg.zeros_like(x), x)


# -- elementwise binary ------------------------------------------------------------------------------------------
def _no_bool(dt: str, name: str) -> None:
    if dt == "bool":
        raise tg.errors.InvalidArgumentError(None, None, f"{name}: not defined for bool tensors; cast to an integer or "
                                             "float dtype first (or use logical_and/logical_or)")


def _arithmetic(name: str, op: Any, doc: str) -> Any:
    def fn(x1: Any, x2: Any) -> Any:
        (a, b), dt = promote(x1, x2, weak=True)  # Python numbers are weak
        _no_bool(dt, name)
        return op(a, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


add = _arithmetic("add", tg.add, """``x1 + x2`` with Keras's dtype promotion (Python numbers are weak:
``float16 + 1.5`` stays ``float16``).""")


subtract = _arithmetic("subtract", tg.subtract, """``x1 - x2``.""")


multiply = _arithmetic("multiply", tg.multiply, """``x1 * x2``.""")


def divide(x1: Any, x2: Any) -> Any:
    """True division (integers become ``floatx``)."""
    (a, b), _ = promote(x1, x2, extra=(float,), weak=True)
    return tg.divide(a, b)


true_divide = divide


def divide_no_nan(x1: Any, x2: Any) -> Any:
    """``x1 / x2``, 0 where ``x2`` is 0."""
    (a, b), _ = promote(x1, x2, extra=(float,), weak=True)
    return tg.math.divide_no_nan(a, b)


def _int_if_bool(a: Any, b: Any, dt: str) -> tuple[Any, Any]:
    return (cast(a, "int32"), cast(b, "int32")) if dt == "bool" else (a, b)


def floor_divide(x1: Any, x2: Any) -> Any:
    """Floor division."""
    (a, b), dt = promote(x1, x2, weak=True)
    a, b = _int_if_bool(a, b, dt)
    return tg.math.floordiv(a, b)


def mod(x1: Any, x2: Any) -> Any:
    """Remainder with the sign of the divisor (NumPy's ``mod``)."""
    (a, b), dt = promote(x1, x2)
    a, b = _int_if_bool(a, b, dt)
    return tg.math.floormod(a, b)


def fmod(x1: Any, x2: Any) -> Any:
    """Remainder with the sign of the dividend (C's ``fmod``)."""
    (a, b), dt = promote(x1, x2)
    a, b = _int_if_bool(a, b, dt)
    r = tg.math.floormod(a, b)
    return tg.where(tg.logical_and(tg.not_equal(r, 0), tg.not_equal(tg.less(a, 0), tg.less(b, 0))), r - b, r)


power = _arithmetic("power", tg.pow, """``x1 ** x2``.""")


maximum = _arithmetic("maximum", tg.maximum, """Elementwise maximum (NaN propagates).""")


minimum = _arithmetic("minimum", tg.minimum, """Elementwise minimum (NaN propagates).""")


def fmax(x1: Any, x2: Any) -> Any:
    """Elementwise maximum, ignoring NaN (NaN only where both are NaN)."""
    (a, b), dt = promote(x1, x2, weak=True)
    _no_bool(dt, "fmax")
    if not _is_float(dt):
        return tg.maximum(a, b)
    return tg.where(tg.math.is_nan(a), b, tg.where(tg.math.is_nan(b), a, tg.maximum(a, b)))


def fmin(x1: Any, x2: Any) -> Any:
    """Elementwise minimum, ignoring NaN."""
    (a, b), dt = promote(x1, x2, weak=True)
    _no_bool(dt, "fmin")
    if not _is_float(dt):
        return tg.minimum(a, b)
    return tg.where(tg.math.is_nan(a), b, tg.where(tg.math.is_nan(b), a, tg.minimum(a, b)))


def arctan2(x1: Any, x2: Any) -> Any:
    """``atan2(x1, x2)``, the angle of the point ``(x2, x1)``."""
    (a, b), _ = promote(x1, x2, extra=(float,))
    return tg.atan2(a, b)


def _float_pair_dtype(x1: Any, x2: Any, name: str, error: Any) -> str:
    # Keras converts both first (Python numbers are not weak here); integers compute in floatx, int64 in float64
    dt = result_type(standardize_dtype(convert(x1).dtype), standardize_dtype(convert(x2).dtype))
    if dt == "bool":
        raise error(f"{name}: boolean inputs are not supported (as Keras on TensorFlow); cast them to a float "
                    "dtype first")
    return "float64" if dt == "int64" else result_type(dt, float)


def hypot(x1: Any, x2: Any) -> Any:
    """``sqrt(x1**2 + x2**2)`` without overflow."""
    dt = _float_pair_dtype(x1, x2, "hypot", lambda m: tg.errors.InvalidArgumentError(None, None, m))
    a, b = tg.abs(convert(x1, dt)), tg.abs(convert(x2, dt))
    big, small = tg.maximum(a, b), tg.minimum(a, b)
    safe = tg.where(tg.equal(big, 0), tg.ones_like(big), big)
    return big * tg.sqrt(1 + tg.square(small / safe))


def logaddexp(x1: Any, x2: Any) -> Any:
    """``log(exp(x1) + exp(x2))``, stable."""
    (a, b), _ = promote(x1, x2, extra=(float,))
    big = tg.maximum(a, b)
    return big + tg.math.log1p(tg.exp(-tg.abs(a - b)))


def logaddexp2(x1: Any, x2: Any) -> Any:
    """``log2(2**x1 + 2**x2)``, stable."""
    (a, b), _ = promote(x1, x2, extra=(float,))
    ln2 = tg.constant(_pymath.log(2.0), a.dtype)
    big = tg.maximum(a, b)
    return big + tg.math.log1p(tg.exp(-tg.abs(a - b) * ln2)) / ln2


def heaviside(x1: Any, x2: Any) -> Any:
    """0 for ``x1 < 0``, ``x2`` at 0, 1 for ``x1 > 0``."""
    dt = _float_pair_dtype(x1, x2, "heaviside", TypeError)
    a, b = convert(x1, dt), convert(x2, dt)
    a, b = tg.broadcast_to(a, tg.shape(a + b)), tg.broadcast_to(b, tg.shape(a + b))
    return tg.where(tg.greater(a, 0), tg.ones_like(a), tg.where(tg.less(a, 0), tg.zeros_like(a), b))


def nextafter(x1: Any, x2: Any) -> Any:
    """The next float after ``x1`` toward ``x2``."""
    (a, b), dt = promote(x1, x2, extra=(float,))
    calc = "float64" if dt == "float64" else "float32" if dt != "float16" else "float16"

    def f(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.nextafter(u.astype(calc), v.astype(calc))
    out = tg.numpy_function(f, [a, b], Tout=calc, stateful=False)
    return cast(out, dt)


def ldexp(x1: Any, x2: Any) -> Any:
    """``x1 * 2 ** x2`` (``x2`` must be an integer)."""
    x2 = convert(x2)
    if not _is_int(x2.dtype.name):
        raise TypeError(f"ldexp: the exponent must be an integer tensor, got {x2.dtype.name}")
    dt = result_type(dtype_of(x1), x2.dtype.name, float)
    a = convert(x1, dt)
    return a * tg.pow(tg.constant(2.0, dt), cast(x2, dt))


def _int_binary(x1: Any, x2: Any, name: str) -> tuple[Any, Any, str]:
    (a, b), dt = promote(x1, x2)
    if not _is_int(dt):
        raise tg.errors.InvalidArgumentError(None, None, f"{name}: needs integer tensors, got {dt}")
    return a, b, dt


def bitwise_and(x: Any, y: Any) -> Any:
    """Bitwise AND of integers."""
    a, b, _ = _int_binary(x, y, "bitwise_and")
    return tg.bitwise.bitwise_and(a, b)


def bitwise_or(x: Any, y: Any) -> Any:
    """Bitwise OR of integers."""
    a, b, _ = _int_binary(x, y, "bitwise_or")
    return tg.bitwise.bitwise_or(a, b)


def bitwise_xor(x: Any, y: Any) -> Any:
    """Bitwise XOR of integers."""
    a, b, _ = _int_binary(x, y, "bitwise_xor")
    return tg.bitwise.bitwise_xor(a, b)


def bitwise_invert(x: Any) -> Any:
    """Bitwise NOT of integers."""
    x = convert(x)
    if not _is_int(x.dtype.name):
        raise tg.errors.InvalidArgumentError(None, None, f"bitwise_invert: needs an integer tensor, got "
                                             f"{x.dtype.name}")
    return tg.bitwise.invert(x)


bitwise_not = bitwise_invert


def _shift_operands(x: Any, y: Any, name: str) -> tuple[Any, Any]:
    if isinstance(y, int) and not isinstance(y, bool):
        a = convert(x)
        if not _is_int(a.dtype.name):
            raise tg.errors.InvalidArgumentError(None, None, f"{name}: needs integer tensors, got {a.dtype.name}")
        return a, convert(y, a.dtype.name)
    a, b, _ = _int_binary(x, y, name)
    return a, b


def bitwise_left_shift(x: Any, y: Any) -> Any:
    """``x << y`` (a Python ``int`` shift keeps ``x``'s dtype)."""
    a, b = _shift_operands(x, y, "bitwise_left_shift")
    return tg.bitwise.left_shift(a, b)


def bitwise_right_shift(x: Any, y: Any) -> Any:
    """``x >> y`` (arithmetic for signed integers; a Python ``int`` shift keeps ``x``'s dtype)."""
    a, b = _shift_operands(x, y, "bitwise_right_shift")
    return tg.bitwise.right_shift(a, b)


left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


def _gcd_np(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.gcd(a, b)


def gcd(x1: Any, x2: Any) -> Any:
    """Greatest common divisor of integers."""
    (a, b), dt = promote(x1, x2)
    if not _is_int(dt):
        raise TypeError(f"gcd: needs integer tensors, got {dt}")
    return tg.numpy_function(lambda u, v: np.gcd(u, v).astype(dt), [a, b], Tout=dt, stateful=False)


def lcm(x1: Any, x2: Any) -> Any:
    """Least common multiple of integers."""
    (a, b), dt = promote(x1, x2)
    if not _is_int(dt):
        raise TypeError(f"lcm: needs integer tensors, got {dt}")
    return tg.numpy_function(lambda u, v: np.lcm(u, v).astype(dt), [a, b], Tout=dt, stateful=False)


def copysign(x1: Any, x2: Any) -> Any:
    """``|x1|`` with the sign of ``x2``."""
    (a, b), _ = promote(x1, x2, extra=(float,))
    return tg.where(signbit(b), -tg.abs(a), tg.abs(a))


# -- comparisons and predicates ----------------------------------------------------------------------------------
def _compare(fn: Any, name: str) -> Any:
    def op(x1: Any, x2: Any) -> Any:
        (a, b), _ = promote(x1, x2)
        return fn(a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}`` elementwise (a boolean tensor), after Keras's dtype promotion."
    return op


equal = _compare(tg.equal, "equal")
not_equal = _compare(tg.not_equal, "not_equal")
greater = _compare(tg.greater, "greater")
greater_equal = _compare(tg.greater_equal, "greater_equal")
less = _compare(tg.less, "less")
less_equal = _compare(tg.less_equal, "less_equal")


def logical_and(x1: Any, x2: Any) -> Any:
    """Elementwise AND of the truth values."""
    return tg.logical_and(cast(x1, "bool"), cast(x2, "bool"))


def logical_or(x1: Any, x2: Any) -> Any:
    """Elementwise OR of the truth values."""
    return tg.logical_or(cast(x1, "bool"), cast(x2, "bool"))


def logical_xor(x1: Any, x2: Any) -> Any:
    """Elementwise XOR of the truth values."""
    return tg.math.logical_xor(cast(x1, "bool"), cast(x2, "bool"))


def logical_not(x: Any) -> Any:
    """Elementwise NOT of the truth values."""
    return tg.logical_not(cast(x, "bool"))


def isfinite(x: Any) -> Any:
    """True where ``x`` is neither infinite nor NaN (always true for integers)."""
    x = convert(x)
    return tg.math.is_finite(x) if _is_float(x.dtype.name) else tg.ones_like(x, dtype="bool")


def isinf(x: Any) -> Any:
    """True where ``x`` is +-inf."""
    x = convert(x)
    return tg.math.is_inf(x) if _is_float(x.dtype.name) else tg.zeros_like(x, dtype="bool")


def isnan(x: Any) -> Any:
    """True where ``x`` is NaN."""
    x = convert(x)
    return tg.math.is_nan(x) if _is_float(x.dtype.name) else tg.zeros_like(x, dtype="bool")


def isposinf(x: Any) -> Any:
    """True where ``x`` is +inf."""
    x = convert(x)
    if not _is_float(x.dtype.name):
        return tg.zeros_like(x, dtype="bool")
    return tg.logical_and(tg.math.is_inf(x), tg.greater(x, 0))


def isneginf(x: Any) -> Any:
    """True where ``x`` is -inf."""
    x = convert(x)
    if not _is_float(x.dtype.name):
        return tg.zeros_like(x, dtype="bool")
    return tg.logical_and(tg.math.is_inf(x), tg.less(x, 0))


def isreal(x: Any) -> Any:
    """True where the imaginary part is 0 (everywhere for real tensors)."""
    x = convert(x)
    if "complex" in x.dtype.name:
        return tg.equal(tg.math.imag(x), 0)
    return tg.ones_like(x, dtype="bool")


def isclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Any:
    """``|x1 - x2| <= atol + rtol * |x2|`` elementwise (infinities equal themselves)."""
    (a, b), dt = promote(x1, x2)
    if not _is_float(dt):
        a, b = cast(a, "float32" if dt != "int64" else "float64"), cast(b, "float32" if dt != "int64" else "float64")
    diff = tg.abs(a - b)
    tol = tg.cast(atol, a.dtype) + tg.cast(rtol, a.dtype) * tg.abs(b)
    out = tg.logical_or(tg.less_equal(diff, tol), tg.equal(a, b))
    if equal_nan:
        out = tg.logical_or(out, tg.logical_and(tg.math.is_nan(a), tg.math.is_nan(b)))
    return out


def allclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Any:
    """Whether every pair is :func:`isclose` (a scalar boolean tensor)."""
    return tg.reduce_all(isclose(x1, x2, rtol, atol, equal_nan))


# -- reductions ----------------------------------------------------------------------------------------------------
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Sum over ``axis`` (all axes when None); booleans and small integers accumulate in (u)int32."""
    x = convert(x)
    dt = x.dtype.name
    if dt in ("bool", "int8", "int16"):
        x = cast(x, "int32")
    elif dt in ("uint8", "uint16"):
        x = cast(x, "uint32")
    return tg.reduce_sum(x, _axes(axis), keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Any:
    """Product over ``axis``; booleans and small integers accumulate in (u)int32."""
    x = convert(x)
    dt = x.dtype.name
    if dtype is not None:
        x = cast(x, standardize_dtype(dtype))
    elif dt in ("bool", "int8", "int16"):
        x = cast(x, "int32")
    elif dt in ("uint8", "uint16"):
        x = cast(x, "uint32")
    return tg.reduce_prod(x, _axes(axis), keepdims)


def _mean_dtype(dt: str) -> str:
    return result_type(dt, "float32") if (_is_int(dt) or dt == "bool") else dt


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over ``axis``; integers give ``float32``, ``float16`` accumulates in ``float32``."""
    x = convert(x)
    out_dt = _mean_dtype(x.dtype.name)
    calc = "float32" if out_dt in ("float16", "bfloat16") else out_dt
    return cast(tg.reduce_mean(cast(x, calc), _axes(axis), keepdims), out_dt)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Population variance over ``axis`` (computed in ``float32`` at least)."""
    x = convert(x)
    out_dt = _mean_dtype(x.dtype.name)
    calc = "float32" if out_dt in ("float16", "bfloat16") else out_dt
    xc = cast(x, calc)
    m = tg.reduce_mean(xc, _axes(axis), True)
    return cast(tg.reduce_mean(tg.square(xc - m), _axes(axis), keepdims), out_dt)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Population standard deviation over ``axis``."""
    v = var(x, axis, keepdims)
    return tg.sqrt(v)


def average(x: Any, axis: Any = None, weights: Any = None) -> Any:
    """Mean, or the weighted mean ``sum(x * w) / sum(w)`` (1-D ``weights`` along ``axis``)."""
    x = convert(x)
    if weights is None:
        return mean(x, axis)
    w = convert(weights)
    dt = result_type(x.dtype.name, w.dtype.name, float)
    x, w = cast(x, dt), cast(w, dt)
    if axis is not None and len(w.shape) == 1 and len(x.shape) > 1:
        shape = [1] * len(x.shape)
        shape[int(axis)] = -1
        w = tg.reshape(w, shape)
    return tg.reduce_sum(x * w, _axes(axis)) / tg.reduce_sum(w * tg.ones_like(x), _axes(axis))


def max(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Any:  # noqa: A001
    """Maximum over ``axis`` (``initial`` joins the comparison); errors on an empty reduction without ``initial``."""
    x = convert(x)
    if initial is None and int(np.prod(x.shape)) == 0:
        raise tg.errors.InvalidArgumentError(None, None, "max: cannot reduce an empty tensor without `initial`; pass "
                                             "initial=")
    out = tg.reduce_max(x, _axes(axis), keepdims) if x.dtype.name != "bool" else tg.reduce_any(x, _axes(axis),
                                                                                               keepdims)
    if initial is not None:
        out = tg.maximum(out, tg.cast(initial, out.dtype))
    return out


def min(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Any:  # noqa: A001
    """Minimum over ``axis``."""
    x = convert(x)
    if initial is None and int(np.prod(x.shape)) == 0:
        raise tg.errors.InvalidArgumentError(None, None, "min: cannot reduce an empty tensor without `initial`; pass "
                                             "initial=")
    out = tg.reduce_min(x, _axes(axis), keepdims) if x.dtype.name != "bool" else tg.reduce_all(x, _axes(axis),
                                                                                               keepdims)
    if initial is not None:
        out = tg.minimum(out, tg.cast(initial, out.dtype))
    return out


amax = max
amin = min


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``max - min`` over ``axis``."""
    x = convert(x)
    return tg.reduce_max(x, _axes(axis), keepdims) - tg.reduce_min(x, _axes(axis), keepdims)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether every element (along ``axis``) is truthy."""
    return tg.reduce_all(cast(x, "bool"), _axes(axis), keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Whether any element (along ``axis``) is truthy."""
    return tg.reduce_any(cast(x, "bool"), _axes(axis), keepdims)


def count_nonzero(x: Any, axis: Any = None) -> Any:
    """The number of nonzero elements (``int32``)."""
    return tg.reduce_sum(cast(tg.not_equal(convert(x), 0), "int32"), _axes(axis))


def _flat_axis(x: Any, axis: Any, keepdims: bool) -> tuple[Any, int]:
    if axis is None:
        return tg.reshape(x, [-1]), 0
    return x, int(axis)


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the maximum (``int32``; the flat index when ``axis`` is None)."""
    x = convert(x)
    if x.dtype.name == "bool":
        x = cast(x, "int32")
    if axis is None:
        out = tg.argmax(tg.reshape(x, [-1]), 0, output_type="int32")
        return tg.reshape(out, [1] * len(x.shape)) if keepdims else out
    out = tg.argmax(x, int(axis), output_type="int32")
    return tg.expand_dims(out, int(axis)) if keepdims else out


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the minimum (``int32``)."""
    x = convert(x)
    if x.dtype.name == "bool":
        x = cast(x, "int32")
    if axis is None:
        out = tg.argmin(tg.reshape(x, [-1]), 0, output_type="int32")
        return tg.reshape(out, [1] * len(x.shape)) if keepdims else out
    out = tg.argmin(x, int(axis), output_type="int32")
    return tg.expand_dims(out, int(axis)) if keepdims else out


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """Cumulative sum (flattened when ``axis`` is None; booleans count in ``int32``)."""
    x = convert(x)
    if dtype is not None:
        x = cast(x, standardize_dtype(dtype))
    elif x.dtype.name == "bool":
        x = cast(x, "int32")
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    return tg.cumsum(x, int(axis))


def cumprod(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """Cumulative product (flattened when ``axis`` is None)."""
    x = convert(x)
    if dtype is not None:
        x = cast(x, standardize_dtype(dtype))
    elif x.dtype.name == "bool":
        x = cast(x, "int32")
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    return tg.math.cumprod(x, int(axis))


def _quantile(x: Any, q: Any, axis: Any, method: str, keepdims: bool, ignore_nan: bool) -> Any:
    methods = ("linear", "lower", "higher", "midpoint", "nearest")
    if method not in methods:
        raise ValueError(f"Invalid value for `method`: {method!r}; expected one of {methods}")
    x = convert(x)
    q = convert(q)
    dt = result_type(x.dtype.name, float)
    x = cast(x, dt)
    calc = "float32" if dt in ("float16", "bfloat16") else dt
    xc = cast(x, calc)
    nd = len(x.shape)
    axes = list(range(nd)) if axis is None else [a % nd for a in ([axis] if isinstance(axis, int) else axis)]
    rest = [a for a in range(nd) if a not in axes]
    moved = tg.transpose(xc, rest + axes) if nd else xc
    flat = tg.reshape(moved, [*(x.shape[a] for a in rest), -1])
    srt = tg.sort(flat, axis=-1)
    n = flat.shape[-1]
    qv = cast(q, calc)
    if ignore_nan:
        valid = tg.reduce_sum(cast(tg.logical_not(tg.math.is_nan(flat)), calc), -1, keepdims=True)
    else:
        valid = tg.fill([*flat.shape[:-1], 1], tg.constant(float(n), calc))
    qs = tg.reshape(qv, [-1])
    pos = tg.expand_dims(qs, 0) * (valid - 1) if flat.shape[:-1] else qs * (valid[0] - 1)
    pos = tg.maximum(pos, tg.zeros_like(pos))
    lo = tg.floor(pos)
    hi = tg.math.ceil(pos)
    if method == "lower":
        idx_lo = idx_hi = lo
    elif method == "higher":
        idx_lo = idx_hi = hi
    elif method == "nearest":
        idx_lo = idx_hi = tg.round(pos)
    else:
        idx_lo, idx_hi = lo, hi
    il, ih = cast(idx_lo, "int32"), cast(idx_hi, "int32")
    vl = tg.gather(srt, il, axis=-1, batch_dims=len(rest)) if rest else tg.gather(srt, il)
    vh = tg.gather(srt, ih, axis=-1, batch_dims=len(rest)) if rest else tg.gather(srt, ih)
    if method == "linear":
        out = vl + (vh - vl) * (pos - lo)
    elif method == "midpoint":
        out = (vl + vh) * 0.5
    else:
        out = vl
    if not ignore_nan:
        has_nan = tg.reduce_any(tg.math.is_nan(flat), -1, keepdims=True)
        out = tg.where(tg.broadcast_to(has_nan, tg.shape(out)), tg.fill(tg.shape(out), tg.constant(np.nan, calc)),
                       out)
    # out: [*rest, nq] → [nq, *rest] (q's shape first, as NumPy)
    if rest:
        out = tg.transpose(out, [len(rest), *range(len(rest))])
    out = tg.reshape(out, [*q.shape, *(x.shape[a] for a in rest)])
    if keepdims:
        kept = list(q.shape) + [1 if a in axes else x.shape[a] for a in range(nd)]
        out = tg.reshape(out, kept)
    return cast(out, dt)


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis``; ``method`` as NumPy's."""
    return _quantile(x, q, axis, method, keepdims, False)


def percentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """The ``q``-th percentiles (``q`` in [0, 100])."""
    return _quantile(x, divide(q, 100.0), axis, method, keepdims, False)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The median along ``axis``."""
    return _quantile(x, 0.5, axis, "linear", keepdims, False)


def nanquantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """:func:`quantile` ignoring NaNs."""
    return _quantile(x, q, axis, method, keepdims, True)


def nanpercentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Any:
    """:func:`percentile` ignoring NaNs."""
    return _quantile(x, divide(q, 100.0), axis, method, keepdims, True)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`median` ignoring NaNs."""
    return _quantile(x, 0.5, axis, "linear", keepdims, True)


def _nan_fill(x: Any, value: float) -> Any:
    x = convert(x)
    if not _is_float(x.dtype.name):
        return x
    return tg.where(tg.math.is_nan(x), tg.fill(tg.shape(x), tg.constant(value, x.dtype)), x)


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`sum` treating NaN as 0."""
    return sum(_nan_fill(x, 0.0), axis, keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`prod` treating NaN as 1."""
    return prod(_nan_fill(x, 1.0), axis, keepdims)


def nancumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """:func:`cumsum` treating NaN as 0."""
    return cumsum(_nan_fill(x, 0.0), axis, dtype)


def nancumprod(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """:func:`cumprod` treating NaN as 1."""
    return cumprod(_nan_fill(x, 1.0), axis, dtype)


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`max` ignoring NaN (NaN where a slice is all NaN)."""
    x = convert(x)
    if not _is_float(x.dtype.name):
        return max(x, axis, keepdims)
    out = tg.reduce_max(_nan_fill(x, -np.inf), _axes(axis), keepdims)
    all_nan = tg.reduce_all(tg.math.is_nan(x), _axes(axis), keepdims)
    return tg.where(all_nan, tg.fill(tg.shape(out), tg.constant(np.nan, x.dtype)), out)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`min` ignoring NaN."""
    x = convert(x)
    if not _is_float(x.dtype.name):
        return min(x, axis, keepdims)
    out = tg.reduce_min(_nan_fill(x, np.inf), _axes(axis), keepdims)
    all_nan = tg.reduce_all(tg.math.is_nan(x), _axes(axis), keepdims)
    return tg.where(all_nan, tg.fill(tg.shape(out), tg.constant(np.nan, x.dtype)), out)


def nanargmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`argmax` ignoring NaN."""
    x = convert(x)
    return argmax(_nan_fill(x, -np.inf), axis, keepdims)


def nanargmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`argmin` ignoring NaN."""
    x = convert(x)
    return argmin(_nan_fill(x, np.inf), axis, keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`mean` ignoring NaN."""
    x = convert(x)
    out_dt = _mean_dtype(x.dtype.name)
    calc = "float32" if out_dt in ("float16", "bfloat16") else out_dt
    xc = cast(x, calc)
    ok = cast(tg.logical_not(tg.math.is_nan(xc)), calc)
    total = tg.reduce_sum(_nan_fill(xc, 0.0), _axes(axis), keepdims)
    return cast(total / tg.reduce_sum(ok, _axes(axis), keepdims), out_dt)


def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`var` ignoring NaN."""
    x = convert(x)
    out_dt = _mean_dtype(x.dtype.name)
    calc = "float32" if out_dt in ("float16", "bfloat16") else out_dt
    xc = cast(x, calc)
    ok = cast(tg.logical_not(tg.math.is_nan(xc)), calc)
    n = tg.reduce_sum(ok, _axes(axis), True)
    m = tg.reduce_sum(_nan_fill(xc, 0.0), _axes(axis), True) / n
    sq = _nan_fill(tg.square(xc - m), 0.0)
    return cast(tg.reduce_sum(sq, _axes(axis), keepdims) / tg.reduce_sum(ok, _axes(axis), keepdims), out_dt)


def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`std` ignoring NaN."""
    return tg.sqrt(nanvar(x, axis, keepdims))


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
    """Replace NaN with ``nan`` and +-inf with ``posinf``/``neginf`` (the dtype's largest finite by default)."""
    x = convert(x)
    if not _is_float(x.dtype.name):
        return x
    big = float(tg.as_dtype(x.dtype).max)
    pos = big if posinf is None else posinf
    neg = -big if neginf is None else neginf
    fill = lambda v: tg.fill(tg.shape(x), tg.constant(v, x.dtype))  # noqa: E731
    x = tg.where(tg.math.is_nan(x), fill(nan), x)
    x = tg.where(tg.logical_and(tg.math.is_inf(x), tg.greater(x, 0)), fill(pos), x)
    return tg.where(tg.logical_and(tg.math.is_inf(x), tg.less(x, 0)), fill(neg), x)


def clip(x: Any, x_min: Any, x_max: Any) -> Any:
    """Clamp ``x`` to ``[x_min, x_max]`` (booleans become ``int32``)."""
    x = convert(x)
    if x.dtype.name == "bool":
        x = cast(x, "int32")
    return tg.clip_by_value(x, x_min, x_max)



# The array functions (creation, shape, indexing, sorting, products) live in _array.py; keras.ops.numpy has both.
from ._array import *  # noqa: E402,F403
from ._array import __all__ as _array_all  # noqa: E402

__all__ += _array_all
