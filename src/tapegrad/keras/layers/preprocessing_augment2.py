"""Keras 3's colour and mixing augmentation layers: ``AutoContrast``, ``Equalization``, ``RandomColorDegeneration``,
``RandomSharpness``, ``RandomColorJitter``, ``RandomErasing``, ``RandomGaussianBlur``, ``MixUp`` and ``CutMix``
(Keras 3.15 on the TF backend), on the dispatch of ``preprocessing_image.py``.

Every random layer draws from its own ``SeedGenerator`` in Keras's order (or from the generator a composing layer
passes as ``seed=``, as ``RandomColorJitter``/``RandAugment``/``AugMix`` do), so ``seed=s`` gives Keras's values
call after call. Quirks of Keras kept on purpose, because they change values: ``Equalization`` builds one histogram
per channel over the whole batch; ``AutoContrast`` takes its min/max over axes 1 and 2 whatever the data format;
``RandomColorDegeneration`` accepts a factor in [-1, 1].

>>> import numpy as np
>>> from tapegrad import keras
>>> x = np.array([[[[10.0], [20.0]], [[30.0], [50.0]]]], "float32")
>>> keras.layers.AutoContrast()(x)[..., 0].numpy().tolist()
[[[0.0, 63.75], [127.5, 255.0]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ..random import SeedGenerator, beta, normal, shuffle
from .preprocessing_image import BaseImagePreprocessingLayer, RandomBrightness, RandomContrast, _draw, _images_of
from .preprocessing_image_color import RandomHue, RandomSaturation, _batch, _rescale, _value_range

__all__ = ["AutoContrast", "Equalization", "RandomColorDegeneration", "RandomSharpness", "RandomColorJitter",
           "RandomErasing", "RandomGaussianBlur", "MixUp", "CutMix"]


def _kimage() -> Any:
    """``keras.ops.image``, imported on first use (``import tapegrad.keras`` leaves ``keras.ops`` unloaded)."""
    from ..ops import image

    return image


class _ColourLayer(BaseImagePreprocessingLayer):
    """A layer that changes pixel values only: labels, segmentation masks and bounding boxes pass through."""

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        return labels

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return masks

    def transform_bounding_boxes(self, boxes: Any, transformation: Any, training: bool = True) -> Any:
        return boxes


class _SeededLayer(_ColourLayer):
    """A layer whose draws come from ``seed`` when a composing layer passes one, else its own generator."""

    def _init_seed(self, seed: int | None) -> None:
        self.seed = seed
        self.generator = SeedGenerator(seed)

    def _gen(self, seed: Any) -> Any:
        return seed if seed is not None else self.generator


def _factor_by_name(factor: Any, name: str, bounds: tuple[float, float] = (0, 1)) -> tuple[float, float]:
    """Keras's ``_set_factor_by_name``: a pair (sorted) or a number ``f`` giving ``(max(-|f|, low), |f|)``."""
    msg = (f"The `{name}` argument should be a number (or a list of two numbers) in the range [{bounds[0]}, "
           f"{bounds[1]}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        lower, upper = sorted(factor)
        return lower, upper
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        return max(-abs(factor), bounds[0]), abs(factor)
    raise ValueError(msg)


def _axes(data_format: str) -> tuple[int, int, int]:
    """(height, width, channel) axes of a batch."""
    return (-2, -1, -3) if data_format == "channels_first" else (-3, -2, -1)


class AutoContrast(_ColourLayer):
    """Stretch each image's values (per channel) to fill ``value_range``: the minimum maps to the low end, the
    maximum to the high end; a constant channel is returned unchanged. Applied in training and inference.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.AutoContrast(value_range=(0, 1))(np.array([[[0.2], [0.6]]], "float32"))[..., 0].numpy().tolist()
    [[0.0, 1.0]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range: Any = (0, 255), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value_range = _value_range(value_range)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        dt = self.compute_dtype
        x = tg.cast(_rescale(images, self.value_range, (0, 255), dt), dt)
        low = tg.reduce_min(x, axis=[1, 2], keepdims=True)  # Keras: axes 1, 2 in either data format
        high = tg.reduce_max(x, axis=[1, 2], keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 255.0 / (high - low)
            out = tg.clip_by_value(x * scale + (-low * scale), 0.0, 255.0)
        out = _rescale(out, (0, 255), self.value_range, dt)
        return tg.where(tg.math.is_nan(out), tg.cast(images, out.dtype), out)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range}


class Equalization(_ColourLayer):
    """Histogram-equalize each channel (``bins`` bins over ``value_range``): values are remapped through the
    channel's cumulative histogram, taken over the whole batch as Keras does. Applied when ``training``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.array([[[[0.0], [0.0]], [[100.0], [200.0]]]], "float32")
    >>> keras.layers.Equalization()(x)[..., 0].numpy().tolist()
    [[[0.0, 0.0], [128.0, 255.0]]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range: Any = (0, 255), bins: int = 256, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = _value_range(value_range)

    def _equalize(self, channel: Any) -> Any:
        lo, hi = self.value_range
        to_255, from_255 = 255.0 / (hi - lo), (hi - lo) / 255.0
        channel = channel * to_255 + (0.0 - lo * to_255)
        nbins = self.bins
        scaled = (tg.cast(channel, tg.float32) - 0.0) * (nbins - 1) / 255.0
        idx = tg.clip_by_value(tg.cast(scaled, tg.int32), 0, nbins - 1)
        hist = tg.math.bincount(tg.reshape(idx, [-1]), minlength=nbins)
        cdf = tg.cumsum(hist)
        cdf_min = tg.gather(cdf, tg.argmax(tg.cast(cdf > 0, tg.int32)))
        denom = cdf[-1] - cdf_min
        denom = tg.where(tg.equal(denom, 0), tg.ones_like(denom), denom)
        # int32 / int32 is float64 in TF: the lookup table is built (and rounded half to even) in float64
        lut = tg.clip_by_value(tg.round(tg.cast((cdf - cdf_min) * 255, tg.float64) / tg.cast(denom, tg.float64)),
                               0.0, 255.0)
        pos = tg.clip_by_value((channel / 255.0) * (nbins - 1), 0.0, float(nbins - 1))
        equalized = tg.gather(lut, tg.cast(pos, tg.int32))
        keep = tg.math.count_nonzero(hist) <= 1
        out = tg.where(keep, tg.cast(channel, tg.float64), equalized)
        return out * from_255 + (lo - 0.0 * from_255)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        x = tg.cast(images, self.compute_dtype)
        c_axis = _axes(self.data_format)[2]
        n = int(x.shape[c_axis])
        chans = [self._equalize(x[..., i, :, :] if c_axis == -3 else x[..., i]) for i in range(n)]
        return tg.cast(tg.stack(chans, axis=c_axis), self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}


class RandomColorDegeneration(_SeededLayer):
    """Blend each image towards its grayscale version by a factor drawn from ``factor`` (Keras validates it in
    [-1, 1]: 0 keeps the image, 1 is fully gray), clipped to ``value_range``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> y = keras.layers.RandomColorDegeneration((1.0, 1.0))(np.array([[[255.0, 0.0, 0.0]]], "float32"))
    >>> [round(float(v), 3) for v in y.numpy().ravel()]
    [76.22, 76.22, 76.22]
    """

    def __init__(self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range(value_range)
        self._init_seed(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        n = _batch(_images_of(data), "RandomColorDegeneration")
        return {"factor": _draw(self._gen(seed), (n, 1, 1, 1), self.factor[0], self.factor[1])}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        x = tg.cast(images, self.compute_dtype)
        factor = tg.cast(transformation["factor"], self.compute_dtype)
        gray = _kimage().rgb_to_grayscale(x, data_format=self.data_format)
        return tg.clip_by_value(x + factor * (gray - x), self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape: Any) -> Any:
        if len(input_shape) not in (3, 4):
            raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
                             f"Received: input_shape={input_shape}")
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(f"RandomColorDegeneration: input images must have 3 channels, but received images with "
                             f"{channels} channels.")
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomSharpness(_SeededLayer):
    """Sharpen (or blur) each image by blending it with a 3x3 smoothing of itself: the blend weight is
    ``1 - 2 f`` with ``f`` drawn from ``factor`` in [0, 1] (0.5 keeps the image), clipped to ``value_range``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.zeros((1, 3, 3, 1), "float32"); x[0, 1, 1, 0] = 130.0
    >>> y = keras.layers.RandomSharpness((0.0, 0.0))(x)
    >>> float(y[0, 1, 1, 0]), float(y[0, 0, 0, 0])
    (50.0, 10.0)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any, value_range: Any = (0, 255), data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range(value_range)
        self._init_seed(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        n = _batch(_images_of(data), "RandomSharpness")
        return {"factor": _draw(self._gen(seed), (n,), self.factor[0], self.factor[1])}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        dt = self.compute_dtype
        x = tg.cast(images, dt)
        if not training:
            return x
        cf = self.data_format == "channels_first"
        if cf:  # Keras swaps the channel and width axes (the kernel is symmetric, so this is a transpose)
            x = tg.transpose(x, [0, 3, 2, 1])
        weight = tg.reshape(tg.cast(transformation["factor"] * 2, dt), [-1, 1, 1, 1])
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = tg.constant(np.array([[a, a, a], [a, b, a], [a, a, a]], np.float32).reshape(3, 3, 1, 1), dt)
        kernel = tg.tile(kernel, [1, 1, int(x.shape[-1]), 1])
        smooth = tg.nn.depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME")
        out = tg.clip_by_value(x + (1.0 - weight) * (smooth - x), self.value_range[0], self.value_range[1])
        return tg.transpose(out, [0, 3, 2, 1]) if cf else out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}


class RandomColorJitter(_SeededLayer):
    """Brightness, contrast, saturation and hue jitter in that order, each applied when its factor is given (the
    factors are those of ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation`` and ``RandomHue``); all
    draws come from this layer's generator, as Keras.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.RandomColorJitter(brightness_factor=(0.1, 0.1), value_range=(0, 1))
    >>> round(float(layer(np.full((1, 1, 3), 0.5, "float32"))[0, 0, 0]), 4)
    0.6
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range: Any = (0, 255), brightness_factor: Any = None, contrast_factor: Any = None,
                 saturation_factor: Any = None, hue_factor: Any = None, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        self._init_seed(seed)
        self.random_brightness = self.random_contrast = self.random_saturation = self.random_hue = None
        if brightness_factor is not None:
            self.random_brightness = RandomBrightness(factor=brightness_factor, value_range=value_range, seed=seed)
        if contrast_factor is not None:
            self.random_contrast = RandomContrast(factor=contrast_factor, value_range=value_range, seed=seed)
        if saturation_factor is not None:
            self.random_saturation = RandomSaturation(factor=saturation_factor, value_range=value_range, seed=seed)
        if hue_factor is not None:
            self.random_hue = RandomHue(factor=hue_factor, value_range=value_range, seed=seed)
        for sub in self._subs():
            sub.generator = self.generator  # Keras passes this layer's generator as each sub-layer's seed

    def _subs(self) -> list[Any]:
        return [s for s in (self.random_brightness, self.random_contrast, self.random_saturation, self.random_hue)
                if s is not None]

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        x = tg.cast(images, self.compute_dtype)
        for sub in self._subs():
            t = sub.get_random_transformation(x)
            x = sub.transform_images(x, t)
        return tg.cast(x, self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range, "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor, "saturation_factor": self.saturation_factor,
                "hue_factor": self.hue_factor, "seed": self.seed}


def _crop_bounds(gen: Any, n: int, length: int, ratio: Any, dtype: Any) -> tuple[Any, Any]:
    """A random window of ``ratio * length`` along one side: start uniform in ``[0, length - size)``."""
    size = tg.cast(ratio * float(length), dtype)
    start = _draw(gen, [n], 0.0, 1.0, dtype=dtype) * (float(length) - size)
    return start, start + size


def _box_mask(shape: Any, data_format: str, corners: tuple[Any, Any, Any, Any], dtype: Any) -> Any:
    """``[n, h, w, c]`` (or channels-first) booleans: pixel centres' integer coordinates inside ``[x0, x1) x
    [y0, y1)``, repeated over channels."""
    ha, wa, ca = _axes(data_format)
    h, w, c = int(shape[ha]), int(shape[wa]), int(shape[ca])
    ys = tg.cast(tg.range(h), dtype)
    xs = tg.cast(tg.range(w), dtype)
    if data_format == "channels_last":
        gy, gx = tg.reshape(ys, [1, h, 1, 1]), tg.reshape(xs, [1, 1, w, 1])
    else:
        gy, gx = tg.reshape(ys, [1, 1, h, 1]), tg.reshape(xs, [1, 1, 1, w])
    x0, x1, y0, y1 = (tg.reshape(v, [-1, 1, 1, 1]) for v in corners)
    mask = tg.logical_and(tg.logical_and(gx >= x0, gx < x1), tg.logical_and(gy >= y0, gy < y1))
    reps = [1, 1, 1, c] if data_format == "channels_last" else [1, c, 1, 1]
    return tg.tile(mask, reps)


class RandomErasing(_SeededLayer):
    """Erase a random rectangle of each image (its area a fraction drawn from ``scale``) with probability drawn
    from ``factor``, filling it with ``fill_value`` (a number or three per-channel numbers) or, by default,
    Gaussian noise times ``value_range[1]``, clipped to ``value_range``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.RandomErasing(scale=(0.5, 0.5), fill_value=0.0, seed=1)
    >>> int((layer(np.full((1, 8, 8, 1), 9.0, "float32")).numpy() == 0).sum())
    30
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any = 1.0, scale: Any = (0.02, 0.33), fill_value: Any = None,
                 value_range: Any = (0, 255), seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = _factor_by_name(scale, "scale")
        self.fill_value, self.value_range = fill_value, value_range
        self._init_seed(seed)

    def _fill(self, images: Any, shape: Any, gen: Any) -> Any:
        dt = self.compute_dtype
        fill = self.fill_value
        if fill is None:
            fill = normal(shape, dtype=dt, seed=gen) * self.value_range[1]
        else:
            msg = f"The `fill_value` argument should be a number (or a list of three numbers). Received: {fill!r}"
            if isinstance(fill, (tuple, list)):
                if len(fill) != 3:
                    raise ValueError(msg)
                fill = tg.zeros(shape, dt) + tg.constant(fill, dt)
            elif isinstance(fill, (int, float)) and not isinstance(fill, bool):
                fill = tg.ones(shape, dt) * fill
            else:
                raise ValueError(msg)
        return tg.clip_by_value(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images = _images_of(data)
        n = _batch(images, "RandomErasing")
        shape = tuple(images.shape)
        gen, dt = self._gen(seed), self.compute_dtype
        ha, wa, _ = _axes(self.data_format)
        ratio = tg.sqrt(_draw(gen, (n, 2), self.scale[0], self.scale[1], dtype=dt))
        x0, x1 = _crop_bounds(gen, n, int(shape[wa]), ratio[:, 0], dt)
        y0, y1 = _crop_bounds(gen, n, int(shape[ha]), ratio[:, 1], dt)
        masks = _box_mask(shape, self.data_format, (x0, x1, y0, y1), dt)
        probability = _draw(gen, (n,), self.factor[0], self.factor[1])
        apply = _draw(gen, (n,), 0.0, 1.0) < probability
        return {"apply_erasing": apply, "batch_masks": masks, "fill_value": self._fill(images, shape, gen)}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        x = tg.cast(images, self.compute_dtype)
        if not training:
            return x
        fill = transformation["fill_value"]
        erased = tg.where(transformation["batch_masks"], fill + tg.zeros_like(x), x)
        return tg.where(tg.reshape(transformation["apply_erasing"], [-1, 1, 1, 1]), erased, x)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale, "fill_value": self.fill_value,
                "value_range": self.value_range, "seed": self.seed}


def _kernel_size(value: Any, name: str) -> tuple[Any, Any]:
    msg = f"{name} must be an odd number. Received: {name}={value}"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"The `{name}` argument should be a number (or a list of two numbers) Received: "
                             f"{name}={value}")
        if value[0] % 2 == 0 or value[1] % 2 == 0:
            raise ValueError(msg)
        return value[0], value[1]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value % 2 == 0:
            raise ValueError(msg)
        return value, value
    raise ValueError(msg)


class RandomGaussianBlur(_SeededLayer):
    """Blur each image with probability drawn from ``factor``, with a ``kernel_size`` Gaussian whose two sigmas
    (y and x, shared by the batch) are drawn from ``sigma``; clipped to ``value_range``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.zeros((1, 3, 3, 1), "float32"); x[0, 1, 1, 0] = 100.0
    >>> y = keras.layers.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(1.0, 1.0), seed=1)(x)
    >>> round(float(y[0, 1, 1, 0]), 2)
    20.42
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any = 1.0, kernel_size: Any = 3, sigma: Any = 1.0, value_range: Any = (0, 255),
                 data_format: str | None = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = _kernel_size(kernel_size, "kernel_size")
        self.sigma = _factor_by_name(sigma, "sigma")
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        n = _batch(_images_of(data), "RandomGaussianBlur")
        gen = self._gen(seed)
        probability = _draw(gen, (n,), self.factor[0], self.factor[1])
        apply = _draw(gen, (n,), 0.0, 1.0) < probability
        sigma = _draw(gen, (2,), self.sigma[0], self.sigma[1], dtype=self.compute_dtype) + 1e-6
        return {"should_apply_blur": apply, "blur_factor": sigma}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        x = tg.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return x
        blurred = _kimage().gaussian_blur(x, kernel_size=self.kernel_size, sigma=transformation["blur_factor"],
                                       data_format=self.data_format)
        out = tg.where(tg.reshape(transformation["should_apply_blur"], [-1, 1, 1, 1]), blurred, x)
        return tg.cast(tg.clip_by_value(out, self.value_range[0], self.value_range[1]), self.compute_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size, "sigma": self.sigma,
                "value_range": self.value_range, "seed": self.seed}


class MixUp(_SeededLayer):
    """Mix each image (and label) with another of the batch (a random permutation): weight ``w ~ Beta(alpha,
    alpha)`` per image, ``w x + (1 - w) x[perm]``. Bounding boxes of both images are concatenated.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> data = {"images": np.ones((4, 2, 2, 1), "float32"), "labels": np.eye(4, dtype="float32")}
    >>> out = keras.layers.MixUp(seed=1)(data)
    >>> np.allclose(out["labels"].numpy().sum(axis=1), 1.0), out["images"].shape
    (True, TensorShape([4, 2, 2, 1]))
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha: float = 0.2, data_format: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self._init_seed(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        images = _images_of(data)
        n = 1 if len(images.shape) == 3 else int(images.shape[0])
        gen = self._gen(seed)
        order = shuffle(tg.range(0, n, dtype=tg.int64), seed=gen)
        return {"mix_weight": beta((n,), self.alpha, self.alpha, seed=gen), "permutation_order": order}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        if not training:
            return images
        dt = self.compute_dtype
        x = tg.cast(images, dt)
        w = tg.cast(tg.reshape(transformation["mix_weight"], [-1, 1, 1, 1]), dt)
        return w * x + (1.0 - w) * tg.gather(x, transformation["permutation_order"], axis=0)

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return labels
        w = tg.reshape(transformation["mix_weight"], [-1, 1])
        return w * labels + (1.0 - w) * tg.gather(labels, transformation["permutation_order"], axis=0)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return masks
        # Keras's ``take`` here has no axis: it gathers from the flattened masks (kept, it changes the values)
        w = tg.reshape(transformation["mix_weight"], [-1, 1, 1, 1])
        other = tg.gather(tg.reshape(masks, [-1]), transformation["permutation_order"])
        return w * masks + (1.0 - w) * other

    def transform_bounding_boxes(self, boxes: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return boxes
        order = transformation["permutation_order"]
        return {"boxes": tg.concat([boxes["boxes"], tg.gather(boxes["boxes"], order, axis=0)], axis=1),
                "labels": tg.concat([boxes["labels"], tg.gather(boxes["labels"], order, axis=0)], axis=0)}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


class CutMix(_SeededLayer):
    """Paste a random rectangle from another image of the batch into each image (``factor`` bounds the Beta
    parameter of the mixing weight) and mix the labels by the pasted area. Unbatched images pass unchanged.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.stack([np.zeros((4, 4, 1)), np.ones((4, 4, 1))]).astype("float32")
    >>> out = keras.layers.CutMix(seed=2)({"images": x, "labels": np.eye(2, dtype="float32")})
    >>> np.allclose(out["labels"].numpy().sum(axis=1), 1.0)
    True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any = 1.0, seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._init_seed(seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images = _images_of(data)
        if len(images.shape) == 3:
            return None
        n = int(images.shape[0])
        ha, wa, _ = _axes(self.data_format)
        h, w = int(images.shape[ha]), int(images.shape[wa])
        gen, dt = self._gen(seed), self.compute_dtype
        alpha = _draw(gen, (), self.factor[0], self.factor[1], dtype=dt) + 1e-6
        weight = beta((n,), alpha, alpha, seed=gen, dtype=dt)
        ratio = tg.sqrt(1.0 - weight)
        x0, x1 = _crop_bounds(gen, n, w, ratio, dt)
        y0, y1 = _crop_bounds(gen, n, h, ratio, dt)
        masks = _box_mask(images.shape, self.data_format, (x0, x1, y0, y1), dt)
        mix = 1.0 - (x1 - x0) * (y1 - y0) / float(w * h)
        order = shuffle(tg.range(0, n, dtype=tg.int32), seed=gen)
        return {"permutation_order": order, "batch_masks": masks, "mix_weight": tg.reshape(mix, [-1, 1, 1, 1])}

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        x = tg.cast(images, self.compute_dtype)
        if training and transformation is not None:
            x = tg.where(transformation["batch_masks"], tg.gather(x, transformation["permutation_order"], axis=0), x)
        return x

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        if not training or transformation is None:
            return labels
        w = tg.reshape(transformation["mix_weight"], [-1, 1])
        return w * labels + (1.0 - w) * tg.gather(labels, transformation["permutation_order"], axis=0)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return self.transform_images(masks, transformation, training)

    def transform_bounding_boxes(self, boxes: Any, transformation: Any, training: bool = True) -> Any:
        raise NotImplementedError("CutMix does not transform bounding boxes (neither does Keras).")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
