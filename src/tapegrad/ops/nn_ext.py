"""``tf.nn`` beyond relu/softmax: activations, losses, normalisation, dropout, bias_add, convolution and pooling.

Every op is one ``defop`` with fused forward, VJP and JVP rules. Rules that need a nonlinear function of their
inputs call it through :func:`_run`, which evaluates an op's raw forward on arrays and applies the (recorded)
op on Tensors, so the same rule gives first and higher-order derivatives. Convolution and pooling are built
the same way: the gradient of ``conv2d`` is made of the ops ``conv2d_backprop_input`` and
``conv2d_backprop_filter``, each of which is differentiable again (their VJPs are ``conv2d`` and each other),
and max/avg pooling have mutually adjoint scatter/gather ops, so every order of derivative is exact.

TF conventions kept (reference §6): relu6' is 0 at 0 and 6, leaky_relu' at 0 is ``alpha``, elu' at 0 is 1,
selu' at 0 is ``scale``, max-pool gradients go to the *first* maximum of each window (accumulating over
overlapping windows), SAME average pooling divides by the number of valid (unpadded) elements, and
``l2_normalize`` at 0 has gradient ``1/sqrt(epsilon)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from weakref import ref as _weakref

import numpy as np

from .. import _buffers
from .._backend import NUMPY
from .._dispatch import apply1, apply2, applyn
from .._registry import OpDef, bilinear_jvp, defop, spec
from .._tape import local
from .._tensor import Tensor, Variable, _TensorLike, static_value
from ..errors import InvalidArgumentError
from . import array_ops, core, math_ext, math_ops, nn_ops, random_ops
from ._common import check_kinds, like, norm_axis, norm_one_axis, pair, shape_arg, to_tensor
from .reductions import unreduce

_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2*pi)
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717
_GELU_TANH_C = 0.7978845608028654  # sqrt(2/pi)
_GELU_TANH_A = 0.044715


# -- rule helpers ----------------------------------------------------------------------------------------------


def _run(F: Any, op: OpDef, *args: Any, **p: Any) -> Any:
    """``op`` on raw arrays (its forward) or, under the differentiable namespace, the recorded op on Tensors."""
    if F.is_diff:
        return applyn(op, tuple(to_tensor(a) for a in args), p)
    return op.fwd(F, *args, **p)


def _raw(F: Any, t: Any) -> tuple[Any, Any]:
    """(raw backend, raw array) of a rule argument, for index computations that are not differentiated."""
    if F.is_diff:
        return t._xp, static_value(t)
    return F, t


def _zeros_where(F: Any, cond: Any, g: Any) -> Any:
    """``g`` where ``cond``, else 0 (``g`` may carry leading batch axes)."""
    return F.where(cond, g, F.zeros_like(g))


def _sigmoid(F: Any, z: Any) -> Any:
    return _run(F, math_ops.OPS_BY_PUBLIC["sigmoid"], z)


def _check_float(x: Any, op: str) -> None:
    if x._value.dtype.kind != "f":
        check_kinds(x, "f", op)


def _value_error_float(x: Any, what: str) -> None:
    if x._value.dtype.kind != "f":
        raise ValueError(f"`{what}.dtype` must be a floating point tensor. Received: {what}.dtype={x.dtype.name}")


def _same_dtype(op: str, first: Any, *others: Any) -> list[Any]:
    """Convert ``others`` to tensors of ``first``'s dtype (tensors must already agree; other values adopt it)."""
    out = []
    for o in others:
        _, t = pair(first, o, op)
        out.append(t)
    return out


def _avoid(x: np.ndarray, points: Sequence[float], margin: float = 0.05) -> np.ndarray:
    """Test inputs moved at least ``margin`` away from the kinks at ``points``."""
    for c in points:
        near = np.abs(x - c) < margin
        x = np.where(near, c + np.where(x >= c, margin, -margin) * 2, x)
    return x


def _ndtr(F: Any, x: Any) -> Any:
    """Φ(x) inside rules (raw or recorded): erfc(-x/√2)/2 through tf.math.erfc's op."""
    return _run(F, math_ext.ERFC, x * -_SQRT1_2) * 0.5


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
    x = to_tensor(features)
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


softplus = math_ext.softplus  # tf.nn.softplus is tf.math.softplus


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


# -- cross entropies -------------------------------------------------------------------------------------------


# Recording forwards keep exp(shifted logits) and its row sums for the rule (TF's op returns its backprop as a second
# output for the same reason), keyed by id of the loss array: the entry saves that array (save_out), the rule looks
# it up and takes the pair over; the weak reference drops the pair when the loss array dies without a gradient.
_XENT_KEPT: dict[int, tuple[Any, Any, Any]] = {}


def _xent_fwd(F: Any, labels: Any, logits: Any, axis: int) -> Any:
    if type(logits) is np.ndarray and type(labels) is np.ndarray:  # array methods: no np.max/np.sum wrappers
        s = logits - logits.max(axis=axis, keepdims=True)
        e = F.exp(s)
        se = e.sum(axis=axis, keepdims=True)
        out = (labels * (F.log(se) - s)).sum(axis=axis)
        if axis == -1 and type(out) is np.ndarray and local.tapes and e.dtype.kind == "f":
            k = id(out)
            _XENT_KEPT[k] = (_weakref(out, lambda _, k=k: _XENT_KEPT.pop(k, None)), e, se)
        return out
    s = logits - F.max(logits, axis=axis, keepdims=True)
    lse = F.log(F.sum(F.exp(s), axis=axis, keepdims=True))
    return F.sum(labels * (lse - s), axis=axis)


def _xent_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    labels, logits = ins
    ax = p["axis"]
    if (not needs[0] and ax == -1 and not F.is_diff and type(logits) is np.ndarray and logits.dtype.kind == "f"
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
    glog = ge * (_run(F, nn_ops.SOFTMAX, logits, axis=ax) - labels) if needs[1] else None
    glab = ge * -_run(F, LOG_SOFTMAX, logits, axis=ax) if needs[0] else None
    return (glab, glog)


def _xent_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    labels, logits = ins
    ax = p["axis"]
    res = None
    if ts[1] is not None:
        res = F.sum((_run(F, nn_ops.SOFTMAX, logits, axis=ax) - labels) * ts[1], axis=ax)
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


def _upcast_half(x: Any) -> Any:
    return core.cast(x, "float32") if x._value.dtype == np.float16 else x


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
        if (xv.shape == lv.shape and xv.ndim and xv.dtype == lv.dtype and xv.dtype.kind == "f"
                and xv.dtype.itemsize > 2):
            return apply2(SOFTMAX_XENT, labels, logits, _LAST_AXIS)
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
    sm = _run(F, nn_ops.SOFTMAX, logits, axis=-1)
    return (F.expand_dims(g, -1) * (sm - _one_hot(F, logits, ins[1])), None)


def _sparse_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    logits = ins[0]
    sm = _run(F, nn_ops.SOFTMAX, logits, axis=-1)
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


def _l2n_fwd(F: Any, x: Any, axis: tuple[int, ...], eps: float) -> Any:
    ss = F.sum(x * x, axis=axis, keepdims=True, dtype=x.dtype)
    return x * (1 / F.sqrt(F.maximum(ss, eps)))


def _l2n_parts(F: Any, x: Any, t: Any, p: Any) -> tuple[Any, Any]:
    ax, eps = p["axis"], p["eps"]
    ss = F.sum(x * x, axis=ax, keepdims=True)
    inv = 1 / F.sqrt(F.maximum(ss, eps))
    # maximum(ss, eps) passes its gradient to ss where ss >= eps (TF: ties go to the first argument)
    dot = F.where(ss >= eps, F.sum(t * x, axis=ax, keepdims=True), F.zeros_like(ss))
    return inv, dot


def _l2n_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    inv, dot = _l2n_parts(F, x, g, p)
    return (g * inv - x * (inv * inv * inv) * dot,)


def _l2n_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x = ins[0]
    inv, dot = _l2n_parts(F, x, ts[0], p)
    return ts[0] * inv - x * (inv * inv * inv) * dot


L2_NORMALIZE = defop("l2_normalize", _l2n_fwd, _l2n_vjp, _l2n_jvp, test=[
    spec(lambda tf, x: tf.math.l2_normalize(x, axis=1), lambda rng: (rng.normal(size=(3, 4)),),
         ref=lambda x: x / np.sqrt(np.sum(x * x, axis=1, keepdims=True))),
    spec(lambda tf, x: tf.nn.l2_normalize(x), lambda rng: (rng.normal(size=(2, 3)),),
         ref=lambda x: x / np.sqrt(np.sum(x * x)), name="all"),
])


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None) -> Tensor:
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))`` (all axes by default).

    At ``x = 0`` the output is 0 and the gradient ``1/sqrt(epsilon)`` (1e6) per element, as in TF.

    >>> import tapegrad as tf
    >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy().tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'.")
        axis = dim
    t = to_tensor(x)
    if t._value.dtype.kind != "f":
        raise TypeError(f"l2_normalize: expected a floating point tensor, got {t.dtype.name} (shape "
                        f"{tuple(t._value.shape)}); complex and integer inputs are not supported.")
    axes = norm_axis(axis, t._value.ndim, "l2_normalize")
    return apply1(L2_NORMALIZE, t, {"axis": axes, "eps": float(epsilon)})


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _moments_fwd(F: Any, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    if x.dtype.kind in "iu":
        # TF: integer means (truncated), as reduce_mean of the input and of the squared differences
        n = max(_count(x.shape, axis), 1)
        mean = F.astype(F.trunc(F.sum(x, axis=axis, keepdims=True, dtype=F.int64) / n), x.dtype)
        d = x - mean
        var = F.astype(F.trunc(F.sum(d * d, axis=axis, keepdims=True, dtype=F.int64) / n), x.dtype)
    elif (not F.is_diff and x.ndim > 1 and sorted(a % x.ndim for a in axis) == list(range(x.ndim - 1))
          and x.flags.c_contiguous):
        # statistics per channel over every leading axis (batch normalisation, channels last): GEMVs with a ones
        # vector instead of NumPy's much slower reduction over the outer axes of a short last axis
        c = x.shape[-1]
        rows = x.size // c
        ones = F.ones((rows,), dtype=x.dtype)
        kept = (1,) * (x.ndim - 1) + (c,)
        mean = F.reshape(F.matmul(ones, F.reshape(x, (rows, c))) / rows, kept)
        d = x - mean
        var = F.reshape(F.matmul(ones, F.reshape(d * d, (rows, c))) / rows, kept)
    else:
        mean = F.mean(x, axis=axis, keepdims=True)
        d = x - mean
        var = F.mean(d * d, axis=axis, keepdims=True)
    if not keepdims:
        mean = F.squeeze(mean, axis=axis)
        var = F.squeeze(var, axis=axis)
    return mean, var


def _moments_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    gm, gv = g
    ax, keep = p["axis"], p["keepdims"]
    xshape = F.shape(x)
    n = _count(xshape, ax)
    mean = out[0] if keep else F.expand_dims(out[0], ax)
    gx = unreduce(F, gm, xshape, ax, keep) * (1.0 / n) + unreduce(F, gv, xshape, ax, keep) * ((x - mean) * (2.0 / n))
    return (gx,)


def _moments_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, t = ins[0], ts[0]
    ax, keep = p["axis"], p["keepdims"]
    mean = out[0] if keep else F.expand_dims(out[0], ax)
    return (F.mean(t, axis=ax, keepdims=keep), F.mean((x - mean) * t, axis=ax, keepdims=keep) * 2.0)


MOMENTS = defop("moments", _moments_fwd, _moments_vjp, _moments_jvp, multi=True, test=[
    spec(lambda tf, x: tf.nn.moments(x, axes=[0]), lambda rng: (rng.normal(size=(4, 3)),),
         ref=lambda x: (x.mean(0), x.var(0))),
    spec(lambda tf, x: tf.nn.moments(x, axes=[0, 2], keepdims=True), lambda rng: (rng.normal(size=(3, 2, 4)),),
         ref=lambda x: (x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)), name="keepdims"),
])


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: str | None = None) -> list[Tensor]:
    """Mean and variance of ``x`` over ``axes`` (``shift`` is unused, as in TF 2).

    Both outputs are differentiable; second derivatives are exact (TF stops the gradient through the mean inside
    the variance, which does not change first derivatives but does change its Hessian).

    >>> import tapegrad as tf
    >>> mean, var = tf.nn.moments(tf.constant([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> float(mean), float(var)
    (2.5, 1.25)
    """
    t = to_tensor(x)
    if t._value.dtype.kind not in "fiu":
        check_kinds(t, "fiu", "moments")
    ax = norm_axis(axes, t._value.ndim, "moments")
    half = t._value.dtype == np.float16
    mean, var = applyn(MOMENTS, (_upcast_half(t),), {"axis": ax, "keepdims": bool(keepdims)})
    if half:
        return [core.cast(mean, "float16"), core.cast(var, "float16")]
    return [mean, var]


