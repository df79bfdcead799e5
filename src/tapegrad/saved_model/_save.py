"""``tf.saved_model.save``: the object graph of a ``tf.Module`` / Keras model, its variables and its functions.

What is written (``docs/saved_model.md`` has the full layout):

* ``saved_model.json``: the format name and version, the object graph (one node per tracked object: user objects
  with their named children, lists, tuples, dicts, variables, functions, concrete functions, assets), every
  concrete function (its call structure, input specs and traced graphs, see ``_serialize.py``), the signatures;
* ``saved_model.npz``: the arrays those graphs hold (constants), read back with ``allow_pickle=False``;
* ``variables/variables.npz``: the variables, in tapegrad's checkpoint format (``tf.train.Checkpoint``'s file),
  keyed ``root/<attribute path>`` as a Checkpoint of the root object keys a ``tf.Module``'s variables;
* ``assets/``: copies of the files of ``tf.saved_model.Asset`` objects; ``fingerprint.json``: content hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .._tensor import Variable
from ._serialize import FORMAT, VERSION, Encoder, Unserialisable, Untracked

MANIFEST = "saved_model.json"
ARRAYS = "saved_model.npz"
FINGERPRINT = "fingerprint.json"
DEFAULT_SIGNATURE_ATTR = "_default_save_signature"  # (Keras's attribute TF's save looks for first)

_KERAS_SKIPPED = frozenset({"train_function", "test_function", "predict_function"})


def _function_types() -> tuple[type, type]:
    from ..compiler.function import ConcreteFunction, Function

    return Function, ConcreteFunction


def _keras_variable_type() -> Any:
    import sys

    mod = sys.modules.get("tapegrad.keras.variables")
    return mod.Variable if mod is not None else None


def _restored_types() -> tuple[type, ...]:
    from . import _load

    return (_load.RestoredFunction, _load.RestoredConcreteFunction)


class _Walker:
    """Assigns one node per tracked object (by identity), depth first from the root in sorted attribute order."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.ids: dict[int, int] = {}
        self.keep: list[Any] = []
        self.variables: list[tuple[Variable, str]] = []  # (variable, checkpoint key) in node order
        self.variable_index: dict[int, int] = {}
        self.functions: list[tuple[Any, str]] = []  # (Function or ConcreteFunction, path)
        self.assets: list[Any] = []

    def visit(self, obj: Any, path: tuple[str, ...]) -> int | None:
        node = self.ids.get(id(obj))
        if node is not None:
            return node
        from . import Asset

        Function, ConcreteFunction = _function_types()
        kv = _keras_variable_type()
        if kv is not None and isinstance(obj, kv):
            k = self.visit(obj._var, path)
            self.nodes[k].setdefault("keras", {"name": obj.name, "path": obj.path})
            self.ids[id(obj)] = k
            self.keep.append(obj)
            return k
        if isinstance(obj, Variable):
            k = self._new(obj, {"kind": "variable", "variable": len(self.variables)})
            self.variable_index[id(obj)] = len(self.variables)
            self.variables.append((obj, "/".join(("root",) + path)))
            return k
        if isinstance(obj, (Function, ConcreteFunction) + _restored_types()):
            if isinstance(obj, (Function, ConcreteFunction)) and any(
                    p.startswith("_") and p not in (DEFAULT_SIGNATURE_ATTR, "__call__") for p in path):
                return None  # compiled helpers kept in private attributes (Keras's train/test steps): not saved
            k = self._new(obj, {"kind": "function"})
            self.functions.append((obj, ".".join(path) or "root"))
            self.nodes[k]["function"] = len(self.functions) - 1
            return k
        if isinstance(obj, Asset):
            k = self._new(obj, {"kind": "asset", "asset": len(self.assets)})
            self.assets.append(obj)
            return k
        if isinstance(obj, _user_object_types()):
            k = self._new(obj, {"kind": "user_object", "class": f"{type(obj).__module__}.{type(obj).__qualname__}",
                                "children": []})
            children = self.nodes[k]["children"]
            for name, value in _attributes(obj):
                c = self.visit(value, path + (name,))
                if c is not None:
                    children.append([name, c])
            return k
        if type(obj) in (list, tuple) or type(obj) is dict:
            items = list(obj.items()) if type(obj) is dict else list(enumerate(obj))
            if not any(_trackable(v) for _, v in items):
                return None
            kind = type(obj).__name__
            k = self._new(obj, {"kind": kind, "children": []})
            children = self.nodes[k]["children"]
            for key, value in items:
                c = self.visit(value, path + (str(key),))
                if c is not None:
                    children.append([key, c])
            return k
        return None

    def _new(self, obj: Any, node: dict[str, Any]) -> int:
        k = len(self.nodes)
        self.nodes.append(node)
        self.ids[id(obj)] = k
        self.keep.append(obj)
        return k


