"""More of ``tf.nn``: ``space_to_depth`` / ``depth_to_space`` (a pair of linear ops, each the other's adjoint), the
rank-generic ``convolution`` / ``conv_transpose``, ``atrous_conv2d_transpose``, ``crelu``, the moment helpers
(``sufficient_statistics``, ``normalize_moments``, ``weighted_moments``), ``log_poisson_loss``,
``batch_norm_with_global_normalization``, the ``tf.nn.zero_fraction`` alias, and the sampled losses ``nce_loss`` /
``sampled_softmax_loss`` (TF's ``_compute_sampled_logits`` on tapegrad's candidate samplers, which draw TF's
samples for a given seed).

Everything except the two block rearrangements is composed from differentiable ops in TF's order of operations,
so values, dtypes and gradients (of every order) follow TF.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1, applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ..compiler.host import host_value, host_values
from ..errors import InvalidArgumentError, NotFoundError
from . import (
    _philox,
    activations,
    arithmetic,
    array_ext,
    comparison,
    convolution_nd,
    core,
    dropout,
    indexing,
    joining,
    linalg_ops,
    losses,
    math_ext,
    matmul,
    normalization,
    pooling,
    random_candidates,
    random_ops,
    reductions,
    shape_ops,
    tiling,
    unary_math,
)
from . import convolution as _conv
from ._common import to_tensor
from ._nn_common import _run

# -- space_to_depth / depth_to_space ------------------------------------------------------------------------------


def _s2d(x: Any, bs: int) -> Any:
    n, h, w, c = x.shape
    y = x.reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h // bs, w // bs, bs * bs * c)


def _d2s(x: Any, bs: int) -> Any:
    n, h, w, c = x.shape
    y = x.reshape(n, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * bs, w * bs, c // (bs * bs))


def _s2d_fwd(F: Any, x: Any, block_size: int) -> Any:
    return _s2d(x, block_size)  # (the reshape after the transpose copies: the result is contiguous)


def _d2s_fwd(F: Any, x: Any, block_size: int) -> Any:
    return _d2s(x, block_size)


def _blocks_ref(x: np.ndarray, bs: int, to_depth: bool) -> np.ndarray:
    """Reference by the definition: depth ``(dy * bs + dx) * C + c`` holds pixel ``(y * bs + dy, x * bs + dx)``."""
    if to_depth:
        n, h, w, c = x.shape
        out = np.zeros((n, h // bs, w // bs, bs * bs * c), x.dtype)
        for dy in range(bs):
            for dx in range(bs):
                out[..., (dy * bs + dx) * c:(dy * bs + dx + 1) * c] = x[:, dy::bs, dx::bs, :]
        return out
    n, h, w, d = x.shape
    c = d // (bs * bs)
    out = np.zeros((n, h * bs, w * bs, c), x.dtype)
    for dy in range(bs):
        for dx in range(bs):
            out[:, dy::bs, dx::bs, :] = x[..., (dy * bs + dx) * c:(dy * bs + dx + 1) * c]
    return out


SPACE_TO_DEPTH = defop(
    "space_to_depth", _s2d_fwd,
    lambda F, g, ins, out, p, needs: (_run(F, DEPTH_TO_SPACE, g, **p),),
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, SPACE_TO_DEPTH, ts[0], **p),
    linear=True, save_in=False,
    test=[spec(lambda tf, x: tf.nn.space_to_depth(x, 2), lambda rng: (rng.normal(size=(2, 4, 6, 3)),),
               ref=lambda x: _blocks_ref(x, 2, True)),
          spec(lambda tf, x: tf.nn.space_to_depth(x, 3), lambda rng: (rng.normal(size=(1, 3, 6, 2)),),
               ref=lambda x: _blocks_ref(x, 3, True), name="block3")],
)

DEPTH_TO_SPACE = defop(
    "depth_to_space", _d2s_fwd,
    lambda F, g, ins, out, p, needs: (_run(F, SPACE_TO_DEPTH, g, **p),),
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, DEPTH_TO_SPACE, ts[0], **p),
    linear=True, save_in=False,
    test=spec(lambda tf, x: tf.nn.depth_to_space(x, 2), lambda rng: (rng.normal(size=(2, 2, 3, 8)),),
              ref=lambda x: _blocks_ref(x, 2, False)),
)


def _block_args(input: Any, block_size: Any, data_format: str, op: str) -> Tensor:
    x = to_tensor(input)
    if data_format not in ("NHWC", "NCHW", "NCHW_VECT_C"):
        raise InvalidArgumentError(f"{op}: data_format must be 'NHWC' (or 'NCHW'/'NCHW_VECT_C', which TF runs on GPU "
                                   f"only), got {data_format!r}.")
    if data_format != "NHWC":
        raise NotFoundError(f"{op}: data_format={data_format!r} has no CPU kernel in TF (GPU only); transpose to NHWC "
                            "with tf.transpose(x, [0, 2, 3, 1]) first.")
    if not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise InvalidArgumentError(f"{op}: block_size must be an integer >= 2, got {block_size!r}.")
    if x._value.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must have rank 4 [batch, height, width, depth], got shape "
                                   f"{list(x._value.shape)}.")
    if x._value.dtype.kind in "SUO":
        raise TypeError(f"{op}: input must be numeric, got {x.dtype.name}.")
    return x


def space_to_depth(input: Any, block_size: int, data_format: str = "NHWC", name: str | None = None) -> Tensor:  # noqa: A002
    """Move ``block_size x block_size`` spatial blocks into the depth: ``[b, h, w, c]`` becomes
    ``[b, h / bs, w / bs, bs * bs * c]`` (depth index ``(dy * bs + dx) * c + channel``). Linear, exact gradients.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(16), [1, 4, 4, 1])
    >>> tf.nn.space_to_depth(x, 2)[0, 0, 0].numpy().tolist()
    [0, 1, 4, 5]
    """
    op = "space_to_depth"
    x = _block_args(input, block_size, data_format, op)
    _, h, w, _ = x._value.shape
    if h % block_size or w % block_size:
        raise InvalidArgumentError(f"{op}: height {h} and width {w} must be divisible by block_size {block_size}.")
    return apply1(SPACE_TO_DEPTH, x, {"block_size": int(block_size)})


def depth_to_space(input: Any, block_size: int, data_format: str = "NHWC", name: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of :func:`space_to_depth`: ``[b, h, w, bs * bs * c]`` becomes ``[b, h * bs, w * bs, c]``.

    >>> import tapegrad as tf
    >>> tf.nn.depth_to_space(tf.reshape(tf.range(4), [1, 1, 1, 4]), 2)[0, :, :, 0].numpy().tolist()
    [[0, 1], [2, 3]]
    """
    op = "depth_to_space"
    x = _block_args(input, block_size, data_format, op)
    d = x._value.shape[3]
    if d % (block_size * block_size):
        raise InvalidArgumentError(f"{op}: depth {d} must be divisible by block_size**2 = {block_size * block_size}.")
    return apply1(DEPTH_TO_SPACE, x, {"block_size": int(block_size)})


# -- rank-generic convolutions ------------------------------------------------------------------------------------


def _conv_rank(n: int, what: str, op: str) -> None:
    if not 1 <= n <= 3:
        raise ValueError(f"{op}: {what} gives {n} spatial dimensions; only 1, 2 or 3 are supported.")


def _full_sequence(value: Any, n: int, channels_last: bool, what: str, op: str) -> list[int]:
    """TF's ``_get_sequence``: None -> 1, an int or ``n`` values per spatial dimension -> ``n + 2`` values."""
    v = [1] if value is None else ([int(value)] if np.ndim(value) == 0 else [int(a) for a in value])
    if len(v) == n + 2:
        return v
    if len(v) == 1:
        v = v * n
    if len(v) != n:
        raise ValueError(f"{op}: {what} must have 1, {n} or {n + 2} entries, got {value!r}.")
    return [1, *v, 1] if channels_last else [1, 1, *v]


