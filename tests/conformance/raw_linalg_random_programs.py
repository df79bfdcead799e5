"""``tf.raw_ops`` programs of the linalg/cast/FFT family and the random family (seeded stateful kernels with
``seed``/``seed2``, stateless ops), run unchanged under TensorFlow and tapegrad (harness: ``raw_ops_harness.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_ops_harness import grad, main, outcome, registry  # noqa: E402

CASES, case = registry()
SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
M = np.array([[2.0, -1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])


@case
def cast_op(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([1.7, -1.7, 2.5, 1e10])
    big = tf.constant([1.0000001192092896, -1.0000001192092896, 3.1415926535897931, 1e30], tf.float64)
    return (r.Cast(x=x, DstT=tf.int32), r.Cast(x=[1, 0, 2], DstT=tf.bool), r.Cast(x=x, DstT=tf.float16),
            r.Cast(x=big, DstT=tf.float32), r.Cast(x=big, DstT=tf.float32, Truncate=True),
            r.Cast(x=x, DstT=tf.float16, Truncate=True), r.Cast(x=[1 + 2j], DstT=tf.float32),
            outcome(lambda: r.Cast(x=x, DstT="float7")),
            grad(tf, lambda v: r.Cast(x=v, DstT=tf.float32) * 2.0, tf.constant([1.0], tf.float64)))


@case
def matmuls(tf: Any) -> Any:
    r = tf.raw_ops
    a = tf.reshape(tf.range(6.0), [2, 3])
    b = tf.reshape(tf.range(12.0), [2, 3, 2])
    return (r.MatMul(a=a, b=a, transpose_b=True), r.MatMul(a=a, b=a, transpose_a=True),
            outcome(lambda: r.MatMul(a=b, b=b)), outcome(lambda: r.MatMul(a=a, b=a)),
            r.BatchMatMul(x=b, y=b, adj_x=True), r.BatchMatMulV2(x=b, y=tf.ones([3, 1])),
            outcome(lambda: r.BatchMatMul(x=b, y=tf.ones([1, 2, 3]))),
            r.BatchMatMulV3(x=tf.ones([2, 2], tf.int8), y=tf.ones([2, 2], tf.int8), Tout=tf.int32),
            r.BatchMatMulV2(x=tf.constant([[1 + 1j, 2j]]), y=tf.constant([[1j, 1.0]]), adj_y=True),
            grad(tf, lambda v: r.MatMul(a=v, b=v, transpose_b=True), tf.constant(M)))


@case
def decompositions(tf: Any) -> Any:
    r = tf.raw_ops
    s, m = tf.constant(SPD), tf.constant(M)
    chol = r.Cholesky(input=s)
    eig = r.SelfAdjointEigV2(input=s)
    return (chol, r.CholeskyGrad(l=chol, grad=tf.ones_like(chol)), r.MatrixDeterminant(input=m),
            r.LogMatrixDeterminant(input=m), r.MatrixInverse(input=m), r.MatrixInverse(input=m, adjoint=True),
            r.Qr(input=m), r.Qr(input=tf.ones([3, 2], tf.float64), full_matrices=True),
            r.Svd(input=m, compute_uv=False).s, r.Svd(input=m, compute_uv=False).u.shape, eig.e, tf.abs(eig.v),
            r.SelfAdjointEigV2(input=s, compute_v=False).e, r.SelfAdjointEigV2(input=s, compute_v=False).v.shape,
            r.Lu(input=m), r.Lu(input=m, output_idx_type=tf.int64),
            outcome(lambda: r.Cholesky(input=tf.constant([[1, 0], [0, 1]]))),
            grad(tf, lambda v: r.MatrixDeterminant(input=v), tf.constant(M)))


@case
def solves_and_functions(tf: Any) -> Any:
    r = tf.raw_ops
    m, rhs = tf.constant(M), tf.constant([[1.0], [2.0], [3.0]], tf.float64)
    d64 = tf.float64
    calls = (
        lambda: r.MatrixSolve(matrix=m, rhs=rhs),
        lambda: r.MatrixSolve(matrix=m, rhs=rhs, adjoint=True),
        lambda: r.MatrixTriangularSolve(matrix=m, rhs=rhs),
        lambda: r.MatrixTriangularSolve(matrix=m, rhs=rhs, lower=False),
        lambda: r.MatrixSolveLs(matrix=m, rhs=rhs, l2_regularizer=tf.constant(0.1, d64)),
        lambda: r.BandedTriangularSolve(matrix=tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], d64), rhs=rhs),
        lambda: r.MatrixLogarithm(input=tf.cast(tf.constant(SPD), tf.complex128)),
        lambda: r.MatrixSquareRoot(input=tf.constant(SPD)),
        lambda: r.TridiagonalSolve(diagonals=tf.constant([[1.0, 2.0, 0.0], [4.0, 5.0, 6.0], [0.0, 1.0, 1.0]], d64),
                                   rhs=rhs),
        lambda: r.TridiagonalMatMul(superdiag=tf.constant([[1.0, 2.0, 0.0]], d64),
                                    maindiag=tf.constant([[4.0, 5.0, 6.0]], d64),
                                    subdiag=tf.constant([[0.0, 1.0, 1.0]], d64), rhs=rhs),
    )
    return [outcome(c) for c in calls]


@case
def ffts(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([[1.0, 2.0, 0.5, -1.0], [0.0, 1.0, 3.0, 2.0]])
    z = tf.cast(x, tf.complex64)
    spec = r.RFFT(input=x, fft_length=[4])
    return (r.FFT(input=z), r.IFFT(input=z), r.FFT2D(input=z), r.IFFT2D(input=z), r.FFT3D(input=z[None]),
            spec, r.IRFFT(input=spec, fft_length=[4]), r.RFFT2D(input=x, fft_length=[2, 4]),
            r.IRFFT2D(input=r.RFFT2D(input=x, fft_length=[2, 4]), fft_length=[2, 4]),
            r.RFFT(input=tf.cast(x, tf.float64), fft_length=[3], Tcomplex=tf.complex128),
            outcome(lambda: r.RFFT(input=x, fft_length=[6])),
            outcome(lambda: r.RFFT(input=tf.cast(x, tf.float64), fft_length=[4])),
            outcome(lambda: r.FFT(input=x)))


@case
def stateful_random_seeded(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.RandomUniform(shape=[4], dtype=tf.float32, seed=1, seed2=2),
            r.RandomUniform(shape=[4], dtype=tf.float32, seed=1, seed2=2),  # the kernel's stream continues
            r.RandomUniform(shape=[2, 2], dtype=tf.float64, seed=3, seed2=4),
            r.RandomStandardNormal(shape=[5], dtype=tf.float32, seed=7, seed2=8),
            r.TruncatedNormal(shape=[5], dtype=tf.float64, seed=7, seed2=9),
            r.RandomUniformInt(shape=[6], minval=-3, maxval=10, seed=5, seed2=6),
            r.RandomUniformInt(shape=[3], minval=tf.constant(0, tf.int64), maxval=tf.constant(2**40, tf.int64),
                               seed=5, seed2=6),
            r.RandomShuffle(value=tf.range(8), seed=11, seed2=12),
            r.RandomGamma(shape=[3], alpha=[0.5, 2.0], seed=3, seed2=9),
            r.RandomGamma(shape=[2], alpha=tf.constant([1.5], tf.float64), seed=3, seed2=9),
            r.RandomPoissonV2(shape=[4], rate=[1.0, 30.0], seed=2, seed2=5),
            r.RandomPoissonV2(shape=[3], rate=tf.constant([4.0], tf.float64), seed=2, seed2=5, dtype=tf.int32),
            r.Multinomial(logits=[[0.0, 1.0, 2.0]], num_samples=6, seed=13, seed2=14),
            r.Multinomial(logits=[[0.0, 1.0]], num_samples=3, seed=13, seed2=14, output_dtype=tf.int32),
            outcome(lambda: r.RandomUniformInt(shape=[2], minval=3, maxval=3, seed=1, seed2=1)),
            outcome(lambda: r.RandomUniform(shape=[2], dtype=tf.int32, seed=1, seed2=1)),
            r.RandomUniform(shape=[3], dtype=tf.float32, seed=0, seed2=0).shape)


@case
def stateless_random(tf: Any) -> Any:
    r = tf.raw_ops
    seed = tf.constant([7, 8])
    return (r.StatelessRandomUniform(shape=[4], seed=seed), r.StatelessRandomNormal(shape=[3], seed=seed,
                                                                                    dtype=tf.float64),
            r.StatelessTruncatedNormal(shape=[3], seed=tf.constant([1, 2], tf.int64)),
            r.StatelessRandomUniformInt(shape=[5], seed=seed, minval=-5, maxval=5),
            r.StatelessRandomUniformFullInt(shape=[2], seed=seed, dtype=tf.int64),
            r.StatelessMultinomial(logits=[[0.0, 1.0, 2.0]], num_samples=5, seed=seed),
            r.StatelessRandomBinomial(shape=[4], seed=seed, counts=[10.0, 20.0, 5.0, 1.0], probs=0.3),
            r.StatelessRandomGammaV2(shape=[3], seed=seed, alpha=[0.5, 1.0, 3.0]),
            r.StatelessRandomPoisson(shape=[3], seed=seed, lam=[1.0, 5.0, 0.5], dtype=tf.int32),
            r.StatelessParameterizedTruncatedNormal(shape=[3], seed=seed, means=0.0, stddevs=1.0, minvals=-1.0,
                                                    maxvals=1.0),
            r.RandomIndexShuffle(index=[0, 1, 2, 3], seed=tf.constant([1, 2, 3], tf.int64), max_index=9),
            outcome(lambda: r.StatelessRandomUniform(shape=[2], seed=[1, 2, 3])))


@case
def stateless_key_counter_v2(tf: Any) -> Any:
    r = tf.raw_ops
    kc = r.StatelessRandomGetKeyCounter(seed=[7, 8])
    k, c = kc.key, kc.counter
    alg = r.StatelessRandomGetAlg()
    return (kc, r.StatelessRandomGetKeyCounterAlg(seed=tf.constant([1, 2], tf.int64)), alg,
            r.StatelessRandomUniformV2(shape=[4], key=k, counter=c, alg=alg),
            r.StatelessRandomNormalV2(shape=[2, 2], key=k, counter=c, alg=1, dtype=tf.float64),
            r.StatelessTruncatedNormalV2(shape=[3], key=k, counter=c, alg=1),
            r.StatelessRandomUniformIntV2(shape=[5], key=k, counter=c, alg=1, minval=-4, maxval=9),
            r.StatelessRandomUniformFullIntV2(shape=[2], key=k, counter=c, alg=1),
            r.StatelessRandomUniformFullIntV2(shape=[2], key=k, counter=c, alg=1, dtype=tf.int32),
            # the public op draws at the same key/counter
            tf.random.stateless_uniform([4], seed=[7, 8]),
            outcome(lambda: r.StatelessRandomUniformIntV2(shape=[1], key=k, counter=c, alg=1, minval=3, maxval=3)))


if __name__ == "__main__":
    main(CASES)
