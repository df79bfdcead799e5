"""``tf.summary``: TensorBoard event files written with NumPy only (TF 2.21's ``tf.summary`` with TensorBoard 2.21's
``scalar``/``histogram``/``image``/``text``/``audio``).

An event file (``events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`` in the writer's log directory) is a TFRecord
file of ``Event`` protos: first ``file_version: "brain.Event:2"``, then one event per summary with its
``wall_time``, ``step`` and a ``Summary`` value: the tag, a tensor (the same ``TensorProto`` TF writes) and the
``SummaryMetadata`` naming the TensorBoard plugin that reads it. TensorBoard and TensorFlow read these files.

>>> import os, tempfile
>>> import tapegrad as tf
>>> logdir = tempfile.mkdtemp()
>>> writer = tf.summary.create_file_writer(logdir)
>>> with writer.as_default(step=0):
...     for step in range(3):
...         ok = tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
>>> bool(ok), bool(tf.summary.scalar("loss", 0.0, step=3))   # outside as_default: no writer, nothing written
(True, False)
>>> from tapegrad._summary_pb import read_events
>>> events = read_events(os.path.join(logdir, os.listdir(logdir)[0]))
>>> [(e.step, e.summary.value[0].tag) for e in events[1:]]
[(0, 'loss'), (1, 'loss'), (2, 'loss')]

Inside ``tapegrad.function`` a summary is a host call of the program: it is written on every call, with that call's
values; as in TF's graphs, the writer, a Python-number step and the ``record_if`` condition are resolved at trace
time (a tensor or Variable step, and a boolean-tensor condition, are read on each call).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import os
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._proto import encode_varint
from .errors import InvalidArgumentError

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "scalar", "histogram", "image", "text",
           "audio", "write", "graph", "flush", "record_if", "should_record_summaries", "trace_on", "trace_off",
           "trace_export", "experimental"]

_FILE_IDS = itertools.count()  # TF numbers the files of one process (the ".<n>" before the suffix)
_OPEN: weakref.WeakSet[_FileWriter] = weakref.WeakSet()
_DEFAULT_BUCKETS = 30


class _State(threading.local):
    """The default writer, the default step and the ``record_if`` conditions: per thread, as in TF."""

    def __init__(self) -> None:
        self.writer: SummaryWriter | None = None
        self.step: Any = None
        self.conditions: list[Any] = []


_state = _State()


# -- writers ---------------------------------------------------------------------------------------------------


class SummaryWriter:
    """A summary writer (``tf.summary.SummaryWriter``): the target of the summary functions while it is the
    default (``as_default`` / ``set_as_default``). Make one with :func:`create_file_writer` or
    :func:`create_noop_writer`.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> writer = tf.summary.create_file_writer(tempfile.mkdtemp())
    >>> with writer.as_default(step=7):
    ...     tf.summary.experimental.get_step()
    7
    >>> print(tf.summary.experimental.get_step())
    None
    """

    def set_as_default(self, step: Any = None) -> None:
        """Make this the default writer (of this thread) for good; ``step`` also becomes the default step."""
        self._check_open()
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step: Any = None) -> Iterator[SummaryWriter]:
        """Within the ``with`` block this is the default writer (and ``step``, if given, the default step); on exit
        the previous ones come back and the writer is flushed."""
        self._check_open()
        old_writer, old_step = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            self.flush()
            _state.writer = old_writer
            if step is not None:
                _state.step = old_step

    def init(self) -> None:
        """Open the writer's file (``create_file_writer`` has already done so)."""

    def flush(self) -> None:
        """Write the buffered events to the file."""

    def close(self) -> None:
        """Flush and close; the writer cannot be made the default again."""

    def _check_open(self) -> None:
        pass

    def _write_event(self, event: Any) -> None:
        pass


class _NoopWriter(SummaryWriter):
    """A writer that does nothing (``tf.summary.create_noop_writer``): making it the default changes nothing."""

    def set_as_default(self, step: Any = None) -> None:
        pass

    @contextlib.contextmanager
    def as_default(self, step: Any = None) -> Iterator[None]:  # type: ignore[override]
        yield


