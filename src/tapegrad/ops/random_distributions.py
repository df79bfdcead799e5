"""``tf.random.gamma``/``poisson``, their stateless versions and ``stateless_binomial``, with TensorFlow's values.

The samplers (:mod:`tapegrad.ops.random_samplers`) consume TF's Philox streams exactly as TF's CPU kernels do, so

* a seeded ``gamma``/``poisson`` (``seed=`` or after ``tf.random.set_seed``) continues the same per-kernel stream as
  TF's (:func:`tapegrad.ops.random_ops.op_generator`, keyed ``RandomGamma/<dtype>`` and
  ``RandomPoissonV2/<rate dtype>/<dtype>``) and gives TF's numbers;
* the stateless ops give TF's numbers for the same ``seed`` pair, every call;
* ``Generator.binomial`` gives TF's numbers for the same Generator state and advances it as TF does.

Without any seed the samplers run on a fresh random Philox stream.

Shapes follow TF: ``gamma``/``poisson`` return ``shape + broadcast(alpha, beta).shape`` (``shape + lam.shape``);
the stateless ops take the full output ``shape``, which must end with the parameters' broadcast shape.

Gradients (TF's registrations): ``gamma`` and ``stateless_gamma`` are differentiable in ``alpha`` (implicit
reparameterisation, TF's ``RandomGammaGrad``: ``-dP(alpha, x)/dalpha / p(x)`` for the regularised incomplete gamma
function ``P``) and in ``beta`` (the sample is ``raw / beta``, floored at the dtype's smallest normal number);
their second derivative in ``alpha`` raises ``LookupError`` as in TF. ``poisson`` and ``Generator.binomial``
raise ``LookupError`` (no gradient registered in TF), ``stateless_poisson`` and ``stateless_binomial`` give
``None``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._backend import NUMPY
from .._dispatch import applyn
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, _TensorLike, make, static_value
from ..errors import InvalidArgumentError, NotFoundError
from . import _philox, arithmetic
from . import random_samplers as _samplers
from ._common import intra_op_threads
from ._special_common import run_kernel
from .core import broadcast_to, convert_to_tensor
from .random_generator import _spec_generator
from .random_ops import _shape_vector, _state, op_generator

_FLOATS = ("float16", "float32", "float64")
_POISSON_OUT = ("float16", "float32", "float64", "int32", "int64")


# -- streams --------------------------------------------------------------------------------------------------------


def _stream(gen: Any, calls: int) -> tuple[int, int]:
    """``(counter, key)`` for a stateful op reserving ``calls`` Philox calls: the seeded kernel's stream (TF's), or
    without seeds a fresh random one; a ``(counter, key)`` pair is a fixed stream (the op tests' repeatable draw)."""
    if type(gen) is tuple:
        return gen
    st = _state(gen)
    if type(st) is _philox.KernelState:
        return st.reserve(calls), st.key
    w = [int(v) for v in st.integers(0, 2**63, size=3)]
    return (w[0] << 64) | w[1], w[2]


def _stateless_stream(seed: Any) -> tuple[int, int]:
    s = np.asarray(seed).reshape(-1)
    return _philox.stateless_key_counter(int(s[0]), int(s[1]))


def _seed_tensor(seed: Any, op: str) -> Tensor:
    s = seed if isinstance(seed, _TensorLike) else convert_to_tensor(seed)
    if s.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: seed must be int32 or int64 (two integers), got {s.dtype.name} "
                                   f"{np.asarray(static_value(s)).tolist()!r}.")
    if tuple(s.shape) != (2,):
        raise InvalidArgumentError(f"{op}: seed must have shape [2], not {list(s.shape)}.")
    return s


def _dtype_in(dtype: Any, allowed: tuple[str, ...], op: str, attr: str = "dtype") -> _dtypes.DType:
    dt = _dtypes.as_dtype(dtype)
    if dt.name not in allowed:
        raise InvalidArgumentError(f"{op}: Value for attr '{attr}' of {dt.name} is not in the list of allowed "
                                   f"values: {', '.join(allowed)}.")
    return dt


