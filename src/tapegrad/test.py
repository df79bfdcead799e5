"""``tapegrad.test``: the build queries of ``tf.test`` (tapegrad has no GPU backend: all report none).

>>> import tapegrad as tf
>>> tf.test.is_built_with_cuda(), tf.test.gpu_device_name()
(False, '')
"""

from ._device import (  # noqa: F401
    gpu_device_name,
    is_built_with_cuda,
    is_built_with_gpu_support,
    is_built_with_rocm,
    is_built_with_xla,
    is_gpu_available,
)
