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

import sys
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
           "mean_squared_error", "mean_absolute_error", "get", "Precision", "Recall", "AUC", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives", "RootMeanSquaredError"]


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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Metric states are NumPy code: inside a tapegrad.function they run as host calls of the program.
        if "update_state" in cls.__dict__:
            cls.update_state = _in_program_update(cls.__dict__["update_state"])  # type: ignore[method-assign]
        if "result" in cls.__dict__:
            cls.result = _in_program_result(cls.__dict__["result"])  # type: ignore[method-assign]

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or backend.auto_name(type(self).__name__)
        self._dtype = "float32" if dtype is None else (dtype if isinstance(dtype, str) else dtype.name)
        self._variables: list[Variable] = []
        self._initial_values: dict[int, np.ndarray] = {}

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def add_variable(self, shape: Any = (), initializer: Any = "zeros", dtype: Any = None, aggregation: str = "sum",
                     name: str | None = None) -> Variable:
        """A non-trainable state variable (reset to its initial value by :meth:`reset_state`)."""
        shape = _metric_shape(shape)
        dt = np.dtype(dtype.as_numpy_dtype if hasattr(dtype, "as_numpy_dtype") else (dtype or self._dtype))
        if initializer is None or (isinstance(initializer, str) and initializer in ("zeros", "zero")):
            value = np.zeros(shape, dtype=dt)
        elif isinstance(initializer, str) and initializer in ("ones", "one"):
            value = np.ones(shape, dtype=dt)
        elif isinstance(initializer, (int, float, np.number)):
            value = np.full(shape, initializer, dtype=dt)
        else:
            from . import initializers

            init = initializers.get(initializer)
            value = np.asarray(init(shape, dtype=dt.name)).astype(dt)
        v = Variable(value, trainable=False, name=name)
        self._initial_values[id(v)] = value.copy()
        self._variables.append(v)
        return v

    def add_weight(self, shape: Any = (), initializer: Any = None, dtype: Any = None, name: str | None = None,
                   aggregation: str = "sum") -> Variable:
        """Keras 3's ``Metric.add_weight(shape=(), initializer=None, dtype=None, name=None)``: a state variable.

        >>> from tapegrad import keras
        >>> class Count(keras.metrics.Metric):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.n = self.add_weight(name="n", initializer="zeros")
        ...     def update_state(self, values, sample_weight=None):
        ...         self.n.assign_add(float(len(values)))
        ...     def result(self):
        ...         return self.n.read_value()
        >>> keras.backend.clear_session()  # default names are unique per session: count, count_1, ...
        >>> m = Count()
        >>> m.update_state([1, 2]); m.update_state([3])
        >>> float(m.result()), m.name
        (3.0, 'count')
        """
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def weights(self) -> list[Variable]:
        return list(self._variables)

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return list(self._variables)

    @property
    def trainable_weights(self) -> list[Variable]:
        return []

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def reset_state(self) -> None:
        """Put every state variable back to its initial value."""
        for v in self._variables:
            init = self._initial_values.get(id(v))
            v.assign(init if init is not None else np.zeros(tuple(v.shape), dtype=v.dtype.as_numpy_dtype))

    def reset_states(self) -> None:
        self.reset_state()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _metric_shape(shape: Any) -> tuple[int, ...]:
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    if isinstance(shape, str) or not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape}' to a shape: `add_weight`'s first argument is the shape "
                         f"(Keras 3); pass the name as a keyword, e.g. add_weight(name='{shape}').")
    dims = tuple(shape)
    for d in dims:
        if not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(f"Cannot convert '{shape}' to a shape. Found invalid dimension '{d}'.")
    return tuple(int(d) for d in dims)


def _in_program_update(update: Callable[..., None]) -> Callable[..., None]:
    if getattr(update, "_host_call", False):
        return update

    def update_state(self: Metric, *args: Any, **kwargs: Any) -> None:
        from ..compiler.function import is_tracing

        if not is_tracing():
            return update(self, *args, **kwargs)
        from ..compiler.host import host_effect

        leaves, rebuild = _tensor_leaves((args, kwargs))
        host_effect(lambda *xs: update(self, *rebuild(xs)[0], **rebuild(xs)[1]), leaves,
                    writes=[getattr(v, "value", v) for v in self.variables])
        return None

    update_state._host_call = True  # type: ignore[attr-defined]
    update_state.__doc__ = update.__doc__
    return update_state


