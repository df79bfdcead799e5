"""``tf.random.Generator`` and the ``tf.random.stateless_*`` ops, with TensorFlow's Philox streams bit for bit.

Like the seeded stateful ``tf.random.normal`` family (:mod:`tapegrad.ops.random_ops`), these draw from TF's own
algorithm (:mod:`tapegrad.ops._philox`), so ``Generator.from_seed(42).normal`` and ``stateless_normal(seed=[1, 2])``
give TensorFlow's numbers (on glibc exactly; elsewhere float32 normals to within one ulp: see
:mod:`tapegrad.ops._libm`).

A Generator's state is an int64 :class:`~tapegrad.Variable` ``[counter_lo, counter_hi, key]``; each draw is a pure
function of the state followed by ``state.assign(advanced)``. Inside ``tapegrad.function`` that is an ordinary
variable read and update, so a Generator made outside advances on every call, in program order, and making one
inside on every call is refused like any Variable (TF's ``ValueError``).
"""

from __future__ import annotations

import enum
import os
import threading
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import applyn
from .._registry import defop, spec
from .._tensor import Tensor, Variable, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import _philox
from ._common import to_tensor
from .core import convert_to_tensor
from .random_ops import _float_dtype, _shape_vector, _trivial

_U64 = (1 << 64) - 1
_STATE_SIZE = 3  # Philox: 128-bit counter + 64-bit key, as int64 words


