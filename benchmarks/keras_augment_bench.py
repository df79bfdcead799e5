"""The Keras augmentation layers of ``keras/layers/preprocessing_augment*.py`` and ``preprocessing_audio.py``:
one eager call on a batch, tapegrad.keras vs Keras 3 on TensorFlow, in one process, one thread each.

Each layer is built with the same arguments and seed in both libraries; they take turns (``--rounds`` rounds of
``--calls`` calls each, so a busy machine slows both alike). Reported: the median CPU time per call of each
library and the ratio tapegrad / Keras (below 1: tapegrad is faster).

Usage: ``python benchmarks/keras_augment_bench.py [--rounds 7] [--calls 3] [--only AutoContrast,MixUp]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy or TensorFlow start their thread pools
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # the working tree's tapegrad

IMAGES = np.random.default_rng(0).uniform(0, 255, (8, 64, 64, 3)).astype("float32")
AUDIO = np.random.default_rng(1).standard_normal((4, 16000)).astype("float32")

CASES: dict[str, tuple[str, dict[str, Any], Any]] = {
    "AutoContrast": ("AutoContrast", {}, IMAGES),
    "Equalization": ("Equalization", {}, IMAGES),
    "RandomColorJitter": ("RandomColorJitter", {"brightness_factor": 0.2, "contrast_factor": 0.2,
                                                "saturation_factor": 0.5, "hue_factor": 0.1, "seed": 1}, IMAGES),
    "RandomSharpness": ("RandomSharpness", {"factor": 0.5, "seed": 1}, IMAGES),
    "RandomErasing": ("RandomErasing", {"seed": 1}, IMAGES),
    "RandomGaussianBlur": ("RandomGaussianBlur", {"kernel_size": 5, "seed": 1}, IMAGES),
    "MixUp": ("MixUp", {"seed": 1}, IMAGES),
    "CutMix": ("CutMix", {"seed": 1}, IMAGES),
    "RandomPerspective": ("RandomPerspective", {"seed": 1}, IMAGES),
    "RandomElasticTransform": ("RandomElasticTransform", {"seed": 1}, IMAGES),
    "RandAugment": ("RandAugment", {"seed": 1}, IMAGES),
    "CLAHE": ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (4, 4)}, IMAGES),
    "STFTSpectrogram": ("STFTSpectrogram", {"frame_length": 256, "frame_step": 128}, AUDIO[..., None]),
    "MelSpectrogram": ("MelSpectrogram", {"fft_length": 512, "sequence_stride": 256, "num_mel_bins": 64}, AUDIO),
}


def _time(fn: Any, calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from tapegrad import keras as tkeras

    names = [n for n in CASES if not args.only or n in args.only.split(",")]
    print(f"load average {os.getloadavg()[0]:.1f}; batch {IMAGES.shape} images, {AUDIO.shape} audio; median CPU ms "
          f"per eager call over {args.rounds} rounds of {args.calls}")
    print(f"{'layer':<24}{'tapegrad':>10}{'keras/TF':>10}{'ratio':>8}")
    for name in names:
        cls, kw, x = CASES[name]
        ours, theirs = getattr(tkeras.layers, cls)(**kw), getattr(keras.layers, cls)(**kw)
        ours(x), theirs(x)  # build, first-call costs
        t_ours, t_theirs = [], []
        for _ in range(args.rounds):
            t_ours.append(_time(lambda ours=ours, x=x: np.asarray(ours(x)), args.calls))
            t_theirs.append(_time(lambda theirs=theirs, x=x: np.asarray(theirs(x)), args.calls))
        a, b = statistics.median(t_ours) * 1e3, statistics.median(t_theirs) * 1e3
        print(f"{name:<24}{a:>10.2f}{b:>10.2f}{a / b:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
