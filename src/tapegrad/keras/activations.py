"""``keras.activations``: activation functions, looked up by name with :func:`get`.

``softmax`` and ``sigmoid`` remember the logits they were applied to, as Keras does on the TensorFlow backend:
a probabilistic loss given such an output (``from_logits=False``) then computes from the logits, which is more
accurate than clipping probabilities.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> keras.activations.get("relu")(tf.constant([-1.0, 2.0])).numpy().tolist()
[0.0, 2.0]
>>> keras.activations.get(None) is keras.activations.linear, keras.activations.serialize(keras.activations.tanh)
(True, 'tanh')
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from .. import math as _tfmath
from .. import nn as _nn
from ..ops import activations as _activations
from ..ops import arithmetic as _arithmetic
from ..ops import clip_ops as _clip_ops
from ..ops import comparison as _comparison
from ..ops import core as _core
from ..ops import indexing as _indexing
from ..ops import trigonometric as _trigonometric
from ..ops import unary_math as _unary_math

__all__ = ["relu", "relu6", "sigmoid", "softmax", "log_softmax", "tanh", "linear", "elu", "selu", "softplus",
           "softsign", "swish", "silu", "gelu", "exponential", "leaky_relu", "hard_sigmoid", "mish", "get",
           "serialize", "deserialize"]

_LOGITS: dict[int, tuple[weakref.ref, Any]] = {}


def _remember_logits(output: Any, logits: Any) -> Any:
    key = id(output)
    try:
        ref = weakref.ref(output, lambda _r, k=key: _LOGITS.pop(k, None))
    except TypeError:  # not weak-referenceable (never the case for tapegrad tensors)
        return output
    _LOGITS[key] = (ref, logits)
    return output


def logits_of(output: Any) -> Any:
    """The logits ``output`` was computed from by :func:`softmax`/:func:`sigmoid`, or None."""
    entry = _LOGITS.get(id(output))
    if entry is not None and entry[0]() is output:
        return entry[1]
    return None


def _t(x: Any) -> Any:
    return _core.convert_to_tensor(x)


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Any:
    """``max(x, 0)``, with Keras's optional leaky slope, cap and threshold.

    >>> import tapegrad as tf
    >>> from tapegrad.keras import activations
    >>> activations.relu(tf.constant([-2.0, 0.5, 9.0]), negative_slope=0.5, max_value=6.0).numpy().tolist()
    [-1.0, 0.5, 6.0]
    """
    x = _t(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return _nn.leaky_relu(x, alpha=negative_slope)
    negative_part = None
    if negative_slope != 0.0:
        neg = _arithmetic.negative(x)
        negative_part = _nn.relu(neg + threshold) if threshold != 0 else _nn.relu(neg)
    clip_max = max_value is not None
    if threshold != 0:  # x where x > threshold, else 0
        x = _indexing.where(_comparison.greater(x, float(threshold)), x, _core.zeros_like(x))
    elif max_value == 6:
        x = _nn.relu6(x)
        clip_max = False
    else:
        x = _nn.relu(x)
    if clip_max:
        x = _clip_ops.clip_by_value(x, 0.0, float(max_value))
    if negative_part is not None:
        x = x - negative_part * float(negative_slope)
    return x


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``."""
    return _nn.relu6(_t(x))


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))``; the output remembers ``x`` as its logits."""
    x = _t(x)
    return _remember_logits(_activations.sigmoid(x), x)


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(x) / sum(exp(x), axis)``; the output remembers ``x`` as its logits.

    >>> import tapegrad as tf
    >>> from tapegrad.keras import activations
    >>> [round(v, 4) for v in activations.softmax(tf.constant([[0.0, 1.0]])).numpy()[0].tolist()]
    [0.2689, 0.7311]
    """
    x = _t(x)
    return _remember_logits(_nn.softmax(x, axis=axis), x)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x, axis)``."""
    return _nn.log_softmax(_t(x), axis=axis)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return _trigonometric.tanh(_t(x))


def linear(x: Any) -> Any:
    """The identity (the activation of ``activation=None``)."""
    return x


def elu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    x = _t(x)
    y = _nn.elu(x)
    if alpha == 1.0:
        return y
    return _indexing.where(_comparison.greater(x, 0.0), y, _arithmetic.multiply(y, float(alpha)))


def selu(x: Any) -> Any:
    """Scaled exponential linear unit."""
    return _nn.selu(_t(x))


def softplus(x: Any) -> Any:
    """``log(exp(x) + 1)``."""
    return _nn.softplus(_t(x))


def softsign(x: Any) -> Any:
    """``x / (abs(x) + 1)``."""
    return _nn.softsign(_t(x))


def silu(x: Any) -> Any:
    """``x * sigmoid(x)`` (also called swish)."""
    return _nn.silu(_t(x))


swish = silu


def gelu(x: Any, approximate: bool = False) -> Any:
    """Gaussian error linear unit (exact by default, as Keras)."""
    return _nn.gelu(_t(x), approximate=approximate)


def exponential(x: Any) -> Any:
    """``exp(x)``."""
    return _unary_math.exp(_t(x))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """``x`` if ``x > 0`` else ``negative_slope * x`` (Keras's default slope is 0.2)."""
    return _nn.leaky_relu(_t(x), alpha=negative_slope)


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``."""
    return _arithmetic.divide(_nn.relu6(_t(x) + 3.0), 6.0)


def mish(x: Any) -> Any:
    """``x * tanh(softplus(x))``."""
    x = _t(x)
    return _arithmetic.multiply(x, _trigonometric.tanh(_tfmath.softplus(x)))


_BY_NAME: dict[str, Callable[..., Any]] = {
    "relu": relu, "relu6": relu6, "sigmoid": sigmoid, "softmax": softmax, "log_softmax": log_softmax,
    "tanh": tanh, "linear": linear, "elu": elu, "selu": selu, "softplus": softplus, "softsign": softsign,
    "swish": swish, "silu": silu, "gelu": gelu, "exponential": exponential, "leaky_relu": leaky_relu,
    "hard_sigmoid": hard_sigmoid, "mish": mish,
}

# Keras 3.15's further activations (celu, glu, hard_silu/hard_swish, sparsemax, ...) live in _activations_extra.py
from ._activations_extra import *  # noqa: E402,F403
from ._activations_extra import __all__ as _EXTRA  # noqa: E402

_BY_NAME.update({name: globals()[name] for name in _EXTRA})
__all__ += _EXTRA


def get(identifier: Any) -> Callable[..., Any]:
    """An activation function from a name (``"relu"``), a callable, or None (→ :func:`linear`)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: {identifier}")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")


def serialize(activation: Callable[..., Any]) -> str:
    """The registered name of an activation function (its ``__name__`` otherwise)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return "silu" if fn is silu else "hard_silu" if fn is hard_silu else name  # noqa: F405
    return getattr(activation, "__name__", str(activation))


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Callable[..., Any]:
    """The activation function named by ``config``."""
    if custom_objects and isinstance(config, str) and config in custom_objects:
        return custom_objects[config]
    return get(config)
