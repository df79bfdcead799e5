"""More of ``tf.math`` and top-level math ops: sorted segment max/min/prod, cumulative_logsumexp, rint, mod,
nextafter, zero_fraction, accumulate_n, invert_permutation, approx_max_k/approx_min_k/approx_top_k, scalar_mul,
realdiv, truncatediv, truncatemod, saturate_cast, fingerprint, broadcast_static_shape/broadcast_dynamic_shape,
shape_n, parallel_stack.

Gradients follow TF: ``nextafter`` passes the upstream to ``x1`` and zero to ``x2``; ``truncatediv``, ``rint`` and
``zero_fraction`` have none (None); ``truncatemod`` is recorded without one (LookupError).
"""

from __future__ import annotations

import operator
import struct
from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import applyn
from .._registry import NO_GRADIENT, defop, spec
from .._tensor import Tensor, _TensorLike, static_value
from ..errors import InternalError, InvalidArgumentError, NotFoundError
from . import arithmetic, core, reductions
from ._common import pair, to_tensor

ApproxTopK = namedtuple("ApproxTopK", ["values", "indices"])


def _run(F: Any, op: Any, args: tuple[Any, ...], p: dict[str, Any] | None = None) -> Any:
    p = p or {}
    if getattr(F, "is_diff", False):
        return applyn(op, tuple(to_tensor(a) for a in args), p)
    return op.fwd(F, *args, **p)


def _real_float(x: Tensor, op: str, kinds: str = "f") -> None:
    if x._value.dtype.kind not in kinds:
        raise InvalidArgumentError(f"{op}: expected a floating-point tensor (bfloat16, float16, float32, float64), "
                                   f"got {x.dtype.name} with shape {tuple(x._value.shape)}; cast it first.")


# -- sorted segment max / min / prod ---------------------------------------------------------------------------------


def _sorted_extreme(data: Any, segment_ids: Any, kind: str) -> Tensor:
    op = f"segment_{kind}"
    x, ids, num = reductions._sorted_segments(data, segment_ids, op)
    # TF's sorted kernels fill empty segments with 0 (max/min) or 1 (prod), unlike the unsorted ones.
    return reductions._segment_extreme(x, ids, num, x._value.ndim - 1, kind, 1 if kind == "prod" else 0)


