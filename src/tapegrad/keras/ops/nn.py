"""``keras.ops.nn``: activations, convolutions and pooling, normalizations, losses, attention and encoding helpers.

Inputs are not cast: a float op given integers raises, as on Keras's TensorFlow backend. Every float path is
differentiable on the tape.

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> x = np.array([[-1.0, 0.0, 2.0]], "float32")
>>> ops.relu(x).numpy().tolist(), [round(v, 4) for v in ops.softmax(x).numpy()[0].tolist()]
([[0.0, 0.0, 2.0]], [0.042, 0.1142, 0.8438])
>>> y = ops.conv(np.ones((1, 5, 5, 1), "float32"), np.ones((3, 3, 1, 2), "float32"), padding="same")
>>> tuple(y.shape), float(y[0, 2, 2, 0]), float(y[0, 0, 0, 1])
((1, 5, 5, 2), 9.0, 4.0)
"""

from __future__ import annotations

import math as _pymath
from typing import Any

import numpy as np

import tapegrad as tg

from .. import backend as _state
from ._dtypes import cast, convert, result_type, standardize_dtype

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization", "binary_crossentropy",
    "categorical_crossentropy", "celu", "conv", "conv_transpose", "ctc_decode", "ctc_loss", "depth_to_space",
    "depthwise_conv", "dot_product_attention", "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid",
    "hard_silu", "hard_swish", "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax",
    "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
    "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
]


def _float_only(x: Any, name: str, error: type = TypeError) -> Any:
    x = convert(x)
    if not x.dtype.name.startswith(("float", "bfloat")):
        raise error(f"{name}: expects a float tensor, got {x.dtype.name}; cast it first (ops.cast(x, 'float32'))")
    return x


def _const(v: float, like: Any) -> Any:
    return tg.constant(v, like.dtype)


# -- activations ---------------------------------------------------------------------------------------------------
def relu(x: Any) -> Any:
    """``max(x, 0)``."""
    return tg.nn.relu(convert(x))


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``."""
    return tg.nn.relu6(convert(x))


def sigmoid(x: Any) -> Any:
    """``1 / (1 + exp(-x))``."""
    return tg.sigmoid(convert(x))


def sparse_sigmoid(x: Any) -> Any:
    """0 below -1, 1 above 1, ``(x + 1) / 2`` in between."""
    x = _float_only(x, "sparse_sigmoid")
    # Keras's selects: the gradient is 0 at x = -1 and x = 1 (a clip would pass it there)
    return tg.where(tg.less_equal(x, _const(-1.0, x)), tg.zeros_like(x),
                    tg.where(tg.greater_equal(x, _const(1.0, x)), tg.ones_like(x), (x + 1) * _const(0.5, x)))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))``."""
    return tg.nn.softplus(convert(x))


def softsign(x: Any) -> Any:
    """``x / (1 + |x|)``."""
    return tg.nn.softsign(convert(x))


def silu(x: Any) -> Any:
    """``x * sigmoid(x)``."""
    return tg.nn.silu(convert(x))


swish = silu


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x))``, stable."""
    return tg.math.log_sigmoid(convert(x))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (integers become ``floatx``)."""
    x = convert(x)
    if x.dtype.name == "bool":
        raise tg.errors.InvalidArgumentError(None, None, "leaky_relu: bool input; cast it to a float first")
    if not x.dtype.name.startswith(("float", "bfloat")):
        x = cast(x, result_type(x.dtype.name, float))
    return tg.nn.leaky_relu(x, alpha=negative_slope)


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``."""
    x = _float_only(x, "hard_sigmoid")
    return tg.nn.relu6(x + _const(3.0, x)) / _const(6.0, x)


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)``."""
    x = _float_only(x, "hard_silu")
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def elu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below."""
    x = convert(x)
    y = tg.nn.elu(x)
    return y if alpha == 1.0 else tg.where(tg.greater(x, 0), y, y * _const(alpha, y))


def selu(x: Any) -> Any:
    """Scaled ELU (self-normalizing constants)."""
    return tg.nn.selu(convert(x))


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit (the tanh approximation by default, as Keras)."""
    x = convert(x)
    if not x.dtype.name.startswith(("float", "bfloat")):
        raise ValueError(f"gelu: expects a float tensor, got {x.dtype.name}; cast it first")
    return tg.nn.gelu(x, approximate=approximate)


