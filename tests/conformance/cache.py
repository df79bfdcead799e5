"""Location and key of the cached TensorFlow results (tests/conformance/.cache/, gitignored)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / ".cache"
# Files whose content decides what the TensorFlow run produces.
KEY_FILES = ("programs.py", "normalize.py", "run_tf.py", "cache.py")


def installed_version(*dists: str) -> str | None:
    """Version of the first installed distribution among ``dists`` (no import of the package)."""
    for dist in dists:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def tensorflow_version() -> str | None:
    """Installed TensorFlow version, or None when TensorFlow is not installed."""
    return installed_version("tensorflow-cpu", "tensorflow", "tf-nightly", "tensorflow-intel")


def cache_key() -> str:
    """Hash of the program/normalizer sources and the TensorFlow/NumPy/Python versions."""
    h = hashlib.sha256()
    for name in KEY_FILES:
        h.update(name.encode())
        h.update((HERE / name).read_bytes())
    h.update(f"tf={tensorflow_version()} np={installed_version('numpy')} py={sys.version_info[:2]}".encode())
    return h.hexdigest()[:20]


def cache_path(mode: str = "eager") -> Path:
    """The pickle file holding TensorFlow's normalized results for the current key (``mode="function"``: the
    programs run as ``tf.function`` bodies)."""
    prefix = "tf_results" if mode == "eager" else f"tf_results_{mode}"
    return CACHE_DIR / f"{prefix}-{cache_key()}.pkl"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and rename (safe with parallel test workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prune(keep: Path) -> None:
    """Delete cached result files other than ``keep`` (only when ``keep`` lives in the cache directory)."""
    if keep.parent.resolve() != CACHE_DIR.resolve():
        return
    prefix = keep.name.rsplit("-", 1)[0]
    for p in CACHE_DIR.glob(f"{prefix}-*.pkl"):
        if p != keep:
            p.unlink(missing_ok=True)
