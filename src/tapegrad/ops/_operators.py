"""Tensor/Variable operators, generated from the op tables (``+ - * / // % ** @``, comparisons, indexing)."""

from __future__ import annotations

from typing import Any

from .._tensor import Variable, _TensorLike
from . import _elementwise, arithmetic, bitwise_ops, comparison, matmul, slicing, unary_math


def _binop(op: Any) -> tuple[Any, Any]:
    fwd = op.bin  # the op's specialised fast path doubles as the dunder (self, other)

    def rev(self: Any, other: Any) -> Any:
        return fwd(other, self)

    return fwd, rev


def _swap(fn: Any) -> Any:
    def rev(self: Any, other: Any) -> Any:
        return fn(other, self)

    return rev


_OPS = _elementwise.OPS_BY_PUBLIC
_FAST = {"add": "add", "sub": "subtract", "mul": "multiply", "floordiv": "floordiv", "mod": "floormod", "pow": "pow"}
for _name, _opname in _FAST.items():
    _f, _r = _binop(_OPS[_opname])
    _r.__name__ = f"__r{_name}__"
    setattr(_TensorLike, f"__{_name}__", _f)
    setattr(_TensorLike, f"__r{_name}__", _r)


def _by_kind(name: str, logical: Any, bitwise: Any) -> None:
    """``&``, ``|``, ``^``: the logical op on bool tensors, the bitwise op on integer tensors (TF's ``and_`` …)."""
    def fwd(self: Any, other: Any) -> Any:
        return (bitwise if self._value.dtype.kind in "iu" else logical)(self, other)

    def rev(self: Any, other: Any) -> Any:
        return (bitwise if self._value.dtype.kind in "iu" else logical)(other, self)

    fwd.__name__, rev.__name__ = f"__{name}__", f"__r{name}__"
    setattr(_TensorLike, fwd.__name__, fwd)
    setattr(_TensorLike, rev.__name__, rev)


_by_kind("and", comparison.logical_and, bitwise_ops.bitwise_and)
_by_kind("or", comparison.logical_or, bitwise_ops.bitwise_or)
_by_kind("xor", comparison.logical_xor, bitwise_ops.bitwise_xor)

# / has a dtype rule beyond the fast path (int / int is float64); @ has its own shape checks
for _name, _fn in {"truediv": arithmetic.divide, "matmul": matmul.matmul}.items():
    setattr(_TensorLike, f"__{_name}__", _fn)
    setattr(_TensorLike, f"__r{_name}__", _swap(_fn))


def _cmp(fn: Any, on_fail: Any) -> Any:
    def op(self: Any, other: Any) -> Any:
        if other is None or isinstance(other, (str, bytes)) and self._value.dtype.kind != "O":
            return on_fail  # (a string tensor compares with text elementwise)
        try:
            return fn(self, other)
        except (TypeError, ValueError) as exc:
            if on_fail is NotImplemented or self._value.dtype.kind == "O":
                raise
            from ..errors import InvalidArgumentError

            if isinstance(exc, InvalidArgumentError) and "shapes" in str(exc):
                raise
            return on_fail

    return op


_TensorLike.__eq__ = _cmp(comparison.equal, False)  # type: ignore[assignment,method-assign]
_TensorLike.__ne__ = _cmp(comparison.not_equal, True)  # type: ignore[assignment,method-assign]
_TensorLike.__lt__ = _cmp(comparison.less, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__le__ = _cmp(comparison.less_equal, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__gt__ = _cmp(comparison.greater, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__ge__ = _cmp(comparison.greater_equal, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__neg__ = lambda self: arithmetic.negative(self)  # type: ignore[method-assign]
_TensorLike.__pos__ = lambda self: self  # type: ignore[method-assign]
_TensorLike.__abs__ = lambda self: unary_math.abs(self)  # type: ignore[method-assign]
_TensorLike.__invert__ = lambda self: (  # type: ignore[method-assign]
    bitwise_ops.invert(self) if self._value.dtype.kind in "iu" else comparison.logical_not(self))
_TensorLike.__getitem__ = slicing.getitem  # type: ignore[attr-defined]


def _variable_getitem(v: Any, key: Any) -> Any:
    """``v[key]``: a Tensor that remembers where it came from, so that ``v[key].assign(x)`` updates the variable."""
    t = slicing.getitem(v, key)
    t._slice_of = (v, key)
    return t


Variable.__getitem__ = _variable_getitem  # type: ignore[method-assign]
_TensorLike.__hash__ = None  # type: ignore[assignment]
