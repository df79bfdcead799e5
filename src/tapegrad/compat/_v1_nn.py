"""TF 1 versions of ``tf.compat.v1.nn``/``losses``/``math``/``sparse``/``strings``/``io``/``debugging``/``image``
names whose signatures differ from TF 2's (``keep_prob``, ``dim``, ``value``/``filter`` spellings,
``keep_dims``, ...) and TF 1's ``losses`` (their reductions: ``SUM_BY_NONZERO_WEIGHTS`` by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tapegrad as tf

from ._v1_ops import _keep, pick

# -- nn ------------------------------------------------------------------------------------------------------------

def dropout(x: Any, keep_prob: Any = None, noise_shape: Any = None, seed: Any = None, name: str | None = None,
            rate: Any = None) -> Any:
    """TF 1's ``dropout``: ``keep_prob`` (deprecated) is ``1 - rate``."""
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("You cannot specify both 'rate' and 'keep_prob'.")
        rate = 1 - keep_prob
    if rate is None:
        raise ValueError(f"You must provide a rate to dropout, got {rate}")
    return tf.nn.dropout(x, rate, noise_shape=noise_shape, seed=seed)


def softmax(logits: Any, axis: Any = None, name: str | None = None, dim: Any = None) -> Any:
    """TF 1's ``softmax`` (``dim`` for ``axis``)."""
    axis = pick("axis", axis, "dim", dim)
    return tf.nn.softmax(logits, axis=-1 if axis is None else axis)


def log_softmax(logits: Any, axis: Any = None, name: str | None = None, dim: Any = None) -> Any:
    """TF 1's ``log_softmax`` (``dim`` for ``axis``)."""
    axis = pick("axis", axis, "dim", dim)
    return tf.nn.log_softmax(logits, axis=-1 if axis is None else axis)


def softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None, dim: int = -1, name: str | None = None,
                                      axis: Any = None) -> Any:
    """TF 1's (deprecated) version: no gradient flows into ``labels``."""
    axis = pick("axis", axis, "dim", dim if dim != -1 else None)
    return tf.nn.softmax_cross_entropy_with_logits(tf.stop_gradient(labels), logits,
                                                   axis=-1 if axis is None else axis)


def softmax_cross_entropy_with_logits_v2(labels: Any, logits: Any, axis: Any = None, name: str | None = None,
                                         dim: Any = None) -> Any:
    """TF 1's name of TF 2's ``softmax_cross_entropy_with_logits`` (``dim`` for ``axis``)."""
    axis = pick("axis", axis, "dim", dim)
    return tf.nn.softmax_cross_entropy_with_logits(labels, logits, axis=-1 if axis is None else axis)


def sparse_softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Any:
    """TF 1's ``sparse_softmax_cross_entropy_with_logits`` (keyword arguments)."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Any:
    """TF 1's ``sigmoid_cross_entropy_with_logits``."""
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def weighted_cross_entropy_with_logits(labels: Any = None, logits: Any = None, pos_weight: Any = None,
                                       name: str | None = None, targets: Any = None) -> Any:
    """TF 1's version (``targets`` for ``labels``)."""
    return tf.nn.weighted_cross_entropy_with_logits(pick("labels", labels, "targets", targets), logits, pos_weight)


def moments(x: Any, axes: Any, shift: Any = None, name: str | None = None, keep_dims: Any = None,
            keepdims: Any = None) -> Any:
    """TF 1's ``moments`` (``keep_dims``): ``(mean, variance)``."""
    return tf.nn.moments(x, axes, keepdims=_keep(keepdims, keep_dims))


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, name: str | None = None, keep_dims: Any = None,
                     keepdims: Any = None) -> Any:
    """TF 1's ``weighted_moments`` (``keep_dims``)."""
    return tf.nn.weighted_moments(x, axes, frequency_weights, keepdims=_keep(keepdims, keep_dims))


def sufficient_statistics(x: Any, axes: Any, shift: Any = None, keep_dims: Any = None, name: str | None = None,
                          keepdims: Any = None) -> Any:
    """TF 1's ``sufficient_statistics`` (``keep_dims``)."""
    return tf.nn.sufficient_statistics(x, axes, shift=shift, keepdims=_keep(keepdims, keep_dims))


def max_pool(value: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC", name: str | None = None,
             input: Any = None) -> Any:  # noqa: A002
    """TF 1's ``max_pool(value, ...)`` (``input`` accepted)."""
    return tf.nn.max_pool2d(pick("input", input, "value", value), ksize, strides, padding, data_format=data_format)


def avg_pool(value: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC", name: str | None = None,
             input: Any = None) -> Any:  # noqa: A002
    """TF 1's ``avg_pool(value, ...)`` (``input`` accepted)."""
    return tf.nn.avg_pool2d(pick("input", input, "value", value), ksize, strides, padding, data_format=data_format)


def conv1d(value: Any = None, filters: Any = None, stride: Any = None, padding: Any = None,
           use_cudnn_on_gpu: Any = None, data_format: Any = None, name: str | None = None, input: Any = None,  # noqa: A002
           dilations: Any = None) -> Any:
    """TF 1's ``conv1d(value, filters, stride, padding)``."""
    return tf.nn.conv1d(pick("input", input, "value", value), filters, stride, padding,
                        data_format=data_format or "NWC", dilations=dilations)


def conv2d(input: Any, filter: Any = None, strides: Any = None, padding: Any = None,  # noqa: A002
           use_cudnn_on_gpu: bool = True, data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1),
           name: str | None = None, filters: Any = None) -> Any:
    """TF 1's ``conv2d(input, filter, strides, padding, use_cudnn_on_gpu, ...)``."""
    return tf.nn.conv2d(input, pick("filters", filters, "filter", filter), strides, padding, data_format=data_format,
                        dilations=list(dilations))


