"""tf.io and tf.train.Example without TensorFlow: the wire format, CRC-32C, TFRecord files and parsing.

TensorFlow's own bytes and values are checked in ``tests/conformance/test_io_vs_tf.py``; here the known answers are
written out (protobuf encoding examples, the CRC-32C check value, TFRecord framing) so the tests run anywhere.
"""

from __future__ import annotations

import doctest
import importlib
import os
import struct

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _crc32c
from tapegrad._proto import DecodeError, encode_varint, read_varint
from tapegrad.errors import DataLossError, FailedPreconditionError, InvalidArgumentError, NotFoundError

T = tf.train

DOC_MODULES = ["tapegrad._proto", "tapegrad._crc32c", "tapegrad._example_pb", "tapegrad.io",
               "tapegrad.io_ops.tfrecord", "tapegrad.io_ops.parsing", "tapegrad.data.tfrecord",
               "tapegrad.io_ops.tensor_proto", "tapegrad.io_ops.raw", "tapegrad.io_ops.gfile",
               "tapegrad.io_ops.csv_ops", "tapegrad.io_ops.png", "tapegrad.data.csv_readers"]


@pytest.mark.parametrize("module", DOC_MODULES)
def test_docstrings_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- wire format ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,encoded", [(0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"),
                                           (-1, "ffffffffffffffffff01"), (2**63 - 1, "ffffffffffffffff7f")])
def test_varint_known_encodings(value: int, encoded: str) -> None:
    assert encode_varint(value).hex() == encoded
    decoded, end = read_varint(bytes.fromhex(encoded), 0)
    assert end == len(encoded) // 2 and decoded == value % 2**64


def test_truncated_varint_raises() -> None:
    with pytest.raises(DecodeError):
        read_varint(b"\x80\x80", 0)


def test_example_bytes_and_round_trip() -> None:
    ex = T.Example(features=T.Features(feature={
        "z": T.Feature(int64_list=T.Int64List(value=[1, -2])), "a": T.Feature(float_list=T.FloatList(value=[1.5])),
        "m": T.Feature(bytes_list=T.BytesList(value=[b"x", b""])), "e": T.Feature()}))
    # TF's SerializeToString(deterministic=True) of the same message
    assert ex.SerializeToString().hex() == (
        "0a3a0a0d0a0161120812060a040000c03f0a050a016512000a0c0a016d12070a050a01780a000a140a017a120f1a0d0a0b01feff"
        "ffffffffffffff01")
    back = T.Example.FromString(ex.SerializeToString())
    assert back == ex and back is not ex
    assert list(back.features.feature["z"].int64_list.value) == [1, -2]
    assert back.features.feature["e"].WhichOneof("kind") is None


def test_unpacked_repeated_fields_are_read() -> None:
    assert list(T.Int64List.FromString(bytes.fromhex("08010802")).value) == [1, 2]
    assert list(T.FloatList.FromString(struct.pack("<Bf", 0x0D, 2.5)).value) == [2.5]


def test_unknown_fields_are_kept() -> None:
    data = bytes.fromhex("0a0101") + bytes.fromhex("1005")  # field 2 (varint 5) is not in Int64List
    m = T.Int64List.FromString(bytes.fromhex("0a0101") + bytes.fromhex("1005"))
    assert list(m.value) == [1] and m.SerializeToString() == data


def test_presence_oneof_and_autovivification() -> None:
    ex = T.Example()
    _ = ex.features
    assert not ex.HasField("features") and ex.SerializeToString() == b""
    ex.features.feature["a"].int64_list.value.append(3)
    assert ex.HasField("features") and ex.SerializeToString().hex() == "0a0c0a0a0a016112051a030a0103"
    f = T.Feature(int64_list=T.Int64List(value=[1]))
    f.float_list.value.append(2.0)
    assert f.WhichOneof("kind") == "float_list" and not f.HasField("int64_list")
    assert T.Feature() != T.Feature(int64_list=T.Int64List())


