"""The ``tf.data`` programs of ``data_programs.py`` (``scan``, ``take_while``, ``unique``, ``rebatch``,
``sparse_batch``, ``ignore_errors``, optionals, ``save``/``load``/``snapshot``, record files, SQLite, lookup tables
from datasets, ``Dataset.random``'s values, …) under TensorFlow 2.21 and tapegrad, compared as the strings/ragged
lane does (repr text with the library prefix neutral, numbers at rtol 1e-5, exceptions by class). TensorFlow's run
is cached in ``.cache/``; without TensorFlow the lane is skipped unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import case_names, check_case, lane_results

PROGRAMS = Path(__file__).resolve().parent / "data_programs.py"

# Cases that cannot agree yet, with the reason (none today).
KNOWN: dict[str, str] = {}

results = lane_results(PROGRAMS, "data")


@pytest.mark.parametrize("name", case_names("data_programs"))
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, results, KNOWN)
