"""``tapegrad.data`` (tf.data): sources, transformations, specs, cardinality, streaming and Keras integration.

Expected values are TF 2.21's (reference ``keras_layers_data.md`` §9–10 and probes p56/p57); permutations of
``shuffle`` are tapegrad's own (TF's are not reproduced), so only their properties are asserted.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors, keras

D = tf.data.Dataset


def L(ds):  # noqa: N802
    return [np.asarray(e).tolist() if not isinstance(e, (tuple, dict)) else e for e in ds.as_numpy_iterator()]


def test_sources_specs_and_dtypes():
    assert D.from_tensor_slices([1, 2, 3]).element_spec == tf.TensorSpec((), tf.int32)
    assert D.from_tensor_slices([1.0]).element_spec.dtype == tf.float32
    assert D.from_tensor_slices(np.zeros((4, 2))).element_spec == tf.TensorSpec((2,), tf.float64)
    assert D.from_tensor_slices([np.arange(3), np.arange(3)]).element_spec == tf.TensorSpec((3,), tf.int64)
    ds = D.from_tensor_slices({"a": [1, 2], "b": [[1.0, 2.0], [3.0, 4.0]]})
    assert [e["b"].tolist() for e in ds.as_numpy_iterator()] == [[1.0, 2.0], [3.0, 4.0]]
    assert D.range(5).element_spec.dtype == tf.int64 and L(D.range(2, 10, 3)) == [2, 5, 8]
    assert D.range(3, output_type=tf.int32).element_spec.dtype == tf.int32
    assert L(D.from_tensors([1, 2, 3])) == [[1, 2, 3]]
    with pytest.raises(ValueError):
        D.from_tensor_slices((np.arange(3), np.arange(4)))
    with pytest.raises(ValueError):
        D.from_tensor_slices(5)


def test_iteration_types():
    e = next(iter(D.from_tensor_slices(([1.0, 2.0], [3, 4]))))
    assert isinstance(e, tuple) and isinstance(e[0], tf.Tensor) and e[0].dtype == tf.float32
    n = next(D.from_tensor_slices(([1.0, 2.0], [3, 4])).as_numpy_iterator())
    assert type(n[0]) is np.float32 and type(n[1]) is np.int32
    assert list(D.from_tensor_slices(["ab", "c"]).as_numpy_iterator()) == [b"ab", b"c"]
    it = iter(D.range(1))
    next(it)
    with pytest.raises(StopIteration):
        next(it)


def test_batch_unbatch_padded_batch():
    assert L(D.range(10).batch(4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert D.range(10).batch(4).element_spec.shape.as_list() == [None]
    assert D.range(10).batch(4, drop_remainder=True).element_spec.shape.as_list() == [4]
    assert L(D.range(6).batch(4).unbatch()) == list(range(6))
    ragged = D.from_generator(lambda: iter([[1], [1, 2]]), output_signature=tf.TensorSpec((None,), tf.int32))
    with pytest.raises(errors.InvalidArgumentError):
        L(ragged.batch(2))
    padded = D.range(1, 5).map(lambda x: tf.fill([x], x)).padded_batch(2)
    assert L(padded) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    assert padded.element_spec.shape.as_list() == [None, None]
    fixed = D.range(1, 4).map(lambda x: tf.fill([x], x)).padded_batch(
        2, padded_shapes=[5], padding_values=tf.constant(-1, tf.int64))
    assert L(fixed) == [[[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]], [[3, 3, 3, -1, -1]]]


def test_shuffle_seed_reshuffle_and_buffer():
    a, b = L(D.range(20).shuffle(20, seed=42)), L(D.range(20).shuffle(20, seed=42))
    assert a == b and sorted(a) == list(range(20)) and a != list(range(20))
    ds = D.range(20).shuffle(20, seed=1)
    assert L(ds) != L(ds)
    fixed = D.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False)
    assert L(fixed) == L(fixed)
    assert L(D.range(5).shuffle(1)) == [0, 1, 2, 3, 4]
    # a buffer of 2 can move an element at most a few places ahead of where a full shuffle could
    first = L(D.range(100).shuffle(2, seed=3))[:10]
    assert max(first) <= 11
    with pytest.raises(TypeError):
        D.range(5).shuffle()


def test_map_filter_semantics():
    assert L(D.from_tensor_slices(([1, 2], [10, 20])).map(lambda a, b: a + b)) == [11, 22]
    assert L(D.from_tensor_slices({"a": [1, 2]}).map(lambda d: d["a"] * 3)) == [3, 6]
    spec = D.range(3).map(lambda x: (x, tf.cast(x, tf.float32))).element_spec
    assert spec[1].dtype == tf.float32
    with pytest.raises(AttributeError):  # tensors in dataset functions are symbolic, as in TF
        L(D.range(2).map(lambda x: x.numpy()))
    assert L(D.range(3).map(lambda x: tf.py_function(lambda v: v.numpy() * 10, [x], tf.int64))) == [0, 10, 20]
    assert L(D.range(7).filter(lambda x: x % 2 == 0)) == [0, 2, 4, 6]
    with pytest.raises(ValueError):
        D.range(3).filter(lambda x: x)
    assert L(D.range(8).map(lambda x: x * x, num_parallel_calls=tf.data.AUTOTUNE)) == [i * i for i in range(8)]


def test_repeat_take_skip_cache_enumerate_window_reduce():
    assert L(D.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert L(D.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert (L(D.range(5).take(-1)), L(D.range(5).skip(2)), L(D.range(5).skip(10))) == ([0, 1, 2, 3, 4], [2, 3, 4], [])
    calls = []
    cached = D.range(3).map(lambda x: tf.py_function(lambda v: (calls.append(1), v)[1], [x], tf.int64)).cache()
    assert L(cached) == L(cached) == [0, 1, 2] and len(calls) == 3
    assert [(int(i), int(v)) for i, v in D.from_tensor_slices([10, 20]).enumerate(start=5)] == [(5, 10), (6, 20)]
    assert L(D.range(5).window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))) == \
        [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert int(D.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    with pytest.raises(TypeError):
        D.range(5).reduce(0, lambda s, x: s + x)
    assert L(D.range(2).concatenate(D.range(5, 7))) == [0, 1, 5, 6]
    assert L(D.zip((D.range(3), D.range(10, 15)))) == [(0, 10), (1, 11), (2, 12)]


def test_cardinality_and_len():
    ds = D.range(10)
    cards = [int(d.cardinality()) for d in (ds, ds.batch(3), ds.batch(3, drop_remainder=True),
                                            ds.filter(lambda x: True), ds.repeat(), ds.take(4), ds.skip(4),
                                            ds.repeat(3), ds.shuffle(4), ds.map(lambda x: x), ds.batch(3).unbatch())]
    assert cards == [10, 4, 3, -2, -1, 4, 6, 30, 10, 10, -2]
    assert ds.cardinality().dtype == tf.int64
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2 and tf.data.AUTOTUNE == -1
    assert len(D.range(4).batch(3)) == 2
    with pytest.raises(TypeError, match="infinite"):
        len(D.range(4).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(D.range(4).filter(lambda x: True))


def test_from_generator_checks_and_reiterates():
    def gen():
        for i in range(3):
            yield np.full((2,), i, "float32"), i

    sig = (tf.TensorSpec((2,), tf.float32), tf.TensorSpec((), tf.int32))
    ds = D.from_generator(gen, output_signature=sig)
    assert [int(y) for _, y in ds] == [0, 1, 2] and len(L(ds)) == 3 and int(ds.cardinality()) == -2
    with pytest.raises(TypeError):
        D.from_generator(gen(), output_signature=sig)
    bad = D.from_generator(lambda: iter([np.zeros(3, "float32")]), output_signature=tf.TensorSpec((2,), tf.float32))
    with pytest.raises(errors.InvalidArgumentError):
        L(bad)
    bad_type = D.from_generator(lambda: iter([np.array(["a"])]), output_signature=tf.TensorSpec((1,), tf.float32))
    with pytest.raises(errors.InvalidArgumentError):
        L(bad_type)


def test_streams_lazily_and_prefetch_runs_ahead_in_a_thread():
    produced = []

    def gen():
        for i in range(10**9):  # effectively endless: nothing may materialise it
            produced.append(i)
            yield i

    ds = D.from_generator(gen, output_signature=tf.TensorSpec((), tf.int64)).map(lambda x: x * 2).batch(4).take(2)
    assert L(ds) == [[0, 2, 4, 6], [8, 10, 12, 14]] and len(produced) == 8
    threads = []
    ds = D.range(5).map(lambda x: tf.py_function(lambda v: (threads.append(threading.current_thread().name), v)[1],
                                                 [x], tf.int64)).prefetch(2)
    assert L(ds) == [0, 1, 2, 3, 4] and set(threads) == {"tapegrad-data-prefetch"}
    with pytest.raises(errors.InvalidArgumentError):  # errors in the producer thread reach the consumer
        L(D.from_generator(lambda: iter([np.zeros(3)]), output_signature=tf.TensorSpec((2,), tf.float64)).prefetch(1))


# ------------------------------------------------------------------------------------------------------------------
# Keras fit/evaluate/predict on datasets (p57's setup: Dense(1) at zero, SGD(0.1), mse)

X = (np.arange(20, dtype="float32").reshape(10, 2) % 5) / 4.0
Y = (X @ np.array([[1.0], [-2.0]], "float32") + 0.5).astype("float32")


def _model(metrics=None):
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=metrics)
    return m


def _ds():
    return D.from_tensor_slices((X, Y)).batch(4)


def test_fit_dataset_matches_numpy_and_reference_losses():
    h = _model().fit(_ds(), epochs=3, verbose=0, shuffle=False)
    assert np.allclose(h.history["loss"], [0.6142, 0.5483, 0.4883], atol=1e-4)
    assert h.params == {"verbose": 0, "epochs": 3, "steps": 3}
    with pytest.warns(UserWarning, match="shuffle=True"):
        _model().fit(_ds(), epochs=1, verbose=0)


def test_fit_steps_per_epoch_does_not_restart_a_finite_dataset():
    m = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(_ds(), epochs=2, steps_per_epoch=2, verbose=0, shuffle=False)
    assert np.allclose(h.history["loss"], [0.6855, 0.329], atol=1e-4) and int(m.optimizer.iterations) == 3
    m = _model()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        h = m.fit(_ds(), epochs=3, steps_per_epoch=5, verbose=0, shuffle=False)
    assert int(m.optimizer.iterations) == 9 and sum("ran out of data" in str(x.message) for x in w) == 3
    m = _model()
    h = m.fit(_ds().repeat(), epochs=2, steps_per_epoch=2, verbose=0, shuffle=False)
    assert np.allclose(h.history["loss"], [0.6855, 0.5269], atol=1e-4) and int(m.optimizer.iterations) == 4


def test_fit_validation_evaluate_predict_on_datasets():
    m = _model(["mae"])
    h = m.fit(_ds(), epochs=2, verbose=0, shuffle=False, validation_data=_ds())
    assert list(h.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert np.allclose(h.history["val_loss"], [0.5557, 0.4971], atol=1e-4)
    m = _model(["mae"])
    assert np.allclose(m.evaluate(_ds(), verbose=0), [0.625, 0.6])
    assert isinstance(_model().evaluate(_ds(), verbose=0), float)
    assert np.isclose(_model().evaluate(_ds(), steps=1, verbose=0), 0.6406, atol=1e-4)
    assert _model().predict(_ds().repeat(), steps=2, verbose=0).shape == (8, 1)
    assert _model().predict(D.from_tensor_slices(X).batch(3), verbose=0).shape == (10, 1)
    for bad in (lambda m: m.fit(_ds(), Y, verbose=0), lambda m: m.fit(_ds(), validation_split=0.2, verbose=0),
                lambda m: m.fit(D.from_tensor_slices(X).batch(4), verbose=0, shuffle=False)):
        with pytest.raises(ValueError):
            bad(_model())


@pytest.mark.parametrize("module", ["tapegrad.data", "tapegrad.data.dataset", "tapegrad._py_function"])
def test_docstrings_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_fit_dataset_with_class_weight_matches_numpy():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")[:, None]
    weights = {0: 1.0, 1: 3.0}
    histories = []
    for data in ("numpy", "dataset"):
        m = _model()
        if data == "numpy":
            h = m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, class_weight=weights)
        else:
            h = m.fit(D.from_tensor_slices((x, y)).batch(4), epochs=2, shuffle=False, verbose=0,
                      class_weight=weights)
        histories.append(h.history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-6)