class _FileWriter(SummaryWriter):
    """Writes events to one new event file in ``logdir`` (created with its parents)."""

    def __init__(self, logdir: str, max_queue: int, flush_millis: int, filename_suffix: str) -> None:
        from .errors import FailedPreconditionError
        from .io_ops.tfrecord import TFRecordWriter

        self._logdir = logdir
        self._max_queue = int(max_queue)
        self._flush_seconds = int(flush_millis) / 1000.0
        try:
            os.makedirs(logdir, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise FailedPreconditionError(f"create_file_writer: {logdir!r} exists and is not a directory; give a "
                                          "directory for the event files.") from None
        now = time.time()
        name = f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}.{os.getpid()}.{next(_FILE_IDS)}"
        self._path = os.path.join(logdir, name + filename_suffix)
        self._file: Any = TFRecordWriter(self._path)
        self._lock = threading.Lock()  # writers are shared between threads (TF's writer has a mutex)
        self._queued = 0
        self._last_flush = now
        from ._summary_pb import Event

        first = Event(wall_time=float(int(now)), file_version="brain.Event:2")
        first.source_metadata.writer = "tensorflow.core.util.events_writer"
        self._file.write(first.SerializeToString())
        self._file.flush()
        _OPEN.add(self)

    @property
    def path(self) -> str:
        """The event file this writer writes."""
        return self._path

    def _check_open(self) -> None:
        if self._file is None:
            raise RuntimeError(f"SummaryWriter for {self._logdir!r} is already closed: create a new one with "
                               "tf.summary.create_file_writer.")

    def _write_event(self, event: Any) -> None:
        if self._file is None:  # TF: the writer's resource is gone
            from .errors import NotFoundError

            raise NotFoundError(f"tf.summary: the default SummaryWriter for {self._logdir!r} was closed; make an "
                                "open writer the default (writer.as_default()) before writing summaries.")
        data = event if isinstance(event, bytes) else event.SerializeToString()
        with self._lock:
            self._file.write(data)
            self._queued += 1
            # TF's SummaryFileWriter: flush when more than max_queue events wait or flush_millis have passed
            if self._queued > self._max_queue or time.time() - self._last_flush > self._flush_seconds:
                self._flush()

    def _flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            self._queued = 0
            self._last_flush = time.time()

    def flush(self) -> None:
        with self._lock:
            self._flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
                _OPEN.discard(self)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown)
            pass

    def __repr__(self) -> str:
        return f"<SummaryWriter {self._path!r}{'' if self._file is not None else ' (closed)'}>"


@atexit.register
def _flush_all() -> None:
    for writer in list(_OPEN):
        writer.flush()


def create_file_writer(logdir: Any, max_queue: int | None = None, flush_millis: int | None = None,
                       filename_suffix: str | None = None, name: str | None = None,
                       experimental_trackable: bool = False, experimental_mesh: Any = None) -> SummaryWriter:
    """A writer of a new event file in ``logdir`` (made if missing); ``max_queue`` events (default 10) are buffered
    and written when the buffer overflows, after ``flush_millis`` (default 120000), on ``flush()``, at the end of
    ``as_default`` and at ``close()``. ``filename_suffix`` (default ``".v2"``) ends the file name.

    >>> import os, tempfile
    >>> import tapegrad as tf
    >>> logdir = tempfile.mkdtemp()
    >>> writer = tf.summary.create_file_writer(logdir)
    >>> name = os.listdir(logdir)[0]
    >>> name.startswith("events.out.tfevents."), name.endswith(".v2")
    (True, True)
    >>> writer.close()
    """
    if logdir is None:
        raise ValueError("create_file_writer: logdir cannot be None; give a directory (use "
                         "tf.summary.create_noop_writer() for a writer that writes nothing).")
    from .io_ops._common import path_of

    return _FileWriter(path_of(logdir, "create_file_writer"), 10 if max_queue is None else max_queue,
                       120000 if flush_millis is None else flush_millis,
                       ".v2" if filename_suffix is None else str(filename_suffix))


def create_noop_writer() -> SummaryWriter:
    """A writer that writes nothing (``tf.summary.create_noop_writer``): its ``as_default`` and ``set_as_default``
    change nothing, so summaries go where they would go without it (nowhere, when no writer is the default).

    >>> import tapegrad as tf
    >>> with tf.summary.create_noop_writer().as_default(step=1):
    ...     bool(tf.summary.scalar("x", 1.0))
    False
    """
    return _NoopWriter()


