"""The harness of the ``raw_<family>_programs.py`` lanes: ``python raw_<family>_programs.py MODULE OUT`` imports
MODULE (``tensorflow`` or ``tapegrad``) as ``tf``, runs every case and writes ``{case: ["val", text] | ["exc", class]}``
as JSON. Tensors are written as ``Tensor(dtype, shape, values)`` with the values as a nested Python list (so the
comparison does not depend on NumPy's column alignment); named tuples keep their type and field names."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np


def registry() -> tuple[dict[str, Callable[[Any], Any]], Callable[[Callable[[Any], Any]], Callable[[Any], Any]]]:
    cases: dict[str, Callable[[Any], Any]] = {}

    def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        cases[fn.__name__] = fn
        return fn

    return cases, case


def outcome(fn: Callable[[], Any]) -> Any:
    """The value, or the exception's class name (so one case can report several calls)."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - compared by class
        return f"raises {type(exc).__name__}"


def grad(tf: Any, f: Callable[[Any], Any], x: Any) -> Any:
    """d sum(f(v)) / dv at ``x`` through a Variable."""
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(v)
    g = tape.gradient(y, v)
    return None if g is None else tf.convert_to_tensor(g)  # (IndexedSlices densified)


def text(value: Any) -> str:
    if hasattr(value, "_fields"):
        return f"{type(value).__name__}(" + ", ".join(f"{k}={text(getattr(value, k))}" for k in value._fields) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(text(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if hasattr(value, "numpy") and hasattr(value, "dtype") and hasattr(value, "shape"):
        arr = np.asarray(value.numpy())
        vals = arr.tolist()
        return f"Tensor({value.dtype.name}, {list(arr.shape)}, {vals!r})"
    if isinstance(value, np.ndarray):
        return f"ndarray({value.dtype}, {value.tolist()!r})"
    return repr(value)


def main(cases: dict[str, Callable[[Any], Any]]) -> None:
    module, out = sys.argv[1], sys.argv[2]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = importlib.import_module(module)
    results: dict[str, list[str]] = {}
    for name, fn in cases.items():
        try:
            results[name] = ["val", text(fn(tf))]
        except Exception as exc:  # noqa: BLE001 - compared by class
            results[name] = ["exc", type(exc).__name__]
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