def test_type_checks() -> None:
    with pytest.raises(TypeError):
        T.Int64List(value=[1.5])
    with pytest.raises(TypeError):
        T.Int64List(value=[True])
    with pytest.raises(TypeError):
        T.BytesList(value=["text"])
    with pytest.raises(ValueError):
        T.Int64List(value=[2**63])
    with pytest.raises(AttributeError):
        T.Example().features = T.Features()
    with pytest.raises(AttributeError):
        T.Int64List().value = [1]
    with pytest.raises(ValueError):
        T.Feature(bogus=1)
    assert T.FloatList(value=[0.1]).value[0] == float(np.float32(0.1))


def test_text_format() -> None:
    f = T.Feature(float_list=T.FloatList(value=[0.1, 1e20, float("nan"), -0.0, 16777217.0]))
    assert str(f) == "float_list {\n  value: 0.1\n  value: 1e+20\n  value: nan\n  value: -0\n  value: 16777216\n}\n"
    b = T.BytesList(value=[b"\x00\xff\"'\n", "é".encode()])
    assert str(b) == 'value: "\\000\\377\\"\\\'\\n"\nvalue: "\\303\\251"\n'


def test_user_message_not_mutated_by_constructor() -> None:
    inner = T.Int64List(value=[1])
    f = T.Feature(int64_list=inner)
    f.int64_list.value.append(2)
    assert list(inner.value) == [1]


# -- CRC-32C -----------------------------------------------------------------------------------------------------------

def test_crc32c_check_value() -> None:
    assert _crc32c.crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    assert _crc32c.crc32c(b"") == 0
    assert _crc32c.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4: 32 bytes of zeros


@pytest.mark.parametrize("n", [4096, 4097, 5000, 65536 + 3, (1 << 20) + 17])
def test_crc32c_numpy_path_equals_python_path(n: int) -> None:
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    assert _crc32c.crc32c(data) == _crc32c._raw_py(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


# -- TFRecord ----------------------------------------------------------------------------------------------------------

def _write(path: str, records: list[bytes], compression: str = "") -> None:
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=compression)) as w:
        for r in records:
            w.write(r)


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecord_round_trip(tmp_path: object, compression: str) -> None:
    path = os.path.join(str(tmp_path), "r.tfrecord")
    records = [b"a", b"", os.urandom(5000), b"text"]
    _write(path, records, compression)
    assert list(tf.data.TFRecordDataset(path, compression_type=compression).as_numpy_iterator()) == records


def test_tfrecord_framing_bytes(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "r.tfrecord")
    _write(path, [b"hello"])
    assert open(path, "rb").read().hex() == "0500000000000000eab2043e68656c6c6fbb1f1c19"  # TF's file


def test_tfrecord_corruption_is_data_loss_with_offset(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "r.tfrecord")
    _write(path, [b"hello", b"world!"])
    raw = bytearray(open(path, "rb").read())
    raw[21 + 12 + 2] ^= 0x10
    open(path, "wb").write(bytes(raw))
    got = []
    with pytest.raises(DataLossError, match=r"corrupted record at 33 in .*r\.tfrecord"):
        for r in tf.data.TFRecordDataset(path):
            got.append(r.numpy())
    assert got == [b"hello"]
    raw[2] ^= 1
    open(path, "wb").write(bytes(raw))
    with pytest.raises(DataLossError, match="Is this even a TFRecord file"):
        list(tf.data.TFRecordDataset(path))


def test_tfrecord_truncated_and_missing(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "r.tfrecord")
    _write(path, [b"hello", b"world!"])
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[:-3])
    with pytest.raises(DataLossError, match="truncated record at 21"):
        list(tf.data.TFRecordDataset(path))
    open(path, "wb").write(raw[:21 + 5])  # a header cut short: TF ends the file there
    assert [r.numpy() for r in tf.data.TFRecordDataset(path)] == [b"hello"]
    with pytest.raises(NotFoundError):
        list(tf.data.TFRecordDataset(os.path.join(str(tmp_path), "missing")))


def test_tfrecord_writer_closed_and_bad_input(tmp_path: object) -> None:
    w = tf.io.TFRecordWriter(os.path.join(str(tmp_path), "w.tfrecord"))
    with pytest.raises(TypeError):
        w.write(3)
    w.close()
    w.close()
    with pytest.raises(FailedPreconditionError):
        w.write(b"x")
    with pytest.raises(NotFoundError):
        tf.io.TFRecordWriter(os.path.join(str(tmp_path), "no", "dir", "x"))
    with pytest.raises(InvalidArgumentError):
        tf.io.TFRecordOptions(compression_type="BZ2")


