"""TF's process-wide switches that tapegrad accepts: ``tf.config.experimental`` (TF32, device policy, synchronous
execution, op determinism, MLIR bridge, device details, memory usage), ``tf.config.optimizer`` (XLA
auto-clustering, Grappler options), ``tf.debugging`` (device-placement logging, traceback filtering, float dtype
checks) and ``tf.autograph`` (verbosity, ``to_graph``, ``trace``, ``experimental.Feature``).

Each setter validates its argument as TF does and each getter returns what was set, so programs that configure
TF at start-up run unchanged. What they mean here is said per function: tapegrad computes in NumPy on the CPU,
synchronously and deterministically, so most describe TF's runtime and change nothing.

>>> import tapegrad as tf
>>> tf.config.experimental.enable_tensor_float_32_execution(False)
>>> tf.config.experimental.tensor_float_32_execution_enabled()
False
>>> tf.config.experimental.enable_tensor_float_32_execution(True)
"""

from __future__ import annotations

import enum
import threading
from typing import Any

__all__ = ["tensor_float_32_execution_enabled", "enable_tensor_float_32_execution", "get_device_policy",
           "set_device_policy", "get_synchronous_execution", "set_synchronous_execution", "enable_op_determinism",
           "is_op_determinism_enabled", "enable_mlir_bridge", "disable_mlir_bridge", "get_device_details",
           "get_memory_usage", "ClusterDeviceFilters", "get_jit", "set_jit", "get_experimental_options",
           "set_experimental_options", "get_log_device_placement", "set_log_device_placement",
           "enable_traceback_filtering", "disable_traceback_filtering", "is_traceback_filtering_enabled",
           "is_numeric_tensor", "assert_same_float_dtype", "set_verbosity", "get_verbosity", "to_graph", "trace",
           "Feature"]

_lock = threading.Lock()
_state: dict[str, Any] = {"tf32": True, "device_policy": "silent", "synchronous": True, "determinism": False,
                          "mlir_bridge": False, "jit": "", "grappler": {}, "log_placement": False,
                          "traceback_filtering": True, "autograph_verbosity": 0}


def _set(key: str, value: Any) -> None:
    with _lock:
        _state[key] = value


# -- tf.config.experimental ----------------------------------------------------------------------------------------

def tensor_float_32_execution_enabled() -> bool:
    """Whether TensorFloat-32 math is allowed (TF's default True); tapegrad's float32 math is always full float32."""
    return bool(_state["tf32"])


def enable_tensor_float_32_execution(enabled: bool) -> None:
    """Allow or forbid TensorFloat-32 (an Ampere-GPU mode); recorded, with no effect on CPU NumPy math."""
    _set("tf32", bool(enabled))


_POLICIES = ("explicit", "warn", "silent", "silent_for_int32")


def get_device_policy() -> str:
    """The device policy (``"silent"`` by default, as TF's)."""
    return str(_state["device_policy"])


def set_device_policy(device_policy: str | None) -> None:
    """TF's policy for inputs on another device (``None``, ``"explicit"``, ``"warn"``, ``"silent"``,
    ``"silent_for_int32"``); tapegrad has one device, so inputs never move."""
    if device_policy is not None and device_policy not in _POLICIES:
        raise ValueError(f"Invalid argument `device_policy`: {device_policy!r}. Please refer to "
                         "https://www.tensorflow.org/api_docs/python/tf/config/experimental/set_device_policy for "
                         f"valid `device_policy` arguments ({', '.join(_POLICIES)} or None).")
    _set("device_policy", "silent" if device_policy is None else device_policy)


def get_synchronous_execution() -> bool:
    """Whether ops run synchronously (always, here)."""
    return bool(_state["synchronous"])


def set_synchronous_execution(enable: bool) -> None:
    """TF's asynchronous eager mode switch; recorded (tapegrad's ops always finish before they return)."""
    _set("synchronous", bool(enable))