def flush(writer: SummaryWriter | None = None, name: str | None = None) -> None:
    """Flush ``writer`` (default: the default writer, if any).

    >>> import tapegrad as tf
    >>> tf.summary.flush()
    """
    writer = _state.writer if writer is None else writer
    if writer is not None:
        writer.flush()


# -- recording conditions and the step ---------------------------------------------------------------------------


@contextlib.contextmanager
def record_if(condition: Any) -> Iterator[None]:
    """Within the block summaries are written only when ``condition`` (a bool, a boolean tensor, or a callable
    returning one, evaluated at each summary) holds. An inner ``record_if`` replaces the outer one (as in TF).

    >>> import tempfile
    >>> import tapegrad as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default(step=0):
    ...     with tf.summary.record_if(lambda: False):
    ...         bool(tf.summary.scalar("x", 1.0))
    False
    """
    _state.conditions.append(condition)
    try:
        yield
    finally:
        _state.conditions.pop()


def _condition() -> Any:
    """The condition of the innermost ``record_if`` (TF: each ``record_if`` replaces the one around it), called if
    callable: a bool or a boolean tensor."""
    condition = _state.conditions[-1] if _state.conditions else True
    return condition() if callable(condition) else condition


def _truth(condition: Any) -> bool:
    if _is_tensor(condition):
        condition = condition._value
    return bool(np.asarray(condition))


def _recording() -> bool:
    return _state.writer is not None and _truth(_condition())


def should_record_summaries() -> Any:
    """True (a bool tensor) when a summary written now would be recorded: a default writer, and the innermost
    ``record_if`` condition (if any) true.

    >>> import tapegrad as tf
    >>> bool(tf.summary.should_record_summaries())
    False
    """
    from .ops import core

    if _state.writer is None:
        return core.constant(False)
    condition = _condition()
    return core.identity(condition) if _is_tensor(condition) else core.constant(_truth(condition))


def _get_step() -> Any:
    """The default step of this thread (``None`` until set): what ``set_step`` or ``as_default(step=)`` gave."""
    return _state.step


def _set_step(step: Any) -> None:
    """Set the default step of this thread (an int, an integer tensor or Variable, read at each write)."""
    _state.step = step


# -- writing -----------------------------------------------------------------------------------------------------


def _is_tensor(x: Any) -> bool:
    from ._tensor import _TensorLike

    return isinstance(x, _TensorLike)


def _tracing() -> bool:
    from ._tape import local

    return getattr(local, "tracer", None) is not None


def _step_value(step: Any) -> int:
    if _is_tensor(step):
        step = step._value
    arr = np.asarray(step)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"tf.summary: step must be an integer (int64-castable); got {step!r}.")
    if arr.ndim != 0:
        raise InvalidArgumentError(f"tf.summary: step must be a scalar; got shape {list(arr.shape)}.")
    return int(arr)


def _metadata_bytes(metadata: Any) -> bytes:
    if metadata is None:
        return b""
    if hasattr(metadata, "SerializeToString"):
        return bytes(metadata.SerializeToString())
    if isinstance(metadata, (bytes, bytearray)):
        return bytes(metadata)
    raise TypeError(f"tf.summary.write: metadata must be a SummaryMetadata proto or its serialised bytes; got "
                    f"{type(metadata).__name__}.")


def _emit(writer: SummaryWriter, tag: str, value: np.ndarray, step: int, metadata: bytes) -> None:
    """Append one summary event (a tensor value) to ``writer``: the ``Event`` bytes are put together directly
    (wall_time, step, summary{value{tag, tensor, metadata}}, in field order, as protobuf serialises them)."""
    from .io_ops.tensor_proto import _field, tensor_proto_of

    value_pb = _field(1, tag.encode("utf-8")) + _field(8, tensor_proto_of(value, "tf.summary.write"))
    if metadata:
        value_pb += _field(9, metadata)
    head = b"\x09" + struct.pack("<d", time.time()) + (b"\x10" + encode_varint(step) if step else b"")
    writer._write_event(head + _field(5, _field(1, value_pb)))


