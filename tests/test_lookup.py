"""tf.lookup: static, vocabulary, mutable and dense tables (values recorded from TF 2.21; the full comparison runs
in tests/conformance/misc_programs.py)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError


def test_docstring_examples_run() -> None:
    from tapegrad import lookup

    assert doctest.testmod(lookup).failed == 0
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for cls in (lookup.KeyValueTensorInitializer, lookup.TextFileInitializer, lookup.StaticHashTable,
                lookup.StaticVocabularyTable, lookup.MutableHashTable, lookup.DenseHashTable):
        for test in finder.find(cls):
            runner.run(test)
    r = runner.summarize(verbose=False)
    assert r.attempted >= 20 and r.failed == 0


def test_vocabulary_oov_buckets_are_tfs_fingerprint_ids() -> None:
    # TF 2.21: vocab_size + Fingerprint64(key) % num_oov_buckets; integer keys hashed as their decimal text
    init = tf.lookup.KeyValueTensorInitializer(["emerson", "lake", "palmer"], tf.range(3, dtype=tf.int64))
    t = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=5)
    assert t.lookup(tf.constant(["emerson", "lake", "foo", "bar", "zzz", ""])).numpy().tolist() == [0, 1, 4, 7, 3, 6]
    assert int(t.size()) == 8
    ints = tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20], tf.int64), tf.constant([0, 1], tf.int64))
    ti = tf.lookup.StaticVocabularyTable(ints, num_oov_buckets=7)
    assert ti.lookup(tf.constant([10, 3, -5, 123456789], tf.int64)).numpy().tolist() == [0, 4, 2, 5]


def test_static_table_errors_and_types() -> None:
    kv = tf.lookup.KeyValueTensorInitializer
    t = tf.lookup.StaticHashTable(kv(["a", "b"], [1, 2]), -1)
    assert t.size().shape == () and t.size().dtype == tf.int64
    with pytest.raises(TypeError, match="int32 tensor"):
        t.lookup(tf.constant([1, 2]))
    with pytest.raises(FailedPreconditionError, match="twice"):
        tf.lookup.StaticHashTable(kv(["a", "a"], [1, 2]), -1)
    with pytest.raises(NotFoundError, match="string->int64"):
        tf.lookup.StaticHashTable(kv(tf.constant([1, 2], tf.int64), [True, False]), False)
    with pytest.raises(InvalidArgumentError, match="one value per key"):
        tf.lookup.StaticHashTable(kv(["a", "b"], [1, 2, 3]), -1)


def test_inputs_are_not_mutated() -> None:
    keys = np.array([b"a", b"b"], dtype=object)
    vals = np.array([1, 2], dtype=np.int64)
    t = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    t.insert(keys, vals)
    out = t.lookup(keys)
    out_np = out.numpy()
    t.insert(tf.constant(["a"]), tf.constant([9], tf.int64))
    assert keys.tolist() == [b"a", b"b"] and vals.tolist() == [1, 2]
    assert out_np.tolist() == [1, 2]  # an earlier lookup result does not change with the table
    k, v = t.export()
    assert sorted(zip(k.numpy().tolist(), v.numpy().tolist())) == [(b"a", 9), (b"b", 2)]


def test_dense_table_export_buckets() -> None:
    d = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=0, deleted_key=-1,
                                              initial_num_buckets=8)
    d.insert(tf.constant(list(range(1, 11)), tf.int64), tf.constant(list(range(11, 21)), tf.int64))
    d.remove(tf.constant([3], tf.int64))
    k, v = d.export()
    assert k.shape == (16, 1) and v.shape == (16, 1)  # 10 keys > 80% of 8 buckets: doubled once
    pairs = sorted((int(a), int(b)) for a, b in zip(k.numpy().ravel(), v.numpy().ravel()) if a != 0)
    assert pairs == [(-1, 13)] + [(i, i + 10) for i in range(1, 11) if i != 3]
    with pytest.raises(InvalidArgumentError, match="empty_key or deleted_key"):
        d.lookup(tf.constant([0], tf.int64))


def test_table_in_function_and_dataset_map() -> None:
    m = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
    f = tf.function(lambda k: m.lookup(k) + m.size())
    assert f(tf.constant(["a"])).numpy().tolist() == [-1]
    m.insert(tf.constant(["a"]), tf.constant([10], tf.int64))
    assert f(tf.constant(["a"])).numpy().tolist() == [11]  # the program reads the table's current contents
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64))
    t = tf.lookup.StaticVocabularyTable(init, 4)
    ds = tf.data.Dataset.from_tensor_slices(["a c", "b a", "zz"]).map(lambda s: t.lookup(tf.strings.split(s, " ")))
    assert [x.numpy().tolist() for x in ds] == [[0, 2], [1, 0], [4]]
