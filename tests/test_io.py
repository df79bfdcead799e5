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
               "tapegrad.io_ops.tfrecord", "tapegrad.io_ops.parsing", "tapegrad.data.tfrecord"]


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
