"""NumPy protocols for tapegrad tensors: NumPy values as in TensorFlow, tapegrad ops while a tape watches.

As in TensorFlow, a NumPy function on tensors returns a NumPy value (``np.add(t, 1)`` is an ``ndarray``), except
while a tape (or forward accumulator) records and watches a floating input, or a compiled ``function`` traces:
then ``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` run the tapegrad op with the same meaning, so the
result is a recorded tensor and the gradient is not lost (TensorFlow silently drops it — a deliberate difference,
see docs/debugging.md). Python operators between NumPy values and tensors give tensors, as in TF. Values follow
TensorFlow's conversion rules: NumPy scalars and arrays combined with a tensor adopt the tensor's dtype.

>>> import numpy as np
>>> import tapegrad as tf
>>> x = tf.Variable([0.0, 1.0])
>>> with tf.GradientTape() as tape:
...     y = np.sum(np.sin(x) * np.float64(2.0))
>>> y.dtype, [round(float(g), 4) for g in tape.gradient(y, x)]
(tapegrad.float32, [2.0, 1.0806])
>>> type(np.add(tf.constant([1.0]), 1)).__name__
'ndarray'

NumPy calls without a tapegrad counterpart compute the NumPy result on tensors that no tape watches. On a tensor an
active tape is watching, a floating-point result would silently leave the tape, so they raise ``TypeError`` naming
the function and the tapegrad alternative (integer/bool results, e.g. ``np.shape`` or ``np.allclose``, carry no
gradient and are returned as they are).

The mapping tables (:data:`UFUNCS`, :data:`FUNCTIONS`) are filled on first use, so ``import tapegrad`` stays fast.
"""

from __future__ import annotations

import dis
import math
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ._tape import local
from ._tensor import Variable, _TensorLike

__all__ = ["UFUNCS", "FUNCTIONS", "supported_ufuncs", "supported_functions", "is_watched"]

UFUNCS: dict[Any, Callable[..., Any]] = {}  # np.ufunc -> tapegrad function (filled by _build)
UFUNC_REDUCE: dict[Any, Callable[..., Any]] = {}  # np.add.reduce -> reduce_sum, ...
UFUNC_ACCUMULATE: dict[Any, Callable[..., Any]] = {}  # np.add.accumulate -> cumsum, ...
FUNCTIONS: dict[Any, Callable[..., Any]] = {}  # NumPy function -> handler with NumPy's signature
_BUILT = False
_BUILD_LOCK = threading.Lock()

# What to use instead of a NumPy function that has no tapegrad counterpart (keyed by NumPy's function name).
ALTERNATIVES: dict[str, str] = {
    "log2": "tf.math.log(x) / math.log(2.0)",
    "log10": "tf.math.log(x) / math.log(10.0)",
    "exp2": "tf.pow(2.0, x)",
    "cbrt": "tf.sign(x) * tf.abs(x) ** (1 / 3)",
    "hypot": "tf.sqrt(tf.square(x) + tf.square(y))",
    "logaddexp": "tf.reduce_logsumexp(tf.stack([x, y]), axis=0)",
    "float_power": "tf.pow(tf.cast(x, tf.float64), y)",
    "fmax": "tf.maximum(x, y) (NaN handling differs)",
    "fmin": "tf.minimum(x, y) (NaN handling differs)",
    "deg2rad": "x * (math.pi / 180)",
    "radians": "x * (math.pi / 180)",
    "rad2deg": "x * (180 / math.pi)",
    "degrees": "x * (180 / math.pi)",
    "trunc": "tf.sign(x) * tf.floor(tf.abs(x)) (no gradient)",
    "diff": "x[1:] - x[:-1]",
    "nansum": "tf.reduce_sum(tf.where(tf.math.is_nan(x), tf.zeros_like(x), x))",
    "nanmean": "tf.reduce_mean(tf.boolean_mask(x, ~tf.math.is_nan(x)))",
    "median": "tf.sort(x) and indexing (tapegrad has no median op)",
    "percentile": "tf.sort(x) and indexing (tapegrad has no percentile op)",
    "quantile": "tf.sort(x) and indexing (tapegrad has no quantile op)",
    "cross": "explicit components: a[1]*b[2] - a[2]*b[1], ...",
    "interp": "tf.gather on the bracketing indices and a weighted sum",
    "convolve": "tf.nn.conv1d",
    "nan_to_num": "tf.where(tf.math.is_finite(x), x, tf.zeros_like(x))",
    "linalg.eig": "tf.linalg.eigh (symmetric/Hermitian matrices)",
    "linalg.lstsq": "tf.linalg.lstsq(a, b)",
    "linalg.matrix_power": "repeated tf.matmul",
    "linalg.cond": "ratio of singular values from tf.linalg.svd",
    "kron": "tf.reshape(a[:, None, :, None] * b[None, :, None, :], ...)",
    "vdot": "tf.reduce_sum(tf.math.conj(a) * b)",
}


