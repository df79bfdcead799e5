"""Data-parallel training over MPI with Horovod's API: ``import tapegrad.distributed as hvd``.

One process per replica, launched by MPI (``mpiexec -n 4 python -m mpi4py train.py``); each process computes
gradients on its shard of the data, :class:`DistributedGradientTape` (or the Keras :func:`DistributedOptimizer`)
averages them over all ranks, and every replica applies the same update. Names, arguments and defaults follow
``horovod.tensorflow`` (see ``docs/distributed.md`` for the mapping and the launch commands). Needs the ``mpi``
extra (``pip install 'tapegrad[mpi]'``: mpi4py and MPICH); without it — or with one process — everything works with
``size() == 1`` and identity collectives, so the same script runs anywhere. ``mpi4py`` is imported by
:func:`init`, never by ``import tapegrad``.

>>> import tapegrad as tf
>>> import tapegrad.distributed as hvd
>>> hvd.init()
>>> hvd.size(), hvd.rank(), hvd.is_chief()
(1, 0, True)
"""

from __future__ import annotations

from typing import Any

from . import _core
from ._core import ReduceOp, require_init
from ._ops import (
    Adasum,
    Average,
    Compression,
    Max,
    Min,
    ProcessSet,
    Product,
    Sum,
    allgather,
    allgather_object,
    allreduce,
    alltoall,
    barrier,
    broadcast,
    broadcast_,
    broadcast_object,
    broadcast_variables,
    global_process_set,
    grouped_allreduce,
    join,
    reducescatter,
)
from ._tape import DistributedGradientTape
from ._train import (
    DistributedOptimizer,
    PartialDistributedGradientTape,
    restore_checkpoint,
    save_checkpoint,
    shard,
)

__all__ = [
    "init", "shutdown", "is_initialized", "size", "rank", "local_rank", "local_size", "cross_rank", "cross_size",
    "is_homogeneous", "is_chief", "mpi_enabled", "mpi_built", "mpi_threads_supported",
    "ReduceOp", "Average", "Sum", "Adasum", "Min", "Max", "Product", "Compression", "ProcessSet",
    "global_process_set",
    "allreduce", "grouped_allreduce", "allgather", "broadcast", "broadcast_", "alltoall", "reducescatter", "barrier",
    "join", "broadcast_variables", "broadcast_object", "allgather_object",
    "DistributedGradientTape", "PartialDistributedGradientTape", "DistributedOptimizer",
    "save_checkpoint", "restore_checkpoint", "shard",
]


def init(comm: Any = None, process_sets: Any = None, timeout: float | None = None,
         fusion_threshold: int | None = None) -> None:
    """Start the distributed runtime (idempotent): imports mpi4py if installed and sets up the communicators.

    ``comm``: ``None`` (all of ``MPI.COMM_WORLD``), a list of world ranks, or an mpi4py communicator (duplicated).
    ``timeout`` (seconds, default ``TAPEGRAD_COLLECTIVE_TIMEOUT`` or 300): a collective that waits longer prints
    which operation stalled on which rank and aborts the job. ``fusion_threshold`` (bytes, default
    ``TAPEGRAD_FUSION_THRESHOLD`` or 4 MiB; 0 = one reduction per tensor) caps a fused gradient bucket. With more
    than one rank, an uncaught exception on any rank aborts the whole job (``MPI_Abort``) instead of leaving the
    others waiting. ``process_sets`` other than ``None`` are not supported.

    >>> import tapegrad.distributed as hvd
    >>> hvd.init()
    >>> hvd.is_initialized()
    True
    """
    _core.init(comm, process_sets, timeout, fusion_threshold)


def shutdown() -> None:
    """Release the communicators and stop the watchdog (``init`` may be called again)."""
    _core.shutdown()


def is_initialized() -> bool:
    """Whether :func:`init` has run."""
    return _core.state.initialized


def size() -> int:
    """The number of ranks (processes)."""
    return require_init().size


def rank() -> int:
    """This process's rank, ``0 .. size() - 1``."""
    return require_init().rank


def local_rank() -> int:
    """This process's rank among the processes on its host."""
    return require_init().local_rank


def local_size() -> int:
    """The number of processes on this host."""
    return require_init().local_size


def cross_rank() -> int:
    """This host's index among the hosts (the rank among processes with the same local rank)."""
    return require_init().cross_rank


def cross_size() -> int:
    """The number of hosts (processes with the same local rank)."""
    return require_init().cross_size


def is_homogeneous() -> bool:
    """Whether every host runs the same number of processes."""
    st = require_init()
    if not st.multi:
        return True
    return len(set(allgather_object(st.local_size))) == 1


def is_chief() -> bool:
    """``rank() == 0``: the process that should print, log and write checkpoints."""
    return require_init().rank == 0


def mpi_enabled() -> bool:
    """Whether collectives run over MPI (mpi4py importable and initialised)."""
    return require_init().MPI is not None


def mpi_built() -> bool:
    """Whether mpi4py can be imported (the ``mpi`` extra is installed)."""
    import importlib.util

    return importlib.util.find_spec("mpi4py") is not None


def mpi_threads_supported() -> bool:
    """Whether MPI granted ``MPI_THREAD_MULTIPLE`` (the watchdog thread needs it to abort a stalled job)."""
    st = require_init()
    return st.MPI is not None and st.MPI.Query_thread() == st.MPI.THREAD_MULTIPLE
