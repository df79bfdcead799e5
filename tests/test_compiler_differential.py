"""Differential test: random programs (ops, variable updates, tape gradients, data-dependent branches) run eagerly
and compiled (trace → Program; a GuardMiss retraces, as the front-end does) over several calls: same results and
same variable states."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tapegrad as tf
from tapegrad.compiler.trace import GuardMiss, trace

OPS = ["sin", "tanh", "square", "mul_var", "add_y", "exp_neg", "center", "branch", "assign_add", "scale", "relu",
       "matmul", "neg_neg"]


def make_body(codes, v, w):
    def body(x, y):
        with tf.GradientTape() as tape:
            h = x
            for code in codes:
                if code == "sin":
                    h = tf.sin(h)
                elif code == "tanh":
                    h = tf.tanh(h) * 1.0
                elif code == "square":
                    h = h * h + 0.0
                elif code == "mul_var":
                    h = h * v
                elif code == "add_y":
                    h = h + y
                elif code == "exp_neg":
                    h = tf.exp(-h * h)
                elif code == "center":
                    h = h - tf.reduce_mean(h)
                elif code == "branch":
                    h = h * 2.0 if tf.reduce_sum(h) > 0 else h - 1.0
                elif code == "assign_add":
                    v.assign_add(0.125 * tf.stop_gradient(h))
                elif code == "scale":
                    h = h * tf.cast(tf.size(h), tf.float64) / 4.0
                elif code == "relu":
                    h = tf.nn.relu(h)
                elif code == "matmul":
                    h = tf.reshape(tf.matmul(tf.reshape(h, (1, 4)), w), (4,))
                elif code == "neg_neg":
                    h = tf.negative(tf.negative(h))
            loss = tf.reduce_sum(h * h)
        gv, gw = tape.gradient(loss, [v, w])
        if gv is not None:
            v.assign_sub(0.01 * gv)
        outs = [loss, h]
        if gw is not None:
            w.assign_sub(0.01 * gw)
            outs.append(gw)
        return outs

    return body


@settings(max_examples=25, deadline=None, derandomize=True)
@given(codes=st.lists(st.sampled_from(OPS), min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_random_programs_compiled_match_eager(codes, seed):
    rng = np.random.default_rng(seed)
    v0, w0 = rng.normal(size=4), rng.normal(size=(4, 4)) / 2
    ve, we = tf.Variable(v0), tf.Variable(w0)
    vc, wc = tf.Variable(v0), tf.Variable(w0)
    eager = make_body(codes, ve, we)
    compiled_body = make_body(codes, vc, wc)

    def run(ts):
        return list(compiled_body(*ts)), None

    programs = []
    for _ in range(4):
        x, y = tf.constant(rng.normal(size=4)), tf.constant(rng.normal(size=4))
        want = eager(x, y)
        got = None
        for p in programs:
            try:
                got = p([x, y])
                break
            except GuardMiss:
                continue
        if got is None:
            p = trace(run, [x, y], name="body")
            programs.append(p)
            got = p([x, y])
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(vc.numpy(), ve.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(wc.numpy(), we.numpy(), rtol=1e-12, atol=1e-14)
