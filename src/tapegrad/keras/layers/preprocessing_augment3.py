"""Keras 3's geometric and composite augmentation layers: ``RandomPerspective``, ``RandomElasticTransform``,
``RandAugment``, ``AugMix``, ``ContrastLimitedAdaptiveHistogramEqualization``, ``MaxNumBoundingBoxes`` and
``Pipeline`` (Keras 3.15 on the TF backend).

The composite layers build Keras's sub-layers (shear, translation, rotation, brightness, ...) and, as Keras, make
every sub-layer draw from the composite layer's own generator, so ``seed=s`` gives Keras's values. ``AugMix``
picks each chain's operations with Python's ``random.choice`` (Keras does, unseeded by the layer): seed Python's
``random`` (``keras.utils.set_random_seed``) to reproduce it.

>>> import numpy as np
>>> from tapegrad import keras
>>> pipe = keras.layers.Pipeline([keras.layers.AutoContrast(), keras.layers.Rescaling(1 / 255)])
>>> pipe(np.array([[[[10.0], [20.0]]]], "float32"))[..., 0].numpy().tolist()
[[[0.0, 1.0]]]
"""

from __future__ import annotations

import inspect
import random as _pyrandom
from typing import Any

import numpy as np

import tapegrad as tg

from ..random import beta as _beta
from ..random import gamma, randint
from . import _image_boxes
from ._base import Layer
from .preprocessing_augment2 import (
    AutoContrast,
    Equalization,
    RandomColorDegeneration,
    RandomSharpness,
    _axes,
    _factor_by_name,
    _kimage,
    _SeededLayer,
)
from .preprocessing_image import (
    BaseImagePreprocessingLayer,
    RandomBrightness,
    RandomContrast,
    RandomRotation,
    RandomTranslation,
    _draw,
    _images_of,
)
from .preprocessing_image_color import RandomPosterization, RandomShear, Solarization, _rescale

__all__ = ["RandomPerspective", "RandomElasticTransform", "RandAugment", "AugMix",
           "ContrastLimitedAdaptiveHistogramEqualization", "MaxNumBoundingBoxes", "Pipeline"]

_INTERPOLATIONS = ("nearest", "bilinear")


def _check_interpolation(interpolation: str) -> None:
    if interpolation not in _INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {_INTERPOLATIONS}.")


def _n(images: Any) -> int:
    return 1 if len(images.shape) == 3 else int(images.shape[0])


