"""Keras conformance programs for the augmentation layers of ``keras/layers/preprocessing_augment*.py``:
``AutoContrast``, ``Equalization``, ``RandomColorDegeneration``, ``RandomSharpness``, ``RandomColorJitter``,
``RandomErasing``, ``RandomGaussianBlur``, ``MixUp``, ``CutMix`` and the rest. Random layers are built with fixed
seeds and called several times, so the values compared are Keras-on-TF's draws; configs and errors too.

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


def _img(shape: tuple[int, ...], seed: int = 0, dtype: str = "float32", high: float = 255.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, high, shape).astype(dtype)


def _calls(layer: Any, x: Any, n: int = 3, **kw: Any) -> list[Any]:
    return [np.asarray(layer(x, **kw)) for _ in range(n)]


def _cf(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 3, 1, 2))


def _config(layer: Any, *keys: str) -> list[Any]:
    cfg = layer.get_config()
    return [cfg[k] if not isinstance(cfg[k], tuple) else list(cfg[k]) for k in keys]


@program
def prog_augment_auto_contrast(tf: Any, keras: Any) -> Any:
    """AutoContrast: value ranges, a constant channel (unchanged), uint8 input, unbatched, channels_first."""
    L = keras.layers
    x = _img((2, 4, 5, 3))
    x[1, ..., 2] = 7.0
    out = [np.asarray(L.AutoContrast()(x)), np.asarray(L.AutoContrast(value_range=(0, 1))(x / 255.0))]
    out.append(np.asarray(L.AutoContrast(value_range=[255, 0])(x[0])))
    out.append(np.asarray(L.AutoContrast()(x.astype("uint8"))))
    out.append(np.asarray(L.AutoContrast(data_format="channels_first")(_cf(x))))
    out += _config(L.AutoContrast(value_range=(10, 0)), "value_range")
    out.append(_etype(lambda: L.AutoContrast(value_range=3)))
    out.append(_etype(lambda: L.AutoContrast(value_range=(0, 1, 2))))
    return out


@program
def prog_augment_equalization(tf: Any, keras: Any) -> Any:
    """Equalization: 256 and 16 bins, [0, 1] range, a one-level channel, channels_first, training=False."""
    L = keras.layers
    x = np.round(_img((2, 6, 5, 3), 1) / 4.0)
    x[..., 1] = 3.0
    out = [np.asarray(L.Equalization()(x)), np.asarray(L.Equalization(bins=16)(x)),
           np.asarray(L.Equalization(value_range=(0, 1))(x / 255.0)), np.asarray(L.Equalization()(x[0])),
           np.asarray(L.Equalization(data_format="channels_first")(_cf(x))),
           np.asarray(L.Equalization()(x, training=False))]
    out += _config(L.Equalization(bins=8), "bins", "value_range")
    return out


@program
def prog_augment_color_degeneration(tf: Any, keras: Any) -> Any:
    """RandomColorDegeneration: seeded draws over calls, factor pairs, [0, 1] range, channels_first, errors."""
    L = keras.layers
    x = _img((3, 4, 4, 3), 2)
    out = _calls(L.RandomColorDegeneration(0.7, seed=3), x)
    out += _calls(L.RandomColorDegeneration((0.2, 0.9), value_range=(0, 1), seed=4), x / 255.0, 2)
    out += _calls(L.RandomColorDegeneration(0.5, seed=5), x[0], 2)
    out.append(np.asarray(L.RandomColorDegeneration(0.5, data_format="channels_first", seed=6)(_cf(x))))
    out.append(np.asarray(L.RandomColorDegeneration(0.5, seed=6)(x, training=False)))
    out += _config(L.RandomColorDegeneration(0.3, seed=1), "factor", "value_range", "seed")
    out.append(_etype(lambda: L.RandomColorDegeneration(1.5)))
    out.append(_etype(lambda: L.RandomColorDegeneration(0.5, value_range=[1])))
    out.append(L.RandomColorDegeneration(0.5).compute_output_shape((2, 8, 8, 3)))
    out.append(_etype(lambda: L.RandomColorDegeneration(0.5).compute_output_shape((2, 8, 8, 4))))
    return out


@program
def prog_augment_sharpness(tf: Any, keras: Any) -> Any:
    """RandomSharpness: seeded draws, one-channel and RGB, [0, 1] range, unbatched, channels_first."""
    L = keras.layers
    x = _img((3, 5, 6, 3), 3)
    out = _calls(L.RandomSharpness(0.8, seed=7), x)
    out += _calls(L.RandomSharpness((0.1, 0.3), value_range=(0, 1), seed=8), x[..., :1] / 255.0, 2)
    out += _calls(L.RandomSharpness(0.5, seed=9), x[0], 2)
    out.append(np.asarray(L.RandomSharpness(0.5, data_format="channels_first", seed=9)(_cf(x))))
    out.append(np.asarray(L.RandomSharpness(0.5, seed=9)(x, training=False)))
    out += _config(L.RandomSharpness(0.4, seed=1), "factor", "value_range", "seed")
    out.append(_etype(lambda: L.RandomSharpness(-0.5)))
    return out


@program
def prog_augment_color_jitter(tf: Any, keras: Any) -> Any:
    """RandomColorJitter: each factor alone and all four together (one generator for every draw), [0, 1] range."""
    L = keras.layers
    x = _img((3, 4, 4, 3), 4)
    out = _calls(L.RandomColorJitter(brightness_factor=0.2, seed=1), x, 2)
    out += _calls(L.RandomColorJitter(contrast_factor=0.4, seed=2), x, 2)
    out += _calls(L.RandomColorJitter(saturation_factor=(0.3, 0.8), seed=3), x / 255.0, 2)
    out += _calls(L.RandomColorJitter(hue_factor=0.3, value_range=(0, 1), seed=4), x / 255.0, 2)
    both = L.RandomColorJitter(value_range=(0, 1), brightness_factor=0.1, contrast_factor=0.3,
                               saturation_factor=(0.4, 0.6), hue_factor=0.2, seed=5)
    out += _calls(both, x / 255.0, 3)
    out.append(np.asarray(both(x[0] / 255.0)))
    out.append(np.asarray(both(x / 255.0, training=False)))
    out += _config(both, "value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor",
                   "seed")
    return out


@program
def prog_augment_random_erasing(tf: Any, keras: Any) -> Any:
    """RandomErasing: noise fill (default), number and per-channel fills, factor < 1, unbatched, channels_first."""
    L = keras.layers
    x = _img((4, 8, 7, 3), 5)
    out = _calls(L.RandomErasing(seed=1), x, 2)
    out += _calls(L.RandomErasing(factor=0.5, scale=(0.1, 0.6), fill_value=3.0, seed=2), x, 3)
    out += _calls(L.RandomErasing(fill_value=[1.0, 2.0, 300.0], seed=3), x, 2)
    out += _calls(L.RandomErasing(value_range=(0, 1), seed=4), x / 255.0, 2)
    out.append(np.asarray(L.RandomErasing(seed=5)(x[0])))
    out.append(np.asarray(L.RandomErasing(fill_value=0.0, data_format="channels_first", seed=6)(_cf(x))))
    out.append(np.asarray(L.RandomErasing(seed=6)(x, training=False)))
    out += _config(L.RandomErasing(0.3, scale=0.2, seed=1), "factor", "scale", "fill_value", "value_range", "seed")
    out.append(_etype(lambda: L.RandomErasing(scale=(0.1, 0.2, 0.3))))
    out.append(_etype(lambda: L.RandomErasing(fill_value=[1.0, 2.0], seed=1)(x)))
    return out


@program
def prog_augment_mix_up(tf: Any, keras: Any) -> Any:
    """MixUp: seeded permutation + Beta weights over calls, labels mixed, alpha, unbatched, training=False."""
    L = keras.layers
    x = _img((5, 3, 4, 2), 6)
    labels = np.eye(5, dtype="float32")
    layer = L.MixUp(seed=3)
    out = []
    for _ in range(3):
        d = layer({"images": x, "labels": labels})
        out += [np.asarray(d["images"]), np.asarray(d["labels"])]
    out += _calls(L.MixUp(alpha=1.0, seed=4), x, 2)
    out.append(np.asarray(L.MixUp(seed=5)(x[0])))
    out.append(np.asarray(L.MixUp(seed=5)(x, training=False)))
    out += _config(L.MixUp(alpha=0.4, seed=2), "alpha", "seed")
    return out


@program
def prog_augment_cut_mix(tf: Any, keras: Any) -> Any:
    """CutMix: seeded boxes and permutation over calls, labels mixed by area, factor, unbatched, channels_first."""
    L = keras.layers
    x = _img((4, 8, 6, 2), 7)
    labels = np.eye(4, dtype="float32")
    layer = L.CutMix(seed=1)
    out = []
    for _ in range(3):
        d = layer({"images": x, "labels": labels, "segmentation_masks": x[..., :1]})
        out += [np.asarray(d["images"]), np.asarray(d["labels"]), np.asarray(d["segmentation_masks"])]
    out += _calls(L.CutMix(factor=0.3, seed=2), x, 2)
    out.append(np.asarray(L.CutMix(seed=3)(x[0])))
    out.append(np.asarray(L.CutMix(data_format="channels_first", seed=4)(_cf(x))))
    out.append(np.asarray(L.CutMix(seed=4)(x, training=False)))
    out += _config(L.CutMix(0.5, seed=2), "factor", "seed")
    out.append(_etype(lambda: L.CutMix(factor=2.0)))
    return out
