"""Scale and memory: long chains, many tapes, freeing saved arrays, and never mutating what the user passed in."""

from __future__ import annotations

import gc
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad as tf

MB = 1 << 20


def _traced() -> int:
    return tracemalloc.get_traced_memory()[0]


@pytest.fixture
def traced():
    """tracemalloc running for the test (stopped afterwards, even on failure)."""
    gc.collect()
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------------------------------------------
# Long chains: the backward sweep is iterative


def test_100k_op_chain_differentiates_without_recursion_error():
    assert sys.getrecursionlimit() < 100_000  # deeper than Python's stack could go recursively
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = x
        for _ in range(50_000):
            y = y * 1.0 + x  # two recorded ops per step: 100,000 ops
    assert float(y) == 50_001.0
    g = t.gradient(y, x)
    assert g.dtype == tf.float32
    assert float(g) == 50_001.0


def test_long_chain_persistent_and_second_order():
    x = tf.Variable(np.float64(1.0))
    with tf.GradientTape() as outer:
        with tf.GradientTape(persistent=True) as inner:
            y = x
            for _ in range(5_000):
                y = y * x  # x ** 5001
        g = inner.gradient(y, x)
    assert float(g) == 5_001.0
    assert float(inner.gradient(y, x)) == 5_001.0  # persistent: again
    h = outer.gradient(g, x)
    assert float(h) == 5_001.0 * 5_000.0
    del inner


# ---------------------------------------------------------------------------------------------------------------
# Many tapes: memory stays flat


def _train_step(x, v, persistent):
    with tf.GradientTape(persistent=persistent) as t:
        t.watch(x)
        y = x * v + x
    gx, gv = t.gradient(y, [x, v])
    if persistent:
        t.gradient(y, v)
        del t
    return gx, gv


@pytest.mark.parametrize("persistent,total", [(False, 10_000), (True, 1_000)])
def test_many_tapes_leave_memory_flat(persistent, total):
    """Traced memory after 1,000 tapes (100 persistent ones) equals traced memory after 10,000 (1,000)."""
    x = tf.constant(2.0)
    v = tf.Variable(3.0)
    warmup = total // 10
    for _ in range(warmup):  # untraced: caches, first-call warnings, ...
        _train_step(x, v, persistent)
    gc.collect()
    tracemalloc.start()  # traces every allocation made from iteration `warmup` on
    try:
        after_warmup = _traced()
        for _ in range(total - warmup):
            gx, gv = _train_step(x, v, persistent)
        assert float(gx) == 4.0 and float(gv) == 2.0
        del gx, gv
        gc.collect()
        after_all = _traced()
    finally:
        tracemalloc.stop()
    growth = after_all - after_warmup
    assert growth < 16 * 1024, f"memory grew by {growth} bytes over {total - warmup} tapes"


def test_gradients_are_freed_by_reference_counting():
    """Regression: _nest.pack_sequence_as's self-referencing closure kept the returned gradients in a reference
    cycle, alive until the next cyclic garbage collection."""
    x = tf.constant(np.ones(1000))
    v = tf.Variable(np.ones(1000))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x * v)
    grads = t.gradient(y, {"x": x, "rest": [v, (x,)]})
    refs = [weakref.ref(grads["x"]), weakref.ref(grads["rest"][0]), weakref.ref(grads["rest"][1][0])]
    gc.disable()
    try:
        del grads
        alive = [r() is not None for r in refs]
    finally:
        gc.enable()
    assert alive == [False, False, False]


@pytest.mark.parametrize("nested", [False, True])
def test_tapes_create_no_garbage_cycles(nested):
    """A tape, its recording and its gradients are freed by reference counting alone (no cyclic GC needed)."""
    x = tf.constant(np.ones(16))
    v = tf.Variable(np.ones(16))
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        try:
            before = _traced()
            for _ in range(2_000):
                with tf.GradientTape() as t:
                    t.watch(x)
                    y = x * v + x
                g = t.gradient(y, [x, v] if nested else x)
                del t, y, g
            after = _traced()
        finally:
            tracemalloc.stop()
    finally:
        gc.enable()
    assert after - before < 32 * 1024, f"{after - before} bytes left behind without the cyclic GC"


