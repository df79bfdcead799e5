"""TF-NumPy's per-call cost: ``tapegrad.experimental.numpy`` against TensorFlow's ``tf.experimental.numpy`` on the
same small inputs, with tapegrad's own ops (``tf.add``, ``tf.reduce_sum`` …) as the floor that the TF-NumPy layer
(NumPy dtype inference and promotion) adds to. Side by side in one process, interleaved rounds; the minimum per call
of each row is reported (microseconds) with the ratio tapegrad-tnp / TF-tnp.

    PYTHONPATH=src python -m benchmarks.tnp_overhead [--rounds 5] [--calls 2000]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import benchmarks  # noqa: F401 - pins every library to one thread before they load


def _per_call(f: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n * 1e6


def cases(lib: Any, floor: bool) -> dict[str, Callable[[], Any]]:
    """The timed calls; ``floor`` gives the equivalent direct ops of ``lib`` instead of its TF-NumPy calls."""
    tnp = lib.experimental.numpy
    rng = np.random.default_rng(0)
    x = lib.constant(rng.standard_normal((64, 64)).astype(np.float32))
    i = lib.constant(rng.integers(0, 10, (64, 64)).astype(np.int32))
    idx = lib.constant(rng.integers(0, 64, (64, 8)).astype(np.int64))
    if floor:
        return {
            "add(float32, 1.5)": lambda: lib.add(x, 1.5),
            "sum(int32)": lambda: lib.reduce_sum(lib.cast(i, lib.int64)),
            "mean(float32, axis=0)": lambda: lib.reduce_mean(x, axis=0),
            "take_along_axis": lambda: lib.gather(x, idx, batch_dims=1),
            "where(x > 0, x, 0.0)": lambda: lib.where(x > 0, x, lib.zeros_like(x)),
            "asarray(list)": lambda: lib.constant([1.0, 2.0, 3.0], lib.float64),
        }
    return {
        "add(float32, 1.5)": lambda: tnp.add(x, 1.5),
        "sum(int32)": lambda: tnp.sum(i),
        "mean(float32, axis=0)": lambda: tnp.mean(x, axis=0),
        "take_along_axis": lambda: tnp.take_along_axis(x, idx, axis=1),
        "where(x > 0, x, 0.0)": lambda: tnp.where(x > 0, x, 0.0),
        "asarray(list)": lambda: tnp.asarray([1.0, 2.0, 3.0]),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args(argv)
    import tensorflow as tf_real

    import tapegrad as tg

    rows = {"tapegrad tnp": cases(tg, False), "tapegrad ops (floor)": cases(tg, True), "TF tnp": cases(tf_real, False)}
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for lib, fns in rows.items():
            for name, fn in fns.items():
                fn()
                t = _per_call(fn, args.calls)
                best[(lib, name)] = min(best.get((lib, name), float("inf")), t)
    print(f"load average {os.getloadavg()[0]:.1f}; us per call (min of {args.rounds} rounds x {args.calls} calls)")
    print(f"{'case':26s} {'tapegrad tnp':>13s} {'tapegrad ops':>13s} {'TF tnp':>9s} {'tnp/TF':>7s}")
    for name in rows["tapegrad tnp"]:
        a, b, c = best[("tapegrad tnp", name)], best[("tapegrad ops (floor)", name)], best[("TF tnp", name)]
        print(f"{name:26s} {a:13.1f} {b:13.1f} {c:9.1f} {a / c:7.2f}")


if __name__ == "__main__":
    main()
