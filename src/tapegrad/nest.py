"""``tapegrad.nest``: TensorFlow's ``tf.nest`` — flatten, re-pack, map and compare nested structures.

Nested ("sequence") types, as in TF 2.21: lists, tuples, namedtuples, mappings (``dict``, ``OrderedDict``,
``defaultdict``, any ``collections.abc.Mapping``), mapping views, ``attrs`` classes and other non-string
``collections.abc.Sequence`` types. Everything else is a leaf: ``None``, strings, sets, NumPy arrays, tensors (and,
unless ``expand_composites=True``, ``RaggedTensor``/``SparseTensor``/``IndexedSlices``).

Mappings are flattened in **sorted key order** (TF's rule; keys of different types that cannot be compared raise
TypeError) and re-packed with the original mapping's type and key order.

>>> import tapegrad as tf
>>> s = {"b": [1, (2, 3)], "a": None}
>>> tf.nest.flatten(s)
[None, 1, 2, 3]
>>> tf.nest.pack_sequence_as(s, ["x", 10, 20, 30])
{'b': [10, (20, 30)], 'a': 'x'}
>>> tf.nest.map_structure(lambda u, v: u + v, [1, (2,)], [10, (20,)])
[11, (22,)]

(The internal, faster ``tapegrad._nest`` used by the engine handles only lists, tuples and dicts.)
"""

from __future__ import annotations

import collections
import collections.abc as _abc
from typing import Any

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure", "pack_sequence_as"]

_STRINGS = (str, bytes, bytearray)


def _composite_types() -> tuple[type, ...]:
    from ._indexed_slices import IndexedSlices
    from .ops.ragged_ops import RaggedTensor
    from .ops.sparse_ops import SparseTensor

    return (RaggedTensor, SparseTensor, IndexedSlices)


def _is_attrs(x: Any) -> bool:
    return getattr(type(x), "__attrs_attrs__", None) is not None


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(seq: Any) -> bool:
    """True for the types ``tf.nest`` descends into (lists, tuples, namedtuples, mappings, mapping views, attrs
    classes, other non-string sequences); False for leaves (``None``, strings, sets, arrays, tensors).

    >>> import tapegrad as tf
    >>> tf.nest.is_nested([1]), tf.nest.is_nested({"a": 1}), tf.nest.is_nested({1, 2}), tf.nest.is_nested("ab")
    (True, True, False, False)
    """
    if isinstance(seq, (list, tuple, dict)):
        return not getattr(seq, "_nest_leaf", False)  # tf.distribute's PerReplica/Mirrored are leaves, as in TF
    if isinstance(seq, _STRINGS):
        return False
    return isinstance(seq, (_abc.Mapping, _abc.MappingView, _abc.Sequence)) or _is_attrs(seq)


def _is_composite(x: Any, expand: bool) -> bool:
    return expand and (isinstance(x, _composite_types()) or getattr(type(x), "_tg_composite", False))


def _sorted_keys(m: Any) -> list[Any]:
    try:
        return sorted(m)
    except TypeError as exc:
        raise TypeError(f"tf.nest sorts mapping keys, and the keys {list(m)!r} cannot be compared with each other "
                        f"({exc}); use keys of one type.") from None


def _components(x: Any) -> list[Any]:
    """A composite tensor's component tensors, in TF's order."""
    if getattr(type(x), "_tg_composite", False):  # an ExtensionType (experimental/extension_type.py)
        return x._tg_components()
    from ._indexed_slices import IndexedSlices
    from .ops.ragged_ops import RaggedTensor

    if isinstance(x, RaggedTensor):
        return [x.flat_values, *x.nested_row_splits]
    if isinstance(x, IndexedSlices):
        return [x.values, x.indices] + ([] if x.dense_shape is None else [x.dense_shape])
    return [x.indices, x.values, x.dense_shape]  # SparseTensor


