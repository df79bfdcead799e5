"""Turn program results from TensorFlow or tapegrad into comparable plain-Python structures.

A normalized value is built only from ``None``, ``bool``/``int``/``float``/``complex``/``str``, tuples,
lists and NumPy arrays, so it pickles without TensorFlow or tapegrad being importable. Every node is a
tuple whose first item is a tag:

* ``("tensor", dtype_name, shape, ndarray)``
* ``("variable", name, dtype_name, shape, trainable, ndarray)``
* ``("indexed_slices", indices_node, values_node, dense_shape_node)``
* ``("shape", dims_or_None)`` for a ``TensorShape``; ``("dtype", name)`` for a ``DType``
* ``("enum", "UnconnectedGradients.ZERO")``
* ``("none",)``, ``("py", type_name, value)``, ``("str", text)`` (library prefix made neutral)
* ``("ndarray", dtype_str, shape, ndarray)``, ``("npscalar", dtype_str, value)``
* ``("list", [...])``, ``("tuple", [...])``, ``("dict", [(key, node), ...])`` (insertion order kept)
* ``("raises", class_name, (names in the MRO...))`` for an exception
* ``("unknown", type_name, repr_text)`` for anything else (never equal across libraries by accident)
"""

from __future__ import annotations

import enum
import re
from typing import Any

import numpy as np

_TF_PREFIX = re.compile(r"\btf\.")
_TAPEGRAD_PREFIX = re.compile(r"\btapegrad\.")


