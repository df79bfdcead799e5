"""Cost of the scientific linear-algebra / math breadth (ops/linalg_ext.py, math_ext.py, array_ext.py, sobol.py,
linear_operator.py) next to TensorFlow 2.21 eager, side by side in one process: each workload is one eager call
(value and, where named, the float64 gradient under a GradientTape) written once for both libraries; rounds are
interleaved and the minimum CPU time (``time.process_time``) of each is kept, so a shared machine's load mostly
cancels out of the ratio.

    PYTHONPATH=src python -m benchmarks.sci_bench [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad


def _grad(tf: Any, f: Callable[..., Any], *xs: Any) -> Any:
    vs = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(vs)
        y = f(*vs)
        loss = tf.reduce_sum(tf.math.real(y) if y.dtype.is_complex else y)
    return tape.gradient(loss, vs)


def workloads(tf: Any) -> dict[str, Callable[[], Any]]:
    r = np.random.default_rng(0)
    a32 = r.normal(size=(8, 32, 32)) * 0.2
    g64 = r.normal(size=(64, 64)) + np.diag(np.arange(64.0))
    tri = r.normal(size=(64, 3, 256))
    tri[:, 1] += 4.0
    rhs = r.normal(size=(64, 256, 4))
    cl = r.normal(size=(256, 512))
    big = r.normal(size=(512, 512))
    seg = r.normal(size=(20000, 16))
    ids = tf.constant(np.sort(r.integers(0, 500, 20000)))
    k1 = r.normal(size=(32, 32)) + 6 * np.eye(32)
    kx = r.normal(size=(1024, 4))
    spd = r.normal(size=(256, 256))
    spd = spd @ spd.T + 256 * np.eye(256)
    b = r.normal(size=256)
    la = tf.linalg
    return {
        "expm 8x32x32 + grad": lambda: _grad(tf, la.expm, a32),
        "eigvals 64x64 + grad": lambda: _grad(tf, la.eigvals, g64),
        "tridiagonal_solve 64x256x4 + grad": lambda: _grad(tf, la.tridiagonal_solve, tri, rhs),
        "cumulative_logsumexp 256x512 + grad": lambda: _grad(
            tf, lambda v: tf.math.cumulative_logsumexp(v, axis=1), cl),
        "strided_slice 512x512 + grad": lambda: _grad(
            tf, lambda v: tf.strided_slice(v, [1, 0], [511, 512], [2, 3]), big),
        "segment_max 20000x16 + grad": lambda: _grad(tf, lambda v: tf.math.segment_max(v, ids), seg),
        "sobol_sample 64 dims x 4096": lambda: tf.math.sobol_sample(64, 4096, dtype=tf.float64),
        "Kronecker(32x32, 32x32).solve 1024x4 + grad": lambda: _grad(
            tf, lambda m, x: la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(m),
                                                         la.LinearOperatorFullMatrix(m)]).solve(x), k1, kx),
        "conjugate_gradient 256x256, 20 steps": lambda: la.experimental.conjugate_gradient(
            la.LinearOperatorFullMatrix(tf.constant(spd), is_self_adjoint=True, is_positive_definite=True),
            tf.constant(b), tol=0.0, max_iter=20).x,
    }


def _cpu(f: Callable[[], Any], n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        f()
    return (time.process_time() - t0) / n * 1e3


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    libs = {"tapegrad": workloads(tapegrad), "tensorflow": workloads(tf)}
    best = {(lib, k): float("inf") for lib in libs for k in libs[lib]}
    for table in libs.values():
        for f in table.values():
            f()
    for _ in range(args.rounds):
        for k in libs["tapegrad"]:
            for lib in libs:
                gc.collect()
                best[(lib, k)] = min(best[(lib, k)], _cpu(libs[lib][k], args.reps))
    print(f"load average {os.getloadavg()[0]:.1f} (1 min); CPU ms per call, min of {args.rounds} rounds")
    print("| workload | tapegrad ms | TF 2.21 ms | ratio |\n|---|---|---|---|")
    for k in libs["tapegrad"]:
        t, f = best[("tapegrad", k)], best[("tensorflow", k)]
        print(f"| {k} | {t:.2f} | {f:.2f} | {t / f:.2f} |")


if __name__ == "__main__":
    main()
