"""``tf.function`` (run eagerly), ``tf.TensorSpec``, ``tf.config`` basics and small predicates.

tapegrad has no graphs: a ``@tapegrad.function`` always runs its Python body eagerly, so tapes record through it
exactly as through plain Python. What it keeps from TensorFlow's *default* (traced) mode is the boundary:

* with an ``input_signature``, arguments are bound and checked as TF binds them: tensors must have the spec's
  dtype and a compatible shape, other values (Python numbers, lists, NumPy arrays) are converted to the spec's
  dtype, and every failure is a ``TypeError`` worded like TF's ("Binding inputs to tf.function failed …");
* NumPy array arguments become tensors, and numeric Python/NumPy results come back as tensors.

After ``tapegrad.config.run_functions_eagerly(True)`` it behaves like TF in that mode: the body is called with the
arguments untouched, no signature checks, results returned as they are.
"""

from __future__ import annotations

import functools
import types
from collections import namedtuple
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import inspect

import numpy as np

from .. import _dtypes, _nest
from .._shape import TensorShape
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from .core import convert_to_tensor

# -- small predicates ------------------------------------------------------------------------------------------------


def executing_eagerly() -> bool:
    """Always ``True``: tapegrad runs every op eagerly, ``tapegrad.function`` bodies included.

    >>> import tapegrad as tf
    >>> tf.executing_eagerly()
    True
    """
    return True


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tapegrad tensor type (``Tensor``, ``Variable``, ``IndexedSlices``), not a NumPy array.

    >>> import tapegrad as tf, numpy as np
    >>> tf.is_tensor(tf.constant(1.0)), tf.is_tensor(tf.Variable(1.0)), tf.is_tensor(np.ones(2)), tf.is_tensor(3)
    (True, True, False, False)
    """
    return isinstance(x, _TensorLike) or type(x).__name__ == "IndexedSlices"


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """The constant value of ``tensor`` as NumPy, if known: a Tensor's value, ``None`` for a Variable (its value
    can change), and any non-tensor value unchanged — as ``tf.get_static_value`` in eager mode.

    >>> import tapegrad as tf
    >>> tf.get_static_value(tf.constant([1, 2])).tolist(), tf.get_static_value(tf.Variable(1.0)), tf.get_static_value(3)
    ([1, 2], None, 3)
    """
    if type(tensor) is Tensor:
        return tensor.numpy()
    if is_tensor(tensor):
        return None
    return tensor


# -- TensorSpec ------------------------------------------------------------------------------------------------------


def _as_shape(shape: Any) -> TensorShape:
    if isinstance(shape, TensorShape):
        return shape
    if shape is None:
        return TensorShape(None)
    if isinstance(shape, (int, np.integer)):
        return TensorShape([int(shape)])
    if isinstance(shape, _TensorLike):
        shape = shape.numpy().tolist()
    return TensorShape([None if d is None or (isinstance(d, (int, np.integer)) and d < 0) else d for d in shape])


class TensorSpec:
    """Describes a tensor: a (possibly partial) shape, a dtype and an optional name.

    Used as ``input_signature`` entries of :func:`function`; ``None`` dimensions match any size.

    >>> import tapegrad as tf
    >>> spec = tf.TensorSpec(shape=(None, 3), dtype=tf.float32)
    >>> spec
    TensorSpec(shape=(None, 3), dtype=tapegrad.float32, name=None)
    >>> spec.is_compatible_with(tf.zeros([5, 3])), spec.is_compatible_with(tf.zeros([5, 4]))
    (True, False)
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> None:
        self._shape = _as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def value_type(self) -> type:
        return Tensor

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        """The spec of an existing tensor (its full shape and dtype).

        >>> import tapegrad as tf
        >>> tf.TensorSpec.from_tensor(tf.zeros([2], tf.int32))
        TensorSpec(shape=(2,), dtype=tapegrad.int32, name=None)
        """
        t = tensor if isinstance(tensor, _TensorLike) else convert_to_tensor(tensor)
        return cls(t.shape, t.dtype, name if name is not None else None)

    @classmethod
    def from_spec(cls, spec: TensorSpec, name: str | None = None) -> TensorSpec:
        """A copy of ``spec`` (optionally renamed)."""
        return cls(spec.shape, spec.dtype, name if name is not None else spec.name)

    def is_compatible_with(self, spec_or_tensor: Any) -> bool:
        """True for a TensorSpec or Tensor with the same dtype and a compatible shape (names are ignored).

        As in TF, Variables, NumPy arrays and Python values are not compatible (they are other types).
        """
        other = spec_or_tensor
        if isinstance(other, TensorSpec):
            return other._dtype == self._dtype and self._shape.is_compatible_with(other._shape)
        if type(other) is Tensor:
            return other.dtype == self._dtype and self._shape.is_compatible_with(other.shape)
        return False

    def most_specific_common_supertype(self, others: Any) -> TensorSpec | None:
        """The narrowest spec that all of ``self`` and ``others`` satisfy (``None`` if dtypes differ).

        >>> import tapegrad as tf
        >>> tf.TensorSpec([2, 3]).most_specific_common_supertype([tf.TensorSpec([4, 3])])
        TensorSpec(shape=(None, 3), dtype=tapegrad.float32, name=None)
        """
        dims = self._shape.dims
        for o in others:
            if not isinstance(o, TensorSpec) or o._dtype != self._dtype:
                return None
            od = o._shape.dims
            if dims is None or od is None or len(dims) != len(od):
                dims = None
            else:
                dims = [a if a == b else None for a, b in zip(dims, od)]
        names = {self._name, *(o._name for o in others)}
        return TensorSpec(TensorShape(dims), self._dtype, self._name if len(names) == 1 else None)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and self._shape == other._shape  # type: ignore[attr-defined]
                and self._dtype == other._dtype and self._name == other._name)  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((self._shape, self._dtype, self._name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return TensorSpec, (self._shape, self._dtype, self._name)


# -- config: devices, run_functions_eagerly, threading -------------------------------------------------------------

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "A physical device on this machine (tapegrad has exactly one: the CPU)."
LogicalDevice = namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDevice.__doc__ = "A logical device that ops run on (tapegrad has exactly one: the CPU)."

_CPU = PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
_LOGICAL_CPU = LogicalDevice(name="/device:CPU:0", device_type="CPU")


class _Config:
    run_eagerly = False
    inter_op_threads = 0
    intra_op_threads = 0


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices, optionally of one type (``"CPU"``; the type match is exact, as in TF).

    >>> import tapegrad as tf
    >>> tf.config.list_physical_devices()
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    >>> tf.config.list_physical_devices("GPU")
    []
    """
    return [_CPU] if device_type is None or device_type == "CPU" else []


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The devices ops may use: the same as :func:`list_physical_devices`."""
    return list_physical_devices(device_type)


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """The logical devices, optionally of one type.

    >>> import tapegrad as tf
    >>> tf.config.list_logical_devices()
    [LogicalDevice(name='/device:CPU:0', device_type='CPU')]
    """
    return [_LOGICAL_CPU] if device_type is None or device_type == "CPU" else []


def run_functions_eagerly(run_eagerly: bool) -> None:
    """TF's switch between traced and eager ``tf.function``. Bodies always run eagerly in tapegrad; with ``True``
    the call boundary also behaves as TF's eager mode (no signature checks or conversions), see :func:`function`.

    >>> import tapegrad as tf
    >>> tf.config.run_functions_eagerly(True); tf.config.functions_run_eagerly()
    True
    >>> tf.config.run_functions_eagerly(False)
    """
    _Config.run_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """The value of the :func:`run_functions_eagerly` setting (``False`` unless set, as in TF)."""
    return _Config.run_eagerly


experimental_run_functions_eagerly = run_functions_eagerly
experimental_functions_run_eagerly = functions_run_eagerly


def get_inter_op_parallelism_threads() -> int:
    """The recorded inter-op thread setting (0 = system default). tapegrad runs ops one at a time."""
    return _Config.inter_op_threads


def set_inter_op_parallelism_threads(num_threads: int) -> None:
    """Record the inter-op thread setting (accepted for compatibility; no effect on NumPy)."""
    _Config.inter_op_threads = int(num_threads)


def get_intra_op_parallelism_threads() -> int:
    """The recorded intra-op thread setting (0 = system default; NumPy's BLAS picks its own threads)."""
    return _Config.intra_op_threads


def set_intra_op_parallelism_threads(num_threads: int) -> None:
    """Record the intra-op thread setting (accepted for compatibility; set BLAS threads via its environment)."""
    _Config.intra_op_threads = int(num_threads)


threading = types.ModuleType("tapegrad.config.threading", "Thread-pool settings (recorded; NumPy decides threads).")
for _fn in (get_inter_op_parallelism_threads, set_inter_op_parallelism_threads, get_intra_op_parallelism_threads,
            set_intra_op_parallelism_threads):
    setattr(threading, _fn.__name__, _fn)


# -- function --------------------------------------------------------------------------------------------------------


class _BindError(TypeError):
    """Internal: one input does not fit the signature (wrapped into TF's 'Binding inputs' TypeError)."""


def _check_signature(input_signature: Any) -> tuple[Any, ...] | None:
    if input_signature is None:
        return None
    if not isinstance(input_signature, (tuple, list)):
        raise TypeError(f"input_signature must be either a tuple or a list, got {type(input_signature)}.")
    bad = [s for s in _nest.flatten(list(input_signature)) if not isinstance(s, TensorSpec)]
    if bad:
        raise TypeError(f"input_signature must be a possibly nested sequence of TensorSpec objects, got invalid args "
                        f"{bad} with types {[type(b) for b in bad]}.")
    return tuple(input_signature)


def _describe(spec: Any) -> str:
    if isinstance(spec, TensorSpec):
        return repr(spec)
    if isinstance(spec, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_describe(v)}]" for k, v in spec.items()) + "]"
    kind = "Tuple" if isinstance(spec, tuple) else "List"
    return f"{kind}[" + ", ".join(_describe(s) for s in spec) + "]"


