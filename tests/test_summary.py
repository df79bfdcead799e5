"""tf.summary and keras.callbacks.TensorBoard without TensorFlow: event bytes against TF 2.21's recorded bytes,
TensorBoard's histogram bucketing, PNG/WAV payloads, writer/step/record_if semantics, summaries inside
tapegrad.function, and the Keras callback's layout (the TF lane is tests/conformance/test_summary_vs_tf.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad._summary_pb import Event, read_events
from tapegrad.errors import InvalidArgumentError, NotFoundError
from tapegrad.summary import _histogram_buckets


def _events(logdir: Path) -> list[Event]:
    files = sorted(f for f in os.listdir(logdir) if ".tfevents." in f)
    assert len(files) == 1, files
    return read_events(str(logdir / files[0]))


def _summaries(logdir: Path) -> list[tuple[int, str, Any]]:
    out = []
    for e in _events(logdir)[1:]:
        v = e.summary.value[0]
        out.append((e.step, v.tag, v))
    return out


def _no_wall_time(e: Event) -> str:
    e.wall_time = 0.0
    return e.SerializeToString().hex()


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    yield
    tf.summary.experimental.set_step(None)


# -- the file ----------------------------------------------------------------------------------------------------


def test_file_name_and_first_event(tmp_path: Path) -> None:
    w = tf.summary.create_file_writer(tmp_path / "run" / "train")  # parents are made
    name = os.listdir(tmp_path / "run" / "train")[0]
    parts = name.split(".")
    assert parts[:3] == ["events", "out", "tfevents"] and parts[-1] == "v2"
    assert len(parts[3]) == 10 and parts[3].isdigit() and parts[-3] == str(os.getpid())
    first = _events(tmp_path / "run" / "train")[0]  # written and flushed at creation, as TF does
    assert first.file_version == "brain.Event:2" and first.wall_time == int(first.wall_time) > 0
    assert first.source_metadata.writer == "tensorflow.core.util.events_writer"
    w.close()
    w2 = tf.summary.create_file_writer(str(tmp_path / "s"), filename_suffix=".xy")
    assert os.listdir(tmp_path / "s")[0].endswith(f".{os.getpid()}.{int(w2.path.split('.')[-2])}.xy")
    w2.close()


# TF 2.21's records for the same calls (tests/conformance/summary_programs.py's probe), wall_time removed
TF_SCALAR = "10032a210a1f0a046c6f7373420a0801120022040000003f4a0b0a090a077363616c617273"
TF_TEXT = "10022a1c0a1a0a0174420b08071200420568656c6c6f4a080a060a0474657874"
TF_GENERIC = "10082a1b0a190a0367656e4212080312041202080222080100000002000000"
TF_HIST = ("10012a86010a83010a0168426e0802120812020804120208032260000000000000f03f00000000000008400000000000"
           "00084000000000000008400000000000001440000000000000000000000000000014400000000000001c400000000000"
           "00f03f0000000000001c400000000000002240000000000000f03f4a0e0a0c0a0a686973746f6772616d73")
TF_WAV = ("524946463c00000057415645666d74201000000001000200401f0000007d0000040010006461746118000000008046978caed1c517dd"
          "5df4a30be9222f3a7451ba68ff7f")


def test_event_bytes_equal_tensorflows(tmp_path: Path) -> None:
    w = tf.summary.create_file_writer(tmp_path)
    with w.as_default(step=3):
        assert bool(tf.summary.scalar("loss", 0.5))
        tf.summary.text("t", "hello", step=2)
        tf.summary.write("gen", tf.constant([1, 2]), step=8, metadata=b"")
        tf.summary.histogram("h", np.array([1.0, 2, 2, 5, 9]), step=1, buckets=4)
        tf.summary.audio("au", np.linspace(-1, 1, 12, dtype="float32").reshape(1, 6, 2), 8000, step=6)
    events = _events(tmp_path)[1:]
    assert all(e.wall_time > 1e9 for e in events)
    assert [_no_wall_time(e) for e in events[:4]] == [TF_SCALAR, TF_TEXT, TF_GENERIC, TF_HIST]
    audio = events[4].summary.value[0]
    assert audio.metadata.plugin_data.plugin_name == "audio" and audio.metadata.plugin_data.content == b"\x10\x0b"
    assert [d.size for d in audio.tensor.tensor_shape.dim] == [1, 2]
    assert audio.tensor.string_val[0].hex() == TF_WAV and audio.tensor.string_val[1] == b""


# -- histograms ----------------------------------------------------------------------------------------------------


def _reference_buckets(x: np.ndarray, k: int) -> np.ndarray:
    """TensorBoard's rule written out element by element."""
    x = x.astype(np.float64).ravel()
    lo, hi = float(x.min()), float(x.max())
    width = (hi - lo) / k
    counts = [0.0] * k
    for v in x:
        counts[min(int(np.floor((v - lo) / width)), k - 1)] += 1
    edges = [lo] + [lo + i * width for i in range(1, k)] + [hi]
    return np.array([[edges[i], edges[i + 1], counts[i]] for i in range(k)])


