"""Neural-network activations of the foundation: relu and softmax (fused rule)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1
from .._registry import defop, normal, spec
from .._tensor import Tensor
from ._common import check_kinds, norm_one_axis, to_tensor


def _relu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # relu'(0) = 0 (TF); out > 0 exactly where x > 0. Raw arrays: g times the mask, as TF's ReluGrad kernel computes
    # it (half the cost of np.where on small tensors)
    if not F.is_diff and type(out) is np.ndarray:
        return (g * (out > 0),)
    return (F.where(out > 0, g, F.zeros_like(g)),)


RELU = defop("relu", lambda F, x: F.maximum(x, 0), _relu_vjp,
             lambda F, ts, ins, out, p: F.where(ins[0] > 0, ts[0], F.zeros_like(ts[0])),
             test=spec(lambda tf, x: tf.nn.relu(x), lambda rng: (rng.normal(size=(3, 4)) + 0.05,),
                       ref=lambda x: np.maximum(x, 0)), save_out=True, save_in=False)


def relu(features: Any, name: str | None = None) -> Tensor:
    """``max(x, 0)``; the gradient at 0 is 0, as in TF.

    >>> import tapegrad as tf
    >>> tf.nn.relu(tf.constant([-1.0, 0.0, 2.0])).numpy().tolist()
    [0.0, 0.0, 2.0]
    """
    x = features if type(features) is Tensor else to_tensor(features)
    if x._value.dtype.kind not in "fiu":
        check_kinds(x, "fiu", "relu")
    return apply1(RELU, x)


def _softmax_fwd(F: Any, x: Any, axis: int) -> Any:
    if x.dtype.itemsize == 2 and type(x) is np.ndarray:  # float16/bfloat16: in float32, rounded once (as TF)
        return _softmax_fwd(F, x.astype(np.float32), axis).astype(x.dtype)
    if type(x) is np.ndarray:  # array methods: no np.max/np.sum wrappers
        e = F.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)
    e = F.exp(x - F.max(x, axis=axis, keepdims=True))
    return e / F.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # Fused rule: J^T g = y * (g - <g, y>) along the axis.
    return (out * (g - F.sum(g * out, axis=p["axis"], keepdims=True)),)


def _softmax_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    t = ts[0]
    return out * (t - F.sum(t * out, axis=p["axis"], keepdims=True))


SOFTMAX = defop("softmax", _softmax_fwd, _softmax_vjp, _softmax_jvp, save_out=True, save_in=False, test=[
    spec(lambda tf, x: tf.nn.softmax(x), normal((3, 4)),
         ref=lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    spec(lambda tf, x: tf.nn.softmax(x, axis=0), normal((3, 4)),
         ref=lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True), name="axis0"),
])


def softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (last by default), computed stably.

    >>> import tapegrad as tf
    >>> tf.nn.softmax(tf.constant([0.0, 0.0])).numpy().tolist()
    [0.5, 0.5]
    """
    x = to_tensor(logits)
    check_kinds(x, "f", "softmax") if x._value.dtype.kind != "f" else None
    ax = norm_one_axis(-1 if axis is None else axis, x._value.ndim, "softmax") if x._value.ndim else -1
    if x._value.ndim == 0:
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError("softmax: logits must have rank >= 1, got a scalar.")
    return apply1(SOFTMAX, x, {"axis": ax})


EXPORTS: dict[str, list[str]] = {
    "nn": [
        "relu", "softmax"
    ],
    "math": [
        "softmax"
    ],
}
