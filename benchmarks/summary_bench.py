"""The cost of logging: ``tf.summary.scalar``, ``histogram`` (10,000 values), ``image`` (4 of 32x32x3) and a
2-epoch Keras ``fit`` with and without the ``TensorBoard`` callback; each tapegrad row next to TensorFlow's (when
installed, with TensorBoard) in the same process, the best of ``--rounds`` rounds. Times are CPU seconds of this
process (``time.process_time``: the machine may be shared), reported per call in microseconds.

    PYTHONPATH=src python -m benchmarks.summary_bench [--rounds 3] [--no-tf]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tapegrad as tg


def _best(f: Callable[[], Any], rounds: int, n: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        f()
        best = min(best, time.process_time() - t0)
    return best / n * 1e6


def cases(lib: Any, keras: Any, logdir: str) -> dict[str, tuple[Callable[[], Any], int]]:
    rng = np.random.default_rng(0)
    values = lib.constant(rng.normal(size=10_000).astype(np.float32))
    images = lib.constant(rng.uniform(size=(4, 32, 32, 3)).astype(np.float32))
    writer = lib.summary.create_file_writer(os.path.join(logdir, "bench"))
    x = rng.normal(size=(256, 8)).astype(np.float32)
    y = rng.normal(size=(256, 1)).astype(np.float32)

    def scalars() -> None:
        with writer.as_default(step=0):
            for i in range(500):
                lib.summary.scalar("loss", 0.5, step=i)

    def histograms() -> None:
        with writer.as_default(step=0):
            for i in range(20):
                lib.summary.histogram("w", values, step=i)

    def image() -> None:
        with writer.as_default(step=0):
            for i in range(10):
                lib.summary.image("img", images, step=i, max_outputs=4)

    def fit(callback: bool) -> Callable[[], None]:
        def run() -> None:
            model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                      keras.layers.Dense(1)])
            model.compile(optimizer="sgd", loss="mse")
            cbs = [keras.callbacks.TensorBoard(os.path.join(logdir, "fit"), histogram_freq=1,
                                               update_freq="batch")] if callback else []
            model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=cbs)
        return run

    return {"scalar (per call)": (scalars, 500), "histogram 10k values (per call)": (histograms, 20),
            "image 4x32x32x3 (per call)": (image, 10), "fit 2 epochs, no callback (per fit)": (fit(False), 1),
            "fit 2 epochs, TensorBoard batch+hist (per fit)": (fit(True), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--no-tf", action="store_true")
    args = p.parse_args()
    libs: list[tuple[str, Any, Any]] = [("tapegrad", tg, tg.keras)]
    if not args.no_tf:
        try:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import keras
            import tensorflow as tf

            libs.append(("TF 2.21", tf, keras))
        except ImportError:
            pass
    with tempfile.TemporaryDirectory() as d:
        table = {name: {} for name in cases(tg, tg.keras, d)}
        for label, lib, keras in libs:
            for name, (f, n) in cases(lib, keras, os.path.join(d, label)).items():
                f()  # warm up (imports, tracing)
                table[name][label] = _best(f, args.rounds, n)
    print(f"load average {os.getloadavg()[0]:.1f}; CPU time per call, microseconds (best of {args.rounds})")
    print(f"{'case':48s}" + "".join(f"{label:>14s}" for label, _, _ in libs) + ("   ratio" if len(libs) > 1 else ""))
    for name, row in table.items():
        cells = "".join(f"{row[label]:14.1f}" for label, _, _ in libs)
        ratio = f"   {row['tapegrad'] / row['TF 2.21']:.2f}x" if len(libs) > 1 else ""
        print(f"{name:48s}{cells}{ratio}")


if __name__ == "__main__":
    main()
