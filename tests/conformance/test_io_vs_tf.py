"""tf.io, tf.train.Example and TFRecord files under TensorFlow 2.21 and tapegrad (``io_programs.py``).

* every ``@case`` program's result text must equal TF's (library prefix neutral, numbers within rtol 1e-5), or
  raise the same exception class;
* interop: the files each library's ``@writer`` programs wrote are read by the other library's ``@reader``
  programs, and the result must equal TF reading its own files (TF → tapegrad and tapegrad → TF);
* the bytes tapegrad writes (records, framing, GZIP/ZLIB streams) must equal TF's (except a file of Examples
  serialised in TF's default, hash-based map order, which no other implementation reproduces; tapegrad always
  writes the deterministic, key-sorted order) and PNGs (libpng's filter choice and zlib settings are not
  reproduced: the pixels are compared instead, both ways).

TensorFlow's run is cached in ``.cache/``, keyed by the program file, the versions and the bytes of the files
tapegrad wrote (TF reads those): a change to tapegrad's writer reruns TF. Without TensorFlow the lane is skipped
unless ``TAPEGRAD_REQUIRE_TF=1``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .cache import CACHE_DIR, installed_version, tensorflow_version, write_atomic
from .test_strings_ragged_vs_tf import agree

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "io_programs.py"
SRC = HERE.parents[1] / "src"
REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"


def _run(module: str, out: Path, workdir: Path, peer: Path | None) -> dict[str, Any]:
    path = str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=path)
    args = [sys.executable, str(PROGRAMS), module, str(out), str(workdir)] + ([str(peer)] if peer else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the programs under {module} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}",
                    pytrace=False)
    return json.loads(out.read_text())


def _materialize(files: dict[str, str], where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (where / name).write_bytes(base64.b64decode(data))
    return where


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    if tensorflow_version() is None:
        if REQUIRE_TF:
            pytest.fail("TensorFlow is not installed (TAPEGRAD_REQUIRE_TF=1)", pytrace=False)
        pytest.skip("TensorFlow is not installed; `pip install tensorflow-cpu==2.21.0` runs this lane")
    tmp = tmp_path_factory.mktemp("io")
    first = _run("tapegrad", tmp / "tg_first.json", tmp / "tg_first", None)  # tapegrad's files, for TF to read
    h = hashlib.sha256(PROGRAMS.read_bytes())
    h.update(f"tf={tensorflow_version()} np={installed_version('numpy')} py={sys.version_info[:2]}".encode())
    h.update(json.dumps(first["files"], sort_keys=True).encode())
    cache = CACHE_DIR / f"tf_io-{h.hexdigest()[:20]}.json"
    if cache.exists():
        tf = json.loads(cache.read_text())
    else:
        peer = _materialize(first["files"], tmp / "tg_files")
        tf = _run("tensorflow", tmp / "tf.json", tmp / "tf_own", peer)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        write_atomic(cache, json.dumps(tf).encode())
    tf_files = _materialize(tf["files"], tmp / "tf_files")
    tg = _run("tapegrad", tmp / "tg.json", tmp / "tg_own", tf_files)
    return tf, tg


def _module() -> Any:
    sys.path.insert(0, str(HERE))
    try:
        import io_programs  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(HERE))
    return io_programs


_M = _module()


@pytest.mark.parametrize("name", list(_M.CASES))
def test_case_matches_tensorflow(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, tg = results
    a, b = tf["cases"][name], tg["cases"].get(name)
    assert agree(a, b), f"{name}:\n  TF:       {a}\n  tapegrad: {b}"


@pytest.mark.parametrize("name", list(_M.READERS))
def test_tapegrad_reads_tf_files(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, tg = results
    a, b = tf["own"][name], tg["peer"].get(name)
    assert a[0] == "val" or name in ("corrupt",), f"TF could not read its own files: {a}"
    assert agree(a, b), f"{name} (TF's files):\n  TF reads them:       {a}\n  tapegrad reads them: {b}"


@pytest.mark.parametrize("name", list(_M.READERS))
def test_tf_reads_tapegrad_files(name: str, results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, _ = results
    a, b = tf["own"][name], tf["peer"].get(name)
    assert agree(a, b), f"{name} (tapegrad's files):\n  TF reads its own:      {a}\n  TF reads tapegrad's:   {b}"


def test_written_bytes_equal_tensorflow(results: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tf, tg = results
    assert sorted(tf["files"]) == sorted(tg["files"])
    differ = [n for n in tf["files"] if tf["files"][n] != tg["files"][n] and "hashorder" not in n
              and not n.endswith(".png")]
    assert not differ, f"tapegrad wrote other bytes than TF for {differ}"
