"""``tapegrad.linalg``: the ``tf.linalg`` namespace."""

from .ops.array_ops import matmul  # noqa: F401