@pytest.mark.parametrize("seed,k", [(0, 30), (1, 7), (2, 1), (3, 64)])
def test_histogram_buckets_follow_tensorboards_rule(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(41, 3)).astype(np.float32) * 3
    got = _histogram_buckets(x, k)
    np.testing.assert_array_equal(got, _reference_buckets(x, k))
    assert got.shape == (k, 3) and got.dtype == np.float64 and got[:, 2].sum() == x.size


def test_histogram_edge_cases() -> None:
    assert _histogram_buckets([1.0, 2, 2, 5, 9], 4).tolist() == [[1, 3, 3], [3, 5, 0], [5, 7, 1], [7, 9, 1]]
    single = _histogram_buckets([3.0, 3.0], 30)
    assert single.shape == (30, 3) and (single[:, :2] == 3).all() and single[:, 2].tolist() == [0] * 29 + [2]
    assert _histogram_buckets(np.zeros(0), 30).tolist() == np.zeros((30, 3)).tolist()
    assert _histogram_buckets([1.0, 2.0], 0).shape == (0, 3) and _histogram_buckets([1.0], -2).shape == (0, 3)
    with np.errstate(invalid="ignore"):
        nan = _histogram_buckets([1.0, np.nan, 2.0], 3)  # no crash; NaN falls out of every bucket
    assert nan.shape == (3, 3)


def test_histogram_arguments(tmp_path: Path) -> None:
    with tf.summary.create_file_writer(tmp_path).as_default(step=0):
        tf.summary.histogram("w", tf.constant([[1.0, 4.0]]))
        with pytest.raises(TypeError, match="int32"):
            tf.summary.histogram("w", [1.0], buckets=2.0)
    (_, tag, v), = _summaries(tmp_path)
    assert tag == "w" and [d.size for d in v.tensor.tensor_shape.dim] == [30, 3]
    assert v.metadata.plugin_data.plugin_name == "histograms"


# -- images, text, audio ----------------------------------------------------------------------------------------


def test_image_payload(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = rng.uniform(-0.2, 1.2, (3, 4, 5, 3)).astype(np.float32)
    with tf.summary.create_file_writer(tmp_path).as_default(step=1):
        tf.summary.image("img", data, max_outputs=2)
        tf.summary.image("none", data, max_outputs=0)
        with pytest.raises(ValueError, match="rank 4"):
            tf.summary.image("bad", data[0])
        with pytest.raises(InvalidArgumentError, match="max_outputs"):
            tf.summary.image("bad", data, max_outputs=-1)
    (_, _, v), (_, _, v0) = _summaries(tmp_path)
    vals = list(v.tensor.string_val)
    assert vals[:2] == [b"5", b"4"] and len(vals) == 4 and list(v0.tensor.string_val) == [b"5", b"4"]
    expected = np.clip(data * 255.5, 0, 255).astype(np.uint8)  # convert_image_dtype(saturate=True)
    for png, img in zip(vals[2:], expected):
        np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), img)
    assert v.metadata.plugin_data.plugin_name == "images"


