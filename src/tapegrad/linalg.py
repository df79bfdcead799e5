"""``tapegrad.linalg``: the ``tf.linalg`` namespace (names collected from the op tables)."""

import types as _types

from . import linear_operator as _lo
from .ops import collect as _collect

globals().update(_collect("linalg"))
globals().update({_n: getattr(_lo, _n) for _n in _lo.EXPORTS_LINALG})  # the LinearOperator family (sci)


# tf.linalg.experimental: a module namespace holding conjugate_gradient
experimental = _types.ModuleType("tapegrad.linalg.experimental", "``tf.linalg.experimental``.")
experimental.conjugate_gradient = _lo.conjugate_gradient  # type: ignore[attr-defined]
