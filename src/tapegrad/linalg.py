"""``tapegrad.linalg``: the ``tf.linalg`` namespace (names collected from the op tables)."""

from .ops import collect as _collect

globals().update(_collect("linalg"))

from .linear_operator import (  # noqa: E402, F401  (sci: the LinearOperator family)
    LinearOperator,
    LinearOperatorAdjoint,
    LinearOperatorComposition,
    LinearOperatorDiag,
    LinearOperatorFullMatrix,
    LinearOperatorIdentity,
    LinearOperatorInversion,
    LinearOperatorLowerTriangular,
    LinearOperatorScaledIdentity,
    LinearOperatorZeros,
)