def conv2d_transpose(value: Any = None, filter: Any = None, output_shape: Any = None,  # noqa: A002
                     strides: Any = None, padding: str = "SAME", data_format: str = "NHWC", name: str | None = None,
                     input: Any = None, filters: Any = None, dilations: Any = None) -> Any:  # noqa: A002
    """TF 1's ``conv2d_transpose(value, filter, output_shape, strides, padding)``."""
    return tf.nn.conv2d_transpose(pick("input", input, "value", value), pick("filters", filters, "filter", filter),
                                  output_shape, strides, padding=padding, data_format=data_format,
                                  dilations=dilations)


def conv3d(input: Any, filter: Any = None, strides: Any = None, padding: Any = None,  # noqa: A002
           data_format: str = "NDHWC", dilations: Any = (1, 1, 1, 1, 1), name: str | None = None,
           filters: Any = None) -> Any:
    """TF 1's ``conv3d(input, filter, strides, padding)``."""
    return tf.nn.conv3d(input, pick("filters", filters, "filter", filter), strides, padding, data_format=data_format,
                        dilations=list(dilations))


def convolution(input: Any, filter: Any, padding: Any, strides: Any = None, dilation_rate: Any = None,  # noqa: A002
                name: str | None = None, data_format: Any = None, filters: Any = None, dilations: Any = None) -> Any:
    """TF 1's ``convolution(input, filter, padding, strides, dilation_rate)``."""
    return tf.nn.convolution(input, pick("filters", filters, "filter", filter), strides=strides, padding=padding,
                             data_format=data_format, dilations=pick("dilations", dilations, "dilation_rate",
                                                                     dilation_rate))


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: Any, rate: Any = None,  # noqa: A002
                     name: str | None = None, data_format: Any = None, dilations: Any = None) -> Any:
    """TF 1's ``depthwise_conv2d`` (``rate`` for ``dilations``)."""
    return tf.nn.depthwise_conv2d(input, filter, strides, padding, data_format=data_format,
                                  dilations=pick("dilations", dilations, "rate", rate))


def separable_conv2d(input: Any, depthwise_filter: Any, pointwise_filter: Any, strides: Any,  # noqa: A002
                     padding: Any, rate: Any = None, name: str | None = None, data_format: Any = None,
                     dilations: Any = None) -> Any:
    """TF 1's ``separable_conv2d`` (``rate`` for ``dilations``)."""
    return tf.nn.separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                                  data_format=data_format, dilations=pick("dilations", dilations, "rate", rate))


def crelu(features: Any, name: str | None = None, axis: int = -1) -> Any:
    """TF 1's ``crelu(features, name, axis)``."""
    return tf.nn.crelu(features, axis=axis)


def embedding_lookup(params: Any, ids: Any, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm: Any = None) -> Any:
    """TF 1's ``embedding_lookup`` (one params tensor, or a list sharded by ``partition_strategy``)."""
    if isinstance(params, (list, tuple)) and len(params) > 1:
        return _sharded_lookup(params, ids, partition_strategy, max_norm)
    if isinstance(params, (list, tuple)):
        params = params[0]
    return tf.nn.embedding_lookup(params, ids, max_norm=max_norm)


def _sharded_lookup(params: Any, ids: Any, strategy: str, max_norm: Any) -> Any:
    """Rows of a table split over ``params`` shards: ``"mod"`` puts id ``i`` in shard ``i % n`` (row ``i // n``),
    ``"div"`` in contiguous blocks (the first ``total % n`` shards one row longer), as TF 1."""
    n = len(params)
    ids = tf.convert_to_tensor(ids)
    total = sum(int(p.shape[0]) for p in params)
    if strategy == "mod":
        shard, row = ids % n, ids // n
    elif strategy == "div":
        per, extra = divmod(total, n)
        cut = extra * (per + 1)
        shard = tf.where(ids < cut, ids // (per + 1), (ids - cut) // max(per, 1) + extra)
        row = tf.where(ids < cut, ids % (per + 1), (ids - cut) % max(per, 1))
    else:
        raise ValueError(f"Unrecognized partition strategy: {strategy}")
    table = tf.concat([tf.convert_to_tensor(p) for p in params], axis=0)
    offsets = tf.constant([0] + [int(p.shape[0]) for p in params[:-1]], ids.dtype)
    offsets = tf.math.cumsum(offsets)
    return tf.nn.embedding_lookup(table, tf.gather(offsets, shard) + row, max_norm=max_norm)


def relu_layer(x: Any, weights: Any, biases: Any, name: str | None = None) -> Any:
    """``relu(x @ weights + biases)``."""
    return tf.nn.relu(tf.nn.bias_add(tf.matmul(x, weights), biases))


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Any:
    """``x @ weights + biases``."""
    return tf.nn.bias_add(tf.matmul(x, weights), biases)


def fused_batch_norm(x: Any, scale: Any, offset: Any, mean: Any = None, variance: Any = None, epsilon: float = 0.001,
                     data_format: str = "NHWC", is_training: bool = True, name: str | None = None,
                     exponential_avg_factor: float = 1.0) -> tuple[Any, Any, Any]:
    """TF 1's ``fused_batch_norm``: ``(y, batch_mean, batch_variance)`` in training (the returned variance is the
    unbiased one, as TF's kernel; with ``exponential_avg_factor`` < 1 blended into ``mean``/``variance``), or the
    normalisation by the given ``mean``/``variance`` at inference."""
    x = tf.convert_to_tensor(x)
    axes = [0, 1, 2] if data_format in ("NHWC", "NDHWC") and x.shape.rank == 4 else \
        [0, 1, 2, 3] if data_format == "NDHWC" else [0, 2, 3] if data_format == "NCHW" else [0, 2, 3, 4]
    channel = -1 if data_format.endswith("C") else 1
    shape = [1] * x.shape.rank
    shape[channel] = -1
    if is_training:
        m, v = tf.nn.moments(x, axes)
        n = 1
        for a in axes:
            n *= int(x.shape[a])
        y = tf.nn.batch_normalization(x, tf.reshape(m, shape), tf.reshape(v, shape), tf.reshape(offset, shape),
                                      tf.reshape(scale, shape), epsilon)
        unbiased = v * (n / max(n - 1, 1))
        if exponential_avg_factor != 1.0 and mean is not None and variance is not None:
            f = exponential_avg_factor
            return y, (1 - f) * mean + f * m, (1 - f) * variance + f * unbiased
        return y, m, unbiased
    if mean is None or variance is None:
        raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False.")
    y = tf.nn.batch_normalization(x, tf.reshape(mean, shape), tf.reshape(variance, shape), tf.reshape(offset, shape),
                                  tf.reshape(scale, shape), epsilon)
    return y, tf.convert_to_tensor(mean), tf.convert_to_tensor(variance)


def batch_norm_with_global_normalization(t: Any = None, m: Any = None, v: Any = None, beta: Any = None,
                                         gamma: Any = None, variance_epsilon: Any = None,
                                         scale_after_normalization: Any = None, name: str | None = None,
                                         input: Any = None, mean: Any = None, variance: Any = None) -> Any:  # noqa: A002
    """TF 1's ``batch_norm_with_global_normalization``: ``(x - m)/sqrt(v + eps)·gamma + beta`` (gamma only with
    ``scale_after_normalization``)."""
    x = pick("input", input, "t", t)
    mu, var = pick("mean", mean, "m", m), pick("variance", variance, "v", v)
    return tf.nn.batch_normalization(x, mu, var, beta, gamma if scale_after_normalization else None,
                                     variance_epsilon)


# -- math / linalg / random / strings / sparse / io ----------------------------------------------------------------

def bincount(arr: Any, weights: Any = None, minlength: Any = None, maxlength: Any = None,
             dtype: Any = tf.int32) -> Any:
    """TF 1's ``bincount`` (its argument order)."""
    return tf.math.bincount(arr, weights=weights, minlength=minlength, maxlength=maxlength, dtype=dtype)


def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None, dtype: Any = tf.int32,
                     name: str | None = None, weights: Any = None) -> Any:
    """TF 1's ``confusion_matrix`` (its argument order)."""
    return tf.math.confusion_matrix(labels, predictions, num_classes=num_classes, weights=weights, dtype=dtype)


