"""``tf.train.CheckpointManager``: numbered checkpoints in a directory, the oldest deleted beyond ``max_to_keep``.

Files are named as TensorFlow names them (``<directory>/<checkpoint_name>-<n>``, here with tapegrad's ``.npz``
data file) and the ``checkpoint`` state file lists the kept checkpoints (relative paths), their timestamps and
``last_preserved_timestamp``, as TF writes it, so ``tf.train.latest_checkpoint(directory)`` finds the newest and a
new manager on the same directory takes over the list.

>>> import os, tempfile
>>> import tapegrad as tf
>>> v = tf.Variable(1.0)
>>> ckpt = tf.train.Checkpoint(v=v)
>>> directory = tempfile.mkdtemp()
>>> manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)
>>> paths = [manager.save() for _ in range(3)]
>>> [os.path.basename(p) for p in manager.checkpoints], os.path.basename(manager.latest_checkpoint)
(['ckpt-2', 'ckpt-3'], 'ckpt-3')
>>> _ = v.assign(5.0)
>>> os.path.basename(manager.restore_or_initialize()), float(v.numpy())
('ckpt-3', 1.0)
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["CheckpointManager"]

_LINE = re.compile(r"^(\w+):\s*(.*?)\s*$")


def _read_state(directory: Path) -> dict[str, Any] | None:
    state = directory / "checkpoint"
    if not state.is_file():
        return None
    out: dict[str, Any] = {"paths": [], "timestamps": [], "latest": None, "preserved": None}
    for line in state.read_text().splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "model_checkpoint_path":
            out["latest"] = value.strip('"')
        elif key == "all_model_checkpoint_paths":
            out["paths"].append(value.strip('"'))
        elif key == "all_model_checkpoint_timestamps":
            out["timestamps"].append(float(value))
        elif key == "last_preserved_timestamp":
            out["preserved"] = float(value)
    return out


class CheckpointManager:
    """Keep the last ``max_to_keep`` checkpoints of ``checkpoint`` in ``directory`` (``tf.train.CheckpointManager``).

    ``save()`` writes ``<directory>/<checkpoint_name>-<n>`` (``n`` = the checkpoint's ``save_counter`` after it is
    incremented, or ``checkpoint_number``), records it in the ``checkpoint`` state file and deletes the oldest
    checkpoints beyond ``max_to_keep`` (``None`` keeps all) — except that one checkpoint is preserved every
    ``keep_checkpoint_every_n_hours``: it leaves :attr:`checkpoints` but stays on disk. With ``step_counter`` and
    ``checkpoint_interval``, ``save()`` writes only when the step counter has advanced by at least the interval
    since the last save, and never twice at one step (else it returns None). A manager opened on a directory with
    a state file continues its list. :meth:`restore_or_initialize` restores the latest checkpoint, or calls
    ``init_fn`` when there is none.
    """

    def __init__(self, checkpoint: Any, directory: Any, max_to_keep: int | None,
                 keep_checkpoint_every_n_hours: float | None = None, checkpoint_name: str = "ckpt",
                 step_counter: Any = None, checkpoint_interval: int | None = None,
                 init_fn: Callable[[], Any] | None = None) -> None:
        if not hasattr(checkpoint, "write") or not hasattr(checkpoint, "save_counter"):
            raise TypeError(f"CheckpointManager needs a tf.train.Checkpoint; got {type(checkpoint).__name__}.")
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}.")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is not None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._checkpoint_name = checkpoint_name
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_checkpoint_step: int | None = None
        self._maybe_delete: dict[str, float] = {}
        self._latest: str | None = None
        self._last_preserved = time.time()
        state = _read_state(Path(self._directory))
        if state is not None:
            timestamps = state["timestamps"]
            if len(timestamps) != len(state["paths"]):
                timestamps = [time.time()] * len(state["paths"])
            for rel, stamp in zip(state["paths"], timestamps):
                self._maybe_delete[os.path.join(self._directory, rel)] = stamp
            if state["preserved"] is not None:
                self._last_preserved = state["preserved"]
            if state["latest"]:
                self._latest = os.path.join(self._directory, state["latest"])
            if self._latest is not None and not _exists(self._latest):
                self._latest = None

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Any:
        return self._checkpoint

    @property
    def checkpoint_interval(self) -> int | None:
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The newest checkpoint's path prefix (None before the first save in an empty directory)."""
        return self._latest

    @property
    def checkpoints(self) -> list[str]:
        """The managed checkpoints' path prefixes, oldest first (preserved ones are no longer listed)."""
        return list(self._maybe_delete)

    def save(self, checkpoint_number: int | None = None, check_interval: bool = True, options: Any = None) -> Any:
        """Write a checkpoint and delete the ones beyond ``max_to_keep``; returns its path (None when skipped by
        ``checkpoint_interval``)."""
        if self._checkpoint_interval is not None:
            step = int(_value(self._step_counter))
            if self._last_checkpoint_step is not None:
                if step == self._last_checkpoint_step:  # never twice at one step, even unchecked (as TF)
                    return None
                if check_interval and step < self._last_checkpoint_step + self._checkpoint_interval:
                    return None
            self._last_checkpoint_step = step
        counter = self._checkpoint.save_counter
        counter.assign(int(_value(counter)) + 1)
        number = int(_value(counter)) if checkpoint_number is None else int(_value(checkpoint_number))
        path = f"{self._prefix}-{number}"
        self._checkpoint.write(path)
        stamp = time.time()
        self._maybe_delete.pop(path, None)  # a rewritten number moves to the end of the queue
        self._maybe_delete[path] = stamp
        self._latest = path
        self._record_state()  # record the new checkpoint before deleting anything (a crash then still finds it)
        self._sweep()
        self._record_state()
        return path

    def restore_or_initialize(self) -> str | None:
        """Restore the latest checkpoint and return its path; with none, call ``init_fn`` (if given) and return
        None."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            if self._step_counter is not None:
                self._last_checkpoint_step = int(_value(self._step_counter))
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None

    def sync(self) -> None:
        """Wait for pending writes (writes here are synchronous: nothing to wait for)."""

    def _sweep(self) -> None:
        if not self._max_to_keep:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            path, stamp = next(iter(self._maybe_delete.items()))
            del self._maybe_delete[path]
            if self._keep_every_n_hours is not None and \
                    stamp - self._keep_every_n_hours * 3600.0 >= self._last_preserved:
                self._last_preserved = stamp
                continue
            for name in (path + ".npz", path + ".index", path + ".data-00000-of-00001"):
                Path(name).unlink(missing_ok=True)

    def _record_state(self) -> None:
        directory = Path(self._directory)
        directory.mkdir(parents=True, exist_ok=True)
        latest = os.path.relpath(self._latest, self._directory) if self._latest else ""
        lines = [f'model_checkpoint_path: "{latest}"']
        lines += [f'all_model_checkpoint_paths: "{os.path.relpath(p, self._directory)}"' for p in self._maybe_delete]
        lines += [f"all_model_checkpoint_timestamps: {s!r}" for s in self._maybe_delete.values()]
        lines.append(f"last_preserved_timestamp: {self._last_preserved!r}")
        fd, tmp = tempfile.mkstemp(dir=directory, prefix="checkpoint.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(lines) + "\n")
            os.replace(tmp, directory / "checkpoint")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _value(x: Any) -> Any:
    return x.numpy() if hasattr(x, "numpy") else x


def _exists(prefix: str) -> bool:
    return os.path.isfile(prefix + ".npz") or os.path.isfile(prefix + ".index") or os.path.isfile(prefix)
