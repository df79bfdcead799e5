"""The tf.linalg / tf.math / top-level breadth ops of ops/linalg_ext.py, ops/math_ext.py and ops/array_ext.py:
float64 gradients of the composite (non-registry) functions against central differences, error types and
messages, and the invariants that TF's values are checked by in tests/conformance/ (no TensorFlow needed here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors

from .opcheck import diff_outputs, direction, inner, numeric_directional, scalar_fn, tape_gradients, weights_for


def check_grad(call: Callable[..., Any], arrays: Sequence[np.ndarray], grad_idx: Sequence[int] | None = None,
               seed: int = 0, rtol: float = 1e-6) -> None:
    """The tape's gradient of <w, call(arrays)> against central differences along a random direction, per input."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in arrays]
    grad_idx = list(range(len(arrays))) if grad_idx is None else list(grad_idx)
    w = weights_for(diff_outputs(call(tf, *[tf.constant(a) for a in arrays])), rng)
    L, _ = scalar_fn(call, arrays, w)
    grads = tape_gradients(call, arrays, grad_idx, w)
    for i, g in zip(grad_idx, grads):
        assert g is not None, f"no gradient for input {i}"
        u = direction(arrays[i], rng)
        num = numeric_directional(L, arrays, i, u)
        got = inner(tf.convert_to_tensor(g).numpy(), u)
        assert abs(got - num) <= rtol * max(1.0, abs(num)) * 10, (i, got, num)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- linalg composites --------------------------------------------------------------------------------------------


def test_lu_family_round_trip_and_gradients() -> None:
    a = _rng().normal(size=(2, 4, 4)) + 3 * np.eye(4)
    lu, p = tf.linalg.lu(tf.constant(a))
    assert type(tf.linalg.lu(tf.constant(a))).__name__ == "Lu" and p.dtype == tf.int32
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu, p).numpy(), a, atol=1e-12)
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(lu, p).numpy(), np.linalg.inv(a), atol=1e-12)
    rhs = _rng(1).normal(size=(2, 4, 3))
    np.testing.assert_allclose(tf.linalg.lu_solve(lu, p, tf.constant(rhs)).numpy(), np.linalg.solve(a, rhs),
                               atol=1e-12)
    pv = p.numpy()
    check_grad(lambda t, l_, r: t.linalg.lu_solve(l_, t.constant(pv), r), [lu.numpy(), rhs])
    check_grad(lambda t, l_: t.linalg.lu_matrix_inverse(l_, t.constant(pv)), [lu.numpy()])
    check_grad(lambda t, l_: t.linalg.lu_reconstruct(l_, t.constant(pv)), [lu.numpy()])


