"""tf.sparse beyond the conformance lane: float64 gradients of every differentiable tf.sparse function against
central differences, TF's gradient kinds, exception types, and composite tensors in tapegrad.function signatures
(each behaviour was checked against TensorFlow 2.21; tests/conformance/sparse_programs.py compares them live)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

IDX = [[0, 1], [0, 3], [1, 2], [2, 0], [2, 2]]
SHAPE = [3, 4]


def _st(v: Any, idx: Any = IDX, shape: Any = SHAPE) -> Any:
    return tf.sparse.SparseTensor(idx, v, shape)


def _out(y: Any) -> Any:
    return y.values if isinstance(y, tf.sparse.SparseTensor) else y


def _check_grads(fn: Callable[..., Any], *arrays: np.ndarray, eps: float = 1e-6) -> list[Any]:
    """Gradients of sum(w * fn(*xs)) (fixed random w) vs central differences, in float64; returns the tape's."""
    rng = np.random.default_rng(0)
    xs = [tf.constant(a) for a in arrays]
    w = rng.normal(size=_out(fn(*xs)).shape)

    def loss(*vals: np.ndarray) -> float:
        return float(np.sum(w * _out(fn(*[tf.constant(v) for v in vals])).numpy()))

    with tf.GradientTape(persistent=True) as t:
        for x in xs:
            t.watch(x)
        y = tf.reduce_sum(_out(fn(*xs)) * tf.constant(w))
    grads = t.gradient(y, xs)
    for k, (a, g) in enumerate(zip(arrays, grads)):
        num = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            hi, lo = [v.copy() for v in arrays], [v.copy() for v in arrays]
            hi[k][i] += eps
            lo[k][i] -= eps
            num[i] = (loss(*hi) - loss(*lo)) / (2 * eps)
        np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), num, rtol=1e-6, atol=1e-8)
    return grads


V = np.array([1.0, -2.0, 0.5, 3.0, -1.5])
DENSE = np.arange(1.0, 13.0).reshape(3, 4)


@pytest.mark.parametrize("name,fn,args", [
    ("add_sparse", lambda a, b: tf.sparse.add(_st(a), _st(b, [[0, 1], [1, 1]])), (V, np.array([2.0, 4.0]))),
    ("add_dense", lambda a, d: tf.sparse.add(_st(a), d), (V, DENSE)),
    ("reduce_sum", lambda a: tf.sparse.reduce_sum(_st(a), axis=0, keepdims=True), (V,)),
    ("softmax", lambda a: tf.sparse.softmax(_st(a)), (V,)),
    ("slice", lambda a: tf.sparse.slice(_st(a), [0, 1], [3, 2]), (V,)),
    ("transpose", lambda a: tf.sparse.transpose(_st(a)), (V,)),
    ("reorder", lambda a: tf.sparse.reorder(_st(a, IDX[::-1])), (V,)),
    ("mul_dense", lambda a, d: _st(a) * d, (V, DENSE)),
    ("div_row", lambda a, d: _st(a) / d, (V, np.array([1.5, 2.0, -3.0, 4.0]))),
    ("fill_empty_rows", lambda a, d: tf.sparse.fill_empty_rows(_st(a, [[0, 1], [2, 2]], [4, 4]), d)[0],
     (V[:2], np.array(7.0))),
    ("segment_mean", lambda d: tf.sparse.segment_mean(d, [0, 2, 2, 1], [0, 0, 1, 3]), (DENSE,)),
    ("segment_sqrt_n", lambda d: tf.sparse.segment_sqrt_n(d, [0, 2, 2], [0, 1, 1]), (DENSE,)),
    ("sparse_dense_matmul", lambda a, d: tf.sparse.sparse_dense_matmul(_st(a), d), (V, DENSE.T)),
    ("unsorted_segment_max", lambda d: tf.math.unsorted_segment_max(d, [1, 0, 1, -1], 2), (DENSE.T,)),
    ("unsorted_segment_prod", lambda d: tf.math.unsorted_segment_prod(d, [1, 0, 1, 1], 2),
     (np.array([[1.0, 0.0], [2.0, 3.0], [0.5, 0.0], [-2.0, 4.0]]),)),
    ("unsorted_segment_mean", lambda d: tf.math.unsorted_segment_mean(d, [1, 0, 1, -1], 3), (DENSE.T,)),
    ("embedding_lookup_sparse", lambda p: tf.nn.embedding_lookup_sparse(
        p, _st(tf.constant([1, 3, 0, 3, 1], tf.int64)), _st(tf.constant(V ** 2)), combiner="sqrtn"), (DENSE.T,)),
])
def test_gradients_match_central_differences(name: str, fn: Callable[..., Any], args: tuple[np.ndarray, ...]
                                             ) -> None:
    _check_grads(fn, *args)