def celu(x: Any, alpha: float = 1.0) -> Any:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``."""
    x = _float_only(x, "celu")
    a = _const(alpha, x)
    # Keras's form: at x = 0 both terms pass the gradient (d/dx = 2 there, as Keras on TF)
    return tg.maximum(x, _const(0.0, x)) + a * tg.math.expm1(tg.minimum(x, _const(0.0, x)) / a)


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: ``a * sigmoid(b)`` for the two halves of ``x`` along ``axis``."""
    x = convert(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even length, got shape {tuple(x.shape)}")
    a, b = tg.split(x, 2, axis=axis)
    return a * tg.sigmoid(b)


def hard_tanh(x: Any) -> Any:
    """``clip(x, -1, 1)``."""
    x = _float_only(x, "hard_tanh")
    return tg.clip_by_value(x, _const(-1.0, x), _const(1.0, x))


def hard_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x`` where ``|x| > threshold``, else 0."""
    x = _float_only(x, "hard_shrink")
    return tg.where(tg.greater(tg.abs(x), tg.cast(threshold, x.dtype)), x, tg.zeros_like(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Any:
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = _float_only(x, "soft_shrink")
    t = tg.cast(threshold, x.dtype)
    return tg.where(tg.greater(x, t), x - t, tg.where(tg.less(x, -t), x + t, tg.zeros_like(x)))


def tanh_shrink(x: Any) -> Any:
    """``x - tanh(x)``."""
    x = convert(x)
    return x - tg.tanh(x)


def threshold(x: Any, threshold: float, default_value: float) -> Any:
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = convert(x)
    return tg.where(tg.greater(x, tg.cast(threshold, x.dtype)), x, tg.fill(tg.shape(x), tg.cast(default_value,
                                                                                                 x.dtype)))


def squareplus(x: Any, b: float = 4) -> Any:
    """``(x + sqrt(x**2 + b)) / 2``."""
    x = convert(x)
    return (x + tg.sqrt(tg.square(x) + tg.cast(b, x.dtype))) / tg.cast(2.0, x.dtype)


def sparse_plus(x: Any) -> Any:
    """0 below -1, ``(x + 1)**2 / 4`` in [-1, 1], ``x`` above."""
    x = _float_only(x, "sparse_plus")
    one = _const(1.0, x)
    return tg.where(tg.less_equal(x, -one), tg.zeros_like(x),
                    tg.where(tg.greater_equal(x, one), x, tg.square(x + one) / _const(4.0, x)))


def _axis_softmax(fn: Any, x: Any, axis: Any) -> Any:
    x = convert(x)
    if axis is None:
        flat = tg.reshape(x, [-1])
        return tg.reshape(fn(flat, -1), tg.shape(x))
    if isinstance(axis, (list, tuple)):
        axes = [a % len(x.shape) for a in axis]
        rest = [a for a in range(len(x.shape)) if a not in axes]
        moved = tg.transpose(x, rest + axes)
        flat = tg.reshape(moved, [*[x.shape[a] for a in rest], -1])
        y = tg.reshape(fn(flat, -1), tg.shape(moved))
        return tg.transpose(y, list(np.argsort(rest + axes)))
    return fn(x, axis)


def softmax(x: Any, axis: Any = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple, or None for all axes)."""
    return _axis_softmax(lambda v, a: tg.nn.softmax(v, axis=a), x, axis)


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``."""
    return _axis_softmax(lambda v, a: tg.nn.log_softmax(v, axis=a), x, axis)


def sparsemax(x: Any, axis: int = -1) -> Any:
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex along ``axis``."""
    x = convert(x)
    if not x.dtype.name.startswith(("float", "bfloat")):
        raise tg.errors.InvalidArgumentError(None, None, f"sparsemax: expects a float tensor, got {x.dtype.name}")
    nd = len(x.shape)
    axis %= nd
    perm = [a for a in range(nd) if a != axis] + [axis]
    xm = tg.transpose(x, perm)
    z = -tg.sort(-xm, axis=-1)
    n = xm.shape[-1]
    k = tg.cast(tg.range(1, n + 1), x.dtype)
    cs = tg.cumsum(z, -1)
    support = tg.greater(1 + k * z, cs)
    kz = tg.reduce_sum(tg.cast(support, x.dtype), -1, keepdims=True)
    idx = tg.cast(kz, "int32") - 1
    tau = (tg.gather(cs, idx, axis=-1, batch_dims=nd - 1) - 1) / kz
    out = tg.maximum(xm - tau, tg.zeros_like(xm))
    return tg.transpose(out, list(np.argsort(perm)))


# -- convolution and pooling -----------------------------------------------------------------------------------------
def _data_format(data_format: str | None) -> str:
    df = data_format or _state.image_data_format()
    if df not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {df!r}")
    return df


def _tuple(v: Any, n: int, name: str) -> list[int]:
    if isinstance(v, (int, np.integer)):
        return [int(v)] * n
    v = [int(a) for a in v]
    if len(v) != n:
        raise ValueError(f"`{name}` must have {n} values for a {n}-D operation, got {v}")
    return v


def _padding(padding: str) -> str:
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}")
    return p.upper()


