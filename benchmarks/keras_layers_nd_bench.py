"""One training step of small models of the layers added in ``keras/layers/convolutional_nd.py``,
``convolutional_recurrent.py`` and ``attention_gqa.py``: tapegrad.keras vs TensorFlow/Keras eager, one thread each.

Models (batch 8, float32, mean squared error, SGD(0.01); a step is ``GradientTape`` forward + backward +
``apply_gradients``):

* ``conv3d``: Conv3D(8, 3, same, relu) → MaxPooling3D(2) → Conv3DTranspose(4, 2, strides 2) → GlobalAveragePooling3D
  → Dense(4), on 8×16×16×2 volumes;
* ``convlstm``: ConvLSTM2D(8, 3, same, sequences) → ConvLSTM2D(4, 3) → Flatten → Dense(4), 6 steps of 12×12×2;
* ``gqa``: GroupQueryAttention(head_dim 16, 8 query heads, 2 key/value heads, causal) → Dense(4) over 32 tokens of 64.

Both libraries run in one process and take turns (``--rounds`` rounds of ``--steps`` steps), so a busy machine slows
them alike; the numbers are the median process CPU time per step and the ratio tapegrad / TensorFlow.

Usage: ``python benchmarks/keras_layers_nd_bench.py [--rounds 7] [--steps 3] [--only conv3d,convlstm,gqa]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy or TensorFlow start their thread pools
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # the working tree's tapegrad


def _model(name: str, keras: Any) -> tuple[Any, list[np.ndarray], np.ndarray]:
    L = keras.layers
    rng = np.random.default_rng(0)
    if name == "conv3d":
        inputs = keras.Input((8, 16, 16, 2))
        h = L.Conv3D(8, 3, padding="same", activation="relu")(inputs)
        h = L.MaxPooling3D(2)(h)
        h = L.Conv3DTranspose(4, 2, strides=2)(h)
        out = L.Dense(4)(L.GlobalAveragePooling3D()(h))
        xs = [rng.standard_normal((8, 8, 16, 16, 2)).astype(np.float32)]
    elif name == "convlstm":
        inputs = keras.Input((6, 12, 12, 2))
        h = L.ConvLSTM2D(8, 3, padding="same", return_sequences=True)(inputs)
        h = L.ConvLSTM2D(4, 3)(h)
        out = L.Dense(4)(L.Flatten()(h))
        xs = [rng.standard_normal((8, 6, 12, 12, 2)).astype(np.float32)]
    else:
        inputs = keras.Input((32, 64))
        h = L.GroupQueryAttention(head_dim=16, num_query_heads=8, num_key_value_heads=2)(inputs, inputs,
                                                                                        use_causal_mask=True)
        out = L.Dense(4)(L.Flatten()(h))
        xs = [rng.standard_normal((8, 32, 64)).astype(np.float32)]
    model = keras.Model(inputs, out)
    weights = [np.asarray(rng.standard_normal(tuple(w.shape)) * 0.1, np.float32) for w in model.weights]
    model.set_weights(weights)
    return model, xs, rng.standard_normal((8, 4)).astype(np.float32)


def _stepper(tf: Any, keras: Any, name: str) -> Callable[[], float]:
    model, xs, y = _model(name, keras)
    opt = keras.optimizers.SGD(0.01)
    x = [tf.constant(v) for v in xs]
    target = tf.constant(y)

    def step() -> float:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x[0], training=True) - target))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return float(loss)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--only", default="conv3d,convlstm,gqa")
    args = parser.parse_args()
    import keras
    import tensorflow as tf

    import tapegrad
    import tapegrad.keras

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    print(f"load average {os.getloadavg()[0]:.1f}; median process CPU ms per step (one library runs at a time)")
    for name in args.only.split(","):
        steps = {"tapegrad": _stepper(tapegrad, tapegrad.keras, name), "tensorflow": _stepper(tf, keras, name)}
        for fn in steps.values():  # warm-up: first-call tracing and allocation
            fn()
        times: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(args.rounds):
            for lib, fn in steps.items():
                for _ in range(args.steps):
                    t0 = time.process_time()
                    fn()
                    times[lib].append((time.process_time() - t0) * 1e3)
        med = {lib: statistics.median(v) for lib, v in times.items()}
        print(f"{name:9s} tapegrad {med['tapegrad']:8.2f}  tensorflow {med['tensorflow']:8.2f}  "
              f"ratio {med['tapegrad'] / med['tensorflow']:.2f}")


if __name__ == "__main__":
    main()
