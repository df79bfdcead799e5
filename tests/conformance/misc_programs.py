"""``tf.lookup``, ``tf.sets``, ``tf.quantization``, ``tf.audio`` and ``tf.bitwise`` programs, run unchanged under
TensorFlow and under tapegrad (the harness of ``strings_ragged_programs.py``: ``python misc_programs.py MODULE OUT``).
Results are compared as text (library prefix neutral, numbers at rtol 1e-5), exceptions by class.
"""

from __future__ import annotations

import os
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


def _file(text: str) -> str:
    path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    with open(path, "w") as f:
        f.write(text)
    return path


def _sorted_export(t: Any) -> Any:
    k, v = t.export()
    pairs = sorted(zip(k.numpy().tolist(), v.numpy().tolist()))
    return k.dtype.name, v.dtype.name, k.shape.as_list(), v.shape.as_list(), pairs


# -- tf.bitwise ---------------------------------------------------------------------------------------------------

@case
def bitwise_operators_int_and_bool(tf: Any) -> Any:
    a = tf.constant([1, 2, 3])
    b = tf.constant([True, False])
    return a & a, a | 2, 6 ^ a, ~a, ~tf.constant([0, 255], tf.uint8), b & True, ~b


@case
def bitwise_shifts_clamped(tf: Any) -> Any:
    out = []
    for dt in (tf.int8, tf.uint8, tf.int16, tf.uint32, tf.int64, tf.uint64):
        x = tf.constant([1, 5, 100, 127], dt)
        s = tf.constant([0, 3, 8, 70], dt)
        out.append((tf.bitwise.left_shift(x, s), tf.bitwise.right_shift(x, s)))
    x = tf.constant([-8, -1, 5, 100], tf.int32)
    s = tf.constant([-1, 33, 32, -40], tf.int32)
    out.append((tf.bitwise.left_shift(x, s), tf.bitwise.right_shift(x, s)))
    return out


@case
def bitwise_float_error(tf: Any) -> Any:
    return tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([1.0]))


@case
def bitwise_mixed_dtype_error(tf: Any) -> Any:
    return tf.bitwise.bitwise_or(tf.constant([1]), tf.constant([1], tf.int64))


@case
def bitwise_in_function(tf: Any) -> Any:
    f = tf.function(lambda x: tf.bitwise.invert(x & 6) ^ tf.bitwise.left_shift(x, tf.constant(3)))
    return f(tf.constant([1, 7, -3])), f(tf.constant([4, 5, 6]))


# -- tf.lookup ----------------------------------------------------------------------------------------------------

@case
def lookup_static_string_int64(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3], tf.int64))
    t = tf.lookup.StaticHashTable(init, default_value=-1)
    return (t.lookup(tf.constant(["a", "d", "c"])), t.lookup(tf.constant([["a", "d"], ["c", "b"]])), t.size(),
            t.key_dtype, t.value_dtype, t.default_value, t[tf.constant("b")], _sorted_export(t))


@case
def lookup_static_int_float(tf: Any) -> Any:
    t = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer([1, 2, 3], [10.0, 20.0, 30.0]), -1.0)
    return t.key_dtype, t.value_dtype, t.lookup(tf.constant([1, 5], tf.int32))


@case
def lookup_static_int64_string(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(tf.constant([7, 8], tf.int64), tf.constant(["x", "y"]))
    return tf.lookup.StaticHashTable(init, "UNK").lookup(tf.constant([8, 9, 7], tf.int64))


@case
def lookup_static_string_bool(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(tf.constant(["a", "b"]), tf.constant([True, False]))
    return tf.lookup.StaticHashTable(init, False).lookup(tf.constant(["a", "b", "q"]))


@case
def lookup_static_wrong_key_dtype(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2])
    return tf.lookup.StaticHashTable(init, -1).lookup(tf.constant([1, 2]))


@case
def lookup_static_wrong_int_key_width(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer([1, 2], [10.0, 20.0])
    return tf.lookup.StaticHashTable(init, -1.0).lookup(tf.constant([1, 5], tf.int64))


@case
def lookup_static_duplicate_key_conflict(tf: Any) -> Any:
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "a"], [1, 2]), -1).size()


@case
def lookup_static_duplicate_key_same_value(tf: Any) -> Any:
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "a", "b"], [1, 1, 2]), -1).size()


@case
def lookup_static_default_wrong_dtype(tf: Any) -> Any:
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), -1.0)


@case
def lookup_static_default_not_scalar(tf: Any) -> Any:
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), [-1, 2])


@case
def lookup_static_unsupported_dtypes(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(tf.constant([1, 2], tf.int64), tf.constant([True, False]))
    return tf.lookup.StaticHashTable(init, False)


@case
def lookup_static_length_mismatch(tf: Any) -> Any:
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2, 3]), -1)


@case
def lookup_initializer_dtype_conflict(tf: Any) -> Any:
    return tf.lookup.KeyValueTensorInitializer(tf.constant(["a", "b"]), tf.constant([1, 2], tf.int64),
                                               value_dtype=tf.int32)


@case
def lookup_sparse_and_ragged_keys(tf: Any) -> Any:
    t = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), -1)
    return (t.lookup(tf.sparse.SparseTensor([[0, 0], [1, 2]], ["a", "z"], [2, 3])),
            t.lookup(tf.ragged.constant([["a"], ["b", "z"]])))


@case
def lookup_text_file_columns(tf: Any) -> Any:
    path = _file("emerson 10\nlake 20\npalmer 30\n")
    ti = tf.lookup.TextFileInitializer(path, tf.string, 0, tf.int64, 1, delimiter=" ")
    t = tf.lookup.StaticHashTable(ti, -1)
    return t.lookup(tf.constant(["lake", "x"])), t.size()


@case
def lookup_text_file_whole_line_line_number(tf: Any) -> Any:
    path = _file("emerson 10\nlake 20\npalmer 30\n")
    idx = tf.lookup.TextFileIndex
    t1 = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(path, tf.string, idx.WHOLE_LINE, tf.int64,
                                                                 idx.LINE_NUMBER), -1)
    t2 = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(path, tf.int64, idx.LINE_NUMBER, tf.string, 0,
                                                                 delimiter=" ", vocab_size=2), "UNK")
    t3 = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(path, tf.string, 0, tf.int64, idx.LINE_NUMBER,
                                                                 delimiter=" ", value_index_offset=5), -1)
    return (t1.lookup(tf.constant(["lake 20", "x"])), t2.lookup(tf.constant([0, 1, 2], tf.int64)), t2.size(),
            t3.lookup(tf.constant(["palmer"])), idx.WHOLE_LINE, idx.LINE_NUMBER)


