"""The MPI engine under ``tapegrad.distributed``: process state, the agreement check, fused reductions, the watchdog.

Every collective call runs the same protocol on every rank, so that ranks can never pair up different operations:

1. **Agreement check**: one blocking 40-byte ``Allreduce(SUM)`` on a private control communicator of
   ``[h1, h1², h2, h2², active]``, where ``h1, h2`` are two 24-bit hashes of the call's *layout* (operation, dtypes,
   shapes, root, reduction op, scale factors, name, call number). By Cauchy–Schwarz the sums equal ``A·h`` and
   ``A·h²`` on a rank exactly when every active rank sent the same ``h``, so every rank sees a disagreement at once;
   they then allgather the layouts (pickled, small) and all raise the same ``FailedPreconditionError`` that names
   the first field that differs and what each rank sent. ``active`` counts the ranks that have not called
   :func:`join`; a joined rank sends zeros, receives the layout, and contributes zeros (or empty rows) to the data
   collectives that follow.
2. **Data**: buffer-based MPI calls on a second private communicator (never the pickle API for arrays). Reductions
   go through a static bucket plan (:class:`Plan`): members grouped by dtype, filled in a fixed order up to the fusion
   threshold, one ``Iallreduce`` per bucket. ``Average`` is ``SUM`` followed by one multiply.
3. **Watchdog**: every blocking wait is registered with a daemon thread; a wait longer than the collective timeout
   prints which operation stalled on which rank and calls ``MPI_Abort`` (the job ends instead of hanging).

Without mpi4py, or with one process, every collective is the identity (with scale factors applied).
"""

from __future__ import annotations

import enum
import hashlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import errors

__all__ = ["ReduceOp", "state", "Plan"]


class ReduceOp(enum.IntEnum):
    """Reduction operations (Horovod's constants ``hvd.Average``, ``hvd.Sum``, ...; same integer values)."""

    AVERAGE = 0
    SUM = 1
    ADASUM = 2
    MIN = 3
    MAX = 4
    PRODUCT = 5


DEFAULT_TIMEOUT = 300.0
DEFAULT_FUSION_THRESHOLD = 4 * 1024 * 1024


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


class _State:
    """Per-process state: communicators, topology, the joined flag, the call counter and the watchdog."""

    def __init__(self) -> None:
        self.initialized = False
        self.MPI: Any = None
        self.comm: Any = None      # data communicator (a Dup: user traffic on the same comm cannot interfere)
        self.ctl: Any = None       # control communicator (agreement checks, layouts)
        self.rank = 0
        self.size = 1
        self.local_rank = 0
        self.local_size = 1
        self.cross_rank = 0
        self.cross_size = 1
        self.seq = 0
        self.timeout = DEFAULT_TIMEOUT
        self.fusion_threshold = DEFAULT_FUSION_THRESHOLD
        self.plans: dict[Any, Plan] = {}
        self.pending: tuple[str, float] | None = None
        self.watchdog: threading.Thread | None = None
        self.stop = threading.Event()
        self.prev_excepthook: Any = None

    @property
    def multi(self) -> bool:
        return self.size > 1


state = _State()


def require_init() -> _State:
    if not state.initialized:
        raise ValueError("tapegrad.distributed has not been initialized; call hvd.init() first "
                         "(`import tapegrad.distributed as hvd; hvd.init()`).")
    return state


# --------------------------------------------------------------------------------------------------------------
# init / shutdown


