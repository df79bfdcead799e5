"""Tensor (immutable) and Variable (mutable, watched through its handle), plus value conversion."""

from __future__ import annotations

import numbers
import sys
import weakref
from typing import Any

import numpy as np

from . import _dtypes
from ._backend import NUMPY, Backend
from ._device import current_backend
from ._dtypes import DType
from ._shape import TensorShape
from ._strings import to_bytes_array
from ._tape import local, next_id, on_variable_read
from ._variable_options import option as _option
from ._variable_options import variable_options as _variable_options

_new = object.__new__
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _numpy_text(value: Any, use_str: bool) -> str:
    """Array text as TF prints it: NumPy's repr/str, and ``repr(value.item())`` for scalars in reprs."""
    if not use_str and value.ndim == 0:
        return repr(value.item())
    text = str(value) if use_str else repr(value)
    return "\n" + text if "\n" in text else text


# Set by tapegrad.compiler.function (None until it is imported): tracing state for symbolic behaviour.
_variable_hook: Any = None  # called with each new Variable (TF's rule: Variables only on a function's 1st trace)
_symbolic_repr: Any = None  # repr of a tensor while a trace runs (Tensor("x:0", shape=..., dtype=...)) or None
_tracing: Any = None  # is a trace running on this thread?
_convert_check: Any = None  # called as (tensor, kind) before a Python conversion while a trace runs
_bool_decision: Any = None  # (tensor, value) -> value of a bool() while a trace runs (tracing both sides of an if)
_loop_iter: Any = None  # (iterator, caller frame) -> iterator of a tensor iterated while a trace runs (loop checks)
_relaxed_shapes: dict[int, Any] = {}  # id(raw value) -> static shape with None dims, for placeholders while tracing
_shape_read: Any = None  # (tensor) -> None: a static shape read while a trace with None dims runs (compiler.shapes)


# > 0 while tapegrad.keras builds a functional model: layers' calls run on placeholders (_relaxed_shapes), and user
# code sees their symbolic shapes, ``(None, ...)``, as under Keras.
_symbolic_build = [0]


def _traced_from_user_code(extra: int = 0) -> bool:
    """A trace (or a Keras model build) is running and the caller is user code (tapegrad's own code may read
    values while tracing)."""
    if not _symbolic_build[0] and (_tracing is None or not _tracing()):
        return False
    return not sys._getframe(2 + extra).f_code.co_filename.startswith(_PACKAGE_DIR)


def _static_shape(t: Any) -> TensorShape:
    """The static shape while a trace with None dims (or a Keras build) runs: a placeholder's relaxed shape for user
    code; any other read is noted (a replay of the trace for other shapes must see the same shape)."""
    relaxed = _relaxed_shapes.get(id(t._value))
    if relaxed is not None and _traced_from_user_code(1):
        return relaxed
    if _shape_read is not None:
        _shape_read(t)
    return TensorShape(t._value.shape)


