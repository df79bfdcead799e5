"""``tf.py_function`` / ``tf.numpy_function``: run Python (NumPy) code on tensors, e.g. inside ``Dataset.map``.

>>> import tapegrad as tf
>>> ds = tf.data.Dataset.range(3).map(lambda x: tf.py_function(lambda v: v.numpy() * 10, [x], tf.int64))
>>> [int(v) for v in ds]
[0, 10, 20]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _tape
from .ops import core as _core

__all__ = ["py_function", "numpy_function"]


def _outputs(result: Any, Tout: Any) -> Any:  # noqa: N803  (TF's argument name)
    if Tout is None:
        return None
    if isinstance(Tout, (list, tuple)):
        values = list(result) if isinstance(result, (list, tuple)) else [result]
        if len(values) != len(Tout):
            raise ValueError(f"The function returned {len(values)} values but Tout lists {len(Tout)} dtypes.")
        return [_core.cast(_core.convert_to_tensor(v), t) if _core.convert_to_tensor(v).dtype != t
                else _core.convert_to_tensor(v) for v, t in zip(values, Tout)]
    t = _core.convert_to_tensor(result)
    return t if t.dtype == Tout else _core.cast(t, Tout)


def py_function(func: Callable[..., Any], inp: Any, Tout: Any, name: str | None = None) -> Any:  # noqa: N803
    """Call ``func(*inp)`` eagerly (its tensors have ``.numpy()``, even inside ``Dataset.map``) and return its
    result as tensors of the dtype(s) ``Tout``. Tapes record the ops ``func`` runs, so it is differentiable.
    """
    from ._dtypes import as_dtype

    tout = [as_dtype(t) for t in Tout] if isinstance(Tout, (list, tuple)) else (None if Tout is None
                                                                               else as_dtype(Tout))
    prev = _tape.local.symbolic
    _tape.local.symbolic = False
    try:
        result = func(*[_core.convert_to_tensor(x) for x in (inp if isinstance(inp, (list, tuple)) else [inp])])
    finally:
        _tape.local.symbolic = prev
    return _outputs(result, tout)


def numpy_function(func: Callable[..., Any], inp: Any, Tout: Any, stateful: bool = True,
                   name: str | None = None) -> Any:  # noqa: N803
    """Call ``func`` on the NumPy values of ``inp`` and return its result as tensors of ``Tout`` (not
    differentiable, as in TF)."""
    from ._dtypes import as_dtype

    tout = [as_dtype(t) for t in Tout] if isinstance(Tout, (list, tuple)) else as_dtype(Tout)
    prev = _tape.local.symbolic
    _tape.local.symbolic = False
    try:
        args = [_core.convert_to_tensor(x).numpy() for x in (inp if isinstance(inp, (list, tuple)) else [inp])]
        result = func(*args)
    finally:
        _tape.local.symbolic = prev
    return _outputs(result, tout)
