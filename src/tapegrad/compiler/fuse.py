"""Fusion for ``jit_compile=True``: partition the optimised graph into clusters and make each a Numba kernel.

``fuse(graph) -> (graph, JitReport)`` returns a graph in which every cluster of fusible nodes is replaced by one
node whose op runs a generated Numba kernel (``compiler/numba_backend``); everything else — matmul,
convolutions, linear algebra, gathers, variable reads and writes, guards, prints, random ops — stays as it was
and runs as NumPy/BLAS calls between the kernels. The program's own ``graph`` stays unfused: replay under an
outer tape and ``enable_check_numerics`` run op by op on it, so they see (and name) every individual op.

Which nodes fuse: those whose forward traces into kernel primitives (``numba_backend.symbolic``: elementwise
arithmetic, comparisons, selects, casts, broadcasts, the vectorised transcendental functions, and reductions,
forward and backward alike) with real or integer dtypes. A node's *space* is the shape its loop runs over: its
output shape, or for a reduction its input's shape.

Clustering (greedy, in program order): a node joins the open clusters of the same space that produce one of its
inputs or read one of the same inputs (all of them, merged); otherwise it starts a cluster. A cluster is *closed*
as soon as a node outside it reads one of its values — it must run before that node, so nothing later may join
it (this keeps the node order valid without a scheduler). A reduction's result is never read inside its own
cluster. Small clusters stay NumPy (a kernel call costs about what one or two ufunc calls cost): on arrays under
``SMALL`` elements fusing pays from three ops on, on larger ones from two, or one with a vectorised function
(faster than NumPy's own). Functions that only have a scalar libm
implementation in Numba (``erf``, ``arctan``, ...) fuse only on small arrays (``LIBM_MAX_SIZE``): on large ones
NumPy's SIMD ufuncs are faster.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._registry import OpDef
from ..ops.random_ops import is_random_state
from .graph import Graph, Node, is_stateful, varying_shapes

#: Arrays larger than this run libm-only functions as NumPy ufuncs rather than in a kernel (measured: NumPy's
#: SIMD arctan/erf beat a scalar libm loop by 4-10x on large arrays; the kernel wins on small ones by saving calls).
LIBM_MAX_SIZE = 4096
#: Ops never fused: views and no-ops (free in NumPy), and effects.
_SKIP = frozenset({"identity", "stop_gradient", "reshape", "expand_dims", "squeeze", "grad_pass_through",
                   "custom_gradient", "recompute_grad", "recompute_grad_n", "transpose", "shape", "size", "rank"})

_warned_missing = [False]


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def warn_no_numba() -> None:
    """Warn once per process that ``jit_compile=True`` falls back to the NumPy plan."""
    if not _warned_missing[0]:
        _warned_missing[0] = True
        warnings.warn("jit_compile=True needs Numba, which is not installed: running the NumPy plan instead. "
                      "Install the extra with `pip install tapegrad[jit]`.", RuntimeWarning, stacklevel=4)


@dataclass
class Cluster:
    space: tuple[int, ...]
    nodes: list[Node] = field(default_factory=list)
    produced: set[int] = field(default_factory=set)
    reduced: set[int] = field(default_factory=set)  # values produced by reductions (not readable inside)
    reads: set[int] = field(default_factory=set)  # external values read
    closed: bool = False
    vector: bool = False  # uses a vectorised transcendental


@dataclass
class KernelInfo:
    name: str
    nodes: list[str]
    spec: Any
    source: str
    seconds: float


@dataclass
class JitReport:
    """What fusion did: ``kernels`` (one per cluster: its node names, kernel source and compile time),
    ``compile_seconds`` (all kernels, including Numba's import on the first compile), ``unfused`` (op names
    left as NumPy calls, with counts), and ``skipped`` (a reason when fusion did not run at all)."""

    kernels: list[KernelInfo] = field(default_factory=list)
    compile_seconds: float = 0.0
    unfused: dict[str, int] = field(default_factory=dict)
    skipped: str = ""

    def summary(self) -> str:
        if self.skipped:
            return f"jit: not applied ({self.skipped})"
        fused = sum(len(k.nodes) for k in self.kernels)
        left = ", ".join(f"{k}×{v}" for k, v in sorted(self.unfused.items())) or "none"
        return (f"jit: {len(self.kernels)} kernels fusing {fused} nodes, compiled in {self.compile_seconds:.3f} s; "
                f"left to NumPy: {left}")


# -- fusibility ------------------------------------------------------------------------------------------------

_PROBE_CACHE: dict[Any, Any] = {}


def _param_key(params: dict[str, Any]) -> Any:
    items = []
    for k, v in sorted(params.items()):
        if isinstance(v, np.ndarray):
            items.append((k, "arr", v.shape, str(v.dtype), v.tobytes()))
        elif is_random_state(v):
            return None
        else:
            try:
                hash(v)
            except TypeError:
                return None
            items.append((k, type(v).__name__, v))
    return tuple(items)


def _operand_key(graph: Graph, vid: int) -> Any:
    v = graph.values[vid]
    if v.kind == "const":
        c = graph.consts[vid]
        if v.pyscalar:
            return ("py", type(c).__name__, c)
        a = np.asarray(c)
        if a.ndim == 0:
            return ("c0", str(a.dtype), a.tobytes())
    return ("a", v.shape, str(np.dtype(v.dtype)))


def probe(graph: Graph, node: Node) -> tuple[tuple[int, ...], bool, bool] | None:
    """``(space, is_reduction, uses_vector_function)`` if ``node`` can be fused, else None (cached per op,
    params and operand shapes/dtypes)."""
    op = node.op
    if op.name in _SKIP or is_stateful(node) or not isinstance(op, OpDef) or op.name not in _registry_ops():
        return None
    pk = _param_key(node.params)
    if pk is None:
        return None
    key = (op.name, pk, tuple(_operand_key(graph, i) for i in node.inputs),
           tuple((graph.values[o].shape, str(np.dtype(graph.values[o].dtype))) for o in node.outputs))
    if key in _PROBE_CACHE:
        return _PROBE_CACHE[key]  # type: ignore[no-any-return]
    res = _probe(graph, node)
    _PROBE_CACHE[key] = res
    return res


def _registry_ops() -> dict[str, OpDef]:
    from .._registry import OPS

    return OPS


def _probe(graph: Graph, node: Node) -> tuple[tuple[int, ...], bool, bool] | None:
    from .numba_backend.kernel import VECTOR_FUNCS, KernelSpec, supported_dtype
    from .numba_backend.symbolic import Reduced, SymTracer, Unfusable, trace_into

    for o in node.outputs:
        if not supported_dtype(np.dtype(graph.values[o].dtype)):
            return None
    shapes = []
    for i in node.inputs:
        v = graph.values[i]
        if not v.pyscalar and not supported_dtype(np.dtype(v.dtype)):
            return None
        shapes.append(v.shape)
    try:
        space = np.broadcast_shapes(*shapes, *[graph.values[o].shape for o in node.outputs])
    except ValueError:
        # a reduction: its outputs are smaller than its inputs
        try:
            space = np.broadcast_shapes(*shapes)
        except ValueError:
            return None
    spec = KernelSpec(tuple(space))
    tr = SymTracer(spec)
    try:
        args = _trace_args(graph, node, spec, tr)
        outs = trace_into(tr, node.op.fwd, args, _fwd_params(node))
        if len(outs) != len(node.outputs):
            return None
        reduction = False
        for o, vid in zip(outs, node.outputs):
            val = graph.values[vid]
            if o.dtype != np.dtype(val.dtype) or tuple(o.shape) != tuple(val.shape):
                return None
            if isinstance(o, Reduced):
                reduction = True
                if tuple(o.src.shape) != tuple(space):
                    return None
            elif tuple(o.shape) != tuple(space):
                return None
        for p in spec.prims:
            if math.prod(spec.shape) > LIBM_MAX_SIZE and _is_libm(p):
                return None
        vector = any(p.name in VECTOR_FUNCS for p in spec.prims)
        return tuple(space), reduction, vector
    except Unfusable:
        return None


def _is_libm(p: Any) -> bool:
    from .numba_backend.kernel import LIBM_FUNCS, VECTOR_FUNCS

    if p.name in LIBM_FUNCS or p.name == "power":
        return True
    return p.name in VECTOR_FUNCS and p.dtype not in (np.float32, np.float64)


def _fwd_params(node: Node) -> dict[str, Any]:
    return {k: v for k, v in node.params.items() if k != "target"}


def _trace_args(graph: Graph, node: Node, spec: Any, tr: Any, env: dict[int, Any] | None = None,
                inputs: dict[int, Any] | None = None) -> list[Any]:
    """The forward's arguments: Syms for arrays, Python/NumPy scalars for scalar constants."""
    args = []
    for i in node.inputs:
        if env is not None and i in env:
            args.append(env[i])
            continue
        v = graph.values[i]
        if v.kind == "const":
            c = graph.consts[i]
            if v.pyscalar:
                args.append(c)
                continue
            a = np.asarray(c)
            if a.ndim == 0:
                args.append(a[()])
                continue
        if inputs is not None and i in inputs:
            args.append(inputs[i])
            continue
        s = tr.value(spec.add_input(v.shape, np.dtype(v.dtype)))
        if inputs is not None:
            inputs[i] = s
        args.append(s)
    return args


