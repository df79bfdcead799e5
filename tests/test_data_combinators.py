"""tf.data additions of issue 15: interleave, TextLineDataset, list_files, Options (deterministic honoured by
parallel map/interleave), group_by_window, bucket_by_sequence_length, choose/sample_from_datasets. TF's element
orders, specs and errors are compared by the Keras lane (programs_kdata.py); these tests check what only
tapegrad can show: streaming, reproducible seeds, the unordered parallel paths, the options plumbing."""

from __future__ import annotations

import gzip
import itertools
import os
import threading
import zlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, NotFoundError

D = tf.data.Dataset


def _values(ds):
    return [np.asarray(x).tolist() for x in ds.as_numpy_iterator()]


def _first_then_rest(make):
    """Iterate a dataset whose element 0 cannot finish until the consumer holds its first element (an event, no
    timing): an unordered pipeline must hand out another element first; an ordered one would stall (the wait
    fails after 10 s)."""
    release = threading.Event()
    it = make(release).as_numpy_iterator()
    first = np.asarray(next(it)).tolist()
    release.set()
    return first, [np.asarray(x).tolist() for x in it]


def _blocking_map(release):
    def fn(x):
        if int(x._value) == 0:
            assert release.wait(10), "element 0 was needed first: the map is not unordered"
        return x

    return fn


def test_parallel_map_nondeterministic_hands_out_finished_elements_first():
    first, rest = _first_then_rest(lambda r: D.range(3).map(_blocking_map(r), num_parallel_calls=2,
                                                            deterministic=False))
    assert first == 1 and sorted(rest) == [0, 2]  # after the release, 0 and 2 finish in either order
    options = tf.data.Options()
    options.deterministic = False
    first, rest = _first_then_rest(lambda r: D.range(3).map(_blocking_map(r), num_parallel_calls=2)
                                   .with_options(options))
    assert first != 0 and sorted([first, *rest]) == [0, 1, 2]
    # through prefetch's thread, the pipeline's options still apply
    first, rest = _first_then_rest(lambda r: D.range(3).map(_blocking_map(r), num_parallel_calls=2).prefetch(1)
                                   .with_options(options))
    assert first != 0 and sorted([first, *rest]) == [0, 1, 2]


def test_parallel_map_deterministic_keeps_order():
    assert _values(D.range(20).map(lambda x: x * 2, num_parallel_calls=4)) == list(range(0, 40, 2))
    options = tf.data.Options()
    options.deterministic = False
    out = _values(D.range(50).map(lambda x: x * 2, num_parallel_calls=4, deterministic=True).with_options(options))
    assert out == list(range(0, 100, 2))  # the argument wins over the options
    assert sorted(_values(D.range(50).map(lambda x: x + 1, num_parallel_calls=3, deterministic=False))) == \
        list(range(1, 51))


def test_interleave_nondeterministic_skips_slots_with_nothing_ready():
    def make(release):
        def inputs(x):
            if int(x._value) == 0:
                def gen():
                    assert release.wait(10), "slot 0 was waited for: the interleave is not unordered"
                    yield np.int64(0)
                return D.from_generator(gen, output_signature=tf.TensorSpec((), tf.int64))
            return D.from_tensors(x).repeat(3)

        return D.range(2).interleave(inputs, cycle_length=2, num_parallel_calls=2, deterministic=False)

    first, rest = _first_then_rest(make)
    assert first == 1 and sorted([first, *rest]) == [0, 1, 1, 1]
    det = D.range(2).interleave(lambda x: D.from_tensors(x).repeat(3), cycle_length=2, num_parallel_calls=2)
    assert _values(det) == [0, 1, 0, 1, 0, 1]


def test_interleave_streams_an_infinite_input():
    ds = D.range(10**9).interleave(lambda x: D.from_tensors(x).repeat(), cycle_length=3, block_length=2)
    assert _values(ds.take(8)) == [0, 0, 1, 1, 2, 2, 0, 0]
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="must return a Dataset"):
        _values(D.range(2).interleave(lambda x: x, cycle_length=1))