class _TensorLike:
    """Behaviour shared by Tensor and Variable; the operators are attached from the op registry."""

    __slots__ = ()
    __array_priority__ = 100
    __hash__ = None  # type: ignore[assignment]  # == is elementwise (TF 2), so use .ref() as a key

    _value: Any
    _xp: Backend

    @property
    def shape(self) -> TensorShape:
        if _relaxed_shapes:
            return _static_shape(self)
        return TensorShape(self._value.shape)

    def get_shape(self) -> TensorShape:
        if _relaxed_shapes:
            return _static_shape(self)
        return TensorShape(self._value.shape)

    @property
    def dtype(self) -> DType:
        return _dtypes._BY_NP[self._value.dtype]

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        """The device holding the value (TF's full name, e.g. ``/job:localhost/replica:0/task:0/device:CPU:0``)."""
        return self._xp.device

    @property
    def backing_device(self) -> str:
        return self._xp.device

    def cpu(self) -> Any:
        """A copy on the CPU (``tf.Tensor.cpu``): the tensor itself, which already lives there."""
        return self

    def gpu(self, gpu_index: int = 0) -> Any:
        """RuntimeError: there is no GPU device."""
        raise RuntimeError(f"GPU:{gpu_index} unknown device: tapegrad computes on the CPU "
                           "(tf.config.list_physical_devices('GPU') is empty).")

    def numpy(self) -> Any:
        """The value as a NumPy scalar (0-d) or a fresh ndarray (never a view into the tensor)."""
        if local.symbolic:
            raise AttributeError("'SymbolicTensor' object has no attribute 'numpy': inside a tf.data function "
                                 "(map, filter, reduce) tensors are symbolic, as in TensorFlow; use tf.py_function "
                                 "to run eager NumPy code on them.")
        if local.tapes:
            if local.tracer is not None:
                if _tracing is not None and _traced_from_user_code():
                    if type(self) is Tensor:
                        raise AttributeError("'SymbolicTensor' object has no attribute 'numpy': a tensor inside a "
                                             "tapegrad.function trace has no value yet; return it, or use tf.print")
                    raise NotImplementedError("numpy() is only available when eager execution is enabled (not "
                                              "while a tapegrad.function is traced): return the value instead")
                local.tracer.on_convert(self, "numpy", self._value)
            if self._id is not None:
                _note_escape(self, ".numpy()")
        v = self._value
        if v.ndim == 0:
            return v[()] if isinstance(v, np.ndarray) else v
        return np.array(v, copy=True) if self._xp.xp is np else self._xp.xp.asnumpy(v)

    def _numpy_value(self) -> Any:
        """``numpy()`` without logging a tape escape (display, pickling)."""
        v = self._value
        if v.ndim == 0:
            return v[()] if isinstance(v, np.ndarray) else v
        return np.array(v, copy=True) if self._xp.xp is np else self._xp.xp.asnumpy(v)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if local.tapes:
            if local.tracer is not None:
                local.tracer.on_convert(self, "numpy", self._value)
            if self._id is not None:
                _note_escape(self, "np.asarray()")
        v = self._value
        if self._xp.xp is not np:
            v = self._xp.xp.asnumpy(v)
        if copy is False:
            if dtype is not None and np.dtype(dtype) != v.dtype:
                raise ValueError("Unable to avoid a copy while converting the tensor to the requested dtype.")
            return np.asarray(v)
        return np.array(v, dtype=dtype, copy=True)

    def __len__(self) -> int:
        if local.tracer is not None and _convert_check is not None:
            _convert_check(self, "len")
        if self._value.ndim == 0:
            raise TypeError("len() of a scalar tensor is undefined; use tf.size(t) for its element count.")
        return self._value.shape[0]

    def __iter__(self) -> Any:
        if local.tracer is not None and _convert_check is not None:
            _convert_check(self, "iter")
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        it = (self[i] for i in range(self._value.shape[0]))
        if local.tracer is not None and _loop_iter is not None:
            return _loop_iter(it, sys._getframe(1))  # TF's rules for a `for` loop over a tensor (compiler/loops.py)
        return it

    def __bool__(self) -> bool:
        if self._value.size != 1:
            raise ValueError(
                f"The truth value of a tensor with {self._value.size} elements (shape {self._value.shape}) is "
                "ambiguous; use tf.reduce_any(t) or tf.reduce_all(t)."
            )
        r = bool(self._value)
        if local.tracer is not None:
            if _convert_check is not None:
                _convert_check(self, "bool")
                r = _bool_decision(self, r)
            local.tracer.on_convert(self, "bool", r)
        return r

    def __float__(self) -> float:
        if self._id is not None and local.tapes:
            _note_escape(self, "float()")
        if local.tracer is not None and _convert_check is not None:
            _convert_check(self, "float")
        r = float(self._scalar("float"))
        if local.tracer is not None:
            local.tracer.on_convert(self, "float", r)
        return r

    def __int__(self) -> int:
        if self._id is not None and local.tapes:
            _note_escape(self, "int()")
        r = int(self._scalar("int"))
        if local.tracer is not None:
            local.tracer.on_convert(self, "int", r)
        return r

    def __complex__(self) -> complex:
        if self._id is not None and local.tapes:
            _note_escape(self, "complex()")
        r = complex(self._scalar("complex"))
        if local.tracer is not None:
            local.tracer.on_convert(self, "complex", r)
        return r

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iub":
            raise TypeError(f"Only integer tensors can be used as an index, got dtype {self.dtype.name}.")
        r = int(self._scalar("index"))
        if local.tracer is not None:
            local.tracer.on_convert(self, "int", r)
        return r

    def _scalar(self, what: str) -> Any:
        v = self._value
        if v.size != 1:
            raise TypeError(f"{what}() needs a tensor with one element, got shape {tuple(v.shape)}.")
        return v.reshape(()).item() if hasattr(v, "reshape") else v

    def __format__(self, spec: str) -> str:
        if _symbolic_repr is not None and not spec and type(self) is Tensor:
            text = _symbolic_repr(self)
            if text is not None:
                return text  # f"{t}" while tracing: the symbolic tensor, as TF's graph tensors format
        return format(self._numpy_value(), spec)  # NumPy's formatting of the value, as TF (display: not logged)

    # -- NumPy protocols (tapegrad.numpy_interop): np.* on tensors runs tapegrad ops, recorded by tapes ----------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if local.tracer is not None and _convert_check is not None:
            _convert_check(self, "numpy")  # np.square(t) in a traced body raises, as in TF (operators are fine)
        from .numpy_interop import array_ufunc

        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from .numpy_interop import array_function

        return array_function(func, types, args, kwargs)

    # -- DLPack: zero-copy exchange (tapegrad.experimental.dlpack) ----------------------------------------------
    def __dlpack__(self, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: bool | None = None) -> Any:
        """Export the value through DLPack (shares memory: treat the consumer's array as read-only)."""
        v = self._value
        if not hasattr(v, "__dlpack__"):
            v = self._xp.xp.asarray(v)
        kwargs: dict[str, Any] = {}
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        if stream is not None:
            kwargs["stream"] = stream
        return v.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[Any, int]:
        v = self._value
        if not hasattr(v, "__dlpack_device__"):
            v = self._xp.xp.asarray(v)
        return v.__dlpack_device__()

    def __copy__(self) -> Any:
        return self

    def ref(self) -> Reference:
        """A hashable reference to this object (tensors themselves are unhashable)."""
        return Reference(self)

    experimental_ref = ref


