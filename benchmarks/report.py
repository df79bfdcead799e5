"""Turn a results record (see ``results.json``) into Markdown tables, a bar chart and RESULTS.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import ATOL_SCALE, FRAMEWORKS, RTOL, WORKLOADS

FLOOR = "numpy"
SUBJECT = "tapegrad"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    rows = [list(r) for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        padded = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    sep = "|" + "|".join((":" + "-" * (w + 1)) if i == 0 else ("-" * (w + 1) + ":") for i, w in enumerate(widths))
    sep += "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def fmt_us(v: float) -> str:
    """Microseconds with sensible precision."""
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def fmt_ratio(v: float) -> str:
    """A ratio like ``12.3x``."""
    return f"{v:.3g}x" if v < 1000 else f"{v:,.0f}x"


def fmt_bytes(n: float | None) -> str:
    """Bytes as MiB."""
    return "—" if n is None else f"{n / 2**20:.1f} MiB"


def ordered(names: Iterable[str], order: Sequence[str]) -> list[str]:
    """``names`` in ``order`` first, unknown names after."""
    names = list(names)
    return [n for n in order if n in names] + [n for n in names if n not in order]


def frameworks_of(results: dict[str, Any]) -> list[str]:
    """Frameworks present in ``results``, in report order."""
    return ordered(results.get("frameworks", {}), FRAMEWORKS)


def workloads_of(results: dict[str, Any]) -> list[str]:
    """Workloads present in any framework's cells, in report order."""
    seen: set[str] = set()
    for rec in results.get("frameworks", {}).values():
        seen.update(rec.get("cells", {}))
    return ordered(seen, WORKLOADS)


def time_of(results: dict[str, Any], fw: str, wl: str) -> float | None:
    """Median µs of a cell, or ``None``."""
    cell = results.get("frameworks", {}).get(fw, {}).get("cells", {}).get(wl, {})
    return cell.get("us")


def _cell_text(results: dict[str, Any], fw: str, wl: str) -> str:
    rec = results["frameworks"][fw]
    if rec.get("status") != "ok":
        return "skipped" if rec.get("status") == "skipped" else "error"
    cell = rec.get("cells", {}).get(wl)
    if cell is None:
        return ""
    if "error" in cell:
        return "error"
    text = fmt_us(cell["us"])
    if not cell.get("check", {}).get("ok", False):
        text += " (MISMATCH)"
    return text


def times_table(results: dict[str, Any]) -> str:
    """Median µs per forward+backward step."""
    fws, wls = frameworks_of(results), workloads_of(results)
    return _table(["µs / step", *fws], ([wl, *(_cell_text(results, fw, wl) for fw in fws)] for wl in wls))


def floor_ratio_table(results: dict[str, Any]) -> str:
    """Each framework's time divided by the NumPy floor's."""
    fws, wls = [f for f in frameworks_of(results) if f != FLOOR], workloads_of(results)
    rows = []
    for wl in wls:
        floor = time_of(results, FLOOR, wl)
        row = [wl]
        for fw in fws:
            t = time_of(results, fw, wl)
            row.append(fmt_ratio(t / floor) if t is not None and floor else "—")
        rows.append(row)
    return _table(["time / numpy floor", *fws], rows)


def subject_ratio_table(results: dict[str, Any]) -> str:
    """tapegrad's time divided by each peer's (below 1: tapegrad is faster)."""
    peers = [f for f in frameworks_of(results) if f != SUBJECT]
    rows = []
    for wl in workloads_of(results):
        own = time_of(results, SUBJECT, wl)
        row = [wl]
        for fw in peers:
            t = time_of(results, fw, wl)
            row.append(fmt_ratio(own / t) if own is not None and t else "—")
        rows.append(row)
    return _table(["tapegrad / peer", *peers], rows)