def test_text_and_audio_checks(tmp_path: Path) -> None:
    with tf.summary.create_file_writer(tmp_path).as_default(step=1):
        tf.summary.text("grid", [["a", "b"], ["c", "é"]])
        with pytest.raises(TypeError, match="string"):
            tf.summary.text("bad", tf.constant(1.0))
        with pytest.raises(ValueError, match="rank 3"):
            tf.summary.audio("bad", np.zeros((2, 3), np.float32), 8000)
        with pytest.raises(InvalidArgumentError, match="float32"):
            tf.summary.audio("bad", np.zeros((1, 2, 3)), 8000)
        with pytest.raises(TypeError, match="sample_rate"):
            tf.summary.audio("bad", np.zeros((1, 2, 3), np.float32), 8000.0)
        with pytest.raises(tf.errors.UnimplementedError, match="text"):
            tf.summary.scalar("bad", "abc")
        with pytest.raises(TypeError, match="integer"):
            tf.summary.scalar("bad", 1.0, step=1.5)
        with pytest.raises(ValueError, match="encoding"):
            tf.summary.audio("bad", np.zeros((1, 2, 3), np.float32), 8000, encoding="mp3")
        tf.summary.audio("clips", np.zeros((4, 5, 1), np.float32), 8000, max_outputs=2)
    (_, _, text), (_, _, clips) = _summaries(tmp_path)
    assert list(text.tensor.string_val) == [b"a", b"b", b"c", "é".encode()]
    assert [d.size for d in text.tensor.tensor_shape.dim] == [2, 2]
    assert [d.size for d in clips.tensor.tensor_shape.dim] == [2, 2]


# -- writers, steps, conditions -------------------------------------------------------------------------------------


def test_return_values_and_steps(tmp_path: Path) -> None:
    assert not bool(tf.summary.scalar("x", 1.0, step=1))  # no default writer
    assert not bool(tf.summary.should_record_summaries())
    w = tf.summary.create_file_writer(tmp_path)
    with w.as_default():
        with pytest.raises(ValueError, match="no step"):
            tf.summary.scalar("x", 1.0)
        assert tf.summary.experimental.get_step() is None
        with tf.summary.record_if(False):
            assert not bool(tf.summary.scalar("x", 1.0))  # not recording: no step needed
            assert not bool(tf.summary.should_record_summaries())
        with tf.summary.record_if(False):
            with tf.summary.record_if(lambda: tf.constant(True)):  # the inner condition replaces the outer
                assert bool(tf.summary.scalar("a", 1.0, step=5))
        with w.as_default(step=7):
            assert tf.summary.experimental.get_step() == 7
            tf.summary.scalar("b", 2.0)
        assert tf.summary.experimental.get_step() is None  # restored
        step = tf.Variable(3, dtype=tf.int64)
        tf.summary.experimental.set_step(step)
        tf.summary.scalar("c", 3.0)
        step.assign(4)
        tf.summary.scalar("c", 4.0)  # a Variable step is read at each write
        with tf.summary.create_noop_writer().as_default(step=99):  # changes nothing
            tf.summary.scalar("d", 5.0)
        with pytest.raises(ValueError, match="scalar"):
            tf.summary.scalar("bad", [1.0, 2.0])
    assert [(s, t) for s, t, _ in _summaries(tmp_path)] == [(5, "a"), (7, "b"), (3, "c"), (4, "c"), (4, "d")]


def test_default_writer_and_step_are_per_thread(tmp_path: Path) -> None:
    w = tf.summary.create_file_writer(tmp_path)
    seen = {}

    def other() -> None:
        seen["writer"] = bool(tf.summary.scalar("x", 1.0, step=1))
        seen["step"] = tf.summary.experimental.get_step()

    with w.as_default(step=5):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == {"writer": False, "step": None}


