"""Every collective and its gradient vs NumPy, the gradient tape (None mask, sparse, fusion, determinism), the
agreement check, join, checkpoints, the strategy facade, and N-rank vs 1-process equivalence (tape loop and fit).

Run: ``mpiexec -n 2 python -m mpi4py -m tests.distributed_workers.checks`` (any N >= 2).
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

import tapegrad as tf
import tapegrad.distributed as hvd
from tapegrad import keras
from tapegrad.distributed import _core

hvd.init()
R, N = hvd.rank(), hvd.size()


def ok(name: str) -> None:
    print(f"OK {name} rank {R}", flush=True)


def data(rank: int, shape: tuple[int, ...], dtype: str = "float64", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(1000 * seed + rank)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-5, 6, size=shape).astype(dtype)
    return (rng.standard_normal(shape) + 0.5).astype(dtype)


def close(a: object, b: object, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=1e-12)


def grad_of(fn, x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """d/dx of sum(c * fn(x)) on this rank (the upstream of fn's output is c)."""
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = fn(xv)
        loss = tf.reduce_sum(y * c)
    return tape.gradient(loss, xv).numpy()


def same_everywhere(value: object) -> None:
    values = hvd.allgather_object(value)
    assert all(v == values[0] for v in values), values


# -- collectives ---------------------------------------------------------------------------------------------------


def check_allreduce() -> None:
    xs = [data(r, (3, 4), seed=1) for r in range(N)]
    for op, ref in ((hvd.Sum, np.sum), (hvd.Average, np.mean), (hvd.Min, np.min), (hvd.Max, np.max),
                    (hvd.Product, np.prod)):
        close(hvd.allreduce(tf.constant(xs[R]), op=op).numpy(), ref(np.stack(xs), axis=0))
    close(hvd.allreduce(tf.constant(xs[R]), op=hvd.Sum, prescale_factor=2.0, postscale_factor=0.5).numpy(),
          np.sum(np.stack(xs), 0))
    close(hvd.allreduce(tf.constant(xs[R]), prescale_factor=3.0).numpy(), 3.0 * np.mean(np.stack(xs), 0))
    close(hvd.allreduce(tf.constant(xs[R]), average=False).numpy(), np.sum(np.stack(xs), 0))
    ints = [data(r, (5,), "int32", seed=2) for r in range(N)]
    out = hvd.allreduce(tf.constant(ints[R]), op=hvd.Sum)
    assert out.dtype == tf.int32 and out.numpy().tolist() == np.sum(np.stack(ints), 0).tolist()
    f32 = hvd.allreduce(tf.constant(xs[R].astype(np.float32)))
    assert f32.dtype == tf.float32
    fp16 = hvd.allreduce(tf.constant(xs[R].astype(np.float32)), compression=hvd.Compression.fp16)
    assert fp16.dtype == tf.float32
    close(fp16.numpy(), np.mean(np.stack(xs), 0), rtol=5e-3)
    # gradient: allreduce(dy) with the same op and factors
    cs = [data(r, (3, 4), seed=3) for r in range(N)]
    close(grad_of(lambda v: hvd.allreduce(v, op=hvd.Sum), xs[R], cs[R]), np.sum(np.stack(cs), 0))
    close(grad_of(lambda v: hvd.allreduce(v), xs[R], cs[R]), np.mean(np.stack(cs), 0))
    close(grad_of(lambda v: hvd.allreduce(v, op=hvd.Sum, prescale_factor=2.0, postscale_factor=3.0), xs[R], cs[R]),
          6.0 * np.sum(np.stack(cs), 0))
    # IndexedSlices: an allgather of values and indices (values / size for Average)
    sl = tf.IndexedSlices(tf.constant(np.full((R + 1, 2), float(R + 1))), tf.constant(np.arange(R + 1)),
                          tf.constant([N + 1, 2]))
    red = hvd.allreduce(sl)
    dense = np.zeros((N + 1, 2))
    for r in range(N):
        dense[:r + 1] += (r + 1) / N
    close(tf.convert_to_tensor(red).numpy(), dense)
    ok("allreduce")


def check_grouped() -> None:
    shapes = [(3,), (2, 2), (), (7, 3), (1,)]
    dts = ["float64", "float32", "float64", "float64", "float32"]
    xs = [[data(r, s, d, seed=10 + i) for i, (s, d) in enumerate(zip(shapes, dts))] for r in range(N)]
    old = _core.state.fusion_threshold
    for threshold in (old, 64, 0):  # one bucket per dtype / several buckets + direct / per tensor
        _core.state.fusion_threshold = threshold
        outs = hvd.grouped_allreduce([tf.constant(x) for x in xs[R]], op=hvd.Sum)
        for i, o in enumerate(outs):
            assert o.dtype.name == dts[i] and tuple(o.shape) == shapes[i]
            close(o.numpy(), np.sum([xs[r][i] for r in range(N)], 0), rtol=1e-6)
    _core.state.fusion_threshold = old
    cs = [data(r, (7, 3), seed=20) for r in range(N)]
    xv = tf.Variable(xs[R][3])
    with tf.GradientTape() as tape:
        a, b = hvd.grouped_allreduce([xv, xv * 2.0])
        loss = tf.reduce_sum(a * cs[R]) + tf.reduce_sum(b * cs[R])
    close(tape.gradient(loss, xv).numpy(), 3.0 * np.mean(np.stack(cs), 0))
    ok("grouped_allreduce")


def check_allgather_broadcast() -> None:
    xs = [data(r, (r + 1, 3), seed=30) for r in range(N)]
    close(hvd.allgather(tf.constant(xs[R])).numpy(), np.concatenate(xs))
    cat = np.concatenate(xs)
    cs = [data(r, cat.shape, seed=31) for r in range(N)]
    start = sum(r + 1 for r in range(R))
    close(grad_of(hvd.allgather, xs[R], cs[R]), np.sum(np.stack(cs), 0)[start:start + R + 1])
    root = N - 1
    ys = [data(r, (2, 3), seed=32) for r in range(N)]
    close(hvd.broadcast(tf.constant(ys[R]), root_rank=root).numpy(), ys[root])
    cs = [data(r, (2, 3), seed=33) for r in range(N)]
    close(grad_of(lambda v: hvd.broadcast(v, root), ys[R], cs[R]),
          np.sum(np.stack(cs), 0) if R == root else np.zeros((2, 3)))
    variables = [tf.Variable(data(R, (4,), seed=34)), tf.Variable(data(R, (2, 2), "float32", seed=35)),
                 tf.Variable(data(R, (3,), "int32", seed=36)), tf.Variable(data(R, (), seed=37))]
    hvd.broadcast_variables(variables, root_rank=root)
    for i, v in enumerate(variables):
        want = data(root, tuple(v.shape), v.dtype.name, seed=34 + i)
        assert v.numpy().tolist() == want.tolist()
    assert hvd.broadcast_object({"rank": R, "n": [1, 2]}, root_rank=root) == {"rank": root, "n": [1, 2]}
    assert hvd.allgather_object((R, "x")) == [(r, "x") for r in range(N)]
    hvd.barrier()
    ok("allgather_broadcast")


def check_alltoall_reducescatter() -> None:
    splits = [[(r + j) % 3 for j in range(N)] for r in range(N)]
    xs = [data(r, (sum(splits[r]), 2), seed=40) for r in range(N)]
    out, received = hvd.alltoall(tf.constant(xs[R]), splits=splits[R])

    def piece(r: int, j: int) -> np.ndarray:  # rows rank r sends to rank j
        off = sum(splits[r][:j])
        return xs[r][off:off + splits[r][j]]

    close(out.numpy(), np.concatenate([piece(r, R) for r in range(N)]))
    assert received.numpy().tolist() == [splits[r][R] for r in range(N)]
    even = [data(r, (2 * N, 2), seed=41) for r in range(N)]
    close(hvd.alltoall(tf.constant(even[R])).numpy(), np.concatenate([even[r][2 * R:2 * R + 2] for r in range(N)]))
    # gradient: the upstream goes back where the rows came from
    outs = [np.concatenate([piece(r, j) for r in range(N)]) for j in range(N)]
    cs = [data(j, outs[j].shape, seed=42) for j in range(N)]
    want = []
    for j in range(N):
        off = sum(splits[r][j] for r in range(R))
        want.append(cs[j][off:off + splits[R][j]])
    close(grad_of(lambda v: hvd.alltoall(v, splits=splits[R])[0], xs[R], cs[R]), np.concatenate(want))
    rows = 2 * N + 1
    zs = [data(r, (rows, 3), seed=43) for r in range(N)]
    counts = [rows // N + (1 if r < rows % N else 0) for r in range(N)]
    lo = sum(counts[:R])
    for op, f in ((hvd.Sum, 1.0), (hvd.Average, 1.0 / N)):
        got = hvd.reducescatter(tf.constant(zs[R]), op=op)
        close(got.numpy(), f * np.sum(np.stack(zs), 0)[lo:lo + counts[R]])
    cs = [data(r, (counts[r], 3), seed=44) for r in range(N)]
    close(grad_of(lambda v: hvd.reducescatter(v, op=hvd.Sum), zs[R], cs[R]), np.concatenate(cs))
    ok("alltoall_reducescatter")


# -- the gradient tape ---------------------------------------------------------------------------------------------


def check_tape() -> None:
    w = tf.Variable(data(0, (3, 2), seed=50))
    v = tf.Variable(data(0, (2,), seed=51))
    u = tf.Variable(data(0, (4,), seed=52))
    x = data(R, (5, 3), seed=53)
    with tf.GradientTape(persistent=True) as tape:
        h = tf.matmul(tf.constant(x), w)
        loss = tf.reduce_sum(h * h)
        if R == 0:  # v gets a gradient on rank 0 only: the others contribute zeros, nobody deadlocks
            loss = loss + tf.reduce_sum(v * v)
    dtape = hvd.DistributedGradientTape(tape)
    gw, gv, gu = dtape.gradient(loss, [w, v, u])
    want_w = np.mean([2 * data(r, (5, 3), seed=53).T @ (data(r, (5, 3), seed=53) @ w.numpy()) for r in range(N)], 0)
    close(gw.numpy(), want_w, rtol=1e-10)
    close(gv.numpy(), 2 * v.numpy() / N)
    assert gu is None
    gz = dtape.gradient(loss, {"u": u, "v": v}, unconnected_gradients="zero")
    assert gz["u"].numpy().tolist() == [0.0] * 4
    close(gz["v"].numpy(), 2 * v.numpy() / N)
    # sparse: allgathered rows (values / N), or dense with sparse_as_dense; rank 1 densely, the others sparsely
    emb = tf.Variable(data(0, (6, 2), seed=54))
    idx = [np.array([r % 6, (r + 2) % 6, r % 6]) for r in range(N)]

    def loss_on(r: int):
        if r == 1:
            return tf.reduce_sum(emb * float(r))
        return tf.reduce_sum(tf.gather(emb, idx[r]) * float(r + 1))

    dense = np.zeros((6, 2))
    for r in range(N):
        if r == 1:
            dense += 1.0
        else:
            np.add.at(dense, idx[r], float(r + 1))
    dense /= N
    for sad in (False, True):
        with tf.GradientTape() as tape:
            loss = loss_on(R)
        g = hvd.DistributedGradientTape(tape, sparse_as_dense=sad).gradient(loss, emb)
        assert isinstance(g, tf.Tensor)  # a mix of dense and sparse contributions is dense
        close(g.numpy(), dense)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(emb, idx[R]) * float(R + 1))
    g = hvd.DistributedGradientTape(tape).gradient(loss, emb)
    assert isinstance(g, tf.IndexedSlices) and g.values.shape[0] == 3 * N
    want = np.zeros((6, 2))
    for r in range(N):
        np.add.at(want, idx[r], float(r + 1) / N)
    close(tf.convert_to_tensor(g).numpy(), want)
    # many buckets and directly-reduced big tensors give the same numbers, and repeated runs are bitwise equal
    params = [tf.Variable(data(0, s, seed=60 + i)) for i, s in enumerate([(40, 30), (30,), (30, 20), (20,), (3,)])]
    xb = data(R, (8, 40), seed=70)

    def grads(threshold: int) -> list[np.ndarray]:
        _core.state.fusion_threshold = threshold
        with tf.GradientTape() as tape:
            h = tf.constant(xb)
            for k in range(0, 4, 2):
                h = tf.tanh(tf.matmul(h, params[k]) + params[k + 1])
            loss = tf.reduce_sum(h * h) + tf.reduce_sum(params[4] * params[4])
        return [g.numpy() for g in hvd.DistributedGradientTape(tape).gradient(loss, params)]

    # overlap is structural: with small buckets, reductions are posted while the sweep still has entries to run
    from tapegrad.distributed import _tape as dtape

    old = _core.state.fusion_threshold
    seen: list[tuple[int, int]] = []
    original = dtape._Listener.watch

    def spy(self, k: int) -> None:
        seen.append((k, len(self.red.reqs)))
        original(self, k)

    dtape._Listener.watch = spy
    try:
        grads(1000)
    finally:
        dtape._Listener.watch = original
    assert any(k > 0 and posted > 0 for k, posted in seen), seen
    assert seen[-1][0] == -1
    base = grads(old)
    for threshold in (0, 500, 5000):
        for a, b in zip(grads(threshold), base):
            close(a, b, rtol=1e-12)
    again = grads(old)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(again, base))  # bitwise run-to-run
    _core.state.fusion_threshold = old
    same_everywhere(b"".join(a.tobytes() for a in base))  # every replica gets the same bits
    # fp16 compression: float16 on the wire, float32 back, about 3 significant digits
    w32 = tf.Variable(data(0, (3, 2), "float32", seed=50))
    x32 = data(R, (5, 3), "float32", seed=53)
    with tf.GradientTape() as tape:
        h = tf.matmul(tf.constant(x32), w32)
        loss = tf.reduce_sum(h * h)
    g16 = hvd.DistributedGradientTape(tape, compression=hvd.Compression.fp16, op=hvd.Sum).gradient(loss, w32)
    assert g16.dtype == tf.float32
    close(g16.numpy(), want_w * N, rtol=3e-3)
    # higher order through the distributed tape: d/dw of the averaged gradient's norm
    wv = tf.Variable(data(0, (3,), seed=80))
    c = data(R, (3,), seed=81)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(wv * wv * wv * c)
        g = hvd.DistributedGradientTape(inner).gradient(y, wv)
        z = tf.reduce_sum(g)
    cs = np.stack([data(r, (3,), seed=81) for r in range(N)])
    close(g.numpy(), 3 * wv.numpy() ** 2 * cs.mean(0))
    # the reduction's gradient is an Average allreduce of the upstream (ones), so this rank's term remains
    close(outer.gradient(z, wv).numpy(), 6 * wv.numpy() * c)
    ok("tape")


