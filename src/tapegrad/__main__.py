"""``python -m tapegrad demo``: the seed article's three programs (as TensorFlow really behaves) and a fitted model."""

from __future__ import annotations

import sys


def demo() -> None:
    import numpy as np

    import tapegrad as tf

    print("Example 1: gradient of x**2 at x = 3")
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    print(tape.gradient(y, x))

    print("\nExample 2: two gradients from one tape (needs persistent=True, or one call for both)")
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = x * y**2
    print(tape.gradient(z, x))
    try:
        tape.gradient(z, y)
    except RuntimeError as exc:
        print(f"RuntimeError: {exc}")
    with tf.GradientTape() as tape:
        z = x * y**2
    dz_dx, dz_dy = tape.gradient(z, [x, y])
    print(dz_dx)
    print(dz_dy)

    print("\nExample 3: gradient of a mean-absolute-error loss (sign(p - t) / 3, not -0.5)")
    predictions = tf.Variable([1.0, 2.0, 3.0])
    targets = tf.constant([1.5, 2.5, 3.5])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(predictions - targets))
    print(tape.gradient(loss, predictions))

    print("\nA fitted model: y = 2x - 1 + noise, learned by gradient descent on w and b")
    rng = np.random.default_rng(0)
    xs = tf.constant(rng.uniform(-1, 1, size=(64, 1)).astype(np.float32))
    ys = 2.0 * xs - 1.0 + tf.constant(rng.normal(0, 0.05, size=(64, 1)).astype(np.float32))
    w = tf.Variable([[0.0]], name="w")
    b = tf.Variable([0.0], name="b")
    for step in range(301):
        with tf.GradientTape() as tape:
            pred = tf.matmul(xs, w) + b
            mse = tf.reduce_mean(tf.square(pred - ys))
        gw, gb = tape.gradient(mse, [w, b])
        w.assign_sub(0.1 * gw)
        b.assign_sub(0.1 * gb)
        if step % 60 == 0:
            print(f"step {step:3d}  loss {float(mse):.5f}  w {float(w[0, 0]):+.4f}  b {float(b[0]):+.4f}")
    print(w)
    print(b)


def main(argv: list[str]) -> int:
    if argv[:1] in ([], ["demo"]):
        demo()
        return 0
    if argv[:1] == ["ops-doc"]:
        from pathlib import Path

        from ._opdoc import render

        out = Path(argv[1]) if len(argv) > 1 else Path("docs/ops.md")
        out.write_text(render())
        print(f"wrote {out}")
        return 0
    print("usage: python -m tapegrad [demo | ops-doc [PATH]]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
