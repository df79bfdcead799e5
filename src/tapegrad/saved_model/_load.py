"""``tf.saved_model.load``: rebuild a saved object graph without the Python classes that made it.

Each user object becomes a :class:`_UserObject` with the saved attributes; each variable a new
``tapegrad.Variable`` holding the checkpoint's value; each ``tapegrad.function`` a :class:`RestoredFunction` whose
concrete functions run the saved graphs, compiled again here by tapegrad's compiler (the saved graphs are the
traced ones; the passes, memory plan and code generation run on load). A restored function is differentiable
like any compiled program: under a ``GradientTape`` its gradient w.r.t. the restored variables is taken with the
registry's rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import _nest
from .._shape import TensorShape
from .._tensor import Tensor, Variable, _TensorLike
from ..errors import InvalidArgumentError
from ._serialize import FORMAT, VERSION, Decoder


class _UserObject:
    """An object restored from a SavedModel: its saved attributes (variables, functions, other objects)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = self.__dict__.get("__call__")
        if call is None:
            raise TypeError("this restored object has no saved __call__ function")
        return call(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<tapegrad.saved_model restored object at 0x{id(self):x}>"


class _Spec:
    __slots__ = ("shape", "dtype", "name")

    def __init__(self, d: list[Any]) -> None:
        from .._dtypes import as_dtype

        self.shape, self.dtype, self.name = TensorShape(d[0]), as_dtype(d[1]), d[2]

    def tensor_spec(self, name: str | None = None) -> Any:
        from ..ops.tensor_spec import TensorSpec

        return TensorSpec(self.shape, self.dtype, name if name is not None else self.name)


def _rebuild_structure(x: Any, dec: Decoder) -> Any:
    """Decode an input structure, keeping ``{"tensor": k}`` leaves as ``_TensorSlot`` markers."""
    if isinstance(x, list):
        return [_rebuild_structure(e, dec) for e in x]
    if isinstance(x, dict):
        tag, v = next(iter(x.items()))
        if tag == "tensor":
            return _TensorSlot(v)
        if tag == "tuple":
            return tuple(_rebuild_structure(e, dec) for e in v)
        if tag == "dict":
            return {dec.value(k): _rebuild_structure(e, dec) for k, e in v}
    return dec.value(x)


class _TensorSlot:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _output_structure(x: Any, dec: Decoder) -> Any:
    from ..compiler.function import _OUT, _RaggedOut, _SparseOut

    if isinstance(x, list):
        return [_output_structure(e, dec) for e in x]
    if isinstance(x, dict):
        tag, v = next(iter(x.items()))
        if tag == "out":
            return _OUT
        if tag == "ragged_out":
            return _RaggedOut(v)
        if tag == "sparse_out":
            return _SparseOut()
        if tag == "tuple":
            return tuple(_output_structure(e, dec) for e in v)
        if tag == "dict":
            return {dec.value(k): _output_structure(e, dec) for k, e in v}
    return dec.value(x)


class RestoredConcreteFunction:
    """One saved trace: its call structure, input specs and compiled graphs (one per traced input shape, plus
    shape-generic templates replayed for other sizes of ``None`` dims)."""

    def __init__(self, d: dict[str, Any], dec: Decoder) -> None:
        from ..compiler.program import Program

        self._json = d
        self.name = d["name"]
        self._function_name = d["function_name"]
        self._arg_names: list[str] = d["arg_names"]
        self._defaults = {k: dec.value(v) for k, v in d["defaults"].items()}
        self._args = [_rebuild_structure(a, dec) for a in d["call"]["args"]]
        self._kwargs = {k: _rebuild_structure(v, dec) for k, v in d["call"]["kwargs"]}
        self._specs = [_Spec(s) for s in d["specs"]]
        self._names: list[str] = d["names"]
        jit = bool(d["jit_compile"])
        self._by_shape: dict[tuple[tuple[int, ...], ...], list[tuple[Any, Any, Any]]] = {}
        fname = self._function_name
        for entry in d["by_shape"]:
            paths = []
            for p in entry["paths"]:
                graph = dec.graph(p["graph"], self.name)
                paths.append((Program(graph, None, name=fname, jit_compile=jit),
                              _output_structure(p["structure"], dec), p["specs"]))
            self._by_shape[tuple(tuple(s) for s in entry["shapes"])] = paths
        self._templates = []
        for t in d["templates"]:
            from ..compiler.shapes import ShapeLog, Template

            log = ShapeLog()
            log.reads = [(vid, tuple(shape)) for vid, shape in t["log"]["reads"]]
            log.reshapes = {pos: tuple(spec) for pos, spec in t["log"]["reshapes"]}
            specs = None if t["specs"] is None else [_Spec(s).tensor_spec() for s in t["specs"]]
            self._templates.append(Template(dec.graph(t["graph"], self.name), log,
                                            _output_structure(t["structure"], dec), specs))
        self._tried: dict[tuple[Any, ...], set[int]] = {}
        self._poly = d.get("polymorphic")
        self._output_specs = [_Spec(s).tensor_spec() for s in d.get("output_specs", [])]
        self._dec = dec
        self._jit = jit

    def _to_json(self, enc: Any) -> dict[str, Any]:
        """This trace's entry for a new SavedModel (a restored object saved again)."""
        d = dict(self._json)
        d["by_shape"] = [{"shapes": [list(s) for s in shapes],
                          "paths": [{"graph": enc.graph(p.traced_graph), "structure": _json_out(s, enc),
                                     "specs": sp} for p, s, sp in paths]}
                         for shapes, paths in self._by_shape.items()]
        d["templates"] = [{"graph": enc.graph(t.graph),
                           "log": {"reads": [[v, list(s)] for v, s in t.log.reads],
                                   "reshapes": [[p, list(s)] for p, s in t.log.reshapes.items()]},
                           "structure": _json_out(t.structure, enc),
                           "specs": None if t.specs is None else [[t_.shape.as_list() if t_.shape.rank is not None
                                                                    else None, t_.dtype.name, t_.name]
                                                                   for t_ in t.specs]}
                          for t in self._templates]
        d["defaults"] = {k: enc.value(v) for k, v in self._defaults.items()}
        d["call"] = {"args": [_json_in(a, enc) for a in self._args],
                     "kwargs": [[k, _json_in(v, enc)] for k, v in self._kwargs.items()]}
        return d

    # -- binding a call to this trace ----------------------------------------------------------------------------
    def _canonical(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        names = self._arg_names
        for i, a in enumerate(args):
            name = names[i] if i < len(names) else f"args_{i}"
            out[name] = a
        for k, v in kwargs.items():
            if k in out:
                return None
            out[k] = v
        for k, v in self._defaults.items():
            out.setdefault(k, v)
        return out

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any] | None:
        """The call's flat tensors (in trace order) if it matches this trace; None otherwise."""
        given = self._canonical(args, kwargs)
        traced = self._canonical(tuple(self._args), self._kwargs)
        if given is None or traced is None or set(given) != set(traced):
            return None
        flat: list[Any] = [None] * len(self._specs)
        for k in traced:
            if not self._match(traced[k], given[k], flat):
                return None
        return flat

    def _match(self, traced: Any, given: Any, flat: list[Any]) -> bool:
        if type(traced) is _TensorSlot:
            spec = self._specs[traced.index]
            t = _as_tensor(given, spec)
            if t is None:
                return False
            flat[traced.index] = t
            return True
        if isinstance(traced, dict):
            if not isinstance(given, dict) or set(given) != set(traced):
                return False
            return all(self._match(traced[k], given[k], flat) for k in traced)
        if isinstance(traced, (list, tuple)):
            if not isinstance(given, (list, tuple)) or len(given) != len(traced):
                return False
            return all(self._match(a, b, flat) for a, b in zip(traced, given))
        if isinstance(given, _TensorLike):
            return False
        try:
            return bool(given == traced) and type(given) in (bool, int, float, complex, str, bytes, type(None))
        except Exception:  # noqa: BLE001  (an object whose == fails matches nothing)
            return False

    # -- calling -----------------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        flat = self._bind(args, kwargs)
        if flat is None:
            raise TypeError(f"{self.name}: the arguments {args!r}, {kwargs!r} do not match its traced signature "
                            f"{self._describe()}.")
        return self._run(flat)

    def _run(self, flat: list[Any]) -> Any:
        from ..compiler.function import _pack
        from ..compiler.trace import GuardMiss

        shapes = tuple(tuple(t._value.shape) for t in flat)
        paths = self._by_shape.get(shapes)
        if paths is None:
            paths = self._by_shape[shapes] = []
        for i, (program, structure, _) in enumerate(paths):
            try:
                outs = program(flat)
            except GuardMiss:
                continue
            if i:
                paths.insert(0, paths.pop(i))
            return _pack(structure, outs)
        # no saved program for these shapes (or no path whose guards hold): the size-polymorphic graph, then the
        # generic templates
        sizes = self._poly_sizes(flat) if self._poly is not None and not paths else None
        if sizes is not None:
            from ..compiler.program import Program
            from ._poly import instantiate

            for p in self._poly["paths"]:  # every data-dependent path, filled for these sizes
                filled = instantiate(p["graph"], p["holes"], sizes, self._dec.arrays)
                program = Program(self._dec.graph(filled, self.name), None, name=self._function_name,
                                  jit_compile=self._jit)
                paths.append((program, _output_structure(p["structure"], self._dec), None))
            for i, (program, structure, _) in enumerate(paths):
                try:
                    outs = program(flat)
                except GuardMiss:
                    continue
                if i:
                    paths.insert(0, paths.pop(i))
                return _pack(structure, outs)
        from ..compiler import shapes as shape_mod

        tried = self._tried.setdefault(shapes, set())
        reasons = []
        for template in self._templates:
            if id(template) in tried:
                continue
            tried.add(id(template))
            try:
                program = shape_mod.respecialize(template, flat, name=self._function_name, names=self._names)
            except GuardMiss:
                continue
            except Exception as exc:  # noqa: BLE001  (NotGeneric or an op failing for these shapes: reported below)
                reasons.append(f"{type(exc).__name__}: {exc}")
                continue
            paths.insert(0, (program, template.structure, None))
            try:
                return _pack(template.structure, program(flat))
            except GuardMiss:
                continue
        got = ", ".join(f"{tuple(s)}" for s in shapes)
        saved = "; ".join(", ".join(str(tuple(s)) for s in k) for k, v in self._by_shape.items() if v) or "none"
        why = f" ({'; '.join(reasons)})" if reasons else ""
        raise InvalidArgumentError(
            f"restored function {self.name}: no saved trace runs inputs of shapes {got}{why}. The SavedModel holds "
            f"programs for input shapes [{saved}] and the shape-generic traces of its None dims; a Python branch "
            "on tensor values that was not taken while tracing has no saved program either. Save the function "
            "with an input_signature whose None dims cover these shapes, or trace it on such inputs before saving.")

    def _poly_sizes(self, flat: list[Any]) -> list[int] | None:
        """The size of each size symbol in this call (None when the dims of one symbol differ)."""
        sizes = []
        for group in self._poly["groups"]:
            seen = {flat[i]._value.shape[axis] for i, axis in group}
            if len(seen) != 1:
                return None
            sizes.append(seen.pop())
        return sizes

    # -- inspection ------------------------------------------------------------------------------------------------
    def _describe(self) -> str:
        args = ", ".join(_show(a, self) for a in self._args)
        kw = ", ".join(f"{k}={_show(v, self)}" for k, v in self._kwargs.items())
        return f"({args}{', ' if args and kw else ''}{kw})"

    @property
    def structured_input_signature(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        def spec(x: Any) -> Any:
            if type(x) is _TensorSlot:
                return self._specs[x.index].tensor_spec(self._specs[x.index].name or self._names[x.index])
            if isinstance(x, dict):
                return {k: spec(v) for k, v in x.items()}
            if isinstance(x, list):
                return [spec(v) for v in x]
            if isinstance(x, tuple):
                return tuple(spec(v) for v in x)
            return x

        return tuple(spec(a) for a in self._args), {k: spec(v) for k, v in self._kwargs.items()}

    def _output_info(self) -> tuple[Any, list[Any]]:
        if self._poly is not None:
            return _output_structure(self._poly["paths"][0]["structure"], self._dec), None
        for paths in self._by_shape.values():
            if paths:
                return paths[0][1], paths[0][2]
        t = self._templates[0]
        return t.structure, [[s.shape.as_list() if s.shape.rank is not None else None, s.dtype.name, s.name]
                             for s in t.specs]

    @property
    def structured_outputs(self) -> Any:
        """The output structure with a ``TensorSpec`` per tensor."""
        from ..compiler.function import _OUT

        structure, _ = self._output_info()
        it = iter(self._output_specs)
        if structure is _OUT:
            return next(it)
        if not _nest.is_nested(structure):
            return structure
        return _nest.pack_sequence_as(structure, [next(it) if v is _OUT else v for v in _nest.flatten(structure)])

    @property
    def inputs(self) -> list[Any]:
        return [s.tensor_spec(s.name or n) for s, n in zip(self._specs, self._names)]

    def __repr__(self) -> str:
        return f"<RestoredConcreteFunction {self.name}{self._describe()}>"


def _show(x: Any, cf: RestoredConcreteFunction) -> str:
    if type(x) is _TensorSlot:
        s = cf._specs[x.index]
        return f"TensorSpec(shape={s.shape}, dtype=tf.{s.dtype.name})"
    if isinstance(x, (list, tuple)):
        inner = ", ".join(_show(v, cf) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner})"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v, cf)}" for k, v in x.items()) + "}"
    return repr(x)


