"""Engine-owned buffers for large arrays (issue 12): a size-and-dtype keyed cache reused step after step.

Why: glibc hands large freed blocks back to the operating system (``munmap``, or trimming the heap top once more
than ``M_TRIM_THRESHOLD`` is free), and a fresh array written for the first time then page-faults on every 4 KiB
page. An eager training step frees its temporaries at the end of the step and allocates them again at the start
of the next, so, depending on the allocator's state, every large array of every step may pay those faults (a
4 MB product: 0.1 ms into a reused buffer, 1.7 ms into a fresh one on a loaded machine).

What: each block is a plain NumPy array that the cache allocates and keeps. Large forward outputs, gradient
temporaries and accumulators are written (``out=``) into a *view* of a free block; the view is what the op or
the sweep hands on. A block is free again exactly when nothing refers to it any more: every view of it keeps a
reference to it (NumPy's ``base``), so ``sys.getrefcount(block)`` falls back to the cache's own references once
the last view dies. Memory is reused only when no Python object can reach it, the same rule malloc follows, so
nothing the user, a tape or a result holds is ever written into.

Bounds: the cache keeps at most ``limit`` bytes of blocks (``tapegrad.config.set_buffer_cache_limit``, default
256 MiB; beyond it large arrays are plain NumPy allocations) and frees every block that is not in use on
``tapegrad.config.clear_buffer_cache()``. Each thread has its own cache. Nothing process-wide is changed;
``tapegrad.config.tune_malloc`` is the opt-in switch for glibc's thresholds (it affects the whole process).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

#: Arrays of at least this many bytes are taken from the cache (smaller ones are cheap for malloc to recycle).
LARGE = 256 * 1024
#: Blocks of at least this many bytes start on a 2 MiB boundary (see :func:`_new_block`).
HUGE = 2 << 20
DEFAULT_LIMIT = 256 << 20

# Interpreters without reference counts (no sys.getrefcount) get -1 everywhere: the calibration below then fails,
# the cache stays off and no block is ever registered, so the engine's in-place tests never pass.
_rc = getattr(sys, "getrefcount", lambda obj: -1)
_ndarray = np.ndarray
_empty = np.empty


class _Cache(threading.local):
    def __init__(self) -> None:
        self.blocks: dict[tuple[Any, ...], list[np.ndarray]] = {}  # (shape, dtype) -> blocks, in use or free
        self.owner: dict[int, np.ndarray] = {}  # id(block) -> block: which arrays are the cache's blocks
        self.huge: dict[int, tuple[int, int]] = {}  # id(block) -> (offset, nbytes) of a huge-page aligned block
        self.nbytes = 0
        self.limit = _limit[0]


_limit = [DEFAULT_LIMIT]
_local = _Cache()


def _free_count() -> int:
    """``getrefcount`` of a block that nothing but the cache refers to, seen from :func:`take`'s loop."""
    c = _Cache()
    b = _empty(4)
    c.blocks[(b.shape, b.dtype)] = [b]
    c.owner[id(b)] = b
    del b
    for blk in c.blocks[((4,), np.dtype(np.float64))]:
        return _rc(blk)
    raise AssertionError


_FREE = _free_count()


def _calibrated() -> bool:
    """The refcount rules the cache relies on hold on this interpreter (a view adds one reference to its block)."""
    c = _Cache()
    b = _empty(4)
    c.blocks[(b.shape, b.dtype)] = [b]
    c.owner[id(b)] = b
    del b
    v = None
    for blk in c.blocks[((4,), np.dtype(np.float64))]:
        free = _rc(blk) == _FREE
        v = blk.view()
        used = _rc(blk) == _FREE + 1
        w = v.reshape(2, 2)  # a view of a view refers to the block, not to the first view
        return free and used and w.base is blk and _rc(blk) == _FREE + 2
    return False


ENABLED = _calibrated() and (getattr(sys, "_is_gil_enabled", lambda: True)())


