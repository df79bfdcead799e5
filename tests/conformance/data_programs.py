"""``tf.data`` programs beyond the core pipeline (``scan``, ``take_while``, ``unique``, ``rebatch``, ``sparse_batch``,
``assert_cardinality``, ``ignore_errors``, ``counter``, ``get_single_element``, optionals, ``save``/``load``,
``snapshot``, record files, lookup tables from datasets, SQLite and the ``tf.data.experimental`` functions), run
unchanged under TensorFlow and under tapegrad (the harness of ``strings_ragged_programs.py``:
``python data_programs.py MODULE OUT``). Results are compared as text (library prefix neutral, numbers at rtol
1e-5), exceptions by class.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _np(ds: Any) -> list[Any]:
    return list(ds.as_numpy_iterator())


def _tolist(ds: Any) -> list[Any]:
    out = []
    for e in ds.as_numpy_iterator():
        out.append(e.tolist() if isinstance(e, np.ndarray) else e)
    return out


# -- scan, take_while, unique ------------------------------------------------------------------------------------

@case
def scan_running_sum(tf: Any) -> Any:
    ds = tf.data.Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s * 10))
    return _np(ds), ds.element_spec, int(ds.cardinality())


@case
def scan_structured_state_and_output(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices(np.arange(4, dtype="float32"))
    ds = ds.scan((np.int64(0), np.float32(1.0)),
                 lambda s, x: ((s[0] + 1, s[1] * 2.0), {"n": s[0], "v": x + s[1]}))
    return _np(ds), ds.element_spec


@case
def scan_state_dtype_change_raises(tf: Any) -> Any:
    return _np(tf.data.Dataset.range(3).scan(np.int32(0), lambda s, x: (s + tf.cast(x, tf.int64), x)))


@case
def scan_state_shape_relaxed(tf: Any) -> Any:
    ds = tf.data.Dataset.range(3).scan(tf.zeros([0], tf.int64), lambda s, x: (tf.concat([s, [x]], 0), s))
    return [v.tolist() for v in _np(ds)], ds.element_spec


@case
def experimental_scan(tf: Any) -> Any:
    return _np(tf.data.Dataset.range(4).apply(tf.data.experimental.scan(np.int64(1), lambda s, x: (s * 2, s + x))))


@case
def take_while_stops_at_first_false(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices([1, 2, 5, 1, 0]).take_while(lambda x: x < 4)
    return _np(ds), int(ds.cardinality()), _np(tf.data.Dataset.range(5).apply(
        tf.data.experimental.take_while(lambda x: x > 10)))


@case
def take_while_non_bool_raises(tf: Any) -> Any:
    return _np(tf.data.Dataset.range(5).take_while(lambda x: x))


@case
def unique_ints_and_strings(tf: Any) -> Any:
    a = tf.data.Dataset.from_tensor_slices([1, 3, 1, 2, 3, 7]).unique()
    b = tf.data.Dataset.from_tensor_slices(["b", "a", "b", "c"]).apply(tf.data.experimental.unique())
    return _np(a), _np(b), int(a.cardinality()), a.element_spec


@case
def unique_floats_raise(tf: Any) -> Any:
    return _np(tf.data.Dataset.from_tensor_slices([1.0, 1.0]).unique())


@case
def unique_tuple_raises(tf: Any) -> Any:
    return _np(tf.data.Dataset.from_tensor_slices(([1, 1], [2, 2])).unique())


# -- single elements, cardinality assertions, errors ------------------------------------------------------------

@case
def get_single_element_values(tf: Any) -> Any:
    a = tf.data.Dataset.from_tensors(([1, 2], "x")).get_single_element()
    b = tf.data.experimental.get_single_element(tf.data.Dataset.range(7).skip(6))
    return a, b


@case
def get_single_element_empty_raises(tf: Any) -> Any:
    return tf.data.Dataset.range(0).get_single_element()


@case
def get_single_element_two_raises(tf: Any) -> Any:
    return tf.data.Dataset.range(2).get_single_element()


@case
def assert_cardinality_sets_cardinality(tf: Any) -> Any:
    ds = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0)
    a = ds.apply(tf.data.experimental.assert_cardinality(5))
    return int(ds.cardinality()), int(a.cardinality()), len(a), _np(a), hasattr(ds, "assert_cardinality")


@case
def assert_cardinality_too_few_raises(tf: Any) -> Any:
    return _np(tf.data.Dataset.range(3).filter(lambda x: True).apply(tf.data.experimental.assert_cardinality(5)))


@case
def assert_cardinality_too_many_raises(tf: Any) -> Any:
    return _np(tf.data.Dataset.range(8).filter(lambda x: True).apply(tf.data.experimental.assert_cardinality(5)))


@case
def ignore_errors_skips_failed_elements(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0, 2.0, 0.0, 4.0])
    ds = ds.map(lambda x: tf.debugging.check_numerics(1.0 / x, "bad"))
    a = ds.ignore_errors()
    b = ds.apply(tf.data.experimental.ignore_errors())
    return _np(a), _np(b), int(a.cardinality())


@case
def ignore_errors_after_two_maps_and_filter(tf: Any) -> Any:
    ds = tf.data.Dataset.range(8).map(lambda x: tf.cast(x, tf.float32))
    ds = ds.map(lambda x: tf.debugging.check_numerics(tf.math.log(x - 2.0), "log")).filter(lambda x: x < 1.5)
    return _np(ds.ignore_errors())


@case
def ignore_errors_without_errors(tf: Any) -> Any:
    return _np(tf.data.Dataset.range(4).ignore_errors(log_warning=True))


# -- counter, rebatch, sparse / ragged batching -----------------------------------------------------------------

@case
def counter_start_step_dtype(tf: Any) -> Any:
    a = tf.data.Dataset.counter(3, 2).take(4)
    b = tf.data.Dataset.counter(dtype=tf.int32).take(2)
    c = tf.data.experimental.Counter(10, -3).take(3)
    return _np(a), _np(b), _np(c), int(tf.data.Dataset.counter().cardinality()), b.element_spec


@case
def rebatch_sizes(tf: Any) -> Any:
    ds = tf.data.Dataset.range(10).batch(4)
    return (_tolist(ds.rebatch(3)), _tolist(ds.rebatch(3, drop_remainder=True)), _tolist(ds.rebatch([2, 3])),
            ds.rebatch(3).element_spec, ds.rebatch(3, drop_remainder=True).element_spec)


@case
def rebatch_tuple(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices((np.arange(6), np.arange(6) * 10)).batch(4, drop_remainder=False)
    return [(a.tolist(), b.tolist()) for a, b in ds.rebatch(2).as_numpy_iterator()]


@case
def sparse_batch_rows(tf: Any) -> Any:
    ds = tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x)).sparse_batch(3, [5])
    out = []
    for st in ds:
        out.append((st.indices.numpy().tolist(), st.values.numpy().tolist(), st.dense_shape.numpy().tolist()))
    return out, ds.element_spec


@case
def sparse_batch_row_too_long_raises(tf: Any) -> Any:
    return list(tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x)).sparse_batch(2, [2]))


@case
def dense_to_sparse_and_ragged_batch(tf: Any) -> Any:
    ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.range(x))
    s = ds.apply(tf.data.experimental.dense_to_sparse_batch(2, [4]))
    r = ds.apply(tf.data.experimental.dense_to_ragged_batch(2))
    return [st.values.numpy().tolist() for st in s], [rt.to_list() for rt in r], r.element_spec


@case
def pad_to_cardinality_adds_valid(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices({"a": [1, 2], "b": [[1.0, 2.0], [3.0, 4.0]]})
    padded = ds.apply(tf.data.experimental.pad_to_cardinality(4))
    return ([{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in sorted(e.items())}
             for e in padded.as_numpy_iterator()], int(padded.cardinality()), padded.element_spec)


@case
def pad_to_cardinality_errors(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices({"a": [1, 2, 3]})
    out = []
    for make in (lambda: ds.apply(tf.data.experimental.pad_to_cardinality(2)),
                 lambda: tf.data.Dataset.range(3).apply(tf.data.experimental.pad_to_cardinality(5)),
                 lambda: ds.filter(lambda e: True).apply(tf.data.experimental.pad_to_cardinality(5))):
        try:
            out.append(_np(make()))
        except Exception as exc:  # noqa: BLE001  (compared by class)
            out.append(type(exc).__name__)
    return out


# -- experimental functions --------------------------------------------------------------------------------------

@case
def from_list_structures(tf: Any) -> Any:
    a = tf.data.experimental.from_list([(1, "a"), (2, "b")])
    b = tf.data.experimental.from_list([{"x": [1.0, 2.0]}, {"x": [3.0, 4.0]}])
    return _np(a), [e["x"].tolist() for e in b.as_numpy_iterator()], a.element_spec, int(b.cardinality())


@case
def from_list_empty_raises(tf: Any) -> Any:
    return tf.data.experimental.from_list([])


@case
def at_index(tf: Any) -> Any:
    ds = tf.data.Dataset.range(10).map(lambda x: x * x)
    return tf.data.experimental.at(ds, 3), tf.data.experimental.at(ds, 9)


@case
def at_out_of_range_raises(tf: Any) -> Any:
    return tf.data.experimental.at(tf.data.Dataset.range(3), 3)


@case
def group_by_reducer_sums(tf: Any) -> Any:
    reducer = tf.data.experimental.Reducer(init_func=lambda k: np.int64(0), reduce_func=lambda s, x: s + x,
                                           finalize_func=lambda s: s * 10)
    ds = tf.data.Dataset.range(10).apply(tf.data.experimental.group_by_reducer(lambda x: x % 3, reducer))
    return sorted(_np(ds)), ds.element_spec


@case
def enumerate_shuffle_repeat_map_and_batch(tf: Any) -> Any:
    ds = tf.data.Dataset.range(3)
    a = _np(ds.apply(tf.data.experimental.enumerate_dataset(5)))
    b = sorted(_np(ds.apply(tf.data.experimental.shuffle_and_repeat(3, count=2, seed=1))))
    c = _tolist(ds.apply(tf.data.experimental.map_and_batch(lambda x: x * 2, 2)))
    d = _tolist(ds.apply(tf.data.experimental.map_and_batch(lambda x: x * 2, 2, drop_remainder=True)))
    e = _np(ds.batch(2).apply(tf.data.experimental.unbatch()))
    f = _np(ds.apply(tf.data.experimental.parallel_interleave(lambda x: tf.data.Dataset.range(x), cycle_length=2)))
    g = _np(ds.apply(tf.data.experimental.copy_to_device("/cpu:0")).apply(
        tf.data.experimental.prefetch_to_device("/cpu:0")))
    return a, b, c, d, e, f, g


@case
def get_structure_of_dataset_and_iterator(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices(({"a": [1, 2]}, [[1.0], [2.0]]))
    return tf.data.experimental.get_structure(ds), tf.data.experimental.get_structure(iter(ds))


@case
def get_structure_of_other_raises(tf: Any) -> Any:
    return tf.data.experimental.get_structure([1, 2])


# -- iterators and optionals -------------------------------------------------------------------------------------

@case
def iterator_optional(tf: Any) -> Any:
    it = iter(tf.data.Dataset.range(2))
    out = [isinstance(it, tf.data.Iterator), it.element_spec]
    for _ in range(3):
        opt = it.get_next_as_optional()
        out.append((bool(opt.has_value()), opt.get_value() if opt.has_value() else None))
    it2 = iter(tf.data.Dataset.from_tensors((1, 2.0)))
    opt = tf.data.experimental.get_next_as_optional(it2)
    out.append((opt.has_value(), opt.get_value(), opt.element_spec))
    return out


@case
def optional_from_value_and_empty(tf: Any) -> Any:
    a = tf.experimental.Optional.from_value({"a": tf.constant(1.0), "b": (tf.constant([1, 2]),)})
    b = tf.experimental.Optional.empty(tf.TensorSpec([], tf.int32))
    return a.has_value(), a.get_value(), a.element_spec, b.has_value(), b.element_spec


@case
def optional_empty_get_value_raises(tf: Any) -> Any:
    return tf.experimental.Optional.empty(tf.TensorSpec([], tf.int32)).get_value()


@case
def iterator_spec(tf: Any) -> Any:
    spec = tf.data.IteratorSpec(tf.TensorSpec([None], tf.float32))
    it = iter(tf.data.Dataset.range(1))
    return spec, isinstance(it, tf.data.Iterator), spec.value_type.__name__ == type(it).__name__


@case
def fingerprint_is_uint64_and_tracks_pipeline(tf: Any) -> Any:
    a, b = tf.data.Dataset.range(3).fingerprint(), tf.data.Dataset.range(3).fingerprint()
    c = tf.data.Dataset.range(4).fingerprint()
    return a.dtype, a.shape, bool(a == b), bool(a == c)


# -- files: fixed-length records, TFRecordWriter, save/load, snapshot, SQLite -------------------------------------

def _fixed_file(tmp: str) -> str:
    path = os.path.join(tmp, "rec.bin")
    with open(path, "wb") as f:
        f.write(b"HDR" + b"abcd" + b"efgh" + b"ijkl" + b"FT")
    return path


@case
def fixed_length_records(tf: Any) -> Any:
    path = _fixed_file(tempfile.mkdtemp())
    ds = tf.data.FixedLengthRecordDataset(path, 4, header_bytes=3, footer_bytes=2)
    two = tf.data.FixedLengthRecordDataset([path, path], 4, header_bytes=3, footer_bytes=2)
    return _np(ds), len(_np(two)), ds.element_spec, int(ds.cardinality())


@case
def fixed_length_records_truncated_raises(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "short.bin")
    with open(path, "wb") as f:
        f.write(b"abcdef")
    return _np(tf.data.FixedLengthRecordDataset(path, 4))


@case
def tfrecord_writer_round_trip(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "w.tfrecord")
    writer = tf.data.experimental.TFRecordWriter(path)
    writer.write(tf.data.Dataset.from_tensor_slices([b"one", b"two", b"three"]))
    return _np(tf.data.TFRecordDataset(path))


@case
def tfrecord_writer_gzip(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "w.tfrecord.gz")
    tf.data.experimental.TFRecordWriter(path, "GZIP").write(tf.data.Dataset.from_tensor_slices([b"a", b"bb"]))
    return _np(tf.data.TFRecordDataset(path, compression_type="GZIP"))


@case
def tfrecord_writer_wrong_dtype_raises(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "w.tfrecord")
    tf.data.experimental.TFRecordWriter(path).write(tf.data.Dataset.range(3))


@case
def save_and_load(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "saved")
    ds = tf.data.Dataset.from_tensor_slices(({"a": np.arange(5)}, np.arange(10.0).reshape(5, 2)))
    ds.save(path)
    back = tf.data.Dataset.load(path)
    also = tf.data.experimental.load(path, element_spec=ds.element_spec)
    return ([(e[0]["a"], e[1].tolist()) for e in back.as_numpy_iterator()], back.element_spec,
            int(back.cardinality()), len(_np(also)))


@case
def save_and_load_compressed_sharded(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "saved")
    tf.data.Dataset.range(6).save(path, compression="GZIP", shard_func=lambda x: x % 2)
    back = tf.data.Dataset.load(path, compression="GZIP")
    return sorted(_np(back)), back.element_spec


@case
def load_missing_raises(tf: Any) -> Any:
    return tf.data.Dataset.load(os.path.join(tempfile.mkdtemp(), "nothing"))


@case
def snapshot_reuses_first_pass(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "snap")
    calls = []

    def gen() -> Any:
        calls.append(1)
        yield from range(4)

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).snapshot(path)
    first, second = _np(ds), _np(ds)
    again = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int64)).apply(
        tf.data.experimental.snapshot(path))
    return first, second, len(calls), _np(again), len(calls)


@case
def sql_dataset(tf: Any) -> Any:
    path = os.path.join(tempfile.mkdtemp(), "db.sqlite")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (name TEXT, age INTEGER, score REAL)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [("ann", 31, 1.5), ("bob", 25, 2.25)])
    con.commit()
    con.close()
    ds = tf.data.experimental.SqlDataset("sqlite", path, "SELECT name, age, score FROM t ORDER BY age",
                                         (tf.string, tf.int32, tf.float64))
    return _np(ds), ds.element_spec


@case
def sql_dataset_bad_driver_raises(tf: Any) -> Any:
    return _np(tf.data.experimental.SqlDataset("mysql", "x", "SELECT 1", (tf.int64,)))


# -- lookup tables from datasets ---------------------------------------------------------------------------------

@case
def table_from_dataset(tf: Any) -> Any:
    keys = tf.data.Dataset.from_tensor_slices(["a", "b", "c"])
    pairs = tf.data.Dataset.zip((keys, tf.data.Dataset.range(10, 13)))
    t = tf.data.experimental.table_from_dataset(pairs, default_value=-1)
    idx = tf.data.experimental.index_table_from_dataset(keys)
    init = tf.lookup.StaticHashTable(tf.data.experimental.DatasetInitializer(pairs), -7)
    q = tf.constant(["c", "zz", "a"])
    return t.lookup(q), idx.lookup(q), init.lookup(q), t.size()


@case
def index_table_from_dataset_oov_buckets(tf: Any) -> Any:
    keys = tf.data.Dataset.from_tensor_slices(["x", "y"])
    t = tf.data.experimental.index_table_from_dataset(keys, num_oov_buckets=3)
    return t.lookup(tf.constant(["y", "x", "nope", "other"])), t.size()


# -- Dataset.random ----------------------------------------------------------------------------------------------

@case
def random_dataset_spec(tf: Any) -> Any:
    ds = tf.data.Dataset.random(seed=4).take(3)
    values = _np(ds)
    again = _np(tf.data.Dataset.random(seed=4).take(3))
    r2 = tf.data.experimental.RandomDataset(seed=5).take(2)
    return (ds.element_spec, [type(v).__name__ for v in values], values == again, int(
        tf.data.Dataset.random().cardinality()), r2.element_spec)


@case
def random_dataset_values_match(tf: Any) -> Any:
    a = _np(tf.data.Dataset.random(seed=4).take(3))
    tf.random.set_seed(11)
    b = _np(tf.data.Dataset.random().take(2))
    c = _np(tf.data.Dataset.random(seed=5).take(2))
    tf.random.set_seed(None)
    return a, b, c


def _example_file(tf: Any, n: int) -> str:
    path = os.path.join(tempfile.mkdtemp(), "d.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for i in range(n):
            w.write(tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 1.5])),
                "t": tf.train.Feature(int64_list=tf.train.Int64List(value=list(range(i)))),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))})).SerializeToString())
    return path


@case
def make_batched_features_dataset_pipeline(tf: Any) -> Any:
    path = _example_file(tf, 5)
    feats = {"x": tf.io.FixedLenFeature([], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64),
             "t": tf.io.VarLenFeature(tf.int64)}
    ds = tf.data.experimental.make_batched_features_dataset(path, 2, feats, label_key="y", num_epochs=1,
                                                            shuffle=False)
    out = [(f["x"].numpy().tolist(), tf.sparse.to_dense(f["t"]).numpy().tolist(), y.numpy().tolist())
           for f, y in ds]
    forever = tf.data.experimental.make_batched_features_dataset(path, 2, feats, num_epochs=None, shuffle=False)
    return out, ds.element_spec, forever.element_spec, [sorted(e) for e in forever.take(2).as_numpy_iterator()]


@case
def make_batched_features_bad_label(tf: Any) -> Any:
    return tf.data.experimental.make_batched_features_dataset(_example_file(tf, 2), 2,
                                                              {"x": tf.io.FixedLenFeature([], tf.float32)},
                                                              label_key="nope")


@case
def parse_example_dataset_apply(tf: Any) -> Any:
    ds = tf.data.TFRecordDataset(_example_file(tf, 3)).batch(2).apply(
        tf.data.experimental.parse_example_dataset({"x": tf.io.FixedLenFeature([], tf.float32)}))
    return [e["x"].tolist() for e in ds.as_numpy_iterator()], ds.element_spec


if __name__ == "__main__":
    _main(CASES)
