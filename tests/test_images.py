"""JPEG, GIF and BMP without TensorFlow: known answers recorded from TF 2.21, round trips, invariants between
encodings of the same coefficients, hand-made GIF/BMP files, damaged data, and the graph/dataset contexts.
(The exact comparisons with TF for every option run in tests/conformance/io_programs.py.)"""

from __future__ import annotations

import doctest
import hashlib
import importlib
import struct

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, UnimplementedError

DOC_MODULES = ["tapegrad.io_ops.jpeg", "tapegrad.io_ops._jpeg_encode", "tapegrad.io_ops.gif", "tapegrad.io_ops.bmp",
               "tapegrad.io_ops.image_formats"]


@pytest.mark.parametrize("module", DOC_MODULES)
def test_docstrings_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def _image(h: int = 37, w: int = 45, c: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 7 + y * 3) % 256, (x * y) % 256, (255 - x * 5) % 256], -1)[..., :c]
    return np.clip(base + rng.integers(0, 60, base.shape), 0, 255).astype(np.uint8)


def _sha(b: bytes | np.ndarray) -> str:
    return hashlib.sha256(b if isinstance(b, bytes) else np.ascontiguousarray(b).tobytes()).hexdigest()[:16]


# -- known answers (TF 2.21's bytes and pixels for these inputs) -------------------------------------------------------

def test_encode_matches_recorded_tensorflow_bytes() -> None:
    img = _image()
    assert _sha(tf.io.encode_jpeg(img).numpy()) == "50e1300d55c71e45"
    assert _sha(tf.io.encode_jpeg(img, quality=30, chroma_downsampling=False).numpy()) == "fbf45016f0426719"
    assert _sha(tf.io.encode_jpeg(img, optimize_size=True).numpy()) == "f70156f35df9ef0c"
    assert _sha(tf.io.encode_jpeg(img[..., :1]).numpy()) == "e8faf10d0e6adaf3"
    assert _sha(tf.io.encode_jpeg(img, progressive=True).numpy()) == "6caabb2bba1ec935"
    assert _sha(tf.io.encode_jpeg(img[..., :1], progressive=True, quality=60).numpy()) == "4a3fc9e05d25f4de"


def test_decode_matches_recorded_tensorflow_pixels() -> None:
    data = tf.io.encode_jpeg(_image(), quality=80).numpy()
    assert _sha(tf.io.decode_jpeg(data).numpy()) == "177636b31413941f"  # IFAST, fancy 4:2:0 upsampling
    assert _sha(tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE").numpy()) == "407ecc6d01432f2b"
    assert _sha(tf.io.decode_jpeg(data, fancy_upscaling=False).numpy()) == "22f2d88eec39ebfa"
    assert _sha(tf.io.decode_jpeg(data, ratio=4).numpy()) == "8ff579a14f8f2863"


# -- round trips and invariants ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"quality": 50}, {"quality": 100, "chroma_downsampling": False},
                                {"optimize_size": True}, {"progressive": True}])
@pytest.mark.parametrize("shape", [(37, 45, 3), (1, 1, 3), (17, 8, 1), (16, 16, 3)])
def test_round_trip_is_close(kw: dict, shape: tuple) -> None:
    img = _image(*shape)
    back = tf.io.decode_jpeg(tf.io.encode_jpeg(img, **kw)).numpy()
    assert back.shape == shape and back.dtype == np.uint8
    err = np.abs(back.astype(int) - img.astype(int)).mean()
    subsampled = shape[2] == 3 and kw.get("chroma_downsampling", True)
    assert err < (30 if subsampled else 12 if kw.get("quality", 95) < 95 else 6), err  # noise on a sharp pattern