def _json_in(x: Any, enc: Any) -> Any:
    if type(x) is _TensorSlot:
        return {"tensor": x.index}
    if isinstance(x, dict):
        return {"dict": [[enc.value(k), _json_in(v, enc)] for k, v in x.items()]}
    if isinstance(x, list):
        return [_json_in(v, enc) for v in x]
    if isinstance(x, tuple):
        return {"tuple": [_json_in(v, enc) for v in x]}
    return enc.value(x)


def _json_out(x: Any, enc: Any) -> Any:
    from ._save import _output_structure as out

    return out(x, enc)


def _as_tensor(x: Any, spec: _Spec) -> Any:
    """``x`` as a tensor fitting ``spec`` (same dtype, compatible shape), or None."""
    from ..ops.core import convert_to_tensor

    if isinstance(x, _TensorLike):
        t = x if type(x) is Tensor else convert_to_tensor(x)
        if t._value.dtype != spec.dtype._np:
            return None
    elif isinstance(x, (bool, int, float, complex, list, np.ndarray, np.generic)):
        arr = np.asarray(x)
        if arr.dtype.kind not in "biufc" or (arr.dtype.kind == "f" and spec.dtype._np.kind in "biu") or (
                arr.dtype.kind == "c" and spec.dtype._np.kind != "c"):
            return None
        t = convert_to_tensor(arr.astype(spec.dtype._np))
    else:
        return None
    if not spec.shape.is_compatible_with(TensorShape(t._value.shape)):
        return None
    return t


