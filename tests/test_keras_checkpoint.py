"""train.Checkpoint and Model.save_weights/load_weights: round trips, resumed training, corrupted and mismatched
files, atomic writes, deferred restoration."""

from __future__ import annotations

import doctest
import os
import zipfile

import numpy as np
import pytest

import tapegrad as tf
import tapegrad.train as train_mod
from tapegrad import errors, keras
from tapegrad.module import Module
from tapegrad.train import Checkpoint, latest_checkpoint


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)


def data(n=48):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (np.sin(x).sum(1, keepdims=True)).astype(np.float32)


def make_model(hidden=5):
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(hidden, activation="tanh"),
                             keras.layers.BatchNormalization(), keras.layers.Dense(1)])


def test_checkpoint_resumes_training_exactly(tmp_path):
    x, y = data()
    reference = make_model()
    reference.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    start = reference.get_weights()
    reference.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    ckpt = Checkpoint(model=reference, optimizer=reference.optimizer)
    path = ckpt.save(tmp_path / "ckpt")
    reference.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)

    resumed = make_model()
    resumed.set_weights(start)  # anything: it is overwritten
    resumed.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    status = Checkpoint(model=resumed, optimizer=resumed.optimizer).restore(path)
    with pytest.raises(AssertionError, match="waiting for objects to be built"):
        status.assert_consumed()  # the optimizer's slots come back at its first step
    status.assert_existing_objects_matched()
    resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(reference.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(resumed.optimizer.iterations.numpy()) == 12


def test_numbering_state_file_write_and_read(tmp_path):
    v = tf.Variable([1.0, 2.0])
    ckpt = Checkpoint(v=v)
    assert latest_checkpoint(tmp_path) is None
    p1 = ckpt.save(str(tmp_path / "run"))
    v.assign([3.0, 4.0])
    p2 = ckpt.save(str(tmp_path / "run"))
    assert os.path.basename(p1) == "run-1" and os.path.basename(p2) == "run-2"
    assert latest_checkpoint(tmp_path) == p2 and int(ckpt.save_counter.numpy()) == 2
    state = (tmp_path / "checkpoint").read_text()  # as TF: only the newest is listed
    assert state == 'model_checkpoint_path: "run-2"\nall_model_checkpoint_paths: "run-2"\n', state
    ckpt.restore(p1).assert_consumed()
    assert v.numpy().tolist() == [1.0, 2.0] and int(ckpt.save_counter.numpy()) == 1
    written = ckpt.write(str(tmp_path / "plain"))
    assert written.endswith("plain") and (tmp_path / "plain.npz").is_file()
    v.assign([0.0, 0.0])
    ckpt.read(written)
    assert v.numpy().tolist() == [1.0, 2.0]
    assert ckpt.restore(None).assert_consumed() is not None
    assert ckpt.v is v
    with pytest.raises(AttributeError):
        ckpt.missing  # noqa: B018


def test_module_checkpoint_by_attribute_path(tmp_path):
    class Net(Module):
        def __init__(self, scale):
            super().__init__()
            self.layers = [tf.Variable(np.full(2, scale, np.float32), name="a"),
                           {"w": tf.Variable(np.full((2, 2), scale, np.float32))}]

    src, dst = Net(1.0), Net(0.0)
    path = Checkpoint(net=src).save(tmp_path / "m")
    Checkpoint(net=dst).restore(path).assert_consumed()
    assert dst.layers[1]["w"].numpy().sum() == 4.0
    arrays, _ = train_mod._read_npz(tmp_path / "m-1.npz")
    assert {"net/layers/0", "net/layers/1/w", "save_counter"} == set(arrays)
    nested = Checkpoint(inner=Checkpoint(net=src), extra=tf.Variable(5.0))
    p = nested.save(tmp_path / "nested")
    Checkpoint(inner=Checkpoint(net=dst), extra=tf.Variable(0.0)).restore(p).assert_consumed()


def test_shape_mismatch_is_refused_without_partial_restore(tmp_path):
    a, b = tf.Variable([1.0, 2.0]), tf.Variable([[1.0]])
    path = Checkpoint(a=a, b=b).save(tmp_path / "c")
    a2, b2 = tf.Variable([0.0, 0.0]), tf.Variable([[0.0, 0.0]])
    with pytest.raises(ValueError, match=r"incompatible tensor with shape \(1, 1\).*shape \(1, 2\)"):
        Checkpoint(a=a2, b=b2).restore(path)
    assert a2.numpy().tolist() == [0.0, 0.0]  # nothing was assigned
    extra = Checkpoint(a=a2)
    with pytest.raises(AssertionError, match="matched no variable"):
        extra.restore(path).assert_consumed()
    missing = Checkpoint(a=a2, z=tf.Variable(1.0))
    with pytest.raises(AssertionError, match="no value in the checkpoint"):
        missing.restore(path).assert_existing_objects_matched()


def test_corrupted_truncated_foreign_and_missing_files(tmp_path):
    v = tf.Variable([1.0, 2.0, 3.0])
    ckpt = Checkpoint(v=v)
    path = ckpt.save(tmp_path / "good")
    good = (tmp_path / "good-1.npz").read_bytes()
    (tmp_path / "trunc.npz").write_bytes(good[: len(good) // 2])
    (tmp_path / "garbage.npz").write_bytes(b"\x00not a checkpoint" * 10)
    np.savez(tmp_path / "foreign.npz", v=np.zeros(3))
    for name in ("trunc", "garbage", "foreign"):
        with pytest.raises(errors.DataLossError):
            ckpt.restore(tmp_path / name)
    with zipfile.ZipFile(tmp_path / "flipped.npz", "w") as zf:  # a damaged member inside a valid archive
        zf.writestr("v/value.npy", b"\x93NUMPY broken")
        zf.writestr(train_mod._META_KEY + ".npy", b"junk")
    with pytest.raises(errors.DataLossError):
        ckpt.restore(tmp_path / "flipped.npz")
    with pytest.raises(errors.NotFoundError, match="Failed to find"):
        ckpt.restore(tmp_path / "absent")
    assert v.numpy().tolist() == [1.0, 2.0, 3.0]
    ckpt.restore(path).assert_consumed()


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    v = tf.Variable([1.0])
    ckpt = Checkpoint(v=v)
    target = tmp_path / "atomic"
    ckpt.write(target)
    before = (tmp_path / "atomic.npz").read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"partial bytes")
        raise OSError("disk full")

    monkeypatch.setattr(train_mod.np, "savez", broken_savez)
    v.assign([9.0])
    with pytest.raises(OSError, match="disk full"):
        ckpt.write(target)
    assert (tmp_path / "atomic.npz").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atomic.npz"]  # no temporary file left behind


def test_save_and_load_weights(tmp_path):
    x, _ = data(8)
    model = make_model()
    model(x)
    path = tmp_path / "weights.npz"
    model.save_weights(path)
    clone = make_model()
    clone.load_weights(path)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(FileExistsError):
        model.save_weights(path, overwrite=False)
    wider = make_model(hidden=6)
    with pytest.raises(ValueError, match=r"has shape \(3, 5\) in the file but the model's .* has shape \(3, 6\)"):
        wider.load_weights(path)
    shallow = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="holds 8 weights but model"):
        shallow.load_weights(path)
    with pytest.raises(FileNotFoundError):
        clone.load_weights(tmp_path / "nope.npz")
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(errors.DataLossError):
        clone.load_weights(tmp_path / "bad.npz")
    wider.load_weights(path, skip_mismatch=True)  # mismatched weights keep their values
    deferred = keras.Sequential([keras.layers.Dense(5, activation="tanh"), keras.layers.BatchNormalization(),
                                 keras.layers.Dense(1)])
    deferred.load_weights(path)  # not built yet: assigned when the first call builds it
    np.testing.assert_array_equal(deferred.predict(x, verbose=0), model.predict(x, verbose=0))


def test_checkpoint_rejects_untrackable_objects():
    with pytest.raises(ValueError, match="trackable"):
        Checkpoint(thing=3)
    with pytest.raises(ValueError, match="None"):
        Checkpoint(thing=None)


def test_docstrings_run():
    assert doctest.testmod(train_mod).failed == 0


def test_deferred_restore_into_subclassed_model_applies_before_first_output(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    x, _ = data(6)
    src = Net()
    expected = src(x).numpy()
    path = Checkpoint(model=src).save(tmp_path / "sub")
    dst = Net()
    status = Checkpoint(model=dst).restore(path)
    with pytest.raises(AssertionError, match="waiting"):
        status.assert_consumed()
    np.testing.assert_array_equal(dst(x).numpy(), expected)  # the very first call already sees restored weights
