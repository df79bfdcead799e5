"""Size-polymorphic saved graphs: one saved graph serves every size of a signature's ``None`` dimensions.

A traced graph bakes its sizes (reshape targets, value shapes, sum-to shapes of gradients). The live
``tapegrad.function`` runs its Python body again for a new size when the compiler cannot replay its trace
soundly (``compiler/shapes.py``: Keras layers read static shapes, ``Flatten`` reshapes to traced sizes); a loaded
function has no body. So ``save`` traces a function with ``None`` dims three times, with every ``None`` dim set to
``n`` = 2, 3 and 5, and compares the three graphs written as JSON: they must be the same tree except for integers,
and every integer that differs must be ``a * n + c`` for one ``(a, c)`` at all three sizes (two sizes fit the
line, the third checks it). The graph at ``n = 2`` is saved with the list of such *holes*; ``load`` fills them
for the size of a call (every ``None`` dim of that call equal to one ``n``) and compiles the result. Anything else
(a constant array or float that changes with ``n``, a different node list, a size that is not affine in ``n``)
leaves the function without a polymorphic graph: it then serves the traced shapes and sound generic replays only.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ._serialize import Encoder, Unserialisable

PROBES = (2, 3, 5)


class _NotAffine(Exception):
    pass


def _diff(a: Any, b: Any, c: Any, path: tuple[Any, ...], holes: list[Any], arrays: list[dict[str, Any]]) -> None:
    """Walk three JSON trees in step; record ``(path, slope, offset)`` for ints affine in the probe size."""
    ta, tb, tc = type(a), type(b), type(c)
    if not (ta is tb is tc):
        raise _NotAffine(f"{path}: types differ")
    if ta is int:
        if a == b == c:
            return
        n0, n1, n2 = PROBES
        if (b - a) % (n1 - n0):
            raise _NotAffine(f"{path}: {a}, {b}, {c}")
        slope = (b - a) // (n1 - n0)
        offset = a - slope * n0
        if slope * n2 + offset != c:
            raise _NotAffine(f"{path}: {a}, {b}, {c} is not affine in the size")
        holes.append([list(path), slope, offset])
        return
    if ta is list:
        if not (len(a) == len(b) == len(c)):
            raise _NotAffine(f"{path}: lengths differ")
        for k, (x, y, z) in enumerate(zip(a, b, c)):
            _diff(x, y, z, path + (k,), holes, arrays)
        return
    if ta is dict:
        if not (list(a) == list(b) == list(c)):
            raise _NotAffine(f"{path}: tags differ")
        if "array" in a or "np_scalar" in a:
            key = "array" if "array" in a else "np_scalar"
            xs = [arrays[i][v[key]] for i, v in enumerate((a, b, c))]
            if not all(x.shape == xs[0].shape and x.dtype == xs[0].dtype for x in xs[1:]):
                raise _NotAffine(f"{path}: a constant array's shape or dtype changes with the size")
            if all(np.array_equal(x, xs[0], equal_nan=True) for x in xs[1:]):
                return
            if xs[0].dtype.kind not in "iu":
                raise _NotAffine(f"{path}: a constant array changes with the size")
            # an integer array (a dense_shape, a shape operand) whose entries are affine in the size
            n0, n1, n2 = PROBES
            x0, x1, x2 = (x.astype(np.int64) for x in xs)
            if np.any((x1 - x0) % (n1 - n0)):
                raise _NotAffine(f"{path}: a constant array is not affine in the size")
            slope = (x1 - x0) // (n1 - n0)
            offset = x0 - slope * n0
            if not np.array_equal(slope * n2 + offset, x2):
                raise _NotAffine(f"{path}: a constant array is not affine in the size")
            holes.append([list(path), {"slope": slope.reshape(-1).tolist(), "offset": offset.reshape(-1).tolist(),
                                       "dtype": xs[0].dtype.str, "shape": list(xs[0].shape),
                                       "scalar": key == "np_scalar"}])
            return
        for k in a:
            _diff(a[k], b[k], c[k], path + (k,), holes, arrays)
        return
    if a != b or a != c:
        raise _NotAffine(f"{path}: {a!r} differs")


def polymorphic(cf: Any, enc: Encoder, program_json: Any) -> dict[str, Any] | None:
    """The size-polymorphic form of a general concrete function (see the module docstring), or None."""
    # the probe traces run the body on example values: random generators they draw from are put back afterwards
    generators = {id(v): v for paths in cf._by_shape.values() for p in paths for n in p[0].traced_graph.nodes
                  for v in n.params.values() if isinstance(v, np.random.Generator)}
    states = {k: g.bit_generator.state for k, g in generators.items()}
    try:
        return _probe(cf, enc, program_json)
    finally:
        for k, g in generators.items():
            g.bit_generator.state = states[k]


def _probe(cf: Any, enc: Encoder, program_json: Any) -> dict[str, Any] | None:
    from .._backend import NUMPY
    from .._tensor import make

    specs = cf._specs
    graphs = []
    outs = []
    for n in PROBES:
        flat = []
        for s in specs:
            dims = s.shape.as_list() if s.shape.rank is not None else None
            if dims is None:
                return None
            dims = [n if d is None else d for d in dims]
            value = np.zeros(dims, s.dtype._np) if s.dtype._np.kind != "O" else np.full(dims, b"", dtype=object)
            flat.append(make(value, NUMPY))
        paths = cf._paths_for(flat)
        if not paths:
            try:
                cf._trace(flat, cf._call, paths)
            except Exception:  # noqa: BLE001  (the body fails for this size: no polymorphic graph)
                return None
        if len(paths) != 1:
            return None  # several data-dependent paths: kept per shape only
        program, structure, out_specs = paths[0]
        probe_enc = Encoder(enc.variable_index)
        probe_enc.prefix = f"p{n}_"
        try:
            graphs.append(probe_enc.graph(program.traced_graph))
        except Unserialisable:
            return None
        outs.append((probe_enc, structure, out_specs))
    holes: list[Any] = []
    try:
        _diff(graphs[0], graphs[1], graphs[2], (), holes, [e.arrays for e, _, _ in outs])
    except _NotAffine:
        return None
    base_enc, structure, out_specs = outs[0]
    program = cf._paths_for([make(np.zeros([PROBES[0] if d is None else d for d in s.shape.as_list()],
                                           s.dtype._np), NUMPY) for s in specs])[0][0]
    return {"graph": enc.graph(program.traced_graph), "holes": holes, "structure": program_json(structure),
            "probe": PROBES[0]}


def instantiate(graph_json: dict[str, Any], holes: list[Any], n: int, arrays: dict[str, Any]) -> dict[str, Any]:
    """``graph_json`` with every hole filled for size ``n`` (integer arrays computed are added to ``arrays``)."""
    g = copy.deepcopy(graph_json)
    for i, hole in enumerate(holes):
        path = hole[0]
        node = g
        for k in path[:-1]:
            node = node[k]
        if isinstance(hole[1], dict):
            h = hole[1]
            value = (np.asarray(h["slope"], np.int64) * n + np.asarray(h["offset"], np.int64))
            key = f"poly_{n}_{i}"
            arrays[key] = value.astype(np.dtype(h["dtype"])).reshape(h["shape"])
            node[path[-1]] = {"np_scalar" if h["scalar"] else "array": key}
        else:
            node[path[-1]] = hole[1] * n + hole[2]
    return g
