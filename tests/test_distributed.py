"""``tapegrad.distributed``: one-process behaviour in this process, and multi-process behaviour under ``mpiexec``.

The multi-process tests start ``mpiexec -n 2`` and ``-n 4`` (``python -m mpi4py -m tests.distributed_workers.*``)
with two timeouts (Hydra's ``MPIEXEC_TIMEOUT`` and the subprocess timeout) and check each worker's ``OK`` lines on
every rank: collectives and their gradients vs NumPy, the distributed tape, the agreement check (the same error on
every rank), join, checkpoints, the strategy facade, and equivalence with one process on the concatenated batch
(tape loop and ``fit``, 20 steps, float64, <= 1e-6 relative). They are skipped without ``mpiexec``/mpi4py (install
the ``mpi`` extra); with ``TAPEGRAD_REQUIRE_MPI=1`` that is a failure instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tapegrad as tf
import tapegrad.distributed as hvd
from tapegrad import keras

ROOT = Path(__file__).resolve().parents[1]
MPIEXEC = shutil.which("mpiexec")
HAVE_MPI = MPIEXEC is not None and importlib.util.find_spec("mpi4py") is not None
REQUIRE = os.environ.get("TAPEGRAD_REQUIRE_MPI") == "1"


def run_mpi(target: str, n: int, *args: str, timeout: float = 90, module: bool = True
            ) -> subprocess.CompletedProcess[str]:
    """``mpiexec -n N python -m mpi4py [-m] target args`` with both timeouts; skips (or fails) without MPI."""
    if not HAVE_MPI:
        reason = "mpiexec/mpi4py not installed (pip install -e '.[mpi]')"
        if REQUIRE:
            pytest.fail(f"{reason}; TAPEGRAD_REQUIRE_MPI=1", pytrace=False)
        pytest.skip(reason)
    env = dict(os.environ, OMP_NUM_THREADS="1", MPIEXEC_TIMEOUT=str(int(timeout)), MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")]))
    cmd = [MPIEXEC, "-n", str(n), sys.executable, "-m", "mpi4py", *(["-m"] if module else []), target, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 15, env=env, cwd=ROOT)


GROUPS = ["allreduce", "grouped_allreduce", "allgather_broadcast", "alltoall_reducescatter", "tape", "mismatches",
          "join", "checkpoint", "strategy", "equivalence_tape", "equivalence_fit", "traced", "keras_pieces",
          "init_comm"]


@pytest.mark.parametrize("n", [2, 4])
def test_multiprocess_checks(n: int) -> None:
    p = run_mpi("tests.distributed_workers.checks", n)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    for group in GROUPS:
        for r in range(n):
            assert f"OK {group} rank {r}" in p.stdout, f"{group} did not pass on rank {r}\n{out}"


@pytest.mark.parametrize("mode,needle", [("raise", "rank 1 raised an uncaught ValueError"),
                                         ("kill", "BAD TERMINATION"),
                                         ("exit", "stalled collective on rank 0 of 2: agreement check before "
                                                  "allreduce 'stalled_step'")])
def test_failed_rank_ends_the_job(mode: str, needle: str) -> None:
    start = time.monotonic()
    p = run_mpi("tests.distributed_workers.failures", 2, mode, timeout=30)
    elapsed = time.monotonic() - start
    out = f"exit status {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert p.returncode != 0, out
    assert elapsed < 30, elapsed
    assert "UNREACHABLE" not in out
    assert needle in out, out


# -- one process (no launcher): identity collectives, same script runs anywhere ----------------------------------


@pytest.fixture(autouse=True, scope="module")
def _init() -> None:
    hvd.init()


def test_size_one_basics() -> None:
    assert (hvd.size(), hvd.rank(), hvd.local_size(), hvd.local_rank(), hvd.cross_size(), hvd.cross_rank()) == \
        (1, 0, 1, 0, 1, 0)
    assert hvd.is_chief() and hvd.is_initialized() and hvd.is_homogeneous()
    x = tf.constant([[1.0, -2.0]])
    assert hvd.allreduce(x).numpy().tolist() == [[1.0, -2.0]]
    assert hvd.allreduce(x, op=hvd.Sum, prescale_factor=2.0, postscale_factor=3.0).numpy().tolist() == [[6.0, -12.0]]
    assert hvd.allgather(x).numpy().tolist() == [[1.0, -2.0]]
    assert hvd.broadcast(x, 0).numpy().tolist() == [[1.0, -2.0]]
    assert hvd.reducescatter(x, op=hvd.Sum).numpy().tolist() == [[1.0, -2.0]]
    assert hvd.alltoall(x).numpy().tolist() == [[1.0, -2.0]]
    assert [t.numpy().tolist() for t in hvd.grouped_allreduce([x, x])] == [[[1.0, -2.0]]] * 2
    assert hvd.broadcast_object([1, "a"]) == [1, "a"] and hvd.allgather_object(3) == [3]
    assert hvd.join() == 0
    hvd.barrier()
    with pytest.raises(ValueError, match="out of range"):
        hvd.broadcast(x, root_rank=1)
    with pytest.raises(NotImplementedError, match="Adasum"):
        hvd.allreduce(x, op=hvd.Adasum)
    with pytest.raises(ValueError, match="only one of them"):
        hvd.allreduce(x, average=True, op=hvd.Sum)
    with pytest.raises(NotImplementedError, match="global process set"):
        hvd.allreduce(x, process_set=hvd.ProcessSet([0]))


def test_size_one_gradients_flow_through_collectives() -> None:
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(hvd.allreduce(w * w, op=hvd.Sum, postscale_factor=2.0) + hvd.allgather(w)
                          + hvd.broadcast(w, 0))
    assert tape.gradient(y, w).numpy().tolist() == [6.0, 10.0]


def test_size_one_tape_is_the_plain_tape() -> None:
    w, u = tf.Variable([1.0, 2.0]), tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    gw, gu = hvd.DistributedGradientTape(tape).gradient(loss, [w, u])
    assert gw.numpy().tolist() == [2.0, 4.0] and gu is None
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    dt = hvd.DistributedGradientTape(tape)
    assert isinstance(dt, tf.GradientTape)
    assert dt.gradient(loss, u, unconnected_gradients="zero").numpy() == 0.0


def test_not_initialized_message() -> None:
    from tapegrad.distributed import _core

    saved = _core.state.initialized
    _core.state.initialized = False
    try:
        with pytest.raises(ValueError, match=r"call hvd.init\(\) first"):
            hvd.size()
    finally:
        _core.state.initialized = saved


def test_shard() -> None:
    x = np.arange(10)
    parts = [hvd.shard(x, rank=r, size=4) for r in range(4)]
    assert [p.tolist() for p in parts] == [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]
    assert [hvd.shard(x, rank=r, size=4, drop_remainder=True).tolist() for r in range(4)] == \
        [[0, 1], [2, 3], [4, 5], [6, 7]]
    pair = hvd.shard((x, x * 2), rank=1, size=2)
    assert pair[1].tolist() == [10, 12, 14, 16, 18]


def test_distributed_optimizer_size_one_and_accumulation() -> None:
    v = tf.Variable([1.0])
    opt = hvd.DistributedOptimizer(keras.optimizers.SGD(0.5), backward_passes_per_step=2,
                                   average_aggregated_gradients=True)
    assert isinstance(opt, keras.optimizers.SGD)
    opt.apply_gradients([(tf.constant([1.0]), v)])
    assert v.numpy().tolist() == [1.0]  # first pass only accumulates
    opt.apply_gradients([(tf.constant([3.0]), v)])
    assert v.numpy().tolist() == [0.0]  # (1 + 3) / 2 * 0.5
    with pytest.raises(ValueError, match="gradient_predivide_factor"):
        hvd.DistributedOptimizer(keras.optimizers.SGD(0.1), op=hvd.Sum, gradient_predivide_factor=2.0)


def test_lr_warmup_formula() -> None:
    from tapegrad.distributed.keras import callbacks

    cb = callbacks.LearningRateWarmupCallback(initial_lr=0.4, warmup_epochs=4, steps_per_epoch=10)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.4, momentum=0.9), loss="mse")
    model.fit(np.ones((8, 1)), np.ones((8, 1)), batch_size=4, epochs=2, verbose=0, callbacks=[cb])
    # size 1: the multiplier is 1 / 1 * (e * 0 / 4 + 1) = 1 throughout; momentum is restored after each batch
    assert abs(float(model.optimizer.learning_rate.numpy()) - 0.4) < 1e-7
    assert model.optimizer.momentum == 0.9


def test_import_tapegrad_does_not_import_mpi4py() -> None:
    code = "import sys, tapegrad, tapegrad.distributed; print('mpi4py' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_without_mpi4py_everything_is_size_one(tmp_path: Path) -> None:
    blocker = tmp_path / "mpi4py"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('mpi4py hidden for this test')\n")
    code = ("import tapegrad as tf, tapegrad.distributed as hvd; hvd.init(); "
            "print(hvd.size(), hvd.mpi_enabled(), hvd.allreduce(tf.constant([2.0])).numpy().tolist())")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "src")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "1 False [2.0]", out.stderr


def test_doctests() -> None:
    import doctest

    import tapegrad.distributed._ops as ops
    import tapegrad.distributed._tape as dtape
    import tapegrad.distributed._train as train
    import tapegrad.distributed.keras.callbacks as cbs
    import tapegrad.distributed.strategy as strategy

    for module in (hvd, ops, dtape, train, cbs, strategy):
        failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0 and tried > 0, module.__name__


# -- the example ---------------------------------------------------------------------------------------------------


def test_distributed_digits_example_quick(tmp_path: Path) -> None:
    """``mpiexec -n 2 ... examples/distributed_digits.py --quick`` (tape loop), then ``--fit --resume`` from its
    chief-only checkpoints: both report identical replicas; the outputs land in ``--out``."""
    from tests.test_examples import require

    require("sklearn")
    import re

    p = run_mpi_script("examples/distributed_digits.py", 2, "--quick", "--out", str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    m = re.search(r"result: 2 ranks, test accuracy ([\d.]+) after 2 epochs in [\d.]+ s; replicas identical: True",
                  p.stdout)
    assert m and float(m.group(1)) > 0.5, p.stdout + p.stderr
    assert sorted(f.name for f in tmp_path.iterdir()) == ["checkpoint", "ckpt-1.npz", "ckpt-2.npz", "metrics.json"]
    p = run_mpi_script("examples/distributed_digits.py", 2, "--fit", "--resume", "--epochs", "3", "--out",
                       str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"resumed from {tmp_path / 'ckpt-2'} (epoch 2)" in p.stdout, p.stdout
    assert "epoch 3/3" in p.stdout and "replicas identical: True" in p.stdout, p.stdout
    assert p.stdout.count("result:") == 1  # only the chief prints


def run_mpi_script(script: str, n: int, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_mpi(str(ROOT / script), n, *args, timeout=timeout, module=False)