def _ends_with(shape: tuple[int, ...], tail: tuple[int, ...], op: str, what: str) -> int:
    """The number of sample dimensions: ``shape`` must end with the parameters' broadcast shape ``tail``."""
    if len(tail) > len(shape) or tuple(shape[len(shape) - len(tail):]) != tuple(tail):
        raise InvalidArgumentError(f"{op}: Shape passed in must end with broadcasted shape: shape {list(shape)} "
                                   f"does not end with the shape {list(tail)} of {what}; give shape "
                                   f"[..., {', '.join(map(str, tail))}].")
    return len(shape) - len(tail)


def _bcast(a: tuple[int, ...], b: tuple[int, ...], op: str, names: str) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise InvalidArgumentError(f"{op}: Incompatible shapes: {list(a)} vs. {list(b)} ({names} must broadcast "
                                   "together).") from None


# -- gamma ----------------------------------------------------------------------------------------------------------


def _gamma_grad_kernel(alpha: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """TF's ``RandomGammaGrad``: ``d sample / d alpha = -(dP/dalpha) / (dP/dx)`` at ``x = sample`` (0 where the
    sample is 0 or infinite)."""
    from ._special_common import lgamma as _lgamma
    from .special_gamma import _igamma_grad_a_kernel

    a, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(sample, np.float64))
    a, x = a.reshape(-1), x.reshape(-1)
    out = np.zeros(a.size)
    ok = (x > 0) & np.isfinite(x)
    if ok.any():
        aa, xx = a[ok], x[ok]
        with np.errstate(all="ignore"):
            dens = np.exp(-xx + (aa - 1.0) * np.log(xx) - _lgamma(NUMPY, aa))
            out[ok] = -_igamma_grad_a_kernel(NUMPY, aa, xx) / dens
    out[x == np.inf] = -0.0  # as TF's kernel
    return out.reshape(np.broadcast_shapes(np.shape(alpha), np.shape(sample)))


def _gamma_grad_fwd(F: Any, alpha: Any, sample: Any) -> Any:
    return F.asarray(_gamma_grad_kernel(alpha, sample).astype(np.asarray(alpha).dtype))


RANDOM_GAMMA_GRAD = defop(
    "random_gamma_grad", _gamma_grad_fwd, NO_GRADIENT, tf_name="RandomGammaGrad",
    test=spec(lambda tf, a, x: tf.raw_ops.RandomGammaGrad(alpha=a, sample=x),
              lambda rng: (rng.uniform(0.3, 5.0, size=(2, 3)), rng.uniform(0.1, 6.0, size=(2, 3))), grad=(),
              rtol=1e-8, order2=False))


def random_gamma_grad(alpha: Any, sample: Any, name: str | None = None) -> Tensor:
    """TF's ``RandomGammaGrad`` (``tf.raw_ops.RandomGammaGrad``): the derivative of a Gamma(``alpha``) sample
    ``sample`` in ``alpha`` at a fixed quantile, ``-(dP/dalpha) / (dP/dx)`` (float32 or float64; no gradient).

    >>> import tapegrad as tf
    >>> float(tf.raw_ops.RandomGammaGrad(alpha=tf.constant(1.0, tf.float64), sample=tf.constant(3.0, tf.float64)))
    1.9379116938249583
    """
    a, x = convert_to_tensor(alpha), convert_to_tensor(sample)
    if a.dtype != x.dtype or a.dtype.name not in ("float32", "float64"):
        raise InvalidArgumentError(f"RandomGammaGrad: alpha and sample must both be float32 or both float64, got "
                                   f"{a.dtype.name} and {x.dtype.name}.")
    return applyn(RANDOM_GAMMA_GRAD, (a, x), {})


def _gamma_vjp_alpha(F: Any, g: Any, alpha: Any, out: Any) -> Any:
    if getattr(F, "is_diff", False):
        partial = applyn(RANDOM_GAMMA_GRAD, (alpha, out), {})
    else:
        if np.asarray(alpha).dtype == np.float16:
            raise InvalidArgumentError("RandomGammaGrad: Value for attr 'T' of half is not in the list of allowed "
                                       "values: float, double (TF has no float16 gamma gradient; sample in float32).")
        partial = _gamma_grad_fwd(F, alpha, out)
    return g * partial


