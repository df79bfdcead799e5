"""``tapegrad.nn``: the ``tf.nn`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("nn"))
