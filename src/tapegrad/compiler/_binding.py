"""Binding call arguments to a ``tapegrad.function``'s ``input_signature`` the way TF's traced functions do:
tensors must have the spec's dtype and a compatible shape, other values (Python numbers, lists, NumPy arrays) are
converted to the spec's dtype, and every failure is a ``TypeError`` worded like TF's ("Binding inputs to tf.function
failed …").
"""

from __future__ import annotations

import inspect
from typing import Any

from .._tensor import Tensor, _TensorLike
from ..ops.core import convert_to_tensor
from ..ops.tensor_spec import TensorSpec


def _spec_of(t: Any) -> TensorSpec:
    return TensorSpec(t.shape, t.dtype)


def _describe(spec: Any) -> str:
    if isinstance(spec, TensorSpec) or type(spec).__name__ in ("SparseTensorSpec", "RaggedTensorSpec"):
        return repr(spec)
    if isinstance(spec, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_describe(v)}]" for k, v in spec.items()) + "]"
    if isinstance(spec, (list, tuple)):
        kind = "Tuple" if isinstance(spec, tuple) else "List"
        return f"{kind}[" + ", ".join(_describe(s) for s in spec) + "]"
    return f"Literal[{spec!r}]"


class _BindError(TypeError):
    """Internal: one input does not fit the signature (wrapped into TF's 'Binding inputs' TypeError)."""



def _fit_composite(value: Any, spec: Any) -> Any:
    """``value`` bound to a SparseTensorSpec or RaggedTensorSpec: the same kind of tensor, the spec's dtype and a
    compatible shape (TF reports a mismatch as the values' TensorSpecs)."""
    kind = type(spec).__name__[: -len("Spec")]
    if type(value).__name__ != kind:
        raise _BindError(f"Can not cast {value!r} to {spec!r}: expected a {kind}")
    if not spec.is_compatible_with(value):
        values = value.values if kind == "SparseTensor" else value.flat_values
        want = [None, *spec.shape.as_list()[spec.ragged_rank + 1:]] if kind == "RaggedTensor" else [None]
        raise _BindError(f"Can not cast {_spec_of(values)!r} to "
                         f"{TensorSpec(want if spec.shape.rank is not None else None, spec.dtype)!r}")
    return value


def _fit_spec(value: Any, spec: Any) -> Any:
    """``value`` bound to ``spec`` (a TensorSpec or a nest of them), converted as TF's traced functions do."""
    if type(spec).__name__ in ("SparseTensorSpec", "RaggedTensorSpec"):
        return _fit_composite(value, spec)
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



class _Binder:
    """Binds call arguments to an ``input_signature`` the way TF's traced functions do."""

    def __init__(self, signature: inspect.Signature, input_signature: tuple[Any, ...]) -> None:
        self.signature = signature
        self.input_signature = input_signature
        self.skip_first = False
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
        if self.skip_first:  # a method called through the class: M.f(obj, x)
            if not args:
                raise TypeError("missing 1 required positional argument: 'self'")
            rest, kwargs = self._bind(args[1:], kwargs)
            return (args[0], *rest), kwargs
        return self._bind(args, kwargs)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
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



def make_binder(fn: Any, input_signature: tuple[Any, ...]) -> _Binder:
    """The binder of ``fn``; a method's (first parameter ``self``/``cls``) binds the arguments after it."""
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and params[0].kind in (
            params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        binder = _Binder(sig.replace(parameters=params[1:]), input_signature)
        binder.skip_first = True
    else:
        binder = _Binder(sig, input_signature)
    return binder