def _to_last(x: Any, df: str) -> Any:
    if df == "channels_last":
        return x
    nd = len(x.shape)
    return tg.transpose(x, [0, *range(2, nd), 1])


def _from_last(x: Any, df: str) -> Any:
    if df == "channels_last":
        return x
    nd = len(x.shape)
    return tg.transpose(x, [0, nd - 1, *range(1, nd - 1)])


def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid", data_format: str | None = None,
         dilation_rate: Any = 1) -> Any:
    """N-D convolution (1-D, 2-D or 3-D by the input's rank); ``kernel`` is ``spatial + (in, out)``; a kernel with
    fewer input channels than the input is a grouped convolution."""
    x, k = convert(inputs), convert(kernel)
    df = _data_format(data_format)
    n = len(x.shape) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"conv: inputs must be 3-D, 4-D or 5-D (batch, spatial..., channels), got shape "
                         f"{tuple(x.shape)}")
    if len(k.shape) != n + 2:
        raise ValueError(f"conv: a {n}-D convolution needs a kernel of rank {n + 2}, got shape {tuple(k.shape)}")
    s, d, pad = _tuple(strides, n, "strides"), _tuple(dilation_rate, n, "dilation_rate"), _padding(padding)
    if any(a > 1 for a in s) and any(a > 1 for a in d):
        raise ValueError("conv: strides > 1 together with dilation_rate > 1 is not supported (as TensorFlow)")
    x = _to_last(x, df)
    cin, kin = x.shape[-1], k.shape[-2]
    if cin != kin:
        if cin % kin:
            raise ValueError(f"conv: the input has {cin} channels, not a multiple of the kernel's {kin}")
        groups = cin // kin
        xs = tg.split(x, groups, axis=-1)
        ks = tg.split(k, groups, axis=-1)
        y = tg.concat([_conv_nd(xi, ki, n, s, pad, d) for xi, ki in zip(xs, ks)], -1)
    else:
        y = _conv_nd(x, k, n, s, pad, d)
    return _from_last(y, df)


def _conv_nd(x: Any, k: Any, n: int, s: list[int], pad: str, d: list[int]) -> Any:
    if n == 1:
        return tg.nn.conv1d(x, k, s[0], pad, dilations=d[0])
    if n == 2:
        return tg.nn.conv2d(x, k, s, pad, dilations=d)
    return tg.nn.conv3d(x, k, [1, *s, 1], pad, dilations=[1, *d, 1])


def depthwise_conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   data_format: str | None = None, dilation_rate: Any = 1) -> Any:
    """Depthwise 1-D/2-D convolution; ``kernel`` is ``spatial + (in, multiplier)``."""
    x, k = convert(inputs), convert(kernel)
    df = _data_format(data_format)
    n = len(x.shape) - 2
    if n not in (1, 2):
        raise ValueError(f"depthwise_conv: inputs must be 3-D or 4-D, got shape {tuple(x.shape)}")
    s, d, pad = _tuple(strides, n, "strides"), _tuple(dilation_rate, n, "dilation_rate"), _padding(padding)
    x = _to_last(x, df)
    if n == 1:
        # a unit height with the same stride (TensorFlow's kernel needs equal strides; one row stays one row)
        y = tg.nn.depthwise_conv2d(tg.expand_dims(x, 1), tg.expand_dims(k, 0), [1, s[0], s[0], 1], pad,
                                   dilations=[d[0], d[0]])
        y = tg.squeeze(y, 1)
    else:
        y = tg.nn.depthwise_conv2d(x, k, [1, *s, 1], pad, dilations=d)
    return _from_last(y, df)


def separable_conv(inputs: Any, depthwise_kernel: Any, pointwise_kernel: Any, strides: Any = 1,
                   padding: str = "valid", data_format: str | None = None, dilation_rate: Any = 1) -> Any:
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    df = _data_format(data_format)
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, df, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", df, 1)


