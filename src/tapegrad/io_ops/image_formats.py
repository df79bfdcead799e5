"""One entry for every image format: ``tf.io.decode_image`` and the format dispatch that TF's ``decode_jpeg``,
``decode_png``, ``decode_gif`` and ``decode_bmp`` share (TF 2.x runs one kernel for all of them: ``decode_jpeg``
reads a PNG, ``decode_png`` a JPEG, ``decode_gif`` any single image as one frame; only BMP is kept to
``decode_bmp``/``decode_image``), plus ``tf.image.adjust_jpeg_quality`` and ``random_jpeg_quality``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError, UnimplementedError
from ._common import scalar_bytes, value_of

__all__ = ["decode_image", "decode_as", "adjust_jpeg_quality", "random_jpeg_quality",
           "stateless_random_jpeg_quality"]

_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP"}
_ALLOWED = {"jpeg": (0, 1, 3), "png": (0, 1, 3, 4), "gif": (0, 3), "bmp": (0, 3, 4)}


def sniff(data: bytes, op: str) -> str:
    """The format of an encoded image from its first bytes."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise UnimplementedError(f"{op}: the image is WebP; tapegrad decodes JPEG, PNG, GIF and BMP (decode WebP "
                                 "with an image library, e.g. np.asarray(PIL.Image.open(path))).")
    if not data:
        raise InvalidArgumentError(f"{op}: Input is empty.")
    raise InvalidArgumentError(f"{op}: Unknown image file format (the bytes start {data[:8]!r}). One of JPEG, PNG, "
                               "GIF, BMP required.")


def _check_channels(fmt: str, channels: int, op: str) -> None:
    if channels not in _ALLOWED[fmt]:
        if fmt == "jpeg":
            msg = f"JPEG does not support {channels} channels (0, 1 or 3)"
        elif fmt == "gif":
            msg = f"channels must be 0 or 3 for GIF, got {channels}"
        elif fmt == "bmp":
            msg = f"`channels` must be 0, 3 or 4 for BMP, but got {channels}"
        else:
            msg = f"`channels` must be 0, 1, 3 or 4 for PNG, but got {channels}"
        raise InvalidArgumentError(f"{op}: {msg}.")


def decode_array(data: bytes, op: str, channels: int, expand_animations: bool = True,
                 jpeg: dict[str, Any] | None = None) -> tuple[np.ndarray, str]:
    """Decode ``data`` as ``op`` would (uint8; PNGs at their own depth) and say which format it was."""
    fmt = sniff(data, op)
    if op == "decode_bmp" and fmt != "bmp":
        raise InvalidArgumentError(f"{op}: Trying to decode {_NAMES[fmt]} format using DecodeBmp op. Use "
                                   f"`decode_{fmt}` or `decode_image` instead.")
    if fmt == "bmp" and op not in ("decode_bmp", "decode_image"):
        raise InvalidArgumentError(f"{op}: Trying to decode BMP format using a wrong op. Use `decode_bmp` or "
                                   "`decode_image` instead.")
    _check_channels(fmt, channels, op)
    if fmt == "jpeg":
        from . import jpeg as J

        o = jpeg or {}
        px = J.decode_pixels(data, 3 if op == "decode_gif" else channels, o.get("ratio", 1), o.get("fancy", True),
                             o.get("recover", False), o.get("fraction", 1.0), o.get("dct", "ifast"), op,
                             o.get("window"))
        return (px[None] if op == "decode_gif" else px), fmt
    elif fmt == "png":
        from . import png

        px = png.decode_array(data, 3 if op == "decode_gif" else channels, op)
    elif fmt == "bmp":
        from . import bmp

        px = bmp.decode_array(data, channels, op)
    else:
        from . import gif

        px = gif.decode_array(data, op)
        if op in ("decode_gif", "decode_image") and (op == "decode_gif" or expand_animations):
            return px, fmt
        if op != "decode_image" and px.shape[0] > 1:
            raise InvalidArgumentError(f"{op}: Got {px.shape[0]} frames, but animated gifs can only be decoded by "
                                       "tf.io.decode_gif or tf.io.decode_image.")
        return px[0], fmt
    if jpeg is not None and jpeg.get("window") is not None:  # decode_and_crop_jpeg of another format
        y, x, h, w = jpeg["window"]
        if h <= 0 or w <= 0 or y < 0 or x < 0 or y + h > px.shape[0] or x + w > px.shape[1]:
            raise InvalidArgumentError(f"{op}: the crop window [y={y}, x={x}, height={h}, width={w}] does not fit "
                                       f"inside the {px.shape[0]}x{px.shape[1]} image.")
        px = px[y:y + h, x:x + w]
    if op == "decode_gif":
        px = px[None]
    return px, fmt


def decode_as(data: bytes, op: str, channels: Any, jpeg: dict[str, Any] | None = None) -> Any:
    """``op``'s uint8 result for ``data`` as a tensor."""
    from ..ops import core

    channels = 0 if channels is None else int(value_of(channels, op))
    px, _ = decode_array(data, op, channels, True, jpeg)
    return core.constant(np.ascontiguousarray(px))


