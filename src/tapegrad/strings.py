"""``tapegrad.strings``: the ``tf.strings`` namespace (ops on the ``string`` dtype; see docs/strings_ragged.md).

>>> import tapegrad as tf
>>> tf.strings.join([tf.strings.upper("ab"), "c"], separator="-").numpy()
b'AB-c'
"""

from .ops import collect as _collect

globals().update(_collect("strings"))