# -- safety --------------------------------------------------------------------------------------------------------


def expect_same_error(fn, *needles: str) -> None:
    try:
        fn()
    except tf.errors.FailedPreconditionError as e:
        msg = str(e)
    else:
        raise AssertionError("no error raised")
    for needle in needles:
        assert needle in msg, msg
    same_everywhere(msg)


def check_mismatches() -> None:
    expect_same_error(lambda: hvd.allreduce(tf.zeros((2, 3) if R == 0 else (3, 2))),
                      "Mismatched allreduce tensor shapes", "rank 0 sent [2, 3]", "rank 1 sent [3, 2]")
    expect_same_error(lambda: hvd.allreduce(tf.zeros((4,), dtype=tf.float32 if R == 0 else tf.int32)),
                      "Mismatched allreduce data types", "rank 0 sent float32", "rank 1 sent int32")
    a, b = tf.ones((3,)), tf.ones((3,)) * 2.0

    def swapped() -> None:
        first, second = ((a, "a"), (b, "b")) if R == 0 else ((b, "b"), (a, "a"))
        hvd.allreduce(first[0], name=first[1])
        hvd.allreduce(second[0], name=second[1])

    expect_same_error(swapped, "Mismatched allreduce tensor name", "rank 0 sent a", "rank 1 sent b")
    expect_same_error(lambda: hvd.allreduce(a) if R == 0 else hvd.broadcast(a, 0), "Mismatched operations")
    expect_same_error(lambda: hvd.allreduce(a, op=hvd.Sum if R == 0 else hvd.Max), "Mismatched allreduce reduction op")
    expect_same_error(lambda: hvd.allgather(tf.zeros((2, 3 + (R == 1)))),
                      "Mismatched allgather tensor shapes (all but the first dimension)")
    w = tf.Variable(np.zeros((2, 3) if R == 0 else (3, 2)))

    def tape_mismatch() -> None:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w)
        hvd.DistributedGradientTape(tape).gradient(loss, [w])

    expect_same_error(tape_mismatch, "Mismatched gradient tensor shapes")
    hvd.barrier()  # still in step afterwards
    ok("mismatches")


