"""tf.train utilities (``_train_utils.py``) beyond the TF lane's cases (tests/conformance/misc_programs.py
``train_*``): the docstring examples, waiting for new checkpoints, coordinator failure paths, EMA shadows in a
checkpoint and float64 arithmetic."""

from __future__ import annotations

import doctest
import os
import threading
import time

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _train_utils


def test_docstrings_run() -> None:
    result = doctest.testmod(_train_utils)
    assert result.failed == 0 and result.attempted > 15


def test_ema_matches_formula_in_float64_with_warmup() -> None:
    n = tf.Variable(4)
    v = tf.Variable(np.array([0.5, -2.0]), dtype=tf.float64)
    ema = tf.train.ExponentialMovingAverage(0.999, num_updates=n)
    ema.apply([v])
    v.assign([1.5, 3.0])
    ema.apply([v])
    decay = np.float32(min(np.float32(0.999), np.float32(5.0) / np.float32(14.0)))
    want = np.array([0.5, -2.0]) - (np.array([0.5, -2.0]) - np.array([1.5, 3.0])) * np.float64(np.float32(1) - decay)
    np.testing.assert_array_equal(ema.average(v).numpy(), want)
    assert ema.average(v).dtype == tf.float64 and not ema.average(v).trainable


def test_ema_shadows_checkpoint_and_restore_into_variables(tmp_path) -> None:
    w = tf.Variable([1.0, 1.0], name="w")
    ema = tf.train.ExponentialMovingAverage(0.5)
    ema.apply([w])
    w.assign([3.0, 5.0])
    ema.apply([w])
    path = tf.train.Checkpoint(ema=ema).save(str(tmp_path / "c"))
    assert [n for n, _ in tf.train.list_variables(str(tmp_path))] == [
        "ema/variables/0/.ATTRIBUTES/VARIABLE_VALUE", "save_counter/.ATTRIBUTES/VARIABLE_VALUE"]
    np.testing.assert_array_equal(tf.train.load_variable(path, "ema/variables/0"), [2.0, 3.0])
    assert ema.variables_to_restore() == {"w/ExponentialMovingAverage": w}


def test_checkpoints_iterator_waits_for_new_ones(tmp_path) -> None:
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    first = ckpt.save(str(tmp_path / "c"))
    later: list[str] = []

    def writer() -> None:
        time.sleep(0.3)
        later.append(ckpt.save(str(tmp_path / "c")))

    t = threading.Thread(target=writer)
    t.start()
    seen = list(tf.train.checkpoints_iterator(str(tmp_path), timeout=1.5))
    t.join()
    assert seen == [first, later[0]]
    asked = []
    seen = list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0.05,
                                              timeout_fn=lambda: asked.append(1) or len(asked) >= 2))
    assert seen == [later[0]] and len(asked) == 2  # the first False kept it waiting


def test_checkpoint_reader_errors(tmp_path) -> None:
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        tf.train.list_variables(str(tmp_path))
    path = tf.train.Checkpoint(v=tf.Variable([1, 2])).save(str(tmp_path / "c"))
    reader = tf.train.load_checkpoint(path)
    assert reader.get_tensor("v").tolist() == [1, 2]  # the suffix is optional
    with pytest.raises(tf.errors.NotFoundError, match="Key w not found"):
        reader.get_tensor("w")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(tf.errors.DataLossError):
        tf.train.load_checkpoint(str(tmp_path / "bad.npz"))


def test_coordinator_grace_period_and_clean_stops() -> None:
    coord = tf.train.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="stuck-thread")
    t.start()
    coord.request_stop()
    with pytest.raises(RuntimeError, match="stuck-thread"):
        coord.join([t], stop_grace_period_secs=0.05)
    release.set()
    t.join()
    coord.clear_stop()
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "input done"))
    coord.join()
    assert coord.joined and coord.should_stop() and coord.wait_for_stop(0)
    custom = tf.train.Coordinator(clean_stop_exception_types=(KeyError,))
    custom.request_stop(KeyError("k"))
    custom.join()
    worker = threading.Thread(target=lambda: None)
    custom.register_thread(worker)
    worker.start()
    custom.clear_stop()
    custom.request_stop(ValueError("first"))
    custom.request_stop(TypeError("second"))  # only the first is kept
    with pytest.raises(ValueError, match="first"):
        custom.join()


def test_cluster_spec_checks_and_copies() -> None:
    with pytest.raises(TypeError, match="must be a dict"):
        tf.train.ClusterSpec(["a:1"])
    with pytest.raises(TypeError, match="list or a dict"):
        tf.train.ClusterSpec({"worker": "a:1"})
    cs = tf.train.ClusterSpec({"w": {0: "a:1", 2: "c:3"}})
    with pytest.raises(ValueError, match="No task with index 1"):
        cs.task_address("w", 1)
    assert repr(cs) == "ClusterSpec({'w': {0: 'a:1', 2: 'c:3'}})" and cs != tf.train.ClusterSpec({"w": ["a:1"]})
    assert tf.train.ClusterSpec is tf.distribute.cluster_resolver.ClusterSpec


def test_checkpoint_options_accepted(tmp_path) -> None:
    opts = tf.train.CheckpointOptions(experimental_io_device="/job:localhost", enable_async=True)
    ckpt = tf.train.Checkpoint(v=tf.Variable(2.0))
    path = ckpt.save(str(tmp_path / "c"), options=opts)
    assert os.path.exists(path + ".npz") and opts.enable_async and tf.train.get_checkpoint_state(str(tmp_path))
