"""GradientTape semantics, asserted directly (no TensorFlow needed).

Every expected value, exception type and printed string below was measured on real TensorFlow 2.21 (reference
``tf_behaviour.md`` §0, §1, §4.5, §8, §9 and the probe output ``tf_probes/ALL_OUTPUT.txt``); tapegrad prints
``tapegrad.`` where TensorFlow prints ``tf.``. The programs are TF programs run with ``import tapegrad as tf``.
"""

from __future__ import annotations

import enum
import inspect
import logging

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors

LOGGER = "tapegrad"


def _val(t):
    """A gradient's value as a plain NumPy array (asserting it is a real tapegrad Tensor first)."""
    assert isinstance(t, tf.Tensor), f"expected a tapegrad.Tensor, got {type(t).__name__}: {t!r}"
    return np.asarray(t.numpy())


def _eq(t, expected, dtype="float32"):
    """``t`` is a Tensor of ``dtype`` whose value equals ``expected`` exactly (shape included)."""
    v = _val(t)
    assert t.dtype == getattr(tf, dtype), f"dtype {t.dtype!r}, expected tapegrad.{dtype}"
    exp = np.asarray(expected, dtype=v.dtype)
    assert v.shape == exp.shape, f"shape {v.shape}, expected {exp.shape}"
    np.testing.assert_array_equal(v, exp)


def _warnings(caplog):
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


# ---------------------------------------------------------------------------------------------------------------
# §0 The seed article's three examples: exact printed strings


def test_seed_example_1_prints_exactly(capsys):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    g = tape.gradient(y, x)
    print(g)
    assert capsys.readouterr().out == "tapegrad.Tensor(6.0, shape=(), dtype=float32)\n"
    assert repr(g) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=6.0>"
    assert repr(y) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=9.0>"


def test_seed_example_2_second_gradient_raises(capsys):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)  # harmless no-op on an auto-watched Variable
        z = x * y**2
    print(tape.gradient(z, x))
    assert capsys.readouterr().out == "tapegrad.Tensor(9.0, shape=(), dtype=float32)\n"
    with pytest.raises(RuntimeError, match=r"non-persistent GradientTape can only be used to compute one set"):
        tape.gradient(z, y)


def test_seed_example_2_persistent_prints_both(capsys):
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        z = x * y**2
    print(tape.gradient(z, x))
    print(tape.gradient(z, y))
    assert capsys.readouterr().out == (
        "tapegrad.Tensor(9.0, shape=(), dtype=float32)\ntapegrad.Tensor(12.0, shape=(), dtype=float32)\n"
    )


def test_seed_example_3_gradient_is_minus_one_third(capsys):
    def custom_loss(p, t):
        return tf.reduce_mean(tf.abs(p - t))

    predictions = tf.Variable([1.0, 2.0, 3.0])
    targets = tf.constant([1.5, 2.5, 3.5])
    with tf.GradientTape() as tape:
        loss = custom_loss(predictions, targets)
    g = tape.gradient(loss, predictions)
    print(g)
    assert capsys.readouterr().out == (
        "tapegrad.Tensor([-0.33333334 -0.33333334 -0.33333334], shape=(3,), dtype=float32)\n"
    )
    assert repr(g) == ("<tapegrad.Tensor: shape=(3,), dtype=float32, numpy=array([-0.33333334, -0.33333334, "
                       "-0.33333334], dtype=float32)>")
    assert repr(loss) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=0.5>"


def test_seed_float16_scalar_repr():
    assert repr(tf.constant(0.1, tf.float16)) == "<tapegrad.Tensor: shape=(), dtype=float16, numpy=0.0999755859375>"


# ---------------------------------------------------------------------------------------------------------------
# §1 class facts and signatures


def test_class_facts_and_signatures():
    assert tf.autodiff.GradientTape is tf.GradientTape
    assert tf.UnconnectedGradients.__mro__[1:] == (enum.Enum, object)

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    e = inspect.Parameter.empty
    assert params(tf.GradientTape.__init__) == [("self", e), ("persistent", False),
                                                 ("watch_accessed_variables", True)]
    assert params(tf.GradientTape.watch) == [("self", e), ("tensor", e)]
    assert params(tf.GradientTape.gradient) == [("self", e), ("target", e), ("sources", e),
                                                 ("output_gradients", None),
                                                 ("unconnected_gradients", tf.UnconnectedGradients.NONE)]
    for m in ("stop_recording", "reset", "watched_variables"):
        assert params(getattr(tf.GradientTape, m)) == [("self", e)]


def test_gradient_keyword_arguments():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x * 2
    _eq(t.gradient(target=y, sources=x, output_gradients=None, unconnected_gradients="none"), 2.0)


# ---------------------------------------------------------------------------------------------------------------
# §1.1 The state machine


def test_enter_returns_self():
    t = tf.GradientTape()
    assert t.__enter__() is t
    t.__exit__(None, None, None)


def test_reentering_an_active_tape_is_a_value_error():
    t = tf.GradientTape()
    with t:
        with pytest.raises(ValueError, match="still recording"):
            with t:
                pass


def test_never_entered_tape_gradient_is_runtime_error_even_if_persistent():
    x = tf.constant(1.0)
    for persistent in (False, True):
        t = tf.GradientTape(persistent=persistent)
        with pytest.raises(RuntimeError, match="one set of gradients"):
            t.gradient(x, x)


def test_exit_without_enter_is_fine():
    t = tf.GradientTape(persistent=True)
    assert t.__exit__(None, None, None) is None


def test_exception_inside_block_propagates_unchanged():
    x = tf.constant(1.0)
    with pytest.raises(KeyError, match="boom"):
        with tf.GradientTape() as t:
            t.watch(x)
            _ = x * 2
            raise KeyError("boom")


def test_constant_not_watched_gives_none_watched_gives_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = x * x
    assert t.gradient(y, x) is None
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), 6.0)


