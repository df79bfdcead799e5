"""TF-NumPy math: elementwise functions with NumPy promotion, comparisons, reductions, scans, products and sorting,
on tapegrad's differentiable ops (so gradients flow through them as through TF-NumPy's)."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from ... import dtypes as _tgd
from ._array_ops import _static_shape, atleast_1d, ravel
from ._dtypes import _is_tensor, _promote, array, asarray, default_float_type, result_type


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _bin(fn: Any, a: Any, b: Any) -> Any:
    a, b = _promote(a, b)
    return fn(a, b)


def _bin_float(fn: Any, a: Any, b: Any) -> Any:
    """``fn`` on the promoted operands, integers and bools cast to the default float type."""
    a, b = _promote(a, b)
    if not (a.dtype.is_floating or a.dtype.is_complex):
        ft = _tgd.as_dtype(default_float_type())
        a, b = _tg().cast(a, ft), _tg().cast(b, ft)
    return fn(a, b)


def _float(x: Any) -> Any:
    """``x`` as a tensor, integers and bools cast to the default float type."""
    x = asarray(x)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        x = _tg().cast(x, _tgd.as_dtype(default_float_type()))
    return x


def _unary(name: str, tf_fn: Any, promote_to_float: bool = True, doc: str = "") -> Any:
    def fn(x: Any) -> Any:
        return tf_fn(_float(x) if promote_to_float else asarray(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or (f"Elementwise ``{name}`` (NumPy's ``np.{name}``; integers and bools are computed in the "
                         "default float type).")
    return fn


def _binary(name: str, tf_fn: Any, doc: str = "") -> Any:
    def fn(x1: Any, x2: Any) -> Any:
        return _bin(tf_fn, x1, x2)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"Elementwise ``{name}`` with NumPy's dtype promotion (``np.{name}``)."
    return fn


def _tfm() -> Any:
    return _tg().math


# -- arithmetic ------------------------------------------------------------------------------------------------------

def add(x1: Any, x2: Any) -> Any:
    """``x1 + x2`` with NumPy's promotion (bools: logical or).

    >>> import tapegrad as tf
    >>> x = tf.constant([1, 2], tf.int32)
    >>> tf.experimental.numpy.add(x, 1.5).numpy()
    array([2.5, 3.5])
    """
    return _bin(lambda a, b: _tg().logical_or(a, b) if a.dtype == _tgd.bool else _tg().add(a, b), x1, x2)


def subtract(x1: Any, x2: Any) -> Any:
    """``x1 - x2`` with NumPy's promotion."""
    return _bin(_tg().subtract, x1, x2)


def multiply(x1: Any, x2: Any) -> Any:
    """``x1 * x2`` with NumPy's promotion (bools: logical and)."""
    return _bin(lambda a, b: _tg().logical_and(a, b) if a.dtype == _tgd.bool else _tg().multiply(a, b), x1, x2)


def true_divide(x1: Any, x2: Any) -> Any:
    """``x1 / x2``: integers divide in floating point (TF's rule: int8/int16 give float32, int32/int64 float64).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.true_divide([7, -7], 2).numpy()
    array([ 3.5, -3.5])
    """
    def f(a: Any, b: Any) -> Any:
        if a.dtype == _tgd.bool:
            ft = result_type(float)
            a, b = _tg().cast(a, ft), _tg().cast(b, ft)
        from ._dtypes import is_allow_float64

        if not is_allow_float64() and a.dtype in (_tgd.int32, _tgd.int64):
            a, b = _tg().cast(a, _tgd.float32), _tg().cast(b, _tgd.float32)
        return _tg().math.truediv(a, b)

    return _bin(f, x1, x2)


divide = true_divide


def _int8_bools(fn: Any) -> Any:
    def f(a: Any, b: Any) -> Any:
        if a.dtype == _tgd.bool:
            a, b = _tg().cast(a, _tgd.int8), _tg().cast(b, _tgd.int8)
        return fn(a, b)

    return f


def floor_divide(x1: Any, x2: Any) -> Any:
    """``x1 // x2`` (rounds toward minus infinity)."""
    return _bin(_int8_bools(_tfm().floordiv), x1, x2)


def mod(x1: Any, x2: Any) -> Any:
    """``x1 % x2`` with the divisor's sign (NumPy's and Python's modulo)."""
    return _bin(_int8_bools(_tfm().floormod), x1, x2)


remainder = mod


def divmod(x1: Any, x2: Any) -> tuple[Any, Any]:  # noqa: A001 - NumPy's name
    """``(floor_divide(x1, x2), mod(x1, x2))``."""
    return floor_divide(x1, x2), mod(x1, x2)


def maximum(x1: Any, x2: Any) -> Any:
    """Elementwise maximum (bools: logical or)."""
    return _bin(lambda a, b: _tg().logical_or(a, b) if a.dtype == _tgd.bool else _tg().maximum(a, b), x1, x2)


def minimum(x1: Any, x2: Any) -> Any:
    """Elementwise minimum (bools: logical and)."""
    return _bin(lambda a, b: _tg().logical_and(a, b) if a.dtype == _tgd.bool else _tg().minimum(a, b), x1, x2)


