"""``tf.raw_ops`` programs of the math family (element-wise, comparisons, reductions, scans, segments, gradient
kernels, call checking), run unchanged under TensorFlow and tapegrad with the harness of
``raw_ops_harness.py`` (``python raw_math_programs.py MODULE OUT``); compared by ``test_raw_ops_vs_tf.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_ops_harness import grad, main, outcome, registry  # noqa: E402

CASES, case = registry()


UNARY = ("Abs", "Acos", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Cos", "Cosh", "Exp", "Expm1", "Floor", "Log",
         "Log1p", "Neg", "Reciprocal", "Inv", "Rint", "Round", "Rsqrt", "Sigmoid", "Sign", "Sin", "Sinh", "Sqrt",
         "Square", "Tan", "Tanh", "IsFinite", "IsInf", "IsNan", "Erf", "Erfc", "Erfinv", "Ndtri", "Lgamma", "Digamma",
         "OnesLike", "ZerosLike")
BINARY = ("Add", "AddV2", "Sub", "Mul", "Div", "RealDiv", "FloorDiv", "FloorMod", "TruncateDiv", "TruncateMod", "Mod",
          "Pow", "Maximum", "Minimum", "SquaredDifference", "Less", "LessEqual", "Greater", "GreaterEqual",
          "DivNoNan", "MulNoNan", "Xdivy", "Xlogy", "Xlog1py", "Atan2", "Igamma", "Igammac", "Zeta", "Polygamma",
          "NextAfter")
# TF's argument names where they are not x, y
NAMES = {"Atan2": ("y", "x"), "NextAfter": ("x1", "x2"), "Igamma": ("a", "x"), "Igammac": ("a", "x"),
         "Polygamma": ("a", "x"), "Zeta": ("x", "q")}
REDUCE = ("Sum", "Mean", "Max", "Min", "Prod", "EuclideanNorm")


def _unary(op: str) -> Callable[[Any], Any]:
    def prog(tf: Any) -> Any:
        fn = getattr(tf.raw_ops, op)
        x = [0.2, 0.5, 0.9, -0.3] if op not in ("Log", "Sqrt", "Rsqrt", "Lgamma", "Digamma") else [0.2, 0.5, 2.0]
        out = [fn(x=tf.constant(x)), fn(x=tf.constant(x, tf.float64)), outcome(lambda: fn(x=tf.constant([1, -2])))]
        if op not in ("IsFinite", "IsInf", "IsNan", "Ceil", "Floor", "Rint", "Round", "Sign", "OnesLike", "ZerosLike"):
            out.append(grad(tf, lambda v: fn(x=v), tf.constant(x, tf.float64)))
        return out

    return prog


def _binary(op: str) -> Callable[[Any], Any]:
    def prog(tf: Any) -> Any:
        raw = getattr(tf.raw_ops, op)
        n1, n2 = NAMES.get(op, ("x", "y"))

        def fn(x: Any, y: Any) -> Any:
            return raw(**{n1: x, n2: y})

        a, b = [2.5, -3.5, 7.0, 0.5], [2.0, 2.0, -3.0, 1.5]
        if op in ("Zeta", "Polygamma", "Igamma", "Igammac"):
            a, b = [2.0, 3.0, 1.0, 2.0], [0.5, 1.5, 2.0, 3.0]
        out = [fn(x=tf.constant(a), y=tf.constant(b)), fn(x=tf.constant(a, tf.float64), y=tf.constant(b, tf.float64)),
               outcome(lambda: fn(x=tf.constant([7, -7, 9, -9]), y=tf.constant([2, 2, -4, -4])))]
        if op not in ("Less", "LessEqual", "Greater", "GreaterEqual", "FloorDiv", "FloorMod", "TruncateDiv",
                      "TruncateMod", "Mod", "NextAfter", "Igamma", "Igammac", "Zeta", "Polygamma"):
            out.append(grad(tf, lambda v: fn(x=v, y=tf.constant(b, tf.float64)), tf.constant(a, tf.float64)))
        return out

    return prog


def _reduce(op: str) -> Callable[[Any], Any]:
    def prog(tf: Any) -> Any:
        fn = getattr(tf.raw_ops, op)
        x = tf.constant([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
        return (fn(input=x, axis=1), fn(input=x, axis=[0, 1], keep_dims=True),
                fn(input=x, axis=tf.constant(0, tf.int64)),
                fn(input=tf.constant([[1, 2], [3, 4]]), axis=-1), outcome(lambda: fn(input=x, axis=2)),
                grad(tf, lambda v: fn(input=v, axis=0), tf.constant([[1.0, 2.0], [3.0, 0.5]], tf.float64)))

    return prog


for _op in UNARY:
    CASES[f"unary_{_op}"] = _unary(_op)
for _op in BINARY:
    CASES[f"binary_{_op}"] = _binary(_op)
for _op in REDUCE:
    CASES[f"reduce_{_op}"] = _reduce(_op)


@case
def unary_acosh_and_logical(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.Acosh(x=[1.5, 2.0]), r.LogicalNot(x=[True, False]), r.LogicalAnd(x=[True, False], y=True),
            r.LogicalOr(x=[True, False], y=[False, False]), r.All(input=[[True, False]], axis=1),
            r.Any(input=[[True, False]], axis=[0, 1], keep_dims=True))


@case
def complex_parts(tf: Any) -> Any:
    r = tf.raw_ops
    z = tf.constant([1 + 2j, -3 - 4j])
    z64 = tf.constant([1 + 2j, -3 - 4j], tf.complex64)
    return (r.Complex(real=[1.0, 2.0], imag=[3.0, 4.0]), r.Complex(real=[1.0], imag=[2.0], Tout=tf.complex64),
            outcome(lambda: r.Complex(real=[1.0], imag=[2.0], Tout=tf.complex128)), r.Real(input=z64),
            r.Imag(input=z, Tout=tf.float64), r.Angle(input=z64), r.ComplexAbs(x=z64), r.Conj(input=z),
            r.ComplexAbs(x=z, Tout=tf.float64), outcome(lambda: r.Real(input=z)), outcome(lambda: r.Angle(input=z)),
            outcome(lambda: r.ComplexAbs(x=z)))


@case
def equal_not_equal(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.Equal(x=[1, 2, 3], y=[1, 0, 3]), r.NotEqual(x=[1.0, 2.0], y=2.0),
            r.Equal(x=[1, 2, 3], y=[1, 2], incompatible_shape_error=False),
            r.NotEqual(x=[1, 2, 3], y=[1, 2], incompatible_shape_error=False),
            outcome(lambda: r.Equal(x=[1, 2, 3], y=[1, 2])), r.Equal(x=["a", "b"], y="a"),
            r.ApproximateEqual(x=[1.0, 2.0], y=[1.00001, 2.1]), r.ApproximateEqual(x=[1.0], y=[1.5], tolerance=0.6))


@case
def arg_max_min(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([[1.0, 5.0, 3.0], [7.0, 2.0, 9.0]])
    return (r.ArgMax(input=x, dimension=1), r.ArgMin(input=x, dimension=0, output_type=tf.int32),
            r.ArgMax(input=x, dimension=tf.constant(-1, tf.int64), output_type=tf.int64),
            outcome(lambda: r.ArgMax(input=x, dimension=1, output_type=tf.float32)))


@case
def scans(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = []
    for ex in (False, True):
        for rev in (False, True):
            out += [r.Cumsum(x=x, axis=1, exclusive=ex, reverse=rev), r.Cumprod(x=x, axis=0, exclusive=ex, reverse=rev),
                    r.CumulativeLogsumexp(x=x, axis=1, exclusive=ex, reverse=rev)]
    out.append(grad(tf, lambda v: r.Cumsum(x=v, axis=0, reverse=True), tf.constant([1.0, 2.0, 3.0], tf.float64)))
    return out


@case
def segments(tf: Any) -> Any:
    r = tf.raw_ops
    d = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [-1.0, 0.5]])
    ids = tf.constant([0, 0, 2, 2])
    out = []
    for k in ("Sum", "Mean", "Max", "Min", "Prod"):
        out.append(getattr(r, f"Segment{k}")(data=d, segment_ids=ids))
        if k != "Mean":
            out.append(getattr(r, f"UnsortedSegment{k}")(data=d, segment_ids=[3, 0, 3, 1], num_segments=4))
    out.append(grad(tf, lambda v: r.SegmentSum(data=v, segment_ids=ids), tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)))
    return out


@case
def counting_and_ranges(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.Bincount(arr=[1, 1, 3, 0], size=5, weights=tf.constant([], tf.float32)),
            r.Bincount(arr=[1, 1, 3], size=4, weights=[0.5, 1.5, 2.0]),
            r.DenseBincount(input=[[1, 2], [2, 2]], size=4, weights=tf.constant([], tf.int32)),
            r.DenseBincount(input=[1, 2, 2], size=3, weights=tf.constant([], tf.float32), binary_output=True),
            r.Range(start=1, limit=10, delta=3), r.Range(start=tf.constant(1.0), limit=2.0, delta=0.25),
            r.LinSpace(start=0.0, stop=1.0, num=5), r.HistogramFixedWidth(values=[0.1, 0.5, 0.9, 2.0],
                                                                           value_range=[0.0, 1.0], nbins=4),
            r.AddN(inputs=[[1, 2], [3, 4], [5, 6]]),
            r.ClipByValue(t=[-1.0, 0.5, 3.0], clip_value_min=0.0, clip_value_max=1.0),
            r.Cross(a=[1.0, 0.0, 0.0], b=[0.0, 1.0, 0.0]))


@case
def range_python_floats(tf: Any) -> Any:
    return tf.raw_ops.Range(start=1.0, limit=2.0, delta=0.5)


@case
def top_k_family(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([[1.0, 5.0, 3.0, 4.0], [7.0, 2.0, 9.0, 0.0]])
    return (r.TopKV2(input=x, k=2), r.TopKV2(input=x, k=3, index_type=tf.int64),
            r.InTopKV2(predictions=x, targets=[1, 2], k=1), r.InTopK(predictions=x, targets=[3, 0], k=2),
            outcome(lambda: r.TopKV2(input=x, k=5)), r.TopKV2(input=x, k=2)._fields)


@case
def gradient_kernels(tf: Any) -> Any:
    r = tf.raw_ops
    y, dy = tf.constant([0.2, -0.5, 0.9]), tf.constant([1.0, 2.0, -1.0])
    return [getattr(r, op)(y=y, dy=dy) for op in ("TanhGrad", "SigmoidGrad", "SqrtGrad", "RsqrtGrad",
                                                 "ReciprocalGrad", "InvGrad")]


@case
def special_and_bitwise(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.Betainc(a=[1.0, 2.0], b=[2.0, 3.0], x=[0.5, 0.2]), r.BesselI0e(x=[0.5, 1.0]), r.Spence(x=[0.5]),
            r.BitwiseAnd(x=[12, 5], y=[10, 3]), r.LeftShift(x=[1, 2], y=[3, 1]), r.Invert(x=tf.constant([0], tf.uint8)),
            r.Bucketize(input=[0.5, 2.5, 10.0], boundaries=[1.0, 2.0, 5.0]),
            r.IgammaGradA(a=[1.0, 2.0], x=[0.5, 1.0]))


@case
def sobol_and_isotonic(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.SobolSample(dim=2, num_results=3, skip=1),
            r.SobolSample(dim=1, num_results=2, skip=0, dtype=tf.float64),
            r.IsotonicRegression(input=[[3.0, 1.0, 2.0]]),
            r.IsotonicRegression(input=[[1, 3, 2]], output_dtype=tf.float64))


@case
def call_checking(tf: Any) -> Any:
    r = tf.raw_ops
    return (outcome(lambda: r.Add(tf.constant(1), tf.constant(2))), outcome(lambda: r.Add(x=1)),
            outcome(lambda: r.Add(x=1, y=2, z=3)), outcome(lambda: r.Add(x=tf.constant(1), y=2.5)),
            outcome(lambda: r.Add(x=tf.constant(1), y=tf.constant(1.0))), outcome(lambda: r.Sqrt(x=[1, 2])),
            outcome(lambda: r.Mean(input=[1.0], axis=0.5)), outcome(lambda: r.Mean(input=[1.0], axis=0, keep_dims=3)),
            outcome(lambda: r.Sum(input=[True], axis=0)), r.Add(x=1, y=2, name="n"), r.Add(x=["a"], y=["b"]),
            r.Add(x=2, y=tf.constant(1.5)), outcome(lambda: r.AddV2(x=["a"], y=["b"])))


if __name__ == "__main__":
    main(CASES)
