"""BMP images: ``tf.io.decode_bmp`` as TensorFlow's kernel reads them.

TF reads uncompressed 8-, 24- and 32-bit BMPs: 8-bit pixels are returned as one channel of raw bytes (a palette is
not applied), 24-bit BGR as RGB, 32-bit BGRA as RGBA; rows are bottom-up unless the height is negative, each row
padded to 4 bytes. Other bit depths raise ``InvalidArgumentError``.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import scalar_bytes

__all__ = ["decode_bmp"]


def decode_array(data: bytes, channels: int, op: str) -> np.ndarray:
    """The pixels of a BMP as ``[height, width, channels]`` uint8 (``channels`` 0 keeps the file's)."""
    if len(data) < 30 or data[:2] != b"BM":
        raise InvalidArgumentError(f"{op}: invalid BMP data: the file is too short or does not start with 'BM'.")
    offset = struct.unpack_from("<i", data, 10)[0]
    width, height = struct.unpack_from("<ii", data, 18)
    bpp = struct.unpack_from("<h", data, 28)[0]
    have = bpp // 8
    if have not in (1, 3, 4):
        raise InvalidArgumentError(f"{op}: Number of channels inherent in the image must be 1, 3 or 4, was {have} "
                                   f"(the BMP has {bpp} bits per pixel; TF reads 8-, 24- and 32-bit BMPs).")
    if width <= 0 or height == 0:
        raise InvalidArgumentError(f"{op}: invalid BMP size {width}x{height}.")
    top_down = height < 0
    height = abs(height)
    row = (have * width + 3) // 4 * 4
    if offset < 0 or offset + row * height > len(data):
        raise InvalidArgumentError(f"{op}: invalid BMP data: {height} rows of {row} bytes from byte {offset} need "
                                   f"{offset + row * height} bytes; the file has {len(data)}.")
    px = np.frombuffer(data, np.uint8, row * height, offset).reshape(height, row)[:, :have * width]
    px = px.reshape(height, width, have)
    if not top_down:
        px = px[::-1]
    if have >= 3:
        px = np.concatenate([px[..., 2::-1], px[..., 3:]], axis=-1)
    want = channels or have
    if want == have:
        return np.ascontiguousarray(px)
    if have == 1:
        rgb = np.repeat(px, 3, axis=-1)
    else:
        rgb = px[..., :3]
    if want == 3:
        return np.ascontiguousarray(rgb)
    alpha = px[..., 3:] if have == 4 else np.full(px.shape[:2] + (1,), 255, np.uint8)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=-1))


@in_programs
def decode_bmp(contents: Any, channels: int = 0, name: str | None = None) -> Any:
    """Decode a BMP image to a ``[height, width, channels]`` uint8 tensor (``channels`` 0, 3 or 4; 8-bit images
    give one channel of raw pixel bytes, as TF). Other formats raise ``InvalidArgumentError``.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> bmp = b"BM" + bytes(8) + (54).to_bytes(4, "little") + (40).to_bytes(4, "little") + (1).to_bytes(4, "little")
    >>> bmp += (1).to_bytes(4, "little") + (1).to_bytes(2, "little") + (24).to_bytes(2, "little") + bytes(24)
    >>> tf.io.decode_bmp(bmp + bytes([10, 20, 30, 0])).numpy().tolist()
    [[[30, 20, 10]]]
    """
    from . import image_formats

    return image_formats.decode_as(scalar_bytes(contents, "decode_bmp"), "decode_bmp", channels)
