"""The exact lane: programs whose results must equal TensorFlow 2.21's bit for bit (``exact_programs.py``).

TensorFlow runs them once in a subprocess (``run_exact.py``); its results are cached in ``.cache/`` keyed by the
lane's sources and the TF/NumPy/Python versions. tapegrad runs them in-process. Arrays must agree in dtype, shape
and every bit (NaNs by bit pattern too). Without TensorFlow the lane is skipped, unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tapegrad

from .cache import CACHE_DIR, installed_version, tensorflow_version, write_atomic
from .exact_programs import PROGRAMS
from .run_exact import run_all

HERE = Path(__file__).resolve().parent
REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"
_RESULTS: dict[str, Any] = {}


def _tf_results() -> dict[str, Any]:
    if "tf" in _RESULTS:
        return _RESULTS["tf"]
    if tensorflow_version() is None:
        if REQUIRE_TF:
            pytest.fail("TensorFlow is not installed (TAPEGRAD_REQUIRE_TF=1)", pytrace=False)
        pytest.skip("TensorFlow is not installed; `pip install tensorflow-cpu==2.21.0` runs this lane")
    h = hashlib.sha256()
    for name in ("exact_programs.py", "run_exact.py"):
        h.update(name.encode() + (HERE / name).read_bytes())
    h.update(f"tf={tensorflow_version()} np={installed_version('numpy')} py={sys.version_info[:2]} "
             f"cpus={len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}".encode())
    path = CACHE_DIR / f"tf_exact-{h.hexdigest()[:20]}.pkl"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = CACHE_DIR / f"{path.name}.{os.getpid()}.tmp"
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        proc = subprocess.run([sys.executable, str(HERE / "run_exact.py"), "tensorflow", str(tmp)],
                              capture_output=True, text=True, timeout=600, env=env)
        if proc.returncode != 0 or not tmp.exists():
            pytest.fail(f"run_exact.py under TensorFlow failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}",
                        pytrace=False)
        write_atomic(path, tmp.read_bytes())
        tmp.unlink(missing_ok=True)
    _RESULTS["tf"] = pickle.loads(path.read_bytes())
    return _RESULTS["tf"]


def _ours() -> dict[str, Any]:
    if "ours" not in _RESULTS:
        _RESULTS["ours"] = run_all(tapegrad)
    return _RESULTS["ours"]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_matches_tensorflow_bit_for_bit(name: str) -> None:
    want, got = _tf_results()[name], _ours()[name]
    if isinstance(want, tuple) or isinstance(got, tuple):
        assert got == want, f"{name}: TF {want!r}, tapegrad {got!r}"
        return
    assert list(got) == list(want), f"{name}: keys differ: {sorted(set(got) ^ set(want))}"
    bad = [k for k in want if not _same_bits(np.asarray(want[k]), np.asarray(got[k]))]
    detail = "\n".join(f"  {k}: TF {np.asarray(want[k]).dtype}{list(np.shape(want[k]))} "
                       f"{np.asarray(want[k]).ravel()[:6]} | tapegrad {np.asarray(got[k]).dtype}"
                       f"{list(np.shape(got[k]))} {np.asarray(got[k]).ravel()[:6]}" for k in bad[:8])
    assert not bad, f"{name}: {len(bad)} of {len(want)} results differ from TensorFlow's:\n{detail}"
