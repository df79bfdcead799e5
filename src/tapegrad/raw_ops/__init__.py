"""``tapegrad.raw_ops``: TensorFlow's low-level op entry points, for the ops tapegrad implements, under TF's names.

Every entry is checked against TF 2.21's op definition (recorded in ``_opdefs.py`` by ``_generate.py``): keyword
arguments only (a positional argument, a missing input or an unknown keyword raise TypeError), TF's argument names
and defaults, inputs converted as TF converts them (inputs sharing a type attribute get one dtype; a tensor of
another dtype raises InvalidArgumentError, an unconvertible Python value TypeError), attributes checked by kind
(TypeError) and against their allowed values (InvalidArgumentError, e.g. ``padding="FOO"`` or ``Sqrt`` of int32),
and outputs shaped as TF's: one tensor, a list, ``None`` for an op without outputs, or a named tuple with TF's
field names (``Unique(...).y``, ``.idx``). A raw op is the same differentiable op as its public function, so
gradients flow through it. Resource inputs (``var=``, ``resource=``) take a ``tapegrad.Variable``.

The implementations live in per-family tables (``math_ops``, ``array_ops``, ``nn_ops``, ...); a TF raw op that
tapegrad does not implement raises AttributeError naming why (docs/raw_ops.md lists them by category).

>>> import tapegrad as tf
>>> tf.raw_ops.MatMul(a=[[1.0, 2.0]], b=[[3.0], [4.0]], transpose_a=False).numpy()
array([[11.]], dtype=float32)
>>> tf.raw_ops.Unique(x=[3, 1, 3]).idx.numpy()
array([0, 1, 0], dtype=int32)
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _tensor, dtypes
from ..errors import InvalidArgumentError
from ..ops.core import convert_to_tensor
from . import _families
from ._opdefs import DT, OPDEFS, OTHER_OPS, REQ, TF_VERSION

Impl = Callable[..., Any]

_RESOURCE = "=resource"


def _dtype(value: Any, op: str, attr: str) -> Any:
    try:
        return dtypes.as_dtype(value)
    except (TypeError, ValueError, KeyError):
        raise TypeError(f"raw_ops.{op}: expected a DType for argument {attr!r}, not {value!r} "
                        f"(pass e.g. tapegrad.float32).") from None


def _check_allowed(op: str, attr: str, dtype: Any, allowed: tuple[str, ...] | None) -> None:
    if allowed is not None and dtype.name not in allowed:
        raise InvalidArgumentError(None, None, f"raw_ops.{op}: attribute {attr!r} is {dtype.name}, which {op} does not "
                                   f"support; allowed: {', '.join(allowed)}.")


class _Converter:
    """Converts one call's inputs as TF's eager op execution does: ``types`` maps each type attribute to its dtype
    once known (given explicitly, fixed by the first input that is already a tensor, or by the first converted
    value)."""

    __slots__ = ("op", "attrs", "types")

    def __init__(self, op: str, attrs: dict[str, tuple[str, Any]], types: dict[str, Any]) -> None:
        self.op, self.attrs, self.types = op, attrs, types

    def tensor(self, name: str, value: Any, type_attr: str) -> Any:
        if type_attr == _RESOURCE:
            if not isinstance(value, _tensor.Variable):
                raise InvalidArgumentError(None, None, f"raw_ops.{self.op}: input {name!r} is a resource: pass the "
                                           f"tapegrad.Variable itself, not {type(value).__name__}.")
            return value
        if not type_attr:  # an element of a type list: its own dtype
            return convert_to_tensor(value)
        fixed = type_attr[0] == "="
        want = _FIXED[type_attr] if fixed else self.types.get(type_attr)
        if isinstance(value, (_tensor.Tensor, _tensor.Variable)):
            if want is not None and value.dtype != want:
                raise InvalidArgumentError(None, None, f"raw_ops.{self.op}: input {name!r} must be a {want.name} "
                                           f"tensor (attribute {type_attr!r}), got a {value.dtype.name} tensor; cast "
                                           f"it with tapegrad.cast(x, tapegrad.{want.name}).")
            if type(value) is _tensor.Tensor and want is not None:
                return value  # (the common case: already a tensor of the right dtype)
        t = convert_to_tensor(value, dtype=want)
        if want is None and not fixed:
            self.types[type_attr] = t.dtype
            _check_allowed(self.op, type_attr, t.dtype, self.attrs.get(type_attr, ("", None))[1])
        return t

    def first_dtype(self, inputs: tuple[tuple[str, str, str], ...], kwargs: dict[str, Any]) -> None:
        """TF picks a shared type attribute's dtype from the first input that already is a tensor."""
        types = self.types
        for name, type_attr, _ in inputs:
            if type_attr in types or not type_attr or type_attr[0] == "=":
                continue
            value = kwargs[name]
            for v in (value if isinstance(value, (list, tuple)) else (value,)):
                if isinstance(v, _tensor.Tensor):
                    types[type_attr] = v.dtype
                    _check_allowed(self.op, type_attr, v.dtype, self.attrs.get(type_attr, ("", None))[1])
                    break


class _FixedDtypes(dict):  # type: ignore[type-arg]
    """``"=float32"`` -> the DType, on first use."""

    def __missing__(self, key: str) -> Any:
        self[key] = dtypes.as_dtype(key[1:])
        return self[key]


_FIXED = _FixedDtypes()


