"""Gradient-checking utilities shared by the generated op suite and hand-written tests.

All checks run in float64 against central differences along random directions (random projections), so each
costs a handful of function evaluations whatever the input size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tapegrad as tg
from tapegrad import _nest

EPS = 1e-6


def flat_outputs(out: Any) -> list[Any]:
    """The tensor leaves of an op's result (tuples, lists and namedtuples flattened)."""
    if isinstance(out, tuple) and hasattr(out, "_fields"):
        out = tuple(out)
    return [o for o in _nest.flatten(out) if isinstance(o, tg.Tensor)]


def diff_outputs(out: Any) -> list[Any]:
    return [o for o in flat_outputs(out) if o.dtype.is_floating or o.dtype.is_complex]


def loss_of(outs: Sequence[Any], weights: Sequence[np.ndarray]) -> Any:
    """A real scalar that depends on every differentiable output: sum Re(conj(w) * out)."""
    total = None
    for o, w in zip(outs, weights):
        term = tg.reduce_sum(tg.math.real(tg.math.conj(tg.constant(w)) * o)) if w.dtype.kind == "c" else \
            tg.reduce_sum(tg.constant(w.astype(o.numpy().dtype)) * o)
        total = term if total is None else total + term
    return total


def weights_for(outs: Sequence[Any], rng: np.random.Generator) -> list[np.ndarray]:
    ws = []
    for o in outs:
        w = rng.normal(size=o.shape.as_list())
        if o.dtype.is_complex:
            w = w + 1j * rng.normal(size=o.shape.as_list())
        ws.append(np.asarray(w))
    return ws


def scalar_fn(call: Callable[..., Any], arrays: Sequence[np.ndarray], weights: Sequence[np.ndarray] | None,
              rng_seed: int = 0) -> tuple[Callable[[Sequence[np.ndarray]], float], list[np.ndarray]]:
    """``L(arrays) = <w, call(arrays)>`` evaluated without any tape (NumPy in, float out)."""
    def L(xs: Sequence[np.ndarray]) -> float:
        outs = diff_outputs(call(tg, *[tg.constant(x) for x in xs]))
        return float(np.real(loss_of(outs, weights).numpy()))  # type: ignore[arg-type]

    return L, list(weights or [])


def direction(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.normal(size=a.shape)
    if a.dtype.kind == "c":
        u = u + 1j * rng.normal(size=a.shape)
    return u.astype(a.dtype)


def inner(a: Any, b: Any) -> float:
    """Real inner product Re(sum(conj(a) * b)) — the pairing under which TF's complex gradients are adjoints."""
    return float(np.real(np.vdot(np.asarray(a), np.asarray(b))))


def numeric_directional(L: Callable[[Sequence[np.ndarray]], float], xs: Sequence[np.ndarray], idx: int,
                        u: np.ndarray, eps: float = EPS) -> float:
    plus = [x.copy() for x in xs]
    minus = [x.copy() for x in xs]
    plus[idx] = plus[idx] + eps * u
    minus[idx] = minus[idx] - eps * u
    return (L(plus) - L(minus)) / (2 * eps)


def tape_gradients(call: Callable[..., Any], arrays: Sequence[np.ndarray], grad_idx: Sequence[int],
                   weights: Sequence[np.ndarray]) -> list[Any]:
    ts = [tg.constant(a) for a in arrays]
    with tg.GradientTape() as tape:
        for i in grad_idx:
            tape.watch(ts[i])
        L = loss_of(diff_outputs(call(tg, *ts)), weights)
    return tape.gradient(L, [ts[i] for i in grad_idx])