def check_join() -> None:
    w = tf.Variable(np.arange(3.0))
    steps = R + 1  # uneven shards: rank r has r + 1 batches
    for step in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * float(R + 1))
        g = hvd.DistributedGradientTape(tape).gradient(loss, w)
        active = [r for r in range(N) if r + 1 > step]
        close(g.numpy(), np.full(3, np.mean([r + 1.0 for r in active])))
        s = hvd.allreduce(tf.constant([1.0]), op=hvd.Sum)
        assert float(s[0]) == len(active)
    assert hvd.join() == N - 1
    # a collective other than a Sum/Average reduction while a rank is joined: the same error on every rank
    if R == 0:
        expect_same_error(hvd.join, "allgather is not allowed while some ranks have called hvd.join()")
    else:
        expect_same_error(lambda: hvd.allgather(tf.ones((1,))), "allgather is not allowed")
    hvd.join()
    if N >= 3:  # a mismatch among the active ranks while rank 0 is joined: the joined rank raises it too
        if R == 0:
            expect_same_error(hvd.join, "Mismatched allreduce tensor shapes", "rank 1 sent [1]", "rank 2 sent [2]",
                              "(ranks [0] have joined)")
        else:
            expect_same_error(lambda: hvd.allreduce(tf.zeros((R,))), "Mismatched allreduce tensor shapes")
        hvd.join()
    hvd.barrier()  # every rank is back in step
    ok("join")


