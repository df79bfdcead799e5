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


def _random_gamma(shape: Any, alpha: Any, seed: int, seed2: int) -> Any:
    """``RandomGamma``: ``shape + alpha.shape`` samples of Gamma(alpha, 1), floored at the dtype's tiny (as
    ``tf.random.gamma``), differentiable in ``alpha``."""
    import numpy as np

    from .._dispatch import applyn
    from ..ops import random_distributions as _d

    shp = _r._shape_vector(shape, "RandomGamma")
    gen = _r.raw_kernel(f"RandomGamma/{alpha.dtype.name}", seed, seed2)
    rnd = applyn(_d.RANDOM_GAMMA, (alpha,), {"shape": tuple(int(d) for d in np.asarray(shp.numpy())), "gen": gen})
    return _d._scaled(rnd, P("ones")([], alpha.dtype), alpha.dtype)


def _random_poisson(shape: Any, rate: Any, seed: int, seed2: int, dtype: Any) -> Any:
    import numpy as np

    from .._dispatch import applyn
    from ..ops import random_distributions as _d

    shp = _r._shape_vector(shape, "RandomPoissonV2")
    gen = _r.raw_kernel(f"RandomPoissonV2/{rate.dtype.name}/{dtype.name}", seed, seed2)
    return applyn(_d.RANDOM_POISSON, (rate,), {"shape": tuple(int(d) for d in np.asarray(shp.numpy())),
                                               "gen": gen, "dtype": dtype._np})


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


# -- the key/counter (V2) stateless ops: Philox at an explicit 64-bit key and 128-bit counter -------------------

_PHILOX, _U64 = 1, (1 << 64) - 1


def _key_counter(seed: Any) -> Any:
    import numpy as np

    import tapegrad as tg

    from ..ops import _philox

    s = np.asarray(seed.numpy()).reshape(-1)
    if s.size != 2:
        from ..errors import InvalidArgumentError

        raise InvalidArgumentError(None, None, f"raw_ops.StatelessRandomGetKeyCounter: seed must have shape [2], "
                                   f"got {list(seed.shape)}.")
    counter, key = _philox.stateless_key_counter(int(s[0]), int(s[1]))
    return (tg.constant(np.array([key], np.uint64)),
            tg.constant(np.array([counter & _U64, counter >> 64], np.uint64)))


def _key_counter_alg(seed: Any) -> Any:
    import tapegrad as tg

    return (*_key_counter(seed), tg.constant(_PHILOX))


def _v2(dist: str) -> Impl:
    """``StatelessRandom*V2(shape, key, counter, alg, ...)``: the draw at that Philox key and counter."""

    def impl(shape: Any, key: Any, counter: Any, alg: Any, dtype: Any = None, minval: Any = None,
             maxval: Any = None) -> Any:
        import numpy as np

        import tapegrad as tg

        from ..errors import InvalidArgumentError
        from ..ops.random_generator import _draw

        a = int(alg.numpy())
        if a not in (1, 3):
            raise InvalidArgumentError(None, None, f"raw_ops.StatelessRandom*V2: alg={a}: tapegrad implements "
                                       "Philox (1) and auto-select (3, which is Philox on CPU), not ThreeFry (2).")
        k = np.asarray(key.numpy()).astype(np.uint64).reshape(-1)
        c = np.asarray(counter.numpy()).astype(np.uint64).reshape(-1)
        if k.size != 1 or c.size < 2:
            raise InvalidArgumentError(None, None, f"raw_ops.StatelessRandom*V2: key needs 1 and counter 2 uint64 "
                                       f"words for Philox, got {k.size} and {c.size}.")
        dims = tuple(int(d) for d in np.asarray(shape.numpy()).reshape(-1))
        out_dt = minval.dtype if minval is not None else dtype
        lo = hi = 0
        if dist == "uniform_int":
            lo, hi = int(minval.numpy()), int(maxval.numpy())
            if lo >= hi:
                raise InvalidArgumentError(None, None, f"raw_ops.StatelessRandomUniformIntV2: need minval < maxval, "
                                           f"got {lo} >= {hi}.")
        v = _draw(dist, int(c[0]) | (int(c[1]) << 64), int(k[0]), dims, np.dtype(out_dt.as_numpy_dtype), lo, hi)
        return tg.constant(v, out_dt)

    return impl


OPS: dict[str, Impl] = {
    "StatelessRandomGetKeyCounter": _key_counter,
    "StatelessRandomGetKeyCounterAlg": _key_counter_alg,
    "StatelessRandomGetAlg": lambda: P("constant")(_PHILOX),
    "StatelessRandomUniformV2": _v2("uniform"),
    "StatelessRandomNormalV2": _v2("normal"),
    "StatelessTruncatedNormalV2": _v2("truncated_normal"),
    "StatelessRandomUniformIntV2": _v2("uniform_int"),
    "StatelessRandomUniformFullIntV2": _v2("full_int"),
    "RandomUniform": _stateful("uniform"),
    "RandomStandardNormal": _stateful("normal"),
    "TruncatedNormal": _stateful("truncated"),
    "RandomUniformInt": _uniform_int,
    "RandomShuffle": _shuffle,
    "RandomGamma": _random_gamma,
    "RandomPoissonV2": _random_poisson,
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
