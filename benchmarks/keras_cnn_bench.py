"""One training step of a small CNN: tapegrad.keras vs PyTorch eager vs TensorFlow/Keras eager, one thread each.

The model is the reference's small CNN (``keras_layers_data.md`` §1): Conv2D(8, 3, relu) → MaxPooling2D →
Conv2D(16, 3, same) → BatchNormalization → GlobalAveragePooling2D → Dense(10), on 28×28×1 inputs, batch 64,
sparse softmax cross-entropy, SGD(0.01) — a step is forward + backward + update (``GradientTape`` +
``apply_gradients``; PyTorch: ``loss.backward()`` + ``optimizer.step()``). ``tapegrad-fit`` is the step a Keras user's
``model.fit`` runs: ``compile`` + ``train_on_batch``, whose ``train_step`` is a compiled ``tapegrad.function``
(``tapegrad-fit-jit``: compiled with ``jit_compile=True``, which needs numba; ``tensorflow-fit``, optional: the same
under TF, a ``tf.function``). All of them run in one
process (every thread pool at one thread); the frameworks take turns (``--rounds`` rounds of ``--steps`` steps
each, so a busy machine slows all of them alike); the numbers are the median CPU time per step (and the wall
time), and the ratio divides by PyTorch's CPU time.

``--ops`` also times each op's rules (forward and gradient) inside the tapegrad steps: thread CPU time, nested ops
excluded, per step; what is left is the Python outside the ops (layers, tape, optimizer). Inside a running step the
large ops cost up to 2x what they cost timed alone, so this is the profile to optimise against.

Usage: ``python benchmarks/keras_cnn_bench.py [--rounds 15] [--steps 5] [--batch 64] [--only tapegrad,torch,...]
[--ops]``
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy, PyTorch or TensorFlow start their thread pools
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # the working tree's tapegrad


def _data(batch: int) -> tuple:
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.standard_normal((batch, 28, 28, 1)).astype(np.float32), rng.integers(0, 10, batch)


def _model(keras: Any) -> Any:
    L = keras.layers
    return keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(),
                             L.Conv2D(16, 3, padding="same"), L.BatchNormalization(), L.GlobalAveragePooling2D(),
                             L.Dense(10)])


def fit_step(keras: Any, batch: int, jit_compile: Any = "auto") -> Callable[[], None]:
    """The step ``model.fit`` runs: ``compile`` + ``train_on_batch`` (a compiled ``train_step``, the loss tracked
    as a metric), as a Keras user trains."""
    x, y = _data(batch)
    model = _model(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=jit_compile)
    y = y.astype("int32")
    return lambda: model.train_on_batch(x, y)


def keras_step(tf: Any, keras: Any, batch: int) -> Callable[[], None]:
    x, y = _data(batch)
    model = _model(keras)
    opt = keras.optimizers.SGD(0.01)
    xt, yt = tf.constant(x), tf.constant(y.astype("int32"))

    def step() -> None:
        with tf.GradientTape() as tape:
            logits = model(xt, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yt, logits=logits))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))

    return step


def torch_step(batch: int) -> Callable[[], None]:
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x, y = _data(batch)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.BatchNorm2d(16, eps=1e-3, momentum=0.01), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
        torch.nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    yt = torch.from_numpy(y).long()
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()

    return step


def make_step(framework: str, batch: int) -> Callable[[], None]:
    if framework == "torch":
        return torch_step(batch)
    if framework in ("tensorflow", "tensorflow-fit"):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        return fit_step(tf.keras, batch) if framework == "tensorflow-fit" else keras_step(tf, tf.keras, batch)
    import tapegrad as tg

    if framework == "tapegrad-fit":
        return fit_step(tg.keras, batch)
    if framework == "tapegrad-fit-jit":  # compile(jit_compile=True): elementwise chains fused by Numba (an extra)
        return fit_step(tg.keras, batch, jit_compile=True)
    return keras_step(tg, tg.keras, batch)


def op_profile(make: Callable[[], Callable[[], None]], n: int = 60) -> dict[str, float]:
    """µs per step spent in each op's forward and gradient rule while the step ``make()`` returns runs (thread CPU
    time, nested ops' time not counted twice), and ``"(outside the ops)"``. The rules are wrapped only while this
    runs; the step is made (and a compiled one traced) inside, so a compiled program calls the wrapped rules."""
    from tapegrad._registry import OPS

    spent: dict[str, int] = {}
    stack = [0]
    clock = time.thread_time_ns

    def timed(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = clock()
            stack.append(0)
            try:
                return fn(*args, **kwargs)
            finally:
                dt = clock() - t0
                spent[key] = spent.get(key, 0) + dt - stack.pop()
                stack[-1] += dt
        return run

    saved = {name: (op.fwd, op.vjp) for name, op in OPS.items()}
    try:
        for name, op in OPS.items():
            op.fwd = timed(f"{name} (forward)", op.fwd)
            if callable(op.vjp):
                op.vjp = timed(f"{name} (gradient)", op.vjp)
        step = make()
        for _ in range(5):
            step()
        spent.clear()
        t0 = clock()
        for _ in range(n):
            step()
        total = clock() - t0
    finally:
        for name, (fwd, vjp) in saved.items():
            OPS[name].fwd, OPS[name].vjp = fwd, vjp
    out = {k: v / n / 1e3 for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    out["(outside the ops)"] = (total - sum(spent.values())) / n / 1e3
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--only", default="tapegrad,tapegrad-fit,torch,tensorflow",
                        help="comma-separated: tapegrad (eager GradientTape step), tapegrad-fit (model.fit's compiled "
                             "step), tapegrad-fit-jit (the same with compile(jit_compile=True): needs numba), torch, "
                             "tensorflow (eager), tensorflow-fit (Keras 3 train_on_batch: tf.function)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--ops", action="store_true", help="also time each op's rules inside the tapegrad steps")
    args = parser.parse_args(argv)
    steps = {}
    for fw in args.only.split(","):
        try:
            steps[fw] = make_step(fw, args.batch)
            for _ in range(5):  # warm-up (and TF's first-call setup)
                steps[fw]()
        except Exception as exc:  # noqa: BLE001 - a missing framework is reported, the others still run
            print(f"  {fw:<16} unavailable: {type(exc).__name__}: {exc}")
            steps.pop(fw, None)
    wall: dict[str, list[float]] = {fw: [] for fw in steps}
    cpu: dict[str, list[float]] = {fw: [] for fw in steps}
    for _ in range(args.rounds):
        for fw, step in steps.items():
            for _ in range(args.steps):
                t0, c0 = time.perf_counter(), time.process_time()
                step()
                wall[fw].append(time.perf_counter() - t0)
                cpu[fw].append(time.process_time() - c0)
    results = {}
    for fw in steps:
        w, c = sorted(wall[fw]), sorted(cpu[fw])
        results[fw] = {"cpu_median_ms": 1e3 * c[len(c) // 2], "wall_median_ms": 1e3 * w[len(w) // 2],
                       "wall_min_ms": 1e3 * w[0], "steps": len(w)}
    base = results.get("torch", {}).get("cpu_median_ms")
    print(f"small CNN training step, batch {args.batch}, one thread, {args.rounds} interleaved rounds of "
          f"{args.steps} steps (CPU time is robust on a shared machine; wall time is not)")
    for fw, r in results.items():
        ratio = f"{r['cpu_median_ms'] / base:5.2f}x torch" if base else ""
        print(f"  {fw:<16} CPU {r['cpu_median_ms']:7.2f} ms/step  {ratio}   wall median {r['wall_median_ms']:7.2f}, "
              f"min {r['wall_min_ms']:.2f}")
    if args.ops:
        for fw in (f for f in steps if f.startswith("tapegrad")):
            prof = op_profile(lambda fw=fw: make_step(fw, args.batch))
            print(f"  {fw}: µs per step inside the step (thread CPU time)")
            for key, us in prof.items():
                if us >= 5:
                    print(f"    {key:<52} {us:8.1f}")
            results[fw]["ops_us"] = prof
    if args.json:
        Path(args.json).write_text(json.dumps({"batch": args.batch, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
