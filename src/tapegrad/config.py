"""``tapegrad.config``: the ``tf.config`` basics (devices, ``run_functions_eagerly``, ``threading``).

tapegrad computes on the CPU with NumPy, so there is exactly one device.

>>> import tapegrad as tf
>>> tf.config.list_physical_devices("CPU")
[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
"""

import sys as _sys

from .ops import collect as _collect

globals().update(_collect("config"))

_sys.modules.setdefault(__name__ + ".threading", threading)  # type: ignore[name-defined]  # noqa: F821