def _write(tag: str, make_value: Callable[..., np.ndarray], inputs: tuple[Any, ...], step: Any,
           metadata: Any) -> Any:
    """The common path of the summary functions: ``make_value(*input values)`` is the tensor written (computed only
    when the summary is recorded), at ``step`` (default: the default step) to the default writer."""
    from .ops import core

    writer = _state.writer
    if writer is None:
        return core.constant(False)
    if step is None:
        step = _state.step
    meta = _metadata_bytes(metadata)
    where = [i for i, x in enumerate(inputs) if _is_tensor(x)]
    step_is_tensor = _is_tensor(step)

    def record(recording: Any, *raws: Any) -> bool:
        """The write, given whether to record and the raw values of the tensor inputs (and of the step, if a
        tensor, last)."""
        if not _truth(recording):
            return False
        if step is None:
            raise ValueError("tf.summary: no step set. Pass step= to the summary call, or set one with "
                             "tf.summary.experimental.set_step(step) or writer.as_default(step=step).")
        values = list(inputs)
        for i, raw in zip(where, raws):
            values[i] = raw
        _emit(writer, tag, make_value(*values), _step_value(raws[-1] if step_is_tensor else step), meta)
        return True

    tensors = [inputs[i] for i in where] + ([step] if step_is_tensor else [])
    condition = _condition()
    if not _tracing():
        return core.constant(record(condition, *(t._value for t in tensors)))
    # inside a tapegrad.function, as TF's graph: the condition is resolved at trace time (a callable is called
    # now; a Python bool is fixed, a boolean tensor is read on every call) and the write is a host effect of the
    # program, made on every call with that call's values (a tensor or Variable step read by the program)
    from .compiler.host import host_effect
    from .ops.core import identity

    if not _is_tensor(condition):
        if not _truth(condition):
            return core.constant(False)
        condition = core.constant(True)
    if step is None:  # TF builds the write at trace time and needs the step then
        record(True)
    cond = identity(condition)
    host_effect(record, [cond] + [identity(t) for t in tensors])
    return cond


def _tag(name: str, default: str) -> str:
    """The summary's tag: ``name`` (or TF's default name when empty) under the active name scopes."""
    from .module import current_name_scope

    return current_name_scope() + (str(name) or default)


def _numeric(x: Any, op: str, target: str) -> None:
    """TF casts the data to ``target``; a string tensor cannot be cast (TF's UnimplementedError)."""
    if x.dtype == object or getattr(x.dtype, "name", "") == "string":
        from .errors import UnimplementedError

        raise UnimplementedError(f"tf.summary.{op}: cannot cast string data to {target}; log text with "
                                 "tf.summary.text.")


@functools.lru_cache(maxsize=64)
def _plugin(name: str, content: bytes = b"", description: str | None = None) -> bytes:
    from ._summary_pb import SummaryMetadata

    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=name, content=content))
    if description:
        meta.summary_description = description
    return meta.SerializeToString()


def _array(x: Any) -> np.ndarray:
    """A value as the NumPy array TF would convert it to (Python floats are float32)."""
    from .ops import core

    if _is_tensor(x):
        return np.asarray(x._value)
    return np.asarray(core.convert_to_tensor(x)._value)


def write(tag: str, tensor: Any, step: Any = None, metadata: Any = None, name: str | None = None) -> Any:
    """Write ``tensor`` (any dtype and shape, or a callable giving it, called only when recorded) under ``tag`` at
    ``step`` with ``metadata`` (a ``SummaryMetadata`` or its bytes). Returns True (a bool tensor) when written,
    False with no default writer or when ``record_if`` says no; ValueError when recording with no step.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default():
    ...     bool(tf.summary.write("counts", tf.constant([1, 2]), step=4))
    True
    """
    if callable(tensor) and not _is_tensor(tensor):
        fn = tensor
        if not _tracing():
            return _write(tag, lambda: _array(fn()), (), step, metadata)
        # while tracing, TF builds the tensor's ops into the graph (when the trace's condition may record): the
        # callable's result is then an input of the write, computed on every call
        from .ops import core

        condition = _condition()
        if _state.writer is None or (not _is_tensor(condition) and not _truth(condition)):
            return core.constant(False)
        tensor = fn()
    return _write(tag, np.asarray, (tensor if _is_tensor(tensor) else _array(tensor),), step, metadata)


def scalar(name: str, data: Any, step: Any = None, description: str | None = None) -> Any:
    """Write a scalar (cast to float32) for TensorBoard's Scalars dashboard; the tag is ``name`` prefixed by the
    active name scopes.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default(step=1):
    ...     bool(tf.summary.scalar("accuracy", 0.75))
    True
    """
    x = data if _is_tensor(data) else _array(data)
    shape = tuple(x.shape)
    if shape != ():
        raise ValueError(f"tf.summary.scalar({name!r}): data must be a scalar; got shape {shape}. Reduce it first "
                         "(e.g. tf.reduce_mean) or log a histogram.")
    _numeric(x, "scalar", "float32")
    return _write(_tag(name, "scalar_summary"), lambda v: np.asarray(v, np.float32), (x,), step,
                  _plugin("scalars", description=description))


