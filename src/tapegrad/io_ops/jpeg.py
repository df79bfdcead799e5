"""JPEG images: ``decode_jpeg``, ``decode_and_crop_jpeg``, ``extract_jpeg_shape``, ``is_jpeg`` and
``encode_jpeg``, in NumPy with TensorFlow's (libjpeg-turbo's) pixels.

Decoding reads baseline, extended-sequential and progressive Huffman JPEGs with 1, 3 or 4 components (greyscale,
YCbCr, Adobe RGB, CMYK and YCCK), any integer chroma subsampling and restart intervals, and reproduces what TF's
libjpeg-turbo outputs bit for bit: the IDCT ``dct_method`` picks (TF's default ``''`` is IFAST, as is
``'INTEGER_FAST'``; ``'INTEGER_ACCURATE'`` is ISLOW), the reduced-size IDCTs of ``ratio`` 2/4/8, the triangle
("fancy") chroma upsampling or box replication (``fancy_upscaling=False``), the fixed-point colour conversion and
TF's CMYK→RGB step. The entropy decoder is Python (see ``_jpeg_decode``); the rest is vectorised.
"""

from __future__ import annotations

import struct
from array import array
from typing import Any

import numpy as np

from .. import _dtypes
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError, UnimplementedError
from . import _jpeg_decode as D
from ._common import scalar_bytes, string_array, value_of

__all__ = ["decode_jpeg", "decode_and_crop_jpeg", "extract_jpeg_shape", "is_jpeg", "encode_jpeg"]

_SOF_NAMES = {0xC3: "lossless", 0xC5: "differential sequential", 0xC6: "differential progressive",
              0xC7: "differential lossless", 0xC9: "arithmetic-coded sequential",
              0xCA: "arithmetic-coded progressive", 0xCB: "arithmetic-coded lossless",
              0xCD: "differential arithmetic-coded sequential", 0xCE: "differential arithmetic-coded progressive",
              0xCF: "differential arithmetic-coded lossless"}


class _Image:
    """What the markers say, and the coefficient buffer the scans fill."""

    def __init__(self) -> None:
        self.qt: dict[int, np.ndarray] = {}
        self.dc: dict[int, tuple[list[int], list[int]]] = {}
        self.ac: dict[int, tuple[list[int], list[int]]] = {}
        self.restart = 0
        self.jfif = False
        self.adobe: int | None = None
        self.progressive = False
        self.height = self.width = 0
        self.comps: list[dict[str, Any]] = []
        self.coef: Any = None
        self.scans = 0
        self.truncated = False  # the data ended inside a scan or before EOI
        self.recover = True     # decode a truncated scan with zero bits (else stop where libjpeg suspends)
        self.stopped_mcu = -1   # the MCU of the truncated scan where libjpeg would have suspended,
        self.stopped_cols = 1   # that scan's MCUs per row,
        self.stopped_comp: dict[str, Any] | None = None  # and its component when it had one