def test_tfrecord_parallel_reads_interleave(tmp_path: object) -> None:
    a, b = os.path.join(str(tmp_path), "a"), os.path.join(str(tmp_path), "b")
    _write(a, [b"a1", b"a2", b"a3"])
    _write(b, [b"b1"])
    ds = tf.data.TFRecordDataset([a, b], num_parallel_reads=2)
    assert list(ds.as_numpy_iterator()) == [b"a1", b"b1", b"a2", b"a3"]
    files = tf.data.Dataset.from_tensor_slices([a, b])
    assert list(tf.data.TFRecordDataset(files).as_numpy_iterator()) == [b"a1", b"a2", b"a3", b"b1"]


# -- parsing ----------------------------------------------------------------------------------------------------------

def _ex(**kw: list) -> bytes:
    fs = {}
    for k, v in kw.items():
        kind = "bytes_list" if isinstance(v[0], bytes) else "float_list" if isinstance(v[0], float) else "int64_list"
        cls = {"bytes_list": T.BytesList, "float_list": T.FloatList, "int64_list": T.Int64List}[kind]
        fs[k] = T.Feature(**{kind: cls(value=v)})
    return T.Example(features=T.Features(feature=fs)).SerializeToString()


def test_parse_single_example_values_and_order() -> None:
    out = tf.io.parse_single_example(_ex(a=[1, 2], f=[1.5], b=[b"x", b"yy"], big=[300, -7]), {
        "a": tf.io.FixedLenFeature([2], tf.int64), "f": tf.io.FixedLenFeature([], tf.float32),
        "b": tf.io.VarLenFeature(tf.string), "big": tf.io.FixedLenFeature([2], tf.int64),
        "d": tf.io.FixedLenFeature([2], tf.float32, default_value=[0.0, 9.0])})
    assert list(out) == ["b", "a", "big", "d", "f"]
    assert out["a"].dtype == tf.int64 and out["a"].numpy().tolist() == [1, 2]
    assert out["big"].numpy().tolist() == [300, -7]
    assert out["f"].dtype == tf.float32 and float(out["f"]) == 1.5
    assert out["b"].values.numpy().tolist() == [b"x", b"yy"] and out["b"].indices.numpy().tolist() == [[0], [1]]
    assert out["d"].numpy().tolist() == [0.0, 9.0]


def test_parse_errors() -> None:
    s = _ex(a=[1, 2])
    with pytest.raises(InvalidArgumentError, match="required"):
        tf.io.parse_single_example(s, {"z": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(s, {"a": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(InvalidArgumentError, match="needs 3"):
        tf.io.parse_single_example(s, {"a": tf.io.FixedLenFeature([3], tf.int64)})
    with pytest.raises(InvalidArgumentError, match="int32"):
        tf.io.parse_single_example(s, {"a": tf.io.FixedLenFeature([2], tf.int32)})
    with pytest.raises(ValueError, match="FixedLenSequenceFeature"):
        tf.io.parse_single_example(s, {"a": tf.io.FixedLenFeature([None], tf.int64)})
    with pytest.raises(InvalidArgumentError):
        tf.io.parse_single_example(b"garbage", {"a": tf.io.VarLenFeature(tf.int64)})


def test_parse_example_batch_padding_and_sparse() -> None:
    out = tf.io.parse_example([_ex(a=[1, 2, 3, 4]), _ex(a=[5, 6]), _ex(b=[1.0])], {
        "a": tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True, default_value=-1),
        "v": tf.io.VarLenFeature(tf.int64)})
    assert out["a"].numpy().tolist() == [[[1, 2], [3, 4]], [[5, 6], [-1, -1]], [[-1, -1], [-1, -1]]]
    assert out["v"].dense_shape.numpy().tolist() == [3, 0]


def test_parse_in_dataset_map_returns_sparse_components() -> None:
    records = [_ex(v=list(range(i))) for i in range(1, 4)]
    ds = tf.data.Dataset.from_tensor_slices(records).map(
        lambda r: tf.io.parse_single_example(r, {"v": tf.io.VarLenFeature(tf.int64)})["v"])
    assert repr(ds.element_spec) == "SparseTensorSpec(TensorShape([None]), tapegrad.int64)"
    batch = next(iter(ds.batch(3)))
    assert tf.sparse.to_dense(batch).numpy().tolist() == [[0, 0, 0], [0, 1, 0], [0, 1, 2]]


# -- tensor protos, raw bytes, files ----------------------------------------------------------------------------------

def test_serialize_tensor_known_bytes_and_round_trip() -> None:
    # TF's bytes (tests/conformance checks many more dtypes)
    assert tf.io.serialize_tensor(tf.constant(3)).numpy().hex() == "08031200220403000000"
    assert tf.io.serialize_tensor(tf.constant(["ab", "c"])).numpy().hex() == "080712041202080242026162420163"
    for value in (tf.constant([[1.5, -2.0]], tf.float64), tf.constant([True, False]), tf.zeros([2, 0]),
                  tf.constant([1 + 2j], tf.complex64), tf.constant([7], tf.uint16)):
        back = tf.io.parse_tensor(tf.io.serialize_tensor(value), value.dtype)
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back.numpy(), value.numpy())
    with pytest.raises(InvalidArgumentError, match="float32"):
        tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([1.0])), tf.int32)


