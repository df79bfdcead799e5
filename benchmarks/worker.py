"""One framework, one process: ``python -m benchmarks.worker --framework NAME --out FILE``.

The runner starts one worker per framework so that imports and thread settings
do not leak between frameworks.  The worker writes a JSON record to ``--out``:
``status`` is ``ok``, ``skipped`` (ImportError) or ``error``; ``cells`` maps each
workload to its timing and gradient check, or to an ``error`` string.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import floor_numpy
from benchmarks.common import WORKLOADS, Backend, compare, make_data, time_step

MAX_ERROR_CHARS = 400


def _error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def load_backend(framework: str) -> tuple[Backend, ModuleType | None]:
    """Import ``framework`` and return its :class:`Backend` (and the TF-API module, if any)."""
    if framework in ("tapegrad", "tensorflow"):
        from benchmarks import workloads_tf

        backend, tf = workloads_tf.load(framework)
        if not hasattr(tf, "GradientTape"):
            raise ImportError(f"{framework} has no GradientTape yet ({getattr(tf, '__path__', '')})")
        return backend, tf
    if framework in ("tapegrad-function", "tapegrad-jit"):
        from benchmarks import workloads_tf

        backend, tf = workloads_tf.load("tapegrad")
        jit = framework == "tapegrad-jit"
        eager_builders = backend.builders
        # the same eager step, compiled: tapegrad.function traces it on the first (warm-up) call
        backend.builders = {name: (lambda data, b=b: tf.function(b(data), jit_compile=jit))
                            for name, b in eager_builders.items()}
        backend.name = framework
        backend.note = f"tapegrad.function(step, jit_compile={jit}); trace and compile happen in the warm-up"
        return backend, tf
    if framework in ("pytensor-c", "pytensor-numba"):
        from benchmarks import peers_pytensor

        return peers_pytensor.load("NUMBA" if framework == "pytensor-numba" else "FAST_RUN"), None
    if framework == "mygrad":
        from benchmarks import peers_mygrad

        return peers_mygrad.load(), None
    if framework == "torch":
        from benchmarks import peers_torch

        return peers_torch.load(), None
    if framework in ("jax", "jax-jit"):
        from benchmarks import peers_jax

        return peers_jax.load(jit=framework == "jax-jit"), None
    if framework == "autograd":
        from benchmarks import peers_autograd

        return peers_autograd.load(), None
    if framework == "numpy":
        return floor_numpy.load(), None
    raise ValueError(f"unknown framework {framework!r}")


def run_cell(backend: Backend, workload: str, budget_s: float, quick: bool) -> dict[str, Any]:
    """Build, cross-check and time one workload; errors become an ``error`` entry."""
    cell: dict[str, Any] = {}
    try:
        data = make_data(workload)
        step = backend.builders[workload](data)
        result = step()
        backend.sync(result)
        cell["check"] = compare(backend.to_numpy(result), floor_numpy.reference(workload, data))
        cell.update(time_step(step, backend.sync, budget_s, quick))
    except Exception as exc:  # noqa: BLE001  (any failure is recorded, never fatal)
        cell["error"] = _error(exc)
        cell["traceback"] = traceback.format_exc(limit=6)
    return cell


def run_memory(framework: str, tf: ModuleType | None, layers: int, size: int) -> dict[str, Any]:
    """Memory measurement (tapegrad and the NumPy floor only)."""
    from benchmarks import memory

    try:
        if framework == "numpy":
            return memory.measure_numpy(layers, size)
        if framework == "tapegrad" and tf is not None:
            return memory.measure_tf_api(tf, layers, size)
        return {"error": f"memory is not measured for {framework} (tracemalloc cannot see its allocator)"}
    except Exception as exc:  # noqa: BLE001
        return {"error": _error(exc), "traceback": traceback.format_exc(limit=6)}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the requested cells, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", required=True)
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing per cell")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory", action="store_true", help="measure memory instead of time")
    parser.add_argument("--layers", type=int, default=200)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    record: dict[str, Any] = {
        "framework": args.framework,
        "pid": os.getpid(),
        "python": platform.python_version(),
        "budget_s": args.budget,
        "quick": args.quick,
    }
    t0 = time.perf_counter()
    try:
        backend, tf = load_backend(args.framework)
    except ImportError as exc:
        record.update(status="skipped", error=_error(exc))
    except Exception as exc:  # noqa: BLE001
        record.update(status="error", error=_error(exc), traceback=traceback.format_exc(limit=6))
    else:
        record.update(status="ok", version=backend.version, note=backend.note)
        if args.memory:
            record["memory"] = run_memory(args.framework, tf, args.layers, args.size)
        else:
            record["cells"] = {w: run_cell(backend, w, args.budget, args.quick) for w in args.workloads.split(",") if w}
        if args.framework == "torch":
            import torch

            record["threads"] = torch.get_num_threads()
    record["wall_s"] = time.perf_counter() - t0
    args.out.write_text(json.dumps(record, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
