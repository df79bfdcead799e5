"""Fused pointwise steps of the LSTM and GRU cells (the elementwise part after the gate GEMMs).

An LSTM step is ``z = x_t W + h U + b`` (the GEMMs, ordinary ``matmul``/``add`` ops) followed by a dozen
elementwise operations. Running those as one op — one tape entry, one closed-form gradient — instead of a dozen
keeps Keras's recurrent layers fast on tapegrad's per-op dispatch, as PyTorch fuses them into one kernel. Both
are ordinary registered ops: tapes, higher-order gradients (the rules use only backend functions the
differentiable namespace has), forward mode and tracing see them like any other.

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

__all__ = ["lstm_cell", "gru_cell"]


def _sig(F: Any, x: Any) -> Any:
    return 1 / (1 + F.exp(-x))  # exp overflow at x < -88 gives exactly 0 (NumPy's warning is silenced in tapegrad)


def _lstm_gates(F: Any, z: Any) -> tuple[Any, Any, Any, Any]:
    u = z.shape[-1] // 4
    s = _sig(F, z)  # one pass over all four blocks (the c block's sigmoid is unused): fewer, larger array ops
    return s[..., :u], s[..., u:2 * u], F.tanh(z[..., 2 * u:3 * u]), s[..., 3 * u:]


def _lstm_fwd(F: Any, z: Any, c: Any) -> tuple[Any, Any]:
    i, f, g, o = _lstm_gates(F, z)
    c_new = f * c + i * g
    return o * F.tanh(c_new), c_new


def _lstm_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    z, c = ins
    gh, gc = g
    i, f, gg, o = _lstm_gates(F, z)
    c_new = f * c + i * gg
    t = F.tanh(c_new)
    dc = gc + gh * o * (1 - t * t)
    dz = None
    if needs[0]:
        dz = F.concatenate([dc * gg * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - gg * gg),
                            gh * t * o * (1 - o)], axis=-1)
    return dz, (dc * f if needs[1] else None)


def _lstm_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    z, c = ins
    tz, tc = ts
    i, f, gg, o = _lstm_gates(F, z)
    h_new, c_new = out if out is not None else _lstm_fwd(F, z, c)
    t = F.tanh(c_new)
    dc = None
    if tz is not None:
        u = z.shape[-1] // 4
        di, df = i * (1 - i) * tz[..., :u], f * (1 - f) * tz[..., u:2 * u]
        dg, do = (1 - gg * gg) * tz[..., 2 * u:3 * u], o * (1 - o) * tz[..., 3 * u:]
        dc = df * c + di * gg + i * dg
    else:
        do = None
    if tc is not None:
        dc = f * tc if dc is None else dc + f * tc
    dh = o * (1 - t * t) * dc
    if do is not None:
        dh = dh + do * t
    return dh, dc


def _lstm_ref(z: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    u = z.shape[-1] // 4
    s = 1 / (1 + np.exp(-z))
    c2 = s[:, u:2 * u] * c + s[:, :u] * np.tanh(z[:, 2 * u:3 * u])
    return s[:, 3 * u:] * np.tanh(c2), c2


LSTM_CELL = defop("lstm_cell", _lstm_fwd, _lstm_vjp, _lstm_jvp, multi=True, save_out=True, test=spec(
    lambda tf, z, c: lstm_cell(z, c), lambda rng: (rng.normal(size=(3, 8)), rng.normal(size=(3, 2))),
    ref=_lstm_ref, tf=False))


def lstm_cell(z: Any, c: Any) -> list[Tensor]:
    """One LSTM step after the GEMMs: gates ``z`` (``[..., 4u]``, Keras order i, f, c, o) and the cell state
    ``c`` (``[..., u]``) → ``[h, c_new]`` with ``c_new = σ(f)·c + σ(i)·tanh(g)`` and ``h = σ(o)·tanh(c_new)``.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.rnn_ops import lstm_cell
    >>> h, c = lstm_cell(tf.zeros([1, 4]), tf.ones([1, 1]))
    >>> round(float(h[0, 0]), 4), float(c[0, 0])
    (0.2311, 0.5)
    """
    z, c = to_tensor(z), to_tensor(c)
    return applyn(LSTM_CELL, (z, c))


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
