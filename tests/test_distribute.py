"""``tapegrad.distribute`` (TF's ``tf.distribute``): contexts, strategies, reductions, distributed input, loss
scaling and errors in this process; and ``MultiWorkerMirroredStrategy`` under ``mpiexec -n 2``
(``tests/distributed_workers/distribute_checks.py``: collectives, worker 0's initial values, input splitting, and a
custom loop (eager and ``tapegrad.function``) and ``Model.fit`` that give the single-process large-batch result).

The in-process ``MirroredStrategy`` is compared with TensorFlow in ``tests/conformance/test_distribute_vs_tf.py``.
"""

from __future__ import annotations

import doctest
import os
import subprocess
import sys

import numpy as np
import pytest

import tapegrad as tf

from .test_distributed import ROOT, run_mpi

TWO = ["/cpu:0", "/cpu:1"]


def test_multiworker_under_mpiexec() -> None:
    p = run_mpi("tests.distributed_workers.distribute_checks", 2, timeout=120)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    for group in ("collectives", "variables_input", "custom_loop", "fit", "fit_unbuilt"):
        for r in range(2):
            assert f"OK {group} rank {r}" in p.stdout, f"{group} did not pass on rank {r}\n{out}"


def test_import_is_lazy_and_mpi_free() -> None:
    code = ("import sys, tapegrad as tf; a = 'tapegrad.distribute' in sys.modules; tf.distribute.MirroredStrategy(); "
            "tf.distribute.MultiWorkerMirroredStrategy; print(a, 'mpi4py' in sys.modules)")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "False False", out.stderr


def test_default_strategy_contexts() -> None:
    s = tf.distribute.get_strategy()
    assert not tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context()
    ctx = tf.distribute.get_replica_context()
    assert ctx.num_replicas_in_sync == 1 and int(ctx.replica_id_in_sync_group) == 0
    assert float(s.run(lambda x: x * 2.0, args=(tf.constant(3.0),))) == 6.0
    assert float(s.reduce("SUM", tf.constant(2.0), axis=None)) == 2.0
    with s.scope():
        assert not tf.distribute.has_strategy()


def test_mirrored_contexts_run_and_results() -> None:
    s = tf.distribute.MirroredStrategy(TWO)
    assert s.num_replicas_in_sync == 2
    gpus = tf.distribute.MirroredStrategy(["/gpu:0", "/gpu:1"])  # TF's soft placement runs these on a CPU too
    assert [float(v) for v in gpus.run(lambda: tf.constant(1.0) * 2).values] == [2.0, 2.0]
    with s.scope():
        assert tf.distribute.has_strategy() and tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None and tf.distribute.get_strategy() is s
        v = tf.Variable([1.0, 2.0])

    def fn(x: tf.Tensor) -> tuple[tf.Tensor, tf.Variable, None]:
        ctx = tf.distribute.get_replica_context()
        assert not tf.distribute.in_cross_replica_context() and tf.distribute.get_strategy() is s
        return x * tf.cast(ctx.replica_id_in_sync_group + 1, tf.float32), v, None

    per, same, none = s.run(fn, args=(tf.constant(2.0),))
    assert type(per).__name__ == "PerReplica" and [float(t) for t in per.values] == [2.0, 4.0]
    assert same is v and none is None  # the same object on every replica is not wrapped (TF's regroup)
    assert [float(t) for t in s.experimental_local_results(per)] == [2.0, 4.0]
    assert s.experimental_local_results(v) == (v, v)
    assert float(s.reduce("SUM", per, axis=None)) == 6.0 and float(s.reduce("MEAN", per, axis=None)) == 3.0
    assert tf.nest.flatten(per) == [per]
    assert [float(t) for t in tf.nest.flatten(per, expand_composites=True)] == [2.0, 4.0]