@in_programs
def decode_image(contents: Any, channels: int | None = None, dtype: Any = None, name: str | None = None,
                 expand_animations: bool = True) -> Any:
    """Decode a JPEG, PNG, GIF or BMP image: ``[height, width, channels]``, or ``[frames, height, width, 3]`` for a
    GIF when ``expand_animations`` (else its first frame). ``dtype`` uint8 (default), uint16 or a float type, scaled
    as ``tf.image.convert_image_dtype`` (a 16-bit PNG keeps its precision). WebP raises ``UnimplementedError``.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> png = tf.io.encode_png(np.full((1, 1, 1), 255, np.uint8))
    >>> tf.io.decode_image(png, dtype=tf.float32).numpy().tolist()
    [[[1.0]]]
    >>> tf.io.decode_image(tf.io.encode_jpeg(np.zeros((2, 3, 3), np.uint8))).shape
    TensorShape([2, 3, 3])
    """
    from ..ops import core, image_ops

    op = "decode_image"
    want = _dtypes.uint8 if dtype is None else _dtypes.as_dtype(dtype)
    if want.name not in ("uint8", "uint16") and not want.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be uint8, uint16 or a float type; got {want.name}.")
    data = scalar_bytes(contents, op)
    channels = 0 if channels is None else int(value_of(channels, op))
    if sniff(data, op) == "png":
        from . import png

        return png.decode_image_png(data, channels, want)
    px, _ = decode_array(data, op, channels, bool(expand_animations))
    image = core.constant(np.ascontiguousarray(px))
    return image if want.name == "uint8" else image_ops.convert_image_dtype(image, want)


# -- tf.image ---------------------------------------------------------------------------------------------------------

@in_programs
def adjust_jpeg_quality(image: Any, jpeg_quality: Any, dct_method: str = "", name: str | None = None) -> Any:
    """Re-encode one ``[height, width, channels]`` image as JPEG at ``jpeg_quality`` (0–100) and decode it again,
    as TF does (uint8 via ``convert_image_dtype``, back to the input's dtype). Not differentiable.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> out = tf.image.adjust_jpeg_quality(np.full((8, 8, 3), 0.5, np.float32), 75)
    >>> out.dtype.name, round(float(out[0, 0, 0]), 3)
    ('float32', 0.498)
    """
    from ..ops import core, image_ops
    from ._jpeg_encode import encode

    op = "adjust_jpeg_quality"
    t = core.convert_to_tensor(value_of(image, op)) if not hasattr(image, "dtype") else image
    orig = t.dtype
    u8 = image_ops.convert_image_dtype(t, _dtypes.uint8, saturate=True)
    arr = np.asarray(value_of(u8, op))
    if arr.ndim != 3:
        raise InvalidArgumentError(f"{op}: image must be 3-dimensional [height, width, channels]; got shape "
                                   f"{list(arr.shape)} (apply it to each image of a batch).")
    if arr.shape[-1] not in (1, 3):
        raise InvalidArgumentError(f"{op}: image must have 1 or 3 channels; got {arr.shape[-1]}.")
    q = int(np.asarray(value_of(jpeg_quality, op)))
    if not 0 <= q <= 100:
        raise InvalidArgumentError(f"{op}: quality must be in [0, 100]; got {q}.")
    from . import jpeg as J

    data = encode(np.ascontiguousarray(arr), q, False, False, (2, 2), (1, 300, 300), b"")
    dct = J.dct_name(dct_method)
    px = J.decode_pixels(data, arr.shape[-1], 1, True, False, 1.0, dct, op)
    return image_ops.convert_image_dtype(core.constant(px), orig, saturate=True)


def _check_range(lo: Any, hi: Any) -> None:
    if lo < 0 or hi < 0 or lo > 100 or hi > 100:
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if lo >= hi:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")


def random_jpeg_quality(image: Any, min_jpeg_quality: int, max_jpeg_quality: int, seed: Any = None) -> Any:
    """``adjust_jpeg_quality`` at a quality drawn uniformly from ``[min_jpeg_quality, max_jpeg_quality)`` (an int32
    from tapegrad's ``tf.random.uniform`` with ``seed``).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tf.image.random_jpeg_quality(np.zeros((8, 8, 3), np.uint8), 50, 90, seed=1).shape
    TensorShape([8, 8, 3])
    """
    from ..ops import random_ops

    _check_range(min_jpeg_quality, max_jpeg_quality)
    q = random_ops.uniform([], min_jpeg_quality, max_jpeg_quality, dtype=_dtypes.int32, seed=seed)
    return adjust_jpeg_quality(image, q)


def stateless_random_jpeg_quality(image: Any, min_jpeg_quality: int, max_jpeg_quality: int, seed: Any) -> Any:
    """``adjust_jpeg_quality`` at a quality drawn by ``tf.random.stateless_uniform`` from ``seed`` (shape [2]).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tf.image.stateless_random_jpeg_quality(np.zeros((8, 8, 3), np.uint8), 50, 90, seed=(1, 2)).shape
    TensorShape([8, 8, 3])
    """
    from ..ops import random_generator

    _check_range(min_jpeg_quality, max_jpeg_quality)
    q = random_generator.stateless_uniform([], seed, min_jpeg_quality, max_jpeg_quality, dtype=_dtypes.int32)
    return adjust_jpeg_quality(image, q)
