"""``tapegrad.signal``: the ``tf.signal`` namespace (FFTs, ``frame``, Hann/Hamming windows).

>>> import tapegrad as tf
>>> tf.signal.rfft([1.0, 0.0, 0.0, 0.0]).numpy().tolist()
[(1+0j), (1+0j), (1+0j)]
"""

from .ops import collect as _collect

globals().update(_collect("signal"))
