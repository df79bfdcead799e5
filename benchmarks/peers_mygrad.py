"""MyGrad versions of the workloads (eager NumPy-backed autodiff: ``tensor.backward()`` fills ``.grad``).

MyGrad has no Jacobian routine; ``jac`` runs one backward pass per output row (100 rows), as a user would write it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.common import Backend, Step


def load() -> Backend:
    """Import MyGrad and return the workloads as a :class:`Backend`."""
    import mygrad as mg

    def seed(data: Mapping[str, np.ndarray]) -> Step:
        x = mg.tensor(np.float32(3.0))

        def step() -> Any:
            (x**2).backward()
            return x.grad

        return step

    def chain(data: Mapping[str, np.ndarray]) -> Step:
        x = mg.tensor(data["x"])

        def step() -> Any:
            h = x
            for _ in range(50):
                h = mg.sin(h) * 1.01 + h * 0.5 - 0.1
            mg.sum(h).backward()
            return x.grad

        return step

    def mlp(data: Mapping[str, np.ndarray]) -> Step:
        X, Y = data["X"], data["Y"]
        params = [mg.tensor(data[k]) for k in ("W1", "b1", "W2", "b2")]

        def step() -> Any:
            W1, b1, W2, b2 = params
            h = mg.maximum(mg.matmul(X, W1) + b1, 0.0)
            logits = mg.matmul(h, W2) + b2
            shifted = logits - mg.max(logits, axis=1, keepdims=True).data  # max is a constant shift
            log_p = shifted - mg.log(mg.sum(mg.exp(shifted), axis=1, keepdims=True))
            mg.mean(-mg.sum(Y * log_p, axis=1)).backward()
            return [p.grad for p in params]

        return step

    def big(data: Mapping[str, np.ndarray]) -> Step:
        x = mg.tensor(data["x"])

        def step() -> Any:
            mg.sum(mg.tanh(x) * x + mg.exp(-x * x)).backward()
            return x.grad

        return step

    def jac(data: Mapping[str, np.ndarray]) -> Step:
        W, x = data["W"], mg.tensor(data["x"])
        n = W.shape[0]

        def step() -> Any:
            rows = []
            for i in range(n):
                y = mg.tanh(mg.matmul(W, x))
                y[i, 0].backward()
                rows.append(x.grad)
            return np.stack(rows).reshape(n, 1, *x.shape)

        return step

    def to_numpy(result: Any) -> list[np.ndarray]:
        items = result if isinstance(result, list) else [result]
        return [np.asarray(a) for a in items]

    return Backend(
        name="mygrad",
        version=mg.__version__,
        builders={"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac},
        sync=lambda _: None,
        to_numpy=to_numpy,
        note="tensor.backward(); jac: one backward pass per output row (MyGrad has no Jacobian)",
    )
