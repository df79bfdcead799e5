"""Run the vendored TF behaviour probes (p40-p44: control flow, TensorArray, functional ops, py_function; p45-p49:
half-precision dtypes, devices, logical devices, tf.image, linalg bands and tf.sparse) with
``tensorflow`` or another module in its place, printing each case's result as TF's recorded probes do.

Usage: ``python run_probes.py MODULE OUT [PROBE]`` (MODULE: ``tensorflow`` or ``tapegrad``; PROBE: run only that
file). Probes that configure the runtime before it starts (``p47``) run in a fresh interpreter of their own.
The probe files are the team's reference probes (``/work/shared/reference/tf_probes``), copied unchanged;
``h.py`` imports ``tensorflow``, so for another module this script puts that module in
``sys.modules["tensorflow"]`` first.
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
PROBES = ("p40_control.py", "p41_while.py", "p42_tensorarray.py", "p43_functional.py", "p44_pyfunc.py",
          "p45_halfdtypes.py", "p46_device.py", "p47_logical_devices.py", "p48_image.py", "p49_linalg_sparse.py")
FRESH = ("p47_logical_devices.py",)  # set_logical_device_configuration must run before any tensor exists


def main() -> int:
    module, out = sys.argv[1], Path(sys.argv[2])
    only = sys.argv[3] if len(sys.argv) > 3 else None
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    fresh = {}
    if only is None:
        import subprocess

        for name in FRESH:
            part = out.with_name(out.name + "." + name + ".txt")
            subprocess.run([sys.executable, str(HERE / "run_probes.py"), module, str(part), name], check=True)
            fresh[name] = part.read_text()
            part.unlink()
    if module != "tensorflow":
        sys.modules["tensorflow"] = importlib.import_module(module)
    sys.path.insert(0, str(HERE))
    os.chdir(HERE)
    buf = io.StringIO()
    for name in PROBES if only is None else (only,):
        if name in fresh:
            buf.write(fresh[name])
            continue
        buf.write(f"################ {name}\n")
        with contextlib.redirect_stdout(buf):
            runpy.run_path(str(HERE / name), run_name="__main__")
    out.write_text(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
