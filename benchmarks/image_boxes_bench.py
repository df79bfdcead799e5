"""``tf.image.crop_and_resize`` (forward, and forward + image and box gradients) and ``non_max_suppression``,
tapegrad vs TensorFlow side by side in one process: CPU milliseconds per call (``time.process_time``; the machine
may be shared), the best of three rounds of ``--calls`` calls.

    PYTHONPATH=src python -m benchmarks.image_boxes_bench [--calls 10]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _best_ms(fn: Callable[[], Any], calls: int) -> float:
    fn()
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - t0) / calls)
    return best * 1e3


def _cases(lib: Any) -> dict[str, Callable[[], Any]]:
    rng = np.random.default_rng(0)
    img = lib.constant(rng.normal(size=(8, 64, 64, 16)).astype(np.float32))
    c, s = rng.uniform(0.2, 0.8, (100, 2)), rng.uniform(0.05, 0.3, (100, 2))
    boxes = lib.constant(np.concatenate([c - s, c + s], 1).astype(np.float32))
    ind = lib.constant(rng.integers(0, 8, 100).astype(np.int32))
    corner = rng.uniform(0, 1, (2000, 2))
    nms_boxes = lib.constant(np.concatenate([corner, corner + rng.uniform(0.01, 0.1, (2000, 2))], 1)
                             .astype(np.float32))
    nms_scores = lib.constant(rng.uniform(size=2000).astype(np.float32))

    def grads() -> Any:
        with lib.GradientTape() as tape:
            tape.watch([img, boxes])
            y = lib.reduce_sum(lib.image.crop_and_resize(img, boxes, ind, [14, 14]) ** 2)
        return tape.gradient(y, [img, boxes])

    return {"crop_and_resize 100 boxes 14x14": lambda: lib.image.crop_and_resize(img, boxes, ind, [14, 14]),
            "crop_and_resize + gradients": grads,
            "non_max_suppression 2000 -> 200": lambda: lib.image.non_max_suppression(nms_boxes, nms_scores, 200,
                                                                                      0.5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    import tapegrad as tg

    try:
        import tensorflow as tf
    except ImportError:
        tf = None
    print(f"load average {os.getloadavg()}")
    ours = _cases(tg)
    theirs = _cases(tf) if tf is not None else {}
    for name, fn in ours.items():
        t = _best_ms(fn, args.calls)
        if name in theirs:
            r = _best_ms(theirs[name], args.calls)
            print(f"{name:36s} TF {r:8.2f} ms   tapegrad {t:8.2f} ms   ratio {t / r:6.2f}")
        else:
            print(f"{name:36s} tapegrad {t:8.2f} ms")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
