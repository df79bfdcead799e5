"""Every op spec of the registry (``spec(..., tf=True)``) run under a TF-API module: forward values and gradients.

``python ops_lane.py --out FILE`` runs all specs under real TensorFlow and pickles the results; the tests in
``test_ops_vs_tf.py`` compute the same under tapegrad and compare (float64, rtol 1e-6).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent / "src"


def spec_items() -> list[tuple[str, dict[str, Any]]]:
    """(id, spec) for every registry spec meant to be compared with TensorFlow."""
    sys.path.insert(0, str(SRC))
    from tapegrad._registry import OPS

    items = []
    for op in OPS.values():
        t = op.meta.get("test")
        specs = [] if t is None else (list(t) if isinstance(t, (list, tuple)) else [t])
        for k, s in enumerate(specs):
            if s["tf"]:
                items.append((f"{op.name}-{s['name'] or k}", s))
    return items


def _flat(tfm: Any, out: Any) -> list[Any]:
    if isinstance(out, tuple) and hasattr(out, "_fields"):
        out = tuple(out)
    if isinstance(out, (list, tuple)):
        res: list[Any] = []
        for o in out:
            res.extend(_flat(tfm, o))
        return res
    return [out]


def compute(tfm: Any, spec: dict[str, Any], seed: int = 0, compiled: bool = False,
            shapes: list[tuple[int, ...]] | None = None) -> dict[str, Any]:
    """Forward outputs and the gradient of a fixed random projection of them, as NumPy values.

    ``compiled``: the forward and the gradient run as one ``tfm.function`` of the input tensors, called twice
    (the second call runs the compiled function); ``shapes``: the outputs' shapes, for outputs whose static shape
    a trace does not know (``numpy_function``)."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in spec["args"](rng)]
    idx = list(spec["grad"]) if spec["grad"] is not None else [i for i, a in enumerate(arrays)
                                                              if a.dtype.kind in "fc"]
    ts = [tfm.constant(a) for a in arrays]

    def step(*ts: Any) -> tuple[list[Any], list[Any]]:
        wrng = np.random.default_rng(seed + 1)
        with tfm.GradientTape() as tape:
            for i in idx:
                tape.watch(ts[i])
            outs = _flat(tfm, spec["call"](tfm, *ts))
            loss = None
            for k, o in enumerate(outs):
                if not (o.dtype.is_floating or o.dtype.is_complex):
                    continue
                w = wrng.normal(size=o.shape.as_list() if shapes is None else shapes[k])
                if o.dtype.is_complex:
                    term = tfm.reduce_sum(tfm.math.real(tfm.math.conj(tfm.constant(w.astype(o.dtype.as_numpy_dtype)))
                                                        * o))
                else:
                    term = tfm.reduce_sum(tfm.constant(w.astype(o.dtype.as_numpy_dtype)) * o)
                loss = term if loss is None else loss + term
        grads = tape.gradient(loss, [ts[i] for i in idx]) if loss is not None and idx else []
        return outs, [None if g is None else tfm.convert_to_tensor(g) for g in grads]

    if compiled:
        fn = tfm.function(step)
        fn(*ts)
        outs, grads = fn(*ts)
    else:
        outs, grads = step(*ts)
    return {
        "out": [(o.dtype.name, tuple(o.shape.as_list()), np.asarray(o.numpy())) for o in outs],
        "grad": [None if g is None else np.asarray(g.numpy()) for g in grads],
    }


def key() -> str:
    h = hashlib.sha256()
    for p in sorted((SRC / "tapegrad" / "ops").glob("*.py")) + [Path(__file__)]:
        h.update(p.read_bytes())
    from cache import tensorflow_version  # type: ignore[import-not-found]

    h.update(str(tensorflow_version()).encode())
    return h.hexdigest()[:20]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import tensorflow as tf

    results: dict[str, Any] = {}
    for sid, spec in spec_items():
        try:
            results[sid] = compute(tf, spec)
        except Exception as exc:  # noqa: BLE001 - recorded, compared as an error
            results[sid] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    Path(args.out).write_bytes(pickle.dumps(results))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
