"""Minimal ``tf.nest``: flatten and re-pack lists, tuples, namedtuples and dicts (dicts in sorted-key order)."""

from __future__ import annotations

from typing import Any


def is_nested(x: Any) -> bool:
    t = type(x)
    return t is list or t is tuple or t is dict or isinstance(x, (list, tuple, dict))


def _sorted_keys(d: dict[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(x: Any) -> list[Any]:
    """Leaves of a nest, depth first; a non-nest is a single leaf (``None`` included)."""
    t = type(x)
    if t is not list and t is not tuple and t is not dict and not isinstance(x, (list, tuple, dict)):
        return [x]
    out: list[Any] = []
    stack = [x]
    # Iterative (no recursion limit); children pushed in reverse to keep depth-first order.
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item[k] for k in reversed(_sorted_keys(item)))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def pack_sequence_as(structure: Any, flat: list[Any]) -> Any:
    """Inverse of :func:`flatten`: rebuild ``structure`` with the leaves taken from ``flat`` in order."""
    # A module-level helper, not a self-referencing closure: that closure was a reference cycle keeping every
    # leaf (e.g. large gradient tensors) alive until the next garbage collection.
    return _build(structure, iter(flat))


def _build(s: Any, it: Any) -> Any:
    if isinstance(s, dict):
        vals = {k: _build(s[k], it) for k in _sorted_keys(s)}
        return type(s)((k, vals[k]) for k in s) if type(s) is not dict else {k: vals[k] for k in s}
    if isinstance(s, tuple) and hasattr(s, "_fields"):
        return type(s)(*[_build(v, it) for v in s])
    if isinstance(s, (list, tuple)):
        return type(s)(_build(v, it) for v in s)
    return next(it)


def map_structure(fn: Any, structure: Any) -> Any:
    return pack_sequence_as(structure, [fn(x) for x in flatten(structure)])