@case
def lookup_text_file_vocab_size_too_big(tf: Any) -> Any:
    ti = tf.lookup.TextFileInitializer(_file("a 1\nb 2\n"), tf.string, 0, tf.int64, 1, delimiter=" ", vocab_size=5)
    return tf.lookup.StaticHashTable(ti, -1).size()


@case
def lookup_text_file_missing_column(tf: Any) -> Any:
    ti = tf.lookup.TextFileInitializer(_file("a 1\nb 2\n"), tf.string, 0, tf.int64, 2, delimiter=" ")
    return tf.lookup.StaticHashTable(ti, -1).size()


@case
def lookup_text_file_bad_int(tf: Any) -> Any:
    ti = tf.lookup.TextFileInitializer(_file("a 1\nb 2\n"), tf.string, 0, tf.int64, 0, delimiter=" ")
    return tf.lookup.StaticHashTable(ti, -1).size()


@case
def lookup_text_file_missing(tf: Any) -> Any:
    missing = os.path.join(tempfile.mkdtemp(), "none.txt")
    return tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(missing, tf.string, 0, tf.int64, 1), -1).size()


@case
def lookup_vocabulary_string_oov(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(["emerson", "lake", "palmer"], tf.range(3, dtype=tf.int64))
    t = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=5)
    words = ["emerson", "lake", "foo", "bar", "zzz", "", "a longer out-of-vocabulary phrase, with punctuation!",
             "ünïcödé", "x" * 100]
    return t.lookup(tf.constant(words)), t.size(), t.key_dtype, t.value_dtype


@case
def lookup_vocabulary_int64_oov(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20], tf.int64), tf.constant([0, 1], tf.int64))
    t = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=7)
    t32 = tf.lookup.StaticVocabularyTable(init, 3, lookup_key_dtype=tf.int32)
    return (t.lookup(tf.constant([10, 3, -5, 123456789, -(2**63), 2**63 - 1], tf.int64)), t.size(),
            t32.lookup(tf.constant([20, 5], tf.int32)), t32.key_dtype)


@case
def lookup_vocabulary_no_initializer(tf: Any) -> Any:
    t = tf.lookup.StaticVocabularyTable(None, 3)
    return t.lookup(tf.constant(["a", "b", "c", "d"])), t.size()


@case
def lookup_vocabulary_zero_buckets(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64))
    return tf.lookup.StaticVocabularyTable(init, 0)


@case
def lookup_vocabulary_int32_ids(tf: Any) -> Any:
    return tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [0, 1]), 3)


@case
def lookup_vocabulary_int32_keys(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(tf.constant([1, 2], tf.int32), tf.constant([0, 1], tf.int64))
    return tf.lookup.StaticVocabularyTable(init, 3)


@case
def lookup_vocabulary_text_file(tf: Any) -> Any:
    idx = tf.lookup.TextFileIndex
    ti = tf.lookup.TextFileInitializer(_file("emerson 10\nlake 20\npalmer 30\n"), tf.string, 0, tf.int64,
                                       idx.LINE_NUMBER, delimiter=" ")
    t = tf.lookup.StaticVocabularyTable(ti, 2)
    return t.lookup(tf.constant(["lake", "foo", "palmer"])), t.size()


@case
def lookup_mutable_insert_remove(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
    m.insert(tf.constant(["x", "y"]), tf.constant([5, 6], tf.int64))
    a = m.lookup(tf.constant(["x", "z"])), m.size(), _sorted_export(m)
    m.remove(tf.constant(["x", "nope"]))
    m.insert(tf.constant("y"), tf.constant(9, tf.int64))
    return a, m.lookup(tf.constant(["x", "y"])), m.size(), m.lookup(tf.constant("y"))


@case
def lookup_mutable_vector_values(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, default_value=[0.0, -1.0])
    m.insert(tf.constant([1, 2], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    dyn = tf.constant([[7.0, 7.0], [8.0, 8.0], [9.0, 9.0]])
    return (m.lookup(tf.constant([2, 9], tf.int64)), m.lookup(tf.constant([1, 3, 4], tf.int64), dyn),
            _sorted_export(m))


@case
def lookup_mutable_value_shape_error(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    m.insert(["a", "b"], tf.constant([1], tf.int64))


@case
def lookup_mutable_value_dtype_error(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    m.insert(["a"], [1.5])


@case
def lookup_mutable_unsupported(tf: Any) -> Any:
    return tf.lookup.experimental.MutableHashTable(tf.string, tf.string, "x").size()


@case
def lookup_mutable_int32(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.int32, tf.int32, 0)
    m.insert(tf.constant([3]), tf.constant([30]))
    return m.lookup(tf.constant([3, 4])), _sorted_export(tf.lookup.experimental.MutableHashTable(tf.int64, tf.int64,
                                                                                                 [0, 0]))


@case
def lookup_dense_table(tf: Any) -> Any:
    d = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, default_value=-1, empty_key=0, deleted_key=-1,
                                              initial_num_buckets=8)
    d.insert(tf.constant([5, 7], tf.int64), tf.constant([50, 70], tf.int64))
    a = d.lookup(tf.constant([5, 6, 7], tf.int64)), d.size(), [x.shape for x in d.export()]
    d.insert(tf.constant(list(range(1, 11)), tf.int64), tf.constant(list(range(1, 11)), tf.int64))
    b = d.size(), [x.shape for x in d.export()], d.lookup(tf.constant([5, 10, 11], tf.int64))
    d.remove(tf.constant([5], tf.int64))
    k, v = d.export()
    live = sorted((int(a), int(b)) for a, b in zip(k.numpy().ravel(), v.numpy().ravel()) if a != 0)
    return a, b, d.size(), d.lookup(tf.constant([5], tf.int64)), live


@case
def lookup_dense_empty_key_insert(tf: Any) -> Any:
    d = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=0, deleted_key=-1,
                                              initial_num_buckets=8)
    d.insert(tf.constant([0], tf.int64), tf.constant([1], tf.int64))


@case
def lookup_dense_deleted_key_lookup(tf: Any) -> Any:
    d = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=0, deleted_key=-1,
                                              initial_num_buckets=8)
    return d.lookup(tf.constant([-1], tf.int64))


@case
def lookup_dense_equal_keys(tf: Any) -> Any:
    return tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=0, deleted_key=0)


@case
def lookup_dense_bad_buckets(tf: Any) -> Any:
    return tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=0, deleted_key=-1,
                                                 initial_num_buckets=6)


@case
def lookup_dense_vector_keys(tf: Any) -> Any:
    d = tf.lookup.experimental.DenseHashTable(tf.int64, tf.float32, [0.0, 0.0], empty_key=[0, 0],
                                              deleted_key=[-1, -1], initial_num_buckets=4)
    d.insert(tf.constant([[1, 2], [3, 4]], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    return d.lookup(tf.constant([[1, 2], [2, 1], [3, 4]], tf.int64)), d.size(), [x.shape for x in d.export()]


@case
def lookup_dense_string_keys(tf: Any) -> Any:
    d = tf.lookup.experimental.DenseHashTable(tf.string, tf.float64, -1.0, empty_key="", deleted_key="$",
                                              initial_num_buckets=16)
    d.insert_or_assign(tf.constant(["a", "bb"]), tf.constant([1.0, 2.0], tf.float64))
    d.erase(tf.constant(["a"]))
    return d.lookup(tf.constant(["a", "bb"])), d.size()


@case
def lookup_in_function_reads_current_state(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)

    @tf.function
    def f(keys: Any) -> Any:
        return m.lookup(keys) * 2 + m.size()

    a = f(tf.constant(["a", "b"]))
    m.insert(tf.constant(["a"]), tf.constant([10], tf.int64))
    b = f(tf.constant(["a", "b"]))
    return a, b


@case
def lookup_in_function_insert_then_lookup(tf: Any) -> Any:
    m = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, default_value=0.0)

    @tf.function
    def step(k: Any, v: Any) -> Any:
        m.insert(k, v)
        return m.lookup(k + 1) + m.lookup(k)

    a = step(tf.constant([1], tf.int64), tf.constant([1.5]))
    b = step(tf.constant([0], tf.int64), tf.constant([2.5]))
    return a, b, m.size()


@case
def lookup_vocabulary_in_function_and_map(tf: Any) -> Any:
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64))
    t = tf.lookup.StaticVocabularyTable(init, 4)
    f = tf.function(lambda s: t.lookup(tf.strings.split(s, " ")))
    ds = tf.data.Dataset.from_tensor_slices(["a c", "b a", "zz"]).map(lambda s: t.lookup(tf.strings.split(s, " ")))
    return f(tf.constant("a q b")), [x.numpy().tolist() for x in ds]


