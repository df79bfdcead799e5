"""tapegrad's SavedModel function format: a compiler :class:`~tapegrad.compiler.graph.Graph` as JSON plus arrays.

Every value is written as JSON; a JSON *object* is always a tagged value (``{"tuple": [...]}``), never a plain
Python dict (those are ``{"dict": [[key, value], ...]}``), so decoding is unambiguous. Arrays (constants, NumPy
scalars) go to an ``.npz`` table (read back with ``allow_pickle=False``) and are named by key; text arrays
(dtype ``object``) are JSON lists. Variables, random generators and assets are indices into tables that the
object graph owns. Nothing is pickled: a value of any other type (a Python callable held by a host call, a
``tf.custom_gradient`` function) cannot be written, and :class:`Unserialisable` names it.

A graph is written as ``{"inputs", "input_variables", "values", "consts", "nodes", "outputs", "stores", "names",
"next_vid"}``; a node as ``{"op", "module", "params", "inputs", "outputs", "name", "source"}`` where ``op`` is the
registry name (or one of the compiler's pseudo-ops) and ``module`` the module that defines its forward, imported
on load when the op is not registered yet.
"""

from __future__ import annotations

import base64
import importlib
import math
from typing import Any

import numpy as np

from .._dtypes import DType, as_dtype
from .._registry import OPS, OpDef
from .._tensor import Variable

FORMAT = "tapegrad-saved-model"
VERSION = 1


class Unserialisable(ValueError):
    """A value of a type the format cannot hold (the message says which)."""


class Untracked(Unserialisable):
    """A variable that no attribute of the saved object tracks."""


def _pseudo_ops() -> dict[str, OpDef]:
    """Ops that appear in traced graphs without being in the registry, by name."""
    from ..compiler import graph as g
    from ..ops.control_flow import _ENSURE_SHAPE
    from ..ops.core import FILL_LIKE

    ops = [g.READ_VARIABLE, g.ASSIGN, g.ASSIGN_ADD, g.ASSIGN_SUB, g.SCATTER, g.GUARD, g.PRINT, _ENSURE_SHAPE,
           FILL_LIKE]
    return {op.name: op for op in ops}


