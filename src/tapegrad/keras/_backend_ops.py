"""The tensor functions of ``tf.keras.backend`` (TF 2.21: Keras 3's legacy backend module), on tapegrad ops.

Custom-training code written for ``tf.keras`` reaches for ``K.square``, ``K.sum``, ``K.batch_dot``, ``K.int_shape``
and friends; ``keras.backend`` re-exports everything here. Each function follows the legacy backend's conventions:
``axis=None`` reduces everything, ``K.mean``/``K.std``/``K.var`` cast booleans to ``floatx()``, ``K.sqrt`` clips
negatives to 0, ``K.hard_sigmoid`` is ``clip(0.2 x + 0.5, 0, 1)``, ``K.zeros``/``K.ones``/``K.eye``/``K.variable``
return (plain) variables, the losses clip probabilities to ``[epsilon, 1 - epsilon]``.

Not provided (no CTC helpers or graph mode here): ``ctc_batch_cost``, ``ctc_decode``, ``ctc_label_dense_to_sparse``,
``rnn`` and ``gradients`` (use ``tf.GradientTape``). The 3-D functions (``conv3d``, ``pool3d``, ``resize_volumes``,
``spatial_3d_padding``) are at the end of this module.

>>> import numpy as np
>>> from tapegrad.keras import backend as K
>>> x = K.constant([[1.0, -2.0], [3.0, 4.0]])
>>> K.sum(K.square(x), axis=1).numpy().tolist(), K.int_shape(K.transpose(x)), K.ndim(x)
([5.0, 25.0], (2, 2), 2)
>>> K.batch_dot(x, x, axes=1).numpy().tolist()
[[5.0], [25.0]]
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

import tapegrad as tg

from . import backend as _state

__all__ = [
    "abs", "all", "any", "arange", "argmax", "argmin", "batch_dot", "batch_flatten", "batch_get_value",
    "batch_normalization", "batch_set_value", "bias_add", "binary_crossentropy", "binary_focal_crossentropy", "cast",
    "cast_to_floatx", "categorical_crossentropy", "categorical_focal_crossentropy", "clip", "concatenate",
    "constant", "conv1d", "conv2d", "conv2d_transpose", "cos", "count_params", "cumprod", "cumsum",
    "depthwise_conv2d", "dot", "dropout", "dtype", "elu", "equal", "eval", "exp", "expand_dims", "eye", "flatten",
    "foldl", "foldr", "gather", "get_value", "greater", "greater_equal", "hard_sigmoid", "in_top_k", "int_shape",
    "is_float_dtype", "is_int_dtype", "is_keras_tensor", "is_sparse", "l2_normalize", "less", "less_equal", "log",
    "map_fn", "max", "maximum", "mean", "min", "minimum", "moving_average_update", "name_scope", "ndim",
    "not_equal", "one_hot", "ones", "ones_like", "permute_dimensions", "pool2d", "pow", "prod", "random_bernoulli",
    "random_normal", "random_normal_variable", "random_uniform", "random_uniform_variable", "relu", "repeat",
    "repeat_elements", "reshape", "resize_images", "result_type", "reverse", "round", "separable_conv2d",
    "set_value", "shape", "sigmoid", "sign", "sin", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "spatial_2d_padding", "sqrt", "square", "squeeze", "stack",
    "standardize_dtype", "std", "stop_gradient", "sum", "switch", "tanh", "temporal_padding", "tile", "to_dense",
    "transpose", "truncated_normal", "update", "update_add", "update_sub", "var", "variable", "zeros", "zeros_like",
]


def _t(x: Any) -> Any:
    return tg.convert_to_tensor(x)


def _float_if_bool(x: Any) -> Any:
    x = _t(x)
    return tg.cast(x, _state.floatx()) if x.dtype.name == "bool" else x


def _data_format(data_format: str | None) -> str:
    data_format = data_format or _state.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}")
    return data_format


def _padding(padding: str) -> str:
    if padding not in ("same", "valid"):
        raise ValueError(f"Invalid padding: {padding}")
    return padding.upper()


# -- elementwise and reductions -------------------------------------------------------------------------------------
def abs(x: Any) -> Any:  # noqa: A001
    return tg.abs(x)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return tg.reduce_all(tg.cast(x, "bool"), axis, keepdims)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return tg.reduce_any(tg.cast(x, "bool"), axis, keepdims)


def argmax(x: Any, axis: int = -1) -> Any:
    return tg.argmax(x, axis)


def argmin(x: Any, axis: int = -1) -> Any:
    return tg.argmin(x, axis)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return tg.reduce_max(x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return tg.reduce_min(x, axis, keepdims)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    return tg.reduce_sum(x, axis, keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return tg.reduce_prod(x, axis, keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return tg.reduce_mean(_float_if_bool(x), axis, keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return tg.math.reduce_std(_float_if_bool(x), axis=axis, keepdims=keepdims)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return tg.math.reduce_variance(_float_if_bool(x), axis=axis, keepdims=keepdims)


def cumsum(x: Any, axis: int = 0) -> Any:
    return tg.math.cumsum(x, axis=axis)


def cumprod(x: Any, axis: int = 0) -> Any:
    return tg.math.cumprod(x, axis=axis)


def square(x: Any) -> Any:
    return tg.square(x)


def sqrt(x: Any) -> Any:
    """``sqrt(max(x, 0))`` (negative inputs give 0, not NaN)."""
    x = _t(x)
    return tg.sqrt(tg.maximum(x, tg.zeros_like(x)))


def exp(x: Any) -> Any:
    return tg.exp(x)


def log(x: Any) -> Any:
    return tg.math.log(x)


def pow(x: Any, a: Any) -> Any:  # noqa: A001
    return tg.pow(x, a)


def sign(x: Any) -> Any:
    return tg.sign(x)


def round(x: Any) -> Any:  # noqa: A001
    return tg.round(x)


def sin(x: Any) -> Any:
    return tg.sin(x)


def cos(x: Any) -> Any:
    return tg.cos(x)


def tanh(x: Any) -> Any:
    return tg.tanh(x)


def sigmoid(x: Any) -> Any:
    return tg.sigmoid(x)


def hard_sigmoid(x: Any) -> Any:
    """The legacy piecewise-linear sigmoid ``clip(0.2 x + 0.5, 0, 1)`` (``keras.activations.hard_sigmoid`` is
    ``relu6(x + 3) / 6``)."""
    return tg.clip_by_value(_t(x) * 0.2 + 0.5, 0.0, 1.0)


def softplus(x: Any) -> Any:
    return tg.math.softplus(x)


def softsign(x: Any) -> Any:
    return tg.math.softsign(x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    x = _t(x)
    res = tg.nn.elu(x)
    return res if alpha == 1 else tg.where(x > 0, res, res * alpha)


def relu(x: Any, alpha: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Any:
    """``max(x, 0)`` with a leaky slope ``alpha`` below ``threshold`` and an optional cap ``max_value``."""
    from . import activations

    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def softmax(x: Any, axis: Any = -1) -> Any:
    x = _t(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    if isinstance(axis, int):
        return tg.nn.softmax(x, axis=axis)
    e = tg.exp(x - tg.reduce_max(x, axis=axis, keepdims=True))
    return e / tg.reduce_sum(e, axis=axis, keepdims=True)


def l2_normalize(x: Any, axis: Any = None) -> Any:
    return tg.math.l2_normalize(x, axis=axis)


def maximum(x: Any, y: Any) -> Any:
    return tg.maximum(x, y)


def minimum(x: Any, y: Any) -> Any:
    return tg.minimum(x, y)


def clip(x: Any, min_value: Any, max_value: Any) -> Any:
    """Clip to ``[min_value, max_value]`` (a bound of None is open; a max below the min becomes the min)."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    x = _t(x)
    lo = -np.inf if min_value is None else min_value
    hi = np.inf if max_value is None else max_value
    return tg.clip_by_value(x, tg.cast(lo, x.dtype), tg.cast(hi, x.dtype))


