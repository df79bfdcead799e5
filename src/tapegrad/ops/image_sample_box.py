"""``tf.image.sample_distorted_bounding_box`` and ``stateless_sample_distorted_bounding_box``: TF's
SampleDistortedBoundingBox kernel on TF's Philox stream, so seeded results are TensorFlow's.

Each attempt (at most ``max_attempts``) draws an aspect ratio in ``aspect_ratio_range``, then a crop height
uniformly between the heights whose area ``width * height`` (``width = round(height * aspect)``) lies in
``area_range`` of the image, and a uniform position; the first crop that covers at least ``min_object_covered``
of one of the ``bounding_boxes`` (in whole pixels) wins, else the whole image. The draws go through TF's
``SimplePhilox`` (``RandFloat`` and rejection-sampled ``Uniform``). The stateless op's stream is the one TF's
``GenerateKey`` makes from ``seed``; the stateful op's is its kernel's (the global seed and ``seed``, continuing
over calls as TF's cached kernel; ``seed=0`` or ``None`` is unseeded, as TF's wrapper makes it).

>>> import tapegrad as tf
>>> begin, size, box = tf.image.stateless_sample_distorted_bounding_box(
...     [40, 60, 3], tf.zeros([1, 0, 4]), seed=[1, 2], min_object_covered=0.1, use_image_if_no_bounding_boxes=True)
>>> begin.numpy().tolist(), size.numpy().tolist(), box.shape
([0, 3, 0], [39, 48, -1], TensorShape([1, 1, 4]))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._tensor import Tensor, _TensorLike, make, static_value
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from . import _philox
from ._common import to_tensor
from .random_candidates import _SimplePhilox
from .random_ops import _state, op_generator

_F32 = np.float32
_INTS = ("uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64")


def _lrintf(v: Any) -> int:
    return int(np.rint(_F32(v)))  # round half to even, the default rounding mode


def _area(r: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = r
    return 0 if x1 <= x0 or y1 <= y0 else (x1 - x0) * (y1 - y0)


def _covers(crop: tuple[int, int, int, int], min_covered: np.float32, boxes: list[tuple[int, int, int, int]]) -> bool:
    if _area(crop) < 1:
        return False
    for bx in boxes:
        obj = _F32(_area(bx))
        if obj < 1:
            continue
        inter = (max(crop[0], bx[0]), max(crop[1], bx[1]), min(crop[2], bx[2]), min(crop[3], bx[3]))
        if _F32(_F32(_area(inter)) / obj) >= min_covered:
            return True
    return False


def _random_crop(rnd: _SimplePhilox, w: int, h: int, lo_area: np.float32, hi_area: np.float32,
                 aspect: np.float32) -> tuple[int, int, int, int] | None:
    """TF's GenerateRandomCrop: ``(min_x, min_y, max_x, max_y)`` or None when the constraints fail."""
    if hi_area <= 0 or aspect <= 0 or w <= 0 or h <= 0 or lo_area > hi_area:
        return None
    min_area = _F32(_F32(lo_area * _F32(w)) * _F32(h))
    max_area = _F32(_F32(hi_area * _F32(w)) * _F32(h))
    height = _lrintf(np.sqrt(_F32(min_area / aspect)))
    max_height = _lrintf(np.sqrt(_F32(max_area / aspect)))
    if _lrintf(_F32(max_height) * aspect) > w:
        max_height = int((w + 0.5 - float(_F32(1e-7))) / float(aspect))
        if _lrintf(_F32(max_height) * aspect) > w:
            max_height -= 1
    max_height = min(max_height, h)
    height = min(height, max_height)
    if height < max_height:
        height += rnd.uniform(max_height - height + 1)
    width = _lrintf(_F32(height) * aspect)
    area = _F32(width * height)
    if area < min_area:
        height += 1
        width = _lrintf(_F32(height) * aspect)
        area = _F32(width * height)
    if area > max_area:
        height -= 1
        width = _lrintf(_F32(height) * aspect)
        area = _F32(width * height)
    if area < min_area or area > max_area or width > w or height > h or width <= 0 or height <= 0:
        return None
    y = rnd.uniform(h - height) if height < h else 0
    x = rnd.uniform(w - width) if width < w else 0
    return x, y, x + width, y + height


