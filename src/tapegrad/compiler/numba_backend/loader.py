"""Compile kernel specs with Numba, cached in memory and on disk.

Each kernel's source becomes a module file ``k<hash>.py`` in the user cache directory (``$TAPEGRAD_JIT_CACHE``,
else ``$XDG_CACHE_HOME/tapegrad/jit`` or ``~/.cache/tapegrad/jit``, never the repository), one subdirectory per
Numba version and vector-math version. The kernel is compiled eagerly for its exact signature with
``cache=True``, so Numba stores the machine code in that directory's ``__pycache__`` and a second process
imports it instead of recompiling. The hash covers the source, so a changed kernel never loads stale code.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from typing import Any

import numpy as np

from .cachedir import cache_dir, salt
from .kernel import KernelSpec, limited, module_source, spec_key

_MEMORY: dict[str, Any] = {}
_LOCK = threading.Lock()
STATS = {"compiled": 0, "disk_hits": 0, "memory_hits": 0, "seconds": 0.0}


class Kernel:
    """A compiled kernel: ``fn`` (eagerly compiled) and, for kernels using sin/cos, ``libm`` (the libm variant,
    compiled on first use: ``fn`` returns True when an argument was beyond the vector versions' exact range)."""

    __slots__ = ("fn", "module", "limited")

    def __init__(self, module: Any, limited: bool) -> None:
        self.module = module
        self.fn = module.kernel
        self.limited = limited

    @property
    def libm(self) -> Any:
        return self.module.kernel_libm


def load(spec: KernelSpec) -> tuple[Kernel, str, float]:
    """The compiled kernel for ``spec``: ``(kernel, source, seconds spent)``; cached in memory and on disk."""
    name = "kernel"
    src = module_source(spec, name)
    key = "k" + spec_key(src, salt())
    fn = _MEMORY.get(key)
    if fn is not None:
        STATS["memory_hits"] += 1
        return fn, src, 0.0
    with _LOCK:
        fn = _MEMORY.get(key)
        if fn is not None:
            return fn, src, 0.0
        t0 = time.perf_counter()
        d = cache_dir()
        path = d / f"{key}.py"
        if not path.exists():
            tmp = d / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(src)
            os.replace(tmp, path)
        cached = (d / "__pycache__").is_dir() and any((d / "__pycache__").glob(f"{key}.*.nbi"))
        modname = f"_tapegrad_jit_{key}"
        mspec = importlib.util.spec_from_file_location(modname, path)
        assert mspec is not None and mspec.loader is not None
        mod = importlib.util.module_from_spec(mspec)
        sys.modules[modname] = mod
        _patch_numba()
        mspec.loader.exec_module(mod)
        fn = Kernel(mod, limited(spec))
        dt = time.perf_counter() - t0
        STATS["disk_hits" if cached else "compiled"] += 1
        STATS["seconds"] += dt
        _MEMORY[key] = fn
        return fn, src, dt


def run(spec: KernelSpec, kern: Kernel, inputs: list[Any], outputs: list[np.ndarray] | None = None
        ) -> list[np.ndarray]:
    """Call ``kern`` on ``inputs`` (arrays or NumPy scalars of the spec's shapes); outputs allocated if not
    given. Outputs come back in their ``Output.shape``."""
    if outputs is None:
        outputs = [np.empty(o.shape, o.dtype) for o in spec.outputs]
    args = [np.asarray(a)[()] if v.shape == () else np.ascontiguousarray(a) for a, v in zip(inputs, spec.inputs)]
    args += outputs
    if kern.fn(*args) and kern.limited:
        kern.libm(*args)
    return outputs


_patched = [False]


def _patch_numba() -> None:
    """Numba's lowering looks for singly-assigned variables with a scan of the whole block per variable
    (quadratic: 50 s of a 90 s compile for an 800-statement kernel). Replace it by the same computation done
    with one count per block. Applied only where Numba has that method (else nothing changes)."""
    if _patched[0]:
        return
    _patched[0] = True
    from collections import Counter, defaultdict

    from numba.core import ir, lowering
    from numba.core.analysis import compute_use_defs, must_use_alloca

    if not hasattr(lowering.Lower, "_find_singly_assigned_variable"):
        return

    def find_singly_assigned(self: Any) -> None:
        sav: set[str] = set()
        if not self.func_ir.func_id.is_generator:
            blocks = self.func_ir.blocks
            use_defs = compute_use_defs(blocks)
            alloca_vars = must_use_alloca(blocks)
            assigned = defaultdict(set)
            for blk, vl in use_defs.defmap.items():
                for var in vl:
                    assigned[var].add(blk)
            used = defaultdict(set)
            for blk, vl in use_defs.usemap.items():
                for var in vl:
                    used[var].add(blk)
            counts: dict[Any, Counter[str]] = {}
            for var, blks in assigned.items():
                # defined in one block, not used before its definition there, assigned exactly once
                if var in alloca_vars or len(blks) != 1 or used[var]:
                    continue
                [blk] = blks
                c = counts.get(blk)
                if c is None:
                    c = counts[blk] = Counter(s.target.name for s in self.blocks[blk].find_insts(ir.Assign))
                if c[var] == 1:
                    sav.add(var)
        self._singly_assigned_vars = sav
        self._blk_local_varmap = {}

    lowering.Lower._find_singly_assigned_variable = find_singly_assigned
