"""Random numbers in compiled functions, ``tf.random.Generator`` and the stateless ops.

Every expectation here was checked against TensorFlow 2.21 (probe p33 and runs of the same code under TF):

* stateful ops (``tf.random.normal`` …) inside a ``tf.function`` use TF's *graph* seeds (their values are TF's:
  tests/conformance/test_random_values.py compares them with TensorFlow);
* ``Generator`` and ``stateless_*`` reproduce TF's Philox values; the literals below are TF's outputs.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import tapegrad as tf


@pytest.fixture(autouse=True)
def _clear_global_seed() -> Iterator[None]:
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def _same(a: object, b: object) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


# -- stateful ops in compiled functions: TF's graph seeds ------------------------------------------------------------


def test_unseeded_and_seeded_ops_differ_on_every_call() -> None:
    @tf.function
    def g():
        return tf.random.normal([3])

    assert not _same(g(), g())
    tf.random.set_seed(7)

    @tf.function
    def h():
        return tf.random.normal([3], seed=1)

    a, b = h(), h()
    assert not _same(a, b)
    assert g.experimental_get_tracing_count() == 1 and h.experimental_get_tracing_count() == 1


def test_global_seed_two_functions_agree_and_differ_from_eager() -> None:
    tf.random.set_seed(1234)
    e1, e2 = tf.random.uniform([2]), tf.random.uniform([2])
    tf.random.set_seed(1234)

    @tf.function
    def g():
        return tf.random.uniform([2]), tf.random.uniform([2])

    @tf.function
    def h():
        return tf.random.uniform([2]), tf.random.uniform([2])

    g1, h1, g2 = g(), h(), g()
    assert _same(g1[0], h1[0]) and _same(g1[1], h1[1])  # same body, same graph seeds
    assert not _same(g1[0], g1[1])  # op seeds 0 and 1
    assert not _same(g1[0], e1) and not _same(g1[1], e2)  # graph seeds are not the eager sequence
    assert not _same(g1[0], g2[0])  # the kernels advance
    assert g1[0].dtype == tf.float32 and g1[0].shape == [2]


def test_set_seed_restarts_a_traced_function_without_retracing() -> None:
    tf.random.set_seed(5)

    @tf.function
    def g():
        return tf.random.uniform([2])

    a, b = g(), g()
    tf.random.set_seed(5)
    assert _same(g(), a) and _same(g(), b)
    tf.random.set_seed(99)  # another value restarts too: the graph kept the seed it was traced with (TF)
    assert _same(g(), a)
    assert g.experimental_get_tracing_count() == 1


def test_op_seed_first_call_equals_eager_and_each_op_has_its_own_kernel() -> None:
    tf.random.set_seed(7)
    eager = tf.random.normal([3], seed=1)
    tf.random.set_seed(7)

    @tf.function
    def f():
        return tf.random.normal([3], seed=1), tf.random.normal([3], seed=1)

    a, b = f()
    assert _same(a, eager) and _same(a, b)
    c, _ = f()
    assert not _same(c, a)
    tf.random.set_seed(None)

    @tf.function
    def m():
        return tf.random.uniform([2], seed=5)

    @tf.function
    def m2():
        return tf.random.uniform([2], seed=5)

    first = m()
    assert _same(first, m2()) and _same(first, tf.random.uniform([2], seed=5))  # TF's default global seed


def test_retrace_and_nested_functions_have_their_own_kernels() -> None:
    tf.random.set_seed(3)

    @tf.function
    def h(x):
        return tf.random.uniform([2]) + x * 0

    r1 = h(tf.constant(1.0))
    r2 = h(tf.constant([1.0, 2.0]))  # a new trace: op seeds count from 0 again
    r3 = h(tf.constant(2.0))
    assert _same(r1, r2) and not _same(r1, r3)

    tf.random.set_seed(3)

    @tf.function
    def inner():
        return tf.random.uniform([2])

    @tf.function
    def outer():
        return tf.random.uniform([2]), inner()

    o = outer()
    assert _same(o[0], o[1])  # the inner graph's first op seed is 0 too
    assert _same(inner(), o[0])  # outer's trace did not advance inner's own kernel
    assert not _same(outer()[1], o[1])


def test_trace_time_draws_do_not_consume_the_stream_and_tapes_replay_the_same_kernel() -> None:
    tf.random.set_seed(11)
    eager = tf.random.uniform([4], seed=2)
    tf.random.set_seed(11)

    @tf.function
    def g(m):
        return tf.random.uniform([4], seed=2) * m

    m = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = g(m)
        total = tf.reduce_sum(y)
    np.testing.assert_allclose(y.numpy(), 2.0 * eager.numpy(), rtol=1e-6)  # first call: the eager op's values
    np.testing.assert_allclose(tape.gradient(total, m).numpy(), eager.numpy().sum(), rtol=1e-6)
    second = g(m)
    assert not _same(second, y)


def test_dropout_inside_a_function_draws_a_new_mask_each_call() -> None:
    tf.random.set_seed(1)

    @tf.function
    def g(x):
        return tf.nn.dropout(x, 0.5)

    x = tf.ones([64])
    a, b = g(x), g(x)
    assert not _same(a, b)
    tf.random.set_seed(1)
    assert _same(g(x), a)


# -- stateless ops ------------------------------------------------------------------------------------------------


def test_stateless_ops_give_tf_values() -> None:
    np.testing.assert_allclose(tf.random.stateless_normal([2], seed=[1, 2]).numpy(), [0.5441101, 0.20738031],
                               rtol=1e-6)
    np.testing.assert_allclose(tf.random.stateless_uniform([3], seed=[1, 2]).numpy(),
                               [0.8440604, 0.19204533, 0.9962232], rtol=1e-6)
    ints = tf.random.stateless_uniform([3], seed=[1, 2], minval=0, maxval=10, dtype=tf.int32)
    assert ints.dtype == tf.int32 and ints.numpy().tolist() == [0, 9, 4]
    np.testing.assert_allclose(tf.random.stateless_truncated_normal([3], seed=[1, 2]).numpy(),
                               [0.5441101, 0.20738031, 0.07356432], rtol=1e-6)


def test_stateless_inside_a_function_is_the_same_every_call_and_equals_eager() -> None:
    @tf.function
    def g(seed):
        return tf.random.stateless_normal([2], seed=seed)

    s = tf.constant([1, 2])
    a, b = g(s), g(s)
    assert _same(a, b) and _same(a, tf.random.stateless_normal([2], seed=[1, 2]))
    c = g(tf.constant([3, 4]))  # the seed is an input: a new value, no retrace
    assert not _same(a, c) and _same(c, tf.random.stateless_normal([2], seed=[3, 4]))
    assert g.experimental_get_tracing_count() == 1


def test_stateless_split_fold_in_and_dropout_give_tf_values() -> None:
    assert tf.random.experimental.stateless_split([1, 2], num=3).numpy().tolist() == [
        [1105988140, 1738052849], [-335576002, 370444179], [10670227, -246211131]]
    assert tf.random.experimental.stateless_split(tf.constant([1, 2], tf.int64), num=1).numpy().tolist() == [
        [7464880146280614444, 1591045637757961278]]
    assert tf.random.experimental.stateless_fold_in([1, 2], 7).numpy().tolist() == [1105988140, 7]
    drop = tf.nn.experimental.stateless_dropout
    assert drop(tf.ones([4]), rate=0.5, seed=[1, 2]).numpy().tolist() == [2.0, 0.0, 2.0, 0.0]
    y = drop(tf.ones([3, 4], tf.float64), rate=0.3, seed=[5, 6], noise_shape=[3, 1]).numpy()
    np.testing.assert_allclose(y, np.array([[0.0], [1 / 0.7], [0.0]]) * np.ones([3, 4]), rtol=1e-15)


def test_stateless_bad_seeds() -> None:
    for bad in ([1], [[1, 2]]):
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.random.stateless_normal([2], seed=bad)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.stateless_normal([2], seed=[1.0, 2.0])


def test_stateless_gradient_flows_to_mean_and_stddev() -> None:
    mean, std = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.random.stateless_normal([5], seed=[4, 4], mean=mean, stddev=std))
    gm, gs = tape.gradient(y, [mean, std])
    assert float(gm) == 5.0
    np.testing.assert_allclose(float(gs), tf.random.stateless_normal([5], seed=[4, 4]).numpy().sum(), rtol=1e-6)


# -- tf.random.Generator ------------------------------------------------------------------------------------------


def test_generator_reproduces_tf_values_and_state() -> None:
    g = tf.random.Generator.from_seed(42)
    assert g.state.numpy().tolist() == [42, 0, 0] and g.algorithm == 1
    np.testing.assert_allclose(g.normal([2]).numpy(), [-0.7565803, -0.06854702], rtol=1e-6)
    assert g.state.numpy().tolist() == [554, 0, 0]  # 256 counter steps per value
    np.testing.assert_allclose(g.normal([5]).numpy(), [0.9029392, -0.12441138, 1.8243233, -0.56251436, -1.7110394],
                               rtol=1e-6)
    np.testing.assert_allclose(g.uniform([3]).numpy(), [0.9287864, 0.8666638, 0.9884465], rtol=1e-7)
    assert g.uniform([3], maxval=10, dtype=tf.int32).numpy().tolist() == [6, 9, 0]
    assert g.uniform([3], maxval=10, dtype=tf.int64).numpy().tolist() == [6, 9, 1]
    np.testing.assert_allclose(g.uniform([3], dtype=tf.float64).numpy(), [0.60932967, 0.07488681, 0.62373592],
                               rtol=1e-7)
    np.testing.assert_allclose(g.normal([3], dtype=tf.float64).numpy(), [-0.42120675, -0.19795254, -0.01432346],
                               rtol=1e-6)
    np.testing.assert_allclose(g.truncated_normal([6]).numpy(),
                               [0.6284844, -0.7251966, -0.9048978, -0.638548, 1.8900737, 0.6980937], rtol=1e-6)
    assert g.state.numpy().tolist() == [7210, 0, 0]


def test_generator_seeds_full_ints_make_seeds_and_split() -> None:
    assert tf.random.Generator.from_seed(2**70 + 5).state.numpy().tolist() == [5, 64, 0]
    assert tf.random.Generator.from_seed(-3).state.numpy().tolist() == [-3, -1, -1]
    assert tf.random.Generator.from_seed([7]).state.numpy().tolist() == [0, 0, 7]  # short seeds pad on the left
    g = tf.random.Generator.from_seed(5)
    assert g.uniform_full_int([3], dtype=tf.int64).numpy().tolist() == [
        511886651086640123, 6557199171514225562, -3553185952259159048]
    assert g.uniform_full_int([5], dtype=tf.int32).numpy().tolist() == [
        294911063, -1964315930, -577431802, 514995122, -469272576]
    u = g.uniform_full_int([2])
    assert u.dtype == tf.uint64 and u.numpy().tolist() == [9127184445093215818, 11015292878891767583]
    assert g.state.numpy().tolist() == [2565, 0, 0]
    assert g.make_seeds(2).numpy().tolist() == [[6721296949590317820, 5330988654622554868], [0, 0]]
    parts = g.split(2)
    assert [p.state.numpy().tolist() for p in parts] == [[0, 0, 8035668206601558301],
                                                         [0, 0, -2688734814179051171]]
    assert g.state.numpy().tolist() == [3589, 0, 0]


def test_generator_errors() -> None:
    g = tf.random.Generator.from_seed(1)
    with pytest.raises(ValueError):
        g.uniform([2], dtype=tf.int32)  # TF: minval and maxval both None or both given
    with pytest.raises(ValueError):
        tf.random.Generator.from_seed(1, alg="threefry")  # not implemented: refused, never silently replaced
    with pytest.raises(tf.errors.InvalidArgumentError):
        g.uniform([2], minval=5, maxval=5, dtype=tf.int32)
    with pytest.raises(TypeError):
        g.normal([2], dtype=tf.int32)


def test_generator_reset_skip_and_gradients() -> None:
    g = tf.random.Generator.from_seed(9)
    a = g.normal([3])
    g.reset_from_seed(9)
    assert _same(g.normal([3]), a)
    g.reset_from_seed(9)
    g.skip(3 * 256)
    b = g.normal([2])
    g.reset_from_seed(9)
    g.normal([3])
    assert _same(g.normal([2]), b)
    mean = tf.Variable(0.5)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(g.normal([4], mean=mean))
    assert float(tape.gradient(y, mean)) == 4.0
    assert not g.state.trainable


def test_generator_outside_a_function_reproduces_the_eager_sequence() -> None:
    ge = tf.random.Generator.from_seed(42)
    eager = [ge.normal([2]) for _ in range(3)]
    gg = tf.random.Generator.from_seed(42)

    @tf.function
    def g():
        return gg.normal([2])

    graph = [g() for _ in range(3)]
    assert all(_same(a, b) for a, b in zip(eager, graph))
    assert gg.state.numpy().tolist() == ge.state.numpy().tolist()
    assert g.experimental_get_tracing_count() == 1


def test_generator_draws_inside_a_function_run_in_program_order() -> None:
    ge = tf.random.Generator.from_seed(8)
    expect = [ge.uniform([2]), ge.normal([3]), ge.uniform([2])]
    gg = tf.random.Generator.from_seed(8)

    @tf.function
    def g():
        a = gg.uniform([2])
        b = gg.normal([3])
        return a, b, gg.uniform([2])

    got = g()
    assert all(_same(a, b) for a, b in zip(expect, got))
    got2 = g()
    assert all(_same(a, b) for a, b in zip([ge.uniform([2]), ge.normal([3]), ge.uniform([2])], got2))


def test_generator_uniform_int32_inside_a_function() -> None:
    ge = tf.random.Generator.from_seed(3)

    @tf.function
    def g():
        return ge.uniform([2], maxval=10, dtype=tf.int32)

    a, b = g(), g()
    assert a.dtype == tf.int32 and a.numpy().tolist() == [5, 6] and b.numpy().tolist() == [6, 2]


def test_generator_created_inside_on_every_call_is_refused_lazily_is_fine() -> None:
    @tf.function
    def g():
        gen = tf.random.Generator.from_seed(1)
        return gen.normal([2])

    with pytest.raises(ValueError, match="singleton"):
        g()

    gen = None

    @tf.function
    def h():
        nonlocal gen
        if gen is None:
            gen = tf.random.Generator.from_seed(1)
        return gen.normal([2])

    a, b = h(), h()
    np.testing.assert_allclose(a.numpy(), [0.43842274, -0.53439844], rtol=1e-6)
    assert not _same(a, b)
    assert gen is not None and gen.state.numpy().tolist() == [1 + 2 * 512, 0, 0]


def test_generator_created_inside_under_run_functions_eagerly() -> None:
    @tf.function
    def g():
        return tf.random.Generator.from_seed(1).normal([2])

    tf.config.run_functions_eagerly(True)
    try:
        assert _same(g(), g())
    finally:
        tf.config.run_functions_eagerly(False)


def test_global_generator() -> None:
    g = tf.random.get_global_generator()
    assert g is tf.random.get_global_generator()
    mine = tf.random.Generator.from_seed(4)
    tf.random.set_global_generator(mine)
    try:
        assert tf.random.get_global_generator() is mine
    finally:
        tf.random.set_global_generator(g)