def import_table(results: dict[str, Any]) -> str:
    """Fresh-process import times."""
    imp = results.get("import_time_s", {})
    rows = []
    for name in ordered(imp, ["python", *FRAMEWORKS]):
        rec = imp[name]
        if "error" in rec:
            rows.append([name, rec.get("module", ""), "—", "—", rec["error"][:60]])
        else:
            rows.append([name, rec["module"], f"{rec['best']:.3f}", f"{rec['median']:.3f}", str(rec["runs"])])
    return _table(["import", "statement", "best s", "median s", "runs"], rows)


def memory_table(results: dict[str, Any]) -> str:
    """tracemalloc measurements of the deep chain."""
    mem = results.get("memory", {})
    rows = []
    for fw in ordered(mem, FRAMEWORKS):
        rec = mem[fw]
        if "error" in rec:
            rows.append([fw, "not measured", "—", "—", "—", "—", "—", "—"])
            continue
        np_ = rec["non_persistent"]
        p = rec.get("persistent", {})
        released = "—"
        if p:
            released = "yes" if p["released"] else "NO"
            if p["released"] and not p["released_without_gc"]:
                released += " (only after gc.collect)"
        ratio = np_["peak_ratio"]
        rows.append(
            [
                fw,
                f"{rec['layers']}×({rec['size']}×{rec['size']})",
                fmt_bytes(np_["forward_saved"]),
                fmt_bytes(np_["backward_peak"]),
                "—" if ratio is None else f"{ratio:.2f}",
                fmt_bytes(np_.get("after_gradient")),
                fmt_bytes(p.get("after_del_tape_gc")) if p else "—",
                released,
            ]
        )
    header = [
        "memory",
        "chain",
        "forward saved",
        "backward peak",
        "peak / saved",
        "left after gradient",
        "persistent: left after del",
        "released",
    ]
    return _table(header, rows)


# Issue 7's targets: (workload, description, check(results) -> (measured text, met?))
def _ratio(results: dict[str, Any], wl: str, peer: str) -> float | None:
    a, b = time_of(results, SUBJECT, wl), time_of(results, peer, wl)
    return None if a is None or b is None else a / b


# The profile behind each miss, measured and explained in docs/performance.md.
_WHY = {
    "seed": "fixed cost of enter/exit + gradient() (~8 µs of Python); the host's noise is ±10%",
    "seed vs PyTorch": "PyTorch's own time varies 27–64 µs between runs on this host",
    "chain": "~4 µs of Python per recorded+differentiated op vs ~0.4 µs of NumPy on 16 floats",
    "mlp": "small-op overheads (relu mask, bias sums, mean) and BLAS timing variance on this VM",
    "big": "memory traffic: the tape keeps 4 MB intermediates alive, fresh arrays cost up to 3× reused ones",
    "jac": "~30 µs of Python around ~45 µs of NumPy; a tie with JAX-jit within the host's noise",
    "import tapegrad": "NumPy alone takes 0.11–0.13 s here; tapegrad adds ~0.02–0.05 s (with cached bytecode)",
    "function: mlp": "the two GEMMs are the floor's; what is left is ~1 µs per generated call (0.98–1.01× when quiet)",
    "function: big": "the plan keeps -x*x and tanh(x) for the gradient where the floor reuses NumPy temporaries in "
                     "place; 0.91–1.07× across runs (docs/compiler.md)",
    "jit: mlp": "GEMM-bound: both sides call the same BLAS; the fused epilogues save ~10 µs",
    "jit: big": "one fused kernel of ~44 vector instructions per 16 floats (exp 0.9 ulp, tanh 5 ulp: docs/jit.md); "
                "XLA also contracts multiply-adds into FMAs, which our kernels do not, to keep eager's rounding",
}


