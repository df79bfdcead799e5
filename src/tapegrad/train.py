"""``tf.train``: object-based checkpoints (``Checkpoint``) stored as NumPy ``.npz`` archives.

``Checkpoint(**objects)`` saves the variables reachable from each named object — a ``Variable``, a ``tf.Module``
(its attribute paths), a Keras layer or model (its ``weights``), an optimizer (its ``variables``) or another
``Checkpoint`` — and restores them into objects of the same structure. Files are written to a temporary file in
the same directory and renamed into place, so a crash never leaves a half-written checkpoint. Restoring refuses a
value whose shape differs from the variable's (``ValueError``), reports a missing file as
``errors.NotFoundError`` and an unreadable one as ``errors.DataLossError``. Values for Keras models that are not
built yet (and optimizers that have not created their slots) are kept and assigned when they are built, as
TensorFlow defers them.

>>> import os, tempfile
>>> import tapegrad as tf
>>> from tapegrad.train import Checkpoint
>>> v = tf.Variable([1.0, 2.0])
>>> ckpt = Checkpoint(v=v)
>>> prefix = os.path.join(tempfile.mkdtemp(), "ckpt")
>>> path = ckpt.save(prefix)
>>> os.path.basename(path)
'ckpt-1'
>>> _ = v.assign([0.0, 0.0])
>>> ckpt.restore(path).assert_consumed() is not None, v.numpy().tolist()
(True, [1.0, 2.0])
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import weakref
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from . import errors
from ._example_pb import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)
from ._tensor import Variable

__all__ = ["Checkpoint", "CheckpointManager", "latest_checkpoint", "save_weights_file", "load_weights_file",
           "ExponentialMovingAverage", "CheckpointOptions", "CheckpointReader", "CheckpointState", "load_checkpoint",
           "list_variables", "load_variable", "get_checkpoint_state", "checkpoints_iterator",
           "Coordinator",
           "Example", "SequenceExample", "Features", "Feature", "FeatureList", "FeatureLists", "BytesList",
           "FloatList", "Int64List"]

_FORMAT = "tapegrad-checkpoint-v1"
_META_KEY = "__tapegrad_meta__"
# id(object) -> (weak reference, {subkey: array}): values waiting for the object to create its variables.
_PENDING: dict[int, tuple[Any, dict[str, np.ndarray]]] = {}


# --------------------------------------------------------------------------------------------------------------
# files


def _write_npz_atomic(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` (+ JSON ``meta``) as an ``.npz`` archive at ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(arrays)
    payload[_META_KEY] = np.frombuffer(json.dumps({"format": _FORMAT, **meta}).encode(), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_npz(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and metadata of a tapegrad ``.npz`` file; ``DataLossError`` if it is not a readable one."""
    if path.is_file() and not zipfile.is_zipfile(path):
        raise errors.DataLossError(f"Unable to read checkpoint file {str(path)!r}: it is not an .npz (zip) archive "
                                   "(corrupted, truncated, or a file in another format).")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.array(data[k]) for k in data.files}
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise errors.DataLossError(
            f"Unable to read checkpoint file {str(path)!r}: it is truncated, corrupted or not a tapegrad checkpoint "
            f"({type(exc).__name__}: {exc}).") from None
    meta_raw = arrays.pop(_META_KEY, None)
    try:
        meta = json.loads(bytes(meta_raw).decode()) if meta_raw is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise errors.DataLossError(f"{str(path)!r} is an .npz archive but not a tapegrad checkpoint (no "
                                   f"{_FORMAT!r} metadata).")
    return arrays, meta


def _resolve_file(save_path: Any) -> Path:
    p = Path(os.fspath(save_path))
    if p.is_file():
        return p
    with_ext = p.with_name(p.name + ".npz")
    if with_ext.is_file():
        return with_ext
    raise errors.NotFoundError(f"Failed to find any matching files for {str(p)!r} (nor {str(with_ext)!r}). Pass "
                               "the path that Checkpoint.save returned.")


# --------------------------------------------------------------------------------------------------------------
# which variables an object owns, under which keys


def _is_layer(obj: Any) -> bool:
    from .keras.layers._base import Layer

    return isinstance(obj, Layer)


