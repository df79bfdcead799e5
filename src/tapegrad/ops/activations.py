"""Activation functions (``tf.nn``): relu, relu6, elu, selu, gelu, leaky_relu, silu/swish, sigmoid, softplus
(re-exported from :mod:`unary_math`, as ``tf.nn.softplus`` is ``tf.math.softplus``), softsign, softmax and
log_softmax.

TF conventions kept (reference §6): relu6' is 0 at 0 and 6, leaky_relu' at 0 is ``alpha``, elu' at 0 is 1,
selu' at 0 is ``scale``. Rules that need a nonlinear function call it through ``_run`` (see :mod:`_nn_common`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import apply1, apply2
from .._registry import defop, normal, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from . import _half_reduce, core, unary_math
from ._common import RaggedInput, check_kinds, like, norm_one_axis, to_tensor
from ._elementwise import _sigmoid_fused, _unary
from ._nn_common import (
    _GELU_TANH_A,
    _GELU_TANH_C,
    _INV_SQRT_2PI,
    _SELU_ALPHA,
    _SELU_SCALE,
    _avoid,
    _check_float,
    _ndtr,
    _sigmoid,
    _value_error_float,
    _zeros_where,
)


def _sigmoid_fwd(F: Any, x: Any) -> Any:
    if x.dtype.kind == "c":
        return 1 / (1 + F.exp(-x))
    # exp of -|x| never overflows; branch on the sign for a stable logistic
    e = F.exp(-F.abs(x))
    return F.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary("sigmoid", _sigmoid_fwd, lambda F, x, y: y * (1 - y), save_out=True, save_in=False,
                 fused=_sigmoid_fused,
                 doc="Logistic function ``1 / (1 + exp(-x))``, computed stably.",
                 test=spec(lambda tf, x: tf.sigmoid(x), lambda rng: (rng.normal(size=(3, 4)) * 3,),
                           ref=lambda x: 1 / (1 + np.exp(-x)), complex=True))


def _relu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # relu'(0) = 0 (TF); out > 0 exactly where x > 0. Raw arrays: g times the mask, as TF's ReluGrad kernel computes
    # it (half the cost of np.where on small tensors)
    if type(out) is _nd and not F.is_diff:
        return (g * (out > 0),)
    return (F.where(out > 0, g, F.zeros_like(g)),)


RELU = defop("relu", lambda F, x: F.maximum(x, 0), _relu_vjp,
             lambda F, ts, ins, out, p: F.where(ins[0] > 0, ts[0], F.zeros_like(ts[0])),
             test=spec(lambda tf, x: tf.nn.relu(x), lambda rng: (rng.normal(size=(3, 4)) + 0.05,),
                       ref=lambda x: np.maximum(x, 0)), save_out=True, save_in=False)


_EMPTY_P: dict[str, Any] = {}
_nd = np.ndarray  # (module-level names: `np.x` is an unspecialised attribute load in Python 3.11)
_np_maximum = np.maximum


def relu(features: Any, name: str | None = None) -> Tensor:
    """``max(x, 0)``; the gradient at 0 is 0, as in TF.

    >>> import tapegrad as tf
    >>> tf.nn.relu(tf.constant([-1.0, 0.0, 2.0])).numpy().tolist()
    [0.0, 0.0, 2.0]
    """
    try:
        x = features if type(features) is Tensor else to_tensor(features)
    except RaggedInput:  # a RaggedTensor: on its flat values
        return features.with_flat_values(relu(features.flat_values))
    v = x._value
    if v.dtype.kind not in "fiu":
        check_kinds(x, "fiu", "relu")
    if type(v) is _nd:  # RELU's forward, computed here (no call through op.fwd)
        return apply1(RELU, x, _EMPTY_P, _np_maximum(v, 0))
    return apply1(RELU, x)


def _softmax_fwd(F: Any, x: Any, axis: int) -> Any:
    if x.dtype.itemsize == 2 and type(x) is np.ndarray:
        if x.dtype == np.float16:  # TF rounds every step to float16 (its Eigen kernel)
            return _half_reduce.softmax(x, axis, log=False)
        return _softmax_fwd(F, x.astype(np.float32), axis).astype(x.dtype)  # bfloat16: in float32, rounded once
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


# -- activations ------------------------------------------------------------------------------------------------


def _relu6_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    return (_zeros_where(F, (x > 0) & (x < 6), g),)  # 0 at both kinks, as TF


def _relu6_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    return _zeros_where(F, (x > 0) & (x < 6), ts[0])


RELU6 = defop("relu6", lambda F, x: F.minimum(F.maximum(x, 0), 6), _relu6_vjp, _relu6_jvp,
              test=spec(lambda tf, x: tf.nn.relu6(x), lambda rng: (_avoid(rng.uniform(-2, 8, (3, 4)), (0, 6)),),
                        ref=lambda x: np.clip(x, 0, 6)))


def relu6(features: Any, name: str | None = None) -> Tensor:
    """``min(max(x, 0), 6)``; the gradient is 0 at both 0 and 6, as in TF.

    >>> import tapegrad as tf
    >>> tf.nn.relu6(tf.constant([-1.0, 3.0, 7.0])).numpy().tolist()
    [0.0, 3.0, 6.0]
    """
    x = to_tensor(features)
    if x._value.dtype.kind not in "fiu":
        check_kinds(x, "fiu", "relu6")
    return apply1(RELU6, x)


def _elu_fwd(F: Any, x: Any) -> Any:
    return F.where(x < 0, F.expm1(F.minimum(x, 0)), x)


def _elu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.where(out < 0, g * (out + 1), g),)  # TF's EluGrad, from the output: 1 at 0


def _elu_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.where(out < 0, ts[0] * (out + 1), ts[0])


ELU = defop("elu", _elu_fwd, _elu_vjp, _elu_jvp, save_out=True,
            test=spec(lambda tf, x: tf.nn.elu(x), lambda rng: (_avoid(rng.normal(size=(3, 4)), (0,)),),
                      ref=lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))))


def elu(features: Any, name: str | None = None) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0``, ``exp(x) - 1`` otherwise; the gradient at 0 is 1 (TF).

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.nn.elu(tf.constant([-1.0, 2.0])).numpy().tolist()]
    [-0.6321, 2.0]
    """
    x = to_tensor(features)
    _check_float(x, "elu")
    return apply1(ELU, x)


