"""DType objects (``tapegrad.float32`` …) and conversion from NumPy/Python types."""

from __future__ import annotations

from typing import Any

import numpy as np


class DType:
    """A tensor element type, mirroring ``tf.DType``.

    >>> import tapegrad as tf
    >>> tf.float32.name, tf.float32.is_floating, tf.int32.is_integer
    ('float32', True, True)
    """

    __slots__ = ("name", "_np", "kind", "is_floating", "is_integer", "is_complex", "is_bool", "is_unsigned", "size")

    def __init__(self, name: str, np_type: Any) -> None:
        self.name = name
        self._np = np.dtype(np_type)
        kind = self.kind = self._np.kind  # NumPy's kind character, so rules can test arrays and tensors alike
        self.is_floating = kind == "f"
        self.is_integer = kind in "iu"
        self.is_complex = kind == "c"
        self.is_bool = kind == "b"
        self.is_unsigned = kind in "ub"
        self.size = self._np.itemsize

    @property
    def as_numpy_dtype(self) -> type:
        """The NumPy scalar type (``numpy.float32`` for ``float32``)."""
        return self._np.type

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        """``float32`` for ``complex64``, ``float64`` for ``complex128``, else itself."""
        if self.is_complex:
            return _BY_NP[np.dtype(np.float32 if self.size == 8 else np.float64)]
        return self

    @property
    def is_differentiable(self) -> bool:
        """True for floating and complex types: the types a gradient can flow through."""
        return self.is_floating or self.is_complex

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def min(self) -> Any:
        if self.is_floating:
            return self._np.type(np.finfo(self._np).min)
        if self.is_integer:
            return self._np.type(np.iinfo(self._np).min)
        if self.is_bool:
            return False
        raise TypeError(f"Cannot find minimum value of {self.name}.")

    @property
    def max(self) -> Any:
        if self.is_floating:
            return self._np.type(np.finfo(self._np).max)
        if self.is_integer:
            return self._np.type(np.iinfo(self._np).max)
        if self.is_bool:
            return True
        raise TypeError(f"Cannot find maximum value of {self.name}.")

    def __repr__(self) -> str:
        return f"tapegrad.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self.name == other.name
        try:
            return self._np == as_dtype(other)._np
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._np)

    def __reduce__(self) -> tuple[Any, ...]:
        return as_dtype, (self.name,)


class _BFloat16(DType):
    """``bfloat16``: NumPy has no such type; its arrays come from the optional ``ml_dtypes`` package (the one TF and
    JAX use), imported the first time a bfloat16 value is made (``pip install tapegrad[bfloat16]``).

    ml_dtypes' dtype has NumPy kind ``'V'``; tapegrad admits no other ``'V'`` dtype, so the op tables treat kind
    ``'V'`` as floating (their kind tests read ``"fcV"``)."""

    __slots__ = ()

    def __init__(self) -> None:
        self.name = "bfloat16"
        self.kind = "f"
        self.is_floating = True
        self.is_integer = self.is_complex = self.is_bool = self.is_unsigned = False
        self.size = 2

    @property  # type: ignore[override]
    def _np(self) -> np.dtype:
        dt = _BF16_NP[0]
        if dt is None:
            try:
                import ml_dtypes
            except ImportError:
                raise ImportError("bfloat16 needs the optional package ml_dtypes: pip install 'tapegrad[bfloat16]' "
                                  "(or pip install ml_dtypes); float16 works without it.") from None
            dt = _BF16_NP[0] = np.dtype(ml_dtypes.bfloat16)
            _BY_NP[dt] = self
        return dt

    @property
    def min(self) -> Any:
        return self._np.type(-3.3895313892515355e38)

    @property
    def max(self) -> Any:
        return self._np.type(3.3895313892515355e38)

    def __hash__(self) -> int:
        return hash("bfloat16")


_BF16_NP: list[Any] = [None]
bfloat16 = _BFloat16()
float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool_ = DType("bool", np.bool_)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)


class _String(DType):
    """``string``: variable-length byte strings, held as NumPy object arrays of ``bytes`` (TF's ``tf.string``; a
    ``.numpy()`` gives ``bytes`` or an object array of them, as TF). Never differentiable, not numeric."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("string", object)
        self.size = 0  # TF reports 0 for its variable-length string type

    @property
    def as_numpy_dtype(self) -> type:
        return object

    def __hash__(self) -> int:
        return hash("string")


string = _String()

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool_,
        complex64, complex128, string)
_BY_NP: dict[np.dtype, DType] = {d._np: d for d in _ALL}
_BY_NAME: dict[str, DType] = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64, bfloat16=bfloat16)


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a NumPy dtype; raises TypeError for types tapegrad does not support."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(
            f"NumPy dtype {np_dtype} has no tapegrad equivalent; supported: "
            + ", ".join(d.name for d in _ALL)
        ) from None


def as_dtype(value: Any) -> DType:
    """Convert a DType, a name (``'float32'``), a NumPy dtype or scalar type to a :class:`DType`.

    >>> import tapegrad as tf, numpy as np
    >>> tf.as_dtype("float64") is tf.float64, tf.as_dtype(np.int32) is tf.int32
    (True, True)
    """
    if type(value) is DType or value is bfloat16 or value is string:
        return value
    if isinstance(value, str):
        d = _BY_NAME.get(value)
        if d is None:
            raise TypeError(f"Unknown dtype name {value!r}; expected one of {sorted(_BY_NAME)}.")
        return d
    if value is None:
        raise TypeError("Cannot convert None to a tapegrad DType.")
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    if value is complex:
        return complex128
    if getattr(value, "__name__", None) == "bfloat16" or str(value) == "bfloat16":
        return bfloat16  # ml_dtypes.bfloat16 (or its dtype)
    if value is object or value is str or value is bytes or value is np.bytes_ or value is np.str_:
        return string
    try:
        np_dtype = np.dtype(value)
        if np_dtype.kind in "OSU":
            return string  # NumPy's object, bytes and str dtypes all mean TF's tf.string
        return from_numpy(np_dtype)
    except TypeError as exc:
        raise TypeError(f"Cannot convert {value!r} to a tapegrad DType: {exc}") from None
