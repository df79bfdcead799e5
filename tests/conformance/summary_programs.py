"""Programs that write TensorBoard event files, run unchanged under TensorFlow 2.21 (+ Keras 3, TensorBoard 2.21)
and tapegrad (``test_summary_vs_tf.py``).

``python summary_programs.py tapegrad OUT_DIR``: tapegrad writes its event files under ``OUT_DIR``.
``python summary_programs.py tensorflow OUT_DIR PEER_DIR OUT_JSON``: TensorFlow writes its own files under
``OUT_DIR``, then reads both its files and tapegrad's (``PEER_DIR``) with ``tf.data.TFRecordDataset`` +
``tf.compat.v1.Event`` and writes both normalized event lists to ``OUT_JSON``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

import numpy as np


def basic(tf: Any, logdir: str) -> None:
    """Every summary kind, default and explicit steps, name scopes, record_if, a noop writer."""
    rng = np.random.RandomState(0)
    w = tf.summary.create_file_writer(os.path.join(logdir, "basic"))
    with w.as_default(step=3):
        tf.summary.scalar("loss", 0.5)
        tf.summary.scalar("loss", np.float64(0.25), step=4)
        tf.summary.scalar("int_scalar", tf.constant(7), step=4)
        tf.summary.histogram("h4", np.array([1.0, 2, 2, 5, 9]), step=1, buckets=4)
        tf.summary.histogram("normal", rng.normal(size=1000).astype(np.float32), step=1)
        tf.summary.histogram("uniform", rng.uniform(-3, 7, size=(17, 13)), step=2, buckets=7)
        tf.summary.histogram("ints", np.arange(100) % 13, step=2, buckets=5)
        tf.summary.histogram("single", np.array([3.0, 3.0]), step=1)
        tf.summary.histogram("empty", np.zeros([0]), step=1)
        tf.summary.histogram("zero_buckets", np.array([1.0, 2.0]), step=1, buckets=0)
        tf.summary.text("t", "hello **world**", step=2)
        tf.summary.text("t_matrix", np.array([["a", "b"], ["c", "d"]]), step=2)
        tf.summary.image("img", rng.rand(2, 3, 4, 1).astype("float32"), step=5)
        tf.summary.image("rgb", rng.rand(4, 5, 6, 3).astype("float32") * 1.2 - 0.1, step=5, max_outputs=2)
        tf.summary.image("u8", rng.randint(0, 256, (1, 2, 3, 4)).astype("uint8"), step=5)
        tf.summary.audio("au", np.linspace(-1.2, 1.2, 24, dtype="float32").reshape(2, 6, 2), 8000, step=6)
        tf.summary.audio("au_one", rng.uniform(-1, 1, (3, 10, 1)).astype("float32"), 16000, step=6,
                         max_outputs=1)
        with tf.name_scope("scope"):
            tf.summary.scalar("inner", 1, step=7)
        tf.summary.write("gen", tf.constant([1, 2]), step=8)
        tf.summary.write("gen_f64", tf.constant([[1.5, -2.0]], tf.float64), step=8, metadata=b"")
        with tf.summary.record_if(False):
            tf.summary.scalar("skipped", 1.0)
        with tf.summary.record_if(lambda: True):
            tf.summary.scalar("kept", 2.0)
    tf.summary.scalar("no_writer", 1.0, step=1)
    with tf.summary.create_noop_writer().as_default(step=1):
        tf.summary.scalar("noop", 1.0)
    with w.as_default(step=1):
        with tf.summary.create_noop_writer().as_default(step=2):  # does nothing: w stays the default, at step 1
            tf.summary.scalar("under_noop", 1.0)

    def in_thread() -> None:  # the default writer and step are per thread: set_as_default stays in this one
        tf.summary.experimental.set_step(12)
        w.set_as_default()
        tf.summary.scalar("global_step", 3.0)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    w.close()


def errors(tf: Any, logdir: str) -> None:
    """The exception class of bad calls (or "ok"), logged as a text summary; empty names take TF's default tags."""
    w = tf.summary.create_file_writer(os.path.join(logdir, "errors"))
    cases = {
        "step float": lambda: tf.summary.scalar("a", 1.0, step=1.5),
        "step str": lambda: tf.summary.scalar("a", 1.0, step="x"),
        "step np.int32 and negative": lambda: tf.summary.scalar("a", 1.0, step=np.int32(-3)),
        "scalar of text": lambda: tf.summary.scalar("a", "x", step=1),
        "scalar of a vector": lambda: tf.summary.scalar("a", [1.0, 2.0], step=1),
        "scalar bool": lambda: tf.summary.scalar("a", True, step=1),
        "text of ints": lambda: tf.summary.text("a", np.array([1, 2]), step=1),
        "image 2 channels": lambda: tf.summary.image("a", np.zeros((1, 2, 2, 2), np.float32), step=1),
        "image 5 channels": lambda: tf.summary.image("a", np.zeros((1, 2, 2, 5), np.float32), step=1),
        "image float64": lambda: tf.summary.image("a", np.full((1, 2, 2, 1), 0.5), step=1),
        "image rank 3": lambda: tf.summary.image("a", np.zeros((2, 2, 1), np.float32), step=1),
        "image max_outputs -1": lambda: tf.summary.image("a", np.zeros((1, 2, 2, 1), np.float32), step=1,
                                                         max_outputs=-1),
        "audio float64": lambda: tf.summary.audio("a", np.zeros((1, 2, 1)), 8000, step=1),
        "audio float rate": lambda: tf.summary.audio("a", np.zeros((1, 2, 1), np.float32), 8000.0, step=1),
        "histogram bool": lambda: tf.summary.histogram("a", [True, False, True], step=1, buckets=2),
        "histogram text": lambda: tf.summary.histogram("a", ["x"], step=1),
        "histogram float buckets": lambda: tf.summary.histogram("a", [1.0], step=1, buckets=2.0),
        "write text": lambda: tf.summary.write("a", "hello", step=1),
        "write list": lambda: tf.summary.write("a", [1.0, 2.0], step=1),
        "write metadata int": lambda: tf.summary.write("a", 1, step=1, metadata=3),
        "empty names": lambda: [f("", v, step=1) for f, v in ((tf.summary.scalar, 1.0), (tf.summary.text, "t"),
                                                                 (tf.summary.histogram, [1.0]))],
    }
    outcome = []
    with w.as_default():
        for label, f in cases.items():
            try:
                f()
                outcome.append(f"{label}: ok")
            except Exception as e:  # noqa: BLE001
                outcome.append(f"{label}: {type(e).__name__}")
        tf.summary.text("outcomes", "\n".join(outcome), step=0)
    w.close()