class Reference:
    """Hashable wrapper returned by ``Tensor.ref()`` / ``Variable.ref()``; ``deref()`` gives the object back."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def deref(self) -> Any:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


class Tensor(_TensorLike):
    """An immutable multi-dimensional array that tapes can record.

    Tensors are made by ops (``tapegrad.constant``, arithmetic, …), not by calling ``Tensor`` directly.

    >>> import tapegrad as tf
    >>> t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> t.shape, t.dtype, float(t[1, 0])
    (TensorShape([2, 2]), tapegrad.float32, 3.0)
    """

    # ``_keras_mask``: the Keras mask a layer attached to its output (unset on other tensors, as in TF).
    # ``_slice_of``: (variable, key) on the result of ``variable[key]`` (unset elsewhere), for ``v[key].assign(...)``.
    __slots__ = ("_value", "_xp", "_id", "_keras_mask", "_slice_of", "__weakref__")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Tensors are created by ops; use tapegrad.constant(value) or tapegrad.convert_to_tensor.")

    def _slice_method(self, mode: str) -> Any:
        try:
            var, key = self._slice_of
        except AttributeError:
            raise AttributeError(f"'Tensor' object has no attribute {mode!r}: tensors are immutable; only a slice of "
                                 f"a Variable (v[...].{mode}(value)) or a Variable can be assigned.") from None

        def update(value: Any, use_locking: bool = False, name: str | None = None, read_value: bool = True) -> Any:
            return var._assign_slice(key, value, mode)

        update.__doc__ = f"``{mode}`` on the slice ``variable[key]`` this tensor was read from; returns the variable."
        return update

    assign = property(lambda self: self._slice_method("assign"),
                      doc="``v[key].assign(value)``: write ``value`` (broadcast) into that slice of the variable.")
    assign_add = property(lambda self: self._slice_method("assign_add"),
                          doc="``v[key].assign_add(delta)`` (a tapegrad extension: TF has only ``assign``).")
    assign_sub = property(lambda self: self._slice_method("assign_sub"),
                          doc="``v[key].assign_sub(delta)`` (a tapegrad extension: TF has only ``assign``).")

    def __repr__(self) -> str:
        if _symbolic_repr is not None:
            text = _symbolic_repr(self, False)
            if text is not None:
                return text
        return (f"<tapegrad.Tensor: shape={tuple(self._value.shape)}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, False)}>")

    def __str__(self) -> str:
        if _symbolic_repr is not None:
            text = _symbolic_repr(self)
            if text is not None:
                return text
        return (f"tapegrad.Tensor({_numpy_text(self._value, True)}, shape={tuple(self._value.shape)}, "
                f"dtype={self.dtype.name})")

    def __reduce__(self) -> tuple[Any, ...]:
        return _unpickle_tensor, (self._numpy_value(),)

    def __deepcopy__(self, memo: Any) -> Tensor:
        return self


def static_value(t: Any) -> Any:
    """The raw value of ``t`` when an op reads it as data (indices, sizes, axes, rates) instead of computing on it
    with ops: while a trace runs (``tapegrad.function``), a traced tensor read this way becomes a guard on its value,
    so a compiled program never replays a value it froze without checking it."""
    v = t._value
    tr = local.tracer
    if tr is not None:
        tr.on_convert(t, "numpy", v)
    return v


def make(value: Any, xp: Backend) -> Tensor:
    """Wrap a raw array (owned by tapegrad from now on) as a Tensor with no tape id yet."""
    t = _new(Tensor)
    t._value = value
    t._xp = xp
    t._id = None
    if local.tracer is not None:  # while tracing: a creation op whose size was read from a tensor (loop checks)
        on_make = getattr(local.tracer, "on_make", None)  # (the untaken-branch sandbox has none)
        if on_make is not None:
            on_make(value)
    return t


def make_with_id(value: Any, xp: Backend, tid: int | None) -> Tensor:
    """A Tensor that stands for an existing tape id (used when the backward pass is itself recorded)."""
    t = _new(Tensor)
    t._value = value
    t._xp = xp
    t._id = tid
    return t


def ensure_id(t: Any) -> int:
    tid = t._id
    if tid is None:
        tid = t._id = next_id()
    return tid


# --------------------------------------------------------------------------------------------------------------
# Values leaving a tape: ``.numpy()``, ``float()``, ``np.asarray`` on a tensor an active tape knows. Logged per tape
# (only while a tape is active, and only for tensors it recorded or watches) for ``tapegrad.debugging.explain``.

ESCAPES: weakref.WeakKeyDictionary[Any, list[tuple[int, str, str, int]]] = weakref.WeakKeyDictionary()
_ESCAPE_LIMIT = 64
_PACKAGE_DIR = __file__.rsplit("_tensor.py", 1)[0]


def user_site(depth: int = 1) -> tuple[str, int]:
    """(filename, line) of the innermost caller outside the tapegrad package (tests and examples count as users)."""
    f = sys._getframe(depth)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return ("<unknown>", 0)
    return (f.f_code.co_filename, f.f_lineno)


def _note_escape(t: Any, how: str) -> None:
    """Log that ``t`` (known to an active tape, or a trainable Variable a tape would watch on access) was turned
    into a NumPy/Python value by ``how``."""
    tid = t._id
    site = None
    auto = type(t) is Variable and t._trainable
    for tape in local.tapes:
        if getattr(tape, "forward", True) or (tid not in tape.known and not (auto and tape.watch_accessed)):
            continue
        try:
            log = ESCAPES.get(tape)
            if log is None:
                log = ESCAPES[tape] = []
        except TypeError:  # a recorder that cannot be weakly referenced
            continue
        if len(log) < _ESCAPE_LIMIT:
            if site is None:
                site = user_site(2)
            log.append((tid, how, site[0], site[1]))


def note_break(op: Any, in_ids: tuple[Any, ...], tapes: tuple[Any, ...]) -> None:
    """Log, on each tape that knows an input, an op that stopped the gradient: stop_gradient, an integer/bool
    result (casts to int, comparisons) or an op without a gradient (round, argmax) — ``Tape.breaks``, for
    ``tapegrad.debugging.explain``. Only the dispatcher's recording branch calls it (a tape is active)."""
    site = None
    for tape in tapes:
        if tape.forward or tape.known.isdisjoint(in_ids):
            continue
        log = tape.breaks  # (a tape: other recorders know no ids)
        if log is None:
            log = tape.breaks = []
        elif len(log) >= _ESCAPE_LIMIT:
            continue
        if site is None:
            site = user_site(2)
        log.append((in_ids, op.name, site[0], site[1]))


