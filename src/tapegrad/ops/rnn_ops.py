"""Fused LSTM and GRU ops: one LSTM step, a whole LSTM sequence, the GRU's elementwise step.

An LSTM step is ``z = x_t W + b + h U`` followed by a dozen elementwise operations. ``lstm_step`` is the
recurrent GEMM and the elementwise update as one op (one tape entry, one closed-form gradient, which also computes
the recurrent kernel's gradient), as PyTorch fuses them into one kernel; the caller does the input projection.
``lstm_sequence`` is a whole LSTM layer pass (projection included) as one op, what ``keras.layers.LSTM`` runs.
``gru_cell`` is the GRU's elementwise part after its GEMMs. All are ordinary registered ops: tapes, higher-order
gradients (the rules use only backend functions the differentiable namespace has), forward mode and tracing see
them like any other.

Gate orders are Keras's: LSTM ``[i, f, c, o]``, GRU ``[z, r, h]`` with ``reset_after=True`` (the recurrent bias
inside the reset product). The recurrent activation is the exact logistic function, the activation ``tanh``.
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
# ``lstm_sequence`` runs every step of an LSTM in one op: in NumPy the forward writes each step's gates and states
# into per-sequence buffers with ``out=`` (about a dozen NumPy calls a step), and the backward pass through time
# does only the recurrent part per step (the gate derivatives and their products with the saved states are whole-
# sequence passes before the loop), then the recurrent kernel's gradient is ONE GEMM over all steps. Under the
# differentiable namespace (higher-order gradients) both rules are the per-step formulas above, looped.


def _fast(F: Any, *arrays: Any) -> bool:
    return not F.is_diff and all(type(a) is np.ndarray for a in arrays)


def _zero(a: np.ndarray) -> bool:
    """All elements zero; a zero-stride broadcast (a compiled program's upstream of an unused output) by one read."""
    if a.size and not any(a.strides):
        return not a.flat[0]
    return not a.any()


def _lstm_rec_fwd(F: Any, xp: Any, h0: Any, c0: Any, uk: Any) -> tuple[Any, Any, Any]:
    """The recurrence over time-major projections ``xp`` ``(T, B, 4u)``: every step's h, c and gates."""
    if not _fast(F, xp, h0, c0, uk) or xp.ndim != 3:
        hs, cs, acts = [], [], []
        h, c = h0, c0
        for t in range(xp.shape[0]):
            h, c, a = _lstm_step_fwd(F, xp[t], h, c, uk)
            hs.append(h)
            cs.append(c)
            acts.append(a)
        return F.stack(hs), F.stack(cs), F.stack(acts)
    steps, b, u4 = xp.shape
    u = u4 // 4
    dt = np.result_type(xp, h0, c0, uk)
    # per-sequence buffers, each step's rows contiguous, from the engine's buffer cache (fresh memory page-faults
    # on every training step)
    take = _buffers.take
    hs, cs, acts = take((steps, b, u), dt), take((steps, b, u), dt), take((steps, b, u4), dt)
    z, tmp = np.empty((b, u4), dt), np.empty((b, u), dt)
    h, c = h0, c0
    for t in range(steps):
        a = acts[t]
        np.matmul(h, uk, out=z)
        z += xp[t]
        np.negative(z, out=a)  # σ over all four blocks (the c block is overwritten by its tanh)
        np.exp(a, out=a)
        a += 1
        np.reciprocal(a, out=a)
        np.tanh(z[:, 2 * u:3 * u], out=a[:, 2 * u:3 * u])
        c_new, h_new = cs[t], hs[t]
        np.multiply(a[:, u:2 * u], c, out=c_new)
        np.multiply(a[:, :u], a[:, 2 * u:3 * u], out=tmp)
        c_new += tmp
        np.tanh(c_new, out=tmp)
        np.multiply(a[:, 3 * u:], tmp, out=h_new)
        h, c = h_new, c_new
    return hs, cs, acts


def _lstm_rec_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    """Gradients of the recurrence wrt ``(xp, h0, c0, uk)``."""
    xp, h0, c0, uk = ins
    ghs, gcs, ga = g
    hs, cs, acts = out
    if _fast(F, h0, c0, uk, ghs, gcs, ga, hs, cs, acts) and ghs.ndim == 3 and _zero(gcs) and _zero(ga):
        return _lstm_seq_vjp_np(ghs, ins, out, needs)
    # the step rule looped backwards (upstreams may carry leading Jacobian batch axes: time is axis -3)
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


def _lstm_seq_vjp_np(ghs: np.ndarray, ins: Any, out: Any, needs: Any) -> tuple[Any, ...]:
    _, h0, c0, uk = ins
    hs, cs, acts = out
    steps, b, u = hs.shape
    # whole-sequence passes: q[..., k] is what multiplies the cell-state gradient in gate k's pre-activation
    # gradient (i: tanh(g)·σ'(i), f: c_{t-1}·σ'(f), g: σ(i)·tanh'(g)); o: tanh(c_t)·σ'(o) multiplies ∂h
    take = _buffers.take
    deriv = take(acts.shape, acts.dtype)
    np.subtract(1, acts, out=deriv)
    deriv *= acts
    gg = acts[..., 2 * u:3 * u]
    np.multiply(gg, gg, out=deriv[..., 2 * u:3 * u])
    np.subtract(1, deriv[..., 2 * u:3 * u], out=deriv[..., 2 * u:3 * u])
    tc = np.tanh(cs, out=take(cs.shape, cs.dtype))
    q = take(acts.shape, acts.dtype)
    np.multiply(gg, deriv[..., :u], out=q[..., :u])
    np.multiply(cs[:-1], deriv[1:, :, u:2 * u], out=q[1:, :, u:2 * u])
    np.multiply(c0, deriv[0, :, u:2 * u], out=q[0, :, u:2 * u])
    np.multiply(acts[..., :u], deriv[..., 2 * u:3 * u], out=q[..., 2 * u:3 * u])
    np.multiply(tc, deriv[..., 3 * u:], out=q[..., 3 * u:])
    oq = tc
    np.multiply(tc, tc, out=oq)
    np.subtract(1, oq, out=oq)
    oq *= acts[..., 3 * u:]  # ∂c_t/∂h_t through h = o·tanh(c)
    dz = take(acts.shape, acts.dtype)
    ukt = np.ascontiguousarray(uk.T)  # a contiguous Uᵀ: the per-step GEMM runs markedly faster than on the view
    dt = hs.dtype
    ghb, dc, tmp, dhb = np.empty((b, u), dt), np.empty((b, u), dt), np.empty((b, u), dt), np.empty((b, u), dt)
    live = ghs.reshape(steps, -1).any(axis=1)  # steps with an upstream of their own (one, without return_sequences)
    dh = None
    for t in reversed(range(steps)):
        if dh is None:
            gh = ghs[t]
        elif live[t]:
            gh = np.add(ghs[t], dh, out=ghb)
        else:
            gh = dh
        if t == steps - 1:
            np.multiply(gh, oq[t], out=dc)
        else:
            dc *= acts[t + 1, :, u:2 * u]  # the carried gradient of c_t through c_{t+1} = f·c_t + ...
            np.multiply(gh, oq[t], out=tmp)
            dc += tmp
        dzt = dz[t]
        np.multiply(q[t, :, :3 * u].reshape(b, 3, u), dc[:, None, :], out=dzt[:, :3 * u].reshape(b, 3, u))
        np.multiply(gh, q[t, :, 3 * u:], out=dzt[:, 3 * u:])
        if t or needs[1]:
            dh = np.matmul(dzt, ukt, out=dhb)
    g_c0 = dc * acts[0, :, u:2 * u] if needs[2] else None
    g_uk = None
    if needs[3]:  # Σ_t h_{t-1}ᵀ dz_t: one GEMM over every step
        g_uk = np.matmul(h0.T, dz[0])
        if steps > 1:
            g_uk += np.matmul(hs[:-1].reshape((steps - 1) * b, u).T, dz[1:].reshape((steps - 1) * b, 4 * u))
    return (dz if needs[0] else None), (dh if needs[1] else None), g_c0, g_uk


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


def _lstm_seq_fwd(F: Any, *ins: Any, has_bias: bool) -> tuple[Any, Any, Any]:
    x, kernel, bias, h0, c0, uk = _seq_unpack(ins, has_bias)
    return _lstm_rec_fwd(F, _project(F, x, kernel, bias), h0, c0, uk)


def _lstm_seq_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    has_bias = p["has_bias"]
    x, kernel, bias, h0, c0, uk = _seq_unpack(ins, has_bias)
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
            if nb == 0 and not F.is_diff and dz2.flags.c_contiguous:
                res[2] = F.matmul(F.ones((t * b,), dtype=dz2.dtype), dz2)
            else:
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
    return _lstm_rec_jvp(F, (t_xp, t_h0, t_c0, t_uk), (None, h0, c0, uk), out, p)


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
                      test=[spec(lambda tf, x, k, b, h, c, uk: lstm_sequence(x, k, b, h, c, uk, return_gates=True),
                                 lambda rng: (rng.normal(size=(3, 4, 2)), rng.normal(size=(2, 8)) * 0.5,
                                              rng.normal(size=(8,)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)),
                                              rng.normal(size=(2, 8)) * 0.5), ref=_lstm_seq_ref, tf=False),
                            spec(lambda tf, x, k, h, c, uk: lstm_sequence(x, k, None, h, c, uk)[0],
                                 lambda rng: (rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4)) * 0.5,
                                              rng.normal(size=(2, 1)), rng.normal(size=(2, 1)),
                                              rng.normal(size=(1, 4)) * 0.5),
                                 ref=lambda x, k, h, c, uk: _lstm_seq_ref(x, k, np.zeros(4), h, c, uk)[0],
                                 tf=False, name="no_bias")])


def lstm_sequence(x: Any, kernel: Any, bias: Any, h0: Any, c0: Any, recurrent_kernel: Any,
                  return_gates: bool = False) -> list[Tensor]:
    """A whole LSTM layer pass as one op: inputs ``x`` ``(batch, time, d)``, input kernel ``(d, 4u)``, ``bias``
    ``(4u,)`` or None, initial states ``h0``/``c0`` ``(batch, u)`` and the recurrent kernel ``(u, 4u)`` (Keras gate
    order i, f, c, o). Returns ``[hs, cs]``, the hidden and cell states of every step, time-major ``(time, batch,
    u)`` (and the gate activations with ``return_gates``). Same numerics as :func:`lstm_step` step by step; one
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
    return out if return_gates else out[:2]


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
