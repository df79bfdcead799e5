"""tf.distribute programs run under TensorFlow 2.21 and under tapegrad, each in a fresh process whose CPU is split
into two logical CPUs before anything else (``set_logical_device_configuration`` must precede the runtime), so
that ``MirroredStrategy(["/cpu:0", "/cpu:1"])`` has two replicas in one process.

``python distribute_programs.py tensorflow|tapegrad OUT.json`` writes ``{program: result}`` with every tensor as
``[dtype, shape, values]``; ``test_distribute_vs_tf.py`` compares the two files.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

PROGRAMS: dict[str, Any] = {}


def program(fn: Any) -> Any:
    PROGRAMS[fn.__name__[len("prog_"):]] = fn
    return fn


def enc(x: Any) -> Any:
    """Tensors, variables, distributed values and nests as plain JSON."""
    name = type(x).__name__
    if name in ("PerReplica", "Mirrored"):
        return {name: [enc(v) for v in x.values]}
    if isinstance(x, dict):
        return {str(k): enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if hasattr(x, "numpy") and hasattr(x, "dtype"):
        a = np.asarray(x.numpy())
        return [str(x.dtype.name), list(a.shape), a.astype(np.float64).ravel().tolist() if a.dtype.kind in "biuf"
                else a.ravel().tolist()]
    if isinstance(x, (np.ndarray, np.generic)):
        return enc_array(np.asarray(x))
    return x


def enc_array(a: np.ndarray) -> Any:
    return [str(a.dtype), list(a.shape), a.astype(np.float64).ravel().tolist()]


_STRATEGY: list[Any] = []


def mirrored(tf: Any) -> Any:
    """One strategy for every program: TF numbers the collectives of each new MirroredStrategy from the same
    instance key, and two strategies' collectives over the same devices then collide and abort the process."""
    if not _STRATEGY:
        _STRATEGY.append(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    return _STRATEGY[0]


def data(n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32)


def local(strategy: Any, x: Any) -> Any:
    return [enc(v) for v in strategy.experimental_local_results(x)]


@program
def prog_contexts(tf: Any) -> Any:
    s = mirrored(tf)
    out = {"outside": [tf.distribute.has_strategy(), tf.distribute.in_cross_replica_context(),
                       tf.distribute.get_replica_context() is not None, s.num_replicas_in_sync,
                       list(s.extended.worker_devices)]}
    with s.scope():
        out["scope"] = [tf.distribute.has_strategy(), tf.distribute.in_cross_replica_context(),
                        tf.distribute.get_replica_context() is None, tf.distribute.get_strategy() is s]

    def fn() -> Any:
        ctx = tf.distribute.get_replica_context()
        return ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync, tf.distribute.in_cross_replica_context()

    out["run"] = local(s, s.run(fn)[0]) + [s.run(fn)[1], s.run(fn)[2]]
    return out


@program
def prog_reductions(tf: Any) -> Any:
    s = mirrored(tf)

    def fn() -> Any:
        r = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32)
        return tf.stack([r + 1.0, 10.0 * r]), tf.reshape(tf.range(3 + 2 * tf.cast(r, tf.int32)), [-1, 1])

    v, ragged = s.run(fn)
    ints = s.run(lambda: tf.constant([1, 4]))
    return {
        "sum": enc(s.reduce("SUM", v, axis=None)), "mean": enc(s.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None)),
        "sum0": enc(s.reduce("SUM", v, axis=0)), "mean0": enc(s.reduce("MEAN", v, axis=0)),
        "mean_ragged": enc(s.reduce("MEAN", ragged, axis=0)), "int_mean": enc(s.reduce("MEAN", ints, axis=None)),
        "gather": enc(s.gather(v, axis=0)), "gather_ragged": enc(s.gather(ragged, axis=0)),
        "gather_plain": enc(s.gather(tf.constant([1.0]), axis=0)),
        "mean_plain": enc(s.reduce("MEAN", tf.constant(2.0), axis=None)),
        "local": local(s, v),
    }


@program
def prog_replica_collectives(tf: Any) -> Any:
    s = mirrored(tf)

    def fn() -> Any:
        ctx = tf.distribute.get_replica_context()
        r = tf.cast(ctx.replica_id_in_sync_group, tf.float32)
        x = tf.fill([2], r + 1.0)
        merged = ctx.merge_call(lambda strategy, a: strategy.reduce("SUM", a, axis=None), args=(x * 3.0,))
        return (ctx.all_reduce("SUM", x), ctx.all_reduce(tf.distribute.ReduceOp.MEAN, {"a": x, "b": [r]}),
                ctx.all_gather(tf.reshape(x, [1, 2]), axis=0), ctx.all_gather(tf.reshape(x, [2, 1]), axis=1), merged)

    return [local(s, v) if type(v).__name__ == "PerReplica" else enc(v) for v in tf.nest.flatten(s.run(fn))]