def _in_program_result(result: Callable[..., Any]) -> Callable[..., Any]:
    if getattr(result, "_host_call", False):
        return result

    def result_in_program(self: Metric) -> Any:
        from ..compiler.function import is_tracing

        dist = sys.modules.get("tapegrad.distribute._keras")  # across MPI workers: every worker's state, as TF
        read = result if dist is None else dist.synced_result(self, result)
        if not is_tracing():
            return read(self)
        from ..compiler.host import host_value

        return host_value(lambda: np.asarray(read(self).numpy()))

    result_in_program._host_call = True  # type: ignore[attr-defined]
    result_in_program.__doc__ = result.__doc__
    return result_in_program


def _tensor_leaves(structure: Any) -> tuple[list[Any], Callable[[Any], Any]]:
    """The tensors in ``(args, kwargs)`` and a function putting arrays back in their places (as tensors)."""
    from .._nest import flatten, pack_sequence_as

    flat = flatten(structure)
    where = [i for i, v in enumerate(flat) if isinstance(v, _TensorLike)]

    def rebuild(arrays: Any) -> Any:
        out = list(flat)
        for i, a in zip(where, arrays):
            out[i] = make(a, NUMPY)
        return pack_sequence_as(structure, out)

    return [flat[i] for i in where], rebuild


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


def _is_loss(fn: Any) -> bool:
    """Whether ``fn`` is one of Keras's loss functions or loss objects (Keras 3's ``losses.ALL_OBJECTS``)."""
    if fn in (mean_squared_error, mean_absolute_error) or isinstance(fn, losses.Loss):
        return True
    return any(fn is f for f in losses._BY_NAME.values())


class MeanMetricWrapper(Mean):
    """The mean of a per-sample metric function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if getattr(type(self), "_direction", None) is None and _is_loss(fn):
            self._direction = "down"  # a wrapped loss is minimized (callbacks' ``mode="auto"`` reads this)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = getattr(y_pred, "_keras_mask", None)  # Keras 3: a mask on y_pred becomes 0/1 sample weights
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            m = _np(mask, np.float32)
            if sample_weight is None:
                sample_weight = m
            else:
                m, sw = _same_rank(m, _np(sample_weight, np.float32))
                sample_weight = sw * m
        super().update_state(_np(values), sample_weight=sample_weight)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    _direction = "up"

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels."""

    _direction = "up"

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the argmax of one-hot labels."""

    _direction = "up"

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches integer labels."""

    _direction = "up"

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is among the top ``k`` predictions."""

    _direction = "up"

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is among the top ``k`` predictions."""

    _direction = "up"

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


# -- confusion-matrix metrics (thresholded) -----------------------------------------------------------------------

_EPSILON = 1e-7


def _confusion_update(y_true: Any, y_pred: Any, thresholds: np.ndarray, sample_weight: Any, top_k: int | None,
                      class_id: int | None, multi_label: bool = False) -> dict[str, np.ndarray]:
    """Keras's ``update_confusion_matrix_variables``: weighted TP/FP/TN/FN counts of ``y_pred > threshold``
    (labels are true where nonzero), per threshold (and per label with ``multi_label``)."""
    p = _np(y_pred, np.float32)
    t = _np(y_true, np.float32)
    t, p = _same_rank(t, p)
    if p.size and (p.min() < 0 or p.max() > 1):
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError("predictions must be >= 0 and <= 1 (apply a sigmoid/softmax, or use "
                                   "from_logits=True where the metric supports it).")
    if top_k is not None:  # keep the top-k predictions of each row, the rest become -inf (never positive)
        kth = -np.sort(-p, axis=-1)[..., top_k - 1:top_k]
        p = np.where(p >= kth, p, -np.inf).astype(np.float32)
    if class_id is not None:
        t, p = t[..., class_id], p[..., class_id]
    label = t.astype(bool)
    w = None
    if sample_weight is not None:
        w = _np(sample_weight, np.float32)
        if w.ndim < p.ndim:  # per-sample weights apply to every class of the sample
            w = w.reshape(w.shape + (1,) * (p.ndim - w.ndim))
        elif w.ndim > p.ndim and w.shape[-1] == 1:
            w = w[..., 0]
        w = np.broadcast_to(w, p.shape)
    if multi_label:  # (N, labels): keep the label axis
        p2, l2 = p.reshape(-1, p.shape[-1]), label.reshape(-1, p.shape[-1])
        w2 = None if w is None else w.reshape(-1, p.shape[-1])
        pos = p2[None, :, :] > thresholds[:, None, None]
        lab = l2[None]
        ww = np.ones_like(p2)[None] if w2 is None else w2[None]
        reduce_axes: Any = 1
    else:
        p1, l1 = p.reshape(-1), label.reshape(-1)
        pos = p1[None, :] > thresholds[:, None]
        lab = l1[None]
        ww = np.ones_like(p1)[None] if w is None else w.reshape(-1)[None]
        reduce_axes = 1
    f32 = np.float32
    return {"tp": np.sum(ww * (lab & pos), axis=reduce_axes, dtype=f32),
            "fp": np.sum(ww * (~lab & pos), axis=reduce_axes, dtype=f32),
            "tn": np.sum(ww * (~lab & ~pos), axis=reduce_axes, dtype=f32),
            "fn": np.sum(ww * (lab & ~pos), axis=reduce_axes, dtype=f32)}


