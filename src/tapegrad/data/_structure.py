"""Element structures of a ``tf.data`` pipeline: leaves as NumPy arrays inside, specs, and user-facing conversion.

Inside a pipeline an element is a nest (tuples, dicts) of NumPy arrays, so that batching, shuffling and caching
cost no tensor wrapping; it becomes tensors only where user code sees it (iteration, ``map``/``filter``
functions). Strings are object arrays of ``bytes`` (tapegrad's ``string`` dtype, as TF's ``as_numpy_iterator``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes, _nest, _tape
from .._strings import to_bytes_array
from .._tensor import _TensorLike
from ..ops import core as _core
from ..ops.tensor_spec import TensorSpec

__all__ = ["to_array", "to_user", "to_internal", "spec_of", "DatasetSpec", "symbolic"]

class symbolic:  # noqa: N801  (a context manager)
    """Context: this thread runs a dataset function, so ``Tensor.numpy()`` is refused (``active=False`` lifts it)."""

    def __init__(self, active: bool = True) -> None:
        self._active = active

    def __enter__(self) -> None:
        self._prev = _tape.local.symbolic
        _tape.local.symbolic = self._active

    def __exit__(self, *exc: Any) -> None:
        _tape.local.symbolic = self._prev


class DatasetSpec:
    """The spec of a component that is itself a dataset (the elements of ``window``)."""

    def __init__(self, element_spec: Any) -> None:
        self.element_spec = element_spec

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, TensorShape([]))"


class SparseValue:
    """A ``SparseTensor`` inside a pipeline (and from ``as_numpy_iterator``): its three NumPy arrays, as TF's
    ``SparseTensorValue``."""

    __slots__ = ("indices", "values", "dense_shape")

    def __init__(self, indices: np.ndarray, values: np.ndarray, dense_shape: np.ndarray) -> None:
        self.indices, self.values, self.dense_shape = indices, values, dense_shape

    shape = property(lambda self: tuple(int(d) for d in self.dense_shape))
    ndim = property(lambda self: len(self.dense_shape))
    dtype = property(lambda self: self.values.dtype)

    def __repr__(self) -> str:
        return (f"SparseTensorValue(indices={self.indices!r}, values={self.values!r}, "
                f"dense_shape={self.dense_shape!r})")


# The spec of a SparseTensor component is the public ``tf.SparseTensorSpec`` (one class for tf.data and
# tapegrad.function signatures).
from ..ops.sparse_ops import SparseTensor, SparseTensorSpec  # noqa: E402


def batch_sparse(items: list[SparseValue]) -> SparseValue:
    """Stack sparse components: a leading index column, the dense shape the largest in each dimension."""
    rank = {len(it.dense_shape) for it in items}
    if len(rank) != 1:
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError(f"Cannot batch SparseTensors of different ranks {sorted(rank)}.")
    idx = [np.concatenate([np.full((len(it.indices), 1), i, np.int64), it.indices], 1) for i, it in enumerate(items)]
    shape = np.max(np.stack([it.dense_shape for it in items]), axis=0)
    return SparseValue(np.concatenate(idx).astype(np.int64), np.concatenate([it.values for it in items]),
                       np.concatenate([[len(items)], shape]).astype(np.int64))


def _shape_text(shape: Any) -> str:
    dims = [None if d is None else int(d) for d in shape]
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


class ExtValue:
    """An ExtensionType inside a pipeline: the value it came from (its type and static fields) and its component
    tensors as NumPy arrays. Batching, slicing and unbatching act on every component (TF's default batch encoder),
    for ``BatchableExtensionType`` values only."""

    __slots__ = ("like", "parts")

    def __init__(self, like: Any, parts: list[Any]) -> None:
        self.like, self.parts = like, parts

    def _batchable(self, what: str) -> None:
        from ..experimental.extension_type import BatchableExtensionType

        if not isinstance(self.like, BatchableExtensionType):  # (AttributeError: TF's exception type here)
            raise AttributeError(f"{what}: {type(self.like).__qualname__} is an ExtensionType, not a "
                            "BatchableExtensionType: only batchable extension types can be batched or sliced.")

    @property
    def shape(self) -> tuple[int, ...]:
        self._batchable("tf.data")
        return tuple(self.parts[0].shape) if self.parts else ()

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getitem__(self, key: Any) -> ExtValue:
        self._batchable("tf.data")
        return ExtValue(self.like, [p[key] for p in self.parts])

    def user(self) -> Any:
        return self.like._tg_from_components([_leaf_to_user(p) for p in self.parts])


def batch_ext(items: list[ExtValue]) -> ExtValue:
    items[0]._batchable("batch")
    return ExtValue(items[0].like, [np.stack([it.parts[j] for it in items]) for j in range(len(items[0].parts))])


def to_array(value: Any) -> np.ndarray:
    """One leaf as a NumPy array with TF's conversion dtypes (Python int → int32, float → float32)."""
    if getattr(type(value), "_tg_composite", False):  # an ExtensionType
        return ExtValue(value, [to_array(c) for c in value._tg_components()])  # type: ignore[return-value]
    if isinstance(value, SparseTensor):
        return SparseValue(np.asarray(value.indices._value), np.array(value.values._value, copy=True),
                           np.asarray(value.dense_shape._value))
    if isinstance(value, _TensorLike):
        if value._value.dtype.kind == "O":
            return np.array(value._value, copy=True)
        return np.asarray(value._numpy_value()) if hasattr(value, "_numpy_value") else np.asarray(value.numpy())
    if isinstance(value, (np.ndarray, np.generic)):
        return to_bytes_array(value) if value.dtype.kind in "SUO" else np.asarray(value)
    if isinstance(value, (str, bytes)):
        return np.array(to_bytes_array(value))
    arr = np.asarray(value)
    if arr.dtype.kind in "USO":
        return np.asarray(to_bytes_array(value))
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (np.ndarray, np.generic)) for v in value):
        return arr  # a list of NumPy arrays keeps their dtype (stacked), as TF converts it
    if isinstance(value, (list, tuple)) and value and any(isinstance(v, _TensorLike) for v in value):
        return np.stack([to_array(v) for v in value])  # tensors (symbolic inside dataset functions) packed
    return np.asarray(_core.constant(value).numpy())


