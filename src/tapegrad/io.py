"""``tapegrad.io``: the parts of ``tf.io`` tapegrad has (web-safe base64 of string tensors).

>>> import tapegrad as tf
>>> tf.io.decode_base64(tf.io.encode_base64("hi")).numpy()
b'hi'
"""

from .ops import collect as _collect

globals().update(_collect("io"))
