"""The digits MLP of ``digits_mlp.py``, trained data-parallel over MPI with ``tapegrad.distributed``.

Launch one process per replica (``python -m mpi4py`` makes an uncaught exception on any rank end the job)::

    pip install -e ".[mpi,examples]"
    mpiexec -n 4 python -m mpi4py examples/distributed_digits.py [--quick] [--fit] [--resume] [--out DIR]

Every rank loads the same seeded split, takes its contiguous shard of the training set (``hvd.shard``) and runs the
same number of steps per epoch; gradients are averaged over ranks by ``hvd.DistributedGradientTape`` (default) or
by ``hvd.DistributedOptimizer`` in ``model.fit`` (``--fit``, with the Horovod callbacks). The learning rate is scaled
by the number of ranks (the global batch is ``size × batch size``). Initial weights come from rank 0
(``broadcast_variables``), so replicas start identical even without a shared seed. Only rank 0 prints and writes:
a checkpoint per epoch (``hvd.save_checkpoint``: chief-only, atomic) and ``metrics.json`` in ``--out`` (default
``runs/distributed_digits``, ignored by git). ``--resume`` restores the latest checkpoint on rank 0 and broadcasts
it (``hvd.restore_checkpoint``). Without ``mpiexec`` it runs as one replica.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import tapegrad as tf
import tapegrad.distributed.keras as hvd
from tapegrad import keras
from tapegrad.train import Checkpoint, latest_checkpoint


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    return tuple(train_test_split(x, y, test_size=0.25, stratify=y, random_state=seed))  # type: ignore[return-value]


def build_model() -> keras.Sequential:
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(128, activation="relu"),
                             keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(model(x, training=False).numpy(), axis=1) == y))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs (checks the code path, not accuracy)")
    parser.add_argument("--fit", action="store_true", help="model.fit with hvd.DistributedOptimizer and callbacks")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 30; 2 with --quick)")
    parser.add_argument("--batch-size", type=int, default=32, help="per-rank batch size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    parser.add_argument("--out", type=Path, default=Path("runs/distributed_digits"))
    args = parser.parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (2 if args.quick else 30)

    hvd.init()
    chief = hvd.is_chief()
    start = time.perf_counter()
    keras.utils.set_random_seed(args.seed + hvd.rank())  # different on purpose: the broadcast makes them agree
    x_train, x_test, y_train, y_test = load_data(args.seed)
    x_mine, y_mine = hvd.shard((x_train, y_train), drop_remainder=True)  # equal shards: equal steps per rank
    steps = len(x_mine) // args.batch_size
    model = build_model()
    optimizer = keras.optimizers.Adam(learning_rate=1e-3 * hvd.size())
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer.build(model.trainable_variables)  # slots exist now: checkpoints and broadcasts cover them
    ckpt = Checkpoint(model=model, optimizer=optimizer)
    first_epoch = 0
    if args.resume:
        path = hvd.broadcast_object(latest_checkpoint(args.out) if chief else None)
        if path is not None:
            hvd.restore_checkpoint(ckpt, path)  # read on rank 0 only, then broadcast to every rank
            first_epoch = int(ckpt.save_counter.numpy())
            if chief:
                print(f"resumed from {path} (epoch {first_epoch})")
    else:
        hvd.broadcast_variables(model.variables + optimizer.variables, root_rank=0)
    if chief:
        print(f"{hvd.size()} ranks x {len(x_mine)} training images, {steps} steps/epoch of {args.batch_size}; "
              f"{'model.fit' if args.fit else 'DistributedGradientTape loop'}")
    curves: dict[str, list[float]] = {"loss": [], "test_accuracy": []}
    if args.fit:
        model.compile(optimizer=hvd.DistributedOptimizer(optimizer), loss=loss_fn)
    for epoch in range(first_epoch, epochs):
        if args.fit:
            history = model.fit(x_mine, y_mine, batch_size=args.batch_size, epochs=1, steps_per_epoch=steps,
                                verbose=0, callbacks=[hvd.callbacks.MetricAverageCallback()])
            loss = history.history["loss"][-1]
        else:
            order = np.random.default_rng([args.seed, epoch, hvd.rank()]).permutation(len(x_mine))
            total = 0.0
            for s in range(steps):
                idx = order[s * args.batch_size:(s + 1) * args.batch_size]
                with tf.GradientTape() as tape:
                    batch_loss = loss_fn(y_mine[idx], model(x_mine[idx], training=True))
                tape = hvd.DistributedGradientTape(tape)
                grads = tape.gradient(batch_loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                total += float(batch_loss)
            loss = float(hvd.allreduce(tf.constant(total / steps), name="epoch_loss"))
        test_acc = accuracy(model, x_test, y_test)
        curves["loss"].append(loss)
        curves["test_accuracy"].append(test_acc)
        path = hvd.save_checkpoint(ckpt, args.out / "ckpt")
        if chief:
            print(f"epoch {epoch + 1}/{epochs}: loss {loss:.4f}, test accuracy {test_acc:.4f} ({path})")
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(b"".join(v.numpy().tobytes() for v in model.variables + optimizer.variables)).hexdigest()
    weights_agree = len(set(hvd.allgather_object(digest))) == 1
    if chief:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "metrics.json").write_text(json.dumps({"ranks": hvd.size(), "epochs": epochs, **curves}, indent=1))
        final = curves["test_accuracy"][-1] if curves["test_accuracy"] else accuracy(model, x_test, y_test)
        print(f"result: {hvd.size()} ranks, test accuracy {final:.4f} after {epochs} epochs in {seconds:.1f} s; "
              f"replicas identical: {weights_agree}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