def _thresholds(thresholds: Any, default: float) -> tuple[np.ndarray, bool]:
    if thresholds is None:
        return np.array([default], np.float32), True
    single = np.ndim(thresholds) == 0
    values = np.atleast_1d(np.asarray(thresholds, np.float32))
    if ((values < 0) | (values > 1)).any():
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return values, single


def _divide_no_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.float32(0), a / np.where(b == 0, 1, b)).astype(np.float32)


class _ConfusionMetric(Metric):
    """Accumulates some of the TP/FP/TN/FN counts per threshold."""

    _counts: tuple[str, ...] = ()
    _names = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives", "fn": "false_negatives"}

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        default = 0.5 if top_k is None else -np.inf
        self.init_thresholds = thresholds
        self.thresholds, self._single = _thresholds(thresholds, default)
        self.top_k, self.class_id = top_k, class_id
        for key in self._counts:
            setattr(self, self._names[key], self.add_variable(shape=(len(self.thresholds),), name=self._names[key]))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        counts = _confusion_update(y_true, y_pred, self.thresholds, sample_weight, self.top_k, self.class_id)
        for key in self._counts:
            var = getattr(self, self._names[key])
            var.assign(var.numpy() + counts[key])

    def _scalar(self, arr: np.ndarray) -> Any:
        return _out(arr[0] if self._single else arr)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """``TP / (TP + FP)`` of predictions above ``thresholds`` (0.5; a list gives one value per threshold),
    optionally among each row's ``top_k`` and for one ``class_id``.

    >>> from tapegrad import keras
    >>> m = keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _direction = "up"

    _counts = ("tp", "fp")

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name=name or backend.auto_name("precision"), dtype=dtype)

    def result(self) -> Any:
        tp, fp = self.true_positives.numpy(), self.false_positives.numpy()
        return self._scalar(_divide_no_nan(tp, tp + fp))


class Recall(_ConfusionMetric):
    """``TP / (TP + FN)`` of predictions above ``thresholds`` (0.5), optionally ``top_k`` / ``class_id``.

    >>> from tapegrad import keras
    >>> m = keras.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _direction = "up"

    _counts = ("tp", "fn")

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds, top_k, class_id, name=name or backend.auto_name("recall"), dtype=dtype)

    def result(self) -> Any:
        tp, fn = self.true_positives.numpy(), self.false_negatives.numpy()
        return self._scalar(_divide_no_nan(tp, tp + fn))