# -- tf.sets ------------------------------------------------------------------------------------------------------

def _sets_ab(tf: Any) -> Any:
    a = tf.constant([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [1, 1, 2]]], tf.int64)
    b = tf.constant([[[3, 1, 0], [5, 6, 0]], [[9, 9, 9], [2, 0, 0]]], tf.int64)
    return a, b


def _sets_sparse(tf: Any) -> Any:
    return tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 3]], tf.constant([5, 1, 7, 7], tf.int32), [2, 4])


@case
def sets_dense_dense_rank3(tf: Any) -> Any:
    a, b = _sets_ab(tf)
    return (tf.sets.intersection(a, b), tf.sets.union(a, b), tf.sets.difference(a, b),
            tf.sets.difference(a, b, aminusb=False))


@case
def sets_strings(tf: Any) -> Any:
    a = tf.constant([["b", "a", "c"], ["x", "", "x"]])
    b = tf.constant([["c", "b"], ["y", "x"]])
    return tf.sets.intersection(a, b), tf.sets.union(a, b), tf.sets.difference(a, b)


@case
def sets_small_int_types(tf: Any) -> Any:
    return [tf.sets.union(tf.constant([[1, 2], [3, 4]], dt), tf.constant([[4, 2], [3, 0]], dt))
            for dt in (tf.int8, tf.int16, tf.uint8, tf.uint16)]


@case
def sets_sparse_dense_mixed(tf: Any) -> Any:
    sp = _sets_sparse(tf)
    d = tf.constant([[1, 9], [0, 0]])
    return (tf.sets.size(sp), tf.sets.union(sp, d), tf.sets.union(d, sp), tf.sets.intersection(sp, sp),
            tf.sets.difference(d, sp), tf.sets.difference(sp, d), tf.sets.difference(d, sp, aminusb=False))


@case
def sets_empty_result(tf: Any) -> Any:
    return tf.sets.intersection(tf.constant([[1, 2], [3, 4]]), tf.constant([[5], [6]]))


@case
def sets_negative_values(tf: Any) -> Any:
    return tf.sets.union(tf.constant([[-1, 2]]), tf.constant([[-3, 0]]))


@case
def sets_size_unordered_indices(tf: Any) -> Any:
    spu = tf.sparse.SparseTensor([[0, 1], [0, 0]], tf.constant([5, 1], tf.int32), [2, 4])
    return tf.sets.size(spu)


@case
def sets_size_unordered_no_validation(tf: Any) -> Any:
    spu = tf.sparse.SparseTensor([[0, 1], [0, 0]], tf.constant([5, 1], tf.int32), [2, 4])
    return tf.sets.size(spu, validate_indices=False)


@case
def sets_size_dense_error(tf: Any) -> Any:
    return tf.sets.size(tf.constant([[1, 2]]))


@case
def sets_rank1_error(tf: Any) -> Any:
    return tf.sets.intersection(tf.constant(["b", "a"]), tf.constant(["c", "b"]))


@case
def sets_float_error(tf: Any) -> Any:
    return tf.sets.union(tf.constant([[1.0, 2.0]]), tf.constant([[1.0, 2.0]]))


@case
def sets_dtype_mismatch(tf: Any) -> Any:
    return tf.sets.union(tf.constant([[1, 2]]), tf.constant([[1, 2]], tf.int64))


@case
def sets_batch_mismatch(tf: Any) -> Any:
    return tf.sets.union(tf.constant([[1, 2]]), tf.constant([[1], [2]]))


@case
def sets_rank_mismatch(tf: Any) -> Any:
    return tf.sets.union(tf.constant([[[1]], [[2]]]), tf.constant([[1], [2]]))


@case
def sets_in_function(tf: Any) -> Any:
    f = tf.function(lambda a, b: tf.sparse.to_dense(tf.sets.union(a, b)))
    first = f(tf.constant([[1, 2]]), tf.constant([[2, 3]]))
    return first, f(tf.constant([[5, 5], [1, 0]]), tf.constant([[4, 4], [1, 1]]))


# -- tf.quantization ----------------------------------------------------------------------------------------------

def _qx(n: int = 64, lo: float = -1.6, hi: float = 2.2, seed: int = 7) -> Any:
    import numpy as np

    rng = np.random.default_rng(seed)
    grid = np.linspace(lo, hi, n).astype(np.float32)  # includes values near the rounding ties
    return np.concatenate([grid, rng.uniform(lo, hi, n).astype(np.float32), np.float32([0.0, -0.0, 0.5, -0.5])])