def _deconv_len(n: int, k: int, pad: str, out_pad: int | None, s: int, d: int) -> int:
    k = k + (k - 1) * (d - 1)
    if out_pad is None:
        return n * s if pad == "SAME" else n * s + max(k - s, 0)
    p = (k - 1) // 2 if pad == "SAME" else 0
    return (n - 1) * s + k - 2 * p + out_pad


def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid", output_padding: Any = None,
                   data_format: str | None = None, dilation_rate: Any = 1) -> Any:
    """Transposed 1-D/2-D convolution; ``kernel`` is ``spatial + (out, in)`` (Keras's layout)."""
    x, k = convert(inputs), convert(kernel)
    df = _data_format(data_format)
    n = len(x.shape) - 2
    if n not in (1, 2):
        raise ValueError(f"conv_transpose: inputs must be 3-D or 4-D, got shape {tuple(x.shape)}")
    s, d, pad = _tuple(strides, n, "strides"), _tuple(dilation_rate, n, "dilation_rate"), _padding(padding)
    op = None if output_padding is None else _tuple(output_padding, n, "output_padding")
    x = _to_last(x, df)
    if n == 1:
        x, k, s, d = tg.expand_dims(x, 1), tg.expand_dims(k, 0), [1, s[0]], [1, d[0]]
        op = None if op is None else [0, op[0]]
    spatial = [_deconv_len(x.shape[1 + i], k.shape[i], pad, None if op is None else op[i], s[i], d[i])
               for i in range(2)]
    if n == 1:
        spatial[0] = 1
    out_shape = [x.shape[0], *spatial, k.shape[-2]]
    y = tg.nn.conv2d_transpose(x, k, out_shape, [1, *s, 1], pad, dilations=d)
    if n == 1:
        y = tg.squeeze(y, 1)
    return _from_last(y, df)


def _pool(inputs: Any, pool_size: Any, strides: Any, padding: str, data_format: str | None, kind: str) -> Any:
    x = convert(inputs)
    df = _data_format(data_format)
    n = len(x.shape) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"{kind}_pool: inputs must be 3-D, 4-D or 5-D, got shape {tuple(x.shape)}")
    ps = _tuple(pool_size, n, "pool_size")
    st = ps if strides is None else _tuple(strides, n, "strides")
    pad = _padding(padding)
    x = _to_last(x, df)
    if n == 3:
        fn = tg.nn.max_pool3d if kind == "max" else tg.nn.avg_pool3d
    else:
        fn = tg.nn.max_pool if kind == "max" else tg.nn.avg_pool
    y = fn(x, [1, *ps, 1], [1, *st, 1], pad)
    return _from_last(y, df)


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: str | None = None) -> Any:
    """Max pooling over 1-D/2-D/3-D windows (``strides`` default to ``pool_size``)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> Any:
    """Average pooling (``"same"`` padding averages only the valid elements, as TensorFlow)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "avg")


def _adaptive(inputs: Any, output_size: Any, data_format: str | None, kind: str) -> Any:
    x = convert(inputs)
    df = _data_format(data_format)
    n = len(x.shape) - 2
    outs = _tuple(output_size, n, "output_size")
    x = _to_last(x, df)
    for i in range(n):
        ax = 1 + i
        length, m = x.shape[ax], outs[i]
        pieces = []
        for j in range(m):
            lo = (j * length) // m
            hi = -((-(j + 1) * length) // m)
            idx = [slice(None)] * len(x.shape)
            idx[ax] = slice(lo, hi)
            seg = x[tuple(idx)]
            red = tg.reduce_max(seg, ax, keepdims=True) if kind == "max" else tg.reduce_mean(seg, ax, keepdims=True)
            pieces.append(red)
        x = tg.concat(pieces, ax)
    return _from_last(x, df)


def adaptive_average_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Average pooling to a fixed ``output_size`` (PyTorch's bin edges ``floor(i n / m)``, ``ceil((i+1) n / m)``)."""
    return _adaptive(inputs, output_size, data_format, "avg")


def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Any:
    """Max pooling to a fixed ``output_size``."""
    return _adaptive(inputs, output_size, data_format, "max")


# -- encodings -----------------------------------------------------------------------------------------------------
def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False) -> Any:
    """One-hot vectors of length ``num_classes`` (out-of-range indices give zeros)."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported by tapegrad.keras.ops")
    x = convert(x)
    if not x.dtype.name.startswith(("int", "uint")):
        x = cast(x, "int32")
    return tg.one_hot(x, int(num_classes), axis=axis, dtype=standardize_dtype(dtype))


def multi_hot(inputs: Any, num_classes: int | None = None, axis: int = -1, dtype: Any = None, sparse: bool = False,
              **kwargs: Any) -> Any:
    """Multi-hot encoding: 1 for each class present along the last axis of ``inputs``."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` is required")
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported by tapegrad.keras.ops")
    x = convert(inputs)
    rank1 = len(x.shape) == 1
    if rank1:
        x = tg.expand_dims(x, 0)
    oh = tg.one_hot(cast(x, "int32") if not x.dtype.name.startswith("int") else x, int(num_classes), axis=-1,
                    dtype=standardize_dtype(dtype))
    out = tg.reduce_max(oh, -2)
    if axis != -1:
        out = tg.transpose(out, _move_last_perm(len(out.shape), axis))
    return tg.squeeze(out, 0) if rank1 else out