def equal(x: Any, y: Any) -> Any:
    return tg.equal(x, y)


def not_equal(x: Any, y: Any) -> Any:
    return tg.not_equal(x, y)


def greater(x: Any, y: Any) -> Any:
    return tg.greater(x, y)


def greater_equal(x: Any, y: Any) -> Any:
    return tg.greater_equal(x, y)


def less(x: Any, y: Any) -> Any:
    return tg.less(x, y)


def less_equal(x: Any, y: Any) -> Any:
    return tg.less_equal(x, y)


def switch(condition: Any, then_expression: Any, else_expression: Any) -> Any:
    """A scalar condition picks one branch (callables are called lazily); a tensor condition selects elementwise
    (broadcast over the trailing axes of the branches)."""
    condition = tg.cast(condition, "bool")
    if condition.ndim == 0:
        chosen = then_expression if bool(condition) else else_expression
        return chosen() if callable(chosen) else chosen
    then_v = then_expression() if callable(then_expression) else then_expression
    else_v = else_expression() if callable(else_expression) else else_expression
    then_v, else_v = _t(then_v), _t(else_v)
    if condition.ndim > then_v.ndim:
        raise ValueError(f"Rank of `condition` should be less than or equal to rank of `then_expression` and "
                         f"`else_expression`. ndim(condition)={condition.ndim}, ndim(then_expression)={then_v.ndim}")
    while condition.ndim < then_v.ndim:
        condition = tg.expand_dims(condition, -1)
    condition = tg.logical_and(condition, tg.ones(then_v.shape, dtype="bool"))
    return tg.where(condition, then_v, else_v)