def _spec_of(t: Any) -> TensorSpec:
    return TensorSpec(t.shape, t.dtype)


def _fit_spec(value: Any, spec: Any) -> Any:
    """``value`` bound to ``spec`` (a TensorSpec or a nest of them), converted as TF's traced functions do."""
    if isinstance(spec, TensorSpec):
        if type(value) is Tensor and value._value.dtype == spec._dtype._np:  # fast path: shape check only
            dims = spec._shape._dims
            shape = value._value.shape
            if dims is None or (len(dims) == len(shape) and all(d is None or d == n for d, n in zip(dims, shape))):
                return value
        if isinstance(value, _TensorLike):
            t = value
        else:
            try:
                t = convert_to_tensor(value, dtype=spec.dtype)
            except (TypeError, ValueError) as exc:
                raise _BindError(str(exc)) from None
        if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
            raise _BindError(f"Can not cast {_spec_of(t)!r} to {spec!r}")
        return t
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise _BindError(f"Can not cast {value!r} to dict type.")
        if set(value) != set(spec):
            raise _BindError(f"{value!r} has different keys with the TraceType {_describe(spec)}.")
        return type(value)((k, _fit_spec(value[k], spec[k])) for k in value)
    kind = tuple if isinstance(spec, tuple) else list
    if not isinstance(value, kind):
        raise _BindError(f"Can not cast {value!r} to {kind.__name__} type.")
    if len(value) != len(spec):
        raise _BindError(f"Expected {value!r} to have length of {len(spec)}")
    items = [_fit_spec(v, s) for v, s in zip(value, spec)]
    if hasattr(value, "_fields"):
        return type(value)(*items)
    return kind(items)