def convolution(input: Any, filters: Any, strides: Any = None, padding: str = "VALID",  # noqa: A002
                data_format: str | None = None, dilations: Any = None, name: str | None = None) -> Tensor:
    """N-D convolution (``conv1d``/``conv2d``/``conv3d`` chosen by ``filters``' rank), channels last by default;
    ``strides`` and ``dilations`` default to 1. Leading batch dimensions beyond one are flattened and restored.

    >>> import tapegrad as tf
    >>> tf.nn.convolution(tf.ones([1, 5, 5, 2]), tf.ones([3, 3, 2, 4]), padding="SAME").shape
    TensorShape([1, 5, 5, 4])
    """
    op = "convolution"
    x, w = to_tensor(input), to_tensor(filters)
    n = w._value.ndim - 2
    _conv_rank(n, "filters' rank - 2", op)
    batch_dims = x._value.ndim - n - 1
    if batch_dims < 1:
        raise ValueError(f"{op}: input of shape {list(x._value.shape)} has too few dimensions for a {n}-D "
                         f"convolution (filters {list(w._value.shape)}).")
    lead = x._value.shape[:batch_dims]
    if batch_dims > 1:
        x = shape_ops.reshape(x, [-1, *x._value.shape[batch_dims:]])
    last = data_format is None or not data_format.startswith("NC")
    strides = _full_sequence(strides, n, last, "strides", op)
    dilations = _full_sequence(dilations, n, last, "dilations", op)
    if n == 1:
        y = _conv.conv1d(x, w, strides, padding, data_format or "NWC", dilations)
    elif n == 2:
        y = _conv.conv2d(x, w, strides, padding, data_format or "NHWC", dilations)
    else:
        y = _conv.conv3d(x, w, strides, padding, data_format or "NDHWC", dilations)
    if batch_dims > 1:
        y = shape_ops.reshape(y, [*lead, *y.shape[1:]])
    return y


def conv_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                   data_format: str | None = None, dilations: Any = None, name: str | None = None) -> Tensor:
    """Transposed convolution of rank 1, 2 or 3, chosen by the length of ``output_shape`` (3, 4 or 5).

    >>> import tapegrad as tf
    >>> tf.nn.conv_transpose(tf.ones([1, 3, 3, 4]), tf.ones([3, 3, 2, 4]), [1, 6, 6, 2], strides=2).shape
    TensorShape([1, 6, 6, 2])
    """
    op = "conv_transpose"
    if isinstance(output_shape, Tensor):
        n = int(output_shape.shape[0]) - 2
    elif isinstance(output_shape, Sequence) or isinstance(output_shape, np.ndarray):
        n = len(output_shape) - 2
    else:
        raise ValueError(f"{op}: output_shape must be a tensor or a sized sequence, got {output_shape!r}.")
    if not 1 <= n <= 3:
        raise ValueError(f"{op}: output_shape must have length 3, 4 or 5 (rank 1-3 transposed convolution), got "
                         f"{n + 2}.")
    if n == 1:
        return convolution_nd.conv1d_transpose(input, filters, output_shape, strides, padding, data_format or "NWC",
                                               dilations)
    if n == 2:
        return _conv.conv2d_transpose(input, filters, output_shape, strides, padding, data_format or "NHWC",
                                            dilations)
    return convolution_nd.conv3d_transpose(input, filters, output_shape, strides, padding, data_format or "NDHWC",
                                           dilations)


def atrous_conv2d_transpose(value: Any, filters: Any, output_shape: Any, rate: int, padding: str,
                            name: str | None = None) -> Tensor:
    """The transpose (gradient) of :func:`tf.nn.atrous_conv2d`: a stride-1 transposed convolution whose filter taps
    are ``rate`` pixels apart (NHWC; ``filters`` ``[h, w, out_channels, in_channels]``).

    >>> import tapegrad as tf
    >>> tf.nn.atrous_conv2d_transpose(tf.ones([1, 4, 4, 3]), tf.ones([3, 3, 2, 3]), [1, 8, 8, 2], 2, "VALID").shape
    TensorShape([1, 8, 8, 2])
    """
    op = "atrous_conv2d_transpose"
    x, w = to_tensor(value), to_tensor(filters)
    if x._value.ndim != 4 or w._value.ndim != 4:
        raise ValueError(f"{op}: value and filters must have rank 4, got shapes {list(x._value.shape)} and "
                         f"{list(w._value.shape)}.")
    if x._value.shape[3] != w._value.shape[3]:
        raise ValueError(f"{op}: value has {x._value.shape[3]} channels but filters expect {w._value.shape[3]} input "
                         "channels (their last dimension).")
    if rate < 1:
        raise ValueError(f"{op}: rate must be at least 1, got {rate}.")
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"{op}: padding must be 'VALID' or 'SAME', got {padding!r}.")
    shape = [int(s) for s in (output_shape.numpy() if isinstance(output_shape, Tensor) else output_shape)]
    if len(shape) != 4:
        raise ValueError(f"{op}: output_shape must have 4 entries [batch, height, width, channels], got {shape}.")
    if shape[3] != w._value.shape[2]:
        raise ValueError(f"{op}: output_shape has {shape[3]} channels but filters produce {w._value.shape[2]} (their "
                         "third dimension).")
    return _conv.conv2d_transpose(x, w, shape, 1, padding, "NHWC", rate)


# -- small composites -----------------------------------------------------------------------------------------------