@case
def quant_fake_quant_args(tf: Any) -> Any:
    x = tf.constant(_qx())
    out = []
    for mn, mx, bits, narrow in ((-1.0, 1.0, 8, False), (-0.3, 1.7, 5, True), (0.1, 2.0, 8, False),
                                 (-6.0, 6.0, 16, False), (-2.5, -0.5, 3, False), (-1.0, 1.0, 2, True)):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.quantization.fake_quant_with_min_max_args(x, mn, mx, num_bits=bits, narrow_range=narrow)
            loss = tf.reduce_sum(y * tf.range(1.0, 133.0))
        out.append((y.numpy().tolist(), t.gradient(loss, x).numpy().tolist()))
    return out


@case
def quant_fake_quant_args_errors(tf: Any) -> Any:
    res = []
    for call in (lambda: tf.quantization.fake_quant_with_min_max_args(tf.constant([1.0]), 1.0, -1.0),
                 lambda: tf.quantization.fake_quant_with_min_max_args(tf.constant([1.0]), num_bits=1),
                 lambda: tf.quantization.fake_quant_with_min_max_args(tf.constant([1.0], tf.float64)),
                 lambda: tf.quantization.fake_quant_with_min_max_vars(tf.constant([1.0]), [0.0], [1.0]),
                 lambda: tf.quantization.fake_quant_with_min_max_vars_per_channel(tf.ones([3, 2]), [0.0] * 3,
                                                                                  [1.0] * 3)):
        try:
            call()
            res.append("ok")
        except Exception as e:  # noqa: BLE001 - compared by class
            res.append(type(e).__name__)
    return res


@case
def quant_fake_quant_vars_and_gradients(tf: Any) -> Any:
    x = tf.constant(_qx())
    out = []
    for mn0, mx0, bits, narrow in ((-1.0, 1.0, 8, False), (-0.37, 1.3, 4, True), (0.0, 0.0, 8, False),
                                   (1.0, -1.0, 8, False), (0.2, 1.9, 7, False)):
        mn, mx = tf.Variable(mn0), tf.Variable(mx0)
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.quantization.fake_quant_with_min_max_vars(x, mn, mx, num_bits=bits, narrow_range=narrow)
            loss = tf.reduce_sum(y * tf.range(1.0, 133.0))
        gx, gmn, gmx = t.gradient(loss, [x, mn, mx])
        r = tf.quantization.fake_quant_with_min_max_vars_gradient(tf.range(1.0, 133.0), x, mn, mx, bits, narrow)
        out.append((y.numpy().tolist(), gx.numpy().tolist(), float(gmn), float(gmx),
                    r.backprop_wrt_min.numpy().tolist(), r.backprop_wrt_max.numpy().tolist()))
    return out


@case
def quant_fake_quant_per_channel(tf: Any) -> Any:
    x = tf.reshape(tf.constant(_qx(62)), [32, 4])
    mn = tf.Variable([-1.0, 0.0, -0.45, 0.0])
    mx = tf.Variable([1.0, 0.8, 0.3, 0.0])
    w = tf.reshape(tf.range(1.0, 129.0), [32, 4])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.quantization.fake_quant_with_min_max_vars_per_channel(x, mn, mx, num_bits=6)
        loss = tf.reduce_sum(y * w)
    gx, gmn, gmx = t.gradient(loss, [x, mn, mx])
    r = tf.quantization.fake_quant_with_min_max_vars_per_channel_gradient(w, x, mn, mx, num_bits=6)
    a = tf.quantization.fake_quant_with_min_max_args_gradient(tf.ones([5]), tf.constant([-7.0, -5.9, 0.0, 5.9, 7.0]))
    return (y.numpy().tolist(), gx.numpy().tolist(), gmn.numpy().tolist(), gmx.numpy().tolist(),
            r.backprops_wrt_input.numpy().tolist(), r.backprop_wrt_min.numpy().tolist(), a.numpy().tolist())


@case
def quant_quantize_and_dequantize_v2(tf: Any) -> Any:
    out = []
    for dt in (tf.float32, tf.float64):
        x = tf.constant(_qx(), dt)
        for kw in ({}, {"range_given": True}, {"signed_input": False, "num_bits": 4},
                   {"range_given": True, "narrow_range": True, "round_mode": "HALF_UP"},
                   {"signed_input": False, "range_given": True, "num_bits": 3, "round_mode": "HALF_UP"}):
            mn, mx = tf.constant(-1.0, dt), tf.constant(1.0, dt)
            with tf.GradientTape() as t:
                t.watch([x, mn, mx])
                y = tf.quantization.quantize_and_dequantize_v2(x, mn, mx, **kw)
                loss = tf.reduce_sum(y * tf.range(1.0, 133.0, dtype=dt))
            g = t.gradient(loss, [x, mn, mx])
            out.append((y.dtype, y.numpy().tolist(), [None if v is None else v.numpy().tolist() for v in g]))
    return out


@case
def quant_quantize_and_dequantize_axis_and_v1(tf: Any) -> Any:
    x = tf.reshape(tf.constant(_qx(62)), [4, 32])
    y = tf.quantization.quantize_and_dequantize_v2(x, [-1.0, 0.0, -0.5, -2.0], [1.0, 2.0, 0.5, 0.1], axis=0,
                                                   range_given=True)
    z = tf.quantization.quantize_and_dequantize_v2(x, [-1.0, 0.0, -0.5, -2.0], [1.0, 2.0, 0.5, 0.1], axis=0)
    v = tf.constant(_qx())
    with tf.GradientTape() as t:
        t.watch(v)
        w = tf.quantization.quantize_and_dequantize(v, 0.0, 1.0, signed_input=False, range_given=True)
    return y.numpy().tolist(), z.numpy().tolist(), w.numpy().tolist(), t.gradient(w, v).numpy().tolist()


@case
def quant_quantize_modes(tf: Any) -> Any:
    x = tf.constant(_qx(48, -1.3, 1.4))
    out = []
    # tapegrad has no quantized dtypes: it takes their names (its outputs hold them in the plain integer dtypes)
    names = {n: getattr(tf, n, n) for n in ("quint8", "qint8", "quint16", "qint16", "qint32")}
    for tname, T in names.items():
        for mode in ("MIN_COMBINED", "MIN_FIRST", "SCALED"):
            for lo, hi in ((-1.0, 1.0), (0.0, 1.0), (-0.3, 0.7), (0.2, 0.2005)):
                if tname in ("quint16", "qint16", "qint32") and mode == "MIN_FIRST" and lo == 0.2:
                    continue
                try:
                    r = tf.quantization.quantize(x, lo, hi, T, mode=mode)
                    q = r.output.numpy().tolist()
                    d = tf.quantization.dequantize(r.output, r.output_min, r.output_max, mode=mode)
                    out.append((tname, mode, lo, q, float(r.output_min), float(r.output_max), d.numpy().tolist()))
                except Exception as e:  # noqa: BLE001 - compared by class
                    out.append((tname, mode, lo, type(e).__name__))
    return out


