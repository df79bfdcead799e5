"""The tf.data transformations and sources of ``data/_transforms.py``, ``data/_persist.py`` and ``data/_optional.py``
beyond what the TF lane (tests/conformance/data_programs.py) compares: statistics of ``rejection_resample``,
fingerprints, ``snapshot``'s files, ``save``/``load`` of sparse and ragged elements, ``reader_func``, failure
paths and the docstring examples."""

from __future__ import annotations

import doctest
import importlib
import os
import warnings

import numpy as np
import pytest

import tapegrad as tf


@pytest.mark.parametrize("module", ["tapegrad.data._transforms", "tapegrad.data._persist", "tapegrad.data._optional"])
def test_docstrings_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_new_dataset_method_docstrings_run() -> None:
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    names = ["scan", "take_while", "unique", "ignore_errors", "rebatch", "sparse_batch", "rejection_resample",
             "get_single_element", "fingerprint", "counter", "random", "save", "snapshot"]
    ran = 0
    for name in names:
        for test in finder.find(getattr(tf.data.Dataset, name), name, globs={}):
            ran += len(test.examples)
            runner.run(test)
    assert ran > 20 and runner.failures == 0
    for name in ["assert_cardinality", "pad_to_cardinality"]:
        for test in finder.find(getattr(tf.data.experimental, name), name, globs={}):
            runner.run(test)
    assert runner.failures == 0


def _classes(ds: tf.data.Dataset) -> np.ndarray:
    return np.array([int(c) for c, _ in ds])


def test_rejection_resample_reaches_target_with_known_initial():
    labels = np.array([0] * 600 + [1] * 300 + [2] * 100)
    np.random.default_rng(0).shuffle(labels)
    ds = tf.data.Dataset.from_tensor_slices(labels.astype("int32")).repeat(20)
    out = _classes(ds.rejection_resample(lambda x: x, [0.2, 0.3, 0.5], initial_dist=[0.6, 0.3, 0.1], seed=3))
    freq = np.bincount(out, minlength=3) / out.size
    np.testing.assert_allclose(freq, [0.2, 0.3, 0.5], atol=0.03)


def test_rejection_resample_estimates_initial_and_pairs_elements():
    labels = np.array(([0] * 8 + [1] * 2) * 300, dtype="int64")
    ds = tf.data.Dataset.from_tensor_slices((labels, np.arange(labels.size)))
    out = list(ds.rejection_resample(lambda y, i: y, [0.5, 0.5], seed=1).as_numpy_iterator())
    classes = np.array([c for c, _ in out])
    assert all(c == e[0] for c, e in out)  # the class is the element's
    assert abs(classes.mean() - 0.5) < 0.06
    with pytest.raises(tf.errors.InvalidArgumentError, match="probability vector"):
        ds.rejection_resample(lambda y, i: y, [0.5, 0.6])


def test_fingerprint_follows_data_functions_and_settings():
    def fp(ds):
        return int(ds.fingerprint())

    base = fp(tf.data.Dataset.range(5).map(lambda x: x * 2))
    assert base == fp(tf.data.Dataset.range(5).map(lambda x: x * 2))
    assert base != fp(tf.data.Dataset.range(5).map(lambda x: x * 3))
    assert base != fp(tf.data.Dataset.range(6).map(lambda x: x * 2))
    k1, k2 = 2, 3
    assert fp(tf.data.Dataset.range(5).map(lambda x: x * k1)) != fp(tf.data.Dataset.range(5).map(lambda x: x * k2))
    a = tf.data.Dataset.from_tensor_slices(np.arange(4.0))
    assert fp(a.batch(2)) != fp(a.batch(3)) and fp(a) == fp(tf.data.Dataset.from_tensor_slices(np.arange(4.0)))
    assert tf.data.Dataset.range(1).fingerprint().dtype == tf.uint64


def test_snapshot_writes_once_and_interrupted_pass_leaves_nothing(tmp_path):
    calls = []

    def slow(x):
        calls.append(1)
        return x + 1

    ds = tf.data.Dataset.range(6).map(lambda x: tf.py_function(slow, [x], tf.int64)).snapshot(str(tmp_path))
    it = iter(ds)
    next(it), next(it)
    del it  # an interrupted first pass
    assert not any(p.name.endswith(".tgd") or "tmp" in p.name for p in tmp_path.rglob("*") if p.is_file())
    assert [int(v) for v in ds] == [1, 2, 3, 4, 5, 6]
    n = len(calls)
    assert [int(v) for v in ds] == [1, 2, 3, 4, 5, 6] and len(calls) == n  # read back, not recomputed
    (entry,) = [p for p in tmp_path.iterdir()]
    assert (entry / "tapegrad_dataset.json").exists()
    # another pipeline in the same directory gets its own entry
    list(tf.data.Dataset.range(3).snapshot(str(tmp_path), compression="GZIP"))
    assert len(list(tmp_path.iterdir())) == 2