def _same_literal(value: Any, default: Any) -> bool:
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # noqa: BLE001  (arbitrary user objects)
        return False


def _to_tensor_leaf(x: Any) -> Any:
    if isinstance(x, (bool, int, float, complex, np.ndarray, np.generic)):
        try:
            return convert_to_tensor(x)
        except (TypeError, ValueError):
            return x
    return x


def _arrays_to_tensors(x: Any) -> Any:
    if type(x) is Tensor:
        return x
    if isinstance(x, np.ndarray):
        return convert_to_tensor(x)
    if _nest.is_nested(x) and any(isinstance(v, np.ndarray) for v in _nest.flatten(x)):
        return _nest.map_structure(lambda v: convert_to_tensor(v) if isinstance(v, np.ndarray) else v, x)
    return x


class _Binder:
    """Binds call arguments to an ``input_signature`` the way TF's traced functions do."""

    def __init__(self, signature: inspect.Signature, input_signature: tuple[Any, ...]) -> None:
        self.signature = signature
        self.input_signature = input_signature
        params = list(self.signature.parameters.values())
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self.var_positional = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None)
        self.slots: list[tuple[str, int | None]] = []  # (parameter, index into *args or None)
        for i in range(len(input_signature)):
            if i < len(positional):
                self.slots.append((positional[i].name, None))
            elif self.var_positional is not None:
                self.slots.append((self.var_positional, i - len(positional)))
            else:
                raise TypeError(f"input_signature contains {len(input_signature) - len(positional)} extra type "
                                "constraints.")
        for p in positional[len(input_signature):]:
            if p.default is p.empty:
                raise TypeError(f"input_signature missing type constraint for {p.name}")
        for p in params:
            if p.kind is p.KEYWORD_ONLY and p.default is p.empty:
                raise TypeError(f"Since input_signature is defined, keyword-only parameter `{p.name}` must have a "
                                "default value")
        self.simple = self.var_positional is None and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in positional)
        self.literals = [p for p in params if p.default is not p.empty and p.name not in {s[0] for s in self.slots}]
        shown = []
        for (pname, k), spec in zip(self.slots, input_signature):
            shown.append(f"{pname if k is None else f'{pname}_{k}'}: {_describe(spec)}")
        shown += [f"{p.name}: Literal[{p.default!r}] = <captured_default_value>" for p in self.literals]
        self.pretty = "(" + ", ".join(shown) + ")"

    def fail(self, why: str, args: Any, kwargs: Any) -> TypeError:
        return TypeError(f"Binding inputs to tf.function failed due to `{why}`. Received args: {args!r} and kwargs: "
                         f"{kwargs!r} for signature: {self.pretty}.")

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The call's ``(args, kwargs)`` with every signature-bound argument checked and converted."""
        if not kwargs and self.simple and len(args) == len(self.slots):  # the common case: all positional
            try:
                return tuple(_fit_spec(a, s) for a, s in zip(args, self.input_signature)), {}
            except _BindError as exc:
                raise self.fail(str(exc), args, kwargs) from None
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise self.fail(str(exc), args, kwargs) from None
        arguments = bound.arguments
        n_var = sum(1 for _, k in self.slots if k is not None)
        if self.var_positional is not None and len(arguments.get(self.var_positional, ())) != n_var:
            got = len(arguments.get(self.var_positional, ()))
            why = ("too many positional arguments" if got > n_var else
                   f"missing a required argument: '{self.var_positional}_{got}'")
            raise self.fail(why, args, kwargs)
        try:
            var_items = list(arguments.get(self.var_positional, ())) if self.var_positional else []
            for (pname, k), spec in zip(self.slots, self.input_signature):
                if k is None:
                    arguments[pname] = _fit_spec(arguments[pname], spec)
                else:
                    var_items[k] = _fit_spec(var_items[k], spec)
            if self.var_positional is not None and var_items:
                arguments[self.var_positional] = tuple(var_items)
            for p in self.literals:
                if p.name in arguments and not _same_literal(arguments[p.name], p.default):
                    raise _BindError(f"Can not cast {arguments[p.name]!r} to Literal[{p.default!r}]")
        except _BindError as exc:
            raise self.fail(str(exc), args, kwargs) from None
        return bound.args, bound.kwargs


