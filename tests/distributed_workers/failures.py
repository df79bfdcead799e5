"""A rank fails while the others wait in a collective; the job must end (non-zero) instead of hanging.

``python -m mpi4py -m tests.distributed_workers.failures raise|kill|exit``: rank 1 raises an exception, is killed
with SIGKILL, or exits cleanly without calling the collective the others are in (the watchdog's case: its collective
timeout is 2 s here).
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

import tapegrad as tf
import tapegrad.distributed as hvd

hvd.init(timeout=2.0)
mode = sys.argv[1]
hvd.allreduce(tf.constant(np.ones(3)), name="warmup")
if hvd.rank() == 1:
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "exit":
        sys.exit(0)  # a clean exit (MPI_Finalize) while rank 0 waits: only the watchdog can end this
hvd.allreduce(tf.constant(np.ones(3)), name="stalled_step")
print("UNREACHABLE: the collective completed", flush=True)
