"""Benchmarks comparing tapegrad with TensorFlow, PyTorch, JAX, autograd and a NumPy floor.

Run ``python -m benchmarks --help`` (or ``python benchmarks/run.py --help``).

Importing this package pins NumPy/BLAS, TensorFlow, PyTorch and XLA to one thread
through environment defaults (a value that is already set is left alone).  That only
works before those libraries are imported, so this module must not import NumPy.
"""

import os as _os

#: Environment that pins every library to one thread; the runner also passes it to
#: each subprocess explicitly.
THREAD_ENV: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "BLIS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
}

for _key, _value in THREAD_ENV.items():
    _os.environ.setdefault(_key, _value)