def test_second_gradient_on_non_persistent_tape_raises():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), 6.0)
    with pytest.raises(RuntimeError, match="one set of gradients"):
        t.gradient(y, x)


def test_persistent_tape_gives_several_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * x
    _eq(t.gradient(y, x), 6.0)
    _eq(t.gradient(z, x), 27.0)
    _eq(t.gradient(y, x), 6.0)


def test_non_persistent_gradient_inside_context_stops_recording_silently(caplog):
    x = tf.constant(3.0)
    v = tf.Variable(1.0)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
            g = t.gradient(y, x)
            _ = v * 2  # not recorded: v is not watched after the gradient call
            # The recording is gone: every recording operation now fails as on a released tape (checked on TF 2.21).
            with pytest.raises(RuntimeError):
                with t.stop_recording():
                    pass
            with pytest.raises(ValueError):
                t.reset()
            with pytest.raises(AttributeError):
                t.watch(x)
            z = x * x * x
    assert _warnings(caplog) == []  # no warning for a non-persistent tape
    _eq(g, 6.0)
    assert t.watched_variables() == ()  # the snapshot taken at gradient() time
    with pytest.raises(RuntimeError, match="one set of gradients"):
        t.gradient(z, x)


def test_persistent_gradient_inside_context_warns_once_per_call_site_and_records(caplog):
    x = tf.constant(3.0)
    grads = []
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(3):
            with tf.GradientTape(persistent=True) as t:
                t.watch(x)
                y = x * x
                grads.append(t.gradient(y, x))  # the one call site of this loop
    for g in grads:
        _eq(g, 6.0)
    recs = _warnings(caplog)
    assert len(recs) == 1, [r.getMessage() for r in recs]
    assert "persistent" in recs[0].getMessage()
    # Another call site warns again; and the gradient ops are recorded (so a second derivative exists).
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = x * x * x
            dy = t.gradient(y, x)
        d2y = t.gradient(dy, x)
    assert len(_warnings(caplog)) == 1
    _eq(dy, 27.0)
    _eq(d2y, 18.0)


def test_gradient_inside_stop_recording_on_persistent_tape_does_not_warn(caplog):
    x = tf.Variable(3.0)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape(persistent=True) as t:
            y = x**3
            with t.stop_recording():
                g = t.gradient(y, x)
    assert _warnings(caplog) == []
    _eq(g, 27.0)
    assert t.gradient(g, x) is None  # the gradient ops were not recorded


def test_reentry_after_exit_continues_the_same_recording():
    for persistent in (False, True):
        x = tf.constant(3.0)
        t = tf.GradientTape(persistent=persistent)
        with t:
            t.watch(x)
            y = x * x
        with t:
            z = y * x
        _eq(t.gradient(z, x), 27.0)


def test_reentry_after_exit_keeps_watched_variables():
    x = tf.Variable(3.0)
    t = tf.GradientTape()
    with t:
        y = x * x
    with t:
        z = y * x
    _eq(t.gradient(z, x), 27.0)
    (w,) = t.watched_variables()
    assert w is x


def test_reentry_after_non_persistent_gradient_starts_fresh():
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        t.watch(x)
        y = x * x
    g = t.gradient(y, x)
    with t:
        t.watch(x)
        z = y * x  # y was recorded on the released recording: it is a constant to the new one
    _eq(g, 6.0)
    _eq(t.gradient(z, x), 9.0)
    with pytest.raises(RuntimeError):
        t.gradient(z, x)


def test_watch_on_never_entered_tape_is_attribute_error():
    t = tf.GradientTape()
    with pytest.raises(AttributeError):
        t.watch(tf.constant(3.0))


def test_watch_after_exit_has_no_effect():
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        pass
    t.watch(x)
    y = x * x
    assert t.gradient(y, x) is None


def test_ops_after_exit_are_not_recorded():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    z = y * x
    assert t.gradient(z, x) is None


def test_stop_recording_errors():
    t = tf.GradientTape()
    with pytest.raises(RuntimeError, match="not recording"):
        with t.stop_recording():
            pass
    with tf.GradientTape() as t:
        pass
    with pytest.raises(ValueError, match="not recording"):
        with t.stop_recording():
            pass
    with tf.GradientTape() as t:
        with t.stop_recording():
            with pytest.raises(ValueError, match="not recording"):
                with t.stop_recording():
                    pass


def test_stop_recording_hides_ops_and_resumes():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        with t.stop_recording():
            y = x * x
        z = x * 2.0 + y
    _eq(t.gradient(z, x), 2.0)


def test_stop_recording_resumes_even_after_an_exception():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        with pytest.raises(KeyError):
            with t.stop_recording():
                raise KeyError("inner")
        y = x * x
    _eq(t.gradient(y, x), 6.0)


def test_reset_semantics():
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
        t.reset()
        z = x * 5.0
    _eq(t.gradient(z, x), 5.0)

    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
        t.reset()
        z = x * 5.0
    assert t.gradient(y, x) is None  # pre-reset targets are forgotten

    c = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(c)
        y = c * c
        t.reset()
        z = c * 5.0
    assert t.gradient(z, c) is None  # constants must be watched again


def test_reset_and_watched_variables():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    with tf.GradientTape(persistent=True) as t:
        _ = a * 2
        w1 = t.watched_variables()
        t.reset()
        w2 = t.watched_variables()
        z = b * 3
    assert [v.name for v in w1] == ["a:0"]
    assert w2 == ()
    assert [v.name for v in t.watched_variables()] == ["b:0"]
    ga, gb = t.gradient(z, [a, b])
    assert ga is None
    _eq(gb, 3.0)