def test_lu_rejects_singular_and_bad_perm_dtype() -> None:
    with pytest.raises(errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.lu(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    lu, p = tf.linalg.lu(tf.constant(np.eye(2)))
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.linalg.lu_reconstruct(lu, tf.cast(p, tf.float32))


def test_expm_logm_sqrtm_invert_each_other() -> None:
    a = _rng(2).normal(size=(3, 3)) * 0.3
    e = tf.linalg.expm(tf.constant(a + 0j))
    np.testing.assert_allclose(tf.linalg.logm(e).numpy(), a, atol=1e-10)
    s = _rng(3).normal(size=(3, 3))
    spd = s @ s.T + 3 * np.eye(3)
    r = tf.linalg.sqrtm(tf.constant(spd)).numpy()
    np.testing.assert_allclose(r @ r, spd, atol=1e-10)
    assert tf.matrix_square_root is tf.linalg.sqrtm


def test_linalg_error_types_and_messages() -> None:
    with pytest.raises(ValueError, match="expm: expected float"):
        tf.linalg.expm(tf.constant([[1, 0], [0, 1]]))
    with pytest.raises(errors.InvalidArgumentError, match="complex64 or complex128"):
        tf.linalg.logm(tf.constant(np.eye(2)))
    with pytest.raises(errors.FailedPreconditionError, match="3-element"):
        tf.linalg.cross(tf.ones([2, 4]), tf.ones([2, 4]))
    with pytest.raises(TypeError, match="matrix_rank"):
        tf.linalg.matrix_rank(tf.constant([[1, 2], [3, 4]]))
    with pytest.raises(errors.InvalidArgumentError, match="float16"):
        tf.linalg.tridiagonal_solve(tf.ones([3, 2], tf.float16), tf.ones([2, 1], tf.float16))
    with pytest.raises(errors.InvalidArgumentError, match="no broadcasting"):
        tf.linalg.tridiagonal_matmul(tf.ones([2, 3, 4], tf.float64), tf.ones([4, 3], tf.float64))
    with pytest.raises(ValueError, match="one dtype"):
        tf.linalg.eigh_tridiagonal(tf.constant([1.0, 2.0]), tf.constant([1.0 + 1j]))


def test_eigh_tridiagonal_matches_dense_and_has_exact_gradient() -> None:
    a, b = _rng(4).normal(size=5), _rng(5).normal(size=4)
    dense = np.diag(a) + np.diag(b, 1) + np.diag(b, -1)
    np.testing.assert_allclose(tf.linalg.eigh_tridiagonal(tf.constant(a), tf.constant(b)).numpy(),
                               np.linalg.eigvalsh(dense), atol=1e-12)
    check_grad(lambda t, x, y: t.linalg.eigh_tridiagonal(x, y), [a, b])
    e = tf.linalg.eigh_tridiagonal(tf.constant(a), tf.constant(b), select="i", select_range=[1, 2])
    assert e.shape == (2,)


def test_eig_reconstructs_complex_input() -> None:
    x = _rng(6).normal(size=(2, 3, 3)) + 1j * _rng(7).normal(size=(2, 3, 3))
    e, v = tf.linalg.eig(tf.constant(x))
    np.testing.assert_allclose(v.numpy() @ (e.numpy()[..., None] * np.linalg.inv(v.numpy())), x, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=-2), 1.0, atol=1e-12)
    assert tf.eig is tf.linalg.eig and tf.eigvals is tf.linalg.eigvals


def test_composite_linalg_gradients() -> None:
    r = _rng(8)
    check_grad(lambda t, a, b: t.linalg.global_norm([a, b]), [r.normal(size=(2, 3)), r.normal(size=4)])
    check_grad(lambda t, a: t.linalg.normalize(a, ord=1, axis=0), [r.normal(size=(3, 2))])
    check_grad(lambda t, a: t.linalg.normalize(a, ord="fro", axis=[0, 1])[0], [r.normal(size=(3, 2))])
    check_grad(lambda t, a: t.linalg.tensor_diag(a), [r.normal(size=(2, 2))])
    check_grad(lambda t, a: t.linalg.tensor_diag_part(a), [r.normal(size=(2, 3, 2, 3))])
    check_grad(lambda t, a: t.linalg.l2_normalize(a, axis=-1), [r.normal(size=(2, 3))])
    bands = r.normal(size=(2, 3, 5))
    bands[:, 0] += 4.0
    check_grad(lambda t, b, x: t.linalg.banded_triangular_solve(b, x), [bands, r.normal(size=(2, 5, 2))])
    check_grad(lambda t, b, x: t.linalg.banded_triangular_solve(b, x, lower=False, adjoint=True),
               [bands[:, ::-1].copy(), r.normal(size=(2, 5, 2))])
    d = r.normal(size=(3, 4))
    d[1] += 4.0
    dense = np.diag(d[1]) + np.diag(d[0, :-1], 1) + np.diag(d[2, 1:], -1)
    check_grad(lambda t, a, x: t.linalg.tridiagonal_solve(a, x, diagonals_format="matrix", transpose_rhs=True),
               [dense, r.normal(size=(2, 4))])


def test_banded_triangular_solve_matches_dense() -> None:
    bands = _rng(9).normal(size=(3, 5))
    bands[0] += 4.0
    dense = sum(np.diag(bands[k, k:], -k) for k in range(3))
    rhs = _rng(10).normal(size=(5, 2))
    np.testing.assert_allclose(tf.linalg.banded_triangular_solve(tf.constant(bands), tf.constant(rhs)).numpy(),
                               np.linalg.solve(dense, rhs), atol=1e-12)


def test_matrix_rank_and_global_norm_edges() -> None:
    assert tf.linalg.matrix_rank(tf.zeros([0, 3, 3])).shape == (0,)
    assert tf.linalg.global_norm([]).numpy() == 0.0
    assert tf.linalg.global_norm([None, tf.constant([3.0, 4.0])]).numpy() == 5.0


# -- math composites ------------------------------------------------------------------------------------------------


def test_segment_ops_gradients_and_empty_values() -> None:
    x = _rng(11).normal(size=(5, 2))
    ids = [0, 0, 2, 2, 2]
    for f in ("segment_max", "segment_min", "segment_prod"):
        check_grad(lambda t, v, f=f: getattr(t.math, f)(v, t.constant(ids)), [x])
    assert tf.math.segment_max(tf.constant(x), ids).numpy()[1].tolist() == [0.0, 0.0]
    assert tf.math.segment_prod(tf.constant(x), ids).numpy()[1].tolist() == [1.0, 1.0]
    with pytest.raises(errors.InvalidArgumentError):
        tf.math.segment_max(tf.constant([1.0, 2.0]), [1, 0])


def test_cumulative_logsumexp_is_stable_and_differentiable() -> None:
    x = np.array([[1000.0, 1000.0, -1000.0]])
    np.testing.assert_allclose(tf.math.cumulative_logsumexp(tf.constant(x), axis=1).numpy(),
                               [[1000.0, 1000.0 + np.log(2.0), 1000.0 + np.log(2.0)]])
    out = tf.math.cumulative_logsumexp(tf.constant(x), axis=1, exclusive=True).numpy()
    assert out[0, 0] == -np.inf
    check_grad(lambda t, v: t.math.cumulative_logsumexp(v, axis=1, exclusive=True, reverse=True)[:, :-1],
               [_rng(12).normal(size=(2, 4)) * 10])


def test_small_math_ops() -> None:
    assert tf.math.rint(tf.constant([0.5, 1.5, 2.5])).numpy().tolist() == [0.0, 2.0, 2.0]
    assert tf.math.mod(tf.constant([-7]), tf.constant([3])).numpy().tolist() == [2]
    assert tf.truncatemod(tf.constant([-7]), tf.constant([3])).numpy().tolist() == [-1]
    assert tf.truncatediv(tf.constant([-7]), tf.constant([2])).numpy().tolist() == [-3]
    assert tf.math.zero_fraction(tf.constant([0, 1, 0, 2])).numpy() == 0.5
    assert tf.math.invert_permutation(tf.constant([2, 0, 1])).numpy().tolist() == [1, 2, 0]
    nx = tf.math.nextafter(tf.constant([1.0]), tf.constant([2.0])).numpy()[0]
    assert nx == np.nextafter(np.float32(1.0), np.float32(2.0))
    with pytest.raises(errors.InternalError, match="division by zero"):
        tf.truncatediv(tf.constant([1]), tf.constant([0]))
    with pytest.raises(errors.NotFoundError, match="truncatediv"):
        tf.realdiv(tf.constant([1]), tf.constant([2]))
    with pytest.raises(errors.InvalidArgumentError, match="duplicated"):
        tf.math.invert_permutation(tf.constant([0, 0]))
    with pytest.raises(ValueError, match="0-D"):
        tf.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))