@case
def quant_quantize_scaled_options(tf: Any) -> Any:
    x = tf.constant(_qx(48, -1.3, 1.4))
    qint8 = getattr(tf, "qint8", "qint8")
    r1 = tf.quantization.quantize(x, -1.0, 1.0, qint8, mode="SCALED", round_mode="HALF_TO_EVEN")
    r2 = tf.quantization.quantize(x, -1.0, 1.0, qint8, mode="SCALED", narrow_range=True)
    d2 = tf.quantization.dequantize(r2.output, r2.output_min, r2.output_max, mode="SCALED", narrow_range=True)
    return r1.output.numpy().tolist(), r2.output.numpy().tolist(), float(r2.output_min), d2.numpy().tolist()


@case
def quant_quantize_half_even_needs_scaled(tf: Any) -> Any:
    return tf.quantization.quantize(tf.constant([0.5]), -1.0, 1.0, getattr(tf, "qint8", "qint8"),
                                    round_mode="HALF_TO_EVEN")


@case
def quant_quantize_per_axis(tf: Any) -> Any:
    import numpy as np

    x = tf.constant(np.linspace(-1.2, 1.3, 24, dtype=np.float32).reshape(4, 3, 2))
    out = []
    for mode in ("MIN_COMBINED", "MIN_FIRST", "SCALED"):
        for tname in ("quint8", "qint8", "qint16"):
            for axis, lo, hi in ((1, [-1.0, 0.0, -0.5], [1.0, 1.0, 0.5]), (-1, [-0.3, 0.2], [0.6, 0.9])):
                try:
                    r = tf.quantization.quantize(x, lo, hi, getattr(tf, tname, tname), mode=mode, axis=axis)
                    d = tf.quantization.dequantize(r.output, r.output_min, r.output_max, mode=mode, axis=axis)
                    out.append((mode, tname, axis, r.output.numpy().tolist(), r.output_min.numpy().tolist(),
                                r.output_max.numpy().tolist(), d.numpy().tolist()))
                except Exception as e:  # noqa: BLE001 - compared by class
                    out.append((mode, tname, axis, type(e).__name__))
    return out


@case
def quant_version(tf: Any) -> Any:
    return tf.version.VERSION, tf.version.GRAPH_DEF_VERSION, int(tf.version.VERSION.split(".")[0]) >= 2


# -- tf.audio -----------------------------------------------------------------------------------------------------

def _wav_audio(tf: Any) -> Any:
    import numpy as np

    rng = np.random.default_rng(3)
    edge = [-1.0, -0.99998, 0.49999, 0.5000153, -3.0517578e-05, -4.5776367e-05, 1.5258789e-05, 1.0, 1.5, -1.5, 0.0]
    vals = np.concatenate([np.float32(edge), rng.uniform(-1.2, 1.2, 49).astype(np.float32)])
    return tf.constant(vals.reshape(30, 2))


@case
def audio_encode_bytes(tf: Any) -> Any:
    a = _wav_audio(tf)
    return (tf.audio.encode_wav(a, 44100).numpy().hex(), tf.audio.encode_wav(a[:, :1], 8000).numpy().hex(),
            tf.audio.encode_wav(tf.zeros([0, 1]), 8000).numpy().hex(),
            tf.audio.encode_wav(a, tf.constant(16000)).numpy().hex())


@case
def audio_encode_nan_is_zero(tf: Any) -> Any:
    return tf.audio.encode_wav(tf.constant([[float("nan")], [0.25]]), 8000).numpy()[44:].hex()


@case
def audio_decode_roundtrip_and_options(tf: Any) -> Any:
    wav = tf.audio.encode_wav(_wav_audio(tf), 22050)
    d = tf.audio.decode_wav(wav)
    return (d.audio, d.sample_rate, tf.audio.decode_wav(wav, desired_channels=1).audio,
            tf.audio.decode_wav(wav, desired_channels=3).audio[:3], tf.audio.decode_wav(wav, desired_samples=3).audio,
            tf.audio.decode_wav(wav, desired_samples=33).audio[-4:])


@case
def audio_decode_mono_to_stereo_in_function(tf: Any) -> Any:
    wav = tf.audio.encode_wav(tf.constant([[0.5], [-0.25], [0.125]]), 8000)
    f = tf.function(lambda w: tf.audio.decode_wav(w, desired_channels=2).audio * 2.0)
    return f(wav), f(tf.audio.encode_wav(tf.constant([[0.75]]), 8000))


@case
def audio_decode_too_short(tf: Any) -> Any:
    return tf.audio.decode_wav(b"RIFFxxxx")


@case
def audio_decode_not_16_bit(tf: Any) -> Any:
    wav = tf.audio.encode_wav(tf.constant([[0.5]]), 8000).numpy()
    bad = wav[:34] + bytes([8, 0]) + wav[36:]
    return tf.audio.decode_wav(bad)


@case
def audio_encode_rank1_error(tf: Any) -> Any:
    return tf.audio.encode_wav(tf.constant([0.1, 0.2]), 8000)


@case
def audio_encode_int_error(tf: Any) -> Any:
    return tf.audio.encode_wav(tf.constant([[1, 2]]), 8000)


@case
def audio_encode_float64_error(tf: Any) -> Any:
    return tf.audio.encode_wav(tf.constant([[0.1]], tf.float64), 8000)


@case
def audio_encode_negative_rate(tf: Any) -> Any:
    return tf.audio.encode_wav(tf.constant([[0.1]]), -5)


# -- tf.train: ExponentialMovingAverage, checkpoint inspection, ClusterSpec, Coordinator -----------------------------

@case
def train_ema_updates_and_names(tf: Any) -> Any:
    w = tf.Variable([1.0, 2.0], name="w")
    ema = tf.train.ExponentialMovingAverage(0.9)
    ema.apply([w])
    first = ema.average(w).numpy()
    w.assign([3.0, 4.0])
    ema.apply([w])
    return (first, ema.average(w).numpy(), ema.average_name(w), ema.name, ema.average(w).name,
            ema.average(w).trainable, ema.average(tf.Variable(1.0)))


@case
def train_ema_num_updates_warmup_float64(tf: Any) -> Any:
    n = tf.Variable(0)
    ema = tf.train.ExponentialMovingAverage(0.99, num_updates=n, name="avg")
    u = tf.Variable(0.0, dtype=tf.float64, name="u")
    out = []
    for value in (10.0, 3.0, -7.5):
        ema.apply([u])
        u.assign(value)
        n.assign_add(1)
        out.append(ema.average(u).numpy())
    return out, ema.average_name(u)


