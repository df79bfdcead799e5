"""Input checks shared by the math op families (private): dtype-kind checks with clear errors and the checked
binary call (conversion, dtype kind, broadcasting error).
"""

from __future__ import annotations

from typing import Any

from .._dispatch import apply2
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from ._common import pair, to_tensor
from ._elementwise import _shape_error

# -- helpers ---------------------------------------------------------------------------------------------------------

_KINDS_TEXT = {
    "f": "floating-point (float16, float32 or float64)",
    "fc": "floating-point or complex",
    "fiu": "real (floating-point or integer)",
    "fci": "numeric (floating-point, complex or signed integer)",
    "fciu": "numeric",
    "fcV": "floating-point or complex",
    "fciV": "numeric (floating-point, complex or signed integer)",
    "fciuV": "numeric",
}


def _need(x: Any, kinds: str, op: str) -> None:
    """Raise InvalidArgumentError unless ``x``'s dtype kind is one of ``kinds`` (NumPy kind letters)."""
    kind = x._value.dtype.kind
    if kind not in kinds and not (kind == "V" and "f" in kinds):  # 'V': bfloat16, a float
        raise InvalidArgumentError(
            f"{op}: expected a {_KINDS_TEXT[kinds]} tensor, got dtype {x.dtype.name} (shape "
            f"{tuple(x._value.shape)}). Cast it first, e.g. tapegrad.cast(x, tapegrad.float32)."
        )


def _unary_in(x: Any, kinds: str, op: str) -> Any:
    x = to_tensor(x)
    if x._value.dtype.kind not in kinds:
        _need(x, kinds, op)
    return x


def _checked_binary(opdef: Any, x: Any, y: Any, kinds: str, name: str) -> Tensor:
    """Convert (Python scalars adopt the tensor's dtype; tensors must agree), check the dtype kind, run."""
    a, b = pair(x, y, name)
    if a._value.dtype.kind not in kinds:
        _need(a, kinds, name)
    try:
        return apply2(opdef, a, b)
    except ValueError as exc:
        raise _shape_error(name, a, b, exc) from None


def _scipy() -> Any:
    """scipy.special, for test references only (SciPy is a test dependency, never a runtime one)."""
    import scipy.special

    return scipy.special
