"""``tf.random``: the stateful random ops with TensorFlow's seeding model and, when seeded, TensorFlow's values.

The model (``tf.random.set_seed``'s documented rules), per op call with op seed ``seed``:

1. no global seed, ``seed=None``: nondeterministic. tapegrad draws from NumPy's ``Generator`` on fresh OS entropy
   (faster than Philox; TF's values are not reproducible here either);
2. global seed ``g`` set, ``seed=None``: the op seed is the next value of a counter seeded by ``g`` (TF's
   ``context.internal_operation_seed()``: Python's ``random.Random(g).randint(0, 2**31 - 1)``), so after
   ``set_seed(g)`` the *sequence* of calls is reproducible and ``set_seed(g)`` again replays it;
3. no global seed, ``seed`` given: TF's default global seed (87654321) is used with ``seed``;
4. both given: the pair ``(g, seed)``.

In cases 2-4 the op runs TF's stateful kernel for that seed pair: one kernel per op type, dtype and pair (TF's
eager kernel cache), holding a Philox stream (key ``g``, counter ``seed << 64``) that continues on every call;
:func:`set_seed` (any value, even the same one) clears them. The samples are TF's own (:mod:`._philox`), so
``tapegrad.random.normal([3], seed=1)`` equals ``tf.random.normal([3], seed=1)`` bit for bit, as do ``uniform``
(float and int), ``truncated_normal``, ``shuffle`` and ``categorical``. Inside a compiled function's trace
:func:`op_generator` returns a :class:`RandomKernel` instead (TF's graph seeds; see that class).

Other modules that draw as a TF op does (``nn.dropout`` …) call :func:`op_generator` or the public ops; tapegrad's
own seed choices (Keras defaults, dataset shuffles) use :func:`internal_generator`.

Gradients (as TF, which builds these from differentiable arithmetic): ``normal``/``truncated_normal`` are
``sample * stddev + mean`` and ``uniform`` is ``sample * (maxval - minval) + minval``, so gradients flow to
tensor ``mean``/``stddev``/``minval``/``maxval``; the samples themselves, ``shuffle`` and ``categorical`` have no
gradient (``None``).
"""

from __future__ import annotations

import math
import os
import random as _pyrandom
import threading
import weakref
import zlib
from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import apply1
from .._registry import defop, spec
from .._tape import local
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError
from . import _philox
from ._common import intra_op_threads, to_tensor
from .core import convert_to_tensor

DEFAULT_GLOBAL_SEED = 87654321  # TF's DEFAULT_GRAPH_SEED: the global seed used when only an op seed is given
_MAXINT32 = 2**31 - 1

# -- the seed model ------------------------------------------------------------------------------------------------


