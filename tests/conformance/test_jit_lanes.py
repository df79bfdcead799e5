"""The compiled lanes again with ``jit_compile=True`` (issue 11): each conformance program as the body of
``tapegrad.function(jit_compile=True)`` vs TensorFlow's ``tf.function``; every registry op's forward and gradient
as one jit-compiled function vs TensorFlow; and the Keras lane with ``model.compile(jit_compile=True)`` steps.

TensorFlow's results are the compiled lanes' own (the same cached files). Tolerances are the lanes' own (float32
rtol 1e-5, float64 1e-6 against TF; the op lane 1e-6): the jit's differences from the NumPy plan are far below
them (exact arithmetic, transcendental functions within 2.5 ulp, float64 accumulation of float32 sums). Programs
the compiled lane documents as differing from ``tf.function`` are expected to differ here too.
"""

from __future__ import annotations

import functools
import types
from typing import Any

import numpy as np
import pytest

import tapegrad

from . import normalize, programs
from .ops_lane import compute
from .test_conformance import COMPILED_DIFFERENCES, tapegrad_module, tf_results_function  # noqa: F401  # fixtures
from .test_ops_vs_tf import ITEMS, _close, tf_op_results  # noqa: F401  # fixture

pytest.importorskip("numba")


class _JitTapegrad(types.ModuleType):
    """``tapegrad`` whose ``function`` compiles with ``jit_compile=True`` (everything else is tapegrad's)."""

    def __init__(self) -> None:
        super().__init__("tapegrad")
        self.function = functools.partial(tapegrad.function, jit_compile=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(tapegrad, name)


JIT = _JitTapegrad()


def _xla_refuses(op_name: str) -> bool:
    """Ops that ``jit_compile=True`` refuses as XLA does (compiler/program.py ``check_xla``)."""
    from tapegrad._registry import OPS
    from tapegrad.compiler.program import XLA_REFUSED

    op = OPS.get(op_name)
    return op_name in XLA_REFUSED or (op is not None and op.meta.get("xla") is False)


@pytest.mark.parametrize("name", list(programs.PROGRAMS))
def test_conformance_jit(name: str, tf_results_function: dict[str, Any]) -> None:  # noqa: F811
    expected = tf_results_function["results"].get(name)
    if expected is None:
        pytest.fail(f"no TensorFlow result for {name!r}; delete tests/conformance/.cache/ and rerun", pytrace=False)
    if name in COMPILED_DIFFERENCES:
        pytest.xfail(COMPILED_DIFFERENCES[name])
    from tapegrad import _logging

    saved = dict(_logging._counts)
    _logging._counts.clear()
    try:
        actual = normalize.run_program_compiled(programs.PROGRAMS[name], JIT)
    finally:
        _logging._counts.clear()
        _logging._counts.update(saved)
    diffs = normalize.compare(expected, actual)
    if diffs:
        doc = (programs.PROGRAMS[name].__doc__ or "").strip().splitlines()[0]
        pytest.fail(f"{name} (jit_compile=True): {doc}\n" + "\n".join(diffs), pytrace=False)


@pytest.mark.parametrize("sid,spec", ITEMS, ids=[i for i, _ in ITEMS])
def test_op_jit_matches_tensorflow(sid: str, spec: dict[str, Any], tf_op_results: dict[str, Any]) -> None:  # noqa: F811
    ref = tf_op_results[sid]
    assert "error" not in ref, f"TensorFlow could not run the spec: {ref.get('error')}"
    strings = any(o[0] == "string" for o in ref["out"]) or any(
        np.asarray(a).dtype.kind in "OSU" for a in spec["args"](np.random.default_rng(0)))  # XLA has no strings
    if strings or _xla_refuses(sid.rsplit("-", 1)[0]):  # TF's jit_compile=True raises for it too
        with pytest.raises(tapegrad.errors.InvalidArgumentError, match="XLA cannot compile"):
            compute(JIT, spec, compiled=True, shapes=[o[1] for o in ref["out"]])
        return
    got = compute(JIT, spec, compiled=True, shapes=[o[1] for o in ref["out"]])
    assert len(got["out"]) == len(ref["out"]), "number of outputs differs"
    for k, ((dg, sg, vg), (dr, sr, vr)) in enumerate(zip(got["out"], ref["out"])):
        assert dg == dr, f"output {k}: dtype {dg} vs TF {dr}"
        assert sg == sr, f"output {k}: shape {sg} vs TF {sr}"
        _close(vg, vr, f"{sid} output {k} (jit)")
    assert len(got["grad"]) == len(ref["grad"])
    for k, (gg, gr) in enumerate(zip(got["grad"], ref["grad"])):
        assert (gg is None) == (gr is None), f"gradient {k}: None-ness differs"
        if gg is not None:
            _close(gg, gr, f"{sid} gradient {k} (jit)")