def test_parse_tensor_fill_rule() -> None:
    # float_val [7, 1] for shape [3]: the last value repeats (TF's rule)
    out = tf.io.parse_tensor(bytes.fromhex("08011204120208032a080000e0400000803f"), tf.float32)
    assert out.numpy().tolist() == [7.0, 1.0, 1.0]


def test_decode_raw() -> None:
    s = tf.constant([b"\x01\x00\x02\x00", b"\x03\x00\x04\x00"])
    assert tf.io.decode_raw(s, tf.int16).numpy().tolist() == [[1, 2], [3, 4]]
    assert tf.io.decode_raw(s, tf.int16, little_endian=False).numpy().tolist() == [[256, 512], [768, 1024]]
    assert tf.io.decode_raw(tf.constant([b"ab", b"c"]), tf.uint8, fixed_length=3).numpy().tolist() == [
        [97, 98, 0], [99, 0, 0]]
    with pytest.raises(InvalidArgumentError, match="same size"):
        tf.io.decode_raw(tf.constant([b"ab", b"abcd"]), tf.int16)
    with pytest.raises(InvalidArgumentError, match="multiple of 2"):
        tf.io.decode_raw(tf.constant([b"abc"]), tf.int16)


def test_read_write_file_and_gfile(tmp_path: object) -> None:
    root = str(tmp_path)
    path = os.path.join(root, "a", "b.bin")
    tf.io.write_file(path, b"\x00xyz")
    assert tf.io.read_file(path).numpy() == b"\x00xyz"
    with pytest.raises(NotFoundError):
        tf.io.read_file(os.path.join(root, "nope"))
    g = tf.io.gfile
    with g.GFile(os.path.join(root, "t.txt"), "w") as f:
        f.write("é\n")
        f.write(b"x")
    with g.GFile(os.path.join(root, "t.txt")) as f:
        assert f.readlines() == ["é\n", "x"]
    assert g.stat(os.path.join(root, "t.txt")).length == 4 and g.listdir(root) == ["a", "t.txt"]
    with pytest.raises(tf.errors.AlreadyExistsError):
        g.copy(os.path.join(root, "t.txt"), path)
    g.rename(os.path.join(root, "t.txt"), os.path.join(root, "u.txt"))
    assert not g.exists(os.path.join(root, "t.txt")) and g.glob(os.path.join(root, "*.txt")) == [
        os.path.join(root, "u.txt")]
    with pytest.raises(FailedPreconditionError):
        g.remove(os.path.join(root, "a"))
    g.rmtree(os.path.join(root, "a"))
    with pytest.raises(NotFoundError):
        g.listdir(os.path.join(root, "a"))


# -- CSV --------------------------------------------------------------------------------------------------------------