class RandomPerspective(_SeededLayer):
    """Warp each image (with probability drawn from ``factor``) by a perspective transform moving its four
    corners by up to ``scale / 2`` of the image size; outside pixels take ``fill_value``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.RandomPerspective(scale=0.5, seed=1)(np.ones((2, 6, 6, 1), "float32")).shape
    TensorShape([2, 6, 6, 1])
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor: Any = 1.0, scale: float = 1.0, interpolation: str = "bilinear",
                 fill_value: float = 0.0, seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale, self.fill_value, self.interpolation = scale, fill_value, interpolation
        self._init_seed(seed)
        if scale < 0.0 or scale > 1.0:
            raise ValueError(f"The `scale` argument should be a number in the range [0,1]. Received: scale={scale}")
        _check_interpolation(interpolation)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        images = _images_of(data)
        n = _n(images)
        ha, wa, _ = _axes(self.data_format)
        h, w = int(images.shape[ha]), int(images.shape[wa])
        gen, dt = self._gen(seed), self.compute_dtype
        probability = _draw(gen, (n,), self.factor[0], self.factor[1])
        apply = _draw(gen, (n,), 0.0, 1.0) < probability
        shift = _draw(gen, (n, 4, 2), -0.5 * self.scale, 0.5 * self.scale, dtype=dt)
        corners = np.array([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]], np.float64)
        start = tg.tile(tg.constant(corners, dt), [n, 1, 1])
        return {"apply_perspective": apply, "start_points": start, "end_points": start + start * shift,
                "input_shape": tuple(images.shape)}

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        if transformation is None:
            return images
        out = _kimage().perspective_transform(images, transformation["start_points"], transformation["end_points"],
                                           interpolation=interpolation, fill_value=self.fill_value,
                                           data_format=self.data_format)
        return tg.where(tg.reshape(transformation["apply_perspective"], [-1, 1, 1, 1]), out, images)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return BaseImagePreprocessingLayer.transform_segmentation_masks(self, masks, transformation, training)

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        """The boxes around the moved corners, clipped; returned in ``xyxy`` (as Keras, whatever the format)."""
        return _image_boxes.perspective_boxes(self, bounding_boxes, transformation, training)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value, "seed": self.seed}


class RandomElasticTransform(_SeededLayer):
    """Elastic distortion (with probability drawn from ``factor``): a smooth random displacement field of
    strength ``0.1 * s * max(h, w)`` and smoothness ``0.05 * s * min(h, w)``, ``s`` drawn from ``scale``; pixels
    are resampled with ``fill_mode`` and the result clipped to ``value_range``. Runs eagerly (Keras's blur kernel
    size depends on the draw).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> float(keras.layers.RandomElasticTransform(seed=1)(np.ones((1, 8, 8, 1), "float32")).numpy().max())
    1.0
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")

    def __init__(self, factor: Any = 1.0, scale: Any = 1.0, interpolation: str = "bilinear",
                 fill_mode: str = "reflect", fill_value: float = 0.0, value_range: Any = (0, 255),
                 seed: int | None = None, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = _factor_by_name(scale, "scale")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.value_range = value_range
        self._init_seed(seed)
        _check_interpolation(interpolation)
        if fill_mode not in self._FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {set(self._FILL_MODES)}.")

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        n = _n(_images_of(data))
        gen = self._gen(seed)
        probability = _draw(gen, (n,), self.factor[0], self.factor[1])
        apply = _draw(gen, (n,), 0.0, 1.0) < probability
        distortion = _draw(gen, (), self.scale[0], self.scale[1], dtype=self.compute_dtype)
        # the displacement field is drawn from the generator when the images are transformed, as Keras
        return {"apply_transform": apply, "distortion_factor": distortion, "seed": gen}

    def _transform_images(self, images: Any, transformation: Any, interpolation: str) -> Any:
        if transformation is None:
            return images
        ha, wa, _ = _axes(self.data_format)
        h, w = int(images.shape[ha]), int(images.shape[wa])
        factor = transformation["distortion_factor"]
        alpha, sigma = max(h, w) * (0.1 * factor), min(h, w) * (0.05 * factor)
        out = _kimage().elastic_transform(images, alpha=alpha, sigma=sigma, interpolation=interpolation,
                                       fill_mode=self.fill_mode, fill_value=self.fill_value,
                                       seed=transformation["seed"], data_format=self.data_format)
        out = tg.where(tg.reshape(transformation["apply_transform"], [-1, 1, 1, 1]), out, images)
        return tg.cast(tg.clip_by_value(out, self.value_range[0], self.value_range[1]), self.compute_dtype)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return BaseImagePreprocessingLayer.transform_segmentation_masks(self, masks, transformation, training)

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        return BaseImagePreprocessingLayer.transform_bounding_boxes(self, bounding_boxes, transformation, training)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "value_range": self.value_range, "seed": self.seed}


