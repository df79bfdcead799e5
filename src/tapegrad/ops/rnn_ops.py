"""Fused LSTM and GRU ops: one LSTM step, a whole LSTM sequence, the GRU's elementwise step.

An LSTM step is ``z = x_t W + b + h U`` followed by a dozen elementwise operations. ``lstm_step`` is the
recurrent GEMM and the elementwise update as one op (one tape entry, one closed-form gradient, which also computes
the recurrent kernel's gradient), as PyTorch fuses them into one kernel; the caller does the input projection.
``lstm_sequence`` is a whole LSTM layer pass (projection included) as one op, what ``keras.layers.LSTM`` runs.
``gru_cell`` is the GRU's elementwise part after its GEMMs. All are ordinary registered ops: tapes, higher-order
gradients (the rules use only backend functions the differentiable namespace has), forward mode and tracing see
them like any other.

Gate orders are Keras's: LSTM ``[i, f, c, o]``, GRU ``[z, r, h]`` with ``reset_after=True`` (the recurrent bias
inside the reset product). The recurrent activation is the logistic function (``lstm_sequence``'s NumPy rule
computes it as ``(1 + tanh(z/2)) / 2``, within 6e-8 absolute in float32), the activation ``tanh``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _buffers
from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ._common import to_tensor

__all__ = ["lstm_step", "lstm_sequence", "gru_cell"]


def _sig(F: Any, x: Any) -> Any:
    return 1 / (1 + F.exp(-x))  # exp overflow at x < -88 gives exactly 0 (NumPy's warning is silenced in tapegrad)


def _lstm_gates(F: Any, z: Any) -> tuple[Any, Any, Any, Any]:
    """[σ(i), σ(f), tanh(g), σ(o)] from the pre-activations ``z`` (Keras's gate order)."""
    u = z.shape[-1] // 4
    s = _sig(F, z)  # one pass over all four blocks (the c block's sigmoid is unused): fewer, larger array ops
    return s[..., :u], s[..., u:2 * u], F.tanh(z[..., 2 * u:3 * u]), s[..., 3 * u:]


def _lstm_step_fwd(F: Any, xp: Any, h: Any, c: Any, uk: Any) -> tuple[Any, Any, Any]:
    i, f, g, o = _lstm_gates(F, xp + F.matmul(h, uk))
    c_new = f * c + i * g
    # the third output, the gate activations [σ(i), σ(f), tanh(g), σ(o)], is what the gradient reads
    return o * F.tanh(c_new), c_new, F.concatenate([i, f, g, o], axis=-1)


def _lstm_step_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xp, h, c, uk = ins
    gh, gc, ga = g
    u = c.shape[-1]
    act = out[2]
    i, f, gg, o = act[..., :u], act[..., u:2 * u], act[..., 2 * u:3 * u], act[..., 3 * u:]
    t = F.tanh(out[1])
    dc = gc + gh * o * (1 - t * t)
    # upstream of each gate activation (plus the activations' own upstream, nonzero only in higher-order passes),
    # times the activation's derivative
    da = F.concatenate([dc * gg, dc * c, dc * i, gh * t], axis=-1) + ga
    dz = da * F.concatenate([i * (1 - i), f * (1 - f), 1 - gg * gg, o * (1 - o)], axis=-1)
    g_h = F.matmul(dz, F.transpose(uk)) if needs[1] else None
    g_uk = F.matmul(F.transpose(h), dz) if needs[3] else None
    return (dz if needs[0] else None), g_h, (dc * f if needs[2] else None), g_uk


def _lstm_step_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    xp, h, c, uk = ins
    t_xp, t_h, t_c, t_uk = ts
    u = c.shape[-1]
    act = out[2]
    i, f, gg, o = act[..., :u], act[..., u:2 * u], act[..., 2 * u:3 * u], act[..., 3 * u:]
    t = F.tanh(out[1])
    tz = None
    for part in (t_xp, None if t_h is None else F.matmul(t_h, uk), None if t_uk is None else F.matmul(h, t_uk)):
        if part is not None:
            tz = part if tz is None else tz + part
    if tz is None:
        tz = F.zeros_like(act)
    ta = tz * F.concatenate([i * (1 - i), f * (1 - f), 1 - gg * gg, o * (1 - o)], axis=-1)
    dc = ta[..., u:2 * u] * c + ta[..., :u] * gg + i * ta[..., 2 * u:3 * u]
    if t_c is not None:
        dc = dc + f * t_c
    dh = ta[..., 3 * u:] * t + o * (1 - t * t) * dc
    return dh, dc, ta


def _lstm_ref(xp: np.ndarray, h: np.ndarray, c: np.ndarray, uk: np.ndarray) -> tuple[np.ndarray, ...]:
    z = xp + h @ uk
    u = c.shape[-1]
    s = 1 / (1 + np.exp(-z))
    g = np.tanh(z[:, 2 * u:3 * u])
    c2 = s[:, u:2 * u] * c + s[:, :u] * g
    return s[:, 3 * u:] * np.tanh(c2), c2, np.concatenate([s[:, :2 * u], g, s[:, 3 * u:]], axis=-1)


LSTM_STEP = defop("lstm_step", _lstm_step_fwd, _lstm_step_vjp, _lstm_step_jvp, multi=True, save_out=True,
                  test=spec(lambda tf, xp, h, c, uk: lstm_step(xp, h, c, uk, return_gates=True),
                            lambda rng: (rng.normal(size=(3, 8)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)),
                                         rng.normal(size=(2, 8)) * 0.5), ref=_lstm_ref, tf=False))


