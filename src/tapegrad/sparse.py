"""``tapegrad.sparse``: the ``tf.sparse`` namespace (``SparseTensor``, ``to_dense``, ``sparse_dense_matmul`` …).

>>> import tapegrad as tf
>>> tf.sparse.SparseTensor is tf.SparseTensor
True
"""

from .ops import collect as _collect

globals().update(_collect("sparse"))
