"""Experimental APIs (``tf.experimental`` counterparts): :mod:`tapegrad.experimental.dlpack`."""

from . import dlpack

__all__ = ["dlpack"]
