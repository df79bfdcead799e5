"""Keras conformance programs for the image preprocessing layers (``keras/layers/preprocessing_image.py``):
``Resizing`` (methods, aspect-ratio crop/pad, integer images), ``CenterCrop``, and the seeded random layers
``RandomFlip``, ``RandomCrop``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``, ``RandomContrast``,
``RandomBrightness``: the same seed gives Keras's draws (SeedGenerator + TF's stateless Philox), so values are
compared call after call, batched and not, channels_first, dict inputs, training=False, configs and errors.

Registered into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import caught, program
except ImportError:  # run_tf.py run as a script
    from programs import caught, program  # type: ignore[no-redef]


def _etype(fn: Any) -> Any:
    out = caught(fn)
    return type(out.exc).__name__ if hasattr(out, "exc") else out


def _img(shape: tuple[int, ...], seed: int = 0, dtype: str = "float32") -> np.ndarray:
    return (np.random.default_rng(seed).uniform(0, 255, shape)).astype(dtype)


def _calls(layer: Any, x: Any, n: int = 3, **kw: Any) -> list[Any]:
    return [np.asarray(layer(x, **kw)) for _ in range(n)]


@program
def prog_prep_image_resizing(tf: Any, keras: Any) -> Any:
    """Resizing: every interpolation, crop/pad to aspect ratio, integer images (rounded, saturated), 3-D input."""
    L = keras.layers
    x = _img((2, 5, 7, 3))
    out = [np.asarray(L.Resizing(4, 3, interpolation=m)(x)) for m in
           ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")]
    out.append(np.asarray(L.Resizing(4, 4, crop_to_aspect_ratio=True)(x)))
    out.append(np.asarray(L.Resizing(4, 4, pad_to_aspect_ratio=True, fill_value=7.0)(x)))
    out.append(np.asarray(L.Resizing(6, 3, pad_to_aspect_ratio=True)(x[0])))
    out.append(np.asarray(L.Resizing(3, 9, antialias=True)(x)))
    u8 = _img((1, 4, 4, 1), 1, "uint8")
    r8 = L.Resizing(3, 3)(u8)
    out += [np.asarray(r8), str(r8.dtype)]
    out.append(np.asarray(L.Resizing(2, 3, data_format="channels_first")(np.transpose(x, (0, 3, 1, 2)))))
    out.append(L.Resizing(4, 3, crop_to_aspect_ratio=True).get_config()["crop_to_aspect_ratio"])
    out.append(_etype(lambda: L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)(x)))
    out.append(_etype(lambda: L.Resizing(2, 2, interpolation="gaussian")(x)))
    return out


@program
def prog_prep_image_center_crop(tf: Any, keras: Any) -> Any:
    """CenterCrop: odd/even margins, a target larger than the image (aspect crop + resize), 3-D, channels_first."""
    L = keras.layers
    x = _img((2, 6, 7, 2))
    return [np.asarray(L.CenterCrop(3, 4)(x)), np.asarray(L.CenterCrop(4, 4)(x[0])),
            np.asarray(L.CenterCrop(8, 5)(x)), np.asarray(L.CenterCrop(3, 3, data_format="channels_first")(
                np.transpose(x, (0, 3, 1, 2)))), str(L.CenterCrop(2, 2)(x).dtype)]


@program
def prog_prep_image_random_flip(tf: Any, keras: Any) -> Any:
    """RandomFlip with seeds: three successive calls, each mode, unbatched, training=False, dict input."""
    L = keras.layers
    x = _img((6, 3, 4, 2))
    out = []
    for mode in ("horizontal", "vertical", "horizontal_and_vertical"):
        out += _calls(L.RandomFlip(mode, seed=11), x)
    out += _calls(L.RandomFlip(seed=5), x[0], 4)
    out.append(np.asarray(L.RandomFlip(seed=5)(x, training=False)))
    d = L.RandomFlip("horizontal", seed=2)({"images": x, "labels": np.arange(6), "segmentation_masks": x[..., :1]})
    out += [np.asarray(d["images"]), np.asarray(d["labels"]), np.asarray(d["segmentation_masks"])]
    out.append(np.asarray(L.RandomFlip("diagonal", seed=1)(x)))  # Keras: an unknown mode flips nothing
    return out


@program
def prog_prep_image_random_crop(tf: Any, keras: Any) -> Any:
    """RandomCrop with seeds: offsets call after call, inference (centre crop + resize), a small image."""
    L = keras.layers
    x = _img((2, 7, 9, 1))
    layer = L.RandomCrop(3, 4, seed=9)
    return [*_calls(layer, x, 4), np.asarray(layer(x, training=False)), np.asarray(L.RandomCrop(8, 4, seed=1)(x)),
            np.asarray(L.RandomCrop(3, 3, seed=2)(x[0]))]


@program
def prog_prep_image_random_rotation(tf: Any, keras: Any) -> Any:
    """RandomRotation with seeds: every fill mode and both interpolations, unbatched, channels_first."""
    L = keras.layers
    x = _img((3, 6, 5, 2))
    out = []
    for fill in ("reflect", "wrap", "constant", "nearest"):
        for interp in ("bilinear", "nearest"):
            out += _calls(L.RandomRotation(0.2, fill_mode=fill, interpolation=interp, seed=4, fill_value=3.0), x, 2)
    out += _calls(L.RandomRotation((-0.5, 0.1), seed=8), x[0], 2)
    out.append(np.asarray(L.RandomRotation(0.1, seed=1, data_format="channels_first")(np.transpose(x, (0, 3, 1, 2)))))
    out.append(np.asarray(L.RandomRotation(0.3, seed=1)(x, training=False)))
    out += [_etype(lambda: L.RandomRotation(0.1, fill_mode="mirror")), _etype(lambda: L.RandomRotation(2.0))]
    return out


@program
def prog_prep_image_random_zoom_translation(tf: Any, keras: Any) -> Any:
    """RandomZoom (height only / both factors) and RandomTranslation with seeds, fill modes, errors."""
    L = keras.layers
    x = _img((3, 6, 7, 1))
    out = []
    out += _calls(L.RandomZoom(0.3, seed=3), x)
    out += _calls(L.RandomZoom((-0.4, 0.2), (0.1, 0.5), fill_mode="constant", seed=6, fill_value=1.0), x)
    out += _calls(L.RandomZoom(0.5, interpolation="nearest", fill_mode="wrap", seed=7), x[0], 2)
    out += _calls(L.RandomTranslation(0.2, 0.3, seed=3), x)
    out += _calls(L.RandomTranslation((-0.5, 0.0), 0.25, fill_mode="nearest", interpolation="nearest", seed=12), x)
    out += _calls(L.RandomTranslation(0.3, 0.3, fill_mode="constant", seed=1), x[1], 2)
    out += [_etype(lambda: L.RandomZoom(-1.0)), _etype(lambda: L.RandomTranslation(1.5, 0.1)),
            _etype(lambda: L.RandomZoom(0.1, fill_mode="mirror"))]
    return out


@program
def prog_prep_image_random_contrast_brightness(tf: Any, keras: Any) -> Any:
    """RandomContrast and RandomBrightness with seeds: values call after call, value ranges, inference."""
    L = keras.layers
    x = _img((4, 3, 5, 3))
    out = _calls(L.RandomContrast(0.5, seed=3), x)
    out += _calls(L.RandomContrast((0.1, 0.9), value_range=(0, 1), seed=4), x / 255.0)
    out += _calls(L.RandomBrightness(0.3, seed=5), x)
    out += _calls(L.RandomBrightness((-0.2, 0.5), value_range=(0, 1), seed=6), x[0] / 255.0)
    out += [np.asarray(L.RandomContrast(0.5, seed=3)(x, training=False)),
            np.asarray(L.RandomBrightness(0.5, seed=3)(x, training=False)),
            L.RandomBrightness(0.2, seed=1).get_config()["factor"], L.RandomContrast(0.2).get_config()["factor"]]
    out += [_etype(lambda: L.RandomContrast(1.5)), _etype(lambda: L.RandomBrightness(0.2, value_range=(0,))),
            _etype(lambda: L.RandomBrightness("x"))]
    return out


@program
def prog_prep_image_in_model_fit(tf: Any, keras: Any) -> Any:
    """Augmentation layers in a Sequential model: fit applies them (training), predict doesn't."""
    L = keras.layers
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (8, 6, 6, 1)).astype("float32")
    y = rng.uniform(0, 1, (8, 1)).astype("float32")
    model = keras.Sequential([keras.Input((6, 6, 1)), L.RandomFlip(seed=1), L.RandomTranslation(0.1, 0.1, seed=2),
                              L.CenterCrop(4, 4), L.Flatten(),
                              L.Dense(1, kernel_initializer="ones", bias_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    hist = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    return [hist.history["loss"], np.asarray(model.predict(x, verbose=0)), model.output_shape]


@program
def prog_prep_image_color_layers(tf: Any, keras: Any) -> Any:
    """RandomGrayscale, RandomHue, RandomSaturation, RandomInvert, RandomPosterization, Solarization with seeds:
    values call after call, value ranges, unbatched, channels_first, inference."""
    L = keras.layers
    x = _img((4, 3, 5, 3))
    out = []
    out += _calls(L.RandomGrayscale(0.5, seed=1), x)
    out += _calls(L.RandomHue(0.4, seed=2), x)
    out += _calls(L.RandomHue((0.1, 0.9), value_range=(0, 1), seed=3), x[0] / 255.0, 2)
    out += _calls(L.RandomSaturation(0.7, seed=4), x / 255.0)
    out += _calls(L.RandomSaturation((0.2, 0.3), value_range=(0, 1), seed=5), x[1] / 255.0, 2)
    out += _calls(L.RandomInvert(0.6, seed=6), x)
    out += _calls(L.RandomPosterization((2, 6), seed=7), x)
    out += _calls(L.RandomPosterization(3, value_range=(0, 1), seed=8), x / 255.0, 2)
    out += _calls(L.Solarization(0.3, 0.6, seed=9), x)
    out += _calls(L.Solarization((0.1, 0.2), (0.4, 0.9), value_range=(0, 1), seed=10), x[2] / 255.0, 2)
    cf = np.transpose(x, (0, 3, 1, 2))
    out += [np.asarray(L.RandomHue(0.5, seed=11, data_format="channels_first")(cf)),
            np.asarray(L.RandomGrayscale(1.0, seed=1, data_format="channels_first")(cf))]
    out += [np.asarray(layer(x, training=False)) for layer in (
        L.RandomGrayscale(1.0), L.RandomHue(0.5), L.RandomSaturation(0.5), L.RandomInvert(1.0),
        L.RandomPosterization(2), L.Solarization(0.5, 0.5))]
    out += [_etype(lambda: L.RandomGrayscale(1.5)), _etype(lambda: L.RandomHue(1.5)),
            _etype(lambda: L.Solarization(1.5)), _etype(lambda: L.RandomInvert(2.0)),
            _etype(lambda: L.RandomSaturation(0.5, value_range=(1,)))]
    return out


@program
def prog_prep_image_random_shear(tf: Any, keras: Any) -> Any:
    """RandomShear with seeds: x and y factors, fill modes, interpolations, unbatched."""
    L = keras.layers
    x = _img((3, 6, 5, 2))
    out = []
    for fill in ("reflect", "constant", "wrap", "nearest"):
        out += _calls(L.RandomShear(0.3, 0.2, fill_mode=fill, seed=3, fill_value=2.0), x, 2)
    out += _calls(L.RandomShear((0.1, 0.4), 0.0, interpolation="nearest", seed=4), x[0], 2)
    out += [np.asarray(L.RandomShear(0.5, 0.5, seed=1)(x, training=False)), _etype(lambda: L.RandomShear(1.5))]
    return out
