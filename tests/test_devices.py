"""Devices as TF reports them on a CPU-only machine (issue 14 item 4); programs from TF's guides run unchanged."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import tapegrad as tf

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"


def test_variables_guide_device_placement() -> None:
    # TF's "Introduction to Variables" guide, "Placing variables and tensors"
    with tf.device("CPU:0"):
        a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        c = tf.matmul(a, b)
    assert c.numpy().tolist() == [[22.0, 28.0], [49.0, 64.0]]
    with tf.device("CPU:0"):
        a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        b = tf.Variable([[1.0, 2.0, 3.0]])
    with tf.device("GPU:0"):
        k = a * b  # no GPU: soft placement runs it on the CPU
    assert k.numpy().tolist() == [[1.0, 4.0, 9.0], [4.0, 10.0, 18.0]]
    assert k.device == CPU0 and a.device == CPU0


def test_customization_basics_device_checks() -> None:
    # TF's "Customization basics: tensors and operations" tutorial, "GPU acceleration"
    x = tf.random.uniform([3, 3])
    assert tf.config.list_physical_devices("GPU") == []
    assert x.device.endswith("GPU:0") is False
    with tf.device("CPU:0"):
        x = tf.random.uniform([100, 100])
        assert x.device.endswith("CPU:0")
        y = tf.matmul(x, x)
    assert y.shape == (100, 100)


def test_device_names_and_errors() -> None:
    for name in ("/CPU:0", "/GPU:3", "/TPU:0", "gpu:0", "cpu", "/device:CPU:0", None):
        with tf.device(name):
            assert (tf.constant(1.0) * 2).device == CPU0
    with pytest.raises(ValueError, match="nonsense"):
        tf.device("nonsense!!")
    with pytest.raises(RuntimeError):
        tf.device(lambda op: "/CPU:0")
    with pytest.raises(tf.errors.InvalidArgumentError):
        with tf.device("/job:foo/device:CPU:0"):
            pass
    with pytest.raises(RuntimeError, match="GPU:0"):
        tf.constant([1.0]).gpu()
    assert tf.DeviceSpec.from_string("/GPU:0").to_string() == "/device:GPU:0"
    assert tf.DeviceSpec.from_string("/job:localhost/replica:0/task:0/device:CPU:0").device_type == "CPU"
    assert (tf.test.is_built_with_cuda(), tf.test.is_gpu_available(), tf.test.gpu_device_name()) == (False, False, "")
    assert tf.config.experimental.get_memory_info("CPU:0") == {"current": 0, "peak": 0}
    with pytest.raises(ValueError):
        tf.config.experimental.set_memory_growth(tf.config.list_physical_devices("CPU")[0], True)


def test_gradient_under_device_scope() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        with tf.device("/GPU:0"):
            y = x * x
    g = t.gradient(y, x)
    assert float(g) == 6.0 and g.device == CPU0


def test_logical_cpus_in_a_fresh_process() -> None:
    # the split must happen before the runtime starts, so it is checked in its own interpreter
    code = textwrap.dedent("""
        import tapegrad as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        assert tf.config.get_logical_device_configuration(cpu) is None
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        assert [d.name for d in tf.config.list_logical_devices("CPU")] == ["/device:CPU:0", "/device:CPU:1"]
        with tf.device("/CPU:1"):
            b = tf.constant(1.0) * 2
        assert b.device.endswith("CPU:1") and float(b) == 2.0, b.device
        with tf.device("/CPU:2"):
            assert tf.constant(1.0).device.endswith("CPU:0")
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()])
        except RuntimeError:
            print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_hard_placement_on_an_absent_gpu_raises_as_tf() -> None:
    import tapegrad._dispatch as dispatch

    tf.config.set_soft_device_placement(False)
    try:
        with tf.device("/GPU:0"):
            c = tf.constant(1.0)  # TF places constants on the host: allowed
            with pytest.raises(tf.errors.InvalidArgumentError):
                c * 2
            with pytest.raises(tf.errors.InvalidArgumentError):
                tf.reduce_sum(c)
            with tf.device("/CPU:0"):  # an inner scope naming a device that exists runs
                assert float(c * 2) == 2.0
        assert c.device.endswith("CPU:0")
        assert float(c * 3) == 3.0  # outside the scope
    finally:
        tf.config.set_soft_device_placement(True)
    assert dispatch._HARD_PLACEMENT == 0  # disarmed: no cost on the hot path


def test_soft_placement_switch_is_read_when_the_op_runs() -> None:
    with tf.device("/GPU:0"):
        x = tf.constant([1.0, 2.0]) * 2  # soft placement (default): runs on the CPU
        tf.config.set_soft_device_placement(False)
        try:
            with pytest.raises(tf.errors.InvalidArgumentError):
                x + 1
        finally:
            tf.config.set_soft_device_placement(True)
        assert (x + 1).numpy().tolist() == [3.0, 5.0]


def test_hard_placement_is_per_thread() -> None:
    import threading

    inside, release, results = threading.Event(), threading.Event(), {}

    def holder() -> None:
        with tf.device("/GPU:0"):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    tf.config.set_soft_device_placement(False)
    try:
        t.start()
        assert inside.wait(5)
        results["other thread"] = float(tf.constant(2.0) * 3)  # this thread has no GPU scope: runs
    finally:
        release.set()
        t.join()
        tf.config.set_soft_device_placement(True)
    assert results == {"other thread": 6.0}