# ---------------------------------------------------------------------------------------------------------------
# Saved arrays are freed: by gradient() (non-persistent) and by `del tape` (persistent)


N = 250_000  # float64: 2 MB per array


def _record_big(t, x):
    """Record ~4 big intermediates (8 MB) and return a scalar target; the intermediates live only on the tape."""
    with t:
        t.watch(x)
        h = tf.exp(x)
        h2 = tf.sin(h)
        h3 = h2 * h
        y = tf.reduce_sum(h3 * h3)
    return y


def test_non_persistent_tape_frees_saved_arrays_in_gradient(traced):
    x = tf.constant(np.linspace(0.0, 1.0, N))
    base = _traced()
    t = tf.GradientTape()
    y = _record_big(t, x)
    recorded = _traced() - base
    assert recorded > 5 * MB, f"expected the tape to hold the intermediates, holds {recorded / MB:.1f} MB"
    recording = t._tape  # the tape's recording (internal), to check it is emptied
    assert len(recording.entries) > 0
    g = t.gradient(y, x)
    # The tape object is still alive and no garbage collection ran: the gradient call itself released everything.
    # Large arrays live in the engine's buffer cache: what the tape released is free for reuse there, and goes
    # back to malloc on clear_buffer_cache().
    held = _traced() - base - tf.config.get_buffer_cache_info()["free"]
    assert held < 2 * MB + MB // 2, f"{held / MB:.1f} MB still held after gradient() (the gradient is 2 MB)"
    tf.config.clear_buffer_cache()
    held = _traced() - base
    assert held < 2 * MB + MB // 2, f"{held / MB:.1f} MB held after clear_buffer_cache() (the gradient is 2 MB)"
    assert recording.entries == []
    assert t._tape is None
    del recording
    assert g.shape == (N,)
    xs = np.linspace(0.0, 1.0, N)
    e = np.exp(xs)
    expected = 2 * np.sin(e) * e * (np.cos(e) * e * e + np.sin(e) * e)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-9)


def test_persistent_tape_memory_is_released_on_del(traced):
    x = tf.constant(np.linspace(0.0, 1.0, N))
    base = _traced()
    in_use = tf.config.get_buffer_cache_info()["in_use"]
    tape = tf.GradientTape(persistent=True)
    y = _record_big(tape, x)
    g1 = tape.gradient(y, x)
    g2 = tape.gradient(y, x)
    np.testing.assert_array_equal(g1.numpy(), g2.numpy())
    del g1, g2
    held = _traced() - base
    assert held > 5 * MB, "a persistent tape keeps its recording between gradient() calls"
    ref = weakref.ref(tape)
    del tape
    assert ref() is None, "the tape object is not freed by `del tape` (reference cycle?)"
    assert tf.config.get_buffer_cache_info()["in_use"] <= in_use  # the tape's cached buffers are all free again
    tf.config.clear_buffer_cache()
    left = _traced() - base
    assert left < MB // 4, f"{left / MB:.1f} MB still held after `del tape`"


def test_exited_tape_without_gradient_is_freed_on_del(traced):
    x = tf.constant(np.linspace(0.0, 1.0, N))
    base = _traced()
    t = tf.GradientTape()
    y = _record_big(t, x)
    assert _traced() - base > 5 * MB
    del t
    tf.config.clear_buffer_cache()  # (what the tape released may sit in the engine's buffer cache until now)
    assert _traced() - base < MB // 4
    del y


# ---------------------------------------------------------------------------------------------------------------
# Nothing the user passed in is mutated (and later user mutation does not leak into tensors)


def _check_unchanged(arrays, copies):
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)
        assert a.dtype == c.dtype


def test_constant_and_variable_copy_their_input():
    for dtype in (np.float32, np.float64, np.int32):
        a = np.arange(6, dtype=dtype).reshape(2, 3)
        c = tf.constant(a)
        v = tf.Variable(a)
        cc = tf.convert_to_tensor(a)
        a[...] = 100
        np.testing.assert_array_equal(c.numpy(), np.arange(6).reshape(2, 3))
        np.testing.assert_array_equal(v.numpy(), np.arange(6).reshape(2, 3))
        np.testing.assert_array_equal(cc.numpy(), np.arange(6).reshape(2, 3))
    t = tf.constant([1.0, 2.0])
    v = tf.Variable(t)
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


