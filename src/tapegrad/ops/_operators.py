"""Tensor/Variable operators, generated from the op tables (``+ - * / // % ** @``, comparisons, indexing)."""

from __future__ import annotations

from typing import Any

from .._tensor import _TensorLike
from . import array_ops, math_ops


def _binop(fn: Any) -> tuple[Any, Any]:
    def op(self: Any, other: Any) -> Any:
        return fn(self, other)

    def rop(self: Any, other: Any) -> Any:
        return fn(other, self)

    return op, rop


def _matmul(a: Any, b: Any) -> Any:
    return array_ops.matmul(a, b)


_TABLE = {
    "add": math_ops.add, "sub": math_ops.subtract, "mul": math_ops.multiply, "truediv": math_ops.divide,
    "floordiv": math_ops.floordiv, "mod": math_ops.floormod, "pow": math_ops.pow, "matmul": _matmul,
    "and": math_ops.logical_and, "or": math_ops.logical_or, "xor": math_ops.logical_xor,
}

for _name, _fn in _TABLE.items():
    _op, _rop = _binop(_fn)
    _op.__name__, _rop.__name__ = f"__{_name}__", f"__r{_name}__"
    setattr(_TensorLike, f"__{_name}__", _op)
    setattr(_TensorLike, f"__r{_name}__", _rop)


def _cmp(fn: Any, on_fail: Any) -> Any:
    def op(self: Any, other: Any) -> Any:
        if other is None or isinstance(other, (str, bytes)):
            return on_fail
        try:
            return fn(self, other)
        except (TypeError, ValueError) as exc:
            if on_fail is NotImplemented:
                raise
            from ..errors import InvalidArgumentError

            if isinstance(exc, InvalidArgumentError) and "shapes" in str(exc):
                raise
            return on_fail

    return op


_TensorLike.__eq__ = _cmp(math_ops.equal, False)  # type: ignore[assignment,method-assign]
_TensorLike.__ne__ = _cmp(math_ops.not_equal, True)  # type: ignore[assignment,method-assign]
_TensorLike.__lt__ = _cmp(math_ops.less, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__le__ = _cmp(math_ops.less_equal, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__gt__ = _cmp(math_ops.greater, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__ge__ = _cmp(math_ops.greater_equal, NotImplemented)  # type: ignore[method-assign]
_TensorLike.__neg__ = lambda self: math_ops.negative(self)  # type: ignore[method-assign]
_TensorLike.__pos__ = lambda self: self  # type: ignore[method-assign]
_TensorLike.__abs__ = lambda self: math_ops.abs(self)  # type: ignore[method-assign]
_TensorLike.__invert__ = lambda self: math_ops.logical_not(self)  # type: ignore[method-assign]
_TensorLike.__getitem__ = array_ops.getitem  # type: ignore[attr-defined]
_TensorLike.__hash__ = None  # type: ignore[assignment]