def _user_object_types() -> tuple[type, ...]:
    """Objects saved with their attributes: modules (Keras layers included), restored objects, random generators
    (their state variable) and Keras optimizers (their variables)."""
    import sys

    from ..module import Module
    from ..ops.random_generator import Generator
    from ._load import _UserObject

    out: tuple[type, ...] = (Module, _UserObject, Generator)
    optimizers = sys.modules.get("tapegrad.keras.optimizers._base")
    if optimizers is not None:
        out += (optimizers.Optimizer,)
    return out


def _trackable(v: Any, depth: int = 0) -> bool:
    from . import Asset

    Function, ConcreteFunction = _function_types()
    kv = _keras_variable_type()
    if isinstance(v, (Variable, Asset, Function, ConcreteFunction) + _user_object_types() + _restored_types()) or (
            kv is not None and isinstance(v, kv)):
        return True
    if depth < 8 and type(v) in (list, tuple):
        return any(_trackable(x, depth + 1) for x in v)
    if depth < 8 and type(v) is dict:
        return any(_trackable(x, depth + 1) for x in v.values())
    return False


def _attributes(obj: Any) -> list[tuple[str, Any]]:
    """The attributes of a user object that can be tracked: instance attributes (sorted), then the
    ``tapegrad.function`` methods of its class (bound to it)."""
    from ..module import Module

    Function, _ = _function_types()
    ignored = getattr(obj, "_TF_MODULE_IGNORED_PROPERTIES", frozenset())
    keras_layer = _is_keras_layer(obj)
    out = []
    for name in sorted(vars(obj)):
        if name in ignored or (keras_layer and name in _KERAS_SKIPPED):
            continue
        value = vars(obj)[name]
        if isinstance(value, Function) and name.startswith("_") and name != DEFAULT_SIGNATURE_ATTR:
            continue  # (a library's private compiled helper, not part of the object's interface)
        out.append((name, value))
    if isinstance(obj, Module):
        for name in sorted(dir(type(obj))):
            if name in vars(obj) or (name.startswith("__") and name != "__call__"):
                continue
            attr = getattr(type(obj), name, None)
            if isinstance(attr, Function) and (not keras_layer or name not in _KERAS_SKIPPED):
                out.append((name, getattr(obj, name)))
    return out


def _is_keras_layer(obj: Any) -> bool:
    import sys

    mod = sys.modules.get("tapegrad.keras.layers._base")
    return mod is not None and isinstance(obj, mod.Layer)


# -- functions ------------------------------------------------------------------------------------------------------
def _concretes_of(fn: Any) -> list[Any]:
    """The traced concrete functions of a Function (its input_signature's one traced now, as TF traces it)."""
    Function, ConcreteFunction = _function_types()
    if isinstance(fn, ConcreteFunction):
        return [fn]
    if fn.input_signature is not None:
        fn.get_concrete_function()
    return list(fn._concretes)


def _spec_json(spec: Any, enc: Encoder) -> list[Any]:
    dims = spec.shape._dims
    return [None if dims is None else list(dims), spec.dtype.name, spec.name]


