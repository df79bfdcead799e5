"""Per-call cost of ``tapegrad.keras.ops`` next to the tapegrad op it wraps and to ``keras.ops`` on TensorFlow
(eager), side by side in one process: CPU time (``time.process_time``) per call on 64x64 float32 operands, the best
of three rounds of ``--calls`` calls each. The gap to "tapegrad direct" is what Keras's dtype promotion and argument
handling cost in Python; Keras on TensorFlow is skipped when TensorFlow/Keras are not installed.

    PYTHONPATH=src python -m benchmarks.keras_ops_bench [--calls 3000]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg
from tapegrad.keras import ops as tops


def _cpu_us(fn: Callable[[], Any], calls: int) -> float:
    fn()
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - t0) / calls * 1e6)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 64)).astype(np.float32)
    b = rng.standard_normal((64, 64)).astype(np.float32)
    ta, tb = tg.constant(a), tg.constant(b)
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        import keras
        import tensorflow as tf

        fa, fb, kops = tf.constant(a), tf.constant(b), keras.ops
    except ImportError:
        kops = None
    rows: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]] = [
        ("add", lambda: tops.add(ta, tb), lambda: tg.add(ta, tb), kops and (lambda: kops.add(fa, fb))),
        ("add(x, 2.0)", lambda: tops.add(ta, 2.0), lambda: ta + 2.0, kops and (lambda: kops.add(fa, 2.0))),
        ("matmul", lambda: tops.matmul(ta, tb), lambda: tg.matmul(ta, tb), kops and (lambda: kops.matmul(fa, fb))),
        ("softmax", lambda: tops.softmax(ta), lambda: tg.nn.softmax(ta), kops and (lambda: kops.softmax(fa))),
        ("mean(axis=0)", lambda: tops.mean(ta, axis=0), lambda: tg.reduce_mean(ta, axis=0),
         kops and (lambda: kops.mean(fa, axis=0))),
        ("where", lambda: tops.where(ta > 0, ta, tb), lambda: tg.where(ta > 0, ta, tb),
         kops and (lambda: kops.where(fa > 0, fa, fb))),
    ]
    print(f"load average {os.getloadavg()[0]:.1f}; CPU microseconds per call, best of 3 x {args.calls}")
    print(f"{'op':14s} {'keras.ops (tapegrad)':>21s} {'tapegrad direct':>16s} {'keras.ops (TF)':>15s}")
    for name, ours, direct, theirs in rows:
        tf_us = f"{_cpu_us(theirs, args.calls):15.1f}" if theirs else f"{'-':>15s}"
        print(f"{name:14s} {_cpu_us(ours, args.calls):21.1f} {_cpu_us(direct, args.calls):16.1f} {tf_us}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
