"""``tapegrad.function``: TensorFlow 2's ``tf.function`` on tapegrad's compiler.

The first call for an input signature runs the Python body once under the graph recorder
(:func:`tapegrad.compiler.trace.trace`); later calls with the same signature run the compiled
:class:`~tapegrad.compiler.program.Program` and no Python. What makes two calls share a trace is TF's rule
(``docs/function.md``):

* tensors, NumPy arrays and Variables: their shape and dtype (Variables and tensors are different kinds);
* Python scalars, ``None`` and strings: their value, compared with ``==``/``hash`` (so ``1``, ``1.0`` and ``True``
  share a trace); other Python objects: their identity;
* lists, tuples, dicts and namedtuples: their structure and each element's key; positional and keyword passing
  are different calls (``g(t)`` and ``g(x=t)`` trace twice), and so is leaving out a defaulted argument.

Data-dependent Python control flow (``if t > 0:``, ``while``, ``for i in tf.range(n)``) works through guards the
recorder keeps: a call whose guards fail traces the other path and keeps it next to the first (a bounded number
of paths per signature, each counted as a retrace for the retracing warning).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import linecache
import os
import sys
import threading
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _nest, _tensor
from .._shape import TensorShape
from .._tape import local
from .._tensor import Tensor, Variable, _TensorLike
from ..errors import InvalidArgumentError
from ..ops.core import convert_to_tensor
from ..ops.execution import _Config
from ..ops.tensor_spec import TensorSpec
from . import datasets as _datasets
from . import loops
from ._binding import _describe, make_binder

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MAX_PATHS = 16  # guard paths kept per concrete function (least recently used evicted)

# -- the core, imported on the first trace (``import tapegrad`` stays light) ----------------------------------------
_core: dict[str, Any] = {}


def _load_core() -> dict[str, Any]:
    if not _core:
        from . import trace as trace_module

        _core["trace"] = trace_module.trace
        _core["GuardMiss"] = trace_module.GuardMiss
        _core["is_tracing"] = trace_module.is_tracing
        params = inspect.signature(trace_module.trace).parameters
        _core["names_kw"] = "names" in params
        _core["generic_kw"] = "generic" in params
        from . import shapes

        shapes.install()
        _core["shapes"] = shapes
    return _core


def is_tracing() -> bool:
    """True while a ``tapegrad.function`` body is being traced on this thread."""
    if not _state.depth:
        return False
    return bool(_load_core()["is_tracing"]())


class _State(threading.local):
    depth = 0  # traces of this module in progress on this thread
    no_autograph = 0  # inside tapegrad.autograph.do_not_convert code
    autograph: list[bool]  # per active trace: the function's autograph setting
    explore: Any = None  # the _Explore of the first trace in progress (records / forces tensor-dependent `if`s)
    creating: list[Any]  # per active trace: (may create Variables?, Variables created)
    names: dict[int, str]  # id(raw value of a placeholder) -> its name, for the symbolic repr

    def __init__(self) -> None:
        self.creating = []
        self.names = {}
        self.autograph = []


_state = _State()


# -- the retracing warning (TF's counting rule) ---------------------------------------------------------------------
_WARN_HISTORY = 10  # calls looked back over
_WARN_THRESHOLD = 5  # traces within them that log the warning
_WARN_LIMIT = 2  # warnings per code object for the whole process


class _CallCounter:
    """Calls and traces of one code object: TF's ``_CallCounter``."""

    __slots__ = ("per_trace", "calls", "warned", "__weakref__")

    def __init__(self) -> None:
        self.per_trace: list[int] = []  # calls since each recent trace (the trace's own call included)
        self.calls = 0
        self.warned = 0

    def traced(self) -> None:
        self.calls += 1
        self.per_trace.append(1)
        while self.per_trace and self.calls - self.per_trace[0] > _WARN_HISTORY:
            self.calls -= self.per_trace.pop(0)

    def cached(self) -> None:
        if not self.per_trace:
            self.per_trace.append(0)
        self.per_trace[-1] += 1
        self.calls += 1


_counters: weakref.WeakKeyDictionary[Any, _CallCounter] = weakref.WeakKeyDictionary()
_counters_strong: dict[Any, _CallCounter] = {}


def _counter_for(fn: Callable[..., Any]) -> _CallCounter:
    target = fn
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    target = getattr(target, "__func__", target)
    key = getattr(target, "__code__", target)
    try:
        c = _counters.get(key)
        if c is None:
            c = _counters[key] = _CallCounter()
    except TypeError:  # not weak-referenceable
        c = _counters_strong.setdefault(id(key), _CallCounter())
    return c


def _note_trace(function: Function) -> None:
    c = function._counter
    c.traced()
    n = len(c.per_trace)
    if n >= _WARN_THRESHOLD and c.warned < _WARN_LIMIT:
        c.warned += 1
        import logging

        logging.getLogger("tapegrad").warning(
            f"{n} out of the last {c.calls} calls to {function._python_function!r} triggered tf.function retracing. "
            "Tracing is expensive and the excessive number of tracings could be due to (1) creating "
            "@tf.function repeatedly in a loop, (2) passing tensors with different shapes, (3) passing Python "
            "objects instead of tensors. For (1), please define your @tf.function outside of the loop. For (2), "
            "@tf.function has reduce_retracing=True option that can avoid unnecessary retracing. For (3), please "
            "refer to https://www.tensorflow.org/guide/function#controlling_retracing and "
            "https://www.tensorflow.org/api_docs/python/tf/function for  more details.")


# -- cache keys -----------------------------------------------------------------------------------------------------
class _Kind:
    """Markers inside cache keys (compared by identity, so no user value can collide with them)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_T, _V, _L, _U, _N, _D, _O, _H, _KW, _R = (_Kind(n) for n in ("T", "V", "L", "U", "N", "D", "O", "H", "KW", "R"))
_DS = _Kind("DS")  # a tf.data.Dataset: keyed by its element spec (TF's DatasetSpec)
_S = _Kind("S")  # a SparseTensor (or SparseTensorSpec): its indices, values and dense_shape are the leaves
_X = _Kind("X")  # an ExtensionType: keyed by its type and its fields (tensors by shape and dtype, as TF's spec)
_SCALAR_TYPES = (bool, int, float, complex, str, bytes, type(None))


def _sorted_keys(d: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


class _Leaf:
    """A tensor leaf of the arguments: the value passed to the Program and the spec it was traced with."""

    __slots__ = ("value", "spec", "name")

    def __init__(self, value: Any, spec: TensorSpec | None, name: str) -> None:
        self.value = value  # Tensor | Variable | None (None: a TensorSpec given to get_concrete_function)
        self.spec = spec
        self.name = name


def _key_of(x: Any, leaves: list[_Leaf], refs: list[Any], name: str) -> Any:
    """The cache key of one argument; its tensor leaves are appended to ``leaves`` in a fixed order."""
    t = type(x)
    if t is Tensor:
        v = x._value
        leaves.append(_Leaf(x, None, name))
        return (_T, v.shape, v.dtype)
    if t is Variable:
        v = x._value
        leaves.append(_Leaf(x, None, name))
        return (_V, v.shape, v.dtype)
    if t in _SCALAR_TYPES:
        return x
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "biufc":
        tensor = convert_to_tensor(x)
        leaves.append(_Leaf(tensor, None, name))
        return (_T, tensor._value.shape, tensor._value.dtype)
    if t is _ragged_type():
        # A RaggedTensor: its flat values and row splits are the leaves. As TF's trace type (the RaggedTensorSpec
        # [nrows, None, ...]), the key holds the row count, dtypes and inner dims, not the values' count: one trace
        # serves RaggedTensors of other row lengths.
        parts = (x.flat_values, *x.nested_row_splits)
        for i, c in enumerate(parts):
            dims = list(c._value.shape)
            if i == 0 or i > 1:
                dims[0] = None
            leaves.append(_Leaf(c, TensorSpec(dims, c.dtype), f"{name}_{i}" if i else name))
        return (_R, x.ragged_rank, *[(c._value.shape[1:] if i == 0 else c._value.shape if i == 1 else (),
                                      c._value.dtype) for i, c in enumerate(parts)])
    parts = _composite_parts(x)
    if parts is not None and not isinstance(parts[0], TensorSpec):
        # A SparseTensor: keyed like TF's trace type (its dense shape and dtype), not by its entry count; the
        # leaves are traced with that count unknown, so other sparsity patterns of the shape reuse the trace.
        ind, val, dims = parts
        for i, (c, spec) in enumerate(zip(parts, [[None, ind._value.shape[1]], [None], list(dims._value.shape)])):
            leaves.append(_Leaf(c, TensorSpec(spec, c.dtype), f"{name}_{i}" if i else name))
        return (_S, tuple(np.asarray(dims._value).tolist()), val._value.dtype)
    if parts is not None:  # a SparseTensorSpec/RaggedTensorSpec: its component TensorSpecs
        kind = _R if t is _ragged_spec_type() else _S
        return (kind, *[_key_of(c, leaves, refs, f"{name}_{i}" if i else name) for i, c in enumerate(parts)])
    if isinstance(x, TensorSpec):
        dims = x.shape._dims
        leaves.append(_Leaf(None, x, x.name or name))
        return (_T, None if dims is None else tuple(dims), x.dtype._np)
    if isinstance(x, _TensorLike):  # another tensor type: by shape and dtype
        leaves.append(_Leaf(x, None, name))
        return (_V, tuple(x.shape.as_list() or ()), x._value.dtype)
    if t is list or t is tuple:
        return (_L if t is list else _U, *[_key_of(v, leaves, refs, f"{name}_{i}" if i else name)
                                           for i, v in enumerate(x)])
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (_N, t, *[_key_of(v, leaves, refs, f"{name}_{i}" if i else name) for i, v in enumerate(x)])
    if isinstance(x, dict):
        keys = _sorted_keys(x)
        return (_D, t, *[(k, _key_of(x[k], leaves, refs, f"{name}_{i}" if i else name))
                         for i, k in enumerate(keys)])
    if isinstance(x, (list, tuple)):
        return (_L if isinstance(x, list) else _U, t, *[_key_of(v, leaves, refs, f"{name}_{i}" if i else name)
                                                         for i, v in enumerate(x)])
    if getattr(t, "_tg_composite", False):  # an ExtensionType (experimental/extension_type.py)
        return (_X, t, _key_of(x._tg_trace_parts(), leaves, refs, name))
    if _datasets.is_dataset(x):  # its loops run per call over its elements (compiler/datasets.py)
        return (_DS, _datasets.spec_key(x.element_spec))
    try:
        refs.append(weakref.ref(x))
        return (_O, id(x))
    except TypeError:
        pass
    try:
        hash(x)
        return (_H, t, x)
    except TypeError:
        refs.append(x)  # kept alive: its id stays its own
        return (_O, id(x))


def _ragged_type() -> Any:
    from ..ops._common import RAGGED_TYPE

    return RAGGED_TYPE[0]


def _ragged_spec_type() -> Any:
    from ..ops.ragged_ops import RaggedTensorSpec

    return RaggedTensorSpec


def _composite_parts(x: Any) -> list[Any] | None:
    """The leaves of a SparseTensor (indices, values, dense_shape), or the component TensorSpecs of a
    SparseTensorSpec / RaggedTensorSpec; None for anything else."""
    from ..ops.sparse_ops import SparseTensor, SparseTensorSpec

    t = type(x)
    if t is SparseTensor:
        return [x.indices, x.values, x.dense_shape]
    if t is SparseTensorSpec or t is _ragged_spec_type():
        return x._components()
    return None


def _expand_specs(signature: Any) -> list[TensorSpec]:
    """An input_signature's TensorSpecs, each composite spec replaced by its components (in _key_of order)."""
    out: list[TensorSpec] = []
    for s in _nest.flatten(list(signature)):
        parts = _composite_parts(s)
        out.extend(parts if parts is not None else [s])
    return out


