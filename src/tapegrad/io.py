"""``tapegrad.io`` (``tf.io``): TFRecord files, ``tf.train.Example`` parsing, tensor protos, CSV, raw bytes, PNG,
JPEG, GIF, BMP, files (``read_file``, ``write_file``, ``gfile``) and web-safe base64 of string tensors.

The file-format parts live in ``tapegrad.io_ops`` and are imported on first use, so ``import tapegrad`` stays fast.

>>> import tapegrad as tf
>>> tf.io.decode_base64(tf.io.encode_base64("hi")).numpy()
b'hi'
>>> ex = tf.train.Example(features=tf.train.Features(feature={
...     "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0]))}))
>>> tf.io.parse_single_example(ex.SerializeToString(), {"x": tf.io.FixedLenFeature([2], tf.float32)})["x"]
<tapegrad.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>
"""

from importlib import import_module as _import_module
from typing import Any as _Any

from .ops import collect as _collect

globals().update(_collect("io"))

# name -> module of tapegrad.io_ops that defines it (imported on first use)
_LAZY = {
    "TFRecordWriter": "tfrecord", "TFRecordOptions": "tfrecord",
    "FixedLenFeature": "parsing", "VarLenFeature": "parsing", "FixedLenSequenceFeature": "parsing",
    "RaggedFeature": "parsing", "SparseFeature": "parsing", "parse_single_example": "parsing",
    "parse_example": "parsing",
    "parse_single_sequence_example": "parsing", "parse_sequence_example": "parsing",
    "serialize_tensor": "tensor_proto", "parse_tensor": "tensor_proto",
    "decode_raw": "raw", "read_file": "raw", "write_file": "raw",
    "decode_csv": "csv_ops",
    "decode_png": "png", "encode_png": "png", "decode_image": "image_formats",
    "decode_jpeg": "jpeg", "encode_jpeg": "jpeg", "decode_and_crop_jpeg": "jpeg", "extract_jpeg_shape": "jpeg",
    "is_jpeg": "jpeg", "decode_gif": "gif", "decode_bmp": "bmp",
    "gfile": "gfile",
    "matching_files": "io_misc", "decode_compressed": "io_misc", "serialize_sparse": "io_misc",
    "serialize_many_sparse": "io_misc", "deserialize_many_sparse": "io_misc",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tapegrad.io' has no attribute {name!r}")
    mod = _import_module(f".io_ops.{module}", __package__)
    value = mod if name == module else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
