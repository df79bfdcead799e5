"""``tapegrad jit`` vs JAX jit and PyTensor (C and Numba backends), side by side in one process.

Every framework runs the benchmark workloads (``seed``, ``chain``, ``mlp``, ``big``, ``jac``: forward + gradient,
float32, the seeded data of ``common.make_data``) and their gradients are checked against the NumPy floor. Timing
is interleaved round by round (each round times every framework once, a batch sized to ``--budget`` seconds), so
noise on a shared machine hits all alike; the table gives the median over rounds of the per-call time (µs) and
each framework's ratio to the best of JAX jit and PyTensor-Numba. Compile times (first call: trace + compile, or
``pytensor.function``) and the peak traced memory of one ``big`` step (``tracemalloc``: NumPy allocations; JAX's
buffers and Numba's internal allocations are not visible to it) are reported too.

    PYTHONPATH=src python -m benchmarks.jit_bench [--rounds 7] [--workloads seed,chain,mlp,big,jac] [--json PATH]
                                                  [--clock wall|cpu]

Columns: ``numpy`` (hand-written floor), ``tapegrad`` (eager), ``tapegrad.function`` (the NumPy plan),
``tapegrad jit`` (``jit_compile=True``), ``jax-jit``, ``pytensor-c`` (``FAST_RUN``), ``pytensor-numba``.
Run it as a module (``python -m benchmarks.jit_bench``): the ``benchmarks`` package sets one thread everywhere
before NumPy loads.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

from benchmarks import floor_numpy, workloads_tf
from benchmarks.common import WORKLOADS, compare, make_data

FRAMEWORKS = ("numpy", "tapegrad", "tapegrad.function", "tapegrad jit", "jax-jit", "pytensor-c", "pytensor-numba")


def _tapegrad_steps(jit: bool | None) -> tuple[Any, dict[str, Any]]:
    """Builders of tapegrad steps: eager (``jit=None``), compiled (False) or jit-compiled (True)."""
    import tapegrad as tg

    def build(name: str, data: Any) -> Any:
        step = workloads_tf.BUILDERS[name](tg, data)
        if jit is None:
            return step
        return tg.function(step, jit_compile=jit)

    def to_numpy(r: Any) -> list[np.ndarray]:
        items = r if isinstance(r, list | tuple) else [r]
        return [np.asarray(t.numpy()) for t in items]

    return build, {"to_numpy": to_numpy}


def _load(fw: str) -> tuple[Any, Any, Any]:
    """(build(name, data) -> step, to_numpy, sync) for framework ``fw``."""
    if fw == "numpy":
        return (lambda n, d: floor_numpy.BUILDERS[n](d)), floor_numpy._to_numpy, (lambda _: None)
    if fw.startswith("tapegrad"):
        jit = {"tapegrad": None, "tapegrad.function": False, "tapegrad jit": True}[fw]
        build, extra = _tapegrad_steps(jit)
        return build, extra["to_numpy"], (lambda _: None)
    if fw == "jax-jit":
        from benchmarks import peers_jax

        be = peers_jax.load(True)
    else:
        from benchmarks import peers_pytensor

        be = peers_pytensor.load("NUMBA" if fw == "pytensor-numba" else "FAST_RUN")
    return (lambda n, d: be.builders[n](d)), be.to_numpy, be.sync


CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}


def _batch(step: Any, sync: Any, budget: float, clock: Any = time.perf_counter) -> float:
    """Seconds per call of a batch lasting about ``budget`` (by ``clock``)."""
    t0 = time.perf_counter()
    sync(step())
    one = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(budget / one))
    t0 = clock()
    for _ in range(n):
        sync(step())
    return (clock() - t0) / n


def _peak_bytes(step: Any, sync: Any) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        sync(step())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _compile_seconds(fw: str, step: Any, name: str, first_call: float) -> float:
    if fw.startswith("pytensor"):
        from benchmarks import peers_pytensor

        return peers_pytensor.COMPILE_SECONDS.get(name, float("nan"))
    return first_call


def run(workloads: list[str], frameworks: list[str], rounds: int, budget: float, clock: str = "wall"
        ) -> dict[str, Any]:
    res: dict[str, Any] = {"us": {}, "min_us": {}, "compile_s": {}, "check": {}, "errors": {}, "peak_mib": {},
                           "jit_kernels": {}}
    loaded = {}
    for fw in frameworks:
        try:
            loaded[fw] = _load(fw)
        except Exception as e:  # noqa: BLE001  # a peer that is not installed is reported, not fatal
            res["errors"][fw] = f"{type(e).__name__}: {e}"
    for w in workloads:
        data = make_data(w)
        ref = floor_numpy.reference(w, data)
        steps = {}
        for fw, (build, to_numpy, sync) in loaded.items():
            try:
                step = build(w, data)
                t0 = time.perf_counter()
                out = step()
                sync(out)
                first = time.perf_counter() - t0
                res["check"].setdefault(w, {})[fw] = compare(to_numpy(out), ref)["ok"]
                res["compile_s"].setdefault(w, {})[fw] = _compile_seconds(fw, step, w, first)
                for _ in range(3):
                    sync(step())
                steps[fw] = (step, sync)
                if fw == "tapegrad jit":
                    prog = step.get_concrete_function()._program()
                    rep = getattr(prog, "jit_report", None)
                    res["jit_kernels"][w] = rep.summary() if rep is not None else "no report"
            except Exception as e:  # noqa: BLE001
                res["errors"][f"{fw}/{w}"] = f"{type(e).__name__}: {e}"
        samples: dict[str, list[float]] = {fw: [] for fw in steps}
        for _ in range(rounds):
            for fw, (step, sync) in steps.items():
                samples[fw].append(_batch(step, sync, budget, CLOCK[clock]))
        res["us"][w] = {fw: statistics.median(s) * 1e6 for fw, s in samples.items()}
        res["min_us"][w] = {fw: min(s) * 1e6 for fw, s in samples.items()}
        if w == "big":
            res["peak_mib"] = {fw: _peak_bytes(*steps[fw]) / 2**20 for fw in steps
                               if fw in ("numpy", "tapegrad", "tapegrad.function", "tapegrad jit", "pytensor-c",
                                         "pytensor-numba")}
        print(f"{w}: " + ", ".join(f"{fw} {v:.1f}" for fw, v in res["us"][w].items()), flush=True)
    return res


def table(res: dict[str, Any], frameworks: list[str]) -> str:
    cols = [fw for fw in frameworks if any(fw in v for v in res["us"].values())]
    lines = ["| workload | " + " | ".join(cols) + " | jit ÷ best(JAX jit, PyTensor-Numba) |",
             "|---" * (len(cols) + 2) + "|"]
    for w, row in res["us"].items():
        cells = []
        for fw in cols:
            v = row.get(fw)
            ok = res["check"].get(w, {}).get(fw, True)
            cells.append("n/a" if v is None else f"{v:.1f}" + ("" if ok else " ✗"))
        peers = [row[p] for p in ("jax-jit", "pytensor-numba") if p in row]
        ratio = f"{row['tapegrad jit'] / min(peers):.2f}" if peers and "tapegrad jit" in row else "n/a"
        lines.append(f"| {w} | " + " | ".join(cells) + f" | {ratio} |")
    out = "\n".join(lines)
    out += "\n\nCompile / first-call seconds:\n\n| workload | " + " | ".join(cols) + " |\n"
    out += "|---" * (len(cols) + 1) + "|\n"
    for w, row in res["compile_s"].items():
        out += f"| {w} | " + " | ".join(f"{row[fw]:.3f}" if fw in row else "n/a" for fw in cols) + " |\n"
    if res["peak_mib"]:
        out += "\nPeak traced memory of one `big` step (MiB): " + ", ".join(
            f"{fw} {v:.1f}" for fw, v in res["peak_mib"].items()) + "\n"
    for w, s in res["jit_kernels"].items():
        out += f"\n* {w}: {s}"
    if res["errors"]:
        out += "\n\nErrors:\n" + "\n".join(f"* {k}: {v}" for k, v in res["errors"].items())
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--budget", type=float, default=0.05, help="seconds per timing batch")
    ap.add_argument("--json", default="", help="write the results here")
    ap.add_argument("--clock", choices=sorted(CLOCK), default="wall",
                    help="wall time, or this process's CPU time (all its threads: fairer on a shared, oversubscribed "
                         "machine, where waiting for a core inflates wall time)")
    a = ap.parse_args(argv)
    frameworks = [f for f in a.frameworks.split(",") if f]
    res = run([w for w in a.workloads.split(",") if w], frameworks, a.rounds, a.budget, a.clock)
    res["clock"] = a.clock
    res["machine"] = {"python": sys.version.split()[0], "platform": platform.platform(), "numpy": np.__version__}
    print()
    print(table(res, frameworks))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1, default=str)


if __name__ == "__main__":
    main()
