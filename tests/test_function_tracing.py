"""tapegrad.function as TF 2.21's tf.function: what retraces, the retracing warning, concrete functions, the
variable-creation rule, errors "in user code", methods, return values, nesting and guards.

Expected values are TF's (tf_function.md and probes p30-p35, recorded on TF 2.21).
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tf

from .test_compiler_differential import OPS, make_body


@pytest.fixture(autouse=True)
def _traced_mode() -> Iterator[None]:
    tf.config.run_functions_eagerly(False)
    yield
    tf.config.run_functions_eagerly(False)


def counted(**kw):
    runs = [0]

    def deco(py):
        def body(*a, **k):
            runs[0] += 1
            return py(*a, **k)

        return tf.function(body, **kw), runs

    return deco


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# -- cache keys ---------------------------------------------------------------------------------------------------


def test_tensor_shape_and_dtype_are_the_key_not_values() -> None:
    g, runs = counted()(lambda x: x * 2)
    counts = []
    for v in [tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), tf.constant([1.0, 2.0, 3.0]), tf.constant([[1.0, 2.0]]),
              tf.constant([1, 2]), tf.constant([1.0, 2.0], tf.float64), tf.constant([7.0, 8.0])]:
        g(v)
        counts.append(g.experimental_get_tracing_count())
    assert counts == [1, 1, 2, 3, 4, 5, 5] and runs[0] == 5
    assert g(tf.constant([5.0, 6.0])).numpy().tolist() == [10.0, 12.0]


def test_python_scalars_by_value_with_equal_values_sharing() -> None:
    g, _ = counted()(lambda x: tf.constant(x) * 2)
    counts = []
    for v in [1, 2, 1, 2, 3, 1.0, True, 1.5, 1.5]:
        g(v)
        counts.append(g.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 2, 3, 3, 3, 4, 4]
    h = tf.function(lambda x: x * 2)
    assert h(3).dtype == tf.int32 and h(3.0).dtype == tf.int32  # 3.0 == 3: the int trace's result


def test_containers_namedtuples_dicts_and_objects() -> None:
    g, _ = counted()(lambda xs: tf.add_n([tf.cast(v, tf.float32) for v in xs]))
    counts = []
    for v in [[1, 2], [1, 2], [1, 3], [tf.constant(1.0), tf.constant(2.0)], [tf.constant(5.0), tf.constant(6.0)],
              [tf.constant(1.0)] * 3, (tf.constant(1.0), tf.constant(2.0))]:
        g(v)
        counts.append(g.experimental_get_tracing_count())
    assert counts == [1, 1, 2, 3, 3, 4, 5]

    d, _ = counted()(lambda d: d["a"] + d["b"])
    d({"a": tf.constant(1.0), "b": tf.constant(2.0)})
    assert float(d({"b": tf.constant(3.0), "a": tf.constant(4.0)})) == 7.0
    assert d.experimental_get_tracing_count() == 1

    P = collections.namedtuple("P", ["a", "b"])
    Q = collections.namedtuple("Q", ["a", "b"])
    n, _ = counted()(lambda p: p.a * p.b)
    assert float(n(P(tf.constant(2.0), tf.constant(3.0)))) == 6.0
    assert float(n(P(tf.constant(4.0), tf.constant(5.0)))) == 20.0
    n(Q(tf.constant(2.0), tf.constant(3.0)))
    assert n.experimental_get_tracing_count() == 2
    with pytest.raises(AttributeError):
        n((tf.constant(2.0), tf.constant(3.0)))  # a plain tuple has no .a: the trace fails and is not counted
    assert n.experimental_get_tracing_count() == 2

    class Obj:
        def __init__(self, k: float) -> None:
            self.k = k

    o1, o2 = Obj(2.0), Obj(2.0)
    m, _ = counted()(lambda o, x: x * o.k)
    assert float(m(o1, tf.constant(1.0))) == 2.0
    o1.k = 10.0
    assert float(m(o1, tf.constant(1.0))) == 2.0  # same object: no retrace, the attribute is stale
    assert float(m(o2, tf.constant(1.0))) == 2.0 and m.experimental_get_tracing_count() == 2


def test_arrays_variables_and_call_style() -> None:
    g, _ = counted()(lambda x: x * 2)
    out = [(g(a), g.experimental_get_tracing_count()) for a in
           [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0], np.float32)]]
    assert [(r.dtype.name, c) for r, c in out] == [("float64", 1), ("float64", 1), ("float64", 2), ("float32", 3)]
    v, _ = counted()(lambda v: v * 2)
    for x in [tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0]), tf.Variable([1.0, 2.0, 3.0]), tf.constant([1.0, 2.0])]:
        v(x)
    assert v.experimental_get_tracing_count() == 3
    one = tf.constant(1.0)
    k, _ = counted()(lambda x, y=one: x + y)
    x = tf.constant(1.0)
    k(x)
    k(x=x)
    k(x, tf.constant(2.0))
    k(x, y=tf.constant(2.0))
    assert k.experimental_get_tracing_count() == 4


def test_reduce_retracing_generalises_from_the_second_shape() -> None:
    g, _ = counted(reduce_retracing=True)(lambda x: x * 2)
    counts = []
    for v in [tf.zeros([2]), tf.zeros([3]), tf.zeros([4]), tf.zeros([1, 2]), tf.zeros([1, 3]), tf.zeros([2], tf.int32)]:
        g(v)
        counts.append(g.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 3, 3, 4]
    shapes = []

    @tf.function(reduce_retracing=True)
    def h(x):
        shapes.append(str(x.shape))
        return x

    h(tf.zeros([2]))
    h(tf.zeros([3]))
    assert shapes == ["(2,)", "(None,)"]
    assert h(tf.ones([5])).numpy().tolist() == [1.0] * 5


# -- the retracing warning ----------------------------------------------------------------------------------------


def test_retracing_warning_fifth_and_sixth_trace_then_never() -> None:
    records = _Records()
    tf.get_logger().addHandler(records)
    try:
        logged_at = []

        @tf.function
        def g(x):
            return x

        for i in range(12):
            before = len(records.messages)
            g(i)
            if len(records.messages) > before:
                logged_at.append(i)
        assert logged_at == [4, 5]
        assert records.messages[0].startswith("5 out of the last 5 calls to <function")
        assert records.messages[1].startswith("6 out of the last 6 calls")

        @tf.function
        def h(x):
            return x

        records.messages.clear()
        for i in range(1, 13):
            h(i)
            h(1)
        assert [m.split(" calls to")[0] for m in records.messages] == ["5 out of the last 9", "6 out of the last 11"]
    finally:
        tf.get_logger().removeHandler(records)


def test_retracing_warning_counts_functions_made_in_a_loop() -> None:
    records = _Records()
    tf.get_logger().addHandler(records)
    try:
        logged = []
        for i in range(8):
            before = len(records.messages)
            g = tf.function(lambda x: x + 1)
            g(tf.constant(1.0))
            if len(records.messages) > before:
                logged.append(i)
        assert logged == [4, 5]
    finally:
        tf.get_logger().removeHandler(records)


# -- input_signature ------------------------------------------------------------------------------------------------


def test_input_signature_one_trace_casts_and_type_errors() -> None:
    runs = [0]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def g(x):
        runs[0] += 1
        return tf.reduce_sum(x)

    results = [float(g(tf.constant([1.0, 2.0]))), float(g([1.0, 2.0, 3.0])), float(g(np.array([1.0, 2.0])))]
    assert results == [3.0, 6.0, 3.0] and g.experimental_get_tracing_count() == 1
    for bad in [(tf.constant([1, 2]),), (tf.constant([[1.0]]),), (tf.constant(1.0),), (), (tf.ones([1]), tf.ones([1]))]:
        with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
            g(*bad)
    with pytest.raises(TypeError, match="missing type constraint for k"):
        tf.function(lambda x, k: x * k, input_signature=[tf.TensorSpec([None])])


# -- concrete functions ----------------------------------------------------------------------------------------------


def test_get_concrete_function_same_object_and_calling_it() -> None:
    g, runs = counted()(lambda x: x * 2)
    cf = g.get_concrete_function(tf.TensorSpec([None], tf.float32))
    assert g.experimental_get_tracing_count() == 1
    assert cf(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert g(tf.constant([5.0, 6.0, 7.0])).numpy().tolist() == [10.0, 12.0, 14.0]
    assert g.experimental_get_tracing_count() == 1 and g.get_concrete_function(tf.TensorSpec([None])) is cf
    fixed = tf.function(lambda x: x * 2).get_concrete_function(tf.constant([1.0, 2.0]))
    assert str(fixed.structured_input_signature) == (
        "((TensorSpec(shape=(2,), dtype=tapegrad.float32, name='x'),), {})")
    assert str(fixed.structured_outputs) == 'Tensor("Identity:0", shape=(2,), dtype=float32)'
    assert fixed(tf.constant([1.0, 2.0, 3.0])).numpy().tolist() == [2.0, 4.0, 6.0]  # shapes are not re-checked
    assert fixed([1.0, 2.0]).numpy().tolist() == [2.0, 4.0]
    with pytest.raises(tf.errors.InvalidArgumentError):
        fixed(tf.constant([1, 2]))
    ops = fixed.graph.get_operations()
    assert ops and all(isinstance(op.name, str) and isinstance(op.type, str) for op in ops)
    baked = tf.function(lambda x, k: x * k).get_concrete_function(tf.TensorSpec([], tf.float32), 3)
    assert float(baked(tf.constant(2.0))) == 6.0 and float(baked(tf.constant(2.0), 3)) == 6.0
    with pytest.raises(TypeError, match="Literal"):
        baked(tf.constant(2.0), 4)


def test_pretty_printed_signatures_and_compiler_ir() -> None:
    g = tf.function(lambda x, y: x + y)
    g(tf.constant(1.0), tf.constant(2.0))
    g(tf.constant([1.0]), tf.constant([2.0]))
    text = g.pretty_printed_concrete_signatures()
    assert text.count("Input Parameters:") == 2 and "Output Type:" in text and "Captures:" in text
    assert "x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(1,)" in text
    code = g.experimental_get_compiler_ir(tf.constant([1.0]), tf.constant([2.0]))()
    assert "def " in code and "return" in code
    assert "def " in tf.autograph.to_code(g)


# -- Python side effects, variables, captures ---------------------------------------------------------------------


def test_python_side_effects_at_trace_time_only_and_symbolic_repr(capsys: pytest.CaptureFixture[str]) -> None:
    log = []

    @tf.function
    def g(x):
        print("x =", x)
        log.append(tf.executing_eagerly())
        return x + 1

    for v in [1.0, 2.0, 3.0]:
        g(tf.constant(v))
    assert capsys.readouterr().out == 'x = Tensor("x:0", shape=(), dtype=float32)\n'
    assert log == [False] and tf.executing_eagerly()

    @tf.function
    def h(x):
        return x.numpy()

    with pytest.raises(AttributeError, match="numpy"):
        h(tf.constant(1.0))


def test_variables_first_trace_only_and_read_live() -> None:
    v = None

    @tf.function
    def lazy(x):
        nonlocal v
        if v is None:
            v = tf.Variable(1.0)
        return v.assign_add(x)

    assert [float(lazy(tf.constant(2.0))), float(lazy(tf.constant(3.0)))] == [3.0, 6.0]

    @tf.function
    def every_call(x):
        return tf.Variable(1.0) + x

    with pytest.raises(ValueError, match="singleton tf.Variables created on the first call") as info:
        every_call(tf.constant(1.0))
    assert "in user code:" in str(info.value) and "tf.Variable(1.0)" in str(info.value)

    tf.config.run_functions_eagerly(True)
    assert float(every_call(tf.constant(1.0))) == 2.0  # allowed when run eagerly
    tf.config.run_functions_eagerly(False)

    w = tf.Variable(1.0)
    k = 2.0

    @tf.function
    def g():
        return w * k

    assert float(g()) == 2.0
    w.assign(5.0)
    k = 3.0
    assert float(g()) == 10.0 and g.experimental_get_tracing_count() == 1  # Variable live, float frozen

    @tf.function
    def snap():
        w.assign_add(1.0)
        return w

    r = snap()
    assert type(r) is tf.Tensor and float(r) == 6.0 and r is not w
    t = tf.constant(1.0)
    assert tf.function(lambda x: x)(t) is not t


# -- errors -----------------------------------------------------------------------------------------------------------


class MyErr(Exception):
    pass


def test_exception_in_trace_keeps_type_and_is_not_cached() -> None:
    runs = [0]

    @tf.function
    def g(x):
        runs[0] += 1
        raise MyErr("boom")

    for _ in range(2):
        with pytest.raises(MyErr) as info:
            g(tf.constant(1.0))
        text = str(info.value)
        assert text.startswith("in user code:") and 'raise MyErr("boom")' in text and "MyErr: boom" in text
    assert runs[0] == 2 and g.experimental_get_tracing_count() == 0

    with pytest.raises(ValueError):  # a static shape error is reported while tracing, as TF's ValueError
        tf.function(lambda x: x + tf.constant([1.0, 2.0, 3.0]))(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="must return zero or more Tensors"):
        tf.function(lambda: object())()


# -- structure of results -------------------------------------------------------------------------------------------


def test_return_values() -> None:
    NT = collections.namedtuple("NT", ["loss", "acc"])

    @tf.function
    def g(x):
        return {"a": x, "b": [x * 2, (x * 3, None)], "c": 7, "n": NT(x, 2.5), "arr": np.array([1, 2])}

    r = g(tf.constant(1.0))
    assert r["c"].dtype == tf.int32 and r["n"].acc.dtype == tf.float32 and r["arr"].dtype == tf.int64
    assert r["b"][1][1] is None and isinstance(r["n"], NT) and float(r["b"][1][0]) == 3.0
    assert tf.function(lambda x: None)(tf.constant(1.0)) is None


# -- nesting, methods, eager switch ---------------------------------------------------------------------------------


def test_nested_functions_trace_inner_once() -> None:
    inner, inner_runs = counted()(lambda x: x * 2)

    @tf.function
    def outer(x):
        return inner(x) + inner(x + 1.0)

    assert [float(outer(tf.constant(1.0))), float(outer(tf.constant(2.0)))] == [6.0, 10.0]
    assert inner_runs[0] == 1 and inner.experimental_get_tracing_count() == 1
    assert outer.experimental_get_tracing_count() == 1


def test_methods_trace_per_instance() -> None:
    class Lin(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = tf.Variable([[1.0], [2.0]])
            self.calls = 0

        @tf.function
        def __call__(self, x):
            self.calls += 1
            return x @ self.w

    m1, m2 = Lin(), Lin()
    x = tf.constant([[1.0, 1.0]])
    assert [float(m1(x)), float(m1(x)), float(m2(x))] == [3.0, 3.0, 3.0]
    assert (m1.calls, m2.calls) == (1, 1) and m1.__call__ is m1.__call__
    assert type(Lin.__call__).__name__ == "Function"


def test_run_functions_eagerly() -> None:
    calls = []

    @tf.function
    def g(x):
        calls.append(tf.executing_eagerly())
        return x * 2

    g(tf.constant(1.0))
    tf.config.run_functions_eagerly(True)
    assert tf.config.functions_run_eagerly()
    g(tf.constant(1.0))
    tf.config.run_functions_eagerly(False)
    g(tf.constant(1.0))
    assert calls == [False, True] and g.experimental_get_tracing_count() == 1
    assert not hasattr(tf, "functions_run_eagerly")


# -- data-dependent Python control flow: guards ---------------------------------------------------------------------


def test_data_dependent_if_and_while_retrace_paths_not_signatures() -> None:
    @tf.function
    def branch(x):
        if x > 0:
            return x * 10.0
        return -x

    assert [float(branch(tf.constant(v))) for v in [2.0, -3.0, 4.0, -1.0]] == [20.0, 3.0, 40.0, 1.0]
    assert branch.experimental_get_tracing_count() == 1

    @tf.function
    def halve(x):
        n = tf.constant(0)
        while x > 1.0:
            x = x / 2.0
            n += 1
        return x, n

    a, b = halve(tf.constant(10.0)), halve(tf.constant(1000.0))
    assert (float(a[0]), int(a[1])) == (0.625, 4) and (float(b[0]), int(b[1])) == (0.9765625, 10)
    assert halve.experimental_get_tracing_count() == 1

    @tf.function
    def loop(n):
        s = tf.constant(0)
        for i in tf.range(n):
            s += i
        return s

    assert [int(loop(tf.constant(4))), int(loop(tf.constant(10)))] == [6, 45]


def test_gradients_through_and_inside() -> None:
    @tf.function
    def cube(x):
        return x**3

    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = cube(x)
        dy = t1.gradient(y, x)
    assert float(dy) == 12.0 and float(t2.gradient(dy, x)) == 12.0

    w = tf.Variable([[0.1], [-0.2]])
    X = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    Y = tf.constant([[1.0], [2.0]])

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((X @ w - Y) ** 2)
        w.assign_sub(0.01 * tape.gradient(loss, w))
        return loss

    compiled = tf.function(step)
    graph = [float(compiled()) for _ in range(3)]
    w.assign([[0.1], [-0.2]])
    eager = [float(step()) for _ in range(3)]
    assert graph == eager and compiled.experimental_get_tracing_count() == 1


# -- differential: random programs through the front-end --------------------------------------------------------------


@settings(max_examples=15, deadline=None, derandomize=True)
@given(codes=st.lists(st.sampled_from(OPS), min_size=1, max_size=6), seed=st.integers(0, 2**16),
       scales=st.lists(st.sampled_from([1, 2, 1.0, True]), min_size=4, max_size=4))
def test_random_programs_through_function_match_eager(codes, seed, scales):
    """Random bodies (ops, variable updates, tape gradients, data-dependent branches) called several times through
    ``tapegrad.function`` with changing values, a Python scalar in the key and a keyword call: same results and
    variable states as eager, and one trace per (scale, call style)."""
    rng = np.random.default_rng(seed)
    v0, w0 = rng.normal(size=4), rng.normal(size=(4, 4)) / 2
    ve, we = tf.Variable(v0), tf.Variable(w0)
    vc, wc = tf.Variable(v0), tf.Variable(w0)
    eager_body, compiled_body = make_body(codes, ve, we), make_body(codes, vc, wc)

    def eager(x, y, k):
        return eager_body(x * k, y)

    compiled = tf.function(lambda x, y, k: compiled_body(x * k, y))
    for i, k in enumerate(scales):
        x, y = tf.constant(rng.normal(size=4)), tf.constant(rng.normal(size=4))
        want = eager(x, y, k)
        got = compiled(x, y, k) if i % 2 == 0 else compiled(x, y=y, k=k)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(vc.numpy(), ve.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(wc.numpy(), we.numpy(), rtol=1e-12, atol=1e-14)
    styles = {(k, i % 2) for i, k in enumerate(scales)}  # 1 == 1.0 == True share a key, as in TF
    assert compiled.experimental_get_tracing_count() == len(styles)


def test_both_sides_of_a_tensor_if_are_traced_at_the_first_call(capsys: pytest.CaptureFixture[str]) -> None:
    @tf.function
    def g(x):
        if x > 0:
            print("then")
            y = x * 10.0
        else:
            print("else")
            y = -x
        return y

    assert float(g(tf.constant(2.0))) == 20.0
    assert capsys.readouterr().out == "then\nelse\n"  # as TF: both branches traced by the first call
    assert float(g(tf.constant(-3.0))) == 3.0 and capsys.readouterr().out == ""  # no retrace for the other side
    assert g.experimental_get_tracing_count() == 1

    def one_side(x):
        if x > 0:
            y = x
        return y  # noqa: F821 - unset on the other side, as the test wants

    def none_side(x):
        if x > 0:
            return x
        return None

    def dtypes(x):
        return tf.constant(1.0) if x > 0 else tf.constant(1)

    def raises(x):
        if x > 0:
            raise ValueError("positive")
        return x

    for body, kind in [(one_side, ValueError), (none_side, ValueError), (dtypes, TypeError), (raises, ValueError)]:
        with pytest.raises(kind):
            tf.function(body)(tf.constant(-1.0))
    shapes = tf.function(lambda x: tf.zeros([2]) if x > 0 else tf.zeros([3]))
    assert str(shapes.get_concrete_function(tf.constant(1.0)).outputs[0].shape) == "(None,)"


def test_a_leaked_stand_in_is_out_of_scope_after_the_trace() -> None:
    log = []

    @tf.function
    def g(x):
        log.append(x)
        return x * 2

    for v in [0.0, 1.0, 2.0]:
        g(tf.constant(v))
    assert len(log) == 1 and str(log[0].shape) == "()" and log[0].dtype == tf.float32
    with pytest.raises(TypeError, match="out of scope"):
        log[0] + 1.0
    assert float(g(tf.constant(5.0))) == 10.0
