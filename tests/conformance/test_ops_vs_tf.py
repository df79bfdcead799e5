"""Every registry op spec marked ``tf=True``: tapegrad's forward values and gradients vs TensorFlow 2.21 (float64).

TensorFlow runs once in a subprocess (``ops_lane.py``); its results are cached in ``.cache/`` keyed by the op
sources and the TensorFlow version. Skipped without TensorFlow unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from .cache import CACHE_DIR, tensorflow_version
from .ops_lane import HERE, compute, spec_items

REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"
ITEMS = spec_items()


@pytest.fixture(scope="session")
def tf_op_results() -> dict[str, Any]:
    if tensorflow_version() is None:
        if REQUIRE_TF:
            pytest.fail("TensorFlow is not installed (TAPEGRAD_REQUIRE_TF=1)", pytrace=False)
        pytest.skip("TensorFlow is not installed; `pip install tensorflow-cpu==2.21.0` runs the op lane")
    sys.path.insert(0, str(HERE))
    from .ops_lane import key

    path = CACHE_DIR / f"tf_ops-{key()}.pkl"
    if not path.exists():
        CACHE_DIR.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        proc = subprocess.run([sys.executable, str(HERE / "ops_lane.py"), "--out", str(tmp)], capture_output=True,
                              text=True, timeout=900, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), cwd=HERE)
        if proc.returncode != 0:
            pytest.fail(f"TensorFlow op lane failed ({proc.returncode}):\n{proc.stderr[-4000:]}", pytrace=False)
        os.replace(tmp, path)
    return pickle.loads(path.read_bytes())


def _close(a: np.ndarray, b: np.ndarray, what: str) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs TF {b.shape}"
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


@pytest.mark.parametrize("sid,spec", ITEMS, ids=[i for i, _ in ITEMS])
def test_op_matches_tensorflow(sid: str, spec: dict[str, Any], tf_op_results: dict[str, Any]) -> None:
    _check(sid, spec, tf_op_results, compiled=False)


@pytest.mark.parametrize("sid,spec", ITEMS, ids=[i for i, _ in ITEMS])
def test_op_compiled_matches_tensorflow(sid: str, spec: dict[str, Any], tf_op_results: dict[str, Any]) -> None:
    """The same forward and gradient as one ``tapegrad.function`` (second call: the compiled program)."""
    _check(sid, spec, tf_op_results, compiled=True)


def _check(sid: str, spec: dict[str, Any], tf_op_results: dict[str, Any], compiled: bool) -> None:
    import tapegrad

    ref = tf_op_results[sid]
    assert "error" not in ref, f"TensorFlow could not run the spec: {ref.get('error')} (mark it tf=False if TF " \
                               "lacks this signature)"
    got = compute(tapegrad, spec, compiled=compiled, shapes=[o[1] for o in ref["out"]] if compiled else None)
    assert len(got["out"]) == len(ref["out"]), "number of outputs differs"
    for k, ((dg, sg, vg), (dr, sr, vr)) in enumerate(zip(got["out"], ref["out"])):
        assert dg == dr, f"output {k}: dtype {dg} vs TF {dr}"
        assert sg == sr, f"output {k}: shape {sg} vs TF {sr}"
        _close(vg, vr, f"{sid} output {k}")
    assert len(got["grad"]) == len(ref["grad"])
    for k, (gg, gr) in enumerate(zip(got["grad"], ref["grad"])):
        assert (gg is None) == (gr is None), f"gradient {k}: None-ness differs (tapegrad {gg is None}, TF {gr is None})"
        if gg is not None:
            _close(gg, gr, f"{sid} gradient {k}")
