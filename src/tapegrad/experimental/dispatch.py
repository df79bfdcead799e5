"""Type-based dispatch for tapegrad's public API (``tf.experimental.dispatch_for_api`` and friends): a user type
(an extension type, say) overrides what ``tf.math.add``, ``tf.concat`` … do when called with its values.

Registering a target replaces the API's public names (``tf.add`` and ``tf.math.add`` alike) with a dispatching
wrapper that checks the registered signatures first and otherwise calls the original; unregistering the last target
of an API puts the original function back. Internal calls inside tapegrad do not dispatch.

>>> import tapegrad as tf
>>> class Money(tf.experimental.ExtensionType):
...     cents: tf.Tensor
>>> @tf.experimental.dispatch_for_api(tf.math.add, {"x": Money, "y": Money})
... def money_add(x, y, name=None):
...     return Money(x.cents + y.cents)
>>> tf.add(Money(150), Money(275)).cents.numpy()
np.int32(425)
>>> tf.experimental.unregister_dispatch_for(money_add)
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["dispatch_for_api", "dispatch_for_binary_elementwise_apis", "dispatch_for_binary_elementwise_assert_apis",
           "dispatch_for_unary_elementwise_apis", "unregister_dispatch_for"]

# TensorFlow 2.21's elementwise API lists (``dispatch.unary_elementwise_apis()``/``binary_elementwise_apis()``),
# by public name; those tapegrad lacks are skipped.
UNARY_APIS = """bitwise.invert cast clip_by_value debugging.check_numerics dtypes.saturate_cast image.adjust_brightness
image.adjust_gamma image.convert_image_dtype image.random_brightness image.stateless_random_brightness io.decode_base64
io.decode_compressed io.encode_base64 math.abs math.acos math.acosh math.angle math.asin math.asinh math.atan
math.atanh math.bessel_i0 math.bessel_i0e math.bessel_i1 math.bessel_i1e math.ceil math.conj math.cos math.cosh
math.digamma math.erf math.erfc math.erfcinv math.erfinv math.exp math.expm1 math.floor math.imag math.is_finite
math.is_inf math.is_nan math.lgamma math.log math.log1p math.log_sigmoid math.logical_not math.ndtri math.negative
math.nextafter math.real math.reciprocal math.reciprocal_no_nan math.rint math.round math.rsqrt math.sigmoid math.sign
math.sin math.sinh math.softplus math.special.bessel_j0 math.special.bessel_j1 math.special.bessel_k0
math.special.bessel_k0e math.special.bessel_k1 math.special.bessel_k1e math.special.bessel_y0 math.special.bessel_y1
math.special.dawsn math.special.expint math.special.fresnel_cos math.special.fresnel_sin math.special.spence math.sqrt
math.square math.tan math.tanh nn.elu nn.gelu nn.leaky_relu nn.log_softmax nn.relu nn.relu6 nn.selu nn.silu
nn.softsign ones_like strings.as_string strings.length strings.lower strings.regex_full_match strings.regex_replace
strings.strip strings.substr strings.to_hash_bucket strings.to_hash_bucket_fast strings.to_hash_bucket_strong
strings.to_number strings.unicode_script strings.unicode_transcode strings.upper zeros_like""".split()
BINARY_APIS = """bitwise.bitwise_and bitwise.bitwise_or bitwise.bitwise_xor bitwise.left_shift bitwise.right_shift
dtypes.complex math.add math.atan2 math.divide math.divide_no_nan math.equal math.floordiv math.floormod math.greater
math.greater_equal math.less math.less_equal math.logical_and math.logical_or math.logical_xor math.maximum
math.minimum math.multiply math.multiply_no_nan math.not_equal math.pow math.scalar_mul math.squared_difference
math.subtract math.truediv math.xdivy math.xlog1py math.xlogy math.zeta nn.sigmoid_cross_entropy_with_logits realdiv
truncatediv truncatemod""".split()
ASSERT_APIS = """debugging.assert_equal debugging.assert_none_equal debugging.assert_less debugging.assert_less_equal
debugging.assert_greater debugging.assert_greater_equal""".split()

# The public namespaces whose attributes a dispatching wrapper replaces.
_NAMESPACES = ("", "math", "math.special", "nn", "linalg", "bitwise", "strings", "image", "io", "debugging", "dtypes",
               "signal", "sparse", "ragged", "random", "experimental.numpy")


class _Registration(typing.NamedTuple):
    target: Callable[..., Any]
    check: Callable[[dict[str, Any]], bool]  # on the arguments by the target's parameter names
    call: Callable[..., Any]  # called with those arguments as keywords
    names: list[str]  # the target's parameter names, one per API parameter (by position)


_originals: dict[int, Callable[..., Any]] = {}  # id(wrapper) -> original
_wrappers: dict[int, Callable[..., Any]] = {}  # id(original) -> wrapper
_registry: dict[int, list[_Registration]] = {}  # id(original) -> registrations, in order


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _resolve(path: str) -> Any:
    obj: Any = _tg()
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _namespace_modules() -> list[Any]:
    mods = []
    for ns in _NAMESPACES:
        name = "tapegrad" + (f".{ns}" if ns else "")
        mod = sys.modules.get(name)
        if mod is not None:
            mods.append(mod)
    return mods


def _original(api: Any) -> Any:
    return _originals.get(id(api), api)


def _is_public_api(fn: Any) -> bool:
    fn = _original(fn)
    for mod in _namespace_modules():
        for value in vars(mod).values():
            if _original(value) is fn:
                return True
    return False


def _bind_by_target(reg: _Registration, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The call's arguments bound to a dispatch target's own signature (TF's parameter names, such as ``x``/``y``
    where tapegrad's API spells them ``a``/``b``); None when they do not bind."""
    if reg.call is not reg.target:
        return None  # (elementwise handlers take (api_func, x[, y]))
    try:
        bound = inspect.signature(reg.target).bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    return dict(bound.arguments)


