"""``keras.random``: seeded random draws with Keras 3's seeding, on TensorFlow's stateless generators.

Every draw is stateless given its seed, as in Keras 3 on the TensorFlow backend: an ``int`` seed ``s`` draws with
the seed pair ``[s, 0]``; a :class:`SeedGenerator` hands out ``[s, 0]``, ``[s, 1]``, ... (its ``state`` variable
advances on each draw); no seed uses a global ``SeedGenerator`` (recreated by ``keras.utils.set_random_seed`` and
``keras.backend.clear_session``) advanced Keras's unordered way. The pair is reduced modulo ``2**31 - 2`` to int32
and fed to ``tapegrad.random.stateless_*``, whose streams are TensorFlow's bit for bit, so an integer seed or a
``SeedGenerator`` gives the same numbers as Keras on TensorFlow (``tests/conformance_keras/programs_random.py``).

>>> from tapegrad import keras
>>> [round(float(v), 4) for v in keras.random.uniform((3,), seed=7)]  # Keras 3 on TensorFlow's numbers
[0.7471, 0.6722, 0.0578]
>>> gen = keras.random.SeedGenerator(42)
>>> a = keras.random.normal((2,), seed=gen)
>>> b = keras.random.normal((2,), seed=gen)
>>> bool((a.numpy() != b.numpy()).all()), gen.state.numpy().tolist()
(True, [42, 2])
"""

from __future__ import annotations

import random as _pyrandom
from typing import Any

import numpy as np

import tapegrad as tg

from . import backend as _state


# keras.ops is imported on first use (preprocessing layers import this module, and ``import tapegrad.keras`` stays
# fast): these two forward to its dtype helpers
def _standardize_dtype(dtype: Any) -> str:
    from .ops._dtypes import standardize_dtype as std

    return std(dtype)


def _convert(x: Any) -> Any:
    from .ops._dtypes import convert as conv

    return conv(x)

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]

_GLOBAL = "global_seed_generator"
_INT32_MAX = 2**31 - 1


class SeedGenerator:
    """A seed state for reproducible, advancing draws (``keras.random.SeedGenerator``).

    ``seed``: an ``int`` (``None`` draws one from Python's ``random``, as Keras). The state is a non-trainable
    ``int64`` Keras variable ``[seed, k]``; :meth:`next` returns the current pair and advances it.

    >>> gen = SeedGenerator(3)
    >>> gen.next().numpy().tolist(), gen.next().numpy().tolist()
    ([3, 0], [3, 1])
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        from .variables import Variable

        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else _state.auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _pyrandom.randint(1, int(1e9))
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.state = Variable(np.array([seed, 0], np.int64), shape=(2,), dtype="int64", trainable=False,
                              name="seed_generator_state")

    def next(self, ordered: bool = True) -> Any:
        """The current seed pair (a tensor); advances the state by ``[0, 1]`` (``ordered``) or Keras's hash."""
        value = tg.identity(self.state.value)
        if ordered:
            self.state.assign(value + tg.constant([0, 1], tg.int64))
        else:
            self.state.assign((value + 1) * 5387 % 933199)
        return value

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name!r} seed={self._initial_seed!r}>"


def global_seed_generator() -> SeedGenerator:
    """The generator unseeded draws use (created on first use; ``set_random_seed`` makes it reproducible)."""
    gen = _state._STATE.get(_GLOBAL)
    if gen is None:
        gen = _state._STATE[_GLOBAL] = SeedGenerator()
    return gen


def draw_seed(seed: Any) -> Any:
    """The int32 seed pair a draw uses: from a ``SeedGenerator``, an ``int`` or (``None``) the global generator."""
    if isinstance(seed, SeedGenerator):
        pair = seed.next()
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        pair = tg.constant([int(seed), 0], tg.int64)
    elif seed is None:
        pair = global_seed_generator().next(ordered=False)
    else:
        raise ValueError(f"Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
                         f"Received: seed={seed!r} (of type {type(seed)})")
    return tg.cast(tg.math.floormod(pair, _INT32_MAX - 1), tg.int32)