def test_save_load_sparse_ragged_strings_and_reader_func(tmp_path):
    ds = tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x)).sparse_batch(2, [4])
    ds.save(str(tmp_path / "sparse"), compression="ZLIB")
    back = [(st.indices.numpy(), st.values.numpy(), st.dense_shape.numpy()) for st in
            tf.data.Dataset.load(str(tmp_path / "sparse"))]
    want = [(st.indices.numpy(), st.values.numpy(), st.dense_shape.numpy()) for st in ds]
    assert all(all(np.array_equal(a, b) for a, b in zip(x, y)) for x, y in zip(back, want)) and len(back) == 2

    rag = tf.data.Dataset.range(1, 5).map(lambda x: tf.range(x)).ragged_batch(2)
    rag.save(str(tmp_path / "ragged"))
    loaded = tf.data.Dataset.load(str(tmp_path / "ragged"))
    assert [r.to_list() for r in loaded] == [[[0], [0, 1]], [[0, 1, 2], [0, 1, 2, 3]]]
    assert loaded.element_spec == rag.element_spec

    words = tf.data.Dataset.from_tensor_slices([["a", "bb"], ["", "ccc"], ["d", "é"]])
    words.save(str(tmp_path / "s"), shard_func=lambda x: tf.strings.length(x[0], "UTF8_CHAR") % 2)
    joined = tf.data.Dataset.load(str(tmp_path / "s"),
                                  reader_func=lambda shards: shards.interleave(lambda d: d, cycle_length=2))
    assert sorted(w.tolist() for w in joined.as_numpy_iterator()) == sorted(
        w.tolist() for w in words.as_numpy_iterator())
    assert len(list((tmp_path / "s").glob("shard_*"))) == 2
    with pytest.raises(ValueError, match="differs from the saved one"):
        tf.data.Dataset.load(str(tmp_path / "s"), element_spec=tf.TensorSpec([2], tf.int32))


def test_save_refuses_dataset_components_and_bad_compression(tmp_path):
    windows = tf.data.Dataset.range(4).window(2)
    with pytest.raises(TypeError, match="cannot write"):
        windows.save(str(tmp_path / "w"))
    assert not (tmp_path / "w").exists()
    with pytest.raises(tf.errors.InvalidArgumentError, match="compression"):
        tf.data.Dataset.range(2).save(str(tmp_path / "x"), compression="SNAPPY")