def test_scalar_mul_scales_indexed_slices() -> None:
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([1]), tf.constant([3, 2]))
    out = tf.math.scalar_mul(3.0, s)
    assert isinstance(out, tf.IndexedSlices) and out.values.numpy().tolist() == [[3.0, 6.0]]


def test_accumulate_n_and_parallel_stack_gradients() -> None:
    r = _rng(13)
    check_grad(lambda t, a, b: t.math.accumulate_n([a, b, a]), [r.normal(size=(2, 2)), r.normal(size=(2, 2))])
    stack = tf.function(lambda a, b: tf.parallel_stack([a, b]))
    a = tf.constant([1.0, 2.0])
    assert stack(a, a).numpy().tolist() == [[1.0, 2.0], [1.0, 2.0]]
    with tf.GradientTape() as tape, pytest.raises(LookupError, match="parallel_stack"):
        tape.watch(a)
        tape.gradient(stack(a, a), a)
    with pytest.raises(RuntimeError, match="eager"):
        tf.parallel_stack([tf.ones([2])])
    with pytest.raises(ValueError):
        tf.math.accumulate_n([tf.ones([2]), tf.ones([3])])


def test_approx_k_is_exact_and_checks_dtype() -> None:
    x = _rng(14).normal(size=(3, 50)).astype(np.float32)
    v, i = tf.math.approx_max_k(tf.constant(x), 5)
    np.testing.assert_array_equal(i.numpy(), np.argsort(-x, axis=1)[:, :5])
    v, i = tf.math.approx_min_k(tf.constant(x), 2, reduction_dimension=0)
    np.testing.assert_array_equal(v.numpy(), np.sort(x, axis=0)[:2])
    with pytest.raises(errors.InvalidArgumentError, match="float32"):
        tf.math.approx_max_k(tf.constant(x.astype(np.float64)), 2)


