"""``tapegrad.ragged``: the ``tf.ragged`` namespace (RaggedTensor constructors and helpers; docs/strings_ragged.md).

>>> import tapegrad as tf
>>> tf.ragged.constant([[1, 2], [3]]).row_lengths().numpy().tolist()
[2, 1]
"""

from .ops import collect as _collect
from .ops.ragged_ops import ragged_range as _ragged_range

globals().update(_collect("ragged"))
range = _ragged_range  # noqa: A001  (tf.ragged.range)
