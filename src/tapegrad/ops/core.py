"""Creation, conversion, identity/cast/stop_gradient, broadcasting and the complex-part ops the engine uses."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dispatch, _dtypes
from .._backend import NUMPY
from .._device import current_backend
from .._dispatch import apply1
from .._logging import warn_limited
from .._registry import NO_GRADIENT, OpDef, defop, normal, spec
from .._tape import local
from .._tensor import Tensor, Variable, _TensorLike, constant_value, make, static_value
from ..errors import InvalidArgumentError
from . import _common
from ._common import RaggedInput, dtype_np, shape_arg, to_tensor

# -- creation ---------------------------------------------------------------------------------------------------


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """A Tensor holding ``value`` (copied). Python floats become float32, ints int32, as in TF.

    >>> import tapegrad as tf
    >>> tf.constant([1, 2]).dtype, tf.constant(3.0).dtype, tf.constant(0.0, shape=[2]).numpy().tolist()
    (tapegrad.int32, tapegrad.float32, [0.0, 0.0])
    """
    if isinstance(value, _TensorLike):
        raw = static_value(value)  # a traced tensor frozen into a constant: guarded
        arr = raw if dtype is None else value._xp.astype(raw, dtype_np(dtype))
        arr = value._xp.array(arr, copy=True)
        xp = value._xp
    else:
        arr = constant_value(value, dtype)
        xp = current_backend()
    if shape is not None:
        shp = shape_arg(shape)
        if arr.size == 1:
            arr = xp.broadcast_to(arr.reshape(()), shp).copy()
        elif int(np.prod(shp)) == arr.size:
            arr = arr.reshape(shp)
        else:
            raise TypeError(f"constant: cannot reshape a value with {arr.size} elements to shape {list(shp)}.")
    return _named(make(arr, xp), name, "Const")


def _named(t: Tensor, name: str | None, base: str) -> Tensor:
    """While a ``tapegrad.function`` traces, the graph name TF gives this creation (``Const_2``, ``zeros``)."""
    if _dispatch._TRACES:
        from ..compiler.function import note_created

        note_created(t, name or base)
    return t


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None) -> Tensor:
    """``value`` as a Tensor: Tensors pass through, Variables are read (recorded), other values become constants.

    >>> import tapegrad as tf
    >>> tf.convert_to_tensor([1.0, 2.0])
    <tapegrad.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>
    """
    if isinstance(value, _TensorLike):
        if dtype is not None and _dtypes.as_dtype(dtype)._np != value._value.dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for a tensor with dtype "
                f"{value.dtype.name}: {value!r}. Use tapegrad.cast(value, {_dtypes.as_dtype(dtype)!r}) to convert."
            )
        return value if type(value) is Tensor else identity(value)
    dense = getattr(value, "_dense", None)
    if dense is not None:
        return convert_to_tensor(dense(), dtype=dtype)
    if type(value) is _common.SPARSE_TYPE[0]:
        return _common.to_tensor(value)  # (raises TF's ValueError, naming tf.sparse.to_dense)
    if dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        try:
            return make(constant_value(value, dtype_hint), NUMPY)
        except (TypeError, ValueError):
            pass
    return make(constant_value(value, dtype), current_backend())


def _filled(shape: Any, dtype: Any, fill: Any) -> Tensor:
    dt = dtype_np(dtype)
    if dt.kind == "O":
        return make(_string_fill(shape_arg(shape), fill), NUMPY)
    return make(np.full(shape_arg(shape), fill, dtype=dt), NUMPY)


def _string_fill(shape: tuple[int, ...], fill: Any, error: type = TypeError) -> Any:
    """A string array of ``shape``: ``b''`` for zeros (TF); ones have no string value (``error``: TF raises
    TypeError for ``ones`` and InvalidArgumentError for ``ones_like``)."""
    if fill != 0:
        raise error("ones/ones_like: dtype string has no 'one' value (as in TF); use tf.fill(shape, b'...') for a "
                    "string tensor.")
    from .._strings import as_value

    out = np.empty(shape, dtype=object)
    out[...] = b""
    return as_value(out)


def zeros(shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of zeros. ``tf.zeros([2, 3])`` is float32.

    >>> import tapegrad as tf
    >>> tf.zeros([2]).numpy().tolist()
    [0.0, 0.0]
    """
    return _named(_filled(shape, dtype, 0), name, "zeros")


