"""tf.io / tf.train.Example / TFRecord programs, run unchanged under TensorFlow and under tapegrad.

``python io_programs.py MODULE OUT WORKDIR [PEER]`` imports MODULE (``tensorflow`` or ``tapegrad``) as ``tf`` and
writes JSON to OUT with:

* ``cases``: ``{case: ["val", repr text] | ["exc", exception class]}`` for every ``@case`` program;
* ``files``: the files every ``@writer`` program wrote under WORKDIR (base64), so the other library can read them;
* ``own`` / ``peer``: ``{reader: [...]}``, each ``@reader`` program run on the files of WORKDIR (this library's)
  and of PEER (the other library's).

``test_io_vs_tf.py`` compares: cases as in the strings lane; TF's reading of tapegrad's files and tapegrad's reading
of TF's files against TF's reading of its own files; the written bytes.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

CASES: dict[str, Callable[[Any], Any]] = {}
WRITERS: dict[str, Callable[[Any, str], None]] = {}
READERS: dict[str, Callable[[Any, str], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def writer(fn: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    WRITERS[fn.__name__[2:]] = fn
    return fn


def reader(fn: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    READERS[fn.__name__[2:]] = fn
    return fn


def _ex(tf: Any, **features: Any) -> Any:
    """An Example from keyword lists: ints → int64_list, floats → float_list, bytes → bytes_list."""
    T = tf.train
    out = {}
    for k, v in features.items():
        if v and isinstance(v[0], bytes):
            out[k] = T.Feature(bytes_list=T.BytesList(value=v))
        elif v and isinstance(v[0], float):
            out[k] = T.Feature(float_list=T.FloatList(value=v))
        else:
            out[k] = T.Feature(int64_list=T.Int64List(value=v))
    return T.Example(features=T.Features(feature=out))


def _hex(msg: Any) -> str:
    return msg.SerializeToString(deterministic=True).hex()


# -- tf.train messages ----------------------------------------------------------------------------------------------

@case
def proto_example_bytes(tf: Any) -> Any:
    return _hex(_ex(tf, label=[3], pixels=[0.5, -1.25, 1e-30], name=[b"a", b"", b"\x00\xff"], neg=[-1, 2**62, -2**63]))


@case
def proto_feature_text(tf: Any) -> Any:
    T = tf.train
    return [str(T.Feature(float_list=T.FloatList(value=[0.1, 1e20, float("nan"), -0.0, 16777217.0, 3.0]))),
            str(T.Feature(bytes_list=T.BytesList(value=[b"\x00\xff\"'\n\t\\", "é".encode()]))),
            str(T.Feature(int64_list=T.Int64List(value=[-5, 0]))), str(T.Feature())]


@case
def proto_example_text_one_key(tf: Any) -> Any:
    return str(_ex(tf, k=[1, 2])), repr(tf.train.Example()), str(tf.train.Features(feature={"é\n": tf.train.Feature()}))


@case
def proto_sequence_example_bytes(tf: Any) -> Any:
    T = tf.train
    se = T.SequenceExample(
        context=T.Features(feature={"len": T.Feature(int64_list=T.Int64List(value=[2]))}),
        feature_lists=T.FeatureLists(feature_list={
            "tok": T.FeatureList(feature=[T.Feature(int64_list=T.Int64List(value=[7, 300])),
                                          T.Feature(int64_list=T.Int64List(value=[]))]),
            "w": T.FeatureList(feature=[T.Feature(float_list=T.FloatList(value=[1.5]))])}))
    return _hex(se), str(T.SequenceExample(feature_lists=T.FeatureLists(feature_list={"s": T.FeatureList()})))


@case
def proto_round_trip_and_equality(tf: Any) -> Any:
    T = tf.train
    ex = _ex(tf, a=[1], b=[2.0])
    back = T.Example.FromString(ex.SerializeToString())
    other = T.Example()
    n = other.ParseFromString(ex.SerializeToString())
    return (back == ex, other == ex, n, T.Feature() == T.Feature(int64_list=T.Int64List()),
            T.FloatList(value=[0.1]).value[0], list(back.features.feature["a"].int64_list.value))


@case
def proto_autovivify_and_oneof(tf: Any) -> Any:
    T = tf.train
    ex = T.Example()
    ex.features.feature["a"].int64_list.value.append(3)
    ex.features.feature["a"].int64_list.value.extend([4, 5])
    f = T.Feature(int64_list=T.Int64List(value=[1]))
    f.float_list.value.append(2.0)
    empty = T.Example()
    _ = empty.features
    return (_hex(ex), f.WhichOneof("kind"), _hex(f), empty.HasField("features"), empty.SerializeToString(),
            T.Feature(int64_list={"value": [9]}).int64_list.value[0])


@case
def proto_unpacked_int64_and_float(tf: Any) -> Any:
    T = tf.train
    a = T.Int64List.FromString(bytes.fromhex("0801" "0802" "0a020304"))
    b = T.FloatList.FromString(bytes.fromhex("0d0000803f"))
    return list(a.value), list(b.value), _hex(a)


@case
def proto_type_errors(tf: Any) -> Any:
    T = tf.train

    def exc(fn: Callable[[], Any]) -> str:
        try:
            fn()
            return "ok"
        except Exception as e:  # noqa: BLE001
            return type(e).__name__

    return (exc(lambda: T.Int64List(value=[1.5])), exc(lambda: T.BytesList(value=["text"])),
            exc(lambda: T.FloatList(value=["x"])), exc(lambda: T.Int64List(value=[2**63])),
            exc(lambda: T.Int64List(value=[True])), exc(lambda: setattr(T.Example(), "features", T.Features())),
            exc(lambda: setattr(T.Int64List(), "value", [1])), exc(lambda: T.Feature(bogus=1)))


@case
def proto_corrupt_bytes(tf: Any) -> Any:
    try:
        tf.train.Int64List.FromString(b"\x0a\x05")
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "parsed"


# -- parsing --------------------------------------------------------------------------------------------------------

def _spec(tf: Any) -> dict[str, Any]:
    return {"a": tf.io.FixedLenFeature([2], tf.int64), "f": tf.io.FixedLenFeature([], tf.float32),
            "b": tf.io.VarLenFeature(tf.string),
            "m": tf.io.FixedLenFeature([2], tf.float32, default_value=[0.0, 9.0]),
            "s": tf.io.FixedLenFeature([], tf.string, default_value="dflt")}


@case
def parse_single_example_mixed(tf: Any) -> Any:
    s = _ex(tf, a=[1, 2], f=[1.5], b=[b"x", b"yy"]).SerializeToString()
    return tf.io.parse_single_example(s, _spec(tf))


@case
def parse_single_example_from_tensor(tf: Any) -> Any:
    s = tf.constant(_ex(tf, a=[1, 2], f=[1.5], b=[b"x"]).SerializeToString())
    return tf.io.parse_single_example(s, {"a": tf.io.FixedLenFeature([1, 2], tf.int64),
                                          "b": tf.io.VarLenFeature(tf.string)})


@case
def parse_example_batch(tf: Any) -> Any:
    s = [_ex(tf, a=[1, 2], f=[1.5], b=[b"x", b"yy"]).SerializeToString(),
         _ex(tf, a=[3, 4], f=[2.5], b=[b"q"], m=[1.0, 2.0]).SerializeToString(),
         _ex(tf, a=[5, 6], f=[-1.0], s=[b"given"]).SerializeToString()]
    return tf.io.parse_example(s, _spec(tf))


@case
def parse_example_sequence_feature(tf: Any) -> Any:
    s = [_ex(tf, a=[1, 2]).SerializeToString(), _ex(tf, a=[3, 4, 5, 6]).SerializeToString(),
         _ex(tf, c=[1.0]).SerializeToString()]
    return tf.io.parse_example(s, {
        "a": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True, default_value=-1),
        "zz": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True),
        "c": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True)})


@case
def parse_example_ragged(tf: Any) -> Any:
    s = [_ex(tf, a=[1, 2], b=[b"x", b"yy"]).SerializeToString(), _ex(tf, a=[3], b=[b"q"]).SerializeToString(),
         _ex(tf).SerializeToString()]
    return tf.io.parse_example(s, {"a": tf.io.RaggedFeature(tf.int64),
                                   "b": tf.io.RaggedFeature(tf.string, row_splits_dtype=tf.int64),
                                   "c": tf.io.RaggedFeature(tf.float32, value_key="a2")})


@case
def parse_ragged_partitions(tf: Any) -> Any:
    R = tf.io.RaggedFeature
    s1 = _ex(tf, v=[1, 2, 3, 4, 5, 6], len=[2, 1], ids=[0, 0, 1], spl=[0, 3, 3])
    s2 = _ex(tf, v=[7, 8], len=[1], ids=[0, 0], spl=[0, 1])
    spec = {"rl": R(tf.int64, value_key="v", partitions=[R.RowLengths("len"), R.UniformRowLength(2)]),
            "vr": R(tf.int64, value_key="v", partitions=[R.ValueRowIds("ids"), R.UniformRowLength(2)])}
    single = tf.io.parse_single_example(s1.SerializeToString(), spec)
    batch = tf.io.parse_example([s1.SerializeToString(), s2.SerializeToString()],
                                {"rs": R(tf.int64, value_key="ids", partitions=[R.RowSplits("spl")])})
    return single, batch


@case
def parse_single_example_all_kinds_missing(tf: Any) -> Any:
    s = _ex(tf, a=[1, 2, 3]).SerializeToString()
    return tf.io.parse_single_example(s, {
        "a": tf.io.RaggedFeature(tf.int64), "z": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
        "y": tf.io.VarLenFeature(tf.int64), "b": tf.io.FixedLenFeature([3], tf.int64, default_value=[0, 0, 0])})


@case
def parse_empty_feature_is_missing(tf: Any) -> Any:
    T = tf.train
    s = T.Example(features=T.Features(feature={"a": T.Feature()})).SerializeToString()
    return (tf.io.parse_single_example(s, {"a": tf.io.VarLenFeature(tf.int64)}),
            tf.io.parse_single_example(s, {"a": tf.io.FixedLenFeature([], tf.int64, default_value=4)}))


def _raises(tf: Any, features: Any, serialized: Any = None) -> Any:
    s = _ex(tf, a=[1, 2], f=[1.5], b=[b"x"]).SerializeToString() if serialized is None else serialized
    return tf.io.parse_single_example(s, features)


@case
def parse_error_missing_required(tf: Any) -> Any:
    return _raises(tf, {"zz": tf.io.FixedLenFeature([], tf.int64)})


@case
def parse_error_wrong_count(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.FixedLenFeature([3], tf.int64)})


@case
def parse_error_wrong_type_dense(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.FixedLenFeature([2], tf.float32)})


@case
def parse_error_wrong_type_varlen(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.VarLenFeature(tf.float32)})


@case
def parse_error_int32_spec(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.FixedLenFeature([2], tf.int32)})


@case
def parse_error_float64_spec(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.FixedLenFeature([2], tf.float64)})


@case
def parse_error_unknown_first_dim(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.FixedLenFeature([None], tf.int64)})


@case
def parse_error_not_scalar(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.VarLenFeature(tf.int64)}, [_ex(tf, a=[1]).SerializeToString()])


@case
def parse_error_empty_spec(tf: Any) -> Any:
    return _raises(tf, {})


@case
def parse_error_default_wrong_size(tf: Any) -> Any:
    return _raises(tf, {"q": tf.io.FixedLenFeature([2], tf.int64, default_value=[1, 2, 3])})


@case
def parse_error_sequence_feature_not_allow_missing(tf: Any) -> Any:
    return tf.io.parse_example([_ex(tf, a=[1, 2]).SerializeToString()],
                               {"a": tf.io.FixedLenSequenceFeature([2], tf.int64)})


@case
def parse_error_batch_rank2(tf: Any) -> Any:
    return tf.io.parse_example(tf.constant([[_ex(tf, a=[1]).SerializeToString()]]),
                               {"a": tf.io.VarLenFeature(tf.int64)})


@case
def parse_error_garbage(tf: Any) -> Any:
    return _raises(tf, {"a": tf.io.VarLenFeature(tf.int64)}, b"garbage")


@case
def parse_feature_spec_reprs(tf: Any) -> Any:
    return (tf.io.FixedLenFeature([2], tf.int64), tf.io.VarLenFeature(tf.float32),
            tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True))


def _seq(tf: Any) -> bytes:
    T = tf.train
    return T.SequenceExample(
        context=T.Features(feature={"len": T.Feature(int64_list=T.Int64List(value=[2]))}),
        feature_lists=T.FeatureLists(feature_list={
            "tok": T.FeatureList(feature=[T.Feature(int64_list=T.Int64List(value=[7, 8])),
                                          T.Feature(int64_list=T.Int64List(value=[9, 10]))]),
            "w": T.FeatureList(feature=[T.Feature(float_list=T.FloatList(value=[1.0])),
                                        T.Feature(float_list=T.FloatList(value=[]))])})).SerializeToString()


@case
def parse_single_sequence_example_kinds(tf: Any) -> Any:
    return tf.io.parse_single_sequence_example(
        _seq(tf), context_features={"len": tf.io.FixedLenFeature([], tf.int64),
                                    "miss": tf.io.FixedLenFeature([], tf.float32, default_value=0.5)},
        sequence_features={"tok": tf.io.FixedLenSequenceFeature([2], tf.int64), "w": tf.io.VarLenFeature(tf.float32),
                           "q": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
                           "r": tf.io.RaggedFeature(tf.int64, value_key="tok")})


@case
def parse_single_sequence_example_ragged(tf: Any) -> Any:
    return tf.io.parse_single_sequence_example(
        _seq(tf), sequence_features={"r": tf.io.RaggedFeature(tf.int64, value_key="tok"),
                                     "w": tf.io.RaggedFeature(tf.float32, row_splits_dtype=tf.int64)})


@case
def parse_sequence_example_ragged_batch(tf: Any) -> Any:
    return tf.io.parse_sequence_example([_seq(tf), _seq(tf)], sequence_features={
        "tok": tf.io.RaggedFeature(tf.int64), "none": tf.io.VarLenFeature(tf.string)})


@case
def parse_sequence_example_batch(tf: Any) -> Any:
    T = tf.train
    short = T.SequenceExample(feature_lists=T.FeatureLists(feature_list={
        "tok": T.FeatureList(feature=[T.Feature(int64_list=T.Int64List(value=[1, 2]))])})).SerializeToString()
    return tf.io.parse_sequence_example(
        [_seq(tf), short], context_features={"len": tf.io.FixedLenFeature([], tf.int64, default_value=-1)},
        sequence_features={"tok": tf.io.FixedLenSequenceFeature([2], tf.int64), "w": tf.io.VarLenFeature(tf.float32)})


@case
def parse_sequence_error_missing_list(tf: Any) -> Any:
    return tf.io.parse_single_sequence_example(_seq(tf), sequence_features={
        "q": tf.io.FixedLenSequenceFeature([], tf.int64)})


@case
def parse_sequence_error_step_count(tf: Any) -> Any:
    return tf.io.parse_single_sequence_example(_seq(tf), sequence_features={
        "w": tf.io.FixedLenSequenceFeature([], tf.float32)})


@case
def parse_sequence_error_fixedlen(tf: Any) -> Any:
    return tf.io.parse_single_sequence_example(_seq(tf),
                                               sequence_features={"tok": tf.io.FixedLenFeature([2], tf.int64)})


@case
def parse_sequence_error_nothing(tf: Any) -> Any:
    return tf.io.parse_single_sequence_example(_seq(tf))


@case
def parse_inside_dataset_map(tf: Any) -> Any:
    records = [_ex(tf, x=[float(i), float(i) * 2], y=[i]).SerializeToString() for i in range(5)]
    spec = {"x": tf.io.FixedLenFeature([2], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64)}
    ds = tf.data.Dataset.from_tensor_slices(records).map(lambda r: tf.io.parse_single_example(r, spec))
    ds = ds.map(lambda d: (d["x"], d["y"])).batch(2)
    return ds.element_spec, [(x.numpy().tolist(), y.numpy().tolist()) for x, y in ds]


@case
def parse_example_after_batch_in_map(tf: Any) -> Any:
    records = [_ex(tf, v=list(range(i))).SerializeToString() for i in range(1, 5)]
    spec = {"v": tf.io.VarLenFeature(tf.int64)}
    ds = tf.data.Dataset.from_tensor_slices(records).batch(2).map(
        lambda r: tf.sparse.to_dense(tf.io.parse_example(r, spec)["v"]))
    return [t.numpy().tolist() for t in ds]


# -- TFRecord files ---------------------------------------------------------------------------------------------------

_RECORDS = [b"hello", b"", b"x" * 1000, bytes(range(256)) * 40]


def _records(tf: Any) -> list[bytes]:
    return _RECORDS + [_ex(tf, i=[i], v=[0.5 * i]).SerializeToString(deterministic=True) for i in range(20)]


def _write_all(tf: Any, path: str, options: Any = None) -> None:
    with tf.io.TFRecordWriter(path, options) as w:
        for r in _records(tf):
            w.write(r)


@writer
def w_plain(tf: Any, d: str) -> None:
    _write_all(tf, os.path.join(d, "plain.tfrecord"))


@writer
def w_gzip(tf: Any, d: str) -> None:
    _write_all(tf, os.path.join(d, "gzip.tfrecord"), tf.io.TFRecordOptions(compression_type="GZIP"))


@writer
def w_zlib(tf: Any, d: str) -> None:
    _write_all(tf, os.path.join(d, "zlib.tfrecord"), "ZLIB")


@writer
def w_examples(tf: Any, d: str) -> None:
    w = tf.io.TFRecordWriter(os.path.join(d, "examples.tfrecord"))
    for i in range(6):
        w.write(_ex(tf, x=[float(i), -float(i)], y=[i % 2], name=[f"n{i}".encode()]).SerializeToString(
            deterministic=True))
    w.close()


@writer
def w_examples_default_order(tf: Any, d: str) -> None:
    """TF's default serialisation orders map entries by hash (not reproducible): the bytes differ, the parse not."""
    with tf.io.TFRecordWriter(os.path.join(d, "examples_hashorder.tfrecord")) as w:
        for i in range(3):
            w.write(_ex(tf, x=[float(i)], y=[i], name=[b"n"], zz=[1], aa=[2.0]).SerializeToString())


