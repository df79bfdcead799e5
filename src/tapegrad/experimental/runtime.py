"""``tf.experimental`` runtime switches: ``async_scope``, ``async_clear_error``, ``function_executor_type`` and
``enable_strict_mode``.

tapegrad executes every op synchronously, in the calling thread: an op's error is raised by the call that caused
it. TensorFlow's asynchronous eager mode defers errors to the end of an ``async_scope`` (or a later sync point) and
keeps them until ``async_clear_error``; with a synchronous executor both have nothing left to do, which is what they
do here. ``function_executor_type`` names the executor TF's compiled functions use inside the block; tapegrad's
compiled functions have one executor, so the name is recorded (``current_function_executor_type()``) and checked
to be a string.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["async_clear_error", "async_scope", "current_function_executor_type", "enable_strict_mode",
           "function_executor_type"]

_local = threading.local()


@contextlib.contextmanager
def async_scope() -> Iterator[None]:
    """A block of (in TF: asynchronously executed) ops whose errors surface by its end. tapegrad runs ops
    synchronously, so errors already surface at the op; the block changes nothing.

    >>> import tapegrad as tf
    >>> with tf.experimental.async_scope():
    ...     x = tf.constant(2.0) * 3.0
    >>> float(x)
    6.0
    """
    yield


def async_clear_error() -> None:
    """Clear the pending error of the asynchronous executor (TF). tapegrad's executor is synchronous and never
    holds one: nothing to clear."""


@contextlib.contextmanager
def function_executor_type(executor_type: str | None) -> Iterator[None]:
    """Run the compiled functions called in the block with the named executor (TF: e.g.
    ``"SINGLE_THREADED_EXECUTOR"``; None or ``""``: the default). tapegrad records the name and runs its one
    executor.

    >>> import tapegrad as tf
    >>> with tf.experimental.function_executor_type("SINGLE_THREADED_EXECUTOR"):
    ...     tf.experimental.runtime.current_function_executor_type()
    'SINGLE_THREADED_EXECUTOR'
    """
    if executor_type is not None and not isinstance(executor_type, str):
        raise TypeError(f"function_executor_type: executor_type must be a string or None, got {executor_type!r}.")
    previous = getattr(_local, "executor_type", None)
    _local.executor_type = executor_type or None
    try:
        yield
    finally:
        _local.executor_type = previous


def current_function_executor_type() -> str | None:
    """The executor type set by the innermost :func:`function_executor_type` block (None outside)."""
    return getattr(_local, "executor_type", None)


def enable_strict_mode() -> None:
    """From now on, deprecated behaviour raises RuntimeError instead of logging a warning (TF's strict mode; there
    is no way back, as in TF).

    >>> import tapegrad as tf
    >>> tf.experimental.enable_strict_mode()  # doctest: +SKIP
    """
    from .._logging import STRICT_MODE

    STRICT_MODE[0] = True