def test_reset_and_stop_recording_of_an_inner_tape_leave_the_outer_tape_alone():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(x)
            y = x * x
            inner.reset()
            z = x * 5.0
    _eq(outer.gradient(y, x), 6.0)
    _eq(outer.gradient(z, x), 5.0)
    assert inner.gradient(y, x) is None
    assert inner.gradient(z, x) is None  # x must be watched again after reset

    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(x)
            with inner.stop_recording():
                y = x * x
            z = y * x
    _eq(outer.gradient(y, x), 6.0)
    assert inner.gradient(y, x) is None
    _eq(outer.gradient(z, x), 27.0)
    _eq(inner.gradient(z, x), 9.0)  # y is a constant to the inner tape


def test_variable_read_inside_stop_recording_is_not_watched():
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        with t.stop_recording():
            y = x * x
    assert t.gradient(y, x) is None
    assert t.watched_variables() == ()

    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape(persistent=True) as inner:
            with outer.stop_recording():
                y = x * x
    assert outer.gradient(y, x) is None
    _eq(inner.gradient(y, x), 6.0)
    assert outer.watched_variables() == ()


def test_reset_errors():
    t = tf.GradientTape()
    with pytest.raises(ValueError, match="not recording"):
        t.reset()
    with tf.GradientTape() as t:
        pass
    with pytest.raises(ValueError, match="not recording"):
        t.reset()


# ---------------------------------------------------------------------------------------------------------------
# §1.2 What gets watched and recorded


def test_trainable_variable_auto_watched_on_any_read():
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        v = a + 0
    assert t.watched_variables()[0] is a
    _eq(t.gradient(v, a), 1.0)

    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        _ = a.read_value()
    assert [v.name for v in t.watched_variables()] == ["a:0"]

    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        a.assign(5.0)
    assert [v.name for v in t.watched_variables()] == ["a:0"]

    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = tf.identity(x)
    _eq(t.gradient(y, x), 1.0)


def test_variable_created_inside_tape_is_watched():
    with tf.GradientTape() as t:
        a = tf.Variable(1.0, name="inside")
        v = a * 2
    assert [w.name for w in t.watched_variables()] == ["inside:0"]
    _eq(t.gradient(v, a), 2.0)


def test_reads_before_and_after_assign_both_count():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = v * 2
        v.assign([5.0, 6.0])
        z = v * 3
        s = y + z
    _eq(t.gradient(y, v), [2.0, 2.0])
    _eq(t.gradient(z, v), [3.0, 3.0])
    _eq(t.gradient(s, v), [5.0, 5.0])
    _eq(t.gradient([y, z], v), [5.0, 5.0])
    assert t.gradient(y + z, v) is None  # y + z computed after the block is not recorded


def test_assign_blocks_gradient_into_assigned_value():
    w = tf.Variable(1.0)
    v = tf.Variable(0.0)
    with tf.GradientTape() as t:
        v.assign(w * 2)
        y = v * 3
    gw, gv = t.gradient(y, [w, v])
    assert gw is None
    _eq(gv, 3.0)


def test_assign_add_before_use():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        v.assign_add([1.0, 1.0])
        z = v * v
    _eq(z, [4.0, 9.0])
    _eq(t.gradient(z, v), [4.0, 6.0])


def test_assign_after_recording_does_not_change_the_gradient():
    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = v * v
    v.assign(10.0)
    _eq(t.gradient(y, v), 4.0)


def test_non_trainable_variable_not_auto_watched_but_explicit_watch_works():
    x = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as t:
        y = x * x
    assert t.gradient(y, x) is None
    assert t.watched_variables() == ()

    x = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), 4.0)
    (w,) = t.watched_variables()
    assert w is x


def test_int_variable_auto_watched_without_warning_gradient_none(caplog):
    v = tf.Variable(3)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape() as t:
            y = v * 2
    assert _warnings(caplog) == []
    (w,) = t.watched_variables()
    assert w is v
    assert t.gradient(y, v) is None


def test_watch_accessed_variables_false():
    x = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = x * x
    assert t.gradient(y, x) is None
    assert t.watched_variables() == ()

    x = tf.Variable(2.0)
    w = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(x)
        y = x * w
    gx, gw = t.gradient(y, [x, w])
    _eq(gx, 5.0)
    assert gw is None
    (only,) = t.watched_variables()
    assert only is x


def test_watch_accessed_variables_false_zero():
    x = tf.Variable(2.0)
    w = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = x * w
    gx, gw = t.gradient(y, [x, w], unconnected_gradients="zero")
    _eq(gx, 0.0)
    _eq(gw, 0.0)


def test_watch_is_not_retroactive():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = x * x
        t.watch(x)
    assert t.gradient(y, x) is None

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        y = x * 3  # recorded before x was watched: a constant
        t.watch(x)
        z = y * x
    _eq(t.gradient(z, x), 6.0)


def test_unwatched_chain_gives_none():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = x * 2  # x never watched: nothing is recorded
        z = y * y
    assert t.gradient(z, y) is None


def test_value_is_a_new_tensor_read_value_is_recorded():
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = x * 2
    assert t.gradient(y, x.value()) is None

    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        xv = x.read_value()
        y = xv * 2
    gx, gxv = t.gradient(y, [x, xv])
    _eq(gx, 2.0)
    _eq(gxv, 2.0)


def test_gradient_wrt_intermediate():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
        z = y * y
    _eq(t.gradient(z, y), [4.0, 8.0])


def test_replacing_variable_with_tensor_breaks_the_next_tape():
    x = tf.Variable(2.0)
    results = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = x + 1
        results.append(tape.gradient(y, x))
        x = x + 1
    _eq(results[0], 1.0)
    assert results[1] is None


# ---------------------------------------------------------------------------------------------------------------
# §1.3 watch()


def test_watch_nests():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    c = tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch({"a": a, "l": [b, (c,)]})
        y = a * b * c
    ga, gb, gc = t.gradient(y, [a, b, c])
    _eq(ga, 6.0)
    _eq(gb, 3.0)
    _eq(gc, 2.0)
    (w,) = t.watched_variables()
    assert w is c


def test_watch_empty_list_is_noop():
    with tf.GradientTape() as t:
        assert t.watch([]) is None
    assert t.watched_variables() == ()