def _gamma_fwd(F: Any, alpha: Any, *, shape: tuple[int, ...], gen: Any) -> Any:
    a = np.asarray(alpha)
    samples = int(np.prod(shape, dtype=np.int64))
    out_shape = tuple(shape) + a.shape
    if samples == 0 or a.size == 0:
        return F.asarray(np.zeros(out_shape, dtype=a.dtype))
    counter, key = _stream(gen, _philox.SKIP_PER_OUTPUT * samples * a.size)
    res = _samplers.gamma(counter, key, a.reshape(-1), samples, a.dtype, log1p_exp=True)
    return F.asarray(res.reshape(out_shape))


def _gamma_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (_gamma_vjp_alpha(F, g, ins[0], out) if needs[0] else None,)


def _gamma_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    t = ts[-1]  # alpha's tangent (the seed of the stateless op has none)
    return None if t is None else _gamma_vjp_alpha(F, t, ins[-1], out)


def _sgamma_fwd(F: Any, seed: Any, alpha: Any, *, shape: tuple[int, ...]) -> Any:
    a = np.asarray(alpha)
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return F.asarray(np.zeros(shape, dtype=a.dtype))
    counter, key = _stateless_stream(seed)
    res = _samplers.gamma(counter, key, a.reshape(-1), n // a.size, a.dtype, log1p_exp=True)
    return F.asarray(res.reshape(shape))


def _sgamma_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (None, _gamma_vjp_alpha(F, g, ins[1], out) if needs[1] else None)


def _fixed_gamma(tf: Any, a: Any, b: Any) -> Any:
    """``tf.random.gamma([4], a, beta=b)`` on a fixed stream (the kernel for seeds (5, 7) at its start), so that the
    op tests can repeat it, eagerly and compiled."""
    a_t, b_t, bshape = _gamma_params(a, b, a.dtype, "random.gamma")
    rnd = applyn(RANDOM_GAMMA, (broadcast_to(a_t, bshape),), {"shape": (4,), "gen": (7 << 64, 5)})
    return _scaled(rnd, b_t, a_t.dtype)


def _gamma_args(rng: Any) -> tuple[Any, ...]:
    return (rng.uniform(0.4, 3.0, size=(2,)), rng.uniform(0.5, 2.0, size=(3, 1)))


RANDOM_GAMMA = defop(
    "random_gamma", _gamma_fwd, _gamma_vjp, _gamma_jvp, save_out=True, tf_name="RandomGamma",
    test=spec(_fixed_gamma, _gamma_args, grad=(1,), order2=False, tf=False))
STATELESS_GAMMA = defop(
    "stateless_random_gamma", _sgamma_fwd, _sgamma_vjp, _gamma_jvp, save_out=True, tf_name="StatelessRandomGammaV3",
    test=[spec(lambda tf, a, b: tf.random.stateless_gamma([4, 3, 2], [3, 4], alpha=a, beta=b, dtype=a.dtype),
               _gamma_args, grad=(1,)),
          spec(lambda tf, a: tf.random.stateless_gamma([5, 3], [1, 2], alpha=a, dtype=a.dtype),
               lambda rng: (rng.uniform(0.3, 4.0, size=(3,)),), grad=(), order2=False, name="values")])


def _gamma_params(alpha: Any, beta: Any, dtype: Any, op: str) -> tuple[Tensor, Tensor, tuple[int, ...]]:
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"{op}: dtype must be a floating type (float16, float32 or float64), got {dt.name}; the "
                         "samples are real numbers.")
    _dtype_in(dt, _FLOATS, op, "T")
    a = convert_to_tensor(alpha, dtype=dt)
    b = convert_to_tensor(1 if beta is None else beta, dtype=dt)
    return a, b, _bcast(tuple(a.shape), tuple(b.shape), op, "alpha and beta")


def _scaled(rnd: Tensor, beta: Tensor, dt: _dtypes.DType) -> Tensor:
    """TF's ``maximum(tiny, sample / beta)`` (beta defaults to 1)."""
    return arithmetic.maximum(make(np.array(np.finfo(dt._np).tiny, dtype=dt._np), NUMPY), rnd / beta)