def segment_max(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The maximum per sorted segment (``segment_ids`` non-decreasing); empty segments give 0, as TF. Gradient:
    shared equally among tied maxima.

    >>> import tapegrad as tf
    >>> tf.math.segment_max(tf.constant([1.0, 2.0, 3.0]), [0, 0, 2]).numpy().tolist()
    [2.0, 0.0, 3.0]
    """
    return _sorted_extreme(data, segment_ids, "max")


def segment_min(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The minimum per sorted segment; empty segments give 0, as TF.

    >>> import tapegrad as tf
    >>> tf.math.segment_min(tf.constant([1.0, 2.0, 3.0]), [0, 0, 2]).numpy().tolist()
    [1.0, 0.0, 3.0]
    """
    return _sorted_extreme(data, segment_ids, "min")


def segment_prod(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """The product per sorted segment; empty segments give 1. Gradient: the product of the segment's others.

    >>> import tapegrad as tf
    >>> tf.math.segment_prod(tf.constant([2.0, 5.0, 3.0]), [0, 0, 2]).numpy().tolist()
    [10.0, 1.0, 3.0]
    """
    return _sorted_extreme(data, segment_ids, "prod")


# -- cumulative_logsumexp -------------------------------------------------------------------------------------------


def _cumlse_fwd(F: Any, x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    v = F.flip(x, axis) if reverse else x
    with np.errstate(all="ignore"):
        r = F.logaddexp.accumulate(v, axis=axis)
    if exclusive:
        r = F.moveaxis(r, axis, 0)
        r = F.concatenate([F.full((1,) + r.shape[1:], -np.inf, r.dtype), r[:-1]], axis=0)
        r = F.moveaxis(r, 0, axis)
    return F.flip(r, axis) if reverse else r


def _cumlse_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    # d out_j / d x_i = exp(x_i - out_j) on the (exclusive) prefix: the upstream's positive and negative parts are
    # summed in log space by the same op running the other way, which stays finite for any scale of x.
    x = ins[0]
    q = {**p, "reverse": not p["reverse"]}
    zero = F.zeros_like(g)
    with np.errstate(all="ignore"):
        pos = F.log(F.maximum(g, zero)) - out
        neg = F.log(F.maximum(-g, zero)) - out
        gp = F.exp(_run(F, CUMLSE, (pos,), q) + x)
        gn = F.exp(_run(F, CUMLSE, (neg,), q) + x)
    return (gp - gn,)


def _cumlse_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    # d out_j = sum_i exp(x_i - out_j) t_i = exp(m - out_j) * cumsum(exp(x_i - m) t_i) with m the slice's max; an
    # empty (exclusive) prefix has out_j = -inf and tangent 0
    x = ins[0]
    m = F.max(x, axis=p["axis"], keepdims=True)
    w = F.exp(x - m) * ts[0]
    s = reductions.cumsum(w, p["axis"], p["exclusive"], p["reverse"]) if getattr(F, "is_diff", False) \
        else reductions.CUMSUM.fwd(F, w, p["axis"], p["exclusive"], p["reverse"])
    fin = out > -np.inf
    zero = F.zeros_like(out)
    return F.where(fin, s * F.exp(m - F.where(fin, out, zero + m)), zero)


CUMLSE = defop("cumulative_logsumexp", _cumlse_fwd, _cumlse_vjp, _cumlse_jvp, save_out=True, test=[
    spec(lambda tf, x: tf.math.cumulative_logsumexp(x, axis=1), lambda rng: (rng.normal(size=(3, 5)),),
         ref=lambda x: np.logaddexp.accumulate(x, axis=1), order2=False),
    spec(lambda tf, x: tf.math.cumulative_logsumexp(x, exclusive=True, reverse=True)[:-1],
         lambda rng: (rng.normal(size=(4, 2)) * 30,),
         ref=lambda x: np.flip(np.logaddexp.accumulate(np.flip(x, 0), axis=0), 0)[1:], order2=False,
         name="exclusive_reverse"),
])


def cumulative_logsumexp(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
                         name: str | None = None) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``axis``, computed without overflow (``logaddexp`` scan); ``exclusive``
    starts from ``-inf``, ``reverse`` scans from the end. The gradient is TF's (the upstream's positive and
    negative parts summed in log space); second derivatives are not supported (NaN where the upstream is 0).

    >>> import tapegrad as tf
    >>> tf.math.cumulative_logsumexp(tf.constant([0.0, 0.0], tf.float64)).numpy().round(6).tolist()
    [0.0, 0.693147]
    """
    t = to_tensor(x)
    _real_float(t, "cumulative_logsumexp")
    nd = t._value.ndim
    a = int(static_value(to_tensor(axis))) if isinstance(axis, _TensorLike) else operator.index(axis)
    if nd == 0 or not -nd <= a < nd:
        raise InvalidArgumentError(f"cumulative_logsumexp: axis {a} is out of range for a tensor of rank {nd}.")
    return applyn(CUMLSE, (t,), {"axis": a % nd - nd, "exclusive": bool(exclusive), "reverse": bool(reverse)})


# -- elementwise -------------------------------------------------------------------------------------------------


RINT = defop("rint", lambda F, x: F.rint(x), None,
             test=spec(lambda tf, x: tf.math.rint(x), lambda rng: (rng.normal(size=6) * 3,), ref=np.rint))


def rint(x: Any, name: str | None = None) -> Tensor:
    """Round to the nearest integer, halves to even (``[0.5, 1.5, 2.5] → [0, 2, 2]``); float dtypes only; no
    gradient (None), as TF.

    >>> import tapegrad as tf
    >>> tf.math.rint(tf.constant([0.5, 1.5, 2.5, -1.7])).numpy().tolist()
    [0.0, 2.0, 2.0, -2.0]
    """
    t = to_tensor(x)
    _real_float(t, "rint")
    return applyn(RINT, (t,))


def mod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``tf.math.mod``: the same as ``tf.math.floormod`` (the result has the sign of ``y``).

    >>> import tapegrad as tf
    >>> tf.math.mod(tf.constant([-7, 7]), tf.constant([3, -3])).numpy().tolist()
    [2, -2]
    """
    return arithmetic.floormod(x, y)


def _nextafter_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    return (g, F.zeros_like(g) if needs[1] else None)


NEXTAFTER = defop("nextafter", lambda F, x, y: F.nextafter(x, y), _nextafter_vjp,
                  lambda F, ts, ins, out, p: ts[0], order2=True,
                  test=spec(lambda tf, x, y: tf.math.nextafter(x, y), lambda rng: tuple(rng.normal(size=(2, 4, 3))),
                            ref=np.nextafter))


def nextafter(x1: Any, x2: Any, name: str | None = None) -> Tensor:
    """The next representable value after ``x1`` towards ``x2`` (float32/float64). Gradient: the upstream for
    ``x1`` and zero for ``x2``, as TF.

    >>> import tapegrad as tf
    >>> tf.math.nextafter(tf.constant(1.0), tf.constant(2.0)).numpy().item()
    1.0000001192092896
    """
    a, b = pair(x1, x2, "nextafter")
    if a._value.dtype not in (np.float32, np.float64):
        raise InvalidArgumentError(f"nextafter: expected float32 or float64, got {a.dtype.name}.")
    return applyn(NEXTAFTER, (a, b))


def _trunc_check(F: Any, x: Any, y: Any, op: str) -> None:
    if np.asarray(x).dtype.kind in "iu" and not np.all(np.asarray(y)):
        # TF's CPU kernel reports this as an InternalError ("Unexpected error in binary operator")
        raise InternalError(f"{op}: integer division by zero (the divisor has a zero element).")


def _truncdiv_fwd(F: Any, x: Any, y: Any) -> Any:
    _trunc_check(F, x, y, "truncatediv")
    if x.dtype.kind in "iu":
        q = F.abs(x) // F.abs(y)
        return F.astype(F.where((x < 0) != (y < 0), -q, q), x.dtype)
    with np.errstate(all="ignore"):
        return F.trunc(x / y)


def _truncmod_fwd(F: Any, x: Any, y: Any) -> Any:
    _trunc_check(F, x, y, "truncatemod")
    with np.errstate(all="ignore"):
        return F.fmod(x, y)


TRUNCATEDIV = defop("truncatediv", _truncdiv_fwd, None, test=spec(
    lambda tf, x, y: tf.truncatediv(x, y), lambda rng: (rng.normal(size=6) * 5, rng.uniform(1, 2, 6)),
    ref=lambda x, y: np.trunc(x / y)))
TRUNCATEMOD = defop("truncatemod", _truncmod_fwd, NO_GRADIENT, test=spec(
    lambda tf, x, y: tf.truncatemod(x, y), lambda rng: (rng.normal(size=6) * 5, rng.uniform(1, 2, 6)),
    ref=np.fmod, grad=()))


def _int_or_float(a: Tensor, op: str) -> None:
    if a._value.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"{op}: expected an integer or real floating-point tensor, got {a.dtype.name}.")


def truncatediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Division rounding toward zero (C semantics: ``-7 / 2 == -3``); integer division by zero is an error.
    No gradient (None), as TF.

    >>> import tapegrad as tf
    >>> tf.truncatediv(tf.constant([-7, 7]), tf.constant([2, 2])).numpy().tolist()
    [-3, 3]
    """
    a, b = pair(x, y, "truncatediv")
    _int_or_float(a, "truncatediv")
    return applyn(TRUNCATEDIV, (a, b))


def truncatemod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """The remainder of ``truncatediv``: it has the sign of ``x`` (C's ``fmod``). TF registers no gradient
    (``gradient()`` raises LookupError).

    >>> import tapegrad as tf
    >>> tf.truncatemod(tf.constant([-7, 7]), tf.constant([3, -3])).numpy().tolist()
    [-1, 1]
    """
    a, b = pair(x, y, "truncatemod")
    _int_or_float(a, "truncatemod")
    return applyn(TRUNCATEMOD, (a, b))


def realdiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y`` for floating-point (or complex) tensors of one dtype (TF has no integer kernel: NotFoundError).

    >>> import tapegrad as tf
    >>> tf.realdiv(tf.constant([7.0]), tf.constant([2.0])).numpy().tolist()
    [3.5]
    """
    a, b = pair(x, y, "realdiv")
    if a._value.dtype.kind not in "fc":
        raise NotFoundError(f"realdiv: there is no {a.dtype.name} kernel (RealDiv is for floating-point and complex "
                            "tensors); use tf.math.truncatediv or tf.math.floordiv for integers.")
    return arithmetic._realdiv(a, b)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Any:
    """``scalar * x`` for a 0-D ``scalar`` (``x`` may be an IndexedSlices: its values are scaled).

    >>> import tapegrad as tf
    >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 2.0])).numpy().tolist()
    [2.0, 4.0]
    """
    from .._indexed_slices import IndexedSlices

    shape = tuple(np.shape(scalar._value if isinstance(scalar, _TensorLike) else scalar))
    if shape != ():
        raise ValueError(f"scalar_mul: the input scalar must be a 0-D value, got shape {shape}.")
    if isinstance(x, IndexedSlices):
        return IndexedSlices(arithmetic.multiply(core.cast(scalar, x.values.dtype) if not isinstance(
            scalar, _TensorLike) else scalar, x.values), x.indices, x.dense_shape)
    t = to_tensor(x)
    s = scalar if isinstance(scalar, _TensorLike) else core.constant(scalar, dtype=t.dtype)
    if s.dtype != t.dtype:
        raise ValueError(f"scalar_mul: the scalar has dtype {s.dtype.name} but x has {t.dtype.name}; cast one.")
    return arithmetic.multiply(s, t)


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """The fraction of zeros in ``value``, as float32 (NaN for an empty tensor).

    >>> import tapegrad as tf
    >>> tf.math.zero_fraction(tf.constant([0.0, 1.0, 0.0, 2.0])).numpy().item()
    0.5
    """
    v = static_value(to_tensor(value))
    with np.errstate(all="ignore"):
        frac = np.float32(np.count_nonzero(v == 0)) / np.float32(v.size)
    return core.constant(np.float32(frac))


def accumulate_n(inputs: Any, shape: Any = None, tensor_dtype: Any = None, name: str | None = None) -> Tensor:
    """The elementwise sum of a list of tensors of one shape and dtype (deprecated in TF in favour of add_n;
    ``shape``/``tensor_dtype``, when given, are checked).

    >>> import tapegrad as tf
    >>> tf.math.accumulate_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]).numpy().tolist()
    [4.0, 6.0]
    """
    from .._shape import TensorShape

    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("accumulate_n: inputs must be a non-empty list of tensors.")
    ts = [to_tensor(t) for t in inputs]
    shapes = {tuple(t._value.shape) for t in ts}
    if len(shapes) > 1:
        a, b = sorted(shapes)[:2]
        raise ValueError(f"accumulate_n: shapes {list(a)} and {list(b)} are not compatible (all inputs need one "
                         "shape).")
    if shape is not None and not TensorShape(shape).is_compatible_with(TensorShape(list(ts[0]._value.shape))):
        raise ValueError(f"accumulate_n: shape {list(TensorShape(shape))} is not compatible with the inputs' "
                         f"{list(ts[0]._value.shape)}.")
    if tensor_dtype is not None and _dtypes.as_dtype(tensor_dtype) != ts[0].dtype:
        raise TypeError(f"accumulate_n: tensor_dtype {_dtypes.as_dtype(tensor_dtype).name} does not match the "
                        f"inputs' {ts[0].dtype.name}.")
    return arithmetic.add_n(ts)


def invert_permutation(x: Any, name: str | None = None) -> Tensor:
    """The inverse permutation: ``y[x[i]] = i`` (int32/int64 vector holding each of 0..n-1 once).

    >>> import tapegrad as tf
    >>> tf.math.invert_permutation(tf.constant([3, 4, 0, 2, 1])).numpy().tolist()
    [2, 4, 3, 0, 1]
    """
    t = to_tensor(x)
    if t.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"invert_permutation: expected int32 or int64, got {t.dtype.name}.")
    v = static_value(t)
    if v.ndim != 1:
        raise InvalidArgumentError(f"invert_permutation expects a 1-D vector, got shape {list(v.shape)}.")
    n = v.size
    out = np.full(n, -1, v.dtype)
    for i, d in enumerate(v.tolist()):
        if not 0 <= d < n:
            raise InvalidArgumentError(f"invert_permutation: {d} is not between 0 and {n}.")
        if out[d] >= 0:
            raise InvalidArgumentError(f"invert_permutation: {d} is duplicated in the input.")
        out[d] = i
    return core.constant(out)


# -- approximate top-k (exact on CPU, as TF's CPU kernel) ------------------------------------------------------------


def _approx_k(operand: Any, k: int, reduction_dimension: int, largest: bool, op: str) -> ApproxTopK:
    from . import shape_ops

    x = to_tensor(operand)
    nd = x._value.ndim
    if x.dtype.name not in ("float16", "bfloat16", "float32"):
        raise InvalidArgumentError(f"{op}: the ApproxTopK op takes float16, bfloat16 or float32 only, got "
                                   f"{x.dtype.name}; cast it, e.g. tf.cast(x, tf.float32), or use tf.math.top_k.")
    if nd == 0:
        raise InvalidArgumentError(f"{op}: operand must have rank >= 1, got a scalar.")
    if not -nd <= reduction_dimension < nd:
        raise InvalidArgumentError(f"{op}: reduction_dimension {reduction_dimension} is out of range for rank {nd}.")
    dim = reduction_dimension % nd
    if dim != nd - 1:
        perm = list(range(nd))
        perm[dim], perm[-1] = perm[-1], perm[dim]
        x = shape_ops.transpose(x, perm)
    r = reductions.top_k(x if largest else -x, k=k)
    vals, idx = (r.values if largest else -r.values), r.indices
    if dim != nd - 1:
        vals, idx = shape_ops.transpose(vals, perm), shape_ops.transpose(idx, perm)
    return ApproxTopK(vals, idx)


def approx_max_k(operand: Any, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True,
                 name: str | None = None) -> ApproxTopK:
    """The ``k`` largest values along ``reduction_dimension`` and their indices. TF's CPU kernel is exact, and so
    is this (``recall_target`` is accepted and has no effect); gradient as ``top_k``.

    >>> import tapegrad as tf
    >>> v, i = tf.math.approx_max_k(tf.constant([[1.0, 5.0, 3.0, 4.0]]), 2)
    >>> v.numpy().tolist(), i.numpy().tolist()
    ([[5.0, 4.0]], [[1, 3]])
    """
    return _approx_k(operand, k, reduction_dimension, True, "approx_max_k")


def approx_min_k(operand: Any, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True,
                 name: str | None = None) -> ApproxTopK:
    """The ``k`` smallest values along ``reduction_dimension`` and their indices (exact; TF's CPU build has no
    kernel for it at all and raises NotFoundError).

    >>> import tapegrad as tf
    >>> v, i = tf.math.approx_min_k(tf.constant([[1.0, 5.0, 3.0, 4.0]]), 2)
    >>> v.numpy().tolist(), i.numpy().tolist()
    ([[1.0, 3.0]], [[0, 2]])
    """
    return _approx_k(operand, k, reduction_dimension, False, "approx_min_k")


def approx_top_k(input: Any, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,  # noqa: A002
                 is_max_k: bool = True, reduction_input_size_override: int = -1, aggregate_to_topk: bool = True,
                 name: str | None = None) -> ApproxTopK:
    """``tf.approx_top_k``: ``approx_max_k`` (``is_max_k=True``) or ``approx_min_k``.

    >>> import tapegrad as tf
    >>> tf.approx_top_k(tf.constant([[1.0, 5.0, 3.0]]), 1).values.numpy().tolist()
    [[5.0]]
    """
    return _approx_k(input, k, reduction_dimension, bool(is_max_k), "approx_top_k")


# -- casts --------------------------------------------------------------------------------------------------------


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Cast with clamping to the target's range (complex to real keeps the real part). Values beyond the range
    become its ends: e.g. ``300.0 → 255`` as uint8. The float-to-int clamp bound is the largest source value not
    above the target's maximum as TF computes it, so results equal TF's (NaN casts as the CPU does). Gradient:
    as ``cast``.

    >>> import tapegrad as tf
    >>> tf.saturate_cast(tf.constant([300.0, -5.0, 7.0]), tf.uint8).numpy().tolist()
    [255, 0, 7]
    """
    x = to_tensor(value)
    dt = _dtypes.as_dtype(dtype)
    src = x._value.dtype
    out = np.dtype(dt.as_numpy_dtype)
    if src.kind == "c" and out.kind != "c":
        x = core.real(x)
        src = x._value.dtype
    if out.kind in "iuf" and src.kind in "iuf":
        info_o = np.iinfo(out) if out.kind in "iu" else np.finfo(out)
        info_s = np.iinfo(src) if src.kind in "iu" else np.finfo(src)
        if float(info_s.min) < float(info_o.min):
            lo = np.asarray(info_o.min).astype(src)
            x = arithmetic.maximum(x, core.constant(lo))
        if float(info_s.max) > float(info_o.max):
            hi = np.asarray(info_o.max).astype(src)
            if hi > np.asarray(info_o.max, out):  # (compared as NumPy promotes them, like TF)
                hi = np.nextafter(hi, np.zeros((), src)) if src.kind == "f" else hi
            x = arithmetic.minimum(x, core.constant(hi))
    with np.errstate(all="ignore"):
        return core.cast(x, dt)


# -- fingerprint ----------------------------------------------------------------------------------------------------


def fingerprint(data: Any, method: str = "farmhash64", name: str | None = None) -> Tensor:
    """FarmHash ``Fingerprint64`` of each row of ``data`` (first axis), as ``[rows, 8]`` uint8 (little endian),
    bit-exact with TF. Numeric rows hash their raw bytes; a row of one string hashes the string, a row of several
    hashes the concatenation of their fingerprints.

    >>> import tapegrad as tf
    >>> tf.fingerprint(tf.constant(["abc"])).numpy().tolist()
    [[105, 243, 231, 116, 160, 179, 165, 36]]
    """
    from .string_ops import fingerprint64

    if method != "farmhash64":
        raise InvalidArgumentError(f"fingerprint: unsupported method {method!r}; only 'farmhash64' exists.")
    t = to_tensor(data)
    v = static_value(t)
    if v.ndim < 1:
        raise InvalidArgumentError(f"fingerprint: `data` should have at least one dimension, got shape {v.shape}.")
    rows = v.reshape(v.shape[0], -1)
    out = np.zeros((v.shape[0], 8), np.uint8)
    for i, row in enumerate(rows):
        if v.dtype.kind in "OSU":
            strs = [s if isinstance(s, bytes) else str(s).encode() for s in row.tolist()]
            fp = fingerprint64(strs[0]) if len(strs) == 1 else fingerprint64(
                b"".join(struct.pack("<Q", fingerprint64(s)) for s in strs))
        else:
            fp = fingerprint64(np.ascontiguousarray(row).astype(row.dtype.newbyteorder("<")).tobytes())
        out[i] = np.frombuffer(struct.pack("<Q", fp), np.uint8)
    return core.constant(out)


# -- shapes ---------------------------------------------------------------------------------------------------------


def broadcast_static_shape(shape_x: Any, shape_y: Any) -> Any:
    """The broadcast of two ``TensorShape``s (unknown dimensions stay unknown); ValueError if incompatible.

    >>> import tapegrad as tf
    >>> tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3]))
    TensorShape([2, 3])
    """
    from .._shape import TensorShape

    a, b = TensorShape(shape_x), TensorShape(shape_y)
    if a.rank is None or b.rank is None:
        return TensorShape(None)
    da, db = list(a.as_list()), list(b.as_list())
    n = max(len(da), len(db))
    da, db = [1] * (n - len(da)) + da, [1] * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1 or x == y:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        else:
            raise ValueError(f"Incompatible shapes for broadcasting: {a} and {b}.")
    return TensorShape(out)


def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> Tensor:
    """The broadcast of two shape vectors (int32/int64 tensors), as a tensor of their dtype.

    >>> import tapegrad as tf
    >>> tf.broadcast_dynamic_shape([2, 1], [3]).numpy().tolist()
    [2, 3]
    """
    # a Python list takes the other argument's dtype (op-def type inference, as TF's BroadcastArgs)
    a = to_tensor(shape_x) if isinstance(shape_x, _TensorLike) or not isinstance(shape_y, _TensorLike) else \
        core.constant(shape_x, dtype=shape_y.dtype)
    b = to_tensor(shape_y) if isinstance(shape_y, _TensorLike) else core.constant(shape_y, dtype=a.dtype)
    if a.dtype != b.dtype:
        raise InvalidArgumentError(f"broadcast_dynamic_shape: both shapes need one dtype, got {a.dtype.name} and "
                                   f"{b.dtype.name}.")
    va, vb = static_value(a), static_value(b)
    if va.ndim != 1 or vb.ndim != 1:
        raise InvalidArgumentError(f"broadcast_dynamic_shape: shapes must be vectors, got ranks {va.ndim} and "
                                   f"{vb.ndim}.")
    try:
        out = np.broadcast_shapes(tuple(va.tolist()), tuple(vb.tolist()))
    except ValueError:
        raise InvalidArgumentError(f"broadcast_dynamic_shape: incompatible shapes {va.tolist()} and "
                                   f"{vb.tolist()}.") from None
    return core.constant(np.asarray(out, va.dtype))


def shape_n(input: Any, out_type: Any = None, name: str | None = None) -> list[Tensor]:  # noqa: A002
    """The shapes of a list of tensors, as a list of int32 (or ``out_type``) vectors.

    >>> import tapegrad as tf
    >>> [s.numpy().tolist() for s in tf.shape_n([tf.zeros([2, 3]), tf.zeros([4])])]
    [[2, 3], [4]]
    """
    from . import shape_ops

    return [shape_ops.shape(t, out_type=out_type or _dtypes.int32) for t in input]


def parallel_stack(values: Any, name: str = "parallel_stack") -> Tensor:
    """Stack tensors of one shape along a new first axis. TF allows it only in graphs (inside ``tf.function``);
    eagerly it raises RuntimeError, as here.

    >>> import tapegrad as tf
    >>> f = tf.function(lambda a, b: tf.parallel_stack([a, b]))
    >>> f(tf.constant([1, 2]), tf.constant([3, 4])).numpy().tolist()
    [[1, 2], [3, 4]]
    """
    from .execution import executing_eagerly

    if executing_eagerly():
        raise RuntimeError("tf.parallel_stack() is not compatible with eager execution (as in TF); use tf.stack, "
                           "or call it inside a tf.function.")
    ts = [to_tensor(v) for v in values]
    if len({tuple(t._value.shape) for t in ts}) > 1:
        raise ValueError(f"parallel_stack: all values need one shape, got {[tuple(t._value.shape) for t in ts]}.")
    if len({t.dtype for t in ts}) > 1:
        raise TypeError(f"parallel_stack: all values need one dtype, got {[t.dtype.name for t in ts]}.")
    return applyn(PARALLEL_STACK, tuple(ts))


# TF's ParallelConcat has no registered gradient: differentiating through parallel_stack raises LookupError
# (the spec applies the op directly: the eager-mode refusal is the wrapper's, not the op's)
PARALLEL_STACK = defop("parallel_stack", lambda F, *xs: F.stack(xs, axis=0), NO_GRADIENT, test=spec(
    lambda tf, a, b: applyn(PARALLEL_STACK, (a, b)),
    lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))), ref=lambda a, b: np.stack([a, b]), grad=(),
    tf=False))


EXPORTS: dict[str, list[str]] = {
    "": ["realdiv", "truncatediv", "truncatemod", "scalar_mul", "saturate_cast", "fingerprint", "approx_top_k",
         "broadcast_static_shape", "broadcast_dynamic_shape", "shape_n", "parallel_stack"],
    "math": ["segment_max", "segment_min", "segment_prod", "cumulative_logsumexp", "rint", "mod", "nextafter",
             "zero_fraction", "accumulate_n", "invert_permutation", "approx_max_k", "approx_min_k", "scalar_mul"],
    "nn": ["approx_max_k", "approx_min_k"],
}
