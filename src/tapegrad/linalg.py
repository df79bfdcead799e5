"""``tapegrad.linalg``: the ``tf.linalg`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("linalg"))