def test_saturate_cast_clamps() -> None:
    x = tf.constant([-300.0, 0.5, 300.0, np.inf])
    assert tf.saturate_cast(x, tf.uint8).numpy().tolist() == [0, 0, 255, 255]
    assert tf.dtypes.saturate_cast(x, tf.int8).numpy().tolist() == [-128, 0, 127, 127]
    assert tf.dtypes.cast is tf.cast and tf.dtypes.complex is tf.complex


def test_fingerprint_is_farmhash64_bytes() -> None:
    fp = tf.fingerprint(tf.constant([b"hello", b""]))
    assert fp.shape == (2, 8) and fp.dtype == tf.uint8
    # the same data in one row gives the same fingerprint; a different byte changes it
    assert (tf.fingerprint(tf.constant([b"hello"])).numpy() == fp.numpy()[:1]).all()
    assert (tf.fingerprint(tf.constant([b"hellp"])).numpy() != fp.numpy()[:1]).any()
    with pytest.raises(errors.InvalidArgumentError, match="farmhash64"):
        tf.fingerprint(tf.constant([b"a"]), method="md5")


def test_broadcast_shape_helpers() -> None:
    assert tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3])).as_list() == [2, 3]
    out = tf.broadcast_dynamic_shape([3], tf.constant([2, 1], tf.int64))
    assert out.dtype == tf.int64 and out.numpy().tolist() == [2, 3]
    with pytest.raises(ValueError):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))
    with pytest.raises(errors.InvalidArgumentError, match="incompatible"):
        tf.broadcast_dynamic_shape(tf.constant([2]), tf.constant([3]))
    assert [s.numpy().tolist() for s in tf.shape_n([tf.ones([2, 3]), tf.ones([])])] == [[2, 3], []]


# -- array composites -----------------------------------------------------------------------------------------------


def test_strided_slice_matches_numpy_indexing_and_gradient() -> None:
    x = np.arange(60.0).reshape(3, 4, 5)
    t = tf.constant(x)
    np.testing.assert_array_equal(tf.strided_slice(t, [2, 0], [0, 4], [-1, 2]).numpy(), x[2:0:-1, 0:4:2])
    np.testing.assert_array_equal(
        tf.strided_slice(t, [0, 1], [0, 3], begin_mask=1, end_mask=1).numpy(), x[:, 1:3])
    np.testing.assert_array_equal(tf.strided_slice(t, [0, 2], [0, 3], ellipsis_mask=1,
                                                   shrink_axis_mask=2).numpy(), x[..., 2])
    np.testing.assert_array_equal(tf.strided_slice(t, [0, 1], [0, 2], new_axis_mask=1).numpy(), x[None, 1:2])
    check_grad(lambda t_, v: t_.strided_slice(v, [1, 0, 0], [3, 4, 5], [1, 2, 3], shrink_axis_mask=0), [x])
    with pytest.raises(errors.InvalidArgumentError, match="non-zero"):
        tf.strided_slice(t, [0], [2], [0])


