"""The rest of Keras 3's losses: hinge family, percentage/log errors, divergences, focal crossentropies, overlap
losses (Dice, Tversky), metric learning (Circle), noise-robust crossentropy and CTC. Re-exported by
``keras.losses``; every function is differentiable (tapegrad ops), in Keras 3's operation order.

>>> from tapegrad import keras
>>> round(float(keras.losses.Hinge()([[0.0, 1.0]], [[0.3, 0.8]])), 4)
0.75
>>> keras.losses.kld([[0.5, 0.5]], [[0.25, 0.75]]).numpy().astype(float).round(4).tolist()
[0.1438]
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import tapegrad as _tf

from . import backend
from .losses import Loss, LossFunctionWrapper, _binary_crossentropy_values, _pair, _tensor

__all__ = ["hinge", "squared_hinge", "categorical_hinge", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "cosine_similarity", "log_cosh", "kl_divergence", "poisson",
           "binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky", "circle",
           "categorical_generalized_cross_entropy", "ctc", "Hinge", "SquaredHinge", "CategoricalHinge",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity", "LogCosh",
           "KLDivergence", "Poisson", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "Dice", "Tversky",
           "Circle", "CategoricalGeneralizedCrossEntropy", "CTC"]


def _pred_true(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    """``y_pred`` as a tensor (its own dtype) and ``y_true`` cast to it, without rank matching."""
    y_pred = _tensor(y_pred)
    return _tensor(y_true, y_pred.dtype), y_pred


def _const(value: float, like: Any) -> Any:
    return _tf.constant(value, dtype=like.dtype)


def _hinge_labels(y_true: Any) -> Any:
    """Labels of 0/1 become -1/+1 (only when every label is 0 or 1, as Keras decides at run time)."""
    is_binary = _tf.reduce_all(_tf.logical_or(_tf.equal(y_true, 0), _tf.equal(y_true, 1)))
    return _tf.cond(is_binary, lambda: 2.0 * y_true - 1.0, lambda: y_true)


def hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are mapped to -1/+1 first.

    >>> from tapegrad import keras
    >>> keras.losses.hinge([[0.0, 1.0]], [[0.3, 0.8]]).numpy().astype(float).round(4).tolist()
    [0.75]
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return _tf.reduce_mean(_tf.maximum(1.0 - y_true * y_pred, _const(0.0, y_pred)), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`` (0/1 labels mapped to -1/+1).

    >>> from tapegrad import keras
    >>> keras.losses.squared_hinge([[0.0, 1.0]], [[0.3, 0.8]]).numpy().astype(float).round(4).tolist()
    [0.865]
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return _tf.reduce_mean(_tf.square(_tf.maximum(1.0 - y_true * y_pred, _const(0.0, y_pred))), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis.

    >>> from tapegrad import keras
    >>> keras.losses.categorical_hinge([[0.0, 1.0]], [[0.3, 0.8]]).numpy().astype(float).round(4).tolist()
    [0.5]
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    pos = _tf.reduce_sum(y_true * y_pred, axis=-1)
    neg = _tf.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return _tf.maximum(neg - pos + 1.0, _const(0.0, y_pred))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)``.

    >>> from tapegrad import keras
    >>> keras.losses.mape([[1.0, 2.0]], [[1.5, 1.0]]).numpy().astype(float).round(4).tolist()
    [50.0]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    eps = _const(backend.epsilon(), y_pred)
    diff = _tf.abs((y_true - y_pred) / _tf.maximum(_tf.abs(y_true), eps))
    return 100.0 * _tf.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(log(maximum(y_pred, eps) + 1) - log(maximum(y_true, eps) + 1)), axis=-1)``.

    >>> from tapegrad import keras
    >>> keras.losses.msle([[1.0, 0.0]], [[1.0, 1.0]]).numpy().astype(float).round(4).tolist()
    [0.2402]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    eps = _const(backend.epsilon(), y_pred)
    first = _tf.math.log(_tf.maximum(y_pred, eps) + 1.0)
    second = _tf.math.log(_tf.maximum(y_true, eps) + 1.0)
    return _tf.reduce_mean(_tf.square(first - second), axis=-1)


def _l2_normalize(x: Any, axis: Any) -> Any:
    """Keras's ``ops.normalize(order=2)``: ``x * minimum(rsqrt(sum(x²)), 1/epsilon)``."""
    inv = _tf.math.rsqrt(_tf.reduce_sum(_tf.square(x), axis=axis, keepdims=True))
    return x * _tf.minimum(inv, _const(1.0 / backend.epsilon(), x))


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Negative cosine similarity along ``axis`` (-1 for parallel vectors, 0 for orthogonal ones).

    >>> from tapegrad import keras
    >>> out = keras.losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    >>> out.numpy().astype(float).round(4).tolist()
    [-0.0, -1.0]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return -_tf.reduce_sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed stably as ``x + softplus(-2x) - log 2``.

    >>> from tapegrad import keras
    >>> keras.losses.log_cosh([[0.0, 1.0]], [[1.0, 1.0]]).numpy().astype(float).round(4).tolist()
    [0.2169]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return _tf.reduce_mean(x + _tf.math.softplus(x * -2.0) - _const(math.log(2.0), x), axis=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[epsilon, 1]``.

    >>> from tapegrad import keras
    >>> keras.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).numpy().astype(float).round(4).tolist()
    [0.1438]
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    eps = backend.epsilon()
    y_true = _tf.clip_by_value(y_true, eps, 1.0)
    y_pred = _tf.clip_by_value(y_pred, eps, 1.0)
    return _tf.reduce_sum(y_true * _tf.math.log(y_true / y_pred), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    """``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``.

    >>> from tapegrad import keras
    >>> keras.losses.poisson([[1.0, 0.0]], [[1.0, 2.0]]).numpy().astype(float).round(4).tolist()
    [1.5]
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    return _tf.reduce_mean(y_pred - y_true * _tf.math.log(y_pred + _const(backend.epsilon(), y_pred)), axis=-1)


def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Any:
    """Binary crossentropy down-weighted by ``(1 - p_t) ** gamma`` (and ``alpha`` per class if balancing).

    >>> from tapegrad import keras
    >>> out = keras.losses.binary_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]], gamma=2.0)
    >>> out.numpy().astype(float).round(4).tolist()
    [0.0817]
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = _tf.sigmoid(y_pred)
    bce = _binary_crossentropy_values(y_true, y_pred, False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = _tf.pow(1.0 - p_t, _const(gamma, p_t)) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return _tf.reduce_mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1) -> Any:
    """Categorical crossentropy weighted by ``alpha * (1 - p) ** gamma`` per class.

    >>> from tapegrad import keras
    >>> keras.losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.4, 0.6]]).numpy().astype(float).round(4).tolist()
    [0.0204]
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _pred_true(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn(f"In loss categorical_focal_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / float(y_true.shape[-1])
    if from_logits:
        y_pred = _tf.nn.softmax(y_pred, axis=axis)
    output = y_pred / _tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = _tf.clip_by_value(output, eps, 1.0 - eps)
    cce = -y_true * _tf.math.log(output)
    weighting = _tf.pow(1.0 - output, _const(gamma, output)) * alpha
    return _tf.reduce_sum(weighting * cce, axis=axis)


def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Any:
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + epsilon)`` over ``axis`` (all axes by default).

    >>> from tapegrad import keras
    >>> round(float(keras.losses.dice([[1.0, 0.0]], [[0.8, 0.2]])), 4)
    0.2
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    intersection = _tf.reduce_sum(y_true * y_pred, axis=axis)
    denom = _tf.reduce_sum(y_true, axis=axis) + _tf.reduce_sum(y_pred, axis=axis) + backend.epsilon()
    return 1 - (2.0 * intersection) / denom


def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Any:
    """``1 - TP / (TP + alpha * FP + beta * FN + epsilon)`` with soft counts over ``axis``.

    >>> from tapegrad import keras
    >>> round(float(keras.losses.tversky([[1.0, 0.0]], [[0.8, 0.2]], alpha=0.3, beta=0.7)), 4)
    0.2
    """
    y_true, y_pred = _pred_true(y_true, y_pred)
    intersection = _tf.reduce_sum(y_true * y_pred, axis=axis)
    fp = _tf.reduce_sum((1 - y_pred) * y_true, axis=axis)
    fn = _tf.reduce_sum(y_pred * (1 - y_true), axis=axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + backend.epsilon())


def _pos_neg_masks(query: Any, key: Any, remove_diagonal: bool) -> tuple[Any, Any]:
    if query.ndim == 1:
        query = _tf.reshape(query, (-1, 1))
    if key.ndim == 1:
        key = _tf.reshape(key, (-1, 1))
    positive = _tf.equal(query, _tf.transpose(key))
    negative = _tf.logical_not(positive)
    if remove_diagonal:
        eye = _tf.cast(_tf.eye(int(_tf.size(query)), int(_tf.size(key))), "bool")
        positive = _tf.logical_and(positive, _tf.logical_not(eye))
    return positive, negative


def circle(y_true: Any, y_pred: Any, ref_labels: Any = None, ref_embeddings: Any = None,
           remove_diagonal: bool = True, gamma: float = 80, margin: float = 0.4) -> Any:
    """Circle loss (Sun et al. 2020) of integer labels ``y_true`` and L2-normalized embeddings ``y_pred``: one
    value per sample; samples with a loss of 0 are masked out of the reduction (as Keras does).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], "float32")
    >>> keras.losses.circle([0, 0, 1], emb, gamma=2.0).numpy().astype(float).round(4).tolist()
    [0.4518, 0.7763, 0.0]
    """
    y_pred = _tensor(y_pred)
    y_true = _tf.cast(_tensor(y_true), "int32")
    ref_embeddings = y_pred if ref_embeddings is None else _tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else _tf.cast(_tensor(ref_labels), "int32")
    distances = _tf.maximum(1 - _tf.matmul(y_pred, _tf.transpose(ref_embeddings)), _const(0.0, y_pred))
    pos_mask_b, neg_mask_b = _pos_neg_masks(y_true, ref_labels, remove_diagonal)
    pos_mask = _tf.cast(pos_mask_b, distances.dtype)
    neg_mask = _tf.cast(neg_mask_b, distances.dtype)
    zero = _const(0.0, distances)
    pos_weights = _tf.maximum((margin + distances) * pos_mask, zero)
    neg_weights = _tf.maximum((1 + margin - distances) * neg_mask, zero)
    pos_wdists = -1 * gamma * pos_weights * (margin - distances)
    neg_wdists = gamma * neg_weights * ((1 - margin) - distances)
    ninf = _tf.fill(_tf.shape(distances), _const(float("-inf"), distances))
    p_loss = _tf.reduce_logsumexp(_tf.where(pos_mask_b, pos_wdists, ninf), axis=1)
    n_loss = _tf.reduce_logsumexp(_tf.where(neg_mask_b, neg_wdists, ninf), axis=1)
    loss = _tf.math.softplus(p_loss + n_loss)
    loss._keras_mask = loss > 0  # type: ignore[attr-defined]
    return loss


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Any:
    """Generalized crossentropy (Zhang & Sabuncu 2018) of integer labels: ``(1 - p_true ** q) / q``.

    >>> from tapegrad import keras
    >>> out = keras.losses.categorical_generalized_cross_entropy([1], [[0.36, 0.64]], q=0.5)
    >>> out.numpy().astype(float).round(4).tolist()
    [0.4]
    """
    y_pred = _tensor(y_pred)
    one_hot = _tf.cast(_tf.one_hot(_tf.cast(_tensor(y_true), "int32"), int(y_pred.shape[-1])), y_pred.dtype)
    p = _tf.reduce_sum(y_pred * one_hot, axis=-1)
    return (1 - _tf.pow(p, _const(q, p))) / q


def ctc(y_true: Any, y_pred: Any) -> Any:
    """Connectionist temporal classification loss of integer labels ``(batch, max_label_length)`` (0 is padding
    and the blank class) and logits ``(batch, time, classes)``: ``tf.nn.ctc_loss`` per sample.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> out = keras.losses.ctc(np.array([[1, 2]]), np.zeros((1, 4, 3), "float32"))
    >>> tuple(out.shape), round(float(out[0]), 4)
    ((1,), 1.6864)
    """
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    if y_true.ndim != 2:
        raise ValueError(f"Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in "
                         f"integer format. Received: y_true.shape={tuple(y_true.shape)}")
    if y_pred.ndim != 3:
        raise ValueError(f"Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                         f"num_classes)`. Received: y_pred.shape={tuple(y_pred.shape)}")
    batch, time = int(y_pred.shape[0]), int(y_pred.shape[1])
    labels = _tf.cast(y_true, "int32")
    label_length = _tf.cast(_tf.reduce_sum(_tf.cast(_tf.not_equal(labels, 0), "int32"), axis=-1), "int32")
    logit_length = _tf.fill([batch], time)
    return _tf.nn.ctc_loss(labels=labels, logits=y_pred, label_length=label_length, logit_length=logit_length,
                    logits_time_major=False, blank_index=0)


class _Wrapper(LossFunctionWrapper):
    """A loss class over one function; ``get_config`` is Keras's: name, reduction and the listed arguments."""

    _config_keys: tuple[str, ...] = ()

    def __init__(self, fn: Any, name: str, reduction: Any, dtype: Any, **kwargs: Any) -> None:
        super().__init__(fn, name=name, reduction=reduction, dtype=dtype, **kwargs)
        for key in self._config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self) -> dict[str, Any]:
        return {**Loss.get_config(self), **{k: getattr(self, k) for k in self._config_keys}}


