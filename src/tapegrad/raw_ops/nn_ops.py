"""Raw ops of the neural-network family: activations and their gradient kernels, convolutions and pooling with
their backprop ops, bias add, softmax and the cross-entropy kernels, LRN, CTC decoders.

A ``*Grad`` / ``*Backprop*`` kernel is the vector-Jacobian product of the forward op, computed by running the forward
op under a ``GradientTape`` (so it matches tapegrad's own gradient, which the conformance lanes check against TF's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._table import Impl, args, public

P = public


def _vjp(forward: Callable[[Any], Any], primal: Any, dy: Any) -> Any:
    import tapegrad as tg

    with tg.GradientTape() as tape:
        tape.watch(primal)
        y = forward(primal)
    return tape.gradient(y, primal, output_gradients=tg.cast(dy, y.dtype))


def _zeros(shape: Any, dtype: Any) -> Any:
    import tapegrad as tg

    return tg.zeros(np.asarray(shape.numpy()).tolist(), dtype)


def _spatial(data_format: str) -> list[int]:
    """The positions of the spatial dimensions in a 4-/5-letter data format."""
    return [i for i, c in enumerate(data_format) if c not in "NC"]


def _padding(op: str, padding: str, explicit_paddings: list[int], data_format: str) -> Any:
    """TF's ``padding``/``explicit_paddings`` attributes as tapegrad's public ``padding`` argument."""
    if padding != "EXPLICIT":
        return padding  # (TF ignores explicit_paddings then)
    if len(explicit_paddings) != 2 * len(data_format):
        raise InvalidArgumentError(None, None, f"raw_ops.{op}: explicit_paddings needs {2 * len(data_format)} values "
                                   f"(a before/after pair per dimension of {data_format}), got "
                                   f"{len(explicit_paddings)}.")
    return [explicit_paddings[2 * i:2 * i + 2] for i in range(len(data_format))]


# -- activations --------------------------------------------------------------------------------------------------

_ACT = {"Relu": "relu", "Relu6": "relu6", "Elu": "elu", "Selu": "selu", "Softplus": "softplus",
        "Softsign": "softsign"}


def _leaky_relu(features: Any, alpha: float) -> Any:
    import tapegrad as tg

    return tg.nn.leaky_relu(features, alpha=alpha)


def _act_grad(kind: str) -> Impl:
    """``<Act>Grad(gradients, features|outputs)``: TF's kernels (at the kinks the derivative is 0, as TF's)."""

    def from_features(gradients: Any, features: Any) -> Any:
        import tapegrad as tg

        f = features
        if kind == "Relu":
            return tg.where(f > 0, gradients, tg.zeros_like(gradients))
        if kind == "Relu6":
            return tg.where((f > 0) & (f < 6), gradients, tg.zeros_like(gradients))
        if kind == "Softplus":
            return gradients * tg.sigmoid(f)
        return gradients / tg.square(1 + tg.abs(f))  # Softsign

    def from_outputs(gradients: Any, outputs: Any) -> Any:
        import tapegrad as tg

        if kind == "Elu":
            return tg.where(outputs < 0, gradients * (outputs + 1), gradients)
        scale, alpha = 1.0507009873554805, 1.6732632423543772
        return tg.where(outputs < 0, gradients * (outputs + scale * alpha), gradients * scale)  # Selu

    return from_outputs if kind in ("Elu", "Selu") else from_features


def _leaky_relu_grad(gradients: Any, features: Any, alpha: float) -> Any:
    import tapegrad as tg

    return tg.where(features > 0, gradients, gradients * tg.cast(alpha, gradients.dtype))


def _bias_add(value: Any, bias: Any, data_format: str = "NHWC") -> Any:
    import tapegrad as tg

    return tg.nn.bias_add(value, bias, data_format=data_format)


def _bias_add_grad(out_backprop: Any, data_format: str) -> Any:
    import tapegrad as tg

    rank = len(out_backprop.shape)
    if rank < 2:
        raise InvalidArgumentError(None, None, f"raw_ops.BiasAddGrad: out_backprop must be at least 2-D, got rank "
                                   f"{rank}.")
    channel = 1 if data_format.startswith("NC") else rank - 1
    return tg.reduce_sum(out_backprop, axis=[i for i in range(rank) if i != channel])


def _softmax(fn: str) -> Impl:
    def impl(logits: Any) -> Any:
        import tapegrad as tg

        if len(logits.shape) < 1:
            raise InvalidArgumentError(None, None, f"raw_ops: {fn} needs logits of rank >= 1, got a scalar.")
        return getattr(tg.nn, fn)(logits, axis=-1)

    return impl


def _xent(features: Any, labels: Any) -> Any:
    import tapegrad as tg

    if len(features.shape) != 2:
        raise InvalidArgumentError(None, None, f"raw_ops.SoftmaxCrossEntropyWithLogits: features must be 2-D "
                                   f"[batch, classes], got shape {tuple(features.shape)}.")
    labels = tg.broadcast_to(labels, tg.shape(features))
    loss = tg.nn.softmax_cross_entropy_with_logits(labels=labels, logits=features)
    return loss, tg.nn.softmax(features) - labels


def _sparse_xent(features: Any, labels: Any) -> Any:
    import tapegrad as tg

    if len(features.shape) != 2 or len(labels.shape) != 1:
        raise InvalidArgumentError(None, None, f"raw_ops.SparseSoftmaxCrossEntropyWithLogits: features must be 2-D "
                                   f"and labels 1-D, got shapes {tuple(features.shape)} and {tuple(labels.shape)}.")
    loss = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=features)
    return loss, tg.nn.softmax(features) - tg.one_hot(labels, features.shape[-1], dtype=features.dtype)


def _lrn(input: Any, depth_radius: int, bias: float, alpha: float, beta: float) -> Any:  # noqa: A002
    import tapegrad as tg

    return tg.nn.local_response_normalization(input, depth_radius, bias, alpha, beta)


def _lrn_grad(input_grads: Any, input_image: Any, output_image: Any, depth_radius: int, bias: float, alpha: float,
              beta: float) -> Any:
    return _vjp(lambda x: _lrn(x, depth_radius, bias, alpha, beta), input_image, input_grads)


def _nth_element(input: Any, n: Any, reverse: bool) -> Any:  # noqa: A002
    import tapegrad as tg

    k = int(n.numpy())
    if len(input.shape) < 1 or not 0 <= k < input.shape[-1]:
        last = input.shape[-1] if input.shape else 0
        raise InvalidArgumentError(None, None, f"raw_ops.NthElement: n must be in [0, {last}) (the last dimension), "
                                   f"got {k}.")
    return tg.sort(input, axis=-1, direction="DESCENDING" if reverse else "ASCENDING")[..., k]


# -- convolution --------------------------------------------------------------------------------------------------

def _conv2d(input: Any, filter: Any, strides: list[int], padding: str, use_cudnn_on_gpu: bool,  # noqa: A002
            explicit_paddings: list[int], data_format: str, dilations: list[int]) -> Any:
    import tapegrad as tg

    return tg.nn.conv2d(input, filter, strides, _padding("Conv2D", padding, explicit_paddings, data_format),
                        data_format=data_format, dilations=dilations)


def _conv2d_input(input_sizes: Any, filter: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda x: _conv2d(x, filter, **attrs), _zeros(input_sizes, out_backprop.dtype), out_backprop)


def _conv2d_filter(input: Any, filter_sizes: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda f: _conv2d(input, f, **attrs), _zeros(filter_sizes, out_backprop.dtype), out_backprop)


def _conv3d(input: Any, filter: Any, strides: list[int], padding: str, data_format: str,  # noqa: A002
            dilations: list[int]) -> Any:
    import tapegrad as tg

    return tg.nn.conv3d(input, filter, strides, padding, data_format=data_format, dilations=dilations)


def _conv3d_input(input_sizes: Any, filter: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda x: _conv3d(x, filter, **attrs), _zeros(input_sizes, out_backprop.dtype), out_backprop)


def _conv3d_filter(input: Any, filter_sizes: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda f: _conv3d(input, f, **attrs), _zeros(filter_sizes, out_backprop.dtype), out_backprop)


def _depthwise(input: Any, filter: Any, strides: list[int], padding: str, explicit_paddings: list[int],  # noqa: A002
               data_format: str, dilations: list[int]) -> Any:
    import tapegrad as tg

    sp = _spatial(data_format)
    if strides[sp[0]] != strides[sp[1]]:
        raise InvalidArgumentError(None, None, f"raw_ops.DepthwiseConv2dNative: the row and column strides must be "
                                   f"equal, got {strides}.")
    return tg.nn.depthwise_conv2d(input, filter, strides,
                                  _padding("DepthwiseConv2dNative", padding, explicit_paddings, data_format),
                                  data_format=data_format, dilations=[dilations[i] for i in sp])


def _depthwise_input(input_sizes: Any, filter: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda x: _depthwise(x, filter, **attrs), _zeros(input_sizes, out_backprop.dtype), out_backprop)


def _depthwise_filter(input: Any, filter_sizes: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda f: _depthwise(input, f, **attrs), _zeros(filter_sizes, out_backprop.dtype), out_backprop)


def _dilation2d(input: Any, filter: Any, strides: list[int], rates: list[int], padding: str) -> Any:  # noqa: A002
    import tapegrad as tg

    return tg.nn.dilation2d(input, filter, strides, padding, "NHWC", rates)


def _dilation2d_input(input: Any, filter: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda x: _dilation2d(x, filter, **attrs), input, out_backprop)


def _dilation2d_filter(input: Any, filter: Any, out_backprop: Any, **attrs: Any) -> Any:  # noqa: A002
    return _vjp(lambda f: _dilation2d(input, f, **attrs), filter, out_backprop)


# -- pooling ------------------------------------------------------------------------------------------------------

def _ints(v: Any) -> list[int]:
    return [int(i) for i in (v if isinstance(v, list) else np.asarray(v.numpy()).tolist())]


def _pool(fn: str, op: str) -> Callable[..., Any]:
    def impl(x: Any, ksize: Any, strides: Any, padding: str, data_format: str,
             explicit_paddings: list[int] | None = None) -> Any:
        import tapegrad as tg

        ksize, strides = _ints(ksize), _ints(strides)
        if len(ksize) != len(data_format) or len(strides) != len(data_format):
            raise InvalidArgumentError(None, None, f"raw_ops.{op}: ksize and strides need {len(data_format)} values "
                                       f"(one per dimension of {data_format}), got {ksize} and {strides}.")
        pad = _padding(op, padding, explicit_paddings or [], data_format)
        if not isinstance(pad, str):  # MaxPool's EXPLICIT padding: pad with the lowest value, then pool VALID
            low = tg.constant(np.finfo(x.dtype.as_numpy_dtype).min if x.dtype.is_floating
                              else np.iinfo(x.dtype.as_numpy_dtype).min, x.dtype)
            x, pad = tg.pad(x, pad, constant_values=low), "VALID"
        return getattr(tg.nn, fn)(x, ksize, strides, pad, data_format=data_format)

    return impl


_MAX2, _AVG2 = _pool("max_pool2d", "MaxPool"), _pool("avg_pool2d", "AvgPool")
_MAX3, _AVG3 = _pool("max_pool3d", "MaxPool3D"), _pool("avg_pool3d", "AvgPool3D")


def _max_pool(input: Any, ksize: Any, strides: Any, padding: str, data_format: str,  # noqa: A002
              explicit_paddings: list[int] | None = None) -> Any:
    return _MAX2(input, ksize, strides, padding, data_format, explicit_paddings)


def _avg_pool(value: Any, ksize: list[int], strides: list[int], padding: str, data_format: str) -> Any:
    return _AVG2(value, ksize, strides, padding, data_format)


def _max_pool_grad(pool: Callable[..., Any]) -> Impl:
    def impl(orig_input: Any, orig_output: Any, grad: Any, ksize: Any, strides: Any, padding: str,
             data_format: str, explicit_paddings: list[int] | None = None) -> Any:
        return _vjp(lambda x: pool(x, ksize, strides, padding, data_format, explicit_paddings), orig_input, grad)

    return impl


def _avg_pool_grad(pool: Callable[..., Any]) -> Impl:
    def impl(orig_input_shape: Any, grad: Any, ksize: list[int], strides: list[int], padding: str,
             data_format: str) -> Any:
        return _vjp(lambda x: pool(x, ksize, strides, padding, data_format), _zeros(orig_input_shape, grad.dtype),
                    grad)

    return impl


def _max_pool_with_argmax(input: Any, ksize: list[int], strides: list[int], padding: str, Targmax: Any,  # noqa: A002, N803
                          include_batch_in_index: bool) -> Any:
    import tapegrad as tg

    return tuple(tg.nn.max_pool_with_argmax(input, ksize, strides, padding, output_dtype=Targmax,
                                            include_batch_in_index=include_batch_in_index))


# -- CTC ----------------------------------------------------------------------------------------------------------

def _sparse_parts(decoded: list[Any]) -> tuple[list[Any], list[Any], list[Any]]:
    return [d.indices for d in decoded], [d.values for d in decoded], [d.dense_shape for d in decoded]


def _ctc_greedy(inputs: Any, sequence_length: Any, merge_repeated: bool, blank_index: int) -> Any:
    import tapegrad as tg

    decoded, log_prob = tg.nn.ctc_greedy_decoder(inputs, sequence_length, merge_repeated=merge_repeated,
                                                 blank_index=None if blank_index == -1 else blank_index)
    (i,), (v,), (s,) = _sparse_parts(decoded)
    return i, v, s, log_prob


def _ctc_beam(inputs: Any, sequence_length: Any, beam_width: int, top_paths: int, merge_repeated: bool) -> Any:
    import tapegrad as tg

    if not merge_repeated:
        raise InvalidArgumentError(None, None, "raw_ops.CTCBeamSearchDecoder: merge_repeated=False is not "
                                   "supported by tapegrad's beam search (it always merges repeats, as TF's default).")
    decoded, log_prob = tg.nn.ctc_beam_search_decoder(inputs, sequence_length, beam_width=beam_width,
                                                      top_paths=top_paths)
    i, v, s = _sparse_parts(decoded)
    return i, v, s, log_prob


OPS: dict[str, Impl] = {op: args(P(f"nn.{fn}"), "features") for op, fn in _ACT.items()}
OPS.update({f"{op}Grad": _act_grad(op) for op in ("Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign")})
OPS.update({
    "LeakyRelu": _leaky_relu,
    "LeakyReluGrad": _leaky_relu_grad,
    "BiasAdd": _bias_add,
    "BiasAddV1": _bias_add,
    "BiasAddGrad": _bias_add_grad,
    "Softmax": _softmax("softmax"),
    "LogSoftmax": _softmax("log_softmax"),
    "SoftmaxCrossEntropyWithLogits": _xent,
    "SparseSoftmaxCrossEntropyWithLogits": _sparse_xent,
    "L2Loss": args(P("nn.l2_loss"), "t"),
    "LRN": _lrn,
    "LRNGrad": _lrn_grad,
    "NthElement": _nth_element,
    "Conv2D": _conv2d,
    "Conv2DBackpropInput": _conv2d_input,
    "Conv2DBackpropInputV2": lambda input, filter, out_backprop, **a: _conv2d_input(  # noqa: A006
        _shape_of(input), filter, out_backprop, **a),
    "Conv2DBackpropFilter": _conv2d_filter,
    "Conv2DBackpropFilterV2": lambda input, filter, out_backprop, **a: _conv2d_filter(  # noqa: A006
        input, _shape_of(filter), out_backprop, **a),
    "Conv3D": _conv3d,
    "Conv3DBackpropInputV2": _conv3d_input,
    "Conv3DBackpropFilterV2": _conv3d_filter,
    "DepthwiseConv2dNative": _depthwise,
    "DepthwiseConv2dNativeBackpropInput": _depthwise_input,
    "DepthwiseConv2dNativeBackpropFilter": _depthwise_filter,
    "Dilation2D": _dilation2d,
    "Dilation2DBackpropInput": _dilation2d_input,
    "Dilation2DBackpropFilter": _dilation2d_filter,
    "MaxPool": _max_pool,
    "MaxPoolV2": _max_pool,
    "AvgPool": _avg_pool,
    "MaxPool3D": lambda input, **a: _MAX3(input, **a),  # noqa: A006
    "AvgPool3D": lambda input, **a: _AVG3(input, **a),  # noqa: A006
    "MaxPoolGrad": _max_pool_grad(_MAX2),
    "MaxPoolGradV2": _max_pool_grad(_MAX2),
    "MaxPool3DGrad": _max_pool_grad(_MAX3),
    "AvgPoolGrad": _avg_pool_grad(_AVG2),
    "AvgPool3DGrad": _avg_pool_grad(_AVG3),
    "MaxPoolWithArgmax": _max_pool_with_argmax,
    "CTCGreedyDecoder": _ctc_greedy,
    "CTCBeamSearchDecoder": _ctc_beam,
})


def _shape_of(t: Any) -> Any:
    import tapegrad as tg

    return tg.shape(t)
