"""Smaller top-level names of TensorFlow's framework: ``tf.no_gradient``, ``tf.nondifferentiable_batch_function``,
``tf.register_tensor_conversion_function`` and ``tf.variable_creator_scope``."""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["no_gradient", "nondifferentiable_batch_function", "register_tensor_conversion_function",
           "variable_creator_scope"]


def _tg() -> Any:
    import tapegrad

    return tapegrad


# -- tf.no_gradient ------------------------------------------------------------------------------------------------

_GRADIENT_REGISTRY: dict[str, Any] = {}  # op type -> gradient function (None: declared non-differentiable)


def _builtin_op_types() -> set[str]:
    """The TF op types with a gradient registration in TF 2.21 (``ops/_data/tf_gradient_op_types.txt``), and those
    tapegrad runs (``tf.raw_ops``)."""
    from pathlib import Path

    text = (Path(__file__).parent / "ops" / "_data" / "tf_gradient_op_types.txt").read_text()
    names = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return names | {n for n in dir(_tg().raw_ops) if n[:1].isupper()}


def no_gradient(op_type: str) -> None:
    """Declare that ops of type ``op_type`` have no gradient (``tf.no_gradient``). As in TF, an op type may be
    registered once, and the op types tapegrad already runs (the ``tf.raw_ops`` names, e.g. ``"Add"``) have their
    registration (TF 2.21's registry, e.g. ``"Add"``, ``"MatMul"``): both raise KeyError. (tapegrad never runs op
    types outside ``tf.raw_ops``, so the declaration only records the name:
    ``tapegrad.framework_extras.registered_gradient(op_type)`` reads it back.)

    >>> import tapegrad as tf
    >>> tf.no_gradient("MyCustomOp")
    >>> tf.no_gradient("Add")
    Traceback (most recent call last):
    ...
    KeyError: "Registering two gradient with name 'Add': the op Add already has its gradient."
    """
    if not isinstance(op_type, str):
        raise TypeError(f"no_gradient: op_type must be a string, got {type(op_type).__name__}.")
    if op_type in _GRADIENT_REGISTRY:
        raise KeyError(f"Registering two gradient with name {op_type!r}: it was registered before.")
    if op_type in _builtin_op_types():
        raise KeyError(f"Registering two gradient with name {op_type!r}: the op {op_type} already has its "
                       "gradient.")
    _GRADIENT_REGISTRY[op_type] = None


def registered_gradient(op_type: str) -> Any:
    """The gradient registered for ``op_type`` by :func:`no_gradient` (None); KeyError when there is none."""
    return _GRADIENT_REGISTRY[op_type]


# -- tf.nondifferentiable_batch_function ---------------------------------------------------------------------------

def nondifferentiable_batch_function(num_batch_threads: int, max_batch_size: int, batch_timeout_micros: int,
                                     allowed_batch_sizes: list[int] | None = None, max_enqueued_batches: int = 10,
                                     autograph: bool = True, enable_large_batch_splitting: bool = True) -> Any:
    """Decorator: ``fn`` as a compiled function whose outputs have no gradient (``tf.nondifferentiable_batch_
    function``): as in TF, a gradient through them raises LookupError (TF's registry has no gradient for its
    ``BatchFunction`` op). TF additionally merges concurrent calls into batches of up to ``max_batch_size`` rows
    for its serving runtime; each call's result is ``fn`` of that call's inputs either way, which is what this
    returns (calls run one at a time). ``allowed_batch_sizes`` is checked at call time as TF's op does.

    >>> import tapegrad as tf
    >>> @tf.nondifferentiable_batch_function(1, 4, 1000)
    ... def double(x):
    ...     return x * 2.0
    >>> x = tf.constant([[1.0], [2.0]])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = double(x)
    >>> y.numpy().ravel().tolist()
    [2.0, 4.0]
    >>> tape.gradient(y, x)
    Traceback (most recent call last):
    ...
    LookupError: gradient registry has no entry for: BatchFunction (nondifferentiable_batch_function outputs have no \
gradient; compute it outside the batched function)
    """
    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        tf = _tg()
        compiled = tf.function(fn, autograph=autograph)

        def no_gradient_(*_: Any) -> Any:
            raise LookupError("gradient registry has no entry for: BatchFunction (nondifferentiable_batch_function "
                              "outputs have no gradient; compute it outside the batched function)")

        @tf.custom_gradient
        def run(*args: Any) -> Any:
            return compiled(*args), no_gradient_

        def batched(*args: Any) -> Any:
            if allowed_batch_sizes:
                sizes = list(allowed_batch_sizes)
                if sizes != sorted(set(sizes)) or (not enable_large_batch_splitting and sizes[-1] != max_batch_size):
                    from .errors import InvalidArgumentError

                    raise InvalidArgumentError(None, None, "nondifferentiable_batch_function: allowed_batch_sizes "
                                                           "must be strictly increasing (and end with "
                                                           f"max_batch_size={max_batch_size} unless large batch "
                                                           f"splitting is enabled), got {sizes}.")
            return run(*args)

        batched.__name__ = getattr(fn, "__name__", "batched")
        batched.__doc__ = fn.__doc__
        batched.__wrapped__ = fn  # type: ignore[attr-defined]
        return batched

    return decorator


# -- tf.register_tensor_conversion_function ------------------------------------------------------------------------

_conversions: list[tuple[int, int, type, Callable[..., Any]]] = []  # (priority, order, base_type, fn)


