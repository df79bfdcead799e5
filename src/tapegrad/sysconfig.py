"""``tapegrad.sysconfig``: ``tf.sysconfig.get_build_info`` (no CUDA, ROCm or TensorRT build).

>>> import tapegrad as tf
>>> tf.sysconfig.get_build_info()["is_cuda_build"]
False
"""

from ._device import get_build_info  # noqa: F401
