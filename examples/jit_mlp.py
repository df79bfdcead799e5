"""Train an MLP on scikit-learn's 8x8 digits with a jit-compiled step, and measure it against eager.

The train step — forward, softmax cross-entropy, ``tape.gradient``, momentum-SGD updates with ``assign_sub`` —
is written once and run three ways:

* eager (every op dispatched and recorded one by one),
* ``tf.function(step)`` (traced once, replayed as generated NumPy code),
* ``tf.function(step, jit_compile=True)`` (the same program with its elementwise work — tanh activations and
  their gradients, bias gradients, the loss's elementwise part, the momentum updates' arithmetic — fused into
  Numba kernels between the matmuls).

The model (64 -> 128 -> 128 -> 10, tanh) is trained with the jit step; the script prints the test accuracy, each
variant's time per step on the same batch, and the jit step's speed-up over eager. Needs the ``examples`` extra
(scikit-learn) and the ``jit`` extra (Numba; without it ``jit_compile=True`` warns and runs the NumPy plan)::

    pip install -e ".[examples,jit]"
    python examples/jit_mlp.py [--quick] [--epochs N] [--batch-size N] [--seed N]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import tapegrad as tf


def load_data(seed: int) -> tuple[np.ndarray, ...]:
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[digits.target]
    return tuple(train_test_split(x, y, test_size=0.25, stratify=digits.target, random_state=seed))


def make_params(seed: int, sizes: tuple[int, ...] = (64, 128, 128, 10)) -> list[Any]:
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(tf.Variable((rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)))
        params.append(tf.Variable(np.zeros(n_out, np.float32)))
    return params


def forward(params: list[Any], x: Any) -> Any:
    h = x
    for i in range(0, len(params) - 2, 2):
        h = tf.tanh(tf.matmul(h, params[i]) + params[i + 1])
    return tf.matmul(h, params[-2]) + params[-1]


def make_step(params: list[Any], velocity: list[Any], lr: float = 0.05, momentum: float = 0.9) -> Any:
    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            logits = forward(params, x)
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, params)
        for p, v, g in zip(params, velocity, grads):
            v.assign(momentum * v + g)
            p.assign_sub(lr * v)
        return loss

    return step


def accuracy(params: list[Any], x: np.ndarray, y: np.ndarray) -> float:
    logits = forward(params, tf.constant(x)).numpy()
    return float(np.mean(np.argmax(logits, axis=1) == np.argmax(y, axis=1)))


def seconds_per_step(step: Any, x: Any, y: Any, min_time: float) -> float:
    """Median over five batches of calls (the step updates the weights; the timing does not care)."""
    step(x, y)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_time / 5 or n < 3:
        step(x, y)
        n += 1
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            step(x, y)
        times.append((time.perf_counter() - t0) / n)
    return float(np.median(times))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 epochs and short timings (checks the code path, for CI)")
    ap.add_argument("--epochs", type=int, default=None, help="training epochs (default 30; 2 with --quick)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (2 if args.quick else 30)
    x_train, x_test, y_train, y_test = load_data(args.seed)
    bs = args.batch_size
    print(f"digits: {len(x_train)} training, {len(x_test)} test images; MLP 64-128-128-10 (tanh), batch {bs}")

    params = make_params(args.seed)
    velocity = [tf.Variable(np.zeros(p.shape, np.float32)) for p in params]
    jit_step = tf.function(make_step(params, velocity), jit_compile=True)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    xb, yb = tf.constant(x_train[:bs]), tf.constant(y_train[:bs])
    jit_step(xb, yb)  # the first call traces and compiles
    compile_s = time.perf_counter() - t0
    program = jit_step.get_concrete_function(xb, yb)._program()
    report = getattr(program, "jit_report", None)
    print(report.summary() if report is not None else "jit: no report")
    print(f"first call (trace + compile): {compile_s:.2f} s")

    t0 = time.perf_counter()
    n_full = len(x_train) // bs  # full batches only: one input shape, one trace
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for b in range(n_full):
            idx = order[b * bs:(b + 1) * bs]
            jit_step(tf.constant(x_train[idx]), tf.constant(y_train[idx]))
    train_s = time.perf_counter() - t0
    test_acc = accuracy(params, x_test, y_test)
    print(f"trained {epochs} epochs ({epochs * n_full} steps) in {train_s:.2f} s; test accuracy {test_acc:.4f}")

    # the same step, three ways, on fresh copies of the weights and the same batch
    budget = 0.2 if args.quick else 1.0
    timings = {}
    for name, wrap in (("eager", lambda f: f), ("tf.function", tf.function),
                       ("tf.function(jit_compile=True)", lambda f: tf.function(f, jit_compile=True))):
        p = [tf.Variable(v.numpy()) for v in params]
        vel = [tf.Variable(np.zeros(v.shape, np.float32)) for v in params]
        timings[name] = seconds_per_step(wrap(make_step(p, vel)), xb, yb, budget)
        print(f"{name:31s} {timings[name] * 1e6:9.1f} µs per step")
    speedup = timings["eager"] / timings["tf.function(jit_compile=True)"]
    print(f"result: test accuracy {test_acc:.4f} after {epochs} epochs; jit step {speedup:.1f}x faster than eager "
          f"({timings['tf.function'] / timings['tf.function(jit_compile=True)']:.2f}x over tf.function)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