@pytest.mark.parametrize("obj,type_name", [(3.0, "float"), (np.array([1.0]), "ndarray"), (None, "NoneType")])
def test_watch_non_tensor_is_value_error_naming_the_type(obj, type_name):
    with tf.GradientTape() as t:
        with pytest.raises(ValueError, match=f"'{type_name}'"):
            t.watch(obj)


def test_watch_int_dtype_warns_at_most_five_times_per_call_site(caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(7):
            with tf.GradientTape() as t:
                t.watch(tf.constant(1))  # the one call site
    recs = _warnings(caplog)
    assert len(recs) == 5
    msg = recs[0].getMessage()
    assert "floating" in msg and "int32" in msg
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape() as t:
            t.watch(tf.constant(1))  # a new call site warns again
    assert len(_warnings(caplog)) == 1


def test_watch_int_tensor_and_int_variable_warn_and_give_none(caplog):
    x = tf.constant(3)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
    assert len(_warnings(caplog)) == 1
    assert t.gradient(y, x) is None

    caplog.clear()
    v = tf.Variable(3)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape() as t:
            t.watch(v)
            y = v * 2
    assert len(_warnings(caplog)) == 1
    assert t.gradient(y, v) is None
    (w,) = t.watched_variables()
    assert w is v


def test_watch_complex_does_not_warn(caplog):
    z = tf.constant(1 + 2j)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with tf.GradientTape() as t:
            t.watch(z)
            y = z * z
    assert _warnings(caplog) == []
    _eq(t.gradient(y, z), 2 - 4j, "complex128")


# ---------------------------------------------------------------------------------------------------------------
# §1.4 watched_variables()


def test_watched_variables_in_creation_order():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    c = tf.Variable(3.0, name="c")
    with tf.GradientTape() as t:
        _ = c * b + a + c
    w = t.watched_variables()
    assert isinstance(w, tuple)
    assert [v.name for v in w] == ["a:0", "b:0", "c:0"]
    assert repr(w) == ("(<tapegrad.Variable 'a:0' shape=() dtype=float32, numpy=1.0>, "
                       "<tapegrad.Variable 'b:0' shape=() dtype=float32, numpy=2.0>, "
                       "<tapegrad.Variable 'c:0' shape=() dtype=float32, numpy=3.0>)")

    c = tf.Variable(1.0, name="c_first")
    a = tf.Variable(2.0, name="a_second")
    with tf.GradientTape() as t:
        _ = a * c
    assert [v.name for v in t.watched_variables()] == ["c_first:0", "a_second:0"]


def test_watched_variables_fresh_tensors_only_and_after_gradient():
    assert tf.GradientTape().watched_variables() == ()

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
    t.gradient(y, x)
    assert t.watched_variables() == ()

    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as t:
        y = a * 2
    t.gradient(y, a)
    assert [v.name for v in t.watched_variables()] == ["a:0"]  # snapshot survives a non-persistent gradient

    a = tf.Variable(1.0, name="a")
    with tf.GradientTape(persistent=True) as t:
        y = a * 2
    t.gradient(y, a)
    assert [v.name for v in t.watched_variables()] == ["a:0"]


# ---------------------------------------------------------------------------------------------------------------
# §1.5 gradient(): targets


def _xx():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t, x, y


def test_multiple_targets_are_summed():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y1 = x * x
        y2 = x * 3.0
    _eq(t.gradient([y1, y2], x), 9.0)

    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y1 = x * x
        y2 = x * 3.0
    _eq(t.gradient({"a": y1, "b": [y2, y2]}, x), 12.0)


def test_vector_target_is_implicitly_summed():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), [2.0, 4.0])


def test_target_none_is_type_error():
    t, x, _ = _xx()
    with pytest.raises(TypeError, match="target"):
        t.gradient(None, x)


def test_target_empty_gives_none_per_source():
    t, x, _ = _xx()
    assert t.gradient([], x) is None

    x = tf.constant([1.0, 2.0])
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(u)
        _ = x * x
    assert t.gradient([], [x, u]) == [None, None]


def test_target_python_float_is_attribute_error():
    t, x, _ = _xx()
    with pytest.raises(AttributeError):
        t.gradient(2.0, x)


def test_numpy_target_is_attribute_error():
    # (TF's np.square(tensor) also returns a NumPy scalar; tapegrad deliberately runs NumPy ufuncs as tapegrad ops
    # instead, so the NumPy values here come from .numpy().)
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x.numpy() ** 2
    assert type(y) is np.float32
    with pytest.raises(AttributeError):
        t.gradient(y, x)

    v = tf.Variable([3.0, 4.0])
    with tf.GradientTape() as t:
        y = v.numpy() * 2.0
    assert type(y) is np.ndarray
    with pytest.raises(AttributeError):
        t.gradient(y, v)


def test_none_inside_targets_is_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
    with pytest.raises(TypeError):
        t.gradient([y, None], x)


# §1.5 gradient(): sources


def test_sources_none_is_type_error():
    t, _, y = _xx()
    with pytest.raises(TypeError):
        t.gradient(y, None)


def test_none_inside_sources_is_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
    with pytest.raises(TypeError):
        t.gradient(y, [x, None])


def test_source_python_float_is_attribute_error():
    t, _, y = _xx()
    with pytest.raises(AttributeError):
        t.gradient(y, 3.0)


def test_sources_empty_list_gives_empty_list():
    t, _, y = _xx()
    assert t.gradient(y, []) == []