def _structure(x: Any, enc: Encoder, counter: list[int], where: str) -> Any:
    """The JSON form of a traced call's (args, kwargs): tensors become ``{"tensor": k}`` in trace order."""
    from .._tensor import _TensorLike
    from ..compiler.function import _composite_parts, _sorted_keys
    from ..ops.tensor_spec import TensorSpec

    t = type(x)
    if _composite_parts(x) is not None or t.__name__ in ("RaggedTensor", "SparseTensor"):
        raise Unserialisable(f"a {t.__name__} argument ({where}): composite tensors as inputs of saved functions "
                             "are not supported yet; pass their component tensors")
    if isinstance(x, Variable) or (_keras_variable_type() is not None and isinstance(x, _keras_variable_type())):
        raise Unserialisable(f"a Variable passed as argument {where!r}: a saved function takes tensors; track the "
                             "variable as an attribute and read it in the function")
    if isinstance(x, (TensorSpec, _TensorLike)) or (isinstance(x, (np.ndarray, np.generic))
                                                    and x.dtype.kind in "biufc"):
        counter[0] += 1
        return {"tensor": counter[0] - 1}
    if isinstance(x, dict):
        return {"dict": [[enc.value(k), _structure(x[k], enc, counter, f"{where}[{k!r}]")] for k in _sorted_keys(x)]}
    if isinstance(x, (list, tuple)):
        items = [_structure(v, enc, counter, f"{where}[{i}]") for i, v in enumerate(x)]
        return items if isinstance(x, list) else {"tuple": items}
    return enc.value(x)


def _output_structure(s: Any, enc: Encoder) -> Any:
    from ..compiler.function import _OUT, _RaggedOut, _SparseOut

    if s is _OUT:
        return {"out": True}
    if type(s) is _RaggedOut:
        return {"ragged_out": s.ragged_rank}
    if type(s) is _SparseOut:
        return {"sparse_out": True}
    if isinstance(s, dict):
        return {"dict": [[enc.value(k), _output_structure(v, enc)] for k, v in s.items()]}
    if isinstance(s, (list, tuple)):
        items = [_output_structure(v, enc) for v in s]
        return items if isinstance(s, list) else {"tuple": items}
    return enc.value(s)


def _shapelog_json(log: Any) -> dict[str, Any] | None:
    """A generic trace's shape log, when it holds no tape events (those reference live GradientTapes)."""
    if log is None or log.reason is not None or log.events or log.derived:
        return None
    return {"reads": [[vid, list(shape)] for vid, shape in log.reads],
            "reshapes": [[pos, list(spec)] for pos, spec in log.reshapes.items()]}


def _program_json(program: Any, structure: Any, specs: Any, enc: Encoder) -> dict[str, Any]:
    from ..compiler.function import _feeds

    if _feeds(program):
        raise Unserialisable("a loop over a tf.data.Dataset argument (its elements are fed on every call)")
    return {"graph": enc.graph(program.traced_graph), "structure": _output_structure(structure, enc),
            "specs": [_spec_json(s, enc) for s in specs] if specs is not None else None}


def _default_literals(fn: Any, enc: Encoder) -> tuple[list[str], dict[str, Any]]:
    import inspect

    try:
        params = list(inspect.signature(fn.python_function).parameters.values())
    except (TypeError, ValueError):
        return [], {}
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    defaults = {}
    for p in params:
        if p.default is not p.empty:
            try:
                defaults[p.name] = enc.value(p.default)
            except Unserialisable:
                pass
    return names, defaults


