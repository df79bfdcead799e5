"""The ``tf.image`` box / NMS / distorted-crop / MS-SSIM programs of ``image_boxes_programs.py`` under TensorFlow 2.21
and tapegrad, compared as the strings/ragged lane does (bit-exact cases as hashes of the bytes). TensorFlow's run is
cached in ``.cache/``; without TensorFlow the lane is skipped unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_strings_ragged_vs_tf import case_names, check_case, lane_results

PROGRAMS = Path(__file__).resolve().parent / "image_boxes_programs.py"

# Cases that cannot agree, with the reason.
KNOWN: dict[str, str] = {
    "generate_bounding_box_proposals_values": "TF registers GenerateBoundingBoxProposals for GPUs only: on a CPU it "
                                              "raises NotFoundError; tapegrad computes the GPU kernel's result "
                                              "(unit-tested in tests/test_image_boxes.py)",
}

results = lane_results(PROGRAMS, "image_boxes")


@pytest.mark.parametrize("name", case_names("image_boxes_programs"))
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    check_case(name, results, KNOWN)