def test_result_has_the_structure_of_sources():
    x = tf.constant(3.0)
    w = tf.Variable([1.0, 2.0])
    b = tf.Variable(4.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(w * x) + b
    r = t.gradient(y, {"x": x, "params": [w, (b, x)]})
    assert isinstance(r, dict) and set(r) == {"x", "params"}
    assert isinstance(r["params"], list) and isinstance(r["params"][1], tuple)
    _eq(r["x"], 3.0)
    _eq(r["params"][0], [3.0, 3.0])
    _eq(r["params"][1][0], 1.0)
    _eq(r["params"][1][1], 3.0)


def test_single_tuple_list_and_duplicate_sources():
    t, x, y = _xx()
    r = t.gradient(y, (x,))
    assert isinstance(r, tuple) and len(r) == 1
    _eq(r[0], 6.0)

    t, x, y = _xx()
    r = t.gradient(y, [x, x])
    assert isinstance(r, list) and len(r) == 2
    _eq(r[0], 6.0)
    _eq(r[1], 6.0)

    t, x, y = _xx()
    r = t.gradient(y, x)
    _eq(r, 6.0)


def test_repeated_target_seeds_add_up():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2.0
    _eq(t.gradient([y, y], x, output_gradients=[tf.constant([1.0, 1.0]), tf.constant([3.0, 4.0])]), [8.0, 10.0])


def test_sources_may_include_targets_and_intermediates():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    gx, gy, gx2 = t.gradient(y, [x, y, x])
    _eq(gx, 4.0)
    _eq(gy, 1.0)
    _eq(gx2, 4.0)

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 3.0
        z = y * y
    gy, gx = t.gradient([z, y], [y, x])
    _eq(gy, [7.0, 13.0])  # dz/dy + dy/dy
    _eq(gx, [21.0, 39.0])


def test_watching_twice_is_harmless():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, x])
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), 4.0)


def test_target_is_source_gives_ones():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        _ = x * x
    _eq(t.gradient(x, x), 1.0)

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        pass
    _eq(t.gradient(x, x), [1.0, 1.0])

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        pass
    _eq(t.gradient(x, x), [1.0, 1.0])

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
    _eq(t.gradient(x, x), [1.0, 1.0])

    x = tf.constant(1.0)
    u = tf.constant(5.0)
    with tf.GradientTape() as t:
        t.watch(x)
        _ = x * 2
    gx, gu = t.gradient(x, [x, u])
    _eq(gx, 1.0)
    assert gu is None


def test_int_target_is_source_gives_int32_one():
    x = tf.constant(3)
    with tf.GradientTape() as t:
        t.watch(x)
    _eq(t.gradient(x, x), 1, "int32")


def test_unconnected_source_none_by_default():
    x = tf.constant(2.0)
    u = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        t.watch(u)
        y = x * x
    assert t.gradient(y, u) is None