def targets_table(results: dict[str, Any]) -> str:
    """The performance targets of the benchmark issue, measured in this run (met / missed)."""
    rows: list[list[str]] = []

    def add(what: str, target: str, value: float | None, text: str, ok: bool) -> None:
        status = "—" if value is None else ("met" if ok else "missed")
        rows.append([what, target, "—" if value is None else text, status, _WHY.get(what, "") if not ok else ""])

    seed = time_of(results, SUBJECT, "seed")
    add("seed", "≤ 10 µs", seed, f"{seed:.1f} µs" if seed else "", bool(seed and seed <= 10))
    r = _ratio(results, "seed", "torch")
    add("seed vs PyTorch", "≥ 4× faster", r, f"{1 / r:.1f}× faster" if r else "", bool(r and 1 / r >= 4))
    for wl, limit in (("chain", 1.5), ("mlp", 1.25), ("big", 1.2)):
        r = _ratio(results, wl, FLOOR)
        add(wl, f"≤ {limit}× NumPy floor", r, f"{r:.2f}× floor" if r else "", bool(r and r <= limit))
    r = _ratio(results, "jac", "jax-jit")
    add("jac", "≤ JAX-jit", r, f"{r:.2f}× JAX-jit" if r else "", bool(r and r <= 1))
    imp = results.get("import_time_s", {}).get(SUBJECT, {})
    best = imp.get("best")
    add("import tapegrad", "≤ 0.15 s", best, f"{best:.3f} s" if best else "", bool(best and best <= 0.15))
    mem = results.get("memory", {}).get(SUBJECT, {})
    ratio = mem.get("non_persistent", {}).get("peak_ratio") if "error" not in mem else None
    add("backward peak / saved", "≤ 1.1", ratio, f"{ratio:.2f}" if ratio else "", bool(ratio and ratio <= 1.1))
    # issue 10: the compiled function (a NumPy plan) against the floor
    fn = "tapegrad-function"
    t = time_of(results, fn, "seed")
    add("function: seed", "≤ 3 µs", t, f"{t:.1f} µs" if t else "", bool(t and t <= 3))
    for wl, limit in (("chain", 1.1), ("mlp", 1.05), ("big", 1.0)):
        a, b = time_of(results, fn, wl), time_of(results, FLOOR, wl)
        r = a / b if a is not None and b else None
        add(f"function: {wl}", f"≤ {limit}× NumPy floor", r, f"{r:.2f}× floor" if r else "", bool(r and r <= limit))
    # issue 11: jit_compile=True against the best compiled peer of the same run
    for wl in WORKLOADS:
        own = time_of(results, "tapegrad-jit", wl)
        peers = [p for p in (time_of(results, "jax-jit", wl), time_of(results, "pytensor-numba", wl)) if p]
        r = own / min(peers) if own is not None and peers else None
        add(f"jit: {wl}", "≤ best of JAX-jit, PyTensor-Numba", r, f"{r:.2f}× best" if r else "", bool(r and r <= 1))
    return _table(["target", "goal", "this run", "", "why, when missed (profile: docs/performance.md)"], rows)


def problems(results: dict[str, Any]) -> list[str]:
    """Skipped frameworks, failed cells and gradient mismatches, one line each."""
    out = []
    for fw in frameworks_of(results):
        rec = results["frameworks"][fw]
        if rec.get("status") != "ok":
            out.append(f"{fw}: {rec.get('status')}: {rec.get('error', '')}")
            continue
        for wl, cell in rec.get("cells", {}).items():
            if "error" in cell:
                out.append(f"{fw}/{wl}: error: {cell['error']}")
            elif not cell.get("check", {}).get("ok", False):
                chk = cell.get("check", {})
                err = chk.get("max_rel_err")
                err_text = "n/a" if err is None else f"{err:.3g}"
                out.append(
                    f"{fw}/{wl}: GRADIENT MISMATCH vs numpy floor: {chk.get('message')} (max rel err {err_text})"
                )
    return out


def mismatches(results: dict[str, Any]) -> list[str]:
    """Only the gradient mismatches."""
    return [p for p in problems(results) if "MISMATCH" in p]


