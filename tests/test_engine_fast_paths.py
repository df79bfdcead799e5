"""The engine's fast paths (one tape: `_dispatch._tail1/_tail2`; `gradient()` without the reachability pass:
`_backprop.sweep_tape`; the list path's wrapping of raw results) give what the general paths give, and step aside
where they do not apply."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _backprop
from tapegrad._dispatch import MaskedIds


def _net(seed: int = 0, dtype: type = np.float64) -> tuple[list[tf.Variable], tf.Tensor, tf.Tensor]:
    rng = np.random.default_rng(seed)
    params = [tf.Variable(rng.standard_normal((3, 4)).astype(dtype)), tf.Variable(rng.standard_normal(4).astype(dtype)),
              tf.Variable(rng.standard_normal((4, 2)).astype(dtype)), tf.Variable(rng.standard_normal(2).astype(dtype))]
    X = tf.constant(rng.standard_normal((5, 3)).astype(dtype))
    Y = tf.constant(np.eye(2, dtype=dtype)[rng.integers(0, 2, 5)])
    return params, X, Y


def _loss(params: list[tf.Variable], X: tf.Tensor, Y: tf.Tensor) -> tf.Tensor:
    W1, b1, W2, b2 = params
    h = tf.nn.relu(tf.matmul(X, W1) + b1)
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=tf.matmul(h, W2) + b2))


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record whether each sweep_tape call took the shortcut (a dict) or declined (None)."""
    taken: list[bool] = []
    real = _backprop.sweep_tape

    def spy(*args: object) -> object:
        r = real(*args)
        taken.append(r is not None)
        return r

    import tapegrad.gradient_tape as gt

    monkeypatch.setattr(gt, "sweep_tape", spy)
    return taken


def test_training_step_takes_the_shortcut_and_matches_the_general_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    params, X, Y = _net()
    taken = _spy(monkeypatch)
    with tf.GradientTape() as tape:
        loss = _loss(params, X, Y)
    fast = tape.gradient(loss, params)
    # the general sweep: a watch() call makes the shortcut step aside (reach is computed from the sources)
    with tf.GradientTape() as tape:
        tape.watch(X)
        loss = _loss(params, X, Y)
    slow = tape.gradient(loss, params)
    assert taken == [True, False]
    for f, s in zip(fast, slow):
        assert type(f) is tf.Tensor and f.dtype == tf.float64 and f.shape == s.shape
        np.testing.assert_array_equal(f.numpy(), s.numpy())


def test_shortcut_declines_when_a_watched_variable_is_not_a_source(monkeypatch: pytest.MonkeyPatch) -> None:
    params, X, Y = _net(1)
    taken = _spy(monkeypatch)
    with tf.GradientTape() as tape:
        loss = _loss(params, X, Y)
    g = tape.gradient(loss, params[2:])  # W1, b1 were read and watched, but are not asked for
    assert taken == [False]
    with tf.GradientTape() as tape:
        loss = _loss(params, X, Y)
    assert [np.array_equal(a.numpy(), b.numpy()) for a, b in zip(g, tape.gradient(loss, params)[2:])] == [True] * 2


def test_shortcut_declines_inside_an_outer_tape_and_higher_order_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    x = tf.Variable(1.5, dtype=tf.float64)
    taken = _spy(monkeypatch)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)  # recorded by the outer tape: the general (differentiable) sweep
    d2 = outer.gradient(dy, x)
    assert taken == [False, True]
    assert float(dy) == pytest.approx(3 * 1.5**2) and float(d2) == pytest.approx(6 * 1.5)


def test_shortcut_keeps_none_for_unconnected_and_integer_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    a = tf.Variable(2.0)
    unused = tf.Variable(5.0)
    n = tf.Variable(3)  # an integer variable: read, watched, never differentiable (TF: None)
    taken = _spy(monkeypatch)
    with tf.GradientTape() as tape:
        y = a * tf.cast(n, tf.float32)
    ga, gu, gn = tape.gradient(y, [a, unused, n])
    assert taken == [False]  # the integer variable is watched but is not a float source
    assert float(ga) == 3.0 and gu is None and gn is None
    with tf.GradientTape() as tape:
        y = a * a
    ga, gu = tape.gradient(y, (a, unused))
    assert taken == [False, True] and float(ga) == 4.0 and gu is None


def test_shortcut_with_an_intermediate_source_and_a_persistent_tape(monkeypatch: pytest.MonkeyPatch) -> None:
    x = tf.Variable([1.0, 2.0])
    taken = _spy(monkeypatch)
    with tf.GradientTape(persistent=True) as tape:
        h = x * 3.0
        y = tf.reduce_sum(h * h)
    g1 = tape.gradient(y, [x])
    g2 = tape.gradient(y, x)
    assert taken == [True, True]
    np.testing.assert_array_equal(g1[0].numpy(), [18.0, 36.0])
    np.testing.assert_array_equal(g2.numpy(), [18.0, 36.0])
    # an intermediate tensor among the sources is not a watched root: the shortcut still applies
    gh, gx = tape.gradient(y, [h, x])
    np.testing.assert_array_equal(gh.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(gx.numpy(), [18.0, 36.0])


def test_one_tape_record_masks_unwatched_inputs_like_the_general_record() -> None:
    c = tf.constant([1.0, 2.0])
    v = tf.Variable([3.0, 4.0], trainable=False)  # read but not auto-watched
    w = tf.Variable([5.0, 6.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(c)
        y1 = c * v  # second input unwatched: masked to None, its real id kept
        y2 = w + c
        y3 = tf.matmul(tf.reshape(c, [1, 2]), tf.reshape(v, [2, 1]))
    e1, e2 = tape._tape.entries[0], tape._tape.entries[1]
    assert type(e1[1]) is MaskedIds and e1[1] == (c._id, None) and e1[1].real == (c._id, v._id)
    assert type(e2[1]) is tuple and e2[1] == (w._id, c._id)
    assert w._id in tape._tape.variables and v._id not in tape._tape.variables
    np.testing.assert_array_equal(tape.gradient(y1, c).numpy(), [3.0, 4.0])
    assert tape.gradient(y1, v) is None
    assert float(tf.reduce_sum(tape.gradient(y3, c))) == 7.0
    np.testing.assert_array_equal(tape.gradient(y2, [w, c])[0].numpy(), [1.0, 1.0])