def _simple(fn: Any, class_name: str, default_name: str, doc: str) -> type[_Wrapper]:
    def __init__(self: Any, reduction: Any = "sum_over_batch_size", name: str = default_name,
                 dtype: Any = None) -> None:
        _Wrapper.__init__(self, fn, name=name, reduction=reduction, dtype=dtype)

    return type(class_name, (_Wrapper,), {"__init__": __init__, "__doc__": doc, "__module__": "tapegrad.keras.losses"})


Hinge = _simple(hinge, "Hinge", "hinge", "Hinge loss (:func:`hinge`), reduced over the batch.")
SquaredHinge = _simple(squared_hinge, "SquaredHinge", "squared_hinge",
                       "Squared hinge loss (:func:`squared_hinge`), reduced over the batch.")
CategoricalHinge = _simple(categorical_hinge, "CategoricalHinge", "categorical_hinge",
                           "Categorical hinge loss (:func:`categorical_hinge`), reduced over the batch.")
MeanAbsolutePercentageError = _simple(mean_absolute_percentage_error, "MeanAbsolutePercentageError",
                                      "mean_absolute_percentage_error",
                                      "Mean absolute percentage error, reduced over the batch.")
MeanSquaredLogarithmicError = _simple(mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
                                      "mean_squared_logarithmic_error",
                                      "Mean squared logarithmic error, reduced over the batch.")