def _install(original: Callable[..., Any]) -> None:
    if id(original) in _wrappers:
        return
    sig = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        regs = _registry.get(id(original))
        if regs:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                bound = None
            values = None
            if bound is not None:
                bound.apply_defaults()
                values = list(bound.arguments.values())
            for reg in regs:
                named = dict(zip(reg.names, values)) if values is not None else _bind_by_target(reg, args, kwargs)
                if named is not None and reg.check(named):
                    return reg.call(**named)
        return original(*args, **kwargs)

    wrapper._tg_dispatch_original = original  # type: ignore[attr-defined]
    _wrappers[id(original)] = wrapper
    _originals[id(wrapper)] = original
    for mod in _namespace_modules():
        for name, value in list(vars(mod).items()):
            if value is original:
                setattr(mod, name, wrapper)


def _uninstall(original: Callable[..., Any]) -> None:
    wrapper = _wrappers.pop(id(original), None)
    if wrapper is None:
        return
    _originals.pop(id(wrapper), None)
    for mod in _namespace_modules():
        for name, value in list(vars(mod).items()):
            if value is wrapper:
                setattr(mod, name, original)


def _matches(value: Any, ann: Any) -> bool:
    """Whether ``value`` matches a dispatch annotation: a type, ``Union``/``Optional`` of types, or ``List[T]``
    (a list or tuple whose items all match ``T`` and at least one is not a plain tensor/None)."""
    origin = typing.get_origin(ann)
    if origin is typing.Union:
        return any(_matches(value, a) for a in typing.get_args(ann))
    if origin in (list, typing.List):  # noqa: UP006 - the annotation users write
        (item,) = typing.get_args(ann) or (Any,)
        return isinstance(value, (list, tuple)) and all(_matches(v, item) for v in value) and len(value) > 0
    if ann is None or ann is type(None):
        return value is None
    if ann is Any:
        return True
    return isinstance(value, ann)