def init(comm: Any = None, process_sets: Any = None, timeout: float | None = None,
         fusion_threshold: int | None = None) -> None:
    if process_sets is not None:
        raise NotImplementedError("tapegrad.distributed supports only the global process set; pass "
                                  "process_sets=None (every collective runs over all ranks of `comm`).")
    if state.initialized:
        return
    state.timeout = float(timeout) if timeout is not None else _env_float("TAPEGRAD_COLLECTIVE_TIMEOUT",
                                                                          DEFAULT_TIMEOUT)
    if fusion_threshold is None:
        fusion_threshold = int(_env_float("TAPEGRAD_FUSION_THRESHOLD", DEFAULT_FUSION_THRESHOLD))
    if fusion_threshold < 0:
        raise ValueError(f"fusion_threshold must be >= 0 bytes (0 = one reduction per tensor), got {fusion_threshold}")
    state.fusion_threshold = int(fusion_threshold)
    try:
        from mpi4py import MPI  # lazy: `import tapegrad` never loads MPI
    except ImportError:
        MPI = None
    if MPI is None:
        if comm is not None:
            raise ImportError("hvd.init(comm=...) needs mpi4py: pip install 'tapegrad[mpi]'")
        state.initialized = True
        return
    base = MPI.COMM_WORLD
    if comm is not None and not isinstance(comm, MPI.Comm):
        ranks = [int(r) for r in comm]
        group = MPI.COMM_WORLD.Get_group().Incl(ranks)
        base = MPI.COMM_WORLD.Create(group)
        if base == MPI.COMM_NULL:
            raise ValueError(f"hvd.init(comm={ranks}): this process (world rank {MPI.COMM_WORLD.Get_rank()}) is not "
                             "in the list, so it cannot take part in tapegrad.distributed's collectives (every world "
                             "rank must call init with the same list; only the listed ones may continue).")
    elif comm is not None:
        base = comm
    state.MPI = MPI
    state.comm = base.Dup()
    state.ctl = base.Dup()
    state.rank = state.comm.Get_rank()
    state.size = state.comm.Get_size()
    local = state.comm.Split_type(MPI.COMM_TYPE_SHARED, key=state.rank)
    state.local_rank, state.local_size = local.Get_rank(), local.Get_size()
    cross = state.comm.Split(color=state.local_rank, key=state.rank)
    state.cross_rank, state.cross_size = cross.Get_rank(), cross.Get_size()
    local.Free()
    cross.Free()
    state.initialized = True
    if state.size > 1:
        _install_excepthook()
        _start_watchdog()


def shutdown() -> None:
    if not state.initialized:
        return
    state.stop.set()
    if state.watchdog is not None:
        state.watchdog.join(timeout=1.0)
    if state.prev_excepthook is not None:
        sys.excepthook = state.prev_excepthook
    for c in (state.comm, state.ctl):
        if c is not None:
            c.Free()
    fresh = _State()
    state.__dict__.update(fresh.__dict__)


def _abort(message: str) -> None:
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()
    time.sleep(0.5)  # let the launcher forward the message before MPI_Abort tears the job down
    state.MPI.COMM_WORLD.Abort(1)


def _install_excepthook() -> None:
    prev = sys.excepthook
    state.prev_excepthook = prev

    def hook(exc_type: Any, exc: Any, tb: Any) -> None:
        prev(exc_type, exc, tb)
        _abort(f"tapegrad.distributed: rank {state.rank} raised an uncaught {exc_type.__name__}; aborting the whole "
               "job (MPI_Abort) so that the other ranks do not wait for it forever.")

    sys.excepthook = hook


def _start_watchdog() -> None:
    state.stop.clear()
    poll = max(0.05, min(1.0, state.timeout / 10))

    def run() -> None:
        while not state.stop.wait(poll):
            p = state.pending
            if p is not None and time.monotonic() - p[1] > state.timeout:
                _abort(
                    f"tapegrad.distributed: stalled collective on rank {state.rank} of {state.size}: {p[0]} has waited "
                    f"{time.monotonic() - p[1]:.1f} s (collective timeout {state.timeout:g} s) for the other ranks. "
                    "A rank is stuck, has exited, or is running a different sequence of collectives (e.g. a rank-"
                    "dependent branch, or more batches on one rank: use hvd.join() or equal steps per rank). "
                    "Aborting the job instead of hanging; set the limit with hvd.init(timeout=...) or "
                    "TAPEGRAD_COLLECTIVE_TIMEOUT.")
                return

    state.watchdog = threading.Thread(target=run, name="tapegrad-distributed-watchdog", daemon=True)
    state.watchdog.start()