class Caught:
    """Marker a program returns to report an exception it caught (so it can report more than one)."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __repr__(self) -> str:
        return f"Caught({type(self.exc).__name__}: {self.exc})"


def neutral_text(text: str) -> str:
    """Replace the library prefix (``tf.`` or ``tapegrad.``) with a neutral ``LIB.``."""
    return _TAPEGRAD_PREFIX.sub("LIB.", _TF_PREFIX.sub("LIB.", text))


def exception_node(exc: BaseException) -> tuple:
    """Normalize an exception to its class name plus the names of all classes in its MRO."""
    mro = tuple(c.__name__ for c in type(exc).__mro__)
    return ("raises", type(exc).__name__, mro)


def _lib_attr(lib: Any, dotted: str) -> Any:
    obj = lib
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _isinstance(obj: Any, cls: Any) -> bool:
    return isinstance(cls, type) and isinstance(obj, cls)


def _shape_tuple(shape: Any) -> tuple:
    as_list = getattr(shape, "as_list", None)
    dims = as_list() if callable(as_list) else list(shape)
    return tuple(None if d is None else int(d) for d in dims)


def normalize(obj: Any, lib: Any) -> Any:
    """Normalize ``obj`` produced by a program that ran against module ``lib`` (tensorflow or tapegrad)."""
    if obj is None:
        return ("none",)
    if isinstance(obj, Caught):
        return exception_node(obj.exc)
    if isinstance(obj, BaseException):
        return exception_node(obj)
    variable_cls = _lib_attr(lib, "Variable")
    if _isinstance(obj, variable_cls):
        value = np.asarray(obj.numpy())
        return (
            "variable",
            str(obj.name),
            obj.dtype.name,
            _shape_tuple(obj.shape),
            bool(obj.trainable),
            value,
        )
    tensor_cls = _lib_attr(lib, "Tensor")
    if _isinstance(obj, tensor_cls):
        value = np.asarray(obj.numpy())
        return ("tensor", obj.dtype.name, _shape_tuple(obj.shape), value)
    slices_cls = _lib_attr(lib, "IndexedSlices")
    if _isinstance(obj, slices_cls):
        return (
            "indexed_slices",
            normalize(obj.indices, lib),
            normalize(obj.values, lib),
            normalize(obj.dense_shape, lib),
        )
    shape_cls = _lib_attr(lib, "TensorShape")
    if _isinstance(obj, shape_cls):
        dims = None if obj.rank is None else list(_shape_tuple(obj))
        return ("shape", dims)
    dtype_cls = _lib_attr(lib, "dtypes.DType") or _lib_attr(lib, "DType")
    if _isinstance(obj, dtype_cls):
        return ("dtype", obj.name)
    if isinstance(obj, enum.Enum):
        return ("enum", f"{type(obj).__name__}.{obj.name}", obj.value)
    if isinstance(obj, np.ndarray):
        return ("ndarray", str(obj.dtype), tuple(obj.shape), obj.copy())
    if isinstance(obj, np.generic):
        return ("npscalar", str(obj.dtype), obj.item())
    if isinstance(obj, str):
        return ("str", neutral_text(obj))
    if isinstance(obj, bytes):
        return ("py", "bytes", obj)
    if isinstance(obj, bool | int | float | complex):
        return ("py", type(obj).__name__, obj)
    if isinstance(obj, type):
        return ("type", obj.__name__)
    if isinstance(obj, list):
        return ("list", [normalize(o, lib) for o in obj])
    if isinstance(obj, tuple):
        return ("tuple", [normalize(o, lib) for o in obj])
    if isinstance(obj, dict):
        return ("dict", [(k, normalize(v, lib)) for k, v in obj.items()])
    return ("unknown", type(obj).__name__, neutral_text(repr(obj)))


def run_program(fn: Any, lib: Any) -> Any:
    """Run ``fn(lib)`` and normalize its result, or the exception it raised."""
    try:
        result = fn(lib)
    except Exception as exc:  # noqa: BLE001 - any exception is a result to compare
        return exception_node(exc)
    try:
        return normalize(result, lib)
    except Exception as exc:  # noqa: BLE001
        return ("normalize_error", f"{type(exc).__name__}: {exc}")


def _split(obj: Any, lib: Any, tensors: list[Any]) -> Any:
    """``obj`` with its tensors (and IndexedSlices) moved into ``tensors``, replaced by their positions."""
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_split(o, lib, tensors) for o in obj)
    if isinstance(obj, dict):
        return {k: _split(v, lib, tensors) for k, v in obj.items()}
    if lib.is_tensor(obj) or type(obj).__name__ == "IndexedSlices":
        tensors.append(obj)
        return _Slot(len(tensors) - 1)
    return obj


class _Slot:
    def __init__(self, k: int) -> None:
        self.k = k


def _join(obj: Any, outs: list[Any]) -> Any:
    if isinstance(obj, _Slot):
        return outs[obj.k]
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_join(o, outs) for o in obj)
    if isinstance(obj, dict):
        return {k: _join(v, outs) for k, v in obj.items()}
    return obj


def run_program_compiled(fn: Any, lib: Any) -> Any:
    """Run ``fn(lib)`` as the body of ``lib.function`` (``tf.function`` under TensorFlow): the first call traces,
    the second runs the compiled function. Tensors in the result are the function's outputs (of the second call);
    other values are what the trace computed. A failing trace or call is the result (its exception)."""
    box: dict[str, Any] = {}

    def body() -> Any:
        tensors: list[Any] = []
        box["structure"] = _split(fn(lib), lib, tensors)
        return tensors

    # One code object per program: the retracing warning counts traces per code object, and a shared one would
    # make the warnings (and the programs that count them) depend on which programs ran before.
    body = type(body)(body.__code__.replace(co_name=f"body_{getattr(fn, '__name__', 'program')}"), body.__globals__,
                      None, None, body.__closure__)
    try:
        compiled = lib.function(body)
        compiled()
        result = _join(box["structure"], list(compiled()))
    except Exception as exc:  # noqa: BLE001 - any exception is a result to compare
        return exception_node(exc)
    try:
        return normalize(result, lib)
    except Exception as exc:  # noqa: BLE001
        return ("normalize_error", f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------------
# comparison

_RTOL = {
    "float16": 1e-3,
    "bfloat16": 1e-2,
    "float32": 1e-5,
    "complex64": 1e-5,
    "float64": 1e-6,
    "complex128": 1e-6,
}
_ATOL = {
    "float16": 1e-3,
    "bfloat16": 1e-2,
    "float32": 1e-6,
    "complex64": 1e-6,
    "float64": 1e-9,
    "complex128": 1e-9,
}


def _values_close(dtype: str, expected: np.ndarray, actual: np.ndarray) -> bool:
    if expected.shape != actual.shape:
        return False
    if dtype in _RTOL:
        exp = expected.astype(np.complex128 if "complex" in dtype else np.float64)
        act = actual.astype(exp.dtype)
        return bool(np.allclose(act, exp, rtol=_RTOL[dtype], atol=_ATOL[dtype], equal_nan=True))
    return bool(np.array_equal(expected, actual))


def _short(node: Any) -> str:
    text = repr(node)
    return text if len(text) <= 300 else text[:300] + "..."


# Errors of a program itself (a missing import, a typo), not of the library it runs on.
BROKEN_PROGRAM = ("NameError", "UnboundLocalError", "ImportError", "ModuleNotFoundError", "SyntaxError")


def compare(expected: Any, actual: Any, path: str = "result") -> list[str]:
    """Return human-readable differences between a TensorFlow node and a tapegrad node (empty: equal)."""
    if not (isinstance(expected, tuple) and expected and isinstance(actual, tuple) and actual):
        return [] if expected == actual else [f"{path}: expected {_short(expected)}, got {_short(actual)}"]
    etag, atag = expected[0], actual[0]
    if etag == "raises" and expected[1] in BROKEN_PROGRAM:  # the same error under both libraries would compare equal
        return [f"{path}: the program raises {expected[1]} under TensorFlow too: it is broken, not the library"]
    if etag == "raises":
        if atag != "raises":
            return [f"{path}: expected exception {expected[1]}, got {_short(actual)}"]
        # tapegrad may raise a subclass (e.g. its own error deriving from ValueError): the
        # expected class name must appear in the MRO of what tapegrad raised.
        if expected[1] not in actual[2]:
            return [f"{path}: expected exception {expected[1]}, got {actual[1]} (mro {list(actual[2])})"]
        return []
    if etag != atag:
        return [f"{path}: expected kind {etag!r} {_short(expected)}, got kind {atag!r} {_short(actual)}"]
    if etag == "tensor":
        _, edt, eshape, evalue = expected
        _, adt, ashape, avalue = actual
        errs = []
        if edt != adt:
            errs.append(f"{path}: dtype expected {edt}, got {adt}")
        if tuple(eshape) != tuple(ashape):
            errs.append(f"{path}: shape expected {eshape}, got {ashape}")
        if not errs and not _values_close(edt, np.asarray(evalue), np.asarray(avalue)):
            errs.append(f"{path}: value expected {evalue!r}, got {avalue!r}")
        return errs
    if etag == "variable":
        _, ename, edt, eshape, etrain, evalue = expected
        _, aname, adt, ashape, atrain, avalue = actual
        errs = compare(("tensor", edt, eshape, evalue), ("tensor", adt, ashape, avalue), path)
        if ename != aname:
            errs.append(f"{path}: variable name expected {ename!r}, got {aname!r}")
        if etrain != atrain:
            errs.append(f"{path}: trainable expected {etrain}, got {atrain}")
        return errs
    if etag == "ndarray":
        _, edt, eshape, evalue = expected
        _, adt, ashape, avalue = actual
        return compare(("tensor", edt, eshape, evalue), ("tensor", adt, ashape, avalue), path)
    if etag == "npscalar":
        _, edt, evalue = expected
        _, adt, avalue = actual
        return compare(("tensor", edt, (), np.asarray(evalue)), ("tensor", adt, (), np.asarray(avalue)), path)
    if etag == "indexed_slices":
        errs = []
        for i, part in enumerate(("indices", "values", "dense_shape"), start=1):
            errs += compare(expected[i], actual[i], f"{path}.{part}")
        return errs
    if etag in ("list", "tuple"):
        eitems, aitems = expected[1], actual[1]
        if len(eitems) != len(aitems):
            return [f"{path}: {etag} length expected {len(eitems)}, got {len(aitems)}: {_short(actual)}"]
        errs = []
        for i, (e, a) in enumerate(zip(eitems, aitems)):
            errs += compare(e, a, f"{path}[{i}]")
        return errs
    if etag == "dict":
        ekeys = [k for k, _ in expected[1]]
        akeys = [k for k, _ in actual[1]]
        if ekeys != akeys:
            return [f"{path}: dict keys expected {ekeys}, got {akeys}"]
        errs = []
        for (k, e), (_, a) in zip(expected[1], actual[1]):
            errs += compare(e, a, f"{path}[{k!r}]")
        return errs
    if etag == "py":
        _, etype, evalue = expected
        _, atype, avalue = actual
        if etype != atype:
            return [f"{path}: python type expected {etype}, got {atype} ({avalue!r})"]
        if etype == "float" and np.isnan(evalue) and np.isnan(avalue):
            return []
        if etype in ("float", "complex"):
            ok = bool(np.isclose(avalue, evalue, rtol=1e-6, atol=1e-9))
        else:
            ok = evalue == avalue
        return [] if ok else [f"{path}: expected {evalue!r}, got {avalue!r}"]
    if etag == "str":
        if expected[1] != actual[1]:
            return [f"{path}: text differs\n  expected: {expected[1]!r}\n  got:      {actual[1]!r}"]
        return []
    if etag == "unknown":
        return [f"{path}: unnormalizable results: expected {_short(expected)}, got {_short(actual)}"]
    return [] if expected == actual else [f"{path}: expected {_short(expected)}, got {_short(actual)}"]
