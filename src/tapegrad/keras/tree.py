"""``keras.tree``: nested structures (lists, tuples, namedtuples, dicts sorted by key, ``None`` a leaf), on top of
:mod:`tapegrad.nest` (TensorFlow's ``tf.nest``, which Keras on TensorFlow uses too).

>>> from tapegrad import keras
>>> keras.tree.flatten({"b": [1, (2, 3)], "a": None})
[None, 1, 2, 3]
>>> keras.tree.flatten_with_path({"b": [1, (2, 3)], "a": 4})
[(('a',), 4), (('b', 0), 1), (('b', 1, 0), 2), (('b', 1, 1), 3)]
>>> keras.tree.map_structure(lambda x: x * 2, {"b": [1, (2, 3)], "a": 4})
{'b': [2, (4, 6)], 'a': 8}
>>> keras.tree.traverse(lambda x: keras.tree.MAP_TO_NONE if x == 1 else None, [1, [2]])
[None, [2]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import nest as _nest

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path", "is_nested",
           "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to", "pack_sequence_as",
           "traverse"]


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Returned by a :func:`traverse` function to put ``None`` in place of a subtree."""


def is_nested(structure: Any) -> bool:
    """Whether ``structure`` is a list, tuple, namedtuple or dict (``None`` and tensors are leaves)."""
    return _nest.is_nested(structure)


def flatten(structure: Any) -> list[Any]:
    """The leaves of ``structure`` in order (dicts by sorted key)."""
    return _nest.flatten(structure)


def pack_sequence_as(structure: Any, flat_sequence: Any) -> Any:
    """``flat_sequence`` put back into the shape of ``structure``."""
    return _nest.pack_sequence_as(structure, flat_sequence)


def map_structure(func: Callable[..., Any], *structures: Any, none_is_leaf: bool = True) -> Any:
    """``func`` applied leaf-wise to structures of the same shape (``none_is_leaf=False`` keeps ``None``)."""
    if not none_is_leaf:
        inner = func

        def func(*leaves: Any) -> Any:
            return None if leaves[0] is None else inner(*leaves)
    return _nest.map_structure(func, *structures)


def assert_same_structure(a: Any, b: Any, check_types: Any = None) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` nest the same way (``check_types`` is ignored, as Keras 3)."""
    try:
        _nest.assert_same_structure(a, b, check_types=True)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def _children(x: Any) -> list[tuple[Any, Any]]:
    if isinstance(x, dict):
        return [(k, x[k]) for k in _nest._sorted_keys(x)]
    if is_nested(x):
        return list(enumerate(x))
    return []


def flatten_with_path(structure: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """``(path, leaf)`` pairs; a path is the tuple of keys and indices leading to the leaf."""
    out: list[tuple[tuple[Any, ...], Any]] = []

    def walk(x: Any, path: tuple[Any, ...]) -> None:
        if not is_nested(x):
            out.append((path, x))
            return
        for key, child in _children(x):
            walk(child, (*path, key))
    walk(structure, ())
    return out


def assert_same_paths(a: Any, b: Any) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same leaf paths (types may differ)."""
    pa, pb = {p for p, _ in flatten_with_path(a)}, {p for p, _ in flatten_with_path(b)}
    if pa != pb:
        raise ValueError(f"`a` and `b` don't have the same paths.\nPaths in `a` missing in `b`:\n{pa - pb}\n"
                         f"Paths in `b` missing in `a`:\n{pb - pa}")


def _rebuild(like: Any, children: list[Any]) -> Any:
    return _nest._sequence_like(like, children, False)


def traverse(func: Callable[[Any], Any], structure: Any, top_down: bool = True) -> Any:
    """Apply ``func`` to every node. Top-down: a non-``None`` result replaces the subtree (``MAP_TO_NONE`` gives
    ``None``), ``None`` descends into it. Bottom-up: ``func`` sees each node after its children were traversed."""
    def fix(value: Any) -> Any:
        return None if value is MAP_TO_NONE else value

    def down(x: Any) -> Any:
        result = func(x)
        if result is not None:
            return fix(result)
        if not is_nested(x):
            return x
        return _rebuild(x, [down(c) for _, c in _children(x)])

    def up(x: Any) -> Any:
        if is_nested(x):
            x = _rebuild(x, [up(c) for _, c in _children(x)])
        result = func(x)
        return x if result is None else fix(result)
    return down(structure) if top_down else up(structure)


def map_structure_up_to(shallow_structure: Any, func: Callable[..., Any], *structures: Any) -> Any:
    """``func`` applied to the subtrees of ``structures`` found at the leaves of ``shallow_structure``."""
    def walk(shallow: Any, parts: tuple[Any, ...]) -> Any:
        if not is_nested(shallow):
            return func(*parts)
        keys = [k for k, _ in _children(shallow)]
        for p in parts:
            if not is_nested(p) or len(_children(p)) != len(keys):
                raise ValueError(f"The structure {p!r} does not match the shallow structure {shallow!r}")
        return _rebuild(shallow, [walk(child, tuple(_children(p)[i][1] for p in parts))
                                  for i, (_, child) in enumerate(_children(shallow))])
    return walk(shallow_structure, structures)


def _is_shape(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and all(d is None or (isinstance(d, int) and not isinstance(d, bool))
                                                for d in x)


def map_shape_structure(func: Callable[[Any], Any], structure: Any) -> Any:
    """Like :func:`map_structure`, but a tuple or list of ints/``None`` (a shape) is one leaf."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, c) for _, c in _children(structure)])


def lists_to_tuples(structure: Any) -> Any:
    """Every list in ``structure`` (at any depth) as a tuple."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(x) for x in structure)
    if is_nested(structure):
        return _rebuild(structure, [lists_to_tuples(c) for _, c in _children(structure)])
    return structure