def gamma(shape: Any, alpha: Any, beta: Any = None, dtype: Any = _dtypes.float32, seed: Any = None,
          name: str | None = None) -> Tensor:
    """Draws ``shape`` samples from each Gamma(``alpha``, rate ``beta``) distribution: shape
    ``shape + broadcast(alpha, beta).shape``, TensorFlow's values when seeded (see :func:`tapegrad.random.set_seed`).

    Samples are floored at ``np.finfo(dtype).tiny`` (as TF). Differentiable in ``alpha`` (implicit
    reparameterisation) and ``beta``.

    >>> import tapegrad as tf
    >>> x = tf.random.gamma([1000], alpha=[0.5, 4.0], seed=1)
    >>> x.shape, [round(float(m), 1) for m in tf.reduce_mean(x, axis=0)]
    (TensorShape([1000, 2]), [0.5, 4.0])
    >>> a = tf.Variable(2.0)
    >>> with tf.GradientTape() as tape:
    ...     y = tf.reduce_mean(tf.random.gamma([10000], a, seed=2))
    >>> round(float(tape.gradient(y, a)), 1)  # d E[x] / d alpha = 1
    1.0
    """
    op = "random.gamma"
    shp = _shape_vector(shape, op)
    a, b, bshape = _gamma_params(alpha, beta, dtype, op)
    a_b = broadcast_to(a, bshape) if tuple(a.shape) != bshape else a
    dt = a.dtype
    gen = op_generator(seed, f"RandomGamma/{dt.name}")
    rnd = applyn(RANDOM_GAMMA, (a_b,), {"shape": tuple(int(d) for d in np.asarray(shp._value)), "gen": gen})
    return _scaled(rnd, b, dt)


def stateless_gamma(shape: Any, seed: Any, alpha: Any, beta: Any = None, dtype: Any = _dtypes.float32,
                    name: str | None = None) -> Tensor:
    """Gamma(``alpha``, rate ``beta``) samples of the full shape ``shape`` (which must end with
    ``broadcast(alpha, beta).shape``) that depend only on ``seed``: TensorFlow's values, every call.

    Differentiable in ``alpha`` and ``beta`` as :func:`gamma`.

    >>> import tapegrad as tf
    >>> tf.random.stateless_gamma([2, 2], seed=[1, 2], alpha=[0.5, 3.0], dtype=tf.float64).numpy().round(6)
    array([[0.066954, 4.674579],
           [0.628235, 3.350375]])
    """
    op = "random.stateless_gamma"
    shp = _shape_vector(shape, op)
    s = _seed_tensor(seed, op)
    a, b, bshape = _gamma_params(alpha, beta, dtype, op)
    full = tuple(int(d) for d in np.asarray(shp._value))
    _ends_with(full, bshape, op, "broadcast(alpha, beta)")
    a_b = broadcast_to(a, bshape) if tuple(a.shape) != bshape else a
    rnd = applyn(STATELESS_GAMMA, (s, a_b), {"shape": full})
    return _scaled(rnd, b, a.dtype)


# -- Poisson --------------------------------------------------------------------------------------------------------


def _poisson_fwd(F: Any, lam: Any, *, shape: tuple[int, ...], gen: Any, dtype: np.dtype) -> Any:
    r = np.asarray(lam)
    samples = int(np.prod(shape, dtype=np.int64))
    out_shape = tuple(shape) + r.shape
    if samples == 0 or r.size == 0:
        return F.asarray(np.zeros(out_shape, dtype=dtype))
    counter, key = _stream(gen, _philox.SKIP_PER_OUTPUT * samples * r.size)
    return F.asarray(_samplers.poisson(counter, key, r.reshape(-1), samples, dtype).reshape(out_shape))


