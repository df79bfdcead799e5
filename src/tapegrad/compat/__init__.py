"""``tf.compat``: text/bytes helpers, forward-compatibility dates, shape dimensions, and the ``v1``/``v2`` API
namespaces.

``tapegrad.compat.v2`` is tapegrad itself. ``tapegrad.compat.v1`` is TF 1's API as TF 2 runs it eagerly (see
:mod:`tapegrad.compat.v1`).

>>> import tapegrad as tf
>>> tf.compat.as_bytes("é"), tf.compat.as_text(b"ab")
(b'\\xc3\\xa9', 'ab')
>>> tf.compat.dimension_value(tf.TensorShape([2, 3])[0])
2
>>> tf.compat.v1.reduce_sum(tf.ones([2, 3]), reduction_indices=[1], keep_dims=True).numpy().tolist()
[[3.0], [3.0]]
"""

from __future__ import annotations

import contextlib
import datetime
import numbers
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["as_bytes", "as_str", "as_str_any", "as_text", "bytes_or_text_types", "complex_types",
           "dimension_at_index", "dimension_value", "forward_compatibility_horizon", "forward_compatible",
           "integral_types", "path_to_str", "real_types", "v1", "v2", "Dimension"]

bytes_or_text_types = (bytes, str)
complex_types = (numbers.Complex, np.number)
integral_types = (numbers.Integral, np.integer)
real_types = (numbers.Real, np.integer, np.floating)


def as_bytes(bytes_or_text: Any, encoding: str = "utf-8") -> bytes:
    """``bytes_or_text`` as bytes (text is encoded with ``encoding``); anything else is a TypeError.

    >>> import tapegrad as tf
    >>> tf.compat.as_bytes("abc")
    b'abc'
    """
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """``bytes_or_text`` as ``str`` (bytes are decoded with ``encoding``); anything else is a TypeError.

    >>> import tapegrad as tf
    >>> tf.compat.as_text(b"abc")
    'abc'
    """
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value: Any, encoding: str = "utf-8") -> str:
    """``as_str`` of bytes, ``str(value)`` of anything else.

    >>> import tapegrad as tf
    >>> tf.compat.as_str_any(5)
    '5'
    """
    return as_str(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path: Any) -> Any:
    """A path-like object as ``str`` (``os.fspath``); anything else unchanged.

    >>> import pathlib
    >>> import tapegrad as tf
    >>> tf.compat.path_to_str(pathlib.PurePosixPath("/a/b"))
    '/a/b'
    """
    return os.fspath(path) if isinstance(path, os.PathLike) else path


# TF 2.21's forward-compatibility horizon (tensorflow/python/compat/compat.py), moved by
# TF_FORWARD_COMPATIBILITY_DELTA_DAYS as in TF
_HORIZON = datetime.date(2026, 1, 16)


def _date_number(year: int, month: int, day: int) -> int:
    if month < 1 or month > 12 or day < 1 or day > 31:
        raise ValueError(f"Invalid date: year={year}, month={month}, day={day}")
    return (year << 9) | (month << 5) | day


def _horizon_number(date: datetime.date) -> int:
    delta = os.environ.get("TF_FORWARD_COMPATIBILITY_DELTA_DAYS")
    if delta:
        date = date + datetime.timedelta(days=int(delta))
    return _date_number(date.year, date.month, date.day)


_state = {"horizon": _horizon_number(_HORIZON)}


def forward_compatible(year: int, month: int, day: int) -> bool:
    """Whether the forward-compatibility horizon (TF 2.21's: 16 January 2026) is past the given date.

    >>> import tapegrad as tf
    >>> tf.compat.forward_compatible(2019, 1, 1)
    True
    """
    return _state["horizon"] > _date_number(year, month, day)


@contextlib.contextmanager
def forward_compatibility_horizon(year: int, month: int, day: int) -> Iterator[None]:
    """Within the block, the forward-compatibility horizon is the given date (a date before TF 2.21's horizon is
    ignored with a warning, as TF).

    >>> import tapegrad as tf
    >>> with tf.compat.forward_compatibility_horizon(2030, 1, 1):
    ...     tf.compat.forward_compatible(2029, 12, 31), tf.compat.forward_compatible(2030, 1, 1)
    (True, False)
    """
    saved = _state["horizon"]
    date = datetime.date(year, month, day)
    if date < _HORIZON:  # TF ignores a horizon in the past (with a warning)
        import warnings

        warnings.warn(f"Trying to set the forward compatibility date to the past date {date}. This will be ignored "
                      f"by TensorFlow.", stacklevel=3)
    else:
        _state["horizon"] = _date_number(year, month, day)
    try:
        yield
    finally:
        _state["horizon"] = saved


