"""Run every Keras program under tapegrad and compare with TensorFlow 2.21 + Keras 3's cached results.

TensorFlow runs once, in a subprocess (run_tf.py), and its normalized results are cached in
tests/conformance_keras/.cache/. Without TensorFlow or Keras these tests are skipped, unless TAPEGRAD_REQUIRE_TF=1
(CI), where they fail. Results are compared with the conformance lane's normalizer (rtol 1e-5 for float32).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
import types
from typing import Any

import pytest

from ..conformance import normalize
from . import programs
from .cache import HERE, cache_path, keras_version, prune, tensorflow_version

REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"
TF_TIMEOUT_S = 1800  # one fresh TF run of every Keras program (CI has no cache); ~16 min at load 13


def _no_tensorflow(reason: str) -> None:
    if REQUIRE_TF:
        pytest.fail(f"{reason} (TAPEGRAD_REQUIRE_TF=1, so this is an error, not a skip)", pytrace=False)
    pytest.skip(f"{reason}; install it with `pip install tensorflow-cpu==2.21.0` (which brings Keras 3) to run the "
                "Keras conformance lane")


def _tail(text: str, n: int = 4000) -> str:
    return text if len(text) <= n else "..." + text[-n:]


@pytest.fixture(scope="session")
def keras_results() -> dict[str, Any]:
    """TensorFlow/Keras's normalized results, from the cache or one fresh subprocess."""
    if tensorflow_version() is None:
        _no_tensorflow("TensorFlow is not installed")
    if keras_version() is None:
        _no_tensorflow("Keras is not installed")
    path = cache_path()
    if not path.exists():
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow", CUDA_VISIBLE_DEVICES="-1")
        cmd = [sys.executable, str(HERE / "run_tf.py"), "--out", str(path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TF_TIMEOUT_S, env=env, cwd=HERE)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"TensorFlow/Keras subprocess timed out after {TF_TIMEOUT_S}s: {exc}", pytrace=False)
        if proc.returncode != 0 or not path.exists():
            pytest.fail(f"TensorFlow/Keras subprocess failed (exit code {proc.returncode}): {' '.join(cmd)}\n"
                        f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}", pytrace=False)
        prune(path)
    try:
        return pickle.loads(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - a corrupt cache must not pass silently
        path.unlink(missing_ok=True)
        pytest.fail(f"could not read cached Keras results {path} ({exc}); deleted it, rerun", pytrace=False)


@pytest.fixture(scope="session")
def tapegrad_libs() -> tuple[Any, Any, Any]:
    """(module for normalize, ``tf`` for the programs, ``keras``): tapegrad plus Module/train/keras."""
    error = None
    try:
        import tapegrad
        import tapegrad.data
        import tapegrad.keras
        import tapegrad.module
        import tapegrad.train
    except Exception:  # noqa: BLE001
        error = traceback.format_exc()
    if error is not None:
        pytest.fail("import tapegrad (or tapegrad.keras) failed:\n" + error, pytrace=False)
    tf = types.ModuleType("tapegrad")
    tf.__dict__.update(vars(tapegrad))
    tf.__dict__.setdefault("Module", tapegrad.module.Module)
    tf.__dict__.setdefault("train", tapegrad.train)
    tf.__dict__.setdefault("keras", tapegrad.keras)
    tf.__dict__.setdefault("data", tapegrad.data)
    tf.__dict__.setdefault("py_function", tapegrad.py_function)
    return tapegrad, tf, tapegrad.keras


def test_reference_versions(keras_results: dict[str, Any]) -> None:
    meta = keras_results["meta"]
    assert meta["tensorflow"].startswith("2.21."), meta
    assert meta["keras"].startswith("3."), meta


def test_every_program_has_a_result(keras_results: dict[str, Any]) -> None:
    missing = sorted(set(programs.PROGRAMS) - set(keras_results["results"]))
    assert not missing, f"Keras results missing for {missing}"


def test_no_program_fails_under_keras(keras_results: dict[str, Any]) -> None:
    bad = {k: v for k, v in keras_results["results"].items() if v[0] in ("normalize_error", "unknown", "raises")}
    assert not bad, f"programs that raised or could not be normalized under TensorFlow/Keras: {bad}"


@pytest.mark.parametrize("eager", [False, True], ids=["compiled_steps", "eager_steps"])
@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_keras_conformance(name: str, eager: bool, keras_results: dict[str, Any],
                           tapegrad_libs: tuple[Any, Any, Any]) -> None:
    """Each program twice: as Keras runs it (fit/evaluate/predict steps compiled with tapegrad.function), and with
    every function run eagerly (``run_functions_eagerly(True)``, Keras's ``run_eagerly=True`` path)."""
    expected = keras_results["results"].get(name)
    if expected is None:
        pytest.fail(f"no Keras result for {name!r}; delete tests/conformance_keras/.cache/ and rerun", pytrace=False)
    lib, tf, keras = tapegrad_libs
    lib.config.run_functions_eagerly(eager)
    try:
        actual = normalize.run_program(lambda _lib: programs.PROGRAMS[name](tf, keras), lib)
    finally:
        lib.config.run_functions_eagerly(False)
    diffs = normalize.compare(expected, actual)
    if diffs:
        doc = (programs.PROGRAMS[name].__doc__ or "").strip().splitlines()[0]
        pytest.fail(f"{name}: {doc}\n" + "\n".join(diffs[:20]), pytrace=False)
