"""A convolution, its bias and activation, and the 2×2 max pooling after it as one op (``conv2d_bias_act_maxpool``):
what a Keras model runs for ``Conv2D(activation="relu")`` followed by ``MaxPooling2D()``, the first block of most
small CNNs. The values and gradients are those of ``max_pool2d(relu(conv2d(x, f) + b), 2, 2, "VALID")`` (TF's:
each window's gradient goes to its first maximum in row-major order; ReLU's gradient at 0 is 0).

Why one op: the pooling keeps one value of four, yet done separately the convolution writes every output (four
times the pooled size) and the pooling reads it back through strided views. Here the four positions of each 2×2
window are four *phases*: for a stride-1 convolution, the ``(kh+1)×(kw+1)`` input patch at stride 2 holds the
inputs of all four, so ONE patch matrix (rows: pooled positions) times four filter matrices (the kernel placed at
the phase's offset in that patch, zeros around it) gives each phase's outputs as a contiguous ``(pooled, C)``
block in the pooled NHWC layout. The pooling is three elementwise maxima over whole blocks, the first-hit flags
three comparisons and a few byte operations, and the gradient routes into four contiguous blocks that the filter
gradient's GEMMs read with the same patch matrix. For a 1-channel 3×3 convolution the patch matrix is also
smaller (16 values per pooled position instead of 4 × 9).

The zeros around each phase's kernel are exact for finite inputs; a non-finite value anywhere (``inf * 0``) shows in
the pooled maxima (NaN propagates through ``maximum``), and the op then computes the unfused way. Other geometries
(strides, dilations, groups, many input channels) also run the unfused ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ._nn_common import _run, _take
from .convolution import (
    CONV2D_BIAS_ACT,
    _conv_ref,
    _conv_vjp,
    _fused_args,
    _fused_jvp,
    _fused_vjp,
    _mm_rows,
    _mm_sum_rows,
    _pad_hw,
    activations,
    bias_add,
    conv2d,
    pair,
)
from .pooling import MAXPOOL, _maxpool_jvp, _maxpool_vjp, _pool_ref, max_pool2d, max_pool2d_relu

#: The phase path's limit on the patch size ``(kh+1)·(kw+1)·Cin``: its GEMMs do ``4·(kh+1)(kw+1)/(kh·kw)`` times
#: the convolution's multiply-adds (16/9 for 3×3), which pays for few input channels (memory-bound) only.
MAX_PATCH = 64

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_POOL = {"ksize": (2, 2), "strides": (2, 2), "pads": ((0, 0), (0, 0))}

# What a recorded forward kept for the gradient: id(output) -> (output, patch matrix, first-hit flags). Taken
# (popped) by the gradient and checked by identity; at most a few entries, oldest dropped first.
_SAVED: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_SAVED_MAX = 8


def phase_path(x_shape: tuple[int, ...], f_shape: tuple[int, ...], strides: Any, dil: Any, groups: int) -> bool:
    """The geometry the phase path runs (stride 1, no dilation or groups, few input channels, a whole window)."""
    return (len(x_shape) == 4 and len(f_shape) == 4 and groups == 1 and tuple(strides) == (1, 1)
            and tuple(dil) == (1, 1) and 0 < (f_shape[0] + 1) * (f_shape[1] + 1) * f_shape[2] <= MAX_PATCH)


def _phase_filters(f: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """``(4, K, Co)``: per phase ``(r, c)`` of the 2×2 window the kernel at offset ``(r, c)`` of the
    ``(kh+1, kw+1, Ci)`` patch (zeros elsewhere), and the bias as the last row (against the patch's column of
    ones)."""
    kh, kw, ci, co = f.shape
    k = (kh + 1) * (kw + 1) * ci
    w = np.zeros((4, k + (b is not None), co), f.dtype)
    for r in range(2):
        for c in range(2):
            w[2 * r + c, :k].reshape(kh + 1, kw + 1, ci, co)[r:r + kh, c:c + kw] = f
    if b is not None:
        w[:, k] = b
    return w


def _patch_matrix(xp: np.ndarray, kh: int, kw: int, hq: int, wq: int, ones: bool) -> np.ndarray:
    """``(N·hq·wq, (kh+1)(kw+1)Ci [+1])``: the ``(kh+1)×(kw+1)`` patch at stride 2 of each pooled position (each
    patch row's ``(kw+1)·Ci`` values copied as one opaque element), and a column of ones for the bias."""
    n, _, _, ci = xp.shape
    k = (kh + 1) * (kw + 1) * ci
    cols = _take((n * hq * wq, k + ones), xp.dtype)
    xp = np.ascontiguousarray(xp)
    st = xp.strides
    run = np.dtype((np.void, (kw + 1) * ci * xp.itemsize))
    src = np.ndarray((n, hq, wq, kh + 1), run, xp, 0, (st[0], 2 * st[1], 2 * st[2], st[1]))
    np.copyto(cols[:, :k].reshape(n, hq, wq, kh + 1, (kw + 1) * ci).view(run)[..., 0], src)
    if ones:
        cols[:, k] = 1
    return cols


def _phase_fwd(x: np.ndarray, f: np.ndarray, b: np.ndarray | None, pads: Any, act: str,
               keep: bool) -> np.ndarray | None:
    """The pooled output by phases, or None when a pooled maximum is not finite (the unfused ops then run)."""
    xp = _pad_hw(NUMPY, x, pads)
    n, hp, wp, _ = xp.shape
    kh, kw, _, co = f.shape
    hq, wq = (hp - kh + 1) // 2, (wp - kw + 1) // 2
    if hq < 1 or wq < 1:
        return None
    cols = _patch_matrix(xp, kh, kw, hq, wq, b is not None)
    w = _phase_filters(f, b)
    m = cols.shape[0]
    phases = _take((4, m, co), x.dtype)
    for p in range(4):
        _mm_rows(cols, w[p], phases[p])
    out = _take((n, hq, wq, co), x.dtype)
    top = out.reshape(m, co)
    np.maximum(phases[0], phases[1], out=top)
    np.maximum(top, phases[2], out=top)
    np.maximum(top, phases[3], out=top)
    # NaN propagates through maximum: a finite sum means every phase output is finite (and the zeros exact)
    if not np.isfinite(np.add.reduce(top, axis=None)):
        return None
    if keep:  # first-hit flags while the phases are in cache: the first phase (row-major) equal to the maximum
        hits = _take((4, m, co), np.bool_)
        np.equal(phases[0], top, out=hits[0])
        if act == "relu":  # ReLU's gradient (0 where the maximum is not positive) in the flags: no window routes
            taken = np.less_equal(top, 0)
            np.greater(hits[0], taken, out=hits[0])
            np.bitwise_or(taken, hits[0], out=taken)
        else:
            taken = hits[0].copy()
        for p in (1, 2):
            np.equal(phases[p], top, out=hits[p])
            np.greater(hits[p], taken, out=hits[p])  # equal, and no earlier phase was
            np.bitwise_or(taken, hits[p], out=taken)
        np.logical_not(taken, out=hits[3])
        saved = _SAVED
        while len(saved) >= _SAVED_MAX:
            saved.pop(next(iter(saved)))
        saved[id(out)] = (out, cols, hits)
    if act == "relu":
        rows = out.reshape(n, -1)
        np.maximum(rows, np.zeros(rows.shape[-1:], out.dtype), out=rows)
    return out


def _conv_params(p: dict[str, Any]) -> dict[str, Any]:
    return {"strides": p["strides"], "dil": p["dil"], "pads": p["pads"], "groups": p["groups"], "act": "linear",
            "keep": False}


def _raw_ok(*vals: Any) -> bool:
    return all(type(v) is np.ndarray and v.dtype == vals[0].dtype for v in vals) and vals[0].dtype in _FLOATS


def _fwd(F: Any, x: Any, f: Any, *b: Any, strides: Any, dil: Any, pads: Any, groups: int, act: str,
         keep: bool) -> Any:
    if (not F.is_diff and _raw_ok(x, f, *b) and x.size and phase_path(x.shape, f.shape, strides, dil, groups)):
        out = _phase_fwd(x, f, b[0] if b else None, pads, act, keep)
        if out is not None:
            return out
    y = _run(F, CONV2D_BIAS_ACT, x, f, *b, strides=strides, dil=dil, pads=pads, groups=groups, act="linear",
             keep=False)
    return _run(F, MAXPOOL, y, **_POOL, relu=act == "relu", keep=keep)


def _vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    saved = _SAVED.pop(id(out), None) if not F.is_diff and type(out) is np.ndarray else None
    if (saved is not None and saved[0] is out and type(g) is np.ndarray and g.shape == out.shape
            and g.dtype == out.dtype):
        return _phase_vjp(g, ins, saved[1], saved[2], p, needs)
    # the unfused ops' rules, on the convolution's output computed again
    cp = _conv_params(p)
    y = _run(F, CONV2D_BIAS_ACT, *ins, **cp)
    gy = _maxpool_vjp(F, g, (y,), out, {**_POOL, "relu": p["act"] == "relu"}, (True,))[0]
    return _fused_vjp(F, gy, ins, y, cp, needs)


def _phase_vjp(g: np.ndarray, ins: Any, cols: np.ndarray, hits: np.ndarray, p: Any, needs: Any) -> tuple[Any, ...]:
    x, f = ins[0], ins[1]
    kh, kw, ci, co = f.shape
    m = cols.shape[0]
    g2 = g.reshape(m, co)
    # each window's upstream to its flagged phase (none where ReLU's gradient is 0), +0 elsewhere: the flags widened
    # to all-ones words, ANDed with the upstream's bits (exact for every value: no -0, no inf * 0)
    d = _take(hits.shape, g.dtype)
    word = np.dtype(f"i{g.itemsize}")
    dw = d.view(word)
    np.negative(hits.view(np.int8), out=dw, casting="unsafe")
    np.bitwise_and(dw, g2.view(word), out=dw)
    gx = gf = gb = None
    if needs[1] or (len(ins) == 3 and needs[2]):
        k = (kh + 1) * (kw + 1) * ci
        gf = np.zeros((kh, kw, ci, co), g.dtype)
        gb = np.zeros((co,), g.dtype)
        for q in range(4):
            r = _mm_sum_rows(cols.T, d[q])
            a, c = divmod(q, 2)
            gf += r[:k].reshape(kh + 1, kw + 1, ci, co)[a:a + kh, c:c + kw]
            if len(ins) == 3:
                gb += r[k]
    if needs[0]:
        # the convolution's output gradient (zeros at the positions no window pooled), then conv2d's input rule
        pads = p["pads"]
        ho = x.shape[1] + pads[0][0] + pads[0][1] - kh + 1
        wo = x.shape[2] + pads[1][0] + pads[1][1] - kw + 1
        n, hq, wq = g.shape[0], g.shape[1], g.shape[2]
        gy = _take((n, ho, wo, co), g.dtype)
        gy.fill(0)
        for q in range(4):
            a, c = divmod(q, 2)
            gy[:, a:2 * hq:2, c:2 * wq:2] = d[q].reshape(n, hq, wq, co)
        gx = _conv_vjp(NUMPY, gy, (x, f), None, _conv_params(p), (True, False))[0]
    res = (gx, gf if needs[1] else None)
    return res + (gb if needs[2] else None,) if len(ins) == 3 else res


def _jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    cp = _conv_params(p)
    y = _run(F, CONV2D_BIAS_ACT, *ins, **cp)
    ty = _fused_jvp(F, ts, ins, y, cp)
    return None if ty is None else _maxpool_jvp(F, (ty,), (y,), out, {**_POOL, "relu": p["act"] == "relu"})


def _ref(x: np.ndarray, f: np.ndarray, b: np.ndarray, act: str = "relu", pads: Any = ((0, 0), (0, 0))) -> np.ndarray:
    y = _conv_ref(x, f, pads=pads) + b
    return _pool_ref(np.maximum(y, 0) if act == "relu" else y, (2, 2), (2, 2), ((0, 0), (0, 0)), "max")


CONV2D_POOL = defop("conv2d_bias_act_maxpool", _fwd, _vjp, _jvp, save_out=True, test=[
    spec(lambda tf, x, f, b: conv2d_bias_act_maxpool(x, f, b, 1, "VALID"),
         lambda rng: (rng.normal(size=(2, 7, 6, 1)), rng.normal(size=(3, 3, 1, 3)), rng.normal(size=(3,)) + 0.1),
         ref=_ref, tf=False, name="relu"),
    spec(lambda tf, x, f, b: conv2d_bias_act_maxpool(x, f, b, 1, "SAME", activation="linear"),
         lambda rng: (rng.normal(size=(2, 4, 6, 2)), rng.normal(size=(2, 3, 2, 3)), rng.normal(size=(3,))),
         ref=lambda x, f, b: _ref(x, f, b, "linear", pads=((0, 1), (1, 1))), tf=False, name="linear_same"),
    spec(lambda tf, x, f, b: conv2d_bias_act_maxpool(x, f, b, 1, "VALID"),
         lambda rng: (rng.normal(size=(1, 6, 6, 5)), rng.normal(size=(3, 3, 5, 2)), rng.normal(size=(2,))),
         ref=_ref, tf=False, name="unfused_channels"),
])


def conv2d_bias_act_maxpool(x: Any, filters: Any, bias: Any, strides: Any, padding: str, dilations: Any = 1,
                            activation: str = "relu") -> Tensor:
    """``max_pool2d(activation(conv2d(x, filters) + bias), 2, 2, "VALID")`` as one op (NHWC ``x``, ``filters``
    ``[kh, kw, Cin / groups, Cout]``, ``bias`` ``[Cout]`` or None, ``activation`` ``"relu"`` or ``"linear"``): the
    values and gradients of those ops, TF's max-pool routing included (to float rounding). What a Keras model runs
    for ``Conv2D(activation="relu")`` followed by ``MaxPooling2D()``.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.conv_pool import conv2d_bias_act_maxpool
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> conv2d_bias_act_maxpool(x, tf.ones([1, 1, 1, 1]), tf.constant([-6.0]), 1, "VALID").numpy().ravel().tolist()
    [0.0, 1.0, 7.0, 9.0]
    """
    args = _fused_args(x, filters, bias, strides, padding, dilations, activation, "conv2d_bias_act_maxpool")
    if args is None:  # the general checks and messages are conv2d's and max_pool2d's
        x, f = pair(x, filters, "conv2d")
        y = conv2d(x, f, strides, padding, dilations=dilations)
        y = y if bias is None else bias_add(y, pair(x, bias, "bias_add")[1])
        return max_pool2d(activations.relu(y) if activation == "relu" else y, 2, 2, "VALID")
    ins, p = args
    xs, fs = ins[0]._value.shape, ins[1]._value.shape
    pads = p["pads"]
    if min(xs[1] + pads[0][0] + pads[0][1] - fs[0] + 1, xs[2] + pads[1][0] + pads[1][1] - fs[1] + 1) < 2:
        # no whole window: max_pool2d's checks and result
        y = applyn(CONV2D_BIAS_ACT, ins, {**p, "act": "linear"})
        return max_pool2d_relu(y, 2, 2, "VALID") if activation == "relu" else max_pool2d(y, 2, 2, "VALID")
    return applyn(CONV2D_POOL, ins, p)