# -- rewrites before clustering ------------------------------------------------------------------------------------


def _is_basis_batch(c: Any, n: int) -> bool:
    """``c`` is ``eye(n)[:, :, None]``: the batch of one-hot seeds a vectorised Jacobian starts from."""
    a = np.asarray(c)
    if a.shape != (n, n, 1) or a.dtype.kind != "f":
        return False
    return bool(np.count_nonzero(a) == n and np.array_equal(a[:, :, 0], np.eye(n, dtype=a.dtype)))


def rewrite_seeded_matmul(graph: Graph) -> Graph:
    """``matmul(A, E * v)`` with ``E`` the one-hot seed batch ``eye(n)[:, :, None]``, ``A`` of shape (m, n) and
    ``v`` of shape (n, 1): row ``b`` of the batch is ``A[:, b] * v[b]``, so the product is
    ``reshape(transpose(A) * v, (n, m, 1))``: an O(n·m) elementwise product instead of an O(n²·m) GEMM
    (``tape.jacobian`` of ``f(W @ x)`` builds exactly this: the VJP of the matmul applied to every seed)."""
    from .._registry import OPS

    producers = graph.producers()
    users = graph.users()
    roots = graph.roots()
    plan: dict[int, tuple[Node, list[Node]]] = {}
    for m in graph.nodes:
        if m.op.name != "matmul" or any(m.params.get(k) for k in ("ta", "tb", "aa", "ab")):
            continue
        a, b = m.inputs
        p = producers.get(b)
        if p is None or p.op.name != "multiply" or b in roots or len(users.get(b, [])) != 1:
            continue
        av = graph.values[a]
        if len(av.shape) != 2:
            continue
        mm, n = av.shape
        e, v = p.inputs if graph.values[p.inputs[0]].kind == "const" else p.inputs[::-1]
        if graph.values[e].kind != "const" or not _is_basis_batch(graph.consts[e], n):
            continue
        vv, out = graph.values[v], graph.values[m.outputs[0]]
        if tuple(vv.shape) != (n, 1) or np.dtype(vv.dtype) != np.dtype(out.dtype) or np.dtype(av.dtype) != np.dtype(
                out.dtype) or np.dtype(out.dtype).kind != "f":
            continue
        dt = out.dtype
        t = graph.new_value((n, mm), dt, "node")
        q = graph.new_value((n, mm), dt, "node")
        new = [Node(OPS["transpose"], {"perm": (1, 0), "conjugate": False}, (a,), (t,), f"{m.name}_seed_t", m.source),
               Node(OPS["multiply"], {}, (t, v), (q,), f"{m.name}_seed_scale", m.source),
               Node(OPS["reshape"], {"shape": (n, mm, 1)}, (q,), m.outputs, f"{m.name}_seed", m.source)]
        plan[id(m)] = (p, new)
    if not plan:
        return graph
    drop = {id(p) for p, _ in plan.values()}
    nodes = []
    for node in graph.nodes:
        if id(node) in drop:
            continue
        nodes.extend(plan[id(node)][1] if id(node) in plan else [node])
    graph.nodes = nodes
    return graph


