"""Peak memory of a deep MLP's forward + backward with and without ``tapegrad.recompute_grad`` (tracemalloc).

The model is 50 layers ``h = tanh(h @ W_i + b_i)`` on a ``batch × width`` float32 input, loss ``reduce_sum(h)``,
gradients with respect to all weights and biases. With checkpointing, every ``k`` consecutive layers are wrapped in
one ``recompute_grad`` function: the tape keeps only the segment inputs, and the backward pass re-runs one segment
at a time (``k1xk2``: nested segments, each recomputed segment made of recomputed ones). Memory is traced from just
before the forward pass to the end of ``tape.gradient`` (weights and input are allocated before), so it counts the
activations the tape keeps, the transient arrays of the backward pass and the weight gradients it returns.

Run: ``python benchmarks/recompute_memory.py [--layers 50 --batch 2048 --width 128 --plans 1,7,10x5]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tracemalloc
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

import tapegrad as tf  # noqa: E402
from tapegrad.custom import recompute_grad  # noqa: E402


def make_model(layers: int, batch: int, width: int, seed: int = 0) -> tuple[Any, list[Any], list[Any]]:
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.normal(size=(batch, width)).astype(np.float32))
    ws = [tf.Variable((rng.normal(size=(width, width)) / np.sqrt(width)).astype(np.float32)) for _ in range(layers)]
    bs = [tf.Variable(np.zeros(width, np.float32)) for _ in range(layers)]
    return x, ws, bs


def forward_backward(x: Any, ws: list[Any], bs: list[Any], plan: tuple[int, ...]) -> list[Any]:
    """One training step's gradients. ``plan = ()``: plain; ``(k,)``: every ``k`` layers are one
    ``recompute_grad`` segment; ``(k1, k2, ...)``: nested segments (each ``k1``-layer segment is made of
    recomputed ``k2``-layer segments, and so on)."""

    def block(lo: int, hi: int) -> Any:
        def run(h: Any) -> Any:
            for i in range(lo, hi):
                h = tf.tanh(tf.matmul(h, ws[i]) + bs[i])
            return h

        return run

    def build(lo: int, hi: int, plan: tuple[int, ...]) -> Any:
        if not plan:
            return block(lo, hi)
        k = plan[0]
        segments = [recompute_grad(build(a, min(a + k, hi), plan[1:])) for a in range(lo, hi, k)]

        def run(h: Any) -> Any:
            for seg in segments:
                h = seg(h)
            return h

        return run

    model = build(0, len(ws), plan)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    return tape.gradient(loss, ws + bs)


def peak_bytes(x: Any, ws: list[Any], bs: list[Any], plan: tuple[int, ...]) -> tuple[int, list[np.ndarray]]:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        grads = forward_backward(x, ws, bs, plan)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, [g.numpy() for g in grads]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=50)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--plans", default="1,5,7,10,10x5,17x6x2",
                    help="comma list of segment plans: k = k layers per recompute_grad segment; k1xk2 = nested")
    args = ap.parse_args(argv)
    x, ws, bs = make_model(args.layers, args.batch, args.width)
    act = args.batch * args.width * 4
    print(f"{args.layers}-layer tanh MLP, batch {args.batch}, width {args.width}, float32 (one activation = "
          f"{act / 2**20:.2f} MiB; all weight gradients = {args.layers * (args.width + 1) * args.width * 4 / 2**20:.2f}"
          " MiB)")
    base_peak, base_grads = peak_bytes(x, ws, bs, ())
    print(f"{'configuration':<34}{'peak MiB':>10}{'ratio':>8}  gradients")
    print(f"{'plain tape':<34}{base_peak / 2**20:>10.2f}{1.0:>8.2f}  reference")
    bad = []
    for text in [p for p in args.plans.split(",") if p]:
        plan = tuple(int(k) for k in text.split("x"))
        peak, grads = peak_bytes(x, ws, bs, plan)
        same = all(np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(grads, base_grads))
        label = f"recompute_grad segments {text}"
        print(f"{label:<34}{peak / 2**20:>10.2f}{base_peak / peak:>8.2f}  {'equal' if same else 'DIFFERENT'}")
        if not same:
            bad.append(text)
    print("(ratio = plain peak / checkpointed peak)")
    if bad:
        print("ERROR: gradients differ from the plain tape for plans", bad)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
