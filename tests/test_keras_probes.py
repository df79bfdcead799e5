"""The Keras 3 probes p50 (convolution, pooling), p51 (reshaping, merging, activations), p52 (normalisation, noise,
Embedding) and p55 (variables, names, models, summaries, gradients) under tapegrad, against TensorFlow 2.21 /
Keras 3.15's recorded output (``tests/conformance_keras/tf_probes/expected.txt``): every case must agree, by the rule
of ``/work/shared/tools/probe_check.py`` (the same tokens within rtol 1e-5, or the same exception class).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conformance.test_probes_control_flow import _parse, _same

PROBES = Path(__file__).resolve().parent / "conformance_keras" / "tf_probes"
SRC = Path(__file__).resolve().parents[1] / "src"
FILES = ["p50_conv.py", "p51_shape_merge.py", "p52_norm_embed.py", "p55_vars_models.py"]

# Each probe file runs in a fresh interpreter (auto-names such as conv2d_5 count from the start of the file, as in
# the recorded run), with tapegrad standing in for tensorflow.
_RUNNER = ("import importlib, runpy, sys; sys.modules['tensorflow'] = importlib.import_module('tapegrad'); "
           "sys.path.insert(0, '.'); print('################', sys.argv[1]); runpy.run_path(sys.argv[1], "
           "run_name='__main__')")


@pytest.mark.parametrize("probe", FILES)
def test_probe_matches_keras(probe: str) -> None:
    expected = _parse((PROBES / "expected.txt").read_text())[probe]
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _RUNNER, probe], capture_output=True, text=True, timeout=300,
                          cwd=PROBES, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    got = _parse(proc.stdout)[probe]
    assert len(expected) > 20
    misses = []
    for case, (kind, val) in expected.items():
        g = got.get(case)
        ok = g is not None and g[0] == kind and (g[1] == val if kind == "exc" else _same(val, g[1]))
        if not ok:
            misses.append(f"{case}: Keras {kind} {val[:100]!r} | tapegrad {g!r:.100}")
    assert not misses, f"{probe}: {len(misses)} case(s) differ from Keras 3:\n" + "\n".join(misses)
