"""Text and categorical preprocessing layers (StringLookup, IntegerLookup, TextVectorization, CategoryEncoding,
Hashing, HashedCrossing, Discretization): the behaviour the Keras conformance lane (programs_prep.py) does not
cover — compiled use (``tapegrad.function``, ``Dataset.map``, ``fit``), symbolic shapes, configs, file
vocabularies, and the docstring examples. Expected values are Keras 3.15 / TF 2.21's."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers

MODULES = ["preprocessing_lookup", "preprocessing_categorical", "preprocessing_text"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"tapegrad.keras.layers.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


def test_lookup_in_compiled_function_sees_each_calls_values() -> None:
    layer = L.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
    f = tf.function(lambda x: layer(x))
    assert f(tf.constant([["a", "c"]])).numpy().tolist() == [[1, 1, 0]]
    assert f(tf.constant([["b", "b"]])).numpy().tolist() == [[0, 0, 1]]
    tv = L.TextVectorization(output_sequence_length=4, vocabulary=["the", "cat", "dog"])
    g = tf.function(lambda x: tv(x))
    assert g(tf.constant(["the cat", "dog dog the cat the"])).numpy().tolist() == [[2, 3, 0, 0], [4, 4, 2, 3]]
    assert g(tf.constant(["cat", "x"])).numpy().tolist() == [[3, 0, 0, 0], [1, 0, 0, 0]]


@pytest.mark.parametrize("make, x, want", [
    (lambda: L.Hashing(5), [["a"], ["b"]], [[4], [2]]),
    (lambda: L.Discretization(bin_boundaries=[0.0, 1.0]), [[-1.0, 0.5, 2.0]], [[0, 1, 2]]),
    (lambda: L.CategoryEncoding(3), [[0, 2]], [[1.0, 0.0, 1.0]]),
    (lambda: L.IntegerLookup(vocabulary=[7, 9], num_oov_indices=2), [[9, 4, 5]], [[3, 0, 1]]),
])
def test_categorical_layers_compiled(make, x, want) -> None:
    layer = make()
    assert tf.function(lambda t: layer(t))(tf.constant(x)).numpy().tolist() == want


def test_text_vectorization_in_dataset_map_and_fit() -> None:
    tv = L.TextVectorization(output_sequence_length=3, vocabulary=["the", "cat", "dog"])
    ds = tf.data.Dataset.from_tensor_slices((["the cat", "dog", "the dog", "cat cat"], [1.0, 0.0, 0.0, 1.0]))
    ds = ds.batch(2).map(lambda x, y: (tv(x), y))
    assert [x.numpy().tolist() for x, _ in ds] == [[[2, 3, 0], [4, 0, 0]], [[2, 4, 0], [3, 3, 0]]]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([L.Embedding(5, 3), L.GlobalAveragePooling1D(), L.Dense(1)])
    model.compile("sgd", "mse")
    losses = model.fit(ds, epochs=3, verbose=0, shuffle=False).history["loss"]
    assert len(losses) == 3 and np.isfinite(losses).all() and losses[-1] < losses[0]


def test_text_vectorization_inside_functional_model_fit() -> None:
    keras.utils.set_random_seed(1)
    tv = L.TextVectorization(output_mode="multi_hot", vocabulary=["good", "bad", "film"])
    inp = keras.Input(shape=(), dtype="string")
    encoded = tv(inp)
    assert encoded.shape == (None, 4) and encoded.dtype == "float32"  # Keras's symbolic spec
    out = L.Dense(1)(L.Lambda(lambda t: tf.cast(t, "float32"))(encoded))
    model = keras.Model(inp, out)
    model.compile("sgd", "mse")
    x = np.array(["good film", "bad film", "good", "bad bad"])
    y = np.array([1.0, 0.0, 1.0, 0.0], "float32")
    losses = model.fit(x, y, epochs=4, batch_size=2, verbose=0, shuffle=False).history["loss"]
    assert losses[-1] < losses[0]
    assert model.predict(x, verbose=0).shape == (4, 1)


def test_symbolic_shapes_and_dtypes() -> None:
    s = L.StringLookup(vocabulary=["a", "b"], output_mode="count")
    out = s(keras.Input(shape=(5,), dtype="string"))
    assert out.shape == (None, 3)
    out = L.StringLookup(vocabulary=["a", "b"])(keras.Input(shape=(5,), dtype="string"))
    assert out.shape == (None, 5) and out.dtype == "int64"
    out = L.Discretization(bin_boundaries=[0.0])(keras.Input(shape=(4,)))
    assert out.shape == (None, 4) and out.dtype == "int32"
    out = L.CategoryEncoding(6, "one_hot")(keras.Input(shape=(1,), dtype="int32"))
    assert out.shape == (None, 6)
    out = L.TextVectorization(output_sequence_length=7)(keras.Input(shape=(1,), dtype="string"))
    assert out.shape == (None, 7) and out.dtype == "int64"


def test_configs_round_trip() -> None:
    layers = [L.StringLookup(vocabulary=["x", "y"], num_oov_indices=2, mask_token="", salt=3),
              L.IntegerLookup(vocabulary=[4, 5], output_mode="one_hot"),
              L.TextVectorization(max_tokens=9, ngrams=(1, 2), vocabulary=["p", "q"]),
              L.Hashing(num_bins=4, salt=[1, 2], mask_value="m"), L.HashedCrossing(num_bins=6),
              L.CategoryEncoding(5, "count"), L.Discretization(bin_boundaries=[0.5, 1.5], output_mode="one_hot")]
    for layer in layers:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config(), type(layer).__name__
    x = tf.constant([["x", "z", "", "w"]])
    assert layers[0](x).numpy().tolist() == type(layers[0]).from_config(layers[0].get_config())(x).numpy().tolist()


def test_vocabulary_file_and_set_vocabulary(tmp_path) -> None:
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nfire\n")
    layer = L.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "earth", "wind", "fire"]
    assert layer(tf.constant(["fire", "water"])).numpy().tolist() == [3, 0]
    layer.set_vocabulary(["water"])
    assert layer(tf.constant(["fire", "water"])).numpy().tolist() == [0, 1]
    with pytest.raises(ValueError, match="does not exist"):
        L.StringLookup(vocabulary=str(tmp_path / "missing.txt"))
    inv = L.IntegerLookup(vocabulary=[10, 20], invert=True)
    assert inv(tf.constant([0, 1, 2, 3], "int64")).numpy().tolist() == [-1, 10, 20, -1]


def test_adapt_accepts_generators_steps_and_ragged() -> None:
    layer = L.StringLookup()
    layer.adapt((np.array([[t]]) for t in ["x", "y", "y", "z", "z", "z"]), steps=3)  # only x, y, y
    assert layer.get_vocabulary() == ["[UNK]", "y", "x"]
    layer = L.StringLookup(output_mode="tf_idf")
    layer.adapt(tf.ragged.constant([["a", "a", "b"], ["b"], ["c"]]))
    # vocabulary by count, ties by token high to low: b (2), a (2), c (1); idf = log(1 + 3 / (1 + documents))
    # with b in 2 documents, a and c in 1; the OOV slot gets their mean
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "c"]
    want = np.log(1 + 3 / (1 + np.array([2.0, 1.0, 1.0]))).astype(np.float32)
    np.testing.assert_allclose(layer.idf_weights.numpy(), np.concatenate([[want.mean()], want]), rtol=1e-6)


def test_inputs_are_not_mutated_and_wrong_dtype_is_clear() -> None:
    x = np.array([["b", "a"]])
    before = x.copy()
    L.StringLookup(vocabulary=["a", "b"])(x)
    assert (x == before).all()
    with pytest.raises(TypeError, match="looks up strings"):
        L.StringLookup(vocabulary=["a"])(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="expects strings"):
        L.TextVectorization()(tf.constant([1.0]))


def test_sparse_output() -> None:
    out = L.CategoryEncoding(4, "multi_hot", sparse=True)(tf.constant([[0, 2], [3, 3]]))
    assert isinstance(out, tf.SparseTensor)
    assert tf.sparse.to_dense(out).numpy().tolist() == [[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