def in_top_k(predictions: Any, targets: Any, k: Any, name: str | None = None) -> Any:
    """TF 1's ``in_top_k(predictions, targets, k)`` (TF 2 takes ``targets`` first)."""
    return tf.math.in_top_k(targets, predictions, k)


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Any:
    """TF 1's ``linalg.transpose``."""
    return tf.linalg.matrix_transpose(a, conjugate=conjugate)


def get_seed(op_seed: Any) -> Any:
    """TF's ``(global seed, op seed)`` pair for an op seed (``tf.random.get_seed``)."""
    from ..random import get_seed as _get

    return _get(op_seed)


def stateless_multinomial(logits: Any, num_samples: Any, seed: Any, output_dtype: Any = tf.int64,
                          name: str | None = None) -> Any:
    """TF 1's ``stateless_multinomial``: ``stateless_categorical``."""
    return tf.random.stateless_categorical(logits, num_samples, seed, dtype=output_dtype)


def string_length(input: Any, name: str | None = None, unit: str = "BYTE") -> Any:  # noqa: A002
    """TF 1's ``strings.length``."""
    return tf.strings.length(input, unit=unit)


def substr(input: Any, pos: Any, len: Any, name: str | None = None, unit: str = "BYTE") -> Any:  # noqa: A002
    """TF 1's ``substr(input, pos, len)``."""
    return tf.strings.substr(input, pos, len, unit=unit)


def string_to_number(string_tensor: Any = None, out_type: Any = tf.float32, name: str | None = None,
                     input: Any = None) -> Any:  # noqa: A002
    """TF 1's ``string_to_number``."""
    return tf.strings.to_number(pick("input", input, "string_tensor", string_tensor), out_type=out_type)


def string_to_hash_bucket(string_tensor: Any = None, num_buckets: Any = None, name: str | None = None,
                          input: Any = None) -> Any:  # noqa: A002
    """TF 1's ``string_to_hash_bucket``."""
    return tf.strings.to_hash_bucket(pick("input", input, "string_tensor", string_tensor), num_buckets)


def string_split(source: Any, sep: Any = None, skip_empty: bool = True, delimiter: Any = None,
                 result_type: str = "SparseTensor", name: str | None = None) -> Any:
    """TF 1's ``string_split``: split on any of the characters of ``delimiter`` (default space), dropping empty
    pieces with ``skip_empty``; a SparseTensor (or RaggedTensor with ``result_type="RaggedTensor"``)."""
    sep = pick("sep", sep, "delimiter", delimiter)
    sep = " " if sep is None else sep
    values = [s.decode() if isinstance(s, bytes) else s for s in tf.convert_to_tensor(source).numpy().tolist()]
    rows = []
    for s in values:
        if sep == "":
            parts = list(s)
        else:
            parts, cur = [], ""
            for ch in s:
                if ch in sep:
                    parts.append(cur)
                    cur = ""
                else:
                    cur += ch
            parts.append(cur)
        rows.append([p for p in parts if p or not skip_empty])
    ragged = tf.ragged.constant(rows, dtype=tf.string) if any(rows) else \
        tf.RaggedTensor.from_row_lengths(tf.constant([], tf.string), [0] * len(rows))
    return ragged if result_type == "RaggedTensor" else ragged.to_sparse()


