"""TF 1's ``tf.compat.v1.image`` resizing: the ``resize_bilinear``/``resize_nearest_neighbor``/``resize_bicubic``/
``resize_area`` kernels with ``align_corners`` and ``half_pixel_centers`` (TF 1's legacy sampling by default) and
``resize_images``/``resize`` with TF 1's integer ``ResizeMethod``."""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tf

from ..errors import InvalidArgumentError
from ..ops import image_resize_legacy as _k


class ResizeMethod:
    """TF 1's resize methods (integers)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


def resize_bilinear(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                    half_pixel_centers: bool = False) -> Any:
    """TF 1's ``image.resize_bilinear`` (4-D images; float32 result)."""
    return _k.resize_bilinear(images, size, align_corners, half_pixel_centers)


def resize_nearest_neighbor(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                            half_pixel_centers: bool = False) -> Any:
    """TF 1's ``image.resize_nearest_neighbor`` (4-D images; the dtype is kept)."""
    return _k.resize_nearest_neighbor(images, size, align_corners, half_pixel_centers)


def resize_bicubic(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                   half_pixel_centers: bool = False) -> Any:
    """TF 1's ``image.resize_bicubic`` (4-D images; float32 result)."""
    return _k.resize_bicubic(images, size, align_corners, half_pixel_centers)


def resize_area(images: Any, size: Any, align_corners: bool = False, name: str | None = None) -> Any:
    """TF 1's ``image.resize_area`` (4-D images; float32 result; no gradient, as TF)."""
    return _k.resize_area(images, size, align_corners)


_BY_METHOD = {ResizeMethod.BILINEAR: resize_bilinear, ResizeMethod.NEAREST_NEIGHBOR: resize_nearest_neighbor,
              ResizeMethod.BICUBIC: resize_bicubic, ResizeMethod.AREA: resize_area}
_NAMES = {"bilinear": 0, "nearest": 1, "bicubic": 2, "area": 3}


def resize_images(images: Any, size: Any, method: Any = ResizeMethod.BILINEAR, align_corners: bool = False,
                  preserve_aspect_ratio: bool = False, name: str | None = None) -> Any:
    """TF 1's ``image.resize_images``/``image.resize``: 3-D or 4-D images, TF 1's sampling, an unchanged image when
    the size is already right; ``preserve_aspect_ratio`` fits the image inside ``size``."""
    x = tf.convert_to_tensor(images)
    if x.shape.rank not in (3, 4):
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    single = x.shape.rank == 3
    if single:
        x = tf.expand_dims(x, 0)
    hw = [int(v) for v in np.asarray(size.numpy() if hasattr(size, "numpy") else size).reshape(-1)]
    if len(hw) != 2:
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    h, w = int(x.shape[1]), int(x.shape[2])
    if preserve_aspect_ratio:
        factor = min(np.float32(hw[0]) / np.float32(h), np.float32(hw[1]) / np.float32(w))
        hw = [int(np.round(factor * np.float32(h))), int(np.round(factor * np.float32(w)))]
    if hw == [h, w]:
        out = x
    else:
        m = _NAMES.get(method, method) if isinstance(method, str) else method
        if m not in _BY_METHOD:
            raise ValueError(f"Resize method is not implemented: {method}")
        out = _BY_METHOD[m](x, hw, align_corners=align_corners)
    return out[0] if single else out


def resize_image_with_pad(image: Any, target_height: int, target_width: int, method: Any = ResizeMethod.BILINEAR,
                          align_corners: bool = False) -> Any:
    """TF 1's ``image.resize_image_with_pad``: resized to fit (aspect ratio kept, TF 1's sampling), then padded
    with zeros to ``target_height`` x ``target_width``, centred."""
    x = tf.convert_to_tensor(image)
    h, w = (int(x.shape[-3]), int(x.shape[-2]))
    if target_height <= 0 or target_width <= 0:
        raise InvalidArgumentError("target_height and target_width must be > 0.")
    ratio = max(np.float32(w) / np.float32(target_width), np.float32(h) / np.float32(target_height))
    rh, rw = np.float32(h) / ratio, np.float32(w) / ratio
    pad_h = max(0, int(np.floor((np.float32(target_height) - rh) / np.float32(2))))
    pad_w = max(0, int(np.floor((np.float32(target_width) - rw) / np.float32(2))))
    resized = resize_images(x, [int(np.floor(rh)), int(np.floor(rw))], method, align_corners)
    return tf.image.pad_to_bounding_box(resized, pad_h, pad_w, target_height, target_width)