def _floats(v: Any, default: list[float], what: str, op: str) -> tuple[np.float32, np.float32]:
    vals = default if v is None else [float(a) for a in np.asarray(
        static_value(v) if isinstance(v, _TensorLike) else v, dtype=np.float64).reshape(-1)]
    if len(vals) != 2:
        raise InvalidArgumentError(f"{op}: {what} must hold 2 values (low, high), got {vals}.")
    return _F32(vals[0]), _F32(vals[1])


def _sample(op: str, image_size: Any, bounding_boxes: Any, min_object_covered: Any, aspect_ratio_range: Any,
            area_range: Any, max_attempts: Any, use_image: Any, rnd_for: Any) -> tuple[Tensor, Tensor, Tensor]:
    size_t = to_tensor(image_size)
    if size_t.dtype.name not in _INTS:
        raise InvalidArgumentError(f"{op}: image_size must be an integer tensor, got {size_t.dtype.name}.")
    size = np.asarray(size_t._value)
    aspect_lo, aspect_hi = _floats(aspect_ratio_range, [0.75, 1.33], "aspect_ratio_range", op)
    area_lo, area_hi = _floats(area_range, [0.05, 1.0], "area_range", op)
    attempts = 100 if max_attempts is None else int(max_attempts)
    use_image = bool(use_image) if use_image is not None else False
    if not (aspect_lo > 0 and aspect_hi > 0):
        raise InvalidArgumentError(f"{op}: aspect_ratio_range must be positive, got [{aspect_lo}, {aspect_hi}].")
    if not (area_lo > 0 and area_hi > 0) or area_lo > 1 or area_hi > 1:
        raise InvalidArgumentError(f"{op}: area_range must lie in (0, 1], got [{area_lo}, {area_hi}].")
    if attempts <= 0:
        raise InvalidArgumentError(f"{op}: max_attempts must be positive, got {attempts}.")
    if size.ndim != 1 or size.shape[0] != 3:
        raise InvalidArgumentError(f"{op}: image_size must be [height, width, channels], got shape "
                                   f"{list(size.shape)}.")
    h, w = int(size[0]), int(size[1])
    if not (0 <= h < 2**31 - 1 and 0 <= w < 2**31 - 1):
        raise InvalidArgumentError(f"{op}: image height and width must be in [0, 2**31 - 1), got {h} x {w}.")
    bx = np.asarray(to_tensor(bounding_boxes)._value)
    if bx.ndim != 3 or bx.shape[-1] != 4:
        raise InvalidArgumentError(f"{op}: bounding_boxes must be [batch, num_boxes, 4], got shape "
                                   f"{list(bx.shape)}.")
    cover = _F32(np.asarray(static_value(min_object_covered) if isinstance(min_object_covered, _TensorLike)
                            else min_object_covered, np.float32).reshape(-1)[0])
    if np.ndim(static_value(min_object_covered) if isinstance(min_object_covered, _TensorLike)
               else min_object_covered) != 0:
        raise InvalidArgumentError(f"{op}: min_object_covered must be a scalar.")
    if not cover >= 0:
        raise InvalidArgumentError(f"{op}: min_object_covered must be non-negative, got {float(cover)}.")
    boxes = []
    for row in bx.reshape(-1, 4).astype(np.float32):
        if not np.all((row >= 0) & (row <= 1)):
            raise InvalidArgumentError(f"{op}: bounding box coordinates must be in [0, 1], got {row.tolist()}.")
        y0, x0, y1, x1 = (int(np.trunc(_F32(v * _F32(n)))) for v, n in zip(row, (h, w, h, w)))
        boxes.append((x0, y0, x1, y1))
    image_rect = (0, 0, w, h)
    if not boxes:
        if not use_image:
            raise InvalidArgumentError(f"{op}: no bounding boxes given; pass use_image_if_no_bounding_boxes=True to "
                                       "sample crops of the whole image.")
        boxes.append(image_rect)
    rnd = rnd_for(attempts)
    crop = None
    for _ in range(attempts):
        aspect = _F32(_F32(rnd.rand_float() * _F32(aspect_hi - aspect_lo)) + aspect_lo)
        cand = _random_crop(rnd, w, h, area_lo, area_hi, aspect)
        if cand is not None and _covers(cand, cover, boxes):
            crop = cand
            break
    x0, y0, x1, y1 = crop if crop is not None else image_rect
    dt = size.dtype
    begin = np.array([y0, x0, 0], dt)
    extent = np.array([y1 - y0, x1 - x0, -1]).astype(dt)
    box = np.array([[[_F32(y0) / _F32(h), _F32(x0) / _F32(w), _F32(y1) / _F32(h), _F32(x1) / _F32(w)]]],
                   np.float32)
    return make(begin, NUMPY), make(extent, NUMPY), make(box, NUMPY)


