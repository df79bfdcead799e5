"""``tapegrad.audio``: the ``tf.audio`` namespace — 16-bit PCM WAV decoding and encoding (see docs/misc_ops.md).

``encode_wav`` writes TF's bytes exactly (the 44-byte RIFF/WAVE header, then little-endian int16 samples:
``round(clamp(x * 32768, -32768, 32767))``, half away from zero, NaN as 0). ``decode_wav`` reads 16-bit PCM files
(other chunks before ``data`` are skipped) into float32 ``samples / 32768``. Inside a ``tapegrad.function`` both are
host calls, run on every call.

>>> import tapegrad as tf
>>> wav = tf.audio.encode_wav(tf.constant([[0.0, 0.5], [-0.5, 1.0]]), 16000)
>>> decoded = tf.audio.decode_wav(wav)
>>> decoded.audio.numpy().tolist(), int(decoded.sample_rate)
([[0.0, 0.5], [-0.5, 0.999969482421875]], 16000)
"""

from __future__ import annotations

import struct
from collections import namedtuple
from typing import Any

import numpy as np

from . import _dtypes
from ._tensor import Tensor, _TensorLike
from .compiler.host import in_programs
from .errors import InvalidArgumentError
from .io_ops._common import scalar_bytes

__all__ = ["decode_wav", "encode_wav"]

DecodeWav = namedtuple("DecodeWav", ["audio", "sample_rate"])


def _constant(value: Any) -> Tensor:
    from .ops.core import constant

    return constant(value)


@in_programs
def encode_wav(audio: Any, sample_rate: Any, name: str | None = None) -> Tensor:
    """The bytes of a 16-bit PCM WAV file of ``audio`` (float32 ``[samples, channels]``, values in [-1, 1) are
    scaled by 32768 and clipped) at ``sample_rate`` Hz (an int32 scalar): a scalar string tensor, byte-identical to
    TF's encoder.

    >>> import tapegrad as tf
    >>> wav = tf.audio.encode_wav(tf.zeros([2, 1]), 8000)
    >>> len(wav.numpy()), wav.numpy()[:4], wav.numpy()[-4:]
    (48, b'RIFF', b'\\x00\\x00\\x00\\x00')
    """
    from .ops.core import convert_to_tensor

    op = "tf.audio.encode_wav"
    a = audio if isinstance(audio, _TensorLike) else convert_to_tensor(audio, dtype=_dtypes.float32)
    if a.dtype != _dtypes.float32:
        raise InvalidArgumentError(f"{op}: audio must be float32, got {a.dtype.name}; cast it with "
                                   "tf.cast(audio, tf.float32).")
    v = np.asarray(a._value)
    if v.ndim != 2:
        raise InvalidArgumentError(f"{op}: audio must be 2-dimensional [samples, channels], got shape {list(v.shape)};"
                                   " use tf.expand_dims(audio, -1) for one channel.")
    r = sample_rate if isinstance(sample_rate, _TensorLike) else convert_to_tensor(sample_rate, dtype=_dtypes.int32)
    if r.dtype != _dtypes.int32 or np.ndim(r._value) != 0:
        raise InvalidArgumentError(f"{op}: sample_rate must be an int32 scalar, got {r.dtype.name} of shape "
                                   f"{list(np.shape(r._value))}.")
    rate = int(r._value)
    if rate <= 0:
        raise InvalidArgumentError(f"{op}: sample_rate must be positive, got {rate}.")
    frames, channels = v.shape
    # float32 throughout: x * 32768 is exact, and once clipped to [-32768, 32767] adding +-0.5 is exact too, so
    # truncating it is std::round (half away from zero); NaN becomes 0
    with np.errstate(invalid="ignore"):
        scaled = np.clip(v * np.float32(32768.0), np.float32(-32768.0), np.float32(32767.0))
        scaled += np.copysign(np.float32(0.5), scaled)
        pcm = np.nan_to_num(np.trunc(scaled, out=scaled), copy=False).astype("<i2")
    data = pcm.tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16) + b"data" + struct.pack(
        "<I", len(data))
    return _constant(header + data)