def _histogram_buckets(data: np.ndarray, bucket_count: int) -> np.ndarray:
    """TensorBoard 2.21's histogram of ``data`` (any shape): ``bucket_count`` rows ``[left, right, count]``
    (float64) of equal width from min to max, the maximum counted in the last bucket; all zeros for empty data;
    one value: every edge is that value and the last bucket holds all points."""
    k = max(0, int(bucket_count))
    x = np.asarray(data, np.float64).reshape(-1)
    if x.size == 0 or k == 0:
        return np.zeros((k, 3), np.float64)
    lo, hi = x.min(), x.max()
    span = hi - lo
    if span == 0:
        counts = np.zeros(k)
        counts[-1] = x.size
        return np.stack([np.full(k, hi), np.full(k, hi), counts], axis=1)
    width = span / np.float64(k)
    with np.errstate(invalid="ignore"):
        idx = np.floor((x - lo) / width)
    idx = np.minimum(idx[np.isfinite(idx)].astype(np.int64), k - 1)
    counts = np.bincount(idx[idx >= 0], minlength=k).astype(np.float64)  # TF's one_hot drops out-of-range rows
    # tf.linspace(lo, hi, k + 1): lo + i * ((hi - lo) / k), the last edge replaced by max
    edges = np.concatenate([[lo], lo + np.arange(1, k, dtype=np.float64) * width, [hi]])
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def histogram(name: str, data: Any, step: Any = None, buckets: int | None = None,
              description: str | None = None) -> Any:
    """Write a histogram of ``data``'s elements (``buckets`` equal-width buckets, default 30) for TensorBoard's
    Histograms and Distributions dashboards: a ``[buckets, 3]`` float64 tensor of ``[left, right, count]`` rows,
    bucketed as TensorBoard 2.21 does.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> from tapegrad.summary import _histogram_buckets
    >>> _histogram_buckets([1.0, 2.0, 2.0, 5.0, 9.0], 4).tolist()
    [[1.0, 3.0, 3.0], [3.0, 5.0, 0.0], [5.0, 7.0, 1.0], [7.0, 9.0, 1.0]]
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default(step=0):
    ...     bool(tf.summary.histogram("weights", tf.random.normal([100], seed=1), buckets=10))
    True
    """
    if buckets is None:
        buckets = _DEFAULT_BUCKETS
    b = np.asarray(buckets._value if _is_tensor(buckets) else buckets)
    if b.ndim != 0 or b.dtype.kind not in "iu":
        raise TypeError(f"tf.summary.histogram({name!r}): buckets must be an int32 scalar; got {buckets!r}.")
    x = data if _is_tensor(data) else _array(data)
    _numeric(x, "histogram", "float64")
    return _write(_tag(name, "histogram_summary"), lambda v: _histogram_buckets(v, int(b)), (x,), step,
                  _plugin("histograms", description=description))


def _non_negative(max_outputs: Any, op: str) -> int:
    n = int(np.asarray(max_outputs._value if _is_tensor(max_outputs) else max_outputs))
    if n < 0:
        raise InvalidArgumentError(f"tf.summary.{op}: max_outputs must be >= 0; got {n}.")
    return n


def _encode_images(images: np.ndarray, max_outputs: int) -> np.ndarray:
    from ._strings import to_bytes_array
    from .io_ops.png import encode_png
    from .ops import core
    from .ops.image_ops import convert_image_dtype

    u8 = np.asarray(convert_image_dtype(core.constant(images), "uint8", saturate=True)._value)
    dims = [str(u8.shape[2]).encode(), str(u8.shape[1]).encode()]
    pngs = [encode_png(img).numpy() for img in u8[:max_outputs]]
    return to_bytes_array(dims + pngs)


