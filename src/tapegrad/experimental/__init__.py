"""Experimental APIs (``tf.experimental`` counterparts): :mod:`tapegrad.experimental.dlpack` and ``Optional``
(``tf.experimental.Optional``, the value ``Iterator.get_next_as_optional`` returns)."""

from typing import Any

from . import dlpack

__all__ = ["dlpack", "numpy", "Optional"]


def __getattr__(name: str) -> Any:
    if name == "numpy":  # loaded on first use
        import importlib

        return importlib.import_module(".numpy", __name__)
    if name == "Optional":  # tapegrad.data loads on first use
        from ..data._optional import Optional

        return Optional
    raise AttributeError(f"module 'tapegrad.experimental' has no attribute {name!r}")
