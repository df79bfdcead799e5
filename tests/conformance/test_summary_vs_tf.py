"""tf.summary and Keras's TensorBoard callback under TensorFlow 2.21 (+ Keras 3, TensorBoard 2.21) and tapegrad
(``summary_programs.py``): TensorFlow reads the event files tapegrad writes and must find the same events (step,
tag, plugin name and content, tensor dtype, shape and values; PNGs compared by pixels) as in the files TF writes
for the same programs, in the same order, in the same run directories (wall times and file names aside).

TensorFlow's run is cached in ``.cache/``, keyed by the program file, the versions and tapegrad's events as
tapegrad itself reads them (a change to what tapegrad writes reruns TF, which then reads the new files). Without
TensorFlow (or TensorBoard, which TF's ``tf.summary.scalar`` and friends need) the lane is skipped unless
``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .cache import CACHE_DIR, installed_version, tensorflow_version, write_atomic

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "summary_programs.py"
SRC = HERE.parents[1] / "src"
REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"


def _env() -> dict[str, str]:
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(SRC) + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))


def _self_read(root: Path) -> str:
    """tapegrad's events as tapegrad reads them (the cache key: TF reads these same events)."""
    from tapegrad._summary_pb import read_events

    parts = []
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            for e in read_events(os.path.join(d, f)):
                e.wall_time = 0.0
                parts.append(os.path.relpath(d, root) + ":" + e.SerializeToString().hex())
    return "\n".join(parts)


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if tensorflow_version() is None or installed_version("tensorboard") is None:
        if REQUIRE_TF:
            pytest.fail("TensorFlow or TensorBoard is not installed (TAPEGRAD_REQUIRE_TF=1): pip install "
                        "'.[conformance]'", pytrace=False)
        pytest.skip("TensorFlow/TensorBoard not installed; `pip install tensorflow-cpu==2.21.0 tensorboard==2.21.0`")
    tmp = tmp_path_factory.mktemp("summary")
    tg_dir = tmp / "tapegrad"
    proc = subprocess.run([sys.executable, str(PROGRAMS), "tapegrad", str(tg_dir)], capture_output=True, text=True,
                          timeout=600, env=_env())
    if proc.returncode != 0:
        pytest.fail(f"the programs failed under tapegrad:\n{proc.stderr[-4000:]}", pytrace=False)
    h = hashlib.sha256(PROGRAMS.read_bytes())
    h.update(f"tf={tensorflow_version()} tb={installed_version('tensorboard')} keras={installed_version('keras')} "
             f"np={installed_version('numpy')} py={sys.version_info[:2]}".encode())
    h.update(_self_read(tg_dir).encode())
    cache = CACHE_DIR / f"tf_summary-{h.hexdigest()[:20]}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    out = tmp / "events.json"
    proc = subprocess.run([sys.executable, str(PROGRAMS), "tensorflow", str(tmp / "tf"), str(tg_dir), str(out)],
                          capture_output=True, text=True, timeout=600, env=_env())
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the programs failed under TensorFlow:\n{proc.stderr[-4000:]}", pytrace=False)
    for old in CACHE_DIR.glob("tf_summary-*.json"):
        old.unlink(missing_ok=True)
    write_atomic(cache, out.read_bytes())
    return json.loads(out.read_text())


def _close(a: Any, b: Any, rtol: float) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)
    return a == b


def differences(tf: list[dict[str, Any]], tg: list[dict[str, Any]], rtol: float) -> list[str]:
    """Where two event lists differ (values within ``rtol``: 0 for summaries of the same inputs; Keras training
    runs compare float32 results of different kernels)."""
    out = []
    if len(tf) != len(tg):
        out.append(f"{len(tf)} events from TF, {len(tg)} from tapegrad: TF {[_brief(e) for e in tf]} vs tapegrad "
                   f"{[_brief(e) for e in tg]}")
    for i, (a, b) in enumerate(zip(tf, tg)):
        if {k: v for k, v in a.items() if k != "values"} != {k: v for k, v in b.items() if k != "values"}:
            out.append(f"event {i}: TF {_brief(a)} vs tapegrad {_brief(b)}")
            continue
        for va, vb in zip(a.get("values", []), b.get("values", [])):
            head_a = {k: v for k, v in va.items() if k != "value"}
            head_b = {k: v for k, v in vb.items() if k != "value"}
            if head_a != head_b:
                out.append(f"event {i} (step {a['step']}): TF {head_a} vs tapegrad {head_b}")
            elif not _close(va["value"], vb["value"], rtol):
                out.append(f"event {i} (step {a['step']}, {va['tag']}): TF {str(va['value'])[:300]} vs tapegrad "
                           f"{str(vb['value'])[:300]}")
    return out


def _brief(e: dict[str, Any]) -> str:
    if e["kind"] == "summary":
        return f"{e['step']}:{','.join(v['tag'] for v in e['values'])}"
    return f"{e['step']}:{e['kind']}"


KERAS_RUNS = ("keras_epoch/train", "keras_epoch/validation", "keras_batch/train", "keras_batch/validation",
              "keras_every2/train", "keras_every2/validation", "keras_every3/train", "keras_every3/validation",
              "layer_compiled/train", "layer_eager/train")
# value tolerance per run: exact for summaries of the same inputs; Keras training compares float32 results of
# different kernels
RUNS = {"basic": 0.0, "errors": 0.0, "function": 0.0, **{run: 2e-4 for run in KERAS_RUNS}}


@pytest.mark.parametrize("run", list(RUNS))
def test_tf_reads_the_same_events(run: str, events: dict[str, Any]) -> None:
    tf, tg = events["tf"].get(run), events["tapegrad"].get(run)
    assert tf is not None, f"TF wrote no events in {run}"
    assert tg is not None, f"tapegrad wrote no events in {run} (TF wrote {[_brief(e) for e in tf['events']]})"
    assert tg["files"] == tf["files"], "one event file per writer, with TF's suffix"
    tf_events = [e for e in tf["events"] if e["kind"] != "graph_def"]  # a TF graph: tapegrad has none to write
    if run.startswith("layer_"):
        # Keras on TF opens a name scope per model and layer call (in graphs uniquified: "sequential_4_1/probe_1/");
        # tapegrad's layers open none: compare the summaries' own names
        for e in tf_events:
            for v in e.get("values", []):
                v["tag"] = v["tag"].rsplit("/", 1)[-1]
    diffs = differences(tf_events, tg["events"], RUNS[run])
    assert not diffs, f"{run}:\n" + "\n".join(diffs[:15])


def test_runs_are_the_same(events: dict[str, Any]) -> None:
    assert sorted(events["tapegrad"]) == sorted(events["tf"]) == sorted(RUNS)


def test_rule_detects_differences() -> None:
    ev = {"step": 1, "kind": "summary", "values": [{"tag": "x", "plugin": "scalars", "content": "", "dtype": "float32",
                                                    "shape": [], "value": [0.5]}]}
    other = json.loads(json.dumps(ev))
    other["values"][0]["value"] = [0.5001]
    assert differences([ev], [other], 0.0) and not differences([ev], [other], 1e-3)
    other["values"][0]["value"], other["step"] = [0.5], 2
    assert differences([ev], [other], 1e-3)
    assert differences([ev], [], 0.0)