def _bn_unpack(ins: Any, p: Any) -> tuple[Any, Any, Any, Any, Any]:
    x, mean, var = ins[0], ins[1], ins[2]
    k = 3
    offset = scale = None
    if p["has_offset"]:
        offset = ins[k]
        k += 1
    if p["has_scale"]:
        scale = ins[k]
    return x, mean, var, offset, scale


def _bn_fwd(F: Any, *ins: Any, has_offset: bool, has_scale: bool, eps: float) -> Any:
    x, mean, var, offset, scale = _bn_unpack(ins, {"has_offset": has_offset, "has_scale": has_scale})
    inv = 1 / F.sqrt(var + eps)  # TF's composite: x * inv + (offset - mean * inv)
    if scale is not None:
        inv = inv * scale
    return x * inv + (offset - mean * inv if offset is not None else -mean * inv)


def _sum_rows(F: Any, a: Any, like: Any) -> Any:
    """``a`` summed down to a per-channel vector shaped like ``like`` (``(C,)``, ``a``'s last axis) as a BLAS GEMV
    ``ones @ a``; anything else is returned whole for the broadcasting reduction of the backward pass."""
    if (F.is_diff or a.ndim < 2 or getattr(like, "ndim", 0) != 1 or like.shape[0] != a.shape[-1]
            or not a.flags.c_contiguous):
        return a
    rows = a.size // a.shape[-1]
    return F.matmul(F.ones((rows,), dtype=a.dtype), F.reshape(a, (rows, a.shape[-1])))


def _bn_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, mean, var, offset, scale = _bn_unpack(ins, p)
    r = 1 / F.sqrt(var + p["eps"])
    inv = r if scale is None else r * scale
    res: list[Any] = [None] * len(ins)
    gx = g * inv
    res[0] = gx if needs[0] else None
    res[1] = -_sum_rows(F, gx, mean) if needs[1] else None
    centered = x - mean if needs[2] or scale is not None else None
    if needs[2]:
        res[2] = _sum_rows(F, g * (centered * (inv * r * r * -0.5)), var)
    k = 3
    if offset is not None:
        res[k] = _sum_rows(F, g, offset) if needs[k] else None
        k += 1
    if scale is not None and needs[k]:
        res[k] = _sum_rows(F, g * (centered * r), scale)
    return tuple(res)


def _bn_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, mean, var, offset, scale = _bn_unpack(ins, p)
    r = 1 / F.sqrt(var + p["eps"])
    inv = r if scale is None else r * scale
    terms = []
    if ts[0] is not None:
        terms.append(ts[0] * inv)
    if ts[1] is not None:
        terms.append(-ts[1] * inv)
    if ts[2] is not None:
        terms.append(ts[2] * ((x - mean) * (inv * r * r * -0.5)))
    k = 3
    if offset is not None:
        if ts[k] is not None:
            terms.append(ts[k])
        k += 1
    if scale is not None and ts[k] is not None:
        terms.append(ts[k] * ((x - mean) * r))
    if not terms:
        return None
    res = terms[0]
    for t in terms[1:]:
        res = res + t
    return F.broadcast_to(res, np.broadcast_shapes(*(F.shape(i) for i in ins)))


def _bn_ref(x: np.ndarray, m: np.ndarray, v: np.ndarray, o: np.ndarray, s: np.ndarray) -> np.ndarray:
    return (x - m) / np.sqrt(v + 1e-3) * s + o


BATCH_NORM = defop("batch_normalization", _bn_fwd, _bn_vjp, _bn_jvp, test=[
    spec(lambda tf, x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
         lambda rng: (rng.normal(size=(4, 3)), rng.normal(size=(3,)), rng.uniform(0.5, 2, size=(3,)),
                      rng.normal(size=(3,)), rng.normal(size=(3,))), ref=_bn_ref),
    spec(lambda tf, x, m, v: tf.nn.batch_normalization(x, m, v, None, None, 1e-3),
         lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=(2, 1)), rng.uniform(0.5, 2, size=(2, 1))),
         ref=lambda x, m, v: (x - m) / np.sqrt(v + 1e-3), name="no_offset_scale"),
])


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any, variance_epsilon: float,
                        name: str | None = None) -> Tensor:
    """``(x - mean) / sqrt(variance + variance_epsilon) * scale + offset`` with broadcasting; ``offset`` and
    ``scale`` may be None. Every tensor input gets a gradient.

    >>> import tapegrad as tf
    >>> tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, None, None, 0.0).numpy().tolist()
    [-1.0, 1.0]
    """
    t = to_tensor(x)
    op = "batch_normalization"
    _check_float(t, op)
    others = [mean, variance] + [v for v in (offset, scale) if v is not None]
    conv = _same_dtype(op, t, *others)
    ins = (t, *conv)
    try:
        np.broadcast_shapes(*(i._value.shape for i in ins))
    except ValueError:
        raise InvalidArgumentError(
            f"{op}: shapes {[tuple(i._value.shape) for i in ins]} (x, mean, variance[, offset][, scale]) do not "
            "broadcast together.") from None
    return applyn(BATCH_NORM, ins, {"has_offset": offset is not None, "has_scale": scale is not None,
                                    "eps": float(variance_epsilon)})


# -- batch normalisation in training: statistics and normalisation as one op -----------------------------------
# The Keras layer's training step is moments (mean, variance per channel) then batch_normalization; as separate
# ops their backward passes cost about a dozen passes over the activations plus the sum of two input gradients.
# The fused rule is the textbook one: with x̂ = (x − μ)·r, r = (σ² + ε)^-½, dx = γr·(g − mean(g) − x̂·mean(g·x̂)),
# six passes (two GEMV reductions included). Channels last; values are bit-identical to the two ops.


def _fbn_unpack(ins: Any, has_offset: bool, has_scale: bool) -> tuple[Any, Any, Any]:
    offset = ins[1] if has_offset else None
    scale = ins[1 + has_offset] if has_scale else None
    return ins[0], offset, scale


def _channel_sum(F: Any, a: Any) -> Any:
    """``a`` summed over every axis but the last: a GEMV with a ones vector in NumPy (an array that is not
    contiguous, e.g. the broadcast upstream of a global pooling, is copied first: still far faster than NumPy's
    reduction over the outer axes of a short last axis)."""
    if not F.is_diff and type(a) is np.ndarray:
        rows = a.size // a.shape[-1]
        return np.matmul(np.ones((rows,), dtype=a.dtype), a.reshape(rows, a.shape[-1]))
    return F.sum(a, axis=tuple(range(a.ndim - 1)))


def _fbn_fwd(F: Any, *ins: Any, has_offset: bool, has_scale: bool, eps: float) -> Any:
    x, offset, scale = _fbn_unpack(ins, has_offset, has_scale)
    n = x.size // x.shape[-1]
    mean = _channel_sum(F, x) / n
    if not F.is_diff and type(x) is np.ndarray:
        d = np.subtract(x, mean, out=_take(x.shape, np.result_type(x, mean)))
        np.multiply(d, d, out=d)  # d is ours: its square in place
        var = _channel_sum(F, d) / n
        del d
    else:
        d = x - mean
        var = _channel_sum(F, d * d) / n
    inv = 1 / F.sqrt(var + eps)  # batch_normalization's composite: x * inv + (offset - mean * inv)
    if scale is not None:
        inv = inv * scale
    shift = offset - mean * inv if offset is not None else -mean * inv
    if not F.is_diff and type(x) is np.ndarray:
        y = _take(x.shape, np.result_type(x, inv))
        np.multiply(x, inv, out=y)
        y += shift
    else:
        y = x * inv + shift
    return y, mean, var


def _fbn_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, offset, scale = _fbn_unpack(ins, p["has_offset"], p["has_scale"])
    gy, gm, gv = g
    mean, var = out[1], out[2]
    raw = not F.is_diff and type(x) is np.ndarray and type(gy) is np.ndarray and gy.shape == x.shape
    n = 1
    for s in F.shape(x)[:-1]:
        n *= s
    nb = len(F.shape(gy)) - len(F.shape(x))  # leading Jacobian batch axes of the upstream, kept by the sums

    def csum(a: Any) -> Any:
        return _channel_sum(F, a) if nb == 0 else F.sum(a, axis=tuple(range(nb, len(F.shape(a)) - 1)))
    r = 1 / F.sqrt(var + p["eps"])
    gr = r if scale is None else r * scale
    if raw:
        xc = _take(x.shape, x.dtype)
        np.subtract(x, mean, out=xc)
        prod = _take(x.shape, np.result_type(x, gy))
        np.multiply(gy, xc, out=prod)
        sg, sgx = _channel_sum(F, gy), _channel_sum(F, prod)
    else:
        xc = x - mean
        sg, sgx = csum(gy), csum(gy * xc)
    res: list[Any] = [None] * len(ins)
    k = 1
    if p["has_offset"]:
        res[k] = sg if needs[k] else None
        k += 1
    if p["has_scale"] and needs[k]:
        res[k] = sgx * r
    if needs[0]:
        # dx = gy·A + xc·B + C per channel; the upstreams of the statistics (nonzero only when the caller
        # differentiates them) add mean's 1/n and variance's 2·xc/n
        a = gr
        b = -gr * r * r * sgx / n + gv * (2.0 / n)
        c = -gr * sg / n + gm / n
        if nb:  # per-channel factors (J..., C) broadcast against the upstream (J..., N, ..., C)
            lead = F.shape(gy)[:nb] + (1,) * (len(F.shape(x)) - 1) + (F.shape(x)[-1],)
            b, c = F.reshape(b, lead), F.reshape(c, lead)
        if raw:
            dx = prod  # gy·xc is summed already: its buffer takes the result
            np.multiply(gy, a, out=dx)
            xc *= b
            dx += xc
            dx += c
        else:
            dx = gy * a + xc * b + c
        res[0] = dx
    return tuple(res)


def _fbn_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    x, offset, scale = _fbn_unpack(ins, p["has_offset"], p["has_scale"])
    tx, t_off, t_scale = _fbn_unpack(ts, p["has_offset"], p["has_scale"])
    mean, var = out[1], out[2]
    r = 1 / F.sqrt(var + p["eps"])
    xc = x - mean
    n = 1
    for s in F.shape(x)[:-1]:
        n *= s
    axes = tuple(range(len(F.shape(x)) - 1))
    if tx is None:
        t_mean = t_var = None
        ty = None
    else:
        t_mean = F.sum(tx, axis=axes) / n
        t_var = F.sum(xc * tx, axis=axes) * (2.0 / n)
        t_xhat = (tx - t_mean) * r - xc * (r * r * r * 0.5 * t_var)
        ty = t_xhat if scale is None else t_xhat * scale
    if t_scale is not None:
        part = xc * r * t_scale
        ty = part if ty is None else ty + part
    if t_off is not None:
        ty = t_off + F.zeros_like(x) if ty is None else ty + t_off
    return ty, t_mean, t_var


def _fbn_ref(x: np.ndarray, offset: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, ...]:
    ax = tuple(range(x.ndim - 1))
    m, v = x.mean(ax), x.var(ax)
    return (x - m) / np.sqrt(v + 1e-3) * scale + offset, m, v


FUSED_BATCH_NORM = defop("fused_batch_norm_train", _fbn_fwd, _fbn_vjp, _fbn_jvp, multi=True, internal=True, test=[
    spec(lambda tf, x, o, s: fused_batch_norm_train(x, o, s, 1e-3),
         lambda rng: (rng.normal(size=(2, 3, 2, 3)), rng.normal(size=(3,)), rng.normal(size=(3,))), ref=_fbn_ref,
         tf=False),
    spec(lambda tf, x: fused_batch_norm_train(x, None, None, 1e-3)[0], lambda rng: (rng.normal(size=(5, 4)),),
         ref=lambda x: (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), tf=False, name="no_offset_scale"),
])


