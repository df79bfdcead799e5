"""Losses (``tf.nn``): softmax_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits,
sigmoid_cross_entropy_with_logits, weighted_cross_entropy_with_logits and l2_loss.
"""

from __future__ import annotations

from typing import Any
from weakref import ref as _weakref

import numpy as np

from .._dispatch import apply1, apply2, applyn
from .._registry import defop, spec
from .._tape import local
from .._tensor import Tensor, Variable
from ..errors import InvalidArgumentError
from . import activations, core
from ._common import norm_one_axis, to_tensor
from ._nn_common import _check_float, _run, _same_dtype, _sigmoid, _upcast_half
from .activations import LOG_SOFTMAX, _log_softmax_ref, _softplus

# -- cross entropies -------------------------------------------------------------------------------------------


# Recording forwards keep exp(shifted logits) and its row sums for the rule (TF's op returns its backprop as a second
# output for the same reason), keyed by id of the loss array: the entry saves that array (save_out), the rule looks
# it up and takes the pair over; the weak reference drops the pair when the loss array dies without a gradient.
_XENT_KEPT: dict[int, tuple[Any, Any, Any]] = {}
_max_reduce = np.maximum.reduce
# module-level names for NumPy's: `np.x` is an unspecialised attribute load in Python 3.11 (numpy has a module
# __getattr__), a global is not
_nd = np.ndarray
_np_exp = np.exp
_np_log = np.log
_add_reduce = np.add.reduce


def _xent_fwd(F: Any, labels: Any, logits: Any, axis: int) -> Any:
    if type(logits) is _nd and type(labels) is _nd:
        # the ufuncs' reductions, which ndarray.max/.sum call through a Python-level wrapper each (same results)
        s = logits - _max_reduce(logits, axis, None, None, True)
        e = _np_exp(s)
        se = _add_reduce(e, axis, None, None, True)
        out = _add_reduce(labels * (_np_log(se) - s), axis)
        if axis == -1 and type(out) is _nd and local.tapes and e.dtype.kind == "f":
            k = id(out)
            _XENT_KEPT[k] = (_weakref(out, lambda _, k=k: _XENT_KEPT.pop(k, None)), e, se)
        return out
    s = logits - F.max(logits, axis=axis, keepdims=True)
    lse = F.log(F.sum(F.exp(s), axis=axis, keepdims=True))
    return F.sum(labels * (lse - s), axis=axis)


def _xent_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    labels, logits = ins
    ax = p["axis"]
    if (not needs[0] and ax == -1 and not F.is_diff and type(logits) is _nd and logits.dtype.kind == "f"
            and labels.shape == logits.shape and g.shape == logits.shape[:-1]):
        # the usual case (gradient for the logits only, no batch axes): softmax, minus labels, times the upstream,
        # in one fresh temporary; the same operations in the same order as the general expression below
        kept = _XENT_KEPT.pop(id(out), None) if out is not None else None
        if kept is not None and kept[0]() is out:  # the forward's exp and row sums (the rule owns them now)
            r = kept[1]
            r /= kept[2]
        else:
            r = np.exp(logits - np.maximum.reduce(logits, axis=-1, keepdims=True))
            r /= np.add.reduce(r, axis=-1, keepdims=True)
        r -= labels
        if not any(g.strides):
            # one upstream value (a mean's or sum's zero-stride view): the same products by a scalar, cheaper
            # than broadcasting the view
            r *= g[(0,) * g.ndim]
            return (None, r)
        return (None, np.multiply(g[..., None], r, out=r))
    ge = g[..., None] if ax == -1 and not F.is_diff else F.expand_dims(g, ax)
    # TF's kernel: d/dlogits = softmax - labels (the exact derivative when each label row sums to 1)
    glog = ge * (_run(F, activations.SOFTMAX, logits, axis=ax) - labels) if needs[1] else None
    glab = ge * -_run(F, LOG_SOFTMAX, logits, axis=ax) if needs[0] else None
    return (glab, glog)


def _xent_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    labels, logits = ins
    ax = p["axis"]
    res = None
    if ts[1] is not None:
        res = F.sum((_run(F, activations.SOFTMAX, logits, axis=ax) - labels) * ts[1], axis=ax)
    if ts[0] is not None:
        r = F.sum(ts[0] * -_run(F, LOG_SOFTMAX, logits, axis=ax), axis=ax)
        res = r if res is None else res + r
    return res


def _distribution(rng: Any, shape: tuple[int, ...], axis: int = -1) -> np.ndarray:
    e = np.exp(rng.normal(size=shape))
    return e / e.sum(axis=axis, keepdims=True)