def _unpickle_tensor(value: Any) -> Tensor:
    if isinstance(value, (bytes, str)) or getattr(value, "dtype", None) == np.dtype(object):
        return make(to_bytes_array(value), NUMPY)  # a string tensor
    return make(np.asarray(value), NUMPY)


# --------------------------------------------------------------------------------------------------------------
# Conversion of Python / NumPy values


CONVERSION_HOOK: list[Any] = []  # tf.register_tensor_conversion_function's lookup (framework_extras.py)


def _default_array(value: Any) -> np.ndarray:
    """TF's default dtypes: Python float → float32, int → int32 (int64 if large), complex → complex128."""
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "OSU":
            return to_bytes_array(value)  # text: tapegrad's string dtype (object arrays of bytes)
        return np.array(value, copy=True)
    t = type(value)
    if t is str or t is bytes:
        return to_bytes_array(value)
    if t is float:
        return np.array(value, dtype=np.float32)
    if t is int:
        return np.array(value, dtype=np.int32 if _INT32_MIN <= value <= _INT32_MAX else np.int64)
    if t is bool:
        return np.array(value, dtype=np.bool_)
    if t is complex:
        return np.array(value, dtype=np.complex128)
    if value is None:
        raise ValueError("Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a "
                         "Tensor.")
    if CONVERSION_HOOK and (hooked := CONVERSION_HOOK[0](value, None)) is not None:
        return hooked._value
    try:
        arr = np.asarray(_unwrap_nested(value))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Cannot convert {value!r} to a Tensor: {exc}") from None
    kind = arr.dtype.kind
    if kind == "O" and not all(isinstance(e, (str, bytes)) for e in arr.ravel()):  # TF: ValueError, not text
        raise ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type ({type(value)}) to a "
                         "Tensor.")
    if kind in "OSU":
        return to_bytes_array(_unwrap_nested(value))
    if kind == "f":
        return arr.astype(np.float32)
    if kind in "iu":
        if arr.size and (arr.min() < _INT32_MIN or arr.max() > _INT32_MAX):
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if kind in "bc":
        return arr.astype(arr.dtype)
    raise TypeError(f"Cannot convert {value!r} (NumPy dtype {arr.dtype}) to a Tensor: unsupported element type.")


