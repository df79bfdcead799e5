"""Cost of the random ops: seeded draws (TF's Philox kernels, TF's values) next to unseeded ones (NumPy's
``Generator``) and NumPy itself, side by side in one process (interleaved rounds; the minimum of each is kept).

Rows per size (1e3 and 1e6 values, float32 unless named): ``tapegrad.random.normal`` / ``uniform`` /
``truncated_normal`` with an op seed (Philox) and without any seed (NumPy), and the bare NumPy calls
(``Generator.standard_normal`` / ``random``) as the floor.

    PYTHONPATH=src python -m benchmarks.random_bench [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tf


def _time(f: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n * 1e3


def cases(size: int) -> dict[str, Callable[[], Any]]:
    rng = np.random.default_rng(0)
    return {
        "normal, op seed (Philox)": lambda: tf.random.normal([size], seed=1),
        "normal, no seed (NumPy)": lambda: tf.random.normal([size]),
        "numpy standard_normal": lambda: rng.standard_normal(size, dtype=np.float32),
        "normal float64, op seed (Philox)": lambda: tf.random.normal([size], seed=1, dtype=tf.float64),
        "uniform, op seed (Philox)": lambda: tf.random.uniform([size], seed=1),
        "uniform, no seed (NumPy)": lambda: tf.random.uniform([size]),
        "numpy random": lambda: rng.random(size, dtype=np.float32),
        "truncated_normal, op seed (Philox)": lambda: tf.random.truncated_normal([size], seed=1),
        "truncated_normal, no seed (NumPy)": lambda: tf.random.truncated_normal([size]),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    tf.random.set_seed(None)
    for size in (1000, 1000000):
        table = cases(size)
        reps = 200 if size == 1000 else 3
        best = {k: float("inf") for k in table}
        for f in table.values():
            f()
        for _ in range(args.rounds):
            for k, f in table.items():
                gc.collect()
                best[k] = min(best[k], _time(f, reps))
        print(f"\n{size} values (ms per call, best of {args.rounds} rounds)")
        for k, v in best.items():
            print(f"  {k:38s} {v:9.3f}")


if __name__ == "__main__":
    main()