def test_gradient_kinds_as_tf() -> None:
    """Dense for reorder/slice/segment ops, IndexedSlices for retain and the embedding lookups, None for concat."""
    x = tf.constant(V)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        kept = tf.sparse.retain(_st(x), [True, False, True, True, False]).values
        sliced = tf.sparse.slice(_st(x), [0, 0], [2, 4]).values
        joined = tf.sparse.concat(0, [_st(x), _st(x)]).values
    assert type(t.gradient(kept, x)).__name__ == "IndexedSlices"
    assert type(t.gradient(sliced, x)) is tf.Tensor
    assert t.gradient(joined, x) is None
    p = tf.constant(DENSE.T)
    ids = _st(tf.constant([3, 1, 3, 0, 2], tf.int64))
    with tf.GradientTape() as t:
        t.watch(p)
        y = tf.nn.embedding_lookup_sparse(p, ids, None, combiner="sum")
    g = t.gradient(y, p)
    assert type(g).__name__ == "IndexedSlices" and g.indices.numpy().tolist() == [0, 1, 2, 3]  # sorted distinct


@pytest.mark.parametrize("fn,exc", [
    (lambda x: tf.sparse.reduce_max(_st(x), axis=1), LookupError),
    (lambda x: tf.sparse.reduce_sum(_st(x), axis=1, output_is_sparse=True).values, LookupError),
    (lambda x: tf.sparse.split(sp_input=_st(x), num_split=2, axis=1)[0].values, LookupError),
    (lambda x: tf.sparse.maximum(_st(x), _st(x)).values, TypeError),
])
def test_no_gradient_where_tf_has_none(fn: Callable[..., Any], exc: type) -> None:
    x = tf.constant(V)
    with tf.GradientTape() as t:
        t.watch(x)
        y = fn(x)
    with pytest.raises(exc):
        t.gradient(y, x)


@pytest.mark.parametrize("fn,exc,words", [
    (lambda: tf.sparse.add(tf.ones([2]), tf.ones([2])), TypeError, "tf.add"),
    (lambda: tf.sparse.add(_st(V), _st([1.0], [[0, 0]], [3, 5])), InvalidArgumentError, "dimension 1"),
    (lambda: tf.sparse.add(_st(V), tf.ones([3, 5], tf.float64)), InvalidArgumentError, "no broadcasting"),
    (lambda: _st(V) * tf.ones([2, 3, 4], tf.float64), InvalidArgumentError, "broadcast"),
    (lambda: tf.sparse.reduce_sum(_st(V), axis=2), InvalidArgumentError, "reduction dimension 2"),
    (lambda: tf.sparse.reshape(_st(V), [5, -1]), InvalidArgumentError, "multiple of 5"),
    (lambda: tf.sparse.retain(_st(V), [True]), ValueError, "5 entries"),
    (lambda: tf.sparse.concat(0, [_st(V), _st([1.0], [[0, 0]], [1, 6])]), InvalidArgumentError,
     "expand_nonconcat_dims"),
    (lambda: tf.sparse.segment_sum(tf.ones([3, 2]), [0, 5], [0, 1]), InvalidArgumentError, "out of range"),
    (lambda: tf.sparse.segment_sum(tf.ones([3, 2]), [0, 1], [1, 0]), InvalidArgumentError, "not increasing"),
    (lambda: tf.sparse.reset_shape(_st(V), [1, 5]), ValueError, "new_shape"),
    (lambda: tf.sparse.map_values(tf.add, _st(V), _st(V, IDX[::-1])), InvalidArgumentError, "Mismatched"),
    (lambda: tf.convert_to_tensor(_st(V)), ValueError, "to_dense"),
    (lambda: tf.math.unsorted_segment_max(tf.ones([3]), [0, 3, 1], 3), InvalidArgumentError, "segment_ids[1]"),
    (lambda: tf.sparse.SparseTensor.from_value(np.ones(2)), TypeError, "from_dense"),
])
def test_errors_have_tf_types_and_say_why(fn: Callable[[], Any], exc: type, words: str) -> None:
    with pytest.raises(exc, match=None) as info:
        fn()
    assert words in str(info.value)