@pytest.mark.parametrize("mode", [tf.UnconnectedGradients.ZERO, "zero"])
def test_unconnected_zero_gives_typed_zeros(mode):
    x = tf.constant(2.0)
    u = tf.constant([1.0, 2.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    gx, gu = t.gradient(y, [x, u], unconnected_gradients=mode)
    _eq(gx, 4.0)
    _eq(gu, [0.0, 0.0], "float64")


def test_unconnected_zero_int32_variable():
    x = tf.Variable([[1.0, 2.0]])
    u = tf.Variable([3, 4])
    with tf.GradientTape() as t:
        y = x * x
    gx, gu = t.gradient(y, [x, u], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    _eq(gx, [[2.0, 4.0]])
    _eq(gu, [0, 0], "int32")


@pytest.mark.parametrize("mode", [tf.UnconnectedGradients.NONE, "none"])
def test_unconnected_none_values(mode):
    x = tf.Variable(2.0)
    u = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = tf.square(x)
    gx, gu = t.gradient(y, [x, u], unconnected_gradients=mode)
    _eq(gx, 4.0)
    assert gu is None


@pytest.mark.parametrize("bad", ["ZERO", "bogus", "NONE", 0, None])
def test_unconnected_invalid_value_is_value_error(bad):
    t, x, y = _xx()
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: " + repr(bad).replace("(", r"\(")):
        t.gradient(y, x, unconnected_gradients=bad)


def test_connected_but_zero_path_is_a_zeros_tensor_not_none():
    x = tf.constant([-1.0, 0.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.sign(x)
    _eq(t.gradient(y, x), [0.0, 0.0, 0.0])


def test_gradient_dtype_is_source_dtype_through_casts():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float64)
        z = y * 2.0
    _eq(t.gradient(z, x), [2.0, 2.0])

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x * x)
    assert t.gradient(y, x).numpy().dtype == np.float32


# §1.5 gradient(): output_gradients


def _x12():
    x = tf.constant([1.0, 2.0])
    t = tf.GradientTape()
    with t:
        t.watch(x)
        y = x * x
    return t, x, y


def test_output_gradients_tensor():
    t, x, y = _x12()
    _eq(t.gradient(y, x, output_gradients=tf.constant([10.0, 100.0])), [20.0, 400.0])


def test_output_gradients_python_list_is_flattened_quirk():
    t, x, y = _x12()
    _eq(t.gradient(y, x, output_gradients=[10.0, 100.0]), [20.0, 40.0])
    t, x, y = _x12()
    _eq(t.gradient(y, x, output_gradients=[[10.0, 100.0]]), [20.0, 40.0])


def test_output_gradients_fewer_entries_seed_the_rest_with_ones():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        z = x * 3
    _eq(t.gradient([y, z], x, output_gradients=[tf.constant([1.0, 1.0])]), [5.0, 7.0])


def test_output_gradients_extra_entries_ignored():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
    _eq(t.gradient(y, x, output_gradients=[tf.constant([1.0, 1.0]), tf.constant([5.0, 5.0])]), [2.0, 2.0])


def test_output_gradients_none_entry_is_value_error():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        z = x * 3
    with pytest.raises(ValueError):
        t.gradient([y, z], x, output_gradients=[tf.constant([1.0, 1.0]), None])


def test_output_gradients_broadcastable_upstream_accepted():
    t, x, y = _x12()
    _eq(t.gradient(y, x, output_gradients=tf.constant(2.0)), [4.0, 8.0])

    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x, output_gradients=tf.constant([1.0, 2.0])), [[2.0, 8.0], [6.0, 16.0]])


@pytest.mark.parametrize("og", [[1.0, 2.0, 3.0], [[1.0, 2.0], [3.0, 4.0]]])
def test_output_gradients_mismatched_shape_is_invalid_argument(og):
    t, x, y = _x12()
    with pytest.raises(errors.InvalidArgumentError):
        t.gradient(y, x, output_gradients=tf.constant(og))


@pytest.mark.parametrize("og", [tf.constant([1, 2]), tf.constant([1.0, 2.0], tf.float64)])
def test_output_gradients_mismatched_dtype_is_invalid_argument(og):
    t, x, y = _x12()
    with pytest.raises(errors.InvalidArgumentError):
        t.gradient(y, x, output_gradients=og)


@pytest.mark.parametrize("og,expected", [(2.0, [4.0, 8.0]), (np.float32(2.0), [4.0, 8.0]),
                                         (np.array([1.0, 2.0], np.float32), [2.0, 8.0])])
def test_output_gradients_non_tensor_of_matching_dtype(og, expected):
    t, x, y = _x12()
    _eq(t.gradient(y, x, output_gradients=og), expected)


@pytest.mark.parametrize("og", [np.array([1.0, 2.0]), np.float64(2.0), 2, [1, 2], np.array([1, 2])],
                         ids=["f64-array", "f64-scalar", "int", "int-list", "int64-array"])
def test_output_gradients_non_tensor_of_other_dtype_is_invalid_argument(og):
    t, x, y = _x12()
    with pytest.raises(errors.InvalidArgumentError):
        t.gradient(y, x, output_gradients=og)


# §1.5 gradient(): broadcasting


def _g2(fn, a, b):
    with tf.GradientTape() as t:
        t.watch(a)
        t.watch(b)
        y = fn(a, b)
    return t.gradient(y, [a, b])


def test_broadcasting_gradients_are_reduced_to_input_shapes():
    gx, gy = _g2(lambda x, y: x + y, tf.ones([2, 3]), tf.ones([3]))
    _eq(gx, np.ones((2, 3)))
    _eq(gy, [2.0, 2.0, 2.0])

    gx, gy = _g2(lambda x, y: x * y, tf.ones([2, 3]), tf.constant([[2.0], [3.0]]))
    _eq(gx, [[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    _eq(gy, [[3.0], [3.0]])

    gx, gy = _g2(lambda x, y: x + y, tf.ones([2, 3]), tf.constant(1.0))
    _eq(gx, np.ones((2, 3)))
    _eq(gy, 6.0)

    gx, gy = _g2(lambda x, y: x - y, tf.ones([3, 1]), tf.ones([1, 4]))
    assert gx.shape == tf.TensorShape([3, 1]) and gy.shape == tf.TensorShape([1, 4])
    _eq(gx, np.full((3, 1), 4.0))
    _eq(gy, np.full((1, 4), -3.0))


def test_same_tensor_used_twice_accumulates():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), 6.0)
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x + x + x
    _eq(t.gradient(y, x), 3.0)


# ---------------------------------------------------------------------------------------------------------------
# §1.6 Integer and other non-float dtypes


def test_float_source_int_target():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.int32)
    assert t.gradient(y, x) is None

    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.int32)
    _eq(t.gradient(y, x, unconnected_gradients="zero"), 0.0)


def test_int_source_zero_is_int32_zero():
    x = tf.constant(3)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * 2
    _eq(t.gradient(y, x, unconnected_gradients="zero"), 0, "int32")


@pytest.mark.parametrize("mid", [tf.int32, tf.bool])
def test_chain_through_int_or_bool_is_broken(mid):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, mid)
        z = tf.cast(y, tf.float32) * 2.0
    assert t.gradient(z, x) is None


def test_float_casts_keep_the_chain():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float16)
        z = tf.cast(y, tf.float32) * 2.0
    _eq(t.gradient(z, x), 2.0)

    x = tf.constant(3.0, tf.float16)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cast(x, tf.float32) * 2.0
    _eq(t.gradient(y, x), 2.0, "float16")


def test_leaving_through_numpy_breaks_the_chain():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.constant(x.numpy())
        z = y * 2.0
    assert t.gradient(z, x) is None

    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x.numpy() * 2.0
        z = tf.constant(y) * x
    _eq(t.gradient(z, x), 4.0)  # only the direct term

    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = tf.constant(v.numpy() ** 2)
    assert t.gradient(y, v) is None

    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = float(v) ** 2
    assert t.gradient(tf.constant(y), v) is None


def test_numpy_array_times_variable_dispatches_to_tapegrad():
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = np.array([2.0, 3.0]) * v
    assert type(y) is tf.Tensor
    _eq(y, [6.0, 9.0])
    _eq(t.gradient(y, v), 5.0)


@pytest.mark.parametrize("expr,value,grad", [
    (lambda v: np.float64(2.0) * v, 6.0, 2.0),
    (lambda v: np.array([2.0, 3.0]) + v, [5.0, 6.0], 2.0),
    (lambda v: np.array([2.0, 3.0]) - v, [-1.0, 0.0], -2.0),
])
def test_numpy_left_operands_are_converted_to_the_tensor_dtype(expr, value, grad):
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = expr(v)
    assert type(y) is tf.Tensor
    _eq(y, value)
    _eq(t.gradient(y, v), grad)


def test_variable_times_numpy_float64_is_float32():
    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = v * np.float64(2.0)
    _eq(y, 6.0)
    _eq(t.gradient(y, v), 2.0)

    v = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = v * np.array([2.0, 3.0])
    _eq(y, [6.0, 9.0])
    _eq(t.gradient(y, v), 5.0)


# ---------------------------------------------------------------------------------------------------------------
# §1.7 Nesting and higher order


