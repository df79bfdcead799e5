"""The seed article's three GradientTape programs, in the form that runs and prints what TensorFlow prints.

tapegrad was started from an article on computing gradients with eager execution (kept in ``shared/seed.md``).
Its programs are TensorFlow 2 code; here they run unchanged under ``import tapegrad as tf``. Two of the article's
claimed outputs are not what TensorFlow does, so this file shows the real behaviour and the fixes:

1. ``d(x**2)/dx`` at ``x = 3`` is 6.0 — as the article says.
2. Two ``tape.gradient`` calls on one non-persistent tape: the first returns 9.0, the second raises
   ``RuntimeError`` (the tape released its recording after the first call — the article's own text says so).
   The example catches that error, then shows both fixes: ``GradientTape(persistent=True)``, or a single call
   ``tape.gradient(z, [x, y])`` that returns 9.0 and 12.0 together.
3. The gradient of ``mean(|p - t|)`` for three predictions that all sit 0.5 below their targets is
   ``sign(p - t) / 3 = [-0.33333334 -0.33333334 -0.33333334]`` in float32, not ``[-0.5, -0.5, -0.5]``
   (0.5 is the value of the loss, not of its gradient).

Run it::

    python examples/seed.py
"""

from __future__ import annotations

import argparse

import numpy as np

import tapegrad as tf


def example_1() -> tf.Tensor:
    """Basic gradient: y = x**2, dy/dx = 2x = 6 at x = 3."""
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    dy_dx = tape.gradient(y, x)
    print(dy_dx)  # tapegrad.Tensor(6.0, shape=(), dtype=float32)
    return dy_dx


def example_2() -> tuple[tf.Tensor, tf.Tensor]:
    """Two variables, z = x * y**2: dz/dx = y**2 = 9, dz/dy = 2xy = 12 — and the one-gradient rule of a tape."""
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)

    # As the article wrote it: the second gradient() call on a non-persistent tape raises RuntimeError.
    with tf.GradientTape() as tape:
        tape.watch(x)  # not needed for a trainable Variable (it is watched automatically), but harmless
        z = x * y**2
    dz_dx = tape.gradient(z, x)
    print(dz_dx)  # tapegrad.Tensor(9.0, shape=(), dtype=float32)
    try:
        tape.gradient(z, y)
    except RuntimeError as exc:
        print(f"second gradient() call -> RuntimeError: {exc}")
    else:  # pragma: no cover - would mean tapegrad diverged from TensorFlow
        raise AssertionError("a non-persistent tape must refuse a second gradient() call")

    # Fix 1: a persistent tape keeps its recording until it is deleted.
    with tf.GradientTape(persistent=True) as tape:
        z = x * y**2
    dz_dx = tape.gradient(z, x)
    dz_dy = tape.gradient(z, y)
    del tape  # releases the recording
    print(f"persistent tape:  dz/dx = {dz_dx}, dz/dy = {dz_dy}")

    # Fix 2 (usually better): ask for both gradients in one call.
    with tf.GradientTape() as tape:
        z = x * y**2
    dz_dx, dz_dy = tape.gradient(z, [x, y])
    print(f"one call:         dz/dx = {dz_dx}, dz/dy = {dz_dy}")
    return dz_dx, dz_dy


def custom_loss(predictions: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """Mean absolute error."""
    return tf.reduce_mean(tf.abs(predictions - targets))


def example_3() -> tf.Tensor:
    """Gradient of a custom (mean absolute error) loss: sign(p - t) / n."""
    predictions = tf.Variable([1.0, 2.0, 3.0])
    targets = tf.constant([1.5, 2.5, 3.5])
    with tf.GradientTape() as tape:
        loss = custom_loss(predictions, targets)
    gradients = tape.gradient(loss, predictions)
    print(f"loss = {float(loss)}")  # 0.5: this is where the article's -0.5 came from
    print(gradients)  # tapegrad.Tensor([-0.33333334 -0.33333334 -0.33333334], shape=(3,), dtype=float32)
    return gradients


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="accepted for a uniform command line across the examples; this one is always instant")
    parser.parse_args(argv)

    print("Example 1: basic gradient")
    g1 = example_1()
    print("\nExample 2: gradients with respect to two variables")
    dz_dx, dz_dy = example_2()
    print("\nExample 3: gradient of a custom loss")
    g3 = example_3()

    ok = (float(g1) == 6.0 and float(dz_dx) == 9.0 and float(dz_dy) == 12.0
          and np.array_equal(g3.numpy(), np.full(3, -1 / 3, dtype=np.float32)))
    print(f"\nresult: {'all three examples match TensorFlow' if ok else 'MISMATCH with TensorFlow'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