def test_operators_and_methods() -> None:
    st = _st(tf.constant(V))
    assert (tf.ones(SHAPE, tf.float64) * st).values.numpy().tolist() == V.tolist()
    assert (st * 2.0).values.numpy().tolist() == (V * 2).tolist()
    for bad in (lambda: st + st, lambda: -st, lambda: st[0], lambda: len(st)):
        with pytest.raises(TypeError):
            bad()
    assert tf.shape(st).numpy().tolist() == SHAPE and int(tf.size(st)) == 12 and int(tf.rank(st)) == 2
    assert tf.is_tensor(st) and st.consumers() == [] and st._type_spec == tf.SparseTensorSpec(SHAPE, tf.float64)
    with pytest.raises(ValueError):
        st.set_shape([3, 5])


def test_spec_compatibility() -> None:
    spec = tf.SparseTensorSpec([None, 4], tf.float32)
    assert spec.is_compatible_with(_st([1.0] * 5)) and not spec.is_compatible_with(_st(V))  # float64 values
    assert not tf.SparseTensorSpec([None, 5]).is_compatible_with(_st([1.0] * 5))
    assert tf.SparseTensorSpec([None, None]).is_compatible_with(tf.SparseTensorSpec([2, 3]))
    assert repr(spec) == "SparseTensorSpec(TensorShape([None, 4]), tapegrad.float32)"


def test_function_with_sparse_signature_serves_other_sizes() -> None:
    runs = []

    @tf.function(input_signature=[tf.SparseTensorSpec([None, None], tf.float64), tf.TensorSpec([None, 2], tf.float64)])
    def f(st: Any, w: Any) -> Any:
        runs.append(1)
        return tf.sparse.sparse_dense_matmul(st, w), tf.sparse.map_values(tf.square, st)

    rng = np.random.default_rng(1)
    for n, m in [(3, 4), (5, 6), (3, 4), (2, 2)]:
        idx = sorted({(int(rng.integers(n)), int(rng.integers(m))) for _ in range(3)})
        st = _st(tf.constant(rng.normal(size=len(idx))), idx, [n, m])
        w = tf.constant(rng.normal(size=(m, 2)))
        prod, sq = f(st, w)
        np.testing.assert_allclose(prod.numpy(), tf.sparse.to_dense(st).numpy() @ w.numpy())
        assert isinstance(sq, tf.sparse.SparseTensor) and sq.values.numpy().tolist() == (st.values.numpy() ** 2
                                                                                        ).tolist()
    assert f.experimental_get_tracing_count() == 1 and len(runs) == 1  # other sizes replay the traced graph
    with pytest.raises(TypeError, match="Binding inputs"):
        f(_st([1.0], [[0, 0]], [1, 1]), tf.ones([1, 2], tf.float64))  # float32 values