class Algorithm(enum.Enum):
    """TF's RNG algorithms (``tf.random.Algorithm``); tapegrad implements Philox (what ``AUTO_SELECT`` picks on
    CPU)."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _alg(alg: Any) -> int:
    if alg is None:
        return Algorithm.PHILOX.value
    if isinstance(alg, Algorithm):
        alg = alg.value
    if isinstance(alg, str):
        names = {"philox": 1, "threefry": 2, "auto_select": 3}
        if alg.lower() not in names:
            raise ValueError(f"Argument `alg` got unsupported string value {alg!r}. Supported string values are "
                             "'philox' for the Philox algorithm, 'threefry' for the ThreeFry algorithm, and "
                             "'auto_select' for auto-selection.")
        alg = names[alg.lower()]
    alg = int(alg)
    if alg == Algorithm.THREEFRY.value:
        raise ValueError("tapegrad.random: the ThreeFry algorithm is not available; use 'philox' (TF's default and "
                         "its CPU auto-selection).")
    if alg not in (1, 3):
        raise ValueError(f"tapegrad.random: unknown RNG algorithm {alg}; use Algorithm.PHILOX.")
    return Algorithm.PHILOX.value


# -- ops: pure functions of a Philox state (Generator) or of a seed pair (stateless) --------------------------------


def _draw(dist: str, counter: int, key: int, shape: tuple[int, ...], dtype: np.dtype, lo: int, hi: int) -> Any:
    n = int(np.prod(shape, dtype=np.int64))
    if dist == "normal":
        v = _philox.normal(counter, key, n, dtype)
    elif dist == "uniform":
        v = _philox.uniform(counter, key, n, dtype)
    elif dist == "truncated_normal":
        v = _philox.truncated_normal(counter, key, n, dtype)
    elif dist == "uniform_int":
        v = _philox.uniform_int(counter, key, n, lo, hi, dtype)
    else:  # "full_int": every bit pattern of the dtype
        v = _philox.full_int(counter, key, n, dtype)
    return v.reshape(shape)


def _state_ints(state: Any) -> tuple[int, int]:
    s = [int(w) & _U64 for w in np.asarray(state).reshape(-1)[:_STATE_SIZE]]
    return s[0] | (s[1] << 64), s[2]


def _rng_fwd(F: Any, state: Any, shape: Any, *, dist: str, dtype: np.dtype, lo: int = 0, hi: int = 0) -> Any:
    counter, key = _state_ints(state)
    return F.asarray(_draw(dist, counter, key, tuple(int(d) for d in np.asarray(shape)), dtype, lo, hi))


def _advance_fwd(F: Any, state: Any, *, delta: int) -> Any:
    counter, key = _state_ints(state)
    counter = (counter + delta) & ((1 << 128) - 1)
    words = [counter & _U64, counter >> 64, key]
    return F.asarray(np.array(words, dtype=np.uint64).view(np.int64))


def _stateless_fwd(F: Any, seed: Any, shape: Any, *, dist: str, dtype: np.dtype, lo: int = 0, hi: int = 0) -> Any:
    s = np.asarray(seed).reshape(-1)
    counter, key = _philox.stateless_key_counter(int(s[0]), int(s[1]))
    return F.asarray(_draw(dist, counter, key, tuple(int(d) for d in np.asarray(shape)), dtype, lo, hi))


def _rng_spec(call: Any) -> dict[str, Any]:
    return spec(call, lambda rng: (), ref=None, grad=(), order2=False, tf=False)


_SPEC_GENERATOR: list[Any] = []


def _spec_generator() -> Any:
    """One Generator for the op tests (made outside the compiled calls, as a Generator must be), reset on every call
    (a Variable update, so compiled calls reset it too): every call draws the same values."""
    if not _SPEC_GENERATOR:
        _SPEC_GENERATOR.append(Generator.from_seed(3))
    _SPEC_GENERATOR[0].reset_from_seed(3)
    return _SPEC_GENERATOR[0]


RNG_DRAW = defop("rng_draw", _rng_fwd, None,
                 test=_rng_spec(lambda tf: _spec_generator().normal([3, 2], dtype=tf.float64)))
RNG_ADVANCE = defop("rng_advance", _advance_fwd, None,
                    test=_rng_spec(lambda tf: _spec_generator().uniform([2], dtype=tf.float64)))
STATELESS = defop("stateless_random", _stateless_fwd, None,
                  test=_rng_spec(lambda tf: tf.random.stateless_normal([3], [1, 2], dtype=tf.float64)))


# -- argument checks shared by the Generator methods and the stateless ops ------------------------------------------


def _int_bounds(minval: Any, maxval: Any, dt: _dtypes.DType, op: str) -> tuple[int, int]:
    lo = convert_to_tensor(minval, dtype=dt)
    hi = convert_to_tensor(maxval, dtype=dt)
    for label, t in (("minval", lo), ("maxval", hi)):
        if t.ndim != 0:
            raise InvalidArgumentError(f"{op}: {label} must be 0-D, got shape {list(t.shape)}.")
    lo_v, hi_v = int(static_value(lo)), int(static_value(hi))
    if lo_v >= hi_v:
        raise InvalidArgumentError(f"{op}: Need minval < maxval, got {lo_v} >= {hi_v}.")
    return lo_v, hi_v


def _sample(run: Any, op: str, dist: str, shape: Any, dtype: Any, mean_or_lo: Any = None,
            scale_or_hi: Any = None) -> Tensor:
    """One draw: ``run(shape_tensor, params)`` makes the raw sample; floats are then scaled as TF does."""
    shp = _shape_vector(shape, op)
    if dist == "uniform":
        dt = _dtypes.as_dtype(dtype)
        if dt.name not in ("float16", "bfloat16", "float32", "float64", "int32", "int64", "uint32", "uint64"):
            raise ValueError(f"{op}: dtype {dt.name} is not supported (float16, bfloat16, float32, float64, int32, "
                             "int64, uint32, uint64).")
        minval, maxval = mean_or_lo, scale_or_hi
        if dt.is_integer:
            if minval is None and maxval is None:
                return run(shp, {"dist": "full_int", "dtype": dt._np})
            if minval is None or maxval is None:
                raise ValueError(f"{op}: for integer dtype {dt!r}, minval and maxval must be both None (the full "
                                 f"range) or both given; got minval={minval!r} and maxval={maxval!r}.")
            lo, hi = _int_bounds(minval, maxval, dt, op)
            return run(shp, {"dist": "uniform_int", "dtype": dt._np, "lo": lo, "hi": hi})
        minval = 0 if minval is None else minval
        maxval = 1 if maxval is None else maxval
        rnd = run(shp, {"dist": "uniform", "dtype": dt._np})
        if _trivial(minval, 0) and _trivial(maxval, 1):
            return rnd
        lo_t = convert_to_tensor(minval, dtype=dt)
        hi_t = convert_to_tensor(maxval, dtype=dt)
        return rnd * (hi_t - lo_t) + lo_t
    dt = _float_dtype(dtype, op)
    mean, stddev = mean_or_lo, scale_or_hi
    rnd = run(shp, {"dist": dist, "dtype": dt._np})
    if _trivial(mean, 0.0) and _trivial(stddev, 1.0):
        return rnd
    return rnd * convert_to_tensor(stddev, dtype=dt) + convert_to_tensor(mean, dtype=dt)


# -- tf.random.Generator --------------------------------------------------------------------------------------------


def _state_from_seed(seed: Any, size: int = _STATE_SIZE, op: str = "Generator.from_seed") -> np.ndarray:
    """TF's ``create_rng_state``: an int seed is cut into ``size`` 64-bit words (low first); a 1-D seed is
    left-padded with zeros (so a short seed lands in the key, not the counter)."""
    if isinstance(seed, _TensorLike):
        seed = seed.numpy()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        seed = int(seed)
        words = []
        for _ in range(size):
            words.append(seed & _U64)
            seed >>= 64
        return np.array(words, dtype=np.uint64).view(np.int64)
    arr = np.asarray(seed)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: a seed must be an integer or a 1-D array of integers, got {seed!r}.")
    if arr.ndim != 1:
        raise ValueError(f"seed should only have one dimension; got shape: {arr.shape}")
    arr = arr.astype(np.uint64)[:size]
    arr = np.concatenate([np.zeros(size - arr.size, dtype=np.uint64), arr])
    return arr.view(np.int64)


class Generator:
    """A random number generator with an explicit state (TF's ``tf.random.Generator``, Philox algorithm).

    Draws give TensorFlow's values for the same state. The state lives in an int64 Variable, so a Generator made
    outside a ``tapegrad.function`` advances on every call of the function; make it outside, or only on the
    first call (like a Variable).

    >>> import tapegrad as tf
    >>> g = tf.random.Generator.from_seed(42)
    >>> g.normal([2]).numpy()
    array([-0.7565803 , -0.06854702], dtype=float32)
    >>> g.state.numpy()
    array([554,   0,   0])
    >>> g.uniform([3], maxval=10, dtype=tf.int32).numpy()
    array([9, 2, 1], dtype=int32)
    """

    def __init__(self, copy_from: Generator | None = None, state: Any = None, alg: Any = None) -> None:
        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("When `copy_from` is not None, neither `state` nor `alg` may be given.")
            state, alg = copy_from.state.numpy(), copy_from.algorithm
        elif state is None:
            raise ValueError("Generator: give `copy_from` or `state` (or use Generator.from_seed / "
                             "from_non_deterministic_state).")
        self._alg = _alg(alg)
        value = np.asarray(state.numpy() if isinstance(state, _TensorLike) else state)
        if value.shape != (_STATE_SIZE,):
            raise ValueError(f"Generator: a Philox state has shape [{_STATE_SIZE}], got {list(value.shape)}.")
        self._state_var = Variable(value.astype(np.uint64).view(np.int64) if value.dtype.kind == "u" else
                                   value.astype(np.int64), trainable=False, name="StateVar", dtype=_dtypes.int64)

    # -- constructors -----------------------------------------------------------------------------------------------
    @classmethod
    def from_state(cls, state: Any, alg: Any) -> Generator:
        """A generator with the given state (an int64 vector ``[counter_lo, counter_hi, key]`` for Philox)."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        """A generator whose state is made from ``seed`` exactly as TF makes it (``from_seed(42)`` has state
        ``[42, 0, 0]``)."""
        return cls(state=_state_from_seed(seed), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        """A generator seeded from OS entropy."""
        return cls(state=np.frombuffer(os.urandom(8 * _STATE_SIZE), dtype=np.int64).copy(), alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> Generator:
        """A generator from a Philox key (a scalar) and counter (two 64-bit words)."""
        k = np.asarray(key.numpy() if isinstance(key, _TensorLike) else key).reshape(-1)
        c = np.asarray(counter.numpy() if isinstance(counter, _TensorLike) else counter).reshape(-1)
        if k.size != 1 or c.size != 2:
            raise ValueError(f"Generator.from_key_counter: key must be a scalar and counter have 2 words, got "
                             f"{k.size} and {c.size}.")
        return cls(state=np.concatenate([c, k]).astype(np.uint64).view(np.int64), alg=alg)

    # -- state ------------------------------------------------------------------------------------------------------
    @property
    def state(self) -> Variable:
        """The int64 state Variable ``[counter_lo, counter_hi, key]``."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        """The algorithm's number (1: Philox)."""
        return self._alg

    @property
    def key(self) -> Tensor:
        """The Philox key (the state's last word)."""
        return self._state_var[-1]

    def reset(self, state: Any) -> None:
        """Set the state (same shape and dtype)."""
        self._state_var.assign(convert_to_tensor(state, dtype=_dtypes.int64))

    def reset_from_seed(self, seed: Any) -> None:
        """Reset the state as :meth:`from_seed` makes it."""
        self._state_var.assign(make(_state_from_seed(seed), self._state_var._xp))

    def reset_from_key_counter(self, key: Any, counter: Any) -> None:
        """Reset the state from a key and counter."""
        self._state_var.assign(Generator.from_key_counter(key, counter, self._alg).state.numpy())

    def skip(self, delta: Any) -> None:
        """Advance the counter by ``delta`` (TF's unit: 256 per value drawn)."""
        d = int(static_value(to_tensor(delta)))
        self._state_var.assign(applyn(RNG_ADVANCE, (self._state_var,), {"delta": d}))

    # -- draws ------------------------------------------------------------------------------------------------------
    def _run(self, shp: Tensor, params: dict[str, Any]) -> Tensor:
        out = applyn(RNG_DRAW, (self._state_var, shp), params)
        n = int(np.prod(np.asarray(shp._value), dtype=np.int64))
        self._state_var.assign(applyn(RNG_ADVANCE, (self._state_var,), {"delta": _philox.SKIP_PER_OUTPUT * n}))
        return out

    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
               name: str | None = None) -> Tensor:
        """Normal samples ``standard_normal * stddev + mean`` (gradients flow to tensor mean/stddev)."""
        return _sample(self._run, "Generator.normal", "normal", shape, dtype, mean, stddev)

    def truncated_normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                         name: str | None = None) -> Tensor:
        """Normal samples redrawn until within two standard deviations of the mean."""
        return _sample(self._run, "Generator.truncated_normal", "truncated_normal", shape, dtype, mean, stddev)

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
                name: str | None = None) -> Tensor:
        """Uniform samples in ``[minval, maxval)``; integer dtypes need ``maxval`` (or neither bound: every
        value of the dtype)."""
        return _sample(self._run, "Generator.uniform", "uniform", shape, dtype, minval, maxval)

    def uniform_full_int(self, shape: Any, dtype: Any = _dtypes.uint64, name: str | None = None) -> Tensor:
        """Integers covering the whole range of ``dtype`` (int32, int64, uint32, uint64)."""
        return _sample(self._run, "Generator.uniform_full_int", "uniform", shape, dtype)

    def binomial(self, shape: Any, counts: Any, probs: Any, dtype: Any = _dtypes.int32,
                 name: str | None = None) -> Tensor:
        """Binomial(``counts``, ``probs``) samples of the full shape ``shape`` (ending with the parameters'
        broadcast shape): TF's values for this state, which advances as TF's (not differentiable: LookupError).

        >>> import tapegrad as tf
        >>> tf.random.Generator.from_seed(5).binomial([2, 3], counts=[10.0, 50.0, 200.0], probs=0.5).numpy()
        array([[  5,  25, 109],
               [  5,  23,  95]], dtype=int32)
        """
        from .random_distributions import GENERATOR_BINOMIAL, binomial_calls, binomial_params

        full, c, p, dt = binomial_params(shape, counts, probs, dtype, "Generator.binomial", stateless=False)
        out = applyn(GENERATOR_BINOMIAL, (self._state_var, c, p), {"shape": full, "dtype": dt._np})
        self._state_var.assign(applyn(RNG_ADVANCE, (self._state_var,), {"delta": binomial_calls(full, c, p)}))
        return out

    def make_seeds(self, count: int = 1) -> Tensor:
        """``[2, count]`` int64 seeds for stateless ops (TF: random keys over zeros)."""
        keys = self.uniform_full_int([count], dtype=_dtypes.int64)
        from .core import zeros_like
        from .joining import stack

        return stack([keys, zeros_like(keys)])

    def split(self, count: int = 1) -> list[Generator]:
        """``count`` new generators keyed by random keys from this one (TF's ``split``)."""
        keys = self.uniform_full_int([count], dtype=_dtypes.int64).numpy()
        return [Generator(state=np.array([0, 0, k], dtype=np.int64), alg=self._alg) for k in keys]


