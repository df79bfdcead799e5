"""Issue 12's standalone script, verbatim in substance: a plain user program, no harness, one process.

``python benchmarks/standalone_big.py`` prints ``floor X ms, tapegrad Y ms, Rx``; ``benchmarks.eager_procs`` runs it
in several fresh processes (the allocator's state differs between them, which is the point).
"""

import time

import numpy as np

import tapegrad as tf

v = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)
xb = tf.Variable(v)


def big():
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.tanh(xb) * xb + tf.exp(-xb * xb))
    return tape.gradient(loss, xb)


def floor():
    x = v
    t = np.tanh(x)
    e = np.exp(-x * x)
    _ = np.sum(t * x + e)
    return (1 - t * t) * x + t + e * (-2 * x)


def tm(f, n=40, clock=time.perf_counter):
    f()
    ts = []
    for _ in range(n):
        t0 = clock()
        f()
        ts.append(clock() - t0)
    return float(np.median(ts))


f = tm(floor)
t = tm(big)
# the same again with the thread's CPU time (a shared machine's other processes do not count)
fc = tm(floor, clock=time.thread_time)
tc = tm(big, clock=time.thread_time)
print(f"cpu: floor {fc*1e3:.2f} ms, tapegrad {tc*1e3:.2f} ms, {tc/fc:.2f}x")
print(f"floor {f*1e3:.2f} ms, tapegrad {t*1e3:.2f} ms, {t/f:.2f}x")