def _selu_fwd(F: Any, x: Any) -> Any:
    return F.where(x < 0, (_SELU_SCALE * _SELU_ALPHA) * F.expm1(F.minimum(x, 0)), _SELU_SCALE * x)


def _selu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.where(out < 0, g * (out + _SELU_SCALE * _SELU_ALPHA), g * _SELU_SCALE),)


def _selu_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.where(out < 0, ts[0] * (out + _SELU_SCALE * _SELU_ALPHA), ts[0] * _SELU_SCALE)


SELU = defop("selu", _selu_fwd, _selu_vjp, _selu_jvp, save_out=True,
             test=spec(lambda tf, x: tf.nn.selu(x), lambda rng: (_avoid(rng.normal(size=(3, 4)), (0,)),),
                       ref=lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))))


def selu(features: Any, name: str | None = None) -> Tensor:
    """Scaled ELU: ``scale * x`` for ``x > 0``, ``scale * alpha * (exp(x) - 1)`` otherwise (gradient at 0: scale).

    >>> import tapegrad as tf
    >>> round(float(tf.nn.selu(tf.constant(1.0))), 6)
    1.050701
    """
    x = to_tensor(features)
    _check_float(x, "selu")
    return apply1(SELU, x)


def _gelu_fwd(F: Any, x: Any, approximate: bool) -> Any:
    if approximate:
        return 0.5 * x * (1.0 + F.tanh(_GELU_TANH_C * (x + _GELU_TANH_A * x * x * x)))
    return x * _ndtr(F, x)


def _gelu_deriv(F: Any, x: Any, approximate: bool) -> Any:
    if approximate:
        t = F.tanh(_GELU_TANH_C * (x + _GELU_TANH_A * x * x * x))
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (_GELU_TANH_C * (1.0 + (3 * _GELU_TANH_A) * x * x))
    return _ndtr(F, x) + x * (F.exp(x * x * -0.5) * _INV_SQRT_2PI)


def _gelu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g * _gelu_deriv(F, ins[0], p["approximate"]),)


def _gelu_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0] * _gelu_deriv(F, ins[0], p["approximate"])


def _gelu_ref(x: np.ndarray, approximate: bool = False) -> np.ndarray:
    from scipy.special import erf

    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