# -- shapes and structure ---------------------------------------------------------------------------------------------
def int_shape(x: Any) -> tuple[Any, ...] | None:
    """The static shape as a tuple (None for unknown sizes)."""
    try:
        shape = x.shape
    except (AttributeError, ValueError):
        return None
    return tuple(shape) if isinstance(shape, tuple) else tuple(tg.TensorShape(shape).as_list())


def ndim(x: Any) -> int:
    return len(x.shape)


def shape(x: Any) -> Any:
    return tg.shape(x)


def dtype(x: Any) -> str:
    dt = x.dtype
    return dt if isinstance(dt, str) else dt.name


def count_params(x: Any) -> int:
    return int(np.prod(tuple(x.shape)))


def reshape(x: Any, shape: Any) -> Any:
    return tg.reshape(x, shape)


def flatten(x: Any) -> Any:
    return tg.reshape(x, [-1])


def batch_flatten(x: Any) -> Any:
    """``(batch, ...)`` → ``(batch, prod(...))``."""
    x = _t(x)
    return tg.reshape(x, (-1, int(np.prod(tuple(x.shape)[1:]))))


def expand_dims(x: Any, axis: int = -1) -> Any:
    return tg.expand_dims(x, axis)


def squeeze(x: Any, axis: int) -> Any:
    return tg.squeeze(x, [axis])


def transpose(x: Any) -> Any:
    return tg.transpose(x)


def permute_dimensions(x: Any, pattern: Any) -> Any:
    return tg.transpose(x, perm=pattern)


def concatenate(tensors: list[Any], axis: int = -1) -> Any:
    if axis < 0:
        rank = ndim(_t(tensors[0]))
        axis = axis % rank if rank else 0
    return tg.concat([_t(t) for t in tensors], axis)


def stack(x: list[Any], axis: int = 0) -> Any:
    return tg.stack(x, axis=axis)


def tile(x: Any, n: Any) -> Any:
    return tg.tile(x, [n] if isinstance(n, int) else n)


def repeat(x: Any, n: int) -> Any:
    """``(batch, d)`` → ``(batch, n, d)``."""
    x = _t(x)
    if x.ndim != 2:
        raise ValueError(f"Expected input `x` to have rank 2. Received: rank(x)={x.ndim}")
    return tg.tile(tg.expand_dims(x, 1), [1, n, 1])


def repeat_elements(x: Any, rep: int, axis: int) -> Any:
    """Repeat each slice along ``axis`` ``rep`` times (``np.repeat``)."""
    return tg.repeat(x, rep, axis=axis)


def reverse(x: Any, axes: Any) -> Any:
    return tg.reverse(x, [axes] if isinstance(axes, int) else list(axes))


def gather(reference: Any, indices: Any) -> Any:
    return tg.gather(reference, indices)


def one_hot(indices: Any, num_classes: int) -> Any:
    return tg.one_hot(indices, depth=num_classes, axis=-1)


def temporal_padding(x: Any, padding: Any = (1, 1)) -> Any:
    if len(padding) != 2:
        raise ValueError(f"Expected `padding` to be a tuple of 2 integers. Received: padding={padding}")
    return tg.pad(x, [[0, 0], list(padding), [0, 0]])


def spatial_2d_padding(x: Any, padding: Any = ((1, 1), (1, 1)), data_format: str | None = None) -> Any:
    if len(padding) != 2 or len(padding[0]) != 2 or len(padding[1]) != 2:
        raise ValueError(f"Expected `padding` to be a tuple of 2 tuples of 2 integers. Received: padding={padding}")
    if _data_format(data_format) == "channels_first":
        return tg.pad(x, [[0, 0], [0, 0], list(padding[0]), list(padding[1])])
    return tg.pad(x, [[0, 0], list(padding[0]), list(padding[1]), [0, 0]])


