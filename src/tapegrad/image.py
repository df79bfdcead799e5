"""``tapegrad.image``: the ``tf.image`` namespace (resize, flips, crops, colour adjustments, patches).

>>> import tapegrad as tf
>>> tf.image.flip_up_down(tf.constant([[[1.0]], [[2.0]]]))[..., 0].numpy().tolist()
[[2.0], [1.0]]
"""

from .ops import collect as _collect

globals().update(_collect("image"))