def _concrete_json(cf: Any, fn: Any, enc: Encoder) -> dict[str, Any]:
    from ..compiler.function import _has_none

    if not cf._paths and not cf._by_shape_traced():
        cf._program()  # a fixed signature not called yet: traced now, on example values
    counter = [0]
    args, kwargs = cf._call
    call = {"args": [_structure(a, enc, counter, f"argument {i}") for i, a in enumerate(args)],
            "kwargs": [[k, _structure(v, enc, counter, k)] for k, v in kwargs.items()]}
    if fn is not None and fn.input_signature is not None:
        counter = [0]
        call["args"] = [_structure(a, enc, counter, f"argument {i}") for i, a in enumerate(fn.input_signature)]
    arg_names, defaults = _default_literals(fn if fn is not None else cf._function, enc)
    general = any(_has_none(s) for s in cf._specs)
    before = set(cf._by_shape)
    poly = None
    if general:
        from ._poly import polymorphic

        poly = polymorphic(cf, enc, lambda s: _output_structure(s, enc))
    by_shape = []
    for shapes, paths in cf._by_shape.items():
        if paths and (shapes in before or poly is None):
            by_shape.append({"shapes": [list(s) for s in shapes],
                             "paths": [_program_json(p, s, sp, enc) for p, s, sp in paths]})
    templates = []
    for t in cf._templates:
        log = _shapelog_json(t.log)
        if log is not None:
            templates.append({"graph": enc.graph(t.graph), "log": log,
                              "structure": _output_structure(t.structure, enc),
                              "specs": [_spec_json(s, enc) for s in t.specs] if t.specs is not None else None})
    return {"name": cf.name, "function_name": cf._function.__name__, "arg_names": arg_names, "defaults": defaults,
            "call": call, "specs": [_spec_json(s, enc) for s in cf._specs], "names": list(cf._names),
            "general": general, "jit_compile": bool(cf._function._jit_compile), "by_shape": by_shape,
            "templates": templates, "polymorphic": poly,
            "output_specs": [_spec_json(s, enc) for s in cf._output_specs()]}


def _restored_function_json(fn: Any, enc: Encoder, concretes: dict[int, int],
                            table: list[dict[str, Any]]) -> dict[str, Any]:
    """A function loaded from a SavedModel, saved again: its concrete functions' graphs are written anew."""
    from . import _load

    items = fn._concretes if isinstance(fn, _load.RestoredFunction) else [fn]
    idx = []
    for c in items:
        k = concretes.get(id(c))
        if k is None:
            k = concretes[id(c)] = len(table)
            table.append(c._to_json(enc))
        idx.append(k)
    sig = fn._input_signature if isinstance(fn, _load.RestoredFunction) else None
    return {"name": fn.name, "concretes": idx,
            "input_signature": None if sig is None else [_spec_json(s, enc) for s in sig]}


def _function_entry(fn: Any, path: str, enc: Encoder, concretes: dict[int, int],
                    table: list[dict[str, Any]]) -> dict[str, Any]:
    from ..ops.tensor_spec import TensorSpec

    if isinstance(fn, _restored_types()):
        return _restored_function_json(fn, enc, concretes, table)
    Function, ConcreteFunction = _function_types()
    owner = fn if isinstance(fn, Function) else None
    idx = []
    for cf in _concretes_of(fn):
        k = concretes.get(id(cf))
        if k is None:
            try:
                entry = _concrete_json(cf, owner, enc)
            except Untracked as exc:
                raise AssertionError(
                    f"tf.saved_model.save: the tapegrad.function {path!r} ({cf.name}) reads {exc}. Variables "
                    "captured by saved functions must be tracked: assign them to an attribute of the saved object "
                    "(or of an object it tracks).") from None
            except Unserialisable as exc:
                raise ValueError(
                    f"tf.saved_model.save: cannot save the tapegrad.function {path!r} ({cf.name}): {exc}. tapegrad "
                    "writes a function as its traced graph of registered ops; host calls to arbitrary Python "
                    "(tf.py_function, tf.numpy_function, tf.custom_gradient's gradient function, a Keras optimizer's "
                    "update step, tf.print to a Python function) have no such form. Save a function without them "
                    "(e.g. the inference function), or leave this one out of the saved object.") from None
            k = concretes[id(cf)] = len(table)
            table.append(entry)
        idx.append(k)
    sig = None
    if owner is not None and owner.input_signature is not None:
        sig = [_spec_json(s, enc) for s in owner.input_signature if isinstance(s, TensorSpec)]
        if len(sig) != len(owner.input_signature):
            sig = None
    return {"name": getattr(fn, "__name__", None) or fn.name, "concretes": idx, "input_signature": sig}


