"""``keras.utils`` image file helpers on Pillow (an optional extra, imported lazily): ``load_img``, ``save_img``,
``img_to_array``, ``array_to_img``.

>>> import numpy as np
>>> from tapegrad import keras
>>> img = keras.utils.array_to_img(np.zeros((2, 3, 3), "float32"), scale=False)
>>> img.size, keras.utils.img_to_array(img).shape
((3, 2), (2, 3, 3))
"""

from __future__ import annotations

import io
import pathlib
import warnings
from typing import Any

import numpy as np

__all__ = ["load_img", "save_img", "img_to_array", "array_to_img"]


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Could not import PIL.Image. keras.utils.load_img/save_img/array_to_img need Pillow: "
                          "`pip install pillow` (or the `conformance` extra of tapegrad).") from None
    return Image


def _interpolations() -> dict[str, Any]:
    r = getattr(_pil(), "Resampling", _pil())
    return {"nearest": r.NEAREST, "bilinear": r.BILINEAR, "bicubic": r.BICUBIC, "hamming": r.HAMMING,
            "box": r.BOX, "lanczos": r.LANCZOS}


def _data_format(data_format: Any) -> str:
    from . import backend

    data_format = backend.image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    return data_format


def array_to_img(x: Any, data_format: Any = None, scale: bool = True, dtype: Any = None) -> Any:
    """A 3-D array ``(h, w, c)`` (``c`` 1, 3 or 4) as a PIL image; ``scale`` maps its range onto 0–255 first.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.utils.array_to_img(np.ones((4, 5, 1))).mode
    'L'
    """
    from . import backend

    Image = _pil()
    data_format = _data_format(data_format)
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]} (an image array needs 1, 3 or 4 channels)")


def img_to_array(img: Any, data_format: Any = None, dtype: Any = None) -> np.ndarray:
    """A PIL image (or anything ``np.asarray`` takes) as a float array ``(h, w, c)`` (``channels_first``:
    ``(c, h, w)``); grayscale images get a channel axis of 1.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.utils.img_to_array(np.zeros((2, 3)), data_format="channels_first").shape
    (1, 2, 3)
    """
    from . import backend

    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x.reshape((1,) + x.shape) if data_format == "channels_first" else x.reshape(x.shape + (1,))
    raise ValueError(f"Unsupported image shape: {x.shape} (expected (height, width) or (height, width, channels))")


def save_img(path: Any, x: Any, data_format: Any = None, file_format: Any = None, scale: bool = True,
             **kwargs: Any) -> None:
    """Write a 3-D array as an image file (format from ``file_format`` or the file name); RGBA arrays saved as
    JPEG lose their alpha channel, with a warning.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> keras.utils.save_img(path, np.zeros((2, 2, 3)))
    >>> keras.utils.load_img(path).size
    (2, 2)
    """
    data_format = _data_format(data_format)
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path: Any, color_mode: str = "rgb", target_size: Any = None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False) -> Any:
    """Read an image file into a PIL image in ``color_mode`` (``"rgb"``, ``"rgba"``, ``"grayscale"``), resized to
    ``target_size`` ``(height, width)`` with ``interpolation`` (``keep_aspect_ratio``: centre crop first).

    >>> import io
    >>> import numpy as np
    >>> from tapegrad import keras
    >>> buf = io.BytesIO()
    >>> keras.utils.array_to_img(np.ones((4, 6, 3))).save(buf, format="png")
    >>> keras.utils.load_img(buf, color_mode="grayscale", target_size=(2, 3)).size
    (3, 2)
    """
    Image = _pil()
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba". Received: color_mode={color_mode!r}')
    if target_size is None:
        return img
    wh = (int(target_size[1]), int(target_size[0]))
    if img.size == wh:
        return img
    methods = _interpolations()
    if interpolation not in methods:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods are "
                         f"{', '.join(methods)}")
    if not keep_aspect_ratio:
        return img.resize(wh, methods[interpolation])
    width, height = img.size
    crop_h = min(height, (width * wh[1]) // wh[0])
    crop_w = min(width, (height * wh[0]) // wh[1])
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return img.resize(wh, methods[interpolation], box=[left, top, left + crop_w, top + crop_h])
