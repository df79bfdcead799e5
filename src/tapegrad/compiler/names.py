"""The names TF's graphs give tensors, for graph tensors printed while a ``tapegrad.function`` traces.

TF names a node after the Python API that made it (``x * y`` is ``mul``, ``tf.reshape`` is ``Reshape``), unique
within the graph in creation order (``mul_1``); a gradient's nodes are named after their op *type* inside the name
scope of the op they differentiate (``gradient_tape/mul/Mul``). Ops not listed keep tapegrad's op names.
"""

from __future__ import annotations

#: TF's default names of the ops its usual Python API makes (operators: ``x * y`` is "mul", ``x + y`` "add").
API_NAMES = {"multiply": "mul", "add": "add", "subtract": "sub", "divide": "truediv", "negative": "Neg",
             "reshape": "Reshape", "matmul": "MatMul", "custom_gradient": "IdentityN", "exp": "Exp", "log": "Log",
             "sin": "Sin", "cos": "Cos", "tanh": "Tanh", "sigmoid": "Sigmoid", "square": "Square", "sqrt": "Sqrt",
             "identity": "Identity", "relu": "Relu"}

#: TF's op types of the ops gradient functions make (named ``gradient_tape/<op>/<Type>``).
OP_TYPES = {"multiply": "Mul", "add": "AddV2", "subtract": "Sub", "divide": "RealDiv", "negative": "Neg",
            "reshape": "Reshape", "matmul": "MatMul", "exp": "Exp", "log": "Log", "sin": "Sin", "cos": "Cos",
            "tanh": "Tanh", "square": "Square", "sqrt": "Sqrt", "identity": "Identity", "reduce_sum": "Sum",
            "broadcast_to": "BroadcastTo", "cast": "Cast"}

#: Ops whose gradient is the user's own function (its nodes are named as the user's code names them).
USER_GRADIENTS = frozenset({"custom_gradient", "recompute_grad", "py_function", "numpy_function"})


def node_name(nodes: list, k: int) -> str:  # type: ignore[type-arg]
    """The TF name of ``nodes[k]``: its API name numbered among the graph's nodes of that name, in program order
    (tapegrad's node name when TF's is not known)."""
    base = API_NAMES.get(nodes[k].op.name)
    if base is None:
        return str(nodes[k].name)
    n = sum(1 for m in nodes[:k] if API_NAMES.get(m.op.name) == base)
    return base if n == 0 else f"{base}_{n}"


def grad_name(nodes: list, scoped: tuple[int, str, int]) -> str:  # type: ignore[type-arg]
    """The TF name of a gradient node: ``gradient_tape/<forward node's name>/<op type>[_n]``."""
    k, typ, n = scoped
    return f"gradient_tape/{node_name(nodes, k)}/{typ}" + (f"_{n}" if n else "")
