"""Counting and binning: count_nonzero, bincount, histogram_fixed_width(_bins), confusion_matrix, and
``raw_ops.Bucketize``.

All results are counts or bin indices (integers, or counts cast to a float ``dtype``): no gradients, except
``bincount``'s weights (recorded, and ``gradient()`` raises LookupError: TF registers no gradient for
DenseBincount) and ``confusion_matrix``'s floating weights (a scatter, differentiable as in TF).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1, applyn
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from . import core, joining, scatter, shape_ops
from ._array_common import _as_int, _raw
from ._common import check_kinds, like, norm_axis, to_tensor

# -- count_nonzero -------------------------------------------------------------------------------------------------


def _count_nonzero_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool, dtype: Any) -> Any:
    nz = F.not_equal(x, b"") if x.dtype.kind == "O" else F.not_equal(x, 0)  # strings: non-empty counts
    return F.asarray(F.sum(nz, axis=axis, keepdims=keepdims, dtype=np.int64)).astype(dtype)


COUNT_NONZERO = defop(
    "count_nonzero", _count_nonzero_fwd, None,
    test=[
        spec(lambda tf, x: tf.math.count_nonzero(tf.round(x)), lambda rng: (rng.normal(size=(3, 4)),),
             ref=lambda x: np.int64(np.count_nonzero(np.round(x)))),
        spec(lambda tf, x: tf.math.count_nonzero(tf.round(x), axis=[0], keepdims=True, dtype=tf.float32),
             lambda rng: (rng.normal(size=(3, 4)),),
             ref=lambda x: np.count_nonzero(np.round(x), axis=0, keepdims=True).astype(np.float32), name="axis"),
        spec(lambda tf, x: tf.math.count_nonzero(x, axis=-1, dtype=tf.int32),
             lambda rng: (rng.integers(0, 2, size=(2, 5)).astype(bool),),
             ref=lambda x: np.count_nonzero(x, axis=-1).astype(np.int32), name="bool"),
    ],
)


def count_nonzero(input: Any, axis: Any = None, keepdims: bool | None = None, dtype: Any = _dtypes.int64,  # noqa: A002
                  name: str | None = None) -> Tensor:
    """The number of non-zero elements (non-empty strings; NaN counts as non-zero) along ``axis`` (all axes by
    default), as ``dtype`` (int64 by default). Not differentiable.

    >>> import tapegrad as tf
    >>> tf.math.count_nonzero([[0.0, 1.5], [2.0, 0.0]], axis=1).numpy().tolist()
    [1, 1]
    """
    x = to_tensor(input)
    axes = norm_axis(axis, x._value.ndim, "count_nonzero")
    dt = _dtypes.as_dtype(dtype)
    return apply1(COUNT_NONZERO, x, {"axis": axes, "keepdims": bool(keepdims), "dtype": dt._np})


# -- bincount ---------------------------------------------------------------------------------------------------------


def _bincount_fwd(F: Any, arr: Any, w: Any, size: int, binary: bool, dtype: Any) -> Any:
    rows = arr.reshape(-1, arr.shape[-1]) if arr.ndim == 2 else arr.reshape(1, -1)
    wr = None if w is None else w.reshape(rows.shape)
    out = F.zeros((rows.shape[0], size), dtype=dtype if w is None else w.dtype)
    keep = rows < size
    r, c = F.nonzero(keep)
    vals = rows[r, c]
    if binary:
        out[r, vals] = 1
    elif wr is None:
        F.add.at(out, (r, vals), 1)
    else:
        F.add.at(out, (r, vals), wr[r, c])
    return out if arr.ndim == 2 else out[0]


def _bincount_unweighted(F: Any, arr: Any, size: int, binary: bool, dtype: Any) -> Any:
    return _bincount_fwd(F, arr, None, size, binary, dtype)


def _bincount_weighted(F: Any, arr: Any, w: Any, size: int, binary: bool, dtype: Any) -> Any:
    return _bincount_fwd(F, arr, w, size, binary, dtype)


BINCOUNT = defop(
    "bincount", _bincount_unweighted, None,
    test=[
        spec(lambda tf, a: tf.math.bincount(a), lambda rng: (rng.integers(0, 6, size=(10,)).astype(np.int32),),
             ref=lambda a: np.bincount(a).astype(np.int32)),
        spec(lambda tf, a: tf.math.bincount(a, minlength=9, maxlength=12, dtype=tf.int64),
             lambda rng: (rng.integers(0, 5, size=(2, 3)).astype(np.int64),),
             ref=lambda a: np.bincount(a.ravel(), minlength=9), name="minlength"),
        spec(lambda tf, a: tf.math.bincount(a, maxlength=3, axis=-1, binary_output=True),
             lambda rng: (rng.integers(0, 5, size=(3, 6)).astype(np.int32),),
             ref=lambda a: np.stack([np.minimum(np.bincount(r, minlength=5)[:3], 1) for r in a]).astype(np.int32),
             name="rows_binary"),
    ],
)
# TF registers no gradient for DenseBincount: a watched float weight makes gradient() raise LookupError.
BINCOUNT_WEIGHTED = defop(
    "bincount_weighted", _bincount_weighted, NO_GRADIENT,
    test=spec(lambda tf, a, w: tf.math.bincount(a, weights=w, axis=-1), lambda rng: (
        rng.integers(0, 4, size=(2, 5)).astype(np.int32), rng.normal(size=(2, 5))), grad=(),
        ref=lambda a, w: np.stack([np.bincount(r, weights=q, minlength=a.max() + 1) for r, q in zip(a, w)])),
)

_BINCOUNT_DTYPES = ("int32", "int64", "float32", "float64")


def bincount(arr: Any, weights: Any = None, minlength: Any = None, maxlength: Any = None, dtype: Any = _dtypes.int32,
             name: str | None = None, axis: Any = None, binary_output: bool = False) -> Tensor:
    """How often each value ``0, 1, …`` occurs in the integer tensor ``arr`` (or the sum of its ``weights``).

    The length is ``max(arr) + 1`` (0 for an empty ``arr``), at least ``minlength`` and at most ``maxlength``
    (values ``>= maxlength`` are skipped). ``axis=-1`` counts each row of a 2-D ``arr`` separately.
    ``binary_output=True`` gives 1 for every value present. The dtype is ``weights``' if given, else ``dtype``.

    >>> import tapegrad as tf
    >>> tf.math.bincount([1, 1, 2, 3, 2, 4, 4, 5]).numpy().tolist()
    [0, 2, 2, 1, 2, 1]
    >>> tf.math.bincount([[1, 2, 3, 0], [0, 0, 1, 2]], axis=-1).numpy().tolist()
    [[1, 1, 1, 1], [2, 1, 1, 0]]
    """
    op = "bincount"
    a = to_tensor(arr)
    w = None if weights is None else to_tensor(weights)
    if w is not None and binary_output:
        raise ValueError(f"{op}: binary_output and weights are mutually exclusive; pass only one of them.")
    if a._value.dtype.kind not in "iu":
        a = core.cast(a, _dtypes.int32)
    ax = 0 if axis is None else axis
    if ax not in (0, -1):
        raise ValueError(f"{op}: axis={axis} is not supported; only 0 (or None: count over all values) and -1 "
                         "(count each row of a 2-D arr) are.")
    v = a._value
    if (v < 0).any():
        raise InvalidArgumentError(f"{op}: arr must be non-negative, got the value {int(v[v < 0].reshape(-1)[0])}.")
    size = int(v.max()) + 1 if v.size else 0
    if minlength is not None:
        size = max(_as_int(minlength, op, "minlength"), size)
    if maxlength is not None:
        size = min(_as_int(maxlength, op, "maxlength"), size)
    size = max(size, 0)
    if ax == 0:
        a = shape_ops.reshape(a, [-1])
        if w is not None:
            w = shape_ops.reshape(w, [-1])
    elif v.ndim > 2:
        raise InvalidArgumentError(f"{op}: with axis=-1 arr must have rank 1 or 2, got shape {list(v.shape)}.")
    dt = _dtypes.as_dtype(dtype)
    if w is None:
        if dt.name not in _BINCOUNT_DTYPES:
            raise InvalidArgumentError(f"{op}: dtype must be one of {', '.join(_BINCOUNT_DTYPES)}, got {dt.name}.")
        return apply1(BINCOUNT, a, {"size": size, "binary": bool(binary_output), "dtype": dt._np})
    if w.dtype.name not in _BINCOUNT_DTYPES:
        raise InvalidArgumentError(f"{op}: weights must be one of {', '.join(_BINCOUNT_DTYPES)}, got {w.dtype.name}.")
    if tuple(w._value.shape) != tuple(a._value.shape):
        raise InvalidArgumentError(f"{op}: weights must have arr's shape {list(a._value.shape)}, got "
                                   f"{list(w._value.shape)}.")
    return applyn(BINCOUNT_WEIGHTED, (a, w), {"size": size, "binary": False, "dtype": None})


# -- histograms -------------------------------------------------------------------------------------------------------


def _histogram_fwd(F: Any, x: Any, vr: Any, nbins: int, dtype: Any) -> Any:
    lo, hi = vr[0], vr[1]
    # TF's kernel: bin = min(floor((max(x, lo) - lo) / step), nbins - 1) in double, step = (hi - lo) / nbins
    step = (float(hi) - float(lo)) / nbins
    shifted = (F.maximum(x, lo) - lo).astype(np.float64)
    with np.errstate(invalid="ignore"):
        idx = F.minimum(shifted / step, nbins - 1).astype(np.int64)
    return F.bincount(idx.reshape(-1), minlength=nbins).astype(dtype)


HISTOGRAM = defop(
    "histogram_fixed_width", _histogram_fwd, None,
    test=spec(lambda tf, x: tf.histogram_fixed_width(x, [0.0, 5.0], nbins=5),
              lambda rng: (rng.uniform(-1.0, 6.0, size=(20,)).astype(np.float32),),
              ref=lambda x: np.histogram(np.clip(x, 0, 4.999), bins=5, range=(0, 5))[0].astype(np.int32)),
)


def _hist_args(values: Any, value_range: Any, nbins: Any, op: str) -> tuple[Any, Any, int]:
    x = to_tensor(values)
    check_kinds(x, "fiu", op)
    vr = value_range if isinstance(value_range, _TensorLike) else like(value_range, x, op)
    if vr.dtype != x.dtype:
        raise InvalidArgumentError(f"{op}: value_range has dtype {vr.dtype.name} but values have {x.dtype.name}; "
                                   "cast one of them.")
    if tuple(vr._value.shape) != (2,):
        raise InvalidArgumentError(f"{op}: value_range must have shape [2], got {list(vr._value.shape)}.")
    n = _as_int(nbins, op, "nbins")
    if n <= 0:
        raise InvalidArgumentError(f"{op}: nbins must be positive, got {n}.")
    if x._value.dtype.kind == "f" and np.isnan(x._value).any():
        raise InvalidArgumentError(f"{op}: values must not contain NaN.")
    lo, hi = vr._value.tolist()
    if not lo < hi:
        raise InvalidArgumentError(f"{op}: value_range must satisfy value_range[0] < value_range[1], got {[lo, hi]}.")
    return x, vr, n


def histogram_fixed_width(values: Any, value_range: Any, nbins: Any = 100, dtype: Any = _dtypes.int32,
                          name: str | None = None) -> Tensor:
    """Counts of ``values`` in ``nbins`` equal-width bins over ``value_range = [lo, hi]``; values below ``lo`` go
    to the first bin and values at or above ``hi`` to the last. Not differentiable.

    >>> import tapegrad as tf
    >>> tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], nbins=5).numpy().tolist()
    [2, 1, 1, 0, 2]
    """
    op = "histogram_fixed_width"
    x, vr, n = _hist_args(values, value_range, nbins, op)
    dt = _dtypes.as_dtype(dtype)
    if dt.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: dtype must be int32 or int64, got {dt.name}.")
    return applyn(HISTOGRAM, (x, vr), {"nbins": n, "dtype": dt._np})


def _histogram_bins_fwd(F: Any, x: Any, vr: Any, nbins: int) -> Any:
    # TF's composite, in the values' dtype: floor(nbins * ((x - lo) / (hi - lo))) clipped to [0, nbins - 1]
    nf = x.dtype.type(nbins)
    scaled = (x - vr[0]) / (vr[1] - vr[0])
    idx = F.floor(nf * scaled)
    return F.clip(idx, 0, nf - 1).astype(np.int32)


HISTOGRAM_BINS = defop(
    "histogram_fixed_width_bins", _histogram_bins_fwd, None,
    test=spec(lambda tf, x, r: tf.histogram_fixed_width_bins(x, r, nbins=4),
              lambda rng: (rng.uniform(-1.0, 6.0, size=(3, 5)), np.array([0.0, 5.0])),
              ref=lambda x, r: np.clip(np.floor(4 * x / 5.0), 0, 3).astype(np.int32)),
)


def histogram_fixed_width_bins(values: Any, value_range: Any, nbins: Any = 100, dtype: Any = _dtypes.int32,
                               name: str | None = None) -> Tensor:
    """The bin index (int32, ``values``' shape) of each value among ``nbins`` equal-width bins over
    ``value_range``; values outside go to the first or last bin. As in TF, ``value_range`` must have the values'
    (floating) dtype, and ``dtype`` is accepted but the result is always int32. Not differentiable.

    >>> import tapegrad as tf
    >>> tf.histogram_fixed_width_bins([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], nbins=5).numpy().tolist()
    [0, 0, 1, 2, 4, 4]
    """
    op = "histogram_fixed_width_bins"
    x = to_tensor(values)
    vr = to_tensor(value_range)  # TF converts it on its own (a float list is float32, as for any constant)
    check_kinds(x, "f", op)
    if vr.dtype != x.dtype:
        raise InvalidArgumentError(f"{op}: value_range has dtype {vr.dtype.name} but values have {x.dtype.name}; "
                                   f"pass value_range as a {x.dtype.name} tensor.")
    x, vr, n = _hist_args(x, vr, nbins, op)
    return applyn(HISTOGRAM_BINS, (x, vr), {"nbins": n})


# -- confusion_matrix -------------------------------------------------------------------------------------------------


def _squeeze_last(labels: Any, predictions: Any) -> tuple[Any, Any]:
    """TF's remove_squeezable_dimensions: drop a trailing size-1 axis from the operand with one more axis."""
    diff = predictions._value.ndim - labels._value.ndim
    if diff == 1 and predictions._value.shape[-1] == 1:
        predictions = shape_ops.squeeze(predictions, [-1])
    elif diff == -1 and labels._value.shape[-1] == 1:
        labels = shape_ops.squeeze(labels, [-1])
    return labels, predictions


def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None, weights: Any = None,
                     dtype: Any = _dtypes.int32, name: str | None = None) -> Tensor:
    """The ``[num_classes, num_classes]`` matrix counting (or summing ``weights`` over) each (label, prediction)
    pair: rows are labels, columns predictions. ``num_classes`` defaults to the largest label or prediction + 1.
    Floating ``weights`` with a floating ``dtype`` get gradients (as TF: the gathered upstream gradient).

    >>> import tapegrad as tf
    >>> tf.math.confusion_matrix([1, 2, 4], [2, 2, 4]).numpy().tolist()
    [[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]
    """
    op = "confusion_matrix"
    lab, pred = _squeeze_last(to_tensor(labels), to_tensor(predictions))
    lab = core.cast(lab, _dtypes.int64)
    pred = core.cast(pred, _dtypes.int64)
    for t, what in ((lab, "labels"), (pred, "predictions")):
        if (t._value < 0).any():
            raise InvalidArgumentError(
                f"{op}: `{what}` contains negative values: {t._value.reshape(-1).tolist()[:10]}.")
    if num_classes is None:
        n = int(max(lab._value.max(initial=-1), pred._value.max(initial=-1))) + 1
    else:
        n = _as_int(num_classes, op, "num_classes") if not isinstance(num_classes, _TensorLike) else \
            int(np.asarray(_raw(num_classes)))
        for t, what in ((lab, "labels"), (pred, "predictions")):
            if (t._value >= n).any():
                raise InvalidArgumentError(f"{op}: `{what}` out of bound: values must be < num_classes={n}, got "
                                           f"{t._value.reshape(-1).tolist()[:10]}.")
    dt = _dtypes.as_dtype(dtype)
    if weights is None:
        values = core.ones_like(pred, dtype=dt)
    else:
        w = to_tensor(weights)
        if tuple(pred._value.shape) != tuple(w._value.shape):
            raise ValueError(f"{op}: weights shape {list(w._value.shape)} is not compatible with predictions shape "
                             f"{list(pred._value.shape)}.")
        values = core.cast(w, dt)
    idx = joining.stack([lab, pred], axis=1)
    return scatter.scatter_nd(idx, values, [n, n])