def enable_op_determinism() -> None:
    """Ask for deterministic ops. tapegrad's ops are deterministic already (NumPy on the CPU; parallel
    ``tf.data`` functions keep their order unless ``deterministic=False``); recorded for
    :func:`is_op_determinism_enabled`."""
    _set("determinism", True)


def is_op_determinism_enabled() -> bool:
    """Whether :func:`enable_op_determinism` was called."""
    return bool(_state["determinism"])


def enable_mlir_bridge() -> None:
    """TF's MLIR-based XLA bridge switch; recorded (tapegrad has its own compiler)."""
    _set("mlir_bridge", True)


def disable_mlir_bridge() -> None:
    """See :func:`enable_mlir_bridge`."""
    _set("mlir_bridge", False)


def get_device_details(device: Any) -> dict[str, Any]:
    """Details of a physical device: ``{}`` for the CPU, as TF (TF reports names and compute capability for
    GPUs only)."""
    from ._device import PhysicalDevice

    if not isinstance(device, PhysicalDevice):
        raise ValueError(f"get_device_details expects a PhysicalDevice (from tf.config.list_physical_devices()); "
                         f"got {device!r}.")
    return {}


def get_memory_usage(device: str) -> int:
    """Deprecated in TF for ``get_memory_info(device)["current"]``, which it returns."""
    from ._device import get_memory_info

    return int(get_memory_info(device)["current"])


class ClusterDeviceFilters:
    """Which devices each task of a cluster may see (``tf.config.experimental.ClusterDeviceFilters``), for
    ``experimental_connect_to_cluster``: ``set_device_filters(job_name, task_index, device_filters)``."""

    def __init__(self) -> None:
        self._filters: dict[str, dict[int, list[str]]] = {}

    def set_device_filters(self, job_name: str, task_index: int, device_filters: list[str]) -> None:
        if not all(isinstance(f, str) for f in device_filters):
            raise ValueError(f"device_filters must be a list of strings; got {device_filters!r}.")
        self._filters.setdefault(str(job_name), {})[int(task_index)] = list(device_filters)

    def __repr__(self) -> str:
        return f"ClusterDeviceFilters({self._filters!r})"


# -- tf.config.optimizer -------------------------------------------------------------------------------------------

def get_jit() -> str:
    """``"autoclustering"`` after ``set_jit(True)``, ``""`` by default (TF's values)."""
    return str(_state["jit"])


def set_jit(enabled: Any) -> None:
    """TF's XLA auto-clustering switch (``True``/``"autoclustering"`` or ``False``); recorded. tapegrad compiles
    every ``tapegrad.function``; fusion into Numba kernels is ``tapegrad.function(jit_compile=True)`` per
    function."""
    if enabled is True or enabled == "autoclustering":
        _set("jit", "autoclustering")
    elif enabled in (False, None, ""):
        _set("jit", "")
    else:
        raise ValueError(f"set_jit: expected True, False or 'autoclustering'; got {enabled!r}.")


_GRAPPLER_DEFAULTS = {"disable_model_pruning": False, "disable_meta_optimizer": False}


def get_experimental_options() -> dict[str, Any]:
    """The Grappler options set so far, with TF's defaults for ``disable_model_pruning``/``disable_meta_optimizer``."""
    return {**_state["grappler"], **_GRAPPLER_DEFAULTS, **{k: v for k, v in _state["grappler"].items()
                                                            if k in _GRAPPLER_DEFAULTS}}


def set_experimental_options(options: dict[str, Any]) -> None:
    """Set TF's graph-optimizer (Grappler) options, e.g. ``{"layout_optimizer": False}``; recorded (tapegrad's
    compiler passes are its own: docs/compiler.md)."""
    if not isinstance(options, dict):
        raise TypeError(f"set_experimental_options expects a dict of option name -> value; got {options!r}.")
    with _lock:
        _state["grappler"] = {**_state["grappler"], **options}