def take(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised array of ``shape`` and ``dtype`` that nothing else refers to: a view of a free cache
    block, or a plain new array when the cache is full (or disabled). The caller writes every element."""
    c = _local
    key = (shape, dtype)
    blocks = c.blocks.get(key)
    if blocks is None:
        if not ENABLED:
            return _empty(shape, dtype)
        blocks = c.blocks[key] = []
    else:
        # most recently taken first: a block freed a moment ago is likely still in the CPU's caches
        for k in range(len(blocks) - 1, -1, -1):
            blk = blocks[k]
            if _rc(blk) == _FREE:
                if k != len(blocks) - 1:
                    del blocks[k]
                    blocks.append(blk)
                view = c.huge.get(id(blk))
                return blk.view() if view is None else _huge_view(blk, view, shape, dtype)
    b, view = _new_block(shape, dtype)
    if c.nbytes + b.nbytes > c.limit:
        return _empty(shape, dtype)
    blocks.append(b)
    c.owner[id(b)] = b
    c.nbytes += b.nbytes
    if view is not None:
        c.huge[id(b)] = view
        return _huge_view(b, view, shape, dtype)
    return b.view()


def _new_block(shape: tuple[int, ...], dtype: Any) -> tuple[np.ndarray, tuple[int, int] | None]:
    """A new block: a plain array, or for ``HUGE`` sizes a byte array a little larger than needed whose part from
    the first 2 MiB boundary on holds the data (returned as ``(offset, nbytes)``).

    Why: a block is read and written over and over, and with 4 KiB pages a 4 MB array spans ~1,000 TLB entries
    per pass. NumPy advises the kernel to back its allocations of 4 MiB and more with transparent huge pages
    (``madvise(MADV_HUGEPAGE)`` on that allocation only, where the kernel leaves it to the program); a block that
    starts on a huge-page boundary gets them for all its whole 2 MiB stretches, and for a last, partial stretch that
    is at least 7/8 data (at most 256 KiB unused). Everything after those stretches is advised back
    (``MADV_NOHUGEPAGE``, on this allocation's own pages): the kernel would otherwise fill a partly used stretch to
    a whole huge page, at once or later (khugepaged, also across neighbouring allocations), and resident memory
    would grow. The unused head and tail of the byte array are address space, not resident memory.
    """
    dt = np.dtype(dtype)
    nbytes = dt.itemsize
    for d in shape:
        nbytes *= d
    if nbytes < HUGE or not _HUGE_OK:
        return _empty(shape, dt), None
    rest = nbytes % HUGE
    # the huge pages: the data's whole 2 MiB stretches, and its last, partial one if it is nearly all data
    huge = nbytes - rest + (HUGE if rest >= HUGE - HUGE // 8 else 0)
    raw = _empty(max(huge, nbytes) + HUGE, np.uint8)
    start = raw.ctypes.data
    off = -start % HUGE
    end = off + huge  # from here to the allocation's end: no huge pages (khugepaged would fill them)
    if end < raw.nbytes and not _no_huge_pages(start + end, raw.nbytes - end):
        return _empty(shape, dt), None
    return raw, (off, nbytes)


_MADVISE: list[Any] = []


def _no_huge_pages(address: int, length: int) -> bool:
    """``madvise(address, length, MADV_NOHUGEPAGE)`` (``address`` a 2 MiB boundary, hence page aligned); False if it
    cannot be done."""
    if not _MADVISE:
        try:
            import ctypes  # (only once a block of 2 MiB or more is made: not at import)

            f = ctypes.CDLL(None, use_errno=True).madvise
            f.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
            f.restype = ctypes.c_int
            _MADVISE.append(f)
        except (OSError, AttributeError):
            _MADVISE.append(None)
    f = _MADVISE[0]
    return f is not None and f(address, length, 15) == 0  # 15: MADV_NOHUGEPAGE (Linux)


def _huge_view(b: np.ndarray, view: tuple[int, int], shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    off, nbytes = view
    return b[off:off + nbytes].view(dtype).reshape(shape)  # its base is the block (a view of a view collapses)


# Aligning only pays where NumPy asks for huge pages (Linux, NumPy's hugepage switch on, which it is by default on
# kernels that support it).
_HUGE_OK = sys.platform == "linux" and bool(getattr(getattr(np, "_core", None), "multiarray", None) and getattr(
    np._core.multiarray, "_get_madvise_hugepage", lambda: False)())


def _free_one_view() -> int:
    """``getrefcount`` of a block with exactly one view, seen from a local bound to the view's ``base``: what the
    engine's in-place tests (``_backprop.accumulate``) compare against."""
    c = _Cache()
    b = _empty(4)
    c.owner[id(b)] = b
    c.blocks[(b.shape, b.dtype)] = [b]
    v = b.view()
    del b
    return _probe_base(v, c)


def _probe_base(a: Any, c: _Cache) -> int:
    b = a.base
    return _rc(b) if c.owner.get(id(b)) is b else -1


_FREE_ONE_VIEW = _free_one_view()


#: ids of the ``needs`` tuples a sweep hands a rule for an entry it has popped off the tape (a non-persistent tape;
#: each tape has its own entry tuples): the entry's saved arrays are then reachable only through it, and a rule may
#: write into one that nothing else holds (:func:`spare`, with the entry among the holders) instead of a new buffer.
#: Exact tuples equal to the ordinary ones (a tuple subclass would slow every rule's ``needs[i]``); ``_backprop``
#: registers them.
CONSUMED: set[int] = set()


def spare(a: np.ndarray, holders: int) -> bool:
    """True when the large array ``a`` may be overwritten: it is a view of a cache block and the block's only view,
    and ``a`` has exactly ``holders`` references besides this call's (the ones the caller knows of: the sweep's
    local, a rule's parameter, an entry tuple). Anything else that can reach it (a Tensor, a result, another
    gradient, another tape's entry, a view of it) adds a reference, and the answer is False.

    Rules use it to write a result into their upstream, or (when the sweep has popped the entry off the tape:
    ``id(needs) in CONSUMED``) into a saved value of the entry being processed, instead of into a new buffer:
    the same operations on the same operands, so the same bits, and an in-place pass over 4 MB costs about half
    of one into a fresh buffer."""
    b = a.base
    if b is None or _local.owner.get(id(b)) is not b or _rc(b) != _FREE_ONE_VIEW:
        return False
    return _rc(a) == holders + _SELF


def sole(obj: Any, holders: int) -> bool:
    """``obj`` (any object, e.g. an entry's tuple of saved inputs) has exactly ``holders`` references besides this
    call's."""
    return _rc(obj) == holders + _SELF


def _self_count(a: np.ndarray) -> int:
    return _rc(a)  # (a parameter counted as in spare and sole)


def _calibrate_self() -> int:
    """The count :func:`spare` sees for an array with no holders but its caller's one local, minus that one; a
    large negative number (spare and sole always False) when a second holder does not add exactly one."""
    v = _empty(4)
    one = _self_count(v) - 1
    w = v
    two = _self_count(w) - 2
    return one if one == two and one > 0 else -(1 << 30)


_SELF = _calibrate_self()


def set_limit(nbytes: int) -> None:
    """Keep at most ``nbytes`` of cached blocks in each thread (0 turns the cache off); frees blocks not in use."""
    if nbytes < 0:
        raise ValueError(f"set_buffer_cache_limit: the limit must be >= 0 bytes, got {nbytes}.")
    _limit[0] = int(nbytes)
    _local.limit = int(nbytes)
    clear()


def clear() -> int:
    """Forget every block nothing refers to (their memory goes back to malloc); returns the bytes released."""
    c = _local
    released = 0
    for key in list(c.blocks):
        keep = []
        for blk in c.blocks[key]:
            if _rc(blk) == _FREE:
                released += blk.nbytes
                del c.owner[id(blk)]
                c.huge.pop(id(blk), None)
            else:
                keep.append(blk)
        if keep:
            c.blocks[key] = keep
        else:
            del c.blocks[key]
    c.nbytes -= released
    return released


def info() -> dict[str, int]:
    """This thread's cache: bytes of blocks held, of which in use and free, and the limit."""
    c = _local
    free = 0
    for blocks in c.blocks.values():
        for blk in blocks:
            if _rc(blk) == _FREE:
                free += blk.nbytes
    return {"bytes": c.nbytes, "in_use": c.nbytes - free, "free": free, "limit": c.limit}


# -- the public switches (tapegrad.config) ------------------------------------------------------------------------


def set_buffer_cache_limit(nbytes: int) -> None:
    """Bytes of engine-owned buffers the eager engine may keep per thread for large arrays (default 256 MiB).

    Large forward results and gradient temporaries (at least 256 KiB) are written into cached buffers that are
    reused once nothing refers to them, so a training step does not page-fault fresh memory in every step. Blocks
    not in use are freed by this call; ``0`` turns the cache off. A tapegrad extension (TF has no equivalent).

    >>> import tapegrad as tf
    >>> tf.config.set_buffer_cache_limit(64 << 20)
    >>> tf.config.get_buffer_cache_info()["limit"]
    67108864
    >>> tf.config.set_buffer_cache_limit(256 << 20)
    """
    set_limit(nbytes)


def clear_buffer_cache() -> int:
    """Free the engine's cached buffers that nothing refers to; returns the number of bytes released.

    >>> import tapegrad as tf
    >>> tf.config.clear_buffer_cache() >= 0
    True
    """
    return clear()


def get_buffer_cache_info() -> dict[str, int]:
    """This thread's buffer cache: ``bytes`` held (``in_use`` by live tensors or gradients, ``free`` for reuse) and
    the ``limit``.

    >>> import tapegrad as tf
    >>> sorted(tf.config.get_buffer_cache_info())
    ['bytes', 'free', 'in_use', 'limit']
    """
    return info()


def tune_malloc(trim_threshold: int = 256 << 20, mmap_threshold: int = 32 << 20) -> bool:
    """Opt-in: raise glibc's ``M_TRIM_THRESHOLD`` and ``M_MMAP_THRESHOLD`` for the whole process (``mallopt``).

    The buffer cache already keeps tapegrad's own large arrays resident; this also keeps the memory that other
    code frees (hand-written NumPy, other libraries) from being returned to the OS and faulted back in. It changes
    process-wide allocator behaviour (freed memory stays with the process), which is why tapegrad never does it
    by itself. Returns False where the C library is not glibc (nothing is changed). The same effect without code:
    ``MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=33554432`` in the environment.

    >>> import tapegrad as tf
    >>> isinstance(tf.config.tune_malloc.__doc__, str)
    True
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    return bool(mallopt(m_trim_threshold, int(trim_threshold))) and bool(mallopt(m_mmap_threshold,
                                                                                int(mmap_threshold)))