def lstm_step(xp: Any, h: Any, c: Any, recurrent_kernel: Any, return_gates: bool = False) -> list[Tensor]:
    """One LSTM step: ``z = xp + h U`` (``xp`` is the step's input projection ``x W + b``, ``[..., 4u]``, Keras
    gate order i, f, c, o), then ``c' = σ(f)·c + σ(i)·tanh(g)`` and ``h' = σ(o)·tanh(c')``; returns ``[h', c']``
    (and the gate activations with ``return_gates``). One op: one tape entry, one closed-form gradient.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.rnn_ops import lstm_step
    >>> h, c = lstm_step(tf.zeros([1, 4]), tf.zeros([1, 1]), tf.ones([1, 1]), tf.zeros([1, 4]))
    >>> round(float(h[0, 0]), 4), float(c[0, 0])
    (0.2311, 0.5)
    """
    xp, h, c, uk = to_tensor(xp), to_tensor(h), to_tensor(c), to_tensor(recurrent_kernel)
    out = applyn(LSTM_STEP, (xp, h, c, uk))
    return out if return_gates else out[:2]


# -- the whole sequence as one op --------------------------------------------------------------------------------
# ``lstm_sequence`` runs every step of an LSTM in one op. Its third output, the gate activations, is in the op's own
# gate order [o, i, f, c] (Keras's [i, f, c, o] rotated by one block: the three sigmoid gates are one run). In NumPy
# (``_lstm_seq_fwd_np``, ``_lstm_seq_vjp_np``) the recurrence runs transposed, batch last, so every gate is a
# contiguous run of rows and each elementwise step is one call over contiguous memory (column slices of a
# ``(batch, 4u)`` block cost NumPy several times more per call at these sizes). The op's outputs are transposed views
# of the forward's buffers, time-major ``(T, batch, ·)``. The backward pass through time does only the recurrent part
# per step (the gate derivatives and their products with the saved states are a few whole-sequence passes before the
# loop), then the recurrent kernel's, the input kernel's and the bias's gradients are ONE GEMM over all steps. Under
# the differentiable namespace (higher-order gradients) both rules are the per-step formulas above, looped.


def _fast(F: Any, *arrays: Any) -> bool:
    return not F.is_diff and all(type(a) is np.ndarray for a in arrays)


def _zero(a: np.ndarray) -> bool:
    """All elements zero; a zero-stride broadcast (a compiled program's upstream of an unused output) by one read."""
    if a.size and not any(a.strides):
        return not a.flat[0]
    return not a.any()


def _rotated(F: Any, a: Any) -> Any:
    """Keras's gate order [i, f, c, o] along the last axis as the op's [o, i, f, c]."""
    u = F.shape(a)[-1] // 4
    return F.concatenate([a[..., 3 * u:], a[..., :3 * u]], axis=-1)


def _keras_order(F: Any, a: Any) -> Any:
    """The op's gate order [o, i, f, c] along the last axis as Keras's [i, f, c, o]."""
    u = F.shape(a)[-1] // 4
    return F.concatenate([a[..., u:], a[..., :u]], axis=-1)


def _lstm_rec_fwd(F: Any, xp: Any, h0: Any, c0: Any, uk: Any) -> tuple[Any, Any, Any]:
    """The recurrence over time-major projections ``xp`` ``(T, B, 4u)``: every step's h, c and gates (the per-step
    formulas, on any namespace; the gates in the op's order)."""
    hs, cs, acts = [], [], []
    h, c = h0, c0
    for t in range(xp.shape[0]):
        h, c, a = _lstm_step_fwd(F, xp[t], h, c, uk)
        hs.append(h)
        cs.append(c)
        acts.append(a)
    return F.stack(hs), F.stack(cs), _rotated(F, F.stack(acts))


