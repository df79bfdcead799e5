"""Graph passes and the memory plan on hand-built graphs: what each removes, and that values do not change."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad._registry import OPS
from tapegrad.compiler.codegen import compile_source, generate
from tapegrad.compiler.graph import GUARD, Graph, Node
from tapegrad.compiler.passes import cse, dce, fold, optimize, simplify
from tapegrad.compiler.plan import escaping, make_plan
from tapegrad.compiler.replay import replay

F32 = np.dtype(np.float32)


class G:
    """A tiny builder: ``b = G(); x = b.input((3,)); y = b.op("sin", x)``."""

    def __init__(self) -> None:
        self.g = Graph()

    def input(self, shape, dtype=F32):
        vid = self.g.new_value(shape, dtype, "input")
        self.g.inputs.append(vid)
        self.g.input_variables.append(False)
        return vid

    def const(self, value):
        return self.g.add_const(value)

    def op(self, name, *ins, oshape=None, odtype=F32, **params):
        shape = oshape if oshape is not None else self.g.values[ins[0]].shape
        out = self.g.new_value(shape, odtype, "node")
        self.g.nodes.append(Node(OPS[name], params, tuple(ins), (out,), name))
        return out

    def ops(self):
        return [n.op.name for n in self.g.nodes]


def run(g, *arrays):
    return [o.numpy() for o in replay(g, [tf.constant(a) for a in arrays])]


X = np.array([0.5, -1.5, 2.0], np.float32)


def test_dce_drops_unused_nodes_keeps_effects():
    b = G()
    x = b.input((3,))
    used = b.op("sin", x)
    b.op("cos", x)  # dead
    b.g.nodes.append(Node(GUARD, {"kind": "bool", "expect": True}, (b.op("reduce_sum", x, oshape=(), axis=None,
                                                                           keepdims=False),), (), "guard"))
    b.g.outputs = [used]
    g = dce(b.g.copy())
    assert [n.op.name for n in g.nodes] == ["sin", "reduce_sum", "guard"]


def test_cse_merges_repeats_and_equal_constants():
    b = G()
    x = b.input((3,))
    c1, c2 = b.const(np.float32(2.0)), b.const(np.float32(2.0))
    y1 = b.op("multiply", x, c1)
    y2 = b.op("multiply", x, c2)
    s = b.op("add", y1, y2)
    b.g.outputs = [s]
    g = cse(b.g.copy())
    assert [n.op.name for n in g.nodes] == ["multiply", "add"]
    np.testing.assert_array_equal(run(g, X)[0], run(b.g, X)[0])


def test_cse_never_merges_random_draws():
    b = G()
    x = b.input((3,))
    gen = np.random.default_rng(0)
    shp = b.const(np.array([3], np.int64))
    r1 = b.op("random_standard_normal", shp, oshape=(3,), dtype=F32, gen=gen)
    r2 = b.op("random_standard_normal", shp, oshape=(3,), dtype=F32, gen=gen)
    b.g.outputs = [b.op("add", b.op("add", r1, r2), x)]
    assert [n.op.name for n in cse(b.g.copy()).nodes].count("random_standard_normal") == 2
    assert [n.op.name for n in dce(b.g.copy()).nodes].count("random_standard_normal") == 2


def test_fold_computes_constant_subgraphs():
    b = G()
    x = b.input((3,))
    c = b.op("reshape", b.const(np.float32(1.0)), oshape=(1,), shape=(1,))
    ones = b.op("broadcast_to", c, oshape=(3,), shape=(3,))
    b.g.outputs = [b.op("multiply", ones, x)]
    g = fold(b.g.copy())
    assert [n.op.name for n in g.nodes] == ["multiply"]
    np.testing.assert_array_equal(run(g, X)[0], X)


def test_simplify_units_double_negation_and_noops():
    b = G()
    x = b.input((3,))
    one, zero = b.const(np.ones(3, np.float32)), b.const(0.0)
    y = b.op("multiply", x, one)
    y = b.op("add", y, zero)
    y = b.op("negative", b.op("negative", y))
    y = b.op("cast", y, dtype=F32)
    y = b.op("reshape", y, shape=(3,))
    b.g.outputs = [b.op("sin", y)]
    g = dce(simplify(b.g.copy()))
    assert [n.op.name for n in g.nodes] == ["sin"]
    np.testing.assert_array_equal(run(g, X)[0], np.sin(X))


def test_simplify_keeps_broadcasting_and_promoting_units():
    b = G()
    x = b.input((3,))
    one = b.const(np.ones((2, 3), np.float32))  # broadcasts x: not a no-op
    one64 = b.const(np.ones(3, np.float64))  # promotes: not a no-op
    b.g.outputs = [b.op("multiply", x, one, oshape=(2, 3)), b.op("multiply", x, one64, odtype=np.dtype(np.float64))]
    assert len(simplify(b.g.copy()).nodes) == 2


def test_each_pass_can_be_switched_off():
    b = G()
    x = b.input((3,))
    b.op("cos", x)
    b.g.outputs = [b.op("multiply", x, b.const(1.0))]
    off = optimize(b.g, {"dce": False, "cse": False, "fold": False, "simplify": False})
    assert [n.op.name for n in off.nodes] == ["cos", "multiply"]
    assert optimize(b.g, {}).nodes == []


def _chain_graph():
    b = G()
    x = b.input((4,))
    a = b.op("sin", x)
    c = b.op("cos", a)
    d = b.op("multiply", a, c)
    e = b.op("exp", d)
    r = b.op("reshape", e, oshape=(2, 2), shape=(2, 2))  # a view of e: e's buffer must outlive r
    f = b.op("tanh", r)
    out = b.op("add", f, b.const(1.0))
    b.g.outputs = [out, r]
    return b


def test_plan_reuses_buffers_and_never_hands_them_out():
    from tapegrad.compiler.trace import trace

    x = np.array([0.1, 0.2, 0.3, 0.4], np.float32)

    def f(ts):
        a = tf.sin(ts[0])
        e = tf.exp(a * tf.cos(a))
        r = tf.reshape(e, (2, 2))  # a view of e: e must not live in a reused buffer
        return [tf.tanh(r) + 1.0, r], None

    p = trace(f, [tf.constant(x)])
    assert p.plan is not None and p.plan.buffers
    from tapegrad.compiler.lower import lowerable_ufunc

    esc = escaping(p.graph, {id(n) for n in p.graph.nodes if lowerable_ufunc(n, p.graph)})
    assert len(esc) < len(p.graph.values)
    for node in p.graph.nodes:
        if p.plan.buffer_for(node) is not None:
            assert node.outputs[0] not in esc
    r1 = p([tf.constant(x)])
    keep = [o.numpy().copy() for o in r1]
    p([tf.constant(x * 2)])
    for o, k in zip(r1, keep):
        np.testing.assert_array_equal(o.numpy(), k)
    np.testing.assert_allclose(r1[1].numpy(), np.exp(np.sin(x) * np.cos(np.sin(x))).reshape(2, 2), rtol=1e-6)


def test_plan_liveness_on_hand_built_graph():
    from tapegrad.compiler.lower import learn

    b = _chain_graph()
    x = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    env = {b.g.inputs[0]: x, **b.g.consts}
    for n in b.g.nodes:  # what the tracer does: learn each op's direct form from real values
        args = tuple(env[i] for i in n.inputs)
        env[n.outputs[0]] = n.op.fwd(tf._backend.NUMPY if hasattr(tf, "_backend") else None, *args, **n.params)
        learn(n.op, n.params, args, env[n.outputs[0]])
    plan = make_plan(b.g)
    names = {b.g.nodes[k].name: plan.buffer_for(b.g.nodes[k]) for k in range(len(b.g.nodes))}
    # sin -> a (buffer), cos(a) -> c, a*c -> d may reuse a's or c's buffer; exp's output is viewed by the
    # returned reshape, so it escapes (fresh); the final add is an output (fresh)
    assert names["sin"] is not None and names["multiply"] in (names["sin"], names["cos"])
    assert names["exp"] is None and names["add"] is None and names["reshape"] is None
    assert plan.buffers[names["tanh"]].shape == (2, 2)
    assert len(plan.buffers) == 3  # two of shape (4,) for sin/cos/multiply, one (2, 2) for tanh


@pytest.mark.parametrize("options", [{}, {"plan": False}, {"cse": False, "fold": False, "simplify": False}])
def test_codegen_matches_replay(options):
    b = G()
    x = b.input((3,))
    y = b.op("multiply", b.op("sin", x), b.const(2.0))
    b.g.outputs = [b.op("add", y, x)]
    src, bindings, fname = generate(optimize(b.g, {"dce": True, **options}), "hand")
    fn = compile_source(src, bindings, fname)
    np.testing.assert_allclose(fn([tf.constant(X)])[0].numpy(), np.sin(X) * 2 + X, rtol=1e-6)


def test_inplace_variable_update_reuses_the_array_unless_someone_holds_it():
    from tapegrad.compiler.trace import trace

    v = tf.Variable(np.zeros(4, np.float32))

    def f(ts):
        v.assign_sub(ts[0] * 2.0)
        return [], None

    p = trace(f, [tf.constant(np.ones(4, np.float32))])
    assert any(n.params.get("inplace") for n in p.graph.nodes) and "out=read_" in p.code
    before = id(v._value)
    p([tf.constant(np.ones(4, np.float32))])
    assert v.numpy().tolist() == [-2.0] * 4 and id(v._value) == before  # updated in place
    held = v.value()  # may share the variable's array: the update must not write into it
    snap = held.numpy().copy()
    p([tf.constant(np.ones(4, np.float32))])
    np.testing.assert_array_equal(held.numpy(), snap)
    assert v.numpy().tolist() == [-4.0] * 4
    off = trace(f, [tf.constant(np.ones(4, np.float32))], options={"inplace": False})
    assert "out=read_" not in off.code


def test_inplace_skipped_when_old_value_is_returned():
    from tapegrad.compiler.trace import trace

    v = tf.Variable(np.ones(3, np.float32))

    def f(ts):
        old = tf.identity(v)
        v.assign_add(ts[0])
        return [old], None

    p = trace(f, [tf.constant(np.ones(3, np.float32))])
    (old,) = p([tf.constant(np.ones(3, np.float32))])
    assert old.numpy().tolist() == [1.0] * 3 and v.numpy().tolist() == [2.0] * 3


def test_viz_draws_the_optimised_graph():
    from tapegrad.compiler.trace import trace

    v = tf.Variable([1.0, 2.0], name="w")

    def f(ts):
        y = tf.sin(ts[0]) * v * 1.0  # the * 1.0 is simplified away
        v.assign_add(y)
        return [tf.reduce_sum(y)], None

    p = trace(f, [tf.constant([0.5, 0.5])])
    dot = tf.viz.program_to_dot(p)
    assert dot.startswith('digraph "program"') and "sin" in dot and "w:0" in dot and "store w:0" in dot
    assert dot.count("multiply") == 1
    with pytest.raises(TypeError):
        tf.viz.program_to_dot(object())


def test_simplify_folds_negations_into_subtractions_and_products():
    b = G()
    x, y = b.input((3,)), b.input((3,))
    e = b.op("exp", x)
    nx = b.op("negative", x)
    t1 = b.op("multiply", e, nx)  # e * (-x)
    t2 = b.op("negative", b.op("multiply", e, x))  # -(e * x): the same value, since -x exists
    s = b.op("add", t1, t2)
    d = b.op("add", y, b.op("negative", s))  # y + (-s) -> y - s
    b.g.outputs = [d, b.op("subtract", y, b.op("negative", x))]  # y - (-x) -> y + x
    g = dce(simplify(b.g.copy()))
    assert [n.op.name for n in g.nodes] == ["exp", "negative", "multiply", "add", "subtract", "add"]
    Y = np.array([1.0, -2.0, 0.25], np.float32)
    for got, want in zip(run(g, X, Y), run(b.g, X, Y)):
        np.testing.assert_array_equal(got, want)  # bit-identical: only sign flips moved


def test_simplify_keeps_negated_products_of_integers_and_mixed_dtypes():
    b = G()
    x = b.input((3,), np.dtype(np.int8))
    nx = b.op("negative", x, odtype=np.dtype(np.int8))
    p = b.op("multiply", x, x, odtype=np.dtype(np.int8))
    b.g.outputs = [nx, b.op("negative", p, odtype=np.dtype(np.int8))]
    assert [n.op.name for n in simplify(b.g.copy()).nodes] == ["negative", "multiply", "negative"]


def test_plan_prefers_a_dying_inputs_buffer():
    from tapegrad.compiler.trace import trace

    def f(ts):
        a = tf.exp(ts[0])
        b = tf.sin(ts[0])
        return [tf.reduce_sum(a * b + 1.0)], None  # a*b may go into a's or b's buffer, then + 1.0 in place

    p = trace(f, [tf.constant(np.linspace(0, 1, 64, dtype=np.float32))])
    lines = [ln.strip() for ln in p.code.splitlines() if "np_multiply(" in ln or "np_add(" in ln]
    for ln in lines:
        args, out = ln.split("(", 1)[1].rsplit(", out=", 1)
        assert out.rstrip(")") in {"buf0", "buf1"} and any(a.strip() in ("exp", "sin", "multiply")
                                                            for a in args.split(","))
    assert len(p.plan.buffers) == 2


def test_steady_state_elementwise_step_allocates_only_its_result():
    import tracemalloc

    x = tf.Variable(np.random.default_rng(0).standard_normal(100_000).astype(np.float32))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.tanh(x) * x + tf.exp(-x * x))
        return tape.gradient(loss, x)

    step()
    step()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        g = step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the gradient handed back (400 kB, a block of the engine's buffer cache once the previous result is gone) is
    # the only large array: every intermediate is a planned buffer
    assert peak < x.numpy().nbytes + 64 * 1024, peak
    del g
    tracemalloc.start()
    try:
        g = step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, peak  # the previous result is gone: its block is reused, nothing new is allocated
    t = np.tanh(x.numpy())
    want = (1 - t * t) * x.numpy() + t - 2 * x.numpy() * np.exp(-x.numpy() * x.numpy())
    np.testing.assert_allclose(g.numpy(), want, rtol=1e-5, atol=1e-6)
