"""JPEG/GIF speed, tapegrad vs TensorFlow side by side in one process: ``python -m benchmarks.image_bench``.

Times are CPU seconds of this process (``time.process_time``; the machine may be shared), best of ``--rounds``,
in milliseconds per 224x224 image. The "photo" image is smooth with mild noise (a 224x224 photo at quality 95 is
typically 15–30 kB); "noise" is the worst case for the Python Huffman decoder.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _best(f: Callable[[], Any], rounds: int) -> float:
    f()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        f()
        best = min(best, time.process_time() - t0)
    return best


def _images() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:224, 0:224].astype(np.float64)
    photo = np.stack([128 + 90 * np.sin(x / 23 + y / 41), 128 + 80 * np.cos(x / 37 - y / 19),
                      128 + 60 * np.sin((x + y) / 29)], -1)
    photo = np.clip(photo + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8)
    noise = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    return {"photo": photo, "noise": noise}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf_

    import tapegrad as tg

    rows = []
    for label, image in _images().items():
        base = tg.io.encode_jpeg(image).numpy()
        prog = tf_.io.encode_jpeg(image, progressive=True).numpy()
        for what, fn in (
                (f"decode_jpeg ({label}, q95 4:2:0, {len(base) // 1000} kB)",
                 lambda lib, d=base: lib.io.decode_jpeg(d)),
                (f"decode_jpeg INTEGER_ACCURATE ({label})",
                 lambda lib, d=base: lib.io.decode_jpeg(d, dct_method="INTEGER_ACCURATE")),
                (f"decode_jpeg progressive ({label}, TF's file, {len(prog) // 1000} kB)",
                 lambda lib, d=prog: lib.io.decode_jpeg(d)),
                (f"decode_jpeg ratio=4 ({label})", lambda lib, d=base: lib.io.decode_jpeg(d, ratio=4)),
                (f"encode_jpeg ({label}, defaults)", lambda lib, im=image: lib.io.encode_jpeg(im)),
                (f"encode_jpeg optimize_size ({label})",
                 lambda lib, im=image: lib.io.encode_jpeg(im, optimize_size=True)),
                (f"encode_jpeg progressive ({label})",
                 lambda lib, im=image: lib.io.encode_jpeg(im, progressive=True)),
        ):
            cells = [_best(lambda lib=lib, fn=fn: fn(lib), args.rounds) * 1e3 for lib in (tg, tf_)]
            rows.append((what, cells[0], cells[1]))
    try:
        from PIL import Image

        frames = [Image.fromarray(im).quantize(256) for im in _images().values()]
        b = io.BytesIO()
        frames[0].save(b, "GIF", save_all=True, append_images=frames[1:])
        gif = b.getvalue()
        cells = [_best(lambda lib=lib: lib.io.decode_gif(gif), args.rounds) * 1e3 for lib in (tg, tf_)]
        rows.append((f"decode_gif (2 frames 224x224, {len(gif) // 1000} kB)", cells[0], cells[1]))
    except ImportError:
        pass
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| case | tapegrad | TensorFlow 2.21 | ratio |\n|---|--:|--:|--:|")
    for what, a, b in rows:
        print(f"| {what} | {a:.1f} ms | {b:.2f} ms | {a / b:.0f}x |")


if __name__ == "__main__":
    main()