@reader
def r_examples_default_order(tf: Any, d: str) -> Any:
    spec = {k: tf.io.VarLenFeature(dt) for k, dt in
            (("x", tf.float32), ("y", tf.int64), ("name", tf.string), ("zz", tf.int64), ("aa", tf.float32))}
    ds = tf.data.TFRecordDataset(os.path.join(d, "examples_hashorder.tfrecord")).map(
        lambda r: tf.io.parse_single_example(r, spec))
    return [{k: v.values.numpy().tolist() for k, v in e.items()} for e in ds]


@writer
def w_empty(tf: Any, d: str) -> None:
    tf.io.TFRecordWriter(os.path.join(d, "empty.tfrecord")).close()


def _read(tf: Any, path: str, compression: str | None = None) -> list[str]:
    return [r.numpy().hex() for r in tf.data.TFRecordDataset(path, compression_type=compression)]


@reader
def r_plain(tf: Any, d: str) -> Any:
    return _read(tf, os.path.join(d, "plain.tfrecord"))


@reader
def r_gzip(tf: Any, d: str) -> Any:
    return _read(tf, os.path.join(d, "gzip.tfrecord"), "GZIP")


@reader
def r_zlib(tf: Any, d: str) -> Any:
    return _read(tf, os.path.join(d, "zlib.tfrecord"), "ZLIB")