def dot(x: Any, y: Any) -> Any:
    """Matrix product; for rank > 2, contracts x's last axis with y's second-to-last (as ``np.dot``)."""
    x, y = _t(x), _t(y)
    if x.ndim > 2 or y.ndim > 2:
        ys = tuple(y.shape)
        perm = list(range(y.ndim))
        perm = [perm.pop(-2)] + perm
        xt = tg.reshape(x, [-1, tuple(x.shape)[-1]])
        yt = tg.reshape(tg.transpose(y, perm), [ys[-2], -1])
        return tg.reshape(tg.matmul(xt, yt), tuple(x.shape)[:-1] + ys[:-2] + ys[-1:])
    return tg.matmul(x, y)


def batch_dot(x: Any, y: Any, axes: Any = None) -> Any:
    """Per-example dot product of ``x`` and ``y`` (batch axis 0) over ``axes`` (an int or a pair; default: x's
    last axis with y's last (2-D y) or second-to-last); a result with only the batch axis gets a trailing axis."""
    x, y = _t(x), _t(y)
    xs, ys = tuple(x.shape), tuple(y.shape)
    if len(xs) < 2 or len(ys) < 2:
        raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {xs} and {ys}.")
    if xs[0] != ys[0]:
        raise ValueError(f"Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes "
                         f"{xs} and {ys}.")
    if axes is None:
        axes = [len(xs) - 1, len(ys) - 1 if len(ys) == 2 else len(ys) - 2]
    elif isinstance(axes, int):
        axes = [axes, axes]
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(f"Multiple target dimensions are not supported. Expected: None, int, (int, int), Provided: "
                         f"{axes}")
    a0, a1 = axes[0] % len(xs), axes[1] % len(ys)
    if 0 in (a0, a1):
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch "
                         "dimension to your inputs using K.expand_dims(x, 0)")
    if xs[a0] != ys[a1]:
        raise ValueError(f"Cannot do batch_dot on inputs with shapes {xs} and {ys} with axes={[a0, a1]}. "
                         f"x.shape[{a0}] != y.shape[{a1}] ({xs[a0]} != {ys[a1]}).")
    letters = "bcdefghijklmnopqrstuvwxyz"
    sx = ["a"] + list(letters[: len(xs) - 1])
    sy = ["a"] + list(letters[len(xs) - 1: len(xs) + len(ys) - 2])
    sy[a1] = sx[a0]
    out = [c for i, c in enumerate(sx) if i != a0] + [c for i, c in enumerate(sy) if i not in (0, a1)]
    result = tg.einsum(f"{''.join(sx)},{''.join(sy)}->{''.join(out)}", x, y)
    return tg.expand_dims(result, -1) if result.ndim == 1 else result


# -- values and variables -------------------------------------------------------------------------------------------
def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Any:
    return tg.constant(value, dtype=dtype or _state.floatx(), shape=shape)


def cast(x: Any, dtype: Any) -> Any:
    return tg.cast(x, dtype)


def cast_to_floatx(x: Any) -> Any:
    """A tensor or variable cast to ``floatx()``; anything else as a NumPy array of that dtype."""
    if isinstance(x, (tg.Tensor, tg.Variable)):
        return tg.cast(x, _state.floatx())
    return np.asarray(x, dtype=_state.floatx())


def variable(value: Any, dtype: Any = None, name: str | None = None, constraint: Any = None) -> Any:
    """A (plain, TF-convention) variable of ``dtype`` (default ``floatx()``)."""
    return tg.Variable(value, dtype=dtype or _state.floatx(), name=name)


def zeros(shape: Any, dtype: Any = None, name: str | None = None) -> Any:
    return variable(np.zeros(shape, dtype=dtype or _state.floatx()), dtype, name)


def ones(shape: Any, dtype: Any = None, name: str | None = None) -> Any:
    return variable(np.ones(shape, dtype=dtype or _state.floatx()), dtype, name)


def eye(size: int, dtype: Any = None, name: str | None = None) -> Any:
    return variable(np.eye(size, dtype=dtype or _state.floatx()), dtype, name)


