"""float16 everywhere NumPy has it, bfloat16 through the optional ml_dtypes (issue 14 item 3)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tapegrad as tf


def test_import_does_not_load_ml_dtypes() -> None:
    code = ("import sys, tapegrad as tf; tf.bfloat16 == tf.float16; tf.as_dtype('bfloat16'); hash(tf.bfloat16); "
            "print('ml_dtypes' in sys.modules); tf.constant(1.0, tf.bfloat16); print('ml_dtypes' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["False", "True"], r.stderr


def test_bfloat16_without_ml_dtypes_names_the_extra() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules["ml_dtypes"] = None  # as if not installed
        import tapegrad as tf
        assert tf.bfloat16.name == "bfloat16" and tf.bfloat16.is_floating
        try:
            tf.constant(1.0, tf.bfloat16)
        except ImportError as e:
            print(e)
        print(float(tf.constant(1.5, tf.float16) * 2))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "tapegrad[bfloat16]" in r.stdout and r.stdout.split()[-1] == "3.0", r.stdout + r.stderr


def test_bfloat16_values_round_as_tf() -> None:
    assert float(tf.constant(1.1, tf.bfloat16)) == 1.1015625
    assert float(tf.constant(256.0, tf.bfloat16) + tf.constant(1.0, tf.bfloat16)) == 256.0
    assert float(tf.reduce_sum(tf.ones([1001], tf.bfloat16))) == 1000.0  # float32 accumulation, one rounding
    assert tf.cast(tf.constant([1.0, 1.00390625, 1.005859375]), tf.bfloat16).numpy().astype(float).tolist() == [
        1.0, 1.0, 1.0078125]
    m = tf.matmul(tf.constant([[0.1, 0.2]], tf.bfloat16), tf.constant([[0.3], [0.4]], tf.bfloat16))
    assert m.dtype == tf.bfloat16 and float(m[0, 0]) == 0.1103515625
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(1.0, tf.bfloat16) + tf.constant(1.0, tf.float16)
    assert tf.dtypes.bfloat16 is tf.bfloat16 and tf.as_dtype("bfloat16") is tf.bfloat16


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_gradients_keep_the_dtype(dtype: str) -> None:
    dt = tf.as_dtype(dtype)
    v = tf.Variable([0.5, 1.5], dtype=dt)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.sin(v) * v)
    g = t.gradient(y, v)
    assert g.dtype == dt
    x = np.array([0.5, 1.5])
    want = np.sin(x) + x * np.cos(x)
    np.testing.assert_allclose(g.numpy().astype(np.float64), want, rtol=2e-2)
    x32 = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = tf.cast(x32, dt) ** 2
    g = t.gradient(y, x32)
    assert g.dtype == tf.float32 and float(g) == 4.0


def test_float16_overflow_and_assign() -> None:
    v = tf.Variable(300.0, dtype=tf.float16)
    with tf.GradientTape() as t:
        y = v * v
    assert np.isinf(y.numpy()) and float(t.gradient(y, v)) == 600.0
    w = tf.Variable(1.0, dtype=tf.float16)
    w.assign_add(0.0001)
    assert float(w) == 1.0
