"""PNG images: ``decode_png`` and ``encode_png`` with the standard library's zlib.

Decoding reads every PNG kind (grey, grey+alpha, RGB, RGBA, palette; 1/2/4/8/16-bit; ``tRNS`` transparency;
Adam7 interlacing), checks chunk CRCs, and converts channels as TensorFlow's libpng setup does: grey from RGB with
libpng's fixed-point weights (9797, 19234, 3737)/32768 (8-bit: truncated, grey pixels kept; 16-bit: rounded),
alpha dropped or added (opaque), 16-bit samples to 8 by ``>> 8`` and 8 to 16 by ``* 257``. Encoding writes 8- or
16-bit grey/grey+alpha/RGB/RGBA with a per-row filter chosen by libpng's heuristic (least sum of absolute
differences) at the zlib ``compression`` level; TensorFlow decodes the result to the same pixels (the bytes
differ from libpng's). Other formats given to ``decode_png`` go through ``image_formats`` (as TF's shared kernel).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

from .. import _dtypes
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import scalar_bytes, value_of

__all__ = ["decode_png", "encode_png", "decode_array", "decode_image_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel in the file
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
# -- decoding ---------------------------------------------------------------------------------------------------------

def _chunks(data: bytes, op: str) -> tuple[dict[str, Any], bytes]:
    pos, header, idat, plte, trns = 8, None, [], None, None
    while True:
        if pos + 8 > len(data):
            raise InvalidArgumentError(f"{op}: truncated PNG (no IEND chunk after byte {pos}).")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) < length or pos + 12 + length > len(data):
            raise InvalidArgumentError(f"{op}: truncated PNG (chunk {kind!r} at byte {pos} runs past the end).")
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + body) != crc:
            raise InvalidArgumentError(f"{op}: PNG chunk {kind.decode('latin-1')} at byte {pos} has a bad CRC "
                                       "(the file is damaged).")
        pos += 12 + length
        if kind == b"IHDR":
            w, h, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", body)
            if ctype not in _CHANNELS or comp or filt or interlace > 1 or w == 0 or h == 0:
                raise InvalidArgumentError(f"{op}: invalid PNG header (colour type {ctype}, interlace {interlace}, "
                                           f"size {w}x{h}).")
            header = {"w": w, "h": h, "depth": depth, "ctype": ctype, "interlace": interlace}
        elif kind == b"PLTE":
            plte = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise InvalidArgumentError(f"{op}: PNG without an IHDR chunk.")
    header["plte"], header["trns"] = plte, trns
    if header["ctype"] == 3 and plte is None:
        raise InvalidArgumentError(f"{op}: palette PNG without a PLTE chunk.")
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise InvalidArgumentError(f"{op}: the PNG's image data is not a valid zlib stream ({e}).") from None
    return header, raw


def _unfilter(raw: bytes, pos: int, w: int, h: int, bits_pp: int, op: str) -> tuple[np.ndarray, int]:
    """The (h, row bytes) unfiltered scanlines of a (sub-)image starting at ``raw[pos]``, and the end position."""
    stride = (w * bits_pp + 7) // 8
    bpp = max(1, bits_pp // 8)
    need = h * (stride + 1)
    if pos + need > len(raw):
        raise InvalidArgumentError(f"{op}: the PNG's image data is truncated ({len(raw) - pos} of {need} bytes).")
    rows = np.frombuffer(raw, np.uint8, need, pos).reshape(h, stride + 1)
    out = np.zeros((h, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        kind, line = int(rows[y, 0]), rows[y, 1:].astype(np.int32)
        if kind == 0:
            cur = line
        elif kind == 1:  # Sub: a running sum along each byte lane
            pad = (-stride) % bpp
            lanes = np.concatenate([line, np.zeros(pad, np.int32)]).reshape(-1, bpp)
            cur = (np.cumsum(lanes, axis=0) & 0xFF).reshape(-1)[:stride]
        elif kind == 2:
            cur = (line + prev) & 0xFF
        elif kind in (3, 4):
            cur_l = line.tolist()
            up = prev.tolist()
            for i in range(stride):
                a = cur_l[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    pred = (a + b) >> 1
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur_l[i] = (cur_l[i] + pred) & 0xFF
            cur = np.array(cur_l, np.int32)
        else:
            raise InvalidArgumentError(f"{op}: PNG row {y} has an unknown filter type {kind}.")
        out[y] = cur
        prev = cur
    return out, pos + need


def _samples(rows: np.ndarray, w: int, depth: int, per_pixel: int) -> np.ndarray:
    """Unfiltered scanlines as an (h, w, samples) array of integers (16-bit big-endian, or unpacked sub-byte)."""
    h = rows.shape[0]
    if depth == 16:
        return rows.reshape(h, -1).view(">u2").astype(np.uint16).reshape(h, w, per_pixel)
    if depth == 8:
        return rows.reshape(h, w, per_pixel)
    bits = np.unpackbits(rows, axis=1).reshape(h, -1, depth)[:, :w]
    weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
    return (bits * weights).sum(axis=2).astype(np.uint8).reshape(h, w, 1)


def _pixels(header: dict[str, Any], raw: bytes, op: str) -> np.ndarray:
    w, h, depth, ctype = header["w"], header["h"], header["depth"], header["ctype"]
    per_pixel = _CHANNELS[ctype]
    bits_pp = depth * per_pixel
    if not header["interlace"]:
        rows, _ = _unfilter(raw, 0, w, h, bits_pp, op)
        return _samples(rows, w, depth, per_pixel)
    out = np.zeros((h, w, per_pixel), np.uint16 if depth == 16 else np.uint8)
    pos = 0
    for x0, y0, dx, dy in _ADAM7:
        pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
        if pw <= 0 or ph <= 0:
            continue
        rows, pos = _unfilter(raw, pos, pw, ph, bits_pp, op)
        out[y0::dy, x0::dx] = _samples(rows, pw, depth, per_pixel)
    return out


def _expand(header: dict[str, Any], px: np.ndarray) -> tuple[np.ndarray, int]:
    """The decoded samples as TF's native channels (palette → RGB[A], tRNS → alpha, low-bit grey → 8-bit) and the
    sample bit depth (8 or 16)."""
    depth, ctype, trns = header["depth"], header["ctype"], header["trns"]
    if ctype == 3:
        plte = header["plte"]
        idx = px[..., 0].astype(np.intp)
        if idx.size and idx.max() >= len(plte):
            raise InvalidArgumentError("PNG palette index out of range.")
        rgb = plte[idx]
        if trns is not None:
            alpha = np.full(len(plte), 255, np.uint8)
            alpha[:min(len(trns), len(plte))] = np.frombuffer(trns, np.uint8)[:len(plte)]
            return np.concatenate([rgb, alpha[idx][..., None]], axis=-1), 8
        return rgb, 8
    if depth < 8:  # grey 1/2/4-bit scaled to 8 bits
        px = (px.astype(np.uint16) * (255 // ((1 << depth) - 1))).astype(np.uint8)
    out_depth = 16 if depth == 16 else 8
    return px, out_depth


def _key_alpha(header: dict[str, Any], px: np.ndarray, opaque: int) -> np.ndarray | None:
    """The alpha a grey/RGB ``tRNS`` colour key gives (0 where the pixel is the key), or None without one. TF
    applies it only when the output has an alpha channel (``channels=4``), not to ``channels=0``."""
    trns, depth = header["trns"], header["depth"]
    if trns is None or header["ctype"] not in (0, 2):
        return None
    key = np.frombuffer(trns, ">u2").astype(np.int64)
    if depth < 8:
        key = key * (255 // ((1 << depth) - 1))
    return np.where(np.all(px.astype(np.int64) == key[:px.shape[-1]], axis=-1), 0, opaque)[..., None]


def _to_gray(rgb: np.ndarray, depth: int) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    if depth == 8:  # libpng: truncating fixed point; grey pixels pass through
        gray = np.where((r == g) & (g == b), r, (9797 * r + 19234 * g + 3737 * b) >> 15)
    else:
        gray = (9797 * r + 19234 * g + 3737 * b + 16384) >> 15
    return gray.astype(rgb.dtype)[..., None]


def _convert(px: np.ndarray, depth: int, channels: int, header: dict[str, Any]) -> np.ndarray:
    have = px.shape[-1]
    if channels == 0 or channels == have:
        return px
    # libpng's added alpha is the file's bit depth's maximum (a 4-bit palette image gets 15), as TF sets it up
    opaque = (1 << min(header["depth"], depth)) - 1
    color = px[..., :3] if have >= 3 else px[..., :1]
    keyed = _key_alpha(header, px, (1 << depth) - 1) if channels == 4 else None
    alpha = px[..., -1:] if have in (2, 4) else keyed.astype(px.dtype) if keyed is not None else np.full(
        px.shape[:-1] + (1,), opaque, px.dtype)
    if channels == 1:
        return _to_gray(color, depth) if have >= 3 else color
    rgb = color if have >= 3 else np.repeat(color, 3, axis=-1)
    return rgb if channels == 3 else np.concatenate([rgb, alpha], axis=-1)


def decode_array(data: bytes, channels: int, op: str) -> np.ndarray:
    """A PNG's pixels (uint8, or uint16 for 16-bit files) with ``channels`` converted as TF's libpng setup."""
    header, raw = _chunks(data, op)
    px, depth = _expand(header, _pixels(header, raw, op))
    return _convert(px, depth, channels, header)


@in_programs
def decode_png(contents: Any, channels: int = 0, dtype: Any = None, name: str | None = None) -> Any:
    """Decode a PNG image to a ``[height, width, channels]`` uint8 (or ``dtype=tf.uint16``) tensor.

    ``channels``: 0 keeps the image's own (grey 1, grey+alpha 2, RGB 3, RGBA 4; palette images are RGB, with
    alpha when they have transparency), 1 greyscale, 3 RGB, 4 RGBA. Damaged data raises ``InvalidArgumentError``.
    Like TF, JPEG and single-frame GIF data decode too (BMP needs ``decode_bmp`` or ``decode_image``).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    >>> png = tf.io.encode_png(img)
    >>> np.array_equal(tf.io.decode_png(png).numpy(), img), tf.io.decode_png(png, channels=4).shape
    (True, TensorShape([2, 4, 4]))
    """
    from ..ops import core

    op = "decode_png"
    want = _dtypes.uint8 if dtype is None else _dtypes.as_dtype(dtype)
    if want.name not in ("uint8", "uint16"):
        raise InvalidArgumentError(f"{op}: dtype must be uint8 or uint16; got {want.name}.")
    channels = 0 if channels is None else int(channels)
    if channels not in (0, 1, 3, 4):
        raise InvalidArgumentError(f"`channels` must be 0, 1, 3 or 4 but got {channels}")
    data = scalar_bytes(contents, op)
    if not data.startswith(_SIGNATURE):
        from ..ops import image_ops
        from . import image_formats

        image = image_formats.decode_as(data, op, channels)
        return image if want.name == "uint8" else image_ops.convert_image_dtype(image, want)
    px = decode_array(data, channels, op)
    if want.name == "uint8" and px.dtype == np.uint16:
        px = (px >> 8).astype(np.uint8)
    elif want.name == "uint16" and px.dtype == np.uint8:
        px = px.astype(np.uint16) * 257
    return core.constant(np.ascontiguousarray(px))


def decode_image_png(data: bytes, channels: int, want: Any) -> Any:
    """``decode_image`` for PNG data: TF decodes at 16 bits for every dtype but uint8 (floats keep a 16-bit PNG's
    precision), scaling floats by 1/65535."""
    from ..ops import core

    image = decode_png(data, channels=channels, dtype=None if want.name == "uint8" else _dtypes.uint16)
    if want.name in ("uint8", "uint16"):
        return image
    scaled = np.asarray(image._value).astype(np.float32) * np.float32(1.0 / 65535.0)
    return core.constant(scaled.astype(want.as_numpy_dtype))


# -- encoding ---------------------------------------------------------------------------------------------------------

def _filter_rows(img: np.ndarray, bpp: int) -> bytes:
    """Filter each scanline with the type (0–4) of least sum of absolute differences, as libpng's heuristic."""
    h = img.shape[0]
    x = img.reshape(h, -1).astype(np.int16)
    up = np.vstack([np.zeros((1, x.shape[1]), np.int16), x[:-1]])
    left = np.hstack([np.zeros((h, bpp), np.int16), x[:, :-bpp]])
    upleft = np.hstack([np.zeros((h, bpp), np.int16), up[:, :-bpp]])
    p = left + up - upleft
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - upleft)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
    candidates = np.stack([x, x - left, x - up, x - ((left + up) >> 1), x - paeth]) & 0xFF
    signed = np.where(candidates > 127, 256 - candidates, candidates).sum(axis=2)
    best = np.argmin(signed, axis=0)
    rows = candidates[best, np.arange(h)].astype(np.uint8)
    return np.hstack([best[:, None].astype(np.uint8), rows]).tobytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@in_programs