def _move_last_perm(nd: int, axis: int) -> list[int]:
    axis %= nd
    perm = list(range(nd - 1))
    perm.insert(axis, nd - 1)
    return perm


# -- losses --------------------------------------------------------------------------------------------------------
def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    """Elementwise binary crossentropy (probabilities clipped to ``[eps, 1 - eps]``)."""
    t, o = convert(target), convert(output)
    if tuple(t.shape) != tuple(o.shape):
        raise ValueError(f"binary_crossentropy: target and output must have the same shape, got {tuple(t.shape)} "
                         f"and {tuple(o.shape)}")
    t = cast(t, o.dtype.name)
    if from_logits:
        return tg.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=o)
    eps = tg.cast(_state.epsilon(), o.dtype)
    o = tg.clip_by_value(o, eps, 1 - eps)
    bce = t * tg.math.log(o + eps) + (1 - t) * tg.math.log(1 - o + eps)
    return -bce


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Any:
    """Crossentropy between one-hot (or soft) targets and probabilities/logits along ``axis``."""
    t, o = convert(target), convert(output)
    if len(t.shape) < 1:
        raise ValueError(f"categorical_crossentropy: target must have at least rank 1, got shape {tuple(t.shape)}")
    if tuple(t.shape) != tuple(o.shape):
        raise ValueError(f"categorical_crossentropy: target and output must have the same shape, got "
                         f"{tuple(t.shape)} and {tuple(o.shape)}")
    t = cast(t, o.dtype.name)
    if from_logits:
        return -tg.reduce_sum(t * tg.nn.log_softmax(o, axis=axis), axis)
    o = o / tg.reduce_sum(o, axis, keepdims=True)
    eps = tg.cast(_state.epsilon(), o.dtype)
    o = tg.clip_by_value(o, eps, 1 - eps)
    return -tg.reduce_sum(t * tg.math.log(o), axis)


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Any:
    """Crossentropy with integer class targets."""
    t, o = convert(target), convert(output)
    if axis != -1 and axis != len(o.shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, got {axis}")
    if len(t.shape) == len(o.shape) and t.shape[-1] == 1:
        t = tg.squeeze(t, -1)
    if len(t.shape) != len(o.shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: target shape {tuple(t.shape)} must be output shape "
                         f"{tuple(o.shape)} without its last axis")
    t = cast(t, "int32") if not t.dtype.name.startswith("int") else t
    if from_logits:
        logp = tg.nn.log_softmax(o, axis=-1)
    else:
        o = o / tg.reduce_sum(o, -1, keepdims=True)
        eps = tg.cast(_state.epsilon(), o.dtype)
        logp = tg.math.log(tg.clip_by_value(o, eps, 1 - eps))
    oh = tg.one_hot(t, o.shape[-1], dtype=o.dtype)
    return -tg.reduce_sum(oh * logp, -1)


# -- normalization -------------------------------------------------------------------------------------------------
def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> tuple[Any, Any]:
    """``(mean, variance)`` over ``axes`` (``float16`` computed in ``float32``)."""
    x = convert(x)
    dt = x.dtype.name
    xc = cast(x, "float32") if dt in ("float16", "bfloat16") else x
    axes = [axes] if isinstance(axes, int) else list(axes)
    m = tg.reduce_mean(xc, axes, keepdims=True)
    v = tg.reduce_mean(tg.square(xc - tg.stop_gradient(m)), axes, keepdims=True)
    if not keepdims:
        m, v = tg.squeeze(m, axes), tg.squeeze(v, axes)
    if dt in ("float16", "bfloat16"):
        big = float(np.finfo(np.float16).max) if dt == "float16" else None
        if big is not None:
            m = tg.clip_by_value(m, -big, big)
            v = tg.clip_by_value(v, -big, big)
        m, v = cast(m, dt), cast(v, dt)
    return m, v


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None, scale: Any = None,
                        epsilon: float = 1e-3) -> Any:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the 1-D statistics along ``axis``."""
    x = convert(x)
    nd = len(x.shape)
    axis %= nd
    shape = [1] * nd
    shape[axis] = x.shape[axis]

    def r(v: Any) -> Any:
        return None if v is None else tg.reshape(cast(v, x.dtype.name), shape)
    inv = tg.math.rsqrt(r(variance) + tg.cast(epsilon, x.dtype))
    if scale is not None:
        inv = inv * r(scale)
    res = -r(mean) * inv
    if offset is not None:
        res = res + r(offset)
    return x * inv + res


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Any:
    """``x / max(norm(x, order), epsilon)`` along ``axis``."""
    x = convert(x)
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an integer >= 1, got {order!r}")
    if not x.dtype.name.startswith(("float", "bfloat")):
        raise tg.errors.InvalidArgumentError(None, None, f"normalize: expects a float tensor, got {x.dtype.name}")
    eps = _state.epsilon() if epsilon is None else epsilon
    if order == 2:
        sq = tg.reduce_sum(tg.square(x), axis, keepdims=True)
        return x * tg.math.rsqrt(tg.maximum(sq, tg.cast(eps * eps, x.dtype)))
    norm = tg.pow(tg.reduce_sum(tg.pow(tg.abs(x), tg.cast(order, x.dtype)), axis, keepdims=True),
                  tg.cast(1.0 / order, x.dtype))
    return x / tg.maximum(norm, tg.cast(eps, x.dtype))


def rms_normalization(x: Any, scale: Any = None, axis: int = -1, epsilon: float | None = None) -> Any:
    """``x / sqrt(mean(x**2) + epsilon) * scale`` along ``axis``."""
    x = convert(x)
    eps = _state.epsilon() if epsilon is None else epsilon
    if scale is None:
        scale = 1
    dt = x.dtype.name
    xc = cast(x, "float32") if dt in ("float16", "bfloat16") else x
    rrms = tg.math.rsqrt(tg.reduce_mean(tg.square(xc), axis, keepdims=True) + tg.cast(eps, xc.dtype))
    return cast(xc * rrms, dt) * cast(scale, dt)


def layer_normalization(x: Any, gamma: Any = None, beta: Any = None, axis: int = -1, epsilon: float | None = None,
                        **kwargs: Any) -> Any:
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` along ``axis``."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}")
    if rms_scaling:
        return rms_normalization(x, gamma, axis, epsilon)
    x = convert(x)
    eps = _state.epsilon() if epsilon is None else epsilon
    dt = x.dtype.name
    xc = cast(x, "float32") if dt in ("float16", "bfloat16") else x
    axes = [axis] if isinstance(axis, int) else list(axis)
    m, v = moments(xc, axes, keepdims=True)
    out = (xc - m) * tg.math.rsqrt(v + tg.cast(eps, xc.dtype))
    if gamma is not None:
        out = out * cast(gamma, xc.dtype.name)
    if beta is not None:
        out = out + cast(beta, xc.dtype.name)
    return cast(out, dt)


def psnr(x1: Any, x2: Any, max_val: float) -> Any:
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)``."""
    a, b = convert(x1), convert(x2)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    mse = tg.reduce_mean(tg.square(a - b))
    ln10 = _pymath.log(10.0)
    return 20.0 * tg.math.log(tg.cast(max_val, mse.dtype)) / ln10 - 10.0 * tg.math.log(mse) / ln10


