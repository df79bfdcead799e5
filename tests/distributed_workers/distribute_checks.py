"""``tf.distribute.MultiWorkerMirroredStrategy`` across MPI processes: contexts and collectives, variables made in
the scope (worker 0's initial value everywhere), input splitting, and N workers giving the single-process
large-batch result (a custom loop, eager and in ``tapegrad.function``, and ``Model.fit``).

Run: ``mpiexec -n 2 python -m mpi4py -m tests.distributed_workers.distribute_checks`` (any N >= 2).
"""

from __future__ import annotations

import numpy as np

import tapegrad as tf

strategy = tf.distribute.MultiWorkerMirroredStrategy()
N = strategy.num_replicas_in_sync
R = int(strategy.extended.worker_devices[0].split("task:")[1].split("/")[0])  # this worker's task index


def ok(name: str) -> None:
    print(f"OK {name} rank {R}", flush=True)


def close(a: object, b: object, rtol: float = 1e-6) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=1e-7)


def check_contexts_and_collectives() -> None:
    assert N >= 2 and not tf.distribute.has_strategy()

    def fn() -> object:
        ctx = tf.distribute.get_replica_context()
        r = tf.cast(ctx.replica_id_in_sync_group, tf.float64)
        merged = ctx.merge_call(lambda s, v: s.reduce("SUM", v, axis=None), args=(r,))
        return (r, ctx.all_reduce("SUM", r + 1.0), ctx.all_reduce("MEAN", {"a": tf.fill([2], r)}),
                ctx.all_gather(tf.fill([R + 1, 2], r), axis=0), merged, ctx.num_replicas_in_sync)

    r, total, mean, gathered, merged, n = strategy.run(fn)
    assert int(r) == R and n == N
    close(total, N * (N + 1) / 2)
    close(mean["a"], [(N - 1) / 2] * 2)
    close(merged, N * (N - 1) / 2)
    expect = np.concatenate([np.full((k + 1, 2), float(k)) for k in range(N)])
    close(gathered, expect)
    close(strategy.reduce("SUM", tf.constant([float(R), 1.0]), axis=None), [N * (N - 1) / 2, N])
    close(strategy.reduce("MEAN", tf.fill([R + 1], float(R)), axis=0), sum(k * (k + 1) for k in range(N)) /
          sum(k + 1 for k in range(N)))
    close(strategy.gather(tf.fill([1, R + 1], 1.0 * R), axis=1), np.concatenate([np.full((1, k + 1), 1.0 * k)
                                                                                 for k in range(N)], axis=1))
    ok("collectives")


def check_variables_and_input() -> None:
    with strategy.scope():
        v = tf.Variable(np.full(3, float(R) + 5.0))  # different on every worker: worker 0's value wins
        assert tf.distribute.in_cross_replica_context() and tf.distribute.get_strategy() is strategy
    close(v, [5.0, 5.0, 5.0])
    ds = tf.data.Dataset.range(2 * N + 1).batch(N + 1)
    got = [x.numpy().tolist() for x in strategy.experimental_distribute_dataset(ds)]
    rows = []
    for b in (list(range(N + 1)), list(range(N + 1, 2 * N + 1))):
        q, extra = divmod(len(b), N)
        start = R * q + min(R, extra)
        rows.append(b[start:start + q + (1 if R < extra else 0)])
    assert got == rows, (got, rows)
    seen = []

    def dataset_fn(ctx: object) -> object:
        seen.append((ctx.input_pipeline_id, ctx.num_input_pipelines, ctx.get_per_replica_batch_size(2 * N)))
        return tf.data.Dataset.range(4).batch(2)

    assert [x.numpy().tolist() for x in strategy.distribute_datasets_from_function(dataset_fn)] == [[0, 1], [2, 3]]
    assert seen == [(R, N, 2)], seen
    ok("variables_input")


def make_data(n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(size=(n, 5)), rng.normal(size=(n, 2))


def init_weights() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.normal(size=(5, 8)) * 0.5, np.zeros(8), rng.normal(size=(8, 2)) * 0.5, np.zeros(2)]


def model() -> object:
    m = tf.keras.Sequential([tf.keras.Input((5,), dtype="float64"),
                             tf.keras.layers.Dense(8, activation="tanh", dtype="float64"),
                             tf.keras.layers.Dense(2, dtype="float64")])
    m.set_weights(init_weights())
    return m


def custom_loop(distributed: bool, wrap: bool) -> list[np.ndarray]:
    x, y = make_data()
    s = strategy if distributed else tf.distribute.get_strategy()
    with s.scope():
        m = model()
        opt = tf.keras.optimizers.SGD(0.2, momentum=0.5)
        mean = tf.keras.metrics.Mean()  # (read outside the replicas: every worker's examples, as in TF)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    if distributed:
        data = strategy.experimental_distribute_dataset(data)

    def step(bx: object, by: object) -> object:
        with tf.GradientTape() as tape:
            per_example = tf.reduce_sum(tf.square(m(bx, training=True) - by), axis=1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=8)
        grads = tape.gradient(loss, m.trainable_variables)
        opt.apply_gradients(zip(grads, m.trainable_variables))
        mean.update_state(per_example)
        return loss

    def train(inputs: object) -> object:
        return s.reduce("SUM", s.run(step, args=inputs), axis=None)

    if wrap:
        train = tf.function(train)
    losses = [float(train(inputs)) for _ in range(3) for inputs in data]
    return [np.array(losses), np.array(float(mean.result()))] + [np.asarray(w) for w in m.get_weights()]


def check_custom_loop() -> None:
    single = custom_loop(False, False)
    for wrap in (False, True):
        dist = custom_loop(True, wrap)
        for a, b in zip(dist, single):
            close(a, b)
    ok("custom_loop")


def fit(distributed: bool) -> tuple[list[float], list[np.ndarray]]:
    x, y = make_data()
    scope = strategy.scope() if distributed else tf.distribute.get_strategy().scope()
    with scope:
        m = model()
        m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    hist = m.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=3, verbose=0)
    ev = m.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    return hist.history["loss"] + hist.history["mae"] + [ev["loss"], ev["mae"]], m.get_weights()


def check_fit() -> None:
    logs, weights = fit(True)
    ref_logs, ref_weights = fit(False)
    close(logs, ref_logs)
    for a, b in zip(weights, ref_weights):
        close(a, b)
    ok("fit")



def fit_unbuilt(distributed: bool, seed: int) -> tuple[list[float], list[np.ndarray]]:
    """A model without an Input (built by fit, outside the scope) and an optimizer named in compile: the strategy
    is found through the optimizer, and the weights built by fit start from worker 0's random values."""
    x, y = make_data()
    tf.keras.utils.set_random_seed(seed)
    with (strategy if distributed else tf.distribute.get_strategy()).scope():
        m = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", dtype="float64"),
                                 tf.keras.layers.Dense(2, dtype="float64")])
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    hist = m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return hist.history["loss"] + hist.history["mae"], m.get_weights()


def check_fit_unbuilt() -> None:
    logs, weights = fit_unbuilt(True, seed=R)  # every worker draws other initial weights
    ref_logs, ref_weights = fit_unbuilt(False, seed=0)
    close(logs, ref_logs)
    for a, b in zip(weights, ref_weights):
        close(a, b)
    ok("fit_unbuilt")


check_contexts_and_collectives()
check_variables_and_input()
check_custom_loop()
check_fit()
check_fit_unbuilt()