def blocking(what: str, fn: Callable[[], Any]) -> Any:
    """Run a blocking MPI call under the watchdog (``what`` names it in the stall message)."""
    state.pending = (what, time.monotonic())
    try:
        return fn()
    finally:
        state.pending = None


def waitall(what: str, reqs: list[Any]) -> None:
    if reqs:
        blocking(what, lambda: state.MPI.Request.Waitall(reqs))


# --------------------------------------------------------------------------------------------------------------
# the agreement check


class Layout:
    """What one collective call does, as plain values: compared across ranks before any data moves.

    ``fields`` is an ordered tuple of ``(label, value)``; the first label whose value differs between ranks names the
    mismatch. ``plan`` (optional) is what a joined rank needs to contribute zeros.
    """

    __slots__ = ("kind", "fields", "plan", "what")

    def __init__(self, kind: str, fields: tuple[tuple[str, Any], ...], plan: Any = None, what: str = "") -> None:
        self.kind = kind
        self.fields = (("operation", kind),) + fields
        self.plan = plan
        self.what = what or kind

    def hashes(self, seq: int) -> tuple[int, int]:
        d = hashlib.blake2b(repr((self.fields, seq)).encode(), digest_size=6).digest()
        return int.from_bytes(d[:3], "little"), int.from_bytes(d[3:], "little")


def _describe(label: str, value: Any) -> str:
    if label == "data types":  # layouts carry dtype codes ('<f4': cheap to build), messages show names
        if isinstance(value, tuple):
            return "(" + ", ".join(np.dtype(v).name for v in value) + ")"
        return np.dtype(value).name
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return str(list(value))
    return str(value)


def _mismatch_message(descs: list[Any]) -> str:
    """Horovod-like text naming the first field that differs, with what each rank sent."""
    active = [(r, d) for r, d in enumerate(descs) if d is not None]
    joined = [r for r, d in enumerate(descs) if d is None]
    fields0 = active[0][1][0]
    labels = [lab for lab, _ in fields0]
    for _r, (fields, _) in active[1:]:
        for lab, _ in fields:
            if lab not in labels:
                labels.append(lab)
    for lab in labels + ["call number"]:
        vals = []
        for r, (fields, seq) in active:
            value = seq if lab == "call number" else dict(fields).get(lab, "<absent>")
            vals.append((r, value))
        if len({repr(v) for _, v in vals}) > 1:
            sent = ", ".join(f"rank {r} sent {_describe(lab, v)}" for r, v in vals)
            op = dict(fields0).get("operation", "?")
            if lab == "operation":
                head = "Mismatched operations: the ranks called different collectives"
            elif lab == "call number":
                head = (f"Mismatched call order: the ranks are at different collective calls (one rank ran a "
                        f"collective the others skipped) during {op}")
            else:
                head = f"Mismatched {op} {lab}"
            tail = f" (ranks {joined} have joined)" if joined else ""
            return (f"{head}: {sent}{tail}. Every rank must call the same collectives in the same order with the same "
                    "dtypes, shapes and arguments (check rank-dependent code paths and data).")
    return "Mismatched collective calls across ranks (the layouts hash differently)."