def strings_split(input: Any = None, sep: Any = None, maxsplit: int = -1,  # noqa: A002
                  result_type: str = "SparseTensor", source: Any = None, name: str | None = None) -> Any:
    """TF 1's ``strings.split``: TF 2's split, as a SparseTensor by default."""
    ragged = tf.strings.split(pick("input", input, "source", source), sep=sep, maxsplit=maxsplit)
    return ragged if result_type == "RaggedTensor" else ragged.to_sparse()


def _sparse_reduction(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def reduce(sp_input: Any, axis: Any = None, keepdims: Any = None, reduction_axes: Any = None,
               keep_dims: Any = None) -> Any:
        return fn(sp_input, axis=pick("axis", axis, "reduction_axes", reduction_axes),
                  keepdims=_keep(keepdims, keep_dims))

    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = f"TF 1's ``{name}`` (``reduction_axes``, ``keep_dims``)."
    return reduce


sparse_reduce_sum = _sparse_reduction(tf.sparse.reduce_sum, "sparse_reduce_sum")
sparse_reduce_max = _sparse_reduction(tf.sparse.reduce_max, "sparse_reduce_max")


def sparse_reduce_sum_sparse(sp_input: Any, axis: Any = None, keepdims: Any = None, reduction_axes: Any = None,
                             keep_dims: Any = None) -> Any:
    """TF 1's ``sparse_reduce_sum_sparse``."""
    return tf.sparse.reduce_sum(sp_input, axis=pick("axis", axis, "reduction_axes", reduction_axes),
                                keepdims=_keep(keepdims, keep_dims), output_is_sparse=True)


def sparse_reduce_max_sparse(sp_input: Any, axis: Any = None, keepdims: Any = None, reduction_axes: Any = None,
                             keep_dims: Any = None) -> Any:
    """TF 1's ``sparse_reduce_max_sparse``."""
    return tf.sparse.reduce_max(sp_input, axis=pick("axis", axis, "reduction_axes", reduction_axes),
                                keepdims=_keep(keepdims, keep_dims), output_is_sparse=True)


def sparse_add(a: Any, b: Any, threshold: Any = None, thresh: Any = None) -> Any:
    """TF 1's ``sparse_add`` (``thresh``)."""
    t = pick("threshold", threshold, "thresh", thresh)
    return tf.sparse.add(a, b, threshold=0 if t is None else t)


def sparse_concat(axis: Any, sp_inputs: Any, name: str | None = None, expand_nonconcat_dim: bool = False,
                  concat_dim: Any = None, expand_nonconcat_dims: Any = None) -> Any:
    """TF 1's ``sparse_concat(axis, sp_inputs, ...)`` (``concat_dim``)."""
    expand = pick("expand_nonconcat_dims", expand_nonconcat_dims, "expand_nonconcat_dim", expand_nonconcat_dim)
    return tf.sparse.concat(pick("axis", axis, "concat_dim", concat_dim), sp_inputs, expand_nonconcat_dims=bool(expand))


def sparse_split(keyword_required: Any = None, sp_input: Any = None, num_split: Any = None, axis: Any = None,
                 name: str | None = None, split_dim: Any = None) -> Any:
    """TF 1's ``sparse_split`` (keyword arguments; ``split_dim``)."""
    if keyword_required is not None:
        raise ValueError("Keyword arguments are required for this function.")
    return tf.sparse.split(sp_input=sp_input, num_split=num_split, axis=pick("axis", axis, "split_dim", split_dim))


def _segment(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def segment(data: Any, indices: Any, segment_ids: Any, name: str | None = None, num_segments: Any = None,
                sparse_gradient: bool = False) -> Any:
        return fn(data, indices, segment_ids, num_segments=num_segments)

    segment.__name__ = segment.__qualname__ = name
    segment.__doc__ = f"TF 1's ``{name}(data, indices, segment_ids, name, num_segments)``."
    return segment


sparse_segment_sum = _segment(tf.sparse.segment_sum, "sparse_segment_sum")
sparse_segment_mean = _segment(tf.sparse.segment_mean, "sparse_segment_mean")
sparse_segment_sqrt_n = _segment(tf.sparse.segment_sqrt_n, "sparse_segment_sqrt_n")


def sparse_to_dense(sparse_indices: Any, output_shape: Any, sparse_values: Any, default_value: Any = 0,
                    validate_indices: bool = True, name: str | None = None) -> Any:
    """TF 1's ``sparse_to_dense``: a dense tensor with ``sparse_values`` (or one scalar) at ``sparse_indices``."""
    idx = tf.convert_to_tensor(sparse_indices)
    if idx.shape.rank == 0:
        idx = tf.reshape(idx, [1, 1])
    elif idx.shape.rank == 1:
        idx = tf.expand_dims(idx, 1)
    vals = tf.convert_to_tensor(sparse_values)
    if vals.shape.rank == 0:
        vals = tf.fill([int(idx.shape[0])], vals)
    st = tf.sparse.reorder(tf.SparseTensor(tf.cast(idx, tf.int64), vals,
                                           tf.cast(tf.reshape(output_shape, [-1]), tf.int64)))
    return tf.sparse.to_dense(st, default_value=default_value, validate_indices=validate_indices)


def decode_raw(input_bytes: Any = None, out_type: Any = None, little_endian: bool = True, name: str | None = None,
               bytes: Any = None) -> Any:  # noqa: A002
    """TF 1's ``decode_raw`` (``bytes`` for ``input_bytes``)."""
    return tf.io.decode_raw(pick("input_bytes", input_bytes, "bytes", bytes), out_type, little_endian=little_endian)


def parse_example(serialized: Any, features: Any, name: str | None = None, example_names: Any = None) -> Any:
    """TF 1's ``parse_example``."""
    return tf.io.parse_example(serialized, features)


def parse_single_example(serialized: Any, features: Any, name: str | None = None, example_names: Any = None) -> Any:
    """TF 1's ``parse_single_example``."""
    return tf.io.parse_single_example(serialized, features)


# -- debugging (TF 1's argument order: data, summarize before message) ---------------------------------------------

def _assert(fn: Callable[..., Any], n: int, name: str) -> Callable[..., Any]:
    def check(*args: Any, data: Any = None, summarize: Any = None, message: Any = None, name: str | None = None,
              **kwargs: Any) -> Any:
        head, rest = args[:n], args[n:]
        if rest:  # TF 1 positional order after the tensors: data (printed by TF on failure), summarize, message
            summarize = rest[1] if len(rest) > 1 else summarize
            message = rest[2] if len(rest) > 2 else message
        return fn(*head, message=message, summarize=summarize, **kwargs)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"TF 1's ``{name}`` (``data``, ``summarize`` before ``message``); None eagerly when it holds."
    return check


assert_equal = _assert(tf.debugging.assert_equal, 2, "assert_equal")
assert_none_equal = _assert(tf.debugging.assert_none_equal, 2, "assert_none_equal")
assert_less = _assert(tf.debugging.assert_less, 2, "assert_less")
assert_less_equal = _assert(tf.debugging.assert_less_equal, 2, "assert_less_equal")
assert_greater = _assert(tf.debugging.assert_greater, 2, "assert_greater")
assert_greater_equal = _assert(tf.debugging.assert_greater_equal, 2, "assert_greater_equal")
assert_negative = _assert(tf.debugging.assert_negative, 1, "assert_negative")
assert_positive = _assert(tf.debugging.assert_positive, 1, "assert_positive")
assert_non_negative = _assert(tf.debugging.assert_non_negative, 1, "assert_non_negative")
assert_non_positive = _assert(tf.debugging.assert_non_positive, 1, "assert_non_positive")
assert_rank = _assert(tf.debugging.assert_rank, 2, "assert_rank")
assert_rank_at_least = _assert(tf.debugging.assert_rank_at_least, 2, "assert_rank_at_least")
assert_rank_in = _assert(tf.debugging.assert_rank_in, 2, "assert_rank_in")


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None, data: Any = None, summarize: Any = None,
                message: Any = None, name: str | None = None) -> Any:
    """TF 1's ``assert_near``."""
    return tf.debugging.assert_near(x, y, rtol=rtol, atol=atol, message=message, summarize=summarize)


def assert_scalar(tensor: Any, name: str | None = None, message: Any = None) -> Any:
    """TF 1's ``assert_scalar``."""
    return tf.debugging.assert_scalar(tensor, message=message)


def assert_all_finite(t: Any = None, msg: Any = None, name: str | None = None, x: Any = None,
                      message: Any = None) -> Any:
    """TF 1's ``verify_tensor_all_finite``: the tensor itself if every element is finite."""
    return tf.debugging.check_numerics(pick("x", x, "t", t), pick("message", message, "msg", msg) or "")


# -- losses (TF 1: reduction SUM_BY_NONZERO_WEIGHTS by default) ----------------------------------------------------

class Reduction:
    """TF 1's loss reductions."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


def compute_weighted_loss(losses: Any, weights: Any = 1.0, scope: Any = None, loss_collection: Any = "losses",
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """``losses · weights`` reduced as TF 1: summed, divided by the weights' sum (``MEAN``), by the element count
    (``SUM_OVER_BATCH_SIZE``) or by the count of non-zero weights (``SUM_BY_NONZERO_WEIGHTS``, the default)."""
    Reduction.validate(reduction)
    losses = tf.convert_to_tensor(losses)
    dt = losses.dtype
    lf = tf.cast(losses, tf.float32)
    w = tf.cast(tf.convert_to_tensor(weights), tf.float32)
    weighted = lf * w
    if reduction == Reduction.NONE:
        return tf.cast(weighted, dt)
    total = tf.reduce_sum(weighted)
    if reduction == Reduction.MEAN:
        total = tf.math.divide_no_nan(total, tf.reduce_sum(tf.ones_like(lf) * w))
    elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
        total = tf.math.divide_no_nan(total, tf.cast(tf.size(lf), tf.float32))
    elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
        nonzero = tf.reduce_sum(tf.cast(tf.not_equal(tf.ones_like(lf) * w, 0.0), tf.float32))
        total = tf.math.divide_no_nan(total, nonzero)
    return tf.cast(total, dt)


def _pair(labels: Any, predictions: Any) -> tuple[Any, Any]:
    p = tf.convert_to_tensor(predictions)
    y = tf.cast(tf.convert_to_tensor(labels), p.dtype)
    if y.shape.rank is not None and p.shape.rank is not None and not y.shape.is_compatible_with(p.shape):
        raise ValueError(f"Shapes {p.shape} and {y.shape} are incompatible")
    return y, p


def absolute_difference(labels: Any, predictions: Any, weights: Any = 1.0, scope: Any = None,
                        loss_collection: Any = "losses", reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.absolute_difference``."""
    y, p = _pair(labels, predictions)
    return compute_weighted_loss(tf.abs(p - y), weights, reduction=reduction)


def mean_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, scope: Any = None,
                       loss_collection: Any = "losses", reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.mean_squared_error``."""
    y, p = _pair(labels, predictions)
    return compute_weighted_loss(tf.math.squared_difference(p, y), weights, reduction=reduction)


def huber_loss(labels: Any, predictions: Any, weights: Any = 1.0, delta: float = 1.0, scope: Any = None,
               loss_collection: Any = "losses", reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.huber_loss``: ``½e²`` inside ``delta``, linear outside."""
    y, p = _pair(labels, predictions)
    err = tf.abs(p - y)
    quad = tf.minimum(err, delta)
    return compute_weighted_loss(0.5 * quad * quad + delta * (err - quad), weights, reduction=reduction)


def log_loss(labels: Any, predictions: Any, weights: Any = 1.0, epsilon: float = 1e-7, scope: Any = None,
             loss_collection: Any = "losses", reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.log_loss``."""
    y, p = _pair(labels, predictions)
    loss = -y * tf.math.log(p + epsilon) - (1 - y) * tf.math.log(1 - p + epsilon)
    return compute_weighted_loss(loss, weights, reduction=reduction)


def hinge_loss(labels: Any, logits: Any, weights: Any = 1.0, scope: Any = None, loss_collection: Any = "losses",
               reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.hinge_loss`` (labels in {0, 1} mapped to ±1)."""
    y, p = _pair(labels, logits)
    return compute_weighted_loss(tf.nn.relu(1 - (2 * y - 1) * p), weights, reduction=reduction)


def cosine_distance(labels: Any, predictions: Any, axis: Any = None, weights: Any = 1.0, scope: Any = None,
                    loss_collection: Any = "losses", reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
                    dim: Any = None) -> Any:
    """TF 1's ``losses.cosine_distance`` (inputs already unit-normalised along ``axis``)."""
    axis = pick("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    y, p = _pair(labels, predictions)
    loss = 1 - tf.reduce_sum(p * y, axis=axis, keepdims=True)
    return compute_weighted_loss(loss, weights, reduction=reduction)


def sigmoid_cross_entropy(multi_class_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: Any = None, loss_collection: Any = "losses",
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.sigmoid_cross_entropy`` (labels smoothed towards ½)."""
    y, p = _pair(multi_class_labels, logits)
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    return compute_weighted_loss(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=p), weights,
                                 reduction=reduction)


def softmax_cross_entropy(onehot_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: Any = None, loss_collection: Any = "losses",
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.softmax_cross_entropy`` (labels smoothed towards uniform; no gradient into labels)."""
    y, p = _pair(onehot_labels, logits)
    if label_smoothing:
        k = tf.cast(tf.shape(y)[-1], p.dtype)
        y = y * (1 - label_smoothing) + label_smoothing / k
    loss = tf.nn.softmax_cross_entropy_with_logits(tf.stop_gradient(y), p)
    return compute_weighted_loss(loss, weights, reduction=reduction)


def sparse_softmax_cross_entropy(labels: Any, logits: Any, weights: Any = 1.0, scope: Any = None,
                                 loss_collection: Any = "losses",
                                 reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Any:
    """TF 1's ``losses.sparse_softmax_cross_entropy``."""
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    w = tf.convert_to_tensor(weights)
    if w.shape.rank == loss.shape.rank + 1 and w.shape[-1] == 1:
        w = tf.squeeze(w, -1)
    return compute_weighted_loss(loss, w, reduction=reduction)


def mean_pairwise_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, scope: Any = None,
                                loss_collection: Any = "losses") -> Any:
    """TF 1's ``losses.mean_pairwise_squared_error``: per sample, the mean over pairs of its elements of the squared
    difference of their errors (pairs among the elements with non-zero weight), times ``weights`` (broadcast as
    TF 1 does), summed."""
    y, p = _pair(labels, predictions)
    diff = p - y
    axes = list(range(1, diff.shape.rank))
    w = tf.cast(tf.convert_to_tensor(weights), diff.dtype)
    if w.shape.rank == 0 and float(w.numpy()) != 0.0:
        present = tf.cast(tf.size(diff), diff.dtype)  # TF 1 counts every element here, not those of each sample
    else:
        present = tf.reduce_sum(tf.cast(tf.not_equal(tf.ones_like(diff) * w, 0.0), diff.dtype), axis=axes,
                                keepdims=True)
    term1 = 2.0 * tf.math.divide_no_nan(tf.reduce_sum(tf.square(diff), axis=axes, keepdims=True), present - 1)
    term2 = 2.0 * tf.math.divide_no_nan(tf.square(tf.reduce_sum(diff, axis=axes, keepdims=True)),
                                        present * (present - 1))
    loss = tf.reduce_sum((term1 - term2) * w)
    return tf.where(tf.reduce_sum(present) > 0, loss, tf.zeros_like(loss))


def get_losses(scope: Any = None, loss_collection: Any = "losses") -> list[Any]:
    """Eagerly TF keeps no loss collection: ``[]``."""
    return []


def get_regularization_losses(scope: Any = None) -> list[Any]:
    """Eagerly TF keeps no regularization collection: ``[]``."""
    return []


def get_regularization_loss(scope: Any = None, name: str = "total_regularization_loss") -> Any:
    """The sum of the (eagerly empty) regularization collection: 0.0."""
    return tf.constant(0.0)


def add_loss(loss: Any, loss_collection: Any = "losses") -> None:
    """Eagerly a no-op, as TF (there is no collection to add to)."""


verify_tensor_all_finite = assert_all_finite


# -- more TF 1 spellings -----------------------------------------------------------------------------------------------

def avg_pool2d(value: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC", name: str | None = None,
               input: Any = None) -> Any:  # noqa: A002
    """TF 1's ``nn.avg_pool2d(value, ...)``."""
    return avg_pool(value, ksize, strides, padding, data_format, name, input)


def conv3d_transpose(value: Any, filter: Any = None, output_shape: Any = None, strides: Any = None,  # noqa: A002
                     padding: str = "SAME", data_format: str = "NDHWC", name: str | None = None, input: Any = None,  # noqa: A002
                     filters: Any = None, dilations: Any = None) -> Any:
    """TF 1's ``conv3d_transpose(value, filter, output_shape, strides)``."""
    return tf.nn.conv3d_transpose(pick("input", input, "value", value), pick("filters", filters, "filter", filter),
                                  output_shape, strides, padding=padding, data_format=data_format, dilations=dilations)


def conv2d_backprop_input(input_sizes: Any, filter: Any = None, out_backprop: Any = None,  # noqa: A002
                          strides: Any = None, padding: Any = None, use_cudnn_on_gpu: bool = True,
                          data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1), name: str | None = None,
                          filters: Any = None) -> Any:
    """TF 1's ``conv2d_backprop_input``: the gradient of ``conv2d`` w.r.t. its input of shape ``input_sizes``."""
    return tf.raw_ops.Conv2DBackpropInput(input_sizes=input_sizes, filter=pick("filters", filters, "filter", filter),
                                          out_backprop=out_backprop, strides=strides, padding=padding,
                                          data_format=data_format, dilations=list(dilations))


def conv2d_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any, strides: Any, padding: Any,  # noqa: A002
                           use_cudnn_on_gpu: bool = True, data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1),
                           name: str | None = None) -> Any:
    """TF 1's ``conv2d_backprop_filter``: the gradient of ``conv2d`` w.r.t. its filter of shape ``filter_sizes``."""
    return tf.raw_ops.Conv2DBackpropFilter(input=input, filter_sizes=filter_sizes, out_backprop=out_backprop,
                                           strides=strides, padding=padding, data_format=data_format,
                                           dilations=list(dilations))


def depthwise_conv2d_native(input: Any, filter: Any, strides: Any, padding: Any,  # noqa: A002
                            data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1), name: str | None = None) -> Any:
    """TF 1's ``depthwise_conv2d_native`` (4-element strides and dilations)."""
    return tf.raw_ops.DepthwiseConv2dNative(input=input, filter=filter, strides=strides, padding=padding,
                                            data_format=data_format, dilations=list(dilations))


