"""``tf.distribute`` overhead: CPU time per ``Model.fit`` step and per custom-loop step (``tapegrad.function`` around
``strategy.run``) of a small MLP (32→64→1, global batch 64) under the default strategy, ``MirroredStrategy`` with one
and with two logical CPUs (one process), and, when launched with ``mpiexec -n 2 python -m mpi4py
benchmarks/distribute_bench.py``, ``MultiWorkerMirroredStrategy`` (one replica per process; the slowest rank's time).

Run plainly: ``python benchmarks/distribute_bench.py``. The replicas of one process take turns on one core
(tapegrad's MirroredStrategy exists for TF-compatible programs and tests, not for speed); the numbers measure the
strategy's overhead per step. Median of 5 repeats of 64 steps each, CPU time (``time.process_time``).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

sys.path.insert(0, __file__.rsplit("/benchmarks/", 1)[0] + "/src")
import tapegrad as tf  # noqa: E402

STEPS = 64


def _model() -> object:
    m = tf.keras.Sequential([tf.keras.Input((32,)), tf.keras.layers.Dense(64, activation="relu"),
                             tf.keras.layers.Dense(1)])
    m.set_weights([np.full((32, 64), 0.01, np.float32), np.zeros(64, np.float32), np.full((64, 1), 0.01, np.float32),
                   np.zeros(1, np.float32)])
    return m


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(64 * STEPS, 32)).astype(np.float32), rng.normal(size=(64 * STEPS, 1)).astype(np.float32)


def fit_step(strategy: object) -> float:
    x, y = _data()
    with strategy.scope():
        m = _model()
        m.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
    m.fit(x[:256], y[:256], batch_size=64, epochs=1, verbose=0, shuffle=False)
    times = []
    for _ in range(5):
        t = time.process_time()
        m.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
        times.append((time.process_time() - t) / STEPS)
    return statistics.median(times)


def loop_step(strategy: object) -> float:
    x, y = _data()
    with strategy.scope():
        m = _model()
        opt = tf.keras.optimizers.SGD(0.01)
    data = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(64))

    @tf.function
    def train(inputs: object) -> object:
        def step(bx: object, by: object) -> object:
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(tf.reduce_sum(tf.square(m(bx, training=True) - by), axis=1))
            opt.apply_gradients(zip(tape.gradient(loss, m.trainable_variables), m.trainable_variables))
            return loss

        return strategy.reduce("SUM", strategy.run(step, args=inputs), axis=None)

    batches = list(data)
    for b in batches[:4]:
        train(b)
    times = []
    for _ in range(5):
        t = time.process_time()
        for b in batches:
            train(b)
        times.append((time.process_time() - t) / STEPS)
    return statistics.median(times)


def main() -> None:
    mw = tf.distribute.MultiWorkerMirroredStrategy()
    if mw.num_replicas_in_sync > 1:
        from tapegrad.distributed import _ops as mpi

        rows = [("MultiWorkerMirroredStrategy, 2 processes", mw)]
        out = []
        for name, s in rows:
            f, c = fit_step(s), loop_step(s)
            f, c = (float(mpi.allreduce(np.float64(v), op=mpi.Max)) for v in (f, c))
            out.append(f"| {name} | {f * 1e3:.3f} | {c * 1e3:.3f} |")
        if int(mw.extended.worker_devices[0].split("task:")[1].split("/")[0]) == 0:
            print("\n".join(out))
        return
    rows = [("default strategy", tf.distribute.get_strategy()),
            ("MirroredStrategy, 1 logical CPU", tf.distribute.MirroredStrategy(["/cpu:0"])),
            ("MirroredStrategy, 2 logical CPUs", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))]
    print("| strategy | fit ms/step (CPU) | custom loop ms/step (CPU) |\n|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {fit_step(s) * 1e3:.3f} | {loop_step(s) * 1e3:.3f} |")


if __name__ == "__main__":
    main()