def test_ignore_errors_logs_and_keeps_python_errors():
    ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0]).map(lambda x: tf.debugging.check_numerics(1 / x, "inf"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [float(v) for v in ds.ignore_errors(log_warning=True)] == [1.0]
    assert any("ignore_errors dropped" in str(w.message) for w in caught)

    def boom(x):
        raise TypeError("a bug in the map function")

    with pytest.raises(TypeError, match="a bug"):
        list(tf.data.Dataset.range(3).map(boom).ignore_errors())


def test_fixed_length_records_compressed_and_parallel(tmp_path):
    import gzip

    raw = b"H" + b"".join(bytes([i]) * 3 for i in range(5)) + b"FF"
    with gzip.open(tmp_path / "a.gz", "wb") as f:
        f.write(raw)
    (tmp_path / "b.bin").write_bytes(raw)
    ds = tf.data.FixedLengthRecordDataset(str(tmp_path / "a.gz"), 3, header_bytes=1, footer_bytes=2,
                                          compression_type="GZIP")
    assert list(ds.as_numpy_iterator()) == [bytes([i]) * 3 for i in range(5)]
    both = tf.data.FixedLengthRecordDataset([str(tmp_path / "b.bin")] * 2, 3, 1, 2, num_parallel_reads=2)
    assert list(both.as_numpy_iterator())[:4] == [b"\x00" * 3, b"\x00" * 3, b"\x01" * 3, b"\x01" * 3]
    (tmp_path / "c.bin").write_bytes(raw[:-1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="exact multiple"):
        list(tf.data.FixedLengthRecordDataset(str(tmp_path / "c.bin"), 3, 1, 2))


def test_from_list_and_rebatch_errors():
    with pytest.raises(ValueError, match="another structure"):
        tf.data.experimental.from_list([(1, 2), (1,)])
    with pytest.raises(ValueError, match="must be batched"):
        tf.data.Dataset.range(3).rebatch(2)
    rb = tf.data.Dataset.range(5).batch(2).rebatch([0, 2])
    assert [b.tolist() for b in rb.as_numpy_iterator()] == [[], [0, 1], [], [2, 3], [], [4]]


def test_scan_keeps_state_types_and_unpacks_tuple_state():
    ds = tf.data.Dataset.from_tensor_slices(([1.0, 2.0, 3.0], [10, 20, 30]))
    out = ds.scan((np.float32(0), np.int32(0)), lambda s, e: ((s[0] + e[0], s[1] + e[1]), s[0] * 2))
    assert [float(v) for v in out] == [0.0, 2.0, 6.0]
    with pytest.raises(TypeError, match="structure changed"):
        list(tf.data.Dataset.range(2).scan(np.int64(0), lambda s, x: ((s, s), x)))


def test_group_by_reducer_tuple_state_and_key_check():
    reducer = tf.data.experimental.Reducer(lambda k: (np.int64(0), np.int64(0)),
                                           lambda s, x: (s[0] + 1, s[1] + x), lambda n, total: total // n)
    ds = tf.data.Dataset.range(9).apply(tf.data.experimental.group_by_reducer(lambda x: x % 3, reducer))
    assert [int(v) for v in ds] == [3, 4, 5]  # group means, in first-seen key order
    bad = tf.data.Dataset.range(3).apply(tf.data.experimental.group_by_reducer(lambda x: tf.cast(x, tf.int32),
                                                                               reducer))
    with pytest.raises(ValueError, match="int64 scalar"):
        list(bad)


def test_sql_dataset_nulls_and_bad_query(tmp_path):
    import sqlite3

    db = str(tmp_path / "d.sqlite")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    con.execute("INSERT INTO t VALUES (NULL, 'x')")
    con.commit()
    con.close()
    with pytest.raises(tf.errors.InvalidArgumentError, match="NULL"):
        list(tf.data.experimental.SqlDataset("sqlite", db, "SELECT a, b FROM t", (tf.int64, tf.string)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="SQLite failed"):
        list(tf.data.experimental.SqlDataset("sqlite", db, "SELECT nope FROM t", (tf.int64,)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="2 columns"):
        list(tf.data.experimental.SqlDataset("sqlite", db, "SELECT a, b FROM t", (tf.string,)))


def test_optional_spec_and_iterator_spec():
    opt = tf.experimental.Optional.from_value((tf.constant(1), tf.constant([1.0, 2.0])))
    assert opt._type_spec == tf.OptionalSpec((tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32)))
    it = iter(tf.data.Dataset.range(2))
    assert tf.data.IteratorSpec.from_value(it) == tf.data.IteratorSpec(tf.TensorSpec([], tf.int64))
    assert tf.data.IteratorSpec(tf.TensorSpec([], tf.int64)).value_type is type(it)
    assert isinstance(it, tf.data.Iterator) and tf.lookup.experimental.DatasetInitializer is \
        tf.data.experimental.DatasetInitializer


def test_unique_on_vectors_and_dataset_random_reshuffles():
    vecs = tf.data.Dataset.from_tensor_slices([[1, 2], [1, 2], [2, 1]]).unique()
    assert [v.tolist() for v in vecs.as_numpy_iterator()] == [[1, 2], [2, 1]]
    ds = tf.data.Dataset.random(seed=3, rerandomize_each_iteration=True).take(4)
    first, second = list(ds.as_numpy_iterator()), list(ds.as_numpy_iterator())
    assert first != second and all(0 <= v < 2**32 for v in first + second)
    same = tf.data.Dataset.random(seed=3).take(4)
    assert list(same.as_numpy_iterator()) == list(same.as_numpy_iterator())


def test_symbolic_tensors_pack_into_lists_inside_dataset_functions():
    ds = tf.data.Dataset.range(3).map(lambda x: tf.stack([x, x * 2]))
    assert [v.tolist() for v in ds.as_numpy_iterator()] == [[0, 0], [1, 2], [2, 4]]
    ds = tf.data.Dataset.range(2).map(lambda x: tf.concat([[x], [x + 5]], 0))
    assert [v.tolist() for v in ds.as_numpy_iterator()] == [[0, 5], [1, 6]]
    with pytest.raises(AttributeError, match="symbolic"):
        list(tf.data.Dataset.range(1).map(lambda x: x.numpy()))


def test_os_path_like_paths(tmp_path):
    tf.data.Dataset.range(2).save(tmp_path / "p")
    assert [int(v) for v in tf.data.Dataset.load(tmp_path / "p")] == [0, 1]
    assert os.path.exists(tmp_path / "p" / "tapegrad_dataset.json")