def crelu(features: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)``, doubling that dimension.

    >>> import tapegrad as tf
    >>> tf.nn.crelu([-1.0, 2.0]).numpy().tolist()
    [0.0, 2.0, 1.0, 0.0]
    """
    x = to_tensor(features)
    return activations.relu(joining.concat([x, arithmetic.negative(x)], axis=axis))


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False, name: str | None = None) -> Tensor:
    """Negative Poisson log-likelihood with the rate given as ``log_input``: ``exp(log_input) - log_input *
    targets``, plus the Stirling term ``t log t - t + log(2 pi t) / 2`` (for targets > 1) when ``compute_full_loss``.

    >>> import tapegrad as tf
    >>> round(float(tf.nn.log_poisson_loss(tf.constant(3.0), tf.constant(0.5))), 5)
    0.14872
    """
    t, li = to_tensor(targets), to_tensor(log_input)
    if t.dtype != li.dtype:
        t = core.cast(t, li.dtype) if not isinstance(targets, Tensor) else t
    if tuple(t.shape) != tuple(li.shape):
        raise ValueError(f"log_poisson_loss: log_input and targets must have the same shape, got "
                         f"{list(li.shape)} and {list(t.shape)}.")
    result = arithmetic.subtract(unary_math.exp(li), arithmetic.multiply(li, t))
    if compute_full_loss:
        stirling = arithmetic.add(arithmetic.subtract(arithmetic.multiply(t, unary_math.log(t)), t),
                                  arithmetic.multiply(core.constant(0.5, t.dtype),
                                                      unary_math.log(arithmetic.multiply(
                                                          core.constant(2 * math.pi, t.dtype), t))))
        zeros = core.zeros_like(t)
        cond = comparison.logical_and(comparison.greater_equal(t, zeros), comparison.less_equal(t, core.ones_like(t)))
        result = arithmetic.add(result, indexing.where(cond, zeros, stirling))
    return result


def sufficient_statistics(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
                          name: str | None = None) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """``(count, sum(x - shift), sum((x - shift)**2), shift)`` over ``axes`` (no shift: plain sums); ``count`` is
    the number of reduced elements in ``x``'s dtype.

    >>> import tapegrad as tf
    >>> c, m, v, s = tf.nn.sufficient_statistics(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [0])
    >>> float(c), m.numpy().tolist(), v.numpy().tolist(), s
    (2.0, [4.0, 6.0], [10.0, 20.0], None)
    """
    t = to_tensor(x)
    axes = [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    shape = t._value.shape
    count = 1
    for a in axes:
        count *= shape[a]
    counts = core.constant(count, t.dtype)
    if shift is not None:
        sh = to_tensor(shift)
        m_ss = arithmetic.subtract(t, sh)
        v_ss = arithmetic.squared_difference(t, sh)
    else:
        sh = None
        m_ss = t
        v_ss = unary_math.square(t)
    return (counts, reductions.reduce_sum(m_ss, axes, keepdims=keepdims),
            reductions.reduce_sum(v_ss, axes, keepdims=keepdims), sh)


def normalize_moments(counts: Any, mean_ss: Any, variance_ss: Any, shift: Any,
                      name: str | None = None) -> tuple[Tensor, Tensor]:
    """Mean and variance from :func:`sufficient_statistics`: ``mean = mean_ss / counts + shift``, ``variance =
    variance_ss / counts - (mean_ss / counts)**2``.

    >>> import tapegrad as tf
    >>> m, v = tf.nn.normalize_moments(tf.constant(2.0), tf.constant([4.0]), tf.constant([10.0]), None)
    >>> m.numpy().tolist(), v.numpy().tolist()
    ([2.0], [1.0])
    """
    m_ss, v_ss = to_tensor(mean_ss), to_tensor(variance_ss)
    divisor = unary_math.reciprocal(to_tensor(counts))
    shifted_mean = arithmetic.multiply(m_ss, divisor)
    mean = shifted_mean if shift is None else arithmetic.add(shifted_mean, to_tensor(shift))
    variance = arithmetic.subtract(arithmetic.multiply(v_ss, divisor), unary_math.square(shifted_mean))
    return mean, variance


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, keepdims: bool = False,
                     name: str | None = None) -> tuple[Tensor, Tensor]:
    """Frequency-weighted mean and variance over ``axes`` (``div_no_nan``: zero total weight gives 0); float16 is
    computed in float32, as in TF.

    >>> import tapegrad as tf
    >>> m, v = tf.nn.weighted_moments(tf.constant([1.0, 2.0, 4.0]), [0], tf.constant([1.0, 1.0, 2.0]))
    >>> float(m), float(v)
    (2.75, 1.6875)
    """
    t, fw = to_tensor(x), to_tensor(frequency_weights)
    axes = [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
    needs_cast = t.dtype.name == "float16"
    if needs_cast:
        t = core.cast(t, _dtypes.float32)
    if fw.dtype != t.dtype:
        fw = core.cast(fw, t.dtype)
    wsum = reductions.reduce_sum(arithmetic.multiply(fw, t), axes, keepdims=True)
    sum_w = reductions.reduce_sum(arithmetic.add(fw, core.zeros_like(t)), axes, keepdims=True)
    mean = arithmetic.divide_no_nan(wsum, sum_w)
    dist = reductions.reduce_sum(arithmetic.multiply(fw, arithmetic.squared_difference(t, mean)), axes, keepdims=True)
    var = arithmetic.divide_no_nan(dist, sum_w)
    if not keepdims:
        mean = shape_ops.squeeze(mean, axis=axes)
        var = shape_ops.squeeze(var, axis=axes)
    if needs_cast:
        mean, var = core.cast(mean, _dtypes.float16), core.cast(var, _dtypes.float16)
    return mean, var


def batch_norm_with_global_normalization(input: Any, mean: Any, variance: Any, beta: Any, gamma: Any,  # noqa: A002
                                         variance_epsilon: float, scale_after_normalization: bool,
                                         name: str | None = None) -> Tensor:
    """Batch normalisation with given moments (the deprecated TF API): :func:`tf.nn.batch_normalization` with
    ``gamma`` applied only when ``scale_after_normalization``.

    >>> import tapegrad as tf
    >>> y = tf.nn.batch_norm_with_global_normalization(tf.constant([[1.0, 3.0]]), tf.constant([1.0, 1.0]),
    ...     tf.constant([4.0, 4.0]), tf.constant([0.0, 0.0]), tf.constant([2.0, 2.0]), 0.0, True)
    >>> y.numpy().tolist()
    [[0.0, 2.0]]
    """
    return normalization.batch_normalization(input, mean, variance, beta, gamma if scale_after_normalization else None,
                                             variance_epsilon)


zero_fraction = math_ext.zero_fraction


# -- sampled losses -------------------------------------------------------------------------------------------------


def _sum_rows(x: Tensor) -> Tensor:
    """Row sums as TF computes them for the sampled losses: ``x @ ones([cols, 1])``."""
    ones = core.ones([int(x.shape[1]), 1], x.dtype)
    return shape_ops.reshape(matmul.matmul(x, ones), [-1])


def _sampled_logits(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
                    num_true: int, sampled_values: Any, remove_accidental_hits: bool, seed: Any,
                    op: str) -> tuple[Tensor, Tensor]:
    """TF's ``_compute_sampled_logits`` (``subtract_log_q``, ``partition_strategy='div'``): the logits of the true
    and the sampled classes, corrected by ``log`` of their expected counts, and the matching soft labels."""
    shards = list(weights) if isinstance(weights, (list, tuple)) else [weights]
    # 'div' partitioning keeps ids contiguous per shard, so the shards in order are the whole table
    table = to_tensor(shards[0]) if len(shards) == 1 else joining.concat([to_tensor(w) for w in shards], 0)
    bias = to_tensor(biases)
    x = to_tensor(inputs)
    lab = to_tensor(labels)
    if lab._value.ndim != 2 or lab._value.shape[1] != num_true:
        raise InvalidArgumentError(f"{op}: labels must have shape [batch_size, num_true] = [batch_size, {num_true}], "
                                   f"got {list(lab._value.shape)}.")
    if lab.dtype != _dtypes.int64:
        lab = core.cast(lab, _dtypes.int64)
    labels_flat = shape_ops.reshape(lab, [-1])
    if sampled_values is None:
        sampled_values = random_candidates.log_uniform_candidate_sampler(
            true_classes=lab, num_true=num_true, num_sampled=num_sampled, unique=True, range_max=num_classes,
            seed=seed)
    sampled, true_count, sampled_count = (core.stop_gradient(to_tensor(v)) for v in sampled_values)
    sampled = core.cast(sampled, _dtypes.int64)
    n_true = int(labels_flat.shape[0])
    all_ids = joining.concat([labels_flat, sampled], 0)
    all_w = indexing.gather(table, all_ids)
    if all_w.dtype != x.dtype:
        all_w = core.cast(all_w, x.dtype)
    true_w, sampled_w = all_w[:n_true], all_w[n_true:]
    sampled_logits = matmul.matmul(x, sampled_w, transpose_b=True)
    all_b = indexing.gather(bias, all_ids)
    if all_b.dtype != x.dtype:
        all_b = core.cast(all_b, x.dtype)
    true_b, sampled_b = all_b[:n_true], all_b[n_true:]
    dim = int(true_w.shape[1])
    dots = arithmetic.multiply(shape_ops.expand_dims(x, 1), shape_ops.reshape(true_w, [-1, num_true, dim]))
    true_logits = shape_ops.reshape(_sum_rows(shape_ops.reshape(dots, [-1, dim])), [-1, num_true])
    true_logits = arithmetic.add(true_logits, shape_ops.reshape(true_b, [-1, num_true]))
    sampled_logits = arithmetic.add(sampled_logits, sampled_b)
    if remove_accidental_hits:
        rows, ids, hit_w = random_candidates.compute_accidental_hits(lab, sampled, num_true=num_true)
        hits = np.zeros((int(lab.shape[0]), int(num_sampled)), sampled_logits._value.dtype)
        hits[rows._value.astype(np.int64), ids._value.astype(np.int64)] = hit_w._value
        sampled_logits = arithmetic.add(sampled_logits, core.constant(hits))
    true_logits = arithmetic.subtract(true_logits, unary_math.log(core.cast(true_count, true_logits.dtype)))
    sampled_logits = arithmetic.subtract(sampled_logits, unary_math.log(core.cast(sampled_count,
                                                                                  sampled_logits.dtype)))
    out_logits = joining.concat([true_logits, sampled_logits], 1)
    out_labels = joining.concat([arithmetic.divide(core.ones_like(true_logits), core.constant(num_true,
                                                                                              true_logits.dtype)),
                                 core.zeros_like(sampled_logits)], 1)
    return out_logits, out_labels


def nce_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
             num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = False,
             name: str = "nce_loss") -> Tensor:
    """Noise-contrastive estimation loss per example (Gutmann & Hyvarinen 2010): sigmoid cross-entropy of the true
    classes against ``num_sampled`` classes drawn by ``tf.random.log_uniform_candidate_sampler`` (or the given
    ``sampled_values``), logits corrected by ``log`` of the expected counts, as TF computes it.

    ``weights`` is ``[num_classes, dim]`` (or a list of 'div'-partitioned shards), ``biases`` ``[num_classes]``,
    ``labels`` ``[batch, num_true]`` integers, ``inputs`` ``[batch, dim]``. Gradients flow to weights, biases and
    inputs (not through the sampled candidates).

    >>> import tapegrad as tf
    >>> w, b = tf.ones([10, 4]), tf.zeros([10])
    >>> tf.nn.nce_loss(w, b, [[1], [2]], tf.ones([2, 4]), num_sampled=3, num_classes=10).shape
    TensorShape([2])
    """
    logits, soft = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                   sampled_values, remove_accidental_hits, None, "nce_loss")
    return _sum_rows(losses.sigmoid_cross_entropy_with_logits(labels=soft, logits=logits))


def sampled_softmax_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
                         num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = True,
                         seed: int | None = None, name: str = "sampled_softmax_loss") -> Tensor:
    """Sampled softmax loss per example (Jean et al. 2014): softmax cross-entropy over the true classes and
    ``num_sampled`` sampled ones (``log_uniform_candidate_sampler`` with ``seed``, or ``sampled_values``), sampled
    classes that equal a true class removed, logits corrected by ``log`` of the expected counts, as TF computes it.

    >>> import tapegrad as tf
    >>> w, b = tf.ones([10, 4]), tf.zeros([10])
    >>> tf.nn.sampled_softmax_loss(w, b, [[1], [2]], tf.ones([2, 4]), num_sampled=3, num_classes=10, seed=1).shape
    TensorShape([2])
    """
    logits, soft = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                   sampled_values, remove_accidental_hits, seed, "sampled_softmax_loss")
    return losses.softmax_cross_entropy_with_logits(labels=core.stop_gradient(soft), logits=logits)

# -- window maxima with their positions: max_pool_with_argmax, dilation2d, erosion2d ---------------------------------


def _scatter_flat_fwd(F: Any, g: Any, idx: Any, shape: tuple[int, ...]) -> Any:
    lead = g.shape[: g.ndim - idx.ndim]  # leading Jacobian batch axes
    rows = g.reshape((-1, idx.size))
    out = np.zeros((rows.shape[0], int(np.prod(shape))), g.dtype)
    for r in range(rows.shape[0]):
        np.add.at(out[r], idx.reshape(-1), rows[r])
    return out.reshape(lead + tuple(shape))


def _gather_flat_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, SCATTER_FLAT, g, ins[1], shape=tuple(ins[0].shape)), None)


def _scatter_flat_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    if g.ndim > len(p["shape"]):  # Jacobian batch axes: gather row by row through a flat view
        flat = F.reshape(g, tuple(g.shape[: g.ndim - len(p["shape"])]) + (-1,))
        return (F.take(flat, ins[1], axis=-1) if not F.is_diff else _run(F, GATHER_FLAT, g, ins[1]), None)
    return (_run(F, GATHER_FLAT, g, ins[1]), None)


def _flat_args(rng: np.random.Generator) -> tuple[Any, ...]:
    return rng.normal(size=(3, 4)), np.array([[0, 5], [11, 5]])


# ``x.flat[idx]`` and its adjoint (a scatter-add): the positions are fixed, so both are linear in the tensor input and
# each is the other's VJP; the window ops below are such gathers at their argmax positions.
GATHER_FLAT = defop(
    "gather_flat", lambda F, x, idx: x.reshape(-1)[idx], _gather_flat_vjp,
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, GATHER_FLAT, ts[0], ins[1]),
    linear=True,
    test=spec(lambda tf, x, i: _gather_flat_public(tf, x, i), _flat_args, ref=lambda x, i: x.reshape(-1)[i],
              tf=False),
)

SCATTER_FLAT = defop(
    "scatter_flat", _scatter_flat_fwd, _scatter_flat_vjp,
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, SCATTER_FLAT, ts[0], ins[1], **p),
    linear=True,
    test=spec(lambda tf, g, i: _scatter_flat_public(tf, g, i), lambda rng: (rng.normal(size=(2, 2)),
                                                                           np.array([[0, 5], [11, 5]])),
              ref=lambda g, i: _scatter_ref(g, i, (3, 4)), tf=False),
)


def _gather_flat_public(tf: Any, x: Any, idx: Any) -> Any:
    """The spec's entry (no public TF name): ``x.flat[idx]`` through the recorded op."""
    return applyn(GATHER_FLAT, (x, idx))