def fused_batch_norm_train(x: Any, offset: Any, scale: Any, epsilon: float) -> list[Tensor]:
    """Batch normalisation with the batch's own statistics, channels last: ``[y, mean, variance]`` where mean and
    (biased) variance are over every axis but the last and ``y = (x - mean) / sqrt(variance + epsilon) * scale +
    offset`` (``offset``/``scale`` may be None). The same values as ``tf.nn.moments`` followed by
    ``tf.nn.batch_normalization``, as one op with a fused gradient (what Keras's ``BatchNormalization`` runs in
    training).

    >>> import tapegrad as tf
    >>> from tapegrad.ops.nn_ext import fused_batch_norm_train
    >>> y, mean, var = fused_batch_norm_train(tf.constant([[1.0], [3.0]]), None, None, 0.0)
    >>> y.numpy().ravel().tolist(), float(mean[0]), float(var[0])
    ([-1.0, 1.0], 2.0, 1.0)
    """
    t = to_tensor(x)
    op = "fused_batch_norm_train"
    _check_float(t, op)
    others = [v for v in (offset, scale) if v is not None]
    ins = (t, *_same_dtype(op, t, *others)) if others else (t,)
    return applyn(FUSED_BATCH_NORM, ins, {"has_offset": offset is not None, "has_scale": scale is not None,
                                          "eps": float(epsilon)})


# -- dropout ---------------------------------------------------------------------------------------------------


# The keep-mask is an input (not a parameter): inside a compiled function it is computed from the random op's
# output on every call, so each call drops different elements (TF); a parameter would be frozen at trace time.
def _dropout_fwd(F: Any, x: Any, mask: Any, scale: float) -> Any:
    return F.where(mask, x * scale, 0)


def _dropout_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_zeros_where(F, ins[1], g * p["scale"]), None)


def _dropout_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _zeros_where(F, ins[1], ts[0] * p["scale"])


def _seeded_dropout(tf: Any, x: Any, **kw: Any) -> Any:
    # the stateless form: the same mask on every call, eager and compiled (tf.nn.dropout's mask changes per call)
    return tf.nn.experimental.stateless_dropout(x, seed=[1, 2], **kw)


DROPOUT = defop("dropout", _dropout_fwd, _dropout_vjp, _dropout_jvp, linear=True, test=[
    spec(lambda tf, x: _seeded_dropout(tf, x, rate=0.5), lambda rng: (rng.normal(size=(4, 5)),), tf=False),
    spec(lambda tf, x: _seeded_dropout(tf, x, rate=0.25, noise_shape=[4, 1]), lambda rng: (rng.normal(size=(4, 5)),),
         tf=False, name="noise_shape"),
])



def _uniform_sample(shape: tuple[int, ...], dtype: np.dtype, seed: Any) -> Tensor:
    """Uniform [0, 1) samples for dropout's mask, drawn as TF does: ``random.uniform(noise_shape, seed=seed,
    dtype=x.dtype)``, so TF's global + op seed model applies."""
    return random_ops.uniform(list(shape), dtype=dtype.name, seed=seed)


def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: Any = None, name: str | None = None) -> Tensor:
    """Zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    ``noise_shape`` (broadcast against ``x``; ``None`` entries take ``x``'s size) shares one decision across
    broadcast axes. Seeding follows ``tapegrad.random`` (TF's global + op seed rules); the random stream itself
    differs from TF's. ``rate == 0`` returns ``x`` unchanged. Inside a compiled function each call draws a new
    mask, as in TF.

    >>> import tapegrad as tf
    >>> y = tf.nn.dropout(tf.ones([1000]), rate=0.5, seed=1)
    >>> sorted(set(y.numpy().tolist()))
    [0.0, 2.0]
    """
    return _dropout(x, rate, noise_shape, lambda ns, dt: _uniform_sample(ns, dt, seed))


def stateless_dropout(x: Any, rate: Any, seed: Any, rng_alg: Any = None, noise_shape: Any = None,
                      name: str | None = None) -> Tensor:
    """Dropout whose mask depends only on ``seed`` (two integers): ``tf.nn.experimental.stateless_dropout``.

    The mask is ``stateless_uniform(noise_shape, seed, dtype=x.dtype) >= rate``, TF's own values, so the same seed
    drops the same elements as TensorFlow, on every call.

    >>> import tapegrad as tf
    >>> tf.nn.experimental.stateless_dropout(tf.ones([4]), rate=0.5, seed=[1, 2]).numpy()
    array([2., 0., 2., 0.], dtype=float32)
    """
    from .random_generator import stateless_uniform

    return _dropout(x, rate, noise_shape,
                    lambda ns, dt: stateless_uniform(list(ns), seed, dtype=dt.name, alg=rng_alg or "auto_select"))


def _dropout(x: Any, rate: Any, noise_shape: Any, sampler: Callable[[tuple[int, ...], np.dtype], Tensor]) -> Tensor:
    t = to_tensor(x)
    if isinstance(rate, _TensorLike):
        if rate._value.ndim != 0:
            raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate!r}")
        r = float(static_value(rate))
    elif isinstance(rate, (int, float, np.integer, np.floating)) and not isinstance(rate, bool):
        r = float(rate)
    else:
        raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate!r}")
    if not 0 <= r < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}")
    if t._value.dtype.kind != "f":
        raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. Received: "
                         f"x_dtype={t.dtype.name}")
    if r == 0 and not isinstance(rate, _TensorLike):
        return t if type(t) is Tensor else core.identity(t)
    xs = tuple(t._value.shape)
    if noise_shape is None:
        ns = xs
    else:
        if isinstance(noise_shape, _TensorLike):
            noise_shape = noise_shape.numpy().tolist()
        dims = list(noise_shape)
        if len(dims) == len(xs):
            dims = [xs[i] if d is None else d for i, d in enumerate(dims)]
        ns = tuple(int(d) for d in dims)
    try:
        np.broadcast_shapes(ns, xs)
    except ValueError:
        raise InvalidArgumentError(
            f"dropout: noise_shape {list(ns)} does not broadcast against x of shape {list(xs)}.") from None
    dt = t._value.dtype
    mask = sampler(ns, dt) >= dt.type(r)
    scale = float(dt.type(1 / (1 - r)))  # TF converts 1/keep_prob to x's dtype
    return applyn(DROPOUT, (t, mask), {"scale": scale})


# -- bias_add --------------------------------------------------------------------------------------------------


def _bias_fwd(F: Any, v: Any, b: Any, trail: int) -> Any:
    if not trail and not F.is_diff and type(v) is np.ndarray and type(b) is np.ndarray and v.dtype == b.dtype:
        return np.add(v, b, out=_take(v.shape, v.dtype))  # large results reuse engine-owned memory
    return v + (F.reshape(b, F.shape(b) + (1,) * trail) if trail else b)


def _bias_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    trail = p["trail"]
    gb = None
    if needs[1]:
        # channels last: the sum over every leading axis as a GEMV (NumPy's reduction over the outer axes of an
        # array with a short last axis, a convolution's bias gradient, is many times slower)
        gb = F.sum(g, axis=tuple(range(-trail, 0))) if trail else _sum_rows(F, g, ins[1])
    return (g if needs[0] else None, gb)


def _bias_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    tv, tb = ts
    res = tv
    if tb is not None:
        trail = p["trail"]
        shaped = F.broadcast_to(F.reshape(tb, F.shape(tb) + (1,) * trail) if trail else tb, F.shape(ins[0]))
        res = shaped if res is None else res + shaped
    return res


BIAS_ADD = defop("bias_add", _bias_fwd, _bias_vjp, _bias_jvp, linear=True, save_in=False, test=[
    spec(lambda tf, v, b: tf.nn.bias_add(v, b), lambda rng: (rng.normal(size=(2, 3, 4)), rng.normal(size=(4,))),
         ref=lambda v, b: v + b),
    spec(lambda tf, v, b: tf.nn.bias_add(v, b, data_format="NCHW"),
         lambda rng: (rng.normal(size=(2, 3, 4, 2)), rng.normal(size=(3,))),
         ref=lambda v, b: v + b[:, None, None], name="NCHW"),
])


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """``value + bias`` with the 1-D ``bias`` added along the channel axis (last, or axis 1 for ``NC...``).

    >>> import tapegrad as tf
    >>> tf.nn.bias_add(tf.zeros([1, 2, 2]), tf.constant([1.0, 2.0]), data_format="NCW").numpy().tolist()
    [[[1.0, 1.0], [2.0, 2.0]]]
    """
    v = to_tensor(value)
    _, b = pair(v, bias, "bias_add")
    if data_format is None or (data_format.startswith("N") and data_format.endswith("C")):
        channels_first = False
    elif data_format.startswith("NC"):
        channels_first = True
    else:
        raise ValueError("data_format must be of the form `N...C` or `NC...`")
    vs, bs = tuple(v._value.shape), tuple(b._value.shape)
    if len(vs) < 2:
        raise InvalidArgumentError(f"bias_add: Input tensor must be at least 2D: {list(vs)}")
    if len(bs) != 1:
        raise InvalidArgumentError(f"bias_add: Biases must be 1D: {list(bs)}")
    c = vs[1] if channels_first else vs[-1]
    if bs[0] != c:
        where = "second" if channels_first else "last"
        raise InvalidArgumentError(f"bias_add: Must provide as many biases as the {where} dimension of the input "
                                   f"tensor: {list(bs)} vs. {list(vs)}")
    return apply2(BIAS_ADD, v, b, {"trail": len(vs) - 2 if channels_first else 0})


# -- convolution: shared geometry ------------------------------------------------------------------------------

Pads = tuple[tuple[int, int], tuple[int, int]]


def _spatial_arg(value: Any, what: str, op: str, channels_last: bool, nd: int = 2) -> tuple[int, ...]:
    """TF's ``strides``/``dilations``/``ksize`` forms: an int, or a list of 1, ``nd`` or ``nd + 2`` ints."""
    if isinstance(value, _TensorLike):
        value = value.numpy().tolist()
    if isinstance(value, (int, np.integer)):
        vals = [int(value)]
    else:
        vals = [int(v) for v in value]
    if len(vals) == 1:
        out = tuple(vals * nd)
    elif len(vals) == nd:
        out = tuple(vals)
    elif len(vals) == nd + 2:
        n, c = (vals[0], vals[-1]) if channels_last else (vals[0], vals[1])
        if n != 1 or c != 1:
            raise InvalidArgumentError(
                f"{op}: {what} {vals} must be 1 in the batch and channel dimensions (only spatial {what} are "
                "supported).")
        out = tuple(vals[1:-1]) if channels_last else tuple(vals[2:])
    else:
        lengths = "1 or 3" if nd == 1 else f"1, {nd} or {nd + 2}"
        raise ValueError(f"{what} should be of length {lengths}. Received: {what}={vals} of length {len(vals)}")
    if any(v < 1 for v in out):
        raise InvalidArgumentError(f"{op}: {what} must be positive integers, got {vals}.")
    return out


