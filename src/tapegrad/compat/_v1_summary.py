"""``tf.compat.v1.summary`` as TF 2 runs it eagerly: the summary ops return a serialised ``Summary`` proto (a string
tensor) — ``scalar`` (simple value), ``histogram`` (TF's exponential buckets, empty runs collapsed), ``text`` and
``tensor_summary`` (tensor values with plugin data), ``image`` (PNG), ``audio`` (WAV); with a default TF 2 summary
writer they write through it instead and return ``b""``, as TF. ``merge``/``merge_all`` and ``FileWriter`` are
graph-mode only (TF's RuntimeErrors)."""

from __future__ import annotations

import bisect
import functools
import sys
from typing import Any

import numpy as np

import tapegrad as tf

from .._summary_pb import Event, HistogramProto, Summary, SummaryMetadata
from ..io_ops.tensor_proto import make_tensor_proto


def _tag(name: str, family: Any) -> str:
    # TF 1's summary scope: the family names both the outer scope and the tag's prefix ("fam/fam/name")
    return f"{family}/{family}/{name}" if family else name


def _written(kind: str, name: str, tensor: Any, **kwargs: Any) -> bool:
    """Under a default TF 2 writer with a step, write through TF 2's summary op (TF's v1 -> v2 bridge)."""
    from .. import summary

    if summary._state.writer is None or summary._get_step() is None:
        return False
    getattr(summary, kind)(name, tensor, **kwargs)
    return True


def _out(value: Any) -> Any:
    return tf.constant(Summary(value=[value]).SerializeToString())


def scalar(name: str, tensor: Any, collections: Any = None, family: Any = None) -> Any:
    """A ``Summary`` with the scalar ``tensor`` as a simple value."""
    t = tf.convert_to_tensor(tensor)
    if t.shape.rank != 0:
        raise ValueError(f"Tensor must be a scalar (rank 0) to be recorded as a summary; got shape {t.shape}.")
    if _written("scalar", _tag(name, family), t):
        return tf.constant(b"")
    return _out(Summary.Value(tag=_tag(name, family), simple_value=float(t.numpy())))


@functools.lru_cache(maxsize=1)
def _limits() -> list[float]:
    # TF's default histogram buckets: ±1e-12 growing by 10% up to 1e20, then ±DBL_MAX, and 0 between
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(sys.float_info.max)
    return [-x for x in reversed(pos)] + [0.0] + pos


def _histogram_proto(values: np.ndarray) -> HistogramProto:
    limits = _limits()
    counts = [0.0] * len(limits)
    lo, hi, total, squares = sys.float_info.max, -sys.float_info.max, 0.0, 0.0
    for x in values.astype(np.float64).ravel().tolist():
        counts[min(bisect.bisect_right(limits, x), len(limits) - 1)] += 1.0
        lo, hi, total, squares = min(lo, x), max(hi, x), total + x, squares + x * x
    proto = HistogramProto(min=lo, max=hi, num=float(values.size), sum=total, sum_squares=squares)
    i = 0
    while i < len(limits):  # a run of empty buckets is written as one (its last limit), as TF
        end, count = limits[i], counts[i]
        i += 1
        if count <= 0.0:
            while i < len(limits) and counts[i] <= 0.0:
                end, count = limits[i], counts[i]
                i += 1
        proto.bucket_limit.append(end)
        proto.bucket.append(count)
    return proto


def histogram(name: str, values: Any, collections: Any = None, family: Any = None) -> Any:
    """A ``Summary`` with TF 1's histogram of ``values`` (every element)."""
    t = tf.convert_to_tensor(values)
    if _written("histogram", _tag(name, family), t):
        return tf.constant(b"")
    return _out(Summary.Value(tag=_tag(name, family), histo=_histogram_proto(np.asarray(t.numpy()))))


def _plugin_value(tag: str, t: Any, plugin: str | None) -> Any:
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=plugin)) if plugin else \
        SummaryMetadata()
    return Summary.Value(tag=tag, tensor=make_tensor_proto(t.numpy()), metadata=meta)


def text(name: str, tensor: Any, collections: Any = None) -> Any:
    """A ``Summary`` with the string ``tensor`` for TensorBoard's text plugin."""
    t = tf.convert_to_tensor(tensor)
    if t.dtype != tf.string:
        raise ValueError(f"Expected tensor {name} to have dtype string, got {t.dtype.name}")
    if _written("text", name, t):
        return tf.constant(b"")
    return _out(_plugin_value(name, t, "text"))


