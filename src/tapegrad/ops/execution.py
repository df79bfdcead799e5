"""Eager execution settings: ``executing_eagerly`` (``False`` while a ``tapegrad.function`` body is being
traced), the ``run_functions_eagerly`` switch, and the ``tf.config.threading`` settings.

``tapegrad.function`` itself lives in :mod:`tapegrad.compiler.function` (it traces and compiles).
"""

from __future__ import annotations

import types
from typing import Any

# -- small predicates ------------------------------------------------------------------------------------------------


def executing_eagerly() -> bool:
    """``True``, except while a ``tapegrad.function`` body is being traced (as TF's graph building).

    >>> import tapegrad as tf
    >>> tf.executing_eagerly()
    True
    """
    if _tracing_hook is None:
        return True
    return not _tracing_hook()


_tracing_hook: Any = None  # set by tapegrad.compiler.function: is a trace running on this thread?


# -- config: devices, run_functions_eagerly, threading -------------------------------------------------------------

class _Config:
    run_eagerly = False
    inter_op_threads = 0
    intra_op_threads = 0


def run_functions_eagerly(run_eagerly: bool) -> None:
    """TF's switch between traced and eager ``tapegrad.function``: with ``True`` every call runs the Python body
    eagerly (no tracing, no signature checks or conversions), as TF's eager mode does.

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
    """The recorded intra-op thread setting (0 = system default; NumPy's BLAS picks its own threads). tapegrad
    reads it where TF's results depend on how its kernels shard (float16 sums, ``random.categorical``)."""
    return _Config.intra_op_threads


def set_intra_op_parallelism_threads(num_threads: int) -> None:
    """Record the intra-op thread setting (accepted for compatibility; set BLAS threads via its environment)."""
    _Config.intra_op_threads = int(num_threads)


threading = types.ModuleType("tapegrad.config.threading", "Thread-pool settings (recorded; NumPy decides threads).")
for _fn in (get_inter_op_parallelism_threads, set_inter_op_parallelism_threads, get_intra_op_parallelism_threads,
            set_intra_op_parallelism_threads):
    setattr(threading, _fn.__name__, _fn)


EXPORTS: dict[str, list[str]] = {
    "": [
        "executing_eagerly",
    ],
    "config": [
        "run_functions_eagerly", "functions_run_eagerly", "experimental_run_functions_eagerly",
        "experimental_functions_run_eagerly", "threading",
    ],
}
