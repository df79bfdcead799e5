"""TensorBoard's event protos (``tensorflow/core/util/event.proto``, ``tensorflow/core/framework/summary.proto``) on
the hand-written wire format of :mod:`tapegrad._proto`: an event file is a TFRecord file of serialised ``Event``
messages, the first holding ``file_version`` ``"brain.Event:2"``, the others a ``Summary`` of tagged values.

>>> from tapegrad._summary_pb import Event, Summary, SummaryMetadata
>>> meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
>>> ev = Event(step=3, summary=Summary(value=[Summary.Value(tag="loss", metadata=meta)]))
>>> ev.SerializeToString().hex()
'10032a150a130a046c6f73734a0b0a090a077363616c617273'
>>> Event.FromString(ev.SerializeToString()).summary.value[0].metadata.plugin_data.plugin_name
'scalars'
"""

from __future__ import annotations

from ._proto import Field, Message
from .io_ops.tensor_proto import TensorProto

__all__ = ["Event", "Summary", "SummaryMetadata", "SourceMetadata", "HistogramProto", "read_events"]


class _PluginData(Message):
    _FULL_NAME = "tensorflow.SummaryMetadata.PluginData"
    _FIELDS = (Field("plugin_name", 1, "string"), Field("content", 2, "bytes"))


class SummaryMetadata(Message):
    """``tensorflow.SummaryMetadata``: which TensorBoard plugin reads the value (``plugin_data``), and labels.

    >>> from tapegrad._summary_pb import SummaryMetadata
    >>> SummaryMetadata(plugin_data={"plugin_name": "audio", "content": b"\\x10\\x0b"}).SerializeToString().hex()
    '0a0b0a05617564696f1202100b'
    """

    _FULL_NAME = "tensorflow.SummaryMetadata"
    _FIELDS = (Field("plugin_data", 1, "message", message=_PluginData), Field("display_name", 2, "string"),
               Field("summary_description", 3, "string"), Field("data_class", 4, "enum"))
    PluginData = _PluginData


class HistogramProto(Message):
    """``tensorflow.HistogramProto``: TF 1's histogram summaries (min, max, count, sums, and bucket limits/counts)."""

    _FULL_NAME = "tensorflow.HistogramProto"
    _FIELDS = (Field("min", 1, "double"), Field("max", 2, "double"), Field("num", 3, "double"),
               Field("sum", 4, "double"), Field("sum_squares", 5, "double"),
               Field("bucket_limit", 6, "double", repeated=True), Field("bucket", 7, "double", repeated=True))


class _Image(Message):
    _FULL_NAME = "tensorflow.Summary.Image"
    _FIELDS = (Field("height", 1, "int32"), Field("width", 2, "int32"), Field("colorspace", 3, "int32"),
               Field("encoded_image_string", 4, "bytes"))


class _Audio(Message):
    _FULL_NAME = "tensorflow.Summary.Audio"
    _FIELDS = (Field("sample_rate", 1, "float"), Field("num_channels", 2, "int64"),
               Field("length_frames", 3, "int64"), Field("encoded_audio_string", 4, "bytes"),
               Field("content_type", 5, "string"))


class _Value(Message):
    _FULL_NAME = "tensorflow.Summary.Value"
    _FIELDS = (Field("tag", 1, "string"), Field("simple_value", 2, "float", oneof="value"),
               Field("image", 4, "message", message=_Image, oneof="value"),
               Field("histo", 5, "message", message=HistogramProto, oneof="value"),
               Field("audio", 6, "message", message=_Audio, oneof="value"),
               Field("node_name", 7, "string"), Field("tensor", 8, "message", message=TensorProto, oneof="value"),
               Field("metadata", 9, "message", message=SummaryMetadata))


class Summary(Message):
    """``tensorflow.Summary``: ``repeated Value value = 1`` (a tag, its metadata and a tensor or simple value).

    >>> from tapegrad._summary_pb import Summary
    >>> Summary(value=[Summary.Value(tag="x", simple_value=0.5)]).SerializeToString().hex()
    '0a080a0178150000003f'
    """

    _FULL_NAME = "tensorflow.Summary"
    _FIELDS = (Field("value", 1, "message", repeated=True, message=_Value),)
    Value = _Value
    Image = _Image
    Audio = _Audio


class SourceMetadata(Message):
    """``tensorflow.SourceMetadata``: the program that wrote the file (``writer``)."""

    _FULL_NAME = "tensorflow.SourceMetadata"
    _FIELDS = (Field("writer", 1, "string"),)


class Event(Message):
    """``tensorflow.Event``: ``wall_time`` (seconds), ``step`` and one of ``file_version``, ``graph_def`` (a
    serialised GraphDef) or ``summary``; ``source_metadata`` in a file's first event.

    >>> from tapegrad._summary_pb import Event
    >>> Event(wall_time=1.5, file_version="brain.Event:2").SerializeToString().hex()
    '09000000000000f83f1a0d627261696e2e4576656e743a32'
    """

    _FULL_NAME = "tensorflow.Event"
    _FIELDS = (Field("wall_time", 1, "double"), Field("step", 2, "int64"),
               Field("file_version", 3, "string", oneof="what"), Field("graph_def", 4, "bytes", oneof="what"),
               Field("summary", 5, "message", message=Summary, oneof="what"),
               Field("source_metadata", 10, "message", message=SourceMetadata))


def read_events(path: str) -> list[Event]:
    """The events of one event file, in order (checksums verified, as ``tf.compat.v1.train.summary_iterator``).

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> from tapegrad._summary_pb import read_events
    >>> logdir = tempfile.mkdtemp()
    >>> with tf.summary.create_file_writer(logdir).as_default(step=1):
    ...     _ = tf.summary.scalar("loss", 0.5)
    >>> [ev.file_version or ev.summary.value[0].tag for ev in read_events(os.path.join(logdir, os.listdir(logdir)[0]))]
    ['brain.Event:2', 'loss']
    """
    from .io_ops.tfrecord import iter_records

    return [Event.FromString(r) for r in iter_records(path)]
