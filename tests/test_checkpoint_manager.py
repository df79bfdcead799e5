"""tf.train.CheckpointManager: TF's file naming, state file, max_to_keep, checkpoint_number, preserved
checkpoints, step intervals, recovery by a new manager, restore_or_initialize (expected values recorded from
TF 2.21)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tapegrad as tf


def _names(paths: list[str]) -> list[str]:
    return [os.path.basename(p) for p in paths]


def test_numbering_max_to_keep_and_state_file(tmp_path) -> None:
    v = tf.Variable(1.0)
    ckpt = tf.train.Checkpoint(v=v)
    directory = str(tmp_path / "cm")
    manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    saved = [manager.save(), manager.save(), manager.save(checkpoint_number=10), manager.save()]
    # as TF: the save counter still advances when a number is given (the fourth save is ckpt-4)
    assert saved == [os.path.join(directory, n) for n in ("ckpt-1", "ckpt-2", "ckpt-10", "ckpt-4")]
    assert _names(manager.checkpoints) == ["ckpt-10", "ckpt-4"]
    assert sorted(os.listdir(directory)) == ["checkpoint", "ckpt-10.npz", "ckpt-4.npz"]
    state = (tmp_path / "cm" / "checkpoint").read_text().splitlines()
    assert state[:3] == ['model_checkpoint_path: "ckpt-4"', 'all_model_checkpoint_paths: "ckpt-10"',
                         'all_model_checkpoint_paths: "ckpt-4"']
    assert [s.split(":")[0] for s in state[3:]] == ["all_model_checkpoint_timestamps"] * 2 + \
        ["last_preserved_timestamp"]
    assert tf.train.latest_checkpoint(directory) == saved[-1]
    # a new manager on the directory takes the list over
    again = tf.train.CheckpointManager(ckpt, directory, max_to_keep=3, checkpoint_name="ckpt")
    assert _names(again.checkpoints) == ["ckpt-10", "ckpt-4"] and again.latest_checkpoint == saved[-1]


def test_restore_or_initialize_and_resume(tmp_path) -> None:
    v = tf.Variable(np.arange(3.0))
    calls = []
    ckpt = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=None, init_fn=lambda: calls.append(1))
    assert manager.restore_or_initialize() is None and calls == [1]
    for _ in range(5):
        v.assign_add(np.ones(3))
        manager.save()
    assert len(manager.checkpoints) == 5  # max_to_keep=None keeps all
    v.assign(np.zeros(3))
    fresh = tf.train.Checkpoint(v=v)
    restored = tf.train.CheckpointManager(fresh, tmp_path, max_to_keep=None).restore_or_initialize()
    assert os.path.basename(restored) == "ckpt-5"
    np.testing.assert_array_equal(v.numpy(), np.arange(3.0) + 5)
    assert int(fresh.save_counter.numpy()) == 5


def test_keep_checkpoint_every_n_hours_preserves(tmp_path, monkeypatch) -> None:
    import tapegrad._checkpoint_manager as cm

    clock = [1000.0]
    monkeypatch.setattr(cm.time, "time", lambda: clock[0])
    ckpt = tf.train.Checkpoint(v=tf.Variable(0.0))
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=1, keep_checkpoint_every_n_hours=1.0)
    clock[0] += 3700.0  # more than an hour after the manager started: ckpt-1 is preserved when swept
    manager.save()
    clock[0] += 10.0
    manager.save()
    clock[0] += 10.0
    manager.save()  # ckpt-2 is within the hour of ckpt-1: deleted
    assert _names(manager.checkpoints) == ["ckpt-3"]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "ckpt-1.npz", "ckpt-3.npz"]


def test_checkpoint_interval_and_errors(tmp_path) -> None:
    step = tf.Variable(0, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(step=step)
    manager = tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=5, step_counter=step, checkpoint_interval=3)
    got = []
    for _ in range(7):
        got.append(manager.save())
        step.assign_add(1)
    assert [None if p is None else os.path.basename(p) for p in got] == \
        ["ckpt-1", None, None, "ckpt-2", None, None, "ckpt-3"]
    step.assign_add(-1)
    assert manager.save(check_interval=False) is None  # the step of the last save
    step.assign_add(1)
    assert os.path.basename(manager.save(check_interval=False)) == "ckpt-4"
    with pytest.raises(ValueError, match="max_to_keep"):
        tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=0)
    with pytest.raises(ValueError, match="step_counter"):
        tf.train.CheckpointManager(ckpt, tmp_path, max_to_keep=1, checkpoint_interval=2)
