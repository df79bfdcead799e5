"""Cost of the TF-exact samplers (gamma, Poisson, binomial, truncated normal, categorical, index_shuffle, a
candidate sampler): tapegrad next to TensorFlow (when installed) in one process, interleaved rounds, the minimum
CPU time (``time.process_time``: TF's worker threads count) of each kept, and the ratio tapegrad / TF.

Both compute the same numbers (the stateless ops with one seed), so the ratio is the price of reproducing TF's
kernels in NumPy: vectorised rejection loops, C-library ``log``/``pow`` per element where TF's rounding needs them.

    PYTHONPATH=src python -m benchmarks.random_dist_bench [--rounds 3] [--sizes 1000 100000]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from typing import Any

import tapegrad


def _cases(tf: Any, n: int) -> dict[str, Callable[[], Any]]:
    return {
        "stateless_gamma alpha 0.5, 3": lambda: tf.random.stateless_gamma([n // 2, 2], [1, 2], alpha=[0.5, 3.0]),
        "stateless_poisson lam 4, 40": lambda: tf.random.stateless_poisson([n // 2, 2], [1, 2], lam=[4.0, 40.0]),
        "stateless_binomial n 20/500": lambda: tf.random.stateless_binomial([n // 2, 2], [1, 2], counts=[20.0, 500.0],
                                                                            probs=[0.3, 0.6]),
        "stateless_param_truncated_normal": lambda: tf.random.stateless_parameterized_truncated_normal(
            [n // 2, 2], [1, 2], 0.0, 1.0, [-1.0, 1.5], [1.0, float("inf")]),
        "stateless_categorical 10 classes": lambda: tf.random.stateless_categorical(
            tf.zeros([max(1, n // 1000), 10]), 1000, seed=[1, 2]),
        "index_shuffle": lambda: tf.random.experimental.index_shuffle(tf.range(n), seed=[1, 2], max_index=n - 1),
        "log_uniform_candidate_sampler": lambda: tf.random.log_uniform_candidate_sampler(
            [[1]], 1, max(1, n // 100), True, 10 * n, seed=3),
    }


def _cpu(f: Callable[[], Any], reps: int) -> float:
    t0 = time.process_time()
    for _ in range(reps):
        f()
    return (time.process_time() - t0) / reps * 1e3


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    args = ap.parse_args(argv)
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as real_tf
    except ImportError:
        real_tf = None
    libs = {"tapegrad": tapegrad} | ({"tensorflow": real_tf} if real_tf is not None else {})
    print(f"load average {os.getloadavg()[0]:.2f}; CPU ms per call, best of {args.rounds} interleaved rounds")
    for n in args.sizes:
        tables = {name: _cases(lib, n) for name, lib in libs.items()}
        reps = 20 if n <= 1000 else 2
        best = {(name, k): float("inf") for name, t in tables.items() for k in t}
        for t in tables.values():
            for f in t.values():
                f()
        for _ in range(args.rounds):
            for k in tables["tapegrad"]:
                for name, t in tables.items():
                    gc.collect()
                    best[name, k] = min(best[name, k], _cpu(t[k], reps))
        print(f"\n{n} samples")
        print(f"  {'op':36s} {'tapegrad':>10s} {'TF':>10s} {'ratio':>7s}")
        for k in tables["tapegrad"]:
            tg = best["tapegrad", k]
            ref = best.get(("tensorflow", k), float("nan"))
            print(f"  {k:36s} {tg:10.3f} {ref:10.3f} {tg / ref:7.1f}")


if __name__ == "__main__":
    main()
