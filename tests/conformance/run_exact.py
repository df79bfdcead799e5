"""Run ``exact_programs.PROGRAMS`` under a module (``tensorflow`` or ``tapegrad``) and pickle the results.

Usage: ``python run_exact.py tensorflow OUT.pkl`` (the exact lane's TF side; see ``test_exact_vs_tf.py``).
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from exact_programs import PROGRAMS  # noqa: E402


def run_all(tf: Any) -> dict[str, Any]:
    """``{program: {key: array}}``, or ``{program: ("raised", exception class name)}``."""
    results: dict[str, Any] = {}
    for name, fn in PROGRAMS.items():
        try:
            results[name] = fn(tf)
        except Exception as e:  # noqa: BLE001  (compared by type)
            results[name] = ("raised", type(e).__name__)
    return results


def main(argv: list[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = importlib.import_module(argv[0])
    Path(argv[1]).write_bytes(pickle.dumps(run_all(tf)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
