"""Benchmarks of ``tapegrad.distributed`` (issue 13): fused vs per-tensor allreduce, one data-parallel training step
at 1/2/4 ranks, and the share of communication the overlapped reduction hides.

Run ``python benchmarks/distributed_bench.py [--quick] [--write]``: it launches ``mpiexec -n N python -m mpi4py`` on
itself for each N and prints a table (``--write`` also writes ``benchmarks/distributed_results.md``). Times are the
median over repeats of the slowest rank's time (each repeat starts after a barrier).

1. **Allreduce** of a gradient set of 100 float32 tensors between 1 KB and 4 MB, 25M parameters in all (50 "small"
   tensors of 1–64 KB, 50 large ones up to 4 MB): ``hvd.grouped_allreduce`` (fused, 4 MiB buckets, one agreement
   check) vs 100 ``hvd.allreduce`` calls (one agreement check each) vs 100 raw ``comm.Allreduce`` calls (MPI alone).
2. **Training step** (weak scaling: the per-rank batch is fixed): an MLP 1024→6×1024→10 (6.3M parameters), batch 64
   per rank, ``DistributedGradientTape`` + SGD. Efficiency = t(1 rank) / t(N ranks).
3. **Overlap**: the same step's forward and backward pass as compute only (plain tape), compute then the same
   buckets reduced afterwards, and ``DistributedGradientTape`` (buckets reduced while the sweep runs), at per-rank
   batch 64 and 8 (less compute per byte sent). Hidden share = (t_serial − t_overlap) / (t_serial − t_compute).
   The three alternate within each repeat.

The machine this runs on here has 2 cores shared with other work: 4 ranks oversubscribe it (MPICH's busy polling
then competes with compute), so 4-rank numbers show direction, not cluster performance.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def gradient_set() -> tuple[list[tuple[int, ...]], int]:
    """100 float32 shapes, 1 KB .. 4 MB, 25M parameters; returns (shapes, number of small tensors)."""
    small = np.geomspace(256, 16 * 1024, 50).astype(int)          # 1 KB .. 64 KB of float32
    target = 25_000_000 - int(small.sum())
    hi = 1024 * 1024                                               # 4 MB of float32
    lo_a, lo_b = 1.0, float(hi)
    for _ in range(60):                                            # the large tensors' smallest size, by bisection
        mid = (lo_a + lo_b) / 2
        if np.geomspace(mid, hi, 50).astype(int).sum() > target:
            lo_b = mid
        else:
            lo_a = mid
    large = np.geomspace(lo_a, hi, 50).astype(int)
    large[-1] += target - int(large.sum())
    return [(int(n),) for n in np.concatenate([small, large])], len(small)


def timed(fn, comm, repeats: int) -> float:
    return timed_round_robin([fn], comm, repeats)[0]


def timed_round_robin(fns, comm, repeats: int) -> list[float]:
    """Median per function of the slowest rank's time; the functions alternate within each repeat, so changes in
    the machine's load affect them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            comm.Barrier()
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            times[k].append(comm.allreduce(dt, op=_MPI.MAX))
    return [float(np.median(t)) for t in times]


_MPI = None


def worker_allreduce(quick: bool) -> dict:
    import tapegrad.distributed as hvd
    from tapegrad.distributed import _core

    hvd.init()
    comm = _core.state.comm
    shapes, n_small = gradient_set()
    rng = np.random.default_rng(hvd.rank())
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    out = {}
    for label, sub, reps in (("small", arrays[:n_small], 5 if quick else 40),
                             ("all", arrays, 2 if quick else 6)):
        raw_out = [np.empty_like(a) for a in sub]

        def raw(sub=sub, raw_out=raw_out) -> None:
            for a, o in zip(sub, raw_out):
                comm.Allreduce(a, o, op=_MPI.SUM)

        per, fused, rawt = timed_round_robin(
            [lambda sub=sub: [hvd.allreduce(a, op=hvd.Sum) for a in sub],
             lambda sub=sub: hvd.grouped_allreduce(sub, op=hvd.Sum), raw], comm, reps)
        out[label] = {"tensors": len(sub), "params": int(sum(a.size for a in sub)), "per_tensor_s": per,
                      "raw_per_tensor_s": rawt, "fused_s": fused}
    check = np.empty(1)
    t = timed(lambda: comm.Allreduce(np.ones(1), check), comm, 5 if quick else 200)
    out["tiny_allreduce_s"] = t
    return out


def make_model(width: int = 1024, depth: int = 6, seed: int = 0):
    import tapegrad as tf

    rng = np.random.default_rng(seed)
    params = []
    fan_in = width
    for _ in range(depth):
        params += [tf.Variable((rng.standard_normal((fan_in, width)) / np.sqrt(fan_in)).astype(np.float32)),
                   tf.Variable(np.zeros(width, np.float32))]
    params += [tf.Variable((rng.standard_normal((width, 10)) / np.sqrt(width)).astype(np.float32)),
               tf.Variable(np.zeros(10, np.float32))]
    return params


def forward(params, x, y):
    import tapegrad as tf

    h = tf.constant(x)
    for k in range(0, len(params) - 2, 2):
        h = tf.nn.relu(tf.matmul(h, params[k]) + params[k + 1])
    logits = tf.matmul(h, params[-2]) + params[-1]
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


