"""Pooling (``tf.nn``): max_pool/avg_pool in 1-D, 2-D and N-D form.

Max and average pooling have mutually adjoint scatter/gather ops, so every order of derivative is exact. TF
conventions kept (reference §6): max-pool gradients go to the *first* maximum of each window (accumulating over
overlapping windows), and SAME average pooling divides by the number of valid (unpadded) elements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import apply1, apply2, applyn
from .._registry import defop, normal, spec
from .._tape import local
from .._tensor import Tensor
from ..errors import InvalidArgumentError
from . import shape_ops
from ._common import pair, to_tensor
from ._nn_common import _run
from .convolution import (
    Pads,
    _check_format,
    _from_nhwc,
    _out_size,
    _pad_hw,
    _resolve_padding,
    _same_pads,
    _scatter_windows,
    _spatial_arg,
    _take,
    _to_nhwc,
    _windows,
)

# -- pooling ----------------------------------------------------------------------------------------------------


def _lowest(F: Any, dtype: Any) -> Any:
    return -F.inf if dtype.kind in "fV" else F.iinfo(dtype).min


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


def _rows_of(a: np.ndarray, c: int) -> np.ndarray:
    """``a`` (last axis of ``c`` contiguous values) with each run of ``c`` values as one opaque element: NumPy then
    copies one element per run instead of running an inner loop of ``c`` values (~2x faster for 8 channels)."""
    return a.view(np.dtype((np.void, c * a.itemsize)))[..., 0]


def _maxpool_fwd(F: Any, x: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads,
                 keep: bool = False, relu: bool = False) -> Any:
    out = _maxpool_maxima(F, x, ksize, strides, pads, keep)
    if not relu:
        return out
    # relu(max(window)) == max(relu(window)): ReLU on the pooled result (its first-hit flags are the maxima's)
    if not F.is_diff and type(out) is np.ndarray and out.base is None and out.flags.c_contiguous and out.ndim == 4:
        rows = out.reshape(-1, out.shape[-2] * out.shape[-1])  # a fresh array: in place, along long rows
        np.maximum(rows, np.zeros(rows.shape[-1:], out.dtype), out=rows)
        return out
    return F.maximum(out, F.zeros_like(out))


def _maxpool_maxima(F: Any, x: Any, ksize: tuple[int, int], strides: tuple[int, int], pads: Pads,
                    keep: bool = False) -> Any:
    if (_tiled(ksize, strides, pads) and not F.is_diff and type(x) is np.ndarray and ksize[0] * ksize[1] > 1
            and x.shape[-3] % ksize[0] == 0 and x.shape[-2] % ksize[1] == 0 and x.flags.c_contiguous):
        if x.size and keep and x.ndim == 4 and x.dtype.kind == "f":
            return _maxpool_fwd_keep(x, ksize)
        if x.size:
            return _tiled_max_flat(x, ksize)[0]
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
    equal to its maximum, common after a ReLU) go to the first in row-major order, as TF's kernel. A NaN maximum
    makes this return None (the argmax rule runs)."""
    if np.isnan(top).any():
        return None
    gx = _take(x.shape, g.dtype)
    if x.ndim != 4 or x.shape[0] < 2:
        _maxpool_vjp_rows(g, x, top, ksize, gx)
        return gx
    # a few images at a time, so that the repeated maxima and upstream and the flags stay in the core's cache
    # (the whole batch at once measured ~2x slower for a 64×26×26×8 input on a shared core)
    step = max(1, _POOL_CHUNK_BYTES // max(x[0].nbytes, 1))
    for i in range(0, x.shape[0], step):
        _maxpool_vjp_rows(g[i:i + step], x[i:i + step], top[i:i + step], ksize, gx[i:i + step])
    return gx


_POOL_CHUNK_BYTES = 512 << 10


def _maxpool_vjp_rows(g: np.ndarray, x: np.ndarray, top: np.ndarray, ksize: tuple[int, int], gx: np.ndarray) -> None:
    """:func:`_maxpool_vjp_tiled_np`'s routing for one block of the batch, written into ``gx`` (C-contiguous)."""
    hits = np.empty(x.shape, bool)
    _first_hits(x, top, ksize, hits)
    _route_hits(g, hits, ksize, gx)


def _first_hits(x: np.ndarray, top: np.ndarray, ksize: tuple[int, int], hits: np.ndarray) -> None:
    """Flags (``hits``, ``x``'s shape, C-contiguous) of the element of each window that gets its gradient: the first
    equal to the window's maximum in row-major order, as TF's kernel (ties are common after a ReLU)."""
    kh, kw = ksize
    lead, (ho, wo, c) = x.shape[:-3], top.shape[-3:]
    rows = lead + (ho, kh, wo * kw, c)
    xr, eq = x.reshape(rows), hits.reshape(rows)
    # the window maxima repeated along the width to x's row layout: one comparison per kernel row
    top_w = np.repeat(top, kw, axis=-2)
    n = 0
    for a in range(kh):
        np.equal(xr[..., a, :, :], top_w, out=eq[..., a, :, :])
        n += np.count_nonzero(eq[..., a, :, :])
    if n != top.size:  # ties: keep the first hit of each window (row-major over the taps)
        # the channels' flags (bytes 0/1) read as wide unsigned words, so each bitwise op covers several channels
        width = next(w for w in (8, 4, 2, 1) if c % w == 0)
        taps = hits.reshape(lead + (ho, kh, wo, kw, c)).view(np.dtype(f"u{width}"))
        taken = taps[..., 0, :, 0, :].copy()
        not_taken = np.empty_like(taken)
        for k in range(1, kh * kw):
            a, b = divmod(k, kw)
            e = taps[..., a, :, b, :]
            np.invert(taken, out=not_taken)
            np.bitwise_and(e, not_taken, out=e)  # a hit no earlier tap of the window had
            if k < kh * kw - 1:
                taken |= e


def _route_hits(g: np.ndarray, hits: np.ndarray, ksize: tuple[int, int], gx: np.ndarray) -> None:
    """Each window's upstream value to its flagged element, +0 elsewhere, into ``gx`` (C-contiguous, ``g``'s
    dtype): the flags widened to all-ones or all-zeros words, ANDed with the bits of the upstream repeated along
    the width: exact for every value, inf and NaN too, so no finiteness check is needed (a multiply by the flags
    needed one, inf * 0 being NaN, and gave -0 for negative upstreams)."""
    kh, kw = ksize
    lead, (ho, wo, c) = g.shape[:-3], g.shape[-3:]
    rows = lead + (ho, kh, wo * kw * c)
    word = np.dtype(f"i{g.itemsize}")
    g_w = np.repeat(g, kw, axis=-2).view(word).reshape(lead + (ho, 1, wo * kw * c))
    gxw = gx.view(word).reshape(rows)
    np.negative(hits.view(np.int8).reshape(rows), out=gxw, casting="unsafe")  # True -> -1: every bit set
    np.bitwise_and(gxw, g_w, out=gxw)


# First-hit flags a recorded max pool's forward computed while its input was in cache, for the gradient (which
# then reads 1 byte per input element instead of the input and the maxima): id(output) -> (output, ksize, flags).
# Taken (popped) by the gradient and checked by identity; at most a few entries, oldest dropped first.
_SAVED_HITS: dict[int, tuple[np.ndarray, tuple[int, int], np.ndarray]] = {}
_SAVED_HITS_MAX = 8


def _maxpool_fwd_keep(x: np.ndarray, ksize: tuple[int, int]) -> np.ndarray:
    """The tiled max pool of a float ``x``, with the first-hit flags computed right after the maxima (``x`` still
    in cache; 2×2 windows: from the same flattened passes, :func:`_tiled_max_flat`) and saved for the gradient."""
    if ksize == (2, 2):
        out, hits = _tiled_max_flat(x, ksize, flags=True)
    else:
        out = _maxpool_fwd(NUMPY, x, ksize, ksize, ((0, 0), (0, 0)))
        hits = None
    if not np.isnan(out).any():  # a NaN maximum: the gradient's argmax rule runs
        if hits is None:
            hits = _take(x.shape, np.bool_)  # an engine buffer: a fresh array would page-fault every step
            _first_hits(x, out, ksize, hits)
        saved = _SAVED_HITS
        while len(saved) >= _SAVED_HITS_MAX:
            saved.pop(next(iter(saved)))
        saved[id(out)] = (out, ksize, hits)
    return out


def _tiled_max_flat(x: np.ndarray, ksize: Sequence[int], flags: bool = False) -> tuple[np.ndarray, Any]:
    """The maxima of the windows tiling a C-contiguous ``(..., H, W, C)`` (H, W multiples of the window, not
    empty), and with ``flags`` (2×2 windows, float) each window's first-hit flags, ``x``'s shape.

    First the maxima over each window's rows, a ufunc over whole image rows (``W*C`` contiguous values); then over
    its columns on that half-size result, flattened: the element ``b`` columns to the right of flat index ``j`` is
    ``j + b*C``, so ``max(m[j], m[j + C], ...)`` for every ``j`` is one long contiguous loop that gives the maxima at
    the windows' first columns (the values at the other positions are not used), gathered last with each run of
    ``C`` values copied as one element. (NumPy runs the same arithmetic on the strided ``(..., C)`` tap views
    several times slower for a few channels: one inner loop per ``C`` values.) In a training step these passes are
    memory-bound, so the temporaries are kept small: the half-size row maxima, and bytes for the flags."""
    kh, kw = ksize
    h, w, c = x.shape[-3:]
    lead, ho, wc = x.shape[:-3], h // kh, w * c
    xr = x.reshape(lead + (ho, kh, wc))
    rows = xr[..., 0, :]
    if kh > 1:
        rows = _take(lead + (ho, wc), x.dtype)
        np.maximum(xr[..., 0, :], xr[..., 1, :], out=rows)
        for a in range(2, kh):
            np.maximum(rows, xr[..., a, :], out=rows)
    rf = rows.reshape(-1)
    cols = rf
    if kw > 1:
        cols = _take(rf.shape, x.dtype)
        np.maximum(rf[:-c], rf[c:], out=cols[:-c])
        for b in range(2, kw):
            np.maximum(cols[:-b * c], rf[b * c:], out=cols[:-b * c])
    out = np.empty(lead + (ho, w // kw, c), x.dtype)
    np.copyto(_rows_of(out, c), _rows_of(cols.reshape(lead + (ho, w // kw, kw, c)), c)[..., 0])
    return out, (_first_hits_2x2(xr, rf, x.shape) if flags else None)


def _first_hits_2x2(xr: np.ndarray, rf: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The first-hit flags of 2×2 windows (TF's rule: the first maximum in row-major order), from the input as
    rows ``xr`` ``(..., Ho, 2, W*C)`` and its row maxima ``rf`` (flattened), all in bytes on half-size arrays.

    Per window column, the second row wins when strictly greater (``low``); then the second column wins when its
    row maximum is strictly greater (``right``), or when the two are equal and the first column's maximum is in
    the second row but the second column's in the first (the first maximum in row-major order is then in the first
    row, second column). ``right`` is masked to the first column's positions, spread to the second column by an OR
    with a copy shifted by ``C``, and compared with the element's column parity; an element is hit when its column
    is the chosen one and its row its column's winner. Exact for non-NaN inputs (the caller drops the flags
    otherwise)."""
    c = shape[-1]
    low = _take(rf.shape, np.bool_)
    np.greater(xr[..., 1, :], xr[..., 0, :], out=low.reshape(xr.shape[:-2] + xr.shape[-1:]))
    right = _take(rf.shape, np.bool_)
    np.greater(rf[c:], rf[:-c], out=right[:-c])
    right[-c:] = False
    tie = _take(rf.shape, np.bool_)
    np.greater_equal(rf[c:], rf[:-c], out=tie[:-c])
    crossed = _take(rf.shape, np.bool_)
    np.greater(low[:-c], low[c:], out=crossed[:-c])  # second row wins in the first column, first in the second
    np.bitwise_and(tie[:-c], crossed[:-c], out=tie[:-c])
    np.bitwise_or(right[:-c], tie[:-c], out=right[:-c])
    del tie, crossed
    first_col = _first_columns(rf.size, c)
    np.bitwise_and(right, first_col, out=right)
    np.bitwise_or(right[c:], right[:-c], out=right[c:])  # NumPy reads overlapping inputs as if copied first
    np.bitwise_xor(right, first_col, out=right)  # now: this element's column is the window's chosen column
    hits = _take(shape, np.bool_)
    h4 = hits.reshape(xr.shape)
    r3, l3 = right.reshape(xr.shape[:-2] + xr.shape[-1:]), low.reshape(xr.shape[:-2] + xr.shape[-1:])
    np.bitwise_and(r3, l3, out=h4[..., 1, :])
    np.greater(r3, l3, out=h4[..., 0, :])  # chosen column and first row its winner
    return hits


# For the 2×2 flags: True at the flat positions of a window's first column (period 2*C), cached per (size, C).
_FIRST_COLS: dict[tuple[int, int], np.ndarray] = {}


def _first_columns(size: int, c: int) -> np.ndarray:
    mask = _FIRST_COLS.get((size, c))
    if mask is None:
        period = np.zeros(2 * c, bool)
        period[:c] = True
        mask = np.tile(period, size // (2 * c))
        if len(_FIRST_COLS) >= 8:
            _FIRST_COLS.pop(next(iter(_FIRST_COLS)))
        _FIRST_COLS[(size, c)] = mask
    return mask


def _maxpool_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    x = ins[0]
    relu = p.get("relu", False)
    if relu:  # ReLU's rule first (relu'(0) = 0), on the pooled size
        if (not F.is_diff and type(out) is np.ndarray and type(g) is np.ndarray and g.shape == out.shape
                and g.dtype.kind == "f" and g.itemsize in (2, 4, 8)):
            # the upstream's bits ANDed with all-ones words where out > 0: +0 elsewhere, as TF's ReluGrad (a
            # multiply by the mask gave -0 for negative upstreams and NaN for infinite ones)
            masked = _take(g.shape, g.dtype)
            word = np.dtype(f"i{g.itemsize}")
            mw = masked.view(word)
            np.negative((out > 0).view(np.int8), out=mw, casting="unsafe")
            np.bitwise_and(mw, g.view(word), out=mw)
            g = masked
        else:
            g = F.where(out > 0, g, F.zeros_like(g))
    saved = _SAVED_HITS.pop(id(out), None) if type(out) is np.ndarray and not F.is_diff else None
    if (saved is not None and saved[0] is out and saved[1] == p["ksize"] and type(g) is np.ndarray
            and g.shape == out.shape and g.dtype == out.dtype):
        gx = _take(saved[2].shape, g.dtype)
        _route_hits(g, saved[2], p["ksize"], gx)
        return (gx,)
    if relu and not F.is_diff:  # the raw routing below compares the input with the maxima before ReLU
        out = _maxpool_maxima(F, x, p["ksize"], p["strides"], p["pads"])
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
    t = _run(F, MAXPOOL_GATHER, ts[0], arg, **_pool_geom(p))
    return F.where(out > 0, t, F.zeros_like(t)) if p.get("relu") else t


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


def _pool3d_ref(x: np.ndarray, k: Sequence[int], s: Sequence[int], same: bool, mode: str) -> np.ndarray:
    """Direct 3-D pooling over the in-input part of each window (TF's SAME excludes padding)."""
    dims = x.shape[1:4]
    out = [-(-n // st) if same else (n - kk) // st + 1 for n, kk, st in zip(dims, k, s)]
    lo = [max((o - 1) * st + kk - n, 0) // 2 if same else 0 for o, st, kk, n in zip(out, s, k, dims)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for idx in np.ndindex(*out):
        sl = tuple(slice(max(i * st - p, 0), i * st - p + kk) for i, st, p, kk in zip(idx, s, lo, k))
        win = x[(slice(None),) + sl]
        y[(slice(None),) + idx] = win.max(axis=(1, 2, 3)) if mode == "max" else win.mean(axis=(1, 2, 3))
    return y


MAXPOOL = defop("max_pool2d", _maxpool_fwd, _maxpool_vjp, _maxpool_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.nn.max_pool2d(x, 2, 2, "VALID"), lambda rng: (rng.normal(size=(2, 4, 5, 3)),),
         ref=lambda x: _pool_ref(x, (2, 2), (2, 2), ((0, 0), (0, 0)), "max"), name="valid"),
    spec(lambda tf, x: tf.nn.max_pool2d(x, [3, 2], [2, 1], "SAME"), lambda rng: (rng.normal(size=(1, 5, 4, 2)),),
         ref=lambda x: _pool_ref(x, (3, 2), (2, 1), _same_pads(5, 4, (3, 2), (2, 1)), "max"), name="same_overlap"),
    spec(lambda tf, x: tf.nn.max_pool1d(x, 3, 2, "SAME"), lambda rng: (rng.normal(size=(2, 6, 2)),),
         ref=lambda x: _pool_ref(x[:, None], (1, 3), (1, 2), ((0, 0), (0, 1)), "max")[:, 0], name="1d"),
    spec(lambda tf, x: max_pool2d_relu(x, 2, 2, "VALID"), lambda rng: (rng.normal(size=(2, 4, 6, 3)) + 0.01,),
         ref=lambda x: _pool_ref(np.maximum(x, 0), (2, 2), (2, 2), ((0, 0), (0, 0)), "max"), tf=False,
         name="relu"),
    spec(lambda tf, x: max_pool2d_relu(x, [3, 2], [2, 1], "SAME"), lambda rng: (rng.normal(size=(1, 5, 4, 2)) + 0.01,),
         ref=lambda x: _pool_ref(np.maximum(x, 0), (3, 2), (2, 1), _same_pads(5, 4, (3, 2), (2, 1)), "max"),
         tf=False, name="relu_same_overlap"),
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
    spec(lambda tf, x: tf.nn.avg_pool3d(x, [2, 3, 2], [2, 2, 1], "SAME"),
         lambda rng: (rng.normal(size=(2, 5, 4, 3, 2)),),
         ref=lambda x: _pool3d_ref(x, (2, 3, 2), (2, 2, 1), True, "avg"), name="avg_pool3d", tf=False),
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
    x, last, p = _pool_prepare(input, ksize, strides, padding, data_format, "max_pool2d", "fiuV")  # V: bfloat16
    tapes, tracer = local.tapes, local.tracer
    if tapes and (tracer is None or any(t is not tracer for t in tapes)):  # a tape records: flags for the gradient
        p["keep"] = True
    out = apply1(MAXPOOL, x, p)
    return out if last else _from_nhwc(out)


def max_pool2d_relu(x: Any, ksize: Any, strides: Any, padding: Any) -> Tensor:
    """``relu(max_pool2d(x, ksize, strides, padding))`` (NHWC) as one op: the values and gradients of
    ``max_pool2d(relu(x), ...)`` (max and ReLU commute; the gradient routes to each window's first maximum where it
    is positive and is zero elsewhere, as TF's ``ReluGrad`` then ``MaxPoolGrad``), with ReLU on the pooled size.
    What a Keras model runs for ``Conv2D(activation="relu")`` followed by ``MaxPooling2D``.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.pooling import max_pool2d_relu
    >>> max_pool2d_relu(tf.constant([[-3.0, -1.0], [2.0, 5.0], [-2.0, -4.0], [-1.0, -6.0]])[None, :, :, None],
    ...                 2, 2, "VALID").numpy().ravel().tolist()
    [5.0, 0.0]
    """
    x, _, p = _pool_prepare(x, ksize, strides, padding, "NHWC", "max_pool2d", "fiuV")
    tapes, tracer = local.tapes, local.tracer
    if tapes and (tracer is None or any(t is not tracer for t in tapes)):
        p["keep"] = True
    p["relu"] = True
    return apply1(MAXPOOL, x, p)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Average pooling over ``ksize`` windows of ``[N, H, W, C]``. With ``"SAME"`` padding each window averages
    only its valid (unpadded) elements, as in TF.

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.constant([0.0, 1, 2, 3, 4, 5, 6, 7, 8]), [1, 3, 3, 1])
    >>> tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy().reshape(-1).tolist()
    [2.0, 3.5, 6.5, 8.0]
    """
    x = to_tensor(input)
    if x._value.dtype.kind == "V":  # bfloat16: float32 sums, rounded once (as TF's kernel)
        from . import core

        return core.cast(avg_pool2d(core.cast(x, "float32"), ksize, strides, padding, data_format), "bfloat16")
    x, last, p = _pool_prepare(x, ksize, strides, padding, data_format, "avg_pool2d", "f")
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
    x4 = shape_ops.reshape(x, (xs[0], 1, xs[1], xs[2]) if last else (xs[0], xs[1], 1, xs[2]))
    y = fn(x4, [1, k], [1, s], padding, "NHWC" if last else "NCHW")
    ys = tuple(y._value.shape)
    return shape_ops.reshape(y, (ys[0], ys[2], ys[3]) if last else (ys[0], ys[1], ys[3]))


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


# -- max_pool3d: one op; its gradient goes to every input equal to its window's maximum (TF's MaxPool3DGrad) -------
# The window taps are walked as strided slices of the padded input. The gradient (scatter of g over the tied maxima)
# and its transpose (gather of h from them) are each other's VJPs: linear in g/h, masks held constant.


def _taps(k: Sequence[int], s: Sequence[int], out: Sequence[int]) -> Any:
    for t in np.ndindex(*k):
        yield (Ellipsis,) + tuple(slice(ti, ti + (o - 1) * si + 1, si) for ti, si, o in zip(t, s, out)) + (slice(None),)


def _pad3(F: Any, x: Any, pads: Any, value: Any) -> Any:
    if not any(lo or hi for lo, hi in pads):
        return x
    return F.pad(x, [(0, 0)] * (F.ndim(x) - 4) + list(pads) + [(0, 0)], constant_values=value)


def _maxpool3d_fwd(F: Any, x: Any, k: Any, s: Any, pads: Any) -> Any:
    xp = _pad3(F, x, pads, -np.inf)
    out = None
    for sl in _taps(k, s, _out3(x.shape[-4:-1], k, s, pads)):
        out = xp[sl].copy() if out is None else F.maximum(out, xp[sl])
    return out


def _out3(dims: Sequence[int], k: Sequence[int], s: Sequence[int], pads: Any) -> tuple[int, ...]:
    return tuple((n + lo + hi - kk) // ss + 1 for n, kk, ss, (lo, hi) in zip(dims, k, s, pads))


def _masks3(x: Any, out: Any, p: Any) -> tuple[list[np.ndarray], tuple[int, ...]]:
    xv, ov = np.asarray(_raw3(x)), np.asarray(_raw3(out))
    xp = _pad3(np, xv, p["pads"], -np.inf)
    return [(xp[sl] == ov).astype(xv.dtype) for sl in _taps(p["k"], p["s"], ov.shape[-4:-1])], xp.shape[-4:-1]


def _raw3(v: Any) -> Any:
    from .._tensor import _TensorLike, static_value

    return static_value(v) if isinstance(v, _TensorLike) else v


def _maxpool3d_scatter_fwd(F: Any, g: Any, x: Any, out: Any, k: Any, s: Any, pads: Any) -> Any:
    masks, pshape = _masks3(x, out, {"k": k, "s": s, "pads": pads})
    gp = F.zeros(tuple(g.shape[:-4]) + tuple(pshape) + (g.shape[-1],), dtype=g.dtype)
    for sl, m in zip(_taps(k, s, out.shape[-4:-1]), masks):
        gp[sl] += g * m
    d, h, w = x.shape[-4:-1]
    (dl, _), (hl, _), (wl, _) = pads
    return gp[..., dl: dl + d, hl: hl + h, wl: wl + w, :]


def _maxpool3d_gather_fwd(F: Any, h: Any, x: Any, out: Any, k: Any, s: Any, pads: Any) -> Any:
    masks, _ = _masks3(x, out, {"k": k, "s": s, "pads": pads})
    hp = _pad3(F, h, pads, 0)
    acc = None
    for sl, m in zip(_taps(k, s, out.shape[-4:-1]), masks):
        term = hp[sl] * m
        acc = term if acc is None else acc + term
    return acc


def _maxpool3d_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, MAXPOOL3D_SCATTER, g, ins[0], out, **p),)


def _maxpool3d_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return None if ts[0] is None else _run(F, MAXPOOL3D_GATHER, ts[0], ins[0], out, **p)


def _mp3_scatter_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, MAXPOOL3D_GATHER, h, ins[1], ins[2], **p), None, None)


def _mp3_gather_vjp(F: Any, h: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_run(F, MAXPOOL3D_SCATTER, h, ins[1], ins[2], **p), None, None)


MAXPOOL3D = defop(
    "max_pool3d", _maxpool3d_fwd, _maxpool3d_vjp, _maxpool3d_jvp, save_out=True,
    test=[
        # TF's MaxPool3D has no float64 kernel: compared with TF in float32 (ties included) by a conformance program
        spec(lambda tf, x: tf.nn.max_pool3d(x, [2, 3, 2], [2, 2, 1], "SAME"),
             lambda rng: (rng.normal(size=(2, 5, 4, 3, 2)),),
             ref=lambda x: _pool3d_ref(x, (2, 3, 2), (2, 2, 1), True, "max"), name="same", tf=False),
        spec(lambda tf, x: tf.nn.max_pool3d(x, 2, 1, "VALID", data_format="NCDHW"),
             lambda rng: (rng.normal(size=(1, 2, 3, 3, 3)),), tf=False, name="ncdhw",
             ref=lambda x: _pool3d_ref(x.transpose(0, 2, 3, 4, 1), (2, 2, 2), (1, 1, 1), False, "max")
             .transpose(0, 4, 1, 2, 3)),
    ],
)
def _mp3_linear_jvp(op_name: str) -> Any:
    """Both helpers are linear in their first input, with the tie masks held constant."""
    def jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
        op = MAXPOOL3D_SCATTER if op_name == "scatter" else MAXPOOL3D_GATHER
        return None if ts[0] is None else _run(F, op, ts[0], ins[1], ins[2], **p)

    return jvp


_MP3_TEST = {"k": (2, 2, 1), "s": (1, 1, 1), "pads": ((0, 0), (0, 0), (0, 0))}


def _mp3_helper(op: Any, x: Any, v: Any) -> Tensor:
    """An internal max_pool3d helper applied to ``v`` with the tie masks of ``x`` (for the op suite)."""
    out = apply1(MAXPOOL3D, x, _MP3_TEST)
    return applyn(op, (to_tensor(v), x, out), _MP3_TEST)


MAXPOOL3D_SCATTER = defop(
    "max_pool3d_grad", _maxpool3d_scatter_fwd, _mp3_scatter_vjp, _mp3_linear_jvp("scatter"), internal=True,
    linear=True, test=spec(lambda tf, x, g: _mp3_helper(MAXPOOL3D_SCATTER, x, g),
                           normal((1, 3, 3, 2, 1), (1, 2, 2, 2, 1)), grad=(1,), tf=False))
MAXPOOL3D_GATHER = defop(
    "max_pool3d_select", _maxpool3d_gather_fwd, _mp3_gather_vjp, _mp3_linear_jvp("gather"), internal=True,
    linear=True, test=spec(lambda tf, x, h: _mp3_helper(MAXPOOL3D_GATHER, x, h),
                           normal((1, 3, 3, 2, 1), (1, 3, 3, 2, 1)), grad=(1,), tf=False))


# -- 3-D pooling: max_pool3d is the op above; avg_pool3d is one 2-D average per depth tap, summed over valid taps --


def _pool3d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str, mode: str) -> Tensor:  # noqa: A002
    from . import core, tiling

    op = f"{mode}_pool3d"
    x = to_tensor(input)
    last = _check_format(data_format, ("NDHWC", "NCDHW"), op)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: input must be a floating point tensor, got {x.dtype.name}.")
    if x._value.ndim != 5:
        raise InvalidArgumentError(f"{op}: input must be 5-dimensional ({data_format}), got shape "
                                   f"{tuple(x._value.shape)}.")
    k = _spatial_arg(ksize, "ksize", op, last, nd=3)
    st = _spatial_arg(strides, "strides", op, last, nd=3)
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}.")
    padding = padding.upper()
    if not last:
        x = shape_ops.transpose(x, [0, 2, 3, 4, 1])
    n, d, h, w, c = x._value.shape
    kd, sd = k[0], st[0]
    if padding == "SAME":
        od = -(-d // sd)
        total = max((od - 1) * sd + kd - d, 0)
        lo = total // 2
    else:
        od, total, lo = (d - kd) // sd + 1, 0, 0
        if od <= 0:
            raise InvalidArgumentError(f"{op}: the window depth {kd} exceeds the input depth {d} with VALID padding.")
    if mode == "max":
        pads = ((lo, total - lo),) + tuple(_resolve_padding(padding, (h, w), k[1:], st[1:], (1, 1), True, op, False))
        out = apply1(MAXPOOL3D, x, {"k": tuple(k), "s": tuple(st), "pads": tuple(tuple(q) for q in pads)})
        return out if last else shape_ops.transpose(out, [0, 4, 1, 2, 3])
    if total:
        x = tiling.pad(x, [[0, 0], [lo, total - lo], [0, 0], [0, 0], [0, 0]])
    acc = None
    for t in range(kd):  # one 2-D average per depth tap, summed, then divided by the taps inside the input
        sl = x[:, t: t + (od - 1) * sd + 1: sd]
        y = avg_pool2d(shape_ops.reshape(sl, (n * od, h, w, c)), list(k[1:]), list(st[1:]), padding)
        acc = y if acc is None else acc + y
    assert acc is not None
    out = shape_ops.reshape(acc, (n, od) + tuple(acc._value.shape[1:]))
    starts = np.arange(od) * sd - lo
    count = np.minimum(starts + kd, d) - np.maximum(starts, 0)
    out = out / core.constant(count.reshape(1, od, 1, 1, 1).astype(x._value.dtype))
    return out if last else shape_ops.transpose(out, [0, 4, 1, 2, 3])


def max_pool3d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Max pooling over ``ksize`` windows of ``[N, D, H, W, C]`` (``ksize``/``strides``: an int or 1, 3 or 5
    ints); ``padding`` ``"SAME"`` or ``"VALID"``. Float64 is accepted too (TF's kernel takes float16/32 only).

    >>> import tapegrad as tf
    >>> tf.nn.max_pool3d(tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1]), 2, 2, "VALID").numpy().ravel().tolist()
    [7.0]
    """
    return _pool3d(input, ksize, strides, padding, data_format, "max")


def avg_pool3d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """Average pooling over ``ksize`` windows of ``[N, D, H, W, C]``; with ``"SAME"`` padding the padded
    positions are left out of each average, as in TF. Float64 is accepted too (TF's kernel: float16/32 only).

    >>> import tapegrad as tf
    >>> tf.nn.avg_pool3d(tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1]), 2, 2, "VALID").numpy().ravel().tolist()
    [3.5]
    """
    return _pool3d(input, ksize, strides, padding, data_format, "avg")


EXPORTS: dict[str, list[str]] = {
    "nn": [
        "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "max_pool", "avg_pool", "max_pool3d", "avg_pool3d",
    ],
}
