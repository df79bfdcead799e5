"""DLPack: zero-copy exchange between tapegrad and NumPy, PyTorch (CPU) and JAX."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.experimental import dlpack


def test_docstring_examples_run() -> None:
    result = doctest.testmod(dlpack, extraglobs={"tf": tf})
    assert result.attempted >= 3 and result.failed == 0


def test_numpy_round_trip_shares_memory() -> None:
    a = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    t = dlpack.from_dlpack(a)
    assert type(t) is tf.Tensor and t.dtype == tf.float32 and t.shape == (3, 4)
    assert np.shares_memory(t._value, a)
    back = np.from_dlpack(t)
    assert np.shares_memory(back, a)
    np.testing.assert_array_equal(back, a)
    assert t.__dlpack_device__() == (1, 0)
    s = dlpack.from_dlpack(np.float64(2.5) * np.ones(()))
    assert s.shape == () and float(s) == 2.5


def test_dlpack_tensors_are_differentiable() -> None:
    t = dlpack.from_dlpack(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(t * t)
    assert tape.gradient(y, t).numpy().tolist() == [2.0, 4.0]


def test_torch_round_trip() -> None:
    torch = pytest.importorskip("torch")
    src = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    t = dlpack.from_dlpack(src)
    assert t.dtype == tf.float64 and t.shape == (2, 3)
    src[0, 0] = 42.0  # shared memory: the tensor sees the producer's in-place write
    assert float(t[0, 0]) == 42.0
    back = torch.from_dlpack(t)
    assert back.data_ptr() == src.data_ptr()
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    pt = torch.from_dlpack(x)
    assert pt.dtype == torch.float32 and pt.data_ptr() == x._value.ctypes.data
    np.testing.assert_array_equal(pt.numpy(), x.numpy())
    # legacy capsules, both ways
    cap = torch.utils.dlpack.to_dlpack(torch.ones(3, dtype=torch.int64))
    ti = dlpack.from_dlpack(cap)
    assert ti.dtype == tf.int64 and ti.numpy().tolist() == [1, 1, 1]
    assert torch.utils.dlpack.from_dlpack(dlpack.to_dlpack(x)).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    v = tf.Variable([5.0, 6.0])
    assert torch.from_dlpack(v).tolist() == [5.0, 6.0]


def test_torch_errors_are_explained() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(BufferError, match="detach"):
        dlpack.from_dlpack(torch.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="bfloat16"):
        dlpack.from_dlpack(torch.ones(2, dtype=torch.bfloat16))
    with pytest.raises(TypeError, match="does not support DLPack"):
        dlpack.from_dlpack([1.0, 2.0])


def test_jax_round_trip() -> None:
    jnp = pytest.importorskip("jax.numpy")
    a = jnp.arange(4.0)
    t = dlpack.from_dlpack(a)
    assert t.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert jnp.from_dlpack(tf.constant([1.5, 2.5])).tolist() == [1.5, 2.5]
