"""Keras conformance programs for the preprocessing layers: ``StringLookup``/``IntegerLookup`` (adapt order, OOV
hashing, masks, invert, every output mode, tf-idf), ``TextVectorization`` (standardize, split, ngrams, sequence
length, ragged, datasets), ``CategoryEncoding``, ``Hashing`` (FarmHash and salted SipHash), ``HashedCrossing`` and
``Discretization`` (quantile adapt): values, dtypes, shapes, vocabularies and exception types.

Registered into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import caught, program
except ImportError:  # run_tf.py run as a script
    from programs import caught, program  # type: ignore[no-redef]

DOCS = [["a", "b", "c", "a"], ["d", "a", "b", "z"]]
TEXTS = ["The cat sat.", "The dog sat on the cat!", "A dog, a CAT; a bird?"]


def _vocab(layer: Any) -> list[Any]:
    return [str(v) if isinstance(v, str) else int(v) for v in layer.get_vocabulary()]


def _etype(fn: Any) -> Any:
    """Only the exception type (messages are ours)."""
    out = caught(fn)
    return type(out.exc).__name__ if hasattr(out, "exc") else out


@program
def prog_string_lookup_modes(tf: Any, keras: Any) -> Any:
    """StringLookup: adapt order (count then token, high to low), OOV, masks, multi-OOV FarmHash, every mode."""
    L = keras.layers
    s = L.StringLookup()
    s.adapt(np.array(DOCS))
    tie = L.StringLookup()
    tie.adapt(["b", "a", "c", "a", "b"])
    cap = L.StringLookup(max_tokens=3)
    cap.adapt(["b", "a", "c", "a", "b", "c", "c"])
    oov3 = L.StringLookup(vocabulary=["a", "b", "c"], num_oov_indices=3, mask_token="")
    salted = L.StringLookup(vocabulary=["a"], num_oov_indices=4, salt=7)
    q = tf.constant([["a", "q", "a"], ["c", "c", "zz"]])
    voc = ["a", "b", "c"]
    tfidf = L.StringLookup(output_mode="tf_idf")
    tfidf.adapt(np.array(DOCS))
    padded = L.StringLookup(max_tokens=8, pad_to_max_tokens=True, output_mode="tf_idf")
    padded.adapt(np.array(DOCS))
    return [_vocab(s), s(tf.constant([["a", "q"], ["b", ""]])), _vocab(tie), _vocab(cap),
            oov3(tf.constant([["a", "q", "zz", "", "hello", "world"]])), _vocab(oov3),
            salted(tf.constant(["x", "y", "z", "w", "a"])),
            L.StringLookup(vocabulary=voc, output_mode="multi_hot")(q),
            L.StringLookup(vocabulary=voc, output_mode="multi_hot")(tf.constant(["a", "q"])),
            L.StringLookup(vocabulary=voc, output_mode="multi_hot")(tf.constant("b")),
            L.StringLookup(vocabulary=voc, output_mode="count", mask_token="")(tf.constant([["a", "", "a"]])),
            L.StringLookup(vocabulary=voc, output_mode="one_hot")(tf.constant([["a"], ["x"]])),
            L.StringLookup(vocabulary=voc, output_mode="one_hot")(tf.constant(["a", "b"])),
            L.StringLookup(vocabulary=voc, invert=True, mask_token="")(tf.constant([[0, 1, 2, 3, 4, 9]])),
            tfidf(tf.constant([["a", "b", "q", "a"]])), np.array(tfidf.idf_weights), _vocab(tfidf),
            padded(tf.constant([["a", "d"]])),
            L.StringLookup(vocabulary=["a", "b"], output_mode="tf_idf", idf_weights=[0.5, 0.25])(
                tf.constant([["a", "b", "b", "c"]])),
            s(tf.ragged.constant([["a", "b"], ["c"]])).to_list(),
            L.StringLookup(vocabulary=["[UNK]", "x", "y"])(tf.constant(["y", "x", "w"])),
            s.vocabulary_size()]


@program
def prog_string_lookup_errors(tf: Any, keras: Any) -> Any:
    """Constructor and call errors: exception types."""
    L = keras.layers
    return [_etype(lambda: L.StringLookup(output_mode="foo")), _etype(lambda: L.StringLookup(max_tokens=1)),
            _etype(lambda: L.StringLookup(vocabulary=["a", "a"])),
            _etype(lambda: L.StringLookup(output_mode="multi_hot")(tf.constant([["a"]]))),
            _etype(lambda: L.StringLookup(invert=True, output_mode="count")),
            _etype(lambda: L.StringLookup(vocabulary=["a"], max_tokens=2, num_oov_indices=2)),
            _etype(lambda: L.StringLookup(vocabulary=["a", ""], mask_token="")),
            _etype(lambda: L.StringLookup(output_mode="tf_idf", vocabulary=["a"])),
            _etype(lambda: L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=0)(tf.constant([[1, 7]]))),
            _etype(lambda: L.StringLookup(vocabulary=["a"]).adapt(["a"])),
            _etype(lambda: L.StringLookup(num_oov_indices=-1))]


@program
def prog_integer_lookup_modes(tf: Any, keras: Any) -> Any:
    """IntegerLookup: adapt order, floormod OOV buckets (negative values too), farmhash OOV, mask, invert."""
    L = keras.layers
    i1 = L.IntegerLookup()
    i1.adapt(np.array([[3, 3, 7, 1], [7, 3, 9, -1]]))
    i2 = L.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    i3 = L.IntegerLookup(vocabulary=[12, 36], mask_token=0, invert=True)
    i4 = L.IntegerLookup(vocabulary=[12, 36], num_oov_indices=3, oov_method="farmhash")
    i5 = L.IntegerLookup(vocabulary=[5, 6], mask_token=0, num_oov_indices=2)
    return [_vocab(i1), i1(tf.constant([[3, 7, 5, -1, 0]])), i2(tf.constant([[12, 1138, 13, 14, -3]])),
            i3(tf.constant([[0, 1, 2, 3, 7]])), _vocab(i3), i4(tf.constant([[12, 99, 100, 101, 7]])),
            i5(tf.constant([[0, 5, 6, 7, 8, -9]])), _vocab(i5),
            L.IntegerLookup(vocabulary=[1, 2], output_mode="count")(tf.constant([[1, 1, 3]])),
            L.IntegerLookup(vocabulary=[1, 2], output_mode="multi_hot")(tf.constant([[[1], [2]], [[1], [1]]])),
            _etype(lambda: L.IntegerLookup(vocabulary=np.array([4, 8], "int32"), vocabulary_dtype="int32"))]


@program
def prog_text_vectorization(tf: Any, keras: Any) -> Any:
    """TextVectorization: adapt, standardize/split/ngrams, sequence length, ragged, vector modes, datasets."""
    L = keras.layers
    t = L.TextVectorization()
    t.adapt(TEXTS)
    fixed = L.TextVectorization(output_sequence_length=3, vocabulary=["the", "cat", "dog"])
    two = tf.constant(["the cat dog dog the", "cat"])
    mh = L.TextVectorization(output_mode="multi_hot")
    mh.adapt(TEXTS)
    ng = L.TextVectorization(output_mode="count", ngrams=2)
    ng.adapt(TEXTS)
    tfidf = L.TextVectorization(output_mode="tf_idf", max_tokens=6)
    tfidf.adapt(TEXTS)
    char = L.TextVectorization(split="character", standardize="lower", output_sequence_length=6)
    char.adapt(["abc", "aab"])
    pad = L.TextVectorization(max_tokens=5, pad_to_max_tokens=True, output_mode="multi_hot")
    pad.adapt(TEXTS)
    from_ds = L.TextVectorization(ngrams=(1, 3))
    from_ds.adapt(tf.data.Dataset.from_tensor_slices(TEXTS).batch(2))
    mapped = tf.data.Dataset.from_tensor_slices(["the cat", "dog on the cat hat"]).batch(2).map(fixed)
    return [_vocab(t), t(tf.constant(["the cat ate", "a dog on a mat in the hat"])),
            t(tf.constant([["the cat ate"], ["dog"]])), t(tf.constant("the cat")), fixed(two), _vocab(fixed),
            L.TextVectorization(ragged=True, vocabulary=["the", "cat", "dog"])(two).to_list(),
            L.TextVectorization(ragged=True, output_sequence_length=2, vocabulary=["the", "cat", "dog"])(
                two).to_list(),
            mh(tf.constant(["the cat ate", "a dog"])), _vocab(mh), ng(tf.constant(["the cat sat", "a dog a dog"])),
            _vocab(ng), tfidf(tf.constant(["the cat sat", "a dog a dog"])), _vocab(tfidf),
            char(tf.constant(["Abcd", "b"])), _vocab(char),
            L.TextVectorization(split=None, standardize=None, vocabulary=["x y", "z"])(
                tf.constant([["x y"], ["z"], ["q"]])),
            pad(tf.constant(["the cat ate"])), _vocab(from_ds), [x for x in mapped],
            L.TextVectorization(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[0.5, 0.25])(
                tf.constant(["a b b c"])),
            _etype(lambda: t(tf.constant([["a", "b"]]))),
            _etype(lambda: L.TextVectorization(output_mode="multi_hot", output_sequence_length=3))]


@program
def prog_categorical_layers(tf: Any, keras: Any) -> Any:
    """CategoryEncoding, Hashing (FarmHash, salt, mask, numbers), HashedCrossing and Discretization (adapt)."""
    L = keras.layers
    ce = L.CategoryEncoding(num_tokens=4)
    strs = tf.constant([["A"], ["B"], ["C"], ["D"], ["E"], ["hello world"], [""]])
    da = L.Discretization(num_bins=4)
    da.adapt(np.arange(12.0).reshape(-1, 1))
    db = L.Discretization(num_bins=5, epsilon=0.05)
    db.adapt(np.random.default_rng(3).normal(size=(1000, 2)).astype("float32"))
    dc = L.Discretization(num_bins=3)
    dc.adapt(tf.data.Dataset.from_tensor_slices(np.random.default_rng(4).uniform(size=(300,)).astype(
        "float32")).batch(64))
    return [ce(tf.constant([[0, 1], [3, 3]])), ce(tf.constant([0, 1, 1])),
            L.CategoryEncoding(4, "one_hot")(tf.constant([0, 3, 1])),
            L.CategoryEncoding(4, "one_hot")(tf.constant([[0], [3]])),
            L.CategoryEncoding(4, "one_hot")(tf.constant([[0, 1], [3, 2]])),
            L.CategoryEncoding(4, "count")(tf.constant([[0, 1, 1], [3, 3, 0]]),
                                           count_weights=tf.constant([[.1, .2, .3], [.4, .5, .6]])),
            ce(tf.constant([[0, 5]])), _etype(lambda: ce(tf.constant([[0, -1]]))),
            L.CategoryEncoding(4, dtype="int32")(tf.constant([[0, 1]])), _etype(lambda: L.CategoryEncoding(None)),
            L.Hashing(num_bins=3)(strs), L.Hashing(num_bins=7)(tf.constant([[1], [2], [3], [44], [-5]])),
            L.Hashing(num_bins=3, salt=133)(strs), L.Hashing(num_bins=3, salt=[133, 137])(strs),
            L.Hashing(num_bins=3, mask_value="")(strs), L.Hashing(num_bins=4, mask_value=0)(tf.constant([[0, 1, 2]])),
            L.Hashing(num_bins=3, output_mode="multi_hot")(tf.constant([["A", "B"], ["C", "C"]])),
            L.Hashing(num_bins=3, output_mode="one_hot")(tf.constant(["A", "B"])),
            L.Hashing(num_bins=3, output_mode="count")(tf.constant([["A", "A", "B"]])),
            L.Hashing(num_bins=3)(tf.constant([[1.5], [2.0]])), L.Hashing(num_bins=9, dtype="int32")(strs),
            L.HashedCrossing(num_bins=5)((tf.constant(["A", "B", "C"]), tf.constant([1, 2, 3]))),
            L.HashedCrossing(num_bins=5)((tf.constant([["A"], ["B"]]), tf.constant([[1], [2]]))),
            L.HashedCrossing(num_bins=5, output_mode="one_hot")((tf.constant(["A", "B"]), tf.constant([1, 2]))),
            L.HashedCrossing(num_bins=11)((tf.constant("A"), tf.constant(1), tf.constant("x"))),
            L.Discretization(bin_boundaries=[0., 1., 2.])(tf.constant([[-1., 0., 0.5, 1., 2., 3.]])),
            L.Discretization(bin_boundaries=[0., 1., 2.])(tf.constant([[-1, 0, 1, 2, 3]])),
            L.Discretization(bin_boundaries=[0., 1., 2.], output_mode="one_hot")(tf.constant([-1., 0.5, 3.])),
            L.Discretization(bin_boundaries=[0., 1., 2.], output_mode="multi_hot")(tf.constant([[-1., 0.5, 3.]])),
            L.Discretization(bin_boundaries=[0., 1.], output_mode="count")(tf.constant([[-1., 0.5, 3., 4.]])),
            np.array(da.bin_boundaries, np.float32), np.array(db.bin_boundaries, np.float32),
            np.array(dc.bin_boundaries, np.float32),
            _etype(lambda: L.Discretization()), _etype(lambda: L.Discretization(bin_boundaries=[1.], num_bins=3)),
            _etype(lambda: L.Discretization(num_bins=3)(tf.constant([1.])))]
