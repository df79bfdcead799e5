"""A multilayer perceptron on scikit-learn's 8x8 handwritten digits, trained with tapegrad.

The data set is the one bundled with scikit-learn (``sklearn.datasets.load_digits``: 1,797 images of 8x8 pixels
with values 0..16, ten classes; no download). A seeded, stratified 75/25 split gives 1,347 training and 450 test
images. The model is a ``tapegrad.keras.Sequential`` MLP (64 -> 128 -> 64 -> 10, ReLU, dropout) trained with
sparse categorical cross-entropy on logits and Adam.

Two ways to train it, with the same model, loss and optimizer:

* default: a hand-written loop — ``with tf.GradientTape() as tape: loss = loss_fn(y, model(x, training=True))``,
  ``tape.gradient(loss, model.trainable_variables)``, ``optimizer.apply_gradients(...)`` — with a tqdm progress bar;
* ``--fit``: Keras-style ``model.compile(...)`` / ``model.fit(..., validation_data=...)``, the tqdm bar driven by a
  small ``keras.callbacks.Callback``.

After training it prints the test accuracy (the full run reaches well over 95%) and saves the loss and accuracy
curves (train and test, per epoch) as a PNG with matplotlib.

Needs the ``examples`` extra (scikit-learn, tqdm, matplotlib)::

    pip install -e ".[examples]"
    python examples/digits_mlp.py [--quick] [--fit] [--out DIR] [--epochs N] [--seed N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tapegrad as tf  # noqa: E402
from tapegrad import keras  # noqa: E402

Curves = dict[str, list[float]]


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pixels scaled to [0, 1] as float32, labels as int64; stratified 75/25 split."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed)
    return x_train, x_test, y_train, y_test


def build_model() -> keras.Sequential:
    return keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10),  # logits
    ])


def evaluate(model: keras.Model, loss_fn: keras.losses.Loss, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean loss, accuracy) of the model in inference mode (dropout off)."""
    logits = model(x, training=False)
    loss = float(loss_fn(y, logits))
    accuracy = float(np.mean(np.argmax(logits.numpy(), axis=1) == y))
    return loss, accuracy


def train_with_tape(model: keras.Model, data: tuple[np.ndarray, ...], epochs: int, batch_size: int,
                    seed: int) -> Curves:
    """The explicit GradientTape loop; per-epoch train/test loss and accuracy."""
    x_train, x_test, y_train, y_test = data
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    rng = np.random.default_rng(seed)
    n_batches = -(-len(x_train) // batch_size)
    curves: Curves = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    with tqdm(total=epochs * n_batches, unit="batch", desc="training", dynamic_ncols=True) as bar:
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            for start in range(0, len(x_train), batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    logits = model(x_train[idx], training=True)
                    loss = loss_fn(y_train[idx], logits)
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                bar.update(1)
            train_loss, train_acc = evaluate(model, loss_fn, x_train, y_train)
            test_loss, test_acc = evaluate(model, loss_fn, x_test, y_test)
            for key, value in zip(curves, (train_loss, train_acc, test_loss, test_acc)):
                curves[key].append(value)
            bar.set_postfix(epoch=epoch + 1, loss=f"{train_loss:.4f}", test_acc=f"{test_acc:.4f}")
    return curves


class TqdmCallback(keras.callbacks.Callback):
    """A tqdm bar over all training batches of ``fit``, showing the epoch's logs."""

    def __init__(self, total_steps: int) -> None:
        super().__init__()
        self.total_steps = total_steps
        self.bar: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.bar = tqdm(total=self.total_steps, unit="batch", desc="model.fit", dynamic_ncols=True)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.bar.update(1)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.bar.set_postfix(epoch=epoch + 1, loss=f"{logs.get('loss', float('nan')):.4f}",
                             val_acc=f"{logs.get('val_accuracy', float('nan')):.4f}")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.bar.close()


def train_with_fit(model: keras.Model, data: tuple[np.ndarray, ...], epochs: int, batch_size: int) -> Curves:
    """The same training through ``compile``/``fit``; the curves come from the returned ``History``."""
    x_train, x_test, y_train, y_test = data
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    steps = epochs * -(-len(x_train) // batch_size)
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_data=(x_test, y_test),
                        verbose=0, callbacks=[TqdmCallback(steps)])
    # fit's "loss"/"accuracy" are running means over the epoch's batches (with dropout), as in Keras.
    return {key: [float(v) for v in history.history[key]] for key in ("loss", "accuracy", "val_loss", "val_accuracy")}


def save_curves(curves: Curves, path: Path, title: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    epochs = np.arange(1, len(curves["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, curves["loss"], label="train")
    ax_loss.plot(epochs, curves["val_loss"], label="test")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_yscale("log")
    ax_loss.set_title("loss")
    ax_loss.legend()
    ax_acc.plot(epochs, curves["accuracy"], label="train")
    ax_acc.plot(epochs, curves["val_accuracy"], label="test")
    ax_acc.axhline(0.95, color="gray", linestyle=":", label="95%")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_title("accuracy")
    ax_acc.legend(loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs (checks the code path for CI, not accuracy)")
    parser.add_argument("--fit", action="store_true", help="train with model.compile/fit instead of a tape loop")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 40; 2 with --quick)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("figures"), help="directory for the figure")
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (2 if args.quick else 40)

    start = time.perf_counter()
    keras.utils.set_random_seed(args.seed)  # weight initialisation and dropout masks
    data = load_data(args.seed)
    x_train, x_test, y_train, y_test = data
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels, 10 classes")
    model = build_model()
    print(f"MLP 64-128-64-10, {model.count_params()} parameters; {epochs} epochs, batch size {args.batch_size}, "
          f"{'model.fit' if args.fit else 'GradientTape loop'}")
    if args.fit:
        curves = train_with_fit(model, data, epochs, args.batch_size)
    else:
        curves = train_with_tape(model, data, epochs, args.batch_size, args.seed)
    seconds = time.perf_counter() - start

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    test_loss, test_acc = evaluate(model, loss_fn, x_test, y_test)
    path = args.out / f"digits_mlp{'_fit' if args.fit else ''}.png"
    save_curves(curves, path, f"tapegrad MLP on 8x8 digits: test accuracy {test_acc:.2%}")
    print(f"figure: {path}")
    print(f"result: test accuracy {test_acc:.4f} (test loss {test_loss:.4f}) after {epochs} epochs in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
