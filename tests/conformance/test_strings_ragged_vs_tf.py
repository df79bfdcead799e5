"""The string dtype and RaggedTensor programs of ``strings_ragged_programs.py`` under TensorFlow 2.21 and tapegrad.

Each case's result text (reprs of tensors, RaggedTensors, specs, Python values) must equal TensorFlow's once the
library prefix is neutral (``tf.``/``tapegrad.`` become ``LIB.``), with numbers compared at rtol 1e-5; a case that
raises must raise the same exception class. TensorFlow's run is cached in ``.cache/`` (keyed by the program file
and the TF/NumPy/Python versions); without TensorFlow the lane is skipped unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..probe_compare import same_tokens
from .cache import CACHE_DIR, installed_version, tensorflow_version, write_atomic
from .normalize import BROKEN_PROGRAM

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "strings_ragged_programs.py"
SRC = HERE.parents[1] / "src"
REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

# Cases that cannot agree yet, with the reason (none today).
KNOWN: dict[str, str] = {}


def _run(module: str, out: Path, programs: Path = PROGRAMS) -> dict[str, Any]:
    path = str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=path)
    proc = subprocess.run([sys.executable, str(programs), module, str(out)], capture_output=True, text=True,
                          timeout=600, env=env)
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the programs under {module} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}",
                    pytrace=False)
    return json.loads(out.read_text())


def _tf_results(programs: Path = PROGRAMS, tag: str = "strings_ragged", extra: tuple[Path, ...] = ()) -> dict[str, Any]:
    """TensorFlow's results for ``programs`` (cached in ``.cache/tf_<tag>-<key>.json``; the key hashes the programs
    file, this lane's shared harness and the versions)."""
    if tensorflow_version() is None:
        if REQUIRE_TF:
            pytest.fail("TensorFlow is not installed (TAPEGRAD_REQUIRE_TF=1)", pytrace=False)
        pytest.skip("TensorFlow is not installed; `pip install tensorflow-cpu==2.21.0` runs this lane")
    h = hashlib.sha256(programs.read_bytes())
    if programs != PROGRAMS:
        h.update(PROGRAMS.read_bytes())  # (its harness runs them)
    for path in extra:  # another harness the programs import
        h.update(path.read_bytes())
    h.update(f"tf={tensorflow_version()} np={installed_version('numpy')} py={sys.version_info[:2]}".encode())
    path = CACHE_DIR / f"tf_{tag}-{h.hexdigest()[:20]}.json"
    if not path.exists():
        tmp = CACHE_DIR / f"{path.name}.{os.getpid()}.tmp"
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        data = _run("tensorflow", tmp, programs)
        write_atomic(path, json.dumps(data).encode())
        tmp.unlink(missing_ok=True)
    return json.loads(path.read_text())


def lane_results(programs: Path, tag: str, extra: tuple[Path, ...] = ()) -> Any:
    """A lane's module-scoped ``results`` fixture: TF's results for ``programs`` (cached by content) and
    tapegrad's, as ``(tf, tapegrad)`` dicts of case name -> result."""

    @pytest.fixture(scope="module")
    def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
        return _tf_results(programs, tag, extra), _run("tapegrad", tmp_path_factory.mktemp(tag) / "tapegrad.json",
                                                      programs)

    return results


results = lane_results(PROGRAMS, "strings_ragged")


def _neutral(text: str) -> str:
    return re.sub(r"\btapegrad\.", "LIB.", re.sub(r"\btf\.", "LIB.", text))


def agree(tf: list[str], tg: list[str] | None) -> bool:
    """The comparison rule: same kind; exceptions by class; values by text (numbers within rtol 1e-5)."""
    if tg is None or tf[0] != tg[0]:
        return False
    if tf[0] == "exc":
        return tf[1] == tg[1]
    a, b = _neutral(tf[1]), _neutral(tg[1])
    return a == b or (_NUMBER.sub("#", a) == _NUMBER.sub("#", b) and same_tokens(a, b))


def case_names(module: str = "strings_ragged_programs") -> list[str]:
    """The case names of a programs module of this folder."""
    import importlib

    sys.path.insert(0, str(HERE))
    try:
        return list(importlib.import_module(module).CASES)
    finally:
        sys.path.remove(str(HERE))


def check_case(name: str, results: tuple[dict[str, Any], dict[str, Any]], known: dict[str, str]) -> None:
    """One case of a lane: TF ran it, and tapegrad's result agrees (or it is a known difference: xfail)."""
    tf, tg = results
    assert name in tf, f"TensorFlow's run has no case {name!r}"
    # A program that is itself broken (a missing import, a typo) raises the same error under both libraries and
    # would compare equal: refuse it.
    assert not (tf[name][0] == "exc" and tf[name][1] in BROKEN_PROGRAM), \
        f"{name} raises {tf[name][1]} under TensorFlow too: the program is broken, not the library"
    if name in known:
        pytest.xfail(known[name])
    assert agree(tf[name], tg.get(name)), f"{name}:\n  TF:       {tf[name]}\n  tapegrad: {tg.get(name)}"


@pytest.mark.parametrize("name", case_names())
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, results, KNOWN)


def test_rule_detects_differences() -> None:
    """The comparison is not vacuous: other text, other numbers or another exception class disagree."""
    assert agree(["val", "<tf.Tensor: numpy=b'a'>"], ["val", "<tapegrad.Tensor: numpy=b'a'>"])
    assert not agree(["val", "<tf.Tensor: numpy=b'a'>"], ["val", "<tapegrad.Tensor: numpy=b'b'>"])
    assert not agree(["val", "[1.0, 2.0]"], ["val", "[1.0, 2.5]"])
    assert agree(["val", "[2.7182817]"], ["val", "[2.718282]"])
    assert not agree(["exc", "ValueError"], ["exc", "TypeError"])
    assert not agree(["exc", "ValueError"], ["val", "None"])