@reader
def r_empty(tf: Any, d: str) -> Any:
    return _read(tf, os.path.join(d, "empty.tfrecord"))


@reader
def r_examples(tf: Any, d: str) -> Any:
    spec = {"x": tf.io.FixedLenFeature([2], tf.float32), "y": tf.io.FixedLenFeature([], tf.int64),
            "name": tf.io.FixedLenFeature([], tf.string)}
    ds = tf.data.TFRecordDataset([os.path.join(d, "examples.tfrecord")]).map(
        lambda r: tf.io.parse_single_example(r, spec)).batch(4)
    return [{k: v.numpy().tolist() for k, v in b.items()} for b in ds]


@reader
def r_interleaved(tf: Any, d: str) -> Any:
    files = [os.path.join(d, "plain.tfrecord"), os.path.join(d, "examples.tfrecord")]
    return [r.numpy().hex()[:16] for r in tf.data.TFRecordDataset(files, num_parallel_reads=2)]


@reader
def r_corrupt(tf: Any, d: str) -> Any:
    """Flip one byte of a record's data: the first records read, then DataLossError."""
    raw = bytearray(open(os.path.join(d, "plain.tfrecord"), "rb").read())
    raw[16 + 5 + 16 + 12 + 3] ^= 1  # inside the third record's data
    path = os.path.join(d, "corrupt.tfrecord")
    with open(path, "wb") as f:
        f.write(bytes(raw))
    got = []
    try:
        for r in tf.data.TFRecordDataset(path):
            got.append(len(r.numpy()))
    except Exception as e:  # noqa: BLE001
        got.append(type(e).__name__)
    return got


@reader
def r_truncated(tf: Any, d: str) -> Any:
    raw = open(os.path.join(d, "plain.tfrecord"), "rb").read()
    out = []
    for cut in (5, 30):
        path = os.path.join(d, f"trunc{cut}.tfrecord")
        with open(path, "wb") as f:
            f.write(raw[:len(raw) - cut] if cut == 5 else raw[:cut])
        got: list[Any] = []
        try:
            for r in tf.data.TFRecordDataset(path):
                got.append(len(r.numpy()))
        except Exception as e:  # noqa: BLE001
            got.append(type(e).__name__)
        out.append(got[-3:])
    return out


# -- tensor protos, raw bytes, files ---------------------------------------------------------------------------------

@case
def serialize_tensor_bytes(tf: Any) -> Any:
    values = [tf.constant([1.0, 2.0]), tf.constant(3), tf.constant([[1, 2]], tf.int64), tf.constant(["ab", "c"]),
              tf.constant("x"), tf.constant([True, False]), tf.constant([1.5], tf.float16),
              tf.constant([1 + 2j], tf.complex64), tf.constant([], tf.float32), tf.zeros([2, 0]),
              tf.constant([1], tf.uint8), tf.constant([1.0], tf.bfloat16), tf.constant([-1], tf.int8),
              tf.constant(np.array([1], np.uint64)), tf.constant([[1.5]], tf.float64), tf.constant([7], tf.uint16)]
    return [tf.io.serialize_tensor(v).numpy().hex() for v in values]


@case
def parse_tensor_round_trip(tf: Any) -> Any:
    values = [tf.constant([[1.0, 2.0]]), tf.constant(["a", "bc"]), tf.constant(7, tf.int64),
              tf.constant([True]), tf.constant([1 - 1j], tf.complex128), tf.constant([0.5], tf.float16)]
    return [tf.io.parse_tensor(tf.io.serialize_tensor(v), v.dtype) for v in values]