GELU = defop("gelu", _gelu_fwd, _gelu_vjp, _gelu_jvp, test=[
    spec(lambda tf, x: tf.nn.gelu(x), lambda rng: (rng.normal(scale=2.0, size=(3, 4)),), ref=_gelu_ref,
         name="erf"),
    spec(lambda tf, x: tf.nn.gelu(x, approximate=True), lambda rng: (rng.normal(scale=2.0, size=(3, 4)),),
         ref=lambda x: _gelu_ref(x, True), name="tanh"),
])


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """Gaussian error linear unit ``x * Φ(x)``; ``approximate=True`` uses the tanh approximation.

    Φ is computed as ``erfc(-x/√2)/2``, accurate in the lower tail (``gelu(-10) ≈ -7.6e-23``, as in TF).

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.nn.gelu(tf.constant([-1.0, 0.0, 1.0])).numpy().tolist()]
    [-0.1587, 0.0, 0.8413]
    """
    x = to_tensor(features)
    _value_error_float(x, "features")
    return apply1(GELU, x, {"approximate": bool(approximate)})


def _leaky_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (F.where(ins[0] > 0, g, g * p["alpha"]),)  # alpha at 0, as TF


def _leaky_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return F.where(ins[0] > 0, ts[0], ts[0] * p["alpha"])


_ALPHA32_02 = float(np.float32(0.2))

LEAKY_RELU = defop("leaky_relu", lambda F, x, alpha: F.where(x > 0, x, x * alpha), _leaky_vjp, _leaky_jvp,
                   test=[spec(lambda tf, x: tf.nn.leaky_relu(x), lambda rng: (_avoid(rng.normal(size=(3, 4)), (0,)),),
                              ref=lambda x: np.where(x > 0, x, x * _ALPHA32_02)),
                         spec(lambda tf, x: tf.nn.leaky_relu(x, alpha=1.5),
                              lambda rng: (_avoid(rng.normal(size=(5,)), (0,)),),
                              ref=lambda x: np.where(x > 0, x, 1.5 * x), name="alpha>1")])


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """``x`` for ``x > 0``, ``alpha * x`` otherwise; the gradient at 0 is ``alpha`` (TF).

    Integer inputs are converted to float32, and ``alpha`` is rounded to float32 (it is a float32 attribute of
    TF's kernel: float64 results match TF bit for bit).

    >>> import tapegrad as tf
    >>> tf.nn.leaky_relu(tf.constant([-1.0, 2.0])).numpy().tolist()
    [-0.20000000298023224, 2.0]
    """
    try:
        x = to_tensor(features)
    except RaggedInput:  # a RaggedTensor: on its flat values
        return features.with_flat_values(leaky_relu(features.flat_values, alpha))
    if x._value.dtype.kind in "iub":
        x = core.cast(x, "float32")
    _check_float(x, "leaky_relu")
    if isinstance(alpha, (np.ndarray, _TensorLike)):
        alpha = np.asarray(alpha).item()
    return apply1(LEAKY_RELU, x, {"alpha": float(np.float32(alpha))})


def _silu_fwd(F: Any, x: Any, beta: Any) -> Any:
    return x * _sigmoid(F, beta * x)


def _silu_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, beta = ins
    z = beta * x
    s = _sigmoid(F, z)
    gx = g * (s * (1.0 + z * (1.0 - s))) if needs[0] else None
    gb = g * (x * x * s * (1.0 - s)) if needs[1] else None
    return (gx, gb)


def _silu_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, beta = ins
    z = beta * x
    s = _sigmoid(F, z)
    res = None
    if ts[0] is not None:
        res = ts[0] * (s * (1.0 + z * (1.0 - s)))
    if ts[1] is not None:
        r = ts[1] * (x * x * s * (1.0 - s))
        res = r if res is None else res + r
    return res


SILU = defop("silu", _silu_fwd, _silu_vjp, _silu_jvp, test=[
    spec(lambda tf, x: tf.nn.silu(x), lambda rng: (rng.normal(scale=2.0, size=(3, 4)),),
         ref=lambda x: x / (1 + np.exp(-x))),
    spec(lambda tf, x, b: tf.nn.silu(x, b), lambda rng: (rng.normal(scale=2.0, size=(3, 4)), np.array(1.7)),
         ref=lambda x, b: x / (1 + np.exp(-b * x)), name="beta"),
])