def test_space_to_batch_round_trip_and_gradient() -> None:
    x = _rng(15).normal(size=(2, 4, 6, 3))
    y = tf.space_to_batch_nd(tf.constant(x), [2, 3], [[0, 0], [1, 2]])
    assert y.shape == (12, 2, 3, 3)
    np.testing.assert_array_equal(tf.batch_to_space(y, [2, 3], [[0, 0], [1, 2]]).numpy(), x)
    check_grad(lambda t, v: t.space_to_batch(v, [2, 1], [[0, 2], [1, 0]]), [x])
    pads, crops = tf.required_space_to_batch_paddings([5, 7], [2, 3])
    assert pads.numpy().tolist() == [[0, 1], [0, 2]] and crops.numpy().tolist() == [[0, 1], [0, 2]]
    with pytest.raises(errors.InvalidArgumentError, match="divisible"):
        tf.space_to_batch_nd(tf.ones([1, 5, 1]), [2], [[0, 0]])


def test_reverse_sequence_and_gradient() -> None:
    x = np.arange(12.0).reshape(3, 4)
    out = tf.reverse_sequence(tf.constant(x), [2, 4, 0], seq_axis=1, batch_axis=0).numpy()
    np.testing.assert_array_equal(out, [[1, 0, 2, 3], [7, 6, 5, 4], [8, 9, 10, 11]])
    check_grad(lambda t, v: t.reverse_sequence(v, [3, 1], seq_axis=0, batch_axis=1), [_rng(16).normal(size=(3, 2))])
    with pytest.raises(errors.InvalidArgumentError, match="seq_lengths"):
        tf.reverse_sequence(tf.ones([2, 3]), [4, 1], seq_axis=1, batch_axis=0)


def test_edit_distance_levenshtein() -> None:
    hyp = tf.sparse.SparseTensor([[0, 0], [0, 1], [0, 2]], [b"k", b"i", b"t"], [1, 3])
    truth = tf.sparse.SparseTensor([[0, 0], [0, 1], [0, 2], [0, 3]], [b"s", b"i", b"t", b"s"], [1, 4])
    assert tf.edit_distance(hyp, truth, normalize=False).numpy().tolist() == [2.0]
    assert tf.edit_distance(hyp, truth).numpy().tolist() == [0.5]
    with pytest.raises(TypeError, match="SparseTensor"):
        tf.edit_distance(tf.constant([1]), truth)


@pytest.mark.parametrize("module", ["tapegrad.ops.linalg_ext", "tapegrad.ops.math_ext", "tapegrad.ops.array_ext",
                                    "tapegrad.ops.sobol"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    r = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 2 and r.failed == 0


def test_sobol_sample_stratifies_every_dimension() -> None:
    # with the (skipped) zero point, the first 2^k points of each dimension hit each of the 2^k cells once
    k = 7
    x = tf.math.sobol_sample(21200, 2**k - 1, dtype=tf.float64).numpy()
    cells = np.sort(np.floor(x * 2**k).astype(np.int64), axis=0)
    np.testing.assert_array_equal(cells, np.broadcast_to(np.arange(1, 2**k)[:, None], cells.shape))
    np.testing.assert_array_equal(tf.math.sobol_sample(5, 3, skip=4).numpy(),
                                  tf.math.sobol_sample(5, 7).numpy()[4:])
    assert tf.math.sobol_sample(3, 2).dtype == tf.float32
    with pytest.raises(errors.InvalidArgumentError, match="at most 21200"):
        tf.math.sobol_sample(21201, 1)
    with pytest.raises(errors.InvalidArgumentError, match="int32"):
        tf.math.sobol_sample(2, 1, skip=tf.constant(1, tf.int64))


def test_string_inputs_inside_function() -> None:
    # fingerprint and edit_distance read string values; the compiled program's value guard compares them
    f = tf.function(lambda x: tf.fingerprint(x))
    x = tf.constant([b"a", b"b"])
    want = tf.fingerprint(x).numpy()
    np.testing.assert_array_equal(f(x).numpy(), want)
    np.testing.assert_array_equal(f(x).numpy(), want)
    g = tf.function(lambda v: tf.edit_distance(tf.sparse.SparseTensor([[0, 0]], v, [1, 1]),
                                               tf.sparse.SparseTensor([[0, 0]], ["b"], [1, 1])))
    assert g(tf.constant(["a"])).numpy().tolist() == [1.0]
    assert g(tf.constant(["b"])).numpy().tolist() == [0.0]