def ones(shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of ones.

    >>> import tapegrad as tf
    >>> tf.ones([2], tf.int32).numpy().tolist()
    [1, 1]
    """
    return _named(_filled(shape, dtype, 1), name, "ones")


# zeros_like/ones_like inside a trace of a signature with None dims: a node sized by its input at run time (eagerly,
# and in other traces, a constant of the input's shape)
FILL_LIKE = OpDef("fill_like", lambda F, x, fill, dtype: F.full(F.shape(x), fill, dtype=dtype))


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Zeros with the shape (and, unless ``dtype`` is given, the dtype) of ``input``.

    >>> import tapegrad as tf
    >>> tf.zeros_like(tf.constant([1, 2])).numpy().tolist()
    [0, 0]
    """
    try:
        x = to_tensor(input)
    except RaggedInput:
        return input.with_flat_values(zeros_like(input.flat_values, dtype))
    dt = x._value.dtype if dtype is None else dtype_np(dtype)
    if dt.kind == "O":
        return make(_string_fill(x._value.shape, 0), NUMPY)
    if getattr(local.tracer, "shapelog", None) is not None:
        return apply1(FILL_LIKE, x, {"fill": 0, "dtype": dt})  # sized at run time (a trace with None dims)
    return make(x._xp.zeros(x._value.shape, dtype=dt), x._xp)


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Ones with the shape (and, unless ``dtype`` is given, the dtype) of ``input``.

    >>> import tapegrad as tf
    >>> tf.ones_like(tf.constant([1.5])).numpy().tolist()
    [1.0]
    """
    try:
        x = to_tensor(input)
    except RaggedInput:
        return input.with_flat_values(ones_like(input.flat_values, dtype))
    dt = x._value.dtype if dtype is None else dtype_np(dtype)
    if dt.kind == "O":
        from ..errors import InvalidArgumentError

        return make(_string_fill(x._value.shape, 1, InvalidArgumentError), NUMPY)
    if getattr(local.tracer, "shapelog", None) is not None:
        return apply1(FILL_LIKE, x, {"fill": 1, "dtype": dt})
    return make(x._xp.ones(x._value.shape, dtype=dt), x._xp)


# -- identity, cast, stop_gradient --------------------------------------------------------------------------------


def _ident_fwd(F: Any, x: Any) -> Any:
    return x


def _pass_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g,)


def _pass_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0]


IDENTITY = defop("identity", _ident_fwd, _pass_vjp, _pass_jvp, linear=True, save_in=False,
                 test=spec(lambda tf, x: tf.identity(x), normal((3, 4)), ref=lambda x: x,
                           complex=True))


def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """A tensor with the same value; reading a Variable through it is recorded (gradient flows to the variable).

    >>> import tapegrad as tf
    >>> tf.identity(tf.constant(2.0)).numpy()
    np.float32(2.0)
    """
    return apply1(IDENTITY, to_tensor(input))


def _cast_fwd(F: Any, x: Any, dtype: Any) -> Any:
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = F.real(x)
    return F.astype(x, dtype)


# The engine casts the upstream back to the input's dtype (taking the real part for a real input).
CAST = defop("cast", _cast_fwd, _pass_vjp, lambda F, ts, ins, out, p: F.astype(ts[0], p["dtype"]), linear=True,
             save_in=False,
             test=spec(lambda tf, x: tf.cast(x, tf.complex128) * (1 + 2j), normal((3, 4)),
                       ref=lambda x: x * (1 + 2j)))


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """``x`` converted to ``dtype``. Differentiable between float/complex types; casts to int/bool stop gradients.

    >>> import tapegrad as tf
    >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist()
    [1, -1]
    """
    try:
        x = to_tensor(x)
    except RaggedInput:
        return x.with_flat_values(cast(x.flat_values, dtype))
    dt = _dtypes.as_dtype(dtype)._np
    src = x._value.dtype
    if src == dt:
        return x if type(x) is Tensor else identity(x)
    if src.kind == "O" or dt.kind == "O":
        from ..errors import UnimplementedError

        raise UnimplementedError(f"cast: cast {x.dtype.name} to {_dtypes.as_dtype(dtype).name} is not supported (as "
                                 "in TF); use tf.strings.to_number or tf.strings.as_string.")
    if src.kind == "c" and dt.kind != "c":
        warn_limited("cast_complex", 1_000_000,
                     f"You are casting an input of type {x.dtype.name} to an incompatible dtype "
                     f"{_dtypes.from_numpy(dt).name}. This will discard the imaginary part and may not be what you "
                     "intended.")
    return apply1(CAST, x, {"dtype": dt})


STOP_GRADIENT = defop("stop_gradient", _ident_fwd, None,
                      test=spec(lambda tf, x: tf.stop_gradient(x), normal((3,)),
                                ref=lambda x: x))


def stop_gradient(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The same value, but no gradient flows through it (the tape does not record it).

    >>> import tapegrad as tf
    >>> x = tf.Variable(2.0)
    >>> with tf.GradientTape() as t:
    ...     y = x * tf.stop_gradient(x * x)
    >>> float(t.gradient(y, x))
    4.0
    """
    x = to_tensor(input)
    return apply1(STOP_GRADIENT, x)


# -- broadcasting and its transpose ------------------------------------------------------------------------------


def _bcast_fwd(F: Any, x: Any, shape: tuple[int, ...]) -> Any:
    return F.broadcast_to(x, shape)


def _bcast_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    nb = F.ndim(g) - len(p["shape"])
    return (F.sum_to(g, F.shape(ins[0]), nb),)


BROADCAST_TO = defop("broadcast_to", _bcast_fwd, _bcast_vjp,
                     lambda F, ts, ins, out, p: F.broadcast_to(ts[0], p["shape"]), linear=True, save_in=False,
                     test=spec(lambda tf, x: tf.broadcast_to(x, [2, 3, 4]), normal((3, 1)),
                               ref=lambda x: np.broadcast_to(x, (2, 3, 4)), complex=True))


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Broadcast ``input`` to ``shape`` (NumPy rules); the gradient is summed back.

    >>> import tapegrad as tf
    >>> tf.broadcast_to(tf.constant([1, 2]), [2, 2]).numpy().tolist()
    [[1, 2], [1, 2]]
    """
    from ..errors import InvalidArgumentError

    x = to_tensor(input)
    shp = shape_arg(shape)
    if x._value.shape == shp:
        return x if type(x) is Tensor else identity(x)
    try:
        if np.broadcast_shapes(x._value.shape, shp) != shp:
            raise ValueError
    except ValueError:
        raise InvalidArgumentError(
            f"broadcast_to: cannot broadcast a tensor of shape {tuple(x._value.shape)} to shape {shp}."
        ) from None
    return apply1(BROADCAST_TO, x, {"shape": shp})


def _sum_to_fwd(F: Any, x: Any, shape: tuple[int, ...], nb: int) -> Any:
    return F.sum_to(x, shape, nb)


def _sum_to_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xshape = F.shape(ins[0])
    shape, nb = p["shape"], p["nb"]
    gshape = F.shape(g)
    nb2 = len(gshape) - nb - len(shape)  # batch axes added since (nested Jacobians)
    lead = len(xshape) - nb - len(shape)
    g = F.reshape(g, gshape[: nb2 + nb] + (1,) * lead + tuple(shape))
    return (F.broadcast_to(g, gshape[:nb2] + xshape),)


SUM_TO = defop("sum_to", _sum_to_fwd, _sum_to_vjp,
               lambda F, ts, ins, out, p: F.sum_to(ts[0], p["shape"], p["nb"]), linear=True, internal=True,
               test=spec(lambda tf, x: tf.ops.core.sum_to(x, (3, 1)), normal((2, 3, 4)),
                         ref=lambda x: x.sum(axis=(0, 2))[:, None], tf=False, complex=True))


def sum_to(x: Any, shape: Any, nb: int = 0) -> Tensor:
    """Sum ``x`` down to ``batch + shape`` (the transpose of broadcasting); used by the backward engine."""
    x = to_tensor(x)
    return apply1(SUM_TO, x, {"shape": tuple(shape), "nb": nb})


# -- complex parts (used by the engine and by complex rules) -----------------------------------------------------


def _conj_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.conj(g),)


CONJ = defop("conj", lambda F, x: F.conj(x), _conj_vjp, lambda F, ts, ins, out, p: F.conj(ts[0]), linear=True,
             test=spec(lambda tf, x: tf.math.conj(tf.cast(x, tf.complex128) * (1 + 2j)),
                       normal((3, 4)), ref=lambda x: np.conj(x * (1 + 2j)), complex=True))


def _complex_like(F: Any, g: Any, z: Any) -> Any:
    return F.astype(g, (z._value if type(z) is Tensor else z).dtype)


REAL = defop("real", lambda F, x: F.real(x), lambda F, g, ins, out, p, needs: (_complex_like(F, g, ins[0]),),
             lambda F, ts, ins, out, p: F.real(ts[0]), linear=True,
             test=spec(lambda tf, x: tf.math.real(tf.cast(x, tf.complex128) * (1 + 2j)),
                       normal((3, 4)), ref=lambda x: x, complex=True))
IMAG = defop("imag", lambda F, x: F.imag(x),
             lambda F, g, ins, out, p, needs: (_complex_like(F, g, ins[0]) * 1j,),
             lambda F, ts, ins, out, p: F.imag(ts[0]), linear=True,
             test=spec(lambda tf, x: tf.math.imag(tf.cast(x, tf.complex128) * (1 + 2j)),
                       normal((3, 4)), ref=lambda x: 2 * x, complex=True))


def conj(x: Any, name: str | None = None) -> Tensor:
    """Complex conjugate (identity for real tensors).

    >>> import tapegrad as tf
    >>> tf.math.conj(tf.constant(1 + 2j)).numpy()
    np.complex128(1-2j)
    """
    x = to_tensor(x)
    if x._value.dtype.kind != "c":
        return x if type(x) is Tensor else identity(x)
    return apply1(CONJ, x)


def real(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Real part (identity for real tensors).

    >>> import tapegrad as tf
    >>> tf.math.real(tf.constant(1 + 2j)).numpy()
    np.float64(1.0)
    """
    x = to_tensor(input)
    if x._value.dtype.kind != "c":
        if x._value.dtype.kind == "O":
            raise TypeError("real: a string tensor has no real part (TF: TypeError).")
        return x if type(x) is Tensor else identity(x)
    return apply1(REAL, x)


def imag(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Imaginary part (zeros for real tensors).

    >>> import tapegrad as tf
    >>> tf.math.imag(tf.constant(1 + 2j)).numpy()
    np.float64(2.0)
    """
    x = to_tensor(input)
    if x._value.dtype.kind != "c":
        return zeros_like(x)
    return apply1(IMAG, x)


__all__ = ["constant", "convert_to_tensor", "zeros", "ones", "zeros_like", "ones_like", "identity", "cast",
           "stop_gradient", "broadcast_to", "conj", "real", "imag", "Variable"]


# -- bitcast, guarantee_const -------------------------------------------------------------------------------------
# TF registers no gradient for either: a watched floating input makes gradient() raise LookupError (NO_GRADIENT).


def _bitcast_fwd(F: Any, x: Any, dtype: Any) -> Any:
    a = x.copy(order="C")  # (ascontiguousarray would turn a scalar into a vector)
    src, dst = a.dtype.itemsize, dtype.itemsize
    if src == dst:
        return a.view(dtype)
    if src > dst:  # each element becomes src // dst elements along a new last axis
        return a.reshape(a.shape + (1,)).view(dtype)
    return a.view(dtype).reshape(a.shape[:-1])  # the last axis (of length dst // src) is consumed


BITCAST = defop(
    "bitcast", _bitcast_fwd, NO_GRADIENT,
    test=[
        spec(lambda tf, x: tf.bitcast(x, tf.int64), normal((2, 3)), grad=(),
             ref=lambda x: x.view(np.int64)),
        spec(lambda tf, x: tf.bitcast(x, tf.uint16), normal((3,)), grad=(),
             ref=lambda x: x.reshape(3, 1).view(np.uint16), name="narrow"),
        spec(lambda tf, x: tf.bitcast(x, tf.float64),
             lambda rng: (rng.integers(0, 2**31, size=(2, 2)).astype(np.int32),),
             ref=lambda x: x.view(np.float64).reshape(2), name="widen"),
    ],
)


def bitcast(input: Any, type: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The same bytes read as ``type`` (no conversion). A wider ``type`` consumes the last axis (whose length
    must be the size ratio); a narrower one adds a last axis of that length. No gradient, as in TF.

    >>> import tapegrad as tf
    >>> tf.bitcast(tf.constant([1.0], tf.float32), tf.int32).numpy().tolist()
    [1065353216]
    >>> tf.bitcast(tf.constant(1, tf.int32), tf.uint8).numpy().tolist()
    [1, 0, 0, 0]
    """
    op = "bitcast"
    x = to_tensor(input)
    dt = _dtypes.as_dtype(type)._np
    src = x._value.dtype
    if src.kind in "bOUS" or dt.kind in "bOUS":
        raise InvalidArgumentError(f"{op}: bitcast between {x.dtype.name} and {_dtypes.as_dtype(type).name} is not "
                                   "supported (numeric types only).")
    if src.itemsize < dt.itemsize:
        ratio = dt.itemsize // src.itemsize
        if not x._value.shape or x._value.shape[-1] != ratio:
            raise InvalidArgumentError(
                f"{op}: casting {x.dtype.name} to the wider {_dtypes.as_dtype(type).name} needs a last axis of "
                f"length {ratio}, got shape {list(x._value.shape)}."
            )
    return apply1(BITCAST, x, {"dtype": dt})


GUARANTEE_CONST = defop("guarantee_const", _ident_fwd, NO_GRADIENT,
                        test=spec(lambda tf, x: tf.guarantee_const(x), normal((3,)), grad=(), ref=lambda x: x))


def guarantee_const(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``input`` unchanged, promising it is constant (a hint for graph compilers; deprecated in TF). No
    gradient, as in TF (``gradient()`` through it raises LookupError).

    >>> import tapegrad as tf
    >>> tf.guarantee_const([1.0, 2.0]).numpy().tolist()
    [1.0, 2.0]
    """
    return apply1(GUARANTEE_CONST, to_tensor(input))


EXPORTS: dict[str, list[str]] = {
    "": [
        "constant", "convert_to_tensor", "zeros", "ones", "zeros_like", "ones_like", "identity", "cast",
        "stop_gradient", "broadcast_to", "bitcast", "guarantee_const"
    ],
    "math": [
        "conj", "real", "imag"
    ],
    "dtypes": [
        "cast"
    ],
}
