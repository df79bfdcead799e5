"""Run every program in programs.py under tapegrad and compare with TensorFlow's cached results.

TensorFlow runs only in a subprocess (run_tf.py), whose normalized results are cached in
tests/conformance/.cache/ keyed by a hash of the program sources and the library versions.
Without TensorFlow installed these tests are skipped, unless TAPEGRAD_REQUIRE_TF=1 (CI), where
they fail instead.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from types import ModuleType
from typing import Any

import pytest

from . import normalize, programs
from .cache import HERE, cache_path, prune, tensorflow_version

REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"
REFERENCE_TF = "2.21"
TF_TIMEOUT_S = 900


def _no_tensorflow(reason: str) -> None:
    if REQUIRE_TF:
        pytest.fail(f"{reason} (TAPEGRAD_REQUIRE_TF=1, so this is an error, not a skip)", pytrace=False)
    pytest.skip(f"{reason}; install it with `pip install tensorflow-cpu==2.21.0` to run the conformance lane")


def _tail(text: str, n: int = 4000) -> str:
    return text if len(text) <= n else "..." + text[-n:]


@pytest.fixture(scope="session")
def tf_results() -> dict[str, Any]:
    """TensorFlow's normalized results, from the cache or a fresh TensorFlow subprocess."""
    return _tf_results("eager")


@pytest.fixture(scope="session")
def tf_results_function() -> dict[str, Any]:
    """TensorFlow's normalized results with every program run as a ``tf.function`` body."""
    return _tf_results("function")


_RUNS: dict[str, subprocess.Popen[str]] = {}  # TensorFlow subprocesses started (both modes run side by side)


def _start(mode: str) -> None:
    path = cache_path(mode)
    if mode in _RUNS or path.exists():
        return
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    cmd = [sys.executable, str(HERE / "run_tf.py"), "--mode", mode, "--out", str(path)]
    _RUNS[mode] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=HERE)


