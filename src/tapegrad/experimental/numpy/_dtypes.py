"""TF-NumPy dtype rules: the ``prefer_float32``/``allow_float64`` switches, ``result_type``/``promote_types`` and the
conversion of array-likes (``array``/``asarray``).

TF-NumPy infers dtypes as NumPy does, from ``np.result_type`` over the flattened values (Python scalars are "weak":
``int32 tensor + 1.5`` is float64, ``float32 tensor + 1`` stays float32), with two switches: ``prefer_float32`` turns
Python floats into float32 (``experimental_enable_numpy_behavior(prefer_float32=True)``), and ``allow_float64=False``
narrows every float64/complex128 result to float32/complex64.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ... import nest as _nest
from ..._dtypes import DType, as_dtype
from ..._tensor import _TensorLike
from ...ops.core import cast as _cast
from ...ops.core import constant as _tg_constant
from ...ops.core import convert_to_tensor as _convert_to_tensor
from ...ops.core import identity as _identity
from ...ops.shape_ops import reshape as _reshape

_TO_FLOAT32 = {np.dtype("float64"): np.dtype("float32"), np.dtype("complex128"): np.dtype("complex64")}
_config = {"prefer_float32": False, "allow_float64": True}


def is_prefer_float32() -> bool:
    """Whether Python floats become float32 (else float64, NumPy's choice)."""
    return _config["prefer_float32"]


def set_prefer_float32(b: bool) -> None:
    _config["prefer_float32"] = bool(b)


def is_allow_float64() -> bool:
    """Whether float64/complex128 results are allowed (else they narrow to float32/complex64)."""
    return _config["allow_float64"]


def set_allow_float64(b: bool) -> None:
    _config["allow_float64"] = bool(b)


def canonicalize_dtype(dtype: Any) -> Any:
    if not _config["allow_float64"]:
        return _TO_FLOAT32.get(np.dtype(dtype), dtype)
    return dtype


def default_float_type() -> type:
    """float64 unless ``prefer_float32`` is on or float64 is disallowed."""
    return np.float64 if not _config["prefer_float32"] and _config["allow_float64"] else np.float32


def _is_tensor(x: Any) -> bool:
    return isinstance(x, _TensorLike)


def _np_type(x: Any) -> Any:
    """What ``np.result_type`` gets for one leaf: Python/NumPy scalars as they are (weak Python scalars), a
    tensor's or DType's NumPy dtype, everything else unchanged (arrays, dtype names, Python types)."""
    if isinstance(x, numbers.Real):
        return x
    if _is_tensor(x) or type(x).__name__ == "IndexedSlices":
        return np.dtype(x.dtype.as_numpy_dtype)
    if isinstance(x, DType):
        return np.dtype(x.as_numpy_dtype)
    if isinstance(x, (list, tuple)):
        raise ValueError(f"Cannot find dtype for type inference from argument `x` of a sequence type {type(x)}. "
                         "For sequences, call this function on each element individually.")
    return x


def _result_type(*leaves: Any) -> DType:
    if _config["prefer_float32"]:
        leaves = tuple(np.float32(x) if isinstance(x, float) else np.complex64(x) if isinstance(x, complex) else x
                       for x in leaves)
    return _dtype_of(canonicalize_dtype(np.result_type(*leaves)))


_DTYPES: dict[Any, DType] = {}


def _dtype_of(np_dtype: Any) -> DType:
    """``as_dtype`` of a NumPy dtype, memoised (``as_dtype`` parses its argument: tens of microseconds a call)."""
    dt = _DTYPES.get(np_dtype)
    if dt is None:
        dt = _DTYPES[np_dtype] = as_dtype(np_dtype)
    return dt


def result_type(*arrays_and_dtypes: Any) -> DType:
    """The dtype NumPy's promotion gives for these arrays, tensors, scalars and dtypes (TF-NumPy's
    ``result_type``; it returns a tapegrad DType).

    >>> import tapegrad as tf
    >>> tnp = tf.experimental.numpy
    >>> tnp.result_type(tnp.int32, 1.0), tnp.result_type(tnp.float32, 1.0), tnp.result_type(1, 2)
    (tapegrad.float64, tapegrad.float32, tapegrad.int64)
    """
    if any(isinstance(x, (list, tuple, dict)) for x in arrays_and_dtypes):
        arrays_and_dtypes = tuple(_nest.flatten(arrays_and_dtypes))
    leaves = [x if type(x) in _PY_SCALARS else _np_type(x) for x in arrays_and_dtypes]
    if not leaves:
        leaves = [np.asarray([])]
    return _result_type(*leaves)


def _result_type_unary(a: Any, dtype: Any) -> Any:
    if dtype:
        return result_type(dtype)
    if isinstance(a, str):
        return np.str_
    if isinstance(a, bytes):
        return np.bytes_
    return result_type(a)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """``np.promote_types`` on TF-NumPy dtypes (float64 narrowed when float64 is disallowed).

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.promote_types(tf.int32, tf.float32)
    dtype('float64')
    """
    return canonicalize_dtype(np.promote_types(_to_numpy_type(type1), _to_numpy_type(type2)))


def _to_numpy_type(dtype: Any) -> Any:
    if isinstance(dtype, DType):
        return dtype.as_numpy_dtype
    return np.dtype(dtype)


def _np_of(dtype: Any) -> np.dtype:
    if isinstance(dtype, DType):
        return np.dtype(dtype.as_numpy_dtype)
    return np.dtype(dtype)


def _has_tensor(val: Any) -> bool:
    return _is_tensor(val) or (isinstance(val, (list, tuple)) and any(_has_tensor(v) for v in val))


def _pack(val: Any, dtype: Any) -> Any:
    """A nest of tensors and numbers as one tensor of ``dtype``, differentiably (stack of casts)."""
    from ... import cast, stack

    if _is_tensor(val):
        return cast(val, dtype)
    if isinstance(val, (list, tuple)) and _has_tensor(val):
        return stack([_pack(v, dtype) for v in val])
    return _constant(np.asarray(val).astype(_np_of(dtype)))


def _constant(value: np.ndarray) -> Any:
    return _tg_constant(value)


def _array_internal(val: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    if not _is_tensor(val):
        dtype = _result_type_unary(val, dtype)
        dt = as_dtype(dtype) if not isinstance(dtype, DType) else dtype
        if _has_tensor(val):
            out = _pack(val, dt)
        else:
            arr = np.asarray(val)
            out = _constant(arr if arr.dtype.kind in "USO" else arr.astype(_np_of(dt)))
    else:
        if not type(val).__name__ == "Tensor":  # a Variable: read it (differentiably)
            val = _convert_to_tensor(val)
        out = _cast(val, dtype) if dtype else val
    if copy:
        out = _identity(out)
    if ndmin > 32:
        raise ValueError(f"array: ndmin={ndmin} is larger than the most dimensions a tensor may have (32).")
    if ndmin > out.shape.rank:
        out = _reshape(out, [1] * (ndmin - out.shape.rank) + list(out.shape))
    return out


def array(val: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    """A tensor from an array-like, with NumPy's dtype inference under TF-NumPy's switches (Python floats are
    float64 unless ``prefer_float32``); ``ndmin`` prepends size-1 dimensions.

    >>> import tapegrad as tf
    >>> tnp = tf.experimental.numpy
    >>> tnp.array([1, 2.5]).dtype, tnp.array(3).dtype, tnp.array([[1, 2]], ndmin=3).shape
    (tapegrad.float64, tapegrad.int64, TensorShape([1, 1, 2]))
    """
    if dtype:
        dtype = result_type(dtype)
    return _array_internal(val, dtype, copy, ndmin)


def asarray(a: Any, dtype: Any = None) -> Any:
    """``a`` itself when it is already a tensor of the wanted dtype, else :func:`array` without a copy.

    >>> import tapegrad as tf
    >>> x = tf.constant([1, 2])
    >>> tf.experimental.numpy.asarray(x) is x
    True
    """
    if dtype and not (isinstance(dtype, DType) and _config["allow_float64"]):  # (a DType is its own result type)
        dtype = result_type(dtype)
    if _is_tensor(a) and not type(a).__name__ == "Variable" and (not dtype or dtype == a.dtype):
        return a
    return array(a, dtype, copy=False)


def asanyarray(a: Any, dtype: Any = None) -> Any:
    """Same as :func:`asarray` (there are no ndarray subclasses)."""
    return asarray(a, dtype)


def ascontiguousarray(a: Any, dtype: Any = None) -> Any:
    """:func:`array` with at least one dimension.

    >>> import tapegrad as tf
    >>> tf.experimental.numpy.ascontiguousarray(3.0).shape
    TensorShape([1])
    """
    return array(a, dtype, ndmin=1)


_PY_SCALARS = (bool, int, float, complex)


def _promote(*args: Any) -> list[Any]:
    """Every argument as a tensor of their common NumPy result type (weak Python scalars)."""
    if len(args) == 2 and all(_is_tensor(a) for a in args) and args[0].dtype == args[1].dtype:
        return [asarray(a) for a in args]
    dt = result_type(*args)
    out = []
    for a in args:
        if type(a) in _PY_SCALARS:  # (the common case of an operand like 1.5: one constant, no re-inference)
            out.append(_constant(np.asarray(a).astype(dt.as_numpy_dtype)))
        else:
            out.append(asarray(a, dt))
    return out