def _augment_layers(owner: Any, names: list[str], value_range: Any, interpolation: str, seed: int | None,
                    data_format: str | None) -> None:
    """Keras's sub-layers of RandAugment/AugMix (factor ``owner.factor``, the owner's box format), all drawing
    from ``owner.generator``."""
    f = owner.factor
    make = {
        "random_shear": lambda: RandomShear(x_factor=f, y_factor=f, interpolation=interpolation, seed=seed,
                                            data_format=data_format),
        "random_translation": lambda: RandomTranslation(height_factor=f, width_factor=f,
                                                        interpolation=interpolation, seed=seed,
                                                        data_format=data_format),
        "random_rotation": lambda: RandomRotation(factor=f, interpolation=interpolation, seed=seed,
                                                  data_format=data_format),
        "random_brightness": lambda: RandomBrightness(factor=f, value_range=value_range, seed=seed,
                                                      data_format=data_format),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=f, value_range=value_range, seed=seed,
                                                                     data_format=data_format),
        "random_contrast": lambda: RandomContrast(factor=f, value_range=value_range, seed=seed,
                                                  data_format=data_format),
        "random_sharpness": lambda: RandomSharpness(factor=f, value_range=value_range, seed=seed,
                                                    data_format=data_format),
        "solarization": lambda: Solarization(addition_factor=f, threshold_factor=f, value_range=value_range,
                                             seed=seed, data_format=data_format),
        "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * f[1])), value_range=value_range,
                                                            seed=seed, data_format=data_format),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, data_format=data_format),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format),
    }
    for name in names:
        layer = make[name]()
        layer.bounding_box_format = owner.bounding_box_format
        if hasattr(layer, "generator"):
            layer.generator = owner.generator  # Keras passes the composite layer's generator as ``seed``
        setattr(owner, name, layer)


