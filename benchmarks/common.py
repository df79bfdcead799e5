"""Shared pieces: workload and framework names, seeded data, the backend record, timing, checks."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

#: Workloads, in report order.
WORKLOADS: tuple[str, ...] = ("seed", "chain", "mlp", "big", "jac")

#: Frameworks, in report order.  ``numpy`` is the hand-written floor.
FRAMEWORKS: tuple[str, ...] = (
    "tapegrad", "tapegrad-function", "tapegrad-jit", "tensorflow", "torch", "jax", "jax-jit", "pytensor-c",
    "pytensor-numba", "autograd", "mygrad", "numpy",
)

#: Module each framework needs; used for the import-time measurement.
IMPORT_NAMES: dict[str, str] = {
    "tapegrad": "tapegrad",
    "tensorflow": "tensorflow",
    "torch": "torch",
    "jax": "jax",
    "autograd": "autograd",
    "pytensor": "pytensor",
    "mygrad": "mygrad",
    "numpy": "numpy",
}

#: The library whose import a framework's column pays (the compiled and jit columns are tapegrad's own import).
IMPORT_OF: dict[str, str] = {
    "tapegrad-function": "tapegrad", "tapegrad-jit": "tapegrad", "jax-jit": "jax",
    "pytensor-c": "pytensor", "pytensor-numba": "pytensor",
}

#: Relative tolerance for the gradient cross-check against the NumPy floor.
RTOL = 1e-4
#: Absolute tolerance, as a fraction of the largest reference magnitude (float32
#: gradients that are sums of many terms cannot match near zero to ``RTOL`` alone).
ATOL_SCALE = 1e-5

Step = Callable[[], Any]
Builder = Callable[[Mapping[str, np.ndarray]], Step]


@dataclass
class Backend:
    """A framework as the worker sees it."""

    name: str
    version: str
    builders: dict[str, Builder]
    sync: Callable[[Any], None]
    to_numpy: Callable[[Any], list[np.ndarray]]
    note: str = ""


@cache
def make_data(workload: str) -> dict[str, np.ndarray]:
    """Seeded float32 inputs for ``workload``; identical in every process."""
    rng = np.random.default_rng(20240607 + WORKLOADS.index(workload))
    f32 = np.float32
    if workload == "seed":
        return {"x": np.array(3.0, dtype=f32)}
    if workload == "chain":
        return {"x": rng.uniform(-1.0, 1.0, size=16).astype(f32)}
    if workload == "mlp":
        batch, n_in, n_hidden, n_out = 64, 784, 128, 10
        labels = rng.integers(0, n_out, size=batch)
        return {
            "X": rng.standard_normal((batch, n_in)).astype(f32),
            "Y": np.eye(n_out, dtype=f32)[labels],
            "W1": (rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)).astype(f32),
            "b1": (0.01 * rng.standard_normal(n_hidden)).astype(f32),
            "W2": (rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)).astype(f32),
            "b2": (0.01 * rng.standard_normal(n_out)).astype(f32),
        }
    if workload == "big":
        return {"x": rng.standard_normal(1_000_000).astype(f32)}
    if workload == "jac":
        n = 100
        return {
            "W": (rng.standard_normal((n, n)) / np.sqrt(n)).astype(f32),
            "x": rng.standard_normal((n, 1)).astype(f32),
        }
    raise KeyError(f"unknown workload {workload!r}")


def make_memory_data(layers: int = 200, size: int = 256) -> dict[str, Any]:
    """Inputs for the memory chain: ``h = tanh(h @ W_i)`` over ``layers`` layers."""
    rng = np.random.default_rng(4242)
    f32 = np.float32
    return {
        "x": (0.5 * rng.standard_normal((size, size))).astype(f32),
        "Ws": [(rng.standard_normal((size, size)) / np.sqrt(size)).astype(f32) for _ in range(layers)],
    }


def compare(got: list[np.ndarray], ref: list[np.ndarray]) -> dict[str, Any]:
    """Compare gradients with the floor's; returns ``ok``, ``max_rel_err`` and a message."""
    if len(got) != len(ref):
        return {"ok": False, "max_rel_err": None, "message": f"{len(got)} gradients, expected {len(ref)}"}
    worst = 0.0
    for i, (g, r) in enumerate(zip(got, ref)):
        g = np.asarray(g)
        if g.shape != r.shape:
            return {"ok": False, "max_rel_err": None, "message": f"grad {i}: shape {g.shape} != {r.shape}"}
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        atol = ATOL_SCALE * max(scale, 1e-30)
        g64, r64 = g.astype(np.float64), r.astype(np.float64)
        err = np.abs(g64 - r64) / (atol / RTOL + np.abs(r64))
        worst = max(worst, float(np.max(err)) if err.size else 0.0)
        if not np.allclose(g64, r64, rtol=RTOL, atol=atol):
            return {"ok": False, "max_rel_err": worst, "message": f"grad {i} differs from the NumPy floor"}
    return {
        "ok": True,
        "max_rel_err": worst,
        "message": "",
        "dtypes": sorted({str(np.asarray(g).dtype) for g in got}),
    }


def time_step(step: Step, sync: Callable[[Any], None], budget_s: float, quick: bool) -> dict[str, Any]:
    """Time ``step`` (forward+backward); median over repeats of the mean per call, in µs.

    Warm-up first (also absorbs JIT compilation), then each repeat runs ``number``
    calls back to back so one repeat lasts at least ~2 ms, and as many repeats as
    fit ``budget_s`` (at least 5, or 3 with ``quick``).
    """
    warm_calls = 2 if quick else 5
    t0 = time.perf_counter()
    for _ in range(warm_calls):
        sync(step())
    while not quick and time.perf_counter() - t0 < 0.1:
        sync(step())

    t0 = time.perf_counter()
    sync(step())
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(0.002 / one))
    min_repeats = 3 if quick else 5
    repeats = int(min(1000, max(min_repeats, budget_s / (one * number))))

    gc.collect()
    samples: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            sync(step())
        samples.append((time.perf_counter() - t0) / number)
    us = [s * 1e6 for s in samples]
    quartiles = statistics.quantiles(us, n=4) if len(us) >= 2 else [us[0]] * 3
    return {
        "us": statistics.median(us),
        "min_us": min(us),
        "iqr_us": quartiles[2] - quartiles[0],
        "number": number,
        "repeats": repeats,
    }