class RestoredFunction:
    """A ``tapegrad.function`` restored from a SavedModel: its saved traces (concrete functions); a call runs the
    first whose signature matches the arguments (no retracing: the Python body was not saved)."""

    def __init__(self, name: str, concretes: list[RestoredConcreteFunction], input_signature: Any) -> None:
        self.name = self.__name__ = name
        self._concretes = concretes
        self._input_signature = input_signature

    @property
    def input_signature(self) -> Any:
        return self._input_signature

    @property
    def concrete_functions(self) -> list[RestoredConcreteFunction]:
        return list(self._concretes)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for cf in self._concretes:
            flat = cf._bind(args, kwargs)
            if flat is not None:
                return cf._run(flat)
        if not self._concretes:
            raise ValueError(f"Found zero restored functions for caller function {self.name!r}: it was never "
                             "traced before the save (give it an input_signature or call it once before saving).")
        options = "\n".join(f"  Option {i + 1}: {cf._describe()}" for i, cf in enumerate(self._concretes))
        raise ValueError(f"Could not find matching concrete function to call loaded from the SavedModel "
                         f"(function {self.name!r}). Got: args={args!r}, kwargs={kwargs!r}.\nExpected arguments "
                         f"matching one of the following {len(self._concretes)} option(s):\n{options}\n(tensors "
                         "must have the traced dtype and a compatible shape; Python values must be equal.)")

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> RestoredConcreteFunction:
        """The saved trace that ``args`` (tensors or TensorSpecs and Python values) would call."""
        if not args and not kwargs and len(self._concretes) == 1:
            return self._concretes[0]
        from ..ops.tensor_spec import TensorSpec

        probe = _nest.map_structure(lambda v: _zeros_for(v) if isinstance(v, TensorSpec) else v, (args, kwargs))
        for cf in self._concretes:
            if cf._bind(*probe) is not None:
                return cf
        raise ValueError(f"no saved trace of {self.name!r} matches {args!r}, {kwargs!r}")

    def __repr__(self) -> str:
        return f"<tapegrad.saved_model RestoredFunction {self.name!r} ({len(self._concretes)} trace(s))>"


