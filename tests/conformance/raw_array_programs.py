"""``tf.raw_ops`` programs of the array family (shapes, slicing, joining, gather/scatter, diagonals, identity-like ops,
data-format helpers), run unchanged under TensorFlow and tapegrad (harness: ``raw_ops_harness.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_ops_harness import grad, main, outcome, registry  # noqa: E402

CASES, case = registry()


def _x(tf: Any) -> Any:
    return tf.reshape(tf.range(12.0), [3, 4])


@case
def reshape_transpose_tile(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    z = tf.constant([[1 + 1j, 2 - 1j]])
    return (r.Reshape(tensor=x, shape=[2, -1]), r.Reshape(tensor=x, shape=tf.constant([4, 3], tf.int64)),
            outcome(lambda: r.Reshape(tensor=x, shape=[5, -1])), r.Transpose(x=x, perm=[1, 0]),
            r.ConjugateTranspose(x=z, perm=[1, 0]), r.Tile(input=[[1, 2]], multiples=[2, 3]),
            outcome(lambda: r.Transpose(x=x, perm=[0, 0])),
            grad(tf, lambda v: r.Tile(input=v, multiples=[2, 1]) * tf.constant([[1.0], [2.0]], tf.float64),
                 tf.constant([[1.0, 2.0]], tf.float64)))


@case
def pads(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    return (r.Pad(input=x, paddings=[[1, 0], [0, 2]]), r.PadV2(input=x, paddings=[[0, 1], [1, 1]], constant_values=-1),
            r.MirrorPad(input=x, paddings=[[1, 1], [2, 2]], mode="REFLECT"),
            r.MirrorPad(input=x, paddings=[[1, 1], [1, 1]], mode="SYMMETRIC"),
            outcome(lambda: r.MirrorPad(input=x, paddings=[[1, 1], [1, 1]], mode="EDGE")),
            outcome(lambda: r.MirrorPad(input=x, paddings=[[0, 0], [3, 3]], mode="REFLECT")),
            grad(tf, lambda v: r.Pad(input=v, paddings=[[1, 1]]) * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64),
                 tf.constant([1.0, 1.0], tf.float64)))


@case
def concat_pack_split(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.ConcatV2(values=[x, x], axis=1), r.Concat(concat_dim=0, values=[x, x]),
            r.ConcatV2(values=[x, x], axis=tf.constant(-1, tf.int64)),
            outcome(lambda: r.ConcatV2(values=[x, tf.ones([2, 2])], axis=0)),
            r.Pack(values=[[1, 2], [3, 4]], axis=1), r.Unpack(value=x, num=4, axis=1),
            outcome(lambda: r.Unpack(value=x, num=3, axis=1)),
            r.Split(axis=1, value=x, num_split=2), r.SplitV(value=x, size_splits=[1, -1], axis=0, num_split=2),
            outcome(lambda: r.Split(axis=1, value=x, num_split=3)))


@case
def gather_scatter(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.GatherV2(params=x, indices=[2, 0], axis=0), r.GatherV2(params=x, indices=[[1], [3], [0]], axis=1,
                                                                   batch_dims=1),
            r.Gather(params=x, indices=[1, 1]), r.GatherNd(params=x, indices=[[0, 1], [2, 3]]),
            outcome(lambda: r.GatherV2(params=x, indices=[5], axis=0)),
            r.ScatterNd(indices=[[1], [3]], updates=[9, 10], shape=[5]),
            r.TensorScatterUpdate(tensor=x, indices=[[0, 0]], updates=[-1.0]),
            r.TensorScatterAdd(tensor=x, indices=[[1]], updates=[[1.0, 1.0, 1.0, 1.0]]),
            r.TensorScatterSub(tensor=x, indices=[[2, 2]], updates=[5.0]),
            r.TensorScatterMax(tensor=x, indices=[[0, 1]], updates=[50.0]),
            r.TensorScatterMin(tensor=x, indices=[[0, 1]], updates=[-50.0]),
            r.ScatterNdNonAliasingAdd(input=x, indices=[[0, 0]], updates=[3.0]),
            grad(tf, lambda v: r.GatherV2(params=v, indices=[0, 0, 2], axis=0),
                 tf.constant([1.0, 2.0, 3.0], tf.float64)))


@case
def where_select(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.Where(condition=[[True, False], [False, True]]), r.Where(condition=[0, 3, 0, 1]),
            r.Select(condition=[True, False, True], x=x, y=-x), r.Select(condition=x > 5, x=x, y=-x),
            outcome(lambda: r.Select(condition=[True, False], x=x, y=-x)),
            r.SelectV2(condition=[True, False, True, False], t=x, e=0.0),
            outcome(lambda: r.SelectV2(condition=[True, False], t=x, e=0.0)))


@case
def broadcast_expand_squeeze(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.BroadcastTo(input=[1, 2], shape=[3, 2]), r.BroadcastArgs(s0=[2, 1, 3], s1=[4, 1]),
            r.BroadcastGradientArgs(s0=[2, 1, 3], s1=[3]), r.BroadcastGradientArgs(s0=[1], s1=[1]),
            r.BroadcastGradientArgs(s0=[4, 1], s1=[1, 5]),
            r.ExpandDims(input=[1, 2], axis=-1), r.Squeeze(input=tf.ones([1, 2, 1])),
            r.Squeeze(input=tf.ones([1, 2, 1]), axis=[2]), outcome(lambda: r.Squeeze(input=tf.ones([1, 2]), axis=[1])))


@case
def slices(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.Slice(input=x, begin=[1, 1], size=[2, -1]),
            r.StridedSlice(input=x, begin=[0, 3], end=[3, 0], strides=[2, -1]),
            r.StridedSlice(input=x, begin=[1, 0], end=[2, 0], strides=[1, 1], shrink_axis_mask=1, end_mask=2),
            r.StridedSlice(input=x, begin=[0], end=[1], strides=[1], new_axis_mask=1, ellipsis_mask=0),
            r.StridedSliceGrad(shape=[3, 4], begin=[0, 3], end=[3, 0], strides=[2, -1], dy=[[1.0, 2.0, 3.0],
                                                                                          [4.0, 5.0, 6.0]]),
            outcome(lambda: r.Slice(input=x, begin=[0, 0], size=[4, 1])),
            grad(tf, lambda v: r.StridedSlice(input=v, begin=[1], end=[3], strides=[1]),
                 tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)))


@case
def reverse_roll_fill(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.Reverse(tensor=x, dims=[True, False]), r.ReverseV2(tensor=x, axis=[1]),
            r.ReverseSequence(input=x, seq_lengths=[1, 2, 3], seq_dim=1, batch_dim=0),
            r.Roll(input=x, shift=[1, -1], axis=[0, 1]), r.Fill(dims=[2, 3], value=7),
            r.Fill(dims=tf.constant([2], tf.int64), value=tf.constant(1.5, tf.float64)),
            outcome(lambda: r.Reverse(tensor=x, dims=[True])))


@case
def shapes(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.Shape(input=x), r.Shape(input=x, out_type=tf.int64), r.ShapeN(input=[x, [1, 2]]),
            r.Size(input=x, out_type=tf.int64), r.Rank(input=x), outcome(lambda: r.Shape(input=x, out_type=tf.float32)))


@case
def one_hot_unique(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.OneHot(indices=[0, 2, -1], depth=3, on_value=5.0, off_value=0.0),
            r.OneHot(indices=[[0, 1]], depth=2, on_value=1, off_value=0, axis=0),
            r.Unique(x=[4, 1, 4, 2]), r.Unique(x=[1.5, 1.5], out_idx=tf.int64), r.UniqueWithCounts(x=[3, 3, 1]),
            outcome(lambda: r.Unique(x=[[1, 2]])))


@case
def identity_family(tf: Any) -> Any:
    r, x = tf.raw_ops, _x(tf)
    return (r.Identity(input=x), r.IdentityN(input=[x, [1, 2], "s"]), r.Snapshot(input=[1]), r.StopGradient(input=x),
            r.EnsureShape(input=x, shape=[3, None]), outcome(lambda: r.EnsureShape(input=x, shape=[4, 4])),
            grad(tf, lambda v: r.Identity(input=v) * 2, tf.constant([1.0], tf.float64)),
            grad(tf, lambda v: r.StopGradient(input=v) * v, tf.constant([3.0], tf.float64)),
            outcome(lambda: grad(tf, lambda v: r.PreventGradient(input=v, message="no"), tf.constant([1.0]))),
            r.PreventGradient(input=[1.0]))


@case
def partition_stitch_bounds(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.DynamicPartition(data=[10, 20, 30, 40], partitions=[1, 0, 1, 2], num_partitions=3),
            r.DynamicStitch(indices=[[0, 2], [1, 3]], data=[[1, 3], [2, 4]]),
            r.LowerBound(sorted_inputs=[[1, 3, 5]], values=[[3, 6]]),
            r.UpperBound(sorted_inputs=[[1, 3, 5]], values=[[3, 0]], out_type=tf.int64),
            r.InvertPermutation(x=[2, 0, 1]), outcome(lambda: r.InvertPermutation(x=[0, 0])),
            r.UnravelIndex(indices=[5, 7], dims=[3, 4]), r.ListDiff(x=[1, 2, 3, 4], y=[2, 4]),
            r.ListDiff(x=[5.0, 1.0], y=[1.0], out_idx=tf.int64))


@case
def einsum_bitcast_misc(tf: Any) -> Any:
    r = tf.raw_ops
    a, b = tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([[0.5], [1.5]])
    return (r.Einsum(inputs=[a, b], equation="ij,jk->ik"), r.Einsum(inputs=[a], equation="ii->"),
            r.Bitcast(input=tf.constant([1.0]), type=tf.int32),
            r.Bitcast(input=tf.constant([1], tf.int32), type=tf.uint8), r.CheckNumerics(tensor=[1.0], message="m"),
            outcome(lambda: r.CheckNumerics(tensor=[float("nan")], message="m")),
            r.Empty(shape=[2, 0], dtype=tf.float32), r.DeepCopy(x=[1, 2]), r.GuaranteeConst(input=[3]))


@case
def inplace_ops(tf: Any) -> Any:
    # (TF's kernels write into x's buffer; each call gets a fresh x and its result is read at once. tapegrad returns
    # a new tensor and leaves x alone — tests/test_raw_ops_audit.py checks that.)
    r = tf.raw_ops
    return (r.InplaceUpdate(x=_x(tf), i=[0, 2], v=tf.zeros([2, 4])).numpy(),
            r.InplaceAdd(x=_x(tf), i=[1], v=tf.ones([1, 4])).numpy(),
            r.InplaceSub(x=_x(tf), i=[2], v=tf.ones([1, 4])).numpy(),
            outcome(lambda: r.InplaceSub(x=_x(tf), i=[2], v=tf.ones([4]))))


@case
def diagonals(tf: Any) -> Any:
    r = tf.raw_ops
    m = tf.reshape(tf.range(1, 10), [3, 3])
    return (r.MatrixBandPart(input=m, num_lower=0, num_upper=1), r.Diag(diagonal=[1, 2]),
            r.DiagPart(input=[[1, 2], [3, 4]]), r.MatrixDiag(diagonal=[[1, 2]]), r.MatrixDiagPart(input=m),
            r.MatrixSetDiag(input=m, diagonal=[0, 0, 0]),
            r.MatrixDiagV3(diagonal=[[1, 2], [3, 4]], k=[-1, 0], num_rows=-1, num_cols=-1, padding_value=9),
            r.MatrixDiagV3(diagonal=[[1, 2], [3, 4]], k=[-1, 0], num_rows=-1, num_cols=-1, padding_value=9,
                           align="LEFT_RIGHT"),
            r.MatrixDiagPartV2(input=m, k=[0, 1], padding_value=-1),
            r.MatrixDiagPartV3(input=m, k=[0, 1], padding_value=-1),
            r.MatrixSetDiagV3(input=m, diagonal=[9, 9, 9], k=0),
            r.MatrixSetDiagV3(input=m, diagonal=[[5, 6], [7, 8, 9]][1:][0][:2], k=1))


@case
def space_batch_depth(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    s2d = r.SpaceToDepth(input=x, block_size=2)
    return (s2d, r.DepthToSpace(input=s2d, block_size=2),
            r.SpaceToBatchND(input=x, block_shape=[2, 2], paddings=[[0, 0], [0, 0]]),
            r.BatchToSpaceND(input=tf.ones([4, 1, 1, 1]), block_shape=[2, 2], crops=[[0, 0], [0, 0]]),
            r.SpaceToBatch(input=x, paddings=[[0, 0], [0, 0]], block_size=2),
            r.BatchToSpace(input=tf.ones([4, 1, 1, 1]), crops=[[0, 0], [0, 0]], block_size=2),
            outcome(lambda: r.SpaceToDepth(input=x, block_size=3)),
            r.ExtractImagePatches(images=x, ksizes=[1, 2, 2, 1], strides=[1, 2, 2, 1], rates=[1, 1, 1, 1],
                                  padding="VALID"))


@case
def data_format_ops(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.DataFormatDimMap(x=[0, 1, 2, 3, -1]), r.DataFormatDimMap(x=[1], src_format="NCHW", dst_format="NHWC"),
            r.DataFormatVecPermute(x=[1, 2, 3, 4]), r.DataFormatVecPermute(x=[[1, 2], [3, 4], [5, 6], [7, 8]]),
            r.DataFormatVecPermute(x=[5, 6], src_format="NHWC", dst_format="NCHW"),
            outcome(lambda: r.DataFormatDimMap(x=[0], src_format="NHWC", dst_format="ABCD")))


@case
def unique_v2_and_grads(tf: Any) -> Any:
    r = tf.raw_ops
    m = tf.constant([[1, 2], [3, 4], [1, 2], [0, 0]])
    return (r.UniqueV2(x=m, axis=[0]), r.UniqueV2(x=m, axis=tf.constant([1], tf.int64)),
            r.UniqueWithCountsV2(x=[5, 1, 5, 5, 2], axis=tf.constant([], tf.int32)),
            r.UniqueWithCountsV2(x=m, axis=[-2], out_idx=tf.int64), outcome(lambda: r.UniqueV2(x=m, axis=[2])),
            r.TileGrad(input=tf.reshape(tf.range(24.0), [4, 6]), multiples=[2, 3]),
            r.MirrorPadGrad(input=tf.reshape(tf.range(20.0), [4, 5]), paddings=[[1, 1], [1, 2]], mode="REFLECT"),
            r.MirrorPadGrad(input=tf.reshape(tf.range(20.0), [4, 5]), paddings=[[1, 1], [1, 2]], mode="SYMMETRIC"),
            r.ParallelConcat(values=[[[1, 2]], [[3, 4]]], shape=[2, 2]),
            r.ToBool(input=[0, 0]), r.ToBool(input=tf.zeros([0])), r.ToBool(input=0.0), r.ToBool(input=3),
            r.PopulationCount(x=tf.constant([7, -1, 0], tf.int8)),
            r.PopulationCount(x=tf.constant([2**40 + 3], tf.int64)),
            r.EditDistance(hypothesis_indices=[[0, 0], [0, 1], [1, 0]], hypothesis_values=["a", "b", "c"],
                           hypothesis_shape=[2, 2], truth_indices=[[0, 0], [1, 0], [1, 1]],
                           truth_values=["a", "c", "d"], truth_shape=[2, 2]),
            r.EditDistance(hypothesis_indices=[[0, 0]], hypothesis_values=[1], hypothesis_shape=[1, 1],
                           truth_indices=[[0, 0], [0, 1]], truth_values=[1, 2], truth_shape=[1, 2], normalize=False))


@case
def assert_print(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.Assert(condition=True, data=[tf.constant([1, 2])]),
            outcome(lambda: r.Assert(condition=[True, False], data=["x", tf.constant([1.5])])),
            r.Print(input=[1, 2], data=[tf.constant([3])], message="m: "), r.PrintV2(input="printed"))


if __name__ == "__main__":
    main(CASES)