def test_compiled_sparse_gradients_replay_for_new_patterns() -> None:
    """A training-style step (tape inside the function) over SparseTensors of several sizes and patterns: the
    body runs once, and the gradients equal eager ones."""
    runs = []
    w = tf.Variable(np.linspace(-1.0, 1.0, 12).reshape(6, 2))

    def step(st: Any) -> Any:
        runs.append(1)
        with tf.GradientTape() as t:
            t.watch(st.values)
            y = tf.sparse.sparse_dense_matmul(st, w)
            loss = (tf.reduce_sum(y * y) + tf.reduce_sum(tf.sparse.reduce_sum(st * 3.0, axis=0) ** 2)
                    + tf.reduce_sum(tf.sparse.to_dense(st) ** 3) + tf.reduce_sum(tf.sparse.softmax(st).values ** 2))
        return t.gradient(loss, [w, st.values])

    f = tf.function(step, input_signature=[tf.SparseTensorSpec([None, 6], tf.float64)])
    rng = np.random.default_rng(0)
    for n, k in [(3, 4), (5, 7), (2, 1), (5, 7)]:
        idx = sorted({(int(rng.integers(n)), int(rng.integers(6))) for _ in range(k)})
        st = _st(tf.constant(rng.normal(size=len(idx))), idx, [n, 6])
        for a, b in zip(f(st), step(st)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    assert len(runs) == 1 + 4 and f.experimental_get_tracing_count() == 1


def test_function_without_signature_keys_a_sparse_tensor_by_its_dense_shape() -> None:
    runs = []

    @tf.function
    def f(st: Any) -> Any:
        runs.append(1)
        return tf.sparse.reduce_sum(st, 1)

    assert f(_st([1.0], [[0, 0]], [3, 4])).numpy().tolist() == [1.0, 0.0, 0.0]
    assert f(_st([1.0, 2.0], [[0, 0], [2, 1]], [3, 4])).numpy().tolist() == [1.0, 0.0, 2.0]  # other nnz: same trace
    assert f(_st([5.0], [[1, 4]], [3, 5])).numpy().tolist() == [0.0, 5.0, 0.0]  # other dense shape: a new trace
    assert f.experimental_get_tracing_count() == 2 and len(runs) == 2


def test_function_with_ragged_signature() -> None:
    @tf.function(input_signature=[tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32)])
    def f(rt: Any) -> Any:
        return tf.reduce_sum(rt, axis=1), rt * 2

    a, r = f(tf.ragged.constant([[1, 2], [3]]))
    b, _ = f(tf.ragged.constant([[1], [], [4, 5, 6]]))
    assert a.numpy().tolist() == [3, 3] and r.to_list() == [[2, 4], [6]] and b.numpy().tolist() == [1, 0, 15]
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Binding inputs"):
        f(tf.ragged.constant([[1.0]]))


def test_dynamic_ragged_shape() -> None:
    rt = tf.RaggedTensor.from_row_splits(tf.ones([5, 2]), [0, 3, 5])
    s = tf.shape(rt)
    assert repr(s) == "<DynamicRaggedShape lengths=[2, (3, 2), 2] num_row_partitions=1>"
    assert int(s[0]) == 2 and int(s[-1]) == 2 and s.rank == 3 and s.inner_shape.numpy().tolist() == [5, 2]
    with pytest.raises(ValueError, match="Index 1 is not uniform"):
        s[1]
    assert int(tf.rank(rt)) == 3 and int(tf.size(rt)) == 10


def test_from_dense_in_a_compiled_function_follows_each_calls_values() -> None:
    # the indices are computed by recorded ops (TF's where + gather_nd), not frozen at the first trace
    g = tf.function(lambda x: tf.sparse.from_dense(x))
    assert g(tf.constant([0.0, 0.0])).indices.numpy().tolist() == []
    second = g(tf.constant([5.0, 0.0]))
    assert second.indices.numpy().tolist() == [[0]] and second.values.numpy().tolist() == [5.0]
    assert g(tf.constant([5.0, 3.0])).indices.numpy().tolist() == [[0], [1]]
