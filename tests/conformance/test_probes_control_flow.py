"""The TF behaviour probes p40-p44 (control flow, TensorArray, map_fn/scan/fold/vectorized_map, py_function,
numpy_function, ensure_shape, identity_n) and p45-p49 (float16/bfloat16, devices, logical devices, tf.image, linalg
bands, tf.sparse) run under TensorFlow 2.21 and under tapegrad; every case must agree.

A case agrees when both returned a value whose printed numbers, None/True/False tokens agree (rtol 1e-5), or both
raised exceptions of the same class (the rule of ``/work/shared/tools/probe_check.py``). TensorFlow's output is
cached in ``.cache/`` (keyed by the probe sources and the TF/NumPy/Python versions); without TensorFlow the test is
skipped, unless ``TAPEGRAD_REQUIRE_TF=1`` (CI).

``KNOWN`` lists the cases that do not agree, each with the reason (none today: every case agrees).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..probe_compare import parse_probe_output as _parse
from ..probe_compare import same_tokens as _same
from .cache import CACHE_DIR, installed_version, tensorflow_version, write_atomic

PROBE_DIR = Path(__file__).resolve().parent / "tf_probes"
REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"
SRC = Path(__file__).resolve().parents[2] / "src"

KNOWN: dict[str, str] = {}

def _run(module: str, out: Path) -> str:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(SRC) + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(PROBE_DIR / "run_probes.py"), module, str(out)], capture_output=True,
                          text=True, timeout=600, env=env)
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"probes under {module} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}", pytrace=False)
    return out.read_text()


def _tf_output() -> str:
    if tensorflow_version() is None:
        if REQUIRE_TF:
            pytest.fail("TensorFlow is not installed (TAPEGRAD_REQUIRE_TF=1)", pytrace=False)
        pytest.skip("TensorFlow is not installed; `pip install tensorflow-cpu==2.21.0` runs this lane")
    h = hashlib.sha256()
    for f in sorted(PROBE_DIR.glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    h.update(f"tf={tensorflow_version()} np={installed_version('numpy')} py={sys.version_info[:2]}".encode())
    path = CACHE_DIR / f"tf_probes-{h.hexdigest()[:20]}.txt"
    if not path.exists():
        tmp = CACHE_DIR / f"{path.name}.{os.getpid()}.tmp"
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        text = _run("tensorflow", tmp)
        write_atomic(path, text.encode())
        tmp.unlink(missing_ok=True)
    return path.read_text()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    tf_text = _tf_output()
    tg_text = _run("tapegrad", tmp_path_factory.mktemp("probes") / "tapegrad.txt")
    return _parse(tf_text), _parse(tg_text)


@pytest.mark.parametrize("probe", ["p40_control.py", "p41_while.py", "p42_tensorarray.py", "p43_functional.py",
                                   "p44_pyfunc.py", "p45_halfdtypes.py", "p46_device.py", "p47_logical_devices.py",
                                   "p48_image.py", "p49_linalg_sparse.py"])
def test_probe_cases_match_tensorflow(probe: str, outputs: tuple[dict, dict]) -> None:
    tf_cases, tg_cases = outputs[0][probe], outputs[1].get(probe, {})
    assert len(tf_cases) >= 10, f"{probe}: TensorFlow's run recorded only {len(tf_cases)} cases"
    misses = []
    for case, (kind, val) in tf_cases.items():
        got = tg_cases.get(case)
        ok = got is not None and got[0] == kind and (got[1] == val if kind == "exc" else _same(val, got[1]))
        if not ok and case not in KNOWN:
            misses.append(f"{case}: TF {kind} {val[:100]!r} | tapegrad {got!r:.100}")
    assert not misses, f"{probe}: {len(misses)} case(s) differ from TensorFlow:\n" + "\n".join(misses)


def test_known_differences_are_real_cases(outputs: tuple[dict, dict]) -> None:
    """Every KNOWN entry names a case of the probes (a typo would silently hide a difference)."""
    names = {c for cases in outputs[0].values() for c in cases}
    assert set(KNOWN) <= names, sorted(set(KNOWN) - names)
