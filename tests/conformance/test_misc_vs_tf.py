"""The ``tf.lookup`` / ``tf.sets`` / ``tf.quantization`` / ``tf.audio`` / ``tf.bitwise`` programs of
``misc_programs.py`` under TensorFlow 2.21 and tapegrad, compared as the strings/ragged lane does (repr text with the
library prefix neutral, numbers at rtol 1e-5, exceptions by class) — and, stricter, every result's text must equal
TF's exactly (these ops are bit-exact: quantization levels, float32 roundings, WAV bytes, bucket ids). TensorFlow's
run is cached in ``.cache/``; without TensorFlow the lane is skipped unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import _neutral, case_names, check_case, lane_results

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "misc_programs.py"

# Cases that cannot agree yet, with the reason (none today).
KNOWN: dict[str, str] = {}


results = lane_results(PROGRAMS, "misc")


@pytest.mark.parametrize("name", case_names("misc_programs"))
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, results, KNOWN)


@pytest.mark.parametrize("name", case_names("misc_programs"))
def test_case_is_bit_exact(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, tg = results
    assert name in tg, f"tapegrad's run has no case {name!r}"
    assert _neutral(tf[name][1]) == _neutral(tg[name][1]), f"{name} is not bit-exact:\n  TF:       {tf[name]}\n" \
        f"  tapegrad: {tg[name]}"