def image(name: str, data: Any, step: Any = None, max_outputs: int = 3, description: str | None = None) -> Any:
    """Write up to ``max_outputs`` images of ``data`` (``[k, height, width, channels]``, channels 1, 3 or 4;
    floats in [0, 1) or integers, converted with ``convert_image_dtype(..., uint8, saturate=True)``) as PNG,
    for TensorBoard's Images dashboard: a string tensor ``[width, height, png_1, ...]``.

    >>> import tempfile
    >>> import numpy as np
    >>> import tapegrad as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default(step=0):
    ...     bool(tf.summary.image("samples", np.zeros((2, 8, 8, 1), np.float32), max_outputs=1))
    True
    """
    x = data if _is_tensor(data) else _array(data)
    if len(x.shape) != 4:
        raise ValueError(f"tf.summary.image({name!r}): data must have rank 4 ([k, height, width, channels]); got "
                         f"shape {tuple(x.shape)}.")
    n = _non_negative(max_outputs, "image")
    return _write(_tag(name, "image_summary"), lambda v: _encode_images(v, n), (x,), step,
                  _plugin("images", description=description))


def text(name: str, data: Any, step: Any = None, description: str | None = None) -> Any:
    """Write text (a string tensor of any shape, Markdown) for TensorBoard's Text dashboard.

    >>> import tempfile
    >>> import tapegrad as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default(step=0):
    ...     bool(tf.summary.text("notes", "learning rate **halved**"))
    True
    """
    from .io_ops._common import string_array

    if _is_tensor(data):
        if data.dtype.name != "string":
            raise TypeError(f"tf.summary.text({name!r}): data must be a string tensor; got {data.dtype.name}.")
        x = data
    else:
        try:
            x = string_array(data, "tf.summary.text")
        except (TypeError, ValueError):
            raise TypeError(f"tf.summary.text({name!r}): data must be text (str, bytes or a string tensor); got "
                            f"{type(data).__name__}.") from None
    return _write(_tag(name, "text_summary"), lambda v: np.asarray(v, dtype=object), (x,), step,
                  _plugin("text", description=description))


def _encode_audio(clips: np.ndarray, rate: Any, max_outputs: int) -> np.ndarray:
    """``[wav, label]`` rows of the first ``max_outputs`` clips (TF's ``encode_wav``, labels empty)."""
    from .audio import encode_wav
    from .ops import core

    r = core.constant(np.int32(np.asarray(rate)))
    out = np.empty((min(max_outputs, clips.shape[0]), 2), dtype=object)
    for i, clip in enumerate(clips[:max_outputs]):
        out[i] = (encode_wav(core.constant(clip), r).numpy(), b"")
    return out


def audio(name: str, data: Any, sample_rate: Any, step: Any = None, max_outputs: int = 3,
          encoding: str | None = None, description: str | None = None) -> Any:
    """Write up to ``max_outputs`` clips of ``data`` (``[k, frames, channels]`` float32 in [-1, 1]) at
    ``sample_rate`` Hz as 16-bit WAV, for TensorBoard's Audio dashboard: a ``[clips, 2]`` string tensor of
    ``[wav, label]`` rows (labels empty).

    >>> import tempfile
    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tone = np.sin(np.linspace(0, 200, 800, dtype=np.float32)).reshape(1, 800, 1)
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default(step=0):
    ...     bool(tf.summary.audio("tone", tone, sample_rate=8000))
    True
    """
    if encoding is None:
        encoding = "wav"
    if encoding != "wav":
        raise ValueError(f"tf.summary.audio({name!r}): unknown encoding {encoding!r}; only 'wav' is supported.")
    x = data if _is_tensor(data) else _array(data)
    if len(x.shape) != 3:
        raise ValueError(f"tf.summary.audio({name!r}): data must have rank 3 ([k, frames, channels]); got shape "
                         f"{tuple(x.shape)}.")
    if x.dtype.name != "float32":  # TF's EncodeWav kernel takes float32 only
        raise InvalidArgumentError(f"tf.summary.audio({name!r}): data must be float32 samples in [-1, 1]; got "
                                   f"{x.dtype.name} (cast it with tf.cast(data, tf.float32)).")
    n = _non_negative(max_outputs, "audio")
    rate = np.asarray(sample_rate._value if _is_tensor(sample_rate) else sample_rate)
    if rate.dtype.kind not in "iu" or rate.ndim != 0:
        raise TypeError(f"tf.summary.audio({name!r}): sample_rate must be an int32 scalar (samples per second); got "
                        f"{sample_rate!r}.")
    return _write(_tag(name, "audio_summary"), lambda v, r: _encode_audio(v, r, n), (x, sample_rate), step,
                  _plugin("audio", b"\x10\x0b", description))  # AudioPluginData(encoding=WAV)


