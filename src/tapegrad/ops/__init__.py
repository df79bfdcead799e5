"""Op tables by family. Importing this package registers every op and attaches the Tensor operators."""

from . import _operators, array_ops, core, math_ops, nn_ops, reductions  # noqa: F401
