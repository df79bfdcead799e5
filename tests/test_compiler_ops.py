"""Every registered op under the compiler: traced on one set of inputs, the program run on another set must give
eager's results (or refuse with GuardMiss) — never a value frozen at trace time. Also the op's gradient, traced
inside the body, for differentiable ops."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._registry import OPS
from tapegrad.compiler.trace import GuardMiss, trace

ALL = [(op, k, s) for op in OPS.values()
       for k, s in enumerate((lambda t: list(t) if isinstance(t, (list, tuple)) else [t] if t else [])(
           op.meta.get("test")))]
IDS = [f"{op.name}-{s['name'] or k}" for op, k, s in ALL]
# ops whose results are random draws: equal results are not expected
RANDOM = {"random_standard_normal", "random_uniform", "random_uniform_int", "truncated_normal", "random_shuffle",
          "multinomial", "dropout"}
# gradients a compiled function refuses (loudly) to compute inside the trace (py_function's is an op of its own
# since it re-runs the body on each call's values)
NO_GRAD_IN_TRACE: set[str] = set()


def _flat(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [o for x in out for o in _flat(x)]
    if hasattr(out, "values") and hasattr(out, "indices") and not isinstance(out, tg.Tensor):
        return [tg.convert_to_tensor(out)]
    return [out]


def _run_body(spec: dict[str, Any], with_grad: bool) -> Any:
    def body(*ts: Any) -> list[Any]:
        if not with_grad:
            return _flat(spec["call"](tg, *ts))
        floats = [t for t in ts if t.dtype.is_floating]
        with tg.GradientTape() as tape:
            for t in floats:
                tape.watch(t)
            out = _flat(spec["call"](tg, *ts))
            loss = tg.add_n([tg.reduce_sum(o * o) for o in out if o.dtype.is_floating]) if any(
                o.dtype.is_floating for o in out) else None
        grads = [g for g in tape.gradient(loss, floats) if g is not None] if loss is not None else []
        return out + [tg.convert_to_tensor(g) for g in grads]

    return body


@pytest.mark.parametrize("op,k,spec", ALL, ids=IDS)
def test_op_compiled_on_new_inputs_matches_eager(op: Any, k: int, spec: dict[str, Any]) -> None:
    if op.name in RANDOM:
        pytest.skip("random draws")
    a1 = [np.asarray(a) for a in spec["args"](np.random.default_rng(1))]
    a2 = [np.asarray(a) for a in spec["args"](np.random.default_rng(2))]
    t1 = [tg.constant(a) for a in a1]
    if op.name in NO_GRAD_IN_TRACE:
        with pytest.raises(NotImplementedError):
            trace(lambda ts: (_run_body(spec, True)(*ts), None), t1, name=op.name)
    body = _run_body(spec, op.differentiable and op.name not in NO_GRAD_IN_TRACE)
    try:
        prog = trace(lambda ts: (body(*ts), None), t1, name=op.name)
    except Exception as exc:  # noqa: BLE001  # eager raises the same: nothing to compile
        with pytest.raises(type(exc)):
            body(*t1)
        return
    t2 = [tg.constant(a) for a in a2]
    try:
        got = prog(t2)
    except GuardMiss:
        return  # refused: the caller retraces (correct, not frozen)
    want = body(*t2)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        gv, wv = np.asarray(g.numpy()), np.asarray(w.numpy())
        assert gv.shape == wv.shape and gv.dtype == wv.dtype
        if wv.dtype.kind in "OSU":  # string ops: exact bytes
            np.testing.assert_array_equal(gv, wv)
            continue
        np.testing.assert_allclose(gv, wv, rtol=1e-9, atol=1e-12, equal_nan=True)