@case
def parse_tensor_typed_value_fields(tf: Any) -> Any:
    # TensorProtos using the typed value fields instead of tensor_content (float_val with the fill rule, int_val,
    # half_val, bool_val, int64_val, none at all) and string_val with the fill rule
    protos = ["08011204120208032a080000e0400000803f", "0803120812020802120208023a0b01feffffffffffffffff01",
              "08131204120208026a028078", "080a1204120208025a0101", "08091200520afbffffffffffffffff01",
              "0802120412020802", "0807120412020803420161"]
    dtypes = [tf.float32, tf.int32, tf.float16, tf.bool, tf.int64, tf.float64, tf.string]
    out = []
    for h, dt in zip(protos, dtypes):
        try:
            out.append(tf.io.parse_tensor(bytes.fromhex(h), dt))
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)
    return out


@case
def parse_tensor_error_dtype(tf: Any) -> Any:
    return tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([1.0])), tf.int32)


@case
def parse_tensor_error_garbage(tf: Any) -> Any:
    return tf.io.parse_tensor(b"\xff\xff", tf.int32)


@case
def decode_raw_kinds(tf: Any) -> Any:
    s = tf.constant([b"\x01\x00\x02\x00", b"\x03\x00\x04\x00"])
    return (tf.io.decode_raw(s, tf.int16), tf.io.decode_raw(s, tf.int16, little_endian=False),
            tf.io.decode_raw(s, tf.uint8), tf.io.decode_raw(s, tf.bool), tf.io.decode_raw(s, tf.float16),
            tf.io.decode_raw(tf.constant(b"\x00\x00\x80\x3f"), tf.float32),
            tf.io.decode_raw(tf.constant(b"\x3f\x80\x00\x00"), tf.float32, little_endian=False),
            tf.io.decode_raw(tf.constant([[b"\x01\x02"]]), tf.uint8),
            tf.io.decode_raw(tf.constant([b"\x01\x00\x02", b"\x03"]), tf.uint8, fixed_length=4),
            tf.io.decode_raw(tf.constant([b"\x01\x00\x02", b"\x03"]), tf.int16, fixed_length=4))


@case
def decode_raw_error_sizes(tf: Any) -> Any:
    return tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00", b"\x03\x00"]), tf.int16)


@case
def decode_raw_error_multiple(tf: Any) -> Any:
    return tf.io.decode_raw(tf.constant([b"\x01\x00\x02"]), tf.int16)


@case
def decode_raw_error_string_type(tf: Any) -> Any:
    return tf.io.decode_raw(tf.constant(b"abc"), tf.string)


@case
def read_write_file(tf: Any) -> Any:
    import tempfile

    root = tempfile.mkdtemp()
    path = os.path.join(root, "a", "b", "c.bin")
    tf.io.write_file(path, b"\x00hello\n")
    out: list[Any] = [tf.io.read_file(path)]
    for bad in (os.path.join(root, "nope"), root):
        try:
            tf.io.read_file(bad)
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)
    return out


@case
def gfile_operations(tf: Any) -> Any:
    import tempfile

    g = tf.io.gfile
    root = tempfile.mkdtemp()
    j = os.path.join
    out: list[Any] = []

    def step(fn: Callable[[], Any]) -> None:
        try:
            r = fn()
            out.append(r if not isinstance(r, list) else [os.path.relpath(x, root) if x.startswith(root) else x
                                                           for x in r])
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)

    step(lambda: g.makedirs(j(root, "x", "y")))
    step(lambda: g.makedirs(j(root, "x", "y")))
    step(lambda: g.mkdir(j(root, "x", "y")))
    step(lambda: g.mkdir(j(root, "q", "r")))
    with g.GFile(j(root, "x", "f.txt"), "w") as f:
        f.write("é")
        f.write(b"b\nline2")
    step(lambda: g.exists(j(root, "x", "f.txt")))
    step(lambda: g.isdir(j(root, "x")))
    step(lambda: g.listdir(j(root, "x")))
    step(lambda: g.listdir(j(root, "nope")))
    step(lambda: g.glob(j(root, "*", "*.txt")))
    step(lambda: g.glob(j(root, "zz*")))
    step(lambda: (g.stat(j(root, "x", "f.txt")).length, g.stat(j(root, "x")).is_directory))
    step(lambda: g.stat(j(root, "nope")))
    step(lambda: g.copy(j(root, "x", "f.txt"), j(root, "x", "g.txt")))
    step(lambda: g.copy(j(root, "x", "f.txt"), j(root, "x", "g.txt")))
    step(lambda: g.copy(j(root, "x", "f.txt"), j(root, "x", "g.txt"), overwrite=True))
    step(lambda: g.rename(j(root, "x", "g.txt"), j(root, "x", "f.txt")))
    step(lambda: g.rename(j(root, "x", "g.txt"), j(root, "x", "h.txt")))
    step(lambda: g.remove(j(root, "x", "h.txt")))
    step(lambda: g.remove(j(root, "x", "h.txt")))
    step(lambda: g.remove(j(root, "x")))
    with g.GFile(j(root, "x", "f.txt")) as f:
        out.append((f.read(), f.tell(), f.size()))
    with g.GFile(j(root, "x", "f.txt"), "rb") as f:
        out.append((f.readline(), f.read(2), f.tell()))
    with g.GFile(j(root, "x", "f.txt"), "a") as f:
        f.write("z")
    with g.GFile(j(root, "x", "f.txt")) as f:
        out.append(f.readlines())
    out.append(list(g.GFile(j(root, "x", "f.txt"), "rb")))
    step(lambda: g.GFile(j(root, "nope")).read())
    step(lambda: g.GFile(j(root, "nope", "x"), "w").write("a"))
    step(lambda: g.GFile(j(root, "w.txt"), "x"))
    out.append([(os.path.relpath(d, root), s, f) for d, s, f in g.walk(j(root, "x"))])
    step(lambda: g.rmtree(j(root, "x")))
    step(lambda: g.rmtree(j(root, "x")))
    step(lambda: g.exists(j(root, "x")))
    return out

# -- CSV --------------------------------------------------------------------------------------------------------------

def _csv_case(tf: Any, records: Any, defaults: Any, **kw: Any) -> Any:
    return tf.io.decode_csv(records, defaults, **kw)


@case
def csv_decode_basic(tf: Any) -> Any:
    return _csv_case(tf, ["1,2.5,a,", '3,,"b,c",x', "-7, 8 ,,y"], [[0], [0.0], [""], ["d"]])


@case
def csv_decode_dtypes(tf: Any) -> Any:
    return _csv_case(tf, ["1.5e3,1e40,nan,2147483648,inf,-Inf,1.,.5"],
                     [[0.0], [0.0], [tf.constant(0.0, tf.float64)], [tf.constant(0, tf.int64)]] + [[0.0]] * 4)


@case
def csv_decode_required_empty_default(tf: Any) -> Any:
    return _csv_case(tf, ["1,2.5,a,"], [tf.constant([], tf.int32), [0.0], [""], ["d"]])


@case
def csv_decode_options(tf: Any) -> Any:
    return (_csv_case(tf, ["1;2"], [[0], [0]], field_delim=";"), _csv_case(tf, ['"a""b",c'], [[""], [""]]),
            _csv_case(tf, ['"a""b",c'], [[""], [""]], use_quote_delim=False),
            _csv_case(tf, ["NA,2"], [[0], [0]], na_value="NA"),
            _csv_case(tf, ["1,2,3,4"], [[0], [0]], select_cols=[1, 3]),
            _csv_case(tf, "1,2", [[0], [tf.constant(0, tf.int64)]]),
            _csv_case(tf, [["1,2"], ["3,4"]], [[0], [0]]), _csv_case(tf, ["010, 5,+3"], [[0], [0], [0]]),
            _csv_case(tf, ['"",x,'], [[""], [""], ["e"]]))


def _csv_error(name: str, records: Any, defaults: Any, **kw: Any) -> None:
    def fn(tf: Any) -> Any:
        return _csv_case(tf, records, defaults(tf) if callable(defaults) else defaults, **kw)

    fn.__name__ = name
    case(fn)


