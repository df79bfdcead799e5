"""Raw ops of the array family: shapes, reshaping, slicing, joining, gathering/scattering, diagonals, identity-like
ops and the data-format helpers, on tapegrad's differentiable public ops."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._table import Impl, args, kwargs, public

P = public


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.numpy())


def _select(condition: Any, x: Any, y: Any) -> Any:
    """v1 ``Select``: ``condition`` has x's shape, or is a vector selecting x's rows (no other broadcasting)."""
    import tapegrad as tg

    cs, xs = tuple(condition.shape), tuple(x.shape)
    if xs != tuple(y.shape):
        raise InvalidArgumentError(None, None, f"raw_ops.Select: x and y must have the same shape, got {xs} and "
                                   f"{tuple(y.shape)} (SelectV2 broadcasts).")
    if cs != xs and not (len(cs) == 1 and len(xs) > 1 and cs[0] == xs[0]) and cs != ():
        raise InvalidArgumentError(None, None, f"raw_ops.Select: condition's shape {cs} must equal x's {xs} or be "
                                   f"a vector of x's first dimension ({xs[:1]}).")
    if len(cs) == 1 and len(xs) > 1:
        condition = tg.reshape(condition, [-1] + [1] * (len(xs) - 1))
    return tg.where(condition, x, y)


def _broadcast_gradient_args(s0: Any, s1: Any) -> Any:
    """The axes each operand's gradient sums over when ``s0`` and ``s1`` broadcast against each other."""
    import tapegrad as tg

    a, b = _np(s0).tolist(), _np(s1).tolist()
    try:
        out = np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        raise InvalidArgumentError(None, None, f"raw_ops.BroadcastGradientArgs: shapes {a} and {b} do not "
                                   "broadcast.") from None
    if a == b:  # TF's fast path: nothing to reduce
        return tg.constant([], s0.dtype), tg.constant([], s0.dtype)
    n = len(out)
    pa, pb = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    # a size-1 dimension reduces (TF lists dimensions where both are 1 for both operands)
    r0 = [i for i in range(n) if pa[i] == 1]
    r1 = [i for i in range(n) if pb[i] == 1]
    return tg.constant(r0, s0.dtype), tg.constant(r1, s0.dtype)


def _squeeze(input: Any, axis: list[int]) -> Any:  # noqa: A002 - TF's names
    import tapegrad as tg

    return tg.squeeze(input, axis=axis or None)


def _strided_slice(input: Any, begin: Any, end: Any, strides: Any, begin_mask: int, end_mask: int,  # noqa: A002
                   ellipsis_mask: int, new_axis_mask: int, shrink_axis_mask: int) -> Any:
    import tapegrad as tg

    return tg.strided_slice(input, begin, end, strides, begin_mask=begin_mask, end_mask=end_mask,
                            ellipsis_mask=ellipsis_mask, new_axis_mask=new_axis_mask,
                            shrink_axis_mask=shrink_axis_mask)


