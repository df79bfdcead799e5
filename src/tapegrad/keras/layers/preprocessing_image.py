"""Keras image preprocessing and augmentation layers: ``Resizing``, ``CenterCrop``, ``RandomFlip``, ``RandomCrop``,
``RandomRotation``, ``RandomZoom``, ``RandomTranslation``, ``RandomContrast``, ``RandomBrightness`` (Keras 3.15
on the TF backend: values, shapes, dtypes, configs).

The random layers draw as Keras does: a per-layer seed generator whose state ``[seed, counter]`` advances by one
per draw, each draw a ``tf.random.stateless_uniform`` (TF's Philox bits), so a layer built with ``seed=s`` makes
the same transformations as Keras's layer with ``seed=s``, call after call. The geometric layers sample with TF's
``ImageProjectiveTransformV3`` rules (``ops/image_transform.py``; float32 arithmetic, bit-exact). Layers take an
image ``[h, w, c]``, a batch ``[n, h, w, c]`` (``data_format="channels_first"``: channels before height) or a dict
with ``"images"`` (and ``"labels"`` / ``"segmentation_masks"``, transformed alongside). ``training=True`` is the
default of ``call``, as in Keras; ``fit``/``predict`` pass the phase. A dict's ``"bounding_boxes"`` (``{"boxes",
"labels"}``, in the layer's ``bounding_box_format``) go through ``transform_bounding_boxes`` (``_image_boxes.py``).

>>> import numpy as np
>>> from tapegrad import keras
>>> img = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> keras.layers.CenterCrop(2, 2)(img)[0, :, :, 0].numpy().tolist()
[[5.0, 6.0], [9.0, 10.0]]
>>> keras.layers.RandomFlip("horizontal", seed=1)(img, training=False).numpy().tolist() == img.tolist()
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tapegrad as tg

from ...ops.image_transform import projective_transform
from ...ops.random_ops import internal_generator
from .. import backend
from ..random import SeedGenerator
from ..random import uniform as _uniform
from . import _image_boxes as _bounding_boxes
from ._base import Layer

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomCrop", "RandomRotation", "RandomZoom", "RandomTranslation",
           "RandomContrast", "RandomBrightness"]

def _draw(generator: SeedGenerator, shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None) -> Any:
    """``keras.random.uniform`` with the layer's generator: Keras's draw (TF's stateless Philox bits)."""
    return _uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=generator)


def _data_format(data_format: str | None) -> str:
    fmt = backend.image_data_format() if data_format is None else str(data_format).lower()
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={data_format}")
    return fmt


def _int_dtype(dtype: Any) -> bool:
    return tg.as_dtype(dtype).is_integer


def _saturate_cast(x: Any, dtype: Any) -> Any:
    """Keras's ``_saturate_cast``: clip to the range both dtypes represent, then cast."""
    src, dst = tg.as_dtype(x.dtype).as_numpy_dtype, tg.as_dtype(dtype).as_numpy_dtype
    info = (lambda d: np.iinfo(d) if np.issubdtype(d, np.integer) else np.finfo(d))
    lo = np.asarray(max(info(src).min, info(dst).min)).astype(src)
    if lo < info(dst).min:
        lo = np.nextafter(lo, 0, dtype=src)
    hi = np.asarray(min(info(src).max, info(dst).max)).astype(src)
    if hi > info(dst).max:
        hi = np.nextafter(hi, 0, dtype=src)
    return tg.cast(tg.clip_by_value(x, lo, hi), dtype)