def agree(layout: Layout) -> int:
    """The agreement check (module docstring, step 1). Returns the number of active (not joined) ranks."""
    st = state
    seq = st.seq
    st.seq += 1
    h1, h2 = layout.hashes(seq)
    vec = np.array([h1, h1 * h1, h2, h2 * h2, 1], dtype=np.int64)
    MPI = st.MPI
    blocking(f"agreement check before {layout.what}", lambda: st.ctl.Allreduce(MPI.IN_PLACE, vec, op=MPI.SUM))
    a = int(vec[4])
    s = [int(v) for v in vec[:4]]
    ok = s[0] == a * h1 and s[1] == a * h1 * h1 and s[2] == a * h2 and s[3] == a * h2 * h2
    _finish_agreement(ok, (layout.fields, seq))
    if a < st.size:
        if not _joinable(layout):
            msg = (f"{layout.what} is not allowed while some ranks have called hvd.join() (only Sum/Average "
                   "reductions are: joined ranks contribute zeros to them).")
            _share_layout(layout)
            raise errors.FailedPreconditionError(msg)
        _share_layout(layout)
    return a


def _finish_agreement(ok: bool, mine: Any) -> None:
    """All ranks learn the same verdict from the sums; on a mismatch all gather the layouts and raise the same error."""
    if ok:
        return
    descs = blocking("agreement check (gathering the mismatched layouts)", lambda: state.ctl.allgather(mine))
    raise errors.FailedPreconditionError(_mismatch_message(descs))


def _share_layout(layout: Layout | None) -> Layout:
    """Active ranks send their layout to the joined ones (the lowest active rank is the root)."""
    flags = blocking("join bookkeeping", lambda: state.ctl.allgather(layout is not None))
    root = flags.index(True)
    return blocking("join bookkeeping", lambda: state.ctl.bcast(layout if state.rank == root else None, root=root))


_JOINABLE = {"allreduce", "grouped_allreduce", "gradient"}


def _joinable(layout: Layout) -> bool:
    """Joined ranks can serve sums and averages (with zeros); Min/Max/Product and the other collectives cannot."""
    return layout.kind in _JOINABLE and layout.plan is not None and layout.plan.op in (ReduceOp.SUM, ReduceOp.AVERAGE)


def join() -> int:
    """The joined side of the protocol: serve the other ranks' reductions with zeros until every rank has joined."""
    st = require_init()
    if not st.multi:
        return 0
    MPI = st.MPI
    last = True
    while True:
        vec = np.zeros(5, dtype=np.int64)
        blocking("join (waiting for the other ranks)", lambda v=vec: st.ctl.Allreduce(MPI.IN_PLACE, v, op=MPI.SUM))
        a = int(vec[4])
        if a == 0:
            break
        st.seq += 1  # the active ranks counted this call in agree(), before their check
        s = [int(v) for v in vec[:4]]
        ok = s[1] * a == s[0] * s[0] and s[3] * a == s[2] * s[2]
        _finish_agreement(ok, None)
        last = False
        layout = _share_layout(None)
        if not _joinable(layout):
            raise errors.FailedPreconditionError(
                f"{layout.what} is not allowed while some ranks have called hvd.join() (only Sum/Average "
                "reductions are: joined ranks contribute zeros to them).")
        layout.plan.run_joined()
    # the ranks whose first round already saw everyone joined are the last to join (highest rank wins a tie)
    out = np.array([st.rank if last else -1], dtype=np.int64)
    blocking("join (result)", lambda: st.ctl.Allreduce(MPI.IN_PLACE, out, op=MPI.MAX))
    st.seq += 1
    return int(out[0])


# --------------------------------------------------------------------------------------------------------------
# fused reductions


def mpi_op(op: ReduceOp) -> Any:
    MPI = state.MPI
    return {ReduceOp.AVERAGE: MPI.SUM, ReduceOp.SUM: MPI.SUM, ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX,
            ReduceOp.PRODUCT: MPI.PROD}[op]


def _scale(arr: np.ndarray, factor: float) -> np.ndarray:
    """``arr * factor`` in ``arr``'s dtype (integers are scaled in float64 and truncated, as a cast would)."""
    if factor == 1.0:
        return arr
    if arr.dtype.kind in "fcV":
        return np.multiply(arr, arr.dtype.type(factor))
    return (arr * factor).astype(arr.dtype)