def test_progressive_and_optimized_files_hold_the_same_coefficients() -> None:
    img = _image(45, 61)
    base = tf.io.encode_jpeg(img, quality=75)
    for kw in ({"progressive": True}, {"optimize_size": True}):
        other = tf.io.encode_jpeg(img, quality=75, **kw)
        assert other.numpy() != base.numpy()
        for dct in ("", "INTEGER_ACCURATE"):
            assert np.array_equal(tf.io.decode_jpeg(other, dct_method=dct).numpy(),
                                  tf.io.decode_jpeg(base, dct_method=dct).numpy())
    assert len(tf.io.encode_jpeg(img, quality=75, optimize_size=True).numpy()) < len(base.numpy())


def test_channels_ratio_and_shape_ops() -> None:
    data = tf.io.encode_jpeg(_image(37, 45))
    assert tf.io.decode_jpeg(data, channels=1).shape == (37, 45, 1)
    assert tf.io.decode_jpeg(data, ratio=2).shape == (19, 23, 3)
    assert tf.io.decode_jpeg(data, ratio=8).shape == (5, 6, 3)
    assert tf.io.extract_jpeg_shape(data).numpy().tolist() == [37, 45, 3]
    assert tf.io.extract_jpeg_shape(data, output_type=tf.int64).dtype == tf.int64
    assert tf.io.is_jpeg([data.numpy(), b"\x89PNG"]).numpy().tolist() == [True, False]
    full = tf.io.decode_jpeg(data).numpy()
    crop = tf.io.decode_and_crop_jpeg(data, [16, 0, 8, 16]).numpy()  # window edges on MCU boundaries but the right
    assert np.array_equal(crop[:, :15], full[16:24, :15])
    grey = tf.io.decode_jpeg(tf.io.encode_jpeg(_image(9, 9, 1)), channels=3).numpy()
    assert np.array_equal(grey[..., 0], grey[..., 2])


def test_encode_options_and_errors() -> None:
    img = _image(8, 8)
    data = tf.io.encode_jpeg(img, density_unit="cm", x_density=5, y_density=7, xmp_metadata="<x/>").numpy()
    assert data[13:18] == b"\x02\x00\x05\x00\x07" and b"http://ns.adobe.com/xap/1.0/\x00<x/>" in data
    with pytest.raises(InvalidArgumentError, match="quality"):
        tf.io.encode_jpeg(img, quality=101)
    with pytest.raises(InvalidArgumentError, match="channels"):
        tf.io.encode_jpeg(img, format="grayscale")
    with pytest.raises(InvalidArgumentError, match="uint8"):
        tf.io.encode_jpeg(img.astype(np.float32))


def test_adjust_and_random_jpeg_quality() -> None:
    img = _image(8, 10)
    out = tf.image.adjust_jpeg_quality(img, 40)
    assert out.dtype == tf.uint8 and out.shape == (8, 10, 3)
    f = tf.image.adjust_jpeg_quality(img.astype(np.float32) / 255, 40)
    assert f.dtype == tf.float32 and np.allclose(f.numpy() * 255, out.numpy(), atol=1e-3)
    with pytest.raises(InvalidArgumentError, match="3-dimensional"):
        tf.image.adjust_jpeg_quality(np.stack([img, img]), 40)
    a = tf.image.stateless_random_jpeg_quality(img, 10, 90, seed=(3, 4)).numpy()
    assert np.array_equal(a, tf.image.stateless_random_jpeg_quality(img, 10, 90, seed=(3, 4)).numpy())
    with pytest.raises(ValueError, match="less than"):
        tf.image.random_jpeg_quality(img, 50, 50)


# -- damaged data -----------------------------------------------------------------------------------------------------

