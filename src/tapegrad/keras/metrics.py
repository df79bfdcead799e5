"""``keras.metrics``: streaming metrics (``update_state``/``result``/``reset_state``) and the accuracy family.

Metric state lives in non-trainable float32 variables ``total`` and ``count``; the mean metrics divide the
weighted sum of per-sample values by the summed weights, as Keras 3 does. Metrics are not differentiable (they
are computed in NumPy).

>>> from tapegrad import keras
>>> m = keras.metrics.SparseCategoricalAccuracy()
>>> m.update_state([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]])
>>> float(m.result())
0.5
>>> keras.metrics.binary_accuracy([[1.0], [0.0]], [[0.7], [0.7]]).numpy().tolist()
[[1.0], [0.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._backend import NUMPY
from .._tensor import Variable, _TensorLike, make
from . import backend, losses

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
           "MeanSquaredError", "MeanAbsoluteError", "accuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
           "mean_squared_error", "mean_absolute_error", "get"]


def _np(x: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(x, _TensorLike):
        x = x.numpy()
    arr = np.asarray(x)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f" and arr.dtype != np.float64:
        arr = arr.astype(np.float32)
    elif arr.dtype == np.float64 and not isinstance(x, np.ndarray):
        arr = arr.astype(np.float32)
    return arr


def _same_rank(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NumPy version of Keras's ``squeeze_or_expand_to_same_rank``."""
    ra, rb = a.ndim, b.ndim
    if ra == rb:
        return a, b
    if ra == rb + 1 and a.shape[-1] == 1:
        if rb == 1:
            b = b[..., None]
        else:
            a = a[..., 0]
    if rb == ra + 1 and b.shape[-1] == 1:
        if ra == 1:
            a = a[..., None]
        else:
            b = b[..., 0]
    return a, b


def _out(arr: np.ndarray) -> Any:
    return make(np.asarray(arr, dtype=np.float32), NUMPY)


# -- metric functions ---------------------------------------------------------------------------------------------


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``y_true == y_pred`` exactly."""
    p = _np(y_pred)
    t = _np(y_true).astype(p.dtype)
    t, p = _same_rank(t, p)
    return _out(t == p)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """1.0 where ``(y_pred > threshold) == y_true``."""
    p, t = _np(y_pred), _np(y_true)
    t, p = _same_rank(t, p)
    return _out(t == (p > np.asarray(threshold, dtype=p.dtype)).astype(t.dtype))


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot targets)."""
    t = np.argmax(_np(y_true), axis=-1)
    p = _np(y_pred)
    shape = t.shape
    if t.ndim == p.ndim:
        t = t[..., 0] if t.shape[-1:] == (1,) else t
    matches = (t == np.argmax(p, axis=-1)).astype(np.float32)
    return _out(matches.reshape(shape) if matches.size == int(np.prod(shape)) else matches)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where ``y_true == argmax(y_pred)`` (integer class-id targets)."""
    p = _np(y_pred)
    t = _np(y_true).astype(p.dtype)
    shape = t.shape
    reshape = False
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
        reshape = True
    matches = (t == np.argmax(p, axis=-1).astype(t.dtype)).astype(np.float32)
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return _out(matches)


def _in_top_k(targets: np.ndarray, predictions: np.ndarray, k: int) -> np.ndarray:
    """TF's ``in_top_k``: the target's score is among the ``k`` largest (ties at the boundary count as in)."""
    rows = np.arange(predictions.shape[0])
    target_score = predictions[rows, targets]
    better = (predictions > target_score[:, None]).sum(axis=1)
    return (better < k) & np.isfinite(target_score)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 where the true class (argmax of one-hot ``y_true``) is among the ``k`` highest scores."""
    p = _np(y_pred)
    t = np.argmax(_np(y_true), axis=-1)
    shape = t.shape
    p2 = p.reshape(-1, p.shape[-1])
    return _out(_in_top_k(t.reshape(-1), p2, k).astype(np.float32).reshape(shape))


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 where the integer class id is among the ``k`` highest scores."""
    p = _np(y_pred)
    t = _np(y_true).astype(np.int64)
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    shape = t.shape
    return _out(_in_top_k(t.reshape(-1), p.reshape(-1, p.shape[-1]), k).astype(np.float32).reshape(shape))


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(y_true - y_pred), axis=-1)`` (as the loss function)."""
    return losses.mean_squared_error(y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(abs(y_true - y_pred), axis=-1)`` (as the loss function)."""
    return losses.mean_absolute_error(y_true, y_pred)


# -- metric classes -----------------------------------------------------------------------------------------------


class Metric:
    """Base class of streaming metrics: ``update_state(...)``, ``result()``, ``reset_state()``."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or backend.auto_name(type(self).__name__)
        self._dtype = "float32" if dtype is None else (dtype if isinstance(dtype, str) else dtype.name)
        self._variables: list[Variable] = []

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def add_variable(self, shape: Any = (), initializer: Any = "zeros", dtype: Any = None,
                     name: str | None = None) -> Variable:
        v = Variable(np.zeros(shape, dtype=dtype or self._dtype), trainable=False, name=name)
        self._variables.append(v)
        return v

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), dtype=v.dtype.as_numpy_dtype))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self._dtype}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _samplewise(values: np.ndarray, sample_weight: Any, reduce: Callable[..., Any]) -> tuple[Any, Any]:
    values = values.astype(np.float32)
    sw = None
    if sample_weight is not None:
        sw = _np(sample_weight, np.float32)
        values, sw = _same_rank(values, sw)
        if values.ndim > sw.ndim:
            values = reduce(values, axis=tuple(range(sw.ndim, values.ndim)))
        sw = np.broadcast_to(sw, values.shape)
        values = values * sw
        if sw.ndim > 1:
            sw = reduce(sw, axis=tuple(range(1, sw.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sw


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        v, _ = _samplewise(_np(values), sample_weight, np.sum)
        self.total.assign(self.total.numpy() + np.float32(np.sum(v, dtype=np.float32)))

    def result(self) -> Any:
        return make(self.total.numpy(), NUMPY)


class Mean(Metric):
    """The (weighted) mean of the values seen: ``total / count``.

    >>> from tapegrad import keras
    >>> m = keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        v, sw = _samplewise(_np(values), sample_weight, np.mean)
        self.total.assign(self.total.numpy() + np.sum(v, dtype=np.float32))
        if sw is not None:
            n = np.sum(sw, dtype=np.float32)
        elif v.ndim >= 1:
            n = np.float32(v.shape[0])
        else:
            n = np.float32(1)
        self.count.assign(self.count.numpy() + n)

    def result(self) -> Any:
        total, count = self.total.numpy(), self.count.numpy()
        return make(np.float32(0.0) if count == 0 else np.float32(total / count), NUMPY)


class MeanMetricWrapper(Mean):
    """The mean of a per-sample metric function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(_np(values), sample_weight=sample_weight)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the argmax of one-hot labels."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches integer labels."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top ``k`` predictions."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top ``k`` predictions."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class MeanSquaredError(MeanMetricWrapper):
    """Streaming mean squared error."""

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Streaming mean absolute error."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "accuracy": accuracy, "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error, "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "binary_crossentropy": losses.binary_crossentropy, "categorical_crossentropy": losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": losses.sparse_categorical_crossentropy,
}
_CLASSES: dict[str, type[Metric]] = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError)}


def get(identifier: Any) -> Any:
    """A metric function or class instance from a name, or the object itself."""
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Could not interpret metric identifier: {identifier}")
    if isinstance(identifier, Metric) or callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