def test_numpy_returns_a_copy():
    t = tf.constant([1.0, 2.0])
    v = tf.Variable([1.0, 2.0])
    for obj in (t, v):
        n = obj.numpy()
        n[0] = 99.0
        a = np.asarray(obj)
        a[1] = 99.0
        np.testing.assert_array_equal(obj.numpy(), [1.0, 2.0])


def test_ops_and_gradient_do_not_mutate_numpy_inputs():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4))
    b = rng.normal(size=(4,))
    w = rng.normal(size=(4, 2))
    og = rng.normal(size=(3, 2))
    arrays = [a, b, w, og]
    copies = [x.copy() for x in arrays]
    ta = tf.constant(a)
    v = tf.Variable(w)
    with tf.GradientTape(persistent=True) as t:
        t.watch(ta)
        h = ta * b + b  # NumPy operands
        h = tf.maximum(h, a)
        y = tf.matmul(h, v) + tf.matmul(a, w)
        z = tf.reduce_sum(tf.concat([y, tf.constant(og)], 0))
    g1 = t.gradient(y, [ta, v], output_gradients=og)
    g2 = t.gradient([y, z, y], [ta, v], output_gradients=[og, 1.0, og])
    _check_unchanged(arrays, copies)
    # the same upstream again gives the same gradient (nothing was accumulated into it in place)
    g3 = t.gradient(y, [ta, v], output_gradients=og)
    for p, q in zip(g1, g3):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert all(g is not None for g in g2)
    _check_unchanged(arrays, copies)


def test_gradient_does_not_mutate_output_gradient_tensors():
    x = tf.constant([1.0, 2.0, 3.0])
    og = tf.constant([1.0, 10.0, 100.0])
    og_copy = og.numpy().copy()
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.identity(x)  # pass-through VJP: the upstream itself flows back
        z = x + x
    for target, ogs in ((y, og), ([y, y], [og, og]), ([y, z], [og, og]), (x, og)):
        t.gradient(target, x, output_gradients=ogs)
        np.testing.assert_array_equal(og.numpy(), og_copy)
    g = t.gradient([y, y], x, output_gradients=[og, og])
    np.testing.assert_array_equal(g.numpy(), 2 * og_copy)
    np.testing.assert_array_equal(og.numpy(), og_copy)


def test_gradient_results_do_not_alias_each_other_or_inputs():
    x = tf.constant([1.0, 2.0])
    og = np.array([3.0, 4.0], dtype=np.float32)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.identity(x)
    gx, gx2 = t.gradient(y, [x, x], output_gradients=og)
    n = gx.numpy()
    n += 1.0
    np.testing.assert_array_equal(gx2.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(og, [3.0, 4.0])


def test_variable_value_saved_by_tape_is_unchanged_by_assign():
    for method, arg, value_after in (("assign", 10.0, 10.0), ("assign_add", 5.0, 7.0), ("assign_sub", 5.0, -3.0)):
        v = tf.Variable(2.0)
        with tf.GradientTape() as t:
            y = v * v
        getattr(v, method)(arg)
        assert float(v) == value_after
        assert float(t.gradient(y, v)) == 4.0  # the value read at record time (2.0)

    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = v * v
        v.assign([5.0, 6.0])
        v.assign_add([1.0, 1.0])
        z = v * v
    np.testing.assert_array_equal(t.gradient([y, z], v).numpy(), [2.0 + 12.0, 4.0 + 14.0])


def test_assign_copies_its_argument():
    v = tf.Variable(np.zeros(3))
    a = np.array([1.0, 2.0, 3.0])
    v.assign(a)
    a[:] = -1.0
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])
    t = tf.constant([4.0, 5.0, 6.0], tf.float64)
    v.assign(t)
    v.assign_add(np.ones(3))
    np.testing.assert_array_equal(t.numpy(), [4.0, 5.0, 6.0])
    d = np.ones(3)
    v.assign_sub(d)
    np.testing.assert_array_equal(d, np.ones(3))
    np.testing.assert_array_equal(v.numpy(), [4.0, 5.0, 6.0])