def encode_png(image: Any, compression: int = -1, name: str | None = None) -> Any:
    """Encode a ``[height, width, channels]`` uint8 or uint16 image (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) as PNG
    bytes (a string scalar); ``compression`` is the zlib level, -1 for the default (6).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tf.io.encode_png(np.zeros((2, 2, 1), np.uint8)).numpy()[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    from .._strings import scalar
    from ..ops import core

    arr = np.asarray(value_of(image, "encode_png"))
    if arr.dtype not in (np.uint8, np.uint16):
        raise InvalidArgumentError(f"encode_png: image must be uint8 or uint16; got {arr.dtype} (convert with "
                                   "tf.image.convert_image_dtype(image, tf.uint8, saturate=True)).")
    if arr.ndim != 3:
        raise InvalidArgumentError(f"encode_png: images must be at least rank 3 ([height, width, channels]); got "
                                   f"shape {list(arr.shape)}.")
    h, w, c = arr.shape
    if c not in (1, 2, 3, 4):
        raise InvalidArgumentError(f"encode_png: image must have 1, 2, 3, or 4 channels, got {c}")
    level = int(compression)
    if not -1 <= level <= 9:
        raise InvalidArgumentError(f"encode_png: compression must be in [-1, 9]; got {level}.")
    depth = 16 if arr.dtype == np.uint16 else 8
    ctype = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    samples = arr.astype(">u2").view(np.uint8).reshape(h, w, c * 2) if depth == 16 else arr
    body = _filter_rows(np.ascontiguousarray(samples), c * depth // 8) if h and w else b""
    png = (_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
           + _chunk(b"IDAT", zlib.compress(body, level)) + _chunk(b"IEND", b""))
    return core.constant(scalar(png))