def zeros_like(x: Any, dtype: Any = None, name: str | None = None) -> Any:
    return tg.zeros_like(x, dtype=dtype)


def ones_like(x: Any, dtype: Any = None, name: str | None = None) -> Any:
    return tg.ones_like(x, dtype=dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: str = "int32") -> Any:
    if stop is None and start < 0:
        start = 0
    out = tg.range(start, stop, step)
    return out if out.dtype.name == dtype else tg.cast(out, dtype)


def get_value(x: Any) -> Any:
    """The value as NumPy (anything that is not a tensor or variable is returned as is)."""
    return x.numpy() if hasattr(x, "numpy") else x


eval = get_value  # noqa: A001 - the legacy name


def batch_get_value(tensors: list[Any]) -> list[Any]:
    return [x.numpy() for x in tensors]


def set_value(x: Any, value: Any) -> None:
    x.assign(np.asarray(value, dtype=dtype(x)))


def batch_set_value(tuples: list[tuple[Any, Any]]) -> None:
    for x, value in tuples:
        set_value(x, value)


def update(x: Any, new_x: Any) -> Any:
    return x.assign(new_x)


def update_add(x: Any, increment: Any) -> Any:
    return x.assign_add(increment)


def update_sub(x: Any, decrement: Any) -> Any:
    return x.assign_sub(decrement)


def moving_average_update(x: Any, value: Any, momentum: Any) -> Any:
    """``x -= (x - value) * (1 - momentum)``."""
    dt = dtype(x)
    return x.assign_sub((tg.convert_to_tensor(x) - tg.cast(value, dt)) * (1 - tg.cast(momentum, dt)))


def stop_gradient(variables: Any) -> Any:
    if isinstance(variables, (list, tuple)):
        return map(tg.stop_gradient, variables)
    return tg.stop_gradient(variables)


def to_dense(tensor: Any) -> Any:
    return tensor


def is_sparse(tensor: Any) -> bool:
    return False


def is_keras_tensor(x: Any) -> bool:
    from .layers._base import KerasTensor

    return isinstance(x, KerasTensor)


def standardize_dtype(dtype: Any) -> str:
    if dtype is None:
        return _state.floatx()
    if dtype in ("int", "float"):
        return {"int": "int64", "float": "float32"}[dtype]
    if dtype == "bfloat16":  # a name Keras knows; tapegrad has no bfloat16 tensors
        return dtype
    return tg.as_dtype(dtype).name


def is_float_dtype(dtype: Any) -> bool:
    return tg.as_dtype(standardize_dtype(dtype)).is_floating


def is_int_dtype(dtype: Any) -> bool:
    return tg.as_dtype(standardize_dtype(dtype)).is_integer


def result_type(*dtypes: Any) -> str:
    """Keras's promotion: with any float the widest float wins (integers never widen it; float16 with bfloat16 is
    float32); integers promote as in NumPy; booleans alone stay bool."""
    names = [standardize_dtype(d) for d in dtypes]
    floats = [n for n in names if "float" in n]
    if floats:
        if "float16" in floats and "bfloat16" in floats:
            floats.append("float32")
        return builtins.max(floats, key=lambda n: 2 if n == "bfloat16" else tg.as_dtype(n).size)
    ints = [n for n in names if n != "bool"]
    return np.result_type(*ints).name if ints else "bool"


def name_scope(name: str) -> Any:
    return tg.name_scope(name)


def foldl(fn: Any, elems: Any, initializer: Any = None, name: str | None = None) -> Any:
    return tg.foldl(fn, elems, initializer=initializer)


def foldr(fn: Any, elems: Any, initializer: Any = None, name: str | None = None) -> Any:
    return tg.foldr(fn, elems, initializer=initializer)


def map_fn(fn: Any, elems: Any, name: str | None = None, dtype: Any = None) -> Any:
    return tg.map_fn(fn, elems)


# -- random -------------------------------------------------------------------------------------------------------
def _seed(seed: Any) -> int:
    return int(np.random.randint(10e6)) if seed is None else int(seed)


def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    return tg.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype or _state.floatx(), seed=_seed(seed))


def random_uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    return tg.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype or _state.floatx(), seed=_seed(seed))


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    return tg.random.truncated_normal(shape, mean, stddev, dtype=dtype or _state.floatx(), seed=_seed(seed))


