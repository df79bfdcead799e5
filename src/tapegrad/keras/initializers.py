"""``keras.initializers``: weight initializers with Keras's shapes, fan computations and scales.

Random initializers follow Keras 3 (TensorFlow backend): an initializer holds an integer seed (the one given, or one
drawn when it is created from ``tapegrad.random``'s seeded sequence, so ``keras.utils.set_random_seed`` makes it
reproducible) and every call with the same shape returns the same values: TF's stateless Philox draws with seed
``[seed, 0]``, so an initializer given a seed produces Keras's own numbers (``Orthogonal`` to rounding: its QR is
NumPy's). A default seed is tapegrad's choice, not Keras's (which draws it from Python's ``random`` module).

>>> from tapegrad import keras
>>> init = keras.initializers.GlorotUniform(seed=1)
>>> w = init((4, 6)).numpy()
>>> bool((abs(w) <= (6 / (4 + 6)) ** 0.5).all()), bool((init((4, 6)).numpy() == w).all()), w.dtype
(True, True, dtype('float32'))
>>> keras.initializers.compute_fans((3, 3, 8, 16))
(72, 144)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._tensor import make
from ..ops.random_ops import internal_generator
from . import backend

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
           "LecunUniform", "Identity", "Orthogonal", "OrthogonalInitializer", "compute_fans", "get", "serialize",
           "deserialize"]


def _np_dtype(dtype: Any) -> np.dtype:
    return _dtypes.as_dtype(dtype if dtype is not None else backend.floatx())._np


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def compute_fans(shape: Any, input_axes: Any = None, output_axes: Any = None) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    With both ``input_axes`` and ``output_axes``: the products of those dimensions. Otherwise scalars: (1, 1);
    vectors: (n, n); matrices: (rows, cols); convolution kernels ``(..., in, out)``: both multiplied by the
    receptive-field size ``prod(shape[:-2])``.
    """
    shape = _shape(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``initializer(shape, dtype=None)`` returns a tensor of that shape."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        raise NotImplementedError(f"Initializer {type(self).__name__} does not implement __call__().")

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def clone(self) -> Initializer:
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return make(np.zeros(_shape(shape), _np_dtype(dtype)), NUMPY)


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return make(np.ones(_shape(shape), _np_dtype(dtype)), NUMPY)


class Constant(Initializer):
    """Every element equal to ``value`` (a scalar, or an array broadcast to the shape)."""

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        value = np.asarray(self.value.numpy() if hasattr(self.value, "numpy") else self.value)
        return make(np.array(np.broadcast_to(value, _shape(shape)), dtype=_np_dtype(dtype)), NUMPY)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class Identity(Initializer):
    """The identity matrix times ``gain`` (2-D shapes only)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. Received: shape={shape}"
                             f" of rank {len(shape)}.")
        return make((self.gain * np.eye(*shape)).astype(_np_dtype(dtype)), NUMPY)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the integer seed every call draws from."""

    def __init__(self, seed: int | None = None) -> None:
        self._init_seed = seed
        if seed is None:
            seed = int(internal_generator().integers(1, 10**9))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` argument should be an instance of `keras.random.SeedGenerator()` or an "
                             f"integer. Received: seed={seed}")
        self.seed = int(seed)

    def _seed_pair(self) -> list[int]:
        # Keras: draw_seed(int) is the int64 pair [seed, 0], cast for TF's stateless ops by floormod(int32 max - 1)
        return [self.seed % (2**31 - 2), 0]

    def _draw(self, dist: str, shape: tuple[int, ...], dtype: Any, a: float, b: float) -> Any:
        """Keras's ``random.normal`` / ``truncated_normal`` (``a`` = mean, ``b`` = stddev) or ``uniform`` (``a``,
        ``b`` = bounds) with this initializer's seed: TF's stateless ops, in ``dtype`` (floatx by default)."""
        from ..ops import random_generator as _rg

        dt = _dtypes.as_dtype(dtype if dtype is not None else backend.floatx())
        if dist == "uniform":  # Keras casts the bounds with tf.cast: Python floats become float32 first
            lo, hi = float(np.float32(a)), float(np.float32(b))
            return _rg.stateless_uniform(list(shape), self._seed_pair(), minval=lo, maxval=hi, dtype=dt)
        fn = _rg.stateless_normal if dist == "normal" else _rg.stateless_truncated_normal
        return fn(list(shape), self._seed_pair(), mean=a, stddev=b, dtype=dt)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    """Normal samples with ``mean`` and ``stddev`` (Keras default 0.05)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return self._draw("normal", _shape(shape), dtype, self.mean, self.stddev)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Normal samples with ``mean`` and ``stddev``, redrawn when more than two stddevs from the mean."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return self._draw("truncated_normal", _shape(shape), dtype, self.mean, self.stddev)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Uniform samples in ``[minval, maxval)`` (Keras default ±0.05)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return self._draw("uniform", _shape(shape), dtype, self.minval, self.maxval)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Samples scaled to the weight's fans: variance ``scale / n`` with ``n`` from ``mode``.

    ``mode``: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``; ``distribution``: ``"truncated_normal"`` (stddev
    ``sqrt(scale / n) / 0.87962566103423978``, the stddev of a unit normal truncated at ±2), ``"untruncated_normal"``
    or ``"uniform"`` (limit ``sqrt(3 * scale / n)``).
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(f"Invalid `mode` argument: expected one of {{'fan_in', 'fan_out', 'fan_avg'}}. "
                             f"Received: mode={mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in {"uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError(f"Invalid `distribution` argument: expected one of {{'uniform', 'truncated_normal', "
                             f"'untruncated_normal'}}. Received: distribution={distribution}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed)

    def _n(self, shape: tuple[int, ...]) -> float:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            return max(1.0, fan_in)
        if self.mode == "fan_out":
            return max(1.0, fan_out)
        return max(1.0, (fan_in + fan_out) / 2.0)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = _shape(shape)
        scale = self.scale / self._n(shape)
        if self.distribution == "truncated_normal":
            return self._draw("truncated_normal", shape, dtype, 0.0, math.sqrt(scale) / 0.87962566103423978)
        if self.distribution == "untruncated_normal":
            return self._draw("normal", shape, dtype, 0.0, math.sqrt(scale))
        limit = math.sqrt(3.0 * scale)
        return self._draw("uniform", shape, dtype, -limit, limit)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config(),
                "input_axes": self.input_axes, "output_axes": self.output_axes}


class _Preset(VarianceScaling):
    _preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None, input_axes: Any = None, output_axes: Any = None) -> None:
        scale, mode, dist = self._preset
        super().__init__(scale=scale, mode=mode, distribution=dist, seed=seed, input_axes=input_axes,
                         output_axes=output_axes)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._init_seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_Preset):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Keras's default kernel initializer)."""

    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))``."""

    _preset = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal with stddev ``sqrt(2 / fan_in)``."""

    _preset = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """Uniform in ``±sqrt(6 / fan_in)``."""

    _preset = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal with stddev ``sqrt(1 / fan_in)``."""

    _preset = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """Uniform in ``±sqrt(3 / fan_in)``."""

    _preset = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times ``gain``: the QR factor of a normal sample, made unique by the signs of
    R's diagonal; shapes of rank > 2 are flattened to ``(prod(shape[:-1]), shape[-1])`` (Keras's
    ``OrthogonalInitializer``, the default ``recurrent_initializer`` of LSTM/GRU/SimpleRNN).

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> w = keras.initializers.Orthogonal(seed=0)((3, 3)).numpy()
    >>> bool(np.allclose(w @ w.T, np.eye(3), atol=1e-6))
    True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: "
                             f"shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._draw("normal", (max(rows, cols), min(rows, cols)), dtype, 0.0, 1.0).numpy()  # Keras's sample
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return make((self.gain * q.reshape(shape)).astype(_np_dtype(dtype)), NUMPY)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, **super().get_config()}


OrthogonalInitializer = Orthogonal

_ALIASES: dict[str, type[Initializer]] = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant, "identity": Identity,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform, "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform, "orthogonal": Orthogonal, "OrthogonalInitializer": Orthogonal,
}

# Keras's other names: IdentityInitializer, STFT/STFTInitializer/stft, and the function-style lowercase names,
# which in Keras 3 are the classes themselves (keras.initializers.glorot_uniform is GlorotUniform)
from ._initializers_extra import STFT  # noqa: E402

IdentityInitializer = Identity
STFTInitializer = stft = STFT
_ALIASES.update(stft=STFT, STFTInitializer=STFT, IdentityInitializer=Identity)
constant, zeros, ones, identity, orthogonal = Constant, Zeros, Ones, Identity, Orthogonal
random_normal, random_uniform, truncated_normal, variance_scaling = (RandomNormal, RandomUniform, TruncatedNormal,
                                                                     VarianceScaling)
glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform = (
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform)
__all__ += ["IdentityInitializer", "STFT", "STFTInitializer", "stft", "constant", "zeros", "ones", "identity",
            "orthogonal", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
            "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform"]
_CLASSES = {cls.__name__: cls for cls in set(_ALIASES.values())}


def get(identifier: Any) -> Any:
    """An initializer from a name (``"glorot_uniform"``, ``"GlorotUniform"``), a config dict, an instance or a
    callable; None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


def serialize(initializer: Initializer) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config: dict[str, Any]) -> Initializer:
    """Inverse of :func:`serialize`."""
    cls = _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown initializer: {config['class_name']}")
    return cls.from_config(config.get("config", {}))