def _tf_results(mode: str) -> dict[str, Any]:
    if tensorflow_version() is None:
        _no_tensorflow("TensorFlow is not installed")
    path = cache_path(mode)
    if not path.exists():
        for m in ("eager", "function"):  # the other mode's results will be needed too: compute them meanwhile
            _start(m)
        proc = _RUNS[mode]
        try:
            out, err = proc.communicate(timeout=TF_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            pytest.fail(f"TensorFlow subprocess timed out after {TF_TIMEOUT_S}s: {exc}", pytrace=False)
        if proc.returncode != 0 or not path.exists():
            pytest.fail(
                f"TensorFlow subprocess failed (exit code {proc.returncode}): {' '.join(proc.args)}\n"
                f"--- stdout ---\n{_tail(out)}\n--- stderr ---\n{_tail(err)}",
                pytrace=False,
            )
        prune(path)
    try:
        data = pickle.loads(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - a corrupt cache file must not pass silently
        path.unlink(missing_ok=True)
        pytest.fail(f"could not read cached TensorFlow results {path} ({exc}); deleted it, rerun", pytrace=False)
    return data


@pytest.fixture(scope="session")
def tapegrad_module() -> ModuleType:
    """The tapegrad package; a failing import fails every conformance test with its traceback."""
    error = None
    try:
        import tapegrad
    except Exception:  # noqa: BLE001
        error = traceback.format_exc()
    if error is not None:
        pytest.fail("import tapegrad failed:\n" + error, pytrace=False)
    return tapegrad


def test_tensorflow_matches_reference_version(tf_results: dict[str, Any]) -> None:
    """The expected results must come from the TensorFlow release the reference was measured on."""
    version = tf_results["meta"]["tensorflow"]
    assert version.startswith(REFERENCE_TF + "."), f"conformance expects TensorFlow {REFERENCE_TF}.x, got {version}"


def test_every_program_has_a_tensorflow_result(tf_results: dict[str, Any]) -> None:
    missing = sorted(set(programs.PROGRAMS) - set(tf_results["results"]))
    assert not missing, f"TensorFlow results missing for {missing}"


def test_no_program_fails_to_normalize_under_tensorflow(tf_results: dict[str, Any]) -> None:
    bad = {k: v for k, v in tf_results["results"].items() if v[0] in ("normalize_error", "unknown")}
    assert not bad, f"programs whose TensorFlow result could not be normalized: {bad}"


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_conformance(name: str, tf_results: dict[str, Any], tapegrad_module: ModuleType) -> None:
    expected = tf_results["results"].get(name)
    if expected is None:
        pytest.fail(f"no TensorFlow result for {name!r}; delete tests/conformance/.cache/ and rerun", pytrace=False)
    actual = normalize.run_program(programs.PROGRAMS[name], tapegrad_module)
    diffs = normalize.compare(expected, actual)
    if diffs:
        doc = (programs.PROGRAMS[name].__doc__ or "").strip().splitlines()[0]
        pytest.fail(f"{name}: {doc}\n" + "\n".join(diffs), pytrace=False)


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_conformance_compiled(name: str, tf_results_function: dict[str, Any], tapegrad_module: ModuleType) -> None:
    """The same program as the body of ``tapegrad.function`` (traced, then run compiled) vs ``tf.function``."""
    expected = tf_results_function["results"].get(name)
    if expected is None:
        pytest.fail(f"no TensorFlow result for {name!r}; delete tests/conformance/.cache/ and rerun", pytrace=False)
    if name in COMPILED_DIFFERENCES:
        pytest.xfail(COMPILED_DIFFERENCES[name])
    from tapegrad import _logging

    saved = dict(_logging._counts)  # per-call-site warning limits: as in TF's run, a fresh count per program
    _logging._counts.clear()
    try:
        actual = normalize.run_program_compiled(programs.PROGRAMS[name], tapegrad_module)
    finally:
        _logging._counts.clear()
        _logging._counts.update(saved)
    diffs = normalize.compare(expected, actual)
    if diffs:
        doc = (programs.PROGRAMS[name].__doc__ or "").strip().splitlines()[0]
        pytest.fail(f"{name} (compiled): {doc}\n" + "\n".join(diffs), pytrace=False)


# Programs whose tf.function run differs from tapegrad.function's, with the reason (docs/function.md).
_PLAIN = "inside a trace tapegrad records recompute_grad's function plainly (TF keeps its recompute rules in graphs)"
_ONCE = "TF logs the persistent-tape warning at most once per process under tf.function (tapegrad: per call site)"
COMPILED_DIFFERENCES: dict[str, str] = {
    "tape_persistent_inside_warning_once_per_call_site": _ONCE,
    "tape_persistent_inside_warning_two_call_sites": _ONCE,
    "persistent_higher_order_inside_context": _ONCE,
    "python_float_roundtrip_none": "AutoGraph turns float(t) into a cast (a tensor); tapegrad guards the Python float",
    "dtype_int_negative_power_raises": "TF's graph finds no kernel (NotFoundError); tapegrad reports the static error",
    "op_index_out_of_range_raises": "TF checks a constant index against the static shape (ValueError); tapegrad "
                                    "raises the eager InvalidArgumentError while tracing",
    "jacobian_no_pfor_non_persistent_raises": "a graph jacobian without pfor works on a non-persistent tape in TF "
                                              "(while_loop); tapegrad keeps the eager rule (RuntimeError)",
    "batch_jacobian_no_pfor_non_persistent_raises": "as jacobian_no_pfor_non_persistent_raises",
    "custom_gradient_wrong_count_raises": "TF's graph-mode custom_gradient reports this as InternalError",
    "custom_gradient_non_tensor_keyword_argument": "TF's graph-mode custom_gradient rejects Python keyword arguments",
    "custom_gradient_scalar_return_raises": "TF's graph-mode custom_gradient fails on bool() of the symbolic result",
    "recompute_grad_second_order": "TF's graph-mode recompute_grad has no second order (NotImplementedError); "
                                   "tapegrad computes it",
    "recompute_grad_value_and_gradient": _PLAIN,
    "recompute_grad_unconnected_argument_zeros": _PLAIN,
    "fwd_recompute_grad_raises": _PLAIN,
    "special_dtype_errors": "TF's graph reports a missing kernel when the graph runs (the whole call fails); tapegrad "
                            "raises while tracing, inside the program's caught()",
    "raw_ops_bucketize": "TF's graph checks Bucketize's boundaries when the graph runs (the whole call fails); "
                         "tapegrad raises while tracing, inside the program's caught()",
}
