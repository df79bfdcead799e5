"""Eager Jacobians: tapegrad vs TensorFlow, PyTorch, JAX (eager and jit) and a hand-written NumPy Jacobian.

Workloads (float32, seeded data, every result checked against the analytic Jacobian):

* ``jac100`` / ``jac1000``: ``jacobian(tanh(W @ x), x)`` with ``W`` 100×100 / 1000×1000 and ``x`` a vector.
* ``bjac_mlp``: per-example Jacobians of a 2-layer tanh MLP, input 64×32 → hidden 64 → output 64×16
  (``tape.batch_jacobian``; PyTorch: ``jacobian(lambda x: f(x).sum(0), x, vectorize=True)``, the standard
  batch trick; JAX: ``vmap(jacrev(f))``), result 64×16×32.

Each framework runs in its own subprocess with one thread (``OMP/MKL/OPENBLAS_NUM_THREADS=1``, XLA and PyTorch
single-threaded), timed with ``benchmarks.common.time_step`` (median of repeats). Run from the repository root:
``python benchmarks/jacobian_bench.py [--budget 1.0] [--only tapegrad,torch,jax,jax-jit,numpy,tensorflow]``.
With ``--profile`` it also prints a cProfile of tapegrad's ``jac100``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("numpy", "tapegrad", "jax-jit", "jax", "torch", "tensorflow")
WORKLOADS = ("jac100", "jac1000", "bjac_mlp")


def make_data(workload: str) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1234)
    if workload in ("jac100", "jac1000"):
        n = 100 if workload == "jac100" else 1000
        return {"W": (rng.normal(size=(n, n)) / np.sqrt(n)).astype(np.float32),
                "x": rng.normal(size=n).astype(np.float32)}
    return {"x": rng.normal(size=(64, 32)).astype(np.float32),
            "W1": (rng.normal(size=(32, 64)) / np.sqrt(32)).astype(np.float32),
            "b1": (rng.normal(size=64) * 0.1).astype(np.float32),
            "W2": (rng.normal(size=(64, 16)) / np.sqrt(64)).astype(np.float32),
            "b2": (rng.normal(size=16) * 0.1).astype(np.float32)}


def reference(workload: str, d: dict[str, np.ndarray]) -> np.ndarray:
    """The analytic Jacobian in float64."""
    if workload.startswith("jac"):
        w, x = d["W"].astype(np.float64), d["x"].astype(np.float64)
        return (1 - np.tanh(w @ x) ** 2)[:, None] * w
    x, w1, b1, w2, b2 = (d[k].astype(np.float64) for k in ("x", "W1", "b1", "W2", "b2"))
    h = np.tanh(x @ w1 + b1)
    y = np.tanh(h @ w2 + b2)
    # J[i] = diag(1 - y_i^2) W2^T diag(1 - h_i^2) W1^T
    return np.einsum("io,ho,ih,kh->iok", 1 - y**2, w2, 1 - h**2, w1)


# -- per-framework steps -------------------------------------------------------------------------------------


def steps_tf_api(tf: Any, workload: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    if workload.startswith("jac"):
        w, x = tf.constant(d["W"]), tf.constant(d["x"])

        def step() -> Any:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.tanh(tf.linalg.matvec(w, x))
            return tape.jacobian(y, x)

        return step
    x, w1, b1, w2, b2 = (tf.constant(d[k]) for k in ("x", "W1", "b1", "W2", "b2"))

    def bstep() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tanh(tf.matmul(tf.tanh(tf.matmul(x, w1) + b1), w2) + b2)
        return tape.batch_jacobian(y, x)

    return bstep


def steps_torch(workload: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    import torch

    torch.set_num_threads(1)
    jacobian = torch.autograd.functional.jacobian
    if workload.startswith("jac"):
        w, x = torch.tensor(d["W"]), torch.tensor(d["x"])
        return lambda: jacobian(lambda v: torch.tanh(w @ v), x, vectorize=True)
    x, w1, b1, w2, b2 = (torch.tensor(d[k]) for k in ("x", "W1", "b1", "W2", "b2"))

    def f(v: Any) -> Any:
        return torch.tanh(torch.tanh(v @ w1 + b1) @ w2 + b2)

    return lambda: jacobian(lambda v: f(v).sum(0), x, vectorize=True).permute(1, 0, 2)


def steps_jax(workload: str, d: dict[str, np.ndarray], jit: bool) -> Callable[[], Any]:
    import jax
    import jax.numpy as jnp

    if workload.startswith("jac"):
        w, x = jnp.asarray(d["W"]), jnp.asarray(d["x"])
        fn = jax.jacrev(lambda v: jnp.tanh(w @ v))
        fn = jax.jit(fn) if jit else fn
        return lambda: fn(x).block_until_ready()
    x, w1, b1, w2, b2 = (jnp.asarray(d[k]) for k in ("x", "W1", "b1", "W2", "b2"))

    def f(v: Any) -> Any:  # one example
        return jnp.tanh(jnp.tanh(v @ w1 + b1) @ w2 + b2)

    fn = jax.vmap(jax.jacrev(f))
    fn = jax.jit(fn) if jit else fn
    return lambda: fn(x).block_until_ready()


def steps_numpy(workload: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    if workload.startswith("jac"):
        w, x = d["W"], d["x"]
        return lambda: (1 - np.tanh(w @ x) ** 2)[:, None] * w
    x, w1, b1, w2, b2 = (d[k] for k in ("x", "W1", "b1", "W2", "b2"))

    def step() -> Any:
        h = np.tanh(x @ w1 + b1)
        y = np.tanh(h @ w2 + b2)
        a = (1 - y**2)[:, :, None] * w2.T[None]  # (b, 16, 64)
        return (a * (1 - h**2)[:, None, :]) @ w1.T  # (b, 16, 32)

    return step


def build(framework: str, workload: str, d: dict[str, np.ndarray]) -> Callable[[], Any]:
    if framework == "tapegrad":
        import tapegrad as tf

        return steps_tf_api(tf, workload, d)
    if framework == "tensorflow":
        import tensorflow as tf

        return steps_tf_api(tf, workload, d)
    if framework == "torch":
        return steps_torch(workload, d)
    if framework in ("jax", "jax-jit"):
        return steps_jax(workload, d, jit=framework == "jax-jit")
    return steps_numpy(workload, d)


def worker(framework: str, budget: float, workloads: list[str]) -> dict[str, Any]:
    from benchmarks.common import time_step

    out: dict[str, Any] = {}
    for wl in workloads:
        d = make_data(wl)
        try:
            step = build(framework, wl, d)
            got = np.asarray(step())
            err = float(np.max(np.abs(got.reshape(reference(wl, d).shape) - reference(wl, d))))
            t = time_step(step, lambda r: None, budget if wl != "jac1000" or framework != "tensorflow" else 0.2,
                          quick=False)
            out[wl] = {"us": t["us"], "min_us": t["min_us"], "max_abs_err": err}
        except Exception as exc:  # noqa: BLE001 - a failing framework is reported, not fatal
            out[wl] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out


def profile_tapegrad() -> None:
    import tapegrad as tf

    step = steps_tf_api(tf, "jac100", make_data("jac100"))
    for _ in range(50):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(2000):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=1.0, help="seconds of timing per cell")
    ap.add_argument("--only", default=",".join(FRAMEWORKS))
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--profile", action="store_true", help="also cProfile tapegrad's jac100 (in this process)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    workloads = [w for w in args.workloads.split(",") if w]
    if args.worker:
        print(json.dumps(worker(args.worker, args.budget, workloads)))
        return 0
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
               TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    results: dict[str, Any] = {}
    for fw in [f for f in args.only.split(",") if f]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", fw, "--budget", str(args.budget),
               "--workloads", ",".join(workloads)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        try:
            results[fw] = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            results[fw] = {wl: {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}
                           for wl in workloads}
    print(f"{'framework':<12}" + "".join(f"{wl + ' (ms)':>18}" for wl in workloads))
    for fw, cells in results.items():
        row = f"{fw:<12}"
        for wl in workloads:
            c = cells.get(wl, {})
            row += f"{c['us'] / 1000:>18.4f}" if "us" in c else f"{'error':>18}"
        print(row)
    for fw, cells in results.items():
        for wl, c in cells.items():
            if "error" in c:
                print(f"  {fw}/{wl}: {c['error']}")
            elif c["max_abs_err"] > 1e-4:
                print(f"  {fw}/{wl}: WRONG, max abs error {c['max_abs_err']:.2e}")
    print("(median per call, one thread; numpy = hand-written Jacobian, the floor)")
    if args.profile:
        profile_tapegrad()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
