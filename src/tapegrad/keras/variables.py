"""``keras.Variable``: the weights of Keras layers, with Keras 3's conventions on top of a ``tapegrad.Variable``.

Keras 3 variables are not TF variables: the name is bare (``"kernel"``), the scope is in ``path``
(``"dense_1/kernel"``), ``dtype`` is a string, ``assign`` returns the new value as a tensor, and the repr is
``<Variable path=dense_1/kernel, shape=(5, 10), dtype=float32, value=...>``. Each one wraps a plain
``tapegrad.Variable`` (``v.value``, as Keras 3's ``v.value`` is a ``ResourceVariable``): ops unwrap it on
conversion, so a tape watches and records the wrapped variable exactly as it does for ``tf.Variable`` code, and
``tape.gradient(y, layer.trainable_weights)`` returns tensors. The eager dispatcher's fast path (which checks
``type(x) is Variable``) is untouched; layers hand the wrapped variable to ops directly.

>>> import numpy as np
>>> import tapegrad as tf
>>> from tapegrad import keras
>>> v = keras.Variable(np.array([1.0, 2.0], "float32"), name="w")
>>> v.name, v.path, v.dtype, isinstance(v, tf.Variable)
('w', 'w', 'float32', False)
>>> v.assign([3.0, 4.0])
<tapegrad.Tensor: shape=(2,), dtype=float32, numpy=array([3., 4.], dtype=float32)>
>>> with tf.GradientTape() as tape:
...     y = tf.reduce_sum(v * v)
>>> tape.gradient(y, v).numpy().tolist()
[6.0, 8.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import TensorShape, _TensorLike
from .._tensor import Variable as _TGVariable
from ..ops import core as _core
from ._autocast import ACTIVE as _SCOPES_ACTIVE
from ._autocast import SCOPE as _AUTOCAST
from ._scopes import STATELESS as _STATELESS

__all__ = ["Variable", "unwrap"]


class Variable(_TensorLike):
    """A Keras 3 variable: ``Variable(initializer, shape=None, dtype=None, trainable=True, name=None)``.

    ``initializer`` is a value (array, tensor, number) or an initializer (a callable or a name such as
    ``"zeros"``) called with ``shape`` and ``dtype``.
    """

    __slots__ = ("_var", "_path", "_bare_name", "constraint", "regularizer", "autocast", "__weakref__")

    def __init__(self, initializer: Any, shape: Any = None, dtype: Any = None, trainable: bool = True,
                 autocast: bool = True, aggregation: str = "none", synchronization: str = "auto",
                 name: str | None = None, path: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. Received: "
                             f"name={name}")
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, _TensorLike)):
            if shape is None:
                raise ValueError(f"When creating a Variable from an initializer, the `shape` argument should be "
                                 f"specified. Received: initializer={initializer} and shape={shape}")
            from . import initializers

            dt = _dtypes.as_dtype(dtype or "float32").name
            value = initializers.get(initializer)(tuple(int(d) for d in shape), dtype=dt)
        else:
            value = unwrap(initializer)
            if dtype is None and not isinstance(value, _TensorLike):
                arr = np.asarray(value)
                dtype = "float32" if arr.dtype.kind == "f" or arr.dtype == np.dtype(object) else arr.dtype.name
        name = name or "variable"
        self._bare_name = name
        if path is None:
            from .backend import current_path

            path = current_path(name)  # inside keras.name_scope("outer"): "outer/<name>"
        self._path = path
        self._var = _TGVariable(value, trainable=trainable, name=name, dtype=dtype)
        self.constraint = None
        self.regularizer = None
        self.autocast = bool(autocast)

    @classmethod
    def _wrap(cls, var: _TGVariable, name: str, path: str, autocast: bool = True) -> Variable:
        self = cls.__new__(cls)
        self._var, self._bare_name, self._path = var, name, path
        self.constraint = self.regularizer = None
        self.autocast = autocast
        return self

    # -- what ops and tapes see: the wrapped variable --------------------------------------------------------------
    def _autocasts(self) -> bool:
        """Inside a mixed-precision layer's call (``keras._autocast``), a floating variable is read cast."""
        dt = _AUTOCAST.dtype
        return dt is not None and self.autocast and self._var._value.dtype.kind in "fV" and dt != self._var.dtype.name

    def _scoped_read(self) -> Any:
        """The value inside a ``keras.StatelessScope`` (its mapped or assigned value) and/or a mixed-precision
        layer's call (cast to the compute dtype)."""
        value = self._var
        scope = _STATELESS.scope
        if scope is not None:
            mapped = scope.get_current_value(self)
            if mapped is not None:
                value = mapped
        if _AUTOCAST.dtype is not None and self._autocasts():
            value = _core.cast(value, _AUTOCAST.dtype)
        return value

    @property
    def value(self) -> Any:
        """The wrapped ``tapegrad.Variable`` (Keras 3: the backend variable); inside a mixed-precision layer's
        ``call``, its value cast to the compute dtype (Keras 3's autocast); inside a ``keras.StatelessScope``, the
        scope's value for it."""
        if _SCOPES_ACTIVE[0]:  # an autocast or stateless scope in some thread: look at this thread's
            return self._scoped_read()
        return self._var

    def _dense(self) -> Any:  # the conversion hook ops use (``ops._common.to_tensor``)
        if _SCOPES_ACTIVE[0]:  # an autocast or stateless scope in some thread: look at this thread's
            return self._scoped_read()
        return self._var

    @property
    def _value(self) -> Any:
        return self._var._value

    @_value.setter
    def _value(self, new: Any) -> None:
        self._var._value = new

    @property
    def _xp(self) -> Any:
        return self._var._xp

    @property
    def _id(self) -> int:
        return self._var._id

    # -- Keras 3 attributes ----------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._bare_name

    @property
    def path(self) -> str:
        return self._path

    @property
    def dtype(self) -> str:  # type: ignore[override]
        """The dtype name; inside a mixed-precision layer's call, the compute dtype it is read as (Keras 3)."""
        if _SCOPES_ACTIVE[0] and _AUTOCAST.dtype is not None and self._autocasts():
            return _AUTOCAST.dtype
        return self._var.dtype.name

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._var._value.shape)

    @property
    def trainable(self) -> bool:
        return self._var._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._var._trainable = bool(value)

    @property
    def _trainable(self) -> bool:
        return self._var._trainable

    @_trainable.setter
    def _trainable(self, value: bool) -> None:
        self._var._trainable = bool(value)

    def numpy(self) -> Any:
        if _SCOPES_ACTIVE[0] and _STATELESS.scope is not None:
            return self._scoped_read().numpy()
        return self._var.numpy()

    def read_value(self) -> Any:
        return _core.identity(self._var)

    # -- assignment: Keras 3 returns the new value as a tensor --------------------------------------------------------
    def assign(self, value: Any) -> Any:
        if _SCOPES_ACTIVE[0] and _STATELESS.scope is not None:  # recorded in the scope; the variable keeps its value
            _STATELESS.scope.add_update((self, unwrap(value)))
            return _STATELESS.scope.get_current_value(self)
        self._var.assign(_plain_value(value, self._var))
        return _core.identity(self._var)

    def assign_add(self, value: Any) -> Any:
        if _SCOPES_ACTIVE[0] and _STATELESS.scope is not None:
            return self.assign(self._scoped_read() + _plain_value(value, self._var))
        self._var.assign_add(_plain_value(value, self._var))
        return _core.identity(self._var)

    def assign_sub(self, value: Any) -> Any:
        if _SCOPES_ACTIVE[0] and _STATELESS.scope is not None:
            return self.assign(self._scoped_read() - _plain_value(value, self._var))
        self._var.assign_sub(_plain_value(value, self._var))
        return _core.identity(self._var)

    def __repr__(self) -> str:
        value = self._var._numpy_value()
        return f"<Variable path={self._path}, shape={tuple(self._var._value.shape)}, dtype={self.dtype}, value={value}>"

    def __hash__(self) -> int:  # Keras code keys dicts by variable; == stays elementwise, as for tensors
        return id(self)


def _plain_value(value: Any, var: _TGVariable) -> Any:
    value = unwrap(value)
    if isinstance(value, _TensorLike):
        return value
    return np.asarray(value, dtype=var._value.dtype)


def unwrap(x: Any) -> Any:
    """The ``tapegrad.Variable`` inside a Keras variable; anything else as is."""
    return x._var if type(x) is Variable else x