def _zeros_for(spec: Any) -> Any:
    from .._backend import NUMPY
    from .._tensor import make

    dims = [1 if d is None else d for d in (spec.shape.as_list() or [])]
    return make(np.zeros(dims, spec.dtype._np), NUMPY)


class SignatureFunction:
    """A serving signature: keyword tensor inputs named as the signature's inputs, a dict of named outputs."""

    def __init__(self, key: str, concrete: RestoredConcreteFunction, input_names: list[str]) -> None:
        self.name = key
        self._concrete = concrete
        self._input_names = input_names

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        names = self._input_names
        if len(args) > len(names):
            raise TypeError(f"signature {self.name!r} takes {len(names)} inputs ({names}), got {len(args)} positional")
        given = dict(zip(names, args))
        for k, v in kwargs.items():
            if k in given:
                raise TypeError(f"signature {self.name!r}: input {k!r} given twice")
            given[k] = v
        missing = [n for n in names if n not in given]
        extra = [k for k in given if k not in names]
        if missing or extra:
            raise TypeError(f"signature {self.name!r} takes the inputs {names}; missing {missing}, unexpected {extra}")
        flat = []
        for spec, n in zip(self._concrete._specs, names):
            t = _as_tensor(given[n], spec)
            if t is None:
                v = given[n]
                got = f"{v.dtype.name} tensor of shape {tuple(v.shape)}" if isinstance(v, _TensorLike) else repr(v)
                raise InvalidArgumentError(f"signature {self.name!r}: input {n!r} must be a {spec.dtype.name} tensor "
                                           f"of shape {spec.shape}, got a {got}")
            flat.append(t)
        return _as_output_dict(self._concrete._run(flat))

    @property
    def structured_input_signature(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (), {n: s.tensor_spec(n) for s, n in zip(self._concrete._specs, self._input_names)}

    @property
    def structured_outputs(self) -> dict[str, Any]:
        from ..ops.tensor_spec import TensorSpec

        out = _as_output_dict(self._concrete.structured_outputs)
        return {k: TensorSpec(v.shape, v.dtype, k) for k, v in out.items()}

    @property
    def inputs(self) -> list[Any]:
        return [s.tensor_spec(n) for s, n in zip(self._concrete._specs, self._input_names)]

    def __repr__(self) -> str:
        return f"<tapegrad.saved_model signature {self.name!r}: inputs {self._input_names}>"


def _as_output_dict(result: Any) -> dict[str, Any]:
    """TF's signature outputs: a returned dict as is, anything else flattened to ``output_0``, ``output_1``, ..."""
    if isinstance(result, dict) and all(isinstance(k, str) for k in result):
        return dict(result)
    return {f"output_{i}": v for i, v in enumerate(_nest.flatten(result))}


class _SignatureMap(dict):  # type: ignore[type-arg]
    """``loaded.signatures``: signature key → callable (a dict)."""

    def __repr__(self) -> str:
        return f"_SignatureMap({list(self)})"


# -- the whole load --------------------------------------------------------------------------------------------------
def read_manifest(export_dir: Any) -> tuple[Path, dict[str, Any]]:
    from ._save import MANIFEST

    path = Path(os.fspath(export_dir))
    manifest = path / MANIFEST
    if not manifest.is_file():
        if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
            raise OSError(f"{str(path)!r} is a TensorFlow SavedModel (saved_model.pb), which tapegrad cannot read: "
                          "TF's format is a protobuf GraphDef of TF kernels, tapegrad's is its own JSON IR. Load it "
                          "with TensorFlow, or re-export the model from tapegrad (tf.saved_model.save / "
                          "model.export).")
        raise OSError(f"SavedModel file does not exist at: {str(path)!r} (no {MANIFEST}; tapegrad writes one "
                      "with tf.saved_model.save or model.export).")
    d = json.loads(manifest.read_text())
    if d.get("format") != FORMAT:
        raise OSError(f"{str(manifest)!r} is not a tapegrad SavedModel manifest (format {d.get('format')!r}).")
    if int(d.get("version", 0)) > VERSION:
        raise OSError(f"{str(path)!r} was written in tapegrad SavedModel format version {d['version']}; this "
                      f"tapegrad reads versions up to {VERSION}. Upgrade tapegrad.")
    return path, d


def load(export_dir: Any, tags: Any = None, options: Any = None) -> Any:
    from ..train import _read_npz
    from . import LoadOptions

    if options is not None and not isinstance(options, LoadOptions):
        raise TypeError(f"options must be a tf.saved_model.LoadOptions, got {type(options).__name__}")
    options = options or LoadOptions()
    path, d = read_manifest(export_dir)
    if tags is not None:
        wanted = {tags} if isinstance(tags, str) else set(tags)
        if not wanted <= set(d.get("tags", [])):
            raise RuntimeError(f"MetaGraphDef associated with tags {sorted(wanted)} could not be found in "
                               f"SavedModel, with available tags '{d.get('tags')}'.")
    from ._save import ARRAYS

    if options.experimental_skip_checkpoint:
        values: dict[str, np.ndarray] = {}
    else:
        values, _ = _read_npz(path / "variables" / "variables.npz")
    variables = []
    for v in d["variables"]:
        value = values.get(v["key"])
        if value is None:
            if not options.experimental_skip_checkpoint and not options.allow_partial_checkpoint:
                raise ValueError(f"the SavedModel's checkpoint has no value for variable {v['key']!r}")
            value = np.zeros(v["shape"], np.dtype(v["dtype"]))
        variables.append(Variable(value, trainable=v["trainable"], name=v["name"], dtype=v["dtype"]))
    from . import Asset

    assets = [Asset(str(path / "assets" / a["filename"])) for a in d["assets"]]
    with np.load(path / ARRAYS, allow_pickle=False) as data:
        arrays = {k: np.array(data[k]) for k in data.files}
    dec = Decoder(arrays, variables, d["generators"], assets)
    concretes: list[RestoredConcreteFunction | None] = [None] * len(d["concrete_functions"])

    def concrete(k: int) -> RestoredConcreteFunction:
        c = concretes[k]
        if c is None:
            c = concretes[k] = RestoredConcreteFunction(d["concrete_functions"][k], dec)
        return c

    objects: list[Any] = [None] * len(d["nodes"])
    for k, node in enumerate(d["nodes"]):  # leaves first; containers filled in afterwards (cycles allowed)
        kind = node["kind"]
        if kind == "variable":
            objects[k] = variables[node["variable"]]
        elif kind == "asset":
            objects[k] = assets[node["asset"]]
        elif kind == "function":
            f = d["functions"][node["function"]]
            sig = None if f["input_signature"] is None else [_Spec(s).tensor_spec() for s in f["input_signature"]]
            objects[k] = RestoredFunction(f["name"], [concrete(i) for i in f["concretes"]], sig)
        elif kind == "user_object":
            objects[k] = _UserObject()
        elif kind in ("list", "dict"):
            objects[k] = [] if kind == "list" else {}
    for k, node in enumerate(d["nodes"]):
        kind = node["kind"]
        if kind == "user_object":
            for name, c in node["children"]:
                setattr(objects[k], name, objects[c])
        elif kind == "list":
            objects[k].extend(objects[c] for _, c in node["children"])
        elif kind == "dict":
            objects[k].update((key, objects[c]) for key, c in node["children"])
    for k, node in reversed(list(enumerate(d["nodes"]))):  # tuples are immutable: built once their items exist
        if node["kind"] == "tuple":
            objects[k] = tuple(objects[c] for _, c in node["children"])
    for k, node in enumerate(d["nodes"]):
        if node["kind"] == "user_object":
            for name, c in node["children"]:
                if d["nodes"][c]["kind"] == "tuple":
                    setattr(objects[k], name, objects[c])
    root = objects[0]
    sigs = _SignatureMap()
    for s in d["signatures"]:
        sigs[s["key"]] = SignatureFunction(s["key"], concrete(s["concrete"]), s["inputs"])
    root.signatures = sigs
    if options.experimental_load_function_aliases:
        root.function_aliases = {alias: objects[k] for alias, k in d.get("function_aliases", {}).items()}
    return root
