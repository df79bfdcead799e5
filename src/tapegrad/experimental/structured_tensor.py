"""``tf.experimental.StructuredTensor``: a tensor of structs — named fields (tensors, RaggedTensors or nested
StructuredTensors) that share the struct tensor's leading shape.

tapegrad's StructuredTensor has uniform (not ragged) struct dimensions: every field's leading ``rank`` dims equal the
struct shape; inside a field, dims may be ragged (``from_pyval`` makes a RaggedTensor field from rows of different
lengths). ``from_pyval`` of a ragged list of structs (rows of different lengths) raises NotImplementedError.

>>> import tapegrad as tf
>>> st = tf.experimental.StructuredTensor.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
>>> st.shape, st.field_names(), st.to_pyval()
(TensorShape([2]), ('a', 'b'), [{'a': 1, 'b': [1, 2]}, {'a': 2, 'b': [3]}])
>>> st[1]["b"].numpy()
array([3], dtype=int32)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["StructuredTensor"]


def _tg() -> Any:
    import tapegrad

    return tapegrad


def _is_ragged(v: Any) -> bool:
    return isinstance(v, _tg().RaggedTensor)


def _leading(v: Any, rank: int) -> list[Any]:
    """The first ``rank`` dims of a field value (None for a ragged one)."""
    if isinstance(v, StructuredTensor):
        return v.shape.as_list()[:rank]
    if _is_ragged(v):
        return [int(v.nrows())] + [None] * (rank - 1)
    return v.shape.as_list()[:rank]


def _convert_field(v: Any) -> Any:
    tf = _tg()
    if isinstance(v, StructuredTensor) or _is_ragged(v):
        return v
    return tf.convert_to_tensor(v)


class StructuredTensor:
    """A tensor of structs (``tf.experimental.StructuredTensor``); build one with :meth:`from_fields` or
    :meth:`from_pyval`."""

    _tg_composite = True
    FieldName = str

    def __init__(self, fields: dict[str, Any], shape: Any, _internal: bool = False) -> None:
        if not _internal:
            raise ValueError("StructuredTensor: build one with StructuredTensor.from_fields or from_pyval.")
        self._fields = dict(fields)
        self._shape = _tg().TensorShape(shape)

    # -- constructors ----------------------------------------------------------------------------------------------
    @classmethod
    def from_fields(cls, fields: Mapping[str, Any], shape: Any = (), nrows: Any = None, row_partitions: Any = None,
                    validate: bool = False) -> StructuredTensor:
        """A StructuredTensor of ``shape`` whose fields (tensors, RaggedTensors, StructuredTensors, or values
        convertible to tensors) all start with ``shape``; ValueError when one does not.

        >>> import tapegrad as tf
        >>> tf.experimental.StructuredTensor.from_fields({"x": [1, 2]}, shape=[2]).field_value("x").numpy()
        array([1, 2], dtype=int32)
        """
        tf = _tg()
        if row_partitions:
            raise NotImplementedError("StructuredTensor.from_fields: row_partitions (ragged struct dimensions) are "
                                      "not supported by tapegrad; give uniform fields and a shape.")
        shape = tf.TensorShape(shape)
        if shape.rank is None:
            raise ValueError("StructuredTensor.from_fields: the shape must have a known rank.")
        if not isinstance(fields, Mapping):
            raise TypeError(f"StructuredTensor.from_fields: fields must be a mapping, got {type(fields).__name__}.")
        converted = {}
        for name, value in fields.items():
            if not isinstance(name, str):
                raise TypeError(f"StructuredTensor.from_fields: field names must be strings, got {name!r}.")
            value = _convert_field(value)
            lead = _leading(value, shape.rank)
            if len(lead) < shape.rank or not tf.TensorShape(lead).is_compatible_with(shape):
                raise ValueError(f"Shapes {shape} and {tuple(lead)} are not compatible (field {name!r} must start "
                                 f"with the struct shape).")
            shape = shape.merge_with(lead) if None not in lead else shape
            converted[name] = value
        dims = shape.as_list()
        if shape.rank and dims[0] is None and nrows is not None:
            dims[0] = int(nrows.numpy()) if tf.is_tensor(nrows) else int(nrows)
            shape = tf.TensorShape(dims)
        return cls(converted, shape, _internal=True)

    @classmethod
    def from_pyval(cls, pyval: Any, typespec: Any = None) -> Any:
        """A StructuredTensor from a dict (rank 0) or nested lists of dicts (one struct dimension per list level);
        values become tensors, RaggedTensors (rows of different lengths) or nested StructuredTensors. A list that
        holds no dicts gives a plain tensor, as TF.

        >>> import tapegrad as tf
        >>> tf.experimental.StructuredTensor.from_pyval({"a": {"b": 3}}).field_value(("a", "b")).numpy()
        np.int32(3)
        """
        if typespec is not None:
            raise NotImplementedError("StructuredTensor.from_pyval: the typespec argument is not supported.")
        if isinstance(pyval, Mapping):
            return cls.from_fields({k: _value_from_pyval(v) for k, v in pyval.items()}, shape=())
        if isinstance(pyval, (list, tuple)):
            return _value_from_pyval(list(pyval))
        raise TypeError(f"StructuredTensor.from_pyval: expected a dict or a list of dicts, got "
                        f"{type(pyval).__name__}.")

    # -- queries ---------------------------------------------------------------------------------------------------
    @property
    def shape(self) -> Any:
        """The struct shape (the leading dims every field shares)."""
        return self._shape

    @property
    def rank(self) -> int:
        """The number of struct dimensions."""
        return int(self._shape.rank)

    @property
    def row_partitions(self) -> tuple[Any, ...]:
        """The ragged struct dimensions' partitions (always empty: tapegrad's struct dims are uniform)."""
        return ()

    def nrows(self) -> Any:
        """The number of rows (an int64 scalar tensor; None at rank 0)."""
        if self.rank == 0:
            return None
        return _tg().constant(int(self._shape[0]), _tg().int64)

    def field_names(self) -> tuple[str, ...]:
        """The field names, in insertion order."""
        return tuple(self._fields)

    def field_value(self, field_name: Any) -> Any:
        """A field's value; a tuple is a path into nested StructuredTensors. KeyError for an unknown name."""
        if isinstance(field_name, (list, tuple)):
            value: Any = self
            for part in field_name:
                if not isinstance(value, StructuredTensor):
                    raise KeyError(part)
                value = value.field_value(part)
            return value
        if field_name not in self._fields:
            raise KeyError(field_name)
        return self._fields[field_name]

    def __getitem__(self, key: Any) -> Any:
        """At rank 0 a field name (or a tuple path); otherwise indices and slices into the struct dims, applied to
        every field."""
        if self.rank == 0 and (isinstance(key, str) or (isinstance(key, tuple) and key
                                                        and all(isinstance(k, str) for k in key))):
            return self.field_value(key)
        fields = {name: value[key] for name, value in self._fields.items()}
        shape = _tg().zeros(self._shape.as_list(), _tg().int8)[key].shape
        return StructuredTensor(fields, shape, _internal=True)

    def with_updates(self, updates: Mapping[Any, Any], validate: bool = False) -> StructuredTensor:
        """A copy with fields replaced or added (a value, or a function of the old value; tuple keys are paths;
        a value of None removes the field)."""
        fields = dict(self._fields)
        for key, new in updates.items():
            path = key if isinstance(key, tuple) else (key,)
            if len(path) > 1:
                inner = fields.get(path[0])
                if not isinstance(inner, StructuredTensor):
                    raise ValueError(f"with_updates: {path[0]!r} is not a StructuredTensor field.")
                fields[path[0]] = inner.with_updates({path[1:]: new})
                continue
            name = path[0]
            if callable(new) and not isinstance(new, StructuredTensor):
                if name not in fields:
                    raise ValueError(f"with_updates: cannot apply a function to the missing field {name!r}.")
                new = new(fields[name])
            if new is None:
                fields.pop(name, None)
            else:
                fields[name] = new
        return StructuredTensor.from_fields(fields, shape=self._shape)

    def to_pyval(self) -> Any:
        """The value as Python dicts (rank 0) or nested lists of dicts."""
        if self.rank == 0:
            return {name: _to_py(value, scalar_numpy=True) for name, value in self._fields.items()}
        columns = {name: _to_py(value, scalar_numpy=False) for name, value in self._fields.items()}
        return _zip_rows(columns, self._shape.as_list())

    def __repr__(self) -> str:
        lines = []
        for i, (name, value) in enumerate(self._fields.items()):
            text = str(value) if not isinstance(value, StructuredTensor) and not _is_ragged(value) else repr(value)
            text = text.replace("\n", "\n" + " " * 12)
            sep = "}," if i == len(self._fields) - 1 else ","
            lines.append(f'        "{name}": {text}{sep}')
        body = "\n".join(lines) if lines else "        },"
        return f"<StructuredTensor(\n    fields={{\n{body}\n    shape={_shape_text(self._shape)})>"

    # -- composite protocol (tf.nest with expand_composites, tapegrad.function) -------------------------------------
    def _tg_components(self) -> list[Any]:
        from .. import nest

        parts: list[Any] = []
        for name in sorted(self._fields):
            parts.extend(nest.flatten(self._fields[name], expand_composites=True))
        if self.rank:
            parts.append(_tg().constant([int(self._shape[0])], _tg().int64))
        return parts

    def _tg_from_components(self, parts: list[Any]) -> StructuredTensor:
        from .. import nest

        it = iter(parts)
        fields = {}
        for name in sorted(self._fields):
            like = self._fields[name]
            n = len(nest.flatten(like, expand_composites=True))
            fields[name] = nest.pack_sequence_as(like, [next(it) for _ in range(n)], expand_composites=True)
        return StructuredTensor({k: fields[k] for k in self._fields}, self._shape, _internal=True)

    def _tg_trace_parts(self) -> tuple[Any, ...]:
        return (tuple(self._shape.as_list()), {k: v for k, v in self._fields.items()})

    def _tg_from_trace_parts(self, parts: tuple[Any, ...]) -> StructuredTensor:
        fields = parts[1]
        return StructuredTensor({k: fields[k] for k in self._fields}, self._shape, _internal=True)


