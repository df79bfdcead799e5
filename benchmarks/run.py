"""Benchmark runner: ``python -m benchmarks`` or ``python benchmarks/run.py``.

Each framework runs in its own subprocess (:mod:`benchmarks.worker`) with every
library pinned to one thread; results are printed as tables and written to
``benchmarks/results.json`` and ``benchmarks/results.png`` (and, with
``--write-results-md``, ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from benchmarks import THREAD_ENV, report  # noqa: E402
from benchmarks.common import ATOL_SCALE, FRAMEWORKS, IMPORT_NAMES, IMPORT_OF, RTOL, WORKLOADS  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MEMORY_FRAMEWORKS = ("tapegrad", "numpy")
WORKER_TIMEOUT_S = 900


def child_env() -> dict[str, str]:
    """Environment for subprocesses: one thread everywhere, repo root and ``src/`` importable."""
    env = dict(os.environ)
    env.update(THREAD_ENV)
    paths = [str(ROOT)]
    if (ROOT / "src" / "tapegrad").is_dir():
        paths.append(str(ROOT / "src"))  # benchmark the working tree's tapegrad
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def machine_info() -> dict[str, Any]:
    """CPU model, core counts, OS, Python and NumPy versions."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity: int | None = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    import numpy as np

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "affinity": affinity,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def run_worker(framework: str, extra: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one worker subprocess; returns its JSON record (or an error record)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", "benchmarks.worker", "--framework", framework, "--out", str(out), *extra]
        try:
            proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {
                "framework": framework,
                "status": "error",
                "error": f"timed out after {WORKER_TIMEOUT_S} s",
            }
        if out.exists():
            return json.loads(out.read_text())
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        return {
            "framework": framework,
            "status": "error",
            "error": f"worker exited with {proc.returncode}: " + " / ".join(tail),
        }


def import_times(names: list[str], runs: int, env: dict[str, str]) -> dict[str, Any]:
    """Wall time of ``python -c "import X"`` in fresh processes (best and median of ``runs``)."""
    out: dict[str, Any] = {}
    for name in ["python", *names]:
        module = IMPORT_NAMES.get(name)
        stmt = "pass" if name == "python" else f"import {module}"
        samples: list[float] = []
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", stmt], env=env, cwd=ROOT, capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
            if proc.returncode != 0:
                err = (proc.stderr.strip().splitlines() or ["failed"])[-1]
                out[name] = {"module": stmt, "error": err}
                break
            samples.append(elapsed)
        else:
            out[name] = {
                "module": stmt,
                "best": min(samples),
                "median": statistics.median(samples),
                "runs": runs,
            }
        print(f"  import {name:<10} {out[name].get('best', float('nan')):.3f} s best", flush=True)
    return out


def _print_cells(record: dict[str, Any]) -> None:
    fw = record["framework"]
    if record.get("status") != "ok":
        print(f"  {fw}: {record.get('status')}: {record.get('error')}", flush=True)
        return
    for wl, cell in record.get("cells", {}).items():
        if "error" in cell:
            print(f"  {fw:<10} {wl:<6} error: {cell['error']}", flush=True)
        else:
            flag = "" if cell["check"]["ok"] else "   <<< GRADIENT MISMATCH"
            spread = f"IQR {report.fmt_us(cell['iqr_us'])}, {cell['repeats']}×{cell['number']} calls"
            print(f"  {fw:<10} {wl:<6} {report.fmt_us(cell['us']):>10} µs  ({spread}){flag}", flush=True)


def _csv(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in allowed]
    if bad:
        raise SystemExit(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="short timing budget and fewer repeats (smoke test)")
    p.add_argument("--only", default=",".join(FRAMEWORKS), help=f"frameworks (default: {','.join(FRAMEWORKS)})")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help=f"workloads (default: {','.join(WORKLOADS)})")
    p.add_argument("--budget", type=float, help="seconds of timing per cell (default 1.0, --quick 0.1)")
    p.add_argument("--import-runs", type=int, help="fresh processes per import timing (default 5, --quick 2)")
    p.add_argument("--no-import-time", action="store_true", help="skip the import-time measurement")
    p.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    p.add_argument("--layers", type=int, default=200, help="memory chain depth (default 200)")
    p.add_argument("--size", type=int, default=256, help="memory chain tensor side (default 256)")
    p.add_argument("--json", type=Path, default=HERE / "results.json", help="results file to write")
    p.add_argument(
        "--merge",
        action="store_true",
        help="update the existing --json file with this run instead of replacing it",
    )
    p.add_argument("--no-save", action="store_true", help="write neither results.json nor results.png")
    p.add_argument("--no-plot", action="store_true", help="do not draw results.png")
    p.add_argument("--write-results-md", action="store_true", help="also write benchmarks/RESULTS.md")
    p.add_argument("--from-json", type=Path, help="run nothing; report (and plot/write) from this results file")
    return p.parse_args(argv)