def _check_annotation(ann: Any, where: str) -> None:
    origin = typing.get_origin(ann)
    if origin is typing.Union or origin in (list, typing.List):  # noqa: UP006
        for a in typing.get_args(ann):
            _check_annotation(a, where)
        return
    if not (isinstance(ann, type) or ann is None or ann is Any):
        raise TypeError(f"{where}: dispatch signatures take types, Union/Optional of types, or List[type]; got "
                        f"{ann!r}.")


def _signature_checker(target_names: list[str], signature: dict[str, Any], api_name: str) -> Any:
    """A check on the bound arguments keyed by the target's parameter names (TF's names: a tapegrad API whose
    parameter is spelled differently, ``a`` for TF's ``x``, matches by position)."""
    for param, ann in signature.items():
        if param not in target_names:
            raise ValueError(f"dispatch_for_api: {api_name} has no parameter {param!r} (its parameters are "
                             f"{target_names}).")
        _check_annotation(ann, f"dispatch_for_api({api_name}) parameter {param!r}")

    def check(args: dict[str, Any]) -> bool:
        return all(_matches(args.get(param), ann) for param, ann in signature.items())

    return check


def _api_name(fn: Any) -> str:
    return f"tf.{getattr(fn, '__module__', '').split('.')[-1]}.{getattr(fn, '__name__', repr(fn))}"


def dispatch_for_api(api: Callable[..., Any], *signatures: dict[str, Any]) -> Callable[[Any], Any]:
    """Decorator: call the decorated function instead of ``api`` when a call's arguments match one of
    ``signatures`` (dicts of parameter name -> type, ``Union``, ``Optional`` or ``List[type]``). Without signatures
    they come from the decorated function's annotations. Its parameters must be ``api``'s.

    >>> import tapegrad as tf
    >>> class Box(tf.experimental.ExtensionType):
    ...     v: tf.Tensor
    >>> @tf.experimental.dispatch_for_api(tf.math.abs)
    ... def box_abs(x: Box, name=None):
    ...     return Box(tf.math.abs(x.v))
    >>> tf.abs(Box([-1.0, 2.0])).v.numpy()
    array([1., 2.], dtype=float32)
    >>> tf.experimental.unregister_dispatch_for(box_abs)
    """
    original = _original(api)
    if not callable(original) or not _is_public_api(original):
        raise ValueError(f"dispatch_for_api: {api!r} is not a tapegrad API that supports dispatch (pass a public "
                         "function such as tf.math.add or tf.concat).")
    api_sig = inspect.signature(original)
    name = _api_name(original)

    def decorator(target: Callable[..., Any]) -> Callable[..., Any]:
        target_sig = inspect.signature(target)
        target_names = list(target_sig.parameters)
        if len(target_names) != len(api_sig.parameters):
            raise ValueError(f"dispatch_for_api: the dispatch target {target.__name__}'s parameters {target_names} "
                             f"must match those of {name}: {list(api_sig.parameters)}.")
        sigs = list(signatures)
        if not sigs:
            hints = typing.get_type_hints(target)
            sig = {p: hints[p] for p in target_sig.parameters if p in hints and p != "return"}
            if not sig:
                raise ValueError(f"dispatch_for_api: no signature given and {target.__name__} has no type "
                                 "annotations to take one from.")
            sigs = [sig]
        for sig in sigs:
            if not isinstance(sig, dict):
                raise TypeError(f"dispatch_for_api: signatures must be dicts of parameter name -> type, got {sig!r}.")
            check = _signature_checker(target_names, sig, name)
            _registry.setdefault(id(original), []).append(_Registration(target, check, target, target_names))
        _install(original)
        return target

    return decorator


