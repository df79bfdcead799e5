"""The compiled program: optimised graph + generated code, callable with the flat inputs.

With no recorder active the program runs its generated function. Under an outer GradientTape, a forward
accumulator or another trace, it replays its nodes through the dispatcher instead, so every node is recorded by
them with the registry's own rules: the program is differentiable (to any order) and inlines into outer traces.
"""

from __future__ import annotations

import time
from typing import Any

from .._tape import Tape, local
from .codegen import compile_source, generate
from .graph import Graph
from .replay import replay

DEFAULT_OPTIONS: dict[str, bool] = {"dce": True, "cse": True, "fold": True, "simplify": True, "inplace": True,
                                    "plan": True, "taped": True}


class Program:
    """A traced and compiled function of flat tensor inputs (see :func:`tapegrad.compiler.trace.trace`).

    * ``program(inputs)`` → list of fresh output Tensors; raises :class:`~tapegrad.compiler.trace.GuardMiss`
      when a guard recorded at trace time does not hold for these inputs.
    * ``graph``: the optimised :class:`~tapegrad.compiler.graph.Graph`; ``traced_graph``: the graph as traced.
    * ``code``: the generated Python source; :meth:`pretty_printed_code` adds a header.
    * ``trace_seconds`` / ``compile_seconds``: time spent tracing / optimising, planning and generating code.
    """

    def __init__(self, graph: Graph, structure: Any, *, name: str = "fn", trace_seconds: float = 0.0,
                 jit_compile: bool = False, options: dict[str, Any] | None = None) -> None:
        t0 = time.perf_counter()
        self.name = name
        self.output_structure = structure
        self.trace_seconds = trace_seconds
        self.jit_compile = jit_compile
        self.options = dict(DEFAULT_OPTIONS)
        if options:
            unknown = set(options) - set(DEFAULT_OPTIONS)
            if unknown:
                raise ValueError(f"unknown compiler options {sorted(unknown)}; known: {sorted(DEFAULT_OPTIONS)}")
            self.options.update(options)
        self.feeds: list[Any] = []  # dataset elements fed on every call (compiler/datasets.py; set by trace())
        self.same_datasets: list[Any] = []
        if jit_compile:
            check_xla(graph, name)  # what XLA refuses, TF refuses at the first call: so does jit_compile=True
            graph = _without_asserts(graph)  # XLA drops TF's Assert ops: so does jit_compile=True
        self.traced_graph = graph
        from .passes import optimize

        self.graph = optimize(graph, self.options)
        # what runs through the dispatcher under an outer recorder: registry ops only (a fusion pass that rewrites
        # self.graph leaves this one alone, so gradients through the program keep the registry's rules)
        self.replay_graph = self.graph
        # jit_compile: clusters of fusible nodes become Numba kernel nodes in self.graph (see fuse.py)
        self.jit_report = None
        if jit_compile:
            from .fuse import jit_graph

            self.graph, self.jit_report = jit_graph(self.graph)
        plan = None
        if self.options["plan"]:
            from .plan import make_plan

            plan = make_plan(self.graph)
        self.plan = plan
        self.code, bindings, self.filename = generate(self.graph, name, plan)
        self.fn = compile_source(self.code, bindings, self.filename)
        self.compile_seconds = time.perf_counter() - t0

    def __call__(self, inputs: list[Any]) -> list[Any]:
        if local.tapes:
            if (self.options["taped"] and local.tracer is None and not local.accumulators
                    and all(type(t) is Tape for t in local.tapes)):  # (not the check-numerics recorder)
                # under a GradientTape: one recorded op with a compiled gradient (compiler/taped.py)
                from .taped import call_recorded

                outs = call_recorded(self, inputs)
                if outs is not None:
                    return outs
            return replay(self.replay_graph, inputs)
        return self.fn(inputs)

    def pretty_printed_code(self) -> str:
        """The generated Python source with a header naming the function and its timings."""
        head = (f"# tapegrad.function {self.name!r}: {len(self.graph.nodes)} nodes "
                f"({len(self.traced_graph.nodes)} traced); traced in {self.trace_seconds * 1e3:.1f} ms, "
                f"compiled in {self.compile_seconds * 1e3:.1f} ms\n")
        if self.jit_report is not None:  # jit_compile=True: what fused, and the kernels' compile time
            head += f"# {self.jit_report.summary()}\n"
        return head + self.code

    def __repr__(self) -> str:
        return f"<tapegrad Program {self.name!r}: {len(self.graph.inputs)} inputs, {len(self.graph.nodes)} nodes>"


def _without_asserts(graph: Graph) -> Graph:
    """``graph`` without its ``tf.debugging.assert_*`` check nodes."""
    from ..ops.assert_ops import ASSERT

    if not any(n.op is ASSERT for n in graph.nodes):
        return graph
    g = graph.copy()
    g.nodes = [n for n in g.nodes if n.op is not ASSERT]
    return g


# Ops XLA cannot compile, by op name (TF 2.21's kernel names in parentheses). An op can also declare itself with
# ``xla=False`` in its OpDef meta (``unique_with_counts``). String tensors are refused before, by the trace
# (``trace._refuse_strings``).
XLA_REFUSED = {"print": "tf.print (PrintV2)", "numpy_function": "tf.numpy_function (PyFunc)",
               "py_function": "tf.py_function (EagerPyFunc)", "py_function_grad": "tf.py_function's gradient"}


def check_xla(graph: Graph, name: str) -> None:
    """Raise TF's ``InvalidArgumentError`` when ``graph`` has a node XLA cannot compile (``jit_compile=True``)."""
    from ..errors import InvalidArgumentError

    for n in graph.nodes:
        what = XLA_REFUSED.get(n.op.name)
        if what is None and n.op.meta.get("xla") is False:
            what = f"{n.op.name!r}"
        if what is not None:
            where = f" (at {n.source[0]}:{n.source[1]})" if n.source else ""
            raise InvalidArgumentError(
                f"jit_compile=True: XLA cannot compile {what}{where} in tapegrad.function {name!r} (TF raises "
                "'Detected unsupported operations when trying to compile graph' for it). Run the function with "
                "jit_compile=False, or call this op outside the jit-compiled function.")
