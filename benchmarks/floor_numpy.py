"""The floor: hand-written NumPy forward + backward for every workload (float32).

No tape, no bookkeeping: this is what an ideal eager autodiff would cost.  The
runner also uses these gradients as the reference for the cross-check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.common import Backend, Step


def seed(data: Mapping[str, np.ndarray]) -> Step:
    """``y = x**2``; ``dy/dx = 2x``."""
    x = np.float32(3.0)

    def step() -> np.ndarray:
        _ = x * x
        return 2 * x

    return step


def chain(data: Mapping[str, np.ndarray]) -> Step:
    """50 × ``h = sin(h)*1.01 + h*0.5 - 0.1``; backward multiplies ``cos(h)*1.01 + 0.5``."""
    x = data["x"]

    def step() -> np.ndarray:
        h = x
        saved = []
        for _ in range(50):
            saved.append(np.cos(h))
            h = np.sin(h) * 1.01 + h * 0.5 - 0.1
        _ = h.sum()
        g = np.ones_like(h)
        for c in reversed(saved):
            g = g * (c * 1.01 + 0.5)
        return g

    return step


def mlp(data: Mapping[str, np.ndarray]) -> Step:
    """relu MLP with softmax cross-entropy (mean over batch); grads ``[W1, b1, W2, b2]``."""
    X, Y = data["X"], data["Y"]
    W1, b1, W2, b2 = data["W1"], data["b1"], data["W2"], data["b2"]
    batch = X.shape[0]

    def step() -> list[np.ndarray]:
        z1 = X @ W1 + b1
        a1 = np.maximum(z1, 0)
        logits = a1 @ W2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        _ = np.mean(-(Y * (shifted - np.log(s))).sum(axis=1))
        dlogits = (e / s * Y.sum(axis=1, keepdims=True) - Y) / np.float32(batch)
        dW2 = a1.T @ dlogits
        db2 = dlogits.sum(axis=0)
        dz1 = (dlogits @ W2.T) * (z1 > 0)
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0)
        return [dW1, db1, dW2, db2]

    return step


def big(data: Mapping[str, np.ndarray]) -> Step:
    """``sum(tanh(x)*x + exp(-x*x))``; grad ``(1 - t²)x + t - 2x·exp(-x²)``."""
    x = data["x"]

    def step() -> np.ndarray:
        t = np.tanh(x)
        e = np.exp(-x * x)
        _ = np.sum(t * x + e)
        return (1 - t * t) * x + t - 2 * x * e

    return step


def jac(data: Mapping[str, np.ndarray]) -> Step:
    """Closed form ``J[i, 0, j, 0] = (1 - y_i²) W[i, j]`` with ``y = tanh(W @ x)``."""
    W, x = data["W"], data["x"]
    n = W.shape[0]

    def step() -> np.ndarray:
        y = np.tanh(W @ x)
        return ((1 - y * y) * W).reshape(n, 1, n, 1)

    return step


BUILDERS = {"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac}


def memory_chain(x: np.ndarray, Ws: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Forward of ``h = tanh(h @ W_i)`` keeping what the backward needs; returns ``(saved, loss)``."""
    saved = [x]
    h = x
    for W in Ws:
        h = np.tanh(h @ W)
        saved.append(h)
    return saved, h.sum()


def memory_chain_backward(saved: list[np.ndarray], Ws: list[np.ndarray]) -> np.ndarray:
    """Backward of :func:`memory_chain`, popping (freeing) saved activations as it goes."""
    g = np.ones_like(saved[-1])
    for W in reversed(Ws):
        y = saved.pop()
        g = (g * (1 - y * y)) @ W.T
        del y
    return g


def _to_numpy(result: Any) -> list[np.ndarray]:
    items = result if isinstance(result, list) else [result]
    return [np.asarray(a) for a in items]


def load() -> Backend:
    """The floor as a :class:`Backend`."""
    return Backend(
        name="numpy",
        version=np.__version__,
        builders=dict(BUILDERS),
        sync=lambda _: None,
        to_numpy=_to_numpy,
    )


def reference(workload: str, data: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The floor's gradients for ``workload`` (the cross-check reference)."""
    return _to_numpy(BUILDERS[workload](data)())