# -- clustering -------------------------------------------------------------------------------------------------


def partition(graph: Graph) -> list[Cluster]:
    """Clusters of fusible nodes (program order inside each); see the module docstring for the rules."""
    open_by_value: dict[int, Cluster] = {}  # value id -> cluster that produced it
    clusters: list[Cluster] = []
    member: dict[int, Cluster] = {}  # id(node) -> cluster
    varying = varying_shapes(graph)  # sizes that change from call to call: kernels are built for the traced ones
    for node in graph.nodes:
        info = None if varying and any(v in varying for v in (*node.inputs, *node.outputs)) else probe(graph, node)
        if info is None:
            for i in node.inputs:
                c = open_by_value.get(i)
                if c is not None:
                    c.closed = True
            continue
        space, is_red, vector = info
        joins: list[Cluster] = []
        for c in clusters:
            if c.closed or c.space != space:
                continue
            if any(i in c.reduced for i in node.inputs):
                continue
            if any(i in c.produced for i in node.inputs) or any(
                    i in c.reads and graph.values[i].kind != "const" for i in node.inputs):
                joins.append(c)
        # a value of another open cluster read by this node closes that cluster (it must run first)
        for i in node.inputs:
            c = open_by_value.get(i)
            if c is not None and c not in joins:
                c.closed = True
        joins = [c for c in joins if not c.closed]
        if joins:
            target = joins[0]
            for c in joins[1:]:
                _merge(target, c, open_by_value)
                clusters.remove(c)
        else:
            target = Cluster(space)
            clusters.append(target)
        target.nodes.append(node)
        for i in node.inputs:
            if i not in target.produced:
                target.reads.add(i)
        for o in node.outputs:
            target.produced.add(o)
            open_by_value[o] = target
            if is_red:
                target.reduced.add(o)
        target.vector |= vector
        member[id(node)] = target
    return clusters