def _is_optimizer(obj: Any) -> bool:
    from .keras.optimizers._base import Optimizer

    return isinstance(obj, Optimizer)


def _variables_of(obj: Any) -> list[tuple[str, Variable]]:
    """``(subkey, variable)`` pairs that identify ``obj``'s variables by structure."""
    from .module import Module

    if isinstance(obj, Variable):
        return [("value", obj)]
    if _is_layer(obj):
        return [(f"weights/{i}", v) for i, v in enumerate(obj.weights)]
    if _is_optimizer(obj):
        return [(f"variables/{i}", v) for i, v in enumerate(obj.variables)]
    if isinstance(obj, Module):
        seen: set[int] = set()
        out = []
        kinds: tuple[type, ...] = (Variable,)
        keras_variables = sys.modules.get("tapegrad.keras.variables")
        if keras_variables is not None:  # Keras layers held by the module: their weights are Keras variables
            kinds += (keras_variables.Variable,)
        for path, v in obj._flatten(predicate=lambda x: isinstance(x, kinds), with_path=True):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(("/".join(str(p) for p in path), v))
        return out
    if isinstance(obj, Checkpoint):
        out = []
        for name, child in obj._children.items():
            out += [(f"{name}/{k}", v) for k, v in _variables_of(child)]
        return out
    variables = getattr(obj, "variables", None)
    if variables is not None:
        return [(f"variables/{i}", v) for i, v in enumerate(variables)]
    raise ValueError(f"Checkpoint was expecting a trackable object (a Variable, Module, Keras layer/model or "
                     f"optimizer), got {obj!r} of type {type(obj).__name__}.")


def _label(v: Variable) -> str:
    from .keras.backend import variable_path

    return variable_path(v)


def _assign_checked(key: str, v: Variable, value: np.ndarray, skip_mismatch: bool = False) -> bool:
    if tuple(value.shape) != tuple(v.shape):
        if skip_mismatch:
            return False
        raise ValueError(
            f"Received incompatible tensor with shape {tuple(value.shape)} when attempting to restore variable "
            f"{_label(v)!r} (checkpoint key {key!r}) with shape {tuple(v.shape)}. The checkpoint was written for a "
            "different architecture.")
    v.assign(value.astype(np.dtype(str(getattr(v.dtype, 'name', v.dtype))), copy=False))
    return True


def _defer(obj: Any, values: dict[str, np.ndarray]) -> None:
    key = id(obj)
    _PENDING[key] = (weakref.ref(obj, lambda _r, k=key: _PENDING.pop(k, None)), values)


def apply_pending(obj: Any) -> bool:
    """Assign checkpoint values that were waiting for ``obj`` to create its variables (called after a build);
    True if any value was assigned."""
    entry = _PENDING.get(id(obj))
    if entry is None or entry[0]() is not obj:
        return False
    del _PENDING[id(obj)]
    current = dict(_variables_of(obj))
    remaining = {}
    for sub, value in entry[1].items():
        v = current.get(sub)
        if v is None:
            remaining[sub] = value
        else:
            _assign_checked(sub, v, value)
    if remaining:
        _defer(obj, remaining)
    return len(remaining) < len(entry[1])


# --------------------------------------------------------------------------------------------------------------
# Checkpoint


