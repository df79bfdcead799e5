"""tf.group / no_op / tuple / control_dependencies / init_scope / inside_function / timestamp / gradients /
hessians, tf.errors codes and tf.Variable's aggregation options, as TF 2.21 behaves (values measured under TF)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf


def test_eager_group_no_op_tuple_control_dependencies() -> None:
    v = tf.Variable(1.0)
    assert tf.group(v.assign_add(1.0), v.assign_add(2.0)) is None and float(v) == 4.0
    assert tf.no_op() is None
    out = tf.tuple([tf.constant(1.0), tf.constant(2)])
    assert isinstance(out, list) and [o.numpy().item() for o in out] == [1.0, 2]
    with tf.control_dependencies([1.0]) as c:  # eagerly TF accepts anything and ignores it
        assert c is None
    assert tf.inside_function() is False
    with pytest.raises(TypeError, match="list of tensors"):
        tf.tuple(tf.constant(1.0))


def test_in_a_function_ops_are_operations_and_cannot_be_returned() -> None:
    v = tf.Variable(1.0)
    seen = {}

    @tf.function
    def f(x):
        seen["inside"] = (tf.inside_function(), tf.executing_eagerly())
        a = v.assign_add(1.0)
        with tf.control_dependencies([a]):
            y = tf.identity(x) + v
        g, n = tf.group(a, y), tf.no_op()
        seen["ops"] = (type(g).__name__, g.name, g.type, n.type)
        with tf.init_scope():
            seen["lifted"] = (tf.executing_eagerly(), tf.inside_function())
        return y, tf.tuple([x, x * 2])

    y, t = f(tf.constant(3.0))
    assert float(y) == 5.0 and [float(e) for e in t] == [3.0, 6.0] and float(v) == 2.0
    assert float(f(tf.constant(3.0))[0]) == 6.0 and float(v) == 3.0  # the update runs on every call, in order
    assert seen == {"inside": (True, False), "ops": ("Operation", "group_deps", "NoOp", "NoOp"),
                    "lifted": (True, True)}

    @tf.function
    def g():
        return tf.group(v.assign_add(1.0))

    with pytest.raises(TypeError):
        g()

    @tf.function
    def h(x):
        with tf.control_dependencies([1.0]):
            return x

    with pytest.raises(TypeError, match="control input"):
        h(tf.constant(1.0))


def test_init_scope_runs_eagerly_outside_tapes() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tf.init_scope():
            y = x * x  # not recorded: TF pauses tapes in init_scope
        z = x * 3.0
    assert tape.gradient(y, x) is None and float(tape.gradient(z, x)) == 3.0


def test_timestamp_is_read_on_every_call() -> None:
    t0 = float(tf.timestamp())
    assert tf.timestamp().dtype == tf.float64 and tf.timestamp().shape == ()

    @tf.function
    def f():
        return tf.timestamp()

    a, b = float(f()), float(f())
    assert t0 <= a <= b


def test_gradients_is_graph_only() -> None:
    with pytest.raises(RuntimeError, match="GradientTape"):
        tf.gradients(tf.constant(1.0), tf.constant(2.0))
    with pytest.raises(RuntimeError, match="GradientTape"):
        tf.hessians(tf.constant(1.0), tf.constant(2.0))


def test_gradients_and_hessians_match_tf() -> None:
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float64)

    @tf.function
    def f(x):
        h = tf.tanh(tf.matmul(v, x))
        y = tf.reduce_sum(h * h)
        z = tf.reduce_sum(tf.stop_gradient(h) * x)
        g1 = tf.gradients(y, [x, v])
        g2 = tf.gradients(z, x, unconnected_gradients="zero")
        g3 = tf.gradients(y, x, stop_gradients=[h])
        u = tf.gradients(y, tf.constant(1.0, tf.float64), unconnected_gradients="zero")
        hs = tf.hessians(tf.reduce_sum(x ** 3 * tf.reduce_sum(x)), x)
        return g1, g2, g3, u, hs

    g1, g2, g3, u, hs = f(tf.constant([[0.5], [-0.25]], dtype=tf.float64))
    # TF 2.21's values (its v gradient has -0.0 in the first row; tapegrad's matmul gradient gives +0.0)
    np.testing.assert_allclose(g1[0].numpy(), [[2.180585944151], [2.907447925534]], rtol=1e-11)
    np.testing.assert_allclose(g1[1].numpy(), [[0.0, 0.0], [0.363430990692, -0.181715495346]], rtol=1e-11)
    np.testing.assert_allclose(g2[0].numpy(), [[0.0], [0.46211715726]], rtol=1e-10)
    assert g3 == [None]
    assert float(u[0]) == 0.0
    np.testing.assert_allclose(hs[0].numpy().reshape(2, 2), [[2.25, 0.9375], [0.9375, 0.0]], rtol=1e-12)
    assert hs[0].shape == (2, 1, 2, 1)
    # the program (second call, new values) against numerical derivatives
    x2 = np.array([[0.3], [0.7]])
    g1, _, _, _, hs = f(tf.constant(x2))

    def y_of(xv: np.ndarray) -> float:
        h = np.tanh(v.numpy() @ xv)
        return float(np.sum(h * h))

    eps = 1e-6
    num = np.array([[(y_of(x2 + eps * e) - y_of(x2 - eps * e)) / (2 * eps)] for e in np.eye(2)[:, :, None]])
    np.testing.assert_allclose(g1[0].numpy(), num.reshape(2, 1), rtol=1e-7)
    xs = x2.ravel()
    want = 6 * np.diag(xs) * xs.sum() + 3 * (xs[:, None] ** 2 + xs[None, :] ** 2)  # d²/dx² of sum(x³)·sum(x)
    np.testing.assert_allclose(hs[0].numpy().reshape(2, 2), want, rtol=1e-12)


def test_gradients_with_grad_ys_and_several_ys() -> None:
    @tf.function
    def f(x, z):
        y = x * x + tf.reduce_sum(z)
        return tf.gradients([y, 2 * y], [x, z], grad_ys=[tf.constant(1.0), tf.constant(3.0)])

    gx, gz = f(tf.constant(2.0), tf.constant([1.0, 2.0]))
    assert float(gx) == 28.0 and gz.numpy().tolist() == [7.0, 7.0]


def test_gradients_refuse_to_replay_a_random_op() -> None:
    @tf.function
    def f(a):
        s = tf.random.gamma([3], a, seed=1)
        return tf.gradients(tf.reduce_sum(s), a)

    with pytest.raises(NotImplementedError, match="GradientTape"):
        f(tf.constant(2.0))


def test_error_codes() -> None:
    assert (tf.errors.OK, tf.errors.INVALID_ARGUMENT, tf.errors.NOT_FOUND, tf.errors.UNAUTHENTICATED) == (0, 3, 5, 16)
    assert tf.errors.InvalidArgumentError(None, None, "m").error_code == tf.errors.INVALID_ARGUMENT
    assert tf.errors.OutOfRangeError("m").error_code == 11


def test_variable_aggregation_synchronization_constraint() -> None:
    v = tf.Variable(1.0, aggregation=tf.VariableAggregation.MEAN,
                    synchronization=tf.VariableSynchronization.ON_READ)
    assert v.aggregation is tf.VariableAggregation.MEAN and v.synchronization.name == "ON_READ"
    assert v.trainable is False  # TF: an ON_READ variable is not trainable unless asked
    w = tf.Variable(1.0)
    assert (w.aggregation.value, w.synchronization.value, w.constraint, w.trainable) == (0, 0, None, True)
    assert v.assign(2.0).aggregation is tf.VariableAggregation.MEAN
    with pytest.raises(ValueError, match="aggregation"):
        tf.Variable(1.0, aggregation="sum")
    with pytest.raises(ValueError, match="callable"):
        tf.Variable(1.0, constraint=3)


def test_keras_optimizer_applies_a_plain_variable_constraint() -> None:
    v = tf.Variable([2.0, -3.0], constraint=lambda t: tf.clip_by_value(t, -1.0, 1.0))
    opt = tf.keras.optimizers.SGD(0.1)
    opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert v.numpy().tolist() == [1.0, -1.0]


def test_docstring_examples_run() -> None:
    import doctest

    from tapegrad import _variable_options, errors, graph_compat, init_ops

    for mod in (graph_compat, _variable_options, errors, init_ops):
        r = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 2 and r.failed == 0, mod.__name__


def test_top_level_initializers_and_aliases() -> None:
    init = tf.random_uniform_initializer(0.0, 1.0, seed=9)
    assert np.array_equal(init([3]).numpy(), init([3]).numpy())  # stateless: the same values every call
    assert tf.random_normal_initializer()([2]).numpy().tolist() != tf.random_normal_initializer()([2]).numpy().tolist()
    with pytest.raises(TypeError, match="Invalid type for initial value"):
        tf.constant_initializer({"a": 1})
    with pytest.raises(ValueError, match="Expected float or integer"):
        tf.random_uniform_initializer()([2], tf.bool)
    assert tf.losses is tf.keras.losses and tf.optimizers is tf.keras.optimizers and tf.metrics is tf.keras.metrics
    assert tf.initializers is tf.keras.initializers and "losses" in dir(tf)
    with pytest.raises(TypeError, match="Could not build a TypeSpec"):
        tf.type_spec_from_value(object())

    v = tf.Variable(1.0)

    @tf.function
    def traced(x):
        return tf.is_symbolic_tensor(x * 2.0), tf.is_symbolic_tensor(v)

    a, b = traced(tf.constant(1.0))
    assert bool(a) and not bool(b)


def test_runtime_switches_validate_and_report() -> None:
    import doctest

    from tapegrad import _settings

    assert doctest.testmod(_settings).failed == 0
    c = tf.config.experimental
    try:
        c.set_device_policy("warn")
        assert c.get_device_policy() == "warn"
        with pytest.raises(ValueError, match="Invalid argument `device_policy`"):
            c.set_device_policy("bad")
        c.enable_op_determinism()
        assert _settings.is_op_determinism_enabled()
        tf.config.optimizer.set_jit(True)
        assert tf.config.optimizer.get_jit() == "autoclustering"
        tf.config.optimizer.set_experimental_options({"layout_optimizer": False})
        assert tf.config.optimizer.get_experimental_options() == {
            "layout_optimizer": False, "disable_model_pruning": False, "disable_meta_optimizer": False}
        with pytest.raises(ValueError, match="set_jit"):
            tf.config.optimizer.set_jit("xla")
        assert c.get_device_details(tf.config.list_physical_devices("CPU")[0]) == {}
        assert c.get_memory_usage("CPU:0") == tf.config.experimental.get_memory_info("CPU:0")["current"]
    finally:
        c.set_device_policy(None)
        tf.config.optimizer.set_jit(False)
        _settings._state["grappler"] = {}
        _settings._state["determinism"] = False
    with pytest.raises(ValueError, match="must be of the same type"):
        tf.debugging.assert_same_float_dtype([tf.constant(1.0), tf.constant(1.0, tf.float64)])
    with pytest.raises(ValueError, match="Expected floating point"):
        tf.debugging.assert_same_float_dtype([tf.constant(1)])
    assert tf.debugging.assert_same_float_dtype(None, tf.float64) == tf.float64
    assert [f.name for f in tf.autograph.experimental.Feature][0] == "ALL"
    f = tf.autograph.to_graph(lambda x: x + 1)
    assert f(1) == 2