# -- Bucketize --------------------------------------------------------------------------------------------------------


def _bucketize_fwd(F: Any, x: Any, boundaries: tuple[float, ...]) -> Any:
    # TF: the index of the first boundary greater than x (upper bound); nan compares greater than everything
    b = np.asarray(boundaries, dtype=np.float64)
    return F.searchsorted(b, np.asarray(x, dtype=np.float64), side="right").astype(np.int32)


# TF registers no gradient for Bucketize: a watched float input makes gradient() raise LookupError
BUCKETIZE = defop("bucketize", _bucketize_fwd, NO_GRADIENT, tf_name="Bucketize", test=spec(
    lambda tf, x: tf.raw_ops.Bucketize(input=x, boundaries=[-1.0, 0.0, 0.5, 2.0]),
    lambda rng: (rng.normal(size=(3, 4)),),
    ref=lambda x: np.searchsorted([-1.0, 0.0, 0.5, 2.0], x, side="right").astype(np.int32), grad=()))


def bucketize(input: Any, boundaries: Any, name: str | None = None) -> Tensor:  # noqa: A002  (TF's argument name)
    """``tf.raw_ops.Bucketize``: for each element, the number of ``boundaries`` less than or equal to it (an int32
    tensor of the input's shape). ``boundaries`` is a sorted Python list of floats; inputs are int32, int64, float32
    or float64. No gradient (TF registers none: ``gradient()`` through it raises LookupError).

    >>> import tapegrad as tf
    >>> tf.raw_ops.Bucketize(input=tf.constant([-1.0, 1.5, 3.0, 7.0]), boundaries=[1.0, 2.0, 5.0]).numpy().tolist()
    [0, 1, 2, 3]
    """
    if not isinstance(boundaries, (list, tuple)):
        raise TypeError(f"Bucketize: `boundaries` must be a list of floats, got {type(boundaries).__name__} "
                        f"{boundaries!r}; pass e.g. boundaries=[0.0, 1.0] (a Python list, as TF requires).")
    bnd = tuple(float(b) for b in boundaries)
    if any(b > c for b, c in zip(bnd, bnd[1:])):
        raise InvalidArgumentError(f"Bucketize: expected sorted boundaries, got {list(bnd)}; sort them first.")
    t = to_tensor(input)
    if t.dtype.name not in ("int32", "int64", "float32", "float64"):
        raise InvalidArgumentError(
            f"Bucketize: expected an int32, int64, float32 or float64 input, got {t.dtype.name} (shape "
            f"{tuple(t._value.shape)}); cast it first, e.g. tapegrad.cast(x, tapegrad.float32).")
    return apply1(BUCKETIZE, t, {"boundaries": bnd})


EXPORTS: dict[str, list[str]] = {
    "": ["histogram_fixed_width", "histogram_fixed_width_bins"],
    "math": ["count_nonzero", "bincount", "confusion_matrix"],
}
