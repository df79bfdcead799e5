"""String-dtype and RaggedTensor programs, run unchanged under TensorFlow and under tapegrad.

``python strings_ragged_programs.py MODULE OUT`` imports MODULE (``tensorflow`` or ``tapegrad``) as ``tf``, runs every
case and writes ``{case: ["val", repr text] | ["exc", exception class name]}`` as JSON to OUT. The test
``test_strings_ragged_vs_tf.py`` compares the two runs: the repr texts must be equal once the library prefix
(``tf.``/``tapegrad.``) is neutral (numbers within rtol 1e-5), exceptions by class.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _dense(tf: Any, g: Any) -> Any:
    return None if g is None else tf.convert_to_tensor(g)


# -- the string dtype --------------------------------------------------------------------------------------------

@case
def str_scalar_repr(tf: Any) -> Any:
    return tf.constant("a"), str(tf.constant("a")), tf.constant("a").numpy()


@case
def str_vector_repr(tf: Any) -> Any:
    s = tf.constant(["ab", b"c"])
    return s, str(s), s.numpy(), s.shape, s.dtype, s.dtype == tf.string, str(s.dtype)


@case
def str_matrix_repr(tf: Any) -> Any:
    s = tf.constant([["a", "b"], ["c", "d"]])
    return s, str(s)


@case
def str_unicode_utf8(tf: Any) -> Any:
    return tf.constant("héllo"), tf.constant(np.array(["x", "yy"])), tf.constant(np.array([b"x", b"yy"]))


@case
def str_empty(tf: Any) -> Any:
    return tf.constant([], dtype=tf.string)


@case
def str_device(tf: Any) -> Any:
    return tf.constant("a").device


@case
def str_from_int_raises(tf: Any) -> Any:
    return tf.constant(1, dtype=tf.string)


@case
def str_mixed_raises(tf: Any) -> Any:
    return tf.constant(["a", 1])


@case
def str_to_float_dtype_raises(tf: Any) -> Any:
    return tf.convert_to_tensor("x", dtype=tf.float32)


@case
def str_dtype_facts(tf: Any) -> Any:
    d = tf.string
    return (d.name, d.size, d.is_floating, d.is_integer, d.is_bool, d.is_complex, d.is_quantized,
            tf.as_dtype("string") == d, tf.as_dtype(np.object_) == d, tf.as_dtype(np.bytes_) == d, tf.dtypes.string)


@case
def str_dtype_min_raises(tf: Any) -> Any:
    return tf.string.min


@case
def str_add(tf: Any) -> Any:
    return tf.constant("a") + tf.constant("b"), tf.constant("a") + "b", "x" + tf.constant(["a", "b"])


@case
def str_mul_raises(tf: Any) -> Any:
    return tf.constant("a") * 2


@case
def str_equal(tf: Any) -> Any:
    s = tf.constant(["a", "b"])
    return s == "a", s != "a", tf.equal(s, tf.constant(["a", "c"])), tf.not_equal(s, "a")


@case
def str_equal_int_raises(tf: Any) -> Any:
    return tf.constant(["a", "b"]) == 1


@case
def str_reduce_sum_raises(tf: Any) -> Any:
    return tf.reduce_sum(tf.constant(["a"]))


@case
def str_exp_raises(tf: Any) -> Any:
    return tf.exp(tf.constant("a"))


@case
def str_neg_raises(tf: Any) -> Any:
    return -tf.constant("a")


@case
def str_cast_raises(tf: Any) -> Any:
    return tf.cast(tf.constant("1"), tf.float32)


@case
def str_cast_to_string_raises(tf: Any) -> Any:
    return tf.cast(tf.constant(1), tf.string)


@case
def str_ones_like_raises(tf: Any) -> Any:
    return tf.ones_like(tf.constant(["a"]))


@case
def str_div_raises(tf: Any) -> Any:
    return tf.constant(["a"]) / tf.constant(["b"])


@case
def str_add_n_raises(tf: Any) -> Any:
    return tf.add_n([tf.constant(["a"]), tf.constant(["b"])])


@case
def str_ones_raises(tf: Any) -> Any:
    return tf.ones([2], tf.string)


@case
def str_where_condition_raises(tf: Any) -> Any:
    return tf.where(tf.constant(["a", ""]))


@case
def str_variable_assign_add_raises(tf: Any) -> Any:
    return tf.Variable("a").assign_add("b")


@case
def str_check_numerics_raises(tf: Any) -> Any:
    return tf.debugging.check_numerics(tf.constant(["a"]), "x")


@case
def str_real_raises(tf: Any) -> Any:
    return tf.math.real(tf.constant(["a"]))


@case
def str_pad_and_more_structure(tf: Any) -> Any:
    s = tf.constant(["b", "a"])
    return (tf.pad(s, [[1, 0]]), tf.pad(tf.reshape(s, [1, 2]), [[1, 0], [0, 1]], constant_values="z"),
            tf.reverse(s, [0]), tf.repeat(s, 2), tf.split(s, 2),
            tf.tensor_scatter_nd_update(s, [[0]], tf.constant(["x"])),
            tf.gather_nd(s, [[1]]), tf.ensure_shape(s, [2]), tf.broadcast_to(tf.constant("a"), [3]))


@case
def str_structural_ops(tf: Any) -> Any:
    s = tf.constant(["a", "b"])
    return (tf.concat([s, s], 0), tf.stack([tf.constant("a"), tf.constant("b")]), tf.reshape(s, [2, 1]),
            tf.gather(s, [1, 0, 1]), tf.where([True, False], s, tf.constant(["c", "d"])), tf.tile(s, [2]),
            tf.expand_dims(s, 0), tf.transpose(tf.constant([["a", "b"]])), tf.boolean_mask(s, [True, False]),
            tf.identity(s), tf.zeros_like(s), tf.zeros([2], tf.string), tf.fill([2], "x"), tf.size(s), tf.shape(s))


@case
def str_indexing(tf: Any) -> Any:
    s = tf.constant(["a", "b", "c"])
    return s[1], s[1:], list(s), len(s), bool(tf.constant("a")), f"{tf.constant('ab')}", np.asarray(s)


@case
def str_variable(tf: Any) -> Any:
    v = tf.Variable("a")
    return v, v.assign("bb"), v.dtype


@case
def str_gradient_none(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = tf.strings.to_number(tf.strings.as_string(x))
    return y, t.gradient(y, x)


# -- tf.strings ----------------------------------------------------------------------------------------------------

@case
def strings_as_string(tf: Any) -> Any:
    return (tf.as_string([1.5, 2.0]), tf.strings.as_string(tf.constant([1, -2])),
            tf.strings.as_string([1.23456], precision=2), tf.strings.as_string([True, False]),
            tf.strings.as_string(tf.constant([0.1, 1 / 3], tf.float64)),
            tf.strings.as_string([3, 42], width=5, fill="0"),
            tf.strings.as_string([1234.5], scientific=True), tf.strings.as_string(["a"]))


@case
def strings_length(tf: Any) -> Any:
    return (tf.strings.length(["héllo", "ab"]), tf.strings.length(["héllo", "ab"], unit="UTF8_CHAR"),
            tf.strings.length("abc"))


@case
def strings_length_bad_unit(tf: Any) -> Any:
    return tf.strings.length(["a"], unit="X")


@case
def strings_join(tf: Any) -> Any:
    return (tf.strings.join(["a", "b"], separator="-"), tf.strings.join([["a", "b"], ["c", "d"]], separator="-"),
            tf.strings.join([["a", "b"], "x"]))


@case
def strings_join_bad_shapes(tf: Any) -> Any:
    return tf.strings.join([["a", "b"], ["x", "y", "z"]])


@case
def strings_reduce_join(tf: Any) -> Any:
    m = [["a", "b"], ["c", "d"]]
    return (tf.strings.reduce_join(m), tf.strings.reduce_join(m, axis=1, separator=","),
            tf.strings.reduce_join(m, axis=0, keepdims=True), tf.strings.reduce_join(m, axis=-1),
            tf.strings.reduce_join(tf.constant([], tf.string)))


@case
def strings_case_strip(tf: Any) -> Any:
    return (tf.strings.lower(["AbC", "ÉX"]), tf.strings.lower(["AbC", "ÉX"], encoding="utf-8"),
            tf.strings.upper(["AbC"]), tf.strings.strip(["  a b \n", "\tc"]))


@case
def strings_substr(tf: Any) -> Any:
    return (tf.strings.substr(["hello", "abc"], 1, 3), tf.strings.substr(["hello", "abc"], -2, 2),
            tf.strings.substr(["hello", "abc"], [0, 1], [2, 1]), tf.strings.substr(["héllo"], 1, 2, unit="UTF8_CHAR"))


@case
def strings_substr_out_of_range(tf: Any) -> Any:
    return tf.strings.substr(["hello", "abc"], 4, 2)


@case
def strings_regex(tf: Any) -> Any:
    return (tf.strings.regex_full_match(["abc", "ab1"], "[a-z]+"), tf.strings.regex_full_match("abc", "a.c"),
            tf.strings.regex_replace(["a1b22", "x"], r"\d+", "#"),
            tf.strings.regex_replace(["a1b22"], r"\d", "#", replace_global=False),
            tf.strings.regex_replace(["ab"], r"(a)(b)", r"\2\1"))


@case
def strings_regex_bad_pattern(tf: Any) -> Any:
    return tf.strings.regex_full_match(["ab"], "(")


@case
def strings_to_number(tf: Any) -> Any:
    return (tf.strings.to_number(["1.5", "2"]), tf.strings.to_number(["1", "-2"], out_type=tf.int32),
            tf.strings.to_number(["1", "-2"], out_type=tf.int64), tf.strings.to_number(["0.1"], out_type=tf.float64),
            tf.strings.to_number([" 1.5 "]), tf.strings.to_number(["inf", "-inf", "1e3"]))


@case
def strings_to_number_bad(tf: Any) -> Any:
    return tf.strings.to_number(["abc"])


@case
def strings_to_number_int_bad(tf: Any) -> Any:
    return tf.strings.to_number(["1.5"], out_type=tf.int32)


@case
def strings_format(tf: Any) -> Any:
    return (tf.strings.format("x={} y={}", (tf.constant(1.5), tf.constant([1, 2]))),
            tf.strings.format("s={}", tf.constant("hi")), tf.strings.format("s={}", tf.constant(["hi", "x"])),
            tf.strings.format("{}", tf.range(10)), tf.strings.format("{}", tf.range(10), summarize=2),
            tf.strings.format("{}", tf.reshape(tf.range(6), [2, 3])),
            tf.strings.format("{}", tf.constant([1.5, 2.25, 1 / 3])))


@case
def strings_format_count_mismatch(tf: Any) -> Any:
    return tf.strings.format("{} {}", tf.constant(1))


@case
def strings_hash_bucket_fast(tf: Any) -> Any:
    words = ["a", "b", "hello", "", "a somewhat longer string of text", "x" * 40, "y" * 65, "z" * 200]
    return tf.strings.to_hash_bucket_fast(words, 1000003), tf.strings.to_hash_bucket_fast("a", 3).dtype


@case
def strings_hash_buckets_strong_and_legacy(tf: Any) -> Any:
    words = ["a", "b", "hello", "", "x" * 40, "y" * 17]
    return (tf.strings.to_hash_bucket_strong(words, 1000003, key=[1, 2]),
            tf.strings.to_hash_bucket_strong(["a", "b"], 10, key=[123456789, 987654321]),
            tf.strings.to_hash_bucket(words, 1000003))


@case
def strings_ngrams(tf: Any) -> Any:
    abc = tf.constant(["a", "b", "c"])
    rt = tf.ragged.constant([["a", "b", "c"], ["d"]])
    return (tf.strings.ngrams(abc, 2), tf.strings.ngrams(rt, 2), tf.strings.ngrams(abc, 2, separator="_"),
            tf.strings.ngrams(abc, (1, 2)), tf.strings.ngrams(abc, 2, pad_values=("<s>", "</s>")),
            tf.strings.ngrams(abc, 3, pad_values="#", padding_width=1),
            tf.strings.ngrams(rt, 3, preserve_short_sequences=True),
            tf.strings.ngrams(tf.constant([["a", "b", "c"], ["d", "e", "f"]]), 2))


@case
def strings_ngrams_width_zero_raises(tf: Any) -> Any:
    return tf.strings.ngrams(tf.constant(["a", "b"]), 0)


@case
def strings_split(tf: Any) -> Any:
    return (tf.strings.split(["a b  c", "d"]), tf.strings.split(["a,b,,c", "d"], sep=","), tf.strings.split("a b c"),
            tf.strings.split(["a b c d"], maxsplit=1), tf.strings.split(["a,b,c"], sep=",", maxsplit=1),
            tf.strings.split([["a b", "c"], ["d", "e f g"]]))


@case
def strings_bytes_unicode(tf: Any) -> Any:
    return (tf.strings.bytes_split(["ab", "c"]), tf.strings.bytes_split("abc"),
            tf.strings.unicode_split(["hé", "c"], "UTF-8"), tf.strings.unicode_split("hé", "UTF-8"),
            tf.strings.unicode_decode(["hé", "c"], "UTF-8"), tf.strings.unicode_decode("hé", "UTF-8"),
            tf.strings.unicode_encode([104, 233], "UTF-8"),
            tf.strings.unicode_encode(tf.ragged.constant([[104, 233], [99]]), "UTF-8"))


@case
def io_base64(tf: Any) -> Any:
    e = tf.io.encode_base64(["hello", "a?>"])
    return e, tf.io.decode_base64(e), tf.io.encode_base64(["hello"], pad=True)


# -- strings through functions, py_function, datasets -------------------------------------------------------------

@case
def str_identity_n(tf: Any) -> Any:
    return tf.identity_n([tf.constant(1.0), tf.constant([1, 2]), tf.constant("s")])


@case
def str_py_function(tf: Any) -> Any:
    a = tf.py_function(lambda a: tf.strings.upper(a), [tf.constant("ab")], Tout=tf.string)
    b = tf.py_function(lambda a: tf.constant(a.dtype.name), [tf.constant([1.0])], Tout=tf.string)
    return a, b


@case
def str_numpy_function(tf: Any) -> Any:
    return tf.numpy_function(lambda a: (type(a).__name__, str(a)), [tf.constant("ab")], Tout=[tf.string, tf.string])


@case
def str_function(tf: Any) -> Any:
    @tf.function
    def f(s: Any) -> Any:
        return tf.strings.join([s, s]), tf.strings.length(s), s + "!", "plain", tf.constant("const")

    return f(tf.constant("ab")), f(tf.constant("cd e")), f("py")


@case
def str_function_split_numbers(tf: Any) -> Any:
    @tf.function
    def f(v: Any) -> Any:
        return tf.strings.to_number(tf.strings.split(v, ",")) * 2.0

    return f(tf.constant("1,2,3")), f(tf.constant("4,5"))


@case
def str_jit_compile_refused(tf: Any) -> Any:
    @tf.function(jit_compile=True)
    def f(s: Any) -> Any:
        return tf.strings.length(s)

    return f(tf.constant("ab"))


@case
def str_jit_as_string_refused(tf: Any) -> Any:
    @tf.function(jit_compile=True)
    def f(x: Any) -> Any:
        return tf.strings.as_string(x)

    return f(tf.constant(1.0))


@case
def str_dataset(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices(["a", "bb"])
    batched = tf.data.Dataset.from_tensor_slices((["a", "bb", "c"], [1, 2, 3])).batch(2)
    return (list(ds), list(ds.as_numpy_iterator()), ds.element_spec,
            list(ds.map(tf.strings.length).as_numpy_iterator()), list(batched.as_numpy_iterator()))


# -- RaggedTensor --------------------------------------------------------------------------------------------------

@case
def ragged_repr(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    return (rt, str(rt), tf.ragged.constant([[1.5, 2.0], [], [3.0]]), tf.ragged.constant([[[1, 2], [3]], [[4]]]),
            tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1), tf.ragged.constant([["a", "b"], ["c"]]),
            tf.ragged.constant([[], []]), tf.RaggedTensor.from_tensor([[1, 2, 0], [3, 0, 0]]))


@case
def ragged_structure(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    nested = tf.ragged.constant([[[1, 2], [3]], [[4]]])
    return (rt.dtype, rt.shape, rt.ragged_rank, rt.values, rt.row_splits, rt.row_lengths(), rt.nrows(),
            rt.value_rowids(), nested.flat_values, nested.nested_row_splits, nested.shape, nested.ragged_rank,
            rt.bounding_shape(), rt.row_starts(), rt.row_limits(), rt.uniform_row_length,
            tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1).shape, tf.ragged.constant([[], []]).dtype,
            tf.ragged.constant([[1]], row_splits_dtype=tf.int32).row_splits)


@case
def ragged_conversions(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    return (rt.to_tensor(), rt.to_tensor(default_value=-1), rt.to_tensor(shape=[3, 3]), rt.to_list(), rt.numpy(),
            tf.ragged.constant([["a"], ["b", "c"]]).to_list(), tf.ragged.constant([["a"], ["b", "c"]]).to_tensor())


@case
def ragged_indexing(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    return rt[0], rt[1], rt[-1], rt[1:], rt[0, 1], rt[::2], [r for r in rt]


@case
def ragged_index_out_of_bounds(tf: Any) -> Any:
    return tf.ragged.constant([[1, 2], [3]])[5]


@case
def ragged_index_inner_raises(tf: Any) -> Any:
    return tf.ragged.constant([[1, 2], [3]])[:, 0]


@case
def ragged_len_raises(tf: Any) -> Any:
    return len(tf.ragged.constant([[1, 2], [3]]))


@case
def ragged_factories(tf: Any) -> Any:
    R = tf.RaggedTensor
    return (R.from_row_splits([1, 2, 3, 4], [0, 3, 3, 4]), R.from_row_lengths([1, 2, 3, 4], [2, 0, 2]),
            R.from_value_rowids([1, 2, 3, 4], [0, 0, 2, 2]), R.from_value_rowids([1, 2, 3, 4], [0, 0, 2, 2], nrows=5),
            R.from_tensor([[1, 2, 0], [3, 0, 0], [0, 0, 0]], padding=0), R.from_tensor([[1, 2, 0], [3, 0, 0]],
                                                                                       lengths=[1, 2]),
            R.from_tensor([[[1, 2], [0, 0]], [[3, 0], [0, 0]]], padding=[0, 0]),
            R.from_nested_row_splits([1, 2, 3, 4], [[0, 2, 3], [0, 2, 3, 4]]))


@case
def ragged_from_row_splits_bad_end(tf: Any) -> Any:
    return tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [0, 3, 5])


@case
def ragged_from_row_splits_bad_start(tf: Any) -> Any:
    return tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [1, 3, 4])


@case
def ragged_from_row_splits_decreasing(tf: Any) -> Any:
    return tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [0, 3, 2, 4])


@case
def ragged_from_row_lengths_bad(tf: Any) -> Any:
    return tf.RaggedTensor.from_row_lengths([1, 2, 3, 4], [2, 0, 1])


@case
def ragged_from_value_rowids_bad(tf: Any) -> Any:
    return tf.RaggedTensor.from_value_rowids([1, 2, 3, 4], [0, 2, 1, 2])


@case
def ragged_from_tensor_rank1_raises(tf: Any) -> Any:
    return tf.RaggedTensor.from_tensor([1, 2])


@case
def ragged_constant_mixed_depth_raises(tf: Any) -> Any:
    return tf.ragged.constant([[1, [2]], [3]])


@case
def ragged_elementwise(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    f = tf.ragged.constant([[0.0], [1.0, 2.0]])
    return (rt + 1, 10 - rt, rt * rt, -rt, tf.add(rt, rt), tf.math.square(rt), tf.cast(rt, tf.float32),
            rt == 1, tf.equal(rt, 1), rt > 1, tf.ragged.map_flat_values(tf.math.square, rt),
            tf.ragged.map_flat_values(tf.add, rt, rt), tf.ones_like(rt), tf.zeros_like(rt), tf.abs(f - 1.0), f * 2.0)


@case
def ragged_add_mismatched_raises(tf: Any) -> Any:
    return tf.ragged.constant([[1, 2], [3]]) + tf.ragged.constant([[1], [2, 3]])


@case
def ragged_reductions(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    f = tf.ragged.constant([[1.0, 2.0], [3.0], []])
    n3 = tf.ragged.constant([[[1, 2], [3]], [[4]]])
    return (tf.reduce_sum(rt, axis=1), tf.reduce_sum(rt, axis=0), tf.reduce_sum(rt), tf.reduce_sum(rt, axis=-1),
            tf.reduce_mean(f, axis=1), tf.reduce_mean(tf.ragged.constant([[1.0, 2.0], [3.0]]), axis=0),
            tf.reduce_mean(tf.ragged.constant([[1.0, 2.0], [3.0]])), tf.reduce_max(f, axis=1),
            tf.reduce_min(f, axis=1), tf.reduce_prod(f, axis=1), tf.reduce_sum(rt, axis=1, keepdims=True),
            tf.reduce_sum(n3, axis=1), tf.reduce_sum(n3, axis=2),
            tf.reduce_sum(tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1), axis=2))


@case
def ragged_empty_rows_nested(tf: Any) -> Any:
    n = tf.ragged.constant([[[1, 2], [3]], [], [[4]]])
    f = tf.cast(n, tf.float32)
    return (n, n.shape, tf.reduce_sum(n, axis=1), tf.reduce_max(f, axis=1), tf.reduce_mean(f, axis=2),
            tf.ragged.constant([[], [[1]]]), n.to_tensor())


@case
def ragged_spec(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    s = tf.RaggedTensorSpec(shape=[2, None], dtype=tf.float32)
    return (tf.RaggedTensorSpec(shape=[None], dtype=tf.int32), s, tf.RaggedTensorSpec.from_value(rt),
            (s.shape, s.dtype, s.ragged_rank, s.row_splits_dtype),
            tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32).is_compatible_with(rt))


@case
def ragged_spec_no_rank_raises(tf: Any) -> Any:
    return tf.RaggedTensorSpec()


@case
def ragged_map_fn(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    sig = tf.RaggedTensorSpec(shape=[None], dtype=tf.int32)
    return (tf.map_fn(lambda v: tf.RaggedTensor.from_tensor(tf.range(tf.cast(v, tf.int32))[None, :])[0],
                      tf.constant([1.0, 2.0]), fn_output_signature=sig),
            tf.map_fn(lambda r: tf.reduce_sum(r), rt, fn_output_signature=tf.int32), tf.map_fn(lambda r: r * 2, rt),
            tf.map_fn(lambda v: tf.range(v), tf.constant([1, 3]), fn_output_signature=sig),
            tf.map_fn(lambda v: tf.range(v), tf.constant([1, 3]),
                      fn_output_signature=tf.RaggedTensorSpec(shape=[None], dtype=tf.int32, ragged_rank=0)),
            tf.map_fn(lambda v: tf.ones([v]), tf.constant([1, 2]),
                      fn_output_signature=tf.RaggedTensorSpec(shape=[None], dtype=tf.float32)))


@case
def ragged_map_fn_wrong_dtype_raises(tf: Any) -> Any:
    return tf.map_fn(lambda v: tf.range(v), tf.constant([1, 3]),
                     fn_output_signature=tf.RaggedTensorSpec(shape=[None], dtype=tf.float32))


@case
def ragged_misc(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    return (isinstance(rt, tf.RaggedTensor), rt.with_values(rt.values * 10), rt.with_flat_values(rt.values * 10),
            tf.ragged.stack([rt, rt]), tf.ragged.range([1, 3]), tf.ragged.row_splits_to_segment_ids([0, 2, 3]),
            tf.ragged.boolean_mask(rt, rt > 1), tf.ragged.constant([[[1, 2], [3]], [[4]]]).merge_dims(0, 1),
            tf.ragged.constant([[1, 2], [3]], dtype=tf.float64))


@case
def ragged_function(tf: Any) -> Any:
    @tf.function
    def f(s: Any) -> Any:
        return tf.strings.split(s)

    @tf.function
    def g(rt: Any) -> Any:
        return tf.reduce_sum(rt, axis=1), rt * 2

    return (f(tf.constant(["a b", "c"])), f(tf.constant(["x y z", "w", "q r"])), g(tf.ragged.constant([[1, 2], [3]])),
            g(tf.ragged.constant([[4], [5, 6]])))


@case
def ragged_where(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3]])
    return tf.where(rt > 1, rt, 0), tf.where(rt > 1), tf.where(rt > 1, rt, rt * 10)


@case
def ragged_gather_stack(tf: Any) -> Any:
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    x = tf.Variable([1.0, 2.0, 3.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        r = tf.RaggedTensor.from_row_splits(x, [0, 2, 3])
        y = tf.reduce_sum(tf.gather(r, [1, 1, 0]).flat_values * tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64))
    return tf.gather(rt, [2, 0]), tf.gather(rt, 1), tf.stack([rt, rt]), _dense(tf, t.gradient(y, x))


@case
def ragged_batch_dataset(tf: Any) -> Any:
    ds = tf.data.Dataset.from_tensor_slices((["a b c", "d", "e f"], [1, 2, 3]))
    ds = ds.map(lambda s, y: (tf.strings.split(s), y)).ragged_batch(2)
    hashed = tf.data.Dataset.from_tensor_slices(["a b c", "d e", "F"]).map(
        lambda s: tf.strings.to_hash_bucket_fast(tf.strings.split(tf.strings.lower(s)), 100))
    return ds.element_spec, list(ds), list(hashed.padded_batch(2).as_numpy_iterator()), list(hashed.ragged_batch(2))


@case
def ragged_strings_and_activations(tf: Any) -> Any:
    words = tf.strings.split(["1 22", "333"])
    f = tf.ragged.constant([[1.5, -2.0], [3.0]])
    return (tf.strings.length(words), tf.strings.upper(words), tf.strings.to_number(words),
            tf.strings.as_string(tf.ragged.constant([[1], [2, 3]])), tf.strings.to_hash_bucket_fast(words, 10),
            tf.strings.regex_replace(words, "2", "x"), tf.strings.substr(words, 0, 1), tf.nn.relu(f), tf.round(f),
            tf.clip_by_value(f, -1.0, 1.0), tf.nn.leaky_relu(f), tf.nn.sigmoid(f))


@case
def ragged_bool_raises(tf: Any) -> Any:
    return bool(tf.ragged.constant([[1, 2], [3]]))


# -- gradients through ragged values (float64) ----------------------------------------------------------------------

def _ragged_grad(tf: Any, f: Callable[[Any], Any]) -> Any:
    x = tf.Variable([1.0, 2.0, 3.0, -1.5, 0.5], dtype=tf.float64)
    with tf.GradientTape() as t:
        r = tf.RaggedTensor.from_row_splits(x, [0, 2, 2, 5])
        y = f(r)
    return y, _dense(tf, t.gradient(y, x))


@case
def grad_ragged_to_tensor(tf: Any) -> Any:
    w = np.arange(9.0).reshape(3, 3)
    return _ragged_grad(tf, lambda r: tf.reduce_sum(r.to_tensor(default_value=0.5) ** 2 * w))


@case
def grad_ragged_reduce_sum_mean(tf: Any) -> Any:
    w = np.array([1.0, 2.0, 3.0])
    return (_ragged_grad(tf, lambda r: tf.reduce_sum(tf.reduce_sum(r * r, axis=1) * w)),
            _ragged_grad(tf, lambda r: tf.reduce_sum(tf.reduce_mean(tf.ragged.constant([[1.0, 2.0], [], [1.0, 1.0,
                                                                                            1.0]], dtype=tf.float64)
                                                                    * r, axis=1)[::2] * w[::2])))


@case
def grad_ragged_reduce_max_axis0(tf: Any) -> Any:
    return (_ragged_grad(tf, lambda r: tf.reduce_sum(tf.reduce_max(r, axis=1)[::2])),
            _ragged_grad(tf, lambda r: tf.reduce_sum(tf.reduce_sum(r, axis=0) * np.array([1.0, 5.0, 7.0]))))


@case
def grad_ragged_elementwise_and_rows(tf: Any) -> Any:
    return (_ragged_grad(tf, lambda r: tf.reduce_sum(tf.exp(r) * 2.0 - r)),
            _ragged_grad(tf, lambda r: tf.reduce_sum(r[2] * r[2])),
            _ragged_grad(tf, lambda r: tf.reduce_sum(tf.ragged.map_flat_values(tf.sin, r))),
            _ragged_grad(tf, lambda r: r * 3.0))


@case
def grad_wrt_watched_ragged(tf: Any) -> Any:
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as t:
        t.watch(rt)
        y = tf.reduce_sum(rt * rt) + tf.reduce_sum(tf.reduce_max(rt, axis=1))
    return t.gradient(y, rt), t.gradient(y, [rt])


@case
def grad_ragged_from_tensor(tf: Any) -> Any:
    x = tf.Variable([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]], dtype=tf.float64)
    with tf.GradientTape() as t:
        r = tf.RaggedTensor.from_tensor(x, padding=0.0)
        y = tf.reduce_sum(r.values ** 2)
    return y, _dense(tf, t.gradient(y, x))


# -- unicode with offsets, transcoding, segment joins, ragged crosses and partitions -----------------------------------

@case
def unicode_with_offsets(tf: Any) -> Any:
    s = tf.constant(["héllo", "wörld!", ""])
    return (tf.strings.unicode_decode_with_offsets(s, "UTF-8"), tf.strings.unicode_split_with_offsets(s, "UTF-8"),
            tf.strings.unicode_decode_with_offsets("ab", "UTF-8"),
            tf.strings.unicode_split_with_offsets([["ab", "é"]], "UTF-8"))


@case
def unicode_invalid_bytes_errors_modes(tf: Any) -> Any:
    bad = tf.constant([b"\xffab", b"a\xe2\x82", b"ok\x01"])
    return (tf.strings.unicode_decode(bad, "UTF-8"), tf.strings.unicode_decode(bad, "UTF-8", errors="ignore"),
            tf.strings.unicode_decode(bad, "UTF-8", replacement_char=63, replace_control_characters=True),
            tf.strings.unicode_decode_with_offsets(bad, "UTF-8"), tf.strings.unicode_split(bad, "UTF-8"),
            tf.strings.unicode_split_with_offsets(bad, "UTF-8", errors="ignore"))


@case
def unicode_decode_strict_raises(tf: Any) -> Any:
    return tf.strings.unicode_decode(tf.constant([b"\xffab"]), "UTF-8", errors="strict")


@case
def unicode_transcode_encodings(tf: Any) -> Any:
    return (tf.strings.unicode_transcode(["héllo", "abc"], "UTF-8", "UTF-16-BE"),
            tf.strings.unicode_transcode(["héllo", "\U0001F600"], "UTF-8", "UTF-32-BE"),
            tf.strings.unicode_transcode(tf.strings.unicode_transcode("x€", "UTF-8", "UTF-16-BE"), "UTF-16-BE",
                                         "UTF-8"),
            tf.strings.unicode_transcode(b"\xffab", "UTF-8", "UTF-8"),
            tf.strings.unicode_transcode(b"\xffab", "UTF-8", "UTF-8", errors="ignore"),
            tf.strings.unicode_transcode(b"\xffa\x02", "UTF-8", "UTF-8", replacement_char=63,
                                         replace_control_characters=True),
            tf.strings.unicode_decode(tf.strings.unicode_transcode("hé", "UTF-8", "UTF-16-BE"), "UTF-16-BE"))


@case
def unsorted_segment_join_shapes(tf: Any) -> Any:
    return (tf.strings.unsorted_segment_join(["a", "b", "c", "d"], [0, 1, 0, 3], 4, separator=":"),
            tf.strings.unsorted_segment_join([["a", "b"], ["c", "d"]], [1, 0], 2),
            tf.strings.unsorted_segment_join([["a", "b"], ["c", "d"]], [[0, 1], [1, 1]], 2, separator="+"),
            tf.strings.unsorted_segment_join(["a", "b"], tf.constant([1, 1], tf.int64), 2))


@case
def unsorted_segment_join_negative_id(tf: Any) -> Any:
    return tf.strings.unsorted_segment_join(["a", "b"], [-1, 0], 2)


@case
def unsorted_segment_join_id_too_large(tf: Any) -> Any:
    return tf.strings.unsorted_segment_join(["a", "b"], [0, 5], 2)


@case
def ragged_cross_and_hashed(tf: Any) -> Any:
    a = tf.ragged.constant([["a"], ["b", "c"]])
    b = tf.constant([["d"], ["e"]])
    c = tf.sparse.SparseTensor([[0, 0], [1, 0], [1, 1]], [1, 2, 3], [2, 2])
    return (tf.ragged.cross([a, b]), tf.ragged.cross([a, b, c]), tf.ragged.cross_hashed([a, b], num_buckets=10),
            tf.ragged.cross_hashed([a, b]), tf.ragged.cross_hashed([a, b], num_buckets=7, hash_key=123))


@case
def ragged_stack_dynamic_partitions(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0, 3.0, 4.0])
    with tf.GradientTape() as t:
        r = tf.ragged.stack_dynamic_partitions(x * x, [1, 0, 1, 1], 3)
        y = tf.reduce_sum(r.flat_values * tf.constant([1.0, 2.0, 3.0, 4.0]))
    m = tf.ragged.stack_dynamic_partitions(tf.reshape(tf.range(6), [3, 2]), [2, 0, 2], 3)
    return r, t.gradient(y, x), m, m.shape


@case
def unicode_script_per_code_point(tf: Any) -> Any:
    cps = [0, 65, 0x3B1, 0x627, 0x5D0, 0x915, 0x4E00, 0x3042, 0x30A2, 0xAC00, 0x1F600, 0x10FFFF, -1, 0x110000]
    decoded = tf.strings.unicode_decode(["héllo мир", "日本語"], "UTF-8")
    return (tf.strings.unicode_script(cps), tf.strings.unicode_script(tf.constant([[0x41, 0x5D0]])),
            tf.ragged.map_flat_values(tf.strings.unicode_script, decoded))


@case
def unicode_script_needs_int32(tf: Any) -> Any:
    return tf.strings.unicode_script(tf.constant([65], tf.int64))


def _text(tf: Any, value: Any) -> str:
    """The repr of a result, with nested lists/tuples/dicts recursing."""
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        inner = ", ".join(_text(tf, v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return repr(value)


def main(cases: dict[str, Callable[[Any], Any]] | None = None) -> None:
    """Run ``cases`` (this file's by default) under the module named by argv[1]; write the JSON to argv[2]."""
    module, out = sys.argv[1], sys.argv[2]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = importlib.import_module(module)
    results: dict[str, list[str]] = {}
    for name, fn in (CASES if cases is None else cases).items():
        try:
            results[name] = ["val", _text(tf, fn(tf))]
        except Exception as exc:  # noqa: BLE001 - compared by class
            results[name] = ["exc", type(exc).__name__]
    with open(out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
