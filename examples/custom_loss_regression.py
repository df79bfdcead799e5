"""Robust linear regression with a hand-written Huber loss, against a plain mean-squared-error fit.

The data are a straight line ``y = 2.0 x + 0.5`` with small Gaussian noise, plus a seeded fraction of gross
outliers (large positive errors, all on the right half of the x range, so they pull both the slope and the
intercept). Two models ``y = w x + b`` are fitted by gradient descent with ``tapegrad.GradientTape`` and a
``tapegrad.keras`` Adam optimizer:

* with mean squared error, whose gradient grows with the residual, so a few outliers dominate the fit;
* with the Huber loss written by hand from tapegrad ops inside the tape — quadratic for residuals up to
  ``delta`` and linear beyond, so each outlier's pull is capped at ``delta``::

      q = minimum(|r|, delta);   huber(r) = 0.5 q**2 + delta (|r| - q)

The example prints both parameter estimates next to the truth (and the exact least-squares solution, to show the
MSE fit converged to it rather than being undertrained), checks the hand-written loss against
``keras.losses.Huber`` and, when matplotlib is installed, saves a picture of the data and both lines.

Run it::

    python examples/custom_loss_regression.py [--quick] [--out DIR] [--seed N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import tapegrad as tf
from tapegrad import keras

TRUE_SLOPE = 2.0
TRUE_INTERCEPT = 0.5


def make_data(seed: int, n: int = 200, outlier_fraction: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on the true line with N(0, 0.3) noise; a random ``outlier_fraction`` of the right half gets +6..+12."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=n)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0.0, 0.3, size=n)
    candidates = np.flatnonzero(x > 0.0)
    outliers = rng.choice(candidates, size=int(outlier_fraction * n), replace=False)
    y[outliers] += rng.uniform(6.0, 12.0, size=outliers.size)
    is_outlier = np.zeros(n, dtype=bool)
    is_outlier[outliers] = True
    return x.astype(np.float32), y.astype(np.float32), is_outlier


def huber_loss(y_true: tf.Tensor, y_pred: tf.Tensor, delta: float = 1.0) -> tf.Tensor:
    """Mean Huber loss, from tapegrad ops only (so the tape records it and differentiates it)."""
    abs_r = tf.abs(y_pred - y_true)
    quadratic = tf.minimum(abs_r, delta)  # the part of |r| inside [0, delta]
    linear = abs_r - quadratic  # the part beyond delta
    return tf.reduce_mean(0.5 * tf.square(quadratic) + delta * linear)


def mse_loss(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.square(y_pred - y_true))


def fit(loss_fn: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], x: np.ndarray, y: np.ndarray,
        steps: int, learning_rate: float) -> tuple[float, float, float]:
    """Fit ``y = w x + b`` by full-batch Adam on ``loss_fn``; returns (slope, intercept, final loss)."""
    xs, ys = tf.constant(x), tf.constant(y)
    w = tf.Variable(0.0, name="w")
    b = tf.Variable(0.0, name="b")
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    loss = tf.constant(float("nan"))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(ys, w * xs + b)
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
    return float(w.numpy()), float(b.numpy()), float(loss)


def save_plot(out_dir: Path, x: np.ndarray, y: np.ndarray, is_outlier: np.ndarray,
              fits: dict[str, tuple[float, float]]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'tapegrad[examples]')")
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "custom_loss_regression.png"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.scatter(x[~is_outlier], y[~is_outlier], s=12, color="tab:gray", label="data")
    ax.scatter(x[is_outlier], y[is_outlier], s=16, color="tab:red", marker="x", label="outliers")
    grid = np.linspace(x.min(), x.max(), 2)
    ax.plot(grid, TRUE_SLOPE * grid + TRUE_INTERCEPT, "k--", label="truth")
    for (name, (w, b)), color in zip(fits.items(), ["tab:blue", "tab:orange"]):
        ax.plot(grid, w * grid + b, color=color, label=f"{name}: y = {w:.2f} x + {b:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Huber vs mean squared error on data with outliers")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few optimisation steps (checks the code path for CI)")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="directory for the figure")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data (default 0)")
    parser.add_argument("--delta", type=float, default=1.0, help="Huber threshold (default 1.0)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    x, y, is_outlier = make_data(args.seed)
    steps = 60 if args.quick else 1500

    # The hand-written loss agrees with the library's Huber loss on the same residuals.
    pred = tf.constant(1.5 * x)
    ours, reference = float(huber_loss(y, pred, args.delta)), float(keras.losses.Huber(args.delta)(y, pred))
    assert np.isclose(ours, reference, rtol=1e-5), (ours, reference)

    huber_w, huber_b, huber_final = fit(lambda t, p: huber_loss(t, p, args.delta), x, y, steps, learning_rate=0.05)
    mse_w, mse_b, mse_final = fit(mse_loss, x, y, steps, learning_rate=0.05)
    exact_w, exact_b = np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1).astype(np.float64), y, rcond=None)[0]

    print(f"{y.size} points, {int(is_outlier.sum())} outliers; {steps} Adam steps per fit; Huber delta = {args.delta}")
    print(f"hand-written Huber loss = {ours:.6f}, keras.losses.Huber = {reference:.6f}")
    print(f"{'':16s} {'slope':>8s} {'intercept':>10s} {'final loss':>11s}")
    print(f"{'truth':16s} {TRUE_SLOPE:8.4f} {TRUE_INTERCEPT:10.4f}")
    print(f"{'Huber (tape)':16s} {huber_w:8.4f} {huber_b:10.4f} {huber_final:11.4f}")
    print(f"{'MSE (tape)':16s} {mse_w:8.4f} {mse_b:10.4f} {mse_final:11.4f}")
    print(f"{'MSE (lstsq)':16s} {exact_w:8.4f} {exact_b:10.4f}")
    huber_err = float(np.hypot(huber_w - TRUE_SLOPE, huber_b - TRUE_INTERCEPT))
    mse_err = float(np.hypot(mse_w - TRUE_SLOPE, mse_b - TRUE_INTERCEPT))
    plot = save_plot(args.out, x, y, is_outlier, {"Huber": (huber_w, huber_b), "MSE": (mse_w, mse_b)})
    if plot is not None:
        print(f"figure: {plot}")
    print(f"result: parameter error Huber {huber_err:.4f}, MSE {mse_err:.4f} "
          f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
