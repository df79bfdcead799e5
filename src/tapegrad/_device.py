"""Devices as TensorFlow reports them on a CPU-only machine: ``tf.device``, ``tf.DeviceSpec``, the device parts of
``tf.config`` and ``tf.test``.

tapegrad computes with NumPy on the host, so there is one physical device, ``/physical_device:CPU:0``; it can be
split into several logical CPUs with ``tf.config.set_logical_device_configuration`` before the runtime starts (the
first tensor made), as in TF. ``tf.device(...)`` places tensors created in its scope on the named logical CPU when
it exists; any other name (GPU, TPU, a missing CPU) falls back to ``CPU:0`` as TF's soft placement does. With soft
placement off (``tf.config.set_soft_device_placement(False)``) an op run in such a scope raises TF's
``InvalidArgumentError`` instead (making a constant there is still allowed, as in TF). A tensor's device is carried
by its backend object (``Tensor._xp``), so a GPU backend can later hang off the same mechanism.
"""

from __future__ import annotations

import re
import threading
from collections import namedtuple
from typing import Any

from ._backend import NUMPY, Backend
from .errors import InvalidArgumentError

_PREFIX = "/job:localhost/replica:0/task:0/device:"

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "A physical device on this machine (tapegrad has one: the CPU)."
LogicalDevice = namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDevice.__doc__ = "A logical device that ops run on (``/device:CPU:0`` unless the CPU was split)."
LogicalDeviceConfiguration = namedtuple(
    "LogicalDeviceConfiguration", ["memory_limit", "experimental_priority", "experimental_device_ordinal"],
    defaults=(None, None, None))
LogicalDeviceConfiguration.__doc__ = "How one logical device is carved out of a physical one (TF's fields)."

_CPU = PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")


class _State:
    logical_config: list[Any] | None = None  # set_logical_device_configuration(CPU, [...]) before initialisation
    initialized = False  # the runtime started: the first tensor or device scope (TF: the eager context)
    soft_placement = True
    absent_scopes = 0  # tf.device scopes open (all threads) that name a device this process lacks
    backends: dict[str, Backend] = {}  # logical CPU index > 0 -> its backend (same NumPy, own device name)


_local = threading.local()
_COUNT_LOCK = threading.Lock()  # guards _State.absent_scopes (scopes open in any thread)


def _initialize() -> None:
    _State.initialized = True


def _n_cpus() -> int:
    cfg = _State.logical_config
    return len(cfg) if cfg else 1


# -- DeviceSpec --------------------------------------------------------------------------------------------------

_FIELD = re.compile(r"^(job|replica|task|device):(.+)$")
_TYPE_INDEX = re.compile(r"^([A-Za-z_]+)(?::(\d+|\*))?$")


class DeviceSpec:
    """A parsed device name (``tf.DeviceSpec``): job, replica, task, device type and index.

    >>> import tapegrad as tf
    >>> tf.DeviceSpec.from_string("/GPU:0").to_string()
    '/device:GPU:0'
    """

    __slots__ = ("job", "replica", "task", "device_type", "device_index")

    def __init__(self, job: str | None = None, replica: int | None = None, task: int | None = None,
                 device_type: str | None = None, device_index: int | None = None) -> None:
        self.job = job
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = device_type
        self.device_index = None if device_index is None else int(device_index)

    @classmethod
    def from_string(cls, spec: str) -> DeviceSpec:
        """Parse ``"/job:x/replica:0/task:0/device:CPU:0"``, ``"/CPU:0"``, ``"gpu:1"``, ``"cpu"`` …; device types
        are upper-cased as in TF. An unknown part raises ValueError."""
        out = cls()
        for part in (p for p in spec.split("/") if p):
            m = _FIELD.match(part)
            if m and m.group(1) != "device":
                key, val = m.groups()
                if key == "job":
                    out.job = val
                else:
                    if not val.isdigit():
                        raise ValueError(f"Unknown attribute {part!r} is encountered while parsing the device spec: "
                                         f"{spec!r}.")
                    setattr(out, key, int(val))
                continue
            body = m.group(2) if m else part
            t = _TYPE_INDEX.match(body)
            if t is None or t.group(1).upper() not in ("CPU", "GPU", "TPU") and not m:
                raise ValueError(f"Unknown attribute {part!r} is encountered while parsing the device spec: {spec!r}."
                                 " Expected e.g. '/CPU:0', '/GPU:0' or '/job:localhost/replica:0/task:0/device:CPU:0'.")
            out.device_type = t.group(1).upper()
            if t.group(2) is not None and t.group(2) != "*":
                out.device_index = int(t.group(2))
        return out

    def to_string(self) -> str:
        parts = []
        if self.job is not None:
            parts.append(f"/job:{self.job}")
        if self.replica is not None:
            parts.append(f"/replica:{self.replica}")
        if self.task is not None:
            parts.append(f"/task:{self.task}")
        if self.device_type is not None:
            parts.append(f"/device:{self.device_type}:{'*' if self.device_index is None else self.device_index}")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<DeviceSpec {self.to_string()!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self) -> int:
        return hash(self.to_string())