def _unwrap_nested(value: Any) -> Any:
    if type(value).__name__ == "RaggedTensor":
        raise ValueError(f"Cannot convert {value!r} to a Tensor: its rows differ in length; use rt.to_tensor() "
                         "(padding) or rt.flat_values.")
    if isinstance(value, (list, tuple)):
        return [_unwrap_nested(v) for v in value]
    if isinstance(value, _TensorLike):
        # a tf.data function's tensors are symbolic to the user (no .numpy()), but [x, y] still packs them
        return value._numpy_value() if local.symbolic and local.tracer is None else value.numpy()
    return value


def array_of(value: Any, np_dtype: np.dtype, op: str = "convert_to_tensor") -> np.ndarray:
    """``value`` (Python/NumPy/nested list) as an array of ``np_dtype``, refusing lossy float→int conversions."""
    if isinstance(value, _TensorLike):
        value = value._value
    if np_dtype.kind == "O":
        return to_bytes_array(value, op)
    src = value if isinstance(value, (np.ndarray, np.generic)) else None
    if src is None:
        if value is None or isinstance(value, (str, bytes)):
            raise TypeError(f"{op}: cannot convert {value!r} to a tensor of dtype {np_dtype.name}.")
        if CONVERSION_HOOK and (hooked := CONVERSION_HOOK[0](value, np_dtype)) is not None:
            return hooked._value
        try:
            src = np.asarray(_unwrap_nested(value))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{op}: cannot convert {value!r} to a tensor: {exc}") from None
    kind, target = src.dtype.kind, np_dtype.kind
    if kind == "f" and target in "iub" and src.size and not isinstance(value, (np.ndarray, np.generic)):
        raise TypeError(
            f"{op}: cannot convert the Python float {value!r} to a tensor of dtype {np_dtype.name}. Write an integer "
            f"literal, or cast explicitly with tapegrad.cast(x, tapegrad.float32)."
        )
    if (kind == "c" and target != "c") or (kind == "f" and target in "iub"):
        if not (kind == "f" and target in "iu" and np.all(np.mod(src, 1) == 0)):
            raise TypeError(
                f"{op}: cannot convert {value!r} ({src.dtype.name}) to a tensor of dtype {np_dtype.name} without "
                f"losing information; cast explicitly with "
                f"tapegrad.cast(x, tapegrad.{_dtypes.from_numpy(np_dtype).name})."
            )
    if kind == "O" or kind in "USV":
        raise TypeError(f"{op}: cannot convert {value!r} to a tensor of dtype {np_dtype.name}.")
    return np.array(src, dtype=np_dtype, copy=True)


def constant_value(value: Any, dtype: Any = None) -> np.ndarray:
    if dtype is None:
        return _default_array(value)
    return array_of(value, _dtypes.as_dtype(dtype)._np, "constant")


# --------------------------------------------------------------------------------------------------------------
# Variable


