"""Warnings through the ``tapegrad`` logger, limited per user call site (the first frame outside tapegrad).

``logging`` is imported on the first warning only (it is not needed to import tapegrad). tapegrad never configures
logging: with no handler configured anywhere, Python's last-resort handler prints the message to stderr.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_counts: dict[tuple[str, str, int], int] = {}
_EAGER_ONLY = frozenset(("watch",))
tracing: Any = None  # set by tapegrad.compiler.function: is a function body being traced on this thread?


def _call_site() -> tuple[str, int]:
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f = f.f_back
    if f is None:
        return ("<unknown>", 0)
    return (f.f_code.co_filename, f.f_lineno)


def warn_limited(key: str, limit: int, message: str) -> None:
    """Log ``message`` at WARNING level at most ``limit`` times per (key, user file, line).

    The tape's eager-mode warning about watching a non-float tensor is not logged while a ``tapegrad.function``
    body is traced: TF's graph building does not log it."""
    if key in _EAGER_ONLY and tracing is not None and tracing():
        return
    site = (key, *_call_site())
    n = _counts.get(site, 0)
    if n < limit:
        _counts[site] = n + 1
        import logging

        logging.getLogger("tapegrad").warning(message)


STRICT_MODE = [False]  # tf.experimental.enable_strict_mode: deprecated behaviour raises (experimental/runtime.py)
_DEPRECATIONS_LOGGED: set[str] = set()


def deprecated(key: str, message: str) -> None:
    """A deprecation, TF's way: logged the first time ``key`` is used (later uses are silent), and in strict mode
    that first use raises RuntimeError instead."""
    if key in _DEPRECATIONS_LOGGED:
        return
    _DEPRECATIONS_LOGGED.add(key)
    import logging

    if STRICT_MODE[0]:
        logging.getLogger("tapegrad").error(message)
        raise RuntimeError(f"This behavior has been deprecated, which raises an error in strict mode: {message}")
    logging.getLogger("tapegrad").warning(message)


def get_logger() -> Any:
    """The ``tapegrad`` logger (``tf.get_logger()``): tapegrad's warnings, the retracing warning included."""
    import logging

    return logging.getLogger("tapegrad")