def test_nested_tapes_second_order():
    x = tf.Variable(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x**3
        dy = t1.gradient(y, x)
    d2y = t2.gradient(dy, x)
    _eq(dy, 27.0)
    _eq(d2y, 18.0)


def test_nested_tapes_second_order_constants_watched_by_both():
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x**3
        dy = t1.gradient(y, x)
    _eq(dy, 27.0)
    _eq(t2.gradient(dy, x), 18.0)


def test_only_inner_tape_watches_constant_outer_is_none():
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x**3
        dy = t1.gradient(y, x)
    _eq(dy, 27.0)
    assert t2.gradient(dy, x) is None


def test_outer_tape_sees_inner_ops():
    x = tf.constant(3.0)
    with tf.GradientTape() as t1:
        t1.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            y = x**3
        dy = t2.gradient(y, x)
    _eq(dy, 27.0)
    _eq(t1.gradient(y, x), 27.0)


def test_persistent_tape_inside_its_own_context_third_order():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x**3
        dy = t.gradient(y, x)
        d2y = t.gradient(dy, x)
    _eq(dy, 27.0)
    _eq(d2y, 18.0)
    _eq(t.gradient(d2y, x), 6.0)


def test_persistent_tape_outside_context_second_is_none():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x**3
    dy = t.gradient(y, x)
    _eq(dy, 27.0)
    assert t.gradient(dy, x) is None


# ---------------------------------------------------------------------------------------------------------------
# §8 dtypes of values and gradients


def test_default_dtypes():
    got = [
        tf.constant(3.0).dtype, tf.constant(3).dtype, tf.constant(np.float64(3.0)).dtype,
        tf.constant(np.array([1.0])).dtype, tf.constant([1, 2.5]).dtype, tf.Variable(3.0).dtype,
        tf.Variable(np.array(3.0)).dtype, tf.Variable(3).dtype, tf.constant(2**40).dtype, tf.constant(True).dtype,
        tf.convert_to_tensor(3.0).dtype, tf.constant(np.float32(1)).dtype, tf.constant(np.int64(3)).dtype,
    ]
    assert got == [tf.float32, tf.int32, tf.float64, tf.float64, tf.float32, tf.float32, tf.float64, tf.int32,
                   tf.int64, tf.bool, tf.float32, tf.float32, tf.int64]
    assert tf.constant(2**31).dtype == tf.int64
    assert tf.constant(2**31 - 1).dtype == tf.int32
    assert tf.constant(1 + 2j).dtype == tf.complex128


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_gradient_dtype_equals_source_dtype(dtype):
    x = tf.constant(3.0, dtype=getattr(tf, dtype))
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    _eq(t.gradient(y, x), 6.0, dtype)

    v = tf.Variable(np.array(3.0, dtype=dtype))
    with tf.GradientTape() as t:
        y = v * v
    _eq(t.gradient(y, v), 6.0, dtype)


def test_mixing_float32_and_float64_is_invalid_argument():
    v = tf.Variable(3.0)
    with pytest.raises(errors.InvalidArgumentError):
        _ = v * tf.constant(2.0, tf.float64)
    with pytest.raises(errors.InvalidArgumentError):
        _ = tf.constant(1.0, tf.float64) + tf.constant(1.0)


# ---------------------------------------------------------------------------------------------------------------
# §9 repr / str formats


@pytest.mark.parametrize("value,dtype,rep,st", [
    (6.0, None, "6.0", "6.0"),
    (0.1, None, "0.10000000149011612", "0.1"),
    (1 / 3, None, "0.3333333432674408", "0.33333334"),
    (1e-8, None, "9.99999993922529e-09", "1e-08"),
    (123456789.0, None, "123456792.0", "1.2345679e+08"),
    (float("nan"), None, "nan", "nan"),
    (float("inf"), None, "inf", "inf"),
    (-0.0, None, "-0.0", "-0.0"),
    (3, None, "3", "3"),
    (True, None, "True", "True"),
    (1.0, "float64", "1.0", "1.0"),
    (0.1, "float64", "0.1", "0.1"),
    (1 + 2j, None, "(1+2j)", "(1+2j)"),
    (1.5, "float16", "1.5", "1.5"),
    (0.1, "float16", "0.0999755859375", "0.1"),
    (3, "int64", "3", "3"),
    (2, "uint8", "2", "2"),
])
def test_scalar_repr_and_str(value, dtype, rep, st):
    t = tf.constant(value) if dtype is None else tf.constant(value, dtype=getattr(tf, dtype))
    name = t.dtype.name
    assert repr(t) == f"<tapegrad.Tensor: shape=(), dtype={name}, numpy={rep}>"
    assert str(t) == f"tapegrad.Tensor({st}, shape=(), dtype={name})"


@pytest.mark.parametrize("value,dtype,rep,st", [
    ([1.0, 2.0, 3.0], None, "array([1., 2., 3.], dtype=float32)", "[1. 2. 3.]"),
    ([1, 2], None, "array([1, 2], dtype=int32)", "[1 2]"),
    ([1 + 2j], None, "array([1.+2.j])", "[1.+2.j]"),
    ([], "float32", "array([], dtype=float32)", "[]"),
    ([1e-8, 1.0], None, "array([1.e-08, 1.e+00], dtype=float32)", "[1.e-08 1.e+00]"),
])
def test_vector_repr_and_str(value, dtype, rep, st):
    t = tf.constant(value) if dtype is None else tf.constant(value, dtype=getattr(tf, dtype))
    shape = str(tuple(t.shape.as_list()))
    assert repr(t) == f"<tapegrad.Tensor: shape={shape}, dtype={t.dtype.name}, numpy={rep}>"
    assert str(t) == f"tapegrad.Tensor({st}, shape={shape}, dtype={t.dtype.name})"


def test_more_reprs():
    c = tf.constant(0.1 + 0.2j, tf.complex64)
    assert repr(c) == "<tapegrad.Tensor: shape=(), dtype=complex64, numpy=(0.10000000149011612+0.20000000298023224j)>"
    assert str(c) == "tapegrad.Tensor((0.1+0.2j), shape=(), dtype=complex64)"
    assert repr(tf.Variable(np.array([-1.5, 2.0]))) == (
        "<tapegrad.Variable 'Variable:0' shape=(2,) dtype=float64, numpy=array([-1.5,  2. ])>")
    b = tf.constant([True, False])
    assert repr(b) == "<tapegrad.Tensor: shape=(2,), dtype=bool, numpy=array([ True, False])>"
    assert str(b) == "tapegrad.Tensor([ True False], shape=(2,), dtype=bool)"
    z = tf.zeros([2, 1, 2])
    assert repr(z) == ("<tapegrad.Tensor: shape=(2, 1, 2), dtype=float32, numpy=\narray([[[0., 0.]],\n\n"
                       "       [[0., 0.]]], dtype=float32)>")
    assert str(z) == "tapegrad.Tensor(\n[[[0. 0.]]\n\n [[0. 0.]]], shape=(2, 1, 2), dtype=float32)"
    assert (str(tf.zeros([3]).shape), repr(tf.zeros([3]).shape), str(tf.zeros([2, 0]).shape)) == (
        "(3,)", "TensorShape([3])", "(2, 0)")


def test_empty_2d_repr():
    t = tf.zeros([2, 0])
    assert repr(t) == "<tapegrad.Tensor: shape=(2, 0), dtype=float32, numpy=array([], shape=(2, 0), dtype=float32)>"
    assert str(t) == "tapegrad.Tensor([], shape=(2, 0), dtype=float32)"


def test_newline_rule():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert repr(t) == ("<tapegrad.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[1., 2.],\n"
                       "       [3., 4.]], dtype=float32)>")
    assert str(t) == "tapegrad.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"

    t = tf.constant(np.arange(20, dtype=np.int32))
    assert repr(t) == ("<tapegrad.Tensor: shape=(20,), dtype=int32, numpy=\narray([ 0,  1,  2,  3,  4,  5,  6,  7,  "
                       "8,  9, 10, 11, 12, 13, 14, 15, 16,\n       17, 18, 19], dtype=int32)>")
    assert str(t) == ("tapegrad.Tensor([ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19], shape=(20,), "
                      "dtype=int32)")


def test_large_arrays_follow_numpy_summarisation():
    a = np.arange(2000, dtype=np.float32)
    t = tf.constant(a)
    assert repr(t) == f"<tapegrad.Tensor: shape=(2000,), dtype=float32, numpy=\n{a!r}>"
    assert str(t) == f"tapegrad.Tensor({a}, shape=(2000,), dtype=float32)"
    assert "..." in str(t)


def test_variable_repr_and_str_are_identical():
    cases = [
        (tf.Variable(3.0), "<tapegrad.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>"),
        (tf.Variable([1.0, 2.0], name="w"),
         "<tapegrad.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"),
        (tf.Variable(1, name="i"), "<tapegrad.Variable 'i:0' shape=() dtype=int32, numpy=1>"),
        (tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="m"),
         "<tapegrad.Variable 'm:0' shape=(2, 2) dtype=float32, numpy=\narray([[1., 2.],\n       [3., 4.]], "
         "dtype=float32)>"),
        (tf.Variable(0.1, name="nt", trainable=False),
         "<tapegrad.Variable 'nt:0' shape=() dtype=float32, numpy=0.10000000149011612>"),
        (tf.Variable(1.0, name="scope/x"), "<tapegrad.Variable 'scope/x:0' shape=() dtype=float32, numpy=1.0>"),
        (tf.Variable(np.array(1.0)), "<tapegrad.Variable 'Variable:0' shape=() dtype=float64, numpy=1.0>"),
    ]
    for v, expected in cases:
        assert repr(v) == expected
        assert str(v) == expected