def _rotate_into(dst: np.ndarray, src: np.ndarray, u: int) -> None:
    """``src``'s last-axis gate blocks [i, f, c, o] written into ``dst`` as [o, i, f, c]."""
    np.copyto(dst[..., :u], src[..., 3 * u:])
    np.copyto(dst[..., u:], src[..., :3 * u])


_SCALES: dict[tuple[int, Any], np.ndarray] = {}


def _gate_scale(u: int, dt: Any) -> np.ndarray:
    """``(4u,)`` in the op's gate order: 0.5 on the sigmoid gates' columns (o, i, f), 1 on the candidate's (c)."""
    s = _SCALES.get((u, dt))
    if s is None:
        s = _SCALES[(u, dt)] = np.full((4 * u,), 0.5, dt)
        s[3 * u:] = 1
    return s


# The NumPy forward's buffers, batch last (B columns):
# * operands ``(T + 1, u + d [+1], B)``: slot t holds step t's GEMM operand [h_{t-1}; x_t; 1] (h_t is written into
#   slot t + 1); the hidden-state outputs are views of its first u rows;
# * states ``(T + 1, 6u, B)``: slot t holds [tanh(c_t); o; i; f; c̃; c_{t-1}] for step t (c̃ the candidate tanh(z_c))
#   and c_t is written into slot t + 1's last block. The gates and cell-state outputs are views of it; the backward
#   pass finds tanh(c_t) and c_{t-1} beside the gates, so every product it needs is one strided call.


def _lstm_seq_fwd_np(x: np.ndarray, kernel: np.ndarray, bias: Any, h0: np.ndarray, c0: np.ndarray,
                     uk: np.ndarray) -> tuple[np.ndarray, ...]:
    b, steps, d = x.shape
    u4 = uk.shape[1]
    u = u4 // 4
    dt = np.result_type(x, kernel, h0, c0, uk, *(() if bias is None else (bias,)))
    take = _buffers.take
    # σ(z) = (1 + tanh(z/2)) / 2: the sigmoid gates' columns of the kernels are halved, so ONE tanh over the step's
    # whole (4u, B) block gives tanh(z/2) on the gates and tanh(z) on the candidate; then one multiply-add over the
    # three (contiguous) sigmoid gates turns them into σ. Each step is ONE GEMM (4u, u + d [+1]) @ (u + d [+1], B):
    # the recurrent and input kernels (and the bias) side by side, against the step's operand slot.
    nrow = u + d + (0 if bias is None else 1)
    wk = np.concatenate((uk, kernel) if bias is None else (uk, kernel, bias.reshape(1, u4)))
    wt = np.empty((nrow, u4), dt)
    _rotate_into(wt, wk, u)
    wt *= _gate_scale(u, dt)  # halving is exact in binary floating point
    w = wt.T  # BLAS reads the F-ordered view as it is
    ops = take((steps + 1, nrow, b), dt)
    np.copyto(ops[0, :u], h0.T)
    np.copyto(ops[:steps, u:u + d], x.transpose(1, 2, 0))
    if bias is not None:
        ops[:steps, u + d] = 1
    st = take((steps + 1, 6 * u, b), dt)
    np.copyto(st[0, 5 * u:], c0.T)
    pair = np.empty((2, u, b), dt)
    hrow = ops[:, :u]
    zt, sg, tc, og = st[:, u:5 * u], st[:, u:4 * u], st[:, :u], st[:, u:2 * u]
    st6 = st.reshape(steps + 1, 6, u, b)
    gates, states, cn = st6[:, 2:4], st6[:, 4:6], st[:, 5 * u:]
    half = dt.type(0.5)
    dot, tanh, mul, add = np.dot, np.tanh, np.multiply, np.add  # positional out=: less call overhead per step
    p0, p1 = pair
    for z, op, s, gt, sv, c, tct, ot, h in zip(zt[:steps], ops, sg, gates, states, cn[1:], tc, og, hrow[1:]):
        dot(w, op, z)
        tanh(z, z)
        mul(s, half, s)
        add(s, half, s)
        mul(gt, sv, pair)  # [σ(i)·c̃, σ(f)·c_{t-1}]
        add(p0, p1, c)
        tanh(c, tct)
        mul(ot, tct, h)
    return (ops[1:, :u].transpose(0, 2, 1), st[1:, 5 * u:].transpose(0, 2, 1), st[:steps, u:5 * u].transpose(0, 2, 1),
            ops[steps, :u].T)


def _owner(view: np.ndarray, shape: tuple[int, ...], offset: int) -> np.ndarray | None:
    """The forward's buffer of ``shape`` that ``view`` (one of the op's outputs) views from element ``offset`` on, or
    None when it is not such a view (the forward ran otherwise, or the output was copied)."""
    base = view.base
    if type(base) is not np.ndarray or base.shape != shape or base.dtype != view.dtype:
        return None
    return base if view.ctypes.data == base.ctypes.data + offset * base.itemsize else None