def _rebuild(x: Any, it: Any) -> Any:
    """``x`` with its tensor leaves (in :func:`_key_of` order) replaced by the next items of ``it``."""
    t = type(x)
    if t is _ragged_type():
        flat = next(it)
        splits = [next(it) for _ in range(x.ragged_rank)]
        if isinstance(flat, TensorSpec):  # (structured_input_signature: the trace type)
            return _ragged_spec_type().from_value(x)
        return t.from_nested_row_splits(flat, splits, validate=False)
    parts = _composite_parts(x)
    if parts is not None:
        got = [next(it) for _ in parts]
        if isinstance(got[0], TensorSpec):  # (structured_input_signature: the composite's spec)
            return x._type_spec if t.__name__ == "SparseTensor" else x
        if t is _ragged_spec_type():
            return _ragged_type().from_nested_row_splits(got[0], got[1:], validate=False)
        from ..ops.sparse_ops import SparseTensor

        return SparseTensor(*got)
    if t is Tensor or t is Variable or isinstance(x, (TensorSpec, _TensorLike)):
        return next(it)
    if t in _SCALAR_TYPES:
        return x
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "biufc":
        return next(it)
    if getattr(t, "_tg_composite", False):
        return x._tg_from_trace_parts(_rebuild(x._tg_trace_parts(), it))
    if t is list:
        return [_rebuild(v, it) for v in x]
    if t is tuple:
        return tuple(_rebuild(v, it) for v in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return t(*[_rebuild(v, it) for v in x])
    if isinstance(x, dict):
        vals = {k: _rebuild(x[k], it) for k in _sorted_keys(x)}
        return {k: vals[k] for k in x} if t is dict else t((k, vals[k]) for k in x)
    if isinstance(x, (list, tuple)):
        return t(_rebuild(v, it) for v in x)
    return x


# -- symbolic stand-ins for TensorSpecs without values -----------------------------------------------------------
def _example_value(spec: TensorSpec) -> Tensor:
    """A value-carrying placeholder for a spec given without an example (unknown sizes become 1)."""
    dims = spec.shape._dims
    shape = (1,) if dims is None else tuple(1 if d is None else d for d in dims)
    if spec.dtype._np.kind == "O":
        return convert_to_tensor(np.full(shape, b"", dtype=object))  # strings: empty ones (zeros are not text)
    return convert_to_tensor(np.zeros(shape, dtype=spec.dtype._np))


# -- return values --------------------------------------------------------------------------------------------------
class _Out:
    """A tensor position in a returned structure."""

    __slots__ = ()


_OUT = _Out()


def _bad_return(function: Any, value: Any) -> TypeError:
    return TypeError(
        "To be compatible with tf.function, Python functions must return zero or more Tensors or ExtensionTypes "
        f"or None values; in compilation of {function!r}, found return value of type {type(value).__name__}, "
        "which is not a Tensor or ExtensionType.")


class _RaggedOut:
    """A RaggedTensor in a returned structure: its flat values and ``ragged_rank`` row splits are outputs."""

    __slots__ = ("ragged_rank",)

    def __init__(self, ragged_rank: int) -> None:
        self.ragged_rank = ragged_rank


class _ExtOut:
    """An ExtensionType in a returned structure: its ``n`` component tensors are outputs, rebuilt into ``like``."""

    __slots__ = ("like", "n")

    def __init__(self, like: Any, n: int) -> None:
        self.like, self.n = like, n


class _SparseOut:
    """A SparseTensor in a returned structure: its indices, values and dense_shape are outputs."""

    __slots__ = ()


def _output_leaf(x: Any, function: Any, flat: list[Any]) -> Any:
    t = type(x)
    if t is Tensor:
        flat.append(x)
        return _OUT
    if t is _ragged_type():
        from ..ops.core import identity

        flat.extend(identity(c) for c in (x.flat_values, *x.nested_row_splits))
        return _RaggedOut(x.ragged_rank)
    if t.__name__ == "SparseTensor":
        from ..ops.core import identity

        flat.extend(identity(c) for c in (x.indices, x.values, x.dense_shape))
        return _SparseOut()
    if x is None:
        return x
    if getattr(t, "_tg_composite", False):  # an ExtensionType: its tensors are outputs
        from ..ops.core import identity

        parts = x._tg_components()
        flat.extend(identity(c) for c in parts)
        return _ExtOut(x, len(parts))
    if t is str or t is bytes:
        flat.append(convert_to_tensor(x))  # a Python string returned by the body is a tf.string scalar, as TF
        return _OUT
    if t is Variable or isinstance(x, _TensorLike):
        from ..ops.core import identity

        flat.append(identity(x))  # a snapshot of the value, never the Variable itself
        return _OUT
    if t is bool or t is int or t is float or isinstance(x, (np.ndarray, np.generic)):
        if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind not in "biufc":
            raise _bad_return(function, x)
        flat.append(convert_to_tensor(x))
        return _OUT
    if t is complex:
        flat.append(convert_to_tensor(x))
        return _OUT
    raise _bad_return(function, x)


def _flatten_result(result: Any, function: Any) -> tuple[list[Any], Any]:
    flat: list[Any] = []
    if type(result) is Tensor:
        flat.append(result)
        return flat, _OUT
    if _nest.is_nested(result):
        leaves = _nest.flatten(result)
        structure = _nest.pack_sequence_as(result, [_output_leaf(v, function, flat) for v in leaves])
        return flat, structure
    return flat, _output_leaf(result, function, flat)


def _wrap(out: Any) -> Any:
    if isinstance(out, np.ndarray) or isinstance(out, np.generic):
        from .._backend import NUMPY
        from .._tensor import make

        return make(out, NUMPY)
    return out


def _pack(structure: Any, outs: list[Any]) -> Any:
    if structure is _OUT:
        return _wrap(outs[0])
    if structure is None:
        return None
    it = iter(outs)
    if not _nest.is_nested(structure):
        return _ragged_out(structure, it) if type(structure) in (_RaggedOut, _SparseOut, _ExtOut) else structure
    leaves = [_wrap(next(it)) if v is _OUT else _ragged_out(v, it) if type(v) in (_RaggedOut, _SparseOut, _ExtOut)
              else v
              for v in _nest.flatten(structure)]
    return _nest.pack_sequence_as(structure, leaves)


def _ragged_out(marker: _RaggedOut | _SparseOut | _ExtOut, it: Any) -> Any:
    if type(marker) is _ExtOut:
        return marker.like._tg_from_components([_wrap(next(it)) for _ in range(marker.n)])
    if type(marker) is _SparseOut:
        from ..ops.sparse_ops import SparseTensor

        return SparseTensor(_wrap(next(it)), _wrap(next(it)), _wrap(next(it)))
    flat = _wrap(next(it))
    splits = [_wrap(next(it)) for _ in range(marker.ragged_rank)]
    return _ragged_type().from_nested_row_splits(flat, splits, validate=False)


# -- exceptions raised while tracing ------------------------------------------------------------------------------
def _user_frames(tb: Any) -> list[tuple[str, int, str]]:
    frames = []
    skip = (_PKG_DIR, os.path.dirname(os.__file__), os.path.dirname(np.__file__))
    while tb is not None:
        code = tb.tb_frame.f_code
        fname = code.co_filename
        if not fname.startswith(skip) and not fname.startswith("<frozen"):
            frames.append((fname, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    return frames


def _in_user_code(exc: BaseException, body_frame_code: Any) -> BaseException:
    """``exc`` with TF's "in user code:" message (same type; frames from the traced body down)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not body_frame_code:
        tb = tb.tb_next
    frames = _user_frames(tb)
    original = getattr(exc, "_tapegrad_original_message", None)
    if original is None:
        original = str(exc) if not isinstance(exc, KeyError) else (repr(exc.args[0]) if exc.args else "")
    lines = ["in user code:", ""]
    for fname, lineno, func in frames:
        lines.append(f'    File "{fname}", line {lineno}, in {func}  *')
        src = linecache.getline(fname, lineno).strip()
        if src:
            lines.append(f"        {src}")
    lines += ["", f"    {type(exc).__name__}: {original}", ""]
    message = "\n".join(lines)
    try:
        new = type(exc).__new__(type(exc))
        new.__dict__.update(getattr(exc, "__dict__", {}))
        new.args = (message,)
        if hasattr(exc, "_message"):
            new._message = message
        if isinstance(getattr(exc, "message", None), str):  # tf.errors.OpError's str() is its .message
            new.message = message
        new._tapegrad_original_message = original
        str(new)
    except Exception:  # noqa: BLE001  (an exception class that cannot be re-made: keep it as it is)
        return exc
    return new


def _check_effects_before_guards(program: Any, function: Any) -> None:
    """A host call (compiler/host.py: Keras optimizer and metric updates) runs where it was recorded; a guard
    after it could fail after the update ran, and the retrace would run it twice. Refuse such a program."""
    graph = getattr(program, "graph", None)
    if graph is None:
        return
    from .graph import GUARD
    from .host import HOST_EFFECT

    effect = None
    for node in graph.nodes:
        if node.op is HOST_EFFECT:
            effect = node
        elif node.op is GUARD and effect is not None:
            from .trace import TraceError

            where = "" if node.source is None else f" (at {node.source[0]}:{node.source[1]})"
            raise TraceError(
                f"{function!r}: a Python value taken from a tensor{where} comes after an optimizer or metric update "
                "in the same tapegrad.function; a call where that value differs would retrace after the update ran. "
                "Take data-dependent Python decisions before the update (or use tf.cond / tf.where), or run the "
                "function eagerly.")


def _as_static_error(exc: BaseException) -> BaseException:
    if getattr(exc, "_tapegrad_runtime", False):
        return exc  # a failed tf.debugging.assert_*: TF reports it as InvalidArgumentError too
    text = str(exc).lower()
    if "index" in text or "indices" in text or "out of range" in text:
        return exc  # depends on values: TF reports it when the graph runs, as InvalidArgumentError
    if "dtype" in text:
        kind: type[BaseException] = TypeError
    elif "shape" in text or "broadcast" in text or "dimension" in text:
        kind = ValueError
    else:
        return exc
    new = kind(*exc.args)
    new.__traceback__ = exc.__traceback__
    return new


# -- the variable-creation rule --------------------------------------------------------------------------------------
_SINGLETON_MESSAGE = (
    "tf.function only supports singleton tf.Variables created on the first call. Make sure the tf.Variable is only "
    "created once or created outside tf.function. See https://www.tensorflow.org/guide/function#creating_tfvariables "
    "for more information.")


def _on_variable_created(variable: Any) -> None:
    """Called by ``Variable.__init__`` while a trace is active on this thread."""
    if not _state.creating:
        return
    rule = _state.creating[-1]
    if rule is None:
        return
    if not rule[0]:
        raise ValueError(_SINGLETON_MESSAGE)
    rule[1].append(variable)


# -- concrete functions -----------------------------------------------------------------------------------------------
def _spec_of(t: Any, name: str | None = None) -> TensorSpec:
    return TensorSpec(t.shape, t.dtype, name)


class _Graph:
    """``ConcreteFunction.graph``: the traced graph as users inspect it (``get_operations()``)."""

    def __init__(self, concrete: ConcreteFunction) -> None:
        self._concrete = concrete

    @property
    def name(self) -> str:
        return self._concrete.name

    def get_operations(self) -> list[Any]:
        program = self._concrete._program()
        graph = getattr(program, "graph", None)
        if graph is None:
            return []
        nodes = getattr(graph, "nodes", None)
        if nodes is None:
            nodes = graph.get_operations() if hasattr(graph, "get_operations") else list(graph)
        return [_Operation(n) for n in nodes]

    def __repr__(self) -> str:
        return f"<tapegrad FuncGraph {self.name!r}>"


class _Operation:
    """One graph node seen as a TF ``Operation``: ``name``, ``type``, ``inputs``, ``outputs``."""

    def __init__(self, node: Any) -> None:
        self._node = node

    @property
    def name(self) -> str:
        return str(getattr(self._node, "name", ""))

    @property
    def type(self) -> str:
        op = getattr(self._node, "op", None)
        return str(getattr(op, "name", op) if op is not None else getattr(self._node, "type", ""))

    @property
    def inputs(self) -> list[Any]:
        return list(getattr(self._node, "inputs", ()))

    @property
    def outputs(self) -> list[Any]:
        return list(getattr(self._node, "outputs", ()))

    @property
    def node_def(self) -> Any:
        return self._node

    def __repr__(self) -> str:
        return f"<tapegrad.Operation '{self.name}' type={self.type}>"


def _execute(program: Any, flat: list[Any], call: tuple[tuple[Any, ...], dict[str, Any]]) -> list[Any]:
    """Run ``program`` on the call's tensors, plus the elements of the datasets its trace looped over."""
    if _feeds(program):
        return program(flat + _datasets.feeder(call).inputs(program))
    return program(flat)


def _plain(program: Any, flat: list[Any], call: Any) -> list[Any]:
    return program(flat)


def _feeds(program: Any) -> bool:
    """Whether ``program`` takes dataset elements (or checks dataset arguments' identity) on every call."""
    return bool(getattr(program, "feeds", None) or getattr(program, "same_datasets", None))


class ConcreteFunction:
    """One trace of a :class:`Function`: a signature and its compiled program(s).

    Obtained from :meth:`Function.get_concrete_function`. Calling it checks less than calling the ``Function``:
    shapes are not re-checked and Python values are converted to the traced dtypes, but a tensor of another dtype
    raises ``InvalidArgumentError``.

    >>> import tapegrad as tf
    >>> f = tf.function(lambda x: x * 2)
    >>> cf = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    >>> cf(tf.constant([1.0, 2.0])).numpy().tolist()
    [2.0, 4.0]
    """

    def __init__(self, function: Function, key: Any, call: tuple[tuple[Any, ...], dict[str, Any]],
                 leaves: list[_Leaf], refs: list[Any], specs: list[TensorSpec], number: int) -> None:
        self._function = function
        self._key = key
        self._call = call  # the (args, kwargs) of the trace, tensor leaves included (for retracing a guard path)
        self._names = [leaf.name for leaf in leaves]
        self._specs = specs  # one per tensor leaf (None dims where generalised)
        self._refs = refs  # weak references to identity-keyed arguments
        # Programs by input shapes: a signature with None dims (or a concrete function called with other shapes)
        # gets one program per concrete shape; each list holds the guard paths, most recently used first.
        self._general = any(_has_none(s) for s in specs)
        self._paths: list[tuple[Any, Any, Any]] = []  # (Program, output structure, output specs)
        self._by_shape: dict[tuple[Any, ...], list[tuple[Any, Any, Any]]] = {}
        self._single: tuple[Any, Any] | None = None  # (generated function, structure) while there is one path
        if not self._general:
            self._by_shape[tuple(tuple(s.shape.as_list()) for s in specs)] = self._paths
        self._pending = leaves  # traced lazily with these (example values or TensorSpecs)
        self._counted = False  # counted in the function's tracing count
        self._feeding = False  # a program of this trace takes dataset elements (compiler/datasets.py)
        self._number = number
        self._variables: list[Any] = []
        # Generic traces (None dims): each body trace is kept as a template that compiler.shapes replays for other
        # concrete shapes, so the body runs once per signature (and per data-dependent path).
        self._templates: list[Any] = []
        self._replayed: dict[tuple[Any, ...], set[int]] = {}  # input shapes -> ids of templates replayed for them
        self.not_generic_reasons: list[str] = []  # why a replay was refused (the body ran again for that shape)

    # -- tracing -----------------------------------------------------------------------------------------------
    def _program(self) -> Any:
        """The most recently used program (tracing now, on example values, if nothing has run yet)."""
        if not self._paths:
            flat = [leaf.value if leaf.value is not None else _example_value(leaf.spec) for leaf in self._pending]
            self._function._first_trace(self, flat, self._call, self._paths_for(flat))
        return self._paths[0][0]

    def _paths_for(self, flat: list[Any]) -> list[tuple[Any, Any, Any]]:
        shapes = tuple([t._value.shape for t in flat])
        paths = self._by_shape.get(shapes)
        if paths is None:
            paths = self._by_shape[shapes] = []
        return paths

    def _trace(self, flat: list[Any], call: tuple[tuple[Any, ...], dict[str, Any]], paths: list[Any],
               allow_variables: bool = False, created: list[Any] | None = None,
               explore: Any = None) -> tuple[Any, Any, Any]:
        """Run the body once under the recorder on ``flat`` (the call's tensor leaves); keep the program."""
        core = _load_core()
        function = self._function
        body = function._python_function
        args, kwargs = call
        box: dict[str, Any] = {}

        names = self._names
        relaxed = [s.shape if _has_none(s) else None for s in self._specs]

        def run(placeholders: list[Any]) -> tuple[list[Any], Any]:
            box["placeholders"] = placeholders
            for p, n, r in zip(placeholders, names, relaxed):
                _state.names[id(p._value)] = n
                if r is not None:
                    _tensor._relaxed_shapes[id(p._value)] = r  # the body sees the None dims, as TF's does
            it = iter(placeholders)
            a = _rebuild(args, it)
            k = {name: _rebuild(v, it) for name, v in kwargs.items()} if kwargs else {}
            box["code"] = _frame_code(body)
            ds_args = _datasets.datasets_in((a, k))
            if ds_args:  # loops over them feed the program; other uses of them are guarded by identity
                saved_ds, _datasets.state.datasets = _datasets.state.datasets, ds_args
                watched = _datasets.watch(ds_args)
                try:
                    result = body(*a, **k)
                finally:
                    box["same_datasets"] = _datasets.unwatch(watched)
                    _datasets.state.datasets = saved_ds
            else:
                result = body(*a, **k)
            box["returned"] = True
            out, structure = _flatten_result(result, function._python_function)
            box["structure"] = structure
            static = _tensor._relaxed_shapes
            box["specs"] = [TensorSpec(static.get(id(o._value), TensorShape(o._value.shape)), o.dtype) for o in out]
            return out, structure

        kw: dict[str, Any] = {"name": function.__name__, "jit_compile": bool(function._jit_compile)}
        if core["names_kw"]:
            kw["names"] = self._names
        if self._general and core.get("generic_kw"):
            kw["generic"] = True
        saved_explore = _state.explore
        saved_loops = loops.reset()
        _datasets.enter()
        _state.explore = explore
        _state.depth += 1
        _state.autograph.append(bool(function._autograph))
        _state.creating.append((allow_variables, created if created is not None else []))
        try:
            program = core["trace"](run, flat, **kw)
        except Exception as exc:
            code = box.get("code")
            if code is not None and "returned" not in box and not isinstance(exc, core["GuardMiss"]):
                if isinstance(exc, InvalidArgumentError) and not self._general:
                    # Every shape and dtype is static in this trace: TF reports such errors while tracing, as
                    # TypeError (dtypes) or ValueError (shapes).
                    exc = _as_static_error(exc)
                raise _in_user_code(exc, code).with_traceback(exc.__traceback__) from None
            raise
        finally:
            for p, n in zip(box.get("placeholders", ()), names):
                if type(p) is Tensor:  # the trace's stand-ins: unusable once it ends (TF: out of scope)
                    p._value = _OutOfScope(p._value, n)
            _state.explore = saved_explore
            loops.restore(saved_loops)
            _datasets.leave()
            _state.creating.pop()
            _state.autograph.pop()
            _state.depth -= 1
            if not _state.depth:
                _state.names.clear()
                _state.__dict__.pop("name_counts", None)
                _state.__dict__.pop("named", None)
                _tensor._relaxed_shapes.clear()
        _check_effects_before_guards(program, function)
        if box.get("same_datasets"):
            program.same_datasets = box["same_datasets"]
        structure = box["structure"] if "structure" in box else getattr(program, "output_structure", None)
        path = (program, structure, box.get("specs"))
        log = getattr(program, "shapelog", None)
        if log is not None and _feeds(program):  # dataset elements are extra inputs a replay would not feed
            self.not_generic_reasons.append("the body loops over a dataset (its elements are program inputs)")
        elif log is not None:
            if log.reason is None:
                self._templates.insert(0, core["shapes"].Template(program.traced_graph, log, structure, path[2]))
                del self._templates[_MAX_PATHS:]
                self._replayed.setdefault(tuple([t._value.shape for t in flat]), set()).add(id(self._templates[0]))
            else:
                self.not_generic_reasons.append(log.reason)
        paths.insert(0, path)
        del paths[_MAX_PATHS:]
        self._paths = paths
        self._pending = []
        fn = getattr(program, "fn", None)
        single = (fn, structure) if fn is not None and len(paths) == 1 and not self._general else None
        if _feeds(program):
            self._feeding = True
            single = None  # the program takes dataset elements as extra inputs: through _run
        if single is not None and structure is not _OUT and structure is not None:
            if any(not isinstance(o, Tensor) for o in ()):
                single = None
        self._single = single
        return path

    # -- calling ---------------------------------------------------------------------------------------------------
    def _run(self, flat: list[Any], call: tuple[tuple[Any, ...], dict[str, Any]], any_shape: bool = False) -> Any:
        """Run the program for ``flat`` (tracing what is missing); ``any_shape``: the shapes may differ from the
        traced ones (a concrete function called directly)."""
        if self._feeding and not _datasets.state.depth:
            _datasets.enter()  # dataset elements this call pulls are shared by its paths and retraces
            try:
                return self._run(flat, call, any_shape)
            finally:
                _datasets.leave()
        run = _execute if self._feeding else _plain
        paths = self._paths_for(flat) if (self._general or any_shape) else self._paths
        if not paths:
            if self._pending or not self._by_shape_traced():
                self._function._first_trace(self, flat, call, paths)
            elif not self._respecialise(flat, paths):
                self._trace(flat, call, paths)  # another concrete shape that the traced graph cannot serve
        path = paths[0]
        try:
            return _pack(path[1], run(path[0], flat, call))
        except _core["GuardMiss"]:
            pass
        for i in range(1, len(paths)):
            path = paths[i]
            try:
                outs = run(path[0], flat, call)
            except _core["GuardMiss"]:
                continue
            paths.insert(0, paths.pop(i))
            return _pack(path[1], outs)
        if self._general and self._respecialise(flat, paths):
            return _pack(paths[0][1], paths[0][0](flat))  # another traced path, replayed for these shapes
        _note_trace(self._function)  # a new path through data-dependent Python control flow: a retrace
        path = self._trace(flat, call, paths)
        return _pack(path[1], _execute(path[0], flat, call))

    def _respecialise(self, flat: list[Any], paths: list[Any]) -> bool:
        """Compile a traced graph of this signature for ``flat``'s shapes without running the body (see
        ``compiler/shapes.py``); False when no template can serve them soundly."""
        if not self._templates:
            return False
        core = _load_core()
        shapes = core["shapes"]
        tried = self._replayed.setdefault(tuple([t._value.shape for t in flat]), set())
        for template in list(self._templates):
            if id(template) in tried:
                continue
            tried.add(id(template))
            try:
                program = shapes.respecialize(template, flat, name=self._function.__name__,
                                              jit_compile=bool(self._function._jit_compile), names=self._names)
            except core["GuardMiss"]:
                continue  # another data-dependent path: a template of the right path may follow
            except Exception as exc:  # noqa: BLE001  (NotGeneric, or an op that fails for these shapes: the body
                self.not_generic_reasons.append(f"{type(exc).__name__}: {exc}")  # runs again and reports it)
                del self.not_generic_reasons[:-_MAX_PATHS]
                continue
            paths.insert(0, (program, template.structure, template.specs))
            del paths[_MAX_PATHS:]
            self._paths = paths
            self._pending = []
            self._single = None
            return True
        return False

    def _by_shape_traced(self) -> bool:
        return any(self._by_shape.values())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run this trace: tensors are checked by dtype only, Python values are converted to the traced dtypes."""
        args, kwargs = self._bind_for_call(args, kwargs)
        values = [leaf for leaf in args]
        flat: list[Any] = []
        for v, spec, name in zip(values, self._specs, self._names):
            if isinstance(v, _TensorLike):
                if v._value.dtype != spec.dtype._np:
                    raise InvalidArgumentError(
                        f"cannot compute {self.name} as input #{len(flat)}(zero-based) (argument {name!r}) was "
                        f"expected to be a {spec.dtype.name} tensor but is a {v.dtype.name} tensor")
                flat.append(v)
            else:
                flat.append(convert_to_tensor(v, dtype=spec.dtype))
        return self._run(flat, self._call, any_shape=True)

    def _bind_for_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """The call's tensor leaves in trace order; Python values must equal the traced ones."""
        targs, tkwargs = self._call
        n_tensor_params = len(self._specs)
        if not kwargs and len(args) == len(targs) and not tkwargs:
            given_args, given_kwargs = args, {}
        else:
            # Arguments beyond the tensors may be left out: the traced Python values are used.
            merged = list(args) + list(targs[len(args):])
            given_args, given_kwargs = tuple(merged[:len(targs)]), {**tkwargs, **kwargs}
        leaves: list[Any] = []
        mismatch = self._collect(targs, given_args, leaves) or self._collect(tkwargs, given_kwargs, leaves)
        if mismatch is not None or len(leaves) != n_tensor_params:
            shown = mismatch if mismatch is not None else "a different argument structure"
            raise TypeError(f"Binding inputs to tf.function failed due to `{shown}`. Received args: {args!r} and "
                            f"kwargs: {kwargs!r} for signature: {self._pretty_inputs()}.")
        return leaves, {}

    def _collect(self, traced: Any, given: Any, out: list[Any]) -> str | None:
        t = type(traced)
        if t is Tensor or t is Variable or isinstance(traced, (TensorSpec, _TensorLike)) or (
                isinstance(traced, (np.ndarray, np.generic)) and traced.dtype.kind in "biufc"):
            out.append(given)
            return None
        if isinstance(traced, dict):
            if not isinstance(given, dict) or set(given) != set(traced):
                return f"Can not cast {given!r} to {traced!r}"
            for k in _sorted_keys(traced):
                m = self._collect(traced[k], given[k], out)
                if m is not None:
                    return m
            return None
        if isinstance(traced, (list, tuple)):
            if not isinstance(given, (list, tuple)) or len(given) != len(traced):
                return f"Can not cast {given!r} to {traced!r}"
            for a, b in zip(traced, given):
                m = self._collect(a, b, out)
                if m is not None:
                    return m
            return None
        if given is traced:
            return None
        try:
            if type(given) in _SCALAR_TYPES and given == traced and hash(given) == hash(traced):
                return None
        except TypeError:
            pass
        return f"Can not cast {given!r} to Literal[{traced!r}]"

    # -- inspection ------------------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return f"__inference_{self._function.__name__}_{self._number}"

    @property
    def function_type(self) -> Any:
        return self.structured_input_signature

    @property
    def structured_input_signature(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The traced arguments with tensors shown as ``TensorSpec``s named after their parameters."""
        return self._input_structure(named=True)

    def _input_structure(self, named: bool) -> tuple[tuple[Any, ...], dict[str, Any]]:
        it = iter(TensorSpec(s.shape, s.dtype, s.name or (n if named else None))
                  for s, n in zip(self._specs, self._names))
        args, kwargs = self._call
        binder = self._function._binder
        if binder is not None and not kwargs and len(args) == len(binder.input_signature):
            # composite specs of the signature shown as given (TF), not as the first call's values
            args = tuple(s if _composite_parts(s) is not None else a for a, s in zip(args, binder.input_signature))
        return _rebuild(args, it), {k: _rebuild(v, it) for k, v in kwargs.items()}

    @property
    def structured_outputs(self) -> Any:
        """The output structure with symbolic tensors (``Tensor("Identity:0", shape=…, dtype=…)``)."""
        specs = iter(self._output_specs())
        structure = self._paths[0][1]
        n = itertools.count()
        if structure is _OUT:
            return _SymbolicOutput(next(specs), next(n))

        def leaf(v: Any) -> Any:
            if v is _OUT:
                return _SymbolicOutput(next(specs), next(n))
            if type(v) is _SparseOut:  # (its three component outputs: shown as TF shows it, a spec)
                from ..ops.sparse_ops import SparseTensorSpec

                ind, val, _ = next(specs), next(specs), next(specs)
                for _ in range(3):
                    next(n)
                rank = ind.shape.as_list()[1] if ind.shape.rank == 2 else None
                return SparseTensorSpec(None if rank is None else [None] * rank, val.dtype)
            if type(v) is _RaggedOut:
                flat = next(specs)
                splits = [next(specs) for _ in range(v.ragged_rank)]
                for _ in range(1 + v.ragged_rank):
                    next(n)
                dims = flat.shape.as_list() if flat.shape.rank is not None else None
                return _ragged_spec_type()(None if dims is None else [None] * (v.ragged_rank + 1) + dims[1:],
                                           flat.dtype, v.ragged_rank, splits[0].dtype if splits else None)
            return v

        if not _nest.is_nested(structure):
            return leaf(structure)
        return _nest.pack_sequence_as(structure, [leaf(v) for v in _nest.flatten(structure)])

    def _output_specs(self) -> list[TensorSpec]:
        self._program()
        merged = getattr(self, "_merged_specs", None)
        if merged is not None:
            return list(merged)
        specs = self._paths[0][2]
        if specs is None:
            specs = [s if isinstance(s, TensorSpec) else TensorSpec(*s)
                     for s in getattr(self._paths[0][0], "output_specs", ())]
        if self._general and self._templates:
            specs = self._generic_output_specs(list(specs))
        return list(specs)

    def _generic_output_specs(self, specs: list[TensorSpec]) -> list[TensorSpec]:
        """Output specs of a trace with None dims, with None where a size follows the inputs' None dims (as TF's
        shape inference reports them): the traced graph is replayed once on inputs one larger in each None dim, and
        the dims that changed are unknown."""
        cached = getattr(self, "_probed_specs", None)
        if cached is not None:
            return list(cached)
        template = self._templates[-1]  # the first trace
        if template.specs is not None and len(template.specs) == len(specs):
            specs = list(template.specs)
        g = template.graph
        probes: list[Any] = []
        for vid, is_var, spec in zip(g.inputs, g.input_variables, self._specs):
            if is_var:
                return specs
            value = g.values[vid]
            dims = spec.shape._dims
            shape = tuple(d + 1 if dims is None or dims[i] is None else d for i, d in enumerate(value.shape))
            probes.append(convert_to_tensor(np.full(shape, b"", dtype=object) if np.dtype(value.dtype).kind == "O"
                                            else np.ones(shape, dtype=value.dtype)))  # (strings: empty ones)
        try:
            program = _load_core()["shapes"].respecialize(template, probes, name=self._function.__name__,
                                                          names=self._names)
        except Exception:  # noqa: BLE001  (not replayable for other sizes: the traced shapes are all we know)
            self._probed_specs = specs
            return specs
        out = []
        for spec, a, b in zip(specs, template.graph.outputs, program.traced_graph.outputs):
            s1, s2 = template.graph.values[a].shape, program.traced_graph.values[b].shape
            shape = spec.shape
            if len(s1) == len(s2) and shape.rank == len(s1):
                shape = TensorShape([d if d is not None and d1 == d2 else None
                                     for d, d1, d2 in zip(shape.as_list(), s1, s2)])
            out.append(TensorSpec(shape, spec.dtype))
        self._probed_specs = out
        return list(out)

    @property

    def _example_inputs(self) -> list[Any]:
        return [_example_value(s) for s in self._specs]

    @property
    def inputs(self) -> list[Any]:
        return [_SymbolicOutput(TensorSpec(s.shape, s.dtype), i, n) for i, (s, n) in
                enumerate(zip(self._specs, self._names))]

    @property
    def outputs(self) -> list[Any]:
        return [_SymbolicOutput(s, i) for i, s in enumerate(self._output_specs())]

    @property
    def output_dtypes(self) -> Any:
        return [s.dtype for s in self._output_specs()]

    @property
    def output_shapes(self) -> Any:
        return [s.shape for s in self._output_specs()]

    @property
    def graph(self) -> _Graph:
        """The traced graph: ``graph.get_operations()`` lists its nodes (``name``, ``type``, ``inputs``, ...)."""
        return _Graph(self)

    @property
    def variables(self) -> tuple[Any, ...]:
        return tuple(self._variables)

    trainable_variables = variables

    def pretty_printed_code(self) -> str:
        """The generated Python code of this trace (every guard path, most recently used first)."""
        self._program()
        parts = []
        for program, _, _ in self._paths:
            pp = getattr(program, "pretty_printed_code", None)
            parts.append(pp() if callable(pp) else str(getattr(program, "code", program)))
        return "\n\n".join(parts)

    def _pretty_inputs(self) -> str:
        shown = []
        (args, kwargs) = self.structured_input_signature
        params = _param_names(self._function._python_function, len(args))
        for name, spec in zip(params, args):
            shown.append(f"{name}: {_describe(spec)}")
        for name, spec in kwargs.items():
            shown.append(f"{name}: {_describe(spec)}")
        return "(" + ", ".join(shown) + ")"

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        """TF's ``Input Parameters / Output Type / Captures`` block."""
        (args, kwargs) = self._input_structure(named=False)
        params = _param_names(self._function._python_function, len(args))
        lines = ["Input Parameters:"]
        for name, spec in zip(params, args):
            lines.append(f"  {name} (POSITIONAL_OR_KEYWORD): {_describe(spec)}")
        for name, spec in kwargs.items():
            lines.append(f"  {name} (KEYWORD_ONLY): {_describe(spec)}")
        lines.append("Output Type:")
        lines.append(f"  {_describe_outputs(self.structured_outputs)}")
        lines.append("Captures:")
        lines.append("  None")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<ConcreteFunction {self._pretty_inputs()} -> {_describe_outputs(self.structured_outputs)} "
                f"at 0x{id(self):X}>")

    def __str__(self) -> str:
        return f"ConcreteFunction {self._pretty_inputs()}\n{self.pretty_printed_signature()}"


def _dtype_of(o: Any) -> Any:
    from .. import _dtypes

    if isinstance(o, _TensorLike):
        return o.dtype
    return _dtypes._BY_NP[np.asarray(o).dtype]


class _SymbolicOutput:
    """A graph tensor as a concrete function shows it: ``Tensor("Identity:0", shape=(2,), dtype=float32)``."""

    def __init__(self, spec: TensorSpec, index: int, name: str | None = None) -> None:
        self.shape = spec.shape
        self.dtype = spec.dtype
        self.name = f"{name}:0" if name else (f"Identity_{index}:0" if index else "Identity:0")

    def __repr__(self) -> str:
        return f'Tensor("{self.name}", shape={self.shape}, dtype={self.dtype.name})'


def _describe_outputs(structure: Any) -> str:
    if isinstance(structure, _SymbolicOutput):
        return repr(TensorSpec(structure.shape, structure.dtype))
    if _composite_parts(structure) is not None:  # a SparseTensorSpec / RaggedTensorSpec output
        return repr(structure)
    if isinstance(structure, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_describe_outputs(v)}]" for k, v in structure.items()) + "]"
    if isinstance(structure, (list, tuple)):
        kind = "Tuple" if isinstance(structure, tuple) else "List"
        return f"{kind}[" + ", ".join(_describe_outputs(s) for s in structure) + "]"
    return f"Literal[{structure!r}]" if structure is not None else "None"


