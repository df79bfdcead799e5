"""Where jit kernels and the vector math library's machine code are cached: the user cache directory.

``$TAPEGRAD_JIT_CACHE``, else ``$XDG_CACHE_HOME/tapegrad/jit`` or ``~/.cache/tapegrad/jit`` (never the repository
or the installed package), one subdirectory per Numba version and generator version (a hash of vmath.py and
kernel.py), so a changed generator never loads stale code. A temporary directory is used if that is not writable.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent
_SALT: list[str] = []
_DIR: list[Path] = []


def salt() -> str:
    """Numba version + a hash of the generator's sources: part of every kernel's hash and of the cache path."""
    if not _SALT:
        import numba

        h = hashlib.sha256()
        for f in ("vmath.py", "kernel.py", "irgen.py"):
            h.update((_HERE / f).read_bytes())
        _SALT.append(f"numba{numba.__version__}-{h.hexdigest()[:12]}")
    return _SALT[0]


def cache_dir() -> Path:
    """The directory holding generated kernel modules and Numba's compiled code (created on first use)."""
    if _DIR:
        return _DIR[0]
    root = os.environ.get("TAPEGRAD_JIT_CACHE")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "tapegrad" / "jit"
    d = base / salt()
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError:  # read-only home: a per-user temporary directory still caches within a boot
        uid = os.getuid() if hasattr(os, "getuid") else "user"
        d = Path(tempfile.gettempdir()) / f"tapegrad-jit-{uid}" / salt()
        d.mkdir(parents=True, exist_ok=True)
    _DIR.append(d)
    return d


def install_locator() -> None:
    """Make Numba cache the ``cache=True`` functions of this package (vmath.py) in :func:`cache_dir`, not next to
    the source: a Numba cache locator that claims only files of this directory, tried before Numba's own."""
    from numba.core import caching

    if any(getattr(c, "_tapegrad", False) for c in caching.CacheImpl._locator_classes):
        return

    class TapegradLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):  # type: ignore[misc]
        _tapegrad = True

        def __init__(self, py_func: Any, py_file: str) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(cache_dir() / "vmath")

        def get_cache_path(self) -> str:
            return self._cache_path

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            if Path(py_file).resolve().parent != _HERE.resolve():
                return None
            return super().from_function(py_func, py_file)

    caching.CacheImpl._locator_classes.insert(0, TapegradLocator)
