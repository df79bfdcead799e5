"""The ``tf.nn`` breadth programs of ``nn_ext_programs.py`` (CTC loss and decoders, ...; values and gradients)
under TensorFlow 2.21 and tapegrad, compared as the strings/ragged lane does (repr text with the library prefix
neutral, numbers at rtol 1e-5, exceptions by class). TensorFlow's run is cached in ``.cache/``; without TensorFlow
the lane is skipped unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import case_names, check_case, lane_results

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "nn_ext_programs.py"

# Cases that cannot agree, with the reason.
KNOWN: dict[str, str] = {
    "sampled_softmax_loss_float64": "TF fails on float64 (InvalidArgumentError: it subtracts the float32 expected "
                                    "counts from float64 logits); tapegrad casts the counts and works",
}


results = lane_results(PROGRAMS, "nn_ext")


@pytest.mark.parametrize("name", case_names("nn_ext_programs"))
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, results, KNOWN)