# -- signatures ---------------------------------------------------------------------------------------------------
def _signature_concrete(value: Any, key: str) -> Any:
    Function, ConcreteFunction = _function_types()
    if isinstance(value, _restored_types()):
        from . import _load

        if isinstance(value, _load.RestoredFunction):
            if len(value._concretes) != 1:
                raise ValueError(f"signature {key!r}: a restored function with {len(value._concretes)} traces; pass "
                                 "one of its concrete functions")
            return value._concretes[0]
        return value
    if isinstance(value, Function):
        if value.input_signature is None:
            raise ValueError(
                f"Expected a TensorFlow function for which to generate a signature, but got a tf.function without an "
                f"input_signature for signature {key!r}. Give the function an input_signature, or pass "
                "f.get_concrete_function(tf.TensorSpec(...)).")
        return value.get_concrete_function()
    if isinstance(value, ConcreteFunction):
        return value
    raise ValueError(f"Expected a TensorFlow function for which to generate a signature (a tapegrad.function with an "
                     f"input_signature or a concrete function), got {value!r} for signature {key!r}.")


def _find_default_signature(obj: Any) -> Any:
    """TF's rule: the root's ``_default_save_signature``, else its only function with an input_signature."""
    Function, ConcreteFunction = _function_types()
    if not hasattr(obj, "__dict__"):
        return None
    found = []
    for name, value in _attributes(obj):
        if not isinstance(value, (Function, ConcreteFunction) + _restored_types()):
            continue
        if name == DEFAULT_SIGNATURE_ATTR:
            return value
        if isinstance(value, (Function,) + _restored_types()) and getattr(value, "input_signature", None) is not None:
            found.append(value)
    if len(found) == 1:
        return found[0]
    if not found and _is_keras_model(obj):
        return _keras_default_signature(obj)
    return None


def _is_keras_model(obj: Any) -> bool:
    import sys

    mod = sys.modules.get("tapegrad.keras.models.model")
    return mod is not None and isinstance(obj, mod.Model)


def _keras_default_signature(model: Any) -> Any:
    """Keras 3 on TF: a built model saved with ``tf.saved_model.save`` gets ``serving_default``, the model called
    on its input spec (batch dim None), the input named ``inputs``."""
    from ..compiler.function import function
    from ..keras.export import _model_input_signature
    from ..ops.tensor_spec import TensorSpec

    if not model.built:
        return None
    try:
        (spec,) = _model_input_signature(model)
    except (ValueError, AttributeError):
        return None
    if not isinstance(spec, TensorSpec):
        return None  # (several inputs: no default signature)
    return function(lambda inputs: model(inputs), input_signature=[TensorSpec(spec.shape, spec.dtype, "inputs")],
                    autograph=False)


def _signature_entries(signatures: Any, obj: Any, concretes: dict[int, int], table: list[dict[str, Any]],
                       enc: Encoder, walker: _Walker) -> list[dict[str, Any]]:
    from . import DEFAULT_SERVING_SIGNATURE_DEF_KEY

    if signatures is None:
        default = _find_default_signature(obj)
        signatures = {} if default is None else {DEFAULT_SERVING_SIGNATURE_DEF_KEY: default}
    elif not isinstance(signatures, dict):
        signatures = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: signatures}
    out = []
    for key, value in signatures.items():
        if not isinstance(key, str):
            raise ValueError(f"signature keys must be strings, got {key!r}")
        cf = _signature_concrete(value, key)
        fn_entry = _function_entry(cf, f"signatures[{key!r}]", enc, concretes, table)
        k = fn_entry["concretes"][0]
        entry = table[k]
        names = [s[2] or n for s, n in zip(entry["specs"], entry["names"])]
        if len(set(names)) != len(names):
            raise ValueError(f"signature {key!r}: its inputs have duplicate names {names}; name the TensorSpecs.")
        out.append({"key": key, "concrete": k, "inputs": names})
    return out