def random_bernoulli(shape: Any, p: float = 0.0, dtype: Any = None, seed: Any = None) -> Any:
    dt = dtype or _state.floatx()
    u = tg.random.uniform(shape, dtype=dt, seed=_seed(seed))
    return tg.where(u <= p, tg.ones(shape, dtype=dt), tg.zeros(shape, dtype=dt))


def random_normal_variable(shape: Any, mean: float, scale: float, dtype: Any = None, name: str | None = None,
                           seed: Any = None) -> Any:
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype, name)


def random_uniform_variable(shape: Any, low: float, high: float, dtype: Any = None, name: str | None = None,
                            seed: Any = None) -> Any:
    return variable(random_uniform(shape, low, high, dtype, seed), dtype, name)


def dropout(x: Any, level: float, noise_shape: Any = None, seed: Any = None) -> Any:
    return tg.nn.dropout(x, rate=level, noise_shape=noise_shape, seed=_seed(seed))


# -- neural-network pieces ------------------------------------------------------------------------------------------
def bias_add(x: Any, bias: Any, data_format: str | None = None) -> Any:
    x, bias = _t(x), _t(bias)
    first = _data_format(data_format) == "channels_first"
    bs = tuple(bias.shape)
    if len(bs) != 1 and len(bs) != x.ndim - 1:
        raise ValueError(f"Unexpected bias dimensions {len(bs)}. Expected it to be 1 or {x.ndim - 1} dimensions")
    if len(bs) == 1:
        if first and x.ndim > 2:
            return x + tg.reshape(bias, (bs[0],) + (1,) * (x.ndim - 2))
        return x + bias
    if first:
        return x + tg.reshape(bias, (1, bs[-1]) + bs[:-1])
    return x + tg.reshape(bias, (1,) + bs)


def batch_normalization(x: Any, mean: Any, var: Any, beta: Any, gamma: Any, axis: int = -1,
                        epsilon: float = 1e-3) -> Any:
    return tg.nn.batch_normalization(x, mean, var, beta, gamma, epsilon)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Any:
    target, output = _t(target), _t(output)
    if from_logits:
        return tg.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = _state.epsilon()
    output = tg.clip_by_value(output, eps, 1.0 - eps)
    return -(target * tg.math.log(output + eps) + (1 - target) * tg.math.log(1 - output + eps))


def binary_focal_crossentropy(target: Any, output: Any, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False) -> Any:
    target, output = _t(target), _t(output)
    p = tg.sigmoid(output) if from_logits else output
    p_t = target * p + (1 - target) * (1 - p)
    focal = tg.pow(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Any:
    target, output = _t(target), _t(output)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"Shapes {tuple(target.shape)} and {tuple(output.shape)} are incompatible")
    if from_logits:
        return tg.nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / tg.reduce_sum(output, axis, True)
    eps = _state.epsilon()
    output = tg.clip_by_value(output, eps, 1.0 - eps)
    return -tg.reduce_sum(target * tg.math.log(output), axis)


def categorical_focal_crossentropy(target: Any, output: Any, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, axis: int = -1) -> Any:
    target, output = _t(target), _t(output)
    if from_logits:
        output = tg.nn.softmax(output, axis=axis)
    output = output / tg.reduce_sum(output, axis=axis, keepdims=True)
    eps = _state.epsilon()
    output = tg.clip_by_value(output, eps, 1.0 - eps)
    focal = tg.pow(1.0 - output, gamma) * alpha * (-target * tg.math.log(output))
    return tg.reduce_sum(focal, axis=axis)


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1,
                                    ignore_class: int | None = None) -> Any:
    target, output = tg.cast(target, "int64"), _t(output)
    if not from_logits:
        eps = _state.epsilon()
        output = tg.math.log(tg.clip_by_value(output, eps, 1 - eps))
    rank = output.ndim
    axis %= rank
    if axis != rank - 1:
        output = tg.transpose(output, [*range(axis), *range(axis + 1, rank), axis])
    lead = tuple(output.shape)[:-1]
    flat = target.ndim != rank - 1
    if flat:
        target = tg.reshape(target, [-1])
        output = tg.reshape(output, [-1, tuple(output.shape)[-1]])
    if ignore_class is None:
        res = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
        return tg.reshape(res, lead) if flat and rank >= 3 else res
    valid = tg.not_equal(target, ignore_class)
    safe = tg.where(valid, target, tg.zeros_like(target))
    res = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=output)
    res = tg.where(valid, res, tg.zeros_like(res))
    return tg.reshape(res, lead) if flat and rank >= 3 else res


