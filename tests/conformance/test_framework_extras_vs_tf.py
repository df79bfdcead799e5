"""The programs of ``framework_extras_programs.py`` (``tf.no_gradient``, ``tf.nondifferentiable_batch_function``,
``tf.register_tensor_conversion_function``, ``tf.variable_creator_scope``, ``tf.experimental`` runtime switches,
``RowPartition``, ``DynamicRaggedShape``) under TensorFlow 2.21 and tapegrad, compared as the strings/ragged lane
does. TensorFlow's run is cached in ``.cache/``; without TensorFlow the lane is skipped unless
``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import case_names, check_case, lane_results

PROGRAMS = Path(__file__).resolve().parent / "framework_extras_programs.py"

# Cases that cannot agree yet, with the reason (none today).
KNOWN: dict[str, str] = {}

results = lane_results(PROGRAMS, "framework_extras")


@pytest.mark.parametrize("name", case_names("framework_extras_programs"))
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, results, KNOWN)