# ----------------------------------------------------------------------------------------------------------------
# watching


def is_watched(t: Any) -> bool:
    """Whether an active tape or accumulator would record ops on ``t`` (watched, recorded, or an auto-watched
    trainable Variable).

    >>> import tapegrad as tf
    >>> from tapegrad.numpy_interop import is_watched
    >>> x = tf.constant(1.0)
    >>> with tf.GradientTape() as tape:
    ...     before = is_watched(x)
    ...     tape.watch(x)
    ...     after = is_watched(x)
    >>> before, after, is_watched(x)
    (False, True, False)
    """
    tapes = local.tapes
    if not tapes:
        return False
    if type(t) is not Variable and type(getattr(t, "_var", None)) is Variable:
        t = t._var  # a Keras variable: the Variable it wraps is the one tapes watch
    tid = t._id
    variable = type(t) is Variable and t._trainable
    for r in tapes:
        known = getattr(r, "known", None)
        if tid is not None and known and tid in known:
            return True
        if variable and getattr(r, "watch_accessed", False):
            return True
    return False


def _tensors_in(obj: Any, out: list[Any]) -> list[Any]:
    if isinstance(obj, _TensorLike):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


def _to_numpy(obj: Any, copy: bool = False) -> Any:
    """``obj`` with every tensor replaced by its NumPy value (no escape is logged: the caller decides). ``copy``:
    fresh arrays, for functions that may return views (a tensor's buffer must never be writable by the user)."""
    if isinstance(obj, _TensorLike):
        v = obj._value
        if copy:
            return np.array(obj._numpy_value(), copy=True)
        return v if isinstance(v, np.ndarray) else np.asarray(obj._numpy_value())
    if isinstance(obj, list):
        return [_to_numpy(o, copy) for o in obj]
    if isinstance(obj, tuple):
        return tuple(_to_numpy(o, copy) for o in obj)
    if isinstance(obj, dict):
        return {k: _to_numpy(v, copy) for k, v in obj.items()}
    return obj


# Opcodes of Python operators: ``array + tensor`` reaches ``__array_ufunc__`` through NumPy's operator, and TF
# gives a tensor there (its tensors win the operator), while a direct ``np.add(tensor, 1)`` gives a NumPy array.
_OPERATOR_OPCODES = frozenset(dis.opmap[n] for n in ("BINARY_OP", "COMPARE_OP") if n in dis.opmap)


def _from_operator(frame: Any) -> bool:
    """Is ``frame`` (the caller of the NumPy call) executing a Python operator?"""
    try:
        return frame.f_code.co_code[frame.f_lasti] in _OPERATOR_OPCODES
    except (AttributeError, IndexError):
        return False


def _tensor_result(args: Any) -> bool:
    """Whether ``np.*`` on ``args`` runs the tapegrad op (a tensor result): a tape or accumulator records a
    floating input it watches, a compiled function is tracing, or tf.data's symbolic mode is on. Otherwise the
    result is a NumPy value, as in TensorFlow."""
    if local.tapes:
        if getattr(local, "tracer", None) is not None:
            return True
        for t in _tensors_in(args, []):
            if t._value.dtype.kind in "fcV" and is_watched(t):
                return True
    return bool(getattr(local, "symbolic", False))


def _inexact(result: Any) -> bool:
    """Does a NumPy result carry floating/complex values (which could have carried a gradient)?"""
    if isinstance(result, (np.ndarray, np.generic)):
        return result.dtype.kind in "fcV"
    if isinstance(result, (float, complex)):
        return True
    if isinstance(result, (list, tuple)):
        return any(_inexact(r) for r in result)
    return False


def _numpy_name(func: Any) -> str:
    mod = getattr(func, "__module__", "") or ""
    name = getattr(func, "__name__", repr(func))
    if mod.startswith("numpy.linalg"):
        return f"linalg.{name}"
    if mod.startswith("numpy.fft"):
        return f"fft.{name}"
    return name


def _unsupported(name: str, call: Callable[[], Any], args: Any, detail: str = "") -> Any:
    """The NumPy result for unwatched tensors; a TypeError when a watched tensor's gradient would be lost."""
    tensors = _tensors_in(args, [])
    watched = [t for t in tensors if is_watched(t)]
    result = call()
    if watched and _inexact(result) and any(t._value.dtype.kind in "fcV" for t in watched):
        alt = ALTERNATIVES.get(name)
        hint = f"use {alt}" if alt else "write it with tapegrad ops (tapegrad.math, tapegrad.linalg, ...)"
        shapes = ", ".join(f"{t.dtype.name}{list(t._value.shape)}" for t in watched)
        raise TypeError(
            f"np.{name}{detail} has no tapegrad counterpart, and it was called on a tensor that a GradientTape is "
            f"watching ({shapes}): its NumPy result would silently leave the tape and the gradient would be lost. "
            f"Instead, {hint}. If no gradient should flow through it, call it on t.numpy() (or on "
            "tf.stop_gradient(t).numpy()) explicitly."
        )
    return result


