"""``tf.raw_ops`` under TensorFlow 2.21 and tapegrad, one lane per op family (``raw_<family>_programs.py``), compared
as the strings/ragged lane compares: result text equal with the library prefix neutral (numbers within rtol 1e-5),
exceptions by class. TensorFlow's run is cached in ``.cache/``; without TensorFlow the lanes are skipped unless
``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import case_names, check_case, lane_results

HERE = Path(__file__).resolve().parent

# Cases that do not agree, with the reason.
KNOWN: dict[str, str] = {
    "unary_Round": "TF 2.21's CPU Round kernel returns 0 for every int32/int64 element (tf.round itself returns "
                   "integers unchanged); tapegrad returns them unchanged",
    "range_python_floats": "TF's eager fast path converts all-Python-float Range arguments to Tidx's default int32 "
                           "(TypeError); tapegrad infers float32 from the first value",
}

HARNESS = (HERE / "raw_ops_harness.py",)
raw_math = lane_results(HERE / "raw_math_programs.py", "raw_math", HARNESS)
raw_array = lane_results(HERE / "raw_array_programs.py", "raw_array", HARNESS)
raw_nn = lane_results(HERE / "raw_nn_programs.py", "raw_nn", HARNESS)
raw_linalg_random = lane_results(HERE / "raw_linalg_random_programs.py", "raw_linalg_random", HARNESS)
raw_state = lane_results(HERE / "raw_state_programs.py", "raw_state", HARNESS)
raw_string_image = lane_results(HERE / "raw_string_image_programs.py", "raw_string_image", HARNESS)

@pytest.mark.parametrize("name", case_names("raw_math_programs"))
def test_math_case_matches_tensorflow(name: str, raw_math: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, raw_math, KNOWN)


@pytest.mark.parametrize("name", case_names("raw_array_programs"))
def test_array_case_matches_tensorflow(name: str, raw_array: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, raw_array, KNOWN)


@pytest.mark.parametrize("name", case_names("raw_nn_programs"))
def test_nn_case_matches_tensorflow(name: str, raw_nn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, raw_nn, KNOWN)


@pytest.mark.parametrize("name", case_names("raw_linalg_random_programs"))
def test_linalg_random_case_matches_tensorflow(name: str,
                                               raw_linalg_random: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, raw_linalg_random, KNOWN)


@pytest.mark.parametrize("name", case_names("raw_state_programs"))
def test_state_case_matches_tensorflow(name: str, raw_state: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, raw_state, KNOWN)


@pytest.mark.parametrize("name", case_names("raw_string_image_programs"))
def test_string_image_case_matches_tensorflow(name: str,
                                              raw_string_image: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, raw_string_image, KNOWN)
