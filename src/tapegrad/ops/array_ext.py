"""Array ops TF has at top level: ``strided_slice`` (every mask), ``space_to_batch``/``space_to_batch_nd``/
``batch_to_space``/``required_space_to_batch_paddings`` (and ``tf.nn.space_to_batch``), ``reverse_sequence`` and
``edit_distance``.

The differentiable ones are compositions of recorded ops (indexing, pad, reshape, transpose, gather), so their
gradients, forward-mode tangents and higher derivatives come from those ops' rules.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InvalidArgumentError
from . import core, indexing, shape_ops, tiling
from ._common import to_tensor


def _ints(x: Any, what: str, op: str) -> np.ndarray:
    v = np.asarray(static_value(x) if isinstance(x, _TensorLike) else x)
    if v.dtype.kind not in "iu" and v.size:
        raise TypeError(f"{op}: {what} must be integers, got {v.dtype}.")
    return v.astype(np.int64)


# -- strided_slice ------------------------------------------------------------------------------------------------


def _bit(mask: int, i: int) -> bool:
    return bool((mask >> i) & 1)


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None, begin_mask: int = 0, end_mask: int = 0,
                  ellipsis_mask: int = 0, new_axis_mask: int = 0, shrink_axis_mask: int = 0, var: Any = None,
                  name: str | None = None) -> Tensor:
    """``input_[begin:end:strides]`` spelt as TF's StridedSlice: bit ``i`` of ``begin_mask``/``end_mask`` ignores
    ``begin[i]``/``end[i]`` (the full range), of ``ellipsis_mask`` makes position ``i`` an ``...``, of
    ``new_axis_mask`` a ``tf.newaxis``, of ``shrink_axis_mask`` an integer index ``begin[i]`` (the axis is
    dropped). Differentiable in ``input_`` (the gradient of an indexing).

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(12), [3, 4])
    >>> tf.strided_slice(x, [0, 1], [3, 4], [2, 2]).numpy().tolist()
    [[1, 3], [9, 11]]
    >>> tf.strided_slice(x, [1, 0], [2, 4], shrink_axis_mask=1).numpy().tolist()
    [4, 5, 6, 7]
    """
    op = "strided_slice"
    x = to_tensor(input_)
    b, e = _ints(begin, "begin", op).reshape(-1), _ints(end, "end", op).reshape(-1)
    s = np.ones_like(b) if strides is None else _ints(strides, "strides", op).reshape(-1)
    if not len(b) == len(e) == len(s):
        raise InvalidArgumentError(f"{op}: begin, end and strides must have one length, got {len(b)}, {len(e)} and "
                                   f"{len(s)}.")
    if bin(int(ellipsis_mask)).count("1") > 1:
        raise InvalidArgumentError(f"{op}: at most one ellipsis is allowed (ellipsis_mask={ellipsis_mask}).")
    key: list[Any] = []
    for i in range(len(b)):
        if _bit(ellipsis_mask, i):
            key.append(Ellipsis)
        elif _bit(new_axis_mask, i):
            key.append(None)
        elif _bit(shrink_axis_mask, i):
            key.append(int(b[i]))
        else:
            if s[i] == 0:
                raise InvalidArgumentError(f"{op}: strides[{i}] must be non-zero.")
            key.append(slice(None if _bit(begin_mask, i) else int(b[i]), None if _bit(end_mask, i) else int(e[i]),
                             int(s[i])))
    dims = sum(1 for k in key if k is not None and k is not Ellipsis)
    if dims > x._value.ndim:
        raise InvalidArgumentError(f"{op}: the slice spec indexes {dims} axes but the input has shape "
                                   f"{list(x._value.shape)} (rank {x._value.ndim}).")
    nd = x._value.ndim
    pos = 0
    for k in key:  # shrink indices out of range: TF's message names the dimension
        if k is Ellipsis:
            pos = nd - sum(1 for q in key[key.index(k) + 1:] if q is not None)
            continue
        if k is None:
            continue
        if isinstance(k, int) and not -x._value.shape[pos] <= k < x._value.shape[pos]:
            raise InvalidArgumentError(f"{op}: slice index {k} of dimension {pos} out of bounds (size "
                                       f"{x._value.shape[pos]}).")
        pos += 1
    return x[tuple(key)]


# -- space_to_batch / batch_to_space ------------------------------------------------------------------------------


def _block_and_pairs(x: Tensor, block_shape: Any, pairs: Any, what: str, op: str) -> tuple[np.ndarray, np.ndarray]:
    block = _ints(block_shape, "block_shape", op)
    if block.ndim == 0:
        block = np.full(2, int(block))
    m = block.size
    pv = _ints(pairs, what, op).reshape(-1, 2) if np.size(pairs) else np.zeros((0, 2), np.int64)
    if pv.shape != (m, 2):
        got = list(np.shape(static_value(pairs) if isinstance(pairs, _TensorLike) else pairs))
        raise InvalidArgumentError(f"{op}: {what} must have shape [{m}, 2] (block_shape has {m} entries), got {got}.")
    if np.any(block < 1):
        raise InvalidArgumentError(f"{op}: block_shape must be positive, got {block.tolist()}.")
    if np.any(pv < 0):
        raise InvalidArgumentError(f"{op}: {what} must be non-negative, got {pv.tolist()}.")
    if x._value.ndim < m + 1:
        raise InvalidArgumentError(f"{op}: the input needs rank >= {m + 1} (batch + {m} spatial axes), got shape "
                                   f"{list(x._value.shape)}.")
    return block, pv


def space_to_batch_nd(input: Any, block_shape: Any, paddings: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Zero-pad the ``M`` spatial axes after the batch axis by ``paddings`` (``[M, 2]``), cut them into blocks of
    ``block_shape``, and move the block offsets into the batch axis: ``[batch, *spatial, *rest]`` becomes
    ``[batch * prod(block_shape), *(padded / block_shape), *rest]``.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(4), [1, 2, 2, 1])
    >>> tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]]).numpy().reshape(-1).tolist()
    [0, 1, 2, 3]
    """
    op = "space_to_batch_nd"
    x = to_tensor(input)
    block, pads = _block_and_pairs(x, block_shape, paddings, "paddings", op)
    m = block.size
    shape = list(x._value.shape)
    rest = shape[m + 1:]
    full = [[0, 0]] + pads.tolist() + [[0, 0]] * len(rest)
    padded = tiling.pad(x, full) if np.any(pads) else x
    sp = [shape[1 + i] + int(pads[i].sum()) for i in range(m)]
    for i in range(m):
        if sp[i] % block[i]:
            raise InvalidArgumentError(f"{op}: padded spatial dimension {i} ({sp[i]}) is not divisible by "
                                       f"block_shape[{i}] = {int(block[i])}.")
    inner = [v for i in range(m) for v in (sp[i] // int(block[i]), int(block[i]))]
    y = shape_ops.reshape(padded, [shape[0]] + inner + rest)
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + list(range(1 + 2 * m,
                                                                                          1 + 2 * m + len(rest)))
    y = shape_ops.transpose(y, perm)
    return shape_ops.reshape(y, [shape[0] * int(np.prod(block))] + [sp[i] // int(block[i]) for i in range(m)] + rest)


def space_to_batch(input: Any, block_shape: Any, paddings: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.space_to_batch`` (TF 2): the same as ``space_to_batch_nd``.

    >>> import tapegrad as tf
    >>> tf.space_to_batch(tf.ones([1, 4, 4, 1]), [2, 2], [[0, 0], [0, 0]]).shape
    TensorShape([4, 2, 2, 1])
    """
    return space_to_batch_nd(input, block_shape, paddings)


def batch_to_space(input: Any, block_shape: Any, crops: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``space_to_batch_nd``: move block offsets out of the batch axis into the ``M`` spatial
    axes, then crop ``crops`` (``[M, 2]``) off them. An integer ``block_shape`` means the same block on 2 axes.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(4), [4, 1, 1, 1])
    >>> tf.batch_to_space(x, [2, 2], [[0, 0], [0, 0]]).numpy().reshape(2, 2).tolist()
    [[0, 1], [2, 3]]
    """
    op = "batch_to_space"
    x = to_tensor(input)
    block, crop = _block_and_pairs(x, block_shape, crops, "crops", op)
    m = block.size
    shape = list(x._value.shape)
    nb = int(np.prod(block))
    if shape[0] % nb:
        raise InvalidArgumentError(f"{op}: the input batch ({shape[0]}) is not divisible by prod(block_shape) "
                                   f"= {nb}.")
    rest = shape[m + 1:]
    y = shape_ops.reshape(x, [int(v) for v in block] + [shape[0] // nb] + shape[1:])
    perm = [m] + [v for i in range(m) for v in (m + 1 + i, i)] + list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    y = shape_ops.transpose(y, perm)
    sp = [shape[1 + i] * int(block[i]) for i in range(m)]
    y = shape_ops.reshape(y, [shape[0] // nb] + sp + rest)
    for i in range(m):
        if crop[i].sum() > sp[i]:
            raise InvalidArgumentError(f"{op}: crops[{i}] = {crop[i].tolist()} remove more than the spatial size "
                                       f"{sp[i]}.")
    if np.any(crop):
        key = (slice(None),) + tuple(slice(int(crop[i, 0]), sp[i] - int(crop[i, 1])) for i in range(m))
        y = y[key]
    return y


def required_space_to_batch_paddings(input_shape: Any, block_shape: Any, base_paddings: Any = None,
                                     name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(paddings, crops)`` (int32 ``[M, 2]``) that make ``input_shape`` (+ ``base_paddings``) divisible by
    ``block_shape``: the extra padding goes at the end and is what ``crops`` removes again.

    >>> import tapegrad as tf
    >>> p, c = tf.required_space_to_batch_paddings([5, 7], [2, 3])
    >>> p.numpy().tolist(), c.numpy().tolist()
    ([[0, 1], [0, 2]], [[0, 1], [0, 2]])
    """
    op = "required_space_to_batch_paddings"
    shape = _ints(input_shape, "input_shape", op).reshape(-1)
    block = _ints(block_shape, "block_shape", op).reshape(-1)
    if shape.size != block.size:
        raise ValueError(f"{op}: input_shape has {shape.size} entries but block_shape has {block.size}.")
    base = np.zeros((block.size, 2), np.int64) if base_paddings is None else _ints(
        base_paddings, "base_paddings", op).reshape(block.size, 2)
    full = shape + base[:, 0] + base[:, 1]
    extra = (block - full % block) % block
    paddings = np.stack([base[:, 0], base[:, 1] + extra], axis=1).astype(np.int32)
    crops = np.stack([np.zeros_like(extra), extra], axis=1).astype(np.int32)
    return core.constant(paddings), core.constant(crops)


# -- reverse_sequence -----------------------------------------------------------------------------------------------


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: Any = None, batch_axis: Any = None,  # noqa: A002
                     name: str | None = None) -> Tensor:
    """Reverse the first ``seq_lengths[b]`` entries along ``seq_axis`` of each slice ``b`` along ``batch_axis``
    (default 0); the rest stays in place. Differentiable in ``input`` (a gather).

    >>> import tapegrad as tf
    >>> x = tf.constant([[1, 2, 3, 4], [5, 6, 7, 8]])
    >>> tf.reverse_sequence(x, [3, 1], seq_axis=1, batch_axis=0).numpy().tolist()
    [[3, 2, 1, 4], [5, 6, 7, 8]]
    """
    op = "reverse_sequence"
    x = to_tensor(input)
    nd = x._value.ndim
    if seq_axis is None:
        raise ValueError(f"{op}: seq_axis is required.")
    sa = operator.index(seq_axis) % max(nd, 1)
    ba = operator.index(batch_axis or 0) % max(nd, 1)
    if sa == ba:
        raise InvalidArgumentError(f"{op}: seq_axis and batch_axis must differ, both are {sa}.")
    lens_t = to_tensor(seq_lengths)
    if lens_t.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: seq_lengths must be int32 or int64, got {lens_t.dtype.name}.")
    lens = static_value(lens_t).astype(np.int64)
    shape = x._value.shape
    if lens.ndim != 1 or lens.size != shape[ba]:
        raise InvalidArgumentError(f"{op}: seq_lengths must be a vector of length input.shape[batch_axis] = "
                                   f"{shape[ba]}, got shape {list(lens.shape)}.")
    if np.any(lens > shape[sa]) or np.any(lens < 0):
        bad = int(lens[(lens > shape[sa]) | (lens < 0)][0])
        raise InvalidArgumentError(f"{op}: seq_lengths entries must be in [0, {shape[sa]}] (input.shape[seq_axis])"
                                   f", got {bad}.")
    j = np.arange(shape[sa])
    src = np.where(j[None, :] < lens[:, None], lens[:, None] - 1 - j[None, :], j[None, :])  # [batch, seq]
    # a flat index of the whole tensor: the source of every element
    grid = np.indices(shape)
    grid[sa] = src[grid[ba], grid[sa]]
    flat = np.ravel_multi_index(tuple(grid), shape) if x._value.size else np.zeros(shape, np.int64)
    return shape_ops.reshape(indexing.gather(shape_ops.reshape(x, [-1]), core.constant(flat.reshape(-1))), shape)


# -- edit_distance ----------------------------------------------------------------------------------------------


def _levenshtein(a: list[Any], b: list[Any]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def _groups(sp: Any, out_shape: tuple[int, ...]) -> dict[tuple[int, ...], list[Any]]:
    idx = static_value(sp.indices)
    vals = static_value(sp.values).tolist()
    order = np.lexsort(idx.T[::-1]) if idx.size else np.zeros(0, np.int64)
    groups: dict[tuple[int, ...], list[Any]] = {}
    for k in order:
        groups.setdefault(tuple(int(v) for v in idx[k, :-1]), []).append(vals[k])
    return groups


def edit_distance(hypothesis: Any, truth: Any, normalize: bool = True, name: str = "edit_distance") -> Tensor:
    """Levenshtein distances between the sequences of two SparseTensors of rank R (the last axis is the sequence,
    the first R-1 index it), as float32 of shape ``max(hypothesis.dense_shape, truth.dense_shape)[:-1]``. With
    ``normalize`` each distance is divided by the truth's length (``inf`` for an empty truth; 0 when both are
    empty).

    >>> import tapegrad as tf
    >>> h = tf.sparse.from_dense(tf.constant([["a", "b"]]))
    >>> t = tf.sparse.from_dense(tf.constant([["a", "c"]]))
    >>> tf.edit_distance(h, t).numpy().tolist()
    [0.5]
    """
    from .sparse_ops import SparseTensor

    op = "edit_distance"
    if not isinstance(hypothesis, SparseTensor) or not isinstance(truth, SparseTensor):
        raise TypeError(f"{op}: hypothesis and truth must be SparseTensors, got {type(hypothesis).__name__} and "
                        f"{type(truth).__name__}.")
    if hypothesis.values.dtype != truth.values.dtype:
        raise InvalidArgumentError(f"{op}: hypothesis ({hypothesis.values.dtype.name}) and truth "
                                   f"({truth.values.dtype.name}) values need one dtype.")
    hs = static_value(hypothesis.dense_shape)
    ts = static_value(truth.dense_shape)
    if hs.size != ts.size:
        raise InvalidArgumentError(f"{op}: hypothesis and truth must have one rank, got {hs.size} and {ts.size}.")
    out_shape = tuple(int(v) for v in np.maximum(hs, ts)[:-1])
    hg, tg = _groups(hypothesis, out_shape), _groups(truth, out_shape)
    out = np.zeros(out_shape, np.float32)
    with np.errstate(all="ignore"):
        for pos in np.ndindex(*out_shape):
            h, t = hg.get(pos, []), tg.get(pos, [])
            d = np.float32(_levenshtein(h, t))
            out[pos] = d / np.float32(len(t)) if normalize and d else d  # (0 / 0 is 0, as TF)
    return core.constant(out)


EXPORTS: dict[str, list[str]] = {
    "": ["strided_slice", "space_to_batch", "space_to_batch_nd", "batch_to_space", "required_space_to_batch_paddings",
         "reverse_sequence", "edit_distance"],
    "nn": ["space_to_batch"],
}