class ConcreteFunction:
    """A :class:`Function` specialised to one input signature (``get_concrete_function``); callable.

    Like TF's, calling it converts non-tensor arguments to the signature's dtypes and rejects tensors of another
    dtype (``InvalidArgumentError``); shapes are not re-checked.
    """

    def __init__(self, function: Function, specs: dict[str, Any], literals: dict[str, Any],
                 signature: inspect.Signature) -> None:
        self._function = function
        self._specs = specs  # parameter name -> TensorSpec nest (named after the parameter)
        self._literals = literals  # parameter name -> Python value fixed at trace time
        self._signature = signature

    @property
    def structured_input_signature(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return tuple(self._specs.values()), {}

    @property
    def name(self) -> str:
        return self._function.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        names = list(self._specs)
        if len(args) > len(names) + len(self._literals):
            raise TypeError(f"{self!r} takes {len(names)} positional arguments, got {len(args)}.")
        given = dict(zip(names + list(self._literals), args))
        given.update(kwargs)
        call: dict[str, Any] = dict(self._literals)
        for pname, spec in self._specs.items():
            if pname not in given:
                raise TypeError(f"{self!r}: missing required argument {pname!r}.")
            flat_specs = _nest.flatten(spec)
            values = _nest.flatten(given[pname]) if _nest.is_nested(spec) else [given[pname]]
            if len(values) != len(flat_specs):
                raise TypeError(f"{self!r}: argument {pname!r} does not match the structure of {spec!r}.")
            out = []
            for v, s in zip(values, flat_specs):
                if isinstance(v, _TensorLike):
                    if v.dtype != s.dtype:
                        raise InvalidArgumentError(
                            f"cannot compute {self.name} as input {pname!r} was expected to be a {s.dtype.name} "
                            f"tensor but is a {v.dtype.name} tensor")
                    out.append(v)
                else:
                    out.append(convert_to_tensor(v, dtype=s.dtype))
            call[pname] = _nest.pack_sequence_as(spec, out) if _nest.is_nested(spec) else out[0]
        for k, v in given.items():
            if k in self._literals and not _same_literal(v, self._literals[k]):
                raise TypeError(f"{self!r}: argument {k!r} was fixed to {self._literals[k]!r} when the concrete "
                                f"function was made, got {v!r}.")
        fn = self._function._python_function
        pos: list[Any] = []
        kw: dict[str, Any] = {}
        for p in self._signature.parameters.values():
            if p.name not in call:
                continue
            if p.kind is p.POSITIONAL_ONLY:
                pos.append(call[p.name])
            elif p.kind is p.VAR_KEYWORD:
                kw.update(call[p.name])
            else:
                kw[p.name] = call[p.name]
        return self._function._finish(fn(*pos, **kw))

    def __repr__(self) -> str:
        parts = [f"{k}: {_describe(v)}" for k, v in self._specs.items()]
        parts += [f"{k}: Literal[{v!r}]" for k, v in self._literals.items()]
        return f"<ConcreteFunction ({', '.join(parts)}) at 0x{id(self):X}>"


def _named(spec: Any, name: str) -> Any:
    if isinstance(spec, TensorSpec):
        return TensorSpec.from_spec(spec, name=spec.name or name)
    return _nest.map_structure(lambda s: TensorSpec.from_spec(s, name=s.name or name), spec)


class Function:
    """A Python function wrapped by :func:`function`: called eagerly, with TF's input-signature boundary."""

    def __init__(self, python_function: Callable[..., Any], input_signature: tuple[Any, ...] | None = None,
                 options: dict[str, Any] | None = None) -> None:
        self._python_function = python_function
        self._input_signature = input_signature
        self._options = dict(options or {})
        self._binder: _Binder | None = None  # binds every argument of a call
        self._self_binder: _Binder | None = None  # a method's: binds the arguments after ``self``
        if input_signature is not None:
            import inspect

            sig = inspect.signature(python_function)
            params = list(sig.parameters.values())
            if params and params[0].name in ("self", "cls") and params[0].kind in (
                    params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
                self._self_binder = _Binder(sig.replace(parameters=params[1:]), input_signature)
            else:
                self._binder = _Binder(sig, input_signature)
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self) -> Callable[..., Any]:
        """The original Python function."""
        return self._python_function

    @property
    def input_signature(self) -> tuple[Any, ...] | None:
        return self._input_signature

    @property
    def name(self) -> str:
        return getattr(self._python_function, "__name__", "function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _Config.run_eagerly:
            return self._python_function(*args, **kwargs)
        if self._binder is not None:
            args, kwargs = self._binder.bind(args, kwargs)
        elif self._self_binder is not None:  # a method called through the class: M.f(obj, x)
            if not args:
                raise TypeError(f"{self.name}() missing 1 required positional argument: 'self'")
            rest, kwargs = self._self_binder.bind(args[1:], kwargs)
            args = (args[0], *rest)
        else:
            args = tuple(_arrays_to_tensors(a) for a in args)
            kwargs = {k: _arrays_to_tensors(v) for k, v in kwargs.items()}
        return self._finish(self._python_function(*args, **kwargs))

    @staticmethod
    def _finish(result: Any) -> Any:
        """Numeric Python/NumPy results become tensors (as a traced TF function returns them)."""
        if _Config.run_eagerly or type(result) is Tensor or result is None:
            return result
        if _nest.is_nested(result):
            return _nest.map_structure(_to_tensor_leaf, result)
        return _to_tensor_leaf(result)

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """A callable specialised to the input signature, or to ``args`` (TensorSpecs, tensors or Python values).

        >>> import tapegrad as tf
        >>> f = tf.function(lambda x, k: x * k)
        >>> cf = f.get_concrete_function(tf.TensorSpec([None]), 2)
        >>> cf(tf.constant([1.0, 2.0])).numpy().tolist()
        [2.0, 4.0]
        """
        import inspect

        sig = inspect.signature(self._python_function)
        if self._self_binder is not None:
            raise TypeError(f"get_concrete_function of method {self.name!r}: call it on an instance "
                            f"(obj.{self.name}.get_concrete_function()).")
        if self._binder is not None:
            if args or kwargs:
                self._binder.bind(args, kwargs)  # validates them as a call would
            specs = {}
            for (pname, k), spec in zip(self._binder.slots, self._input_signature or ()):
                key = pname if k is None else f"{pname}_{k}"
                specs[key] = _named(spec, key)
            literals = {p.name: p.default for p in self._binder.literals}
            if self._binder.var_positional is not None:
                return _VarArgsConcrete(self, specs, literals, sig)
            return ConcreteFunction(self, specs, literals, sig)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"Binding inputs to tf.function failed due to `{exc}`. Received args: {args!r} and "
                            f"kwargs: {kwargs!r} for signature: {sig}.") from None
        bound.apply_defaults()
        specs, literals = {}, {}
        for pname, value in bound.arguments.items():
            leaves = _nest.flatten(value)
            if leaves and all(isinstance(v, (TensorSpec, _TensorLike, np.ndarray)) for v in leaves):
                spec = _nest.map_structure(
                    lambda v: v if isinstance(v, TensorSpec) else _spec_of(v if isinstance(v, _TensorLike)
                                                                            else convert_to_tensor(v)), value)
                specs[pname] = _named(spec, pname)
            else:
                literals[pname] = value
        if any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values()):
            return _VarArgsConcrete(self, specs, literals, sig)
        return ConcreteFunction(self, specs, literals, sig)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """Decorated methods: bind ``self`` (the input_signature then describes the arguments after it)."""
        if instance is None:
            return self
        method = types.MethodType(self._python_function, instance)
        bound = Function.__new__(Function)
        bound._python_function = method
        bound._input_signature = self._input_signature
        bound._options = self._options
        bound._binder = self._self_binder
        bound._self_binder = None
        functools.update_wrapper(bound, method)
        return bound

    def __repr__(self) -> str:
        return f"<tapegrad.function {getattr(self._python_function, '__qualname__', self.name)}>"


