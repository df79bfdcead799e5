"""tf.audio: encode_wav / decode_wav (bytes recorded from TF 2.21; the full comparison runs in
tests/conformance/misc_programs.py)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

# TF 2.21's bytes for encode_wav([[0, .5], [-.5, 1], [1.5, -1.5], [.25, -.25], [.999, -.999], [2**-16, -2**-15]], 44100)
TF_WAV = bytes.fromhex("524946463c00000057415645666d7420100000000100020044ac000010b102000400100064617461180000000000"
                       "004000c0ff7fff7f0080002000e0df7f21800100ffff")


def test_docstring_examples_run() -> None:
    from tapegrad import audio

    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for obj, name in ((audio, "audio"), (audio.encode_wav, "encode_wav"), (audio.decode_wav, "decode_wav")):
        for test in finder.find(obj, name):
            runner.run(test)
    r = runner.summarize(verbose=False)
    assert r.attempted >= 8 and r.failed == 0


def test_encode_is_byte_identical_to_tf() -> None:
    a = np.array([[0.0, 0.5], [-0.5, 1.0], [1.5, -1.5], [0.25, -0.25], [0.999, -0.999], [2**-16, -(2**-15)]],
                 np.float32)
    assert tf.audio.encode_wav(a, 44100).numpy() == TF_WAV
    assert a[0, 1] == 0.5  # the input is not changed


def test_decode_roundtrip_channels_and_samples() -> None:
    d = tf.audio.decode_wav(TF_WAV)
    assert d.audio.dtype == tf.float32 and d.audio.shape == (6, 2) and d.sample_rate.dtype == tf.int32
    assert int(d.sample_rate) == 44100
    assert d.audio.numpy()[1].tolist() == [-0.5, 32767 / 32768]
    assert tf.audio.decode_wav(TF_WAV, desired_channels=3).audio.numpy()[0].tolist() == [0.0, 0.5, 0.5]
    assert tf.audio.decode_wav(TF_WAV, desired_samples=8).audio.numpy()[6:].tolist() == [[0.0, 0.0], [0.0, 0.0]]
    # a chunk before 'data' is skipped
    extra = TF_WAV[:36] + b"LIST" + (4).to_bytes(4, "little") + b"abcd" + TF_WAV[36:]
    np.testing.assert_array_equal(tf.audio.decode_wav(extra).audio.numpy(), d.audio.numpy())


def test_errors() -> None:
    with pytest.raises(InvalidArgumentError, match="too short"):
        tf.audio.decode_wav(b"RIFFxxxx")
    with pytest.raises(InvalidArgumentError, match="16-bit"):
        tf.audio.decode_wav(TF_WAV[:34] + bytes([8, 0]) + TF_WAV[36:])
    with pytest.raises(InvalidArgumentError, match="2-dimensional"):
        tf.audio.encode_wav(tf.constant([0.1, 0.2]), 8000)
    with pytest.raises(InvalidArgumentError, match="float32"):
        tf.audio.encode_wav(tf.constant([[0.1]], tf.float64), 8000)
