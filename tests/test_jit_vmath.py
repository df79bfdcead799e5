"""Accuracy of the vectorisable transcendental functions used inside jit kernels (compiler/numba_backend/vmath.py).

Errors are measured in ulps of the result dtype against a reference one precision up (float64 for float32,
extended precision for float64), over dense inputs on every scale plus the special values, whose results must be
exactly the rounded truth's (NaN, +-inf, +-0, subnormals, domain edges), as NumPy's are.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("numba")

from tapegrad.compiler.numba_backend import vmath  # noqa: E402

_LOOPS: dict[object, object] = {}


def _apply(fn, x):
    from numba import njit

    k = _LOOPS.get(fn)
    if k is None:
        @njit(error_model="numpy")
        def k(a, out):
            for i in range(a.shape[0]):
                out[i] = fn(a[i])

        _LOOPS[fn] = k
    out = np.empty_like(x)
    k(x, out)
    return out


REF = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "tanh": np.tanh,
       "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "sin": np.sin, "cos": np.cos}


def _inputs(name: str, dt: type, rng: np.random.Generator) -> np.ndarray:
    parts = [rng.standard_normal(40_000) * s for s in (1e-6, 1e-3, 0.1, 1.0, 5.0, 30.0)]
    if name in ("log", "log1p"):
        lo, hi = (-44, 38) if dt is np.float32 else (-320, 308)
        parts = [np.abs(p) for p in parts] + [rng.uniform(-1, 0, 20_000), 10.0 ** rng.uniform(lo, hi, 40_000)]
    if name == "exp":
        parts.append(rng.uniform(-110, 90, 40_000) if dt is np.float32 else rng.uniform(-750, 710, 40_000))
    if name in ("sin", "cos"):
        parts.append(rng.uniform(-1e5, 1e5, 40_000))
    return np.concatenate(parts).astype(dt)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(vmath.FUNCS))
def test_max_ulp_error(name, dt):
    rng = np.random.default_rng(11)
    x = _inputs(name, dt, rng)
    got = _apply(vmath.FUNCS[name][0 if dt is np.float32 else 1], x)
    wide = np.float64 if dt is np.float32 else np.longdouble
    with np.errstate(all="ignore"):
        ref = REF[name](x.astype(wide))
        rounded = ref.astype(dt)
    finite = np.isfinite(rounded) & (rounded != 0)
    ulp = np.abs(got[finite].astype(wide) - ref[finite]) / np.spacing(np.abs(rounded[finite])).astype(wide)
    assert got.dtype == dt
    bound = (vmath.MAX_ULP_FLOAT32 if dt is np.float32 else vmath.MAX_ULP)[name]
    assert float(ulp.max()) <= bound, f"{name} {dt.__name__}: {float(ulp.max()):.2f} ulp"
    # where the rounded truth is 0 or not finite, the result is exactly that
    others = ~finite
    assert np.array_equal(got[others], rounded[others], equal_nan=True)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(vmath.FUNCS))
def test_special_values(name, dt):
    fi = np.finfo(dt)
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, fi.tiny, -fi.tiny, fi.tiny / 8, fi.max, -fi.max, 1.0, -1.0,
                  0.5, 100.0, -100.0, 1000.0, -1000.0, 1e7, -1e7], dtype=dt)
    if name in ("sin", "cos"):  # finite arguments beyond TRIG_LIMIT: see test_sin_cos_flag_beyond_the_exact_range
        x = x[~(np.abs(x) > vmath.TRIG_LIMIT) | np.isinf(x)]
    got = _apply(vmath.FUNCS[name][0 if dt is np.float32 else 1], x)
    wide = np.float64 if dt is np.float32 else np.longdouble
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        ref = REF[name](x.astype(wide)).astype(dt)  # the truth, rounded
    same_class = (np.isnan(got) == np.isnan(ref)) & (np.isinf(got) == np.isinf(ref))
    assert same_class.all(), (x[~same_class], got[~same_class], ref[~same_class])
    inf = np.isinf(ref)
    assert np.array_equal(got[inf], ref[inf])
    zero = ref == 0
    assert np.array_equal(np.signbit(got[zero]), np.signbit(ref[zero])) or name in ("sin", "cos")
    close = np.isfinite(ref)
    assert np.allclose(got[close], ref[close], rtol=4 * np.finfo(dt).eps, atol=0) or name in ("sin", "cos")


def test_sin_cos_flag_beyond_the_exact_range():
    # beyond TRIG_LIMIT the vector sin/cos are not exact: they return NaN (the kernel reruns with libm)
    x = np.array([vmath.TRIG_LIMIT * 2, -vmath.TRIG_LIMIT * 3], np.float64)
    assert np.isnan(_apply(vmath.sin_f64, x)).all()
    assert np.isnan(_apply(vmath.cos_f64, x)).all()


def test_exp_float32_edges_of_the_exponent_range():
    # float32 exp adds n to the exponent bits: the overflow threshold, the subnormal range (built 2^24 too large
    # and scaled once: the rounded truth) and the underflow to 0 are exact, every NaN payload stays NaN
    f = np.float32
    top = f(vmath._EXP32_MAX)
    x = np.array([top, np.nextafter(top, f(np.inf)), np.nextafter(top, f(0)), f(-87.33), f(-87.34), f(-95.5),
                  f(-103.27), f(-103.28), f(-103.97), f(-103.98), f(-150.0)], f)
    x = np.concatenate([x, np.linspace(-104, -86, 4001, dtype=f)])
    got = _apply(vmath.exp_f32, x)
    with np.errstate(over="ignore", under="ignore"):
        truth = np.exp(x.astype(np.float64))
        sub = truth.astype(f) < np.finfo(f).tiny  # subnormal or zero results
    assert np.isfinite(got[0]) and got[1] == np.inf
    assert sub.sum() > 1000 and (got[sub] == 0).sum() >= 5
    # subnormal results: within the function's bound in units of their fixed spacing 2^-149, zero where the truth
    # is below half of it
    assert np.all(np.abs(got[sub].astype(np.float64) - truth[sub]) <= vmath.MAX_ULP_FLOAT32["exp"] * 2.0**-149)
    assert np.array_equal(got[truth < 2.0**-150], np.zeros((truth < 2.0**-150).sum(), f))
    nans = np.array([0x7FC00000, 0x7F800001, 0x7FC001FF, 0xFFC00000, 0x7FFFFFFF], np.uint32).view(f)
    assert np.isnan(_apply(vmath.exp_f32, nans)).all()
    assert np.isnan(_apply(vmath.tanh_f32, nans)).all()


def test_tanh_float32_ends_are_exact():
    # P(0) = Q(0) = 1: tiny arguments (and -0.0) come back unchanged; from 9.02 on the result is exactly +-1
    f = np.float32
    tiny = np.array([0.0, -0.0, 1e-45, -1e-45, 1e-38, -3e-20, 1e-10], f)
    got = _apply(vmath.tanh_f32, tiny)
    assert np.array_equal(got, tiny) and np.array_equal(np.signbit(got), np.signbit(tiny))
    big = np.concatenate([np.linspace(9.02, 200, 2000, dtype=f), np.array([np.inf, 3e38], f)])
    assert np.array_equal(_apply(vmath.tanh_f32, big), np.ones_like(big))
    assert np.array_equal(_apply(vmath.tanh_f32, -big), -np.ones_like(big))


def test_loops_over_vector_functions_vectorise():
    # the point of vmath: the loop compiles to SIMD code (packed instructions), not scalar libm calls
    from numba import njit

    @njit(error_model="numpy")
    def k(a, out):
        for i in range(a.shape[0]):
            out[i] = vmath.exp_f32(a[i]) + vmath.tanh_f32(a[i])

    x = np.linspace(-3, 3, 64).astype(np.float32)
    out = np.empty_like(x)
    k(x, out)
    llvm = k.inspect_llvm(k.signatures[0])
    assert "x float>" in llvm  # a vector type such as <8 x float> or <16 x float>
    assert "@expf" not in llvm and "@tanhf" not in llvm


def test_exp_of_a_nonpositive_argument_is_exp_bit_for_bit():
    # exp_neg_f32 (kernels use it where the sign analysis proves the argument <= 0) skips exp_f32's overflow and
    # NaN selects and scales once: the same bits for every argument up to 70, NaN payloads included
    f = np.float32
    neg = np.arange(0x80000000, 0xFF800001, 251, dtype=np.uint32).view(f)  # -0.0 down to -inf, every 251st
    pos = np.arange(0, 0x428C0000, 4093, dtype=np.uint32).view(f)  # +0.0 up to 70
    ends = np.array([-np.inf, -104.0, -103.98, -103.97, -87.34, -87.33, 70.0], f)
    nans = np.array([0x7FC00000, 0x7F800001, 0x7FC001FF, 0xFFC12345, 0x7FFFFFFF], np.uint32).view(f)
    x = np.concatenate([neg, pos, ends])
    got, ref = _apply(vmath.exp_neg_f32, x), _apply(vmath.exp_f32, x)
    assert x.size > 8_000_000 and (ref == 0).sum() > 1000 and (ref < np.finfo(f).tiny).sum() > 2000
    assert np.array_equal(got.view(np.uint32), ref.view(np.uint32))
    assert np.isnan(_apply(vmath.exp_neg_f32, nans)).all()