def clip(a: Any, a_min: Any, a_max: Any) -> Any:
    """``a`` limited to ``[a_min, a_max]`` (one bound may be None)."""
    if a_min is None and a_max is None:
        raise ValueError("clip: at most one of a_min and a_max may be None.")
    if a_min is None:
        return minimum(a, a_max)
    if a_max is None:
        return maximum(a, a_min)
    a, lo, hi = _promote(a, a_min, a_max)
    shp = list(np.broadcast_shapes(*[tuple(_static_shape(t)) for t in (a, lo, hi)]))
    return _tg().clip_by_value(*[_tg().broadcast_to(t, shp) for t in (a, lo, hi)])


def power(x1: Any, x2: Any) -> Any:
    """``x1 ** x2`` with NumPy's promotion."""
    return _bin(_tg().pow, x1, x2)


def float_power(x1: Any, x2: Any) -> Any:
    """Same as :func:`power` in TF-NumPy (the dtype is the promoted one, not forced to float64)."""
    return power(x1, x2)


def arctan2(x1: Any, x2: Any) -> Any:
    """Elementwise ``atan2(x1, x2)`` (integers as floats)."""
    return _bin_float(_tg().atan2, x1, x2)


def nextafter(x1: Any, x2: Any) -> Any:
    """The next representable float after ``x1`` toward ``x2``."""
    return _bin(_tfm().nextafter, x1, x2)


def heaviside(x1: Any, x2: Any) -> Any:
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""
    def f(a: Any, b: Any) -> Any:
        zero, one = _tg().zeros([], a.dtype), _tg().ones([], a.dtype)
        shp = list(np.broadcast_shapes(tuple(_static_shape(a)), tuple(_static_shape(b))))
        a, b = _tg().broadcast_to(a, shp), _tg().broadcast_to(b, shp)
        return _tg().where(a < zero, _tg().zeros(shp, a.dtype), _tg().where(a > zero, _tg().ones(shp, a.dtype) * one,
                                                                             b))

    out = _bin(f, x1, x2)
    return _tg().cast(out, _tgd.as_dtype(default_float_type())) if out.dtype.is_integer else out


def hypot(x1: Any, x2: Any) -> Any:
    """``sqrt(x1**2 + x2**2)``."""
    return sqrt(add(square(x1), square(x2)))


def logaddexp(x1: Any, x2: Any) -> Any:
    """``log(exp(x1) + exp(x2))``, computed stably."""
    def f(a: Any, b: Any) -> Any:
        m = _tg().maximum(a, b)
        return m + _tfm().log1p(_tg().exp(-_tg().abs(a - b)))

    return _bin_float(f, x1, x2)


def logaddexp2(x1: Any, x2: Any) -> Any:
    """``log2(2**x1 + 2**x2)``, computed stably."""
    def f(a: Any, b: Any) -> Any:
        m = _tg().maximum(a, b)
        ln2 = _tg().constant(math.log(2.0), a.dtype)
        return m + _tfm().log1p(_tg().exp(-_tg().abs(a - b) * ln2)) / ln2

    return _bin_float(f, x1, x2)


def gcd(x1: Any, x2: Any) -> Any:
    """Elementwise greatest common divisor of integers (non-negative)."""
    def f(a: Any, b: Any) -> Any:
        if not a.dtype.is_integer:
            raise ValueError(f"gcd: arguments must be integers, got {a.dtype.name}.")
        x, y = np.abs(a.numpy()), np.abs(b.numpy())
        return _tg().constant(np.gcd(x, y).astype(a.dtype.as_numpy_dtype))

    return _bin(f, x1, x2)


def lcm(x1: Any, x2: Any) -> Any:
    """Elementwise least common multiple of integers (non-negative)."""
    def f(a: Any, b: Any) -> Any:
        if not a.dtype.is_integer:
            raise ValueError(f"lcm: arguments must be integers, got {a.dtype.name}.")
        return _tg().constant(np.lcm(np.abs(a.numpy()), np.abs(b.numpy())).astype(a.dtype.as_numpy_dtype))

    return _bin(f, x1, x2)