def _saved_states(out: Any, c0: np.ndarray) -> np.ndarray:
    """The forward's states buffer (``(T [+1], 6u, B)``, see above) behind the op's outputs, rebuilt from the
    outputs when they are not views of one."""
    cs, gates = out[1], out[2]
    steps, b, u = cs.shape
    st = _owner(gates, (steps + 1, 6 * u, b), u * b)
    isz = cs.itemsize
    if st is not None and gates.strides == (6 * u * b * isz, isz, b * isz):
        return st
    st = _buffers.take((steps, 6 * u, b), cs.dtype)
    np.copyto(st[:, u:5 * u], gates.transpose(0, 2, 1))
    np.tanh(cs.transpose(0, 2, 1), out=st[:, :u])
    np.copyto(st[0, 5 * u:], c0.T)
    np.copyto(st[1:, 5 * u:], cs[:-1].transpose(0, 2, 1))
    return st


def _lstm_rec_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """Gradients of the recurrence wrt ``(xp, h0, c0, uk)`` (the per-step rule looped backwards; upstreams may carry
    leading Jacobian batch axes: time is axis -3). The gates (and their upstream) are in the op's order."""
    xp, h0, c0, uk = ins
    ghs, gcs, ga = g
    hs, cs, acts = out
    acts, ga = _keras_order(F, acts), _keras_order(F, ga)
    steps = F.shape(hs)[0]
    dh = dc_next = g_uk = None
    dzs: list[Any] = [None] * steps
    for t in reversed(range(steps)):
        gh = ghs[..., t, :, :] if dh is None else ghs[..., t, :, :] + dh
        gc = gcs[..., t, :, :] if dc_next is None else gcs[..., t, :, :] + dc_next
        h = h0 if t == 0 else hs[t - 1]
        c = c0 if t == 0 else cs[t - 1]
        dzs[t], dh, dc_next, gk = _lstm_step_vjp(F, (gh, gc, ga[..., t, :, :]), (None, h, c, uk),
                                                 (hs[t], cs[t], acts[t]), p, (True, True, True, needs[3]))
        g_uk = gk if g_uk is None else g_uk + gk
    dz = F.stack(dzs, axis=-3)
    return (dz if needs[0] else None), (dh if needs[1] else None), (dc_next if needs[2] else None), g_uk