def _bad(msg: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"tf.audio.decode_wav: {msg}")


def _parse(buf: bytes) -> tuple[np.ndarray, int, int]:
    """The int16 samples (frames x channels), channel count and sample rate of a 16-bit PCM WAV file."""
    if len(buf) < 12:
        raise _bad(f"the data is too short ({len(buf)} bytes) for a WAV header (12 bytes of RIFF/WAVE at least).")
    if buf[:4] != b"RIFF" or buf[8:12] != b"WAVE":
        raise _bad(f"not a WAV file: it starts with {buf[:4]!r} … {buf[8:12]!r}, not b'RIFF' … b'WAVE'.")
    pos, fmt = 12, None
    while True:
        if pos + 8 > len(buf):
            what = "a 'data' chunk" if fmt is not None else "a 'fmt ' chunk"
            raise _bad(f"the file ends (at byte {len(buf)}) before {what}.")
        cid, size = buf[pos: pos + 4], struct.unpack("<I", buf[pos + 4: pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            if size not in (16, 18, 40) or body + size > len(buf):
                raise _bad(f"bad 'fmt ' chunk size {size} (16, 18 or 40 expected, within the file).")
            fmt_code, channels, rate, byte_rate, align, bits = struct.unpack("<HHIIHH", buf[body: body + 16])
            if fmt_code not in (1, 0xFFFE):
                raise _bad(f"the audio format is {fmt_code}; only 1 (PCM) is supported.")
            if bits != 16:
                raise _bad(f"only 16-bit WAV files can be read, this one has {bits} bits per sample.")
            if channels == 0:
                raise _bad("the file declares 0 channels.")
            if align != channels * 2 or byte_rate != rate * channels * 2:
                raise _bad(f"inconsistent header: block align {align} and byte rate {byte_rate} for {channels} "
                           f"channels of 16 bits at {rate} Hz.")
            fmt = (channels, rate)
        elif cid == b"data":
            if fmt is None:
                raise _bad("the 'data' chunk comes before the 'fmt ' chunk.")
            if body + size > len(buf):
                raise _bad(f"the 'data' chunk declares {size} bytes but only {len(buf) - body} follow.")
            channels, rate = fmt
            if size % (2 * channels):
                raise _bad(f"the 'data' chunk's {size} bytes are not whole frames of {channels} int16 samples.")
            samples = np.frombuffer(buf, dtype="<i2", count=size // 2, offset=body)
            return samples.reshape(-1, channels), channels, rate
        pos = body + size


@in_programs
def decode_wav(contents: Any, desired_channels: int = -1, desired_samples: int = -1,
               name: str | None = None) -> Any:
    """Decodes a 16-bit PCM WAV file (a scalar string tensor) into ``(audio, sample_rate)``: float32 audio
    ``[samples, channels]`` in [-1, 1) and the int32 rate. ``desired_channels`` keeps the first channels, or repeats
    the last one to make more; ``desired_samples`` truncates or pads with zeros. Malformed or non-16-bit files raise
    InvalidArgumentError.

    >>> import tapegrad as tf
    >>> wav = tf.audio.encode_wav(tf.constant([[0.25, -0.25]]), 8000)
    >>> tf.audio.decode_wav(wav, desired_channels=3, desired_samples=2).audio.numpy().tolist()
    [[0.25, -0.25, -0.25], [0.0, 0.0, 0.0]]
    """
    pcm, channels, rate = _parse(scalar_bytes(contents, "audio.decode_wav"))
    audio = pcm.astype(np.float32) / np.float32(32768.0)
    want_c = channels if desired_channels is None or int(desired_channels) < 0 else int(desired_channels)
    if want_c != channels:
        audio = audio[:, np.minimum(np.arange(want_c), channels - 1)]
    if desired_samples is not None and int(desired_samples) >= 0:
        n = int(desired_samples)
        audio = audio[:n] if n <= len(audio) else np.concatenate(
            [audio, np.zeros((n - len(audio), want_c), np.float32)])
    return DecodeWav(_constant(np.ascontiguousarray(audio, dtype=np.float32)),
                     _constant(np.array(rate, dtype=np.int32)))