class _SeedState:
    """Process-wide seed state (TF keeps it on the eager context, shared by all threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.global_seed: int | None = None
        self.op_seeds = _pyrandom.Random()  # TF: context._rng, the counter behind rule 2
        self.streams: dict[tuple[str, int, int], _philox.KernelState] = {}  # TF: the eager kernel cache
        self.sequence: np.random.Generator | None = None  # internal_generator(): tapegrad's own seeds, per set_seed
        self._entropy: np.random.Generator | None = None  # rule 1; made on first use (keeps import light)
        self.epoch = 0  # bumped by set_seed: compiled programs' random kernels restart (TF clears its kernel cache)

    @property
    def entropy(self) -> np.random.Generator:
        if self._entropy is None:
            self._entropy = np.random.default_rng()
        return self._entropy

    def reseed_entropy(self) -> None:
        self._entropy = None


_STATE = _SeedState()
if hasattr(os, "register_at_fork"):  # forked workers must not replay the parent's nondeterministic stream
    os.register_at_fork(after_in_child=_STATE.reseed_entropy)


def _seed_int(seed: Any, what: str) -> int:
    if isinstance(seed, _TensorLike):
        seed = seed.numpy()
    if isinstance(seed, np.ndarray):
        if seed.size != 1:
            raise TypeError(f"{what}: a seed must be a single integer, got an array of shape {seed.shape}.")
        seed = seed.reshape(()).item()
    if isinstance(seed, bool) or not isinstance(seed, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what}: a seed must be an integer, got {seed!r} ({type(seed).__name__}).")
    return int(seed % _MAXINT32) if isinstance(seed, (float, np.floating)) else int(seed)


def set_seed(seed: Any) -> None:
    """Set the global random seed (``None`` clears it); resets every seeded random sequence.

    After ``set_seed(s)`` the sequence of random values produced by the program is reproducible: calling
    ``set_seed(s)`` again replays it. The values are TensorFlow's for the same program (see the module docstring).

    >>> import tapegrad as tf
    >>> tf.random.set_seed(7)
    >>> a = tf.random.uniform([2]).numpy(); b = tf.random.uniform([2]).numpy()
    >>> tf.random.set_seed(7)
    >>> (tf.random.uniform([2]).numpy() == a).all(), (tf.random.uniform([2]).numpy() == b).all()
    (np.True_, np.True_)
    """
    value = None if seed is None else _seed_int(seed, "set_seed")
    with _STATE.lock:
        _STATE.global_seed = value
        _STATE.op_seeds = _pyrandom.Random(value)
        _STATE.streams.clear()
        _STATE.sequence = None
        _STATE.epoch += 1


def get_seed(op_seed: Any) -> tuple[int | None, int | None]:
    """The (global seed, op seed) pair an op with seed ``op_seed`` uses (TF's ``tf.compat.v1.random.get_seed``).

    Calling it with ``op_seed=None`` while a global seed is set advances TF's op-seed counter, as the random ops
    do (rule 2 in the module docstring).

    >>> import tapegrad as tf
    >>> from tapegrad.ops.random_ops import get_seed
    >>> tf.random.set_seed(None)
    >>> get_seed(None), get_seed(5)
    ((None, None), (87654321, 5))
    """
    with _STATE.lock:
        return _get_seed_locked(op_seed)


def _get_seed_locked(op_seed: Any) -> tuple[int | None, int | None]:
    g = _STATE.global_seed
    if g is not None:
        if op_seed is None:
            op_seed = _STATE.op_seeds.randint(0, _MAXINT32)
        seeds: tuple[int | None, int | None] = (g % _MAXINT32, _seed_int(op_seed, "seed") % _MAXINT32)
    elif op_seed is not None:
        seeds = (DEFAULT_GLOBAL_SEED, _seed_int(op_seed, "seed") % _MAXINT32)
    else:
        return None, None
    return (0, _MAXINT32) if seeds == (0, 0) else seeds


_MAX_KERNELS = 1 << 16  # TF's kernel cache never forgets; tapegrad forgets the oldest seeded kernels past this


def op_generator(seed: Any = None, op: str = "RandomUniform/float32") -> Any:
    """The random state a stateful random op with op seed ``seed`` draws from, following TF's seeding model.

    ``op`` names the kernel (TF keeps one stateful kernel per op type, dtype and seed pair): tapegrad's own ops
    use ``"RandomUniform/<dtype>"``, ``"RandomUniformInt/<dtype>"``, ``"RandomStandardNormal/<dtype>"``,
    ``"TruncatedNormal/<dtype>"`` (``/int64`` appended for an int64 shape tensor), ``"RandomShuffle/<dtype>"`` and
    ``"Multinomial/<logits dtype>/<output dtype>"``; pass the key TF's
    implementation would use to share its stream exactly as TF does. With seeds (a global seed, an op seed or
    both) the result is that kernel's :class:`~tapegrad.ops._philox.KernelState`: TF's Philox stream for the pair
    :func:`get_seed` gives, which continues on every call and is reset by :func:`set_seed`, so the values are
    TensorFlow's. Without any seed it is a NumPy ``Generator`` on fresh OS entropy (TF's values are not
    reproducible then either; NumPy's sampling is faster). While a ``tapegrad.function`` traces, the result is a
    :class:`RandomKernel` to be passed to the op as a parameter, so that the program draws anew on every call.
    Draw from the returned state right away.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.random_ops import op_generator
    >>> tf.random.set_seed(3)
    >>> k = op_generator(1, "RandomUniform/float32")
    >>> (k.key, k.counter >> 64)
    (3, 1)
    """
    tracer = local.tracer
    if tracer is not None:
        return _kernel_for_trace(tracer, seed, op)
    with _STATE.lock:
        if seed is None and _STATE.global_seed is None:
            return _STATE.entropy
        g, o = _get_seed_locked(seed)  # without an op seed this draws the next one from TF's per-context counter
        assert g is not None and o is not None
        key = (op, g, o)
        kernel = _STATE.streams.get(key)
        if kernel is None:
            if len(_STATE.streams) >= _MAX_KERNELS:
                del _STATE.streams[next(iter(_STATE.streams))]
            kernel = _STATE.streams[key] = _philox.KernelState(g, o)
        return kernel


def raw_kernel(op: str, seed: int, seed2: int) -> Any:
    """The stream of a raw stateful random op called with explicit ``seed``/``seed2`` attributes
    (``tf.raw_ops.RandomUniform(..., seed=, seed2=)``): TF's kernel for that op and seed pair, shared with the public
    op that resolves to the same pair and continuing across calls; ``(0, 0)`` draws nondeterministically, as TF.
    While tracing it is a :class:`RandomKernel` of that pair."""
    if seed == 0 and seed2 == 0:
        return op_generator(None, op) if _STATE.global_seed is None and local.tracer is None \
            else (RandomKernel(None, op) if local.tracer is not None else _STATE.entropy)
    pair = (int(seed) % _MAXINT32, int(seed2) % _MAXINT32)
    if local.tracer is not None:
        return RandomKernel(pair, op)
    with _STATE.lock:
        key = (op, *pair)
        kernel = _STATE.streams.get(key)
        if kernel is None:
            kernel = _STATE.streams[key] = _philox.KernelState(*pair)
        return kernel


def internal_generator() -> np.random.Generator:
    """A NumPy generator for tapegrad's own seed choices (a Keras initializer's or layer's default seed, a dataset's
    shuffle seed, ``fit``'s batch order): reproducible after ``set_seed`` (one stream per ``set_seed`` call),
    nondeterministic without a global seed. It does not advance TF's op-seed counter, so these choices do not
    change the values of the ``tapegrad.random`` ops that follow.

    >>> import tapegrad as tf
    >>> from tapegrad.ops.random_ops import internal_generator
    >>> tf.random.set_seed(5); a = internal_generator().integers(10**9)
    >>> tf.random.set_seed(5); bool(internal_generator().integers(10**9) == a)
    True
    """
    with _STATE.lock:
        g = _STATE.global_seed
        if g is None:
            return _STATE.entropy
        if _STATE.sequence is None:
            _STATE.sequence = _new_generator(g % _MAXINT32, _MAXINT32, "sequence")
        return _STATE.sequence


class RandomKernel:
    """The random state of one stateful random op in a compiled program (TF: the op's kernel in a function).

    Made while ``tapegrad.function`` traces a body, in place of the eager stream, and kept in the op's node, so:

    * each call of the program draws new values (the kernel's stream advances), seeded or not;
    * the seeds are TF's *graph* seeds: the global seed as it was when the body was traced and, without an op
      seed, a per-trace counter (0, 1, … in trace order) instead of the eager sequence; so two functions with
      the same body give the same values, which differ from eager ones after the same ``set_seed``, while an
      explicit op seed gives the eager op's first values on the first call;
    * :func:`set_seed` restarts every kernel at its first values (no retrace), as TF's cleared kernel cache does;
    * draws made while a trace runs (the trace's own throwaway values, and a nested function's program replayed
      inside an outer trace) come from a scratch copy and never advance the kernel.

    It stands in for a ``np.random.Generator`` (attribute access is forwarded to the current stream).
    """

    __slots__ = ("seeds", "op", "_gen", "_epoch", "_entropy", "_scratch", "_scratch_for")

    def __init__(self, seeds: tuple[int, int] | None, op: str) -> None:
        self.seeds = seeds  # None: no seed at all (fresh OS entropy per kernel, like TF's (0, 0) kernels)
        self.op = op
        self._gen: Any = None  # a KernelState (seeded) or a NumPy Generator (unseeded)
        self._epoch = -1
        self._entropy = 0
        self._scratch: Any = None
        self._scratch_for: Any = None

    def fork(self) -> RandomKernel:
        """A kernel with the same seeds and a state of its own (each program owns its kernels)."""
        return RandomKernel(self.seeds, self.op)

    def _make(self) -> Any:
        if self.seeds is None:
            return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self._entropy, zlib.crc32(
                self.op.encode())])))
        return _philox.KernelState(*self.seeds)

    def current(self) -> Any:
        """The stream to draw from now."""
        if self._epoch != _STATE.epoch:
            with _STATE.lock:
                if self.seeds is None:
                    self._entropy = int(_STATE.entropy.integers(0, 2**63))
                self._gen, self._epoch = self._make(), _STATE.epoch
        tracer = local.tracer
        if tracer is None:
            assert self._gen is not None
            return self._gen
        owner = self._scratch_for() if self._scratch_for is not None else None
        if owner is not tracer:  # one scratch stream per trace (an op may draw several times); weak: no leak
            self._scratch, self._scratch_for = self._make(), weakref.ref(tracer)
        assert self._scratch is not None
        return self._scratch

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)

    def __repr__(self) -> str:
        return f"RandomKernel({self.op}, seeds={self.seeds})"


_TRACE_OP_SEEDS: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()


def _kernel_for_trace(tracer: Any, seed: Any, op: str) -> RandomKernel:
    """A kernel for a random op being traced: TF's graph-mode ``get_seed``."""
    with _STATE.lock:
        graph = _TRACE_OP_SEEDS.get(tracer)
        if graph is None:  # the trace's global seed is frozen when its first random op is traced
            graph = _TRACE_OP_SEEDS[tracer] = [_STATE.global_seed, 0]
        g = graph[0]
        if g is None and seed is None:
            return RandomKernel(None, op)
        if seed is None:
            o = graph[1]  # TF: a per-graph counter, so the seeds do not depend on the ops traced before
            graph[1] += 1
        else:
            o = _seed_int(seed, "seed")
        pair = ((DEFAULT_GLOBAL_SEED if g is None else g % _MAXINT32), o % _MAXINT32)
        return RandomKernel((0, _MAXINT32) if pair == (0, 0) else pair, op)


def is_random_state(value: Any) -> bool:
    """Whether an op parameter is random state (a NumPy generator, a Philox kernel or a compiled program's kernel)."""
    return isinstance(value, (np.random.Generator, _philox.KernelState, RandomKernel))


def _new_generator(global_seed: int, op_seed: int, op: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([global_seed, op_seed,
                                                                       zlib.crc32(op.encode())])))


# -- argument helpers ----------------------------------------------------------------------------------------------


def _shape_vector(shape: Any, op: str) -> Tensor:
    """The output shape as TF's 1-D integer shape tensor, checked as TF's kernels check it."""
    if type(shape) in (list, tuple) and all(type(d) is int and d >= 0 for d in shape):
        return make(np.array(shape, dtype=np.int64), NUMPY)  # the common case, without conversions
    if hasattr(shape, "as_list") and not isinstance(shape, _TensorLike):
        if shape.rank is None or not shape.is_fully_defined():
            raise ValueError(f"{op}: cannot convert a partially known TensorShape {shape} to a Tensor.")
        shape = shape.as_list()
    t = to_tensor(shape)
    v = np.asarray(static_value(t))
    if v.dtype.kind not in "iu" and not (v.size == 0 and v.dtype.kind == "f"):
        raise InvalidArgumentError(f"{op}: shape must be integers (int32 or int64), got {v.dtype.name} {v!r}.")
    if v.ndim != 1:
        raise InvalidArgumentError(
            f"{op}: shape must be a vector of {{int32,int64}}, got shape {list(v.shape)}; write [{v.item()}] "
            "rather than a bare integer." if v.ndim == 0 else
            f"{op}: shape must be a vector of {{int32,int64}}, got shape {list(v.shape)}.")
    if (v < 0).any():
        raise InvalidArgumentError(f"{op}: Dimension {int(v[v < 0][0])} must be >= 0 (shape {v.tolist()}).")
    return make(v.astype(np.int64), NUMPY)


def _shape_kind(shape: Any) -> str:
    """The part of a sampling kernel's key that its shape argument decides: TF's kernels are keyed by the shape
    tensor's dtype too (int32 for Python lists; an int64 shape tensor gets a kernel, and a stream, of its own)."""
    if isinstance(shape, _TensorLike) and shape.dtype.name == "int64":
        return "/int64"
    return ""


def _float_dtype(dtype: Any, op: str) -> _dtypes.DType:
    dt = _dtypes.as_dtype(dtype)
    if dt.is_integer or dt.is_bool:
        raise TypeError(f"{op}: Cannot convert 0.0 to a tensor of dtype {dt.name}; {op} samples floating "
                        "point values (float16, float32 or float64).")
    if not dt.is_floating:
        raise InvalidArgumentError(f"{op}: dtype {dt.name} is not in the list of allowed values: half, float, "
                                   "double.")
    return dt


def _trivial(value: Any, number: float) -> bool:
    return type(value) in (int, float) and value == number


# -- raw samplers (recorded nowhere: vjp=None) ---------------------------------------------------------------------
# ``gen`` is a Philox kernel (seeded: TF's values), a NumPy Generator (unseeded, or a Keras layer's own stream) or a
# compiled program's RandomKernel (standing for either).


def _state(gen: Any) -> Any:
    return gen.current() if type(gen) is RandomKernel else gen


def _standard_normal(gen: np.random.Generator, shape: tuple[int, ...], dt: np.dtype) -> np.ndarray:
    if dt.itemsize >= 4:  # float32 / float64 natively; float16 via float32
        return gen.standard_normal(shape, dtype=dt)
    return gen.standard_normal(shape, dtype=np.float32).astype(dt)


def _philox_sample(st: _philox.KernelState, dist: str, shape: tuple[int, ...], dtype: np.dtype, lo: int = 0,
                   hi: int = 0) -> np.ndarray:
    return st.sample(dist, math.prod(shape), dtype, lo, hi).reshape(shape)


def _normal_fwd(F: Any, shape: Any, dtype: np.dtype, gen: Any) -> Any:
    st, shp = _state(gen), tuple(shape.tolist())
    if type(st) is _philox.KernelState:
        return F.asarray(_philox_sample(st, "normal", shp, dtype))
    return F.asarray(_standard_normal(st, shp, dtype))


def _unit_uniform_fwd(F: Any, shape: Any, dtype: np.dtype, gen: Any) -> Any:
    st, shp = _state(gen), tuple(shape.tolist())
    if type(st) is _philox.KernelState:
        return F.asarray(_philox_sample(st, "uniform", shp, dtype))
    if dtype.itemsize >= 4:
        return F.asarray(st.random(shp, dtype=dtype))
    mant = np.finfo(dtype).nmant  # exact grid in [0, 1): rounding a wider float could give 1.0
    return F.asarray((st.integers(0, 2**mant, shp) * 2.0**-mant).astype(dtype))


def _uniform_int_fwd(F: Any, shape: Any, lo: int, hi: int, dtype: np.dtype, gen: Any) -> Any:
    st, shp = _state(gen), tuple(shape.tolist())
    if type(st) is _philox.KernelState:
        return F.asarray(_philox_sample(st, "uniform_int", shp, dtype, lo, hi))
    return F.asarray(st.integers(lo, hi, shp, dtype=dtype))


def _truncated_fwd(F: Any, shape: Any, dtype: np.dtype, gen: Any) -> Any:
    st, shp = _state(gen), tuple(shape.tolist())
    if type(st) is _philox.KernelState:
        return F.asarray(_philox_sample(st, "truncated_normal", shp, dtype))
    x = _standard_normal(st, shp, dtype)
    bad = np.abs(x) >= 2
    while bad.any():  # resample the tails: each round keeps ~95%, so this ends after a few rounds
        x[bad] = _standard_normal(st, (int(bad.sum()),), dtype)
        bad = np.abs(x) >= 2
    return F.asarray(x)


def _shuffle_fwd(F: Any, x: Any, gen: Any) -> Any:
    if x.ndim == 0 or x.shape[0] < 2 or x.size <= 1:  # TF copies these without drawing
        return F.array(x, copy=True)
    st = _state(gen)
    perm = st.permutation(x.shape[0])
    return F.take(x, F.asarray(perm), axis=0)


def _categorical_fwd(F: Any, logits: Any, num_samples: int, dtype: np.dtype, gen: Any) -> Any:
    lg = np.asarray(logits)
    batch, classes = lg.shape
    st = _state(gen)
    if batch * num_samples == 0:
        return F.asarray(np.zeros((batch, num_samples), dtype=dtype))
    if type(st) is _philox.KernelState:
        return F.asarray(st.multinomial(lg, num_samples, intra_op_threads()).astype(dtype))
    lg = lg.astype(np.float64)
    finite = np.isfinite(lg)  # TF: non-finite logits get probability 0; a row with none samples `classes`
    top = np.max(np.where(finite, lg, -np.inf), axis=1, keepdims=True)
    w = np.where(finite, np.exp(lg - np.where(np.isfinite(top), top, 0.0)), 0.0)
    cdf = np.cumsum(w, axis=1)
    total = cdf[:, -1:]
    u = st.random((batch, num_samples)) * total
    out = np.empty((batch, num_samples), dtype=dtype)
    for b in range(batch):  # binary search per row; u < total keeps results < classes unless total == 0
        out[b] = np.searchsorted(cdf[b], u[b], side="right")
    return F.asarray(out)


def _no_grad_spec(call: Any, args: Any = lambda rng: ()) -> dict[str, Any]:
    return spec(call, args, ref=None, grad=(), order2=False, tf=False)


NORMAL = defop("random_standard_normal", _normal_fwd, None,
               test=_no_grad_spec(lambda tf, m: tf.random.normal([3, 4], mean=m, dtype=tf.float64, seed=1),
                                  lambda rng: (rng.normal(size=4),)))
UNIFORM = defop("random_uniform", _unit_uniform_fwd, None,
                test=_no_grad_spec(lambda tf, lo: tf.random.uniform([3, 4], lo, 5.0, tf.float64, seed=1),
                                   lambda rng: (rng.normal(size=4),)))
UNIFORM_INT = defop("random_uniform_int", _uniform_int_fwd, None,
                    test=_no_grad_spec(lambda tf: tf.random.uniform([3, 4], -2, 5, tf.int64, seed=1)))
TRUNCATED_NORMAL = defop("truncated_normal", _truncated_fwd, None,
                         test=_no_grad_spec(lambda tf, s: tf.random.truncated_normal([3], stddev=s, dtype=tf.float64,
                                                                                     seed=1),
                                            lambda rng: (rng.uniform(1, 2, size=3),)))
SHUFFLE = defop("random_shuffle", _shuffle_fwd, None,
                test=_no_grad_spec(lambda tf, x: tf.random.shuffle(x, seed=1), lambda rng: (rng.normal(size=(5, 2)),)))
MULTINOMIAL = defop("multinomial", _categorical_fwd, None,
                    test=_no_grad_spec(lambda tf, lg: tf.random.categorical(lg, 6, seed=1),
                                       lambda rng: (rng.normal(size=(2, 3)),)))


def draw(gen: np.random.Generator, kind: str, shape: Any, dtype: Any = np.float64) -> Tensor:
    """``gen.random(shape, dtype)`` (``kind="uniform"``) or ``gen.standard_normal(shape, dtype)`` (``"normal"``)
    as a recorded random op on a generator the caller owns (a Keras layer's seeded stream for its dropout masks
    and noise). Eager values are exactly the generator's; a compiled function draws fresh values from ``gen`` on
    every call, where a raw NumPy draw would be frozen into the program as a constant.

    >>> import numpy as np
    >>> from tapegrad.ops.random_ops import draw
    >>> bool((draw(np.random.default_rng(0), "uniform", [3]).numpy() == np.random.default_rng(0).random(3)).all())
    True
    """
    op = UNIFORM if kind == "uniform" else NORMAL
    return apply1(op, _shape_vector([int(d) for d in shape], kind), {"dtype": np.dtype(dtype), "gen": gen})


# -- public ops ----------------------------------------------------------------------------------------------------


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32, seed: Any = None,
           name: str | None = None) -> Tensor:
    """Samples from a normal distribution: ``standard_normal(shape) * stddev + mean``.

    ``mean`` and ``stddev`` may be tensors broadcastable with ``shape``; as in TF, gradients flow to them (not to
    the sample). See :func:`set_seed` for how ``seed`` makes the values reproducible.

    >>> import tapegrad as tf
    >>> x = tf.random.normal([2, 3], mean=1.0, stddev=0.5, seed=4)
    >>> x.shape, x.dtype
    (TensorShape([2, 3]), tapegrad.float32)
    >>> m = tf.Variable(0.0)
    >>> with tf.GradientTape() as tape:
    ...     y = tf.reduce_sum(tf.random.normal([5], mean=m, seed=1))
    >>> float(tape.gradient(y, m))
    5.0
    """
    dt = _float_dtype(dtype, "normal")
    shp = _shape_vector(shape, "normal")
    trivial = _trivial(mean, 0.0) and _trivial(stddev, 1.0)
    if not trivial:
        mean_t = convert_to_tensor(mean, dtype=dtype)
        std_t = convert_to_tensor(stddev, dtype=dtype)
    gen = op_generator(seed, f"RandomStandardNormal/{dt.name}{_shape_kind(shape)}")
    rnd = apply1(NORMAL, shp, {"dtype": dt._np, "gen": gen})
    return rnd if trivial else rnd * std_t + mean_t


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                     seed: Any = None, name: str | None = None) -> Tensor:
    """Samples from a normal distribution truncated to ``[mean - 2 stddev, mean + 2 stddev]``.

    Values farther than two standard deviations are redrawn (TF's rule). Gradients flow to tensor ``mean`` and
    ``stddev`` as for :func:`normal`.

    >>> import tapegrad as tf
    >>> x = tf.random.truncated_normal([1000], stddev=3.0, seed=2).numpy()
    >>> bool(abs(x).max() <= 6.0)
    True
    """
    dt = _float_dtype(dtype, "truncated_normal")
    shp = _shape_vector(shape, "truncated_normal")
    trivial = _trivial(mean, 0.0) and _trivial(stddev, 1.0)
    if not trivial:
        mean_t = convert_to_tensor(mean, dtype=dtype)
        std_t = convert_to_tensor(stddev, dtype=dtype)
    rnd = apply1(TRUNCATED_NORMAL, shp, {"dtype": dt._np,
                                         "gen": op_generator(seed, f"TruncatedNormal/{dt.name}{_shape_kind(shape)}")})
    return rnd if trivial else rnd * std_t + mean_t


