"""Per-call cost of ``tapegrad.raw_ops`` (the op-definition checks) against the public function it wraps, and of
TF's own ``tf.raw_ops`` (when TensorFlow is installed), side by side in one process.

``python benchmarks/raw_ops_overhead.py`` prints microseconds per call (best of 5 repeats) for a few ops on small
inputs, the ratio raw/public, and the import time of ``tapegrad.raw_ops``.
"""

from __future__ import annotations

import os
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np


def _us(fn: Callable[[], Any], number: int = 2000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    t0 = time.perf_counter()
    import tapegrad as tg
    from tapegrad import raw_ops  # noqa: F401 - timed

    imported = time.perf_counter() - t0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import tensorflow as tf
    except ImportError:
        tf = None
    a, b = np.ones((4, 4), np.float32), np.full((4, 4), 2.0, np.float32)
    x, y = tg.constant(a), tg.constant(b)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]] = [
        ("AddV2", lambda: tg.raw_ops.AddV2(x=x, y=y), lambda: tg.add(x, y), None),
        ("MatMul", lambda: tg.raw_ops.MatMul(a=x, b=y), lambda: tg.linalg.matmul(x, y), None),
        ("Sum", lambda: tg.raw_ops.Sum(input=x, axis=[0, 1]), lambda: tg.reduce_sum(x, axis=[0, 1]), None),
        ("ConcatV2", lambda: tg.raw_ops.ConcatV2(values=[x, y], axis=0), lambda: tg.concat([x, y], 0), None),
    ]
    if tf is not None:
        tx, ty = tf.constant(a), tf.constant(b)
        tf_calls = {"AddV2": lambda: tf.raw_ops.AddV2(x=tx, y=ty), "MatMul": lambda: tf.raw_ops.MatMul(a=tx, b=ty),
                    "Sum": lambda: tf.raw_ops.Sum(input=tx, axis=[0, 1]),
                    "ConcatV2": lambda: tf.raw_ops.ConcatV2(values=[tx, ty], axis=0)}
        cases = [(n, r, p, tf_calls[n]) for n, r, p, _ in cases]
    print(f"import tapegrad + tapegrad.raw_ops: {imported * 1e3:.0f} ms; load average {os.getloadavg()[0]:.1f}")
    print(f"{'op':10} {'raw (us)':>9} {'public (us)':>12} {'raw/public':>11} {'TF raw (us)':>12}")
    for name, raw, pub, tfr in cases:
        r_us, p_us = _us(raw), _us(pub)
        t_us = f"{_us(tfr):12.1f}" if tfr is not None else f"{'-':>12}"
        print(f"{name:10} {r_us:9.1f} {p_us:12.1f} {r_us / p_us:11.2f} {t_us}")


if __name__ == "__main__":
    main()