def _lstm_seq_vjp_np(ghs: Any, gl: Any, gcs: Any, ins: tuple[Any, ...], out: Any, needs: Any) -> tuple[Any, ...]:
    """The backward pass through time in the forward's transposed layout, then every weight's gradient as ONE GEMM
    over all steps. Upstreams: of the hidden states (None: zero), of the last hidden state (None: zero; not both
    None) and of the cell states (None: zero); ``ins`` ``(x, kernel, bias, h0, c0, uk)`` (bias None when there is
    none), ``needs`` as ins."""
    x, kernel, bias, h0, c0, uk = ins
    n_x, n_k, n_b, n_h, n_c, n_u = needs
    steps, b, u = out[1].shape
    u4 = 4 * u
    dt = out[1].dtype
    take = _buffers.take
    st = _saved_states(out, c0)
    # whole-sequence passes: q (T, 5u, B) = [o·tanh'(c_t); σ'(o)·tanh(c_t); σ'(i)·c̃; σ'(f)·c_{t-1}; tanh'(c̃)·σ(i)]:
    # the first two multiply ∂h_t (into ∂c_t and the o gate), the other three ∂c_t (into the i, f and c gates)
    a, a6 = st[:steps], st[:steps].reshape(steps, 6, u, b)
    q = take((steps, 5 * u, b), dt)
    q5 = q.reshape(steps, 5, u, b)
    np.multiply(a[:, :5 * u], a[:, :5 * u], out=q)
    np.subtract(a[:, u:4 * u], q[:, u:4 * u], out=q[:, u:4 * u])  # σ' = σ - σ² (o, i, f)
    np.subtract(1, q5[:, ::4], out=q5[:, ::4])  # tanh' = 1 - tanh² (c_t, c̃)
    np.multiply(q5[:, :2], a6[:, 1::-1], out=q5[:, :2])  # · o, · tanh(c_t)
    np.multiply(q5[:, 2::2], a6[:, 4:1:-2], out=q5[:, 2::2])  # · c̃, · σ(i)
    np.multiply(q5[:, 3], a6[:, 5], out=q5[:, 3])  # · c_{t-1}
    # step t's dz (op order o, i, f, c) is made in place of q[t]'s rows u: (rows :u: become the step's ∂h·o·tanh'(c))
    ukr = np.empty((u, u4), dt)
    _rotate_into(ukr, uk, u)
    dcb, ghb, dhb = (np.empty((u, b), dt) for _ in range(3))
    f_next = a6[:, 3]
    ghs_t = None if ghs is None else ghs.transpose(0, 2, 1)
    mul, add, dot = np.multiply, np.add, np.dot
    dh = dc = None
    for t in reversed(range(steps)):
        if dh is None:  # the last step
            if ghs_t is None:
                gh = gl.T
            elif gl is None:
                gh = ghs_t[t]
            else:
                gh = add(ghs_t[t], gl.T, ghb)
        elif ghs_t is not None:
            gh = add(ghs_t[t], dh, ghb)
        else:
            gh = dh
        dk = q5[t]
        mul(dk[:2], gh, dk[:2])
        if dc is None:
            dc = dk[0]
        else:
            mul(dc, f_next[t + 1], dcb)  # the carried gradient of c_t through c_{t+1} = f·c_t + ...
            add(dcb, dk[0], dcb)
            dc = dcb
        if gcs is not None:
            add(dc, gcs[t].T, dc)
        mul(dk[2:], dc, dk[2:])
        if t or n_h:
            dh = dot(ukr, q[t, u:], dhb)
    res: list[Any] = [None] * 6
    if n_h:
        res[3] = dh.T.copy()
    if n_c:
        res[4] = np.multiply(dc, f_next[0]).T.copy()
    if not (n_u or n_k or (n_b and bias is not None) or n_x):
        return tuple(res)
    dz = take((u4, steps, b), dt)  # all steps' dz as one (4u, T·B) matrix for the weights' GEMM, in Keras's order
    np.copyto(dz[:3 * u], q[:, 2 * u:].transpose(1, 0, 2))
    np.copyto(dz[3 * u:], q[:, u:2 * u].transpose(1, 0, 2))
    dz = dz.reshape(u4, steps * b)
    # Σ_t [h_{t-1}; x_t; 1] dz_tᵀ: the recurrent kernel's, the input kernel's and the bias's gradients as ONE GEMM
    # over every step, against the forward's operand buffer (or, when the hidden states are not a view of it, the
    # rows needed stacked anew)
    d = x.shape[2]
    nb_all = 0 if bias is None else 1
    if n_u or n_k or (n_b and bias is not None):
        nrow = u + d + nb_all
        ops = _owner(out[0], (steps + 1, nrow, b), nrow * b)
        if ops is not None and out[0].strides == (nrow * b * dt.itemsize, dt.itemsize, b * dt.itemsize):
            nh = u
            sa3 = take((nrow, steps, b), dt)
            np.copyto(sa3, ops[:steps].transpose(1, 0, 2))
            sa = sa3.reshape(nrow, steps * b)
        else:
            nh, nx, nb = (u if n_u else 0), (d if n_k else 0), (1 if n_b and bias is not None else 0)
            nrow = nh + nx + nb
            sa3 = take((nrow, steps, b), dt)
            if nh:
                np.copyto(sa3[:u, 0], h0.T)
                np.copyto(sa3[:u, 1:], out[0][:-1].transpose(2, 0, 1))
            if nx:
                np.copyto(sa3[nh:nh + d], x.transpose(2, 1, 0))
            if nb:
                sa3[nrow - 1] = 1
            sa = sa3.reshape(nrow, steps * b)
        gw = np.matmul(dz, sa.T).T  # (nrow, 4u) F-ordered: BLAS is fastest with these operands this way round
        res[5] = gw[:u] if n_u else None
        res[1] = gw[nh:nh + d] if n_k else None
        res[2] = gw[nrow - 1] if n_b and bias is not None else None
    if n_x:
        res[0] = np.matmul(dz.T, kernel.T).reshape(steps, b, d).transpose(1, 0, 2)
    return tuple(res)


def _lstm_rec_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    xp, h0, c0, uk = ins
    t_xp, t_h, t_c, t_uk = ts
    hs, cs, acts = out
    acts = _keras_order(F, acts)
    dhs, dcs, das = [], [], []
    for t in range(F.shape(hs)[0]):
        h = h0 if t == 0 else hs[t - 1]
        c = c0 if t == 0 else cs[t - 1]
        t_h, t_c, ta = _lstm_step_jvp(F, (None if t_xp is None else t_xp[t], t_h, t_c, t_uk), (None, h, c, uk),
                                      (hs[t], cs[t], acts[t]), p)
        dhs.append(t_h)
        dcs.append(t_c)
        das.append(ta)
    return F.stack(dhs), F.stack(dcs), _rotated(F, F.stack(das))


def _seq_unpack(ins: Any, has_bias: bool) -> tuple[Any, ...]:
    x, kernel = ins[0], ins[1]
    bias = ins[2] if has_bias else None
    return (x, kernel, bias) + tuple(ins[-3:])


