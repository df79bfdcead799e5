"""The rest of Keras 3's metrics: loss-valued means (crossentropies, hinges, divergences, percentage and log
errors), correlations, R², F-scores, IoU from a confusion matrix, and the "X at fixed Y" threshold metrics.
Re-exported by ``keras.metrics``; streaming as Keras (``update_state`` / ``result`` / ``reset_state``), states in
NumPy like the other metrics.

>>> from tapegrad import keras
>>> m = keras.metrics.MeanIoU(num_classes=2)
>>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
>>> round(float(m.result()), 4)
0.3333
>>> m = keras.metrics.R2Score()
>>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.5], [2.5]])
>>> round(float(m.result()), 4)
0.75
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import backend, losses
from .metrics import (
    MeanMetricWrapper,
    Metric,
    _confusion_update,
    _divide_no_nan,
    _np,
    _out,
    _same_rank,
)

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
           "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "CosineSimilarity", "LogCoshError", "PearsonCorrelation",
           "ConcordanceCorrelation", "R2Score", "FBetaScore", "F1Score", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU",
           "OneHotMeanIoU", "SensitivityAtSpecificity", "SpecificityAtSensitivity", "PrecisionAtRecall",
           "RecallAtPrecision", "cosine_similarity", "pearson_correlation", "concordance_correlation"]

_EPS = np.float32(1e-7)


# -- functions ----------------------------------------------------------------------------------------------------


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    p = _np(y_pred)
    return _same_rank(_np(y_true).astype(p.dtype), p)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Cosine similarity along ``axis`` (the metric's sign: 1 for parallel vectors).

    >>> from tapegrad import keras
    >>> keras.metrics.CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]).numpy().round(4)
    np.float32(0.5)
    """
    t, p = _pair(y_true, y_pred)

    def norm(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            inv = 1 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
        return x * np.minimum(inv, 1 / np.float32(backend.epsilon())).astype(x.dtype)

    return _out(np.sum(norm(t) * norm(p), axis=axis))


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Pearson correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``.

    >>> from tapegrad import keras
    >>> keras.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]]).numpy().astype(float).round(4).tolist()
    [0.9934]
    """
    t, p = _pair(y_true, y_pred)
    tn = t - np.mean(t, axis=axis, keepdims=True)
    pn = p - np.mean(p, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        tn = tn / np.std(tn, axis=axis, keepdims=True)
        pn = pn / np.std(pn, axis=axis, keepdims=True)
    return _out(np.mean(tn * pn, axis=axis))


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Lin's concordance correlation coefficient along ``axis`` (Keras's formula, ``epsilon`` in the denominator).

    >>> from tapegrad import keras
    >>> out = keras.metrics.concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    >>> out.numpy().astype(float).round(4).tolist()
    [1.0]
    """
    t, p = _pair(y_true, y_pred)
    t_mean = np.mean(t, axis=axis, keepdims=True)
    p_mean = np.mean(p, axis=axis, keepdims=True)
    t_var = np.var(t - t_mean, axis=axis, keepdims=True)
    p_var = np.var(p - p_mean, axis=axis, keepdims=True)
    covar = (t - p_mean) * (p - p_mean)
    norm = t_var + p_var + np.square(t_mean - p_mean)
    return _out(np.mean(2 * covar / (norm + _EPS), axis=axis))


# -- mean of a per-sample value -----------------------------------------------------------------------------------


class _Wrapped(MeanMetricWrapper):
    """A mean metric over one function; ``get_config`` is Keras's (name, dtype and the listed arguments)."""

    _config_keys: tuple[str, ...] = ()

    def __init__(self, fn: Callable[..., Any], name: str, dtype: Any, **kwargs: Any) -> None:
        super().__init__(fn, name=name, dtype=dtype, **kwargs)
        for key in self._config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, **{k: getattr(self, k) for k in self._config_keys}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


def _wrapped(fn: Callable[..., Any], class_name: str, default_name: str, doc: str) -> type[_Wrapped]:
    def __init__(self: Any, name: str = default_name, dtype: Any = None) -> None:
        _Wrapped.__init__(self, fn, name=name, dtype=dtype)

    return type(class_name, (_Wrapped,), {"__init__": __init__, "__doc__": doc,
                                          "__module__": "tapegrad.keras.metrics"})