def test_interleave_default_cycle_length_is_the_cpu_count():
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ds = D.range(1, 2 * n + 1).interleave(lambda x: D.from_tensors(x).repeat(2))
    assert _values(ds)[:2 * n] == list(range(1, n + 1)) * 2  # n datasets open at once, one element from each


@pytest.fixture
def text_dir(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"a1\nb2\r\nc3\n\nd4")
    (tmp_path / "b.txt").write_bytes(b"x1\ny2\n")
    (tmp_path / "g.gz").write_bytes(gzip.compress(b"g1\ng2\n"))
    (tmp_path / "z.z").write_bytes(zlib.compress(b"z1\nz2\n"))
    return tmp_path


def test_text_line_dataset(text_dir):
    a, b = str(text_dir / "a.txt"), str(text_dir / "b.txt")
    assert _values(tf.data.TextLineDataset([a, b])) == [b"a1", b"b2", b"c3", b"", b"d4", b"x1", b"y2"]
    assert _values(tf.data.TextLineDataset([a, b], num_parallel_reads=2))[:4] == [b"a1", b"x1", b"b2", b"y2"]
    assert _values(tf.data.TextLineDataset(str(text_dir / "g.gz"), compression_type="GZIP")) == [b"g1", b"g2"]
    assert _values(tf.data.TextLineDataset(str(text_dir / "z.z"), "ZLIB", buffer_size=2)) == [b"z1", b"z2"]
    first = next(iter(tf.data.TextLineDataset(tf.constant([b]))))
    assert first.dtype == tf.string and first.numpy() == b"x1"
    lengths = tf.data.TextLineDataset(b).map(tf.strings.length)
    assert _values(lengths) == [2, 2]
    with pytest.raises(NotFoundError):
        _values(tf.data.TextLineDataset(str(text_dir / "missing.txt")))
    with pytest.raises(InvalidArgumentError, match="compression"):
        tf.data.TextLineDataset(a, compression_type="XZ")
    with pytest.raises(InvalidArgumentError):  # plain text read as GZIP
        _values(tf.data.TextLineDataset(a, compression_type="GZIP"))


def test_text_line_dataset_streams(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "w") as f:
        for i in range(20000):
            f.write(f"line {i}\n")
    it = iter(tf.data.TextLineDataset(str(path), buffer_size=256))
    assert next(it).numpy() == b"line 0" and next(it).numpy() == b"line 1"


def test_list_files_seeded_and_reshuffled(text_dir):
    pattern = str(text_dir / "*")
    names = sorted(_values(D.list_files(pattern, shuffle=False)))
    assert _values(D.list_files(pattern, shuffle=False)) == names and len(names) == 4
    ds = D.list_files(pattern, seed=7)
    passes = [_values(ds) for _ in range(6)]
    assert all(sorted(p) == names for p in passes)
    assert len({tuple(p) for p in passes}) > 1  # a new order each pass
    assert [_values(D.list_files(pattern, seed=7)) for _ in range(2)][0] == passes[0]  # the seed fixes the orders
    with pytest.raises(InvalidArgumentError, match="No files matched"):
        D.list_files(str(text_dir / "*.nothing"))


def test_options_fields_and_errors():
    o = tf.data.Options()
    assert o.deterministic is None and o.threading.private_threadpool_size is None
    o.experimental_threading.max_intra_op_parallelism = 1
    assert o.threading.max_intra_op_parallelism == 1
    o.autotune.autotune_algorithm = tf.data.experimental.AutotuneAlgorithm.HILL_CLIMB
    with pytest.raises(AttributeError, match="nonsense"):
        o.nonsense = 1
    with pytest.raises(TypeError, match="deterministic"):
        o.deterministic = 1
    with pytest.raises(AttributeError, match="Options"):
        D.range(2).with_options({"deterministic": False})
    assert "max_intra_op_parallelism=1" in repr(o)


