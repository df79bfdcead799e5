"""``tapegrad.config``: the ``tf.config`` basics (devices, ``run_functions_eagerly``, ``threading``).

tapegrad computes on the CPU with NumPy, so there is exactly one device. The buffer-cache switches
(``set_buffer_cache_limit``, ``clear_buffer_cache``, ``get_buffer_cache_info``) and the opt-in ``tune_malloc``
are tapegrad extensions for large-array eager performance (docs/performance.md).

>>> import tapegrad as tf
>>> tf.config.list_physical_devices("CPU")
[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
"""

import sys as _sys

from ._buffers import clear_buffer_cache, get_buffer_cache_info, set_buffer_cache_limit, tune_malloc  # noqa: F401
from .ops import collect as _collect

globals().update(_collect("config"))

_sys.modules.setdefault(__name__ + ".threading", threading)  # type: ignore[name-defined]  # noqa: F821
