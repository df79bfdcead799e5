"""HIPS autograd versions of the workloads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.common import Backend, Step


def load() -> Backend:
    """Import autograd and return the workloads as a :class:`Backend`."""
    import autograd
    import autograd.numpy as anp
    from autograd import grad, jacobian

    def seed(data: Mapping[str, np.ndarray]) -> Step:
        x = np.float32(3.0)
        g = grad(lambda v: v**2)
        return lambda: g(x)

    def chain(data: Mapping[str, np.ndarray]) -> Step:
        x = data["x"]

        def loss(v: Any) -> Any:
            h = v
            for _ in range(50):
                h = anp.sin(h) * 1.01 + h * 0.5 - 0.1
            return anp.sum(h)

        g = grad(loss)
        return lambda: g(x)

    def mlp(data: Mapping[str, np.ndarray]) -> Step:
        X, Y = data["X"], data["Y"]
        params = [data[k] for k in ("W1", "b1", "W2", "b2")]

        def loss(p: list[Any]) -> Any:
            W1, b1, W2, b2 = p
            h = anp.maximum(anp.dot(X, W1) + b1, 0.0)
            logits = anp.dot(h, W2) + b2
            shifted = logits - anp.max(logits, axis=1, keepdims=True)
            log_p = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
            return anp.mean(-anp.sum(Y * log_p, axis=1))

        g = grad(loss)
        return lambda: g(params)

    def big(data: Mapping[str, np.ndarray]) -> Step:
        x = data["x"]
        g = grad(lambda v: anp.sum(anp.tanh(v) * v + anp.exp(-v * v)))
        return lambda: g(x)

    def jac(data: Mapping[str, np.ndarray]) -> Step:
        W, x = data["W"], data["x"]
        J = jacobian(lambda v: anp.tanh(anp.dot(W, v)))
        return lambda: J(x)

    def to_numpy(result: Any) -> list[np.ndarray]:
        items = result if isinstance(result, list) else [result]
        return [np.asarray(a) for a in items]

    from importlib.metadata import version

    return Backend(
        name="autograd",
        version=getattr(autograd, "__version__", None) or version("autograd"),
        builders={"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac},
        sync=lambda _: None,
        to_numpy=to_numpy,
    )