def graph(graph_data: Any) -> Any:
    """Write a serialised ``GraphDef`` (bytes, or an object with ``SerializeToString``) as the graph event
    TensorBoard's Graphs dashboard reads (step 0). tapegrad programs are not TF graphs, so the data comes from
    elsewhere (e.g. a GraphDef TensorFlow produced).

    >>> import tempfile
    >>> import tapegrad as tf
    >>> with tf.summary.create_file_writer(tempfile.mkdtemp()).as_default():
    ...     bool(tf.summary.graph(b""))
    True
    """
    from ._summary_pb import Event
    from .ops import core

    data = graph_data.SerializeToString() if hasattr(graph_data, "SerializeToString") else graph_data
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"tf.summary.graph takes a GraphDef (or its bytes); got {type(graph_data).__name__}. "
                        "tapegrad programs have no GraphDef.")
    if not _recording():
        return core.constant(False)
    _state.writer._write_event(Event(wall_time=time.time(), graph_def=bytes(data)))  # type: ignore[union-attr]
    return core.constant(True)


# -- tracing -----------------------------------------------------------------------------------------------------

_TRACE_MISSING = ("tapegrad.function programs are not TensorFlow graphs (no GraphDef to export) and tapegrad has "
                  "no profiler")


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir: Any = None) -> None:
    """TF records the graphs (and profiles) of the ``tf.function`` calls that follow, for ``trace_export``.
    tapegrad has no GraphDef of its programs and no profiler: NotImplementedError says so.

    >>> import tapegrad as tf
    >>> tf.summary.trace_on()
    Traceback (most recent call last):
    NotImplementedError: tf.summary.trace_on: tapegrad.function programs are not TensorFlow graphs ...
    """
    raise NotImplementedError(f"tf.summary.trace_on: {_TRACE_MISSING}. To see a program's structure use "
                              "tapegrad.function's explain()/viz tools; log values with tf.summary.scalar.")


def trace_off() -> None:
    """Stop tracing (nothing to stop: :func:`trace_on` is not supported).

    >>> import tapegrad as tf
    >>> tf.summary.trace_off()
    """


def trace_export(name: str, step: Any = None, profiler_outdir: Any = None) -> None:
    """Export a trace started by ``trace_on``: NotImplementedError (see :func:`trace_on`).

    >>> import tapegrad as tf
    >>> tf.summary.trace_export("step")
    Traceback (most recent call last):
    NotImplementedError: tf.summary.trace_export: tapegrad.function programs are not TensorFlow graphs ...
    """
    raise NotImplementedError(f"tf.summary.trace_export: {_TRACE_MISSING}.")


# -- tf.summary.experimental -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _summary_scope(name: str, default_name: str = "summary", values: Any = None) -> Iterator[tuple[str, str]]:
    from .module import current_name_scope, name_scope

    name = name or default_name
    tag = current_name_scope() + name
    with name_scope(name) as scope:
        yield tag, scope


def _write_raw_pb(tensor: Any, step: Any = None, name: str | None = None) -> Any:
    """Write serialised ``Summary`` protos (a string tensor of any shape) as events at ``step``."""
    from ._summary_pb import Event, Summary
    from .io_ops._common import string_array
    from .ops import core

    if not _recording():
        return core.constant(False)
    step = _state.step if step is None else step
    if step is None:
        raise ValueError("tf.summary.experimental.write_raw_pb: no step set; pass step=.")
    for raw in string_array(tensor, "write_raw_pb").reshape(-1):
        _state.writer._write_event(  # type: ignore[union-attr]
            Event(wall_time=time.time(), step=_step_value(step), summary=Summary.FromString(bytes(raw))))
    return core.constant(True)


class _Experimental:
    """``tf.summary.experimental``: ``get_step``, ``set_step``, ``summary_scope``, ``write_raw_pb``.

    >>> import tapegrad as tf
    >>> tf.summary.experimental.set_step(5)
    >>> tf.summary.experimental.get_step()
    5
    >>> tf.summary.experimental.set_step(None)
    """

    get_step = staticmethod(_get_step)
    set_step = staticmethod(_set_step)
    summary_scope = staticmethod(_summary_scope)
    write_raw_pb = staticmethod(_write_raw_pb)


experimental = _Experimental()