_UNIFORM_DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64")


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32, seed: Any = None,
            name: str | None = None) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats and is required for ints).

    Floats are ``sample * (maxval - minval) + minval`` (gradients flow to tensor bounds, as in TF); integers
    (int32/int64) need scalar bounds with ``minval < maxval``.

    >>> import tapegrad as tf
    >>> x = tf.random.uniform([4], minval=-1.0, maxval=1.0, seed=3).numpy()
    >>> bool((x >= -1.0).all() and (x < 1.0).all())
    True
    >>> tf.random.uniform([3], maxval=10, dtype=tf.int64, seed=3).dtype
    tapegrad.int64
    """
    dt = _dtypes.as_dtype(dtype)
    if dt.name not in _UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value {dt!r}. Accepted dtypes are (tapegrad.float16, "
                         "tapegrad.bfloat16, tapegrad.float32, tapegrad.float64, tapegrad.int32, tapegrad.int64).")
    shp = _shape_vector(shape, "uniform")
    if maxval is None:
        if dt.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dt!r}")
        maxval = 1
    if dt.is_integer:
        lo = convert_to_tensor(minval, dtype=dt)
        hi = convert_to_tensor(maxval, dtype=dt)
        for label, t in (("minval", lo), ("maxval", hi)):
            if t.ndim != 0:
                raise InvalidArgumentError(f"uniform: {label} must be 0-D, got shape {list(t.shape)}.")
        lo_v, hi_v = int(lo), int(hi)
        if lo_v >= hi_v:
            raise InvalidArgumentError(f"uniform: Need minval < maxval, got {lo_v} >= {hi_v}.")
        gen = op_generator(seed, f"RandomUniformInt/{dt.name}{_shape_kind(shape)}")
        return apply1(UNIFORM_INT, shp, {"lo": lo_v, "hi": hi_v, "dtype": dt._np, "gen": gen})
    trivial = type(minval) is int and minval == 0 and type(maxval) is int and maxval == 1  # TF's shortcut too
    if not trivial:
        lo_t = convert_to_tensor(minval, dtype=dt)
        hi_t = convert_to_tensor(maxval, dtype=dt)
    gen = op_generator(seed, f"RandomUniform/{dt.name}{_shape_kind(shape)}")
    rnd = apply1(UNIFORM, shp, {"dtype": dt._np, "gen": gen})
    return rnd if trivial else rnd * (hi_t - lo_t) + lo_t


def shuffle(value: Any, seed: Any = None, name: str | None = None) -> Tensor:
    """A random permutation of ``value`` along its first axis. Not differentiable (gradient ``None``, as TF).

    >>> import tapegrad as tf
    >>> x = tf.random.shuffle(tf.constant([[1, 2], [3, 4], [5, 6]]), seed=1)
    >>> sorted(x.numpy().tolist())
    [[1, 2], [3, 4], [5, 6]]
    """
    x = to_tensor(value)
    gen = op_generator(seed, f"RandomShuffle/{x.dtype.name}")  # TF: a kernel per value dtype
    return apply1(SHUFFLE, x, {"gen": gen})


def categorical_args(logits: Any, num_samples: Any, dtype: Any, op: str,
                     error: type = InvalidArgumentError) -> tuple[Tensor, int, _dtypes.DType]:
    """The checked arguments of a categorical draw: (logits, num_samples, output dtype). ``error``: the exception
    for integer logits (TF has no kernel: ``InvalidArgumentError`` for ``Multinomial``, ``NotFoundError`` for
    ``StatelessMultinomial``)."""
    out_dt = _dtypes.int64 if dtype is None else _dtypes.as_dtype(dtype)
    if out_dt.name not in ("int32", "int64"):
        raise ValueError(f"Argument `dtype` got invalid value {out_dt!r}. Accepted dtypes are (tapegrad.int32, "
                         "tapegrad.int64).")
    lg = to_tensor(logits)
    if lg._value.dtype.kind != "f":
        raise error(f"{op}: logits must be floating point, got {lg.dtype.name}; cast them first, e.g. "
                    "tapegrad.cast(logits, tapegrad.float32).")
    if lg.ndim != 2:
        raise InvalidArgumentError(f"{op}: logits should be a matrix [batch, num_classes], got shape "
                                   f"{list(lg.shape)}.")
    if lg.shape[1] == 0:
        raise InvalidArgumentError(f"{op}: num_classes should be positive, got 0.")
    n = num_samples.numpy() if isinstance(num_samples, _TensorLike) else num_samples
    if np.ndim(n) != 0 or np.asarray(n).dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: num_samples must be a scalar integer, got {num_samples!r}.")
    n = int(n)
    if n < 0:
        raise InvalidArgumentError(f"{op}: num_samples should be non-negative, got {n}.")
    return lg, n, out_dt


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None,
                name: str | None = None) -> Tensor:
    """Draw ``num_samples`` class indices per row of ``logits`` (shape ``[batch, num_classes]``).

    Class ``k`` has probability ``softmax(logits)[k]``; non-finite logits get probability 0 and a row with no
    finite logit yields ``num_classes`` (TF's kernel does the same). Returns ``[batch, num_samples]`` int64
    (or ``dtype``: int32/int64).

    >>> import tapegrad as tf
    >>> s = tf.random.categorical([[0.0, 0.0, -float("inf")]], 5, seed=2)
    >>> s.shape, s.dtype, bool((s.numpy() < 2).all())
    (TensorShape([1, 5]), tapegrad.int64, True)
    """
    lg, n, out_dt = categorical_args(logits, num_samples, dtype, "categorical")
    gen = op_generator(seed, f"Multinomial/{lg.dtype.name}/{out_dt.name}")  # per logits and output dtype
    return apply1(MULTINOMIAL, lg, {"num_samples": n, "dtype": out_dt._np, "gen": gen})


EXPORTS: dict[str, list[str]] = {
    "random": ["set_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical"],
}