def test_truncated_and_corrupt_jpegs() -> None:
    data = tf.io.encode_jpeg(_image(48, 48), quality=90).numpy()
    cut = data[:len(data) * 3 // 4]
    with pytest.raises(InvalidArgumentError, match="truncated"):
        tf.io.decode_jpeg(cut)
    part = tf.io.decode_jpeg(cut, acceptable_fraction=0.25).numpy()
    full = tf.io.decode_jpeg(data).numpy()
    rows = int(np.nonzero(part.reshape(48, -1).any(axis=1))[0].max()) + 1
    assert 16 <= rows < 48 and np.array_equal(part[:rows - 2], full[:rows - 2]) and not part[rows:].any()
    assert tf.io.decode_jpeg(cut, try_recover_truncated=True).shape == (48, 48, 3)
    with pytest.raises(InvalidArgumentError, match="ratio"):
        tf.io.decode_jpeg(data, ratio=3)
    with pytest.raises(InvalidArgumentError, match="4 channels"):
        tf.io.decode_jpeg(data, channels=4)
    with pytest.raises(InvalidArgumentError, match="empty"):
        tf.io.decode_jpeg(b"")
    arith = data.replace(b"\xff\xc0", b"\xff\xc9", 1)
    with pytest.raises(UnimplementedError, match="arithmetic"):
        tf.io.decode_jpeg(arith)
    no_dht = data[:data.index(b"\xff\xc4")] + data[data.index(b"\xff\xda"):]
    with pytest.raises(InvalidArgumentError, match="Huffman table"):
        tf.io.decode_jpeg(no_dht)
    with pytest.raises(InvalidArgumentError, match="crop window"):
        tf.io.decode_and_crop_jpeg(data, [40, 40, 10, 10])


# -- GIF and BMP ------------------------------------------------------------------------------------------------------

def _lzw(idx: bytes, min_size: int = 2) -> bytes:
    """GIF data that clears the table before it grows (fixed-width codes)."""
    clear, size, step = 1 << min_size, min_size + 1, (1 << min_size) - 2
    codes: list[int] = []
    for i in range(0, len(idx), step):
        codes += [clear, *idx[i:i + step]]
    codes.append(clear + 1)
    raw = sum(c << (size * i) for i, c in enumerate(codes)).to_bytes((size * len(codes) + 7) // 8, "little")
    return bytes([min_size]) + b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255]
                                        for i in range(0, len(raw), 255)) + b"\0"


def _gif(frames: list[tuple[int, int, int, int, bytes, int]]) -> bytes:
    pal = bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    out = b"GIF89a" + struct.pack("<HHBBB", 4, 3, 0x81, 0, 0) + pal
    for x, y, w, h, idx, trans in frames:
        if trans >= 0:
            out += b"\x21\xf9\x04\x01\x00\x00" + bytes([trans]) + b"\x00"
        out += b"\x2c" + struct.pack("<HHHHB", x, y, w, h, 0) + _lzw(idx)
    return out + b"\x3b"


def test_gif_frames_composite_like_tensorflow() -> None:
    first = bytes([0, 1, 2, 3] * 3)
    data = _gif([(0, 0, 4, 3, first, -1), (1, 1, 2, 2, bytes([1, 3, 3, 2]), 3)])
    frames = tf.io.decode_gif(data).numpy()
    assert frames.shape == (2, 3, 4, 3)
    assert frames[0, 0].tolist() == [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]
    assert frames[1, 1].tolist() == [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]  # index 3 keeps green
    assert frames[1, 2, 1:3].tolist() == [[255, 0, 0], [0, 255, 0]]
    assert tf.io.decode_image(data, expand_animations=False).shape == (3, 4, 3)
    assert tf.io.decode_image(data).shape == (2, 3, 4, 3)
    with pytest.raises(InvalidArgumentError, match="2 frames"):
        tf.io.decode_png(data)
    with pytest.raises(InvalidArgumentError, match="0 or 3"):
        tf.io.decode_image(data, channels=1)
    with pytest.raises(InvalidArgumentError, match="GIF"):
        tf.io.decode_gif(data[:-9])