def _backend_for(spec: DeviceSpec) -> Backend:
    """The backend a placement request resolves to: a logical CPU that exists, else CPU:0 (soft placement)."""
    if spec.device_type == "CPU" and spec.device_index and spec.device_index < _n_cpus():
        be = _State.backends.get(str(spec.device_index))
        if be is None:
            import numpy as np

            be = _State.backends[str(spec.device_index)] = Backend(np, "numpy")
            be.device = f"{_PREFIX}CPU:{spec.device_index}"  # type: ignore[attr-defined]
        return be
    return NUMPY


class device:  # noqa: N801  (TF's name)
    """Context manager placing the tensors created in its scope (``tf.device``).

    On this CPU-only library every name resolves to a CPU: a logical CPU that exists (see
    ``tf.config.set_logical_device_configuration``), otherwise ``CPU:0``, as TF's soft placement does for a GPU
    that is absent. ``None`` keeps the enclosing placement; a function raises RuntimeError (eager TF does too).

    >>> import tapegrad as tf
    >>> with tf.device("/GPU:0"):
    ...     a = tf.constant(1.0) * 2
    >>> a.device
    '/job:localhost/replica:0/task:0/device:CPU:0'
    """

    def __init__(self, device_name: Any) -> None:
        if callable(device_name):
            raise RuntimeError("tf.device does not support functions (in eager mode); pass a device name such as "
                               "'/CPU:0'.")
        self._spec = None if device_name is None else DeviceSpec.from_string(str(device_name))

    def __enter__(self) -> device:
        _initialize()
        spec = self._spec
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        hard = getattr(_local, "hard", None)
        if hard is None:
            hard = _local.hard = []
        if spec is None:
            stack.append(stack[-1] if stack else NUMPY)
            hard.append(hard[-1] if hard else None)
            self._counted = False
            return self
        if spec.job not in (None, "localhost") or spec.replica not in (None, 0) or spec.task not in (None, 0):
            full = (f"/job:{spec.job or 'localhost'}/replica:{spec.replica or 0}/task:{spec.task or 0}/device:"
                    f"{spec.device_type or 'CPU'}:{spec.device_index or 0}")
            raise InvalidArgumentError(f"{full} unknown device: this process only has "
                                       f"{_PREFIX}CPU:0..{_n_cpus() - 1}.")
        stack.append(_backend_for(spec))
        absent = None if _exists(spec) else spec
        hard.append(absent)
        self._counted = absent is not None
        if self._counted:
            with _COUNT_LOCK:
                _State.absent_scopes += 1
                _update_placement_check()
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.stack.pop()
        _local.hard.pop()
        if self._counted:
            with _COUNT_LOCK:
                _State.absent_scopes -= 1
                _update_placement_check()


def _update_placement_check() -> None:
    """Arm the dispatcher's placement test only while it can fail: soft placement off and some thread inside a
    ``tf.device`` scope naming an absent device."""
    from . import _dispatch

    _dispatch._HARD_PLACEMENT = 1 if (_State.absent_scopes and not _State.soft_placement) else 0


def _exists(spec: DeviceSpec) -> bool:
    """Whether a placement request names a device of this process (a logical CPU; any CPU when no index is given)."""
    if spec.device_type in (None, "CPU"):
        return spec.device_index is None or spec.device_index < _n_cpus()
    return False


def check_placement(op: str) -> None:
    """Raise TF's InvalidArgumentError when soft placement is off and this thread's innermost ``tf.device`` scope
    names an absent device (the dispatcher calls this only while such a scope is open somewhere)."""
    if _State.soft_placement:
        return
    hard = getattr(_local, "hard", None)
    spec = hard[-1] if hard else None
    if spec is None:
        return
    want = f"{_PREFIX}{spec.device_type}:{spec.device_index or 0}"
    have = ", ".join(f"{_PREFIX}CPU:{i}" for i in range(_n_cpus()))
    raise InvalidArgumentError(
        f"Could not satisfy device specification '{want}' for op {op}: soft device placement is off "
        f"(tf.config.set_soft_device_placement(False)) and this process has only [{have}]. Place the op on a CPU, "
        "or turn soft placement back on.")


def current_backend() -> Backend:
    """The backend new constants go to: the innermost ``tf.device`` scope's, else NumPy on CPU:0."""
    _State.initialized = True
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else NUMPY


def device_of(xp: Any) -> str:
    return getattr(xp, "device", NUMPY.device)


# -- tf.config ---------------------------------------------------------------------------------------------------


