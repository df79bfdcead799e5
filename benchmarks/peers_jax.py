"""JAX versions of the workloads, op-by-op ("eager") or under ``jax.jit``.

``XLA_FLAGS`` (single-threaded Eigen) must be set before this module imports JAX;
the runner passes it in the subprocess environment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from benchmarks.common import Backend, Step


def _one_thread_client() -> None:
    """Create JAX's CPU client while this process may run on one CPU only, then give the CPUs back.

    ``XLA_FLAGS`` (see ``benchmarks.THREAD_ENV``) pins Eigen to one thread, but XLA's CPU compiler still splits
    large elementwise loops into as many parallel tasks as the client saw CPUs when it was created (the ``big``
    step's fusion had ``outer_dimension_partitions: ["2"]`` on the 2-core machine: its CPU time was twice its
    wall time). Every framework here runs on one thread, so the client is created under a one-CPU affinity;
    later compiles then emit one task. Does nothing where affinity cannot be set (not Linux) or JAX's client
    already exists."""
    import os
    import sys

    if "jax" in sys.modules or not hasattr(os, "sched_setaffinity"):
        return
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        import jax

        jax.devices()
    finally:
        os.sched_setaffinity(0, cpus)


def load(jit: bool) -> Backend:
    """Import JAX and return the workloads as a :class:`Backend` (``jit`` compiles each step)."""
    _one_thread_client()
    import jax
    import jax.numpy as jnp

    wrap: Callable[[Any], Any] = jax.jit if jit else (lambda f: f)

    def dev(a: np.ndarray) -> Any:
        return jax.device_put(jnp.asarray(a))

    def seed(data: Mapping[str, np.ndarray]) -> Step:
        x = dev(np.float32(3.0))
        g = wrap(jax.grad(lambda v: v**2))
        return lambda: g(x)

    def chain(data: Mapping[str, np.ndarray]) -> Step:
        x = dev(data["x"])

        def loss(v: Any) -> Any:
            h = v
            for _ in range(50):
                h = jnp.sin(h) * 1.01 + h * 0.5 - 0.1
            return jnp.sum(h)

        g = wrap(jax.grad(loss))
        return lambda: g(x)

    def mlp(data: Mapping[str, np.ndarray]) -> Step:
        X, Y = dev(data["X"]), dev(data["Y"])
        params = [dev(data[k]) for k in ("W1", "b1", "W2", "b2")]

        def loss(p: list[Any]) -> Any:
            W1, b1, W2, b2 = p
            h = jax.nn.relu(X @ W1 + b1)
            logits = h @ W2 + b2
            return jnp.mean(-jnp.sum(Y * jax.nn.log_softmax(logits, axis=-1), axis=-1))

        g = wrap(jax.grad(loss))
        return lambda: g(params)

    def big(data: Mapping[str, np.ndarray]) -> Step:
        x = dev(data["x"])
        g = wrap(jax.grad(lambda v: jnp.sum(jnp.tanh(v) * v + jnp.exp(-v * v))))
        return lambda: g(x)

    def jac(data: Mapping[str, np.ndarray]) -> Step:
        W, x = dev(data["W"]), dev(data["x"])
        J = wrap(jax.jacrev(lambda v: jnp.tanh(W @ v)))
        return lambda: J(x)

    def to_numpy(result: Any) -> list[np.ndarray]:
        items = result if isinstance(result, list | tuple) else [result]
        return [np.asarray(a) for a in items]

    return Backend(
        name="jax-jit" if jit else "jax",
        version=jax.__version__,
        builders={"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac},
        sync=jax.block_until_ready,
        to_numpy=to_numpy,
        note="jax.jit(jax.grad(f)); compile excluded (warm-up)" if jit else "jax.grad(f) op by op, no jit",
    )
