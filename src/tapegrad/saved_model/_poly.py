"""Size-polymorphic saved graphs: one saved graph serves every size of a signature's ``None`` dimensions.

A traced graph bakes its sizes (reshape targets, value shapes, sum-to shapes of gradients). The live
``tapegrad.function`` runs its Python body again for a new size when the compiler cannot replay its trace
soundly (``compiler/shapes.py``: Keras layers read static shapes, ``Flatten`` reshapes to traced sizes); a loaded
function has no body. So ``save`` gives the ``None`` dims size *symbols* (one per axis position: the batch dims of
several inputs share one; if the body refuses that, one for all), traces the function with every symbol at 2,
then each symbol alone at 3 and at 5, then (several symbols) all at 3, and compares the graphs written as JSON:
they must be the same tree except for integers, and every integer that differs must be ``c + sum(a_k * n_k)`` at
every probe (the steps to 3 fit the slopes, the others check them: a product of two sizes fails the last probe).
The graph at 2 is saved with the list of such *holes* (per data-dependent path); ``load`` fills them for the
sizes of a call (the dims of one symbol must agree) and compiles the result. Anything else
(a constant array or float that changes with ``n``, a different node list, a size that is not affine in ``n``)
leaves the function without a polymorphic graph: it then serves the traced shapes and sound generic replays only.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._serialize import Encoder, Unserialisable

BASE = 2  # every size symbol at 2; then each symbol alone at 3 and at 5 (the fit and its check); then all at 3


class _NotAffine(Exception):
    pass


def _collect(trees: list[Any], path: tuple[Any, ...], leaves: list[Any], arrays: list[dict[str, Any]]) -> None:
    """Walk the probes' JSON trees in step: the same tree but for integers (and integer constant arrays), whose
    values at each probe go to ``leaves`` as ``(path, values, array_info)``."""
    first = trees[0]
    t = type(first)
    if any(type(x) is not t for x in trees):
        raise _NotAffine(f"{path}: types differ")
    if t is int:
        if any(x != first for x in trees):
            leaves.append((path, [np.int64(x) for x in trees], None))
        return
    if t is list:
        if any(len(x) != len(first) for x in trees):
            raise _NotAffine(f"{path}: lengths differ")
        for k in range(len(first)):
            _collect([x[k] for x in trees], path + (k,), leaves, arrays)
        return
    if t is dict:
        if any(list(x) != list(first) for x in trees):
            raise _NotAffine(f"{path}: tags differ")
        if "array" in first or "np_scalar" in first:
            key = "array" if "array" in first else "np_scalar"
            xs = [arrays[i][x[key]] for i, x in enumerate(trees)]
            if any(x.shape != xs[0].shape or x.dtype != xs[0].dtype for x in xs):
                raise _NotAffine(f"{path}: a constant array's shape or dtype changes with the size")
            if all(np.array_equal(x, xs[0], equal_nan=True) for x in xs):
                return
            if xs[0].dtype.kind not in "iu":
                raise _NotAffine(f"{path}: a constant array changes with the size")
            # an integer array (a dense_shape, a shape operand) whose entries may be affine in the sizes
            leaves.append((path, [x.astype(np.int64) for x in xs],
                           {"dtype": xs[0].dtype.str, "shape": list(xs[0].shape), "scalar": key == "np_scalar"}))
            return
        for k in first:
            _collect([x[k] for x in trees], path + (k,), leaves, arrays)
        return
    if any(x != first for x in trees):
        raise _NotAffine(f"{path}: {first!r} differs")


def _plan(n_groups: int) -> list[list[int]]:
    """The probe sizes per symbol: the base, each symbol at 3 then 5, and (several symbols) all at 3."""
    plan = [[BASE] * n_groups]
    for g in range(n_groups):
        for n in (3, 5):
            sizes = [BASE] * n_groups
            sizes[g] = n
            plan.append(sizes)
    if n_groups > 1:
        plan.append([3] * n_groups)
    return plan


def _fit(values: list[Any], plan: list[list[int]]) -> tuple[list[Any], Any]:
    """Slopes per symbol and the offset of ``values`` (one per probe), or _NotAffine."""
    n_groups = len(plan[0])
    base = values[0]
    slopes = [values[1 + 2 * g] - base for g in range(n_groups)]  # (each symbol's step from 2 to 3 is one)
    offset = base - sum(s * BASE for s in slopes)
    for sizes, v in zip(plan, values):
        if not np.array_equal(offset + sum(s * n for s, n in zip(slopes, sizes)), v):
            raise _NotAffine("not affine in the sizes")
    return slopes, offset


def polymorphic(cf: Any, enc: Encoder, program_json: Any) -> dict[str, Any] | None:
    """The size-polymorphic form of a general concrete function (see the module docstring), or None."""
    # the probe traces run the body on example values: random generators they draw from are put back afterwards
    generators = {id(v): v for paths in cf._by_shape.values() for p in paths for n in p[0].traced_graph.nodes
                  for v in n.params.values() if isinstance(v, np.random.Generator)}
    states = {k: g.bit_generator.state for k, g in generators.items()}
    try:
        specs = cf._specs
        if any(s.shape.rank is None for s in specs):
            return None
        # one size symbol per axis position holding a None dim (the batch dims of several inputs share one);
        # if the body refuses sizes that differ between axes, every None dim shares one symbol
        by_axis: dict[int, list[list[int]]] = {}
        for i, s in enumerate(specs):
            for axis, d in enumerate(s.shape.as_list()):
                if d is None:
                    by_axis.setdefault(axis, []).append([i, axis])
        groups = list(by_axis.values())
        out = _probe(cf, enc, program_json, groups) if len(groups) > 1 else None
        if out is None:
            out = _probe(cf, enc, program_json, [[ia for g in groups for ia in g]])
        return out
    finally:
        for k, g in generators.items():
            g.bit_generator.state = states[k]


def _probe(cf: Any, enc: Encoder, program_json: Any, groups: list[list[list[int]]]) -> dict[str, Any] | None:
    from .._backend import NUMPY
    from .._tensor import make

    specs = cf._specs
    plan = _plan(len(groups))
    probes: list[list[Any]] = []  # per probe: its paths (program, structure, specs)
    for sizes in plan:
        dims = [list(s.shape.as_list()) for s in specs]
        for g, n in zip(groups, sizes):
            for i, axis in g:
                dims[i][axis] = n
        flat = [make(np.zeros(d, s.dtype._np) if s.dtype._np.kind != "O" else np.full(d, b"", dtype=object),
                     NUMPY) for d, s in zip(dims, specs)]
        paths = cf._paths_for(flat)
        if not paths:
            from ..compiler.function import _Explore, _explore_branches

            explore = _Explore({}) if cf._function._autograph else None
            try:  # as a first trace: both sides of each tensor-dependent if / tf.cond
                cf._trace(flat, cf._call, paths, explore=explore)
                if explore is not None and explore.ifs:
                    _explore_branches(cf, flat, cf._call, paths, explore)
            except Exception:  # noqa: BLE001  (the body fails for these sizes: no polymorphic graph)
                return None
        probes.append(list(paths))
    if len({len(p) for p in probes}) != 1:
        return None  # a different set of data-dependent paths at some size
    out_paths = []
    for k in range(len(probes[0])):
        trees, arrays = [], []
        for j, paths in enumerate(probes):
            probe_enc = Encoder(enc.variable_index)
            probe_enc.prefix = f"p{j}_"
            try:
                trees.append(probe_enc.graph(paths[k][0].traced_graph))
            except Unserialisable:
                return None
            arrays.append(probe_enc.arrays)
        leaves: list[Any] = []
        try:
            _collect(trees, (), leaves, arrays)
            holes = []
            for path, values, info in leaves:
                slopes, offset = _fit(values, plan)
                if info is None:
                    holes.append([list(path), [int(s) for s in slopes], int(offset)])
                else:
                    holes.append([list(path), {"slopes": [s.reshape(-1).tolist() for s in slopes],
                                               "offset": offset.reshape(-1).tolist(), **info}])
        except _NotAffine:
            return None
        program, structure, _ = probes[0][k]
        out_paths.append({"graph": enc.graph(program.traced_graph), "holes": holes,
                          "structure": program_json(structure)})
    return {"groups": groups, "paths": out_paths}


def instantiate(graph_json: dict[str, Any], holes: list[Any], sizes: list[int], arrays: dict[str, Any]) -> Any:
    """``graph_json`` with every hole filled for the symbols' ``sizes`` (integer arrays computed are added to
    ``arrays``)."""
    g = copy.deepcopy(graph_json)
    tag = "_".join(str(n) for n in sizes)
    for i, hole in enumerate(holes):
        path = hole[0]
        node = g
        for k in path[:-1]:
            node = node[k]
        if isinstance(hole[1], dict):
            h = hole[1]
            value = np.asarray(h["offset"], np.int64)
            for s, n in zip(h["slopes"], sizes):
                value = value + np.asarray(s, np.int64) * n
            key = f"poly_{tag}_{id(graph_json)}_{i}"
            arrays[key] = value.astype(np.dtype(h["dtype"])).reshape(h["shape"])
            node[path[-1]] = {"np_scalar" if h["scalar"] else "array": key}
        else:
            node[path[-1]] = hole[2] + sum(s * n for s, n in zip(hole[1], sizes))
    return g