def _count_metric(key: str, class_name: str, doc: str) -> type[_ConfusionMetric]:
    def __init__(self: Any, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        _ConfusionMetric.__init__(self, thresholds, name=name or backend.auto_name(class_name), dtype=dtype)

    def result(self: Any) -> Any:
        return self._scalar(getattr(self, self._names[key]).numpy())

    cls = type(class_name, (_ConfusionMetric,), {"_counts": (key,), "__init__": __init__, "result": result,
                                                 "__doc__": doc, "__module__": __name__})
    return cls


TruePositives = _count_metric("tp", "TruePositives", "The weighted number of true positives (y_pred > 0.5).")
FalsePositives = _count_metric("fp", "FalsePositives", "The weighted number of false positives (y_pred > 0.5).")
TrueNegatives = _count_metric("tn", "TrueNegatives", "The weighted number of true negatives (y_pred ≤ 0.5).")
FalseNegatives = _count_metric("fn", "FalseNegatives", "The weighted number of false negatives (y_pred ≤ 0.5).")


class AUC(Metric):
    """Area under the ROC or PR curve, from TP/FP/TN/FN counts at ``num_thresholds`` thresholds (Keras's
    Riemann sum; ``summation_method`` ``"interpolation"``, ``"minoring"`` or ``"majoring"``; PR interpolation
    as Davis & Goadrich). ``multi_label`` keeps one curve per label and averages them (or ``label_weights``).

    >>> from tapegrad import keras
    >>> m = keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> round(float(m.result()), 4)
    0.75
    """

    _direction = "up"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Any = None, from_logits: bool = False) -> None:
        super().__init__(name=name or backend.auto_name("auc"), dtype=dtype)
        curve_u = str(curve).upper()
        if curve_u not in ("ROC", "PR"):
            raise ValueError(f'Invalid curve: "{curve}". Valid options are: "ROC", "PR"')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid summation method: "{summation_method}". Valid options are: '
                             '"interpolation", "minoring", "majoring"')
        self.curve, self.summation_method = curve_u, summation_method
        self.multi_label, self.num_labels, self.from_logits = bool(multi_label), num_labels, bool(from_logits)
        self.label_weights = None if label_weights is None else np.asarray(label_weights, np.float32)
        if thresholds is not None:
            inner = sorted(float(t) for t in np.atleast_1d(thresholds))
            self._init_from_thresholds = True
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            inner = [(i * 1.0) / (num_thresholds - 1) for i in range(1, num_thresholds - 1)]
            self._init_from_thresholds = False
        self.num_thresholds = len(inner) + 2
        self.thresholds = np.array([0.0 - _EPSILON, *inner, 1.0 + _EPSILON], np.float32)
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(num_labels)

    def _build(self, num_labels: int | None) -> None:
        shape = (self.num_thresholds,) if not self.multi_label else (self.num_thresholds, int(num_labels or 1))
        self.true_positives = self.add_variable(shape=shape, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        p = _np(y_pred, np.float32)
        if self.from_logits:
            p = (1 / (1 + np.exp(-p))).astype(np.float32)
        if not self._built:
            self._build(p.shape[-1])
        counts = _confusion_update(y_true, p, self.thresholds, sample_weight, None, None, self.multi_label)
        for key, var in (("tp", self.true_positives), ("fp", self.false_positives), ("tn", self.true_negatives),
                         ("fn", self.false_negatives)):
            var.assign(var.numpy() + counts[key])

    def _by_label(self, values: np.ndarray) -> Any:
        if not self.multi_label:
            return _out(np.sum(values, dtype=np.float32))
        by_label = np.sum(values, axis=0, dtype=np.float32)
        if self.label_weights is None:
            return _out(np.mean(by_label, dtype=np.float32))
        return _out(_divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights)))

    def result(self) -> Any:
        if not self._built:
            return _out(np.float32(0.0))
        tp, fp = self.true_positives.numpy(), self.false_positives.numpy()
        tn, fn = self.true_negatives.numpy(), self.false_negatives.numpy()
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:n - 1] - tp[1:]
            p = tp + fp
            dp = p[:n - 1] - p[1:]
            prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - prec_slope * p[1:]
            both = (p[:n - 1] > 0) & (p[1:] > 0)
            safe_p_ratio = np.where(both, _divide_no_nan(p[:n - 1], np.maximum(p[1:], 0)), np.float32(1))
            with np.errstate(divide="ignore", invalid="ignore"):
                log_ratio = np.log(safe_p_ratio).astype(np.float32)
            increment = _divide_no_nan(prec_slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0))
            return self._by_label(increment)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / np.float32(2.0)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:n - 1], y[1:])
        else:
            heights = np.maximum(y[:n - 1], y[1:])
        return self._by_label((x[:n - 1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "multi_label": self.multi_label,
                "num_labels": self.num_labels, "from_logits": self.from_logits}


class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_true - y_pred)²))`` over everything seen.

    >>> from tapegrad import keras
    >>> m = keras.metrics.RootMeanSquaredError()
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> round(float(m.result()), 4)
    0.7071
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        p = _np(y_pred)
        t = _np(y_true).astype(p.dtype)
        t, p = _same_rank(t, p)
        super().update_state(np.square(t - p), sample_weight=sample_weight)

    def result(self) -> Any:
        return _out(np.sqrt(np.float32(super().result().numpy())))