def machine_lines(results: dict[str, Any]) -> list[str]:
    """Machine, versions and settings as bullet lines."""
    m = results.get("machine", {})
    s = results.get("settings", {})
    versions = ", ".join(f"{k} {v}" for k, v in results.get("versions", {}).items())
    return [
        f"- Date: {results.get('date', '?')}",
        f"- CPU: {m.get('cpu', '?')} ({m.get('cores', '?')} logical cores, {m.get('affinity', '?')} usable)",
        f"- OS: {m.get('platform', '?')}",
        f"- Python {m.get('python', '?')}, NumPy {m.get('numpy', '?')}",
        f"- Versions: {versions}",
        f"- One thread for every framework; timing budget {s.get('budget_s', '?')} s per cell"
        f"{' (--quick)' if s.get('quick') else ''}; median of per-repeat means after warm-up",
        f"- Gradient cross-check: allclose vs NumPy floor, rtol {s.get('rtol', RTOL)}, "
        f"atol {s.get('atol_scale', ATOL_SCALE)} × max|reference|",
    ]


def text_report(results: dict[str, Any]) -> str:
    """The console report (also the body of RESULTS.md)."""
    parts = ["## Time per forward+backward step (µs, median; lower is better)", times_table(results)]
    if any(f == FLOOR for f in frameworks_of(results)):
        parts += ["## Ratio to the hand-written NumPy floor", floor_ratio_table(results)]
    if len(frameworks_of(results)) > 1 and any(time_of(results, SUBJECT, w) for w in workloads_of(results)):
        parts += ["## tapegrad time / peer time (below 1: tapegrad faster)", subject_ratio_table(results)]
    if results.get("import_time_s"):
        parts += ['## Import time (fresh `python -c "import X"`, seconds)', import_table(results)]
    if results.get("memory"):
        parts += [
            "## Memory (tracemalloc, deep chain `h = tanh(h @ W_i)`, gradient wrt the input)",
            memory_table(results),
            "\n".join(
                [
                    *(f"- {fw}: {rec['error']}" for fw, rec in results["memory"].items() if "error" in rec),
                    "- tensorflow: not measured; tracemalloc does not see TensorFlow's C++ allocator.",
                ]
            ),
        ]
    if SUBJECT in frameworks_of(results):
        parts += [
            "## Targets (benchmark issue)",
            targets_table(results),
            "Where a target is missed, docs/performance.md gives the measured gap and the profile that explains it.",
        ]
    issues = problems(results)
    if issues:
        parts += ["## Problems", "\n".join(f"- {p}" for p in issues)]
    return "\n\n".join(parts) + "\n"


def results_md(results: dict[str, Any], png_name: str | None) -> str:
    """Full RESULTS.md text."""
    head = [
        "# tapegrad benchmark results",
        "",
        "Generated by `python -m benchmarks --write-results-md`; workloads are described in [README.md](README.md).",
        "",
        *machine_lines(results),
        "",
    ]
    if png_name:
        head += [f"![benchmark chart]({png_name})", ""]
    return "\n".join(head) + "\n" + text_report(results)


def plot(results: dict[str, Any], path: Path) -> str | None:
    """Grouped bar chart (log scale) of µs per step; returns an error string or ``None``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"matplotlib unavailable: {exc}"
    fws, wls = frameworks_of(results), workloads_of(results)
    if not fws or not wls:
        return "nothing to plot"
    width = 0.8 / len(fws)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.6 * len(wls) + 3), 5.0))
    missing: list[float] = []
    for i, fw in enumerate(fws):
        xs, ys = [], []
        for j, wl in enumerate(wls):
            t = time_of(results, fw, wl)
            x = j - 0.4 + width * (i + 0.5)
            if t is not None:
                xs.append(x)
                ys.append(t)
            else:
                missing.append(x)
        hatch = "//" if fw == SUBJECT else None
        ax.bar(xs, ys, width=width, label=fw, hatch=hatch, edgecolor="black", linewidth=0.4)
    ax.set_yscale("log")
    for x in missing:  # failed or skipped cells
        ax.text(x, 0.02, "n/a", transform=ax.get_xaxis_transform(), rotation=90, ha="center", fontsize=7)
    ax.set_xticks(range(len(wls)), wls)
    ax.set_ylabel("µs per forward+backward step (log)")
    m = results.get("machine", {})
    ax.set_title(f"Eager autodiff, 1 thread — {m.get('cpu', '')}", fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
    tmp.replace(path)
    return None