# -- tf.debugging --------------------------------------------------------------------------------------------------

def get_log_device_placement() -> bool:
    """Whether op placements are logged (see :func:`set_log_device_placement`)."""
    return bool(_state["log_placement"])


def set_log_device_placement(enabled: bool) -> None:
    """TF logs the device of every op; every tapegrad op runs on ``/device:CPU:0`` (``tensor.device``), so this
    is recorded and nothing is logged."""
    _set("log_placement", bool(enabled))


def enable_traceback_filtering() -> None:
    """TF trims its own frames from tracebacks; tapegrad's errors are raised from the op that failed, so the
    switch is recorded only."""
    _set("traceback_filtering", True)


def disable_traceback_filtering() -> None:
    """See :func:`enable_traceback_filtering`."""
    _set("traceback_filtering", False)


def is_traceback_filtering_enabled() -> bool:
    """Whether traceback filtering is on (TF's default True)."""
    return bool(_state["traceback_filtering"])


def is_numeric_tensor(tensor: Any) -> bool:
    """Whether ``tensor`` is a tensor of a numeric dtype (not bool, string); other values are False.

    >>> import tapegrad as tf
    >>> tf.debugging.is_numeric_tensor(tf.constant(1)), tf.debugging.is_numeric_tensor(tf.constant("a"))
    (True, False)
    """
    from ._tensor import _TensorLike

    if not isinstance(tensor, _TensorLike):
        return False
    d = tensor.dtype
    return bool(d.is_integer or d.is_floating or d.is_complex)


def assert_same_float_dtype(tensors: Any = None, dtype: Any = None) -> Any:
    """The common float dtype of ``tensors`` (and ``dtype``), float32 when there are none; ValueError when they
    differ or are not floating point.

    >>> import tapegrad as tf
    >>> tf.debugging.assert_same_float_dtype([tf.constant(1.0), tf.constant(2.0)])
    tapegrad.float32
    """
    from . import _dtypes

    expected = None if dtype is None else _dtypes.as_dtype(dtype)
    first = None
    for t in tensors or ():
        if t is None:
            continue
        d = _dtypes.as_dtype(t.dtype)
        if expected is None:
            expected, first = d, t
        elif d != expected:
            raise ValueError(f"{t!r}, type={d!r}, must be of the same type ({expected!r})"
                             + (f" as {first!r}." if first is not None else "."))
    if expected is None:
        return _dtypes.float32
    if not expected.is_floating:
        raise ValueError(f"Expected floating point type, got {expected!r}.")
    return expected


# -- tf.autograph --------------------------------------------------------------------------------------------------

def set_verbosity(level: int, alsologtostdout: bool = False) -> None:
    """AutoGraph's log verbosity (0–10); recorded. tapegrad does not rewrite Python source, so there is nothing
    to log about conversions (``tapegrad.function`` traces the Python as it runs)."""
    _set("autograph_verbosity", int(level))


def get_verbosity() -> int:
    """The level :func:`set_verbosity` set (0 by default)."""
    return int(_state["autograph_verbosity"])


def to_graph(entity: Any, recursive: bool = True, experimental_optional_features: Any = None) -> Any:
    """AutoGraph's source conversion: ``entity`` itself here. tapegrad's compiler runs the Python function and
    records the ops (its ``if``/``for``/``while`` over tensors become graph control flow without a rewrite), so
    wrap the result in ``tapegrad.function`` to compile it."""
    if not callable(entity):
        raise ValueError(f"to_graph expects a function or a class; got {entity!r}.")
    return entity


def trace(*args: Any) -> None:
    """Print the arguments when the code runs (``tf.autograph.trace``: at trace time in a function)."""
    print(*args)


class Feature(enum.Enum):
    """AutoGraph's optional conversions (``tf.autograph.experimental.Feature``): accepted by ``to_graph`` and
    ``tf.function(experimental_autograph_options=...)``."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"