def test_variable_default_names_are_not_uniquified():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    assert (a.name, b.name) == ("Variable:0", "Variable:0")
    assert tf.Variable(1.0, name="w").name == "w:0"


def test_printed_list_uses_element_reprs():
    assert str([tf.constant(1.0), None]) == "[<tapegrad.Tensor: shape=(), dtype=float32, numpy=1.0>, None]"
    assert str(tf.Variable(1.0)) == "<tapegrad.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"
    assert str(tf.constant([1.0, 2.0])) == "tapegrad.Tensor([1. 2.], shape=(2,), dtype=float32)"


def test_numpy_returns_numpy_scalar_or_array():
    s = tf.constant(3.0).numpy()
    assert type(s) is np.float32
    assert repr(s) == "np.float32(3.0)"
    a = tf.constant([3.0]).numpy()
    assert type(a) is np.ndarray
    assert repr(a) == "array([3.], dtype=float32)"


def test_tensorshape_and_dtype_repr():
    assert repr(tf.constant(1.0).shape) == "TensorShape([])"
    assert str(tf.constant(1.0).shape) == "()"
    assert repr(tf.zeros([1, 2]).shape) == "TensorShape([1, 2])"
    assert str(tf.zeros([1, 2]).shape) == "(1, 2)"
    assert repr(tf.float32) == "tapegrad.float32"
    assert str(tf.float32) == "<dtype: 'float32'>"
    assert tf.float32.name == "float32"


# ---------------------------------------------------------------------------------------------------------------
# §4.5 UnconnectedGradients


def test_unconnected_gradients_enum():
    U = tf.UnconnectedGradients
    assert list(U) == [U.NONE, U.ZERO]
    assert (U.NONE.value, U.ZERO.value) == ("none", "zero")
    assert repr(U.ZERO) == "<UnconnectedGradients.ZERO: 'zero'>"
    assert str(U.ZERO) == "UnconnectedGradients.ZERO"
    assert U("none") is U.NONE
    assert U("zero") is U.ZERO
    with pytest.raises(ValueError, match="'NONE' is not a valid UnconnectedGradients"):
        U("NONE")