def check_checkpoint() -> None:
    from tapegrad.train import Checkpoint

    tmp = hvd.broadcast_object(tempfile.mkdtemp(prefix="tg_dist_") if R == 0 else None)
    v = tf.Variable(np.arange(4.0) + 10 * R)
    ckpt = Checkpoint(v=v)
    path = hvd.save_checkpoint(ckpt, os.path.join(tmp, "ckpt"))
    assert path == os.path.join(tmp, "ckpt-1") and int(ckpt.save_counter.numpy()) == 1
    hvd.barrier()
    assert sorted(os.listdir(tmp)) == ["checkpoint", "ckpt-1.npz"], os.listdir(tmp)  # the chief's file only
    v.assign(np.full(4, -1.0))
    hvd.restore_checkpoint(ckpt, path if R == 0 else "/nonexistent/only-the-root-reads")
    assert v.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
    ok("checkpoint")


def check_strategy() -> None:
    from tapegrad.distributed.strategy import MPIStrategy, ReduceOp

    s = MPIStrategy()
    assert s.num_replicas_in_sync == N
    with s.scope():
        v = tf.Variable(np.full(2, float(R)))
    assert v.numpy().tolist() == [0.0, 0.0]
    x = np.arange(2.0 * (R + 1)).reshape(R + 1, 2)
    close(s.reduce(ReduceOp.SUM, x, axis=0).numpy(), np.sum([np.arange(2.0 * (r + 1)).reshape(r + 1, 2).sum(0)
                                                                 for r in range(N)], 0))
    allx = np.concatenate([np.arange(2.0 * (r + 1)).reshape(r + 1, 2) for r in range(N)])
    close(s.reduce("MEAN", x, axis=0).numpy(), allx.mean(0))
    close(s.gather(tf.constant(x), axis=0).numpy(), allx)
    batches = [np.arange(4.0 * N) + 100 * k for k in range(2)]
    got = list(s.experimental_distribute_dataset(batches))
    assert [g.tolist() for g in got] == [b[4 * R:4 * R + 4].tolist() for b in batches]
    assert s.run(lambda a, b=0: a + b, args=(1,), kwargs={"b": 2}) == 3
    ok("strategy")


