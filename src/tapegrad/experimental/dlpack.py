"""Zero-copy exchange with PyTorch, JAX, CuPy and NumPy through DLPack (``tf.experimental.dlpack``).

tapegrad tensors implement ``__dlpack__``/``__dlpack_device__``, so ``torch.from_dlpack(t)``,
``jax.numpy.from_dlpack(t)`` and ``np.from_dlpack(t)`` take them directly; :func:`from_dlpack` goes the other way.
Memory is shared, not copied: a tensor made by :func:`from_dlpack` sees later in-place changes of the producer's
array (tapegrad never writes into it), and a consumer must not write into a tapegrad tensor's memory.

>>> import numpy as np
>>> import tapegrad as tf
>>> a = np.arange(3.0, dtype=np.float32)
>>> t = tf.experimental.dlpack.from_dlpack(a)
>>> t.dtype, np.shares_memory(np.from_dlpack(t), a)
(tapegrad.float32, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._tensor import Tensor, _TensorLike, make

__all__ = ["from_dlpack", "to_dlpack"]


class _Capsule:
    """Presents a bare DLPack capsule (``torch.utils.dlpack.to_dlpack``'s result) as a ``__dlpack__`` producer."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, stream: Any = None, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError("a bare capsule only supports the legacy protocol")
        capsule, self.capsule = self.capsule, None
        if capsule is None:
            raise BufferError("from_dlpack: a DLPack capsule can be consumed only once.")
        return capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU: a capsule cannot say; non-CPU data fails in NumPy with a clear error


def from_dlpack(dlcapsule: Any) -> Tensor:
    """A tapegrad Tensor sharing the memory of ``dlcapsule``: any object with ``__dlpack__`` (a PyTorch CPU tensor,
    a JAX array, a NumPy array, another tapegrad tensor) or a DLPack capsule from ``to_dlpack``.

    The data must live on the CPU (tapegrad's backend is NumPy); move it first, e.g. ``t.cpu()`` in PyTorch.
    """
    if isinstance(dlcapsule, _TensorLike):
        return make(dlcapsule._value, dlcapsule._xp) if not isinstance(dlcapsule, Tensor) else dlcapsule
    obj = _Capsule(dlcapsule) if type(dlcapsule).__name__ == "PyCapsule" else dlcapsule
    if isinstance(obj, np.generic):
        obj = np.asarray(obj)  # NumPy scalars have no __dlpack__
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(dlcapsule).__name__} does not support DLPack (no __dlpack__ method); "
                        "pass a PyTorch/JAX/CuPy/NumPy array or a DLPack capsule.")
    device = getattr(obj, "__dlpack_device__", None)
    if device is not None:
        dev_type = int(device()[0])
        if dev_type not in (1, 3):  # kDLCPU, kDLCUDAHost
            raise BufferError(
                f"from_dlpack: the data lives on DLPack device type {dev_type} (not the CPU); tapegrad computes with "
                "NumPy on the CPU. Move it to the CPU first (PyTorch: t.cpu(), JAX: jax.device_get(a), CuPy: "
                "a.get())."
            )
    try:
        arr = np.from_dlpack(obj)
    except (BufferError, RuntimeError, TypeError) as exc:
        if "dtype" in str(exc).lower():
            raise TypeError(f"from_dlpack: {exc} NumPy (tapegrad's backend) has no such dtype (e.g. bfloat16): "
                            "convert it on the producer's side (e.g. to float32) first.") from exc
        hint = ""
        if "grad" in str(exc).lower():
            hint = " A PyTorch tensor that requires grad cannot be shared: pass t.detach()."
        raise BufferError(f"from_dlpack: the producer refused to export its data: {exc}.{hint}") from exc
    if arr.dtype not in _dtypes._BY_NP:
        raise TypeError(f"from_dlpack: dtype {arr.dtype} has no tapegrad equivalent; convert it on the producer's "
                        "side (e.g. to float32) first.")
    if arr.ndim == 0:
        arr = arr.reshape(())
    return make(arr, NUMPY)


def to_dlpack(tf_tensor: Any) -> Any:
    """A DLPack capsule of ``tf_tensor``'s memory (legacy protocol, for consumers such as
    ``torch.utils.dlpack.from_dlpack``). Prefer passing the tensor itself to ``torch.from_dlpack``."""
    if not isinstance(tf_tensor, _TensorLike):
        raise TypeError(f"to_dlpack: expected a tapegrad Tensor or Variable, got {type(tf_tensor).__name__}.")
    return tf_tensor.__dlpack__()