def test_group_by_window_streams_and_checks_keys():
    ds = D.range(10**9).group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), window_size=3)
    assert _values(ds.take(2)) == [[0, 2, 4], [1, 3, 5]]
    with pytest.raises(ValueError, match="int64"):
        _values(D.range(4).group_by_window(lambda x: tf.cast(x, tf.int32), lambda k, w: w, window_size=2))
    with pytest.raises(InvalidArgumentError, match="greater than zero"):
        _values(D.range(4).group_by_window(lambda x: x, lambda k, w: w, window_size_func=lambda k: k * 0))


def test_bucket_by_sequence_length_errors():
    seqs = D.from_generator(lambda: (np.ones(n, np.int32) for n in [2, 9]),
                            output_signature=tf.TensorSpec([None], tf.int32))
    with pytest.raises(InvalidArgumentError, match="pad_to_bucket_boundary"):
        _values(seqs.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [4], [1, 1], pad_to_bucket_boundary=True))
    with pytest.raises(TypeError, match="int32"):
        _values(D.range(3).bucket_by_sequence_length(lambda x: x, [2], [1, 1], no_padding=True))


def test_sample_from_datasets_seeds_and_rerandomize():
    def make(**kw):
        return D.sample_from_datasets([D.range(20), D.range(100, 120)], seed=3, **kw)

    fixed = make()
    assert _values(fixed) == _values(fixed) == _values(make())
    again = make(rerandomize_each_iteration=True)
    runs = [_values(again) for _ in range(3)]
    assert len({tuple(r) for r in runs}) > 1 and all(sorted(r) == sorted(runs[0]) for r in runs)
    inf = D.sample_from_datasets([D.range(10**9), D.range(10**9, 2 * 10**9)], weights=[1.0, 3.0], seed=0)
    head = _values(inf.take(2000))  # streams from infinite inputs
    assert 0.2 < np.mean(np.array(head) < 10**9) < 0.3
    weights = D.from_tensor_slices(np.array([[1.0, 0.0], [0.0, 1.0]] * 3, np.float32))
    assert _values(D.sample_from_datasets([D.range(10), D.range(10, 20)], weights=weights, seed=1)) == \
        [0, 10, 1, 11, 2, 12]


def test_choose_from_datasets_streams():
    choice = D.range(10**9).map(lambda i: i % 3)
    ds = D.choose_from_datasets([D.range(0, 10**9, 3), D.range(1, 10**9, 3), D.range(2, 10**9, 3)], choice)
    assert _values(ds.take(7)) == list(range(7))
    assert _values(tf.data.experimental.choose_from_datasets([D.range(2)], D.range(1).map(lambda i: i * 0))) == [0]
    assert list(itertools.islice(D.range(3).apply(tf.data.experimental.group_by_window(
        lambda x: x * 0, lambda k, w: w.batch(2), 2)).as_numpy_iterator(), 1))[0].tolist() == [0, 1]


@pytest.mark.parametrize("module", ["tapegrad.data.options", "tapegrad.data.readers", "tapegrad.data.dataset"])
def test_docstrings_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_fit_on_a_text_line_pipeline_equals_arrays(tmp_path):
    from tapegrad import keras

    rng = np.random.default_rng(5)
    x = rng.standard_normal((12, 3)).astype("float32")
    y = x @ np.array([[1.0], [2.0], [-1.0]], "float32")
    path = tmp_path / "data.csv"
    path.write_text("".join(",".join(f"{v:.9g}" for v in (*xi, *yi)) + "\n" for xi, yi in zip(x, y)))

    def parse(line):
        values = tf.strings.to_number(tf.strings.split(line, ","))
        return values[:3], values[3:]

    def model():
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="zeros")])
        m.compile(keras.optimizers.SGD(0.1), "mse")
        return m

    a, b = model(), model()
    a.fit(tf.data.TextLineDataset(str(path)).map(parse).batch(4), epochs=2, shuffle=False, verbose=0)
    b.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