class _Unsupported(Exception):
    """Raised by a handler for arguments it does not map (the NumPy fallback then applies)."""


# ----------------------------------------------------------------------------------------------------------------
# __array_ufunc__

_KNOWN_TYPES = (np.ndarray, np.generic, int, float, complex, bool, list, tuple)


def array_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_ufunc__``: run the tapegrad op of ``ufunc`` (recorded by tapes), or fall back."""
    for x in inputs:
        if not isinstance(x, _TensorLike) and not isinstance(x, _KNOWN_TYPES) and hasattr(x, "__array_ufunc__"):
            return NotImplemented  # another array library: let it try
    if not _tensor_result(inputs) and not _from_operator(sys._getframe(2)):
        if "out" in kwargs and any(isinstance(o, _TensorLike) for o in kwargs["out"]):
            raise TypeError(f"np.{ufunc.__name__}(..., out=<tensor>): tapegrad tensors are immutable; use the "
                            "return value.")
        return getattr(ufunc, method)(*_to_numpy(inputs), **_to_numpy(kwargs))  # TF: a NumPy result
    if not _BUILT:
        _build()
    detail = ""
    try:
        if method == "__call__":
            fn = UFUNCS.get(ufunc)
            if fn is not None and not kwargs:
                return fn(*inputs)
        elif method == "reduce":
            fn = UFUNC_REDUCE.get(ufunc)
            if fn is not None and _plain_kwargs(kwargs, ("axis", "keepdims")):
                return fn(inputs[0], axis=_axis(kwargs.get("axis", 0)), keepdims=bool(kwargs.get("keepdims")))
        elif method == "accumulate":
            fn = UFUNC_ACCUMULATE.get(ufunc)
            if fn is not None and _plain_kwargs(kwargs, ("axis",)):
                return fn(inputs[0], axis=kwargs.get("axis", 0))
        elif method == "outer":
            fn = UFUNCS.get(ufunc)
            if fn is not None and ufunc.nin == 2 and not kwargs:
                return _outer(fn, *inputs)
    except _Unsupported as exc:
        detail = f" on {exc}"
    name = ufunc.__name__ + ("" if method == "__call__" else f".{method}")
    if kwargs and not detail:
        detail = f" with {', '.join(sorted(kwargs))}="
    if "out" in kwargs and any(isinstance(o, _TensorLike) for o in kwargs["out"]):
        raise TypeError(f"np.{name}(..., out=<tensor>): tapegrad tensors are immutable; use the return value.")
    return _unsupported(name, lambda: getattr(ufunc, method)(*_to_numpy(inputs), **_to_numpy(kwargs)),
                        (inputs, kwargs), detail)


def _plain_kwargs(kwargs: dict[str, Any], allowed: tuple[str, ...]) -> bool:
    for k, v in kwargs.items():
        if k in allowed:
            continue
        if k == "out" and all(o is None for o in v):
            continue
        if k == "dtype" and v is None:
            continue
        return False
    return True


def _outer(fn: Callable[..., Any], a: Any, b: Any) -> Any:
    import tapegrad as tf

    a, b = _as_tensor(a), _as_tensor(b)
    nb = b._value.ndim
    return fn(tf.reshape(a, tuple(a._value.shape) + (1,) * nb), b)


def _as_tensor(x: Any, like: Any = None) -> Any:
    if isinstance(x, _TensorLike):
        return x
    import tapegrad as tf

    if like is not None:
        return tf.convert_to_tensor(np.asarray(x), dtype=like.dtype) if not isinstance(x, (int, float)) else \
            tf.convert_to_tensor(x, dtype=like.dtype)
    return tf.convert_to_tensor(x)


# ----------------------------------------------------------------------------------------------------------------
# __array_function__


def array_function(func: Any, types: tuple[type, ...], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_function__``: the tapegrad version of ``func``, or the NumPy fallback."""
    for t in types:
        if not issubclass(t, (_TensorLike, np.ndarray)):
            return NotImplemented
    if not _tensor_result((args, kwargs)):
        return func(*_to_numpy(args, copy=True), **_to_numpy(kwargs, copy=True))  # TF: a NumPy result
    if not _BUILT:
        _build()
    handler = FUNCTIONS.get(func)
    if handler is not None:
        try:
            return handler(*args, **kwargs)
        except _Unsupported as exc:
            detail = f" with {exc}" if str(exc) else ""
            return _unsupported(_numpy_name(func), lambda: func(*_to_numpy(args), **_to_numpy(kwargs)),
                                (args, kwargs), detail)
    return _unsupported(_numpy_name(func), lambda: func(*_to_numpy(args), **_to_numpy(kwargs)), (args, kwargs))


