"""More Keras image augmentation layers: ``RandomGrayscale``, ``RandomHue``, ``RandomSaturation``,
``RandomInvert``, ``RandomPosterization``, ``Solarization`` and ``RandomShear`` (Keras 3.15 on the TF backend),
on the dispatch and seeded draws of ``preprocessing_image.py``: the same ``seed`` gives Keras's values.

>>> import numpy as np
>>> from tapegrad import keras
>>> x = np.array([[[10.0, 200.0, 30.0]]], "float32")
>>> keras.layers.RandomInvert(factor=(1.0, 1.0))(x).numpy().tolist()
[[[245.0, 55.0, 225.0]]]
>>> keras.layers.Solarization(threshold_factor=(0.5, 0.5), seed=1)(x).numpy().tolist()
[[[10.0, 55.0, 225.0]]]
"""

from __future__ import annotations

from typing import Any

import tapegrad as tg

from .. import backend
from ..random import SeedGenerator, randint
from .preprocessing_image import (
    BaseImagePreprocessingLayer,
    _AffineLayer,
    _draw,
    _factor_pair,
    _images_of,
    _saturate_cast,
)

__all__ = ["RandomGrayscale", "RandomHue", "RandomSaturation", "RandomInvert", "RandomPosterization",
           "Solarization", "RandomShear"]


def _batch(images: Any, layer: str) -> int:
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError(f"{layer}: expected the input image to be rank 3 or 4. Received inputs.shape="
                         f"{tuple(images.shape)}")
    return 1 if rank == 3 else int(images.shape[0])


def _value_range(value_range: Any) -> list[float]:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"The `value_range` argument should be a list of two numbers. Received: "
                         f"value_range={value_range}")
    return sorted(value_range)


def _rescale(images: Any, original: Any, target: Any, dtype: Any) -> Any:
    """Keras's ``_transform_value_range``: map ``original`` onto ``target`` linearly (through [0, 1])."""
    if original[0] == target[0] and original[1] == target[1]:
        return images
    x = tg.cast(images, dtype)
    o0, o1 = tg.cast(original[0], dtype), tg.cast(original[1], dtype)
    t0, t1 = tg.cast(target[0], dtype), tg.cast(target[1], dtype)
    return (x - o0) / (o1 - o0) * (t1 - t0) + t0