def test_decode_csv_typing_quotes_and_errors() -> None:
    a, b, c = tf.io.decode_csv(['1,2.5,"x,""y"""', "-3,, z"], [[0], [tf.constant(9.0, tf.float64)], ["d"]])
    assert a.dtype == tf.int32 and b.dtype == tf.float64 and c.dtype == tf.string
    assert a.numpy().tolist() == [1, -3] and b.numpy().tolist() == [2.5, 9.0]
    assert c.numpy().tolist() == [b'x,"y"', b" z"]
    with pytest.raises(InvalidArgumentError, match="not a valid int32"):
        tf.io.decode_csv(["2147483648"], [[0]])
    with pytest.raises(InvalidArgumentError, match="required"):
        tf.io.decode_csv([","], [[""], tf.constant([], tf.int64)])
    with pytest.raises(ValueError, match="strictly increasing"):
        tf.io.decode_csv(["1,2"], [[0], [0]], select_cols=[1, 0])


def test_csv_dataset_and_make_csv_dataset(tmp_path: object) -> None:
    path = os.path.join(str(tmp_path), "d.csv")
    with open(path, "w", newline="") as f:
        f.write('a,b,c\n1,2.5,x\n3,,"multi\nline"\n5,3000000000,y\n')
    ds = tf.data.experimental.CsvDataset(path, [tf.int32, tf.int32, tf.string], header=True)
    with pytest.raises(InvalidArgumentError, match=r"Field 1 in record at line 2 of .*d\.csv is not a valid int32"):
        list(ds)
    ds = tf.data.experimental.CsvDataset(path, [tf.int32, [0.0], tf.string], header=True)
    rows = [(int(a), float(b), c.numpy()) for a, b, c in ds.take(2)]
    assert rows == [(1, 2.5, b"x"), (3, 0.0, b"multi\nline")]
    made = tf.data.experimental.make_csv_dataset(path, batch_size=3, num_epochs=1, shuffle=False, label_name="a")
    features, label = next(iter(made))
    assert list(features) == ["b", "c"] and features["b"].dtype == tf.float32  # inferred: 2.5 makes it float
    assert label.dtype == tf.int32 and label.numpy().tolist() == [1, 3, 5]
    assert features["b"].numpy().tolist() == [2.5, 0.0, 3e9]


# -- PNG --------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(dtype: type, channels: int) -> None:
    rng = np.random.default_rng(channels)
    img = rng.integers(0, np.iinfo(dtype).max + 1, (7, 9, channels), dtype=dtype)
    png = tf.io.encode_png(img)
    back = tf.io.decode_png(png, dtype=tf.as_dtype(dtype))
    assert back.dtype == tf.as_dtype(dtype) and np.array_equal(back.numpy(), img)
    assert tf.image.decode_png(png, channels=4).shape == (7, 9, 4)


def test_png_channel_conversions() -> None:
    rgb = np.array([[[182, 105, 30], [77, 77, 77]]], np.uint8)
    grey = tf.io.decode_png(tf.io.encode_png(rgb), channels=1).numpy().ravel().tolist()
    assert grey == [119, 77]  # libpng's fixed-point weights, grey pixels unchanged
    assert tf.io.decode_png(tf.io.encode_png(rgb), channels=4).numpy()[0, 0].tolist() == [182, 105, 30, 255]
    assert tf.io.decode_png(tf.io.encode_png(rgb), dtype=tf.uint16).numpy()[0, 0].tolist() == [
        182 * 257, 105 * 257, 30 * 257]


def test_png_other_formats_and_damage() -> None:
    with pytest.raises(InvalidArgumentError, match="JPEG"):
        tf.io.decode_image(b"\xff\xd8\xff\xe0 not decoded here")
    with pytest.raises(InvalidArgumentError, match="GIF"):
        tf.io.decode_png(b"GIF89a......")
    with pytest.raises(tf.errors.UnimplementedError, match="WebP"):
        tf.io.decode_png(b"RIFF\0\0\0\0WEBPVP8 ")
    with pytest.raises(InvalidArgumentError, match="Unknown image file format"):
        tf.io.decode_image(b"plain text")
    png = bytearray(tf.io.encode_png(np.zeros((2, 2, 3), np.uint8)).numpy())
    png[40] ^= 0xFF
    with pytest.raises(InvalidArgumentError):
        tf.io.decode_png(bytes(png))


