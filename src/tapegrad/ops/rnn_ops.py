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
# ``lstm_sequence`` runs every step of an LSTM in one op. In NumPy (``_lstm_seq_fwd_np``, ``_lstm_seq_vjp_np``) the
# recurrence runs transposed: each step's pre-activations are a ``(4u, batch)`` block, so a gate is a contiguous run
# of rows and every elementwise pass is one call over contiguous memory (column slices of a ``(batch, 4u)`` block
# cost NumPy several times more per call at these sizes). The states and gates live in ``(T, ·, batch)`` buffers;
# the op's outputs are transposed views of them, time-major ``(T, batch, ·)``. The backward pass through time does
# only the recurrent part per step (the gate derivatives and their products with the saved states are whole-
# sequence passes before the loop), then the recurrent kernel's, the input kernel's and the bias's gradients are ONE
# GEMM over all steps. Under the differentiable namespace (higher-order gradients) both rules are the per-step
# formulas above, looped.


def _fast(F: Any, *arrays: Any) -> bool:
    return not F.is_diff and all(type(a) is np.ndarray for a in arrays)


def _zero(a: np.ndarray) -> bool:
    """All elements zero; a zero-stride broadcast (a compiled program's upstream of an unused output) by one read."""
    if a.size and not any(a.strides):
        return not a.flat[0]
    return not a.any()


def _lstm_rec_fwd(F: Any, xp: Any, h0: Any, c0: Any, uk: Any) -> tuple[Any, Any, Any]:
    """The recurrence over time-major projections ``xp`` ``(T, B, 4u)``: every step's h, c and gates (the per-step
    formulas, on any namespace)."""
    hs, cs, acts = [], [], []
    h, c = h0, c0
    for t in range(xp.shape[0]):
        h, c, a = _lstm_step_fwd(F, xp[t], h, c, uk)
        hs.append(h)
        cs.append(c)
        acts.append(a)
    return F.stack(hs), F.stack(cs), F.stack(acts)


_SCALES: dict[tuple[int, Any], np.ndarray] = {}


def _gate_scale(u: int, dt: Any) -> np.ndarray:
    """``(4u,)``: 0.5 on the sigmoid gates' columns (i, f, o), 1 on the candidate's (c)."""
    s = _SCALES.get((u, dt))
    if s is None:
        s = _SCALES[(u, dt)] = np.full((4 * u,), 0.5, dt)
        s[2 * u:3 * u] = 1
    return s


def _lstm_seq_fwd_np(x: np.ndarray, kernel: np.ndarray, bias: Any, h0: np.ndarray, c0: np.ndarray,
                     uk: np.ndarray) -> tuple[np.ndarray, ...]:
    b, steps, d = x.shape
    u4 = uk.shape[1]
    u = u4 // 4
    dt = np.result_type(x, kernel, h0, c0, uk, *(() if bias is None else (bias,)))
    take = _buffers.take
    # σ(z) = (1 + tanh(z/2)) / 2: the sigmoid gates' columns of the kernels are halved (exact in binary floating
    # point), so ONE tanh over the step's whole (4u, B) block gives tanh(z/2) on the gates and tanh(z) on the
    # candidate; then one multiply-add turns the gates into σ. The kernels enter the GEMMs transposed (BLAS reads
    # the F-ordered views as they are).
    s = _gate_scale(u, dt)
    # each step is ONE GEMM (4u, u + d [+1]) @ (u + d [+1], B): the scaled recurrent and input kernels (and the
    # bias) side by side, against the step's operands stacked (h_{t-1}; x_t; 1). The operands of all steps live in
    # one (T + 1, u + d [+1], B) buffer: the inputs and the row of ones are written up front, each step writes its
    # h into the next step's slot (the layer's hidden-state output is a view of those rows).
    nrow = u + d + (0 if bias is None else 1)
    wt = np.empty((nrow, u4), dt)
    np.multiply(uk, s, out=wt[:u])
    np.multiply(kernel, s, out=wt[u:u + d])
    if bias is not None:
        np.multiply(bias, s, out=wt[u + d])
    w = wt.T
    ops = take((steps + 1, nrow, b), dt)
    np.copyto(ops[0, :u], h0.T)
    np.copyto(ops[:steps, u:u + d], x.transpose(1, 2, 0))
    if bias is not None:
        ops[:steps, u + d] = 1
    cst, at = take((steps, u, b), dt), take((steps, u4, b), dt)
    z, tmp = np.empty((u4, b), dt), np.empty((u, b), dt)
    c = c0.T
    i, f, g, o = slice(0, u), slice(u, 2 * u), slice(2 * u, 3 * u), slice(3 * u, u4)
    for t in range(steps):
        a = at[t]
        np.dot(w, ops[t], out=z)
        np.tanh(z, out=a)
        a *= 0.5
        a += 0.5
        np.tanh(z[g], out=a[g])  # the candidate's rows: tanh of the unscaled pre-activation
        c = np.multiply(a[f], c, out=cst[t])
        np.multiply(a[i], a[g], out=tmp)
        c += tmp
        np.tanh(c, out=tmp)
        np.multiply(a[o], tmp, out=ops[t + 1, :u])
    return ops[1:, :u].transpose(0, 2, 1), cst.transpose(0, 2, 1), at.transpose(0, 2, 1), ops[steps, :u].T


