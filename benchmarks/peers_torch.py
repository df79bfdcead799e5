"""PyTorch (eager) versions of the workloads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.common import Backend, Step


def load() -> Backend:
    """Import torch, pin it to one thread, and return the workloads as a :class:`Backend`."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (e.g. torch was imported and used before)
        pass

    def leaf(a: np.ndarray) -> Any:
        return torch.tensor(a, requires_grad=True)

    def seed(data: Mapping[str, np.ndarray]) -> Step:
        x = torch.tensor(3.0, requires_grad=True)

        def step() -> Any:
            y = x**2
            return torch.autograd.grad(y, x)[0]

        return step

    def chain(data: Mapping[str, np.ndarray]) -> Step:
        x = leaf(data["x"])

        def step() -> Any:
            h = x
            for _ in range(50):
                h = torch.sin(h) * 1.01 + h * 0.5 - 0.1
            return torch.autograd.grad(h.sum(), x)[0]

        return step

    def mlp(data: Mapping[str, np.ndarray]) -> Step:
        X, Y = torch.from_numpy(data["X"]), torch.from_numpy(data["Y"])
        params = [leaf(data[k]) for k in ("W1", "b1", "W2", "b2")]
        W1, b1, W2, b2 = params

        def step() -> Any:
            h = torch.relu(X @ W1 + b1)
            logits = h @ W2 + b2
            loss = F.cross_entropy(logits, Y)  # probability targets, mean over batch
            return list(torch.autograd.grad(loss, params))

        return step

    def big(data: Mapping[str, np.ndarray]) -> Step:
        x = leaf(data["x"])

        def step() -> Any:
            loss = torch.sum(torch.tanh(x) * x + torch.exp(-x * x))
            return torch.autograd.grad(loss, x)[0]

        return step

    def jac(data: Mapping[str, np.ndarray]) -> Step:
        W, x = torch.from_numpy(data["W"]), torch.from_numpy(data["x"])

        def f(v: Any) -> Any:
            return torch.tanh(W @ v)

        def step() -> Any:
            return torch.autograd.functional.jacobian(f, x, vectorize=True)

        return step

    def to_numpy(result: Any) -> list[np.ndarray]:
        items = result if isinstance(result, list) else [result]
        return [t.detach().numpy() for t in items]

    return Backend(
        name="torch",
        version=torch.__version__,
        builders={"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac},
        sync=lambda _: None,
        to_numpy=to_numpy,
    )