def test_io_ops_run_on_every_call_of_a_compiled_function(tmp_path: object) -> None:
    """Inside a tapegrad.function an io op is a host call of the program: each call parses its own bytes and reads
    the file as it is then (nothing of the traced call is frozen), one trace serves them all."""
    spec = {"a": tf.io.FixedLenFeature([2], tf.int64), "v": tf.io.VarLenFeature(tf.float32)}
    parse = tf.function(lambda r: (lambda d: (d["a"] * 2, tf.sparse.to_dense(d["v"]) + 1.0))(
        tf.io.parse_single_example(r, spec)))
    a, v = parse(tf.constant(_ex(a=[1, 2], v=[0.5, 1.5, 2.5])))
    assert a.numpy().tolist() == [2, 4] and v.numpy().tolist() == [1.5, 2.5, 3.5]
    a, v = parse(tf.constant(_ex(a=[5, 6], v=[9.0])))
    assert a.numpy().tolist() == [10, 12] and v.numpy().tolist() == [10.0]
    assert parse.experimental_get_tracing_count() == 1

    path = os.path.join(str(tmp_path), "img.png")

    @tf.function
    def load(p: object) -> object:
        return tf.reduce_sum(tf.cast(tf.io.decode_png(tf.io.read_file(p)), tf.int32))

    for value, shape in ((3, (2, 2, 1)), (5, (3, 4, 1))):
        tf.io.write_file(path, tf.io.encode_png(np.full(shape, value, np.uint8)))  # same path, new contents
        assert int(load(tf.constant(path))) == value * int(np.prod(shape))
    assert load.experimental_get_tracing_count() == 1

    @tf.function
    def roundtrip(p: object, img: object) -> object:
        tf.io.write_file(p, tf.io.encode_png(img))  # an effect at its place: the read below sees the file
        return tf.io.decode_png(tf.io.read_file(p))

    img = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    np.testing.assert_array_equal(roundtrip(tf.constant(path), img).numpy(), img)
    np.testing.assert_array_equal(roundtrip(tf.constant(path), img + 7).numpy(), img + 7)

    csv = tf.function(lambda s: tf.io.decode_csv(s, [[0.0], ["x"]]))
    assert [t.numpy().tolist() for t in csv(tf.constant(["1.5,hi", "2,yo"]))] == [[1.5, 2.0], [b"hi", b"yo"]]
    assert [t.numpy().tolist() for t in csv(tf.constant(["3,a"]))] == [[3.0], [b"a"]]
    ser = tf.function(lambda x: tf.io.parse_tensor(tf.io.serialize_tensor(x), tf.float32) * 2.0)
    assert ser(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert ser(tf.constant([3.0, 4.0])).numpy().tolist() == [6.0, 8.0]


def test_a_compiled_map_function_reads_each_element(tmp_path: object) -> None:
    """TF programs often decorate the map function with tf.function; each element's file is decoded."""
    paths = []
    for k in range(3):
        paths.append(os.path.join(str(tmp_path), f"{k}.png"))
        tf.io.write_file(paths[-1], tf.io.encode_png(np.full((k + 1, 2, 1), 10 * k, np.uint8)))

    @tf.function
    def load(p: object) -> object:
        return tf.cast(tf.io.decode_png(tf.io.read_file(p)), tf.float32) / 255.0

    got = [x.numpy() for x in tf.data.Dataset.from_tensor_slices(paths).map(load)]
    assert [g.shape for g in got] == [(1, 2, 1), (2, 2, 1), (3, 2, 1)]
    assert [float(g.max()) for g in got] == [0.0, np.float32(10) / np.float32(255), np.float32(20) / np.float32(255)]


def test_crc32c_many_equals_one_by_one() -> None:
    rng = np.random.default_rng(5)
    lengths = [0, 1, 7, 8, 200, 201, 4095, 4096, 4097, 9000] + rng.integers(0, 600, 300).tolist()
    datas = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in lengths]
    assert _crc32c.masked_crc32c_many(datas).tolist() == [_crc32c.masked_crc32c(d) for d in datas]