_GLOBAL: dict[str, Generator] = {}
_GLOBAL_LOCK = threading.Lock()


def get_global_generator() -> Generator:
    """The process-wide Generator (made from OS entropy on first use; see :func:`set_global_generator`)."""
    with _GLOBAL_LOCK:
        if "g" not in _GLOBAL:
            _GLOBAL["g"] = Generator.from_non_deterministic_state()
        return _GLOBAL["g"]


def set_global_generator(generator: Generator) -> None:
    """Replace the global Generator (functions that captured the old one keep using it, as in TF)."""
    with _GLOBAL_LOCK:
        _GLOBAL["g"] = generator


# -- stateless ops --------------------------------------------------------------------------------------------------


def _stateless_runner(seed: Any, op: str) -> Any:
    s = seed if isinstance(seed, _TensorLike) else convert_to_tensor(seed)
    if s.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: seed must be int32 or int64, got {s.dtype.name}.")
    if tuple(s.shape) != (2,):
        raise InvalidArgumentError(f"{op}: seed must have shape [2], not {list(s.shape)}.")

    def run(shp: Tensor, params: dict[str, Any]) -> Tensor:
        return applyn(STATELESS, (s, shp), params)

    return run


def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                     name: str | None = None, alg: Any = "auto_select") -> Tensor:
    """Normal samples that depend only on ``seed`` (two integers) and the shape: TF's values, every call.

    >>> import tapegrad as tf
    >>> tf.random.stateless_normal([2], seed=[1, 2]).numpy()
    array([0.5441101 , 0.20738031], dtype=float32)
    """
    _alg(alg)
    return _sample(_stateless_runner(seed, "stateless_normal"), "stateless_normal", "normal", shape, dtype,
                   mean, stddev)


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = _dtypes.float32, name: str | None = None,
                               alg: Any = "auto_select") -> Tensor:
    """Truncated normal samples (within two standard deviations) that depend only on ``seed`` and the shape.

    >>> import tapegrad as tf
    >>> bool(abs(tf.random.stateless_truncated_normal([100], seed=[3, 4]).numpy()).max() < 2)
    True
    """
    _alg(alg)
    return _sample(_stateless_runner(seed, "stateless_truncated_normal"), "stateless_truncated_normal",
                   "truncated_normal", shape, dtype, mean, stddev)


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
                      name: str | None = None, alg: Any = "auto_select") -> Tensor:
    """Uniform samples in ``[minval, maxval)`` that depend only on ``seed`` and the shape. Integer dtypes need
    ``maxval``, or ``minval=None, maxval=None`` for the full range.

    >>> import tapegrad as tf
    >>> tf.random.stateless_uniform([3], seed=[1, 2], maxval=10, dtype=tf.int32).numpy()
    array([0, 9, 4], dtype=int32)
    """
    _alg(alg)
    return _sample(_stateless_runner(seed, "stateless_uniform"), "stateless_uniform", "uniform", shape, dtype,
                   minval, maxval)


