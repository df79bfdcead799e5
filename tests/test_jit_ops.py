"""Every registered op works under ``jit_compile=True``: its registry test program, traced with jit, gives eager's
values (ops that fuse run as kernels, the rest stay NumPy calls between kernels).

Each program computes the op's output and a gradient-like epilogue (``out * 2 + 1`` and its sum), so that
elementwise ops get fused with their neighbours. Tolerances per op family: exact for integer/bool results and
for ops the jit leaves to NumPy; rtol 1e-13 for float64 kernels (arithmetic is IEEE-exact; exp/log/tanh/sin/cos
are within 2.5 ulp and reductions accumulate in another order), 1e-6 for float32-only ops (fake quantization).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._registry import OPS
from tapegrad.compiler.program import XLA_REFUSED
from tapegrad.compiler.trace import trace
from tapegrad.errors import InvalidArgumentError

pytest.importorskip("numba")


def _specs(op: Any) -> list[dict[str, Any]]:
    t = op.meta.get("test")
    if t is None:
        return []
    return list(t) if isinstance(t, (list, tuple)) else [t]


ALL = [(op, s) for op in OPS.values() for s in _specs(op)[:1]]
IDS = [op.name for op, _ in ALL]


def _flat(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flat(o)]
    return [out] if hasattr(out, "numpy") else []


def _program(call: Any, n: int) -> Any:
    def run(ts: list[Any]) -> tuple[list[Any], None]:
        outs = _flat(call(tg, *ts))
        extra = []
        for o in outs:
            if o.dtype.is_floating:
                y = o * 2.0 + 1.0
                extra += [y, tg.reduce_sum(y * y)]
        return outs + extra, None

    return run


@pytest.mark.parametrize("op,spec", ALL, ids=IDS)
def test_op_under_jit_matches_eager(op: Any, spec: dict[str, Any]) -> None:
    arrays = [np.asarray(a) for a in spec["args"](np.random.default_rng(0))]
    if any(a.dtype.kind == "c" for a in arrays):
        pytest.skip("complex inputs: the jit leaves complex ops to NumPy (covered by the plan's tests)")
    tensors = [tg.constant(a) for a in arrays]
    run = _program(spec["call"], len(tensors))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            eager, _ = run(tensors)
        except Exception as e:  # noqa: BLE001  # ops whose test program does not trace are the plan's business
            pytest.skip(f"eager program raised {type(e).__name__}")
        try:
            plan = trace(run, tensors, name=op.name)(tensors)
            [np.asarray(p.numpy()) for p in plan]
        except Exception as e:  # noqa: BLE001
            pytest.skip(f"the NumPy plan itself fails ({type(e).__name__}): the compiler core's business")
        strings = any(t.dtype == tg.string for t in tensors) or any(p.dtype == tg.string for p in plan)
        if strings or op.name in XLA_REFUSED or op.meta.get("xla") is False:  # refused as TF's XLA refuses it
            with pytest.raises(InvalidArgumentError, match="XLA cannot compile"):
                trace(run, tensors, name=op.name, jit_compile=True)
            return
        prog = trace(run, tensors, name=op.name, jit_compile=True)
        got = prog(tensors)
    assert len(got) == len(eager)
    random = "random" in op.name or op.name in ("truncated_normal", "multinomial", "dropout")
    for g, e in zip(got, eager):
        gv, ev = np.asarray(g.numpy()), np.asarray(e.numpy())
        assert gv.dtype == ev.dtype and gv.shape == ev.shape, op.name
        if random:
            continue  # new numbers on every call (TF's graph seeding): shapes and dtypes only
        if ev.dtype.kind in "fc":
            tol = 1e-13 if ev.dtype.itemsize >= 8 else 1e-6  # float32-only ops (fake quant): float32 sums reorder
            np.testing.assert_allclose(gv, ev, rtol=tol, atol=tol, equal_nan=True, err_msg=op.name)
        else:
            np.testing.assert_array_equal(gv, ev, err_msg=op.name)