def silu(features: Any, beta: Any = 1.0) -> Tensor:
    """SiLU / swish ``x * sigmoid(beta * x)``. A tensor ``beta`` gets a gradient too, as in TF.

    >>> import tapegrad as tf
    >>> round(float(tf.nn.silu(tf.constant(1.0))), 6)
    0.731059
    """
    x = to_tensor(features)
    _check_float(x, "silu")
    if isinstance(beta, _TensorLike):
        b = beta if beta._value.dtype == x._value.dtype else core.cast(beta, x.dtype)
    else:
        b = like(beta, x, "silu")
    return apply2(SILU, x, b)


swish = silu


def _softplus_raw(F: Any, x: Any) -> Any:
    return F.maximum(x, 0) + F.log1p(F.exp(-F.abs(x)))


softplus = unary_math.softplus  # tf.nn.softplus is tf.math.softplus


def _softplus(F: Any, x: Any) -> Any:
    """softplus inside rules: the raw formula on arrays, the differentiable op on Tensors."""
    if F.is_diff:
        return softplus(x)
    return _softplus_raw(F, x)


def _softsign_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g / F.square(1 + F.abs(ins[0])),)

def _softsign_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return ts[0] / F.square(1 + F.abs(ins[0]))

SOFTSIGN = defop("softsign", lambda F, x: x / (1 + F.abs(x)),
                 _softsign_vjp, _softsign_jvp,
                 test=spec(lambda tf, x: tf.nn.softsign(x), lambda rng: (_avoid(rng.normal(size=(3, 4)), (0,)),),
                           ref=lambda x: x / (1 + np.abs(x))))

def softsign(features: Any, name: str | None = None) -> Tensor:
    """``x / (1 + |x|)``; the gradient is ``1 / (1 + |x|)**2``.

    >>> import tapegrad as tf
    >>> tf.nn.softsign(tf.constant([-1.0, 3.0])).numpy().tolist()
    [-0.5, 0.75]
    """
    x = to_tensor(features)
    _check_float(x, "softsign")
    return apply1(SOFTSIGN, x)




# -- log_softmax -----------------------------------------------------------------------------------------------


def _log_softmax_fwd(F: Any, x: Any, axis: int) -> Any:
    if type(x) is np.ndarray:  # array methods: no np.max/np.sum wrappers
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":  # float16/bfloat16: TF rounds every step (Eigen)
            return _half_reduce.softmax(x, axis, log=True)
        s = x - x.max(axis=axis, keepdims=True)
        return s - F.log(F.exp(s).sum(axis=axis, keepdims=True))
    s = x - F.max(x, axis=axis, keepdims=True)
    return s - F.log(F.sum(F.exp(s), axis=axis, keepdims=True))


def _log_softmax_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # Fused rule: J^T g = g - softmax * sum(g) along the axis.
    return (g - F.exp(out) * F.sum(g, axis=p["axis"], keepdims=True),)


def _log_softmax_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    t = ts[0]
    return t - F.sum(F.exp(out) * t, axis=p["axis"], keepdims=True)


def _log_softmax_ref(x: np.ndarray, axis: int = -1) -> np.ndarray:
    from scipy.special import log_softmax as ref

    return ref(x, axis=axis)


LOG_SOFTMAX = defop("log_softmax", _log_softmax_fwd, _log_softmax_vjp, _log_softmax_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.nn.log_softmax(x), lambda rng: (rng.normal(size=(3, 4)),), ref=_log_softmax_ref),
    spec(lambda tf, x: tf.math.log_softmax(x, axis=0), lambda rng: (rng.normal(size=(3, 4)),),
         ref=lambda x: _log_softmax_ref(x, 0), name="axis0"),
])


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """``logits - log(sum(exp(logits)))`` along ``axis`` (last by default), computed stably.

    >>> import tapegrad as tf
    >>> tf.nn.log_softmax(tf.constant([1000.0, 0.0])).numpy().tolist()
    [0.0, -1000.0]
    """
    x = to_tensor(logits)
    _check_float(x, "log_softmax")
    if x._value.ndim == 0:
        raise InvalidArgumentError("log_softmax: logits must have rank >= 1, got a scalar.")
    ax = norm_one_axis(-1 if axis is None else axis, x._value.ndim, "log_softmax")
    return apply1(LOG_SOFTMAX, x, {"axis": ax})


EXPORTS: dict[str, list[str]] = {
    "": [
        "sigmoid",
    ],
    "math": [
        "sigmoid", "softmax", "log_softmax", "softsign",
    ],
    "nn": [
        "sigmoid", "relu", "softmax", "relu6", "elu", "selu", "gelu", "leaky_relu", "silu", "swish", "softplus",
        "softsign", "log_softmax",
    ],
}