class _ChannelsLast:
    """HSV edits work channels-last: move the channel axis for ``channels_first`` and back."""

    @staticmethod
    def to_last(x: Any, data_format: str) -> Any:
        return tg.transpose(x, [0, 2, 3, 1]) if data_format == "channels_first" else x

    @staticmethod
    def back(x: Any, data_format: str) -> Any:
        return tg.transpose(x, [0, 3, 1, 2]) if data_format == "channels_first" else x


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Turn each image to grayscale (kept with its channel count) with probability ``factor``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.RandomGrayscale(1.0)(np.array([[[1.0, 0.0, 0.0]]], "float32"))
    >>> [round(float(v), 4) for v in y.numpy().ravel()]
    [0.2989, 0.2989, 0.2989]
    """

    _BOXES_UNCHANGED = True

    _USE_BASE_FACTOR = False

    def __init__(self, factor: float = 0.5, data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor, self.seed = factor, seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        images = _images_of(data)
        n = 1 if len(images.shape) != 4 else int(images.shape[0])
        return tg.reshape(tg.less(_draw(self.generator, (n,)), self.factor), [n, 1, 1, 1])

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        x = _ChannelsLast.to_last(images, self.data_format)
        gray = _ChannelsLast.back(tg.image.rgb_to_grayscale(x), self.data_format)
        return tg.where(transformation, gray, images)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


class RandomHue(BaseImagePreprocessingLayer):
    """Rotate each image's hue by ``±f / 2`` of a turn (``f`` drawn from ``factor`` in [0, 1], the sign drawn
    first), through ``tf.image.rgb_to_hsv``/``hsv_to_rgb``; ``value_range`` gives the pixel range."""

    _BOXES_UNCHANGED = True

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range, self.seed = value_range, seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        n = _batch(_images_of(data), "RandomHue")
        invert = _draw(self.generator, (n,))
        invert = tg.where(invert > 0.5, -tg.ones_like(invert), tg.ones_like(invert))
        factor = _draw(self.generator, (n,), self.factor[0], self.factor[1])
        return {"factor": invert * factor * 0.5}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        dt = self.compute_dtype
        x = _rescale(tg.cast(images, dt), self.value_range, (0, 1), "float32")
        hsv = tg.image.rgb_to_hsv(_ChannelsLast.to_last(x, self.data_format))
        shift = tg.reshape(tg.cast(transformation["factor"], hsv.dtype), [-1, 1, 1])
        h = hsv[..., 0] + shift
        h = tg.where(h > 1.0, h - 1.0, h)
        h = tg.where(h < 0.0, h + 1.0, h)
        rgb = tg.image.hsv_to_rgb(tg.stack([h, hsv[..., 1], hsv[..., 2]], axis=-1))
        out = tg.clip_by_value(_ChannelsLast.back(rgb, self.data_format), 0.0, 1.0)
        return tg.cast(_rescale(out, (0, 1), self.value_range, "float32"), dt)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomSaturation(BaseImagePreprocessingLayer):
    """Scale each image's HSV saturation by ``f / (1 - f + epsilon)`` with ``f`` drawn from ``factor`` (0: gray,
    0.5: unchanged, 1: fully saturated), clipped to ``value_range``."""

    _BOXES_UNCHANGED = True

    def __init__(self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self.value_range = _value_range(value_range)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        n = _batch(_images_of(data), "RandomSaturation")
        factor = _draw(self.generator, (n,), self.factor[0], self.factor[1])
        return {"factor": factor / (1 - factor + backend.epsilon())}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        scale = tg.reshape(tg.cast(transformation["factor"], self.compute_dtype), [-1, 1, 1])
        hsv = tg.image.rgb_to_hsv(_ChannelsLast.to_last(images, self.data_format))
        s = tg.clip_by_value(hsv[..., 1] * scale, self.value_range[0], self.value_range[1])
        rgb = tg.image.hsv_to_rgb(tg.stack([hsv[..., 0], s, hsv[..., 2]], axis=-1))
        return _ChannelsLast.back(rgb, self.data_format)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomInvert(BaseImagePreprocessingLayer):
    """Replace each image by ``value_range[1] - image`` when a uniform draw falls below a probability drawn from
    ``factor`` (in [0, 1]; two draws per image, as Keras)."""

    _BOXES_UNCHANGED = True

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any = 1.0, value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range, self.seed = value_range, seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        n = _batch(_images_of(data), "RandomInvert")
        probability = _draw(self.generator, (n,), self.factor[0], self.factor[1])
        threshold = _draw(self.generator, (n,))
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return images
        x = tg.cast(images, self.compute_dtype)
        mask = tg.reshape(transformation["apply_inversion"], [-1, 1, 1, 1])
        return tg.where(mask, self.value_range[1] - x, x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomPosterization(BaseImagePreprocessingLayer):
    """Keep the top ``b`` bits of each 8-bit channel (``b`` drawn per image from ``factor`` in [1, 8], integers)."""

    _BOXES_UNCHANGED = True

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)

    def __init__(self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range(value_range)
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        n = _batch(_images_of(data), "RandomPosterization")
        if self.factor[0] != self.factor[1]:
            bits = randint((n,), minval=self.factor[0], maxval=self.factor[1], seed=self.generator, dtype="uint8")
        else:
            bits = tg.ones((n,), tg.uint8) * tg.cast(self.factor[0], tg.uint8)
        return {"shift_factor": tg.cast(8, tg.uint8) - bits}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        shift = tg.reshape(transformation["shift_factor"], [-1, 1, 1, 1])
        x = tg.cast(_rescale(images, self.value_range, (0, 255), self.compute_dtype), tg.uint8)
        x = tg.bitwise.left_shift(tg.bitwise.right_shift(x, shift), shift)
        return _rescale(tg.cast(x, self.compute_dtype), (0, 255), self.value_range, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class Solarization(BaseImagePreprocessingLayer):
    """Add a value drawn from ``addition_factor`` (x 255) to each image, then invert the pixels at or above a
    threshold drawn from ``threshold_factor`` (x 255), on the 0-255 scale of ``value_range``."""

    _BOXES_UNCHANGED = True

    _USE_BASE_FACTOR = False
    _MESSAGE = ("The `addition_factor` and `threshold_factor` arguments should be a number (or a list of two "
                "numbers) in the range [0, 1]. ")

    def __init__(self, addition_factor: Any = 0.0, threshold_factor: Any = 0.0, value_range: Any = (0, 255),
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.addition_factor = _factor_pair(addition_factor, "addition_factor", (0, 1), self._MESSAGE,
                                            one_sided=True)
        self.threshold_factor = _factor_pair(threshold_factor, "threshold_factor", (0, 1), self._MESSAGE,
                                             one_sided=True)
        self.value_range = _value_range(value_range)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images = _images_of(data)
        shape = (int(images.shape[0]), 1, 1, 1) if len(images.shape) == 4 else (1, 1, 1)
        dt = self.compute_dtype
        return {"additions": _draw(self.generator, shape, self.addition_factor[0], self.addition_factor[1] * 255,
                                   dtype=dt),
                "thresholds": _draw(self.generator, shape, self.threshold_factor[0],
                                    self.threshold_factor[1] * 255, dtype=dt)}

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        dt = self.compute_dtype
        images = tg.cast(images, dt)
        if not training or transformation is None:
            return images
        x = _rescale(images, self.value_range, (0, 255), dt)
        out = tg.clip_by_value(x + transformation["additions"], 0, 255)
        out = tg.where(out < transformation["thresholds"], out, 255 - out)
        out = _rescale(out, (0, 255), self.value_range, dt)
        if out.dtype == images.dtype:
            return out
        return _saturate_cast(tg.round(out) if images.dtype.is_integer else out, images.dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "value_range": self.value_range, "seed": self.seed}


class RandomShear(_AffineLayer):
    """Shear each image along x and y by amounts drawn from ``x_factor`` and ``y_factor`` (in [0, 1]; one sign
    drawn per image for both), sampled as ``ImageProjectiveTransformV3`` with ``fill_mode``."""

    _USE_BASE_FACTOR = False
    _MESSAGE = "The `factor` argument should be a number (or a list of two numbers) in the range [0, 1.0]. "

    def __init__(self, x_factor: Any = 0.0, y_factor: Any = 0.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = _factor_pair(x_factor, "x_factor", (0, 1), self._MESSAGE)
        self.y_factor = _factor_pair(y_factor, "y_factor", (0, 1), self._MESSAGE)
        self._init_affine(fill_mode, interpolation, seed, fill_value)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        _, n, _, _ = self._geometry(data)
        dt = self.compute_dtype
        invert = _draw(self.generator, [n, 1], dtype=dt)
        invert = tg.where(invert > 0.5, -tg.ones_like(invert), tg.ones_like(invert))
        sy = _draw(self.generator, [n, 1], self.y_factor[0], self.y_factor[1], dtype=dt)
        sx = _draw(self.generator, [n, 1], self.x_factor[0], self.x_factor[1], dtype=dt)
        shear = tg.cast(tg.concat([sx, sy], axis=1), dt) * invert
        one, zero = tg.ones((n,), dt), tg.zeros((n,), dt)
        matrix = tg.stack([one, shear[:, 0], zero, shear[:, 1], one, zero, zero, zero], axis=1)
        return {"shear_factor": shear, "matrix": matrix, "input_shape": tuple(_images_of(data).shape)}

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        from ._image_boxes import shear_boxes

        return shear_boxes(self, bounding_boxes, transformation, training)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor, **self._affine_config()}
