"""Compiled programs vs the hand-written NumPy floor, side by side in one process (ratios are what count).

Each TF-API workload's step (``workloads_tf.py``: forward + ``tape.gradient``) is traced once with
``tapegrad.compiler.trace`` and the Program's generated function is timed against ``floor_numpy.py`` and eager
tapegrad, interleaved round by round so machine noise hits all alike. Also: the trace + compile time of each
program and an empty program's call.

    PYTHONPATH=src python -m benchmarks.compiler_bench [--rounds 7] [--workloads seed,chain,mlp,big]
    PYTHONPATH=src python -m benchmarks.compiler_bench --code chain   # print the generated code
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import numpy as np

import tapegrad as tf
from benchmarks import floor_numpy, workloads_tf
from benchmarks.common import make_data
from tapegrad.compiler.trace import trace


def compile_step(step: Any, name: str, options: dict[str, Any] | None = None) -> Any:
    def run(_: list[Any]) -> tuple[list[Any], None]:
        out = step()
        return (list(out) if isinstance(out, (list, tuple)) else [out]), None

    return trace(run, [], name=name, options=options)


def _time(f: Any, budget: float) -> float:
    """Best per-call seconds over a few batches sized to ``budget``."""
    f()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        dt = time.perf_counter() - t0
        if dt > budget / 5 or n > 1 << 20:
            break
        n *= 2
    best = dt / n
    for _ in range(4):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="seed,chain,mlp,big")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--budget", type=float, default=0.2, help="seconds per timing batch")
    ap.add_argument("--code", default="", help="print the generated code of this workload and exit")
    ap.add_argument("--options", default="", help="passes to switch off, e.g. cse,plan")
    args = ap.parse_args(argv)
    options = {k: False for k in args.options.split(",") if k}
    gc.disable()
    rows = []
    for w in [w for w in args.workloads.split(",") if w]:
        data = make_data(w)
        floor = floor_numpy.BUILDERS[w](data)
        eager = workloads_tf.BUILDERS[w](tf, data)
        compile_step(workloads_tf.BUILDERS[w](tf, data), w, options)  # warm: first-use imports, op templates
        t0 = time.process_time()  # CPU time: trace + compile cost without the shared machine's waiting
        prog = compile_step(workloads_tf.BUILDERS[w](tf, data), w, options)
        build = time.process_time() - t0
        if args.code == w:
            print(prog.pretty_printed_code())
            return
        ref = floor()
        got = [o.numpy() for o in prog.fn([])]
        for r, g in zip(ref if isinstance(ref, list) else [ref], got):
            np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-5 * float(np.max(np.abs(r))))
        fn = prog.fn
        empty: list[Any] = []
        res: dict[str, list[float]] = {"floor": [], "program": [], "eager": []}
        for _ in range(args.rounds):
            res["floor"].append(_time(floor, args.budget))
            res["program"].append(_time(lambda fn=fn, empty=empty: fn(empty), args.budget))
            res["eager"].append(_time(eager, args.budget))
        fl, pr, ea = (min(res[k]) * 1e6 for k in ("floor", "program", "eager"))
        rows.append((w, fl, pr, ea, pr / fl, prog.trace_seconds * 1e3, build * 1e3, len(prog.graph.nodes)))
    p_empty = compile_step(lambda: [], "empty")
    e_us = _time(lambda: p_empty.fn([]), args.budget) * 1e6
    print(f"{'workload':8} {'floor us':>9} {'program us':>10} {'eager us':>9} {'ratio':>6} {'trace ms':>8} "
          f"{'trace+compile CPU ms':>20} {'nodes':>5}")
    for w, fl, pr, ea, r, tr, b, n in rows:
        print(f"{w:8} {fl:9.2f} {pr:10.2f} {ea:9.2f} {r:6.3f} {tr:8.2f} {b:20.2f} {n:5d}")
    print(f"empty program call: {e_us:.3f} us")


if __name__ == "__main__":
    main()