def _merge(into: Cluster, other: Cluster, open_by_value: dict[int, Cluster]) -> None:
    into.nodes.extend(other.nodes)
    into.produced |= other.produced
    into.reduced |= other.reduced
    into.reads = (into.reads | other.reads) - into.produced
    into.vector |= other.vector
    for v in other.produced:
        open_by_value[v] = into


#: Below this many elements a kernel call (~1-2 µs of dispatch) only pays when it replaces 3 or more NumPy calls.
SMALL = 2048


def _worth_it(c: Cluster) -> bool:
    """Whether a kernel beats the cluster's NumPy calls: each NumPy call costs about 0.5-1 µs of overhead plus a
    pass over memory; a kernel call costs about 1-2 µs once, then one pass for the whole cluster."""
    n = len(c.nodes)
    if math.prod(c.space) < SMALL:
        return n >= 3
    return n >= 2 or c.vector


# -- building kernels ------------------------------------------------------------------------------------------


def _build_spec(graph: Graph, c: Cluster, outputs: list[int]) -> tuple[Any, list[int]]:
    """The kernel spec of cluster ``c`` and the value ids of its array inputs (in kernel order)."""
    from .numba_backend.kernel import KernelSpec
    from .numba_backend.symbolic import Reduced, SymTracer, trace_into

    order = {id(n): k for k, n in enumerate(graph.nodes)}
    nodes = sorted(c.nodes, key=lambda n: order[id(n)])
    spec = KernelSpec(c.space)
    tr = SymTracer(spec)
    env: dict[int, Any] = {}
    inputs: dict[int, Any] = {}
    for node in nodes:
        args = _trace_args(graph, node, spec, tr, env, inputs)
        outs = trace_into(tr, node.op.fwd, args, _fwd_params(node))
        for o, vid in zip(outs, node.outputs):
            env[vid] = o
    for vid in outputs:
        o = env[vid]
        dt = np.dtype(graph.values[vid].dtype)
        shape = tuple(graph.values[vid].shape)
        if isinstance(o, Reduced):
            spec.add_output(o.src.ref, o.kind, o.axes, dt, shape)
        elif tuple(o.shape) == tuple(c.space):
            spec.add_output(o.ref, None, (), dt, shape)
        else:
            # a value that only broadcasts to the space (cannot be a cluster output): materialise it fully
            raise ValueError("cluster output smaller than its space")
    order_in = sorted(inputs, key=lambda v: inputs[v].ref.index)
    return spec, order_in