def list_physical_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The physical devices, optionally of one type (``"CPU"``; the type match is exact, as in TF).

    >>> import tapegrad as tf
    >>> tf.config.list_physical_devices()
    [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    >>> tf.config.list_physical_devices("GPU")
    []
    """
    return [_CPU] if device_type is None or device_type == "CPU" else []


def get_visible_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    """The devices ops may use: the same as :func:`list_physical_devices`."""
    return list_physical_devices(device_type)


def set_visible_devices(devices: Any, device_type: str | None = None) -> None:
    """Accepted for the CPU (the only device); hiding it is refused as TF refuses hiding every CPU."""
    devs = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    if device_type in (None, "CPU") and _CPU not in devs:
        raise ValueError("set_visible_devices: the CPU cannot be hidden (it is the only device tapegrad has).")


def list_logical_devices(device_type: str | None = None) -> list[LogicalDevice]:
    """The logical devices (one per ``LogicalDeviceConfiguration`` of the CPU, else one), optionally of one type.
    Listing them starts the runtime, after which the configuration is fixed (as in TF).

    >>> import tapegrad as tf
    >>> tf.config.list_logical_devices("CPU")[0]
    LogicalDevice(name='/device:CPU:0', device_type='CPU')
    """
    _initialize()
    if device_type not in (None, "CPU"):
        return []
    return [LogicalDevice(name=f"/device:CPU:{i}", device_type="CPU") for i in range(_n_cpus())]


def get_logical_device_configuration(device: PhysicalDevice) -> list[Any] | None:
    """The logical split set for ``device`` (None when none was set)."""
    _check_device(device)
    return None if _State.logical_config is None else list(_State.logical_config)


def set_logical_device_configuration(device: PhysicalDevice, logical_devices: Any) -> None:
    """Split the CPU into logical CPUs (``tf.config.set_logical_device_configuration``): allowed before the
    runtime starts (the first tensor, ``tf.device`` scope or ``list_logical_devices``); RuntimeError after.

    >>> import tapegrad as tf
    >>> cfg = tf.config.LogicalDeviceConfiguration()
    >>> cfg.memory_limit is None
    True
    """
    _check_device(device)
    configs = list(logical_devices or [])
    if any(c.memory_limit is not None for c in configs):
        raise ValueError("Setting memory limit on CPU virtual devices is currently not supported")
    if _State.initialized:
        if _State.logical_config != configs:
            raise RuntimeError("Virtual devices cannot be modified after being initialized: call "
                               "set_logical_device_configuration before creating any tensor.")
        return
    _State.logical_config = configs or None


set_virtual_device_configuration = set_logical_device_configuration
get_virtual_device_configuration = get_logical_device_configuration
VirtualDeviceConfiguration = LogicalDeviceConfiguration


def _check_device(device: Any) -> None:
    if not isinstance(device, PhysicalDevice) or device.name not in (_CPU.name,):
        raise ValueError(f"Unrecognized device: {device!r}; use one of tf.config.list_physical_devices().")


def get_soft_device_placement() -> bool:
    """Whether ops asked for an absent device fall back to one that exists (True, as TF's default)."""
    return _State.soft_placement


def set_soft_device_placement(enabled: bool) -> None:
    """Turn soft placement on or off. Off: ops run in a ``tf.device`` scope that names an absent device (a GPU)
    raise InvalidArgumentError, as in TF; on (the default): they run on the CPU.

    >>> import tapegrad as tf
    >>> tf.config.set_soft_device_placement(False)
    >>> with tf.device("/GPU:0"):
    ...     try:
    ...         tf.constant(1.0) * 2
    ...     except tf.errors.InvalidArgumentError:
    ...         print("no GPU")
    no GPU
    >>> tf.config.set_soft_device_placement(True)
    """
    with _COUNT_LOCK:
        _State.soft_placement = bool(enabled)
        _update_placement_check()


def get_memory_info(device: str) -> dict[str, int]:
    """``tf.config.experimental.get_memory_info``: TF reports zeros for the CPU, and so does tapegrad."""
    spec = DeviceSpec.from_string(device)
    if spec.device_type != "CPU" or (spec.device_index or 0) >= _n_cpus():
        raise ValueError(f"No matching devices found for '{device}'")
    return {"current": 0, "peak": 0}


def reset_memory_stats(device: str) -> None:
    get_memory_info(device)


def set_memory_growth(device: Any, enable: bool) -> None:
    """Memory growth applies to GPUs only: ValueError on the CPU, as in TF."""
    raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")


def get_memory_growth(device: Any) -> bool:
    raise ValueError("Cannot get memory growth on non-GPU and non-Pluggable devices")


# -- tf.test / tf.sysconfig ----------------------------------------------------------------------------------------


def is_built_with_cuda() -> bool:
    """False: tapegrad has no CUDA backend (yet)."""
    return False


def is_built_with_rocm() -> bool:
    return False


def is_built_with_gpu_support() -> bool:
    return False


def is_built_with_xla() -> bool:
    return False


def is_gpu_available(cuda_only: bool = False, min_cuda_compute_capability: Any = None) -> bool:
    return False


def gpu_device_name() -> str:
    """``''``: there is no GPU device."""
    return ""


def get_build_info() -> dict[str, Any]:
    """``tf.sysconfig.get_build_info``: the build flags TF reports (no CUDA/ROCm/TensorRT)."""
    return {"is_cuda_build": False, "is_rocm_build": False, "is_tensorrt_build": False}
