"""Raw ops of the random family: the stateful ops with ``seed``/``seed2`` attributes (TF's Philox kernels, one
stream per op, dtype and seed pair, continuing across calls and shared with the public op that resolves to the same
pair) and the stateless ops with a ``seed`` tensor."""

from __future__ import annotations

from typing import Any

from .._dispatch import apply1
from ..ops import random_ops as _r
from ._table import Impl, args, kwargs, public

P = public


def _stateful(kind: str) -> Impl:
    op = {"uniform": _r.UNIFORM, "normal": _r.NORMAL, "truncated": _r.TRUNCATED_NORMAL}[kind]
    key = {"uniform": "RandomUniform", "normal": "RandomStandardNormal", "truncated": "TruncatedNormal"}[kind]

    def impl(shape: Any, dtype: Any, seed: int, seed2: int) -> Any:
        shp = _r._shape_vector(shape, key)
        wide = "/int64" if shp.dtype.name == "int64" else ""
        return apply1(op, shp, {"dtype": dtype._np, "gen": _r.raw_kernel(f"{key}/{dtype.name}{wide}",
                                                                                     seed, seed2)})

    return impl


def _uniform_int(shape: Any, minval: Any, maxval: Any, seed: int, seed2: int) -> Any:
    from ..errors import InvalidArgumentError

    shp = _r._shape_vector(shape, "RandomUniformInt")
    if minval.ndim != 0 or maxval.ndim != 0:
        raise InvalidArgumentError(None, None, f"raw_ops.RandomUniformInt: minval and maxval must be scalars, got "
                                   f"shapes {list(minval.shape)} and {list(maxval.shape)}.")
    lo, hi = int(minval.numpy()), int(maxval.numpy())
    if lo >= hi:
        raise InvalidArgumentError(None, None, f"raw_ops.RandomUniformInt: need minval < maxval, got {lo} >= {hi}.")
    wide = "/int64" if shp.dtype.name == "int64" else ""
    gen = _r.raw_kernel(f"RandomUniformInt/{minval.dtype.name}{wide}", seed, seed2)
    return apply1(_r.UNIFORM_INT, shp, {"lo": lo, "hi": hi, "dtype": minval.dtype._np, "gen": gen})


def _shuffle(value: Any, seed: int, seed2: int) -> Any:
    return apply1(_r.SHUFFLE, value, {"gen": _r.raw_kernel(f"RandomShuffle/{value.dtype.name}", seed, seed2)})


def _multinomial(logits: Any, num_samples: Any, seed: int, seed2: int, output_dtype: Any) -> Any:
    lg, n, out_dt = _r.categorical_args(logits, num_samples, output_dtype, "Multinomial")
    gen = _r.raw_kernel(f"Multinomial/{lg.dtype.name}/{out_dt.name}", seed, seed2)
    return apply1(_r.MULTINOMIAL, lg, {"num_samples": n, "dtype": out_dt._np, "gen": gen})


def _stateless(fn: str) -> Impl:
    f = P(f"random.{fn}")

    def impl(shape: Any, seed: Any, dtype: Any) -> Any:
        return f(shape, seed, dtype=dtype)

    return impl


def _stateless_int(shape: Any, seed: Any, minval: Any, maxval: Any) -> Any:
    import tapegrad as tg

    return tg.random.stateless_uniform(shape, seed, minval=minval, maxval=maxval, dtype=minval.dtype)


def _stateless_full_int(shape: Any, seed: Any, dtype: Any) -> Any:
    import tapegrad as tg

    return tg.random.stateless_uniform(shape, seed, minval=None, maxval=None, dtype=dtype)


def _stateless_gamma(shape: Any, seed: Any, alpha: Any) -> Any:
    import tapegrad as tg

    return tg.random.stateless_gamma(shape, seed, alpha, dtype=alpha.dtype)


def _index_shuffle(index: Any, seed: Any, max_index: Any, rounds: int) -> Any:
    """The raw op takes the full 3-word seed (``tf.random.experimental.index_shuffle`` prepends TF's constant to a
    2-word one)."""
    import numpy as np

    from .._dispatch import applyn
    from ..errors import InvalidArgumentError
    from ..ops.random_extra import INDEX_SHUFFLE

    if rounds != 4:
        raise InvalidArgumentError(None, None, f"raw_ops.RandomIndexShuffle: only rounds=4 (TF's default) is "
                                   f"implemented, got {rounds}.")
    s, iv, tv = (np.asarray(t.numpy()) for t in (seed, index, max_index))
    if not (s.shape == (3,) or (s.ndim == 2 and s.shape[1] == 3)):
        raise InvalidArgumentError(None, None, f"raw_ops.RandomIndexShuffle: seed must have shape [3] or [n, 3], got "
                                   f"{list(s.shape)}.")
    if iv.ndim > 1 or tv.ndim > 1 or (iv < 0).any() or (np.broadcast_to(tv, np.broadcast_shapes(
            tv.shape, iv.shape)) < iv).any():
        raise InvalidArgumentError(None, None, "raw_ops.RandomIndexShuffle: index and max_index must be scalars or "
                                   "vectors with 0 <= index <= max_index.")
    return applyn(INDEX_SHUFFLE, (index, seed, max_index), {})


OPS: dict[str, Impl] = {
    "RandomUniform": _stateful("uniform"),
    "RandomStandardNormal": _stateful("normal"),
    "TruncatedNormal": _stateful("truncated"),
    "RandomUniformInt": _uniform_int,
    "RandomShuffle": _shuffle,
    "Multinomial": _multinomial,
    "StatelessRandomUniform": _stateless("stateless_uniform"),
    "StatelessRandomNormal": _stateless("stateless_normal"),
    "StatelessTruncatedNormal": _stateless("stateless_truncated_normal"),
    "StatelessRandomUniformInt": _stateless_int,
    "StatelessRandomUniformFullInt": _stateless_full_int,
    "StatelessMultinomial": kwargs(P("random.stateless_categorical"), {"logits": "logits",
                                                                       "num_samples": "num_samples", "seed": "seed",
                                                                       "output_dtype": "dtype"}),
    "StatelessRandomBinomial": kwargs(P("random.stateless_binomial"), {"shape": "shape", "seed": "seed",
                                                                       "counts": "counts", "probs": "probs",
                                                                       "dtype": "output_dtype"}),
    "StatelessRandomGammaV2": _stateless_gamma,
    "StatelessRandomPoisson": args(P("random.stateless_poisson"), "shape", "seed", "lam", "dtype"),
    "StatelessParameterizedTruncatedNormal": args(P("random.stateless_parameterized_truncated_normal"), "shape",
                                                  "seed", "means", "stddevs", "minvals", "maxvals"),
    "RandomIndexShuffle": _index_shuffle,
}