def _time_major_rows(F: Any, x: Any) -> Any:
    """``x`` ``(B, T, d)`` as the time-major rows ``(T*B, d)`` of the input projection."""
    b, t, d = F.shape(x)
    if not F.is_diff:
        return F.reshape(F.ascontiguousarray(F.transpose(x, (1, 0, 2))), (t * b, d))
    return F.reshape(F.transpose(x, (1, 0, 2)), (t * b, d))


def _project(F: Any, x: Any, kernel: Any, bias: Any) -> Any:
    """The time-major input projections ``x W + b`` ``(T, B, 4u)``: one GEMM (into a cache buffer in NumPy)."""
    b, t, _ = F.shape(x)
    rows = _time_major_rows(F, x)
    if _fast(F, x, kernel) and (bias is None or type(bias) is np.ndarray):
        u4 = kernel.shape[-1]
        xp = _buffers.take((t, b, u4), np.result_type(x, kernel))
        np.matmul(rows, kernel, out=xp.reshape(t * b, u4))
        if bias is not None:
            xp += bias
        return xp
    xp = F.matmul(rows, kernel)
    if bias is not None:
        xp = xp + bias
    return F.reshape(xp, (t, b, F.shape(kernel)[-1]))


def _lstm_seq_fwd(F: Any, *ins: Any, has_bias: bool) -> tuple[Any, Any, Any, Any]:
    """Every step's h, c and gates, and the last h (its own output: a layer without ``return_sequences`` records
    no slice op)."""
    x, kernel, bias, h0, c0, uk = _seq_unpack(ins, has_bias)
    if _fast(F, x, kernel, h0, c0, uk) and (bias is None or type(bias) is np.ndarray) and x.ndim == 3:
        return _lstm_seq_fwd_np(x, kernel, bias, h0, c0, uk)
    hs, cs, acts = _lstm_rec_fwd(F, _project(F, x, kernel, bias), h0, c0, uk)
    return hs, cs, acts, hs[-1]


def _lstm_seq_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    has_bias = p["has_bias"]
    x, kernel, bias, h0, c0, uk = _seq_unpack(ins, has_bias)
    ghs, gcs, ga, gl = g  # None for an output nothing used (the op asks the engine for None over zeros)
    out = out[:3]
    if (_fast(F, x, kernel, h0, c0, uk, *out) and (bias is None or type(bias) is np.ndarray)
            and all(v is None or (type(v) is np.ndarray and v.ndim == 3) for v in g[:3]) and out[0].ndim == 3
            and (ga is None or _zero(ga)) and (gl is None or (type(gl) is np.ndarray and gl.ndim == 2))):
        if ghs is not None and ghs.size and not any(ghs.strides) and not ghs.flat[0]:
            ghs = None  # a compiled program's zero upstream of an unused output
        if ghs is None and gl is None:
            gl = np.zeros(out[0].shape[1:], out[0].dtype)
        res = _lstm_seq_vjp_np(ghs, gl, None if gcs is None or _zero(gcs) else gcs, (x, kernel, bias, h0, c0, uk),
                               out, (needs[0], needs[1], has_bias and needs[2]) + tuple(needs[-3:]))
        return res if has_bias else res[:2] + res[3:]
    if gl is not None:  # the last h's upstream joins the last step's (time is axis -3, after any Jacobian axes)
        k = len(F.shape(gl)) - 2
        glt = F.expand_dims(gl, k)
        if ghs is not None:
            ghs = F.concatenate([ghs[..., :-1, :, :], ghs[..., -1:, :, :] + glt], axis=k)
        elif F.shape(out[0])[0] == 1:
            ghs = glt
        else:
            shape = tuple(F.shape(gl))
            head = F.zeros(shape[:k] + (F.shape(out[0])[0] - 1,) + shape[k:], dtype=getattr(gl, "_value", gl).dtype)
            ghs = F.concatenate([head, glt], axis=k)
    g = (ghs, gcs, ga)
    if any(v is None for v in g):  # zeros, with the leading (Jacobian) batch axes of the upstreams there are
        k = next(k for k, v in enumerate(g) if v is not None)
        batch = tuple(F.shape(g[k])[:len(F.shape(g[k])) - len(F.shape(out[k]))])
        g = tuple(v if v is not None else F.zeros_like(o) if not batch else
                  F.zeros(batch + tuple(F.shape(o)), dtype=getattr(o, "_value", o).dtype) for v, o in zip(g, out))
    need_z = needs[0] or needs[1] or (has_bias and needs[2])
    dz, dh0, dc0, duk = _lstm_rec_vjp(F, g, (None, h0, c0, uk), out, p, (need_z,) + tuple(needs[-3:]))
    res: list[Any] = [None] * len(ins)
    res[-3], res[-2], res[-1] = dh0, dc0, duk
    if need_z:
        b, t, d = F.shape(x)
        nb = len(F.shape(dz)) - 3  # leading Jacobian batch axes of the upstream
        dz2 = F.reshape(dz, F.shape(dz)[:nb] + (t * b, F.shape(dz)[-1]))
        if needs[1]:  # Σ over every step and example of xᵀ dz: one GEMM
            res[1] = F.matmul(F.transpose(_time_major_rows(F, x)), dz2)
        if has_bias and needs[2]:
            res[2] = F.sum(dz2, axis=-2)
        if needs[0]:
            dx = F.reshape(F.matmul(dz2, F.transpose(kernel)), F.shape(dz)[:nb] + (t, b, d))
            res[0] = F.transpose(dx, tuple(range(nb)) + (nb + 1, nb, nb + 2))
    return tuple(res)