def test_one_writer_shared_by_threads(tmp_path: Path) -> None:
    w = tf.summary.create_file_writer(tmp_path, max_queue=3)

    def log(k: int) -> None:
        with w.as_default():
            for i in range(50):
                tf.summary.scalar(f"t{k}", float(i), step=i)

    threads = [threading.Thread(target=log, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.close()
    got = _summaries(tmp_path)
    assert len(got) == 200
    for k in range(4):
        assert [s for s, t, _ in got if t == f"t{k}"] == list(range(50))


def test_flush_policy_and_close(tmp_path: Path) -> None:
    w = tf.summary.create_file_writer(tmp_path, max_queue=2, flush_millis=10**9)
    w.set_as_default(step=1)
    try:
        tf.summary.scalar("a", 1.0)
        tf.summary.scalar("b", 1.0)
        assert len(_events(tmp_path)) == 1  # queued
        tf.summary.scalar("c", 1.0)  # more than max_queue: flushed
        assert len(_events(tmp_path)) == 4
        tf.summary.scalar("d", 1.0)
        tf.summary.flush()
        assert len(_events(tmp_path)) == 5
        w.close()
        w.close()
        with pytest.raises(NotFoundError, match="closed"):
            tf.summary.scalar("e", 1.0)
        with pytest.raises(RuntimeError, match="closed"):
            with w.as_default():
                pass
    finally:
        tf.summary.create_noop_writer().set_as_default()
        from tapegrad.summary import _state

        _state.writer = None


def test_name_scopes_and_summary_scope(tmp_path: Path) -> None:
    from tapegrad.module import name_scope

    with tf.summary.create_file_writer(tmp_path).as_default(step=0):
        with name_scope("outer"):
            tf.summary.scalar("x", 1.0)
            with tf.summary.experimental.summary_scope("grp", "default") as (tag, scope):
                assert (tag, scope) == ("outer/grp", "outer/grp/")
    assert [t for _, t, _ in _summaries(tmp_path)] == ["outer/x"]


def test_write_callable_raw_pb_and_graph(tmp_path: Path) -> None:
    from tapegrad._summary_pb import Summary

    calls = []
    with tf.summary.create_file_writer(tmp_path).as_default(step=2):
        with tf.summary.record_if(False):
            tf.summary.write("lazy", lambda: calls.append(1) or tf.constant(1.0))
        tf.summary.write("lazy", lambda: calls.append(1) or tf.constant(1.0))
        raw = Summary(value=[Summary.Value(tag="raw", simple_value=2.5)]).SerializeToString()
        assert bool(tf.summary.experimental.write_raw_pb(raw))
        assert bool(tf.summary.graph(b"\x0a\x00"))
    assert calls == [1]  # the callable runs only when recorded
    events = _events(tmp_path)
    assert [e.WhichOneof("what") for e in events] == ["file_version", "summary", "summary", "graph_def"]
    assert events[2].summary.value[0].simple_value == 2.5 and events[3].graph_def == b"\x0a\x00"


def test_trace_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="GraphDef"):
        tf.summary.trace_on(graph=True)
    with pytest.raises(NotImplementedError, match="GraphDef"):
        tf.summary.trace_export("x", step=0)
    tf.summary.trace_off()


def test_create_file_writer_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="None"):
        tf.summary.create_file_writer(None)
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(tf.errors.FailedPreconditionError, match="not a directory"):
        tf.summary.create_file_writer(tmp_path / "file")


# -- inside tapegrad.function -------------------------------------------------------------------------------------


def test_summaries_run_on_every_function_call(tmp_path: Path) -> None:
    w = tf.summary.create_file_writer(tmp_path)
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def train(x: Any) -> Any:
        step.assign_add(1)
        ok = tf.summary.scalar("sum", tf.reduce_sum(x), step=step)
        tf.summary.histogram("x", x, step=step, buckets=2)
        return ok

    flags = []
    with w.as_default():
        for i in range(3):
            flags.append(bool(train(tf.constant([1.0, float(i)]))))
        with tf.summary.record_if(False):  # as TF: the condition of the trace (none: True) is in force
            flags.append(bool(train(tf.constant([5.0, 5.0]))))
    got = [(s, t, v) for s, t, v in _summaries(tmp_path)]
    assert [(s, t) for s, t, _ in got] == [(1, "sum"), (1, "x"), (2, "sum"), (2, "x"), (3, "sum"), (3, "x"),
                                           (4, "sum"), (4, "x")]
    assert [np.frombuffer(v.tensor.tensor_content, np.float32)[0] for _, t, v in got if t == "sum"] == [1, 2, 3, 10]
    assert flags == [True] * 4
    assert int(step.numpy()) == 4


