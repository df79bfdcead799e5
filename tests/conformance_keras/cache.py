"""Where the Keras lane caches TensorFlow/Keras results: ``tests/conformance_keras/.cache/`` (gitignored).

The key hashes this lane's programs, runner and cache module, the shared normalizer
(``tests/conformance/normalize.py``) and the TensorFlow/Keras/NumPy/Python versions. The version lookup and the
atomic write are the conformance lane's own (imported).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from ..conformance.cache import installed_version, tensorflow_version

HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / ".cache"
KEY_FILES = (HERE / "programs.py", HERE / "programs_b.py", HERE / "programs_layers.py", HERE / "programs_kdata.py",
             HERE / "programs_prep.py", HERE / "programs_kutil.py", HERE / "programs_ktrain.py",
             HERE / "programs_ops.py", HERE / "programs_random.py", HERE / "programs_prep_image.py",
             HERE / "programs_kconfig.py",
             HERE / "run_tf.py",
             HERE / "cache.py",
             HERE.parent / "conformance" / "normalize.py")
KEY_FILES += (HERE / "programs_klayers.py",)  # the layers of keras/layers/*_extra.py, *_nd.py, ...
KEY_FILES += (HERE / "programs_augment.py",)  # keras/layers/preprocessing_augment*.py
KEY_FILES += (HERE / "programs_klegacy.py",)  # keras.preprocessing/datasets/applications, legacy backend
KEY_FILES += (HERE / "programs_image_ops.py",)  # keras.ops.image extras (img)
KEY_FILES += (HERE / "programs_kmix.py",)  # mixed precision, DTypePolicyMap, gradient accumulation, LoRA


def keras_version() -> str | None:
    return installed_version("keras", "keras-nightly")


def cache_key() -> str:
    h = hashlib.sha256()
    for path in KEY_FILES:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    h.update(f"tf={tensorflow_version()} keras={keras_version()} np={installed_version('numpy')} "
             f"py={sys.version_info[:2]}".encode())
    return h.hexdigest()[:20]


def cache_path() -> Path:
    return CACHE_DIR / f"keras_results-{cache_key()}.pkl"


def prune(keep: Path) -> None:
    """Delete cached result files other than ``keep``."""
    for p in CACHE_DIR.glob("keras_results-*.pkl"):
        if p != keep:
            p.unlink(missing_ok=True)