_csv_error("csv_error_too_few_fields", ["1,2.5"], [[0], [0.0], [""]])
_csv_error("csv_error_not_int", ["x,2.5"], [[0], [0.0]])
_csv_error("csv_error_int32_overflow", ["2147483648"], [[0]])
_csv_error("csv_error_float_as_int", ["1.5"], [[0]])
_csv_error("csv_error_hex_int", ["0x10"], [[0]])
_csv_error("csv_error_delim_two_chars", ["1,2"], [[0], [0]], field_delim=";;")
_csv_error("csv_error_quote_in_unquoted", ['a"b,c'], [[""], [""]])
_csv_error("csv_error_text_after_quote", ['"ab"c,d'], [[""], [""]])
_csv_error("csv_error_bool_default", ["1,2"], [[0], [True]])
_csv_error("csv_error_rank2_default", ["1,2"], [[0], [[1, 2]]])
_csv_error("csv_error_empty_record", [""], [[7]])
_csv_error("csv_error_select_not_increasing", ["1,2,3,4"], [[0], [0]], select_cols=[3, 1])
_csv_error("csv_error_required_missing", [",1"], lambda tf: [tf.constant([], tf.string), tf.constant([], tf.int32)])


def _csv_file(text: str) -> str:
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "d.csv")
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


@case
def csv_dataset_rows(tf: Any) -> Any:
    path = _csv_file('a,b,c\n1,2.5,x\n3,,"y\nz"\n4,5,w\r\n6,7,"q""r"\n')
    ds = tf.data.experimental.CsvDataset(path, [tf.int32, [0.0], tf.string], header=True)
    return ds.element_spec, [[t.numpy() for t in row] for row in ds]


@case
def csv_dataset_select_exclude(tf: Any) -> Any:
    path = _csv_file("1,2,3,4\n5,6,7,8\n")
    a = tf.data.experimental.CsvDataset(path, [[0], [tf.constant(0, tf.int64)]], select_cols=[1, 3])
    b = tf.data.experimental.CsvDataset(path, [[0], [0.0], [""]], exclude_cols=[0])
    return [[t.numpy() for t in r] for r in a], [[t.numpy() for t in r] for r in b], b.element_spec


@case
def csv_dataset_blank_line_error(tf: Any) -> Any:
    path = _csv_file("1,2\n\n3,4\n")
    out: list[Any] = []
    try:
        for r in tf.data.experimental.CsvDataset(path, [[0], [0]]):
            out.append([t.numpy() for t in r])
    except Exception as e:  # noqa: BLE001
        out.append(type(e).__name__)
    return out


@case
def csv_dataset_header_not_number(tf: Any) -> Any:
    return list(tf.data.experimental.CsvDataset(_csv_file("a,b\n1,2\n"), [[0], [0]]))


@case
def csv_dataset_missing_file(tf: Any) -> Any:
    return list(tf.data.experimental.CsvDataset("/nonexistent/dir/x.csv", [[0]]))


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(_plain(v) for v in x)
    return x.numpy().tolist() if hasattr(x, "numpy") else repr(x)


@case
def make_csv_dataset_inference(tf: Any) -> Any:
    path = _csv_file("a,b,c,d,e\n1,3000000000,x,1.5,1e50\n,,,,\n2,5,9,2,-1\n")
    ds = tf.data.experimental.make_csv_dataset(path, batch_size=3, num_epochs=1, shuffle=False)
    return _plain(ds.element_spec), [_plain(b) for b in ds]


@case
def make_csv_dataset_label_select_epochs(tf: Any) -> Any:
    path = _csv_file("a,b,c\n7,8,q\n9,10,r\n11,12,s\n")
    d1 = tf.data.experimental.make_csv_dataset(path, batch_size=2, label_name="c", num_epochs=2, shuffle=False,
                                               column_defaults=[0, 0.0, ""])
    d2 = tf.data.experimental.make_csv_dataset([path], batch_size=1, column_names=["x", "y", "z"],
                                               select_columns=["z", "x"], num_epochs=1, shuffle=False)
    d3 = tf.data.experimental.make_csv_dataset(path, batch_size=2, num_epochs=None, shuffle=False)
    it = iter(d3)
    return ([_plain(b) for b in d1], _plain(d1.element_spec), [_plain(b) for b in d2],
            [_plain(next(it)) for _ in range(3)], _plain(d3.element_spec))


@case
def make_csv_dataset_shuffle_keeps_rows(tf: Any) -> Any:
    path = _csv_file("a,b\n" + "".join(f"{i},{i * i}\n" for i in range(20)))
    ds = tf.data.experimental.make_csv_dataset(path, batch_size=6, num_epochs=1, shuffle=True, shuffle_seed=3)
    batches = [_plain(b) for b in ds]  # one pass: each pass reshuffles
    return sorted(zip(sum((b["a"] for b in batches), []), sum((b["b"] for b in batches), [])))


@case
def make_csv_dataset_parallel_reads(tf: Any) -> Any:
    import tempfile

    root = tempfile.mkdtemp()
    for name, text in (("1.csv", "a,b\n1,x\n2,y\n"), ("2.csv", "a,b\n3,z\n4,w\n5,v\n")):
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
    ds = tf.data.experimental.make_csv_dataset(os.path.join(root, "*.csv"), batch_size=4, num_epochs=1,
                                               shuffle=False, num_parallel_reads=2)
    return [_plain(b) for b in ds]


@case
def make_csv_dataset_errors(tf: Any) -> Any:
    path = _csv_file("a,b\n1,2\n")
    out = []
    for kw in ({"label_name": "zz"}, {"column_names": ["x"], "header": False, "select_columns": ["q"]}):
        try:
            tf.data.experimental.make_csv_dataset(path, batch_size=1, **kw)
            out.append("ok")
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)
    return out

# -- PNG --------------------------------------------------------------------------------------------------------------

def _images() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    out = {}
    for c in (1, 2, 3, 4):
        out[f"u8_c{c}"] = rng.integers(0, 256, (9, 13, c), dtype=np.uint8)
        out[f"u16_c{c}"] = rng.integers(0, 65536, (5, 7, c), dtype=np.uint16)
    smooth = np.add.outer(np.arange(16), np.arange(20)).astype(np.uint8)
    out["u8_smooth_c3"] = np.stack([smooth, smooth * 2, 255 - smooth], axis=-1)
    grey = out["u8_c3"].copy()
    grey[0, :5] = 77  # grey pixels pass through the RGB -> grey conversion
    out["u8_grey_pixels_c3"] = grey
    return out


@writer
def w_png(tf: Any, d: str) -> None:
    for name, img in _images().items():
        with open(os.path.join(d, f"{name}.png"), "wb") as f:
            f.write(tf.io.encode_png(img).numpy())


@reader
def r_png(tf: Any, d: str) -> Any:
    out = {}
    for name in _images():
        data = open(os.path.join(d, f"{name}.png"), "rb").read()
        got = []
        for channels in (0, 1, 3, 4):
            for dtype in (tf.uint8, tf.uint16):
                got.append(tf.io.decode_png(data, channels=channels, dtype=dtype).numpy().tolist())
        got.append(tf.io.decode_image(data, dtype=tf.float32).numpy().round(6).tolist())
        out[name] = got
    return out