def _from_components(like: Any, parts: list[Any]) -> Any:
    if getattr(type(like), "_tg_composite", False):
        return like._tg_from_components(parts)
    from ._indexed_slices import IndexedSlices
    from .ops.ragged_ops import RaggedTensor
    from .ops.sparse_ops import SparseTensor

    if isinstance(like, RaggedTensor):
        return RaggedTensor.from_nested_row_splits(parts[0], parts[1:], validate=False)
    if isinstance(like, IndexedSlices):
        return IndexedSlices(parts[0], parts[1], parts[2] if len(parts) > 2 else None)
    assert isinstance(like, SparseTensor)
    return SparseTensor(parts[0], parts[1], parts[2])


def _children(x: Any, expand: bool) -> list[Any] | None:
    """The children of a nested value in flattening order, or None for a leaf."""
    if isinstance(x, (list, tuple)):
        return None if not expand and getattr(x, "_nest_leaf", False) else list(x)
    if isinstance(x, _abc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    if _is_composite(x, expand):
        return _components(x)
    if isinstance(x, _STRINGS):
        return None
    if isinstance(x, _abc.MappingView):
        return list(x)
    if _is_attrs(x):
        return [getattr(x, a.name) for a in type(x).__attrs_attrs__]
    if isinstance(x, _abc.Sequence):
        return list(x)
    return None


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
    """The leaves of ``structure``, depth first (mappings in sorted key order). A leaf gives ``[structure]``
    (so ``flatten(None) == [None]``). ``expand_composites=True`` also flattens RaggedTensor (flat values, then
    row splits), SparseTensor (indices, values, dense_shape) and IndexedSlices into their component tensors.

    >>> import tapegrad as tf
    >>> tf.nest.flatten({"b": 2, "a": [1, None]})
    [1, None, 2]
    """
    out: list[Any] = []
    stack = [structure]
    while stack:  # iterative: deep structures do not hit the recursion limit
        item = stack.pop()
        kids = _children(item, expand_composites)
        if kids is None:
            out.append(item)
        else:
            stack.extend(reversed(kids))
    return out


def _rebuild(s: Any, it: Any, expand: bool) -> Any:
    kids = _children(s, expand)
    if kids is None:
        return next(it)
    args = [_rebuild(k, it, expand) for k in kids]
    return _sequence_like(s, args, expand)


def _sequence_like(s: Any, args: list[Any], expand: bool) -> Any:
    if isinstance(s, _abc.Mapping):
        by_key = dict(zip(_sorted_keys(s), args))
        if not isinstance(s, _abc.MutableMapping):
            return type(s)({k: by_key[k] for k in s})
        out: Any = type(s)(s.default_factory) if isinstance(s, collections.defaultdict) else type(s)()
        for k in s:
            out[k] = by_key[k]
        return out
    if _is_namedtuple(s) or _is_attrs(s):
        return type(s)(*args)
    if _is_composite(s, expand):
        return _from_components(s, args)
    if isinstance(s, _abc.MappingView):
        return list(args)
    return type(s)(args)


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """Rebuild ``structure`` with its leaves replaced, in order, by the items of ``flat_sequence`` (the inverse of
    :func:`flatten`). Raises ValueError when the counts differ and TypeError when ``flat_sequence`` is not a list.

    >>> import tapegrad as tf
    >>> tf.nest.pack_sequence_as({"b": [0, 0], "a": 0}, [1, 2, 3])
    {'b': [2, 3], 'a': 1}
    """
    if not is_nested(flat_sequence):
        raise TypeError(f"pack_sequence_as: flat_sequence must be a list of leaves, got {type(flat_sequence)!r}: "
                        f"{flat_sequence!r}.")
    flat = list(flat_sequence)
    if not is_nested(structure) and not _is_composite(structure, expand_composites):
        if len(flat) != 1:
            raise ValueError(f"pack_sequence_as: the structure {structure!r} is a single leaf, but flat_sequence has "
                             f"{len(flat)} items; pass a one-item list.")
        return flat[0]
    n = len(flatten(structure, expand_composites))
    if n != len(flat):
        raise ValueError(f"pack_sequence_as: the structure has {n} leaves but flat_sequence has {len(flat)} items. "
                         f"Structure: {structure!r}, flat_sequence: {flat!r}.")
    return _rebuild(structure, iter(flat), expand_composites)


def _same_type(a: Any, b: Any) -> bool:
    if type(a) is type(b):
        return True
    if _is_namedtuple(a) and _is_namedtuple(b):  # TF: namedtuples of the same name and fields match
        return type(a).__name__ == type(b).__name__ and tuple(a._fields) == tuple(b._fields)
    return isinstance(a, dict) and isinstance(b, dict)  # dict, OrderedDict and defaultdict match each other


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True, expand_composites: bool = False) -> None:
    """Raise unless ``nest1`` and ``nest2`` have the same nesting (leaves may differ). ValueError for a different
    shape of nesting (lengths, mapping keys, a nest against a leaf); with ``check_types``, TypeError for different
    sequence types (a list against a tuple; namedtuples match by name and fields, dict-like mappings match each other).

    >>> import tapegrad as tf
    >>> tf.nest.assert_same_structure([1, (2, 3)], ["a", ("b", "c")])
    >>> tf.nest.assert_same_structure([1, 2], (1, 2))
    Traceback (most recent call last):
    ...
    TypeError: ...
    """
    stack = [(nest1, nest2)]
    while stack:
        a, b = stack.pop()
        ka, kb = _children(a, expand_composites), _children(b, expand_composites)
        if ka is None and kb is None:
            continue
        if ka is None or kb is None:
            seq, leaf = (a, b) if kb is None else (b, a)
            raise ValueError(_mismatch(nest1, nest2, f"{_short(seq)} is a nested structure but {_short(leaf)} is "
                                                     "a leaf"))
        if check_types and not _same_type(a, b):
            raise TypeError(_mismatch(nest1, nest2, f"{_short(a)} has type {type(a).__name__} but {_short(b)} has "
                                                    f"type {type(b).__name__} (pass check_types=False to allow it)"))
        if check_types and isinstance(a, _abc.Mapping) and isinstance(b, _abc.Mapping):  # TF: keys only then
            if set(a) != set(b):
                raise ValueError(_mismatch(nest1, nest2, f"the mappings have different keys: {_sorted_keys(a)} vs "
                                                         f"{_sorted_keys(b)}"))
        if len(ka) != len(kb):
            raise ValueError(_mismatch(nest1, nest2, f"{_short(a)} has {len(ka)} elements but {_short(b)} has "
                                                     f"{len(kb)}"))
        stack.extend(zip(ka, kb))