def _xent_ref(labels: np.ndarray, logits: np.ndarray, axis: int = -1) -> np.ndarray:
    return -np.sum(labels * _log_softmax_ref(logits, axis), axis=axis)


SOFTMAX_XENT = defop("softmax_cross_entropy_with_logits", _xent_fwd, _xent_vjp, _xent_jvp, save_out=True, test=[
    spec(lambda tf, lab, x: tf.nn.softmax_cross_entropy_with_logits(lab, x),
         lambda rng: (_distribution(rng, (3, 4)), rng.normal(size=(3, 4))), ref=_xent_ref),
    spec(lambda tf, lab, x: tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=x, axis=0),
         lambda rng: (_distribution(rng, (4, 3), 0), rng.normal(size=(4, 3))),
         ref=lambda lab, x: _xent_ref(lab, x, 0), name="axis0"),
])


_LAST_AXIS = {"axis": -1}


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """Cross entropy ``-sum(labels * log_softmax(logits), axis)`` with a fused, stable gradient.

    Like TF, the gradient flows to ``labels`` too (``-log_softmax(logits)``); the gradient wrt ``logits`` is
    TF's ``softmax(logits) - labels`` (the exact derivative when each label vector is a distribution).
    ``labels`` are converted to ``logits``' dtype and broadcast against it.

    >>> import tapegrad as tf
    >>> float(tf.nn.softmax_cross_entropy_with_logits([0.0, 1.0], [0.0, 0.0])) == float(tf.math.log(2.0))
    True
    """
    tx, tl = type(logits), type(labels)
    if (tx is Tensor or tx is Variable) and (tl is Tensor or tl is Variable) and type(axis) is int and axis == -1:
        # the usual call (same-shaped float32/float64 tensors, last axis): straight to the op
        xv, lv = logits._value, labels._value
        dt = xv.dtype
        ldt = lv.dtype
        if ((dt is ldt or dt == ldt) and dt.kind == "f" and dt.itemsize > 2 and xv.ndim
                and xv.shape == lv.shape):
            return apply2(SOFTMAX_XENT, labels, logits, _LAST_AXIS, _xent_fwd(labels._xp, lv, xv, -1))
    x = to_tensor(logits)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(
            f"softmax_cross_entropy_with_logits: logits must be floating point, got {x.dtype.name}.")
    lab = to_tensor(labels)
    if lab._value.dtype != x._value.dtype:
        lab = core.cast(lab, x.dtype)
    if x._value.ndim == 0 or lab._value.ndim == 0:
        raise InvalidArgumentError(
            "softmax_cross_entropy_with_logits: labels and logits must have rank >= 1, got shapes "
            f"{tuple(lab._value.shape)} and {tuple(x._value.shape)}.")
    try:
        full = (x._value.shape if lab._value.shape == x._value.shape
                else np.broadcast_shapes(lab._value.shape, x._value.shape))
    except ValueError:
        raise InvalidArgumentError(
            "softmax_cross_entropy_with_logits: logits and labels must be broadcastable: logits shape "
            f"{tuple(x._value.shape)}, labels shape {tuple(lab._value.shape)}.") from None
    ax = norm_one_axis(axis, len(full), "softmax_cross_entropy_with_logits")
    if len(lab._value.shape) != len(full):
        lab = core.broadcast_to(lab, full)
    if len(x._value.shape) != len(full):
        x = core.broadcast_to(x, full)
    half = x._value.dtype == np.float16
    out = apply2(SOFTMAX_XENT, _upcast_half(lab), _upcast_half(x), {"axis": ax})
    return core.cast(out, "float16") if half else out


def _sparse_fwd(F: Any, logits: Any, labels: Any) -> Any:
    m = F.max(logits, axis=-1, keepdims=True)
    s = logits - m
    lse = F.log(F.sum(F.exp(s), axis=-1))
    picked = F.take_along_axis(s, F.expand_dims(labels, -1), axis=-1)[..., 0]
    return lse - picked


def _one_hot(F: Any, logits: Any, labels: Any) -> Any:
    n = F.shape(logits)[-1]
    dt = logits._value.dtype if F.is_diff else logits.dtype
    return F.astype(F.equal(F.expand_dims(labels, -1), np.arange(n, dtype=np.int64)), dt)


def _sparse_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    logits = ins[0]
    sm = _run(F, activations.SOFTMAX, logits, axis=-1)
    return (F.expand_dims(g, -1) * (sm - _one_hot(F, logits, ins[1])), None)


