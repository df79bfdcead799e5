"""``experimental_enable_numpy_behavior``: NumPy methods on tensors (``.T``, ``.reshape``, ``.astype`` …) and
NumPy dtype promotion in tensor operators (``int32 tensor + 1.5`` is float64), as TensorFlow does — plus
``experimental_disable_numpy_behavior`` (tapegrad's; TensorFlow cannot switch it off) to restore the defaults."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import _dtypes

_MODES = ("off", "legacy", "safe", "all")
_state: dict[str, Any] = {"mode": "off", "saved": None}

# Operators TensorFlow's numpy behaviour promotes (``override_binary_operator``), and comparisons by equality.
_BINARY = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor")
_COMPARE = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
_METHODS = ("__getitem__", "T", "ndim", "size", "__pos__", "tolist", "transpose", "flatten", "reshape", "ravel",
            "clip", "astype", "__round__", "max", "mean", "min", "data")


def _tensor_classes() -> tuple[Any, Any]:
    """(the class the operators live on: tensors and variables; the class the NumPy methods go on: tensors only —
    TF's variables get no ``.T``/``.reshape``/``.astype``)."""
    from ..._tensor import Tensor, _TensorLike

    return _TensorLike, Tensor


def _promoting(fwd: Any, reverse: Any = None) -> Any:
    """The operator ``fwd(left, right)`` after NumPy promotion of both operands; ``reverse`` (the saved ``__r*__``)
    makes it the reflected operator."""
    def op(self: Any, other: Any) -> Any:
        left, right = (other, self) if reverse is not None else (self, other)
        if other is None or isinstance(other, (str, bytes)):
            return (reverse or fwd)(self, other)
        try:
            dt = _dtypes.result_type(left, right)
            left, right = _dtypes.asarray(left, dt), _dtypes.asarray(right, dt)
        except (TypeError, ValueError):  # not a numeric operand: the operator's own rule and error
            return (reverse or fwd)(self, other)
        return fwd(left, right)

    op.__name__ = getattr(reverse or fwd, "__name__", "op")
    return op


def _basic_key(k: Any) -> bool:
    if k is None or k is Ellipsis or isinstance(k, slice):
        return True
    if isinstance(k, (bool, np.bool_)):
        return False
    if isinstance(k, (int, np.integer)):
        return True
    return _dtypes._is_tensor(k) and k.shape.rank == 0 and k.dtype.is_integer


def _numpy_getitem(basic: Any) -> Any:
    """``x[key]`` with NumPy's full indexing (integer arrays, boolean masks, mixed): NumPy picks the elements of an
    index grid, and one differentiable ``gather`` fetches them."""
    def getitem(self: Any, key: Any) -> Any:
        keys = key if isinstance(key, tuple) else (key,)
        if builtins.all(_basic_key(k) for k in keys):
            return basic(self, key)
        from ... import constant, gather, reshape

        np_key = tuple(k.numpy() if _dtypes._is_tensor(k) else np.asarray(k) if isinstance(k, list) else k
                       for k in keys)
        shape = [int(d) for d in self.shape]
        grid = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        return gather(reshape(self, [-1]), constant(grid[np_key]))

    return getitem


def _methods(saved: dict[Any, Any], cls: Any) -> dict[str, Any]:
    from . import _array_ops as A
    from . import _math_ops as M

    def size(self: Any) -> Any:
        return A.size(self)

    def tolist(self: Any) -> Any:
        return self.numpy().tolist()

    def astype(self: Any, dtype: Any) -> Any:
        from ... import cast

        return cast(self, dtype)

    def round_(self: Any, ndigits: Any = None) -> Any:
        return M.around(self, 0 if ndigits is None else ndigits)

    def max_(self: Any, axis: Any = None, out: Any = None, keepdims: Any = None) -> Any:
        return M.amax(self, axis=axis, out=out, keepdims=keepdims)

    def min_(self: Any, axis: Any = None, out: Any = None, keepdims: Any = None) -> Any:
        return M.amin(self, axis=axis, out=out, keepdims=keepdims)

    def mean_(self: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = None) -> Any:
        return M.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    basic = saved[(cls, "__getitem__")]
    if basic is _MISSING:
        basic = cls.__getitem__
    return {"__getitem__": _numpy_getitem(basic), "T": property(lambda self: A.transpose(self)),
            "ndim": property(lambda self: self.shape.rank),
            "size": property(size), "__pos__": lambda self: self, "tolist": tolist, "transpose": A.transpose,
            "flatten": A.flatten, "reshape": A._reshape_method, "ravel": A.ravel, "clip": M.clip, "astype": astype,
            "__round__": round_, "max": max_, "mean": mean_, "min": min_, "data": property(lambda self: self)}


def experimental_enable_numpy_behavior(prefer_float32: bool = False, dtype_conversion_mode: str = "legacy") -> None:
    """Give tensors NumPy's methods and NumPy's dtype promotion in operators (TF-NumPy's switch).

    * methods: ``T``, ``reshape(*shape)``, ``ravel``, ``flatten``, ``transpose``, ``astype``, ``clip``, ``tolist``,
      ``max``/``min``/``mean``, ``round(t)``, ``size`` (the element count), ``data``;
    * operators ``+ - * / // % ** @ & | ^`` promote their operands NumPy-style (``dtype_conversion_mode='legacy'``,
      the default): ``tf.constant(1) + 1.5`` is a float64 tensor instead of an error. ``tf.add`` & co. keep TF's
      strict rule, as in TensorFlow;
    * ``prefer_float32=True`` makes Python floats float32 in TF-NumPy's dtype inference.

    tapegrad's :func:`experimental_disable_numpy_behavior` undoes it (TensorFlow has no way back).

    >>> import tapegrad as tf
    >>> tnp = tf.experimental.numpy
    >>> tnp.experimental_enable_numpy_behavior()
    >>> x = tf.constant([[1, 2]], tf.int32)
    >>> (x + 1.5).dtype, x.T.shape, x.astype(tf.float32).dtype
    (tapegrad.float64, TensorShape([2, 1]), tapegrad.float32)
    >>> tnp.experimental_disable_numpy_behavior()
    """
    if dtype_conversion_mode not in _MODES:
        raise ValueError(f"experimental_enable_numpy_behavior: dtype_conversion_mode must be one of {_MODES}, "
                         f"got {dtype_conversion_mode!r}.")
    if dtype_conversion_mode in ("safe", "all"):
        raise NotImplementedError(f"experimental_enable_numpy_behavior: dtype_conversion_mode="
                                  f"{dtype_conversion_mode!r} (TensorFlow's WeakTensor auto dtype conversion) is "
                                  "not implemented in tapegrad; use 'legacy' (NumPy promotion) or 'off'.")
    ops_cls, methods_cls = _tensor_classes()
    if _state["saved"] is None:
        op_names = [f"__{n}__" for n in _BINARY] + [f"__r{n}__" for n in _BINARY] + list(_COMPARE)
        _state["saved"] = {**{(ops_cls, n): ops_cls.__dict__.get(n, _MISSING) for n in op_names},
                           **{(methods_cls, n): methods_cls.__dict__.get(n, _MISSING) for n in _METHODS}}
    saved = _state["saved"]
    for name, fn in _methods(saved, methods_cls).items():
        setattr(methods_cls, name, fn)
    legacy = dtype_conversion_mode == "legacy"
    for n in _BINARY:
        fwd, rev = saved[(ops_cls, f"__{n}__")], saved[(ops_cls, f"__r{n}__")]
        if n == "matmul":  # ``@`` follows NumPy's matmul (vectors, promotion), as TF's numpy behaviour does
            from ._math_ops import matmul

            fwd, rev = matmul, (lambda self, other: matmul(other, self))
        setattr(ops_cls, f"__{n}__", _promoting(fwd) if legacy else saved[(ops_cls, f"__{n}__")])
        setattr(ops_cls, f"__r{n}__", _promoting(fwd, rev) if legacy else saved[(ops_cls, f"__r{n}__")])
    for n in _COMPARE:
        setattr(ops_cls, n, _promoting(saved[(ops_cls, n)]) if legacy else saved[(ops_cls, n)])
    _state["mode"] = dtype_conversion_mode
    _dtypes.set_prefer_float32(prefer_float32)


def experimental_disable_numpy_behavior() -> None:
    """Undo :func:`experimental_enable_numpy_behavior` (tapegrad's; useful in tests): tensors lose the NumPy methods,
    operators return to TF's strict dtype rule, and ``prefer_float32`` is reset.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.experimental_disable_numpy_behavior()
    >>> hasattr(tf.constant(1.0), "astype")
    False
    """
    saved = _state["saved"]
    if saved is not None:
        for (cls, name), fn in saved.items():
            if fn is _MISSING:
                if name in cls.__dict__:
                    delattr(cls, name)
            else:
                setattr(cls, name, fn)
    _state["saved"] = None
    _state["mode"] = "off"
    _dtypes.set_prefer_float32(False)


def numpy_behavior_enabled() -> bool:
    """Whether :func:`experimental_enable_numpy_behavior` is in effect (tapegrad's query)."""
    return _state["saved"] is not None


_MISSING = object()