@program
def prog_replica_gradients(tf: Any) -> Any:
    s = mirrored(tf)

    def fn() -> Any:
        ctx = tf.distribute.get_replica_context()
        r = tf.cast(ctx.replica_id_in_sync_group, tf.float32)
        x = tf.constant([1.0, 2.0]) + r
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = ctx.all_reduce("SUM", x * x)
            m = ctx.all_reduce("MEAN", {"a": tf.sin(x)})["a"]
            z = tf.reduce_sum(y * (r + 1.0)) + tf.reduce_sum(m * m)
            g = ctx.all_gather(tf.reshape(x[: tf.cast(r, tf.int32) + 1], [-1, 1]) * 2.0, axis=0)
            w = tf.reduce_sum(g * tf.reshape(tf.range(3.0), [3, 1]) * (r + 1.0))
        return tape.gradient(z, x), tape.gradient(w, x), y, g

    return [local(s, v) for v in s.run(fn)]


def _clip_case(tf: Any, s: Any, kw: dict[str, float], wrap: bool) -> Any:
    with s.scope():
        w = tf.Variable([1.0, 1.0])
        b = tf.Variable(0.5)
        opt = tf.keras.optimizers.Adam(0.1, **kw) if wrap else tf.keras.optimizers.SGD(1.0, **kw)
        opt.build([w, b])

    def step() -> Any:
        r = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * tf.stack([1.0 + r, 2.0 - 3.0 * r])) + b * b * (r + 1.0)
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))

    run = tf.function(lambda: s.run(step)) if wrap else (lambda: s.run(step))
    for _ in range(2):
        run()
    return [enc(w), enc(b)]


@program
def prog_clipping(tf: Any) -> Any:
    """Keras 3 unscales and clips each replica's gradients before the all-reduce."""
    s = mirrored(tf)
    return {f"{name}_{'function' if wrap else 'eager'}": _clip_case(tf, s, kw, wrap)
            for name, kw in [("value", {"clipvalue": 0.5}), ("norm", {"clipnorm": 0.5}),
                             ("global", {"global_clipnorm": 0.7}), ("scaled", {"loss_scale_factor": 4.0,
                                                                               "clipnorm": 1.5})]
            for wrap in (False, True)}


@program
def prog_dataset_splits(tf: Any) -> Any:
    s = mirrored(tf)
    out = {}
    for n, b in [(10, 4), (9, 4), (7, 3), (5, 4), (3, 4), (6, 2)]:
        ds = tf.data.Dataset.range(n).batch(b)
        out[f"{n}_{b}"] = [[enc(v) for v in s.experimental_local_results(el)]
                           for el in s.experimental_distribute_dataset(ds)]
    x, y = data(6)
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "y": y}).batch(4)
    out["dict"] = [[enc(v) for v in s.experimental_local_results(el)] for el in s.experimental_distribute_dataset(ds)]
    seen = []

    def dataset_fn(ctx: Any) -> Any:
        seen.append([ctx.input_pipeline_id, ctx.num_input_pipelines, ctx.num_replicas_in_sync,
                     ctx.get_per_replica_batch_size(8)])
        return tf.data.Dataset.range(12).batch(ctx.get_per_replica_batch_size(8))

    dd = s.distribute_datasets_from_function(dataset_fn)
    out["from_function"] = [[enc(v) for v in s.experimental_local_results(el)] for el in dd]
    out["contexts"] = seen
    out["values_fn"] = local(s, s.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(float(ctx.replica_id_in_sync_group)) + ctx.num_replicas_in_sync))
    return out


def _custom_loop(tf: Any, wrap: bool) -> Any:
    s = mirrored(tf)
    x, y = data(8)
    with s.scope():
        w = tf.Variable(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
        b = tf.Variable(np.zeros(2, np.float32))
        opt = tf.keras.optimizers.SGD(learning_rate=0.1)
        mean = tf.keras.metrics.Mean()
    dist = s.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(4))

    def step(inputs: Any) -> Any:
        bx, by = inputs
        with tf.GradientTape() as tape:
            per_example = tf.reduce_sum(tf.square(tf.matmul(bx, w) + b - by), axis=1)
            reg = tf.nn.scale_regularization_loss(0.01 * tf.reduce_sum(w * w))
            loss = tf.nn.compute_average_loss(per_example) + reg
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
        mean.update_state(per_example)
        return loss

    def train(inputs: Any) -> Any:
        per_replica = s.run(step, args=(inputs,))
        return per_replica, s.reduce("SUM", per_replica, axis=None)

    if wrap:
        train = tf.function(train)
    out = []
    for _ in range(2):
        for inputs in dist:
            per_replica, total = train(inputs)
            out.append([local(s, per_replica), enc(total)])
    return {"steps": out, "w": enc(w), "b": enc(b), "iterations": int(opt.iterations.numpy()),
            "mean": enc(mean.result())}