# -- equivalence: N ranks on shards == 1 process on the concatenated batch -----------------------------------------

STEPS, B = 20, 4 * N  # global batch B per step; each rank gets B // N rows


def problem() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((STEPS * B, 5))
    y = np.stack([np.sin(x[:, 0]) + x[:, 1], x[:, 2] * x[:, 3], np.cos(x[:, 4])], 1)
    init = [rng.standard_normal((5, 8)) * 0.5, np.zeros(8), rng.standard_normal((8, 3)) * 0.5, np.zeros(3)]
    return x, y, init


def rank_rows(r: int) -> np.ndarray:
    b = B // N
    return np.concatenate([np.arange(i * B + r * b, i * B + (r + 1) * b) for i in range(STEPS)])


def tape_train(x: np.ndarray, y: np.ndarray, init: list[np.ndarray], batch: int, distributed: bool) -> list:
    params = [tf.Variable(p) for p in init]
    opt = keras.optimizers.Adam(learning_rate=0.01)
    for i in range(STEPS):
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        with tf.GradientTape() as tape:
            h = tf.tanh(tf.matmul(tf.constant(xb), params[0]) + params[1])
            out = tf.matmul(h, params[2]) + params[3]
            loss = tf.reduce_mean(tf.square(out - yb))
        if distributed:
            tape = hvd.DistributedGradientTape(tape)
        grads = tape.gradient(loss, params)
        opt.apply_gradients(zip(grads, params))
    return [p.numpy() for p in params]


