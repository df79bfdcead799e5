"""A small LSTM training step in tapegrad, PyTorch (eager) and TensorFlow (eager), one thread each.

The step: ``LSTM(64)`` over a (32, 20, 16) float32 batch → ``Dense(1)`` → mean squared error → gradients of all
weights → one SGD update. Every framework runs in its own fresh process with ``OMP_NUM_THREADS=1`` (and its own
one-thread settings), warms up, then times ``--steps`` steps; the table reports the median per-step CPU time of
the process (robust on a shared machine) and the median wall time.

* tapegrad: ``keras.layers.LSTM`` + ``keras.layers.Dense`` under a ``GradientTape``, ``keras.optimizers.SGD``;
  ``tapegrad-fn``: the same with the forward and backward pass compiled by ``tapegrad.function``;
  ``tapegrad-fit``: the step ``model.fit`` runs (``compile`` + ``train_on_batch``, a compiled ``train_step``).
* PyTorch: ``torch.nn.LSTM(batch_first=True)`` + ``nn.Linear``, ``loss.backward()``, ``torch.optim.SGD``
  (its LSTM is one fused C++ op; ``--torch-cell`` adds a row for an ``nn.LSTMCell`` loop written in Python).
* TensorFlow: ``tf.keras.layers.LSTM`` + ``Dense`` under ``tf.GradientTape`` (eager, no ``tf.function``).

    python benchmarks/lstm_bench.py [--steps 50] [--torch-cell] [--batch 32 --time 20 --features 16 --units 64]
    python benchmarks/lstm_bench.py --interleaved [--rounds 10 --steps 5]   # one process, frameworks take turns
                                                # (tapegrad, tapegrad-fit, torch, tensorflow; --only to choose)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _data(args: argparse.Namespace):  # noqa: ANN202
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.batch, args.time, args.features)).astype(np.float32)
    y = rng.standard_normal((args.batch, 1)).astype(np.float32)
    return x, y


def _timed(step, steps: int, warmup: int = 5) -> dict[str, float]:  # noqa: ANN001
    for _ in range(warmup):
        step()
    cpu, wall = [], []
    for _ in range(steps):
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_ms": statistics.median(cpu) * 1e3, "wall_ms": statistics.median(wall) * 1e3}


def _keras_step(tf, keras, args: argparse.Namespace, compiled: bool = False, timed: bool = True):  # noqa: ANN001, ANN202
    """The same program for tapegrad and TensorFlow: a Keras LSTM + Dense under a GradientTape, SGD. With
    ``compiled``, the forward and backward pass run as one ``tf.function`` (the optimizer step stays eager).
    Returns the timings, or the step function itself when not ``timed``."""
    x, y = (tf.constant(a) for a in _data(args))
    lstm, dense = keras.layers.LSTM(args.units), keras.layers.Dense(1)
    dense(lstm(x))
    weights = lstm.trainable_weights + dense.trainable_weights
    opt = keras.optimizers.SGD(0.01)

    def gradients(x, y):  # noqa: ANN001, ANN202
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(dense(lstm(x)) - y))
        return tape.gradient(loss, weights)

    grads = tf.function(gradients) if compiled else gradients

    def step() -> None:
        opt.apply_gradients(zip(grads(x, y), weights))

    return _timed(step, args.steps) if timed else step


def _fit_step(keras, args: argparse.Namespace, timed: bool = True):  # noqa: ANN001, ANN202
    """The step ``model.fit`` runs on the same model (``compile`` + ``train_on_batch``: a compiled train_step)."""
    x, y = _data(args)
    model = keras.Sequential([keras.Input((args.time, args.features)), keras.layers.LSTM(args.units),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")

    def step() -> None:
        model.train_on_batch(x, y)

    return _timed(step, args.steps) if timed else step


def run_tapegrad_fit(args: argparse.Namespace) -> dict[str, float]:
    from tapegrad import keras

    return _fit_step(keras, args)


def run_tapegrad(args: argparse.Namespace) -> dict[str, float]:
    import tapegrad as tf
    from tapegrad import keras

    return _keras_step(tf, keras, args)


def run_tapegrad_function(args: argparse.Namespace) -> dict[str, float]:
    import tapegrad as tf
    from tapegrad import keras

    return _keras_step(tf, keras, args, compiled=True)


def run_torch(args: argparse.Namespace, cell: bool = False, timed: bool = True):  # noqa: ANN201
    import torch

    torch.set_num_threads(1)
    x, y = (torch.from_numpy(a) for a in _data(args))
    head = torch.nn.Linear(args.units, 1)
    if cell:
        rnn = torch.nn.LSTMCell(args.features, args.units)

        def forward() -> torch.Tensor:
            h = torch.zeros(args.batch, args.units)
            c = torch.zeros(args.batch, args.units)
            for t in range(args.time):
                h, c = rnn(x[:, t], (h, c))
            return head(h)
    else:
        rnn = torch.nn.LSTM(args.features, args.units, batch_first=True)

        def forward() -> torch.Tensor:
            return head(rnn(x)[0][:, -1])
    opt = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=0.01)

    def step() -> None:
        opt.zero_grad()
        loss = torch.mean((forward() - y) ** 2)
        loss.backward()
        opt.step()

    return _timed(step, args.steps) if timed else step


def run_tensorflow(args: argparse.Namespace) -> dict[str, float]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    return _keras_step(tf, tf.keras, args)


def run_interleaved(args: argparse.Namespace, names: list[str]) -> dict[str, dict[str, float]]:
    """All frameworks in this one process (thread pools at one thread), taking turns: ``--rounds`` rounds of
    ``--steps`` steps each, so a busy machine slows all of them alike; medians of the per-step CPU/wall times."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    sys.path.insert(0, str(ROOT / "src"))
    steps = {}
    for name in names:
        if name == "torch":
            steps[name] = run_torch(args, timed=False)
        elif name == "tapegrad":
            import tapegrad as tg

            steps[name] = _keras_step(tg, tg.keras, args, timed=False)
        elif name == "tapegrad-fit":
            import tapegrad as tg

            steps[name] = _fit_step(tg.keras, args, timed=False)
        elif name == "tensorflow":
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
            steps[name] = _keras_step(tf, tf.keras, args, timed=False)
        for _ in range(5):
            steps[name]()
    cpu: dict[str, list[float]] = {n: [] for n in steps}
    wall: dict[str, list[float]] = {n: [] for n in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            for _ in range(args.steps):
                c0, w0 = time.process_time(), time.perf_counter()
                step()
                cpu[name].append(time.process_time() - c0)
                wall[name].append(time.perf_counter() - w0)
    return {n: {"cpu_ms": statistics.median(cpu[n]) * 1e3, "wall_ms": statistics.median(wall[n]) * 1e3}
            for n in steps}


RUNNERS = {"tapegrad": run_tapegrad, "tapegrad-fn": run_tapegrad_function, "tapegrad-fit": run_tapegrad_fit,
           "torch": run_torch,
           "torch-cell": lambda a: run_torch(a, cell=True), "tensorflow": run_tensorflow}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--time", type=int, default=20)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--torch-cell", action="store_true", help="also time an nn.LSTMCell loop in Python")
    parser.add_argument("--only", default=None, help="comma-separated frameworks (default: all)")
    parser.add_argument("--interleaved", action="store_true",
                        help="tapegrad, tapegrad-fit, torch and tensorflow (eager) in one process, taking turns "
                             "(--rounds)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of --steps steps with --interleaved")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(RUNNERS[args.child](args)))
        return 0
    names = ["tapegrad", "tapegrad-fn", "tapegrad-fit", "torch", "tensorflow"] + (["torch-cell"] if args.torch_cell
                                                                                     else [])
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    if args.interleaved:
        names = [n for n in names if n in ("tapegrad", "tapegrad-fit", "torch", "tensorflow")]
        results = run_interleaved(args, names)
        _report(args, results, f"{args.rounds} interleaved rounds of {args.steps} steps, one process")
        return 0
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    results = {}
    for name in names:
        cmd = [sys.executable, __file__, "--child", name, *[f"--{k}={getattr(args, k)}" for k in
                                                             ("steps", "batch", "time", "features", "units")]]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        results[name] = json.loads(lines[-1]) if lines else {"error": proc.stderr.strip().splitlines()[-1:]}
    _report(args, results, f"median of {args.steps} steps, one process per framework")
    return 0


def _report(args: argparse.Namespace, results: dict, how: str) -> None:
    base = results.get("torch", {}).get("cpu_ms")
    print(f"LSTM({args.units}) training step, batch {args.batch}, {args.time} steps, {args.features} features, "
          f"one thread ({how})")
    print(f"{'framework':<12} {'CPU ms/step':>12} {'wall ms/step':>13} {'CPU vs torch':>13}")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<12} error: {r['error']}")
            continue
        ratio = f"{r['cpu_ms'] / base:.2f}x" if base else "-"
        print(f"{name:<12} {r['cpu_ms']:>12.2f} {r['wall_ms']:>13.2f} {ratio:>13}")


if __name__ == "__main__":
    raise SystemExit(main())