def test_replica_collectives_in_a_function_match_eager() -> None:
    s = tf.distribute.MirroredStrategy(TWO)

    def fn(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        ctx = tf.distribute.get_replica_context()
        y = x + tf.cast(ctx.replica_id_in_sync_group, tf.float64)
        return ctx.all_reduce("SUM", y), ctx.all_gather(tf.reshape(y, [1, -1]), axis=0)

    def both(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        total, gathered = s.run(fn, args=(x,))
        return s.reduce("MEAN", total, axis=None), s.experimental_local_results(gathered)[1]

    x = tf.constant([1.0, 2.0], tf.float64)
    eager, traced = both(x), tf.function(both)(x)
    for a, b in zip(eager, traced):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(eager[0].numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(eager[1].numpy(), [[1.0, 2.0], [2.0, 3.0]])


def test_gradients_are_summed_over_replicas() -> None:
    s = tf.distribute.MirroredStrategy(TWO)
    data = np.arange(8.0).reshape(4, 2)
    with s.scope():
        w = tf.Variable(np.ones((2, 1)))
        opt = tf.keras.optimizers.SGD(1.0)

    def step(x: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(tf.reduce_sum(tf.matmul(x, w), axis=1))
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        return loss

    dist = s.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(data).batch(4))
    for x in dist:
        s.run(step, args=(x,))
    # one step of the global mean: d/dw mean(x @ w) = mean of the rows
    np.testing.assert_allclose(w.numpy(), 1.0 - data.mean(axis=0).reshape(2, 1))
    assert int(opt.iterations) == 1


def test_compute_average_loss_and_regularization() -> None:
    cal = tf.nn.compute_average_loss
    assert float(cal(tf.constant([2.0, 4.0]), sample_weight=[0.5, 1.0])) == 2.5
    assert float(cal(tf.constant([2.0, 4.0]), sample_weight=0.5)) == 1.5
    assert float(cal(tf.constant([2.0, 4.0]), global_batch_size=0)) == 0.0
    r = cal(tf.constant([2, 4]))
    assert r.dtype == tf.float64 and float(r) == 3.0
    assert cal(tf.constant([2.0, 4.0], tf.float64)).dtype == tf.float64
    assert float(tf.nn.scale_regularization_loss(tf.constant([2.0, 4.0]))) == 6.0
    with pytest.raises(ValueError, match="at least rank 1"):
        cal(tf.constant(2.0))
    with pytest.raises(TypeError, match="integer"):
        cal(tf.constant([2.0]), global_batch_size=2.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        cal(tf.constant([2.0]), global_batch_size=-1)
    s = tf.distribute.MirroredStrategy(TWO)
    with s.scope(), pytest.raises(RuntimeError, match="cross replica context"):
        cal(tf.constant([2.0, 4.0]))
    with s.scope(), pytest.raises(RuntimeError, match="cross replica context"):
        tf.nn.scale_regularization_loss(tf.constant(2.0))
    per = s.run(lambda: (cal(tf.constant([2.0, 4.0])), tf.nn.scale_regularization_loss(tf.constant(2.0))))
    assert [float(v) for v in per[0].values] == [1.5, 1.5] and [float(v) for v in per[1].values] == [1.0, 1.0]


def test_keras_losses_reduction_names() -> None:
    r = tf.keras.losses.Reduction
    assert r.all() == ("auto", "none", "sum", "sum_over_batch_size")
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        r.validate("bad")
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=r.NONE)
    np.testing.assert_allclose(loss(tf.constant([1]), tf.constant([[0.2, 0.8]])).numpy(), [0.437488], rtol=1e-5)


def test_input_contexts_and_options() -> None:
    ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1, num_replicas_in_sync=4)
    assert (ctx.input_pipeline_id, ctx.num_input_pipelines, ctx.get_per_replica_batch_size(8)) == (1, 2, 2)
    with pytest.raises(ValueError, match="not divisible"):
        ctx.get_per_replica_batch_size(6)
    s = tf.distribute.MirroredStrategy(TWO)
    mode = tf.distribute.InputReplicationMode.PER_REPLICA
    with pytest.raises(NotImplementedError):
        s.experimental_distribute_dataset(tf.data.Dataset.range(4).batch(2),
                                          tf.distribute.InputOptions(experimental_replication_mode=mode))
    seen = []

    def dataset_fn(c: tf.distribute.InputContext) -> tf.data.Dataset:
        seen.append(c.input_pipeline_id)
        return tf.data.Dataset.range(10 * c.input_pipeline_id, 10 * c.input_pipeline_id + 2).batch(1)

    dd = s.distribute_datasets_from_function(dataset_fn, tf.distribute.InputOptions(experimental_replication_mode=mode))
    got = [[t.numpy().tolist() for t in s.experimental_local_results(el)] for el in dd]
    assert seen == [0, 1] and got == [[[0], [10]], [[1], [11]]]
    with pytest.raises(ValueError, match="must be batched"):
        list(s.experimental_distribute_dataset(tf.data.Dataset.range(3)))
    it = iter(s.experimental_distribute_dataset(tf.data.Dataset.range(2).batch(2)))
    it.get_next()
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()


def test_errors() -> None:
    s = tf.distribute.MirroredStrategy(TWO)
    with pytest.raises(AssertionError, match="No duplicates"):
        tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:0"])
    with pytest.raises(ValueError, match="cannot be reduced"):
        s.reduce("SUM", tf.constant(1.0), axis=None)
    with pytest.raises(ValueError, match="reduce op"):
        s.reduce("MAX", s.run(lambda: tf.constant(1.0)), axis=None)
    with pytest.raises(RuntimeError, match="already in a replica context"):
        s.run(lambda: s.run(lambda: 1.0))
    with s.scope(), pytest.raises(RuntimeError, match="Mixing different"), \
            tf.distribute.OneDeviceStrategy("/cpu:0").scope():
        pass

    def failing() -> float:
        if int(tf.distribute.get_replica_context().replica_id_in_sync_group) == 1:
            raise KeyError("replica 1 fails")
        return 1.0

    with pytest.raises(KeyError, match="replica 1 fails"):
        s.run(failing)

    def uneven() -> tf.Tensor:
        ctx = tf.distribute.get_replica_context()
        if int(ctx.replica_id_in_sync_group) == 0:
            return ctx.all_reduce("SUM", tf.constant(1.0))
        return tf.constant(0.0)

    with pytest.raises(RuntimeError, match="same synchronising calls"):
        s.run(uneven)
    assert float(s.reduce("SUM", s.run(lambda: tf.constant(1.0)), axis=None)) == 2.0  # still usable


@pytest.mark.parametrize("eager", [False, True])
def test_keras_fit_in_scope_equals_large_batch_fit(eager: bool) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))

    def fit(strategy: tf.distribute.Strategy) -> tuple[list[float], list[np.ndarray]]:
        with strategy.scope():
            m = tf.keras.Sequential([tf.keras.Input((3,), dtype="float64"), tf.keras.layers.Dense(1, dtype="float64")])
            m.set_weights([np.full((3, 1), 0.5), np.zeros(1)])
            m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"], run_eagerly=eager)
        hist = m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(x[:5], y[:5]))
        return [v for k in sorted(hist.history) for v in hist.history[k]], m.get_weights()

    (l2, w2), (l1, w1) = fit(tf.distribute.MirroredStrategy(TWO)), fit(tf.distribute.get_strategy())
    np.testing.assert_allclose(l2, l1, rtol=1e-6)
    for a, b in zip(w2, w1):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_cluster_resolvers_and_tf_config(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    cr = tf.distribute.cluster_resolver
    spec = cr.ClusterSpec({"worker": ["b:1", "c:1"], "chief": ["a:1"]})  # (TF 2.21's results below)
    assert spec.jobs == ["worker", "chief"] and spec.num_tasks("worker") == 2 and spec.task_indices("worker") == [0, 1]
    assert spec.as_dict() == {"worker": ["b:1", "c:1"], "chief": ["a:1"]} and not cr.ClusterSpec({})
    sparse = cr.ClusterSpec({"worker": {1: "x:1", 3: "y:1"}})
    assert sparse.as_dict() == {"worker": {1: "x:1", 3: "y:1"}} and sparse.job_tasks("worker") == [None, "x:1", None,
                                                                                                     "y:1"]
    with pytest.raises(ValueError, match="No task with index 5"):
        spec.task_address("worker", 5)
    with pytest.raises(ValueError, match="No such job"):
        spec.num_tasks("ps")
    with pytest.raises(TypeError):
        cr.ClusterSpec(3)
    simple = cr.SimpleClusterResolver(spec, task_type="worker", task_id=0)
    assert (simple.master(), simple.master("chief", 0), simple.master(rpc_layer="grpc")) == ("", "a:1", "grpc://")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    r = cr.TFConfigClusterResolver()
    assert (r.task_type, r.task_id, r.environment, r.cluster_spec().as_dict(), r.master()) == (None, None, None, {}, "")
    config = {"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}, "rpc_layer": "grpc"}
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    r = cr.TFConfigClusterResolver()
    assert (r.task_type, r.task_id, r.rpc_layer, r.master()) == ("worker", 1, "grpc", "grpc://b:1")
    with pytest.raises(ValueError, match="describes 2 workers but MPI started 1"):
        tf.distribute.MultiWorkerMirroredStrategy()  # run plainly with a 2-worker TF_CONFIG
    with pytest.raises(ValueError, match=r"cluster_resolver\) describes 3 workers"):
        tf.distribute.MultiWorkerMirroredStrategy(cr.SimpleClusterResolver(cr.ClusterSpec({"worker": ["a", "b", "c"]})))
    one = {"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(one))
    s = tf.distribute.MultiWorkerMirroredStrategy()
    assert s.num_replicas_in_sync == 1 and s.cluster_resolver.cluster_spec().num_tasks("worker") == 1


def test_doctests() -> None:
    import tapegrad.distribute._cluster as cluster
    import tapegrad.distribute._context as context
    import tapegrad.distribute._input as inputs
    import tapegrad.distribute._strategy as strategy
    import tapegrad.distribute._values as values
    import tapegrad.ops.distribute_losses as losses

    for module in (tf.distribute, cluster, context, inputs, strategy, values, losses):
        failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0 and tried > 0, module.__name__
