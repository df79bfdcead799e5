"""In-place variable updates: ``v.assign_add(d)`` / ``v.assign_sub(d)`` write into the variable's own array.

Eager tapegrad gives a variable a new array on every update (tapes may have saved the old one). In a program
nothing else holds it, unless the user kept a reference (``v.value()`` can share the array): the generated code
checks the array's reference count when the update runs and falls back to a fresh array if anyone else holds it.
Updates run at the end of the call with the other variable stores (after every guard passed).

Applies when the update's old value is the variable's read in this program, the new value is only stored (not
returned, not read by other nodes), the old value does not escape (returned, or viewed by a returned value), and
the variable is not a scalar (0-d variables hold immutable NumPy scalars).
"""

from __future__ import annotations

from ..graph import ASSIGN_ADD, ASSIGN_SUB, READ_VARIABLE, Graph


def inplace(graph: Graph) -> Graph:
    from ..lower import lowerable_ufunc
    from ..plan import escaping

    if not graph.stores:
        return graph
    reads: dict[int, object] = {}
    for k, vid in enumerate(graph.inputs):
        if graph.input_variables[k]:
            reads[vid] = ("input", k)
    for n in graph.nodes:
        if n.op is READ_VARIABLE:
            reads[n.outputs[0]] = n.params["var"]
    if not reads:
        return graph
    producers = graph.producers()
    users = graph.users()
    esc = escaping(graph, {id(n) for n in graph.nodes if lowerable_ufunc(n, graph)})
    outputs = set(graph.outputs)
    for target, vid in graph.stores:
        node = producers.get(vid)
        if node is None or node.op not in (ASSIGN_ADD, ASSIGN_SUB):
            continue
        old = node.inputs[0]
        t = reads.get(old)
        if t is None or not (t is target or t == target):
            continue
        if users.get(vid) or vid in outputs or old in esc or graph.values[old].shape == ():
            continue
        node.params = {**node.params, "inplace": True}
    return graph