@case
def train_ema_inside_function(tf: Any) -> Any:
    v = tf.Variable([1.0, 2.0])
    ema = tf.train.ExponentialMovingAverage(0.75)

    @tf.function
    def step() -> Any:
        v.assign_add([0.5, -1.0])
        ema.apply([v])
        return ema.average(v).read_value()

    return [step().numpy() for _ in range(3)]


@case
def train_ema_int_variable_error(tf: Any) -> Any:
    return tf.train.ExponentialMovingAverage(0.5).apply([tf.Variable(3)])


@case
def train_ema_tensor_error(tf: Any) -> Any:
    return tf.train.ExponentialMovingAverage(0.5).apply([tf.constant(3.0)])


@case
def train_checkpoint_inspection(tf: Any) -> Any:
    d = tempfile.mkdtemp()
    ckpt = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]), s=tf.Variable(3, dtype=tf.int64))
    paths = [ckpt.save(os.path.join(d, "c")) for _ in range(2)]
    names = [n for n, _ in tf.train.list_variables(d) if n != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    shapes = [s for n, s in tf.train.list_variables(d) if n != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    reader = tf.train.load_checkpoint(paths[0])
    dtypes = {k: v for k, v in reader.get_variable_to_dtype_map().items() if k != "_CHECKPOINTABLE_OBJECT_GRAPH"}
    state = tf.train.get_checkpoint_state(d)
    return (names, shapes, tf.train.load_variable(d, "v/.ATTRIBUTES/VARIABLE_VALUE"),
            reader.get_tensor("save_counter/.ATTRIBUTES/VARIABLE_VALUE"), sorted(dtypes.items()),
            reader.has_tensor("s/.ATTRIBUTES/VARIABLE_VALUE"), reader.has_tensor("nope"),
            os.path.basename(state.model_checkpoint_path), [os.path.basename(p) for p in
                                                             state.all_model_checkpoint_paths],
            [os.path.basename(p) for p in tf.train.checkpoints_iterator(d, timeout=0.05)],
            tf.train.get_checkpoint_state(tempfile.mkdtemp()))


@case
def train_load_variable_missing_key(tf: Any) -> Any:
    d = tempfile.mkdtemp()
    tf.train.Checkpoint(v=tf.Variable(1.0)).save(os.path.join(d, "c"))
    return tf.train.load_variable(d, "nope")


@case
def train_list_variables_missing_file(tf: Any) -> Any:
    return tf.train.list_variables(os.path.join(tempfile.mkdtemp(), "none"))


@case
def train_cluster_spec(tf: Any) -> Any:
    cs = tf.train.ClusterSpec({"worker": ["a:1", "b:2"], "ps": ["c:3"]})
    sparse = tf.train.ClusterSpec({"worker": {1: "x:1", 3: "y:2"}})
    return (cs.jobs, cs.num_tasks("worker"), cs.task_address("worker", 1), cs.as_dict(), cs.task_indices("ps"),
            sparse.as_dict(), sparse.task_indices("worker"), sparse.job_tasks("worker"),
            tf.train.ClusterSpec(cs) == cs, bool(tf.train.ClusterSpec({})))


@case
def train_cluster_spec_unknown_job(tf: Any) -> Any:
    return tf.train.ClusterSpec({"worker": ["a:1"]}).num_tasks("chief")


@case
def train_coordinator(tf: Any) -> Any:
    import threading

    coord = tf.train.Coordinator()
    out = [coord.should_stop()]

    def worker() -> None:
        with coord.stop_on_exception():
            raise ValueError("boom")

    t = threading.Thread(target=worker)
    t.start()
    try:
        coord.join([t])
    except ValueError as e:
        out.append(("raised", str(e)))
    out.append((coord.should_stop(), coord.joined))
    coord.clear_stop()
    out.append(coord.should_stop())
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "done"))
    coord.join([])
    out.append(coord.should_stop())
    return out


# -- tf.test: compute_gradient, TestCase ------------------------------------------------------------------------------

@case
def test_compute_gradient_real_and_float64(tf: Any) -> Any:
    a = tf.test.compute_gradient(lambda x, y: x * y + tf.sin(x), [tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])
    b = tf.test.compute_gradient(lambda m: tf.matmul(m, m), [tf.constant([[1.0, 2.0], [3.0, 4.0]], tf.float64)])
    c = tf.test.compute_gradient(lambda x: x ** 3, [tf.constant(2.0)], delta=0.5)
    d = tf.test.compute_gradient(lambda x: tf.reduce_sum(x, axis=0), [tf.ones([3, 2])])
    return a, b, c, d


@case
def test_compute_gradient_complex(tf: Any) -> Any:
    z = tf.constant([1.0 + 2.0j, -0.5 + 0.25j], tf.complex128)
    a = tf.test.compute_gradient(lambda v: v * v, [z])
    b = tf.test.compute_gradient(lambda v: tf.abs(v), [z[:1]])  # (one element: TF's zero-cotangent terms are +0)
    c = tf.test.compute_gradient(lambda x: tf.complex(x, 2.0 * x), [tf.constant([1.0, 3.0], tf.float64)])
    return a, b, c


@case
def test_compute_gradient_unconnected_and_errors(tf: Any) -> Any:
    out = [tf.test.compute_gradient(lambda x, y: x * 2.0, [tf.constant([1.0]), tf.constant([5.0, 6.0])])]
    try:
        tf.test.compute_gradient(lambda x: x, tf.constant([1.0]))
    except Exception as e:  # noqa: BLE001  (compared by class)
        out.append(type(e).__name__)
    return out


