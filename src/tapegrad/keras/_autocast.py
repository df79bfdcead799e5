"""The autocast scope of Keras 3's mixed precision: inside the ``call`` of a layer whose policy is mixed
(``"mixed_float16"``/``"mixed_bfloat16"``), reading a floating Keras variable (``layer.kernel``, ``v.value``, or
handing it to an op) gives it cast to the compute dtype; the float32 variable itself is what tapes watch and
optimizers update, and the cast's gradient brings the half-precision gradient back to float32.

``SCOPE.dtype`` (per thread) is the dtype name variables are read as, or None (no casting). :meth:`Layer.__call__`
compares it with the layer's ``_autocast_scope`` (its compute dtype when the policy is mixed, else None) and, when they
differ, calls :func:`call_in_scope` — so a float32 layer called inside a mixed one reads its variables as they
are, as Keras 3's ``AutocastScope`` does.

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad import keras
>>> layer = keras.layers.Dense(2, dtype="mixed_float16")
>>> y = layer(np.ones((1, 3), "float32"))
>>> y.dtype.name, layer.kernel.dtype
('float16', 'float32')
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["SCOPE", "AutocastScope", "call_in_scope"]


class _Scope(threading.local):
    dtype: str | None = None  # per thread (tf.distribute runs replicas in threads)


SCOPE = _Scope()

# How many autocast or stateless scopes are active in all threads: while none is, a Keras variable read skips the
# per-thread lookups (one list check on the float32 path). Changed under the lock.
ACTIVE = [0]
_LOCK = threading.Lock()


def set_scope(dtype: str | None) -> str | None:
    """Set this thread's autocast dtype; returns the previous one (give it back to restore)."""
    previous = SCOPE.dtype
    if (dtype is None) != (previous is None):
        with _LOCK:
            ACTIVE[0] += 1 if previous is None else -1
    SCOPE.dtype = dtype
    return previous


def count_scope(delta: int) -> None:
    """A stateless scope was entered (+1) or left (-1)."""
    with _LOCK:
        ACTIVE[0] += delta


class AutocastScope:
    """Read floating Keras variables as ``dtype`` inside the ``with`` block (``None``: no casting)."""

    def __init__(self, dtype: Any) -> None:
        if dtype is not None:
            from .ops._dtypes import standardize_dtype

            dtype = standardize_dtype(dtype)
        self.dtype = dtype
        self._previous: list[str | None] = []

    def __enter__(self) -> AutocastScope:
        self._previous.append(set_scope(self.dtype))
        return self

    def __exit__(self, *exc: Any) -> None:
        set_scope(self._previous.pop())


def call_in_scope(layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``layer(*args, **kwargs)`` with the autocast scope set to the layer's own."""
    target = layer._policy_compute_dtype
    float32_compute = target != layer._compute_dtype  # a normalization layer or Embedding (dtype_policies)
    if float32_compute and layer.__dict__.get("_round_inputs") and args:
        from ..ops import core

        args = (_round_input(args[0], target, core),) + tuple(args[1:])
    previous = set_scope(layer._autocast_scope)
    try:
        outputs = layer.__call__(*args, **kwargs)
    finally:
        set_scope(previous)
    if float32_compute:  # its float32 outputs in the compute dtype
        from .._nest import map_structure
        from ..ops import core

        outputs = map_structure(lambda o: _cast_output(o, target, core), outputs)
    return outputs


def _round_input(x: Any, dtype: str, core: Any) -> Any:
    """A floating input rounded to the compute dtype (then cast back to float32 by the layer's own autocast)."""
    import numpy as np

    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return core.cast(core.constant(x), dtype)
    if getattr(x, "dtype", None) is not None and getattr(x.dtype, "is_floating", False) and x.dtype.name != dtype:
        return core.cast(x, dtype)
    return x


def _cast_output(o: Any, dtype: str, core: Any) -> Any:
    from .layers._base import KerasTensor

    if isinstance(o, KerasTensor):
        if o.dtype in ("float32", "float64"):
            o._dtype = dtype
        return o
    if getattr(o, "dtype", None) is not None and getattr(o.dtype, "is_floating", False):
        return core.cast(o, dtype)
    return o
