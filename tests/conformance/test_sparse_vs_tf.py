"""The ``tf.sparse`` / SparseTensor / segment / composite-spec programs of ``sparse_programs.py`` under TensorFlow
2.21 and tapegrad, compared as the strings/ragged lane does (repr text with the library prefix neutral, numbers at
rtol 1e-5, exceptions by class). Gradients are rendered by kind (dense, IndexedSlices, None), so a differing gradient
convention fails. TensorFlow's run is cached in ``.cache/``; without TensorFlow the lane is skipped unless
``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import _run, _tf_results, agree

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "sparse_programs.py"

# Cases that cannot agree yet, with the reason (none today).
KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    tf = _tf_results(PROGRAMS, "sparse")
    return tf, _run("tapegrad", tmp_path_factory.mktemp("sparse") / "tapegrad.json", PROGRAMS)


def _names() -> list[str]:
    sys.path.insert(0, str(HERE))
    try:
        import sparse_programs  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(HERE))
    return list(sparse_programs.CASES)


@pytest.mark.parametrize("name", _names())
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, tg = results
    assert name in tf, f"TensorFlow's run has no case {name!r}"
    if name in KNOWN:
        pytest.xfail(KNOWN[name])
    assert agree(tf[name], tg.get(name)), f"{name}:\n  TF:       {tf[name]}\n  tapegrad: {tg.get(name)}"