class Encoder:
    """Writes values of one saved object graph: shared tables of arrays, variables and random generators."""

    def __init__(self, variable_index: dict[int, int]) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.variable_index = variable_index  # id(tapegrad.Variable) -> its index in the object graph's table
        self.generators: list[dict[str, Any]] = []
        self._generator_ids: dict[int, int] = {}
        self.prefix = "a"
        self.asset_paths: dict[bytes, int] = {}  # an Asset's path (as a traced string constant) -> its index

    def array(self, a: np.ndarray) -> str:
        key = f"{self.prefix}{len(self.arrays)}"
        self.arrays[key] = np.ascontiguousarray(a)
        return key

    def value(self, v: Any) -> Any:
        t = type(v)
        if v is None or t is bool or t is int or t is str:
            return v
        if t is float:
            return v if math.isfinite(v) else {"float": repr(v)}
        if t is complex:
            return {"complex": [self.value(v.real), self.value(v.imag)]}
        if t is bytes:
            return {"bytes": base64.b64encode(v).decode("ascii")}
        if t is list:
            return [self.value(x) for x in v]
        if t is tuple:
            return {"tuple": [self.value(x) for x in v]}
        if t is dict:
            return {"dict": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if t is slice:
            return {"slice": [self.value(v.start), self.value(v.stop), self.value(v.step)]}
        if v is Ellipsis:
            return {"ellipsis": True}
        if isinstance(v, np.dtype):
            return {"np_dtype": v.str if v.kind != "O" else "O"}
        if v is int or v is float or v is bool or v is complex:  # (a Python scalar's dtype)
            return {"py_type": v.__name__}
        if isinstance(v, DType):
            return {"tf_dtype": v.name}
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "O" and v.shape == () and isinstance(v.item(), bytes) and \
                    v.item() in self.asset_paths:
                return {"asset": self.asset_paths[v.item()]}  # restored as the path of the asset's copy
            if v.dtype.kind == "O":
                return {"text_array": {"shape": list(v.shape), "items": [self.value(x) for x in v.reshape(-1)]}}
            return {"array": self.array(v)}
        if isinstance(v, np.generic):
            if v.dtype.kind == "O":
                return self.value(v.item())
            return {"np_scalar": self.array(np.asarray(v))}
        if isinstance(v, Variable):
            k = self.variable_index.get(id(v))
            if k is None:
                raise Untracked(f"the variable {v.name!r} (shape {tuple(v.shape)}), which no attribute of the "
                                     "saved object tracks")
            return {"variable": k}
        if isinstance(v, np.random.Generator):
            k = self._generator_ids.get(id(v))
            if k is None:
                k = self._generator_ids[id(v)] = len(self.generators)
                bg = v.bit_generator
                self.generators.append({"bit_generator": type(bg).__name__, "state": _json_state(bg.state)})
            return {"generator": k}
        from .._dispatch import SavedSpec
        from ..ops import rule_nodes

        if v is rule_nodes._IN:
            return {"rule_in": True}
        if t is SavedSpec:
            return {"saved_spec": [list(v.shape), np.dtype(v.dtype).str]}
        from ..printing import _STDERR, _STDOUT, _Printer

        if t is _Printer:  # tf.print's formatting: its template and stream (stdout, stderr or a file://path)
            stream = v.stream
            import sys

            # (sys.stdout/sys.stderr as they are now too: notebooks and test runners replace them)
            name = ("stdout" if stream is _STDOUT or stream is sys.stdout or stream is sys.__stdout__ else
                    "stderr" if stream is _STDERR or stream is sys.stderr or stream is sys.__stderr__ else stream)
            if not isinstance(name, str):
                raise Unserialisable(f"a tf.print to the Python stream or function {stream!r} (only sys.stdout, "
                                     "sys.stderr and 'file://path' streams can be saved)")
            return {"printer": [[[bool(a), b] for a, b in v.template], v.n, v.sep, v.end, v.summarize, name]}
        if isinstance(v, OpDef) and OPS.get(v.name) is v:
            return {"opdef": [v.name, v.fwd.__module__]}
        raise Unserialisable(f"a Python {t.__module__}.{t.__qualname__} ({_short(v)})")

    def graph(self, g: Any) -> dict[str, Any]:
        """The JSON form of a traced graph (its arrays go to :attr:`arrays`)."""
        pseudo = _pseudo_ops()
        nodes = []
        from ..ops import rule_nodes

        for n in g.nodes:
            rule = n.op.name[:-len("_grad")] if n.op.name.endswith("_grad") else None
            if rule is not None and rule_nodes._NODE_OPS.get(rule) is n.op:
                nodes.append({"op": n.op.name, "rule_node": [rule, OPS[rule].fwd.__module__],
                              "params": [[k, self.value(v)] for k, v in n.params.items()], "inputs": list(n.inputs),
                              "outputs": list(n.outputs), "name": n.name,
                              "source": list(n.source) if n.source else None})
                continue
            registered = OPS.get(n.op.name) is n.op or pseudo.get(n.op.name) is n.op
            if not registered:
                raise Unserialisable(f"op {n.op.name!r}{_where(n)}, which is not a registered tapegrad op (a host "
                                     "call or an internal op made for one trace)")
            try:
                params = [[k, self.value(v)] for k, v in n.params.items()]
            except Untracked:
                raise
            except Unserialisable as exc:
                raise Unserialisable(f"op {n.op.name!r}{_where(n)} holds {exc}") from None
            nodes.append({"op": n.op.name, "module": getattr(n.op.fwd, "__module__", None), "params": params,
                          "inputs": list(n.inputs), "outputs": list(n.outputs), "name": n.name,
                          "source": list(n.source) if n.source else None})
        values = [[vid, list(v.shape), self.value(v.dtype), v.kind, bool(v.pyscalar)] for vid, v in g.values.items()]
        consts = [[vid, self.value(c)] for vid, c in g.consts.items()]
        stores = [[self.value(t), v] for t, v in g.stores]
        return {"inputs": list(g.inputs), "input_variables": list(g.input_variables), "values": values,
                "consts": consts, "nodes": nodes, "outputs": list(g.outputs), "stores": stores,
                "names": [[k, v] for k, v in g.names.items()], "next_vid": g.next_vid}


def _where(node: Any) -> str:
    return f" (at {node.source[0]}:{node.source[1]})" if node.source else ""


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _json_state(state: Any) -> Any:
    if isinstance(state, dict):
        return {"dict": [[k, _json_state(x)] for k, x in state.items()]}
    if isinstance(state, np.ndarray):
        return {"uint_list": state.dtype.str, "items": state.tolist()}
    return state


def _from_json_state(state: Any) -> Any:
    if isinstance(state, dict):
        if "dict" in state:
            return {k: _from_json_state(x) for k, x in state["dict"]}
        return np.array(state["items"], dtype=np.dtype(state["uint_list"]))
    return state


class Decoder:
    """Reads values written by :class:`Encoder`, given the loaded arrays, variables and assets."""

    def __init__(self, arrays: Any, variables: list[Any], generators: list[dict[str, Any]],
                 assets: list[Any] | None = None) -> None:
        self.arrays = arrays
        self.variables = variables
        self._generator_specs = generators
        self._generators: dict[int, np.random.Generator] = {}
        self.assets = assets or []

    def value(self, v: Any) -> Any:
        if v is None or type(v) in (bool, int, float, str):
            return v
        if type(v) is list:
            return [self.value(x) for x in v]
        tag, x = next(iter(v.items()))
        if tag == "tuple":
            return tuple(self.value(e) for e in x)
        if tag == "dict":
            return {self.value(k): self.value(e) for k, e in x}
        if tag == "float":
            return float(x)
        if tag == "complex":
            return complex(self.value(x[0]), self.value(x[1]))
        if tag == "bytes":
            return base64.b64decode(x)
        if tag == "slice":
            return slice(*[self.value(e) for e in x])
        if tag == "ellipsis":
            return Ellipsis
        if tag == "np_dtype":
            return np.dtype(object if x == "O" else x)
        if tag == "py_type":
            return {"int": int, "float": float, "bool": bool, "complex": complex}[x]
        if tag == "tf_dtype":
            return as_dtype(x)
        if tag == "array":
            return np.array(self.arrays[x])
        if tag == "np_scalar":
            return np.array(self.arrays[x])[()]
        if tag == "text_array":
            out = np.empty(len(x["items"]), dtype=object)
            out[:] = [self.value(e) for e in x["items"]]
            return out.reshape(x["shape"])
        if tag == "variable":
            return self.variables[x]
        if tag == "generator":
            gen = self._generators.get(x)
            if gen is None:
                spec = self._generator_specs[x]
                bg = getattr(np.random, spec["bit_generator"])()
                bg.state = _from_json_state(spec["state"])
                gen = self._generators[x] = np.random.Generator(bg)
            return gen
        if tag == "opdef":
            return op_named(x[0], x[1])
        if tag == "printer":
            from ..printing import _STDERR, _STDOUT, _Printer, _writer

            template, n, sep, end, summarize, name = x
            stream = _STDOUT if name == "stdout" else _STDERR if name == "stderr" else name
            return _Printer([(bool(a), b) for a, b in template], n, sep, end, summarize, _writer(stream), stream)
        if tag == "rule_in":
            from ..ops import rule_nodes

            return rule_nodes._IN
        if tag == "saved_spec":
            from .._dispatch import SavedSpec

            spec = object.__new__(SavedSpec)
            spec.shape, spec.dtype = tuple(x[0]), np.dtype(x[1])
            spec.ndim, spec.size = len(spec.shape), int(np.prod(spec.shape, dtype=np.int64))
            return spec
        if tag == "asset":
            out = np.empty((), dtype=object)
            out[()] = self.assets[x]._path.encode()
            return out
        raise ValueError(f"unknown value tag {tag!r} in a tapegrad SavedModel (written by a newer tapegrad?)")

    def graph(self, d: dict[str, Any], name: str) -> Any:
        from ..compiler.graph import Graph, Node, Value

        g = Graph()
        g.inputs = list(d["inputs"])
        g.input_variables = list(d["input_variables"])
        for vid, shape, dtype, kind, py in d["values"]:
            g.values[vid] = Value(tuple(shape), self.value(dtype), kind, py)
        for vid, c in d["consts"]:
            g.consts[vid] = self.value(c)
        pseudo = _pseudo_ops()
        for n in d["nodes"]:
            if "rule_node" in n:  # a first-order gradient rule recorded as one node (ops/rule_nodes.py)
                from ..ops import rule_nodes

                op = rule_nodes._node_op(op_named(n["rule_node"][0], n["rule_node"][1], name))
            else:
                op = pseudo.get(n["op"]) or op_named(n["op"], n["module"], name)
            params = {k: self.value(v) for k, v in n["params"]}
            g.nodes.append(Node(op, params, tuple(n["inputs"]), tuple(n["outputs"]), n["name"],
                                tuple(n["source"]) if n["source"] else None))
        g.outputs = list(d["outputs"])
        g.stores = [(self.value(t), v) for t, v in d["stores"]]
        g.names = {k: v for k, v in d["names"]}
        g.next_vid = d["next_vid"]
        return g


def op_named(name: str, module: str | None, where: str = "") -> OpDef:
    """The registered op ``name`` (importing ``module``, a tapegrad module, when it is not registered yet)."""
    op = OPS.get(name)
    if op is None and module and module.split(".")[0] == "tapegrad":
        importlib.import_module(module)
        op = OPS.get(name)
    if op is None:
        raise ValueError(f"the SavedModel's function {where!r} uses op {name!r}, which this tapegrad does not have "
                         "(it was saved by another version). Upgrade tapegrad to load it.")
    return op