class RandAugment(_SeededLayer):
    """RandAugment: ``num_ops`` operations picked at random (one pick per call, for the whole batch) among shear,
    translation, rotation, brightness, colour degeneration, contrast, sharpness, posterization, solarization,
    auto-contrast and equalization, each of strength ``factor``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.RandAugment(seed=1)(np.full((2, 4, 4, 3), 100.0, "float32")).shape
    TensorShape([2, 4, 4, 3])
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation", "random_brightness",
                       "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
                       "solarization", "auto_contrast", "equalization"]

    def __init__(self, value_range: Any = (0, 255), num_ops: int = 2, factor: Any = 0.5,
                 interpolation: str = "bilinear", seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range, self.num_ops, self.interpolation = value_range, num_ops, interpolation
        self._set_factor(factor)
        self._init_seed(seed)
        _augment_layers(self, self._AUGMENT_LAYERS, value_range, interpolation, seed, data_format)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        idx = randint((self.num_ops,), 0, len(self._AUGMENT_LAYERS), seed=self.generator)
        transforms = {name: getattr(self, name).get_random_transformation(data)
                      for name in self._AUGMENT_LAYERS}
        return {"transforms": transforms, "layer_idxes": idx}

    def _apply(self, x: Any, transformation: Any, method: str) -> Any:
        idx = transformation["layer_idxes"]
        for i in range(self.num_ops):
            for k, (name, t) in enumerate(transformation["transforms"].items()):
                y = getattr(getattr(self, name), method)(x, t)
                x = tg.where(tg.equal(idx[i], k), y, x)
        return x

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        x = tg.cast(images, self.compute_dtype)
        if training:
            x = self._apply(x, transformation, "transform_images")
        return tg.cast(x, self.compute_dtype)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return self._apply(masks, transformation, "transform_segmentation_masks") if training else masks

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        if not training:
            return bounding_boxes
        idx = transformation["layer_idxes"]
        out = dict(bounding_boxes)
        for k, (name, t) in enumerate(transformation["transforms"].items()):
            moved = getattr(self, name).transform_bounding_boxes(dict(out), t)
            for i in range(self.num_ops):
                pick = tg.equal(idx[i], k)
                out["boxes"] = tg.where(pick, moved["boxes"], out["boxes"])
                out["labels"] = tg.where(pick, moved["labels"], out["labels"])
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range, "num_ops": self.num_ops,
                "factor": self.factor, "interpolation": self.interpolation, "seed": self.seed}


class AugMix(_SeededLayer):
    """AugMix: ``num_chains`` chains of up to ``chain_depth`` random operations (Python's ``random.choice`` picks
    each, or none), mixed with Dirichlet(``alpha``) weights, then blended with the original by a Beta(``alpha``,
    ``alpha``) weight; ``all_ops=False`` leaves out the colour operations.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> keras.layers.AugMix(seed=1)(np.full((2, 4, 4, 3), 100.0, "float32")).shape
    TensorShape([2, 4, 4, 3])
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _LAYERS = ["random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
               "auto_contrast", "equalization"]
    _LAYERS_ALL = _LAYERS + ["random_brightness", "random_color_degeneration", "random_contrast",
                             "random_sharpness"]

    def __init__(self, value_range: Any = (0, 255), num_chains: int = 3, chain_depth: int = 3, factor: Any = 0.3,
                 alpha: float = 1.0, all_ops: bool = True, interpolation: str = "bilinear", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range, self.num_chains, self.chain_depth = value_range, num_chains, chain_depth
        self._set_factor(factor)
        self.alpha, self.all_ops, self.interpolation = alpha, all_ops, interpolation
        self._init_seed(seed)
        self._augment_layers = self._LAYERS_ALL if all_ops else self._LAYERS
        _augment_layers(self, self._augment_layers, value_range, interpolation, seed, data_format)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        if not training:
            return None
        gen = self._gen(seed)
        g = gamma([self.num_chains], self.alpha, seed=gen)
        weights = g / tg.reduce_sum(g, axis=-1, keepdims=True)
        weight = _beta((), self.alpha, self.alpha, seed=gen)
        chains = []
        for _ in range(self.num_chains):
            chain = []
            for _ in range(self.chain_depth):
                name = _pyrandom.choice(self._augment_layers + [None])
                if name is not None:
                    chain.append((name, getattr(self, name).get_random_transformation(data)))
            chains.append(chain)
        return {"chain_mixing_weights": weights, "weight_sample": weight, "chain_transforms": chains}

    def _mix(self, x: Any, transformation: Any, method: str) -> Any:
        dt = self.compute_dtype
        weights = tg.cast(transformation["chain_mixing_weights"], dt)
        weight = tg.cast(transformation["weight_sample"], dt)
        mixed = tg.zeros_like(x)
        for i, chain in enumerate(transformation["chain_transforms"]):
            y = x
            for name, t in chain:
                y = getattr(getattr(self, name), method)(y, t)
            mixed = mixed + y * weights[i]
        return weight * x + (1 - weight) * mixed

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        x = tg.cast(images, self.compute_dtype)
        if training:
            x = tg.clip_by_value(self._mix(x, transformation, "transform_images"), self.value_range[0],
                                 self.value_range[1])
        return tg.cast(x, self.compute_dtype)

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return self._mix(masks, transformation, "transform_segmentation_masks") if training else masks

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range, "num_chains": self.num_chains,
                "chain_depth": self.chain_depth, "factor": self.factor, "alpha": self.alpha,
                "all_ops": self.all_ops, "interpolation": self.interpolation, "seed": self.seed}


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """CLAHE: equalize each ``tile_grid_size`` tile's histogram (256 levels, clipped at ``clip_limit`` times the
    mean bin count, the excess spread evenly), then interpolate bilinearly between the tile mappings. Applied in
    training and inference; the output keeps the input's dtype.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> x = np.tile(np.array([0.0, 50.0, 100.0, 150.0], "float32"), (4, 1)).reshape(4, 4, 1)
    >>> layer = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=0, tile_grid_size=(1, 1))
    >>> layer(x)[0, :, 0].numpy().tolist()
    [0.0, 85.0, 170.0, 255.0]
    """

    def __init__(self, value_range: Any = (0, 255), clip_limit: float = 4.0, tile_grid_size: Any = (8, 8),
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range, self.clip_limit, self.tile_grid_size = value_range, clip_limit, tile_grid_size

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        x = tg.convert_to_tensor(images)
        cf = self.data_format == "channels_first"
        if cf:
            x = tg.transpose(x, [0, 2, 3, 1])
        dtype = x.dtype
        x = _rescale(x, self.value_range, (0, 255), "float32")
        x = _rescale(self._clahe(x), (0, 255), self.value_range, "float32")
        x = tg.cast(x, dtype)
        return tg.transpose(x, [0, 3, 1, 2]) if cf else x

    def _clahe(self, images: Any) -> Any:
        n, h, w, c = (int(v) for v in images.shape)
        gh, gw = self.tile_grid_size
        th, tw = (h + gh - 1) // gh, (w + gw - 1) // gw
        ph, pw = th * gh - h, tw * gw - w
        padded = images
        if ph or pw:  # symmetric padding of each channel plane on the bottom and right
            planes = tg.reshape(tg.transpose(images, [0, 3, 1, 2]), [-1, h, w])
            planes = tg.pad(planes, [[0, 0], [0, ph], [0, pw]], mode="SYMMETRIC")
            padded = tg.transpose(tg.reshape(planes, [-1, c, h + ph, w + pw]), [0, 2, 3, 1])
        tiles = tg.reshape(padded, [n, gh, th, gw, tw, c])
        tiles = tg.reshape(tg.transpose(tiles, [0, 1, 3, 5, 2, 4]), [n, gh, gw, c, th * tw])
        levels = tg.clip_by_value(tg.cast(tiles, tg.int32), 0, 255)
        # per-tile counts (Keras sums a one-hot; the counts are the same integers, a bincount is cheaper)
        tiles_n = n * gh * gw * c
        keys = levels + tg.reshape(tg.range(tiles_n, dtype=tg.int32) * 256, [n, gh, gw, c, 1])
        hists = tg.reshape(tg.cast(tg.math.bincount(tg.reshape(keys, [-1]), minlength=tiles_n * 256), tg.float32),
                           [n, gh, gw, c, 256])
        if self.clip_limit > 0:
            limit = tg.cast(self.clip_limit * (th * tw) / 256.0, hists.dtype)
            clipped = tg.clip_by_value(hists, 0.0, limit)
            hists = clipped + tg.reduce_sum(hists - clipped, axis=-1, keepdims=True) / 256.0
        cdf = tg.cumsum(hists, axis=-1)
        cdf_min = tg.reduce_min(cdf, axis=-1, keepdims=True)
        denom = tg.cast(th * tw, cdf.dtype) - cdf_min
        denom = tg.where(tg.equal(denom, 0.0), tg.ones_like(denom), denom)
        lut = tg.clip_by_value((cdf - cdf_min) * 255.0 / denom, 0.0, 255.0)
        lut = tg.concat([lut[:, :1], lut, lut[:, -1:]], axis=1)
        lut = tg.concat([lut[:, :, :1], lut, lut[:, :, -1:]], axis=2)  # [n, gh + 2, gw + 2, c, 256]

        def axis_weights(tile: int, grid: int) -> tuple[Any, Any, Any]:
            pos = (tg.range(tile * grid, dtype=tg.float32) - tile / 2.0) / tile + 1.0
            lo = tg.floor(pos)
            frac = pos - lo
            return (tg.cast(tg.clip_by_value(lo, 0.0, grid + 1.0), tg.int32),
                    tg.cast(tg.clip_by_value(lo + 1.0, 0.0, grid + 1.0), tg.int32), frac)

        y0, y1, wy = axis_weights(th, gh)
        x0, x1, wx = axis_weights(tw, gw)
        flat = tg.reshape(lut, [-1])
        sc, sx = 256, 256 * c
        sy = sx * (gw + 2)
        sb = sy * (gh + 2)
        pixels = tg.cast(tg.clip_by_value(tg.cast(padded, tg.float32), 0.0, 255.0), tg.int32)
        base = (tg.reshape(tg.range(n, dtype=tg.int32), [-1, 1, 1, 1]) * sb
                + tg.reshape(tg.range(c, dtype=tg.int32), [1, 1, 1, -1]) * sc + pixels)

        def at(yi: Any, xi: Any) -> Any:
            return tg.gather(flat, base + tg.reshape(yi, [1, -1, 1, 1]) * sy + tg.reshape(xi, [1, 1, -1, 1]) * sx)

        wx_e, wy_e = tg.reshape(wx, [1, 1, -1, 1]), tg.reshape(wy, [1, -1, 1, 1])
        top = at(y0, x0) * (1.0 - wx_e) + at(y0, x1) * wx_e
        bottom = at(y1, x0) * (1.0 - wx_e) + at(y1, x1) * wx_e
        return (top * (1.0 - wy_e) + bottom * wy_e)[:, :h, :w, :]

    def transform_labels(self, labels: Any, transformation: Any, training: bool = True) -> Any:
        return labels

    def transform_segmentation_masks(self, masks: Any, transformation: Any, training: bool = True) -> Any:
        return masks

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value_range": self.value_range, "clip_limit": self.clip_limit,
                "tile_grid_size": self.tile_grid_size, "data_format": self.data_format}


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Pad (with ``fill_value``) or truncate the ``bounding_boxes`` of a batch to ``max_number`` boxes per image;
    images, labels and masks pass through.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> boxes = {"boxes": np.ones((1, 2, 4), "float32"), "labels": np.array([[3, 4]])}
    >>> layer = keras.layers.MaxNumBoundingBoxes(3, bounding_box_format="xyxy")
    >>> out = layer({"images": np.zeros((1, 4, 4, 3)), "bounding_boxes": boxes})
    >>> out["bounding_boxes"]["labels"].numpy().tolist()
    [[3, 4, -1]]
    """

    _USE_BASE_FACTOR = False

    def __init__(self, max_number: int, fill_value: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_number, self.fill_value = int(max_number), int(fill_value)

    def transform_images(self, images: Any, transformation: Any = None, training: bool = True) -> Any:
        return images

    def transform_labels(self, labels: Any, transformation: Any = None, training: bool = True) -> Any:
        return labels

    def transform_segmentation_masks(self, masks: Any, transformation: Any = None, training: bool = True) -> Any:
        return masks

    def transform_bounding_boxes(self, bounding_boxes: Any, transformation: Any, training: bool = True) -> Any:
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        n, count = int(boxes.shape[0]), int(boxes.shape[1])
        pad = max(self.max_number - count, 0)
        boxes = tg.pad(boxes[:, :self.max_number], [[0, 0], [0, pad], [0, 0]], constant_values=self.fill_value)
        labels = tg.pad(labels[:, :self.max_number], [[0, 0], [0, pad]], constant_values=self.fill_value)
        return {**bounding_boxes, "boxes": tg.reshape(boxes, [n, self.max_number, 4]),
                "labels": tg.reshape(labels, [n, self.max_number])}

    def compute_output_shape(self, input_shape: Any) -> Any:
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(f"There are unsupported keys in `bounding_boxes`: {list(extra)}. Only `boxes` and "
                               "`labels` are supported.")
            for key in ("boxes", "labels"):
                shape = list(input_shape["bounding_boxes"][key])
                shape[1] = self.max_number
                input_shape["bounding_boxes"][key] = shape
            return input_shape
        return super().compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_number": self.max_number}


def _call_takes(layer: Any, name: str) -> bool:
    try:
        return name in inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        return False


class Pipeline(Layer):
    """Apply ``layers`` in sequence (like ``Sequential`` but a layer, not a model: no weights tracking, inputs may
    be dicts of images/labels/boxes); ``training`` reaches the layers whose ``call`` takes it.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> pipe = keras.layers.Pipeline([keras.layers.Rescaling(2.0), keras.layers.Rescaling(0.5, offset=1.0)])
    >>> pipe(np.array([1.0, 3.0], "float32")).numpy().tolist(), len(pipe.layers)
    ([2.0, 4.0], 2)
    """

    def __init__(self, layers: list[Any], name: str | None = None) -> None:
        super().__init__(name=name)
        self._pipeline_layers = layers

    @property
    def layers(self) -> list[Any]:
        return self._pipeline_layers

    def call(self, inputs: Any, training: bool = True, mask: Any = None) -> Any:
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs: dict[str, Any] = {}
            if _call_takes(layer, "mask"):
                kwargs["mask"] = mask
            if _call_takes(layer, "training") and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = getattr(outputs, "_keras_mask", None)
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Pipeline:
        from ._serialize import deserialize

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"`Pipeline` config must contain a `layers` key mapping to a list of serialized layers. "
                             f"Received config with layers={layers}.")
        return cls(**{**config, "layers": [deserialize(x) for x in layers]})

    def get_config(self) -> dict[str, Any]:
        from ._serialize import serialize

        return {"layers": [serialize(layer) for layer in self._pipeline_layers], "name": self.name}