def _short(x: Any) -> str:
    r = repr(x)
    return r if len(r) <= 80 else r[:77] + "..."


def _mismatch(n1: Any, n2: Any, detail: str) -> str:
    return (f"The two structures don't have the same nested structure: {detail}.\n\nFirst structure: {_short(n1)}\n"
            f"Second structure: {_short(n2)}")


def map_structure(func: Any, *structure: Any, **kwargs: Any) -> Any:
    """Apply ``func`` to corresponding leaves of one or more structures of the same nesting (``None`` leaves
    included), returning the first structure's nesting with the results.

    Keyword arguments: ``check_types=True`` (sequence types must match, see :func:`assert_same_structure`) and
    ``expand_composites=False``.

    >>> import tapegrad as tf
    >>> tf.nest.map_structure(lambda t: t * 2, {"w": tf.constant(1.0), "b": [tf.constant(2.0)]})["b"][0].numpy()
    np.float32(4.0)
    """
    if not callable(func):
        raise TypeError(f"map_structure: func must be callable, got {func!r}.")
    if not structure:
        raise ValueError("map_structure: must provide at least one structure.")
    bad = [k for k in kwargs if k not in ("check_types", "expand_composites")]
    if bad:
        raise ValueError(f"map_structure: only valid keyword arguments are `check_types` and `expand_composites`, "
                         f"not: {', '.join(f'`{k}`' for k in bad)}.")
    check_types = kwargs.get("check_types", True)
    expand = kwargs.get("expand_composites", False)
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types, expand_composites=expand)
    flats = [flatten(s, expand) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats)], expand_composites=expand)
