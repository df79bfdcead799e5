"""Noise and structured-dropout layers: ``SpatialDropout1D/2D``, ``GaussianNoise``, ``GaussianDropout``. All are the
identity at inference (``model(x)``, ``predict``) and act only with ``training=True`` (``fit``).

>>> import numpy as np
>>> from tapegrad import keras
>>> y = keras.layers.SpatialDropout1D(0.5, seed=3)(np.ones((4, 6, 8), "float32"), training=True).numpy()
>>> bool((y.min(axis=1) == y.max(axis=1)).all()), sorted(set(y.ravel().tolist()))
(True, [0.0, 2.0])
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

import tapegrad as tg

from ...ops.random_ops import draw, internal_generator
from ._base import InputSpec, Layer
from .convolutional import normalize_data_format
from .core import Dropout

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout"]


class SpatialDropout1D(Dropout):
    """Dropout of whole channels of ``(batch, steps, channels)``: one keep/drop draw per example and channel."""

    _rank = 1

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def call(self, inputs: Any, training: bool = False) -> Any:
        shape = tuple(int(d) for d in inputs.shape)
        if self.data_format == "channels_last":
            self.noise_shape = (shape[0],) + (1,) * self._rank + (shape[-1],)
        else:
            self.noise_shape = (shape[0], shape[1]) + (1,) * self._rank
        return super().call(inputs, training=training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("noise_shape", None)
        return config


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole feature maps of ``(batch, h, w, channels)`` (``data_format`` as for ``Conv2D``)."""

    _rank = 2

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        Dropout.__init__(self, rate, seed=seed, name=name, dtype=dtype)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)


def _rng(seed: int | None, salt: bytes) -> np.random.Generator:
    base = int(internal_generator().integers(1, 10**9)) if seed is None else int(seed)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([base, zlib.crc32(salt)])))


class GaussianNoise(Layer):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` in training (a regulariser)."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a float value between 0 and 1. "
                             f"Received: stddev={stddev}")
        self.stddev, self.seed = float(stddev), seed
        self._rng = _rng(seed, b"gaussian_noise")
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.stddev == 0:
            return inputs
        noise = draw(self._rng, "normal", inputs.shape) * self.stddev  # recorded: fresh noise per compiled call
        return inputs + tg.cast(noise, inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiply by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))`` in training."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate, self.seed = float(rate), seed
        self._rng = _rng(seed, b"gaussian_dropout")
        self.supports_masking = True
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or not 0 < self.rate < 1:
            return inputs
        std = (self.rate / (1.0 - self.rate)) ** 0.5
        noise = 1.0 + draw(self._rng, "normal", inputs.shape) * std
        return inputs * tg.cast(noise, inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