class CheckpointLoadStatus:
    """What ``restore`` matched; ``assert_consumed()`` raises ``AssertionError`` if anything was left over."""

    def __init__(self, unused_keys: list[str], missing: list[str], deferred: list[str]) -> None:
        self._unused, self._missing, self._deferred = unused_keys, missing, deferred

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Every value in the file was used and every variable got one (deferred values count as pending)."""
        problems = []
        if self._unused:
            problems.append(f"values in the checkpoint that matched no variable: {self._unused}")
        if self._missing:
            problems.append(f"variables with no value in the checkpoint: {self._missing}")
        if self._deferred:
            problems.append(f"values waiting for objects to be built: {self._deferred}")
        if problems:
            raise AssertionError("Checkpoint restore was not complete: " + "; ".join(problems))
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Every existing variable got a value."""
        if self._missing:
            raise AssertionError(f"Variables with no value in the checkpoint: {self._missing}")
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Silence complaints about values left unused (a no-op here: nothing is reported at exit)."""
        return self


class Checkpoint:
    """Save and restore the variables of named objects (``tf.train.Checkpoint``).

    ``save(prefix)`` numbers checkpoints (``prefix-1``, ``prefix-2``, … each stored as ``<path>.npz``) and records
    the latest in a ``checkpoint`` file next to them (see :func:`latest_checkpoint`); ``write(path)`` writes
    exactly one file; ``restore(path)``/``read(path)`` load one.
    """

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        children = dict(kwargs)
        if root is not None:
            children["root"] = root
        for name, obj in children.items():
            if obj is None:
                raise ValueError(f"Checkpoint was passed None for {name!r}; pass a trackable object.")
            _variables_of(obj)  # validates the type early
        object.__setattr__(self, "_children", children)
        object.__setattr__(self, "_save_counter", Variable(np.int64(0), trainable=False, name="save_counter"))

    def __getattr__(self, name: str) -> Any:
        children = object.__getattribute__(self, "_children")
        if name in children:
            return children[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            _variables_of(value)
            self._children[name] = value

    @property
    def save_counter(self) -> Variable:
        """How many times ``save`` has run (restored with the checkpoint)."""
        return self._save_counter

    def _collect(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays: dict[str, np.ndarray] = {"save_counter": self._save_counter.numpy()}
        labels: dict[str, str] = {}
        for name, obj in self._children.items():
            for sub, v in _variables_of(obj):
                key = f"{name}/{sub}"
                arrays[key] = v.numpy()
                labels[key] = _label(v)
        return arrays, {"labels": labels}

    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Write the variables to ``file_prefix`` (``.npz`` appended unless present); returns the path given."""
        path = Path(os.fspath(file_prefix))
        target = path if path.suffix == ".npz" else path.with_name(path.name + ".npz")
        arrays, meta = self._collect()
        _write_npz_atomic(target, arrays, meta)
        return os.fspath(file_prefix)

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Write a numbered checkpoint ``<file_prefix>-<n>`` and return that path."""
        self._save_counter.assign(self._save_counter.numpy() + 1)
        path = f"{os.fspath(file_prefix)}-{int(self._save_counter.numpy())}"
        self.write(path)
        _update_state_file(Path(path))
        return path

    def read(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus:
        """Restore from ``save_path`` without touching ``save_counter``."""
        return self._restore(save_path, restore_counter=False)

    def restore(self, save_path: Any, options: Any = None) -> CheckpointLoadStatus:
        """Restore every object's variables from ``save_path`` (``None`` does nothing, as in TF)."""
        if save_path is None:
            return CheckpointLoadStatus([], [], [])
        return self._restore(save_path, restore_counter=True)

    def _restore(self, save_path: Any, restore_counter: bool) -> CheckpointLoadStatus:
        arrays, _ = _read_npz(_resolve_file(save_path))
        used: set[str] = set()
        missing: list[str] = []
        deferred: list[str] = []
        plan: list[tuple[str, Variable, np.ndarray]] = []
        for name, obj in self._children.items():
            prefix = f"{name}/"
            owned = dict(_variables_of(obj))
            for sub, v in owned.items():
                key = prefix + sub
                if key in arrays:
                    plan.append((key, v, arrays[key]))
                    used.add(key)
                else:
                    missing.append(key)
            waiting = {k[len(prefix):]: a for k, a in arrays.items() if k.startswith(prefix) and k not in used
                       and k[len(prefix):] not in owned}
            if waiting and (_is_layer(obj) or _is_optimizer(obj)):
                _defer(obj, waiting)
                deferred += [prefix + k for k in waiting]
                used.update(prefix + k for k in waiting)
        for key, v, value in plan:  # check every shape before assigning anything
            if tuple(value.shape) != tuple(v.shape):
                _assign_checked(key, v, value)
        for key, v, value in plan:
            _assign_checked(key, v, value)
        if restore_counter and "save_counter" in arrays:
            self._save_counter.assign(np.int64(arrays["save_counter"]))
        unused = sorted(k for k in arrays if k not in used and k != "save_counter")
        return CheckpointLoadStatus(unused, missing, deferred)