class Variable(_TensorLike):
    """A mutable tensor: model parameters. Trainable variables are watched automatically when a tape reads them.

    >>> import tapegrad as tf
    >>> v = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = v * v
    >>> print(tape.gradient(y, v))
    tapegrad.Tensor(6.0, shape=(), dtype=float32)
    >>> v.assign_sub(1.0)
    <tapegrad.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>
    """

    __slots__ = ("_value", "_xp", "_id", "_trainable", "_name", "_options", "__weakref__")

    def __init__(self, initial_value: Any = None, trainable: bool | None = None, name: str | None = None,
                 dtype: Any = None, shape: Any = None, validate_shape: bool = True, **kwargs: Any) -> None:
        if initial_value is None:
            raise ValueError("Variable(): initial_value must be given (a value, array, tensor or a callable).")
        if callable(initial_value) and not isinstance(initial_value, _TensorLike):
            initial_value = initial_value()
        if isinstance(initial_value, _TensorLike):
            value = initial_value._value
            xp = initial_value._xp
            if dtype is not None and _dtypes.as_dtype(dtype)._np != value.dtype:
                value = xp.astype(value, _dtypes.as_dtype(dtype)._np)
            value = xp.array(value, copy=True)
        else:
            value = constant_value(initial_value, dtype)
            xp = current_backend()
        if value.ndim == 0 and isinstance(value, np.ndarray) and value.dtype.kind != "O":
            value = value[()]  # a NumPy scalar: scalar math on it is several times cheaper than on a 0-d array
        if shape is not None and validate_shape:
            want = TensorShape(shape)
            if not want.is_compatible_with(value.shape):
                raise ValueError(f"Variable(): initial value has shape {tuple(value.shape)}, which is not "
                                 f"compatible with shape={want}.")
        self._value = value
        self._xp = xp
        self._id = next_id()
        self._options = _variable_options(kwargs) if kwargs else None  # aggregation, constraint… (rare)
        if trainable is None and self._options and "synchronization" in self._options:
            trainable = self._options["synchronization"].name != "ON_READ"  # TF: ON_READ is not trainable
        self._trainable = True if trainable is None else bool(trainable)
        self._name = "Variable:0" if name is None else (name if ":" in name else f"{name}:0")
        if _variable_hook is not None:
            _variable_hook(self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def aggregation(self) -> Any:
        """The ``tf.VariableAggregation`` given at creation (``NONE`` by default)."""
        return _option(self._options, "aggregation")

    @property
    def synchronization(self) -> Any:
        """The ``tf.VariableSynchronization`` given at creation (``AUTO`` by default)."""
        return _option(self._options, "synchronization")

    @property
    def constraint(self) -> Any:
        """The projection given as ``constraint=`` (Keras optimizers apply it after each update), or None."""
        return _option(self._options, "constraint")

    def _read(self) -> Any:
        tapes = local.tapes
        if tapes:
            on_variable_read(self, tapes)
        return self._value

    def value(self) -> Tensor:
        """The current value as a Tensor (a read: recorded by active tapes)."""
        from .ops.core import identity

        return identity(self)

    read_value = value

    def _checked(self, value: Any, what: str) -> Any:
        own = self._value
        if isinstance(value, _TensorLike):
            if value._value.dtype != own.dtype:
                raise ValueError(
                    f"Variable.{what}: value has dtype {value.dtype.name} but variable {self._name!r} has dtype "
                    f"{self.dtype.name}; cast it with tapegrad.cast(value, tapegrad.{self.dtype.name})."
                )
            arr = value._value
        else:
            arr = array_of(value, own.dtype, f"Variable.{what}")
        if what != "assign" and own.dtype.kind == "O":
            from .errors import InvalidArgumentError

            raise InvalidArgumentError(f"Variable.{what}: a string variable cannot be added to (as in TF); assign "
                                       "the new string with assign().")
        if arr.shape != own.shape:
            from .errors import InvalidArgumentError

            # TF: assign raises ValueError, assign_add/assign_sub InvalidArgumentError
            raise (ValueError if what == "assign" else InvalidArgumentError)(
                f"Variable.{what}: cannot assign a value of shape {tuple(arr.shape)} to variable {self._name!r} "
                f"of shape {tuple(own.shape)}."
            )
        return arr

    def assign(self, value: Any, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Variable:
        """Replace the value (same shape and dtype). Gradient does not flow into the assigned value."""
        if type(value).__name__ == "IndexedSlices":
            value = value._dense()  # TF densifies (rows not named become zeros); use scatter_update for rows
        arr = self._checked(value, "assign")
        old = self._read()
        new = self._xp.array(arr, copy=True)
        self._value = new[()] if new.ndim == 0 and new.dtype.kind != "O" else new
        if local.tracer is not None:
            local.tracer.on_assign(self, "assign", old, ((value, arr),))
        return self if local.tracer is not None else _UnreadVariable(self)

    def assign_add(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Variable:
        """``self += delta`` (a new buffer: values saved by tapes are never changed)."""
        if type(delta).__name__ == "IndexedSlices":
            return self.scatter_add(delta)
        arr = self._checked(delta, "assign_add")
        old = self._read()
        self._value = old + arr
        if local.tracer is not None:
            local.tracer.on_assign(self, "assign_add", old, ((delta, arr),))
        return self if local.tracer is not None else _UnreadVariable(self)

    def assign_sub(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Variable:
        """``self -= delta`` (a new buffer: values saved by tapes are never changed)."""
        if type(delta).__name__ == "IndexedSlices":
            return self.scatter_sub(delta)
        arr = self._checked(delta, "assign_sub")
        old = self._read()
        self._value = old - arr
        if local.tracer is not None:
            local.tracer.on_assign(self, "assign_sub", old, ((delta, arr),))
        return self if local.tracer is not None else _UnreadVariable(self)

    def _scatter(self, slices: Any, mode: str) -> Variable:
        from .errors import InvalidArgumentError

        idx = np.asarray(slices.indices._value)
        vals = np.asarray(slices.values._value)
        if vals.dtype != self._value.dtype:
            raise ValueError(
                f"Variable.scatter_{mode}: the update has dtype {vals.dtype.name} but variable {self._name!r} has "
                f"dtype {self.dtype.name}; cast the values first."
            )
        if idx.size and (idx.min() < 0 or idx.max() >= self._value.shape[0]):
            raise InvalidArgumentError(
                f"Variable.scatter_{mode}: indices {idx.tolist()} out of range for variable {self._name!r} with "
                f"first dimension {self._value.shape[0]}."
            )
        old = self._read()
        self._value = scatter_into(self._xp, old, idx, vals, mode)
        if local.tracer is not None:
            local.tracer.on_assign(self, "scatter_" + mode, old,
                                   ((slices.indices, idx), (slices.values, vals)))
            return self
        return _UnreadVariable(self)

    def _scatter_rows(self, rows: Any, rows_raw: Any, updates: Any, mode: str, lead: int, what: str) -> Variable:
        """Write ``updates`` into the rows ``rows_raw`` of the variable viewed as ``(-1,) + shape[lead:]``; one
        recorded variable effect (``scatter`` with ``lead``) for the compiled function."""
        from .errors import InvalidArgumentError

        own = self._value
        if isinstance(updates, _TensorLike):
            if updates._value.dtype != own.dtype:
                raise InvalidArgumentError(f"Variable.{what}: updates have dtype {updates.dtype.name} but variable "
                                           f"{self._name!r} has dtype {self.dtype.name}; cast them first.")
            vals = updates._value
        else:
            vals = array_of(updates, own.dtype, f"Variable.{what}")
        given = vals
        want = tuple(np.shape(rows_raw)) + tuple(own.shape[lead:])
        if tuple(vals.shape) != want:
            try:
                vals = np.broadcast_to(vals, want)
            except ValueError:
                raise InvalidArgumentError(f"Variable.{what}: cannot broadcast updates of shape {tuple(vals.shape)} "
                                           f"into shape {list(want)} (the addressed part of variable {self._name!r}, "
                                           f"shape {tuple(own.shape)}).") from None
        old = self._read()
        self._value = scatter_into(self._xp, old, rows_raw, vals, mode, lead)
        if local.tracer is not None:
            local.tracer.on_assign(self, "scatter_" + mode, old, ((rows, rows_raw), (updates, given)), {"lead": lead})
            return self
        return _UnreadVariable(self)

    def _assign_slice(self, key: Any, value: Any, mode: str) -> Variable:
        """``self[key].assign(value)`` (``mode``: assign, assign_add, assign_sub): the slice's flat positions."""
        from .ops.slicing import getitem

        positions = getitem(make(np.arange(self._value.size).reshape(self._value.shape), NUMPY), key)
        m = {"assign": "update", "assign_add": "add", "assign_sub": "sub"}[mode]
        return self._scatter_rows(positions, positions._value, value, m, self._value.ndim, f"[...].{mode}")

    def _scatter_nd(self, indices: Any, updates: Any, mode: str) -> Variable:
        from .errors import InvalidArgumentError

        what = "scatter_nd_" + {"update": "update", "add": "add", "sub": "sub", "max": "max", "min": "min"}[mode]
        idx_t = indices if isinstance(indices, _TensorLike) else make(np.asarray(indices), NUMPY)
        idx = idx_t._value
        if local.tracer is not None:
            local.tracer.on_convert(idx_t, "numpy", idx)  # the rows are computed from the indices' values
        shape = self._value.shape
        if idx.dtype.kind not in "iu" or idx.ndim < 1 or idx.shape[-1] > len(shape):
            raise InvalidArgumentError(f"Variable.{what}: indices must be an integer tensor of shape [..., k] with "
                                       f"k <= rank {len(shape)}, got dtype {idx.dtype.name} shape {idx.shape}.")
        k = idx.shape[-1]
        flat = idx.reshape(-1, k)
        bad = ((flat < 0) | (flat >= np.asarray(shape[:k], dtype=np.int64))).any(axis=1)
        if bad.any():
            raise InvalidArgumentError(f"Variable.{what}: indices[{int(np.argmax(bad))}] = "
                                       f"{flat[np.argmax(bad)].tolist()} does not index into shape {list(shape)}.")
        rows = np.ravel_multi_index(tuple(flat.T), shape[:k]).reshape(idx.shape[:-1]) if k else \
            np.zeros(idx.shape[:-1], np.int64)
        return self._scatter_rows(make(rows, NUMPY), rows, updates, mode, k, what)

    def scatter_nd_update(self, indices: Any, updates: Any, name: str | None = None) -> Variable:
        """Write ``updates`` at ``indices`` (shape ``[..., k]``, each row a position or a slice of the first ``k``
        axes); returns the variable, as TF.

        >>> import tapegrad as tf
        >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
        >>> v.scatter_nd_update([[0, 0], [1, 1]], [7.0, 8.0]).numpy().tolist()
        [[7.0, 2.0], [3.0, 8.0]]
        """
        return self._scatter_nd(indices, updates, "update")

    def scatter_nd_add(self, indices: Any, updates: Any, name: str | None = None) -> Variable:
        """Add ``updates`` at ``indices`` (duplicates accumulate)."""
        return self._scatter_nd(indices, updates, "add")

    def scatter_nd_sub(self, indices: Any, updates: Any, name: str | None = None) -> Variable:
        """Subtract ``updates`` at ``indices`` (duplicates accumulate)."""
        return self._scatter_nd(indices, updates, "sub")

    def scatter_nd_max(self, indices: Any, updates: Any, name: str | None = None) -> Variable:
        """Elementwise maximum of the variable and ``updates`` at ``indices``."""
        return self._scatter_nd(indices, updates, "max")

    def scatter_nd_min(self, indices: Any, updates: Any, name: str | None = None) -> Variable:
        """Elementwise minimum of the variable and ``updates`` at ``indices``."""
        return self._scatter_nd(indices, updates, "min")

    def scatter_max(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Rows of the variable become the maximum with the ``IndexedSlices`` rows."""
        return self._scatter(sparse_delta, "max")

    def scatter_min(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Rows of the variable become the minimum with the ``IndexedSlices`` rows."""
        return self._scatter(sparse_delta, "min")

    def scatter_mul(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Multiply the rows named by an ``IndexedSlices`` (duplicates multiply in turn)."""
        return self._scatter(sparse_delta, "mul")

    def scatter_div(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Divide the rows named by an ``IndexedSlices``."""
        return self._scatter(sparse_delta, "div")

    def batch_scatter_update(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """``scatter_update`` along the last batch axis (TF's ``batch_scatter_update``) for a rank-1 variable."""
        return self._scatter(sparse_delta, "update")

    def scatter_add(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Add ``IndexedSlices`` rows into the variable (duplicate indices accumulate)."""
        return self._scatter(sparse_delta, "add")

    def scatter_sub(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Subtract ``IndexedSlices`` rows from the variable (duplicate indices accumulate)."""
        return self._scatter(sparse_delta, "sub")

    def scatter_update(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Variable:
        """Overwrite the rows named by an ``IndexedSlices``."""
        return self._scatter(sparse_delta, "update")

    def __repr__(self) -> str:
        return (f"<tapegrad.Variable '{self._name}' shape={tuple(self._value.shape)} dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, False)}>")

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return _unpickle_variable, (self._numpy_value(), self._trainable, self._name)

    def __deepcopy__(self, memo: Any) -> Variable:
        return Variable(self.numpy(), trainable=self._trainable, name=self._name.rsplit(":", 1)[0])


_SCATTER_UFUNC = {"add": "add", "sub": "subtract", "max": "maximum", "min": "minimum", "mul": "multiply",
                  "div": "divide"}


def scatter_into(xp: Backend, old: Any, idx: Any, vals: Any, mode: str, lead: int = 1) -> Any:
    """A copy of ``old`` with the rows ``idx`` updated by ``vals`` (``mode``: update, add, sub, max, min, mul, div);
    rows of ``old`` viewed as ``(-1,) + old.shape[lead:]`` (``lead=1``: its first axis)."""
    new = xp.array(old, copy=True)
    view = new if lead == 1 else new.reshape((-1,) + tuple(old.shape[lead:]))
    if mode == "update":
        view[idx] = vals
    else:
        getattr(xp.xp, _SCATTER_UFUNC[mode]).at(view, idx, vals)
    return new[()] if new.ndim == 0 else new


class _UnreadVariable(Variable):
    """What ``assign``/``assign_add``/``assign_sub`` return, as in TF: a handle on the same variable named
    ``'UnreadVariable'`` (reads see the variable's current value; assigning through it assigns the variable).
    Ops convert it to the variable itself (``_dense``), so tapes record and watch the variable."""

    __slots__ = ("_target",)

    def __init__(self, target: Variable) -> None:  # noqa: D107 - no Variable.__init__: every field forwards
        self._target = target

    def _dense(self) -> Variable:
        return self._target

    _value = property(lambda self: self._target._value,  # type: ignore[assignment]
                      lambda self, v: setattr(self._target, "_value", v))
    _xp = property(lambda self: self._target._xp)  # type: ignore[assignment]
    _id = property(lambda self: self._target._id)  # type: ignore[assignment]
    _trainable = property(lambda self: self._target._trainable,  # type: ignore[assignment]
                          lambda self, v: setattr(self._target, "_trainable", v))
    _name = property(lambda self: "UnreadVariable")  # type: ignore[assignment]
    _options = property(lambda self: self._target._options)  # type: ignore[assignment]

    def assign(self, value: Any, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Variable:
        return self._target.assign(value)

    def assign_add(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Variable:
        return self._target.assign_add(delta)

    def assign_sub(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Variable:
        return self._target.assign_sub(delta)

    def _read(self) -> Any:
        return self._target._read()

    def __reduce__(self) -> tuple[Any, ...]:
        return self._target.__reduce__()

    def __deepcopy__(self, memo: Any) -> Variable:
        return self._target.__deepcopy__(memo)


def _unpickle_variable(value: Any, trainable: bool, name: str) -> Variable:
    return Variable(np.asarray(value), trainable=trainable, name=name.rsplit(":", 1)[0])


TENSOR_TYPES = (Tensor, Variable)


def is_tensor_like(x: Any) -> bool:
    return type(x) is Tensor or type(x) is Variable or isinstance(x, _TensorLike)


def is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number)
