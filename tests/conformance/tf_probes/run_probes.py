"""Run the vendored TF behaviour probes (p40-p44: control flow, TensorArray, functional ops, py_function) with
``tensorflow`` or another module in its place, printing each case's result as TF's recorded probes do.

Usage: ``python run_probes.py MODULE OUT`` (MODULE: ``tensorflow`` or ``tapegrad``). The probe files are the
team's reference probes (``/work/shared/reference/tf_probes``), copied unchanged; ``h.py`` imports ``tensorflow``,
so for another module this script puts that module in ``sys.modules["tensorflow"]`` first.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROBES = ("p40_control.py", "p41_while.py", "p42_tensorarray.py", "p43_functional.py", "p44_pyfunc.py")


def main() -> int:
    module, out = sys.argv[1], Path(sys.argv[2])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if module != "tensorflow":
        sys.modules["tensorflow"] = importlib.import_module(module)
    sys.path.insert(0, str(HERE))
    os.chdir(HERE)
    buf = io.StringIO()
    for name in PROBES:
        buf.write(f"################ {name}\n")
        with contextlib.redirect_stdout(buf):
            runpy.run_path(str(HERE / name), run_name="__main__")
    out.write_text(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
