"""Keras 3 interop of ``.keras`` and ``.weights.h5`` files: tapegrad's files load in Keras 3 and Keras 3's load in
tapegrad, with the same predictions and the same next training step (optimizer state restored).

Keras runs in one subprocess (keras_saving_peer.py) on the models of saving_models.py. Skipped without TensorFlow,
Keras or h5py, unless TAPEGRAD_REQUIRE_TF=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tapegrad import keras

from . import saving_models
from .cache import keras_version, tensorflow_version

HERE = Path(__file__).parent
REQUIRE_TF = os.environ.get("TAPEGRAD_REQUIRE_TF") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_TF:
        pytest.fail(f"{reason} (TAPEGRAD_REQUIRE_TF=1, so this is an error, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if tensorflow_version() is None or keras_version() is None:
        _missing("TensorFlow/Keras 3 is not installed (pip install tensorflow-cpu==2.21.0)")
    try:
        import h5py  # noqa: F401
    except ImportError:
        _missing('h5py is not installed (pip install "tapegrad[keras-io]")')
    out = tmp_path_factory.mktemp("keras_saving")
    ours = saving_models.train_and_save(keras, str(out), "tapegrad")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow", CUDA_VISIBLE_DEVICES="-1")
    proc = subprocess.run([sys.executable, str(HERE / "keras_saving_peer.py"), str(out)], capture_output=True,
                          text=True, timeout=600, env=env, cwd=HERE)
    if proc.returncode != 0:
        pytest.fail(f"Keras subprocess failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}",
                    pytrace=False)
    with np.load(out / "keras_results.npz") as f:
        theirs = {k: f[k] for k in f.files}
    loaded = saving_models.load_and_check(keras, str(out), "keras")
    return {"ours": ours, "theirs": theirs, "loaded": loaded}


@pytest.mark.parametrize("name", saving_models.NAMES)
def test_keras_loads_tapegrad_files(exchange: dict[str, Any], name: str) -> None:
    ours, theirs = exchange["ours"], exchange["theirs"]
    np.testing.assert_allclose(theirs[f"loaded/{name}/predict"], ours[f"{name}/predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(theirs[f"loaded/{name}/weights_predict"], ours[f"{name}/predict"], rtol=1e-5,
                               atol=1e-6)
    # the optimizer state travelled: Keras's next step from tapegrad's file is tapegrad's next step
    np.testing.assert_allclose(theirs[f"loaded/{name}/after_step"], ours[f"{name}/after_step"], rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize("name", saving_models.NAMES)
def test_tapegrad_loads_keras_files(exchange: dict[str, Any], name: str) -> None:
    theirs, loaded = exchange["theirs"], exchange["loaded"]
    np.testing.assert_allclose(loaded[f"{name}/predict"], theirs[f"saved/{name}/predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded[f"{name}/weights_predict"], theirs[f"saved/{name}/predict"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(loaded[f"{name}/after_step"], theirs[f"saved/{name}/after_step"], rtol=1e-4,
                               atol=1e-5)