def _sparse_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    logits = ins[0]
    sm = _run(F, activations.SOFTMAX, logits, axis=-1)
    return F.sum((sm - _one_hot(F, logits, ins[1])) * ts[0], axis=-1)


def _sparse_ref(labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    lp = _log_softmax_ref(logits)
    return -np.take_along_axis(lp, labels[..., None], axis=-1)[..., 0]


SPARSE_XENT = defop("sparse_softmax_cross_entropy_with_logits", _sparse_fwd, _sparse_vjp, _sparse_jvp, test=spec(
    lambda tf, lab, x: tf.nn.sparse_softmax_cross_entropy_with_logits(lab, x),
    lambda rng: (rng.integers(0, 5, size=(2, 3)).astype(np.int32), rng.normal(size=(2, 3, 5))), ref=_sparse_ref))


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any, name: str | None = None) -> Tensor:
    """Cross entropy of ``logits`` (``[..., classes]``) against integer class ``labels`` (``[...]``).

    Labels outside ``[0, classes)`` raise InvalidArgumentError (TF's CPU behaviour). Labels get no gradient.

    >>> import tapegrad as tf
    >>> round(float(tf.nn.sparse_softmax_cross_entropy_with_logits(1, [0.0, 0.0])), 6)
    0.693147
    """
    x = to_tensor(logits)
    lab = to_tensor(labels)
    op = "sparse_softmax_cross_entropy_with_logits"
    if lab._value.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: labels must be int32 or int64, got {lab.dtype.name}.")
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: logits must be floating point, got {x.dtype.name}.")
    ls, xs = tuple(lab._value.shape), tuple(x._value.shape)
    if len(ls) != len(xs) - 1:
        raise ValueError(f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: labels.shape={ls} of "
                         f"rank {len(ls)} and logits.shape={xs} of rank {len(xs)}")
    if ls != xs[:-1]:
        raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last dimension. Received: "
                         f"labels.shape={ls} and logits.shape={xs}")
    lv = lab._value  # checked at trace time; the labels themselves are an input of the op
    n = xs[-1]
    if lv.size:
        bad = (lv < 0) | (lv >= n)
        if bad.any():
            first = int(lv[bad].reshape(-1)[0])
            raise InvalidArgumentError(
                f"{op}: Received a label value of {first} which is outside the valid range of [0, {n}) "
                f"(labels shape {ls}, logits shape {xs}).")
    half = x._value.dtype == np.float16
    out = apply2(SPARSE_XENT, _upcast_half(x), lab if lv.dtype == np.int64 else core.cast(lab, "int64"))
    return core.cast(out, "float16") if half else out


def _sig_xent_fwd(F: Any, z: Any, x: Any) -> Any:
    return F.maximum(x, 0) - x * z + F.log1p(F.exp(-F.abs(x)))


def _sig_xent_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    z, x = ins
    gz = g * -x if needs[0] else None
    gx = g * (_sigmoid(F, x) - z) if needs[1] else None
    return (gz, gx)


def _sig_xent_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    z, x = ins
    res = None
    if ts[1] is not None:
        res = ts[1] * (_sigmoid(F, x) - z)
    if ts[0] is not None:
        r = ts[0] * -x
        res = r if res is None else res + r
    return res


def _sig_xent_ref(z: np.ndarray, x: np.ndarray) -> np.ndarray:
    return -(z * -np.logaddexp(0, -x) + (1 - z) * -np.logaddexp(0, x))


SIGMOID_XENT = defop("sigmoid_cross_entropy_with_logits", _sig_xent_fwd, _sig_xent_vjp, _sig_xent_jvp, test=spec(
    lambda tf, z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
    lambda rng: (rng.uniform(0, 1, size=(3, 4)), rng.normal(scale=3.0, size=(3, 4))), ref=_sig_xent_ref))


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Tensor:
    """Elementwise logistic loss ``max(x, 0) - x * z + log(1 + exp(-|x|))`` (``x`` logits, ``z`` labels).

    The fused gradient is ``sigmoid(x) - z`` for the logits and ``-x`` for the labels.

    >>> import tapegrad as tf
    >>> round(float(tf.nn.sigmoid_cross_entropy_with_logits(labels=1.0, logits=0.0)), 6)
    0.693147
    """
    if labels is None or logits is None:
        raise ValueError("Both `labels` and `logits` must be provided.")
    x = to_tensor(logits)
    (z,) = _same_dtype("sigmoid_cross_entropy_with_logits", x, labels)
    _check_float(x, "sigmoid_cross_entropy_with_logits")
    if z._value.shape != x._value.shape:
        raise ValueError(f"`logits` and `labels` must have the same shape, received ({tuple(x._value.shape)} vs "
                         f"{tuple(z._value.shape)}).")
    return apply2(SIGMOID_XENT, z, x)