def polar(abs_: Any, angle: Any) -> Any:
    """The complex number with modulus ``abs_`` and argument ``angle``."""
    r, a = convert(abs_), convert(angle)
    if not r.dtype.name.startswith("float"):
        r = cast(r, "float32")
    a = cast(a, r.dtype.name)
    return tg.complex(r * tg.cos(a), r * tg.sin(a))


# -- attention -----------------------------------------------------------------------------------------------------
def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None, mask: Any = None, scale: Any = None,
                          is_causal: bool = False, flash_attention: Any = None,
                          attn_logits_soft_cap: Any = None) -> Any:
    """Scaled dot-product attention on ``(batch, seq, heads, dim)`` tensors (key/value heads may be grouped)."""
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention=True is not supported on tapegrad (CPU)")
    q, k, v = convert(query), convert(key), convert(value)
    if len(q.shape) != 4:
        raise ValueError(f"dot_product_attention: query must be 4-D (batch, seq, heads, dim), got shape "
                         f"{tuple(q.shape)}")
    h, kh = q.shape[2], k.shape[2]
    if h % kh:
        raise ValueError(f"dot_product_attention: {h} query heads are not a multiple of {kh} key heads")
    if kh != h:
        k = tg.repeat(k, h // kh, axis=2)
        v = tg.repeat(v, h // kh, axis=2)
    sc = 1.0 / _pymath.sqrt(q.shape[-1]) if scale is None else float(scale)
    logits = tg.einsum("bthd,bshd->bhts", q, k) * tg.cast(sc, q.dtype)
    if bias is not None:
        logits = logits + cast(bias, logits.dtype.name)
    if attn_logits_soft_cap is not None:
        cap = tg.cast(attn_logits_soft_cap, logits.dtype)
        logits = tg.tanh(logits / cap) * cap
    keep = None
    if mask is not None:
        keep = cast(mask, "bool")
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = tg.constant(np.tril(np.ones((t, s), bool)))
        keep = causal if keep is None else tg.logical_and(keep, causal)
    if keep is not None:
        big = tg.cast(np.finfo(np.float32).min if logits.dtype.name != "float16" else -65504.0, logits.dtype)
        logits = tg.where(tg.broadcast_to(keep, tg.shape(logits)), logits, tg.fill(tg.shape(logits), big))
    probs = tg.nn.softmax(cast(logits, "float32") if q.dtype.name in ("float16", "bfloat16") else logits, axis=-1)
    probs = cast(probs, q.dtype.name)
    return tg.einsum("bhts,bshd->bthd", probs, v)


# -- rearrangements ------------------------------------------------------------------------------------------------
def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Any:
    """Move ``block_size x block_size`` spatial blocks into channels."""
    x = _to_last(convert(x), _data_format(data_format))
    b, hh, ww, c = x.shape
    bs = int(block_size)
    if hh % bs or ww % bs:
        raise ValueError(f"space_to_depth: height and width ({hh}, {ww}) must be multiples of block_size {bs}")
    y = tg.reshape(x, [b, hh // bs, bs, ww // bs, bs, c])
    y = tg.transpose(y, [0, 1, 3, 2, 4, 5])
    y = tg.reshape(y, [b, hh // bs, ww // bs, bs * bs * c])
    return _from_last(y, _data_format(data_format))


def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Any:
    """Move channel groups into ``block_size x block_size`` spatial blocks."""
    x = _to_last(convert(x), _data_format(data_format))
    b, hh, ww, c = x.shape
    bs = int(block_size)
    if c % (bs * bs):
        raise ValueError(f"depth_to_space: channels ({c}) must be a multiple of block_size**2 ({bs * bs})")
    y = tg.reshape(x, [b, hh, ww, bs, bs, c // (bs * bs)])
    y = tg.transpose(y, [0, 1, 3, 2, 4, 5])
    y = tg.reshape(y, [b, hh * bs, ww * bs, c // (bs * bs)])
    return _from_last(y, _data_format(data_format))


def _patch_index(h: int, w: int, k: list[int], d: list[int], p: list[int], s: list[int]) -> tuple[np.ndarray, int,
                                                                                                    int]:
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    oh = (hp - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (wp - d[1] * (k[1] - 1) - 1) // s[1] + 1
    ki, kj = np.meshgrid(np.arange(k[0]) * d[0], np.arange(k[1]) * d[1], indexing="ij")
    oi, oj = np.meshgrid(np.arange(oh) * s[0], np.arange(ow) * s[1], indexing="ij")
    rows = ki.reshape(-1, 1) + oi.reshape(1, -1)
    cols = kj.reshape(-1, 1) + oj.reshape(1, -1)
    return (rows * wp + cols).astype(np.int32), oh, ow


def unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Any:
    """PyTorch-style ``unfold`` (im2col) of a ``(N, C, H, W)`` tensor to ``(N, C * kh * kw, L)``."""
    x = convert(x)
    if len(x.shape) != 4:
        raise ValueError(f"unfold: expects a 4-D (N, C, H, W) tensor, got shape {tuple(x.shape)}")
    k, d, p, s = (_tuple(v, 2, name) for v, name in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                     (padding, "padding"), (stride, "stride")))
    n, c, h, w = x.shape
    xp = tg.pad(x, [[0, 0], [0, 0], [p[0], p[0]], [p[1], p[1]]])
    idx, oh, ow = _patch_index(h, w, k, d, p, s)
    flat = tg.reshape(xp, [n, c, -1])
    patches = tg.gather(flat, tg.constant(idx), axis=2)  # (n, c, kh*kw, L)
    return tg.reshape(patches, [n, c * k[0] * k[1], oh * ow])


def fold(x: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Any:
    """PyTorch-style ``fold`` (col2im, overlapping values summed): ``(N, C * kh * kw, L)`` to ``(N, C, H, W)``."""
    x = convert(x)
    o, k, d, p, s = (_tuple(v, 2, name) for v, name in ((output_size, "output_size"), (kernel_size, "kernel_size"),
                                                        (dilation, "dilation"), (padding, "padding"),
                                                        (stride, "stride")))
    n, ckk, length = x.shape
    c = ckk // (k[0] * k[1])
    idx, oh, ow = _patch_index(o[0], o[1], k, d, p, s)
    if oh * ow != length:
        raise ValueError(f"fold: {length} blocks do not match output_size {tuple(o)} with these kernel settings "
                         f"({oh * ow} expected)")
    hp, wp = o[0] + 2 * p[0], o[1] + 2 * p[1]
    vals = tg.reshape(x, [n, c, -1])
    flat_idx = tg.constant(idx.reshape(-1, 1))
    # scatter-add the patch values into the padded image, per (n, c) row
    rows = tg.transpose(vals, [2, 0, 1])  # (kh*kw*L, n, c)
    img = tg.scatter_nd(flat_idx, rows, [hp * wp, n, c])
    img = tg.reshape(tg.transpose(img, [1, 2, 0]), [n, c, hp, wp])
    return img[:, :, p[0]:p[0] + o[0], p[1]:p[1] + o[1]]


# -- CTC -----------------------------------------------------------------------------------------------------------
def ctc_loss(target: Any, output: Any, target_length: Any, output_length: Any, mask_index: int = 0) -> Any:
    """CTC loss per batch element; ``output`` are logits ``(batch, time, classes)``, ``mask_index`` the blank."""
    ctc = getattr(tg.nn, "ctc_loss", None)
    if ctc is None:
        raise NotImplementedError("ctc_loss needs tapegrad.nn.ctc_loss, which this build does not have")
    out = convert(output)
    return ctc(labels=cast(target, "int32"), logits=out, label_length=cast(target_length, "int32"),
               logit_length=cast(output_length, "int32"), logits_time_major=False, blank_index=mask_index)


def ctc_decode(inputs: Any, sequence_lengths: Any, strategy: str = "greedy", beam_width: int = 100,
               top_paths: int = 1, merge_repeated: bool = True, mask_index: int = 0) -> Any:
    """CTC decoding of ``(batch, time, classes)`` scores as Keras 3 on TF does it: ``tf.nn.ctc_greedy_decoder``
    (``strategy="greedy"``: scores are the negated sums of the best logits) or ``tf.nn.ctc_beam_search_decoder``
    (``"beam_search"``, ``beam_width``, ``top_paths``; ``mask_index`` moved to the last class as TF expects). Returns
    ``(decoded (top_paths, batch, time) int32 padded with -1, scores)``."""
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")
    x = convert(inputs)
    batch, steps = int(x.shape[0]), int(x.shape[1])
    x = tg.transpose(x, (1, 0, 2))
    if x.dtype not in (tg.float32, tg.float64):
        x = tg.cast(x, "float32")
    lengths = tg.cast(convert(sequence_lengths), "int32")
    if strategy == "greedy":
        decoded, scores = tg.nn.ctc_greedy_decoder(x, lengths, merge_repeated=merge_repeated, blank_index=mask_index)
    else:
        if mask_index is not None:  # TF's beam search takes the blank as the last class
            x = tg.concat([x[..., :mask_index], x[..., mask_index + 1:], x[..., mask_index:mask_index + 1]], -1)
        decoded, scores = tg.nn.ctc_beam_search_decoder(x, lengths, beam_width=beam_width, top_paths=top_paths)
    dense = [tg.sparse.to_dense(tg.sparse.SparseTensor(st.indices, st.values, (batch, steps)), default_value=-1)
             for st in decoded]
    out = tg.cast(tg.stack(dense, axis=0), "int32")
    if strategy == "beam_search" and mask_index is not None:
        m = mask_index + int(inputs.shape[-1]) if mask_index < 0 else mask_index
        out = tg.where(out >= m, out + 1, out)
    return out, scores