def dilation2d(input: Any, filter: Any = None, strides: Any = None, rates: Any = None,  # noqa: A002
               padding: Any = None, name: str | None = None, filters: Any = None, dilations: Any = None) -> Any:
    """TF 1's ``dilation2d(input, filter, strides, rates, padding)`` (NHWC)."""
    return tf.nn.dilation2d(input, pick("filters", filters, "filter", filter), strides, padding, "NHWC",
                            pick("dilations", dilations, "rates", rates))


def erosion2d(value: Any, kernel: Any, strides: Any, rates: Any, padding: Any, name: str | None = None) -> Any:
    """TF 1's ``erosion2d(value, kernel, strides, rates, padding)`` (NHWC)."""
    return tf.nn.erosion2d(value, kernel, strides, padding, "NHWC", rates)


def max_pool_with_argmax(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
                         Targmax: Any = None, name: str | None = None, output_dtype: Any = None,  # noqa: N803
                         include_batch_in_index: bool = False) -> Any:
    """TF 1's ``max_pool_with_argmax`` (``Targmax`` for ``output_dtype``)."""
    return tf.nn.max_pool_with_argmax(input, ksize, strides, padding, data_format=data_format,
                                      output_dtype=pick("output_dtype", output_dtype, "Targmax", Targmax) or tf.int64,
                                      include_batch_in_index=include_batch_in_index)