def _param_names(fn: Callable[..., Any], n: int) -> list[str]:
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i in range(n):
        if i < len(params) and params[i].kind is not params[i].VAR_POSITIONAL:
            names.append(params[i].name)
        elif params and params[-1].kind is params[-1].VAR_POSITIONAL:
            names.append(f"{params[-1].name}_{i - len(params) + 1}")
        else:
            names.append(f"arg_{i}")
    return names


def _frame_code(fn: Any) -> Any:
    """The code object whose frame is the traced body's (for the "in user code" frames)."""
    target = fn
    for _ in range(8):
        if isinstance(target, Function):
            target = target._python_function
        elif isinstance(target, (types.MethodType, functools.partial)):
            target = getattr(target, "__func__", None) or target.func
        elif hasattr(target, "__wrapped__") and not hasattr(target, "__code__"):
            target = target.__wrapped__
        else:
            break
    code = getattr(target, "__code__", None)
    if code is None:
        call = type(target).__call__ if callable(target) else None
        code = getattr(call, "__code__", None)
    return code


def _parameter_names(fn: Callable[..., Any]) -> list[str]:
    try:
        return [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        return []


# -- both sides of a tensor-dependent `if` (TF traces both branches) -------------------------------------------------
_MAX_EXPLORED = 4  # `if`s of a first trace whose other side is traced too


class _Explore:
    """Python decisions taken from tensors during one trace: which were ``if``s (and their values), and which to
    force to the other side."""

    __slots__ = ("force", "count", "ifs")

    def __init__(self, force: dict[int, bool]) -> None:
        self.force = force
        self.count = 0
        self.ifs: list[tuple[int, bool]] = []


def _bool_decision(t: Any, value: bool) -> bool:
    """Called by ``Tensor.__bool__`` while tracing: record an ``if`` decision, or force it (exploration); check TF's
    loop rules at a ``while`` loop's test."""
    exp = _state.explore
    frame = sys._getframe(2)
    if frame.f_code.co_filename.startswith(_PKG_DIR):
        # tapegrad's own code: no decision, except tf.cond/tf.case's predicate (TF traces both branches of a cond)
        if exp is None or frame.f_code is not _cond_truth_code():
            return value
    else:
        if _state.depth and _state.autograph and _state.autograph[-1] and not _state.no_autograph:
            loops.while_test(frame, value)
        if exp is None or not _is_if(frame):
            return value
    k = exp.count
    exp.count = k + 1
    if k in exp.force:
        return exp.force[k]
    exp.ifs.append((k, value))
    return value


def _cond_truth_code() -> Any:
    from ..ops import control_flow

    return control_flow._truth.__code__


def _is_if(frame: Any) -> bool:
    """A conditional jump that is not a loop test: an ``if`` statement or a conditional expression."""
    ops = _instructions(frame.f_code)
    op = ops.get(frame.f_lasti)
    if op is None or not op[0].startswith("POP_JUMP") or "BACKWARD" in op[0]:
        return False
    target = op[1]
    if not isinstance(target, int) or target <= frame.f_lasti:
        return False
    before = ops.get(target - 2)
    return before is None or "BACKWARD" not in before[0]  # a jump past a loop's back-edge leaves a `while`


def _explore_branches(concrete: Any, flat: list[Any], call: Any, paths: list[Any], explore: _Explore) -> None:
    main = paths[0]
    for k, value in explore.ifs[:_MAX_EXPLORED]:
        branch = "else" if value else "main"
        try:
            other = concrete._trace(flat, call, paths, allow_variables=False, explore=_Explore({k: not value}))
        except UnboundLocalError as exc:  # a name set on one side only
            raise _one_side_error(exc, branch) from None
        _check_branches(main, other, branch)
    paths.remove(main)
    paths.insert(0, main)
    concrete._single = None
    specs = main[2]
    if specs is not None:
        for p in paths[1:]:
            if p[2] is not None and len(p[2]) == len(specs):
                specs = [TensorSpec(_common_shape(a.shape, b.shape), a.dtype) for a, b in zip(specs, p[2])]
        concrete._merged_specs = specs


def _one_side_error(exc: BaseException, branch: str) -> ValueError:
    text = str(getattr(exc, "_tapegrad_original_message", exc))
    name = text.split("'")[1] if text.count("'") >= 2 else "a variable"
    return ValueError(f"'{name}' must also be initialized in the {branch} branch (a tensor-dependent `if` sets it on "
                      "one side only: both sides are traced, as in TF)")


def _common_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


def _check_branches(main: Any, other: Any, branch: str) -> None:
    """TF's rules for the two sides of a converted ``if``: the same structure (None on one side only is an
    error) and the same dtypes; shapes may differ."""
    s1, s2 = main[1], other[1]
    f1 = _nest.flatten(s1) if _nest.is_nested(s1) else [s1]
    f2 = _nest.flatten(s2) if _nest.is_nested(s2) else [s2]
    if len(f1) != len(f2) or any((a is None) != (b is None) for a, b in zip(f1, f2)):
        raise ValueError(f"'retval_' is None at the end of the {branch} branch (the two sides of a tensor-dependent "
                         "`if` return different structures; tapegrad traces both, as TF).")
    for a, b in zip(main[2] or (), other[2] or ()):
        if a.dtype != b.dtype:
            raise TypeError(f"'retval_' has dtype {a.dtype.name} in the main branch, but dtype {b.dtype.name} in the "
                            f"{branch} branch")


# -- the Function ---------------------------------------------------------------------------------------------------
_SIG = _Kind("SIG")  # the one key of a function with an input_signature


def _relaxed(k: Any) -> Any:
    """reduce_retracing: ``k`` with every tensor's dims generalised to None (rank kept)."""
    if type(k) is tuple and k:
        if (k[0] is _T or k[0] is _V) and len(k) == 3:
            shape = k[1]
            return (k[0], None if shape is None else (None,) * len(shape), k[2])
        return tuple(_relaxed(v) for v in k)
    return k


def _fits(general: Any, k: Any) -> bool:
    """Whether a call with key ``k`` fits a trace made for ``general`` (its None dims match any size)."""
    if type(general) is tuple and general and (general[0] is _T or general[0] is _V) and len(general) == 3:
        if type(k) is not tuple or len(k) != 3 or k[0] is not general[0] or k[2] != general[2]:
            return False
        gs, ks = general[1], k[1]
        if gs is None:
            return True
        return ks is not None and len(gs) == len(ks) and all(g is None or g == d for g, d in zip(gs, ks))
    if type(general) is tuple and type(k) is tuple:
        return len(general) == len(k) and all(_fits(g, v) for g, v in zip(general, k))
    return general == k and type(general) is type(k) if type(general) in (tuple, _Kind) else general == k


class Function:
    """A Python function compiled on its first call per input signature (TF's ``tf.function``); see
    :func:`function`."""

    def __init__(self, python_function: Callable[..., Any], input_signature: tuple[Any, ...] | None = None,
                 autograph: bool = True, jit_compile: Any = None, reduce_retracing: bool = False) -> None:
        self._python_function = python_function
        self._input_signature = input_signature
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._fast: dict[Any, ConcreteFunction] = {}  # all-tensors-positional calls: (shape, dtype, ...) -> trace
        self._cache: dict[Any, ConcreteFunction] = {}  # every call: full key -> trace
        self._general: list[ConcreteFunction] = []  # traces made for None dims (get_concrete_function(spec))
        self._concretes: list[ConcreteFunction] = []
        self._tracing_count = 0
        self._first_traced = False  # Variables may be created by the first trace only
        self._instances: weakref.WeakKeyDictionary[Any, Function] | None = None
        self._counter = _counter_for(python_function)
        self._binder = make_binder(python_function, input_signature) if input_signature is not None else None
        self._param_names = _parameter_names(python_function)
        functools.update_wrapper(self, python_function)
        if not hasattr(self, "__name__"):  # a callable object (a Keras model, a functools.partial)
            self.__name__ = type(python_function).__name__

    # -- attributes TF users read --------------------------------------------------------------------------------
    @property
    def python_function(self) -> Callable[..., Any]:
        """The original Python function."""
        return self._python_function

    @property
    def input_signature(self) -> tuple[Any, ...] | None:
        return self._input_signature

    @property
    def name(self) -> str:
        return getattr(self, "__name__", "function")

    @property
    def function_spec(self) -> Any:
        return types.SimpleNamespace(jit_compile=self._jit_compile, input_signature=self._input_signature,
                                     reduce_retracing=self._reduce_retracing)

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python body was traced (one per input signature; guard paths are not counted)."""
        return self._tracing_count

    # -- calling ---------------------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The fast path, written out (each Python call costs): every argument a Tensor, passed positionally, a
        # signature seen before with one compiled path, no tape recording: key, TF's call counter, the program.
        if not kwargs and not _Config.run_eagerly:
            if args:
                key = []
                for a in args:
                    if type(a) is not Tensor:
                        break
                    v = a._value
                    key.append(v.shape)
                    key.append(v.dtype)
                else:
                    concrete = self._fast.get(tuple(key))
                    if concrete is not None:
                        self._counter.cached()  # (no trace counted yet after get_concrete_function)
                        single = concrete._single
                        if single is None or local.tapes:
                            return concrete._run(list(args), (args, {}))
                        try:
                            outs = single[0](list(args))
                        except _core["GuardMiss"]:
                            return concrete._run(list(args), (args, {}))
                        structure = single[1]
                        if structure is _OUT:
                            return outs[0]
                        return None if structure is None else _pack(structure, outs)
            else:
                concrete = self._fast.get(())
                if concrete is not None:
                    self._counter.cached()
                    single = concrete._single
                    if single is None or local.tapes:
                        return concrete._run([], ((), {}))
                    try:
                        outs = single[0]([])
                    except _core["GuardMiss"]:
                        return concrete._run([], ((), {}))
                    structure = single[1]
                    if structure is _OUT:
                        return outs[0]
                    return None if structure is None else _pack(structure, outs)
        return self._call(args, kwargs)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _Config.run_eagerly:
            return self._python_function(*args, **kwargs)
        if self._binder is not None:
            args, kwargs = self._binder.bind(args, kwargs)
        leaves: list[_Leaf] = []
        refs: list[Any] = []
        key = self._key(args, kwargs, leaves, refs)
        concrete = self._lookup(key)
        flat = [leaf.value for leaf in leaves]
        if concrete is not None:
            self._counter.cached()
            return concrete._run(flat, (args, kwargs))
        _datasets.enter()  # the first trace and the first run share the dataset elements they pull
        try:
            concrete = self._new_concrete(key, args, kwargs, leaves, refs)
            _note_trace(self)
            self._first_trace(concrete, flat, (args, kwargs), concrete._paths_for(flat))
            self._store(concrete)
            return concrete._run(flat, (args, kwargs))
        finally:
            _datasets.leave()

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any], leaves: list[_Leaf], refs: list[Any]) -> Any:
        names = self._param_names
        parts = []
        for i, a in enumerate(args):
            parts.append(_key_of(a, leaves, refs, names[i] if i < len(names) else f"args_{i}"))
        if kwargs:
            parts.append(_KW)
            for k in sorted(kwargs):
                parts.append((k, _key_of(kwargs[k], leaves, refs, k)))
        if self._binder is not None:
            return _SIG
        return tuple(parts)

    def _lookup(self, key: Any) -> ConcreteFunction | None:
        concrete = self._cache.get(key)
        if concrete is not None:
            if _alive(concrete._refs):
                return concrete
            del self._cache[key]  # an identity-keyed argument died: its id may now be another object's
        if self._reduce_retracing:
            concrete = self._cache.get(_relaxed(key))
            if concrete is not None:
                return concrete
        for general in self._general:
            if _fits(general._key, key):
                return general
        return None

    def _new_concrete(self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any], leaves: list[_Leaf],
                      refs: list[Any]) -> ConcreteFunction:
        if self._binder is not None:
            specs = [TensorSpec(s.shape, s.dtype) for s in _expand_specs(self._binder.input_signature)]
        else:
            specs = [TensorSpec(leaf.spec.shape, leaf.spec.dtype) if leaf.spec is not None
                     else TensorSpec(leaf.value.shape, leaf.value.dtype) for leaf in leaves]
            if self._reduce_retracing and self._tracing_count > 0:
                # From the second trace on, shapes are generalised: one trace serves every size of a rank.
                key = _relaxed(key)
                specs = [TensorSpec(None if s.shape.rank is None else [None] * s.shape.rank, s.dtype)
                         for s in specs]
        return ConcreteFunction(self, key, (args, kwargs), leaves, refs, specs, _next_number())

    def _first_trace(self, concrete: ConcreteFunction, flat: list[Any], call: Any, paths: list[Any]) -> None:
        """Trace ``concrete`` for the first time, with TF's rule for Variables made by the body, then trace the other
        side of each tensor-dependent ``if`` it took (as TF traces both branches of a converted ``if``)."""
        created: list[Any] = []
        allow = not self._first_traced
        explore = _Explore({}) if self._autograph else None
        try:
            concrete._trace(flat, call, paths, allow_variables=allow, created=created, explore=explore)
        except UnboundLocalError as exc:
            if explore is None or not explore.ifs:
                raise
            raise _one_side_error(exc, "else" if not explore.ifs[-1][1] else "main") from None
        self._first_traced = True
        if not concrete._counted:
            concrete._counted = True
            self._tracing_count += 1
        if created:
            # The first trace made Variables: trace again with creation forbidden, as TF does, so that a body
            # making a new Variable on every call fails now instead of silently using fresh ones.
            self._tracing_count += 1
            paths.clear()
            concrete._templates.clear()
            concrete._single = None
            concrete._variables = created
            explore = _Explore({}) if self._autograph else None
            concrete._trace(flat, call, paths, allow_variables=False, explore=explore)
        if explore is not None and explore.ifs:
            _explore_branches(concrete, flat, call, paths, explore)

    def _store(self, concrete: ConcreteFunction) -> None:
        key = concrete._key
        self._cache[key] = concrete
        self._concretes.append(concrete)
        if concrete._general and self._binder is None and not self._reduce_retracing:
            self._general.append(concrete)
        args, kwargs = concrete._call
        if (not kwargs and self._binder is None and not concrete._refs and not self._reduce_retracing
                and all(type(a) is Tensor for a in args)):
            fast = []
            for a in args:
                fast.append(a._value.shape)
                fast.append(a._value.dtype)
            self._fast[tuple(fast)] = concrete

    # -- concrete functions ----------------------------------------------------------------------------------------
    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The trace for ``args`` (TensorSpecs, tensors or Python values), or for the ``input_signature``.

        The same signature gives the same object; a later call that fits it (``None`` dims) reuses it.

        >>> import tapegrad as tf
        >>> f = tf.function(lambda x, k: x * k)
        >>> cf = f.get_concrete_function(tf.TensorSpec([None]), 2)
        >>> cf(tf.constant([1.0, 2.0])).numpy().tolist(), f.get_concrete_function(tf.TensorSpec([None]), 2) is cf
        ([2.0, 4.0], True)
        """
        if self._binder is not None:
            if args or kwargs:
                self._binder.bind(args, kwargs)  # checked as a call would be
            args = tuple(self._binder.input_signature)
            if self._binder.var_positional is None:
                args = _nest.pack_sequence_as(list(self._binder.input_signature),
                                              _nest.flatten(list(self._binder.input_signature)))
                args = tuple(args)
            kwargs = {}
        else:
            try:
                inspect.signature(self._python_function).bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"Binding inputs to tf.function failed due to `{exc}`. Received args: {args!r} and "
                                f"kwargs: {kwargs!r} for signature: {_plain_signature(self._python_function)}."
                                ) from None
            except ValueError:
                pass
        leaves: list[_Leaf] = []
        refs: list[Any] = []
        key = self._key(args, kwargs, leaves, refs)
        concrete = self._cache.get(key)
        if concrete is not None and _alive(concrete._refs):
            return concrete
        concrete = self._new_concrete(key, args, kwargs, leaves, refs)
        concrete._counted = True
        self._tracing_count += 1
        self._store(concrete)
        if concrete._general:
            # TF traces here. A signature with None dims is traced now (on example values: unknown sizes are 1), and
            # every concrete shape called later replays that trace; a fixed signature waits for its first call's
            # real values.
            concrete._program()
        return concrete

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """One ``Input Parameters / Output Type / Captures`` block per trace."""
        return "\n\n".join(c.pretty_printed_signature(verbose) for c in self._concretes)

    def experimental_get_compiler_ir(self, *args: Any, **kwargs: Any) -> Callable[..., str]:
        """``f.experimental_get_compiler_ir(x)(stage=...)``: what the compiler made for these arguments.

        ``stage="hlo"`` (the default), ``"optimized_hlo"`` or ``"code"``: the generated Python code;
        ``"graph"``: the optimised graph.

        >>> import tapegrad as tf
        >>> f = tf.function(lambda x: x * 2.0 + 1.0)
        >>> "def " in f.experimental_get_compiler_ir(tf.constant([1.0]))()
        True
        """
        concrete = self._concrete_for(args, kwargs)

        def ir(stage: str = "hlo", platform_name: str | None = None) -> str:
            program = concrete._program()
            if stage in ("graph", "optimized_graph"):
                graph = getattr(program, "graph", None)
                return str(graph.pretty() if hasattr(graph, "pretty") else graph)
            return concrete.pretty_printed_code()

        return ir

    def _concrete_for(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> ConcreteFunction:
        if self._binder is not None:
            if args or kwargs:
                args, kwargs = self._binder.bind(args, kwargs)
            return self.get_concrete_function()
        concrete = self._lookup(self._key(args, kwargs, [], []))
        return concrete if concrete is not None else self.get_concrete_function(*args, **kwargs)

    # -- methods ---------------------------------------------------------------------------------------------------
    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """A decorated method: one Function per instance (its own traces), the same object on every access."""
        if instance is None:
            return self
        cache = self._instances
        if cache is None:
            cache = self._instances = weakref.WeakKeyDictionary()
        try:
            bound = cache.get(instance)
        except TypeError:  # not weak-referenceable: a bound function that keeps the instance alive
            return self._bind_to(instance, strong=True)
        if bound is None:
            bound = cache[instance] = self._bind_to(instance, strong=False)
        return bound

    def _bind_to(self, instance: Any, strong: bool) -> Function:
        func = self._python_function
        if strong:
            method: Any = types.MethodType(func, instance)
        else:
            ref = weakref.ref(instance)

            @functools.wraps(func)
            def method(*args: Any, **kwargs: Any) -> Any:
                return func(ref(), *args, **kwargs)

            method.__signature__ = _drop_first(func)
        bound = Function(method, self._input_signature, self._autograph, self._jit_compile, self._reduce_retracing)
        bound._counter = self._counter
        return bound

    def __repr__(self) -> str:
        return f"<tapegrad.compiler.function.Function object at 0x{id(self):x}>"


def _has_none(spec: TensorSpec) -> bool:
    dims = spec.shape._dims
    return dims is None or any(d is None for d in dims)


def _drop_first(func: Callable[..., Any]) -> inspect.Signature:
    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    return sig.replace(parameters=params[1:])


def _plain_signature(fn: Callable[..., Any]) -> str:
    try:
        return str(inspect.signature(fn))
    except (TypeError, ValueError):
        return "(...)"


def _alive(refs: list[Any]) -> bool:
    for r in refs:
        if type(r) is weakref.ReferenceType and r() is None:
            return False
    return True


_numbers = itertools.count(1)


def _next_number() -> int:
    return next(_numbers)


def function(func: Callable[..., Any] | None = None, input_signature: Any = None, autograph: bool = True,
             jit_compile: bool | None = None, reduce_retracing: bool = False, experimental_implements: Any = None,
             experimental_autograph_options: Any = None, experimental_attributes: Any = None,
             experimental_relax_shapes: Any = None, experimental_compile: Any = None,
             experimental_follow_type_hints: Any = None) -> Any:
    """``tf.function``: compile ``func`` on its first call per input signature; later calls run the compiled code.

    Usable as ``@function``, ``@function(...)`` or ``function(f, ...)``. The body runs once per signature (see the
    module docs for what makes a signature: tensor shapes and dtypes, Python values, object identity), so Python
    side effects (``print``, appends) happen only then; ``tf.print``, Variable updates and random ops happen on
    every call. ``input_signature`` (a list of :class:`TensorSpec`, ``None`` dims allowed) fixes one trace;
    ``reduce_retracing=True`` generalises shapes from the second trace on; ``jit_compile`` is passed to the
    compiler. ``tapegrad.config.run_functions_eagerly(True)`` runs every body eagerly instead.

    >>> import tapegrad as tf
    >>> @tf.function
    ... def step(x):
    ...     print("tracing with", x)
    ...     return tf.reduce_sum(x * x)
    >>> float(step(tf.constant([1.0, 2.0])))
    tracing with Tensor("x:0", shape=(2,), dtype=float32)
    5.0
    >>> float(step(tf.constant([3.0, 4.0]))), step.experimental_get_tracing_count()
    (25.0, 1)
    """
    sig = _check_signature(input_signature)
    if experimental_relax_shapes is not None:
        import logging

        logging.getLogger("tapegrad").warning(
            "experimental_relax_shapes is deprecated, use reduce_retracing instead")
        reduce_retracing = reduce_retracing or bool(experimental_relax_shapes)
    if experimental_compile is not None and jit_compile is None:
        jit_compile = experimental_compile

    def decorate(f: Callable[..., Any]) -> Function:
        if not callable(f):
            raise TypeError(f"{f!r} is not a callable object")
        if isinstance(f, Function) and sig is None and f._input_signature is not None:
            sig2 = f._input_signature
        else:
            sig2 = sig
        return Function(f, sig2, autograph, jit_compile, reduce_retracing)

    return decorate if func is None else decorate(func)


def _check_signature(input_signature: Any) -> tuple[Any, ...] | None:
    if input_signature is None:
        return None
    if not isinstance(input_signature, (tuple, list)):
        raise TypeError(f"input_signature must be either a tuple or a list, got {type(input_signature)}.")
    bad = [s for s in _nest.flatten(list(input_signature)) if not isinstance(s, TensorSpec)
           and _composite_parts(s) is None]
    if bad:
        raise TypeError(f"input_signature must be a possibly nested sequence of TensorSpec objects, got invalid args "
                        f"{bad} with types {[type(b) for b in bad]}.")
    return tuple(input_signature)


__all__ = ["ConcreteFunction", "Function", "function", "is_tracing"]


def _unique(base: str) -> str:
    """``base``, ``base_1``, ... in creation order within the outermost trace (TF's unique op names)."""
    counts = _state.__dict__.setdefault("name_counts", {})
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def note_created(t: Any, base: str) -> None:
    """Name a tensor made by ``tf.constant``/``zeros``/``ones`` (``Const``, ``zeros_1``...) when it is created, as
    TF names the node, so printed names follow TF's creation order."""
    if _state.depth and is_tracing() and id(t._value) not in _state.names:
        _state.names[id(t._value)] = _unique(base)
        _state.__dict__.setdefault("named", []).append(t._value)  # (ids stay unique while the trace runs)


def _symbolic_name(t: Any) -> str | None:
    """The graph name of a tensor seen while a trace runs (``x:0``, ``mul_1:0``, ``Const_2:0``), or None."""
    if not _state.depth or not is_tracing():
        return None
    raw = t._value
    name = _state.names.get(id(raw))
    if name is None:
        tracer = local.tracer
        vid = tracer.ids.get(id(raw)) if tracer is not None else None
        nodes = tracer.graph.nodes if vid is not None else ()
        for k in range(len(nodes) - 1, -1, -1):
            if vid in nodes[k].outputs:
                from .names import grad_name, node_name

                scoped = tracer.grad_names.get(vid)  # a gradient's node: in its name scope
                name = grad_name(nodes, scoped) if scoped is not None else node_name(nodes, k)
                break
        if name is None:  # a constant made in the body (TF: a Const node)
            name = _state.names[id(raw)] = _unique("Const")
    return f"{name}:0"


class _OutOfScope:
    """The value of a trace's stand-in tensor once the trace is over: it keeps its shape and dtype (for display)
    but any use as a value raises TF's TypeError (a tensor leaked out of a function, e.g. appended to a list)."""

    __slots__ = ("shape", "dtype", "ndim", "size", "name")

    def __init__(self, raw: Any, name: str) -> None:
        self.shape, self.dtype, self.ndim, self.size = raw.shape, raw.dtype, raw.ndim, raw.size
        self.name = f"{name}:0"

    def _error(self, *args: Any, **kwargs: Any) -> Any:
        shape = "(" + ", ".join(map(str, self.shape)) + ("," if len(self.shape) == 1 else "") + ")"
        raise TypeError(f"<tf.Tensor '{self.name}' shape={shape} dtype={self.dtype}> is out of scope and cannot be "
                        "used here: it was made while a tapegrad.function was traced (a leaked tensor, e.g. appended "
                        "to an outer list). Use the function's return values instead.")

    __array__ = __array_ufunc__ = __array_function__ = item = __float__ = __int__ = __bool__ = __index__ = _error
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _error
    __getitem__ = __len__ = __iter__ = astype = copy = reshape = _error


def _symbolic_repr(t: Any, use_str: bool = True) -> str | None:
    """``Tensor("x:0", shape=(), dtype=float32)`` (str) / ``<tf.Tensor 'x:0' shape=() dtype=float32>`` (repr) for a
    tensor seen while a trace runs, or leaked out of one; ``None`` otherwise."""
    leaked = t._value if type(t._value) is _OutOfScope else None
    name = leaked.name if leaked is not None else _symbolic_name(t)
    if name is None:
        return None
    if use_str:
        return f'Tensor("{name}", shape={t.shape}, dtype={t.dtype.name})'
    return f"<tapegrad.Tensor '{name}' shape={t.shape} dtype={t.dtype.name}>"


_NOT_ALLOWED = ("{} a symbolic `tf.Tensor` is not allowed{}. You can attempt the following resolutions to the "
                "problem: remove autograph=False from the tapegrad.function (tapegrad then guards the Python value: "
                "each call checks it and retraces when it differs), or take the decision with tf.cond / tf.where.")


def _convert_check(t: Any, kind: str) -> None:
    """TF's rules for Python conversions of a traced tensor (called by Tensor.__bool__/__iter__/__float__/__len__).

    With autograph (the default) an ``if``/``while``/``for``/``float()``/``len()`` on a tensor is guarded; an
    explicit ``bool(t)``, an ``assert t`` and any conversion with ``autograph=False`` or in ``do_not_convert`` code
    raise as in TF.
    """
    if not _state.depth or not _state.autograph or not is_tracing():
        return
    from ..errors import OperatorNotAllowedInGraphError

    converted = _state.autograph[-1] and not _state.no_autograph
    if kind == "numpy":
        frame = sys._getframe(2)
        if frame.f_code.co_filename.startswith(_PKG_DIR):
            return
        op = _instructions(frame.f_code).get(frame.f_lasti)
        if op is not None and op[0] in ("BINARY_OP", "COMPARE_OP", "BINARY_SUBSCR"):
            return  # an operator between an array and a tensor: a tapegrad op, as TF's operator overloads
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({_symbolic_name(t)}) to a numpy array. This error may indicate "
            "that you're trying to pass a Tensor to a NumPy call, which is not supported inside a tapegrad.function "
            "trace: use the tapegrad op instead.")
    if kind == "bool":
        if not converted or _explicit_bool(sys._getframe(2)):
            raise OperatorNotAllowedInGraphError(_NOT_ALLOWED.format("Using", " as a Python `bool`"))
    elif converted:
        return
    elif kind == "iter":
        raise OperatorNotAllowedInGraphError(_NOT_ALLOWED.format("Iterating over", ""))
    elif kind == "float":
        raise TypeError("float() argument must be a string or a real number, not 'SymbolicTensor'")
    elif kind == "len" and _has_none_dim(t):
        name = _symbolic_name(t) or "Tensor:0"
        raise TypeError(f"len is not well defined for a symbolic Tensor ({name}). Please call `x.shape` rather than "
                        "`len(x)` for shape information.")