def _wxent_fwd(F: Any, z: Any, x: Any, q: Any) -> Any:
    log_weight = 1 + (q - 1) * z
    return (1 - z) * x + log_weight * (F.log1p(F.exp(-F.abs(x))) + F.maximum(-x, 0))


def _wxent_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    z, x, q = ins
    sp = _softplus(F, -x) if (needs[0] or needs[2]) else None
    gz = g * ((q - 1) * sp - x) if needs[0] else None
    gx = g * ((1 - z) - (1 + (q - 1) * z) * _sigmoid(F, -x)) if needs[1] else None
    gq = g * (z * sp) if needs[2] else None
    return (gz, gx, gq)


def _wxent_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    z, x, q = ins
    terms = []
    if ts[0] is not None or ts[2] is not None:
        sp = _softplus(F, -x)
        if ts[0] is not None:
            terms.append(ts[0] * ((q - 1) * sp - x))
        if ts[2] is not None:
            terms.append(ts[2] * (z * sp))
    if ts[1] is not None:
        terms.append(ts[1] * ((1 - z) - (1 + (q - 1) * z) * _sigmoid(F, -x)))
    if not terms:
        return None
    res = terms[0]
    for t in terms[1:]:
        res = res + t
    return F.broadcast_to(res, np.broadcast_shapes(*(F.shape(i) for i in ins)))


def _wxent_ref(z: np.ndarray, x: np.ndarray, q: np.ndarray) -> np.ndarray:
    return q * z * np.logaddexp(0, -x) + (1 - z) * np.logaddexp(0, x)


WEIGHTED_XENT = defop("weighted_cross_entropy_with_logits", _wxent_fwd, _wxent_vjp, _wxent_jvp, test=spec(
    lambda tf, z, x, q: tf.nn.weighted_cross_entropy_with_logits(z, x, q),
    lambda rng: (rng.uniform(0, 1, size=(3, 4)), rng.normal(scale=3.0, size=(3, 4)), rng.uniform(0.5, 3, size=(4,))),
    ref=_wxent_ref))


def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any, name: str | None = None) -> Tensor:
    """Logistic loss with the positive term weighted by ``pos_weight``:
    ``(1 - z) * x + (1 + (q - 1) * z) * log(1 + exp(-x))``, computed stably; gradients to all three inputs.

    The gradient wrt the logits is the smooth ``(1 - z) - (1 + (q - 1) z) * sigmoid(-x)`` everywhere (TF's
    composite gives ``1 - z`` at exactly ``x = 0``, from ``abs'(0) = relu'(0) = 0``).

    >>> import tapegrad as tf
    >>> round(float(tf.nn.weighted_cross_entropy_with_logits(1.0, 0.0, 2.0)), 6)
    1.386294
    """
    x = to_tensor(logits)
    op = "weighted_cross_entropy_with_logits"
    z, q = _same_dtype(op, x, labels, pos_weight)
    _check_float(x, op)
    try:
        np.broadcast_shapes(z._value.shape, x._value.shape, q._value.shape)
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: incompatible shapes: labels {tuple(z._value.shape)}, logits {tuple(x._value.shape)}, pos_weight "
            f"{tuple(q._value.shape)} do not broadcast together.") from None
    return applyn(WEIGHTED_XENT, (z, x, q))


# -- l2_loss, l2_normalize, moments, batch_normalization ------------------------------------------------------


def _l2_loss_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    return (F.reshape(g, F.shape(g) + (1,) * F.ndim(x)) * x,)


L2_LOSS = defop("l2_loss", lambda F, x: F.sum(x * x, dtype=x.dtype) * 0.5, _l2_loss_vjp,
                lambda F, ts, ins, out, p: F.sum(ts[0] * ins[0]),
                test=spec(lambda tf, x: tf.nn.l2_loss(x), lambda rng: (rng.normal(size=(3, 4)),),
                          ref=lambda x: np.sum(x * x) / 2))


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """``sum(t ** 2) / 2`` (a scalar); the gradient is ``t``.

    >>> import tapegrad as tf
    >>> float(tf.nn.l2_loss(tf.constant([1.0, 2.0])))
    2.5
    """
    x = to_tensor(t)
    _check_float(x, "l2_loss")
    return apply1(L2_LOSS, x)


EXPORTS: dict[str, list[str]] = {
    "nn": [
        "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
    ],
}
