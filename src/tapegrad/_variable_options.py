"""``tf.VariableSynchronization`` / ``tf.VariableAggregation`` and the other ``tf.Variable`` options TF accepts
(``constraint``, ``caching_device``…). Kept apart from ``_tensor.py``: a Variable made without them pays nothing.

>>> import tapegrad as tf
>>> v = tf.Variable(1.0, aggregation=tf.VariableAggregation.MEAN)
>>> v.aggregation, v.synchronization
(<VariableAggregation.MEAN: 2>, <VariableSynchronization.AUTO: 0>)
"""

from __future__ import annotations

import enum
from typing import Any


class VariableSynchronization(enum.Enum):
    """When a distributed variable's replicas are synchronised (``tf.VariableSynchronization``)."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """How a distributed variable's per-replica updates are combined (``tf.VariableAggregation``)."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


_DEFAULTS = {"synchronization": VariableSynchronization.AUTO, "aggregation": VariableAggregation.NONE,
             "constraint": None, "caching_device": None}


def variable_options(kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The options of ``tf.Variable(..., **kwargs)`` that differ from the defaults, checked as TF checks them (other
    keyword arguments TF's constructor takes, e.g. ``import_scope``, are accepted and have no effect here)."""
    out: dict[str, Any] = {}
    sync = kwargs.get("synchronization")
    if sync is not None and sync is not VariableSynchronization.AUTO:
        if not isinstance(sync, VariableSynchronization):
            raise ValueError(f"Variable(): invalid synchronization {sync!r}; use a tf.VariableSynchronization "
                             "member, e.g. tf.VariableSynchronization.ON_READ.")
        out["synchronization"] = sync
    agg = kwargs.get("aggregation")
    if agg is not None and agg is not VariableAggregation.NONE:
        if not isinstance(agg, VariableAggregation):
            raise ValueError(f"Variable(): invalid variable aggregation mode {agg!r}; use a tf.VariableAggregation "
                             "member, e.g. tf.VariableAggregation.MEAN.")
        out["aggregation"] = agg
    constraint = kwargs.get("constraint")
    if constraint is not None:
        if not callable(constraint):
            raise ValueError(f"Variable(): constraint must be None or a callable (a projection applied after "
                             f"optimizer updates), got {type(constraint).__name__}.")
        out["constraint"] = constraint
    if kwargs.get("caching_device") is not None:
        out["caching_device"] = kwargs["caching_device"]
    return out or None


def option(options: dict[str, Any] | None, name: str) -> Any:
    return _DEFAULTS[name] if options is None else options.get(name, _DEFAULTS[name])
