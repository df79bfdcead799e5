"""PyTensor versions of the workloads, compiled with its C backend (``FAST_RUN``) or its Numba backend (``NUMBA``).

Parameters are ``pytensor.shared`` variables (as ``tf.Variable`` is in the TF-API workloads) and each step is a
compiled ``pytensor.function`` with no inputs returning the gradients (``trust_input``; compile time excluded from
the step, reported separately by ``compile_seconds``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.common import Backend, Step

#: seconds spent in ``pytensor.function`` per workload (filled by the builders)
COMPILE_SECONDS: dict[str, float] = {}


def load(mode: str) -> Backend:
    """``mode``: ``"FAST_RUN"`` (C backend) or ``"NUMBA"``."""
    import pytensor
    import pytensor.tensor as pt

    def compile_(name: str, outputs: Any) -> Step:
        t0 = time.perf_counter()
        f = pytensor.function([], outputs, mode=mode)
        COMPILE_SECONDS[name] = time.perf_counter() - t0
        f.trust_input = True
        return f

    def shared(a: Any, name: str) -> Any:
        return pytensor.shared(np.asarray(a), name=name)

    def seed(data: Mapping[str, np.ndarray]) -> Step:
        x = shared(np.float32(3.0), "x")
        return compile_("seed", pytensor.grad(x**2, x))

    def chain(data: Mapping[str, np.ndarray]) -> Step:
        x = shared(data["x"], "x")
        h = x
        for _ in range(50):
            h = pt.sin(h) * np.float32(1.01) + h * np.float32(0.5) - np.float32(0.1)
        return compile_("chain", pytensor.grad(pt.sum(h), x))

    def mlp(data: Mapping[str, np.ndarray]) -> Step:
        X, Y = pt.constant(data["X"]), pt.constant(data["Y"])
        W1, b1, W2, b2 = (shared(data[k], k) for k in ("W1", "b1", "W2", "b2"))
        h = pt.maximum(X @ W1 + b1, np.float32(0))
        logits = h @ W2 + b2
        logp = logits - pt.logsumexp(logits, axis=-1, keepdims=True)
        loss = pt.mean(-pt.sum(Y * logp, axis=-1))
        return compile_("mlp", pytensor.grad(loss, [W1, b1, W2, b2]))

    def big(data: Mapping[str, np.ndarray]) -> Step:
        x = shared(data["x"], "x")
        return compile_("big", pytensor.grad(pt.sum(pt.tanh(x) * x + pt.exp(-x * x)), x))

    def jac(data: Mapping[str, np.ndarray]) -> Step:
        W = pt.constant(data["W"])
        x = shared(data["x"], "x")
        y = pt.tanh(W @ x)
        J = pytensor.gradient.jacobian(y.ravel(), x, vectorize=True).reshape((100, 1, 100, 1))
        return compile_("jac", J)

    def to_numpy(result: Any) -> list[np.ndarray]:
        items = result if isinstance(result, list | tuple) else [result]
        return [np.asarray(a) for a in items]

    return Backend(
        name="pytensor-numba" if mode == "NUMBA" else "pytensor-c",
        version=pytensor.__version__,
        builders={"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac},
        sync=lambda _: None,
        to_numpy=to_numpy,
        note=f"pytensor.function(mode={mode!r}), shared variables, trust_input; compile excluded",
    )