def _lstm_seq_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    has_bias = p["has_bias"]
    x, kernel, bias, h0, c0, uk = _seq_unpack(ins, has_bias)
    t_x, t_k, t_b, t_h0, t_c0, t_uk = _seq_unpack(ts, has_bias)
    t_xp = None
    if t_x is not None:
        t_xp = _project(F, t_x, kernel, None)
    if t_k is not None:
        part = _project(F, x, t_k, None)
        t_xp = part if t_xp is None else t_xp + part
    if t_b is not None:
        t_xp = t_b + F.zeros_like(out[2]) if t_xp is None else t_xp + t_b
    dhs, dcs, das = _lstm_rec_jvp(F, (t_xp, t_h0, t_c0, t_uk), (None, h0, c0, uk), out[:3], p)
    return dhs, dcs, das, dhs[-1]


def _lstm_seq_ref(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, h: np.ndarray, c: np.ndarray,
                  uk: np.ndarray) -> tuple[np.ndarray, ...]:
    hs, cs, acts = [], [], []
    for t in range(x.shape[1]):
        h, c, a = _lstm_ref(x[:, t] @ kernel + bias, h, c, uk)
        hs.append(h)
        cs.append(c)
        acts.append(a)
    return np.stack(hs), np.stack(cs), _rotated(NUMPY, np.stack(acts))


LSTM_SEQUENCE = defop("lstm_sequence", _lstm_seq_fwd, _lstm_seq_vjp, _lstm_seq_jvp, multi=True, save_out=True,
                      none_upstreams=True,
                      test=[spec(lambda tf, x, k, b, h, c, uk: lstm_sequence(x, k, b, h, c, uk, return_gates=True),
                                 lambda rng: (rng.normal(size=(3, 4, 2)), rng.normal(size=(2, 8)) * 0.5,
                                              rng.normal(size=(8,)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)),
                                              rng.normal(size=(2, 8)) * 0.5), ref=_lstm_seq_ref, tf=False),
                            spec(lambda tf, x, k, h, c, uk: lstm_sequence(x, k, None, h, c, uk)[0],
                                 lambda rng: (rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4)) * 0.5,
                                              rng.normal(size=(2, 1)), rng.normal(size=(2, 1)),
                                              rng.normal(size=(1, 4)) * 0.5),
                                 ref=lambda x, k, h, c, uk: _lstm_seq_ref(x, k, np.zeros(4), h, c, uk)[0],
                                 tf=False, name="no_bias"),
                            spec(lambda tf, x, k, b, h, c, uk: lstm_sequence(x, k, b, h, c, uk, return_last=True)[-1],
                                 lambda rng: (rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4)) * 0.5,
                                              rng.normal(size=(4,)), rng.normal(size=(2, 1)), rng.normal(size=(2, 1)),
                                              rng.normal(size=(1, 4)) * 0.5),
                                 ref=lambda x, k, b, h, c, uk: _lstm_seq_ref(x, k, b, h, c, uk)[0][-1],
                                 tf=False, name="last")])


