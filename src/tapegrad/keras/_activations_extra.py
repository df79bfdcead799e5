"""Keras 3.15's further activations (``keras.activations.celu``, ``glu``, ``hard_shrink``, ``hard_silu``/
``hard_swish``, ``hard_tanh``, ``log_sigmoid``, ``soft_shrink``, ``sparse_plus``, ``sparse_sigmoid``,
``sparsemax``, ``squareplus``, ``tanh_shrink``, ``threshold``), with Keras's TensorFlow-backend formulas. Each is
composed of differentiable tapegrad ops, so gradients (of any order) come from the tape.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> [round(v, 4) for v in keras.activations.get("hard_swish")(tf.constant([-4.0, 0.0, 1.0])).numpy().tolist()]
[-0.0, 0.0, 0.6667]
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

__all__ = ["celu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "soft_shrink",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold"]


def _t(x: Any) -> Any:
    return tg.convert_to_tensor(x)


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``.

    >>> from tapegrad import keras
    >>> [round(v, 4) for v in keras.activations.celu([-1.0, 2.0], alpha=2.0).numpy().tolist()]
    [-0.7869, 2.0]
    """
    x = _t(x)
    return tg.maximum(x, 0.0) + alpha * tg.math.expm1(tg.minimum(x, 0.0) / alpha)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis`` and return ``a * sigmoid(b)``.

    >>> from tapegrad import keras
    >>> keras.activations.glu([[1.0, 2.0, 0.0, 0.0]]).numpy().tolist()
    [[0.5, 1.0]]
    """
    x = _t(x)
    if int(x.shape[axis]) % 2:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2 (it is split into a value half and "
                         f"a gate half). Received: x.shape={tuple(x.shape)} with axis={axis}")
    a, b = tg.split(x, 2, axis=axis)
    return a * tg.sigmoid(b)


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > threshold``, else 0."""
    x = _t(x)
    return tg.where(tg.abs(x) > threshold, x, tg.zeros_like(x))


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)`` = ``x * relu6(x + 3) / 6`` (``hard_swish`` is the same function)."""
    x = _t(x)
    return x * (tg.nn.relu6(x + tg.cast(3.0, x.dtype)) / tg.cast(6.0, x.dtype))


hard_swish = hard_silu


def hard_tanh(x: Any) -> Any:
    """``x`` clipped to ``[-1, 1]``."""
    return tg.clip_by_value(_t(x), -1.0, 1.0)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))``, computed stably (``-softplus(-x)``)."""
    return tg.math.log_sigmoid(_t(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = _t(x)
    return tg.where(x > threshold, x - threshold, tg.where(x < -threshold, x + threshold, tg.zeros_like(x)))


def sparse_plus(x: Any) -> Any:
    """0 for ``x <= -1``, ``(x + 1)² / 4`` for ``-1 < x < 1``, ``x`` from 1 on (a smooth ReLU)."""
    x = _t(x)
    return tg.where(x <= -1, tg.zeros_like(x), tg.where(x < 1, 0.25 * tg.square(x + 1), x))


def sparse_sigmoid(x: Any) -> Any:
    """0 for ``x <= -1``, ``(x + 1) / 2`` between, 1 from 1 on."""
    x = _t(x)
    return tg.where(x <= -1, tg.zeros_like(x), tg.where(x >= 1, tg.ones_like(x), 0.5 * (x + 1)))


def sparsemax(x: Any, axis: int = -1) -> Any:
    """Keras 3.15's ``sparsemax``: ``max(x - tau, 0)`` with ``tau = (Σ_{support} cumsum(sorted x) - 1) / k``.

    Note: this is Keras's formula (every backend of Keras 3.15 sums the cumulative sums over the support), kept
    so values match Keras; the textbook sparsemax (Martins & Astudillo 2016) uses only the ``k``-th cumulative
    sum, ``tau = (cumsum_k - 1) / k``. They agree when one entry is in the support.

    >>> from tapegrad import keras
    >>> keras.activations.sparsemax([[3.0, 1.0, 0.5]]).numpy().tolist()
    [[1.0, 0.0, 0.0]]
    """
    x = _t(x)
    rank = len(x.shape)
    ax = axis % rank
    ordered = tg.sort(x, axis=ax, direction="DESCENDING")
    cums = tg.cumsum(ordered, axis=ax)
    shape = [1] * rank
    shape[ax] = -1
    r = tg.reshape(tg.range(1, int(x.shape[ax]) + 1, dtype=x.dtype), shape)
    support = ordered - (cums - 1) / r > 0
    k = tg.reduce_sum(tg.cast(support, x.dtype), axis=ax, keepdims=True)
    tau = (tg.reduce_sum(tg.where(support, cums, tg.zeros_like(cums)), axis=ax, keepdims=True) - 1) / k
    return tg.maximum(x - tau, 0.0)


def squareplus(x: Any, b: float = 4) -> Any:
    """``(x + sqrt(x² + b)) / 2``."""
    x = _t(x)
    return (x + tg.sqrt(tg.square(x) + tg.cast(b, x.dtype))) / 2


def tanh_shrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    x = _t(x)
    return x - tg.tanh(x)


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``.

    >>> from tapegrad import keras
    >>> keras.activations.threshold([0.5, 2.0], threshold=1.0, default_value=-1.0).numpy().tolist()
    [-1.0, 2.0]
    """
    x = _t(x)
    return tg.where(x > threshold, x, tg.cast(tg.fill(tg.shape(x), default_value), x.dtype))
