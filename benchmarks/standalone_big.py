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


# The measurement (tm(floor), then tm(big)), in alternating rounds so that both sides see the same load on
# a shared machine; the medians of the rounds are reported. The second pair of rounds uses the thread's CPU time
# (other processes' time does not count, page faults do).
ROUNDS = 5
walls: tuple[list[float], list[float]] = ([], [])
cpus: tuple[list[float], list[float]] = ([], [])
for _ in range(ROUNDS):
    walls[0].append(tm(floor))
    walls[1].append(tm(big))
for _ in range(ROUNDS):
    cpus[0].append(tm(floor, clock=time.thread_time))
    cpus[1].append(tm(big, clock=time.thread_time))
f, t = float(np.median(walls[0])), float(np.median(walls[1]))
fc, tc = float(np.median(cpus[0])), float(np.median(cpus[1]))
print(f"cpu: floor {fc*1e3:.2f} ms, tapegrad {tc*1e3:.2f} ms, {tc/fc:.2f}x")
print(f"floor {f*1e3:.2f} ms, tapegrad {t*1e3:.2f} ms, {t/f:.2f}x")