def _elementwise(paths: list[str], types: tuple[Any, ...], what: str) -> Callable[[Any], Any]:
    for t in types:
        _check_annotation(t, what)

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        for path in paths:
            api = _resolve(path)
            if api is None or not callable(api):
                continue
            original = _original(api)
            try:
                api_sig = inspect.signature(original)
            except (TypeError, ValueError):
                continue
            params = list(api_sig.parameters)
            if len(params) < len(types):
                continue
            names = [f"_arg{i}" for i in range(len(params))]  # positional: the API's own spelling does not matter
            var_kw = next((i for i, p in enumerate(api_sig.parameters.values())
                           if p.kind is inspect.Parameter.VAR_KEYWORD), None)

            def check(args: dict[str, Any], _n: int = len(types)) -> bool:
                vals = list(args.values())
                return all(_matches(v, t) for v, t in zip(vals[:_n], types))

            def call(_api: Any = original, _params: list[str] = params, _n: int = len(types), _kw: Any = var_kw,
                     **args: Any) -> Any:
                vals = list(args.values())
                rest = {p: v for i, (p, v) in enumerate(zip(_params, vals)) if i >= _n and i != _kw}
                extra = vals[_kw] if _kw is not None else {}
                return handler(functools.partial(_api, **rest, **extra), *vals[:_n])

            _registry.setdefault(id(original), []).append(_Registration(handler, check, call, names))
            _install(original)
        return handler

    return decorator


def dispatch_for_unary_elementwise_apis(x_type: Any) -> Callable[[Any], Any]:
    """Decorator: ``handler(api_func, x)`` runs for every unary elementwise API (``tf.math.abs``, ``tf.nn.relu``,
    ``tf.cast`` … TF's list) called with an ``x`` of ``x_type``; ``api_func`` is the API with its other arguments
    bound.

    >>> import tapegrad as tf
    >>> class Box(tf.experimental.ExtensionType):
    ...     v: tf.Tensor
    >>> @tf.experimental.dispatch_for_unary_elementwise_apis(Box)
    ... def box_unary(api_func, x):
    ...     return Box(api_func(x.v))
    >>> tf.math.square(Box([3.0])).v.numpy(), tf.cast(Box([1.7]), tf.int32).v.numpy()
    (array([9.], dtype=float32), array([1], dtype=int32))
    >>> tf.experimental.unregister_dispatch_for(box_unary)
    """
    return _elementwise(UNARY_APIS, (x_type,), "dispatch_for_unary_elementwise_apis")


def dispatch_for_binary_elementwise_apis(x_type: Any, y_type: Any) -> Callable[[Any], Any]:
    """Decorator: ``handler(api_func, x, y)`` runs for every binary elementwise API (``tf.math.add``,
    ``tf.maximum``, ``tf.math.equal`` … TF's list) called with ``x``/``y`` of these types."""
    return _elementwise(BINARY_APIS, (x_type, y_type), "dispatch_for_binary_elementwise_apis")


def dispatch_for_binary_elementwise_assert_apis(x_type: Any, y_type: Any) -> Callable[[Any], Any]:
    """Decorator: ``handler(assert_func, x, y)`` runs for the elementwise assertions (``tf.debugging.assert_equal``,
    ``assert_less`` …) called with ``x``/``y`` of these types."""
    return _elementwise(ASSERT_APIS, (x_type, y_type), "dispatch_for_binary_elementwise_assert_apis")


def unregister_dispatch_for(dispatch_target: Callable[..., Any]) -> None:
    """Remove every registration of ``dispatch_target`` (ValueError when it has none); APIs left without targets
    get their original function back."""
    found = False
    for key in list(_registry):
        regs = _registry[key]
        kept = [r for r in regs if r.target is not dispatch_target]
        if len(kept) != len(regs):
            found = True
            if kept:
                _registry[key] = kept
            else:
                del _registry[key]
                wrapper = _wrappers.get(key)
                if wrapper is not None:
                    _uninstall(wrapper._tg_dispatch_original)  # type: ignore[attr-defined]
    if not found:
        raise ValueError(f"unregister_dispatch_for: {getattr(dispatch_target, '__name__', dispatch_target)!r} was "
                         "not registered with a dispatch decorator.")