def _png(w: int, h: int, depth: int, ctype: int, rows: list[bytes], extra: bytes = b"", interlace: int = 0) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _hand_made_pngs() -> dict[str, bytes]:
    """PNG kinds TF's encoder does not write: palettes, transparency keys, 1/2/4-bit grey, every filter, Adam7."""
    out = {}
    out["palette_trns"] = _png(3, 2, 8, 3, [b"\x00\x00\x01\x02", b"\x00\x02\x01\x00"],
                               _chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])) + _chunk(b"tRNS", b"\x80\x00"))
    out["palette_4bit"] = _png(5, 1, 4, 3, [b"\x00\x01\x23\x10"],
                               _chunk(b"PLTE", bytes(range(12))))
    out["grey_1bit"] = _png(10, 2, 1, 0, [b"\x00\xa5\x80", b"\x00\x0f\xc0"])
    out["grey_2bit"] = _png(5, 1, 2, 0, [b"\x00\x1b\xc0"])
    out["grey_4bit"] = _png(3, 1, 4, 0, [b"\x00\x0f\x70"])
    out["grey_trns"] = _png(3, 1, 8, 0, [b"\x00\x05\x06\x05"], _chunk(b"tRNS", b"\x00\x05"))
    out["rgb_trns"] = _png(2, 1, 8, 2, [b"\x00\x01\x02\x03\x04\x05\x06"], _chunk(b"tRNS", b"\x00\x01\x00\x02\x00\x03"))
    rows = []
    rng = np.random.default_rng(3)
    for ftype in range(5):  # each filter type once (raw bytes are arbitrary: any row decodes)
        rows.append(bytes([ftype]) + rng.integers(0, 256, 12, dtype=np.uint8).tobytes())
    out["rgb_all_filters"] = _png(4, 5, 8, 2, rows)
    out["rgba16_filters"] = _png(2, 3, 16, 6, [bytes([f]) + rng.integers(0, 256, 16, dtype=np.uint8).tobytes()
                                             for f in (4, 3, 1)])
    # Adam7, 5x5 grey: passes 1..7 hold 1, 1, 2, 2x2?, ... rows of the sub-images (filter 0)
    w = h = 5
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    img = np.arange(25, dtype=np.uint8).reshape(5, 5) * 10
    inter = []
    for x0, y0, dx, dy in passes:
        sub = img[y0::dy, x0::dx]
        if sub.size:
            inter += [b"\x00" + r.tobytes() for r in sub]
    out["grey_adam7"] = _png(w, h, 8, 0, inter, interlace=1)
    return out


@case
def png_decode_hand_made(tf: Any) -> Any:
    out = {}
    for name, data in _hand_made_pngs().items():
        try:
            out[name] = [tf.io.decode_png(data, channels=c).numpy().tolist() for c in (0, 1, 3, 4)]
        except Exception as e:  # noqa: BLE001
            out[name] = type(e).__name__
    return out


@case
def png_encode_decode_round_trip(tf: Any) -> Any:
    out = []
    for name, img in _images().items():
        back = tf.io.decode_png(tf.io.encode_png(img, compression=9), dtype=tf.as_dtype(img.dtype))
        out.append((name, bool(np.array_equal(back.numpy(), img)), back.shape, back.dtype))
    return out, tf.image.decode_png(tf.image.encode_png(_images()["u8_c3"])).shape


def _png_error(name: str, fn: Callable[[Any], Any]) -> None:
    def prog(tf: Any) -> Any:
        return fn(tf)

    prog.__name__ = name
    case(prog)


_png_error("png_error_float_image", lambda tf: tf.io.encode_png(np.zeros((2, 2, 1), np.float32)))
_png_error("png_error_five_channels", lambda tf: tf.io.encode_png(np.zeros((2, 2, 5), np.uint8)))
_png_error("png_error_rank2", lambda tf: tf.io.encode_png(np.zeros((2, 2), np.uint8)))
_png_error("png_error_channels_2", lambda tf: tf.io.decode_png(tf.io.encode_png(np.zeros((2, 2, 3), np.uint8)), 2))
_png_error("png_error_not_an_image", lambda tf: tf.io.decode_png(b"notapng at all"))
_png_error("png_error_image_not_an_image", lambda tf: tf.io.decode_image(b"notapng at all"))
_png_error("png_error_bad_crc", lambda tf: tf.io.decode_png(
    tf.io.encode_png(np.zeros((2, 2, 3), np.uint8)).numpy()[:-5] + b"\x00\x00\x00\x00\x00"))

# -- the runner -----------------------------------------------------------------------------------------------------

def _text(tf: Any, value: Any) -> str:
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        inner = ", ".join(_text(tf, v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_text(tf, v)}" for k, v in value.items()) + "}"
    return repr(value)


def _run(fn: Callable[..., Any], tf: Any, *args: Any) -> list[str]:
    try:
        return ["val", _text(tf, fn(tf, *args))]
    except Exception as exc:  # noqa: BLE001 - compared by class
        return ["exc", type(exc).__name__]


# -- JPEG, GIF, BMP ---------------------------------------------------------------------------------------------------

# JPEGs with chroma layouts TF's encoder does not write (4:4:0 and 4:1:1), made once with tapegrad's encoder
_JPEG_HEX = {
    "440": (
        "ffd8ffe000104a46494600010101004800480000ffdb004300140e0f120f0d14121012171514181e32211e1c1c1e3d2c2e24"
        "3249404c4b47404645505a736250556d5645466488656d777b8182814e608d978c7d96737e817cffdb0043011517171e1a1e"
        "3b21213b7c5346537c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c"
        "7c7c7c7c7c7c7c7cffc0001108000b000d03011200021101031101ffc4001f00000105010101010101000000000000000001"
        "02030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
        "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a53545556"
        "5758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5"
        "b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003"
        "0101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102"
        "031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35"
        "363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495"
        "969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9ea"
        "f2f3f4f5f6f7f8f9faffda000c03010002110311003f00cab4b6f3074ebed5a5a3a825323be2bd6c4d57032949c36268348d"
        "c99c5230f3ae67327cdb642a3d803c0af36529e8efb9bc79ec9b96e7ffd9"
    ),
    "411": (
        "ffd8ffe000104a46494600010101004800480000ffdb004300140e0f120f0d14121012171514181e32211e1c1c1e3d2c2e24"
        "3249404c4b47404645505a736250556d5645466488656d777b8182814e608d978c7d96737e817cffdb0043011517171e1a1e"
        "3b21213b7c5346537c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c"
        "7c7c7c7c7c7c7c7cffc0001108000b000d03014100021101031101ffc4001f00000105010101010101000000000000000001"
        "02030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114"
        "328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a53545556"
        "5758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5"
        "b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003"
        "0101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102"
        "031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35"
        "363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495"
        "969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9ea"
        "f2f3f4f5f6f7f8f9faffda000c03010002110311003f00cab5b6f30838c9ad78346deb9dbfa51457462311cb51a27eb0e3a1"
        "168c8a594119e01a9dbf7d733993e6dae5467b00781451535a4d4dd8da949a8e87ffd9"
    ),
}


def _jpeg_images() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(17)
    y, x = np.mgrid[0:37, 0:45]
    smooth = np.stack([(x * 7 + y * 3) % 256, (x * y) % 256, (255 - x * 5) % 256], -1)
    noisy = np.clip(smooth + rng.integers(0, 60, smooth.shape), 0, 255).astype(np.uint8)
    return {"rgb_37x45": noisy, "grey_21x19": noisy[:21, :19, :1].copy(), "rgb_1x1": noisy[:1, :1].copy(),
            "rgb_2x3": noisy[:2, :3].copy(), "rgb_16x16": noisy[:16, :16].copy()}


