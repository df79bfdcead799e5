"""Run every Keras conformance program under TensorFlow 2.21 + Keras 3 in this process; pickle the results.

Usage (from the repository root)::

    python tests/conformance_keras/run_tf.py [--out PATH] [--only NAME ...] [--show]

Results are normalized with tests/conformance/normalize.py (imported, not copied). tapegrad is never imported
here.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if not __package__:  # run as a script: import through the ``tests`` package from the repository root
    sys.path.insert(0, str(HERE.parent.parent))
    __package__ = "tests.conformance_keras"  # noqa: A001

from ..conformance import normalize  # noqa: E402
from ..conformance.cache import write_atomic  # noqa: E402
from . import programs  # noqa: E402
from .cache import cache_path  # noqa: E402


def run_all(only: list[str] | None = None) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import numpy as np
    import tensorflow as tf

    results = {}
    for name, fn in programs.PROGRAMS.items():
        if only and name not in only:
            continue
        results[name] = normalize.run_program(lambda lib, fn=fn: fn(lib, keras), tf)
    meta = {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
            "python": sys.version.split()[0]}
    return {"meta": meta, "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    data = run_all(args.only)
    out = args.out or (None if args.only else cache_path())
    if out is not None:
        write_atomic(out, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    if args.show or out is None:
        for name, node in data["results"].items():
            print(f"{name}: {node!r}")
    print(f"ran {len(data['results'])} programs under TensorFlow {data['meta']['tensorflow']} / Keras "
          f"{data['meta']['keras']} in {time.perf_counter() - start:.1f}s -> {out or 'stdout'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
