"""``tf.data.Options``: settings attached to a pipeline with ``Dataset.with_options`` and read with ``options()``.

Every documented option of TF 2.21 is accepted, type-checked (``TypeError``, as TF) and kept; an unknown name is an
``AttributeError``. ``options()`` merges the options of the whole pipeline (inputs first, later settings winning,
as TF). The one that changes what tapegrad does is ``deterministic``: ``False`` lets a parallel ``map`` or
``interleave`` (``num_parallel_calls`` set) hand out elements in the order they finish. The others (optimizations,
threading, autotune, distribution) describe TF's runtime and have no effect on tapegrad's pipelines.

>>> import tapegrad as tf
>>> options = tf.data.Options()
>>> options.deterministic = False
>>> options.threading.private_threadpool_size = 2
>>> ds = tf.data.Dataset.range(3).with_options(options)
>>> ds.options().deterministic, ds.options().threading.private_threadpool_size
(False, 2)
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["Options", "AutotuneOptions", "DistributeOptions", "OptimizationOptions", "ThreadingOptions",
           "AutoShardPolicy", "ExternalStatePolicy", "AutotuneAlgorithm", "merge_options"]


class AutoShardPolicy(enum.IntEnum):
    """How a distributed dataset is sharded (accepted and kept; tapegrad does not distribute datasets)."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.Enum):
    """What to do with external state when a pipeline is serialized (accepted and kept)."""

    WARN = 0
    IGNORE = 1
    FAIL = 2


class AutotuneAlgorithm(enum.Enum):
    """TF's autotuning algorithm (accepted and kept)."""

    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


class _OptionsBase:
    """Type-checked option fields (``_fields``: name → type or nested options class; unset fields read ``None``)."""

    _fields: dict[str, Any] = {}
    _aliases: dict[str, str] = {}
    _defaults: dict[str, Any] = {}

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {})

    def _field(self, name: str) -> str:
        name = self._aliases.get(name, name)
        if name not in self._fields:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        return name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = self._field(name)
        values = self.__dict__["_values"]
        if key not in values:
            ty = self._fields[key]
            if isinstance(ty, type) and issubclass(ty, _OptionsBase):
                values[key] = ty()
            else:
                return self._defaults.get(key)
        return values[key]

    def __setattr__(self, name: str, value: Any) -> None:
        key = self._field(name)
        ty = self._fields[key]
        if not isinstance(value, ty) or (ty is int and isinstance(value, bool)):
            raise TypeError(f'Property "{key}" must be of type {ty}, got: {value} (type: {type(value)})')
        self._values[key] = value

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self._fields)

    def __ne__(self, other: Any) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None  # type: ignore[assignment]  (mutable, as TF's)

    def _set_fields(self) -> dict[str, Any]:
        """The fields given a value (nested options only when they hold one)."""
        out = {}
        for k in self._fields:
            v = self._values.get(k)
            if isinstance(v, _OptionsBase):
                if v._set_fields():
                    out[k] = v
            elif v is not None:
                out[k] = v
        return out

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._set_fields().items())
        return f"{type(self).__name__}({items})"


class AutotuneOptions(_OptionsBase):
    """``options.autotune``: ``enabled``, ``cpu_budget``, ``ram_budget``, ``autotune_algorithm``,
    ``initial_parallelism``, ``min_parallelism`` (accepted and kept)."""

    _fields = {"enabled": bool, "cpu_budget": int, "ram_budget": int, "autotune_algorithm": AutotuneAlgorithm,
               "initial_parallelism": int, "min_parallelism": int}


class DistributeOptions(_OptionsBase):
    """``options.experimental_distribute``: ``auto_shard_policy`` (default ``AUTO``), ``num_devices``."""

    _fields = {"auto_shard_policy": AutoShardPolicy, "num_devices": int}
    _defaults = {"auto_shard_policy": AutoShardPolicy.AUTO}


class OptimizationOptions(_OptionsBase):
    """``options.experimental_optimization``: TF's graph rewrites, each a bool (accepted and kept)."""

    _fields = {name: bool for name in (
        "apply_default_optimizations", "filter_fusion", "filter_parallelization", "inject_prefetch",
        "seq_interleave_prefetch", "map_and_batch_fusion", "map_and_filter_fusion", "map_fusion",
        "map_parallelization", "noop_elimination", "parallel_batch", "shuffle_and_repeat_fusion")}


class ThreadingOptions(_OptionsBase):
    """``options.threading``: ``max_intra_op_parallelism``, ``private_threadpool_size`` (accepted and kept)."""

    _fields = {"max_intra_op_parallelism": int, "private_threadpool_size": int}


class Options(_OptionsBase):
    """Options of a ``tf.data`` pipeline (``Dataset.with_options(options)``; ``Dataset.options()`` reads them).

    Fields: ``deterministic`` (honoured by parallel ``map``/``interleave``), ``autotune``,
    ``experimental_distribute``, ``experimental_external_state_policy``, ``experimental_optimization``,
    ``experimental_slack``, ``experimental_symbolic_checkpoint``, ``experimental_warm_start``, ``threading``
    (alias ``experimental_threading``), ``experimental_deterministic`` (alias of ``deterministic``),
    ``dataset_name``, ``framework_type``.
    """

    _fields = {"autotune": AutotuneOptions, "deterministic": bool, "experimental_distribute": DistributeOptions,
               "experimental_external_state_policy": ExternalStatePolicy,
               "experimental_optimization": OptimizationOptions, "experimental_slack": bool,
               "experimental_symbolic_checkpoint": bool, "experimental_warm_start": bool,
               "threading": ThreadingOptions, "dataset_name": str, "framework_type": list}
    _aliases = {"experimental_threading": "threading", "experimental_deterministic": "deterministic"}

    def merge(self, options: Options) -> Options:
        """These options with ``options``' set values on top."""
        return merge_options(self, options)


def merge_options(*options_list: Any) -> Any:
    """Merge options objects of one type: fields set later override earlier ones; nested options merge."""
    if not options_list:
        raise ValueError("merge_options needs at least one options object.")
    cls = type(options_list[0])
    result = cls()
    for options in options_list:
        if not isinstance(options, cls):
            raise TypeError(f"Cannot merge {type(options).__name__} into {cls.__name__}.")
        for key, value in options._set_fields().items():
            if isinstance(value, _OptionsBase):
                result._values[key] = merge_options(getattr(result, key), value)
            else:
                result._values[key] = value
    return result
