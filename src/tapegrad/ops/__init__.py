"""Op tables by family. Importing this package registers every op and attaches the Tensor operators.

Each table module declares ``EXPORTS``: a mapping from a public namespace (``""`` for top level, ``"math"``,
``"nn"``, ``"linalg"``, ``"random"``, …) to the names it contributes there, mirroring where TensorFlow puts them.
"""

from __future__ import annotations

from typing import Any

from . import (  # noqa: F401  (foundation)  # noqa: F401  (op library)
    _operators,  # noqa: F401  (must come after the tables it draws from)
    array_ext,
    array_ops,
    core,
    linalg_ops,
    math_ext,
    math_ops,
    misc_ops,
    nn_ext,
    nn_ops,
    random_ops,
    reductions,
)

_MODULES = (core, math_ops, reductions, array_ops, nn_ops, math_ext, array_ext, nn_ext, linalg_ops, random_ops,
            misc_ops)


def collect(namespace: str) -> dict[str, Any]:
    """All public objects the op tables export into ``namespace``."""
    out: dict[str, Any] = {}
    for mod in _MODULES:
        for name in getattr(mod, "EXPORTS", {}).get(namespace, ()):
            out[name] = getattr(mod, name)
    return out
