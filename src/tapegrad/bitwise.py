"""``tapegrad.bitwise``: the ``tf.bitwise`` namespace (bitwise ops on integer tensors; see docs/misc_ops.md).

>>> import tapegrad as tf
>>> tf.bitwise.bitwise_and(tf.constant([12, 10]), tf.constant([10, 6])).numpy().tolist()
[8, 2]
>>> (tf.constant([12, 10]) ^ 6).numpy().tolist()
[10, 12]
"""

from .ops import collect as _collect

globals().update(_collect("bitwise"))