def _bitwise(name: str, bitwise: Any, logical: Any) -> Any:
    def fn(x1: Any, x2: Any) -> Any:
        a, b = _promote(x1, x2)
        if a.dtype == _tgd.bool:
            return logical(a, b)
        if not a.dtype.is_integer:
            raise ValueError(f"{name}: arguments must be integers or bools, got {a.dtype.name}.")
        return bitwise(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of integers (logical on bools)."
    return fn


def _bitwise_fns() -> dict[str, Any]:
    tg = _tg()
    return {"bitwise_and": _bitwise("bitwise_and", tg.bitwise.bitwise_and, tg.logical_and),
            "bitwise_or": _bitwise("bitwise_or", tg.bitwise.bitwise_or, tg.logical_or),
            "bitwise_xor": _bitwise("bitwise_xor", tg.bitwise.bitwise_xor, tg.math.logical_xor)}


def bitwise_and(x1: Any, x2: Any) -> Any:
    """Elementwise bitwise and of integers (logical and on bools)."""
    return _bitwise_fns()["bitwise_and"](x1, x2)


def bitwise_or(x1: Any, x2: Any) -> Any:
    """Elementwise bitwise or of integers (logical or on bools)."""
    return _bitwise_fns()["bitwise_or"](x1, x2)


def bitwise_xor(x1: Any, x2: Any) -> Any:
    """Elementwise bitwise xor of integers (logical xor on bools)."""
    return _bitwise_fns()["bitwise_xor"](x1, x2)


def bitwise_not(x: Any) -> Any:
    """Elementwise bitwise not of integers (logical not on bools)."""
    x = asarray(x)
    if x.dtype == _tgd.bool:
        return _tg().logical_not(x)
    return _tg().bitwise.invert(x)


# -- unary -----------------------------------------------------------------------------------------------------------

def _lazy(path: str) -> Any:
    def call(x: Any) -> Any:
        fn: Any = _tg()
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn(x)

    return call


log = _unary("log", _lazy("math.log"))
exp = _unary("exp", _lazy("exp"))
sqrt = _unary("sqrt", _lazy("sqrt"))
sin = _unary("sin", _lazy("sin"))
cos = _unary("cos", _lazy("cos"))
tan = _unary("tan", _lazy("tan"))
sinh = _unary("sinh", _lazy("sinh"))
cosh = _unary("cosh", _lazy("cosh"))
tanh = _unary("tanh", _lazy("tanh"))
arcsin = _unary("arcsin", _lazy("asin"))
arccos = _unary("arccos", _lazy("acos"))
arctan = _unary("arctan", _lazy("atan"))
arcsinh = _unary("arcsinh", _lazy("asinh"))
arccosh = _unary("arccosh", _lazy("acosh"))
arctanh = _unary("arctanh", _lazy("atanh"))
expm1 = _unary("expm1", _lazy("math.expm1"))
log1p = _unary("log1p", _lazy("math.log1p"))
ceil = _unary("ceil", _lazy("math.ceil"))
floor = _unary("floor", _lazy("floor"))
reciprocal = _unary("reciprocal", _lazy("math.reciprocal"))
isnan = _unary("isnan", _lazy("math.is_nan"))
isinf = _unary("isinf", _lazy("math.is_inf"))
isfinite = _unary("isfinite", _lazy("math.is_finite"))
abs = _unary("abs", _lazy("abs"), promote_to_float=False)  # noqa: A001 - NumPy's name
absolute = _unary("absolute", _lazy("abs"), promote_to_float=False)
fabs = _unary("fabs", _lazy("abs"), promote_to_float=False)
negative = _unary("negative", _lazy("negative"), promote_to_float=False)
square = _unary("square", _lazy("square"), promote_to_float=False)
conj = _unary("conj", _lazy("math.conj"), promote_to_float=False)
conjugate = _unary("conjugate", _lazy("math.conj"), promote_to_float=False)


def positive(x: Any) -> Any:
    """``x`` itself, as a tensor."""
    return asarray(x)


def signbit(x: Any) -> Any:
    """Whether the sign bit is set (negative numbers and -0.0)."""
    x = asarray(x)
    if x.dtype == _tgd.bool:
        return _tg().fill(_static_shape(x), False)
    if x.dtype.is_integer:
        return x < 0
    if x.dtype.is_complex:
        raise ValueError("signbit: complex inputs are not supported.")
    return _tg().constant(np.signbit(x.numpy()))


def sign(x: Any, out: Any = None, where: Any = None, **kwargs: Any) -> Any:
    """-1, 0 or 1 by the sign of each element (complex: ``x / |x|``)."""
    if out is not None:
        raise ValueError("sign: the out argument is not supported (tensors are immutable).")
    if where is not None or kwargs:
        raise ValueError("sign: the where argument and other ufunc keywords are not supported.")
    x = asarray(x)
    if x.dtype.is_complex:
        return _tg().math.divide_no_nan(x, _tg().cast(_tg().abs(x), x.dtype))
    return _tg().sign(x)


def log2(x: Any) -> Any:
    """Elementwise base-2 logarithm."""
    x = _float(x)
    return _tfm().log(x) / _tg().constant(math.log(2.0), x.dtype)


def log10(x: Any) -> Any:
    """Elementwise base-10 logarithm."""
    x = _float(x)
    return _tfm().log(x) / _tg().constant(math.log(10.0), x.dtype)


def exp2(x: Any) -> Any:
    """Elementwise ``2 ** x``."""
    x = _float(x)
    return _tg().pow(_tg().constant(2.0, x.dtype), x)


def cbrt(x: Any) -> Any:
    """Elementwise real cube root (negative inputs give negative roots)."""
    x = _float(x)
    return _tg().sign(x) * _tg().pow(_tg().abs(x), _tg().constant(1.0 / 3.0, x.dtype))


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    x = _float(x)
    return x * _tg().constant(np.pi / 180.0, x.dtype)


def rad2deg(x: Any) -> Any:
    """Radians to degrees (TF-NumPy multiplies as given: a Python number stays a Python number)."""
    return x * (180.0 / np.pi)


def sinc(x: Any) -> Any:
    """The normalised sinc ``sin(pi x) / (pi x)`` (1 at 0)."""
    x = _float(x)
    pix = x * _tg().constant(np.pi, x.dtype)
    safe = _tg().where(_tg().equal(x, 0), _tg().ones_like(pix), pix)
    return _tg().where(_tg().equal(x, 0), _tg().ones_like(x), _tg().sin(safe) / safe)


def fix(x: Any) -> Any:
    """Round toward zero."""
    x = _float(x)
    return _tg().where(x < 0, _tfm().ceil(x), _tg().floor(x))


def around(a: Any, decimals: int = 0) -> Any:
    """Round to ``decimals`` places, halves to even (NumPy's ``around``)."""
    a = asarray(a)
    dt = a.dtype
    if dt.is_integer and decimals >= 0:
        return a
    work = a if dt.is_floating or dt.is_complex else _tg().cast(a, _tgd.as_dtype(default_float_type()))
    if decimals == 0:
        out = _tg().round(work)
    else:
        f = _tg().constant(10.0 ** decimals, work.dtype)
        out = _tg().round(work * f) / f
    return _tg().cast(out, dt) if dt.is_integer else out


round = around  # noqa: A001 - NumPy's name


def real(val: Any) -> Any:
    """The real part (the input itself for real inputs)."""
    val = asarray(val)
    return _tfm().real(val)


def imag(val: Any) -> Any:
    """The imaginary part (zeros for real inputs)."""
    val = asarray(val)
    return _tfm().imag(val)


def angle(z: Any, deg: bool = False) -> Any:
    """The complex argument (in degrees when ``deg``)."""
    z = asarray(z)
    if z.dtype.is_complex:
        out = _tfm().angle(z)
    else:
        z = _float(z)
        out = _tg().where(z < 0, _tg().fill(_static_shape(z), _tg().constant(np.pi, z.dtype)), _tg().zeros_like(z))
    return out * _tg().constant(180.0 / np.pi, out.dtype) if deg else out


def iscomplex(x: Any) -> Any:
    """Elementwise: a nonzero imaginary part."""
    x = asarray(x)
    return _tg().not_equal(imag(x), 0) if x.dtype.is_complex else _tg().fill(_static_shape(x), False)


def isreal(x: Any) -> Any:
    """Elementwise: a zero imaginary part."""
    return _tg().logical_not(iscomplex(x))


def iscomplexobj(x: Any) -> bool:
    """Whether the dtype is complex."""
    return bool(asarray(x).dtype.is_complex)


def isrealobj(x: Any) -> bool:
    """Whether the dtype is not complex."""
    return not iscomplexobj(x)


def isneginf(x: Any) -> Any:
    """Elementwise: equal to minus infinity."""
    x = _float(x)
    return _tg().equal(x, _tg().constant(-np.inf, x.dtype))


def isposinf(x: Any) -> Any:
    """Elementwise: equal to plus infinity."""
    x = _float(x)
    return _tg().equal(x, _tg().constant(np.inf, x.dtype))


# -- comparison and logic --------------------------------------------------------------------------------------------

def _comparison(name: str, tf_name: str) -> Any:
    def fn(x1: Any, x2: Any) -> Any:
        a, b = _promote(x1, x2)
        if a.dtype == _tgd.bool and name not in ("equal", "not_equal"):
            a, b = _tg().cast(a, _tgd.int8), _tg().cast(b, _tgd.int8)
        return getattr(_tg(), tf_name)(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` after NumPy's promotion; a bool tensor."
    return fn


equal = _comparison("equal", "equal")
not_equal = _comparison("not_equal", "not_equal")
greater = _comparison("greater", "greater")
greater_equal = _comparison("greater_equal", "greater_equal")
less = _comparison("less", "less")
less_equal = _comparison("less_equal", "less_equal")


def array_equal(a1: Any, a2: Any) -> Any:
    """True when both have the same shape and elements (a bool tensor)."""
    a, b = _promote(a1, a2)
    if _static_shape(a) != _static_shape(b):
        return _tg().constant(False)
    return _tg().reduce_all(_tg().equal(a, b))


def _logical(name: str, fn_name: str) -> Any:
    def fn(x1: Any, x2: Any) -> Any:
        a, b = asarray(x1, dtype=bool), asarray(x2, dtype=bool)
        return getattr(_tfm(), fn_name)(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of the inputs' truth values."
    return fn


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(x: Any) -> Any:
    """Elementwise negation of the truth values."""
    return _tg().logical_not(asarray(x, dtype=bool))


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (infinities equal themselves; NaN only with ``equal_nan``)."""
    a, b = _promote(a, b)
    if not (a.dtype.is_floating or a.dtype.is_complex):
        a, b = _tg().cast(a, _tgd.as_dtype(default_float_type())), _tg().cast(b, _tgd.as_dtype(default_float_type()))
    dt = a.dtype.real_dtype if a.dtype.is_complex else a.dtype
    diff = _tg().cast(_tg().abs(a - b), dt)
    tol = _tg().constant(atol, dt) + _tg().constant(rtol, dt) * _tg().cast(_tg().abs(b), dt)
    out = _tg().logical_or(_tg().equal(a, b), diff <= tol)
    if equal_nan:
        out = _tg().logical_or(out, _tg().logical_and(_tfm().is_nan(_tg().abs(a)), _tfm().is_nan(_tg().abs(b))))
    return out


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """Whether :func:`isclose` holds everywhere (a bool tensor)."""
    return _tg().reduce_all(isclose(a, b, rtol, atol, equal_nan))


# -- reductions ------------------------------------------------------------------------------------------------------

_TO_INT, _TO_FLOAT = 0, 1


def _axis(axis: Any) -> Any:
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return axis


def _reduce(tf_fn: Any, a: Any, axis: Any = None, dtype: Any = None, keepdims: Any = None, promote: Any = _TO_INT,
            bool_fn: Any = None, preserve_bool: bool = False) -> Any:
    if dtype:
        dtype = result_type(dtype)
    a = asarray(a, dtype=dtype)
    keep = bool(keepdims)
    if bool_fn is not None and (dtype == _tgd.bool or (preserve_bool and a.dtype == _tgd.bool)):
        return bool_fn(a, axis=_axis(axis), keepdims=keep)
    if dtype is None and (a.dtype.is_integer or a.dtype == _tgd.bool):
        if promote == _TO_INT:
            nd = a.dtype.as_numpy_dtype
            if a.dtype == _tgd.bool:
                a = _tg().cast(a, _tgd.int64)
            elif np.iinfo(nd).bits < 64:
                a = _tg().cast(a, _tgd.int64 if np.issubdtype(nd, np.signedinteger) else _tgd.uint64)
        elif promote == _TO_FLOAT:
            a = _tg().cast(a, result_type(float))
    return tf_fn(a, axis=_axis(axis), keepdims=keep)


def sum(a: Any, axis: Any = None, dtype: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """The sum (integers and bools accumulate in int64, as NumPy).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.sum(tf.constant([1, 2], tf.int32)).dtype
    tapegrad.int64
    """
    return _reduce(_tg().reduce_sum, a, axis, dtype, keepdims, bool_fn=_tg().reduce_any)


def prod(a: Any, axis: Any = None, dtype: Any = None, keepdims: Any = None) -> Any:
    """The product (integers in int64)."""
    return _reduce(_tg().reduce_prod, a, axis, dtype, keepdims, bool_fn=_tg().reduce_all)


def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = None) -> Any:
    """The mean (integers and bools in the default float type)."""
    if out is not None:
        raise ValueError("mean: the out argument is not supported (tensors are immutable).")
    return _reduce(_tg().reduce_mean, a, axis, dtype, keepdims, promote=_TO_FLOAT)


def amax(a: Any, axis: Any = None, out: Any = None, keepdims: Any = None) -> Any:
    """The maximum (dtype kept; bools: any)."""
    if out is not None:
        raise ValueError("amax: the out argument is not supported (tensors are immutable).")
    return _reduce(_tg().reduce_max, a, axis, None, keepdims, promote=None, bool_fn=_tg().reduce_any,
                   preserve_bool=True)


def amin(a: Any, axis: Any = None, out: Any = None, keepdims: Any = None) -> Any:
    """The minimum (dtype kept; bools: all)."""
    if out is not None:
        raise ValueError("amin: the out argument is not supported (tensors are immutable).")
    return _reduce(_tg().reduce_min, a, axis, None, keepdims, promote=None, bool_fn=_tg().reduce_all,
                   preserve_bool=True)


def max(a: Any, axis: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """Same as :func:`amax`."""
    return amax(a, axis=axis, keepdims=keepdims)


def min(a: Any, axis: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """Same as :func:`amin`."""
    return amin(a, axis=axis, keepdims=keepdims)


def all(a: Any, axis: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """Whether every element is true."""
    return _tg().reduce_all(asarray(a, dtype=bool), axis=_axis(axis), keepdims=bool(keepdims))


def any(a: Any, axis: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """Whether any element is true."""
    return _tg().reduce_any(asarray(a, dtype=bool), axis=_axis(axis), keepdims=bool(keepdims))


def ptp(a: Any, axis: Any = None, keepdims: Any = None) -> Any:
    """Peak to peak: ``amax - amin``."""
    return amax(a, axis=axis, keepdims=keepdims) - amin(a, axis=axis, keepdims=keepdims)


def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: Any = None) -> Any:
    """The variance, divided by ``N - ddof``."""
    if out is not None:
        raise ValueError("var: the out argument is not supported (tensors are immutable).")

    def fn(x: Any, axis: Any, keepdims: bool) -> Any:
        m = _tg().reduce_mean(x, axis=axis, keepdims=True)
        d = x - m
        sq = _tfm().real(d * _tfm().conj(d)) if x.dtype.is_complex else d * d
        if ddof == 0:
            return _tg().reduce_mean(sq, axis=axis, keepdims=keepdims)
        n = _tg().cast(_tg().size(x), sq.dtype) / _tg().cast(_tg().size(m), sq.dtype)
        return _tg().reduce_sum(sq, axis=axis, keepdims=keepdims) / (n - _tg().constant(ddof, sq.dtype))

    return _reduce(fn, a, axis, dtype, keepdims, promote=_TO_FLOAT)


def std(a: Any, axis: Any = None, keepdims: Any = None) -> Any:
    """The standard deviation."""
    return _reduce(_tfm().reduce_std, a, axis, None, keepdims, promote=_TO_FLOAT)


def _nan_reduce(name: str, reduce: Any, init: float) -> Any:
    def fn(a: Any, axis: Any = None, dtype: Any = None, keepdims: Any = False) -> Any:
        a = asarray(a, dtype=dtype)
        if a.dtype.is_floating or a.dtype.is_complex:
            a = _tg().where(_tfm().is_nan(_tg().abs(a)) if a.dtype.is_complex else _tfm().is_nan(a),
                            _tg().fill(_static_shape(a), _tg().constant(init, a.dtype)), a)
        return reduce(a, axis=axis, dtype=dtype, keepdims=keepdims)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name[3:]}`` treating NaN as {init:g}."
    return fn


nansum = _nan_reduce("nansum", sum, 0.0)
nanprod = _nan_reduce("nanprod", prod, 1.0)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, keepdims: Any = None) -> Any:
    """The mean of the non-NaN elements."""
    a = asarray(a, dtype=dtype)
    if not (a.dtype.is_floating or a.dtype.is_complex):
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    nan = _tfm().is_nan(a)
    total = nansum(a, axis=axis, keepdims=keepdims)
    count = sum(_tg().logical_not(nan), axis=axis, keepdims=keepdims)
    return total / _tg().cast(count, total.dtype)


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False) -> Any:
    """The (weighted) average; with ``returned`` also the sum of the weights."""
    if axis is not None and not isinstance(axis, int):
        raise ValueError(f"average: axis must be an int or None, got {axis!r}.")
    a = asarray(a)
    if weights is None:
        if not (a.dtype.is_floating or a.dtype.is_complex):
            a = _tg().cast(a, result_type(float))
        avg = _tg().reduce_mean(a, axis=axis)
        if not returned:
            return avg
        n = _tg().size(a) if axis is None else _static_shape(a)[axis]
        return avg, _tg().fill(_static_shape(avg), _tg().cast(n, avg.dtype))
    dt = result_type(a, weights)  # (before conversion: Python numbers in the weights are weak)
    w = asarray(weights)
    if not (dt.is_floating or dt.is_complex):
        dt = result_type(dt, float)
    a, w = _tg().cast(a, dt), _tg().cast(w, dt)
    if axis is not None and w.shape.rank == 1 and a.shape.rank > 1:
        shp = [1] * a.shape.rank
        shp[axis] = -1
        w = _tg().reshape(w, shp)
    w = _tg().broadcast_to(w, _static_shape(a))
    wsum = _tg().reduce_sum(w, axis=axis)
    avg = _tg().reduce_sum(a * w, axis=axis) / wsum
    return (avg, wsum) if returned else avg


def count_nonzero(a: Any, axis: Any = None) -> Any:
    """The number of nonzero elements (int64)."""
    return _tfm().count_nonzero(asarray(a), axis=_axis(axis), dtype=_tgd.int64)


def _argminmax(fn: Any, a: Any, axis: Any) -> Any:
    a = array(a)
    if axis is None:
        return fn(_tg().reshape(a, [-1]), axis=0)
    return fn(atleast_1d(a), axis=axis)


def argmax(a: Any, axis: int | None = None) -> Any:
    """The index of the maximum (over the flattened array when ``axis`` is None)."""
    return _argminmax(_tg().argmax, a, axis)


def argmin(a: Any, axis: int | None = None) -> Any:
    """The index of the minimum (over the flattened array when ``axis`` is None)."""
    return _argminmax(_tg().argmin, a, axis)


def argsort(a: Any, axis: int | None = -1, kind: str = "quicksort", order: Any = None) -> Any:
    """The indices that sort ``a`` along ``axis`` (int64; ``kind='stable'`` keeps ties in order)."""
    if kind not in ("quicksort", "stable"):
        raise ValueError(f"argsort: kind must be 'quicksort' or 'stable', got {kind!r}.")
    if order is not None:
        raise ValueError("argsort: the order argument is not supported; pass order=None.")
    a = array(a)
    if a.dtype.is_complex:
        raise TypeError(f"argsort: complex inputs are not supported, got {a.dtype.name}.")
    if a.shape.rank == 0:
        return _tg().constant([0], _tgd.int64)
    if axis is None:
        a, axis = _tg().reshape(a, [-1]), 0
    return _tg().cast(_tg().argsort(a, axis=axis, stable=kind == "stable"), _tgd.int64)


def sort(a: Any, axis: int | None = -1, kind: str = "quicksort", order: Any = None) -> Any:
    """``a`` sorted along ``axis`` (flattened when None)."""
    if kind != "quicksort":
        raise ValueError(f"sort: only kind='quicksort' is supported, got {kind!r}.")
    if order is not None:
        raise ValueError("sort: the order argument is not supported; pass order=None.")
    a = array(a)
    if axis is None:
        return _tg().sort(_tg().reshape(a, [-1]), 0)
    return _tg().sort(a, axis)


# -- scans and differences -------------------------------------------------------------------------------------------

def _scan(fn: Any, a: Any, axis: Any, dtype: Any) -> Any:
    a = asarray(a, dtype=dtype)
    if dtype is None and a.dtype.is_integer and np.iinfo(a.dtype.as_numpy_dtype).bits < 64:
        a = _tg().cast(a, _tgd.int64)
    if axis is None:
        a, axis = ravel(a), 0
    elif axis < 0:
        axis += a.shape.rank
    return fn(a, axis=axis)


def cumsum(a: Any, axis: int | None = None, dtype: Any = None) -> Any:
    """The running sum (flattened when ``axis`` is None; small integers accumulate in int64)."""
    return _scan(_tg().cumsum, a, axis, dtype)


def cumprod(a: Any, axis: int | None = None, dtype: Any = None) -> Any:
    """The running product (flattened when ``axis`` is None)."""
    return _scan(_tfm().cumprod, a, axis, dtype)


def diff(a: Any, n: int = 1, axis: int = -1) -> Any:
    """The ``n``-th discrete difference along ``axis``."""
    a = asarray(a)
    if n < 0:
        raise ValueError(f"diff: the order n must be non-negative, got {n}.")
    if a.shape.rank == 0:
        raise ValueError("diff: the input must have at least one dimension.")
    axis %= a.shape.rank
    for _ in range(n):
        size = _static_shape(a)[axis]
        hi = [slice(None)] * a.shape.rank
        lo = [slice(None)] * a.shape.rank
        hi[axis], lo[axis] = slice(1, None), slice(None, builtins.max(size - 1, 0))
        if a.dtype == _tgd.bool:
            a = _tg().not_equal(a[tuple(hi)], a[tuple(lo)])
        else:
            a = a[tuple(hi)] - a[tuple(lo)]
    return a


# -- products --------------------------------------------------------------------------------------------------------

def dot(a: Any, b: Any) -> Any:
    """NumPy's ``dot`` (a product when either is a scalar; else contraction of a's last axis)."""
    def f(x: Any, y: Any) -> Any:
        if x.shape.rank == 0 or y.shape.rank == 0:
            return x * y
        return _tg().tensordot(x, y, axes=[[-1 % x.shape.rank], [(-1 if y.shape.rank == 1 else -2) % y.shape.rank]])

    return _bin(f, a, b)


def matmul(x1: Any, x2: Any) -> Any:
    """The matrix product with NumPy's rules for vectors and batches (shape errors raise ValueError)."""
    from ...errors import InvalidArgumentError

    def f(x: Any, y: Any) -> Any:
        if x.shape.rank == 0 or y.shape.rank == 0:
            raise ValueError("matmul: scalar operands are not allowed; use multiply or '*'.")
        try:
            if y.shape.rank == 1:
                return _tg().tensordot(x, y, axes=[[x.shape.rank - 1], [0]])
            if x.shape.rank == 1:
                return _tg().tensordot(x, y, axes=[[0], [y.shape.rank - 2]])
            return _tg().matmul(x, y)
        except InvalidArgumentError as err:
            raise ValueError(str(err)) from None

    return _bin(f, x1, x2)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """The tensor contraction over ``axes``."""
    return _bin(lambda x, y: _tg().tensordot(x, y, axes=axes), a, b)


def inner(a: Any, b: Any) -> Any:
    """The inner product over the last axes."""
    def f(x: Any, y: Any) -> Any:
        if x.shape.rank == 0 or y.shape.rank == 0:
            return x * y
        return _tg().tensordot(x, y, axes=[[x.shape.rank - 1], [y.shape.rank - 1]])

    return _bin(f, a, b)


def vdot(a: Any, b: Any) -> Any:
    """The dot product of the flattened inputs, conjugating the first."""
    a, b = _promote(a, b)
    a = ravel(a)
    if a.dtype.is_complex:
        a = _tfm().conj(a)
    return _tg().tensordot(a, ravel(b), 1)


def outer(a: Any, b: Any) -> Any:
    """The outer product of the flattened inputs."""
    return _bin(lambda x, y: _tg().reshape(x, [-1, 1]) * _tg().reshape(y, [1, -1]), a, b)


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product."""
    a, b = _promote(a, b)
    nd = builtins.max(a.shape.rank, b.shape.rank)
    a = _tg().reshape(a, [1] * (nd - a.shape.rank) + _static_shape(a))
    b = _tg().reshape(b, [1] * (nd - b.shape.rank) + _static_shape(b))
    sa, sb = _static_shape(a), _static_shape(b)
    ea = _tg().reshape(a, [d for s in sa for d in (s, 1)])
    eb = _tg().reshape(b, [d for s in sb for d in (1, s)])
    return _tg().reshape(ea * eb, [x * y for x, y in zip(sa, sb)])


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """The cross product of 2- or 3-vectors (2-vectors give the z component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _promote(a, b)
    a = _tg().experimental.numpy.moveaxis(a, axisa, -1)
    b = _tg().experimental.numpy.moveaxis(b, axisb, -1)
    na, nb = _static_shape(a)[-1], _static_shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: the vectors must have 2 or 3 components, got {na} and {nb}.")
    if na == 2 and nb == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if na == 2:
        a = _tg().concat([a, _tg().zeros(_static_shape(a)[:-1] + [1], a.dtype)], -1)
    if nb == 2:
        b = _tg().concat([b, _tg().zeros(_static_shape(b)[:-1] + [1], b.dtype)], -1)
    shp = list(np.broadcast_shapes(tuple(_static_shape(a)), tuple(_static_shape(b))))
    out = _tg().linalg.cross(_tg().broadcast_to(a, shp), _tg().broadcast_to(b, shp))
    return _tg().experimental.numpy.moveaxis(out, -1, axisc)


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Any:
    """Einstein summation over promoted operands."""
    casting = kwargs.pop("casting", "safe")
    if casting not in ("safe", "no"):
        raise ValueError(f"einsum: casting must be 'safe' or 'no', got {casting!r}.")
    kwargs.pop("optimize", None)
    if kwargs:
        raise ValueError(f"einsum: unsupported arguments {sorted(kwargs)}.")
    ops = _promote(*operands)
    return _tg().einsum(subscripts, *ops)


def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) at ``x`` (Horner's rule)."""
    p, x = _promote(p, x)
    if p.shape.rank == 0:
        raise ValueError("polyval: p must have at least one dimension.")
    coeffs = _tg().unstack(p)
    out = _tg().zeros_like(x) + coeffs[0]
    for c in coeffs[1:]:
        out = out * x + c
    return out


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Any:
    """The sum along a diagonal."""
    from ._array_ops import diagonal

    if dtype:
        dtype = result_type(dtype)
    a = asarray(a, dtype)
    return _tg().reduce_sum(diagonal(a, offset, axis1, axis2), -1)


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10.0, dtype: Any = None,
             axis: int = 0) -> Any:
    """``base ** linspace(start, stop, num)``."""
    dt = result_type(start, stop, dtype, float) if dtype is None else result_type(dtype)
    exps = linspace(start, stop, num=num, endpoint=endpoint, dtype=dt, axis=axis)
    return _tg().cast(_tg().pow(_tg().cast(asarray(base), exps.dtype), exps), dt)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Any:
    """A geometric progression from ``start`` to ``stop``."""
    dt = result_type(start, stop, float(num), np.zeros((), dtype)) if dtype else result_type(start, stop, float(num))
    if num == 0:
        return _tg().zeros([0], dt)
    lo, hi = np.log10(np.asarray(start, dt.as_numpy_dtype)), np.log10(np.asarray(stop, dt.as_numpy_dtype))
    res = logspace(float(lo), float(hi), num=num, endpoint=endpoint, base=10.0, dtype=dt, axis=0)
    if num > 0:
        vals = res.numpy().copy()
        vals[0] = start
        if endpoint and num > 1:
            vals[-1] = stop
        res = _tg().constant(vals)
    if axis != 0:
        res = _tg().experimental.numpy.moveaxis(res, 0, axis)
    return _tg().cast(res, dt)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype: Any = float,
             axis: int = 0) -> Any:
    """``num`` evenly spaced values; the dtype follows the endpoints (TF-NumPy with NumPy 2 ignores ``dtype``
    except to decide the float width of Python endpoints)."""
    if dtype:
        dtype = result_type([start * 1.0, stop * 1.0]) if not (_is_tensor(start) or _is_tensor(stop)) else \
            result_type(start, stop, float)
    start_t = array(start, dtype=dtype)
    stop_t = array(stop, dtype=dtype)
    if num < 0:
        raise ValueError(f"linspace: num must be a non-negative integer, got {num}.")
    step = _tg().constant(np.nan)
    if endpoint:
        result = _tg().linspace(start_t, stop_t, num, axis=axis)
        if num > 1:
            step = (stop_t - start_t) / (num - 1)
    else:
        if num > 0:
            step = (stop_t - start_t) / num
        if num > 1:
            result = _tg().linspace(start_t, _tg().cast(stop_t, step.dtype) - step, num, axis=axis)
        else:
            result = _tg().linspace(start_t, stop_t, num, axis=axis)
    if dtype:
        if dtype.is_integer:
            result = _tg().floor(result)
        result = _tg().cast(result, dtype)
    return (result, step) if retstep else result