def _spoisson_fwd(F: Any, seed: Any, lam: Any, *, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    r = np.asarray(lam)
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return F.asarray(np.zeros(shape, dtype=dtype))
    counter, key = _stateless_stream(seed)
    return F.asarray(_samplers.poisson(counter, key, r.reshape(-1), n // max(r.size, 1), dtype).reshape(shape))


RANDOM_POISSON = defop(
    "random_poisson", _poisson_fwd, NO_GRADIENT, tf_name="RandomPoissonV2",
    test=spec(lambda tf, lam: tf.random.poisson([5], lam, dtype=tf.float64, seed=3),
              lambda rng: (rng.uniform(0.5, 30.0, size=(3,)),), grad=(), order2=False, tf=False))
STATELESS_POISSON = defop(
    "stateless_random_poisson", _spoisson_fwd, None, tf_name="StatelessRandomPoisson",
    test=spec(lambda tf, lam: tf.random.stateless_poisson([5, 3], [2, 3], lam, dtype=tf.float64),
              lambda rng: (rng.uniform(0.5, 30.0, size=(3,)),), grad=(), order2=False))


def _rate(lam: Any, op: str) -> Tensor:
    r = convert_to_tensor(lam)
    if r.dtype.name not in _POISSON_OUT:
        raise InvalidArgumentError(f"{op}: Value for attr 'R' of {r.dtype.name} is not in the list of allowed values:"
                                   f" {', '.join(_POISSON_OUT)} (lam is the rate, e.g. a float32 tensor).")
    return r


def poisson(shape: Any, lam: Any, dtype: Any = _dtypes.float32, seed: Any = None, name: str | None = None) -> Tensor:
    """Draws ``shape`` samples from each Poisson(``lam``) distribution: shape ``shape + lam.shape``, in ``dtype``
    (float16/32/64, int32, int64); TensorFlow's values when seeded. Not differentiable (``LookupError`` as TF).

    >>> import tapegrad as tf
    >>> x = tf.random.poisson([4000], [2.0, 40.0], seed=7)
    >>> x.shape, x.dtype, tf.reduce_mean(x, axis=0).numpy().round()
    (TensorShape([4000, 2]), tapegrad.float32, array([ 2., 40.], dtype=float32))
    """
    op = "random.poisson"
    shp = _shape_vector(shape, op)
    dt = _dtype_in(dtype, _POISSON_OUT, op)
    r = _rate(lam, op)
    gen = op_generator(seed, f"RandomPoissonV2/{r.dtype.name}/{dt.name}")
    return applyn(RANDOM_POISSON, (r,), {"shape": tuple(int(d) for d in np.asarray(shp._value)), "gen": gen,
                                         "dtype": dt._np})


def stateless_poisson(shape: Any, seed: Any, lam: Any, dtype: Any = _dtypes.int32, name: str | None = None) -> Tensor:
    """Poisson(``lam``) samples of the full shape ``shape`` (ending with ``lam.shape``) that depend only on
    ``seed``: TensorFlow's values. Not differentiable (gradient ``None``, as TF).

    >>> import tapegrad as tf
    >>> tf.random.stateless_poisson([2, 3], seed=[1, 2], lam=[1.0, 2.0, 3.0]).numpy()
    array([[3, 3, 3],
           [3, 3, 6]], dtype=int32)
    """
    op = "random.stateless_poisson"
    shp = _shape_vector(shape, op)
    dt = _dtype_in(dtype, _POISSON_OUT, op)
    s = _seed_tensor(seed, op)
    r = _rate(lam, op)
    full = tuple(int(d) for d in np.asarray(shp._value))
    _ends_with(full, tuple(r.shape), op, "lam")
    return applyn(STATELESS_POISSON, (s, r), {"shape": full, "dtype": dt._np})


# -- binomial -------------------------------------------------------------------------------------------------------


def _binomial_layout(shape: tuple[int, ...], counts: Any, probs: Any) -> tuple[np.ndarray, np.ndarray, int]:
    c, p = np.asarray(counts), np.asarray(probs)
    bshape = np.broadcast_shapes(c.shape, p.shape)
    batches = int(np.prod(bshape, dtype=np.int64))
    samples = int(np.prod(shape, dtype=np.int64)) // max(batches, 1)
    return np.broadcast_to(c, bshape).reshape(-1), np.broadcast_to(p, bshape).reshape(-1), samples


def _sbinomial_fwd(F: Any, seed: Any, counts: Any, probs: Any, *, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    if int(np.prod(shape, dtype=np.int64)) == 0:
        return F.asarray(np.zeros(shape, dtype=dtype))
    c, p, samples = _binomial_layout(shape, counts, probs)
    counter, key = _stateless_stream(seed)
    return F.asarray(_samplers.binomial(counter, key, c, p, samples, dtype).reshape(shape))


def binomial_calls(shape: tuple[int, ...], counts: Tensor, probs: Tensor) -> int:
    """Counter steps ``StatefulRandomBinomial`` advances a Generator's state by: TF reserves
    ``batches * 2 * 100 * (samples + 3) // 4`` outputs of 256 counter values each."""
    bshape = np.broadcast_shapes(tuple(counts.shape), tuple(probs.shape))
    batches = int(np.prod(bshape, dtype=np.int64))
    samples = int(np.prod(shape[:len(shape) - len(bshape)], dtype=np.int64))
    return batches * 2 * 100 * (samples + 3) // 4 * _philox.SKIP_PER_OUTPUT


def _gbinomial_fwd(F: Any, state: Any, counts: Any, probs: Any, *, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    if int(np.prod(shape, dtype=np.int64)) == 0:
        return F.asarray(np.zeros(shape, dtype=dtype))
    c, p, samples = _binomial_layout(shape, counts, probs)
    s = [int(w) & ((1 << 64) - 1) for w in np.asarray(state).reshape(-1)[:3]]
    return F.asarray(_samplers.binomial(s[0] | (s[1] << 64), s[2], c, p, samples, dtype).reshape(shape))


def _binomial_args(rng: Any) -> tuple[Any, ...]:
    return (rng.integers(1, 60, size=(3,)).astype(np.float64), rng.uniform(0.05, 0.95, size=(3,)))


STATELESS_BINOMIAL = defop(
    "stateless_random_binomial", _sbinomial_fwd, None, tf_name="StatelessRandomBinomial",
    test=spec(lambda tf, c, p: tf.random.stateless_binomial([4, 3], [5, 6], c, p, output_dtype=tf.float64),
              _binomial_args, grad=(), order2=False))
GENERATOR_BINOMIAL = defop(
    "stateful_random_binomial", _gbinomial_fwd, NO_GRADIENT, tf_name="StatefulRandomBinomial",
    test=spec(lambda tf, c, p: _spec_generator().binomial([4, 3], c, p, dtype=tf.float64),
              _binomial_args, grad=(), order2=False, tf=False))


def _hinted(x: Any, dtype: _dtypes.DType) -> Tensor:
    """``convert_to_tensor(x, dtype_hint=dtype)``: Python numbers and NumPy arrays take ``dtype`` (TF converts
    arrays to the hint too: float64 counts become float32); tensors keep theirs."""
    if isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype.kind in "fiu":
        return convert_to_tensor(np.asarray(x).astype(dtype.as_numpy_dtype))
    if isinstance(x, (_TensorLike, np.ndarray, np.generic)):
        return convert_to_tensor(x)
    try:
        return convert_to_tensor(x, dtype=dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(x)


def binomial_params(shape: Any, counts: Any, probs: Any, dtype: Any, op: str,
                    stateless: bool = True) -> tuple[tuple[int, ...], Tensor, Tensor, _dtypes.DType]:
    """The checked arguments of a binomial draw: (full shape, counts, probs, output dtype). The stateless op
    converts Python ``probs`` to float32 and ``counts`` to ``probs``' dtype; ``Generator.binomial`` converts both
    without a hint (so Python ints make an int32 tensor, which TF has no kernel for)."""
    shp = _shape_vector(shape, op)
    dt = _dtype_in(dtype, _POISSON_OUT, op)
    if stateless:
        p = _hinted(probs, _dtypes.float32)
        c = _hinted(counts, p.dtype)
    else:
        p, c = convert_to_tensor(probs), convert_to_tensor(counts)
    for label, t in (("counts", c), ("probs", p)):
        if t.dtype.name not in _FLOATS:
            error = NotFoundError if stateless else InvalidArgumentError
            raise error(f"{op}: {label} must be float16, float32 or float64 (no kernel for {t.dtype.name}); cast "
                        f"it, e.g. tapegrad.cast({label}, tapegrad.float32).")
    if c.dtype != p.dtype:
        raise InvalidArgumentError(f"{op}: counts ({c.dtype.name}) and probs ({p.dtype.name}) must have one dtype.")
    cshape, pshape = tuple(c.shape), tuple(p.shape)
    try:
        bshape = tuple(np.broadcast_shapes(cshape, pshape))
    except ValueError:
        raise InvalidArgumentError(f"{op}: counts and probs must have compatible batch dimensions: {list(cshape)} "
                                   f"vs. {list(pshape)}.") from None
    full = tuple(int(d) for d in np.asarray(shp._value))
    _ends_with(full, bshape, op, "broadcast(counts, probs)")
    return full, c, p, dt


def stateless_binomial(shape: Any, seed: Any, counts: Any, probs: Any, output_dtype: Any = _dtypes.int32,
                       name: str | None = None) -> Tensor:
    """Binomial(``counts``, ``probs``) samples of the full shape ``shape`` (ending with the parameters' broadcast
    shape) that depend only on ``seed``: TensorFlow's values. Not differentiable (gradient ``None``).

    >>> import tapegrad as tf
    >>> tf.random.stateless_binomial([3, 2], seed=[1, 2], counts=[10.0, 200.0], probs=[0.5, 0.9]).numpy()
    array([[  6, 169],
           [  6, 184],
           [  7, 176]], dtype=int32)
    """
    op = "random.stateless_binomial"
    s = _seed_tensor(seed, op)
    full, c, p, dt = binomial_params(shape, counts, probs, output_dtype, op)
    return applyn(STATELESS_BINOMIAL, (s, c, p), {"shape": full, "dtype": dt._np})


# -- parameterized truncated normal ---------------------------------------------------------------------------------


def _ptn_fwd(F: Any, seed: Any, mean: Any, stddev: Any, minval: Any, maxval: Any, *, shape: tuple[int, ...]) -> Any:
    arrs = [np.asarray(v) for v in (mean, stddev, minval, maxval)]
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return F.asarray(np.zeros(shape, dtype=arrs[0].dtype))
    bshape = np.broadcast_shapes(*(a.shape for a in arrs))
    flat = [np.broadcast_to(a, bshape).reshape(-1) for a in arrs]
    counter, key = _stateless_stream(seed)
    try:
        out = _samplers.parameterized_truncated_normal(counter, key, *flat, n // max(flat[0].size, 1),
                                                       intra_op_threads())
    except ValueError:
        raise InvalidArgumentError(
            "stateless_parameterized_truncated_normal: Invalid parameters: every stddev must be > 0, every minval < "
            "maxval, and at least one bound of each batch finite.") from None
    return F.asarray(out.reshape(shape))


def _ndtr(F: Any, x: Any) -> Any:
    """TF's ``_Ndtr``: the normal CDF through erf near 0 and erfc in the tails."""
    from . import special_functions as sf

    if getattr(F, "is_diff", False):
        erf, erfc = sf.erf, sf.erfc
    else:
        def erf(v: Any) -> Any:
            return run_kernel(F, sf._erf_kernel, v)

        def erfc(v: Any) -> Any:
            return run_kernel(F, sf._erfc_kernel, v)
    h = 0.5 * np.sqrt(2.0)
    w = x * h
    z = F.abs(w)
    return 0.5 * F.where(z < h, 1.0 + erf(w), F.where(w > 0.0, 2.0 - erfc(z), erfc(z)))


def _ptn_partials(F: Any, ins: Any, out: Any) -> tuple[Any, Any, Any]:
    """TF's implicit-reparameterisation derivatives of the sample in stddev, minval and maxval (in mean: 1)."""
    _, mean, stddev, minval, maxval = ins
    dt = np.asarray(out).dtype if not getattr(F, "is_diff", False) else out.dtype.as_numpy_dtype
    lo, hi, s = (minval - mean) / stddev, (maxval - mean) / stddev, (out - mean) / stddev
    cdf = (_ndtr(F, s) - _ndtr(F, lo)) / (_ndtr(F, hi) - _ndtr(F, lo))
    cdf = F.clip(cdf, float(np.finfo(dt).tiny), float(1 - np.finfo(dt).eps))
    d_hi = F.exp(0.5 * (s * s - hi * hi) + F.log(cdf))
    d_lo = F.exp(0.5 * (s * s - lo * lo) + F.log1p(-cdf))
    return s, d_lo, d_hi


def _ptn_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    s, d_lo, d_hi = _ptn_partials(F, ins, out)
    return (None, g if needs[1] else None, g * s if needs[2] else None, g * d_lo if needs[3] else None,
            g * d_hi if needs[4] else None)


def _ptn_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    s, d_lo, d_hi = _ptn_partials(F, ins, out)
    res = None
    for t, d in zip(ts[1:], (None, s, d_lo, d_hi)):
        if t is not None:
            term = t if d is None else t * d
            res = term if res is None else res + term
    return None if res is None else res + F.zeros_like(out)


def _ptn_args(rng: Any) -> tuple[Any, ...]:
    return (rng.uniform(-0.5, 0.5, size=(2,)), rng.uniform(0.8, 2.0, size=(2,)), rng.uniform(-2.0, -1.0, size=(2,)),
            rng.uniform(1.0, 2.5, size=(3, 1)))


STATELESS_PTN = defop(
    "stateless_parameterized_truncated_normal", _ptn_fwd, _ptn_vjp, _ptn_jvp, save_out=True,
    tf_name="StatelessParameterizedTruncatedNormal",
    test=[spec(lambda tf, m, s, lo, hi: tf.random.stateless_parameterized_truncated_normal([4, 3, 2], [3, 4], m, s,
                                                                                          lo, hi),
               _ptn_args, grad=(), order2=False, rtol=1e-12),
          spec(lambda tf, m, s, lo, hi: tf.random.stateless_parameterized_truncated_normal([4, 3, 2], [3, 4], m, s,
                                                                                          lo, hi),
               _ptn_args, grad=(0, 1), order2=False, name="mean-stddev")])


def stateless_parameterized_truncated_normal(shape: Any, seed: Any, means: Any = 0.0, stddevs: Any = 1.0,
                                             minvals: Any = -2.0, maxvals: Any = 2.0,
                                             name: str | None = None) -> Tensor:
    """Normal(``means``, ``stddevs``) samples truncated to ``[minvals, maxvals]``, of the full shape ``shape``
    (ending with the parameters' broadcast shape), depending only on ``seed``: TensorFlow's values.

    Differentiable in all four parameters (TF's implicit-reparameterisation gradient). The parameters must share
    one dtype (float16, float32, float64).

    >>> import tapegrad as tf
    >>> tf.random.stateless_parameterized_truncated_normal([3], [1, 2], 0.0, 1.0, 3.0, float("inf")).numpy()
    array([3.0513299, 3.0011456, 3.3942106], dtype=float32)
    """
    op = "random.stateless_parameterized_truncated_normal"
    shp = _shape_vector(shape, op)
    s = _seed_tensor(seed, op)
    ts = [convert_to_tensor(v) for v in (means, stddevs, minvals, maxvals)]
    for label, t in zip(("means", "stddevs", "minvals", "maxvals"), ts):
        if t.dtype != ts[0].dtype or t.dtype.name not in _FLOATS:
            raise InvalidArgumentError(f"{op}: means, stddevs, minvals and maxvals must share one float dtype; "
                                       f"means is {ts[0].dtype.name}, {label} is {t.dtype.name}.")
    try:
        bshape = tuple(np.broadcast_shapes(*(tuple(t.shape) for t in ts)))
    except ValueError:
        raise InvalidArgumentError(f"{op}: the parameters' shapes {[list(t.shape) for t in ts]} do not broadcast "
                                   "together.") from None
    full = tuple(int(d) for d in np.asarray(shp._value))
    _ends_with(full, bshape, op, "the broadcast parameters")
    return applyn(STATELESS_PTN, (s, *ts), {"shape": full})


EXPORTS: dict[str, list[str]] = {
    "random": ["gamma", "poisson", "stateless_gamma", "stateless_poisson", "stateless_binomial",
               "stateless_parameterized_truncated_normal"],
}
