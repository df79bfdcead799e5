"""The compiler's IR: a :class:`Graph` is a list of :class:`Node` in program order over integer value ids.

A node is what a tape entry already is: an :class:`~tapegrad._registry.OpDef` from the registry, its params and
the ids of its input and output values. Shapes, dtypes, forward and gradient rules all come from the registry;
the compiler has no op table of its own. A few pseudo-ops that are not array computations (variable reads and
writes, guards, prints) are :class:`OpDef` objects defined here and never registered.

Values are SSA: every id is defined once, by a graph input, a constant, or one node's output. Variables are
SSA too: the first touch of a captured Variable is a ``read_variable`` node, an ``assign*`` is a node whose
output is the variable's next value, and ``Graph.stores`` lists the final value of each written variable,
written back when the program ends (after every guard has passed, so a guard miss leaves no half-applied
update behind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._backend import NUMPY
from .._registry import OpDef
from .._tensor import scatter_into
from ..ops.random_ops import is_random_state


def _read_fwd(F: Any, *, var: Any) -> Any:
    return var._value


# ``target`` (the Variable, or ("input", k)) rides along in the params of variable updates: the forward ignores it.
def _assign_fwd(F: Any, old: Any, value: Any, target: Any = None) -> Any:
    new = F.array(value, copy=True)
    return new[()] if new.ndim == 0 else new


def _assign_add_fwd(F: Any, old: Any, delta: Any, target: Any = None) -> Any:
    return old + delta


def _assign_sub_fwd(F: Any, old: Any, delta: Any, target: Any = None) -> Any:
    return old - delta


def _scatter_fwd(F: Any, old: Any, idx: Any, vals: Any, *, mode: str, target: Any = None, lead: int = 1) -> Any:
    if lead != 1:  # sliced assignment / scatter_nd: rows computed (and bounds-checked) from guarded indices
        return scatter_into(F, old, idx, F.broadcast_to(vals, idx.shape + old.shape[lead:]), mode, lead)
    if idx.size and (idx.min() < 0 or idx.max() >= old.shape[0]):
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError(f"scatter_{mode}: indices {np.asarray(idx).tolist()} out of range for a variable "
                                   f"with first dimension {old.shape[0]}.")
    return scatter_into(F, old, idx, vals, mode)


def _guard_fwd(F: Any, x: Any, *, kind: str, expect: Any) -> None:
    if not guard_holds(x, kind, expect):
        from .trace import GuardMiss

        raise GuardMiss(f"guard {kind}() == {expect!r} does not hold")


def _print_fwd(F: Any, *xs: Any, fmt: Any) -> None:
    fmt(xs)


READ_VARIABLE = OpDef("read_variable", _read_fwd)
ASSIGN = OpDef("assign", _assign_fwd)
ASSIGN_ADD = OpDef("assign_add", _assign_add_fwd)
ASSIGN_SUB = OpDef("assign_sub", _assign_sub_fwd)
SCATTER = OpDef("scatter", _scatter_fwd)
GUARD = OpDef("guard", _guard_fwd)
PRINT = OpDef("print", _print_fwd)
ASSIGN_OPS = {"assign": ASSIGN, "assign_add": ASSIGN_ADD, "assign_sub": ASSIGN_SUB}
# Nodes a pass may never drop, merge, or move across each other: checks and effects visible outside the program.
EFFECT_OPS = frozenset({GUARD, PRINT})
# Ops whose output shapes depend on their input *values* (not only on input shapes) without a guard: their outputs
# and everything computed from them get new sizes from call to call (an op may also declare ``dynamic_shape=True``
# in its OpDef meta).
DYNAMIC_SHAPE_OPS = frozenset({"where_indices", "unique", "unique_with_counts", "host_value", "host_values",
                               "py_function", "numpy_function"})


def varying_shapes(graph: Graph) -> set[int]:
    """Value ids whose shapes may differ between calls with the same input shapes (see ``DYNAMIC_SHAPE_OPS``)."""
    out: set[int] = set()
    for n in graph.nodes:
        if n.op.name in DYNAMIC_SHAPE_OPS or n.op.meta.get("dynamic_shape") or (out and any(
                i in out for i in n.inputs)):
            out.update(n.outputs)
    return out


def guard_holds(x: Any, kind: str, expect: Any) -> bool:
    """Whether a tensor-to-Python conversion recorded at trace time gives the same answer for ``x``."""
    if kind == "bool":
        return bool(x) == expect
    if kind == "numpy":
        # equal_nan only for numbers: isnan is undefined on strings/bytes (a string guard raised TypeError)
        nan_ok = np.asarray(x).dtype.kind in "fc" and np.asarray(expect).dtype.kind in "fc"
        return x.shape == expect.shape and bool(np.array_equal(x, expect, equal_nan=nan_ok))
    v = x.item() if hasattr(x, "item") else x
    r = float(v) if kind == "float" else int(v) if kind == "int" else complex(v)
    return r == expect or (r != r and expect != expect)


def is_stateful(node: Node) -> bool:
    """Effects and random ops (a ``np.random.Generator`` or random-kernel param): never removed, merged or folded."""
    if node.op in EFFECT_OPS or node.op.meta.get("stateful"):  # meta: host calls (compiler/host.py)
        return True
    for v in node.params.values():
        if is_random_state(v):
            return True
    return False


class Node:
    """One operation: ``outputs = op.fwd(F, *inputs, **params)`` (a multi-output op has several outputs).

    * ``op``: the registry's :class:`OpDef` (or one of this module's pseudo-ops).
    * ``params``: keyword arguments of the forward, frozen at trace time.
    * ``inputs`` / ``outputs``: value ids (``int``) into :attr:`Graph.values`.
    * ``name``: a readable name (``sin_3``), used for the output variable in generated code.
    * ``source``: ``(filename, line)`` of the user's code that ran the op, or None.
    """

    __slots__ = ("op", "params", "inputs", "outputs", "name", "source")

    def __init__(self, op: OpDef, params: dict[str, Any], inputs: tuple[int, ...], outputs: tuple[int, ...],
                 name: str = "", source: tuple[str, int] | None = None) -> None:
        self.op = op
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
        self.name = name or op.name
        self.source = source

    def __repr__(self) -> str:
        outs = ", ".join(f"%{o}" for o in self.outputs)
        ins = ", ".join(f"%{i}" for i in self.inputs)
        ps = "".join(f", {k}={_short(v)}" for k, v in self.params.items())
        return f"{outs or '_'} = {self.op.name}({ins}{ps})"


def _short(v: Any) -> str:
    r = repr(v) if not isinstance(v, np.ndarray) else f"array{v.shape}"
    return r if len(r) <= 40 else r[:37] + "..."


@dataclass
class Value:
    """What is known about a value: its shape and dtype (from the trace), and how it is defined.

    ``kind`` is ``"input"``, ``"const"`` (frozen at trace time; see :attr:`Graph.consts`) or ``"node"``.
    ``pyscalar``: a Python number (kept weak, as the eager binary fast path keeps it).
    """

    shape: tuple[int, ...]
    dtype: Any
    kind: str
    pyscalar: bool = False


@dataclass
class Graph:
    """A traced program: nodes in execution order plus its inputs, constants, outputs and variable stores.

    * ``inputs``: value ids of the flat inputs, in call order; ``input_variables[k]`` is True when input ``k``
      was a Variable (read live at call time; its updates go to the caller's variable).
    * ``consts``: value id → frozen value (NumPy array, NumPy scalar or Python number).
    * ``outputs``: value ids of the flat outputs.
    * ``stores``: ``(target, value id)`` written back after the last node, in order: ``target`` is a captured
      Variable or ``("input", k)`` for a Variable passed as input ``k``.
    * ``names``: value id → readable name (inputs use the frontend's names).
    """

    nodes: list[Node] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    input_variables: list[bool] = field(default_factory=list)
    values: dict[int, Value] = field(default_factory=dict)
    consts: dict[int, Any] = field(default_factory=dict)
    outputs: list[int] = field(default_factory=list)
    stores: list[tuple[Any, int]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    next_vid: int = 0
    backend: Any = NUMPY  # the array namespace the program runs on (the inputs' and variables' ``_xp``)
    # (internal) id(node) -> (node, direct-call template or None), memoised by lower.node_template
    lowered: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- building ------------------------------------------------------------------------------------------------
    def new_value(self, shape: tuple[int, ...], dtype: Any, kind: str, pyscalar: bool = False) -> int:
        vid = self.next_vid
        self.next_vid += 1
        self.values[vid] = Value(tuple(shape), dtype, kind, pyscalar)
        return vid

    def add_const(self, value: Any) -> int:
        py = type(value) in (int, float, bool, complex)
        vid = self.new_value(() if py else tuple(np.shape(value)), type(value) if py else value.dtype, "const", py)
        self.consts[vid] = value
        return vid

    def producers(self) -> dict[int, Node]:
        """value id → the node that defines it."""
        return {o: n for n in self.nodes for o in n.outputs}

    def users(self) -> dict[int, list[Node]]:
        """value id → the nodes that read it, in program order."""
        out: dict[int, list[Node]] = {}
        for n in self.nodes:
            for i in n.inputs:
                out.setdefault(i, []).append(n)
        return out

    def roots(self) -> set[int]:
        """Values that must be computed whatever the passes do: outputs and stored variable values."""
        return set(self.outputs) | {v for _, v in self.stores}

    def copy(self) -> Graph:
        """A shallow structural copy: new node objects and lists, same ops, params and constants."""
        g = Graph(inputs=list(self.inputs), input_variables=list(self.input_variables),
                  values=dict(self.values), consts=dict(self.consts), outputs=list(self.outputs),
                  stores=list(self.stores), names=dict(self.names), next_vid=self.next_vid, backend=self.backend)
        g.nodes = [Node(n.op, dict(n.params), n.inputs, n.outputs, n.name, n.source) for n in self.nodes]
        return g

    def substitute(self, mapping: dict[int, int]) -> None:
        """Replace uses of value ids by others (``mapping`` old → new, resolved transitively)."""
        if not mapping:
            return

        def res(v: int) -> int:
            while v in mapping:
                v = mapping[v]
            return v

        for n in self.nodes:
            if any(i in mapping for i in n.inputs):
                n.inputs = tuple(res(i) for i in n.inputs)
        self.outputs = [res(o) for o in self.outputs]
        self.stores = [(t, res(v)) for t, v in self.stores]

    # -- display -------------------------------------------------------------------------------------------------
    def __str__(self) -> str:
        lines = [f"graph({', '.join(f'%{i}' for i in self.inputs)}):"]
        for vid, c in self.consts.items():
            lines.append(f"  %{vid} = const {_short(c)}")
        for n in self.nodes:
            src = f"    # {n.source[0].rsplit('/', 1)[-1]}:{n.source[1]}" if n.source else ""
            lines.append(f"  {n!r}{src}")
        for t, v in self.stores:
            lines.append(f"  store {_target_name(t)} <- %{v}")
        lines.append(f"  return {', '.join(f'%{o}' for o in self.outputs)}")
        return "\n".join(lines)


def _target_name(t: Any) -> str:
    if isinstance(t, tuple):
        return f"input[{t[1]}]"
    return repr(getattr(t, "name", t))