def _scatter_flat_public(tf: Any, g: Any, idx: Any) -> Any:
    return applyn(SCATTER_FLAT, (g, idx), {"shape": (3, 4)})


def _scatter_ref(g: np.ndarray, idx: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(int(np.prod(shape)))
    np.add.at(out, idx.reshape(-1), g.reshape(-1))
    return out.reshape(shape)


def _pool_geometry(size: tuple[int, int], k: tuple[int, int], s: tuple[int, int], padding: str,
                   op: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Output size and (top, left) padding of TF's VALID/SAME windows of effective size ``k``."""
    if padding == "VALID":
        out = tuple((n - kk) // ss + 1 for n, kk, ss in zip(size, k, s))
        pad = (0, 0)
    elif padding == "SAME":
        out = tuple(-(-n // ss) for n, ss in zip(size, s))
        pad = tuple(max((o - 1) * ss + kk - n, 0) // 2 for o, ss, kk, n in zip(out, s, k, size))
    else:
        raise ValueError(f"{op}: padding must be 'VALID' or 'SAME', got {padding!r}.")
    if min(out) < 1:
        raise InvalidArgumentError(f"{op}: the {k[0]}x{k[1]} window does not fit the {size[0]}x{size[1]} input with "
                                   f"padding {padding!r}.")
    return out, pad  # type: ignore[return-value]


def _window_argmax(x: np.ndarray, w: np.ndarray | None, k: tuple[int, int], s: tuple[int, int], r: tuple[int, int],
                   padding: str, op: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat positions (batch included) of the first maximum of ``x`` (+ ``w[dy, dx, c]``) in every window, and of
    the filter tap that gave it; windows skip padded pixels, ties go to the first in row-major order (TF's kernels)."""
    n, h, wd, c = x.shape
    eff = ((k[0] - 1) * r[0] + 1, (k[1] - 1) * r[1] + 1)
    (oh, ow), (pt, pl) = _pool_geometry((h, wd), eff, s, padding, op)
    ys = (np.arange(oh) * s[0] - pt)[:, None] + np.arange(k[0]) * r[0]  # [oh, kh]
    xs = (np.arange(ow) * s[1] - pl)[:, None] + np.arange(k[1]) * r[1]  # [ow, kw]
    inside = (ys >= 0) & (ys < h), (xs >= 0) & (xs < wd)
    yc, xc = np.clip(ys, 0, h - 1), np.clip(xs, 0, wd - 1)
    vals = x[:, yc[:, None, :, None], xc[None, :, None, :], :]  # [n, oh, ow, kh, kw, c]
    vals = vals.astype(np.float64) if vals.dtype.kind != "f" else vals
    if w is not None:
        vals = vals + w[None, None, None]
    ok = inside[0][:, None, :, None] & inside[1][None, :, None, :]  # [oh, ow, kh, kw]
    vals = np.where(ok[None, ..., None], vals, -np.inf)
    flat = vals.reshape(n, oh, ow, k[0] * k[1], c)
    tap = np.argmax(flat, axis=3)  # first maximum
    dy, dx = tap // k[1], tap % k[1]
    y = np.take_along_axis(np.broadcast_to(ys[None, :, None, :, None], (n, oh, ow, k[0], c)), dy[:, :, :, None],
                           3)[:, :, :, 0]
    xx = np.take_along_axis(np.broadcast_to(xs[None, None, :, :, None], (n, oh, ow, k[1], c)), dx[:, :, :, None],
                            3)[:, :, :, 0]
    b = np.arange(n)[:, None, None, None]
    ch = np.arange(c)[None, None, None, :]
    idx = ((b * h + y) * wd + xx) * c + ch
    fidx = None if w is None else (dy * k[1] + dx) * c + ch
    return idx.astype(np.int64), fidx


def _two(v: Any, what: str, op: str) -> tuple[int, int]:
    """TF's 1, 2 or 4 entries (batch and channel 1) of a 2-D pooling argument."""
    seq = [int(v)] if np.ndim(v) == 0 else [int(a) for a in v]
    if len(seq) == 1:
        return seq[0], seq[0]
    if len(seq) == 2:
        return seq[0], seq[1]
    if len(seq) == 4:
        if seq[0] != 1 or seq[3] != 1:
            raise InvalidArgumentError(f"{op}: {what} must be 1 on the batch and channel dimensions, got {seq}.")
        return seq[1], seq[2]
    raise ValueError(f"{op}: {what} must have 1, 2 or 4 entries, got {v!r}.")


MaxPoolWithArgmax = collections.namedtuple("MaxPoolWithArgmax", ["output", "argmax"])  # TF's result type


def max_pool_with_argmax(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",  # noqa: A002
                         output_dtype: Any = None, include_batch_in_index: bool = False,
                         name: str | None = None) -> tuple[Tensor, Tensor]:
    """2-D max pooling (NHWC) that also returns where each maximum came from: the flat index
    ``((b * height + y) * width + x) * channels + c`` (without the ``b`` term unless ``include_batch_in_index``).
    Ties go to the first pixel of the window in row-major order; the gradient routes to that pixel, as TF's.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.constant([1.0, 5.0, 3.0, 2.0]), [1, 2, 2, 1])
    >>> v, i = tf.nn.max_pool_with_argmax(x, 2, 2, "VALID")
    >>> float(v[0, 0, 0, 0]), int(i[0, 0, 0, 0])
    (5.0, 1)
    """
    op = "max_pool_with_argmax"
    if data_format != "NHWC":
        raise ValueError(f"{op}: only data_format='NHWC' is supported (as in TF), got {data_format!r}.")
    x = to_tensor(input)
    if x._value.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-D [batch, height, width, channels], got shape "
                                   f"{list(x._value.shape)}.")
    k, st = _two(ksize, "ksize", op), _two(strides, "strides", op)
    out_dt = _dtypes.int64 if output_dtype is None else _dtypes.as_dtype(output_dtype)
    if out_dt not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"{op}: output_dtype must be int32 or int64, got {out_dt.name}.")
    _window_argmax(x._value, None, k, st, (1, 1), padding, op)  # (argument errors now, not in a program)
    idx = host_value(lambda v: _window_argmax(v, None, k, st, (1, 1), padding, op)[0], [x])
    values = applyn(GATHER_FLAT, (x, idx))
    n, h, w, c = x._value.shape
    arg = idx if include_batch_in_index else arithmetic.subtract(
        idx, core.constant(np.arange(n, dtype=np.int64)[:, None, None, None] * (h * w * c)))
    return MaxPoolWithArgmax(values, core.cast(arg, out_dt))


def _dilation_args(x: Tensor, w: Tensor, strides: Any, dilations: Any, data_format: str,
                   op: str) -> tuple[tuple[int, int], tuple[int, int]]:
    if data_format != "NHWC":
        raise ValueError(f"{op}: only data_format='NHWC' is supported (as in TF), got {data_format!r}.")
    if x._value.ndim != 4 or w._value.ndim != 3:
        raise InvalidArgumentError(f"{op}: input must be 4-D [batch, height, width, depth] and filters 3-D "
                                   f"[height, width, depth], got {list(x._value.shape)} and {list(w._value.shape)}.")
    if x._value.shape[3] != w._value.shape[2]:
        raise InvalidArgumentError(f"{op}: input depth {x._value.shape[3]} differs from the filters' depth "
                                   f"{w._value.shape[2]}.")
    if x.dtype != w.dtype:
        raise InvalidArgumentError(f"{op}: input ({x.dtype.name}) and filters ({w.dtype.name}) must have one dtype.")
    return _two(strides, "strides", op), _two(dilations, "dilations", op)


def _dilation(x: Tensor, w: Tensor, strides: Any, padding: str, data_format: str, dilations: Any, op: str) -> Tensor:
    st, rt = _dilation_args(x, w, strides, dilations, data_format, op)
    k = tuple(w._value.shape[:2])
    _window_argmax(x._value, w._value, k, st, rt, padding, op)  # (argument errors now, not in a program)
    idx, fidx = host_values(lambda a, b: _window_argmax(a, b, k, st, rt, padding, op), [x, w])
    return arithmetic.add(applyn(GATHER_FLAT, (x, idx)), applyn(GATHER_FLAT, (w, fidx)))


def dilation2d(input: Any, filters: Any, strides: Any, padding: str, data_format: str, dilations: Any,  # noqa: A002
               name: str | None = None) -> Tensor:
    """Grayscale morphological dilation (NHWC): ``out[b, y, x, c] = max over the window of input + filters[dy, dx,
    c]``, taps ``dilations`` apart; ``filters`` is ``[height, width, depth]``. Gradients go to the input pixel and
    the filter tap of the (first) maximum, as in TF.

    >>> import tapegrad as tf
    >>> y = tf.nn.dilation2d(tf.reshape(tf.range(9.0), [1, 3, 3, 1]), tf.zeros([2, 2, 1]), [1, 1, 1, 1], "VALID",
    ...                      "NHWC", [1, 1, 1, 1])
    >>> y[0, :, :, 0].numpy().tolist()
    [[4.0, 5.0], [7.0, 8.0]]
    """
    x, w = to_tensor(input), to_tensor(filters)
    return _dilation(x, w, strides, padding, data_format, dilations, "dilation2d")


def erosion2d(value: Any, filters: Any, strides: Any, padding: str, data_format: str, dilations: Any,
              name: str | None = None) -> Tensor:
    """Grayscale morphological erosion: ``-dilation2d(-value, filters reversed in height and width)``, as TF.

    >>> import tapegrad as tf
    >>> y = tf.nn.erosion2d(tf.reshape(tf.range(1.0, 10.0), [1, 3, 3, 1]), tf.zeros([2, 2, 1]), [1, 1, 1, 1],
    ...                     "VALID", "NHWC", [1, 1, 1, 1])
    >>> y[0, :, :, 0].numpy().tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    """
    x, w = to_tensor(value), to_tensor(filters)
    if data_format != "NHWC":
        raise ValueError(f"erosion2d: only data_format='NHWC' is supported (as in TF), got {data_format!r}.")
    wr = tiling.reverse(w, [0, 1])
    return arithmetic.negative(_dilation(arithmetic.negative(x), wr, strides, padding, data_format, dilations,
                                         "erosion2d"))


# -- isotonic regression --------------------------------------------------------------------------------------------


def _segment_mean_fwd(F: Any, x: Any, seg: Any) -> Any:
    """Each row's values replaced by their segment's mean (``seg``: consecutive ids from 0 per row)."""
    rows = x.reshape(-1, x.shape[-1])
    sg = seg.reshape(-1, seg.shape[-1])
    out = np.empty_like(rows)
    for r in range(rows.shape[0]):
        sums = np.bincount(sg[r], weights=rows[r])
        out[r] = (sums / np.bincount(sg[r]))[sg[r]]
    return out.reshape(x.shape)


# The orthogonal projection onto segment-wise constant rows: linear and self-adjoint, so it is its own VJP; the
# isotonic fit is this projection at the segments the pool-adjacent-violators pass found (TF's gradient, too).
SEGMENT_MEAN = defop(
    "isotonic_segment_mean", _segment_mean_fwd,
    lambda F, g, ins, out, p, needs: (_run(F, SEGMENT_MEAN, g, ins[1]), None),
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, SEGMENT_MEAN, ts[0], ins[1]),
    linear=True,
    test=[spec(lambda tf, x: tf.nn.isotonic_regression(x)[0], lambda rng: (rng.normal(size=(3, 6)),),
               ref=lambda x: _isotonic_ref(x)),
          spec(lambda tf, x: tf.nn.isotonic_regression(x, decreasing=False, axis=0)[0],
               lambda rng: (rng.normal(size=(5, 2)),), ref=lambda x: -_isotonic_ref(-x.T).T, name="increasing_axis0")],
)


def _pav_segments(rows: np.ndarray) -> np.ndarray:
    """Pool adjacent violators for non-increasing fits: a block merges into the previous one while the previous
    mean is strictly smaller (equal means stay apart, as TF's kernel)."""
    seg = np.zeros(rows.shape, np.int32)
    for r, row in enumerate(rows):
        starts: list[int] = []
        sums: list[float] = []
        counts: list[int] = []
        for i, v in enumerate(row.tolist()):
            starts.append(i)
            sums.append(v)
            counts.append(1)
            while len(sums) > 1 and sums[-2] / counts[-2] < sums[-1] / counts[-1]:
                last_sum, last_count = sums.pop(), counts.pop()
                sums[-1] += last_sum
                counts[-1] += last_count
                starts.pop()
        for k, start in enumerate(starts):
            seg[r, start:start + counts[k]] = k
    return seg


def _isotonic_ref(x: np.ndarray) -> np.ndarray:
    """Reference for the specs: the non-increasing least-squares fit by brute force over segmentations' means."""
    from scipy.optimize import isotonic_regression as sk

    return np.stack([sk(row, increasing=False).x for row in x])


def isotonic_regression(inputs: Any, decreasing: bool = True, axis: int = -1) -> Any:
    """Least-squares isotonic fit along ``axis``: the non-increasing (``decreasing=True``) or non-decreasing
    sequence closest to each row, and the int32 ids of its constant segments (pool adjacent violators, TF's
    kernel). float32/16 stay, int8/16 become float32, everything else float64. The gradient averages within
    segments, as TF's.

    >>> import tapegrad as tf
    >>> y, seg = tf.nn.isotonic_regression([[1.0, 3.0, 2.0, 4.0]])
    >>> y.numpy().tolist(), seg.numpy().tolist()
    ([[2.5, 2.5, 2.5, 2.5]], [[0, 0, 0, 0]])
    """
    x = to_tensor(inputs)
    promote = {"float32": _dtypes.float32, "float16": _dtypes.float16, "bfloat16": _dtypes.bfloat16,
               "int8": _dtypes.float32, "int16": _dtypes.float32}
    out_dt = promote.get(x.dtype.name, _dtypes.float64)
    if x._value.ndim == 0:
        raise ValueError("isotonic_regression: inputs must have rank >= 1, got a scalar.")
    ax = axis % x._value.ndim
    moved = x if ax == x._value.ndim - 1 else shape_ops.transpose(
        x, [i for i in range(x._value.ndim) if i != ax] + [ax])
    moved = core.cast(moved, out_dt) if moved.dtype != out_dt else moved

    def segments_of(v: np.ndarray) -> np.ndarray:
        rows = v.astype(np.float64).reshape(-1, v.shape[-1])
        return _pav_segments(rows if decreasing else -rows).reshape(v.shape)

    segments = host_value(segments_of, [moved])  # (recomputed on every run of a compiled function)
    out = applyn(SEGMENT_MEAN, (moved, segments))
    if ax != x._value.ndim - 1:
        perm = list(range(x._value.ndim - 1))
        perm.insert(ax, x._value.ndim - 1)
        out, segments = shape_ops.transpose(out, perm), shape_ops.transpose(segments, perm)
    return _IsotonicRegression(out, segments) if decreasing else (out, segments)


class _IsotonicRegression(tuple):
    """``(output, segments)`` with names, as TF returns for ``decreasing=True``."""

    __slots__ = ()

    def __new__(cls, output: Tensor, segments: Tensor) -> _IsotonicRegression:
        return tuple.__new__(cls, (output, segments))

    output = property(lambda self: self[0])
    segments = property(lambda self: self[1])

    def __repr__(self) -> str:
        return f"IsotonicRegression(output={self[0]!r}, segments={self[1]!r})"


# -- with_space_to_batch, pool, depthwise convolution backprops -----------------------------------------------------


def _adjust(orig: np.ndarray, fill: int, spatial_dims: list[int]) -> np.ndarray:
    """TF's ``_with_space_to_batch_adjust``: ``orig[i]`` at row ``spatial_dims[i] - 1``, ``fill`` elsewhere."""
    out = np.full((max(spatial_dims),) + orig.shape[1:], fill, orig.dtype)
    for i, d in enumerate(spatial_dims):
        out[d - 1] = orig[i]
    return out


def with_space_to_batch(input: Any, dilation_rate: Any, padding: str, op: Any, filter_shape: Any = None,  # noqa: A002
                        spatial_dims: Any = None, data_format: str | None = None) -> Tensor:
    """Run ``op(converted_input, num_spatial_dims, padding)`` as if on an input dilated by ``dilation_rate``: TF's
    space-to-batch trick (pad, ``space_to_batch_nd``, the op with VALID padding, ``batch_to_space``, crop). With
    all rates 1 it is ``op(input, num_spatial_dims, padding)``; SAME padding needs ``filter_shape``.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> pool = lambda t, n, p: tf.nn.max_pool2d(t, 2, 1, p)
    >>> tf.nn.with_space_to_batch(x, [2, 2], "VALID", pool)[0, :, :, 0].numpy().tolist()
    [[10.0, 11.0], [14.0, 15.0]]
    """
    name = "with_space_to_batch"
    x = to_tensor(input)
    rate = np.asarray(dilation_rate, np.int64).reshape(-1)
    n = rate.size
    first = 2 if data_format is not None and data_format.startswith("NC") else 1
    dims = list(range(first, n + first)) if spatial_dims is None else [int(d) for d in spatial_dims]
    if dims != sorted(set(dims)) or any(d < 1 for d in dims):
        raise ValueError(f"{name}: spatial_dims must be increasing positive integers, got {dims}.")
    need = dims[-1] if first == 2 else dims[-1] + 1
    if x._value.ndim < need:
        raise ValueError(f"{name}: input must have rank at least {need}, got shape {list(x._value.shape)}.")
    if (rate < 1).any():
        raise ValueError(f"{name}: dilation_rate must be positive, got {rate.tolist()}.")
    if (rate == 1).all():
        return op(x, n, padding)
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError(f"{name}: filter_shape is needed for padding='SAME'.")
        extra = (np.asarray(filter_shape, np.int64)[:n] - 1) * rate
        base = np.stack([extra // 2, extra - extra // 2], 1)
    elif padding == "VALID":
        base = np.zeros((n, 2), np.int64)
    else:
        raise ValueError(f"{name}: padding must be 'SAME' or 'VALID', got {padding!r}.")
    shape = np.array([x._value.shape[d] for d in dims], np.int64)
    pad_end = base[:, 1] + (-(shape + base[:, 0] + base[:, 1])) % rate
    paddings = np.stack([base[:, 0], pad_end], 1)
    crops = np.stack([np.zeros(n, np.int64), pad_end - base[:, 1]], 1)
    block = _adjust(rate, 1, dims)
    converted = array_ext.space_to_batch_nd(x, block, _adjust(paddings, 0, dims))
    result = op(converted, n, "VALID")
    return array_ext.batch_to_space(result, block, _adjust(crops, 0, dims))


def pool(input: Any, window_shape: Any, pooling_type: str, strides: Any = None, padding: str = "VALID",  # noqa: A002
         data_format: str | None = None, dilations: Any = None, name: str | None = None) -> Tensor:
    """N-D (1-3) max or average pooling over ``window_shape``, with ``strides`` or ``dilations`` (not both > 1;
    dilated pooling goes through :func:`with_space_to_batch` and needs VALID padding), as TF.

    >>> import tapegrad as tf
    >>> tf.nn.pool(tf.reshape(tf.range(8.0), [1, 8, 1]), [2], "MAX", dilations=[2])[0, :, 0].numpy().tolist()
    [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    """
    op = "pool"
    x = to_tensor(input)
    window = [int(w) for w in window_shape]
    n = len(window)
    if not 1 <= n <= 3:
        raise ValueError(f"{op}: window_shape must have 1, 2 or 3 entries, got {window}.")
    if x._value.ndim != n + 2:
        raise ValueError(f"{op}: a {n}-D pooling needs a rank {n + 2} input, got shape {list(x._value.shape)}.")
    for what, v in (("strides", strides), ("dilations", dilations)):
        if v is not None and (np.ndim(v) != 1 or len(v) != n):
            raise TypeError(f"{op}: {what} must be a list of {n} integers (one per window dimension), got {v!r}.")
    st = np.array([1] * n if strides is None else list(strides), np.int64)
    rate = np.array([1] * n if dilations is None else list(dilations), np.int64)
    if (st > 1).any() and (rate > 1).any():
        raise ValueError(f"{op}: strides > 1 cannot be combined with dilations > 1 (got {st.tolist()} and "
                         f"{rate.tolist()}).")
    if padding == "SAME" and (rate > 1).any():
        raise ValueError(f"{op}: padding='SAME' is not implemented for dilations > 1 (as in TF); use 'VALID'.")
    if (st > np.array(window)).any():
        raise ValueError(f"{op}: strides {st.tolist()} larger than window_shape {window} are not supported (as in TF).")
    kind = pooling_type
    if kind not in ("MAX", "AVG"):
        raise ValueError(f"{op}: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}.")
    channels_first = data_format is not None and data_format.startswith("NC")
    if n == 1 and data_format not in (None, "NWC", "NCW"):
        raise ValueError(f"{op}: data_format must be 'NWC' or 'NCW' for 1-D pooling, got {data_format!r}.")
    win = ([1, 1] + window) if channels_first else ([1] + window + [1])
    stv = ([1, 1] + st.tolist()) if channels_first else ([1] + st.tolist() + [1])
    dims = list(range(2, n + 2)) if channels_first else list(range(1, n + 1))
    fmt = ("NCHW" if channels_first else "NHWC") if n == 1 else data_format

    def run(t: Tensor, _: int, pad: str) -> Tensor:
        if n == 1:
            t = shape_ops.expand_dims(t, dims[0])
            w2, s2 = [1] + win, [1] + stv
        else:
            w2, s2 = win, stv
        if n == 3:
            fn = pooling.max_pool3d if kind == "MAX" else pooling.avg_pool3d
            res = fn(t, w2, s2, pad, fmt or "NDHWC")
        else:
            fn = pooling.max_pool if kind == "MAX" else pooling.avg_pool
            res = fn(t, w2, s2, pad, fmt)
        return shape_ops.squeeze(res, [dims[0]]) if n == 1 else res

    return with_space_to_batch(x, rate, padding, run, filter_shape=window, spatial_dims=dims)


def _depthwise_grads(x_shape: Any, filt: Any, out_backprop: Any, strides: Any, padding: Any, data_format: str,
                     dilations: Any, wrt_input: bool, fixed: Any = None) -> Tensor:
    """The VJP of ``depthwise_conv2d`` with respect to its input (or filter) at ``out_backprop``: linear in the
    other argument, so it is the gradient at a zero point, and an outer tape differentiates it again."""
    from .. import gradient_tape

    dil = [1, 1, 1, 1] if dilations is None else [int(d) for d in dilations]
    rate = dil[2:] if data_format.startswith("NC") else dil[1:3]
    g = to_tensor(out_backprop)
    if wrt_input:
        f = to_tensor(filt)
        var = core.zeros([int(v) for v in np.asarray(to_tensor(x_shape)._value)], f.dtype)
    else:
        f = None
        var = core.zeros([int(v) for v in np.asarray(to_tensor(x_shape)._value)], g.dtype)
        fixed = to_tensor(fixed)
    with gradient_tape.GradientTape() as tape:
        tape.watch(var)
        y = _conv.depthwise_conv2d(var, f, strides, padding, data_format, rate) if wrt_input else \
            _conv.depthwise_conv2d(fixed, var, strides, padding, data_format, rate)
    return tape.gradient(y, var, output_gradients=g)


def depthwise_conv2d_backprop_input(input_sizes: Any, filter: Any, out_backprop: Any, strides: Any,  # noqa: A002
                                    padding: Any, data_format: str = "NHWC", dilations: Any = None,
                                    name: str | None = None) -> Tensor:
    """The gradient of :func:`tf.nn.depthwise_conv2d` with respect to its input, for an input of shape
    ``input_sizes``, given ``out_backprop`` (differentiable in ``filter`` and ``out_backprop``).

    >>> import tapegrad as tf
    >>> g = tf.nn.depthwise_conv2d_backprop_input([1, 3, 3, 1], tf.ones([2, 2, 1, 1]), tf.ones([1, 2, 2, 1]),
    ...                                          [1, 1, 1, 1], "VALID")
    >>> g[0, :, :, 0].numpy().tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    return _depthwise_grads(input_sizes, filter, out_backprop, strides, padding, data_format, dilations, True)


def depthwise_conv2d_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any, strides: Any,  # noqa: A002
                                     padding: Any, data_format: str = "NHWC", dilations: Any = None,
                                     name: str | None = None) -> Tensor:
    """The gradient of :func:`tf.nn.depthwise_conv2d` with respect to its filter of shape ``filter_sizes``, given
    ``input`` and ``out_backprop`` (differentiable in both).

    >>> import tapegrad as tf
    >>> g = tf.nn.depthwise_conv2d_backprop_filter(tf.ones([1, 3, 3, 1]), [2, 2, 1, 1], tf.ones([1, 2, 2, 1]),
    ...                                           [1, 1, 1, 1], "VALID")
    >>> g[:, :, 0, 0].numpy().tolist()
    [[4.0, 4.0], [4.0, 4.0]]
    """
    return _depthwise_grads(filter_sizes, None, out_backprop, strides, padding, data_format, dilations, False,
                            fixed=input)


# -- fractional pooling -----------------------------------------------------------------------------------------------

FractionalMaxPool = collections.namedtuple("FractionalMaxPool",
                                           ["output", "row_pooling_sequence", "col_pooling_sequence"])
FractionalAvgPool = collections.namedtuple("FractionalAvgPool",
                                           ["output", "row_pooling_sequence", "col_pooling_sequence"])


def _pooling_sequence(n_in: int, n_out: int, rnd: Any, pseudo_random: bool) -> np.ndarray:
    """TF's ``GeneratePoolingSequence``: region boundaries ``0 = s_0 < ... < s_out = n_in`` from the kernel's
    Philox stream (``rnd`` reads it; ``None``: NumPy's generator for an unseeded call)."""
    if n_in % n_out == 0:
        diff = np.full(n_out, n_in // n_out, np.int64)
    elif pseudo_random:
        alpha = n_in / n_out
        k = n_in // n_out
        max_u = min((k + 2) / alpha - 1, (n_in + 1 - k) / alpha - (n_out - 1))
        u = rnd[0].rand_double() if rnd[0] is not None else rnd[1].random()
        cum = np.empty(n_out + 1, np.int64)
        cum[0], cum[n_out] = 1, n_in + 1
        cum[1:n_out] = np.ceil(alpha * (np.arange(1, n_out) + u * max_u)).astype(np.int64)
        diff = np.diff(cum)
    else:
        diff = np.full(n_out, n_in // n_out, np.int64)
        diff[: n_in % n_out] += 1
        for i in range(n_out - 1):  # TF's RandomShuffle: swap i with i + (word % (n - i))
            j = i + ((rnd[0].rand32() if rnd[0] is not None else int(rnd[1].integers(2**32))) % (n_out - i))
            diff[i], diff[j] = diff[j], diff[i]
    return np.concatenate([[0], np.cumsum(diff)]).astype(np.int64)


def _fractional_setup(value: Any, pooling_ratio: Any, pseudo_random: bool, overlapping: bool, seed: int,
                      op: str) -> tuple[Tensor, np.ndarray, np.ndarray]:
    x = to_tensor(value)
    if x._value.ndim != 4:
        raise InvalidArgumentError(f"{op}: value must be 4-D [batch, height, width, channels], got shape "
                                   f"{list(x._value.shape)}.")
    # TF's max pool takes a scalar or 4 entries (ValueError otherwise); its avg pool only a 4-entry list
    if np.ndim(pooling_ratio) == 0:
        if op == "FractionalAvgPool":
            raise TypeError(f"{op}: pooling_ratio must be a list [1.0, rows, cols, 1.0], got {pooling_ratio!r}.")
        ratio = [1.0, float(pooling_ratio), float(pooling_ratio), 1.0]
    else:
        ratio = [float(r) for r in pooling_ratio]
    if len(ratio) != 4:
        err = InvalidArgumentError if op == "FractionalAvgPool" else ValueError
        raise err(f"{op}: pooling_ratio must have 4 entries [1.0, rows, cols, 1.0], got {pooling_ratio!r}.")
    if ratio[0] != 1.0 or ratio[3] != 1.0:
        raise ValueError(f"{op}: only rows and columns can be pooled: pooling_ratio must be 1.0 on the batch "
                                   f"and channel dimensions, got {ratio}.")
    if min(ratio) < 1.0:
        raise ValueError(f"{op}: pooling_ratio entries must be >= 1.0, got {ratio}.")
    shape = x._value.shape
    out = [int(math.floor(shape[i] / ratio[i])) for i in (1, 2)]
    if min(out) <= 0:
        raise InvalidArgumentError(f"{op}: the pooled size {out} of the {list(shape[1:3])} input must be positive.")
    if seed:  # TF re-seeds the kernel's Philox generator with get_seed(seed) on every call
        g, o = random_ops.get_seed(seed)
        st: Any = _philox.KernelState(int(g), int(o))
    else:
        st = np.random.default_rng()  # seed 0: nondeterministic, as TF (which ignores the global seed here)
    if type(st) is _philox.KernelState:
        calls = (lambda n: 1) if pseudo_random else (lambda n: (n + 3) // 4)  # ReserveSamples32(2) / (n)
        seqs = []
        for n_in, n_out in zip(shape[1:3], out):
            if n_in % n_out == 0:
                seqs.append(_pooling_sequence(n_in, n_out, (None, None), pseudo_random))
                continue
            rnd = random_candidates._SimplePhilox(st.reserve(calls(n_out)), st.key)
            seqs.append(_pooling_sequence(n_in, n_out, (rnd, None), pseudo_random))
    else:
        seqs = [_pooling_sequence(n_in, n_out, (None, st), pseudo_random) for n_in, n_out in zip(shape[1:3], out)]
    return x, seqs[0], seqs[1]


def _regions(seq: np.ndarray, size: int, overlapping: bool) -> list[tuple[int, int]]:
    """Inclusive ``(start, end)`` rows of each region (overlapping regions share their boundary row)."""
    return [(int(seq[i]), min(int(seq[i + 1]) - (0 if overlapping else 1), size - 1)) for i in range(len(seq) - 1)]


def fractional_max_pool(value: Any, pooling_ratio: Any, pseudo_random: bool = False, overlapping: bool = False,
                        seed: int = 0, name: str | None = None) -> FractionalMaxPool:
    """Fractional max pooling (Graham 2015): rows and columns are cut into ``floor(size / ratio)`` regions of
    random sizes (TF's pseudo-random or random sequences; with ``seed != 0`` TF's Philox stream for that seed, so
    the regions are TF's), the maximum of each region taken. Returns ``(output, row_pooling_sequence,
    col_pooling_sequence)``; the gradient goes to the first maximum of each region.

    >>> import tapegrad as tf
    >>> out = tf.nn.fractional_max_pool(tf.reshape(tf.range(30.0), [1, 5, 6, 1]), [1.0, 1.6, 1.5, 1.0], seed=3)
    >>> out.row_pooling_sequence.numpy().tolist(), out.col_pooling_sequence.numpy().tolist()
    ([0, 1, 3, 5], [0, 1, 3, 4, 6])
    """
    op = "FractionalMaxPool"
    x, rows, cols = _fractional_setup(value, pooling_ratio, pseudo_random, overlapping, seed, op)
    n, h, w, c = x._value.shape
    rr, cc = _regions(rows, h, overlapping), _regions(cols, w, overlapping)

    def positions(v: np.ndarray) -> np.ndarray:
        idx = np.empty((n, len(rr), len(cc), c), np.int64)
        b = np.arange(n)[:, None]
        ch = np.arange(c)[None, :]
        for i, (r0, r1) in enumerate(rr):
            for j, (c0, c1) in enumerate(cc):
                sub = v[:, r0:r1 + 1, c0:c1 + 1, :].reshape(n, -1, c)
                k = np.argmax(sub, axis=1)  # first maximum in row-major order
                y, xx = r0 + k // (c1 - c0 + 1), c0 + k % (c1 - c0 + 1)
                idx[:, i, j, :] = ((b * h + y) * w + xx) * c + ch
        return idx

    idx = host_value(positions, [x])
    return FractionalMaxPool(applyn(GATHER_FLAT, (x, idx)), core.constant(rows), core.constant(cols))


def fractional_avg_pool(value: Any, pooling_ratio: Any, pseudo_random: bool = False, overlapping: bool = False,
                        seed: int = 0, name: str | None = None) -> FractionalAvgPool:
    """Fractional average pooling: the regions of :func:`fractional_max_pool`, each averaged (a linear map, so the
    gradient spreads evenly over each region, as TF's).

    >>> import tapegrad as tf
    >>> out = tf.nn.fractional_avg_pool(tf.ones([1, 5, 5, 1]), [1.0, 2.0, 2.0, 1.0], seed=1)
    >>> out.output.shape
    TensorShape([1, 2, 2, 1])
    """
    op = "FractionalAvgPool"
    x, rows, cols = _fractional_setup(value, pooling_ratio, pseudo_random, overlapping, seed, op)
    _, h, w, _ = x._value.shape

    def averaging(seq: np.ndarray, size: int) -> np.ndarray:
        m = np.zeros((len(seq) - 1, size), x._value.dtype)
        for i, (a, b) in enumerate(_regions(seq, size, overlapping)):
            m[i, a:b + 1] = 1.0 / (b - a + 1)
        return m

    out = linalg_ops.einsum("ih,bhwc,jw->bijc", core.constant(averaging(rows, h)), x,
                            core.constant(averaging(cols, w)))
    return FractionalAvgPool(out, core.constant(rows), core.constant(cols))


def general_dropout(x: Any, rate: Any, uniform_sampler: Any, noise_shape: Any = None,
                    name: str | None = None) -> Tensor:
    """Dropout whose uniform ``[0, 1)`` noise comes from ``uniform_sampler(shape=..., dtype=...)`` (any sampler,
    e.g. a ``tf.random.Generator``'s ``uniform``): elements whose noise is below ``rate`` become 0, the rest are
    scaled by ``1 / (1 - rate)``, as ``tf.nn.experimental.general_dropout``.

    >>> import tapegrad as tf
    >>> ones = lambda shape, dtype: tf.fill(shape, tf.constant(0.7, dtype))
    >>> tf.nn.experimental.general_dropout(tf.ones([3]), 0.5, ones).numpy().tolist()
    [2.0, 2.0, 2.0]
    """
    return dropout._dropout(x, rate, noise_shape,
                            lambda ns, dt: uniform_sampler(shape=list(ns), dtype=_dtypes.as_dtype(dt)))


EXPORTS: dict[str, list[str]] = {
    "nn": ["space_to_depth", "depth_to_space", "convolution", "conv_transpose", "atrous_conv2d_transpose", "crelu",
           "log_poisson_loss", "sufficient_statistics", "normalize_moments", "weighted_moments",
           "batch_norm_with_global_normalization", "zero_fraction", "nce_loss", "sampled_softmax_loss",
           "max_pool_with_argmax", "dilation2d", "erosion2d", "isotonic_regression",
           "with_space_to_batch", "pool", "depthwise_conv2d_backprop_input", "depthwise_conv2d_backprop_filter",
           "fractional_max_pool", "fractional_avg_pool"],
    "nn.experimental": ["general_dropout"],
}