@program
def prog_custom_loop_eager(tf: Any) -> Any:
    return _custom_loop(tf, wrap=False)


@program
def prog_custom_loop_function(tf: Any) -> Any:
    return _custom_loop(tf, wrap=True)


def _model(tf: Any) -> Any:
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="tanh"),
                                 tf.keras.layers.Dense(2)])
    model.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), np.full(4, 0.1, np.float32),
                       np.linspace(1, -1, 8, dtype=np.float32).reshape(4, 2), np.zeros(2, np.float32)])
    return model


@program
def prog_keras_fit(tf: Any) -> Any:
    s = mirrored(tf)
    x, y = data(16)
    with s.scope():
        model = _model(tf)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    hist = model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=3, verbose=0)
    ev = model.evaluate(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), verbose=0, return_dict=True)
    return {"history": {k: [round(float(v), 5) for v in vals] for k, vals in sorted(hist.history.items())},
            "weights": [enc_array(w) for w in model.get_weights()], "evaluate": {k: round(float(v), 5)
                                                                                for k, v in sorted(ev.items())},
            "predict": enc_array(model.predict(x[:4], verbose=0))}


@program
def prog_keras_fit_distributed_datasets(tf: Any) -> Any:
    """fit/evaluate/predict on strategy.experimental_distribute_dataset and distribute_datasets_from_function
    results (Keras takes them as they are; TF reports the first pipeline's length for the latter)."""
    s = mirrored(tf)
    x, y = data(16)
    with s.scope():
        model = _model(tf)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    dist = s.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(8))
    first = model.fit(dist, epochs=2, verbose=0).history

    def fn(ctx: Any) -> Any:
        return tf.data.Dataset.from_tensor_slices((x, y)).shard(ctx.num_input_pipelines, ctx.input_pipeline_id) \
            .batch(ctx.get_per_replica_batch_size(8))

    from_fn = s.distribute_datasets_from_function(fn)
    second = model.fit(from_fn, epochs=2, verbose=0).history
    ev = model.evaluate(dist, verbose=0, return_dict=True)
    return {"cardinality": int(dist.cardinality),
            "history": [{k: [round(float(v), 5) for v in vals] for k, vals in sorted(h.items())}
                        for h in (first, second)],
            "weights": [enc_array(w) for w in model.get_weights()],
            "evaluate": {k: round(float(v), 5) for k, v in sorted(ev.items())},
            "predict": enc_array(model.predict(dist, verbose=0)[:4])}


@program
def prog_keras_custom_loop(tf: Any) -> Any:
    s = mirrored(tf)
    x, y = data(8)
    with s.scope():
        model = _model(tf)
        opt = tf.keras.optimizers.Adam(0.05)
        opt.build(model.trainable_variables)
        loss_fn = tf.keras.losses.MeanSquaredError(reduction="none")
    dist = s.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(4))

    @tf.function
    def train(inputs: Any) -> Any:
        def step(bx: Any, by: Any) -> Any:
            with tf.GradientTape() as tape:
                loss = tf.nn.compute_average_loss(loss_fn(by, model(bx, training=True)))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        return s.reduce("SUM", s.run(step, args=inputs), axis=None)

    losses = [enc(train(inputs)) for _ in range(3) for inputs in dist]
    return {"losses": losses, "weights": [enc_array(w) for w in model.get_weights()]}


def main() -> None:
    lib, out = sys.argv[1], sys.argv[2]
    if lib == "tensorflow":
        import os

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
    else:
        import tapegrad as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    results = {}
    only = sys.argv[3:] or list(PROGRAMS)
    for name in only:
        try:
            results[name] = PROGRAMS[name](tf)
        except Exception as exc:  # noqa: BLE001 - compared by type
            import traceback

            traceback.print_exc()
            results[name] = {"error": type(exc).__name__}
            if len(only) > 1 and lib == "tensorflow":
                # a failed collective aborts TF's collective executor for the rest of the process: a program that
                # fails reruns alone in a fresh process, so that it is not counted against the programs before it
                results[name] = _alone(lib, name, out)
    with open(out, "w") as f:
        json.dump(results, f, indent=1)


def _alone(lib: str, name: str, out: str) -> Any:
    import subprocess

    tmp = f"{out}.{name}.json"
    subprocess.run([sys.executable, __file__, lib, tmp, name], check=True)
    with open(tmp) as f:
        result = json.load(f)[name]
    import os

    os.unlink(tmp)
    return result


if __name__ == "__main__":
    main()
