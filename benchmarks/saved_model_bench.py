"""``tf.saved_model`` and ``tf.queue`` side by side with TensorFlow 2.21, in one process (interleaved rounds; the
minimum of each is reported: CPU time of the process, all threads, in milliseconds or microseconds per call).

* an MLP module (784-128-10, tanh; a ``__call__`` with a ``[None, 784]`` input_signature): save, load, and a call
  at batch 32 of the original function, of the restored one, and TF's restored one;
* a ``FIFOQueue`` of float32 ``[16]`` vectors: 1000 enqueues then 1000 dequeues on one thread, and 1000 elements
  through ``enqueue_many``/``dequeue_many(50)``.

    PYTHONPATH=src python -m benchmarks.saved_model_bench [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _module(tf: Any, w1: np.ndarray, w2: np.ndarray) -> Any:
    class MLP(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w1 = tf.Variable(w1)
            self.w2 = tf.Variable(w2)

        @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32)])
        def __call__(self, x: Any) -> Any:
            return tf.matmul(tf.tanh(tf.matmul(x, self.w1)), self.w2)

    return MLP()


def _time(f: Callable[[], Any], n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        f()
    return (time.process_time() - t0) / n


def _one_by_one(lib: Any) -> None:
    vec = np.ones(16, "float32")
    q = lib.queue.FIFOQueue(1000, lib.float32, shapes=[[16]])
    for _ in range(1000):
        q.enqueue(vec)
    for _ in range(1000):
        q.dequeue()


def _batched(lib: Any) -> None:
    q = lib.queue.FIFOQueue(1000, lib.float32, shapes=[[16]])
    q.enqueue_many([np.ones((1000, 16), "float32")])
    for _ in range(20):
        q.dequeue_many(50)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as real

    import tapegrad as tg

    rng = np.random.default_rng(0)
    w1 = rng.normal(size=(784, 128)).astype("float32") * 0.05
    w2 = rng.normal(size=(128, 10)).astype("float32") * 0.05
    x = rng.normal(size=(32, 784)).astype("float32")
    root = tempfile.mkdtemp()
    libs = {"tapegrad": tg, "tensorflow": real}
    mods = {k: _module(lib, w1, w2) for k, lib in libs.items()}
    xs = {k: lib.constant(x) for k, lib in libs.items()}
    best: dict[str, float] = {}

    def note(key: str, seconds: float) -> None:
        best[key] = min(best.get(key, float("inf")), seconds)

    loaded: dict[str, Any] = {}
    for r in range(args.rounds):
        for k, lib in libs.items():
            path = os.path.join(root, f"{k}{r}")
            t0 = time.process_time()
            lib.saved_model.save(mods[k], path)
            note(f"save {k} (ms)", (time.process_time() - t0) * 1e3)
            t0 = time.process_time()
            loaded[k] = lib.saved_model.load(path)
            loaded[k](xs[k])  # the first call (tapegrad compiles here; TF's restored function is ready)
            note(f"load + first call {k} (ms)", (time.process_time() - t0) * 1e3)
        for k in libs:
            mods[k](xs[k])
            note(f"call original {k} (us)", _time(lambda k=k: mods[k](xs[k]), 300) * 1e6)
            note(f"call restored {k} (us)", _time(lambda k=k: loaded[k](xs[k]), 300) * 1e6)
        for k, lib in libs.items():
            note(f"queue 1000 enqueue+dequeue {k} (ms)", _time(lambda lib=lib: _one_by_one(lib), 1) * 1e3)
            note(f"queue enqueue_many+20 dequeue_many(50) {k} (ms)", _time(lambda lib=lib: _batched(lib), 3) * 1e3)
    shutil.rmtree(root, ignore_errors=True)
    same = np.allclose(loaded["tapegrad"](xs["tapegrad"]).numpy(), loaded["tensorflow"](xs["tensorflow"]).numpy(),
                       rtol=1e-4, atol=1e-5)
    print(f"load average {os.getloadavg()[0]:.1f}; restored outputs agree with TF's: {same}")
    rows = sorted({k.replace(" tapegrad", "").replace(" tensorflow", "") for k in best})
    print(f"{'case':45s} {'tapegrad':>10s} {'tensorflow':>11s} {'ratio':>7s}")
    for row in rows:
        head, unit = row.rsplit(" (", 1)
        a, b = best[f"{head} tapegrad ({unit}"], best[f"{head} tensorflow ({unit}"]
        print(f"{row:45s} {a:10.2f} {b:11.2f} {a / b:7.2f}")


if __name__ == "__main__":
    main()