def test_function_condition_tensor_is_read_on_each_call(tmp_path: Path) -> None:
    n = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def f(x: Any) -> Any:
        n.assign_add(1)
        with tf.summary.record_if(lambda: tf.equal(n % 3, 0)):
            return tf.summary.scalar("x", x, step=n)

    with tf.summary.create_file_writer(tmp_path).as_default():
        flags = [bool(f(tf.constant(float(i)))) for i in range(7)]
        with tf.summary.record_if(False):
            @tf.function
            def g(x: Any) -> Any:
                return tf.summary.scalar("never", x, step=0)

            assert not bool(g(tf.constant(1.0)))  # False at trace time: nothing in the program
        assert not bool(g(tf.constant(1.0)))
        with pytest.raises(ValueError, match="no step"):
            tf.function(lambda x: tf.summary.scalar("y", x))(tf.constant(1.0))
    assert flags == [False, False, True, False, False, True, False]
    assert [(s, t) for s, t, _ in _summaries(tmp_path)] == [(3, "x"), (6, "x")]


def test_callable_tensor_inside_function_computes_on_each_call(tmp_path: Path) -> None:
    @tf.function
    def f(x: Any) -> Any:
        return tf.summary.write("twice", lambda: x * 2, step=0)

    with tf.summary.create_file_writer(tmp_path).as_default():
        for i in range(3):
            assert bool(f(tf.constant(float(i))))
    got = [np.frombuffer(v.tensor.tensor_content, np.float32)[0] for _, _, v in _summaries(tmp_path)]
    assert got == [0.0, 2.0, 4.0]


def test_function_traced_without_writer_writes_nothing(tmp_path: Path) -> None:
    @tf.function
    def f(x: Any) -> Any:
        return tf.summary.scalar("x", x, step=1)

    assert not bool(f(tf.constant(1.0)))
    with tf.summary.create_file_writer(tmp_path).as_default():
        assert not bool(f(tf.constant(2.0)))  # TF: the trace had no writer
    assert _summaries(tmp_path) == []


# -- keras.callbacks.TensorBoard ------------------------------------------------------------------------------------


def _fit(logdir: Path, eager: bool, **kwargs: Any) -> Any:
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 3)).astype("float32"), rng.normal(size=(12, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d"), keras.layers.Dense(1, name="o")])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"], run_eagerly=eager)
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, validation_data=(x[:4], y[:4]), verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(logdir, **kwargs)])
    return history


@pytest.mark.parametrize("eager", [True, False])
def test_tensorboard_callback_layout(tmp_path: Path, eager: bool) -> None:
    # 3 training batches an epoch and one validation batch; batch summaries every 3 batches: as in Keras, the
    # record_if(batch % 3 == 0) in force also gates the epoch summaries and the evaluation_* ones (validation
    # batches 1 and 2 are not multiples of 3), which the TF lane checks against Keras itself
    history = _fit(tmp_path, eager, histogram_freq=2, update_freq=3)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train = _summaries(tmp_path / "train")
    assert [(s, t) for s, t, _ in train] == [
        (0, "keras"), (3, "batch_loss"), (3, "batch_mae"), (0, "epoch_loss"), (0, "epoch_mae"),
        (0, "epoch_learning_rate"), (0, "sequential/d/kernel/histogram"), (0, "sequential/d/bias/histogram"),
        (0, "sequential/o/kernel/histogram"), (0, "sequential/o/bias/histogram"), (6, "batch_loss"),
        (6, "batch_mae"), (1, "epoch_loss"), (1, "epoch_mae"), (1, "epoch_learning_rate")]
    loss = {s: np.frombuffer(v.tensor.tensor_content, np.float32)[0] for s, t, v in train if t == "epoch_loss"}
    np.testing.assert_allclose([loss[0], loss[1]], history.history["loss"], rtol=1e-6)
    lr = [np.frombuffer(v.tensor.tensor_content, np.float32)[0] for _, t, v in train if t == "epoch_learning_rate"]
    np.testing.assert_allclose(lr, [0.01, 0.01])
    assert train[0][2].metadata.plugin_data.plugin_name == "graph_keras_model"
    val = _summaries(tmp_path / "validation")
    assert [(s, t) for s, t, _ in val] == [(0, "epoch_loss"), (0, "epoch_mae"), (1, "epoch_loss"), (1, "epoch_mae")]
    val_loss = [np.frombuffer(v.tensor.tensor_content, np.float32)[0] for _, t, v in val if t == "epoch_loss"]
    np.testing.assert_allclose(val_loss, history.history["val_loss"], rtol=1e-6)


