"""Dropout: ``tf.nn.dropout`` and ``tf.nn.experimental.stateless_dropout``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InvalidArgumentError
from . import core, random_ops
from ._common import to_tensor
from ._nn_common import _zeros_where

# -- dropout ---------------------------------------------------------------------------------------------------


# The keep-mask is an input (not a parameter): inside a compiled function it is computed from the random op's
# output on every call, so each call drops different elements (TF); a parameter would be frozen at trace time.
def _dropout_fwd(F: Any, x: Any, mask: Any, scale: float) -> Any:
    return F.where(mask, x * scale, 0)


def _dropout_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_zeros_where(F, ins[1], g * p["scale"]), None)


def _dropout_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return _zeros_where(F, ins[1], ts[0] * p["scale"])


def _seeded_dropout(tf: Any, x: Any, **kw: Any) -> Any:
    # the stateless form: the same mask on every call, eager and compiled (tf.nn.dropout's mask changes per call)
    return tf.nn.experimental.stateless_dropout(x, seed=[1, 2], **kw)


DROPOUT = defop("dropout", _dropout_fwd, _dropout_vjp, _dropout_jvp, linear=True, test=[
    spec(lambda tf, x: _seeded_dropout(tf, x, rate=0.5), lambda rng: (rng.normal(size=(4, 5)),), tf=False),
    spec(lambda tf, x: _seeded_dropout(tf, x, rate=0.25, noise_shape=[4, 1]), lambda rng: (rng.normal(size=(4, 5)),),
         tf=False, name="noise_shape"),
])



def _uniform_sample(shape: tuple[int, ...], dtype: np.dtype, seed: Any) -> Tensor:
    """Uniform [0, 1) samples for dropout's mask, drawn as TF does: ``random.uniform(noise_shape, seed=seed,
    dtype=x.dtype)``, so TF's global + op seed model applies."""
    return random_ops.uniform(list(shape), dtype=dtype.name, seed=seed)


def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: Any = None, name: str | None = None) -> Tensor:
    """Zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    ``noise_shape`` (broadcast against ``x``; ``None`` entries take ``x``'s size) shares one decision across
    broadcast axes. Seeding follows ``tapegrad.random`` (TF's global + op seed rules); the random stream itself
    differs from TF's. ``rate == 0`` returns ``x`` unchanged. Inside a compiled function each call draws a new
    mask, as in TF.

    >>> import tapegrad as tf
    >>> y = tf.nn.dropout(tf.ones([1000]), rate=0.5, seed=1)
    >>> sorted(set(y.numpy().tolist()))
    [0.0, 2.0]
    """
    return _dropout(x, rate, noise_shape, lambda ns, dt: _uniform_sample(ns, dt, seed))


def stateless_dropout(x: Any, rate: Any, seed: Any, rng_alg: Any = None, noise_shape: Any = None,
                      name: str | None = None) -> Tensor:
    """Dropout whose mask depends only on ``seed`` (two integers): ``tf.nn.experimental.stateless_dropout``.

    The mask is ``stateless_uniform(noise_shape, seed, dtype=x.dtype) >= rate``, TF's own values, so the same seed
    drops the same elements as TensorFlow, on every call.

    >>> import tapegrad as tf
    >>> tf.nn.experimental.stateless_dropout(tf.ones([4]), rate=0.5, seed=[1, 2]).numpy()
    array([2., 0., 2., 0.], dtype=float32)
    """
    from .random_generator import stateless_uniform

    return _dropout(x, rate, noise_shape,
                    lambda ns, dt: stateless_uniform(list(ns), seed, dtype=dt.name, alg=rng_alg or "auto_select"))


def _dropout(x: Any, rate: Any, noise_shape: Any, sampler: Callable[[tuple[int, ...], np.dtype], Tensor]) -> Tensor:
    t = to_tensor(x)
    if isinstance(rate, _TensorLike):
        if rate._value.ndim != 0:
            raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate!r}")
        r = float(static_value(rate))
    elif isinstance(rate, (int, float, np.integer, np.floating)) and not isinstance(rate, bool):
        r = float(rate)
    else:
        raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate!r}")
    if not 0 <= r < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}")
    if t._value.dtype.kind != "f":
        raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. Received: "
                         f"x_dtype={t.dtype.name}")
    if r == 0 and not isinstance(rate, _TensorLike):
        return t if type(t) is Tensor else core.identity(t)
    xs = tuple(t._value.shape)
    if noise_shape is None:
        ns = xs
    else:
        if isinstance(noise_shape, _TensorLike):
            noise_shape = noise_shape.numpy().tolist()
        dims = list(noise_shape)
        if len(dims) == len(xs):
            dims = [xs[i] if d is None else d for i, d in enumerate(dims)]
        ns = tuple(int(d) for d in dims)
    try:
        np.broadcast_shapes(ns, xs)
    except ValueError:
        raise InvalidArgumentError(
            f"dropout: noise_shape {list(ns)} does not broadcast against x of shape {list(xs)}.") from None
    dt = t._value.dtype
    mask = sampler(ns, dt) >= dt.type(r)
    scale = float(dt.type(1 / (1 - r)))  # TF converts 1/keep_prob to x's dtype
    return applyn(DROPOUT, (t, mask), {"scale": scale})


EXPORTS: dict[str, list[str]] = {
    "nn": [
        "dropout",
    ],
    "nn.experimental": [
        "stateless_dropout",
    ],
}
