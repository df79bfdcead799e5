"""``tf.raw_ops`` programs of the nn family (activations and their gradient kernels, convolutions and pooling with
their backprop ops, bias add, softmax, cross-entropy kernels, LRN, CTC decoders), run unchanged under TensorFlow and
tapegrad (harness: ``raw_ops_harness.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_ops_harness import grad, main, outcome, registry  # noqa: E402

CASES, case = registry()
_RNG = np.random.default_rng(7)
IMG = _RNG.standard_normal((2, 5, 5, 3)).astype(np.float32)
KER = _RNG.standard_normal((3, 3, 3, 4)).astype(np.float32)
VOL = _RNG.standard_normal((1, 4, 4, 4, 2)).astype(np.float32)
KER3 = _RNG.standard_normal((2, 2, 2, 2, 3)).astype(np.float32)
DW = _RNG.standard_normal((2, 2, 3, 2)).astype(np.float32)
F = [-2.0, -0.5, 0.0, 0.5, 3.0, 7.0]


@case
def activations(tf: Any) -> Any:
    r = tf.raw_ops
    out = [getattr(r, op)(features=F) for op in ("Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign")]
    out += [r.LeakyRelu(features=F), r.LeakyRelu(features=F, alpha=0.3), outcome(lambda: r.Relu(features=[True])),
            r.Relu(features=[-1, 2])]
    out += [grad(tf, lambda v, op=op: getattr(r, op)(features=v), tf.constant(F, tf.float64))
            for op in ("Relu", "Elu", "Selu", "Softplus")]
    return out


@case
def activation_grad_kernels(tf: Any) -> Any:
    r = tf.raw_ops
    g = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    f = tf.constant(F)
    return ([getattr(r, f"{op}Grad")(gradients=g, features=f) for op in ("Relu", "Relu6", "Softplus", "Softsign")]
            + [r.EluGrad(gradients=g, outputs=r.Elu(features=f)), r.SeluGrad(gradients=g, outputs=r.Selu(features=f)),
               r.LeakyReluGrad(gradients=g, features=f, alpha=0.1)])


@case
def bias_add_family(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.reshape(tf.range(24.0), [2, 3, 4])
    return (r.BiasAdd(value=x, bias=[1.0, 2.0, 3.0, 4.0]), r.BiasAdd(value=x, bias=[1.0, 2.0, 3.0], data_format="NCHW"),
            r.BiasAddV1(value=x, bias=[0.5, 0.5, 0.5, 0.5]), r.BiasAddGrad(out_backprop=x),
            r.BiasAddGrad(out_backprop=x, data_format="NCHW"),
            outcome(lambda: r.BiasAdd(value=x, bias=[1.0, 2.0])),
            outcome(lambda: r.BiasAdd(value=x, bias=[1.0, 2.0, 3.0, 4.0], data_format="NCWH")))


@case
def softmax_and_xent(tf: Any) -> Any:
    r = tf.raw_ops
    lg = tf.constant([[1.0, 2.0, 3.0], [1.0, -1.0, 0.0]])
    lab = tf.constant([[0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    return (r.Softmax(logits=lg), r.LogSoftmax(logits=lg), r.Softmax(logits=tf.ones([2, 2, 2])),
            r.SoftmaxCrossEntropyWithLogits(features=lg, labels=lab),
            r.SparseSoftmaxCrossEntropyWithLogits(features=lg, labels=[2, 0]),
            r.SparseSoftmaxCrossEntropyWithLogits(features=lg, labels=tf.constant([1, 1], tf.int64)),
            outcome(lambda: r.SparseSoftmaxCrossEntropyWithLogits(features=lg, labels=[[2, 0]])),
            r.L2Loss(t=[1.0, 2.0, 3.0]),
            grad(tf, lambda v: r.Softmax(logits=v) * tf.constant([[1.0, 2.0, 3.0]], tf.float64),
                 tf.constant([[0.1, 0.2, 0.3]], tf.float64)),
            grad(tf, lambda v: r.SoftmaxCrossEntropyWithLogits(features=v, labels=tf.cast(lab, tf.float64)).loss,
                 tf.cast(lg, tf.float64)))


@case
def lrn_and_nth(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant(IMG[:1, :2, :2])
    out = r.LRN(input=x, depth_radius=1, bias=1.0, alpha=0.5, beta=0.75)
    return (r.LRN(input=x), out, r.LRNGrad(input_grads=tf.ones_like(x), input_image=x, output_image=out,
                                          depth_radius=1, bias=1.0, alpha=0.5, beta=0.75),
            r.NthElement(input=[[3, 1, 2], [9, 8, 7]], n=1), r.NthElement(input=[5.0, 1.0, 3.0], n=0, reverse=True),
            outcome(lambda: r.NthElement(input=[1.0, 2.0], n=2)))


def _conv_attrs(**kw: Any) -> dict[str, Any]:
    return dict(strides=[1, 1, 1, 1], padding="SAME", **kw)


@case
def conv2d_forward(tf: Any) -> Any:
    r = tf.raw_ops
    x, k = tf.constant(IMG), tf.constant(KER)
    nchw = tf.transpose(x, [0, 3, 1, 2])
    return (r.Conv2D(input=x, filter=k, **_conv_attrs()),
            r.Conv2D(input=x, filter=k, strides=[1, 2, 2, 1], padding="VALID"),
            r.Conv2D(input=x, filter=k, strides=[1, 1, 1, 1], padding="EXPLICIT",
                     explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0]),
            r.Conv2D(input=x, filter=k, strides=[1, 1, 1, 1], padding="SAME", dilations=[1, 2, 2, 1]),
            outcome(lambda: r.Conv2D(input=nchw, filter=k, strides=[1, 1, 1, 1], padding="SAME",
                                     data_format="NCHW")),
            outcome(lambda: r.Conv2D(input=x, filter=k, strides=[1, 1, 1, 1], padding="SAME",
                                     explicit_paddings=[0, 0, 1, 1, 1, 1, 0, 0])),
            outcome(lambda: r.Conv2D(input=x, filter=k, strides=[1, 1, 1, 1], padding="FOO")),
            outcome(lambda: r.Conv2D(input=x, filter=tf.ones([3, 3, 2, 4]), strides=[1, 1, 1, 1], padding="SAME")))


@case
def conv2d_backprops(tf: Any) -> Any:
    r = tf.raw_ops
    x, k = tf.constant(IMG, tf.float64), tf.constant(KER, tf.float64)
    out = []
    for attrs in (dict(strides=[1, 1, 1, 1], padding="SAME"), dict(strides=[1, 2, 2, 1], padding="VALID"),
                  dict(strides=[1, 1, 1, 1], padding="EXPLICIT", explicit_paddings=[0, 0, 1, 0, 2, 1, 0, 0])):
        y = r.Conv2D(input=x, filter=k, **attrs)
        dy = tf.reshape(tf.range(tf.size(y), dtype=tf.float64) / 10.0, tf.shape(y))
        out += [r.Conv2DBackpropInput(input_sizes=tf.shape(x), filter=k, out_backprop=dy, **attrs),
                r.Conv2DBackpropFilter(input=x, filter_sizes=tf.shape(k), out_backprop=dy, **attrs)]
    return out


@case
def conv2d_gradient_through_raw(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant(IMG[:1, :3, :3, :1].astype(np.float64))
    return grad(tf, lambda k: r.Conv2D(input=x, filter=k, strides=[1, 1, 1, 1], padding="VALID") ** 2,
                tf.constant(KER[:2, :2, :1, :2].astype(np.float64)))


@case
def conv3d_family(tf: Any) -> Any:
    r = tf.raw_ops
    x, k = tf.constant(VOL), tf.constant(KER3)
    attrs = dict(strides=[1, 1, 2, 1, 1], padding="SAME")
    y = r.Conv3D(input=x, filter=k, **attrs)
    dy = tf.ones_like(y)
    return (y, r.Conv3DBackpropInputV2(input_sizes=tf.shape(x), filter=k, out_backprop=dy, **attrs),
            r.Conv3DBackpropFilterV2(input=x, filter_sizes=tf.shape(k), out_backprop=dy, **attrs))


@case
def depthwise_family(tf: Any) -> Any:
    r = tf.raw_ops
    x, k = tf.constant(IMG), tf.constant(DW)
    attrs = dict(strides=[1, 2, 2, 1], padding="SAME")
    y = r.DepthwiseConv2dNative(input=x, filter=k, **attrs)
    dy = tf.ones_like(y)
    return (y, r.DepthwiseConv2dNative(input=x, filter=k, strides=[1, 1, 1, 1], padding="VALID",
                                       dilations=[1, 2, 2, 1]),
            r.DepthwiseConv2dNativeBackpropInput(input_sizes=tf.shape(x), filter=k, out_backprop=dy, **attrs),
            r.DepthwiseConv2dNativeBackpropFilter(input=x, filter_sizes=tf.shape(k), out_backprop=dy, **attrs))


@case
def dilation2d_family(tf: Any) -> Any:
    r = tf.raw_ops
    x, k = tf.constant(IMG[:, :4, :4]), tf.constant(KER[:2, :2, :, 0])
    attrs = dict(strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], padding="VALID")
    y = r.Dilation2D(input=x, filter=k, **attrs)
    dy = tf.ones_like(y)
    return (y, r.Dilation2DBackpropInput(input=x, filter=k, out_backprop=dy, **attrs),
            r.Dilation2DBackpropFilter(input=x, filter=k, out_backprop=dy, **attrs))


@case
def pooling(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant(IMG)
    a = dict(ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1])
    mp = r.MaxPool(input=x, padding="SAME", **a)
    ap = r.AvgPool(value=x, padding="SAME", **a)
    return (mp, r.MaxPool(input=x, padding="VALID", **a), ap, r.AvgPool(value=x, padding="VALID", **a),
            r.MaxPoolV2(input=x, ksize=tf.constant([1, 3, 3, 1]), strides=tf.constant([1, 1, 1, 1]), padding="SAME"),
            r.MaxPool(input=x, ksize=[1, 2, 2, 1], strides=[1, 1, 1, 1], padding="EXPLICIT",
                      explicit_paddings=[0, 0, 1, 1, 0, 0, 0, 0]),
            r.MaxPoolGrad(orig_input=x, orig_output=mp, grad=tf.ones_like(mp), padding="SAME", **a),
            r.MaxPoolGradV2(orig_input=x, orig_output=mp, grad=tf.ones_like(mp), padding="SAME", **a),
            r.AvgPoolGrad(orig_input_shape=tf.shape(x), grad=tf.ones_like(ap), padding="SAME", **a),
            r.MaxPoolWithArgmax(input=x, padding="SAME", **a),
            r.MaxPoolWithArgmax(input=x, padding="VALID", Targmax=tf.int32, include_batch_in_index=True, **a),
            outcome(lambda: r.MaxPool(input=x, ksize=[1, 2, 2], strides=[1, 1, 1, 1], padding="SAME")))


@case
def pooling3d(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant(VOL)
    a = dict(ksize=[1, 2, 2, 2, 1], strides=[1, 2, 2, 2, 1], padding="VALID")
    mp, ap = r.MaxPool3D(input=x, **a), r.AvgPool3D(input=x, **a)
    return (mp, ap, r.MaxPool3DGrad(orig_input=x, orig_output=mp, grad=tf.ones_like(mp), **a),
            r.AvgPool3DGrad(orig_input_shape=tf.shape(x), grad=tf.ones_like(ap), **a))


@case
def ctc_decoders(tf: Any) -> Any:
    r = tf.raw_ops
    logits = tf.constant(np.log(np.array([[[0.1, 0.6, 0.3]], [[0.5, 0.2, 0.3]], [[0.1, 0.7, 0.2]],
                                          [[0.2, 0.2, 0.6]]], np.float32)))
    return (r.CTCGreedyDecoder(inputs=logits, sequence_length=[4]),
            r.CTCGreedyDecoder(inputs=logits, sequence_length=[4], merge_repeated=True, blank_index=0),
            r.CTCBeamSearchDecoder(inputs=logits, sequence_length=[4], beam_width=3, top_paths=2))


if __name__ == "__main__":
    main(CASES)
