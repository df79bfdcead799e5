"""Spec probes p53 (recurrent), p54 (attention), p56 (tf.data), p57 (fit on datasets) and p52's Embedding cases,
run under tapegrad and compared case by case with TensorFlow 2.21's recorded output (tests/spec_probes/).

A case matches when TF printed a value and tapegrad prints the same number/None/True/False tokens (rtol 1e-5), or
TF raised and tapegrad raises an exception of the same class name (the rules of shared/tools/probe_check.py).
Cases that need layers or Keras-3 variable names from the other half of issue 15 are listed in ``PENDING`` with
the reason; the test fails if one of them starts to match (remove it from the list then).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .probe_compare import parse_probe_output as _parse
from .probe_compare import same_tokens as _same

HERE = Path(__file__).resolve().parent / "spec_probes"
SRC = Path(__file__).resolve().parent.parent / "src"
PENDING: dict[tuple[str, str], str] = {}
FILES = ("p52_norm_embed.py", "p53_rnn.py", "p54_attention.py", "p56_data.py", "p57_fit_data.py")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, tuple[str, str]]]:
    work = tmp_path_factory.mktemp("probes")
    for f in HERE.glob("*.py.txt"):
        text = f.read_text().replace("import tensorflow as tf", "import tapegrad as tf")
        (work / f.name.removesuffix(".txt")).write_text(text)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
               PYTHONHASHSEED="0")
    chunks = []
    for name in FILES:
        proc = subprocess.run([sys.executable, name], cwd=work, capture_output=True, text=True, timeout=300, env=env)
        chunks.append(f"################ {name}\n{proc.stdout}")
    shutil.rmtree(work, ignore_errors=True)
    return _parse("\n".join(chunks))


def _cases() -> list[tuple[str, str]]:
    expected = _parse((HERE / "EXPECTED_OUTPUT.txt").read_text())
    out = []
    for fname in FILES:
        for case in expected.get(fname, {}):
            if fname == "p52_norm_embed.py" and "Embedding" not in case:
                continue  # p52's normalisation layers belong to issue 15 part A
            out.append((fname, case))
    return out


EXPECTED = _parse((HERE / "EXPECTED_OUTPUT.txt").read_text())


@pytest.mark.parametrize("fname,case", _cases(), ids=lambda v: v if v.endswith(".py") else v[:60])
def test_probe_case(fname: str, case: str, results: dict[str, dict[str, tuple[str, str]]]) -> None:
    kind, value = EXPECTED[fname][case]
    got = results.get(fname, {}).get(case)
    if got is None:
        ok, detail = False, "no result (crash or missing API)"
    elif kind == "exc":
        ok, detail = got == ("exc", value), f"TF raised {value}, tapegrad gave {got}"
    else:
        ok, detail = got[0] == "val" and _same(value, got[1]), f"TF -> {value[:200]} | tapegrad -> {got[1][:200]}"
    pending = PENDING.get((fname, case))
    if pending is not None:
        assert not ok, f"{case!r} now matches TF: remove it from PENDING ({pending})"
        pytest.skip(f"pending: {pending}")
    assert ok, detail