def _segment(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 2 > len(data):
        raise D.JpegError("the data ends inside a marker segment")
    length = (data[pos] << 8) | data[pos + 1]
    if length < 2 or pos + length > len(data):
        raise D.JpegError(f"a marker segment at byte {pos - 2} claims {length} bytes; the data ends first")
    return data[pos + 2:pos + length], pos + length


def _frame(img: _Image, body: bytes, marker: int) -> None:
    if img.comps:
        raise D.JpegError("the image has two frame (SOF) markers")
    if len(body) < 6:
        raise D.JpegError("the frame header (SOF) is too short")
    precision, h, w, n = struct.unpack(">BHHB", body[:6])
    if precision != 8:
        raise UnimplementedError(f"the JPEG has {precision}-bit samples; TensorFlow (and tapegrad) decode 8-bit "
                                 "JPEGs only")
    if len(body) < 6 + 3 * n or n not in (1, 3, 4) or h == 0 or w == 0:
        raise D.JpegError(f"bad frame header: {n} components, {w}x{h} pixels (1, 3 or 4 components and a "
                          "non-zero size required; a height defined later by DNL is not supported)")
    img.height, img.width, img.progressive = h, w, marker == 0xC2
    for i in range(n):
        cid, hv, tq = body[6 + 3 * i:9 + 3 * i]
        hs, vs = hv >> 4, hv & 15
        if not (1 <= hs <= 4 and 1 <= vs <= 4) or tq > 3:
            raise D.JpegError(f"component {i} has sampling factors {hs}x{vs} (1..4) or quantisation table {tq}")
        img.comps.append({"id": cid, "h": hs, "v": vs, "tq": tq, "q": None})
    hmax = max(c["h"] for c in img.comps)
    vmax = max(c["v"] for c in img.comps)
    img.hmax, img.vmax = hmax, vmax
    img.mcux, img.mcuy = -(-w // (8 * hmax)), -(-h // (8 * vmax))
    off = 0
    for c in img.comps:
        c["rows"], c["cols"] = img.mcuy * c["v"], img.mcux * c["h"]
        c["bw"] = D.cdiv(D.cdiv(w * c["h"], hmax), 8)   # blocks across the component's own width
        c["bh"] = D.cdiv(D.cdiv(h * c["v"], vmax), 8)
        c["off"] = off
        off += c["rows"] * c["cols"] * D.STRIDE
    if off > 1 << 31:
        raise D.JpegError(f"the image is too large ({w}x{h})")
    img.coef = array("i", bytes(4 * off))


def _scan_data(data: bytes, pos: int) -> tuple[list[bytes], int, bool]:
    """The entropy-coded data from ``pos``: unstuffed, split at RSTn markers; the position of the marker that ends
    it, and whether the data ended first."""
    segs: list[bytes] = []
    cur: list[bytes] = []
    n = len(data)
    while True:
        j = data.find(b"\xff", pos)
        if j < 0:
            cur.append(data[pos:])
            pos, eof = n, True
            break
        cur.append(data[pos:j])
        k = j + 1
        while k < n and data[k] == 0xFF:
            k += 1
        if k >= n:
            pos, eof = n, True
            break
        m = data[k]
        if m == 0:
            cur.append(b"\xff")
            pos = k + 1
        elif 0xD0 <= m <= 0xD7:
            segs.append(b"".join(cur))
            cur = []
            pos = k + 1
        else:
            pos, eof = k - 1, False
            break
    segs.append(b"".join(cur))
    return segs, pos, eof


def _scan(img: _Image, body: bytes, data: bytes, pos: int) -> int:
    if not img.comps:
        raise D.JpegError("a scan (SOS) comes before the frame header (SOF)")
    ns = body[0] if body else 0
    if not 1 <= ns <= 4 or len(body) < 4 + 2 * ns:
        raise D.JpegError(f"bad scan header ({ns} components)")
    by_id = {c["id"]: c for c in img.comps}
    comps, tabs = [], []
    for i in range(ns):
        cid, t = body[1 + 2 * i], body[2 + 2 * i]
        if cid not in by_id:
            raise D.JpegError(f"a scan names component id {cid}, which the frame does not define")
        comps.append(by_id[cid])
        tabs.append((t >> 4, t & 15))
    ss, se, a = body[1 + 2 * ns], body[2 + 2 * ns], body[3 + 2 * ns]
    ah, al = a >> 4, a & 15
    if img.progressive:
        bad = (ss > se or se > 63 or al > 13 or (ah and ah != al + 1) or (ss == 0 and se != 0)
               or (ss > 0 and ns != 1))
    else:
        bad = ss != 0 or se != 63 or ah or al
    if bad:
        raise D.JpegError(f"bad scan parameters Ss={ss} Se={se} Ah={ah} Al={al} for a "
                          f"{'progressive' if img.progressive else 'sequential'} JPEG")
    for c in comps:  # libjpeg latches a component's quantisation table at its first scan
        if c["q"] is None:
            if c["tq"] not in img.qt:
                raise D.JpegError(f"quantisation table {c['tq']} is used but never defined (no DQT)")
            c["q"] = img.qt[c["tq"]]
    need_dc = ss == 0 and ah == 0
    need_ac = ss > 0
    slots = []
    empty = ([], [])
    for ci, (c, (td, ta)) in enumerate(zip(comps, tabs)):
        if need_dc and td not in img.dc:
            raise D.JpegError(f"DC Huffman table {td} is used but never defined (no DHT)")
        if need_ac and ta not in img.ac:
            raise D.JpegError(f"AC Huffman table {ta} is used but never defined (no DHT)")
        dF, dB = img.dc.get(td, empty) if need_dc else empty
        aF, aB = img.ac.get(ta, empty) if (need_ac or not img.progressive) else empty
        if not img.progressive and ta not in img.ac:
            raise D.JpegError(f"AC Huffman table {ta} is used but never defined (no DHT)")
        reps = c["h"] * c["v"] if ns > 1 else 1
        for _ in range(reps):
            slots.append((len(slots), ci, dF, dB, aF, aB))
    # block offsets in decode order
    if ns == 1:
        c = comps[0]
        r, q = np.meshgrid(np.arange(c["bh"]), np.arange(c["bw"]), indexing="ij")
        bases = (c["off"] + (r * c["cols"] + q) * D.STRIDE).ravel()
    else:
        my, mx = np.meshgrid(np.arange(img.mcuy), np.arange(img.mcux), indexing="ij")
        parts = []
        for c in comps:
            for v in range(c["v"]):
                for h in range(c["h"]):
                    parts.append(c["off"] + ((my * c["v"] + v) * c["cols"] + mx * c["h"] + h) * D.STRIDE)
        bases = np.stack(parts, axis=-1).ravel()
    segs, end, eof = _scan_data(data, pos)
    nb = len(slots)
    # zero bits after the data: libjpeg pads a scan that runs out with zeros for the MCU in progress (at most
    # ~300 bytes a block); an interval followed by a restart marker gets less, and reading past it is an error
    last = len(segs) - 1
    segments = [(D.peeks(s, 320 * nb if i == last else 64), 8 * len(s)) for i, s in enumerate(segs)]
    blist = bases.tolist()
    try:
        if img.progressive:
            D.decode_progressive(segments, blist, slots, nb, img.restart, img.coef, ns, ss, se, ah, al)
        else:
            # libjpeg's bit reader tops up to 57 bits ahead: without a marker after the data it suspends about
            # that far before the end (an approximation of where: ~89 bits, the middle of its refill window)
            cut = max(8 * len(segs[-1]) - 89, 0) if eof and not img.recover else -1
            stop = D.decode_sequential(segments, blist, slots, nb, img.restart, img.coef, ns, cut)
            if cut >= 0:
                img.stopped_mcu = max(stop // nb - 1, 0)
                img.stopped_cols = img.mcux if ns > 1 else comps[0]["bw"]
                img.stopped_comp = comps[0] if ns == 1 else None
    except IndexError:
        raise D.JpegError("a restart interval's entropy-coded data is corrupt (it runs past its restart "
                          "marker)") from None
    img.scans += 1
    if eof:
        img.truncated = True
    return end


def parse(data: bytes, decode: bool = True, recover: bool = True) -> _Image:
    """Read the markers (and, with ``decode``, every scan's coefficients)."""
    if not data.startswith(b"\xff\xd8"):
        raise D.JpegError("not a JPEG (it does not start with the SOI marker FF D8)")
    img = _Image()
    img.recover = recover
    pos, n = 2, len(data)
    while True:
        # find the next marker, skipping fill bytes (libjpeg warns about junk and skips it too)
        while pos < n and data[pos] != 0xFF:
            pos += 1
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            img.truncated = True
            if not img.comps or not decode or img.scans == 0:
                raise D.JpegError("the data ends before the image does (no scan or EOI marker)")
            return img
        m = data[pos]
        pos += 1
        if m == 0xD9:
            if img.scans == 0:
                raise D.JpegError("the image has no scan (EOI before any SOS)")
            return img
        if 0xD0 <= m <= 0xD7 or m == 0x01:
            continue
        body, pos = _segment(data, pos)
        if m in (0xC0, 0xC1, 0xC2):
            _frame(img, body, m)
            if not decode:
                return img
        elif m in _SOF_NAMES:
            raise UnimplementedError(f"the JPEG is {_SOF_NAMES[m]} (SOF marker FF {m:02X}); tapegrad decodes "
                                     "baseline, extended and progressive Huffman JPEGs")
        elif m == 0xC4:
            i = 0
            while i < len(body):
                if i + 17 > len(body):
                    raise D.JpegError("a Huffman table (DHT) is truncated")
                tc, th = body[i] >> 4, body[i] & 15
                counts = body[i + 1:i + 17]
                total = sum(counts)
                syms = body[i + 17:i + 17 + total]
                if tc > 1 or th > 3 or len(syms) < total or total > 256:
                    raise D.JpegError(f"bad Huffman table (class {tc}, id {th}, {total} symbols)")
                if tc == 0 and any(s > 15 for s in syms):
                    raise D.JpegError("a DC Huffman table has a symbol over 15")
                (img.ac if tc else img.dc)[th] = D.huffman_tables(bytes(counts), bytes(syms), bool(tc))
                i += 17 + total
        elif m == 0xDB:
            i = 0
            while i < len(body):
                pq, tq = body[i] >> 4, body[i] & 15
                size = 128 if pq else 64
                if tq > 3 or pq > 1 or i + 1 + size > len(body):
                    raise D.JpegError(f"bad quantisation table (DQT id {tq}, precision {pq})")
                vals = np.frombuffer(body[i + 1:i + 1 + size], ">u2" if pq else np.uint8).astype(np.int64)
                img.qt[tq] = vals
                i += 1 + size
        elif m == 0xDD:
            if len(body) < 2:
                raise D.JpegError("bad restart interval (DRI) segment")
            img.restart = (body[0] << 8) | body[1]
        elif m == 0xDA:
            if not decode:
                raise D.JpegError("a scan (SOS) comes before the frame header (SOF)")
            pos = _scan(img, body, data, pos)
        elif m == 0xE0 and body[:5] == b"JFIF\0":
            img.jfif = True
        elif m == 0xEE and body[:5] == b"Adobe" and len(body) >= 12:
            img.adobe = body[11]
        elif m == 0xDC:
            raise UnimplementedError("the JPEG defines its height in a DNL marker; not supported")


def _colorspace(img: _Image) -> str:
    n = len(img.comps)
    if n == 1:
        return "gray"
    if n == 3:
        if img.jfif:
            return "ycc"
        if img.adobe is not None:
            return "rgb" if img.adobe == 0 else "ycc"
        ids = [c["id"] for c in img.comps]
        return "rgb" if ids == [82, 71, 66] else "ycc"
    if img.adobe is not None:
        return "ycck" if img.adobe == 2 else "cmyk"
    return "cmyk"


def pixels(img: _Image, channels: int, ratio: int, fancy: bool, dct: str,
           crop: tuple[int, int] | None = None) -> np.ndarray:
    """The decoded coefficients as TF's ``[height/ratio, width/ratio, channels]`` uint8 image.

    ``crop`` ``(x0, width)`` (x0 on an iMCU column boundary) gives only those columns, as libjpeg-turbo's
    ``jpeg_crop_scanline`` decodes them: the upsampler treats the window's edges as the image's."""
    space = _colorspace(img)
    want = len(img.comps) if channels == 0 else channels
    want = min(want, 3) if channels == 0 else want
    if want == 1 and space in ("cmyk", "ycck"):
        raise D.JpegError("a CMYK/YCCK JPEG cannot be decoded to one channel (libjpeg has no such conversion); "
                          "use channels=3")
    min_s = 8 // ratio
    hmax, vmax = img.hmax, img.vmax
    out_w, out_h = -(-img.width // ratio), -(-img.height // ratio)
    if crop is not None:
        out_w = crop[1]
    coef = np.frombuffer(img.coef, np.int32)
    gray_only = want == 1 and space in ("gray", "ycc")
    planes = []
    for ci, c in enumerate(img.comps):
        if gray_only and ci > 0:
            break
        s = min_s
        while s < 8 and (hmax * min_s) % (c["h"] * s * 2) == 0 and (vmax * min_s) % (c["v"] * s * 2) == 0:
            s *= 2
        rows, cols = c["rows"], c["cols"]
        blocks = D.fold_overflow(coef[c["off"]:c["off"] + rows * cols * D.STRIDE].reshape(-1, D.STRIDE))
        blocks = blocks.astype(np.int64)
        q = c["q"] if c["q"] is not None else np.zeros(64, np.int64)
        nat = np.empty_like(blocks)
        if s == 8 and dct == "ifast":
            mult = (q * D.AANSCALES[D.ZIGZAG] + 2048) >> 12
            nat[:, D.ZIGZAG] = blocks * mult
            px = D.idct_ifast(nat.reshape(-1, 8, 8))
        else:
            nat[:, D.ZIGZAG] = blocks * q
            x = nat.reshape(-1, 8, 8)
            px = {8: D.idct_islow, 4: D.idct_4x4, 2: D.idct_2x2, 1: D.idct_1x1}[s](x)
        plane = px.reshape(rows, cols, s, s).transpose(0, 2, 1, 3).reshape(rows * s, cols * s)
        dw = D.cdiv(img.width * c["h"] * s, hmax * 8)
        dh = D.cdiv(img.height * c["v"] * s, vmax * 8)
        h_in, v_in = c["h"] * s // min_s, c["v"] * s // min_s
        if hmax % h_in or vmax % v_in:
            raise UnimplementedError(f"component {ci}'s sampling factors {c['h']}x{c['v']} do not divide the "
                                     f"largest ({hmax}x{vmax}); libjpeg does not upsample by fractions")
        fh, fv = hmax // h_in, vmax // v_in
        use_fancy = fancy and min_s > 1 and (fh != 2 or dw > 2)  # jdsample: 2h filters need > 2 samples
        if crop is not None:
            x0, cw = crop
            plane = plane[:, x0 // fh:]
            dw_full, dw = dw, D.cdiv(cw * c["h"], hmax)
            if dw < 2 <= dw_full:  # jpeg_crop_scanline re-initialises the upsampler (box) for a 1-wide plane
                use_fancy = use_fancy and fh != 2
        up = D.upsample(plane, dw, dh, fh, fv, use_fancy)
        planes.append(up[:out_h, :out_w])
    if want == 1:
        if space == "rgb":
            return D.rgb_to_gray(*planes[:3])[..., None]
        return np.ascontiguousarray(planes[0][..., None])
    if space == "gray":
        return np.repeat(planes[0][..., None], 3, axis=-1)
    if space == "ycc":
        return D.ycc_to_rgb(*planes)
    if space == "rgb":
        return np.stack(planes, axis=-1)
    cmyk = D.ycck_to_cmyk(*planes) if space == "ycck" else np.stack(planes, axis=-1)
    c4 = cmyk.astype(np.int32)
    k = c4[..., 3:]
    if img.adobe is not None:  # TF: Adobe CMYK is stored inverted
        rgb = k * c4[..., :3] // 255
    else:
        rgb = (255 - k) * (255 - c4[..., :3]) // 255
    return rgb.astype(np.uint8)


# -- public ops -------------------------------------------------------------------------------------------------------

def dct_name(dct_method: Any) -> str:
    """TF's ``dct_method`` strings: ``'INTEGER_ACCURATE'`` is ISLOW; ``''``, ``'INTEGER_FAST'`` and anything else
    are TF's default, IFAST."""
    m = dct_method.decode() if isinstance(dct_method, bytes) else str(dct_method or "")
    return "islow" if m == "INTEGER_ACCURATE" else "ifast"


def _check_ratio(ratio: Any, op: str) -> int:
    ratio = 1 if ratio is None else int(value_of(ratio, op))
    if ratio not in (1, 2, 4, 8):
        raise InvalidArgumentError(f"{op}: ratio must be 1, 2, 4, or 8, got {ratio}.")
    return ratio


def _rows_read(img: _Image, ratio: int, fancy: bool) -> int:
    """How many output rows libjpeg hands TF before it suspends on a truncated baseline scan."""
    min_s = 8 // ratio
    out_h = D.cdiv(img.height, ratio)
    if img.stopped_mcu < 0:
        return out_h
    rows = img.stopped_mcu // max(img.stopped_cols, 1)
    comp = img.stopped_comp
    per_row = (8 * img.vmax // comp["v"] if comp is not None else 8 * img.vmax) // ratio
    done = rows * per_row
    context = fancy and min_s > 1 and any(img.vmax // c["v"] == 2 for c in img.comps)
    if context and done < out_h:  # the last row group waits for the next iMCU row (its context)
        done = max(done - img.vmax, 0)
    return min(done, out_h)


def decode_pixels(data: bytes, channels: int, ratio: int, fancy: bool, try_recover: bool, fraction: float,
                  dct: str, op: str, window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """A JPEG's pixels as TF's decode_jpeg gives them (``InvalidArgumentError`` for damaged data); with
    ``window`` ``(y, x, height, width)`` only that part, as decode_and_crop_jpeg."""
    try:
        img = parse(data, recover=try_recover)
        if img.truncated and not try_recover and (img.progressive or img.stopped_mcu < 0):
            raise D.JpegError("the data ends inside the image (truncated file); pass try_recover_truncated=True "
                              "to decode what is there")
        crop = None
        if window is not None:
            y, x, h, w = window
            out_h, out_w = D.cdiv(img.height, ratio), D.cdiv(img.width, ratio)
            if h <= 0 or w <= 0 or y < 0 or x < 0 or y + h > out_h or x + w > out_w:
                raise InvalidArgumentError(f"{op}: Invalid JPEG data or crop window: the window [y={y}, x={x}, "
                                           f"height={h}, width={w}] does not fit inside the {out_h}x{out_w} image.")
            align = (8 // ratio) * img.hmax if len(img.comps) > 1 else 8 // ratio
            x0 = x // align * align
            crop = (x0, w + x - x0)
        px = pixels(img, channels, ratio, fancy, dct, crop)
        if window is not None:
            px = px[y:y + h, x - crop[0]:x - crop[0] + w]
    except D.JpegError as e:
        raise InvalidArgumentError(f"{op}: invalid JPEG data: {e}.") from None
    if img.truncated and not try_recover:
        rows = _rows_read(img, ratio, fancy)
        if rows < fraction * px.shape[0]:
            raise InvalidArgumentError(f"{op}: invalid JPEG data: the file is truncated: {rows} of {px.shape[0]} "
                                       f"rows decoded, fewer than acceptable_fraction={fraction:g} of them; pass "
                                       "try_recover_truncated=True to decode what is there.")
        px = px.copy()
        px[rows:] = 0
    return px


@in_programs
def decode_jpeg(contents: Any, channels: int = 0, ratio: int = 1, fancy_upscaling: bool = True,
                try_recover_truncated: bool = False, acceptable_fraction: float = 1, dct_method: str = "",
                name: str | None = None) -> Any:
    """Decode a JPEG image to a ``[height, width, channels]`` uint8 tensor, with TensorFlow's exact pixels.

    ``channels``: 0 keeps the image's own (1 for greyscale, 3 otherwise; CMYK is converted to RGB as TF does),
    1 greyscale, 3 RGB. ``ratio`` 2, 4 or 8 decodes at that fraction of the size with libjpeg's reduced IDCTs.
    ``fancy_upscaling`` selects libjpeg's triangle chroma upsampling (else pixel replication); ``dct_method``
    ``''`` and ``'INTEGER_FAST'`` use libjpeg's fast integer IDCT (TF's default), ``'INTEGER_ACCURATE'`` the
    accurate one. A truncated file raises ``InvalidArgumentError`` unless ``try_recover_truncated`` (the missing
    data decodes as zero bits, as libjpeg) or at least ``acceptable_fraction`` of the rows arrived (the rest are
    black). Like TF, PNG and single-frame GIF data decode too.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> jpg = tf.io.encode_jpeg(np.full((4, 6, 3), 200, np.uint8))
    >>> tf.io.decode_jpeg(jpg).shape, int(tf.io.decode_jpeg(jpg)[0, 0, 0])
    (TensorShape([4, 6, 3]), 200)
    """
    from . import image_formats

    op = "decode_jpeg"
    opts = {"ratio": _check_ratio(ratio, op), "fancy": bool(fancy_upscaling), "recover": bool(try_recover_truncated),
            "fraction": float(acceptable_fraction), "dct": dct_name(dct_method)}
    return image_formats.decode_as(scalar_bytes(contents, op), op, channels, opts)


@in_programs
def decode_and_crop_jpeg(contents: Any, crop_window: Any, channels: int = 0, ratio: int = 1,
                         fancy_upscaling: bool = True, try_recover_truncated: bool = False,
                         acceptable_fraction: float = 1, dct_method: str = "", name: str | None = None) -> Any:
    """Decode the ``crop_window`` ``[y, x, height, width]`` of a JPEG (arguments as :func:`decode_jpeg`); a window
    that does not fit inside the image raises ``InvalidArgumentError``.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> jpg = tf.io.encode_jpeg(np.zeros((16, 16, 3), np.uint8))
    >>> tf.io.decode_and_crop_jpeg(jpg, [2, 3, 5, 7]).shape
    TensorShape([5, 7, 3])
    """
    from . import image_formats

    op = "decode_and_crop_jpeg"
    win = np.asarray(value_of(crop_window, op)).astype(np.int64).reshape(-1)
    if win.shape != (4,):
        raise InvalidArgumentError(f"{op}: crop_window must have 4 elements [y, x, height, width]; got "
                                   f"{win.shape[0]}.")
    y, x, h, w = (int(v) for v in win)
    opts = {"ratio": _check_ratio(ratio, op), "fancy": bool(fancy_upscaling), "recover": bool(try_recover_truncated),
            "fraction": float(acceptable_fraction), "dct": dct_name(dct_method), "window": (y, x, h, w)}
    return image_formats.decode_as(scalar_bytes(contents, op), op, channels, opts)


@in_programs
def extract_jpeg_shape(contents: Any, output_type: Any = None, name: str | None = None) -> Any:
    """``[height, width, components]`` of a JPEG from its header, without decoding (``output_type`` int32 or
    int64).

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> tf.io.extract_jpeg_shape(tf.io.encode_jpeg(np.zeros((5, 7, 1), np.uint8))).numpy().tolist()
    [5, 7, 1]
    """
    from ..ops import core

    op = "extract_jpeg_shape"
    want = _dtypes.int32 if output_type is None else _dtypes.as_dtype(output_type)
    if want.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: output_type must be int32 or int64; got {want.name}.")
    data = scalar_bytes(contents, op)
    try:
        img = parse(data, decode=False)
    except D.JpegError as e:
        raise InvalidArgumentError(f"{op}: invalid JPEG data: {e}.") from None
    if not img.comps:
        raise InvalidArgumentError(f"{op}: invalid JPEG data: no frame header (SOF) found.")
    return core.constant(np.array([img.height, img.width, len(img.comps)], want.as_numpy_dtype))


@in_programs
def is_jpeg(contents: Any, name: str | None = None) -> Any:
    """Whether each string starts like a JPEG (the bytes FF D8 FF), element-wise.

    >>> import tapegrad as tf
    >>> tf.io.is_jpeg([b"\\xff\\xd8\\xff\\xe0", b"\\x89PNG"]).numpy().tolist()
    [True, False]
    """
    from ..ops import core

    arr = string_array(contents, "is_jpeg")
    flat = [bytes(b)[:3] == b"\xff\xd8\xff" for b in arr.reshape(-1)]
    return core.constant(np.array(flat, bool).reshape(arr.shape))


@in_programs
def encode_jpeg(*args: Any, **kwargs: Any) -> Any:
    from ._jpeg_encode import encode_jpeg as enc

    return enc(*args, **kwargs)