def _step_operands(hs: np.ndarray, nrow: int, steps: int) -> np.ndarray | None:
    """The forward's operand buffer ``(T + 1, nrow, B)`` that the hidden states ``hs`` ``(T, B, u)`` view (slots
    ``1:``, rows ``:u``), or None when ``hs`` is not such a view."""
    ops = hs.base
    if type(ops) is not np.ndarray or ops.shape != (steps + 1, nrow, hs.shape[1]) or ops.dtype != hs.dtype:
        return None
    view = ops[1:, :hs.shape[2]].transpose(0, 2, 1)
    if view.strides != hs.strides or view.ctypes.data != hs.ctypes.data:
        return None
    return ops


def _rows_last(a: np.ndarray) -> np.ndarray:
    """A time-major output ``(T, B, k)`` as the ``(T, k, B)`` buffer it views (a copy if it is not one)."""
    t = a.transpose(0, 2, 1)
    return t if t.flags.c_contiguous else np.ascontiguousarray(t)


def _lstm_rec_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """Gradients of the recurrence wrt ``(xp, h0, c0, uk)`` (the per-step rule looped backwards; upstreams may carry
    leading Jacobian batch axes: time is axis -3)."""
    xp, h0, c0, uk = ins
    ghs, gcs, ga = g
    hs, cs, acts = out
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