def supported_ufuncs() -> list[str]:
    """Names of the NumPy ufuncs that run as tapegrad ops on tensors.

    >>> from tapegrad.numpy_interop import supported_ufuncs
    >>> {"sin", "add", "maximum"} <= set(supported_ufuncs())
    True
    """
    if not _BUILT:
        _build()
    return sorted(u.__name__ for u in UFUNCS)


def supported_functions() -> list[str]:
    """Names of the NumPy functions (``np.sum``, ``np.linalg.inv``, ...) that run as tapegrad ops on tensors.

    >>> from tapegrad.numpy_interop import supported_functions
    >>> {"sum", "mean", "concatenate", "linalg.inv"} <= set(supported_functions())
    True
    """
    if not _BUILT:
        _build()
    return sorted(_numpy_name(f) for f in FUNCTIONS)


# ----------------------------------------------------------------------------------------------------------------
# the tables

def _no(**given: Any) -> None:
    """Raise _Unsupported if any keyword argument differs from NumPy's default (``None`` / ``False``)."""
    bad = [k for k, v in given.items() if v is not None and v is not False and v is not np._NoValue]
    if bad:
        raise _Unsupported(", ".join(f"{k}=" for k in bad))


def _axis(axis: Any) -> Any:
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _flat(x: Any) -> Any:
    import tapegrad as tf

    return tf.reshape(x, (-1,))


def _adopt(values: Any) -> list[Any]:
    """A sequence of tensors/arrays as tensors; non-tensors adopt the first tensor's dtype (TF's rule)."""
    like = next((v for v in values if isinstance(v, _TensorLike)), None)
    return [_as_tensor(v, like) for v in values]


def _build() -> None:
    """Fill the tables once (thread-safe; they are complete before ``_BUILT`` is set)."""
    global _BUILT
    with _BUILD_LOCK:
        if not _BUILT:
            _fill()
            _BUILT = True