def pool(input: Any, window_shape: Any, pooling_type: str, padding: str, dilation_rate: Any = None,  # noqa: A002
         strides: Any = None, name: str | None = None, data_format: Any = None, dilations: Any = None) -> Any:
    """TF 1's ``pool(input, window_shape, pooling_type, padding, dilation_rate, strides)``."""
    return tf.nn.pool(input, window_shape, pooling_type, strides=strides, padding=padding, data_format=data_format,
                      dilations=pick("dilations", dilations, "dilation_rate", dilation_rate))


def _partitioned(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def sampled(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
                num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: Any = None,
                partition_strategy: str = "mod", name: str = name, seed: Any = None) -> Any:
        kwargs: dict[str, Any] = {"num_true": num_true, "sampled_values": sampled_values, "seed": seed}
        if remove_accidental_hits is not None:
            kwargs["remove_accidental_hits"] = remove_accidental_hits
        if isinstance(weights, (list, tuple)):
            if len(weights) > 1 and partition_strategy != "div":
                raise ValueError(f"{name}: sharded weights need partition_strategy='div' here (TF 2's layout); got "
                                 f"{partition_strategy!r}.")
            weights = tf.concat(list(weights), axis=0)
        return fn(weights, biases, labels, inputs, num_sampled, num_classes, **kwargs)

    sampled.__name__ = sampled.__qualname__ = name
    sampled.__doc__ = f"TF 1's ``{name}`` (``partition_strategy``: one weight tensor or 'div' shards)."
    return sampled


nce_loss = _partitioned(tf.nn.nce_loss, "nce_loss")
sampled_softmax_loss = _partitioned(tf.nn.sampled_softmax_loss, "sampled_softmax_loss")


def embedding_lookup_sparse(params: Any, sp_ids: Any, sp_weights: Any, partition_strategy: str = "mod",
                            name: str | None = None, combiner: Any = None, max_norm: Any = None,
                            allow_fast_lookup: bool = False) -> Any:
    """TF 1's ``embedding_lookup_sparse`` (one params tensor)."""
    if isinstance(params, (list, tuple)):
        if len(params) > 1:
            raise ValueError("embedding_lookup_sparse: pass one params tensor (concatenate the shards).")
        params = params[0]
    return tf.nn.embedding_lookup_sparse(params, sp_ids, sp_weights, combiner=combiner, max_norm=max_norm)


def ctc_beam_search_decoder(inputs: Any, sequence_length: Any, beam_width: int = 100, top_paths: int = 1,
                            merge_repeated: bool = True) -> Any:
    """TF 1's ``ctc_beam_search_decoder`` (``merge_repeated=False`` is TF 2's behaviour; TF 1's default merges)."""
    if not merge_repeated:
        return tf.nn.ctc_beam_search_decoder(inputs, sequence_length, beam_width, top_paths)
    r = tf.raw_ops.CTCBeamSearchDecoder(inputs=inputs, sequence_length=sequence_length, beam_width=beam_width,
                                        top_paths=top_paths, merge_repeated=True)
    decoded = [tf.SparseTensor(i, v, s) for i, v, s in zip(r.decoded_indices, r.decoded_values, r.decoded_shape)]
    return decoded, r.log_probability


def serialize_sparse(sp_input: Any, name: str | None = None, out_type: Any = tf.string) -> Any:
    """TF 1's ``serialize_sparse`` (its argument order)."""
    return tf.io.serialize_sparse(sp_input, out_type=out_type)


def serialize_many_sparse(sp_input: Any, name: str | None = None, out_type: Any = tf.string) -> Any:
    """TF 1's ``serialize_many_sparse``."""
    return tf.io.serialize_many_sparse(sp_input, out_type=out_type)


def decode_csv(records: Any, record_defaults: Any, field_delim: str = ",", use_quote_delim: bool = True,
               name: str | None = None, na_value: str = "", select_cols: Any = None) -> Any:
    """TF 1's ``decode_csv``."""
    return tf.io.decode_csv(records, record_defaults, field_delim=field_delim, use_quote_delim=use_quote_delim,
                            na_value=na_value, select_cols=select_cols)


def extract_image_patches(images: Any, ksizes: Any = None, strides: Any = None, rates: Any = None,
                          padding: Any = None, name: str | None = None, sizes: Any = None) -> Any:
    """TF 1's ``extract_image_patches`` (``ksizes`` for ``sizes``)."""
    return tf.image.extract_patches(images, pick("sizes", sizes, "ksizes", ksizes), strides, rates, padding)


def batch_gather(params: Any, indices: Any, name: str | None = None) -> Any:
    """TF 1's ``batch_gather``: ``gather`` with ``batch_dims`` = rank(indices) - 1."""
    indices = tf.convert_to_tensor(indices)
    return tf.gather(params, indices, batch_dims=max(indices.shape.rank - 1, 0))


def batch_scatter_update(ref: Any, indices: Any, updates: Any, use_locking: bool = True,
                         name: str | None = None) -> Any:
    """TF 1's ``batch_scatter_update`` on a Variable."""
    return ref.batch_scatter_update(tf.IndexedSlices(tf.convert_to_tensor(updates, ref.dtype),
                                                     tf.convert_to_tensor(indices)))


def clip_by_average_norm(t: Any, clip_norm: Any, name: str | None = None) -> Any:
    """TF 1's ``clip_by_average_norm``: scale ``t`` so that its L2 norm divided by its element count is at most
    ``clip_norm``."""
    t = tf.convert_to_tensor(t)
    n = tf.cast(tf.size(t), t.dtype)
    l2inv = tf.math.rsqrt(tf.reduce_sum(t * t))
    clip = tf.cast(clip_norm, t.dtype)
    return t * clip * tf.minimum(l2inv * n, 1.0 / clip)


def setdiff1d(x: Any, y: Any, index_dtype: Any = tf.int32, name: str | None = None) -> Any:
    """TF 1's ``setdiff1d``: the elements of ``x`` not in ``y`` (in ``x``'s order) and their indices in ``x``."""
    import numpy as np

    tx, ty = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    keep = ~np.isin(tx.numpy(), ty.numpy())
    idx = np.nonzero(keep)[0]
    from collections import namedtuple

    out = namedtuple("ListDiff", ["out", "idx"])
    return out(tf.gather(tx, idx), tf.constant(idx, dtype=index_dtype))


def convert_to_tensor_or_indexed_slices(value: Any, dtype: Any = None, name: str | None = None) -> Any:
    """An ``IndexedSlices`` as it is, anything else as a tensor."""
    return value if isinstance(value, tf.IndexedSlices) else tf.convert_to_tensor(value, dtype=dtype)


def convert_to_tensor_or_sparse_tensor(value: Any, dtype: Any = None, name: str | None = None) -> Any:
    """A ``SparseTensor`` as it is, anything else as a tensor."""
    return value if isinstance(value, tf.SparseTensor) else tf.convert_to_tensor(value, dtype=dtype)


def assert_integer(x: Any, message: Any = None, name: str | None = None) -> None:
    """TypeError unless ``x`` has an integer dtype."""
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_integer:
        raise TypeError(f"{message + ' ' if message else ''}Expected integer type for tensor, got {x.dtype.name}")


def assert_type(tensor: Any, tf_type: Any, message: Any = None, name: str | None = None) -> None:
    """TypeError unless ``tensor`` has dtype ``tf_type``."""
    t = tf.convert_to_tensor(tensor)
    if t.dtype != tf.as_dtype(tf_type):
        raise TypeError(f"{message + ' ' if message else ''}{t.dtype.name} must be of type "
                        f"{tf.as_dtype(tf_type).name}")


def py_func(func: Callable[..., Any], inp: Any, Tout: Any, stateful: bool = True,  # noqa: N803
            name: str | None = None) -> Any:
    """TF 1's ``py_func``: ``tf.numpy_function``."""
    return tf.numpy_function(func, inp, Tout, stateful=stateful)


def Print(input_: Any, data: Any, message: Any = None, first_n: Any = None, summarize: Any = None,  # noqa: N802
          name: str | None = None) -> Any:
    """TF 1's ``Print``: eagerly prints ``message`` and ``data`` and returns ``input_``."""
    tf.print(*([message] if message else []), *data, summarize=summarize or 3)
    return tf.identity(input_)


def no_regularizer(_: Any) -> None:
    """The regularizer that adds nothing."""
    return None


def manip_reshape(tensor: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.reshape``."""
    return tf.reshape(tensor, shape)


def batch_to_space_nd(input: Any, block_shape: Any, crops: Any, name: str | None = None) -> Any:  # noqa: A002
    """TF 1's ``batch_to_space_nd`` (TF 2's ``batch_to_space``)."""
    return tf.batch_to_space(input, block_shape, crops)