def fit_train(x: np.ndarray, y: np.ndarray, init: list[np.ndarray], batch: int, distributed: bool) -> list:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)])
    model.set_weights(init)
    opt = keras.optimizers.Adam(learning_rate=0.01)
    callbacks = []
    if distributed:
        opt = hvd.DistributedOptimizer(opt)
        callbacks = [hvd.keras.callbacks.BroadcastGlobalVariablesCallback(0),
                     hvd.keras.callbacks.MetricAverageCallback()]
    model.compile(optimizer=opt, loss="mse")
    history = model.fit(x, y, batch_size=batch, epochs=2, steps_per_epoch=STEPS // 2, shuffle=False, verbose=0,
                        callbacks=callbacks)
    return [w for w in model.get_weights()] + [np.array(history.history["loss"])]


def check_equivalence() -> None:
    import tapegrad.distributed.keras  # noqa: F401  (hvd.keras.callbacks)

    keras.backend.set_floatx("float64")
    x, y, init = problem()
    mine = rank_rows(R)
    for name, train in (("tape", tape_train), ("fit", fit_train)):
        single = train(x, y, init, B, distributed=False)
        dist = train(x[mine], y[mine], init, B // N, distributed=True)
        n_params = 4
        for a, b in zip(dist[:n_params], single[:n_params]):
            err = np.max(np.abs(a - b)) / np.max(np.abs(b))
            assert err <= 1e-6, (name, err)
        moved = max(np.max(np.abs(a - i)) for a, i in zip(dist[:n_params], init))
        assert moved > 1e-2, moved  # 20 steps really trained
        same_everywhere(b"".join(a.tobytes() for a in dist[:n_params]))
        if name == "fit":  # MetricAverageCallback: every rank logs the same (averaged) loss
            same_everywhere(dist[-1].tobytes())
        ok(f"equivalence_{name}")
    keras.backend.set_floatx("float32")


def check_keras_pieces() -> None:
    """Topology, the optimizer's direct apply path (with accumulation), and the callbacks' arithmetic at N ranks."""
    from tapegrad.distributed.keras import callbacks

    assert (hvd.local_size(), hvd.local_rank(), hvd.cross_size(), hvd.cross_rank()) == (N, R, 1, 0)
    assert hvd.is_homogeneous() and hvd.is_chief() == (R == 0)
    v = tf.Variable(np.zeros(2))
    opt = hvd.DistributedOptimizer(keras.optimizers.SGD(1.0))
    opt.apply_gradients([(tf.constant(np.full(2, float(R))), v)])
    close(v.numpy(), -np.full(2, np.mean(range(N))))
    v2 = tf.Variable(np.zeros(1))
    acc = hvd.DistributedOptimizer(keras.optimizers.SGD(1.0), op=hvd.Sum, backward_passes_per_step=2,
                                   average_aggregated_gradients=True)
    acc.apply_gradients([(tf.constant([1.0 + R]), v2)])
    assert v2.numpy().tolist() == [0.0]
    acc.apply_gradients([(tf.constant([3.0 + R]), v2)])
    close(v2.numpy(), [-sum((4.0 + 2 * r) / 2 for r in range(N))])
    warm = callbacks.LearningRateWarmupCallback(initial_lr=0.4, warmup_epochs=4)
    close([warm.multiplier(0.0), warm.multiplier(2.0), warm.multiplier(4.0)], [1 / N, (1 + 2 * (N - 1) / 4) / N, 1.0])
    logs = {"loss": float(R), "accuracy": 1.0 + R, "name": "x"}
    callbacks.MetricAverageCallback().on_epoch_end(0, logs)
    close([logs["loss"], logs["accuracy"]], [np.mean(range(N)), 1.0 + np.mean(range(N))])
    assert logs["name"] == "x"
    ok("keras_pieces")


def check_traced() -> None:
    """Inside tapegrad.function: collectives and the tape's reduction communicate on every call (not replayed)."""
    x = tf.constant(np.arange(3.0) + R)

    @tf.function
    def f(x):
        return hvd.allreduce(x * 2.0, op=hvd.Sum), hvd.broadcast(x, 0), hvd.grouped_allreduce([x, x * 3.0])

    for k in range(3):
        a, b, (_, d) = f(x + k)
        total = sum(np.arange(3.0) + r + k for r in range(N))
        close(a.numpy(), 2 * total)
        close(b.numpy(), np.arange(3.0) + k)
        close(d.numpy(), 3 * total / N)
    w, u = tf.Variable(np.array([1.0, 2.0])), tf.Variable(np.array([0.5]))

    @tf.function
    def step(xb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w * xb) + (tf.reduce_sum(u * u) if R == 0 else 0.0)
        g = hvd.DistributedGradientTape(tape).gradient(loss, [w, u])
        w.assign_sub(0.1 * g[0])
        u.assign_sub(0.1 * g[1])
        return g

    w_ref, u_ref = np.array([1.0, 2.0]), np.array([0.5])
    for k in range(3):
        xs = [float(r + 1 + k) for r in range(N)]
        g = step(tf.constant(np.float64(xs[R])))
        gw, gu = np.mean([2 * w_ref * v for v in xs], 0), 2 * u_ref / N
        close(g[0].numpy(), gw)
        close(g[1].numpy(), gu)
        w_ref, u_ref = w_ref - 0.1 * gw, u_ref - 0.1 * gu
        close(w.numpy(), w_ref)
    try:
        tf.function(lambda t: hvd.allgather(t))(x)
    except NotImplementedError as e:
        assert "cannot run inside tapegrad.function" in str(e), e
    else:
        raise AssertionError("allgather ran inside a traced function")
    ok("traced")


def check_init_comm() -> None:
    """Re-initialise on a subset of the ranks (``init(comm=[...])``): sizes, ranks and a reduction over the subset."""
    hvd.shutdown()
    assert not hvd.is_initialized()
    subset = list(range(1, N))
    try:
        hvd.init(comm=subset)
    except ValueError as e:
        assert R == 0 and "not in the list" in str(e), e
        print(f"OK init_comm rank {R}", flush=True)
        return
    assert hvd.size() == N - 1 and hvd.rank() == R - 1
    got = hvd.allreduce(tf.constant([float(R)]), op=hvd.Sum)
    assert float(got[0]) == sum(subset)
    hvd.shutdown()
    ok("init_comm")


CHECKS = [check_allreduce, check_grouped, check_allgather_broadcast, check_alltoall_reducescatter, check_tape,
          check_mismatches, check_join, check_checkpoint, check_strategy, check_equivalence, check_traced,
          check_keras_pieces, check_init_comm]

if __name__ == "__main__":
    only = sys.argv[1:]
    for check in CHECKS:
        if not only or check.__name__ in only:
            check()
    if hvd.is_initialized():
        hvd.shutdown()
