"""tapegrad.debugging.enable_check_numerics: the first op producing NaN/Inf, forward or backward, raises."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _tape, debugging
from tapegrad._registry import OPS


@pytest.fixture(autouse=True)
def _always_off_afterwards():
    yield
    while debugging.is_check_numerics_enabled():
        debugging.disable_check_numerics()


def test_forward_nan_names_op_inputs_and_line() -> None:
    x = tf.Variable([1.0, -4.0, 9.0])
    with debugging.enable_check_numerics():
        with tf.GradientTape():
            y = x * 2.0  # fine
            with pytest.raises(tf.errors.InvalidArgumentError) as info:
                tf.sqrt(y)  # planted: sqrt(-8)
    text = str(info.value)
    assert "op 'sqrt' produced NaN in the forward pass" in text
    assert "float32[3] range [-8, 18]" in text
    assert "test_check_numerics.py" in text and "tf.sqrt(y)  # planted" in text
    assert "Fix:" in text


def test_forward_inf_without_a_tape() -> None:
    with debugging.enable_check_numerics():
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"op 'log' produced -Inf"):
            tf.math.log(tf.constant([1.0, 0.0]))
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"op 'divide' produced Inf"):
            tf.constant([1.0]) / tf.constant([0.0])
        assert float(tf.exp(tf.constant(1.0))) == pytest.approx(np.e)  # finite results pass


def test_inputs_that_already_contain_nan_are_reported() -> None:
    with debugging.enable_check_numerics():
        with pytest.raises(tf.errors.InvalidArgumentError, match="inputs already contained NaN"):
            tf.constant([np.nan, 1.0]) * 2.0


def test_backward_inf_with_finite_forward() -> None:
    x = tf.Variable([0.0, 4.0])
    with debugging.enable_check_numerics():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.sqrt(x))  # forward finite: sqrt(0) = 0
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            tape.gradient(y, x)  # backward: 0.5 / sqrt(0) = inf
    text = str(info.value)
    assert "gradient of op 'sqrt' with respect to input 0 is Inf (backward pass)" in text
    assert "upstream gradient was finite" in text
    assert "y = tf.reduce_sum(tf.sqrt(x))" in text  # where the op was created
    assert "tape.gradient(y, x)" in text  # where the gradient was computed


def test_backward_nan_from_zero_times_inf() -> None:
    x = tf.Variable([0.0, 1.0])
    with debugging.enable_check_numerics():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.pow(x, 0.5) * 0.0)  # forward 0; backward 0 * inf = NaN in pow's rule
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"gradient of op 'pow' with respect to input 0 is "
                                                                 r"NaN"):
            tape.gradient(y, x)


def test_nan_upstream_gradient_is_reported() -> None:
    x = tf.Variable([1.0, 2.0])
    with debugging.enable_check_numerics():
        with tf.GradientTape() as tape:
            y = x * 3.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="upstream gradient already contained NaN"):
            tape.gradient(y, x, output_gradients=tf.constant([np.nan, 1.0]))


def test_off_by_default_and_free_when_off() -> None:
    assert not debugging.is_check_numerics_enabled()
    before_tapes = _tape.local.tapes
    before_vjps = {name: op.vjp for name, op in OPS.items()}
    assert np.isnan(float(tf.sqrt(tf.constant(-1.0))))  # no check: NaN is a value, as in TF
    with debugging.enable_check_numerics():
        assert debugging.is_check_numerics_enabled()
        assert len(_tape.local.tapes) == len(before_tapes) + 1
        assert any(op.vjp is not before_vjps[name] for name, op in OPS.items())
    assert _tape.local.tapes == before_tapes
    assert all(op.vjp is before_vjps[name] for name, op in OPS.items())


def test_enable_disable_nesting_and_tapes_still_work() -> None:
    x = tf.Variable(2.0)
    debugging.enable_check_numerics()
    debugging.enable_check_numerics()
    debugging.disable_check_numerics()
    assert debugging.is_check_numerics_enabled()
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3
        g = inner.gradient(y, x)
    assert float(g) == 12.0 and float(outer.gradient(g, x)) == 12.0
    debugging.disable_check_numerics()
    assert not debugging.is_check_numerics_enabled()


def test_check_numerics_function() -> None:
    t = tf.constant([1.0, 2.0])
    assert debugging.check_numerics(t, "fine") is t
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch 3 : Tensor had Inf values"):
        debugging.check_numerics(tf.constant([np.inf]), "batch 3")
    v = tf.Variable([np.nan])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Tensor had NaN values"):
        debugging.check_numerics(v, "var")