def in_top_k(predictions: Any, targets: Any, k: int) -> Any:
    """Whether each target's prediction is among the ``k`` largest of its row (ties at the boundary count as in)."""
    predictions = _t(predictions)
    targets = tg.cast(targets, "int32")
    target_pred = tg.gather(predictions, targets, batch_dims=1)
    above = tg.reduce_sum(tg.cast(predictions > tg.expand_dims(target_pred, -1), "int32"), axis=-1)
    finite = tg.math.is_finite(target_pred)
    return tg.logical_and(above < k, finite)


def conv1d(x: Any, kernel: Any, strides: int = 1, padding: str = "valid", data_format: str | None = None,
           dilation_rate: int = 1) -> Any:
    first = _data_format(data_format) == "channels_first"
    x = _t(x)
    if first:
        x = tg.transpose(x, (0, 2, 1))
    if padding == "causal":
        x = temporal_padding(x, (dilation_rate * (int(tuple(kernel.shape)[0]) - 1), 0))
        padding = "valid"
    y = tg.nn.conv1d(x, kernel, strides, _padding(padding), dilations=dilation_rate)
    return tg.transpose(y, (0, 2, 1)) if first else y


def _nhwc(x: Any, first: bool) -> Any:
    return tg.transpose(x, (0, 2, 3, 1)) if first else x


def _from_nhwc(y: Any, first: bool) -> Any:
    return tg.transpose(y, (0, 3, 1, 2)) if first else y


def conv2d(x: Any, kernel: Any, strides: Any = (1, 1), padding: str = "valid", data_format: str | None = None,
           dilation_rate: Any = (1, 1)) -> Any:
    first = _data_format(data_format) == "channels_first"
    y = tg.nn.conv2d(_nhwc(_t(x), first), kernel, list(strides), _padding(padding), dilations=list(dilation_rate))
    return _from_nhwc(y, first)


def conv2d_transpose(x: Any, kernel: Any, output_shape: Any, strides: Any = (1, 1), padding: str = "valid",
                     data_format: str | None = None, dilation_rate: Any = (1, 1)) -> Any:
    first = _data_format(data_format) == "channels_first"
    x = _nhwc(_t(x), first)
    shape_ = list(output_shape)
    if first:
        shape_ = [shape_[0], shape_[2], shape_[3], shape_[1]]
    if shape_[0] is None:
        shape_[0] = int(x.shape[0])
    y = tg.nn.conv2d_transpose(x, kernel, shape_, list(strides), _padding(padding), dilations=list(dilation_rate))
    return _from_nhwc(y, first)


def depthwise_conv2d(x: Any, depthwise_kernel: Any, strides: Any = (1, 1), padding: str = "valid",
                     data_format: str | None = None, dilation_rate: Any = (1, 1)) -> Any:
    from .layers.convolutional import _depthwise

    first = _data_format(data_format) == "channels_first"
    y = _depthwise(_nhwc(_t(x), first), _t(depthwise_kernel), tuple(strides), padding, tuple(dilation_rate))
    return _from_nhwc(y, first)


def separable_conv2d(x: Any, depthwise_kernel: Any, pointwise_kernel: Any, strides: Any = (1, 1),
                     padding: str = "valid", data_format: str | None = None, dilation_rate: Any = (1, 1)) -> Any:
    if len(strides) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    first = _data_format(data_format) == "channels_first"
    y = depthwise_conv2d(_nhwc(_t(x), first), depthwise_kernel, strides, padding, "channels_last", dilation_rate)
    y = tg.nn.conv2d(y, pointwise_kernel, 1, "VALID")
    return _from_nhwc(y, first)


def pool2d(x: Any, pool_size: Any, strides: Any = (1, 1), padding: str = "valid", data_format: str | None = None,
           pool_mode: str = "max") -> Any:
    if len(pool_size) != 2:
        raise ValueError("`pool_size` must be a tuple of 2 integers.")
    if len(strides) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    first = _data_format(data_format) == "channels_first"
    pool = {"max": tg.nn.max_pool2d, "avg": tg.nn.avg_pool2d}.get(pool_mode)
    if pool is None:
        raise ValueError(f"Invalid pooling mode: {pool_mode}")
    y = pool(_nhwc(_t(x), first), list(pool_size), list(strides), _padding(padding))
    return _from_nhwc(y, first)