def worker_step(quick: bool) -> dict:
    import tapegrad as tf
    import tapegrad.distributed as hvd
    from tapegrad.distributed import _core
    from tapegrad.distributed._tape import GradientReducer

    hvd.init()
    comm = _core.state.comm if _core.state.comm is not None else None
    params = make_model()
    rng = np.random.default_rng(100 + hvd.rank())
    data = {b: (rng.standard_normal((b, 1024)).astype(np.float32), rng.integers(0, 10, b)) for b in (64, 8)}
    x, y = data[64]
    reps = 3 if quick else 12
    def step() -> None:
        with tf.GradientTape() as tape:
            loss = forward(params, x, y)
        grads = hvd.DistributedGradientTape(tape).gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(0.01 * g)

    def compute_only() -> None:
        with tf.GradientTape() as tape:  # x, y: the batch of the current measurement (rebound below)
            loss = forward(params, x, y)
        tape.gradient(loss, params)

    reducer = GradientReducer()

    def serial() -> None:  # the same buckets, started only after the sweep has finished
        with tf.GradientTape() as tape:
            loss = forward(params, x, y)
        grads = tape.gradient(loss, params)
        glob, red = reducer.start(params)
        for m, i in enumerate(glob):
            reducer.put(red, m, grads[i])
        reducer.results(red, params, glob, grads, tf.UnconnectedGradients.NONE)

    def overlapped() -> None:
        with tf.GradientTape() as tape:
            loss = forward(params, x, y)
        hvd.DistributedGradientTape(tape).gradient(loss, params)

    class _Solo:  # one process without MPI: time without barriers
        def Barrier(self) -> None: ...
        def allreduce(self, v, op=None):
            return v

    c = comm if hvd.size() > 1 else _Solo()
    for _ in range(2):
        step()  # warm-up (plans, buffers)
    out = {"params": int(sum(p.numpy().size for p in params)), "step_s": timed(step, c, reps)}
    if hvd.size() > 1:
        for b in (64, 8):
            x, y = data[b]
            t = timed_round_robin([compute_only, serial, overlapped], c, reps)
            out[f"overlap_batch{b}"] = dict(zip(("compute_s", "serial_s", "overlap_s"), t))
    return out


def launch(n: int, what: str, quick: bool, timeout: int = 900) -> dict:
    mpiexec = shutil.which("mpiexec")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    cmd = [sys.executable, __file__, "--worker", what] + (["--quick"] if quick else [])
    if n > 1 or what == "allreduce":
        cmd = [mpiexec, "-n", str(n), sys.executable, "-m", "mpi4py"] + cmd[1:]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return json.loads(lines[0][len("RESULT "):])


def report(res: dict) -> str:
    ms = lambda s: f"{1000 * s:.2f} ms"  # noqa: E731
    lines = ["# tapegrad.distributed benchmark", "",
             "Machine: 2 CPU cores shared with other engineers' work (load varied during the run); MPICH 5 over shared "
             "memory. 4 ranks oversubscribe the 2 cores. Ratios and directions are meaningful, absolute times are not "
             "cluster figures.", "",
             "## Allreduce of 100 float32 gradients (1 KB – 4 MB, 25M parameters)", "",
             "| ranks | set | tensors | params | per-tensor `hvd.allreduce` | per-tensor raw MPI | fused "
             "`grouped_allreduce` | fused speed-up vs hvd / vs raw |", "|---|---|---|---|---|---|---|---|"]
    for n in (2, 4):
        r = res["allreduce"][str(n)]
        for label in ("small", "all"):
            e = r[label]
            lines.append(f"| {n} | {label} | {e['tensors']} | {e['params']:,} | {ms(e['per_tensor_s'])} | "
                         f"{ms(e['raw_per_tensor_s'])} | {ms(e['fused_s'])} | "
                         f"{e['per_tensor_s'] / e['fused_s']:.1f}× / {e['raw_per_tensor_s'] / e['fused_s']:.1f}× |")
    lines += ["", "Agreement check cost (one 1-element blocking allreduce): " + ", ".join(
        f"{n} ranks {1e6 * res['allreduce'][str(n)]['tiny_allreduce_s']:.0f} µs" for n in (2, 4)), ""]
    s1 = res["step"]["1"]["step_s"]
    lines += ["## One data-parallel training step (MLP 1024→6×1024→10, "
              f"{res['step']['1']['params']:,} parameters, batch 64 per rank)", "",
              "| ranks | step | weak-scaling efficiency t1/tN | samples/s |", "|---|---|---|---|"]
    for n in (1, 2, 4):
        t = res["step"][str(n)]["step_s"]
        lines.append(f"| {n} | {ms(t)} | {s1 / t:.0%} | {64 * n / t:.0f} |")
    lines += ["", "## Overlap of the reduction with the backward sweep (same model; per-rank batch 64 and 8)", "",
              "| ranks | batch | compute only | compute then reduce | overlapped | communication | hidden |",
              "|---|---|---|---|---|---|---|"]
    for n in (2, 4):
        for b in (64, 8):
            e = res["step"][str(n)][f"overlap_batch{b}"]
            comm = e["serial_s"] - e["compute_s"]
            hidden = (e["serial_s"] - e["overlap_s"]) / comm if comm > 0 else float("nan")
            lines.append(f"| {n} | {b} | {ms(e['compute_s'])} | {ms(e['serial_s'])} | {ms(e['overlap_s'])} | "
                         f"{ms(comm)} | {hidden:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats (a smoke test)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/distributed_results.md")
    parser.add_argument("--worker", choices=["allreduce", "step"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        global _MPI
        from mpi4py import MPI

        _MPI = MPI
        res = worker_allreduce(args.quick) if args.worker == "allreduce" else worker_step(args.quick)
        if MPI.COMM_WORLD.Get_rank() == 0:
            print("RESULT " + json.dumps(res), flush=True)
        return 0
    res = {"allreduce": {str(n): launch(n, "allreduce", args.quick) for n in (2, 4)},
           "step": {str(n): launch(n, "step", args.quick) for n in (1, 2, 4)}}
    text = report(res)
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "distributed_results.md").write_text(text)
        (ROOT / "benchmarks" / "distributed_results.json").write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
