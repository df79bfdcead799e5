"""Distributed values: ``PerReplica`` (one value per local replica), ``Mirrored`` (the same value on each) and the
record of which Variables a strategy mirrors.

A ``PerReplica`` is a tuple of its components, so ``tapegrad.function`` keys, flattens and rebuilds it like any
tuple (a traced ``distributed_train_step(per_replica_batch)`` sees one placeholder per component).

Variables created in a strategy's ``scope()`` stay ``tapegrad.Variable`` objects (the engine's fast paths key on
that exact type). In one process every local replica reads the same storage, so the replicas' copies are in sync by
construction; the strategy records the variable as mirrored (:func:`mirrored_info`), and under
``MultiWorkerMirroredStrategy`` its initial value is broadcast from worker 0 when it is created, as TF does.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from .. import nest

__all__ = ["DistributedValues", "PerReplica", "Mirrored"]


class DistributedValues(tuple):
    """Values of a computation on several replicas (``tf.distribute.DistributedValues``): one per local replica.

    >>> import tapegrad as tf
    >>> v = tf.distribute.DistributedValues([tf.constant(1.0), tf.constant(2.0)])
    >>> [float(x) for x in v.values]
    [1.0, 2.0]
    """

    _nest_leaf = True  # tf.nest treats distributed values as leaves (tapegrad.function sees the tuple)

    def __new__(cls, values: Iterable[Any]) -> DistributedValues:
        return super().__new__(cls, values)

    @property
    def values(self) -> tuple[Any, ...]:
        """The components, in local replica order (TF's ``.values``)."""
        return tuple(self)

    def _get(self, replica: int) -> Any:
        return tuple.__getitem__(self, replica)

    def __repr__(self) -> str:
        body = ",\n".join(f"  {i}: {v!r}" for i, v in enumerate(self))
        return f"{type(self).__name__}:{{\n{body}\n}}"

    __str__ = __repr__


class PerReplica(DistributedValues):
    """One (possibly different) value per local replica: what ``Strategy.run`` returns and a distributed dataset
    yields when a worker has more than one replica."""


class Mirrored(DistributedValues):
    """The same value on every local replica."""


def leaves(value: Any) -> list[Any]:
    """The leaves of a nest, distributed values counting as leaves (``tf.nest.flatten``)."""
    return nest.flatten(value)


def pack(structure: Any, flat: list[Any]) -> Any:
    """Inverse of :func:`leaves` (``tf.nest.pack_sequence_as``)."""
    return nest.pack_sequence_as(structure, flat)


def select(value: Any, replica: int) -> Any:
    """``value`` as local replica ``replica`` sees it: components of distributed values picked from any nest."""
    if isinstance(value, DistributedValues):
        return value._get(replica)
    flat = leaves(value)
    if not any(isinstance(v, DistributedValues) for v in flat):
        return value
    return pack(value, [v._get(replica) if isinstance(v, DistributedValues) else v for v in flat])


def regroup(per_replica: list[Any], cls: type = PerReplica) -> Any:
    """Replica results (one nest each, the same structure) as one nest of ``cls`` values; a single replica's result
    is returned as it is, and a leaf that is the same object on every replica (a Variable, ``None``, a merge_call
    result) is not wrapped (TF's ``regroup``)."""
    if len(per_replica) == 1:
        return per_replica[0]
    first = per_replica[0]
    flats = [leaves(r) for r in per_replica]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("The replicas returned values of different structures; every replica must return the "
                         f"same nest: {per_replica!r}")
    out = []
    for column in zip(*flats):
        v0 = column[0]
        out.append(v0 if all(v is v0 for v in column) else cls(column))
    return pack(first, out)


# -- mirrored variables ------------------------------------------------------------------------------------------

# Variable._id -> (strategy, aggregation): the Variables created in a strategy's scope (entries die with them).
_MIRRORED: dict[int, tuple[Any, Any]] = {}


def record_mirrored(var: Any, strategy: Any, aggregation: Any) -> None:
    vid = var._id
    _MIRRORED[vid] = (strategy, aggregation)
    weakref.finalize(var, _MIRRORED.pop, vid, None)


def mirrored_info(var: Any) -> tuple[Any, Any] | None:
    """``(strategy, aggregation)`` for a Variable created in a strategy's scope (Keras variables: the wrapped
    Variable), else None."""
    inner = getattr(var, "_var", None)
    vid = getattr(inner if inner is not None else var, "_id", None)
    return None if vid is None else _MIRRORED.get(vid)