from ._metrics_extra import (  # noqa: E402  (they subclass the classes above; __all__ lists them)
    BinaryCrossentropy,
    BinaryIoU,
    CategoricalCrossentropy,
    CategoricalHinge,
    ConcordanceCorrelation,
    CosineSimilarity,
    F1Score,
    FBetaScore,
    Hinge,
    IoU,
    KLDivergence,
    LogCoshError,
    MeanAbsolutePercentageError,
    MeanIoU,
    MeanSquaredLogarithmicError,
    OneHotIoU,
    OneHotMeanIoU,
    PearsonCorrelation,
    Poisson,
    PrecisionAtRecall,
    R2Score,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SparseCategoricalCrossentropy,
    SpecificityAtSensitivity,
    SquaredHinge,
    concordance_correlation,
    pearson_correlation,
)
from ._metrics_extra import __all__ as _extra_names  # noqa: E402

# the loss functions Keras 3 and TF 2.21's tf.keras.metrics export as metric functions
binary_crossentropy = losses.binary_crossentropy
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
binary_focal_crossentropy = losses.binary_focal_crossentropy
categorical_focal_crossentropy = losses.categorical_focal_crossentropy
hinge, squared_hinge, categorical_hinge = losses.hinge, losses.squared_hinge, losses.categorical_hinge
huber, poisson = losses.huber, losses.poisson
kl_divergence = KLD = kld = kullback_leibler_divergence = losses.kl_divergence
log_cosh = logcosh = losses.log_cosh
mean_absolute_percentage_error = MAPE = mape = losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = MSLE = msle = losses.mean_squared_logarithmic_error
MSE = mse = mean_squared_error
MAE = mae = mean_absolute_error
__all__ += [*_extra_names, "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
            "binary_focal_crossentropy", "categorical_focal_crossentropy", "hinge", "squared_hinge",
            "categorical_hinge", "huber", "poisson", "kl_divergence", "KLD", "kld", "kullback_leibler_divergence",
            "log_cosh", "logcosh", "mean_absolute_percentage_error", "MAPE", "mape", "mean_squared_logarithmic_error",
            "MSLE", "msle", "MSE", "mse", "MAE", "mae", "serialize", "deserialize"]

_FUNCTIONS: dict[str, Callable[..., Any]] = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, binary_focal_crossentropy,
    categorical_focal_crossentropy, hinge, squared_hinge, categorical_hinge, huber, poisson, kl_divergence, log_cosh,
    mean_absolute_percentage_error, mean_squared_logarithmic_error, pearson_correlation, concordance_correlation)}
_FUNCTIONS.update({"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
                   "MAE": mean_absolute_error, "mape": mean_absolute_percentage_error,
                   "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
                   "MSLE": mean_squared_logarithmic_error})
_CLASSES: dict[str, type[Metric]] = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, Precision, Recall, AUC, TruePositives,
    FalsePositives, TrueNegatives, FalseNegatives, RootMeanSquaredError, BinaryCrossentropy, BinaryIoU,
    CategoricalCrossentropy, CategoricalHinge, ConcordanceCorrelation, CosineSimilarity, F1Score, FBetaScore, Hinge,
    IoU, KLDivergence, LogCoshError, MeanAbsolutePercentageError, MeanIoU, MeanSquaredLogarithmicError, OneHotIoU,
    OneHotMeanIoU, PearsonCorrelation, Poisson, PrecisionAtRecall, R2Score, RecallAtPrecision,
    SensitivityAtSpecificity, SparseCategoricalCrossentropy, SpecificityAtSensitivity, SquaredHinge)}
_CLASS_ALIASES = {"precision": Precision, "recall": Recall, "auc": AUC, "AUC": AUC}


def serialize(metric: Any) -> Any:
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` description of a metric or function.

    >>> from tapegrad import keras
    >>> cfg = keras.metrics.serialize(keras.metrics.MeanIoU(num_classes=3))
    >>> cfg["class_name"], keras.metrics.deserialize(cfg).get_config()["num_classes"]
    ('MeanIoU', 3)
    """
    from .saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(metric)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize` (a name gives the function or a default instance, as :func:`get`)."""
    from ._config_io import deserialize_config

    return deserialize_config(config, custom_objects, get, _CLASSES)


def get(identifier: Any) -> Any:
    """A metric function or class instance from a name, or the object itself."""
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        if identifier in _CLASS_ALIASES:
            return _CLASS_ALIASES[identifier](name=identifier)
        raise ValueError(f"Could not interpret metric identifier: {identifier}")
    if isinstance(identifier, Metric) or callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")