def collect(args: argparse.Namespace) -> dict[str, Any]:
    """Run the requested measurements and return the results record."""
    frameworks = _csv(args.only, FRAMEWORKS, "framework")
    workloads = _csv(args.workloads, WORKLOADS, "workload")
    budget = args.budget if args.budget is not None else (0.1 if args.quick else 1.0)
    env = child_env()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "quick": args.quick,
            "budget_s": budget,
            "threads": 1,
            "thread_env": THREAD_ENV,
            "rtol": RTOL,
            "atol_scale": ATOL_SCALE,
            "workloads": workloads,
        },
        "versions": {},
        "frameworks": {},
    }
    t_start = time.perf_counter()
    if workloads:
        extra = [
            "--workloads",
            ",".join(workloads),
            "--budget",
            str(budget),
            *(["--quick"] if args.quick else []),
        ]
        for fw in frameworks:
            t0 = time.perf_counter()
            print(f"[{fw}] timing {','.join(workloads)} ...", flush=True)
            rec = run_worker(fw, extra, env)
            results["frameworks"][fw] = rec
            if rec.get("version"):
                results["versions"][fw] = rec["version"]
            _print_cells(rec)
            print(f"  ({time.perf_counter() - t0:.1f} s)", flush=True)

    if not args.no_memory:
        mem_fws = [fw for fw in frameworks if fw in MEMORY_FRAMEWORKS]
        if mem_fws:
            results["memory"] = {}
            for fw in mem_fws:
                print(f"[{fw}] memory, {args.layers}-layer chain of {args.size}×{args.size} ...", flush=True)
                rec = run_worker(fw, ["--memory", "--layers", str(args.layers), "--size", str(args.size)], env)
                mem = rec.get("memory") or {"error": f"{rec.get('status')}: {rec.get('error')}"}
                results["memory"][fw] = mem
                if "error" in mem:
                    print(f"  {mem['error']}", flush=True)
                else:
                    n = mem["non_persistent"]
                    print(
                        f"  saved {report.fmt_bytes(n['forward_saved'])}, backward peak "
                        f"{report.fmt_bytes(n['backward_peak'])} (ratio {n['peak_ratio']:.2f})",
                        flush=True,
                    )
            if "tensorflow" in frameworks:
                results["memory_note"] = "tensorflow: not measured (tracemalloc does not see its C++ allocator)"

    if not args.no_import_time:
        names = list(dict.fromkeys(IMPORT_OF.get(fw, fw) for fw in frameworks))
        runs = args.import_runs or (2 if args.quick else 5)
        print(f"[import time] {runs} fresh processes each ...", flush=True)
        results["import_time_s"] = import_times(names, runs, env)
    results["total_s"] = time.perf_counter() - t_start
    return results


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` updated with what ``new`` measured (per cell for frameworks measured in both)."""
    merged = dict(old)
    for key in ("date", "machine", "settings", "total_s"):
        merged[key] = new[key]
    for key in ("versions", "import_time_s", "memory"):
        if key in new:
            merged[key] = {**old.get(key, {}), **new[key]}
    frameworks = dict(old.get("frameworks", {}))
    for fw, rec in new.get("frameworks", {}).items():
        prev = frameworks.get(fw, {})
        if rec.get("status") == "ok" and prev.get("status") == "ok":
            rec = {**rec, "cells": {**prev.get("cells", {}), **rec.get("cells", {})}}
        frameworks[fw] = rec
    merged["frameworks"] = frameworks
    return merged


def main(argv: list[str] | None = None) -> int:
    """Run (or reload) the benchmarks, print the report, write the files."""
    args = parse_args(argv)
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        results = collect(args)
        if args.merge and args.json.exists():
            results = merge(json.loads(args.json.read_text()), results)

    print()
    print("\n".join(report.machine_lines(results)))
    print()
    print(report.text_report(results))

    png = HERE / "results.png"
    if not args.no_save:
        if not args.from_json:
            args.json.write_text(json.dumps(results, indent=1, default=float) + "\n")
            print(f"wrote {args.json}")
        if not args.no_plot:
            err = report.plot(results, png)
            print(f"plot: {err}" if err else f"wrote {png}")
    if args.write_results_md:
        md = HERE / "RESULTS.md"
        md.write_text(report.results_md(results, png.name if png.exists() else None))
        print(f"wrote {md}")

    bad = report.mismatches(results)
    if bad:
        print("\n" + "!" * 72, file=sys.stderr)
        for line in bad:
            print(f"!!! {line}", file=sys.stderr)
        print("!" * 72, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