def _check_attr(op: str, name: str, kind: str, allowed: Any, value: Any) -> Any:
    def bad(what: str) -> TypeError:
        return TypeError(f"raw_ops.{op}: expected {what} for argument {name!r}, not {value!r}.")

    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise bad("a bool")
        return bool(value)
    if kind == "int":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise bad("an int")
        return int(value)
    if kind == "float":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise bad("a float")
        return float(value)
    if kind == "string":
        if isinstance(value, bytes):
            value = value.decode()
        if not isinstance(value, str):
            raise bad("a string")
        if allowed is not None and value not in allowed:
            raise InvalidArgumentError(None, None, f"raw_ops.{op}: {name}={value!r} is not one of "
                                       f"{', '.join(repr(a) for a in allowed)}.")
        return value
    if kind == "type":
        dt = _dtype(value, op, name)
        _check_allowed(op, name, dt, allowed)
        return dt
    if kind == "list(int)":
        if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                                      for v in value):
            raise bad("a list of ints")
        return [int(v) for v in value]
    if kind == "list(type)":
        return [_dtype(v, op, name) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, DT):
        return dtypes.as_dtype(str(value))
    return list(value) if isinstance(value, tuple) else value


_OUTPUT_TYPES: dict[str, type] = {}


def _structure(op: str, outputs: tuple[tuple[str, bool], ...], result: Any) -> Any:
    if not outputs:
        return None
    if len(outputs) == 1:
        return list(result) if outputs[0][1] else result
    cls = _OUTPUT_TYPES.get(op)
    if cls is None:
        cls = _OUTPUT_TYPES[op] = collections.namedtuple(op, [n for n, _ in outputs])  # type: ignore[misc]
    return cls(*(list(r) if is_list else r for r, (_, is_list) in zip(result, outputs, strict=True)))


def _make(op: str, impl: Impl) -> Impl:
    params, inputs, attrs, outputs = OPDEFS[op]
    keys = [p for p, _ in params]
    key_set = frozenset(keys) | {"name"}
    required = [p for p, d in params if d is REQ]
    input_names = {name for name, _, _ in inputs}
    # the attribute parameters: (name, default, kind, allowed), and which of them are dtypes
    attr_params = tuple((p, d, *attrs.get(p, ("", None))) for p, d in params if p not in input_names)
    type_params = tuple(p for p, _, kind, _ in attr_params if kind == "type")
    plain = tuple(inputs)

    def raw_op(*args: Any, **kwargs: Any) -> Any:
        if args or not key_set.issuperset(kwargs) or any(k not in kwargs for k in required):
            _call_error(op, keys, required, args, kwargs)
        call: dict[str, Any] = {}
        for p, d, kind, allowed in attr_params:
            call[p] = _check_attr(op, p, kind, allowed, kwargs[p]) if p in kwargs else _default(d)
        conv = _Converter(op, attrs, {p: call[p] for p in type_params})
        conv.first_dtype(plain, kwargs)
        for name, type_attr, list_attr in plain:
            value = kwargs[name]
            if list_attr and list_attr == type_attr:  # a list of tensors of any dtypes (IdentityN, StringFormat)
                call[name] = [conv.tensor(name, v, "") for v in value]
            elif list_attr:
                if not isinstance(value, (list, tuple)):
                    raise TypeError(f"raw_ops.{op}: input {name!r} is a list of tensors; got {type(value).__name__}.")
                call[name] = [conv.tensor(name, v, type_attr) for v in value]
            else:
                call[name] = conv.tensor(name, value, type_attr)
        return _structure(op, outputs, impl(**call))

    raw_op.__name__ = raw_op.__qualname__ = op
    raw_op.__module__ = __name__
    shown = ", ".join(k if d is REQ else f"{k}={_default(d)!r}" for k, d in params)
    raw_op.__doc__ = (f"``tapegrad.raw_ops.{op}({shown}, name=None)``: TF {TF_VERSION}'s raw op {op}, keyword "
                      f"arguments only; outputs: {', '.join(n for n, _ in outputs) or 'none'}.")
    return raw_op


def _call_error(op: str, keys: list[str], required: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if args:
        raise TypeError(f"raw_ops.{op} only takes keyword arguments (possible keys: {keys + ['name']}); got "
                        f"{len(args)} positional argument(s). Pass them by name: "
                        f"tapegrad.raw_ops.{op}({', '.join(k + '=...' for k in required)}).")
    unknown = sorted(set(kwargs) - set(keys) - {"name"})
    missing = [k for k in required if k not in kwargs]
    raise TypeError(f"raw_ops.{op}: expected the keyword arguments {keys}"
                    + (f"; unknown: {unknown}" if unknown else "")
                    + (f"; missing: {missing}" if missing else "") + ".")


IMPLEMENTATIONS: dict[str, Impl] = _families.implementations()
# Table entries without a recorded op definition (a new entry before ``_generate.py`` was rerun, or a name TF does
# not have): not exported; the audit test requires this to be empty.
UNDEFINED = sorted(set(IMPLEMENTATIONS) - set(OPDEFS))
for _name in UNDEFINED:
    del IMPLEMENTATIONS[_name]
for _name, _impl in IMPLEMENTATIONS.items():
    globals()[_name] = _make(_name, _impl)
del _name, _impl


def __getattr__(name: str) -> Any:
    if name in OPDEFS or name in OTHER_OPS:
        raise AttributeError(f"tapegrad.raw_ops has no {name}: TF {TF_VERSION} defines it, but tapegrad does not "
                             f"implement it ({_families.absent_reason(name)}). See docs/raw_ops.md.")
    raise AttributeError(f"module 'tapegrad.raw_ops' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(IMPLEMENTATIONS)
