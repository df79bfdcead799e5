"""Op tables by family. Importing this package registers every op and attaches the Tensor operators.

Each table module declares ``EXPORTS``: a mapping from a public namespace (``""`` for top level, ``"math"``,
``"nn"``, ``"linalg"``, ``"random"``, …) to the names it contributes there, mirroring where TensorFlow puts them.
"""

from __future__ import annotations

from typing import Any

# Load order matters: the operator module must come after the tables it draws from.
from . import core, math_ops, reductions, array_ops, nn_ops  # noqa: F401  (foundation)
from . import math_ext, array_ext, nn_ext, linalg_ops, random_ops, misc_ops, rnn_ops  # noqa: F401  (op library)
from . import control_flow, image_ops, sparse_ops, random_generator  # noqa: F401
from . import _operators  # noqa: F401

_MODULES = (core, math_ops, reductions, array_ops, nn_ops, math_ext, array_ext, nn_ext, linalg_ops, random_ops,
            misc_ops, rnn_ops, control_flow, image_ops, sparse_ops, random_generator)


def collect(namespace: str) -> dict[str, Any]:
    """All public objects the op tables export into ``namespace``."""
    out: dict[str, Any] = {}
    for mod in _MODULES:
        for name in getattr(mod, "EXPORTS", {}).get(namespace, ()):
            out[name] = getattr(mod, name)
    return out