def _fill() -> None:  # noqa: C901 - one table
    import tapegrad as tf

    m, la = tf.math, tf.linalg
    u = UFUNCS
    for ufunc, fn in {
        np.add: m.add, np.subtract: m.subtract, np.multiply: m.multiply, np.divide: m.divide,
        np.floor_divide: m.floordiv, np.remainder: m.floormod, np.power: m.pow,
        np.maximum: m.maximum, np.minimum: m.minimum, np.arctan2: m.atan2,
        np.equal: m.equal, np.not_equal: m.not_equal, np.less: m.less, np.less_equal: m.less_equal,
        np.greater: m.greater, np.greater_equal: m.greater_equal,
        np.logical_and: m.logical_and, np.logical_or: m.logical_or, np.logical_xor: m.logical_xor,
        np.negative: m.negative, np.positive: tf.identity, np.absolute: m.abs, np.fabs: m.abs,
        np.sign: m.sign, np.sqrt: m.sqrt, np.square: m.square, np.exp: m.exp, np.expm1: m.expm1,
        np.log: m.log, np.log1p: m.log1p, np.sin: m.sin, np.cos: m.cos, np.tan: m.tan,
        np.arcsin: m.asin, np.arccos: m.acos, np.arctan: m.atan, np.sinh: m.sinh, np.cosh: m.cosh,
        np.tanh: m.tanh, np.arcsinh: m.asinh, np.arccosh: m.acosh, np.arctanh: m.atanh,
        np.reciprocal: m.reciprocal, np.floor: m.floor, np.ceil: m.ceil, np.rint: m.round,
        np.isnan: m.is_nan, np.isinf: m.is_inf, np.isfinite: m.is_finite, np.conjugate: m.conj,
        np.logical_not: m.logical_not, np.invert: _invert, np.matmul: _matmul,
    }.items():
        u[ufunc] = fn
    UFUNC_REDUCE.update({np.add: m.reduce_sum, np.multiply: m.reduce_prod, np.maximum: m.reduce_max,
                         np.minimum: m.reduce_min, np.logical_and: m.reduce_all, np.logical_or: m.reduce_any})
    UFUNC_ACCUMULATE.update({np.add: m.cumsum, np.multiply: m.cumprod})

    f = FUNCTIONS

    def reduction(np_fn: Any, tf_fn: Any, to_float: bool = False) -> None:
        def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
                    **kw: Any) -> Any:
            _no(out=out, **{k: v for k, v in kw.items() if k != "initial" or v is not np._NoValue})
            x = _as_tensor(a)
            if dtype is not None:
                x = tf.cast(x, np.dtype(dtype).name)
            elif x._value.dtype.kind == "b" or (to_float and x._value.dtype.kind in "iu"):
                x = tf.cast(x, "float64" if to_float else "int64")  # NumPy: mean of ints is float64
            return tf_fn(x, axis=_axis(axis), keepdims=bool(keepdims))

        f[np_fn] = handler

    reduction(np.sum, tf.reduce_sum)
    reduction(np.prod, tf.reduce_prod)
    reduction(np.mean, tf.reduce_mean, to_float=True)

    def minmax(tf_fn: Any) -> Any:
        def handler(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
            _no(out=out, **{k: v for k, v in kw.items() if v is not np._NoValue})
            return tf_fn(a, axis=_axis(axis), keepdims=bool(keepdims))

        return handler

    f[np.max] = f[np.amax] = minmax(tf.reduce_max)
    f[np.min] = f[np.amin] = minmax(tf.reduce_min)

    def logical(tf_fn: Any) -> Any:
        def handler(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
            _no(out=out, **{k: v for k, v in kw.items() if v is not np._NoValue})
            x = _as_tensor(a)
            if x._value.dtype.kind != "b":
                x = m.not_equal(x, 0)
            return tf_fn(x, axis=_axis(axis), keepdims=bool(keepdims))

        return handler

    f[np.any] = logical(tf.reduce_any)
    f[np.all] = logical(tf.reduce_all)

    def moment(tf_fn: Any, sqrt: bool) -> Any:
        def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
                    keepdims: bool = False, **kw: Any) -> Any:
            _no(dtype=dtype, out=out, **{k: v for k, v in kw.items() if v is not np._NoValue})
            x = _as_tensor(a)
            if x._value.dtype.kind in "iub":
                x = tf.cast(x, "float64")
            if not ddof:
                return tf_fn(x, axis=_axis(axis), keepdims=bool(keepdims))
            shape = x._value.shape
            ax = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
            n = math.prod(shape[a] for a in ax)
            var = m.reduce_variance(x, axis=_axis(axis), keepdims=bool(keepdims)) * (n / (n - ddof))
            return tf.sqrt(var) if sqrt else var

        return handler

    f[np.var] = moment(m.reduce_variance, False)
    f[np.std] = moment(m.reduce_std, True)

    def arg(tf_fn: Any) -> Any:
        def handler(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = np._NoValue) -> Any:
            _no(out=out, keepdims=None if keepdims is np._NoValue else keepdims)
            x = _as_tensor(a)
            if axis is None:
                return tf_fn(_flat(x), axis=0)
            return tf_fn(x, axis=axis)

        return handler

    f[np.argmax] = arg(tf.argmax)
    f[np.argmin] = arg(tf.argmin)

    def cumulative(tf_fn: Any) -> Any:
        def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
            _no(dtype=dtype, out=out)
            x = _as_tensor(a)
            return tf_fn(_flat(x), axis=0) if axis is None else tf_fn(x, axis=axis)

        return handler

    f[np.cumsum] = cumulative(tf.cumsum)
    f[np.cumprod] = cumulative(m.cumprod)

    def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
                keepdims: Any = np._NoValue) -> Any:
        _no(returned=returned)
        keep = False if keepdims is np._NoValue else bool(keepdims)
        if weights is None:
            return f[np.mean](a, axis=axis, keepdims=keep)
        x, w = _adopt([a, weights])
        if w._value.shape != x._value.shape:
            raise _Unsupported("weights of another shape")
        return tf.reduce_sum(x * w, axis=_axis(axis), keepdims=keep) / tf.reduce_sum(w, axis=_axis(axis),
                                                                                   keepdims=keep)

    f[np.average] = average

    # -- products
    def dot(a: Any, b: Any, out: Any = None) -> Any:
        _no(out=out)
        a, b = _adopt([a, b])
        if a._value.ndim == 0 or b._value.ndim == 0:
            return a * b
        return tf.tensordot(a, b, axes=[[a._value.ndim - 1], [max(b._value.ndim - 2, 0)]])

    f[np.dot] = dot
    f[np.inner] = lambda a, b: (lambda x, y: x * y if x._value.ndim == 0 or y._value.ndim == 0 else tf.tensordot(
        x, y, axes=[[x._value.ndim - 1], [y._value.ndim - 1]]))(*_adopt([a, b]))

    def outer(a: Any, b: Any, out: Any = None) -> Any:
        _no(out=out)
        a, b = _adopt([a, b])
        return tf.reshape(a, (-1, 1)) * tf.reshape(b, (1, -1))

    f[np.outer] = outer
    f[np.tensordot] = lambda a, b, axes=2: tf.tensordot(*_adopt([a, b]), axes=axes)

    def einsum(subscripts: Any, *operands: Any, out: Any = None, dtype: Any = None, order: str = "K",
               casting: str = "safe", optimize: Any = False) -> Any:
        _no(out=out, dtype=dtype)
        if not isinstance(subscripts, str):
            raise _Unsupported("the sublist form")
        return tf.einsum(subscripts, *_adopt(list(operands)))

    f[np.einsum] = einsum
    f[np.linalg.matmul] = lambda x1, x2: _matmul(x1, x2)

    def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: Any = None) -> Any:
        _no(dtype=dtype, out=out, offset=offset or None)
        x = _as_tensor(a)
        nd = x._value.ndim
        a1, a2 = axis1 % nd, axis2 % nd
        perm = [i for i in range(nd) if i not in (a1, a2)] + [a1, a2]
        return la.trace(tf.transpose(x, perm))

    f[np.trace] = trace

    # -- shapes
    f[np.transpose] = lambda a, axes=None: tf.transpose(a, None if axes is None else list(axes))

    def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
        x = _as_tensor(a)
        perm = list(range(x._value.ndim))
        perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
        return tf.transpose(x, perm)

    f[np.swapaxes] = swapaxes
    if hasattr(np, "permute_dims"):
        f[np.permute_dims] = f[np.transpose]
    if hasattr(np, "matrix_transpose"):
        f[np.matrix_transpose] = lambda x: la.matrix_transpose(x)

    def moveaxis(a: Any, source: Any, destination: Any) -> Any:
        x = _as_tensor(a)
        nd = x._value.ndim
        src = [s % nd for s in ((source,) if isinstance(source, int) else source)]
        dst = [d % nd for d in ((destination,) if isinstance(destination, int) else destination)]
        order = [i for i in range(nd) if i not in src]
        for d, s in sorted(zip(dst, src)):
            order.insert(d, s)
        return tf.transpose(x, order)

    f[np.moveaxis] = moveaxis

    def reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None, copy: Any = None) -> Any:
        if order != "C":
            raise _Unsupported(f"order={order!r}")
        shape = newshape if shape is None else shape
        return tf.reshape(a, (shape,) if isinstance(shape, int) else tuple(shape))

    f[np.reshape] = reshape

    def ravel(a: Any, order: str = "C") -> Any:
        if order not in ("C", "K", "A"):
            raise _Unsupported(f"order={order!r}")
        return _flat(_as_tensor(a))

    f[np.ravel] = ravel
    f[np.squeeze] = lambda a, axis=None: tf.squeeze(a, axis=_axis(axis))

    def expand_dims(a: Any, axis: Any) -> Any:
        x = _as_tensor(a)
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        nd = x._value.ndim + len(axes)
        shape = list(x._value.shape)
        for ax in sorted(ax % nd for ax in axes):
            shape.insert(ax, 1)
        return tf.reshape(x, shape)

    f[np.expand_dims] = expand_dims

    def concatenate(arrays: Any, axis: Any = 0, out: Any = None, *, dtype: Any = None, casting: Any = None) -> Any:
        _no(out=out, dtype=dtype)
        xs = _adopt(list(arrays))
        if axis is None:
            return tf.concat([_flat(x) for x in xs], 0)
        return tf.concat(xs, axis)

    f[np.concatenate] = concatenate
    if hasattr(np, "concat"):
        f[np.concat] = concatenate

    def stack(arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None, casting: Any = None) -> Any:
        _no(out=out, dtype=dtype)
        return tf.stack(_adopt(list(arrays)), axis)

    f[np.stack] = stack

    def atleast(n: int, x: Any) -> Any:
        nd = x._value.ndim
        if nd >= n:
            return x
        shape = tuple(x._value.shape)
        if n == 2:
            return tf.reshape(x, (1,) * (2 - nd) + shape)
        return tf.reshape(x, {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[nd])

    def vstack(tup: Any, *, dtype: Any = None, casting: Any = None) -> Any:
        _no(dtype=dtype)
        return tf.concat([atleast(2, x) for x in _adopt(list(tup))], 0)

    def hstack(tup: Any, *, dtype: Any = None, casting: Any = None) -> Any:
        _no(dtype=dtype)
        xs = [atleast(1, x) if x._value.ndim == 0 else x for x in _adopt(list(tup))]
        return tf.concat(xs, 0 if xs[0]._value.ndim == 1 else 1)

    f[np.vstack] = vstack
    f[np.hstack] = hstack

    def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> Any:
        x = _as_tensor(ary)
        if isinstance(indices_or_sections, int):
            return tf.split(x, indices_or_sections, axis=axis)
        n = x._value.shape[axis]
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
        return tf.split(x, sizes, axis=axis)

    f[np.split] = split

    # -- selection and elementwise helpers
    def where(condition: Any, *xy: Any) -> Any:
        if len(xy) != 2:
            raise _Unsupported("one argument (the indices form)")
        x, y = xy
        if isinstance(x, _TensorLike) or isinstance(y, _TensorLike):
            x, y = _adopt([x, y])
        return tf.where(condition, x, y)

    f[np.where] = where

    def clip(a: Any, a_min: Any = np._NoValue, a_max: Any = np._NoValue, out: Any = None, *, min: Any = np._NoValue,
             max: Any = np._NoValue, **kw: Any) -> Any:
        _no(out=out, **kw)
        lo = a_min if a_min is not np._NoValue else (None if min is np._NoValue else min)
        hi = a_max if a_max is not np._NoValue else (None if max is np._NoValue else max)
        x = _as_tensor(a)
        if lo is not None and hi is not None:
            lo_t, hi_t = _as_tensor(lo, x), _as_tensor(hi, x)
            return tf.clip_by_value(x, lo_t, hi_t)
        if lo is not None:
            x = tf.maximum(x, _as_tensor(lo, x))
        if hi is not None:
            x = tf.minimum(x, _as_tensor(hi, x))
        return x

    f[np.clip] = clip

    def round_(a: Any, decimals: int = 0, out: Any = None) -> Any:
        _no(out=out, decimals=decimals or None)
        return m.round(a)

    f[np.round] = round_
    if hasattr(np, "around"):
        f[np.around] = round_
    f[np.real] = lambda val: m.real(val)
    f[np.imag] = lambda val: m.imag(val)
    f[np.angle] = lambda z, deg=False: m.angle(z) if not deg else m.angle(z) * (180 / math.pi)
    f[np.copy] = lambda a, order="K", subok=False: tf.identity(a)
    f[np.zeros_like] = lambda a, dtype=None, order="K", subok=True, shape=None, **kw: _like(tf.zeros_like, a, dtype,
                                                                                         shape)
    f[np.ones_like] = lambda a, dtype=None, order="K", subok=True, shape=None, **kw: _like(tf.ones_like, a, dtype,
                                                                                       shape)
    f[np.broadcast_to] = lambda array, shape, subok=False: tf.broadcast_to(array, (shape,) if isinstance(
        shape, int) else tuple(shape))
    f[np.tile] = lambda A, reps: _tile(tf, A, reps)
    f[np.repeat] = lambda a, repeats, axis=None: tf.repeat(a, repeats, axis=axis)
    f[np.flip] = lambda m_, axis=None: _flip(tf, m_, axis)
    f[np.roll] = lambda a, shift, axis=None: _roll(tf, a, shift, axis)
    f[np.sort] = lambda a, axis=-1, kind=None, order=None, **kw: _sort(tf.sort, a, axis, order)
    f[np.argsort] = lambda a, axis=-1, kind=None, order=None, **kw: _sort(tf.argsort, a, axis, order)
    f[np.pad] = lambda array, pad_width, mode="constant", **kw: _pad(tf, array, pad_width, mode, **kw)
    f[np.take] = lambda a, indices, axis=None, out=None, mode="raise": _take(tf, a, indices, axis, out, mode)

    def diag(v: Any, k: int = 0) -> Any:
        _no(k=k or None)
        x = _as_tensor(v)
        if x._value.ndim == 1:
            return la.diag(x)
        if x._value.ndim == 2 and x._value.shape[0] == x._value.shape[1]:
            return la.diag_part(x)
        raise _Unsupported("a non-square matrix")

    f[np.diag] = diag
    f[np.tril] = lambda m_, k=0: _band(la, m_, k, lower=True)
    f[np.triu] = lambda m_, k=0: _band(la, m_, k, lower=False)

    # -- linear algebra
    f[np.linalg.inv] = lambda a: la.inv(a)
    f[np.linalg.det] = lambda a: la.det(a)
    f[np.linalg.pinv] = lambda a, rcond=None, hermitian=False, **kw: _no(hermitian=hermitian, **kw) or la.pinv(
        a, rcond=rcond)

    def slogdet(a: Any) -> Any:
        sign, logdet = la.slogdet(a)
        return sign, logdet

    f[np.linalg.slogdet] = slogdet

    def solve(a: Any, b: Any) -> Any:
        a, b = _adopt([a, b])
        if b._value.ndim == 1:
            return tf.reshape(la.solve(a, tf.reshape(b, (-1, 1))), (-1,))
        return la.solve(a, b)

    f[np.linalg.solve] = solve

    def cholesky(a: Any, upper: bool = False) -> Any:
        c = la.cholesky(a)
        return la.adjoint(c) if upper else c

    f[np.linalg.cholesky] = cholesky

    def eigh(a: Any, UPLO: str = "L") -> Any:
        if UPLO != "L":
            raise _Unsupported(f"UPLO={UPLO!r}")
        w, v = la.eigh(a)
        return w, v

    f[np.linalg.eigh] = eigh
    f[np.linalg.eigvalsh] = lambda a, UPLO="L": eigh(a, UPLO)[0]

    def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
        _no(hermitian=hermitian)
        if not compute_uv:
            return la.svd(a, full_matrices=full_matrices, compute_uv=False)
        s, uu, v = la.svd(a, full_matrices=full_matrices, compute_uv=True)
        return uu, s, la.adjoint(v)

    f[np.linalg.svd] = svd

    def qr(a: Any, mode: str = "reduced") -> Any:
        if mode not in ("reduced", "complete"):
            raise _Unsupported(f"mode={mode!r}")
        q, r = la.qr(a, full_matrices=mode == "complete")
        return q, r

    f[np.linalg.qr] = qr

    def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
        t = _as_tensor(x)
        if ord is None or (ord == "fro" and axis is None):
            return tf.norm(t, "euclidean", axis=_axis(axis), keepdims=keepdims)
        if axis is None and t._value.ndim == 1:
            axis = 0
        if axis is None:
            raise _Unsupported(f"ord={ord!r} on a matrix without axis")
        if isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord <= 0:
            raise _Unsupported(f"ord={ord!r}")
        return tf.norm(t, ord, axis=_axis(axis), keepdims=keepdims)

    f[np.linalg.norm] = norm


def _invert(x: Any) -> Any:
    import tapegrad as tf

    t = _as_tensor(x)
    if t._value.dtype.kind != "b":
        raise _Unsupported("an integer operand (bitwise not)")
    return tf.math.logical_not(t)


def _matmul(a: Any, b: Any) -> Any:
    """``np.matmul`` semantics (1-D operands are promoted and the added axis removed) on ``tf.matmul``."""
    import tapegrad as tf

    a, b = _adopt([a, b])
    va, vb = a._value.ndim, b._value.ndim
    if va == 0 or vb == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are not allowed).")
    if va == 1 and vb == 1:
        return tf.reduce_sum(a * b)
    if va == 1:
        return tf.squeeze(tf.matmul(tf.reshape(a, (1, -1)), b), axis=-2)
    if vb == 1:
        return tf.squeeze(tf.matmul(a, tf.reshape(b, (-1, 1))), axis=-1)
    return tf.matmul(a, b)


