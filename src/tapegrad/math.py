"""``tapegrad.math``: the ``tf.math`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("math"))
