"""Shared pieces of the ``keras.datasets`` loaders: the cache lookup (``keras.utils.get_file``, which never
downloads), a safe ``.npz``/pickle reader, the seeded shuffles and splits, and the word-index remapping of the
text datasets — all with Keras 3.15's arithmetic so the arrays equal Keras's for the same cached file."""

from __future__ import annotations

import io
import pickle
import zipfile
from typing import Any

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# what a pickled dataset member may reference: arrays and their dtypes, nothing callable
_ALLOWED_GLOBALS = frozenset({("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                              ("numpy._core.multiarray", "_reconstruct")})


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to deserialize `{module}.{name}` while loading a Keras dataset: only "
                                     f"NumPy arrays are allowed. The cached file may be corrupted or malicious.")


def fetch(fname: str, origin: str, file_hash: str | None = None, **kwargs: Any) -> str:
    """The cached file's path (``$KERAS_HOME`` or ``~/.keras``, subfolder ``datasets``); without it, or when its
    hash does not match Keras's, a ``ConnectionError`` naming ``origin`` and the path to put the file at."""
    from .._utils_misc import get_file

    return get_file(fname, origin=origin, file_hash=file_hash, **kwargs)


def load_npz(path: str) -> dict[str, np.ndarray]:
    """Every ``.npy`` member of an ``.npz`` archive; object arrays (ragged word-index lists) are unpickled with
    only NumPy classes allowed."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return arrays


def _read_npy(fp: io.BytesIO) -> np.ndarray:
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array: a pickle after the header
        fp.seek(0)
        major, _ = np.lib.format.read_magic(fp)
        if major == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif major in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {major}.") from None
        return _SafeUnpickler(fp).load()


def load_pickled_batch(path: str, label_key: str = "labels") -> tuple[np.ndarray, Any]:
    """A CIFAR ``python`` batch file: ``data`` reshaped to ``(n, 3, 32, 32)`` and the labels under ``label_key``."""
    with open(path, "rb") as f:
        batch = {k.decode("utf8"): v for k, v in _SafeUnpickler(f, encoding="bytes").load().items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def shuffled(seed: int, *arrays: Any) -> list[Any]:
    """The arrays reordered by one ``np.random.RandomState(seed)`` permutation of their length."""
    indices = np.arange(len(arrays[0]))
    np.random.RandomState(seed).shuffle(indices)
    return [a[indices] for a in arrays]


def check_test_split(test_split: float) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")


def split_xy(x: np.ndarray, y: np.ndarray, test_split: float) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)``: the first ``int(len(x) * (1 - test_split))`` rows train."""
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))


def remove_long(maxlen: int, seqs: list[list[int]], labels: Any) -> tuple[list[list[int]], list[Any]]:
    """Keep the sequences shorter than ``maxlen`` (and their labels)."""
    kept = [(s, y) for s, y in zip(seqs, labels) if len(s) < maxlen]
    return [s for s, _ in kept], [y for _, y in kept]


def shift_indices(seqs: Any, start_char: int | None, index_from: int) -> list[list[int]]:
    """Word indices offset by ``index_from``, each sequence led by ``start_char`` when it is not ``None``."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in s] for s in seqs]
    if index_from:
        return [[w + index_from for w in s] for s in seqs]
    return [list(s) for s in seqs]


def clip_vocabulary(seqs: list[list[int]], num_words: int | None, skip_top: int,
                    oov_char: int | None) -> list[list[int]]:
    """Indices outside ``[skip_top, num_words)`` become ``oov_char``, or are dropped when it is ``None``;
    ``num_words`` defaults to the largest index (which is then itself out of range, as in Keras)."""
    if not num_words:
        num_words = max(max(s) for s in seqs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in s] for s in seqs]
    return [[w for w in s if skip_top <= w < num_words] for s in seqs]


def object_array(seqs: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (Keras's ``np.array(seqs, dtype="object")``, which is 2-D when the lists all
    have one length)."""
    return np.array(seqs, dtype="object")


def word_index(path: str, file_hash: str, remote: str) -> dict[str, int]:
    """A word → index JSON file of the cache."""
    import json

    with open(fetch(path, origin=ORIGIN + remote, file_hash=file_hash)) as f:
        return json.load(f)


def housing(path: str, remote: str, file_hash: str, test_split: float, seed: int,
            limit: int | None = None) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """The housing loaders: ``x``/``y`` of the cached ``.npz`` (the first ``limit`` rows), shuffled and split."""
    check_test_split(test_split)
    path = fetch(path, origin=ORIGIN + remote, file_hash=file_hash)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if limit is not None:
        x, y = x[:limit], y[:limit]
    x, y = shuffled(seed, x, y)
    return split_xy(x, y, test_split)


def data_format() -> str:
    from .. import backend

    return backend.image_data_format()