def _shape_text(shape: Any) -> str:
    dims = shape.as_list()
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _value_from_pyval(v: Any) -> Any:
    tf = _tg()
    if isinstance(v, Mapping):
        return StructuredTensor.from_pyval(v)
    if isinstance(v, (list, tuple)) and v and _all_structs(v):
        return _structs_from_list(list(v))
    if isinstance(v, (list, tuple)):
        try:
            return tf.constant(v)
        except (TypeError, ValueError):
            return tf.ragged.constant(v)
    return tf.constant(v)


def _all_structs(v: Any) -> bool:
    if isinstance(v, Mapping):
        return True
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(_all_structs(x) for x in v)


def _structs_from_list(rows: list[Any]) -> StructuredTensor:
    """Nested lists of dicts (equal lengths per level) as a StructuredTensor of that shape."""
    tf = _tg()
    shape: list[int] = []
    level: Any = rows
    while isinstance(level, list):
        shape.append(len(level))
        lengths = {len(x) for x in level if isinstance(x, list)}
        if len(lengths) > 1 or (lengths and not all(isinstance(x, list) for x in level)):
            raise NotImplementedError("StructuredTensor.from_pyval: rows of structs with different lengths (a "
                                      "ragged struct dimension) are not supported by tapegrad.")
        level = level[0] if level else None
    flat = np.asarray(rows, dtype=object).reshape(-1)
    keys = list(flat[0].keys())
    for d in flat:
        for k in d:
            if k not in keys:
                raise KeyError(k)
        for k in keys:
            if k not in d:
                raise KeyError(k)
    fields = {}
    for k in keys:
        column = np.empty(flat.shape, dtype=object)
        for i, d in enumerate(flat):
            column[i] = d[k]
        nested = column.reshape(shape).tolist()
        fields[k] = _value_from_pyval(nested)
    return StructuredTensor.from_fields(fields, shape=shape) if keys else StructuredTensor(
        {}, tf.TensorShape(shape), _internal=True)


def _to_py(value: Any, scalar_numpy: bool) -> Any:
    if isinstance(value, StructuredTensor):
        return value.to_pyval()
    if _is_ragged(value):
        return value.to_list()
    arr = value.numpy()
    if isinstance(arr, np.ndarray) and arr.ndim:
        return arr.tolist()
    return arr if scalar_numpy else (arr.item() if hasattr(arr, "item") else arr)


def _zip_rows(columns: dict[str, Any], shape: list[int]) -> Any:
    if not shape:
        return dict(columns)
    return [_zip_rows({k: v[i] for k, v in columns.items()}, shape[1:]) for i in range(shape[0])]