def _contiguous(x: Any, scalar: bool) -> Any:
    """A kernel argument Numba accepts: a NumPy scalar for a 0-d input, else a C-contiguous array."""
    return np.asarray(x)[()] if scalar else np.ascontiguousarray(x)


def _make_launcher(kern: Any, spec: Any) -> Any:
    """The op forward that runs the kernel: ``fwd(F, *inputs) -> output or tuple of outputs``.

    Generated with the kernel's arity (no ``*args`` packing: a kernel call costs about as much as a ufunc call, so
    the wrapper must add little). Inputs go in as they are; when Numba refuses one (a non-contiguous view, a 0-d
    array where the kernel takes a scalar), the call is redone with converted inputs, and since a program's ops
    make the same layouts on every call, the launcher converts from then on (an exception per call would cost
    more than the kernel)."""
    n_in, n_out = len(spec.inputs), len(spec.outputs)
    xs = [f"x{j}" for j in range(n_in)]
    outs = [f"o{r}" for r in range(n_out)]
    ns: dict[str, Any] = {"empty": np.empty, "conv": _contiguous, "kernel": kern.fn, "slow": [False]}
    lines = [f"def run(F, {', '.join(xs)}):" if xs else "def run(F):"]
    for r, o in enumerate(spec.outputs):
        ns[f"S{r}"], ns[f"D{r}"] = o.shape, o.dtype
        lines.append(f"    o{r} = empty(S{r}, D{r})")
    call_args = ", ".join(xs + outs)
    conv_args = ", ".join([f"conv(x{j}, {spec.inputs[j].shape == ()})" for j in range(n_in)] + outs)
    lines += ["    if slow[0]:", f"        bad = kernel({conv_args})", "    else:", "        try:",
              f"            bad = kernel({call_args})", "        except TypeError:", "            slow[0] = True",
              f"            bad = kernel({conv_args})"]
    if kern.limited:  # sin/cos beyond the vector range: rerun with libm (rare)
        ns["k"] = kern
        lines += ["    if bad:", f"        k.libm({conv_args})"]
    lines.append(f"    return {outs[0] if n_out == 1 else '(' + ', '.join(outs) + ',)'}")
    exec("\n".join(lines) + "\n", ns)  # noqa: S102  # generated from the spec's arity only
    return ns["run"]


