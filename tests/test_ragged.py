"""RaggedTensor and RaggedTensorSpec: factories and their validation, structure, conversions, indexing, reprs,
elementwise ops, reductions, map_fn, and gradients through the flat values (float64, against central differences)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

R = tf.RaggedTensor


def _l(t: tf.Tensor) -> list:
    return t.numpy().tolist()


# -- construction and structure -----------------------------------------------------------------------------------

def test_constant_structure_and_repr() -> None:
    rt = tf.ragged.constant([[1, 2], [3]])
    assert repr(rt) == "<tapegrad.RaggedTensor [[1, 2], [3]]>" and str(rt) == repr(rt)
    assert rt.dtype == tf.int32 and rt.shape.as_list() == [2, None] and rt.ragged_rank == 1
    assert _l(rt.values) == [1, 2, 3] and rt.row_splits.dtype == tf.int64 and _l(rt.row_splits) == [0, 2, 3]
    assert _l(rt.row_lengths()) == [2, 1] and int(rt.nrows()) == 2 and rt.nrows().dtype == tf.int64
    assert _l(rt.value_rowids()) == [0, 0, 1] and _l(rt.bounding_shape()) == [2, 2]
    assert _l(rt.row_starts()) == [0, 2] and _l(rt.row_limits()) == [2, 3]
    assert repr(tf.ragged.constant([[1.5, 2.0], [], [3.0]])) == "<tapegrad.RaggedTensor [[1.5, 2.0], [], [3.0]]>"
    assert repr(tf.ragged.constant([["a", "b"], ["c"]])) == "<tapegrad.RaggedTensor [[b'a', b'b'], [b'c']]>"
    empty = tf.ragged.constant([[], []])
    assert repr(empty) == "<tapegrad.RaggedTensor [[], []]>" and empty.dtype == tf.float32
    assert tf.ragged.constant([[1]], row_splits_dtype=tf.int32).row_splits.dtype == tf.int32
    assert tf.ragged.constant([[1, 2], [3]], dtype=tf.float64).dtype == tf.float64


def test_nested_and_uniform_inner_dims() -> None:
    n = tf.ragged.constant([[[1, 2], [3]], [[4]]])
    assert repr(n) == "<tapegrad.RaggedTensor [[[1, 2], [3]], [[4]]]>"
    assert n.ragged_rank == 2 and n.shape.as_list() == [2, None, None] and _l(n.flat_values) == [1, 2, 3, 4]
    assert [_l(s) for s in n.nested_row_splits] == [[0, 2, 3], [0, 2, 3, 4]]
    u = tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert u.shape.as_list() == [2, None, 2] and u.values.shape == (3, 2)
    assert repr(u) == "<tapegrad.RaggedTensor [[[1, 2],\n  [3, 4]], [[5, 6]]]>"
    with pytest.raises(ValueError, match="nesting depth"):
        tf.ragged.constant([[1, [2]], [3]])


def test_factories() -> None:
    assert R.from_row_splits([1, 2, 3, 4], [0, 3, 3, 4]).to_list() == [[1, 2, 3], [], [4]]
    assert R.from_row_lengths([1, 2, 3, 4], [2, 0, 2]).to_list() == [[1, 2], [], [3, 4]]
    assert R.from_value_rowids([1, 2, 3, 4], [0, 0, 2, 2]).to_list() == [[1, 2], [], [3, 4]]
    assert R.from_value_rowids([1, 2, 3, 4], [0, 0, 2, 2], nrows=5).to_list() == [[1, 2], [], [3, 4], [], []]
    assert R.from_tensor([[1, 2, 0], [3, 0, 0], [0, 0, 0]], padding=0).to_list() == [[1, 2], [3], []]
    assert R.from_tensor([[1, 2, 0], [3, 0, 0]], lengths=[1, 2]).to_list() == [[1], [3, 0]]
    assert R.from_tensor([[1, 2, 0], [3, 0, 0]]).to_list() == [[1, 2, 0], [3, 0, 0]]
    assert R.from_tensor([[[1, 2], [0, 0]], [[3, 0], [0, 0]]], padding=[0, 0]).to_list() == [[[1, 2]], [[3, 0]]]
    deep = R.from_tensor(np.arange(8).reshape(2, 2, 2), ragged_rank=2)
    assert deep.ragged_rank == 2 and deep.to_list() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
    assert R.from_nested_row_splits([1, 2, 3, 4], [[0, 2, 3], [0, 2, 3, 4]]).to_list() == [[[1, 2], [3]], [[4]]]
    assert R.from_nested_row_lengths([1, 2, 3, 4], [[2, 1], [2, 1, 1]]).to_list() == [[[1, 2], [3]], [[4]]]


@pytest.mark.parametrize("make,exc", [
    (lambda: R.from_row_splits([1, 2, 3, 4], [0, 3, 5]), InvalidArgumentError),
    (lambda: R.from_row_splits([1, 2, 3, 4], [1, 3, 4]), InvalidArgumentError),
    (lambda: R.from_row_splits([1, 2, 3, 4], [0, 3, 2, 4]), InvalidArgumentError),
    (lambda: R.from_row_lengths([1, 2, 3, 4], [2, 0, 1]), InvalidArgumentError),
    (lambda: R.from_value_rowids([1, 2, 3, 4], [0, 2, 1, 2]), InvalidArgumentError),
    (lambda: R.from_tensor([1, 2]), ValueError),
    (lambda: R([1], [0, 1]), TypeError),
    (lambda: tf.RaggedTensorSpec(), ValueError),
])
def test_invalid_partitions_raise(make: Callable[[], object], exc: type) -> None:
    with pytest.raises(exc):
        make()


def test_conversions() -> None:
    rt = tf.ragged.constant([[1, 2], [3]])
    assert _l(rt.to_tensor()) == [[1, 2], [3, 0]] and rt.to_tensor().dtype == tf.int32
    assert _l(rt.to_tensor(default_value=-1)) == [[1, 2], [3, -1]]
    assert _l(rt.to_tensor(shape=[3, 3])) == [[1, 2, 0], [3, 0, 0], [0, 0, 0]]
    assert _l(rt.to_tensor(shape=[2, 1])) == [[1], [3]]
    n = tf.ragged.constant([[[1, 2], [3]], [[4]]])
    assert _l(n.to_tensor()) == [[[1, 2], [3, 0]], [[4, 0], [0, 0]]]
    s = tf.ragged.constant([["a"], ["b", "c"]])
    assert _l(s.to_tensor()) == [[b"a", b""], [b"b", b"c"]] and s.to_list() == [[b"a"], [b"b", b"c"]]
    np_value = rt.numpy()
    assert np_value.dtype == object and [r.tolist() for r in np_value] == [[1, 2], [3]]
    assert tf.ragged.constant([[1, 2], [3, 4]]).numpy().shape == (2, 2)
    st = rt.to_sparse()
    assert _l(st.indices) == [[0, 0], [0, 1], [1, 0]] and _l(st.values) == [1, 2, 3]
    assert R.from_sparse(st).to_list() == [[1, 2], [3]]
    with pytest.raises(ValueError):
        tf.convert_to_tensor(rt)


def test_indexing_and_iteration() -> None:
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    assert _l(rt[0]) == [1, 2] and _l(rt[-1]) == [4, 5, 6] and isinstance(rt[1], tf.Tensor)
    assert rt[1:].to_list() == [[3], [4, 5, 6]] and rt[::2].to_list() == [[1, 2], [4, 5, 6]]
    assert int(rt[0, 1]) == 2 and int(rt[2, -1]) == 6
    assert [_l(r) for r in rt] == [[1, 2], [3], [4, 5, 6]]
    assert tf.ragged.constant([[[1, 2], [3]], [[4]]])[0].to_list() == [[1, 2], [3]]
    with pytest.raises(IndexError):
        rt[5]
    with pytest.raises(ValueError, match="inner ragged"):
        rt[:, 0]
    with pytest.raises(TypeError):
        len(rt)
    with pytest.raises(TypeError):
        bool(rt)


def test_elementwise() -> None:
    rt = tf.ragged.constant([[1, 2], [3]])
    assert (rt + 1).to_list() == [[2, 3], [4]] and (10 - rt).to_list() == [[9, 8], [7]]
    assert (rt * rt).to_list() == [[1, 4], [9]] and (-rt).to_list() == [[-1, -2], [-3]]
    assert tf.add(rt, rt).to_list() == [[2, 4], [6]] and tf.math.square(rt).to_list() == [[1, 4], [9]]
    assert tf.cast(rt, tf.float32).dtype == tf.float32
    assert (rt == 1).to_list() == [[True, False], [False]] and (rt > 1).to_list() == [[False, True], [True]]
    assert tf.equal(rt, 1).to_list() == [[True, False], [False]]
    assert tf.ones_like(rt).to_list() == [[1, 1], [1]] and tf.zeros_like(rt).to_list() == [[0, 0], [0]]
    assert tf.ragged.map_flat_values(tf.math.square, rt).to_list() == [[1, 4], [9]]
    assert tf.ragged.map_flat_values(tf.add, rt, rt).to_list() == [[2, 4], [6]]
    with pytest.raises(InvalidArgumentError, match="row partitions"):
        rt + tf.ragged.constant([[1], [2, 3]])
    with pytest.raises(TypeError):
        rt + 1.5  # no implicit int -> float (TF: an error too)
    with pytest.raises(ValueError, match="rows"):
        tf.ragged.map_flat_values(lambda v: v[:1], rt)


def test_string_ops_and_activations_on_ragged() -> None:
    words = tf.strings.split(["1 22", "333"])
    assert tf.strings.length(words).to_list() == [[1, 2], [3]]
    assert tf.strings.to_number(words).to_list() == [[1.0, 22.0], [333.0]]
    assert tf.strings.upper(tf.ragged.constant([["ab"], ["c"]])).to_list() == [[b"AB"], [b"C"]]
    assert tf.strings.as_string(tf.ragged.constant([[1], [2, 3]])).to_list() == [[b"1"], [b"2", b"3"]]
    assert tf.strings.regex_replace(words, "2", "x").to_list() == [[b"1", b"xx"], [b"333"]]
    f = tf.ragged.constant([[1.5, -2.0], [3.0]])
    assert tf.nn.relu(f).to_list() == [[1.5, 0.0], [3.0]] and tf.round(f).to_list() == [[2.0, -2.0], [3.0]]
    assert tf.clip_by_value(f, -1.0, 1.0).to_list() == [[1.0, -1.0], [1.0]]
    assert tf.nn.leaky_relu(f, 0.5).to_list() == [[1.5, -1.0], [3.0]]


def test_reductions() -> None:
    rt = tf.ragged.constant([[1, 2], [3]])
    f = tf.ragged.constant([[1.0, 2.0], [3.0], []])
    assert _l(tf.reduce_sum(rt, axis=1)) == [3, 3] and _l(tf.reduce_sum(rt, axis=0)) == [4, 2]
    assert int(tf.reduce_sum(rt)) == 6 and _l(tf.reduce_sum(rt, axis=-1)) == [3, 3]
    assert _l(tf.reduce_sum(rt, axis=1, keepdims=True)) == [[3], [3]]
    mean = tf.reduce_mean(f, axis=1).numpy()
    assert mean[:2].tolist() == [1.5, 3.0] and np.isnan(mean[2])  # an empty row's mean is nan (TF)
    assert _l(tf.reduce_mean(tf.ragged.constant([[1.0, 2.0], [3.0]]), axis=0)) == [2.0, 2.0]
    lowest = np.finfo(np.float32).min
    assert _l(tf.reduce_max(f, axis=1)) == [2.0, 3.0, lowest]  # an empty row gives the dtype's lowest (TF)
    assert _l(tf.reduce_min(f, axis=1)) == [1.0, 3.0, np.finfo(np.float32).max]
    assert _l(tf.reduce_prod(f, axis=1)) == [2.0, 3.0, 1.0]
    n3 = tf.ragged.constant([[[1, 2], [3]], [[4]]])
    assert tf.reduce_sum(n3, axis=1).to_list() == [[4, 2], [4]]
    assert tf.reduce_sum(n3, axis=2).to_list() == [[3, 3], [4]]
    u = tf.ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert tf.reduce_sum(u, axis=2).to_list() == [[3, 7], [11]]
    with pytest.raises(ValueError):
        tf.reduce_logsumexp(f, axis=1)


def test_spec_and_map_fn() -> None:
    rt = tf.ragged.constant([[1, 2], [3]])
    spec = tf.RaggedTensorSpec(shape=[None], dtype=tf.int32)
    assert repr(spec) == "RaggedTensorSpec(TensorShape([None]), tapegrad.int32, 0, tapegrad.int64)"
    assert repr(tf.RaggedTensorSpec.from_value(rt)) == \
        "RaggedTensorSpec(TensorShape([2, None]), tapegrad.int32, 1, tapegrad.int64)"
    assert tf.RaggedTensorSpec(shape=[None, None], dtype=tf.int32).is_compatible_with(rt)
    assert not tf.RaggedTensorSpec(shape=[None, None], dtype=tf.float32).is_compatible_with(rt)
    out = tf.map_fn(lambda v: tf.RaggedTensor.from_tensor(tf.range(tf.cast(v, tf.int32))[None, :])[0],
                    tf.constant([1.0, 2.0]), fn_output_signature=spec)
    assert repr(out) == "<tapegrad.RaggedTensor [[0], [0, 1]]>"
    assert tf.map_fn(lambda v: tf.range(v), tf.constant([1, 3]), fn_output_signature=spec).to_list() == \
        [[0], [0, 1, 2]]
    assert _l(tf.map_fn(lambda r: tf.reduce_sum(r), rt, fn_output_signature=tf.int32)) == [3, 3]
    assert tf.map_fn(lambda r: r * 2, rt).to_list() == [[2, 4], [6]]
    with pytest.raises(ValueError, match="RaggedTensorSpec"):
        tf.map_fn(lambda v: tf.range(v), tf.constant([1, 3]),
                  fn_output_signature=tf.RaggedTensorSpec(shape=[None], dtype=tf.float32))


def test_namespace_helpers() -> None:
    rt = tf.ragged.constant([[1, 2], [3]])
    assert tf.ragged.stack([rt, rt]).to_list() == [[[1, 2], [3]], [[1, 2], [3]]]
    assert tf.ragged.range([1, 3]).to_list() == [[0], [0, 1, 2]]
    assert tf.ragged.range([0, 5], [2, 8], 2).to_list() == [[0], [5, 7]]
    assert _l(tf.ragged.row_splits_to_segment_ids([0, 2, 3])) == [0, 0, 1]
    assert _l(tf.ragged.segment_ids_to_row_splits([0, 0, 1])) == [0, 2, 3]
    assert tf.ragged.boolean_mask(rt, rt > 1).to_list() == [[2], [3]]
    assert tf.ragged.constant([[[1, 2], [3]], [[4]]]).merge_dims(0, 1).to_list() == [[1, 2], [3], [4]]
    assert rt.with_values(rt.values * 10).to_list() == [[10, 20], [30]]


def test_concat_size_is_tensor_and_unary_math() -> None:
    rt = tf.ragged.constant([[1, -2], [3]])
    assert tf.concat([rt, rt], axis=0).to_list() == [[1, -2], [3], [1, -2], [3]]
    assert tf.concat([rt, rt], axis=1).to_list() == [[1, -2, 1, -2], [3, 3]]
    assert tf.concat([rt, tf.constant([[5, 6]])], axis=0).to_list() == [[1, -2], [3], [5, 6]]
    assert int(tf.size(rt)) == 3 and tf.is_tensor(rt)
    assert tf.abs(rt).to_list() == [[1, 2], [3]] and tf.sign(rt).to_list() == [[1, -1], [1]]
    assert tf.negative(rt).to_list() == [[-1, 2], [-3]]
    assert tf.sqrt(tf.ragged.constant([[4.0], [9.0, 0.0]])).to_list() == [[2.0], [3.0, 0.0]]
    assert tf.where(rt > 1, rt, 0).to_list() == [[0, 0], [3]] and _l(tf.where(rt > 1)) == [[1, 0]]
    assert tf.where(rt > 1, rt, rt * 10).to_list() == [[10, -20], [3]]
    r3 = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    assert tf.gather(r3, [2, 0]).to_list() == [[4, 5, 6], [1, 2]] and _l(tf.gather(r3, 1)) == [3]
    assert tf.stack([rt, rt]).to_list() == [[[1, -2], [3]], [[1, -2], [3]]]
    with pytest.raises(InvalidArgumentError):
        tf.gather(r3, [3])


def test_function_takes_and_returns_ragged() -> None:
    @tf.function
    def f(s: tf.Tensor) -> tf.RaggedTensor:
        return tf.strings.split(s)

    assert f(tf.constant(["a b", "c"])).to_list() == [[b"a", b"b"], [b"c"]]
    assert f(tf.constant(["x y z", "w", "q r"])).to_list() == [[b"x", b"y", b"z"], [b"w"], [b"q", b"r"]]

    @tf.function
    def g(rt: tf.RaggedTensor) -> tuple:
        return tf.reduce_sum(rt, axis=1), rt * 2

    s1, d1 = g(tf.ragged.constant([[1, 2], [3]]))
    s2, d2 = g(tf.ragged.constant([[4], [5, 6]]))  # same component shapes: the first trace, replayed
    assert _l(s1) == [3, 3] and d1.to_list() == [[2, 4], [6]]
    assert _l(s2) == [4, 11] and d2.to_list() == [[8], [10, 12]]
    x = tf.Variable([1.0, 2.0, 3.0])

    @tf.function
    def h(splits: tf.Tensor) -> tuple:
        with tf.GradientTape() as t:
            y = tf.reduce_sum(tf.reduce_mean(tf.RaggedTensor.from_row_splits(x, splits) ** 2, axis=1))
        return y, t.gradient(y, x)

    y1, g1 = h(tf.constant([0, 2, 3], tf.int64))
    y2, g2 = h(tf.constant([0, 1, 3], tf.int64))
    assert float(y1) == 11.5 and _l(g1) == [1.0, 2.0, 6.0]
    assert float(y2) == 7.5 and _l(g2) == [2.0, 2.0, 3.0]


def test_dataset_ragged_batch() -> None:
    ds = tf.data.Dataset.from_tensor_slices((["a b c", "d", "e f"], [1, 2, 3]))
    ds = ds.map(lambda s, y: (tf.strings.split(s), y)).ragged_batch(2)
    spec = ds.element_spec
    assert isinstance(spec[0], tf.RaggedTensorSpec) and spec[0].shape.as_list() == [None, None]
    (x1, y1), (x2, y2) = list(ds)
    assert x1.to_list() == [[b"a", b"b", b"c"], [b"d"]] and _l(y1) == [1, 2]
    assert x2.to_list() == [[b"e", b"f"]] and _l(y2) == [3]
    dropped = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]]).ragged_batch(2, drop_remainder=True)
    assert [r.to_list() for r in dropped] == [[[1, 2], [3, 4]]]
    assert dropped.element_spec.shape.as_list() == [2, None]


def test_pickle_round_trip() -> None:
    import pickle

    n = tf.ragged.constant([[[1.5], [2.0, 3.0]], [[4.0]]])
    back = pickle.loads(pickle.dumps(n))
    assert back.to_list() == n.to_list() and back.dtype == tf.float32


# -- gradients (float64, central differences) ---------------------------------------------------------------------

SPLITS = [0, 2, 2, 5]
X0 = np.array([1.0, 2.0, 3.0, -1.5, 0.5])


def _numeric(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


W3 = np.array([1.0, -2.0, 0.5])
LOSSES = {
    "to_tensor": lambda r: tf.reduce_sum(r.to_tensor(default_value=0.5) ** 2 * np.arange(9.0).reshape(3, 3)),
    "to_tensor_shape": lambda r: tf.reduce_sum(r.to_tensor(shape=[3, 2]) ** 3),
    "reduce_sum_rows": lambda r: tf.reduce_sum(tf.reduce_sum(r * r, axis=1) * W3),
    "reduce_sum_cols": lambda r: tf.reduce_sum(tf.reduce_sum(r, axis=0) * W3),
    "reduce_mean_rows": lambda r: tf.reduce_sum(tf.reduce_mean(tf.exp(r), axis=1)[::2] * W3[::2]),
    "reduce_mean_cols": lambda r: tf.reduce_sum(tf.reduce_mean(r * r, axis=0) * W3),
    "reduce_max_rows": lambda r: tf.reduce_sum(tf.reduce_max(r, axis=1)[::2]),
    "reduce_min_rows": lambda r: tf.reduce_sum(tf.reduce_min(r * 2.0, axis=1)[::2] * W3[::2]),
    "reduce_prod_rows": lambda r: tf.reduce_sum(tf.reduce_prod(r, axis=1)),
    "reduce_all": lambda r: tf.reduce_sum(r * r) + tf.reduce_mean(tf.sin(r)),
    "elementwise": lambda r: tf.reduce_sum((tf.exp(r) * 2.0 - r * r).values),
    "row": lambda r: tf.reduce_sum(r[2] * r[2]) + tf.reduce_sum(r[0]),
    "map_flat_values": lambda r: tf.reduce_sum(tf.ragged.map_flat_values(tf.tanh, r).to_tensor()),
    "ragged_pair": lambda r: tf.reduce_sum((r * r + r).flat_values),
    "gather_rows": lambda r: tf.reduce_sum(tf.gather(r, [2, 2, 0]).flat_values * np.arange(1.0, 9.0)),
    "map_fn_rows": lambda r: tf.reduce_sum(tf.map_fn(lambda row: tf.reduce_sum(row * row), r,
                                                     fn_output_signature=tf.float64)),
    "ragged_target": lambda r: r * 3.0,
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_through_ragged_matches_numerical(name: str) -> None:
    loss = LOSSES[name]

    def value(x: np.ndarray) -> float:
        out = loss(R.from_row_splits(tf.constant(x), SPLITS))
        out = out.flat_values if isinstance(out, R) else out
        return float(tf.reduce_sum(out))

    x = tf.Variable(X0)
    with tf.GradientTape() as t:
        y = loss(R.from_row_splits(x, SPLITS))
    g = t.gradient(y, x)
    assert g is not None
    g = tf.convert_to_tensor(g)
    assert g.dtype == tf.float64 and g.shape == (5,)
    np.testing.assert_allclose(g.numpy(), _numeric(value, X0), rtol=1e-6, atol=1e-8)


def test_gradient_through_from_tensor_and_default_value() -> None:
    x = tf.Variable([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]], dtype=tf.float64)
    d = tf.Variable(0.25, dtype=tf.float64)
    with tf.GradientTape() as t:
        r = tf.RaggedTensor.from_tensor(x, padding=0.0)
        y = tf.reduce_sum(r.to_tensor(default_value=d) ** 2)
    gx, gd = t.gradient(y, [x, d])
    assert _l(tf.convert_to_tensor(gx)) == [[2.0, 4.0, 0.0], [6.0, 0.0, 0.0]]
    assert float(gd) == pytest.approx(2 * 0.25)  # one padded cell: the rows are [1, 2] and [3]


def test_second_order_through_to_tensor() -> None:
    x = tf.Variable(X0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(R.from_row_splits(x, SPLITS).to_tensor() ** 3)
        g = inner.gradient(y, x)
    h = outer.gradient(g, x)
    np.testing.assert_allclose(tf.convert_to_tensor(h).numpy(), 6 * X0)


def test_gradient_with_respect_to_a_watched_ragged_tensor() -> None:
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as t:
        t.watch(rt)
        y = tf.reduce_sum(rt * rt) + tf.reduce_sum(tf.reduce_max(rt, axis=1))
    g = t.gradient(y, rt)
    assert isinstance(g, R) and g.to_list() == [[2.0, 5.0], [7.0]] and g.dtype == tf.float64
    assert t.gradient(y, {"r": rt})["r"].to_list() == [[2.0, 5.0], [7.0]]


def test_integer_ragged_has_no_gradient() -> None:
    x = tf.Variable(X0)
    with tf.GradientTape() as t:
        r = R.from_row_splits(x, SPLITS)
        y = tf.reduce_sum(tf.cast(r, tf.int32))
    assert t.gradient(y, x) is None
