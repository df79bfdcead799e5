"""Tests generated from the op registry: every op's ``spec`` test metadata expands into the checks below.

forward vs reference · VJP vs float64 central differences · JVP/VJP adjointness on the recorded entry ·
second order through nested tapes · float32 gradient dtype · complex gradients (TF convention).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tapegrad as tg
from tapegrad._backend import NUMPY
from tapegrad._backprop import fit
from tapegrad._registry import OPS

from .opcheck import (
    diff_outputs,
    direction,
    flat_outputs,
    inner,
    loss_of,
    numeric_directional,
    scalar_fn,
    tape_gradients,
    weights_for,
)


def _specs(op: Any) -> list[dict[str, Any]]:
    t = op.meta.get("test")
    if t is None:
        return []
    return list(t) if isinstance(t, (list, tuple)) else [t]


ALL = [(op, k, s) for op in OPS.values() for k, s in enumerate(_specs(op))]
IDS = [f"{op.name}-{s['name'] or k}" for op, k, s in ALL]
DIFF = [(op, k, s) for op, k, s in ALL if op.differentiable]
DIFF_IDS = [f"{op.name}-{s['name'] or k}" for op, k, s in DIFF]


def _arrays(spec: dict[str, Any], seed: int = 0) -> list[np.ndarray]:
    return [np.asarray(a) for a in spec["args"](np.random.default_rng(seed))]


def _grad_idx(spec: dict[str, Any], arrays: list[np.ndarray]) -> list[int]:
    if spec["grad"] is not None:
        return list(spec["grad"])
    return [i for i, a in enumerate(arrays) if a.dtype.kind in "fc"]


def _complexify(spec: dict[str, Any], arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    idx = _grad_idx(spec, arrays)
    return [a + 0.5j * rng.normal(size=a.shape) if i in idx else a for i, a in enumerate(arrays)]


def test_every_op_has_test_metadata() -> None:
    missing = [op.name for op in OPS.values() if not _specs(op)]
    assert not missing, f"ops without test metadata (add test=spec(...)): {missing}"


@pytest.mark.parametrize("op,k,spec", ALL, ids=IDS)
def test_forward(op: Any, k: int, spec: dict[str, Any]) -> None:
    arrays = _arrays(spec)
    out = spec["call"](tg, *[tg.constant(a) for a in arrays])
    outs = flat_outputs(out)
    assert outs, f"{op.name}: the call returned no tensor"
    if spec["ref"] is not None:
        ref = spec["ref"](*arrays)
        refs = list(ref) if isinstance(ref, (tuple, list)) else [ref]
        assert len(refs) == len(outs)
        for o, r in zip(outs, refs):
            if o.dtype == tg.string:  # string ops: exact bytes
                np.testing.assert_array_equal(o.numpy(), r)
            else:
                np.testing.assert_allclose(o.numpy(), r, rtol=spec["rtol"], atol=spec["atol"])
            assert o.shape == np.shape(r)


@pytest.mark.parametrize("op,k,spec", DIFF, ids=DIFF_IDS)
def test_vjp_matches_numerical(op: Any, k: int, spec: dict[str, Any]) -> None:
    rng = np.random.default_rng(1)
    arrays = _arrays(spec)
    idx = _grad_idx(spec, arrays)
    outs = diff_outputs(spec["call"](tg, *[tg.constant(a) for a in arrays]))
    weights = weights_for(outs, rng)
    grads = tape_gradients(spec["call"], arrays, idx, weights)
    L, _ = scalar_fn(spec["call"], arrays, weights)
    for i, g in zip(idx, grads):
        assert g is not None, f"{op.name}: gradient for input {i} is None"
        g = tg.convert_to_tensor(g)
        assert g.dtype == tg.as_dtype(arrays[i].dtype) and g.shape == arrays[i].shape
        for _ in range(2):
            u = direction(arrays[i], rng)
            num = numeric_directional(L, arrays, i, u)
            np.testing.assert_allclose(inner(g.numpy(), u), num, rtol=1e-5, atol=1e-6,
                                       err_msg=f"{op.name}: VJP of input {i} disagrees with central differences")


@pytest.mark.parametrize("op,k,spec", [t for t in DIFF if t[0].jvp is not None],
                         ids=[i for i, t in zip(DIFF_IDS, DIFF) if t[0].jvp is not None])
def test_jvp_vjp_adjoint(op: Any, k: int, spec: dict[str, Any]) -> None:
    """<u, J v> == <J^T u, v> for the op's own recorded entries, on raw arrays."""
    rng = np.random.default_rng(2)
    arrays = _arrays(spec)
    if spec["complex"]:
        arrays = _complexify(spec, arrays, rng)
    ts = [tg.constant(a) for a in arrays]
    with tg.GradientTape(persistent=True) as tape:
        for t in ts:
            if t.dtype.is_floating or t.dtype.is_complex:
                tape.watch(t)
        spec["call"](tg, *ts)
    entries = [e for e in tape._tape.entries if e[0] is op]
    assert entries, f"{op.name}: calling the spec recorded no {op.name} entry"
    for e in entries:
        _, in_ids, oid, ins, out, p = e
        if out is None:
            out = op.fwd(NUMPY, *ins, **p)
        outs = list(out) if op.multi else [out]
        us = [direction(np.asarray(o), rng) if np.asarray(o).dtype.kind in "fc" else np.zeros(np.shape(o))
              for o in outs]
        vs = [direction(np.asarray(v), rng) if np.asarray(v).dtype.kind in "fc" else None for v in ins]
        needs = tuple(v is not None for v in vs)
        g = tuple(us) if op.multi else us[0]
        with np.errstate(all="ignore"):
            back = op.vjp(NUMPY, g, ins, out, p, needs)
            fwd = op.jvp(NUMPY, tuple(vs), ins, out, p)
        fwds = list(fwd) if op.multi else [fwd]
        lhs = sum(inner(u, np.broadcast_to(f, np.shape(u))) for u, f in zip(us, fwds) if f is not None)
        back = [b._densify(False) if isinstance(b, tg.IndexedSlices) else b for b in back]
        rhs = sum(inner(fit(NUMPY, b, np.asarray(x), 0), v) for b, x, v in zip(back, ins, vs)
                  if b is not None and v is not None)
        np.testing.assert_allclose(lhs, rhs, rtol=1e-7, atol=1e-9, err_msg=f"{op.name}: JVP and VJP disagree")