def _bmp(w: int, h: int, bpp: int, rows: list[bytes]) -> bytes:
    body = b"".join(rows)
    header = struct.pack("<iiihhiiiiii", 40, w, h, 1, bpp, 0, len(body), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<ihhi", 54 + len(body), 0, 0, 54) + header + body


def test_bmp_like_tensorflow() -> None:
    rows = [bytes([1, 2, 3, 4, 5, 6]) + b"\0\0", bytes([7, 8, 9, 10, 11, 12]) + b"\0\0"]  # bottom-up BGR, padded
    bgr = _bmp(2, 2, 24, rows)
    assert tf.io.decode_bmp(bgr).numpy().tolist() == [[[9, 8, 7], [12, 11, 10]], [[3, 2, 1], [6, 5, 4]]]
    assert tf.io.decode_bmp(bgr, channels=4).numpy()[0, 0].tolist() == [9, 8, 7, 255]
    assert tf.io.decode_bmp(_bmp(2, -2, 24, rows)).numpy()[0, 0].tolist() == [3, 2, 1]  # top-down
    assert tf.io.decode_bmp(_bmp(1, 1, 32, [bytes([1, 2, 3, 4])]), channels=3).numpy().tolist() == [[[3, 2, 1]]]
    assert tf.io.decode_image(_bmp(3, 1, 8, [bytes([5, 6, 7, 0])])).numpy().ravel().tolist() == [5, 6, 7]
    with pytest.raises(InvalidArgumentError, match="1, 3 or 4"):
        tf.io.decode_bmp(_bmp(8, 1, 1, [b"\xa5\0\0\0"]))
    with pytest.raises(InvalidArgumentError, match="BMP"):
        tf.io.decode_jpeg(bgr)
    with pytest.raises(InvalidArgumentError, match="DecodeBmp"):
        tf.io.decode_bmp(tf.io.encode_png(np.zeros((1, 1, 3), np.uint8)))
    with pytest.raises(InvalidArgumentError, match="need"):
        tf.io.decode_bmp(bgr[:-3])


def test_decode_image_dtypes_for_every_format() -> None:
    jpg = tf.io.encode_jpeg(_image(4, 5))
    u8 = tf.io.decode_image(jpg).numpy()
    assert np.array_equal(tf.io.decode_image(jpg, dtype=tf.uint16).numpy(), u8.astype(np.uint16) * 256)
    f = tf.io.decode_image(jpg, dtype=tf.float32).numpy()
    assert f.dtype == np.float32 and np.array_equal(f, u8.astype(np.float32) * np.float32(1 / 255))
    assert tf.io.decode_gif(jpg).shape == (1, 4, 5, 3)
    assert tf.image.decode_jpeg(tf.io.encode_png(u8)).shape == (4, 5, 3)


# -- contexts ---------------------------------------------------------------------------------------------------------

def test_dataset_map_py_function_and_tapegrad_function() -> None:
    blobs = [tf.io.encode_jpeg(_image(8, 8, seed=s)).numpy() for s in range(3)]
    ds = tf.data.Dataset.from_tensor_slices(blobs).map(lambda b: tf.image.resize(tf.io.decode_jpeg(b), [4, 4]))
    assert [x.shape for x in ds] == [(4, 4, 3)] * 3
    traced = tf.function(lambda b: tf.cast(tf.io.decode_jpeg(b), tf.float32) / 255.0)  # a host call of the program
    for b in blobs[:2]:  # each call decodes its own bytes
        assert np.allclose(traced(tf.constant(b)).numpy() * 255.0, tf.io.decode_jpeg(b).numpy())
    wrapped = tf.function(lambda b: tf.py_function(lambda x: tf.io.decode_jpeg(x), [b], tf.uint8))
    assert np.array_equal(wrapped(tf.constant(blobs[1])).numpy(), tf.io.decode_jpeg(blobs[1]).numpy())
    enc = tf.function(lambda im: tf.io.encode_jpeg(im))
    assert enc(tf.constant(_image(8, 8))).numpy() == tf.io.encode_jpeg(_image(8, 8)).numpy()
