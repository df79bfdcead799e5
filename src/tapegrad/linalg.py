"""``tapegrad.linalg``: the ``tf.linalg`` namespace (names collected from the op tables)."""

from . import linear_operator as _lo
from .ops import collect as _collect

globals().update(_collect("linalg"))
globals().update({_n: getattr(_lo, _n) for _n in _lo.EXPORTS_LINALG})  # the LinearOperator family (sci)