def _strided_slice_grad(shape: Any, begin: Any, end: Any, strides: Any, dy: Any, **masks: int) -> Any:
    """The gradient of ``StridedSlice`` with respect to its input: ``dy`` placed into zeros of ``shape`` (integer
    ``dy`` goes through float64, exact for the values a slice can hold)."""
    import tapegrad as tg

    exact = dy.dtype.is_floating or dy.dtype.is_complex
    x = tg.zeros(_np(shape).tolist(), dy.dtype if exact else tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = _strided_slice(x, begin, end, strides, **masks)
    out = tape.gradient(y, x, output_gradients=dy if exact else tg.cast(dy, tg.float64))
    return out if exact else tg.cast(out, dy.dtype)


def _strided_slice_update(input: Any, begin: Any, end: Any, strides: Any, value: Any,  # noqa: A002
                          **masks: int) -> Any:
    """``input`` with the strided slice replaced by ``value`` (broadcast to the slice's shape): the slice's
    positions come from scattering ones through ``StridedSliceGrad``."""
    import tapegrad as tg

    part = _strided_slice(input, begin, end, strides, **masks)
    shape = tg.shape(input)
    placed = _strided_slice_grad(shape, begin, end, strides, tg.broadcast_to(tg.cast(value, input.dtype),
                                                                             tg.shape(part)), **masks)
    hit = _strided_slice_grad(shape, begin, end, strides, tg.ones_like(part, tg.float32), **masks)
    return tg.where(hit > 0, placed, input)


def _reverse(tensor: Any, dims: Any) -> Any:
    import tapegrad as tg

    d = _np(dims)
    if d.shape != (len(tensor.shape),):
        raise InvalidArgumentError(None, None, f"raw_ops.Reverse: dims must be a bool vector of length "
                                   f"{len(tensor.shape)} (the input's rank), got shape {d.shape}.")
    return tg.reverse(tensor, [i for i, f in enumerate(d) if f])


def _shape(fn: str) -> Impl:
    def impl(input: Any, out_type: Any) -> Any:  # noqa: A002
        import tapegrad as tg

        return getattr(tg, fn)(input, out_type=out_type)

    return impl


def _prevent_gradient(input: Any, message: str) -> Any:  # noqa: A002
    import tapegrad as tg

    @tg.custom_gradient
    def forward(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            raise LookupError(f"Gradient explicitly disabled (PreventGradient). Reason: {message}")

        return tg.identity(x), grad

    return forward(input)


def _unique(with_counts: bool) -> Impl:
    def impl(x: Any, out_idx: Any) -> Any:
        import tapegrad as tg

        return tuple(tg.unique_with_counts(x, out_idx) if with_counts else tg.unique(x, out_idx))

    return impl


def _unique_v2(with_counts: bool) -> Impl:
    """``UniqueV2``/``UniqueWithCountsV2``: unique slices along ``axis`` (a 1-element vector; empty means the
    flattened input), in order of first occurrence."""

    def impl(x: Any, axis: Any, out_idx: Any) -> Any:
        import tapegrad as tg

        ax = _np(axis).reshape(-1).tolist()
        v = _np(x)
        if len(ax) > 1 or (ax and not -v.ndim <= ax[0] < max(v.ndim, 1)):
            raise InvalidArgumentError(None, None, f"raw_ops.UniqueV2: axis must hold one dimension of x's rank "
                                       f"{v.ndim} (or be empty), got {ax}.")
        a = (ax[0] % v.ndim) if ax else 0
        flat = v.reshape(-1) if not ax else np.moveaxis(v, a, 0)
        rows = flat.reshape(flat.shape[0], -1)
        _, first, inverse, counts = np.unique(rows, axis=0, return_index=True, return_inverse=True,
                                              return_counts=True)
        order = np.argsort(first, kind="stable")  # first-occurrence order, as TF
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        y = np.moveaxis(flat[np.sort(first)], 0, a) if ax else flat[np.sort(first)]
        out = (tg.constant(y, x.dtype), tg.constant(rank[inverse.reshape(-1)], out_idx))
        return out + (tg.constant(counts[order], out_idx),) if with_counts else out

    return impl


def _tile_grad(input: Any, multiples: Any) -> Any:  # noqa: A002
    """The sum of the tiles (the gradient of ``Tile``)."""
    import tapegrad as tg

    m = _np(multiples).tolist()
    shape = [d // k for d, k in zip(input.shape, m, strict=True)]
    split = [v for pair in zip(m, shape, strict=True) for v in pair]
    return tg.reduce_sum(tg.reshape(input, split), axis=list(range(0, 2 * len(m), 2)))


def _mirror_pad_grad(input: Any, paddings: Any, mode: str) -> Any:  # noqa: A002
    """The gradient of ``MirrorPad``: ``input`` folded back onto the unpadded shape."""
    import tapegrad as tg

    p = _np(paddings)
    shape = [d - int(a) - int(b) for d, (a, b) in zip(input.shape, p, strict=True)]
    x = tg.zeros(shape, input.dtype)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.pad(x, paddings, mode=mode)
    return tape.gradient(y, x, output_gradients=input)


def _parallel_concat(values: list[Any], shape: Any) -> Any:
    import tapegrad as tg

    out = tg.concat(values, axis=0)
    want = list(shape)
    if len(want) != len(out.shape) or any(w not in (None, -1, d) for w, d in zip(want, out.shape, strict=True)):
        raise InvalidArgumentError(None, None, f"raw_ops.ParallelConcat: the result's shape {list(out.shape)} does "
                                   f"not match shape={want}.")
    return out


def _to_bool(input: Any) -> Any:  # noqa: A002
    import tapegrad as tg

    v = _np(input)
    return tg.constant(bool(v.size > 0) if v.ndim else bool(v != 0))


def _edit_distance(hypothesis_indices: Any, hypothesis_values: Any, hypothesis_shape: Any, truth_indices: Any,
                   truth_values: Any, truth_shape: Any, normalize: bool) -> Any:
    import tapegrad as tg

    hyp = tg.sparse.SparseTensor(hypothesis_indices, hypothesis_values, hypothesis_shape)
    truth = tg.sparse.SparseTensor(truth_indices, truth_values, truth_shape)
    return tg.edit_distance(hyp, truth, normalize=normalize)


def _bound(side: str) -> Impl:
    def impl(sorted_inputs: Any, values: Any, out_type: Any) -> Any:
        import tapegrad as tg

        return tg.searchsorted(sorted_inputs, values, side=side, out_type=out_type)

    return impl


def _invert_permutation(x: Any) -> Any:
    import tapegrad as tg

    p = _np(x)
    if p.ndim != 1 or sorted(p.tolist()) != list(range(p.size)):
        raise InvalidArgumentError(None, None, f"raw_ops.InvertPermutation: x must be a permutation of "
                                   f"0..{p.size - 1} (a vector), got {p.tolist()}.")
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return tg.constant(out)


def _list_diff(x: Any, y: Any, out_idx: Any) -> Any:
    import tapegrad as tg

    a, b = _np(x), _np(y)
    if a.ndim != 1 or b.ndim != 1:
        raise InvalidArgumentError(None, None, f"raw_ops.ListDiff: x and y must be vectors, got shapes {a.shape} "
                                   f"and {b.shape}.")
    keep = np.flatnonzero(~np.isin(a, b))
    return tg.constant(a[keep], x.dtype), tg.constant(keep, out_idx)


def _einsum(inputs: list[Any], equation: str) -> Any:
    import tapegrad as tg

    return tg.einsum(equation, *inputs)


def _inplace(kind: str) -> Impl:
    """``Inplace{Add,Sub,Update}``: rows ``i`` of ``x`` combined with ``v`` (a new tensor: x is not mutated)."""

    def impl(x: Any, i: Any, v: Any) -> Any:
        import tapegrad as tg

        idx = tg.reshape(tg.cast(i, tg.int32), [-1, 1])
        want = [int(np.prod(i.shape))] + list(x.shape[1:])
        if list(v.shape) != want:
            raise InvalidArgumentError(None, None, f"raw_ops.Inplace{kind}: v must have shape {want} (one row of x "
                                       f"per index in i), got {list(v.shape)}.")
        rows = v
        if kind == "Update":
            return tg.tensor_scatter_nd_update(x, idx, rows)
        return tg.tensor_scatter_nd_add(x, idx, rows if kind == "Add" else -rows)

    return impl


def _empty(shape: Any, dtype: Any, init: bool) -> Any:
    import tapegrad as tg

    return tg.zeros(_np(shape).tolist(), dtype)  # uninitialized in TF unless init; zeros are a valid content


def _diag_v(fn: str, *names: str, align: str | None = None) -> Impl:
    f = P(f"linalg.{fn}")

    def impl(**kw: Any) -> Any:
        kw.setdefault("align", align)
        positional = [kw.pop(n) for n in names]
        return f(*positional, **{k: v for k, v in kw.items() if v is not None})

    return impl


def _data_format_dim_map(x: Any, src_format: str, dst_format: str) -> Any:
    import tapegrad as tg

    _check_formats("DataFormatDimMap", src_format, dst_format)
    n = len(src_format)
    perm = np.array([dst_format.index(c) for c in src_format], dtype=x.dtype.as_numpy_dtype)
    return tg.constant(perm[np.mod(_np(x), n)])


def _data_format_vec_permute(x: Any, src_format: str, dst_format: str) -> Any:
    import tapegrad as tg

    _check_formats("DataFormatVecPermute", src_format, dst_format)
    v = _np(x)
    n = len(src_format)
    if v.shape[0] == n - 2 and n == 4:  # only the spatial dims
        src, dst = [c for c in src_format if c in "HW"], [c for c in dst_format if c in "HW"]
    elif v.shape[0] == n:
        src, dst = list(src_format), list(dst_format)
    else:
        raise InvalidArgumentError(None, None, f"raw_ops.DataFormatVecPermute: x's first dimension must be "
                                   f"{n} (or 2 for the spatial dims), got {v.shape[0]}.")
    return tg.constant(v[[src.index(c) for c in dst]])


def _check_formats(op: str, src: str, dst: str) -> None:
    if sorted(src) != sorted(dst) or len(src) not in (4, 5):
        raise InvalidArgumentError(None, None, f"raw_ops.{op}: src_format {src!r} and dst_format {dst!r} must be "
                                   "permutations of the same 4 or 5 letters.")


def _extract_image_patches(images: Any, ksizes: list[int], strides: list[int], rates: list[int],
                           padding: str) -> Any:
    import tapegrad as tg

    return tg.image.extract_patches(images, ksizes, strides, rates, padding)


def _mirror_pad(input: Any, paddings: Any, mode: str) -> Any:  # noqa: A002
    import tapegrad as tg

    return tg.pad(input, paddings, mode=mode)


def _one_hot(indices: Any, depth: Any, on_value: Any, off_value: Any, axis: int) -> Any:
    import tapegrad as tg

    return tg.one_hot(indices, depth, on_value=on_value, off_value=off_value, axis=axis)


def _gather_v2(params: Any, indices: Any, axis: Any, batch_dims: int) -> Any:
    import tapegrad as tg

    return tg.gather(params, indices, axis=axis, batch_dims=batch_dims)


def _space_to_batch(input: Any, paddings: Any, block_size: int) -> Any:  # noqa: A002
    import tapegrad as tg

    return tg.space_to_batch_nd(input, [block_size, block_size], paddings)


def _batch_to_space(input: Any, crops: Any, block_size: int) -> Any:  # noqa: A002
    import tapegrad as tg

    return tg.batch_to_space(input, [block_size, block_size], crops)


def scatter_nd_into(kind: str, tensor: Any, indices: Any, updates: Any, bad_indices_policy: str) -> Any:
    """``tensor_scatter_nd_<kind>`` with TF's ``bad_indices_policy`` (``"IGNORE"`` drops out-of-range indices;
    tapegrad's ``update`` has no policy argument, so they are dropped here)."""
    import tapegrad as tg

    if kind != "update":
        return getattr(tg, f"tensor_scatter_nd_{kind}")(tensor, indices, updates,
                                                        bad_indices_policy=bad_indices_policy)
    if bad_indices_policy == "IGNORE":
        idx = _np(indices)
        depth = idx.shape[-1]
        bounds = np.asarray(tensor.shape[:depth])
        keep = ((idx >= 0) & (idx < bounds)).all(axis=-1)
        indices, updates = tg.constant(idx[keep]), tg.gather_nd(updates, tg.constant(np.argwhere(keep)))
    return tg.tensor_scatter_nd_update(tensor, indices, updates)


_SCATTER = {"TensorScatterUpdate": "update", "TensorScatterAdd": "add", "TensorScatterSub": "sub",
            "TensorScatterMax": "max", "TensorScatterMin": "min", "ScatterNdNonAliasingAdd": "add"}

OPS: dict[str, Impl] = {
    "Reshape": args(P("reshape"), "tensor", "shape"),
    "Transpose": args(P("transpose"), "x", "perm"),
    "ConjugateTranspose": args(P("transpose"), "x", "perm", conjugate=True),
    "Tile": args(P("tile"), "input", "multiples"),
    "Pad": args(P("pad"), "input", "paddings"),
    "PadV2": kwargs(P("pad"), {"input": "tensor", "paddings": "paddings", "constant_values": "constant_values"}),
    "MirrorPad": _mirror_pad,
    "Concat": kwargs(P("concat"), {"concat_dim": "axis", "values": "values"}),
    "ConcatV2": args(P("concat"), "values", "axis"),
    "Pack": args(P("stack"), "values", "axis"),
    "Unpack": kwargs(P("unstack"), {"value": "value", "num": "num", "axis": "axis"}),
    "Split": kwargs(P("split"), {"axis": "axis", "value": "value", "num_split": "num_or_size_splits"}),
    "SplitV": kwargs(P("split"), {"value": "value", "size_splits": "num_or_size_splits", "axis": "axis",
                                  "num_split": "num"}),
    "Gather": kwargs(P("gather"), {"params": "params", "indices": "indices", "validate_indices": "validate_indices"}),
    "GatherV2": _gather_v2,
    "GatherNd": kwargs(P("gather_nd"), {"params": "params", "indices": "indices",
                                        "bad_indices_policy": "bad_indices_policy"}),
    "ScatterNd": args(P("scatter_nd"), "indices", "updates", "shape", "bad_indices_policy"),
    "Where": args(P("where"), "condition"),
    "Select": _select,
    "SelectV2": args(P("where"), "condition", "t", "e"),
    "BroadcastTo": args(P("broadcast_to"), "input", "shape"),
    "BroadcastArgs": args(P("broadcast_dynamic_shape"), "s0", "s1"),
    "BroadcastGradientArgs": _broadcast_gradient_args,
    "ExpandDims": args(P("expand_dims"), "input", "axis"),
    "Squeeze": _squeeze,
    "Slice": args(P("slice"), "input", "begin", "size"),
    "StridedSlice": _strided_slice,
    "StridedSliceGrad": _strided_slice_grad,
    "TensorStridedSliceUpdate": _strided_slice_update,
    "Reverse": _reverse,
    "ReverseV2": args(P("reverse"), "tensor", "axis"),
    "ReverseSequence": kwargs(P("reverse_sequence"), {"input": "input", "seq_lengths": "seq_lengths",
                                                      "seq_dim": "seq_axis", "batch_dim": "batch_axis"}),
    "Roll": args(P("roll"), "input", "shift", "axis"),
    "Fill": args(P("fill"), "dims", "value"),
    "Shape": _shape("shape"),
    "ShapeN": _shape("shape_n"),
    "Size": _shape("size"),
    "Rank": args(P("rank"), "input"),
    "OneHot": _one_hot,
    "Unique": _unique(False),
    "UniqueWithCounts": _unique(True),
    "UniqueV2": _unique_v2(False),
    "UniqueWithCountsV2": _unique_v2(True),
    "TileGrad": _tile_grad,
    "MirrorPadGrad": _mirror_pad_grad,
    "ParallelConcat": _parallel_concat,
    "ToBool": _to_bool,
    "EditDistance": _edit_distance,
    "Identity": args(P("identity"), "input"),
    "IdentityN": args(P("identity_n"), "input"),
    "Snapshot": args(P("identity"), "input"),
    "GuaranteeConst": args(P("identity"), "input"),
    "DeepCopy": args(P("identity"), "x"),
    "StopGradient": args(P("stop_gradient"), "input"),
    "PreventGradient": _prevent_gradient,
    "EnsureShape": args(P("ensure_shape"), "input", "shape"),
    "DynamicPartition": args(P("dynamic_partition"), "data", "partitions", "num_partitions"),
    "DynamicStitch": args(P("dynamic_stitch"), "indices", "data"),
    "ParallelDynamicStitch": args(P("dynamic_stitch"), "indices", "data"),
    "LowerBound": _bound("left"),
    "UpperBound": _bound("right"),
    "InvertPermutation": _invert_permutation,
    "UnravelIndex": args(P("unravel_index"), "indices", "dims"),
    "ListDiff": _list_diff,
    "Einsum": _einsum,
    "CheckNumerics": args(P("debugging.check_numerics"), "tensor", "message"),
    "CheckNumericsV2": args(P("debugging.check_numerics"), "tensor", "message"),
    "Bitcast": args(P("bitcast"), "input", "type"),
    "Empty": _empty,
    "InplaceAdd": _inplace("Add"),
    "InplaceSub": _inplace("Sub"),
    "InplaceUpdate": _inplace("Update"),
    "MatrixBandPart": args(P("linalg.band_part"), "input", "num_lower", "num_upper"),
    "Diag": args(P("linalg.tensor_diag"), "diagonal"),
    "DiagPart": args(P("linalg.tensor_diag_part"), "input"),
    "MatrixDiag": args(P("linalg.diag"), "diagonal"),
    "MatrixDiagPart": args(P("linalg.diag_part"), "input"),
    "MatrixSetDiag": args(P("linalg.set_diag"), "input", "diagonal"),
    "MatrixDiagV2": _diag_v("diag", "diagonal", align="LEFT_LEFT"),
    "MatrixDiagV3": _diag_v("diag", "diagonal"),
    "MatrixDiagPartV2": _diag_v("diag_part", "input", align="LEFT_LEFT"),
    "MatrixDiagPartV3": _diag_v("diag_part", "input"),
    "MatrixSetDiagV2": _diag_v("set_diag", "input", "diagonal", align="LEFT_LEFT"),
    "MatrixSetDiagV3": _diag_v("set_diag", "input", "diagonal"),
    "SpaceToDepth": args(P("nn.space_to_depth"), "input", "block_size", "data_format"),
    "DepthToSpace": args(P("nn.depth_to_space"), "input", "block_size", "data_format"),
    "SpaceToBatchND": args(P("space_to_batch_nd"), "input", "block_shape", "paddings"),
    "BatchToSpaceND": args(P("batch_to_space"), "input", "block_shape", "crops"),
    "SpaceToBatch": _space_to_batch,
    "BatchToSpace": _batch_to_space,
    "DataFormatDimMap": _data_format_dim_map,
    "DataFormatVecPermute": _data_format_vec_permute,
    "ExtractImagePatches": _extract_image_patches,
}
OPS.update({op: args(functools.partial(scatter_nd_into, kind), "input" if op.startswith("ScatterNd") else "tensor",
                     "indices", "updates", "bad_indices_policy") for op, kind in _SCATTER.items()})