def _pil_jpegs() -> dict[str, bytes]:
    """JPEGs from another encoder (Pillow's libjpeg, when installed): 4:2:2, restart intervals, progressive,
    optimised tables, CMYK (Adobe, inverted), Adobe RGB, greyscale."""
    try:
        import io

        from PIL import Image
    except ImportError:
        if os.environ.get("TAPEGRAD_REQUIRE_TF"):  # CI: the conformance extra installs Pillow; never an empty case
            raise
        return {}
    img = _jpeg_images()["rgb_37x45"]
    out = {}
    for name, kw, mode in (("422", {"subsampling": 1, "quality": 85}, None),
                           ("420_rst", {"subsampling": 2, "restart_marker_blocks": 3}, None),
                           ("444_rst_rows", {"subsampling": 0, "restart_marker_rows": 1}, None),
                           ("prog", {"progressive": True, "quality": 70}, None),
                           ("prog_rst", {"progressive": True, "restart_marker_blocks": 5}, None),
                           ("opt", {"optimize": True}, None), ("cmyk", {"quality": 90}, "CMYK"),
                           ("grey", {"quality": 60}, "L"), ("adobe_rgb", {"keep_rgb": True}, None)):
        b = io.BytesIO()
        im = Image.fromarray(img)
        try:
            (im.convert(mode) if mode else im).save(b, "JPEG", **kw)
        except (TypeError, ValueError, OSError):
            continue
        out[name] = b.getvalue()
    return out


def _all_jpegs(tf: Any) -> dict[str, bytes]:
    out = {k: bytes.fromhex("".join(v)) for k, v in _JPEG_HEX.items()}
    out.update(_pil_jpegs())
    for name, img in _jpeg_images().items():
        out["own_" + name] = tf.io.encode_jpeg(img, quality=80).numpy()
    return out


@case
def jpeg_encode_bytes(tf: Any) -> Any:
    """TF's bytes for the default settings, optimize_size, 4:4:4, every quality band, greyscale, metadata."""
    imgs = _jpeg_images()
    out = []
    for img in imgs.values():
        out.append(tf.io.encode_jpeg(img).numpy().hex())
    rgb = imgs["rgb_37x45"]
    for kw in ({"quality": 0}, {"quality": 10}, {"quality": 50}, {"quality": 100}, {"chroma_downsampling": False},
               {"optimize_size": True}, {"optimize_size": True, "quality": 30, "chroma_downsampling": False},
               {"density_unit": "cm", "x_density": 5, "y_density": 7}, {"xmp_metadata": "<x:xmpmeta/>"},
               {"format": "rgb"}):
        out.append(tf.io.encode_jpeg(rgb, **kw).numpy().hex())
    out.append(tf.io.encode_jpeg(imgs["grey_21x19"], format="grayscale", optimize_size=True).numpy().hex())
    return out


@case
def jpeg_encode_progressive(tf: Any) -> Any:
    """libjpeg's progressive script (successive approximation, optimal tables per scan): TF's bytes."""
    out = []
    for img in _jpeg_images().values():
        for kw in ({}, {"quality": 40, "chroma_downsampling": False}, {"quality": 100}):
            data = tf.io.encode_jpeg(img, progressive=True, **kw)
            out.append(data.numpy().hex())
    return out


@case
def jpeg_decode_every_option(tf: Any) -> Any:
    out = {}
    for name, data in _all_jpegs(tf).items():
        got = []
        for channels in (0, 1, 3):
            for dct in ("", "INTEGER_ACCURATE", "INTEGER_FAST"):
                try:
                    got.append(tf.io.decode_jpeg(data, channels=channels, dct_method=dct).numpy().tolist())
                except Exception as e:  # noqa: BLE001
                    got.append(type(e).__name__)
        got.append(tf.io.decode_jpeg(data, fancy_upscaling=False).numpy().tolist())
        for ratio in (2, 4, 8):
            got.append(tf.io.decode_jpeg(data, ratio=ratio).numpy().tolist())
            got.append(tf.io.decode_jpeg(data, ratio=ratio, dct_method="INTEGER_ACCURATE").numpy().tolist())
        got.append(tf.io.extract_jpeg_shape(data).numpy().tolist())
        got.append(tf.io.decode_image(data, dtype=tf.float32).numpy().round(6).tolist())
        out[name] = got
    return out


@case
def jpeg_decode_and_crop(tf: Any) -> Any:
    out = {}
    for name, data in _all_jpegs(tf).items():
        h, w, _ = tf.io.extract_jpeg_shape(data).numpy().tolist()
        got = []
        for win in ([0, 0, h, w], [3, 5, min(9, h - 3), min(11, w - 5)], [1, 17, h - 1, w - 17], [h - 1, w - 1, 1, 1],
                    [0, 16, 5, 2]):
            if win[2] <= 0 or win[3] <= 0:
                continue
            try:
                got.append(tf.io.decode_and_crop_jpeg(data, win).numpy().tolist())
                got.append(tf.io.decode_and_crop_jpeg(data, win, dct_method="INTEGER_ACCURATE").numpy().tolist())
            except Exception as e:  # noqa: BLE001
                got.append(type(e).__name__)
        out[name] = got
    return out


@case
def jpeg_truncated(tf: Any) -> Any:
    """A cut file: an error by default; the rows that arrived with acceptable_fraction (the rest black). With
    try_recover_truncated only the shape is compared (tapegrad's pixels after the cut differ from TF's)."""
    data = tf.io.encode_jpeg(_jpeg_images()["rgb_37x45"], quality=90).numpy()
    out = []
    for cut in (0.5, 0.8, 0.97):
        t = data[:int(len(data) * cut)]
        for kw in ({}, {"acceptable_fraction": 0.1}, {"acceptable_fraction": 0.9}):
            try:
                out.append(tf.io.decode_jpeg(t, **kw).numpy().tolist())
            except Exception as e:  # noqa: BLE001
                out.append(type(e).__name__)
        out.append(tf.io.decode_jpeg(t, try_recover_truncated=True).shape)
    return out


def _img_error(name: str, fn: Callable[[Any], Any]) -> None:
    def prog(tf: Any) -> Any:
        return fn(tf)

    prog.__name__ = name
    case(prog)


_JPG = bytes.fromhex("".join(_JPEG_HEX["440"]))
_img_error("jpeg_error_channels_4", lambda tf: tf.io.decode_jpeg(_JPG, channels=4))
_img_error("jpeg_error_ratio_3", lambda tf: tf.io.decode_jpeg(_JPG, ratio=3))
_img_error("jpeg_error_garbage", lambda tf: tf.io.decode_jpeg(b"\xff\xd8\xff\xe0garbage"))
_img_error("jpeg_error_empty", lambda tf: tf.io.decode_jpeg(b""))
_img_error("jpeg_error_no_eoi", lambda tf: tf.io.decode_jpeg(_JPG[:-2]))
_img_error("jpeg_error_crop_outside", lambda tf: tf.io.decode_and_crop_jpeg(_JPG, [5, 5, 10, 10]))
_img_error("jpeg_error_crop_negative", lambda tf: tf.io.decode_and_crop_jpeg(_JPG, [-1, 0, 2, 2]))
_img_error("jpeg_error_shape_of_text", lambda tf: tf.io.extract_jpeg_shape(b"abc"))
_img_error("jpeg_error_encode_quality", lambda tf: tf.io.encode_jpeg(np.zeros((2, 2, 3), np.uint8), quality=101))
_img_error("jpeg_error_encode_format", lambda tf: tf.io.encode_jpeg(np.zeros((2, 2, 3), np.uint8),
                                                                     format="grayscale"))
_img_error("jpeg_error_encode_two_channels", lambda tf: tf.io.encode_jpeg(np.zeros((2, 2, 2), np.uint8)))
_img_error("jpeg_error_adjust_batch", lambda tf: tf.image.adjust_jpeg_quality(np.zeros((2, 8, 8, 3), np.uint8), 5))


@case
def jpeg_misc(tf: Any) -> Any:
    img = _jpeg_images()["rgb_37x45"]
    return [tf.io.is_jpeg([_JPG, b"abc", b""]).numpy().tolist(), tf.io.is_jpeg(_JPG).numpy().tolist(),
            tf.io.extract_jpeg_shape(_JPG, output_type=tf.int64).numpy().tolist(),
            tf.image.adjust_jpeg_quality(img, 50).numpy().tolist(),
            tf.image.adjust_jpeg_quality(img[..., :1], 30).numpy().tolist(),
            tf.image.adjust_jpeg_quality(img.astype(np.float32) / 255, 20).numpy().round(6).tolist(),
            tf.image.adjust_jpeg_quality(img, 70, dct_method="INTEGER_ACCURATE").numpy().tolist(),
            tf.image.decode_jpeg(_JPG).shape, tf.image.encode_jpeg(img).numpy()[:4]]