def resize_images(x: Any, height_factor: int, width_factor: int, data_format: str,
                  interpolation: str = "nearest") -> Any:
    """Upsample height and width by integer factors with ``tf.image.resize``'s ``interpolation`` (``"area"``,
    ``"bicubic"``, ``"bilinear"``, ``"gaussian"``, ``"lanczos3"``, ``"lanczos5"``, ``"mitchellcubic"``,
    ``"nearest"``); as ``tf.image.resize``, every interpolation but ``"nearest"`` returns float32."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid `data_format` argument: {data_format}")
    from .layers.reshaping import upsample

    names = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5", "mitchellcubic", "nearest")
    if interpolation not in names:
        listed = '"' + '", "'.join(names) + '"'
        raise ValueError(f"`interpolation` argument should be one of: {listed}. Received: \"{interpolation}\".")
    x = _t(x)
    if interpolation != "nearest" and x.dtype != tg.float32:
        x = tg.cast(x, "float32")
    axes = (2, 3) if data_format == "channels_first" else (1, 2)
    return upsample(x, (height_factor, width_factor), axes, interpolation)


# -- 3-D (the legacy backend's conv3d/pool3d/resize_volumes/spatial_3d_padding) -----------------------------------
__all__ += ["conv3d", "pool3d", "resize_volumes", "spatial_3d_padding"]


def _ndhwc(x: Any, first: bool) -> Any:
    return tg.transpose(x, (0, 2, 3, 4, 1)) if first else x


def _from_ndhwc(y: Any, first: bool) -> Any:
    return tg.transpose(y, (0, 4, 1, 2, 3)) if first else y


def conv3d(x: Any, kernel: Any, strides: Any = (1, 1, 1), padding: str = "valid", data_format: str | None = None,
           dilation_rate: Any = (1, 1, 1)) -> Any:
    """3-D convolution of ``x`` with ``kernel`` ``(kd, kh, kw, in, out)`` (dilations allowed).

    >>> from tapegrad.keras import backend as K
    >>> K.conv3d(K.ones((1, 3, 3, 3, 1)), K.ones((2, 2, 2, 1, 1))).numpy().ravel().tolist()
    [8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    """
    from ..ops.convolution_nd import conv3d_general

    first = _data_format(data_format) == "channels_first"
    y = conv3d_general(_ndhwc(_t(x), first), _t(kernel), tuple(int(s) for s in strides),  # type: ignore[arg-type]
                       _padding(padding), tuple(int(d) for d in dilation_rate))  # type: ignore[arg-type]
    return _from_ndhwc(y, first)


def pool3d(x: Any, pool_size: Any, strides: Any = (1, 1, 1), padding: str = "valid", data_format: str | None = None,
           pool_mode: str = "max") -> Any:
    """Max (``pool_mode="max"``) or average (``"avg"``) pooling over ``pool_size`` windows of 5-D ``x``."""
    first = _data_format(data_format) == "channels_first"
    pool = {"max": tg.nn.max_pool3d, "avg": tg.nn.avg_pool3d}.get(pool_mode)
    if pool is None:
        raise ValueError(f"Invalid pooling mode: {pool_mode}")
    y = pool(_ndhwc(_t(x), first), list(pool_size), list(strides), _padding(padding))
    return _from_ndhwc(y, first)


def resize_volumes(x: Any, depth_factor: int, height_factor: int, width_factor: int, data_format: str) -> Any:
    """Repeat the depth, height and width entries of 5-D ``x`` by integer factors."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid data_format: {data_format}")
    axis = 2 if data_format == "channels_first" else 1
    for k, factor in enumerate((depth_factor, height_factor, width_factor)):
        x = repeat_elements(x, factor, axis=axis + k)
    return x


def spatial_3d_padding(x: Any, padding: Any = ((1, 1), (1, 1), (1, 1)), data_format: str | None = None) -> Any:
    """Zero-pad the three spatial axes of 5-D ``x`` by ``((before, after),) * 3``."""
    if len(padding) != 3 or builtins.any(len(p) != 2 for p in padding):  # (this module defines `any`)
        raise ValueError(f"Expected `padding` to be a tuple of 3 tuples of 2 integers. Received: padding={padding}")
    pads = [list(p) for p in padding]
    if _data_format(data_format) == "channels_first":
        return tg.pad(x, [[0, 0], [0, 0], *pads])
    return tg.pad(x, [[0, 0], *pads, [0, 0]])