_STATE_LINE = re.compile(r'^(model_checkpoint_path|all_model_checkpoint_paths):\s*"(.*)"\s*$')


def _update_state_file(path: Path) -> None:
    # As TF's Checkpoint.save: the state file names only the newest checkpoint (a CheckpointManager keeps a list)
    state = path.parent / "checkpoint"
    text = f'model_checkpoint_path: "{path.name}"\nall_model_checkpoint_paths: "{path.name}"\n'
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="checkpoint.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, state)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def latest_checkpoint(checkpoint_dir: Any, latest_filename: str | None = None) -> str | None:
    """The path of the newest checkpoint ``Checkpoint.save`` wrote in ``checkpoint_dir`` (None if there is none)."""
    state = Path(os.fspath(checkpoint_dir)) / (latest_filename or "checkpoint")
    if not state.is_file():
        return None
    for line in state.read_text().splitlines():
        m = _STATE_LINE.match(line)
        if m and m.group(1) == "model_checkpoint_path":
            candidate = Path(os.fspath(checkpoint_dir)) / m.group(2)
            if candidate.with_name(candidate.name + ".npz").is_file() or candidate.is_file():
                return os.fspath(candidate)
    return None


# --------------------------------------------------------------------------------------------------------------
# Model.save_weights / load_weights


def save_weights_file(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Write ``model.weights`` to ``filepath`` (always the ``.npz`` format, whatever the file name)."""
    path = Path(os.fspath(filepath))
    if path.exists() and not overwrite:
        raise FileExistsError(f"{str(path)!r} already exists; pass overwrite=True to replace it.")
    weights = model.weights
    arrays = {f"weights/{i}": v.numpy() for i, v in enumerate(weights)}
    meta = {"labels": {f"weights/{i}": _label(v) for i, v in enumerate(weights)}, "count": len(weights)}
    _write_npz_atomic(path, arrays, meta)


def load_weights_file(model: Any, filepath: Any, skip_mismatch: bool = False) -> None:
    """Load a file written by :func:`save_weights_file` into ``model`` (same architecture)."""
    path = Path(os.fspath(filepath))
    if not path.is_file():
        raise FileNotFoundError(f"No weights file at {str(path)!r}.")
    arrays, meta = _read_npz(path)
    weights = model.weights
    count = int(meta.get("count", len(arrays)))
    labels = meta.get("labels", {})
    if not weights and count:
        _defer(model, {k: arrays[k] for k in arrays if k.startswith("weights/")})
        return
    if count != len(weights):
        raise ValueError(f"Weights file {str(path)!r} holds {count} weights but model {model.name!r} has "
                         f"{len(weights)}: it was saved from a different architecture.")
    pairs = [(f"weights/{i}", v) for i, v in enumerate(weights)]
    for key, v in pairs:
        if key not in arrays:
            raise errors.DataLossError(f"Weights file {str(path)!r} is missing entry {key!r}.")
        if tuple(arrays[key].shape) != tuple(v.shape) and not skip_mismatch:
            raise ValueError(
                f"Cannot load weights from {str(path)!r}: weight {key} ({labels.get(key, '?')}) has shape "
                f"{tuple(arrays[key].shape)} in the file but the model's {_label(v)!r} has shape {tuple(v.shape)}.")
    for key, v in pairs:
        _assign_checked(key, v, arrays[key], skip_mismatch=skip_mismatch)


from ._checkpoint_manager import CheckpointManager  # noqa: E402  (it uses Checkpoint's files)
from ._train_utils import (  # noqa: E402  (they read Checkpoint's files)
    CheckpointOptions,
    CheckpointReader,
    CheckpointState,
    Coordinator,
    ExponentialMovingAverage,
    checkpoints_iterator,
    get_checkpoint_state,
    list_variables,
    load_checkpoint,
    load_variable,
)


def __getattr__(name: str) -> Any:
    if name == "ClusterSpec":  # the class tf.distribute.cluster_resolver uses (tapegrad.distribute loads on use)
        from .distribute._cluster import ClusterSpec

        return ClusterSpec
    raise AttributeError(f"module 'tapegrad.train' has no attribute {name!r}")