class _VarArgsConcrete(ConcreteFunction):
    """Concrete function whose signature slots fill ``*args``: called positionally through the binder."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)


def function(func: Callable[..., Any] | None = None, input_signature: Any = None, autograph: bool = True,
             jit_compile: bool | None = None, reduce_retracing: bool = False, experimental_implements: Any = None,
             experimental_autograph_options: Any = None, experimental_attributes: Any = None,
             experimental_relax_shapes: Any = None, experimental_compile: Any = None,
             experimental_follow_type_hints: Any = None) -> Any:
    """``tf.function``: wrap ``func`` so TF code decorated with it runs unchanged — eagerly, tape-differentiable.

    Usable as ``@function``, ``@function(input_signature=...)`` or ``function(f, ...)``. ``jit_compile``,
    ``autograph``, ``reduce_retracing`` and the ``experimental_*`` options are accepted and have no effect (there is
    nothing to trace or compile). With ``input_signature`` (a list/tuple of possibly nested :class:`TensorSpec`),
    calls are bound and checked as TF's traced functions check them (``TypeError`` on a mismatch).

    >>> import tapegrad as tf
    >>> @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    ... def sq(x):
    ...     "Sum of squares."
    ...     return tf.reduce_sum(x * x)
    >>> v = tf.Variable([1.0, 2.0])
    >>> with tf.GradientTape() as tape:
    ...     y = sq(v)
    >>> tape.gradient(y, v).numpy().tolist(), sq.__name__, sq.__doc__
    ([2.0, 4.0], 'sq', 'Sum of squares.')
    >>> try:
    ...     sq(tf.constant([1, 2]))
    ... except TypeError as e:
    ...     print(str(e)[:42])
    Binding inputs to tf.function failed due t
    """
    sig = _check_signature(input_signature)
    options = {"autograph": autograph, "jit_compile": jit_compile, "reduce_retracing": reduce_retracing}

    def decorate(f: Callable[..., Any]) -> Function:
        if not callable(f):
            raise TypeError(f"{f!r} is not a callable object")
        return Function(f, sig, options)

    return decorate if func is None else decorate(func)


EXPORTS: dict[str, list[str]] = {
    "": ["function", "TensorSpec", "executing_eagerly", "is_tensor", "get_static_value"],
    "config": [
        "list_physical_devices", "list_logical_devices", "get_visible_devices", "PhysicalDevice", "LogicalDevice",
        "run_functions_eagerly", "functions_run_eagerly", "experimental_run_functions_eagerly",
        "experimental_functions_run_eagerly", "threading",
    ],
}
