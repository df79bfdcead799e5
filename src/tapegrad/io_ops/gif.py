"""GIF images: ``tf.io.decode_gif`` (every frame, ``[num_frames, height, width, 3]`` uint8).

Frames are composited as TensorFlow's giflib-based kernel does: the canvas is as large as the largest frame
(the logical screen size is not used), each frame starts as a copy of the previous one (the first as black), the
frame's rectangle (clipped to the canvas) is painted from its local or the global colour table, and pixels of the
frame's transparent index keep what was there. Disposal methods are ignored, as TF ignores them. Interlaced frames
are de-interlaced. The LZW decoder is Python.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import scalar_bytes

__all__ = ["decode_gif"]


class GifError(Exception):
    pass


def _sub_blocks(data: bytes, pos: int) -> tuple[bytes, int]:
    out = []
    n = len(data)
    while True:
        if pos >= n:
            raise GifError("the data ends inside a data sub-block chain")
        size = data[pos]
        pos += 1
        if size == 0:
            return b"".join(out), pos
        if pos + size > n:
            raise GifError("the data ends inside a data sub-block")
        out.append(data[pos:pos + size])
        pos += size


def lzw_decode(stream: bytes, min_size: int, npixels: int) -> bytes:
    """GIF's variable-width LZW (codes LSB first, clear and end codes, at most 12-bit codes)."""
    if not 2 <= min_size <= 11:
        raise GifError(f"LZW minimum code size {min_size} is outside 2..11")
    clear, end = 1 << min_size, (1 << min_size) + 1
    base = [bytes([i]) for i in range(clear)] + [b"", b""]
    table = list(base)
    size = min_size + 1
    out = bytearray()
    padded = stream + b"\0\0\0"
    total = len(stream) * 8
    pos = 0
    prev: bytes | None = None
    while pos + size <= total and len(out) < npixels:
        i = pos >> 3
        code = ((padded[i] | padded[i + 1] << 8 | padded[i + 2] << 16) >> (pos & 7)) & ((1 << size) - 1)
        pos += size
        if code == clear:
            table = list(base)
            size = min_size + 1
            prev = None
            continue
        if code == end:
            break
        if code < len(table):
            entry = table[code]
            if prev is not None and len(table) < 4096:
                table.append(prev + entry[:1])
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
            if len(table) < 4096:
                table.append(entry)
        else:
            raise GifError(f"LZW code {code} is not in the table (corrupt image data)")
        out += entry
        prev = entry
        if len(table) == (1 << size) and size < 12:
            size += 1
    if len(out) < npixels:
        raise GifError(f"the image data holds {len(out)} of {npixels} pixels (truncated or corrupt)")
    return bytes(out[:npixels])


def _colour_table(data: bytes, pos: int, packed: int, which: str) -> tuple[np.ndarray | None, int]:
    """The global or local colour table a descriptor's packed byte announces (``None`` without one), and the
    position after it."""
    if not packed & 0x80:
        return None, pos
    n = 2 << (packed & 7)
    if pos + 3 * n > len(data):
        raise GifError(f"the data ends inside the {which} colour table")
    return np.frombuffer(data[pos:pos + 3 * n], np.uint8).reshape(n, 3), pos + 3 * n


def frames(data: bytes) -> np.ndarray:
    """All frames of a GIF as ``[n, height, width, 3]`` uint8."""
    if len(data) < 13 or data[:6] not in (b"GIF87a", b"GIF89a"):
        raise GifError("not a GIF (no GIF87a/GIF89a header)")
    packed = data[10]
    pos = 13
    gct, pos = _colour_table(data, pos, packed, "global")
    images: list[tuple[int, int, int, int, np.ndarray | None, np.ndarray, int]] = []
    transparent = -1
    while True:
        if pos >= len(data):
            raise GifError("the data ends before the trailer")
        tag = data[pos]
        pos += 1
        if tag == 0x3B:
            break
        if tag == 0x21:
            if pos >= len(data):
                raise GifError("the data ends inside an extension")
            label = data[pos]
            body, pos = _sub_blocks(data, pos + 1)
            if label == 0xF9 and len(body) >= 4:
                transparent = body[3] if body[0] & 1 else -1
            continue
        if tag != 0x2C:
            raise GifError(f"unexpected block 0x{tag:02X} at byte {pos - 1}")
        if pos + 9 > len(data):
            raise GifError("the data ends inside an image descriptor")
        left, top, w, h, ipacked = struct.unpack("<HHHHB", data[pos:pos + 9])
        pos += 9
        lct, pos = _colour_table(data, pos, ipacked, "local")
        if pos >= len(data):
            raise GifError("the data ends before the image data")
        min_size = data[pos]
        stream, pos = _sub_blocks(data, pos + 1)
        idx = np.frombuffer(lzw_decode(stream, min_size, w * h), np.uint8).reshape(h, w)
        if ipacked & 0x40:  # interlaced: rows come in passes 0::8, 4::8, 2::4, 1::2
            order = np.concatenate([np.arange(0, h, 8), np.arange(4, h, 8), np.arange(2, h, 4), np.arange(1, h, 2)])
            de = np.empty_like(idx)
            de[order] = idx
            idx = de
        images.append((left, top, w, h, lct, idx, transparent))
        transparent = -1
    if not images:
        raise GifError("the GIF holds no image")
    # TF sizes the canvas by the largest frame, not by the logical screen
    height = max(im[3] for im in images)
    width = max(im[2] for im in images)
    out = np.zeros((len(images), height, width, 3), np.uint8)
    for k, (left, top, w, h, lct, idx, trans) in enumerate(images):
        if k:
            out[k] = out[k - 1]
        cmap = lct if lct is not None else gct
        if cmap is None:
            raise GifError("missing color map")
        x0, y0, x1, y1 = max(left, 0), max(top, 0), min(left + w, width), min(top + h, height)
        if x1 <= x0 or y1 <= y0:
            continue
        sub = idx[y0 - top:y1 - top, x0 - left:x1 - left].astype(np.int64)
        keep = sub == trans
        if (sub[~keep] >= len(cmap)).any():
            bad = int(sub[~keep].max())
            raise GifError(f"found color index {bad} outside of color map range {len(cmap)}")
        colors = cmap[np.where(keep, 0, np.minimum(sub, len(cmap) - 1))]
        region = out[k, y0:y1, x0:x1]
        region[~keep] = colors[~keep]
        if k == 0:
            region[keep] = 0
    return out


@in_programs
def decode_gif(contents: Any, name: str | None = None) -> Any:
    """Decode every frame of a GIF to a ``[num_frames, height, width, 3]`` uint8 tensor (TF's compositing: each
    frame is drawn over the previous one, transparent pixels keep it; disposal methods are ignored as TF does).
    JPEG and PNG data decode as one frame; BMP raises ``InvalidArgumentError``.

    >>> import tapegrad as tf
    >>> gif = bytes.fromhex("47494638396101000100800000000000ffffff2c00000000010001000002024c01003b")
    >>> tf.io.decode_gif(gif).numpy().tolist()
    [[[[255, 255, 255]]]]
    """
    from . import image_formats

    return image_formats.decode_as(scalar_bytes(contents, "decode_gif"), "decode_gif", 0)


def decode_array(data: bytes, op: str) -> np.ndarray:
    try:
        return frames(data)
    except GifError as e:
        raise InvalidArgumentError(f"{op}: invalid GIF data: {e}.") from None
