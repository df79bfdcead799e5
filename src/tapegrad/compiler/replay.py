"""Eager replay: run a graph's nodes through the dispatcher, so active recorders record every node.

Used when a program is called under an outer GradientTape / ForwardAccumulator (the program is differentiable to
any order, with the registry's rules) or inside another trace (the nodes inline into the outer graph).
Variable updates are applied in program order, as eager code applies them, and undone if a guard misses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._dispatch import applyn
from .._tape import local
from .._tensor import Tensor, Variable, make
from .graph import ASSIGN, ASSIGN_ADD, ASSIGN_SUB, GUARD, PRINT, READ_VARIABLE, SCATTER, Graph, guard_holds


def apply_update(op: Any, var: Any, operands: list[Any], mode: str | None) -> None:
    """Apply a variable-update node (``ASSIGN``/``ASSIGN_ADD``/``ASSIGN_SUB``/``SCATTER``) to ``var`` eagerly,
    through the Variable's own methods (so active tapes and traces see it as user code's update)."""
    if op is ASSIGN:
        var.assign(operands[0])
    elif op is ASSIGN_ADD:
        var.assign_add(operands[0])
    elif op is ASSIGN_SUB:
        var.assign_sub(operands[0])
    else:
        from .._indexed_slices import IndexedSlices

        getattr(var, "scatter_" + mode)(IndexedSlices(operands[1], operands[0], None))


def replay(graph: Graph, inputs: list[Any], var_values: dict[int, Any] | None = None) -> list[Any]:
    """Run ``graph``'s nodes on ``inputs`` through the dispatcher. With ``var_values`` (``id(var)`` → tensor) the
    run has no side effects (a gradient of a past call, ``compiler/taped.py``): captured Variables read the given
    tensors, variable updates compute the new value without writing it, prints are skipped."""
    env: dict[int, Any] = {}
    for vid, c in graph.consts.items():
        env[vid] = c
    for vid, x in zip(graph.inputs, inputs):
        env[vid] = x
    undo: list[tuple[Any, Any]] = []
    try:
        for node in graph.nodes:
            op = node.op
            if op is READ_VARIABLE:
                var = node.params["var"]
                env[node.outputs[0]] = var if var_values is None else var_values.get(id(var), var)
            elif op is GUARD:
                x = env[node.inputs[0]]
                if not guard_holds(getattr(x, "_value", x), node.params["kind"], node.params["expect"]):
                    from .trace import GuardMiss

                    raise GuardMiss(f"guard {node.params['kind']}() == {node.params['expect']!r} does not hold")
                if local.tracer is not None and hasattr(x, "_value"):  # inlined into a trace: it guards there too
                    local.tracer.on_convert(x, node.params["kind"], node.params["expect"])
            elif op is PRINT:
                if var_values is None:
                    node.params["fmt"](tuple(getattr(env[i], "_value", env[i]) for i in node.inputs))
            elif var_values is not None and op in (ASSIGN, ASSIGN_ADD, ASSIGN_SUB):
                old, val = (_tensor(env[i], env[node.inputs[0]]) for i in node.inputs)
                env[node.outputs[0]] = val if op is ASSIGN else (old + val if op is ASSIGN_ADD else old - val)
            elif op in (ASSIGN, ASSIGN_ADD, ASSIGN_SUB, SCATTER):
                target = node.params["target"]
                var = inputs[target[1]] if isinstance(target, tuple) else target
                undo.append((var, var._value))
                operands = [_tensor(env[i], None) for i in node.inputs[1:]]
                apply_update(op, var, operands, node.params.get("mode"))
                env[node.outputs[0]] = var
            else:
                args = [env[i] for i in node.inputs]
                like = next((a for a in args if hasattr(a, "dtype")), None)
                args = [_tensor(a, like) for a in args]
                res = applyn(op, tuple(args), node.params)
                if op.multi:
                    for o, r in zip(node.outputs, res):
                        env[o] = r
                else:
                    env[node.outputs[0]] = res
    except BaseException:
        for var, value in reversed(undo):
            var._value = value
        raise
    outs = []
    for vid in graph.outputs:
        x = env[vid]
        if type(x) is not Tensor:
            from ..ops.core import identity

            x = identity(x) if isinstance(x, Variable) else _tensor(x, None)
        outs.append(x)
    return outs


def _tensor(x: Any, like: Any) -> Any:
    """A Tensor/Variable for an op input: constants become tensors (Python numbers adopt ``like``'s dtype)."""
    if type(x) is Tensor or isinstance(x, Variable):
        return x
    if type(x) in (int, float, bool, complex):
        dt = getattr(like, "dtype", None)
        np_dt = getattr(dt, "_np", dt)
        return make(np.asarray(x, dtype=np_dt), getattr(like, "_xp", None) or _numpy())
    return make(x, _numpy())


def _numpy() -> Any:
    from .._backend import NUMPY

    return NUMPY