class Plan:
    """A static assignment of reduction members to buckets: a function of (dtypes, shapes, order, threshold) only.

    Members are taken in ``order`` (for a gradient: reverse parameter order, the order the backward sweep finishes them)
    and appended to the open bucket of their dtype, which is closed when the next member would push it past
    ``threshold`` bytes. With ``contiguous`` (the gradient tape) only one bucket is open at a time: a bucket is a run of
    consecutive members, so buckets fill in the order they were opened and none waits for a member the sweep finishes
    late (a per-dtype bucket collecting all the small biases would complete only at the end). A member at least as large
    as the threshold gets a bucket of its own and is reduced without packing. Buckets are started in the order they were
    opened, whatever order they fill in, so every rank issues the same sequence of ``Iallreduce`` calls
    (``nonblocking=False``, for reductions that are not overlapped with anything: blocking ``Allreduce`` calls, which
    MPICH runs faster on shared memory). ``with_flags`` adds one int64 ``SUM`` of per-member presence counts (dense,
    sparse) — the cross-rank ``None`` mask of a gradient — and a sparse phase (allgathers) for members that some rank
    sent as ``IndexedSlices``.
    """

    def __init__(self, members: Sequence[tuple[str, tuple[int, ...]]], order: Sequence[int], threshold: int,
                 op: ReduceOp, with_flags: bool, nonblocking: bool = True, contiguous: bool = False) -> None:
        self.members = [(np.dtype(d), tuple(s)) for d, s in members]
        self.sizes = [math.prod(s) for _, s in self.members]
        self.op = op
        self.with_flags = with_flags
        self.nonblocking = nonblocking
        self.buckets: list[list[int]] = []
        self.where: list[tuple[int, int]] = [(-1, 0)] * len(self.members)   # member -> (bucket, element offset)
        open_: dict[Any, int] = {}
        fill: list[int] = []
        for m in order:
            dt = self.members[m][0]
            n = self.sizes[m]
            nbytes = n * dt.itemsize
            b = open_.get(dt)
            if threshold == 0 or nbytes >= threshold or b is None or (fill[b] + n) * dt.itemsize > threshold:
                if contiguous:
                    open_.clear()  # buckets are runs of consecutive members: they fill in the order they started
                b = len(self.buckets)
                self.buckets.append([])
                fill.append(0)
                if threshold and nbytes < threshold:
                    open_[dt] = b
                else:
                    open_.pop(dt, None)
            self.where[m] = (b, fill[b])
            self.buckets[b].append(m)
            fill[b] += n
        self.counts = fill
        self.dtypes = [self.members[ms[0]][0] for ms in self.buckets]
        self.direct = [len(ms) == 1 and (threshold == 0 or fill[b] * self.dtypes[b].itemsize >= threshold)
                       for b, ms in enumerate(self.buckets)]
        self.buffers: list[np.ndarray | None] = [None] * len(self.buckets)

    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["buffers"] = [None] * len(self.buckets)  # sent to joined ranks: the layout, never the data
        return d

    def buffer(self, b: int) -> np.ndarray:
        buf = self.buffers[b]
        if buf is None:
            buf = self.buffers[b] = np.empty(self.counts[b], dtype=self.dtypes[b])
        return buf

    # -- the joined side ----------------------------------------------------------------------------------------
    def run_joined(self) -> None:
        comm, MPI = state.comm, state.MPI
        if not self.nonblocking:  # the active ranks reduce bucket by bucket with blocking calls: match them
            for d, c in zip(self.dtypes, self.counts):
                buf = np.zeros(c, dtype=d)
                blocking("join (contributing zeros to a reduction)",
                         lambda b=buf: comm.Allreduce(MPI.IN_PLACE, b, op=MPI.SUM))
            return
        reqs = [comm.Iallreduce(MPI.IN_PLACE, np.zeros(c, dtype=d), op=MPI.SUM)
                for d, c in zip(self.dtypes, self.counts)]
        flags = None
        if self.with_flags:
            flags = np.zeros(2 * len(self.members), dtype=np.int64)
            reqs.append(comm.Iallreduce(MPI.IN_PLACE, flags, op=MPI.SUM))
        waitall("join (contributing zeros to a reduction)", reqs)
        if flags is not None:
            for m in range(len(self.members)):
                if flags[2 * m + 1] > 0:
                    dt, shape = self.members[m]
                    gather_rows(np.zeros((0,) + shape[1:], dtype=dt), "join (sparse gradient)")
                    gather_rows(np.zeros((0,), dtype=np.int64), "join (sparse gradient)")