KLDivergence = _wrapped(losses.kl_divergence, "KLDivergence", "kl_divergence",
                        "Streaming mean of the Kullback-Leibler divergence.")
Poisson = _wrapped(losses.poisson, "Poisson", "poisson", "Streaming mean of the Poisson loss.")
Hinge = _wrapped(losses.hinge, "Hinge", "hinge", "Streaming mean of the hinge loss.")
SquaredHinge = _wrapped(losses.squared_hinge, "SquaredHinge", "squared_hinge",
                        "Streaming mean of the squared hinge loss.")
CategoricalHinge = _wrapped(losses.categorical_hinge, "CategoricalHinge", "categorical_hinge",
                            "Streaming mean of the categorical hinge loss.")
MeanAbsolutePercentageError = _wrapped(losses.mean_absolute_percentage_error, "MeanAbsolutePercentageError",
                                       "mean_absolute_percentage_error",
                                       "Streaming mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapped(losses.mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
                                       "mean_squared_logarithmic_error",
                                       "Streaming mean squared logarithmic error.")
LogCoshError = _wrapped(losses.log_cosh, "LogCoshError", "logcosh",
                        "Streaming mean of ``log(cosh(y_pred - y_true))``.")


class BinaryCrossentropy(_Wrapped):
    """Streaming mean binary crossentropy (``from_logits``, ``label_smoothing``).

    >>> from tapegrad import keras
    >>> m = keras.metrics.BinaryCrossentropy()
    >>> m.update_state([[0.0, 1.0]], [[0.4, 0.6]])
    >>> round(float(m.result()), 5)
    0.51083
    """

    _config_keys = ("from_logits", "label_smoothing")

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0) -> None:
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapped):
    """Streaming mean categorical crossentropy (``from_logits``, ``label_smoothing``, ``axis``)."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0, axis: int = -1) -> None:
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapped):
    """Streaming mean crossentropy of integer labels (``from_logits``, ``ignore_class``, ``axis``)."""

    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None, from_logits: bool = False,
                 ignore_class: int | None = None, axis: int = -1) -> None:
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)


class CosineSimilarity(_Wrapped):
    """Streaming mean cosine similarity along ``axis`` (``get_config`` has no ``axis``, as Keras)."""

    _direction = "up"

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class PearsonCorrelation(_Wrapped):
    """Streaming mean of the per-row Pearson correlation along ``axis``."""

    _direction = "up"

    _config_keys = ("axis",)

    def __init__(self, name: str = "pearson_correlation", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_Wrapped):
    """Streaming mean of the per-row concordance correlation along ``axis``."""

    _direction = "up"

    _config_keys = ("axis",)

    def __init__(self, name: str = "concordance_correlation", dtype: Any = None, axis: int = -1) -> None:
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)


# -- R², F-scores -------------------------------------------------------------------------------------------------


def _check_2d(metric: str, t: np.ndarray, p: np.ndarray) -> None:
    if t.ndim != 2 or p.ndim != 2:
        raise ValueError(f"{metric} expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                         f"y_pred.shape={p.shape} and y_true.shape={t.shape}.")


class _ZeroReset(Metric):
    """States created on the first ``update_state`` (their shape comes from the data); reset to zeros."""

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), dtype=v.dtype.as_numpy_dtype))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


class R2Score(_ZeroReset):
    """Coefficient of determination over everything seen, per output column, aggregated by ``class_aggregation``
    (``"uniform_average"``, ``"variance_weighted_average"`` or ``None``); ``num_regressors`` > 0 gives the
    adjusted R².

    >>> from tapegrad import keras
    >>> m = keras.metrics.R2Score(class_aggregation=None)
    >>> m.update_state([[1.0, 0.0], [2.0, 1.0], [3.0, 3.0]], [[1.0, 0.0], [2.5, 1.0], [2.5, 2.0]])
    >>> m.result().numpy().astype(float).round(4).tolist()
    [0.75, 0.7857]
    """

    _direction = "up"

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str = "r2_score", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {valid}. Received: "
                             f"class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value >= 0. Received: "
                             f"num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(shape=(), name="num_samples")
        self._built = False

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t, p = _same_rank(_np(y_true, np.float32), _np(y_pred, np.float32))
        if not self._built:
            _check_2d("R2Score", t, p)
            n = p.shape[-1]
            self.squared_sum = self.add_variable(shape=(n,), name="squared_sum")
            self.sum = self.add_variable(shape=(n,), name="sum")
            self.total_mse = self.add_variable(shape=(n,), name="residual")
            self.count = self.add_variable(shape=(n,), name="count")
            self._built = True
        w = np.float32(1) if sample_weight is None else _np(sample_weight, np.float32)
        if np.ndim(w) == 1:
            w = w[:, None]
        w = np.broadcast_to(w, t.shape)
        wt = t * w
        self.sum.assign(self.sum.numpy() + np.sum(wt, axis=0))
        self.squared_sum.assign(self.squared_sum.numpy() + np.sum(t * wt, axis=0))
        self.total_mse.assign(self.total_mse.numpy() + np.sum((t - p) ** 2 * w, axis=0))
        self.count.assign(self.count.numpy() + np.sum(w, axis=0))
        self.num_samples.assign(self.num_samples.numpy() + np.float32(t.size))

    def result(self) -> Any:
        if not self._built:
            return _out(np.float32("nan"))
        s, count = self.sum.numpy(), self.count.numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s / count
            total = self.squared_sum.numpy() - s * mean
            raw = 1 - self.total_mse.numpy() / total
        raw = np.where(np.isinf(raw), np.float32(0), raw).astype(np.float32)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw, dtype=np.float32)
        elif self.class_aggregation == "variance_weighted_average":
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.float32(np.sum(total * raw) / np.sum(total))
        else:
            score = raw
        if self.num_regressors != 0:
            n = float(self.num_samples.numpy())
            if self.num_regressors > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            elif self.num_regressors == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = np.float32(1.0) - (np.float32(1.0) - score) * np.float32(n - 1.0) / np.float32(
                    n - self.num_regressors - 1.0)
        return _out(score)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


class FBetaScore(_ZeroReset):
    """F-beta score of multi-label (or one-hot) predictions: per class (``average=None``), ``"micro"``,
    ``"macro"`` or ``"weighted"``; predictions count as positive above ``threshold`` (default: the row maximum).

    >>> from tapegrad import keras
    >>> m = keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 1, 0], [0, 1, 1]], [[0.9, 0.2, 0.6], [0.1, 0.8, 0.7]])
    >>> m.result().numpy().astype(float).round(4).tolist()
    [1.0, 0.5556, 0.8333]
    """

    _direction = "up"

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str = "fbeta_score", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"Invalid `average` argument value. Expected one of: {{None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} of "
                             f"type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid `threshold` argument value. It should be a Python float. Received: "
                                 f"threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t, p = _np(y_true, np.float32), _np(y_pred, np.float32)
        if not self._built:
            _check_2d("FBetaScore", t, p)
            shape = () if self.average == "micro" else (p.shape[-1],)
            for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
                setattr(self, name, self.add_variable(shape=shape, name=name))
            self._built = True
        if self.threshold is None:
            pos = (p >= np.max(p, axis=-1, keepdims=True)) & (np.abs(p) > 1e-9)
        else:
            pos = p > np.float32(self.threshold)
        p = pos.astype(np.float32)
        w = None if sample_weight is None else _np(sample_weight, np.float32)[:, None]

        def wsum(v: np.ndarray) -> np.ndarray:
            return np.sum(v if w is None else v * w, axis=self.axis, dtype=np.float32)

        for var, v in ((self.true_positives, p * t), (self.false_positives, p * (1 - t)),
                       (self.false_negatives, (1 - p) * t), (self.intermediate_weights, t)):
            var.assign(var.numpy() + wsum(v))

    def result(self) -> Any:
        if not self._built:
            return _out(np.float32(0))
        tp, fp, fn = self.true_positives.numpy(), self.false_positives.numpy(), self.false_negatives.numpy()
        precision = tp / (tp + fp + _EPS)
        recall = tp / (tp + fn + _EPS)
        b2 = np.float32(self.beta ** 2)
        f = precision * recall / (b2 * precision + recall + _EPS) * (1 + b2)
        if self.average == "weighted":
            iw = self.intermediate_weights.numpy()
            f = np.sum(f * (iw / (np.sum(iw) + _EPS)), dtype=np.float32)
        elif self.average is not None:
            f = np.mean(f, dtype=np.float32)
        return _out(f)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (:class:`FBetaScore` with ``beta=1``).

    >>> from tapegrad import keras
    >>> m = keras.metrics.F1Score(average="micro", threshold=0.5)
    >>> m.update_state([[1, 1, 0], [0, 1, 1]], [[0.9, 0.2, 0.6], [0.1, 0.8, 0.7]])
    >>> round(float(m.result()), 4)
    0.75
    """

    def __init__(self, average: str | None = None, threshold: float | None = None, name: str = "f1_score",
                 dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config


# -- IoU ----------------------------------------------------------------------------------------------------------


class IoU(_ZeroReset):
    """Intersection over union of the classes ``target_class_ids``, from a streaming ``num_classes`` ×
    ``num_classes`` confusion matrix (integer counts, dtype ``int64`` by default; float weights are truncated,
    as Keras does). Labels (or predictions) outside ``[0, num_classes)`` and ``ignore_class`` are skipped;
    ``sparse_y_true=False`` / ``sparse_y_pred=False`` take one-hot / score rows (their argmax along ``axis``).

    >>> from tapegrad import keras
    >>> m = keras.metrics.IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)
    0.3333
    """

    _direction = "up"

    def __init__(self, num_classes: int, target_class_ids: Sequence[int], name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        dtype = "int64" if dtype in (None, "int") else dtype
        super().__init__(name=name, dtype=dtype)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is [0, {num_classes}).")
        self.num_classes, self.target_class_ids = num_classes, list(target_class_ids)
        self.ignore_class, self.sparse_y_true, self.sparse_y_pred, self.axis = (ignore_class, sparse_y_true,
                                                                                sparse_y_pred, axis)
        self.total_cm = self.add_variable(shape=(num_classes, num_classes), name="total_confusion_matrix",
                                          dtype=self._dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        dt = np.dtype(self._dtype)
        t, p = _np(y_true), _np(y_pred)
        if not self.sparse_y_true:
            t = np.argmax(t, axis=self.axis)
        if not self.sparse_y_pred:
            p = np.argmax(p, axis=self.axis)
        t, p = t.astype(dt).reshape(-1), p.astype(dt).reshape(-1)
        if sample_weight is None:
            w = np.ones(t.shape, dt)
        else:
            if getattr(sample_weight, "dtype", None) is not None and "float" in str(sample_weight.dtype) \
                    and "int" in self._dtype:
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may result in an "
                              "incorrect weight due to type casting Consider using integer weights.", stacklevel=2)
            w = _np(sample_weight).astype(dt)
            w = w.reshape(-1) if w.ndim > 1 else w
            if w.ndim and w.shape != t.shape:
                from ..errors import InvalidArgumentError

                raise InvalidArgumentError(f"{type(self).__name__}: sample_weight of {w.shape[0]} values cannot be "
                                           f"broadcast to the {t.shape[0]} flattened labels; give one weight per "
                                           "label (the same shape as y_true).")
            w = np.broadcast_to(w, t.shape)
        n = self.num_classes
        valid = (t >= 0) & (t < n) & (p >= 0) & (p < n)
        if self.ignore_class is not None:
            valid &= t != self.ignore_class
        cm = np.zeros((n, n), dt)
        np.add.at(cm, (t[valid].astype(np.int64), p[valid].astype(np.int64)), w[valid])
        self.total_cm.assign(self.total_cm.numpy() + cm)

    def result(self) -> Any:
        cm = self.total_cm.numpy()
        tp = np.diag(cm).astype(np.float32)
        denom = (cm.sum(axis=0) + cm.sum(axis=1)).astype(np.float32) - tp
        ids = np.asarray(self.target_class_ids, np.int64)
        tp, denom = tp[ids], denom[ids]
        valid = denom > 1e-9
        iou = np.where(valid, tp / (denom + _EPS), np.float32(0)).astype(np.float32)
        return _out(np.sum(iou, axis=self.axis) / (np.float32(np.sum(valid)) + _EPS))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels and scores: a prediction is class 1 when ``y_pred >= threshold``.

    >>> from tapegrad import keras
    >>> m = keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)
    >>> m.update_state([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6])
    >>> round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, target_class_ids: Sequence[int] = (0, 1), threshold: float = 0.5, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        dt = np.dtype(self._dtype)
        p = (_np(y_pred, np.float32) >= np.float32(self.threshold)).astype(dt)
        super().update_state(_np(y_true).astype(dt), p, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """Mean IoU over all ``num_classes`` classes.

    >>> from tapegrad import keras
    >>> m = keras.metrics.MeanIoU(num_classes=3)
    >>> m.update_state([0, 1, 2, 1], [0, 2, 2, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True, axis: int = -1) -> None:
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
                         axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU of one-hot labels and score rows (their argmax)."""

    def __init__(self, num_classes: int, target_class_ids: Sequence[int], name: str | None = None,
                 dtype: Any = None, ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": self.dtype, "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """Mean IoU of one-hot labels and score rows (their argmax)."""

    def __init__(self, num_classes: int, name: str | None = None, dtype: Any = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes=num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


# -- one rate at a fixed value of another -------------------------------------------------------------------------


class _AtFixed(Metric):
    """TP/FP/TN/FN at ``num_thresholds`` evenly spaced thresholds (0 and 1 included; one threshold is 0.5); the
    result is the best ``dependent`` rate among thresholds whose ``constrained`` rate is ``>= value``."""

    _direction = "up"

    _value_name = ""

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. Received: "
                             f"{self._value_name}={value}")
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds}")
        super().__init__(name=name or backend.auto_name(type(self).__name__), dtype=dtype)
        setattr(self, self._value_name, value)
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        counts = _confusion_update(y_true, y_pred, np.asarray(self.thresholds, np.float32), sample_weight, None,
                                   self.class_id)
        for key, var in (("tp", self.true_positives), ("fp", self.false_positives), ("tn", self.true_negatives),
                         ("fn", self.false_negatives)):
            var.assign(var.numpy() + counts[key])

    def _rates(self) -> dict[str, np.ndarray]:
        tp, fp = self.true_positives.numpy(), self.false_positives.numpy()
        tn, fn = self.true_negatives.numpy(), self.false_negatives.numpy()
        return {"sensitivity": _divide_no_nan(tp, tp + fn), "specificity": _divide_no_nan(tn, tn + fp),
                "precision": _divide_no_nan(tp, tp + fp)}

    def _best(self, constrained: np.ndarray, dependent: np.ndarray) -> Any:
        feasible = constrained >= np.float32(self.value)
        return _out(np.max(np.where(feasible, dependent, np.float32(0)), initial=np.float32(0)))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        return cls(**config)


class SensitivityAtSpecificity(_AtFixed):
    """Best sensitivity (recall) at a specificity of at least ``specificity``.

    >>> from tapegrad import keras
    >>> m = keras.metrics.SensitivityAtSpecificity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0.0, 0.3, 0.8, 0.3, 0.8])
    >>> round(float(m.result()), 4)
    0.5
    """

    _value_name = "specificity"

    def __init__(self, specificity: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["specificity"], r["sensitivity"])


class SpecificityAtSensitivity(_AtFixed):
    """Best specificity at a sensitivity (recall) of at least ``sensitivity``."""

    _value_name = "sensitivity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["sensitivity"], r["specificity"])


class PrecisionAtRecall(_AtFixed):
    """Best precision at a recall of at least ``recall``."""

    _value_name = "recall"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["sensitivity"], r["precision"])


class RecallAtPrecision(_AtFixed):
    """Best recall at a precision of at least ``precision``."""

    _value_name = "precision"

    def __init__(self, precision: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self) -> Any:
        r = self._rates()
        return self._best(r["precision"], r["sensitivity"])
