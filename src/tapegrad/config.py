"""``tapegrad.config``: the ``tf.config`` basics (devices, ``run_functions_eagerly``, ``threading``).

tapegrad computes on the CPU with NumPy, so there is exactly one device. The buffer-cache switches
(``set_buffer_cache_limit``, ``clear_buffer_cache``, ``get_buffer_cache_info``) and the opt-in ``tune_malloc``
are tapegrad extensions for large-array eager performance (docs/performance.md).

>>> import tapegrad as tf
>>> tf.config.list_physical_devices("CPU")
[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
"""

import sys as _sys
import types as _types

from ._buffers import clear_buffer_cache, get_buffer_cache_info, set_buffer_cache_limit, tune_malloc  # noqa: F401
from .ops import collect as _collect

globals().update(_collect("config"))

from . import _device as _dev  # noqa: E402
from . import _settings as _s  # noqa: E402
from ._device import (  # noqa: E402, F401
    LogicalDevice,
    LogicalDeviceConfiguration,
    PhysicalDevice,
    VirtualDeviceConfiguration,
    get_logical_device_configuration,
    get_soft_device_placement,
    get_virtual_device_configuration,
    get_visible_devices,
    list_logical_devices,
    list_physical_devices,
    set_logical_device_configuration,
    set_soft_device_placement,
    set_virtual_device_configuration,
    set_visible_devices,
)

experimental = _types.ModuleType("tapegrad.config.experimental",
                                 "tf.config.experimental: device memory settings and TF's runtime switches.")
for _fn in (_dev.get_memory_growth, _dev.get_memory_info, _dev.reset_memory_stats, _dev.set_memory_growth,
            list_physical_devices, list_logical_devices, get_visible_devices,
            set_visible_devices, set_virtual_device_configuration, get_virtual_device_configuration,
            _s.tensor_float_32_execution_enabled, _s.enable_tensor_float_32_execution, _s.get_device_policy,
            _s.set_device_policy, _s.get_synchronous_execution, _s.set_synchronous_execution,
            _s.enable_op_determinism, _s.enable_mlir_bridge, _s.disable_mlir_bridge, _s.get_device_details,
            _s.get_memory_usage):
    setattr(experimental, _fn.__name__, _fn)
experimental.VirtualDeviceConfiguration = VirtualDeviceConfiguration  # type: ignore[attr-defined]
experimental.ClusterDeviceFilters = _s.ClusterDeviceFilters  # type: ignore[attr-defined]
_sys.modules.setdefault(__name__ + ".experimental", experimental)

optimizer = _types.ModuleType("tapegrad.config.optimizer", "tf.config.optimizer: XLA auto-clustering and Grappler "
                              "options (recorded; tapegrad's compiler has its own passes).")
for _fn in (_s.get_jit, _s.set_jit, _s.get_experimental_options, _s.set_experimental_options):
    setattr(optimizer, _fn.__name__, _fn)
_sys.modules.setdefault(__name__ + ".optimizer", optimizer)

_sys.modules.setdefault(__name__ + ".threading", threading)  # type: ignore[name-defined]  # noqa: F821