def function_calls(tf: Any, logdir: str) -> None:
    """Summaries inside tf.function / tapegrad.function: written on every call with that call's values."""
    w = tf.summary.create_file_writer(os.path.join(logdir, "function"))

    @tf.function
    def step_fn(x: Any, step: Any) -> Any:
        tf.summary.scalar("x", tf.reduce_sum(x), step=step)
        tf.summary.histogram("xs", x, step=step, buckets=3)
        return x * 2

    every_other = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def gated(x: Any) -> Any:
        every_other.assign_add(1)
        with tf.summary.record_if(lambda: tf.equal(every_other % 2, 0)):  # a tensor: read on each call
            return tf.summary.scalar("gated", x, step=every_other)

    with w.as_default():
        for i in range(3):
            step_fn(tf.constant([1.0, 2.0, float(i)]), tf.constant(i, tf.int64))
        with tf.summary.record_if(False):  # the trace's condition (no record_if: True) stays in force
            step_fn(tf.constant([4.0, 4.0, 4.0]), tf.constant(3, tf.int64))
        for i in range(4):
            gated(tf.constant(float(i)))
    w.close()


def _model(keras: Any) -> Any:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu", name="hidden"),
                              keras.layers.Dense(1, name="out")])
    rng = np.random.RandomState(1)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5 for w in model.get_weights()])
    return model


def keras_fit(tf: Any, keras: Any, logdir: str) -> None:
    """Keras's TensorBoard callback: epoch scalars (train/ and validation/), learning rate, weight histograms,
    the model summary, per-batch scalars (update_freq="batch" and an int), eager and compiled steps."""
    rng = np.random.RandomState(2)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.1).astype("float32")
    for name, kwargs, eager in (("epoch", {"histogram_freq": 1, "write_images": True}, False),
                                ("batch", {"update_freq": "batch", "write_graph": False}, True),
                                ("every2", {"update_freq": 2, "write_graph": False}, False),
                                # 4 batches an epoch: record_if(batch % 3 == 0) is still in force at epoch 0's end
                                ("every3", {"update_freq": 3, "histogram_freq": 1, "write_images": True}, True)):
        model = _model(keras)
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"], run_eagerly=eager)
        cb = keras.callbacks.TensorBoard(os.path.join(logdir, "keras_" + name), **kwargs)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, validation_data=(x[:16], y[:16]), callbacks=[cb],
                  verbose=0)


