"""``keras.losses``: loss functions (per-sample values) and loss classes (reduced), with Keras 3's numerics.

Probabilistic losses clip probabilities to ``[epsilon, 1 - epsilon]`` (``keras.backend.epsilon()``, 1e-7) before
taking logarithms, except when the prediction came from a ``softmax``/``sigmoid`` activation, whose logits are
then used directly (as Keras does on the TensorFlow backend). A loss object reduces the per-sample values with
``reduction``: ``"sum_over_batch_size"`` (default; also ``"mean"``), ``"sum"``, ``"mean_with_sample_weight"`` or
``None``/``"none"``.

>>> import tapegrad as tf
>>> from tapegrad import keras
>>> y_true, y_pred = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
>>> float(keras.losses.MeanSquaredError()(y_true, y_pred))
0.5
>>> keras.losses.MSE(y_true, y_pred).numpy().tolist()
[0.5, 0.5]
>>> round(float(keras.losses.BinaryCrossentropy()([[0.0, 1.0]], [[0.4, 0.6]])), 5)
0.51083
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn as _tfnn
from .._tensor import _TensorLike
from ..ops import arithmetic as _arithmetic
from ..ops import clip_ops as _clip_ops
from ..ops import comparison as _comparison
from ..ops import core as _core
from ..ops import indexing as _indexing
from ..ops import reductions as _r
from ..ops import shape_ops as _shape_ops
from ..ops import unary_math as _unary_math
from . import activations, backend

__all__ = ["Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "Huber", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "mean_squared_error", "mean_absolute_error",
           "huber", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "MSE",
           "MAE", "mse", "mae", "get", "serialize", "deserialize"]

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def _tensor(x: Any, dtype: Any = None) -> Any:
    """``x`` as a tensor (NumPy arrays keep their dtype, Python lists become float32), cast to ``dtype`` if given."""
    if dtype is None:
        return _core.convert_to_tensor(x)
    if isinstance(x, _TensorLike):
        return _core.cast(x, dtype) if x.dtype.name != _dtype_name(dtype) else _core.convert_to_tensor(x)
    return _core.constant(np.asarray(x), dtype=dtype)


def _dtype_name(dtype: Any) -> str:
    return dtype if isinstance(dtype, str) else dtype.name


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Make two tensors the same rank when they differ by a trailing axis of size 1 (Keras's rule)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _shape_ops.expand_dims(x2, -1)
        else:
            x1 = _shape_ops.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _shape_ops.expand_dims(x1, -1)
        else:
            x2 = _shape_ops.squeeze(x2, -1)
    return x1, x2


def _standardize_reduction(reduction: Any) -> Any:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {set(_REDUCTIONS)}. Received: "
                         f"reduction={reduction}")
    return reduction


def reduce_values(values: Any, sample_weight: Any = None, reduction: Any = "sum_over_batch_size") -> Any:
    """Reduce per-sample loss values: sum, or sum divided by the element count (or the weight sum)."""
    shape = tuple(values.shape)
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    loss = _r.reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = _core.cast(_r.reduce_sum(sample_weight), loss.dtype)
        else:
            divisor = _core.cast(_core.constant(int(np.prod(shape)), dtype="int32"), loss.dtype)
        loss = _arithmetic.divide_no_nan(loss, divisor)
    return loss


def _apply_mask(sample_weight: Any, mask: Any, dtype: Any, reduction: Any) -> Any:
    """Fold a boolean mask into the sample weights; the mean reductions rescale it by ``size / valid`` so the
    result is the mean over the valid entries (Keras 3's ``apply_mask``)."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = _core.cast(_core.constant(int(np.prod(tuple(mask.shape))), dtype="int32"), dtype)
        valid = _r.reduce_sum(_core.cast(mask, dtype))
        scale = _arithmetic.divide_no_nan(total, valid)
        float_mask = _indexing.where(_core.cast(mask, "bool"), scale * _core.ones_like(_core.cast(mask, dtype)),
                                     _core.zeros_like(_core.cast(mask, dtype)))
    else:
        float_mask = _core.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = _tensor(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_weighted_values(values: Any, sample_weight: Any = None, reduction: Any = "sum_over_batch_size",
                           dtype: Any = None, mask: Any = None) -> Any:
    """Multiply by ``sample_weight`` (rank-adjusted; a ``mask`` folded in) and reduce."""
    reduction = _standardize_reduction(reduction)
    values = _tensor(values, dtype)
    sample_weight = _apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = _tensor(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` computes ``call`` per sample, weights, reduces."""

    def __init__(self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None) -> None:
        self.name = name or backend.auto_name(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self._dtype = _dtype_name(dtype) if dtype is not None else backend.floatx()

    @property
    def dtype(self) -> str:
        return self._dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        in_mask = getattr(y_pred, "_keras_mask", None)  # a mask from the layer that made y_pred (Keras 3)
        y_pred = _tensor(y_pred, self._dtype)
        y_true = _tensor(y_true, self._dtype)
        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)  # a mask the loss function set (Circle)
        if in_mask is not None and out_mask is not None:
            mask = _core.cast(in_mask, "bool") & _core.cast(out_mask, "bool")
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, reduction=self.reduction,
                                      dtype=self._dtype, mask=mask)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A :class:`Loss` that calls ``fn(y_true, y_pred, **kwargs)`` after matching the ranks."""

    def __init__(self, fn: Callable[..., Any], reduction: Any = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


# -- functions ----------------------------------------------------------------------------------------------------


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Any]:
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return _r.reduce_mean(_unary_math.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return _r.reduce_mean(_unary_math.abs(y_true - y_pred), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    """``mean(0.5 * e**2 if |e| <= delta else delta * |e| - 0.5 * delta**2, axis=-1)`` with ``e = y_pred - y_true``.

    >>> from tapegrad import keras
    >>> round(float(keras.losses.huber([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])[0]), 3)
    0.18
    """
    y_true, y_pred = _pair(y_true, y_pred)
    delta_t = _core.constant(delta, dtype=y_pred.dtype)
    error = _arithmetic.subtract(y_pred, y_true)
    abs_error = _unary_math.abs(error)
    half = _core.constant(0.5, dtype=abs_error.dtype)
    return _r.reduce_mean(
        _indexing.where(_comparison.less_equal(abs_error, delta_t), half * _unary_math.square(error),
                 delta_t * abs_error - half * _unary_math.square(delta_t)),
        axis=-1,
    )


def _get_logits(output: Any, from_logits: bool, op_type: str, fn_name: str) -> tuple[Any, bool]:
    logits = activations.logits_of(output)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced by a '
                      f"{op_type} activation and thus does not represent logits. Was this intended?", stacklevel=3)
    return logits, True


def _check_same_shape(target: Any, output: Any) -> None:
    if target.ndim != output.ndim:
        raise ValueError(f"Arguments `target` and `output` must have the same rank (ndim). Received: "
                         f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    for a, b in zip(target.shape, output.shape):
        if a != b:
            raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                             f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")


def _clip_probabilities(output: Any) -> Any:
    eps = backend.epsilon()
    return _clip_ops.clip_by_value(output, eps, 1.0 - eps)


def _binary_crossentropy_values(target: Any, output: Any, from_logits: bool) -> Any:
    _check_same_shape(target, output)
    output, from_logits = _get_logits(output, from_logits, "Sigmoid", "binary_crossentropy")
    if from_logits:
        return _tfnn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _clip_probabilities(output)
    bce = target * _unary_math.log(output)
    bce = bce + (1 - target) * _unary_math.log(1 - output)
    return -bce


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Any:
    """Mean over ``axis`` of ``-(t * log(p) + (1 - t) * log(1 - p))``; ``label_smoothing`` moves targets toward 0.5."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return _r.reduce_mean(_binary_crossentropy_values(y_true, y_pred, from_logits), axis=axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Any:
    """``-sum(t * log(p), axis)`` with ``p`` renormalized to sum to 1 and clipped (or softmax CE from logits)."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    if y_pred.shape[-1] == 1:
        warnings.warn(f"In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = _core.cast(_core.constant(int(y_true.shape[-1])), y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + (label_smoothing / num_classes)
    if y_true.ndim < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}")
    _check_same_shape(y_true, y_pred)
    output, from_logits = _get_logits(y_pred, from_logits, "Softmax", "categorical_crossentropy")
    if from_logits:
        return _tfnn.softmax_cross_entropy_with_logits(labels=y_true, logits=output, axis=axis)
    output = output / _r.reduce_sum(output, axis=axis, keepdims=True)
    output = _clip_probabilities(output)
    return -_r.reduce_sum(y_true * _unary_math.log(output), axis=axis)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Any:
    """Categorical crossentropy with integer class ids as targets; ``ignore_class`` gives those samples 0 loss."""
    y_pred = _tensor(y_pred)
    y_true = _tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = _shape_ops.squeeze(y_true, axis)
    valid = None
    if ignore_class is not None:
        valid = _comparison.not_equal(y_true, _core.cast(ignore_class, y_true.dtype))
        y_true = _indexing.where(valid, y_true, _core.zeros_like(y_true))
        y_pred = _indexing.where(_shape_ops.expand_dims(valid, axis), y_pred, _core.zeros_like(y_pred))
    if axis != -1 and axis != y_pred.ndim - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    output, from_logits = _get_logits(y_pred, from_logits, "Softmax", "sparse_categorical_crossentropy")
    target = _core.cast(y_true, "int64")
    if target.ndim != output.ndim - 1:
        raise ValueError(f"Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
                         f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    if not from_logits:
        output = _unary_math.log(_clip_probabilities(output))
    res = _tfnn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if valid is not None:
        res = _indexing.where(valid, res, _core.zeros_like(res))
    return res


MSE = mse = mean_squared_error
MAE = mae = mean_absolute_error


# -- classes ------------------------------------------------------------------------------------------------------


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors (reduced over the batch)."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_squared_error",
                 dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (reduced over the batch)."""

    def __init__(self, reduction: Any = "sum_over_batch_size", name: str = "mean_absolute_error",
                 dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond."""

    def __init__(self, delta: float = 1.0, reduction: Any = "sum_over_batch_size", name: str = "huber_loss",
                 dtype: Any = None) -> None:
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy (``from_logits``, ``label_smoothing``, ``axis``)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Any = "sum_over_batch_size", name: str = "binary_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy with one-hot (or soft) targets (``from_logits``, ``label_smoothing``, ``axis``)."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Any = "sum_over_batch_size", name: str = "categorical_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy with integer class ids as targets (``from_logits``, ``ignore_class``)."""

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: Any = "sum_over_batch_size", name: str = "sparse_categorical_crossentropy",
                 dtype: Any = None) -> None:
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits, self.ignore_class = from_logits, ignore_class


from ._losses_extra import (  # noqa: E402,F401  (they subclass LossFunctionWrapper; __all__ lists them)
    CTC,
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    Circle,
    CosineSimilarity,
    Dice,
    Hinge,
    KLDivergence,
    LogCosh,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Poisson,
    SquaredHinge,
    Tversky,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    circle,
    cosine_similarity,
    ctc,
    dice,
    hinge,
    kl_divergence,
    log_cosh,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    poisson,
    squared_hinge,
    tversky,
)
from ._losses_extra import __all__ as _extra_names  # noqa: E402

# tf.keras 2 names that TF 2.21's ``tf.keras.losses`` still exports
MAPE = mape = mean_absolute_percentage_error
MSLE = msle = mean_squared_logarithmic_error
KLD = kld = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
__all__ += [*_extra_names, "MAPE", "mape", "MSLE", "msle", "KLD", "kld", "kullback_leibler_divergence", "logcosh"]

_FUNCTIONS = (mean_squared_error, mean_absolute_error, huber, binary_crossentropy, categorical_crossentropy,
              sparse_categorical_crossentropy, kl_divergence, poisson, binary_focal_crossentropy,
              categorical_focal_crossentropy, mean_absolute_percentage_error, mean_squared_logarithmic_error,
              cosine_similarity, log_cosh, hinge, squared_hinge, categorical_hinge, dice, tversky, circle, ctc)
_BY_NAME: dict[str, Any] = {f.__name__: f for f in _FUNCTIONS}
_BY_NAME.update({"bce": binary_crossentropy, "BCE": binary_crossentropy, "kld": kl_divergence, "KLD": kl_divergence,
                 "mae": mean_absolute_error, "MAE": mean_absolute_error, "mse": mean_squared_error,
                 "MSE": mean_squared_error, "mape": mean_absolute_percentage_error,
                 "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
                 "MSLE": mean_squared_logarithmic_error, "huber_loss": huber})
_CLASSES: dict[str, type[Loss]] = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Poisson, BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Hinge, SquaredHinge,
    CategoricalHinge, Dice, Tversky, Circle, CTC, CategoricalGeneralizedCrossEntropy)}


def get(identifier: Any) -> Any:
    """A loss from a function name (``"mse"``), a class name (``"Huber"``), an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _BY_NAME:
            return _BY_NAME[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Could not interpret loss identifier: {identifier}")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


def serialize(loss: Any) -> Any:
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` description of a loss (class or function).

    >>> from tapegrad import keras
    >>> cfg = keras.losses.serialize(keras.losses.Huber(delta=2.0))
    >>> cfg["class_name"], cfg["config"]["delta"], keras.losses.deserialize(cfg).get_config()["delta"]
    ('Huber', 2.0, 2.0)
    """
    from .saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(loss)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Inverse of :func:`serialize` (also takes a name, or the older ``{"class_name", "config"}`` form)."""
    from ._config_io import deserialize_config

    return deserialize_config(config, custom_objects, get, _CLASSES)


class Reduction:
    """The reduction names of TF 2's losses, kept by Keras 3 (``tf.keras.losses.Reduction``): ``NONE`` for one loss
    per example (as the ``tf.distribute`` custom-loop tutorials use with ``tf.nn.compute_average_loss``).

    >>> import tapegrad as tf
    >>> loss = tf.keras.losses.MeanSquaredError(reduction=tf.keras.losses.Reduction.NONE)
    >>> loss(tf.constant([[1.0], [3.0]]), tf.constant([[0.0], [0.0]])).numpy().tolist()
    [1.0, 9.0]
    """

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


__all__ += ["Reduction"]