def tensor_summary(name: str, tensor: Any, summary_description: Any = None, collections: Any = None,
                   summary_metadata: Any = None, family: Any = None, display_name: Any = None) -> Any:
    """A ``Summary`` with ``tensor``'s value (no plugin)."""
    return _out(_plugin_value(_tag(name, family), tf.convert_to_tensor(tensor), None))


def image(name: str, tensor: Any, max_outputs: int = 3, collections: Any = None, family: Any = None) -> Any:
    """A ``Summary`` with up to ``max_outputs`` PNG images of a ``[batch, height, width, 1|3|4]`` tensor (uint8
    values as they are; floats scaled as TF 1: to [0, 255] by the maximum, or shifted around 127 when negative)."""
    t = tf.convert_to_tensor(tensor)
    if t.shape.rank != 4 or t.shape[-1] not in (1, 3, 4):
        raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {t.shape}")
    arr = np.asarray(t.numpy())
    if arr.dtype != np.uint8:
        a = arr.astype(np.float32)
        finite = a[np.isfinite(a)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        scale = 127.0 / max(abs(lo), abs(hi)) if lo < 0 else (255.0 / hi if hi > 0 else 0.0)
        offset = 128.0 if lo < 0 else 0.0
        arr = np.clip(np.round(a * scale + offset), 0, 255).astype(np.uint8)
    tag = _tag(name, family)
    values = []
    for i in range(min(max_outputs, arr.shape[0])):
        png = tf.io.encode_png(arr[i]).numpy()
        values.append(Summary.Value(tag=f"{tag}/image/{i}" if max_outputs > 1 else f"{tag}/image",
                                    image=Summary.Image(height=arr.shape[1], width=arr.shape[2],
                                                        colorspace=arr.shape[3], encoded_image_string=png)))
    return tf.constant(Summary(value=values).SerializeToString())


def audio(name: str, tensor: Any, sample_rate: Any, max_outputs: int = 3, collections: Any = None,
          family: Any = None) -> Any:
    """A ``Summary`` with up to ``max_outputs`` WAV clips of a ``[batch, frames(, channels)]`` float tensor."""
    t = tf.convert_to_tensor(tensor, dtype=tf.float32)
    if t.shape.rank == 2:
        t = tf.expand_dims(t, -1)
    rate = float(tf.convert_to_tensor(sample_rate).numpy())
    tag = _tag(name, family)
    values = []
    for i in range(min(max_outputs, int(t.shape[0]))):
        wav = tf.audio.encode_wav(t[i], int(rate)).numpy()
        values.append(Summary.Value(tag=f"{tag}/audio/{i}" if max_outputs > 1 else f"{tag}/audio",
                                    audio=Summary.Audio(sample_rate=rate, num_channels=int(t.shape[2]),
                                                        length_frames=int(t.shape[1]), encoded_audio_string=wav,
                                                        content_type="audio/wav")))
    return tf.constant(Summary(value=values).SerializeToString())


def merge(inputs: Any, collections: Any = None, name: str | None = None) -> Any:
    """Graph-mode only: TF's RuntimeError eagerly."""
    raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution. Use tf.contrib.summary "
                       "instead.")


def merge_all(key: str = "summaries", scope: Any = None, name: str | None = None) -> Any:
    """Graph-mode only: TF's RuntimeError eagerly."""
    return merge(None)


class FileWriter:
    """Graph-mode only: TF's RuntimeError eagerly (use ``tf.summary.create_file_writer``)."""

    def __init__(self, logdir: Any, graph: Any = None, max_queue: int = 10, flush_secs: int = 120,
                 graph_def: Any = None, filename_suffix: Any = None, session: Any = None) -> None:
        raise RuntimeError("v1.summary.FileWriter is not compatible with eager execution. Use "
                           "`tf.summary.create_file_writer`,or a `with v1.Graph().as_default():` context")


def get_summary_description(node_def: Any) -> Any:
    """Needs a graph NodeDef: not available eagerly."""
    raise RuntimeError("get_summary_description needs a graph NodeDef; there are no graphs in tapegrad.")


__all__ = ["scalar", "histogram", "text", "tensor_summary", "image", "audio", "merge", "merge_all", "FileWriter",
           "Event", "Summary"]
