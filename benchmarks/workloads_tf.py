"""The TF-API workloads, written once against a module ``tf``.

The same source runs with ``import tensorflow as tf`` and ``import tapegrad as tf``.
Each builder takes the module and the seeded NumPy data, creates variables and
constants up front, and returns a step that records one forward pass on a
``tf.GradientTape`` and returns the gradient(s).

TF API used: ``tf.Variable``, ``tf.constant``, ``tf.GradientTape`` (``gradient``,
``jacobian``, ``persistent=True``), ``tf.sin``, ``tf.tanh``, ``tf.exp``,
``tf.matmul``, ``tf.reduce_sum``, ``tf.reduce_mean``, ``tf.nn.relu``,
``tf.nn.softmax_cross_entropy_with_logits``, tensor/variable ``+ - * **`` and
unary ``-``, ``Tensor.numpy()``, ``tf.config.threading`` (optional).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.common import Backend, Builder, Step


def seed(tf: ModuleType, data: Mapping[str, np.ndarray]) -> Step:
    """``x**2`` on a scalar variable; gradient wrt ``x``."""
    x = tf.Variable(3.0)

    def step() -> Any:
        with tf.GradientTape() as tape:
            y = x**2
        return tape.gradient(y, x)

    return step


def chain(tf: ModuleType, data: Mapping[str, np.ndarray]) -> Step:
    """50 × ``h = sin(h)*1.01 + h*0.5 - 0.1`` on 16 floats, ``reduce_sum``; gradient wrt the start."""
    x = tf.Variable(data["x"])

    def step() -> Any:
        with tf.GradientTape() as tape:
            h = x
            for _ in range(50):
                h = tf.sin(h) * 1.01 + h * 0.5 - 0.1
            loss = tf.reduce_sum(h)
        return tape.gradient(loss, x)

    return step


def mlp(tf: ModuleType, data: Mapping[str, np.ndarray]) -> Step:
    """784→128→10 relu MLP, softmax cross-entropy; gradients wrt ``[W1, b1, W2, b2]``."""
    X = tf.constant(data["X"])
    Y = tf.constant(data["Y"])
    W1, b1 = tf.Variable(data["W1"]), tf.Variable(data["b1"])
    W2, b2 = tf.Variable(data["W2"]), tf.Variable(data["b2"])
    params = [W1, b1, W2, b2]

    def step() -> Any:
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(X, W1) + b1)
            logits = tf.matmul(h, W2) + b2
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=logits))
        return tape.gradient(loss, params)

    return step


def big(tf: ModuleType, data: Mapping[str, np.ndarray]) -> Step:
    """``reduce_sum(tanh(x)*x + exp(-x*x))`` over 1e6 floats; gradient wrt ``x``."""
    x = tf.Variable(data["x"])

    def step() -> Any:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(x) * x + tf.exp(-x * x))
        return tape.gradient(loss, x)

    return step


def jac(tf: ModuleType, data: Mapping[str, np.ndarray]) -> Step:
    """``tape.jacobian(tanh(W @ x), x)``, W 100×100 constant, x (100, 1); result (100, 1, 100, 1)."""
    W = tf.constant(data["W"])
    x = tf.Variable(data["x"])

    def step() -> Any:
        with tf.GradientTape() as tape:
            y = tf.tanh(tf.matmul(W, x))
        return tape.jacobian(y, x)

    return step


BUILDERS = {"seed": seed, "chain": chain, "mlp": mlp, "big": big, "jac": jac}


def memory_chain(tf: ModuleType, x: Any, Ws: list[Any], persistent: bool) -> tuple[Any, Any]:
    """Record ``h = tanh(h @ W_i)`` over all ``Ws``; returns ``(tape, loss)``."""
    tape = tf.GradientTape(persistent=persistent)
    with tape:
        h = x
        for W in Ws:
            h = tf.tanh(tf.matmul(h, W))
        loss = tf.reduce_sum(h)
    return tape, loss


def _to_numpy(result: Any) -> list[np.ndarray]:
    items = result if isinstance(result, list | tuple) else [result]
    return [np.asarray(t.numpy()) for t in items]


def load(module_name: str) -> tuple[Backend, ModuleType]:
    """Import ``module_name`` as ``tf`` (one thread) and wrap the workloads as a :class:`Backend`."""
    tf = importlib.import_module(module_name)
    threading = getattr(getattr(tf, "config", None), "threading", None)
    if threading is not None:
        threading.set_intra_op_parallelism_threads(1)
        threading.set_inter_op_parallelism_threads(1)

    def bind(fn: Any) -> Builder:
        return lambda data: fn(tf, data)

    backend = Backend(
        name=module_name,
        version=str(getattr(tf, "__version__", "unknown")),
        builders={name: bind(fn) for name, fn in BUILDERS.items()},
        sync=lambda _: None,
        to_numpy=_to_numpy,
    )
    return backend, tf
