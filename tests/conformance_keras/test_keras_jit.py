"""The Keras lane again with every model compiled with ``jit_compile=True`` (issue 11): fit/evaluate/predict steps
are jit-compiled ``tapegrad.function``s; results vs Keras 3 on TensorFlow with the lane's own tolerances."""

from __future__ import annotations

from typing import Any

import pytest

from ..conformance import normalize
from . import programs
from .test_conformance_keras import keras_results, tapegrad_libs  # noqa: F401  # fixtures

pytest.importorskip("numba")


@pytest.fixture
def jit_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """``model.compile(...)`` with ``jit_compile=True`` whatever the program passes."""
    from tapegrad.keras.models._trainer import Trainer

    compile_ = Trainer.compile

    def compile_jit(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["jit_compile"] = True
        compile_(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "compile", compile_jit)


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_keras_conformance_jit(name: str, keras_results: dict[str, Any],  # noqa: F811
                               tapegrad_libs: tuple[Any, Any, Any], jit_models: None) -> None:  # noqa: F811
    expected = keras_results["results"].get(name)
    if expected is None:
        pytest.fail(f"no Keras result for {name!r}; delete tests/conformance_keras/.cache/ and rerun", pytrace=False)
    lib, tf, keras = tapegrad_libs
    actual = normalize.run_program(lambda _lib: programs.PROGRAMS[name](tf, keras), lib)
    diffs = normalize.compare(expected, actual)
    if diffs:
        doc = (programs.PROGRAMS[name].__doc__ or "").strip().splitlines()[0]
        pytest.fail(f"{name} (jit_compile=True): {doc}\n" + "\n".join(diffs[:20]), pytrace=False)