def _float(dtype: Any) -> str:
    return _standardize_dtype(dtype) if dtype is not None else _state.floatx()


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Draws from a normal distribution (``floatx`` unless ``dtype``)."""
    return tg.random.stateless_normal(shape, seed=draw_seed(seed), mean=mean, stddev=stddev, dtype=_float(dtype))


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Draws from ``[minval, maxval)``; ``dtype`` must be a float type (use :func:`randint` for integers)."""
    dt = _float(dtype)
    if not dt.startswith(("float", "bfloat")):
        raise ValueError(f"`keras.random.uniform` requires a floating point `dtype`. Received: dtype={dtype}; "
                         "use keras.random.randint for integers")
    return tg.random.stateless_uniform(shape, seed=draw_seed(seed), minval=tg.cast(minval, dt),
                                       maxval=tg.cast(maxval, dt), dtype=dt)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """Integers drawn uniformly from ``[minval, maxval)``; ``dtype`` must be an integer type."""
    dt = _standardize_dtype(dtype)
    if "int" not in dt:
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype}; use "
                         "keras.random.uniform for floats")
    calc = dt if dt in ("int32", "int64") else "int64"
    out = tg.random.stateless_uniform(shape, seed=draw_seed(seed), minval=minval, maxval=maxval, dtype=calc)
    return tg.cast(out, dt)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> Any:
    """Normal draws redrawn beyond two standard deviations."""
    return tg.random.stateless_truncated_normal(shape, seed=draw_seed(seed), mean=mean, stddev=stddev,
                                                dtype=_float(dtype))


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Any:
    """``num_samples`` class ids per row of the 2-D ``logits`` (unnormalized log-probabilities)."""
    logits = _convert(logits)
    if len(logits.shape) != 2:
        raise ValueError(f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. Received: "
                         f"logits of shape {tuple(logits.shape)}")
    out = tg.random.stateless_categorical(logits, num_samples, seed=draw_seed(seed))
    return tg.cast(out, _standardize_dtype(dtype))


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Any:
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    if rate == 0.0:
        return inputs  # unchanged, as Keras
    x = _convert(inputs)
    if rate == 1.0:
        return tg.zeros_like(x)
    if noise_shape is not None:
        noise_shape = [x.shape[i] if s is None else s for i, s in enumerate(noise_shape)]
    return tg.nn.experimental.stateless_dropout(x, rate=rate, seed=draw_seed(seed), noise_shape=noise_shape)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Any:
    """``x`` with its entries along ``axis`` in a random order."""
    x = _convert(x)
    keys = tg.random.stateless_uniform([x.shape[axis]], seed=draw_seed(seed))
    return tg.gather(x, tg.argsort(keys), axis=axis)


def gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Draws from Gamma(``alpha``, 1)."""
    dt = _float(dtype)
    calc = "float32" if dt == "bfloat16" else dt
    return tg.cast(tg.random.stateless_gamma(shape, seed=draw_seed(seed), alpha=alpha, dtype=calc), dt)


def binomial(shape: Any, counts: Any, probabilities: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Successes in ``counts`` trials of probability ``probabilities`` (as floats unless ``dtype``)."""
    dt = _float(dtype)
    calc = "float32" if dt == "bfloat16" else dt
    out = tg.random.stateless_binomial(shape, seed=draw_seed(seed), counts=counts, probs=probabilities,
                                       output_dtype=calc)
    return tg.cast(out, dt)


def beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Any:
    """Draws from Beta(``alpha``, ``beta``) as ``X / (X + Y)`` of two gamma draws (seeds ``s`` and ``s + 12``)."""
    dt = _float(dtype)
    calc = "float32" if dt == "bfloat16" else dt
    seed_1 = draw_seed(seed)
    seed_2 = seed_1 + 12
    a = tg.broadcast_to(tg.convert_to_tensor(alpha, calc), shape)
    b = tg.broadcast_to(tg.convert_to_tensor(beta, calc), shape)
    gamma_a = tg.cast(tg.random.stateless_gamma(shape, seed=seed_1, alpha=a, dtype=calc), dt)
    gamma_b = tg.cast(tg.random.stateless_gamma(shape, seed=seed_2, alpha=b, dtype=calc), dt)
    return gamma_a / (gamma_a + gamma_b)
