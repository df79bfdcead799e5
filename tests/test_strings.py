"""The string dtype (``tf.string``: object arrays of bytes) and the ``tf.strings``/``tf.io`` ops: values, dtypes,
shapes, errors, no gradients, and strings through identity_n, py_function, numpy_function, tf.function and tf.data."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, UnimplementedError


def _list(t: tf.Tensor) -> list:
    return t.numpy().tolist()


# -- the dtype and conversion --------------------------------------------------------------------------------------

def test_scalar_string_tensor() -> None:
    a = tf.constant("a")
    assert a.dtype == tf.string and a.dtype is tf.string and a.dtype.name == "string"
    assert a.shape == () and a.numpy() == b"a" and type(a.numpy()) is bytes
    assert repr(a) == "<tapegrad.Tensor: shape=(), dtype=string, numpy=b'a'>"
    assert str(a) == "tapegrad.Tensor(b'a', shape=(), dtype=string)"
    assert a.device == "/job:localhost/replica:0/task:0/device:CPU:0"


def test_vector_and_matrix_reprs() -> None:
    s = tf.constant(["ab", b"c"])
    assert repr(s) == "<tapegrad.Tensor: shape=(2,), dtype=string, numpy=array([b'ab', b'c'], dtype=object)>"
    assert str(s) == "tapegrad.Tensor([b'ab' b'c'], shape=(2,), dtype=string)"
    assert s.numpy().dtype == object and s.numpy().tolist() == [b"ab", b"c"]
    m = tf.constant([["a", "b"], ["c", "d"]])
    assert str(m) == "tapegrad.Tensor(\n[[b'a' b'b']\n [b'c' b'd']], shape=(2, 2), dtype=string)"


def test_text_is_utf8_bytes_and_numpy_text_arrays_convert() -> None:
    assert tf.constant("héllo").numpy() == "héllo".encode()
    for arr in (np.array(["x", "yy"]), np.array([b"x", b"yy"]), np.array(["x", b"yy"], dtype=object)):
        t = tf.constant(arr)
        assert t.dtype == tf.string and _list(t) == [b"x", b"yy"]
    assert tf.constant([], dtype=tf.string).shape == (0,)
    assert tf.convert_to_tensor([b"x", "y"]).dtype == tf.string


def test_numpy_result_is_a_copy() -> None:
    s = tf.constant(["a", "b"])
    n = s.numpy()
    n[0] = b"z"
    assert _list(s) == [b"a", b"b"]


def test_conversion_errors() -> None:
    with pytest.raises(TypeError, match="dtype string"):
        tf.constant(1, dtype=tf.string)
    with pytest.raises(ValueError, match="mixes text"):
        tf.constant(["a", 1])
    with pytest.raises(TypeError):
        tf.convert_to_tensor("x", dtype=tf.float32)
    with pytest.raises(ValueError):
        tf.constant([["a", "b"], ["c"]])


def test_dtype_facts() -> None:
    d = tf.string
    assert (d.size, d.is_floating, d.is_integer, d.is_bool, d.is_complex, d.is_quantized, d.is_differentiable) == \
        (0, False, False, False, False, False, False)
    assert d.as_numpy_dtype is object and str(d) == "<dtype: 'string'>" and repr(d) == "tapegrad.string"
    for x in ("string", object, np.object_, np.bytes_, np.str_, np.dtype("S3"), bytes, str):
        assert tf.as_dtype(x) is tf.string
    assert tf.dtypes.string is tf.string and tf.string == "string"
    with pytest.raises(TypeError):
        d.min  # noqa: B018


def test_pickle_round_trip() -> None:
    import pickle

    for t in (tf.constant("a"), tf.constant(["a", "bb"]), tf.Variable("x")):
        back = pickle.loads(pickle.dumps(t))
        assert back.dtype == tf.string and repr(back) == repr(t)


def test_string_variable() -> None:
    v = tf.Variable("a")
    assert v.dtype == tf.string and v.numpy() == b"a"
    r = v.assign("bb")
    assert repr(r) == "<tapegrad.Variable 'UnreadVariable' shape=() dtype=string, numpy=b'bb'>"
    assert v.numpy() == b"bb"
    with pytest.raises(TypeError):
        v.assign(3)


# -- operators and general ops on strings ---------------------------------------------------------------------------

def test_add_concatenates_and_equality_is_elementwise() -> None:
    a = tf.constant("a")
    assert (a + a).numpy() == b"aa" and (a + "b").numpy() == b"ab" and ("x" + a).numpy() == b"xa"
    assert (a + a).shape == () and (a + a).dtype == tf.string
    s = tf.constant(["a", "b"])
    assert _list(s + "!") == [b"a!", b"b!"]
    assert _list(s == "a") == [True, False] and _list(s != "a") == [False, True]
    assert _list(tf.equal(s, tf.constant(["a", "c"]))) == [True, False]
    assert _list(tf.not_equal(s, b"b")) == [True, False]


@pytest.mark.parametrize("call,exc", [
    (lambda s: s * 2, TypeError),
    (lambda s: s == 1, TypeError),
    (lambda s: s * s, InvalidArgumentError),
    (lambda s: -s, InvalidArgumentError),
    (lambda s: tf.exp(s), InvalidArgumentError),
    (lambda s: tf.reduce_sum(s), InvalidArgumentError),
    (lambda s: tf.maximum(s, s), InvalidArgumentError),
    (lambda s: tf.cast(s, tf.float32), UnimplementedError),
    (lambda s: tf.cast(tf.constant(1), tf.string), UnimplementedError),
    (lambda s: tf.ones_like(s), InvalidArgumentError),
    (lambda s: tf.ones([2], tf.string), TypeError),
    (lambda s: s / s, TypeError),
    (lambda s: tf.add_n([s, s]), InvalidArgumentError),
    (lambda s: tf.where(s), InvalidArgumentError),
    (lambda s: tf.debugging.check_numerics(s, "x"), InvalidArgumentError),
    (lambda s: tf.math.real(s), TypeError),
    (lambda s: tf.Variable("a").assign_add("b"), InvalidArgumentError),
])
def test_ops_without_string_kernels_raise_tf_types(call: object, exc: type) -> None:
    with pytest.raises(exc):
        call(tf.constant(["a", "b"]))  # type: ignore[operator]


def test_structural_ops_keep_strings() -> None:
    s = tf.constant(["a", "b"])
    assert _list(tf.concat([s, s], 0)) == [b"a", b"b", b"a", b"b"]
    assert _list(tf.stack([tf.constant("a"), tf.constant("b")])) == [b"a", b"b"]
    assert tf.reshape(s, [2, 1]).shape == (2, 1)
    assert _list(tf.gather(s, [1, 0, 1])) == [b"b", b"a", b"b"]
    assert _list(tf.where([True, False], s, tf.constant(["c", "d"]))) == [b"a", b"d"]
    assert _list(tf.tile(s, [2])) == [b"a", b"b", b"a", b"b"]
    assert _list(tf.boolean_mask(s, [True, False])) == [b"a"]
    assert _list(tf.zeros_like(s)) == [b"", b""] and _list(tf.zeros([2], tf.string)) == [b"", b""]
    assert _list(tf.fill([2], "x")) == [b"x", b"x"]
    assert int(tf.size(s)) == 2 and _list(tf.shape(s)) == [2]
    assert _list(tf.pad(s, [[1, 0]])) == [b"", b"a", b"b"]  # the default pad value of strings is b''
    assert _list(tf.pad(s, [[0, 1]], constant_values="z")) == [b"a", b"b", b"z"]


def test_indexing_and_iteration() -> None:
    s = tf.constant(["a", "b", "c"])
    assert s[1].numpy() == b"b" and s[1].shape == () and s[1].dtype == tf.string
    assert _list(s[1:]) == [b"b", b"c"]
    assert [t.numpy() for t in s] == [b"a", b"b", b"c"]
    assert (s[0] + s[2]).numpy() == b"ac" and (s[-1] + s[0]).numpy() == b"ca"
    m = tf.constant([["a", "b"], ["c", "d"]])
    assert (m[1, 0] + m[0, 1]).numpy() == b"cb"
    assert (tf.gather(s, 1) + "x").numpy() == b"bx" and (tf.gather_nd(m, [1, 1]) + "x").numpy() == b"dx"
    parts = tf.unstack(s)
    assert (parts[0] + parts[2]).numpy() == b"ac" and parts[1].shape == ()

    @tf.function
    def pick(t: tf.Tensor) -> tuple:
        return t[1] + t[0], tf.gather(t, 2)

    assert [v.numpy() for v in pick(s)] == [b"ba", b"c"]
    assert [v.numpy() for v in pick(tf.constant(["x", "y", "z"]))] == [b"yx", b"z"]


def test_strings_have_no_gradient() -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as t:
        s = tf.strings.as_string(x)
        y = tf.strings.to_number(s)
        z = x * 3.0
    assert float(y) == 2.0 and t.gradient(y, x) is None and float(t.gradient(z, x)) == 3.0
    c = tf.constant("a")
    with tf.GradientTape() as t2:
        t2.watch(c)
        n = tf.strings.length(c)
    assert t2.gradient(n, c) is None


# -- tf.strings -----------------------------------------------------------------------------------------------------

def test_as_string_formats() -> None:
    assert _list(tf.as_string([1.5, 2.0])) == [b"1.500000", b"2.000000"]
    assert _list(tf.strings.as_string(tf.constant([1, -2]))) == [b"1", b"-2"]
    assert _list(tf.strings.as_string([1.23456], precision=2)) == [b"1.23"]
    assert _list(tf.strings.as_string([True, False])) == [b"true", b"false"]
    assert _list(tf.strings.as_string([3, 42], width=5, fill="0")) == [b"00003", b"00042"]
    assert _list(tf.strings.as_string([3], width=4)) == [b"   3"]
    assert _list(tf.strings.as_string([1234.5], scientific=True)) == [b"1.234500e+03"]
    assert _list(tf.strings.as_string(tf.constant([0.1, 1 / 3], tf.float64))) == [b"0.100000", b"0.333333"]
    assert tf.strings.as_string(tf.constant(["a"])).dtype == tf.string
    with pytest.raises(InvalidArgumentError):
        tf.strings.as_string([1.0], fill="ab")


def test_length_units() -> None:
    assert _list(tf.strings.length(["héllo", "ab"])) == [6, 2]
    r = tf.strings.length(["héllo", "ab"], unit="UTF8_CHAR")
    assert _list(r) == [5, 2] and r.dtype == tf.int32
    assert tf.strings.length("abc").shape == ()
    with pytest.raises(InvalidArgumentError, match="unit"):
        tf.strings.length("a", unit="X")
    with pytest.raises(TypeError, match="string tensor"):
        tf.strings.length(tf.constant([1.0]))


def test_join_and_reduce_join() -> None:
    assert tf.strings.join(["a", "b"], separator="-").numpy() == b"a-b"
    assert _list(tf.strings.join([["a", "b"], ["c", "d"]], separator="-")) == [b"a-c", b"b-d"]
    assert _list(tf.strings.join([["a", "b"], "x"])) == [b"ax", b"bx"]
    with pytest.raises(InvalidArgumentError, match="shapes"):
        tf.strings.join([["a", "b"], ["x", "y", "z"]])
    m = [["a", "b"], ["c", "d"]]
    assert tf.strings.reduce_join(m).numpy() == b"abcd"
    assert _list(tf.strings.reduce_join(m, axis=1, separator=",")) == [b"a,b", b"c,d"]
    kept = tf.strings.reduce_join(m, axis=0, keepdims=True)
    assert kept.shape == (1, 2) and _list(kept) == [[b"ac", b"bd"]]
    assert _list(tf.strings.reduce_join(m, axis=-1)) == [b"ab", b"cd"]
    assert tf.strings.reduce_join(tf.constant([], tf.string)).numpy() == b""
    with pytest.raises(InvalidArgumentError):
        tf.strings.reduce_join(m, axis=2)


def test_case_and_strip() -> None:
    assert _list(tf.strings.lower(["AbC", "ÉX"])) == [b"abc", "Éx".encode()]  # ASCII only by default (TF)
    assert _list(tf.strings.lower(["AbC", "ÉX"], encoding="utf-8")) == [b"abc", "éx".encode()]
    assert _list(tf.strings.upper(["AbC"])) == [b"ABC"]
    assert _list(tf.strings.strip(["  a b \n", "\tc"])) == [b"a b", b"c"]


def test_substr() -> None:
    assert _list(tf.strings.substr(["hello", "abc"], 1, 3)) == [b"ell", b"bc"]
    assert _list(tf.strings.substr(["hello", "abc"], -2, 2)) == [b"lo", b"bc"]
    assert _list(tf.strings.substr(["hello", "abc"], [0, 1], [2, 1])) == [b"he", b"b"]
    assert _list(tf.strings.substr(["héllo"], 1, 2, unit="UTF8_CHAR")) == ["él".encode()]
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.strings.substr(["hello", "abc"], 4, 2)


def test_regex() -> None:
    assert _list(tf.strings.regex_full_match(["abc", "ab1"], "[a-z]+")) == [True, False]
    assert tf.strings.regex_full_match("abc", "a.c").dtype == tf.bool
    assert _list(tf.strings.regex_replace(["a1b22", "x"], r"\d+", "#")) == [b"a#b#", b"x"]
    assert _list(tf.strings.regex_replace(["a1b22"], r"\d", "#", replace_global=False)) == [b"a#b22"]
    assert _list(tf.strings.regex_replace(["ab"], r"(a)(b)", r"\2\1")) == [b"ba"]
    with pytest.raises(InvalidArgumentError, match="pattern"):
        tf.strings.regex_full_match(["ab"], "(")


def test_to_number() -> None:
    r = tf.strings.to_number(["1.5", "2"])
    assert r.dtype == tf.float32 and _list(r) == [1.5, 2.0]
    assert tf.strings.to_number(["1", "-2"], out_type=tf.int32).dtype == tf.int32
    assert _list(tf.strings.to_number(["1", "-2"], out_type=tf.int64)) == [1, -2]
    assert _list(tf.strings.to_number([" 1.5 "])) == [1.5]
    v = tf.strings.to_number(["inf", "-inf", "nan", "1e3"]).numpy()
    assert np.isinf(v[0]) and np.isinf(v[1]) and np.isnan(v[2]) and v[3] == 1000
    for bad, dt in (("abc", tf.float32), ("1.5", tf.int32), ("99999999999", tf.int32)):
        with pytest.raises(InvalidArgumentError):
            tf.strings.to_number([bad], out_type=dt)
    with pytest.raises(InvalidArgumentError, match="out_type"):
        tf.strings.to_number(["1"], out_type=tf.bool)


def test_format() -> None:
    assert tf.strings.format("x={} y={}", (tf.constant(1.5), tf.constant([1, 2]))).numpy() == b"x=1.5 y=[1 2]"
    assert tf.strings.format("s={}", tf.constant("hi")).numpy() == b's="hi"'
    assert tf.strings.format("{}", tf.range(10)).numpy() == b"[0 1 2 ... 7 8 9]"
    assert tf.strings.format("{}", tf.range(10), summarize=2).numpy() == b"[0 1 ... 8 9]"
    assert tf.strings.format("{}", tf.reshape(tf.range(6), [2, 3])).numpy() == b"[[0 1 2]\n [3 4 5]]"
    assert tf.strings.format("{}", tf.constant([1.5, 2.25, 1 / 3])).numpy() == b"[1.5 2.25 0.333333343]"
    with pytest.raises(ValueError, match="placeholders"):
        tf.strings.format("{} {}", tf.constant(1))


def test_hash_bucket_fast_is_farmhash_fingerprint64() -> None:
    # TF 2.21's values (all FarmHash length classes: 0-16, 17-32, 33-64, > 64 bytes)
    words = ["a", "b", "hello", "", "a somewhat longer string of text", "x" * 40, "y" * 65, "z" * 200]
    r = tf.strings.to_hash_bucket_fast(words, 1000003)
    assert r.dtype == tf.int64
    assert _list(r) == [291400, 113437, 497363, 377723, 68971, 326595, 120696, 958584]
    assert _list(tf.strings.to_hash_bucket_fast(["a", "b", "hello"], 10)) == [9, 2, 6]
    with pytest.raises(InvalidArgumentError):
        tf.strings.to_hash_bucket_fast("a", 0)


def test_hash_bucket_strong_and_legacy() -> None:
    words = ["a", "b", "hello", "", "x" * 40]
    assert _list(tf.strings.to_hash_bucket_strong(words, 1000003, key=[1, 2])) == \
        [332029, 503990, 430577, 383377, 811830]  # TF 2.21's values (SipHash-2-4)
    assert _list(tf.strings.to_hash_bucket(words, 1000003)) == [789371, 696260, 546981, 598820, 862193]
    with pytest.raises(InvalidArgumentError):
        tf.strings.to_hash_bucket_strong("a", 10, key=[1])


def test_ngrams() -> None:
    abc = tf.constant(["a", "b", "c"])
    assert _list(tf.strings.ngrams(abc, 2)) == [b"a b", b"b c"]
    assert _list(tf.strings.ngrams(abc, (1, 2), separator="_")) == [b"a", b"b", b"c", b"a_b", b"b_c"]
    assert _list(tf.strings.ngrams(abc, 2, pad_values=("<s>", "</s>"))) == [b"<s> a", b"a b", b"b c", b"c </s>"]
    assert _list(tf.strings.ngrams(abc, 3, pad_values="#", padding_width=1)) == [b"# a b", b"a b c", b"b c #"]
    rt = tf.ragged.constant([["a", "b", "c"], ["d"]])
    assert tf.strings.ngrams(rt, 2).to_list() == [[b"a b", b"b c"], []]
    assert tf.strings.ngrams(rt, 3, preserve_short_sequences=True).to_list() == [[b"a b c"], [b"d"]]
    dense = tf.strings.ngrams(tf.constant([["a", "b", "c"], ["d", "e", "f"]]), 2)
    assert dense.shape == (2, 2) and _list(dense) == [[b"a b", b"b c"], [b"d e", b"e f"]]
    words = tf.strings.split(["the quick fox", "jumps"])
    assert tf.strings.ngrams(words, 2).to_list() == [[b"the quick", b"quick fox"], []]
    with pytest.raises(ValueError):
        tf.strings.ngrams(abc, 0)
    with pytest.raises(ValueError):
        tf.strings.ngrams(tf.constant([1, 2]), 2)


def test_split_returns_ragged() -> None:
    r = tf.strings.split(["a b  c", "d"])
    assert isinstance(r, tf.RaggedTensor) and r.to_list() == [[b"a", b"b", b"c"], [b"d"]]
    assert r.dtype == tf.string and r.shape.as_list() == [2, None]
    assert tf.strings.split(["a,b,,c", "d"], sep=",").to_list() == [[b"a", b"b", b"", b"c"], [b"d"]]
    scalar = tf.strings.split("a b c")
    assert isinstance(scalar, tf.Tensor) and _list(scalar) == [b"a", b"b", b"c"]
    assert tf.strings.split(["a b c d"], maxsplit=1).to_list() == [[b"a", b"b c d"]]
    nested = tf.strings.split([["a b", "c"], ["d", "e f g"]])
    assert nested.to_list() == [[[b"a", b"b"], [b"c"]], [[b"d"], [b"e", b"f", b"g"]]]
    assert nested.shape.as_list() == [2, None, None]
    with pytest.raises(InvalidArgumentError):
        tf.strings.split(["a"], sep="")


def test_bytes_and_unicode() -> None:
    assert tf.strings.bytes_split(["ab", "c"]).to_list() == [[b"a", b"b"], [b"c"]]
    assert _list(tf.strings.bytes_split("abc")) == [b"a", b"b", b"c"]
    assert tf.strings.unicode_split(["hé", "c"], "UTF-8").to_list() == [[b"h", "é".encode()], [b"c"]]
    d = tf.strings.unicode_decode(["hé", "c"], "UTF-8")
    assert d.to_list() == [[104, 233], [99]] and d.dtype == tf.int32
    assert _list(tf.strings.unicode_decode("hé", "UTF-8")) == [104, 233]
    assert tf.strings.unicode_encode([104, 233], "UTF-8").numpy() == "hé".encode()
    assert _list(tf.strings.unicode_encode(d, "UTF-8")) == ["hé".encode(), b"c"]
    with pytest.raises(InvalidArgumentError, match="UTF-8"):
        tf.strings.unicode_decode("a", "UTF-16")


def test_base64() -> None:
    e = tf.io.encode_base64(["hello", "a?>"])
    assert _list(e) == [b"aGVsbG8", b"YT8-"]  # web-safe alphabet, no padding (TF)
    assert _list(tf.io.decode_base64(e)) == [b"hello", b"a?>"]
    assert _list(tf.io.encode_base64(["hello"], pad=True)) == [b"aGVsbG8="]
    with pytest.raises(InvalidArgumentError):
        tf.io.decode_base64(["a"])


# -- strings through the rest of the library ------------------------------------------------------------------------

def test_identity_n_and_py_functions() -> None:
    out = tf.identity_n([tf.constant(1.0), tf.constant([1, 2]), tf.constant("s")])
    assert out[2].dtype == tf.string and out[2].numpy() == b"s"
    x = tf.constant([1.0, 2.0])
    r = tf.py_function(lambda a, b: tf.constant(str((type(a).__name__, a.dtype.name, b.dtype.name))), [x, 3],
                       Tout=tf.string)
    assert r.numpy() == b"('Tensor', 'float32', 'int32')"
    n = tf.numpy_function(lambda a, b: np.array(str((type(a).__name__, a.dtype.name, type(b).__name__))), [x, 3],
                          Tout=tf.string)
    assert n.dtype == tf.string and n.numpy() == b"('ndarray', 'float32', 'ndarray')"
    up = tf.py_function(lambda a: tf.strings.upper(a), [tf.constant("ab")], Tout=tf.string)
    assert up.numpy() == b"AB"
    seen = tf.numpy_function(lambda a: (type(a).__name__, str(a)), [tf.constant("ab")], Tout=[tf.string, tf.string])
    assert [t.numpy() for t in seen] == [b"ndarray", b"b'ab'"]


def test_function_with_strings() -> None:
    @tf.function
    def f(s: tf.Tensor) -> tuple:
        return tf.strings.join([s, s]), tf.strings.length(s), s + "!", "plain", tf.strings.split(s)

    a = f(tf.constant("ab"))
    b = f(tf.constant("cd e"))  # the same trace, replayed on new values
    assert [a[0].numpy(), int(a[1]), a[2].numpy(), a[3].numpy()] == [b"abab", 2, b"ab!", b"plain"]
    assert [b[0].numpy(), int(b[1]), b[2].numpy()] == [b"cd ecd e", 4, b"cd e!"]
    assert _list(b[4]) == [b"cd", b"e"]
    assert a[3].dtype == tf.string
    assert f(tf.constant("x")) is not None and f.experimental_get_tracing_count() == 1

    @tf.function
    def g(v: tf.Tensor) -> tf.Tensor:
        return tf.strings.to_number(tf.strings.split(v, ",")) * 2.0

    assert _list(g(tf.constant("1,2,3"))) == [2.0, 4.0, 6.0] and _list(g(tf.constant("4,5"))) == [8.0, 10.0]


def test_function_string_signatures() -> None:
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def f(s: tf.Tensor) -> tuple:
        return tf.strings.length(s), tf.strings.upper(s)

    n, up = f(tf.constant(["ab", "c"]))
    assert _list(n) == [2, 1] and _list(up) == [b"AB", b"C"]
    assert _list(f(tf.constant(["xyz"]))[1]) == [b"XYZ"]
    assert _list(f.get_concrete_function()(tf.constant(["q"]))[1]) == [b"Q"]

    @tf.function
    def g(s: tf.Tensor) -> tf.Tensor:
        return tf.strings.join([s, "!"])

    concrete = g.get_concrete_function(tf.TensorSpec([None], tf.string))
    assert _list(concrete(tf.constant(["a", "b"]))) == [b"a!", b"b!"]


def test_jit_compile_refuses_strings() -> None:
    @tf.function(jit_compile=True)
    def f(s: tf.Tensor) -> tf.Tensor:
        return tf.strings.length(s)

    with pytest.raises(InvalidArgumentError, match="string"):
        f(tf.constant("ab"))

    @tf.function(jit_compile=True)
    def g(x: tf.Tensor) -> tuple:
        return x * 2, tf.constant("a")

    with pytest.raises(InvalidArgumentError, match="string"):
        g(tf.constant(1.0))


def test_dataset_of_strings() -> None:
    ds = tf.data.Dataset.from_tensor_slices(["a", "bb"])
    items = list(ds)
    assert all(isinstance(t, tf.Tensor) and t.dtype == tf.string for t in items)
    assert [t.numpy() for t in items] == [b"a", b"bb"]
    assert list(ds.as_numpy_iterator()) == [b"a", b"bb"]
    assert ds.element_spec == tf.TensorSpec([], tf.string)
    assert [int(n) for n in ds.map(tf.strings.length)] == [1, 2]
    batches = list(tf.data.Dataset.from_tensor_slices((["a", "bb", "c"], [1, 2, 3])).batch(2).as_numpy_iterator())
    assert batches[0][0].dtype == object and batches[0][0].tolist() == [b"a", b"bb"]
    assert batches[1][0].tolist() == [b"c"]


def test_docs_page_and_docstrings_run() -> None:
    import doctest
    import importlib
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "strings_ragged.md"
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0
    for name in ("tapegrad.ops.string_ops", "tapegrad.ops.ragged_ops", "tapegrad.strings", "tapegrad.ragged",
                 "tapegrad.io", "tapegrad._strings", "tapegrad.ops.unicode_script"):
        r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert r.failed == 0, name


def test_tf_print_strings_and_ragged(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    tf.print(tf.constant(["a", "b"]), output_stream=sys.stdout)
    tf.print(tf.constant("a"), "x", tf.constant([[1, 2]]), output_stream=sys.stdout)
    tf.print(tf.ragged.constant([["a"], ["b", "c"]]), tf.ragged.constant([[1, 2], [3]]), output_stream=sys.stdout)
    assert capsys.readouterr().out == '["a" "b"]\n"a" x [[1 2]]\n[[\'a\'], [\'b\', \'c\']] [[1, 2], [3]]\n'
