"""``tf.ragged.cross``, ``cross_hashed`` (feature crosses of ragged, dense and sparse string/int columns, as
``tf.sparse.cross``, returned as RaggedTensors) and ``stack_dynamic_partitions`` (the rows of ``data`` grouped by
partition, differentiable as a gather).

>>> import tapegrad as tf
>>> tf.ragged.cross([tf.ragged.constant([["a"], ["b", "c"]]), tf.constant([["d"], ["e"]])])
<tapegrad.RaggedTensor [[b'a_X_d'], [b'b_X_e', b'c_X_e']]>
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._common import to_tensor

__all__ = ["cross", "cross_hashed", "stack_dynamic_partitions"]

EXPORTS = {"ragged": ["cross", "cross_hashed", "stack_dynamic_partitions"]}


def _as_sparse_inputs(inputs: Any, op: str) -> list[Any]:
    from .ragged_ops import RaggedTensor

    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"tf.ragged.{op}: inputs must be a list of RaggedTensors, Tensors or SparseTensors; got "
                        f"{type(inputs).__name__}.")
    out = []
    for x in inputs:
        if isinstance(x, RaggedTensor):
            if x.ragged_rank != 1:
                raise ValueError(f"tf.ragged.{op}: RaggedTensor inputs must have ragged_rank 1 (a batch of feature "
                                 f"lists); got ragged_rank {x.ragged_rank}.")
            x = x.to_sparse()
        out.append(x)
    return out


def cross(inputs: Any, name: str | None = None) -> Any:
    """The feature cross of the rows of ``inputs`` (each ``[batch, None]``): row ``i`` holds every combination of
    one value from each input's row ``i``, joined with ``"_X_"``, in TF's order."""
    from . import sparse_ops
    from .ragged_ops import RaggedTensor

    return RaggedTensor.from_sparse(sparse_ops.cross(_as_sparse_inputs(inputs, "cross")))


def cross_hashed(inputs: Any, num_buckets: int = 0, hash_key: Any = None, name: str | None = None) -> Any:
    """``cross`` with each combination hashed (TF's FingerprintCat64 of the values' fingerprints) to an int64, modulo
    ``num_buckets`` when it is positive."""
    from . import sparse_ops
    from .ragged_ops import RaggedTensor

    return RaggedTensor.from_sparse(sparse_ops.cross_hashed(_as_sparse_inputs(inputs, "cross_hashed"),
                                                            num_buckets=num_buckets, hash_key=hash_key))


def stack_dynamic_partitions(data: Any, partitions: Any, num_partitions: int, name: str | None = None) -> Any:
    """A RaggedTensor ``[num_partitions, None, ...]`` whose row ``p`` holds the elements of ``data`` whose
    partition is ``p``, in order (``tf.stack(tf.dynamic_partition(...))`` for partitions of different sizes).
    The gradient with respect to ``data`` flows as through a gather.

    >>> import tapegrad as tf
    >>> tf.ragged.stack_dynamic_partitions([10, 20, 30, 40], [1, 0, 1, 1], 3)
    <tapegrad.RaggedTensor [[20], [10, 30, 40], []]>
    """
    import tapegrad as tg

    from .ragged_ops import RaggedTensor

    x = to_tensor(data)
    p = to_tensor(partitions)
    if p.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"tf.ragged.stack_dynamic_partitions: partitions must be int32 or int64, got "
                                   f"{p.dtype.name}.")
    pv = np.asarray(p._value)
    n = int(num_partitions)
    if tuple(x.shape[:pv.ndim]) != tuple(pv.shape):
        raise InvalidArgumentError(f"tf.ragged.stack_dynamic_partitions: partitions shape {list(pv.shape)} must be "
                                   f"a prefix of data's shape {list(x.shape)}.")
    flat_p = pv.reshape(-1)
    if flat_p.size and (flat_p.min() < 0 or flat_p.max() >= n):
        raise InvalidArgumentError(f"tf.ragged.stack_dynamic_partitions: partitions must be in [0, {n}); got values "
                                   f"from {int(flat_p.min())} to {int(flat_p.max())}.")
    order = np.argsort(flat_p, kind="stable")
    flat = tg.reshape(x, [-1, *x.shape[pv.ndim:]])
    values = tg.gather(flat, tg.constant(order.astype(np.int64)))
    splits = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(flat_p, minlength=n), out=splits[1:])
    return RaggedTensor.from_row_splits(values, tg.constant(splits), validate=False)