def _convert_registered(value: Any, dtype: Any) -> Any:
    """The hook ``_tensor.constant_value`` calls for values it does not know: the registered conversion of the
    first matching base type (lowest priority first, then registration order); None when none matches."""
    for _, _, base, fn in _conversions:
        if isinstance(value, base):
            out = fn(value, dtype=dtype, name=None, as_ref=False)
            if out is NotImplemented:
                continue
            t = _tg().convert_to_tensor(out)
            if dtype is not None and t.dtype != _tg().as_dtype(dtype):
                raise RuntimeError(f"Conversion function {fn!r} for type {base} returned a {t.dtype.name} tensor for "
                                   f"a requested dtype {_tg().as_dtype(dtype).name}.")
            return t
    return None


def register_tensor_conversion_function(base_type: Any, conversion_func: Callable[..., Any],
                                        priority: int = 100) -> None:
    """Teach ``convert_to_tensor`` (and every op's argument conversion) a new type: values that are instances of
    ``base_type`` (a type or tuple of types) become ``conversion_func(value, dtype=None, name=None, as_ref=False)``,
    a tensor or anything convertible. Lower ``priority`` wins; a function may return ``NotImplemented`` to pass.
    Python numbers, NumPy scalars and arrays cannot be redirected (TypeError, as TF). The converted value enters as
    a constant: gradients do not flow back into the original object.

    >>> import tapegrad as tf
    >>> class Celsius:
    ...     def __init__(self, deg):
    ...         self.deg = deg
    >>> tf.register_tensor_conversion_function(Celsius, lambda v, dtype=None, name=None, as_ref=False:
    ...                                        tf.constant(v.deg + 273.15, dtype or tf.float32))
    >>> tf.add(Celsius(20.0), 1.0).numpy()
    np.float32(294.15)
    """
    types = base_type if isinstance(base_type, tuple) else (base_type,)
    if not types or not all(isinstance(t, type) for t in types):
        raise TypeError(f"register_tensor_conversion_function: base_type must be a type or a tuple of types, got "
                        f"{base_type!r}.")
    if any(issubclass(t, (int, float, complex, np.generic, np.ndarray)) for t in types):
        raise TypeError("Cannot register conversions for Python numeric types and NumPy scalars and arrays.")
    if not callable(conversion_func):
        raise TypeError(f"register_tensor_conversion_function: conversion_func must be callable, got "
                        f"{conversion_func!r}.")
    from . import _tensor

    _conversions.append((priority, len(_conversions), types, conversion_func))  # type: ignore[arg-type]
    _conversions.sort(key=lambda e: (e[0], e[1]))
    _tensor.CONVERSION_HOOK[:] = [_convert_registered]


# -- tf.variable_creator_scope -------------------------------------------------------------------------------------

_local = threading.local()


def _stack() -> list[Callable[..., Any]]:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


_installed: list[bool] = []


def _install_creator_hook() -> None:
    """Route ``tf.Variable(...)`` through the creator stack: ``__new__`` runs the creators (the innermost
    scope first); the default creator builds the variable normally; ``__init__`` is skipped for the object the
    chain returned (it is built already)."""
    if _installed:
        return
    from ._tensor import Variable

    sig = inspect.signature(Variable.__init__)
    original_init = Variable.__init__

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - the constructor
        stack = _stack()
        if cls is not Variable or not stack or getattr(_local, "building", False):
            return object.__new__(cls)
        bound = sig.bind(None, *args, **kwargs)
        kw = {k: v for k, v in bound.arguments.items() if k != "self"}
        kw.update(kw.pop("kwargs", {}))

        def creator_at(i: int) -> Callable[..., Any]:
            def call(**kw2: Any) -> Any:
                if i < 0:
                    _local.building = True
                    try:
                        return Variable(**kw2)
                    finally:
                        _local.building = False
                return stack[i](creator_at(i - 1), **kw2)

            return call

        result = creator_at(len(stack) - 1)(**kw)
        if isinstance(result, Variable):
            skip = getattr(_local, "skip", None)
            if skip is None:
                skip = _local.skip = set()
            skip.add(id(result))
        return result

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - the constructor
        skip = getattr(_local, "skip", None)
        if skip and id(self) in skip:
            skip.discard(id(self))
            return
        original_init(self, *args, **kwargs)

    Variable.__new__ = __new__  # type: ignore[method-assign,assignment]
    Variable.__init__ = __init__  # type: ignore[method-assign]
    _installed.append(True)


@contextlib.contextmanager
def variable_creator_scope(variable_creator: Callable[..., Any]) -> Iterator[None]:
    """Within the scope, ``tf.Variable(...)`` calls ``variable_creator(next_creator, **kwargs)`` (TF's
    ``tf.variable_creator_scope``): the creator may change the arguments, call ``next_creator(**kwargs)`` (the next
    outer scope's creator, finally the default), wrap or replace the result. Scopes nest, per thread.

    >>> import tapegrad as tf
    >>> def non_trainable(next_creator, **kwargs):
    ...     kwargs["trainable"] = False
    ...     return next_creator(**kwargs)
    >>> with tf.variable_creator_scope(non_trainable):
    ...     v = tf.Variable(1.0)
    >>> v.trainable
    False
    """
    if not callable(variable_creator):
        raise TypeError(f"variable_creator_scope: the creator must be callable, got {variable_creator!r}.")
    _install_creator_hook()
    stack = _stack()
    stack.append(variable_creator)
    try:
        yield
    finally:
        stack.pop()