def _bmp(w: int, h: int, bpp: int, rows: list[bytes]) -> bytes:
    import struct

    body = b"".join(rows)
    header = struct.pack("<iiihhiiiiii", 40, w, h, 1, bpp, 0, len(body), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<ihhi", 54 + len(body), 0, 0, 54) + header + body


def _bmps() -> dict[str, bytes]:
    rng = np.random.default_rng(5)
    def rows(w: int, h: int, c: int) -> list[bytes]:
        pad = (-(w * c)) % 4
        return [rng.integers(0, 256, w * c, dtype=np.uint8).tobytes() + b"\0" * pad for _ in range(h)]
    return {"bgr24": _bmp(5, 3, 24, rows(5, 3, 3)), "bgra32": _bmp(3, 2, 32, rows(3, 2, 4)),
            "grey8": _bmp(6, 2, 8, rows(6, 2, 1)), "mono1": _bmp(8, 1, 1, [b"\xa5\0\0\0"])}


@case
def bmp_top_down(tf: Any) -> Any:
    """A negative height stores the rows top-down (only decode_bmp here: TF 2.21's decode_image crashes on it)."""
    rows = [bytes(range(i * 9, i * 9 + 9)) + b"\0\0\0" for i in range(2)]
    data = _bmp(3, -2, 24, rows)
    return [tf.io.decode_bmp(data).numpy().tolist(), tf.io.decode_bmp(data, channels=4).numpy().tolist()]


def _gifs() -> dict[str, bytes]:
    """Hand-made GIFs: one frame; two frames where the second covers part of the canvas with a transparent index;
    an interlaced frame; and (with Pillow) animations."""
    import struct

    def lzw(idx: bytes, min_size: int) -> bytes:
        # "uncompressed" LZW: a clear code before every (2**min_size - 2) codes keeps the code width fixed
        clear, size = 1 << min_size, min_size + 1
        codes = []
        for i in range(0, len(idx), (1 << min_size) - 2):
            codes.append(clear)
            codes += list(idx[i:i + (1 << min_size) - 2])
        codes.append(clear + 1)
        acc = sum(c << (size * i) for i, c in enumerate(codes))
        raw = acc.to_bytes((size * len(codes) + 7) // 8, "little")
        return bytes([min_size]) + b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255]
                                            for i in range(0, len(raw), 255)) + b"\0"

    def frame(x: int, y: int, w: int, h: int, idx: bytes, trans: int = -1, interlace: bool = False,
              lct: bytes = b"") -> bytes:
        gce = b""
        if trans >= 0:
            gce = b"\x21\xf9\x04" + bytes([1]) + b"\0\0" + bytes([trans]) + b"\0"
        flags = (0x40 if interlace else 0) | ((0x80 | 1) if lct else 0)
        return gce + b"\x2c" + struct.pack("<HHHHB", x, y, w, h, flags) + lct + lzw(idx, 2)

    pal = bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    head = b"GIF89a" + struct.pack("<HHBBB", 4, 3, 0x81, 0, 0) + pal
    rng = np.random.default_rng(9)
    full = rng.integers(0, 4, 12, dtype=np.uint8).tobytes()
    out = {"one": head + frame(0, 0, 4, 3, full) + b"\x3b",
           "two_partial": head + frame(0, 0, 4, 3, full) + frame(1, 1, 2, 2, b"\x01\x03\x03\x02", trans=3)
           + frame(2, 0, 5, 5, bytes(25), lct=bytes([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0])) + b"\x3b",
           "interlaced": b"GIF89a" + struct.pack("<HHBBB", 2, 9, 0x81, 0, 0) + pal
           + frame(0, 0, 2, 9, rng.integers(0, 4, 18, dtype=np.uint8).tobytes(), interlace=True) + b"\x3b"}
    try:
        import io

        from PIL import Image
    except ImportError:
        if os.environ.get("TAPEGRAD_REQUIRE_TF"):
            raise
        return out
    frames = [Image.fromarray(rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)).quantize(8) for _ in range(3)]
    b = io.BytesIO()
    frames[0].save(b, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0)
    out["pil_anim"] = b.getvalue()
    return out


@case
def gif_and_bmp_decode(tf: Any) -> Any:
    out = {}
    for name, data in {**_gifs(), **_bmps()}.items():
        got = []
        for fn in (lambda d: tf.io.decode_gif(d), lambda d: tf.io.decode_bmp(d), lambda d: tf.io.decode_jpeg(d),
                   lambda d: tf.io.decode_png(d), lambda d: tf.io.decode_bmp(d, channels=4),
                   lambda d: tf.io.decode_bmp(d, channels=3), lambda d: tf.io.decode_bmp(d, channels=1),
                   lambda d: tf.io.decode_image(d), lambda d: tf.io.decode_image(d, expand_animations=False),
                   lambda d: tf.io.decode_image(d, channels=3, dtype=tf.float32),
                   lambda d: tf.io.decode_image(d, dtype=tf.uint16), lambda d: tf.io.decode_image(d, channels=1)):
            try:
                got.append(fn(data).numpy().tolist())
            except Exception as e:  # noqa: BLE001
                got.append(type(e).__name__)
        out[name] = got
    return out


@case
def image_formats_cross_decode(tf: Any) -> Any:
    """TF's shared kernel: decode_gif of a JPEG/PNG is one frame, decode_jpeg reads PNG, BMP only via decode_bmp or
    decode_image."""
    jpg = _JPG
    png = tf.io.encode_png(np.arange(24, dtype=np.uint8).reshape(2, 4, 3))
    out = []
    for data in (jpg, png.numpy()):
        for fn in (tf.io.decode_gif, tf.io.decode_png, tf.io.decode_jpeg, tf.io.decode_bmp, tf.io.decode_image):
            try:
                out.append(fn(data).numpy().tolist())
            except Exception as e:  # noqa: BLE001
                out.append(type(e).__name__)
    return out


@writer
def w_jpeg(tf: Any, d: str) -> None:
    for name, img in _jpeg_images().items():
        for tag, kw in (("default", {}), ("q30_444", {"quality": 30, "chroma_downsampling": False}),
                        ("opt", {"optimize_size": True}), ("progressive", {"progressive": True})):
            with open(os.path.join(d, f"{name}_{tag}.jpg"), "wb") as f:
                f.write(tf.io.encode_jpeg(img, **kw).numpy())


@reader
def r_jpeg(tf: Any, d: str) -> Any:
    out = {}
    for name in _jpeg_images():
        for tag in ("default", "q30_444", "opt", "progressive"):
            data = open(os.path.join(d, f"{name}_{tag}.jpg"), "rb").read()
            out[f"{name}_{tag}"] = [tf.io.decode_jpeg(data).numpy().tolist(),
                                    tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE", channels=1).numpy().tolist()]
    return out


def main() -> None:
    module, out, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
    peer = sys.argv[4] if len(sys.argv) > 4 else None
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = importlib.import_module(module)
    np.random.seed(0)
    os.makedirs(workdir, exist_ok=True)
    result: dict[str, Any] = {"cases": {}, "files": {}, "own": {}, "peer": {}}
    for write in WRITERS.values():
        write(tf, workdir)
    for name in sorted(os.listdir(workdir)):
        with open(os.path.join(workdir, name), "rb") as f:
            result["files"][name] = base64.b64encode(f.read()).decode()
    for name, fn in CASES.items():
        result["cases"][name] = _run(fn, tf)
    for name, fn in READERS.items():
        result["own"][name] = _run(fn, tf, workdir)
        if peer is not None:
            result["peer"][name] = _run(fn, tf, peer)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