# -- the whole save ---------------------------------------------------------------------------------------------------
def save(obj: Any, export_dir: Any, signatures: Any = None, options: Any = None) -> None:
    from .. import __version__
    from ..train import _write_npz_atomic
    from . import SaveOptions

    if options is not None and not isinstance(options, SaveOptions):
        raise TypeError(f"options must be a tf.saved_model.SaveOptions, got {type(options).__name__}")
    options = options or SaveOptions()
    from ..module import Module
    from ._load import _UserObject

    if not isinstance(obj, (Module, _UserObject)):
        raise ValueError(f"Expected an object of type `Trackable`, such as `tf.Module` or a subclass of the "
                         f"`Trackable` class, for export. Got {obj!r} with type {type(obj)}.")
    walker = _Walker()
    walker.visit(obj, ())
    enc = Encoder(walker.variable_index)
    enc.asset_paths = {a._path.encode(): k for k, a in enumerate(walker.assets)}
    table: list[dict[str, Any]] = []
    concretes: dict[int, int] = {}
    functions = []
    for fn, path in walker.functions:
        functions.append(_function_entry(fn, path, enc, concretes, table))
    sigs = _signature_entries(signatures, obj, concretes, table, enc, walker)
    aliases = {}
    for alias, fn in (options.function_aliases or {}).items():
        k = walker.ids.get(id(fn))
        if k is None:
            raise ValueError(f"function_aliases[{alias!r}]: {fn!r} is not a function tracked by the saved object")
        aliases[alias] = k
    assets = [{"filename": os.path.basename(a._path)} for a in walker.assets]
    manifest = {"format": FORMAT, "version": VERSION, "tapegrad_version": __version__,
                "tags": sorted({"serve", *(options.extra_tags or [])}), "nodes": walker.nodes,
                "variables": [{"key": key, "name": v.name.split(":")[0], "trainable": bool(v.trainable),
                               "dtype": v.dtype.name, "shape": list(v.shape)} for v, key in walker.variables],
                "functions": functions, "concrete_functions": table, "signatures": sigs,
                "generators": enc.generators, "assets": assets, "function_aliases": aliases}
    target = Path(os.fspath(export_dir))
    target.mkdir(parents=True, exist_ok=True)
    _clear_previous(target)
    (target / "variables").mkdir(exist_ok=True)
    (target / "assets").mkdir(exist_ok=True)
    for a, entry in zip(walker.assets, assets):
        shutil.copyfile(a._path, target / "assets" / entry["filename"])
    arrays = {key: v.numpy() for v, key in walker.variables}
    if not options.experimental_skip_saver:
        _write_npz_atomic(target / "variables" / "variables.npz", arrays,
                          {"labels": {key: v.name for v, key in walker.variables}, "saved_model": True})
    _write_atomic(target / ARRAYS, lambda f: np.savez(f, **enc.arrays))
    text = json.dumps(manifest, indent=1, allow_nan=False)
    _write_atomic(target / MANIFEST, lambda f: f.write(text.encode()))
    fingerprint = {"saved_model_checksum": _hash(text.encode() + (target / ARRAYS).read_bytes()),
                   "graph_def_program_hash": _hash(json.dumps(table, sort_keys=True).encode()),
                   "signature_def_hash": _hash(json.dumps(sigs, sort_keys=True).encode()),
                   "saved_object_graph_hash": _hash(json.dumps(walker.nodes, sort_keys=True).encode()),
                   "checkpoint_hash": _hash(b"".join(a.tobytes() for a in arrays.values())), "version": 1}
    _write_atomic(target / FINGERPRINT, lambda f: f.write(json.dumps(fingerprint).encode()))


def _clear_previous(target: Path) -> None:
    for name in (MANIFEST, ARRAYS, FINGERPRINT):
        (target / name).unlink(missing_ok=True)


def _write_atomic(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _hash(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "little")
