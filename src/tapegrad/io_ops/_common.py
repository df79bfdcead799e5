"""Argument conversions the io ops share: string inputs (bytes, str, lists, NumPy arrays, string tensors, symbolic
tensors inside ``Dataset.map``) as object arrays of ``bytes``, one encoded blob, a file path."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["string_array", "scalar_bytes", "path_of", "value_of", "in_programs"]


_F = TypeVar("_F", bound=Callable[..., Any])


def in_programs(fn: _F | None = None, *, effect: bool = False) -> Any:
    """Decorator of an io op (Python code on bytes and files). Called eagerly, the op runs. Called while a
    ``tapegrad.function`` is traced, the call becomes a host call of the program (``compiler/host.py``): the program
    runs the op on every call, on that call's values (a file is read again, each call's bytes are decoded), as TF's
    kernels run in its graph; results have dynamic shapes. ``effect=True``: an op run for its side effect only
    (``write_file``), at its place in the program."""
    if fn is None:
        return functools.partial(in_programs, effect=effect)

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        from .._tape import local

        if getattr(local, "tracer", None) is None:
            return fn(*args, **kwargs)
        return _host_call(fn, args, kwargs, effect)

    return op


def _host_call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], effect: bool) -> Any:
    """``fn(*args, **kwargs)`` recorded as a host call: its tensor arguments (composites expanded) are the call's
    inputs; its results (any nest of tensors and composites) come back as the host call's outputs."""
    from .. import nest
    from .._backend import NUMPY
    from .._tensor import _TensorLike, make
    from ..compiler.host import host_effect, host_values

    structure = (args, kwargs)
    flat = nest.flatten(structure, expand_composites=True)
    where = [i for i, x in enumerate(flat) if isinstance(x, _TensorLike)]
    made: list[Any] = []

    def call(*raws: Any) -> Any:
        leaves = list(flat)
        for i, raw in zip(where, raws):
            leaves[i] = make(raw, NUMPY)  # an eager tensor of this call's value
        a, k = nest.pack_sequence_as(structure, leaves, expand_composites=True)
        result = fn(*a, **k)
        if effect:
            return None
        made[:] = [result]
        return tuple(o._value if isinstance(o, _TensorLike) else np.asarray(o)
                     for o in nest.flatten(result, expand_composites=True))

    tensors = [flat[i] for i in where]
    if effect:
        # now as well: the trace runs the rest of the body on values (a later read_file of the written file), and
        # the program then runs the effect at its place on every call (a file write is idempotent)
        from ..compiler.host import untraced

        untraced(call, tuple(t._value for t in tensors))
        host_effect(call, tensors)
        return None
    outs = host_values(call, tensors)
    return nest.pack_sequence_as(made[0], outs, expand_composites=True)


def value_of(value: Any, op: str) -> Any:
    """A tensor's NumPy value (``.numpy()`` is refused inside dataset functions), other values as they are. Inside
    a ``tapegrad.function`` trace the io ops would compute on the traced call's values and freeze the result into
    the program: refused with ``TraceError`` instead."""
    from .._tape import local
    from .._tensor import _TensorLike

    if not isinstance(value, _TensorLike):
        return value
    if getattr(local, "tracer", None) is not None:
        from ..compiler.trace import TraceError

        raise TraceError(f"tf.io.{op} runs in Python on the bytes and cannot be traced into a tapegrad.function "
                         "(the traced result would be frozen into the program): call it eagerly or in "
                         "Dataset.map (tapegrad runs map functions eagerly), or wrap it in tf.py_function.")
    return value._value


def string_array(value: Any, op: str) -> np.ndarray:
    """``value`` as an object array of ``bytes`` of its shape (``str`` is encoded as UTF-8)."""
    v = value_of(value, op)
    if isinstance(v, (bytes, str)):
        out = np.empty((), dtype=object)
        out[()] = v.encode("utf-8") if isinstance(v, str) else v
        return out
    if isinstance(v, np.ndarray) and v.dtype == object:
        return v
    from .._strings import to_bytes_array

    try:
        return np.asarray(to_bytes_array(v, op), dtype=object)
    except TypeError:
        raise TypeError(f"{op}: expected a string tensor (bytes); got {type(value).__name__}.") from None


def scalar_bytes(value: Any, op: str, what: str = "contents") -> bytes:
    """One string (a scalar) as ``bytes``; a tensor of another shape is ``InvalidArgumentError``."""
    arr = string_array(value, op)
    if arr.ndim != 0:
        raise InvalidArgumentError(f"{op}: {what} must be a scalar string; got shape {list(arr.shape)}.")
    return bytes(arr[()])


def path_of(value: Any, op: str = "gfile") -> str:
    """A file name given as str, bytes, ``os.PathLike`` or a string scalar tensor."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return scalar_bytes(value, op, "the file name").decode("utf-8")
