"""The cost of a ``tapegrad.function`` call: the front-end (cache key, call counter, result packing) on top of the
compiled program, side by side in one process (interleaved rounds; the minimum per call of each is reported).

Targets (issue 10): an empty function call <= 2 us, the seed example (``x**2`` and its gradient on a Variable)
<= 3 us per call. Rows: the ``tapegrad.function`` call, the same program's generated function called directly
(the compiler's floor: the difference is the front-end's overhead), and eager tapegrad.

    PYTHONPATH=src python -m benchmarks.function_overhead [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import tapegrad as tf


def _per_call(f: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n * 1e6


def cases() -> dict[str, Callable[[], Any]]:
    x = tf.Variable(3.0)

    def seed_body():
        with tf.GradientTape() as tape:
            y = x**2
        return tape.gradient(y, x)

    empty = tf.function(lambda: None)
    seed = tf.function(seed_body)
    ident = tf.function(lambda a: a)
    t = tf.constant([1.0, 2.0])
    empty()
    seed()
    ident(t)

    def direct(f: Any) -> Callable[[], Any]:
        fn = f._concretes[0]._paths[0][0].fn
        return lambda: fn([])

    return {
        "empty: tapegrad.function": empty,
        "empty: generated code only": direct(empty),
        "seed: tapegrad.function": seed,
        "seed: generated code only": direct(seed),
        "seed: eager": seed_body,
        "identity(tensor): tapegrad.function": lambda: ident(t),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args(argv)
    todo = cases()
    best = {k: float("inf") for k in todo}
    gc.disable()
    try:
        for _ in range(args.rounds):
            for k, f in todo.items():
                best[k] = min(best[k], _per_call(f, args.calls))
    finally:
        gc.enable()
    for k, us in best.items():
        print(f"{k:40s} {us:7.2f} us/call")
    print(f"front-end overhead: empty {best['empty: tapegrad.function'] - best['empty: generated code only']:.2f} us, "
          f"seed {best['seed: tapegrad.function'] - best['seed: generated code only']:.2f} us")


if __name__ == "__main__":
    main()