def stateless_split(seed: Any, num: int = 2, alg: Any = "auto_select") -> Tensor:
    """``num`` new seed pairs (shape ``[num, 2]``, the seed's dtype) derived from ``seed``: TF's values.

    >>> import tapegrad as tf
    >>> tf.random.experimental.stateless_split([1, 2], num=1).numpy()
    array([[1105988140, 1738052849]], dtype=int32)
    """
    s = seed if isinstance(seed, _TensorLike) else convert_to_tensor(seed)
    if not s.dtype.is_integer:
        raise ValueError(f"stateless_split: a seed is two integers (int32 or int64), got {s.dtype.name}.")
    return stateless_uniform([num, 2], s, minval=None, maxval=None, dtype=s.dtype, alg=alg)


def stateless_fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """A new seed pair from ``seed`` and an integer ``data`` (TF's ``[stateless full-range draw, data]``).

    >>> import tapegrad as tf
    >>> tf.random.experimental.stateless_fold_in([1, 2], 7).numpy().tolist()[1]
    7
    """
    s = seed if isinstance(seed, _TensorLike) else convert_to_tensor(seed)
    d = convert_to_tensor(data)  # TF: the new seed has data's dtype (int32 for a Python int)
    first = stateless_uniform([], s, minval=None, maxval=None, dtype=d.dtype, alg=alg)
    from .joining import stack

    return stack([first, d])


EXPORTS: dict[str, list[str]] = {
    "random": ["Generator", "Algorithm", "get_global_generator", "set_global_generator", "stateless_normal",
               "stateless_truncated_normal", "stateless_uniform"],
    "random.experimental": ["Generator", "Algorithm", "get_global_generator", "set_global_generator",
                            "stateless_split", "stateless_fold_in"],
}