@in_programs
def stateless_sample_distorted_bounding_box(image_size: Any, bounding_boxes: Any, seed: Any,
                                            min_object_covered: Any = 0.1, aspect_ratio_range: Any = (0.75, 1.33),
                                            area_range: Any = (0.05, 1.0), max_attempts: int = 100,
                                            use_image_if_no_bounding_boxes: bool = False,
                                            name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """``(begin, size, bboxes)`` of a random crop of an image of ``image_size = [height, width, channels]`` that
    covers at least ``min_object_covered`` of one of ``bounding_boxes`` (``[batch, N, 4]`` normalized
    ``[y_min, x_min, y_max, x_max]``), deterministic in ``seed`` (``[2]`` ints) and equal to TF's. ``begin`` and
    ``size`` (``[3]``, ``image_size``'s dtype, ``size[2] = -1``) feed ``tf.slice``; ``bboxes`` is the crop
    ``[1, 1, 4]`` (float32) for ``draw_bounding_boxes``.
    """
    op = "stateless_sample_distorted_bounding_box"
    s = np.asarray(static_value(seed) if isinstance(seed, _TensorLike) else seed)
    if s.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: seed must be int32 or int64, got {s.dtype}.")
    if s.shape != (2,):
        raise InvalidArgumentError(f"{op}: seed must have shape [2], not {list(s.shape)}.")
    counter, key = _philox.stateless_key_counter(int(s[0]), int(s[1]))
    return _sample(op, image_size, bounding_boxes, min_object_covered, aspect_ratio_range, area_range, max_attempts,
                   use_image_if_no_bounding_boxes, lambda attempts: _SimplePhilox(counter, key))


@in_programs
def sample_distorted_bounding_box(image_size: Any, bounding_boxes: Any, seed: Any = 0,
                                  min_object_covered: Any = 0.1, aspect_ratio_range: Any = None,
                                  area_range: Any = None, max_attempts: Any = None,
                                  use_image_if_no_bounding_boxes: Any = None,
                                  name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """The stateful twin of :func:`stateless_sample_distorted_bounding_box` (the same sampling; defaults
    ``aspect_ratio_range=[0.75, 1.33]``, ``area_range=[0.05, 1]``, ``max_attempts=100``). With a non-zero
    ``seed`` the draws are those of TF's kernel for (global seed, ``seed``), continuing from call to call and
    restarted by ``tf.random.set_seed``; ``seed=0`` (the default) is unseeded, as in TF.

    >>> import tapegrad as tf
    >>> tf.random.set_seed(4)
    >>> begin, size, _ = tf.image.sample_distorted_bounding_box([20, 30, 3], [[[0.1, 0.1, 0.9, 0.9]]], seed=7)
    >>> [int(b) + int(s) <= n for b, s, n in zip(begin[:2], size[:2], (20, 30))]
    [True, True]
    """
    op = "sample_distorted_bounding_box"
    kernel = "/".join(str(v) for v in ("SampleDistortedBoundingBoxV2", aspect_ratio_range, area_range, max_attempts,
                                       use_image_if_no_bounding_boxes))

    def rnd_for(attempts: int) -> _SimplePhilox:
        st = _state(op_generator(seed if seed else None, kernel)) if seed else None
        if type(st) is _philox.KernelState:
            return _SimplePhilox(st.reserve(attempts), st.key)  # ReserveSamples32(4 max_attempts)
        w = [int(v) for v in np.random.default_rng().integers(0, 2**63, size=3)]
        return _SimplePhilox((w[0] << 64) | w[1], w[2])

    return _sample(op, image_size, bounding_boxes, min_object_covered, aspect_ratio_range, area_range, max_attempts,
                   use_image_if_no_bounding_boxes, rnd_for)


EXPORTS: dict[str, list[str]] = {
    "image": ["sample_distorted_bounding_box", "stateless_sample_distorted_bounding_box"],
}