def keras_layer_summaries(tf: Any, keras: Any, logdir: str) -> None:
    """Summaries written inside a layer's call during fit, to the writer and step the callback pushes
    (update_freq="batch"): in compiled steps the step and condition are those of the trace, eager steps read them
    on each batch."""
    class Probe(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            tf.summary.histogram("probe_inputs", x, buckets=4)
            tf.summary.scalar("probe_mean", tf.reduce_mean(x))
            return x

    rng = np.random.RandomState(3)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    for name, eager in (("compiled", False), ("eager", True)):
        model = keras.Sequential([keras.Input((3,)), Probe(), keras.layers.Dense(1, name="out")])
        model.set_weights([np.full(w.shape, 0.25, "float32") for w in model.get_weights()])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", run_eagerly=eager)
        cb = keras.callbacks.TensorBoard(os.path.join(logdir, "layer_" + name), update_freq="batch",
                                         write_graph=False)
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, callbacks=[cb], verbose=0)


def run_all(tf: Any, keras: Any, logdir: str) -> None:
    basic(tf, logdir)
    errors(tf, logdir)
    function_calls(tf, logdir)
    keras_fit(tf, keras, logdir)
    keras_layer_summaries(tf, keras, logdir)


# -- reading (under TensorFlow) ----------------------------------------------------------------------------------


def normalize_value(tf: Any, v: Any) -> dict[str, Any]:
    """One summary value as JSON: tag, plugin, content, dtype, shape and the tensor's values (PNGs decoded to
    pixels; the Keras model JSON, which names library classes, left out)."""
    plugin = v.metadata.plugin_data.plugin_name
    arr = tf.make_ndarray(v.tensor)
    out: dict[str, Any] = {"tag": v.tag, "plugin": plugin, "content": v.metadata.plugin_data.content.hex(),
                           "dtype": str(arr.dtype), "shape": list(arr.shape)}
    if plugin == "graph_keras_model":
        out["value"] = "<model json>"
    elif plugin == "images":
        flat = arr.reshape(-1).tolist()
        out["value"] = [b.decode() for b in flat[:2]] + [tf.io.decode_png(b).numpy().tolist() for b in flat[2:]]
    elif arr.dtype == object:
        out["value"] = [b.hex() for b in arr.reshape(-1).tolist()]
    else:
        out["value"] = arr.astype(np.float64).reshape(-1).tolist()
    return out


def read_dir(tf: Any, root: str) -> dict[str, Any]:
    """``{run directory: {"files": n, "events": [...]}}`` for every event file under ``root``, read by TF."""
    runs: dict[str, Any] = {}
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if ".tfevents." not in f:
                continue
            events = []
            for r in tf.data.TFRecordDataset(os.path.join(d, f)):
                e = tf.compat.v1.Event.FromString(r.numpy())
                kind = e.WhichOneof("what")
                item: dict[str, Any] = {"step": int(e.step), "kind": kind}
                if kind == "file_version":
                    item["file_version"] = e.file_version
                    item["source"] = e.source_metadata.writer
                elif kind == "summary":
                    item["values"] = [normalize_value(tf, v) for v in e.summary.value]
                events.append(item)
            run = runs.setdefault(os.path.relpath(d, root), {"files": [], "events": []})
            run["files"].append(f.rsplit(".", 1)[-1])  # the suffix
            run["events"] += events
    return runs


def main() -> None:
    lib, out_dir = sys.argv[1], sys.argv[2]
    if lib == "tapegrad":
        import tapegrad as tf
        from tapegrad import keras

        run_all(tf, keras, out_dir)
        return
    import keras
    import tensorflow as tf

    run_all(tf, keras, out_dir)
    result = {"tf": read_dir(tf, out_dir), "tapegrad": read_dir(tf, sys.argv[3])}
    with open(sys.argv[4], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