def lstm_sequence(x: Any, kernel: Any, bias: Any, h0: Any, c0: Any, recurrent_kernel: Any,
                  return_gates: bool = False, return_last: bool = False) -> list[Tensor]:
    """A whole LSTM layer pass as one op: inputs ``x`` ``(batch, time, d)``, input kernel ``(d, 4u)``, ``bias``
    ``(4u,)`` or None, initial states ``h0``/``c0`` ``(batch, u)`` and the recurrent kernel ``(u, 4u)`` (Keras gate
    order i, f, c, o). Returns ``[hs, cs]``, the hidden and cell states of every step, time-major ``(time, batch,
    u)`` (then the gate activations with ``return_gates``, ``(time, batch, 4u)`` in the op's gate order o, i, f, c;
    then the last hidden state ``(batch, u)`` with ``return_last``: an output of its own, not a slice of ``hs``).
    Same numerics as :func:`lstm_step` step by step; one tape entry; in NumPy each step is one GEMM (recurrent and
    input kernels and bias together), and the gradients of all three weights are one GEMM over all steps.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.rnn_ops import lstm_sequence
    >>> hs, cs = lstm_sequence(tf.zeros([1, 2, 1]), tf.zeros([1, 4]), None, tf.zeros([1, 1]), tf.ones([1, 1]),
    ...                        tf.zeros([1, 4]))
    >>> [round(float(v), 4) for v in hs[:, 0, 0]], [float(v) for v in cs[:, 0, 0]]
    ([0.2311, 0.1225], [0.5, 0.25])
    """
    ins = [to_tensor(x), to_tensor(kernel)] + ([] if bias is None else [to_tensor(bias)])
    ins += [to_tensor(h0), to_tensor(c0), to_tensor(recurrent_kernel)]
    out = applyn(LSTM_SEQUENCE, tuple(ins), {"has_bias": bias is not None})
    return out[:2] + ([out[2]] if return_gates else []) + ([out[3]] if return_last else [])


def _gru_parts(F: Any, xz: Any, hz: Any) -> tuple[Any, Any, Any]:
    u = xz.shape[-1] // 3
    zg = _sig(F, xz[..., :u] + hz[..., :u])
    r = _sig(F, xz[..., u:2 * u] + hz[..., u:2 * u])
    hh = F.tanh(xz[..., 2 * u:] + r * hz[..., 2 * u:])
    return zg, r, hh


def _gru_fwd(F: Any, xz: Any, hz: Any, h: Any) -> Any:
    zg, r, hh = _gru_parts(F, xz, hz)
    return zg * h + (1 - zg) * hh


def _gru_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    xz, hz, h = ins
    u = xz.shape[-1] // 3
    zg, r, hh = _gru_parts(F, xz, hz)
    da_h = g * (1 - zg) * (1 - hh * hh)
    da_z = g * (h - hh) * zg * (1 - zg)
    da_r = da_h * hz[..., 2 * u:] * r * (1 - r)
    gxz = F.concatenate([da_z, da_r, da_h], axis=-1) if needs[0] else None
    ghz = F.concatenate([da_z, da_r, da_h * r], axis=-1) if needs[1] else None
    return gxz, ghz, (g * zg if needs[2] else None)


def _gru_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    xz, hz, h = ins
    txz, thz, th = ts
    u = xz.shape[-1] // 3
    zg, r, hh = _gru_parts(F, xz, hz)
    parts = [t for t in (txz, thz) if t is not None]
    if parts:
        ta = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        dz = zg * (1 - zg) * ta[..., :u]
        dr = r * (1 - r) * ta[..., u:2 * u]
        inner = dr * hz[..., 2 * u:]
        if txz is not None:
            inner = inner + txz[..., 2 * u:]
        if thz is not None:
            inner = inner + r * thz[..., 2 * u:]
        res = dz * (h - hh) + (1 - zg) * (1 - hh * hh) * inner
        return res if th is None else res + zg * th
    return None if th is None else zg * th


def _gru_ref(xz: np.ndarray, hz: np.ndarray, h: np.ndarray) -> np.ndarray:
    u = xz.shape[-1] // 3
    s = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    zg, r = s(xz[:, :u] + hz[:, :u]), s(xz[:, u:2 * u] + hz[:, u:2 * u])
    return zg * h + (1 - zg) * np.tanh(xz[:, 2 * u:] + r * hz[:, 2 * u:])


GRU_CELL = defop("gru_cell", _gru_fwd, _gru_vjp, _gru_jvp, test=spec(
    lambda tf, xz, hz, h: gru_cell(xz, hz, h),
    lambda rng: (rng.normal(size=(3, 6)), rng.normal(size=(3, 6)), rng.normal(size=(3, 2))), ref=_gru_ref, tf=False))


def gru_cell(xz: Any, hz: Any, h: Any) -> Tensor:
    """One GRU step (``reset_after=True``) after the GEMMs: input part ``xz = x W + b_in`` and recurrent part
    ``hz = h U + b_rec`` (both ``[..., 3u]``, Keras order z, r, h) and the state ``h`` → the new state
    ``z·h + (1 − z)·tanh(xz_h + r·hz_h)``.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.rnn_ops import gru_cell
    >>> float(gru_cell(tf.zeros([1, 3]), tf.zeros([1, 3]), tf.ones([1, 1]))[0, 0])
    0.5
    """
    xz, hz, h = to_tensor(xz), to_tensor(hz), to_tensor(h)
    return applyn(GRU_CELL, (xz, hz, h))


EXPORTS: dict[str, list[str]] = {}