def test_tfrecord_damage_after_many_records(tmp_path: object) -> None:
    """Data checksums are verified a batch at a time: the records before a damaged one still come first."""
    path = os.path.join(str(tmp_path), "r.tfrecord")
    records = [bytes([i % 256]) * (i % 50) for i in range(600)]
    _write(path, records)
    raw = bytearray(open(path, "rb").read())
    offset = sum(16 + len(r) for r in records[:437])
    raw[offset + 12] ^= 0x01  # the first data byte of record 437 (it has 37 bytes)
    open(path, "wb").write(bytes(raw))
    got = []
    with pytest.raises(DataLossError, match=f"corrupted record at {offset + 12} "):
        for r in tf.data.TFRecordDataset(path):
            got.append(r.numpy())
    assert got == records[:437]


def test_message_copy_pickle_merge() -> None:
    import copy
    import pickle

    ex = T.Example(features=T.Features(feature={"a": T.Feature(int64_list=T.Int64List(value=[1]))}))
    for other in (copy.deepcopy(ex), pickle.loads(pickle.dumps(ex)), T.Example.FromString(ex.SerializeToString())):
        assert other == ex and other is not ex
    dup = copy.copy(ex)
    dup.features.feature["a"].int64_list.value.append(2)
    assert list(ex.features.feature["a"].int64_list.value) == [1]  # a copy, not a view
    ex.MergeFrom(T.Example(features=T.Features(feature={"b": T.Feature(float_list=T.FloatList(value=[0.5]))})))
    assert sorted(ex.features.feature) == ["a", "b"]
    assert [f.name for f, _ in ex.ListFields()] == ["features"] and ex.ByteSize() == len(ex.SerializeToString())
    ex.ClearField("features")
    assert ex.SerializeToString() == b"" and not ex.HasField("features")


def test_io_misc_docstrings_and_edges(tmp_path):
    import doctest

    from tapegrad.io_ops import io_misc

    assert doctest.testmod(io_misc).failed == 0
    with pytest.raises(tf.errors.InvalidArgumentError, match="compression_type"):
        tf.io.decode_compressed([b"x"], "BZ2")
    with pytest.raises(TypeError, match="out_type must be tf.string"):
        tf.io.serialize_sparse(tf.sparse.SparseTensor([[0]], [1.0], [2]), out_type=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank at least 2"):
        tf.io.serialize_many_sparse(tf.sparse.SparseTensor([[0]], [1.0], [2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[N, 3\]"):
        tf.io.deserialize_many_sparse(tf.constant(["a", "b"]), tf.float32)
    st = tf.sparse.SparseTensor([[0, 0, 1], [1, 2, 0]], ["a", "bc"], [2, 3, 2])
    back = tf.io.deserialize_many_sparse(tf.io.serialize_many_sparse(st), tf.string, rank=3)
    assert back.values.numpy().tolist() == [b"a", b"bc"] and back.dense_shape.numpy().tolist() == [2, 3, 2]


def test_sparse_feature_sorts_and_context_features():
    def ex(idx, val):
        return tf.train.Example(features=tf.train.Features(feature={
            "i": tf.train.Feature(int64_list=tf.train.Int64List(value=idx)),
            "v": tf.train.Feature(bytes_list=tf.train.BytesList(value=val))})).SerializeToString()

    out = tf.io.parse_example([ex([4, 0, 2], [b"x", b"y", b"z"])], {"s": tf.io.SparseFeature("i", "v", tf.string, 6)})
    assert out["s"].indices.numpy().tolist() == [[0, 0], [0, 2], [0, 4]]
    assert out["s"].values.numpy().tolist() == [b"y", b"z", b"x"]
    unsorted = tf.io.parse_example([ex([4, 0], [b"x", b"y"])],
                                   {"s": tf.io.SparseFeature("i", "v", tf.string, 6, already_sorted=True)})
    assert unsorted["s"].values.numpy().tolist() == [b"x", b"y"]  # trusted as given
    with pytest.raises(ValueError, match="one size per index key"):
        tf.io.parse_example([ex([1], [b"x"])], {"s": tf.io.SparseFeature(["i", "i"], "v", tf.string, 6)})
