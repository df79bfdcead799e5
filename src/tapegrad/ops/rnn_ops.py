"""Fused pointwise steps of the LSTM and GRU cells (the elementwise part after the gate GEMMs).

An LSTM step is ``z = x_t W + b + h U`` followed by a dozen elementwise operations. The input projection
``x_t W + b`` of all steps is one GEMM done up front by the layer; ``lstm_step`` is the rest — the recurrent
GEMM and the elementwise update as one op (one tape entry, one closed-form gradient, which also computes the
recurrent kernel's gradient), as PyTorch fuses them into one kernel. ``gru_cell`` is the GRU's elementwise part
after its GEMMs. Both are ordinary registered ops: tapes, higher-order gradients (the rules use only backend
functions the differentiable namespace has), forward mode and tracing see them like any other.

Gate orders are Keras's: LSTM ``[i, f, c, o]``, GRU ``[z, r, h]`` with ``reset_after=True`` (the recurrent bias
inside the reset product). The recurrent activation is the exact logistic function, the activation ``tanh``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor
from ._common import to_tensor

__all__ = ["lstm_step", "gru_cell"]


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
