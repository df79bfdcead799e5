"""Raw ops of the math family: element-wise unary/binary ops, comparisons, reductions, scans, segment ops and the
element-wise gradient kernels (``TanhGrad``, ``SigmoidGrad``, ...), on tapegrad's differentiable public ops."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, NotFoundError
from ._table import Impl, args, public

P = public

_UNARY = {
    "Abs": "abs", "Acos": "acos", "Acosh": "acosh", "Asin": "asin", "Asinh": "asinh", "Atan": "atan",
    "Atanh": "atanh", "Ceil": "ceil", "Cos": "cos", "Cosh": "cosh", "Exp": "exp", "Expm1": "expm1", "Floor": "floor",
    "Log": "log", "Log1p": "log1p", "Neg": "negative", "Reciprocal": "reciprocal", "Inv": "reciprocal", "Rint": "rint",
    "Round": "round", "Rsqrt": "rsqrt", "Sigmoid": "sigmoid", "Sign": "sign", "Sin": "sin", "Sinh": "sinh",
    "Sqrt": "sqrt", "Square": "square", "Tan": "tan", "Tanh": "tanh", "IsFinite": "is_finite", "IsInf": "is_inf",
    "IsNan": "is_nan", "LogicalNot": "logical_not", "Erf": "erf", "Erfc": "erfc", "Erfinv": "erfinv",
    "Ndtri": "ndtri", "Lgamma": "lgamma", "Digamma": "digamma",
}

_BINARY = {
    "Add": "add", "AddV2": "add", "Sub": "subtract", "Mul": "multiply", "RealDiv": "truediv", "FloorDiv": "floordiv",
    "FloorMod": "floormod", "Pow": "pow", "Maximum": "maximum", "Minimum": "minimum",
    "SquaredDifference": "squared_difference", "Less": "less", "LessEqual": "less_equal", "Greater": "greater",
    "GreaterEqual": "greater_equal", "LogicalAnd": "logical_and", "LogicalOr": "logical_or",
    "DivNoNan": "divide_no_nan", "MulNoNan": "multiply_no_nan", "Xdivy": "xdivy", "Xlogy": "xlogy",
    "Xlog1py": "xlog1py",
}

_REDUCE = {"Sum": "reduce_sum", "Mean": "reduce_mean", "Max": "reduce_max", "Min": "reduce_min",
           "Prod": "reduce_prod", "All": "reduce_all", "Any": "reduce_any", "EuclideanNorm": "reduce_euclidean_norm"}

_SEGMENT = ("Sum", "Mean", "Max", "Min", "Prod")
# Not here because TF 2.21 has no CPU kernel for them (eager calls raise NotFoundError/InvalidArgumentError):
# Segment{Sum,Max,Min,Prod}V2, AccumulateNV2 (a graph-rewrite op), TopK (v1; TopKV2 is the op).


def _is_int(x: Any) -> bool:
    return x.dtype.is_integer


def _truncate_div(x: Any, y: Any) -> Any:
    import tapegrad as tg

    if not _is_int(x):
        q = x / y
        return tg.sign(q) * tg.floor(tg.abs(q))
    q = tg.math.floordiv(x, y)
    inexact = tg.not_equal(q * y, x)
    return tg.where(inexact & tg.not_equal(x < 0, y < 0), q + 1, q)


def _truncate_mod(x: Any, y: Any) -> Any:

    if not _is_int(x):
        return x - y * _truncate_div(x, y)
    return x - y * _truncate_div(x, y)


def _div(x: Any, y: Any) -> Any:
    import tapegrad as tg

    return _truncate_div(x, y) if _is_int(x) else tg.math.truediv(x, y)


def _equal(which: str) -> Impl:
    def impl(x: Any, y: Any, incompatible_shape_error: bool) -> Any:
        import tapegrad as tg

        if not incompatible_shape_error:
            try:
                np.broadcast_shapes(tuple(x.shape), tuple(y.shape))
            except ValueError:
                return tg.constant(which == "NotEqual")
        return getattr(tg.math, "equal" if which == "Equal" else "not_equal")(x, y)

    return impl


def _approximate_equal(x: Any, y: Any, tolerance: float) -> Any:
    import tapegrad as tg

    if tuple(x.shape) != tuple(y.shape):
        raise InvalidArgumentError(None, None, f"raw_ops.ApproximateEqual: x and y must have the same shape, got "
                                   f"{tuple(x.shape)} and {tuple(y.shape)} (it does not broadcast).")
    return tg.less(tg.abs(x - y), tg.cast(tolerance, x.dtype))


def _with_tout(path: str, name: str) -> Impl:
    """``Real``/``Imag``/``Angle``/``ComplexAbs``: ``Tout`` must be the part dtype of the input (float64 for
    complex128: TF has no kernel for the default float32 there, and says NotFoundError; ComplexAbs says
    InvalidArgumentError)."""
    fn = P(path)

    def impl(**kw: Any) -> Any:
        tout = kw.pop("Tout")
        out = fn(*kw.values())
        if out.dtype != tout:
            error = InvalidArgumentError if name == "ComplexAbs" else NotFoundError
            raise error(None, None, f"raw_ops.{name}: Tout={tout.name} does not match this input's part dtype "
                        f"{out.dtype.name}; pass Tout=tapegrad.{out.dtype.name}.")
        return out

    return impl


def _float_kernel(op: str, impl: Impl) -> Impl:
    """Ops whose definition admits integers but whose TF CPU kernels are floating/complex only (NotFoundError)."""

    def checked(**kw: Any) -> Any:
        x = kw["x"]
        if x.dtype.is_integer:
            raise NotFoundError(None, None, f"raw_ops.{op}: TF has no {x.dtype.name} kernel for {op}; cast to a "
                                f"floating dtype first (tapegrad.cast(x, tapegrad.float32)).")
        return impl(**kw)

    checked.keys = impl.keys  # type: ignore[attr-defined]
    return checked


def _population_count(x: Any) -> Any:
    """The number of set bits of each element (of its two's-complement bytes), as uint8."""
    import tapegrad as tg

    if not x.dtype.is_integer:
        raise InvalidArgumentError(None, None, f"raw_ops.PopulationCount: x must be an integer tensor, got "
                                   f"{x.dtype.name}.")
    v = np.ascontiguousarray(np.asarray(x.numpy()))
    bits = np.unpackbits(v.view(np.uint8).reshape(v.shape + (v.dtype.itemsize,)), axis=-1)
    return tg.constant(bits.sum(axis=-1).astype(np.uint8))


def _reduce(fn_name: str) -> Impl:
    fn = P(fn_name)

    def impl(input: Any, axis: Any, keep_dims: bool) -> Any:  # noqa: A002 - TF's name
        return fn(input, axis=axis, keepdims=keep_dims)

    return impl


def _arg(fn_name: str) -> Impl:
    fn = P(fn_name)

    def impl(input: Any, dimension: Any, output_type: Any) -> Any:  # noqa: A002
        return fn(input, axis=dimension, output_type=output_type)

    return impl


def _scan(fn_name: str) -> Impl:
    fn = P(fn_name)

    def impl(x: Any, axis: Any, exclusive: bool, reverse: bool) -> Any:
        return fn(x, axis=axis, exclusive=exclusive, reverse=reverse)

    return impl


def _grad(rule: str) -> Impl:
    """The element-wise gradient kernels ``<Op>Grad(y, dy)``: the derivative from the op's output ``y``."""

    def impl(y: Any, dy: Any) -> Any:
        import tapegrad as tg

        c = tg.math.conj if y.dtype.is_complex else (lambda v: v)
        if rule == "tanh":
            return dy * c(1 - y * y)
        if rule == "sigmoid":
            return dy * c(y * (1 - y))
        if rule == "sqrt":
            return dy * 0.5 / c(y)
        if rule == "rsqrt":
            return dy * c(-0.5 * y * y * y)
        return -dy * c(y * y)  # reciprocal

    return impl


def _add_n(inputs: list[Any]) -> Any:
    import tapegrad as tg

    return tg.add_n(inputs)


def _bincount(arr: Any, size: Any, weights: Any) -> Any:
    import tapegrad as tg

    n = int(size.numpy())
    if n < 0:
        raise InvalidArgumentError(None, None, f"raw_ops.Bincount: size must be non-negative, got {n}.")
    w = None if int(np.prod(weights.shape)) == 0 else weights
    return tg.math.bincount(arr, weights=w, minlength=n, maxlength=n, dtype=weights.dtype)


def _dense_bincount(input: Any, size: Any, weights: Any, binary_output: bool) -> Any:  # noqa: A002
    import tapegrad as tg

    n = int(size.numpy())
    w = None if int(np.prod(weights.shape)) == 0 else weights
    axis = None if len(input.shape) <= 1 else -1
    return tg.math.bincount(input, weights=w, minlength=n, maxlength=n, dtype=weights.dtype,
                            binary_output=binary_output, axis=axis)


def _top_k_v2(input: Any, k: Any, sorted: bool, index_type: Any) -> Any:  # noqa: A002
    import tapegrad as tg

    values, indices = tg.math.top_k(input, k=k, sorted=sorted)
    return values, tg.cast(indices, index_type)


def _in_top_k(predictions: Any, targets: Any, k: Any) -> Any:
    import tapegrad as tg

    return tg.math.in_top_k(targets, predictions, k)


def _histogram(values: Any, value_range: Any, nbins: Any, dtype: Any) -> Any:
    import tapegrad as tg

    return tg.histogram_fixed_width(values, value_range, nbins=nbins, dtype=dtype)


def _complex(real: Any, imag: Any, Tout: Any) -> Any:  # noqa: N803 - TF's name
    import tapegrad as tg

    out = tg.complex(real, imag)
    if out.dtype != Tout:
        raise NotFoundError(None, None, f"raw_ops.Complex: Tout={Tout.name} does not match the inputs' "
                                   f"{real.dtype.name} parts (complex64 needs float32, complex128 float64).")
    return out


def _isotonic(input: Any, output_dtype: Any) -> Any:  # noqa: A002
    import tapegrad as tg

    out, segments = tg.nn.isotonic_regression(input, decreasing=True)
    return tg.cast(out, output_dtype), segments


OPS: dict[str, Impl] = {}
OPS.update({op: args(P(f"math.{fn}"), "x") for op, fn in _UNARY.items()})
OPS.update({op: args(P(f"math.{fn}"), "x", "y") for op, fn in _BINARY.items()})
OPS.update({op: _reduce(f"math.{fn}") for op, fn in _REDUCE.items()})
OPS.update({op: _float_kernel(op, OPS[op]) for op in ("Reciprocal", "Inv", "RealDiv")})
OPS.update({
    "Conj": args(P("math.conj"), "input"),
    "OnesLike": args(P("ones_like"), "x"),
    "ZerosLike": args(P("zeros_like"), "x"),
    "Div": args(_div, "x", "y"),
    "TruncateDiv": args(_truncate_div, "x", "y"),
    "TruncateMod": args(_truncate_mod, "x", "y"),
    "Mod": args(_truncate_mod, "x", "y"),
    "Atan2": args(P("math.atan2"), "y", "x"),
    "NextAfter": args(P("math.nextafter"), "x1", "x2"),
    "Betainc": args(P("math.betainc"), "a", "b", "x"),
    "Igamma": args(P("math.igamma"), "a", "x"),
    "Igammac": args(P("math.igammac"), "a", "x"),
    "Polygamma": args(P("math.polygamma"), "a", "x"),
    "Zeta": args(P("math.zeta"), "x", "q"),
    "Equal": _equal("Equal"),
    "NotEqual": _equal("NotEqual"),
    "ApproximateEqual": _approximate_equal,
    "Real": _with_tout("math.real", "Real"),
    "Imag": _with_tout("math.imag", "Imag"),
    "Angle": _with_tout("math.angle", "Angle"),
    "ComplexAbs": _with_tout("math.abs", "ComplexAbs"),
    "Complex": _complex,
    "ArgMax": _arg("math.argmax"),
    "ArgMin": _arg("math.argmin"),
    "Cumsum": _scan("math.cumsum"),
    "Cumprod": _scan("math.cumprod"),
    "CumulativeLogsumexp": _scan("math.cumulative_logsumexp"),
    "AddN": _add_n,
    "ClipByValue": args(P("clip_by_value"), "t", "clip_value_min", "clip_value_max"),
    "Cross": args(P("linalg.cross"), "a", "b"),
    "Range": args(P("range"), "start", "limit", "delta"),
    "LinSpace": args(P("linspace"), "start", "stop", "num"),
    "Bincount": _bincount,
    "DenseBincount": _dense_bincount,
    "HistogramFixedWidth": _histogram,
    "TopKV2": _top_k_v2,
    "InTopK": _in_top_k,
    "InTopKV2": _in_top_k,
    "SobolSample": args(P("math.sobol_sample"), "dim", "num_results", "skip", "dtype"),
    "IsotonicRegression": _isotonic,
    "PopulationCount": _population_count,
    "TanhGrad": _grad("tanh"),
    "SigmoidGrad": _grad("sigmoid"),
    "SqrtGrad": _grad("sqrt"),
    "RsqrtGrad": _grad("rsqrt"),
    "ReciprocalGrad": _grad("reciprocal"),
    "InvGrad": _grad("reciprocal"),
})
for _k in _SEGMENT:
    OPS[f"Segment{_k}"] = args(P(f"math.segment_{_k.lower()}"), "data", "segment_ids")
    OPS[f"UnsortedSegment{_k}"] = args(P(f"math.unsorted_segment_{_k.lower()}"), "data", "segment_ids",
                                       "num_segments")
del OPS["UnsortedSegmentMean"]  # not a TF raw op (tf.math.unsorted_segment_mean is composite)