def _like(fn: Any, a: Any, dtype: Any, shape: Any) -> Any:
    if shape is not None:
        raise _Unsupported("shape=")
    return fn(a, dtype=None if dtype is None else np.dtype(dtype).name)


def _tile(tf: Any, a: Any, reps: Any) -> Any:
    x = _as_tensor(a)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    nd = max(x._value.ndim, len(reps))
    if x._value.ndim < nd:
        x = tf.reshape(x, (1,) * (nd - x._value.ndim) + tuple(x._value.shape))
    return tf.tile(x, (1,) * (nd - len(reps)) + reps)


def _flip(tf: Any, a: Any, axis: Any) -> Any:
    x = _as_tensor(a)
    axes = list(range(x._value.ndim)) if axis is None else ([axis] if isinstance(axis, int) else list(axis))
    return tf.reverse(x, axes)


def _roll(tf: Any, a: Any, shift: Any, axis: Any) -> Any:
    x = _as_tensor(a)
    if axis is None:
        return tf.reshape(tf.roll(_flat(x), shift, 0), tuple(x._value.shape))
    return tf.roll(x, shift, axis)


def _sort(fn: Any, a: Any, axis: Any, order: Any) -> Any:
    _no(order=order)
    x = _as_tensor(a)
    return fn(_flat(x), axis=0) if axis is None else fn(x, axis=axis)


def _pad(tf: Any, array: Any, pad_width: Any, mode: str, **kw: Any) -> Any:
    if mode != "constant" or set(kw) - {"constant_values"}:
        raise _Unsupported(f"mode={mode!r}")
    x = _as_tensor(array)
    nd = x._value.ndim
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (nd, 2))
    cv = kw.get("constant_values", 0)
    if np.ndim(cv) != 0:
        raise _Unsupported("per-axis constant_values")
    return tf.pad(x, pw.tolist(), constant_values=cv)


def _take(tf: Any, a: Any, indices: Any, axis: Any, out: Any, mode: str) -> Any:
    _no(out=out)
    if mode != "raise":
        raise _Unsupported(f"mode={mode!r}")
    x = _as_tensor(a)
    if axis is None:
        return tf.gather(_flat(x), indices)
    return tf.gather(x, indices, axis=axis)


def _band(la: Any, m_: Any, k: int, lower: bool) -> Any:
    _no(k=k or None)
    x = _as_tensor(m_)
    return la.band_part(x, -1, 0) if lower else la.band_part(x, 0, -1)