@case
def test_testcase_assertions_and_seeds(tf: Any) -> Any:
    import random
    import unittest

    seen = {}

    class Probe(tf.test.TestCase):
        def test_seeds(self) -> None:
            seen["seeds"] = (random.random(), float(np.random.rand()), tf.random.uniform([2]).numpy().tolist())

        def test_nested_close(self) -> None:
            self.assertAllClose({"a": [1.0, 2.0], "b": (tf.constant(3.0),)},
                                {"a": np.array([1.0, 2.0000001]), "b": (3.0,)})
            self.assertAllEqual(tf.constant([[1, 2]]), [[1, 2]])
            self.assertAllInRange(tf.constant([0.0, 1.0]), 0.0, 1.0)
            self.assertAllInSet(tf.constant([1, 2, 1]), {1, 2})
            self.assertAllGreater(tf.constant([2, 3]), 1)
            self.assertAllCloseAccordingToType(tf.constant([1.0], tf.float16), [1.0005])
            self.assertShapeEqual(np.zeros([2, 3]), tf.zeros([2, 3]))
            self.assertDTypeEqual(np.int64(1), np.int64)
            self.assertEqual(self.evaluate({"x": tf.constant([1, 2])})["x"].tolist(), [1, 2])
            with self.cached_session() as sess:
                self.assertEqual(sess.run(tf.constant(5)), 5)
            with self.assertRaisesOpError("shapes"):
                tf.constant([1, 2]) + tf.constant([1, 2, 3])

        def test_shape_mismatch_fails(self) -> None:
            self.assertAllClose([1.0, 2.0], [[1.0, 2.0]])

        def test_values_differ_fails(self) -> None:
            self.assertAllEqual(tf.constant([1, 2]), [1, 3])

        def test_not_all_close(self) -> None:
            self.assertNotAllClose([1.0], [1.1])

        def test_in_range_open_fails(self) -> None:
            self.assertAllInRange([0.0], 0.0, 1.0, open_lower_bound=True)

    result = unittest.TextTestRunner(stream=open(os.devnull, "w"), verbosity=0).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Probe))
    failed = sorted(t.id().rsplit(".", 1)[-1] for t, _ in result.failures)
    errors = sorted(t.id().rsplit(".", 1)[-1] for t, _ in result.errors)
    return failed, errors, seen["seeds"]


# -- TF 2's initializers and small top-level names --------------------------------------------------------------------

@case
def init_ops_values_dtypes_configs(tf: Any) -> Any:
    return (tf.zeros_initializer()([2, 1], tf.int32), tf.ones_initializer()([2]),
            tf.constant_initializer(2)([2]), tf.constant_initializer([1.0, 2.0, 3.0, 4.0])([2, 2], tf.float64),
            tf.random_normal_initializer(0.5, 2.0, seed=3)([3]),
            tf.random_uniform_initializer(-1.0, 1.0, seed=7)([2, 2]),
            tf.random_uniform_initializer(0, 10, seed=1)([4], tf.int32),
            tf.random_normal_initializer(seed=3)([2], tf.float64),
            tf.constant_initializer(1.5).get_config(), tf.random_normal_initializer(seed=1).get_config(),
            tf.random_uniform_initializer.from_config({"minval": 0.0, "maxval": 2.0, "seed": 4})([2]))


@case
def init_ops_global_seed(tf: Any) -> Any:
    tf.random.set_seed(5)
    out = (tf.random_normal_initializer()([3]), tf.random_uniform_initializer()([2]))
    tf.random.set_seed(None)
    return out


@case
def init_ops_int_normal_error(tf: Any) -> Any:
    return tf.random_normal_initializer(seed=1)([2], tf.int32)


@case
def init_ops_constant_wrong_size(tf: Any) -> Any:
    return tf.constant_initializer([1.0, 2.0, 3.0])([2, 2])


@case
def top_level_small_names(tf: Any) -> Any:
    with tf.name_scope("outer"):
        with tf.name_scope("inner"):
            scope = tf.get_current_name_scope()
    return (scope, tf.get_current_name_scope(), tf.is_symbolic_tensor(tf.constant(1.0)),
            tf.AggregationMethod.ADD_N, tf.AggregationMethod.DEFAULT, tf.AggregationMethod.EXPERIMENTAL_TREE,
            tf.type_spec_from_value(tf.constant([[1.0]])), tf.type_spec_from_value(tf.ragged.constant([[1], [2, 3]])),
            tf.type_spec_from_value(tf.data.Dataset.range(2)), tf.type_spec_from_value(3.0),
            tf.losses.MeanSquaredError()([1.0, 2.0], [1.5, 2.0]), type(tf.optimizers.Adam()).__name__,
            type(tf.initializers.GlorotUniform()).__name__, type(tf.metrics.Mean()).__name__)


@case
def runtime_switches(tf: Any) -> Any:
    c = tf.config.experimental
    out = [c.tensor_float_32_execution_enabled(), c.get_device_policy(), c.get_synchronous_execution(),
           tf.config.optimizer.get_jit(), tf.debugging.get_log_device_placement()]
    c.enable_tensor_float_32_execution(False)
    c.set_device_policy("explicit")
    tf.config.optimizer.set_jit(True)
    tf.config.optimizer.set_experimental_options({"constant_folding": False})
    out += [c.tensor_float_32_execution_enabled(), c.get_device_policy(), tf.config.optimizer.get_jit(),
            tf.config.optimizer.get_experimental_options(),
            c.get_device_details(tf.config.list_physical_devices("CPU")[0])]
    c.enable_tensor_float_32_execution(True)
    c.set_device_policy(None)
    tf.config.optimizer.set_jit(False)
    out += [c.get_device_policy(), tf.config.optimizer.get_jit()]
    out += [tf.debugging.is_numeric_tensor(tf.constant(1)), tf.debugging.is_numeric_tensor(tf.constant(True)),
            tf.debugging.is_numeric_tensor(tf.constant("a")), tf.debugging.is_numeric_tensor(1.0),
            tf.debugging.assert_same_float_dtype([tf.constant(1.0, tf.float64)]),
            tf.debugging.assert_same_float_dtype(), [f.name for f in tf.autograph.experimental.Feature]]
    for bad in (lambda: c.set_device_policy("nope"),
                lambda: tf.debugging.assert_same_float_dtype([tf.constant(1.0), tf.constant(1.0, tf.float16)]),
                lambda: tf.debugging.assert_same_float_dtype([tf.constant(1)])):
        try:
            bad()
        except Exception as e:  # noqa: BLE001  (compared by class)
            out.append(type(e).__name__)
    return out


# -- tf.io: SparseFeature, matching_files, decode_compressed, sparse serialisation ------------------------------------

def _sparse_example(tf: Any, idx: list[int], val: list[float], lab: int) -> bytes:
    feature = {
        "ix": tf.train.Feature(int64_list=tf.train.Int64List(value=idx)),
        "iy": tf.train.Feature(int64_list=tf.train.Int64List(value=[i + 1 for i in idx])),
        "val": tf.train.Feature(float_list=tf.train.FloatList(value=val)),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[lab]))}
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