class Reduction:
    """One execution of a :class:`Plan` on the active side: feed members (in any order), then :meth:`finish`."""

    def __init__(self, plan: Plan, pre: float, post: float, what: str) -> None:
        self.plan = plan
        self.pre = pre
        self.post = post
        self.what = what
        self.left = [len(ms) for ms in plan.buckets]
        self.next_bucket = 0
        self.reqs: list[Any] = []
        self.direct_in: dict[int, np.ndarray] = {}
        self.direct_out: dict[int, np.ndarray] = {}
        n = len(plan.members)
        self.flags = np.zeros(2 * n, dtype=np.int64) if plan.with_flags else None
        self.sparse: dict[int, Any] = {}

    def put(self, m: int, value: np.ndarray | None) -> None:
        """Member ``m``'s local value (``None``: contributes zeros and no presence flag)."""
        plan = self.plan
        b, off = plan.where[m]
        dt = plan.members[m][0]
        if plan.direct[b]:
            if value is None:
                arr = np.zeros(plan.members[m][1], dtype=dt)
            else:
                arr = np.require(value, dtype=dt, requirements="C")  # keeps 0-d (ascontiguousarray would not)
                if self.pre != 1.0:
                    arr = _scale(arr, self.pre)
            self.direct_in[b] = arr
        else:
            dst = plan.buffer(b)[off:off + plan.sizes[m]]
            if value is None:
                dst.fill(0)
            elif self.pre == 1.0:
                dst[:] = np.ravel(value)  # casts to the bucket's dtype (fp16 compression) on the way
            else:
                dst[:] = _scale(np.asarray(value, dtype=dt), self.pre).reshape(-1)
        if value is not None and self.flags is not None:
            self.flags[2 * m] = 1
        self.left[b] -= 1
        if self.left[b] == 0 and b == self.next_bucket:
            self._start_ready()

    def put_all(self, values: Sequence[np.ndarray]) -> None:
        """Every member at once (no ``None``): each bucket packed with one ``concatenate``."""
        plan = self.plan
        if self.pre != 1.0 or plan.with_flags:
            for m, v in enumerate(values):
                self.put(m, v)
            return
        for b, ms in enumerate(plan.buckets):
            if plan.direct[b]:
                self.put(ms[0], values[ms[0]])
            else:
                np.concatenate([np.ravel(values[m]) for m in ms], out=plan.buffer(b), casting="same_kind")
                self.left[b] = 0
                if b == self.next_bucket:
                    self._start_ready()

    def put_sparse(self, m: int, values: np.ndarray, indices: np.ndarray) -> None:
        """A row-sparse member: zeros in its bucket slot, its rows gathered in the sparse phase."""
        self.sparse[m] = (values, indices)
        self.put(m, None)
        assert self.flags is not None
        self.flags[2 * m + 1] = 1

    def _start_ready(self) -> None:
        comm, MPI = state.comm, state.MPI
        op = mpi_op(self.plan.op)
        while self.next_bucket < len(self.left) and self.left[self.next_bucket] == 0:
            b = self.next_bucket
            if self.plan.direct[b]:
                src = self.direct_in[b]  # kept alive until the request completes
                out = self.direct_out[b] = np.empty_like(src)
                if self.plan.nonblocking:
                    self.reqs.append(comm.Iallreduce(src, out, op=op))
                else:
                    blocking(self.what, lambda s=src, o=out: comm.Allreduce(s, o, op=op))
            elif self.plan.nonblocking:
                self.reqs.append(comm.Iallreduce(MPI.IN_PLACE, self.plan.buffer(b), op=op))
            else:
                buf = self.plan.buffer(b)
                blocking(self.what, lambda buf=buf: comm.Allreduce(MPI.IN_PLACE, buf, op=op))
            self.next_bucket += 1

    def progress(self) -> None:
        """Let MPI progress the pending reductions (MPICH only advances inside MPI calls)."""
        if self.reqs:
            state.MPI.Request.Testall(self.reqs)

    def finish(self) -> tuple[list[Any], np.ndarray | None]:
        """Wait; returns per member its reduced dense array (scaled, a fresh array) or ``None`` when no rank had one,
        or ``("sparse", values, indices, dense)`` for members some rank sent row-sparse; and the flag sums."""
        plan = self.plan
        if self.next_bucket < len(self.left):
            raise RuntimeError(f"{self.what}: internal error: buckets {self.left} were not all filled")
        flags = self.flags
        if flags is not None:
            self.reqs.append(state.comm.Iallreduce(state.MPI.IN_PLACE, flags, op=state.MPI.SUM))
        waitall(self.what, self.reqs)
        # one fresh (scaled) array per bucket; members are views into it (never into the reused buffers)
        results = [_scale(self.direct_out[b], self.post) if plan.direct[b] else
                   (_scale(buf, self.post) if self.post != 1.0 else buf.copy())
                   for b, buf in ((b, None if plan.direct[b] else plan.buffer(b)) for b in range(len(plan.buckets)))]
        out: list[Any] = []
        for m, (dt, shape) in enumerate(plan.members):
            b, off = plan.where[m]
            if flags is not None and flags[2 * m] == 0 and flags[2 * m + 1] == 0:
                out.append(None)
                continue
            arr = results[b] if plan.direct[b] else results[b][off:off + plan.sizes[m]].reshape(shape)
            if flags is not None and flags[2 * m + 1] > 0:
                vals, idx = self.sparse.get(m, (np.zeros((0,) + shape[1:], dtype=dt), np.zeros((0,), np.int64)))
                gv, _ = gather_rows(np.ascontiguousarray(vals, dtype=dt), self.what + " (sparse rows)")
                gi, _ = gather_rows(np.ascontiguousarray(idx, dtype=np.int64), self.what + " (sparse indices)")
                factor = self.pre * self.post
                gv = _scale(gv, factor) if factor != 1.0 else gv
                out.append(("sparse", gv, gi, arr if flags[2 * m] > 0 else None))
            else:
                out.append(arr)
        return out, flags


def gather_rows(arr: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Allgather along axis 0 with per-rank row counts (``Allgatherv``); other axes must agree (checked before)."""
    comm = state.comm
    counts = np.zeros(state.size, dtype=np.int64)
    blocking(what, lambda: comm.Allgather(np.array([arr.shape[0]], dtype=np.int64), counts))
    row = int(np.prod(arr.shape[1:], dtype=np.int64))
    out = np.empty((int(counts.sum()),) + arr.shape[1:], dtype=arr.dtype)
    sizes = counts * row
    displs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    blocking(what, lambda: comm.Allgatherv(np.ascontiguousarray(arr), [out, (sizes.tolist(), displs.tolist())]))
    return out, counts


def plan_for(key: Any, make: Callable[[], Plan]) -> Plan:
    plan = state.plans.get(key)
    if plan is None:
        if len(state.plans) >= 256:
            state.plans.clear()
        plan = state.plans[key] = make()
    return plan