def _lstm_seq_vjp_np(ghs: np.ndarray, gcs: Any, ins: tuple[Any, ...], out: Any, needs: Any) -> tuple[Any, ...]:
    """The backward pass through time in the forward's transposed layout, then every weight's gradient as ONE GEMM
    over all steps; upstreams of the hidden and (None: zero) cell states; ``ins`` ``(x, kernel, bias, h0, c0, uk)``
    (bias None when there is none), ``needs`` as ins."""
    x, kernel, bias, h0, c0, uk = ins
    n_x, n_k, n_b, n_h, n_c, n_u = needs
    cst, at = _rows_last(out[1]), _rows_last(out[2])
    steps, u, b = cst.shape
    u4 = 4 * u
    i, f, g, o = slice(0, u), slice(u, 2 * u), slice(2 * u, 3 * u), slice(3 * u, u4)
    dt = cst.dtype
    take = _buffers.take
    # whole-sequence passes: q[:, k] is what multiplies the cell-state gradient in gate k's pre-activation gradient
    # (i: σ'(i)·tanh(g), f: σ'(f)·c_{t-1}, g: tanh'(g)·σ(i)); o: σ'(o)·tanh(c_t) multiplies ∂h
    q = take(at.shape, dt)
    np.multiply(at, at, out=q)
    np.subtract(at, q, out=q)  # σ' = σ - σ² (the candidate's rows are redone below)
    gg, qg = at[:, g], q[:, g]
    np.multiply(gg, gg, out=qg)
    np.subtract(1, qg, out=qg)
    qg *= at[:, i]
    q[:, i] *= gg
    q[1:, f] *= cst[:-1]
    q[0, f] *= c0.T
    tc = np.tanh(cst, out=take(cst.shape, dt))
    q[:, o] *= tc
    oq = tc  # then ∂c_t/∂h_t through h = o·tanh(c): o·(1 - tanh²(c))
    np.multiply(tc, tc, out=oq)
    np.subtract(1, oq, out=oq)
    oq *= at[:, o]
    # each step's dz is made in a (4u, B) scratch block (cache-resident), then copied into the time-major rows
    # (T·B, 4u) the weights' GEMM reads
    dz = take((steps * b, u4), dt)
    dzr = dz.reshape(steps, b, u4)
    dzk = np.empty((u4, b), dt)
    ghb, dc, tmp, dhb = (np.empty((u, b), dt) for _ in range(4))
    live = ghs.reshape(steps, -1).any(axis=1)  # steps with an upstream of their own (one, without return_sequences)
    # the cell states' upstream (a final state passed on, e.g. to a decoder): the steps that have one
    live_c = set() if gcs is None else set(np.flatnonzero(gcs.reshape(steps, -1).any(axis=1)).tolist())
    dh = None
    for t in reversed(range(steps)):
        if dh is None:
            gh = ghs[t].T
        elif live[t]:
            gh = np.add(ghs[t].T, dh, out=ghb)
        else:
            gh = dh
        if t == steps - 1:
            np.multiply(gh, oq[t], out=dc)
        else:
            dc *= at[t + 1, f]  # the carried gradient of c_t through c_{t+1} = f·c_t + ...
            np.multiply(gh, oq[t], out=tmp)
            dc += tmp
        if t in live_c:
            dc += gcs[t].T
        np.multiply(q[t, :3 * u].reshape(3, u, b), dc, out=dzk[:3 * u].reshape(3, u, b))
        np.multiply(gh, q[t, o], out=dzk[o])
        if t or n_h:
            dh = np.dot(uk, dzk, out=dhb)
        np.copyto(dzr[t], dzk.T)
    res: list[Any] = [None] * 6
    if n_h:
        res[3] = dh.T.copy()
    if n_c:
        res[4] = np.multiply(dc, at[0, f]).T.copy()
    # Σ_t [h_{t-1}; x_t; 1] dz_tᵀ: the recurrent kernel's, the input kernel's and the bias's gradients as ONE GEMM
    # over every step, its left operand the steps' operands as (u + d [+1], T, B): the forward's operand buffer
    # regrouped, or (the hidden states are not a view of it: the forward ran otherwise) the rows needed stacked anew
    d = x.shape[2]
    nb_all = 0 if bias is None else 1
    ops = _step_operands(out[0], u + d + nb_all, steps)
    if ops is not None:
        nh, nx, nb, nrow = u, d, nb_all, u + d + nb_all
        sa = take((nrow, steps, b), dt)
        np.copyto(sa, ops[:steps].transpose(1, 0, 2))
    else:
        nh, nx, nb = (u if n_u else 0), (d if n_k else 0), (1 if n_b and bias is not None else 0)
        nrow = nh + nx + nb
        sa = take((nrow, steps, b), dt)
        if nh:
            np.copyto(sa[:u, 0], h0.T)
            np.copyto(sa[:u, 1:], out[0][:-1].transpose(2, 0, 1))
        if nx:
            np.copyto(sa[nh:nh + d], x.transpose(2, 1, 0))
        if nb:
            sa[nrow - 1] = 1
    if n_u or n_k or (n_b and bias is not None):
        gw = np.matmul(sa.reshape(nrow, steps * b), dz)
        res[5] = gw[:u] if n_u else None
        res[1] = gw[nh:nh + d] if n_k else None
        res[2] = gw[nrow - 1] if n_b and bias is not None else None
    if n_x:
        res[0] = np.matmul(dz, kernel.T).reshape(steps, b, d).transpose(1, 0, 2)
    return tuple(res)


def _lstm_rec_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    xp, h0, c0, uk = ins
    t_xp, t_h, t_c, t_uk = ts
    hs, cs, acts = out
    dhs, dcs, das = [], [], []
    for t in range(F.shape(hs)[0]):
        h = h0 if t == 0 else hs[t - 1]
        c = c0 if t == 0 else cs[t - 1]
        t_h, t_c, ta = _lstm_step_jvp(F, (None if t_xp is None else t_xp[t], t_h, t_c, t_uk), (None, h, c, uk),
                                      (hs[t], cs[t], acts[t]), p)
        dhs.append(t_h)
        dcs.append(t_c)
        das.append(ta)
    return F.stack(dhs), F.stack(dcs), F.stack(das)


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
        if ghs is None:
            ghs = np.zeros(out[0].shape, out[0].dtype)
            if gl is not None:
                ghs[-1] = gl
        elif gl is not None:  # the last step's upstream, through both outputs (the engine's arrays stay as they are)
            ghs = ghs.copy()
            ghs[-1] += gl
        res = _lstm_seq_vjp_np(ghs, None if gcs is None or _zero(gcs) else gcs, (x, kernel, bias, h0, c0, uk), out,
                               (needs[0], needs[1], has_bias and needs[2]) + tuple(needs[-3:]))
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
    return np.stack(hs), np.stack(cs), np.stack(acts)


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
    u)`` (then the gate activations with ``return_gates``, then the last hidden state ``(batch, u)`` with
    ``return_last``: an output of its own, not a slice of ``hs``). Same numerics as :func:`lstm_step` step by step; one
    tape entry; the input projection is one GEMM, and the gradient's recurrent and input kernel parts are one GEMM
    each over all steps.

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