def to_internal(structure: Any) -> Any:
    """A user structure (tensors, arrays, Python values; tuples and dicts nest, a list is one tensor) as arrays."""
    if isinstance(structure, dict):
        return {k: to_internal(v) for k, v in structure.items()}
    if isinstance(structure, tuple):
        items = [to_internal(v) for v in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return to_array(structure)


def _leaf_to_user(a: Any) -> Any:
    if isinstance(a, ExtValue):
        return a.user()
    if isinstance(a, SparseValue):
        return SparseTensor(_core.constant(a.indices), _core.constant(a.values), _core.constant(a.dense_shape))
    if isinstance(a, np.ndarray) or isinstance(a, np.generic):
        return _core.constant(a)
    return a


def to_user(element: Any) -> Any:
    """An internal element as user code sees it: tensors (strings as bytes), in the element's tuples/dicts."""
    return _nest.map_structure(_leaf_to_user, element)


def to_numpy_user(element: Any) -> Any:
    """An internal element as ``as_numpy_iterator`` yields it: NumPy arrays, scalars as NumPy scalars."""
    return _nest.map_structure(lambda a: a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a, element)


def from_user(value: Any) -> Any:
    """What a dataset function returned, as an internal element (tensors → arrays; a list → a tuple, as TF)."""
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, (tuple, dict)):
        if isinstance(value, dict):
            return {k: from_user(v) for k, v in value.items()}
        if hasattr(value, "_fields"):
            return type(value)(*[from_user(v) for v in value])
        return tuple(from_user(v) for v in value)
    return to_array(value)


def spec_of_array(a: Any) -> Any:
    if isinstance(a, ExtValue):
        return a.user()._type_spec
    if isinstance(a, SparseValue):
        return SparseTensorSpec([None] * a.ndim, _dtypes.as_dtype(a.dtype))
    return TensorSpec(tuple(a.shape), _dtypes.as_dtype(a.dtype))


def spec_of(element: Any) -> Any:
    return _nest.map_structure(spec_of_array, element)


def leaf_dtype(spec: Any) -> Any:
    """The NumPy dtype of a spec leaf."""
    return np.dtype(spec.dtype.as_numpy_dtype)


def relax(spec: Any, other: Any) -> Any:
    """The most specific spec compatible with both leaves (dims that differ become None)."""
    if isinstance(spec, (DatasetSpec, SparseTensorSpec)) or hasattr(spec, "_tg_value_cls"):  # (extension types)
        return spec
    a = [None if d is None else int(d) for d in spec.shape]
    b = [None if d is None else int(d) for d in other.shape]
    if len(a) != len(b):
        return with_shape(spec, None)
    return with_shape(spec, tuple(x if x == y else None for x, y in zip(a, b)))


def with_shape(spec: Any, shape: Any) -> Any:
    """``spec`` with another shape (same dtype)."""
    return TensorSpec(shape, spec.dtype)
