"""``tf.distribute`` under TensorFlow 2.21 and tapegrad (``distribute_programs.py``): each library runs the same
programs in one process whose CPU is split into two logical CPUs, so ``MirroredStrategy(["/cpu:0", "/cpu:1"])`` has
two replicas — contexts, ``run``/``reduce``/``gather``, replica ``all_reduce``/``all_gather``/``merge_call``, dataset
splitting (TF's rebatching), ``distribute_datasets_from_function``, custom training loops (eager and
``tf.function``), and Keras ``fit``/``evaluate``/``predict`` and a Keras custom loop in the scope.

Every tensor must have TF's dtype and shape and its values within rtol 1e-5 (PerReplica values component by
component); a program that raises must raise the same exception class. TensorFlow's run is cached in ``.cache/``;
without TensorFlow the lane is skipped unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .test_strings_ragged_vs_tf import _run, _tf_results

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "distribute_programs.py"


def differences(tf: Any, tg: Any, path: str = "") -> list[str]:
    """Where ``tg`` differs from ``tf`` (the programs' JSON): tensors as ``[dtype, shape, values]`` by dtype, shape
    and values (rtol 1e-5, atol 1e-6); other leaves exactly (floats within 1e-5)."""
    if isinstance(tf, dict) and isinstance(tg, dict):
        if set(tf) != set(tg):
            return [f"{path}: keys {sorted(tf)} != {sorted(tg)}"]
        return [d for k in tf for d in differences(tf[k], tg[k], f"{path}/{k}")]
    if _is_tensor(tf) and _is_tensor(tg):
        same = tf[0] == tg[0] and tf[1] == tg[1] and np.allclose(tf[2], tg[2], rtol=1e-5, atol=1e-6)
        return [] if same else [f"{path}: TF {tf} != tapegrad {tg}"]
    if isinstance(tf, list) and isinstance(tg, list):
        if len(tf) != len(tg):
            return [f"{path}: {len(tf)} items != {len(tg)}: TF {tf} tapegrad {tg}"]
        return [d for i, (a, b) in enumerate(zip(tf, tg)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(tf, float) and isinstance(tg, float) and np.isclose(tf, tg, rtol=1e-5, atol=1e-6):
        return []
    return [] if tf == tg and type(tf) is type(tg) else [f"{path}: TF {tf!r} != tapegrad {tg!r}"]


def _is_tensor(x: Any) -> bool:
    return isinstance(x, list) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], list) and \
        isinstance(x[2], list)


def _names() -> list[str]:
    import importlib
    import sys

    sys.path.insert(0, str(HERE))
    try:
        return list(importlib.import_module("distribute_programs").PROGRAMS)
    finally:
        sys.path.remove(str(HERE))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    return _tf_results(PROGRAMS, "distribute"), _run("tapegrad", tmp_path_factory.mktemp("dist") / "tg.json",
                                                        PROGRAMS)


@pytest.mark.parametrize("name", _names())
def test_program_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, tg = results
    assert name in tf, f"TensorFlow's run has no program {name!r}"
    assert "error" not in tf[name] or len(tf[name]) != 1, f"TensorFlow failed {name}: {tf[name]}"
    found = differences(tf[name], tg.get(name))
    assert not found, f"{name}:\n" + "\n".join(found[:20])


def test_rule_detects_differences() -> None:
    t = ["float32", [2], [1.0, 2.0]]
    assert differences({"a": [t, 1]}, {"a": [t, 1]}) == []
    assert differences(t, ["float32", [2], [1.0, 2.0 + 1e-7]]) == []
    assert differences(t, ["float64", [2], [1.0, 2.0]])
    assert differences(t, ["float32", [1, 2], [1.0, 2.0]])
    assert differences(t, ["float32", [2], [1.0, 2.1]])
    assert differences({"a": 1}, {"b": 1}) and differences([1, 2], [1]) and differences(True, 1)
    assert differences({"error": "ValueError"}, {"error": "TypeError"})
