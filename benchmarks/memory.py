"""Memory of a deep chain's backward, measured with :mod:`tracemalloc`.

The chain is ``h = tanh(h @ W_i)`` over ``layers`` layers on a ``size × size``
float32 input, then ``reduce_sum``.  Measured quantities (bytes, relative to the
traced memory just before the forward pass):

* ``forward_saved``: traced growth while the forward pass is recorded, i.e. what
  the tape (or the hand-written forward) keeps alive for the backward;
* ``backward_peak``: peak traced memory during ``tape.gradient``;
* ``peak_ratio = backward_peak / forward_saved`` (about 1 means the backward
  needs little beyond what the forward saved and frees it as it goes);
* for a persistent tape, memory after ``del tape`` with and without
  ``gc.collect()`` (released = back near the baseline).

tracemalloc sees NumPy's buffers (NumPy reports them) but not TensorFlow's C++
allocator, so this runs for tapegrad and the NumPy floor only.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks import floor_numpy, workloads_tf
from benchmarks.common import make_memory_data

#: Slack allowed when deciding that memory went back to the baseline.
RELEASE_SLACK_BYTES = 1 << 20


def _traced() -> int:
    return tracemalloc.get_traced_memory()[0]


def _peak() -> int:
    return tracemalloc.get_traced_memory()[1]


def _released(left: int, saved: int) -> bool:
    return left <= max(RELEASE_SLACK_BYTES, 0.02 * saved)


def _cache_clearer(tf: ModuleType) -> Callable[[], int]:
    """tapegrad keeps large arrays in an engine-owned buffer cache (docs/performance.md): blocks freed by the tape
    are kept for reuse. ``clear_buffer_cache`` hands them back to malloc; other modules have nothing to clear."""
    return getattr(getattr(tf, "config", None), "clear_buffer_cache", None) or (lambda: 0)


def _run_traced(body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        return body()
    finally:
        tracemalloc.stop()


def measure_tf_api(tf: ModuleType, layers: int = 200, size: int = 256) -> dict[str, Any]:
    """Measure a TF-API module (meant for tapegrad) on the memory chain."""
    data = make_memory_data(layers, size)
    x = tf.Variable(data["x"])
    Ws = [tf.constant(W) for W in data["Ws"]]
    activation_bytes = data["x"].nbytes

    clear_cache = _cache_clearer(tf)
    # Warm-up outside tracing: lazy imports, caches, first-call allocations.
    tape, loss = workloads_tf.memory_chain(tf, x, Ws, persistent=False)
    tape.gradient(loss, x)
    del tape, loss
    # Measure from an empty buffer cache, so that the forward's saved arrays show as growth (a warm cache would
    # hold them from the warm-up already); what the cache keeps afterwards is reported separately.
    clear_cache()

    def non_persistent() -> dict[str, Any]:
        base = _traced()
        tape, loss = workloads_tf.memory_chain(tf, x, Ws, persistent=False)
        saved = _traced() - base
        tracemalloc.reset_peak()
        grad = tape.gradient(loss, x)
        peak = _peak() - base
        cache_kept = clear_cache()
        after_gradient = _traced() - base
        del tape, loss
        after_del = _traced() - base
        grad_ok = bool(np.all(np.isfinite(grad.numpy())))
        del grad
        gc.collect()
        return {
            "forward_saved": saved,
            "backward_peak": peak,
            "peak_ratio": peak / saved if saved > 0 else None,
            "after_gradient": after_gradient,
            "after_del_tape_and_grad_gc": _traced() - base,
            "after_del_tape": after_del,
            "grad_finite": grad_ok,
            "cache_kept_after_gradient": cache_kept,
        }

    def persistent() -> dict[str, Any]:
        base = _traced()
        tape, loss = workloads_tf.memory_chain(tf, x, Ws, persistent=True)
        saved = _traced() - base
        tracemalloc.reset_peak()
        grad = tape.gradient(loss, x)
        peak = _peak() - base
        del grad
        clear_cache()
        held = _traced() - base
        del tape, loss
        cache_kept = clear_cache()
        after_del = _traced() - base
        gc.collect()
        after_gc = _traced() - base
        return {
            "forward_saved": saved,
            "backward_peak": peak,
            "peak_ratio": peak / saved if saved > 0 else None,
            "held_after_gradient": held,
            "after_del_tape": after_del,
            "after_del_tape_gc": after_gc,
            "released_without_gc": _released(after_del, saved),
            "released": _released(after_gc, saved),
            "cache_kept_after_del": cache_kept,
        }

    result = {"layers": layers, "size": size, "activation_bytes": activation_bytes,
              "non_persistent": _run_traced(non_persistent)}
    clear_cache()
    result["persistent"] = _run_traced(persistent)
    return result


def measure_numpy(layers: int = 200, size: int = 256) -> dict[str, Any]:
    """Measure the hand-written NumPy forward/backward on the memory chain."""
    data = make_memory_data(layers, size)
    x, Ws = data["x"], data["Ws"]
    saved_list, _ = floor_numpy.memory_chain(x, Ws)
    floor_numpy.memory_chain_backward(saved_list, Ws)
    del saved_list

    def body() -> dict[str, Any]:
        base = _traced()
        saved_list, loss = floor_numpy.memory_chain(x, Ws)
        saved = _traced() - base
        tracemalloc.reset_peak()
        grad = floor_numpy.memory_chain_backward(saved_list, Ws)
        peak = _peak() - base
        del saved_list, loss, grad
        gc.collect()
        return {
            "forward_saved": saved,
            "backward_peak": peak,
            "peak_ratio": peak / saved if saved > 0 else None,
            "after_del_tape_and_grad_gc": _traced() - base,
        }

    return {
        "layers": layers,
        "size": size,
        "activation_bytes": x.nbytes,
        "non_persistent": _run_traced(body),
    }
