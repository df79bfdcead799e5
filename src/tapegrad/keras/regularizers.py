"""``keras.regularizers``: weight penalties added to the training loss (``kernel_regularizer=...``).

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> float(keras.regularizers.L2(0.1)(tf.constant([1.0, 2.0])))
0.5
>>> layer = keras.layers.Dense(2, kernel_initializer="ones", kernel_regularizer="l2")
>>> _ = layer(tf.ones([1, 3]))
>>> [round(float(v), 4) for v in layer.losses]
[0.06]
"""

from __future__ import annotations

from typing import Any

from ..ops import reductions as _r
from ..ops import unary_math as _unary_math

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2", "orthogonal_regularizer",
           "get", "serialize", "deserialize"]


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar penalty."""

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)


class L1(Regularizer):
    """``l1 * sum(abs(x))`` (Keras's default ``l1=0.01``)."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = float(l1)

    def __call__(self, x: Any) -> Any:
        return self.l1 * _r.reduce_sum(_unary_math.abs(x))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(square(x))`` (Keras's default ``l2=0.01``)."""

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = float(l2)

    def __call__(self, x: Any) -> Any:
        return self.l2 * _r.reduce_sum(_unary_math.square(x))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))`` (both default to 0)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x: Any) -> Any:
        total: Any = 0.0
        if self.l1:
            total = total + self.l1 * _r.reduce_sum(_unary_math.abs(x))
        if self.l2:
            total = total + self.l2 * _r.reduce_sum(_unary_math.square(x))
        return total

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode="rows"``) or columns (``mode="columns"``) of a rank-2 weight towards orthogonality:
    ``factor · 0.5 · sum(|off-diagonal of the Gram matrix of the L2-normalized rows|) / (n (n - 1) / 2)``.

    >>> import tapegrad as tf
    >>> from tapegrad import keras
    >>> r = keras.regularizers.OrthogonalRegularizer(factor=1.0)
    >>> round(float(r(tf.constant([[1.0, 0.0], [1.0, 1.0]]))), 4)
    0.7071
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor < 0:
            raise ValueError(f"Invalid value for argument factor: expected a non-negative float. Received: "
                             f"factor={factor!r}")
        if mode not in ("rows", "columns"):
            raise ValueError(f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. Received: '
                             f"mode={mode}")
        self.factor, self.mode = float(factor), mode

    def __call__(self, x: Any) -> Any:
        import tapegrad as tf

        x = tf.convert_to_tensor(x)
        if len(x.shape) != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={x.shape}")
        axis = 1 if self.mode == "rows" else 0
        # Keras's L2 normalization: x · min(rsqrt(sum x²), 1/epsilon), epsilon = 1e-7
        inv_norm = tf.minimum(tf.math.rsqrt(_r.reduce_sum(tf.square(x), axis=axis, keepdims=True)), 1.0 / 1e-7)
        x = x * inv_norm
        product = tf.matmul(x, x, transpose_b=True) if axis == 1 else tf.matmul(x, x, transpose_a=True)
        size = int(x.shape[1 - axis])
        off_diagonal = product * (1.0 - tf.eye(size, dtype=x.dtype))
        num_pairs = size * (size - 1.0) / 2.0
        return tf.cast(self.factor, x.dtype) * 0.5 * _r.reduce_sum(_unary_math.abs(off_diagonal)) / num_pairs

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


l1, l2, orthogonal_regularizer = L1, L2, OrthogonalRegularizer


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An :class:`L1L2` with both factors 0.01 by default."""
    return L1L2(l1=l1, l2=l2)


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "L1": L1, "L2": L2, "L1L2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer, "OrthogonalRegularizer": OrthogonalRegularizer}


def serialize(regularizer: Any) -> Any:
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` description of a regularizer.

    >>> from tapegrad import keras
    >>> cfg = keras.regularizers.serialize(keras.regularizers.L1L2(l1=0.5))
    >>> cfg["class_name"], keras.regularizers.deserialize(cfg).get_config()
    ('L1L2', {'l1': 0.5, 'l2': 0.0})
    """
    from .saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(regularizer)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize` (a name such as ``"l2"`` gives a default instance)."""
    from ._config_io import deserialize_config

    return deserialize_config(config, custom_objects, get, _BY_NAME)


def get(identifier: Any) -> Any:
    """A regularizer from a name (``"l2"``), an instance or a callable; None gives None."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