ORDER2 = [(op, k, s, c) for op, k, s in DIFF if s["order2"] for c in ((False, True) if s["complex"] else (False,))]
ORDER2_IDS = [f"{op.name}-{s['name'] or k}{'-complex' if c else ''}" for op, k, s, c in ORDER2]


@pytest.mark.parametrize("op,k,spec,cplx", ORDER2, ids=ORDER2_IDS)
def test_second_order(op: Any, k: int, spec: dict[str, Any], cplx: bool) -> None:
    """Hessian-vector products through nested tapes vs central differences of the first-order gradient
    (complex inputs too, where the op supports them: rules must not mix real and complex tensors)."""
    rng = np.random.default_rng(3)
    arrays = _arrays(spec)
    if cplx:
        arrays = _complexify(spec, arrays, rng)
    idx = _grad_idx(spec, arrays)
    outs = diff_outputs(spec["call"](tg, *[tg.constant(a) for a in arrays]))
    weights = weights_for(outs, rng)
    vs = [direction(arrays[i], rng) for i in idx]

    def first(xs: list[np.ndarray]) -> float:
        gs = tape_gradients(spec["call"], xs, idx, weights)
        return sum(inner(tg.convert_to_tensor(g).numpy(), v) for g, v in zip(gs, vs) if g is not None)

    ts = [tg.constant(a) for a in arrays]
    with tg.GradientTape() as outer:
        for i in idx:
            outer.watch(ts[i])
        with tg.GradientTape() as inner_tape:
            for i in idx:
                inner_tape.watch(ts[i])
            L = loss_of(diff_outputs(spec["call"](tg, *ts)), weights)
        gs = inner_tape.gradient(L, [ts[i] for i in idx])
        s = None
        for g, v in zip(gs, vs):
            if g is not None:
                # the real pairing Re(sum(conj(g) * v)): the directional derivative along v
                term = tg.reduce_sum(tg.math.real(tg.math.conj(tg.convert_to_tensor(g)) * tg.constant(v)))
                s = term if s is None else s + term
    hv = outer.gradient(s, [ts[i] for i in idx], unconnected_gradients="zero")
    for i, h in zip(idx, hv):
        u = direction(arrays[i], rng)
        num = numeric_directional(first, arrays, i, u, eps=1e-5)
        np.testing.assert_allclose(inner(tg.convert_to_tensor(h).numpy(), u), num, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{op.name}: second derivative wrt input {i} is wrong")


@pytest.mark.parametrize("op,k,spec", DIFF, ids=DIFF_IDS)
def test_float32_gradients_keep_dtype(op: Any, k: int, spec: dict[str, Any]) -> None:
    arrays = [a.astype(np.float32) if a.dtype == np.float64 else a for a in _arrays(spec)]
    idx = _grad_idx(spec, arrays)
    ts = [tg.constant(a) for a in arrays]
    with tg.GradientTape() as tape:
        for i in idx:
            tape.watch(ts[i])
        outs = diff_outputs(spec["call"](tg, *ts))
        L = tg.add_n([tg.reduce_sum(o) for o in outs]) if len(outs) > 1 else tg.reduce_sum(outs[0])
    for i, g in zip(idx, tape.gradient(L, [ts[i] for i in idx])):
        assert g is not None
        assert g.dtype == ts[i].dtype, f"{op.name}: float32 input {i} got a {g.dtype.name} gradient"


@pytest.mark.parametrize("op,k,spec", [t for t in DIFF if t[2]["complex"]],
                         ids=[i for i, t in zip(DIFF_IDS, DIFF) if t[2]["complex"]])
def test_complex_gradient(op: Any, k: int, spec: dict[str, Any]) -> None:
    """For a real loss L(z) the gradient is dL/dx + i dL/dy (TF's convention, reference §7)."""
    rng = np.random.default_rng(4)
    arrays = _complexify(spec, _arrays(spec), rng)
    idx = _grad_idx(spec, arrays)
    outs = diff_outputs(spec["call"](tg, *[tg.constant(a) for a in arrays]))
    weights = weights_for(outs, rng)
    grads = tape_gradients(spec["call"], arrays, idx, weights)
    L, _ = scalar_fn(spec["call"], arrays, weights)
    for i, g in zip(idx, grads):
        g = tg.convert_to_tensor(g).numpy()
        for part in (1.0, 1j):
            u = direction(arrays[i].real, rng) * part
            np.testing.assert_allclose(inner(g, u), numeric_directional(L, arrays, i, u), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{op.name}: complex gradient of input {i} ({part} direction)")


def _outcome(spec: dict[str, Any], compiled: bool, shapes: Any = None) -> Any:
    from .conformance.ops_lane import compute

    try:
        return compute(tg, spec, compiled=compiled, shapes=shapes)
    except Exception as exc:  # noqa: BLE001 - compared by type
        return type(exc)


@pytest.mark.parametrize("op,k,spec", ALL, ids=IDS)
def test_compiled_matches_eager(op: Any, k: int, spec: dict[str, Any]) -> None:
    """Forward values and the gradient of a random projection, as one ``tapegrad.function`` (its second call runs
    the compiled program) and eagerly: the same dtypes, shapes and values (random ops: the same dtypes and shapes;
    their compiled draws are a different stream, as in TF), or the same exception type."""
    eager = _outcome(spec, compiled=False)
    compiled = _outcome(spec, compiled=True, shapes=None if isinstance(eager, type) else [o[1] for o in eager["out"]])
    if isinstance(eager, type):
        assert compiled is eager
        return
    assert not isinstance(compiled, type), f"compiled raised {compiled.__name__}"
    assert [o[:2] for o in compiled["out"]] == [o[:2] for o in eager["out"]]
    assert [g is None for g in compiled["grad"]] == [g is None for g in eager["grad"]]
    again = _outcome(spec, compiled=False)
    if any(not np.array_equal(a[2], b[2], equal_nan=a[2].dtype.kind not in "OSU") for a, b in zip(again["out"],
                                                                                          eager["out"])):
        return  # a random op: eager runs differ from each other
    for (_, _, got), (_, _, want) in zip(compiled["out"], eager["out"]):
        if want.dtype.kind in "OSU":  # strings: exact bytes
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, equal_nan=True)
    for got, want in zip(compiled["grad"], eager["grad"]):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, equal_nan=True)