def _has_none_dim(t: Any) -> bool:
    s = _tensor._relaxed_shapes.get(id(t._value))
    return s is not None and (s.rank is None or (s.rank > 0 and s[0] is None))


_JUMPS = frozenset(("POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_FALSE",
                    "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "JUMP_IF_FALSE_OR_POP",
                    "JUMP_IF_TRUE_OR_POP", "UNARY_NOT", "TO_BOOL"))


def _explicit_bool(frame: Any) -> bool:
    """Whether the conversion in ``frame`` is ``bool(t)`` or an ``assert`` (TF's AutoGraph converts only ``if``,
    ``while``, ``and``/``or``/``not``): read from the instruction the frame is executing."""
    code = frame.f_code
    if code.co_filename.startswith(_PKG_DIR):
        return False
    ops = _instructions(code)
    op = ops.get(frame.f_lasti)
    if op is None:
        return False
    if op[0] not in _JUMPS:
        return True  # a call: bool(t)
    nxt = ops.get(frame.f_lasti + 2)
    return nxt is not None and nxt[0] == "LOAD_ASSERTION_ERROR"


_instruction_cache: weakref.WeakKeyDictionary[Any, dict[int, tuple[str, Any]]] = weakref.WeakKeyDictionary()


def _instructions(code: Any) -> dict[int, tuple[str, Any]]:
    ops = _instruction_cache.get(code) if _weak_ok(code) else None
    if ops is None:
        import dis

        ops = {i.offset: (i.opname, i.argval) for i in dis.get_instructions(code)}
        if _weak_ok(code):
            _instruction_cache[code] = ops
    return ops


def _weak_ok(obj: Any) -> bool:
    try:
        weakref.ref(obj)
    except TypeError:
        return False
    return True


def _loop_iter(it: Any, frame: Any) -> Any:
    """``iter(t)`` of a traced tensor called from ``frame``: a ``for`` loop over it follows TF's loop rules."""
    if (not _state.depth or not _state.autograph or not _state.autograph[-1] or _state.no_autograph
            or frame.f_code.co_filename.startswith(_PKG_DIR)):
        return it
    return loops.checked_iter(it, "`for` loop over a tensor", frame)


def _install_hooks() -> None:
    from .. import _tensor
    from ..ops import execution

    _tensor._variable_hook = _on_variable_created
    _tensor._symbolic_repr = _symbolic_repr
    _tensor._tracing = is_tracing
    _tensor._convert_check = _convert_check
    _tensor._bool_decision = _bool_decision
    _tensor._loop_iter = _loop_iter
    from .. import _logging

    _logging.tracing = is_tracing
    execution._tracing_hook = is_tracing


_install_hooks()
