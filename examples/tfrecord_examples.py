"""A TFRecord file of ``tf.train.Example`` protos, read back by a ``tf.data`` pipeline into Keras ``model.fit``.

The data: 2,000 points in the square [-1, 1]², labelled by whether they lie inside a circle (float features ``x``
of length 2, an int64 ``label``, a bytes ``id`` and a variable-length int64 ``tags`` list, to show every feature
kind), made with a seeded NumPy generator, no download. They are written the way TensorFlow users write them::

    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for ...:
            writer.write(tf.train.Example(features=tf.train.Features(feature={...})).SerializeToString())

(80% to ``train.tfrecord.gz``, 20% to ``test.tfrecord.gz`` under ``--out``, default ``runs/tfrecord_examples``,
ignored by git) and read by the usual input pipeline::

    tf.data.TFRecordDataset(path, compression_type="GZIP")
        .map(lambda record: tf.io.parse_single_example(record, FEATURES))   # dict of tensors (tags: SparseTensor)
        .map(lambda ex: (ex["x"], ex["label"]))
        .shuffle(1600, seed=...).batch(64).prefetch(AUTOTUNE)

into an MLP (2-32-32-2, tanh) trained with ``fit(..., validation_data=<test pipeline>)``. Prints the record count,
the file sizes and, on the last line, the test accuracy (``result: ...``; the full run reaches about 0.99)::

    python examples/tfrecord_examples.py [--quick] [--epochs N] [--seed N] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np

import tapegrad as tf
from tapegrad import keras

FEATURES = {
    "x": tf.io.FixedLenFeature([2], tf.float32),
    "label": tf.io.FixedLenFeature([], tf.int64),
    "id": tf.io.FixedLenFeature([], tf.string),
    "tags": tf.io.VarLenFeature(tf.int64),
    "weight": tf.io.FixedLenFeature([], tf.float32, default_value=1.0),  # absent from the records: the default
}


def circles(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in the square [-1, 1]^2, labelled 1 inside the circle of radius 0.7 (the boundary is not a
    line, so the classes need the hidden layers): (n, 2) float32 points and (n,) int64 labels."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 2))
    label = (np.hypot(x[:, 0], x[:, 1]) < 0.7).astype(np.int64)
    return x.astype(np.float32), label


def to_example(i: int, x: np.ndarray, label: int) -> tf.train.Example:
    """One point as a tf.train.Example (every feature kind: float_list, int64_list, bytes_list, a varying list)."""
    T = tf.train
    return T.Example(features=T.Features(feature={
        "x": T.Feature(float_list=T.FloatList(value=x.tolist())),
        "label": T.Feature(int64_list=T.Int64List(value=[label])),
        "id": T.Feature(bytes_list=T.BytesList(value=[f"point-{i}".encode()])),
        "tags": T.Feature(int64_list=T.Int64List(value=list(range(i % 3)))),
    }))


def write_records(path: Path, x: np.ndarray, y: np.ndarray, offset: int) -> None:
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for i in range(len(x)):
            writer.write(to_example(offset + i, x[i], int(y[i])).SerializeToString())


def pipeline(path: Path, batch: int, shuffle_seed: int | None) -> tf.data.Dataset:
    ds = tf.data.TFRecordDataset(str(path), compression_type="GZIP")
    ds = ds.map(lambda record: tf.io.parse_single_example(record, FEATURES))
    ds = ds.map(lambda ex: (ex["x"], ex["label"]))
    if shuffle_seed is not None:
        ds = ds.shuffle(4096, seed=shuffle_seed)
    return ds.batch(batch).prefetch(tf.data.AUTOTUNE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (few points and epochs), for CI")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/tfrecord_examples")
    args = parser.parse_args()
    n = 400 if args.quick else 2000
    epochs = args.epochs or (3 if args.quick else 30)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x, y = circles(n, args.seed)
    split = int(0.8 * n)
    train_path, test_path = out / "train.tfrecord.gz", out / "test.tfrecord.gz"
    write_records(train_path, x[:split], y[:split], 0)
    write_records(test_path, x[split:], y[split:], split)
    print(f"wrote {split} + {n - split} tf.train.Examples: {train_path} ({os.path.getsize(train_path)} bytes), "
          f"{test_path} ({os.path.getsize(test_path)} bytes)")

    first = next(iter(tf.data.TFRecordDataset(str(train_path), compression_type="GZIP")))
    parsed = tf.io.parse_single_example(first, FEATURES)
    print(f"first record: id={parsed['id'].numpy()!r} x={parsed['x'].numpy().tolist()} "
          f"label={int(parsed['label'])} tags={parsed['tags'].values.numpy().tolist()} "
          f"weight={float(parsed['weight'])}")

    # The number of records in a file is unknown until it is read, so Keras learns the epoch length during the
    # first epoch and says so ("ran out of data"); the pipeline shuffles itself, so fit's shuffle flag is moot.
    warnings.filterwarnings("ignore", message="Your input ran out of data")
    warnings.filterwarnings("ignore", message="`shuffle=True` was passed")
    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(32, activation="tanh"), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(pipeline(train_path, 64, args.seed), epochs=epochs,
                        validation_data=pipeline(test_path, 256, None), verbose=0)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(pipeline(test_path, 256, None), verbose=0)
    print(f"trained {epochs} epochs in {seconds:.1f} s; final training loss {history.history['loss'][-1]:.4f}")
    print(f"result: test accuracy {accuracy:.4f} (test loss {loss:.4f}) after {epochs} epochs from TFRecord files")


if __name__ == "__main__":
    main()