@case
def io_sparse_feature(tf: Any) -> Any:
    data = [_sparse_example(tf, [3, 1], [0.5, 1.5], 1), _sparse_example(tf, [0], [2.0], 0),
            _sparse_example(tf, [], [], 2)]
    a = tf.io.parse_example(data, {"sp": tf.io.SparseFeature("ix", "val", tf.float32, 5),
                                   "label": tf.io.FixedLenFeature([], tf.int64), "z": tf.io.VarLenFeature(tf.int64),
                                   "r": tf.io.RaggedFeature(tf.int64, value_key="iy")})
    b = tf.io.parse_example(data, {"sp": tf.io.SparseFeature(["ix", "iy"], "val", tf.float32, [5, 6],
                                                             already_sorted=True)})
    c = tf.io.parse_single_example(data[0], {"sp": tf.io.SparseFeature("ix", "val", tf.float32, 5)})
    return list(a), a["sp"], b["sp"], c["sp"], tf.io.SparseFeature("ix", "val", tf.float32, 5)


@case
def io_sparse_feature_length_mismatch(tf: Any) -> Any:
    bad = tf.train.Example(features=tf.train.Features(feature={
        "ix": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, 2])),
        "val": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0]))})).SerializeToString()
    return tf.io.parse_example([bad], {"sp": tf.io.SparseFeature("ix", "val", tf.float32, 5)})


@case
def io_matching_files_and_decode_compressed(tf: Any) -> Any:
    import gzip
    import zlib

    d = tempfile.mkdtemp()
    for n in ("b.txt", "a.txt", "c.csv"):
        with open(os.path.join(d, n), "w") as f:
            f.write("x")
    found = tf.io.matching_files([os.path.join(d, "*.txt"), os.path.join(d, "*.csv")])
    none = tf.io.matching_files(os.path.join(d, "*.png"))
    return ([os.path.basename(p) for p in found.numpy().tolist()], none.shape, none.dtype,
            tf.io.decode_compressed([zlib.compress(b"hello"), zlib.compress(b"")], "ZLIB"),
            tf.io.decode_compressed(gzip.compress(b"x"), "GZIP"), tf.io.decode_compressed(tf.constant([[b"raw"]])))


@case
def io_decode_compressed_bad_data(tf: Any) -> Any:
    return tf.io.decode_compressed([b"not zlib"], "ZLIB")


@case
def io_serialize_sparse_round_trip(tf: Any) -> Any:
    st = tf.sparse.SparseTensor([[0, 1], [2, 0], [2, 3]], [1.0, 2.0, 3.0], [3, 4])
    one = tf.io.serialize_sparse(st)
    many = tf.io.serialize_many_sparse(st)
    back = tf.io.deserialize_many_sparse(many, tf.float32)
    ragged_rows = tf.stack([tf.io.serialize_sparse(tf.sparse.SparseTensor([[1]], [7], [2])),
                            tf.io.serialize_sparse(tf.sparse.SparseTensor([[4], [0]], [8, 9], [5]))])
    merged = tf.io.deserialize_many_sparse(ragged_rows, tf.int32)
    return (one.shape, one.numpy().tolist(), many.shape, many.numpy().tolist(), back, merged,
            tf.io.parse_tensor(one[1], tf.float32))


@case
def make_tensor_proto_layouts(tf: Any) -> Any:
    out = []
    for v in (1.0, [1.0, 2.0], np.arange(3, dtype=np.int64), ["a", "bc"], True, np.float16(1.5),
              np.array([1 + 2j], np.complex64), np.array([[1, 2]], np.uint8), np.array([7], np.int32)):
        p = tf.make_tensor_proto(v)
        out.append((p.SerializeToString().hex(), tf.make_ndarray(p).tolist()))
    p = tf.make_tensor_proto([1, 2], dtype=tf.float32, shape=[2, 1])
    q = tf.make_tensor_proto(3.0, shape=[2, 2])
    return out, str(p), tf.make_ndarray(p), q.SerializeToString().hex(), tf.make_ndarray(q)


@case
def make_tensor_proto_too_many(tf: Any) -> Any:
    return tf.make_tensor_proto([1, 2, 3], shape=[2])


@case
def make_tensor_proto_verify_shape(tf: Any) -> Any:
    return tf.make_tensor_proto([1, 2], shape=[1, 2], verify_shape=True)


@case
def critical_section_runs_and_refuses_nesting(tf: Any) -> Any:
    cs = tf.CriticalSection()
    v = tf.Variable(0)
    out = [int(cs.execute(lambda: v.assign_add(1))), int(cs.execute(lambda: v.assign_add(2)))]
    try:
        cs.execute(lambda: cs.execute(lambda: 1))
    except Exception as e:  # noqa: BLE001  (compared by class)
        out.append(type(e).__name__)
    return out


@case
def extract_volume_patches_values_and_gradient(tf: Any) -> Any:
    x = np.random.default_rng(0).normal(size=(1, 3, 4, 3, 2)).astype(np.float32)
    v = tf.Variable(x)
    with tf.GradientTape() as t:
        p = tf.extract_volume_patches(v, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME")
        y = tf.reduce_sum(p * tf.cast(tf.reshape(tf.range(tf.size(p)), p.shape), tf.float32))
    grad = t.gradient(y, v).numpy().ravel()
    return (p.shape, np.round(p.numpy().ravel()[:12], 4).tolist(), np.round(grad, 2).tolist(),
            tf.extract_volume_patches(x, [1, 3, 2, 3, 1], [1, 1, 1, 1, 1], "VALID").shape)


@case
def extract_volume_patches_batch_window(tf: Any) -> Any:
    return tf.extract_volume_patches(tf.ones([2, 3, 3, 3, 1]), [2, 1, 1, 1, 1], [1, 1, 1, 1, 1], "VALID")


@case
def type_specs_of_the_remaining_values(tf: Any) -> Any:
    ta = tf.TensorArraySpec([2], tf.float32)
    ind = tf.IndexedSlicesSpec([2, 3], tf.float32)
    return (ta, ta.is_compatible_with(tf.TensorArraySpec([None])), ta == tf.TensorArraySpec([2]),
            ta.is_compatible_with(tf.TensorArraySpec([2], tf.int32)),
            tf.TensorArraySpec.from_value(tf.TensorArray(tf.int32, size=2, element_shape=[3])),
            tf.type_spec_from_value(tf.TensorArray(tf.float32, size=3)), ind,
            ind.is_compatible_with(tf.IndexedSlicesSpec([None, 3])),
            tf.type_spec_from_value(tf.IndexedSlices(tf.ones([1, 3]), tf.constant([0]), tf.constant([4, 3]))),
            tf.NoneTensorSpec(), tf.NoneTensorSpec() == tf.NoneTensorSpec(),
            [isinstance(s, tf.TypeSpec) for s in (tf.TensorSpec([1]), tf.RaggedTensorSpec([None, None]),
                                                  tf.SparseTensorSpec([2], tf.float32), ta, ind)])


@case
def type_spec_is_abstract(tf: Any) -> Any:
    return tf.TypeSpec()


if __name__ == "__main__":
    _main(CASES)
