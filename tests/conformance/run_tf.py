"""Run every conformance program under real TensorFlow in this process and pickle the normalized results.

Usage (from the repository root)::

    python tests/conformance/run_tf.py [--out PATH] [--only NAME ...] [--show]

Without ``--out`` the results go to the cache file that test_conformance.py uses (but a partial run with
``--only`` is just printed). ``--show`` prints each normalized result (handy when writing a new program).
Importing TensorFlow takes seconds, so all programs run in this single process; tapegrad is never
imported here.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

if __package__:
    from . import normalize, programs
    from .cache import cache_path, write_atomic
else:  # run as a script: import the sibling modules directly
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import normalize  # type: ignore[no-redef]
    import programs  # type: ignore[no-redef]
    from cache import cache_path, write_atomic  # type: ignore[no-redef]


def run_all(only: list[str] | None = None, mode: str = "eager") -> dict:
    """Import TensorFlow, run the programs, return ``{"meta": ..., "results": {name: node}}``.

    ``mode="function"`` runs each program as the body of a ``tf.function`` (``normalize.run_program_compiled``)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    results = {}
    for name, fn in programs.PROGRAMS.items():
        if only and name not in only:
            continue
        run = normalize.run_program_compiled if mode == "function" else normalize.run_program
        results[name] = run(fn, tf)
    meta = {"tensorflow": tf.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
    return {"meta": meta, "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="output pickle (default: the cache file)")
    parser.add_argument("--only", nargs="*", default=None, help="run only these program names")
    parser.add_argument("--show", action="store_true", help="print each normalized result")
    parser.add_argument("--mode", choices=("eager", "function"), default="eager",
                        help="function: each program runs as the body of a tf.function")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    data = run_all(args.only, args.mode)
    # A partial run (--only) must never land in the cache file, which must hold every program.
    out = args.out or (None if args.only else cache_path(args.mode))
    if out is not None:
        write_atomic(out, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    if args.show or out is None:
        for name, node in data["results"].items():
            print(f"{name}: {node!r}")
    print(
        f"ran {len(data['results'])} programs under TensorFlow {data['meta']['tensorflow']} "
        f"in {time.perf_counter() - start:.1f}s -> {out or 'stdout'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
