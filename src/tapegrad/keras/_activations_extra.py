"""Keras 3.15's further activations (``keras.activations.celu``, ``glu``, ``hard_shrink``, ``hard_silu``/
``hard_swish``, ``hard_tanh``, ``log_sigmoid``, ``soft_shrink``, ``sparse_plus``, ``sparse_sigmoid``,
``sparsemax``, ``squareplus``, ``tanh_shrink``, ``threshold``). As in Keras, each is the ``keras.ops`` function of
the same name (``tapegrad.keras.ops.nn``, imported on first use); gradients of any order come from the tape.

``sparsemax`` is the textbook projection onto the simplex, as ``keras.ops.sparsemax`` here: Keras 3.15 sums the
cumulative sums over the support instead of taking the ``k``-th one, which differs whenever two or more entries
are in the support (``[1, 1.5, 2]`` gives Keras's all-zero ``[0, 0, 0]``, here ``[0, 0.25, 0.75]``).

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> [round(v, 4) for v in keras.activations.get("hard_swish")(tf.constant([-4.0, 0.0, 1.0])).numpy().tolist()]
[-0.0, 0.0, 0.6667]
>>> keras.activations.sparsemax([[1.0, 1.5, 2.0]]).numpy().tolist()
[[0.0, 0.25, 0.75]]
"""

from __future__ import annotations

from typing import Any

__all__ = ["celu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "soft_shrink",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold"]


def _nn() -> Any:
    from .ops import nn

    return nn


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``.

    >>> from tapegrad import keras
    >>> [round(v, 4) for v in keras.activations.celu([-1.0, 2.0], alpha=2.0).numpy().tolist()]
    [-0.7869, 2.0]
    """
    return _nn().celu(x, alpha=alpha)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis`` and return ``a * sigmoid(b)``.

    >>> from tapegrad import keras
    >>> keras.activations.glu([[1.0, 2.0, 0.0, 0.0]]).numpy().tolist()
    [[0.5, 1.0]]
    """
    return _nn().glu(x, axis=axis)


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > threshold``, else 0."""
    return _nn().hard_shrink(x, threshold=threshold)


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)`` = ``x * relu6(x + 3) / 6`` (``hard_swish`` is the same function)."""
    return _nn().hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x: Any) -> Any:
    """``x`` clipped to ``[-1, 1]``."""
    return _nn().hard_tanh(x)


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))``, computed stably."""
    return _nn().log_sigmoid(x)


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return _nn().soft_shrink(x, threshold=threshold)


def sparse_plus(x: Any) -> Any:
    """0 for ``x <= -1``, ``(x + 1)² / 4`` for ``-1 < x < 1``, ``x`` from 1 on (a smooth ReLU)."""
    return _nn().sparse_plus(x)


def sparse_sigmoid(x: Any) -> Any:
    """0 for ``x <= -1``, ``(x + 1) / 2`` between, 1 from 1 on."""
    return _nn().sparse_sigmoid(x)


def sparsemax(x: Any, axis: int = -1) -> Any:
    """Sparsemax along ``axis``: ``max(x - tau, 0)`` with ``tau`` chosen so the result sums to 1 (see the module
    docstring for how this differs from Keras 3.15)."""
    return _nn().sparsemax(x, axis=axis)


def squareplus(x: Any, b: float = 4) -> Any:
    """``(x + sqrt(x² + b)) / 2``."""
    return _nn().squareplus(x, b=b)


def tanh_shrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    return _nn().tanh_shrink(x)


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``.

    >>> from tapegrad import keras
    >>> keras.activations.threshold([0.5, 2.0], threshold=1.0, default_value=-1.0).numpy().tolist()
    [-1.0, 2.0]
    """
    return _nn().threshold(x, threshold, default_value)