LogCosh = _simple(log_cosh, "LogCosh", "log_cosh", "Logarithm of the hyperbolic cosine of the error.")
KLDivergence = _simple(kl_divergence, "KLDivergence", "kl_divergence",
                       "Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``, reduced.")
Poisson = _simple(poisson, "Poisson", "poisson", "Poisson loss ``mean(y_pred - y_true * log(y_pred))``, reduced.")
CTC = _simple(ctc, "CTC", "ctc", "CTC loss (:func:`ctc`), reduced over the batch.")


class CosineSimilarity(_Wrapper):
    """Negative cosine similarity along ``axis``, reduced over the batch.

    >>> from tapegrad import keras
    >>> round(float(keras.losses.CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])), 4)
    -0.5
    """

    def __init__(self, axis: int = -1, reduction: Any = "sum_over_batch_size", name: str = "cosine_similarity",
                 dtype: Any = None) -> None:
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)


class BinaryFocalCrossentropy(_Wrapper):
    """Focal binary crossentropy (:func:`binary_focal_crossentropy`), reduced over the batch.

    >>> from tapegrad import keras
    >>> round(float(keras.losses.BinaryFocalCrossentropy(gamma=2.0)([[0.0, 1.0]], [[0.4, 0.6]])), 4)
    0.0817
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma")

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Any = "sum_over_batch_size", name: str = "binary_focal_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(_Wrapper):
    """Focal categorical crossentropy (:func:`categorical_focal_crossentropy`), reduced over the batch."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction: Any = "sum_over_batch_size",
                 name: str = "categorical_focal_crossentropy", dtype: Any = None) -> None:
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class Dice(_Wrapper):
    """Dice loss (:func:`dice`) over ``axis`` (all axes by default: one value for the batch)."""

    _config_keys = ("axis",)

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "dice", axis: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)


class Tversky(_Wrapper):
    """Tversky loss (:func:`tversky`): ``alpha`` weighs false positives, ``beta`` false negatives."""

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, reduction: Any = "sum_over_batch_size",
                 name: str = "tversky", axis: Any = None, dtype: Any = None) -> None:
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha, beta=beta, axis=axis)


class Circle(_Wrapper):
    """Circle loss (:func:`circle`) over the pairs of a batch of embeddings; zero-loss samples are masked out."""

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True,
                 reduction: Any = "sum_over_batch_size", name: str = "circle", dtype: Any = None) -> None:
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)


class CategoricalGeneralizedCrossEntropy(_Wrapper):
    """Generalized crossentropy (:func:`categorical_generalized_cross_entropy`) with ``0 < q < 1``."""

    _config_keys = ("q",)

    def __init__(self, q: float = 0.5, reduction: Any = "sum_over_batch_size",
                 name: str = "categorical_generalized_cross_entropy", dtype: Any = None) -> None:
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1); received q={q}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype, q=q)
