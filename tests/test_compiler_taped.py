"""A compiled program called under an outer GradientTape is one recorded op with a compiled gradient
(compiler/taped.py): values and gradients as the node-by-node replay gives them, to any order."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.compiler.taped import CALL


def _check(got, want):
    for g, w in zip(got, want):
        if isinstance(w, list):
            _check(g, w)
        elif w is None:
            assert g is None
        else:
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-13, atol=1e-15)


x = tf.Variable(np.linspace(-2, 2, 7))
w = tf.Variable(1.5, dtype=tf.float64)


def body(a):
    return tf.reduce_sum(tf.tanh(a) * x * w + tf.exp(-a * a)), tf.sin(a) * w


@pytest.mark.parametrize("jit", [False, True])
def test_first_order_one_recorded_op_with_compiled_gradient(jit):
    f = tf.function(body, jit_compile=jit)
    a = tf.constant(np.linspace(-1, 1, 7))
    for _ in range(2):
        with tf.GradientTape(persistent=True) as t:
            t.watch(a)
            y, z = f(a)
        assert [e[0] for e in t._tape.entries] == [CALL]  # one op on the tape
        got = [[g.numpy() if g is not None else None for g in t.gradient(y, [a, x, w])],
               [g.numpy() if g is not None else None for g in t.gradient(z, [a, x, w])]]  # persistent: twice
        with tf.GradientTape(persistent=True) as t2:
            t2.watch(a)
            y2, z2 = body(a)
        want = [[g.numpy() if g is not None else None for g in t2.gradient(y2, [a, x, w])],
                [g.numpy() if g is not None else None for g in t2.gradient(z2, [a, x, w])]]
        np.testing.assert_allclose(y.numpy(), y2.numpy(), rtol=1e-13)
        _check(got, want)
        assert got[1][1] is None  # z does not depend on x: None, as in eager (not zeros)
    program = f.get_concrete_function(a)._program()
    assert program._taped[0].bwd  # the backward program was compiled (and cached)


def test_watched_variables_and_variable_updates_inside():
    v = tf.Variable([1.0, 2.0, 3.0], dtype=tf.float64)
    counter = tf.Variable(0.0, dtype=tf.float64)

    @tf.function
    def f(a):
        counter.assign_add(1.0)
        return tf.reduce_sum(v * v * a)

    a = tf.constant([0.5, -1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as t:  # watch_accessed_variables: v is watched because the program reads it
        y = f(a)
    gv, ga = t.gradient(y, [v, a])
    np.testing.assert_allclose(gv.numpy(), [1.0, -4.0, 12.0])
    assert ga is None  # a constant the tape does not watch
    assert counter.numpy() == 1.0  # the update ran once, at the call
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = f(a)
    assert t.gradient(y, v) is None and counter.numpy() == 2.0


def test_second_order_through_the_program():
    f = tf.function(lambda a: tf.reduce_sum(tf.tanh(a) ** 3 * x))
    a = tf.constant(np.linspace(-1, 1, 7))

    def second(fn):
        with tf.GradientTape() as t2:
            t2.watch(a)
            with tf.GradientTape() as t1:
                t1.watch(a)
                y = fn(a)
            g = t1.gradient(y, [a, x])
            s = tf.reduce_sum(g[0] * g[1])
        return [v.numpy() for v in g], [v.numpy() for v in t2.gradient(s, [a, x])]

    got, want = second(f), second(lambda a: tf.reduce_sum(tf.tanh(a) ** 3 * x))
    _check(got[0], want[0])
    _check(got[1], want[1])


def test_jacobian_through_the_program():
    f = tf.function(lambda a: tf.sin(a) * x)
    a = tf.constant(np.linspace(-1, 1, 7))
    for fn in (f, lambda a: tf.sin(a) * x):
        with tf.GradientTape() as t:
            t.watch(a)
            y = fn(a)
        j = t.jacobian(y, a).numpy()
        np.testing.assert_allclose(j, np.diag(np.cos(a.numpy()) * x.numpy()), rtol=1e-13, atol=1e-15)


def test_random_programs_keep_the_replay_path():
    tf.random.set_seed(3)
    f = tf.function(lambda a: a * tf.random.uniform([3], dtype=tf.float64))
    a = tf.constant([1.0, 2.0, 3.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(a)
        y = f(a)
    assert CALL not in [e[0] for e in t._tape.entries]
    np.testing.assert_allclose(t.gradient(y, a).numpy(), (y / a).numpy(), rtol=1e-12)