def test_tensorboard_callback_epoch_mode(tmp_path: Path) -> None:
    _fit(tmp_path, False, write_graph=False)
    assert [(s, t) for s, t, _ in _summaries(tmp_path / "train")] == [
        (0, "epoch_loss"), (0, "epoch_mae"), (0, "epoch_learning_rate"), (1, "epoch_loss"), (1, "epoch_mae"),
        (1, "epoch_learning_rate")]
    assert [(s, t) for s, t, _ in _summaries(tmp_path / "validation")] == [
        (3, "evaluation_loss_vs_iterations"), (3, "evaluation_mae_vs_iterations"), (0, "epoch_loss"),
        (0, "epoch_mae"), (6, "evaluation_loss_vs_iterations"), (6, "evaluation_mae_vs_iterations"), (1, "epoch_loss"),
        (1, "epoch_mae")]


def test_tensorboard_callback_images_and_arguments(tmp_path: Path) -> None:
    _fit(tmp_path, False, histogram_freq=1, write_images=True, write_graph=False)
    tags = [t for _, t, _ in _summaries(tmp_path / "train")]
    assert "sequential/d/kernel/image" in tags and "sequential/d/bias/image" in tags and "keras" not in tags
    assert "sequential/o/bias/image" not in tags  # a (1,) bias squeezes to a scalar: no image (Keras)
    with pytest.raises(ValueError, match="profiler"):
        keras.callbacks.TensorBoard(tmp_path, profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(tmp_path, update_freq="step")


@pytest.mark.parametrize("eager", [True, False])
def test_summaries_inside_layers_during_fit(tmp_path: Path, eager: bool) -> None:
    class Probe(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            tf.summary.scalar("probe", tf.reduce_sum(x))
            return x

    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((2,)), Probe(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=eager)
    x = np.arange(12, dtype="float32").reshape(6, 2)
    model.fit(x, np.ones((6, 1), "float32"), batch_size=2, epochs=1, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq="batch", write_graph=False)])
    probes = [(s, np.frombuffer(v.tensor.tensor_content, np.float32)[0]) for s, t, v in _summaries(tmp_path / "train")
              if t == "probe"]
    # one write per batch (the compiled step's eager build writes none); compiled: the step of the trace, as TF
    assert probes == [(1 if not eager else i + 1, x[2 * i:2 * i + 2].sum()) for i in range(3)]


def test_tensorboard_embeddings(tmp_path: Path) -> None:
    pytest.importorskip("h5py")
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,), dtype="int32"), keras.layers.Embedding(10, 2, name="emb"),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    cb = keras.callbacks.TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata={"emb": "meta.tsv"})
    model.fit(np.arange(12).reshape(4, 3) % 10, np.ones((4, 1)), epochs=2, verbose=0, callbacks=[cb])
    assert (tmp_path / "projector_config.pbtxt").read_text() == (
        'embeddings {\n  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
        '  metadata_path: "meta.tsv"\n}\n')
    assert sorted(f for f in os.listdir(tmp_path / "train") if f.startswith("keras_embedding")) == [
        "keras_embedding.ckpt-0.weights.h5", "keras_embedding.ckpt-1.weights.h5"]
    with pytest.raises(ValueError, match="Unrecognized"):
        keras.callbacks.TensorBoard(tmp_path / "x", embeddings_freq=1, embeddings_metadata={"nope": "m"}).set_model(
            model)


def test_import_tapegrad_does_not_load_summary() -> None:
    code = "import sys, tapegrad; assert 'tapegrad.summary' not in sys.modules; tapegrad.summary.scalar"
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONPATH=str(
        Path(__file__).resolve().parents[1] / "src")))


@pytest.mark.parametrize("module", ["tapegrad.summary", "tapegrad._summary_pb", "tapegrad.keras._tensorboard"])
def test_docstrings_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