def _resolve_padding(padding: Any, in_hw: Sequence[int], k: Sequence[int], s: Sequence[int], d: Sequence[int],
                     channels_last: bool, op: str, explicit_ok: bool) -> Pads:
    """(top, bottom), (left, right) for 'SAME', 'VALID' or TF's explicit per-dimension list."""
    if isinstance(padding, str):
        if padding == "VALID":
            pads: list[tuple[int, int]] = [(0, 0), (0, 0)]
        elif padding == "SAME":
            pads = []
            for n, kk, ss, dd in zip(in_hw, k, s, d):
                eff = dd * (kk - 1) + 1
                out = -(-n // ss)
                total = max((out - 1) * ss + eff - n, 0)
                pads.append((total // 2, total - total // 2))
        else:
            raise InvalidArgumentError(
                f"{op}: padding {padding!r} is not one of the allowed values \"SAME\", \"VALID\""
                f"{' or an explicit list' if explicit_ok else ''} (TF's names are upper case).")
    else:
        if not explicit_ok:
            raise TypeError(f"{op}: Expected string for argument 'padding' not {padding!r}: use 'SAME' or 'VALID'.")
        rows = [list(r) for r in padding]
        if len(rows) != 4 or any(len(r) != 2 for r in rows):
            raise ValueError(f"When padding is a list, it must be of size 4 (one [before, after] pair per dimension). "
                             f"Received: padding={padding} of size {len(rows)}")
        flat = [int(v) for r in rows for v in r]
        if any(v < 0 for v in flat):
            raise InvalidArgumentError(f"{op}: All elements of explicit_paddings must be nonnegative, got {padding}.")
        n_i, c_i = (0, 3) if channels_last else (0, 1)
        sp = [1, 2] if channels_last else [2, 3]
        if any(rows[i] != [0, 0] for i in (n_i, c_i)):
            raise InvalidArgumentError(
                f"{op}: Nonzero explicit padding in the batch or depth dimensions is not supported: {padding}.")
        pads = [(int(rows[i][0]), int(rows[i][1])) for i in sp]
    for n, kk, dd, (lo, hi), ss in zip(in_hw, k, d, pads, s):
        eff = dd * (kk - 1) + 1
        if n + lo + hi < eff:
            raise InvalidArgumentError(
                f"{op}: Computed output size would be negative: input size {n} with padding ({lo}, {hi}) is smaller "
                f"than the effective filter size {eff} (filter {kk}, dilation {dd}, stride {ss}).")
    return (pads[0], pads[1])


def _out_size(n: int, k: int, s: int, d: int, pad: tuple[int, int]) -> int:
    return (n + pad[0] + pad[1] - (d * (k - 1) + 1)) // s + 1


def _pad_hw(F: Any, x: Any, pads: Pads, value: Any = 0) -> Any:
    """Pad the H and W axes (-3, -2) of ``(..., H, W, C)``."""
    if pads == ((0, 0), (0, 0)):
        return x
    width = [(0, 0)] * (x.ndim - 3) + [pads[0], pads[1], (0, 0)]
    return F.pad(x, width, constant_values=value)


def _windows(F: Any, xp: Any, k: Sequence[int], s: Sequence[int], d: Sequence[int], out_hw: Sequence[int]) -> Any:
    """A strided view of padded ``(..., N, Hp, Wp, C)`` as ``(..., N, Ho, Wo, C, kh, kw)`` (no copy)."""
    eh, ew = d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1
    v = F.lib.stride_tricks.sliding_window_view(xp, (eh, ew), axis=(-3, -2))
    return v[..., : (out_hw[0] - 1) * s[0] + 1: s[0], : (out_hw[1] - 1) * s[1] + 1: s[1], :, :: d[0], :: d[1]]


def _scatter_windows(F: Any, piece: Callable[[int, int], Any], lead: tuple[int, ...], out_hw: Sequence[int],
                     in_hw: Sequence[int], k: Sequence[int], s: Sequence[int], d: Sequence[int], pads: Pads,
                     channels: int, dtype: Any) -> Any:
    """Transpose of :func:`_windows`: add ``piece(a, b)`` (``lead + (Ho, Wo, C)``, the values seen by kernel tap
    ``(a, b)``) into ``lead + (H, W, C)`` at the positions that tap reads."""
    ho, wo = out_hw
    hp = in_hw[0] + pads[0][0] + pads[0][1]
    wp = in_hw[1] + pads[1][0] + pads[1][1]
    acc = F.zeros(lead + (hp, wp, channels), dtype=dtype)
    for a in range(k[0]):
        h0 = a * d[0]
        for b in range(k[1]):
            w0 = b * d[1]
            acc[..., h0: h0 + (ho - 1) * s[0] + 1: s[0], w0: w0 + (wo - 1) * s[1] + 1: s[1], :] += piece(a, b)
    if pads == ((0, 0), (0, 0)):
        return acc
    return F.ascontiguousarray(acc[..., pads[0][0]: pads[0][0] + in_hw[0], pads[1][0]: pads[1][0] + in_hw[1], :])


def _group_slices(groups: int, size: int) -> list[slice]:
    step = size // groups
    return [slice(i * step, (i + 1) * step) for i in range(groups)]


# -- conv2d and its two backprop ops (each differentiable again) ----------------------------------------------


def _take(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised NumPy array for a large raw result: a view of an engine-owned buffer (``_buffers``)."""
    dtype = np.dtype(dtype)
    n = dtype.itemsize
    for d in shape:
        n *= d
    return _buffers.take(shape, dtype) if n >= _buffers.LARGE else np.empty(shape, dtype)


def _patches(F: Any, x: Any, k: Sequence[int], s: Sequence[int], d: Sequence[int], pads: Pads,
             out_hw: Sequence[int]) -> tuple[Any, bool]:
    """im2col of ``(N, H, W, C)``: the patch matrix of a convolution as one contiguous array, in the order that
    makes its copy cheapest. Returns ``(cols, tap_major)``: ``cols`` is ``(N*Ho*Wo, kh*kw*C)`` with C innermost
    (``tap_major`` False: rows copied as runs of ``kw * C`` values), or for few channels ``(kh*kw*C, N*Ho*Wo)``
    (True: one copy of an ``(C, N, Ho, Wo)`` slice per kernel tap, runs of ``Wo`` values). Either way the column
    order is the kernel's ``(kh, kw, C)``, so ``kernel.reshape(kh*kw*C, F)`` multiplies it without a transpose."""
    xp = _pad_hw(F, x, pads)
    n, c = xp.shape[0], xp.shape[3]
    ho, wo = out_hw
    raw = not F.is_diff and type(xp) is np.ndarray
    if c >= 4:
        v = F.transpose(_windows(F, xp, k, s, d, out_hw), (0, 1, 2, 4, 5, 3))  # (N, Ho, Wo, kh, kw, C) view
        if raw:  # written into an engine-owned buffer: a fresh one would page-fault on every step
            cols = _take(v.shape, v.dtype)
            np.copyto(cols, v)
        else:
            cols = F.ascontiguousarray(v)
        return F.reshape(cols, (n * ho * wo, k[0] * k[1] * c)), False
    xt = F.ascontiguousarray(F.transpose(xp, (3, 0, 1, 2)))  # (C, N, Hp, Wp)
    shape = (k[0], k[1], c, n, ho, wo)
    cols = _take(shape, x.dtype) if raw else F.zeros(shape, dtype=x.dtype)  # every element is written below
    for a in range(k[0]):
        h0 = a * d[0]
        for b in range(k[1]):
            w0 = b * d[1]
            cols[a, b] = xt[:, :, h0: h0 + (ho - 1) * s[0] + 1: s[0], w0: w0 + (wo - 1) * s[1] + 1: s[1]]
    return F.reshape(cols, (k[0] * k[1] * c, n * ho * wo)), True


# The patch matrix a recorded conv2d forward built, kept for the filter gradient of the backward pass (which needs
# the same matrix): id(input) -> (input, geometry, patches, tap_major). Entries are taken (popped) by the filter
# gradient and checked by identity (the dict holds the input, so its id is not reused while the entry lives);
# bounded in count and bytes, oldest dropped first. Only while a tape records: inference keeps nothing.
_SAVED_PATCHES: dict[int, tuple[Any, Any, Any, bool]] = {}
_SAVED_PATCHES_MAX = (8, 64 << 20)


def _save_patches(x: Any, geo: Any, cols: Any, tap_major: bool) -> None:
    saved = _SAVED_PATCHES
    saved.pop(id(x), None)
    while saved and (len(saved) >= _SAVED_PATCHES_MAX[0]
                     or sum(e[2].nbytes for e in saved.values()) + cols.nbytes > _SAVED_PATCHES_MAX[1]):
        saved.pop(next(iter(saved)))
    if cols.nbytes <= _SAVED_PATCHES_MAX[1]:
        saved[id(x)] = (x, geo, cols, tap_major)


def _conv_fwd(F: Any, x: Any, f: Any, strides: tuple[int, int], dil: tuple[int, int], pads: Pads,
              groups: int) -> Any:
    """NHWC convolution (cross-correlation) of ``(..., N, H, W, Ci)`` with ``(..., kh, kw, Ci/G, Co)``."""
    kh, kw, _, co = f.shape[-4:]
    h, w = x.shape[-3], x.shape[-2]
    out_hw = (_out_size(h, kh, strides[0], dil[0], pads[0]), _out_size(w, kw, strides[1], dil[1], pads[1]))
    if groups == 1 and x.ndim == 4 and f.ndim == 4:  # im2col + one GEMM
        cols, tap_major = _patches(F, x, (kh, kw), strides, dil, pads, out_hw)
        if local.tapes and not F.is_diff and type(x) is np.ndarray:
            _save_patches(x, ((kh, kw), strides, dil, pads), cols, tap_major)
        w2 = F.reshape(f, (-1, co))
        a = cols.T if tap_major else cols
        if not F.is_diff and type(f) is np.ndarray and f.dtype == x.dtype:
            out = F.matmul(a, w2, out=_take((a.shape[0], co), x.dtype))
        else:
            out = F.matmul(a, w2)
        return F.reshape(out, (x.shape[0], out_hw[0], out_hw[1], co))
    v = _windows(F, _pad_hw(F, x, pads), (kh, kw), strides, dil, out_hw)  # (..., N, Ho, Wo, Ci, kh, kw)
    if groups == 1:
        if f.ndim == 4:
            return F.tensordot(v, f, axes=((-3, -2, -1), (2, 0, 1)))
        return F.einsum("...nhwiab,...abio->...nhwo", v, f)
    cin = _group_slices(groups, v.shape[-3])
    cout = _group_slices(groups, co)
    parts = []
    for ci, cj in zip(cin, cout):
        vg, fg = v[..., ci, :, :], f[..., cj]
        if f.ndim == 4:
            parts.append(F.tensordot(vg, fg, axes=((-3, -2, -1), (2, 0, 1))))
        else:
            parts.append(F.einsum("...nhwiab,...abio->...nhwo", vg, fg))
    return F.concatenate(parts, axis=-1)


def _conv_input_fwd(F: Any, g: Any, f: Any, in_hw: tuple[int, int], strides: tuple[int, int],
                    dil: tuple[int, int], pads: Pads, groups: int) -> Any:
    """Gradient of conv2d wrt its input: ``(..., N, Ho, Wo, Co)`` → ``(..., N, H, W, Ci)``."""
    kh, kw, _, co = f.shape[-4:]
    if groups == 1 and f.ndim == 4 and g.ndim == 4 and not F.is_diff and type(g) is np.ndarray:
        return _conv_input_np(g, f, in_hw, strides, dil, pads)
    if groups == 1 and f.ndim == 4 and g.ndim == 4:
        # one GEMM gives the patch gradients tap-major, (kh, kw, Ci, N, Ho, Wo); col2im then adds one contiguous
        # (Ci, N, Ho, Wo) block per tap into a channels-first buffer, and one transpose copy returns NHWC
        ci = f.shape[2]
        n, ho, wo = g.shape[0], g.shape[1], g.shape[2]
        cols = F.matmul(F.reshape(f, (kh * kw * ci, co)), F.reshape(g, (n * ho * wo, co)).T)
        cols = F.reshape(cols, (kh, kw, ci, n, ho, wo))
        hp, wp = in_hw[0] + pads[0][0] + pads[0][1], in_hw[1] + pads[1][0] + pads[1][1]
        acc = F.zeros((ci, n, hp, wp), dtype=cols.dtype)
        for a in range(kh):
            h0 = a * dil[0]
            for b in range(kw):
                w0 = b * dil[1]
                acc[:, :, h0: h0 + (ho - 1) * strides[0] + 1: strides[0], w0: w0 + (wo - 1) * strides[1] + 1:
                    strides[1]] += cols[a, b]
        acc = acc[:, :, pads[0][0]: pads[0][0] + in_hw[0], pads[1][0]: pads[1][0] + in_hw[1]]
        return F.ascontiguousarray(F.transpose(acc, (1, 2, 3, 0)))
    if groups == 1:
        if f.ndim == 4:
            cols = F.tensordot(g, f, axes=((-1,), (3,)))  # (..., N, Ho, Wo, kh, kw, Ci)
        else:
            cols = F.einsum("...nhwo,...abio->...nhwabi", g, f)
    else:
        cout = _group_slices(groups, co)
        parts = []
        for cj in cout:
            gg, fg = g[..., cj], f[..., cj]
            if f.ndim == 4:
                parts.append(F.tensordot(gg, fg, axes=((-1,), (3,))))
            else:
                parts.append(F.einsum("...nhwo,...abio->...nhwabi", gg, fg))
        cols = F.concatenate(parts, axis=-1)
    return _scatter_windows(F, lambda a, b: cols[..., a, b, :], cols.shape[:-5], cols.shape[-5:-3], in_hw,
                            (kh, kw), strides, dil, pads, cols.shape[-1], cols.dtype)


def _tap_span(size: int, out: int, k: int, s: int, d: int, pad_lo: int) -> tuple[slice, slice] | None:
    """For kernel tap ``k`` of one spatial axis: the output positions ``i`` whose input position
    ``i*s + k*d - pad_lo`` lies inside ``[0, size)``, and those input positions (strided slices; None if none)."""
    off = k * d - pad_lo
    lo = max(0, -(off // s)) if off < 0 else 0
    hi = min(out, (size - 1 - off) // s + 1) if size - 1 - off >= 0 else 0
    if hi <= lo:
        return None
    start = lo * s + off
    return slice(lo, hi), slice(start, start + (hi - lo - 1) * s + 1, s)


def _conv_input_np(g: np.ndarray, f: np.ndarray, in_hw: tuple[int, int], strides: tuple[int, int],
                   dil: tuple[int, int], pads: Pads) -> np.ndarray:
    """Input gradient of an NHWC conv2d in NumPy: one batched GEMM gives each kernel tap's patch gradient as a
    contiguous ``(N, Ho, Wo, Ci)`` block, and each block is added to the input positions that tap read, clipped to
    the unpadded input (contiguous runs of ``Wo * Ci`` values for stride 1; no padded buffer, crop or transpose)."""
    kh, kw, ci, co = f.shape
    n, ho, wo = g.shape[0], g.shape[1], g.shape[2]
    dt = np.result_type(g, f)
    taps = np.matmul(g.reshape(1, n * ho * wo, co), f.reshape(kh * kw, ci, co).transpose(0, 2, 1),
                     out=_take((kh * kw, n * ho * wo, ci), dt))
    taps = taps.reshape(kh, kw, n, ho, wo, ci)
    shape = (n, in_hw[0], in_hw[1], ci)
    gx = _take(shape, dt)
    gx.fill(0)
    for a in range(kh):
        rows = _tap_span(in_hw[0], ho, a, strides[0], dil[0], pads[0][0])
        if rows is None:
            continue
        for b in range(kw):
            cols = _tap_span(in_hw[1], wo, b, strides[1], dil[1], pads[1][0])
            if cols is not None:
                gx[:, rows[1], cols[1]] += taps[a, b, :, rows[0], cols[0]]
    return gx


def _conv_filter_fwd(F: Any, x: Any, g: Any, ksize: tuple[int, int], strides: tuple[int, int],
                     dil: tuple[int, int], pads: Pads, groups: int) -> Any:
    """Gradient of conv2d wrt its filter: ``(..., kh, kw, Ci/G, Co)`` from input and output gradient."""
    out_hw = (g.shape[-3], g.shape[-2])
    plain = x.ndim == 4 and g.ndim == 4
    if groups == 1 and plain:  # the patch matrix (transposed) times the output gradient: one GEMM
        saved = None if F.is_diff else _SAVED_PATCHES.pop(id(x), None)
        if saved is not None and saved[0] is x and saved[1] == (tuple(ksize), strides, dil, pads):
            cols, tap_major = saved[2], saved[3]  # the forward's patch matrix
        else:
            cols, tap_major = _patches(F, x, ksize, strides, dil, pads, out_hw)
        g2 = F.reshape(g, (-1, g.shape[-1]))
        r = F.matmul(cols, g2) if tap_major else F.matmul(cols.T, g2)
        return F.reshape(r, (ksize[0], ksize[1], x.shape[-1], g.shape[-1]))
    v = _windows(F, _pad_hw(F, x, pads), ksize, strides, dil, out_hw)  # (..., N, Ho, Wo, Ci, kh, kw)
    cin = _group_slices(groups, v.shape[-3])
    cout = _group_slices(groups, g.shape[-1])
    parts = []
    for ci, cj in zip(cin, cout):
        vg, gg = v[..., ci, :, :], g[..., cj]
        if plain:
            # im2col in the view's own (row-major) order, then one (K, M) @ (M, Co) product
            cg = vg.shape[3]
            m = vg.shape[0] * vg.shape[1] * vg.shape[2]
            cols = F.reshape(vg, (m, cg * ksize[0] * ksize[1]))
            r = F.matmul(cols.T, F.reshape(gg, (m, gg.shape[-1])))
            parts.append(F.transpose(F.reshape(r, (cg, ksize[0], ksize[1], gg.shape[-1])), (1, 2, 0, 3)))
        else:
            parts.append(F.einsum("...nhwiab,...nhwo->...abio", vg, gg))
    return parts[0] if groups == 1 else F.concatenate(parts, axis=-1)


def _geom(p: dict[str, Any]) -> dict[str, Any]:
    return {"strides": p["strides"], "dil": p["dil"], "pads": p["pads"], "groups": p["groups"]}


def _conv_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, f = ins
    geo = _geom(p)
    xs, fs = F.shape(x), F.shape(f)
    gx = _run(F, CONV2D_BACKPROP_INPUT, g, f, in_hw=(xs[-3], xs[-2]), **geo) if needs[0] else None
    gf = _run(F, CONV2D_BACKPROP_FILTER, x, g, ksize=(fs[-4], fs[-3]), **geo) if needs[1] else None
    return (gx, gf)


_conv_jvp = bilinear_jvp(lambda F, a, b, p: _run(F, CONV2D, a, b, **_geom(p)))


def _conv_input_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    g, f = ins
    geo = _geom(p)
    fs = F.shape(f)
    dg = _run(F, CONV2D, h, f, **geo) if needs[0] else None
    df = _run(F, CONV2D_BACKPROP_FILTER, h, g, ksize=(fs[-4], fs[-3]), **geo) if needs[1] else None
    return (dg, df)


_conv_input_jvp = bilinear_jvp(lambda F, a, b, p: _run(F, CONV2D_BACKPROP_INPUT, a, b, **p))


def _conv_filter_vjp(F: Any, k: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x, g = ins
    geo = _geom(p)
    xs = F.shape(x)
    dx = _run(F, CONV2D_BACKPROP_INPUT, g, k, in_hw=(xs[-3], xs[-2]), **geo) if needs[0] else None
    dg = _run(F, CONV2D, x, k, **geo) if needs[1] else None
    return (dx, dg)


_conv_filter_jvp = bilinear_jvp(lambda F, a, b, p: _run(F, CONV2D_BACKPROP_FILTER, a, b, **p))


def _conv_ref(x: np.ndarray, f: np.ndarray, strides: Sequence[int] = (1, 1), dil: Sequence[int] = (1, 1),
              pads: Any = ((0, 0), (0, 0)), groups: int = 1) -> np.ndarray:
    """Direct-loop NHWC convolution (independent of the im2col implementation)."""
    n, h, w, ci = x.shape
    kh, kw, cg, co = f.shape
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    ho = (h + sum(pads[0]) - dil[0] * (kh - 1) - 1) // strides[0] + 1
    wo = (w + sum(pads[1]) - dil[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, ho, wo, co))
    cog = co // groups
    for i in range(ho):
        for j in range(wo):
            for o in range(co):
                grp = o // cog
                for a in range(kh):
                    for b in range(kw):
                        pix = xp[:, i * strides[0] + a * dil[0], j * strides[1] + b * dil[1], grp * cg:(grp + 1) * cg]
                        out[:, i, j, o] += pix @ f[a, b, :, o]
    return out


def _same_pads(h: int, w: int, k: Sequence[int], s: Sequence[int], d: Sequence[int] = (1, 1)) -> Pads:
    return _resolve_padding("SAME", (h, w), k, s, d, True, "test", False)


CONV2D = defop("conv2d", _conv_fwd, _conv_vjp, _conv_jvp, bilinear=True, test=[
    spec(lambda tf, x, f: tf.nn.conv2d(x, f, 1, "SAME"), lambda rng: (rng.normal(size=(2, 5, 4, 3)),
                                                                     rng.normal(size=(3, 2, 3, 2))),
         ref=lambda x, f: _conv_ref(x, f, pads=_same_pads(5, 4, (3, 2), (1, 1))), name="same"),
    spec(lambda tf, x, f: tf.nn.conv2d(x, f, [2, 1], "VALID", dilations=[1, 2]),
         lambda rng: (rng.normal(size=(1, 6, 7, 2)), rng.normal(size=(2, 3, 2, 3))),
         ref=lambda x, f: _conv_ref(x, f, (2, 1), (1, 2)), name="valid_stride_dilation",
         tf=False),  # TF's CPU kernels cannot differentiate dilated convolutions (forward checked separately)
    spec(lambda tf, x, f: tf.nn.conv2d(x, f, 2, [[0, 0], [1, 2], [0, 1], [0, 0]]),
         lambda rng: (rng.normal(size=(1, 5, 5, 2)), rng.normal(size=(2, 2, 2, 2))),
         ref=lambda x, f: _conv_ref(x, f, (2, 2), pads=((1, 2), (0, 1))), name="explicit"),
    spec(lambda tf, x, f: tf.nn.conv2d(x, f, 1, "SAME"),
         lambda rng: (rng.normal(size=(1, 4, 4, 4)), rng.normal(size=(2, 2, 2, 4))),
         ref=lambda x, f: _conv_ref(x, f, pads=_same_pads(4, 4, (2, 2), (1, 1)), groups=2), name="groups",
         tf=False),  # TF's CPU kernels cannot differentiate grouped convolutions
    spec(lambda tf, x, f: tf.nn.conv1d(x, f, 2, "SAME"),
         lambda rng: (rng.normal(size=(2, 7, 3)), rng.normal(size=(3, 3, 2))),
         ref=lambda x, f: _conv_ref(x[:, None], f[None], (1, 2), pads=((0, 0), (1, 1)))[:, 0], name="conv1d"),
])


def _conv_transpose_ref(g: np.ndarray, f: np.ndarray, out_shape: Sequence[int], strides: Sequence[int],
                        pads: Any) -> np.ndarray:
    n, ho, wo, co = g.shape
    kh, kw, ci, _ = f.shape
    hp, wp = out_shape[1] + sum(pads[0]), out_shape[2] + sum(pads[1])
    acc = np.zeros((n, hp, wp, ci))
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for b in range(kw):
                    acc[:, i * strides[0] + a, j * strides[1] + b, :] += g[:, i, j, :] @ f[a, b].T
    return acc[:, pads[0][0]: pads[0][0] + out_shape[1], pads[1][0]: pads[1][0] + out_shape[2]]


CONV2D_BACKPROP_INPUT = defop("conv2d_backprop_input", _conv_input_fwd, _conv_input_vjp, _conv_input_jvp,
                              bilinear=True, test=[
    spec(lambda tf, g, f: tf.nn.conv2d_transpose(g, f, [2, 7, 6, 2], 2, "SAME"),
         lambda rng: (rng.normal(size=(2, 4, 3, 3)), rng.normal(size=(3, 2, 2, 3))),
         ref=lambda g, f: _conv_transpose_ref(g, f, (2, 7, 6, 2), (2, 2), _same_pads(7, 6, (3, 2), (2, 2)))),
    spec(lambda tf, g, f: tf.nn.conv2d_transpose(g, f, [1, 5, 5, 2], 1, "VALID"),
         lambda rng: (rng.normal(size=(1, 4, 3, 3)), rng.normal(size=(2, 3, 2, 3))),
         ref=lambda g, f: _conv_transpose_ref(g, f, (1, 5, 5, 2), (1, 1), ((0, 0), (0, 0))), name="valid"),
])


def _conv2d_backprop_filter(x: Any, g: Any, ksize: Sequence[int], strides: Any, padding: Any,
                            dilations: Any = 1) -> Tensor:
    """The filter gradient of ``conv2d(x, ·, strides, padding)`` for output gradient ``g`` (NHWC; internal)."""
    xt, gt = pair(x, g, "conv2d_backprop_filter")
    s = _spatial_arg(strides, "strides", "conv2d_backprop_filter", True)
    d = _spatial_arg(dilations, "dilations", "conv2d_backprop_filter", True)
    k = (int(ksize[0]), int(ksize[1]))
    pads = _resolve_padding(padding, xt._value.shape[1:3], k, s, d, True, "conv2d_backprop_filter", True)
    return apply2(CONV2D_BACKPROP_FILTER, xt, gt, {"ksize": k, "strides": s, "dil": d, "pads": pads, "groups": 1})


def _conv_filter_ref(x: np.ndarray, g: np.ndarray, k: Sequence[int], strides: Sequence[int], pads: Any) -> np.ndarray:
    n, h, w, ci = x.shape
    _, ho, wo, co = g.shape
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    out = np.zeros((k[0], k[1], ci, co))
    for a in range(k[0]):
        for b in range(k[1]):
            patch = xp[:, a: a + (ho - 1) * strides[0] + 1: strides[0], b: b + (wo - 1) * strides[1] + 1: strides[1]]
            out[a, b] = np.einsum("nhwi,nhwo->io", patch, g)
    return out


CONV2D_BACKPROP_FILTER = defop("conv2d_backprop_filter", _conv_filter_fwd, _conv_filter_vjp, _conv_filter_jvp,
                               bilinear=True, internal=True, test=spec(
    lambda tf, x, g: _conv2d_backprop_filter(x, g, (3, 2), 2, "SAME"),
    lambda rng: (rng.normal(size=(2, 5, 4, 2)), rng.normal(size=(2, 3, 2, 3))),
    ref=lambda x, g: _conv_filter_ref(x, g, (3, 2), (2, 2), _same_pads(5, 4, (3, 2), (2, 2))), tf=False))


def _to_nhwc(t: Any) -> Tensor:
    nd = t._value.ndim
    perm = list(range(nd - 3)) + [nd - 2, nd - 1, nd - 3]
    return array_ops.transpose(t, perm)


def _from_nhwc(t: Any) -> Tensor:
    nd = t._value.ndim
    perm = list(range(nd - 3)) + [nd - 1, nd - 3, nd - 2]
    return array_ops.transpose(t, perm)


def _check_format(data_format: str, allowed: tuple[str, str], op: str) -> bool:
    """True for channels-last."""
    if data_format not in allowed:
        raise InvalidArgumentError(f"{op}: data_format {data_format!r} is not one of {list(allowed)}.")
    return data_format == allowed[0]


def conv2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
           dilations: Any = None, name: str | None = None) -> Tensor:
    """2-D convolution (cross-correlation, as TF) of ``input`` ``[batch..., H, W, Cin]`` with ``filters``
    ``[kh, kw, Cin / groups, Cout]``.

    ``strides``/``dilations``: an int or a list of 1, 2 or 4 ints; ``padding``: ``"SAME"``, ``"VALID"`` or an
    explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]``. ``Cin`` may be a multiple of the filter's input
    depth (grouped convolution). ``data_format="NCHW"`` is supported too (TF's CPU kernel refuses it).
    The gradients are the differentiable ops ``conv2d_backprop_input``/``conv2d_backprop_filter``, so higher
    derivatives work.

    >>> import tapegrad as tf
    >>> tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, "VALID").numpy().reshape(-1).tolist()
    [4.0, 4.0, 4.0, 4.0]
    """
    op = "conv2d"
    x, f = pair(input, filters, op)
    if x._value.dtype.kind not in "f" and x._value.dtype != np.int32:
        raise InvalidArgumentError(f"{op}: input must be a floating point (or int32) tensor, got {x.dtype.name}.")
    last = _check_format(data_format, ("NHWC", "NCHW"), op)
    xs, fs = tuple(x._value.shape), tuple(f._value.shape)
    if len(xs) < 4:
        raise InvalidArgumentError(f"{op}: input must be at least 4-dimensional ({data_format}), got shape {xs}.")
    if len(fs) != 4:
        raise InvalidArgumentError(f"{op}: filters must be 4-dimensional [kh, kw, in, out], got shape {fs}.")
    s = _spatial_arg(strides, "strides", op, last)
    d = _spatial_arg(1 if dilations is None else dilations, "dilations", op, last)
    if not last:
        x = _to_nhwc(x)
    lead = tuple(x._value.shape[:-3])
    if len(lead) > 1:
        x = array_ops.reshape(x, (-1,) + tuple(x._value.shape[-3:]))
    h, w, ci = x._value.shape[-3:]
    if fs[2] == 0 or ci % fs[2]:
        raise InvalidArgumentError(f"{op}: input depth must be evenly divisible by filter depth: {ci} vs {fs[2]} "
                                   f"(input shape {xs}, filters shape {fs}).")
    groups = ci // fs[2]
    if fs[3] % groups:
        raise InvalidArgumentError(f"{op}: output depth must be evenly divisible by number of groups: {fs[3]} vs "
                                   f"{groups} (input shape {xs}, filters shape {fs}).")
    pads = _resolve_padding(padding, (h, w), fs[:2], s, d, last, op, True)
    out = apply2(CONV2D, x, f, {"strides": s, "dil": d, "pads": pads, "groups": groups})
    if len(lead) > 1:
        out = array_ops.reshape(out, lead + tuple(out._value.shape[-3:]))
    return out if last else _from_nhwc(out)


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: Any = "SAME",  # noqa: A002
                     data_format: str = "NHWC", dilations: Any = None, name: str | None = None) -> Tensor:
    """The transpose (gradient) of ``conv2d``: maps ``[N, Ho, Wo, Cin]`` to ``output_shape`` ``[N, H, W, Cout]``
    with ``filters`` ``[kh, kw, Cout, Cin]``. Dilations are supported (TF's CPU kernel refuses them).

    >>> import tapegrad as tf
    >>> y = tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 1]), tf.ones([2, 2, 1, 1]), [1, 3, 3, 1], 1, "VALID")
    >>> y.numpy().reshape(3, 3).tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "conv2d_transpose"
    g, f = pair(input, filters, op)
    _check_float(g, op)
    last = _check_format(data_format, ("NHWC", "NCHW"), op)
    gs, fs = tuple(g._value.shape), tuple(f._value.shape)
    oshape = list(shape_arg(output_shape))
    if len(gs) != 4 or len(fs) != 4 or len(oshape) != 4:
        raise InvalidArgumentError(f"{op}: input, filters and output_shape must all be 4-dimensional, got {gs}, {fs} "
                                   f"and {oshape}.")
    s = _spatial_arg(strides, "strides", op, last)
    d = _spatial_arg(1 if dilations is None else dilations, "dilations", op, last)
    if not last:
        g = _to_nhwc(g)
        oshape = [oshape[0], oshape[2], oshape[3], oshape[1]]
    n, ho, wo, cin = g._value.shape
    if fs[3] != cin:
        raise InvalidArgumentError(f"{op}: filter and input must have the same depth: filters shape {fs} (last "
                                   f"dimension {fs[3]}) vs input depth {cin}.")
    if fs[2] != oshape[3]:
        raise InvalidArgumentError(f"{op}: output_shape depth {oshape[3]} does not match the filters' output depth "
                                   f"{fs[2]} (filters shape {fs}).")
    if oshape[0] != n:
        raise InvalidArgumentError(f"{op}: output_shape batch {oshape[0]} does not match the input batch {n}.")
    in_hw = (oshape[1], oshape[2])
    pads = _resolve_padding(padding, in_hw, fs[:2], s, d, last, op, True)
    expect = tuple(_out_size(in_hw[i], fs[i], s[i], d[i], pads[i]) for i in range(2))
    if expect != (ho, wo):
        raise InvalidArgumentError(f"{op}: input spatial size {(ho, wo)} does not match the size {expect} that "
                                   f"conv2d of output_shape {oshape} with these strides/padding would produce.")
    out = apply2(CONV2D_BACKPROP_INPUT, g, f, {"in_hw": in_hw, "strides": s, "dil": d, "pads": pads, "groups": 1})
    return out if last else _from_nhwc(out)


def conv1d(input: Any, filters: Any, stride: Any, padding: Any, data_format: str = "NWC",  # noqa: A002
           dilations: Any = None, name: str | None = None) -> Tensor:
    """1-D convolution of ``input`` ``[batch..., W, Cin]`` with ``filters`` ``[k, Cin, Cout]`` (via conv2d).

    ``stride``/``dilations``: an int or a list of 1 or 3 ints; ``padding``: ``"SAME"`` or ``"VALID"``.

    >>> import tapegrad as tf
    >>> tf.nn.conv1d(tf.ones([1, 4, 1]), tf.ones([2, 1, 1]), 1, "VALID").numpy().reshape(-1).tolist()
    [2.0, 2.0, 2.0]
    """
    op = "conv1d"
    x, f = pair(input, filters, op)
    last = _check_format(data_format, ("NWC", "NCW"), op)
    xs, fs = tuple(x._value.shape), tuple(f._value.shape)
    if len(xs) < 3:
        raise InvalidArgumentError(f"{op}: input must be at least 3-dimensional ({data_format}), got shape {xs}.")
    if len(fs) != 3:
        raise InvalidArgumentError(f"{op}: filters must be 3-dimensional [k, in, out], got shape {fs}.")
    if not isinstance(padding, str):
        raise TypeError(f"{op}: Expected string for argument 'padding' not {padding!r}: use 'SAME' or 'VALID'.")
    (s,) = _spatial_arg(stride, "stride", op, last, nd=1)
    (d,) = _spatial_arg(1 if dilations is None else dilations, "dilations", op, last, nd=1)
    if not last:
        x = array_ops.transpose(x, list(range(len(xs) - 2)) + [len(xs) - 1, len(xs) - 2])
    lead = tuple(x._value.shape[:-2])
    x4 = array_ops.reshape(x, (-1, 1) + tuple(x._value.shape[-2:]))
    f4 = array_ops.reshape(f, (1,) + fs)
    y = conv2d(x4, f4, [1, s], padding, dilations=[1, d])
    y = array_ops.reshape(y, lead + tuple(y._value.shape[-2:]))
    if not last:
        y = array_ops.transpose(y, list(range(len(lead))) + [len(lead) + 1, len(lead)])
    return y


# -- pooling ----------------------------------------------------------------------------------------------------


def _lowest(F: Any, dtype: Any) -> Any:
    return -F.inf if dtype.kind == "f" else F.iinfo(dtype).min


def _pool_out(h: int, w: int, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads) -> tuple[int, int]:
    return (_out_size(h, ksize[0], strides[0], 1, pads[0]), _out_size(w, ksize[1], strides[1], 1, pads[1]))


def _tiled(ksize: Sequence[int], strides: Sequence[int], pads: Pads) -> bool:
    """Windows that tile the input (stride = window, no padding): the common 2×2/2 pooling."""
    return tuple(ksize) == tuple(strides) and pads == ((0, 0), (0, 0))


def _tiles(F: Any, x: Any, ksize: Sequence[int]) -> Any:
    """``(..., H, W, C)`` as ``(..., Ho, kh, Wo, kw, C)`` non-overlapping tiles (rows/columns past the last whole
    window dropped): a view when nothing is dropped."""
    kh, kw = ksize
    ho, wo = x.shape[-3] // kh, x.shape[-2] // kw
    if (ho * kh, wo * kw) != (x.shape[-3], x.shape[-2]):
        x = x[..., : ho * kh, : wo * kw, :]
    return F.reshape(x, x.shape[:-3] + (ho, kh, wo, kw, x.shape[-1]))


def _tile_max(F: Any, t: Any, ksize: Sequence[int]) -> Any:
    """The maximum over the window axes of tiles: elementwise maxima of the taps (several times faster than a
    reduction over two inner strided axes; NaN propagates as with ``max``)."""
    if ksize[0] * ksize[1] == 1:  # 1×1 windows: a copy, never a view of the input
        return F.array(t[..., 0, :, 0, :], copy=True)
    out = t[..., 0, :, 0, :]
    for a in range(ksize[0]):
        for b in range(ksize[1]):
            if a or b:
                out = F.maximum(out, t[..., a, :, b, :])
    return out


def _maxpool_fwd(F: Any, x: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads) -> Any:
    if (_tiled(ksize, strides, pads) and not F.is_diff and type(x) is np.ndarray and ksize[0] * ksize[1] > 1
            and x.shape[-3] % ksize[0] == 0 and x.shape[-2] % ksize[1] == 0 and x.flags.c_contiguous):
        # maxima of the kernel rows first (whole image rows: long contiguous inner loops), then across the columns
        kh, kw = ksize
        lead, (h, w, c) = x.shape[:-3], x.shape[-3:]
        xr = x.reshape(lead + (h // kh, kh, w * c))
        m = xr[..., 0, :]
        for a in range(1, kh):
            m = np.maximum(m, xr[..., a, :], out=None if a == 1 else m)
        m = m.reshape(lead + (h // kh, w // kw, kw * c))
        out = m[..., :c]
        for b in range(1, kw):
            out = np.maximum(out, m[..., b * c:(b + 1) * c], out=None if b == 1 else out)
        return out
    if _tiled(ksize, strides, pads):
        return _tile_max(F, _tiles(F, x, ksize), ksize)
    out_hw = _pool_out(x.shape[-3], x.shape[-2], ksize, strides, pads)
    v = _windows(F, _pad_hw(F, x, pads, _lowest(F, x.dtype)), ksize, strides, (1, 1), out_hw)
    return F.max(v, axis=(-2, -1))


def _maxpool_argmax_fwd(F: Any, x: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads) -> Any:
    """Index ``a * kw + b`` of the first maximum of each window (row-major, as TF's CPU kernel)."""
    if _tiled(ksize, strides, pads) and ksize[0] * ksize[1] <= 127:
        t = _tiles(F, x, ksize)
        nl = t.ndim - 5
        # taps made contiguous (one copy): (kh * kw, *lead, Ho, Wo, C)
        taps = F.ascontiguousarray(F.transpose(t, (nl + 1, nl + 3, *range(nl), nl, nl + 2, nl + 4)))
        taps = F.reshape(taps, (ksize[0] * ksize[1],) + taps.shape[2:])
        top = F.max(taps, axis=0)
        if x.dtype.kind != "f" or not F.isnan(top).any():  # a NaN in a window makes its maximum NaN
            # one comparison per kernel tap against the window maxima; earlier taps win ties (NaN windows: below)
            arg = F.zeros(top.shape, dtype=F.int8)
            for k in reversed(range(taps.shape[0])):  # last tap first, so the earliest tap equal to the max stays
                arg = F.where(taps[k] == top, F.int8(k), arg)
            return F.astype(arg, F.int64)
    out_hw = _pool_out(x.shape[-3], x.shape[-2], ksize, strides, pads)
    v = _windows(F, _pad_hw(F, x, pads, _lowest(F, x.dtype)), ksize, strides, (1, 1), out_hw)
    return F.argmax(F.reshape(v, v.shape[:-2] + (ksize[0] * ksize[1],)), axis=-1)


def _maxpool_argmax(F: Any, x: Any, p: Any) -> Any:
    """The routing indices of ``x``'s windows: a recorded op under the differentiable namespace (a compiled
    program computes them on every call), the raw forward otherwise."""
    if F.is_diff:
        return applyn(MAXPOOL_ARGMAX, (x,), _pool_geom(p))
    return _maxpool_argmax_fwd(F, x, **_pool_geom(p))


def _pool_geom(p: dict[str, Any]) -> dict[str, Any]:
    return {"ksize": p["ksize"], "strides": p["strides"], "pads": p["pads"]}


def _maxpool_vjp_tiled_np(g: np.ndarray, x: np.ndarray, top: np.ndarray, ksize: tuple[int, int]) -> Any:
    """The gradient of a max pool whose windows tile ``x`` exactly, without an argmax array: the window maxima and
    the upstream, repeated along the width to ``x``'s row layout, are compared with and routed to each kernel row
    in one pass per row (long contiguous inner loops, no transposed copies). Ties (a window with several elements
    equal to its maximum, common after a ReLU) go to the first in row-major order, as TF's kernel. A NaN maximum or
    a non-finite upstream makes this return None (the argmax rule runs)."""
    if np.isnan(top).any() or not np.isfinite(g).all():
        return None
    kh, kw = ksize
    lead, (ho, wo, c) = x.shape[:-3], top.shape[-3:]
    rows = lead + (ho, kh, wo * kw, c)
    xr = x.reshape(rows)
    top_w = np.repeat(top, kw, axis=-2)
    eq = np.empty((kh,) + top_w.shape, bool)
    hits = 0
    for a in range(kh):
        np.equal(xr[..., a, :, :], top_w, out=eq[a])
        hits += np.count_nonzero(eq[a])
    if hits != top.size:  # ties: keep the first hit of each window (row-major over the taps)
        # the channels' flags (bytes 0/1) read as wide unsigned words, so each bitwise op covers several channels
        width = next(w for w in (8, 4, 2, 1) if c % w == 0)
        taps = eq.reshape((kh,) + lead + (ho, wo, kw, c)).view(np.dtype(f"u{width}"))
        taken = taps[0, ..., 0, :].copy()
        not_taken = np.empty_like(taken)
        for k in range(1, kh * kw):
            a, b = divmod(k, kw)
            e = taps[a, ..., b, :]
            np.invert(taken, out=not_taken)
            np.bitwise_and(e, not_taken, out=e)  # a hit no earlier tap of the window had
            if k < kh * kw - 1:
                taken |= e
    gx = _take(x.shape, g.dtype)
    gr = gx.reshape(rows)
    g_w = np.repeat(g, kw, axis=-2)
    for a in range(kh):
        np.multiply(g_w, eq[a], out=gr[..., a, :, :])
    return gx


def _maxpool_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    if (not F.is_diff and type(x) is np.ndarray and type(g) is np.ndarray and x.dtype.kind == "f"
            and g.shape == out.shape and _tiled(p["ksize"], p["strides"], p["pads"])
            and x.shape[-3] % p["ksize"][0] == 0 and x.shape[-2] % p["ksize"][1] == 0):
        gx = _maxpool_vjp_tiled_np(g, x, out, p["ksize"])
        if gx is not None:
            return (gx,)
    xs = F.shape(ins[0])
    arg = _maxpool_argmax(F, ins[0], p)
    return (_run(F, MAXPOOL_SCATTER, g, arg, in_hw=(xs[-3], xs[-2]), **_pool_geom(p)),)


def _maxpool_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    arg = _maxpool_argmax(F, ins[0], p)
    return _run(F, MAXPOOL_GATHER, ts[0], arg, **_pool_geom(p))


def _maxpool_scatter_fwd(F: Any, g: Any, arg: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads,
                         in_hw: tuple[int, int]) -> Any:
    """Route each window's upstream value to its selected element (``arg``), accumulating overlaps."""
    kw = ksize[1]
    if _tiled(ksize, strides, pads):  # no overlaps: each tap's share, tap-major, then one transpose copy
        kh = ksize[0]
        lead, (ho, wo, c) = g.shape[:-3], g.shape[-3:]
        buf = F.empty((kh, kw) + g.shape, dtype=g.dtype)
        finite = g.dtype.kind != "f" or bool(F.isfinite(g).all())  # g * False is 0 only for finite g
        for a in range(kh):
            for b in range(kw):
                sel = arg == a * kw + b
                if finite:
                    F.multiply(g, sel, out=buf[a, b])
                else:
                    buf[a, b] = F.where(sel, g, 0)
        nl = len(lead)
        perm = (*range(2, 2 + nl), 2 + nl, 0, 3 + nl, 1, 4 + nl)  # (kh, kw, *lead, Ho, Wo, C) → tiles
        out = F.reshape(F.ascontiguousarray(F.transpose(buf, perm)), lead + (ho * kh, wo * kw, c))
        if (ho * ksize[0], wo * kw) != tuple(in_hw):  # rows/columns no window covered get no gradient
            width = [(0, 0)] * (g.ndim - 3) + [(0, in_hw[0] - ho * ksize[0]), (0, in_hw[1] - wo * kw), (0, 0)]
            out = F.pad(out, width)
        return out
    return _scatter_windows(F, lambda a, b: F.where(arg == a * kw + b, g, 0), g.shape[:-3], g.shape[-3:-1], in_hw,
                            ksize, strides, (1, 1), pads, g.shape[-1], g.dtype)


def _maxpool_gather_fwd(F: Any, x: Any, arg: Any, ksize: tuple[int, int], strides: tuple[int, int],
                        pads: Pads) -> Any:
    """Pick, per window, the element at index ``arg`` (the transpose of the scatter)."""
    if _tiled(ksize, strides, pads):
        t = _tiles(F, x, ksize)
        out = F.zeros(arg.shape, dtype=x.dtype)
        for a in range(ksize[0]):
            for b in range(ksize[1]):
                out = F.where(arg == a * ksize[1] + b, t[..., a, :, b, :], out)
        return out
    out_hw = arg.shape[-3], arg.shape[-2]
    v = _windows(F, _pad_hw(F, x, pads), ksize, strides, (1, 1), out_hw)
    flat = F.reshape(v, v.shape[:-2] + (ksize[0] * ksize[1],))
    idx = F.broadcast_to(F.expand_dims(arg, -1), flat.shape[:-1] + (1,))
    return F.take_along_axis(flat, idx, axis=-1)[..., 0]


# The routing indices ``arg`` are the second input of the scatter/gather pair (integer: no gradient).
def _scatter_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, MAXPOOL_GATHER, h, ins[1], **_pool_geom(p)), None)


def _gather_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xs = F.shape(ins[0])
    return (_run(F, MAXPOOL_SCATTER, h, ins[1], in_hw=(xs[-3], xs[-2]), **_pool_geom(p)), None)


def _pool_ref(x: np.ndarray, k: Sequence[int], s: Sequence[int], pads: Any, mode: str) -> np.ndarray:
    n, h, w, c = x.shape
    ho = (h + sum(pads[0]) - k[0]) // s[0] + 1
    wo = (w + sum(pads[1]) - k[1]) // s[1] + 1
    out = np.zeros((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * s[0] - pads[0][0], j * s[1] - pads[1][0]
            win = x[:, max(r0, 0): r0 + k[0], max(c0, 0): c0 + k[1], :]
            out[:, i, j, :] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return out


MAXPOOL = defop("max_pool2d", _maxpool_fwd, _maxpool_vjp, _maxpool_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.nn.max_pool2d(x, 2, 2, "VALID"), lambda rng: (rng.normal(size=(2, 4, 5, 3)),),
         ref=lambda x: _pool_ref(x, (2, 2), (2, 2), ((0, 0), (0, 0)), "max"), name="valid"),
    spec(lambda tf, x: tf.nn.max_pool2d(x, [3, 2], [2, 1], "SAME"), lambda rng: (rng.normal(size=(1, 5, 4, 2)),),
         ref=lambda x: _pool_ref(x, (3, 2), (2, 1), _same_pads(5, 4, (3, 2), (2, 1)), "max"), name="same_overlap"),
    spec(lambda tf, x: tf.nn.max_pool1d(x, 3, 2, "SAME"), lambda rng: (rng.normal(size=(2, 6, 2)),),
         ref=lambda x: _pool_ref(x[:, None], (1, 3), (1, 2), ((0, 0), (0, 1)), "max")[:, 0], name="1d"),
])


def _maxpool_routing(x: Any, ksize: Any, strides: Any, padding: str, who: str) -> tuple[dict[str, Any], Any]:
    """Pooling geometry and the flat positions of each window's maximum in ``x`` (a recorded op)."""
    k = _spatial_arg(ksize, "ksize", who, True)
    s = _spatial_arg(strides, "strides", who, True)
    p = {"ksize": k, "strides": s, "pads": _resolve_padding(padding, x._value.shape[1:3], k, s, (1, 1), True, who,
                                                            False)}
    return p, apply1(MAXPOOL_ARGMAX, x, p)


def _max_pool_grad(x: Any, g: Any, ksize: Any, strides: Any, padding: str) -> Tensor:
    """Max pooling's gradient routing for output gradient ``g``, with windows' maxima taken from ``x`` (internal)."""
    xt, gt = pair(x, g, "max_pool_grad")
    p, arg = _maxpool_routing(xt, ksize, strides, padding, "max_pool_grad")
    return apply2(MAXPOOL_SCATTER, gt, arg, {"in_hw": tuple(xt._value.shape[1:3]), **p})


def _max_pool_select(x: Any, y: Any, ksize: Any, strides: Any, padding: str) -> Tensor:
    """The elements of ``y`` at the positions of ``x``'s window maxima (internal; the scatter's transpose)."""
    xt, yt = pair(x, y, "max_pool_select")
    p, arg = _maxpool_routing(xt, ksize, strides, padding, "max_pool_select")
    return apply2(MAXPOOL_GATHER, yt, arg, p)


def _first_max_scatter_ref(x: np.ndarray, g: np.ndarray, k: Sequence[int], s: Sequence[int]) -> np.ndarray:
    out = np.zeros_like(x)
    n, ho, wo, c = g.shape
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                for ch in range(c):
                    win = x[b, i * s[0]: i * s[0] + k[0], j * s[1]: j * s[1] + k[1], ch]
                    a, bb = np.unravel_index(np.argmax(win), win.shape)
                    out[b, i * s[0] + a, j * s[1] + bb, ch] += g[b, i, j, ch]
    return out


MAXPOOL_SCATTER = defop("max_pool_grad", _maxpool_scatter_fwd, _scatter_vjp,
                        lambda F, ts, ins, out, p: _run(F, MAXPOOL_SCATTER, ts[0], ins[1], **p),
                        linear=True, internal=True, test=spec(
    lambda tf, x, g: _max_pool_grad(x, g, 2, 1, "VALID"),
    lambda rng: (rng.normal(size=(1, 4, 3, 2)), rng.normal(size=(1, 3, 2, 2))), grad=(1,),
    ref=lambda x, g: _first_max_scatter_ref(x, g, (2, 2), (1, 1)), tf=False))

MAXPOOL_GATHER = defop("max_pool_select", _maxpool_gather_fwd, _gather_vjp,
                       lambda F, ts, ins, out, p: _run(F, MAXPOOL_GATHER, ts[0], ins[1], **p),
                       linear=True, internal=True, test=spec(
    lambda tf, x, y: _max_pool_select(x, y, [2, 3], 2, "SAME"),
    lambda rng: (rng.normal(size=(1, 5, 5, 2)), rng.normal(size=(1, 5, 5, 2))), grad=(1,), tf=False))

MAXPOOL_ARGMAX = defop("max_pool_argmax", _maxpool_argmax_fwd, None, internal=True, test=spec(
    lambda tf, x: _max_pool_argmax(x, [2, 3], 2, "SAME"), lambda rng: (rng.normal(size=(1, 5, 5, 2)),), grad=(),
    order2=False, ref=lambda x: _maxpool_argmax_fwd(NUMPY, x, (2, 3), (2, 2), _same_pads(5, 5, (2, 3), (2, 2))),
    tf=False))


def _max_pool_argmax(x: Any, ksize: Any, strides: Any, padding: str) -> Tensor:
    """The routing indices of max pooling (internal): for each window, the flat index of its first maximum."""
    return _maxpool_routing(to_tensor(x), ksize, strides, padding, "max_pool_argmax")[1]


def _pool_count(F: Any, in_hw: Sequence[int], out_hw: Sequence[int], ksize: Sequence[int], strides: Sequence[int],
                pads: Pads, dtype: Any) -> Any:
    """Number of unpadded elements in each window, ``(Ho, Wo, 1)`` in ``dtype``."""
    sizes = []
    for n, o, k, s, (lo, _) in zip(in_hw, out_hw, ksize, strides, pads):
        start = F.arange(o) * s - lo
        sizes.append(F.minimum(start + k, n) - F.maximum(start, 0))
    return F.astype(sizes[0][:, None, None] * sizes[1][None, :, None], dtype)


def _avgpool_fwd(F: Any, x: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads) -> Any:
    in_hw = (x.shape[-3], x.shape[-2])
    out_hw = _pool_out(in_hw[0], in_hw[1], ksize, strides, pads)
    v = _windows(F, _pad_hw(F, x, pads), ksize, strides, (1, 1), out_hw)
    return F.sum(v, axis=(-2, -1)) / _pool_count(F, in_hw, out_hw, ksize, strides, pads, x.dtype)


def _avgpool_grad_fwd(F: Any, g: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads,
                      in_hw: tuple[int, int]) -> Any:
    out_hw = (g.shape[-3], g.shape[-2])
    h = g / _pool_count(F, in_hw, out_hw, ksize, strides, pads, g.dtype)
    return _scatter_windows(F, lambda a, b: h, g.shape[:-3], out_hw, in_hw, ksize, strides, (1, 1), pads,
                            g.shape[-1], g.dtype)


def _avgpool_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xs = F.shape(ins[0])
    return (_run(F, AVGPOOL_GRAD, g, in_hw=(xs[-3], xs[-2]), **_pool_geom(p)),)


def _avgpool_grad_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, AVGPOOL, h, **_pool_geom(p)),)


AVGPOOL = defop("avg_pool2d", _avgpool_fwd, _avgpool_vjp, lambda F, ts, ins, out, p: _run(F, AVGPOOL, ts[0], **p),
                linear=True, save_in=False, test=[
    spec(lambda tf, x: tf.nn.avg_pool2d(x, 2, 2, "VALID"), lambda rng: (rng.normal(size=(2, 4, 5, 3)),),
         ref=lambda x: _pool_ref(x, (2, 2), (2, 2), ((0, 0), (0, 0)), "avg"), name="valid"),
    spec(lambda tf, x: tf.nn.avg_pool2d(x, [3, 2], [2, 1], "SAME"), lambda rng: (rng.normal(size=(1, 5, 4, 2)),),
         ref=lambda x: _pool_ref(x, (3, 2), (2, 1), _same_pads(5, 4, (3, 2), (2, 1)), "avg"), name="same"),
    spec(lambda tf, x: tf.nn.avg_pool1d(x, 3, 2, "SAME"), lambda rng: (rng.normal(size=(2, 6, 2)),),
         ref=lambda x: _pool_ref(x[:, None], (1, 3), (1, 2), ((0, 0), (0, 1)), "avg")[:, 0], name="1d"),
])


def _avg_pool_grad(g: Any, in_hw: Sequence[int], ksize: Any, strides: Any, padding: str) -> Tensor:
    """Average pooling's gradient for output gradient ``g`` and input spatial size ``in_hw`` (internal)."""
    gt = to_tensor(g)
    k = _spatial_arg(ksize, "ksize", "avg_pool_grad", True)
    s = _spatial_arg(strides, "strides", "avg_pool_grad", True)
    hw = (int(in_hw[0]), int(in_hw[1]))
    pads = _resolve_padding(padding, hw, k, s, (1, 1), True, "avg_pool_grad", False)
    return apply1(AVGPOOL_GRAD, gt, {"ksize": k, "strides": s, "pads": pads, "in_hw": hw})


AVGPOOL_GRAD = defop("avg_pool_grad", _avgpool_grad_fwd, _avgpool_grad_vjp,
                     lambda F, ts, ins, out, p: _run(F, AVGPOOL_GRAD, ts[0], **p), linear=True, save_in=False,
                     internal=True,
                     test=spec(lambda tf, g: _avg_pool_grad(g, (5, 4), [3, 2], [2, 1], "SAME"),
                               lambda rng: (rng.normal(size=(1, 3, 4, 2)),), tf=False))


def _pool_prepare(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str, op: str,  # noqa: A002
                  kinds: str) -> tuple[Any, bool, dict[str, Any]]:
    x = to_tensor(input)
    if x._value.dtype.kind not in kinds:
        raise InvalidArgumentError(f"{op}: unsupported dtype {x.dtype.name} (shape {tuple(x._value.shape)}); "
                                   f"{'floating point' if kinds == 'f' else 'real numeric'} tensors are supported.")
    last = _check_format(data_format, ("NHWC", "NCHW"), op)
    if x._value.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-dimensional ({data_format}), got shape "
                                   f"{tuple(x._value.shape)}.")
    k = _spatial_arg(ksize, "ksize", op, last)
    s = _spatial_arg(strides, "strides", op, last)
    if not last:
        x = _to_nhwc(x)
    pads = _resolve_padding(padding, x._value.shape[1:3], k, s, (1, 1), last, op, False)
    return x, last, {"ksize": k, "strides": s, "pads": pads}


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Max pooling over ``ksize`` windows of ``[N, H, W, C]``; ``padding`` is ``"SAME"`` or ``"VALID"``.

    The gradient goes to the **first** maximum of each window (row-major), accumulating where windows overlap
    (TF's convention; ``reduce_max`` splits ties instead).

    >>> import tapegrad as tf
    >>> x = tf.constant([[1.0, 3.0], [3.0, 2.0]])[None, :, :, None]
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    >>> t.gradient(y, x).numpy().reshape(2, 2).tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    x, last, p = _pool_prepare(input, ksize, strides, padding, data_format, "max_pool2d", "fiu")
    out = apply1(MAXPOOL, x, p)
    return out if last else _from_nhwc(out)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Average pooling over ``ksize`` windows of ``[N, H, W, C]``. With ``"SAME"`` padding each window averages
    only its valid (unpadded) elements, as in TF.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.constant([0.0, 1, 2, 3, 4, 5, 6, 7, 8]), [1, 3, 3, 1])
    >>> tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy().reshape(-1).tolist()
    [2.0, 3.5, 6.5, 8.0]
    """
    x, last, p = _pool_prepare(input, ksize, strides, padding, data_format, "avg_pool2d", "f")
    out = apply1(AVGPOOL, x, p)
    return out if last else _from_nhwc(out)


def _pool1d(fn: Callable[..., Tensor], input: Any, ksize: Any, strides: Any, padding: Any,  # noqa: A002
            data_format: str, op: str) -> Tensor:
    """1-D pooling as 2-D pooling over a unit height: ``[N, W, C]`` → ``[N, 1, W, C]`` (``NCW``: ``[N, C, 1, W]``)."""
    x = to_tensor(input)
    last = _check_format(data_format, ("NWC", "NCW"), op)
    xs = tuple(x._value.shape)
    if len(xs) != 3:
        raise InvalidArgumentError(f"{op}: input must be 3-dimensional ({data_format}), got shape {xs}.")
    (k,) = _spatial_arg(ksize, "ksize", op, last, nd=1)
    (s,) = _spatial_arg(strides, "strides", op, last, nd=1)
    x4 = array_ops.reshape(x, (xs[0], 1, xs[1], xs[2]) if last else (xs[0], xs[1], 1, xs[2]))
    y = fn(x4, [1, k], [1, s], padding, "NHWC" if last else "NCHW")
    ys = tuple(y._value.shape)
    return array_ops.reshape(y, (ys[0], ys[2], ys[3]) if last else (ys[0], ys[1], ys[3]))


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Max pooling of ``[N, W, C]`` (see :func:`max_pool2d`).

    >>> import tapegrad as tf
    >>> tf.nn.max_pool1d(tf.constant([[[1.0], [3.0], [2.0], [0.0]]]), 2, 2, "VALID").numpy().reshape(-1).tolist()
    [3.0, 2.0]
    """
    return _pool1d(max_pool2d, input, ksize, strides, padding, data_format, "max_pool1d")


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Average pooling of ``[N, W, C]`` (see :func:`avg_pool2d`).

    >>> import tapegrad as tf
    >>> tf.nn.avg_pool1d(tf.constant([[[1.0], [3.0], [2.0]]]), 2, 2, "SAME").numpy().reshape(-1).tolist()
    [2.0, 2.0]
    """
    return _pool1d(avg_pool2d, input, ksize, strides, padding, data_format, "avg_pool1d")


def _pool_nd(fn1: Callable[..., Tensor], fn2: Callable[..., Tensor], input: Any, ksize: Any,  # noqa: A002
             strides: Any, padding: Any, data_format: str | None, op: str) -> Tensor:
    x = to_tensor(input)
    nd = x._value.ndim
    if nd == 3:
        return fn1(x, ksize, strides, padding, data_format or "NWC")
    if nd == 4:
        return fn2(x, ksize, strides, padding, data_format or "NHWC")
    raise InvalidArgumentError(f"{op}: input must be 3- or 4-dimensional (1-D or 2-D pooling; 3-D pooling is not "
                               f"implemented), got shape {tuple(x._value.shape)}.")


def max_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,  # noqa: A002
             name: str | None = None) -> Tensor:
    """Max pooling of a 3-D (``[N, W, C]``) or 4-D (``[N, H, W, C]``) input.

    >>> import tapegrad as tf
    >>> tf.nn.max_pool(tf.ones([1, 4, 4, 1]), 2, 2, "VALID").shape
    TensorShape([1, 2, 2, 1])
    """
    return _pool_nd(max_pool1d, max_pool2d, input, ksize, strides, padding, data_format, "max_pool")


def avg_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,  # noqa: A002
             name: str | None = None) -> Tensor:
    """Average pooling of a 3-D (``[N, W, C]``) or 4-D (``[N, H, W, C]``) input.

    >>> import tapegrad as tf
    >>> tf.nn.avg_pool(tf.ones([1, 4, 1]), 2, 2, "VALID").shape
    TensorShape([1, 2, 1])
    """
    return _pool_nd(avg_pool1d, avg_pool2d, input, ksize, strides, padding, data_format, "avg_pool")


EXPORTS: dict[str, list[str]] = {
    "nn": [
        "relu6", "elu", "selu", "gelu", "leaky_relu", "silu", "swish", "softplus", "softsign", "log_softmax",
        "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss", "l2_normalize",
        "moments", "batch_normalization", "dropout", "bias_add", "conv1d", "conv2d", "conv2d_transpose",
        "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool", "avg_pool",
    ],
    "math": ["log_softmax", "l2_normalize", "softsign"],
    "nn.experimental": ["stateless_dropout"],
}