def _softmax_node(graph: Graph, node: Node) -> Node | None:
    """A ``softmax`` over the last axis of a float32/float64 array as one row kernel (max, exp and sum, divide in
    one call, no temporaries), or None. Its forward is several passes with reductions, which the elementwise
    kernels cannot express."""
    if node.op.name != "softmax":
        return None
    x = graph.values[node.inputs[0]]
    shape, dt = tuple(x.shape), np.dtype(x.dtype)
    if dt not in (np.float32, np.float64) or not shape or node.params.get("axis") not in (-1, len(shape) - 1):
        return None
    from .numba_backend import vmath

    kern = vmath.softmax_rows_f32 if dt == np.float32 else vmath.softmax_rows_f64
    rows, m = math.prod(shape[:-1]), shape[-1]
    if rows * m == 0:
        return None

    def softmax_fwd(F: Any, x: Any) -> Any:
        out = np.empty(shape, dt)
        kern(np.ascontiguousarray(x).reshape(rows, m), out.reshape(rows, m))
        return out

    op = OpDef("fused_softmax", softmax_fwd, fused=[node.name])
    return Node(op, {}, node.inputs, node.outputs, node.name, node.source)


def jit_graph(graph: Graph) -> tuple[Graph, JitReport]:
    """The graph the jit generates code from: :func:`fuse`'s result, or ``graph`` itself (with a one-time
    warning naming the ``[jit]`` extra) when Numba is not installed."""
    if not numba_available():
        warn_no_numba()
        return graph, JitReport(skipped="Numba is not installed (pip install tapegrad[jit])")
    return fuse(graph)


def fuse(graph: Graph) -> tuple[Graph, JitReport]:
    """A copy of ``graph`` with each worthwhile cluster replaced by one kernel node, and a report."""
    from .numba_backend import loader

    report = JitReport()
    t0 = time.perf_counter()
    graph = rewrite_seeded_matmul(graph.copy())
    clusters = [c for c in partition(graph) if _worth_it(c)]
    users = graph.users()
    roots = graph.roots()
    replaced: dict[int, Node] = {}  # id(last node of a cluster) -> fused node
    removed: set[int] = set()
    for k, c in enumerate(clusters):
        members = {id(n) for n in c.nodes}
        outputs = [o for n in c.nodes for o in n.outputs
                   if o in roots or any(id(u) not in members for u in users.get(o, []))]
        if not outputs:
            continue
        try:
            spec, in_vids = _build_spec(graph, c, outputs)
            kern, src, seconds = loader.load(spec)
        except Exception as e:  # noqa: BLE001  # a kernel that does not build leaves its nodes to NumPy
            warnings.warn(f"jit: cluster of {[n.name for n in c.nodes]} left to NumPy ({type(e).__name__}: {e})",
                          RuntimeWarning, stacklevel=2)
            continue
        name = f"fused_{k}"
        op = OpDef(name, _make_launcher(kern, spec),
                   multi=len(outputs) > 1, kernel_source=src, fused=[n.name for n in c.nodes])
        order = {id(n): i for i, n in enumerate(graph.nodes)}
        last = max(c.nodes, key=lambda n: order[id(n)])
        replaced[id(last)] = Node(op, {}, tuple(in_vids), tuple(outputs), name, last.source)
        removed |= members
        report.kernels.append(KernelInfo(name, [n.name for n in c.nodes], spec, src, seconds))
    g = graph.copy()
    nodes = []
    for old, new in zip(graph.nodes, g.nodes):
        row = _softmax_node(graph, old) if id(old) not in removed else None
        if id(old) in replaced:
            nodes.append(replaced[id(old)])
        elif row is not None:
            nodes.append(row)
            report.kernels.append(KernelInfo(row.name, [old.name], None, "vmath.softmax_rows", 0.0))
        elif id(old) not in removed:
            nodes.append(new)
            if not old.op.name.startswith("fused_") and old.op.name in _registry_ops():
                report.unfused[old.op.name] = report.unfused.get(old.op.name, 0) + 1
    g.nodes = nodes
    report.compile_seconds = time.perf_counter() - t0
    return g, report