class Dimension:
    """TF 1's shape dimension: an int or unknown (``None``), with TF's arithmetic (unknown absorbs) and
    compatibility checks.

    >>> import tapegrad as tf
    >>> d = tf.compat.v1.Dimension(3)
    >>> d, d + 2, d * tf.compat.v1.Dimension(None), d.value
    (Dimension(3), Dimension(5), Dimension(None), 3)
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        if isinstance(value, Dimension):
            value = value.value
        if value is None:
            self._value = None
            return
        try:
            self._value = int(value.__index__())
        except AttributeError:
            raise TypeError(f"Dimension value must be integer or None or have an __index__ method, got value "
                            f"'{value!r}' with type '{type(value)}'") from None
        if self._value < 0:
            raise ValueError(f"Dimension {self._value} must be >= 0")

    @property
    def value(self) -> int | None:
        return self._value

    def __repr__(self) -> str:
        return f"Dimension({self._value!r})"

    def __str__(self) -> str:
        return "?" if self._value is None else str(self._value)

    def __int__(self) -> int:
        if self._value is None:
            raise TypeError("int() of an unknown Dimension (its value is None)")
        return self._value

    def __index__(self) -> int:
        return self.__int__()

    def __hash__(self) -> int:
        return hash(self._value)

    def __eq__(self, other: Any) -> Any:
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return None
        return self._value == other.value

    def __ne__(self, other: Any) -> Any:
        eq = self.__eq__(other)
        return eq if eq is None or eq is NotImplemented else not eq

    def _binary(self, other: Any, fn: Any) -> Dimension:
        other = as_dimension(other)
        if self._value is None or other.value is None:
            return Dimension(None)
        return Dimension(fn(self._value, other.value))

    def __add__(self, other: Any) -> Dimension:
        return self._binary(other, lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dimension:
        return self._binary(other, lambda a, b: a - b)

    def __rsub__(self, other: Any) -> Dimension:
        return as_dimension(other)._binary(self, lambda a, b: a - b)

    def __mul__(self, other: Any) -> Dimension:
        return self._binary(other, lambda a, b: a * b)

    __rmul__ = __mul__

    def __floordiv__(self, other: Any) -> Dimension:
        return self._binary(other, lambda a, b: a // b)

    def __mod__(self, other: Any) -> Dimension:
        return self._binary(other, lambda a, b: a % b)

    def is_compatible_with(self, other: Any) -> bool:
        other = as_dimension(other)
        return self._value is None or other.value is None or self._value == other.value

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {as_dimension(other)} are not compatible")

    def merge_with(self, other: Any) -> Dimension:
        other = as_dimension(other)
        self.assert_is_compatible_with(other)
        return Dimension(self._value if self._value is not None else other.value)


def as_dimension(value: Any) -> Dimension:
    return value if isinstance(value, Dimension) else Dimension(value)


def dimension_value(dimension: Any) -> int | None:
    """The int (or None) of a dimension, whether a TF 1 ``Dimension`` or TF 2's plain int/None.

    >>> import tapegrad as tf
    >>> tf.compat.dimension_value(tf.compat.v1.Dimension(4)), tf.compat.dimension_value(None)
    (4, None)
    """
    return dimension.value if isinstance(dimension, Dimension) else dimension


def dimension_at_index(shape: Any, index: int) -> Dimension:
    """``shape``'s dimension ``index`` as a TF 1 ``Dimension`` (``Dimension(None)`` for an unknown rank).

    >>> import tapegrad as tf
    >>> tf.compat.dimension_at_index(tf.TensorShape([2, None]), 0)
    Dimension(2)
    """
    from .._shape import TensorShape

    shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    if shape.rank is None:
        return Dimension(None)
    return Dimension(shape.as_list()[index])


def __getattr__(name: str) -> Any:
    import importlib

    if name == "v1":
        return importlib.import_module(f"{__name__}.v1")
    if name == "v2":
        return importlib.import_module("tapegrad")
    raise AttributeError(f"module 'tapegrad.compat' has no attribute {name!r}")