class BaseImagePreprocessingLayer(Layer):
    """The dispatch Keras's image layers share: one random transformation per call (``get_random_transformation``)
    applied to the images (batched or not, dict or tensor) and to labels / segmentation masks alongside."""

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS: tuple[float, float] = (-1, 1)
    _BOXES_UNCHANGED = False

    def __init__(self, factor: Any = None, bounding_box_format: str | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = _data_format(data_format)
        self.interpolation = getattr(self, "interpolation", "bilinear")
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"Layer {type(self).__name__} does not take a `factor` argument. Received: "
                             f"factor={factor}")
        self.built = True

    def _set_factor(self, factor: Any) -> None:
        lo_b, hi_b = self._FACTOR_BOUNDS
        msg = (f"The `factor` argument should be a number (or a list of two numbers) in the range [{lo_b}, {hi_b}]. "
               f"Received: factor={factor}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > hi_b or factor[1] < lo_b:
                raise ValueError(msg)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < lo_b or factor > hi_b:
                raise ValueError(msg)
            factor = abs(factor)
            lower, upper = max(-factor, lo_b), factor
        else:
            raise ValueError(msg)
        self.factor = (lower, upper)

    # -- hooks --------------------------------------------------------------------------------------------------

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        return None

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        raise NotImplementedError

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = tg.cast(images, self.compute_dtype)
        if training:
            images = self._transform_images(images, transformation, self.interpolation)
        return images

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        return labels

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        if training:
            masks = self._transform_images(masks, transformation, "nearest")
        return masks

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        if self._BOXES_UNCHANGED:  # the colour layers: boxes pass through
            return bounding_boxes
        raise NotImplementedError(f"{type(self).__name__} does not transform bounding boxes (neither does Keras).")

    # -- dispatch -----------------------------------------------------------------------------------------------

    @staticmethod
    def _is_batched(images: Any) -> bool:
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(f"Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                             f"Received: data.shape={tuple(images.shape)}")
        return rank == 4

    def _per_batch(self, fn: Any, x: Any, batched: bool, transformation: Any, training: bool) -> Any:
        if batched:
            return fn(x, transformation, training=training)
        return tg.squeeze(fn(tg.expand_dims(x, 0), transformation, training=training), 0)

    def call(self, data: Any, training: bool = True) -> Any:
        transformation = self.get_random_transformation(data, training=training)
        if isinstance(data, dict):
            out = dict(data)
            images = tg.convert_to_tensor(data["images"])
            batched = self._is_batched(images)
            out["images"] = self._per_batch(self.transform_images, images, batched, transformation, training)
            if "bounding_boxes" in data:
                out["bounding_boxes"] = _bounding_boxes.transform_in_call(self, data["bounding_boxes"], batched,
                                                                          transformation, training)
            if "labels" in data:
                out["labels"] = self._per_batch(self.transform_labels, tg.convert_to_tensor(data["labels"]), batched,
                                                transformation, training)
            if "segmentation_masks" in data:
                out["segmentation_masks"] = self._per_batch(
                    self.transform_segmentation_masks, tg.convert_to_tensor(data["segmentation_masks"]), batched,
                    transformation, training)
            return out
        images = tg.convert_to_tensor(data)
        return self._per_batch(self.transform_images, images, self._is_batched(images), transformation, training)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config

    # -- helpers ------------------------------------------------------------------------------------------------

    def _geometry(self, data: Any) -> tuple[Any, int, int, int]:
        """The images of ``data`` with their batch size (1 unbatched), height and width."""
        images = _images_of(data)
        ha, wa = self._hw_axes()
        return images, _batch_size(images), int(images.shape[ha]), int(images.shape[wa])

    def _hw_axes(self) -> tuple[int, int]:
        return (-2, -1) if self.data_format == "channels_first" else (-3, -2)

    def _affine(self, images: Any, transform: Any, interpolation: str) -> Any:
        """Keras's ``ops.image.affine_transform`` on TF: NHWC projective transform with this layer's fill."""
        x = images
        if self.data_format == "channels_first":
            x = tg.transpose(x, [0, 2, 3, 1])
        y = projective_transform(x, transform, fill_value=self.fill_value, interpolation=interpolation,
                                 fill_mode=self.fill_mode)
        if self.data_format == "channels_first":
            y = tg.transpose(y, [0, 3, 1, 2])
        return y


def _check_fill(layer: str, fill_mode: str, interpolation: str) -> None:
    if fill_mode not in ("reflect", "wrap", "constant", "nearest"):
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one ('reflect', 'wrap', "
                                  f"'constant', 'nearest').")
    if interpolation not in ("nearest", "bilinear"):
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one ('nearest', "
                                  f"'bilinear').")


# -- deterministic layers ---------------------------------------------------------------------------------------


_RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def resize_images(images: Any, size: tuple[int, int], interpolation: str = "bilinear", antialias: bool = False,
                  crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False, fill_mode: str = "constant",
                  fill_value: float = 0.0, data_format: str = "channels_last") -> Any:
    """Keras's ``ops.image.resize`` on TF: optional centred crop or pad to the target aspect ratio, then
    ``tf.image.resize``."""
    if interpolation not in _RESIZE_INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_RESIZE_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError(f"Invalid value for argument `fill_mode`. Only `'constant'` is supported. Received: "
                         f"fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
    x = tg.convert_to_tensor(images)
    rank = len(x.shape)
    if rank not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received "
                         f"input with shape: images.shape={tuple(x.shape)}")
    if data_format == "channels_first":
        x = tg.transpose(x, [0, 2, 3, 1] if rank == 4 else [1, 2, 0])
    th, tw = int(size[0]), int(size[1])
    h, w = int(x.shape[-3]), int(x.shape[-2])
    f32 = np.float32
    if crop_to_aspect_ratio:  # float32 divisions truncated to int32, as Keras's TF backend
        ch = max(min(h, int(f32(w * th) / f32(tw))), 1)
        cw = max(min(w, int(f32(h * tw) / f32(th))), 1)
        hs, ws = int(f32(h - ch) / f32(2)), int(f32(w - cw) / f32(2))
        x = x[..., hs:hs + ch, ws:ws + cw, :]
    elif pad_to_aspect_ratio:
        ph = max(h, int(f32(w * th) / f32(tw)))
        pw = max(w, int(f32(h * tw) / f32(th)))
        hs, ws = int(f32(ph - h) / f32(2)), int(f32(pw - w) / f32(2))
        lead = [[0, 0]] * (rank - 3)
        fill = tg.cast(fill_value, x.dtype)
        if hs > 0:
            x = tg.pad(x - fill, lead + [[hs, hs], [0, 0], [0, 0]]) + fill
        if ws > 0:
            x = tg.pad(x - fill, lead + [[0, 0], [ws, ws], [0, 0]]) + fill
    y = tg.image.resize(x, [th, tw], method=interpolation, antialias=antialias)
    if data_format == "channels_first":
        y = tg.transpose(y, [0, 3, 1, 2] if rank == 4 else [2, 0, 1])
    return y


class Resizing(BaseImagePreprocessingLayer):
    """Resize images to ``(height, width)`` with ``tf.image.resize`` (``interpolation``: bilinear, nearest,
    bicubic, area, lanczos3, lanczos5), optionally cropping or padding (with ``fill_value``) to
    the target aspect ratio first. Integer images come back rounded in their dtype (saturated), as Keras.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.Resizing(2, 2)(np.arange(16, dtype="float32").reshape(4, 4, 1))[..., 0].numpy().tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: str | None = None, **kwargs: Any) -> None:
        self.interpolation = interpolation
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, pad_to_aspect_ratio
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, bool(antialias)

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        resized = resize_images(images, (self.height, self.width), interpolation, self.antialias,
                                self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_mode,
                                self.fill_value, self.data_format)
        if resized.dtype == images.dtype:
            return resized
        if _int_dtype(images.dtype):
            resized = tg.round(resized)
        return _saturate_cast(resized, images.dtype)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        return self._transform_images(images, transformation, self.interpolation)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        shape = _images_of(data).shape
        ha, wa = self._hw_axes()
        return int(shape[ha]), int(shape[wa])

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.resize_boxes(self, bounding_boxes, transformation, training)

    def transform_segmentation_masks(self, masks: Any, transformation: Any = None, training: bool = True) -> Any:
        return self._transform_images(masks, transformation, "nearest")

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        h, w = self._hw_axes()
        shape[h], shape[w] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(BaseImagePreprocessingLayer):
    """Crop the central ``height x width`` window; an image smaller than that on either side is first cropped to
    the target aspect ratio and resized (bilinear), as Keras. Output in the layer's dtype (float32).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.CenterCrop(1, 3)(np.arange(9, dtype="float32").reshape(3, 3, 1))[..., 0].numpy().tolist()
    [[3.0, 4.0, 5.0]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = height, width

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        x = tg.cast(images, self.compute_dtype)
        ha, wa = self._hw_axes()
        h, w = int(x.shape[ha]), int(x.shape[wa])
        if h < self.height or w < self.width:
            return tg.cast(resize_images(x, (self.height, self.width), crop_to_aspect_ratio=True,
                                         data_format=self.data_format), self.compute_dtype)
        hs, ws = (h - self.height) // 2, (w - self.width) // 2
        if self.data_format == "channels_last":
            return x[..., hs:hs + self.height, ws:ws + self.width, :]
        return x[..., hs:hs + self.height, ws:ws + self.width]

    def transform_segmentation_masks(self, masks: Any, transformation: Any = None, training: bool = True) -> Any:
        return self.transform_images(masks, transformation, training)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        return {"input_shape": tuple(_images_of(data).shape)}

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.center_crop_boxes(self, bounding_boxes, transformation, training)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        h, w = self._hw_axes()
        shape[h], shape[w] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}


# -- random layers --------------------------------------------------------------------------------------------


def _batch_size(images: Any) -> int:
    return int(images.shape[0]) if len(images.shape) == 4 else 1


def _images_of(data: Any) -> Any:
    return tg.convert_to_tensor(data["images"] if isinstance(data, dict) else data)


class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image (``mode``: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"``) with
    probability 1/2 during training; one draw per image decides both flips, as Keras.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(4, dtype="float32").reshape(2, 1, 2, 1)
    >>> keras.layers.RandomFlip("horizontal", seed=3)(x)[..., 0].numpy().tolist()
    [[[1.0, 0.0]], [[2.0, 3.0]]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.seed, self.mode = seed, mode
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images = _images_of(data)
        shape = (1, 1, 1) if len(images.shape) == 3 else (int(images.shape[0]), 1, 1, 1)
        return {"flips": tg.less_equal(_draw(self.generator, shape), 0.5), "input_shape": tuple(images.shape)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = tg.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        return self._flip(images, transformation["flips"])

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return self.transform_images(masks, transformation, training)

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.flip_boxes(self, bounding_boxes, transformation, training)

    def _flip(self, x: Any, flips: Any) -> Any:
        flips = tg.reshape(flips, [-1, 1, 1, 1])
        h_axis, w_axis = (2, 3) if self.data_format == "channels_first" else (1, 2)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = tg.where(flips, tg.reverse(x, [w_axis]), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = tg.where(flips, tg.reverse(x, [h_axis]), x)
        return x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class RandomCrop(BaseImagePreprocessingLayer):
    """Crop a random ``height x width`` window during training (two draws: the row, then the column offset).
    Otherwise, and for images not larger than the window on both sides, a centred crop to the target aspect
    ratio resized (bilinear) to ``height x width``, as Keras.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.RandomCrop(2, 2, seed=1)(np.zeros((3, 5, 5, 1), "float32")).shape
    TensorShape([3, 2, 2, 1])
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height: int, width: int, seed: int | None = None, data_format: str | None = None,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, data_format=data_format, **kwargs)
        self.height, self.width = height, width
        self.seed = seed if seed is not None else int(internal_generator().integers(1, 10**9))
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        images = _images_of(data)
        ha, wa = self._hw_axes()
        h, w = int(images.shape[ha]), int(images.shape[wa])
        if training and h > self.height and w > self.width:
            hs = tg.cast(_draw(self.generator, (), 0.0, float(h - self.height + 1)), tg.int32)
            ws = tg.cast(_draw(self.generator, (), 0.0, float(w - self.width + 1)), tg.int32)
            return hs, ws  # tensors: a compiled or tf.data step draws new offsets every call
        ch = max(min(h, int(float(w * self.height) / self.width)), 1)
        cw = max(min(w, int(float(h * self.width) / self.height)), 1)
        return int(float(h - ch) / 2), int(float(w - cw) / 2)

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        x = tg.cast(images, self.compute_dtype)
        hs, ws = transformation
        ha, wa = self._hw_axes()
        rank = len(x.shape)
        h_ax, w_ax = rank + ha, rank + wa
        # Keras slices [start:start + size]; past the edge that is shorter (then resized below)
        ch = min(self.height, int(x.shape[h_ax]) - hs) if isinstance(hs, int) else self.height
        cw = min(self.width, int(x.shape[w_ax]) - ws) if isinstance(ws, int) else self.width
        begin = [tg.constant(0, tg.int32)] * rank
        size = [-1] * rank
        begin[h_ax], begin[w_ax] = tg.cast(hs, tg.int32), tg.cast(ws, tg.int32)
        size[h_ax], size[w_ax] = ch, cw
        x = tg.slice(x, tg.stack(begin), size)
        if int(x.shape[ha]) != self.height or int(x.shape[wa]) != self.width:
            x = tg.cast(resize_images(x, (self.height, self.width), data_format=self.data_format),
                        self.compute_dtype)
        return x

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return self.transform_images(masks, transformation)

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.random_crop_boxes(self, bounding_boxes, transformation, training)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = list(input_shape)
        h, w = self._hw_axes()
        shape[h], shape[w] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width, "seed": self.seed}


class _AffineLayer(BaseImagePreprocessingLayer):
    """Shared by the geometric layers: fill/interpolation checks, seed generator, and the affine sampling."""

    def _init_affine(self, fill_mode: str, interpolation: str, seed: int | None, fill_value: float) -> None:
        _check_fill(type(self).__name__, fill_mode, interpolation)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        if transformation is None:
            return images
        return self._affine(images, transformation["matrix"], interpolation)

    def _affine_config(self) -> dict[str, Any]:
        return {"fill_mode": self.fill_mode, "fill_value": self.fill_value, "interpolation": self.interpolation,
                "seed": self.seed}


def _factor_pair(factor: Any, name: str, bounds: tuple[float, float], message: str, lower_open: bool = False,
                 one_sided: bool = False) -> tuple[float, float]:
    """Keras's factor rule of the geometric/colour layers: a pair (sorted) or a number ``f`` giving ``(-|f|, |f|)``
    (``one_sided``: ``(0, f)``), every number within ``bounds`` (``lower_open``: the lower bound excluded)."""
    lo_b, hi_b = bounds

    def check(v: float) -> None:
        if v > hi_b or v < lo_b or (lower_open and v == lo_b):
            raise ValueError(message + f"Received: input_number={v}")

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        lo, hi = sorted(factor)
        return lo, hi
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return (0, factor) if one_sided else (-abs(factor), abs(factor))
    raise ValueError(message + f"Received: {name}={factor}")


class RandomRotation(_AffineLayer):
    """Rotate each image by an angle drawn from ``factor`` (fractions of a full turn: ``0.1`` is up to ±36°)
    about its centre, filling by ``fill_mode`` (reflect, wrap, constant, nearest).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(9, dtype="float32").reshape(3, 3, 1)
    >>> keras.layers.RandomRotation((0.25, 0.25), interpolation="nearest")(x)[..., 0].numpy().tolist()
    [[2.0, 5.0, 8.0], [1.0, 4.0, 7.0], [0.0, 3.0, 6.0]]
    """

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images, n, h, w = self._geometry(data)
        angle = _draw(self.generator, (n,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        return {"angle": angle, "matrix": affine_matrix(angle, h, w), "input_shape": tuple(images.shape)}

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.rotate_boxes(self, bounding_boxes, transformation, training)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, **self._affine_config()}


def affine_matrix(angle: Any, height: int, width: int, translate_x: Any = 0.0, translate_y: Any = 0.0,
                  scale: Any = 1.0, shear_x: Any = 0.0, shear_y: Any = 0.0, center_x: float = 0.5,
                  center_y: float = 0.5) -> Any:
    """Keras's ``_compute_affine_matrix`` (float32): rotation ``angle`` and shears in degrees about the centre
    ``(center_x, center_y)`` (fractions of the image), then scale and translation; ``[batch, 8]`` rows."""
    f32 = tg.float32
    rad = tg.constant(math.pi / 180.0, f32)
    angle = tg.cast(angle, f32) * rad
    sx = tg.math.tan(tg.cast(shear_x, f32) * rad)
    sy = tg.math.tan(tg.cast(shear_y, f32) * rad)
    cx = tg.constant(center_x, f32) * (tg.constant(float(width), f32) - 1)
    cy = tg.constant(center_y, f32) * (tg.constant(float(height), f32) - 1)
    cos, sin = tg.math.cos(angle), tg.math.sin(angle)
    scale = tg.cast(scale, f32)
    a0 = scale * (cos + sx * sin)
    a1 = scale * (-sin + sx * cos)
    a2 = tg.cast(translate_x, f32) + cx - cx * a0 - cy * a1
    b0 = scale * (sy * cos + sin)
    b1 = scale * (sy * -sin + cos)
    b2 = tg.cast(translate_y, f32) + cy - cx * b0 - cy * b1
    n = int(angle.shape[0])
    cols = [tg.reshape(v + tg.zeros([n], f32), [n, 1]) for v in (a0, a1, a2, b0, b1, b2)]
    return tg.concat(cols + [tg.zeros([n, 2], f32)], axis=1)


_ZOOM_MESSAGE = ("The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) in "
                 "the range (-1.0, 1.0]. ")
_SHIFT_MESSAGE = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "


class RandomZoom(_AffineLayer):
    """Zoom each image by ``1 + f`` with ``f`` drawn from ``height_factor`` (and ``width_factor``; without it the
    aspect ratio is kept): negative factors zoom in, positive out, about the image centre.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(16, dtype="float32").reshape(4, 4, 1)
    >>> keras.layers.RandomZoom((-0.5, -0.5), interpolation="nearest")(x)[..., 0].numpy().tolist()
    [[5.0, 5.0, 6.0, 6.0], [5.0, 5.0, 6.0, 6.0], [9.0, 9.0, 10.0, 10.0], [9.0, 9.0, 10.0, 10.0]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_pair(height_factor, "height_factor", (-1, 1), _ZOOM_MESSAGE,
                                                            lower_open=True)
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_pair(width_factor, "width_factor", (-1, 1), _ZOOM_MESSAGE,
                                                              lower_open=True)
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images, n, h, w = self._geometry(data)
        hz = _draw(self.generator, (n, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        wz = hz if self.width_factor is None else _draw(self.generator, (n, 1), 1.0 + self.width_lower,
                                                                         1.0 + self.width_upper)
        zx, zy = tg.cast(wz, tg.float32), tg.cast(hz, tg.float32)
        x_off = (tg.constant(float(w), tg.float32) - 1.0) / 2.0 * (1.0 - zx)
        y_off = (tg.constant(float(h), tg.float32) - 1.0) / 2.0 * (1.0 - zy)
        z = tg.zeros([n, 1], tg.float32)
        matrix = tg.concat([zx, z, x_off, z, zy, y_off, z, z], axis=1)
        return {"height_zoom": hz, "width_zoom": wz, "matrix": matrix, "input_shape": tuple(images.shape)}

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.zoom_boxes(self, bounding_boxes, transformation, training)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                **self._affine_config()}


class RandomTranslation(_AffineLayer):
    """Shift each image by fractions of its height and width drawn from ``height_factor`` and ``width_factor``
    (positive: down and right), filling by ``fill_mode``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.arange(9, dtype="float32").reshape(3, 3, 1)
    >>> layer = keras.layers.RandomTranslation((1 / 3, 1 / 3), 0.0, fill_mode="constant", interpolation="nearest")
    >>> layer(x)[..., 0].numpy().tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_pair(height_factor, "height_factor", (-1, 1), _SHIFT_MESSAGE)
        self.width_lower, self.width_upper = _factor_pair(width_factor, "width_factor", (-1, 1), _SHIFT_MESSAGE)
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images, n, h, w = self._geometry(data)
        dy = _draw(self.generator, [n, 1], self.height_lower, self.height_upper) * float(h)
        dx = _draw(self.generator, [n, 1], self.width_lower, self.width_upper) * float(w)
        shifts = tg.cast(tg.concat([dx, dy], axis=1), tg.float32)
        one, z = tg.ones([n, 1], tg.float32), tg.zeros([n, 1], tg.float32)
        matrix = tg.concat([one, z, -shifts[:, 0:1], z, one, -shifts[:, 1:], z, z], axis=1)
        return {"translations": shifts, "matrix": matrix, "input_shape": tuple(images.shape)}

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return _bounding_boxes.translate_boxes(self, bounding_boxes, transformation, training)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                **self._affine_config()}


class RandomContrast(BaseImagePreprocessingLayer):
    """Scale each image's deviation from its per-channel mean by a factor drawn from ``[1 - lower, 1 + upper]``
    (``factor``: a number or a pair in [0, 1]), then clip to ``value_range``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.RandomContrast(0.5, seed=1)(np.array([[[0.0], [100.0]]], "float32"))
    >>> [round(v, 2) for v in y[..., 0].numpy().ravel().tolist()]
    [0.0, 121.96]
    """

    _FACTOR_BOUNDS = (0, 1)
    _BOXES_UNCHANGED = True

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range, self.seed = value_range, seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        images = _images_of(data)
        shape = (1, 1, 1) if len(images.shape) == 3 else (int(images.shape[0]), 1, 1, 1)
        if not training:
            return {"contrast_factor": tg.zeros(shape)}
        return {"contrast_factor": _draw(self.generator, shape, 1.0 - self.factor[0], 1.0 + self.factor[1],
                                                          dtype=self.compute_dtype)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        ha, wa = self._hw_axes()
        mean = tg.reduce_mean(tg.reduce_mean(images, axis=ha, keepdims=True), axis=wa, keepdims=True)
        out = (images - mean) * transformation["contrast_factor"] + mean
        return tg.clip_by_value(out, self.value_range[0], self.value_range[1])

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return masks

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomBrightness(BaseImagePreprocessingLayer):
    """Add a delta drawn from ``factor`` (a fraction of ``value_range``'s width, in [-1, 1]) to each image, then
    clip to ``value_range``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.RandomBrightness((0.1, 0.1), value_range=(0, 1))(np.array([[[0.5]]], "float32"))
    >>> round(float(y.numpy().ravel()[0]), 4)
    0.6
    """

    _BOXES_UNCHANGED = True

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(factor=factor, **kwargs)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(f"The `value_range` argument should be a list of two numbers. Received: "
                             f"value_range={value_range}")
        self.value_range = sorted(value_range)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        images = _images_of(data)
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(f"Expected the input image to be rank 3 or 4. Received inputs.shape="
                             f"{tuple(images.shape)}")
        shape = (1, 1, 1) if rank == 3 else (int(images.shape[0]), 1, 1, 1)
        if not training:
            return {"rgb_delta": tg.zeros(shape)}
        delta = _draw(self.generator, shape, self.factor[0], self.factor[1])
        return {"rgb_delta": delta * float(self.value_range[1] - self.value_range[0])}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        out = images + tg.cast(transformation["rgb_delta"], images.dtype)
        return tg.clip_by_value(out, self.value_range[0], self.value_range[1])

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return masks

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
